/*
 * The header on its own, compiled as C99 and C11 with -Wall -Wextra -Werror -pedantic (see
 * CMakeLists.txt), and run: every declaration is usable from plain C.
 */
#include "agentic.h"

#include <stdio.h>
#include <string.h>

int main(void) {
    agentic_status status = AGENTIC_OK;
    agentic_client *client = NULL;
    agentic_session *session = NULL;
    char *text = NULL;
    status = agentic_client_new(
        "{\"juspay\": {\"environment\": \"sandbox\", \"merchant_id\": \"m\"}}", "key", NULL,
        NULL, &client);
    if (status != AGENTIC_OK || strcmp(agentic_status_name((int)status), "AGENTIC_OK") != 0) {
        fprintf(stderr, "agentic_client_new: %s\n", agentic_status_name((int)status));
        return 1;
    }
    status = agentic_session_advance(session, &text);
    agentic_client_free(client);
    printf("C %ld: %s, %s\n", (long)__STDC_VERSION__, agentic_version(),
           agentic_status_name((int)status));
    return status == AGENTIC_NULL_ARGUMENT && text == NULL ? 0 : 1;
}
