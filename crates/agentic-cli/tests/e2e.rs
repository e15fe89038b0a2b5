//! End to end: every journey and every branch through the real driver and `UreqTransport`
//! (real HTTP on loopback) against the in-process sandbox (issue 5, "tests that must exist").
//!
//! - **Branches**: one test per branch, a fresh `Sandbox::start()` each, the outcome, the
//!   prompts and the sandbox's side-effect counters asserted exactly.
//! - **Fault matrix**: each journey × each operation it calls × each fault kind, injected on the
//!   first call of that operation (after any set-up), on a fresh sandbox, with a 400 ms read
//!   timeout and `UnknownOutcomePolicy::ReconcileElseCancel`. Each case must end in `Done`, a
//!   typed `Stop::Failed`, a typed autopilot error or the outcome-unknown prompt — never a
//!   panic (each case runs under `catch_unwind`) — and the one [`expected_end`] names. The
//!   counters must show no duplicate token, OTP (beyond those the host asked for), charge,
//!   passkey or enrollment; the sandbox must have seen exactly the requests the SDK sent (no
//!   resend hidden below the driver); no non-idempotent request may go twice without the host's
//!   input in between; and a non-idempotent call that may have reached the server must lead to
//!   the outcome-unknown prompt naming it. Waits (back-off, status polls) run on a clock that
//!   skips ahead ([`FastClock`]); the HTTP is real.
//! - **64 journeys at once** on one sandbox and one shared client, counters exact.
//!
//! The journeys are built here rather than with `agentic_cli::demo::journeys`: the cases vary
//! cards, amounts, customers and tokens per run, and the fault matrix needs a 400 ms read
//! timeout.

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Barrier, Mutex};
use std::time::{Duration, Instant};

use agentic_cli::autopilot::{
    Autopilot, AutopilotError, CeremonyPolicy, MAX_PROMPTS, Policy, StepUpPreference,
    UnknownOutcomePolicy,
};
use agentic_cli::describe::prompt_name;
use agentic_cli::recorder::{Recorder, RequestRecord};
use agentic_core::journey::direct_otp::{
    self, CardSecrets, DirectOtp, DirectOtpParams, DirectOtpSecrets, NewOrder,
};
use agentic_core::journey::enrollment::{
    self, Enrollment, EnrollmentDetails, EnrollmentParams, EnrollmentSecrets,
};
use agentic_core::journey::purchase::{
    self, InstructionLimit, Purchase, PurchaseParams, PurchaseTransaction,
};
use agentic_core::journey::visa_acceptance::{
    self as va, VisaAcceptancePasskey, VisaAcceptancePasskeyParams,
};
use agentic_core::journey::{
    Input, Journey, JourneyFailure, Outcome, PageFailure, Prompt, ReferenceId, Script,
};
use agentic_core::juspay_ec::TxnStatus;
use agentic_core::juspay_vat::{CardTokenizeRequest, IdentityType, VicStatus};
use agentic_core::secret::{CardNumber, CardSecurityCode, ExpiryMonth, ExpiryYear, SigningSecret};
use agentic_core::step_up::StepUpMethod;
use agentic_core::visa_acceptance::{AmountDetails, MerchantDescriptor};
use agentic_core::visa_page::{PasskeyAction, PlatformType, VisaPageOrigin};
use agentic_http::config::{
    JuspayAuth, JuspayConfig, JuspayEnvironment, VisaAcceptanceConfig, VisaAcceptanceEnvironment,
};
use agentic_http::ureq_transport::{UreqTransport, UreqTransportConfig};
use agentic_http::{Client, ClientConfig, Clock, Stop, SystemClock, Timeouts};
use agentic_sandbox::{CounterSnapshot, Fault, FaultRule, Sandbox, magic};

// =============================================================================================
// Setup
// =============================================================================================

/// The `x-routing-id` every client sends on EC calls (one per client; the sandbox binds it to
/// each order on first use).
const ROUTING_ID: &str = "e2e_customer";
/// The wrong OTP the tests enter.
const WRONG_OTP: &str = "111111";

/// Timeouts of the branch tests and the concurrency test (generous: a loaded 2-core box).
const RELAXED: Timeouts = Timeouts {
    connect: Duration::from_secs(5),
    read: Duration::from_secs(15),
    overall: Duration::from_secs(20),
};

/// Timeouts of the fault matrix: a fault that never answers costs 400 ms.
const SHORT: Timeouts = Timeouts {
    connect: Duration::from_secs(2),
    read: Duration::from_millis(400),
    overall: Duration::from_secs(3),
};

fn start_sandbox() -> Sandbox {
    Sandbox::start().expect("the sandbox starts")
}

fn client_config(sandbox: &Sandbox, timeouts: Timeouts) -> ClientConfig {
    let base = sandbox.base_url();
    let credentials = sandbox.config();
    let juspay = JuspayConfig::new(
        JuspayEnvironment::Custom(base.clone()),
        credentials.merchant_id.clone(),
        JuspayAuth::api_key(credentials.api_key.clone()).expect("api key"),
    )
    .with_routing_id(ROUTING_ID);
    let visa = VisaAcceptanceConfig::new(
        VisaAcceptanceEnvironment::Custom(base),
        credentials.visa_merchant_id.clone(),
        credentials.visa_key_id.clone(),
        SigningSecret::new("shared_secret", credentials.visa_shared_secret.clone())
            .expect("shared secret"),
    );
    ClientConfig::new(Some(juspay), Some(visa), timeouts).expect("client config")
}

/// A client on `UreqTransport`, wrapped in the CLI's recording transport so a test can see
/// every request the SDK sent.
fn recorded_client(sandbox: &Sandbox, timeouts: Timeouts) -> (Client, Recorder) {
    let transport = UreqTransport::new(UreqTransportConfig {
        root_ca_pem: None,
        timeouts,
    })
    .expect("ureq transport");
    let recorder = Recorder::new(Arc::new(transport));
    let client =
        Client::new(client_config(sandbox, timeouts), Arc::new(recorder.clone())).expect("client");
    (client, recorder)
}

/// A wall clock whose waits (back-off, status polls) take a millisecond: the time they should
/// have taken is added to `now` instead. Only the fault matrix uses it, to stay fast; the HTTP
/// calls are real.
#[derive(Debug, Default)]
struct FastClock {
    skipped: AtomicU64,
}

impl Clock for FastClock {
    fn now(&self) -> u64 {
        SystemClock.now() + self.skipped.load(Ordering::SeqCst)
    }

    fn sleep_until(&self, until: u64) {
        let now = self.now();
        if until > now {
            self.skipped.fetch_add(until - now, Ordering::SeqCst);
            std::thread::sleep(Duration::from_millis(1));
        }
    }
}

fn pilot(sandbox: &Sandbox, policy: Policy) -> Autopilot {
    Autopilot::new(&sandbox.base_url())
        .expect("autopilot")
        .with_policy(policy)
}

fn reference_id() -> ReferenceId {
    agentic_cli::new_reference_id().expect("randomness")
}

/// December, four years from now (`("12", "YY")`), as the demo does.
fn card_expiry() -> (String, String) {
    const MS_PER_YEAR: u64 = 31_556_952_000;
    let year = 1970 + SystemClock.now() / MS_PER_YEAR;
    ("12".to_owned(), format!("{:02}", (year + 4) % 100))
}

// =============================================================================================
// Journeys
// =============================================================================================

fn enrollment_journey(
    sandbox: &Sandbox,
    origin: &VisaPageOrigin,
    card: &str,
    customer: &str,
) -> Journey<Enrollment> {
    let details = EnrollmentDetails {
        customer_id: customer.to_owned(),
        identity_type: IdentityType::EmailAddress,
        country_code: "US".to_owned(),
        user_agent: "agentic-e2e/1".to_owned(),
        ip_address: "127.0.0.1".to_owned(),
        device_model: "E2E".to_owned(),
        device_brand: "agentic".to_owned(),
        device_manufacturer: "agentic".to_owned(),
        app_name: "agentic e2e".to_owned(),
        amount: "92.65".to_owned(),
        currency: "SGD".to_owned(),
        platform_type: PlatformType::Web,
        page_origin: origin.clone(),
    };
    let (month, year) = card_expiry();
    let card = CardTokenizeRequest::new(
        &sandbox.config().merchant_id,
        card,
        month,
        year,
        "123",
        Some("E2E Cardholder"),
    )
    .expect("card");
    enrollment::start(
        EnrollmentParams::new(details).expect("enrollment params"),
        reference_id(),
        EnrollmentSecrets::default().with_card_details(card),
    )
    .expect("enrollment starts")
}

fn purchase_journey(origin: &VisaPageOrigin, customer: &str, token: &str) -> Journey<Purchase> {
    let expires_at = SystemClock.now() + 24 * 60 * 60 * 1000;
    let order = format!(
        "e2e-{}",
        agentic_cli::random_hex::<6>().expect("randomness")
    );
    let params = PurchaseParams::new(
        customer,
        token,
        "92.65",
        "SGD",
        InstructionLimit::new(expires_at)
            .and_then(|l| l.with_limit("500.00"))
            .expect("instruction"),
        PurchaseTransaction::new(&order).expect("transaction"),
        origin.clone(),
    )
    .expect("purchase params");
    purchase::start(params, reference_id()).expect("purchase starts")
}

/// What a Direct OTP journey pays.
#[derive(Debug, Clone, Copy)]
struct Payment<'a> {
    card: &'a str,
    amount: &'a str,
    check_bin: bool,
    auto_capture: Option<bool>,
}

impl<'a> Payment<'a> {
    fn native(amount: &'a str) -> Self {
        Self {
            card: magic::CARD_NATIVE_OTP,
            amount,
            check_bin: true,
            auto_capture: None,
        }
    }

    fn fallback() -> Self {
        Self {
            card: magic::CARD_3DS_FALLBACK,
            amount: "100.00",
            check_bin: false,
            auto_capture: None,
        }
    }
}

