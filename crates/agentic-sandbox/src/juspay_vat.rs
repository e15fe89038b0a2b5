//! Juspay Visa Agentic Transactions (API.md §2): the seven VAT endpoints with their state.
//!
//! | Route | Operation | What it does |
//! |---|---|---|
//! | `POST /card/tokenize` (form) | `juspay_vat.card_tokenize` | card details → `{"token": "ctkn_…"}`, valid 15 minutes |
//! | `POST /provision-token-passkey` | `juspay_vat.provision_token_passkey` | new card → token + step-up; device binding → `REGISTER` ceremony; purchase → `AUTHENTICATE` ceremony |
//! | `POST /initiateVerification` | `juspay_vat.trigger_otp` | sends the OTP of the chosen step-up method |
//! | `POST /validateOtp` | `juspay_vat.validate_otp` | checks the OTP; the right one approves device binding |
//! | `POST /enrollInAgenticService` | `juspay_vat.enroll_in_agentic_service` | enrolls a bound token with a passkey |
//! | `POST /cards/setUpAgenticPaymentInstruction` | `juspay_vat.setup_agentic_payment_instruction` | checks the passkey assurance, creates an instruction |
//! | `POST /cards/fetchAgenticTransactCreds` | `juspay_vat.fetch_payment_credentials` | issues token + DTVV cryptogram for the instruction |
//!
//! Requests are parsed here independently of `agentic-core`'s models (a sandbox that reused
//! them could not catch the SDK's mistakes), but the *provisional* choices are the same
//! (DESIGN.md §3): the tokenize form fields of `/txns`, `tokenReference` = `vProvisionedTokenId`,
//! `codeExpiration` in minutes, `verificationData{verifyType: FIDO, identifier, fidoBlob,
//! dfpSessionId?}` + `mandates[{declineThreshold{amount, currencyCode}, effectiveUntilTime}]`
//! (unix seconds) for the setup, and the VIC-style names of the enroll, setup and fetch answers.
//!
//! # Envelopes
//!
//! * Malformed requests (wrong content type, body not a JSON object, a mandatory field missing
//!   or empty, a field of the wrong form) → HTTP 400 in the `error_info` envelope with
//!   `MISSING_MANDATORY_PARAMETER` or `INVALID_INPUT`, the field named in `developer_message`.
//! * An unknown `vProvisionedTokenId` or card token → HTTP 404 `RESOURCE_NOT_FOUND`; a card token
//!   older than 15 minutes → HTTP 400 `EXPIRED`.
//! * A step out of order (validate before trigger, enroll before the passkey, fetch before the
//!   instruction …) → HTTP 400 `INVALID_ACTION`.
//! * Business refusals → HTTP 200 with `status: FAILURE` (`errorCode`/`errorMessage`, or
//!   `responseCode`/`responseMessage` on `/validateOtp`).
//!
//! # State rules
//!
//! * A card token lives 15 minutes; its card decides the binding: [`magic::CARD_CHALLENGED`] →
//!   `CHALLENGED` with four methods (`OTPSMS`, `OTPEMAIL`, `CUSTOMERSERVICE`, `APP-TO-APP` /
//!   `THREE-DS`, distinct identifiers); any other card → `APPROVED`, no methods. Every accepted
//!   new-card call provisions a new token (`tokens_provisioned` + 1).
//! * A token belongs to its `customerId` and to the `clientReferenceId` of its new-card call:
//!   trigger, validate, device binding and enroll must repeat both; `tokenReference` must equal
//!   `vProvisionedTokenId`.
//! * Trigger: only on a challenged token, with an offered OTP method;
//!   [`magic::METHOD_DELIVERY_FAILS`] fails delivery; at most [`magic::MAX_OTP_REQUESTS`] sends
//!   per method (`otps_sent` + 1 each); each send makes a new code valid
//!   [`magic::OTP_EXPIRY_MINUTES`].
//! * Validate: needs a sent code; [`magic::MAX_OTP_VERIFICATIONS`] entries per method, a resend
//!   does not add entries; an expired code is refused without using an entry; the right OTP
//!   ([`magic::RIGHT_OTP`]) clears the binding.
//! * Device binding (`REGISTER`) once the binding is cleared; before that the step-up answer
//!   comes back (`CHALLENGED`, same methods). Purchase (`AUTHENTICATE`) only with a completed
//!   `REGISTER` ceremony for the token; without one the answer is a `CHALLENGED` step-up.
//! * Enroll needs a cleared binding and a passkey (`enrollments` + 1 per accepted call; the
//!   reference id stays the same). Setup needs an enrolled token and the `identifier` +
//!   `fidoBlob` of a completed purchase ceremony issued for this token under the same
//!   `clientReferenceId`. Fetch needs that instruction, declines above its
//!   `declineThreshold` or in another currency, fails `EXPIRED` after `effectiveUntilTime`;
//!   every accepted fetch issues new credentials (`charges` + 1).
//!
//! # Clock
//!
//! Card-token and OTP expiry use the sandbox clock, which tests move forward with
//! [`advance_clock`] instead of waiting 5 or 15 minutes.
//!
//! # Locks
//!
//! Handlers take the VAT lock and then call [`crate::page`] (which takes the page lock): the
//! order is always VAT → page.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use axum::routing::{MethodRouter, post};
use base64::Engine;
use serde_json::{Map, Value, json};

use crate::magic;
use crate::page;
use crate::reply::{json_status, juspay_error_info, juspay_unauthorized, vat_failure, vat_success};
use crate::state::{Counters, Shared, lock};

/// (method, route pattern, operation) of every route, for fault injection and logs. The
/// operation names are `agentic-core`'s `Endpoint::OPERATION`s.
pub const OPERATIONS: &[(&str, &str, &str)] = &[
    ("POST", "/card/tokenize", "juspay_vat.card_tokenize"),
    (
        "POST",
        "/provision-token-passkey",
        "juspay_vat.provision_token_passkey",
    ),
    ("POST", "/initiateVerification", "juspay_vat.trigger_otp"),
    ("POST", "/validateOtp", "juspay_vat.validate_otp"),
    (
        "POST",
        "/enrollInAgenticService",
        "juspay_vat.enroll_in_agentic_service",
    ),
    (
        "POST",
        "/cards/setUpAgenticPaymentInstruction",
        "juspay_vat.setup_agentic_payment_instruction",
    ),
    (
        "POST",
        "/cards/fetchAgenticTransactCreds",
        "juspay_vat.fetch_payment_credentials",
    ),
];

