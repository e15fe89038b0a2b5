//! The Visa Acceptance tokenized-card passkey journey (issue 3 item 4): the (state, event)
//! table, scripted runs of every branch with the exact JSON of every request, checkpoint →
//! resume in every reachable state, a property test of random event sequences, and the secret
//! canary.

mod support;

use agentic_core::journey::restore::{Corrupt, Restore};
use agentic_core::journey::visa_acceptance::{
    EPOCH_SECONDS_THRESHOLD, StepUpCode, VisaAcceptancePasskey, VisaAcceptancePasskeyParams,
    VisaAcceptancePasskeySecrets, VisaAcceptancePhase, VisaAcceptanceStep, start,
};
use agentic_core::journey::{
    Action, Input, Journey, JourneyError, JourneyFailure, Outcome, PageFailure, Prompt,
    ReferenceId, RequestId, Stage, StepUpChoice, TransportFailure,
};
use agentic_core::secret::{FidoBlob, IssuerAuthCode, Otp, SecureToken, VisaPayload};
use agentic_core::step_up::{StepUpMethod, StepUpSubMethod};
use agentic_core::visa_acceptance::{AmountDetails, MerchantDescriptor};
use agentic_core::visa_page::{
    AssuranceData, BrowserData, PageMessageError, PasskeyAction, VisaPageOrigin,
};
use agentic_core::{ErrorCategory, HttpResponse, InvalidInput, Method, Problem, Recovery};
use proptest::prelude::*;
use serde_json::{Value, json};
use support::{canary, every_input};

const ORIGIN: &str = VisaPageOrigin::SANDBOX;
const TOKEN_ID: &str = "7010000000016241111";
/// `ReferenceId::from_entropy([0, 1, …, 15])`.
const REF: &str = "000102030405060708090a0b0c0d0e0f";
/// The step-up option id of the C-OTP sample (seed 002).
const SMS: &str = "YWEwMjFhZmFkZDU4ZWI0NDJjYTM0MzY4OTY1YjdhMDE=";
const EMAIL: &str = "email-2";
const APP: &str = "app-3";
const THREE_DS: &str = "3ds-4";
const CALL_CENTRE: &str = "cs-5";
const OUTBOUND: &str = "call-6";
/// A secret of this journey that the shared canary list does not have.
const ISSUER_CODE: &str = "HTZl-issuer-code-canary-3e1";
const WRONG_OTP: &str = "111111";
const AUTH_ENDPOINT: &str =
    "L29hdXRoMi9hdXRob3JpemF0aW9uL3JlcXVlc3QvaHViL3BheW1lbnQtY3JlZGVudGlhbC1hdXRoZW50aWNhdGlvbg==";
const REG_ENDPOINT: &str =
    "L29hdXRoMi9hdXRob3JpemF0aW9uL3JlcXVlc3QvaHViL3BheW1lbnQtY3JlZGVudGlhbC1iaW5kaW5n";
const USER_AGENT: &str = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15";
const ACCEPT: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
const T0: u64 = 1_700_000_000_000;

const OPTIONS_OP: &str = "visa_acceptance.authentication_options";
const CREATE_OTP_OP: &str = "visa_acceptance.create_otp";
const VALIDATE_OP: &str = "visa_acceptance.validate_otp";
const REGISTRATION_OP: &str = "visa_acceptance.authentication_registration";

// ---------------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------------

fn params() -> VisaAcceptancePasskeyParams {
    VisaAcceptancePasskeyParams::new(
        TOKEN_ID,
        AmountDetails::new("1765.95", "978").expect("amount"),
        MerchantDescriptor::new("Merchant VZaF5XBj", "https://www.Merchant-VZaF5XBj.com")
            .expect("merchant"),
        "en-US",
        "jane.doe@example.com",
        Some("+1 415 555 0100"),
        VisaPageOrigin::sandbox(),
    )
    .expect("valid params")
}

fn reference() -> ReferenceId {
    ReferenceId::from_entropy([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15])
}

fn browser_data() -> Value {
    json!({
        "browserJavaEnabled": false,
        "browserJavascriptEnabled": true,
        "browserLanguage": "en-US",
        "browserColorDepth": 24,
        "browserScreenHeight": "1117",
        "browserScreenWidth": "1728",
        "browserTimeZone": "-60",
        "userAgent": USER_AGENT,
        "browserHeader": ACCEPT,
        "ipAddress": "203.0.113.7"
    })
}

fn device_information() -> Value {
    json!({
        "httpAcceptContent": ACCEPT,
        "httpBrowserColorDepth": "24",
        "httpBrowserJavaEnabled": false,
        "httpBrowserJavaScriptEnabled": true,
        "httpBrowserLanguage": "en-US",
        "httpBrowserScreenHeight": "1117",
        "httpBrowserScreenWidth": "1728",
        "httpBrowserTimeDifference": "-60",
        "ipAddress": "203.0.113.7",
        "platformType": "WEB",
        "userAgentBrowserValue": USER_AGENT
    })
}

fn merchant_json() -> Value {
    json!({"merchantDescriptor": {
        "name": "TWVyY2hhbnQgVlphRjVYQmo",
        "url": "aHR0cHM6Ly93d3cuTWVyY2hhbnQtVlphRjVYQmouY29t"
    }})
}

/// The C-AO request, as the journey must send it.
fn options_body() -> Value {
    json!({
        "clientCorrelationId": REF,
        "sessionInformation": {"secureToken": canary::SECURE_TOKEN},
        "authenticatorRenderMethod": "IFRAME",
        "orderInformation": {"amountDetails": {"totalAmount": "1765.95", "currency": "978"}},
        "merchantInformation": merchant_json(),
        "deviceInformation": device_information()
    })
}

/// The C-REG request.
fn registration_body() -> Value {
    json!({
        "authenticatorRenderMethod": "IFRAME",
        "buyerInformation": {"language": "en-US"},
        "clientCorrelationId": REF,
        "deviceInformation": device_information(),
        "merchantInformation": merchant_json(),
        "orderInformation": {
            "amountDetails": {"totalAmount": "1765.95", "currency": "978"},
            "billTo": {"email": "jane.doe@example.com", "phoneNumber": "+1 415 555 0100"}
        },
        "sessionInformation": {"secureToken": canary::SECURE_TOKEN}
    })
}

fn create_otp_body(option: &str) -> Value {
    json!({"clientCorrelationId": REF, "stepUpOption": {"id": option}})
}

fn validate_otp_body(option: &str, otp: &str) -> Value {
    json!({"clientCorrelationId": REF, "stepUpOption": {"id": option}, "otp": otp})
}

fn validate_code_body(option: &str) -> Value {
    json!({"clientCorrelationId": REF, "stepUpOption": {"id": option}, "issuerAuthCode": ISSUER_CODE})
}

fn path(suffix: &str) -> String {
    format!("/tms/v2/tokenized-cards/{TOKEN_ID}{suffix}")
}

// --- Responses ---------------------------------------------------------------------------------

fn options_authenticate() -> Value {
    json!({
        "action": "AUTHENTICATE",
        "authenticationContext": {"id": "auth-ctx-1", "endpoint": AUTH_ENDPOINT, "payload": canary::VISA_PAYLOAD}
    })
}

fn options_registration() -> Value {
    json!({"action": "AUTHENTICATION_REGISTRATION"})
}

fn step_up_options() -> Value {
    json!([
        {"id": SMS, "method": "OTP_SMS", "value": "+1 ***-***-0100"},
        {"id": EMAIL, "method": "OTP_EMAIL", "value": "j***@example.com"},
        {"id": APP, "method": "APP_TO_APP", "value": "Mobile Banking Application", "source": "ISSUER"},
        {"id": THREE_DS, "method": "APP_TO_APP", "platformType": "WEB", "subMethod": "3DS",
         "source": "https://issuer.example/3ds/start"},
        {"id": CALL_CENTRE, "method": "CUSTOMER_SERVICE", "value": "1-800-555-1212"},
        {"id": OUTBOUND, "method": "OUTBOUND_CALL", "value": "+1 ***-***-0100"}
    ])
}

fn options_step_up(spelling: &str) -> Value {
    json!({"action": spelling, "stepUpOptions": step_up_options()})
}

fn all_choices() -> Vec<StepUpChoice> {
    let choice =
        |id: &str, method, value: Option<&str>, sub_method, url: Option<&str>| StepUpChoice {
            identifier: id.into(),
            method,
            value: value.map(str::to_owned),
            sub_method,
            url: url.map(str::to_owned),
        };
    vec![
        choice(
            SMS,
            StepUpMethod::OtpSms,
            Some("+1 ***-***-0100"),
            None,
            None,
        ),
        choice(
            EMAIL,
            StepUpMethod::OtpEmail,
            Some("j***@example.com"),
            None,
            None,
        ),
        choice(
            APP,
            StepUpMethod::AppToApp,
            Some("Mobile Banking Application"),
            None,
            Some("ISSUER"),
        ),
        choice(
            THREE_DS,
            StepUpMethod::AppToApp,
            None,
            Some(StepUpSubMethod::ThreeDs),
            Some("https://issuer.example/3ds/start"),
        ),
        choice(
            CALL_CENTRE,
            StepUpMethod::CustomerService,
            Some("1-800-555-1212"),
            None,
            None,
        ),
        choice(
            OUTBOUND,
            StepUpMethod::OutboundCall,
            Some("+1 ***-***-0100"),
            None,
            None,
        ),
    ]
}

fn choices_without(ids: &[&str]) -> Vec<StepUpChoice> {
    all_choices()
        .into_iter()
        .filter(|c| !ids.contains(&c.identifier.as_str()))
        .collect()
}

/// The seed 002 / C-OTP sample answer.
fn otp_seed() -> Value {
    json!({"maxRequestsAllowed": 0, "maxVerificationAllowed": 0, "codeExpiration": 0})
}

fn otp_limits(requests: u32, verifications: u32, expiration: u32) -> Value {
    json!({
        "maxRequestsAllowed": requests,
        "maxVerificationAllowed": verifications,
        "codeExpiration": expiration
    })
}

/// The C-VAL sample answer.
fn validated() -> Value {
    json!({"action": "AUTHENTICATION_REGISTRATION"})
}

fn registered() -> Value {
    json!({
        "authenticationContext": {"id": "reg-ctx-1", "endpoint": REG_ENDPOINT, "payload": canary::VISA_PAYLOAD}
    })
}

fn wrong_code(field: &str) -> Value {
    json!({"errors": [{"type": "invalidFields", "message": "The code is not valid",
                       "details": [{"name": field, "location": "body"}]}]})
}

fn limit_reached() -> Value {
    json!({"errors": [{"type": "MAX_LIMIT_EXCEEDED", "message": "Limit reached"}]})
}

fn code_expired() -> Value {
    json!({"errors": [{"type": "EXPIRED", "message": "The code has expired"}]})
}

