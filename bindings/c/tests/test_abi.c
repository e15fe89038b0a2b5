/*
 * The rules of the C ABI that need no provider: status names, NULL and invalid UTF-8
 * arguments, malformed JSON, configuration errors, invalid input and state, handles (double
 * free, use after free, the wrong kind), the panic guard and the last error.
 */
#include <stdlib.h>
#include <string.h>

#include "support.h"
#include "tests.h"

/* A client that never connects (port 9 on loopback is not listened on; nothing is sent in
 * these tests anyway). */
#define OFFLINE_CONFIG                                                                            \
    "{\"juspay\": {\"environment\": \"http://127.0.0.1:9\", \"merchant_id\": \"m1\", "        \
    "\"routing_id\": \"r1\"}}"
#define CARD                                                                                     \
    "{\"number\": \"4242424242424242\", \"exp_month\": \"12\", \"exp_year\": \"30\", "          \
    "\"security_code\": \"123\"}"
#define DIRECT_OTP_PARAMS "{\"new_order\": {\"amount\": \"100.00\", \"currency\": \"INR\"}}"

static agentic_client *offline_client(void) {
    agentic_client *client = NULL;
    CHECK_STATUS(agentic_client_new(OFFLINE_CONFIG, "key_1", NULL, NULL, &client), AGENTIC_OK);
    CHECK(client != NULL);
    return client;
}

static agentic_session *offline_session(agentic_client *client) {
    agentic_session *session = NULL;
    CHECK_STATUS(agentic_session_start_direct_otp(client, DIRECT_OTP_PARAMS, CARD, &session),
                 AGENTIC_OK);
    CHECK(session != NULL);
    return session;
}

void test_status_names(void) {
    static const struct {
        agentic_status status;
        const char *name;
    } expected[] = {
        {AGENTIC_OK, "AGENTIC_OK"},
        {AGENTIC_NULL_ARGUMENT, "AGENTIC_NULL_ARGUMENT"},
        {AGENTIC_INVALID_UTF8, "AGENTIC_INVALID_UTF8"},
        {AGENTIC_INVALID_JSON, "AGENTIC_INVALID_JSON"},
        {AGENTIC_INVALID_HANDLE, "AGENTIC_INVALID_HANDLE"},
        {AGENTIC_INVALID_INPUT, "AGENTIC_INVALID_INPUT"},
        {AGENTIC_INVALID_STATE, "AGENTIC_INVALID_STATE"},
        {AGENTIC_PAGE_MESSAGE_REFUSED, "AGENTIC_PAGE_MESSAGE_REFUSED"},
        {AGENTIC_CONFIGURATION, "AGENTIC_CONFIGURATION"},
        {AGENTIC_CANNOT_RESUME, "AGENTIC_CANNOT_RESUME"},
        {AGENTIC_NETWORK, "AGENTIC_NETWORK"},
        {AGENTIC_PROVIDER, "AGENTIC_PROVIDER"},
        {AGENTIC_PANIC, "AGENTIC_PANIC"},
        {AGENTIC_INTERNAL, "AGENTIC_INTERNAL"},
    };
    for (size_t i = 0; i < sizeof expected / sizeof expected[0]; i++) {
        CHECK((size_t)expected[i].status == i);
        CHECK(strcmp(agentic_status_name((int)expected[i].status), expected[i].name) == 0);
    }
    CHECK(strcmp(agentic_status_name(-1), "AGENTIC_UNKNOWN_STATUS") == 0);
    CHECK(strcmp(agentic_status_name(14), "AGENTIC_UNKNOWN_STATUS") == 0);
    CHECK(strcmp(agentic_status_name(7000), "AGENTIC_UNKNOWN_STATUS") == 0);
}

void test_version(void) {
    CHECK(strcmp(agentic_version(), AGENTIC_EXPECTED_VERSION) == 0);
}

