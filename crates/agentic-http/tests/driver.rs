//! The driver end to end: each journey runs through `Client` + `UreqTransport` against a
//! scripted loopback server; the exact requests, headers and connection count are checked; a
//! log capture at TRACE finds no secret; retries happen only before sending.

#[path = "support/server.rs"]
mod server;

use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use agentic_core::HttpResponse;
use agentic_core::journey::direct_otp::{self, CardSecrets, DirectOtpParams, DirectOtpSecrets};
use agentic_core::journey::enrollment::{
    self, EnrollmentDetails, EnrollmentParams, EnrollmentSecrets,
};
use agentic_core::journey::purchase::{
    self, InstructionLimit, PurchaseParams, PurchaseTransaction,
};
use agentic_core::journey::{Input, Journey, Outcome, Prompt, ReferenceId, Script, UnixMillis};
use agentic_core::juspay_vat::IdentityType;
use agentic_core::secret::SigningSecret;
use agentic_core::secret::{
    ApiKey, CardNumber, CardSecurityCode, CardToken, ExpiryMonth, ExpiryYear, Otp,
};
use agentic_core::visa_page::{PlatformType, VisaPageOrigin};
use agentic_http::config::{
    JuspayAuth, JuspayConfig, JuspayEnvironment, VisaAcceptanceConfig, VisaAcceptanceEnvironment,
};
use agentic_http::{
    Client, ClientConfig, Clock, Stop, Timeouts, Transport, TransportError, WireRequest,
};
use server::{Action, Reply, TestServer};

// Canary secrets: none may appear in any log line.
const API_KEY: &str = "api-key-canary-3e9d41";
const SECURE_TOKEN: &str = "ezAwMX06-secure-canary-8a7c";
const VISA_PAYLOAD: &str = "eyJhbGciOi.canary-payload.sig77";
const FIDO_BLOB: &str = "fido-blob-canary-b3c1";
const CARD_TOKEN: &str = "ctkn_canary42x";
const PAN: &str = "4111111111111111";
const CVV: &str = "737";
const OTP: &str = "918273";
const TOKEN_NUMBER: &str = "4895370099990001";
const CRYPTOGRAM: &str = "AgAAAAAAAIR8CQrXcanary0=";
const CANARIES: &[&str] = &[
    API_KEY,
    SECURE_TOKEN,
    VISA_PAYLOAD,
    FIDO_BLOB,
    CARD_TOKEN,
    PAN,
    OTP,
    TOKEN_NUMBER,
    CRYPTOGRAM,
];

/// A clock that never sleeps: waiting moves time forward.
#[derive(Default)]
struct ManualClock(AtomicU64);

impl Clock for ManualClock {
    fn now(&self) -> UnixMillis {
        self.0.load(Ordering::SeqCst) + 1_700_000_000_000
    }
    fn sleep_until(&self, until: UnixMillis) {
        let now = self.now();
        if until > now {
            self.0.fetch_add(until - now, Ordering::SeqCst);
        }
    }
}

fn juspay_config(server: &TestServer) -> ClientConfig {
    let juspay = JuspayConfig::new(
        JuspayEnvironment::Custom(server.url("")),
        "merchant_7",
        JuspayAuth::ApiKey(ApiKey::new("api_key", API_KEY).expect("valid")),
    )
    .with_routing_id("customer_1122");
    ClientConfig::new(
        Some(juspay),
        None,
        Timeouts {
            connect: Duration::from_secs(2),
            read: Duration::from_millis(400),
            overall: Duration::from_secs(3),
        },
    )
    .expect("valid config")
}

const SHARED_SECRET: &str = "c2lnbmluZy1zZWNyZXQtY2FuYXJ5LTQ0ZjE="; // base64("signing-secret-canary-44f1")

fn visa_config(server: &TestServer) -> ClientConfig {
    let visa = VisaAcceptanceConfig::new(
        VisaAcceptanceEnvironment::Custom(server.url("")),
        "visa_merchant_9",
        "08c94330-f618-42a3-b09d-e1e43be5efda",
        SigningSecret::new("shared_secret", SHARED_SECRET).expect("valid"),
    );
    ClientConfig::new(
        None,
        Some(visa),
        Timeouts {
            connect: Duration::from_secs(2),
            read: Duration::from_millis(400),
            overall: Duration::from_secs(3),
        },
    )
    .expect("valid config")
}

