/* See support.h. */
#define _POSIX_C_SOURCE 200809L

#include "support.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

/* ---------------------------------------------------------------------------------------- */
/* Assertions                                                                                */
/* ---------------------------------------------------------------------------------------- */

void test_fail(const char *file, int line, const char *format, ...) {
    va_list args;
    fprintf(stderr, "%s:%d: ", file, line);
    va_start(args, format);
    vfprintf(stderr, format, args);
    va_end(args);
    fputc('\n', stderr);
    fflush(stderr);
    exit(1);
}

static void *checked(void *pointer) {
    if (pointer == NULL) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    return pointer;
}

char *format_string(const char *format, ...) {
    va_list args;
    va_start(args, format);
    int length = vsnprintf(NULL, 0, format, args);
    va_end(args);
    if (length < 0) {
        return NULL;
    }
    char *text = checked(malloc((size_t)length + 1));
    va_start(args, format);
    vsnprintf(text, (size_t)length + 1, format, args);
    va_end(args);
    return text;
}

char *last_error(void) {
    char *json = NULL;
    if (agentic_last_error(&json) != AGENTIC_OK) {
        return format_string("(agentic_last_error failed)");
    }
    if (json == NULL) {
        return format_string("(none)");
    }
    char *copy = format_string("%s", json);
    agentic_string_free(json);
    return copy;
}

bool last_error_has(const char *name, const char *expected) {
    char *error = last_error();
    bool has = json_string_is(json_parse(error), name, expected);
    if (!has) {
        fprintf(stderr, "last error %s: expected %s = \"%s\"\n", error, name, expected);
    }
    free(error);
    return has;
}

void check_status(agentic_status got, agentic_status expected, const char *call, const char *file,
                  int line) {
    if (got != expected) {
        char *error = last_error();
        test_fail(file, line, "%s returned %s, expected %s; last error: %s", call,
                  agentic_status_name((int)got), agentic_status_name((int)expected), error);
    }
}

/* ---------------------------------------------------------------------------------------- */
/* JSON reading                                                                              */
/* ---------------------------------------------------------------------------------------- */

static const char *skip_space(const char *p) {
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') {
        p++;
    }
    return p;
}

/* The end of the string starting at `p` (on its opening quote), or NULL. */
static const char *skip_string(const char *p) {
    for (p++; *p != '\0'; p++) {
        if (*p == '\\') {
            if (p[1] == '\0') {
                return NULL;
            }
            p++;
        } else if (*p == '"') {
            return p + 1;
        }
    }
    return NULL;
}

/* The end of the value starting at `p`, or NULL when it is malformed. */
static const char *skip_value(const char *p) {
    p = skip_space(p);
    if (*p == '"') {
        return skip_string(p);
    }
    if (*p == '{' || *p == '[') {
        int depth = 0;
        while (*p != '\0') {
            if (*p == '"') {
                p = skip_string(p);
                if (p == NULL) {
                    return NULL;
                }
                continue;
            }
            if (*p == '{' || *p == '[') {
                depth++;
            } else if (*p == '}' || *p == ']') {
                depth--;
                if (depth == 0) {
                    return p + 1;
                }
            }
            p++;
        }
        return NULL;
    }
    const char *start = p;
    while (*p != '\0' && *p != ',' && *p != '}' && *p != ']' && *p != ' ' && *p != '\n') {
        p++;
    }
    return p == start ? NULL : p;
}

json_value json_parse(const char *text) {
    json_value value = {NULL, 0};
    if (text == NULL) {
        return value;
    }
    const char *start = skip_space(text);
    const char *end = skip_value(start);
    if (end != NULL) {
        value.start = start;
        value.length = (size_t)(end - start);
    }
    return value;
}

/* The member `name` (of `name_length` bytes) of the object `value`. */
static bool member(json_value value, const char *name, size_t name_length, json_value *out) {
    if (value.start == NULL || value.start[0] != '{') {
        return false;
    }
    const char *p = skip_space(value.start + 1);
    while (*p == '"') {
        const char *key_end = skip_string(p);
        if (key_end == NULL) {
            return false;
        }
        bool match = (size_t)(key_end - p - 2) == name_length &&
                     memcmp(p + 1, name, name_length) == 0;
        p = skip_space(key_end);
        if (*p != ':') {
            return false;
        }
        const char *start = skip_space(p + 1);
        const char *end = skip_value(start);
        if (end == NULL) {
            return false;
        }
        if (match) {
            out->start = start;
            out->length = (size_t)(end - start);
            return true;
        }
        p = skip_space(end);
        if (*p == ',') {
            p = skip_space(p + 1);
        }
    }
    return false;
}