void test_null_arguments(void) {
    agentic_client *client = offline_client();
    agentic_session *session = offline_session(client);
    agentic_client *client_out = NOT_NULL;
    agentic_session *session_out = NOT_NULL;
    char *text_out = NOT_NULL;

    CHECK_STATUS(agentic_client_new(NULL, "k", NULL, NULL, &client_out), AGENTIC_NULL_ARGUMENT);
    CHECK(client_out == NULL);
    CHECK(last_error_has("argument", "config_json"));
    CHECK(last_error_has("function", "agentic_client_new"));
    CHECK(last_error_has("type", "null_argument"));
    CHECK_STATUS(agentic_client_new(OFFLINE_CONFIG, "k", NULL, NULL, NULL),
                 AGENTIC_NULL_ARGUMENT);
    CHECK(last_error_has("argument", "client_out"));

    session_out = NOT_NULL;
    CHECK_STATUS(agentic_session_start_enrollment(NULL, "{}", CARD, &session_out),
                 AGENTIC_NULL_ARGUMENT);
    CHECK(session_out == NULL && last_error_has("argument", "client"));
    CHECK_STATUS(agentic_session_start_enrollment(client, NULL, CARD, &session_out),
                 AGENTIC_NULL_ARGUMENT);
    CHECK(last_error_has("argument", "params_json"));
    CHECK_STATUS(agentic_session_start_enrollment(client, "{}", NULL, &session_out),
                 AGENTIC_NULL_ARGUMENT);
    CHECK(last_error_has("argument", "card_json"));
    CHECK_STATUS(agentic_session_start_enrollment(client, "{}", CARD, NULL),
                 AGENTIC_NULL_ARGUMENT);
    CHECK(last_error_has("argument", "session_out"));
    CHECK_STATUS(agentic_session_start_purchase(NULL, "{}", &session_out), AGENTIC_NULL_ARGUMENT);
    CHECK_STATUS(agentic_session_start_purchase(client, NULL, &session_out),
                 AGENTIC_NULL_ARGUMENT);
    CHECK_STATUS(agentic_session_start_purchase(client, "{}", NULL), AGENTIC_NULL_ARGUMENT);
    CHECK_STATUS(agentic_session_start_direct_otp(NULL, "{}", CARD, &session_out),
                 AGENTIC_NULL_ARGUMENT);
    CHECK_STATUS(agentic_session_start_direct_otp(client, NULL, CARD, &session_out),
                 AGENTIC_NULL_ARGUMENT);
    CHECK_STATUS(agentic_session_start_direct_otp(client, "{}", NULL, &session_out),
                 AGENTIC_NULL_ARGUMENT);
    CHECK_STATUS(agentic_session_start_direct_otp(client, "{}", CARD, NULL),
                 AGENTIC_NULL_ARGUMENT);
    CHECK_STATUS(agentic_session_start_visa_passkey(NULL, "{}", &session_out),
                 AGENTIC_NULL_ARGUMENT);
    CHECK_STATUS(agentic_session_start_visa_passkey(client, NULL, &session_out),
                 AGENTIC_NULL_ARGUMENT);
    CHECK_STATUS(agentic_session_start_visa_passkey(client, "{}", NULL), AGENTIC_NULL_ARGUMENT);
    CHECK_STATUS(agentic_session_resume(NULL, "{}", NULL, &session_out), AGENTIC_NULL_ARGUMENT);
    CHECK_STATUS(agentic_session_resume(client, NULL, NULL, &session_out),
                 AGENTIC_NULL_ARGUMENT);
    CHECK(last_error_has("argument", "checkpoint_json"));
    CHECK_STATUS(agentic_session_resume(client, "{}", NULL, NULL), AGENTIC_NULL_ARGUMENT);
    CHECK(session_out == NULL);

    text_out = NOT_NULL;
    CHECK_STATUS(agentic_session_advance(NULL, &text_out), AGENTIC_NULL_ARGUMENT);
    CHECK(text_out == NULL && last_error_has("argument", "session"));
    CHECK_STATUS(agentic_session_advance(session, NULL), AGENTIC_NULL_ARGUMENT);
    CHECK(last_error_has("argument", "step_json_out"));
    text_out = NOT_NULL;
    CHECK_STATUS(agentic_session_page_message(NULL, &text_out), AGENTIC_NULL_ARGUMENT);
    CHECK(text_out == NULL);
    CHECK_STATUS(agentic_session_page_message(session, NULL), AGENTIC_NULL_ARGUMENT);
    CHECK_STATUS(agentic_session_outcome_secrets(NULL, &text_out), AGENTIC_NULL_ARGUMENT);
    CHECK_STATUS(agentic_session_outcome_secrets(session, NULL), AGENTIC_NULL_ARGUMENT);
    CHECK_STATUS(agentic_session_submit(NULL, "{\"type\": \"cancel\"}"), AGENTIC_NULL_ARGUMENT);
    CHECK_STATUS(agentic_session_submit(session, NULL), AGENTIC_NULL_ARGUMENT);
    CHECK(last_error_has("argument", "input_json"));
    CHECK_STATUS(agentic_session_cancel(NULL), AGENTIC_NULL_ARGUMENT);
    CHECK_STATUS(agentic_session_checkpoint(NULL, &text_out), AGENTIC_NULL_ARGUMENT);
    CHECK_STATUS(agentic_session_checkpoint(session, NULL), AGENTIC_NULL_ARGUMENT);
    CHECK_STATUS(agentic_last_error(NULL), AGENTIC_NULL_ARGUMENT);
    /* agentic_last_error(NULL) did not replace the last error. */
    CHECK(last_error_has("argument", "checkpoint_json_out"));

    /* NULL is a no-op for every release function. */
    agentic_string_free(NULL);
    agentic_session_free(NULL);
    agentic_client_free(NULL);

    /* None of the refused calls changed the session: it still cancels once. */
    CHECK_STATUS(agentic_session_cancel(session), AGENTIC_OK);
    agentic_session_free(session);
    agentic_client_free(client);
}