fn missing_fields() -> Value {
    json!({"errors": [{"type": "missingFields", "message": "Declined - missing fields",
                       "details": [{"name": "clientCorrelationId", "location": "body"}]}]})
}

fn server_error() -> Value {
    json!({"errors": [{"type": "serverError", "message": "Internal error"}]})
}

// --- Inputs ------------------------------------------------------------------------------------

fn message(value: Value) -> Input {
    Input::VisaMessage {
        json: value.to_string(),
        origin: ORIGIN.into(),
    }
}

fn ready() -> Input {
    message(json!({"type": "AUTH_READY", "requestID": "r-1"}))
}

fn session_created() -> Input {
    message(json!({
        "type": "AUTH_SESSION_CREATED",
        "requestID": "r-1",
        "version": "1",
        "result": "COMPLETE",
        "sessionContext": {"secureToken": canary::SECURE_TOKEN},
        "browserData": browser_data(),
        "dfpSessionID": "dfp-77",
        "authenticationPreferencesSupported": {
            "requiresPopupForAuthenticate": true,
            "requiresPopupForRegister": false
        }
    }))
}

fn host_session() -> Input {
    Input::VisaSession {
        secure_token: SecureToken::new("secureToken", canary::SECURE_TOKEN).expect("token"),
        browser_data: agentic_core::json_path::read::<BrowserData>(&browser_data())
            .expect("browser"),
    }
}

fn auth_complete() -> Input {
    message(json!({
        "type": "AUTH_COMPLETE",
        "requestID": "r-1",
        "result": "COMPLETE",
        "assuranceData": {"fidoBlob": canary::FIDO_BLOB, "identifier": "passkey-1", "rpID": "visa.com"}
    }))
}

fn assurance() -> AssuranceData {
    AssuranceData {
        fido_blob: FidoBlob::new("fidoBlob", canary::FIDO_BLOB).expect("blob"),
        identifier: Some("passkey-1".into()),
        rp_id: Some("visa.com".into()),
    }
}

fn page(kind: &str) -> Input {
    message(json!({"type": kind, "requestID": "r-1"}))
}

const PAGE_FAILURES: [(&str, PageFailure); 4] = [
    ("AUTH_FAILED", PageFailure::Failed),
    ("AUTH_CANCELLED", PageFailure::Cancelled),
    ("AUTH_NOT_SUPPORTED", PageFailure::NotSupported),
    ("AUTH_NOT_PERFORMED", PageFailure::NotPerformed),
];

fn otp(value: &str) -> Input {
    Input::Otp(Otp::new("otp", value).expect("otp"))
}

fn issuer_code() -> Input {
    Input::IssuerAuthCode(IssuerAuthCode::new("issuerAuthCode", ISSUER_CODE).expect("code"))
}

fn choose(id: &str) -> Input {
    Input::ChooseStepUp {
        identifier: id.into(),
    }
}

fn not_sent() -> TransportFailure {
    TransportFailure::NotSent {
        reason: "connection refused".into(),
    }
}

fn maybe_sent() -> TransportFailure {
    TransportFailure::MaybeSent {
        reason: "timeout after write".into(),
    }
}

/// Every secret a resumed journey may need, with the values the runs use.
fn all_secrets() -> VisaAcceptancePasskeySecrets {
    VisaAcceptancePasskeySecrets {
        secure_token: Some(SecureToken::new("secureToken", canary::SECURE_TOKEN).expect("token")),
        visa_payload: Some(VisaPayload::new("payload", canary::VISA_PAYLOAD).expect("payload")),
        assurance: Some(assurance()),
        otp: Some(Otp::new("otp", canary::OTP).expect("otp")),
        issuer_auth_code: Some(IssuerAuthCode::new("issuerAuthCode", ISSUER_CODE).expect("code")),
    }
}

fn assert_clean(what: &str, text: &str) {
    canary::assert_clean(what, text);
    assert!(
        !text.contains(ISSUER_CODE),
        "{what} leaked the issuer code: {text}"
    );
}

// ---------------------------------------------------------------------------------------------
// A recording driver
// ---------------------------------------------------------------------------------------------

/// Drives one journey, asserting every step, and records every state (for the resume test)
/// and the `Debug` of everything the journey showed (for the canary test).
struct Run {
    journey: Journey<VisaAcceptancePasskey>,
    now: u64,
    snapshots: Vec<Journey<VisaAcceptancePasskey>>,
    log: Vec<String>,
    bodies: Vec<Value>,
}

impl Run {
    fn new() -> Self {
        let mut run = Self {
            journey: start(params(), reference()),
            now: T0,
            snapshots: Vec::new(),
            log: Vec::new(),
            bodies: Vec::new(),
        };
        run.record();
        run
    }

    fn record(&mut self) {
        let action = self.journey.next_action();
        self.log.push(format!("{action:?}"));
        if let Action::Prompt(Prompt::PasskeyCeremony {
            message_to_post, ..
        }) = &action
        {
            self.log.push(format!("{message_to_post:?}"));
        }
        self.log.push(self.journey.checkpoint());
        self.log.push(format!("{:?}", self.journey));
        self.log.push(format!("{:?}", self.journey.stage()));
        self.snapshots.push(self.journey.clone());
    }

    fn action(&self) -> Action {
        self.journey.next_action()
    }

    fn prompt(&self) -> Prompt {
        match self.action() {
            Action::Prompt(prompt) => prompt,
            other => panic!("expected a prompt, got {other:?}"),
        }
    }

    fn submit(&mut self, input: Input) {
        let name = input.name();
        if let Err(error) = self.journey.submit(input, self.now) {
            panic!("{name} refused: {error:?}");
        }
        self.record();
    }

    fn refuse(&mut self, input: Input, want: JourneyError) {
        let before = self.journey.checkpoint();
        let action = self.action();
        let got = self.journey.submit(input, self.now).expect_err("refused");
        self.log.push(format!("{got:?}"));
        self.log.push(got.to_string());
        assert_eq!(got, want);
        assert_eq!(
            self.journey.checkpoint(),
            before,
            "state changed on {got:?}"
        );
        assert_eq!(self.action(), action);
    }

    fn id(&self) -> RequestId {
        match self.action() {
            Action::Send { id, .. } => id,
            other => panic!("expected a send, got {other:?}"),
        }
    }

    /// Asserts the request in flight and returns its JSON body.
    fn sent(&mut self, operation: &str, suffix: &str) -> Value {
        match self.action() {
            Action::Send { request, .. } => {
                assert_eq!(request.operation, operation);
                assert_eq!(request.method, Method::Post);
                assert_eq!(request.path, path(suffix));
                assert!(!request.idempotent, "{operation} is not idempotent");
                assert_eq!(request.body.content_type(), Some("application/json"));
                let body: Value = serde_json::from_slice(request.body.bytes()).expect("JSON body");
                self.bodies.push(body.clone());
                body
            }
            other => panic!("expected {operation}, got {other:?}"),
        }
    }

    fn respond(&mut self, status: u16, body: &Value) {
        let id = self.id();
        self.journey
            .on_response(id, &HttpResponse::json(status, body.to_string()), self.now)
            .expect("in flight");
        self.record();
    }

    fn fail(&mut self, failure: TransportFailure) {
        let id = self.id();
        self.journey
            .on_transport_failure(id, failure, self.now)
            .expect("in flight");
        self.record();
    }

    fn assert_one_reference(&self) {
        assert!(!self.bodies.is_empty());
        for body in &self.bodies {
            assert_eq!(body["clientCorrelationId"], REF, "{body}");
        }
    }
}

fn ceremony_json(prompt: &Prompt) -> (Value, bool, PasskeyAction) {
    match prompt {
        Prompt::PasskeyCeremony {
            message_to_post,
            origin,
            popup,
            action,
        } => {
            assert_eq!(origin, ORIGIN);
            assert_eq!(message_to_post.message_type(), "AUTHENTICATE");
            (
                serde_json::from_str(message_to_post.as_json()).expect("JSON"),
                *popup,
                action.clone(),
            )
        }
        other => panic!("expected the ceremony, got {other:?}"),
    }
}

fn authenticate_message(request_id: &str, identifier: &str, endpoint: &str, action: &str) -> Value {
    json!({
        "type": "AUTHENTICATE",
        "requestID": request_id,
        "version": "1",
        "authenticationContext": {
            "identifier": identifier,
            "endpoint": endpoint,
            "payload": canary::VISA_PAYLOAD,
            "action": action,
            "platformType": "WEB",
            "authenticationPreferencesEnabled": {
                "responseType": "code",
                "responseMode": "com_visa_web_message"
            }
        }
    })
}

fn verified(action: PasskeyAction) -> Action {
    Action::Done(Outcome::PasskeyVerified {
        action,
        assurance: assurance(),
    })
}

fn enter_otp(
    attempts_left: u32,
    resends_left: u32,
    expires_at: Option<u64>,
    last_attempt_failed: bool,
    expired: bool,
) -> Prompt {
    Prompt::EnterOtp {
        attempts_left,
        resends_left,
        expires_at,
        last_attempt_failed,
        expired,
    }
}

// --- Paths to each state ---------------------------------------------------------------------

fn to_options() -> Run {
    let mut run = Run::new();
    run.submit(ready());
    run.submit(session_created());
    assert_eq!(
        run.sent(OPTIONS_OP, "/authentication-options"),
        options_body()
    );
    run
}

fn to_choose_with(answer: &Value) -> Run {
    let mut run = to_options();
    run.respond(200, answer);
    run
}

fn to_choose() -> Run {
    to_choose_with(&options_step_up("STEP_UP_AUTHENTICATE"))
}

fn to_enter_otp(limits: &Value) -> Run {
    let mut run = to_choose();
    run.submit(choose(SMS));
    assert_eq!(
        run.sent(CREATE_OTP_OP, "/authentication-options/one-time-passwords"),
        create_otp_body(SMS)
    );
    run.respond(200, limits);
    run
}

fn to_complete(option: &str) -> Run {
    let mut run = to_choose();
    run.submit(choose(option));
    run
}

fn to_ceremony(register: bool) -> Run {
    let mut run = to_options();
    if register {
        run.respond(200, &options_registration());
        run.sent(REGISTRATION_OP, "/authentication-registrations");
        run.respond(200, &registered());
    } else {
        run.respond(200, &options_authenticate());
    }
    run
}

fn finish_registration(run: &mut Run) {
    assert_eq!(
        run.sent(REGISTRATION_OP, "/authentication-registrations"),
        registration_body()
    );
    run.respond(200, &registered());
    let (message, popup, action) = ceremony_json(&run.prompt());
    assert_eq!(
        message,
        authenticate_message("r-1", "reg-ctx-1", REG_ENDPOINT, "REGISTER")
    );
    assert!(!popup, "the session said requiresPopupForRegister: false");
    assert_eq!(action, PasskeyAction::Register);
    run.submit(auth_complete());
    assert_eq!(run.action(), verified(PasskeyAction::Register));
}