/// The provider's routes.
pub fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route("/card/tokenize", route(card_tokenize))
        .route("/provision-token-passkey", route(provision_token_passkey))
        .route("/initiateVerification", route(trigger_otp))
        .route("/validateOtp", route(validate_otp))
        .route("/enrollInAgenticService", route(enroll_in_agentic_service))
        .route(
            "/cards/setUpAgenticPaymentInstruction",
            route(setup_agentic_payment_instruction),
        )
        .route(
            "/cards/fetchAgenticTransactCreds",
            route(fetch_payment_credentials),
        )
}

/// A handler: the answer, or the error answer that stopped it early.
type Handler = fn(&Shared, &HeaderMap, &[u8]) -> Result<Response, Refusal>;

/// An error answer that ends a handler early (boxed: a `Response` is large).
type Refusal = Box<Response>;

fn route(handler: Handler) -> MethodRouter<Arc<Shared>> {
    post(
        move |State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes| async move {
            match handler(&shared, &headers, &body) {
                Ok(answer) => answer,
                Err(refusal) => *refusal,
            }
        },
    )
}

// ---------------------------------------------------------------------------------------------
// State
// ---------------------------------------------------------------------------------------------

/// This provider's state: card tokens, provisioned tokens (binding status, step-up methods,
/// OTP challenges, enrollment), purchase ceremonies and payment instructions.
#[derive(Debug, Default)]
pub struct VatState {
    /// Added to the wall clock (see [`advance_clock`]).
    clock_offset_ms: u64,
    /// Mixed into generated ids so two sandboxes do not mint the same ones.
    seed: u64,
    next: u64,
    card_tokens: HashMap<String, CardTokenEntry>,
    tokens: HashMap<String, ProvisionedToken>,
    /// AUTHENTICATE ceremonies issued by purchase calls, by ceremony identifier.
    purchase_ceremonies: HashMap<String, PurchaseCeremony>,
    /// The latest instruction set up under each `clientReferenceId`.
    instructions: HashMap<String, Instruction>,
}

impl VatState {
    fn now_ms(&self) -> u64 {
        Shared::now_ms().saturating_add(self.clock_offset_ms)
    }

    /// A fresh pseudo-random 64-bit value (splitmix64 over a per-state sequence).
    fn mint(&mut self) -> u64 {
        if self.seed == 0 {
            self.seed = Shared::now_ms() | 1;
        }
        self.next += 1;
        let mut z = self
            .seed
            .wrapping_add(self.next.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// 32 lowercase hex characters, like the ids of the Juspay samples.
    fn hex32(&mut self) -> String {
        let high = self.mint();
        let low = self.mint();
        format!("{high:016x}{low:016x}")
    }
}

/// How the issuer answers device binding for a card (decided by the card number).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Binding {
    /// A step-up is needed ([`magic::CARD_CHALLENGED`]).
    Challenged,
    /// Approved without a step-up (every other card).
    Approved,
    /// Was challenged; the right OTP was validated (or [`approve_binding`] was called).
    Verified,
}

impl Binding {
    fn cleared(self) -> bool {
        matches!(self, Self::Approved | Self::Verified)
    }
}

#[derive(Debug, Clone)]
struct CardTokenEntry {
    binding: Binding,
    expires_at_ms: u64,
}

#[derive(Debug, Clone)]
struct ProvisionedToken {
    customer_id: String,
    /// The enrollment journey's `clientReferenceId` (of the new-card call).
    client_reference_id: String,
    binding: Binding,
    /// The step-up methods offered (empty until the token is challenged).
    offers: Vec<Offer>,
    /// OTP challenges by `stepUpRequestId`.
    challenges: HashMap<String, OtpChallenge>,
    /// The method whose OTP was sent last (the code `/validateOtp` checks).
    active: Option<String>,
    /// The network token number `/cards/fetchAgenticTransactCreds` returns.
    token_number: String,
    /// The enrollment reference once enrolled.
    enrollment_reference: Option<String>,
}

#[derive(Debug, Clone)]
struct Offer {
    identifier: String,
    method: &'static str,
}

#[derive(Debug, Clone, Copy)]
struct OtpChallenge {
    sends: u32,
    verifications: u32,
    expires_at_ms: u64,
}

#[derive(Debug, Clone)]
struct PurchaseCeremony {
    token: String,
    client_reference_id: String,
}

#[derive(Debug, Clone)]
struct Instruction {
    id: String,
    token: String,
    limit_cents: u64,
    currency: String,
    effective_until_s: u64,
}

/// The step-up methods a challenged token offers, in the order of the J-PTP sample.
const OFFERED_METHODS: &[&str] = &["OTPSMS", "OTPEMAIL", "CUSTOMERSERVICE", "APP-TO-APP"];

/// Moves the VAT clock forward by `ms` (card-token and OTP expiry), for tests of expiry.
pub fn advance_clock(shared: &Shared, ms: u64) {
    let mut vat = lock(&shared.vat);
    vat.clock_offset_ms = vat.clock_offset_ms.saturating_add(ms);
}

/// Marks the challenged binding of `v_provisioned_token_id` as cleared, as if the cardholder had
/// completed an out-of-band step-up (`CUSTOMERSERVICE`, `APP-TO-APP`), which has no API call.
/// Returns whether the token exists.
pub fn approve_binding(shared: &Shared, v_provisioned_token_id: &str) -> bool {
    let mut vat = lock(&shared.vat);
    match vat.tokens.get_mut(v_provisioned_token_id) {
        Some(token) => {
            if token.binding == Binding::Challenged {
                token.binding = Binding::Verified;
                token.active = None;
            }
            true
        }
        None => false,
    }
}

// ---------------------------------------------------------------------------------------------
// Error answers
// ---------------------------------------------------------------------------------------------

fn missing(field: &str) -> Refusal {
    Box::new(juspay_error_info(
        StatusCode::BAD_REQUEST,
        "MISSING_MANDATORY_PARAMETER",
        "USER_ERROR",
        "Mandatory parameter missing",
        &format!("Mandatory parameter `{field}` is missing or empty."),
    ))
}

fn invalid(field: &str, why: &str) -> Refusal {
    Box::new(juspay_error_info(
        StatusCode::BAD_REQUEST,
        "INVALID_INPUT",
        "USER_ERROR",
        "Invalid input",
        &format!("Invalid `{field}`: {why}."),
    ))
}

fn not_found(field: &str, what: &str) -> Refusal {
    Box::new(juspay_error_info(
        StatusCode::NOT_FOUND,
        "RESOURCE_NOT_FOUND",
        "USER_ERROR",
        "Resource not found",
        &format!("`{field}`: {what}."),
    ))
}

fn invalid_action(why: &str) -> Refusal {
    Box::new(juspay_error_info(
        StatusCode::BAD_REQUEST,
        "INVALID_ACTION",
        "USER_ERROR",
        "Invalid action",
        why,
    ))
}

fn expired(field: &str, why: &str) -> Refusal {
    Box::new(juspay_error_info(
        StatusCode::BAD_REQUEST,
        "EXPIRED",
        "USER_ERROR",
        "Expired",
        &format!("`{field}`: {why}."),
    ))
}

/// `/validateOtp`'s own envelope [J-VOTP], with a non-`SUCCESS` status.
fn validate_failure(code: &str, message: &str) -> Response {
    json_status(
        StatusCode::OK,
        json!({"status": "FAILURE", "responseCode": code, "responseMessage": message}),
    )
}

// ---------------------------------------------------------------------------------------------
// Request parsing
// ---------------------------------------------------------------------------------------------

/// Whether the `Content-Type` media type is `expected` (parameters such as `charset` allowed).
fn content_type_is(headers: &HeaderMap, expected: &str) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|media| media.trim().eq_ignore_ascii_case(expected))
}

