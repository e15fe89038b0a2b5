//! Reading a journey's state back from its checkpoint.
//!
//! A checkpoint is written with serde's derived `Serialize` and read back with [`Restore`],
//! written out per state type next to its definition, instead of a derived `Deserialize`. The
//! derived readers of the state types (four scripts, their parameters, phases and steps, the
//! engine's stage, failures and API errors) were the biggest part of the mobile library spent
//! on one path, one that runs once per app restart; read field by field through the few
//! functions below, the stripped mobile library is 114 KB smaller (1,332,992 → 1,218,760 B;
//! BENCHMARKS.md, "Binary size").
//!
//! The format is serde's, so every checkpoint written before reads the same way:
//!
//! - a struct is an object of its fields (under their serde names); an absent field reads as
//!   `null`, so an absent `Option` is `None` and any other absent field makes the checkpoint
//!   corrupt;
//! - an enum is externally tagged: `"Unit"` (or `{"Unit": null}`), `{"Newtype": value}`,
//!   `{"Struct": {fields}}`;
//! - a newtype struct is its inner value.
//!
//! Wire types that appear inside the state (statuses, methods, validated ids and amounts, the
//! page's browser data) are read with the reader the response decoders compile in anyway: their
//! hand reader ([`FromJson`]) where they have one, else their serde
//! `Deserialize`. Extra fields are ignored, as serde does.

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::json_path::FromJson;

/// The checkpoint does not hold what the state needs. It carries nothing: the resume error
/// names the journey only, since a value could quote what it holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Corrupt;

/// A state type that can be read back from the JSON its `Serialize` wrote.
pub trait Restore: Sized {
    /// Reads `value`.
    ///
    /// # Errors
    /// [`Corrupt`] when `value` is not what `Serialize` writes for this type.
    fn restore(value: &Value) -> Result<Self, Corrupt>;
}

static NULL: Value = Value::Null;

/// The fields of a struct, or of a struct variant.
#[derive(Debug, Clone, Copy)]
pub struct Fields<'a>(&'a Map<String, Value>);

impl<'a> Fields<'a> {
    /// `value` as an object.
    ///
    /// # Errors
    /// [`Corrupt`] for anything else.
    pub fn of(value: &'a Value) -> Result<Self, Corrupt> {
        match value {
            Value::Object(map) => Ok(Self(map)),
            _ => Err(Corrupt),
        }
    }

    /// The field `name`; an absent one reads as `null`.
    ///
    /// # Errors
    /// [`Corrupt`] when the field does not hold a `T`.
    // Not inlined: one copy per field type serves every reader (a resume runs once per app
    // start); inlined into each field's read, the mobile library was 7 KB bigger.
    #[inline(never)]
    pub fn get<T: Restore>(self, name: &str) -> Result<T, Corrupt> {
        T::restore(self.0.get(name).unwrap_or(&NULL))
    }
}

/// An enum value: its variant's name and content (`null` for a unit variant).
///
/// # Errors
/// [`Corrupt`] for anything but a string or an object of one entry.
pub fn variant(value: &Value) -> Result<(&str, &Value), Corrupt> {
    match value {
        Value::String(name) => Ok((name, &NULL)),
        Value::Object(map) if map.len() == 1 => map
            .iter()
            .next()
            .map(|(k, v)| (k.as_str(), v))
            .ok_or(Corrupt),
        _ => Err(Corrupt),
    }
}

/// A unit variant: `value` when its content is `null`.
///
/// # Errors
/// [`Corrupt`] when the variant carries content.
pub fn unit<T>(content: &Value, value: T) -> Result<T, Corrupt> {
    if content.is_null() {
        Ok(value)
    } else {
        Err(Corrupt)
    }
}

/// Reads a wire type with its serde `Deserialize` (the one the response decoders use).
fn with_serde<T: DeserializeOwned>(value: &Value) -> Result<T, Corrupt> {
    crate::json_path::from_value(value).map_err(|_| Corrupt)
}

/// Reads a wire type with its hand reader (the one the response decoders use).
fn with_reader<T: FromJson>(value: &Value) -> Result<T, Corrupt> {
    crate::json_path::read(value).map_err(|_| Corrupt)
}

impl Restore for String {
    fn restore(value: &Value) -> Result<Self, Corrupt> {
        value.as_str().map(str::to_owned).ok_or(Corrupt)
    }
}

impl Restore for bool {
    fn restore(value: &Value) -> Result<Self, Corrupt> {
        value.as_bool().ok_or(Corrupt)
    }
}

impl Restore for u64 {
    fn restore(value: &Value) -> Result<Self, Corrupt> {
        value.as_u64().ok_or(Corrupt)
    }
}

impl Restore for u32 {
    fn restore(value: &Value) -> Result<Self, Corrupt> {
        u64::restore(value).and_then(|n| u32::try_from(n).map_err(|_| Corrupt))
    }
}

