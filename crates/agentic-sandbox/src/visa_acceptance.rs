//! Visa Acceptance / Cybersource TMS: the tokenized-card passkey and step-up OTP endpoints
//! under `/tms/v2/tokenized-cards/{tokenId}/…` (API.md §6.3–§6.7, sequence §6.11).
//!
//! | Route (`POST`, JSON) | Operation |
//! |---|---|
//! | `…/authentication-options` [C-AO] | `visa_acceptance.authentication_options` |
//! | `…/authentication-options/one-time-passwords` [C-OTP] | `visa_acceptance.create_otp` |
//! | `…/authentication-options/validate` [C-VAL] | `visa_acceptance.validate_otp` |
//! | `…/authentication-registrations` [C-REG] | `visa_acceptance.authentication_registration` |
//!
//! # State
//!
//! A *session* is one journey of one tokenized card: it is keyed by (`tokenId`,
//! `clientCorrelationId`) and holds the page's `secureToken`, the last `action` answered, the
//! step-up options issued and their OTP counts, and whether the step-up was approved.
//!
//! - authentication-options opens the session or continues it (same correlation id; a fresh
//!   page `secureToken` replaces the old one). A `secureToken` already bound to another
//!   correlation id of the same token is refused (`invalidFields` `clientCorrelationId`).
//! - Action: a token with a registered passkey ([`page::has_passkey`]) or named
//!   [`magic::TOKEN_REGISTERED`] → `AUTHENTICATE` with a fresh `authenticationContext`; a
//!   session whose step-up was approved, or a token named [`magic::TOKEN_APPROVED`] →
//!   `AUTHENTICATION_REGISTRATION`; any other token → `STEP_UP_AUTHENTICATE` with four
//!   `stepUpOptions` (`OTP_SMS`, `OTP_EMAIL`, `APP_TO_APP` issuer-code variant,
//!   `CUSTOMER_SERVICE`), issued once per session (a second call answers the same ids).
//!   A magic name also matches with a `_suffix` (`tkn_approved_7`), so concurrent journeys can
//!   use distinct tokens of one kind.
//! - one-time-passwords: only in a session whose last action is `STEP_UP_AUTHENTICATE`, for an
//!   OTP option; each call sends one OTP (counter `otps_sent`), at most
//!   [`magic::MAX_OTP_REQUESTS`] per option; answers
//!   `{maxRequestsAllowed, maxVerificationAllowed, codeExpiration}` with `codeExpiration` in
//!   **minutes** ([`magic::OTP_EXPIRY_MINUTES`]) — the reading agentic-core's journey applies to
//!   small values (*provisional*, API.md §9 q6).
//! - validate: `otp` for OTP options (only after one-time-passwords for that option), or
//!   `issuerAuthCode` ([`RIGHT_ISSUER_AUTH_CODE`]) for `APP_TO_APP`; at most
//!   [`magic::MAX_OTP_VERIFICATIONS`] wrong codes per option, counted across resends. The right
//!   code approves the session and answers `{"action":"AUTHENTICATION_REGISTRATION"}`; the
//!   same right code again answers the same (a resend after an unknown outcome).
//! - authentication-registrations: only in a session whose last action is
//!   `AUTHENTICATION_REGISTRATION` → `authenticationContext` of a `REGISTER` ceremony. Once the
//!   page completes it, the token has a passkey and authentication-options answers
//!   `AUTHENTICATE`.
//!
//! # Errors
//!
//! All in the TMS shape `{errors:[{type, message, details[{name, location}]}]}` (API.md §6.10),
//! with a `v-c-correlation-id` header on every answer:
//!
//! | Condition | Status | `type` | `details[].name` |
//! |---|---|---|---|
//! | no or non-JSON `Content-Type` | 400 | `missingHeaders` / `invalidHeaders` | `Content-Type` (header) |
//! | body not a JSON object | 400 | `invalidFields` | – |
//! | required fields absent, null or blank | 400 | `missingFields` | each one |
//! | fields of the wrong type or format | 400 | `invalidFields` | each one |
//! | `secureToken` not a page session | 400 | `invalidFields` | `sessionInformation.secureToken` |
//! | correlation id not the session's | 400 | `invalidFields` | `clientCorrelationId` |
//! | no session for this token at all | 404 | `notFound` | – |
//! | step out of order (OTP without step-up, validate before one-time-passwords, registration without `AUTHENTICATION_REGISTRATION`) | 400 | `invalidCombination` | `stepUpOption.id` (none for registration) |
//! | unknown option id, or one the call does not apply to | 400 | `invalidFields` | `stepUpOption.id` |
//! | wrong or malformed OTP / issuer code | 400 | `invalidFields` | `otp` / `issuerAuthCode` |
//! | OTP older than `codeExpiration` | 400 | `EXPIRED` | `otp` |
//! | option used up (sends or wrong codes) | 400 | `MAX_LIMIT_EXCEEDED` | `stepUpOption.id` |
//!
//! `EXPIRED` and `MAX_LIMIT_EXCEEDED` are not documented TMS types (the limit and expiry
//! answers are undocumented, API.md §9 q7); they are the codes agentic-core categorises as
//! `Expired` (prompt again, expired) and `LimitExceeded` (recovery `ChooseAnotherMethod`: the
//! option is used up).

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use axum::routing::post;
use base64::Engine;
use serde_json::{Map, Value, json};

