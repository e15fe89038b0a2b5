//! What travels: the provider-neutral HTTP request and response, the [`Endpoint`] trait every
//! wire model implements, open enums and the tolerant decoders of DESIGN.md §3.
//!
//! A request carries no credentials: the transport adds authentication (DESIGN.md §5).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

use crate::error::{ApiError, ErrorCategory, Provider, Recovery};
use crate::json_path::FromJson;
use crate::secret::SecretBytes;

/// HTTP method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Method {
    /// `GET`
    Get,
    /// `POST`
    Post,
    /// `PUT`
    Put,
}

impl Method {
    /// The method's name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Post => "POST",
            Self::Put => "PUT",
        }
    }
}

/// `Content-Type` of a JSON body.
pub const CONTENT_TYPE_JSON: &str = "application/json";
/// `Content-Type` of a form body (Juspay EC).
pub const CONTENT_TYPE_FORM: &str = "application/x-www-form-urlencoded";

/// A request body. It may hold a PAN, CVV or OTP: `Debug` shows only its kind and length, and
/// the bytes are zeroized on drop.
#[derive(Clone, PartialEq, Eq)]
pub enum Body {
    /// No body.
    Empty,
    /// `application/json`.
    Json(SecretBytes),
    /// `application/x-www-form-urlencoded`.
    Form(SecretBytes),
}

impl Body {
    /// The body bytes (empty for [`Body::Empty`]). Write them to the wire; never log them.
    pub fn bytes(&self) -> &[u8] {
        match self {
            Self::Empty => &[],
            Self::Json(b) | Self::Form(b) => b,
        }
    }

    /// The `Content-Type` to send, if there is a body.
    pub fn content_type(&self) -> Option<&'static str> {
        match self {
            Self::Empty => None,
            Self::Json(_) => Some(CONTENT_TYPE_JSON),
            Self::Form(_) => Some(CONTENT_TYPE_FORM),
        }
    }

    /// Serialises a request model to JSON.
    pub(crate) fn json<T: Serialize>(value: &T) -> Self {
        // Request models are plain structs of strings, numbers and maps: serialising them into
        // a Vec cannot fail.
        // Most documented requests fit in 1000 bytes: written without reallocating; the larger
        // ones (browser data, a secure token) reallocate once, and `SecretBytes` wipes the
        // buffer it leaves. Kept under 1 KiB on purpose: a larger first allocation costs the
        // allocator more than the copy it saves (BENCHMARKS.md, "Core step cost").
        let mut out = SecretBytes::new(Vec::with_capacity(1000));
        match serde_json::to_writer(&mut out, value) {
            Ok(()) => Self::Json(out),
            Err(_) => Self::Json(SecretBytes::default()),
        }
    }

    /// Encodes `(name, value)` pairs as a form, byte for byte as `form_urlencoded::Serializer`
    /// does (`*-._` and alphanumerics kept, space as `+`, anything else `%XX`), into a buffer
    /// sized exactly up front: the bytes of a PAN or an OTP are never left behind by a
    /// reallocation, and no chunk-by-chunk growth is paid for.
    pub(crate) fn form(pairs: &[(&str, &str)]) -> Self {
        /// How each byte is written: `0` as is, `1` as `+` (space), `2` as `%XX` (the extra
        /// width), one table lookup per byte.
        const CLASS: [u8; 256] = {
            let mut table = [2u8; 256];
            let mut byte = 0u8;
            loop {
                if byte.is_ascii_alphanumeric() || matches!(byte, b'*' | b'-' | b'.' | b'_') {
                    table[byte as usize] = 0;
                } else if byte == b' ' {
                    table[byte as usize] = 1;
                }
                if byte == u8::MAX {
                    break table;
                }
                byte += 1;
            }
        };
        fn kept(byte: u8) -> bool {
            CLASS[usize::from(byte)] == 0
        }
        fn encoded_len(text: &str) -> usize {
            let extra: usize = text
                .bytes()
                .map(|b| usize::from(CLASS[usize::from(b)] & 2))
                .sum();
            text.len() + extra
        }
        fn encode(text: &str, out: &mut Vec<u8>) {
            const HEX: &[u8; 16] = b"0123456789ABCDEF";
            let mut rest = text.as_bytes();
            // Runs of kept bytes (most values are ids and digits) are copied in one go.
            loop {
                let run = rest.iter().position(|&b| !kept(b)).unwrap_or(rest.len());
                out.extend_from_slice(&rest[..run]);
                let Some((&byte, tail)) = rest[run..].split_first() else {
                    return;
                };
                if byte == b' ' {
                    out.push(b'+');
                } else {
                    out.extend_from_slice(&[
                        b'%',
                        HEX[usize::from(byte >> 4)],
                        HEX[usize::from(byte & 0x0F)],
                    ]);
                }
                rest = tail;
            }
        }
        let len: usize = pairs
            .iter()
            .map(|(name, value)| encoded_len(name) + 1 + encoded_len(value) + 1)
            .sum();
        let mut out = SecretBytes::new(Vec::with_capacity(len));
        for (name, value) in pairs {
            // As the serializer: a separator once anything has been written.
            if !out.is_empty() {
                out.push(b'&');
            }
            encode(name, &mut out);
            out.push(b'=');
            encode(value, &mut out);
        }
        Self::Form(out)
    }
}

