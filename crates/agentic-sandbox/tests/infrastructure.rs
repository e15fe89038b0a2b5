//! The sandbox's infrastructure over real HTTP: authentication layers, fault injection, the
//! admin endpoint, connection counting, the Visa page (served and headless), shutdown and
//! concurrency.
//!
//! Auth and fault tests run over small test routers wired exactly as the providers' are
//! ([`app_with`]): a handler that commits a side effect, so "handler ran" / "did not run" is
//! visible in the counters, independent of the provider handlers' own rules.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use agentic_sandbox::state::Counters;
use agentic_sandbox::{
    Fault, FaultRule, Operations, Provider, ProviderRoutes, Sandbox, SandboxConfig, Shared,
    app_with, page, reply,
};
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

// ---------------------------------------------------------------------------------------------
// Test routes
// ---------------------------------------------------------------------------------------------

const VAT_OPERATIONS: Operations = &[
    ("POST", "/initiateVerification", "juspay_vat.trigger_otp"),
    ("POST", "/card/tokenize", "juspay_vat.card_tokenize"),
];
const EC_OPERATIONS: Operations = &[
    ("POST", "/txns", "juspay_ec.start_authentication"),
    ("GET", "/orders/{order_id}", "juspay_ec.order_status"),
];
const OTP_PATH: &str =
    "/tms/v2/tokenized-cards/{token_id}/authentication-options/one-time-passwords";
const VA_OPERATIONS: Operations = &[("POST", OTP_PATH, "visa_acceptance.create_otp")];

/// Sends an OTP: counts it, answers the VAT success envelope.
async fn trigger_otp(State(shared): State<Arc<Shared>>) -> Response {
    Counters::bump(&shared.counters.otps_sent);
    reply::vat_success(
        "response",
        json!({"maxOTPRequestsAllowed": 3, "codeExpiration": 5}),
    )
}

async fn tokenize() -> Response {
    reply::json_status(StatusCode::OK, json!({"token": "ctkn_test"}))
}

/// Charges: counts it.
async fn txns(State(shared): State<Arc<Shared>>) -> Response {
    Counters::bump(&shared.counters.charges);
    reply::json_status(
        StatusCode::OK,
        json!({"status": "PENDING_VBV", "txn_id": "txn_1"}),
    )
}

/// A handler that never finishes in time (no fault involved).
async fn stuck() -> Response {
    tokio::time::sleep(Duration::from_secs(3600)).await;
    reply::json_status(StatusCode::OK, json!({}))
}

async fn order_status() -> Response {
    reply::json_status(StatusCode::OK, json!({"status": "CHARGED"}))
}

async fn create_otp(State(shared): State<Arc<Shared>>) -> Response {
    Counters::bump(&shared.counters.otps_sent);
    reply::json_status(StatusCode::CREATED, json!({"status": "OTP_SENT"}))
}

fn test_app(shared: Arc<Shared>) -> Router {
    app_with(
        shared,
        vec![
            ProviderRoutes {
                provider: Provider::JuspayVat,
                router: Router::new()
                    .route("/initiateVerification", post(trigger_otp))
                    .route("/card/tokenize", post(tokenize)),
                operations: VAT_OPERATIONS,
            },
            ProviderRoutes {
                provider: Provider::JuspayEc,
                router: Router::new()
                    .route("/txns", post(txns))
                    .route("/orders/{order_id}", get(order_status))
                    .route("/stuck", get(stuck)),
                operations: EC_OPERATIONS,
            },
            ProviderRoutes {
                provider: Provider::VisaAcceptance,
                router: Router::new().route(OTP_PATH, post(create_otp)),
                operations: VA_OPERATIONS,
            },
        ],
    )
}

fn start() -> Sandbox {
    Sandbox::start_custom(SandboxConfig::default(), "127.0.0.1:0", test_app)
        .expect("sandbox starts")
}

// ---------------------------------------------------------------------------------------------
// HTTP helpers
// ---------------------------------------------------------------------------------------------

fn agent() -> ureq::Agent {
    agent_with_timeout(Duration::from_secs(20))
}

fn agent_with_timeout(timeout: Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(timeout))
        .build()
        .into()
}

/// Status and body text of a response.
fn read(response: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> (u16, String) {
    let mut response = response.expect("an HTTP response");
    let status = response.status().as_u16();
    let body = response
        .body_mut()
        .read_to_string()
        .expect("a readable body");
    (status, body)
}

fn json_of(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body}"))
}

fn basic(key: &str) -> String {
    format!("Basic {}", STANDARD.encode(format!("{key}:")))
}