use crate::magic;
use crate::page;
use crate::reply;
use crate::state::{Counters, Shared, lock};

/// agentic-core's `AuthenticationOptionsRequest::OPERATION`.
pub const OP_AUTHENTICATION_OPTIONS: &str = "visa_acceptance.authentication_options";
/// agentic-core's `CreateOtpRequest::OPERATION`.
pub const OP_CREATE_OTP: &str = "visa_acceptance.create_otp";
/// agentic-core's `ValidateOtpRequest::OPERATION`.
pub const OP_VALIDATE_OTP: &str = "visa_acceptance.validate_otp";
/// agentic-core's `AuthenticationRegistrationRequest::OPERATION`.
pub const OP_AUTHENTICATION_REGISTRATION: &str = "visa_acceptance.authentication_registration";

const PATH_OPTIONS: &str = "/tms/v2/tokenized-cards/{tokenId}/authentication-options";
const PATH_OTP: &str =
    "/tms/v2/tokenized-cards/{tokenId}/authentication-options/one-time-passwords";
const PATH_VALIDATE: &str = "/tms/v2/tokenized-cards/{tokenId}/authentication-options/validate";
const PATH_REGISTRATIONS: &str = "/tms/v2/tokenized-cards/{tokenId}/authentication-registrations";

/// (method, route pattern, operation) of every route, for fault injection and logs.
pub const OPERATIONS: &[(&str, &str, &str)] = &[
    ("POST", PATH_OPTIONS, OP_AUTHENTICATION_OPTIONS),
    ("POST", PATH_OTP, OP_CREATE_OTP),
    ("POST", PATH_VALIDATE, OP_VALIDATE_OTP),
    ("POST", PATH_REGISTRATIONS, OP_AUTHENTICATION_REGISTRATION),
];

/// The `issuerAuthCode` the issuer's app returns for the `APP_TO_APP` option: validate accepts
/// it; any other code is wrong.
pub const RIGHT_ISSUER_AUTH_CODE: &str = "ISSUER-APP-456789";

/// The masked values shown with each step-up option.
pub const SMS_VALUE: &str = "+1 XXX-XXX-1234";
/// See [`SMS_VALUE`].
pub const EMAIL_VALUE: &str = "c*******r@example.com";
/// See [`SMS_VALUE`] (C-STEPUP's example).
pub const APP_TO_APP_VALUE: &str = "Mobile Banking Application";
/// See [`SMS_VALUE`] (C-STEPUP's example).
pub const CUSTOMER_SERVICE_VALUE: &str = "1-800-555-1212";

const MISSING_MESSAGE: &str = "The request is missing one or more required fields";
const INVALID_MESSAGE: &str = "One or more fields in the request contains invalid data";
const OTP_EXPIRY_MS: u64 = magic::OTP_EXPIRY_MINUTES as u64 * 60_000;

// ---------------------------------------------------------------------------------------------
// State
// ---------------------------------------------------------------------------------------------

/// This provider's state: the sessions of every tokenized card.
#[derive(Debug, Default)]
pub struct VaState {
    /// tokenId → clientCorrelationId → session.
    tokens: HashMap<String, HashMap<String, Session>>,
    /// Source of step-up option ids.
    next_id: u64,
}

/// What authentication-options (or validate) last told the session to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    Authenticate,
    AuthenticationRegistration,
    StepUpAuthenticate,
}