impl fmt::Debug for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("Empty"),
            Self::Json(b) => write!(f, "Json(<{} bytes redacted>)", b.len()),
            Self::Form(b) => write!(f, "Form(<{} bytes redacted>)", b.len()),
        }
    }
}

/// One HTTP call, ready for a transport: method, path relative to the provider's base URL and
/// body. Authentication headers are the transport's job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// Which API this goes to (selects base URL and authentication).
    pub provider: Provider,
    /// The operation's name for spans and logs, e.g. `juspay_vat.trigger_otp`.
    pub operation: &'static str,
    /// HTTP method.
    pub method: Method,
    /// Path and query, starting with `/`, percent-encoded. Holds identifiers only, never secrets.
    pub path: String,
    /// The body.
    pub body: Body,
    /// Whether resending after an unknown outcome is harmless. Only reads are; anything that
    /// provisions, sends an OTP or moves money is not (DESIGN.md §3 "Exactly once").
    pub idempotent: bool,
}

/// An HTTP response as the transport received it.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpResponse {
    /// HTTP status code.
    pub status: u16,
    /// The `Content-Type` header, if any.
    pub content_type: Option<String>,
    /// A request or correlation id from the response headers (see [`REQUEST_ID_HEADERS`]).
    pub request_id: Option<String>,
    /// The body; may hold fetched credentials, so `Debug` shows only its length.
    pub body: SecretBytes,
}

/// Response headers a transport copies into [`HttpResponse::request_id`], first match wins.
pub const REQUEST_ID_HEADERS: &[&str] = &["v-c-correlation-id", "x-request-id", "x-jp-request-id"];

impl HttpResponse {
    /// A response with a JSON body (for tests, the sandbox and foreign transports).
    pub fn json(status: u16, body: impl Into<Vec<u8>>) -> Self {
        Self {
            status,
            content_type: Some(CONTENT_TYPE_JSON.to_owned()),
            request_id: None,
            body: SecretBytes::new(body.into()),
        }
    }
}

impl fmt::Debug for HttpResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpResponse")
            .field("status", &self.status)
            .field("content_type", &self.content_type)
            .field("request_id", &self.request_id)
            .field(
                "body",
                &format_args!("<{} bytes redacted>", self.body.len()),
            )
            .finish()
    }
}

/// A wire model of one documented endpoint: it turns itself into an [`HttpRequest`] and knows
/// how to decode the answer.
pub trait Endpoint {
    /// The decoded success response.
    type Response: FromJson;

    /// The provider whose envelopes the response uses.
    const PROVIDER: Provider;
    /// Operation name for spans (`provider.operation`).
    const OPERATION: &'static str;
    /// HTTP method.
    const METHOD: Method;
    /// Whether the call may be resent after an unknown outcome.
    const IDEMPOTENT: bool;

    /// Path and query relative to the base URL.
    fn path(&self) -> String;

    /// The request body.
    fn body(&self) -> Body;

    /// The complete request.
    fn to_http(&self) -> HttpRequest {
        HttpRequest {
            provider: Self::PROVIDER,
            operation: Self::OPERATION,
            method: Self::METHOD,
            path: self.path(),
            body: self.body(),
            idempotent: Self::IDEMPOTENT,
        }
    }

