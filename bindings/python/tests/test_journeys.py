"""Every journey of the agentic SDK through the generated Python bindings, against the sandbox:
happy paths, error paths, cancel, checkpoint/resume, a Python HTTP transport, threads, and no
secret in any ``str()``/``repr()`` of what the SDK returns (the ``leaks`` fixture checks every
test's values when it ends)."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
import uuid

import pytest

import agentic
from conftest import (
    CARD_3DS_FALLBACK,
    CARD_CHALLENGED,
    CVV,
    RIGHT_OTP,
    TOKEN_CHALLENGED,
    WRONG_OTP,
    Leaks,
    Page,
    drive,
    holds_secret,
)

DAY_MS = 24 * 60 * 60 * 1000


def test_a_digit_secret_counts_only_as_a_whole_word():
    assert holds_secret("otp=456789&x=1", RIGHT_OTP)
    assert holds_secret('"456789"', RIGHT_OTP)
    assert holds_secret("1456789 and 456789", RIGHT_OTP)
    assert not holds_secret("until=1700004567890", RIGHT_OTP)
    assert not holds_secret("txn-9a456789b", RIGHT_OTP)
    assert holds_secret("x-ezAwMX06-y", "ezAwMX06")
    assert holds_secret("pan_4242424242424242", CARD_CHALLENGED)


def enrollment_params(sandbox, customer: str = "customer_1") -> agentic.EnrollmentParams:
    return agentic.EnrollmentParams(
        customer_id=customer,
        country_code="US",
        user_agent="agentic-python-tests",
        ip_address="127.0.0.1",
        device_model="Test",
        device_brand="agentic",
        device_manufacturer="agentic",
        amount="92.65",
        currency="SGD",
        page_origin=sandbox.url,
    )


def purchase_params(sandbox, token: str, customer: str = "customer_1") -> agentic.PurchaseParams:
    return agentic.PurchaseParams(
        customer_id=customer,
        v_provisioned_token_id=token,
        amount="92.65",
        currency="SGD",
        instruction_expires_at_ms=int(time.time() * 1000) + DAY_MS,
        instruction_limit="500.00",
        order_id="order-python-1",
        page_origin=sandbox.url,
    )


def direct_otp_params(amount: str = "100.00", **extra) -> agentic.DirectOtpParams:
    return agentic.DirectOtpParams(
        new_order=agentic.NewOrder(amount=amount, currency="INR", customer_id="customer_1"),
        **extra,
    )


def visa_params(sandbox, token: str | None = None) -> agentic.VisaPasskeyParams:
    # A fresh token each time: once its REGISTER ceremony completed, the sandbox answers
    # AUTHENTICATE for a token (no step-up any more).
    token = token or f"{TOKEN_CHALLENGED}_{uuid.uuid4().hex[:12]}"
    return agentic.VisaPasskeyParams(
        token_id=token,
        amount="25.00",
        currency="USD",
        merchant_name="Agentic Test Store",
        merchant_url="https://store.agentic.invalid",
        buyer_language="en-US",
        email="cardholder@example.com",
        page_origin=sandbox.url,
    )


def expiry_year() -> str:
    return f"{(time.gmtime().tm_year + 4) % 100:02d}"


def start_payment(client, card: str = CARD_CHALLENGED, **params) -> agentic.JourneySession:
    return client.start_direct_otp(
        direct_otp_params(**params), agentic.CardDetails(card, "12", expiry_year(), CVV)
    )


def enroll(sandbox, page: Page, leaks: Leaks, customer: str = "customer_1") -> str:
    client = sandbox.client()
    session = client.start_enrollment(
        enrollment_params(sandbox, customer),
        agentic.CardDetails(CARD_CHALLENGED, "12", expiry_year(), CVV),
    )
    assert session.kind() == agentic.JourneyKind.ENROLLMENT
    step, prompts = drive(session, page, leaks, otps=[WRONG_OTP, RIGHT_OTP])
    assert step.is_done(), step
    assert step.outcome.is_enrolled()
    assert prompts == [
        "provide_visa_session",
        "provide_visa_session",
        "choose_step_up",
        "enter_otp",
        "enter_otp",
        "passkey_ceremony",
    ]
    return step.outcome.v_provisioned_token_id


# ---------------------------------------------------------------------------------------------
# Journeys
# ---------------------------------------------------------------------------------------------


def test_enrollment_with_step_up_otp_registers_the_passkey(sandbox, page, leaks):
    before = sandbox.counters()
    token = enroll(sandbox, page, leaks)
    assert token
    after = sandbox.counters()
    assert after["enrollments"] == before["enrollments"] + 1
    assert after["passkeys_registered"] == before["passkeys_registered"] + 1


def test_enter_otp_reports_the_wrong_code_and_the_resends(sandbox, page, leaks):
    session = sandbox.client().start_enrollment(
        enrollment_params(sandbox, "customer_otp"),
        agentic.CardDetails(CARD_CHALLENGED, "12", expiry_year(), CVV),
    )
    step, _ = drive(session, page, leaks, stop_at="enter_otp")
    first = step.prompt
    assert (first.attempts_left, first.last_attempt_failed, first.expired) == (3, False, False)
    assert first.expires_at_ms is None or first.expires_at_ms > time.time() * 1000
    # Every answer runs on and returns the next step; advance() then returns that step again
    # without sending anything.
    wrong = session.submit_otp(WRONG_OTP).prompt
    leaks.see(wrong)
    assert wrong.is_enter_otp() and wrong.last_attempt_failed
    assert wrong.attempts_left == first.attempts_left - 1
    requests = sandbox.counters()["requests"]
    assert session.advance().prompt == wrong
    assert sandbox.counters()["requests"] == requests
    resent = session.resend_otp().prompt
    leaks.see(resent)
    assert resent.is_enter_otp() and resent.resends_left == first.resends_left - 1
    session.cancel()
    assert session.advance().failure.is_cancelled()


def test_purchase_with_the_enrolled_passkey_returns_credentials(sandbox, page, leaks):
    token = enroll(sandbox, page, leaks, customer="customer_buyer")
    session = sandbox.client().start_purchase(purchase_params(sandbox, token, "customer_buyer"))
    step, prompts = drive(session, page, leaks)
    assert prompts == ["provide_visa_session", "provide_visa_session", "passkey_ceremony"]
    assert step.is_done() and step.outcome.is_authorised(), step
    credentials = step.outcome.credentials
    assert credentials.token_number() and credentials.cryptogram()
    assert credentials.status() == "SUCCESS"
    raw = json.loads(credentials.raw_json())
    assert isinstance(raw, dict) and raw
    # The credentials object itself prints nothing of them.
    leaks.see(credentials)


def test_direct_otp_native_payment_is_charged_once(sandbox, page, leaks):
    before = sandbox.counters()
    session = start_payment(sandbox.client(), card_bin="424242")
    assert session.kind() == agentic.JourneyKind.DIRECT_OTP
    step, prompts = drive(session, page, leaks, otps=[WRONG_OTP, RIGHT_OTP])
    assert prompts == ["enter_otp", "enter_otp"]
    assert step.is_done() and step.outcome.is_paid(), step
    assert step.outcome.status == "CHARGED"
    assert step.outcome.order_id and step.outcome.txn_id
    assert sandbox.counters()["charges"] == before["charges"] + 1


def test_direct_otp_falls_back_to_the_3ds_page(sandbox, page, leaks):
    session = start_payment(sandbox.client(), card=CARD_3DS_FALLBACK)
    step, prompts = drive(session, page, leaks)
    assert prompts == ["redirect"]
    assert step.is_done() and step.outcome.status == "CHARGED", step


def test_direct_otp_declined_payment_is_a_failure_not_an_error(sandbox, page, leaks):
    session = start_payment(sandbox.client(), amount="13.51")
    step, _ = drive(session, page, leaks)
    assert step.is_failed() and step.failure.is_payment_failed(), step
    assert step.failure.status == "AUTHORIZATION_FAILED"


def test_visa_acceptance_step_up_otp_then_register(sandbox, page, leaks):
    session = sandbox.client().start_visa_passkey(visa_params(sandbox))
    assert session.kind() == agentic.JourneyKind.VISA_PASSKEY
    step, prompts = drive(session, page, leaks)
    assert prompts == [
        "provide_visa_session",
        "provide_visa_session",
        "choose_step_up",
        "enter_otp",
        "passkey_ceremony",
    ]
    assert step.is_done() and step.outcome.is_passkey_verified(), step
    assert step.outcome.action == agentic.PasskeyAction.REGISTER()
    assert step.outcome.assurance.fido_blob()
    leaks.see(step.outcome.assurance)


def test_visa_acceptance_issuer_app_code(sandbox, page, leaks):
    session = sandbox.client().start_visa_passkey(visa_params(sandbox))
    step, prompts = drive(session, page, leaks, method=agentic.StepUpMethod.APP_TO_APP())
    assert "complete_step_up" in prompts
    assert step.is_done() and step.outcome.is_passkey_verified(), step


# ---------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------


def test_a_wrong_api_key_is_a_provider_error_with_unauthorized(sandbox, page, leaks):
    client = sandbox.client(api_key="wrong_api_key_1")
    session = client.start_purchase(purchase_params(sandbox, "vpt_unknown"))
    with pytest.raises(agentic.AgenticError.Provider) as raised:
        drive(session, page, leaks)
    error = raised.value
    leaks.see(error)
    leaks.secrets.add("wrong_api_key_1")
    assert error.code == "UNAUTHORIZED"
    assert error.http_status == 401
    assert error.provider == agentic.Provider.JUSPAY_VAT
    assert error.recovery == agentic.Recovery.CHECK_CREDENTIALS
    assert error.category == agentic.ErrorCategory.AUTHENTICATION
    # The journey has ended: asking again raises the same.
    with pytest.raises(agentic.AgenticError.Provider):
        session.advance()
    # Juspay EC spells it differently; the recovery is the same.
    with pytest.raises(agentic.AgenticError.Provider) as ec:
        start_payment(client).advance()
    leaks.see(ec.value)
    assert ec.value.provider == agentic.Provider.JUSPAY_EC
    assert ec.value.recovery == agentic.Recovery.CHECK_CREDENTIALS


@pytest.mark.parametrize(
    "start, field",
    [
        (lambda c, s: start_payment(c, card="4242424242424241"), "card_number"),
        (
            lambda c, s: c.start_direct_otp(
                direct_otp_params(), agentic.CardDetails(CARD_CHALLENGED, "13", "30", CVV)
            ),
            "card_exp_month",
        ),
        (
            # The card crosses as its fields joined by NUL: a field holding one cannot be read.
            lambda c, s: c.start_direct_otp(
                direct_otp_params(), agentic.CardDetails(CARD_CHALLENGED, "12\0", "30", CVV)
            ),
            "card",
        ),
        (
            lambda c, s: c.resume_direct_otp(
                "{}",
                card=agentic.CardDetails(CARD_CHALLENGED, "12", "30", CVV),
                card_token="ctkn_1",
            ),
            "card",
        ),
        (lambda c, s: c.resume_direct_otp("{}", card_security_code=CVV), "card_security_code"),
        (
            lambda c, s: c.resume_enrollment(
                "{}",
                card=agentic.CardDetails(CARD_CHALLENGED, "12", "30", CVV),
                card_token="ctkn_1",
            ),
            "card",
        ),
        (
            # The name crosses as a fifth field: an empty one is a name, and refused.
            lambda c, s: c.start_enrollment(
                enrollment_params(s),
                agentic.CardDetails(CARD_CHALLENGED, "12", expiry_year(), CVV, name_on_card=""),
            ),
            "name_on_card",
        ),
        (lambda c, s: start_payment(c, amount="1.234"), "amount"),
        (lambda c, s: start_payment(c, card_bin="42"), "card_bin"),
        (
            lambda c, s: c.start_enrollment(
                agentic.EnrollmentParams(
                    **{**vars(enrollment_params(s)), "page_origin": "http://evil.example"}
                ),
                agentic.CardDetails(CARD_CHALLENGED, "12", expiry_year(), CVV),
            ),
            "page_origin",
        ),
        (
            lambda c, s: c.start_enrollment(
                agentic.EnrollmentParams(**{**vars(enrollment_params(s)), "amount": "-1"}),
                agentic.CardDetails(CARD_CHALLENGED, "12", expiry_year(), CVV),
            ),
            "amount.total",
        ),
        (
            lambda c, s: c.start_visa_passkey(
                agentic.VisaPasskeyParams(**{**vars(visa_params(s)), "email": ""})
            ),
            "orderInformation.billTo.email",
        ),
    ],
)
def test_bad_input_is_refused_naming_the_field(sandbox, leaks, start, field):
    client = sandbox.client()
    with pytest.raises(agentic.AgenticError.InvalidInput) as raised:
        start(client, sandbox)
    leaks.see(raised.value)
    assert raised.value.field == field
    assert raised.value.problem


def test_a_page_event_shows_neither_part():
    event = agentic.PageEvent('{"secureToken":"ezAwMX06"}', "https://page.example")
    assert repr(event) == str(event) == "PageEvent(…)"
    assert event == agentic.PageEvent('{"secureToken":"ezAwMX06"}', "https://page.example")


def test_the_card_shows_no_field():
    card = agentic.CardDetails(CARD_CHALLENGED, "12", "30", CVV, name_on_card="Ada Lovelace")
    assert repr(card) == str(card) == "CardDetails(…)"
    assert card == agentic.CardDetails(CARD_CHALLENGED, "12", "30", CVV, "Ada Lovelace")
    assert card != agentic.CardDetails(CARD_CHALLENGED, "12", "30", CVV)


def test_a_bad_otp_is_invalid_input_and_an_input_out_of_turn_is_invalid_state(
    sandbox, page, leaks
):
    session = start_payment(sandbox.client())
    step, _ = drive(session, page, leaks, stop_at="enter_otp")
    with pytest.raises(agentic.AgenticError.InvalidInput) as bad:
        session.submit_otp("12ab56")
    assert bad.value.field == "otp"
    with pytest.raises(agentic.AgenticError.InvalidState) as state:
        session.redirect_completed()
    with pytest.raises(agentic.AgenticError.InvalidState):
        session.choose_step_up("nope")
    leaks.see(bad.value, state.value)
    assert "RedirectCompleted" in state.value.detail
    # Nothing changed: the same prompt, and the right OTP still pays.
    again = session.advance()
    assert again.prompt.is_enter_otp() and not again.prompt.last_attempt_failed
    done = session.submit_otp(RIGHT_OTP)
    assert done.is_done() and done.outcome.is_paid(), done
    with pytest.raises(agentic.AgenticError.InvalidState):
        session.cancel()


def test_a_page_message_from_another_origin_is_refused(sandbox, page, leaks):
    session = sandbox.client().start_visa_passkey(visa_params(sandbox))
    leaks.see_step(session.advance())
    with pytest.raises(agentic.AgenticError.PageMessageRefused) as refused:
        session.visa_message(agentic.PageEvent(page.ready(), "https://evil.example"))
    with pytest.raises(agentic.AgenticError.PageMessageRefused):
        session.visa_message(agentic.PageEvent("not json", page.origin))
    leaks.see(refused.value)
    assert "evil.example" in refused.value.detail
    step, _ = drive(session, page, leaks)
    assert step.is_done()


@pytest.mark.parametrize(
    "settings, credentials, expected",
    [
        (agentic.ClientSettings(), {}, "no provider"),
        (
            agentic.ClientSettings(
                juspay=agentic.JuspaySettings(environment="sandbox", merchant_id="m1")
            ),
            {},
            "juspay.auth",
        ),
        (
            agentic.ClientSettings(
                juspay=agentic.JuspaySettings(
                    environment="http://juspay.example", merchant_id="m1"
                )
            ),
            {"juspay_api_key": "key_secret_1"},
            "juspay.environment",
        ),
        (
            agentic.ClientSettings(
                juspay=agentic.JuspaySettings(environment="sandbox", merchant_id="m1"),
                read_timeout_ms=0,
            ),
            {"juspay_api_key": "key_secret_1"},
            "timeouts.read",
        ),
        (
            agentic.ClientSettings(
                visa_acceptance=agentic.VisaAcceptanceSettings(
                    environment="sandbox", merchant_id="v1", key_id="k1"
                )
            ),
            {"visa_shared_secret": "not base64 key_secret_1"},
            "visa_acceptance.shared_secret",
        ),
    ],
)
def test_bad_settings_are_configuration_errors(leaks, settings, credentials, expected):
    with pytest.raises(agentic.AgenticError.Configuration) as raised:
        agentic.AgenticClient(settings, **credentials)
    leaks.see(raised.value)
    leaks.secrets.add("key_secret_1")
    assert expected in raised.value.detail


def test_a_journey_needs_its_provider_configured(sandbox, leaks):
    client = agentic.AgenticClient(
        agentic.ClientSettings(
            juspay=agentic.JuspaySettings(environment=sandbox.url, merchant_id="m1")
        ),
        juspay_api_key=sandbox.api_key,
    )
    with pytest.raises(agentic.AgenticError.Configuration) as visa:
        client.start_visa_passkey(visa_params(sandbox))
    with pytest.raises(agentic.AgenticError.Configuration) as routing:
        start_payment(client)
    leaks.see(visa.value, routing.value)
    assert "routing_id" in routing.value.detail


# ---------------------------------------------------------------------------------------------
# Cancel, checkpoint and resume
# ---------------------------------------------------------------------------------------------


def test_cancel_at_a_prompt_ends_the_journey(sandbox, page, leaks):
    session = sandbox.client().start_visa_passkey(visa_params(sandbox))
    drive(session, page, leaks, stop_at="choose_step_up")
    session.cancel()
    step = session.advance()
    leaks.see_step(step)
    assert step.is_failed() and step.failure.is_cancelled()
    assert step.failure.outcome_unknown_for is None


def test_cancel_from_another_thread_while_a_request_is_in_flight(sandbox, page, leaks):
    sandbox.inject("juspay_ec.create_order", {"kind": "delay", "ms": 1500})
    try:
        session = start_payment(sandbox.client())
        result: list = []
        worker = threading.Thread(target=lambda: result.append(session.advance()))
        before = sandbox.calls().get("juspay_ec.start_authentication", 0)
        worker.start()
        time.sleep(0.3)
        started = time.monotonic()
        session.cancel()
        assert time.monotonic() - started < 0.5, "cancel waited for the request"
        worker.join(timeout=10)
        step = result[0]
        leaks.see_step(step)
        assert step.is_failed() and step.failure.is_cancelled()
        # The order may exist: the cancel names the call whose outcome is unknown.
        assert step.failure.outcome_unknown_for == "juspay_ec.create_order"
        assert sandbox.calls().get("juspay_ec.start_authentication", 0) == before
    finally:
        sandbox.clear_faults()


def test_checkpoint_and_resume_a_payment_without_the_card(sandbox, page, leaks):
    client = sandbox.client()
    session = start_payment(client)
    drive(session, page, leaks, stop_at="enter_otp")
    checkpoint = session.checkpoint()
    del session
    assert CARD_CHALLENGED not in checkpoint and sandbox.api_key not in checkpoint
    assert json.loads(checkpoint)["journey"] == "juspay_direct_otp"
    assert agentic.checkpoint_journey_kind(checkpoint) == agentic.JourneyKind.DIRECT_OTP
    with pytest.raises(agentic.AgenticError.CannotResume) as wrong_kind:
        client.resume_purchase(checkpoint)
    leaks.see(wrong_kind.value)
    resumed = sandbox.client().resume_direct_otp(checkpoint)
    step, prompts = drive(resumed, page, leaks)
    assert prompts == ["enter_otp"]
    assert step.is_done() and step.outcome.status == "CHARGED"


def test_a_payment_checkpointed_before_its_first_call_resumes_with_the_card(sandbox, page, leaks):
    client = sandbox.client()
    checkpoint = start_payment(client).checkpoint()
    assert CARD_CHALLENGED not in checkpoint
    with pytest.raises(agentic.AgenticError.CannotResume) as missing:
        client.resume_direct_otp(checkpoint)
    leaks.see(missing.value)
    card = agentic.CardDetails(CARD_CHALLENGED, "12", expiry_year(), CVV)
    resumed = client.resume_direct_otp(checkpoint, card=card)
    # The order's creation was next: it may have left before the app died, so it is asked.
    unknown = resumed.advance()
    assert unknown.prompt.is_confirm_unknown_outcome(), unknown
    assert unknown.prompt.operation == "juspay_ec.create_order"
    resumed.reconcile()
    step, prompts = drive(resumed, page, leaks)
    assert prompts == ["enter_otp"]
    assert step.is_done() and step.outcome.status == "CHARGED"


def test_resume_names_the_missing_secret_and_continues_with_it(sandbox, page, leaks):
    client = sandbox.client()
    session = client.start_visa_passkey(visa_params(sandbox))
    drive(session, page, leaks, stop_at="choose_step_up")
    checkpoint = session.checkpoint()
    assert page.secure_token and page.secure_token not in checkpoint
    with pytest.raises(agentic.AgenticError.CannotResume) as missing:
        client.resume_visa_passkey(checkpoint)
    leaks.see(missing.value)
    assert "secure_token" in missing.value.detail or "secureToken" in missing.value.detail
    resumed = client.resume_visa_passkey(checkpoint, secure_token=page.secure_token)
    step, prompts = drive(resumed, page, leaks)
    assert prompts[0] == "choose_step_up"
    assert step.is_done() and step.outcome.is_passkey_verified()


def test_garbage_is_not_a_checkpoint(sandbox, leaks):
    for text in ["", "{}", "not json", '{"journey": "refund"}']:
        with pytest.raises(agentic.AgenticError.CannotResume) as raised:
            agentic.checkpoint_journey_kind(text)
        leaks.see(raised.value)


# ---------------------------------------------------------------------------------------------
# The app's own HTTP stack
# ---------------------------------------------------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # the SDK refuses redirects: answer the 3xx as it is


class UrllibTransport(agentic.HttpTransport):
    """An ``HttpTransport`` on ``urllib``: what an app with its own HTTP stack implements."""

    def __init__(self):
        self.opener = urllib.request.build_opener(_NoRedirect)
        self.seen: list[tuple[str, str]] = []
        self.reprs: list[str] = []

    def send(self, request):
        self.seen.append((request.operation(), request.method()))
        self.reprs.append(repr(request))
        req = urllib.request.Request(
            request.url(),
            data=request.body() if request.method() != "GET" else None,
            method=request.method(),
            headers=request.headers(),
        )
        timeout = request.overall_timeout_ms() / 1000
        try:
            with self.opener.open(req, timeout=timeout) as response:
                return agentic.HttpResponse(
                    response.status, dict(response.headers.items()), response.read()
                )
        except urllib.error.HTTPError as error:
            return agentic.HttpResponse(error.code, dict(error.headers.items()), error.read())
        except urllib.error.URLError as error:
            raise agentic.HttpTransportError.Failed(
                reason=str(error.reason), maybe_sent=False
            ) from None


def test_every_journey_runs_on_a_python_http_transport(sandbox, page, leaks):
    transport = UrllibTransport()
    client = sandbox.client(transport=transport)
    step, _ = drive(start_payment(client), page, leaks)
    assert step.is_done()
    step, _ = drive(client.start_visa_passkey(visa_params(sandbox)), page, leaks)
    assert step.is_done()
    operations = [operation for operation, _ in transport.seen]
    assert "juspay_ec.create_order" in operations
    assert any(op.startswith("visa_acceptance.") for op in operations)
    for text in transport.reprs:
        assert "authorization" not in text.lower() and sandbox.api_key not in text


class FailingTransport(agentic.HttpTransport):
    def __init__(self, error: Exception):
        self.error = error
        self.calls = 0

    def send(self, request):
        self.calls += 1
        raise self.error


def test_a_transport_that_never_sent_is_retried_then_a_network_error(sandbox, leaks):
    transport = FailingTransport(
        agentic.HttpTransportError.Failed(reason="connection refused", maybe_sent=False)
    )
    session = start_payment(sandbox.client(transport=transport))
    with pytest.raises(agentic.AgenticError.Network) as raised:
        session.advance()
    leaks.see(raised.value)
    assert raised.value.maybe_sent is False
    assert "connection refused" in raised.value.detail
    assert transport.calls == 3  # the automatic retries of a request that never left


def test_an_unexpected_transport_exception_may_have_sent_the_payment(sandbox, page, leaks):
    transport = FailingTransport(RuntimeError("socket closed after writing"))
    session = start_payment(sandbox.client(transport=transport))
    step = session.advance()
    leaks.see_step(step)
    assert step.prompt.is_confirm_unknown_outcome()
    assert step.prompt.operation == "juspay_ec.create_order"
    assert transport.calls == 1  # never resent on its own
    session.cancel()
    step = session.advance()
    assert step.failure.outcome_unknown_for == "juspay_ec.create_order"


# ---------------------------------------------------------------------------------------------
# Threads and versions
# ---------------------------------------------------------------------------------------------


def test_one_client_runs_journeys_on_several_threads(sandbox, page, leaks):
    client = sandbox.client()
    results: list = []
    errors: list = []

    def pay():
        try:
            results.append(drive(start_payment(client), page, Leaks(sandbox))[0])
        except Exception as error:  # noqa: BLE001 (reported below)
            errors.append(error)

    threads = [threading.Thread(target=pay) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert len(results) == 4 and all(r.is_done() for r in results)
    assert len({r.outcome.order_id for r in results}) == 4
    leaks.see(*results)


def test_the_version_is_the_crate_version(leaks):
    version = agentic.sdk_version()
    leaks.see(version)
    assert version.count(".") == 2


def test_two_threads_advancing_one_session_send_each_request_once(sandbox, page, leaks):
    session = start_payment(sandbox.client())
    before = sandbox.calls()
    steps: list = []
    threads = [
        threading.Thread(target=lambda: steps.append(session.advance())) for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(steps) == 2 and all(s.is_prompt() and s.prompt.is_enter_otp() for s in steps)
    leaks.see(*steps)
    after = sandbox.calls()
    for operation in ("juspay_ec.create_order", "juspay_ec.start_authentication"):
        assert after.get(operation, 0) == before.get(operation, 0) + 1, operation


def test_the_leak_check_catches_a_secret(sandbox):
    checker = Leaks(sandbox)
    option = agentic.StepUpOption(
        identifier="m1",
        method=agentic.StepUpMethod.OTP_SMS(),
        value=f"card {CARD_CHALLENGED}",
        sub_method=None,
        url=None,
    )
    checker.see(option)
    with pytest.raises(AssertionError, match="leaked"):
        checker.assert_clean()