fn content_type_error(expected: &str) -> Refusal {
    Box::new(juspay_error_info(
        StatusCode::BAD_REQUEST,
        "INVALID_INPUT",
        "USER_ERROR",
        "Invalid input",
        &format!("Invalid `Content-Type`: this API takes `{expected}`."),
    ))
}

/// A JSON object body, sent as `application/json`.
fn json_body(headers: &HeaderMap, body: &[u8]) -> Result<Map<String, Value>, Refusal> {
    if !content_type_is(headers, "application/json") {
        return Err(content_type_error("application/json"));
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(invalid("body", "expected a JSON object")),
        Err(_) => Err(invalid("body", "the body is not valid JSON")),
    }
}

/// A JSON object and the dotted path it sits at, for field names in errors.
struct Obj<'a> {
    map: &'a Map<String, Value>,
    path: String,
}

impl<'a> Obj<'a> {
    fn root(map: &'a Map<String, Value>) -> Self {
        Self {
            map,
            path: String::new(),
        }
    }

    fn name(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_owned()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    /// A present, non-null value.
    fn get(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key).filter(|v| !v.is_null())
    }

    /// A mandatory non-blank string.
    fn str(&self, key: &str) -> Result<&'a str, Refusal> {
        match self.get(key) {
            None => Err(missing(&self.name(key))),
            Some(Value::String(s)) if s.trim().is_empty() => Err(missing(&self.name(key))),
            Some(Value::String(s)) => Ok(s),
            Some(_) => Err(invalid(&self.name(key), "expected a string")),
        }
    }

    /// An optional string; present means non-blank.
    fn opt_str(&self, key: &str) -> Result<Option<&'a str>, Refusal> {
        match self.get(key) {
            None => Ok(None),
            Some(_) => self.str(key).map(Some),
        }
    }

    /// A mandatory string that must be one of `allowed`.
    fn one_of(&self, key: &str, allowed: &[&str]) -> Result<&'a str, Refusal> {
        let value = self.str(key)?;
        if allowed.contains(&value) {
            Ok(value)
        } else {
            Err(invalid(
                &self.name(key),
                &format!("expected one of {}", allowed.join(", ")),
            ))
        }
    }

    /// A mandatory object.
    fn obj(&self, key: &str) -> Result<Obj<'a>, Refusal> {
        match self.get(key) {
            None => Err(missing(&self.name(key))),
            Some(Value::Object(map)) => Ok(Obj {
                map,
                path: self.name(key),
            }),
            Some(_) => Err(invalid(&self.name(key), "expected an object")),
        }
    }

    /// A mandatory positive amount, as a JSON number or a decimal string: in cents.
    fn amount(&self, key: &str, allow_zero: bool) -> Result<u64, Refusal> {
        let text = match self.get(key) {
            None => return Err(missing(&self.name(key))),
            Some(Value::String(s)) if s.trim().is_empty() => return Err(missing(&self.name(key))),
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            Some(_) => return Err(invalid(&self.name(key), "expected a decimal amount")),
        };
        match cents(&text) {
            Some(0) if !allow_zero => Err(invalid(&self.name(key), "the amount must be positive")),
            Some(value) => Ok(value),
            None => Err(invalid(
                &self.name(key),
                "expected a decimal amount with at most two decimals, such as 92.65",
            )),
        }
    }

    /// A mandatory ISO 4217 currency code.
    fn currency(&self, key: &str) -> Result<&'a str, Refusal> {
        let value = self.str(key)?;
        if value.len() == 3 && value.bytes().all(|b| b.is_ascii_uppercase()) {
            Ok(value)
        } else {
            Err(invalid(
                &self.name(key),
                "expected an ISO 4217 code: three uppercase letters",
            ))
        }
    }
}

/// `92.65` → 9265. At most two significant decimals (trailing zeros beyond are accepted), no
/// sign, no exponent.
fn cents(text: &str) -> Option<u64> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if !fraction.bytes().all(|b| b.is_ascii_digit()) || (text.contains('.') && fraction.is_empty())
    {
        return None;
    }
    if fraction.len() > 2 && !fraction[2..].bytes().all(|b| b == b'0') {
        return None;
    }
    let mut hundredths: u64 = 0;
    for (index, digit) in fraction.bytes().chain([b'0', b'0']).take(2).enumerate() {
        let weight = if index == 0 { 10 } else { 1 };
        hundredths += u64::from(digit - b'0') * weight;
    }
    whole
        .parse::<u64>()
        .ok()?
        .checked_mul(100)?
        .checked_add(hundredths)
}

fn format_cents(value: u64) -> String {
    format!("{}.{:02}", value / 100, value % 100)
}

fn all_digits(text: &str, min: usize, max: usize) -> bool {
    (min..=max).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit())
}

fn luhn_valid(number: &str) -> bool {
    luhn_sum(number.bytes().rev(), false) % 10 == 0
}

/// The Luhn sum of digits given right to left; `double_first` doubles the rightmost one (used to
/// compute a check digit).
fn luhn_sum(digits: impl Iterator<Item = u8>, double_first: bool) -> u32 {
    digits
        .enumerate()
        .map(|(index, byte)| {
            let digit = u32::from(byte.saturating_sub(b'0'));
            if (index % 2 == 1) != double_first {
                let doubled = digit * 2;
                if doubled > 9 { doubled - 9 } else { doubled }
            } else {
                digit
            }
        })
        .sum()
}

