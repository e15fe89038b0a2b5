//! Secret values (DESIGN.md §4).
//!
//! Every secret the SDK touches lives in one of the types below. They share one shape:
//!
//! - `Debug` prints `TypeName(<redacted>)` and `Display` prints `<redacted>`, so a secret can be
//!   formatted anywhere (errors, logs, `{:?}` of a whole request) without leaking;
//! - the bytes are zeroized when the value is dropped (`secrecy::SecretString`);
//! - they implement `Deserialize` (responses and Visa page messages carry secrets in) but **not**
//!   `Serialize`: a struct holding a secret cannot be written to a checkpoint or a log by
//!   accident. Request bodies opt in field by field with
//!   `#[serde(serialize_with = "crate::secret::expose")]`, the only place a secret is written.
//!
//! Constructors validate what the documentation constrains (Luhn for a card number, digits for
//! an OTP …) and return [`InvalidInput`] naming the field; the value itself never appears in the
//! error.
//!
//! Whole request and response bodies, which may hold any of these, are [`SecretBytes`]: `Debug`
//! shows only their length and the whole buffer is wiped on drop.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer, Serializer};

use crate::validate::{self, InvalidInput};

/// Read access to a secret's text, for the code that writes a request body or header.
pub trait SecretText {
    /// The secret in clear. Call only while writing a request; never store or log the result.
    fn expose_secret(&self) -> &str;
}

/// `serialize_with` helper: writes a secret into a request body.
///
/// # Errors
/// Only the serializer's own errors.
pub fn expose<S: Serializer, T: SecretText>(value: &T, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(value.expose_secret())
}

/// `serialize_with` helper for an optional secret.
///
/// # Errors
/// Only the serializer's own errors.
pub fn expose_option<S: Serializer, T: SecretText>(
    value: &Option<T>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match value {
        Some(v) => serializer.serialize_some(v.expose_secret()),
        None => serializer.serialize_none(),
    }
}

macro_rules! secret_string {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone)]
        pub struct $name(SecretString);

        impl $name {
            /// Wraps a value that needs no validation beyond what the caller did.
            pub(crate) fn from_unchecked(value: String) -> Self {
                Self(SecretString::from(value))
            }
        }

        impl SecretText for $name {
            fn expose_secret(&self) -> &str {
                self.0.expose_secret()
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!(stringify!($name), "(<redacted>)"))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("<redacted>")
            }
        }

        impl PartialEq for $name {
            /// Compares the secrets (for tests and de-duplication); not constant-time.
            fn eq(&self, other: &Self) -> bool {
                self.expose_secret() == other.expose_secret()
            }
        }

        impl Eq for $name {}

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                // The intermediate String moves into the SecretString without a copy.
                String::deserialize(deserializer).map(Self::from_unchecked)
            }
        }
    };
}

secret_string!(
    /// A primary account number: 12–19 digits passing the Luhn check.
    CardNumber
);
secret_string!(
    /// A card security code (CVV/CVC): 3 or 4 digits.
    CardSecurityCode
);
secret_string!(
    /// A card expiry month, two digits `01`–`12`.
    ExpiryMonth
);
secret_string!(
    /// A card expiry year, two digits `YY` as the Juspay card APIs take it.
    ExpiryYear
);
secret_string!(
    /// A one-time password typed by the cardholder: 4–8 digits.
    Otp
);
secret_string!(
    /// An issuer authentication code returned by the issuer's app (Visa Acceptance validate).
    IssuerAuthCode
);
secret_string!(
    /// A Juspay API key (Basic-auth user name).
    ApiKey
);
secret_string!(
    /// A Juspay client auth token (15-minute, scoped to an order or a customer).
    ClientAuthToken
);
secret_string!(
    /// A Juspay temporary card token (`ctkn_…`), valid for 15 minutes: whoever holds it can pay
    /// with the card, so it is treated as a secret.
    CardToken
);
secret_string!(
    /// The `secureToken` the Visa auth page returns in `AUTH_SESSION_CREATED`.
    SecureToken
);
secret_string!(
    /// The signed payload (JWT) handed to the Visa auth page for a passkey ceremony.
    VisaPayload
);
secret_string!(
    /// The FIDO assertion or attestation (`assuranceData.fidoBlob`) from `AUTH_COMPLETE`.
    FidoBlob
);
secret_string!(
    /// The shared secret of a Cybersource HTTP Signature key (base64 as issued).
    SigningSecret
);
secret_string!(
    /// A network token number fetched as a payment credential.
    TokenNumber
);
secret_string!(
    /// A cryptogram (TAVV/DTVV …) fetched as a payment credential.
    Cryptogram
);

impl CardNumber {
    /// Validates a card number (digits only, 12–19 long, Luhn).
    ///
    /// # Errors
    /// [`InvalidInput`] for `field` when the value is not a plausible PAN.
    pub fn new(field: &'static str, value: impl Into<String>) -> Result<Self, InvalidInput> {
        let value = zeroize::Zeroizing::new(value.into());
        validate::card_number(field, &value)?;
        Ok(Self::from_unchecked(value.to_string()))
    }

    /// The first six digits (the ISIN/BIN Juspay reports back), which are not secret.
    pub fn bin6(&self) -> &str {
        &self.expose_secret()[..6]
    }
}

impl CardSecurityCode {
    /// Validates a CVV: 3 or 4 digits.
    ///
    /// # Errors
    /// [`InvalidInput`] for `field`.
    pub fn new(field: &'static str, value: impl Into<String>) -> Result<Self, InvalidInput> {
        let value = zeroize::Zeroizing::new(value.into());
        validate::digits(field, &value, 3, 4)?;
        Ok(Self::from_unchecked(value.to_string()))
    }
}