fn direct_otp_journey(sandbox: &Sandbox, payment: Payment<'_>) -> Journey<DirectOtp> {
    let order_id = agentic_cli::new_order_id().expect("randomness");
    let order = NewOrder::new(payment.amount)
        .and_then(|o| o.with(Some("INR"), Some(ROUTING_ID), None, None, None))
        .expect("order");
    let mut params = DirectOtpParams::new(&sandbox.config().merchant_id, &order_id, Some(order))
        .expect("direct otp params")
        .with_options(None, false, payment.auto_capture);
    if payment.check_bin {
        params = params.check_bin(&payment.card[..6]).expect("bin");
    }
    let (month, year) = card_expiry();
    let card = CardSecrets::New {
        number: CardNumber::new("card_number", payment.card).expect("card number"),
        exp_month: ExpiryMonth::new("card_exp_month", month).expect("month"),
        exp_year: ExpiryYear::new("card_exp_year", year).expect("year"),
        security_code: CardSecurityCode::new("card_security_code", "123").expect("cvv"),
    };
    direct_otp::start(
        params,
        DirectOtpSecrets {
            card: Some(card),
            otp: None,
        },
    )
    .expect("direct otp starts")
}

fn va_journey(origin: &VisaPageOrigin, token: &str) -> Journey<VisaAcceptancePasskey> {
    let params = VisaAcceptancePasskeyParams::new(
        token,
        AmountDetails::new("25.00", "USD").expect("amount"),
        MerchantDescriptor::new("Agentic E2E Store", "https://e2e.agentic.invalid")
            .expect("merchant"),
        "en-US",
        "cardholder@example.com",
        None,
        origin.clone(),
    )
    .expect("visa acceptance params");
    va::start(params, reference_id())
}

// =============================================================================================
// Driving
// =============================================================================================

/// Answers a prompt instead of the autopilot (`None`: let the autopilot answer).
type Hook<'a, S> = &'a mut dyn FnMut(&Journey<S>, &Prompt) -> Option<Input>;

/// Operations that send an OTP when they succeed.
const OTP_OPERATIONS: &[&str] = &[
    "juspay_vat.trigger_otp",
    "juspay_ec.start_authentication",
    "juspay_ec.resend_otp",
    "visa_acceptance.create_otp",
];

/// The only idempotent operations (GETs): the engine may resend them on its own.
const IDEMPOTENT_OPERATIONS: &[&str] =
    &["juspay_ec.card_bin_eligibility", "juspay_ec.order_status"];

/// A journey run to its end, with everything the checks need.
#[derive(Debug)]
struct Trace {
    /// How it ended: `Stop::Done` / `Stop::Failed`, or why the autopilot stopped.
    end: Result<Stop, AutopilotError>,
    /// Every prompt, in order.
    prompts: Vec<Prompt>,
    /// The name of every input submitted, in order.
    inputs: Vec<&'static str>,
    /// The requests the SDK sent, one list per `client.run` (between two prompts).
    segments: Vec<Vec<RequestRecord>>,
    /// OTP sends the host asked for: an OTP method chosen, a resend, a resend after an unknown
    /// outcome of an OTP operation. (A Direct OTP `/txns` is the journey's own first send.)
    otp_sends_asked: u64,
}

impl Trace {
    fn prompt_names(&self) -> Vec<&'static str> {
        self.prompts.iter().map(prompt_name).collect()
    }

    fn requests(&self) -> impl Iterator<Item = &RequestRecord> {
        self.segments.iter().flatten()
    }

    fn operations(&self) -> Vec<&'static str> {
        let mut seen = Vec::new();
        for record in self.requests() {
            if !seen.contains(&record.operation) {
                seen.push(record.operation);
            }
        }
        seen
    }

    fn sends_of(&self, operation: &str) -> usize {
        self.requests().filter(|r| r.operation == operation).count()
    }

    fn unknown_outcome_ops(&self) -> Vec<&str> {
        self.prompts
            .iter()
            .filter_map(|p| match p {
                Prompt::ConfirmUnknownOutcome { operation, .. } => Some(operation.as_str()),
                _ => None,
            })
            .collect()
    }

    fn done(&self) -> &Outcome {
        match &self.end {
            Ok(Stop::Done(outcome)) => outcome,
            other => panic!(
                "expected Done, got {other:?} after {:?}",
                self.prompt_names()
            ),
        }
    }

    fn failed(&self) -> &JourneyFailure {
        match &self.end {
            Ok(Stop::Failed(failure)) => failure,
            other => panic!(
                "expected Stop::Failed, got {other:?} after {:?}",
                self.prompt_names()
            ),
        }
    }
}

/// Runs `journey` to its end like `Autopilot::run`, letting `hook` answer some prompts, and
/// records everything. `clock` gives the `now` of each input (the client's clock).
///
/// With `settle_unknown_after: Some(n)`, the run stops at the (n + 1)-th
/// [`Prompt::ConfirmUnknownOutcome`] and ends with that prompt (`Ok(Stop::Prompt(…))`): the
/// outcome is still unknown after the host reconciled `n` times, which the issue counts as an
/// end ("ends in success, a typed error or the outcome-unknown prompt").
fn drive<S: Script>(
    client: &Client,
    recorder: &Recorder,
    clock: &dyn Clock,
    autopilot: &mut Autopilot,
    journey: &mut Journey<S>,
    hook: Hook<'_, S>,
    settle_unknown_after: Option<usize>,
) -> Trace {
    let mut trace = Trace {
        end: Err(AutopilotError::TooManyPrompts(MAX_PROMPTS)),
        prompts: Vec::new(),
        inputs: Vec::new(),
        segments: Vec::new(),
        otp_sends_asked: 0,
    };
    for _ in 0..MAX_PROMPTS {
        let stop = client.run(journey);
        trace.segments.push(recorder.take());
        let prompt = match stop {
            Ok(Stop::Prompt(prompt)) => prompt,
            Ok(end) => {
                trace.end = Ok(end);
                return trace;
            }
            Err(error) => {
                trace.end = Err(error.into());
                return trace;
            }
        };
        if let (Prompt::ConfirmUnknownOutcome { .. }, Some(limit)) = (&prompt, settle_unknown_after)
        {
            if trace.unknown_outcome_ops().len() >= limit {
                trace.end = Ok(Stop::Prompt(prompt));
                return trace;
            }
        }
        let input = match hook(journey, &prompt) {
            Some(input) => input,
            None => match autopilot.answer(S::NAME, &prompt) {
                Ok(answer) => answer.input,
                Err(error) => {
                    trace.prompts.push(prompt);
                    trace.end = Err(error);
                    return trace;
                }
            },
        };
        let asks_otp = match (&prompt, &input) {
            (Prompt::ChooseStepUp { methods }, Input::ChooseStepUp { identifier }) => methods
                .iter()
                .any(|m| &m.identifier == identifier && m.method.sends_otp()),
            (_, Input::ResendOtp) => true,
            (Prompt::ConfirmUnknownOutcome { operation, .. }, Input::ResendAfterUnknownOutcome) => {
                OTP_OPERATIONS.contains(&operation.as_str())
            }
            _ => false,
        };
        if asks_otp {
            trace.otp_sends_asked += 1;
        }
        trace.inputs.push(input.name());
        trace.prompts.push(prompt);
        if let Err(error) = journey.submit(input, clock.now()) {
            trace.end = Err(error.into());
            return trace;
        }
    }
    trace
}

/// A test's sandbox, recorded client and autopilot.
struct Env {
    sandbox: Sandbox,
    client: Client,
    recorder: Recorder,
}

impl Env {
    fn new() -> Self {
        let sandbox = start_sandbox();
        let (client, recorder) = recorded_client(&sandbox, RELAXED);
        Self {
            sandbox,
            client,
            recorder,
        }
    }

    fn pilot(&self, policy: Policy) -> Autopilot {
        pilot(&self.sandbox, policy)
    }

    fn drive<S: Script>(
        &self,
        policy: Policy,
        journey: &mut Journey<S>,
        hook: Hook<'_, S>,
    ) -> Trace {
        let mut autopilot = self.pilot(policy);
        drive(
            &self.client,
            &self.recorder,
            &SystemClock,
            &mut autopilot,
            journey,
            hook,
            None,
        )
    }

    fn counters(&self) -> CounterSnapshot {
        self.sandbox.counters()
    }
}

fn no_hook<S: Script>() -> impl FnMut(&Journey<S>, &Prompt) -> Option<Input> {
    |_, _| None
}

/// The side effects a test expects, all of them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Effects {
    tokens: u64,
    otps: u64,
    charges: u64,
    passkeys: u64,
    enrollments: u64,
}

fn effects(c: &CounterSnapshot) -> Effects {
    Effects {
        tokens: c.tokens_provisioned,
        otps: c.otps_sent,
        charges: c.charges,
        passkeys: c.passkeys_registered,
        enrollments: c.enrollments,
    }
}

fn minus(after: Effects, before: Effects) -> Effects {
    Effects {
        tokens: after.tokens - before.tokens,
        otps: after.otps - before.otps,
        charges: after.charges - before.charges,
        passkeys: after.passkeys - before.passkeys,
        enrollments: after.enrollments - before.enrollments,
    }
}

#[track_caller]
fn assert_effects(sandbox: &Sandbox, expected: Effects) {
    assert_eq!(
        effects(&sandbox.counters()),
        expected,
        "side-effect counters"
    );
}

const PVS: &str = "ProvideVisaSession";
const CHOOSE: &str = "ChooseStepUp";
const OTP: &str = "EnterOtp";
const COMPLETE: &str = "CompleteStepUp";
const CEREMONY: &str = "PasskeyCeremony";
const REDIRECT: &str = "Redirect";

fn otp_policy(otps: &[&str]) -> Policy {
    Policy {
        otps: otps.iter().map(|s| (*s).to_owned()).collect(),
        ..Policy::default()
    }
}

fn method_policy(method: StepUpMethod) -> Policy {
    Policy {
        step_up: StepUpPreference::Method(method),
        ..Policy::default()
    }
}

fn ceremony_policy(ceremony: CeremonyPolicy) -> Policy {
    Policy {
        ceremony,
        ..Policy::default()
    }
}

/// The `EnterOtp` prompts' (attempts_left, resends_left, last_attempt_failed).
fn otp_prompts(trace: &Trace) -> Vec<(u32, u32, bool)> {
    trace
        .prompts
        .iter()
        .filter_map(|p| match p {
            Prompt::EnterOtp {
                attempts_left,
                resends_left,
                last_attempt_failed,
                ..
            } => Some((*attempts_left, *resends_left, *last_attempt_failed)),
            _ => None,
        })
        .collect()
}

