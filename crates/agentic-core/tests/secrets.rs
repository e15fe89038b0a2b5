//! Secret canary: every secret-bearing type formatted with `{:?}` and `{}` shows none of the
//! secret values, and bad secret input is refused without echoing the value.

mod support;

use agentic_core::secret::*;
use agentic_core::wire::{Body, RawJson};
use agentic_core::{Endpoint, HttpResponse, InvalidInput, Problem};

/// Canary values: each would be recognisable in any output.
pub const PAN: &str = "4111111111111111";
pub const CVV: &str = "737";
pub const OTP: &str = "456789";
pub const CANARY: &str = "canary-SECRET-7f3a9c";

fn assert_redacted(what: &str, output: &str, secrets: &[&str]) {
    for secret in secrets {
        assert!(
            !output.contains(secret),
            "{what} leaked a secret in: {output}"
        );
    }
}

#[test]
fn every_secret_type_redacts_debug_and_display() {
    let values: Vec<(String, String)> = vec![
        fmt_both(&CardNumber::new("card_number", PAN).expect("valid")),
        fmt_both(&CardSecurityCode::new("card_security_code", CVV).expect("valid")),
        fmt_both(&ExpiryMonth::new("card_exp_month", "07").expect("valid")),
        fmt_both(&ExpiryYear::new("card_exp_year", "29").expect("valid")),
        fmt_both(&Otp::new("otp", OTP).expect("valid")),
        fmt_both(&IssuerAuthCode::new("issuerAuthCode", CANARY).expect("valid")),
        fmt_both(&ApiKey::new("api_key", CANARY).expect("valid")),
        fmt_both(&ClientAuthToken::new("client_auth_token", CANARY).expect("valid")),
        fmt_both(&CardToken::new("card_token", CANARY).expect("valid")),
        fmt_both(&SecureToken::new("secureToken", CANARY).expect("valid")),
        fmt_both(&VisaPayload::new("payload", CANARY).expect("valid")),
        fmt_both(&FidoBlob::new("fidoBlob", CANARY).expect("valid")),
        fmt_both(&SigningSecret::new("secret", CANARY).expect("valid")),
        fmt_both(&TokenNumber::new("token", CANARY).expect("valid")),
        fmt_both(&Cryptogram::new("cryptogram", CANARY).expect("valid")),
    ];
    for (debug, display) in &values {
        assert_redacted("secret", debug, &[PAN, CVV, OTP, CANARY, "07", "29"]);
        assert_eq!(display, "<redacted>");
        assert!(debug.ends_with("(<redacted>)"), "{debug}");
    }
}

fn fmt_both<T: std::fmt::Debug + std::fmt::Display>(value: &T) -> (String, String) {
    (format!("{value:?} {value:#?}"), format!("{value}"))
}

#[test]
fn secrets_read_from_json_stay_redacted_and_exposable() {
    let token: SecureToken = serde_json::from_str(&format!("\"{CANARY}\"")).expect("decodes");
    assert_eq!(format!("{token:?}"), "SecureToken(<redacted>)");
    assert_eq!(token.expose_secret(), CANARY);
}

#[test]
fn bodies_responses_and_raw_json_redact() {
    let body = Body::Json(agentic_core::secret::SecretBytes::new(
        format!(r#"{{"otpValue":"{OTP}"}}"#).into_bytes(),
    ));
    assert_eq!(format!("{body:?}"), "Json(<21 bytes redacted>)");
    let response = HttpResponse::json(200, format!(r#"{{"token":"{CANARY}"}}"#));
    assert_redacted("response", &format!("{response:?}"), &[CANARY]);
    let raw: RawJson =
        serde_json::from_str(&format!(r#"{{"token":"{CANARY}"}}"#)).expect("decodes");
    assert_eq!(format!("{raw:?}"), "RawJson(<redacted>)");
}

#[test]
fn a_request_debug_shows_no_body_secret() {
    let request =
        agentic_core::juspay_vat::TriggerOtpRequest::new("t", "v", "c", "s").expect("valid");
    let http = request.to_http();
    let debug = format!("{http:?}");
    assert!(debug.contains("path: \"/initiateVerification\""), "{debug}");
    assert!(debug.contains("bytes redacted"), "{debug}");
}

#[test]
fn invalid_secret_input_is_refused_without_the_value() {
    let cases: Vec<(Result<(), InvalidInput>, InvalidInput, &str)> = vec![
        (
            CardNumber::new("card_number", "4111111111111112").map(drop),
            InvalidInput::new("card_number", Problem::FailsLuhn),
            "4111111111111112",
        ),
        (
            CardNumber::new("card_number", "4111 1111 1111 1111").map(drop),
            InvalidInput::new("card_number", Problem::NotDigits),
            "4111 1111",
        ),
        (
            CardNumber::new("card_number", "42424242424").map(drop),
            InvalidInput::new("card_number", Problem::WrongLength { min: 12, max: 19 }),
            "42424242424",
        ),
        (
            CardSecurityCode::new("card_security_code", "12a").map(drop),
            InvalidInput::new("card_security_code", Problem::NotDigits),
            "12a",
        ),
        (
            CardSecurityCode::new("card_security_code", "12345").map(drop),
            InvalidInput::new(
                "card_security_code",
                Problem::WrongLength { min: 3, max: 4 },
            ),
            "12345",
        ),
        (
            Otp::new("otpValue", "45678a").map(drop),
            InvalidInput::new("otpValue", Problem::NotDigits),
            "45678a",
        ),
        (
            Otp::new("otpValue", "123").map(drop),
            InvalidInput::new("otpValue", Problem::WrongLength { min: 4, max: 8 }),
            "123",
        ),
        (
            Otp::new("otpValue", "").map(drop),
            InvalidInput::new("otpValue", Problem::Empty),
            "\"\"",
        ),
        (
            ExpiryMonth::new("card_exp_month", "13").map(drop),
            InvalidInput::new("card_exp_month", Problem::OutOfRange { min: 1, max: 12 }),
            "13",
        ),
        (
            ExpiryMonth::new("card_exp_month", "00").map(drop),
            InvalidInput::new("card_exp_month", Problem::OutOfRange { min: 1, max: 12 }),
            "00",
        ),
        (
            ExpiryMonth::new("card_exp_month", "7").map(drop),
            InvalidInput::new("card_exp_month", Problem::WrongLength { min: 2, max: 2 }),
            "\"7\"",
        ),
        (
            ExpiryYear::new("card_exp_year", "2029").map(drop),
            InvalidInput::new("card_exp_year", Problem::WrongLength { min: 2, max: 2 }),
            "2029",
        ),
        (
            ApiKey::new("api_key", "  ").map(drop),
            InvalidInput::new("api_key", Problem::Empty),
            "\"  \"",
        ),
        (
            SecureToken::new("secureToken", "").map(drop),
            InvalidInput::new("secureToken", Problem::Empty),
            "\"\"",
        ),
    ];
    for (result, expected, value) in cases {
        let error = result.expect_err("must be refused");
        assert_eq!(error, expected);
        let text = format!("{error} {error:?}");
        assert!(!text.contains(value), "error echoes the value: {text}");
    }
}
