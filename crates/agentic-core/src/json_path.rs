//! Reads a model from a parsed [`Value`] and, when it does not match, names the JSON path of
//! the first mismatch (`response.maxOTPVerificationAllowed`, `cards[0].last4`, `.` for the root).
//!
//! Two readers share the path tracking:
//!
//! - [`read`], for models with a hand reader ([`FromJson`]): every response model, and the wire
//!   types inside them. A struct's reader is `read_object!`: the object's entries are matched
//!   to the fields in one pass, each field read by a shared function (a [`FromJson`] impl, a
//!   `wire::lenient` reader). serde's derived visitor of the same model was hundreds of bytes
//!   of library per field, compiled once per model: reading the responses by hand made the
//!   stripped mobile library 53 KB smaller (1,180,712 → 1,127,256 B; BENCHMARKS.md, "Binary
//!   size") at the same speed.
//! - [`from_value`], serde_json's `&Value` deserializer with the path tracked on the side, for
//!   types read with their serde `Deserialize` (validated ids and amounts, secrets, the FFI's
//!   JSON arguments): one deserializer, so each such type's decoding code exists once.
//!   Wrapping serde_json's deserializer and every visitor (`serde_path_to_error`), next to
//!   serde_json's text reader, compiled most models two or three times. It accepts what
//!   `serde_json::from_value` accepts, except a struct written as an array (serde reads one
//!   positionally; no provider, checkpoint or app sends one).
//!
//! Error messages are not serde_json's; the callers never pass them on (they can quote values).

use std::cell::RefCell;
use std::fmt;

use serde::de::value::BorrowedStrDeserializer;
use serde::de::{
    DeserializeOwned, DeserializeSeed, Deserializer, EnumAccess, Error as _, MapAccess, SeqAccess,
    Unexpected, VariantAccess, Visitor,
};
use serde_json::{Error, Value};

/// The JSON path where a value stopped matching its model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonPath(String);

impl JsonPath {
    /// The path as text: keys joined by `.`, array indexes as `[i]`, `.` for the root.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for JsonPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Why a value does not match its model. Its `Debug` shows the path only: serde's message can
/// quote the value (a PAN, an OTP).
pub struct Mismatch {
    /// Where: the first part of the value that does not match.
    pub path: JsonPath,
    /// serde's error. Its message can quote the value: never pass it on as is.
    pub error: Error,
}

impl fmt::Debug for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mismatch")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

/// Reads `T` from `value`, as `serde_json::from_value` does.
///
/// # Errors
/// [`Mismatch`] naming the first part of `value` that does not match `T`.
pub fn from_value<T: DeserializeOwned>(value: &Value) -> Result<T, Mismatch> {
    from_root(|at, failure| T::deserialize(Tracked { value, at, failure }))
}

/// Runs `read` from the root and names the path of its failure.
fn from_root<T>(read: impl FnOnce(&At<'_>, &Failure) -> Result<T, Error>) -> Result<T, Mismatch> {
    let failure = RefCell::new(None);
    read(&At::Root, &failure).map_err(|error| Mismatch {
        path: failure
            .into_inner()
            .unwrap_or_else(|| JsonPath(".".to_owned())),
        error,
    })
}

/// A model read field by field from a parsed [`Value`] by a reader written next to it, instead
/// of through a derived `Deserialize`. The response models are read this way: serde's derived
/// visitor of a model is hundreds of bytes of code per field, compiled into the shared library
/// once per model (BENCHMARKS.md, "Binary size"); a hand reader is one call per field to the
/// shared readers below. Leaf types with their own `Deserialize` (validated ids, secrets) are
/// read through it with [`Node::serde`], at the same path.
pub trait FromJson: Sized {
    /// Reads `node`.
    ///
    /// # Errors
    /// An error made by [`Node::mismatch`] (or [`Node::serde`]), which notes the path of the
    /// first part of the value that does not match.
    fn from_json(node: Node<'_, '_>) -> Result<Self, Error>;
}

/// Reads `T` from `value` with its [`FromJson`] reader.
///
/// # Errors
/// [`Mismatch`] naming the first part of `value` that does not match `T`. An absent field
/// reads as `null`: when its model needs a value, the path names the field.
pub fn read<T: FromJson>(value: &Value) -> Result<T, Mismatch> {
    from_root(|at, failure| T::from_json(Node { value, at, failure }))
}

/// A value being read by a [`FromJson`] reader, with its path.
#[derive(Clone, Copy)]
pub struct Node<'v, 'p> {
    value: &'v Value,
    at: &'p At<'p>,
    failure: &'p Failure,
}

/// The path only: the value can be a secret.
impl fmt::Debug for Node<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Node")
            .field("path", &self.at.path())
            .finish_non_exhaustive()
    }
}

