//! Juspay Express Checkout / Direct OTP (API.md §5): card BIN eligibility, orders, native-OTP
//! transactions with resend and the 3-D Secure fallback page, and order status.
//!
//! ```text
//! GET  /cardbins/{card_bin}?merchant_id=…&options.check_direct_otp_support=true   [J-CE]
//! POST /orders                                                                    [J-ORDER]
//! POST /txns                   (auth_type=OTP)                                    [J-SA]
//! POST /v2/txns/{id}/authenticate                                                 [J-POTP]
//! POST /v2/txns/{id}/authenticate/{challenge_id}/resend                           [J-ROTP]
//! GET  /orders/{order_id}                                                         (order status)
//! GET  /v2/pay/start/guest/{id}  the bank / 3-D Secure page a browser visits ([`BANK_PAGE_ROUTE`])
//! ```
//!
//! Rules the simulator enforces (Basic auth and `x-merchantid` are checked by the layer around
//! this router):
//!
//! - Bodies are `application/x-www-form-urlencoded` [J-ECINTRO] (`/orders`, `/txns`,
//!   `/authenticate`); anything else is `400 invalid_request_error / invalid`.
//! - `x-routing-id` is required on `/txns`, `/authenticate` and `/resend` [J-SA, J-POTP, J-ROTP].
//!   The first call of an order that carries one (`/orders` may, `/txns` must) binds it; every
//!   later call of that order that carries one must repeat it, else
//!   `400 invalid_request_error / invalid`.
//! - Errors use the Express Checkout envelope `{status, error_code, error_message}`:
//!   `400 invalid_request_error / invalid` for a bad request (the invalid BIN answer is exactly
//!   the documented `{"status":"invalid_request_error","error_code":"invalid"}`),
//!   `400 invalid_request_error / already_exists` for a duplicate `order_id`,
//!   `404 error / not_found` for an unknown order or transaction, and J-ROTP's
//!   `400 Invalid Request / max_limit_exceeded` past the OTP send limit.
//! - An order is paid at most once: once a transaction of it is `CHARGED` or `AUTHORIZED`, a new
//!   `/txns`, an `/authenticate` or a bank-page completion of any of its transactions changes
//!   nothing (`charges` counts each payment once). A failed or still pending order takes a new
//!   `/txns` (a new transaction, `txn_id` `{merchant_id}-{order_id}-{n}`); the order reports the
//!   status of its successful transaction, else of its latest one, else `NEW`.
//! - A native challenge: `times_otp_sent` starts at 1 (`otps_sent` + 1) and each resend adds one
//!   up to [`magic::EC_MAX_OTP_SENDS`]; `current_attempt` starts at 1 and each wrong OTP adds one;
//!   the [`magic::EC_MAX_ATTEMPTS`]-th wrong OTP ends `AUTHENTICATION_FAILED`. Refused requests
//!   (bad form, wrong challenge, wrong routing id) use no attempt and send no OTP.
//! - The bank page completes a pending transaction when visited (`GET`); visiting again, or
//!   authenticating a finished transaction, changes nothing.
//!
//! Magic values ([`crate::magic`] plus [`FALLBACK_BIN`]): card `4242424242424242` (and every card
//! not listed) gets the native OTP challenge; cards of BIN `400000` (`4000000000003220`) fall back
//! to the redirect page and report `direct_otp_support: false`; OTP `456789` is right; order
//! amount `13.51` ends `AUTHORIZATION_FAILED` after authentication, `13.52` ends
//! `JUSPAY_DECLINED` at `/txns`; `auto_capture=false` gives `AUTHORIZED`.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Map, Value, json};

use crate::magic;
use crate::reply::{ec_error, json_status};
use crate::state::{Counters, Shared, lock};

/// Cards whose BIN starts with this fall back to the 3-D Secure redirect at `/txns` and report
/// `direct_otp_support: false` at `/cardbins` (the BIN of [`magic::CARD_3DS_FALLBACK`]).
pub const FALLBACK_BIN: &str = "400000";

/// The bank / 3-D Secure page a card holder's browser visits (the redirect `url` and a native
/// challenge's `fallback_url`). A browser sends no API credentials: the authentication layer
/// should exempt this route.
pub const BANK_PAGE_ROUTE: &str = "/v2/pay/start/guest/{id}";

/// The issuing bank every sandbox card reports (J-SA's sample value).
pub const ISSUER_BANK: &str = "AXIS BANK LTD";

/// The gateway every sandbox payment goes through (Juspay's dummy gateway).
pub const GATEWAY: &str = "DUMMY";

const FORM_CONTENT_TYPE: &str = "application/x-www-form-urlencoded";
const ROUTING_HEADER: &str = "x-routing-id";
/// Lifetime of a client auth token [J-ECINTRO: "a 15min valid token"].
const CLIENT_AUTH_TOKEN_TTL_MS: u64 = 15 * 60 * 1000;
/// Amounts are held in hundredths, up to the largest value exact as an `f64` JSON number.
const MAX_MINOR_UNITS: u64 = 1 << 50;

/// (method, route pattern, operation) of every route, for fault injection and logs. The
/// operations are `agentic-core`'s `Endpoint::OPERATION` names; the bank page is a browser
/// page (no Basic auth, no `x-merchantid`) with a sandbox-only name.
pub const OPERATIONS: &[(&str, &str, &str)] = &[
    (
        "GET",
        "/cardbins/{card_bin}",
        "juspay_ec.card_bin_eligibility",
    ),
    ("POST", "/orders", "juspay_ec.create_order"),
    ("POST", "/txns", "juspay_ec.start_authentication"),
    (
        "POST",
        "/v2/txns/{id}/authenticate",
        "juspay_ec.process_otp",
    ),
    (
        "POST",
        "/v2/txns/{id}/authenticate/{challenge_id}/resend",
        "juspay_ec.resend_otp",
    ),
    ("GET", "/orders/{order_id}", "juspay_ec.order_status"),
    ("GET", BANK_PAGE_ROUTE, "juspay_ec.bank_page"),
];