impl ExpiryMonth {
    /// Validates an expiry month: exactly two digits, `01`–`12`.
    ///
    /// # Errors
    /// [`InvalidInput`] for `field`.
    pub fn new(field: &'static str, value: impl Into<String>) -> Result<Self, InvalidInput> {
        let value = zeroize::Zeroizing::new(value.into());
        validate::digits(field, &value, 2, 2)?;
        if !(1..=12).contains(&value.parse::<u8>().unwrap_or(0)) {
            return Err(InvalidInput::new(
                field,
                validate::Problem::OutOfRange { min: 1, max: 12 },
            ));
        }
        Ok(Self::from_unchecked(value.to_string()))
    }
}

impl ExpiryYear {
    /// Validates an expiry year: exactly two digits (`YY`).
    ///
    /// # Errors
    /// [`InvalidInput`] for `field`.
    pub fn new(field: &'static str, value: impl Into<String>) -> Result<Self, InvalidInput> {
        let value = zeroize::Zeroizing::new(value.into());
        validate::digits(field, &value, 2, 2)?;
        Ok(Self::from_unchecked(value.to_string()))
    }
}

impl Otp {
    /// Validates an OTP: 4–8 digits (Visa Acceptance documents up to 8, Juspay samples 6).
    ///
    /// # Errors
    /// [`InvalidInput`] for `field`.
    pub fn new(field: &'static str, value: impl Into<String>) -> Result<Self, InvalidInput> {
        let value = zeroize::Zeroizing::new(value.into());
        validate::digits(field, &value, 4, 8)?;
        Ok(Self::from_unchecked(value.to_string()))
    }
}

macro_rules! non_empty_secret_constructor {
    ($($name:ident),* $(,)?) => {$(
        impl $name {
            /// Wraps a non-empty, non-blank value.
            ///
            /// # Errors
            /// [`InvalidInput`] for `field` when the value is empty or blank.
            pub fn new(field: &'static str, value: impl Into<String>) -> Result<Self, InvalidInput> {
                let value = zeroize::Zeroizing::new(value.into());
                validate::non_empty(field, &value)?;
                Ok(Self::from_unchecked(value.to_string()))
            }
        }
    )*};
}

non_empty_secret_constructor!(
    IssuerAuthCode,
    ApiKey,
    ClientAuthToken,
    CardToken,
    SecureToken,
    VisaPayload,
    FidoBlob,
    SigningSecret,
    TokenNumber,
    Cryptogram,
);

/// Bytes that may hold a secret: a request or response body (a PAN, an OTP, fetched
/// credentials). `Debug` shows only the length, and the whole allocation is wiped on drop.
///
/// Not `zeroize::Zeroizing<Vec<u8>>`: that writes the bytes one volatile store at a time, about
/// 3 instructions per byte, the largest single cost the SDK added to a Direct OTP journey over
/// a plain ureq client (BENCHMARKS.md, "Journey overhead"). Here one `memset` clears the
/// allocation and [`std::hint::black_box`] keeps it from being optimised away as a dead store:
/// the buffer's address escapes into an opaque block that may read it. `black_box` is
/// documented as best effort; with rustc's LLVM backend it is an opaque inline-asm use of the
/// pointer, which is what `memzero_explicit`-style wipes rely on. (`zeroize`'s volatile writes
/// are no stronger a promise; the core denies `unsafe`, so no hand-written barrier.)
///
/// Unlike the text secrets above it has no `Display`, no `Deserialize` and is not built on
/// `secrecy`: it is the buffer a body is written into and read from.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct SecretBytes(Vec<u8>);

impl SecretBytes {
    /// Takes `bytes` without copying them.
    pub fn new(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }
}

impl From<Vec<u8>> for SecretBytes {
    fn from(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }
}

impl std::ops::Deref for SecretBytes {
    type Target = Vec<u8>;

    fn deref(&self) -> &Vec<u8> {
        &self.0
    }
}

impl std::ops::DerefMut for SecretBytes {
    /// Growing the vector through this reallocates and leaves the old copy unwiped: size it up
    /// front.
    fn deref_mut(&mut self) -> &mut Vec<u8> {
        &mut self.0
    }
}

impl fmt::Debug for SecretBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretBytes(<{} bytes redacted>)", self.0.len())
    }
}

impl Drop for SecretBytes {
    fn drop(&mut self) {
        wipe(&mut self.0);
    }
}

/// Zeroes every byte `bytes` owns, its spare capacity included, and leaves it that long.
fn wipe(bytes: &mut Vec<u8>) {
    bytes.clear();
    // Within capacity: no reallocation, one memset over the whole allocation.
    bytes.resize(bytes.capacity(), 0);
    std::hint::black_box(bytes.as_mut_slice());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wipe_zeroes_the_whole_allocation() {
        let mut bytes = Vec::with_capacity(64);
        bytes.extend_from_slice(b"4242424242424242");
        let capacity = bytes.capacity();
        wipe(&mut bytes);
        assert_eq!((bytes.len(), bytes.capacity()), (capacity, capacity));
        assert!(bytes.iter().all(|&b| b == 0));
    }

    #[test]
    fn secret_bytes_debug_shows_only_the_length() {
        let bytes = SecretBytes::from(b"otp=918273".to_vec());
        assert_eq!(format!("{bytes:?}"), "SecretBytes(<10 bytes redacted>)");
        assert_eq!(bytes.as_slice(), b"otp=918273");
    }
}
