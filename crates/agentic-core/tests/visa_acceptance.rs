//! Visa Acceptance / Cybersource TMS: the documented sample requests are produced by our
//! builders (compared as JSON values), sample and observed responses decode, every error
//! envelope maps to the right category and recovery, and bad input is refused with the wire
//! field's name.

mod support;

use agentic_core::secret::{IssuerAuthCode, Otp, SecretText, SecureToken};
use agentic_core::step_up::{StepUpMethod, StepUpSubMethod};
use agentic_core::visa_acceptance::*;
use agentic_core::visa_page::{BrowserData, PasskeyAction, PlatformType};
use agentic_core::{
    Endpoint, ErrorCategory, HttpResponse, InvalidInput, Method, Problem, Provider, Recovery,
};
use serde_json::json;
use support::{body_json, json_response};

const TOKEN_ID: &str = "7010000000016241111";
const SECURE_TOKEN: &str = "ezAwMX06AAM1NUHl3Gq8...";
const USER_AGENT: &str = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15";
const ACCEPT: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

/// Browser data as the Visa page reports it. The C-AO sample shows only
/// `deviceInformation.platformType`; the other ten values are plausible ones of our own.
fn browser_data() -> BrowserData {
    agentic_core::json_path::read(&json!({
        "browserJavaEnabled": false,
        "browserJavascriptEnabled": true,
        "browserLanguage": "en-US",
        "browserColorDepth": 24,
        "browserScreenHeight": "1117",
        "browserScreenWidth": "1728",
        "browserTimeZone": "-60",
        "userAgent": USER_AGENT,
        "browserHeader": ACCEPT,
        "ipAddress": "203.0.113.7"
    }))
    .expect("browser data")
}

fn device_information_json() -> serde_json::Value {
    json!({
        "httpAcceptContent": ACCEPT,
        "httpBrowserColorDepth": "24",
        "httpBrowserJavaEnabled": false,
        "httpBrowserJavaScriptEnabled": true,
        "httpBrowserLanguage": "en-US",
        "httpBrowserScreenHeight": "1117",
        "httpBrowserScreenWidth": "1728",
        "httpBrowserTimeDifference": "-60",
        "ipAddress": "203.0.113.7",
        "platformType": "WEB",
        "userAgentBrowserValue": USER_AGENT
    })
}

fn secure_token(value: &str) -> SecureToken {
    SecureToken::new("sessionInformation.secureToken", value).expect("token")
}

fn options_request() -> AuthenticationOptionsRequest {
    AuthenticationOptionsRequest::new(
        TOKEN_ID,
        "4cba8c5a-5b21-4812-8783-f91be68aa72a",
        secure_token(SECURE_TOKEN),
        AmountDetails::new("1765.95", "978").expect("amount"),
        MerchantDescriptor::new("Merchant VZaF5XBj", "https://www.Merchant-VZaF5XBj.com")
            .expect("merchant"),
        DeviceInformation::from_browser_data(&browser_data(), PlatformType::Web).expect("device"),
    )
    .expect("valid")
}

fn invalid(field: &'static str, problem: Problem) -> InvalidInput {
    InvalidInput::new(field, problem)
}

// --- 1. authentication-options ---------------------------------------------------------------

#[test]
fn authentication_options_request_reproduces_the_c_ao_sample() {
    let request = options_request();
    let http = request.to_http();
    assert_eq!(
        (http.method, http.path.as_str(), http.idempotent),
        (
            Method::Post,
            "/tms/v2/tokenized-cards/7010000000016241111/authentication-options",
            false
        )
    );
    assert_eq!(http.provider, Provider::VisaAcceptance);
    assert_eq!(http.operation, "visa_acceptance.authentication_options");
    assert_eq!(http.body.content_type(), Some("application/json"));
    assert_eq!(
        body_json(&request),
        json!({
            "clientCorrelationId": "4cba8c5a-5b21-4812-8783-f91be68aa72a",
            "sessionInformation": {"secureToken": "ezAwMX06AAM1NUHl3Gq8..."},
            "authenticatorRenderMethod": "IFRAME",
            "orderInformation": {"amountDetails": {"totalAmount": "1765.95", "currency": "978"}},
            "merchantInformation": {"merchantDescriptor": {
                "name": "TWVyY2hhbnQgVlphRjVYQmo",
                "url": "aHR0cHM6Ly93d3cuTWVyY2hhbnQtVlphRjVYQmouY29t"
            }},
            "deviceInformation": device_information_json()
        })
    );
}

