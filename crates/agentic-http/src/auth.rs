//! Provider authentication (DESIGN.md §5): turns the core's provider-neutral [`HttpRequest`]
//! into a complete [`WireRequest`] — absolute URL, common headers and the provider's
//! credentials — without touching the network.
//!
//! | Provider | Headers added |
//! |---|---|
//! | Juspay VAT, API key | `authorization: Basic base64(api_key + ":")` (secret), `x-merchantid` |
//! | Juspay EC, API key | as VAT, plus `x-routing-id` (required) |
//! | Juspay, client auth token | [`CLIENT_AUTH_TOKEN_HEADER`] (secret, *provisional*), `x-merchantid` (+ `x-routing-id` on EC) |
//! | Visa Acceptance | `v-c-merchant-id`, `date`, `host`, `digest` (not on GET), `signature` (secret) |
//!
//! Every request also gets `content-type` (when there is a body), `accept: application/json`
//! and `user-agent: agentic/<version> (rust)`.
//!
//! ## Cybersource HTTP Signature (C-HTTPSIG)
//!
//! The signed string is one `name: value` line per signed header, joined by `\n` (no trailing
//! newline), in the order `host`, `date`, `(request-target)`, `digest` (not on GET),
//! `v-c-merchant-id`; `(request-target)` is `<lowercase method> <path and query>`. It is signed
//! with HMAC-SHA256 keyed by the **base64-decoded** shared secret, as Cybersource's SDKs do
//! (e.g. `cybersource-rest-client-node`, `SignatureParameterGenerator.js`:
//! `new Buffer(merchantsecretKey, 'base64')`), and the MAC is sent base64-encoded.
//!
//! The `signature` header is marked [`HeaderValue::Secret`]: it does not reveal the shared
//! secret, but it is a valid credential for the exact request it signs until the server's
//! date window closes, so a logged copy could be replayed together with the body (say, to
//! trigger another OTP). Logs lose nothing useful by hiding it: `date`, `digest`, `host` and
//! `v-c-merchant-id` stay visible. The shared secret itself appears in no header, URL, error
//! or `Debug` output: a client decodes it once into a buffer that is zeroized on drop (with the
//! client) and keys each request's HMAC with it.

use std::borrow::Cow;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use agentic_core::secret::{ApiKey, SecretBytes, SecretText, SigningSecret};
use agentic_core::wire::{Body, Method};
use agentic_core::{HttpRequest, Provider};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use secrecy::SecretString;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::config::{
    BaseUrl, ClientConfig, ConfigError, JuspayAuth, JuspayConfig, VisaAcceptanceConfig,
    decode_shared_secret, field, is_visible_ascii,
};
use crate::transport::{Header, HeaderValue, WireRequest};

/// `user-agent` of every request: the SDK's name and version.
pub const USER_AGENT: &str = concat!("agentic/", env!("CARGO_PKG_VERSION"), " (rust)");

/// `accept` of every request.
pub const ACCEPT: &str = "application/json";

/// The header that carries a Juspay client auth token. **Provisional.**
///
/// Juspay documents what a client auth token (CAT) is, its scopes and its 15-minute life
/// (J-CAT, J-CUST), but not how it is presented on the VAT or EC endpoints: every page shows
/// only Basic auth and `x-merchantid` (API.md §1.2, §9 q1). Until Juspay answers, the SDK sends
/// the token as `x-client-auth-token: <token>`, because:
///
/// - Juspay's own request headers are lowercase `x-` names (`x-merchantid`, `x-routing-id`),
///   and the token is called `client_auth_token` in its responses;
/// - a dedicated header never collides with `authorization`: the API key's Basic scheme is
///   not reused (a CAT is not a Basic credential, and a server that expects Basic will refuse
///   the call cleanly rather than misread it), and `Bearer` would claim an OAuth semantics
///   Juspay never states;
/// - it leaves the request body exactly as the core builds it from the documented fields, and
///   keeps the token out of URLs (which end up in access logs).
///
/// The value is a [`HeaderValue::Secret`]. Changing the presentation later is confined to
/// [`prepare`]'s Juspay branch.
pub const CLIENT_AUTH_TOKEN_HEADER: &str = "x-client-auth-token";

/// The `algorithm` parameter of the Cybersource `signature` header.
pub const SIGNATURE_ALGORITHM: &str = "HmacSHA256";

/// HTTP dates cannot express years after 9999 (`httpdate` would panic).
const MAX_HTTP_DATE_SECS: u64 = 253_402_300_800;