    /// How the body is read. Override this (not [`Endpoint::decode`]) for enveloped or
    /// endpoint-specific responses.
    ///
    /// # Errors
    /// [`ApiError`] for error envelopes, non-JSON bodies and model mismatches.
    fn decode_body(response: &HttpResponse) -> Result<Self::Response, ApiError> {
        decode_json::<Self::Response>(Self::PROVIDER, Self::OPERATION, response)
    }

    /// Decodes a response: an error envelope (even on HTTP 200), a non-JSON body or a body that
    /// does not match the model all become an [`ApiError`]. A success status with an unreadable
    /// body on a non-idempotent call asks the caller to reconcile.
    ///
    /// # Errors
    /// [`ApiError`] as described.
    fn decode(response: &HttpResponse) -> Result<Self::Response, ApiError> {
        Self::decode_body(response).map_err(|mut e| {
            // A success status with an unreadable body: the call did something we cannot see.
            if e.category == ErrorCategory::MalformedResponse && !Self::IDEMPOTENT {
                e.recovery = Recovery::Reconcile;
            }
            e
        })
    }
}

/// The shared decoder behind [`Endpoint::decode`]: status, content type, error envelopes, then
/// the model. Serde's messages are not passed on (they can quote values); the error names the
/// JSON path instead.
///
/// # Errors
/// [`ApiError`] for every failure.
pub fn decode_json<T: FromJson>(
    provider: Provider,
    operation: &str,
    response: &HttpResponse,
) -> Result<T, ApiError> {
    let value = crate::error::check_response(provider, response)?;
    from_checked_value(provider, operation, response, &value)
}

/// As [`decode_json`], and keeps the whole body as [`RawJson`] for provisional models.
///
/// # Errors
/// As [`decode_json`].
pub fn decode_json_keeping_raw<T: FromJson>(
    provider: Provider,
    operation: &str,
    response: &HttpResponse,
) -> Result<(T, RawJson), ApiError> {
    let value = crate::error::check_response(provider, response)?;
    let typed = from_checked_value(provider, operation, response, &value)?;
    Ok((typed, RawJson::from(value)))
}

fn from_checked_value<T: FromJson>(
    provider: Provider,
    operation: &str,
    response: &HttpResponse,
    value: &serde_json::Value,
) -> Result<T, ApiError> {
    crate::json_path::read(value).map_err(|mismatch| {
        ApiError::malformed(
            provider,
            response,
            format!(
                "{operation}: the response does not match the documented model at `{}`",
                mismatch.path
            ),
        )
    })
}

/// Percent-encodes one path segment (RFC 3986: unreserved characters pass through), so an id
/// can never add a path level or a query.
pub(crate) fn path_segment(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    push_path_segment(&mut out, value);
    out
}

/// [`path_segment`], appended to `out`; runs of unreserved characters are copied in one go.
pub(crate) fn push_path_segment(out: &mut String, value: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let unreserved = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~');
    let mut rest = value;
    loop {
        // Every byte before `run` is ASCII, so `run` is a character boundary.
        let run = rest
            .bytes()
            .position(|b| !unreserved(b))
            .unwrap_or(rest.len());
        out.push_str(&rest[..run]);
        let Some(c) = rest[run..].chars().next() else {
            return;
        };
        for byte in c.encode_utf8(&mut [0; 4]).bytes() {
            out.push('%');
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0x0F)]));
        }
        rest = &rest[run + c.len_utf8()..];
    }
}

#[cfg(test)]
mod tests {
    use super::path_segment;

    #[test]
    fn form_bodies_are_byte_for_byte_those_of_form_urlencoded() {
        let all_bytes: String = (1u8..=0x7F).map(char::from).collect();
        let cases: [&[(&str, &str)]; 5] = [
            &[],
            &[("order_id", "ord1551359984"), ("amount", "92.65")],
            &[("card_number", "4242 4242"), ("answer.otp", "91+82/73?&=")],
            &[("", ""), ("a", ""), ("", "b")],
            &[("all", all_bytes.as_str()), ("é ü", "名前*-._~")],
        ];
        for pairs in cases {
            let mut expected = form_urlencoded::Serializer::new(String::new());
            for (name, value) in pairs {
                expected.append_pair(name, value);
            }
            let body = super::Body::form(pairs);
            assert_eq!(body.bytes(), expected.finish().as_bytes(), "{pairs:?}");
            assert_eq!(body.content_type(), Some(super::CONTENT_TYPE_FORM));
        }
    }