fn step_up_methods(prompt: &Prompt) -> Vec<StepUpMethod> {
    match prompt {
        Prompt::ChooseStepUp { methods } => methods.iter().map(|m| m.method.clone()).collect(),
        other => panic!("not ChooseStepUp: {other:?}"),
    }
}

/// The page's `AUTH_FAILED` answer to an `AUTHENTICATE` message whose payload was tampered
/// with, straight from the sandbox's headless page (reason `INVALID_PAYLOAD`).
fn tampered_ceremony_answer(sandbox: &Sandbox, origin: &VisaPageOrigin, prompt: &Prompt) -> Input {
    let Prompt::PasskeyCeremony {
        message_to_post, ..
    } = prompt
    else {
        panic!("not a ceremony: {prompt:?}");
    };
    let mut message: serde_json::Value =
        serde_json::from_str(message_to_post.as_json()).expect("AUTHENTICATE is JSON");
    message["authenticationContext"]["payload"] = serde_json::json!("tampered.payload.jwt");
    let failed = sandbox
        .complete_ceremony_message(&message)
        .expect_err("a tampered payload fails the ceremony");
    assert_eq!(failed["type"], "AUTH_FAILED", "{failed}");
    assert_eq!(failed["reason"], "INVALID_PAYLOAD", "{failed}");
    Input::VisaMessage {
        json: failed.to_string(),
        origin: origin.as_str().to_owned(),
    }
}

/// Every request the SDK sent reached the sandbox exactly once: the sandbox counts the same
/// calls per operation as the recorder saw sends (no resend hidden below the driver).
#[track_caller]
fn assert_sandbox_saw_exactly(env: &Env, trace: &Trace) {
    for (_, _, operation) in all_operations() {
        if *operation == BANK_PAGE {
            continue;
        }
        assert_eq!(
            u64::from(env.sandbox.calls(operation)),
            trace.sends_of(operation) as u64,
            "calls of {operation}"
        );
    }
}

fn all_operations() -> impl Iterator<Item = &'static (&'static str, &'static str, &'static str)> {
    agentic_sandbox::juspay_vat::OPERATIONS
        .iter()
        .chain(agentic_sandbox::juspay_ec::OPERATIONS)
        .chain(agentic_sandbox::visa_acceptance::OPERATIONS)
}

/// The bank page a cardholder's browser visits (the autopilot, not the SDK).
const BANK_PAGE: &str = "juspay_ec.bank_page";

// =============================================================================================
// Enrollment (Juspay VAT)
// =============================================================================================

fn enrolled_token(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Enrolled {
            v_provisioned_token_id,
            status,
        } => {
            assert!(!v_provisioned_token_id.is_empty());
            assert_eq!(status, &Some(VicStatus::Active), "enrollment status");
            v_provisioned_token_id.clone()
        }
        other => panic!("expected Enrolled, got {other:?}"),
    }
}

#[test]
fn enrollment_challenged_with_otp() {
    let env = Env::new();
    let pilot = env.pilot(Policy::default());
    let mut journey = enrollment_journey(
        &env.sandbox,
        pilot.page_origin(),
        magic::CARD_CHALLENGED,
        "cust_challenged",
    );
    let trace = env.drive(Policy::default(), &mut journey, &mut no_hook());
    enrolled_token(trace.done());
    assert_eq!(trace.prompt_names(), [PVS, PVS, CHOOSE, OTP, CEREMONY]);
    assert_eq!(
        step_up_methods(&trace.prompts[2]),
        [
            StepUpMethod::OtpSms,
            StepUpMethod::OtpEmail,
            StepUpMethod::CustomerService,
            StepUpMethod::AppToApp
        ]
    );
    assert_eq!(
        trace.operations(),
        [
            "juspay_vat.card_tokenize",
            "juspay_vat.provision_token_passkey",
            "juspay_vat.trigger_otp",
            "juspay_vat.validate_otp",
            "juspay_vat.enroll_in_agentic_service",
        ]
    );
    assert_effects(
        &env.sandbox,
        Effects {
            tokens: 1,
            otps: 1,
            passkeys: 1,
            enrollments: 1,
            charges: 0,
        },
    );
    assert_sandbox_saw_exactly(&env, &trace);
    // Keep-alive: the SDK's whole journey on one connection (the other one is the
    // autopilot's, playing the Visa page).
    assert_eq!(env.counters().connections_accepted, 2);
}

#[test]
fn enrollment_approved_needs_no_otp() {
    let env = Env::new();
    let origin = env.pilot(Policy::default()).page_origin().clone();
    let mut journey =
        enrollment_journey(&env.sandbox, &origin, magic::CARD_APPROVED, "cust_approved");
    let trace = env.drive(Policy::default(), &mut journey, &mut no_hook());
    enrolled_token(trace.done());
    assert_eq!(trace.prompt_names(), [PVS, PVS, CEREMONY]);
    assert_eq!(trace.sends_of("juspay_vat.trigger_otp"), 0);
    assert_effects(
        &env.sandbox,
        Effects {
            tokens: 1,
            otps: 0,
            passkeys: 1,
            enrollments: 1,
            charges: 0,
        },
    );
    assert_sandbox_saw_exactly(&env, &trace);
}

#[test]
fn enrollment_delivery_failure_then_another_method() {
    let env = Env::new();
    let origin = env.pilot(Policy::default()).page_origin().clone();
    let mut journey = enrollment_journey(
        &env.sandbox,
        &origin,
        magic::CARD_CHALLENGED,
        "cust_delivery",
    );
    // OTPEMAIL fails delivery; the preference is then no longer offered: the first OTP method.
    let trace = env.drive(
        method_policy(StepUpMethod::OtpEmail),
        &mut journey,
        &mut no_hook(),
    );
    enrolled_token(trace.done());
    assert_eq!(
        trace.prompt_names(),
        [PVS, PVS, CHOOSE, CHOOSE, OTP, CEREMONY]
    );
    assert!(step_up_methods(&trace.prompts[2]).contains(&StepUpMethod::OtpEmail));
    assert!(
        !step_up_methods(&trace.prompts[3]).contains(&StepUpMethod::OtpEmail),
        "the method whose delivery failed is offered again: {:?}",
        trace.prompts[3]
    );
    assert_eq!(trace.sends_of("juspay_vat.trigger_otp"), 2);
    assert_effects(
        &env.sandbox,
        Effects {
            tokens: 1,
            otps: 1,
            passkeys: 1,
            enrollments: 1,
            charges: 0,
        },
    );
    assert_sandbox_saw_exactly(&env, &trace);
}

#[test]
fn enrollment_wrong_then_right_otp() {
    let env = Env::new();
    let origin = env.pilot(Policy::default()).page_origin().clone();
    let mut journey =
        enrollment_journey(&env.sandbox, &origin, magic::CARD_CHALLENGED, "cust_wrong");
    let trace = env.drive(
        otp_policy(&[WRONG_OTP, magic::RIGHT_OTP]),
        &mut journey,
        &mut no_hook(),
    );
    enrolled_token(trace.done());
    assert_eq!(trace.prompt_names(), [PVS, PVS, CHOOSE, OTP, OTP, CEREMONY]);
    let otps = otp_prompts(&trace);
    assert!(
        !otps[0].2 && otps[1].2,
        "the second prompt says wrong code: {otps:?}"
    );
    assert_eq!(otps[1].0 + 1, otps[0].0, "one attempt used: {otps:?}");
    assert_eq!(trace.sends_of("juspay_vat.validate_otp"), 2);
    assert_effects(
        &env.sandbox,
        Effects {
            tokens: 1,
            otps: 1,
            passkeys: 1,
            enrollments: 1,
            charges: 0,
        },
    );
}

/// Answers the first `EnterOtp` with `ResendOtp`, the rest with the autopilot.
fn resend_once<S: Script>() -> impl FnMut(&Journey<S>, &Prompt) -> Option<Input> {
    let mut resent = false;
    move |_, prompt| match prompt {
        Prompt::EnterOtp { .. } if !resent => {
            resent = true;
            Some(Input::ResendOtp)
        }
        _ => None,
    }
}

#[test]
fn enrollment_otp_resend() {
    let env = Env::new();
    let origin = env.pilot(Policy::default()).page_origin().clone();
    let mut journey =
        enrollment_journey(&env.sandbox, &origin, magic::CARD_CHALLENGED, "cust_resend");
    let trace = env.drive(Policy::default(), &mut journey, &mut resend_once());
    enrolled_token(trace.done());
    assert_eq!(trace.prompt_names(), [PVS, PVS, CHOOSE, OTP, OTP, CEREMONY]);
    let otps = otp_prompts(&trace);
    assert_eq!(otps[1].1 + 1, otps[0].1, "one resend used: {otps:?}");
    assert_eq!(trace.sends_of("juspay_vat.trigger_otp"), 2);
    assert_effects(
        &env.sandbox,
        Effects {
            tokens: 1,
            otps: 2,
            passkeys: 1,
            enrollments: 1,
            charges: 0,
        },
    );
}

#[test]
fn enrollment_non_otp_method_completed_out_of_band() {
    let env = Env::new();
    let origin = env.pilot(Policy::default()).page_origin().clone();
    let mut journey = enrollment_journey(
        &env.sandbox,
        &origin,
        magic::CARD_CHALLENGED,
        "cust_out_of_band",
    );
    // First "done" without the issuer having approved anything: the binding is still
    // challenged and the methods come back. Then the issuer approves out of band.
    let shared = Arc::clone(env.sandbox.shared());
    let mut completions = 0;
    let mut hook = |journey: &Journey<Enrollment>, prompt: &Prompt| match prompt {
        Prompt::CompleteStepUp { choice } => {
            assert_eq!(choice.method, StepUpMethod::CustomerService);
            completions += 1;
            if completions == 2 {
                let token = journey
                    .script()
                    .v_provisioned_token_id()
                    .expect("the token is provisioned before the step-up");
                assert!(agentic_sandbox::juspay_vat::approve_binding(&shared, token));
            }
            Some(Input::StepUpCompleted)
        }
        _ => None,
    };
    let trace = env.drive(
        method_policy(StepUpMethod::CustomerService),
        &mut journey,
        &mut hook,
    );
    enrolled_token(trace.done());
    assert_eq!(
        trace.prompt_names(),
        [PVS, PVS, CHOOSE, COMPLETE, CHOOSE, COMPLETE, CEREMONY]
    );
    assert_eq!(trace.sends_of("juspay_vat.trigger_otp"), 0);
    assert_eq!(trace.sends_of("juspay_vat.validate_otp"), 0);
    assert_effects(
        &env.sandbox,
        Effects {
            tokens: 1,
            otps: 0,
            passkeys: 1,
            enrollments: 1,
            charges: 0,
        },
    );
}