#[test]
fn merchant_descriptor_encodes_like_the_sample_or_takes_base64_as_given() {
    let plain = MerchantDescriptor::new("Merchant VZaF5XBj", "https://www.Merchant-VZaF5XBj.com")
        .expect("valid");
    assert_eq!(plain.name_base64(), "TWVyY2hhbnQgVlphRjVYQmo");
    assert_eq!(
        plain.url_base64(),
        "aHR0cHM6Ly93d3cuTWVyY2hhbnQtVlphRjVYQmouY29t"
    );
    // Every remainder length of the unpadded encoding.
    let short = MerchantDescriptor::new("M", "ab").expect("valid");
    assert_eq!((short.name_base64(), short.url_base64()), ("TQ", "YWI"));
    let given =
        MerchantDescriptor::from_base64("TWVyY2hhbnQgVlphRjVYQmo=", "aHR0cHM6Ly9h").expect("valid");
    assert_eq!(given.name_base64(), "TWVyY2hhbnQgVlphRjVYQmo=");
    assert_eq!(
        plain,
        MerchantDescriptor::from_base64(plain.name_base64(), plain.url_base64()).expect("valid")
    );
}

#[test]
fn authentication_options_request_debug_hides_the_secure_token() {
    let debug = format!("{:?}", options_request());
    assert!(!debug.contains("ezAwMX06"), "{debug}");
    assert!(debug.contains("SecureToken(<redacted>)"));
}

#[test]
fn token_id_is_percent_encoded_in_the_path() {
    let request = CreateOtpRequest::new("tok/en 1?x", "corr", "step").expect("valid");
    assert_eq!(
        request.to_http().path,
        "/tms/v2/tokenized-cards/tok%2Fen%201%3Fx/authentication-options/one-time-passwords"
    );
}

#[test]
fn authentication_options_authenticate_response_decodes_with_context_and_raw() {
    let body = json!({
        "action": "AUTHENTICATE",
        "authenticationContext": {
            "id": "ctx-7f1e",
            "endpoint": "L29hdXRoMi9hdXRob3JpemF0aW9uL3JlcXVlc3QvaHViL3BheW1lbnQtY3JlZGVudGlhbC1hdXRoZW50aWNhdGlvbg==",
            "payload": "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln"
        },
        "somethingNew": {"x": 1}
    });
    let response = json_response(200, &body.to_string());
    let decoded = AuthenticationOptionsRequest::decode(&response).expect("decodes");
    assert_eq!(decoded.action, AuthenticationAction::Authenticate);
    let context = decoded.authentication_context.as_ref().expect("context");
    assert_eq!(context.identifier, "ctx-7f1e");
    assert!(context.endpoint.starts_with("L29hdXRoMi9"));
    assert_eq!(
        context.payload.expose_secret(),
        "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln"
    );
    assert!(decoded.step_up_options.is_empty());
    assert_eq!(decoded.raw.expose(), &body);
    let debug = format!("{decoded:?}");
    assert!(!debug.contains("eyJhbGci"), "{debug}");

    // The context feeds the page's AUTHENTICATE message.
    let message = context
        .web_authenticate_message("req-1", &PasskeyAction::Authenticate)
        .expect("message");
    let posted: serde_json::Value = serde_json::from_str(message.as_json()).expect("json");
    assert_eq!(
        posted,
        json!({
            "type": "AUTHENTICATE",
            "requestID": "req-1",
            "version": "1",
            "authenticationContext": {
                "identifier": "ctx-7f1e",
                "endpoint": context.endpoint,
                "payload": "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln",
                "action": "AUTHENTICATE",
                "platformType": "WEB",
                "authenticationPreferencesEnabled": {"responseType": "code", "responseMode": "com_visa_web_message"}
            }
        })
    );
}