static NULL: Value = Value::Null;

impl<'v, 'p> Node<'v, 'p> {
    /// The value.
    pub fn value(self) -> &'v Value {
        self.value
    }

    /// The error for a value that is not `expected` (`"a string"`), noting this node's path.
    #[inline(never)]
    #[must_use]
    pub fn mismatch(self, expected: &str) -> Error {
        note(self.at, self.failure);
        Error::custom(format_args!("expected {expected}"))
    }

    /// The value as an object.
    ///
    /// # Errors
    /// For anything else.
    pub fn object(self) -> Result<Object<'v, 'p>, Error> {
        match self.value {
            Value::Object(map) => Ok(Object { map, node: self }),
            _ => Err(self.mismatch("an object")),
        }
    }

    /// The value as a string.
    ///
    /// # Errors
    /// For anything else.
    pub fn str(self) -> Result<&'v str, Error> {
        self.value.as_str().ok_or_else(|| self.mismatch("a string"))
    }

    /// Reads `T` with its serde `Deserialize` (leaf types: validated ids, amounts, secrets), as
    /// [`from_value`] does, the path continuing from this node's.
    ///
    /// # Errors
    /// serde's error, its path noted.
    pub fn serde<T: DeserializeOwned>(self) -> Result<T, Error> {
        let tracked = Tracked {
            value: self.value,
            at: self.at,
            failure: self.failure,
        };
        record(T::deserialize(tracked), self.at, self.failure)
    }
}

/// The fields of an object being read. `Debug` shows the path only.
#[derive(Clone, Copy)]
pub struct Object<'v, 'p> {
    map: &'v serde_json::Map<String, Value>,
    node: Node<'v, 'p>,
}

impl fmt::Debug for Object<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.node.fmt(f)
    }
}

impl<'v, 'p> Object<'v, 'p> {
    /// The field `key` read as `T`; an absent field reads as `null`.
    ///
    /// # Errors
    /// `T`'s error, at `key`'s path.
    pub fn get<T: FromJson>(self, key: &str) -> Result<T, Error> {
        self.field(key, self.value(key), T::from_json)
    }

    /// The field `key`'s value, if present.
    pub fn value(self, key: &str) -> Option<&'v Value> {
        self.map.get(key)
    }

    /// Puts the value of each of `keys` present in the object in the matching slot, in one
    /// pass over the object's entries. `read_object!` reads a model's fields with it.
    // Not inlined: one copy serves every model.
    #[inline(never)]
    pub fn fill(self, keys: &[&str], slots: &mut [Option<&'v Value>]) {
        for (key, value) in self.map {
            let key = key.as_bytes();
            // A length and first-byte test before comparing: most keys differ there.
            let found = keys.iter().position(|k| {
                let k = k.as_bytes();
                k.len() == key.len() && k.first() == key.first() && k == key
            });
            if let Some(slot) = found.and_then(|i| slots.get_mut(i)) {
                *slot = Some(value);
            }
        }
    }

    /// `read` of the field `key` whose value, if present, is `value` (a slot that
    /// [`fill`](Self::fill) filled); an absent field reads as `null`.
    ///
    /// # Errors
    /// `read`'s error, at `key`'s path.
    pub fn field<T>(
        self,
        key: &str,
        value: Option<&'v Value>,
        read: impl FnOnce(Node<'v, '_>) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let at = At::Key(self.node.at, key);
        read(Node {
            value: value.unwrap_or(&NULL),
            at: &at,
            failure: self.node.failure,
        })
    }

    /// The object.
    pub fn node(self) -> Node<'v, 'p> {
        self.node
    }
}

