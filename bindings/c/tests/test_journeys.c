/*
 * Every journey against the sandbox (AGENTIC_SANDBOX_URL), plus the errors only a provider can
 * cause, cancel (also from another thread), checkpoint/resume and concurrent sessions.
 */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "support.h"
#include "tests.h"

/* Card numbers and tokens with a known fate in the sandbox (agentic-sandbox's magic.rs). */
#define CARD_CHALLENGED "4242424242424242"   /* VAT: step-up; EC: native OTP */
#define CARD_APPROVED "4111111111111111"     /* VAT: no step-up */
#define CARD_3DS_FALLBACK "4000000000003220" /* EC: 3-D Secure redirect */

/* A card JSON with an expiry three years ahead (the sandbox refuses expired cards). */
static char *card_json(const char *number) {
    time_t now = time(NULL);
    struct tm parts;
    gmtime_r(&now, &parts);
    return format_string("{\"number\": \"%s\", \"exp_month\": \"12\", \"exp_year\": \"%02d\", "
                         "\"security_code\": \"123\", \"name_on_card\": \"C Test\"}",
                         number, (parts.tm_year + 1900 + 3) % 100);
}

/* A name no other test (or earlier run against the same sandbox) used: the sandbox remembers
 * customers, tokens and passkeys (a token gets its passkey once, then authenticates). */
static char *unique(const char *prefix) {
    static int counter;
    return format_string("%s_%ld_%d_%ld", prefix, (long)getpid(), ++counter, (long)time(NULL));
}

/* Whether `text` contains `needle`. */
static bool contains(const char *text, const char *needle) {
    return strstr(text, needle) != NULL;
}

static bool all_digits(const char *text) {
    for (const char *c = text; *c != '\0'; c++) {
        if (*c < '0' || *c > '9') return false;
    }
    return *text != '\0';
}

