//! State shared by every handler: configuration, side-effect counters, faults and each
//! provider's own state, each behind its own lock.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;

use crate::faults::FaultRule;
use crate::{juspay_ec, juspay_vat, page, visa_acceptance};

/// Credentials the sandbox accepts. [`Default`] gives the documented test values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SandboxConfig {
    /// Juspay API key (Basic-auth user name).
    pub api_key: String,
    /// Juspay merchant id (`x-merchantid`).
    pub merchant_id: String,
    /// Visa Acceptance merchant id (`v-c-merchant-id`).
    pub visa_merchant_id: String,
    /// Visa Acceptance HTTP Signature key id.
    pub visa_key_id: String,
    /// Visa Acceptance shared secret, base64 as issued.
    pub visa_shared_secret: String,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        Self {
            api_key: "sandbox_api_key_5f2c".to_owned(),
            merchant_id: "agentic_sandbox".to_owned(),
            visa_merchant_id: "agentic_visa_sandbox".to_owned(),
            visa_key_id: "08c94330-f618-42a3-b09d-e1e43be5efda".to_owned(),
            // base64 of 32 fixed bytes; sandbox only.
            visa_shared_secret: "c2FuZGJveC1zaGFyZWQtc2VjcmV0LWFnZW50aWMtMzI=".to_owned(),
        }
    }
}

/// Side effects, counted so tests can prove exactly-once.
#[derive(Debug, Default)]
pub struct Counters {
    /// Tokens provisioned (Juspay VAT new card).
    pub tokens_provisioned: AtomicU64,
    /// OTPs sent (VAT trigger, EC `/txns` native + resend, Visa Acceptance one-time-passwords).
    pub otps_sent: AtomicU64,
    /// Payments that reached `CHARGED` or `AUTHORIZED` (EC) and credentials issued (VAT fetch).
    pub charges: AtomicU64,
    /// Passkeys registered (ceremony REGISTER completed).
    pub passkeys_registered: AtomicU64,
    /// Enrollments in the agentic service.
    pub enrollments: AtomicU64,
    /// TCP connections accepted.
    pub connections_accepted: AtomicU64,
    /// HTTP requests received.
    pub requests: AtomicU64,
}

/// A copy of the counters at one moment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct CounterSnapshot {
    /// See [`Counters::tokens_provisioned`].
    pub tokens_provisioned: u64,
    /// See [`Counters::otps_sent`].
    pub otps_sent: u64,
    /// See [`Counters::charges`].
    pub charges: u64,
    /// See [`Counters::passkeys_registered`].
    pub passkeys_registered: u64,
    /// See [`Counters::enrollments`].
    pub enrollments: u64,
    /// See [`Counters::connections_accepted`].
    pub connections_accepted: u64,
    /// See [`Counters::requests`].
    pub requests: u64,
}

impl Counters {
    /// Adds one.
    pub fn bump(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::SeqCst);
    }

    /// Reads them all.
    pub fn snapshot(&self) -> CounterSnapshot {
        let read = |c: &AtomicU64| c.load(Ordering::SeqCst);
        CounterSnapshot {
            tokens_provisioned: read(&self.tokens_provisioned),
            otps_sent: read(&self.otps_sent),
            charges: read(&self.charges),
            passkeys_registered: read(&self.passkeys_registered),
            enrollments: read(&self.enrollments),
            connections_accepted: read(&self.connections_accepted),
            requests: read(&self.requests),
        }
    }
}

/// Everything the handlers share.
#[derive(Debug, Default)]
pub struct Shared {
    /// Accepted credentials.
    pub config: SandboxConfig,
    /// Side-effect counters.
    pub counters: Counters,
    /// Active fault rules.
    pub faults: Mutex<Vec<FaultRule>>,
    /// Calls per operation so far (for "fail the n-th call" rules).
    pub calls: Mutex<HashMap<String, u32>>,
    /// Juspay VAT state.
    pub vat: Mutex<juspay_vat::VatState>,
    /// Juspay EC state.
    pub ec: Mutex<juspay_ec::EcState>,
    /// Visa Acceptance state.
    pub va: Mutex<visa_acceptance::VaState>,
    /// The fake Visa page's sessions and ceremonies.
    pub page: Mutex<page::PageState>,
}

impl Shared {
    /// A fresh state with `config`.
    pub fn new(config: SandboxConfig) -> Self {
        Self {
            config,
            ..Self::default()
        }
    }

    /// Unix milliseconds now (expiry of card tokens and OTPs).
    pub fn now_ms() -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
    }
}

/// Locks a mutex, recovering the data if a handler panicked while holding it (the sandbox
/// must keep serving).
pub fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
