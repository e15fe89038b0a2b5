//! Core step cost (`cargo xtask bench`, section "core step cost").
//!
//! For every step of every journey that receives a response, one criterion group
//! `core-step-<journey>-<step>` with two functions:
//!
//! - `sdk`: the journey waits for that response (setup, untimed: a clone of a journey brought
//!   there with the documented inputs and samples); the timed part is what the driver
//!   (`agentic_http::Client::run`) does once the transport has answered: `Journey::on_response`
//!   with the documented response (status, `Content-Type`, request id header, body bytes), then
//!   `Journey::next_action`, which encodes the next request (method, path, body bytes) or builds
//!   the prompt / outcome the driver returns to the host (the passkey prompt encodes the
//!   `AUTHENTICATE` page message).
//! - `serde_json`: the bare `serde_json::from_slice::<Value>` of the same response bytes plus
//!   `serde_json::to_vec` of a `Value` holding what comes out next: the next request's JSON body
//!   (form-encoded Juspay EC bodies: the same fields as a JSON object), the page message, or the
//!   prompt's / outcome's fields as a JSON object.
//!
//! Before the groups run, one line per case is printed on stdout,
//! `core-step-case<TAB>group<TAB>journey<TAB>step<TAB>response<TAB>next`, so `cargo xtask bench`
//! knows which groups this run measured and how to label them.
//!
//! After each group, the same two functions run once more **interleaved**: rounds of one batch
//! of SDK steps and one batch of bare work of the same size back to back (alternating which goes
//! first; the journeys' clones and the outputs' drops untimed), and
//! the line `core-step-paired<TAB>group<TAB>sdk ns<TAB>bare ns<TAB>ratio<TAB>rounds` gives the
//! medians over the rounds. Criterion times `sdk` and `serde_json` in separate windows seconds
//! apart, and this VM's speed drifts by up to half between such windows; the ratio of two
//! batches timed back to back does not drift. `AGENTIC_BENCH_PAIRED_ROUNDS` sets the
//! number of rounds (default 301).

use std::hint::black_box;
use std::time::{Duration, Instant};

use agentic_core::HttpResponse;
use agentic_core::journey::direct_otp::{self, CardSecrets, DirectOtpParams, DirectOtpSecrets};
use agentic_core::journey::enrollment::{self, EnrollmentDetails, EnrollmentParams};
use agentic_core::journey::purchase::{
    self, InstructionLimit, PurchaseParams, PurchaseTransaction,
};
use agentic_core::journey::visa_acceptance::{self, VisaAcceptancePasskeyParams};
use agentic_core::journey::{
    Action, Input, Journey, Outcome, Prompt, ReferenceId, RequestId, Script, UnixMillis,
};
use agentic_core::juspay_vat::{CardTokenizeRequest, IdentityType};
use agentic_core::secret::{CardNumber, CardSecurityCode, CardToken, ExpiryMonth, ExpiryYear, Otp};
use agentic_core::visa_acceptance::{AmountDetails, MerchantDescriptor};
use agentic_core::visa_page::{PlatformType, VisaPageOrigin};
use agentic_core::wire::CONTENT_TYPE_JSON;
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use serde_json::{Value, json};

const NOW: UnixMillis = 1_768_800_000_000;
const ORIGIN: &str = VisaPageOrigin::SANDBOX;
const USER_AGENT: &str = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/144.0.0.0 Safari/537.36";
const ACCEPT: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7";
/// A secure token of the size the Visa page hands out.
const SECURE_TOKEN: &str =
    "ezAwMX06LTAxLTA0LTA3LTEyLTE0LTIxLTI0LTI4LTMxLTM3LTQ1LTQ3LTUyLTYwLTY0LTcxLTc4LTg1LTkwLTk1fQ";
const FIDO_BLOB: &str =
    "eyJhbGciOiJFUzI1NiJ9.eyJjbGllbnREYXRhSlNPTiI6InNhbXBsZSJ9.c2lnbmF0dXJlLXNhbXBsZQ";
const OTP: &str = "918273";

// ---------------------------------------------------------------------------------------------
// Small helpers (no `unwrap`: a broken fixture panics with what broke)
// ---------------------------------------------------------------------------------------------