// ---------------------------------------------------------------------------------------------
// 2. Scripted runs of every branch
// ---------------------------------------------------------------------------------------------

fn run_authenticate() -> Run {
    let mut run = Run::new();
    assert_eq!(
        run.prompt(),
        Prompt::ProvideVisaSession {
            origin: ORIGIN.into(),
            message_to_post: None
        }
    );
    run.submit(ready());
    match run.prompt() {
        Prompt::ProvideVisaSession {
            origin,
            message_to_post: Some(message),
        } => {
            assert_eq!(origin, ORIGIN);
            assert_eq!(
                serde_json::from_str::<Value>(message.as_json()).expect("JSON"),
                json!({"type": "CREATE_AUTH_SESSION", "requestID": "r-1", "version": "1",
                       "client": {"id": REF}})
            );
        }
        other => panic!("{other:?}"),
    }
    run.submit(session_created());
    assert_eq!(
        run.sent(OPTIONS_OP, "/authentication-options"),
        options_body()
    );
    run.respond(200, &options_authenticate());
    let (message, popup, action) = ceremony_json(&run.prompt());
    assert_eq!(
        message,
        authenticate_message("r-1", "auth-ctx-1", AUTH_ENDPOINT, "AUTHENTICATE")
    );
    assert!(popup, "the session said requiresPopupForAuthenticate: true");
    assert_eq!(action, PasskeyAction::Authenticate);
    // Other page messages during the ceremony are ignored.
    run.submit(ready());
    run.submit(auth_complete());
    assert_eq!(run.action(), verified(PasskeyAction::Authenticate));
    assert_eq!(
        run.journey.script().verified_action(),
        Some(&PasskeyAction::Authenticate)
    );
    run.assert_one_reference();
    run
}

#[test]
fn authenticate_runs_the_ceremony_with_the_options_context() {
    let run = run_authenticate();
    assert_eq!(run.bodies.len(), 1);
}

fn run_registration() -> Run {
    let mut run = to_options();
    run.respond(200, &options_registration());
    finish_registration(&mut run);
    run.assert_one_reference();
    assert_eq!(run.bodies.len(), 2);
    run
}

#[test]
fn registration_registers_then_runs_the_register_ceremony() {
    run_registration();
}

fn run_otp_step_up() -> Run {
    let mut run = to_choose();
    assert_eq!(
        run.prompt(),
        Prompt::ChooseStepUp {
            methods: all_choices()
        }
    );
    run.submit(choose(SMS));
    assert_eq!(
        run.sent(CREATE_OTP_OP, "/authentication-options/one-time-passwords"),
        create_otp_body(SMS)
    );
    run.now = T0 + 1_000;
    run.respond(200, &otp_limits(3, 3, 5));
    // codeExpiration 5 reads as 5 minutes from the response.
    let expiry = T0 + 1_000 + 300_000;
    assert_eq!(run.prompt(), enter_otp(3, 2, Some(expiry), false, false));

    // A wrong OTP, then the right one after a resend.
    run.submit(otp(WRONG_OTP));
    assert_eq!(
        run.sent(VALIDATE_OP, "/authentication-options/validate"),
        validate_otp_body(SMS, WRONG_OTP)
    );
    run.respond(400, &wrong_code("otp"));
    assert_eq!(run.prompt(), enter_otp(2, 2, Some(expiry), true, false));

    run.submit(Input::ResendOtp);
    assert_eq!(
        run.sent(CREATE_OTP_OP, "/authentication-options/one-time-passwords"),
        create_otp_body(SMS)
    );
    run.now = T0 + 60_000;
    run.respond(200, &otp_limits(3, 3, 5));
    assert_eq!(
        run.prompt(),
        enter_otp(2, 1, Some(T0 + 60_000 + 300_000), false, false)
    );

    run.submit(otp(canary::OTP));
    assert_eq!(
        run.sent(VALIDATE_OP, "/authentication-options/validate"),
        validate_otp_body(SMS, canary::OTP)
    );
    run.respond(200, &validated());
    finish_registration(&mut run);
    run.assert_one_reference();
    assert_eq!(run.bodies.len(), 6);
    run
}

#[test]
fn step_up_otp_wrong_code_resend_right_code_registers() {
    run_otp_step_up();
}

#[test]
fn the_step_up_authentication_spelling_is_the_same_action() {
    let run = to_choose_with(&options_step_up("STEP_UP_AUTHENTICATION"));
    assert_eq!(
        run.prompt(),
        Prompt::ChooseStepUp {
            methods: all_choices()
        }
    );
}

fn run_seed_sample_exhaustion() -> Run {
    // The seed 002 sample answers 0 everywhere: one try, no resend, no expiry.
    let mut run = to_enter_otp(&otp_seed());
    assert_eq!(run.prompt(), enter_otp(1, 0, None, false, false));
    run.refuse(
        Input::ResendOtp,
        JourneyError::InvalidEvent {
            state: "EnterOtp",
            event: "ResendOtp",
        },
    );
    run.submit(otp(WRONG_OTP));
    run.sent(VALIDATE_OP, "/authentication-options/validate");
    run.respond(400, &wrong_code("otp"));
    // The method is used up: the others stay on offer.
    assert_eq!(
        run.prompt(),
        Prompt::ChooseStepUp {
            methods: choices_without(&[SMS])
        }
    );
    run.refuse(
        choose(SMS),
        JourneyError::InvalidInput(InvalidInput::new(
            "stepUpOption.id",
            Problem::Format {
                expected: "the identifier of a step-up method the prompt lists",
            },
        )),
    );
    run.submit(choose(EMAIL));
    assert_eq!(
        run.sent(CREATE_OTP_OP, "/authentication-options/one-time-passwords"),
        create_otp_body(EMAIL)
    );
    run.respond(200, &otp_seed());
    run.submit(otp(WRONG_OTP));
    assert_eq!(
        run.sent(VALIDATE_OP, "/authentication-options/validate"),
        validate_otp_body(EMAIL, WRONG_OTP)
    );
    run.respond(400, &wrong_code("otp"));
    assert_eq!(
        run.prompt(),
        Prompt::ChooseStepUp {
            methods: choices_without(&[SMS, EMAIL])
        }
    );
    run.assert_one_reference();
    run
}

#[test]
fn the_seed_sample_allows_one_try_and_a_wrong_code_uses_the_method_up() {
    run_seed_sample_exhaustion();
}

#[test]
fn attempts_count_down_and_the_last_wrong_code_moves_to_another_method() {
    let mut run = to_enter_otp(&otp_limits(2, 3, 0));
    assert_eq!(run.prompt(), enter_otp(3, 1, None, false, false));
    for attempts_left in [2, 1] {
        run.submit(otp(WRONG_OTP));
        run.respond(400, &wrong_code("otp"));
        assert_eq!(run.prompt(), enter_otp(attempts_left, 1, None, true, false));
    }
    run.submit(otp(WRONG_OTP));
    run.respond(400, &wrong_code("otp"));
    assert_eq!(
        run.prompt(),
        Prompt::ChooseStepUp {
            methods: choices_without(&[SMS])
        }
    );
    assert_eq!(run.journey.script().otp_challenge(), None);
}

fn run_only_method_exhausted() -> Run {
    let only_sms = json!({"action": "STEP_UP_AUTHENTICATE",
                          "stepUpOptions": [{"id": SMS, "method": "OTP_SMS"}]});
    let mut run = to_choose_with(&only_sms);
    run.submit(choose(SMS));
    run.respond(200, &otp_seed());
    run.submit(otp(WRONG_OTP));
    run.respond(400, &wrong_code("otp"));
    assert_eq!(
        run.action(),
        Action::Failed(JourneyFailure::StepUpExhausted)
    );
    run
}

#[test]
fn exhausting_the_last_method_fails_with_step_up_exhausted() {
    run_only_method_exhausted();
}

#[test]
fn an_unknown_method_is_an_out_of_band_prompt_not_a_dead_end() {
    let mut run = to_choose_with(&json!({
        "action": "STEP_UP_AUTHENTICATE",
        "stepUpOptions": [{"id": "new-1", "method": "FACE_SCAN", "value": "Scan at the branch"}]
    }));
    run.submit(choose("new-1"));
    assert_eq!(
        run.prompt(),
        Prompt::CompleteStepUp {
            choice: StepUpChoice {
                identifier: "new-1".into(),
                method: StepUpMethod::Unknown("FACE_SCAN".into()),
                value: Some("Scan at the branch".into()),
                sub_method: None,
                url: None,
            }
        }
    );
    run.refuse(
        issuer_code(),
        JourneyError::InvalidEvent {
            state: "CompleteStepUp",
            event: "IssuerAuthCode",
        },
    );
    run.submit(Input::StepUpCompleted);
    assert_eq!(
        run.sent(OPTIONS_OP, "/authentication-options"),
        options_body()
    );
}

#[test]
fn no_method_offered_fails_with_step_up_exhausted() {
    for answer in [
        json!({"action": "STEP_UP_AUTHENTICATE"}),
        json!({"action": "STEP_UP_AUTHENTICATE", "stepUpOptions": null}),
        json!({"action": "STEP_UP_AUTHENTICATE", "stepUpOptions": []}),
    ] {
        let run = to_choose_with(&answer);
        assert_eq!(
            run.action(),
            Action::Failed(JourneyFailure::StepUpExhausted)
        );
    }
}

#[test]
fn an_otp_entered_after_expiry_is_not_sent_and_a_resend_renews_it() {
    let mut run = to_enter_otp(&otp_limits(3, 3, 5));
    let expiry = T0 + 300_000;
    assert_eq!(run.prompt(), enter_otp(3, 2, Some(expiry), false, false));
    run.now = expiry - 1;
    let before_expiry = run.journey.clone();
    run.now = expiry;
    run.submit(otp(canary::OTP));
    assert_eq!(run.prompt(), enter_otp(3, 2, Some(expiry), false, true));
    // Still expired whatever is typed; nothing is sent until a resend.
    run.submit(otp(canary::OTP));
    assert_eq!(run.prompt(), enter_otp(3, 2, Some(expiry), false, true));
    run.submit(Input::ResendOtp);
    run.sent(CREATE_OTP_OP, "/authentication-options/one-time-passwords");
    run.respond(200, &otp_limits(3, 3, 5));
    assert_eq!(
        run.prompt(),
        enter_otp(3, 1, Some(expiry + 300_000), false, false)
    );

    // One millisecond earlier the same code is sent.
    let mut early = before_expiry;
    early
        .submit(otp(canary::OTP), expiry - 1)
        .expect("accepted");
    assert!(matches!(
        early.stage(),
        Stage::Sending {
            step: VisaAcceptanceStep::Validate { .. },
            ..
        }
    ));
}