static bool word_char(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

/* Whether `text` holds `secret` (the "no secret in it" checks). A number of up to 8 digits (the
 * 3-digit sandbox cryptogram, an OTP) counts only as a whole word: "072" inside the clock reading
 * 1795349072000 or the id "9a072b" is chance, while "072" or dtvv=072 is a leak. Anything else (a
 * card or token number, text) counts anywhere. The same rule as the Rust, Python, Kotlin and
 * Swift canaries. */
static bool holds_secret(const char *text, const char *secret) {
    size_t length = strlen(secret);
    if (length > 8 || !all_digits(secret)) return contains(text, secret);
    for (const char *at = strstr(text, secret); at != NULL; at = strstr(at + 1, secret)) {
        if (!(at > text && word_char(at[-1])) && !word_char(at[length])) return true;
    }
    return false;
}

static agentic_session *start_direct_otp(agentic_client *client, const char *card_number,
                                         const char *amount) {
    char *card = card_json(card_number);
    char *params = format_string("{\"new_order\": {\"amount\": \"%s\", \"currency\": \"INR\", "
                                 "\"customer_id\": \"c_customer_1\"}, \"card_bin\": \"%.6s\"}",
                                 amount, card_number);
    agentic_session *session = NULL;
    CHECK_STATUS(agentic_session_start_direct_otp(client, params, card, &session), AGENTIC_OK);
    free(params);
    free(card);
    return session;
}

static char *enrollment_params(const char *customer) {
    return format_string(
        "{\"customer_id\": \"%s\", \"country_code\": \"US\", \"user_agent\": \"agentic-c-tests\", "
        "\"ip_address\": \"127.0.0.1\", \"device_model\": \"C\", \"device_brand\": \"agentic\", "
        "\"device_manufacturer\": \"agentic\", \"app_name\": \"c tests\", \"amount\": \"92.65\", "
        "\"currency\": \"SGD\", \"page_origin\": \"%s\"}",
        customer, sandbox_url());
}

static agentic_session *start_enrollment(agentic_client *client, const char *card_number,
                                         const char *customer) {
    char *card = card_json(card_number);
    char *params = enrollment_params(customer);
    agentic_session *session = NULL;
    CHECK_STATUS(agentic_session_start_enrollment(client, params, card, &session), AGENTIC_OK);
    free(params);
    free(card);
    return session;
}

/* A Visa Acceptance passkey journey for a fresh token (challenged: step-up, then REGISTER). */
static agentic_session *start_visa_passkey(agentic_client *client) {
    char *token = unique("tkn_c");
    char *params = format_string(
        "{\"token_id\": \"%s\", \"amount\": \"25.00\", \"currency\": \"USD\", \"merchant_name\": "
        "\"C Shop\", \"merchant_url\": \"https://shop.example\", \"buyer_language\": \"en-US\", "
        "\"email\": \"cardholder@example.com\", \"page_origin\": \"%s\"}",
        token, sandbox_url());
    agentic_session *session = NULL;
    CHECK_STATUS(agentic_session_start_visa_passkey(client, params, &session), AGENTIC_OK);
    free(params);
    free(token);
    return session;
}

/* Runs `session` to its end with `pilot` and expects success with outcome type `outcome`;
 * returns the final step (malloc'ed). */
static char *run_to_done(autopilot *pilot, agentic_session *session, const char *outcome) {
    agentic_status status = AGENTIC_OK;
    char *step = autopilot_run(pilot, session, &status);
    if (step == NULL) {
        char *error = last_error();
        test_fail(__FILE__, __LINE__, "advance returned %s: %s (prompts %s)",
                  agentic_status_name((int)status), error, pilot->prompt_names);
    }
    json_value view = json_parse(step);
    if (!json_string_is(view, "type", "done") || !json_string_is(view, "outcome.type", outcome)) {
        test_fail(__FILE__, __LINE__, "expected a %s outcome, got %s (prompts %s)", outcome, step,
                  pilot->prompt_names);
    }
    return step;
}

static char *outcome_secrets(agentic_session *session) {
    char *secrets = NULL;
    CHECK_STATUS(agentic_session_outcome_secrets(session, &secrets), AGENTIC_OK);
    CHECK(secrets != NULL);
    char *copy = format_string("%s", secrets);
    agentic_string_free(secrets);
    return copy;
}

/* Enrolls `card_number` for `customer` and returns the provisioned token id (malloc'ed). */
static char *enroll(agentic_client *client, const char *card_number, const char *customer) {
    agentic_session *session = start_enrollment(client, card_number, customer);
    autopilot pilot = autopilot_new();
    char *step = run_to_done(&pilot, session, "enrolled");
    char *token = json_string(json_parse(step), "outcome.v_provisioned_token_id");
    CHECK(token != NULL);
    free(step);
    agentic_session_free(session);
    return token;
}

/* ---------------------------------------------------------------------------------------- */

void test_journey_enrollment(void) {
    agentic_client *client = sandbox_client();
    char *customer = unique("c_enroll");
    agentic_session *session = start_enrollment(client, CARD_CHALLENGED, customer);
    free(customer);
    autopilot pilot = autopilot_new();
    char *step = run_to_done(&pilot, session, "enrolled");
    json_value view = json_parse(step);
    CHECK(json_string_is(view, "journey", "enrollment"));
    CHECK(!json_is_null(view, "outcome.v_provisioned_token_id"));
    /* The challenged card went through the step-up and the REGISTER ceremony. */
    CHECK(strcmp(pilot.prompt_names, "provide_visa_session,provide_visa_session,choose_step_up,"
                                     "enter_otp,passkey_ceremony") == 0);
    char *secrets = outcome_secrets(session);
    CHECK(json_string_is(json_parse(secrets), "type", "enrolled"));
    free(secrets);
    free(step);
    agentic_session_free(session);
    agentic_client_free(client);
}

void test_journey_purchase(void) {
    agentic_client *client = sandbox_client();
    char *customer = unique("c_purchase");
    char *token = enroll(client, CARD_APPROVED, customer);
    long long expires = (long long)time(NULL) * 1000 + 24LL * 60 * 60 * 1000;
    char *order_id = unique("c_order");
    char *params = format_string(
        "{\"customer_id\": \"%s\", \"v_provisioned_token_id\": \"%s\", \"amount\": "
        "\"92.65\", \"currency\": \"SGD\", \"instruction_expires_at_ms\": %lld, "
        "\"instruction_limit\": \"500.00\", \"order_id\": \"%s\", \"page_origin\": \"%s\"}",
        customer, token, expires, order_id, sandbox_url());
    free(customer);
    free(order_id);
    agentic_session *session = NULL;
    CHECK_STATUS(agentic_session_start_purchase(client, params, &session), AGENTIC_OK);
    autopilot pilot = autopilot_new();
    char *step = run_to_done(&pilot, session, "authorised");
    json_value view = json_parse(step);
    CHECK(json_is_true(view, "outcome.has_token_number"));
    CHECK(json_is_true(view, "outcome.has_cryptogram"));
    /* The credentials come from outcome_secrets, and only from there. */
    char *secrets = outcome_secrets(session);
    json_value secret_view = json_parse(secrets);
    char *token_number = json_string(secret_view, "token_number");
    char *cryptogram = json_string(secret_view, "cryptogram");
    CHECK(token_number != NULL && strlen(token_number) >= 12);
    CHECK(cryptogram != NULL && cryptogram[0] != '\0');
    /* The cryptogram has three digits: where the parameters hold the same word (the page origin's
     * 127, the limit's 500), the step and checkpoint may hold it without a leak. */
    bool cryptogram_is_public = holds_secret(params, cryptogram);
    CHECK(!holds_secret(step, token_number));
    CHECK(cryptogram_is_public || !holds_secret(step, cryptogram));
    char *checkpoint = NULL;
    CHECK_STATUS(agentic_session_checkpoint(session, &checkpoint), AGENTIC_OK);
    CHECK(!holds_secret(checkpoint, token_number));
    CHECK(cryptogram_is_public || !holds_secret(checkpoint, cryptogram));
    /* A finished purchase resumed without its credentials is done without them; with them
     * (the "raw" object) it is the same as before. */
    agentic_session *resumed = NULL;
    CHECK_STATUS(agentic_session_resume(client, checkpoint, NULL, &resumed), AGENTIC_OK);
    char *bare = advance_ok(resumed);
    CHECK(json_string_is(json_parse(bare), "outcome.type", "authorised"));
    CHECK(!json_is_true(json_parse(bare), "outcome.has_token_number"));
    free(bare);
    agentic_session_free(resumed);
    json_value raw;
    CHECK(json_find(secret_view, "raw", &raw));
    char *resume_secrets = format_string("{\"credentials\": %.*s}", (int)raw.length, raw.start);
    CHECK_STATUS(agentic_session_resume(client, checkpoint, resume_secrets, &resumed), AGENTIC_OK);
    char *resumed_step = advance_ok(resumed);
    CHECK(strcmp(resumed_step, step) == 0);
    char *resumed_secrets = outcome_secrets(resumed);
    CHECK(strcmp(resumed_secrets, secrets) == 0);
    free(resumed_secrets);
    free(resumed_step);
    free(resume_secrets);
    agentic_session_free(resumed);
    agentic_string_free(checkpoint);
    free(token_number);
    free(cryptogram);
    free(secrets);
    free(step);
    free(params);
    free(token);
    agentic_session_free(session);
    agentic_client_free(client);
}

void test_journey_direct_otp(void) {
    agentic_client *client = sandbox_client();
    agentic_session *session = start_direct_otp(client, CARD_CHALLENGED, "100.00");
    /* BIN check, order, /txns: then the OTP prompt, with nothing to post to a page. */
    char *step = advance_ok(session);
    json_value view = json_parse(step);
    CHECK(json_string_is(view, "type", "prompt"));
    CHECK(json_string_is(view, "prompt.type", "enter_otp"));
    CHECK(json_integer(view, "prompt.attempts_left", 0) == 3);
    CHECK(!holds_secret(step, CARD_CHALLENGED));
    char *message = NOT_NULL;
    CHECK_STATUS(agentic_session_page_message(session, &message), AGENTIC_OK);
    CHECK(message == NULL);
    free(step);
    CHECK_STATUS(agentic_session_submit(session, "{\"type\": \"otp\", \"otp\": \"456789\"}"),
                 AGENTIC_OK);
    step = advance_ok(session);
    view = json_parse(step);
    CHECK(json_string_is(view, "type", "done"));
    CHECK(json_string_is(view, "outcome.type", "paid"));
    CHECK(json_string_is(view, "outcome.status", "CHARGED"));
    free(step);
    agentic_session_free(session);
    agentic_client_free(client);
}

void test_journey_direct_otp_wrong_otp_then_resend(void) {
    agentic_client *client = sandbox_client();
    agentic_session *session = start_direct_otp(client, CARD_CHALLENGED, "100.00");
    free(advance_ok(session));
    CHECK_STATUS(agentic_session_submit(session, "{\"type\": \"otp\", \"otp\": \"111111\"}"),
                 AGENTIC_OK);
    char *step = advance_ok(session);
    json_value view = json_parse(step);
    CHECK(json_string_is(view, "prompt.type", "enter_otp"));
    CHECK(json_is_true(view, "prompt.last_attempt_failed"));
    CHECK(json_integer(view, "prompt.attempts_left", 0) == 2);
    free(step);
    CHECK_STATUS(agentic_session_submit(session, "{\"type\": \"resend_otp\"}"), AGENTIC_OK);
    step = advance_ok(session);
    view = json_parse(step);
    CHECK(json_string_is(view, "prompt.type", "enter_otp"));
    CHECK(json_integer(view, "prompt.resends_left", 9) == 1);
    free(step);
    autopilot pilot = autopilot_new();
    free(run_to_done(&pilot, session, "paid"));
    agentic_session_free(session);
    agentic_client_free(client);
}

void test_journey_direct_otp_3ds_fallback(void) {
    agentic_client *client = sandbox_client();
    agentic_session *session = start_direct_otp(client, CARD_3DS_FALLBACK, "100.00");
    autopilot pilot = autopilot_new();
    char *step = run_to_done(&pilot, session, "paid");
    CHECK(strcmp(pilot.prompt_names, "redirect") == 0);
    CHECK(json_string_is(json_parse(step), "outcome.status", "CHARGED"));
    free(step);
    agentic_session_free(session);
    agentic_client_free(client);
}

void test_journey_direct_otp_payment_failed(void) {
    agentic_client *client = sandbox_client();
    agentic_session *session = start_direct_otp(client, CARD_CHALLENGED, "13.51");
    autopilot pilot = autopilot_new();
    agentic_status status = AGENTIC_OK;
    char *step = autopilot_run(&pilot, session, &status);
    CHECK(step != NULL);
    json_value view = json_parse(step);
    CHECK(json_string_is(view, "type", "failed"));
    CHECK(json_string_is(view, "failure.type", "payment_failed"));
    CHECK(json_string_is(view, "failure.status", "AUTHORIZATION_FAILED"));
    free(step);
    agentic_session_free(session);
    agentic_client_free(client);
}

void test_journey_visa_passkey(void) {
    agentic_client *client = sandbox_client();
    agentic_session *session = start_visa_passkey(client);
    autopilot pilot = autopilot_new();
    char *step = run_to_done(&pilot, session, "passkey_verified");
    json_value view = json_parse(step);
    CHECK(json_string_is(view, "journey", "visa_passkey"));
    CHECK(json_string_is(view, "outcome.action", "REGISTER"));
    CHECK(json_is_true(view, "outcome.has_fido_blob"));
    CHECK(strcmp(pilot.prompt_names, "provide_visa_session,provide_visa_session,choose_step_up,"
                                     "enter_otp,passkey_ceremony") == 0);
    char *secrets = outcome_secrets(session);
    char *blob = json_string(json_parse(secrets), "fido_blob");
    CHECK(blob != NULL && blob[0] != '\0');
    CHECK(!holds_secret(step, blob));
    free(blob);
    free(secrets);
    free(step);
    agentic_session_free(session);
    agentic_client_free(client);
}

void test_passkey_cancelled_on_the_page(void) {
    agentic_client *client = sandbox_client();
    agentic_session *session = start_visa_passkey(client);
    autopilot pilot = autopilot_new();
    pilot.ceremony = CEREMONY_CANCEL;
    agentic_status status = AGENTIC_OK;
    char *step = autopilot_run(&pilot, session, &status);
    CHECK(step != NULL);
    json_value view = json_parse(step);
    CHECK(json_string_is(view, "failure.type", "passkey"));
    CHECK(json_string_is(view, "failure.failure", "cancelled"));
    free(step);
    agentic_session_free(session);
    agentic_client_free(client);
}

/* ---------------------------------------------------------------------------------------- */
/* Errors only a provider (or its absence) causes                                            */
/* ---------------------------------------------------------------------------------------- */

void test_wrong_api_key(void) {
    agentic_client *client = sandbox_client_with(
        "{\"juspay\": {\"environment\": \"%s\", \"merchant_id\": \"" SANDBOX_MERCHANT_ID
        "\", \"routing_id\": \"c_customer_1\"}}",
        "not_the_sandbox_key");
    /* Juspay VAT (enrollment: the page first, then /card/tokenize is refused). */
    agentic_session *session = start_enrollment(client, CARD_APPROVED, "c_wrong_key");
    autopilot pilot = autopilot_new();
    agentic_status status = AGENTIC_OK;
    char *step = autopilot_run(&pilot, session, &status);
    CHECK(step == NULL);
    CHECK(status == AGENTIC_PROVIDER);
    CHECK(last_error_has("type", "provider"));
    CHECK(last_error_has("code", "UNAUTHORIZED"));
    CHECK(last_error_has("provider", "juspay_vat"));
    CHECK(last_error_has("recovery", "check_credentials"));
    CHECK(last_error_has("function", "agentic_session_advance"));
    char *error = last_error();
    CHECK(json_integer(json_parse(error), "http_status", 0) == 401);
    CHECK(!holds_secret(error, "not_the_sandbox_key"));
    free(error);
    /* The journey has ended: asked again, it answers the same. */
    char *again = NOT_NULL;
    CHECK_STATUS(agentic_session_advance(session, &again), AGENTIC_PROVIDER);
    CHECK(again == NULL);
    agentic_session_free(session);
    /* Juspay EC answers in its own envelope. */
    session = start_direct_otp(client, CARD_CHALLENGED, "100.00");
    CHECK_STATUS(agentic_session_advance(session, &again), AGENTIC_PROVIDER);
    CHECK(last_error_has("provider", "juspay_ec"));
    CHECK(last_error_has("code", "access_denied"));
    agentic_session_free(session);
    agentic_client_free(client);
}

void test_network_unreachable(void) {
    agentic_client *client = NULL;
    /* Nothing listens on port 1: refused before sending, retried, then the journey ends. */
    CHECK_STATUS(agentic_client_new("{\"juspay\": {\"environment\": \"http://127.0.0.1:1\", "
                                    "\"merchant_id\": \"m\", \"routing_id\": \"r\"}, "
                                    "\"connect_timeout_ms\": 2000}",
                                    "k", NULL, NULL, &client),
                 AGENTIC_OK);
    agentic_session *session = start_direct_otp(client, CARD_CHALLENGED, "100.00");
    char *step = NOT_NULL;
    CHECK_STATUS(agentic_session_advance(session, &step), AGENTIC_NETWORK);
    CHECK(step == NULL);
    CHECK(last_error_has("type", "network"));
    char *error = last_error();
    json_value found;
    CHECK(json_find(json_parse(error), "maybe_sent", &found) && found.length == 5 &&
          memcmp(found.start, "false", 5) == 0);
    free(error);
    agentic_session_free(session);
    agentic_client_free(client);
}

void test_page_message_refused(void) {
    agentic_client *client = sandbox_client();
    agentic_session *session = start_visa_passkey(client);
    char *step = advance_ok(session);
    json_value view = json_parse(step);
    CHECK(json_string_is(view, "prompt.type", "provide_visa_session"));
    /* The page's message from another origin, and something that is not a page message. */
    CHECK_STATUS(agentic_session_submit(session,
                                        "{\"type\": \"visa_message\", \"json\": \"{\\\"type\\\": "
                                        "\\\"AUTH_READY\\\", \\\"requestID\\\": \\\"x\\\"}\", "
                                        "\"origin\": \"https://evil.example\"}"),
                 AGENTIC_PAGE_MESSAGE_REFUSED);
    CHECK(last_error_has("type", "page_message_refused"));
    char *input = NULL;
    char *origin = json_quote(sandbox_url());
    input = format_string("{\"type\": \"visa_message\", \"json\": \"[1, 2]\", \"origin\": %s}",
                          origin);
    CHECK_STATUS(agentic_session_submit(session, input), AGENTIC_PAGE_MESSAGE_REFUSED);
    free(input);
    free(origin);
    /* Nothing changed: the right messages still complete the journey. */
    autopilot pilot = autopilot_new();
    autopilot_answer(&pilot, session, view);
    free(step);
    free(run_to_done(&pilot, session, "passkey_verified"));
    agentic_session_free(session);
    agentic_client_free(client);
}

void test_cannot_resume(void) {
    agentic_client *client = sandbox_client();
    agentic_session *session = NOT_NULL;
    CHECK_STATUS(agentic_session_resume(client, "{}", NULL, &session), AGENTIC_CANNOT_RESUME);
    CHECK(session == NULL);
    CHECK(last_error_has("type", "cannot_resume"));
    CHECK_STATUS(agentic_session_resume(client, "{\"journey\": \"gardening\"}", NULL, &session),
                 AGENTIC_CANNOT_RESUME);
    /* A real checkpoint of a journey that needs its card again, resumed without it. */
    agentic_session *original = start_direct_otp(client, CARD_CHALLENGED, "100.00");
    char *checkpoint = NULL;
    CHECK_STATUS(agentic_session_checkpoint(original, &checkpoint), AGENTIC_OK);
    CHECK_STATUS(agentic_session_resume(client, checkpoint, NULL, &session),
                 AGENTIC_CANNOT_RESUME);
    CHECK(session == NULL);
    agentic_string_free(checkpoint);
    agentic_session_free(original);
    agentic_client_free(client);
}

/* ---------------------------------------------------------------------------------------- */
/* Cancel, checkpoint and resume, threads                                                    */
/* ---------------------------------------------------------------------------------------- */

void test_cancel_at_a_prompt(void) {
    agentic_client *client = sandbox_client();
    agentic_session *session = start_direct_otp(client, CARD_CHALLENGED, "100.00");
    free(advance_ok(session)); /* enter_otp */
    CHECK_STATUS(agentic_session_submit(session, "{\"type\": \"cancel\"}"), AGENTIC_OK);
    char *step = advance_ok(session);
    json_value view = json_parse(step);
    CHECK(json_string_is(view, "type", "failed"));
    CHECK(json_string_is(view, "failure.type", "cancelled"));
    free(step);
    CHECK_STATUS(agentic_session_cancel(session), AGENTIC_INVALID_STATE);
    CHECK_STATUS(agentic_session_submit(session, "{\"type\": \"otp\", \"otp\": \"456789\"}"),
                 AGENTIC_INVALID_STATE);
    agentic_session_free(session);
    agentic_client_free(client);
}

typedef struct advance_result {
    agentic_session *session;
    agentic_status status;
    char *step;
} advance_result;

static void *advance_thread(void *argument) {
    advance_result *result = argument;
    char *step = NULL;
    result->status = agentic_session_advance(result->session, &step);
    result->step = step == NULL ? NULL : format_string("%s", step);
    agentic_string_free(step);
    return NULL;
}

static void sleep_ms(long ms) {
    struct timespec pause = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&pause, NULL);
}