void test_invalid_utf8(void) {
    static const char bad[] = {'{', '"', (char)0xff, '"', ':', '1', '}', '\0'};
    agentic_client *client = offline_client();
    agentic_session *session = offline_session(client);
    agentic_client *client_out = NOT_NULL;
    agentic_session *session_out = NULL;

    CHECK_STATUS(agentic_client_new(bad, "k", NULL, NULL, &client_out), AGENTIC_INVALID_UTF8);
    CHECK(client_out == NULL && last_error_has("argument", "config_json"));
    CHECK_STATUS(agentic_client_new(OFFLINE_CONFIG, bad, NULL, NULL, &client_out),
                 AGENTIC_INVALID_UTF8);
    CHECK(last_error_has("argument", "juspay_api_key"));
    CHECK_STATUS(agentic_session_start_direct_otp(client, bad, CARD, &session_out),
                 AGENTIC_INVALID_UTF8);
    CHECK(last_error_has("argument", "params_json"));
    CHECK_STATUS(agentic_session_start_direct_otp(client, "{}", bad, &session_out),
                 AGENTIC_INVALID_UTF8);
    CHECK(last_error_has("argument", "card_json"));
    CHECK_STATUS(agentic_session_resume(client, bad, NULL, &session_out), AGENTIC_INVALID_UTF8);
    CHECK_STATUS(agentic_session_resume(client, "{}", bad, &session_out), AGENTIC_INVALID_UTF8);
    CHECK(last_error_has("argument", "secrets_json"));
    CHECK_STATUS(agentic_session_submit(session, bad), AGENTIC_INVALID_UTF8);
    CHECK(last_error_has("argument", "input_json"));
    CHECK(session_out == NULL);
    agentic_session_free(session);
    agentic_client_free(client);
}

void test_invalid_json(void) {
    agentic_client *client = offline_client();
    agentic_session *session = offline_session(client);
    agentic_client *client_out = NOT_NULL;
    agentic_session *session_out = NULL;

    CHECK_STATUS(agentic_client_new("{\"juspay\": ", "k", NULL, NULL, &client_out),
                 AGENTIC_INVALID_JSON);
    CHECK(client_out == NULL && last_error_has("type", "invalid_json"));
    char *error = last_error();
    CHECK(json_integer(json_parse(error), "line", 0) == 1);
    free(error);
    CHECK_STATUS(agentic_session_start_direct_otp(client, "{} trailing", CARD, &session_out),
                 AGENTIC_INVALID_JSON);
    CHECK(last_error_has("argument", "params_json"));
    CHECK_STATUS(agentic_session_start_direct_otp(client, "{}", "{\"number\": 4242", &session_out),
                 AGENTIC_INVALID_JSON);
    CHECK(last_error_has("argument", "card_json"));
    CHECK_STATUS(agentic_session_start_visa_passkey(client, "", &session_out),
                 AGENTIC_INVALID_JSON);
    CHECK_STATUS(agentic_session_resume(client, "not a checkpoint", NULL, &session_out),
                 AGENTIC_INVALID_JSON);
    CHECK(last_error_has("argument", "checkpoint_json"));
    CHECK_STATUS(agentic_session_resume(client, "{}", "{\"otp\": ", &session_out),
                 AGENTIC_INVALID_JSON);
    CHECK(last_error_has("argument", "secrets_json"));
    CHECK_STATUS(agentic_session_submit(session, "{\"type\": \"otp\", \"otp\": 4567"),
                 AGENTIC_INVALID_JSON);
    CHECK(last_error_has("argument", "input_json"));
    CHECK(session_out == NULL);
    agentic_session_free(session);
    agentic_client_free(client);
}

