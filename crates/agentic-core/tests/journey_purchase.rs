//! The agentic purchase journey (Juspay VAT): the (state, event) table, scripted runs with the
//! documented samples, checkpoint round-trips, a property test and the secret canary.

mod support;

use std::collections::HashSet;

use agentic_core::error::{ApiError, ErrorCategory};
use agentic_core::journey::page::{Ceremony, SessionWait};
use agentic_core::journey::purchase::{
    self, InstructionLimit, Phase, Purchase, PurchaseParams, PurchaseSecrets, PurchaseTransaction,
    Step,
};
use agentic_core::journey::restore::Restore;
use agentic_core::journey::*;
use agentic_core::juspay_vat::{
    DynamicDataType, FetchPaymentCredentialsRequest, FetchPaymentCredentialsResponse,
    ProvisionTokenPasskeyRequest, SetupAgenticPaymentInstructionRequest, ShippingAddress,
    VicStatus,
};
use agentic_core::secret::{FidoBlob, SecretText, SecureToken, VisaPayload};
use agentic_core::visa_page::{
    AuthPreferences, PageMessageError, PasskeyAction, PlatformType, VisaPageOrigin,
};
use agentic_core::wire::{HttpRequest, HttpResponse};
use agentic_core::{Endpoint, InvalidInput, Problem};
use proptest::prelude::*;
use serde_json::{Value, json};
use support::{canary, every_input, json_response};

// ---------------------------------------------------------------------------------------------
// Fixtures: the documented samples
// ---------------------------------------------------------------------------------------------

const ORIGIN: &str = VisaPageOrigin::SANDBOX;
/// `clientReferenceId` of the J-PTP purchase sample.
const REF: &str = "59be839efa384557b5f0a2d13705df17";
/// `paymentInstrument.cardObj` of the J-PTP purchase sample.
const TOKEN_ID: &str = "f66fec32e629a987f83b1ac078f06a02";
const CUSTOMER: &str = "user_1234567";
const NOW: UnixMillis = 1_768_800_000_000;
const EXPIRES_AT: UnixMillis = 1_768_897_769_000;

const PROVISION: &str = "juspay_vat.provision_token_passkey";
const SETUP: &str = "juspay_vat.setup_agentic_payment_instruction";
const FETCH: &str = "juspay_vat.fetch_payment_credentials";

/// The seed's sample secure token is long; any token shows the same thing. The canary is used
/// so the canary test can reuse every helper.
const SECURE_TOKEN: &str = canary::SECURE_TOKEN;
const FIDO_BLOB: &str = canary::FIDO_BLOB;
const ASSURANCE_IDENTIFIER: &str = "c3d04cbeffc063260f501b3dbc0b2b01";

/// `browserData` of the J-PTP purchase sample.
fn browser_data() -> Value {
    json!({
        "browserJavaEnabled": false,
        "browserJavascriptEnabled": true,
        "browserLanguage": "en-GB",
        "browserColorDepth": "30",
        "browserScreenHeight": "1117",
        "browserScreenWidth": "1728",
        "browserTimeZone": "-330",
        "userAgent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/144.0.0.0 Safari/537.36",
        "browserHeader": "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7",
        "ipAddress": "104.28.3.64"
    })
}

/// J-PTP "Purchase Flow" response, verbatim, except for the payload when given.
fn purchase_response(payload: &str) -> HttpResponse {
    let body = json!({
        "errorMessage": null,
        "status": "SUCCESS",
        "payload": {
            "actionToBePerformed": "AUTHENTICATE",
            "authPreferencesEnabled": {"responseType": "code", "responseMode": "com_visa_web_message"},
            "platformType": "WEB",
            "payload": payload,
            "identifier": "xxxxxx",
            "endpoint": "xxxxxxxxxxxx=="
        },
        "errorCode": null
    });
    json_response(200, &body.to_string())
}

const SAMPLE_PAYLOAD: &str = "xxxx.xxxxx.xxxx-xxxx";

/// J-PTP "New card flow" response (a step-up), verbatim.
const STEP_UP_RESPONSE: &str = r#"{"errorMessage": null, "status": "SUCCESS", "payload": {
  "stepUpResponse": {"availableStepUpMethod": [
    {"value": "**PSMS", "requestPayload": null, "platformType": null, "subMethod": null, "identifier": "bvksaj=", "method": "OTPSMS", "source": null, "appID": null, "intentURL": null, "appPlatform": null, "appURL": null},
    {"value": "OTPEMAIL", "requestPayload": null, "platformType": null, "subMethod": null, "identifier": "bvksaj==", "method": "OTPEMAIL", "source": null, "appID": null, "intentURL": null, "appPlatform": null, "appURL": null},
    {"value": "1800123456", "requestPayload": null, "platformType": null, "subMethod": null, "identifier": "bvksaj==", "method": "CUSTOMERSERVICE", "source": null, "appID": null, "intentURL": null, "appPlatform": null, "appURL": null},
    {"value": "Verify Online with Bank", "requestPayload": "", "platformType": "WEB", "subMethod": "THREE-DS", "identifier": "bvksaj==", "method": "APP-TO-APP", "source": "https://www.isa.sandbox.com", "appID": null, "intentURL": null, "appPlatform": null, "appURL": null}],
   "otpInfo": null, "deviceBindingStatus": "CHALLENGED", "stepUpMethod": null},
  "vProvisionedTokenId": "bvksaj=bvksaj=bvksaj="}, "errorCode": null}"#;

/// J-PTP "Device Binding Flow" response (`REGISTER`), verbatim.
const REGISTER_RESPONSE: &str = r#"{"errorMessage": null, "status": "SUCCESS", "payload": {
  "actionToBePerformed": "REGISTER",
  "authPreferencesEnabled": {"responseType": "code", "responseMode": "com_visa_web_message"},
  "platformType": "WEB", "payload": "xxxxx.xxxx.-xxxxx",
  "identifier": "c3d04cbeffc063260f501b3dbc0b2b01", "endpoint": "xxxxxxx"}, "errorCode": null}"#;

/// The provisional Setup Agentic Payment answer (as the wire tests and the sandbox use it).
const SETUP_RESPONSE: &str = r#"{"errorMessage": null, "status": "SUCCESS", "errorCode": null,
  "payload": {"instructionId": "instr_7f3a", "status": "ACTIVE", "clientReferenceId": "59be839efa384557b5f0a2d13705df17"}}"#;

/// A VAT failure: HTTP 200 with a non-SUCCESS status.
const VAT_FAILURE: &str = r#"{"errorMessage": "assurance data invalid", "status": "FAILURE", "errorCode": "INVALID_ASSURANCE"}"#;

/// The provisional Fetch Payment Credentials answer with J-FETCH's example values, or others.
fn fetch_response(token: &str, cryptogram: &str) -> HttpResponse {
    let body = json!({
        "errorMessage": null, "status": "SUCCESS", "errorCode": null,
        "payload": {
            "token": token,
            "expirationDate": {"month": "03", "year": "2023"},
            "dynamicData": [{"dynamicDataType": "DTVV", "dynamicDataValue": cryptogram}],
            "transactionReferenceId": "transac-ref-id",
            "status": "SUCCESS"
        }
    });
    json_response(200, &body.to_string())
}

fn sample_fetch() -> HttpResponse {
    fetch_response("12344", "123")
}

fn canary_fetch() -> HttpResponse {
    fetch_response(canary::TOKEN_NUMBER, canary::CRYPTOGRAM)
}

fn credentials(response: &HttpResponse) -> FetchPaymentCredentialsResponse {
    FetchPaymentCredentialsRequest::decode(response).expect("sample decodes")
}

fn malformed() -> HttpResponse {
    json_response(200, "<html>oops</html>")
}

// Page messages -------------------------------------------------------------------------------

fn page(json: Value) -> Input {
    Input::VisaMessage {
        json: json.to_string(),
        origin: ORIGIN.into(),
    }
}

fn ready() -> Input {
    page(json!({"type": "AUTH_READY", "requestID": "r-1"}))
}

fn session_created(requires_popup: bool) -> Input {
    page(json!({
        "type": "AUTH_SESSION_CREATED",
        "requestID": "r-1",
        "sessionContext": {"secureToken": SECURE_TOKEN},
        "browserData": browser_data(),
        "dfpSessionID": "dfp-1",
        "authenticationPreferencesSupported": {
            "requiresPopupForAuthenticate": requires_popup,
            "requiresPopupForRegister": false
        },
        "version": "1"
    }))
}