/// Reads a struct of fields from an object: `read_object!(node, Model { field: "wireName" =>
/// reader, … })`, each `reader` a `fn(Node) -> Result<T, Error>` ([`FromJson::from_json`], a
/// `lenient` reader), called in the order written. The object's entries are matched to the
/// fields in one pass ([`Object::fill`]) instead of a search of the map per field, most of
/// them absent: as fast as a derived `Deserialize`, without its code per field. A field absent
/// from the object is read from `null` at its path, as [`Object::get`] reads it: `None` for an
/// `Option`, an error naming the field otherwise. Other keys are ignored.
///
/// Fields that do not come from the object follow a `;`: `…; raw: RawJson::default()`.
///
/// `field: "name" | "alias" => reader` reads either name (at the name present); both in one
/// object is an error at the object, as serde's derived reader of an aliased field has it (a
/// duplicate field).
macro_rules! read_object {
    (
        $node:expr,
        $model:ident {
            $($field:ident : $key:literal $(| $alias:literal)? => $read:expr),+ $(,)?
            $(; $($other:ident : $value:expr),+ $(,)?)?
        }
    ) => {{
        const KEYS: &[&str] = &[$($key, $($alias,)?)+];
        let object = $node.object()?;
        let mut slots = [None; KEYS.len()];
        object.fill(KEYS, &mut slots);
        let mut slots = slots.into_iter();
        Ok($model {
            $($field: {
                #[allow(unused_mut)]
                let (mut key, mut value) = ($key, slots.next().flatten());
                $(
                    match (value, slots.next().flatten()) {
                        (Some(_), Some(_)) => {
                            return Err(object.node().mismatch("one of a field's two names"));
                        }
                        (None, Some(alias)) => (key, value) = ($alias, Some(alias)),
                        _ => {}
                    }
                )?
                object.field(key, value, $read)?
            },)+
            $($($other: $value,)+)?
        })
    }};
}
pub(crate) use read_object;

/// Reads a leaf type with its serde `Deserialize` ([`Node::serde`]), as a field reader.
///
/// # Errors
/// serde's error, its path noted.
pub fn leaf<T: DeserializeOwned>(node: Node<'_, '_>) -> Result<T, Error> {
    node.serde()
}

/// Reads an optional `T`, absent and `null` as `T::default()`, as a field reader.
///
/// # Errors
/// `T`'s error.
pub fn or_default<T: FromJson + Default>(node: Node<'_, '_>) -> Result<T, Error> {
    Ok(Option::<T>::from_json(node)?.unwrap_or_default())
}

impl FromJson for String {
    fn from_json(node: Node<'_, '_>) -> Result<Self, Error> {
        node.str().map(str::to_owned)
    }
}

impl FromJson for bool {
    fn from_json(node: Node<'_, '_>) -> Result<Self, Error> {
        node.value
            .as_bool()
            .ok_or_else(|| node.mismatch("a boolean"))
    }
}

impl FromJson for u64 {
    fn from_json(node: Node<'_, '_>) -> Result<Self, Error> {
        node.value
            .as_u64()
            .ok_or_else(|| node.mismatch("a non-negative integer"))
    }
}

impl FromJson for u32 {
    fn from_json(node: Node<'_, '_>) -> Result<Self, Error> {
        u64::from_json(node)
            .and_then(|n| u32::try_from(n).map_err(|_| node.mismatch("an integer up to 2^32 - 1")))
    }
}