#[test]
fn authentication_options_step_up_response_decodes_both_spellings() {
    for spelling in ["STEP_UP_AUTHENTICATE", "STEP_UP_AUTHENTICATION"] {
        let body = json!({
            "action": spelling,
            "stepUpOptions": [
                {"id": "YWEwMjFhZmFkZDU4ZWI0NDJjYTM0MzY4OTY1YjdhMDE=", "method": "OTP_SMS", "value": "***-***-1234"},
                {"id": "b3RwZW1haWw=", "method": "OTP_EMAIL", "value": "j***@example.com"},
                {"id": "M2RzLW9wdGlvbg==", "method": "APP_TO_APP", "platformType": "WEB", "subMethod": "3DS",
                 "source": "https://issuer.example/3ds", "requestPayload": "cGF5bG9hZA=="},
                {"id": "Y3M=", "method": "CUSTOMER_SERVICE", "value": "1-800-555-1212"}
            ]
        });
        let decoded = AuthenticationOptionsRequest::decode(&json_response(200, &body.to_string()))
            .expect("decodes");
        assert_eq!(decoded.action, AuthenticationAction::StepUpAuthenticate);
        assert_eq!(decoded.action.as_str(), "STEP_UP_AUTHENTICATE");
        assert!(decoded.authentication_context.is_none());
        let methods: Vec<_> = decoded
            .step_up_options
            .iter()
            .map(|o| o.method.clone())
            .collect();
        assert_eq!(
            methods,
            [
                StepUpMethod::OtpSms,
                StepUpMethod::OtpEmail,
                StepUpMethod::AppToApp,
                StepUpMethod::CustomerService
            ]
        );
        let first = &decoded.step_up_options[0];
        assert_eq!(
            first.identifier,
            "YWEwMjFhZmFkZDU4ZWI0NDJjYTM0MzY4OTY1YjdhMDE="
        );
        assert_eq!(first.value.as_deref(), Some("***-***-1234"));
        let three_ds = &decoded.step_up_options[2];
        assert_eq!(three_ds.sub_method, Some(StepUpSubMethod::ThreeDs));
        assert_eq!(three_ds.platform_type, Some(PlatformType::Web));
        assert_eq!(
            three_ds.source.as_deref(),
            Some("https://issuer.example/3ds")
        );
    }
}

#[test]
fn authentication_options_registration_and_unknown_actions_decode() {
    let decoded = AuthenticationOptionsRequest::decode(&json_response(
        200,
        r#"{"action":"AUTHENTICATION_REGISTRATION","stepUpOptions":null}"#,
    ))
    .expect("decodes");
    assert_eq!(
        decoded.action,
        AuthenticationAction::AuthenticationRegistration
    );
    assert!(decoded.step_up_options.is_empty());

    let decoded = AuthenticationOptionsRequest::decode(&json_response(
        200,
        r#"{"action":"DEVICE_BOUND_ELSEWHERE"}"#,
    ))
    .expect("decodes");
    assert_eq!(
        decoded.action,
        AuthenticationAction::Unknown("DEVICE_BOUND_ELSEWHERE".to_owned())
    );
}

#[test]
fn authentication_options_without_action_is_malformed_and_needs_reconciling() {
    let error = AuthenticationOptionsRequest::decode(&json_response(
        200,
        r#"{"authenticationContext":{"id":"x","endpoint":"e","payload":"p"}}"#,
    ))
    .expect_err("action is required");
    assert_eq!(error.category, ErrorCategory::MalformedResponse);
    assert_eq!(error.recovery, Recovery::Reconcile);
    assert!(
        error
            .message
            .contains("visa_acceptance.authentication_options")
    );
}

// --- 2. one-time-passwords -------------------------------------------------------------------

