//! The engine against the in-process sandbox: a journey end to end, cancel from another thread
//! while a request is in flight, checkpoint and resume, and the error mapping of `advance`.

use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use agentic_core::journey::{Input, Outcome, Prompt};
use agentic_sandbox::faults::{Fault, FaultRule};
use agentic_sandbox::{Sandbox, magic};

use super::start::{self, CardSource, DirectOtpStart, NewOrderStart};
use super::*;
use crate::error::Recovery;

fn settings(sandbox: &Sandbox) -> Settings {
    Settings {
        juspay: Some(JuspaySettings {
            environment: sandbox.base_url(),
            merchant_id: sandbox.config().merchant_id.clone(),
            routing_id: Some("customer_1".to_owned()),
        }),
        visa_acceptance: None,
        connect_timeout_ms: 5_000,
        read_timeout_ms: 10_000,
        overall_timeout_ms: 15_000,
    }
}

fn backend(sandbox: &Sandbox, api_key: &str) -> Backend {
    let credentials = Credentials {
        juspay_api_key: Some(Secret::new(api_key)),
        ..Credentials::default()
    };
    Backend::from_settings(settings(sandbox), credentials, None).expect("backend")
}

fn card() -> CardSource {
    CardSource::Details(CardFields {
        number: Secret::new(magic::CARD_NATIVE_OTP),
        exp_month: Secret::new("12"),
        exp_year: Secret::new("39"),
        security_code: Secret::new("123"),
        name_on_card: None,
    })
}

fn payment(backend: &Backend) -> Session {
    let params = DirectOtpStart {
        order_id: None,
        new_order: Some(NewOrderStart {
            amount: "100.00".into(),
            currency: Some("INR".into()),
            customer_id: Some("customer_1".into()),
            customer_email: None,
            customer_phone: None,
            return_url: None,
        }),
        card_bin: None,
        payment_method: None,
        save_to_locker: false,
        auto_capture: None,
    };
    start::direct_otp(backend, params, card()).expect("start")
}

fn otp(value: &str) -> Input {
    Input::Otp(Secret::new(value).otp().expect("otp"))
}

#[test]
fn a_direct_otp_payment_runs_to_paid_and_refuses_inputs_out_of_turn() {
    let sandbox = Sandbox::start().expect("sandbox");
    let session = payment(&backend(&sandbox, &sandbox.config().api_key));
    assert_eq!(session.kind(), JourneyKind::DirectOtp);
    match session.advance() {
        Ok(SessionStep::Prompt(Prompt::EnterOtp { attempts_left, .. })) => {
            assert!(attempts_left > 0);
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        session.submit(Input::RedirectCompleted),
        Err(AgenticError::InvalidState { .. })
    ));
    session
        .submit(otp("111111"))
        .expect("wrong OTP accepted for sending");
    match session.advance() {
        Ok(SessionStep::Prompt(Prompt::EnterOtp {
            last_attempt_failed,
            ..
        })) => assert!(last_attempt_failed),
        other => panic!("{other:?}"),
    }
    session.submit(otp(magic::RIGHT_OTP)).expect("submit");
    match session.advance() {
        Ok(SessionStep::Done(Outcome::Paid { status, .. })) => {
            assert_eq!(status.as_str(), "CHARGED");
        }
        other => panic!("{other:?}"),
    }
    // A finished journey answers the same; cancel is refused.
    assert!(matches!(session.advance(), Ok(SessionStep::Done(_))));
    assert!(matches!(
        session.cancel(),
        Err(AgenticError::InvalidState { .. })
    ));
    assert_eq!(sandbox.counters().charges, 1);
}

#[test]
fn cancel_from_another_thread_ends_a_running_advance() {
    let sandbox = Sandbox::start().expect("sandbox");
    sandbox.inject(FaultRule {
        operation: "juspay_ec.create_order".into(),
        nth: None,
        fault: Fault::Delay { ms: 1_500 },
    });
    let session = Arc::new(payment(&backend(&sandbox, &sandbox.config().api_key)));
    let running = {
        let session = Arc::clone(&session);
        thread::spawn(move || session.advance())
    };
    thread::sleep(Duration::from_millis(300));
    let started = Instant::now();
    session
        .cancel()
        .expect("cancel while a request is in flight");
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "cancel waited for the request: {:?}",
        started.elapsed()
    );
    match running.join().expect("thread") {
        Ok(SessionStep::Failed(Failure::Cancelled {
            outcome_unknown_for,
        })) => assert_eq!(
            outcome_unknown_for.as_deref(),
            Some("juspay_ec.create_order")
        ),
        other => panic!("{other:?}"),
    }
    // Nothing after the cancel: the payment was never started.
    assert_eq!(sandbox.calls("juspay_ec.start_authentication"), 0);
}

#[test]
fn a_checkpoint_resumes_in_a_new_session_without_the_card() {
    let sandbox = Sandbox::start().expect("sandbox");
    let backend = backend(&sandbox, &sandbox.config().api_key);
    let session = payment(&backend);
    assert!(matches!(
        session.advance(),
        Ok(SessionStep::Prompt(Prompt::EnterOtp { .. }))
    ));
    let checkpoint = session.checkpoint();
    drop(session);
    assert!(!checkpoint.contains(magic::CARD_NATIVE_OTP));
    assert_eq!(
        JourneyKind::of_checkpoint(&checkpoint).ok(),
        Some(JourneyKind::DirectOtp)
    );
    let resumed =
        Session::resume(backend.clone(), &checkpoint, ResumeSecrets::default()).expect("resume");
    assert!(matches!(
        resumed.advance(),
        Ok(SessionStep::Prompt(Prompt::EnterOtp { .. }))
    ));
    resumed.submit(otp(magic::RIGHT_OTP)).expect("submit");
    assert!(matches!(
        resumed.advance(),
        Ok(SessionStep::Done(Outcome::Paid { .. }))
    ));
    for bad in ["", "{}", "{\"journey\": \"juspay_vat.refund\"}", "not json"] {
        assert!(
            matches!(
                Session::resume(backend.clone(), bad, ResumeSecrets::default()),
                Err(AgenticError::CannotResume { .. })
            ),
            "{bad}"
        );
    }
}

#[test]
fn a_wrong_api_key_ends_the_journey_with_a_provider_error() {
    let sandbox = Sandbox::start().expect("sandbox");
    let session = payment(&backend(&sandbox, "wrong_key"));
    for _ in 0..2 {
        match session.advance() {
            Err(AgenticError::Provider {
                http_status,
                recovery,
                ..
            }) => {
                assert_eq!(http_status, 401);
                assert_eq!(recovery, Recovery::CheckCredentials);
            }
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn a_missing_routing_id_is_a_configuration_error_before_anything_is_sent() {
    let sandbox = Sandbox::start().expect("sandbox");
    let mut settings = settings(&sandbox);
    if let Some(juspay) = settings.juspay.as_mut() {
        juspay.routing_id = None;
    }
    let credentials = Credentials {
        juspay_api_key: Some(Secret::new(sandbox.config().api_key.clone())),
        ..Credentials::default()
    };
    let backend = Backend::from_settings(settings, credentials, None).expect("backend");
    let params = DirectOtpStart {
        order_id: None,
        new_order: None,
        card_bin: None,
        payment_method: None,
        save_to_locker: false,
        auto_capture: None,
    };
    assert!(matches!(
        start::direct_otp(&backend, params, card()),
        Err(AgenticError::Configuration { .. })
    ));
    assert_eq!(sandbox.counters().requests, 0);
}