impl Action {
    fn as_str(self) -> &'static str {
        match self {
            Self::Authenticate => "AUTHENTICATE",
            Self::AuthenticationRegistration => "AUTHENTICATION_REGISTRATION",
            Self::StepUpAuthenticate => "STEP_UP_AUTHENTICATE",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Method {
    OtpSms,
    OtpEmail,
    AppToApp,
    CustomerService,
}

impl Method {
    const ALL: [Self; 4] = [
        Self::OtpSms,
        Self::OtpEmail,
        Self::AppToApp,
        Self::CustomerService,
    ];

    fn wire(self) -> &'static str {
        match self {
            Self::OtpSms => "OTP_SMS",
            Self::OtpEmail => "OTP_EMAIL",
            Self::AppToApp => "APP_TO_APP",
            Self::CustomerService => "CUSTOMER_SERVICE",
        }
    }

    fn value(self) -> &'static str {
        match self {
            Self::OtpSms => SMS_VALUE,
            Self::OtpEmail => EMAIL_VALUE,
            Self::AppToApp => APP_TO_APP_VALUE,
            Self::CustomerService => CUSTOMER_SERVICE_VALUE,
        }
    }

    fn sends_otp(self) -> bool {
        matches!(self, Self::OtpSms | Self::OtpEmail)
    }
}

#[derive(Debug)]
struct StepUpOption {
    id: String,
    method: Method,
    /// OTPs sent for this option.
    sends: u32,
    /// Wrong codes entered for this option.
    wrong: u32,
    /// When the last OTP was sent (Unix ms).
    last_sent_ms: u64,
}

impl StepUpOption {
    fn used_up(&self) -> bool {
        self.wrong >= magic::MAX_OTP_VERIFICATIONS
            || (self.method.sends_otp() && self.sends >= magic::MAX_OTP_REQUESTS)
    }

    fn to_json(&self) -> Value {
        json!({"id": self.id, "method": self.method.wire(), "value": self.method.value()})
    }
}

#[derive(Debug)]
struct Session {
    secure_token: String,
    action: Action,
    step_up: Vec<StepUpOption>,
    approved: bool,
    /// The option whose code approved the session (`None` when approved out of band).
    approved_by: Option<String>,
}

/// Whether `token_id` is the magic `name` or `name_<suffix>`.
fn is_magic(token_id: &str, name: &str) -> bool {
    token_id
        .strip_prefix(name)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('_'))
}

/// Headless twin of a step-up done outside the API (the cardholder called `CUSTOMER_SERVICE`,
/// or finished in the issuer's app): approves the session (`token_id`, `client_correlation_id`)
/// so that the next authentication-options answers `AUTHENTICATION_REGISTRATION`. `false` when
/// no step-up is pending in that session.
pub fn approve_step_up_out_of_band(
    shared: &Shared,
    token_id: &str,
    client_correlation_id: &str,
) -> bool {
    let mut va = lock(&shared.va);
    let Some(session) = va
        .tokens
        .get_mut(token_id)
        .and_then(|s| s.get_mut(client_correlation_id))
    else {
        return false;
    };
    if session.action != Action::StepUpAuthenticate {
        return false;
    }
    session.approved = true;
    session.approved_by = None;
    session.action = Action::AuthenticationRegistration;
    true
}

/// Test hook: makes every OTP sent in the session (`token_id`, `client_correlation_id`) older
/// than `codeExpiration`. `false` when the session sent none.
pub fn expire_otps(shared: &Shared, token_id: &str, client_correlation_id: &str) -> bool {
    let mut va = lock(&shared.va);
    let Some(session) = va
        .tokens
        .get_mut(token_id)
        .and_then(|s| s.get_mut(client_correlation_id))
    else {
        return false;
    };
    let mut any = false;
    for option in session.step_up.iter_mut().filter(|o| o.sends > 0) {
        option.last_sent_ms = 0;
        any = true;
    }
    any
}

// ---------------------------------------------------------------------------------------------
// Routes
// ---------------------------------------------------------------------------------------------

/// The provider's routes.
pub fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route(PATH_OPTIONS, post(authentication_options))
        .route(PATH_OTP, post(one_time_passwords))
        .route(PATH_VALIDATE, post(validate))
        .route(PATH_REGISTRATIONS, post(authentication_registrations))
}

/// An error answer, boxed (a `Response` is large).
#[derive(Debug)]
struct Refusal(Box<Response>);

type Reply = Result<Response, Refusal>;

/// Adds `v-c-correlation-id` (Cybersource sends one with every answer; agentic-core quotes it).
fn finish(reply: Reply) -> Response {
    let mut response = match reply {
        Ok(response) => response,
        Err(Refusal(error)) => *error,
    };
    if let Ok(value) = HeaderValue::from_str(&reply::request_id()) {
        response.headers_mut().insert("v-c-correlation-id", value);
    }
    response
}

async fn authentication_options(
    State(shared): State<Arc<Shared>>,
    token: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    finish(read(token, &headers, body).and_then(|incoming| options(&shared, &incoming)))
}

async fn one_time_passwords(
    State(shared): State<Arc<Shared>>,
    token: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    finish(read(token, &headers, body).and_then(|incoming| create_otp(&shared, &incoming)))
}