impl FromJson for Value {
    fn from_json(node: Node<'_, '_>) -> Result<Self, Error> {
        Ok(node.value.clone())
    }
}

/// `null` (or an absent field) is `None`.
impl<T: FromJson> FromJson for Option<T> {
    fn from_json(node: Node<'_, '_>) -> Result<Self, Error> {
        if node.value.is_null() {
            Ok(None)
        } else {
            T::from_json(node).map(Some)
        }
    }
}

impl<T: FromJson> FromJson for Vec<T> {
    fn from_json(node: Node<'_, '_>) -> Result<Self, Error> {
        let Value::Array(items) = node.value else {
            return Err(node.mismatch("an array"));
        };
        items
            .iter()
            .enumerate()
            .map(|(index, value)| {
                let at = At::Index(node.at, index);
                T::from_json(Node {
                    value,
                    at: &at,
                    failure: node.failure,
                })
            })
            .collect()
    }
}

/// A type read with its serde `Deserialize` where a [`FromJson`] is asked for (a model outside
/// this crate, a test's model): `decode_json::<Serde<MyModel>>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Serde<T>(pub T);

impl<T: DeserializeOwned> FromJson for Serde<T> {
    fn from_json(node: Node<'_, '_>) -> Result<Self, Error> {
        node.serde().map(Serde)
    }
}

/// Where a value sits: a chain of parents on the stack.
enum At<'p> {
    Root,
    Key(&'p At<'p>, &'p str),
    Index(&'p At<'p>, usize),
}

impl At<'_> {
    fn path(&self) -> JsonPath {
        let mut segments = Vec::new();
        let mut at = self;
        loop {
            match at {
                At::Root => break,
                At::Key(parent, key) => {
                    segments.push(Segment::Key(key));
                    at = parent;
                }
                At::Index(parent, index) => {
                    segments.push(Segment::Index(*index));
                    at = parent;
                }
            }
        }
        if segments.is_empty() {
            return JsonPath(".".to_owned());
        }
        let mut text = String::new();
        for (n, segment) in segments.iter().rev().enumerate() {
            match segment {
                Segment::Key(key) => {
                    if n > 0 {
                        text.push('.');
                    }
                    text.push_str(key);
                }
                Segment::Index(index) => {
                    text.push('[');
                    text.push_str(&index.to_string());
                    text.push(']');
                }
            }
        }
        JsonPath(text)
    }
}

enum Segment<'a> {
    Key(&'a str),
    Index(usize),
}

/// The first failure seen is the innermost one: errors travel outwards.
type Failure = RefCell<Option<JsonPath>>;

/// Notes `at` as the failure's path when `result` is the first failure. Instantiated for every
/// model: only the test is, the noting is not generic.
#[inline(always)]
fn record<T>(result: Result<T, Error>, at: &At<'_>, failure: &Failure) -> Result<T, Error> {
    if result.is_err() {
        note(at, failure);
    }
    result
}

#[inline(never)]
fn note(at: &At<'_>, failure: &Failure) {
    let mut slot = failure.borrow_mut();
    if slot.is_none() {
        *slot = Some(at.path());
    }
}

fn unexpected(value: &Value) -> Unexpected<'_> {
    match value {
        Value::Null => Unexpected::Unit,
        Value::Bool(b) => Unexpected::Bool(*b),
        Value::Number(_) => Unexpected::Other("number"),
        Value::String(s) => Unexpected::Str(s),
        Value::Array(_) => Unexpected::Seq,
        Value::Object(_) => Unexpected::Map,
    }
}

struct Tracked<'de, 'p> {
    value: &'de Value,
    at: &'p At<'p>,
    failure: &'p Failure,
}