/// (year, month) of a unix time in milliseconds, UTC (Hinnant's civil-from-days).
fn year_month(unix_ms: u64) -> (u64, u64) {
    let days = i64::try_from(unix_ms / 86_400_000).unwrap_or(i64::MAX / 2);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (
        u64::try_from(year).unwrap_or(0),
        u64::try_from(month).unwrap_or(1),
    )
}

// ---------------------------------------------------------------------------------------------
// POST /card/tokenize
// ---------------------------------------------------------------------------------------------

/// Form fields (first value of each key).
fn form_fields(body: &[u8]) -> HashMap<String, String> {
    let mut fields = HashMap::new();
    for (key, value) in form_urlencoded::parse(body) {
        fields
            .entry(key.into_owned())
            .or_insert_with(|| value.into_owned());
    }
    fields
}

fn card_tokenize(shared: &Shared, headers: &HeaderMap, body: &[u8]) -> Result<Response, Refusal> {
    if !content_type_is(headers, "application/x-www-form-urlencoded") {
        return Err(content_type_error("application/x-www-form-urlencoded"));
    }
    let fields = form_fields(body);
    let field = |name: &str| -> Result<&str, Refusal> {
        fields
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.trim().is_empty())
            .ok_or_else(|| missing(name))
    };
    let merchant_id = field("merchant_id")?;
    let card_number = field("card_number")?;
    let exp_month = field("card_exp_month")?;
    let exp_year = field("card_exp_year")?;
    let cvv = field("card_security_code")?;
    if let Some(name) = fields.get("name_on_card")
        && name.trim().is_empty()
    {
        return Err(invalid("name_on_card", "empty when given"));
    }
    if merchant_id != shared.config.merchant_id {
        return Err(Box::new(juspay_unauthorized("Invalid merchant ID.")));
    }
    if !all_digits(card_number, 12, 19) || !luhn_valid(card_number) {
        return Err(invalid(
            "card_number",
            "expected 12 to 19 digits passing the Luhn check",
        ));
    }
    let month = match exp_month.parse::<u64>() {
        Ok(m) if exp_month.len() == 2 && (1..=12).contains(&m) => m,
        _ => return Err(invalid("card_exp_month", "expected MM, 01 to 12")),
    };
    if !all_digits(exp_year, 2, 2) {
        return Err(invalid("card_exp_year", "expected YY (two digits)"));
    }
    let year = 2000 + exp_year.parse::<u64>().unwrap_or(0);
    if !all_digits(cvv, 3, 4) {
        return Err(invalid("card_security_code", "expected 3 or 4 digits"));
    }
    let binding = if card_number == magic::CARD_CHALLENGED {
        Binding::Challenged
    } else {
        Binding::Approved
    };
    let mut vat = lock(&shared.vat);
    let now = vat.now_ms();
    if (year, month) < year_month(now) {
        return Err(invalid("card_exp_year", "the card has expired"));
    }
    let token = format!("ctkn_{}", base62(vat.mint(), 16));
    vat.card_tokens.insert(
        token.clone(),
        CardTokenEntry {
            binding,
            expires_at_ms: now.saturating_add(magic::CARD_TOKEN_TTL_MS),
        },
    );
    Ok(json_status(StatusCode::OK, json!({"token": token})))
}

fn base62(mut value: u64, length: usize) -> String {
    const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut out = String::with_capacity(length);
    for round in 0..length {
        if value == 0 {
            value = 0x2545_F491_4F6C_DD1D_u64.rotate_left(u32::try_from(round).unwrap_or(0));
        }
        out.push(char::from(
            ALPHABET[usize::try_from(value % 62).unwrap_or(0)],
        ));
        value /= 62;
    }
    out
}

// ---------------------------------------------------------------------------------------------
// POST /provision-token-passkey
// ---------------------------------------------------------------------------------------------

/// The fields every provision mode carries [J-PTP].
struct ProvisionCommon<'a> {
    customer_id: &'a str,
    client_reference_id: &'a str,
    platform_type: &'a str,
}