async fn validate(
    State(shared): State<Arc<Shared>>,
    token: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    finish(read(token, &headers, body).and_then(|incoming| validate_code(&shared, &incoming)))
}

async fn authentication_registrations(
    State(shared): State<Arc<Shared>>,
    token: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    finish(read(token, &headers, body).and_then(|incoming| registration(&shared, &incoming)))
}

// ---------------------------------------------------------------------------------------------
// Request reading and field checks
// ---------------------------------------------------------------------------------------------

struct Incoming {
    token_id: String,
    body: Map<String, Value>,
}

/// One TMS error entry with `details` at explicit locations.
fn error_at(status: StatusCode, kind: &str, message: &str, details: &[(&str, &str)]) -> Refusal {
    let details: Vec<Value> = details
        .iter()
        .map(|(name, location)| json!({"name": name, "location": location}))
        .collect();
    Refusal(Box::new(reply::json_status(
        status,
        json!({"errors": [{"type": kind, "message": message, "details": details}]}),
    )))
}

fn bad_request(kind: &str, message: &str, body_fields: &[&str]) -> Refusal {
    Refusal(Box::new(reply::cybs_error(
        StatusCode::BAD_REQUEST,
        kind,
        message,
        body_fields,
    )))
}

fn is_json_content_type(value: &HeaderValue) -> bool {
    let Ok(text) = value.to_str() else {
        return false;
    };
    let essence = text
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

fn read(
    token: Result<Path<String>, PathRejection>,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Incoming, Refusal> {
    let token_id = match token {
        Ok(Path(token_id)) if !token_id.trim().is_empty() => token_id,
        _ => {
            return Err(error_at(
                StatusCode::BAD_REQUEST,
                "invalidFields",
                "tokenId is not a valid tokenized card id",
                &[("tokenId", "path")],
            ));
        }
    };
    match headers.get(header::CONTENT_TYPE) {
        None => {
            return Err(error_at(
                StatusCode::BAD_REQUEST,
                "missingHeaders",
                "Content-Type is required: application/json",
                &[("Content-Type", "header")],
            ));
        }
        Some(value) if !is_json_content_type(value) => {
            return Err(error_at(
                StatusCode::BAD_REQUEST,
                "invalidHeaders",
                "Content-Type must be application/json",
                &[("Content-Type", "header")],
            ));
        }
        Some(_) => {}
    }
    let bytes = body.map_err(|rejection| {
        error_at(
            rejection.status(),
            "invalidFields",
            "the request body could not be read",
            &[],
        )
    })?;
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(body)) => Ok(Incoming { token_id, body }),
        _ => Err(bad_request(
            "invalidFields",
            "the request body is not a JSON object",
            &[],
        )),
    }
}

/// How a required field is checked.
#[derive(Debug, Clone, Copy)]
enum Kind {
    /// Non-blank text (a number is accepted as its text).
    Text,
    /// A boolean (`"true"` / `"false"` accepted).
    Flag,
    /// 1–6 digits.
    Unsigned,
    /// Minutes from UTC: optional sign and 1–4 digits.
    Signed,
    /// An IPv4 or IPv6 address.
    Ip,
    /// A positive decimal with at most two decimals.
    Amount,
    /// ISO 4217, numeric (`978`) or alphabetic (`EUR`).
    Currency,
    /// base64 text (standard or URL-safe alphabet, padding optional).
    Base64,
    /// `local@domain`.
    Email,
}

enum Verdict {
    Fine,
    Missing,
    Invalid,
}

const DEVICE_FIELDS: [(&str, Kind); 11] = [
    ("deviceInformation.httpAcceptContent", Kind::Text),
    ("deviceInformation.httpBrowserColorDepth", Kind::Unsigned),
    ("deviceInformation.httpBrowserJavaEnabled", Kind::Flag),
    ("deviceInformation.httpBrowserJavaScriptEnabled", Kind::Flag),
    ("deviceInformation.httpBrowserLanguage", Kind::Text),
    ("deviceInformation.httpBrowserScreenHeight", Kind::Unsigned),
    ("deviceInformation.httpBrowserScreenWidth", Kind::Unsigned),
    ("deviceInformation.httpBrowserTimeDifference", Kind::Signed),
    ("deviceInformation.ipAddress", Kind::Ip),
    ("deviceInformation.platformType", Kind::Text),
    ("deviceInformation.userAgentBrowserValue", Kind::Text),
];

