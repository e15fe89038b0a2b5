"""One Direct OTP card payment through the agentic Python binding, against the sandbox.

    cargo run -p agentic-cli -- sandbox --addr 127.0.0.1:8080     # in another terminal
    cargo xtask bindgen                                             # generates bindings/python/agentic
    PYTHONPATH=bindings/python python3 examples/python/pay.py http://127.0.0.1:8080

The credentials are the sandbox's documented test credentials; a real account's come from the
environment (never from code).
"""

import os
import sys
import time

import agentic

SANDBOX_API_KEY = "sandbox_api_key_5f2c"
SANDBOX_MERCHANT = "agentic_sandbox"


def main(base_url: str) -> int:
    settings = agentic.ClientSettings(
        juspay=agentic.JuspaySettings(
            environment=base_url, merchant_id=SANDBOX_MERCHANT, routing_id="customer_1"
        ),
    )
    client = agentic.AgenticClient(
        settings, juspay_api_key=os.environ.get("AGENTIC_JUSPAY_API_KEY", SANDBOX_API_KEY)
    )
    params = agentic.DirectOtpParams(
        new_order=agentic.NewOrder(amount="100.00", currency="INR", customer_id="customer_1")
    )
    expiry_year = f"{(time.gmtime().tm_year + 4) % 100:02d}"
    # The sandbox's magic card for a native OTP challenge; 456789 is its right OTP.
    card = agentic.CardDetails(
        number="4242424242424242", exp_month="12", exp_year=expiry_year, security_code="123"
    )
    session = client.start_direct_otp(params, card)
    # advance() and every answer block while the SDK talks to Juspay; each returns the next step.
    step = session.advance()
    while True:
        if step.is_prompt() and step.prompt.is_enter_otp():
            print("the bank sent an OTP; entering it")
            step = session.submit_otp("456789")
        elif step.is_prompt():
            print(f"this example does not handle {step.prompt}; cancelling")
            session.cancel()
            step = session.advance()
        elif step.is_done():
            print(f"paid: order {step.outcome.order_id}, status {step.outcome.status}")
            return 0
        else:
            print(f"not paid: {step.failure}")
            return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8080"))