/* The item `index` of the array `value`. */
static bool item(json_value value, long index, json_value *out) {
    if (value.start == NULL || value.start[0] != '[') {
        return false;
    }
    const char *p = skip_space(value.start + 1);
    for (long i = 0; *p != ']' && *p != '\0'; i++) {
        const char *end = skip_value(p);
        if (end == NULL) {
            return false;
        }
        if (i == index) {
            out->start = p;
            out->length = (size_t)(end - p);
            return true;
        }
        p = skip_space(end);
        if (*p == ',') {
            p = skip_space(p + 1);
        }
    }
    return false;
}

bool json_find(json_value value, const char *path, json_value *out) {
    json_value current = value;
    const char *part = path;
    while (current.start != NULL && *part != '\0') {
        const char *dot = strchr(part, '.');
        size_t length = dot == NULL ? strlen(part) : (size_t)(dot - part);
        json_value next = {NULL, 0};
        bool found;
        if (current.start[0] == '[') {
            char *end = NULL;
            long index = strtol(part, &end, 10);
            found = end == part + length && item(current, index, &next);
        } else {
            found = member(current, part, length, &next);
        }
        if (!found) {
            return false;
        }
        current = next;
        part = dot == NULL ? part + length : dot + 1;
    }
    *out = current;
    return current.start != NULL;
}

bool json_string_is(json_value value, const char *path, const char *expected) {
    json_value found;
    size_t length = strlen(expected);
    return json_find(value, path, &found) && found.length == length + 2 &&
           found.start[0] == '"' && memcmp(found.start + 1, expected, length) == 0;
}

char *json_string(json_value value, const char *path) {
    json_value found;
    if (!json_find(value, path, &found) || found.start[0] != '"') {
        return NULL;
    }
    char *text = checked(malloc(found.length));
    size_t n = 0;
    for (size_t i = 1; i + 1 < found.length; i++) {
        char c = found.start[i];
        if (c == '\\' && i + 2 < found.length) {
            char e = found.start[++i];
            switch (e) {
            case 'n': c = '\n'; break;
            case 't': c = '\t'; break;
            case 'r': c = '\r'; break;
            case 'b': c = '\b'; break;
            case 'f': c = '\f'; break;
            case 'u':
                /* The SDK and the sandbox only escape ASCII control characters this way. */
                if (i + 4 < found.length) {
                    char hex[5] = {found.start[i + 1], found.start[i + 2], found.start[i + 3],
                                   found.start[i + 4], '\0'};
                    c = (char)strtol(hex, NULL, 16);
                    i += 4;
                }
                break;
            default: c = e; break; /* \" \\ \/ */
            }
        }
        text[n++] = c;
    }
    text[n] = '\0';
    return text;
}

bool json_is_true(json_value value, const char *path) {
    json_value found;
    return json_find(value, path, &found) && found.length == 4 &&
           memcmp(found.start, "true", 4) == 0;
}

bool json_is_null(json_value value, const char *path) {
    json_value found;
    return !json_find(value, path, &found) ||
           (found.length == 4 && memcmp(found.start, "null", 4) == 0);
}

long json_integer(json_value value, const char *path, long fallback) {
    json_value found;
    if (!json_find(value, path, &found)) {
        return fallback;
    }
    char *end = NULL;
    long number = strtol(found.start, &end, 10);
    return end == found.start ? fallback : number;
}

char *json_quote(const char *text) {
    size_t length = strlen(text);
    char *quoted = checked(malloc(length * 6 + 3));
    size_t n = 0;
    quoted[n++] = '"';
    for (const unsigned char *p = (const unsigned char *)text; *p != '\0'; p++) {
        if (*p == '"' || *p == '\\') {
            quoted[n++] = '\\';
            quoted[n++] = (char)*p;
        } else if (*p < 0x20) {
            n += (size_t)sprintf(quoted + n, "\\u%04x", *p);
        } else {
            quoted[n++] = (char)*p;
        }
    }
    quoted[n++] = '"';
    quoted[n] = '\0';
    return quoted;
}

/* ---------------------------------------------------------------------------------------- */
/* The sandbox                                                                               */
/* ---------------------------------------------------------------------------------------- */

const char *sandbox_url(void) {
    const char *url = getenv("AGENTIC_SANDBOX_URL");
    if (url == NULL || strncmp(url, "http://127.0.0.1:", 17) != 0) {
        test_fail(__FILE__, __LINE__,
                  "set AGENTIC_SANDBOX_URL to a running sandbox (`agentic sandbox --addr "
                  "127.0.0.1:0` prints it; `cargo xtask test` sets it)");
    }
    return url;
}