/* RUN_SERIAL: injects a delay fault into the shared sandbox. */
void test_cancel_from_another_thread(void) {
    char *reply = NULL;
    CHECK(http_exchange(sandbox_url(), "POST", "/__sandbox/faults",
                        "{\"operation\": \"juspay_ec.create_order\", \"nth\": null, \"fault\": "
                        "{\"kind\": \"delay\", \"ms\": 3000}}",
                        &reply) == 201);
    free(reply);
    agentic_client *client = sandbox_client();
    advance_result result = {start_direct_otp(client, CARD_CHALLENGED, "100.00"), AGENTIC_OK,
                             NULL};
    pthread_t thread;
    CHECK(pthread_create(&thread, NULL, advance_thread, &result) == 0);
    sleep_ms(500); /* advance is now waiting for /orders */
    struct timespec started, answered;
    clock_gettime(CLOCK_MONOTONIC, &started);
    CHECK_STATUS(agentic_session_cancel(result.session), AGENTIC_OK);
    /* The journey has ended at once (advance still waits for the request in flight, whose late
     * answer is dropped); other calls on the session do not wait for that request. */
    char *checkpoint = NULL;
    CHECK_STATUS(agentic_session_checkpoint(result.session, &checkpoint), AGENTIC_OK);
    agentic_string_free(checkpoint);
    CHECK_STATUS(agentic_session_cancel(result.session), AGENTIC_INVALID_STATE);
    clock_gettime(CLOCK_MONOTONIC, &answered);
    long waited_ms = (answered.tv_sec - started.tv_sec) * 1000 +
                     (answered.tv_nsec - started.tv_nsec) / 1000000;
    CHECK(waited_ms < 1000);
    /* Releasing the session while advance runs on it is safe: the call finishes first. */
    agentic_session_free(result.session);
    CHECK(pthread_join(thread, NULL) == 0);
    CHECK(http_exchange(sandbox_url(), "DELETE", "/__sandbox/faults", NULL, &reply) == 200);
    free(reply);
    CHECK(result.status == AGENTIC_OK);
    CHECK(result.step != NULL);
    json_value view = json_parse(result.step);
    CHECK(json_string_is(view, "type", "failed"));
    CHECK(json_string_is(view, "failure.type", "cancelled"));
    free(result.step);
    agentic_client_free(client);
}