#[test]
fn create_otp_request_and_response_reproduce_seed_002() {
    let request = CreateOtpRequest::new(
        TOKEN_ID,
        "aB3cD4eF5gH6iJ7kL8mN9oP0qR1sT2uV3wX",
        "YWEwMjFhZmFkZDU4ZWI0NDJjYTM0MzY4OTY1YjdhMDE=",
    )
    .expect("valid");
    let http = request.to_http();
    assert_eq!(
        (http.method, http.path.as_str(), http.idempotent),
        (
            Method::Post,
            "/tms/v2/tokenized-cards/7010000000016241111/authentication-options/one-time-passwords",
            false
        )
    );
    assert_eq!(http.operation, "visa_acceptance.create_otp");
    assert_eq!(
        body_json(&request),
        json!({
            "clientCorrelationId": "aB3cD4eF5gH6iJ7kL8mN9oP0qR1sT2uV3wX",
            "stepUpOption": {"id": "YWEwMjFhZmFkZDU4ZWI0NDJjYTM0MzY4OTY1YjdhMDE="}
        })
    );

    let sample = json!({"maxRequestsAllowed": 0, "maxVerificationAllowed": 0, "codeExpiration": 0});
    let decoded =
        CreateOtpRequest::decode(&json_response(200, &sample.to_string())).expect("decodes");
    assert_eq!(
        decoded,
        CreateOtpResponse {
            max_requests_allowed: 0,
            max_verification_allowed: 0,
            code_expiration: Some(0)
        }
    );
    assert_eq!(serde_json::to_value(&decoded).expect("serialises"), sample);
}

#[test]
fn create_otp_response_accepts_counts_as_text() {
    let decoded = CreateOtpRequest::decode(&json_response(
        200,
        r#"{"maxRequestsAllowed":"3","maxVerificationAllowed":"5","codeExpiration":"300","extra":true}"#,
    ))
    .expect("decodes");
    assert_eq!(
        (
            decoded.max_requests_allowed,
            decoded.max_verification_allowed,
            decoded.code_expiration
        ),
        (3, 5, Some(300))
    );
}

// --- 3. validate -----------------------------------------------------------------------------

#[test]
fn validate_with_otp_reproduces_the_c_val_sample_without_issuer_auth_code() {
    // C-VAL's sample elides its ids ("…"); the seed-002 values stand in for them. The sample
    // also carries `issuerAuthCode` next to `otp`, against its own field descriptions ("required
    // when otp is not included"): our OTP request is the sample minus `issuerAuthCode`.
    let request = ValidateOtpRequest::with_otp(
        TOKEN_ID,
        "aB3cD4eF5gH6iJ7kL8mN9oP0qR1sT2uV3wX",
        "YWEwMjFhZmFkZDU4ZWI0NDJjYTM0MzY4OTY1YjdhMDE=",
        Otp::new("otp", "456789").expect("otp"),
    )
    .expect("valid");
    let http = request.to_http();
    assert_eq!(
        (http.method, http.path.as_str(), http.idempotent),
        (
            Method::Post,
            "/tms/v2/tokenized-cards/7010000000016241111/authentication-options/validate",
            false
        )
    );
    let mut sample = json!({
        "clientCorrelationId": "aB3cD4eF5gH6iJ7kL8mN9oP0qR1sT2uV3wX",
        "stepUpOption": {"id": "YWEwMjFhZmFkZDU4ZWI0NDJjYTM0MzY4OTY1YjdhMDE="},
        "otp": "456789",
        "issuerAuthCode": "HTZl…"
    });
    sample
        .as_object_mut()
        .expect("object")
        .remove("issuerAuthCode");
    assert_eq!(body_json(&request), sample);
    assert!(!format!("{request:?}").contains("456789"));
}

#[test]
fn validate_with_issuer_auth_code_sends_only_the_code() {
    let request = ValidateOtpRequest::with_issuer_auth_code(
        TOKEN_ID,
        "corr-1",
        "YXBwdG9hcHA=",
        IssuerAuthCode::new("issuerAuthCode", "HTZlc2VjcmV0Y29kZQ").expect("code"),
    )
    .expect("valid");
    assert_eq!(
        body_json(&request),
        json!({
            "clientCorrelationId": "corr-1",
            "stepUpOption": {"id": "YXBwdG9hcHA="},
            "issuerAuthCode": "HTZlc2VjcmV0Y29kZQ"
        })
    );
    assert!(!format!("{request:?}").contains("HTZlc2Vj"));
}