impl<'de, 'p> Tracked<'de, 'p> {
    fn visit_array<V: Visitor<'de>>(
        array: &'de [Value],
        at: &'p At<'p>,
        failure: &'p Failure,
        visitor: V,
    ) -> Result<V::Value, Error> {
        let len = array.len();
        let mut access = Elements {
            iter: array.iter(),
            index: 0,
            at,
            failure,
        };
        let value = visitor.visit_seq(&mut access)?;
        if access.iter.len() == 0 {
            Ok(value)
        } else {
            Err(Error::invalid_length(len, &"fewer elements in array"))
        }
    }

    fn visit_object<V: Visitor<'de>>(
        object: &'de serde_json::Map<String, Value>,
        at: &'p At<'p>,
        failure: &'p Failure,
        visitor: V,
    ) -> Result<V::Value, Error> {
        let len = object.len();
        let mut access = Entries {
            iter: object.iter(),
            value: None,
            at,
            failure,
        };
        let value = visitor.visit_map(&mut access)?;
        if access.iter.len() == 0 {
            Ok(value)
        } else {
            Err(Error::invalid_length(len, &"fewer elements in map"))
        }
    }
}

/// Each method accepts the JSON types that serde_json's `&Value` deserializer accepts for it,
/// with one exception: a struct is read from an object only, never positionally from an array
/// (no provider, checkpoint or app sends one), so no model carries array-reading code.
impl<'de> Deserializer<'de> for Tracked<'de, '_> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.value {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(*b),
            Value::Number(n) => n.clone().deserialize_any(visitor),
            Value::String(s) => visitor.visit_borrowed_str(s),
            Value::Array(array) => Self::visit_array(array, self.at, self.failure, visitor),
            Value::Object(object) => Self::visit_object(object, self.at, self.failure, visitor),
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.value {
            Value::Bool(b) => visitor.visit_bool(*b),
            other => Err(Error::invalid_type(unexpected(other), &visitor)),
        }
    }

    fn deserialize_i8<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_number(visitor)
    }

    fn deserialize_i16<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_number(visitor)
    }

    fn deserialize_i32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_number(visitor)
    }

    fn deserialize_i64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_number(visitor)
    }

    fn deserialize_i128<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_number(visitor)
    }

    fn deserialize_u8<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_number(visitor)
    }

    fn deserialize_u16<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_number(visitor)
    }

    fn deserialize_u32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_number(visitor)
    }

    fn deserialize_u64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_number(visitor)
    }

    fn deserialize_u128<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_number(visitor)
    }

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_number(visitor)
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_number(visitor)
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.value {
            Value::String(s) => visitor.visit_borrowed_str(s),
            other => Err(Error::invalid_type(unexpected(other), &visitor)),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.value {
            Value::String(s) => visitor.visit_borrowed_str(s),
            Value::Array(array) => Self::visit_array(array, self.at, self.failure, visitor),
            other => Err(Error::invalid_type(unexpected(other), &visitor)),
        }
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_bytes(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.value {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.value {
            Value::Null => visitor.visit_unit(),
            other => Err(Error::invalid_type(unexpected(other), &visitor)),
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.value {
            Value::Array(array) => Self::visit_array(array, self.at, self.failure, visitor),
            other => Err(Error::invalid_type(unexpected(other), &visitor)),
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.value {
            Value::Object(object) => Self::visit_object(object, self.at, self.failure, visitor),
            other => Err(Error::invalid_type(unexpected(other), &visitor)),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_map(visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        let (variant, content) = match self.value {
            Value::Object(object) => {
                let mut iter = object.iter();
                match (iter.next(), iter.next()) {
                    (Some((variant, content)), None) => (variant.as_str(), Some(content)),
                    _ => {
                        return Err(Error::invalid_value(
                            Unexpected::Map,
                            &"map with a single key",
                        ));
                    }
                }
            }
            Value::String(variant) => (variant.as_str(), None),
            other => return Err(Error::invalid_type(unexpected(other), &"string or map")),
        };
        visitor.visit_enum(Variant {
            variant,
            content,
            at: self.at,
            failure: self.failure,
        })
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }
}

impl<'de> Tracked<'de, '_> {
    fn deserialize_number<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.value {
            Value::Number(n) => n.clone().deserialize_any(visitor),
            other => Err(Error::invalid_type(unexpected(other), &visitor)),
        }
    }
}

struct Elements<'de, 'p> {
    iter: std::slice::Iter<'de, Value>,
    index: usize,
    at: &'p At<'p>,
    failure: &'p Failure,
}

impl<'de> SeqAccess<'de> for Elements<'de, '_> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        let Some(value) = self.iter.next() else {
            return Ok(None);
        };
        let at = At::Index(self.at, self.index);
        self.index += 1;
        let element = Tracked {
            value,
            at: &at,
            failure: self.failure,
        };
        record(seed.deserialize(element), &at, self.failure).map(Some)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.iter.len())
    }
}

