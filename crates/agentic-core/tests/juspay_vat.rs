//! Juspay VAT: every documented sample request is produced by our builders (as JSON values),
//! every sample response decodes to the expected typed value.

mod support;

use agentic_core::juspay_vat::*;
use agentic_core::{Endpoint, ErrorCategory, Method, Provider, Recovery};
use serde_json::json;
use support::{body_json, json_response};

#[test]
fn trigger_otp_request_matches_the_j_totp_sample() {
    let request = TriggerOtpRequest::new(
        "479518c708c3e3ccb68314501ee4c702",
        "479518c708c3e3ccb68314501ee4c702",
        "9d4050c011ee4654adec05873299a640",
        "Y2UyOWU0N2E1NGYzNGM2OTY4MjQxZTZhYzkxMTNkMDE=",
    )
    .expect("valid");
    let http = request.to_http();
    assert_eq!(
        (http.method, http.path.as_str(), http.idempotent),
        (Method::Post, "/initiateVerification", false)
    );
    assert_eq!(http.provider, Provider::JuspayVat);
    assert_eq!(http.body.content_type(), Some("application/json"));
    assert_eq!(
        body_json(&request),
        json!({
            "tokenReference": "479518c708c3e3ccb68314501ee4c702",
            "vProvisionedTokenId": "479518c708c3e3ccb68314501ee4c702",
            "clientReferenceId": "9d4050c011ee4654adec05873299a640",
            "stepUpRequestId": "Y2UyOWU0N2E1NGYzNGM2OTY4MjQxZTZhYzkxMTNkMDE="
        })
    );
}

#[test]
fn trigger_otp_response_sample_decodes() {
    let response = json_response(
        200,
        r#"{"errorMessage": null, "status": "SUCCESS", "errorCode": null,
            "response": {"maxOTPVerificationAllowed": 3, "maxOTPRequestsAllowed": 3, "codeExpiration": 5}}"#,
    );
    let decoded = TriggerOtpRequest::decode(&response).expect("sample decodes");
    assert_eq!(
        decoded,
        TriggerOtpResponse {
            max_otp_verification_allowed: 3,
            max_otp_requests_allowed: 3,
            code_expiration: Some(5)
        }
    );
}

#[test]
fn trigger_otp_counts_sent_as_strings_decode() {
    let response = json_response(
        200,
        r#"{"status": "SUCCESS", "response": {"maxOTPVerificationAllowed": "3", "maxOTPRequestsAllowed": "2", "codeExpiration": "5", "extra": 1}}"#,
    );
    let decoded = TriggerOtpRequest::decode(&response).expect("decodes");
    assert_eq!(
        (
            decoded.max_otp_verification_allowed,
            decoded.max_otp_requests_allowed
        ),
        (3, 2)
    );
}

#[test]
fn trigger_otp_non_success_on_http_200_is_an_api_error() {
    let response = json_response(
        200,
        r#"{"errorMessage": "selected validation method is not available", "status": "FAILURE", "errorCode": "STEP_UP_METHOD_UNAVAILABLE", "response": null}"#,
    );
    let error = TriggerOtpRequest::decode(&response).expect_err("non-SUCCESS is an error");
    assert_eq!(error.provider, Provider::JuspayVat);
    assert_eq!(error.http_status, 200);
    assert_eq!(error.code.as_deref(), Some("STEP_UP_METHOD_UNAVAILABLE"));
    assert_eq!(error.provider_category.as_deref(), Some("FAILURE"));
    assert_eq!(error.category, ErrorCategory::Rejected);
    assert_eq!(error.message, "selected validation method is not available");
    assert_eq!(error.recovery, Recovery::ContactSupport);
}
