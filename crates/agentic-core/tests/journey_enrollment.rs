//! The card enrollment journey (Juspay VAT): the (state, event) table, scripted runs fed with
//! the documented sample responses, checkpoint → resume in every stage, a property test of the
//! exactly-once rules, and the secret canary.

mod support;

use agentic_core::journey::enrollment::{
    self, Enrollment, EnrollmentDetails, EnrollmentParams, EnrollmentSecrets,
};
use agentic_core::journey::*;
use agentic_core::juspay_vat::{CardTokenizeRequest, IdentityType, VicStatus};
use agentic_core::secret::{CardToken, Otp, SecureToken, VisaPayload};
use agentic_core::step_up::{StepUpMethod, StepUpSubMethod};
use agentic_core::visa_page::{PasskeyAction, PlatformType, VisaPageOrigin};
use agentic_core::wire::HttpRequest;
use agentic_core::{InvalidInput, Problem};
use proptest::prelude::*;
use serde_json::{Value, json};
use support::{canary, every_input, json_response};

// ---------------------------------------------------------------------------------------------
// Fixtures: the documented samples
// ---------------------------------------------------------------------------------------------

const ORIGIN: &str = VisaPageOrigin::SANDBOX;
/// `clientReferenceId` of the J-TOTP / J-VOTP samples, as 16 bytes of entropy.
const REF: &str = "9d4050c011ee4654adec05873299a640";
const REF_BYTES: [u8; 16] = [
    0x9d, 0x40, 0x50, 0xc0, 0x11, 0xee, 0x46, 0x54, 0xad, 0xec, 0x05, 0x87, 0x32, 0x99, 0xa6, 0x40,
];
/// `vProvisionedTokenId` of the seed 000 new-card answer.
const VPT: &str = "bvksaj=bvksaj=bvksaj=";
const USER_AGENT: &str = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/144.0.0.0 Safari/537.36";
const T0: u64 = 1_700_000_000_000;
const PAGE_REQUEST_ID: &str = "req-7";
const SAMPLE_PAYLOAD: &str = "xxxxx.xxxx.-xxxxx";
const CEREMONY_ID: &str = "c3d04cbeffc063260f501b3dbc0b2b01";
const ENROLL_REFERENCE: &str = "1_1768897769_649_141_k8l73-7d75755c8q_IAMRB";

fn browser_data() -> Value {
    json!({
        "browserJavaEnabled": false,
        "browserJavascriptEnabled": true,
        "browserLanguage": "en-GB",
        "browserColorDepth": "30",
        "browserScreenHeight": "1117",
        "browserScreenWidth": "1728",
        "browserTimeZone": "-330",
        "userAgent": USER_AGENT,
        "browserHeader": "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7",
        "ipAddress": "104.28.3.25"
    })
}

/// Seed 000, "New card flow" response, verbatim.
const NEW_CARD_CHALLENGED: &str = r#"{
    "errorMessage": null,
    "status": "SUCCESS",
    "payload": {
        "stepUpResponse": {
            "availableStepUpMethod": [
                {"value": "**PSMS", "requestPayload": null, "platformType": null, "subMethod": null,
                 "identifier": "bvksaj=", "method": "OTPSMS", "source": null, "appID": null,
                 "intentURL": null, "appPlatform": null, "appURL": null},
                {"value": "OTPEMAIL", "requestPayload": null, "platformType": null, "subMethod": null,
                 "identifier": "bvksaj==", "method": "OTPEMAIL", "source": null, "appID": null,
                 "intentURL": null, "appPlatform": null, "appURL": null},
                {"value": "1800123456", "requestPayload": null, "platformType": null, "subMethod": null,
                 "identifier": "bvksaj==", "method": "CUSTOMERSERVICE", "source": null, "appID": null,
                 "intentURL": null, "appPlatform": null, "appURL": null},
                {"value": "Verify Online with Bank", "requestPayload": "", "platformType": "WEB",
                 "subMethod": "THREE-DS", "identifier": "bvksaj==", "method": "APP-TO-APP",
                 "source": "https://www.isa.sandbox.com", "appID": null, "intentURL": null,
                 "appPlatform": null, "appURL": null}
            ],
            "otpInfo": null,
            "deviceBindingStatus": "CHALLENGED",
            "stepUpMethod": null
        },
        "vProvisionedTokenId": "bvksaj=bvksaj=bvksaj="
    },
    "errorCode": null
}"#;

/// The choice keys of the seed 000 methods: `bvksaj==` is shared by three of them.
const KEY_SMS: &str = "bvksaj=";
const KEY_EMAIL: &str = "bvksaj==#1";
const KEY_CALL: &str = "bvksaj==#2";
const KEY_3DS: &str = "bvksaj==#3";

/// Seed 000, "Device Binding Flow" response, with the JWT given.
fn ceremony_body(payload: &str) -> String {
    json!({
        "errorMessage": null,
        "status": "SUCCESS",
        "payload": {
            "actionToBePerformed": "REGISTER",
            "authPreferencesEnabled": {"responseType": "code", "responseMode": "com_visa_web_message"},
            "platformType": "WEB",
            "payload": payload,
            "identifier": CEREMONY_ID,
            "endpoint": "xxxxxxx"
        },
        "errorCode": null
    })
    .to_string()
}

/// J-TOTP sample response.
const TRIGGER_OK: &str = r#"{"errorMessage": null, "status": "SUCCESS", "errorCode": null,
    "response": {"maxOTPVerificationAllowed": 3, "maxOTPRequestsAllowed": 3, "codeExpiration": 5}}"#;
/// A refused trigger (the VAT envelope with a non-SUCCESS status).
const TRIGGER_REFUSED: &str = r#"{"errorMessage": "selected validation method is not available",
    "status": "FAILURE", "errorCode": "METHOD_NOT_AVAILABLE", "response": null}"#;
/// J-VOTP sample response.
const VALIDATE_OK: &str = r#"{"status": "SUCCESS", "responseCode": null, "responseMessage": null}"#;
/// A refused OTP (non-SUCCESS on HTTP 200).
const VALIDATE_WRONG: &str = r#"{"status": "FAILURE", "responseCode": "INVALID_OTP", "responseMessage": "OTP is incorrect"}"#;
/// The enroll success body (provisional shape, J-ENROLL example values).
const ENROLL_OK: &str = r#"{"errorMessage": null, "status": "SUCCESS", "errorCode": null,
    "payload": {"status": "ACTIVE", "requestId": "1_1768897769_649_141_k8l73-7d75755c8q_IAMRB"}}"#;
/// A refusal on HTTP 200 (J-PTP style envelope).
const REJECTED: &str = r#"{"errorMessage": "card not eligible", "status": "FAILURE", "errorCode": "NOT_ELIGIBLE", "payload": null}"#;
/// An EC-style 400 (the tokenizer).
const BAD_REQUEST: &str = r#"{"status": "invalid_request_error", "error_code": "invalid", "error_message": "Invalid card"}"#;
const SERVER_ERROR: &str = r#"{"error": true, "error_message": "Internal error"}"#;

fn tokenize_ok() -> String {
    json!({"token": canary::CARD_TOKEN}).to_string()
}

fn page_ready() -> String {
    json!({"type": "AUTH_READY", "requestID": PAGE_REQUEST_ID}).to_string()
}

fn page_session(popup_for_register: bool) -> String {
    json!({
        "type": "AUTH_SESSION_CREATED",
        "requestID": PAGE_REQUEST_ID,
        "version": "1",
        "sessionContext": {"secureToken": canary::SECURE_TOKEN},
        "browserData": browser_data(),
        "dfpSessionID": "dfp-1",
        "authenticationPreferencesSupported": {
            "requiresPopupForRegister": popup_for_register,
            "requiresPopupForAuthenticate": false
        }
    })
    .to_string()
}

fn page_complete() -> String {
    json!({
        "type": "AUTH_COMPLETE",
        "requestID": PAGE_REQUEST_ID,
        "assuranceData": {"fidoBlob": canary::FIDO_BLOB, "identifier": CEREMONY_ID, "rpID": "visa.com"}
    })
    .to_string()
}

const PAGE_FAILURES: [(&str, PageFailure); 4] = [
    ("AUTH_FAILED", PageFailure::Failed),
    ("AUTH_CANCELLED", PageFailure::Cancelled),
    ("AUTH_NOT_SUPPORTED", PageFailure::NotSupported),
    ("AUTH_NOT_PERFORMED", PageFailure::NotPerformed),
];

fn page_failure(message_type: &str) -> String {
    json!({"type": message_type, "requestID": PAGE_REQUEST_ID, "reason": "x"}).to_string()
}

fn visa(json: String) -> Input {
    Input::VisaMessage {
        json,
        origin: ORIGIN.to_owned(),
    }
}

fn otp(code: &str) -> Input {
    Input::Otp(Otp::new("otp", code).expect("valid otp"))
}

fn choose(key: &str) -> Input {
    Input::ChooseStepUp {
        identifier: key.to_owned(),
    }
}

fn details() -> EnrollmentDetails {
    EnrollmentDetails {
        customer_id: "user_1234567".to_owned(),
        identity_type: IdentityType::EmailAddress,
        country_code: "US".to_owned(),
        user_agent: USER_AGENT.to_owned(),
        ip_address: "104.28.3.25".to_owned(),
        device_model: "Macintosh".to_owned(),
        device_brand: "Apple".to_owned(),
        device_manufacturer: "Apple".to_owned(),
        app_name: String::new(),
        amount: "92.65".to_owned(),
        currency: "SGD".to_owned(),
        platform_type: PlatformType::Web,
        page_origin: VisaPageOrigin::sandbox(),
    }
}

fn params() -> EnrollmentParams {
    EnrollmentParams::new(details()).expect("valid params")
}