fn auth_complete() -> Input {
    page(json!({
        "type": "AUTH_COMPLETE",
        "requestID": "r-1",
        "assuranceData": {"fidoBlob": FIDO_BLOB, "identifier": ASSURANCE_IDENTIFIER, "rpID": "visa.com"}
    }))
}

const FAILURES: [(&str, PageFailure); 4] = [
    ("AUTH_FAILED", PageFailure::Failed),
    ("AUTH_CANCELLED", PageFailure::Cancelled),
    ("AUTH_NOT_SUPPORTED", PageFailure::NotSupported),
    ("AUTH_NOT_PERFORMED", PageFailure::NotPerformed),
];

fn page_failure(kind: &str) -> Input {
    page(json!({"type": kind, "requestID": "r-1", "reason": "x"}))
}

fn passkey_failed(failure: PageFailure) -> Action {
    Action::Failed(JourneyFailure::Passkey {
        failure,
        action: PasskeyAction::Authenticate,
    })
}

// Journeys ----------------------------------------------------------------------------------

fn reference() -> ReferenceId {
    ReferenceId::new("clientReferenceId", REF).expect("valid")
}

fn params(popup_preference: bool) -> PurchaseParams {
    PurchaseParams::new(
        CUSTOMER,
        TOKEN_ID,
        "92.65",
        "SGD",
        InstructionLimit::new(EXPIRES_AT)
            .expect("expiry")
            .with_limit("100")
            .expect("limit"),
        PurchaseTransaction::new("merch-ord-123").expect("order"),
        VisaPageOrigin::sandbox(),
    )
    .expect("valid params")
    .with_popup_preference(popup_preference)
}

fn fresh(popup_preference: bool) -> Journey<Purchase> {
    purchase::start(params(popup_preference), reference()).expect("starts")
}

fn sent(j: &Journey<Purchase>) -> (RequestId, HttpRequest) {
    match j.next_action() {
        Action::Send { id, request } => (id, request),
        other => panic!("expected a send, got {other:?}"),
    }
}

fn body(request: &HttpRequest) -> Value {
    serde_json::from_slice(request.body.bytes()).expect("JSON body")
}

fn respond(j: &mut Journey<Purchase>, response: &HttpResponse) {
    let (id, _) = sent(j);
    j.on_response(id, response, NOW).expect("in flight");
}

fn fail_transport(j: &mut Journey<Purchase>, failure: TransportFailure) {
    let (id, _) = sent(j);
    j.on_transport_failure(id, failure, NOW).expect("in flight");
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

fn submit(j: &mut Journey<Purchase>, input: Input) {
    j.submit(input, NOW).expect("accepted");
}

fn at_ready() -> Journey<Purchase> {
    let mut j = fresh(false);
    submit(&mut j, ready());
    j
}

fn at_provision(popup_preference: bool, page_requires_popup: bool) -> Journey<Purchase> {
    let mut j = fresh(popup_preference);
    submit(&mut j, ready());
    submit(&mut j, session_created(page_requires_popup));
    j
}

fn at_ceremony_with(
    popup_preference: bool,
    page_requires_popup: bool,
    payload: &str,
) -> Journey<Purchase> {
    let mut j = at_provision(popup_preference, page_requires_popup);
    respond(&mut j, &purchase_response(payload));
    j
}

fn at_ceremony() -> Journey<Purchase> {
    at_ceremony_with(false, false, canary::VISA_PAYLOAD)
}

fn at_setup() -> Journey<Purchase> {
    let mut j = at_ceremony();
    submit(&mut j, auth_complete());
    j
}

fn at_fetch() -> Journey<Purchase> {
    let mut j = at_setup();
    respond(&mut j, &json_response(200, SETUP_RESPONSE));
    j
}

fn at_done() -> Journey<Purchase> {
    let mut j = at_fetch();
    respond(&mut j, &canary_fetch());
    j
}

fn backing_off(mut j: Journey<Purchase>) -> Journey<Purchase> {
    fail_transport(&mut j, not_sent());
    j
}

fn unknown(mut j: Journey<Purchase>) -> Journey<Purchase> {
    fail_transport(&mut j, maybe_sent());
    j
}

fn failed() -> Journey<Purchase> {
    let mut j = fresh(false);
    submit(&mut j, Input::PageClosed);
    j
}

/// Every secret a host could re-supply (the canary values the helpers use).
fn all_secrets() -> PurchaseSecrets {
    PurchaseSecrets::new()
        .with_secure_token(SecureToken::new("secureToken", SECURE_TOKEN).expect("t"))
        .with_visa_payload(VisaPayload::new("payload", canary::VISA_PAYLOAD).expect("p"))
        .with_fido_blob(FidoBlob::new("fidoBlob", FIDO_BLOB).expect("f"))
        .with_credentials(credentials(&canary_fetch()))
}

fn ceremony(popup: bool, request_id: &str) -> Ceremony {
    Ceremony {
        action: PasskeyAction::Authenticate,
        identifier: "xxxxxx".into(),
        endpoint: "xxxxxxxxxxxx==".into(),
        platform_type: PlatformType::Web,
        preferences: AuthPreferences::default(),
        popup,
        request_id: request_id.into(),
    }
}

// ---------------------------------------------------------------------------------------------
// 1. The (state, event) table
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Session,
    Ceremony,
    Sending(Step),
    BackingOff(Step),
    Unknown(Step),
    Done,
    Failed,
}

fn operation(step: Step) -> &'static str {
    match step {
        Step::Provision => PROVISION,
        Step::SetupInstruction => SETUP,
        Step::FetchCredentials => FETCH,
    }
}

/// Every reachable state, once per kind of stage (and both session sub-states).
fn states() -> Vec<(&'static str, Kind, Journey<Purchase>)> {
    vec![
        ("session", Kind::Session, fresh(false)),
        ("session after AUTH_READY", Kind::Session, at_ready()),
        (
            "sending provision",
            Kind::Sending(Step::Provision),
            at_provision(false, false),
        ),
        (
            "backing off provision",
            Kind::BackingOff(Step::Provision),
            backing_off(at_provision(false, false)),
        ),
        (
            "provision unknown",
            Kind::Unknown(Step::Provision),
            unknown(at_provision(false, false)),
        ),
        ("ceremony", Kind::Ceremony, at_ceremony()),
        (
            "ceremony in a popup",
            Kind::Ceremony,
            at_ceremony_with(true, false, canary::VISA_PAYLOAD),
        ),
        (
            "sending setup",
            Kind::Sending(Step::SetupInstruction),
            at_setup(),
        ),
        (
            "backing off setup",
            Kind::BackingOff(Step::SetupInstruction),
            backing_off(at_setup()),
        ),
        (
            "setup unknown",
            Kind::Unknown(Step::SetupInstruction),
            unknown(at_setup()),
        ),
        (
            "sending fetch",
            Kind::Sending(Step::FetchCredentials),
            at_fetch(),
        ),
        (
            "backing off fetch",
            Kind::BackingOff(Step::FetchCredentials),
            backing_off(at_fetch()),
        ),
        (
            "fetch unknown",
            Kind::Unknown(Step::FetchCredentials),
            unknown(at_fetch()),
        ),
        ("done", Kind::Done, at_done()),
        ("failed", Kind::Failed, failed()),
    ]
}

fn refused(state: &'static str, input: &Input) -> JourneyError {
    JourneyError::InvalidEvent {
        state,
        event: input.name(),
    }
}