/// The provider's routes.
pub fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route("/cardbins/{card_bin}", get(card_bin))
        .route("/orders", post(create_order))
        .route("/orders/{order_id}", get(order_status))
        .route("/txns", post(start_authentication))
        .route("/v2/txns/{id}/authenticate", post(process_otp))
        .route(
            "/v2/txns/{id}/authenticate/{challenge_id}/resend",
            post(resend_otp),
        )
        .route(BANK_PAGE_ROUTE, get(bank_page))
}

// ---------------------------------------------------------------------------------------------
// State
// ---------------------------------------------------------------------------------------------

/// This provider's state: orders by `order_id`, transactions by `txn_uuid`.
#[derive(Debug, Default)]
pub struct EcState {
    orders: HashMap<String, Order>,
    txns: HashMap<String, Txn>,
    next: u64,
}

impl EcState {
    /// The status an order reports (`NEW`, `PENDING_VBV`, `CHARGED` …), if the order exists.
    pub fn order_status(&self, order_id: &str) -> Option<&'static str> {
        self.orders
            .get(order_id)
            .map(|order| self.order_view(order).0.as_str())
    }

    /// A transaction's status, by its `txn_uuid` (the `{id}` of the authenticate path).
    pub fn txn_status(&self, txn_uuid: &str) -> Option<&'static str> {
        self.txns.get(txn_uuid).map(|txn| txn.status.as_str())
    }

    fn mint(&mut self, prefix: &str) -> String {
        self.next += 1;
        format!("{prefix}{:x}{:06}", Shared::now_ms(), self.next)
    }

    /// Whether a transaction of `order` succeeded.
    fn is_paid(&self, order: &Order) -> bool {
        order
            .txns
            .iter()
            .any(|uuid| self.txns.get(uuid).is_some_and(|t| t.status.is_success()))
    }

    /// The order's status and the transaction it comes from: the successful transaction if
    /// any, else the latest one, else `NEW`.
    fn order_view<'a>(&'a self, order: &Order) -> (Status, Option<&'a Txn>) {
        let txns = || order.txns.iter().filter_map(|uuid| self.txns.get(uuid));
        let chosen = txns()
            .find(|t| t.status.is_success())
            .or_else(|| txns().next_back());
        (chosen.map_or(Status::New, |t| t.status), chosen)
    }
}

#[derive(Debug, Clone)]
struct Order {
    id: String,
    order_id: String,
    amount_minor: u64,
    currency: String,
    customer_id: Option<String>,
    customer_email: Option<String>,
    customer_phone: Option<String>,
    return_url: Option<String>,
    routing_id: Option<String>,
    created_ms: u64,
    txns: Vec<String>,
}

#[derive(Debug, Clone)]
struct Txn {
    uuid: String,
    txn_id: String,
    order_id: String,
    status: Status,
    auth: Auth,
    card: Card,
    created_ms: u64,
    updated_ms: u64,
}

#[derive(Debug, Clone)]
enum Auth {
    /// Native OTP challenge.
    Otp {
        challenge_id: String,
        times_otp_sent: u32,
        wrong_attempts: u32,
    },
    /// Redirect to the bank page (3-D Secure fallback).
    Redirect,
    /// None: declined at `/txns`.
    None,
}

#[derive(Debug, Clone)]
struct Card {
    isin: Option<String>,
    last_four: Option<String>,
    exp_month: Option<String>,
    exp_year: Option<String>,
    brand: String,
    name: Option<String>,
    saved_card: bool,
    save_to_locker: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    New,
    PendingVbv,
    Charged,
    Authorized,
    AuthenticationFailed,
    AuthorizationFailed,
    JuspayDeclined,
}