void test_checkpoint_and_resume(void) {
    agentic_client *client = sandbox_client();
    agentic_session *session = start_direct_otp(client, CARD_CHALLENGED, "100.00");
    char *step = advance_ok(session); /* enter_otp */
    char *checkpoint = NULL;
    CHECK_STATUS(agentic_session_checkpoint(session, &checkpoint), AGENTIC_OK);
    /* Versioned JSON naming its journey, without the card. */
    json_value view = json_parse(checkpoint);
    CHECK(json_string_is(view, "journey", "juspay_direct_otp"));
    CHECK(!holds_secret(checkpoint, CARD_CHALLENGED));
    char *saved = format_string("%s", checkpoint);
    agentic_string_free(checkpoint);
    /* The app is killed: the session goes, the checkpoint stays. */
    agentic_session_free(session);
    agentic_client_free(client);

    client = sandbox_client();
    char *card = card_json(CARD_CHALLENGED);
    char *secrets = format_string("{\"card\": %s}", card);
    agentic_session *resumed = NULL;
    CHECK_STATUS(agentic_session_resume(client, saved, secrets, &resumed), AGENTIC_OK);
    char *again = advance_ok(resumed);
    CHECK(strcmp(again, step) == 0); /* the same prompt, without a new request */
    autopilot pilot = autopilot_new();
    char *done = run_to_done(&pilot, resumed, "paid");
    CHECK(json_string_is(json_parse(done), "journey", "direct_otp"));
    free(done);
    free(again);
    free(secrets);
    free(card);
    free(saved);
    free(step);
    agentic_session_free(resumed);
    agentic_client_free(client);
}