fn card_token() -> CardToken {
    CardToken::new("cardObj", canary::CARD_TOKEN).expect("valid")
}

fn card_details() -> CardTokenizeRequest {
    CardTokenizeRequest::new("merchant_1", canary::PAN, "12", "30", canary::CVV, None)
        .expect("valid card")
}

/// Every secret a resumed journey may need, with the canary values used in the runs.
fn all_secrets() -> EnrollmentSecrets {
    EnrollmentSecrets::default()
        .with_card_token(card_token())
        .with_card_details(card_details())
        .with_secure_token(SecureToken::new("secureToken", canary::SECURE_TOKEN).expect("valid"))
        .with_visa_payload(VisaPayload::new("payload", canary::VISA_PAYLOAD).expect("valid"))
        .with_otp(Otp::new("otp", canary::OTP).expect("valid"))
}

fn all_secrets_but_otp() -> EnrollmentSecrets {
    EnrollmentSecrets::default()
        .with_card_token(card_token())
        .with_card_details(card_details())
        .with_secure_token(SecureToken::new("secureToken", canary::SECURE_TOKEN).expect("valid"))
        .with_visa_payload(VisaPayload::new("payload", canary::VISA_PAYLOAD).expect("valid"))
}

// ---------------------------------------------------------------------------------------------
// The driver
// ---------------------------------------------------------------------------------------------

/// A request body as JSON (form bodies become an object of their pairs).
fn body_of(request: &HttpRequest) -> Value {
    match request.body.content_type() {
        Some("application/x-www-form-urlencoded") => Value::Object(
            form_urlencoded::parse(request.body.bytes())
                .into_owned()
                .map(|(k, v)| (k, Value::String(v)))
                .collect(),
        ),
        _ => serde_json::from_slice(request.body.bytes()).expect("JSON body"),
    }
}

/// Which call a request is: the operation, plus the attestation reason of a provision call.
fn step_key(request: &HttpRequest) -> String {
    let body = body_of(request);
    match body
        .pointer("/deviceAttestationObj/reasonCode")
        .and_then(Value::as_str)
    {
        Some(reason) => format!("{} {reason}", request.operation),
        None => request.operation.to_owned(),
    }
}

#[derive(Clone)]
struct Run {
    journey: Journey<Enrollment>,
    now: u64,
    sent: Vec<(String, Value)>,
}

impl Run {
    fn start(secrets: EnrollmentSecrets) -> Self {
        let journey = enrollment::start(params(), ReferenceId::from_entropy(REF_BYTES), secrets)
            .expect("starts");
        Self {
            journey,
            now: T0,
            sent: Vec::new(),
        }
    }

    fn with_token() -> Self {
        Self::start(EnrollmentSecrets::default().with_card_token(card_token()))
    }

    fn action(&self) -> Action {
        let action = self.journey.next_action();
        assert_eq!(action, self.journey.next_action(), "next_action is pure");
        action
    }

    fn prompt(&self) -> Prompt {
        match self.action() {
            Action::Prompt(prompt) => prompt,
            other => panic!("expected a prompt, got {other:?}"),
        }
    }

    fn in_flight(&self) -> (RequestId, HttpRequest) {
        match self.action() {
            Action::Send { id, request } => (id, request),
            other => panic!("expected a send, got {other:?}"),
        }
    }

    fn respond(&mut self, status: u16, body: &str) {
        let (id, request) = self.in_flight();
        self.sent.push((step_key(&request), body_of(&request)));
        self.journey
            .on_response(id, &json_response(status, body), self.now)
            .expect("response accepted");
    }

    fn ok(&mut self, body: &str) {
        self.respond(200, body);
    }

    fn fail(&mut self, failure: TransportFailure) {
        let (id, _) = self.in_flight();
        self.journey
            .on_transport_failure(id, failure, self.now)
            .expect("failure accepted");
    }

    fn input(&mut self, input: Input) {
        self.journey
            .submit(input, self.now)
            .expect("input accepted");
    }

    fn expect_refused(&mut self, input: Input, error: JourneyError) {
        let before = self.journey.checkpoint();
        assert_eq!(self.journey.submit(input, self.now), Err(error));
        assert_eq!(
            self.journey.checkpoint(),
            before,
            "a refused input changes nothing"
        );
    }

    // Scripted positions.

    fn at_session_ready() -> Self {
        let mut run = Self::with_token();
        run.input(visa(page_ready()));
        run
    }

    fn at_new_card() -> Self {
        let mut run = Self::at_session_ready();
        run.input(visa(page_session(true)));
        run
    }

    fn at_choose() -> Self {
        let mut run = Self::at_new_card();
        run.ok(NEW_CARD_CHALLENGED);
        run
    }

    fn at_trigger() -> Self {
        let mut run = Self::at_choose();
        run.input(choose(KEY_SMS));
        run
    }

    fn at_enter_otp() -> Self {
        let mut run = Self::at_trigger();
        run.ok(TRIGGER_OK);
        run
    }

    fn at_validate() -> Self {
        let mut run = Self::at_enter_otp();
        run.input(otp(canary::OTP));
        run
    }

    fn at_binding() -> Self {
        let mut run = Self::at_validate();
        run.ok(VALIDATE_OK);
        run
    }

    fn at_ceremony() -> Self {
        let mut run = Self::at_binding();
        run.ok(&ceremony_body(canary::VISA_PAYLOAD));
        run
    }

    fn at_enroll() -> Self {
        let mut run = Self::at_ceremony();
        run.input(visa(page_complete()));
        run
    }

    fn at_done() -> Self {
        let mut run = Self::at_enroll();
        run.ok(ENROLL_OK);
        run
    }

    fn at_complete_step_up() -> Self {
        let mut run = Self::at_choose();
        run.input(choose(KEY_CALL));
        run
    }

    fn at_tokenize() -> Self {
        let mut run = Self::start(EnrollmentSecrets::default().with_card_details(card_details()));
        run.input(visa(page_ready()));
        run.input(visa(page_session(true)));
        run
    }
}

/// A short, exact description of an action for the tables.
fn kind(action: &Action) -> String {
    match action {
        Action::Send { request, .. } => format!("Send {}", step_key(request)),
        Action::Prompt(prompt) => match prompt {
            Prompt::ProvideVisaSession {
                message_to_post: None,
                ..
            } => "ProvideVisaSession".to_owned(),
            Prompt::ProvideVisaSession {
                message_to_post: Some(m),
                ..
            } => {
                format!("ProvideVisaSession+{}", m.message_type())
            }
            Prompt::ChooseStepUp { methods } => format!("ChooseStepUp{}", methods.len()),
            Prompt::EnterOtp {
                attempts_left,
                resends_left,
                last_attempt_failed,
                expired,
                ..
            } => format!(
                "EnterOtp a{attempts_left} r{resends_left}{}{}",
                if *last_attempt_failed { " failed" } else { "" },
                if *expired { " expired" } else { "" }
            ),
            Prompt::CompleteStepUp { choice } => format!("CompleteStepUp {}", choice.method),
            Prompt::PasskeyCeremony { action, .. } => format!("PasskeyCeremony {action}"),
            Prompt::ConfirmUnknownOutcome {
                operation,
                can_reconcile,
            } => {
                format!("ConfirmUnknownOutcome {operation} {can_reconcile}")
            }
            other => format!("{other:?}"),
        },
        Action::Wait { until } => format!("Wait +{}", until - T0),
        Action::Done(_) => "Done".to_owned(),
        Action::Failed(JourneyFailure::Api(e)) => {
            format!("Failed Api {:?} {}", e.category, e.http_status)
        }
        Action::Failed(other) => format!("Failed {other:?}"),
    }
}

const NEW_CARD: &str = "juspay_vat.provision_token_passkey PAYMENT";
const BINDING: &str = "juspay_vat.provision_token_passkey DEVICE_BINDING";
const PROVISION_OP: &str = "juspay_vat.provision_token_passkey";
const TRIGGER_OP: &str = "juspay_vat.trigger_otp";
const VALIDATE_OP: &str = "juspay_vat.validate_otp";
const ENROLL_OP: &str = "juspay_vat.enroll_in_agentic_service";
const TOKENIZE_OP: &str = "juspay_vat.card_tokenize";

fn invalid(state: &'static str, event: &'static str) -> JourneyError {
    JourneyError::InvalidEvent { state, event }
}

fn cancelled(operation: Option<&str>) -> String {
    kind(&Action::Failed(JourneyFailure::Cancelled {
        outcome_unknown_for: operation.map(str::to_owned),
    }))
}

fn passkey_failed(failure: PageFailure) -> String {
    kind(&Action::Failed(JourneyFailure::Passkey {
        failure,
        action: PasskeyAction::Register,
    }))
}

// ---------------------------------------------------------------------------------------------
// 1. The (state, event) table
// ---------------------------------------------------------------------------------------------

/// Every state the table covers, with the operation in flight where there is one.
fn table_states() -> Vec<(&'static str, Run)> {
    let mut backing_off = Run::at_new_card();
    backing_off.fail(TransportFailure::NotSent {
        reason: "connection refused".into(),
    });
    let mut unknown = Run::at_new_card();
    unknown.fail(TransportFailure::MaybeSent {
        reason: "timeout after write".into(),
    });
    let mut failed = Run::with_token();
    failed.input(Input::PageClosed);
    vec![
        ("session", Run::with_token()),
        ("session-ready", Run::at_session_ready()),
        ("choose", Run::at_choose()),
        ("enter-otp", Run::at_enter_otp()),
        ("complete", Run::at_complete_step_up()),
        ("ceremony", Run::at_ceremony()),
        ("sending-tokenize", Run::at_tokenize()),
        ("sending-new-card", Run::at_new_card()),
        ("sending-trigger", Run::at_trigger()),
        ("sending-validate", Run::at_validate()),
        ("sending-binding", Run::at_binding()),
        ("sending-enroll", Run::at_enroll()),
        ("backing-off", backing_off),
        ("outcome-unknown", unknown),
        ("done", Run::at_done()),
        ("failed", failed),
    ]
}