#[test]
fn enrollment_page_failures_end_in_passkey_failures() {
    for (case, policy, tamper, failure) in [
        (
            "Cancel",
            CeremonyPolicy::Cancel,
            false,
            PageFailure::Cancelled,
        ),
        (
            "ClosePage",
            CeremonyPolicy::ClosePage,
            false,
            PageFailure::Closed,
        ),
        (
            "AUTH_FAILED",
            CeremonyPolicy::Complete,
            true,
            PageFailure::Failed,
        ),
    ] {
        let env = Env::new();
        let origin = env.pilot(Policy::default()).page_origin().clone();
        let mut journey =
            enrollment_journey(&env.sandbox, &origin, magic::CARD_APPROVED, "cust_page");
        let sandbox = &env.sandbox;
        let mut hook = |_: &Journey<Enrollment>, prompt: &Prompt| match prompt {
            Prompt::PasskeyCeremony { .. } if tamper => {
                Some(tampered_ceremony_answer(sandbox, &origin, prompt))
            }
            _ => None,
        };
        let trace = env.drive(ceremony_policy(policy), &mut journey, &mut hook);
        assert_eq!(
            trace.failed(),
            &JourneyFailure::Passkey {
                failure,
                action: PasskeyAction::Register
            },
            "{case}"
        );
        assert_eq!(trace.prompt_names(), [PVS, PVS, CEREMONY], "{case}");
        assert_eq!(
            trace.sends_of("juspay_vat.enroll_in_agentic_service"),
            0,
            "{case}"
        );
        assert_effects(
            &env.sandbox,
            Effects {
                tokens: 1,
                otps: 0,
                passkeys: 0,
                enrollments: 0,
                charges: 0,
            },
        );
    }
}

#[test]
fn enrollment_page_closed_before_the_session_sends_nothing() {
    let env = Env::new();
    let origin = env.pilot(Policy::default()).page_origin().clone();
    let mut journey =
        enrollment_journey(&env.sandbox, &origin, magic::CARD_APPROVED, "cust_closed");
    let mut hook = |_: &Journey<Enrollment>, prompt: &Prompt| match prompt {
        Prompt::ProvideVisaSession { .. } => Some(Input::PageClosed),
        _ => None,
    };
    let trace = env.drive(Policy::default(), &mut journey, &mut hook);
    // Before any ceremony the journey's goal is the device binding.
    assert_eq!(
        trace.failed(),
        &JourneyFailure::Passkey {
            failure: PageFailure::Closed,
            action: PasskeyAction::Register
        }
    );
    assert_eq!(trace.requests().count(), 0);
    assert_effects(&env.sandbox, Effects::default());
}

// =============================================================================================
// Purchase (Juspay VAT)
// =============================================================================================

/// Enrolls `card` for `customer` with the autopilot's defaults; returns the token.
fn enroll(env: &Env, origin: &VisaPageOrigin, card: &str, customer: &str) -> String {
    let mut journey = enrollment_journey(&env.sandbox, origin, card, customer);
    let trace = env.drive(Policy::default(), &mut journey, &mut no_hook());
    enrolled_token(trace.done())
}

#[test]
fn purchase_with_the_passkey_after_enrollment() {
    let env = Env::new();
    let origin = env.pilot(Policy::default()).page_origin().clone();
    let token = enroll(&env, &origin, magic::CARD_CHALLENGED, "cust_buyer");
    let mut journey = purchase_journey(&origin, "cust_buyer", &token);
    // The real autopilot loop, this time.
    let run = env
        .pilot(Policy::default())
        .run_to_end(&env.client, &mut journey)
        .expect("purchase runs");
    match &run.stop {
        Stop::Done(Outcome::Authorised { credentials }) => {
            assert!(credentials.token_number.is_some(), "a token number");
            assert!(credentials.cryptogram.is_some(), "a cryptogram");
        }
        other => panic!("expected Authorised, got {other:?}"),
    }
    assert_eq!(run.prompt_names(), [PVS, PVS, CEREMONY]);
    let operations: Vec<_> = env.recorder.take().iter().map(|r| r.operation).collect();
    assert_eq!(
        operations,
        [
            "juspay_vat.provision_token_passkey",
            "juspay_vat.setup_agentic_payment_instruction",
            "juspay_vat.fetch_payment_credentials",
        ]
    );
    assert_effects(
        &env.sandbox,
        Effects {
            tokens: 1,
            otps: 1,
            passkeys: 1,
            enrollments: 1,
            charges: 1,
        },
    );
}

#[test]
fn purchase_without_a_passkey_needs_a_rebind() {
    let env = Env::new();
    let origin = env.pilot(Policy::default()).page_origin().clone();
    // An enrollment whose ceremony was cancelled: a provisioned token, no passkey.
    let mut enrollment =
        enrollment_journey(&env.sandbox, &origin, magic::CARD_APPROVED, "cust_no_key");
    let trace = env.drive(
        ceremony_policy(CeremonyPolicy::Cancel),
        &mut enrollment,
        &mut no_hook(),
    );
    assert!(matches!(trace.failed(), JourneyFailure::Passkey { .. }));
    let token = enrollment
        .script()
        .v_provisioned_token_id()
        .expect("the token was provisioned")
        .to_owned();
    let mut journey = purchase_journey(&origin, "cust_no_key", &token);
    let trace = env.drive(Policy::default(), &mut journey, &mut no_hook());
    assert_eq!(trace.failed(), &JourneyFailure::RebindRequired);
    assert_eq!(trace.prompt_names(), [PVS, PVS]);
    assert_eq!(trace.operations(), ["juspay_vat.provision_token_passkey"]);
    assert_effects(
        &env.sandbox,
        Effects {
            tokens: 1,
            otps: 0,
            passkeys: 0,
            enrollments: 0,
            charges: 0,
        },
    );
}

#[test]
fn purchase_ceremony_cancelled_charges_nothing() {
    let env = Env::new();
    let origin = env.pilot(Policy::default()).page_origin().clone();
    let token = enroll(&env, &origin, magic::CARD_APPROVED, "cust_cancel_buy");
    let mut journey = purchase_journey(&origin, "cust_cancel_buy", &token);
    let trace = env.drive(
        ceremony_policy(CeremonyPolicy::Cancel),
        &mut journey,
        &mut no_hook(),
    );
    assert_eq!(
        trace.failed(),
        &JourneyFailure::Passkey {
            failure: PageFailure::Cancelled,
            action: PasskeyAction::Authenticate
        }
    );
    assert_effects(
        &env.sandbox,
        Effects {
            tokens: 1,
            otps: 0,
            passkeys: 1,
            enrollments: 1,
            charges: 0,
        },
    );
}

// =============================================================================================
// Direct OTP (Juspay EC)
// =============================================================================================

#[track_caller]
fn assert_paid(trace: &Trace, status: TxnStatus) {
    match trace.done() {
        Outcome::Paid {
            order_id,
            txn_id,
            status: paid,
        } => {
            assert!(!order_id.is_empty());
            assert!(txn_id.is_some(), "a txn id");
            assert_eq!(paid, &status);
        }
        other => panic!("expected Paid, got {other:?}"),
    }
}

#[track_caller]
fn assert_payment_failed(trace: &Trace, status: &str) {
    assert_eq!(
        trace.failed(),
        &JourneyFailure::PaymentFailed {
            status: status.to_owned()
        }
    );
}

fn payment_effects(otps: u64, charges: u64) -> Effects {
    Effects {
        otps,
        charges,
        ..Effects::default()
    }
}

#[test]
fn direct_otp_native_charged_through_client_with_ureq() {
    let sandbox = start_sandbox();
    // The plain built-in transport this time (no recorder).
    let client = Client::with_ureq(client_config(&sandbox, RELAXED), None).expect("client");
    let mut journey = direct_otp_journey(&sandbox, Payment::native("100.00"));
    let run = pilot(&sandbox, Policy::default())
        .run_to_end(&client, &mut journey)
        .expect("runs");
    match &run.stop {
        Stop::Done(Outcome::Paid { status, txn_id, .. }) => {
            assert_eq!(status, &TxnStatus::Charged);
            assert!(txn_id.is_some());
        }
        other => panic!("expected Paid, got {other:?}"),
    }
    assert_eq!(run.prompt_names(), [OTP]);
    assert_eq!(journey.script().direct_otp_supported(), Some(true));
    assert_effects(&sandbox, payment_effects(1, 1));
    assert_eq!(
        sandbox.counters().requests,
        4,
        "cardbin, order, txns, authenticate"
    );
}

#[test]
fn direct_otp_operations_in_order() {
    let env = Env::new();
    let mut journey = direct_otp_journey(&env.sandbox, Payment::native("100.00"));
    let trace = env.drive(Policy::default(), &mut journey, &mut no_hook());
    assert_paid(&trace, TxnStatus::Charged);
    assert_eq!(
        trace.operations(),
        [
            "juspay_ec.card_bin_eligibility",
            "juspay_ec.create_order",
            "juspay_ec.start_authentication",
            "juspay_ec.process_otp",
        ]
    );
    assert_sandbox_saw_exactly(&env, &trace);
}