    #[test]
    fn lenient_readers_take_each_documented_spelling_and_name_a_bad_field() {
        use serde_json::json;

        use crate::json_path::{FromJson, Node, read};

        #[derive(Debug, PartialEq)]
        struct Fields {
            count: u32,
            limit: Option<u32>,
            flag: Option<bool>,
            text: Option<String>,
            id: Option<String>,
        }

        impl FromJson for Fields {
            fn from_json(node: Node<'_, '_>) -> Result<Self, serde_json::Error> {
                crate::json_path::read_object!(node, Self {
                    count: "count" => super::lenient::u32,
                    limit: "limit" => super::lenient::opt_u32,
                    flag: "flag" => super::lenient::opt_bool,
                    text: "text" => super::lenient::opt_text,
                    id: "id" => super::lenient::opt_string,
                })
            }
        }

        let fields = |value| read::<Fields>(&value).map_err(|m| m.path.to_string());
        assert_eq!(
            fields(json!({"count": " 3 ", "limit": "", "flag": "TRUE", "text": " ", "id": 42})),
            Ok(Fields {
                count: 3,
                limit: None,
                flag: Some(true),
                text: None,
                id: Some("42".to_owned()),
            })
        );
        assert_eq!(
            fields(json!({"count": 3, "limit": 7, "flag": false, "text": "a", "id": "b"})),
            Ok(Fields {
                count: 3,
                limit: Some(7),
                flag: Some(false),
                text: Some("a".to_owned()),
                id: Some("b".to_owned()),
            })
        );
        for (bad, path) in [
            (json!({}), "count"),
            (json!({"count": -1}), "count"),
            (json!({"count": "x"}), "count"),
            (json!({"count": 4_294_967_296_u64}), "count"),
            (json!({"count": 1, "limit": true}), "limit"),
            (json!({"count": 1, "flag": 1}), "flag"),
            (json!({"count": 1, "flag": "yes"}), "flag"),
            (json!({"count": 1, "text": true}), "text"),
            (json!({"count": 1, "id": [1]}), "id"),
            (json!([1]), "."),
        ] {
            assert_eq!(fields(bad.clone()), Err(path.to_owned()), "{bad}");
        }
    }

    #[test]
    fn path_segment_keeps_unreserved_and_encodes_the_rest() {
        assert_eq!(path_segment("txn_36dc-6e.a~"), "txn_36dc-6e.a~");
        assert_eq!(path_segment("a/b c?é"), "a%2Fb%20c%3F%C3%A9");
    }
}

/// Declares an open enum (DESIGN.md §3): known variants with every documented spelling, and
/// `Unknown(String)` for anything else. The first spelling is the one sent.
macro_rules! open_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $canonical:literal $(| $alias:literal)* ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        $vis enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// A value this SDK version does not know; kept as received.
            Unknown(String),
        }

        impl $name {
            /// The spelling sent on the wire (or the received text for `Unknown`).
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $canonical, )+
                    Self::Unknown(other) => other,
                }
            }

            /// Reads any documented spelling; anything else becomes `Unknown`.
            pub fn parse(value: &str) -> Self {
                match value {
                    $( $canonical $(| $alias)* => Self::$variant, )+
                    other => Self::Unknown(other.to_owned()),
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = <::std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                Ok(Self::parse(&text))
            }
        }

        impl $crate::json_path::FromJson for $name {
            fn from_json(
                node: $crate::json_path::Node<'_, '_>,
            ) -> Result<Self, ::serde_json::Error> {
                node.str().map(Self::parse)
            }
        }
    };
}
pub(crate) use open_enum;

/// Tolerant field readers for the hand readers of the models ([`FromJson`]): each takes the
/// scalar as it comes and applies its rule. A wrong type is an error at the field, so the JSON
/// path names it. `null` and an absent field are `None`.
pub mod lenient {
    use serde_json::{Error, Value};

    use crate::json_path::Node;

    /// A count as text or number; blank text is `None`.
    fn count(node: Node<'_, '_>) -> Result<Option<u32>, Error> {
        let n = match node.value() {
            Value::Null => return Ok(None),
            Value::String(s) if s.trim().is_empty() => return Ok(None),
            Value::String(s) => s.trim().parse::<u64>().ok(),
            Value::Number(n) => n.as_u64(),
            _ => None,
        };
        let n = n.ok_or_else(|| node.mismatch("a non-negative integer"))?;
        u32::try_from(n)
            .map(Some)
            .map_err(|_| node.mismatch("an integer up to 2^32 - 1"))
    }