impl Status {
    fn as_str(self) -> &'static str {
        match self {
            Self::New => "NEW",
            Self::PendingVbv => "PENDING_VBV",
            Self::Charged => "CHARGED",
            Self::Authorized => "AUTHORIZED",
            Self::AuthenticationFailed => "AUTHENTICATION_FAILED",
            Self::AuthorizationFailed => "AUTHORIZATION_FAILED",
            Self::JuspayDeclined => "JUSPAY_DECLINED",
        }
    }

    /// J-STATUS ids. `AUTHORIZED` has no id in the reference (v3.2 prints 24, which is
    /// `VBV_SUCCESSFUL`'s): *provisional* 25, the free id between 24 and 26.
    fn id(self) -> u32 {
        match self {
            Self::New => 10,
            Self::Charged => 21,
            Self::JuspayDeclined => 22,
            Self::PendingVbv => 23,
            Self::Authorized => 25,
            Self::AuthenticationFailed => 26,
            Self::AuthorizationFailed => 27,
        }
    }

    fn is_success(self) -> bool {
        matches!(self, Self::Charged | Self::Authorized)
    }

    /// `(resp_code, resp_message)` the gateway reports.
    fn response_code(self) -> (Option<&'static str>, &'static str) {
        match self {
            Self::New | Self::PendingVbv => (None, ""),
            Self::Charged | Self::Authorized => (Some("00"), ""),
            Self::AuthenticationFailed => (Some("AUTHENTICATION_FAILED"), "OTP attempts exhausted"),
            Self::AuthorizationFailed => (Some("05"), "Do not honour"),
            Self::JuspayDeclined => (Some("JUSPAY_DECLINED"), "Declined by the gateway"),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Errors and request helpers
// ---------------------------------------------------------------------------------------------

/// A refused request: the Express Checkout error envelope `{status, error_code,
/// error_message}` [J-SA, J-CE, J-ROTP], built into a response at the end of the handler.
#[derive(Debug)]
struct Refusal {
    http: StatusCode,
    status: &'static str,
    code: &'static str,
    /// `None` only for the documented BIN answer, which has no message [J-CE v3.2].
    message: Option<String>,
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        match self.message {
            Some(message) => ec_error(self.http, self.status, self.code, &message),
            None => json_status(
                self.http,
                json!({"status": self.status, "error_code": self.code}),
            ),
        }
    }
}

/// The handler's answer: a response, or a refusal.
fn reply(result: Result<Response, Refusal>) -> Response {
    result.unwrap_or_else(IntoResponse::into_response)
}

fn bad_request(message: &str) -> Refusal {
    Refusal {
        http: StatusCode::BAD_REQUEST,
        status: "invalid_request_error",
        code: "invalid",
        message: Some(message.to_owned()),
    }
}

fn missing(field: &str) -> Refusal {
    bad_request(&format!("Missing mandatory parameter: {field}"))
}

fn invalid(field: &str, expected: &str) -> Refusal {
    bad_request(&format!("Invalid value for {field}: expected {expected}"))
}

fn not_found(what: &str) -> Refusal {
    Refusal {
        http: StatusCode::NOT_FOUND,
        status: "error",
        code: "not_found",
        message: Some(format!("{what} not found")),
    }
}

fn already_exists(order_id: &str) -> Refusal {
    Refusal {
        http: StatusCode::BAD_REQUEST,
        status: "invalid_request_error",
        code: "already_exists",
        message: Some(format!("Order with order_id {order_id} already exists")),
    }
}

/// The documented answer to a BIN that is not 6–9 digits, exactly [J-CE v3.2].
fn invalid_bin() -> Refusal {
    Refusal {
        http: StatusCode::BAD_REQUEST,
        status: "invalid_request_error",
        code: "invalid",
        message: None,
    }
}

fn routing_mismatch() -> Refusal {
    bad_request("x-routing-id does not match the one used for this order")
}

/// The documented answer past the OTP send limit [J-ROTP].
fn max_limit_exceeded() -> Refusal {
    Refusal {
        http: StatusCode::BAD_REQUEST,
        status: "Invalid Request",
        code: "max_limit_exceeded",
        message: Some("Max OTP send limit exceeded.".to_owned()),
    }
}

fn body_unreadable() -> Refusal {
    bad_request("The request body could not be read")
}

fn path_invalid() -> Refusal {
    bad_request("Invalid path parameter")
}

/// The body must be form-encoded (parameters such as `; charset=utf-8` are allowed).
fn require_form(headers: &HeaderMap) -> Result<(), Refusal> {
    let media_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(str::trim);
    match media_type {
        Some(t) if t.eq_ignore_ascii_case(FORM_CONTENT_TYPE) => Ok(()),
        _ => Err(bad_request(
            "Content-Type must be application/x-www-form-urlencoded",
        )),
    }
}

/// `x-routing-id`, trimmed; `None` when absent or blank.
fn routing_id(headers: &HeaderMap) -> Result<Option<String>, Refusal> {
    match headers.get(ROUTING_HEADER) {
        None => Ok(None),
        Some(value) => match value.to_str() {
            Ok(v) if v.trim().is_empty() => Ok(None),
            Ok(v) => Ok(Some(v.trim().to_owned())),
            Err(_) => Err(invalid(ROUTING_HEADER, "visible ASCII text")),
        },
    }
}

fn require_routing_id(headers: &HeaderMap) -> Result<String, Refusal> {
    routing_id(headers)?.ok_or_else(|| bad_request("Missing mandatory header: x-routing-id"))
}

/// Binds `routing` to `order` if it has none yet; an error if it differs from the bound one.
fn check_routing(order: &mut Order, routing: Option<&str>) -> Result<(), Refusal> {
    match (routing, order.routing_id.as_deref()) {
        (Some(given), Some(bound)) if given != bound => Err(routing_mismatch()),
        (Some(given), None) => {
            order.routing_id = Some(given.to_owned());
            Ok(())
        }
        _ => Ok(()),
    }
}

/// The form parameters; for a repeated name the first value counts. Blank values are absent.
#[derive(Debug, Default)]
struct Form(HashMap<String, String>);

impl Form {
    fn parse(body: &[u8]) -> Self {
        let mut map = HashMap::new();
        for (key, value) in form_urlencoded::parse(body) {
            map.entry(key.into_owned())
                .or_insert_with(|| value.into_owned());
        }
        Self(map)
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(|v| v.trim()).filter(|v| !v.is_empty())
    }

    fn require(&self, name: &str) -> Result<&str, Refusal> {
        self.get(name).ok_or_else(|| missing(name))
    }

    fn bool(&self, name: &str) -> Result<Option<bool>, Refusal> {
        match self.get(name) {
            None => Ok(None),
            Some(v) if v.eq_ignore_ascii_case("true") => Ok(Some(true)),
            Some(v) if v.eq_ignore_ascii_case("false") => Ok(Some(false)),
            Some(_) => Err(invalid(name, "true or false")),
        }
    }
}

fn all_digits(value: &str) -> bool {
    !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit())
}

fn digits_between(value: &str, min: usize, max: usize) -> bool {
    all_digits(value) && (min..=max).contains(&value.len())
}

/// A decimal amount with at most two places, in hundredths; `None` unless positive and valid.
fn parse_amount(value: &str) -> Option<u64> {
    let (whole, fraction) = value.split_once('.').unwrap_or((value, ""));
    if !all_digits(whole)
        || fraction.len() > 2
        || !fraction.bytes().all(|b| b.is_ascii_digit())
        || value.ends_with('.')
    {
        return None;
    }
    let whole: u64 = whole.parse().ok()?;
    let mut cents: u64 = if fraction.is_empty() {
        0
    } else {
        fraction.parse().ok()?
    };
    if fraction.len() == 1 {
        cents *= 10;
    }
    let minor = whole.checked_mul(100)?.checked_add(cents)?;
    (minor > 0 && minor <= MAX_MINOR_UNITS).then_some(minor)
}