/// C-AO's required fields, in the documented (alphabetical) order.
fn options_fields() -> Vec<(&'static str, Kind)> {
    let mut fields = vec![
        ("authenticatorRenderMethod", Kind::Text),
        ("clientCorrelationId", Kind::Text),
    ];
    fields.extend(DEVICE_FIELDS);
    fields.extend([
        ("merchantInformation.merchantDescriptor.name", Kind::Base64),
        ("merchantInformation.merchantDescriptor.url", Kind::Base64),
        ("orderInformation.amountDetails.currency", Kind::Currency),
        ("orderInformation.amountDetails.totalAmount", Kind::Amount),
        ("sessionInformation.secureToken", Kind::Text),
    ]);
    fields
}

/// C-REG's required fields, in the documented (alphabetical) order.
fn registration_fields() -> Vec<(&'static str, Kind)> {
    let mut fields = vec![
        ("authenticatorRenderMethod", Kind::Text),
        ("buyerInformation.language", Kind::Text),
        ("clientCorrelationId", Kind::Text),
    ];
    fields.extend(DEVICE_FIELDS);
    fields.extend([
        ("merchantInformation.merchantDescriptor.name", Kind::Base64),
        ("merchantInformation.merchantDescriptor.url", Kind::Base64),
        ("orderInformation.amountDetails.currency", Kind::Currency),
        ("orderInformation.amountDetails.totalAmount", Kind::Amount),
        ("orderInformation.billTo.email", Kind::Email),
        ("sessionInformation.secureToken", Kind::Text),
    ]);
    fields
}

const STEP_UP_FIELDS: [(&str, Kind); 2] = [
    ("clientCorrelationId", Kind::Text),
    ("stepUpOption.id", Kind::Text),
];

/// The value at a dotted path: `Err(())` when a parent is present but not an object.
fn lookup<'a>(body: &'a Map<String, Value>, path: &str) -> Result<Option<&'a Value>, ()> {
    let mut parts = path.split('.');
    let Some(first) = parts.next() else {
        return Ok(None);
    };
    let mut current = body.get(first);
    for part in parts {
        current = match current {
            None | Some(Value::Null) => return Ok(None),
            Some(Value::Object(map)) => map.get(part),
            Some(_) => return Err(()),
        };
    }
    Ok(current)
}

/// Text of a string or a number.
fn text_of(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The text at `path`, if it is non-blank text.
fn text_at(body: &Map<String, Value>, path: &str) -> Option<String> {
    lookup(body, path)
        .ok()
        .flatten()
        .and_then(text_of)
        .filter(|s| !s.is_empty())
}

fn digits(s: &str, min: usize, max: usize) -> bool {
    (min..=max).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
}

fn well_formed(kind: Kind, s: &str) -> bool {
    match kind {
        Kind::Text | Kind::Flag => true,
        Kind::Unsigned => digits(s, 1, 6),
        Kind::Signed => digits(s.strip_prefix(['-', '+']).unwrap_or(s), 1, 4),
        Kind::Ip => s.parse::<std::net::IpAddr>().is_ok(),
        Kind::Amount => {
            let (whole, fraction) = s.split_once('.').unwrap_or((s, "0"));
            digits(whole, 1, 12)
                && digits(fraction, 1, 2)
                && s.bytes().any(|b| (b'1'..=b'9').contains(&b))
        }
        Kind::Currency => {
            s.len() == 3
                && (s.bytes().all(|b| b.is_ascii_digit())
                    || s.bytes().all(|b| b.is_ascii_alphabetic()))
        }
        Kind::Base64 => {
            let body = s.trim_end_matches('=');
            s.len() - body.len() <= 2
                && body.len() % 4 != 1
                && body
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'-' | b'_'))
        }
        Kind::Email => {
            !s.contains(char::is_whitespace)
                && s.split_once('@').is_some_and(|(local, domain)| {
                    !local.is_empty() && !domain.is_empty() && !domain.contains('@')
                })
        }
    }
}

fn verdict(kind: Kind, value: Option<&Value>) -> Verdict {
    let Some(value) = value.filter(|v| !v.is_null()) else {
        return Verdict::Missing;
    };
    if let Kind::Flag = kind {
        return match value {
            Value::Bool(_) => Verdict::Fine,
            Value::String(s) if s.trim().is_empty() => Verdict::Missing,
            Value::String(s)
                if s.trim().eq_ignore_ascii_case("true")
                    || s.trim().eq_ignore_ascii_case("false") =>
            {
                Verdict::Fine
            }
            _ => Verdict::Invalid,
        };
    }
    match text_of(value) {
        None => Verdict::Invalid,
        Some(s) if s.is_empty() => Verdict::Missing,
        Some(s) if well_formed(kind, &s) => Verdict::Fine,
        Some(_) => Verdict::Invalid,
    }
}