#[test]
fn validate_response_decodes_the_sample_and_an_optional_context() {
    let decoded = ValidateOtpRequest::decode(&json_response(
        200,
        r#"{"action":"AUTHENTICATION_REGISTRATION"}"#,
    ))
    .expect("decodes");
    assert_eq!(
        decoded,
        ValidateOtpResponse {
            action: AuthenticationAction::AuthenticationRegistration,
            authentication_context: None
        }
    );
    let decoded = ValidateOtpRequest::decode(&json_response(
        200,
        r#"{"action":"AUTHENTICATE","authenticationContext":{"id":"c1","endpoint":"ZQ==","payload":"jwt"}}"#,
    ))
    .expect("decodes");
    assert_eq!(decoded.action, AuthenticationAction::Authenticate);
    assert_eq!(
        decoded.authentication_context.map(|c| c.identifier),
        Some("c1".to_owned())
    );
}

// --- 4. authentication-registrations ---------------------------------------------------------

#[test]
fn registration_request_carries_the_options_fields_plus_language_and_bill_to() {
    let options = options_request();
    let request = AuthenticationRegistrationRequest::new(
        &options,
        "en-US",
        BillTo::new("jane.doe@example.com", Some("+14155550123")).expect("bill to"),
    )
    .expect("valid");
    let http = request.to_http();
    assert_eq!(
        (http.method, http.path.as_str(), http.idempotent),
        (
            Method::Post,
            "/tms/v2/tokenized-cards/7010000000016241111/authentication-registrations",
            false
        )
    );
    assert_eq!(
        http.operation,
        "visa_acceptance.authentication_registration"
    );
    assert_eq!(
        body_json(&request),
        json!({
            "authenticatorRenderMethod": "IFRAME",
            "buyerInformation": {"language": "en-US"},
            "clientCorrelationId": "4cba8c5a-5b21-4812-8783-f91be68aa72a",
            "deviceInformation": device_information_json(),
            "merchantInformation": {"merchantDescriptor": {
                "name": "TWVyY2hhbnQgVlphRjVYQmo",
                "url": "aHR0cHM6Ly93d3cuTWVyY2hhbnQtVlphRjVYQmouY29t"
            }},
            "orderInformation": {
                "amountDetails": {"totalAmount": "1765.95", "currency": "978"},
                "billTo": {"email": "jane.doe@example.com", "phoneNumber": "+14155550123"}
            },
            "sessionInformation": {"secureToken": "ezAwMX06AAM1NUHl3Gq8..."}
        })
    );
    assert!(!format!("{request:?}").contains("ezAwMX06"));

    let without_phone = AuthenticationRegistrationRequest::new(
        &options,
        "en-US",
        BillTo::new("jane.doe@example.com", None).expect("bill to"),
    )
    .expect("valid");
    assert_eq!(
        body_json(&without_phone)["orderInformation"]["billTo"],
        json!({"email": "jane.doe@example.com"})
    );
}

#[test]
fn registration_response_decodes_context_and_keeps_raw() {
    let body = json!({
        "id": "reg-1",
        "authenticationContext": {"id": "ctx-reg", "endpoint": "L29hdXRoMg==", "payload": "eyJyZWci"}
    });
    let decoded = AuthenticationRegistrationRequest::decode(&json_response(200, &body.to_string()))
        .expect("decodes");
    let context = decoded.authentication_context.as_ref().expect("context");
    assert_eq!(context.identifier, "ctx-reg");
    assert_eq!(context.payload.expose_secret(), "eyJyZWci");
    assert_eq!(decoded.raw.expose(), &body);
    assert!(!format!("{decoded:?}").contains("eyJyZWci"));
    let message = context
        .web_authenticate_message("req-9", &PasskeyAction::Register)
        .expect("message");
    let posted: serde_json::Value = serde_json::from_str(message.as_json()).expect("json");
    assert_eq!(posted["authenticationContext"]["action"], "REGISTER");

    // No context (e.g. an encrypted answer the transport did not decrypt): still decodes.
    let decoded = AuthenticationRegistrationRequest::decode(&json_response(
        200,
        r#"{"encryptedResponse":"eyJhbGciOiJSU0EtT0FFUC0yNTYifQ..."}"#,
    ))
    .expect("decodes");
    assert!(decoded.authentication_context.is_none());
    assert_eq!(
        decoded.raw.expose()["encryptedResponse"],
        "eyJhbGciOiJSU0EtT0FFUC0yNTYifQ..."
    );
}

// --- error envelopes -------------------------------------------------------------------------

const INVALID_OTP_BODY: &str = r#"{"errors":[{"type":"invalidFields","message":"The OTP is invalid","details":[{"name":"otp","location":"body"}]}]}"#;