fn amount_is(minor: u64, magic_amount: &str) -> bool {
    parse_amount(magic_amount) == Some(minor)
}

fn amount_json(minor: u64) -> Value {
    // Exact: `minor` ≤ 2^50.
    #[allow(clippy::cast_precision_loss)]
    let amount = minor as f64 / 100.0;
    json!(amount)
}

fn luhn_valid(number: &str) -> bool {
    let mut sum = 0u32;
    for (i, b) in number.bytes().rev().enumerate() {
        if !b.is_ascii_digit() {
            return false;
        }
        let mut d = u32::from(b - b'0');
        if i % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    sum % 10 == 0
}

fn brand_of(number_or_bin: &str) -> &'static str {
    match number_or_bin.as_bytes().first() {
        Some(b'4') => "VISA",
        Some(b'2' | b'5') => "MASTERCARD",
        Some(b'3') => "AMEX",
        Some(b'6') => "RUPAY",
        _ => "VISA",
    }
}

/// The sandbox's own base URL, from the `Host` the client used.
fn base_url(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b".:-[]".contains(&b))
        });
    format!("http://{}", host.unwrap_or("127.0.0.1"))
}

/// `(year, month, day, hour, minute, second)` in UTC of unix milliseconds.
fn civil(ms: u64) -> (i64, u32, u32, u32, u32, u32) {
    let secs = ms / 1000;
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let small = |v: i64| u32::try_from(v).unwrap_or(0);
    let small_u = |v: u64| u32::try_from(v).unwrap_or(0);
    (
        year,
        small(month),
        small(day),
        small_u(rem / 3600),
        small_u(rem % 3600 / 60),
        small_u(rem % 60),
    )
}

/// ISO 8601 UTC (`2017-05-05T12:12:08Z`, as J-POTP's `created`).
fn iso8601(ms: u64) -> String {
    let (y, mo, d, h, mi, s) = civil(ms);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
}

fn html_escape(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '&' => "&amp;".to_owned(),
            '<' => "&lt;".to_owned(),
            '>' => "&gt;".to_owned(),
            '"' => "&quot;".to_owned(),
            '\'' => "&#39;".to_owned(),
            c => c.to_string(),
        })
        .collect()
}

fn insert_opt(map: &mut Map<String, Value>, key: &str, value: Option<&str>) {
    if let Some(v) = value {
        map.insert(key.to_owned(), json!(v));
    }
}

// ---------------------------------------------------------------------------------------------
// GET /cardbins/{card_bin} [J-CE]
// ---------------------------------------------------------------------------------------------

async fn card_bin(
    State(shared): State<Arc<Shared>>,
    bin: Result<Path<String>, PathRejection>,
    RawQuery(query): RawQuery,
) -> Response {
    reply(card_bin_inner(&shared, bin, query.as_deref()))
}

fn card_bin_inner(
    shared: &Shared,
    bin: Result<Path<String>, PathRejection>,
    query: Option<&str>,
) -> Result<Response, Refusal> {
    let bin = match bin {
        Ok(Path(bin)) if digits_between(&bin, 6, 9) => bin,
        _ => return Err(invalid_bin()),
    };
    let query = Form::parse(query.unwrap_or_default().as_bytes());
    if query.require("merchant_id")? != shared.config.merchant_id {
        return Err(invalid("merchant_id", "the authenticated merchant's id"));
    }
    let check_otp = query
        .bool("options.check_direct_otp_support")?
        .unwrap_or(false);
    let mut body = json!({
        "id": bin,
        "object": "cardbin",
        "brand": brand_of(&bin),
        "bank": ISSUER_BANK,
        "country": "India",
        "type": "CREDIT",
        "juspay_bank_code": "JP_AXIS",
        "card_sub_type": "",
        "expired": false,
        "atm_pin_auth_support": false,
        "mandate_support": true,
    });
    if check_otp {
        body["direct_otp_support"] = json!(!bin.starts_with(FALLBACK_BIN));
    }
    Ok(json_status(StatusCode::OK, body))
}

// ---------------------------------------------------------------------------------------------
// POST /orders [J-ORDER]
// ---------------------------------------------------------------------------------------------

async fn create_order(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    reply(create_order_inner(&shared, &headers, body))
}

fn create_order_inner(
    shared: &Shared,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, Refusal> {
    require_form(headers)?;
    let routing = routing_id(headers)?;
    let body = body.map_err(|_| body_unreadable())?;
    let form = Form::parse(&body);
    let order_id = form.require("order_id")?;
    let amount = form.require("amount")?;
    if order_id.len() > 20 || !order_id.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(invalid(
            "order_id",
            "alphanumeric, shorter than 21 characters",
        ));
    }
    let amount_minor = parse_amount(amount)
        .ok_or_else(|| invalid("amount", "a positive number with up to two decimal places"))?;
    let currency = form.get("currency").unwrap_or("INR");
    if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(invalid("currency", "an ISO 4217 code such as INR"));
    }
    let wants_token = form.bool("options.get_client_auth_token")?.unwrap_or(false);
    let base = base_url(headers);
    let now = Shared::now_ms();

    let mut ec = lock(&shared.ec);
    if ec.orders.contains_key(order_id) {
        return Err(already_exists(order_id));
    }
    let id = ec.mint("ordeh_");
    let order = Order {
        id: id.clone(),
        order_id: order_id.to_owned(),
        amount_minor,
        currency: currency.to_owned(),
        customer_id: form.get("customer_id").map(str::to_owned),
        customer_email: form.get("customer_email").map(str::to_owned),
        customer_phone: form.get("customer_phone").map(str::to_owned),
        return_url: form.get("return_url").map(str::to_owned),
        routing_id: routing,
        created_ms: now,
        txns: Vec::new(),
    };
    let mut response = json!({
        "status": Status::New.as_str(),
        "status_id": Status::New.id(),
        "id": id,
        "order_id": order_id,
        "payment_links": payment_links(&base, &id),
    });
    if wants_token {
        let token = ec.mint("tkn_sbx_");
        response["juspay"] = json!({
            "client_auth_token": token,
            "client_auth_token_expiry": iso8601(now + CLIENT_AUTH_TOKEN_TTL_MS),
        });
    }
    ec.orders.insert(order.order_id.clone(), order);
    Ok(json_status(StatusCode::OK, response))
}