fn must<T, E: std::fmt::Debug>(result: Result<T, E>, what: &str) -> T {
    match result {
        Ok(value) => value,
        Err(error) => panic!("core step bench fixture `{what}` is invalid: {error:?}"),
    }
}

fn visa(message: &Value) -> Input {
    Input::VisaMessage {
        json: message.to_string(),
        origin: ORIGIN.to_owned(),
    }
}

fn otp() -> Input {
    Input::Otp(must(Otp::new("otp", OTP), "otp"))
}

fn choose(identifier: &str) -> Input {
    Input::ChooseStepUp {
        identifier: identifier.to_owned(),
    }
}

fn submit<S: Script>(journey: &mut Journey<S>, input: Input, what: &str) {
    must(journey.submit(input, NOW), what);
}

fn in_flight<S: Script>(journey: &Journey<S>, what: &str) -> RequestId {
    match journey.next_action() {
        Action::Send { id, .. } => id,
        other => panic!("core step bench: expected a request in flight at `{what}`, got {other:?}"),
    }
}

/// The response as a transport hands it to the driver: status, `Content-Type`, request id.
fn response(body: &[u8]) -> HttpResponse {
    HttpResponse {
        status: 200,
        content_type: Some(CONTENT_TYPE_JSON.to_owned()),
        request_id: Some("0f9c2d6e-bench-request-id".to_owned()),
        body: body.to_vec().into(),
    }
}

/// Feeds `body` to the request in flight (used to walk a journey to the next step).
fn answer<S: Script>(journey: &mut Journey<S>, body: &str, what: &str) {
    let id = in_flight(journey, what);
    must(
        journey.on_response(id, &response(body.as_bytes()), NOW),
        what,
    );
    if let Action::Failed(failure) = journey.next_action() {
        panic!("core step bench: `{what}` failed the journey: {failure:?}");
    }
}