/// Checks `fields`: one `missingFields` entry naming every absent, null or blank one, then one
/// `invalidFields` entry naming every malformed one.
fn check_fields(body: &Map<String, Value>, fields: &[(&str, Kind)]) -> Result<(), Refusal> {
    let mut missing: Vec<&str> = Vec::new();
    let mut invalid: Vec<&str> = Vec::new();
    for &(name, kind) in fields {
        let outcome = match lookup(body, name) {
            Ok(value) => verdict(kind, value),
            Err(()) => Verdict::Invalid,
        };
        match outcome {
            Verdict::Fine => {}
            Verdict::Missing => missing.push(name),
            Verdict::Invalid => invalid.push(name),
        }
    }
    if missing.is_empty() && invalid.is_empty() {
        return Ok(());
    }
    let entry = |kind: &str, message: &str, names: &[&str]| {
        let details: Vec<Value> = names
            .iter()
            .map(|name| json!({"name": name, "location": "body"}))
            .collect();
        json!({"type": kind, "message": message, "details": details})
    };
    let mut errors = Vec::new();
    if !missing.is_empty() {
        errors.push(entry("missingFields", MISSING_MESSAGE, &missing));
    }
    if !invalid.is_empty() {
        errors.push(entry("invalidFields", INVALID_MESSAGE, &invalid));
    }
    Err(Refusal(Box::new(reply::json_status(
        StatusCode::BAD_REQUEST,
        json!({"errors": errors}),
    ))))
}

/// The secure token must be a session the Visa page created.
fn check_page_session(shared: &Shared, secure_token: &str) -> Result<(), Refusal> {
    if page::session_exists(shared, secure_token) {
        Ok(())
    } else {
        Err(bad_request(
            "invalidFields",
            "sessionInformation.secureToken is not a session of the Visa page",
            &["sessionInformation.secureToken"],
        ))
    }
}

fn correlation_mismatch(message: &str) -> Refusal {
    bad_request("invalidFields", message, &["clientCorrelationId"])
}

fn no_session() -> Refusal {
    error_at(
        StatusCode::NOT_FOUND,
        "notFound",
        "No authentication session exists for this tokenized card: call authentication-options first",
        &[],
    )
}

/// The session of (`token_id`, `correlation`): `notFound` when the token has none at all,
/// `invalidFields clientCorrelationId` when it has others.
fn session_mut<'a>(
    va: &'a mut VaState,
    token_id: &str,
    correlation: &str,
) -> Result<&'a mut Session, Refusal> {
    let Some(sessions) = va.tokens.get_mut(token_id) else {
        return Err(no_session());
    };
    match sessions.get_mut(correlation) {
        Some(session) => Ok(session),
        None => Err(correlation_mismatch(
            "clientCorrelationId does not match a session of this tokenized card",
        )),
    }
}

/// Refuses a secure token already bound to another correlation id of the same token.
fn check_secure_token_binding(
    va: &VaState,
    token_id: &str,
    correlation: &str,
    secure_token: &str,
) -> Result<(), Refusal> {
    let bound_elsewhere = va.tokens.get(token_id).is_some_and(|sessions| {
        sessions
            .iter()
            .any(|(id, s)| id != correlation && s.secure_token == secure_token)
    });
    if bound_elsewhere {
        Err(correlation_mismatch(
            "clientCorrelationId differs from the one this session (sessionInformation.secureToken) started with",
        ))
    } else {
        Ok(())
    }
}

fn context_json(ceremony: &page::IssuedCeremony) -> Value {
    json!({"id": ceremony.identifier, "endpoint": ceremony.endpoint, "payload": ceremony.payload})
}

fn ok(body: Value) -> Reply {
    Ok(reply::json_status(StatusCode::OK, body))
}

// ---------------------------------------------------------------------------------------------
// authentication-options
// ---------------------------------------------------------------------------------------------