struct Entries<'de, 'p> {
    iter: serde_json::map::Iter<'de>,
    /// The key and value of the entry whose key was just read.
    value: Option<(&'de str, &'de Value)>,
    at: &'p At<'p>,
    failure: &'p Failure,
}

impl<'de> MapAccess<'de> for Entries<'de, '_> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        let Some((key, value)) = self.iter.next() else {
            return Ok(None);
        };
        self.value = Some((key, value));
        let at = At::Key(self.at, key);
        let key = seed.deserialize(BorrowedStrDeserializer::<Error>::new(key));
        record(key, &at, self.failure).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        let Some((key, value)) = self.value.take() else {
            return Err(Error::custom("value is missing"));
        };
        let at = At::Key(self.at, key);
        let entry = Tracked {
            value,
            at: &at,
            failure: self.failure,
        };
        record(seed.deserialize(entry), &at, self.failure)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.iter.len())
    }
}

/// An externally tagged enum: `"Variant"` or `{"Variant": content}`.
struct Variant<'de, 'p> {
    variant: &'de str,
    content: Option<&'de Value>,
    at: &'p At<'p>,
    failure: &'p Failure,
}

impl<'de, 'p> EnumAccess<'de> for Variant<'de, 'p> {
    type Error = Error;
    type Variant = Self;

    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Self), Error> {
        let variant = seed.deserialize(BorrowedStrDeserializer::<Error>::new(self.variant))?;
        Ok((variant, self))
    }
}

impl<'de> VariantAccess<'de> for Variant<'de, '_> {
    type Error = Error;