fn provision_token_passkey(
    shared: &Shared,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Response, Refusal> {
    let map = json_body(headers, body)?;
    let body = Obj::root(&map);
    let customer_id = body.str("customerId")?;
    let secure_token = body.obj("sessionContext")?.str("secureToken")?;
    match body.get("browserData") {
        None => return Err(missing("browserData")),
        Some(Value::Object(_)) => {}
        Some(Value::String(s)) if !s.trim().is_empty() => {}
        Some(Value::String(_)) => return Err(missing("browserData")),
        Some(_) => return Err(invalid("browserData", "expected an object")),
    }
    let client_reference_id = body.str("clientReferenceId")?;
    body.one_of("authFlowType", &["FIDO"])?;
    body.one_of("presentationType", &["AI_AGENT"])?;
    let platform_type = match body.get("platformType") {
        None => "WEB",
        Some(_) => body.one_of("platformType", &["WEB", "MOBILE_WEB"])?,
    };
    if let Some(popup) = body.get("shouldOpenAuthViaPopup")
        && !popup.is_boolean()
    {
        return Err(invalid("shouldOpenAuthViaPopup", "expected true or false"));
    }
    let amount = body.obj("amount")?;
    amount.currency("currency")?;
    amount.amount("total", false)?;
    let instrument = body.obj("paymentInstrument")?;
    let instrument_type = instrument.one_of("type", &["CARD_TOKEN", "V_PROV_TOKEN_ID"])?;
    let card_obj = instrument.str("cardObj")?;
    let attestation = body.obj("deviceAttestationObj")?;
    let reason = attestation.one_of("reasonCode", &["PAYMENT", "DEVICE_BINDING"])?;
    let action = attestation.one_of("actionToPerform", &["AUTHENTICATE", "REGISTER"])?;

    if !page::session_exists(shared, secure_token) {
        return Err(invalid(
            "sessionContext.secureToken",
            "not a session of the Visa page (use the secureToken of AUTH_SESSION_CREATED)",
        ));
    }
    let common = ProvisionCommon {
        customer_id,
        client_reference_id,
        platform_type,
    };
    match (instrument_type, reason, action) {
        ("CARD_TOKEN", "PAYMENT", "AUTHENTICATE") => provision_new_card(shared, &common, card_obj),
        ("V_PROV_TOKEN_ID", "DEVICE_BINDING", "REGISTER") => {
            provision_device_binding(shared, &common, card_obj)
        }
        ("V_PROV_TOKEN_ID", "PAYMENT", "AUTHENTICATE") => {
            provision_purchase(shared, &common, card_obj)
        }
        _ => Err(invalid(
            "deviceAttestationObj",
            "the combination of paymentInstrument.type, reasonCode and actionToPerform is not \
             one of CARD_TOKEN+PAYMENT+AUTHENTICATE (new card), \
             V_PROV_TOKEN_ID+DEVICE_BINDING+REGISTER (device binding), \
             V_PROV_TOKEN_ID+PAYMENT+AUTHENTICATE (purchase)",
        )),
    }
}

fn step_up_method_json(offer: &Offer) -> Value {
    let mut method = json!({
        "value": null, "requestPayload": null, "platformType": null, "subMethod": null,
        "identifier": offer.identifier, "method": offer.method, "source": null, "appID": null,
        "intentURL": null, "appPlatform": null, "appURL": null
    });
    let extra = match offer.method {
        "OTPSMS" => json!({"value": "+65 ****4321"}),
        "OTPEMAIL" => json!({"value": "c*******r@example.com"}),
        "CUSTOMERSERVICE" => json!({"value": "1800123456"}),
        _ => json!({
            "value": "Verify Online with Bank", "requestPayload": "", "platformType": "WEB",
            "subMethod": "THREE-DS", "source": "https://www.isa.sandbox.com"
        }),
    };
    if let (Some(target), Value::Object(extra)) = (method.as_object_mut(), extra) {
        target.extend(extra);
    }
    method
}

/// The documented step-up answer [J-PTP].
fn step_up_answer(token_id: &str, status: &str, offers: &[Offer]) -> Response {
    let methods: Vec<Value> = offers.iter().map(step_up_method_json).collect();
    vat_success(
        "payload",
        json!({
            "stepUpResponse": {
                "availableStepUpMethod": methods,
                "otpInfo": null,
                "deviceBindingStatus": status,
                "stepUpMethod": null
            },
            "vProvisionedTokenId": token_id
        }),
    )
}

/// The documented passkey hand-off [J-PTP].
fn ceremony_answer(ceremony: &page::IssuedCeremony, platform_type: &str) -> Response {
    vat_success(
        "payload",
        json!({
            "actionToBePerformed": ceremony.action,
            "authPreferencesEnabled": {"responseType": "code", "responseMode": "com_visa_web_message"},
            "platformType": platform_type,
            "payload": ceremony.payload,
            "identifier": ceremony.identifier,
            "endpoint": ceremony.endpoint
        }),
    )
}

fn new_offers(vat: &mut VatState) -> Vec<Offer> {
    OFFERED_METHODS
        .iter()
        .map(|method| Offer {
            identifier: base64::engine::general_purpose::STANDARD.encode(vat.hex32()),
            method,
        })
        .collect()
}

/// A Luhn-valid 16-digit Visa token number.
fn token_number(vat: &mut VatState) -> String {
    let body = format!("489537{:09}", vat.mint() % 1_000_000_000);
    let check = (10 - luhn_sum(body.bytes().rev(), true) % 10) % 10;
    format!("{body}{check}")
}

fn provision_new_card(
    shared: &Shared,
    common: &ProvisionCommon<'_>,
    card_token: &str,
) -> Result<Response, Refusal> {
    let mut vat = lock(&shared.vat);
    let now = vat.now_ms();
    let entry = vat
        .card_tokens
        .get(card_token)
        .cloned()
        .ok_or_else(|| not_found("paymentInstrument.cardObj", "no such card token"))?;
    if now > entry.expires_at_ms {
        return Err(expired(
            "paymentInstrument.cardObj",
            "the card token has expired (card tokens live 15 minutes)",
        ));
    }
    let token_id = vat.hex32();
    let offers = if entry.binding == Binding::Challenged {
        new_offers(&mut vat)
    } else {
        Vec::new()
    };
    let number = token_number(&mut vat);
    vat.tokens.insert(
        token_id.clone(),
        ProvisionedToken {
            customer_id: common.customer_id.to_owned(),
            client_reference_id: common.client_reference_id.to_owned(),
            binding: entry.binding,
            offers: offers.clone(),
            challenges: HashMap::new(),
            active: None,
            token_number: number,
            enrollment_reference: None,
        },
    );
    Counters::bump(&shared.counters.tokens_provisioned);
    let status = if entry.binding == Binding::Challenged {
        "CHALLENGED"
    } else {
        "APPROVED"
    };
    Ok(step_up_answer(&token_id, status, &offers))
}

/// The token `token_id`, owned by `customer_id`.
fn owned_token<'a>(
    vat: &'a mut VatState,
    token_id: &str,
    field: &str,
    customer_id: &str,
) -> Result<&'a mut ProvisionedToken, Refusal> {
    let token = vat
        .tokens
        .get_mut(token_id)
        .ok_or_else(|| not_found(field, "no such vProvisionedTokenId"))?;
    if token.customer_id != customer_id {
        return Err(invalid(
            "customerId",
            "the token belongs to another customer",
        ));
    }
    Ok(token)
}

fn same_session(token: &ProvisionedToken, client_reference_id: &str) -> Result<(), Refusal> {
    if token.client_reference_id == client_reference_id {
        Ok(())
    } else {
        Err(invalid(
            "clientReferenceId",
            "not the clientReferenceId this token was provisioned with (one id per journey)",
        ))
    }
}

fn provision_device_binding(
    shared: &Shared,
    common: &ProvisionCommon<'_>,
    token_id: &str,
) -> Result<Response, Refusal> {
    let mut vat = lock(&shared.vat);
    let token = owned_token(
        &mut vat,
        token_id,
        "paymentInstrument.cardObj",
        common.customer_id,
    )?;
    same_session(token, common.client_reference_id)?;
    if !token.binding.cleared() {
        // The issuer still challenges the binding: the documented step-up answer again.
        let offers = token.offers.clone();
        return Ok(step_up_answer(token_id, "CHALLENGED", &offers));
    }
    drop(vat);
    let ceremony = page::new_ceremony(shared, "REGISTER", token_id);
    Ok(ceremony_answer(&ceremony, common.platform_type))
}