void test_configuration(void) {
    agentic_client *client = NOT_NULL;
    /* Unknown environment. */
    CHECK_STATUS(agentic_client_new("{\"juspay\": {\"environment\": \"staging\", \"merchant_id\": "
                                    "\"m\"}}",
                                    "k", NULL, NULL, &client),
                 AGENTIC_CONFIGURATION);
    CHECK(client == NULL);
    CHECK(last_error_has("type", "configuration"));
    /* Juspay without a credential, and with both. */
    CHECK_STATUS(agentic_client_new(OFFLINE_CONFIG, NULL, NULL, NULL, &client),
                 AGENTIC_CONFIGURATION);
    CHECK_STATUS(agentic_client_new(OFFLINE_CONFIG, "k", "t", NULL, &client),
                 AGENTIC_CONFIGURATION);
    /* A credential for a provider that is not configured. */
    CHECK_STATUS(agentic_client_new(OFFLINE_CONFIG, "k", NULL, "c2VjcmV0", &client),
                 AGENTIC_CONFIGURATION);
    /* An unknown setting, and a wrong type: named, never quoted. */
    CHECK_STATUS(agentic_client_new("{\"jus_pay\": {}}", NULL, NULL, NULL, &client),
                 AGENTIC_CONFIGURATION);
    char *error = last_error();
    CHECK(strstr(error, "jus_pay") != NULL);
    free(error);
    CHECK_STATUS(agentic_client_new("{\"read_timeout_ms\": \"soon\"}", NULL, NULL, NULL, &client),
                 AGENTIC_CONFIGURATION);
    error = last_error();
    CHECK(strstr(error, "soon") == NULL);
    free(error);
    /* Plain http off loopback. */
    CHECK_STATUS(agentic_client_new("{\"juspay\": {\"environment\": \"http://juspay.example\", "
                                    "\"merchant_id\": \"m\"}}",
                                    "k", NULL, NULL, &client),
                 AGENTIC_CONFIGURATION);

    /* A journey needing what the client lacks: Direct OTP without a routing id, Visa
     * Acceptance on a Juspay-only client. */
    CHECK_STATUS(agentic_client_new("{\"juspay\": {\"environment\": \"http://127.0.0.1:9\", "
                                    "\"merchant_id\": \"m\"}}",
                                    "k", NULL, NULL, &client),
                 AGENTIC_OK);
    agentic_session *session = NOT_NULL;
    CHECK_STATUS(agentic_session_start_direct_otp(client, "{}", CARD, &session),
                 AGENTIC_CONFIGURATION);
    CHECK(session == NULL);
    error = last_error();
    CHECK(strstr(error, "routing_id") != NULL);
    free(error);
    CHECK_STATUS(agentic_session_start_visa_passkey(
                     client,
                     "{\"token_id\": \"tkn_challenged\", \"amount\": \"25.00\", \"currency\": "
                     "\"USD\", \"merchant_name\": \"Shop\", \"merchant_url\": "
                     "\"https://shop.example\", \"buyer_language\": \"en-US\", \"email\": "
                     "\"a@example.com\", \"page_origin\": \"sandbox\"}",
                     &session),
                 AGENTIC_CONFIGURATION);
    agentic_client_free(client);
}

