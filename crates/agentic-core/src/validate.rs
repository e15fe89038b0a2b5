//! Input validation: every constrained request field is checked when its value is built, and a
//! bad value becomes an [`InvalidInput`] that names the field (by its wire name) and the problem,
//! never the value.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A request value the SDK refused before anything was sent.
///
/// React by fixing the named field (show the problem to the user if it came from them); nothing
/// was sent and no state changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid `{field}`: {problem}")]
pub struct InvalidInput {
    /// The field's wire name, dotted for nested fields (`amount.total`).
    pub field: &'static str,
    /// What is wrong with it.
    pub problem: Problem,
}

impl InvalidInput {
    /// An error for `field`.
    pub fn new(field: &'static str, problem: Problem) -> Self {
        Self { field, problem }
    }
}

/// Why a value was refused. The text never contains the value itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// The value is empty or only whitespace.
    Empty,
    /// Longer than the documented maximum (in characters).
    TooLong {
        /// The largest length accepted.
        max: usize,
    },
    /// Not between `min` and `max` characters long.
    WrongLength {
        /// Shortest accepted length.
        min: usize,
        /// Longest accepted length.
        max: usize,
    },
    /// Contains something other than ASCII digits.
    NotDigits,
    /// Contains something other than ASCII letters and digits.
    NotAlphanumeric,
    /// A card number whose check digit is wrong.
    FailsLuhn,
    /// An amount that is zero or negative.
    NotPositive,
    /// An amount with more than two decimal places.
    TooManyDecimals,
    /// An amount too large to be represented exactly.
    TooLarge,
    /// A number outside the accepted range.
    OutOfRange {
        /// Smallest accepted value.
        min: u64,
        /// Largest accepted value.
        max: u64,
    },
    /// Not in the expected format.
    Format {
        /// What is expected, in words.
        expected: &'static str,
    },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("must not be empty"),
            Self::TooLong { max } => write!(f, "must be at most {max} characters long"),
            Self::WrongLength { min, max } if min == max => {
                write!(f, "must be exactly {min} characters long")
            }
            Self::WrongLength { min, max } => {
                write!(f, "must be {min} to {max} characters long")
            }
            Self::NotDigits => f.write_str("must contain digits only"),
            Self::NotAlphanumeric => f.write_str("must contain ASCII letters and digits only"),
            Self::FailsLuhn => f.write_str("is not a valid card number (Luhn check failed)"),
            Self::NotPositive => f.write_str("must be greater than zero"),
            Self::TooManyDecimals => f.write_str("must have at most two decimal places"),
            Self::TooLarge => f.write_str("is too large"),
            Self::OutOfRange { min, max } => write!(f, "must be between {min} and {max}"),
            Self::Format { expected } => write!(f, "must be {expected}"),
        }
    }
}

/// Refuses an empty or blank value.
///
/// # Errors
/// [`Problem::Empty`].
pub fn non_empty(field: &'static str, value: &str) -> Result<(), InvalidInput> {
    if value.trim().is_empty() {
        Err(InvalidInput::new(field, Problem::Empty))
    } else {
        Ok(())
    }
}

/// Requires `min..=max` ASCII digits.
///
/// # Errors
/// [`Problem::Empty`], [`Problem::NotDigits`] or [`Problem::WrongLength`].
pub fn digits(
    field: &'static str,
    value: &str,
    min: usize,
    max: usize,
) -> Result<(), InvalidInput> {
    if value.is_empty() {
        return Err(InvalidInput::new(field, Problem::Empty));
    }
    if !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(InvalidInput::new(field, Problem::NotDigits));
    }
    if !(min..=max).contains(&value.len()) {
        return Err(InvalidInput::new(field, Problem::WrongLength { min, max }));
    }
    Ok(())
}

/// A card number: 12–19 digits with a valid Luhn check digit.
///
/// # Errors
/// As [`digits`], plus [`Problem::FailsLuhn`].
pub fn card_number(field: &'static str, value: &str) -> Result<(), InvalidInput> {
    digits(field, value, 12, 19)?;
    if luhn_valid(value) {
        Ok(())
    } else {
        Err(InvalidInput::new(field, Problem::FailsLuhn))
    }
}