fn sending_operation(state: &str) -> Option<&'static str> {
    Some(match state {
        "sending-tokenize" => TOKENIZE_OP,
        "sending-new-card" | "sending-binding" => PROVISION_OP,
        "sending-trigger" => TRIGGER_OP,
        "sending-validate" => VALIDATE_OP,
        "sending-enroll" => ENROLL_OP,
        _ => return None,
    })
}

/// What each input does in each state: the next action's [`kind`], or the exact refusal.
fn expected_after_input(state: &str, input: &Input) -> Result<String, JourneyError> {
    let event = input.name();
    if let Some(operation) = sending_operation(state) {
        return match input {
            Input::Cancel => Ok(cancelled(Some(operation))),
            _ => Err(invalid("Sending", event)),
        };
    }
    match (state, input) {
        ("session" | "session-ready", Input::VisaMessage { .. }) => {
            Ok("ProvideVisaSession+CREATE_AUTH_SESSION".into())
        }
        ("session" | "session-ready", Input::VisaSession { .. }) => Ok(format!("Send {NEW_CARD}")),
        ("session" | "session-ready" | "ceremony", Input::PageClosed) => {
            Ok(passkey_failed(PageFailure::Closed))
        }
        ("session" | "session-ready", _) if !matches!(input, Input::Cancel) => {
            Err(invalid("ProvideVisaSession", event))
        }

        ("choose", Input::ChooseStepUp { .. }) => {
            Err(JourneyError::InvalidInput(InvalidInput::new(
                "stepUp.identifier",
                Problem::Format {
                    expected: "one of the identifiers of the ChooseStepUp prompt",
                },
            )))
        }
        ("choose", Input::Cancel) => Ok(cancelled(None)),
        ("choose", _) => Err(invalid("ChooseStepUp", event)),

        ("enter-otp", Input::Otp(_)) => Ok(format!("Send {VALIDATE_OP}")),
        ("enter-otp", Input::ResendOtp) => Ok(format!("Send {TRIGGER_OP}")),
        ("enter-otp" | "complete", Input::ChooseAnotherMethod) => Ok("ChooseStepUp4".into()),
        ("enter-otp", Input::Cancel) => Ok(cancelled(None)),
        ("enter-otp", _) => Err(invalid("EnterOtp", event)),

        ("complete", Input::StepUpCompleted) => Ok(format!("Send {BINDING}")),
        ("complete", Input::Cancel) => Ok(cancelled(None)),
        ("complete", _) => Err(invalid("CompleteStepUp", event)),

        // AUTH_READY during the ceremony is ignored.
        ("ceremony", Input::VisaMessage { .. }) => Ok("PasskeyCeremony REGISTER".into()),
        ("ceremony", Input::Cancel) => Ok(cancelled(None)),
        ("ceremony", _) => Err(invalid("PasskeyCeremony", event)),

        (_, Input::Cancel) if state.starts_with("session") => Ok(cancelled(None)),

        ("backing-off", Input::Cancel) => Ok(cancelled(None)),
        ("backing-off", _) => Err(invalid("BackingOff", event)),

        ("outcome-unknown", Input::Cancel) => Ok(cancelled(Some(PROVISION_OP))),
        ("outcome-unknown", Input::ResendAfterUnknownOutcome) => Ok(format!("Send {NEW_CARD}")),
        ("outcome-unknown", _) => Err(invalid("OutcomeUnknown", event)),

        ("done", _) => Err(invalid("Done", event)),
        ("failed", _) => Err(invalid("Failed", event)),
        _ => panic!("no expectation for ({state}, {event})"),
    }
}

#[test]
fn every_state_times_every_input() {
    let mut pairs = 0;
    for (state, run) in table_states() {
        for input in every_input(ORIGIN) {
            let mut run = run.clone();
            let before = run.journey.checkpoint();
            let expected = expected_after_input(state, &input);
            let name = input.name();
            let got = run.journey.submit(input, run.now);
            match expected {
                Ok(next) => {
                    assert_eq!(got, Ok(()), "({state}, {name})");
                    assert_eq!(kind(&run.action()), next, "({state}, {name})");
                }
                Err(error) => {
                    assert_eq!(got, Err(error), "({state}, {name})");
                    assert_eq!(
                        run.journey.checkpoint(),
                        before,
                        "({state}, {name}) must change nothing"
                    );
                }
            }
            pairs += 1;
        }
    }
    assert_eq!(pairs, 16 * 13);
}

#[test]
fn responses_failures_and_timeouts_outside_a_send_are_refused_without_change() {
    for (state, run) in table_states() {
        if sending_operation(state).is_some() {
            continue;
        }
        let mut run = run.clone();
        let before = run.journey.checkpoint();
        assert_eq!(
            run.journey
                .on_response(RequestId(1), &json_response(200, VALIDATE_OK), T0),
            Err(JourneyError::UnexpectedResponse {
                got: RequestId(1),
                expected: None
            }),
            "{state}"
        );
        assert_eq!(
            run.journey.on_transport_failure(
                RequestId(1),
                TransportFailure::NotSent { reason: "x".into() },
                T0
            ),
            Err(JourneyError::UnexpectedResponse {
                got: RequestId(1),
                expected: None
            }),
            "{state}"
        );
        if state == "backing-off" {
            // Early wake-up: accepted, nothing changes; due: the same step is sent again.
            run.journey.on_timeout(T0 + 499).expect("early");
            assert_eq!(run.journey.checkpoint(), before);
            run.journey.on_timeout(T0 + 500).expect("due");
            assert_eq!(kind(&run.action()), format!("Send {NEW_CARD}"));
        } else {
            let stage = run.journey.stage().name();
            assert_eq!(
                run.journey.on_timeout(T0),
                Err(invalid(stage, "Timeout")),
                "{state}"
            );
            assert_eq!(run.journey.checkpoint(), before, "{state}");
        }
    }
}

/// (state, success body, next, refusal status + body, next after the refusal).
type StepCase = (&'static str, String, String, (u16, &'static str), String);

fn step_table() -> Vec<StepCase> {
    vec![
        (
            "sending-tokenize",
            tokenize_ok(),
            format!("Send {NEW_CARD}"),
            (400, BAD_REQUEST),
            "Failed Api InvalidRequest 400".into(),
        ),
        (
            "sending-new-card",
            NEW_CARD_CHALLENGED.into(),
            "ChooseStepUp4".into(),
            (200, REJECTED),
            "Failed Api Rejected 200".into(),
        ),
        (
            "sending-trigger",
            TRIGGER_OK.into(),
            "EnterOtp a3 r2".into(),
            (200, TRIGGER_REFUSED),
            "ChooseStepUp3".into(),
        ),
        (
            "sending-validate",
            VALIDATE_OK.into(),
            format!("Send {BINDING}"),
            (200, VALIDATE_WRONG),
            "EnterOtp a2 r2 failed".into(),
        ),
        (
            "sending-binding",
            ceremony_body(canary::VISA_PAYLOAD),
            "PasskeyCeremony REGISTER".into(),
            (200, REJECTED),
            "Failed Api Rejected 200".into(),
        ),
        (
            "sending-enroll",
            ENROLL_OK.into(),
            "Done".into(),
            (200, REJECTED),
            "Failed Api Rejected 200".into(),
        ),
    ]
}