void test_invalid_input(void) {
    agentic_client *client = offline_client();
    agentic_session *session = NOT_NULL;

    /* A missing and an unknown parameter, named. */
    CHECK_STATUS(agentic_session_start_direct_otp(client, "{\"new_order\": {}}", CARD, &session),
                 AGENTIC_INVALID_INPUT);
    CHECK(session == NULL);
    CHECK(last_error_has("field", "amount"));
    CHECK_STATUS(agentic_session_start_direct_otp(client, "{\"orderid\": \"o1\"}", CARD, &session),
                 AGENTIC_INVALID_INPUT);
    CHECK(last_error_has("field", "orderid"));
    /* A value the journey refuses. */
    CHECK_STATUS(
        agentic_session_start_direct_otp(client, "{\"order_id\": \"not/alphanumeric\"}", CARD,
                                         &session),
        AGENTIC_INVALID_INPUT);
    /* A card that fails the Luhn check: the field is named, the number never shown. */
    CHECK_STATUS(agentic_session_start_direct_otp(
                     client, "{}",
                     "{\"number\": \"4242424242424241\", \"exp_month\": \"12\", \"exp_year\": "
                     "\"30\", \"security_code\": \"123\"}",
                     &session),
                 AGENTIC_INVALID_INPUT);
    CHECK(last_error_has("field", "card_number"));
    char *error = last_error();
    CHECK(strstr(error, "4242") == NULL);
    free(error);
    /* A card number given as a JSON number: refused without quoting it. */
    CHECK_STATUS(agentic_session_start_direct_otp(
                     client, "{}",
                     "{\"number\": 4111111111111111, \"exp_month\": \"12\", \"exp_year\": "
                     "\"30\", \"security_code\": \"123\"}",
                     &session),
                 AGENTIC_INVALID_INPUT);
    error = last_error();
    CHECK(strstr(error, "4111") == NULL);
    free(error);
    /* Half a card, and a token and a number at once. */
    CHECK_STATUS(agentic_session_start_direct_otp(client, "{}", "{\"number\": \"4242424242424242\"}",
                                                  &session),
                 AGENTIC_INVALID_INPUT);
    CHECK(last_error_has("field", "card_json"));
    CHECK_STATUS(agentic_session_start_direct_otp(
                     client, "{}", "{\"token\": \"ctkn_1\", \"number\": \"4242424242424242\"}",
                     &session),
                 AGENTIC_INVALID_INPUT);

    /* Inputs: an unknown one, a malformed OTP. Nothing changes. */
    session = offline_session(client);
    CHECK_STATUS(agentic_session_submit(session, "{\"type\": \"pin\", \"pin\": \"1234\"}"),
                 AGENTIC_INVALID_INPUT);
    CHECK(last_error_has("field", "input"));
    CHECK_STATUS(agentic_session_submit(session, "{\"type\": \"otp\", \"otp\": \"45x789\"}"),
                 AGENTIC_INVALID_INPUT);
    CHECK(last_error_has("field", "otp"));
    error = last_error();
    CHECK(strstr(error, "45x789") == NULL);
    free(error);
    /* Resume secrets that are malformed. */
    agentic_session *resumed = NOT_NULL;
    char *checkpoint = NULL;
    CHECK_STATUS(agentic_session_checkpoint(session, &checkpoint), AGENTIC_OK);
    CHECK_STATUS(agentic_session_resume(client, checkpoint, "{\"otp\": \"12\"}", &resumed),
                 AGENTIC_INVALID_INPUT);
    CHECK(resumed == NULL);
    CHECK_STATUS(agentic_session_resume(client, checkpoint, "{\"pin\": \"1234\"}", &resumed),
                 AGENTIC_INVALID_INPUT);
    CHECK(last_error_has("field", "pin"));
    agentic_string_free(checkpoint);
    agentic_session_free(session);
    agentic_client_free(client);
}

void test_invalid_state(void) {
    agentic_client *client = offline_client();
    agentic_session *session = offline_session(client);
    char *out = NOT_NULL;
    /* Nothing has been sent: an OTP, a redirect result are not what the journey waits for. */
    CHECK_STATUS(agentic_session_submit(session, "{\"type\": \"otp\", \"otp\": \"456789\"}"),
                 AGENTIC_INVALID_STATE);
    CHECK(last_error_has("type", "invalid_state"));
    CHECK_STATUS(agentic_session_submit(session, "{\"type\": \"redirect_completed\"}"),
                 AGENTIC_INVALID_STATE);
    /* No outcome yet; no page message to post. */
    CHECK_STATUS(agentic_session_outcome_secrets(session, &out), AGENTIC_INVALID_STATE);
    CHECK(out == NULL);
    out = NOT_NULL;
    CHECK_STATUS(agentic_session_page_message(session, &out), AGENTIC_OK);
    CHECK(out == NULL);
    /* Cancel ends it; the end answers the same on every advance; a second cancel is refused. */
    CHECK_STATUS(agentic_session_cancel(session), AGENTIC_OK);
    for (int i = 0; i < 2; i++) {
        char *step = advance_ok(session);
        json_value view = json_parse(step);
        CHECK(json_string_is(view, "type", "failed"));
        CHECK(json_string_is(view, "failure.type", "cancelled"));
        CHECK(json_string_is(view, "journey", "direct_otp"));
        free(step);
    }
    CHECK_STATUS(agentic_session_cancel(session), AGENTIC_INVALID_STATE);
    CHECK_STATUS(agentic_session_submit(session, "{\"type\": \"cancel\"}"),
                 AGENTIC_INVALID_STATE);
    agentic_session_free(session);
    agentic_client_free(client);
}