/// Builds the complete request for `request`: absolute URL, headers (authentication included)
/// and body. `now` is the time written into (and signed as) the Cybersource `date` header.
///
/// Validates `config` first ([`ClientConfig::validate`]), so nothing built from a bad
/// configuration ever reaches a transport.
///
/// # Errors
/// Any [`ConfigError`] of the configuration; [`ConfigError::ProviderNotConfigured`] when the
/// request's provider has no section; [`ConfigError::MissingRoutingId`] for a Juspay EC call
/// without a routing id; [`ConfigError::InvalidRequestPath`]; [`ConfigError::ClockOutOfRange`].
pub fn prepare(
    config: &ClientConfig,
    request: &HttpRequest,
    now: SystemTime,
) -> Result<WireRequest, ConfigError> {
    config.validate()?;
    let (url, headers) = url_and_headers(config, &Prepared::new(config)?, request, now)?;
    Ok(WireRequest {
        method: request.method,
        url,
        headers,
        body: SecretBytes::new(request.body.bytes().to_vec()),
        operation: request.operation,
    })
}

/// What every request of a configuration shares, computed once: a [`crate::Client`] keeps it,
/// so a send neither re-validates its (immutable, already validated) configuration, nor
/// re-parses its base URLs, nor re-encodes its Basic credential or re-decodes its signing key.
/// Its `Debug` shows the base URLs only.
pub(crate) struct Prepared {
    /// Juspay's base URL and its authentication header: `authorization: Basic
    /// base64(api_key + ":")`, or the client auth token.
    juspay: Option<(Base, Header)>,
    /// Visa Acceptance's base URL and HMAC key (the shared secret, base64-decoded; zeroized on
    /// drop).
    visa_acceptance: Option<(Base, Zeroizing<Vec<u8>>)>,
}

/// A parsed base URL and the start of every URL under it (`scheme://authority/prefix`).
struct Base {
    url: BaseUrl,
    start: String,
}

impl Base {
    fn parse(field: &'static str, raw: &str) -> Result<Self, ConfigError> {
        let url = BaseUrl::parse(field, raw)?;
        let start = format!("{}://{}{}", url.scheme, url.authority, url.path_prefix);
        Ok(Self { url, start })
    }

    /// The absolute URL of `path` (path and query).
    fn join(&self, path: &str) -> String {
        let mut url = String::with_capacity(self.start.len() + path.len());
        url.push_str(&self.start);
        url.push_str(path);
        url
    }
}

impl std::fmt::Debug for Prepared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Prepared")
            .field("juspay", &self.juspay.as_ref().map(|(b, _)| &b.url))
            .field(
                "visa_acceptance",
                &self.visa_acceptance.as_ref().map(|(b, _)| &b.url),
            )
            .finish_non_exhaustive()
    }
}

impl Prepared {
    /// Parses the base URL of every configured provider, builds Juspay's authentication header
    /// and decodes the signing key.
    pub(crate) fn new(config: &ClientConfig) -> Result<Self, ConfigError> {
        let juspay = |j: &JuspayConfig| -> Result<_, ConfigError> {
            let base = Base::parse(field::JUSPAY_ENVIRONMENT, j.environment.base_url())?;
            let auth = match &j.auth {
                JuspayAuth::ApiKey(key) => secret("authorization", basic_credential(key)),
                JuspayAuth::ClientAuthToken(token) => secret(
                    CLIENT_AUTH_TOKEN_HEADER,
                    SecretString::from(token.expose_secret()),
                ),
            };
            Ok((base, auth))
        };
        let visa_acceptance = |v: &VisaAcceptanceConfig| -> Result<_, ConfigError> {
            let base = Base::parse(field::VISA_ACCEPTANCE_ENVIRONMENT, v.environment.base_url())?;
            Ok((base, decode_shared_secret(&v.shared_secret)?))
        };
        Ok(Self {
            juspay: config.juspay.as_ref().map(juspay).transpose()?,
            visa_acceptance: config
                .visa_acceptance
                .as_ref()
                .map(visa_acceptance)
                .transpose()?,
        })
    }
}

/// `Basic base64(api_key + ":")`: the API key as the user name, empty password (J-ECINTRO:
/// `-u "$api_key:"`).
fn basic_credential(key: &ApiKey) -> SecretString {
    // Both buffers sized up front: growing one would leave a copy of the key in the freed
    // block (`format!` starts without room for its arguments).
    let key = key.expose_secret();
    let mut user_pass = Zeroizing::new(String::with_capacity(key.len() + 1));
    user_pass.push_str(key);
    user_pass.push(':');
    let mut value = String::with_capacity(6 + user_pass.len().div_ceil(3) * 4);
    value.push_str("Basic ");
    STANDARD.encode_string(user_pass.as_bytes(), &mut value);
    SecretString::from(value)
}