/// The Luhn (mod 10) check over a string of ASCII digits.
pub fn luhn_valid(digits: &str) -> bool {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                let doubled = d * 2;
                if doubled > 9 { doubled - 9 } else { doubled }
            } else {
                d
            }
        })
        .sum();
    sum % 10 == 0
}

/// Declares a validated, non-secret string newtype that serialises as a plain string.
macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident, $check:expr) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            /// Validates and wraps the value.
            ///
            /// # Errors
            /// [`InvalidInput`] for `field` when the value breaks the documented constraint.
            pub fn new(field: &'static str, value: impl Into<String>) -> Result<Self, InvalidInput> {
                let value = value.into();
                let check: fn(&'static str, &str) -> Result<(), InvalidInput> = $check;
                check(field, &value)?;
                Ok(Self(value))
            }

            /// The value as sent on the wire.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            /// Responses are decoded tolerantly: the constraint is enforced on what we send,
            /// not on what a server returns.
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                String::deserialize(deserializer).map(Self)
            }
        }
    };
}

id_type!(
    /// An opaque identifier that must not be empty (customer ids, token ids, challenge ids …).
    Id,
    non_empty
);

id_type!(
    /// A Juspay `order_id`: alphanumeric and shorter than 21 characters (J-ORDER).
    OrderId,
    |field, value| {
        non_empty(field, value)?;
        if !value.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(InvalidInput::new(field, Problem::NotAlphanumeric));
        }
        if value.len() > 20 {
            return Err(InvalidInput::new(field, Problem::TooLong { max: 20 }));
        }
        Ok(())
    }
);

id_type!(
    /// A card BIN: the first 6 to 9 digits of a card number (J-CE).
    CardBin,
    |field, value| digits(field, value, 6, 9)
);

id_type!(
    /// An ISO 4217 currency code: three uppercase letters (`SGD`) or three digits (`978`, as
    /// Visa Acceptance sends it).
    CurrencyCode,
    |field, value| {
        let alpha = value.len() == 3 && value.bytes().all(|b| b.is_ascii_uppercase());
        let numeric = value.len() == 3 && value.bytes().all(|b| b.is_ascii_digit());
        if alpha || numeric {
            Ok(())
        } else if value.is_empty() {
            Err(InvalidInput::new(field, Problem::Empty))
        } else {
            Err(InvalidInput::new(
                field,
                Problem::Format { expected: "an ISO 4217 code: three uppercase letters or three digits" },
            ))
        }
    }
);

/// A positive amount with at most two decimal places, held exactly in hundredths.
///
/// Juspay VAT sends it as a JSON number (`92.65`), Juspay EC and Visa Acceptance as a string
/// (`"92.65"`); the request models choose with `serialize_with`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Amount {
    minor_units: u64,
}

impl Amount {
    /// The largest amount accepted: every value up to it is exact as an `f64` JSON number.
    pub const MAX_MINOR_UNITS: u64 = 1 << 50;

    /// Parses a decimal string such as `92.65`, `100` or `100.1`.
    ///
    /// # Errors
    /// [`InvalidInput`] for `field`: not a plain decimal, zero, more than two decimals, too large.
    pub fn parse(field: &'static str, value: &str) -> Result<Self, InvalidInput> {
        const EXPECTED: Problem = Problem::Format {
            expected: "a decimal number such as 92.65",
        };
        if value.is_empty() {
            return Err(InvalidInput::new(field, Problem::Empty));
        }
        if value.starts_with('-') {
            return Err(InvalidInput::new(field, Problem::NotPositive));
        }
        let (whole, fraction) = value.split_once('.').unwrap_or((value, ""));
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() || !all_digits(whole) || !all_digits(fraction) || value.ends_with('.') {
            return Err(InvalidInput::new(field, EXPECTED));
        }
        if fraction.len() > 2 {
            return Err(InvalidInput::new(field, Problem::TooManyDecimals));
        }
        let too_large = || InvalidInput::new(field, Problem::TooLarge);
        let whole: u64 = whole.parse().map_err(|_| too_large())?;
        let mut cents: u64 = fraction.parse().unwrap_or(0);
        if fraction.len() == 1 {
            cents *= 10;
        }
        let minor = whole
            .checked_mul(100)
            .and_then(|w| w.checked_add(cents))
            .ok_or_else(too_large)?;
        Self::from_minor_units(field, minor)
    }

