/*
 * Test support for the C ABI tests: assertions, a small JSON reader (enough to read the SDK's
 * steps), a loopback HTTP/1.0 client (to play the sandbox's headless Visa page and bank page),
 * and an autopilot that answers every prompt of a journey the way a host app would.
 *
 * None of this is part of the library: a real host has its own JSON parser, HTTP stack and
 * web view.
 */
#ifndef AGENTIC_TEST_SUPPORT_H
#define AGENTIC_TEST_SUPPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "agentic.h"

/* ---------------------------------------------------------------------------------------- */
/* Assertions: print where and why, then fail the test (exit 1).                            */
/* ---------------------------------------------------------------------------------------- */

void test_fail(const char *file, int line, const char *format, ...)
#if defined(__GNUC__)
    __attribute__((noreturn, format(printf, 3, 4)))
#endif
    ;

#define CHECK(condition)                                                                     \
    do {                                                                                     \
        if (!(condition)) {                                                                  \
            test_fail(__FILE__, __LINE__, "CHECK(%s) failed", #condition);                   \
        }                                                                                    \
    } while (0)

/* Expects `call` to return `expected`; on a mismatch prints both names and the last error. */
#define CHECK_STATUS(call, expected) check_status((call), (expected), #call, __FILE__, __LINE__)
void check_status(agentic_status got, agentic_status expected, const char *call, const char *file,
                  int line);

/* ---------------------------------------------------------------------------------------- */
/* JSON reading                                                                              */
/* ---------------------------------------------------------------------------------------- */

/* A JSON value inside a larger text: `start` points at its first character. */
typedef struct json_value {
    const char *start;
    size_t length;
} json_value;

/* The whole text as a value (leading whitespace skipped). */
json_value json_parse(const char *text);
/* Looks `path` up ("prompt.type", "methods.0.identifier"): members by name, array items by
 * index. False when a part is missing or the value is not an object/array there. */
bool json_find(json_value value, const char *path, json_value *out);
/* The string at `path` equals `expected` (which must need no escaping). */
bool json_string_is(json_value value, const char *path, const char *expected);
/* A malloc'ed, unescaped copy of the string at `path`, or NULL. */
char *json_string(json_value value, const char *path);
/* The value at `path` is the literal `true`. */
bool json_is_true(json_value value, const char *path);
/* The value at `path` is `null` (or missing). */
bool json_is_null(json_value value, const char *path);
/* The integer at `path`, or `fallback`. */
long json_integer(json_value value, const char *path, long fallback);
/* A malloc'ed JSON string literal ("...") holding `text`, escaped. */
char *json_quote(const char *text);
/* A malloc'ed string made with printf formatting. */
char *format_string(const char *format, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/* ---------------------------------------------------------------------------------------- */
/* The library's strings                                                                     */
/* ---------------------------------------------------------------------------------------- */

/* The calling thread's last error as a malloc'ed copy ("(none)" when there is none). */
char *last_error(void);
/* The last error's string field `name` equals `expected`. */
bool last_error_has(const char *name, const char *expected);

/* ---------------------------------------------------------------------------------------- */
/* The sandbox                                                                               */
/* ---------------------------------------------------------------------------------------- */

/* AGENTIC_SANDBOX_URL (`http://127.0.0.1:PORT`, set by `cargo xtask test`); fails the test
 * when it is not set. */
const char *sandbox_url(void);

/* The sandbox's test credentials (sandbox only; agentic-sandbox's SandboxConfig::default). */
#define SANDBOX_API_KEY "sandbox_api_key_5f2c"
#define SANDBOX_MERCHANT_ID "agentic_sandbox"
#define SANDBOX_VISA_MERCHANT_ID "agentic_visa_sandbox"
#define SANDBOX_VISA_KEY_ID "08c94330-f618-42a3-b09d-e1e43be5efda"
#define SANDBOX_VISA_SHARED_SECRET "c2FuZGJveC1zaGFyZWQtc2VjcmV0LWFnZW50aWMtMzI="
#define SANDBOX_RIGHT_OTP "456789"

/* A client for the sandbox with both providers (and the right credentials). */
agentic_client *sandbox_client(void);
/* A client for the sandbox configured by `config_json` (the `%s` in it gets the URL) with a
 * Juspay API key `api_key`. */
agentic_client *sandbox_client_with(const char *config_format, const char *api_key);

/* One HTTP/1.0 exchange with a loopback `http://` URL (`base_url` + `path`). Returns the HTTP
 * status (0 when the exchange failed) and a malloc'ed body in `*body_out`. */
int http_exchange(const char *base_url, const char *method, const char *path, const char *body,
                  char **body_out);

/* ---------------------------------------------------------------------------------------- */
/* The autopilot                                                                             */
/* ---------------------------------------------------------------------------------------- */

/* What the cardholder does on the Visa page at a passkey ceremony. */
typedef enum ceremony_policy { CEREMONY_COMPLETE, CEREMONY_CANCEL } ceremony_policy;

typedef struct autopilot {
    const char *base_url;       /* the sandbox, also the Visa page's origin */
    const char *otp;            /* the OTP to enter (SANDBOX_RIGHT_OTP when NULL) */
    ceremony_policy ceremony;   /* complete the ceremony (default) or cancel it */
    int prompts;                /* prompts answered so far */
    char prompt_names[512];     /* "enter_otp,passkey_ceremony,…" */
} autopilot;

/* An autopilot for the sandbox with the default policy. */
autopilot autopilot_new(void);
/* Answers the prompt in `step` (a step JSON whose type is "prompt"). */
void autopilot_answer(autopilot *pilot, agentic_session *session, json_value step);
/* Advances and answers until the journey ends; returns the last step's JSON (malloc'ed copy),
 * or NULL with `*status_out` set when advance failed. At most 40 prompts. */
char *autopilot_run(autopilot *pilot, agentic_session *session, agentic_status *status_out);
/* Advances once and returns the step as a malloc'ed copy; fails the test on an error. */
char *advance_ok(agentic_session *session);

#endif /* AGENTIC_TEST_SUPPORT_H */
