//! The baseline: a hand-written client making the same HTTP calls as the SDK's journeys with
//! plain ureq 3 and `serde_json::Value` — same method, path, headers (Juspay Basic +
//! `x-merchantid` (+ `x-routing-id` on EC), Visa Acceptance HTTP Signature computed here with
//! hmac/sha2/base64) and bodies — against the same sandbox, with the same host answers
//! ([`Host`]). It checks what a careful hand-written client checks (HTTP status, `status`
//! fields, the fields it needs next) and nothing more: no state machine, no typed models, no
//! secret wrappers. The Basic header is computed once, as a hand-written client would.

mod juspay;
mod visa;

use std::cell::RefCell;
use std::time::SystemTime;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::{Digest, Sha256};
use ureq::Agent;
use ureq::config::AutoHeaderValue;

use crate::scenario::{Env, Host, Kind, TIMEOUTS};

pub use juspay::{direct_otp, enrollment, purchase};
pub use visa::visa_acceptance_step_up;

/// The `user-agent` the SDK sends (same bytes on the wire).
pub const USER_AGENT: &str = agentic_http::auth::USER_AGENT;

/// A body to send.
#[derive(Debug)]
pub enum Body<'a> {
    /// No body (GET).
    Empty,
    /// `application/json`.
    Json(&'a Value),
    /// `application/x-www-form-urlencoded`, pairs in order.
    Form(&'a [(&'a str, &'a str)]),
}

/// The hand-written client. One agent (one connection pool), shared by every journey.
#[derive(Debug)]
pub struct Baseline {
    agent: Agent,
    base: String,
    authority: String,
    basic: String,
    merchant_id: String,
    routing_id: String,
    visa_merchant_id: String,
    visa_key_id: String,
    visa_secret: Vec<u8>,
    /// `METHOD /path` of every call, when tracing (tests).
    pub trace: Option<RefCell<Vec<String>>>,
}

impl Baseline {
    /// A client for the sandbox of `env`, with the demo's routing id.
    ///
    /// # Errors
    /// When the sandbox's shared secret is not base64.
    pub fn new(env: &Env) -> Result<Baseline, String> {
        let credentials = env.sandbox.config();
        let config = Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .user_agent(AutoHeaderValue::None)
            .accept(AutoHeaderValue::None)
            .accept_encoding(AutoHeaderValue::None)
            .timeout_global(Some(TIMEOUTS.overall))
            .timeout_connect(Some(TIMEOUTS.connect))
            .timeout_recv_response(Some(TIMEOUTS.read))
            .timeout_recv_body(Some(TIMEOUTS.read))
            .build();
        Ok(Baseline {
            agent: Agent::new_with_config(config),
            base: env.base_url.clone(),
            authority: env.base_url.trim_start_matches("http://").to_owned(),
            basic: format!(
                "Basic {}",
                STANDARD.encode(format!("{}:", credentials.api_key))
            ),
            merchant_id: credentials.merchant_id.clone(),
            routing_id: agentic_cli::demo::DEMO_CUSTOMER.to_owned(),
            visa_merchant_id: credentials.visa_merchant_id.clone(),
            visa_key_id: credentials.visa_key_id.clone(),
            visa_secret: STANDARD
                .decode(&credentials.visa_shared_secret)
                .map_err(|e| format!("shared secret: {e}"))?,
            trace: None,
        })
    }

    /// The Juspay merchant id.
    pub fn merchant_id(&self) -> &str {
        &self.merchant_id
    }

    /// A Juspay call (VAT, or EC with `x-routing-id`): status and parsed body.
    fn juspay(
        &self,
        method: &str,
        path: &str,
        body: Body<'_>,
        ec: bool,
    ) -> Result<(u16, Value), String> {
        let url = format!("{}{path}", self.base);
        let (content_type, bytes) = encode(&body)?;
        let mut request = ureq::http::Request::builder().method(method).uri(&url);
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        request = request
            .header("accept", "application/json")
            .header("user-agent", USER_AGENT)
            .header("authorization", &self.basic)
            .header("x-merchantid", &self.merchant_id);
        if ec {
            request = request.header("x-routing-id", &self.routing_id);
        }
        self.send(method, path, request, bytes)
    }

    /// A Visa Acceptance call signed with the HTTP Signature: status and parsed body.
    fn visa(&self, path: &str, body: &Value) -> Result<(u16, Value), String> {
        let url = format!("{}{path}", self.base);
        let bytes = serde_json::to_vec(body).map_err(|e| e.to_string())?;
        let date = httpdate::fmt_http_date(SystemTime::now());
        let digest = format!("SHA-256={}", STANDARD.encode(Sha256::digest(&bytes)));
        let signing = format!(
            "host: {}\ndate: {date}\n(request-target): post {path}\ndigest: {digest}\nv-c-merchant-id: {}",
            self.authority, self.visa_merchant_id
        );
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(&self.visa_secret).map_err(|e| e.to_string())?;
        mac.update(signing.as_bytes());
        let signature = format!(
            "keyid=\"{}\", algorithm=\"HmacSHA256\", headers=\"host date (request-target) digest v-c-merchant-id\", signature=\"{}\"",
            self.visa_key_id,
            STANDARD.encode(mac.finalize().into_bytes())
        );
        let request = ureq::http::Request::builder()
            .method("POST")
            .uri(&url)
            .header("content-type", "application/json")
            .header("accept", "application/json")
            .header("user-agent", USER_AGENT)
            .header("v-c-merchant-id", &self.visa_merchant_id)
            .header("date", &date)
            .header("host", &self.authority)
            .header("digest", &digest)
            .header("signature", &signature);
        self.send("POST", path, request, bytes)
    }

    fn send(
        &self,
        method: &str,
        path: &str,
        request: ureq::http::request::Builder,
        bytes: Vec<u8>,
    ) -> Result<(u16, Value), String> {
        if let Some(trace) = &self.trace {
            let path = path.split('?').next().unwrap_or(path);
            trace.borrow_mut().push(format!("{method} {path}"));
        }
        let call = |e: &dyn std::fmt::Display| format!("{method} {path}: {e}");
        let mut response = if bytes.is_empty() {
            let request = request.body(()).map_err(|e| call(&e))?;
            self.agent.run(request)
        } else {
            let request = request.body(bytes).map_err(|e| call(&e))?;
            self.agent.run(request)
        }
        .map_err(|e| call(&e))?;
        let status = response.status().as_u16();
        let body = response.body_mut().read_to_vec().map_err(|e| call(&e))?;
        let value = serde_json::from_slice(&body).map_err(|e| call(&e))?;
        Ok((status, value))
    }
}

fn encode(body: &Body<'_>) -> Result<(Option<&'static str>, Vec<u8>), String> {
    Ok(match body {
        Body::Empty => (None, Vec::new()),
        Body::Json(value) => (
            Some("application/json"),
            serde_json::to_vec(value).map_err(|e| e.to_string())?,
        ),
        Body::Form(pairs) => (
            Some("application/x-www-form-urlencoded"),
            form_urlencoded::Serializer::new(String::new())
                .extend_pairs(pairs.iter())
                .finish()
                .into_bytes(),
        ),
    })
}

/// `value[a][b]…` as text.
fn text<'v>(value: &'v Value, path: &[&str]) -> Option<&'v str> {
    path.iter()
        .try_fold(value, |v, key| v.get(key))
        .and_then(Value::as_str)
}

