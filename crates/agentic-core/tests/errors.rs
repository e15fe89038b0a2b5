//! One error taxonomy: every documented error envelope and every kind of garbage a server can
//! send decodes into the same `ApiError`, with the exact fields a caller reacts to.

mod support;

use agentic_core::error::check_response;
use agentic_core::juspay_vat::TriggerOtpRequest;
use agentic_core::secret::SecretBytes;
use agentic_core::wire::decode_json;
use agentic_core::{ApiError, Endpoint, ErrorCategory, HttpResponse, Provider, Recovery};
use support::json_response;

fn response(status: u16, content_type: Option<&str>, body: &str) -> HttpResponse {
    HttpResponse {
        status,
        content_type: content_type.map(str::to_owned),
        request_id: None,
        body: SecretBytes::new(body.as_bytes().to_vec()),
    }
}

fn error(provider: Provider, response: &HttpResponse) -> ApiError {
    check_response(provider, response).expect_err("must be an error")
}

#[test]
fn juspay_error_info_envelope_from_the_j_ptp_401_sample() {
    let body = r#"{"error": true, "error_message": "Access Denied", "user_message": "Access Denied",
        "error_info": {"code": "UNAUTHORIZED", "category": "USER_ERROR", "href": "NA",
        "request_id": "46231085-a366-4279-91af-843a2dfa6e8b", "user_message": "Unauthorized.",
        "developer_message": "Invalid merchant ID."}}"#;
    assert_eq!(
        error(Provider::JuspayVat, &json_response(401, body)),
        ApiError {
            provider: Provider::JuspayVat,
            http_status: 401,
            code: Some("UNAUTHORIZED".into()),
            provider_category: Some("USER_ERROR".into()),
            category: ErrorCategory::Authentication,
            message: "Invalid merchant ID.".into(),
            request_id: Some("46231085-a366-4279-91af-843a2dfa6e8b".into()),
            retryable: false,
            recovery: Recovery::CheckCredentials,
        }
    );
}

#[test]
fn juspay_config_error_category_means_configuration() {
    let body = r#"{"error": true, "error_message": "Locker not configured",
        "error_info": {"code": "LOCKER_NOT_CONFIGURED", "category": "CONFIG_ERROR", "request_id": "r-1"}}"#;
    let e = error(Provider::JuspayVat, &json_response(400, body));
    assert_eq!(
        (e.category, e.recovery, e.message.as_str()),
        (
            ErrorCategory::Configuration,
            Recovery::CheckCredentials,
            "Locker not configured"
        )
    );
}

#[test]
fn juspay_error_info_codes_map_to_categories() {
    for (code, category, recovery) in [
        (
            "INVALID_INPUT",
            ErrorCategory::InvalidRequest,
            Recovery::FixRequest,
        ),
        (
            "MISSING_MANDATORY_PARAMETER",
            ErrorCategory::InvalidRequest,
            Recovery::FixRequest,
        ),
        (
            "RESOURCE_NOT_FOUND",
            ErrorCategory::NotFound,
            Recovery::FixRequest,
        ),
        ("EXPIRED", ErrorCategory::Expired, Recovery::RestartJourney),
        (
            "DUPLICATE_REQUEST",
            ErrorCategory::Conflict,
            Recovery::RestartJourney,
        ),
        (
            "ALREADY_EXISTS",
            ErrorCategory::Conflict,
            Recovery::RestartJourney,
        ),
        (
            "BAD_ORIGIN",
            ErrorCategory::Forbidden,
            Recovery::CheckCredentials,
        ),
        (
            "UNAUTHENTICATED",
            ErrorCategory::Authentication,
            Recovery::CheckCredentials,
        ),
    ] {
        let body = format!(
            r#"{{"error": true, "error_info": {{"code": "{code}", "category": "USER_ERROR"}}}}"#
        );
        let e = error(Provider::JuspayVat, &json_response(400, &body));
        assert_eq!(
            (e.category, e.recovery),
            (category, recovery),
            "code {code}"
        );
        assert_eq!(e.code.as_deref(), Some(code));
    }
}

#[test]
fn vat_http_200_with_non_success_response_code_variant() {
    let body = r#"{"status": "FAILURE", "responseCode": "INVALID_OTP", "responseMessage": "OTP is invalid"}"#;
    let e = error(Provider::JuspayVat, &json_response(200, body));
    assert_eq!(e.code.as_deref(), Some("INVALID_OTP"));
    assert_eq!(e.message, "OTP is invalid");
    assert_eq!((e.http_status, e.category), (200, ErrorCategory::Rejected));
}