#[test]
fn direct_otp_wrong_then_right() {
    let env = Env::new();
    let mut journey = direct_otp_journey(&env.sandbox, Payment::native("100.00"));
    let trace = env.drive(
        otp_policy(&[WRONG_OTP, magic::RIGHT_OTP]),
        &mut journey,
        &mut no_hook(),
    );
    assert_paid(&trace, TxnStatus::Charged);
    assert_eq!(trace.prompt_names(), [OTP, OTP]);
    let otps = otp_prompts(&trace);
    assert!(otps[1].2, "the second prompt says wrong code: {otps:?}");
    assert_eq!(otps[1].0 + 1, otps[0].0, "one attempt used: {otps:?}");
    assert_effects(&env.sandbox, payment_effects(1, 1));
}

#[test]
fn direct_otp_resend() {
    let env = Env::new();
    let mut journey = direct_otp_journey(&env.sandbox, Payment::native("100.00"));
    let trace = env.drive(Policy::default(), &mut journey, &mut resend_once());
    assert_paid(&trace, TxnStatus::Charged);
    assert_eq!(trace.prompt_names(), [OTP, OTP]);
    let otps = otp_prompts(&trace);
    assert_eq!(otps[1].1 + 1, otps[0].1, "one resend used: {otps:?}");
    assert_eq!(trace.sends_of("juspay_ec.resend_otp"), 1);
    assert_effects(&env.sandbox, payment_effects(2, 1));
}

#[test]
fn direct_otp_3ds_fallback() {
    for check_bin in [false, true] {
        let env = Env::new();
        let mut journey = direct_otp_journey(
            &env.sandbox,
            Payment {
                check_bin,
                ..Payment::fallback()
            },
        );
        let trace = env.drive(Policy::default(), &mut journey, &mut no_hook());
        assert_paid(&trace, TxnStatus::Charged);
        assert_eq!(trace.prompt_names(), [REDIRECT], "check_bin {check_bin}");
        if check_bin {
            assert_eq!(journey.script().direct_otp_supported(), Some(false));
        }
        assert_eq!(env.sandbox.calls(BANK_PAGE), 1, "the bank page was visited");
        assert!(trace.sends_of("juspay_ec.order_status") >= 1);
        assert_effects(&env.sandbox, payment_effects(0, 1));
    }
}

#[test]
fn direct_otp_native_falls_back_to_the_bank_page_on_request() {
    let env = Env::new();
    let mut journey = direct_otp_journey(&env.sandbox, Payment::native("100.00"));
    let mut hook = |_: &Journey<DirectOtp>, prompt: &Prompt| match prompt {
        Prompt::EnterOtp { .. } => Some(Input::ChooseAnotherMethod),
        _ => None,
    };
    let trace = env.drive(Policy::default(), &mut journey, &mut hook);
    assert_paid(&trace, TxnStatus::Charged);
    assert_eq!(trace.prompt_names(), [OTP, REDIRECT]);
    assert_effects(&env.sandbox, payment_effects(1, 1));
}

#[test]
fn direct_otp_authorized_without_auto_capture() {
    let env = Env::new();
    let mut journey = direct_otp_journey(
        &env.sandbox,
        Payment {
            auto_capture: Some(false),
            ..Payment::native("100.00")
        },
    );
    let trace = env.drive(Policy::default(), &mut journey, &mut no_hook());
    assert_paid(&trace, TxnStatus::Authorized);
    assert_effects(&env.sandbox, payment_effects(1, 1));
}

#[test]
fn direct_otp_authentication_failed_after_three_wrong_otps() {
    let env = Env::new();
    let mut journey = direct_otp_journey(&env.sandbox, Payment::native("100.00"));
    let trace = env.drive(otp_policy(&[WRONG_OTP]), &mut journey, &mut no_hook());
    assert_payment_failed(&trace, "AUTHENTICATION_FAILED");
    assert_eq!(trace.prompt_names(), [OTP, OTP, OTP]);
    assert_eq!(
        trace.sends_of("juspay_ec.process_otp"),
        magic::EC_MAX_ATTEMPTS as usize
    );
    assert_effects(&env.sandbox, payment_effects(1, 0));
}

#[test]
fn direct_otp_authorization_failed() {
    let env = Env::new();
    let mut journey = direct_otp_journey(
        &env.sandbox,
        Payment::native(magic::AMOUNT_AUTHORIZATION_FAILED),
    );
    let trace = env.drive(Policy::default(), &mut journey, &mut no_hook());
    assert_payment_failed(&trace, "AUTHORIZATION_FAILED");
    assert_eq!(trace.prompt_names(), [OTP]);
    assert_effects(&env.sandbox, payment_effects(1, 0));
}

#[test]
fn direct_otp_juspay_declined() {
    let env = Env::new();
    let mut journey =
        direct_otp_journey(&env.sandbox, Payment::native(magic::AMOUNT_JUSPAY_DECLINED));
    let trace = env.drive(Policy::default(), &mut journey, &mut no_hook());
    assert_payment_failed(&trace, "JUSPAY_DECLINED");
    assert!(trace.prompts.is_empty(), "{:?}", trace.prompt_names());
    assert_effects(&env.sandbox, payment_effects(0, 0));
}

// =============================================================================================
// Visa Acceptance
// =============================================================================================

#[track_caller]
fn assert_verified(trace: &Trace, action: PasskeyAction) {
    match trace.done() {
        Outcome::PasskeyVerified {
            action: verified, ..
        } => assert_eq!(verified, &action),
        other => panic!("expected PasskeyVerified, got {other:?}"),
    }
}

fn passkey_effects(otps: u64, passkeys: u64) -> Effects {
    Effects {
        otps,
        passkeys,
        ..Effects::default()
    }
}

#[test]
fn visa_acceptance_authenticate() {
    let env = Env::new();
    let origin = env.pilot(Policy::default()).page_origin().clone();
    let mut journey = va_journey(&origin, magic::TOKEN_REGISTERED);
    let trace = env.drive(Policy::default(), &mut journey, &mut no_hook());
    assert_verified(&trace, PasskeyAction::Authenticate);
    assert_eq!(trace.prompt_names(), [PVS, PVS, CEREMONY]);
    assert_eq!(
        trace.operations(),
        ["visa_acceptance.authentication_options"]
    );
    assert_effects(&env.sandbox, passkey_effects(0, 0));
}

#[test]
fn visa_acceptance_authentication_registration() {
    let env = Env::new();
    let origin = env.pilot(Policy::default()).page_origin().clone();
    let mut journey = va_journey(&origin, magic::TOKEN_APPROVED);
    let trace = env.drive(Policy::default(), &mut journey, &mut no_hook());
    assert_verified(&trace, PasskeyAction::Register);
    assert_eq!(trace.prompt_names(), [PVS, PVS, CEREMONY]);
    assert_eq!(
        trace.operations(),
        [
            "visa_acceptance.authentication_options",
            "visa_acceptance.authentication_registration",
        ]
    );
    assert_effects(&env.sandbox, passkey_effects(0, 1));
}

#[test]
fn visa_acceptance_step_up_with_otp_then_the_passkey_authenticates() {
    let env = Env::new();
    let origin = env.pilot(Policy::default()).page_origin().clone();
    let mut journey = va_journey(&origin, magic::TOKEN_CHALLENGED);
    let trace = env.drive(Policy::default(), &mut journey, &mut no_hook());
    assert_verified(&trace, PasskeyAction::Register);
    assert_eq!(trace.prompt_names(), [PVS, PVS, CHOOSE, OTP, CEREMONY]);
    assert_eq!(
        step_up_methods(&trace.prompts[2]),
        [
            StepUpMethod::OtpSms,
            StepUpMethod::OtpEmail,
            StepUpMethod::AppToApp,
            StepUpMethod::CustomerService
        ]
    );
    assert_eq!(
        trace.operations(),
        [
            "visa_acceptance.authentication_options",
            "visa_acceptance.create_otp",
            "visa_acceptance.validate_otp",
            "visa_acceptance.authentication_registration",
        ]
    );
    assert_effects(&env.sandbox, passkey_effects(1, 1));
    assert_sandbox_saw_exactly(&env, &trace);

    // The token now has a passkey: a new journey authenticates without a step-up.
    let mut again = va_journey(&origin, magic::TOKEN_CHALLENGED);
    let trace = env.drive(Policy::default(), &mut again, &mut no_hook());
    assert_verified(&trace, PasskeyAction::Authenticate);
    assert_eq!(trace.prompt_names(), [PVS, PVS, CEREMONY]);
    assert_effects(&env.sandbox, passkey_effects(1, 1));
}

#[test]
fn visa_acceptance_step_up_wrong_then_right_otp() {
    let env = Env::new();
    let origin = env.pilot(Policy::default()).page_origin().clone();
    let mut journey = va_journey(&origin, "tkn_challenged_wrong");
    let trace = env.drive(
        otp_policy(&[WRONG_OTP, magic::RIGHT_OTP]),
        &mut journey,
        &mut no_hook(),
    );
    assert_verified(&trace, PasskeyAction::Register);
    assert_eq!(trace.prompt_names(), [PVS, PVS, CHOOSE, OTP, OTP, CEREMONY]);
    assert!(otp_prompts(&trace)[1].2, "wrong code shown");
    assert_effects(&env.sandbox, passkey_effects(1, 1));
}

#[test]
fn visa_acceptance_step_up_otp_resend() {
    let env = Env::new();
    let origin = env.pilot(Policy::default()).page_origin().clone();
    let mut journey = va_journey(&origin, "tkn_challenged_resend");
    let trace = env.drive(Policy::default(), &mut journey, &mut resend_once());
    assert_verified(&trace, PasskeyAction::Register);
    assert_eq!(trace.prompt_names(), [PVS, PVS, CHOOSE, OTP, OTP, CEREMONY]);
    assert_eq!(trace.sends_of("visa_acceptance.create_otp"), 2);
    assert_effects(&env.sandbox, passkey_effects(2, 1));
}

