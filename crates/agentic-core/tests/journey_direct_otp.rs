//! Direct OTP journey: every (state, event) pair, scripted runs on the documented samples,
//! checkpoints, a random-event property and the secret canary.

mod support;

use agentic_core::HttpResponse;
use agentic_core::journey::direct_otp::{
    self, CardSecrets, DirectOtp, DirectOtpParams, DirectOtpSecrets, NewOrder,
};
use agentic_core::journey::*;
use agentic_core::juspay_ec::TxnStatus;
use agentic_core::secret::{CardNumber, CardSecurityCode, ExpiryMonth, ExpiryYear, Otp};
use proptest::prelude::*;
use support::canary;

const ORDER: &str = "ord1551359984";
const MERCHANT: &str = "merchant_7";

fn card() -> CardSecrets {
    CardSecrets::New {
        number: CardNumber::new("card_number", canary::PAN).expect("valid"),
        exp_month: ExpiryMonth::new("card_exp_month", "01").expect("valid"),
        exp_year: ExpiryYear::new("card_exp_year", "29").expect("valid"),
        security_code: CardSecurityCode::new("card_security_code", canary::CVV).expect("valid"),
    }
}

fn secrets() -> DirectOtpSecrets {
    DirectOtpSecrets {
        card: Some(card()),
        otp: None,
    }
}

fn params(bin: bool, create: bool) -> DirectOtpParams {
    let order = create.then(|| NewOrder::new("92.65").expect("valid"));
    let p = DirectOtpParams::new(MERCHANT, ORDER, order).expect("valid");
    if bin {
        p.check_bin("424242").expect("valid")
    } else {
        p
    }
}

fn start(bin: bool, create: bool) -> Journey<DirectOtp> {
    direct_otp::start(params(bin, create), secrets()).expect("starts")
}

fn otp(value: &str) -> Input {
    Input::Otp(Otp::new("otp", value).expect("valid"))
}

// Documented samples (API.md §5, seed 003), with this test's order id.
fn native_otp() -> String {
    format!(
        r#"{{"order_id": "{ORDER}", "txn_id": "{ORDER}-1", "status": "PENDING_VBV",
        "payment": {{"authentication": {{"method": "POST", "url": "https://api.juspay.in/v2/txns/:id/authenticate",
        "params": {{"id": "eul5g88xxxxxswrHYMh", "challenge_id": "ch_xyz", "auth_type": "OTP", "card_isin": "424242",
        "card_issuer_bank_name": "AXIS BANK LTD", "submit_otp_allowed": true, "resend_otp_allowed": true,
        "fallback_url": "https://api.juspay.in/v2/pay/start/guest/eul5g88xxxxxswrHYMh?fallback=true"}}}}}}}}"#
    )
}
const REDIRECT: &str = r#"{"txn_uuid": "eul5g88vzCXbswrHYMh", "txn_id": "paypal-1551359984-1", "status": "PENDING_VBV",
    "payment": {"authentication": {"url": "https://api.juspay.in/v2/pay/start/guest/eul5xxxxxCXbswrHYMh", "method": "GET"}},
    "order_id": "1551359984"}"#;
fn charged() -> String {
    format!(
        r#"{{"id": "txn_035b", "order_id": "{ORDER}", "txn_id": "{ORDER}-1", "status": "CHARGED", "gateway": "RAZORPAY", "resp_code": "00"}}"#
    )
}
fn with_status(status: &str) -> String {
    format!(r#"{{"order_id": "{ORDER}", "txn_id": "{ORDER}-1", "status": "{status}"}}"#)
}
const RESEND: &str = r#"{"order_id":":order_id","txn_id":":txn_id","status":"PENDING_VBV",
    "payment":{"authentication":{"method":"POST","url":"https://api.juspay.in/v2/txns/:id/authenticate",
    "params":{"id":"eul5g88xxxxxswrHYMh","challenge_id":"ch_xyz","auth_method":"OTP","card_isin":"424242",
    "card_issuer_bank_name":"AXIS BANK LTD","times_otp_sent":2,"max_otp_send_limit":4,"current_attempt":1,"max_attempts":4}}}}"#;