/// What the host or the server gets next, as the JSON `Value` the baseline encodes, and a short
/// label for the table.
fn next_output(action: &Action) -> (Value, String) {
    match action {
        Action::Send { request, .. } => {
            let body = request.body.bytes();
            let value = match request.body.content_type() {
                Some(agentic_core::wire::CONTENT_TYPE_FORM) => Value::Object(
                    form_urlencoded::parse(body)
                        .into_owned()
                        .map(|(k, v)| (k, Value::String(v)))
                        .collect(),
                ),
                Some(_) => must(serde_json::from_slice(body), "request body"),
                None => Value::Null,
            };
            let kind = match request.body.content_type() {
                Some(agentic_core::wire::CONTENT_TYPE_FORM) => {
                    " (form; baseline: same fields as JSON)"
                }
                Some(_) => " (JSON)",
                None => " (no body)",
            };
            (value, format!("request `{}`{kind}", request.operation))
        }
        Action::Prompt(Prompt::PasskeyCeremony {
            message_to_post, ..
        }) => (
            must(
                serde_json::from_str(message_to_post.as_json()),
                "page message",
            ),
            format!(
                "prompt PasskeyCeremony (page message `{}`)",
                message_to_post.message_type()
            ),
        ),
        Action::Prompt(Prompt::ChooseStepUp { methods }) => (
            json!({ "methods": must(serde_json::to_value(methods), "methods") }),
            format!("prompt ChooseStepUp ({} methods)", methods.len()),
        ),
        Action::Prompt(Prompt::EnterOtp {
            attempts_left,
            resends_left,
            expires_at,
            last_attempt_failed,
            expired,
        }) => (
            json!({
                "attemptsLeft": attempts_left,
                "resendsLeft": resends_left,
                "expiresAt": expires_at,
                "lastAttemptFailed": last_attempt_failed,
                "expired": expired,
            }),
            "prompt EnterOtp".to_owned(),
        ),
        Action::Done(Outcome::Enrolled {
            v_provisioned_token_id,
            status,
        }) => (
            json!({
                "vProvisionedTokenId": v_provisioned_token_id,
                "status": status.as_ref().map(|s| s.as_str()),
            }),
            "done Enrolled".to_owned(),
        ),
        Action::Done(Outcome::Authorised { credentials }) => {
            // The credentials are secrets without a plain accessor here: the baseline encodes
            // the same seven fields with the sample's values.
            let _ = credentials;
            (
                json!({
                    "token": "12344", "expirationMonth": "03", "expirationYear": "2023",
                    "dynamicDataType": "DTVV", "cryptogram": "123",
                    "transactionReferenceId": "transac-ref-id", "status": "SUCCESS"
                }),
                "done Authorised (credentials)".to_owned(),
            )
        }
        Action::Done(Outcome::Paid {
            order_id,
            txn_id,
            status,
        }) => (
            json!({"orderId": order_id, "txnId": txn_id, "status": status.as_str()}),
            format!("done Paid `{}`", status.as_str()),
        ),
        other => panic!("core step bench: no baseline for {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// One case: a journey awaiting a response
// ---------------------------------------------------------------------------------------------

struct Case<S: Script> {
    journey_name: &'static str,
    step: &'static str,
    /// Where the sample comes from.
    sample: &'static str,
    journey: Journey<S>,
    body: Vec<u8>,
}

fn case<S: Script>(
    journey_name: &'static str,
    step: &'static str,
    sample: &'static str,
    journey: &Journey<S>,
    body: &str,
) -> Case<S> {
    Case {
        journey_name,
        step,
        sample,
        journey: journey.clone(),
        body: body.as_bytes().to_vec(),
    }
}

fn group_name(journey: &str, step: &str) -> String {
    format!("core-step-{journey}-{step}")
}

fn announce<S: Script>(case: &Case<S>) {
    let (_, next) = outcome_of(case);
    println!(
        "core-step-case\t{}\t{}\t{}\t{}\t{next}",
        group_name(case.journey_name, case.step),
        case.journey_name,
        case.step,
        case.sample
    );
}

/// Runs the step once, untimed: checks it is accepted and returns the baseline's output value.
fn outcome_of<S: Script>(case: &Case<S>) -> (Value, String) {
    let mut journey = case.journey.clone();
    let id = in_flight(&journey, case.step);
    must(
        journey.on_response(id, &response(&case.body), NOW),
        case.step,
    );
    let action = journey.next_action();
    if let Action::Failed(failure) = &action {
        panic!("core step bench: `{}` failed: {failure:?}", case.step);
    }
    next_output(&action)
}

fn measure<S: Script>(c: &mut Criterion, case: &Case<S>) {
    let (next_value, _) = outcome_of(case);
    let id = in_flight(&case.journey, case.step);
    let http = response(&case.body);
    let mut group = c.benchmark_group(group_name(case.journey_name, case.step));
    group.bench_function("sdk", |b| {
        b.iter_batched(
            || case.journey.clone(),
            |mut journey| {
                let accepted = journey.on_response(id, black_box(&http), NOW);
                let action = journey.next_action();
                (journey, accepted, action)
            },
            BatchSize::SmallInput,
        );
    });
    group.bench_function("serde_json", |b| {
        b.iter_batched(
            || (),
            |()| {
                // The decoded value is transient, as the SDK's is: dropped inside the timing.
                let decoded = serde_json::from_slice::<Value>(black_box(&http.body));
                drop(black_box(decoded));
                serde_json::to_vec(black_box(&next_value))
            },
            BatchSize::SmallInput,
        );
    });
    group.finish();
    // `cargo test --benches` and `--list` only check that the bench runs: no measuring.
    if std::env::args().any(|a| a == "--test" || a == "--list") {
        return;
    }
    let paired = paired(case, id, &http, &next_value);
    println!(
        "core-step-paired\t{}\t{:.1}\t{:.1}\t{:.4}\t{}",
        group_name(case.journey_name, case.step),
        paired.sdk_ns,
        paired.bare_ns,
        paired.ratio,
        paired.rounds
    );
}

/// Medians of the interleaved rounds.
struct Paired {
    sdk_ns: f64,
    bare_ns: f64,
    ratio: f64,
    rounds: usize,
}

/// An SDK batch lasts about this long (the bare batch of the same size, less): long enough for
/// the clock, short enough that both batches of a round see the same machine.
const BATCH: Duration = Duration::from_micros(200);

/// The `sdk` and `serde_json` functions of [`measure`], timed in interleaved batches.
fn paired<S: Script>(case: &Case<S>, id: RequestId, http: &HttpResponse, next: &Value) -> Paired {
    let rounds = std::env::var("AGENTIC_BENCH_PAIRED_ROUNDS")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|n| *n > 0)
        .unwrap_or(301);
    let sdk_batch = |n: usize| {
        // Setup and drops untimed, as in criterion's `iter_batched`.
        let journeys: Vec<Journey<S>> = (0..n).map(|_| case.journey.clone()).collect();
        let mut outputs = Vec::with_capacity(n);
        let started = Instant::now();
        for mut journey in journeys {
            let accepted = journey.on_response(id, black_box(http), NOW);
            let action = journey.next_action();
            outputs.push((journey, accepted, action));
        }
        let elapsed = started.elapsed();
        drop(black_box(outputs));
        elapsed
    };
    let bare_batch = |n: usize| {
        let mut outputs = Vec::with_capacity(n);
        let started = Instant::now();
        for _ in 0..n {
            let decoded = serde_json::from_slice::<Value>(black_box(&http.body));
            drop(black_box(decoded));
            outputs.push(serde_json::to_vec(black_box(next)));
        }
        let elapsed = started.elapsed();
        drop(black_box(outputs));
        elapsed
    };
    // Batch size from a short calibration: about BATCH of SDK work per batch.
    let calibration = sdk_batch(64).as_secs_f64() / 64.0;
    let n = ((BATCH.as_secs_f64() / calibration.max(1e-9)) as usize).clamp(8, 4096);
    let mut sdk = Vec::with_capacity(rounds);
    let mut bare = Vec::with_capacity(rounds);
    let mut ratios = Vec::with_capacity(rounds);
    for round in 0..rounds {
        let (s, b) = if round % 2 == 0 {
            let s = sdk_batch(n);
            (s, bare_batch(n))
        } else {
            let b = bare_batch(n);
            (sdk_batch(n), b)
        };
        let (s, b) = (
            s.as_secs_f64() * 1e9 / n as f64,
            b.as_secs_f64() * 1e9 / n as f64,
        );
        sdk.push(s);
        bare.push(b);
        ratios.push(s / b.max(f64::MIN_POSITIVE));
    }
    Paired {
        sdk_ns: median(&mut sdk),
        bare_ns: median(&mut bare),
        ratio: median(&mut ratios),
        rounds,
    }
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

// ---------------------------------------------------------------------------------------------
// Enrollment (Juspay VAT): seed 000, J-TOTP, J-VOTP, J-ENROLL samples
// ---------------------------------------------------------------------------------------------

fn browser_data(ip: &str) -> Value {
    json!({
        "browserJavaEnabled": false,
        "browserJavascriptEnabled": true,
        "browserLanguage": "en-GB",
        "browserColorDepth": "30",
        "browserScreenHeight": "1117",
        "browserScreenWidth": "1728",
        "browserTimeZone": "-330",
        "userAgent": USER_AGENT,
        "browserHeader": ACCEPT,
        "ipAddress": ip
    })
}

fn page_ready() -> Value {
    json!({"type": "AUTH_READY", "requestID": "req-7"})
}

fn page_session(popup_for_register: bool, popup_for_authenticate: bool, ip: &str) -> Value {
    json!({
        "type": "AUTH_SESSION_CREATED",
        "requestID": "req-7",
        "version": "1",
        "sessionContext": {"secureToken": SECURE_TOKEN},
        "browserData": browser_data(ip),
        "dfpSessionID": "dfp-1",
        "authenticationPreferencesSupported": {
            "requiresPopupForRegister": popup_for_register,
            "requiresPopupForAuthenticate": popup_for_authenticate
        }
    })
}

fn page_complete(identifier: &str) -> Value {
    json!({
        "type": "AUTH_COMPLETE",
        "requestID": "req-7",
        "assuranceData": {"fidoBlob": FIDO_BLOB, "identifier": identifier, "rpID": "visa.com"}
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

/// Seed 000, "Device Binding Flow" response, verbatim.
const DEVICE_BINDING: &str = r#"{
    "errorMessage": null,
    "status": "SUCCESS",
    "payload": {
        "actionToBePerformed": "REGISTER",
        "authPreferencesEnabled": {"responseType": "code", "responseMode": "com_visa_web_message"},
        "platformType": "WEB",
        "payload": "xxxxx.xxxx.-xxxxx",
        "identifier": "c3d04cbeffc063260f501b3dbc0b2b01",
        "endpoint": "xxxxxxx"
    },
    "errorCode": null
}"#;

/// J-TOTP sample response.
const TRIGGER_OK: &str = r#"{"errorMessage": null, "status": "SUCCESS", "errorCode": null,
    "response": {"maxOTPVerificationAllowed": 3, "maxOTPRequestsAllowed": 3, "codeExpiration": 5}}"#;
/// J-VOTP sample response.
const VALIDATE_OK: &str = r#"{"status": "SUCCESS", "responseCode": null, "responseMessage": null}"#;
/// The enroll success body (provisional shape, J-ENROLL example values).
const ENROLL_OK: &str = r#"{"errorMessage": null, "status": "SUCCESS", "errorCode": null,
    "payload": {"status": "ACTIVE", "requestId": "1_1768897769_649_141_k8l73-7d75755c8q_IAMRB"}}"#;
/// The card tokenizer's answer (J-TOKENIZE).
const TOKENIZE_OK: &str = r#"{"token": "ctkn_9f3k2LmQ8sX1", "fingerprint": "fp_8a1c"}"#;

fn enrollment_details() -> EnrollmentDetails {
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

fn enrollment_cases() -> Vec<Case<enrollment::Enrollment>> {
    const REF_BYTES: [u8; 16] = [
        0x9d, 0x40, 0x50, 0xc0, 0x11, 0xee, 0x46, 0x54, 0xad, 0xec, 0x05, 0x87, 0x32, 0x99, 0xa6,
        0x40,
    ];
    let params = must(
        EnrollmentParams::new(enrollment_details()),
        "enrollment params",
    );
    let token = must(CardToken::new("cardObj", "ctkn_9f3k2LmQ8sX1"), "card token");
    let card = must(
        CardTokenizeRequest::new("merchant_1", "4242424242424242", "12", "30", "737", None),
        "card",
    );
    let mut cases = Vec::new();

    // Card details first: the tokenizer answers, then the new-card provision goes out.
    let mut j = must(
        enrollment::start(
            params.clone(),
            ReferenceId::from_entropy(REF_BYTES),
            enrollment::EnrollmentSecrets::default().with_card_details(card),
        ),
        "enrollment start",
    );
    submit(&mut j, visa(&page_ready()), "AUTH_READY");
    submit(
        &mut j,
        visa(&page_session(true, false, "104.28.3.25")),
        "session",
    );
    cases.push(case(
        "enrollment",
        "1-tokenize",
        "J-TOKENIZE",
        &j,
        TOKENIZE_OK,
    ));

    let mut j = must(
        enrollment::start(
            params,
            ReferenceId::from_entropy(REF_BYTES),
            enrollment::EnrollmentSecrets::default().with_card_token(token),
        ),
        "enrollment start",
    );
    submit(&mut j, visa(&page_ready()), "AUTH_READY");
    submit(
        &mut j,
        visa(&page_session(true, false, "104.28.3.25")),
        "session",
    );
    cases.push(case(
        "enrollment",
        "2-provision-new-card",
        "seed 000 new card (challenged)",
        &j,
        NEW_CARD_CHALLENGED,
    ));
    answer(&mut j, NEW_CARD_CHALLENGED, "provision new card");
    submit(&mut j, choose("bvksaj="), "choose SMS");
    cases.push(case(
        "enrollment",
        "3-trigger-otp",
        "J-TOTP",
        &j,
        TRIGGER_OK,
    ));
    answer(&mut j, TRIGGER_OK, "trigger");
    submit(&mut j, otp(), "otp");
    cases.push(case(
        "enrollment",
        "4-validate-otp",
        "J-VOTP",
        &j,
        VALIDATE_OK,
    ));
    answer(&mut j, VALIDATE_OK, "validate");
    cases.push(case(
        "enrollment",
        "5-provision-binding",
        "seed 000 device binding",
        &j,
        DEVICE_BINDING,
    ));
    answer(&mut j, DEVICE_BINDING, "binding");
    submit(
        &mut j,
        visa(&page_complete("c3d04cbeffc063260f501b3dbc0b2b01")),
        "AUTH_COMPLETE",
    );
    cases.push(case("enrollment", "6-enroll", "J-ENROLL", &j, ENROLL_OK));
    cases
}

// ---------------------------------------------------------------------------------------------
// Purchase (Juspay VAT): J-PTP, setup and fetch samples
// ---------------------------------------------------------------------------------------------

const PURCHASE_FLOW: &str = r#"{
    "errorMessage": null,
    "status": "SUCCESS",
    "payload": {
        "actionToBePerformed": "AUTHENTICATE",
        "authPreferencesEnabled": {"responseType": "code", "responseMode": "com_visa_web_message"},
        "platformType": "WEB",
        "payload": "xxxx.xxxxx.xxxx-xxxx",
        "identifier": "xxxxxx",
        "endpoint": "xxxxxxxxxxxx=="
    },
    "errorCode": null
}"#;
const SETUP_OK: &str = r#"{"errorMessage": null, "status": "SUCCESS", "errorCode": null,
  "payload": {"instructionId": "instr_7f3a", "status": "ACTIVE", "clientReferenceId": "59be839efa384557b5f0a2d13705df17"}}"#;
const FETCH_OK: &str = r#"{"errorMessage": null, "status": "SUCCESS", "errorCode": null,
  "payload": {"token": "12344", "expirationDate": {"month": "03", "year": "2023"},
    "dynamicData": [{"dynamicDataType": "DTVV", "dynamicDataValue": "123"}],
    "transactionReferenceId": "transac-ref-id", "status": "SUCCESS"}}"#;

fn purchase_cases() -> Vec<Case<purchase::Purchase>> {
    let params = must(
        PurchaseParams::new(
            "user_1234567",
            "f66fec32e629a987f83b1ac078f06a02",
            "92.65",
            "SGD",
            must(
                must(InstructionLimit::new(1_768_897_769_000), "expiry").with_limit("100"),
                "limit",
            ),
            must(PurchaseTransaction::new("merch-ord-123"), "order"),
            VisaPageOrigin::sandbox(),
        ),
        "purchase params",
    );
    let reference = must(
        ReferenceId::new("clientReferenceId", "59be839efa384557b5f0a2d13705df17"),
        "reference",
    );
    let mut j = must(purchase::start(params, reference), "purchase start");
    submit(&mut j, visa(&page_ready()), "AUTH_READY");
    submit(
        &mut j,
        visa(&page_session(false, false, "104.28.3.64")),
        "session",
    );
    let mut cases = vec![case(
        "purchase",
        "1-provision",
        "J-PTP purchase flow",
        &j,
        PURCHASE_FLOW,
    )];
    answer(&mut j, PURCHASE_FLOW, "provision");
    submit(
        &mut j,
        visa(&page_complete("c3d04cbeffc063260f501b3dbc0b2b01")),
        "AUTH_COMPLETE",
    );
    cases.push(case(
        "purchase",
        "2-setup-instruction",
        "J-SETUP",
        &j,
        SETUP_OK,
    ));
    answer(&mut j, SETUP_OK, "setup");
    cases.push(case(
        "purchase",
        "3-fetch-credentials",
        "J-FETCH",
        &j,
        FETCH_OK,
    ));
    cases
}

// ---------------------------------------------------------------------------------------------
// Direct OTP (Juspay EC, form-encoded requests): API.md §5, seed 003
// ---------------------------------------------------------------------------------------------

const ORDER: &str = "ord1551359984";
const CARDBIN: &str = r#"{"id":"424242","object":"cardbin","brand":"VISA","bank":"AXIS BANK","country":"India","type":"CREDIT","direct_otp_support":true}"#;
const NEW_ORDER: &str = r#"{"status": "NEW", "id": "ordeh_5e2b", "order_id": "ord1551359984"}"#;
const NATIVE_OTP: &str = r#"{"order_id": "ord1551359984", "txn_id": "ord1551359984-1", "status": "PENDING_VBV",
    "payment": {"authentication": {"method": "POST", "url": "https://api.juspay.in/v2/txns/:id/authenticate",
    "params": {"id": "eul5g88xxxxxswrHYMh", "challenge_id": "ch_xyz", "auth_type": "OTP", "card_isin": "424242",
    "card_issuer_bank_name": "AXIS BANK LTD", "submit_otp_allowed": true, "resend_otp_allowed": true,
    "fallback_url": "https://api.juspay.in/v2/pay/start/guest/eul5g88xxxxxswrHYMh?fallback=true"}}}}"#;