/// Hosted payment pages (not served by the sandbox).
fn payment_links(base: &str, id: &str) -> Value {
    json!({
        "web": format!("{base}/merchant/pay/{id}"),
        "mobile": format!("{base}/merchant/pay/{id}?mobile=true"),
        "iframe": format!("{base}/merchant/ipay/{id}"),
    })
}

// ---------------------------------------------------------------------------------------------
// POST /txns [J-SA]
// ---------------------------------------------------------------------------------------------

async fn start_authentication(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    reply(start_authentication_inner(&shared, &headers, body))
}

fn read_card(form: &Form) -> Result<Card, Refusal> {
    const METHODS: [&str; 5] = ["VISA", "MASTERCARD", "MAESTRO", "AMEX", "RUPAY"];
    let payment_method = form.get("payment_method");
    if let Some(method) = payment_method {
        if !METHODS.contains(&method) {
            return Err(invalid(
                "payment_method",
                "one of VISA, MASTERCARD, MAESTRO, AMEX, RUPAY",
            ));
        }
    }
    let name = form.get("name_on_card");
    if let Some(name) = name {
        if !name.chars().all(|c| c.is_alphabetic() || c == ' ') {
            return Err(invalid("name_on_card", "alphabetical characters only"));
        }
    }
    if form.get("card_token").is_some() {
        if let Some(cvv) = form.get("card_security_code") {
            if !digits_between(cvv, 3, 4) {
                return Err(invalid("card_security_code", "3 or 4 digits"));
            }
        }
        return Ok(Card {
            isin: None,
            last_four: None,
            exp_month: None,
            exp_year: None,
            brand: payment_method.unwrap_or("VISA").to_owned(),
            name: None,
            saved_card: true,
            save_to_locker: false,
        });
    }
    let number = form.require("card_number")?;
    let month = form.require("card_exp_month")?;
    let year = form.require("card_exp_year")?;
    let cvv = form.require("card_security_code")?;
    let save_to_locker = form
        .bool("save_to_locker")?
        .ok_or_else(|| missing("save_to_locker"))?;
    if !digits_between(number, 12, 19) || !luhn_valid(number) {
        return Err(invalid("card_number", "a valid card number"));
    }
    let month_value: u32 = match month.parse() {
        Ok(m) if month.len() == 2 && all_digits(month) && (1..=12).contains(&m) => m,
        _ => return Err(invalid("card_exp_month", "MM, 01 to 12")),
    };
    if !digits_between(year, 2, 2) {
        return Err(invalid("card_exp_year", "YY, two digits"));
    }
    let year_value = 2000 + year.parse::<i64>().unwrap_or(0);
    let (now_year, now_month, ..) = civil(Shared::now_ms());
    if (year_value, month_value) < (now_year, now_month) {
        return Err(bad_request("Card expired"));
    }
    if !digits_between(cvv, 3, 4) {
        return Err(invalid("card_security_code", "3 or 4 digits"));
    }
    Ok(Card {
        isin: number.get(..6).map(str::to_owned),
        last_four: number
            .get(number.len().saturating_sub(4)..)
            .map(str::to_owned),
        exp_month: Some(month.to_owned()),
        exp_year: Some(format!("20{year}")),
        brand: payment_method
            .unwrap_or_else(|| brand_of(number))
            .to_owned(),
        name: name.map(str::to_owned),
        saved_card: false,
        save_to_locker,
    })
}