fn provision_purchase(
    shared: &Shared,
    common: &ProvisionCommon<'_>,
    token_id: &str,
) -> Result<Response, Refusal> {
    let mut vat = lock(&shared.vat);
    let offered = !owned_token(
        &mut vat,
        token_id,
        "paymentInstrument.cardObj",
        common.customer_id,
    )?
    .offers
    .is_empty();
    if !page::has_passkey(shared, token_id) {
        // No passkey on this device: the issuer challenges (the SDK asks to enroll again).
        if !offered {
            let offers = new_offers(&mut vat);
            if let Some(token) = vat.tokens.get_mut(token_id) {
                token.offers = offers;
            }
        }
        let offers = vat
            .tokens
            .get(token_id)
            .map(|token| token.offers.clone())
            .unwrap_or_default();
        return Ok(step_up_answer(token_id, "CHALLENGED", &offers));
    }
    let ceremony = page::new_ceremony(shared, "AUTHENTICATE", token_id);
    vat.purchase_ceremonies.insert(
        ceremony.identifier.clone(),
        PurchaseCeremony {
            token: token_id.to_owned(),
            client_reference_id: common.client_reference_id.to_owned(),
        },
    );
    Ok(ceremony_answer(&ceremony, common.platform_type))
}

// ---------------------------------------------------------------------------------------------
// POST /initiateVerification and POST /validateOtp
// ---------------------------------------------------------------------------------------------

/// `tokenReference`, `vProvisionedTokenId` and `clientReferenceId` of the OTP calls, checked
/// against the token: returns it.
fn otp_token<'a>(
    vat: &'a mut VatState,
    body: &Obj<'_>,
) -> Result<(&'a mut ProvisionedToken, String), Refusal> {
    let token_reference = body.str("tokenReference")?;
    let token_id = body.str("vProvisionedTokenId")?;
    let client_reference_id = body.str("clientReferenceId")?;
    let token = vat
        .tokens
        .get_mut(token_id)
        .ok_or_else(|| not_found("vProvisionedTokenId", "no such vProvisionedTokenId"))?;
    if token_reference != token_id {
        return Err(invalid(
            "tokenReference",
            "does not match vProvisionedTokenId (the token reference is the provisioned token id)",
        ));
    }
    same_session(token, client_reference_id)?;
    Ok((token, token_id.to_owned()))
}

fn trigger_otp(shared: &Shared, headers: &HeaderMap, body: &[u8]) -> Result<Response, Refusal> {
    let map = json_body(headers, body)?;
    let body = Obj::root(&map);
    body.str("tokenReference")?;
    body.str("vProvisionedTokenId")?;
    body.str("clientReferenceId")?;
    let step_up_request_id = body.str("stepUpRequestId")?;
    let mut vat = lock(&shared.vat);
    let now = vat.now_ms();
    let (token, _) = otp_token(&mut vat, &body)?;
    match token.binding {
        Binding::Challenged => {}
        Binding::Approved => {
            return Err(invalid_action(
                "Device binding of this token was approved without a step-up: there is no OTP to send.",
            ));
        }
        Binding::Verified => {
            return Err(invalid_action(
                "The step-up of this token is already complete: there is no OTP to send.",
            ));
        }
    }
    let method = token
        .offers
        .iter()
        .find(|offer| offer.identifier == step_up_request_id)
        .map(|offer| offer.method)
        .ok_or_else(|| {
            invalid(
                "stepUpRequestId",
                "not the identifier of a step-up method offered for this token",
            )
        })?;
    if method == magic::METHOD_DELIVERY_FAILS {
        return Ok(vat_failure(
            "OTP_DELIVERY_FAILED",
            "Selected validation method is not available: the OTP could not be delivered.",
        ));
    }
    if !matches!(method, "OTPSMS" | "OTPEMAIL") {
        return Ok(vat_failure(
            "INVALID_STEP_UP_METHOD",
            "The selected step-up method does not use an OTP.",
        ));
    }
    let challenge = token
        .challenges
        .entry(step_up_request_id.to_owned())
        .or_insert(OtpChallenge {
            sends: 0,
            verifications: 0,
            expires_at_ms: 0,
        });
    if challenge.sends >= magic::MAX_OTP_REQUESTS {
        return Ok(vat_failure(
            "MAX_LIMIT_EXCEEDED",
            "Max OTP send limit exceeded.",
        ));
    }
    challenge.sends += 1;
    challenge.expires_at_ms = now.saturating_add(u64::from(magic::OTP_EXPIRY_MINUTES) * 60_000);
    token.active = Some(step_up_request_id.to_owned());
    Counters::bump(&shared.counters.otps_sent);
    Ok(vat_success(
        "response",
        json!({
            "maxOTPVerificationAllowed": magic::MAX_OTP_VERIFICATIONS,
            "maxOTPRequestsAllowed": magic::MAX_OTP_REQUESTS,
            "codeExpiration": magic::OTP_EXPIRY_MINUTES
        }),
    ))
}

fn validate_otp(shared: &Shared, headers: &HeaderMap, body: &[u8]) -> Result<Response, Refusal> {
    let map = json_body(headers, body)?;
    let body = Obj::root(&map);
    body.str("tokenReference")?;
    let otp_value = body.str("otpValue")?;
    body.str("clientReferenceId")?;
    body.one_of("networkType", &["VISA"])?;
    body.str("vProvisionedTokenId")?;
    if !all_digits(otp_value, 4, 8) {
        return Err(invalid("otpValue", "expected 4 to 8 digits"));
    }
    let mut vat = lock(&shared.vat);
    let now = vat.now_ms();
    let (token, _) = otp_token(&mut vat, &body)?;
    if token.binding.cleared() {
        return Err(invalid_action(
            "Device binding of this token is already approved: there is no OTP to validate.",
        ));
    }
    let active = token.active.clone().ok_or_else(|| {
        invalid_action(
            "No OTP was sent for this token: call /initiateVerification before /validateOtp.",
        )
    })?;
    let Some(challenge) = token.challenges.get_mut(&active) else {
        return Err(invalid_action(
            "No OTP was sent for this token: call /initiateVerification before /validateOtp.",
        ));
    };
    if challenge.verifications >= magic::MAX_OTP_VERIFICATIONS {
        return Ok(validate_failure(
            "MAX_LIMIT_EXCEEDED",
            "Maximum OTP verification attempts exceeded.",
        ));
    }
    if now > challenge.expires_at_ms {
        return Ok(validate_failure(
            "EXPIRED",
            "The OTP has expired: request a new one.",
        ));
    }
    challenge.verifications += 1;
    if otp_value != magic::RIGHT_OTP {
        return Ok(validate_failure(
            "INVALID_OTP",
            "The OTP entered is incorrect.",
        ));
    }
    token.binding = Binding::Verified;
    token.active = None;
    Ok(json_status(
        StatusCode::OK,
        json!({"status": "SUCCESS", "responseCode": null, "responseMessage": null}),
    ))
}