const RESEND: &str = r#"{"order_id":"ord1551359984","txn_id":"ord1551359984-1","status":"PENDING_VBV",
    "payment":{"authentication":{"method":"POST","url":"https://api.juspay.in/v2/txns/:id/authenticate",
    "params":{"id":"eul5g88xxxxxswrHYMh","challenge_id":"ch_xyz","auth_method":"OTP","card_isin":"424242",
    "card_issuer_bank_name":"AXIS BANK LTD","times_otp_sent":2,"max_otp_send_limit":4,"current_attempt":1,"max_attempts":4}}}}"#;
const CHARGED: &str = r#"{"id": "txn_035b", "order_id": "ord1551359984", "txn_id": "ord1551359984-1", "status": "CHARGED", "gateway": "RAZORPAY", "resp_code": "00"}"#;
const REDIRECT: &str = r#"{"txn_uuid": "eul5g88vzCXbswrHYMh", "txn_id": "paypal-1551359984-1", "status": "PENDING_VBV",
    "payment": {"authentication": {"url": "https://api.juspay.in/v2/pay/start/guest/eul5xxxxxCXbswrHYMh", "method": "GET"}},
    "order_id": "1551359984"}"#;
const ORDER_STATUS: &str =
    r#"{"order_id": "ord1551359984", "txn_id": "ord1551359984-1", "status": "CHARGED"}"#;