const WRONG_OTP: &str = r#"{"order_id":"o","txn_id":"t","status":"PENDING_VBV",
    "payment":{"authentication":{"method":"POST","url":"u","params":{"id":"eul5g88xxxxxswrHYMh","challenge_id":"ch_xyz",
    "submit_otp_allowed":true,"resend_otp_allowed":true,"times_otp_sent":1,"max_otp_send_limit":3,"current_attempt":2,"max_attempts":3}}}}"#;
const LIMIT: &str = r#"{"status": "Invalid Request", "error_code": "max_limit_exceeded", "error_message": "Max OTP send limit exceeded."}"#;
const CARDBIN: &str = r#"{"id":"424242","object":"cardbin","brand":"VISA","bank":"AXIS BANK","country":"India","type":"CREDIT","direct_otp_support":true}"#;
fn new_order() -> String {
    format!(r#"{{"status": "NEW", "id": "ordeh_5e2b", "order_id": "{ORDER}"}}"#)
}

fn sending(journey: &Journey<DirectOtp>) -> (RequestId, agentic_core::HttpRequest) {
    match journey.next_action() {
        Action::Send { id, request } => (id, request),
        other => panic!("expected a send, got {other:?}"),
    }
}

/// Answers the request in flight with `status` and `body`; returns what was sent.
fn answer(
    journey: &mut Journey<DirectOtp>,
    status: u16,
    body: &str,
    now: u64,
) -> agentic_core::HttpRequest {
    let (id, request) = sending(journey);
    journey
        .on_response(
            id,
            &HttpResponse::json(status, body.as_bytes().to_vec()),
            now,
        )
        .expect("accepted");
    request
}

fn form(request: &agentic_core::HttpRequest) -> Vec<(String, String)> {
    form_urlencoded::parse(request.body.bytes())
        .into_owned()
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

// ----- scripted runs ---------------------------------------------------------------------------

#[test]
fn native_otp_happy_path_sends_the_documented_requests_in_order() {
    let mut j = start(true, true);
    let bin = answer(&mut j, 200, CARDBIN, 0);
    assert_eq!(
        bin.path,
        format!("/cardbins/424242?merchant_id={MERCHANT}&options.check_direct_otp_support=true")
    );
    assert_eq!(j.script().direct_otp_supported(), Some(true));

    let order = answer(&mut j, 200, &new_order(), 0);
    assert_eq!((order.path.as_str(), order.idempotent), ("/orders", false));
    assert_eq!(
        form(&order),
        pairs(&[("order_id", ORDER), ("amount", "92.65")])
    );

    let txn = answer(&mut j, 200, &native_otp(), 0);
    assert_eq!(txn.path, "/txns");
    assert_eq!(
        form(&txn),
        pairs(&[
            ("order_id", ORDER),
            ("merchant_id", MERCHANT),
            ("payment_method_type", "CARD"),
            ("card_number", canary::PAN),
            ("card_exp_month", "01"),
            ("card_exp_year", "29"),
            ("card_security_code", canary::CVV),
            ("save_to_locker", "false"),
            ("format", "json"),
            ("auth_type", "OTP"),
        ])
    );
    assert_eq!(
        j.next_action(),
        Action::Prompt(Prompt::EnterOtp {
            attempts_left: 1,
            resends_left: 1,
            expires_at: None,
            last_attempt_failed: false,
            expired: false
        })
    );
    j.submit(otp(canary::OTP), 0).expect("otp accepted");
    let process = answer(&mut j, 200, &charged(), 0);
    assert_eq!(process.path, "/v2/txns/eul5g88xxxxxswrHYMh/authenticate");
    assert_eq!(
        form(&process),
        pairs(&[("challenge_id", "ch_xyz"), ("answer.otp", canary::OTP)])
    );
    assert_eq!(
        j.next_action(),
        Action::Done(Outcome::Paid {
            order_id: ORDER.into(),
            txn_id: Some(format!("{ORDER}-1")),
            status: TxnStatus::Charged
        })
    );
}

#[test]
fn wrong_otp_reprompts_with_the_counters_then_the_right_one_pays() {
    let mut j = start(false, false);
    answer(&mut j, 200, &native_otp(), 0);
    j.submit(otp("111111"), 0).expect("ok");
    answer(&mut j, 200, WRONG_OTP, 0);
    assert_eq!(
        j.next_action(),
        Action::Prompt(Prompt::EnterOtp {
            attempts_left: 2,
            resends_left: 2,
            expires_at: None,
            last_attempt_failed: true,
            expired: false
        })
    );
    j.submit(otp(canary::OTP), 0).expect("ok");
    answer(&mut j, 200, &charged(), 0);
    assert!(matches!(
        j.next_action(),
        Action::Done(Outcome::Paid { .. })
    ));
}

#[test]
fn a_4xx_on_authenticate_counts_as_a_refused_otp_while_attempts_remain() {
    let mut j = start(false, false);
    answer(&mut j, 200, RESEND, 0); // a challenge with 4 attempts
    j.submit(otp("111111"), 0).expect("ok");
    answer(
        &mut j,
        400,
        r#"{"status":"invalid_request_error","error_code":"invalid","error_message":"Invalid OTP"}"#,
        0,
    );
    assert!(matches!(
        j.next_action(),
        Action::Prompt(Prompt::EnterOtp {
            attempts_left: 3,
            last_attempt_failed: true,
            ..
        })
    ));
}

#[test]
fn resend_updates_the_counters_and_the_send_limit_stops_resends() {
    let mut j = start(false, false);
    answer(&mut j, 200, &native_otp(), 0);
    j.submit(Input::ResendOtp, 0).expect("resend allowed");
    let resend = answer(&mut j, 200, RESEND, 0);
    assert_eq!(
        resend.path,
        "/v2/txns/eul5g88xxxxxswrHYMh/authenticate/ch_xyz/resend"
    );
    assert!(resend.body.bytes().is_empty());
    assert!(matches!(
        j.next_action(),
        Action::Prompt(Prompt::EnterOtp {
            attempts_left: 4,
            resends_left: 2,
            ..
        })
    ));
    j.submit(Input::ResendOtp, 0).expect("resend allowed");
    answer(&mut j, 400, LIMIT, 0);
    assert!(matches!(
        j.next_action(),
        Action::Prompt(Prompt::EnterOtp {
            resends_left: 0,
            ..
        })
    ));
    let before = j.checkpoint();
    assert_eq!(
        j.submit(Input::ResendOtp, 0),
        Err(JourneyError::InvalidEvent {
            state: "EnterOtp",
            event: "ResendOtp"
        })
    );
    assert_eq!(j.checkpoint(), before);
}

#[test]
fn redirect_fallback_then_order_status_reconciles() {
    let mut j = start(false, false);
    answer(&mut j, 200, REDIRECT, 0);
    assert_eq!(
        j.next_action(),
        Action::Prompt(Prompt::Redirect {
            url: "https://api.juspay.in/v2/pay/start/guest/eul5xxxxxCXbswrHYMh".into()
        })
    );
    j.submit(Input::RedirectCompleted, 0).expect("ok");
    let status = answer(&mut j, 200, &with_status("CHARGED"), 0);
    assert_eq!(
        (status.path.as_str(), status.idempotent),
        (format!("/orders/{ORDER}").as_str(), true)
    );
    assert!(matches!(
        j.next_action(),
        Action::Done(Outcome::Paid {
            status: TxnStatus::Charged,
            ..
        })
    ));
}

#[test]
fn choosing_another_method_opens_the_fallback_url() {
    let mut j = start(false, false);
    answer(&mut j, 200, &native_otp(), 0);
    j.submit(Input::ChooseAnotherMethod, 0)
        .expect("fallback exists");
    assert_eq!(
        j.next_action(),
        Action::Prompt(Prompt::Redirect {
            url: "https://api.juspay.in/v2/pay/start/guest/eul5g88xxxxxswrHYMh?fallback=true"
                .into()
        })
    );
}

#[test]
fn each_terminal_status_ends_the_journey() {
    for (status, expected) in [
        ("CHARGED", Some(TxnStatus::Charged)),
        ("AUTHORIZED", Some(TxnStatus::Authorized)),
        ("AUTHENTICATION_FAILED", None),
        ("AUTHORIZATION_FAILED", None),
        ("JUSPAY_DECLINED", None),
    ] {
        let mut j = start(false, false);
        answer(&mut j, 200, &native_otp(), 0);
        j.submit(otp(canary::OTP), 0).expect("ok");
        answer(&mut j, 200, &with_status(status), 0);
        match (j.next_action(), expected) {
            (Action::Done(Outcome::Paid { status: got, .. }), Some(want)) => assert_eq!(got, want),
            (Action::Failed(JourneyFailure::PaymentFailed { status: got }), None) => {
                assert_eq!(got, status)
            }
            (other, _) => panic!("{status}: {other:?}"),
        }
    }
}

#[test]
fn a_txns_call_that_may_have_been_sent_is_reconciled_never_resent() {
    let mut j = start(false, false);
    let (id, _) = sending(&j);
    j.on_transport_failure(
        id,
        TransportFailure::MaybeSent {
            reason: "timeout after write".into(),
        },
        0,
    )
    .expect("ok");
    assert_eq!(
        j.next_action(),
        Action::Prompt(Prompt::ConfirmUnknownOutcome {
            operation: "juspay_ec.start_authentication".into(),
            can_reconcile: true
        })
    );
    j.submit(Input::Reconcile, 0).expect("ok");
    let status = answer(&mut j, 200, &with_status("CHARGED"), 0);
    assert_eq!(status.path, format!("/orders/{ORDER}"));
    assert!(matches!(j.next_action(), Action::Done(_)));
}

fn unknown_after(j: &mut Journey<DirectOtp>) {
    let (id, _) = sending(j);
    j.on_transport_failure(
        id,
        TransportFailure::MaybeSent {
            reason: "reset after send".into(),
        },
        0,
    )
    .expect("ok");
}

#[test]
fn a_txns_whose_order_shows_no_attempt_goes_back_to_the_host_about_that_txns() {
    let mut j = start(false, false);
    unknown_after(&mut j);
    j.submit(Input::Reconcile, 0).expect("ok");
    answer(&mut j, 200, &with_status("NEW"), 0);
    assert_eq!(
        j.next_action(),
        Action::Prompt(Prompt::ConfirmUnknownOutcome {
            operation: "juspay_ec.start_authentication".into(),
            can_reconcile: true
        })
    );
    // The host may now resend the same /txns (same order id) …
    j.submit(Input::ResendAfterUnknownOutcome, 0).expect("ok");
    let resent = sending(&j).1;
    assert_eq!(resent.path, "/txns");
    assert!(form(&resent).contains(&("order_id".to_owned(), ORDER.to_owned())));
    // … or cancel, and the failure names the /txns, not the status call.
    let mut j = start(false, false);
    unknown_after(&mut j);
    j.submit(Input::Reconcile, 0).expect("ok");
    answer(&mut j, 200, &with_status("NEW"), 0);
    j.submit(Input::Cancel, 0).expect("ok");
    assert_eq!(
        j.next_action(),
        Action::Failed(JourneyFailure::Cancelled {
            outcome_unknown_for: Some("juspay_ec.start_authentication".into())
        })
    );
}

#[test]
fn a_pending_txns_after_reconciling_is_polled_then_handed_back_about_the_txns() {
    let mut j = start(false, false);
    unknown_after(&mut j);
    j.submit(Input::Reconcile, 0).expect("ok");
    let mut now = 0;
    for _ in 0..direct_otp::MAX_STATUS_POLLS {
        answer(&mut j, 200, &with_status("PENDING_VBV"), now);
        now += direct_otp::STATUS_POLL_INTERVAL_MS;
        j.on_timeout(now).expect("due");
    }
    answer(&mut j, 200, &with_status("PENDING_VBV"), now);
    assert_eq!(
        j.next_action(),
        Action::Prompt(Prompt::ConfirmUnknownOutcome {
            operation: "juspay_ec.start_authentication".into(),
            can_reconcile: true
        })
    );
}

#[test]
fn an_authenticate_whose_challenge_still_waits_asks_for_the_otp_again() {
    let mut j = start(false, false);
    answer(&mut j, 200, &native_otp(), 0);
    j.submit(otp(canary::OTP), 0).expect("ok");
    unknown_after(&mut j);
    assert_eq!(
        j.next_action(),
        Action::Prompt(Prompt::ConfirmUnknownOutcome {
            operation: "juspay_ec.process_otp".into(),
            can_reconcile: true
        })
    );
    j.submit(Input::Reconcile, 0).expect("ok");
    answer(&mut j, 200, &with_status("PENDING_VBV"), 0);
    assert!(
        matches!(
            j.next_action(),
            Action::Prompt(Prompt::EnterOtp {
                last_attempt_failed: false,
                ..
            })
        ),
        "{:?}",
        j.next_action()
    );
    // Typing it again is the host's explicit input; it pays.
    j.submit(otp(canary::OTP), 0).expect("ok");
    answer(&mut j, 200, &charged(), 0);
    assert!(matches!(
        j.next_action(),
        Action::Done(Outcome::Paid { .. })
    ));
}

#[test]
fn an_unreadable_order_status_is_asked_again_not_failed() {
    let mut j = start(false, false);
    answer(&mut j, 200, REDIRECT, 0);
    j.submit(Input::RedirectCompleted, 0).expect("ok");
    answer(&mut j, 200, "<html>gateway</html>", 1_000);
    assert_eq!(
        j.next_action(),
        Action::Wait { until: 1_500 },
        "an idempotent read is retried"
    );
    j.on_timeout(1_500).expect("due");
    answer(&mut j, 200, &with_status("CHARGED"), 1_500);
    assert!(matches!(j.next_action(), Action::Done(_)));
}

#[test]
fn a_pending_status_is_polled_five_times_then_handed_to_the_host() {
    let mut j = start(false, false);
    answer(&mut j, 200, REDIRECT, 0);
    j.submit(Input::RedirectCompleted, 0).expect("ok");
    let mut now = 1_000;
    answer(&mut j, 200, &with_status("PENDING_VBV"), now);
    for _ in 0..direct_otp::MAX_STATUS_POLLS - 1 {
        assert_eq!(
            j.next_action(),
            Action::Wait {
                until: now + direct_otp::STATUS_POLL_INTERVAL_MS
            }
        );
        now += direct_otp::STATUS_POLL_INTERVAL_MS;
        j.on_timeout(now).expect("due");
        answer(&mut j, 200, &with_status("AUTHORIZING"), now);
    }
    now += direct_otp::STATUS_POLL_INTERVAL_MS;
    j.on_timeout(now).expect("due");
    answer(&mut j, 200, &with_status("PENDING_VBV"), now);
    assert_eq!(
        j.next_action(),
        Action::Prompt(Prompt::ConfirmUnknownOutcome {
            operation: "juspay_ec.order_status".into(),
            can_reconcile: true
        })
    );
}

#[test]
fn an_order_that_was_not_created_is_created_after_reconciling() {
    let mut j = start(false, true);
    let (id, _) = sending(&j);
    j.on_transport_failure(
        id,
        TransportFailure::MaybeSent {
            reason: "reset".into(),
        },
        0,
    )
    .expect("ok");
    j.submit(Input::Reconcile, 0).expect("ok");
    answer(
        &mut j,
        404,
        r#"{"status":"error","error_code":"not_found","error_message":"Order not found"}"#,
        0,
    );
    let (_, request) = sending(&j);
    assert_eq!(request.path, "/orders");
    // And an order that exists goes on to the payment.
    let mut j = start(false, true);
    let (id, _) = sending(&j);
    j.on_transport_failure(
        id,
        TransportFailure::MaybeSent {
            reason: "reset".into(),
        },
        0,
    )
    .expect("ok");
    j.submit(Input::Reconcile, 0).expect("ok");
    answer(&mut j, 200, &with_status("NEW"), 0);
    assert_eq!(sending(&j).1.path, "/txns");
}

#[test]
fn a_failed_bin_check_does_not_block_the_payment() {
    let mut j = start(true, false);
    answer(
        &mut j,
        400,
        r#"{"status":"invalid_request_error","error_code":"invalid"}"#,
        0,
    );
    assert_eq!(j.script().direct_otp_supported(), None);
    assert_eq!(sending(&j).1.path, "/txns");
}

#[test]
fn start_refuses_a_journey_without_a_card() {
    assert_eq!(
        direct_otp::start(params(false, false), DirectOtpSecrets::default()).map(drop),
        Err(agentic_core::InvalidInput::new(
            "card",
            agentic_core::Problem::Empty
        ))
    );
}

// ----- the (state, event) table -----------------------------------------------------------------

/// A journey in each reachable state, with the inputs valid there.
fn states() -> Vec<(&'static str, Journey<DirectOtp>, &'static [&'static str])> {
    let mut out = Vec::new();
    out.push(("Sending CheckBin", start(true, true), &["Cancel"][..]));
    let mut j = start(false, true);
    out.push(("Sending CreateOrder", j.clone(), &["Cancel"][..]));
    answer(&mut j, 200, &new_order(), 0);
    out.push(("Sending StartTxn", j.clone(), &["Cancel"][..]));
    let mut waiting = j.clone();
    let (id, _) = sending(&waiting);
    waiting
        .on_transport_failure(
            id,
            TransportFailure::NotSent {
                reason: "refused".into(),
            },
            0,
        )
        .expect("ok");
    out.push(("BackingOff StartTxn", waiting, &["Cancel"][..]));
    let mut unknown = j.clone();
    let (id, _) = sending(&unknown);
    unknown
        .on_transport_failure(
            id,
            TransportFailure::MaybeSent {
                reason: "timeout".into(),
            },
            0,
        )
        .expect("ok");
    out.push((
        "OutcomeUnknown StartTxn",
        unknown,
        &["Reconcile", "ResendAfterUnknownOutcome", "Cancel"][..],
    ));
    answer(&mut j, 200, &native_otp(), 0);
    out.push((
        "EnterOtp",
        j.clone(),
        &["Otp", "ResendOtp", "ChooseAnotherMethod", "Cancel"][..],
    ));
    let mut resend = j.clone();
    resend.submit(Input::ResendOtp, 0).expect("ok");
    out.push(("Sending ResendOtp", resend.clone(), &["Cancel"][..]));
    let (id, _) = sending(&resend);
    resend
        .on_transport_failure(
            id,
            TransportFailure::MaybeSent {
                reason: "timeout".into(),
            },
            0,
        )
        .expect("ok");
    out.push((
        "OutcomeUnknown ResendOtp",
        resend,
        &["ResendAfterUnknownOutcome", "Cancel"][..],
    ));
    let mut process = j.clone();
    process.submit(otp(canary::OTP), 0).expect("ok");
    out.push(("Sending ProcessOtp", process.clone(), &["Cancel"][..]));
    let mut redirect = j.clone();
    redirect.submit(Input::ChooseAnotherMethod, 0).expect("ok");
    out.push((
        "Redirect",
        redirect.clone(),
        &["RedirectCompleted", "Cancel"][..],
    ));
    redirect.submit(Input::RedirectCompleted, 0).expect("ok");
    out.push(("Sending OrderStatus", redirect, &["Cancel"][..]));
    let mut done = process.clone();
    answer(&mut done, 200, &charged(), 0);
    out.push(("Done", done, &[][..]));
    let mut failed = process;
    answer(&mut failed, 200, &with_status("JUSPAY_DECLINED"), 0);
    out.push(("Failed", failed, &[][..]));
    out
}

#[test]
fn every_state_accepts_exactly_its_inputs_and_refusals_change_nothing() {
    for (name, journey, valid) in states() {
        for input in support::every_input("https://sbx.vts.auth.visa.com") {
            let mut j = journey.clone();
            let event = input.name();
            let before = j.checkpoint();
            let result = j.submit(input, 0);
            if valid.contains(&event) {
                assert_eq!(result, Ok(()), "{name} must accept {event}");
                assert_ne!(
                    j.checkpoint(),
                    before,
                    "{name}: {event} accepted but nothing changed"
                );
            } else {
                assert!(
                    matches!(result, Err(JourneyError::InvalidEvent { event: e, .. }) if e == event),
                    "{name} must refuse {event}: {result:?}"
                );
                assert_eq!(
                    j.checkpoint(),
                    before,
                    "{name}: refused {event} changed the state"
                );
            }
        }
    }
}

#[test]
fn every_state_handles_responses_failures_and_timeouts() {
    for (name, journey, _) in states() {
        let in_flight = matches!(journey.next_action(), Action::Send { .. });
        let waiting = matches!(journey.next_action(), Action::Wait { .. });
        // A response to an id that is not in flight is refused without change.
        let mut j = journey.clone();
        let before = j.checkpoint();
        assert!(
            matches!(
                j.on_response(RequestId(999), &HttpResponse::json(200, b"{}".to_vec()), 0),
                Err(JourneyError::UnexpectedResponse { .. })
            ),
            "{name}"
        );
        assert!(
            matches!(
                j.on_transport_failure(
                    RequestId(999),
                    TransportFailure::NotSent { reason: "x".into() },
                    0
                ),
                Err(JourneyError::UnexpectedResponse { .. })
            ),
            "{name}"
        );
        assert_eq!(j.checkpoint(), before, "{name}");
        // A timeout is valid only while backing off.
        assert_eq!(j.on_timeout(u64::MAX).is_ok(), waiting, "{name}: timeout");
        if in_flight {
            let (id, request) = sending(&journey);
            for (status, body) in [
                (200, charged()),
                (500, "{}".to_owned()),
                (400, "{}".to_owned()),
                (200, "<html>".to_owned()),
            ] {
                let mut j = journey.clone();
                j.on_response(id, &HttpResponse::json(status, body.into_bytes()), 0)
                    .expect("in-flight id accepted");
                assert!(
                    !matches!(j.next_action(), Action::Send { id: same, .. } if same == id),
                    "{name}: same id sent twice"
                );
            }
            let mut j = journey.clone();
            j.on_transport_failure(
                id,
                TransportFailure::MaybeSent {
                    reason: "timeout".into(),
                },
                0,
            )
            .expect("ok");
            match j.next_action() {
                Action::Wait { .. } => assert!(
                    request.idempotent,
                    "{name}: non-idempotent call retried automatically"
                ),
                Action::Prompt(Prompt::ConfirmUnknownOutcome { .. }) => {
                    assert!(!request.idempotent, "{name}")
                }
                other => panic!("{name}: {other:?}"),
            }
            let mut j = journey.clone();
            j.on_transport_failure(
                id,
                TransportFailure::NotSent {
                    reason: "refused".into(),
                },
                0,
            )
            .expect("ok");
            assert_eq!(
                j.next_action(),
                Action::Wait { until: 500 },
                "{name}: not-sent retried with back-off"
            );
        }
    }
}

#[test]
fn checkpoints_resume_in_every_state() {
    for (name, journey, _) in states() {
        let checkpoint = journey.checkpoint();
        canary::assert_clean(name, &checkpoint);
        let mut secrets = secrets();
        secrets.otp = Some(Otp::new("otp", canary::OTP).expect("valid"));
        let resumed = Journey::<DirectOtp>::resume(&checkpoint, secrets).expect(name);
        match (journey.next_action(), resumed.next_action()) {
            // A payment call in flight may have left: it resumes as outcome unknown.
            (
                Action::Send { request, .. },
                Action::Prompt(Prompt::ConfirmUnknownOutcome { operation, .. }),
            ) => {
                assert!(!request.idempotent, "{name}");
                assert_eq!(operation, request.operation, "{name}");
            }
            (before, after) => assert_eq!(before, after, "{name}"),
        }
    }
}

#[test]
fn resume_names_the_missing_card_or_otp() {
    let j = start(false, false);
    assert_eq!(
        Journey::<DirectOtp>::resume(&j.checkpoint(), DirectOtpSecrets::default()).map(drop),
        Err(JourneyError::Resume(
            "the secret `card` is needed to continue".into()
        ))
    );
}

// ----- secrets -----------------------------------------------------------------------------------

#[test]
fn no_secret_reaches_any_action_prompt_outcome_checkpoint_or_error() {
    for (name, journey, _) in states() {
        canary::assert_clean(name, &format!("{:?}", journey.next_action()));
        canary::assert_clean(name, &format!("{journey:?}"));
        canary::assert_clean(name, &journey.checkpoint());
        for input in support::every_input("https://sbx.vts.auth.visa.com") {
            canary::assert_clean(name, &format!("{input:?}"));
            let mut j = journey.clone();
            if let Err(e) = j.submit(input, 0) {
                canary::assert_clean(name, &format!("{e} {e:?}"));
            }
            canary::assert_clean(name, &format!("{:?}", j.next_action()));
        }
    }
}

// ----- random events ----------------------------------------------------------------------------

#[derive(Debug, Clone)]
enum Event {
    Respond(u16, usize),
    NotSent,
    MaybeSent,
    Timeout(u64),
    Submit(usize),
}

fn event() -> impl Strategy<Value = Event> {
    prop_oneof![
        4 => (prop::sample::select(vec![200u16, 400, 404, 429, 500, 503]), 0usize..9).prop_map(|(s, b)| Event::Respond(s, b)),
        1 => Just(Event::NotSent),
        1 => Just(Event::MaybeSent),
        1 => (0u64..20_000).prop_map(Event::Timeout),
        3 => (0usize..13).prop_map(Event::Submit),
    ]
}

fn bodies() -> Vec<String> {
    vec![
        native_otp(),
        REDIRECT.into(),
        charged(),
        with_status("PENDING_VBV"),
        RESEND.into(),
        WRONG_OTP.into(),
        LIMIT.into(),
        CARDBIN.into(),
        "garbage".into(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn random_events_never_panic_keep_the_order_id_and_never_resend_unasked(events in prop::collection::vec(event(), 1..40), bin: bool, create: bool) {
        let mut j = start(bin, create);
        let mut now = 0u64;
        // The last non-idempotent request whose outcome was unknown, until the host decided.
        let mut unresolved: Option<String> = None;
        for e in events {
            now += 100;
            let action = j.next_action();
            if let Action::Send { request, .. } = &action {
                let sent = form(request);
                if let Some((_, order)) = sent.iter().find(|(k, _)| k == "order_id") {
                    prop_assert_eq!(order.as_str(), ORDER);
                }
                if !request.path.starts_with("/cardbins") {
                    prop_assert!(request.path.contains(ORDER) || !request.path.starts_with("/orders/"));
                }
                if let Some(op) = &unresolved {
                    prop_assert!(request.operation != op.as_str() || request.idempotent, "{op} resent without the host");
                }
            }
            match (e, action) {
                (Event::Respond(status, body), Action::Send { id, .. }) => {
                    let body = bodies()[body].clone();
                    j.on_response(id, &HttpResponse::json(status, body.into_bytes()), now).expect("in flight");
                }
                (Event::NotSent, Action::Send { id, .. }) => {
                    j.on_transport_failure(id, TransportFailure::NotSent { reason: "refused".into() }, now).expect("in flight");
                }
                (Event::MaybeSent, Action::Send { id, request }) => {
                    j.on_transport_failure(id, TransportFailure::MaybeSent { reason: "timeout".into() }, now).expect("in flight");
                    if !request.idempotent {
                        unresolved = Some(request.operation.to_owned());
                    }
                }
                (Event::Timeout(t), _) => {
                    now += t;
                    let _ = j.on_timeout(now);
                }
                (Event::Submit(i), _) => {
                    let input = support::every_input("https://sbx.vts.auth.visa.com").swap_remove(i);
                    let decides = matches!(input, Input::ResendAfterUnknownOutcome | Input::Reconcile | Input::Cancel);
                    if j.submit(input, now).is_ok() && decides {
                        unresolved = None;
                    }
                }
                _ => {}
            }
        }
    }
}