/// `value[a][b]…` as text, or an error naming the call and the field.
fn need<'v>(value: &'v Value, path: &[&str], call: &str) -> Result<&'v str, String> {
    text(value, path).ok_or_else(|| format!("{call}: no {} in the answer", path.join(".")))
}

/// Refuses a non-2xx status.
fn ok(call: &str, (status, value): (u16, Value)) -> Result<Value, String> {
    if (200..300).contains(&status) {
        Ok(value)
    } else {
        Err(format!("{call}: HTTP {status}: {value}"))
    }
}

/// The page's answer to `posted` (`None`: the page's `AUTH_READY`), parsed, with its
/// origin checked as any host must.
fn page(host: &mut Host<'_>, posted: Option<&Value>, ceremony: bool) -> Result<Value, String> {
    let posted = posted.map(Value::to_string);
    let reply = crate::scenario::unmeasured_page_reply(host, posted.as_deref(), ceremony)?;
    serde_json::from_str(&reply).map_err(|e| format!("page message: {e}"))
}

/// A fresh 32-hex reference id, as the SDK mints one.
fn reference_id() -> Result<String, String> {
    agentic_cli::random_hex::<16>().map_err(|e| e.to_string())
}

/// One journey of `kind` through the baseline; the final answer. Measured: see
/// [`crate::scenario`].
///
/// # Errors
/// Why the journey did not succeed.
#[inline(never)]
pub fn measured_baseline_journey(
    env: &Env,
    client: &Baseline,
    host: &mut Host<'_>,
    kind: Kind,
) -> Result<Value, String> {
    match kind {
        Kind::Enrollment => enrollment(client, host),
        Kind::Purchase => purchase(client, host, &env.purchase_token),
        Kind::DirectOtpNewCard => direct_otp(client, Some(crate::scenario::DIRECT_OTP_CARD)),
        Kind::DirectOtpSavedCard => direct_otp(client, None),
        Kind::VisaAcceptanceStepUp => visa_acceptance_step_up(env, client, host),
    }
}