void test_checkpoint_and_resume_with_a_page_secret(void) {
    agentic_client *client = sandbox_client();
    agentic_session *session = start_visa_passkey(client);
    autopilot pilot = autopilot_new();
    /* Through the page: AUTH_READY, then CREATE_AUTH_SESSION → AUTH_SESSION_CREATED, whose
     * secureToken the app keeps (secretly) to resume with. */
    char *step = advance_ok(session);
    autopilot_answer(&pilot, session, json_parse(step));
    free(step);
    step = advance_ok(session);
    CHECK(json_string_is(json_parse(step), "prompt.message_type", "CREATE_AUTH_SESSION"));
    free(step);
    char *message = NULL;
    CHECK_STATUS(agentic_session_page_message(session, &message), AGENTIC_OK);
    CHECK(message != NULL && contains(message, "CREATE_AUTH_SESSION"));
    char *reply = NULL;
    CHECK(http_exchange(sandbox_url(), "POST", "/__sandbox/visa-page/session", message, &reply) ==
          200);
    agentic_string_free(message);
    char *secure_token = json_string(json_parse(reply), "sessionContext.secureToken");
    CHECK(secure_token != NULL);
    char *quoted_reply = json_quote(reply);
    char *origin = json_quote(sandbox_url());
    char *input = format_string("{\"type\": \"visa_message\", \"json\": %s, \"origin\": %s}",
                                quoted_reply, origin);
    CHECK_STATUS(agentic_session_submit(session, input), AGENTIC_OK);
    step = advance_ok(session); /* choose_step_up, after authentication-options */
    if (!json_string_is(json_parse(step), "prompt.type", "choose_step_up")) {
        test_fail(__FILE__, __LINE__, "expected choose_step_up, got %s", step);
    }
    char *checkpoint = NULL;
    CHECK_STATUS(agentic_session_checkpoint(session, &checkpoint), AGENTIC_OK);
    CHECK(!holds_secret(checkpoint, secure_token));
    agentic_session_free(session);

    /* Without the secureToken the journey cannot go on; with it, it does. */
    agentic_session *resumed = NOT_NULL;
    CHECK_STATUS(agentic_session_resume(client, checkpoint, "{}", &resumed),
                 AGENTIC_CANNOT_RESUME);
    CHECK(resumed == NULL);
    char *quoted_token = json_quote(secure_token);
    char *secrets = format_string("{\"secure_token\": %s}", quoted_token);
    CHECK_STATUS(agentic_session_resume(client, checkpoint, secrets, &resumed), AGENTIC_OK);
    char *again = advance_ok(resumed);
    CHECK(strcmp(again, step) == 0);
    autopilot resumed_pilot = autopilot_new();
    free(run_to_done(&resumed_pilot, resumed, "passkey_verified"));
    free(again);
    free(secrets);
    free(quoted_token);
    agentic_string_free(checkpoint);
    free(step);
    free(input);
    free(origin);
    free(quoted_reply);
    free(secure_token);
    free(reply);
    agentic_session_free(resumed);
    agentic_client_free(client);
}

#define THREADS 8

typedef struct journey_thread {
    agentic_client *client;
    bool paid;
} journey_thread;

static void *pay_thread(void *argument) {
    journey_thread *work = argument;
    agentic_session *session = start_direct_otp(work->client, CARD_CHALLENGED, "100.00");
    autopilot pilot = autopilot_new();
    agentic_status status = AGENTIC_OK;
    char *step = autopilot_run(&pilot, session, &status);
    work->paid = step != NULL && json_string_is(json_parse(step), "outcome.status", "CHARGED");
    free(step);
    agentic_session_free(session);
    return NULL;
}

void test_threads(void) {
    agentic_client *client = sandbox_client();
    pthread_t threads[THREADS];
    journey_thread work[THREADS];
    for (int i = 0; i < THREADS; i++) {
        work[i].client = client;
        work[i].paid = false;
        CHECK(pthread_create(&threads[i], NULL, pay_thread, &work[i]) == 0);
    }
    for (int i = 0; i < THREADS; i++) {
        CHECK(pthread_join(threads[i], NULL) == 0);
        CHECK(work[i].paid);
    }
    agentic_client_free(client);
}
