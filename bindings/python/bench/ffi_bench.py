"""FFI cost per step from Python (``cargo xtask bench``, section "FFI cost per step").

Two drives of the same journeys (Direct OTP, Visa passkey, enrollment, purchase):

- Built-in transport (``--reference`` and ``--url``; the budgeted figure): a client without a
  host transport against the standalone sandbox at ``--url``, alternating in short batches with
  ``ffi_reference live`` (started here as a child against the same sandbox), which does the
  identical drive in Rust. The Visa page's admin calls are left out of the time on both sides.
  Prints ``live``, ``livestep`` and ``livedirect`` lines (see ``live_bench``): per journey the
  Python and Rust times and the time inside the SDK's exported calls in Python
  (``bench_nanos_in_rust()``: the bench library is built with the ``bench-probe`` feature), and
  per step the paired difference and the time outside the SDK; ``crossings`` lines: the
  calls into the library per journey, counted once; and ``livec`` lines: the same drive
  through the C ABI with ``ctypes`` and ``json`` (informational).
- App-supplied transport (``--recording``): replays the journeys ``ffi_reference record`` wrote
  (crates/agentic-bench/src/bin/ffi_reference.rs documents the file) through an
  ``HttpTransport`` written in Python that answers every request with the next recorded
  response from memory; ``ffi_reference replay`` times the identical drive in Rust. Prints
  ``journey <name> <steps> <responses> <median ns per journey>`` per journey and
  ``op <name> <ns> <ns outside the SDK>`` lines: single operations of the drive timed alone.

Both print ``bare <median ns of sdk_version()>``, timed in the same process.

    python3 bindings/python/bench/ffi_bench.py --bindings <dir holding the agentic package>
        [--recording <file>] [--reference <ffi_reference> --url <sandbox URL>] [--quick]
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import sys
import time


def unb64(text: str) -> bytes:
    return base64.b64decode(text)


class Journey:
    def __init__(self, name: str, kind: str):
        self.name = name
        self.kind = kind
        self.params: dict[str, str] = {}
        # (prompt name, session method name, arguments)
        self.steps: list[tuple[str, str, tuple[str, ...]]] = []
        # (status, headers, body), ready to hand to HttpResponse
        self.responses: list[tuple[int, dict[str, str], bytes]] = []
        self.outcome = ""
        self.step_count = 0


def read_recording(path: str) -> tuple[dict[str, str], list[Journey]]:
    with open(path, encoding="utf-8") as file:
        lines = file.read().splitlines()
    if not lines or lines[0] != "agentic-ffi-replay 1":
        raise SystemExit(f"{path}: not an agentic-ffi-replay 1 file")
    return parse_lines(path, lines[1:])


def parse_lines(path: str, lines: list[str]) -> tuple[dict[str, str], list[Journey]]:
    settings: dict[str, str] = {}
    journeys: list[Journey] = []
    for line in lines:
        fields = line.split(" ")
        tag = fields[0]
        if tag == "setting":
            settings[fields[1]] = unb64(fields[2]).decode()
        elif tag == "journey":
            journeys.append(Journey(fields[1], fields[2]))
        elif tag == "param":
            journeys[-1].params[fields[1]] = unb64(fields[2]).decode()
        elif tag == "step":
            args = tuple(unb64(a).decode() for a in fields[3:])
            journeys[-1].steps.append((fields[1], fields[2], args))
        elif tag == "response":
            rest = fields[3:]
            headers = {
                unb64(rest[i]).decode(): unb64(rest[i + 1]).decode()
                for i in range(0, len(rest), 2)
            }
            journeys[-1].responses.append((int(fields[1]), headers, unb64(fields[2])))
        elif tag == "end":
            journeys[-1].outcome = fields[1]
            journeys[-1].step_count = int(fields[2])
        else:
            raise SystemExit(f"{path}: unexpected line {line!r}")
    return settings, journeys


def setup(agentic, recording: str):
    """Returns (journeys, drivers, starters): per recorded journey, a function that replays it
    once and its start call alone."""
    settings, journeys = read_recording(recording)

    class ReplayTransport(agentic.HttpTransport):
        """Answers from memory, in order; the request is not read."""

        def __init__(self) -> None:
            self.responses: list[tuple[int, dict[str, str], bytes]] = []
            self.next = 0

        def load(self, responses: list[tuple[int, dict[str, str], bytes]]) -> None:
            self.responses = responses
            self.next = 0

        def send(self, request):
            status, headers, body = self.responses[self.next]
            self.next += 1
            return agentic.HttpResponse(status, headers, body)

    transport = ReplayTransport()
    client = client_for(agentic, settings, transport)

    def starter(journey: Journey):
        """The journey's start call, its records built once (as an app holds its params)."""
        p = journey.params
        card = agentic.CardDetails(
            p.get("card_number"),
            p.get("card_exp_month"),
            p.get("card_exp_year"),
            p.get("card_security_code"),
        )
        if journey.kind == "direct_otp":
            params = agentic.DirectOtpParams(
                order_id=p.get("order_id"),
                new_order=agentic.NewOrder(
                    amount=p["amount"],
                    currency=p.get("currency"),
                    customer_id=p.get("customer_id"),
                ),
                card_bin=p.get("card_bin"),
            )
            return lambda: client.start_direct_otp(params, card)
        if journey.kind == "enrollment":
            params = agentic.EnrollmentParams(
                customer_id=p["customer_id"],
                country_code=p["country_code"],
                user_agent=p["user_agent"],
                ip_address=p["ip_address"],
                device_model=p["device_model"],
                device_brand=p["device_brand"],
                device_manufacturer=p["device_manufacturer"],
                amount=p["amount"],
                currency=p["currency"],
                page_origin=p["page_origin"],
                reference_id=p.get("reference_id"),
            )
            return lambda: client.start_enrollment(params, card)
        if journey.kind == "visa_passkey":
            params = agentic.VisaPasskeyParams(
                token_id=p["token_id"],
                amount=p["amount"],
                currency=p["currency"],
                merchant_name=p["merchant_name"],
                merchant_url=p["merchant_url"],
                buyer_language=p["buyer_language"],
                email=p["email"],
                page_origin=p["page_origin"],
                reference_id=p.get("reference_id"),
            )
            return lambda: client.start_visa_passkey(params)
        if journey.kind == "purchase":
            params = agentic.PurchaseParams(
                customer_id=p["customer_id"],
                v_provisioned_token_id=p["v_provisioned_token_id"],
                amount=p["amount"],
                currency=p["currency"],
                instruction_expires_at_ms=int(p["instruction_expires_at_ms"]),
                order_id=p["order_id"],
                page_origin=p["page_origin"],
                instruction_limit=p.get("instruction_limit"),
                reference_id=p.get("reference_id"),
            )
            return lambda: client.start_purchase(params)
        raise SystemExit(f"unknown journey kind {journey.kind}")

    prompt_classes = {
        "provide_visa_session": agentic.PromptView.PROVIDE_VISA_SESSION,
        "choose_step_up": agentic.PromptView.CHOOSE_STEP_UP,
        "enter_otp": agentic.PromptView.ENTER_OTP,
        "complete_step_up": agentic.PromptView.COMPLETE_STEP_UP,
        "passkey_ceremony": agentic.PromptView.PASSKEY_CEREMONY,
        "redirect": agentic.PromptView.REDIRECT,
    }

    def answer(call: str, args: tuple[str, ...]):
        """The recorded answer as a call on the session (a page message as a ``PageEvent``)."""
        if call == "visa_message":
            json_text, origin = args
            return lambda session: session.visa_message(agentic.PageEvent(json_text, origin))
        return lambda session: getattr(session, call)(*args)

    def driver(journey: Journey):
        start = starter(journey)
        steps = [(prompt_classes[p], answer(call, args)) for p, call, args in journey.steps]
        responses = journey.responses
        step_count = journey.step_count

        def drive():
            """One replayed journey, as ffi_reference's `drive`."""
            transport.load(responses)
            session = start()
            step = session.advance()
            count = 1
            answers = iter(steps)
            while True:
                if step.is_prompt():
                    prompt = step.prompt
                    expected, answer_it = next(answers)
                    if not isinstance(prompt, expected):
                        raise SystemExit(f"{journey.name}: prompt {prompt} where {expected} was recorded")
                    message = getattr(prompt, "message_to_post", None)
                    if message is not None:
                        message.json  # what an app posts to the Visa page
                    step = answer_it(session)  # answers; the next step
                    count += 1
                elif step.is_done():
                    break
                else:
                    raise SystemExit(f"{journey.name}: failed: {step}")
            if count != step_count:
                raise SystemExit(f"{journey.name}: {count} steps, {step_count} recorded")
            return session

        return drive

    return journeys, [driver(journey) for journey in journeys], [starter(j) for j in journeys]