// ---------------------------------------------------------------------------------------------
// POST /enrollInAgenticService
// ---------------------------------------------------------------------------------------------

fn enroll_in_agentic_service(
    shared: &Shared,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Response, Refusal> {
    let map = json_body(headers, body)?;
    let body = Obj::root(&map);
    let client_reference_id = body.str("clientReferenceId")?;
    let token_id = body.str("vProvisionedTokenId")?;
    let user = body.obj("userDetails")?;
    let customer_id = user.str("customerId")?;
    user.one_of("identityType", &["EMAIL_ADDRESS", "MOBILE_PHONE_NUMBER"])?;
    let country = user.str("countryCode")?;
    if country.len() != 2 || !country.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(invalid(
            "userDetails.countryCode",
            "expected an ISO 3166-1 alpha-2 code",
        ));
    }
    let app = body.obj("appDetails")?;
    app.str("userAgent")?;
    if app.str("ipAddress")?.parse::<std::net::IpAddr>().is_err() {
        return Err(invalid("appDetails.ipAddress", "expected an IP address"));
    }
    if app.get("deviceData").is_some() {
        app.obj("deviceData")?;
    }
    if let Some(name) = body.get("appName")
        && !name.is_string()
    {
        return Err(invalid("appName", "expected a string"));
    }
    body.one_of("networkType", &["VISA"])?;

    let mut vat = lock(&shared.vat);
    let seconds = vat.now_ms() / 1000;
    let serial = vat.mint();
    let token = vat
        .tokens
        .get_mut(token_id)
        .ok_or_else(|| not_found("vProvisionedTokenId", "no such vProvisionedTokenId"))?;
    if token.customer_id != customer_id {
        return Err(invalid(
            "userDetails.customerId",
            "the token belongs to another customer",
        ));
    }
    same_session(token, client_reference_id)?;
    if !token.binding.cleared() {
        return Err(invalid_action(
            "Device binding of this token is not complete: clear the step-up first.",
        ));
    }
    if !page::has_passkey(shared, token_id) {
        return Err(invalid_action(
            "No passkey is registered for this token: complete the REGISTER ceremony first.",
        ));
    }
    let reference = token
        .enrollment_reference
        .get_or_insert_with(|| {
            format!(
                "1_{seconds}_{:03}_sbx_{}_IAMRB",
                serial % 1000,
                base62(serial >> 10, 10).to_ascii_lowercase()
            )
        })
        .clone();
    Counters::bump(&shared.counters.enrollments);
    Ok(vat_success(
        "payload",
        json!({
            "status": "ACTIVE",
            "referenceId": reference,
            "clientReferenceId": client_reference_id,
            "vProvisionedTokenId": token_id
        }),
    ))
}

// ---------------------------------------------------------------------------------------------
// POST /cards/setUpAgenticPaymentInstruction
// ---------------------------------------------------------------------------------------------

/// Above this, `effectiveUntilTime` is not unix seconds (the year 5138 in seconds; a time in
/// milliseconds is far above it).
const MAX_UNIX_SECONDS: u64 = 99_999_999_999;

