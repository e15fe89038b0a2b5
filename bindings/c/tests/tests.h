/* The test cases of agentic_tests, one ctest test each (see main.c and CMakeLists.txt). */
#ifndef AGENTIC_TESTS_H
#define AGENTIC_TESTS_H

/* A pointer that is not NULL (never dereferenced), to see out-parameters reset to NULL on
 * failure and made-up handles refused. */
extern int not_null_target;
#define NOT_NULL ((void *)&not_null_target)

/* test_abi.c: no provider needed. */
void test_status_names(void);
void test_version(void);
void test_null_arguments(void);
void test_invalid_utf8(void);
void test_invalid_json(void);
void test_configuration(void);
void test_invalid_input(void);
void test_invalid_state(void);
void test_handles(void);
void test_panic_guard(void);
void test_last_error(void);

/* test_journeys.c: against the sandbox (AGENTIC_SANDBOX_URL). */
void test_journey_enrollment(void);
void test_journey_purchase(void);
void test_journey_direct_otp(void);
void test_journey_direct_otp_wrong_otp_then_resend(void);
void test_journey_direct_otp_3ds_fallback(void);
void test_journey_direct_otp_payment_failed(void);
void test_journey_visa_passkey(void);
void test_passkey_cancelled_on_the_page(void);
void test_wrong_api_key(void);
void test_network_unreachable(void);
void test_page_message_refused(void);
void test_cannot_resume(void);
void test_cancel_at_a_prompt(void);
void test_cancel_from_another_thread(void);
void test_checkpoint_and_resume(void);
void test_checkpoint_and_resume_with_a_page_secret(void);
void test_threads(void);

#endif /* AGENTIC_TESTS_H */