#[test]
fn large_code_expiration_values_are_unix_seconds() {
    for (expiration, expires_at) in [
        (1_900_000_000, 1_900_000_000_000),
        (
            EPOCH_SECONDS_THRESHOLD,
            u64::from(EPOCH_SECONDS_THRESHOLD) * 1_000,
        ),
        // Just below: minutes from the response.
        (
            EPOCH_SECONDS_THRESHOLD - 1,
            T0 + u64::from(EPOCH_SECONDS_THRESHOLD - 1) * 60_000,
        ),
    ] {
        let run = to_enter_otp(&otp_limits(3, 3, expiration));
        assert_eq!(
            run.prompt(),
            enter_otp(3, 2, Some(expires_at), false, false)
        );
    }
}

#[test]
fn the_issuer_saying_expired_marks_the_otp_expired() {
    let mut run = to_enter_otp(&otp_limits(3, 3, 0));
    run.submit(otp(canary::OTP));
    run.respond(400, &code_expired());
    assert_eq!(run.prompt(), enter_otp(3, 2, None, false, true));
    run.submit(otp(canary::OTP));
    assert_eq!(run.prompt(), enter_otp(3, 2, None, false, true), "not sent");
}

#[test]
fn a_limit_on_the_first_otp_uses_the_method_up_and_on_a_resend_ends_the_resends() {
    let mut first = to_choose();
    first.submit(choose(SMS));
    first.respond(400, &limit_reached());
    assert_eq!(
        first.prompt(),
        Prompt::ChooseStepUp {
            methods: choices_without(&[SMS])
        }
    );

    let mut resend = to_enter_otp(&otp_limits(3, 3, 0));
    resend.submit(Input::ResendOtp);
    resend.respond(400, &limit_reached());
    assert_eq!(resend.prompt(), enter_otp(3, 0, None, false, false));
    resend.refuse(
        Input::ResendOtp,
        JourneyError::InvalidEvent {
            state: "EnterOtp",
            event: "ResendOtp",
        },
    );
    // A limit on validate uses the method up as well.
    resend.submit(otp(canary::OTP));
    resend.respond(400, &limit_reached());
    assert_eq!(
        resend.prompt(),
        Prompt::ChooseStepUp {
            methods: choices_without(&[SMS])
        }
    );
}

#[test]
fn choose_another_method_goes_back_to_the_list_and_choosing_again_sends_a_new_otp() {
    let mut run = to_enter_otp(&otp_limits(3, 3, 0));
    run.submit(Input::ChooseAnotherMethod);
    assert_eq!(
        run.prompt(),
        Prompt::ChooseStepUp {
            methods: all_choices()
        }
    );
    run.submit(choose(EMAIL));
    assert_eq!(
        run.sent(CREATE_OTP_OP, "/authentication-options/one-time-passwords"),
        create_otp_body(EMAIL)
    );
}

fn run_issuer_code() -> Run {
    let mut run = to_complete(APP);
    let app = all_choices().remove(2);
    assert_eq!(
        run.prompt(),
        Prompt::CompleteStepUp {
            choice: app.clone()
        }
    );
    run.submit(issuer_code());
    assert_eq!(
        run.sent(VALIDATE_OP, "/authentication-options/validate"),
        validate_code_body(APP)
    );
    // A refused code asks for the app again.
    run.respond(400, &wrong_code("issuerAuthCode"));
    assert_eq!(run.prompt(), Prompt::CompleteStepUp { choice: app });
    run.submit(issuer_code());
    assert_eq!(
        run.sent(VALIDATE_OP, "/authentication-options/validate"),
        validate_code_body(APP)
    );
    run.respond(200, &validated());
    finish_registration(&mut run);
    run.assert_one_reference();
    run
}

#[test]
fn app_to_app_validates_the_issuer_code_then_registers() {
    run_issuer_code();
}

fn run_out_of_band(option: &str, index: usize) -> Run {
    let mut run = to_complete(option);
    let choice = all_choices().remove(index);
    assert_eq!(run.prompt(), Prompt::CompleteStepUp { choice });
    run.refuse(
        issuer_code(),
        JourneyError::InvalidEvent {
            state: "CompleteStepUp",
            event: "IssuerAuthCode",
        },
    );
    run.submit(Input::ChooseAnotherMethod);
    assert_eq!(
        run.prompt(),
        Prompt::ChooseStepUp {
            methods: all_choices()
        }
    );
    run.submit(choose(option));
    run.submit(Input::StepUpCompleted);
    // authentication-options again, with the same session and reference.
    assert_eq!(
        run.sent(OPTIONS_OP, "/authentication-options"),
        options_body()
    );
    run.respond(200, &options_registration());
    finish_registration(&mut run);
    run.assert_one_reference();
    run
}

#[test]
fn out_of_band_methods_complete_then_ask_authentication_options_again() {
    run_out_of_band(THREE_DS, 3);
    run_out_of_band(CALL_CENTRE, 4);
    run_out_of_band(OUTBOUND, 5);
}

#[test]
fn app_to_app_completed_in_the_app_also_asks_again_and_may_step_up_again() {
    let mut run = to_complete(APP);
    run.submit(Input::StepUpCompleted);
    run.sent(OPTIONS_OP, "/authentication-options");
    run.respond(200, &options_step_up("STEP_UP_AUTHENTICATE"));
    assert_eq!(
        run.prompt(),
        Prompt::ChooseStepUp {
            methods: all_choices()
        }
    );
    run.submit(choose(CALL_CENTRE));
    run.submit(Input::StepUpCompleted);
    run.respond(200, &options_authenticate());
    let (_, _, action) = ceremony_json(&run.prompt());
    assert_eq!(action, PasskeyAction::Authenticate);
}

#[test]
fn validate_answering_authenticate_runs_that_ceremony_or_asks_for_its_context() {
    let mut with_context = to_enter_otp(&otp_limits(3, 3, 0));
    with_context.submit(otp(canary::OTP));
    with_context.respond(200, &options_authenticate());
    let (message, _, action) = ceremony_json(&with_context.prompt());
    assert_eq!(
        message,
        authenticate_message("r-1", "auth-ctx-1", AUTH_ENDPOINT, "AUTHENTICATE")
    );
    assert_eq!(action, PasskeyAction::Authenticate);

    let mut without = to_enter_otp(&otp_limits(3, 3, 0));
    without.submit(otp(canary::OTP));
    without.respond(200, &json!({"action": "AUTHENTICATE"}));
    assert_eq!(
        without.sent(OPTIONS_OP, "/authentication-options"),
        options_body()
    );
}

fn page_failure_runs() -> Vec<Run> {
    let mut runs = Vec::new();
    let cases = PAGE_FAILURES
        .iter()
        .map(|(kind, failure)| (page(kind), *failure))
        .chain([(Input::PageClosed, PageFailure::Closed)]);
    for (input, failure) in cases {
        // Before and after AUTH_READY, in the session phase.
        for after_ready in [false, true] {
            let mut run = Run::new();
            if after_ready {
                run.submit(ready());
            }
            run.submit(input.clone());
            assert_eq!(
                run.action(),
                Action::Failed(JourneyFailure::Passkey {
                    failure,
                    action: PasskeyAction::Authenticate
                })
            );
            runs.push(run);
        }
        for (register, action) in [
            (false, PasskeyAction::Authenticate),
            (true, PasskeyAction::Register),
        ] {
            let mut run = to_ceremony(register);
            run.submit(input.clone());
            assert_eq!(
                run.action(),
                Action::Failed(JourneyFailure::Passkey { failure, action })
            );
            runs.push(run);
        }
    }
    runs
}

#[test]
fn every_page_failure_ends_the_session_and_the_ceremony_phases() {
    assert_eq!(page_failure_runs().len(), 20);
}

#[test]
fn an_unknown_action_fails_with_an_internal_failure_naming_it() {
    let run = to_choose_with(&json!({"action": "PASSKEY_MAGIC"}));
    assert_eq!(
        run.action(),
        Action::Failed(JourneyFailure::Internal {
            reason: "visa_acceptance.authentication_options answered the action \
                     `PASSKEY_MAGIC`, which this journey cannot continue from"
                .into()
        })
    );
    let mut validate = to_enter_otp(&otp_limits(3, 3, 0));
    validate.submit(otp(canary::OTP));
    validate.respond(200, &json!({"action": "STEP_UP_AUTHENTICATE"}));
    assert_eq!(
        validate.action(),
        Action::Failed(JourneyFailure::Internal {
            reason: "visa_acceptance.validate_otp answered the action \
                     `STEP_UP_AUTHENTICATE`, which this journey cannot continue from"
                .into()
        })
    );
}

