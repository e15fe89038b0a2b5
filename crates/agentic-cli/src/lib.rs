#![doc = include_str!("../README.md")]

pub mod account;
pub mod autopilot;
pub mod demo;
pub mod describe;
pub mod recorder;
pub mod standalone;
pub mod transcript;

use agentic_core::journey::ReferenceId;

/// `N` random bytes from the operating system.
///
/// # Errors
/// When the OS has no randomness to give.
pub fn random_bytes<const N: usize>() -> Result<[u8; N], getrandom::Error> {
    let mut bytes = [0_u8; N];
    getrandom::fill(&mut bytes)?;
    Ok(bytes)
}

/// `2 × N` lowercase hex characters from `N` random bytes.
///
/// # Errors
/// When the OS has no randomness to give.
pub fn random_hex<const N: usize>() -> Result<String, getrandom::Error> {
    Ok(random_bytes::<N>()?
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// A fresh journey reference id (`clientReferenceId`, `clientCorrelationId`).
///
/// # Errors
/// When the OS has no randomness to give.
pub fn new_reference_id() -> Result<ReferenceId, getrandom::Error> {
    Ok(ReferenceId::from_entropy(random_bytes::<16>()?))
}

/// A fresh Direct OTP order id (20 hex characters).
///
/// # Errors
/// When the OS has no randomness to give.
pub fn new_order_id() -> Result<String, getrandom::Error> {
    Ok(agentic_core::journey::direct_otp::order_id_from_entropy(
        random_bytes::<10>()?,
    ))
}