#[test]
fn vat_non_success_without_message_still_says_what_happened() {
    let body = r#"{"status": "PENDING", "errorCode": null, "errorMessage": null, "payload": null}"#;
    let e = error(Provider::JuspayVat, &json_response(200, body));
    assert_eq!((e.code, e.message.as_str()), (None, "status PENDING"));
}

#[test]
fn ec_envelopes_from_j_sa_and_j_rotp() {
    let cases = [
        (
            400,
            r#"{"status": "invalid_request_error", "error_code": "invalid", "error_message": "Invalid authentication account id"}"#,
            "invalid",
            "invalid_request_error",
            ErrorCategory::InvalidRequest,
            "Invalid authentication account id",
        ),
        (
            401,
            r#"{"status": "error", "error_code": "access_denied", "error_message": "Invalid Authentication"}"#,
            "access_denied",
            "error",
            ErrorCategory::Authentication,
            "Invalid Authentication",
        ),
        (
            400,
            r#"{"status": "Invalid Request", "error_code": "max_limit_exceeded", "error_message": "Max OTP send limit exceeded."}"#,
            "max_limit_exceeded",
            "Invalid Request",
            ErrorCategory::LimitExceeded,
            "Max OTP send limit exceeded.",
        ),
    ];
    for (status, body, code, provider_category, category, message) in cases {
        let e = error(Provider::JuspayEc, &json_response(status, body));
        assert_eq!(e.code.as_deref(), Some(code));
        assert_eq!(e.provider_category.as_deref(), Some(provider_category));
        assert_eq!(
            (e.category, e.message.as_str(), e.http_status),
            (category, message, status)
        );
    }
}

#[test]
fn ec_envelope_is_recognised_even_on_http_200() {
    let body = r#"{"status": "error", "error_code": "access_denied", "error_message": "Invalid Authentication"}"#;
    let e = error(Provider::JuspayEc, &json_response(200, body));
    assert_eq!(
        (e.category, e.code.as_deref()),
        (ErrorCategory::Authentication, Some("access_denied"))
    );
}

#[test]
fn ec_success_body_with_a_transaction_status_is_not_an_error() {
    let body = r#"{"order_id": "o1", "status": "CHARGED", "error_code": "", "error_message": ""}"#;
    assert!(check_response(Provider::JuspayEc, &json_response(200, body)).is_ok());
}

#[test]
fn cybersource_tms_errors_array_names_the_fields() {
    let body = r#"{"errors": [{"type": "invalidFields", "message": "Invalid values",
        "details": [{"name": "otp", "location": "body"}, {"name": "stepUpOption.id", "location": "body"}]}]}"#;
    let mut r = json_response(400, body);
    r.request_id = Some("corr-77".into());
    let e = error(Provider::VisaAcceptance, &r);
    assert_eq!(e.code.as_deref(), Some("invalidFields"));
    assert_eq!(e.message, "Invalid values (fields: otp, stepUpOption.id)");
    assert_eq!(
        (e.category, e.recovery),
        (ErrorCategory::InvalidRequest, Recovery::FixRequest)
    );
    assert_eq!(
        e.request_id.as_deref(),
        Some("corr-77"),
        "v-c-correlation-id from the headers"
    );
}

#[test]
fn cybersource_not_found_type() {
    let e = error(
        Provider::VisaAcceptance,
        &json_response(
            404,
            r#"{"errors": [{"type": "notFound", "message": "Token not found"}]}"#,
        ),
    );
    assert_eq!(
        (e.category, e.code.as_deref()),
        (ErrorCategory::NotFound, Some("notFound"))
    );
}

#[test]
fn cybersource_icc_error_object() {
    let body = r#"{"error": {"status": "BAD_REQUEST", "reason": "INVALID_DATA", "message": "Declined - One or more fields in the request contains invalid data",
        "detail": {"reason": "INVALID_DATA", "source": "body", "sourceType": "field", "message": "billTo.country"}}}"#;
    let e = error(Provider::VisaAcceptance, &json_response(400, body));
    assert_eq!(e.code.as_deref(), Some("INVALID_DATA"));
    assert_eq!(e.provider_category.as_deref(), Some("BAD_REQUEST"));
    assert_eq!(
        e.message,
        "Declined - One or more fields in the request contains invalid data"
    );
    assert_eq!(e.category, ErrorCategory::InvalidRequest);
}