fn direct_otp_cases() -> Vec<Case<direct_otp::DirectOtp>> {
    let card = || CardSecrets::New {
        number: must(CardNumber::new("card_number", "4242424242424242"), "pan"),
        exp_month: must(ExpiryMonth::new("card_exp_month", "01"), "month"),
        exp_year: must(ExpiryYear::new("card_exp_year", "29"), "year"),
        security_code: must(CardSecurityCode::new("card_security_code", "737"), "cvv"),
    };
    let secrets = || DirectOtpSecrets {
        card: Some(card()),
        otp: None,
    };
    let order = must(direct_otp::NewOrder::new("92.65"), "order");
    let params = must(
        must(
            DirectOtpParams::new("merchant_7", ORDER, Some(order)),
            "params",
        )
        .check_bin("424242"),
        "bin",
    );
    let mut j = must(direct_otp::start(params, secrets()), "direct otp start");
    let mut cases = vec![case("direct-otp", "1-card-bin", "J-CARDBIN", &j, CARDBIN)];
    answer(&mut j, CARDBIN, "card bin");
    cases.push(case(
        "direct-otp",
        "2-create-order",
        "J-ORDER",
        &j,
        NEW_ORDER,
    ));
    answer(&mut j, NEW_ORDER, "order");
    cases.push(case(
        "direct-otp",
        "3-start-txn",
        "seed 003 native OTP",
        &j,
        NATIVE_OTP,
    ));
    answer(&mut j, NATIVE_OTP, "txn");
    let at_otp = j.clone();
    submit(&mut j, Input::ResendOtp, "resend");
    cases.push(case("direct-otp", "4-resend-otp", "J-ROTP", &j, RESEND));
    let mut j = at_otp;
    submit(&mut j, otp(), "otp");
    cases.push(case(
        "direct-otp",
        "5-submit-otp",
        "J-POTP (CHARGED)",
        &j,
        CHARGED,
    ));

    let params = must(DirectOtpParams::new("merchant_7", ORDER, None), "params");
    let mut j = must(direct_otp::start(params, secrets()), "direct otp start");
    answer(&mut j, REDIRECT, "redirect txn");
    submit(&mut j, Input::RedirectCompleted, "redirect completed");
    cases.push(case(
        "direct-otp",
        "6-order-status",
        "J-STATUS (CHARGED)",
        &j,
        ORDER_STATUS,
    ));
    cases
}