impl Restore for u16 {
    fn restore(value: &Value) -> Result<Self, Corrupt> {
        u64::restore(value).and_then(|n| u16::try_from(n).map_err(|_| Corrupt))
    }
}

impl<T: Restore> Restore for Option<T> {
    fn restore(value: &Value) -> Result<Self, Corrupt> {
        match value {
            Value::Null => Ok(None),
            other => T::restore(other).map(Some),
        }
    }
}

impl<T: Restore> Restore for Vec<T> {
    fn restore(value: &Value) -> Result<Self, Corrupt> {
        match value {
            Value::Array(items) => items.iter().map(T::restore).collect(),
            _ => Err(Corrupt),
        }
    }
}

/// Defines a unit-only enum and implements [`Restore`] for it (the variant names, as the
/// derived `Serialize` writes them), so that its variants are listed once: a new variant is
/// restored without a second list to keep in step.
macro_rules! restore_unit_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $($(#[$variant_meta:meta])* $variant:ident,)+
        }
    ) => {
        $(#[$meta])*
        $vis enum $name {
            $($(#[$variant_meta])* $variant,)+
        }

        impl $crate::journey::restore::Restore for $name {
            fn restore(
                value: &::serde_json::Value,
            ) -> Result<Self, $crate::journey::restore::Corrupt> {
                let (name, content) = $crate::journey::restore::variant(value)?;
                $crate::journey::restore::unit(content, ())?;
                match name {
                    $(stringify!($variant) => Ok(Self::$variant),)+
                    _ => Err($crate::journey::restore::Corrupt),
                }
            }
        }
    };
}
pub(crate) use restore_unit_enum;

/// Implements [`Restore`] for wire types with a reader: [`with_reader`] or [`with_serde`].
macro_rules! restore_with {
    ($read:ident: $($ty:ty),+ $(,)?) => {$(
        impl Restore for $ty {
            fn restore(value: &Value) -> Result<Self, Corrupt> {
                $read(value)
            }
        }
    )+};
}

restore_with!(with_serde:
    crate::validate::Amount,
    crate::validate::Id,
    crate::validate::OrderId,
    crate::validate::CardBin,
    crate::visa_page::VisaPageOrigin,
);

restore_with!(with_reader:
    crate::juspay_ec::PaymentMethod,
    crate::juspay_ec::TxnStatus,
    crate::juspay_vat::IdentityType,
    crate::juspay_vat::VicStatus,
    crate::juspay_vat::DynamicDataType,
    crate::visa_page::PasskeyAction,
    crate::visa_page::PlatformType,
    crate::visa_page::BrowserData,
    crate::visa_page::AuthPreferences,
    crate::visa_acceptance::AuthenticatorRenderMethod,
    crate::step_up::StepUpMethod,
    crate::step_up::StepUpSubMethod,
    crate::step_up::StepUpOption,
);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_absent_field_is_none_for_an_option_and_corrupt_otherwise() {
        let value = json!({"present": 3});
        let fields = Fields::of(&value).expect("object");
        assert_eq!(fields.get::<Option<u32>>("absent"), Ok(None));
        assert_eq!(fields.get::<u32>("absent"), Err(Corrupt));
        assert_eq!(fields.get::<Option<u32>>("present"), Ok(Some(3)));
        assert_eq!(fields.get::<String>("present"), Err(Corrupt));
    }

    #[test]
    fn numbers_out_of_range_are_corrupt() {
        assert_eq!(u32::restore(&json!(4_294_967_296_u64)), Err(Corrupt));
        assert_eq!(u16::restore(&json!(65_536)), Err(Corrupt));
        assert_eq!(u64::restore(&json!(-1)), Err(Corrupt));
        assert_eq!(u64::restore(&json!(1.5)), Err(Corrupt));
    }

    #[test]
    fn variants_are_read_in_both_of_serdes_unit_forms() {
        assert_eq!(variant(&json!("Done")), Ok(("Done", &NULL)));
        assert_eq!(variant(&json!({"Done": null})), Ok(("Done", &NULL)));
        assert_eq!(
            variant(&json!({"Awaiting": 1})).map(|(n, c)| (n, c.clone())),
            Ok(("Awaiting", json!(1)))
        );
        assert_eq!(variant(&json!({"A": 1, "B": 2})), Err(Corrupt));
        assert_eq!(variant(&json!({})), Err(Corrupt));
        assert_eq!(variant(&json!(3)), Err(Corrupt));
        assert_eq!(unit(&json!({"x": 1}), ()), Err(Corrupt));
    }

    #[test]
    fn a_list_is_read_whole_or_not_at_all() {
        assert_eq!(
            Vec::<String>::restore(&json!(["a", "b"])),
            Ok(vec!["a".to_owned(), "b".to_owned()])
        );
        assert_eq!(Vec::<String>::restore(&json!(["a", 1])), Err(Corrupt));
        assert_eq!(Vec::<String>::restore(&json!(null)), Err(Corrupt));
    }
}
