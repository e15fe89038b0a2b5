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

use std::{fmt, io};

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
///
/// Grow it only through [`SecretBytes::extend_from_slice`], its [`io::Write`] or
/// [`SecretBytes::read_to_end_from`]: when they outgrow the allocation they move the bytes
/// into a bigger one and wipe the old one, which `Vec`'s own growth would leave behind.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct SecretBytes(Vec<u8>);

impl SecretBytes {
    /// Takes `bytes` without copying them.
    pub fn new(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }

    /// Appends `data`; a reallocation wipes the allocation it leaves.
    pub fn extend_from_slice(&mut self, data: &[u8]) {
        let needed = self.0.len().saturating_add(data.len());
        if needed > self.0.capacity() {
            self.move_to(needed);
        }
        self.0.extend_from_slice(data);
    }

    /// Appends everything `reader` yields until its end, as [`io::Read::read_to_end`] does
    /// (a full buffer is first probed with a few bytes, so an exactly sized one is not
    /// doubled), but a reallocation wipes the allocation it leaves. On an error the bytes
    /// read so far stay.
    ///
    /// # Errors
    /// The reader's, other than [`io::ErrorKind::Interrupted`] (retried).
    pub fn read_to_end_from(&mut self, reader: &mut impl io::Read) -> io::Result<()> {
        let mut filled = self.0.len();
        // Read straight into the spare capacity, zeroed once (no `unsafe` in the core).
        self.0.resize(self.0.capacity(), 0);
        let result = loop {
            if filled == self.0.len() {
                let mut probe = [0u8; 32];
                let read = reader.read(&mut probe);
                let n = match read {
                    Ok(0) => break Ok(()),
                    Ok(n) => n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => break Err(e),
                };
                self.0.truncate(filled);
                self.extend_from_slice(&probe[..n]);
                probe.fill(0);
                std::hint::black_box(&mut probe);
                filled += n;
                self.0.resize(self.0.capacity(), 0);
                continue;
            }
            match reader.read(&mut self.0[filled..]) {
                Ok(0) => break Ok(()),
                Ok(n) => filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => break Err(e),
            }
        };
        self.0.truncate(filled);
        result
    }

    /// Moves the bytes into an allocation of at least `needed` (at least double the current
    /// one, as `Vec` grows) and wipes the old one.
    fn move_to(&mut self, needed: usize) {
        let capacity = needed.max(self.0.capacity().saturating_mul(2)).max(64);
        let mut bigger = Vec::with_capacity(capacity);
        bigger.extend_from_slice(&self.0);
        drop(Self(std::mem::replace(&mut self.0, bigger)));
    }
}

impl io::Write for SecretBytes {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.extend_from_slice(data);
        Ok(data.len())
    }

    fn write_all(&mut self, data: &[u8]) -> io::Result<()> {
        self.extend_from_slice(data);
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
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
    /// front, or grow it with the methods of [`SecretBytes`].
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

    /// Yields its bytes `chunk` at a time, with an `Interrupted` before each read.
    struct Trickle<'a> {
        rest: &'a [u8],
        chunk: usize,
        interrupt: bool,
    }

    impl io::Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            self.interrupt = !self.interrupt;
            if self.interrupt {
                return Err(io::ErrorKind::Interrupted.into());
            }
            let n = self.chunk.min(buf.len()).min(self.rest.len());
            buf[..n].copy_from_slice(&self.rest[..n]);
            self.rest = &self.rest[n..];
            Ok(n)
        }
    }

    #[test]
    fn read_to_end_from_appends_everything_and_retries_interruptions() {
        let data: Vec<u8> = (0..=255).cycle().take(3000).collect();
        let mut bytes = SecretBytes::new(b"head:".to_vec());
        let mut reader = Trickle {
            rest: &data,
            chunk: 7,
            interrupt: false,
        };
        bytes.read_to_end_from(&mut reader).expect("read");
        assert_eq!(&bytes[..5], b"head:");
        assert_eq!(&bytes[5..], data.as_slice());
    }

    #[test]
    fn an_exactly_sized_buffer_is_not_grown() {
        let mut bytes = SecretBytes::new(Vec::with_capacity(100));
        let capacity = bytes.capacity();
        let data = vec![7u8; capacity];
        bytes.read_to_end_from(&mut data.as_slice()).expect("read");
        assert_eq!((bytes.len(), bytes.capacity()), (capacity, capacity));
    }

    #[test]
    fn a_read_error_keeps_the_bytes_read_before_it() {
        let mut reader = io::Read::chain(&b"partial"[..], FailingReader);
        let mut bytes = SecretBytes::default();
        let error = bytes.read_to_end_from(&mut reader).expect_err("fails");
        assert_eq!(error.kind(), io::ErrorKind::ConnectionReset);
        assert_eq!(bytes.as_slice(), b"partial");
    }

    struct FailingReader;

    impl io::Read for FailingReader {
        fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
            Err(io::ErrorKind::ConnectionReset.into())
        }
    }

    #[test]
    fn extend_and_write_append_past_the_capacity() {
        let mut bytes = SecretBytes::new(Vec::with_capacity(4));
        bytes.extend_from_slice(b"otp=");
        io::Write::write_all(&mut bytes, b"918273&").expect("write");
        bytes.extend_from_slice(&[b'x'; 200]);
        assert_eq!(&bytes[..11], b"otp=918273&");
        assert_eq!(bytes.len(), 211);
        assert!(bytes[11..].iter().all(|&b| b == b'x'));
    }

    #[test]
    fn secret_bytes_debug_shows_only_the_length() {
        let bytes = SecretBytes::from(b"otp=918273".to_vec());
        assert_eq!(format!("{bytes:?}"), "SecretBytes(<10 bytes redacted>)");
        assert_eq!(bytes.as_slice(), b"otp=918273");
    }
}
