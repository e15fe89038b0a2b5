//! The autopilot against the in-process sandbox, through the real driver and ureq transport:
//! its policies force other branches (wrong OTP, cancelled ceremony, unknown outcome), and the
//! sandbox's counters prove nothing was done twice.

use agentic_cli::autopilot::{Autopilot, CeremonyPolicy, Policy, UnknownOutcomePolicy};
use agentic_cli::demo::{journeys, sandbox_client};
use agentic_cli::recorder::Recorder;
use agentic_core::journey::{JourneyFailure, Outcome, PageFailure};
use agentic_core::juspay_ec::TxnStatus;
use agentic_core::visa_page::PasskeyAction;
use agentic_http::{Client, Stop};
use agentic_sandbox::{Fault, FaultRule, Sandbox, magic};

fn setup() -> (Sandbox, Client, Recorder, Autopilot) {
    let sandbox = Sandbox::start().expect("sandbox");
    let (client, recorder) = sandbox_client(&sandbox).expect("client");
    let autopilot = Autopilot::new(&sandbox.base_url()).expect("autopilot");
    (sandbox, client, recorder, autopilot)
}

#[test]
fn a_wrong_otp_then_the_right_one_pays_once() {
    let (sandbox, client, _, autopilot) = setup();
    let mut autopilot = autopilot.with_policy(Policy {
        otps: vec!["111111".into(), magic::RIGHT_OTP.into()],
        ..Policy::default()
    });
    let merchant = sandbox.config().merchant_id.clone();
    let mut journey =
        journeys::direct_otp(&merchant, magic::CARD_NATIVE_OTP, "10.00", false).expect("journey");
    let run = autopilot.run_to_end(&client, &mut journey).expect("run");
    assert!(
        matches!(
            &run.stop,
            Stop::Done(Outcome::Paid {
                status: TxnStatus::Charged,
                ..
            })
        ),
        "{:?}",
        run.stop
    );
    assert_eq!(run.prompt_names(), ["EnterOtp", "EnterOtp"]);
    assert!(
        run.prompts[1].prompt.contains("last OTP wrong"),
        "{:?}",
        run.prompts
    );
    assert_eq!(sandbox.counters().charges, 1);
}

#[test]
fn an_unknown_outcome_is_reconciled_and_charged_once() {
    let (sandbox, client, recorder, mut autopilot) = setup();
    // Juspay charges, then the answer is unreadable: the SDK cannot know what happened.
    sandbox.inject(FaultRule {
        operation: "juspay_ec.process_otp".into(),
        nth: Some(1),
        fault: Fault::MalformedBody,
    });
    let merchant = sandbox.config().merchant_id.clone();
    let mut journey =
        journeys::direct_otp(&merchant, magic::CARD_NATIVE_OTP, "10.00", false).expect("journey");
    let mut events = Vec::new();
    let run = autopilot
        .run(&client, &mut journey, Some(&recorder), &mut |e| {
            events.push(e.clone())
        })
        .expect("run");
    assert!(
        matches!(&run.stop, Stop::Done(Outcome::Paid { .. })),
        "{:?}",
        run.stop
    );
    assert_eq!(run.prompt_names(), ["EnterOtp", "ConfirmUnknownOutcome"]);
    assert_eq!(run.prompts[1].answer, "reconcile (ask the provider)");
    let operations: Vec<&str> = run.requests.iter().map(|r| r.operation).collect();
    assert_eq!(
        operations,
        [
            "juspay_ec.create_order",
            "juspay_ec.start_authentication",
            "juspay_ec.process_otp",
            "juspay_ec.order_status"
        ]
    );
    assert_eq!(events.len(), run.requests.len() + run.prompts.len());
    assert_eq!(sandbox.counters().charges, 1, "charged exactly once");
}

#[test]
fn an_unknown_outcome_without_a_status_call_is_cancelled_by_default_and_resent_on_request() {
    let (sandbox, client, _, autopilot) = setup();
    sandbox.inject(FaultRule {
        operation: "juspay_vat.trigger_otp".into(),
        nth: Some(1),
        fault: Fault::ServerError { status: 503 },
    });
    let merchant = sandbox.config().merchant_id.clone();
    let origin = autopilot.page_origin().clone();
    let mut cautious = autopilot;
    let mut journey =
        journeys::enrollment(&merchant, &origin, magic::CARD_CHALLENGED).expect("journey");
    let run = cautious.run_to_end(&client, &mut journey).expect("run");
    assert!(
        matches!(
            &run.stop,
            Stop::Failed(JourneyFailure::Cancelled {
                outcome_unknown_for: Some(_)
            })
        ),
        "{:?}",
        run.stop
    );
    assert_eq!(sandbox.counters().otps_sent, 0, "the 503 sent nothing");

    let mut bold = Autopilot::new(&sandbox.base_url())
        .expect("autopilot")
        .with_policy(Policy {
            unknown_outcome: UnknownOutcomePolicy::ReconcileElseResend,
            ..Policy::default()
        });
    sandbox.inject(FaultRule {
        operation: "juspay_vat.trigger_otp".into(),
        nth: Some(2),
        fault: Fault::ServerError { status: 503 },
    });
    let mut journey =
        journeys::enrollment(&merchant, &origin, magic::CARD_CHALLENGED).expect("journey");
    let run = bold.run_to_end(&client, &mut journey).expect("run");
    assert!(
        matches!(&run.stop, Stop::Done(Outcome::Enrolled { .. })),
        "{:?}",
        run.stop
    );
    assert!(run.prompt_names().contains(&"ConfirmUnknownOutcome"));
    assert_eq!(sandbox.counters().otps_sent, 1);
    assert_eq!(sandbox.counters().enrollments, 1);
}

#[test]
fn a_cancelled_ceremony_fails_the_purchase_and_the_next_one_is_authorised() {
    let (sandbox, client, _, mut autopilot) = setup();
    let merchant = sandbox.config().merchant_id.clone();
    let origin = autopilot.page_origin().clone();
    let mut enrollment =
        journeys::enrollment(&merchant, &origin, magic::CARD_CHALLENGED).expect("journey");
    let enrolled = autopilot.run_to_end(&client, &mut enrollment).expect("run");
    let Stop::Done(Outcome::Enrolled {
        v_provisioned_token_id: token,
        ..
    }) = &enrolled.stop
    else {
        panic!("{:?}", enrolled.stop)
    };
    assert_eq!(
        enrolled.prompt_names(),
        [
            "ProvideVisaSession",
            "ProvideVisaSession",
            "ChooseStepUp",
            "EnterOtp",
            "PasskeyCeremony"
        ]
    );

    let mut cancelling = Autopilot::new(&sandbox.base_url())
        .expect("autopilot")
        .with_policy(Policy {
            ceremony: CeremonyPolicy::Cancel,
            ..Policy::default()
        });
    let mut purchase = journeys::purchase(&origin, token).expect("journey");
    let run = cancelling.run_to_end(&client, &mut purchase).expect("run");
    assert_eq!(
        run.stop,
        Stop::Failed(JourneyFailure::Passkey {
            failure: PageFailure::Cancelled,
            action: PasskeyAction::Authenticate
        })
    );
    assert_eq!(sandbox.counters().charges, 0);

    let mut purchase = journeys::purchase(&origin, token).expect("journey");
    let run = autopilot.run_to_end(&client, &mut purchase).expect("run");
    assert!(
        matches!(&run.stop, Stop::Done(Outcome::Authorised { .. })),
        "{:?}",
        run.stop
    );
    assert_eq!(sandbox.counters().charges, 1);
}