    /// An amount in hundredths (`9265` is `92.65`).
    ///
    /// # Errors
    /// [`Problem::NotPositive`] for zero, [`Problem::TooLarge`] above [`Self::MAX_MINOR_UNITS`].
    pub fn from_minor_units(field: &'static str, minor_units: u64) -> Result<Self, InvalidInput> {
        if minor_units == 0 {
            return Err(InvalidInput::new(field, Problem::NotPositive));
        }
        if minor_units > Self::MAX_MINOR_UNITS {
            return Err(InvalidInput::new(field, Problem::TooLarge));
        }
        Ok(Self { minor_units })
    }

    /// The amount in hundredths.
    pub fn minor_units(self) -> u64 {
        self.minor_units
    }

    /// As a JSON number: exact, because both operands are exact and IEEE division rounds to the
    /// nearest double, which is the double a JSON parser reads for the decimal text.
    #[allow(clippy::cast_precision_loss)] // bounded by MAX_MINOR_UNITS < 2^53
    pub fn as_f64(self) -> f64 {
        self.minor_units as f64 / 100.0
    }

    /// `serialize_with` helper: a JSON number (`92.65`), as Juspay VAT sends it.
    ///
    /// # Errors
    /// Only the serializer's own errors.
    pub fn serialize_number<S: Serializer>(
        amount: &Self,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.serialize_f64(amount.as_f64())
    }
}

impl fmt::Display for Amount {
    /// Two decimals, as Juspay EC and Visa Acceptance take it: `92.65`, `100.00`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Digits written right to left into a buffer: no formatting machinery for a request
        // body's amount.
        let mut text = [b'0'; 24];
        let mut at = text.len();
        let mut rest = self.minor_units;
        loop {
            at -= 1;
            text[at] = b'0' + (rest % 10) as u8;
            rest /= 10;
            if at == text.len() - 2 {
                at -= 1;
                text[at] = b'.';
            }
            if rest == 0 && at < text.len() - 3 {
                break;
            }
        }
        f.write_str(std::str::from_utf8(&text[at..]).unwrap_or_default())
    }
}

impl Serialize for Amount {
    /// A decimal string with two places (`"92.65"`).
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Amount {
    /// Reads the decimal text [`Serialize`] writes (checkpoints), validated again.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse("amount", &text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn luhn_accepts_known_good_numbers_and_rejects_a_changed_digit() {
        assert!(luhn_valid("4242424242424242"));
        assert!(luhn_valid("4111111111111111"));
        assert!(luhn_valid("5555555555554444"));
        assert!(!luhn_valid("4242424242424241"));
    }

    #[test]
    fn amount_parses_and_prints_two_decimals() {
        let a = Amount::parse("amount", "92.65").expect("valid");
        assert_eq!(a.minor_units(), 9265);
        assert_eq!(a.to_string(), "92.65");
        assert_eq!(a.as_f64(), 92.65);
        assert_eq!(
            Amount::parse("amount", "100").expect("valid").to_string(),
            "100.00"
        );
        assert_eq!(
            Amount::parse("amount", "100.1")
                .expect("valid")
                .minor_units(),
            10010
        );
        assert_eq!(
            Amount::parse("amount", "0.01")
                .expect("valid")
                .minor_units(),
            1
        );
        for (minor, text) in [
            (1, "0.01"),
            (10, "0.10"),
            (100, "1.00"),
            (123_456, "1234.56"),
        ] {
            let amount = Amount::from_minor_units("amount", minor).expect("valid");
            assert_eq!(amount.to_string(), text);
        }
    }
}
