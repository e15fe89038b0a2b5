//! The authentication the real APIs require, as route layers around each provider's router
//! (API.md §1.2–§1.4, §6.2).
//!
//! | Router | Checks | Refusal |
//! |---|---|---|
//! | Juspay VAT | `authorization: Basic base64(api_key + ":")`, `x-merchantid` | 401 `{error, error_message, user_message, error_info{code: UNAUTHORIZED, category: USER_ERROR, developer_message}}` [J-PTP] |
//! | Juspay EC | the same | 401 `{status: "error", error_code: "access_denied", error_message}` [J-SA, J-CE, J-ROTP] |
//! | Visa Acceptance | HTTP Signature: `v-c-merchant-id`, `date` (±5 min), `digest`, `signature` (keyid, HmacSHA256, signed headers) | 401 `{errors: [{type: missingHeaders\|invalidHeaders, message, details: [{name: <header>, location: "header"}]}]}` with a `v-c-correlation-id` header |
//!
//! Exemptions, as documented: `POST /card/tokenize` needs no authentication at all ("expected
//! to be called from the browser" [J-TOKENIZE]), nor does the EC bank page a browser visits
//! ([`BANK_PAGE_ROUTE`](crate::juspay_ec::BANK_PAGE_ROUTE)); `POST /txns` "is exempted from
//! authentication" [J-ECINTRO], so a missing `authorization` passes there (a wrong one does
//! not, and `x-merchantid` is still required: "mandatory … in all the API call").

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::reply;
use crate::state::{SandboxConfig, Shared};

/// Routes that need no authentication: `/card/tokenize` ("expected to be called from the
/// browser" [J-TOKENIZE]) and the EC bank / 3-D Secure page a browser visits.
pub const UNAUTHENTICATED_ROUTES: &[&str] = &["/card/tokenize", crate::juspay_ec::BANK_PAGE_ROUTE];
/// The route where Basic auth is optional [J-ECINTRO].
pub const OPTIONAL_AUTH_ROUTE: &str = "/txns";
/// How far a Visa Acceptance `date` may be from the sandbox's clock.
pub const MAX_CLOCK_SKEW: Duration = Duration::from_secs(5 * 60);
/// The largest Visa Acceptance body the signature layer reads.
const MAX_SIGNED_BODY: usize = 1 << 20;

/// `developer_message` / `error_message` when `authorization` is absent.
pub const MISSING_AUTHORIZATION: &str = "The Authorization header is missing: send Basic auth with the API key as user name and an empty password.";
/// … when `authorization` is not Basic auth of `api_key:`.
pub const MALFORMED_AUTHORIZATION: &str =
    "The Authorization header is not Basic auth of base64(api_key + \":\").";
/// … when the API key is not the configured one.
pub const INVALID_API_KEY: &str = "Invalid API key.";
/// … when `x-merchantid` is absent or not the configured one (the J-PTP sample).
pub const INVALID_MERCHANT_ID: &str = "Invalid merchant ID.";
/// The EC `error_message` for a wrong API key, as documented [J-SA].
pub const EC_INVALID_AUTHENTICATION: &str = "Invalid Authentication";

/// Why a Juspay request was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum JuspayRefusal {
    MissingAuthorization,
    MalformedAuthorization,
    InvalidApiKey,
    InvalidMerchantId,
}

fn juspay_check(
    config: &SandboxConfig,
    route: Option<&str>,
    headers: &HeaderMap,
) -> Result<(), JuspayRefusal> {
    if route.is_some_and(|route| UNAUTHENTICATED_ROUTES.contains(&route)) {
        return Ok(());
    }
    match headers.get("authorization") {
        None if route == Some(OPTIONAL_AUTH_ROUTE) => {}
        None => return Err(JuspayRefusal::MissingAuthorization),
        Some(value) => {
            let credentials = value
                .to_str()
                .ok()
                .and_then(|v| v.split_once(' '))
                .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("basic"))
                .and_then(|(_, encoded)| STANDARD.decode(encoded.trim()).ok())
                .and_then(|decoded| String::from_utf8(decoded).ok())
                .ok_or(JuspayRefusal::MalformedAuthorization)?;
            let (user, _password) = credentials
                .split_once(':')
                .ok_or(JuspayRefusal::MalformedAuthorization)?;
            if user != config.api_key {
                return Err(JuspayRefusal::InvalidApiKey);
            }
        }
    }
    match headers.get("x-merchantid").and_then(|v| v.to_str().ok()) {
        Some(merchant) if merchant == config.merchant_id => Ok(()),
        _ => Err(JuspayRefusal::InvalidMerchantId),
    }
}

fn matched_route(request: &Request) -> Option<String> {
    request
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned())
}