void test_handles(void) {
    agentic_client *client = offline_client();
    agentic_session *session = offline_session(client);
    agentic_session *other = NOT_NULL;
    char *out = NULL;

    /* The client may be released first: its sessions keep what they need. */
    agentic_client_free(client);
    agentic_client_free(client); /* double free: a no-op */
    CHECK_STATUS(agentic_session_checkpoint(session, &out), AGENTIC_OK);
    agentic_string_free(out);
    out = NULL;
    /* A released client is refused. */
    CHECK_STATUS(agentic_session_start_direct_otp(client, "{}", CARD, &other),
                 AGENTIC_INVALID_HANDLE);
    CHECK(other == NULL);
    CHECK(last_error_has("argument", "client"));
    CHECK(last_error_has("type", "invalid_handle"));

    /* Handles of the other kind, and made-up ones. */
    agentic_client *live = offline_client();
    CHECK_STATUS(agentic_session_cancel((const agentic_session *)live), AGENTIC_INVALID_HANDLE);
    CHECK_STATUS(agentic_session_start_direct_otp((const agentic_client *)session, "{}", CARD,
                                                  &other),
                 AGENTIC_INVALID_HANDLE);
    CHECK_STATUS(agentic_session_cancel((const agentic_session *)NOT_NULL),
                 AGENTIC_INVALID_HANDLE);
    /* Releasing a handle of the other kind does nothing. */
    agentic_session_free((agentic_session *)live);
    agentic_client_free((agentic_client *)session);
    CHECK_STATUS(agentic_session_start_direct_otp(live, "{}", CARD, &other), AGENTIC_OK);
    CHECK_STATUS(agentic_session_checkpoint(session, &out), AGENTIC_OK);
    agentic_string_free(out);

    /* Released sessions: every call is refused, and a second release is a no-op. */
    agentic_session_free(session);
    agentic_session_free(session);
    out = NOT_NULL;
    CHECK_STATUS(agentic_session_advance(session, &out), AGENTIC_INVALID_HANDLE);
    CHECK(out == NULL);
    CHECK_STATUS(agentic_session_submit(session, "{\"type\": \"cancel\"}"),
                 AGENTIC_INVALID_HANDLE);
    CHECK_STATUS(agentic_session_cancel(session), AGENTIC_INVALID_HANDLE);
    CHECK_STATUS(agentic_session_checkpoint(session, &out), AGENTIC_INVALID_HANDLE);
    CHECK_STATUS(agentic_session_page_message(session, &out), AGENTIC_INVALID_HANDLE);
    CHECK_STATUS(agentic_session_outcome_secrets(session, &out), AGENTIC_INVALID_HANDLE);

    agentic_session_free(other);
    agentic_client_free(live);
    agentic_client_free(live);
}

void test_panic_guard(void) {
    CHECK_STATUS(agentic_check_panic_guard(), AGENTIC_PANIC);
    CHECK(last_error_has("type", "panic"));
    CHECK(last_error_has("status", "AGENTIC_PANIC"));
    /* The library still works after a caught panic. */
    agentic_client *client = offline_client();
    agentic_client_free(client);
}

void test_last_error(void) {
    agentic_client *client = NULL;
    CHECK_STATUS(agentic_client_new(NULL, NULL, NULL, NULL, &client), AGENTIC_NULL_ARGUMENT);
    char *error = NULL;
    CHECK_STATUS(agentic_last_error(&error), AGENTIC_OK);
    CHECK(error != NULL);
    json_value view = json_parse(error);
    CHECK(json_string_is(view, "status", "AGENTIC_NULL_ARGUMENT"));
    CHECK(json_string_is(view, "function", "agentic_client_new"));
    agentic_string_free(error);
    /* Reading it again gives it again; a success clears it. */
    CHECK(last_error_has("argument", "config_json"));
    client = offline_client();
    error = NOT_NULL;
    CHECK_STATUS(agentic_last_error(&error), AGENTIC_OK);
    CHECK(error == NULL);
    agentic_client_free(client);
}