agentic_client *sandbox_client_with(const char *config_format, const char *api_key) {
    char *config = format_string(config_format, sandbox_url(), sandbox_url());
    agentic_client *client = NULL;
    const char *visa_secret =
        strstr(config, "visa_acceptance") != NULL ? SANDBOX_VISA_SHARED_SECRET : NULL;
    CHECK_STATUS(agentic_client_new(config, api_key, NULL, visa_secret, &client), AGENTIC_OK);
    CHECK(client != NULL);
    free(config);
    return client;
}

agentic_client *sandbox_client(void) {
    return sandbox_client_with(
        "{\"juspay\": {\"environment\": \"%s\", \"merchant_id\": \"" SANDBOX_MERCHANT_ID
        "\", \"routing_id\": \"c_customer_1\"}, \"visa_acceptance\": {\"environment\": \"%s\", "
        "\"merchant_id\": \"" SANDBOX_VISA_MERCHANT_ID "\", \"key_id\": \"" SANDBOX_VISA_KEY_ID
        "\"}}",
        SANDBOX_API_KEY);
}

int http_exchange(const char *base_url, const char *method, const char *path, const char *body,
                  char **body_out) {
    *body_out = NULL;
    int port = 0;
    if (sscanf(base_url, "http://127.0.0.1:%d", &port) != 1 || port <= 0 || port > 65535) {
        return 0;
    }
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) {
        return 0;
    }
    struct timeval timeout = {10, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    struct sockaddr_in address;
    memset(&address, 0, sizeof address);
    address.sin_family = AF_INET;
    address.sin_port = htons((unsigned short)port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&address, sizeof address) != 0) {
        close(fd);
        return 0;
    }
    size_t body_length = body == NULL ? 0 : strlen(body);
    char *request = format_string("%s %s HTTP/1.0\r\nHost: 127.0.0.1:%d\r\nContent-Type: "
                                  "application/json\r\nContent-Length: %zu\r\n\r\n%s",
                                  method, path, port, body_length, body == NULL ? "" : body);
    size_t sent = 0, total = strlen(request);
    while (sent < total) {
        ssize_t n = write(fd, request + sent, total - sent);
        if (n <= 0) {
            free(request);
            close(fd);
            return 0;
        }
        sent += (size_t)n;
    }
    free(request);
    size_t capacity = 4096, length = 0;
    char *response = checked(malloc(capacity));
    for (;;) {
        if (length + 1024 >= capacity) {
            capacity *= 2;
            response = checked(realloc(response, capacity));
        }
        ssize_t n = read(fd, response + length, capacity - length - 1);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break;
        }
        length += (size_t)n;
    }
    close(fd);
    response[length] = '\0';
    int status = 0;
    const char *separator = strstr(response, "\r\n\r\n");
    if (sscanf(response, "HTTP/1.%*d %d", &status) != 1 || separator == NULL) {
        free(response);
        return 0;
    }
    *body_out = format_string("%s", separator + 4);
    free(response);
    return status;
}

/* ---------------------------------------------------------------------------------------- */
/* The autopilot                                                                             */
/* ---------------------------------------------------------------------------------------- */

autopilot autopilot_new(void) {
    autopilot pilot;
    memset(&pilot, 0, sizeof pilot);
    pilot.base_url = sandbox_url();
    pilot.otp = SANDBOX_RIGHT_OTP;
    pilot.ceremony = CEREMONY_COMPLETE;
    return pilot;
}

char *advance_ok(agentic_session *session) {
    char *step = NULL;
    CHECK_STATUS(agentic_session_advance(session, &step), AGENTIC_OK);
    CHECK(step != NULL);
    char *copy = format_string("%s", step);
    agentic_string_free(step);
    return copy;
}

static void submit(agentic_session *session, const char *input) {
    CHECK_STATUS(agentic_session_submit(session, input), AGENTIC_OK);
}

/* Relays a message of the page to the SDK, with the page's origin. */
static void relay(autopilot *pilot, agentic_session *session, const char *page_message) {
    char *json = json_quote(page_message);
    char *origin = json_quote(pilot->base_url);
    char *input = format_string("{\"type\": \"visa_message\", \"json\": %s, \"origin\": %s}", json,
                                origin);
    submit(session, input);
    free(input);
    free(origin);
    free(json);
}