/// [`prepare`] for a configuration already validated, with its [`Prepared`] parts, taking the
/// request: its body moves into the [`WireRequest`] (no copy).
pub(crate) fn prepare_validated(
    config: &ClientConfig,
    prepared: &Prepared,
    request: HttpRequest,
    now: SystemTime,
) -> Result<WireRequest, ConfigError> {
    let (url, headers) = url_and_headers(config, prepared, &request, now)?;
    let body = match request.body {
        Body::Empty => SecretBytes::default(),
        Body::Json(bytes) | Body::Form(bytes) => bytes,
    };
    Ok(WireRequest {
        method: request.method,
        url,
        headers,
        body,
        operation: request.operation,
    })
}

/// The absolute URL and every header of `request`.
fn url_and_headers(
    config: &ClientConfig,
    prepared: &Prepared,
    request: &HttpRequest,
    now: SystemTime,
) -> Result<(String, Vec<Header>), ConfigError> {
    check_path(request)?;

    let mut headers: Vec<Header> = Vec::with_capacity(9);
    if let Some(content_type) = request.body.content_type() {
        headers.push(public("content-type", content_type));
    }
    headers.push(public("accept", ACCEPT));
    headers.push(public("user-agent", USER_AGENT));

    // `prepared` comes from this configuration: a configured provider always has its part.
    let not_configured = |field| ConfigError::ProviderNotConfigured {
        field,
        provider: request.provider,
        operation: request.operation,
    };
    let base = match request.provider {
        Provider::JuspayVat | Provider::JuspayEc => {
            let juspay = config.juspay.as_ref();
            let (juspay, (base, auth)) = juspay
                .zip(prepared.juspay.as_ref())
                .ok_or_else(|| not_configured(field::JUSPAY))?;
            juspay_headers(juspay, auth, request, &mut headers)?;
            base
        }
        Provider::VisaAcceptance => {
            let visa = config.visa_acceptance.as_ref();
            let (visa, (base, key)) = visa
                .zip(prepared.visa_acceptance.as_ref())
                .ok_or_else(|| not_configured(field::VISA_ACCEPTANCE))?;
            let target = format!("{}{}", base.url.path_prefix, request.path);
            visa_acceptance_headers(
                visa,
                key,
                &base.url.authority,
                request,
                &target,
                now,
                &mut headers,
            )?;
            base
        }
    };
    Ok((base.join(&request.path), headers))
}

/// The `digest` header value of a body: `SHA-256=<base64(sha256(body))>`.
pub fn digest_header(body: &[u8]) -> String {
    format!("SHA-256={}", STANDARD.encode(Sha256::digest(body)))
}

/// The Cybersource signed string: one `name: value` line per signed header, joined by `\n`.
pub fn signing_string(lines: &[(&str, &str)]) -> String {
    let len: usize = lines.iter().map(|(n, v)| n.len() + v.len() + 3).sum();
    let mut out = String::with_capacity(len);
    for (i, (name, value)) in lines.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(name);
        out.push_str(": ");
        out.push_str(value);
    }
    out
}

/// `base64(HMAC-SHA256(base64_decode(shared_secret), signing_string))`: the `signature`
/// parameter of the Cybersource `signature` header.
///
/// # Errors
/// [`ConfigError::EmptySharedSecret`] or [`ConfigError::SharedSecretNotBase64`].
pub fn sign(shared_secret: &SigningSecret, signing_string: &str) -> Result<String, ConfigError> {
    sign_with_key(&decode_shared_secret(shared_secret)?, signing_string)
}

/// [`sign`] with the decoded key.
fn sign_with_key(key: &[u8], signing_string: &str) -> Result<String, ConfigError> {
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(key).map_err(|_| ConfigError::EmptySharedSecret {
            field: field::VISA_ACCEPTANCE_SHARED_SECRET,
        })?;
    mac.update(signing_string.as_bytes());
    Ok(STANDARD.encode(mac.finalize().into_bytes()))
}