// ---------------------------------------------------------------------------------------------
// Visa Acceptance passkey: C-AO, C-OTP (seed 002), C-VAL, C-REG
// ---------------------------------------------------------------------------------------------

const VA_OPTIONS_STEP_UP: &str = r#"{"action": "STEP_UP_AUTHENTICATE", "stepUpOptions": [
    {"id": "YWEwMjFhZmFkZDU4ZWI0NDJjYTM0MzY4OTY1YjdhMDE=", "method": "OTP_SMS", "value": "+1 ***-***-0100"},
    {"id": "email-2", "method": "OTP_EMAIL", "value": "j***@example.com"},
    {"id": "app-3", "method": "APP_TO_APP", "value": "Mobile Banking Application", "source": "ISSUER"},
    {"id": "3ds-4", "method": "APP_TO_APP", "platformType": "WEB", "subMethod": "3DS", "source": "https://issuer.example/3ds/start"},
    {"id": "cs-5", "method": "CUSTOMER_SERVICE", "value": "1-800-555-1212"},
    {"id": "call-6", "method": "OUTBOUND_CALL", "value": "+1 ***-***-0100"}]}"#;
const VA_OTP: &str =
    r#"{"maxRequestsAllowed": 0, "maxVerificationAllowed": 0, "codeExpiration": 0}"#;