/// A VAT call with the given credentials (`None` leaves the header out).
fn vat_call(
    agent: &ureq::Agent,
    sandbox: &Sandbox,
    path: &str,
    authorization: Option<&str>,
    merchant: Option<&str>,
) -> Result<ureq::http::Response<ureq::Body>, ureq::Error> {
    let mut request = agent
        .post(format!("{}{path}", sandbox.base_url()))
        .header("content-type", "application/json");
    if let Some(value) = authorization {
        request = request.header("authorization", value);
    }
    if let Some(value) = merchant {
        request = request.header("x-merchantid", value);
    }
    request.send(r#"{"clientReferenceId":"abc"}"#)
}

/// A correctly authenticated VAT trigger-OTP call.
fn trigger(
    agent: &ureq::Agent,
    sandbox: &Sandbox,
) -> Result<ureq::http::Response<ureq::Body>, ureq::Error> {
    let config = sandbox.config().clone();
    vat_call(
        agent,
        sandbox,
        "/initiateVerification",
        Some(&basic(&config.api_key)),
        Some(&config.merchant_id),
    )
}

fn ec_txns(
    agent: &ureq::Agent,
    sandbox: &Sandbox,
) -> Result<ureq::http::Response<ureq::Body>, ureq::Error> {
    let config = sandbox.config();
    agent
        .post(format!("{}/txns", sandbox.base_url()))
        .header("authorization", basic(&config.api_key))
        .header("x-merchantid", &config.merchant_id)
        .header("content-type", "application/x-www-form-urlencoded")
        .send("order_id=o1&auth_type=OTP")
}

fn admin_get(agent: &ureq::Agent, sandbox: &Sandbox, path: &str) -> Value {
    let (status, body) = read(agent.get(format!("{}{path}", sandbox.base_url())).call());
    assert_eq!(status, 200, "{body}");
    json_of(&body)
}

fn admin_post(agent: &ureq::Agent, sandbox: &Sandbox, path: &str, body: &Value) -> (u16, Value) {
    let (status, text) = read(
        agent
            .post(format!("{}{path}", sandbox.base_url()))
            .header("content-type", "application/json")
            .send(body.to_string()),
    );
    (status, json_of(&text))
}

/// Waits (bounded) until `operation` has been called `n` times.
fn wait_for_calls(sandbox: &Sandbox, operation: &str, n: u32) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while sandbox.calls(operation) < n {
        assert!(
            Instant::now() < deadline,
            "{operation} never reached {n} calls"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

// ---------------------------------------------------------------------------------------------
// Visa Acceptance HTTP Signature, computed independently of the sandbox
// ---------------------------------------------------------------------------------------------

/// What to sign (and what to send, which a test may make differ).
struct Signed {
    host: String,
    date: String,
    target: String,
    merchant: String,
    key_id: String,
    secret_b64: String,
    body: String,
    /// `digest` sent; `None` computes the right one.
    digest: Option<String>,
    /// `headers` parameter.
    headers: &'static str,
}

impl Signed {
    fn new(sandbox: &Sandbox, body: &str) -> Self {
        let config = sandbox.config();
        Self {
            host: sandbox.addr().to_string(),
            date: httpdate::fmt_http_date(SystemTime::now()),
            target: "/tms/v2/tokenized-cards/tkn_1/authentication-options/one-time-passwords"
                .to_owned(),
            merchant: config.visa_merchant_id.clone(),
            key_id: config.visa_key_id.clone(),
            secret_b64: config.visa_shared_secret.clone(),
            body: body.to_owned(),
            digest: None,
            headers: "host date (request-target) digest v-c-merchant-id",
        }
    }

    fn right_digest(&self) -> String {
        format!(
            "SHA-256={}",
            STANDARD.encode(Sha256::digest(self.body.as_bytes()))
        )
    }

    fn signature(&self) -> String {
        let digest = self.digest.clone().unwrap_or_else(|| self.right_digest());
        let lines: Vec<String> = self
            .headers
            .split(' ')
            .map(|name| match name {
                "host" => format!("host: {}", self.host),
                "date" => format!("date: {}", self.date),
                "(request-target)" => format!("(request-target): post {}", self.target),
                "digest" => format!("digest: {digest}"),
                "v-c-merchant-id" => format!("v-c-merchant-id: {}", self.merchant),
                other => panic!("unexpected signed header {other}"),
            })
            .collect();
        let key = STANDARD.decode(&self.secret_b64).expect("base64 secret");
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&key).expect("hmac key");
        mac.update(lines.join("\n").as_bytes());
        format!(
            r#"keyid="{}", algorithm="HmacSHA256", headers="{}", signature="{}""#,
            self.key_id,
            self.headers,
            STANDARD.encode(mac.finalize().into_bytes())
        )
    }

    fn send(&self, agent: &ureq::Agent, base_url: &str) -> (u16, Value) {
        let digest = self.digest.clone().unwrap_or_else(|| self.right_digest());
        let (status, body) = read(
            agent
                .post(format!("{base_url}{}", self.target))
                .header("content-type", "application/json")
                .header("v-c-merchant-id", &self.merchant)
                .header("date", &self.date)
                .header("digest", &digest)
                .header("signature", self.signature())
                .send(self.body.as_str()),
        );
        (status, json_of(&body))
    }
}

/// Asserts the Cybersource 401 naming `header`.
fn assert_cybs_refusal(status: u16, body: &Value, kind: &str, header: &str) {
    assert_eq!(status, 401, "{body}");
    let error = &body["errors"][0];
    assert_eq!(error["type"], kind, "{body}");
    assert!(
        error["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("Authentication failed")),
        "{body}"
    );
    assert_eq!(
        error["details"],
        json!([{"name": header, "location": "header"}]),
        "{body}"
    );
}

// ---------------------------------------------------------------------------------------------
// Juspay authentication
// ---------------------------------------------------------------------------------------------

/// Asserts the J-PTP 401 envelope with `developer_message`.
fn assert_vat_401(status: u16, body: &str, developer_message: &str) {
    assert_eq!(status, 401, "{body}");
    let mut body = json_of(body);
    let request_id = body["error_info"]["request_id"].take();
    assert!(
        request_id.as_str().is_some_and(|id| !id.is_empty()),
        "{body}"
    );
    assert_eq!(
        body,
        json!({
            "error": true,
            "error_message": "Access Denied",
            "user_message": "Access Denied",
            "error_info": {
                "code": "UNAUTHORIZED",
                "category": "USER_ERROR",
                "href": "NA",
                "request_id": null,
                "user_message": "Unauthorized.",
                "developer_message": developer_message,
            }
        })
    );
}

#[test]
fn juspay_vat_accepts_the_configured_key_and_merchant() {
    let sandbox = start();
    let (status, body) = read(trigger(&agent(), &sandbox));
    assert_eq!(status, 200, "{body}");
    assert_eq!(json_of(&body)["status"], "SUCCESS");
    assert_eq!(sandbox.counters().otps_sent, 1);
}

#[test]
fn juspay_vat_refuses_bad_credentials_with_the_documented_401() {
    let sandbox = start();
    let agent = agent();
    let config = sandbox.config().clone();
    let key = basic(&config.api_key);
    let path = "/initiateVerification";

    let (status, body) = read(vat_call(
        &agent,
        &sandbox,
        path,
        Some(&basic("wrong_key")),
        Some(&config.merchant_id),
    ));
    assert_vat_401(status, &body, "Invalid API key.");

    let (status, body) = read(vat_call(
        &agent,
        &sandbox,
        path,
        Some(&key),
        Some("someone_else"),
    ));
    assert_vat_401(status, &body, "Invalid merchant ID.");

    let (status, body) = read(vat_call(&agent, &sandbox, path, Some(&key), None));
    assert_vat_401(status, &body, "Invalid merchant ID.");

    let (status, body) = read(vat_call(
        &agent,
        &sandbox,
        path,
        None,
        Some(&config.merchant_id),
    ));
    assert_vat_401(
        status,
        &body,
        "The Authorization header is missing: send Basic auth with the API key as user name and an empty password.",
    );

    let (status, body) = read(vat_call(
        &agent,
        &sandbox,
        path,
        Some("Bearer abc"),
        Some(&config.merchant_id),
    ));
    assert_vat_401(
        status,
        &body,
        "The Authorization header is not Basic auth of base64(api_key + \":\").",
    );

    // No refused call reached the handler.
    assert_eq!(sandbox.counters().otps_sent, 0);
}

#[test]
fn card_tokenize_needs_no_authentication() {
    let sandbox = start();
    let (status, body) = read(vat_call(&agent(), &sandbox, "/card/tokenize", None, None));
    assert_eq!(status, 200, "{body}");
    assert_eq!(json_of(&body)["token"], "ctkn_test");
}

#[test]
fn juspay_ec_refuses_with_the_classic_envelope_and_lets_txns_go_without_basic_auth() {
    let sandbox = start();
    let agent = agent();
    let config = sandbox.config().clone();
    let url = format!("{}/orders/o1", sandbox.base_url());

    let (status, body) = read(
        agent
            .get(&url)
            .header("authorization", basic(&config.api_key))
            .header("x-merchantid", &config.merchant_id)
            .call(),
    );
    assert_eq!(
        (status, json_of(&body)["status"].clone()),
        (200, json!("CHARGED")),
        "{body}"
    );

    let (status, body) = read(
        agent
            .get(&url)
            .header("authorization", basic("nope"))
            .header("x-merchantid", &config.merchant_id)
            .call(),
    );
    assert_eq!(status, 401);
    assert_eq!(
        json_of(&body),
        json!({"status": "error", "error_code": "access_denied", "error_message": "Invalid Authentication"})
    );

    let (status, body) = read(
        agent
            .get(&url)
            .header("authorization", basic(&config.api_key))
            .call(),
    );
    assert_eq!(status, 401);
    assert_eq!(
        json_of(&body),
        json!({"status": "error", "error_code": "access_denied", "error_message": "Invalid merchant ID."})
    );

    // POST /txns "is exempted from authentication" [J-ECINTRO] — but not from x-merchantid,
    // and a wrong key is still wrong.
    let txns = format!("{}/txns", sandbox.base_url());
    let (status, body) = read(
        agent
            .post(&txns)
            .header("x-merchantid", &config.merchant_id)
            .send("order_id=o1"),
    );
    assert_eq!(status, 200, "{body}");
    let (status, _) = read(agent.post(&txns).send("order_id=o1"));
    assert_eq!(status, 401);
    let (status, _) = read(
        agent
            .post(&txns)
            .header("authorization", basic("nope"))
            .header("x-merchantid", &config.merchant_id)
            .send("x=1"),
    );
    assert_eq!(status, 401);
    assert_eq!(sandbox.counters().charges, 1);
}

// ---------------------------------------------------------------------------------------------
// Visa Acceptance HTTP Signature
// ---------------------------------------------------------------------------------------------

#[test]
fn a_correctly_signed_visa_acceptance_request_passes() {
    let sandbox = start();
    let (status, body) = Signed::new(&sandbox, r#"{"clientReferenceInformation":{"code":"r1"}}"#)
        .send(&agent(), &sandbox.base_url());
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["status"], "OTP_SENT");
    assert_eq!(sandbox.counters().otps_sent, 1);
}

#[test]
fn visa_acceptance_refuses_a_bad_signature_digest_merchant_or_date() {
    let sandbox = start();
    let agent = agent();
    let base = sandbox.base_url();
    let body = r#"{"clientReferenceInformation":{"code":"r1"}}"#;

    // Signed with another secret.
    let mut signed = Signed::new(&sandbox, body);
    signed.secret_b64 = STANDARD.encode("not the shared secret");
    let (status, answer) = signed.send(&agent, &base);
    assert_cybs_refusal(status, &answer, "invalidHeaders", "signature");

    // A digest of another body (signed consistently, so only the digest check can refuse).
    let mut signed = Signed::new(&sandbox, body);
    signed.digest = Some(format!(
        "SHA-256={}",
        STANDARD.encode(Sha256::digest(b"{}"))
    ));
    let (status, answer) = signed.send(&agent, &base);
    assert_cybs_refusal(status, &answer, "invalidHeaders", "digest");

    // Another merchant.
    let mut signed = Signed::new(&sandbox, body);
    signed.merchant = "other_merchant".to_owned();
    let (status, answer) = signed.send(&agent, &base);
    assert_cybs_refusal(status, &answer, "invalidHeaders", "v-c-merchant-id");

    // Ten minutes old.
    let mut signed = Signed::new(&sandbox, body);
    signed.date = httpdate::fmt_http_date(SystemTime::now() - Duration::from_secs(600));
    let (status, answer) = signed.send(&agent, &base);
    assert_cybs_refusal(status, &answer, "invalidHeaders", "date");

    // Another key id.
    let mut signed = Signed::new(&sandbox, body);
    signed.key_id = "00000000-0000-0000-0000-000000000000".to_owned();
    let (status, answer) = signed.send(&agent, &base);
    assert_cybs_refusal(status, &answer, "invalidHeaders", "signature");

    // digest left out of the signed headers.
    let mut signed = Signed::new(&sandbox, body);
    signed.headers = "host date (request-target) v-c-merchant-id";
    let (status, answer) = signed.send(&agent, &base);
    assert_cybs_refusal(status, &answer, "invalidHeaders", "signature");

    // No signature at all.
    let (status, answer) = read(
        agent
            .post(format!(
                "{base}/tms/v2/tokenized-cards/tkn_1/authentication-options/one-time-passwords"
            ))
            .header("v-c-merchant-id", &sandbox.config().visa_merchant_id)
            .header("date", httpdate::fmt_http_date(SystemTime::now()))
            .header("digest", Signed::new(&sandbox, body).right_digest())
            .send(body),
    );
    assert_cybs_refusal(status, &json_of(&answer), "missingHeaders", "signature");

    assert_eq!(sandbox.counters().otps_sent, 0);
}

// ---------------------------------------------------------------------------------------------
// Faults
// ---------------------------------------------------------------------------------------------

fn rule(operation: &str, nth: Option<u32>, fault: Fault) -> FaultRule {
    FaultRule {
        operation: operation.to_owned(),
        nth,
        fault,
    }
}

#[test]
fn delay_answers_normally_after_the_delay() {
    let sandbox = start();
    sandbox.inject(rule(
        "juspay_vat.trigger_otp",
        None,
        Fault::Delay { ms: 300 },
    ));
    let started = Instant::now();
    let (status, _) = read(trigger(&agent(), &sandbox));
    assert_eq!(status, 200);
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(sandbox.counters().otps_sent, 1);
}

#[test]
fn connection_reset_drops_the_connection_before_the_handler_runs() {
    let sandbox = start();
    sandbox.inject(rule("juspay_vat.trigger_otp", None, Fault::ConnectionReset));
    let outcome = trigger(&agent(), &sandbox);
    // A real TCP reset (SO_LINGER 0), not a clean close.
    assert!(
        matches!(&outcome, Err(ureq::Error::Io(e)) if e.kind() == std::io::ErrorKind::ConnectionReset),
        "expected a connection reset, got {:?}",
        outcome.map(|r| r.status())
    );
    assert_eq!(sandbox.calls("juspay_vat.trigger_otp"), 1);
    assert_eq!(sandbox.counters().otps_sent, 0);
}

#[test]
fn timeout_after_commit_runs_the_handler_and_never_answers() {
    let sandbox = start();
    sandbox.inject(rule(
        "juspay_vat.trigger_otp",
        None,
        Fault::TimeoutAfterCommit,
    ));
    let outcome = trigger(&agent_with_timeout(Duration::from_millis(800)), &sandbox);
    assert!(
        matches!(outcome, Err(ureq::Error::Timeout(_))),
        "expected a timeout, got {:?}",
        outcome.map(|r| r.status())
    );
    // The side effect happened although no answer came.
    assert_eq!(sandbox.counters().otps_sent, 1);
}

#[test]
fn server_error_answers_the_status_without_running_the_handler() {
    let sandbox = start();
    sandbox.inject(rule(
        "juspay_vat.trigger_otp",
        None,
        Fault::ServerError { status: 503 },
    ));
    sandbox.inject(rule(
        "juspay_ec.start_authentication",
        None,
        Fault::ServerError { status: 500 },
    ));
    let agent = agent();
    let (status, body) = read(trigger(&agent, &sandbox));
    assert_eq!(status, 503);
    assert_eq!(json_of(&body)["error_info"]["category"], "SERVER_ERROR");
    let (status, body) = read(ec_txns(&agent, &sandbox));
    assert_eq!(status, 500);
    assert_eq!(json_of(&body)["error_code"], "internal_server_error");
    assert_eq!(sandbox.counters().otps_sent, 0);
    assert_eq!(sandbox.counters().charges, 0);
}

#[test]
fn malformed_body_runs_the_handler_and_answers_truncated_non_json() {
    let sandbox = start();
    sandbox.inject(rule("juspay_vat.trigger_otp", None, Fault::MalformedBody));
    let (status, body) = read(trigger(&agent(), &sandbox));
    assert_eq!(status, 200);
    assert!(!body.is_empty());
    assert!(
        serde_json::from_str::<Value>(&body).is_err(),
        "still JSON: {body}"
    );
    assert!(body.starts_with("{\""), "a truncated JSON object: {body}");
    assert_eq!(sandbox.counters().otps_sent, 1);
}

#[test]
fn non_success_answers_each_providers_failure_envelope_without_running_the_handler() {
    let sandbox = start();
    let agent = agent();
    for operation in [
        "juspay_vat.trigger_otp",
        "juspay_ec.start_authentication",
        "visa_acceptance.create_otp",
    ] {
        sandbox.inject(rule(operation, None, Fault::NonSuccess));
    }

    let (status, body) = read(trigger(&agent, &sandbox));
    assert_eq!(status, 200, "VAT fails on HTTP 200");
    let body = json_of(&body);
    assert_eq!(body["status"], "FAILURE");
    assert_eq!(body["errorCode"], "SANDBOX_FAULT");

    let (status, body) = read(ec_txns(&agent, &sandbox));
    assert_eq!(status, 400);
    let body = json_of(&body);
    assert_eq!(
        (body["status"].as_str(), body["error_code"].as_str()),
        (Some("invalid_request_error"), Some("invalid"))
    );

    let (status, body) = Signed::new(&sandbox, "{}").send(&agent, &sandbox.base_url());
    assert_eq!(status, 400);
    assert_eq!(body["errors"][0]["type"], "invalidFields");

    assert_eq!(sandbox.counters().otps_sent, 0);
    assert_eq!(sandbox.counters().charges, 0);
}

#[test]
fn a_rule_with_nth_hits_only_that_call() {
    let sandbox = start();
    sandbox.inject(rule(
        "juspay_vat.trigger_otp",
        Some(2),
        Fault::ServerError { status: 502 },
    ));
    let agent = agent();
    let statuses: Vec<u16> = (0..3).map(|_| read(trigger(&agent, &sandbox)).0).collect();
    assert_eq!(statuses, [200, 502, 200]);
    assert_eq!(sandbox.calls("juspay_vat.trigger_otp"), 3);
    assert_eq!(sandbox.counters().otps_sent, 2);
    // Other operations are not affected.
    assert_eq!(read(ec_txns(&agent, &sandbox)).0, 200);
}

// ---------------------------------------------------------------------------------------------
// Admin endpoint, counters, connections
// ---------------------------------------------------------------------------------------------

#[test]
fn faults_are_set_listed_and_cleared_over_http() {
    let sandbox = start();
    let agent = agent();
    let rule_json = json!({"operation": "juspay_ec.start_authentication", "nth": 1, "fault": {"kind": "server_error", "status": 504}});
    let (status, echoed) = admin_post(&agent, &sandbox, "/__sandbox/faults", &rule_json);
    assert_eq!((status, echoed), (201, rule_json.clone()));
    assert_eq!(
        admin_get(&agent, &sandbox, "/__sandbox/faults"),
        json!([rule_json])
    );

    assert_eq!(read(ec_txns(&agent, &sandbox)).0, 504);
    assert_eq!(read(ec_txns(&agent, &sandbox)).0, 200);
    assert_eq!(
        admin_get(&agent, &sandbox, "/__sandbox/calls")["juspay_ec.start_authentication"],
        2
    );

    let (status, body) = read(
        agent
            .delete(format!("{}/__sandbox/faults", sandbox.base_url()))
            .call(),
    );
    assert_eq!((status, json_of(&body)), (200, json!({"cleared": 1})));
    assert_eq!(admin_get(&agent, &sandbox, "/__sandbox/faults"), json!([]));

    let (status, body) = admin_post(
        &agent,
        &sandbox,
        "/__sandbox/faults",
        &json!({"operation": "x", "fault": {"kind": "nope"}}),
    );
    assert_eq!(status, 400);
    assert!(
        body["error"]
            .as_str()
            .is_some_and(|e| e.contains("not a fault rule")),
        "{body}"
    );
}

#[test]
fn counters_over_http_match_the_in_process_ones() {
    let sandbox = start();
    let agent = agent();
    read(trigger(&agent, &sandbox));
    read(ec_txns(&agent, &sandbox));
    let over_http = admin_get(&agent, &sandbox, "/__sandbox/counters");
    assert_eq!(
        over_http,
        serde_json::to_value(sandbox.counters()).expect("serialisable")
    );
    assert_eq!(over_http["otps_sent"], 1);
    assert_eq!(over_http["charges"], 1);
    // Admin calls are not counted as requests.
    assert_eq!(over_http["requests"], 2);
}

#[test]
fn one_agent_reuses_one_connection() {
    let sandbox = start();
    let agent = agent();
    for _ in 0..5 {
        assert_eq!(read(trigger(&agent, &sandbox)).0, 200);
    }
    // Refusals and fault answers keep the connection too.
    sandbox.inject(rule(
        "juspay_vat.trigger_otp",
        Some(6),
        Fault::ServerError { status: 500 },
    ));
    assert_eq!(read(trigger(&agent, &sandbox)).0, 500);
    let config = sandbox.config().clone();
    let refused = vat_call(
        &agent,
        &sandbox,
        "/initiateVerification",
        Some(&basic("x")),
        Some(&config.merchant_id),
    );
    assert_eq!(read(refused).0, 401);
    let counters = sandbox.counters();
    assert_eq!(counters.connections_accepted, 1);
    assert_eq!(counters.requests, 7);
    // A second agent is a second connection.
    read(trigger(
        &agent_with_timeout(Duration::from_secs(20)),
        &sandbox,
    ));
    assert_eq!(sandbox.counters().connections_accepted, 2);
}

// ---------------------------------------------------------------------------------------------
// Visa page
// ---------------------------------------------------------------------------------------------

#[test]
fn headless_session_and_ceremony_round_trip() {
    let sandbox = start();
    let agent = agent();

    let create = json!({"type": "CREATE_AUTH_SESSION", "requestID": "req-42", "version": "1", "client": {"id": "client-1"}});
    let (status, session) = admin_post(&agent, &sandbox, "/__sandbox/visa-page/session", &create);
    assert_eq!(status, 200, "{session}");
    let keys: Vec<&str> = session
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    let mut sorted = keys.clone();
    sorted.sort_unstable();
    assert_eq!(
        sorted,
        [
            "authenticationPreferencesSupported",
            "browserData",
            "dfpSessionID",
            "requestID",
            "sessionContext",
            "type",
            "version"
        ]
    );
    assert_eq!(session["type"], "AUTH_SESSION_CREATED");
    assert_eq!(session["requestID"], "req-42");
    assert_eq!(session["version"], "1");
    assert_eq!(
        session["authenticationPreferencesSupported"],
        json!({"requiresPopupForAuthenticate": false, "requiresPopupForRegister": false})
    );
    let browser = session["browserData"].as_object().expect("browserData");
    assert_eq!(browser.len(), 10);
    assert_eq!(browser["browserJavascriptEnabled"], true);
    assert!(browser["browserScreenWidth"].is_string());
    let token = session["sessionContext"]["secureToken"]
        .as_str()
        .expect("secureToken");
    assert!(token.starts_with("ezAwMX06"));
    assert!(page::session_exists(sandbox.shared(), token));

    // A provider issued a REGISTER ceremony; the host posts AUTHENTICATE.
    let issued = page::new_ceremony(sandbox.shared(), "REGISTER", "vpt_1");
    let authenticate = json!({
        "type": "AUTHENTICATE", "requestID": "req-42", "version": "1",
        "authenticationContext": {
            "identifier": issued.identifier, "endpoint": issued.endpoint, "payload": issued.payload,
            "action": "REGISTER", "platformType": "WEB",
            "authenticationPreferencesEnabled": {"responseType": "code", "responseMode": "com_visa_web_message"}
        }
    });
    let (status, complete) = admin_post(
        &agent,
        &sandbox,
        "/__sandbox/visa-page/ceremony",
        &authenticate,
    );
    assert_eq!(status, 200, "{complete}");
    let blob = complete["assuranceData"]["fidoBlob"]
        .as_str()
        .expect("fidoBlob")
        .to_owned();
    assert_eq!(
        complete,
        json!({"type": "AUTH_COMPLETE", "requestID": "req-42",
               "assuranceData": {"fidoBlob": blob, "identifier": issued.identifier, "rpID": page::RP_ID}})
    );
    assert!(page::assurance_valid(
        sandbox.shared(),
        &issued.identifier,
        &blob
    ));
    assert!(page::has_passkey(sandbox.shared(), "vpt_1"));
    assert_eq!(sandbox.counters().passkeys_registered, 1);

    // The in-process twin answers the same.
    assert_eq!(
        sandbox.complete_ceremony_message(&authenticate),
        Ok(complete)
    );
    assert_eq!(sandbox.counters().passkeys_registered, 1);

    // Unknown identifier, wrong payload, wrong action: AUTH_FAILED.
    let mut unknown = authenticate.clone();
    unknown["authenticationContext"]["identifier"] = json!("0000");
    let (status, failed) = admin_post(&agent, &sandbox, "/__sandbox/visa-page/ceremony", &unknown);
    assert_eq!(
        (status, failed["type"].as_str(), failed["reason"].as_str()),
        (400, Some("AUTH_FAILED"), Some("UNKNOWN_IDENTIFIER"))
    );
    assert_eq!(failed["requestID"], "req-42");

    let mut forged = authenticate.clone();
    forged["authenticationContext"]["payload"] = json!("a.b.c");
    let (status, failed) = admin_post(&agent, &sandbox, "/__sandbox/visa-page/ceremony", &forged);
    assert_eq!(
        (status, failed["reason"].as_str()),
        (400, Some("INVALID_PAYLOAD"))
    );

    let mut wrong_action = authenticate;
    wrong_action["authenticationContext"]["action"] = json!("AUTHENTICATE");
    let (status, failed) = admin_post(
        &agent,
        &sandbox,
        "/__sandbox/visa-page/ceremony",
        &wrong_action,
    );
    assert_eq!(
        (status, failed["reason"].as_str()),
        (400, Some("ACTION_MISMATCH"))
    );

    let (status, failed) = admin_post(
        &agent,
        &sandbox,
        "/__sandbox/visa-page/ceremony",
        &json!({"type": "CLOSE_AUTH_SESSION"}),
    );
    assert_eq!(
        (status, failed["reason"].as_str()),
        (400, Some("INVALID_MESSAGE"))
    );
}

#[test]
fn the_visa_page_is_served_on_the_sandbox_origin() {
    let sandbox = Sandbox::start().expect("sandbox starts");
    assert_eq!(
        sandbox.visa_page_url(),
        format!("{}/vts-auth/authenticate", sandbox.base_url())
    );
    let mut response = agent()
        .get(format!(
            "{}?apikey=k&clientAppID=app",
            sandbox.visa_page_url()
        ))
        .header("accept", "text/html,application/xhtml+xml")
        .call()
        .expect("page");
    assert_eq!(response.status().as_u16(), 200);
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    assert!(content_type.starts_with("text/html"), "{content_type}");
    let html = response.body_mut().read_to_string().expect("html");
    for needle in [
        "window.opener",
        "window.parent",
        "AUTH_READY",
        "CREATE_AUTH_SESSION",
        "/__sandbox/visa-page/session",
        "AUTHENTICATE",
        "/__sandbox/visa-page/ceremony",
        "Use passkey",
        "AUTH_CANCELLED",
        "CLOSE_AUTH_SESSION",
        // The Accept header it was loaded with becomes browserHeader.
        r#"var BROWSER_HEADER = "text/html,application/xhtml+xml";"#,
    ] {
        assert!(html.contains(needle), "page lacks {needle}");
    }
}

#[test]
fn the_real_app_serves_the_admin_routes_and_json_404s() {
    let sandbox = Sandbox::start().expect("sandbox starts");
    let agent = agent();
    assert_eq!(
        admin_get(&agent, &sandbox, "/__sandbox/counters")["connections_accepted"],
        1
    );
    let (status, body) = read(
        agent
            .get(format!("{}/no/such/route", sandbox.base_url()))
            .call(),
    );
    assert_eq!(status, 404);
    assert_eq!(json_of(&body)["error_code"], "not_found");
}

// ---------------------------------------------------------------------------------------------
// Shutdown and concurrency
// ---------------------------------------------------------------------------------------------

#[test]
fn shutdown_is_prompt_with_a_hanging_connection() {
    let sandbox = start();
    sandbox.inject(rule(
        "juspay_vat.trigger_otp",
        None,
        Fault::TimeoutAfterCommit,
    ));
    let base = sandbox.base_url();
    let config = sandbox.config().clone();
    let client = std::thread::spawn(move || {
        // No client timeout: only the server can end this call.
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        agent
            .post(format!("{base}/initiateVerification"))
            .header("authorization", basic(&config.api_key))
            .header("x-merchantid", &config.merchant_id)
            .send("{}")
            .map(|r| r.status().as_u16())
    });
    wait_for_calls(&sandbox, "juspay_vat.trigger_otp", 1);
    // An idle keep-alive connection too.
    let idle = agent();
    admin_get(&idle, &sandbox, "/__sandbox/counters");

    let started = Instant::now();
    sandbox.shutdown();
    let took = started.elapsed();
    // Well under the two-second grace period: the fault ends at the shutdown signal.
    assert!(took < Duration::from_millis(1500), "shutdown took {took:?}");
    let outcome = client.join().expect("client thread");
    assert!(
        outcome.is_err(),
        "the hanging call got an answer: {outcome:?}"
    );
}

#[test]
fn shutdown_waits_a_bounded_time_for_a_handler_that_never_ends() {
    let sandbox = start();
    let url = format!("{}/stuck", sandbox.base_url());
    let config = sandbox.config().clone();
    let client = std::thread::spawn(move || {
        agent()
            .get(url)
            .header("authorization", basic(&config.api_key))
            .header("x-merchantid", &config.merchant_id)
            .call()
            .map(|r| r.status().as_u16())
    });
    let deadline = Instant::now() + Duration::from_secs(20);
    while sandbox.counters().requests < 1 {
        assert!(Instant::now() < deadline, "the request never arrived");
        std::thread::sleep(Duration::from_millis(10));
    }
    let started = Instant::now();
    drop(sandbox);
    let took = started.elapsed();
    assert!(took < Duration::from_secs(10), "shutdown took {took:?}");
    assert!(client.join().expect("client thread").is_err());
}

#[test]
fn dropping_the_sandbox_frees_the_port() {
    let sandbox = start();
    let addr = sandbox.addr();
    drop(sandbox);
    let outcome = agent()
        .get(format!("http://{addr}/__sandbox/counters"))
        .call();
    assert!(outcome.is_err());
}

#[test]
fn sixty_four_concurrent_requests_are_all_answered() {
    let sandbox = Arc::new(start());
    // Every call waits a little so they overlap.
    sandbox.inject(rule(
        "juspay_vat.trigger_otp",
        None,
        Fault::Delay { ms: 100 },
    ));
    let barrier = Arc::new(std::sync::Barrier::new(64));
    let threads: Vec<_> = (0..64)
        .map(|_| {
            let sandbox = Arc::clone(&sandbox);
            let barrier = Arc::clone(&barrier);
            std::thread::spawn(move || {
                let agent = agent();
                barrier.wait();
                read(trigger(&agent, &sandbox))
            })
        })
        .collect();
    for thread in threads {
        let (status, body) = thread.join().expect("client thread");
        assert_eq!(status, 200, "{body}");
        assert_eq!(json_of(&body)["status"], "SUCCESS");
    }
    let counters = sandbox.counters();
    assert_eq!(counters.otps_sent, 64);
    assert_eq!(counters.requests, 64);
    assert_eq!(counters.connections_accepted, 64);
}

/// Runs the page's own script in a minimal simulated browser under node (`tests/visa_page_sim.js`),
/// playing the host's side of the protocol. Skipped, saying so, where node is not installed.
#[test]
fn the_visa_page_script_speaks_the_protocol() {
    let Ok(version) = std::process::Command::new("node").arg("--version").output() else {
        eprintln!("node is not installed: the page script simulation is skipped");
        return;
    };
    let major: u32 = String::from_utf8_lossy(&version.stdout)
        .trim()
        .trim_start_matches('v')
        .split('.')
        .next()
        .and_then(|m| m.parse().ok())
        .unwrap_or(0);
    if major < 18 {
        eprintln!("node {major} has no fetch: the page script simulation is skipped");
        return;
    }
    let sandbox = Sandbox::start().expect("sandbox starts");
    let register = page::new_ceremony(sandbox.shared(), "REGISTER", "vpt_sim");
    let authenticate = page::new_ceremony(sandbox.shared(), "AUTHENTICATE", "vpt_sim");
    let output = std::process::Command::new("node")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/visa_page_sim.js"
        ))
        .arg(sandbox.base_url())
        .args([&register.identifier, &register.endpoint, &register.payload])
        .args([
            &authenticate.identifier,
            &authenticate.endpoint,
            &authenticate.payload,
        ])
        .output()
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && stdout.contains("SIMULATION OK"),
        "{stdout}\n{stderr}"
    );
    assert_eq!(sandbox.counters().passkeys_registered, 1);
    assert!(page::has_passkey(sandbox.shared(), "vpt_sim"));
}