fn visa_journey() -> Journey<agentic_core::journey::visa_acceptance::VisaAcceptancePasskey> {
    use agentic_core::journey::visa_acceptance::{self as va, VisaAcceptancePasskeyParams};
    use agentic_core::visa_acceptance::{AmountDetails, MerchantDescriptor};
    let params = VisaAcceptancePasskeyParams::new(
        "tkn_registered",
        AmountDetails::new("1765.95", "978").expect("valid"),
        MerchantDescriptor::new("Merchant VZaF5XBj", "https://www.Merchant-VZaF5XBj.com")
            .expect("valid"),
        "en-US",
        "buyer@example.com",
        None,
        VisaPageOrigin::sandbox(),
    )
    .expect("valid");
    va::start(params, ReferenceId::from_entropy([3; 16]))
}

fn script_visa(server: &TestServer) {
    server.push(Reply::json(201, &format!(r#"{{"action": "AUTHENTICATE", "authenticationContext": {{"id": "ctx-77", "endpoint": "L29hdXRoMg==", "payload": "{VISA_PAYLOAD}"}}}}"#)));
}

fn client(server: &TestServer) -> Client {
    Client::with_ureq(juspay_config(server), None)
        .expect("client")
        .with_clock(Arc::new(ManualClock::default()))
}

fn origin() -> &'static str {
    "https://sbx.vts.auth.visa.com"
}

/// Answers every prompt the way a host app would, with canary secrets.
fn answer(prompt: &Prompt) -> Input {
    match prompt {
        Prompt::ProvideVisaSession { .. } => Input::VisaMessage {
            json: format!(
                r#"{{"type":"AUTH_SESSION_CREATED","requestID":"r-1","version":"1","sessionContext":{{"secureToken":"{SECURE_TOKEN}"}},
                "browserData":{{"browserJavaEnabled":false,"browserJavascriptEnabled":true,"browserLanguage":"en-GB","browserColorDepth":"30",
                "browserScreenHeight":"1117","browserScreenWidth":"1728","browserTimeZone":"-330","userAgent":"Mozilla/5.0","browserHeader":"text/html","ipAddress":"104.28.3.19"}}}}"#
            ),
            origin: origin().into(),
        },
        Prompt::ChooseStepUp { methods } => Input::ChooseStepUp {
            identifier: methods[0].identifier.clone(),
        },
        Prompt::EnterOtp { .. } => Input::Otp(Otp::new("otp", OTP).expect("valid")),
        Prompt::PasskeyCeremony { .. } => Input::VisaMessage {
            json: format!(
                r#"{{"type":"AUTH_COMPLETE","requestID":"r-1","assuranceData":{{"fidoBlob":"{FIDO_BLOB}","identifier":"c3d04cbe","rpID":"visa.com"}}}}"#
            ),
            origin: origin().into(),
        },
        Prompt::Redirect { .. } => Input::RedirectCompleted,
        Prompt::CompleteStepUp { .. } => Input::StepUpCompleted,
        Prompt::ConfirmUnknownOutcome { .. } => Input::Cancel,
    }
}

/// Runs to the end, answering prompts; returns the final stop and the prompts seen.
fn run_to_end<S: Script>(client: &Client, journey: &mut Journey<S>) -> (Stop, Vec<String>) {
    let mut prompts = Vec::new();
    for _ in 0..20 {
        match client.run(journey).expect("driver runs") {
            Stop::Prompt(prompt) => {
                prompts.push(
                    format!("{prompt:?}")
                        .split([' ', '{', '('])
                        .next()
                        .unwrap_or_default()
                        .to_owned(),
                );
                journey.submit(answer(&prompt), 0).expect("input accepted");
            }
            end => return (end, prompts),
        }
    }
    panic!("journey did not end");
}

// ----- scripted responses (documented samples) -----------------------------------------------

fn provision_step_up() -> Reply {
    Reply::json(
        200,
        r#"{"errorMessage": null, "status": "SUCCESS", "errorCode": null, "payload": {"stepUpResponse": {
        "availableStepUpMethod": [{"value": "**PSMS", "identifier": "bvksaj=", "method": "OTPSMS"}],
        "otpInfo": null, "deviceBindingStatus": "CHALLENGED", "stepUpMethod": null}, "vProvisionedTokenId": "vpt_479518c7"}}"#,
    )
}