fn start_authentication_inner(
    shared: &Shared,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, Refusal> {
    require_form(headers)?;
    let routing = require_routing_id(headers)?;
    let body = body.map_err(|_| body_unreadable())?;
    let form = Form::parse(&body);
    let order_id = form.require("order_id")?;
    let merchant_id = form.require("merchant_id")?;
    let method_type = form.require("payment_method_type")?;
    let format = form.require("format")?;
    let auth_type = form.require("auth_type")?;
    if method_type != "CARD" {
        return Err(invalid("payment_method_type", "CARD"));
    }
    if !format.eq_ignore_ascii_case("json") {
        return Err(invalid("format", "json"));
    }
    if auth_type != "OTP" {
        return Err(invalid("auth_type", "OTP"));
    }
    if merchant_id != shared.config.merchant_id {
        return Err(invalid("merchant_id", "the authenticated merchant's id"));
    }
    let card = read_card(&form)?;
    let base = base_url(headers);
    let now = Shared::now_ms();

    let mut guard = lock(&shared.ec);
    let ec = &mut *guard;
    let order = ec
        .orders
        .get_mut(order_id)
        .ok_or_else(|| not_found("Order"))?;
    check_routing(order, Some(&routing))?;
    let order = order.clone();
    if ec.is_paid(&order) {
        return Err(bad_request("Order is already paid"));
    }
    let uuid = ec.mint("eul");
    let txn_id = format!(
        "{}-{}-{}",
        shared.config.merchant_id,
        order.order_id,
        order.txns.len() + 1
    );
    let (status, auth) = if amount_is(order.amount_minor, magic::AMOUNT_JUSPAY_DECLINED) {
        (Status::JuspayDeclined, Auth::None)
    } else if card
        .isin
        .as_deref()
        .is_some_and(|isin| isin.starts_with(FALLBACK_BIN))
    {
        (Status::PendingVbv, Auth::Redirect)
    } else {
        let challenge_id = ec.mint("ch_");
        Counters::bump(&shared.counters.otps_sent);
        (
            Status::PendingVbv,
            Auth::Otp {
                challenge_id,
                times_otp_sent: 1,
                wrong_attempts: 0,
            },
        )
    };
    let txn = Txn {
        uuid: uuid.clone(),
        txn_id,
        order_id: order.order_id.clone(),
        status,
        auth,
        card,
        created_ms: now,
        updated_ms: now,
    };
    let mut response = json!({
        "order_id": txn.order_id,
        "txn_id": txn.txn_id,
        "txn_uuid": txn.uuid,
        "status": txn.status.as_str(),
    });
    match authentication(&base, &txn, "auth_type") {
        Some(auth) => response["payment"] = json!({"authentication": auth}),
        None => {
            let (code, message) = txn.status.response_code();
            response["resp_code"] = json!(code);
            response["resp_message"] = json!(message);
        }
    }
    if let Some(order) = ec.orders.get_mut(order_id) {
        order.txns.push(uuid.clone());
    }
    ec.txns.insert(uuid, txn);
    Ok(json_status(StatusCode::OK, response))
}

/// `payment.authentication` of a transaction: the native OTP challenge (POST, with `params`;
/// `auth_key` is `auth_type` as in J-SA/J-POTP or `auth_method` as in J-ROTP) or the redirect
/// (GET). `None` for a declined transaction.
fn authentication(base: &str, txn: &Txn, auth_key: &str) -> Option<Value> {
    let page = format!("{base}/v2/pay/start/guest/{}", txn.uuid);
    match &txn.auth {
        Auth::None => None,
        Auth::Redirect => Some(json!({"method": "GET", "url": page})),
        Auth::Otp {
            challenge_id,
            times_otp_sent,
            wrong_attempts,
        } => {
            let pending = txn.status == Status::PendingVbv;
            let mut params = Map::new();
            params.insert("id".into(), json!(txn.uuid));
            params.insert("challenge_id".into(), json!(challenge_id));
            params.insert(auth_key.into(), json!("OTP"));
            insert_opt(&mut params, "card_isin", txn.card.isin.as_deref());
            params.insert("card_issuer_bank_name".into(), json!(ISSUER_BANK));
            params.insert("submit_otp_allowed".into(), json!(pending));
            params.insert(
                "resend_otp_allowed".into(),
                json!(pending && *times_otp_sent < magic::EC_MAX_OTP_SENDS),
            );
            params.insert(
                "fallback_url".into(),
                json!(format!("{page}?fallback=true")),
            );
            params.insert("times_otp_sent".into(), json!(times_otp_sent));
            params.insert("max_otp_send_limit".into(), json!(magic::EC_MAX_OTP_SENDS));
            params.insert(
                "current_attempt".into(),
                json!((wrong_attempts + 1).min(magic::EC_MAX_ATTEMPTS)),
            );
            params.insert("max_attempts".into(), json!(magic::EC_MAX_ATTEMPTS));
            Some(json!({
                "method": "POST",
                "url": format!("{base}/v2/txns/{}/authenticate", txn.uuid),
                "params": params,
            }))
        }
    }
}

// ---------------------------------------------------------------------------------------------
// POST /v2/txns/{id}/authenticate [J-POTP]
// ---------------------------------------------------------------------------------------------

async fn process_otp(
    State(shared): State<Arc<Shared>>,
    id: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    reply(process_otp_inner(&shared, id, &headers, body))
}

fn process_otp_inner(
    shared: &Shared,
    id: Result<Path<String>, PathRejection>,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, Refusal> {
    require_form(headers)?;
    let routing = require_routing_id(headers)?;
    let Path(id) = id.map_err(|_| path_invalid())?;
    let body = body.map_err(|_| body_unreadable())?;
    let form = Form::parse(&body);
    let base = base_url(headers);

    let mut guard = lock(&shared.ec);
    let ec = &mut *guard;
    let order_id = ec
        .txns
        .get(&id)
        .map(|t| t.order_id.clone())
        .ok_or_else(|| not_found("Transaction"))?;
    let order = ec
        .orders
        .get_mut(&order_id)
        .ok_or_else(|| not_found("Order"))?;
    check_routing(order, Some(&routing))?;
    let order = order.clone();
    let challenge = form.require("challenge_id")?;
    let otp = form.require("answer.otp")?;
    let auto_capture = form.bool("auto_capture")?.unwrap_or(true);
    if !digits_between(otp, 4, 8) {
        return Err(invalid("answer.otp", "4 to 8 digits"));
    }
    let paid = ec.is_paid(&order);
    let txn = ec
        .txns
        .get_mut(&id)
        .ok_or_else(|| not_found("Transaction"))?;
    let Auth::Otp {
        challenge_id,
        wrong_attempts,
        ..
    } = &mut txn.auth
    else {
        return Err(bad_request(
            "OTP authentication is not available for this transaction",
        ));
    };
    if challenge != challenge_id.as_str() {
        return Err(invalid("challenge_id", "the transaction's challenge"));
    }
    if txn.status != Status::PendingVbv {
        return Err(bad_request(&format!(
            "Transaction is already {}",
            txn.status.as_str()
        )));
    }
    if paid {
        return Err(bad_request("Order is already paid"));
    }
    if otp == magic::RIGHT_OTP {
        txn.status = if amount_is(order.amount_minor, magic::AMOUNT_AUTHORIZATION_FAILED) {
            Status::AuthorizationFailed
        } else if auto_capture {
            Status::Charged
        } else {
            Status::Authorized
        };
        if txn.status.is_success() {
            Counters::bump(&shared.counters.charges);
        }
    } else {
        *wrong_attempts += 1;
        if *wrong_attempts >= magic::EC_MAX_ATTEMPTS {
            txn.status = Status::AuthenticationFailed;
        }
    }
    txn.updated_ms = Shared::now_ms();
    Ok(json_status(StatusCode::OK, txn_response(&base, txn)))
}

/// The J-POTP answer: the transaction, its card, the (echoed) challenge and, once the gateway
/// was asked, its response.
fn txn_response(base: &str, txn: &Txn) -> Value {
    let (code, message) = txn.status.response_code();
    let mut card = Map::new();
    insert_opt(&mut card, "last_four_digits", txn.card.last_four.as_deref());
    insert_opt(&mut card, "card_isin", txn.card.isin.as_deref());
    insert_opt(&mut card, "expiry_month", txn.card.exp_month.as_deref());
    insert_opt(&mut card, "expiry_year", txn.card.exp_year.as_deref());
    insert_opt(&mut card, "name_on_card", txn.card.name.as_deref());
    card.insert("card_type".into(), json!("CREDIT"));
    card.insert("card_issuer".into(), json!(ISSUER_BANK));
    card.insert("card_brand".into(), json!(txn.card.brand));
    card.insert("using_saved_card".into(), json!(txn.card.saved_card));
    card.insert(
        "saved_to_locker".into(),
        json!(txn.card.save_to_locker && txn.status.is_success()),
    );
    let mut body = json!({
        "id": txn.uuid,
        "order_id": txn.order_id,
        "txn_id": txn.txn_id,
        "txn_uuid": txn.uuid,
        "status": txn.status.as_str(),
        "gateway": GATEWAY,
        "created": iso8601(txn.created_ms),
        "resp_code": code,
        "resp_message": message,
        "refunded": false,
        "payment_info": {
            "payment_method_type": "CARD",
            "payment_method": txn.card.brand,
            "card": card,
        },
    });
    if let Some(auth) = authentication(base, txn, "auth_type") {
        body["payment"] = json!({"authentication": auth});
    }
    if matches!(
        txn.status,
        Status::Charged | Status::Authorized | Status::AuthorizationFailed
    ) {
        body["payment_gateway_response"] = json!({
            "created": iso8601(txn.updated_ms),
            "txn_id": txn.txn_id,
            "rrn": format!("{:012}", txn.updated_ms % 1_000_000_000_000),
            "epg_txn_id": format!("pay_{}", txn.uuid),
            "auth_id_code": if txn.status.is_success() { json!("123456") } else { Value::Null },
            "resp_code": code,
            "resp_message": message,
        });
    }
    body
}

// ---------------------------------------------------------------------------------------------
// POST /v2/txns/{id}/authenticate/{challenge_id}/resend [J-ROTP]
// ---------------------------------------------------------------------------------------------

async fn resend_otp(
    State(shared): State<Arc<Shared>>,
    ids: Result<Path<(String, String)>, PathRejection>,
    headers: HeaderMap,
) -> Response {
    reply(resend_otp_inner(&shared, ids, &headers))
}

fn resend_otp_inner(
    shared: &Shared,
    ids: Result<Path<(String, String)>, PathRejection>,
    headers: &HeaderMap,
) -> Result<Response, Refusal> {
    let routing = require_routing_id(headers)?;
    let Path((id, challenge)) = ids.map_err(|_| path_invalid())?;
    let base = base_url(headers);

    let mut guard = lock(&shared.ec);
    let ec = &mut *guard;
    let order_id = ec
        .txns
        .get(&id)
        .map(|t| t.order_id.clone())
        .ok_or_else(|| not_found("Transaction"))?;
    let order = ec
        .orders
        .get_mut(&order_id)
        .ok_or_else(|| not_found("Order"))?;
    check_routing(order, Some(&routing))?;
    let txn = ec
        .txns
        .get_mut(&id)
        .ok_or_else(|| not_found("Transaction"))?;
    let Auth::Otp {
        challenge_id,
        times_otp_sent,
        ..
    } = &mut txn.auth
    else {
        return Err(bad_request(
            "OTP authentication is not available for this transaction",
        ));
    };
    if challenge != challenge_id.as_str() {
        return Err(not_found("Challenge"));
    }
    if txn.status != Status::PendingVbv {
        return Err(bad_request(&format!(
            "Transaction is already {}",
            txn.status.as_str()
        )));
    }
    if *times_otp_sent >= magic::EC_MAX_OTP_SENDS {
        return Err(max_limit_exceeded());
    }
    *times_otp_sent += 1;
    Counters::bump(&shared.counters.otps_sent);
    txn.updated_ms = Shared::now_ms();
    let mut response = json!({
        "order_id": txn.order_id,
        "txn_id": txn.txn_id,
        "txn_uuid": txn.uuid,
        "status": txn.status.as_str(),
    });
    if let Some(auth) = authentication(&base, txn, "auth_method") {
        response["payment"] = json!({"authentication": auth});
    }
    Ok(json_status(StatusCode::OK, response))
}

// ---------------------------------------------------------------------------------------------
// GET /orders/{order_id}
// ---------------------------------------------------------------------------------------------

async fn order_status(
    State(shared): State<Arc<Shared>>,
    order_id: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
) -> Response {
    reply(order_status_inner(&shared, order_id, &headers))
}

fn order_status_inner(
    shared: &Shared,
    order_id: Result<Path<String>, PathRejection>,
    headers: &HeaderMap,
) -> Result<Response, Refusal> {
    let routing = routing_id(headers)?;
    let Path(order_id) = order_id.map_err(|_| path_invalid())?;
    let base = base_url(headers);

    let mut guard = lock(&shared.ec);
    let ec = &mut *guard;
    let order = ec
        .orders
        .get_mut(&order_id)
        .ok_or_else(|| not_found("Order"))?;
    check_routing(order, routing.as_deref())?;
    let order = order.clone();
    let (status, txn) = ec.order_view(&order);
    let mut body = Map::new();
    body.insert("merchant_id".into(), json!(shared.config.merchant_id));
    body.insert("order_id".into(), json!(order.order_id));
    body.insert("id".into(), json!(order.id));
    body.insert("status".into(), json!(status.as_str()));
    body.insert("status_id".into(), json!(status.id()));
    body.insert("amount".into(), amount_json(order.amount_minor));
    body.insert("currency".into(), json!(order.currency));
    insert_opt(&mut body, "customer_id", order.customer_id.as_deref());
    insert_opt(&mut body, "customer_email", order.customer_email.as_deref());
    insert_opt(&mut body, "customer_phone", order.customer_phone.as_deref());
    insert_opt(&mut body, "return_url", order.return_url.as_deref());
    body.insert("date_created".into(), json!(iso8601(order.created_ms)));
    body.insert("refunded".into(), json!(false));
    body.insert("amount_refunded".into(), json!(0));
    body.insert("payment_links".into(), payment_links(&base, &order.id));
    if let Some(txn) = txn {
        let (code, message) = txn.status.response_code();
        body.insert("txn_id".into(), json!(txn.txn_id));
        body.insert("txn_uuid".into(), json!(txn.uuid));
        body.insert("gateway".into(), json!(GATEWAY));
        body.insert("payment_method_type".into(), json!("CARD"));
        body.insert("payment_method".into(), json!(txn.card.brand));
        body.insert("auth_type".into(), json!("OTP"));
        body.insert("resp_code".into(), json!(code));
        body.insert("resp_message".into(), json!(message));
        let mut card = Map::new();
        insert_opt(&mut card, "last_four_digits", txn.card.last_four.as_deref());
        insert_opt(&mut card, "card_isin", txn.card.isin.as_deref());
        card.insert("card_brand".into(), json!(txn.card.brand));
        card.insert("card_issuer".into(), json!(ISSUER_BANK));
        card.insert("using_saved_card".into(), json!(txn.card.saved_card));
        body.insert("card".into(), Value::Object(card));
    }
    Ok(json_status(StatusCode::OK, Value::Object(body)))
}

// ---------------------------------------------------------------------------------------------
// GET /v2/pay/start/guest/{id} — the bank / 3-D Secure page
// ---------------------------------------------------------------------------------------------

/// The card holder's browser lands here (3-D Secure fallback `url`, or a native challenge's
/// `fallback_url`). Visiting it authenticates the card holder: a pending transaction is
/// authorized (`CHARGED`, or `AUTHORIZATION_FAILED` for the magic amount) and the page shows
/// the result; visiting again changes nothing.
async fn bank_page(
    State(shared): State<Arc<Shared>>,
    id: Result<Path<String>, PathRejection>,
) -> Response {
    let Ok(Path(id)) = id else {
        return (
            StatusCode::BAD_REQUEST,
            Html(page_html("Bad request", "", "INVALID", None)),
        )
            .into_response();
    };
    let mut guard = lock(&shared.ec);
    let ec = &mut *guard;
    let Some(order_id) = ec.txns.get(&id).map(|t| t.order_id.clone()) else {
        return (
            StatusCode::NOT_FOUND,
            Html(page_html("Transaction not found", &id, "NOT_FOUND", None)),
        )
            .into_response();
    };
    let Some(order) = ec.orders.get(&order_id).cloned() else {
        return (
            StatusCode::NOT_FOUND,
            Html(page_html("Order not found", &id, "NOT_FOUND", None)),
        )
            .into_response();
    };
    let paid = ec.is_paid(&order);
    let Some(txn) = ec.txns.get_mut(&id) else {
        return (
            StatusCode::NOT_FOUND,
            Html(page_html("Transaction not found", &id, "NOT_FOUND", None)),
        )
            .into_response();
    };
    if txn.status == Status::PendingVbv && !paid {
        txn.status = if amount_is(order.amount_minor, magic::AMOUNT_AUTHORIZATION_FAILED) {
            Status::AuthorizationFailed
        } else {
            Status::Charged
        };
        txn.updated_ms = Shared::now_ms();
        if txn.status.is_success() {
            Counters::bump(&shared.counters.charges);
        }
    }
    let title = if txn.status.is_success() {
        "Payment authenticated"
    } else {
        "Payment not completed"
    };
    Html(page_html(
        title,
        &txn.uuid,
        txn.status.as_str(),
        order.return_url.as_deref(),
    ))
    .into_response()
}

fn page_html(title: &str, txn_uuid: &str, status: &str, return_url: Option<&str>) -> String {
    let back = return_url
        .map(|url| {
            format!(
                "<p><a id=\"return\" href=\"{0}\">Return to merchant</a></p>",
                html_escape(url)
            )
        })
        .unwrap_or_default();
    format!(
        "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>Sandbox bank — {title}</title></head>\
         <body><h1>{title}</h1><p>Transaction <code id=\"txn\">{txn}</code>: \
         <strong id=\"status\">{status}</strong></p>{back}</body></html>\n",
        title = html_escape(title),
        txn = html_escape(txn_uuid),
        status = html_escape(status),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_parse_exactly() {
        assert_eq!(parse_amount("13.51"), Some(1351));
        assert_eq!(parse_amount("100"), Some(10_000));
        assert_eq!(parse_amount("1.5"), Some(150));
        assert_eq!(parse_amount("0"), None);
        assert_eq!(parse_amount("1.234"), None);
        assert_eq!(parse_amount("1."), None);
        assert_eq!(parse_amount(".5"), None);
        assert_eq!(parse_amount("-1"), None);
        assert_eq!(parse_amount("99999999999999999999999"), None);
    }

    #[test]
    fn luhn_and_dates() {
        assert!(luhn_valid(magic::CARD_NATIVE_OTP));
        assert!(luhn_valid(magic::CARD_3DS_FALLBACK));
        assert!(!luhn_valid("4242424242424241"));
        assert_eq!(iso8601(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso8601(1_709_251_199_000), "2024-02-29T23:59:59Z");
        assert_eq!(iso8601(951_782_400_000), "2000-02-29T00:00:00Z");
    }
}