def client_for(agentic, settings: dict[str, str], transport=None):
    return agentic.AgenticClient(
        agentic.ClientSettings(
            juspay=agentic.JuspaySettings(
                environment=settings["juspay_environment"],
                merchant_id=settings["juspay_merchant_id"],
                routing_id=settings["juspay_routing_id"],
            ),
            visa_acceptance=agentic.VisaAcceptanceSettings(
                environment=settings["visa_environment"],
                merchant_id=settings["visa_merchant_id"],
                key_id=settings["visa_key_id"],
            ),
            connect_timeout_ms=5_000,
            read_timeout_ms=10_000,
            overall_timeout_ms=15_000,
        ),
        juspay_api_key=settings["juspay_api_key"],
        visa_shared_secret=settings["visa_shared_secret"],
        transport=transport,
    )


# Bare calls timed per round of the built-in transport drive.
BARE_BATCH = 500

LIVE_READY = '{"type":"AUTH_READY","requestID":"bench-ready-0001"}'
RIGHT_OTP = "456789"
WRONG_OTP = "111111"


class Live:
    """The built-in transport drive (``ffi_reference live`` documents it; this is the same in
    Python): a client without a host transport against the standalone sandbox, every run a new
    order or token, the Visa page played over ``/__sandbox/visa-page/*`` (timed apart and left
    out)."""

    def __init__(self, agentic, settings: dict[str, str], journeys: list[Journey]):
        import http.client  # noqa: PLC0415
        import urllib.parse  # noqa: PLC0415

        self.agentic = agentic
        self.journeys = {journey.name: journey for journey in journeys}
        self.url = settings["juspay_environment"]
        address = urllib.parse.urlsplit(self.url)
        self.connection = http.client.HTTPConnection(address.hostname, address.port, timeout=10)
        self.client = client_for(agentic, settings)
        self.runs = 0
        self.enrolled = ""
        self.otp_sms = agentic.StepUpMethod.OTP_SMS()
        self.kinds = {
            "provide": agentic.PromptView.PROVIDE_VISA_SESSION,
            "ceremony": agentic.PromptView.PASSKEY_CEREMONY,
            "choose": agentic.PromptView.CHOOSE_STEP_UP,
            "otp": agentic.PromptView.ENTER_OTP,
        }

    def page(self, route: str, message: str) -> str:
        self.connection.request(
            "POST",
            f"/__sandbox/visa-page/{route}",
            body=message.encode(),
            headers={"content-type": "application/json"},
        )
        return self.connection.getresponse().read().decode()

    def start(self, journey: Journey, tag: str):
        """The journey's start call, its records built for this run (a new order or token)."""
        agentic = self.agentic
        p = journey.params
        card = agentic.CardDetails(
            p.get("card_number"),
            p.get("card_exp_month"),
            p.get("card_exp_year"),
            p.get("card_security_code"),
        )
        client = self.client
        if journey.kind == "direct_otp":
            params = agentic.DirectOtpParams(
                order_id=p["order_id"].replace("#", tag),
                new_order=agentic.NewOrder(
                    amount=p["amount"],
                    currency=p.get("currency"),
                    customer_id=p.get("customer_id"),
                ),
                card_bin=p.get("card_bin"),
            )
            return client.start_direct_otp(params, card)
        if journey.kind == "enrollment":
            params = agentic.EnrollmentParams(
                customer_id=p["customer_id"],
                country_code=p["country_code"],
                user_agent=p["user_agent"],
                ip_address=p["ip_address"],
                device_model=p["device_model"],
                device_brand=p["device_brand"],
                device_manufacturer=p["device_manufacturer"],
                amount=p["amount"],
                currency=p["currency"],
                page_origin=p["page_origin"],
                reference_id=p.get("reference_id"),
            )
            return client.start_enrollment(params, card)
        if journey.kind == "visa_passkey":
            params = agentic.VisaPasskeyParams(
                token_id=p["token_id"].replace("#", tag),
                amount=p["amount"],
                currency=p["currency"],
                merchant_name=p["merchant_name"],
                merchant_url=p["merchant_url"],
                buyer_language=p["buyer_language"],
                email=p["email"],
                page_origin=p["page_origin"],
                reference_id=p.get("reference_id"),
            )
            return client.start_visa_passkey(params)
        if journey.kind == "purchase":
            params = agentic.PurchaseParams(
                customer_id=p["customer_id"],
                v_provisioned_token_id=self.enrolled,
                amount=p["amount"],
                currency=p["currency"],
                instruction_expires_at_ms=int(p["instruction_expires_at_ms"]),
                order_id=p["order_id"].replace("#", tag),
                page_origin=p["page_origin"],
                instruction_limit=p.get("instruction_limit"),
                reference_id=p.get("reference_id"),
            )
            return client.start_purchase(params)
        raise SystemExit(f"unknown journey kind {journey.kind}")

    def run(self, name: str):
        """One run: (steps, ns without the page's admin calls, the end)."""
        clock = time.perf_counter_ns
        journey = self.journeys[name]
        self.runs += 1
        tag = f"p{os.getpid() % 100_000:05d}{self.runs:07d}"
        started = clock()
        session = self.start(journey, tag)
        admin = 0
        otps = 0
        kinds = self.kinds
        url = self.url
        page_event = self.agentic.PageEvent
        step = session.advance()
        steps = 1
        while True:
            if step.is_done():
                return steps, clock() - started - admin, step.outcome
            if not step.is_prompt():
                raise SystemExit(f"{name}: failed: {step}")
            prompt = step.prompt
            if isinstance(prompt, kinds["provide"]) or isinstance(prompt, kinds["ceremony"]):
                message = prompt.message_to_post
                if message is None:
                    step = session.visa_message(page_event(LIVE_READY, url))
                else:
                    text = message.json
                    route = "ceremony" if isinstance(prompt, kinds["ceremony"]) else "session"
                    paused = clock()
                    reply = self.page(route, text)
                    admin += clock() - paused
                    step = session.visa_message(page_event(reply, url))
            elif isinstance(prompt, kinds["choose"]):
                chosen = next(m for m in prompt.methods if m.method == self.otp_sms)
                step = session.choose_step_up(chosen.identifier)
            elif isinstance(prompt, kinds["otp"]):
                otps += 1
                wrong = journey.kind == "direct_otp" and otps == 1
                step = session.submit_otp(WRONG_OTP if wrong else RIGHT_OTP)
            else:
                raise SystemExit(f"{name}: unexpected prompt {prompt}")
            steps += 1

    def batch(self, name: str, count: int) -> tuple[int, int, int]:
        """``count`` runs: their steps, their ns and the ns of those spent inside the SDK's
        exported calls (``bench_nanos_in_rust()``, a bench build's probe)."""
        steps = ns = 0
        inside = self.agentic.bench_nanos_in_rust()
        for _ in range(count):
            s, n, _ = self.run(name)
            steps += s
            ns += n
        return steps, ns, self.agentic.bench_nanos_in_rust() - inside