#[test]
fn tms_invalid_fields_on_validate_asks_to_reenter_the_otp() {
    let error = ValidateOtpRequest::decode(&json_response(400, INVALID_OTP_BODY))
        .expect_err("error envelope");
    assert_eq!(error.provider, Provider::VisaAcceptance);
    assert_eq!(error.http_status, 400);
    assert_eq!(error.code.as_deref(), Some("invalidFields"));
    assert_eq!(error.category, ErrorCategory::InvalidRequest);
    assert_eq!(error.message, "The OTP is invalid (fields: otp)");
    assert!(!error.retryable);
    assert_eq!(error.recovery, Recovery::ReenterOtp);
}

#[test]
fn the_same_envelope_elsewhere_means_fix_the_request() {
    let error = AuthenticationOptionsRequest::decode(&json_response(400, INVALID_OTP_BODY))
        .expect_err("error envelope");
    assert_eq!(error.code.as_deref(), Some("invalidFields"));
    assert_eq!(error.category, ErrorCategory::InvalidRequest);
    assert_eq!(error.recovery, Recovery::FixRequest);
}

#[test]
fn validate_errors_about_other_fields_or_headers_or_credentials_are_not_reenter_otp() {
    let other_field = ValidateOtpRequest::decode(&json_response(
        400,
        r#"{"errors":[{"type":"missingFields","message":"missing","details":[{"name":"clientCorrelationId","location":"body"}]}]}"#,
    ))
    .expect_err("error");
    assert_eq!(other_field.code.as_deref(), Some("missingFields"));
    assert_eq!(other_field.recovery, Recovery::FixRequest);

    let headers = ValidateOtpRequest::decode(&json_response(
        400,
        r#"{"errors":[{"type":"invalidHeaders","message":"bad digest"}]}"#,
    ))
    .expect_err("error");
    assert_eq!(headers.category, ErrorCategory::InvalidRequest);
    assert_eq!(headers.recovery, Recovery::FixRequest);

    let unauthorized = ValidateOtpRequest::decode(&json_response(
        401,
        r#"{"response":{"rmsg":"Authentication Failed"}}"#,
    ))
    .expect_err("error");
    assert_eq!(unauthorized.category, ErrorCategory::Authentication);
    assert_eq!(unauthorized.recovery, Recovery::CheckCredentials);
}

#[test]
fn intelligent_commerce_error_object_maps() {
    let error = AuthenticationOptionsRequest::decode(&json_response(
        400,
        r#"{"error":{"status":"BAD_REQUEST","reason":"INVALID_DATA","message":"One or more fields in the request contains invalid data",
            "detail":{"reason":"INVALID_DATA","source":"clientCorrelationId","sourceType":"body","message":"invalid"}}}"#,
    ))
    .expect_err("error envelope");
    assert_eq!(error.code.as_deref(), Some("INVALID_DATA"));
    assert_eq!(error.provider_category.as_deref(), Some("BAD_REQUEST"));
    assert_eq!(error.category, ErrorCategory::InvalidRequest);
    assert_eq!(
        error.message,
        "One or more fields in the request contains invalid data"
    );
    assert_eq!(error.recovery, Recovery::FixRequest);
}

#[test]
fn visa_error_response_on_validate_maps_with_its_ref_and_reenter_otp() {
    let error = ValidateOtpRequest::decode(&json_response(
        400,
        r#"{"errorResponse":{"status":400,"reason":"invalidOTP","message":"The OTP value is invalid","ref":"vts-ref-0042"}}"#,
    ))
    .expect_err("error envelope");
    assert_eq!(error.code.as_deref(), Some("invalidOTP"));
    assert_eq!(error.request_id.as_deref(), Some("vts-ref-0042"));
    assert_eq!(error.category, ErrorCategory::InvalidRequest);
    assert_eq!(error.message, "The OTP value is invalid");
    assert_eq!(error.recovery, Recovery::ReenterOtp);
}