#[test]
fn visa_error_response_passed_through() {
    let body = r#"{"errorResponse": {"status": 400, "reason": "invalidParameter", "message": "selected validation method is not available", "ref": "ref-123"}}"#;
    let e = error(Provider::VisaAcceptance, &json_response(400, body));
    assert_eq!(e.code.as_deref(), Some("invalidParameter"));
    assert_eq!(e.message, "selected validation method is not available");
    assert_eq!(e.request_id.as_deref(), Some("ref-123"));
}

#[test]
fn html_502_from_a_proxy_is_a_retryable_server_error_without_the_body() {
    let html = "<html><body><h1>502 Bad Gateway</h1>secret-looking 4111111111111111</body></html>";
    let e = error(
        Provider::JuspayEc,
        &response(502, Some("text/html; charset=utf-8"), html),
    );
    assert_eq!(
        (e.category, e.retryable, e.recovery),
        (ErrorCategory::ServerError, true, Recovery::RetryLater)
    );
    assert_eq!(
        e.message,
        format!(
            "the error body is not JSON (`text/html; charset=utf-8`, {} bytes)",
            html.len()
        )
    );
    assert!(!e.to_string().contains("4111"));
}

#[test]
fn success_status_with_html_is_malformed() {
    let e = error(
        Provider::JuspayVat,
        &response(200, Some("text/html"), "<html></html>"),
    );
    assert_eq!(
        (e.category, e.retryable),
        (ErrorCategory::MalformedResponse, false)
    );
    assert_eq!(
        e.message,
        "expected a JSON body, got `text/html` (13 bytes)"
    );
}

#[test]
fn truncated_json_is_malformed() {
    let e = error(
        Provider::JuspayVat,
        &json_response(200, r#"{"status": "SUCC"#),
    );
    assert_eq!(e.category, ErrorCategory::MalformedResponse);
    assert_eq!(e.message, "the body is not valid JSON (16 bytes)");
}

#[test]
fn json_error_status_without_envelope_uses_the_status() {
    for (status, category, retryable) in [
        (503, ErrorCategory::ServerError, true),
        (500, ErrorCategory::ServerError, true),
        (429, ErrorCategory::RateLimited, true),
        (403, ErrorCategory::Forbidden, false),
        (409, ErrorCategory::Conflict, false),
        (422, ErrorCategory::InvalidRequest, false),
    ] {
        let e = error(Provider::VisaAcceptance, &json_response(status, "{}"));
        assert_eq!(
            (e.category, e.retryable),
            (category, retryable),
            "HTTP {status}"
        );
        assert_eq!(e.code, None);
    }
}

#[test]
fn model_mismatch_names_the_path_but_never_the_value() {
    let body = r#"{"status": "SUCCESS", "response": {"maxOTPVerificationAllowed": "4111111111111111x", "maxOTPRequestsAllowed": 3}}"#;
    let e = TriggerOtpRequest::decode(&json_response(200, body)).expect_err("mismatch");
    assert_eq!(e.category, ErrorCategory::MalformedResponse);
    assert_eq!(
        e.message,
        "juspay_vat.trigger_otp: the response does not match the documented model at `response.maxOTPVerificationAllowed`"
    );
    assert!(!format!("{e} {e:?}").contains("4111"));
    // Trigger OTP sends an OTP: an unreadable success leaves the outcome unknown.
    assert_eq!(e.recovery, Recovery::Reconcile);
}

#[test]
fn idempotent_reads_with_a_malformed_body_do_not_ask_to_reconcile() {
    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Status {
        status: u32,
    }
    let e = decode_json::<agentic_core::json_path::Serde<Status>>(
        Provider::JuspayEc,
        "juspay_ec.order_status",
        &json_response(200, r#"{"status": "x"}"#),
    )
    .expect_err("mismatch");
    assert_eq!(
        (e.category, e.recovery),
        (ErrorCategory::MalformedResponse, Recovery::ContactSupport)
    );
}

#[test]
fn display_is_one_line_with_code_and_request_id() {
    let body = r#"{"error": true, "error_info": {"code": "UNAUTHORIZED", "request_id": "rid-9", "developer_message": "Invalid merchant ID."}}"#;
    let e = error(Provider::JuspayVat, &json_response(401, body));
    assert_eq!(
        e.to_string(),
        "Juspay VAT HTTP 401: Invalid merchant ID. (code UNAUTHORIZED) [request id rid-9]"
    );
}