class LiveCAbi(Live):
    """The same drive through the C ABI (bindings/c/include/agentic.h) with ``ctypes`` and
    ``json``, on the library the generated module loaded: parameters, card, answers and steps
    as JSON text; ``agentic_session_submit`` then ``agentic_session_advance`` per answer, and
    ``agentic_session_page_message`` where a prompt has a message to post. Informational: what
    a Python binding over the C ABI would cost per step, next to the uniffi one."""

    def __init__(self, agentic, settings: dict[str, str], journeys: list[Journey], enrolled: str):
        import ctypes  # noqa: PLC0415

        super().__init__(agentic, settings, journeys)
        self.enrolled = enrolled
        self.ctypes = ctypes
        module = sys.modules[agentic.__name__ + ".agentic"]
        lib = ctypes.CDLL(os.path.join(os.path.dirname(module.__file__), "libagentic.so"))
        handle, text = ctypes.c_void_p, ctypes.c_char_p
        out = ctypes.POINTER(handle)
        signatures = {
            "agentic_version": ([], text),
            "agentic_client_new": ([text, text, text, text, out], ctypes.c_int),
            "agentic_session_start_enrollment": ([handle, text, text, out], ctypes.c_int),
            "agentic_session_start_direct_otp": ([handle, text, text, out], ctypes.c_int),
            "agentic_session_start_purchase": ([handle, text, out], ctypes.c_int),
            "agentic_session_start_visa_passkey": ([handle, text, out], ctypes.c_int),
            "agentic_session_advance": ([handle, out], ctypes.c_int),
            "agentic_session_page_message": ([handle, out], ctypes.c_int),
            "agentic_session_submit": ([handle, text], ctypes.c_int),
            "agentic_session_free": ([handle], None),
            "agentic_client_free": ([handle], None),
            "agentic_string_free": ([handle], None),
        }
        for name, (args, result) in signatures.items():
            function = getattr(lib, name)
            function.argtypes = args
            function.restype = result
        self.lib = lib
        config = {
            "juspay": {
                "environment": settings["juspay_environment"],
                "merchant_id": settings["juspay_merchant_id"],
                "routing_id": settings["juspay_routing_id"],
            },
            "visa_acceptance": {
                "environment": settings["visa_environment"],
                "merchant_id": settings["visa_merchant_id"],
                "key_id": settings["visa_key_id"],
            },
            "connect_timeout_ms": 5_000,
            "read_timeout_ms": 10_000,
            "overall_timeout_ms": 15_000,
        }
        self.c_client = handle()
        self.check(
            lib.agentic_client_new(
                json.dumps(config).encode(),
                settings["juspay_api_key"].encode(),
                None,
                settings["visa_shared_secret"].encode(),
                ctypes.byref(self.c_client),
            ),
            "agentic_client_new",
        )

    def close(self) -> None:
        self.lib.agentic_client_free(self.c_client)

    def check(self, status: int, call: str) -> None:
        if status != 0:
            raise SystemExit(f"{call}: status {status}")

    def take(self, pointer) -> bytes:
        """The string the library wrote, released."""
        text = self.ctypes.string_at(pointer.value)
        self.lib.agentic_string_free(pointer)
        return text

    def start_json(self, journey: Journey, tag: str):
        """The start function with its parameters and card (JSON text), the same values as
        ``Live.start`` for this run."""
        p = journey.params

        def present(*keys: str) -> dict[str, str]:
            return {key: p[key] for key in keys if p.get(key) is not None}

        card = json.dumps(
            {
                "number": p.get("card_number"),
                "exp_month": p.get("card_exp_month"),
                "exp_year": p.get("card_exp_year"),
                "security_code": p.get("card_security_code"),
            }
        ).encode()
        lib = self.lib
        if journey.kind == "direct_otp":
            params = {
                "order_id": p["order_id"].replace("#", tag),
                "new_order": {"amount": p["amount"], **present("currency", "customer_id")},
                **present("card_bin"),
            }
            return lib.agentic_session_start_direct_otp, params, card
        if journey.kind == "enrollment":
            keys = (
                "customer_id country_code user_agent ip_address device_model device_brand "
                "device_manufacturer amount currency page_origin"
            )
            params = {key: p[key] for key in keys.split()} | present("reference_id")
            return lib.agentic_session_start_enrollment, params, card
        if journey.kind == "visa_passkey":
            keys = "amount currency merchant_name merchant_url buyer_language email page_origin"
            params = {key: p[key] for key in keys.split()} | present("reference_id")
            params["token_id"] = p["token_id"].replace("#", tag)
            return lib.agentic_session_start_visa_passkey, params, None
        if journey.kind == "purchase":
            params = {key: p[key] for key in ("customer_id", "amount", "currency", "page_origin")}
            params |= present("instruction_limit", "reference_id")
            params["v_provisioned_token_id"] = self.enrolled
            params["instruction_expires_at_ms"] = int(p["instruction_expires_at_ms"])
            params["order_id"] = p["order_id"].replace("#", tag)
            return lib.agentic_session_start_purchase, params, None
        raise SystemExit(f"unknown journey kind {journey.kind}")

    def run(self, name: str):
        """One run: (steps, ns without the page's admin calls, None)."""
        ctypes, lib = self.ctypes, self.lib
        dumps, loads, take = json.dumps, json.loads, self.take
        clock = time.perf_counter_ns
        journey = self.journeys[name]
        self.runs += 1
        tag = f"c{os.getpid() % 100_000:05d}{self.runs:07d}"
        url = self.url
        started = clock()
        admin = otps = 0
        session = ctypes.c_void_p()
        start, params, card = self.start_json(journey, tag)
        params = dumps(params).encode()
        if card is None:
            self.check(start(self.c_client, params, ctypes.byref(session)), "start")
        else:
            self.check(start(self.c_client, params, card, ctypes.byref(session)), "start")
        out = ctypes.c_void_p()
        steps = 0
        try:
            while True:
                self.check(lib.agentic_session_advance(session, ctypes.byref(out)), "advance")
                step = loads(take(out))
                steps += 1
                if step["type"] == "done":
                    return steps, clock() - started - admin, None
                if step["type"] != "prompt":
                    raise SystemExit(f"{name}: {step['type']}")
                prompt = step["prompt"]
                kind = prompt["type"]
                if kind in ("provide_visa_session", "passkey_ceremony"):
                    if prompt.get("message_type") is None:
                        answer = {"type": "visa_message", "json": LIVE_READY, "origin": url}
                    else:
                        page = lib.agentic_session_page_message(session, ctypes.byref(out))
                        self.check(page, "page_message")
                        message = take(out).decode()
                        route = "ceremony" if kind == "passkey_ceremony" else "session"
                        paused = clock()
                        reply = self.page(route, message)
                        admin += clock() - paused
                        answer = {"type": "visa_message", "json": reply, "origin": url}
                elif kind == "choose_step_up":
                    chosen = next(m for m in prompt["methods"] if m["method"] == "OTPSMS")
                    answer = {"type": "choose_step_up", "identifier": chosen["identifier"]}
                elif kind == "enter_otp":
                    otps += 1
                    wrong = journey.kind == "direct_otp" and otps == 1
                    answer = {"type": "otp", "otp": WRONG_OTP if wrong else RIGHT_OTP}
                else:
                    raise SystemExit(f"{name}: unexpected prompt {kind}")
                self.check(lib.agentic_session_submit(session, dumps(answer).encode()), "submit")
        finally:
            lib.agentic_session_free(session)