/// Checks one (state, input) pair against the table in the module docs.
fn check_input(label: &str, kind: Kind, before: &Journey<Purchase>, input: Input) {
    let mut j = before.clone();
    let name = input.name();
    let result = j.submit(input.clone(), NOW);
    let what = format!("{label} × {name}");
    let expected_error = match (kind, name) {
        (Kind::Done, _) => Some(refused("Done", &input)),
        (Kind::Failed, _) => Some(refused("Failed", &input)),
        (_, "Cancel") => None,
        (Kind::Session, "VisaMessage" | "VisaSession" | "PageClosed") => None,
        (Kind::Session, _) => Some(refused("ProvideVisaSession", &input)),
        (Kind::Ceremony, "VisaMessage" | "PageClosed") => None,
        (Kind::Ceremony, _) => Some(refused("PasskeyCeremony", &input)),
        (Kind::Sending(_), _) => Some(refused("Sending", &input)),
        (Kind::BackingOff(_), _) => Some(refused("BackingOff", &input)),
        (Kind::Unknown(_), "ResendAfterUnknownOutcome") => None,
        (Kind::Unknown(_), _) => Some(refused("OutcomeUnknown", &input)),
    };
    if let Some(error) = expected_error {
        assert_eq!(result, Err(error), "{what}");
        assert_eq!(
            j.checkpoint(),
            before.checkpoint(),
            "{what}: the state changed"
        );
        assert_eq!(j.next_action(), before.next_action(), "{what}");
        return;
    }
    assert_eq!(result, Ok(()), "{what}");
    let next_id = RequestId(match before.stage() {
        Stage::Sending { id, .. } => id.0 + 1,
        _ => serde_json::from_str::<Value>(&before.checkpoint()).expect("json")["next_request_id"]
            .as_u64()
            .expect("id"),
    });
    match (kind, name) {
        (Kind::Sending(step) | Kind::Unknown(step), "Cancel") => assert_eq!(
            j.next_action(),
            Action::Failed(JourneyFailure::Cancelled {
                outcome_unknown_for: Some(operation(step).into())
            }),
            "{what}"
        ),
        (_, "Cancel") => assert_eq!(
            j.next_action(),
            Action::Failed(JourneyFailure::Cancelled {
                outcome_unknown_for: None
            }),
            "{what}"
        ),
        (_, "PageClosed") => assert_eq!(
            j.next_action(),
            passkey_failed(PageFailure::Closed),
            "{what}"
        ),
        (Kind::Session, "VisaMessage") => {
            // AUTH_READY: still waiting, now with CREATE_AUTH_SESSION to post.
            assert_eq!(
                j.stage(),
                &Stage::Awaiting(Phase::VisaSession(SessionWait {
                    ready_request_id: Some("r-1".into())
                })),
                "{what}"
            );
            match j.next_action() {
                Action::Prompt(Prompt::ProvideVisaSession {
                    origin,
                    message_to_post: Some(message),
                }) => {
                    assert_eq!(origin, ORIGIN);
                    assert_eq!(
                        serde_json::from_str::<Value>(message.as_json()).expect("json"),
                        json!({"type": "CREATE_AUTH_SESSION", "requestID": "r-1", "version": "1", "client": {"id": REF}})
                    );
                }
                other => panic!("{what}: {other:?}"),
            }
        }
        (Kind::Session, "VisaSession") => {
            assert_eq!(
                j.stage(),
                &Stage::Sending {
                    step: Step::Provision,
                    id: next_id,
                    attempt: 1
                },
                "{what}"
            );
        }
        (Kind::Ceremony, "VisaMessage") => {
            // AUTH_READY during the ceremony is ignored.
            assert_eq!(j.checkpoint(), before.checkpoint(), "{what}");
            assert_eq!(j.next_action(), before.next_action(), "{what}");
        }
        (Kind::Unknown(step), "ResendAfterUnknownOutcome") => {
            assert_eq!(
                j.stage(),
                &Stage::Sending {
                    step,
                    id: next_id,
                    attempt: 1
                },
                "{what}"
            );
            let (_, resent) = sent(&j);
            assert_eq!(resent.operation, operation(step), "{what}");
            let expected = match step {
                Step::Provision => expected_provision_body(false),
                Step::SetupInstruction => expected_setup_body(),
                Step::FetchCredentials => expected_fetch_body(),
            };
            assert_eq!(body(&resent), expected, "{what}: same body, same ids");
        }
        other => panic!("no expectation for {other:?}"),
    }
}

#[test]
fn every_state_times_every_input() {
    let mut pairs = 0;
    for (label, kind, journey) in states() {
        for input in every_input(ORIGIN) {
            check_input(label, kind, &journey, input);
            pairs += 1;
        }
    }
    assert_eq!(pairs, 15 * 13);
}

/// Page messages beyond `every_input`: what each phase does with each message type.
#[test]
fn every_page_message_in_both_phases() {
    let session = fresh(false);
    let ceremony = at_ceremony();

    // The session is created by AUTH_SESSION_CREATED and ignored by the ceremony.
    let mut j = session.clone();
    submit(&mut j, session_created(false));
    assert_eq!(
        j.stage(),
        &Stage::Sending {
            step: Step::Provision,
            id: RequestId(1),
            attempt: 1
        }
    );
    let mut j = ceremony.clone();
    submit(&mut j, session_created(true));
    assert_eq!(j.checkpoint(), ceremony.checkpoint());

    // AUTH_COMPLETE ends the ceremony and is ignored before a session exists.
    let mut j = ceremony.clone();
    submit(&mut j, auth_complete());
    assert_eq!(
        j.stage(),
        &Stage::Sending {
            step: Step::SetupInstruction,
            id: RequestId(2),
            attempt: 1
        }
    );
    let mut j = session.clone();
    submit(&mut j, auth_complete());
    assert_eq!(j.checkpoint(), session.checkpoint());

    // Unknown message types are ignored in both phases.
    for before in [&session, &ceremony] {
        let mut j = before.clone();
        submit(
            &mut j,
            page(json!({"type": "AUTH_PROGRESS", "requestID": "r-1"})),
        );
        assert_eq!(j.checkpoint(), before.checkpoint());
    }

    // Each failure ends the journey in both phases.
    for before in [&session, &ceremony] {
        for (kind, failure) in FAILURES {
            let mut j = before.clone();
            submit(&mut j, page_failure(kind));
            assert_eq!(j.next_action(), passkey_failed(failure), "{kind}");
        }
    }

    // Refused messages change nothing.
    let refusals = [
        (
            Input::VisaMessage {
                json: auth_complete_json(),
                origin: "https://evil.example".into(),
            },
            PageMessageError::UnexpectedOrigin {
                expected: ORIGIN.into(),
                got: "https://evil.example".into(),
            },
        ),
        (
            Input::VisaMessage {
                json: "not json".into(),
                origin: ORIGIN.into(),
            },
            PageMessageError::NotJson,
        ),
        (
            Input::VisaMessage {
                json: r#"{"requestID":"r-1"}"#.into(),
                origin: ORIGIN.into(),
            },
            PageMessageError::MissingType,
        ),
    ];
    for before in [&session, &ceremony] {
        for (input, error) in refusals.clone() {
            let mut j = before.clone();
            assert_eq!(j.submit(input, NOW), Err(JourneyError::PageMessage(error)));
            assert_eq!(j.checkpoint(), before.checkpoint());
        }
    }
    let mut j = session.clone();
    assert_eq!(
        j.submit(
            page(json!({"type": "AUTH_SESSION_CREATED", "sessionContext": {}})),
            NOW
        ),
        Err(JourneyError::PageMessage(PageMessageError::MissingField {
            message_type: "AUTH_SESSION_CREATED",
            field: "sessionContext.secureToken"
        }))
    );
    assert_eq!(j.checkpoint(), session.checkpoint());
    let mut j = ceremony.clone();
    assert_eq!(
        j.submit(
            page(json!({"type": "AUTH_COMPLETE", "assuranceData": {"identifier": "i"}})),
            NOW
        ),
        Err(JourneyError::PageMessage(PageMessageError::MissingField {
            message_type: "AUTH_COMPLETE",
            field: "assuranceData.fidoBlob"
        }))
    );
    assert_eq!(j.checkpoint(), ceremony.checkpoint());
}

fn auth_complete_json() -> String {
    match auth_complete() {
        Input::VisaMessage { json, .. } => json,
        _ => unreachable!(),
    }
}

/// The success answer of each step.
fn ok_response(step: Step) -> HttpResponse {
    match step {
        Step::Provision => purchase_response(canary::VISA_PAYLOAD),
        Step::SetupInstruction => json_response(200, SETUP_RESPONSE),
        Step::FetchCredentials => canary_fetch(),
    }
}

fn decode_error(step: Step, response: &HttpResponse) -> ApiError {
    match step {
        Step::Provision => ProvisionTokenPasskeyRequest::decode(response).map(drop),
        Step::SetupInstruction => SetupAgenticPaymentInstructionRequest::decode(response).map(drop),
        Step::FetchCredentials => FetchPaymentCredentialsRequest::decode(response).map(drop),
    }
    .expect_err("an error answer")
}