    fn unit_variant(self) -> Result<(), Error> {
        match self.content {
            None | Some(Value::Null) => Ok(()),
            Some(other) => Err(Error::invalid_type(unexpected(other), &"unit variant")),
        }
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, Error> {
        let Some(value) = self.content else {
            return Err(Error::invalid_type(
                Unexpected::UnitVariant,
                &"newtype variant",
            ));
        };
        let at = At::Key(self.at, self.variant);
        let content = Tracked {
            value,
            at: &at,
            failure: self.failure,
        };
        record(seed.deserialize(content), &at, self.failure)
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, Error> {
        let at = At::Key(self.at, self.variant);
        let result = match self.content {
            Some(Value::Array(array)) => Tracked::visit_array(array, &at, self.failure, visitor),
            Some(other) => Err(Error::invalid_type(unexpected(other), &"tuple variant")),
            None => Err(Error::invalid_type(
                Unexpected::UnitVariant,
                &"tuple variant",
            )),
        };
        record(result, &at, self.failure)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        let at = At::Key(self.at, self.variant);
        let result = match self.content {
            Some(Value::Object(object)) => {
                Tracked::visit_object(object, &at, self.failure, visitor)
            }
            Some(other) => Err(Error::invalid_type(unexpected(other), &"struct variant")),
            None => Err(Error::invalid_type(
                Unexpected::UnitVariant,
                &"struct variant",
            )),
        };
        record(result, &at, self.failure)
    }
}

#[cfg(test)]
mod tests {
    use super::{FromJson, Node, from_value, read};
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "camelCase")]
    struct Card {
        last4: String,
        expiry: Option<u32>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    enum Kind {
        Plain,
        Tagged { id: u64 },
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Wallet {
        owner: String,
        cards: Vec<Card>,
        kind: Kind,
        #[serde(default)]
        extra: Option<serde_json::Value>,
    }

    /// The same models read by hand, as the response models are.
    impl FromJson for Card {
        fn from_json(node: Node<'_, '_>) -> Result<Self, serde_json::Error> {
            read_object!(node, Self {
                last4: "last4" => FromJson::from_json,
                expiry: "expiry" => FromJson::from_json,
            })
        }
    }

    impl FromJson for Wallet {
        fn from_json(node: Node<'_, '_>) -> Result<Self, serde_json::Error> {
            read_object!(node, Self {
                owner: "owner" => FromJson::from_json,
                cards: "cards" => FromJson::from_json,
                kind: "kind" => super::leaf,
                extra: "extra" => FromJson::from_json,
            })
        }
    }

    #[test]
    fn a_matching_value_is_read_as_from_value_reads_it() {
        let value = json!({
            "owner": "o",
            "cards": [{"last4": "4242", "expiry": 12}, {"last4": "0005", "expiry": null}],
            "kind": {"Tagged": {"id": 7}},
            "extra": {"a": [1, -2, 2.5, true, null, "x"]},
            "ignored": {"deep": [1]}
        });
        let ours: Wallet = from_value(&value).expect("matches");
        let by_hand: Wallet = read(&value).expect("matches");
        let theirs: Wallet = serde_json::from_value(value).expect("matches");
        assert_eq!(ours, theirs);
        assert_eq!(by_hand, theirs);
        assert_eq!(ours.kind, Kind::Tagged { id: 7 });
        let plain: Kind = from_value(&json!("Plain")).expect("unit variant");
        assert_eq!(plain, Kind::Plain);
    }

    #[test]
    fn a_mismatch_names_its_path() {
        let derived = |value: &serde_json::Value| {
            from_value::<Wallet>(value)
                .expect_err("does not match")
                .path
                .to_string()
        };
        let hand = |value: &serde_json::Value| {
            read::<Wallet>(value)
                .expect_err("does not match")
                .path
                .to_string()
        };
        let wallet = |cards: serde_json::Value, kind: serde_json::Value| json!({"owner": "o", "cards": cards, "kind": kind});
        let plain = || json!("Plain");
        // (value, the derived reader's path, the hand reader's path)
        let cases = [
            (
                wallet(json!([{"last4": "1"}, {"last4": 5}]), plain()),
                "cards[1].last4",
                "cards[1].last4",
            ),
            (
                wallet(json!([{"last4": "1", "expiry": "x"}]), plain()),
                "cards[0].expiry",
                "cards[0].expiry",
            ),
            (
                wallet(
                    json!([{"last4": "1", "expiry": 4_294_967_296_u64}]),
                    plain(),
                ),
                "cards[0].expiry",
                "cards[0].expiry",
            ),
            // An absent field its model needs: the hand reader names it, serde its object.
            (wallet(json!([{}]), plain()), "cards[0]", "cards[0].last4"),
            (json!({"owner": "o"}), ".", "cards"),
            // A leaf read with serde by a hand reader continues the path.
            (
                wallet(json!([]), json!({"Tagged": {"id": "x"}})),
                "kind.Tagged.id",
                "kind.Tagged.id",
            ),
            (wallet(json!([]), json!("Other")), "kind", "kind"),
            (wallet(json!({}), plain()), "cards", "cards"),
            // A struct written as an array is refused by both.
            (
                wallet(json!([["4242", 12]]), plain()),
                "cards[0]",
                "cards[0]",
            ),
            (json!([]), ".", "."),
        ];
        for (value, by_serde, by_hand) in cases {
            assert_eq!(derived(&value), by_serde, "{value}");
            assert_eq!(hand(&value), by_hand, "{value}");
        }
    }
}