fn options(shared: &Shared, incoming: &Incoming) -> Reply {
    let body = &incoming.body;
    let token_id = incoming.token_id.as_str();
    check_fields(body, &options_fields())?;
    let correlation = text_at(body, "clientCorrelationId").unwrap_or_default();
    let secure_token = text_at(body, "sessionInformation.secureToken").unwrap_or_default();
    check_page_session(shared, &secure_token)?;
    let registered =
        is_magic(token_id, magic::TOKEN_REGISTERED) || page::has_passkey(shared, token_id);
    let magic_approved = is_magic(token_id, magic::TOKEN_APPROVED);

    let answer = {
        let mut va = lock(&shared.va);
        check_secure_token_binding(&va, token_id, &correlation, &secure_token)?;
        let VaState { tokens, next_id } = &mut *va;
        let session = tokens
            .entry(token_id.to_owned())
            .or_default()
            .entry(correlation)
            .or_insert_with(|| Session {
                secure_token: secure_token.clone(),
                action: Action::StepUpAuthenticate,
                step_up: Vec::new(),
                approved: false,
                approved_by: None,
            });
        session.secure_token = secure_token;
        session.action = if registered {
            Action::Authenticate
        } else if magic_approved || session.approved {
            Action::AuthenticationRegistration
        } else {
            Action::StepUpAuthenticate
        };
        if session.action == Action::StepUpAuthenticate && session.step_up.is_empty() {
            session.step_up = Method::ALL
                .iter()
                .map(|&method| {
                    *next_id += 1;
                    StepUpOption {
                        id: option_id(*next_id),
                        method,
                        sends: 0,
                        wrong: 0,
                        last_sent_ms: 0,
                    }
                })
                .collect();
        }
        match session.action {
            Action::StepUpAuthenticate => json!({
                "action": Action::StepUpAuthenticate.as_str(),
                "stepUpOptions": session.step_up.iter().map(StepUpOption::to_json).collect::<Vec<_>>(),
            }),
            action => json!({"action": action.as_str()}),
        }
    };
    if registered {
        let ceremony = page::new_ceremony(shared, "AUTHENTICATE", token_id);
        return ok(
            json!({"action": Action::Authenticate.as_str(), "authenticationContext": context_json(&ceremony)}),
        );
    }
    ok(answer)
}

/// A step-up option id shaped like C-OTP's sample: base64 of 32 hex digits.
fn option_id(n: u64) -> String {
    let raw = (u128::from(Shared::now_ms()) << 64) | u128::from(n);
    base64::engine::general_purpose::STANDARD.encode(format!("{raw:032x}"))
}

// ---------------------------------------------------------------------------------------------
// one-time-passwords
// ---------------------------------------------------------------------------------------------

fn limit_reached(message: &str) -> Refusal {
    bad_request("MAX_LIMIT_EXCEEDED", message, &["stepUpOption.id"])
}

/// The session's pending step-up option `option_id`, checking the order of steps.
fn pending_option<'a>(
    session: &'a mut Session,
    option_id: &str,
) -> Result<&'a mut StepUpOption, Refusal> {
    if session.action != Action::StepUpAuthenticate {
        let message = if session.approved {
            "The step-up authentication of this session is already complete".to_owned()
        } else {
            format!(
                "No step-up authentication is pending for this session (action {})",
                session.action.as_str()
            )
        };
        return Err(bad_request(
            "invalidCombination",
            &message,
            &["stepUpOption.id"],
        ));
    }
    session
        .step_up
        .iter_mut()
        .find(|o| o.id == option_id)
        .ok_or_else(|| {
            bad_request(
                "invalidFields",
                "stepUpOption.id is not one of the stepUpOptions offered to this session",
                &["stepUpOption.id"],
            )
        })
}

fn create_otp(shared: &Shared, incoming: &Incoming) -> Reply {
    let body = &incoming.body;
    check_fields(body, &STEP_UP_FIELDS)?;
    let correlation = text_at(body, "clientCorrelationId").unwrap_or_default();
    let option_id = text_at(body, "stepUpOption.id").unwrap_or_default();
    {
        let mut va = lock(&shared.va);
        let session = session_mut(&mut va, &incoming.token_id, &correlation)?;
        let option = pending_option(session, &option_id)?;
        if !option.method.sends_otp() {
            return Err(bad_request(
                "invalidFields",
                &format!("{} does not send one-time passwords", option.method.wire()),
                &["stepUpOption.id"],
            ));
        }
        if option.used_up() {
            return Err(limit_reached(&format!(
                "This step-up option is used up ({} one-time passwords, {} wrong codes allowed)",
                magic::MAX_OTP_REQUESTS,
                magic::MAX_OTP_VERIFICATIONS
            )));
        }
        option.sends += 1;
        option.last_sent_ms = Shared::now_ms();
        Counters::bump(&shared.counters.otps_sent);
    }
    ok(json!({
        "maxRequestsAllowed": magic::MAX_OTP_REQUESTS,
        "maxVerificationAllowed": magic::MAX_OTP_VERIFICATIONS,
        "codeExpiration": magic::OTP_EXPIRY_MINUTES,
    }))
}

// ---------------------------------------------------------------------------------------------
// validate
// ---------------------------------------------------------------------------------------------

fn registration_action() -> Value {
    json!({"action": Action::AuthenticationRegistration.as_str()})
}