const VA_VALIDATED: &str = r#"{"action": "AUTHENTICATION_REGISTRATION"}"#;
const VA_REGISTERED: &str = r#"{"authenticationContext": {"id": "reg-ctx-1",
    "endpoint": "L29hdXRoMi9hdXRob3JpemF0aW9uL3JlcXVlc3QvaHViL3BheW1lbnQtY3JlZGVudGlhbC1iaW5kaW5n",
    "payload": "eyJhbGciOiJSUzI1NiJ9.eyJzYW1wbGUiOiJwYXlsb2FkIn0.c2lnbmF0dXJl"}}"#;

fn visa_acceptance_cases() -> Vec<Case<visa_acceptance::VisaAcceptancePasskey>> {
    let params = must(
        VisaAcceptancePasskeyParams::new(
            "7010000000016241111",
            must(AmountDetails::new("1765.95", "978"), "amount"),
            must(
                MerchantDescriptor::new("Merchant VZaF5XBj", "https://www.Merchant-VZaF5XBj.com"),
                "merchant",
            ),
            "en-US",
            "jane.doe@example.com",
            Some("+1 415 555 0100"),
            VisaPageOrigin::sandbox(),
        ),
        "visa acceptance params",
    );
    let reference =
        ReferenceId::from_entropy([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
    let mut j = visa_acceptance::start(params, reference);
    submit(&mut j, visa(&page_ready()), "AUTH_READY");
    submit(
        &mut j,
        visa(&page_session(false, true, "203.0.113.7")),
        "session",
    );
    let mut cases = vec![case(
        "visa-acceptance",
        "1-authentication-options",
        "C-AO (step-up)",
        &j,
        VA_OPTIONS_STEP_UP,
    )];
    answer(&mut j, VA_OPTIONS_STEP_UP, "options");
    submit(
        &mut j,
        choose("YWEwMjFhZmFkZDU4ZWI0NDJjYTM0MzY4OTY1YjdhMDE="),
        "choose SMS",
    );
    cases.push(case(
        "visa-acceptance",
        "2-create-otp",
        "C-OTP (seed 002)",
        &j,
        VA_OTP,
    ));
    answer(&mut j, VA_OTP, "create otp");
    submit(&mut j, otp(), "otp");
    cases.push(case(
        "visa-acceptance",
        "3-validate-otp",
        "C-VAL",
        &j,
        VA_VALIDATED,
    ));
    answer(&mut j, VA_VALIDATED, "validate");
    cases.push(case(
        "visa-acceptance",
        "4-authentication-registration",
        "C-REG",
        &j,
        VA_REGISTERED,
    ));
    cases
}

// ---------------------------------------------------------------------------------------------

fn steps(c: &mut Criterion) {
    let enrollment = enrollment_cases();
    let purchase = purchase_cases();
    let direct_otp = direct_otp_cases();
    let visa_acceptance = visa_acceptance_cases();
    enrollment.iter().for_each(announce);
    purchase.iter().for_each(announce);
    direct_otp.iter().for_each(announce);
    visa_acceptance.iter().for_each(announce);
    for case in &enrollment {
        measure(c, case);
    }
    for case in &purchase {
        measure(c, case);
    }
    for case in &direct_otp {
        measure(c, case);
    }
    for case in &visa_acceptance {
        measure(c, case);
    }
}

criterion_group!(benches, steps);
criterion_main!(benches);
