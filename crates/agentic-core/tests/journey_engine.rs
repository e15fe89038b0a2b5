//! The generic journey engine: request ids, automatic retries only where safe, the
//! outcome-unknown prompt, cancel, and checkpoints — tested once with a minimal script.

use agentic_core::error::{ApiError, ErrorCategory, Provider, Recovery};
use agentic_core::journey::restore::{Corrupt, Fields, Restore, unit, variant};
use agentic_core::journey::*;
use agentic_core::secret::{SecretText, SecureToken};
use agentic_core::wire::{Body, HttpRequest, HttpResponse, Method};
use serde::Serialize;
use serde_json::Value;

const TOKEN: &str = "secure-token-canary-91b2";

#[derive(Debug, Clone, PartialEq, Serialize)]
enum Phase {
    Ask,
}

impl Restore for Phase {
    fn restore(value: &Value) -> Result<Self, Corrupt> {
        match variant(value)? {
            ("Ask", content) => unit(content, Self::Ask),
            _ => Err(Corrupt),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
enum Step {
    /// Non-idempotent, like a payment.
    Charge,
    /// Idempotent, like an order status.
    Status,
}

impl Restore for Step {
    fn restore(value: &Value) -> Result<Self, Corrupt> {
        match variant(value)? {
            ("Charge", content) => unit(content, Self::Charge),
            ("Status", content) => unit(content, Self::Status),
            _ => Err(Corrupt),
        }
    }
}

#[derive(Debug, Clone, Default)]
struct Secrets {
    token: Option<SecureToken>,
}

#[derive(Debug, Clone, Serialize)]
struct Fake {
    charged: bool,
}

impl Restore for Fake {
    fn restore(value: &Value) -> Result<Self, Corrupt> {
        Ok(Self {
            charged: Fields::of(value)?.get("charged")?,
        })
    }
}

impl Script for Fake {
    const NAME: &'static str = "fake";
    type Phase = Phase;
    type Step = Step;
    type Secrets = Secrets;

    fn request(&self, secrets: &Secrets, step: &Step) -> Result<HttpRequest, JourneyError> {
        let token = secrets
            .token
            .as_ref()
            .ok_or(JourneyError::Resume("token".into()))?;
        Ok(HttpRequest {
            provider: Provider::JuspayEc,
            operation: if *step == Step::Charge {
                "fake.charge"
            } else {
                "fake.status"
            },
            method: if *step == Step::Charge {
                Method::Post
            } else {
                Method::Get
            },
            path: "/x".into(),
            body: Body::Json(agentic_core::secret::SecretBytes::new(
                token.expose_secret().as_bytes().to_vec(),
            )),
            idempotent: *step == Step::Status,
        })
    }

    fn on_response(
        &mut self,
        _: &mut Secrets,
        _: &Step,
        response: &HttpResponse,
        _: UnixMillis,
    ) -> Result<Next<Phase, Step>, ApiError> {
        agentic_core::error::check_response(Provider::JuspayEc, response)?;
        self.charged = true;
        Ok(Next::Prompt(Phase::Ask))
    }

    fn prompt(&self, _: &Secrets, _: &Phase) -> Prompt {
        Prompt::Redirect {
            url: "https://bank.example/3ds".into(),
        }
    }

    fn on_input(
        &mut self,
        _: &mut Secrets,
        _: &Phase,
        input: Input,
        _: UnixMillis,
    ) -> Result<Next<Phase, Step>, JourneyError> {
        match input {
            Input::RedirectCompleted => Ok(Next::Done),
            other => Err(JourneyError::InvalidEvent {
                state: "Ask",
                event: other.name(),
            }),
        }
    }

    fn reconcile(&self, step: &Step) -> Option<Step> {
        (*step == Step::Charge).then_some(Step::Status)
    }

    fn outcome(&self, _: &Secrets) -> Outcome {
        Outcome::Enrolled {
            v_provisioned_token_id: "t".into(),
            status: None,
        }
    }

    fn missing_secret(
        &self,
        secrets: &Secrets,
        stage: &Stage<Phase, Step>,
    ) -> Option<&'static str> {
        let needs = matches!(stage, Stage::Sending { .. } | Stage::BackingOff { .. });
        (needs && secrets.token.is_none()).then_some("secureToken")
    }
}

fn secrets() -> Secrets {
    Secrets {
        token: Some(SecureToken::new("secureToken", TOKEN).expect("valid")),
    }
}

fn start(step: Step) -> Journey<Fake> {
    Journey::start(Fake { charged: false }, secrets(), Next::Send(step))
}

fn sent_id(journey: &Journey<Fake>) -> RequestId {
    match journey.next_action() {
        Action::Send { id, .. } => id,
        other => panic!("expected a send, got {other:?}"),
    }
}

fn ok() -> HttpResponse {
    HttpResponse::json(200, b"{}".to_vec())
}

fn maybe_sent() -> TransportFailure {
    TransportFailure::MaybeSent {
        reason: "timeout after write".into(),
    }
}

fn not_sent() -> TransportFailure {
    TransportFailure::NotSent {
        reason: "connection refused".into(),
    }
}

#[test]
fn next_action_is_pure_and_ids_are_fresh_per_send() {
    let journey = start(Step::Charge);
    assert_eq!(journey.next_action(), journey.next_action());
    assert_eq!(sent_id(&journey), RequestId(1));
}

#[test]
fn a_response_to_another_id_is_refused_and_changes_nothing() {
    let mut journey = start(Step::Charge);
    let before = journey.checkpoint();
    let error = journey
        .on_response(RequestId(7), &ok(), 0)
        .expect_err("stale id");
    assert_eq!(
        error,
        JourneyError::UnexpectedResponse {
            got: RequestId(7),
            expected: Some(RequestId(1))
        }
    );
    assert_eq!(journey.checkpoint(), before);
    // A duplicate of a response already handled is refused the same way.
    journey
        .on_response(RequestId(1), &ok(), 0)
        .expect("accepted");
    assert_eq!(
        journey.on_response(RequestId(1), &ok(), 0),
        Err(JourneyError::UnexpectedResponse {
            got: RequestId(1),
            expected: None
        })
    );
}

#[test]
fn not_sent_failures_retry_with_backoff_then_fail() {
    let mut journey = start(Step::Charge);
    journey
        .on_transport_failure(RequestId(1), not_sent(), 1_000)
        .expect("accepted");
    assert_eq!(journey.next_action(), Action::Wait { until: 1_500 });
    journey
        .on_timeout(1_499)
        .expect("early wake-up is harmless");
    assert_eq!(journey.next_action(), Action::Wait { until: 1_500 });
    journey.on_timeout(1_500).expect("due");
    assert_eq!(sent_id(&journey), RequestId(2));
    assert_eq!(
        journey.stage(),
        &Stage::Sending {
            step: Step::Charge,
            id: RequestId(2),
            attempt: 2
        }
    );
    journey
        .on_transport_failure(RequestId(2), not_sent(), 2_000)
        .expect("accepted");
    assert_eq!(
        journey.next_action(),
        Action::Wait { until: 3_000 },
        "back-off doubles"
    );
    journey.on_timeout(3_000).expect("due");
    journey
        .on_transport_failure(RequestId(3), not_sent(), 3_000)
        .expect("accepted");
    assert_eq!(
        journey.next_action(),
        Action::Failed(JourneyFailure::Transport {
            failure: not_sent()
        })
    );
}

#[test]
fn maybe_sent_on_a_non_idempotent_call_stops_at_the_unknown_outcome_prompt() {
    let mut journey = start(Step::Charge);
    journey
        .on_transport_failure(RequestId(1), maybe_sent(), 0)
        .expect("accepted");
    assert_eq!(
        journey.next_action(),
        Action::Prompt(Prompt::ConfirmUnknownOutcome {
            operation: "fake.charge".into(),
            can_reconcile: true
        })
    );
    // Nothing is sent until the host decides, whatever else it tries.
    assert_eq!(
        journey.on_timeout(10_000),
        Err(JourneyError::InvalidEvent {
            state: "OutcomeUnknown",
            event: "Timeout"
        })
    );
    assert_eq!(
        journey.submit(Input::RedirectCompleted, 0),
        Err(JourneyError::InvalidEvent {
            state: "OutcomeUnknown",
            event: "RedirectCompleted"
        })
    );
    journey.submit(Input::Reconcile, 0).expect("reconcile");
    assert_eq!(
        journey.stage(),
        &Stage::Sending {
            step: Step::Status,
            id: RequestId(2),
            attempt: 1
        }
    );
}

#[test]
fn the_host_may_resend_after_an_unknown_outcome_explicitly() {
    let mut journey = start(Step::Charge);
    journey
        .on_transport_failure(RequestId(1), maybe_sent(), 0)
        .expect("accepted");
    journey
        .submit(Input::ResendAfterUnknownOutcome, 0)
        .expect("resend");
    assert_eq!(
        journey.stage(),
        &Stage::Sending {
            step: Step::Charge,
            id: RequestId(2),
            attempt: 1
        }
    );
}

#[test]
fn maybe_sent_on_an_idempotent_call_retries_automatically() {
    let mut journey = start(Step::Status);
    journey
        .on_transport_failure(RequestId(1), maybe_sent(), 0)
        .expect("accepted");
    assert_eq!(journey.next_action(), Action::Wait { until: 500 });
}

fn api(status: u16) -> HttpResponse {
    HttpResponse::json(status, b"{}".to_vec())
}

#[test]
fn server_errors_follow_idempotency_and_429_is_always_retried() {
    let mut charge = start(Step::Charge);
    charge
        .on_response(RequestId(1), &api(503), 0)
        .expect("accepted");
    assert!(matches!(
        charge.stage(),
        Stage::OutcomeUnknown { step: Step::Charge }
    ));

    let mut status = start(Step::Status);
    status
        .on_response(RequestId(1), &api(503), 0)
        .expect("accepted");
    assert_eq!(status.next_action(), Action::Wait { until: 500 });

    let mut limited = start(Step::Charge);
    limited
        .on_response(RequestId(1), &api(429), 0)
        .expect("accepted");
    assert_eq!(
        limited.next_action(),
        Action::Wait { until: 500 },
        "a 429 was refused before any effect"
    );
}

#[test]
fn client_errors_fail_with_the_api_error() {
    let mut journey = start(Step::Charge);
    journey
        .on_response(RequestId(1), &api(400), 0)
        .expect("accepted");
    match journey.next_action() {
        Action::Failed(JourneyFailure::Api(e)) => {
            assert_eq!(
                (e.http_status, e.category, e.recovery),
                (400, ErrorCategory::InvalidRequest, Recovery::FixRequest)
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn cancel_works_in_every_non_terminal_stage_and_names_an_unresolved_call() {
    let cases: Vec<(Journey<Fake>, Option<&str>)> = vec![
        (start(Step::Charge), Some("fake.charge")),
        (start(Step::Status), None),
        (
            {
                let mut j = start(Step::Charge);
                j.on_transport_failure(RequestId(1), not_sent(), 0)
                    .expect("ok");
                j
            },
            None,
        ),
        (
            {
                let mut j = start(Step::Charge);
                j.on_transport_failure(RequestId(1), maybe_sent(), 0)
                    .expect("ok");
                j
            },
            Some("fake.charge"),
        ),
        (
            Journey::start(Fake { charged: false }, secrets(), Next::Prompt(Phase::Ask)),
            None,
        ),
    ];
    for (mut journey, unknown) in cases {
        journey.submit(Input::Cancel, 0).expect("cancel accepted");
        assert_eq!(
            journey.next_action(),
            Action::Failed(JourneyFailure::Cancelled {
                outcome_unknown_for: unknown.map(str::to_owned)
            })
        );
        // Terminal: a second cancel is refused and the answer repeats.
        assert_eq!(
            journey.submit(Input::Cancel, 0),
            Err(JourneyError::InvalidEvent {
                state: "Failed",
                event: "Cancel"
            })
        );
    }
}

#[test]
fn inputs_while_sending_are_refused_without_change() {
    let mut journey = start(Step::Charge);
    let before = journey.checkpoint();
    assert_eq!(
        journey.submit(Input::RedirectCompleted, 0),
        Err(JourneyError::InvalidEvent {
            state: "Sending",
            event: "RedirectCompleted"
        })
    );
    assert_eq!(journey.checkpoint(), before);
}

#[test]
fn checkpoints_resume_to_the_same_next_action_in_every_stage_without_secrets() {
    let mut stages = Vec::new();
    let mut waiting = start(Step::Charge);
    waiting
        .on_transport_failure(RequestId(1), not_sent(), 0)
        .expect("ok");
    stages.push(waiting);
    let mut unknown = start(Step::Charge);
    unknown
        .on_transport_failure(RequestId(1), maybe_sent(), 0)
        .expect("ok");
    stages.push(unknown);
    let mut asking = start(Step::Charge);
    asking.on_response(RequestId(1), &ok(), 0).expect("ok");
    stages.push(asking.clone());
    let mut done = asking;
    done.submit(Input::RedirectCompleted, 0).expect("ok");
    stages.push(done);

    stages.push(start(Step::Status));
    for journey in stages {
        let checkpoint = journey.checkpoint();
        assert!(
            !checkpoint.contains(TOKEN),
            "secret in checkpoint: {checkpoint}"
        );
        let resumed = Journey::<Fake>::resume(&checkpoint, secrets()).expect("resumes");
        assert_eq!(resumed.next_action(), journey.next_action());
        assert_eq!(resumed.checkpoint(), checkpoint);
    }
}

#[test]
fn a_non_idempotent_send_in_flight_at_checkpoint_resumes_as_outcome_unknown() {
    let journey = start(Step::Charge);
    let resumed = Journey::<Fake>::resume(&journey.checkpoint(), secrets()).expect("resumes");
    assert_eq!(
        resumed.next_action(),
        Action::Prompt(Prompt::ConfirmUnknownOutcome {
            operation: "fake.charge".into(),
            can_reconcile: true
        })
    );
}

#[test]
fn resend_after_resume_without_the_secret_is_refused_unchanged() {
    let mut journey = start(Step::Charge);
    journey
        .on_transport_failure(RequestId(1), maybe_sent(), 0)
        .expect("ok");
    // The unknown-outcome prompt needs no secret, so resume succeeds without it …
    let mut resumed =
        Journey::<Fake>::resume(&journey.checkpoint(), Secrets { token: None }).expect("resumes");
    let before = resumed.checkpoint();
    // … but resending does.
    assert_eq!(
        resumed.submit(Input::ResendAfterUnknownOutcome, 0),
        Err(JourneyError::Resume("token".into()))
    );
    assert_eq!(resumed.checkpoint(), before);
}

#[test]
fn resume_refuses_missing_secrets_foreign_and_corrupt_checkpoints() {
    let journey = start(Step::Status);
    let checkpoint = journey.checkpoint();
    assert_eq!(
        Journey::<Fake>::resume(&checkpoint, Secrets::default()).map(drop),
        Err(JourneyError::Resume(
            "the secret `secureToken` is needed to continue".into()
        ))
    );
    let foreign = checkpoint.replace("\"journey\":\"fake\"", "\"journey\":\"other\"");
    assert_eq!(
        Journey::<Fake>::resume(&foreign, secrets()).map(drop),
        Err(JourneyError::Resume(
            "checkpoint of journey `other`, not `fake`".into()
        ))
    );
    let old = checkpoint.replace("\"version\":1", "\"version\":0");
    assert_eq!(
        Journey::<Fake>::resume(&old, secrets()).map(drop),
        Err(JourneyError::Resume("checkpoint version 0 is not 1".into()))
    );
    assert_eq!(
        Journey::<Fake>::resume(&checkpoint[..20], secrets()).map(drop),
        Err(JourneyError::Resume(
            "not a fake checkpoint (truncated)".into()
        ))
    );
}
