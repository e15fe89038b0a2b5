/*
 * agentic_tests NAME: runs one test case (ctest runs each as its own test, see
 * CMakeLists.txt); `agentic_tests --list` prints the names. A test passes by returning 0 and
 * fails by printing where and exiting 1.
 */
#include <stdio.h>
#include <string.h>

#include "tests.h"

int not_null_target;

static const struct {
    const char *name;
    void (*run)(void);
} cases[] = {
    {"status_names", test_status_names},
    {"version", test_version},
    {"null_arguments", test_null_arguments},
    {"invalid_utf8", test_invalid_utf8},
    {"invalid_json", test_invalid_json},
    {"configuration", test_configuration},
    {"invalid_input", test_invalid_input},
    {"invalid_state", test_invalid_state},
    {"handles", test_handles},
    {"panic_guard", test_panic_guard},
    {"last_error", test_last_error},
    {"journey_enrollment", test_journey_enrollment},
    {"journey_purchase", test_journey_purchase},
    {"journey_direct_otp", test_journey_direct_otp},
    {"journey_direct_otp_wrong_otp_then_resend", test_journey_direct_otp_wrong_otp_then_resend},
    {"journey_direct_otp_3ds_fallback", test_journey_direct_otp_3ds_fallback},
    {"journey_direct_otp_payment_failed", test_journey_direct_otp_payment_failed},
    {"journey_visa_passkey", test_journey_visa_passkey},
    {"passkey_cancelled_on_the_page", test_passkey_cancelled_on_the_page},
    {"wrong_api_key", test_wrong_api_key},
    {"network_unreachable", test_network_unreachable},
    {"page_message_refused", test_page_message_refused},
    {"cannot_resume", test_cannot_resume},
    {"cancel_at_a_prompt", test_cancel_at_a_prompt},
    {"cancel_from_another_thread", test_cancel_from_another_thread},
    {"checkpoint_and_resume", test_checkpoint_and_resume},
    {"checkpoint_and_resume_with_a_page_secret", test_checkpoint_and_resume_with_a_page_secret},
    {"threads", test_threads},
};

int main(int argc, char **argv) {
    size_t count = sizeof cases / sizeof cases[0];
    if (argc == 2 && strcmp(argv[1], "--list") == 0) {
        for (size_t i = 0; i < count; i++) {
            printf("%s\n", cases[i].name);
        }
        return 0;
    }
    if (argc != 2) {
        fprintf(stderr, "usage: %s NAME | --list\n", argv[0]);
        return 2;
    }
    for (size_t i = 0; i < count; i++) {
        if (strcmp(argv[1], cases[i].name) == 0) {
            cases[i].run();
            printf("%s: ok\n", cases[i].name);
            return 0;
        }
    }
    fprintf(stderr, "no test named %s\n", argv[1]);
    return 2;
}