/// Juspay: `auth` (Basic or the client auth token), `x-merchantid`, and `x-routing-id` on EC.
fn juspay_headers(
    juspay: &JuspayConfig,
    auth: &Header,
    request: &HttpRequest,
    headers: &mut Vec<Header>,
) -> Result<(), ConfigError> {
    let routing_id = match (request.provider, &juspay.routing_id) {
        (Provider::JuspayEc, Some(id)) => Some(id),
        (Provider::JuspayEc, None) => {
            return Err(ConfigError::MissingRoutingId {
                field: field::JUSPAY_ROUTING_ID,
                operation: request.operation,
            });
        }
        _ => None,
    };
    headers.push(auth.clone());
    headers.push(public("x-merchantid", juspay.merchant_id.clone()));
    if let Some(routing_id) = routing_id {
        headers.push(public("x-routing-id", routing_id.clone()));
    }
    Ok(())
}

/// Cybersource HTTP Signature headers.
fn visa_acceptance_headers(
    visa: &VisaAcceptanceConfig,
    key: &[u8],
    host: &str,
    request: &HttpRequest,
    target: &str,
    now: SystemTime,
    headers: &mut Vec<Header>,
) -> Result<(), ConfigError> {
    let date = http_date(now)?;
    let request_target = format!(
        "{} {}",
        request.method.as_str().to_ascii_lowercase(),
        target
    );
    let digest = (request.method != Method::Get).then(|| digest_header(request.body.bytes()));

    let mut signed: Vec<(&str, &str)> = vec![
        ("host", host),
        ("date", &date),
        ("(request-target)", &request_target),
    ];
    if let Some(digest) = &digest {
        signed.push(("digest", digest));
    }
    signed.push(("v-c-merchant-id", &visa.merchant_id));
    let signed_string = signing_string(&signed);
    let signature = sign_with_key(key, &signed_string)?;
    let names = if digest.is_some() {
        "host date (request-target) digest v-c-merchant-id"
    } else {
        "host date (request-target) v-c-merchant-id"
    };
    debug_assert_eq!(
        names,
        signed.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(" ")
    );

    headers.push(public("v-c-merchant-id", visa.merchant_id.clone()));
    headers.push(public("date", date));
    headers.push(public("host", host.to_owned()));
    if let Some(digest) = digest {
        headers.push(public("digest", digest));
    }
    headers.push(secret(
        "signature",
        SecretString::from(format!(
            "keyid=\"{}\", algorithm=\"{SIGNATURE_ALGORITHM}\", headers=\"{names}\", signature=\"{signature}\"",
            visa.key_id
        )),
    ));
    Ok(())
}

/// RFC 1123 date (`Wed, 19 Feb 2020 19:26:13 GMT`), refusing clocks `httpdate` cannot format.
fn http_date(now: SystemTime) -> Result<String, ConfigError> {
    match now.duration_since(UNIX_EPOCH) {
        Ok(since) if since < Duration::from_secs(MAX_HTTP_DATE_SECS) => {
            Ok(httpdate::fmt_http_date(now))
        }
        _ => Err(ConfigError::ClockOutOfRange),
    }
}

/// The path must be absolute, visible ASCII, without a fragment.
fn check_path(request: &HttpRequest) -> Result<(), ConfigError> {
    let path = &request.path;
    if path.starts_with('/')
        && !path.starts_with("//")
        && is_visible_ascii(path)
        && !path.contains('#')
    {
        Ok(())
    } else {
        Err(ConfigError::InvalidRequestPath {
            operation: request.operation,
        })
    }
}

/// A public header; names and fixed values are borrowed, not copied, for every request.
fn public(name: &'static str, value: impl Into<Cow<'static, str>>) -> Header {
    (Cow::Borrowed(name), HeaderValue::Public(value.into()))
}

fn secret(name: &'static str, value: SecretString) -> Header {
    (Cow::Borrowed(name), HeaderValue::Secret(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_date_is_rfc1123_and_refuses_out_of_range_clocks() {
        let t = UNIX_EPOCH + Duration::from_secs(1_582_140_373);
        assert_eq!(http_date(t), Ok("Wed, 19 Feb 2020 19:26:13 GMT".to_owned()));
        assert_eq!(
            http_date(UNIX_EPOCH - Duration::from_secs(1)),
            Err(ConfigError::ClockOutOfRange)
        );
        assert_eq!(
            http_date(UNIX_EPOCH + Duration::from_secs(MAX_HTTP_DATE_SECS)),
            Err(ConfigError::ClockOutOfRange)
        );
    }

    #[test]
    fn signing_string_has_no_trailing_newline() {
        assert_eq!(signing_string(&[("a", "1"), ("b", "2")]), "a: 1\nb: 2");
    }
}