#[test]
fn html_502_is_a_retryable_server_error() {
    let response = HttpResponse {
        status: 502,
        content_type: Some("text/html; charset=utf-8".to_owned()),
        request_id: Some("corr-502".to_owned()),
        body: b"<html><body><h1>502 Bad Gateway</h1></body></html>"
            .to_vec()
            .into(),
    };
    for error in [
        CreateOtpRequest::decode(&response).expect_err("502"),
        ValidateOtpRequest::decode(&response).expect_err("502"),
    ] {
        assert_eq!(error.http_status, 502);
        assert_eq!(error.category, ErrorCategory::ServerError);
        assert!(error.retryable);
        assert_eq!(error.recovery, Recovery::RetryLater);
        assert_eq!(error.request_id.as_deref(), Some("corr-502"));
        assert!(!error.message.contains("Bad Gateway"));
    }
}

// --- invalid input ---------------------------------------------------------------------------

#[test]
fn invalid_inputs_name_the_wire_field_and_the_problem() {
    let device = || {
        DeviceInformation::from_browser_data(&browser_data(), PlatformType::Web).expect("device")
    };
    let merchant = || MerchantDescriptor::new("M", "https://m.example").expect("merchant");
    let amount = || AmountDetails::new("10.00", "840").expect("amount");

    let cases: Vec<(Result<(), InvalidInput>, InvalidInput)> = vec![
        (
            CreateOtpRequest::new(TOKEN_ID, "", "step").map(drop),
            invalid("clientCorrelationId", Problem::Empty),
        ),
        (
            CreateOtpRequest::new(TOKEN_ID, "   ", "step").map(drop),
            invalid("clientCorrelationId", Problem::Empty),
        ),
        (
            CreateOtpRequest::new("", "corr", "step").map(drop),
            invalid("tokenId", Problem::Empty),
        ),
        (
            CreateOtpRequest::new(TOKEN_ID, "corr", "").map(drop),
            invalid("stepUpOption.id", Problem::Empty),
        ),
        (
            AmountDetails::new("0", "978").map(drop),
            invalid(
                "orderInformation.amountDetails.totalAmount",
                Problem::NotPositive,
            ),
        ),
        (
            AmountDetails::new("1.234", "978").map(drop),
            invalid(
                "orderInformation.amountDetails.totalAmount",
                Problem::TooManyDecimals,
            ),
        ),
        (
            AmountDetails::new("10.00", "eur").map(drop),
            invalid(
                "orderInformation.amountDetails.currency",
                Problem::Format {
                    expected: "an ISO 4217 code: three uppercase letters or three digits",
                },
            ),
        ),
        (
            BillTo::new("jane.example.com", None).map(drop),
            invalid(
                "orderInformation.billTo.email",
                Problem::Format {
                    expected: "an email address such as name@example.com",
                },
            ),
        ),
        (
            BillTo::new("", None).map(drop),
            invalid("orderInformation.billTo.email", Problem::Empty),
        ),
        (
            BillTo::new("jane@example.com", Some("call me")).map(drop),
            invalid(
                "orderInformation.billTo.phoneNumber",
                Problem::Format {
                    expected: "a phone number: 4 to 20 digits, optionally with a leading +",
                },
            ),
        ),
        (
            Otp::new("otp", "12ab56").map(drop),
            invalid("otp", Problem::NotDigits),
        ),
        (
            Otp::new("otp", "123456789").map(drop),
            invalid("otp", Problem::WrongLength { min: 4, max: 8 }),
        ),
        (
            // An Otp that bypassed validation (read through serde) is re-checked by the request.
            ValidateOtpRequest::with_otp(
                TOKEN_ID,
                "corr",
                "step",
                serde_json::from_str::<Otp>(r#""45678x""#).expect("raw otp"),
            )
            .map(drop),
            invalid("otp", Problem::NotDigits),
        ),
        (
            ValidateOtpRequest::with_otp(
                TOKEN_ID,
                "corr",
                "step",
                serde_json::from_str::<Otp>(r#""123456789""#).expect("raw otp"),
            )
            .map(drop),
            invalid("otp", Problem::WrongLength { min: 4, max: 8 }),
        ),
        (
            ValidateOtpRequest::with_issuer_auth_code(
                TOKEN_ID,
                "corr",
                "step",
                serde_json::from_str::<IssuerAuthCode>(r#""""#).expect("raw code"),
            )
            .map(drop),
            invalid("issuerAuthCode", Problem::Empty),
        ),
        (
            AuthenticationOptionsRequest::new(
                TOKEN_ID,
                "corr",
                serde_json::from_str::<SecureToken>(r#"" ""#).expect("raw token"),
                amount(),
                merchant(),
                device(),
            )
            .map(drop),
            invalid("sessionInformation.secureToken", Problem::Empty),
        ),
        (
            MerchantDescriptor::new("", "https://m.example").map(drop),
            invalid(
                "merchantInformation.merchantDescriptor.name",
                Problem::Empty,
            ),
        ),
        (
            MerchantDescriptor::from_base64("TQ", "not base64!").map(drop),
            invalid(
                "merchantInformation.merchantDescriptor.url",
                Problem::Format {
                    expected: "base64 text",
                },
            ),
        ),
        (
            DeviceInformation::from_browser_data(
                &BrowserData {
                    ip_address: None,
                    ..browser_data()
                },
                PlatformType::Web,
            )
            .map(drop),
            invalid("deviceInformation.ipAddress", Problem::Empty),
        ),
        (
            DeviceInformation::from_browser_data(
                &BrowserData {
                    ip_address: Some("203.0.113".to_owned()),
                    ..browser_data()
                },
                PlatformType::Web,
            )
            .map(drop),
            invalid(
                "deviceInformation.ipAddress",
                Problem::Format {
                    expected: "an IPv4 or IPv6 address",
                },
            ),
        ),
        (
            DeviceInformation::from_browser_data(
                &BrowserData {
                    browser_color_depth: Some("24bit".to_owned()),
                    ..browser_data()
                },
                PlatformType::Web,
            )
            .map(drop),
            invalid(
                "deviceInformation.httpBrowserColorDepth",
                Problem::NotDigits,
            ),
        ),
        (
            DeviceInformation::from_browser_data(
                &BrowserData {
                    browser_time_zone: Some("UTC+1".to_owned()),
                    ..browser_data()
                },
                PlatformType::Web,
            )
            .map(drop),
            invalid(
                "deviceInformation.httpBrowserTimeDifference",
                Problem::Format {
                    expected: "a whole number of minutes such as -330",
                },
            ),
        ),
        (
            DeviceInformation::from_browser_data(
                &BrowserData {
                    user_agent: Some(String::new()),
                    ..browser_data()
                },
                PlatformType::Web,
            )
            .map(drop),
            invalid("deviceInformation.userAgentBrowserValue", Problem::Empty),
        ),
        (
            AuthenticationRegistrationRequest::new(
                &options_request(),
                " ",
                BillTo::new("a@b.c", None).expect("bill to"),
            )
            .map(drop),
            invalid("buyerInformation.language", Problem::Empty),
        ),
    ];
    for (index, (result, expected)) in cases.into_iter().enumerate() {
        assert_eq!(result, Err(expected), "case {index}");
    }
}

#[test]
fn invalid_input_messages_do_not_quote_the_value() {
    let error = Otp::new("otp", "12ab56").expect_err("invalid");
    assert_eq!(error.to_string(), "invalid `otp`: must contain digits only");
    let error = BillTo::new("jane.example.com", None).expect_err("invalid");
    assert!(!error.to_string().contains("jane"));
}

#[test]
fn missing_java_flags_default_to_what_browsers_report() {
    let browser = BrowserData {
        browser_java_enabled: None,
        browser_javascript_enabled: None,
        ..browser_data()
    };
    let request = AuthenticationOptionsRequest::new(
        TOKEN_ID,
        "corr",
        secure_token("tok"),
        AmountDetails::new("1", "EUR").expect("amount"),
        MerchantDescriptor::new("M", "u").expect("merchant"),
        DeviceInformation::from_browser_data(&browser, PlatformType::MobileWeb).expect("device"),
    )
    .expect("valid");
    let body = body_json(&request);
    assert_eq!(body["deviceInformation"]["httpBrowserJavaEnabled"], false);
    assert_eq!(
        body["deviceInformation"]["httpBrowserJavaScriptEnabled"],
        true
    );
    assert_eq!(body["deviceInformation"]["platformType"], "MOBILE_WEB");
    assert_eq!(
        body["orderInformation"]["amountDetails"]["totalAmount"],
        "1.00"
    );
}