#[test]
fn every_step_times_ok_error_not_sent_maybe_sent_and_timeout() {
    let states: Vec<(&str, Run)> = table_states();
    let find = |name: &str| {
        states
            .iter()
            .find(|(s, _)| *s == name)
            .map(|(_, r)| r.clone())
            .expect("state")
    };
    for (state, ok_body, ok_next, (status, error_body), error_next) in step_table() {
        let operation = sending_operation(state).expect("a sending state");
        let unknown = format!("ConfirmUnknownOutcome {operation} false");

        let mut run = find(state);
        run.ok(&ok_body);
        assert_eq!(kind(&run.action()), ok_next, "{state}: ok");

        let mut run = find(state);
        run.respond(status, error_body);
        assert_eq!(kind(&run.action()), error_next, "{state}: refused");

        // A 5xx may have acted: never resent on its own.
        let mut run = find(state);
        run.respond(500, SERVER_ERROR);
        assert_eq!(kind(&run.action()), unknown, "{state}: 5xx");

        let mut run = find(state);
        run.fail(TransportFailure::NotSent {
            reason: "dns".into(),
        });
        assert_eq!(kind(&run.action()), "Wait +500", "{state}: not sent");

        let mut run = find(state);
        run.fail(TransportFailure::MaybeSent {
            reason: "reset".into(),
        });
        assert_eq!(kind(&run.action()), unknown, "{state}: maybe sent");

        // A timeout, a stale id or a duplicate is refused and changes nothing.
        let mut run = find(state);
        let (id, _) = run.in_flight();
        let before = run.journey.checkpoint();
        assert_eq!(
            run.journey.on_timeout(T0 + 60_000),
            Err(invalid("Sending", "Timeout")),
            "{state}"
        );
        let stale = RequestId(id.0 + 100);
        assert_eq!(
            run.journey
                .on_response(stale, &json_response(200, &ok_body), T0),
            Err(JourneyError::UnexpectedResponse {
                got: stale,
                expected: Some(id)
            })
        );
        assert_eq!(
            run.journey.on_transport_failure(
                stale,
                TransportFailure::NotSent { reason: "x".into() },
                T0
            ),
            Err(JourneyError::UnexpectedResponse {
                got: stale,
                expected: Some(id)
            })
        );
        assert_eq!(run.journey.checkpoint(), before, "{state}");
        run.ok(&ok_body);
        assert_eq!(
            run.journey
                .on_response(id, &json_response(200, &ok_body), T0),
            Err(JourneyError::UnexpectedResponse {
                got: id,
                expected: match run.journey.stage() {
                    Stage::Sending { id, .. } => Some(*id),
                    _ => None,
                }
            }),
            "{state}: duplicate"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// 2. Scripted runs with the documented samples
// ---------------------------------------------------------------------------------------------

fn new_card_body() -> Value {
    json!({
        "customerId": "user_1234567",
        "sessionContext": {"secureToken": canary::SECURE_TOKEN},
        "browserData": browser_data(),
        "clientReferenceId": REF,
        "authFlowType": "FIDO",
        "presentationType": "AI_AGENT",
        "platformType": "WEB",
        "deviceAttestationObj": {"reasonCode": "PAYMENT", "actionToPerform": "AUTHENTICATE"},
        "amount": {"currency": "SGD", "total": 92.65},
        "paymentInstrument": {"type": "CARD_TOKEN", "cardObj": canary::CARD_TOKEN}
    })
}

fn binding_body() -> Value {
    json!({
        "customerId": "user_1234567",
        "sessionContext": {"secureToken": canary::SECURE_TOKEN},
        "browserData": browser_data(),
        "clientReferenceId": REF,
        "authFlowType": "FIDO",
        "presentationType": "AI_AGENT",
        "platformType": "WEB",
        "deviceAttestationObj": {"reasonCode": "DEVICE_BINDING", "actionToPerform": "REGISTER"},
        "amount": {"currency": "SGD", "total": 92.65},
        "paymentInstrument": {"type": "V_PROV_TOKEN_ID", "cardObj": VPT}
    })
}

fn trigger_body(step_up_request_id: &str) -> Value {
    json!({
        "tokenReference": VPT,
        "vProvisionedTokenId": VPT,
        "clientReferenceId": REF,
        "stepUpRequestId": step_up_request_id
    })
}

fn validate_body(code: &str) -> Value {
    json!({
        "tokenReference": VPT,
        "otpValue": code,
        "clientReferenceId": REF,
        "networkType": "VISA",
        "vProvisionedTokenId": VPT
    })
}

fn enroll_body() -> Value {
    json!({
        "clientReferenceId": REF,
        "vProvisionedTokenId": VPT,
        "userDetails": {"customerId": "user_1234567", "identityType": "EMAIL_ADDRESS", "countryCode": "US"},
        "appDetails": {
            "userAgent": USER_AGENT,
            "ipAddress": "104.28.3.25",
            "deviceData": {"model": "Macintosh", "brand": "Apple", "manufacturer": "Apple"}
        },
        "appName": "",
        "networkType": "VISA"
    })
}

fn enter_otp(
    attempts_left: u32,
    resends_left: u32,
    expires_at: Option<u64>,
    failed: bool,
    expired: bool,
) -> Prompt {
    Prompt::EnterOtp {
        attempts_left,
        resends_left,
        expires_at,
        last_attempt_failed: failed,
        expired,
    }
}

fn assert_same_reference_everywhere(run: &Run) {
    for (key, body) in &run.sent {
        if key == TOKENIZE_OP {
            continue;
        }
        assert_eq!(body["clientReferenceId"], json!(REF), "{key}");
    }
}

#[test]
fn challenged_path_with_otp_sends_the_documented_bodies_and_enrolls() {
    let mut run = Run::with_token();
    assert_eq!(
        run.prompt(),
        Prompt::ProvideVisaSession {
            origin: ORIGIN.into(),
            message_to_post: None
        }
    );

    run.input(visa(page_ready()));
    let Prompt::ProvideVisaSession {
        message_to_post: Some(message),
        ..
    } = run.prompt()
    else {
        panic!("CREATE_AUTH_SESSION expected");
    };
    assert_eq!(
        serde_json::from_str::<Value>(message.as_json()).expect("json"),
        json!({"type": "CREATE_AUTH_SESSION", "requestID": PAGE_REQUEST_ID, "version": "1", "client": {"id": REF}})
    );

    run.input(visa(page_session(true)));
    run.ok(NEW_CARD_CHALLENGED);
    assert_eq!(run.journey.script().v_provisioned_token_id(), Some(VPT));
    let Prompt::ChooseStepUp { methods } = run.prompt() else {
        panic!("ChooseStepUp expected")
    };
    assert_eq!(
        methods,
        vec![
            StepUpChoice {
                identifier: KEY_SMS.into(),
                method: StepUpMethod::OtpSms,
                value: Some("**PSMS".into()),
                sub_method: None,
                url: None
            },
            StepUpChoice {
                identifier: KEY_EMAIL.into(),
                method: StepUpMethod::OtpEmail,
                value: Some("OTPEMAIL".into()),
                sub_method: None,
                url: None
            },
            StepUpChoice {
                identifier: KEY_CALL.into(),
                method: StepUpMethod::CustomerService,
                value: Some("1800123456".into()),
                sub_method: None,
                url: None
            },
            StepUpChoice {
                identifier: KEY_3DS.into(),
                method: StepUpMethod::AppToApp,
                value: Some("Verify Online with Bank".into()),
                sub_method: Some(StepUpSubMethod::ThreeDs),
                url: Some("https://www.isa.sandbox.com".into()),
            },
        ]
    );

    run.input(choose(KEY_SMS));
    run.now = T0 + 1_000;
    run.ok(TRIGGER_OK);
    let expires = T0 + 1_000 + 5 * 60_000;
    assert_eq!(run.prompt(), enter_otp(3, 2, Some(expires), false, false));

    run.input(otp("456789"));
    run.ok(VALIDATE_OK);
    run.ok(&ceremony_body(SAMPLE_PAYLOAD));
    let Prompt::PasskeyCeremony {
        message_to_post,
        origin,
        popup,
        action,
    } = run.prompt()
    else {
        panic!("ceremony expected")
    };
    assert_eq!(
        (origin.as_str(), popup, action),
        (ORIGIN, true, PasskeyAction::Register)
    );
    assert_eq!(
        serde_json::from_str::<Value>(message_to_post.as_json()).expect("json"),
        json!({
            "type": "AUTHENTICATE",
            "requestID": PAGE_REQUEST_ID,
            "version": "1",
            "authenticationContext": {
                "identifier": CEREMONY_ID,
                "endpoint": "xxxxxxx",
                "payload": SAMPLE_PAYLOAD,
                "action": "REGISTER",
                "platformType": "WEB",
                "authenticationPreferencesEnabled": {"responseType": "code", "responseMode": "com_visa_web_message"}
            }
        })
    );

    // Other page messages are ignored while the ceremony runs.
    run.input(visa(page_ready()));
    run.input(visa(page_complete()));
    assert_eq!(run.journey.script().passkey_identifier(), Some(CEREMONY_ID));
    run.ok(ENROLL_OK);

    let done = Action::Done(Outcome::Enrolled {
        v_provisioned_token_id: VPT.into(),
        status: Some(VicStatus::Active),
    });
    assert_eq!(run.action(), done);
    assert_eq!(
        run.journey.script().enrollment_reference(),
        Some(ENROLL_REFERENCE)
    );
    assert_eq!(
        run.sent,
        vec![
            (NEW_CARD.to_owned(), new_card_body()),
            (TRIGGER_OP.to_owned(), trigger_body("bvksaj=")),
            (VALIDATE_OP.to_owned(), validate_body("456789")),
            (BINDING.to_owned(), binding_body()),
            (ENROLL_OP.to_owned(), enroll_body()),
        ]
    );
    assert_same_reference_everywhere(&run);
    // Terminal: asking again repeats the outcome; nothing else is accepted.
    run.expect_refused(Input::Cancel, invalid("Done", "Cancel"));
    assert_eq!(run.action(), done);
}

#[test]
fn card_details_are_tokenized_first_and_the_token_is_used() {
    let mut run = Run::at_tokenize();
    assert!(run.journey.script().tokenizes());
    let (_, request) = run.in_flight();
    assert_eq!(request.path, "/card/tokenize");
    run.ok(&tokenize_ok());
    run.ok(NEW_CARD_CHALLENGED);
    assert_eq!(
        run.sent,
        vec![
            (
                TOKENIZE_OP.to_owned(),
                json!({
                    "merchant_id": "merchant_1",
                    "card_number": canary::PAN,
                    "card_exp_year": "30",
                    "card_exp_month": "12",
                    "card_security_code": canary::CVV
                })
            ),
            (NEW_CARD.to_owned(), new_card_body()),
        ]
    );
}

#[test]
fn a_journey_without_a_card_or_with_bad_params_does_not_start() {
    assert_eq!(
        enrollment::start(
            params(),
            ReferenceId::from_entropy(REF_BYTES),
            EnrollmentSecrets::default()
        )
        .map(drop),
        Err(InvalidInput::new(
            "paymentInstrument.cardObj",
            Problem::Empty
        ))
    );
    let mut bad = details();
    bad.country_code = "usa".into();
    assert_eq!(
        EnrollmentParams::new(bad).map(drop).map_err(|e| e.field),
        Err("userDetails.countryCode")
    );
    let mut bad = details();
    bad.amount = "0".into();
    assert_eq!(
        EnrollmentParams::new(bad),
        Err(InvalidInput::new("amount.total", Problem::NotPositive))
    );
    let mut bad = details();
    bad.ip_address = "localhost".into();
    assert_eq!(
        EnrollmentParams::new(bad).map(drop).map_err(|e| e.field),
        Err("appDetails.ipAddress")
    );
}

#[test]
fn a_wrong_otp_re_prompts_with_one_attempt_less_then_the_right_one_passes() {
    let mut run = Run::at_enter_otp();
    let expires = Some(T0 + 300_000);
    run.input(otp("111111"));
    run.ok(VALIDATE_WRONG);
    assert_eq!(run.prompt(), enter_otp(2, 2, expires, true, false));
    run.input(otp("456789"));
    run.ok(VALIDATE_OK);
    assert_eq!(kind(&run.action()), format!("Send {BINDING}"));
    assert_eq!(
        run.sent[2..4],
        [
            (VALIDATE_OP.to_owned(), validate_body("111111")),
            (VALIDATE_OP.to_owned(), validate_body("456789"))
        ]
    );
}

#[test]
fn resend_triggers_again_within_the_limit_then_is_refused() {
    let mut run = Run::at_enter_otp();
    run.input(otp("111111"));
    run.ok(VALIDATE_WRONG);
    run.now = T0 + 60_000;
    run.input(Input::ResendOtp);
    run.ok(TRIGGER_OK);
    // Attempts are not given back by a resend; the code and its expiry are new.
    assert_eq!(
        run.prompt(),
        enter_otp(2, 1, Some(T0 + 60_000 + 300_000), false, false)
    );
    run.input(Input::ResendOtp);
    run.ok(TRIGGER_OK);
    assert_eq!(
        run.prompt(),
        enter_otp(2, 0, Some(T0 + 60_000 + 300_000), false, false)
    );
    run.expect_refused(Input::ResendOtp, invalid("EnterOtp", "ResendOtp"));
    let triggers: Vec<&Value> = run
        .sent
        .iter()
        .filter(|(k, _)| k == TRIGGER_OP)
        .map(|(_, b)| b)
        .collect();
    assert_eq!(triggers, vec![&trigger_body("bvksaj="); 3]);
}

#[test]
fn a_refused_resend_keeps_the_current_code() {
    let mut run = Run::at_enter_otp();
    run.input(Input::ResendOtp);
    run.ok(TRIGGER_REFUSED);
    assert_eq!(
        run.prompt(),
        enter_otp(3, 0, Some(T0 + 300_000), false, false)
    );
    run.input(otp("456789"));
    assert_eq!(kind(&run.action()), format!("Send {VALIDATE_OP}"));
}

#[test]
fn an_otp_entered_after_expiry_is_not_sent_and_a_resend_gives_a_new_code() {
    let mut run = Run::at_enter_otp();
    run.now = T0 + 300_000;
    run.input(otp("456789"));
    assert_eq!(
        kind(&run.action()),
        format!("Send {VALIDATE_OP}"),
        "at expires_at the code is still valid"
    );
    let mut run = Run::at_enter_otp();
    run.now = T0 + 300_001;
    run.input(otp("456789"));
    assert_eq!(
        run.prompt(),
        enter_otp(3, 2, Some(T0 + 300_000), false, true)
    );
    run.input(otp("456789"));
    assert_eq!(
        run.prompt(),
        enter_otp(3, 2, Some(T0 + 300_000), false, true),
        "still not sent"
    );
    run.input(Input::ResendOtp);
    run.ok(TRIGGER_OK);
    assert_eq!(
        run.prompt(),
        enter_otp(3, 1, Some(T0 + 300_001 + 300_000), false, false)
    );
    assert!(run.sent.iter().all(|(k, _)| k != VALIDATE_OP));
}

#[test]
fn an_expired_answer_from_the_server_marks_the_code_expired() {
    let mut run = Run::at_validate();
    run.ok(r#"{"status": "FAILURE", "responseCode": "EXPIRED", "responseMessage": "OTP expired"}"#);
    assert_eq!(
        run.prompt(),
        enter_otp(3, 2, Some(T0 + 300_000), false, true)
    );
    run.input(otp("456789"));
    assert_eq!(
        run.prompt(),
        enter_otp(3, 2, Some(T0 + 300_000), false, true),
        "not sent again"
    );
}

#[test]
fn used_up_attempts_remove_the_method_and_offer_the_others() {
    let mut run = Run::at_enter_otp();
    for left in [2, 1] {
        run.input(otp("111111"));
        run.ok(VALIDATE_WRONG);
        assert_eq!(
            run.prompt(),
            enter_otp(left, 2, Some(T0 + 300_000), true, false)
        );
    }
    run.input(otp("111111"));
    run.ok(VALIDATE_WRONG);
    let Prompt::ChooseStepUp { methods } = run.prompt() else {
        panic!("ChooseStepUp expected")
    };
    let keys: Vec<&str> = methods.iter().map(|m| m.identifier.as_str()).collect();
    assert_eq!(keys, [KEY_EMAIL, KEY_CALL, KEY_3DS]);
    // The SMS method is gone; email works with its own (shared) identifier.
    run.expect_refused(
        choose(KEY_SMS),
        JourneyError::InvalidInput(InvalidInput::new(
            "stepUp.identifier",
            Problem::Format {
                expected: "one of the identifiers of the ChooseStepUp prompt",
            },
        )),
    );
    run.input(choose(KEY_EMAIL));
    run.ok(TRIGGER_OK);
    assert_eq!(
        run.prompt(),
        enter_otp(3, 2, Some(T0 + 300_000), false, false)
    );
    assert_eq!(
        run.sent.last(),
        Some(&(TRIGGER_OP.to_owned(), trigger_body("bvksaj==")))
    );
}

#[test]
fn a_refused_trigger_removes_the_method_and_the_last_one_fails_the_journey() {
    let mut run = Run::at_trigger();
    run.ok(TRIGGER_REFUSED);
    assert_eq!(kind(&run.action()), "ChooseStepUp3");
    assert_eq!(run.journey.script().chosen_method(), None);

    // A challenge with a single OTP method: refused → nothing left.
    let value: Value = serde_json::from_str(NEW_CARD_CHALLENGED).expect("json");
    let mut only_sms = value.clone();
    only_sms["payload"]["stepUpResponse"]["availableStepUpMethod"] =
        json!([value["payload"]["stepUpResponse"]["availableStepUpMethod"][0].clone()]);
    let mut run = Run::at_new_card();
    run.ok(&only_sms.to_string());
    assert_eq!(kind(&run.action()), "ChooseStepUp1");
    run.input(choose(KEY_SMS));
    run.ok(TRIGGER_REFUSED);
    assert_eq!(
        run.action(),
        Action::Failed(JourneyFailure::StepUpExhausted)
    );

    // Same after the attempts of the last method are used up.
    let mut run = Run::at_new_card();
    run.ok(&only_sms.to_string());
    run.input(choose(KEY_SMS));
    run.ok(r#"{"status": "SUCCESS", "response": {"maxOTPVerificationAllowed": 1, "maxOTPRequestsAllowed": 1}}"#);
    assert_eq!(run.prompt(), enter_otp(1, 0, None, false, false));
    run.input(otp("111111"));
    run.ok(VALIDATE_WRONG);
    assert_eq!(
        run.action(),
        Action::Failed(JourneyFailure::StepUpExhausted)
    );
}

#[test]
fn a_challenge_without_methods_fails_as_exhausted() {
    let mut body: Value = serde_json::from_str(NEW_CARD_CHALLENGED).expect("json");
    body["payload"]["stepUpResponse"]["availableStepUpMethod"] = Value::Null;
    let mut run = Run::at_new_card();
    run.ok(&body.to_string());
    assert_eq!(
        run.action(),
        Action::Failed(JourneyFailure::StepUpExhausted)
    );
}

#[test]
fn credential_errors_on_trigger_fail_instead_of_removing_the_method() {
    let mut run = Run::at_trigger();
    run.respond(
        401,
        r#"{"error": true, "error_message": "Access Denied", "error_info": {"code": "UNAUTHORIZED", "category": "USER_ERROR", "developer_message": "Invalid merchant ID."}}"#,
    );
    assert_eq!(kind(&run.action()), "Failed Api Authentication 401");
}

#[test]
fn a_non_otp_method_is_completed_out_of_band_or_left_for_another() {
    let mut run = Run::at_choose();
    run.input(choose(KEY_CALL));
    assert_eq!(
        run.prompt(),
        Prompt::CompleteStepUp {
            choice: StepUpChoice {
                identifier: KEY_CALL.into(),
                method: StepUpMethod::CustomerService,
                value: Some("1800123456".into()),
                sub_method: None,
                url: None
            }
        }
    );
    run.input(Input::ChooseAnotherMethod);
    assert_eq!(kind(&run.action()), "ChooseStepUp4", "nothing removed");
    run.input(choose(KEY_3DS));
    assert_eq!(
        run.prompt(),
        Prompt::CompleteStepUp {
            choice: StepUpChoice {
                identifier: KEY_3DS.into(),
                method: StepUpMethod::AppToApp,
                value: Some("Verify Online with Bank".into()),
                sub_method: Some(StepUpSubMethod::ThreeDs),
                url: Some("https://www.isa.sandbox.com".into())
            }
        }
    );
    run.input(Input::StepUpCompleted);
    run.ok(&ceremony_body(SAMPLE_PAYLOAD));
    run.input(visa(page_complete()));
    run.ok(ENROLL_OK);
    assert_eq!(kind(&run.action()), "Done");
    let keys: Vec<&str> = run.sent.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        keys,
        [NEW_CARD, BINDING, ENROLL_OP],
        "no OTP call for a non-OTP method"
    );
    assert_eq!(run.sent[1].1, binding_body());
}

#[test]
fn a_binding_challenged_again_offers_the_new_methods() {
    let mut run = Run::at_complete_step_up();
    run.input(Input::StepUpCompleted);
    run.ok(NEW_CARD_CHALLENGED);
    assert_eq!(kind(&run.action()), "ChooseStepUp4");
    assert_eq!(run.journey.script().v_provisioned_token_id(), Some(VPT));
}

#[test]
fn an_approved_binding_skips_the_step_up() {
    // stepUpResponse with an approved status: straight to device binding.
    let mut body: Value = serde_json::from_str(NEW_CARD_CHALLENGED).expect("json");
    body["payload"]["stepUpResponse"]["deviceBindingStatus"] = json!("APPROVED");
    let mut run = Run::at_new_card();
    run.ok(&body.to_string());
    assert_eq!(kind(&run.action()), format!("Send {BINDING}"));
    run.ok(&ceremony_body(SAMPLE_PAYLOAD));
    run.input(visa(page_complete()));
    run.ok(ENROLL_OK);
    assert_eq!(kind(&run.action()), "Done");
    let keys: Vec<&str> = run.sent.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(keys, [NEW_CARD, BINDING, ENROLL_OP]);

    // An unknown binding status is not a challenge either.
    body["payload"]["stepUpResponse"]["deviceBindingStatus"] = json!("PENDING_REVIEW");
    let mut run = Run::at_new_card();
    run.ok(&body.to_string());
    assert_eq!(kind(&run.action()), format!("Send {BINDING}"));

    // A REGISTER ceremony answered to the new card: straight to the ceremony.
    let mut ceremony: Value = serde_json::from_str(&ceremony_body(SAMPLE_PAYLOAD)).expect("json");
    ceremony["payload"]["vProvisionedTokenId"] = json!(VPT);
    let mut run = Run::at_new_card();
    run.ok(&ceremony.to_string());
    assert_eq!(kind(&run.action()), "PasskeyCeremony REGISTER");
    assert_eq!(run.journey.script().v_provisioned_token_id(), Some(VPT));
    run.input(visa(page_complete()));
    run.ok(ENROLL_OK);
    assert_eq!(
        run.action(),
        Action::Done(Outcome::Enrolled {
            v_provisioned_token_id: VPT.into(),
            status: Some(VicStatus::Active)
        })
    );
    assert_eq!(
        run.sent.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(),
        [NEW_CARD, ENROLL_OP]
    );
    assert_eq!(run.sent[1].1, enroll_body());
}

#[test]
fn unusable_success_answers_stop_at_the_unknown_outcome_prompt() {
    // A ceremony for a new card without the token id cannot be enrolled later.
    let mut run = Run::at_new_card();
    run.ok(&ceremony_body(SAMPLE_PAYLOAD));
    assert_eq!(
        kind(&run.action()),
        format!("ConfirmUnknownOutcome {PROVISION_OP} false")
    );
    // An empty ceremony identifier cannot be posted to the page.
    let mut run = Run::at_binding();
    run.ok(&ceremony_body(SAMPLE_PAYLOAD).replace(CEREMONY_ID, ""));
    assert_eq!(
        kind(&run.action()),
        format!("ConfirmUnknownOutcome {PROVISION_OP} false")
    );
    run.input(Input::ResendAfterUnknownOutcome);
    run.ok(&ceremony_body(SAMPLE_PAYLOAD));
    assert_eq!(kind(&run.action()), "PasskeyCeremony REGISTER");
}

#[test]
fn every_page_failure_fails_the_session_and_the_ceremony_phase() {
    for (message_type, failure) in PAGE_FAILURES {
        let mut run = Run::at_session_ready();
        run.input(visa(page_failure(message_type)));
        assert_eq!(
            run.action(),
            Action::Failed(JourneyFailure::Passkey {
                failure,
                action: PasskeyAction::Register
            })
        );

        let mut run = Run::at_ceremony();
        run.input(visa(page_failure(message_type)));
        assert_eq!(
            run.action(),
            Action::Failed(JourneyFailure::Passkey {
                failure,
                action: PasskeyAction::Register
            })
        );
        assert!(run.sent.iter().all(|(k, _)| k != ENROLL_OP));
    }
    for mut run in [Run::with_token(), Run::at_ceremony()] {
        run.input(Input::PageClosed);
        assert_eq!(
            run.action(),
            Action::Failed(JourneyFailure::Passkey {
                failure: PageFailure::Closed,
                action: PasskeyAction::Register
            })
        );
    }
}

#[test]
fn page_messages_from_another_origin_or_not_json_are_refused_without_change() {
    for mut run in [Run::with_token(), Run::at_ceremony()] {
        let before = run.journey.checkpoint();
        let error = run
            .journey
            .submit(
                Input::VisaMessage {
                    json: page_complete(),
                    origin: "https://evil.example".into(),
                },
                T0,
            )
            .expect_err("refused");
        assert!(matches!(error, JourneyError::PageMessage(_)), "{error:?}");
        assert_eq!(
            run.journey.submit(
                Input::VisaMessage {
                    json: "not json".into(),
                    origin: ORIGIN.into()
                },
                T0
            ),
            Err(JourneyError::PageMessage(
                agentic_core::visa_page::PageMessageError::NotJson
            ))
        );
        assert_eq!(run.journey.checkpoint(), before);
    }
}

#[test]
fn a_host_run_session_and_a_popup_free_page_use_the_reference_id_and_the_iframe() {
    let mut run = Run::with_token();
    run.input(Input::VisaSession {
        secure_token: SecureToken::new("secureToken", canary::SECURE_TOKEN).expect("valid"),
        browser_data: agentic_core::json_path::read(&browser_data()).expect("browser data"),
    });
    run.ok(NEW_CARD_CHALLENGED);
    run.input(choose(KEY_CALL));
    run.input(Input::StepUpCompleted);
    run.ok(&ceremony_body(SAMPLE_PAYLOAD));
    let Prompt::PasskeyCeremony {
        message_to_post,
        popup,
        ..
    } = run.prompt()
    else {
        panic!("ceremony")
    };
    assert!(!popup);
    assert_eq!(message_to_post.request_id(), REF);
    assert_eq!(run.sent[0].1, new_card_body());
}

#[test]
fn the_unknown_outcome_of_a_call_is_resent_only_on_request_with_the_same_reference() {
    let mut run = Run::at_trigger();
    run.fail(TransportFailure::MaybeSent {
        reason: "timeout after write".into(),
    });
    assert_eq!(
        run.prompt(),
        Prompt::ConfirmUnknownOutcome {
            operation: TRIGGER_OP.into(),
            can_reconcile: false
        }
    );
    run.expect_refused(Input::Reconcile, invalid("OutcomeUnknown", "Reconcile"));
    run.expect_refused(Input::ResendOtp, invalid("OutcomeUnknown", "ResendOtp"));
    run.input(Input::ResendAfterUnknownOutcome);
    run.ok(TRIGGER_OK);
    assert_eq!(
        run.prompt(),
        enter_otp(3, 2, Some(T0 + 300_000), false, false)
    );
    assert_eq!(
        run.sent,
        vec![
            (NEW_CARD.into(), new_card_body()),
            (TRIGGER_OP.into(), trigger_body("bvksaj="))
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// 3. Checkpoint → resume
// ---------------------------------------------------------------------------------------------

/// Every reachable stage, each with the secrets a host would re-supply.
fn reachable() -> Vec<(&'static str, Run)> {
    let mut states = table_states();
    let mut backing_off_validate = Run::at_validate();
    backing_off_validate.fail(TransportFailure::NotSent {
        reason: "dns".into(),
    });
    let mut unknown_validate = Run::at_validate();
    unknown_validate.fail(TransportFailure::MaybeSent {
        reason: "reset".into(),
    });
    let mut wrong = Run::at_enter_otp();
    wrong.input(otp("111111"));
    wrong.ok(VALIDATE_WRONG);
    let mut expired = Run::at_enter_otp();
    expired.now = T0 + 400_000;
    expired.input(otp("456789"));
    states.extend([
        ("backing-off-validate", backing_off_validate),
        ("outcome-unknown-validate", unknown_validate),
        ("enter-otp-after-wrong", wrong),
        ("enter-otp-expired", expired),
    ]);
    states
}

#[test]
fn checkpoints_resume_to_the_same_next_action_in_every_stage() {
    for (state, run) in reachable() {
        let checkpoint = run.journey.checkpoint();
        canary::assert_clean(state, &checkpoint);
        for resumed in [Journey::<Enrollment>::resume(&checkpoint, all_secrets()).expect("resume")]
        {
            match run.journey.stage() {
                // The app may have died after the request left: the engine asks first.
                Stage::Sending { step, .. } => {
                    let operation = sending_operation(state).expect("sending state");
                    assert_eq!(
                        resumed.stage(),
                        &Stage::OutcomeUnknown { step: step.clone() },
                        "{state}"
                    );
                    assert_eq!(
                        kind(&resumed.next_action()),
                        format!("ConfirmUnknownOutcome {operation} false")
                    );
                }
                _ => {
                    assert_eq!(resumed.next_action(), run.journey.next_action(), "{state}");
                    assert_eq!(resumed.checkpoint(), checkpoint, "{state}");
                }
            }
        }
    }
}

#[test]
fn a_resumed_journey_continues_to_the_same_end() {
    let mut run = Run::at_enter_otp();
    let checkpoint = run.journey.checkpoint();
    run.journey =
        Journey::<Enrollment>::resume(&checkpoint, all_secrets_but_otp()).expect("resumes");
    run.input(otp("456789"));
    run.ok(VALIDATE_OK);
    let checkpoint = run.journey.checkpoint();
    run.journey =
        Journey::<Enrollment>::resume(&checkpoint, all_secrets_but_otp()).expect("resumes");
    run.input(Input::ResendAfterUnknownOutcome);
    run.ok(&ceremony_body(canary::VISA_PAYLOAD));
    let checkpoint = run.journey.checkpoint();
    run.journey = Journey::<Enrollment>::resume(
        &checkpoint,
        EnrollmentSecrets::default()
            .with_visa_payload(VisaPayload::new("payload", canary::VISA_PAYLOAD).expect("valid")),
    )
    .expect("only the payload is needed in the ceremony");
    run.input(visa(page_complete()));
    let checkpoint = run.journey.checkpoint();
    run.journey = Journey::<Enrollment>::resume(&checkpoint, EnrollmentSecrets::default())
        .expect("enroll needs no secret");
    run.input(Input::ResendAfterUnknownOutcome);
    run.ok(ENROLL_OK);
    assert_eq!(
        run.action(),
        Action::Done(Outcome::Enrolled {
            v_provisioned_token_id: VPT.into(),
            status: Some(VicStatus::Active)
        })
    );
    assert_same_reference_everywhere(&run);
}

#[test]
fn resume_names_the_missing_secret_of_each_stage() {
    let needs = |name: &str| {
        Err(JourneyError::Resume(format!(
            "the secret `{name}` is needed to continue"
        )))
    };
    let token_only = || EnrollmentSecrets::default().with_card_token(card_token());
    let secure_only = || {
        EnrollmentSecrets::default()
            .with_secure_token(SecureToken::new("secureToken", canary::SECURE_TOKEN).expect("ok"))
    };
    let cases: Vec<(Run, EnrollmentSecrets, Result<(), JourneyError>)> = vec![
        (
            Run::with_token(),
            EnrollmentSecrets::default(),
            needs("cardToken"),
        ),
        (Run::with_token(), token_only(), Ok(())),
        (
            Run::start(EnrollmentSecrets::default().with_card_details(card_details())),
            token_only(),
            needs("cardDetails"),
        ),
        (
            Run::at_tokenize(),
            EnrollmentSecrets::default().with_card_details(card_details()),
            needs("secureToken"),
        ),
        (Run::at_new_card(), token_only(), needs("secureToken")),
        (Run::at_new_card(), secure_only(), needs("cardToken")),
        (
            Run::at_choose(),
            EnrollmentSecrets::default(),
            needs("secureToken"),
        ),
        (Run::at_enter_otp(), secure_only(), Ok(())),
        (Run::at_complete_step_up(), secure_only(), Ok(())),
        (
            Run::at_trigger(),
            EnrollmentSecrets::default(),
            needs("secureToken"),
        ),
        (
            Run::at_binding(),
            EnrollmentSecrets::default(),
            needs("secureToken"),
        ),
        (
            Run::at_ceremony(),
            all_secrets_but_otp().with_card_token(card_token()),
            Ok(()),
        ),
        (Run::at_ceremony(), secure_only(), needs("payload")),
        (Run::at_enroll(), EnrollmentSecrets::default(), Ok(())),
        (Run::at_done(), EnrollmentSecrets::default(), Ok(())),
    ];
    for (run, secrets, expected) in cases {
        let checkpoint = run.journey.checkpoint();
        assert_eq!(
            Journey::<Enrollment>::resume(&checkpoint, secrets).map(drop),
            expected,
            "{:?}",
            run.journey.stage()
        );
    }
    let checkpoint = Run::at_validate().journey.checkpoint();
    // Foreign and corrupt checkpoints.
    assert_eq!(
        Journey::<Enrollment>::resume(&checkpoint[..30], all_secrets()).map(drop),
        Err(JourneyError::Resume(
            "not a juspay_vat.enrollment checkpoint (truncated)".into()
        ))
    );
    let foreign = checkpoint.replace(
        "\"journey\":\"juspay_vat.enrollment\"",
        "\"journey\":\"other\"",
    );
    assert_eq!(
        Journey::<Enrollment>::resume(&foreign, secure_only()).map(drop),
        Err(JourneyError::Resume(
            "checkpoint of journey `other`, not `juspay_vat.enrollment`".into()
        ))
    );
    let bad_params = checkpoint.replace("\"countryCode\":\"US\"", "\"countryCode\":\"usa\"");
    assert_ne!(bad_params, checkpoint);
    assert_eq!(
        Journey::<Enrollment>::resume(&bad_params, all_secrets()).map(drop),
        Err(JourneyError::Resume(
            "not a juspay_vat.enrollment checkpoint (unexpected content)".into()
        ))
    );
}

#[test]
fn resume_without_the_otp_asks_for_it_again() {
    let secrets = || {
        EnrollmentSecrets::default()
            .with_secure_token(SecureToken::new("secureToken", canary::SECURE_TOKEN).expect("ok"))
    };
    let expires = Some(T0 + 300_000);

    // Not sent (back-off): the same attempts.
    let mut run = Run::at_validate();
    run.fail(TransportFailure::NotSent {
        reason: "dns".into(),
    });
    let resumed =
        Journey::<Enrollment>::resume(&run.journey.checkpoint(), secrets()).expect("resumes");
    assert_eq!(
        resumed.next_action(),
        Action::Prompt(enter_otp(3, 2, expires, false, false))
    );

    // In flight or unknown: the server may have counted it.
    let mut unknown = Run::at_validate();
    unknown.fail(TransportFailure::MaybeSent {
        reason: "reset".into(),
    });
    for run in [Run::at_validate(), unknown] {
        let mut resumed = Run {
            journey: Journey::<Enrollment>::resume(&run.journey.checkpoint(), secrets())
                .expect("resumes"),
            ..run
        };
        assert_eq!(
            resumed.action(),
            Action::Prompt(enter_otp(2, 2, expires, false, false))
        );
        resumed.input(otp("456789"));
        resumed.ok(VALIDATE_OK);
        assert_eq!(kind(&resumed.action()), format!("Send {BINDING}"));
    }

    // The last attempt: the method is removed.
    let mut run = Run::at_enter_otp();
    run.input(otp("111111"));
    run.ok(VALIDATE_WRONG);
    run.input(otp("111111"));
    run.ok(VALIDATE_WRONG);
    run.input(otp("456789"));
    let resumed =
        Journey::<Enrollment>::resume(&run.journey.checkpoint(), secrets()).expect("resumes");
    assert_eq!(kind(&resumed.next_action()), "ChooseStepUp3");
}

// ---------------------------------------------------------------------------------------------
// 4. Property: random events never panic, keep one reference id, never resend on their own
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
enum Event {
    /// Answer the call in flight: a success of its kind, or any trouble.
    Respond {
        success: bool,
        pick: usize,
    },
    NotSent,
    MaybeSent,
    Timeout(u64),
    /// An input that moves the journey on, or any input at all.
    Submit {
        progress: bool,
        pick: usize,
    },
    Resume {
        with_otp: bool,
    },
}

fn event() -> impl Strategy<Value = Event> {
    prop_oneof![
        6 => (prop::bool::weighted(0.8), 0usize..64).prop_map(|(success, pick)| Event::Respond { success, pick }),
        1 => Just(Event::NotSent),
        1 => Just(Event::MaybeSent),
        1 => (0u64..700_000).prop_map(Event::Timeout),
        6 => (prop::bool::weighted(0.85), 0usize..64).prop_map(|(progress, pick)| Event::Submit { progress, pick }),
        1 => any::<bool>().prop_map(|with_otp| Event::Resume { with_otp }),
    ]
}

/// Inputs that move the journey on.
fn progress_inputs() -> Vec<Input> {
    vec![
        visa(page_ready()),
        visa(page_session(true)),
        visa(page_session(false)),
        visa(page_complete()),
        choose(KEY_SMS),
        choose(KEY_EMAIL),
        choose(KEY_CALL),
        choose(KEY_3DS),
        otp(canary::OTP),
        otp("456789"),
        Input::ResendOtp,
        Input::ChooseAnotherMethod,
        Input::StepUpCompleted,
        Input::ResendAfterUnknownOutcome,
    ]
}

/// Every kind of input, page failures included.
fn any_inputs() -> Vec<Input> {
    let mut inputs = progress_inputs();
    inputs.extend(PAGE_FAILURES.iter().map(|(t, _)| visa(page_failure(t))));
    inputs.extend(every_input(ORIGIN));
    inputs
}

/// Successful answers of every shape for the call in flight.
fn successes(operation: &str) -> Vec<(u16, String)> {
    match operation {
        TOKENIZE_OP => vec![(200, tokenize_ok()), (200, r#"{"token": ""}"#.into())],
        PROVISION_OP => {
            let mut approved: Value = serde_json::from_str(NEW_CARD_CHALLENGED).expect("json");
            approved["payload"]["stepUpResponse"]["deviceBindingStatus"] = json!("APPROVED");
            let mut with_token: Value = serde_json::from_str(&ceremony_body(canary::VISA_PAYLOAD)).expect("json");
            with_token["payload"]["vProvisionedTokenId"] = json!(VPT);
            vec![
                (200, NEW_CARD_CHALLENGED.into()),
                (200, ceremony_body(canary::VISA_PAYLOAD)),
                (200, approved.to_string()),
                (200, with_token.to_string()),
            ]
        }
        TRIGGER_OP => vec![
            (200, TRIGGER_OK.into()),
            (
                200,
                r#"{"status": "SUCCESS", "response": {"maxOTPVerificationAllowed": 1, "maxOTPRequestsAllowed": 1, "codeExpiration": 0}}"#.into(),
            ),
        ],
        VALIDATE_OP => vec![(200, VALIDATE_OK.into())],
        _ => vec![(200, ENROLL_OK.into())],
    }
}

/// Refusals and trouble: the call's own refusals (wrong OTP, expired, limits, refused
/// method) first, then 4xx, 5xx, 429 and junk.
fn troubles(operation: &str) -> Vec<(u16, String)> {
    let mut list: Vec<(u16, String)> = match operation {
        VALIDATE_OP => vec![
            (200, VALIDATE_WRONG.into()),
            (200, VALIDATE_WRONG.into()),
            (200, VALIDATE_WRONG.into()),
            (
                200,
                r#"{"status": "FAILURE", "responseCode": "EXPIRED"}"#.into(),
            ),
            (
                200,
                r#"{"status": "FAILURE", "responseCode": "MAX_LIMIT_EXCEEDED"}"#.into(),
            ),
        ],
        TRIGGER_OP => vec![(200, TRIGGER_REFUSED.into()), (200, TRIGGER_REFUSED.into())],
        _ => Vec::new(),
    };
    list.extend([
        (200, REJECTED.into()),
        (400, BAD_REQUEST.into()),
        (500, SERVER_ERROR.into()),
        (
            429,
            r#"{"error": true, "error_message": "slow down"}"#.into(),
        ),
        (200, "not json".into()),
    ]);
    list
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 192, ..ProptestConfig::default() })]

    #[test]
    fn random_events_keep_the_exactly_once_rules(start in 0usize..8, events in prop::collection::vec(event(), 1..80)) {
        let (progress, any) = (progress_inputs(), any_inputs());
        // From the start or from a scripted position deeper in.
        let run = match start {
            0 => Run::with_token(),
            1 => Run::at_tokenize(),
            2 => Run::at_choose(),
            3 => Run::at_enter_otp(),
            4 => Run::at_validate(),
            5 => Run::at_complete_step_up(),
            6 => Run::at_ceremony(),
            _ => Run::at_enroll(),
        };
        let mut journey = run.journey;
        let mut now = run.now;
        // The call that may have reached the server, and whether the host spoke since.
        let mut delivered: Option<String> = None;
        let mut host_input_since = false;
        let mut last_send: Option<RequestId> = None;
        for event in events {
            let action = journey.next_action();
            prop_assert_eq!(&action, &journey.next_action());
            canary::assert_clean("action", &format!("{action:?}"));
            canary::assert_clean("checkpoint", &journey.checkpoint());
            if let Action::Send { id, request } = &action {
                if last_send != Some(*id) {
                    last_send = Some(*id);
                    let key = step_key(request);
                    prop_assert!(
                        delivered.as_deref() != Some(key.as_str()) || host_input_since,
                        "{} resent without a host input", key
                    );
                    if request.operation != TOKENIZE_OP {
                        let body = body_of(request);
                        prop_assert_eq!(&body["clientReferenceId"], &json!(REF));
                    }
                }
            }
            let result = match event {
                Event::Respond { success, pick } => match &action {
                    Action::Send { id, request } => {
                        let list = if success { successes(request.operation) } else { troubles(request.operation) };
                        let (status, body) = &list[pick % list.len()];
                        if *status != 429 {
                            delivered = Some(step_key(request));
                            host_input_since = false;
                        }
                        journey.on_response(*id, &json_response(*status, body), now)
                    }
                    _ => journey.on_response(RequestId(pick as u64), &json_response(200, VALIDATE_OK), now),
                },
                Event::NotSent => match &action {
                    Action::Send { id, .. } => journey.on_transport_failure(*id, TransportFailure::NotSent { reason: "dns".into() }, now),
                    _ => journey.on_transport_failure(RequestId(0), TransportFailure::NotSent { reason: "dns".into() }, now),
                },
                Event::MaybeSent => match &action {
                    Action::Send { id, request } => {
                        delivered = Some(step_key(request));
                        host_input_since = false;
                        journey.on_transport_failure(*id, TransportFailure::MaybeSent { reason: "reset".into() }, now)
                    }
                    _ => journey.on_transport_failure(RequestId(0), TransportFailure::MaybeSent { reason: "reset".into() }, now),
                },
                Event::Timeout(advance) => {
                    now += advance;
                    journey.on_timeout(now)
                }
                Event::Submit { progress: moves, pick } => {
                    let list = if moves { &progress } else { &any };
                    let input = list[pick % list.len()].clone();
                    let before = journey.checkpoint();
                    let result = journey.submit(input, now);
                    match &result {
                        Ok(()) => host_input_since = true,
                        Err(_) => prop_assert_eq!(journey.checkpoint(), before),
                    }
                    result
                }
                Event::Resume { with_otp } => {
                    let secrets = if with_otp { all_secrets() } else { all_secrets_but_otp() };
                    if let Ok(resumed) = Journey::<Enrollment>::resume(&journey.checkpoint(), secrets) {
                        journey = resumed;
                        last_send = None;
                        // A resend after resume is the same call again: the rules still hold.
                        if let Action::Send { request, .. } = journey.next_action() {
                            prop_assert!(delivered.as_deref() != Some(step_key(&request).as_str()) || host_input_since);
                        }
                    }
                    Ok(())
                }
            };
            if let Err(error) = result {
                canary::assert_clean("error", &format!("{error:?} {error}"));
            }
        }
        if let Action::Failed(failure) = journey.next_action() {
            canary::assert_clean("failure", &format!("{failure:?}"));
        }
        canary::assert_clean("journey", &format!("{journey:?}"));
    }
}

// ---------------------------------------------------------------------------------------------
// 5. Secret canary
// ---------------------------------------------------------------------------------------------

/// Records the Debug of every action, checkpoint and error of a run.
fn observe(run: &Run, log: &mut Vec<String>) {
    let action = run.action();
    if let Action::Prompt(Prompt::PasskeyCeremony {
        message_to_post, ..
    }) = &action
    {
        // The message legitimately carries the payload; only its JSON text may.
        assert!(message_to_post.as_json().contains(canary::VISA_PAYLOAD));
        log.push(format!("{message_to_post:?}"));
    }
    log.push(format!("{action:?}"));
    log.push(run.journey.checkpoint());
    log.push(format!("{:?}", run.journey));
    log.push(format!("{:?}", run.journey.script()));
}

#[test]
fn no_secret_appears_in_any_action_prompt_checkpoint_error_or_failure() {
    let mut log = Vec::new();
    let mut errors: Vec<JourneyError> = Vec::new();

    // The challenged OTP path with a wrong OTP, a resend, an expired entry and every refusal.
    let mut run = Run::start(EnrollmentSecrets::default().with_card_details(card_details()));
    let steps: Vec<fn(&mut Run)> = vec![
        |r| r.input(visa(page_ready())),
        |r| r.input(visa(page_session(true))),
        |r| r.ok(&tokenize_ok()),
        |r| r.ok(NEW_CARD_CHALLENGED),
        |r| r.input(choose(KEY_SMS)),
        |r| r.ok(TRIGGER_OK),
        |r| r.input(otp(canary::OTP)),
        |r| r.ok(VALIDATE_WRONG),
        |r| r.input(Input::ResendOtp),
        |r| r.ok(TRIGGER_OK),
        |r| r.input(otp(canary::OTP)),
        |r| {
            r.fail(TransportFailure::MaybeSent {
                reason: "reset".into(),
            })
        },
        |r| r.input(Input::ResendAfterUnknownOutcome),
        |r| r.ok(VALIDATE_OK),
        |r| r.ok(&ceremony_body(canary::VISA_PAYLOAD)),
        |r| r.input(visa(page_complete())),
        |r| r.ok(ENROLL_OK),
    ];
    for step in steps {
        observe(&run, &mut log);
        for input in every_input(ORIGIN) {
            let mut probe = run.clone();
            if let Err(error) = probe.journey.submit(input, probe.now) {
                errors.push(error);
            }
            log.push(format!("{:?}", probe.journey.next_action()));
        }
        step(&mut run);
    }
    observe(&run, &mut log);

    // Failures of every kind.
    for (message_type, _) in PAGE_FAILURES {
        let mut failed = Run::at_ceremony();
        failed.input(visa(page_failure(message_type)));
        observe(&failed, &mut log);
    }
    for (state, body) in [
        ("sending-new-card", REJECTED),
        ("sending-enroll", SERVER_ERROR),
    ] {
        let mut failed = table_states()
            .into_iter()
            .find(|(s, _)| *s == state)
            .map(|(_, r)| r)
            .expect("state");
        failed.respond(if body == REJECTED { 200 } else { 500 }, body);
        observe(&failed, &mut log);
        errors.extend(failed.journey.submit(Input::Cancel, T0).err());
        observe(&failed, &mut log);
    }
    // Resume errors and refused page messages.
    let checkpoint = Run::at_ceremony().journey.checkpoint();
    errors.extend(Journey::<Enrollment>::resume(&checkpoint, EnrollmentSecrets::default()).err());
    errors.extend(Journey::<Enrollment>::resume(&checkpoint[..40], all_secrets()).err());
    let mut ceremony = Run::at_ceremony();
    errors.extend(
        ceremony
            .journey
            .submit(
                Input::VisaMessage {
                    json: page_complete(),
                    origin: "https://evil.example".into(),
                },
                T0,
            )
            .err(),
    );
    let bad_complete =
        json!({"type": "AUTH_COMPLETE", "assuranceData": {"fidoBlob": 7}}).to_string();
    errors.extend(ceremony.journey.submit(visa(bad_complete), T0).err());
    assert!(errors.len() > 100, "the canary saw {} errors", errors.len());

    for (i, text) in log.iter().enumerate() {
        canary::assert_clean(&format!("observation {i}"), text);
    }
    for error in &errors {
        canary::assert_clean("error", &format!("{error:?} / {error}"));
    }
    assert!(
        log.iter().any(|l| l.contains("PasskeyCeremony")),
        "the ceremony was observed"
    );
}