/* Posts the SDK's page message to the headless page at `path` and relays the answer. */
static void play_page(autopilot *pilot, agentic_session *session, const char *path) {
    char *message = NULL;
    CHECK_STATUS(agentic_session_page_message(session, &message), AGENTIC_OK);
    CHECK(message != NULL);
    char *reply = NULL;
    int status = http_exchange(pilot->base_url, "POST", path, message, &reply);
    agentic_string_free(message);
    if (status != 200 && status != 400) {
        test_fail(__FILE__, __LINE__, "POST %s answered %d: %s", path, status,
                  reply == NULL ? "" : reply);
    }
    relay(pilot, session, reply);
    free(reply);
}

static void note_prompt(autopilot *pilot, const char *name) {
    size_t used = strlen(pilot->prompt_names);
    snprintf(pilot->prompt_names + used, sizeof pilot->prompt_names - used, "%s%s",
             used == 0 ? "" : ",", name);
    pilot->prompts++;
}

void autopilot_answer(autopilot *pilot, agentic_session *session, json_value step) {
    char *type = json_string(step, "prompt.type");
    CHECK(type != NULL);
    note_prompt(pilot, type);
    if (strcmp(type, "provide_visa_session") == 0) {
        if (json_is_null(step, "prompt.message_type")) {
            /* The page has loaded: it posts AUTH_READY. */
            relay(pilot, session, "{\"type\": \"AUTH_READY\", \"requestID\": \"c-page-1\"}");
        } else {
            play_page(pilot, session, "/__sandbox/visa-page/session");
        }
    } else if (strcmp(type, "passkey_ceremony") == 0) {
        if (pilot->ceremony == CEREMONY_COMPLETE) {
            play_page(pilot, session, "/__sandbox/visa-page/ceremony");
        } else {
            relay(pilot, session,
                  "{\"type\": \"AUTH_CANCELLED\", \"requestID\": \"c-page-1\", \"reason\": "
                  "\"USER_CANCELLED\"}");
        }
    } else if (strcmp(type, "choose_step_up") == 0) {
        /* The first method that sends an OTP. */
        char *identifier = NULL;
        for (int i = 0; i < 16 && identifier == NULL; i++) {
            char path[64];
            snprintf(path, sizeof path, "prompt.methods.%d", i);
            json_value method;
            if (!json_find(step, path, &method)) {
                break;
            }
            if (json_is_true(method, "sends_otp")) {
                identifier = json_string(method, "identifier");
            }
        }
        CHECK(identifier != NULL);
        char *quoted = json_quote(identifier);
        char *input = format_string("{\"type\": \"choose_step_up\", \"identifier\": %s}", quoted);
        submit(session, input);
        free(input);
        free(quoted);
        free(identifier);
    } else if (strcmp(type, "enter_otp") == 0) {
        char *input = format_string("{\"type\": \"otp\", \"otp\": \"%s\"}", pilot->otp);
        submit(session, input);
        free(input);
    } else if (strcmp(type, "complete_step_up") == 0) {
        submit(session, "{\"type\": \"step_up_completed\"}");
    } else if (strcmp(type, "redirect") == 0) {
        /* The cardholder's browser opens the bank page (on the sandbox), then comes back. */
        char *url = json_string(step, "prompt.url");
        CHECK(url != NULL);
        const char *path = strncmp(url, pilot->base_url, strlen(pilot->base_url)) == 0
                               ? url + strlen(pilot->base_url)
                               : url;
        CHECK(path[0] == '/');
        char *page = NULL;
        int status = http_exchange(pilot->base_url, "GET", path, NULL, &page);
        CHECK(status == 200);
        free(page);
        free(url);
        submit(session, "{\"type\": \"redirect_completed\"}");
    } else if (strcmp(type, "confirm_unknown_outcome") == 0) {
        submit(session, json_is_true(step, "prompt.can_reconcile") ? "{\"type\": \"reconcile\"}"
                                                                    : "{\"type\": \"cancel\"}");
    } else {
        test_fail(__FILE__, __LINE__, "no answer for the prompt %s", type);
    }
    free(type);
}

char *autopilot_run(autopilot *pilot, agentic_session *session, agentic_status *status_out) {
    *status_out = AGENTIC_OK;
    for (int i = 0; i < 40; i++) {
        char *step = NULL;
        agentic_status status = agentic_session_advance(session, &step);
        if (status != AGENTIC_OK) {
            CHECK(step == NULL);
            *status_out = status;
            return NULL;
        }
        json_value view = json_parse(step);
        if (!json_string_is(view, "type", "prompt")) {
            char *copy = format_string("%s", step);
            agentic_string_free(step);
            return copy;
        }
        autopilot_answer(pilot, session, view);
        agentic_string_free(step);
    }
    test_fail(__FILE__, __LINE__, "the journey did not end after 40 prompts (%s)",
              pilot->prompt_names);
}