#[test]
fn visa_acceptance_step_up_with_the_issuer_code() {
    let env = Env::new();
    let origin = env.pilot(Policy::default()).page_origin().clone();
    let mut journey = va_journey(&origin, "tkn_challenged_issuer");
    let policy = Policy {
        step_up: StepUpPreference::Method(StepUpMethod::AppToApp),
        issuer_auth_code: Some(agentic_sandbox::visa_acceptance::RIGHT_ISSUER_AUTH_CODE.to_owned()),
        ..Policy::default()
    };
    let trace = env.drive(policy, &mut journey, &mut no_hook());
    assert_verified(&trace, PasskeyAction::Register);
    assert_eq!(trace.prompt_names(), [PVS, PVS, CHOOSE, COMPLETE, CEREMONY]);
    assert_eq!(trace.inputs[3], "IssuerAuthCode");
    assert_eq!(trace.sends_of("visa_acceptance.create_otp"), 0);
    assert_eq!(trace.sends_of("visa_acceptance.validate_otp"), 1);
    assert_effects(&env.sandbox, passkey_effects(0, 1));
}

#[test]
fn visa_acceptance_step_up_out_of_band() {
    let env = Env::new();
    let origin = env.pilot(Policy::default()).page_origin().clone();
    let mut journey = va_journey(&origin, "tkn_challenged_oob");
    let shared = Arc::clone(env.sandbox.shared());
    let mut hook = |journey: &Journey<VisaAcceptancePasskey>, prompt: &Prompt| match prompt {
        Prompt::CompleteStepUp { choice } => {
            assert_eq!(choice.method, StepUpMethod::CustomerService);
            let script = journey.script();
            assert!(
                agentic_sandbox::visa_acceptance::approve_step_up_out_of_band(
                    &shared,
                    script.params().token_id(),
                    script.client_correlation_id().as_str(),
                ),
                "a step-up is pending"
            );
            Some(Input::StepUpCompleted)
        }
        _ => None,
    };
    let trace = env.drive(
        method_policy(StepUpMethod::CustomerService),
        &mut journey,
        &mut hook,
    );
    assert_verified(&trace, PasskeyAction::Register);
    assert_eq!(trace.prompt_names(), [PVS, PVS, CHOOSE, COMPLETE, CEREMONY]);
    assert_eq!(trace.sends_of("visa_acceptance.authentication_options"), 2);
    assert_eq!(trace.sends_of("visa_acceptance.validate_otp"), 0);
    assert_effects(&env.sandbox, passkey_effects(0, 1));
}

#[test]
fn visa_acceptance_ceremony_cancelled() {
    let env = Env::new();
    let origin = env.pilot(Policy::default()).page_origin().clone();
    let mut journey = va_journey(&origin, "tkn_approved_cancel");
    let trace = env.drive(
        ceremony_policy(CeremonyPolicy::Cancel),
        &mut journey,
        &mut no_hook(),
    );
    assert_eq!(
        trace.failed(),
        &JourneyFailure::Passkey {
            failure: PageFailure::Cancelled,
            action: PasskeyAction::Register
        }
    );
    assert_effects(&env.sandbox, passkey_effects(0, 0));
}

// =============================================================================================
// Fault matrix
// =============================================================================================

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    EnrollmentChallenged,
    Purchase,
    DirectOtpNative,
    DirectOtp3ds,
    VisaAcceptanceStepUp,
}

const KINDS: [Kind; 5] = [
    Kind::EnrollmentChallenged,
    Kind::Purchase,
    Kind::DirectOtpNative,
    Kind::DirectOtp3ds,
    Kind::VisaAcceptanceStepUp,
];

impl Kind {
    /// The operations the journey calls on its happy path, in order (checked against a clean
    /// run by `happy_operations_are_the_matrix_rows`); the 3-D Secure journey adds the bank
    /// page the cardholder's browser visits.
    fn operations(self) -> &'static [&'static str] {
        match self {
            Self::EnrollmentChallenged => &[
                "juspay_vat.card_tokenize",
                "juspay_vat.provision_token_passkey",
                "juspay_vat.trigger_otp",
                "juspay_vat.validate_otp",
                "juspay_vat.enroll_in_agentic_service",
            ],
            Self::Purchase => &[
                "juspay_vat.provision_token_passkey",
                "juspay_vat.setup_agentic_payment_instruction",
                "juspay_vat.fetch_payment_credentials",
            ],
            Self::DirectOtpNative => &[
                "juspay_ec.card_bin_eligibility",
                "juspay_ec.create_order",
                "juspay_ec.start_authentication",
                "juspay_ec.process_otp",
            ],
            Self::DirectOtp3ds => &[
                "juspay_ec.create_order",
                "juspay_ec.start_authentication",
                BANK_PAGE,
                "juspay_ec.order_status",
            ],
            Self::VisaAcceptanceStepUp => &[
                "visa_acceptance.authentication_options",
                "visa_acceptance.create_otp",
                "visa_acceptance.validate_otp",
                "visa_acceptance.authentication_registration",
            ],
        }
    }

    /// The side effects of the journey's happy path.
    fn happy_effects(self) -> Effects {
        match self {
            Self::EnrollmentChallenged => Effects {
                tokens: 1,
                otps: 1,
                passkeys: 1,
                enrollments: 1,
                charges: 0,
            },
            Self::Purchase => payment_effects(0, 1),
            Self::DirectOtpNative => payment_effects(1, 1),
            Self::DirectOtp3ds => payment_effects(0, 1),
            Self::VisaAcceptanceStepUp => passkey_effects(1, 1),
        }
    }

    /// OTP sends the journey makes on its own (Direct OTP's `/txns`).
    fn own_otp_sends(self) -> u64 {
        match self {
            Self::DirectOtpNative | Self::DirectOtp3ds => 1,
            _ => 0,
        }
    }
}

const FAULTS: [Fault; 6] = [
    Fault::Delay { ms: 50 },
    Fault::ConnectionReset,
    Fault::TimeoutAfterCommit,
    Fault::ServerError { status: 503 },
    Fault::MalformedBody,
    Fault::NonSuccess,
];

fn fault_name(fault: &Fault) -> &'static str {
    match fault {
        Fault::Delay { .. } => "Delay{50}",
        Fault::ConnectionReset => "ConnectionReset",
        Fault::TimeoutAfterCommit => "TimeoutAfterCommit",
        Fault::ServerError { .. } => "ServerError{503}",
        Fault::MalformedBody => "MalformedBody",
        Fault::NonSuccess => "NonSuccess",
    }
}

/// How a run ended, as one comparable line.
fn end_class(end: &Result<Stop, AutopilotError>) -> String {
    match end {
        Ok(Stop::Done(_)) => "Done".to_owned(),
        Ok(Stop::Failed(JourneyFailure::Cancelled {
            outcome_unknown_for,
        })) => format!("Cancelled(unknown: {outcome_unknown_for:?})"),
        Ok(Stop::Failed(JourneyFailure::Api(error))) => {
            format!("Api(HTTP {}, {:?})", error.http_status, error.code)
        }
        Ok(Stop::Failed(JourneyFailure::PaymentFailed { status })) => {
            format!("PaymentFailed({status})")
        }
        Ok(Stop::Failed(other)) => format!("Failed({other:?})"),
        Ok(Stop::Prompt(Prompt::ConfirmUnknownOutcome { operation, .. })) => {
            format!("UnknownOutcome({operation})")
        }
        Ok(Stop::Prompt(prompt)) => format!("Prompt({})", prompt_name(prompt)),
        Err(AutopilotError::Page { .. }) => "AutopilotError::Page".to_owned(),
        Err(AutopilotError::Driver(error)) => format!("AutopilotError::Driver({error})"),
        Err(AutopilotError::Journey(error)) => format!("AutopilotError::Journey({error})"),
        Err(AutopilotError::TooManyPrompts(n)) => format!("AutopilotError::TooManyPrompts({n})"),
        Err(AutopilotError::Setup(reason)) => format!("AutopilotError::Setup({reason})"),
    }
}

/// What each case ends in (an [`end_class`] line). Every one is a success, a typed failure, a
/// typed autopilot error or the outcome-unknown prompt; the table pins which, so a change of
/// behaviour shows up.
///
/// - `Delay{50}` (below the 400 ms read timeout) changes nothing.
/// - A non-idempotent call that may have reached the server (reset after sending, no answer,
///   5xx, unreadable 200) is never resent automatically: the outcome-unknown prompt. VAT and
///   Visa Acceptance have no status call, so the autopilot cancels
///   (`Cancelled(unknown: Some(call))`). Direct OTP reconciles with the order status: an order
///   that does not exist is created, an order that exists is paid, a payment found charged is
///   done, an authenticate whose challenge still waits asks for the OTP again, and a `/txns`
///   the order does not show (or still pending after the polls) asks again about that same
///   `/txns` (`UnknownOutcome(...)`, where the test stops).
/// - The idempotent GETs (BIN check, order status) are retried on their own, after an
///   unreadable answer too.
/// - `NonSuccess` is the provider's refusal: a typed `Api` failure, except where the journey
///   has a documented way on (VAT trigger: another method; validate / process OTP: the OTP
///   prompt again; the BIN check is advisory).
/// - The bank page is the cardholder's browser (the autopilot): it does not read the body, and
///   any other failure is the autopilot's typed `Page` error.
fn expected_end(operation: &str, fault: &Fault) -> String {
    let unknown = |op: &str| format!("Cancelled(unknown: Some({op:?}))");
    // Reconciled once and still unsettled: the host is asked again about the same call.
    let still_unknown = |op: &str| format!("UnknownOutcome({op})");
    let done = "Done".to_owned();
    let vat_refusal = "Api(HTTP 200, Some(\"SANDBOX_FAULT\"))".to_owned();
    let ec_refusal = "Api(HTTP 400, Some(\"invalid\"))".to_owned();
    let va_refusal = "Api(HTTP 400, Some(\"invalidFields\"))".to_owned();
    let may_have_arrived = matches!(
        fault,
        Fault::ConnectionReset
            | Fault::TimeoutAfterCommit
            | Fault::ServerError { .. }
            | Fault::MalformedBody
    );
    match (operation, fault) {
        (_, Fault::Delay { .. }) => done,
        (BANK_PAGE, Fault::MalformedBody) => done,
        (BANK_PAGE, _) => "AutopilotError::Page".to_owned(),
        ("juspay_ec.card_bin_eligibility", _) => done,
        // An unreadable answer to the idempotent status read is asked again.
        ("juspay_ec.order_status", Fault::NonSuccess) => ec_refusal,
        ("juspay_ec.order_status", _) => done,
        ("juspay_ec.create_order", Fault::NonSuccess) => ec_refusal,
        ("juspay_ec.create_order", _) => done,
        ("juspay_ec.start_authentication", Fault::NonSuccess) => ec_refusal,
        // The order shows no attempt: the host decides again about that /txns.
        ("juspay_ec.start_authentication", _) => still_unknown("juspay_ec.start_authentication"),
        // The challenge still waits for its OTP: the OTP prompt comes back and the payment
        // goes through once.
        ("juspay_ec.process_otp", _) => done,
        (
            "juspay_vat.trigger_otp" | "juspay_vat.validate_otp" | "visa_acceptance.validate_otp",
            Fault::NonSuccess,
        ) => done,
        (op, Fault::NonSuccess) if op.starts_with("juspay_vat.") => vat_refusal,
        (op, Fault::NonSuccess) if op.starts_with("visa_acceptance.") => va_refusal,
        (op, _) if may_have_arrived => unknown(op),
        (op, fault) => format!("no expectation for {op} / {fault:?}"),
    }
}