fn setup_agentic_payment_instruction(
    shared: &Shared,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Response, Refusal> {
    let map = json_body(headers, body)?;
    let body = Obj::root(&map);
    body.one_of("cardNetwork", &["VISA"])?;
    let client_reference_id = body.str("clientReferenceId")?;
    let token_id = body.str("vProvisionedTokenId")?;
    let customer_id = body.str("customerId")?;
    let verification = body.obj("verificationData")?;
    verification.one_of("verifyType", &["FIDO"])?;
    let identifier = verification.str("identifier")?;
    let fido_blob = verification.str("fidoBlob")?;
    verification.opt_str("dfpSessionId")?;
    let mandates = match body.get("mandates") {
        None => return Err(missing("mandates")),
        Some(Value::Array(items)) if items.is_empty() => return Err(missing("mandates")),
        Some(Value::Array(items)) => items,
        Some(_) => return Err(invalid("mandates", "expected an array")),
    };
    let mut limit: Option<(u64, String, u64)> = None;
    for (index, mandate) in mandates.iter().enumerate() {
        let Value::Object(mandate) = mandate else {
            return Err(invalid(&format!("mandates[{index}]"), "expected an object"));
        };
        let mandate = Obj {
            map: mandate,
            path: format!("mandates[{index}]"),
        };
        let threshold = mandate.obj("declineThreshold")?;
        let amount = threshold.amount("amount", false)?;
        let currency = threshold.currency("currencyCode")?;
        let until = match mandate.get("effectiveUntilTime") {
            None => return Err(missing(&mandate.name("effectiveUntilTime"))),
            Some(Value::Number(n)) => n.as_u64(),
            Some(Value::String(s)) => s.parse::<u64>().ok(),
            Some(_) => None,
        };
        let until = match until {
            Some(seconds) if seconds > 0 && seconds <= MAX_UNIX_SECONDS => seconds,
            _ => {
                return Err(invalid(
                    &mandate.name("effectiveUntilTime"),
                    "expected a positive time in unix seconds",
                ));
            }
        };
        mandate.opt_str("description")?;
        if limit.is_none() {
            limit = Some((amount, currency.to_owned(), until));
        }
    }
    let Some((limit_cents, currency, effective_until_s)) = limit else {
        return Err(missing("mandates"));
    };

    let mut vat = lock(&shared.vat);
    let now_s = vat.now_ms() / 1000;
    if effective_until_s <= now_s {
        return Err(invalid(
            "mandates[0].effectiveUntilTime",
            "the time is in the past",
        ));
    }
    let id = format!("ins_{}", vat.hex32());
    let token = owned_token(&mut vat, token_id, "vProvisionedTokenId", customer_id)?;
    if token.enrollment_reference.is_none() {
        return Err(invalid_action(
            "This token is not enrolled in Visa Intelligent Commerce: call /enrollInAgenticService first.",
        ));
    }
    let ceremony_ok = vat.purchase_ceremonies.get(identifier).cloned();
    let Some(ceremony) = ceremony_ok.filter(|c| c.token == token_id) else {
        return Err(invalid(
            "verificationData.identifier",
            "not the identifier of a purchase (AUTHENTICATE) ceremony for this token",
        ));
    };
    if ceremony.client_reference_id != client_reference_id {
        return Err(invalid(
            "clientReferenceId",
            "not the clientReferenceId of the purchase call that issued this ceremony",
        ));
    }
    if !page::assurance_valid(shared, identifier, fido_blob) {
        return Err(invalid(
            "verificationData.fidoBlob",
            "not the result of the completed passkey ceremony `verificationData.identifier`",
        ));
    }
    vat.instructions.insert(
        client_reference_id.to_owned(),
        Instruction {
            id: id.clone(),
            token: token_id.to_owned(),
            limit_cents,
            currency,
            effective_until_s,
        },
    );
    Ok(vat_success(
        "payload",
        json!({
            "instructionId": id,
            "status": "ACTIVE",
            "clientReferenceId": client_reference_id,
            "vProvisionedTokenId": token_id
        }),
    ))
}

// ---------------------------------------------------------------------------------------------
// POST /cards/fetchAgenticTransactCreds
// ---------------------------------------------------------------------------------------------

fn fetch_payment_credentials(
    shared: &Shared,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Response, Refusal> {
    let map = json_body(headers, body)?;
    let body = Obj::root(&map);
    body.one_of("networkType", &["VISA"])?;
    let token_id = body.str("vProvisionedTokenId")?;
    let client_reference_id = body.str("clientReferenceId")?;
    body.str("nwTransactionId")?;
    let details = match body.get("transactionDetails") {
        None => return Err(missing("transactionDetails")),
        Some(Value::Array(items)) if items.is_empty() => return Err(missing("transactionDetails")),
        Some(Value::Array(items)) => items,
        Some(_) => return Err(invalid("transactionDetails", "expected an array")),
    };
    let mut total: u64 = 0;
    let mut currencies: Vec<&str> = Vec::new();
    for (index, detail) in details.iter().enumerate() {
        let Value::Object(detail) = detail else {
            return Err(invalid(
                &format!("transactionDetails[{index}]"),
                "expected an object",
            ));
        };
        let detail = Obj {
            map: detail,
            path: format!("transactionDetails[{index}]"),
        };
        detail.str("transactionId")?;
        detail.one_of("transactionType", &["PURCHASE"])?;
        let amount = detail.obj("transactionAmount")?;
        total = total.saturating_add(amount.amount("totalAmount", false)?);
        if amount.get("subTotalAmount").is_some() {
            amount.amount("subTotalAmount", true)?;
        }
        if amount.get("tax").is_some() {
            amount.amount("tax", true)?;
        }
        currencies.push(amount.currency("currencyCode")?);
        detail.str("orderId")?;
        if detail.get("shippingAddress").is_some() {
            detail.obj("shippingAddress")?;
        }
    }

    let mut vat = lock(&shared.vat);
    let now = vat.now_ms();
    if !vat.tokens.contains_key(token_id) {
        return Err(not_found(
            "vProvisionedTokenId",
            "no such vProvisionedTokenId",
        ));
    }
    let instruction = vat
        .instructions
        .get(client_reference_id)
        .filter(|i| i.token == token_id)
        .cloned()
        .ok_or_else(|| {
            invalid_action(
                "No payment instruction is set up for this clientReferenceId and token: call \
                 /cards/setUpAgenticPaymentInstruction first.",
            )
        })?;
    if now / 1000 >= instruction.effective_until_s {
        return Ok(vat_failure(
            "EXPIRED",
            "The payment instruction has expired.",
        ));
    }
    if currencies.iter().any(|c| *c != instruction.currency) {
        return Ok(vat_failure(
            "DECLINED",
            "The transaction currency is not the payment instruction's.",
        ));
    }
    if total > instruction.limit_cents {
        return Ok(vat_failure(
            "DECLINED",
            &format!(
                "The transaction amount {} exceeds the payment instruction's decline threshold {}.",
                format_cents(total),
                format_cents(instruction.limit_cents)
            ),
        ));
    }
    let (year, month) = year_month(now);
    let cryptogram = format!("{:03}", vat.mint() % 1000);
    let reference = format!("sbx-txn-{}", vat.hex32());
    let Some(token) = vat.tokens.get(token_id) else {
        return Err(not_found(
            "vProvisionedTokenId",
            "no such vProvisionedTokenId",
        ));
    };
    let number = token.token_number.clone();
    Counters::bump(&shared.counters.charges);
    Ok(vat_success(
        "payload",
        json!({
            "tokenNumber": number,
            "expirationMonth": format!("{month:02}"),
            "expirationYear": format!("{}", year + 3),
            "dynamicData": [{"dynamicDataType": "DTVV", "dynamicDataValue": cryptogram}],
            "transactionReferenceId": reference,
            "instructionId": instruction.id,
            "status": "SUCCESS"
        }),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cents_parse_decimal_amounts() {
        assert_eq!(cents("92.65"), Some(9265));
        assert_eq!(cents("11.1"), Some(1110));
        assert_eq!(cents("11.10"), Some(1110));
        assert_eq!(cents("11.100"), Some(1110));
        assert_eq!(cents("7"), Some(700));
        assert_eq!(cents("0.00"), Some(0));
        assert_eq!(cents("11.105"), None);
        assert_eq!(cents("-1"), None);
        assert_eq!(cents("1e3"), None);
        assert_eq!(cents("1."), None);
        assert_eq!(cents(".5"), None);
        assert_eq!(cents(""), None);
    }

    #[test]
    fn luhn_and_generated_token_numbers() {
        assert!(luhn_valid(magic::CARD_CHALLENGED));
        assert!(luhn_valid(magic::CARD_APPROVED));
        assert!(!luhn_valid("4242424242424241"));
        let mut vat = VatState::default();
        for _ in 0..50 {
            let number = token_number(&mut vat);
            assert_eq!(number.len(), 16);
            assert!(luhn_valid(&number), "{number}");
        }
    }

    #[test]
    fn year_month_of_known_dates() {
        assert_eq!(year_month(0), (1970, 1));
        // 2024-02-29T12:00:00Z
        assert_eq!(year_month(1_709_208_000_000), (2024, 2));
        // 2025-12-31T23:59:59Z
        assert_eq!(year_month(1_767_225_599_000), (2025, 12));
        // 2026-01-01T00:00:00Z
        assert_eq!(year_month(1_767_225_600_000), (2026, 1));
    }
}