/// Juspay VAT: Basic auth and `x-merchantid`; refusals in the `error_info` envelope.
pub async fn juspay_vat(
    State(shared): State<Arc<Shared>>,
    request: Request,
    next: Next,
) -> Response {
    let route = matched_route(&request);
    match juspay_check(&shared.config, route.as_deref(), request.headers()) {
        Ok(()) => next.run(request).await,
        Err(refusal) => reply::juspay_unauthorized(match refusal {
            JuspayRefusal::MissingAuthorization => MISSING_AUTHORIZATION,
            JuspayRefusal::MalformedAuthorization => MALFORMED_AUTHORIZATION,
            JuspayRefusal::InvalidApiKey => INVALID_API_KEY,
            JuspayRefusal::InvalidMerchantId => INVALID_MERCHANT_ID,
        }),
    }
}

/// Juspay EC: Basic auth and `x-merchantid`; refusals in the classic EC envelope.
pub async fn juspay_ec(
    State(shared): State<Arc<Shared>>,
    request: Request,
    next: Next,
) -> Response {
    let route = matched_route(&request);
    match juspay_check(&shared.config, route.as_deref(), request.headers()) {
        Ok(()) => next.run(request).await,
        Err(refusal) => reply::ec_error(
            StatusCode::UNAUTHORIZED,
            "error",
            "access_denied",
            match refusal {
                JuspayRefusal::MissingAuthorization => MISSING_AUTHORIZATION,
                JuspayRefusal::MalformedAuthorization => MALFORMED_AUTHORIZATION,
                JuspayRefusal::InvalidApiKey => EC_INVALID_AUTHENTICATION,
                JuspayRefusal::InvalidMerchantId => INVALID_MERCHANT_ID,
            },
        ),
    }
}

// ---------------------------------------------------------------------------------------------
// Visa Acceptance HTTP Signature
// ---------------------------------------------------------------------------------------------

/// Why a Visa Acceptance request was refused: the header at fault and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureRefusal {
    /// `missingHeaders` or `invalidHeaders`.
    pub kind: &'static str,
    /// The header (`signature`, `digest` …).
    pub header: String,
    /// What is wrong.
    pub message: String,
}

impl SignatureRefusal {
    fn missing(header: &str) -> Self {
        Self {
            kind: "missingHeaders",
            header: header.to_owned(),
            message: format!("Authentication failed: the `{header}` header is missing."),
        }
    }

    fn invalid(header: &str, why: &str) -> Self {
        Self {
            kind: "invalidHeaders",
            header: header.to_owned(),
            message: format!("Authentication failed: {why}"),
        }
    }

    /// The 401 in the Cybersource TMS error shape, with a `v-c-correlation-id` header.
    pub fn into_response(self) -> Response {
        let mut response = reply::json_status(
            StatusCode::UNAUTHORIZED,
            json!({"errors": [{
                "type": self.kind,
                "message": self.message,
                "details": [{"name": self.header, "location": "header"}],
            }]}),
        );
        if let Ok(id) = HeaderValue::from_str(&reply::request_id()) {
            response.headers_mut().insert("v-c-correlation-id", id);
        }
        response
    }
}

fn header<'a>(parts: &'a Parts, name: &str) -> Result<&'a str, SignatureRefusal> {
    let value = parts
        .headers
        .get(name)
        .ok_or_else(|| SignatureRefusal::missing(name))?;
    value.to_str().map_err(|_| {
        SignatureRefusal::invalid(name, &format!("the `{name}` header is not visible ASCII."))
    })
}

/// The parameters of a `signature` header: `keyid="…", algorithm="…", headers="…", signature="…"`.
fn signature_params(value: &str) -> Vec<(String, String)> {
    value
        .split(',')
        .filter_map(|param| {
            let (key, raw) = param.split_once('=')?;
            let raw = raw.trim();
            let unquoted = raw
                .strip_prefix('"')
                .and_then(|r| r.strip_suffix('"'))
                .unwrap_or(raw);
            Some((key.trim().to_ascii_lowercase(), unquoted.to_owned()))
        })
        .collect()
}