/// The sandbox's calls of every operation.
fn calls_snapshot(sandbox: &Sandbox) -> BTreeMap<&'static str, u32> {
    all_operations()
        .map(|(_, _, op)| (*op, sandbox.calls(op)))
        .collect()
}

/// Runs `kind` to its end with the default autopilot (`UnknownOutcomePolicy::ReconcileElseCancel`)
/// and a short read timeout; stops when an outcome is still unknown after one reconcile.
fn run_kind(
    kind: Kind,
    sandbox: &Sandbox,
    origin: &VisaPageOrigin,
    purchase_token: Option<&str>,
    unknown_outcome: UnknownOutcomePolicy,
) -> Trace {
    let clock = Arc::new(FastClock::default());
    let (client, recorder) = recorded_client(sandbox, SHORT);
    let client = client.with_clock(Arc::clone(&clock) as Arc<dyn Clock>);
    let mut autopilot = pilot(
        sandbox,
        Policy {
            unknown_outcome,
            ..Policy::default()
        },
    );
    let settle = Some(1);
    let clock = clock.as_ref();
    match kind {
        Kind::EnrollmentChallenged => {
            let mut journey =
                enrollment_journey(sandbox, origin, magic::CARD_CHALLENGED, MATRIX_CUSTOMER);
            let hook = &mut no_hook();
            drive(
                &client,
                &recorder,
                clock,
                &mut autopilot,
                &mut journey,
                hook,
                settle,
            )
        }
        Kind::Purchase => {
            let token = purchase_token.expect("the purchase needs an enrolled token");
            let mut journey = purchase_journey(origin, MATRIX_CUSTOMER, token);
            let hook = &mut no_hook();
            drive(
                &client,
                &recorder,
                clock,
                &mut autopilot,
                &mut journey,
                hook,
                settle,
            )
        }
        Kind::DirectOtpNative | Kind::DirectOtp3ds => {
            let payment = if kind == Kind::DirectOtpNative {
                Payment::native("100.00")
            } else {
                Payment::fallback()
            };
            let mut journey = direct_otp_journey(sandbox, payment);
            let hook = &mut no_hook();
            drive(
                &client,
                &recorder,
                clock,
                &mut autopilot,
                &mut journey,
                hook,
                settle,
            )
        }
        Kind::VisaAcceptanceStepUp => {
            let mut journey = va_journey(origin, magic::TOKEN_CHALLENGED);
            let hook = &mut no_hook();
            drive(
                &client,
                &recorder,
                clock,
                &mut autopilot,
                &mut journey,
                hook,
                settle,
            )
        }
    }
}

const MATRIX_CUSTOMER: &str = "matrix_customer";

/// Runs `kind` on a fresh sandbox with `fault` on the next call of `operation` (or no fault).
/// Returns the trace, the side effects of that journey alone, and every invariant it broke.
fn run_case(
    kind: Kind,
    fault: Option<(&'static str, Fault)>,
    unknown_outcome: UnknownOutcomePolicy,
) -> (Trace, Effects, Vec<String>) {
    let sandbox = start_sandbox();
    let origin = pilot(&sandbox, Policy::default()).page_origin().clone();
    // The purchase needs an enrolled token with a passkey: enroll first, without faults.
    let purchase_token = (kind == Kind::Purchase).then(|| {
        let env_client = recorded_client(&sandbox, RELAXED);
        let mut journey =
            enrollment_journey(&sandbox, &origin, magic::CARD_APPROVED, MATRIX_CUSTOMER);
        let trace = drive(
            &env_client.0,
            &env_client.1,
            &SystemClock,
            &mut pilot(&sandbox, Policy::default()),
            &mut journey,
            &mut no_hook(),
            None,
        );
        enrolled_token(trace.done())
    });
    if let Some((operation, fault)) = &fault {
        sandbox.inject(FaultRule {
            operation: (*operation).to_owned(),
            nth: Some(sandbox.calls(operation) + 1),
            fault: fault.clone(),
        });
    }
    let calls_before = calls_snapshot(&sandbox);
    let before = sandbox.counters();
    let trace = run_kind(
        kind,
        &sandbox,
        &origin,
        purchase_token.as_deref(),
        unknown_outcome,
    );
    let after = sandbox.counters();
    let delta = minus(effects(&after), effects(&before));
    let mut problems = Vec::new();

    // No duplicate side effect.
    let otp_limit = kind.own_otp_sends() + trace.otp_sends_asked;
    for (what, got, limit) in [
        ("tokens_provisioned", delta.tokens, 1),
        ("charges", delta.charges, 1),
        ("enrollments", delta.enrollments, 1),
        ("passkeys_registered", delta.passkeys, 1),
        ("otps_sent", delta.otps, otp_limit),
    ] {
        if got > limit {
            problems.push(format!("{what} = {got} > {limit} (duplicate side effect)"));
        }
    }
    // The sandbox saw exactly what the SDK sent: nothing resent below the driver.
    let calls_after = calls_snapshot(&sandbox);
    let mut sdk_requests = 0_u64;
    for (operation, after_calls) in &calls_after {
        if *operation == BANK_PAGE {
            continue;
        }
        let seen = u64::from(after_calls - calls_before[operation]);
        let sent = trace.sends_of(operation) as u64;
        sdk_requests += sent;
        if seen != sent {
            problems.push(format!(
                "{operation}: the SDK sent {sent} request(s), the sandbox saw {seen}"
            ));
        }
    }
    let bank_visits = u64::from(calls_after[BANK_PAGE] - calls_before[BANK_PAGE]);
    if after.requests - before.requests != sdk_requests + bank_visits {
        problems.push(format!(
            "the sandbox counted {} requests, the SDK sent {sdk_requests} (+{bank_visits} bank page)",
            after.requests - before.requests
        ));
    }
    // Exactly once: a non-idempotent request is never sent twice without the host's input in
    // between (within one `client.run`).
    for (index, segment) in trace.segments.iter().enumerate() {
        for operation in trace.operations() {
            let sends = segment.iter().filter(|r| r.operation == operation).count();
            if sends > 1 && !IDEMPOTENT_OPERATIONS.contains(&operation) {
                problems.push(format!(
                    "{operation} sent {sends} times in run segment {index} with no input between"
                ));
            }
        }
    }
    // Only Direct OTP has a status call to reconcile with.
    for prompt in &trace.prompts {
        if let Prompt::ConfirmUnknownOutcome {
            operation,
            can_reconcile,
        } = prompt
        {
            if *can_reconcile != operation.starts_with("juspay_ec.") {
                problems.push(format!(
                    "ConfirmUnknownOutcome for {operation} says can_reconcile: {can_reconcile}"
                ));
            }
        }
    }
    // A non-idempotent call that may have reached the server goes to the outcome-unknown
    // prompt, named after it, before anything else.
    if let Some((operation, fault)) = &fault {
        let maybe_sent = !matches!(fault, Fault::Delay { .. } | Fault::NonSuccess);
        if maybe_sent && *operation != BANK_PAGE && !IDEMPOTENT_OPERATIONS.contains(operation) {
            let first = trace.unknown_outcome_ops().first().map(|s| (*s).to_owned());
            if first.as_deref() != Some(*operation) {
                problems.push(format!(
                    "the first outcome-unknown prompt was for {first:?}, not {operation}"
                ));
            }
        }
    }
    sandbox.shutdown();
    (trace, delta, problems)
}

/// One case's result: its report line, what went wrong (empty: passed), how long it took.
struct CaseResult {
    line: String,
    problems: Vec<String>,
    elapsed: Duration,
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_default()
}

fn matrix_case(kind: Kind, operation: &'static str, fault: &Fault) -> CaseResult {
    let name = format!("{kind:?} / {operation} / {}", fault_name(fault));
    let started = Instant::now();
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        run_case(
            kind,
            Some((operation, fault.clone())),
            UnknownOutcomePolicy::ReconcileElseCancel,
        )
    }));
    let elapsed = started.elapsed();
    match outcome {
        Err(panic) => {
            let message = panic_message(panic.as_ref());
            CaseResult {
                line: format!("{name}: PANIC {message}"),
                problems: vec![format!("panicked: {message}")],
                elapsed,
            }
        }
        Ok((trace, delta, mut problems)) => {
            let class = end_class(&trace.end);
            let expected = expected_end(operation, fault);
            if class != expected {
                problems.push(format!("ended {class}, expected {expected}"));
            }
            CaseResult {
                line: format!(
                    "{name}: {class}; prompts {:?}; {delta:?}; {} ms",
                    trace.prompt_names(),
                    elapsed.as_millis()
                ),
                problems,
                elapsed,
            }
        }
    }
}

