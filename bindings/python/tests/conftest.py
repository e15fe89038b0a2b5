"""Fixtures for the Python tests of the agentic bindings.

- The generated package ``agentic`` is imported from ``bindings/python`` (``cargo xtask test``
  generates ``agentic/agentic.py`` and copies ``libagentic.so`` next to it first).
- ``sandbox``: the standalone simulator, ``agentic sandbox --addr 127.0.0.1:0
  --until-stdin-closes``, started once per test session from ``$AGENTIC_SANDBOX_BIN`` (default
  ``target/debug/agentic``); it stops when its standard input is closed.
- ``Page``: plays the Visa auth page headlessly through the sandbox's admin routes, and
  ``drive``: answers every prompt of a journey like an app and its cardholder would, recording
  every value the SDK returned and every secret that went by, for the leak checks.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

PYTHON_DIR = Path(__file__).resolve().parents[1]
REPO = PYTHON_DIR.parents[1]
sys.path.insert(0, str(PYTHON_DIR))

import agentic  # noqa: E402  (the path above makes it importable)

RIGHT_OTP = "456789"
WRONG_OTP = "111111"
ISSUER_APP_CODE = "ISSUER-APP-456789"
CARD_CHALLENGED = "4242424242424242"  # VAT: device binding challenged; EC: native OTP
CARD_3DS_FALLBACK = "4000000000003220"  # EC: falls back to the 3-D Secure page
TOKEN_CHALLENGED = "tkn_challenged"  # Visa Acceptance: step-up
CVV = "123"


class Sandbox:
    """The running simulator: its URL, the credentials it printed, and its admin routes."""

    def __init__(self, process: subprocess.Popen, url: str, credentials: dict[str, str]):
        self.process = process
        self.url = url
        self.credentials = credentials

    @property
    def api_key(self) -> str:
        return self.credentials["AGENTIC_JUSPAY_API_KEY"]

    @property
    def merchant_id(self) -> str:
        return self.credentials["AGENTIC_JUSPAY_MERCHANT_ID"]

    @property
    def visa_shared_secret(self) -> str:
        return self.credentials["AGENTIC_VISA_SHARED_SECRET"]

    def request(self, method: str, path: str, body: object | None = None) -> tuple[int, str]:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(
            self.url + path,
            data=data,
            method=method,
            headers={"content-type": "application/json"} if data is not None else {},
        )
        try:
            with urllib.request.urlopen(req, timeout=10) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:  # 4xx/5xx still carry a page message
            return error.code, error.read().decode()

    def counters(self) -> dict[str, int]:
        return json.loads(self.request("GET", "/__sandbox/counters")[1])

    def calls(self) -> dict[str, int]:
        return json.loads(self.request("GET", "/__sandbox/calls")[1])

    def inject(self, operation: str, fault: dict, nth: int | None = None) -> None:
        status, text = self.request(
            "POST", "/__sandbox/faults", {"operation": operation, "nth": nth, "fault": fault}
        )
        assert status == 201, text

    def clear_faults(self) -> None:
        self.request("DELETE", "/__sandbox/faults")

    def settings(self, routing_id: str | None = "customer_1") -> agentic.ClientSettings:
        return agentic.ClientSettings(
            juspay=agentic.JuspaySettings(
                environment=self.url, merchant_id=self.merchant_id, routing_id=routing_id
            ),
            visa_acceptance=agentic.VisaAcceptanceSettings(
                environment=self.url,
                merchant_id=self.credentials["AGENTIC_VISA_MERCHANT_ID"],
                key_id=self.credentials["AGENTIC_VISA_KEY_ID"],
            ),
            connect_timeout_ms=5_000,
            read_timeout_ms=10_000,
            overall_timeout_ms=15_000,
        )

    def client(self, api_key: str | None = None, transport=None) -> agentic.AgenticClient:
        return agentic.AgenticClient(
            self.settings(),
            juspay_api_key=api_key or self.api_key,
            visa_shared_secret=self.visa_shared_secret,
            transport=transport,
        )

    def secrets(self) -> set[str]:
        return {self.api_key, self.visa_shared_secret}


@pytest.fixture(scope="session")
def sandbox():
    binary = os.environ.get("AGENTIC_SANDBOX_BIN", str(REPO / "target" / "debug" / "agentic"))
    if not Path(binary).exists():
        pytest.fail(f"the sandbox binary {binary} does not exist: cargo build -p agentic-cli")
    process = subprocess.Popen(
        [binary, "sandbox", "--addr", "127.0.0.1:0", "--until-stdin-closes"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    first = process.stdout.readline()
    match = re.match(r"agentic sandbox listening on (http://\S+)", first)
    if not match:
        process.kill()
        pytest.fail(f"unexpected first line from the sandbox: {first!r}")
    credentials: dict[str, str] = {}
    for line in process.stdout:
        found = re.match(r"\s*export (AGENTIC_\w+)=(\S+)", line)
        if found:
            credentials[found.group(1)] = found.group(2)
        if line.startswith("Magic values:"):
            break
    # Keep draining its output so the pipe never fills.
    threading.Thread(target=process.stdout.read, daemon=True).start()
    yield Sandbox(process, match.group(1), credentials)
    process.stdin.close()
    process.wait(timeout=10)


class Page:
    """The Visa auth page, played headlessly: the messages it would post, as the web view would
    hand them to the app (JSON text and the page's origin)."""

    def __init__(self, sandbox: Sandbox, leaks: "Leaks"):
        self.sandbox = sandbox
        self.leaks = leaks
        self.origin = sandbox.url
        self.secure_token: str | None = None
        self.payload: str | None = None

    def ready(self) -> str:
        return json.dumps({"type": "AUTH_READY", "requestID": uuid.uuid4().hex})

    def post(self, path: str, message: agentic.PageMessage) -> str:
        text = message.json
        # The message crosses as text in the prompt; its class hides it from str() and repr().
        # (No `assert` on the text: a failing assert would print it.)
        if not isinstance(message, agentic.PageMessage) or not isinstance(text, str):
            pytest.fail(f"the page message is a {type(message).__name__}, not a PageMessage")
        if text in repr(message) or text in str(message):
            pytest.fail("PageMessage's repr() or str() shows its text")
        sent = json.loads(text)
        payload = sent.get("authenticationContext", {}).get("payload")
        if payload:
            self.payload = payload
            self.leaks.secrets.add(payload)
        status, reply = self.sandbox.request("POST", path, sent)
        answer = json.loads(reply)
        token = answer.get("sessionContext", {}).get("secureToken")
        if token:
            self.secure_token = token
            self.leaks.secrets.add(token)
        blob = answer.get("assuranceData", {}).get("fidoBlob")
        if blob:
            self.leaks.secrets.add(blob)
        assert status in (200, 400), reply
        return reply

    def session(self, message: agentic.PageMessage) -> str:
        return self.post("/__sandbox/visa-page/session", message)

    def ceremony(self, message: agentic.PageMessage) -> str:
        return self.post("/__sandbox/visa-page/ceremony", message)


class Leaks:
    """Every value the SDK handed back (as ``str`` and ``repr``) and every secret that went by."""

    def __init__(self, sandbox: Sandbox):
        self.secrets: set[str] = set(sandbox.secrets()) | {
            CARD_CHALLENGED,
            CARD_3DS_FALLBACK,
            RIGHT_OTP,
            WRONG_OTP,
            ISSUER_APP_CODE,
        }
        self.texts: list[str] = []
        self.count = 0

    def see(self, *values: object) -> None:
        for value in values:
            self.count += 1
            self.texts.append(str(value))
            self.texts.append(repr(value))

    def see_step(self, step: agentic.SessionStep) -> None:
        self.see(step)
        if step.is_prompt():
            self.see(step.prompt)
            if step.prompt.is_choose_step_up():
                self.see(*step.prompt.methods)
                self.see(*(m.method for m in step.prompt.methods))
        elif step.is_done():
            self.see(step.outcome)
            if step.outcome.is_authorised():
                credentials = step.outcome.credentials
                for secret in (credentials.token_number(), credentials.cryptogram()):
                    if secret:
                        self.secrets.add(secret)
            if step.outcome.is_passkey_verified():
                self.secrets.add(step.outcome.assurance.fido_blob())
        else:
            self.see(step.failure)

    def assert_clean(self) -> None:
        assert self.count > 0
        # Short values (the 3-digit cryptogram, an expiry month) occur in any text by chance.
        for secret in (secret for secret in self.secrets if len(secret) >= 6):
            for text in self.texts:
                assert not holds_secret(text, secret), f"a secret leaked into {text!r}"


def holds_secret(text: str, secret: str) -> bool:
    """Whether ``text`` holds ``secret``. A number of up to 8 digits (an OTP, the 3-digit
    cryptogram) counts only as a whole word: "456789" inside the clock reading 1700004567890 is
    chance, while "456789" or otp=456789 is a leak. Anything else (a card or token number, text)
    counts anywhere. The same rule as the Rust, C, Kotlin and Swift canaries."""
    if not (len(secret) <= 8 and secret.isascii() and secret.isdigit()):
        return secret in text
    return re.search(rf"(?<![0-9A-Za-z_]){re.escape(secret)}(?![0-9A-Za-z_])", text) is not None


@pytest.fixture
def leaks(sandbox):
    checker = Leaks(sandbox)
    yield checker
    checker.assert_clean()


@pytest.fixture
def page(sandbox, leaks):
    return Page(sandbox, leaks)


def visit(url: str) -> int:
    """Opens the bank's 3-D Secure page like the cardholder's browser."""
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status


def drive(
    session: agentic.JourneySession,
    page: Page,
    leaks: Leaks,
    otps: list[str] | None = None,
    method: agentic.StepUpMethod | None = None,
    stop_at: str | None = None,
    max_prompts: int = 30,
):
    """Answers every prompt until the journey ends (or a prompt named ``stop_at``, snake case,
    comes), each answer returning the next step. Returns (the last step, the names of the
    prompts answered)."""
    otps = list(otps or [RIGHT_OTP])
    seen: list[str] = []
    step = session.advance()
    for _ in range(max_prompts):
        leaks.see_step(step)
        if not step.is_prompt():
            return step, seen
        prompt = step.prompt
        name = type(prompt).__name__.split(".")[-1].lower()
        if name == stop_at:
            return step, seen
        seen.append(name)
        if prompt.is_provide_visa_session():
            if prompt.message_to_post is None:
                step = session.visa_message(agentic.PageEvent(page.ready(), page.origin))
            else:
                step = session.visa_message(
                    agentic.PageEvent(page.session(prompt.message_to_post), page.origin)
                )
        elif prompt.is_choose_step_up():
            wanted = method or agentic.StepUpMethod.OTP_SMS()
            choice = next(m for m in prompt.methods if m.method == wanted)
            step = session.choose_step_up(choice.identifier)
        elif prompt.is_enter_otp():
            step = session.submit_otp(otps.pop(0) if len(otps) > 1 else otps[0])
        elif prompt.is_complete_step_up():
            step = session.submit_issuer_auth_code(ISSUER_APP_CODE)
        elif prompt.is_passkey_ceremony():
            step = session.visa_message(
                agentic.PageEvent(page.ceremony(prompt.message_to_post), page.origin)
            )
        elif prompt.is_redirect():
            assert visit(prompt.url) == 200
            step = session.redirect_completed()
        else:
            raise AssertionError(f"unexpected prompt {prompt}")
    raise AssertionError(f"no end after {max_prompts} prompts: {seen}")