// ---------------------------------------------------------------------------------------------
// The real app: every provider operation is known to the fault layer and authenticated
// ---------------------------------------------------------------------------------------------

/// Every `(method, route, operation)` of the three providers, with its provider.
fn real_operations() -> Vec<(Provider, &'static str, &'static str, &'static str)> {
    ProviderRoutes::all()
        .into_iter()
        .flat_map(|routes| {
            routes
                .operations
                .iter()
                .map(move |(method, route, name)| (routes.provider, *method, *route, *name))
        })
        .collect()
}

/// The route with every `{param}` filled in.
fn concrete(route: &str) -> String {
    route
        .split('/')
        .map(|segment| {
            if segment.starts_with('{') {
                "x1"
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn call_unauthenticated(
    agent: &ureq::Agent,
    base: &str,
    method: &str,
    route: &str,
) -> (u16, String) {
    let url = format!("{base}{}", concrete(route));
    match method {
        "GET" => read(agent.get(url).call()),
        _ => read(
            agent
                .post(url)
                .header("content-type", "application/json")
                .send("{}"),
        ),
    }
}

#[test]
fn every_real_operation_reaches_the_fault_layer() {
    let sandbox = Sandbox::start().expect("sandbox starts");
    let agent = agent();
    let operations = real_operations();
    assert!(operations.len() >= 15, "{operations:?}");
    for (_, _, _, name) in &operations {
        sandbox.inject(rule(name, Some(1), Fault::ServerError { status: 503 }));
    }
    for (provider, method, route, name) in &operations {
        let (status, body) = call_unauthenticated(&agent, &sandbox.base_url(), method, route);
        assert_eq!(status, 503, "{provider:?} {method} {route}: {body}");
        assert_eq!(sandbox.calls(name), 1, "{name}");
        json_of(&body);
    }
}

#[test]
fn every_real_operation_but_the_browser_ones_needs_credentials() {
    let sandbox = Sandbox::start().expect("sandbox starts");
    let agent = agent();
    for (provider, method, route, name) in real_operations() {
        let (status, body) = call_unauthenticated(&agent, &sandbox.base_url(), method, route);
        if agentic_sandbox::auth::UNAUTHENTICATED_ROUTES.contains(&route) {
            assert_ne!(status, 401, "{name} needs no authentication: {body}");
            continue;
        }
        assert_eq!(status, 401, "{name}: {body}");
        let body = json_of(&body);
        match provider {
            Provider::JuspayVat => assert_eq!(body["error_info"]["code"], "UNAUTHORIZED", "{name}"),
            Provider::JuspayEc => assert_eq!(body["error_code"], "access_denied", "{name}"),
            Provider::VisaAcceptance => {
                assert_eq!(body["errors"][0]["type"], "missingHeaders", "{name}")
            }
        }
    }
    assert_eq!(sandbox.counters().otps_sent, 0);
}
