/*
 * A runnable C example: one Direct OTP card payment against the sandbox.
 *
 *   cargo run -p agentic-cli -- sandbox --addr 127.0.0.1:8080      # in another terminal
 *   cargo build -p agentic-ffi
 *   cmake -S bindings/c -B target/c-build && cmake --build target/c-build --target pay
 *   target/c-build/pay [http://127.0.0.1:8080] [OTP]
 *
 * The sandbox's native-OTP card is challenged with an OTP; the sandbox accepts 456789. A real
 * app would ask its user for the OTP at the `enter_otp` prompt instead of taking it from the
 * command line, and would read the step JSON with its own JSON parser.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agentic.h"

/* Prints the failed call and the details of the error, then exits. */
static void fail(const char *call, agentic_status status) {
    char *details = NULL;
    agentic_last_error(&details);
    fprintf(stderr, "%s: %s\n  %s\n", call, agentic_status_name((int)status),
            details != NULL ? details : "");
    agentic_string_free(details);
    exit(1);
}

int main(int argc, char **argv) {
    const char *sandbox = argc > 1 ? argv[1] : getenv("AGENTIC_SANDBOX_URL");
    const char *otp = argc > 2 ? argv[2] : "456789";
    if (sandbox == NULL) {
        sandbox = "http://127.0.0.1:8080";
    }
    if (strlen(sandbox) > 200 || strlen(otp) > 8) {
        fprintf(stderr, "usage: %s [SANDBOX_URL] [OTP]\n", argv[0]);
        return 2;
    }

    /* The client: where Juspay is and who we are; the API key is a separate argument. */
    char config[512];
    snprintf(config, sizeof config,
             "{\"juspay\": {\"environment\": \"%s\", \"merchant_id\": \"agentic_sandbox\", "
             "\"routing_id\": \"customer_1\"}}",
             sandbox);
    agentic_client *client = NULL;
    agentic_status status = agentic_client_new(config, "sandbox_api_key_5f2c", NULL, NULL, &client);
    if (status != AGENTIC_OK) {
        fail("agentic_client_new", status);
    }

    /* The journey: create an order of 100.00 INR and pay it with a card (the card is secret
     * and goes in its own argument). */
    agentic_session *session = NULL;
    status = agentic_session_start_direct_otp(
        client, "{\"new_order\": {\"amount\": \"100.00\", \"currency\": \"INR\"}}",
        "{\"number\": \"4242424242424242\", \"exp_month\": \"12\", \"exp_year\": \"39\", "
        "\"security_code\": \"123\"}",
        &session);
    if (status != AGENTIC_OK) {
        fail("agentic_session_start_direct_otp", status);
    }

    /* Advance until the journey ends, answering its prompts. */
    int exit_code = 1;
    for (;;) {
        char *step = NULL;
        status = agentic_session_advance(session, &step); /* blocks for the HTTP calls */
        if (status != AGENTIC_OK) {
            fail("agentic_session_advance", status);
        }
        printf("step: %s\n", step);
        if (strstr(step, "\"type\":\"enter_otp\"") != NULL) {
            char input[64];
            snprintf(input, sizeof input, "{\"type\": \"otp\", \"otp\": \"%s\"}", otp);
            printf("entering the OTP\n");
            status = agentic_session_submit(session, input);
            if (status != AGENTIC_OK) {
                fail("agentic_session_submit", status);
            }
        } else if (strstr(step, "\"type\":\"prompt\"") != NULL) {
            /* Other prompts (3-D Secure redirect, unknown outcome) are not handled here. */
            printf("this example does not handle that prompt; cancelling\n");
            agentic_session_cancel(session);
        } else {
            exit_code = strstr(step, "\"type\":\"done\"") != NULL ? 0 : 1;
            printf("%s\n", exit_code == 0 ? "paid" : "not paid");
            agentic_string_free(step);
            break;
        }
        agentic_string_free(step);
    }

    agentic_session_free(session);
    agentic_client_free(client);
    return exit_code;
}