def crossings(agentic, live: Live, names: list[str]) -> list[str]:
    """Counts the calls into the library (untimed, one run per journey): every ctypes call the
    generated module makes goes through its ``_uniffi_rust_call_with_error``: the calls
    themselves, handle clones and releases, buffer allocations, growths and releases. Prints
    ``crossings <journey> <calls>`` per journey and ``crossings bare <calls>`` for
    ``sdk_version()``."""
    module = sys.modules[agentic.__name__ + ".agentic"]
    original = module._uniffi_rust_call_with_error
    count = 0

    def counting(*args):
        nonlocal count
        count += 1
        return original(*args)

    module._uniffi_rust_call_with_error = counting
    out = []
    try:
        for name in names:
            count = 0
            live.run(name)  # the session, steps and outcome are released on return
            out.append(f"crossings {name} {count}")
        count = 0
        agentic.sdk_version()
        out.append(f"crossings bare {count}")
    finally:
        module._uniffi_rust_call_with_error = original
    return out


def quartiles(values: list[float]) -> tuple[float, float, float]:
    ordered = sorted(values)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    return at(0.25), ordered[len(ordered) // 2], at(0.75)


def live_bench(agentic, reference: str, url: str, quick: bool) -> list[str]:
    """Alternates with ``ffi_reference live`` (a child, against the same sandbox) in short
    batches and prints ``live <journey> <steps> <Python median ns> <Rust median ns> <median of
    the paired differences> <median ns inside the SDK in Python> <median of Python ns outside
    the SDK>`` per journey (ns per journey), then ``livestep <p25> <median> <p75> <rounds>
    <batch>``: the paired difference per step of each round (all journeys) and its spread, and
    ``livedirect <p25> <median> <p75>``: the same for the time outside the SDK per step;
    ``livebare <p25> <median> <p75>``: the bare call, timed in batches of ``BARE_BATCH`` after
    each round's journeys; the ``crossings`` lines (see ``crossings``); and, informational,
    the same drive through the C ABI (``LiveCAbi``, after each round's uniffi batch): ``livec
    <journey> <steps> <median ns> <median ns outside the SDK>`` and ``livecbare <median ns>`` of
    a bare ``ctypes`` call (``agentic_version()``)."""
    import subprocess  # noqa: PLC0415

    child = subprocess.Popen(
        [reference, "live", url], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    lines = []
    for line in child.stdout:
        line = line.rstrip("\n")
        if line == "ready":
            break
        lines.append(line)
    else:
        raise SystemExit("ffi_reference live stopped before it was ready")
    settings, journeys = parse_lines("ffi_reference live", lines)
    live = Live(agentic, settings, journeys)
    _, _, outcome = live.run("enrollment")
    live.enrolled = outcome.v_provisioned_token_id
    over_c = LiveCAbi(agentic, settings, journeys, live.enrolled)

    def rust(name: str, count: int) -> tuple[int, int]:
        child.stdin.write(f"run {name} {count}\n")
        child.stdin.flush()
        fields = child.stdout.readline().split()
        if len(fields) != 4 or fields[0] != "ran":
            raise SystemExit(f"ffi_reference live: unexpected answer {fields}")
        return int(fields[2]), int(fields[3])

    names = [journey.name for journey in journeys]
    counted = crossings(agentic, live, names)
    warmup, rounds, batch = (3, 20, 5) if quick else (10, 80, 10)
    for _ in range(warmup):
        for name in names:
            rust(name, batch)
            live.batch(name, batch)
            over_c.batch(name, batch)
    host: dict[str, list[float]] = {name: [] for name in names}
    reference: dict[str, list[float]] = {name: [] for name in names}
    paired: dict[str, list[float]] = {name: [] for name in names}
    inside: dict[str, list[float]] = {name: [] for name in names}
    outside: dict[str, list[float]] = {name: [] for name in names}
    # The C ABI drive, informational: (host ns, ns inside the SDK) per journey.
    c_host: dict[str, list[float]] = {name: [] for name in names}
    c_outside: dict[str, list[float]] = {name: [] for name in names}
    c_bare: list[float] = []
    c_version = over_c.lib.agentic_version
    steps: dict[str, int] = {}
    per_step: list[float] = []
    direct_per_step: list[float] = []
    bare: list[float] = []
    version = agentic.sdk_version
    clock = time.perf_counter_ns
    for index in range(rounds):
        difference = 0.0
        direct = 0.0
        total_steps = 0
        for name in names:
            # The order flips every round, so a drift favours neither side.
            if index % 2 == 0:
                r_steps, r_ns = rust(name, batch)
                h_steps, h_ns, h_inside = live.batch(name, batch)
            else:
                h_steps, h_ns, h_inside = live.batch(name, batch)
                r_steps, r_ns = rust(name, batch)
            if r_steps != h_steps or h_steps % batch:
                raise SystemExit(f"{name}: {h_steps} steps in Python, {r_steps} in Rust")
            steps[name] = h_steps // batch
            host[name].append(h_ns / batch)
            reference[name].append(r_ns / batch)
            paired[name].append((h_ns - r_ns) / batch)
            inside[name].append(h_inside / batch)
            outside[name].append((h_ns - h_inside) / batch)
            difference += (h_ns - r_ns) / batch
            # After the budgeted pair, so that it runs as it did without this drive.
            c_steps, c_ns, c_inside = over_c.batch(name, batch)
            if c_steps != h_steps:
                raise SystemExit(f"{name}: {c_steps} steps through the C ABI, {h_steps} in uniffi")
            c_host[name].append(c_ns / batch)
            c_outside[name].append((c_ns - c_inside) / batch)
            direct += (h_ns - h_inside) / batch
            total_steps += h_steps // batch
        per_step.append(difference / total_steps)
        direct_per_step.append(direct / total_steps)
        # The bare call in every round, right after its journeys: the ratio's two sides are
        # timed under the same conditions.
        began = clock()
        for _ in range(BARE_BATCH):
            version()
        bare.append((clock() - began) / BARE_BATCH)
        began = clock()
        for _ in range(BARE_BATCH):
            c_version()
        c_bare.append((clock() - began) / BARE_BATCH)
    over_c.close()
    child.stdin.close()
    child.wait(timeout=30)
    out = []
    for name in names:
        h = quartiles(host[name])[1]
        r = quartiles(reference[name])[1]
        d = quartiles(paired[name])[1]
        i = quartiles(inside[name])[1]
        o = quartiles(outside[name])[1]
        out.append(f"live {name} {steps[name]} {h:.0f} {r:.0f} {d:.0f} {i:.0f} {o:.0f}")
    p25, p50, p75 = quartiles(per_step)
    out.append(f"livestep {p25:.1f} {p50:.1f} {p75:.1f} {rounds} {batch}")
    p25, p50, p75 = quartiles(direct_per_step)
    out.append(f"livedirect {p25:.1f} {p50:.1f} {p75:.1f}")
    p25, p50, p75 = quartiles(bare)
    out.append(f"livebare {p25:.1f} {p50:.1f} {p75:.1f}")
    for name in names:
        h = quartiles(c_host[name])[1]
        o = quartiles(c_outside[name])[1]
        out.append(f"livec {name} {steps[name]} {h:.0f} {o:.0f}")
    out.append(f"livecbare {quartiles(c_bare)[1]:.1f}")
    return out + counted


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bindings", required=True)
    parser.add_argument("--recording")
    parser.add_argument("--reference", help="ffi_reference, for the built-in transport figure")
    parser.add_argument("--url", help="the standalone sandbox's URL")
    parser.add_argument("--quick", action="store_true")
    options = parser.parse_args()
    sys.path.insert(0, options.bindings)
    import agentic  # noqa: PLC0415  (from the directory given)

    if options.quick:
        warmup_ns, samples, sample_ns = 300_000_000, 5, 100_000_000
    else:
        warmup_ns, samples, sample_ns = 1_000_000_000, 11, 200_000_000

    def measure_op(f) -> tuple[float, float]:
        """(ns per call, ns per call outside the SDK's exported calls): each the median over
        `samples` batches of the mean per call (as ffi_reference)."""
        clock = time.perf_counter_ns
        in_rust = agentic.bench_nanos_in_rust
        started = clock()
        runs = 0
        while clock() - started < warmup_ns or runs < 3:
            f()
            runs += 1
        per_run = (clock() - started) / runs
        batch = max(1, int(sample_ns / per_run))
        totals, outside = [], []
        for _ in range(samples):
            inside = in_rust()
            began = clock()
            for _ in range(batch):
                f()
            ns = clock() - began
            totals.append(ns / batch)
            outside.append((ns - (in_rust() - inside)) / batch)
        totals.sort()
        outside.sort()
        return totals[len(totals) // 2], outside[len(outside) // 2]

    def measure(f) -> float:
        """Median over `samples` batches of the mean ns per call (as ffi_reference)."""
        return measure_op(f)[0]

    lines = []
    if options.reference and options.url:
        lines.extend(live_bench(agentic, options.reference, options.url, options.quick))
    if options.recording:
        journeys, drivers, starters = setup(agentic, options.recording)
        for journey, drive in zip(journeys, drivers):
            ns = measure(drive)
            lines.append(
                f"journey {journey.name} {journey.step_count} {len(journey.responses)} {ns:.0f}"
            )
    lines.append(f"bare {measure(agentic.sdk_version):.1f}")
    if options.recording:
        # Where the time goes: single operations of the drive, each timed alone.
        if journeys[0].kind != "direct_otp":
            raise SystemExit(f"the first recorded journey is {journeys[0].kind}, not direct_otp")
        status, headers, body = journeys[0].responses[0]
        finished = drivers[0]()  # advance() on a finished journey answers its end again
        ops = {
            "http_response_new": lambda: agentic.HttpResponse(status, headers, body),
            "http_response_new_no_headers": lambda: agentic.HttpResponse(status, {}, body),
            "advance_finished": finished.advance,
            "session_kind": finished.kind,
        }
        # Each journey's start call (no request leaves before advance()); the session is
        # released when the call returns.
        for journey, start in zip(journeys, starters):
            ops[f"start_{journey.kind}"] = start
        for name, op in ops.items():
            total, outside = measure_op(op)
            lines.append(f"op {name} {total:.1f} {outside:.1f}")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