/// Every operation × every fault of `kind`, a few cases at a time (a case mostly waits on a
/// timeout, not on the CPU); fails with every broken case named.
fn run_matrix(kind: Kind) {
    let started = Instant::now();
    let cases: Vec<(&'static str, Fault)> = kind
        .operations()
        .iter()
        .flat_map(|op| FAULTS.iter().map(move |f| (*op, f.clone())))
        .collect();
    let results: Mutex<Vec<(usize, CaseResult)>> = Mutex::new(Vec::new());
    let next = AtomicU64::new(0);
    std::thread::scope(|scope| {
        for _ in 0..3 {
            scope.spawn(|| {
                loop {
                    let index = next.fetch_add(1, Ordering::SeqCst) as usize;
                    let Some((operation, fault)) = cases.get(index) else {
                        break;
                    };
                    let result = matrix_case(kind, operation, fault);
                    results
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .push((index, result));
                }
            });
        }
    });
    let mut results = results
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    results.sort_by_key(|(index, _)| *index);
    let mut failures = Vec::new();
    for (_, result) in &results {
        println!("{}", result.line);
        for problem in &result.problems {
            failures.push(format!("{} => {problem}", result.line));
        }
    }
    let slowest = results
        .iter()
        .map(|(_, r)| r.elapsed)
        .max()
        .unwrap_or_default();
    println!(
        "{kind:?}: {} cases in {} ms (slowest case {} ms)",
        results.len(),
        started.elapsed().as_millis(),
        slowest.as_millis()
    );
    assert_eq!(results.len(), cases.len());
    assert!(
        failures.is_empty(),
        "{} of {} fault cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn happy_operations_are_the_matrix_rows() {
    for kind in KINDS {
        let (trace, delta, problems) =
            run_case(kind, None, UnknownOutcomePolicy::ReconcileElseCancel);
        assert!(problems.is_empty(), "{kind:?}: {problems:?}");
        assert!(
            matches!(trace.end, Ok(Stop::Done(_))),
            "{kind:?}: {:?}",
            trace.end
        );
        let mut operations = trace.operations();
        if kind == Kind::DirectOtp3ds {
            // The browser visits the bank page between /txns and the status call.
            operations.insert(2, BANK_PAGE);
        }
        assert_eq!(operations, kind.operations(), "{kind:?}");
        assert_eq!(delta, kind.happy_effects(), "{kind:?}");
    }
}

/// The other answer to the outcome-unknown prompt: resend with the same reference ids. After a
/// reset the server never handled the request, so the resend must finish the journey exactly as
/// the happy path does — same outcome, same side effects, and the resent call once more on the
/// wire.
#[test]
fn resend_after_unknown_outcome_finishes_every_journey() {
    let mut failures = Vec::new();
    let mut cases = 0;
    for kind in KINDS {
        let (happy, _, _) = run_case(kind, None, UnknownOutcomePolicy::Resend);
        for operation in kind.operations() {
            if *operation == BANK_PAGE || IDEMPOTENT_OPERATIONS.contains(operation) {
                continue;
            }
            cases += 1;
            let name = format!("{kind:?} / {operation} / ConnectionReset / Resend");
            let outcome = catch_unwind(AssertUnwindSafe(|| {
                run_case(
                    kind,
                    Some((operation, Fault::ConnectionReset)),
                    UnknownOutcomePolicy::Resend,
                )
            }));
            let (trace, delta, mut problems) = match outcome {
                Ok(result) => result,
                Err(panic) => {
                    failures.push(format!(
                        "{name}: panicked: {}",
                        panic_message(panic.as_ref())
                    ));
                    continue;
                }
            };
            if !matches!(trace.end, Ok(Stop::Done(_))) {
                problems.push(format!("ended {}", end_class(&trace.end)));
            }
            if delta != kind.happy_effects() {
                problems.push(format!(
                    "side effects {delta:?}, expected {:?}",
                    kind.happy_effects()
                ));
            }
            if trace.sends_of(operation) != happy.sends_of(operation) + 1 {
                problems.push(format!(
                    "{operation} sent {} times, {} on the happy path",
                    trace.sends_of(operation),
                    happy.sends_of(operation)
                ));
            }
            if trace
                .inputs
                .iter()
                .filter(|i| **i == "ResendAfterUnknownOutcome")
                .count()
                != 1
            {
                problems.push(format!("inputs {:?}", trace.inputs));
            }
            failures.extend(problems.into_iter().map(|p| format!("{name}: {p}")));
        }
    }
    assert_eq!(cases, 17);
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn fault_matrix_enrollment_challenged() {
    run_matrix(Kind::EnrollmentChallenged);
}

#[test]
fn fault_matrix_purchase() {
    run_matrix(Kind::Purchase);
}

#[test]
fn fault_matrix_direct_otp_native() {
    run_matrix(Kind::DirectOtpNative);
}

#[test]
fn fault_matrix_direct_otp_3ds() {
    run_matrix(Kind::DirectOtp3ds);
}

#[test]
fn fault_matrix_visa_acceptance_step_up() {
    run_matrix(Kind::VisaAcceptanceStepUp);
}

/// The autopilot's `ReconcileElseCancel` must end a journey whose outcome stays unknown. A
/// `/txns` reset after sending never reaches Juspay; reconciling finds the order `NEW`, so the
/// journey asks again about that `/txns` (`can_reconcile: true`). The autopilot reconciles each
/// call once, so it cancels instead of reconciling for ever (a regression of that loop ran to
/// `TooManyPrompts(40)` after ~200 status calls).
#[test]
fn autopilot_reconcile_else_cancel_gives_up_when_the_payment_stays_pending() {
    let sandbox = start_sandbox();
    sandbox.inject(FaultRule {
        operation: "juspay_ec.start_authentication".to_owned(),
        nth: Some(1),
        fault: Fault::ConnectionReset,
    });
    let (client, recorder) = recorded_client(&sandbox, SHORT);
    let client = client.with_clock(Arc::new(FastClock::default()));
    let mut journey = direct_otp_journey(&sandbox, Payment::native("100.00"));
    let run = pilot(
        &sandbox,
        Policy {
            unknown_outcome: UnknownOutcomePolicy::ReconcileElseCancel,
            ..Policy::default()
        },
    )
    .run_to_end(&client, &mut journey);
    let status_calls = recorder
        .take()
        .iter()
        .filter(|r| r.operation == "juspay_ec.order_status")
        .count();
    match run {
        Ok(run) => assert!(
            matches!(run.stop, Stop::Failed(JourneyFailure::Cancelled { .. })),
            "{:?} after {:?}",
            run.stop,
            run.prompt_names()
        ),
        Err(error) => panic!(
            "ReconcileElseCancel did not end the journey: {error} ({status_calls} order-status calls; \
             {} s of polling on the real clock)",
            status_calls as u64 * direct_otp::STATUS_POLL_INTERVAL_MS / 1000
        ),
    }
    assert_effects(&sandbox, payment_effects(0, 0));
}

// =============================================================================================
// 64 journeys at once
// =============================================================================================

#[test]
fn sixty_four_journeys_at_once() {
    const THREADS: usize = 64;
    let sandbox = start_sandbox();
    // One client for all, as an app would have: one transport, one connection pool.
    let (client, recorder) = recorded_client(&sandbox, RELAXED);
    let barrier = Barrier::new(THREADS);
    let started = Instant::now();
    let results: Vec<Result<Vec<String>, String>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..THREADS)
            .map(|n| {
                let (sandbox, client, barrier) = (&sandbox, &client, &barrier);
                scope.spawn(move || -> Result<Vec<String>, String> {
                    let mut autopilot = pilot(sandbox, Policy::default());
                    let origin = autopilot.page_origin().clone();
                    barrier.wait();
                    let mut ends = Vec::new();
                    let mut end = |stop: Result<agentic_cli::autopilot::Run, AutopilotError>| {
                        let class = end_class(&stop.map(|run| run.stop));
                        ends.push(class.clone());
                        class
                    };
                    match n % 4 {
                        0 => {
                            let customer = format!("concurrent_{n}");
                            let mut enrollment = enrollment_journey(
                                sandbox,
                                &origin,
                                magic::CARD_CHALLENGED,
                                &customer,
                            );
                            let run = autopilot.run_to_end(client, &mut enrollment);
                            let token = match &run {
                                Ok(agentic_cli::autopilot::Run {
                                    stop: Stop::Done(outcome),
                                    ..
                                }) => enrolled_token(outcome),
                                _ => String::new(),
                            };
                            if end(run) != "Done" {
                                return Err(format!("{n}: enrollment {ends:?}"));
                            }
                            let mut purchase = purchase_journey(&origin, &customer, &token);
                            end(autopilot.run_to_end(client, &mut purchase));
                        }
                        1 => {
                            let mut journey =
                                direct_otp_journey(sandbox, Payment::native("100.00"));
                            end(autopilot.run_to_end(client, &mut journey));
                        }
                        2 => {
                            let mut journey =
                                va_journey(&origin, &format!("{}_{n}", magic::TOKEN_REGISTERED));
                            end(autopilot.run_to_end(client, &mut journey));
                        }
                        _ => {
                            let mut journey =
                                va_journey(&origin, &format!("{}_{n}", magic::TOKEN_CHALLENGED));
                            end(autopilot.run_to_end(client, &mut journey));
                        }
                    }
                    Ok(ends)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| Err("panicked".to_owned())))
            .collect()
    });
    let elapsed = started.elapsed();
    let failures: Vec<String> = results
        .iter()
        .enumerate()
        .filter_map(|(n, r)| match r {
            Ok(ends) if ends.iter().all(|e| e == "Done") => None,
            Ok(ends) => Some(format!("thread {n}: {ends:?}")),
            Err(e) => Some(format!("thread {n}: {e}")),
        })
        .collect();
    assert!(failures.is_empty(), "{failures:#?}");
    let journeys: usize = results.iter().map(|r| r.as_ref().map_or(0, Vec::len)).sum();
    assert_eq!(journeys, THREADS + THREADS / 4, "every journey ran");
    let per_kind = (THREADS / 4) as u64;
    // Enrollment + purchase: a token, an OTP, a passkey, an enrollment and a charge each;
    // Direct OTP: an OTP and a charge; step-up: an OTP and a passkey; registered: nothing.
    assert_effects(
        &sandbox,
        Effects {
            tokens: per_kind,
            otps: 3 * per_kind,
            charges: 2 * per_kind,
            passkeys: 2 * per_kind,
            enrollments: per_kind,
        },
    );
    let sent = recorder.take().len() as u64;
    assert_eq!(
        sandbox.counters().requests,
        sent,
        "every request reached it once"
    );
    println!(
        "{journeys} journeys on {THREADS} threads: {sent} requests, {} connections, {} ms",
        sandbox.counters().connections_accepted,
        elapsed.as_millis()
    );
}