#[test]
fn every_step_times_every_answer() {
    let steps = [
        (Step::Provision, at_provision(false, false)),
        (Step::SetupInstruction, at_setup()),
        (Step::FetchCredentials, at_fetch()),
    ];
    for (step, before) in steps {
        let (id, _) = sent(&before);

        // ok
        let mut j = before.clone();
        j.on_response(id, &ok_response(step), NOW)
            .expect("in flight");
        match step {
            Step::Provision => assert_eq!(
                j.stage(),
                &Stage::Awaiting(Phase::PasskeyCeremony(Ceremony {
                    request_id: "r-1".into(),
                    ..ceremony(false, "")
                }))
            ),
            Step::SetupInstruction => assert_eq!(
                j.stage(),
                &Stage::Sending {
                    step: Step::FetchCredentials,
                    id: RequestId(id.0 + 1),
                    attempt: 1
                }
            ),
            Step::FetchCredentials => assert_eq!(
                j.next_action(),
                Action::Done(Outcome::Authorised {
                    credentials: credentials(&canary_fetch())
                })
            ),
        }

        // error answer (HTTP 200, status FAILURE): fails with the decoded error
        let failure = json_response(200, VAT_FAILURE);
        let mut j = before.clone();
        j.on_response(id, &failure, NOW).expect("in flight");
        let error = decode_error(step, &failure);
        assert_eq!(error.category, ErrorCategory::Rejected);
        assert_eq!(
            j.next_action(),
            Action::Failed(JourneyFailure::Api(error)),
            "{step:?}"
        );

        // 5xx and an unreadable success: outcome unknown, no status call
        for response in [json_response(502, "{}"), malformed()] {
            let mut j = before.clone();
            j.on_response(id, &response, NOW).expect("in flight");
            assert_eq!(
                j.next_action(),
                Action::Prompt(Prompt::ConfirmUnknownOutcome {
                    operation: operation(step).into(),
                    can_reconcile: false
                }),
                "{step:?}"
            );
        }

        // 429: refused before any effect, retried after back-off
        let mut j = before.clone();
        j.on_response(id, &json_response(429, "{}"), NOW)
            .expect("in flight");
        assert_eq!(
            j.stage(),
            &Stage::BackingOff {
                step,
                until: NOW + 500,
                attempt: 2
            }
        );

        // NotSent: back-off, then the same request under a new id
        let mut j = before.clone();
        j.on_transport_failure(id, not_sent(), NOW)
            .expect("in flight");
        assert_eq!(j.next_action(), Action::Wait { until: NOW + 500 });
        j.on_timeout(NOW + 499).expect("early wake-up");
        assert_eq!(j.next_action(), Action::Wait { until: NOW + 500 });
        j.on_timeout(NOW + 500).expect("due");
        let (retry_id, retry) = sent(&j);
        assert_eq!(retry_id, RequestId(id.0 + 1));
        assert_eq!(
            body(&retry),
            body(&sent(&before).1),
            "{step:?}: same body, same ids"
        );

        // MaybeSent: outcome unknown, no status call
        let mut j = before.clone();
        j.on_transport_failure(id, maybe_sent(), NOW)
            .expect("in flight");
        assert_eq!(
            j.next_action(),
            Action::Prompt(Prompt::ConfirmUnknownOutcome {
                operation: operation(step).into(),
                can_reconcile: false
            })
        );
        let unknown_state = j.checkpoint();
        assert_eq!(
            j.submit(Input::Reconcile, NOW),
            Err(JourneyError::InvalidEvent {
                state: "OutcomeUnknown",
                event: "Reconcile"
            })
        );
        assert_eq!(
            j.on_timeout(NOW + 10_000),
            Err(JourneyError::InvalidEvent {
                state: "OutcomeUnknown",
                event: "Timeout"
            })
        );
        assert_eq!(j.checkpoint(), unknown_state);

        // timeout while sending: refused, nothing changes
        let mut j = before.clone();
        assert_eq!(
            j.on_timeout(NOW + 60_000),
            Err(JourneyError::InvalidEvent {
                state: "Sending",
                event: "Timeout"
            })
        );
        assert_eq!(j.checkpoint(), before.checkpoint());

        // a stale or unknown id: refused, nothing changes
        let mut j = before.clone();
        let stale = RequestId(id.0 + 7);
        assert_eq!(
            j.on_response(stale, &ok_response(step), NOW),
            Err(JourneyError::UnexpectedResponse {
                got: stale,
                expected: Some(id)
            })
        );
        assert_eq!(
            j.on_transport_failure(stale, maybe_sent(), NOW),
            Err(JourneyError::UnexpectedResponse {
                got: stale,
                expected: Some(id)
            })
        );
        assert_eq!(j.checkpoint(), before.checkpoint());
    }
}

#[test]
fn answers_and_timeouts_outside_a_send_are_refused() {
    for (label, kind, before) in states() {
        if matches!(kind, Kind::Sending(_)) {
            continue;
        }
        let mut j = before.clone();
        assert_eq!(
            j.on_response(RequestId(1), &sample_fetch(), NOW),
            Err(JourneyError::UnexpectedResponse {
                got: RequestId(1),
                expected: None
            }),
            "{label}"
        );
        assert_eq!(
            j.on_transport_failure(RequestId(1), maybe_sent(), NOW),
            Err(JourneyError::UnexpectedResponse {
                got: RequestId(1),
                expected: None
            }),
            "{label}"
        );
        let timeout = j.on_timeout(NOW);
        match kind {
            Kind::BackingOff(_) => assert_eq!(timeout, Ok(()), "{label}: early wake-up"),
            Kind::Session | Kind::Ceremony => {
                assert_eq!(
                    timeout,
                    Err(JourneyError::InvalidEvent {
                        state: "Awaiting",
                        event: "Timeout"
                    }),
                    "{label}"
                )
            }
            Kind::Unknown(_) => {
                assert_eq!(
                    timeout,
                    Err(JourneyError::InvalidEvent {
                        state: "OutcomeUnknown",
                        event: "Timeout"
                    })
                )
            }
            Kind::Done => assert_eq!(
                timeout,
                Err(JourneyError::InvalidEvent {
                    state: "Done",
                    event: "Timeout"
                })
            ),
            Kind::Failed => assert_eq!(
                timeout,
                Err(JourneyError::InvalidEvent {
                    state: "Failed",
                    event: "Timeout"
                })
            ),
            Kind::Sending(_) => unreachable!(),
        }
        assert_eq!(j.checkpoint(), before.checkpoint(), "{label}");
    }
}

// ---------------------------------------------------------------------------------------------
// 2. Scripted runs with the documented samples
// ---------------------------------------------------------------------------------------------

fn expected_provision_body(popup: bool) -> Value {
    json!({
        "customerId": CUSTOMER,
        "sessionContext": {"secureToken": SECURE_TOKEN},
        "browserData": browser_data(),
        "clientReferenceId": REF,
        "authFlowType": "FIDO",
        "presentationType": "AI_AGENT",
        "platformType": "WEB",
        "shouldOpenAuthViaPopup": popup,
        "deviceAttestationObj": {"reasonCode": "PAYMENT", "actionToPerform": "AUTHENTICATE"},
        "amount": {"currency": "SGD", "total": 92.65},
        "paymentInstrument": {"type": "V_PROV_TOKEN_ID", "cardObj": TOKEN_ID}
    })
}

fn expected_setup_body() -> Value {
    json!({
        "cardNetwork": "VISA",
        "clientReferenceId": REF,
        "vProvisionedTokenId": TOKEN_ID,
        "customerId": CUSTOMER,
        // `dfpSessionId` is the page's `dfpSessionID` of AUTH_SESSION_CREATED.
        "verificationData": {"verifyType": "FIDO", "identifier": ASSURANCE_IDENTIFIER, "fidoBlob": FIDO_BLOB, "dfpSessionId": "dfp-1"},
        "mandates": [{
            "declineThreshold": {"amount": 100.0, "currencyCode": "SGD"},
            "effectiveUntilTime": EXPIRES_AT / 1000
        }]
    })
}

fn expected_fetch_body() -> Value {
    json!({
        "networkType": "VISA",
        "vProvisionedTokenId": TOKEN_ID,
        "clientReferenceId": REF,
        "nwTransactionId": format!("nw-{REF}"),
        "transactionDetails": [{
            "transactionId": format!("txn-{REF}"),
            "transactionType": "PURCHASE",
            "transactionAmount": {"totalAmount": 92.65, "subTotalAmount": 92.65, "tax": 0.0, "currencyCode": "SGD"},
            "orderId": "merch-ord-123"
        }]
    })
}