fn provision_ceremony(action: &str) -> Reply {
    Reply::json(
        200,
        &format!(
            r#"{{"errorMessage": null, "status": "SUCCESS", "errorCode": null, "payload": {{"actionToBePerformed": "{action}",
        "authPreferencesEnabled": {{"responseType": "code", "responseMode": "com_visa_web_message"}}, "platformType": "WEB",
        "payload": "{VISA_PAYLOAD}", "identifier": "c3d04cbe", "endpoint": "L29hdXRoMg=="}}}}"#
        ),
    )
}

fn enrollment_journey() -> Journey<agentic_core::journey::enrollment::Enrollment> {
    let details = EnrollmentDetails {
        customer_id: "user_1234567".into(),
        identity_type: IdentityType::EmailAddress,
        country_code: "US".into(),
        user_agent: "Mozilla/5.0".into(),
        ip_address: "104.28.3.25".into(),
        device_model: "Macintosh".into(),
        device_brand: "Apple".into(),
        device_manufacturer: "Apple".into(),
        app_name: String::new(),
        amount: "92.65".into(),
        currency: "SGD".into(),
        platform_type: PlatformType::Web,
        page_origin: VisaPageOrigin::sandbox(),
    };
    let secrets = EnrollmentSecrets::default()
        .with_card_token(CardToken::new("cardObj", CARD_TOKEN).expect("valid"));
    enrollment::start(
        EnrollmentParams::new(details).expect("valid"),
        ReferenceId::from_entropy([7; 16]),
        secrets,
    )
    .expect("starts")
}