/// Verifies the Cybersource HTTP Signature of a request [C-HTTPSIG].
///
/// `digest` is required when the method is not GET or the body is not empty, and must be
/// `SHA-256=` + base64(sha256(body)). The signed headers must include `host`, `date`,
/// `(request-target)`, `v-c-merchant-id` (and `digest` when required); the signing string is
/// one `name: value` line per signed header in the listed order, joined by `\n`, and the
/// signature is base64(HMAC-SHA256(base64-decoded shared secret, signing string)).
///
/// # Errors
/// The first check that fails.
pub fn verify_signature(
    config: &SandboxConfig,
    parts: &Parts,
    body: &[u8],
    now: SystemTime,
) -> Result<(), SignatureRefusal> {
    let merchant = header(parts, "v-c-merchant-id")?;
    if merchant != config.visa_merchant_id {
        return Err(SignatureRefusal::invalid(
            "v-c-merchant-id",
            "unknown merchant id in `v-c-merchant-id`.",
        ));
    }

    let date = header(parts, "date")?;
    let sent = httpdate::parse_http_date(date)
        .map_err(|_| SignatureRefusal::invalid("date", "`date` is not an RFC 1123 date."))?;
    let skew = match now.duration_since(sent) {
        Ok(behind) => behind,
        Err(ahead) => ahead.duration(),
    };
    if skew > MAX_CLOCK_SKEW {
        return Err(SignatureRefusal::invalid(
            "date",
            "`date` is more than 5 minutes away from the server's clock.",
        ));
    }

    let digest_required = parts.method != axum::http::Method::GET || !body.is_empty();
    match parts.headers.get("digest") {
        None if digest_required => return Err(SignatureRefusal::missing("digest")),
        None => {}
        Some(_) => {
            let digest = header(parts, "digest")?;
            let expected = STANDARD.encode(Sha256::digest(body));
            let matches = digest.split_once('=').is_some_and(|(algorithm, value)| {
                algorithm.eq_ignore_ascii_case("SHA-256") && value == expected
            });
            if !matches {
                return Err(SignatureRefusal::invalid(
                    "digest",
                    "`digest` is not SHA-256= base64(sha256(body)).",
                ));
            }
        }
    }

    let params = signature_params(header(parts, "signature")?);
    let param = |name: &str| {
        params
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    };
    if param("keyid") != Some(config.visa_key_id.as_str()) {
        return Err(SignatureRefusal::invalid(
            "signature",
            "unknown `keyid` in `signature`.",
        ));
    }
    if param("algorithm") != Some("HmacSHA256") {
        return Err(SignatureRefusal::invalid(
            "signature",
            "`algorithm` in `signature` must be \"HmacSHA256\".",
        ));
    }
    let signed: Vec<String> = param("headers")
        .unwrap_or_default()
        .split_whitespace()
        .map(str::to_ascii_lowercase)
        .collect();
    let mut required = vec!["host", "date", "(request-target)", "v-c-merchant-id"];
    if digest_required {
        required.push("digest");
    }
    if let Some(absent) = required
        .iter()
        .find(|name| !signed.iter().any(|s| s == *name))
    {
        return Err(SignatureRefusal::invalid(
            "signature",
            &format!(
                "`headers` in `signature` must list `{absent}` (host date (request-target) digest v-c-merchant-id)."
            ),
        ));
    }
    let mut lines = Vec::with_capacity(signed.len());
    for name in &signed {
        let value = if name == "(request-target)" {
            let target = parts.uri.path_and_query().map_or("/", |pq| pq.as_str());
            format!("{} {target}", parts.method.as_str().to_ascii_lowercase())
        } else {
            header(parts, name)?.to_owned()
        };
        lines.push(format!("{name}: {value}"));
    }
    let signing_string = lines.join("\n");

    let claimed = param("signature")
        .and_then(|s| STANDARD.decode(s).ok())
        .ok_or_else(|| {
            SignatureRefusal::invalid("signature", "`signature` in `signature` is not base64.")
        })?;
    // A secret that is not base64 is used as raw bytes (only a misconfigured sandbox has one).
    let key = STANDARD
        .decode(&config.visa_shared_secret)
        .unwrap_or_else(|_| config.visa_shared_secret.as_bytes().to_vec());
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&key)
        .map_err(|_| SignatureRefusal::invalid("signature", "the sandbox has no shared secret."))?;
    mac.update(signing_string.as_bytes());
    mac.verify_slice(&claimed).map_err(|_| {
        SignatureRefusal::invalid(
            "signature",
            "the signature does not match the signed headers.",
        )
    })
}

/// Visa Acceptance: verifies the HTTP Signature; refusals in the Cybersource error shape.
pub async fn visa_acceptance(
    State(shared): State<Arc<Shared>>,
    request: Request,
    next: Next,
) -> Response {
    let (parts, body) = request.into_parts();
    let Ok(body) = axum::body::to_bytes(body, MAX_SIGNED_BODY).await else {
        return reply::cybs_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "invalidRequest",
            "The request body is too large.",
            &[],
        );
    };
    if let Err(refusal) = verify_signature(&shared.config, &parts, &body, SystemTime::now()) {
        return refusal.into_response();
    }
    next.run(Request::from_parts(parts, Body::from(body))).await
}