    /// A count that the docs tag as String but samples send as a number: accepts both.
    ///
    /// # Errors
    /// When the value is neither a non-negative integer nor its decimal text.
    pub fn u32(node: Node<'_, '_>) -> Result<u32, Error> {
        count(node)?.ok_or_else(|| node.mismatch("a non-negative integer"))
    }

    /// Optional form of [`u32`](fn@u32): `null`, absent and `""` are `None`.
    ///
    /// # Errors
    /// As [`u32`](fn@u32).
    pub fn opt_u32(node: Node<'_, '_>) -> Result<Option<u32>, Error> {
        count(node)
    }

    /// An optional boolean that may arrive as `true` or `"true"`.
    ///
    /// # Errors
    /// When the value is neither a boolean nor `"true"`/`"false"`.
    pub fn opt_bool(node: Node<'_, '_>) -> Result<Option<bool>, Error> {
        match node.value() {
            Value::Null => Ok(None),
            Value::Bool(b) => Ok(Some(*b)),
            Value::String(s) => match s.trim() {
                t if t.eq_ignore_ascii_case("true") => Ok(Some(true)),
                t if t.eq_ignore_ascii_case("false") => Ok(Some(false)),
                "" => Ok(None),
                _ => Err(node.mismatch("a boolean")),
            },
            _ => Err(node.mismatch("a boolean")),
        }
    }

    /// An optional string that may arrive as a number (ids, amounts echoed back).
    ///
    /// # Errors
    /// When the value is neither a string nor a number.
    pub fn opt_string(node: Node<'_, '_>) -> Result<Option<String>, Error> {
        match node.value() {
            Value::Null => Ok(None),
            Value::String(s) => Ok(Some(s.clone())),
            Value::Number(n) => Ok(Some(n.to_string())),
            _ => Err(node.mismatch("a string or a number")),
        }
    }

    /// [`opt_string`], with blank text as `None`.
    ///
    /// # Errors
    /// As [`opt_string`].
    pub fn opt_text(node: Node<'_, '_>) -> Result<Option<String>, Error> {
        Ok(opt_string(node)?.filter(|s| !s.trim().is_empty()))
    }
}

/// Decodes the model found under `key` of the body (Juspay VAT wraps results in `payload` or
/// `response`), with the same checks as [`decode_json`].
///
/// # Errors
/// [`ApiError`] as for [`decode_json`]; a missing `key` is a malformed response.
pub fn decode_json_at<T: FromJson>(
    provider: Provider,
    operation: &str,
    key: &str,
    response: &HttpResponse,
) -> Result<T, ApiError> {
    let mut value = crate::error::check_response(provider, response)?;
    let inner = value
        .get_mut(key)
        .map(serde_json::Value::take)
        .unwrap_or(serde_json::Value::Null);
    crate::json_path::read(&inner).map_err(|mismatch| {
        ApiError::malformed(
            provider,
            response,
            format!(
                "{operation}: the response does not match the documented model at `{key}.{}`",
                mismatch.path
            ),
        )
    })
}

/// The raw JSON of a response whose documented model is incomplete (DESIGN.md §3: provisional
/// models keep it). It may hold secrets, so it is redacted in `Debug` and not `Serialize`.
///
/// Shared, not copied, by `clone`: a journey hands its outcome (fetched credentials with their
/// raw body) out on every `next_action`.
#[derive(Clone, PartialEq, Default)]
pub struct RawJson(std::sync::Arc<serde_json::Value>);

impl RawJson {
    /// The JSON as received. Treat it as secret-bearing.
    pub fn expose(&self) -> &serde_json::Value {
        &self.0
    }
}

impl From<serde_json::Value> for RawJson {
    fn from(value: serde_json::Value) -> Self {
        Self(std::sync::Arc::new(value))
    }
}

impl fmt::Debug for RawJson {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RawJson(<redacted>)")
    }
}

impl FromJson for RawJson {
    fn from_json(node: crate::json_path::Node<'_, '_>) -> Result<Self, serde_json::Error> {
        Ok(Self::from(node.value().clone()))
    }
}

impl<'de> Deserialize<'de> for RawJson {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        serde_json::Value::deserialize(deserializer).map(Self::from)
    }
}