fn script_enrollment(server: &TestServer) {
    server.push(provision_step_up());
    server.push(Reply::json(200, r#"{"errorMessage": null, "status": "SUCCESS", "errorCode": null, "response": {"maxOTPVerificationAllowed": 3, "maxOTPRequestsAllowed": 3, "codeExpiration": 5}}"#));
    server.push(Reply::json(
        200,
        r#"{"status": "SUCCESS", "responseCode": null, "responseMessage": null}"#,
    ));
    server.push(provision_ceremony("REGISTER"));
    server.push(Reply::json(200, r#"{"errorMessage": null, "status": "SUCCESS", "errorCode": null, "payload": {"status": "ACTIVE", "clientReferenceId": "07070707070707070707070707070707"}}"#));
}

fn purchase_journey() -> Journey<agentic_core::journey::purchase::Purchase> {
    let params = PurchaseParams::new(
        "user_1234567",
        "vpt_479518c7",
        "92.65",
        "SGD",
        InstructionLimit::new(1_900_000_000_000).expect("valid"),
        PurchaseTransaction::new("merch-ord-123").expect("valid"),
        VisaPageOrigin::sandbox(),
    )
    .expect("valid");
    purchase::start(params, ReferenceId::from_entropy([9; 16])).expect("starts")
}

fn script_purchase(server: &TestServer) {
    server.push(provision_ceremony("AUTHENTICATE"));
    server.push(Reply::json(200, r#"{"errorMessage": null, "status": "SUCCESS", "errorCode": null, "payload": {"instructionId": "ins_1", "status": "ACTIVE"}}"#));
    server.push(Reply::json(200, &format!(r#"{{"errorMessage": null, "status": "SUCCESS", "errorCode": null, "payload": {{"tokenNumber": "{TOKEN_NUMBER}",
        "expiryMonth": "03", "expiryYear": "2030", "dynamicDataType": "DTVV", "dynamicDataValue": "{CRYPTOGRAM}", "transactionReferenceId": "transac-ref-id"}}}}"#)));
}

fn direct_otp_journey() -> Journey<direct_otp::DirectOtp> {
    let card = CardSecrets::New {
        number: CardNumber::new("card_number", PAN).expect("valid"),
        exp_month: ExpiryMonth::new("card_exp_month", "01").expect("valid"),
        exp_year: ExpiryYear::new("card_exp_year", "29").expect("valid"),
        security_code: CardSecurityCode::new("card_security_code", CVV).expect("valid"),
    };
    direct_otp::start(
        DirectOtpParams::new("merchant_7", "ord42", None).expect("valid"),
        DirectOtpSecrets {
            card: Some(card),
            otp: None,
        },
    )
    .expect("starts")
}

fn script_direct_otp(server: &TestServer) {
    server.push(Reply::json(200, r#"{"order_id": "ord42", "txn_id": "ord42-1", "status": "PENDING_VBV", "payment": {"authentication": {"method": "POST",
        "url": "https://api.juspay.in/v2/txns/:id/authenticate", "params": {"id": "eul5g88x", "challenge_id": "ch_xyz", "auth_type": "OTP",
        "submit_otp_allowed": true, "resend_otp_allowed": true}}}}"#));
    server.push(Reply::json(
        200,
        r#"{"id": "txn_035b", "order_id": "ord42", "txn_id": "ord42-1", "status": "CHARGED"}"#,
    ));
}

// ----- journeys end to end ----------------------------------------------------------------------

#[test]
fn enrollment_runs_end_to_end_on_one_connection_with_exact_requests() {
    let server = TestServer::http();
    script_enrollment(&server);
    let client = client(&server);
    let mut journey = enrollment_journey();
    let (stop, prompts) = run_to_end(&client, &mut journey);
    assert_eq!(
        stop,
        Stop::Done(Outcome::Enrolled {
            v_provisioned_token_id: "vpt_479518c7".into(),
            status: Some(agentic_core::juspay_vat::VicStatus::Active)
        })
    );
    assert_eq!(
        prompts,
        [
            "ProvideVisaSession",
            "ChooseStepUp",
            "EnterOtp",
            "PasskeyCeremony"
        ]
    );
    let requests = server.requests();
    let paths: Vec<&str> = requests.iter().map(|r| r.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "/provision-token-passkey",
            "/initiateVerification",
            "/validateOtp",
            "/provision-token-passkey",
            "/enrollInAgenticService"
        ]
    );
    let basic = format!("Basic {}", base64_of(&format!("{API_KEY}:")));
    for r in &requests {
        assert_eq!(
            (
                r.method.as_str(),
                r.header("authorization"),
                r.header("x-merchantid")
            ),
            ("POST", Some(basic.as_str()), Some("merchant_7"))
        );
        assert_eq!(
            r.header("x-routing-id"),
            None,
            "VAT calls carry no routing id"
        );
        assert_eq!(r.header("content-type"), Some("application/json"));
        let body: serde_json::Value = serde_json::from_slice(&r.body).expect("json");
        assert_eq!(
            body["clientReferenceId"], "07070707070707070707070707070707",
            "one reference id for the whole journey"
        );
    }
    let validate: serde_json::Value = serde_json::from_slice(&requests[2].body).expect("json");
    assert_eq!(validate["otpValue"], OTP);
    assert_eq!(
        server.connections(),
        1,
        "the whole journey reuses one connection"
    );
}

#[test]
fn purchase_runs_end_to_end_and_authorises_with_the_credentials() {
    let server = TestServer::http();
    script_purchase(&server);
    let client = client(&server);
    let mut journey = purchase_journey();
    let (stop, prompts) = run_to_end(&client, &mut journey);
    let Stop::Done(Outcome::Authorised { credentials }) = stop else {
        panic!("{stop:?}")
    };
    use agentic_core::secret::SecretText;
    assert_eq!(
        credentials
            .token_number
            .as_ref()
            .map(|t| t.expose_secret().to_owned()),
        Some(TOKEN_NUMBER.to_owned())
    );
    assert_eq!(prompts, ["ProvideVisaSession", "PasskeyCeremony"]);
    let paths: Vec<String> = server.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(
        paths,
        [
            "/provision-token-passkey",
            "/cards/setUpAgenticPaymentInstruction",
            "/cards/fetchAgenticTransactCreds"
        ]
    );
    let setup: serde_json::Value =
        serde_json::from_slice(&server.requests()[1].body).expect("json");
    assert_eq!(
        setup["verificationData"]["fidoBlob"], FIDO_BLOB,
        "the passkey result goes on to the instruction"
    );
    assert_eq!(server.connections(), 1);
}

#[test]
fn direct_otp_runs_end_to_end_with_form_bodies_and_the_routing_id() {
    let server = TestServer::http();
    script_direct_otp(&server);
    let client = client(&server);
    let mut journey = direct_otp_journey();
    let (stop, prompts) = run_to_end(&client, &mut journey);
    assert_eq!(
        stop,
        Stop::Done(Outcome::Paid {
            order_id: "ord42".into(),
            txn_id: Some("ord42-1".into()),
            status: agentic_core::juspay_ec::TxnStatus::Charged
        })
    );
    assert_eq!(prompts, ["EnterOtp"]);
    let requests = server.requests();
    assert_eq!(
        requests.iter().map(|r| r.path.as_str()).collect::<Vec<_>>(),
        ["/txns", "/v2/txns/eul5g88x/authenticate"]
    );
    for r in &requests {
        assert_eq!(r.header("x-routing-id"), Some("customer_1122"));
        assert_eq!(
            r.header("content-type"),
            Some("application/x-www-form-urlencoded")
        );
    }
    let form: Vec<(String, String)> = form_urlencoded::parse(&requests[1].body)
        .into_owned()
        .collect();
    assert_eq!(
        form,
        [
            ("challenge_id".to_owned(), "ch_xyz".to_owned()),
            ("answer.otp".to_owned(), OTP.to_owned())
        ]
    );
    assert_eq!(server.connections(), 1);
}

#[test]
fn visa_acceptance_runs_end_to_end_with_the_http_signature() {
    let server = TestServer::http();
    script_visa(&server);
    let client = Client::with_ureq(visa_config(&server), None).expect("client");
    let mut journey = visa_journey();
    let (stop, prompts) = run_to_end(&client, &mut journey);
    assert!(
        matches!(
            &stop,
            Stop::Done(Outcome::PasskeyVerified {
                action: agentic_core::visa_page::PasskeyAction::Authenticate,
                ..
            })
        ),
        "{stop:?}"
    );
    assert_eq!(prompts, ["ProvideVisaSession", "PasskeyCeremony"]);
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    let r = &requests[0];
    assert_eq!(
        r.path,
        "/tms/v2/tokenized-cards/tkn_registered/authentication-options"
    );
    assert_eq!(r.header("v-c-merchant-id"), Some("visa_merchant_9"));
    assert_eq!(
        r.header("digest"),
        Some(format!("SHA-256={}", base64_sha256(&r.body)).as_str())
    );
    let signature = r.header("signature").expect("signed");
    assert!(signature.starts_with(r#"keyid="08c94330-f618-42a3-b09d-e1e43be5efda", algorithm="HmacSHA256", headers="host date (request-target) digest v-c-merchant-id", signature=""#), "{signature}");
    assert_eq!(
        r.headers_named("host").len(),
        1,
        "the signed host header goes out once"
    );
    assert_eq!(r.header("authorization"), None);
    let body: serde_json::Value = serde_json::from_slice(&r.body).expect("json");
    assert_eq!(
        body["clientCorrelationId"],
        "03030303030303030303030303030303"
    );
    assert_eq!(body["sessionInformation"]["secureToken"], SECURE_TOKEN);
}

fn base64_sha256(bytes: &[u8]) -> String {
    use base64::Engine;
    use sha2::Digest;
    base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(bytes))
}

// ----- exactly once through the driver ----------------------------------------------------------

#[test]
fn a_payment_that_may_have_reached_the_server_is_not_resent() {
    let server = TestServer::http();
    server.push(Action::Close);
    let client = client(&server);
    let mut journey = direct_otp_journey();
    let stop = client.run(&mut journey).expect("runs");
    assert_eq!(
        stop,
        Stop::Prompt(Prompt::ConfirmUnknownOutcome {
            operation: "juspay_ec.start_authentication".into(),
            can_reconcile: true
        })
    );
    assert_eq!(
        server.requests().len(),
        1,
        "exactly one /txns reached the server"
    );
}

#[test]
fn a_read_timeout_is_an_unknown_outcome_too() {
    let server = TestServer::http();
    server.push(Action::Hang);
    let client = client(&server);
    let mut journey = direct_otp_journey();
    let stop = client.run(&mut journey).expect("runs");
    assert!(
        matches!(stop, Stop::Prompt(Prompt::ConfirmUnknownOutcome { .. })),
        "{stop:?}"
    );
    assert_eq!(server.requests().len(), 1);
}

/// Fails the first `n` sends before they leave, then delegates.
struct RefuseFirst {
    inner: Arc<dyn Transport>,
    left: Mutex<u32>,
}

impl Transport for RefuseFirst {
    fn send(
        &self,
        request: &WireRequest,
        timeouts: &Timeouts,
    ) -> Result<HttpResponse, TransportError> {
        let mut left = self.left.lock().expect("lock");
        if *left > 0 {
            *left -= 1;
            return Err(TransportError::Connect {
                reason: "connection refused".into(),
            });
        }
        drop(left);
        self.inner.send(request, timeouts)
    }
}

#[test]
fn failures_before_sending_are_retried_with_backoff_and_reach_the_server_once() {
    let server = TestServer::http();
    script_direct_otp(&server);
    let inner = Arc::new(
        agentic_http::ureq_transport::UreqTransport::new(Default::default()).expect("transport"),
    );
    let clock = Arc::new(ManualClock::default());
    let client = Client::new(
        juspay_config(&server),
        Arc::new(RefuseFirst {
            inner,
            left: Mutex::new(2),
        }),
    )
    .expect("client")
    .with_clock(clock.clone());
    let mut journey = direct_otp_journey();
    let (stop, _) = run_to_end(&client, &mut journey);
    assert!(matches!(stop, Stop::Done(Outcome::Paid { .. })), "{stop:?}");
    assert_eq!(
        server.requests().len(),
        2,
        "one /txns and one authenticate, despite two refused attempts"
    );
    assert_eq!(
        clock.0.load(Ordering::SeqCst),
        500 + 1_000,
        "backed off 500 ms then 1 s"
    );
}

#[test]
fn a_configuration_error_stops_before_any_network_call() {
    let server = TestServer::http();
    let juspay = JuspayConfig::new(
        JuspayEnvironment::Custom(server.url("")),
        "merchant_7",
        JuspayAuth::ApiKey(ApiKey::new("k", API_KEY).expect("valid")),
    );
    let client = Client::with_ureq(
        ClientConfig::new(Some(juspay), None, Timeouts::default()).expect("valid"),
        None,
    )
    .expect("client");
    let mut journey = direct_otp_journey();
    let error = client
        .run(&mut journey)
        .expect_err("no routing id for an EC call");
    assert!(
        matches!(
            error,
            agentic_http::DriverError::Config(agentic_http::ConfigError::MissingRoutingId { .. })
        ),
        "{error:?}"
    );
    assert_eq!(server.connections(), 0);
    assert!(
        matches!(
            journey.next_action(),
            agentic_core::journey::Action::Send { .. }
        ),
        "journey unchanged"
    );
}

// ----- logs -------------------------------------------------------------------------------------

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Capture {
    type Writer = Capture;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

#[test]
fn every_journey_at_trace_level_logs_no_secret() {
    let capture = Capture::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::FULL)
        .with_writer(capture.clone())
        .with_ansi(false)
        .finish();
    tracing::subscriber::with_default(subscriber, || {
        let server = TestServer::http();
        script_enrollment(&server);
        script_purchase(&server);
        script_direct_otp(&server);
        server.push(Action::Close);
        let client = client(&server);
        run_to_end(&client, &mut enrollment_journey());
        run_to_end(&client, &mut purchase_journey());
        run_to_end(&client, &mut direct_otp_journey());
        let _ = client.run(&mut direct_otp_journey());
        let visa_server = TestServer::http();
        script_visa(&visa_server);
        let visa = Client::with_ureq(visa_config(&visa_server), None).expect("client");
        run_to_end(&visa, &mut visa_journey());
    });
    let logs = String::from_utf8(capture.0.lock().expect("lock").clone()).expect("utf8");
    // The capture works: it saw the spans of every journey and the transport failure.
    for expected in [
        "juspay_vat.enrollment",
        "juspay_vat.purchase",
        "juspay_direct_otp",
        "juspay_vat.trigger_otp",
        "juspay_ec.process_otp",
        "status=200",
        "no response",
    ] {
        assert!(
            logs.contains(expected),
            "missing `{expected}` in the capture:\n{logs}"
        );
    }
    for secret in CANARIES {
        assert!(!logs.contains(secret), "a log line holds {secret}:\n{logs}");
    }
    assert!(
        !logs.contains(&base64_of(&format!("{API_KEY}:"))),
        "the Basic credential leaked"
    );
}

fn base64_of(text: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(text)
}