#[test]
fn a_success_without_the_authentication_context_fails_as_malformed() {
    let cases = [
        (
            false,
            json!({"action": "AUTHENTICATE"}),
            "visa_acceptance.authentication_options: action AUTHENTICATE without \
             `authenticationContext`",
        ),
        (
            false,
            json!({"action": "AUTHENTICATE",
                   "authenticationContext": {"id": " ", "endpoint": AUTH_ENDPOINT, "payload": "x"}}),
            "visa_acceptance.authentication_options: `authenticationContext` has an empty part",
        ),
        (
            true,
            json!({}),
            "visa_acceptance.authentication_registration: action AUTHENTICATION_REGISTRATION \
             without `authenticationContext`",
        ),
    ];
    for (registration, body, message) in cases {
        let mut run = to_options();
        if registration {
            run.respond(200, &options_registration());
        }
        run.respond(200, &body);
        match run.action() {
            Action::Failed(JourneyFailure::Api(error)) => {
                assert_eq!(error.category, ErrorCategory::MalformedResponse);
                assert_eq!(error.recovery, Recovery::ContactSupport);
                assert_eq!(error.http_status, 200);
                assert_eq!(error.message, message);
            }
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn a_host_run_page_supplies_the_session_and_the_reference_is_the_request_id() {
    let mut run = Run::new();
    run.submit(host_session());
    assert_eq!(
        run.sent(OPTIONS_OP, "/authentication-options"),
        options_body()
    );
    run.respond(200, &options_authenticate());
    let (message, popup, _) = ceremony_json(&run.prompt());
    assert_eq!(
        message,
        authenticate_message(REF, "auth-ctx-1", AUTH_ENDPOINT, "AUTHENTICATE")
    );
    assert!(!popup);
}

#[test]
fn page_messages_from_another_origin_or_with_unusable_browser_data_are_refused() {
    let mut run = Run::new();
    run.refuse(
        Input::VisaMessage {
            json: json!({"type": "AUTH_READY", "requestID": "r-1"}).to_string(),
            origin: "https://evil.example".into(),
        },
        JourneyError::PageMessage(PageMessageError::UnexpectedOrigin {
            expected: ORIGIN.into(),
            got: "https://evil.example".into(),
        }),
    );
    let mut without_ip = browser_data();
    without_ip
        .as_object_mut()
        .expect("object")
        .remove("ipAddress");
    run.refuse(
        message(json!({"type": "AUTH_SESSION_CREATED", "requestID": "r-1",
                       "sessionContext": {"secureToken": canary::SECURE_TOKEN},
                       "browserData": without_ip})),
        JourneyError::InvalidInput(InvalidInput::new(
            "deviceInformation.ipAddress",
            Problem::Empty,
        )),
    );
    // The host can answer with the session and completed browser data itself.
    run.submit(host_session());
    run.sent(OPTIONS_OP, "/authentication-options");
}

#[test]
fn params_are_validated_and_round_trip_through_the_checkpoint() {
    let amount = || AmountDetails::new("10.00", "840").expect("amount");
    let merchant = || MerchantDescriptor::new("M", "https://m.example").expect("merchant");
    let origin = VisaPageOrigin::sandbox;
    let build = |token: &str, language: &str, email: &str, phone: Option<&str>| {
        VisaAcceptancePasskeyParams::new(
            token,
            amount(),
            merchant(),
            language,
            email,
            phone,
            origin(),
        )
        .map(drop)
    };
    assert_eq!(
        build(" ", "en", "a@b.c", None),
        Err(InvalidInput::new("tokenId", Problem::Empty))
    );
    assert_eq!(
        build("t", "", "a@b.c", None),
        Err(InvalidInput::new(
            "buyerInformation.language",
            Problem::Empty
        ))
    );
    assert_eq!(
        build("t", "en", "not-an-email", None),
        Err(InvalidInput::new(
            "orderInformation.billTo.email",
            Problem::Format {
                expected: "an email address such as name@example.com"
            }
        ))
    );
    assert!(matches!(
        build("t", "en", "a@b.c", Some("call me")),
        Err(InvalidInput {
            field: "orderInformation.billTo.phoneNumber",
            ..
        })
    ));
    let params = params();
    let value = serde_json::to_value(&params).expect("serialises");
    assert_eq!(
        VisaAcceptancePasskeyParams::restore(&value).expect("reads back"),
        params
    );
    // A tampered checkpoint is re-validated.
    let tampered: Value =
        serde_json::from_str(&value.to_string().replace("\"1765.95\"", "\"-1\"")).expect("JSON");
    assert_ne!(tampered, value);
    assert_eq!(
        VisaAcceptancePasskeyParams::restore(&tampered),
        Err(Corrupt)
    );
}

// ---------------------------------------------------------------------------------------------
// 1. The (state, event) table
// ---------------------------------------------------------------------------------------------

/// What an event must do.
#[derive(Debug)]
enum Want {
    /// Refused with exactly this error; state unchanged.
    Refused(JourneyError),
    /// Accepted without any change (an ignored page message).
    Unchanged,
    /// Accepted; now prompting this kind of prompt.
    Prompt(&'static str),
    /// Accepted; now sending this operation (with a fresh id).
    Sends(&'static str),
    /// Accepted; failed like this.
    Fails(JourneyFailure),
    /// Accepted; done.
    Done,
}

fn prompt_kind(prompt: &Prompt) -> &'static str {
    match prompt {
        Prompt::ProvideVisaSession { .. } => "ProvideVisaSession",
        Prompt::ChooseStepUp { .. } => "ChooseStepUp",
        Prompt::EnterOtp { .. } => "EnterOtp",
        Prompt::CompleteStepUp { .. } => "CompleteStepUp",
        Prompt::PasskeyCeremony { .. } => "PasskeyCeremony",
        Prompt::Redirect { .. } => "Redirect",
        Prompt::ConfirmUnknownOutcome { .. } => "ConfirmUnknownOutcome",
    }
}

fn check(label: &str, journey: &Journey<VisaAcceptancePasskey>, input: Input, want: &Want) {
    let mut journey = journey.clone();
    let before = journey.checkpoint();
    let before_id = match journey.next_action() {
        Action::Send { id, .. } => Some(id),
        _ => None,
    };
    let name = input.name();
    let result = journey.submit(input, T0 + 10);
    let context = format!("{label} × {name}: {result:?} → {:?}", journey.next_action());
    match want {
        Want::Refused(error) => {
            assert_eq!(result.as_ref(), Err(error), "{context}");
            assert_eq!(journey.checkpoint(), before, "{context}");
        }
        Want::Unchanged => {
            assert_eq!(result, Ok(()), "{context}");
            assert_eq!(journey.checkpoint(), before, "{context}");
        }
        Want::Prompt(kind) => {
            assert_eq!(result, Ok(()), "{context}");
            match journey.next_action() {
                Action::Prompt(prompt) => assert_eq!(prompt_kind(&prompt), *kind, "{context}"),
                _ => panic!("{context}"),
            }
        }
        Want::Sends(operation) => {
            assert_eq!(result, Ok(()), "{context}");
            match journey.next_action() {
                Action::Send { id, request } => {
                    assert_eq!(request.operation, *operation, "{context}");
                    assert_ne!(Some(id), before_id, "{context}: a fresh id");
                }
                _ => panic!("{context}"),
            }
        }
        Want::Fails(failure) => {
            assert_eq!(result, Ok(()), "{context}");
            assert_eq!(
                journey.next_action(),
                Action::Failed(failure.clone()),
                "{context}"
            );
        }
        Want::Done => {
            assert_eq!(result, Ok(()), "{context}");
            assert!(
                matches!(journey.next_action(), Action::Done(_)),
                "{context}"
            );
        }
    }
}

/// `every_input(ORIGIN)` with a label per entry, plus the valid inputs the shared list lacks.
fn labelled_inputs() -> Vec<(&'static str, Input)> {
    let labels = [
        "ready",
        "session_without_browser_data",
        "page_closed",
        "choose_unknown",
        "choose_another",
        "otp",
        "resend_otp",
        "issuer_code",
        "step_up_completed",
        "redirect_completed",
        "reconcile",
        "resend_unknown",
        "cancel",
    ];
    let shared = every_input(ORIGIN);
    assert_eq!(
        shared.len(),
        labels.len(),
        "every_input changed: update the table"
    );
    let mut inputs: Vec<(&'static str, Input)> = labels.into_iter().zip(shared).collect();
    inputs.extend([
        ("session_created", session_created()),
        ("host_session", host_session()),
        ("auth_complete", auth_complete()),
        ("auth_failed", page("AUTH_FAILED")),
        ("choose_sms", choose(SMS)),
        ("choose_app", choose(APP)),
        ("choose_call_centre", choose(CALL_CENTRE)),
    ]);
    inputs
}

fn invalid(state: &'static str, event: &'static str) -> Want {
    Want::Refused(JourneyError::InvalidEvent { state, event })
}

fn cancelled(unknown: Option<&str>) -> Want {
    Want::Fails(JourneyFailure::Cancelled {
        outcome_unknown_for: unknown.map(str::to_owned),
    })
}

fn want_in_session(label: &str, event: &'static str) -> Want {
    match label {
        "ready" => Want::Prompt("ProvideVisaSession"),
        "session_without_browser_data" => {
            Want::Refused(JourneyError::InvalidInput(InvalidInput::new(
                "deviceInformation.httpBrowserTimeDifference",
                Problem::Empty,
            )))
        }
        "session_created" | "host_session" => Want::Sends(OPTIONS_OP),
        "page_closed" => Want::Fails(JourneyFailure::Passkey {
            failure: PageFailure::Closed,
            action: PasskeyAction::Authenticate,
        }),
        "auth_failed" => Want::Fails(JourneyFailure::Passkey {
            failure: PageFailure::Failed,
            action: PasskeyAction::Authenticate,
        }),
        // AUTH_COMPLETE before a session is ignored.
        "auth_complete" => Want::Unchanged,
        "cancel" => cancelled(None),
        _ => invalid("ProvideVisaSession", event),
    }
}

fn want_in_choose(label: &str, event: &'static str) -> Want {
    match label {
        "choose_unknown" => Want::Refused(JourneyError::InvalidInput(InvalidInput::new(
            "stepUpOption.id",
            Problem::Format {
                expected: "the identifier of a step-up method the prompt lists",
            },
        ))),
        "choose_sms" => Want::Sends(CREATE_OTP_OP),
        "choose_app" | "choose_call_centre" => Want::Prompt("CompleteStepUp"),
        "cancel" => cancelled(None),
        _ => invalid("ChooseStepUp", event),
    }
}

fn want_in_enter_otp(label: &str, event: &'static str, can_resend: bool) -> Want {
    match label {
        "otp" => Want::Sends(VALIDATE_OP),
        "resend_otp" if can_resend => Want::Sends(CREATE_OTP_OP),
        "choose_another" => Want::Prompt("ChooseStepUp"),
        "cancel" => cancelled(None),
        _ => invalid("EnterOtp", event),
    }
}

fn want_in_complete(label: &str, event: &'static str, takes_code: bool) -> Want {
    match label {
        "issuer_code" if takes_code => Want::Sends(VALIDATE_OP),
        "step_up_completed" => Want::Sends(OPTIONS_OP),
        "choose_another" => Want::Prompt("ChooseStepUp"),
        "cancel" => cancelled(None),
        _ => invalid("CompleteStepUp", event),
    }
}

fn want_in_ceremony(label: &str, event: &'static str, action: PasskeyAction) -> Want {
    match label {
        // Other page messages are ignored while the ceremony runs.
        "ready" | "session_created" => Want::Unchanged,
        "auth_complete" => Want::Done,
        "auth_failed" => Want::Fails(JourneyFailure::Passkey {
            failure: PageFailure::Failed,
            action,
        }),
        "page_closed" => Want::Fails(JourneyFailure::Passkey {
            failure: PageFailure::Closed,
            action,
        }),
        "cancel" => cancelled(None),
        _ => invalid("PasskeyCeremony", event),
    }
}

#[test]
fn every_phase_times_every_input() {
    let session = Run::new();
    let mut session_ready = Run::new();
    session_ready.submit(ready());
    type Expect = Box<dyn Fn(&str, &'static str) -> Want>;
    let phases: Vec<(&str, Journey<VisaAcceptancePasskey>, Expect)> = vec![
        ("session", session.journey, Box::new(want_in_session)),
        (
            "session_ready",
            session_ready.journey,
            Box::new(want_in_session),
        ),
        ("choose", to_choose().journey, Box::new(want_in_choose)),
        (
            "enter_otp",
            to_enter_otp(&otp_limits(3, 3, 0)).journey,
            Box::new(|l: &str, e: &'static str| want_in_enter_otp(l, e, true)),
        ),
        (
            "enter_otp_without_resends",
            to_enter_otp(&otp_seed()).journey,
            Box::new(|l: &str, e: &'static str| want_in_enter_otp(l, e, false)),
        ),
        (
            "complete_app",
            to_complete(APP).journey,
            Box::new(|l: &str, e: &'static str| want_in_complete(l, e, true)),
        ),
        (
            "complete_three_ds",
            to_complete(THREE_DS).journey,
            Box::new(|l: &str, e: &'static str| want_in_complete(l, e, false)),
        ),
        (
            "complete_call_centre",
            to_complete(CALL_CENTRE).journey,
            Box::new(|l: &str, e: &'static str| want_in_complete(l, e, false)),
        ),
        (
            "complete_outbound",
            to_complete(OUTBOUND).journey,
            Box::new(|l: &str, e: &'static str| want_in_complete(l, e, false)),
        ),
        (
            "ceremony_authenticate",
            to_ceremony(false).journey,
            Box::new(|l: &str, e: &'static str| {
                want_in_ceremony(l, e, PasskeyAction::Authenticate)
            }),
        ),
        (
            "ceremony_register",
            to_ceremony(true).journey,
            Box::new(|l: &str, e: &'static str| want_in_ceremony(l, e, PasskeyAction::Register)),
        ),
    ];
    let mut checked = 0;
    for (phase, journey, expect) in &phases {
        assert!(matches!(journey.stage(), Stage::Awaiting(_)), "{phase}");
        for (label, input) in labelled_inputs() {
            let want = expect(label, input.name());
            check(&format!("{phase}/{label}"), journey, input, &want);
            checked += 1;
        }
    }
    assert_eq!(checked, 11 * 20);
}

/// A journey with each step in flight.
fn sending_fixtures() -> Vec<(&'static str, Run)> {
    let mut create_resend = to_enter_otp(&otp_limits(3, 3, 0));
    create_resend.submit(Input::ResendOtp);
    let mut validate_otp = to_enter_otp(&otp_limits(3, 3, 0));
    validate_otp.submit(otp(canary::OTP));
    let mut validate_code = to_complete(APP);
    validate_code.submit(issuer_code());
    let mut registration = to_options();
    registration.respond(200, &options_registration());
    let mut options_again = to_complete(CALL_CENTRE);
    options_again.submit(Input::StepUpCompleted);
    let mut create = to_choose();
    create.submit(choose(SMS));
    vec![
        ("authentication_options", to_options()),
        ("create_otp", create),
        ("create_otp_resend", create_resend),
        ("validate_otp", validate_otp),
        ("validate_issuer_code", validate_code),
        ("registration", registration),
        ("authentication_options_again", options_again),
    ]
}

fn operation_of(label: &str) -> &'static str {
    match label {
        "authentication_options" | "authentication_options_again" => OPTIONS_OP,
        "create_otp" | "create_otp_resend" => CREATE_OTP_OP,
        "validate_otp" | "validate_issuer_code" => VALIDATE_OP,
        _ => REGISTRATION_OP,
    }
}

/// The success answer of each step and where it must lead.
fn success_of(label: &str) -> (Value, Want) {
    match label {
        "authentication_options" | "authentication_options_again" => {
            (options_authenticate(), Want::Prompt("PasskeyCeremony"))
        }
        "create_otp" | "create_otp_resend" => (otp_limits(3, 3, 5), Want::Prompt("EnterOtp")),
        "validate_otp" | "validate_issuer_code" => (validated(), Want::Sends(REGISTRATION_OP)),
        _ => (registered(), Want::Prompt("PasskeyCeremony")),
    }
}

#[test]
fn every_step_times_every_answer() {
    for (label, run) in sending_fixtures() {
        let operation = operation_of(label);
        let id = run.id();
        let now = T0 + 5_000;
        let after =
            |f: &dyn Fn(&mut Journey<VisaAcceptancePasskey>) -> Result<(), JourneyError>| {
                let mut journey = run.journey.clone();
                f(&mut journey).expect("accepted");
                journey.next_action()
            };

        // ok
        let (body, want) = success_of(label);
        let mut ok = run.journey.clone();
        ok.on_response(id, &HttpResponse::json(200, body.to_string()), now)
            .expect("accepted");
        match (&want, ok.next_action()) {
            (Want::Prompt(kind), Action::Prompt(prompt)) => {
                assert_eq!(prompt_kind(&prompt), *kind, "{label}");
            }
            (Want::Sends(op), Action::Send { id: next, request }) => {
                assert_eq!(request.operation, *op, "{label}");
                assert_ne!(next, id);
            }
            (want, got) => panic!("{label}: want {want:?}, got {got:?}"),
        }

        // a refusal the journey does not handle
        match after(&|j| {
            j.on_response(
                id,
                &HttpResponse::json(400, missing_fields().to_string()),
                now,
            )
        }) {
            Action::Failed(JourneyFailure::Api(error)) => {
                assert_eq!(error.category, ErrorCategory::InvalidRequest, "{label}");
                assert_eq!(error.recovery, Recovery::FixRequest, "{label}");
                assert_eq!(error.code.as_deref(), Some("missingFields"), "{label}");
            }
            other => panic!("{label}: {other:?}"),
        }

        // a server error and a transport failure after sending: never resent automatically
        let unknown = Action::Prompt(Prompt::ConfirmUnknownOutcome {
            operation: operation.into(),
            can_reconcile: false,
        });
        assert_eq!(
            after(&|j| j.on_response(
                id,
                &HttpResponse::json(500, server_error().to_string()),
                now
            )),
            unknown,
            "{label}"
        );
        assert_eq!(
            after(&|j| j.on_transport_failure(id, maybe_sent(), now)),
            unknown,
            "{label}"
        );
        // a body that is not JSON on a success: the call did something we cannot see
        assert_eq!(
            after(&|j| j.on_response(id, &HttpResponse::json(200, b"<html>".to_vec()), now)),
            unknown,
            "{label}"
        );

        // refused before any effect: retried after a back-off
        let wait = Action::Wait { until: now + 500 };
        assert_eq!(
            after(&|j| j.on_transport_failure(id, not_sent(), now)),
            wait,
            "{label}"
        );
        assert_eq!(
            after(&|j| j.on_response(id, &HttpResponse::json(429, b"{}".to_vec()), now)),
            wait,
            "{label}"
        );

        // events that are not valid while sending change nothing
        let mut journey = run.journey.clone();
        let before = journey.checkpoint();
        assert_eq!(
            journey.on_timeout(now),
            Err(JourneyError::InvalidEvent {
                state: "Sending",
                event: "Timeout"
            }),
            "{label}"
        );
        let stale = RequestId(id.0 + 100);
        assert_eq!(
            journey.on_response(stale, &HttpResponse::json(200, b"{}".to_vec()), now),
            Err(JourneyError::UnexpectedResponse {
                got: stale,
                expected: Some(id)
            })
        );
        assert_eq!(
            journey.on_transport_failure(stale, not_sent(), now),
            Err(JourneyError::UnexpectedResponse {
                got: stale,
                expected: Some(id)
            })
        );
        assert_eq!(journey.checkpoint(), before, "{label}");

        // every input while sending
        for (input_label, input) in labelled_inputs() {
            let want = if input_label == "cancel" {
                cancelled(Some(operation))
            } else {
                invalid("Sending", input.name())
            };
            check(
                &format!("sending {label}/{input_label}"),
                &run.journey,
                input,
                &want,
            );
        }
    }
}

/// Engine stages around the script: back-off, unknown outcome, done and failed.
#[test]
fn engine_stages_times_every_input() {
    let mut backing_off = to_options();
    backing_off.fail(not_sent());
    let mut unknown = to_options();
    unknown.fail(maybe_sent());
    let done = run_authenticate();
    let failed = run_only_method_exhausted();

    for (label, input) in labelled_inputs() {
        let name = input.name();
        let want = if label == "cancel" {
            cancelled(None)
        } else {
            invalid("BackingOff", name)
        };
        check(
            &format!("backing_off/{label}"),
            &backing_off.journey,
            input.clone(),
            &want,
        );

        let want = match label {
            "cancel" => cancelled(Some(OPTIONS_OP)),
            "resend_unknown" => Want::Sends(OPTIONS_OP),
            _ => invalid("OutcomeUnknown", name),
        };
        check(
            &format!("unknown/{label}"),
            &unknown.journey,
            input.clone(),
            &want,
        );

        check(
            &format!("done/{label}"),
            &done.journey,
            input.clone(),
            &invalid("Done", name),
        );
        check(
            &format!("failed/{label}"),
            &failed.journey,
            input,
            &invalid("Failed", name),
        );
    }

    // The back-off resends with a new id once due, never before.
    let mut journey = backing_off.journey.clone();
    let first = match backing_off.snapshots[backing_off.snapshots.len() - 2].next_action() {
        Action::Send { id, .. } => id,
        other => panic!("{other:?}"),
    };
    journey.on_timeout(T0 + 499).expect("early is harmless");
    assert_eq!(journey.next_action(), Action::Wait { until: T0 + 500 });
    journey.on_timeout(T0 + 500).expect("due");
    match journey.next_action() {
        Action::Send { id, request } => {
            assert_ne!(id, first);
            assert_eq!(request.operation, OPTIONS_OP);
            let body: Value = serde_json::from_slice(request.body.bytes()).expect("JSON");
            assert_eq!(body, options_body(), "same request, same reference");
        }
        other => panic!("{other:?}"),
    }
    // Terminal stages ignore timeouts too.
    for terminal in [&done.journey, &failed.journey] {
        let mut journey = terminal.clone();
        assert!(journey.on_timeout(T0).is_err());
    }
}

fn run_unknown_outcome_then_resend() -> Run {
    let mut run = to_enter_otp(&otp_limits(3, 3, 0));
    run.submit(otp(canary::OTP));
    let first = run.sent(VALIDATE_OP, "/authentication-options/validate");
    run.fail(maybe_sent());
    assert_eq!(
        run.prompt(),
        Prompt::ConfirmUnknownOutcome {
            operation: VALIDATE_OP.into(),
            can_reconcile: false
        }
    );
    run.refuse(
        Input::Reconcile,
        JourneyError::InvalidEvent {
            state: "OutcomeUnknown",
            event: "Reconcile",
        },
    );
    run.submit(Input::ResendAfterUnknownOutcome);
    let again = run.sent(VALIDATE_OP, "/authentication-options/validate");
    assert_eq!(first, again, "the same code with the same reference");
    run.respond(200, &validated());
    finish_registration(&mut run);
    run.assert_one_reference();
    run
}

#[test]
fn an_unknown_outcome_waits_for_the_host_then_resends_the_same_request() {
    run_unknown_outcome_then_resend();
}

fn run_back_off() -> Run {
    let mut run = to_choose();
    run.submit(choose(SMS));
    run.fail(not_sent());
    assert_eq!(run.action(), Action::Wait { until: T0 + 500 });
    run.now = T0 + 500;
    run.journey.on_timeout(run.now).expect("due");
    run.record();
    assert_eq!(
        run.sent(CREATE_OTP_OP, "/authentication-options/one-time-passwords"),
        create_otp_body(SMS)
    );
    run.respond(200, &otp_limits(3, 3, 0));
    assert_eq!(run.prompt(), enter_otp(3, 2, None, false, false));
    // An automatic resend of validate needs the OTP in the secrets (checked on resume).
    run.submit(otp(canary::OTP));
    run.fail(not_sent());
    run
}

#[test]
fn a_failure_before_sending_is_retried_with_the_same_request() {
    run_back_off();
}

// ---------------------------------------------------------------------------------------------
// 3. Checkpoint → resume
// ---------------------------------------------------------------------------------------------

fn all_runs() -> Vec<Run> {
    let mut runs = vec![
        run_authenticate(),
        run_registration(),
        run_otp_step_up(),
        run_seed_sample_exhaustion(),
        run_only_method_exhausted(),
        run_issuer_code(),
        run_out_of_band(THREE_DS, 3),
        run_out_of_band(CALL_CENTRE, 4),
        run_out_of_band(OUTBOUND, 5),
        run_unknown_outcome_then_resend(),
        run_back_off(),
    ];
    runs.extend(page_failure_runs());
    runs.extend(sending_fixtures().into_iter().map(|(_, run)| run));
    runs
}

fn request_operation(journey: &Journey<VisaAcceptancePasskey>) -> &'static str {
    match journey.next_action() {
        Action::Send { request, .. } => request.operation,
        other => panic!("{other:?}"),
    }
}

#[test]
fn every_reachable_state_resumes_to_the_same_next_action() {
    let mut stages = std::collections::BTreeSet::new();
    let mut count = 0;
    for run in all_runs() {
        for journey in &run.snapshots {
            count += 1;
            let checkpoint = journey.checkpoint();
            assert_clean("checkpoint", &checkpoint);
            let resumed = Journey::<VisaAcceptancePasskey>::resume(&checkpoint, all_secrets())
                .expect("resumes");
            match journey.stage() {
                Stage::Sending { step, .. } => {
                    // Every Visa Acceptance call is non-idempotent: a send in flight resumes at
                    // the unknown-outcome prompt, never as a resend.
                    assert_eq!(
                        resumed.next_action(),
                        Action::Prompt(Prompt::ConfirmUnknownOutcome {
                            operation: request_operation(journey).into(),
                            can_reconcile: false
                        })
                    );
                    assert_eq!(
                        resumed.stage(),
                        &Stage::OutcomeUnknown { step: step.clone() }
                    );
                }
                _ => {
                    assert_eq!(resumed.next_action(), journey.next_action(), "{checkpoint}");
                    assert_eq!(resumed.checkpoint(), checkpoint);
                }
            }
            stages.insert(match journey.stage() {
                Stage::Awaiting(phase) => format!("Awaiting {}", phase_name(phase)),
                Stage::Sending { step, .. } => format!("Sending {}", step_name(step)),
                other => other.name().to_owned(),
            });
        }
    }
    let want = [
        "Awaiting ChooseStepUp",
        "Awaiting CompleteStepUp",
        "Awaiting EnterOtp",
        "Awaiting PasskeyCeremony",
        "Awaiting VisaSession",
        "BackingOff",
        "Done",
        "Failed",
        "OutcomeUnknown",
        "Sending AuthenticationOptions",
        "Sending CreateOtp",
        "Sending Registration",
        "Sending Validate",
    ];
    assert_eq!(stages.iter().map(String::as_str).collect::<Vec<_>>(), want);
    assert!(count > 150, "{count}");
}

fn phase_name(phase: &VisaAcceptancePhase) -> &'static str {
    match phase {
        VisaAcceptancePhase::VisaSession(_) => "VisaSession",
        VisaAcceptancePhase::ChooseStepUp => "ChooseStepUp",
        VisaAcceptancePhase::EnterOtp => "EnterOtp",
        VisaAcceptancePhase::CompleteStepUp(_) => "CompleteStepUp",
        VisaAcceptancePhase::PasskeyCeremony(_) => "PasskeyCeremony",
    }
}

fn step_name(step: &VisaAcceptanceStep) -> &'static str {
    match step {
        VisaAcceptanceStep::AuthenticationOptions => "AuthenticationOptions",
        VisaAcceptanceStep::CreateOtp { .. } => "CreateOtp",
        VisaAcceptanceStep::Validate { .. } => "Validate",
        VisaAcceptanceStep::Registration => "Registration",
    }
}

fn needed(name: &str) -> Result<(), JourneyError> {
    Err(JourneyError::Resume(format!(
        "the secret `{name}` is needed to continue"
    )))
}

#[test]
fn resume_names_the_secret_each_state_needs() {
    for run in all_runs() {
        for journey in &run.snapshots {
            let checkpoint = journey.checkpoint();
            let want = match journey.stage() {
                Stage::Failed(_) | Stage::Awaiting(VisaAcceptancePhase::VisaSession(_)) => Ok(()),
                Stage::Done => needed("assuranceData.fidoBlob"),
                Stage::Awaiting(VisaAcceptancePhase::PasskeyCeremony(_)) => {
                    needed("authenticationContext.payload")
                }
                _ => needed("sessionInformation.secureToken"),
            };
            let got = Journey::<VisaAcceptancePasskey>::resume(
                &checkpoint,
                VisaAcceptancePasskeySecrets::default(),
            )
            .map(drop);
            assert_eq!(got, want, "{checkpoint}");
        }
    }
    // An automatic resend of validate needs the code as well.
    let run = run_back_off();
    assert!(matches!(
        run.journey.stage(),
        Stage::BackingOff {
            step: VisaAcceptanceStep::Validate {
                code: StepUpCode::Otp,
                ..
            },
            ..
        }
    ));
    let secrets = VisaAcceptancePasskeySecrets {
        otp: None,
        ..all_secrets()
    };
    assert_eq!(
        Journey::<VisaAcceptancePasskey>::resume(&run.journey.checkpoint(), secrets).map(drop),
        needed("otp")
    );
    // The unknown-outcome prompt resumes without the code; resending then needs it.
    let mut unknown = to_enter_otp(&otp_limits(3, 3, 0));
    unknown.submit(otp(canary::OTP));
    unknown.fail(maybe_sent());
    let secrets = VisaAcceptancePasskeySecrets {
        otp: None,
        ..all_secrets()
    };
    let mut resumed =
        Journey::<VisaAcceptancePasskey>::resume(&unknown.journey.checkpoint(), secrets)
            .expect("resumes");
    let before = resumed.checkpoint();
    assert_eq!(
        resumed.submit(Input::ResendAfterUnknownOutcome, T0),
        needed("otp")
    );
    assert_eq!(resumed.checkpoint(), before);
}

#[test]
fn tampered_checkpoints_are_refused() {
    let run = to_ceremony(false);
    let checkpoint = run.journey.checkpoint();
    let quoted_reference = format!("\"{REF}\"");
    for (from, to) in [
        ("\"auth-ctx-1\"", "\"\""),
        (quoted_reference.as_str(), "\"\""),
        ("\"jane.doe@example.com\"", "\"nobody\""),
    ] {
        let tampered = checkpoint.replace(from, to);
        assert_ne!(tampered, checkpoint, "{from}");
        assert_eq!(
            Journey::<VisaAcceptancePasskey>::resume(&tampered, all_secrets()).map(drop),
            Err(JourneyError::Resume(
                "not a visa_acceptance_passkey checkpoint (unexpected content)".into()
            )),
            "{from}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// 4. Random event sequences
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
enum Event {
    /// Any input of the pool.
    Submit(usize),
    /// An input the current prompt accepts (most of the time).
    SubmitValid(usize),
    /// Any response of the pool.
    Respond(usize),
    /// A success of the kind the request in flight expects.
    RespondOk(usize),
    /// An error answer.
    RespondError(usize),
    RespondStale(usize),
    NotSent,
    MaybeSent,
    Timeout(u64),
    Resume,
}

fn input_pool() -> Vec<Input> {
    let mut pool: Vec<Input> = labelled_inputs().into_iter().map(|(_, i)| i).collect();
    pool.extend([
        choose(EMAIL),
        choose(THREE_DS),
        choose(OUTBOUND),
        otp(WRONG_OTP),
        issuer_code(),
        Input::VisaMessage {
            json: "not json".into(),
            origin: ORIGIN.into(),
        },
        Input::VisaMessage {
            json: json!({"type": "AUTH_READY"}).to_string(),
            origin: "https://evil.example".into(),
        },
    ]);
    pool.extend(PAGE_FAILURES.iter().map(|(kind, _)| page(kind)));
    pool
}

fn response_pool() -> Vec<HttpResponse> {
    let ok = |v: Value| HttpResponse::json(200, v.to_string());
    vec![
        ok(options_authenticate()),
        ok(options_registration()),
        ok(options_step_up("STEP_UP_AUTHENTICATE")),
        ok(options_step_up("STEP_UP_AUTHENTICATION")),
        ok(json!({"action": "SOMETHING_NEW"})),
        ok(json!({"action": "AUTHENTICATE"})),
        ok(otp_seed()),
        ok(otp_limits(3, 3, 5)),
        ok(otp_limits(2, 1, 1_900_000_000)),
        ok(validated()),
        ok(registered()),
        ok(json!({})),
        HttpResponse::json(400, wrong_code("otp").to_string()),
        HttpResponse::json(400, wrong_code("issuerAuthCode").to_string()),
        HttpResponse::json(400, limit_reached().to_string()),
        HttpResponse::json(400, code_expired().to_string()),
        HttpResponse::json(400, missing_fields().to_string()),
        HttpResponse::json(500, server_error().to_string()),
        HttpResponse::json(429, b"{}".to_vec()),
        HttpResponse::json(200, b"<html>".to_vec()),
        HttpResponse::json(401, b"{}".to_vec()),
    ]
}

/// Inputs the prompt asks for (and a few it refuses), to reach deep states.
fn valid_inputs(journey: &Journey<VisaAcceptancePasskey>) -> Vec<Input> {
    match journey.next_action() {
        Action::Prompt(Prompt::ProvideVisaSession { .. }) => {
            let mut inputs = vec![
                ready(),
                session_created(),
                host_session(),
                Input::PageClosed,
            ];
            inputs.extend(PAGE_FAILURES.iter().map(|(kind, _)| page(kind)));
            inputs
        }
        Action::Prompt(Prompt::ChooseStepUp { methods }) => {
            let mut inputs: Vec<Input> = methods.iter().map(|m| choose(&m.identifier)).collect();
            inputs.push(choose(SMS));
            inputs
        }
        Action::Prompt(Prompt::EnterOtp { .. }) => vec![
            otp(canary::OTP),
            otp(WRONG_OTP),
            Input::ResendOtp,
            Input::ChooseAnotherMethod,
        ],
        Action::Prompt(Prompt::CompleteStepUp { .. }) => vec![
            issuer_code(),
            Input::StepUpCompleted,
            Input::ChooseAnotherMethod,
        ],
        Action::Prompt(Prompt::PasskeyCeremony { .. }) => {
            let mut inputs = vec![auth_complete(), Input::PageClosed, ready()];
            inputs.extend(PAGE_FAILURES.iter().map(|(kind, _)| page(kind)));
            inputs
        }
        Action::Prompt(Prompt::ConfirmUnknownOutcome { .. }) => {
            vec![Input::ResendAfterUnknownOutcome, Input::Reconcile]
        }
        _ => vec![Input::Cancel],
    }
}

/// Successes of the kind the request in flight expects.
fn successes(operation: &str) -> Vec<Value> {
    match operation {
        OPTIONS_OP => vec![
            options_authenticate(),
            options_registration(),
            options_step_up("STEP_UP_AUTHENTICATE"),
            options_step_up("STEP_UP_AUTHENTICATION"),
            json!({"action": "SOMETHING_NEW"}),
        ],
        CREATE_OTP_OP => vec![
            otp_seed(),
            otp_limits(3, 3, 5),
            otp_limits(2, 1, 1_900_000_000),
        ],
        VALIDATE_OP => vec![
            validated(),
            options_authenticate(),
            json!({"action": "AUTHENTICATE"}),
        ],
        _ => vec![registered()],
    }
}

fn error_pool() -> Vec<HttpResponse> {
    vec![
        HttpResponse::json(400, wrong_code("otp").to_string()),
        HttpResponse::json(400, wrong_code("issuerAuthCode").to_string()),
        HttpResponse::json(400, limit_reached().to_string()),
        HttpResponse::json(400, code_expired().to_string()),
        HttpResponse::json(400, missing_fields().to_string()),
        HttpResponse::json(500, server_error().to_string()),
        HttpResponse::json(503, b"<html>busy</html>".to_vec()),
        HttpResponse::json(429, b"{}".to_vec()),
        HttpResponse::json(200, b"<html>".to_vec()),
    ]
}

fn event() -> impl Strategy<Value = Event> {
    prop_oneof![
        2 => (0usize..64).prop_map(Event::Submit),
        4 => (0usize..64).prop_map(Event::SubmitValid),
        1 => (0usize..64).prop_map(Event::Respond),
        3 => (0usize..64).prop_map(Event::RespondOk),
        2 => (0usize..64).prop_map(Event::RespondError),
        1 => (0usize..64).prop_map(Event::RespondStale),
        1 => Just(Event::NotSent),
        1 => Just(Event::MaybeSent),
        1 => (0u64..400_000).prop_map(Event::Timeout),
        1 => Just(Event::Resume),
    ]
}

/// The exactly-once bookkeeping of one journey, from the host's side.
struct Watch {
    /// The last send seen: id and operation.
    last_send: Option<(RequestId, &'static str)>,
    /// How the last send ended, when it did.
    last_end: Option<&'static str>,
    /// Whether the host submitted an accepted input since the last send.
    host_input: bool,
}

impl Watch {
    fn observe(&mut self, journey: &Journey<VisaAcceptancePasskey>) {
        let action = journey.next_action();
        assert_clean("action", &format!("{action:?}"));
        match &action {
            Action::Send { id, request } => {
                let body: Value = serde_json::from_slice(request.body.bytes()).expect("JSON");
                assert_eq!(
                    body["clientCorrelationId"], REF,
                    "one reference per journey"
                );
                if self.last_send.is_some_and(|(last, _)| last == *id) {
                    return;
                }
                if let Some((_, operation)) = self.last_send {
                    if operation == request.operation && !self.host_input {
                        // The same call again without the host: only when the last attempt
                        // never reached the server or was refused before any effect.
                        assert!(
                            matches!(self.last_end, Some("not sent" | "429")),
                            "{operation} resent automatically after {:?}",
                            self.last_end
                        );
                    }
                }
                self.last_send = Some((*id, request.operation));
                self.last_end = None;
                self.host_input = false;
            }
            Action::Prompt(Prompt::ProvideVisaSession {
                message_to_post: Some(message),
                ..
            }) => {
                let value: Value = serde_json::from_str(message.as_json()).expect("JSON");
                assert_eq!(value["client"]["id"], REF, "one reference per journey");
            }
            _ => {}
        }
    }
}

/// Every state of the scripted runs, computed once.
fn starting_points() -> &'static [Journey<VisaAcceptancePasskey>] {
    static STARTS: std::sync::OnceLock<Vec<Journey<VisaAcceptancePasskey>>> =
        std::sync::OnceLock::new();
    STARTS.get_or_init(|| {
        all_runs()
            .into_iter()
            .flat_map(|run| run.snapshots)
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn random_event_sequences_keep_the_journey_sound(
        from in 0usize..10_000,
        events in prop::collection::vec(event(), 1..60),
    ) {
        let inputs = input_pool();
        let responses = response_pool();
        let errors = error_pool();
        // From a fresh journey or from any state the scripted runs reach.
        let starts = starting_points();
        let mut journey = if from % 4 == 0 {
            start(params(), reference())
        } else {
            starts[from % starts.len()].clone()
        };
        let mut now = T0;
        let mut watch = Watch { last_send: None, last_end: None, host_input: false };
        watch.observe(&journey);
        for event in events {
            let before = journey.checkpoint();
            let in_flight = match journey.next_action() {
                Action::Send { id, .. } => Some(id),
                _ => None,
            };
            let result = match &event {
                Event::Submit(i) => {
                    let result = journey.submit(inputs[i % inputs.len()].clone(), now);
                    if result.is_ok() {
                        watch.host_input = true;
                    }
                    result
                }
                Event::SubmitValid(i) => {
                    let valid = valid_inputs(&journey);
                    let result = journey.submit(valid[i % valid.len()].clone(), now);
                    if result.is_ok() {
                        watch.host_input = true;
                    }
                    result
                }
                Event::Respond(_) | Event::RespondOk(_) | Event::RespondError(_) => {
                    let response = match (&event, journey.next_action()) {
                        (Event::RespondOk(i), Action::Send { request, .. }) => {
                            let bodies = successes(request.operation);
                            HttpResponse::json(200, bodies[i % bodies.len()].to_string())
                        }
                        (Event::RespondError(i), _) => errors[i % errors.len()].clone(),
                        (Event::Respond(i) | Event::RespondOk(i), _) => {
                            responses[i % responses.len()].clone()
                        }
                        _ => responses[0].clone(),
                    };
                    let response = &response;
                    let id = in_flight.unwrap_or(RequestId(999));
                    let result = journey.on_response(id, response, now);
                    if result.is_ok() {
                        watch.last_end = Some(if response.status == 429 { "429" } else { "answered" });
                    }
                    result
                }
                Event::RespondStale(i) => {
                    let stale = RequestId(in_flight.map_or(0, |id| id.0) + 1 + *i as u64);
                    let result = journey.on_response(stale, &responses[i % responses.len()], now);
                    prop_assert!(matches!(result, Err(JourneyError::UnexpectedResponse { .. })), "a stale id is refused");
                    result
                }
                Event::NotSent | Event::MaybeSent => {
                    let (failure, end) = if matches!(event, Event::NotSent) {
                        (not_sent(), "not sent")
                    } else {
                        (maybe_sent(), "maybe sent")
                    };
                    let id = in_flight.unwrap_or(RequestId(999));
                    let result = journey.on_transport_failure(id, failure, now);
                    if result.is_ok() {
                        watch.last_end = Some(end);
                    }
                    result
                }
                Event::Timeout(advance) => {
                    now += advance;
                    journey.on_timeout(now)
                }
                Event::Resume => {
                    journey = Journey::resume(&before, all_secrets()).expect("resumes");
                    Ok(())
                }
            };
            if let Err(error) = &result {
                assert_clean("error", &format!("{error:?} {error}"));
                prop_assert_eq!(journey.checkpoint(), before, "an error changed the state");
            }
            let checkpoint = journey.checkpoint();
            assert_clean("checkpoint", &checkpoint);
            prop_assert!(checkpoint.contains(REF));
            watch.observe(&journey);
            // Asking again gives the same answer.
            prop_assert_eq!(journey.next_action(), journey.next_action());
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 5. Secret canary
// ---------------------------------------------------------------------------------------------

/// The canary check must not fire on a clock reading that happens to contain the CVV's digits
/// (seen in CI: `"until":1700000073738`), and must still fire on the CVV itself.
#[test]
fn a_digit_canary_counts_only_as_a_whole_word() {
    use support::canary::{CVV, SECURE_TOKEN, holds};
    assert!(holds(r#"{"cvv":"737"}"#, CVV));
    assert!(holds("cvv=737&x=1", CVV));
    assert!(holds("737", CVV));
    assert!(holds("1737 and 737", CVV));
    assert!(!holds(r#"{"until":1700000073738}"#, CVV));
    assert!(!holds("17370", CVV));
    assert!(!holds("txn-9a737b", CVV));
    assert!(!holds("c_737_1", CVV));
    assert!(holds("pan_4242424242424242", "4242424242424242"));
    assert!(holds("x-ezAwMX06-canary-secure-token-5d1e-y", SECURE_TOKEN));
}

#[test]
fn no_secret_appears_in_any_action_prompt_outcome_checkpoint_error_or_failure() {
    let mut lines = 0;
    for run in all_runs() {
        for line in &run.log {
            assert_clean("journey output", line);
            lines += 1;
        }
        // Outcomes and failures on their own, and as text.
        match run.journey.next_action() {
            Action::Done(outcome) => assert_clean("outcome", &format!("{outcome:?}")),
            Action::Failed(failure) => {
                assert_clean("failure", &format!("{failure:?}"));
                assert_clean(
                    "failure json",
                    &serde_json::to_string(&failure).expect("serialises"),
                );
            }
            _ => {}
        }
    }
    assert!(lines > 500, "{lines}");
    // The secrets were really there: the bodies and the ceremony message carry them.
    let run = run_otp_step_up();
    let bodies = Value::Array(run.bodies.clone()).to_string();
    for secret in [canary::SECURE_TOKEN, canary::OTP] {
        assert!(bodies.contains(secret));
    }
    let issuer = run_issuer_code();
    assert!(
        Value::Array(issuer.bodies.clone())
            .to_string()
            .contains(ISSUER_CODE)
    );
    let ceremony = to_ceremony(true);
    match ceremony.prompt() {
        Prompt::PasskeyCeremony {
            message_to_post, ..
        } => assert!(message_to_post.as_json().contains(canary::VISA_PAYLOAD)),
        other => panic!("{other:?}"),
    }
    // And the secrets struct redacts itself.
    assert_clean("secrets", &format!("{:?}", all_secrets()));
}