/// Runs the happy path and checks every prompt and every request body.
fn happy_path(popup_preference: bool, page_requires_popup: bool) {
    let popup = popup_preference || page_requires_popup;
    let mut j = fresh(popup_preference);
    assert_eq!(
        j.next_action(),
        Action::Prompt(Prompt::ProvideVisaSession {
            origin: ORIGIN.into(),
            message_to_post: None
        })
    );
    submit(&mut j, ready());
    submit(&mut j, session_created(page_requires_popup));
    assert_eq!(j.script().popup(), popup);

    let (id, request) = sent(&j);
    assert_eq!(id, RequestId(1));
    assert_eq!(request.operation, PROVISION);
    assert_eq!(request.path, "/provision-token-passkey");
    assert!(!request.idempotent);
    assert_eq!(body(&request), expected_provision_body(popup));
    respond(&mut j, &purchase_response(SAMPLE_PAYLOAD));

    match j.next_action() {
        Action::Prompt(Prompt::PasskeyCeremony {
            message_to_post,
            origin,
            popup: shown,
            action,
        }) => {
            assert_eq!(origin, ORIGIN);
            assert_eq!(shown, popup, "popup = preference || page requirement");
            assert_eq!(action, PasskeyAction::Authenticate);
            assert_eq!(
                serde_json::from_str::<Value>(message_to_post.as_json()).expect("json"),
                json!({
                    "type": "AUTHENTICATE",
                    "requestID": "r-1",
                    "version": "1",
                    "authenticationContext": {
                        "identifier": "xxxxxx",
                        "endpoint": "xxxxxxxxxxxx==",
                        "payload": SAMPLE_PAYLOAD,
                        "action": "AUTHENTICATE",
                        "platformType": "WEB",
                        "authenticationPreferencesEnabled": {"responseType": "code", "responseMode": "com_visa_web_message"}
                    }
                })
            );
        }
        other => panic!("expected the ceremony, got {other:?}"),
    }
    submit(&mut j, auth_complete());

    let (id, request) = sent(&j);
    assert_eq!(id, RequestId(2));
    assert_eq!(request.operation, SETUP);
    assert_eq!(request.path, "/cards/setUpAgenticPaymentInstruction");
    assert_eq!(body(&request), expected_setup_body());
    respond(&mut j, &json_response(200, SETUP_RESPONSE));
    assert_eq!(j.script().instruction_id(), Some("instr_7f3a"));
    assert_eq!(j.script().instruction_status(), Some(&VicStatus::Active));

    let (id, request) = sent(&j);
    assert_eq!(id, RequestId(3));
    assert_eq!(request.operation, FETCH);
    assert_eq!(request.path, "/cards/fetchAgenticTransactCreds");
    assert_eq!(body(&request), expected_fetch_body());
    respond(&mut j, &sample_fetch());

    match j.next_action() {
        Action::Done(Outcome::Authorised { credentials }) => {
            assert_eq!(credentials, self::credentials(&sample_fetch()));
            assert_eq!(
                credentials
                    .token_number
                    .as_ref()
                    .map(SecretText::expose_secret),
                Some("12344")
            );
            assert_eq!(
                credentials
                    .cryptogram
                    .as_ref()
                    .map(SecretText::expose_secret),
                Some("123")
            );
            assert_eq!(credentials.dynamic_data_type, Some(DynamicDataType::Dtvv));
        }
        other => panic!("expected the credentials, got {other:?}"),
    }
    assert_eq!(j.next_action(), j.next_action(), "terminal answers repeat");
}

#[test]
fn happy_path_iframe() {
    happy_path(false, false);
}

#[test]
fn happy_path_popup_preferred() {
    happy_path(true, false);
}

#[test]
fn happy_path_popup_required_by_the_page() {
    happy_path(false, true);
}

#[test]
fn a_host_supplied_session_uses_the_reference_id_as_page_request_id() {
    let mut j = fresh(false);
    submit(
        &mut j,
        Input::VisaSession {
            secure_token: SecureToken::new("secureToken", SECURE_TOKEN).expect("t"),
            browser_data: agentic_core::json_path::read(&browser_data()).expect("browser data"),
        },
    );
    assert_eq!(body(&sent(&j).1), expected_provision_body(false));
    respond(&mut j, &purchase_response(SAMPLE_PAYLOAD));
    assert_eq!(
        j.stage(),
        &Stage::Awaiting(Phase::PasskeyCeremony(ceremony(false, REF)))
    );
}

#[test]
fn host_supplied_ids_breakdown_and_address_are_sent() {
    let transaction = PurchaseTransaction::new("merch-ord-123")
        .and_then(|t| t.with_transaction_id("txn-ref-123"))
        .and_then(|t| t.with_nw_transaction_id("some-txn-id-1"))
        .and_then(|t| t.with_breakdown("90.00", "2.65"))
        .expect("valid")
        .with_shipping_address(ShippingAddress {
            add_line1: "123 Main St".into(),
            city: "Greater Noida".into(),
            state_add: "Uttar Pradesh".into(),
            postal_code: "201310".into(),
            country_code: Some("US".into()),
        });
    let params = PurchaseParams::new(
        CUSTOMER,
        TOKEN_ID,
        "92.65",
        "SGD",
        InstructionLimit::new(EXPIRES_AT)
            .and_then(|l| l.with_description("groceries"))
            .expect("limit"),
        transaction,
        VisaPageOrigin::sandbox(),
    )
    .expect("valid")
    .with_platform(PlatformType::MobileWeb);
    let mut j = purchase::start(params, reference()).expect("starts");
    assert_eq!(j.script().nw_transaction_id(), "some-txn-id-1");
    assert_eq!(j.script().transaction_id(), "txn-ref-123");
    submit(&mut j, session_created(false));
    assert_eq!(body(&sent(&j).1)["platformType"], json!("MOBILE_WEB"));
    respond(&mut j, &purchase_response(SAMPLE_PAYLOAD));
    submit(&mut j, auth_complete());
    assert_eq!(
        body(&sent(&j).1)["mandates"],
        json!([{
            "declineThreshold": {"amount": 92.65, "currencyCode": "SGD"},
            "effectiveUntilTime": EXPIRES_AT / 1000,
            "description": "groceries"
        }]),
        "the limit defaults to the purchase amount"
    );
    respond(&mut j, &json_response(200, SETUP_RESPONSE));
    let fetch = body(&sent(&j).1);
    assert_eq!(fetch["nwTransactionId"], json!("some-txn-id-1"));
    assert_eq!(
        fetch["transactionDetails"],
        json!([{
            "transactionId": "txn-ref-123",
            "transactionType": "PURCHASE",
            "transactionAmount": {"totalAmount": 92.65, "subTotalAmount": 90.0, "tax": 2.65, "currencyCode": "SGD"},
            "orderId": "merch-ord-123",
            "shippingAddress": {
                "addLine1": "123 Main St", "city": "Greater Noida", "stateAdd": "Uttar Pradesh",
                "postalCode": "201310", "countryCode": "US"
            }
        }])
    );
}

#[test]
fn the_code_form_of_auth_complete_echoes_the_ceremony_identifier() {
    let mut j = at_ceremony();
    submit(
        &mut j,
        page(json!({"type": "AUTH_COMPLETE", "code": FIDO_BLOB})),
    );
    let setup = body(&sent(&j).1);
    assert_eq!(
        setup["verificationData"],
        json!({"verifyType": "FIDO", "identifier": "xxxxxx", "fidoBlob": FIDO_BLOB, "dfpSessionId": "dfp-1"})
    );
}

#[test]
fn each_page_failure_ends_the_journey_in_both_phases() {
    for before in [
        fresh(false),
        at_ready(),
        at_ceremony(),
        at_ceremony_with(true, true, SAMPLE_PAYLOAD),
    ] {
        for (kind, failure) in FAILURES {
            let mut j = before.clone();
            submit(&mut j, page_failure(kind));
            assert_eq!(j.next_action(), passkey_failed(failure), "{kind}");
        }
        let mut j = before.clone();
        submit(&mut j, Input::PageClosed);
        assert_eq!(
            j.next_action(),
            passkey_failed(PageFailure::Closed),
            "a closed popup is fatal"
        );
    }
}

#[test]
fn a_step_up_or_register_answer_to_the_purchase_requires_a_rebind() {
    for response in [STEP_UP_RESPONSE, REGISTER_RESPONSE] {
        let mut j = at_provision(false, false);
        respond(&mut j, &json_response(200, response));
        assert_eq!(
            j.next_action(),
            Action::Failed(JourneyFailure::RebindRequired)
        );
    }
}