/// The code a validate call carries for `method`: (field name, right value).
fn code_field(method: Method) -> Option<(&'static str, &'static str)> {
    match method {
        Method::OtpSms | Method::OtpEmail => Some(("otp", magic::RIGHT_OTP)),
        Method::AppToApp => Some(("issuerAuthCode", RIGHT_ISSUER_AUTH_CODE)),
        Method::CustomerService => None,
    }
}

fn validate_code(shared: &Shared, incoming: &Incoming) -> Reply {
    let body = &incoming.body;
    check_fields(body, &STEP_UP_FIELDS)?;
    let correlation = text_at(body, "clientCorrelationId").unwrap_or_default();
    let option_id = text_at(body, "stepUpOption.id").unwrap_or_default();
    let mut va = lock(&shared.va);
    let session = session_mut(&mut va, &incoming.token_id, &correlation)?;

    // A resend of the call that approved the session answers the same.
    if session.approved && session.approved_by.as_deref() == Some(option_id.as_str()) {
        let method = session
            .step_up
            .iter()
            .find(|o| o.id == option_id)
            .map(|o| o.method);
        let same_code = method
            .and_then(code_field)
            .is_some_and(|(field, right)| text_at(body, field).as_deref() == Some(right));
        if same_code {
            return ok(registration_action());
        }
    }
    let now = Shared::now_ms();
    let option = pending_option(session, &option_id)?;
    let Some((field, right)) = code_field(option.method) else {
        return Err(bad_request(
            "invalidFields",
            &format!(
                "{} is completed with the issuer, not validated here",
                option.method.wire()
            ),
            &["stepUpOption.id"],
        ));
    };
    let code = match lookup(body, field) {
        Ok(Some(value)) if !value.is_null() => match text_of(value) {
            Some(code) if !code.is_empty() => code,
            Some(_) => return Err(bad_request("missingFields", MISSING_MESSAGE, &[field])),
            None => return Err(bad_request("invalidFields", INVALID_MESSAGE, &[field])),
        },
        _ => return Err(bad_request("missingFields", MISSING_MESSAGE, &[field])),
    };
    if option.method.sends_otp() && option.sends == 0 {
        return Err(bad_request(
            "invalidCombination",
            "No one-time password was requested for this step-up option: call one-time-passwords first",
            &["stepUpOption.id"],
        ));
    }
    if option.wrong >= magic::MAX_OTP_VERIFICATIONS {
        return Err(limit_reached(&format!(
            "No verification attempts are left for this step-up option ({} allowed)",
            magic::MAX_OTP_VERIFICATIONS
        )));
    }
    if option.method.sends_otp() {
        if now > option.last_sent_ms.saturating_add(OTP_EXPIRY_MS) {
            return Err(bad_request(
                "EXPIRED",
                "The one-time password has expired: request a new one",
                &["otp"],
            ));
        }
        if !digits(&code, 4, 8) {
            return Err(bad_request(
                "invalidFields",
                "otp must be 4 to 8 digits",
                &["otp"],
            ));
        }
    }
    if code != right {
        option.wrong += 1;
        let left = magic::MAX_OTP_VERIFICATIONS.saturating_sub(option.wrong);
        let what = if field == "otp" {
            "one-time password"
        } else {
            "issuer authentication code"
        };
        return Err(bad_request(
            "invalidFields",
            &format!("The {what} is incorrect ({left} attempts left)"),
            &[field],
        ));
    }
    session.approved = true;
    session.approved_by = Some(option_id);
    session.action = Action::AuthenticationRegistration;
    ok(registration_action())
}

// ---------------------------------------------------------------------------------------------
// authentication-registrations
// ---------------------------------------------------------------------------------------------

fn registration(shared: &Shared, incoming: &Incoming) -> Reply {
    let body = &incoming.body;
    let token_id = incoming.token_id.as_str();
    check_fields(body, &registration_fields())?;
    let correlation = text_at(body, "clientCorrelationId").unwrap_or_default();
    let secure_token = text_at(body, "sessionInformation.secureToken").unwrap_or_default();
    check_page_session(shared, &secure_token)?;
    {
        let mut va = lock(&shared.va);
        check_secure_token_binding(&va, token_id, &correlation, &secure_token)?;
        let session = session_mut(&mut va, token_id, &correlation)?;
        if session.action != Action::AuthenticationRegistration {
            return Err(bad_request(
                "invalidCombination",
                &format!(
                    "A registration needs action AUTHENTICATION_REGISTRATION; this session's action is {}",
                    session.action.as_str()
                ),
                &[],
            ));
        }
        session.secure_token = secure_token;
    }
    let ceremony = page::new_ceremony(shared, "REGISTER", token_id);
    ok(json!({"authenticationContext": context_json(&ceremony)}))
}