#[test]
fn an_unusable_ceremony_answer_fails_with_a_malformed_response() {
    let cases = [
        json!({"status": "SUCCESS", "payload": {"actionToBePerformed": "TRANSFER", "payload": "a.b.c", "identifier": "i", "endpoint": "e"}}),
        json!({"status": "SUCCESS", "payload": {"actionToBePerformed": "AUTHENTICATE", "payload": "a.b.c", "identifier": "", "endpoint": "e"}}),
    ];
    for response in cases {
        let mut j = at_provision(false, false);
        respond(&mut j, &json_response(200, &response.to_string()));
        match j.next_action() {
            Action::Failed(JourneyFailure::Api(error)) => {
                assert_eq!(error.category, ErrorCategory::MalformedResponse);
                assert_eq!(error.recovery, agentic_core::Recovery::ContactSupport);
            }
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn a_setup_error_fails_with_the_api_error() {
    let mut j = at_setup();
    let failure = json_response(200, VAT_FAILURE);
    respond(&mut j, &failure);
    let expected = SetupAgenticPaymentInstructionRequest::decode(&failure).expect_err("error");
    assert_eq!(expected.code.as_deref(), Some("INVALID_ASSURANCE"));
    assert_eq!(
        j.next_action(),
        Action::Failed(JourneyFailure::Api(expected))
    );
}

#[test]
fn a_fetch_with_unknown_outcome_waits_for_the_host_and_resends_with_the_same_ids() {
    let mut j = at_fetch();
    let (first_id, first) = sent(&j);
    fail_transport(&mut j, maybe_sent());
    assert_eq!(
        j.next_action(),
        Action::Prompt(Prompt::ConfirmUnknownOutcome {
            operation: FETCH.into(),
            can_reconcile: false
        })
    );
    assert_eq!(
        j.submit(Input::Reconcile, NOW),
        Err(JourneyError::InvalidEvent {
            state: "OutcomeUnknown",
            event: "Reconcile"
        }),
        "no status call"
    );
    submit(&mut j, Input::ResendAfterUnknownOutcome);
    let (second_id, second) = sent(&j);
    assert_eq!(second_id, RequestId(first_id.0 + 1));
    assert_eq!(
        second.body.bytes(),
        first.body.bytes(),
        "same clientReferenceId, nwTransactionId, transactionId"
    );
    assert_eq!(body(&second), expected_fetch_body());
    respond(&mut j, &canary_fetch());
    assert_eq!(
        j.next_action(),
        Action::Done(Outcome::Authorised {
            credentials: credentials(&canary_fetch())
        })
    );
}

#[test]
fn cancelling_an_unresolved_fetch_names_it() {
    let mut j = unknown(at_fetch());
    submit(&mut j, Input::Cancel);
    assert_eq!(
        j.next_action(),
        Action::Failed(JourneyFailure::Cancelled {
            outcome_unknown_for: Some(FETCH.into())
        })
    );
}

#[test]
fn params_are_validated() {
    let limit = || InstructionLimit::new(EXPIRES_AT).expect("limit");
    let order = || PurchaseTransaction::new("o1").expect("order");
    let new =
        |customer: &str, token: &str, amount: &str, currency: &str, limit: InstructionLimit| {
            PurchaseParams::new(
                customer,
                token,
                amount,
                currency,
                limit,
                order(),
                VisaPageOrigin::sandbox(),
            )
            .map(drop)
        };
    assert_eq!(
        new("", TOKEN_ID, "1", "SGD", limit()),
        Err(InvalidInput::new("customerId", Problem::Empty))
    );
    assert_eq!(
        new(CUSTOMER, " ", "1", "SGD", limit()),
        Err(InvalidInput::new("vProvisionedTokenId", Problem::Empty))
    );
    assert_eq!(
        new(CUSTOMER, TOKEN_ID, "0", "SGD", limit()),
        Err(InvalidInput::new("amount.total", Problem::NotPositive))
    );
    assert_eq!(
        new(CUSTOMER, TOKEN_ID, "1.234", "SGD", limit()),
        Err(InvalidInput::new("amount.total", Problem::TooManyDecimals))
    );
    assert!(matches!(
        new(CUSTOMER, TOKEN_ID, "1", "sgd", limit()),
        Err(InvalidInput {
            field: "amount.currency",
            ..
        })
    ));
    assert_eq!(
        new(
            CUSTOMER,
            TOKEN_ID,
            "92.65",
            "SGD",
            limit().with_limit("92.64").expect("limit")
        ),
        Err(InvalidInput::new(
            "mandates.declineThreshold.amount",
            Problem::Format {
                expected: "at least the purchase amount"
            }
        ))
    );
    assert_eq!(
        new(
            CUSTOMER,
            TOKEN_ID,
            "92.65",
            "SGD",
            limit().with_limit("92.65").expect("limit")
        ),
        Ok(())
    );
    assert_eq!(
        InstructionLimit::new(999).map(drop),
        Err(InvalidInput::new(
            "mandates.effectiveUntilTime",
            Problem::NotPositive
        ))
    );
    assert_eq!(
        InstructionLimit::new(EXPIRES_AT)
            .and_then(|l| l.with_limit("-1"))
            .map(drop),
        Err(InvalidInput::new(
            "mandates.declineThreshold.amount",
            Problem::NotPositive
        ))
    );
    assert_eq!(
        PurchaseTransaction::new("").map(drop),
        Err(InvalidInput::new(
            "transactionDetails.orderId",
            Problem::Empty
        ))
    );
    assert_eq!(
        order().with_breakdown("0", "0").map(drop),
        Err(InvalidInput::new(
            "transactionDetails.transactionAmount.subTotalAmount",
            Problem::NotPositive
        ))
    );
    assert!(matches!(
        order().with_breakdown("1", "-1").map(drop),
        Err(InvalidInput {
            field: "transactionDetails.transactionAmount.tax",
            ..
        })
    ));
    assert_eq!(order().with_breakdown("1", "0").map(drop), Ok(()));
    assert_eq!(
        purchase::start(params(false), ReferenceId::restore(&json!("")).expect("id")).map(drop),
        Err(InvalidInput::new("clientReferenceId", Problem::Empty))
    );
}

// ---------------------------------------------------------------------------------------------
// 3. Checkpoint → resume
// ---------------------------------------------------------------------------------------------

/// Every reachable stage with the secret it needs on resume.
fn resumable() -> Vec<(&'static str, Journey<Purchase>, Option<&'static str>)> {
    let mut rebind = at_provision(false, false);
    respond(&mut rebind, &json_response(200, STEP_UP_RESPONSE));
    let mut api_failed = at_setup();
    respond(&mut api_failed, &json_response(200, VAT_FAILURE));
    let mut cancelled = unknown(at_provision(true, false));
    submit(&mut cancelled, Input::Cancel);
    vec![
        ("session", fresh(false), None),
        ("session after AUTH_READY", at_ready(), None),
        (
            "sending provision",
            at_provision(false, true),
            Some("secureToken"),
        ),
        (
            "backing off provision",
            backing_off(at_provision(true, false)),
            Some("secureToken"),
        ),
        (
            "provision unknown",
            unknown(at_provision(false, false)),
            Some("secureToken"),
        ),
        ("ceremony", at_ceremony(), Some("payload")),
        (
            "ceremony in a popup",
            at_ceremony_with(false, true, canary::VISA_PAYLOAD),
            Some("payload"),
        ),
        ("sending setup", at_setup(), Some("fidoBlob")),
        (
            "backing off setup",
            backing_off(at_setup()),
            Some("fidoBlob"),
        ),
        ("setup unknown", unknown(at_setup()), Some("fidoBlob")),
        ("sending fetch", at_fetch(), None),
        ("backing off fetch", backing_off(at_fetch()), None),
        ("fetch unknown", unknown(at_fetch()), None),
        ("done", at_done(), None),
        ("page closed", failed(), None),
        ("rebind required", rebind, None),
        ("setup refused", api_failed, None),
        ("cancelled", cancelled, None),
    ]
}

/// What a resumed journey asks first: the same as before, except that a checkpoint taken while
/// a (non-idempotent) request was in flight resumes at the unknown-outcome prompt — the request
/// may have left before the app died (engine rule).
fn after_resume(journey: &Journey<Purchase>) -> Action {
    match journey.stage() {
        Stage::Sending { step, .. } => Action::Prompt(Prompt::ConfirmUnknownOutcome {
            operation: operation(*step).into(),
            can_reconcile: false,
        }),
        _ => journey.next_action(),
    }
}

#[test]
fn every_stage_resumes_to_the_same_next_action() {
    for (label, journey, needs) in resumable() {
        let checkpoint = journey.checkpoint();
        canary::assert_clean(label, &checkpoint);
        let resumed = Journey::<Purchase>::resume(&checkpoint, all_secrets()).expect(label);
        assert_eq!(resumed.next_action(), after_resume(&journey), "{label}");
        if matches!(journey.stage(), Stage::Sending { .. }) {
            // Resending needs the explicit host input, with the same body.
            let (_, original) = sent(&journey);
            let mut resumed = resumed;
            submit(&mut resumed, Input::ResendAfterUnknownOutcome);
            assert_eq!(
                sent(&resumed).1.body.bytes(),
                original.body.bytes(),
                "{label}"
            );
        } else {
            assert_eq!(resumed.checkpoint(), checkpoint, "{label}");
            // And again: a resumed journey checkpoints and resumes the same way.
            let again =
                Journey::<Purchase>::resume(&resumed.checkpoint(), all_secrets()).expect(label);
            assert_eq!(again.next_action(), journey.next_action(), "{label}");
        }

        let bare = Journey::<Purchase>::resume(&checkpoint, PurchaseSecrets::new());
        match needs {
            Some(name) => assert_eq!(
                bare.map(drop),
                Err(JourneyError::Resume(format!(
                    "the secret `{name}` is needed to continue"
                ))),
                "{label}"
            ),
            // Tested below: the outcome lacks the secret fields.
            None if label == "done" => assert!(bare.is_ok()),
            None => assert_eq!(
                bare.expect(label).next_action(),
                after_resume(&journey),
                "{label}"
            ),
        }
    }
}

#[test]
fn a_resumed_journey_continues_with_the_same_ids() {
    let journey = unknown(at_provision(false, false));
    let mut resumed =
        Journey::<Purchase>::resume(&journey.checkpoint(), all_secrets()).expect("resumes");
    submit(&mut resumed, Input::ResendAfterUnknownOutcome);
    assert_eq!(body(&sent(&resumed).1), expected_provision_body(false));
    respond(&mut resumed, &purchase_response(canary::VISA_PAYLOAD));
    let checkpoint = resumed.checkpoint();
    let payload_only = PurchaseSecrets::new()
        .with_visa_payload(VisaPayload::new("payload", canary::VISA_PAYLOAD).expect("p"));
    let mut resumed = Journey::<Purchase>::resume(&checkpoint, payload_only).expect("resumes");
    submit(&mut resumed, auth_complete());
    assert_eq!(body(&sent(&resumed).1), expected_setup_body());
}

#[test]
fn done_resumed_without_credentials_still_answers_with_the_public_fields() {
    let done = at_done();
    let resumed =
        Journey::<Purchase>::resume(&done.checkpoint(), PurchaseSecrets::new()).expect("resumes");
    match resumed.next_action() {
        Action::Done(Outcome::Authorised { credentials }) => {
            assert_eq!(credentials.token_number, None);
            assert_eq!(credentials.expiry_month, None);
            assert_eq!(credentials.expiry_year, None);
            assert_eq!(credentials.cryptogram, None);
            assert_eq!(credentials.raw.expose(), &Value::Null);
            assert_eq!(credentials.dynamic_data_type, Some(DynamicDataType::Dtvv));
            assert_eq!(
                credentials.transaction_reference.as_deref(),
                Some("transac-ref-id")
            );
            assert_eq!(credentials.status, Some(VicStatus::Success));
        }
        other => panic!("{other:?}"),
    }
    let with = Journey::<Purchase>::resume(
        &done.checkpoint(),
        PurchaseSecrets::new().with_credentials(credentials(&canary_fetch())),
    )
    .expect("resumes");
    assert_eq!(with.next_action(), done.next_action());
}

#[test]
fn a_ceremony_payload_that_cannot_build_the_message_is_refused_on_resume() {
    // An empty-after-trim payload is refused by the constructor; a tampered ceremony is what
    // can make a supplied payload unusable.
    let checkpoint = at_ceremony()
        .checkpoint()
        .replace("\"identifier\":\"xxxxxx\"", "\"identifier\":\"\"");
    assert_eq!(
        Journey::<Purchase>::resume(&checkpoint, all_secrets()).map(drop),
        Err(JourneyError::Resume(
            "the secret `payload` is needed to continue".into()
        ))
    );
}

#[test]
fn a_checkpoint_with_invalid_params_or_of_another_journey_is_refused() {
    let checkpoint = fresh(false).checkpoint();
    let bad_amount = checkpoint.replace("\"amount\":\"92.65\"", "\"amount\":\"-1\"");
    assert_ne!(bad_amount, checkpoint);
    assert_eq!(
        Journey::<Purchase>::resume(&bad_amount, all_secrets()).map(drop),
        Err(JourneyError::Resume(
            "not a juspay_vat.purchase checkpoint (unexpected content)".into()
        ))
    );
    let other = checkpoint.replace(
        "\"journey\":\"juspay_vat.purchase\"",
        "\"journey\":\"juspay_vat.enrollment\"",
    );
    assert_eq!(
        Journey::<Purchase>::resume(&other, all_secrets()).map(drop),
        Err(JourneyError::Resume(
            "checkpoint of journey `juspay_vat.enrollment`, not `juspay_vat.purchase`".into()
        ))
    );
}

// ---------------------------------------------------------------------------------------------
// 4. Property: random event sequences
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
enum Answer {
    Ok,
    StepUp,
    Register,
    VatFailure,
    ServerError,
    RateLimited,
    Malformed,
}

#[derive(Debug, Clone)]
enum Event {
    Input(usize),
    Page(usize),
    Answer(Answer),
    StaleAnswer,
    NotSent,
    MaybeSent,
    Timeout(u64),
    Resume,
}

fn page_messages() -> Vec<Input> {
    let mut messages = vec![
        ready(),
        session_created(false),
        session_created(true),
        auth_complete(),
    ];
    messages.extend(FAILURES.iter().map(|(kind, _)| page_failure(kind)));
    messages.push(Input::VisaMessage {
        json: auth_complete_json(),
        origin: "https://evil.example".into(),
    });
    messages.push(page(json!({"type": "AUTH_COMPLETE"})));
    messages
}

fn answer_for(operation: &str, answer: &Answer) -> HttpResponse {
    match answer {
        Answer::Ok => match operation {
            PROVISION => purchase_response(canary::VISA_PAYLOAD),
            SETUP => json_response(200, SETUP_RESPONSE),
            _ => canary_fetch(),
        },
        Answer::StepUp => json_response(200, STEP_UP_RESPONSE),
        Answer::Register => json_response(200, REGISTER_RESPONSE),
        Answer::VatFailure => json_response(200, VAT_FAILURE),
        Answer::ServerError => json_response(503, "{}"),
        Answer::RateLimited => json_response(429, "{}"),
        Answer::Malformed => malformed(),
    }
}

fn event() -> impl Strategy<Value = Event> {
    let answer = prop_oneof![
        6 => Just(Answer::Ok),
        1 => Just(Answer::StepUp),
        1 => Just(Answer::Register),
        1 => Just(Answer::VatFailure),
        1 => Just(Answer::ServerError),
        1 => Just(Answer::RateLimited),
        1 => Just(Answer::Malformed),
    ];
    prop_oneof![
        2 => (0..13usize).prop_map(Event::Input),
        // ResendAfterUnknownOutcome, so that runs go on past an unknown outcome.
        1 => Just(Event::Input(11)),
        4 => (0..4usize).prop_map(Event::Page),
        1 => (4..10usize).prop_map(Event::Page),
        6 => answer.prop_map(Event::Answer),
        1 => Just(Event::StaleAnswer),
        1 => Just(Event::NotSent),
        2 => Just(Event::MaybeSent),
        2 => (0..3_000u64).prop_map(Event::Timeout),
        1 => Just(Event::Resume),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn random_events_never_panic_keep_the_ids_and_never_resend_unasked(
        events in prop::collection::vec(event(), 1..60),
        popup_preference: bool,
    ) {
        let inputs = every_input(ORIGIN);
        let messages = page_messages();
        let mut j = fresh(popup_preference);
        let mut now = NOW;
        let mut seen_ids: HashSet<RequestId> = HashSet::new();
        // Operations whose request may have reached Juspay.
        let mut reached: HashSet<&'static str> = HashSet::new();
        let mut references: HashSet<String> = HashSet::new();
        let mut nw_ids: HashSet<String> = HashSet::new();

        for event in events {
            let before = j.checkpoint();
            let in_flight = match j.next_action() {
                Action::Send { id, request } => Some((id, request.operation)),
                _ => None,
            };
            let explicit_resend = matches!(&event, Event::Input(i) if matches!(inputs[*i % inputs.len()], Input::ResendAfterUnknownOutcome));
            let result = match &event {
                Event::Input(i) => j.submit(inputs[*i % inputs.len()].clone(), now),
                Event::Page(i) => j.submit(messages[*i % messages.len()].clone(), now),
                Event::Answer(answer) => match in_flight {
                    Some((id, operation)) => {
                        let response = answer_for(operation, answer);
                        let result = j.on_response(id, &response, now);
                        if !matches!(answer, Answer::RateLimited) {
                            reached.insert(operation);
                        }
                        result
                    }
                    None => j.on_response(RequestId(999), &sample_fetch(), now),
                },
                Event::StaleAnswer => {
                    let stale = in_flight.map_or(RequestId(0), |(id, _)| RequestId(id.0 + 100));
                    j.on_response(stale, &sample_fetch(), now)
                }
                Event::NotSent => match in_flight {
                    Some((id, _)) => j.on_transport_failure(id, not_sent(), now),
                    None => j.on_transport_failure(RequestId(999), not_sent(), now),
                },
                Event::MaybeSent => match in_flight {
                    Some((id, operation)) => {
                        reached.insert(operation);
                        j.on_transport_failure(id, maybe_sent(), now)
                    }
                    None => j.on_transport_failure(RequestId(999), maybe_sent(), now),
                },
                Event::Timeout(advance) => {
                    now += advance;
                    j.on_timeout(now)
                }
                Event::Resume => {
                    // The host re-supplies the secrets it holds; once done, the credentials
                    // it was given (whatever the fetch answer held).
                    let secrets = match j.next_action() {
                        Action::Done(Outcome::Authorised { credentials }) => all_secrets().with_credentials(credentials),
                        _ => all_secrets(),
                    };
                    let resumed = Journey::<Purchase>::resume(&before, secrets);
                    let resumed = resumed.map_err(|e| TestCaseError::fail(format!("resume failed: {e}")))?;
                    prop_assert_eq!(resumed.next_action(), after_resume(&j));
                    if let Some((_, operation)) = in_flight {
                        // It may have left before the "app died".
                        reached.insert(operation);
                    }
                    j = resumed;
                    Ok(())
                }
            };
            if result.is_err() {
                prop_assert_eq!(j.checkpoint(), before, "a refused event changed the state");
            }
            let action = j.next_action();
            prop_assert!(!matches!(&action, Action::Failed(JourneyFailure::Internal { .. })), "{:?}", action);
            if let Action::Send { id, request } = &action {
                if seen_ids.insert(*id) {
                    if reached.contains(request.operation) {
                        prop_assert!(explicit_resend, "{} re-sent after {:?} without an explicit host input", request.operation, event);
                    }
                    // The host took the risk for this attempt; automatic retries of a refused
                    // (429) or unsent attempt stay within that decision.
                    if explicit_resend {
                        reached.remove(request.operation);
                    }
                }
                let body = body(request);
                if let Some(reference) = body["clientReferenceId"].as_str() {
                    references.insert(reference.to_owned());
                }
                if let Some(nw) = body["nwTransactionId"].as_str() {
                    nw_ids.insert(nw.to_owned());
                }
                prop_assert!(references.len() <= 1, "two clientReferenceIds: {:?}", references);
                prop_assert!(nw_ids.len() <= 1, "two nwTransactionIds: {:?}", nw_ids);
            }
            canary::assert_clean("checkpoint", &j.checkpoint());
            canary::assert_clean("action", &format!("{action:?}"));
        }
        prop_assert!(references.iter().all(|r| r == REF));
    }
}

// ---------------------------------------------------------------------------------------------
// 5. Secret canary
// ---------------------------------------------------------------------------------------------

#[derive(Default)]
struct Capture(Vec<(String, String)>);

impl Capture {
    fn journey(&mut self, label: &str, j: &Journey<Purchase>) {
        let action = j.next_action();
        self.0
            .push((format!("{label}: action"), format!("{action:?}")));
        match &action {
            Action::Prompt(prompt) => self
                .0
                .push((format!("{label}: prompt"), format!("{prompt:?}"))),
            Action::Done(outcome) => self
                .0
                .push((format!("{label}: outcome"), format!("{outcome:?}"))),
            Action::Failed(failure) => {
                self.0
                    .push((format!("{label}: failure"), format!("{failure:?}")));
                self.0.push((
                    format!("{label}: failure json"),
                    serde_json::to_string(failure).expect("json"),
                ));
            }
            Action::Send { request, .. } => self
                .0
                .push((format!("{label}: request"), format!("{request:?}"))),
            Action::Wait { .. } => {}
        }
        self.0
            .push((format!("{label}: checkpoint"), j.checkpoint()));
        self.0.push((format!("{label}: journey"), format!("{j:?}")));
        self.0
            .push((format!("{label}: stage"), format!("{:?}", j.stage())));
    }

    fn error(&mut self, label: &str, error: JourneyError) {
        self.0
            .push((format!("{label}: error debug"), format!("{error:?}")));
        self.0
            .push((format!("{label}: error display"), error.to_string()));
    }
}

#[test]
fn no_secret_appears_in_any_action_prompt_outcome_checkpoint_or_error() {
    let mut capture = Capture::default();
    let mut j = fresh(true);
    capture.journey("start", &j);
    submit(&mut j, ready());
    capture.journey("ready", &j);
    submit(&mut j, session_created(true));
    capture.journey("provision", &j);
    capture.error(
        "input while sending",
        j.submit(auth_complete(), NOW).expect_err("refused"),
    );
    fail_transport(&mut j, not_sent());
    capture.journey("backing off", &j);
    j.on_timeout(NOW + 500).expect("due");
    respond(&mut j, &purchase_response(canary::VISA_PAYLOAD));
    capture.journey("ceremony", &j);
    capture.error(
        "session in ceremony",
        j.submit(every_input(ORIGIN).swap_remove(1), NOW)
            .expect_err("refused"),
    );
    capture.error(
        "foreign origin",
        j.submit(
            Input::VisaMessage {
                json: auth_complete_json(),
                origin: "https://evil.example".into(),
            },
            NOW,
        )
        .expect_err("refused"),
    );
    capture
        .0
        .push(("input debug".into(), format!("{:?}", auth_complete())));
    submit(&mut j, auth_complete());
    capture.journey("setup", &j);
    fail_transport(&mut j, maybe_sent());
    capture.journey("setup unknown", &j);
    submit(&mut j, Input::ResendAfterUnknownOutcome);
    respond(&mut j, &json_response(200, SETUP_RESPONSE));
    capture.journey("fetch", &j);
    fail_transport(&mut j, maybe_sent());
    capture.journey("fetch unknown", &j);
    submit(&mut j, Input::ResendAfterUnknownOutcome);
    respond(&mut j, &canary_fetch());
    capture.journey("done", &j);
    capture.error(
        "input when done",
        j.submit(Input::Cancel, NOW).expect_err("refused"),
    );
    capture
        .0
        .push(("secrets".into(), format!("{:?}", all_secrets())));

    // The credentials are delivered, as secrets.
    match j.next_action() {
        Action::Done(Outcome::Authorised { credentials }) => {
            assert_eq!(
                credentials
                    .token_number
                    .as_ref()
                    .map(SecretText::expose_secret),
                Some(canary::TOKEN_NUMBER)
            );
            assert_eq!(
                credentials
                    .cryptogram
                    .as_ref()
                    .map(SecretText::expose_secret),
                Some(canary::CRYPTOGRAM)
            );
        }
        other => panic!("{other:?}"),
    }

    // Failure paths.
    for (label, mut j, _) in resumable() {
        capture.journey(label, &j);
        if let Stage::Sending { .. } = j.stage() {
            for answer in [
                json_response(200, VAT_FAILURE),
                json_response(502, "{}"),
                malformed(),
            ] {
                let mut k = j.clone();
                respond(&mut k, &answer);
                capture.journey(label, &k);
            }
        }
        if j.submit(Input::Cancel, NOW).is_ok() {
            capture.journey(&format!("{label} cancelled"), &j);
        }
        let resumed = Journey::<Purchase>::resume(&j.checkpoint(), PurchaseSecrets::new());
        match resumed {
            Ok(resumed) => capture.journey(&format!("{label} resumed"), &resumed),
            Err(error) => capture.error(&format!("{label} resume"), error),
        }
    }
    for (kind, _) in FAILURES {
        let mut j = at_ceremony();
        submit(&mut j, page_failure(kind));
        capture.journey(kind, &j);
    }

    assert!(capture.0.len() > 100, "captured {}", capture.0.len());
    for (what, text) in &capture.0 {
        canary::assert_clean(what, text);
    }
}
