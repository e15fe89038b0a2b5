//! Helpers shared by the integration tests.
#![allow(dead_code)]

use agentic_core::{Endpoint, HttpResponse};
use serde_json::Value;

/// The request body as a JSON value (panics in tests if it is not JSON).
pub fn body_json<E: Endpoint>(request: &E) -> Value {
    let http = request.to_http();
    serde_json::from_slice(http.body.bytes()).expect("request body is JSON")
}

/// The request body as form pairs, in order.
pub fn body_form<E: Endpoint>(request: &E) -> Vec<(String, String)> {
    let http = request.to_http();
    form_urlencoded::parse(http.body.bytes())
        .into_owned()
        .collect()
}

/// A JSON response with the given status.
pub fn json_response(status: u16, body: &str) -> HttpResponse {
    HttpResponse::json(status, body.as_bytes().to_vec())
}

/// Canary secrets for journey tests: each must never appear in an action, prompt, status,
/// checkpoint or error.
pub mod canary {
    pub const SECURE_TOKEN: &str = "ezAwMX06-canary-secure-token-5d1e";
    pub const FIDO_BLOB: &str = "fido-blob-canary-77aa19";
    pub const VISA_PAYLOAD: &str = "eyJcanary.payload-jwt.c4f2";
    pub const CARD_TOKEN: &str = "ctkn_canary9f3k2";
    pub const OTP: &str = "918273";
    pub const PAN: &str = "4242424242424242";
    pub const CVV: &str = "737";
    pub const TOKEN_NUMBER: &str = "4895370012345678";
    pub const CRYPTOGRAM: &str = "AgAAAAAAAIR8CQrXcanary";
    pub const ALL: &[&str] = &[
        OTP,
        SECURE_TOKEN,
        FIDO_BLOB,
        VISA_PAYLOAD,
        CARD_TOKEN,
        PAN,
        CVV,
        TOKEN_NUMBER,
        CRYPTOGRAM,
    ];

    /// Panics if `text` contains any canary.
    pub fn assert_clean(what: &str, text: &str) {
        for secret in ALL {
            assert!(!holds(text, secret), "{what} leaked {secret}: {text}");
        }
    }

    /// Whether `text` holds `secret`. A number of up to 8 digits (the CVV, an OTP, a 3-digit
    /// cryptogram) counts only as a whole word: "737" inside a random clock reading such as
    /// 1700000073738 or an id such as `9a737b` is chance, while `"737"` or `cvv=737` is a leak.
    /// Anything else (a card or token number, text) counts anywhere. The same rule as the C,
    /// Python, Kotlin and Swift canaries.
    pub fn holds(text: &str, secret: &str) -> bool {
        let short_number =
            (1..=8).contains(&secret.len()) && secret.bytes().all(|b| b.is_ascii_digit());
        if !short_number {
            return text.contains(secret);
        }
        let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
        let bytes = text.as_bytes();
        text.match_indices(secret).any(|(at, _)| {
            let before = at.checked_sub(1).map(|i| bytes[i]);
            let after = bytes.get(at + secret.len()).copied();
            !before.is_some_and(word) && !after.is_some_and(word)
        })
    }
}

/// One input of every kind, for (state, event) tables. Page messages come from `origin`.
pub fn every_input(origin: &str) -> Vec<agentic_core::journey::Input> {
    use agentic_core::journey::Input;
    use agentic_core::secret::{IssuerAuthCode, Otp, SecureToken};
    vec![
        Input::VisaMessage {
            json: r#"{"type":"AUTH_READY","requestID":"r-1"}"#.into(),
            origin: origin.into(),
        },
        Input::VisaSession {
            secure_token: SecureToken::new("secureToken", canary::SECURE_TOKEN).expect("valid"),
            browser_data: agentic_core::json_path::read(&serde_json::json!({}))
                .expect("empty browser data"),
        },
        Input::PageClosed,
        Input::ChooseStepUp {
            identifier: "no-such-method".into(),
        },
        Input::ChooseAnotherMethod,
        Input::Otp(Otp::new("otp", canary::OTP).expect("valid")),
        Input::ResendOtp,
        Input::IssuerAuthCode(IssuerAuthCode::new("issuerAuthCode", "HTZl-canary").expect("valid")),
        Input::StepUpCompleted,
        Input::RedirectCompleted,
        Input::Reconcile,
        Input::ResendAfterUnknownOutcome,
        Input::Cancel,
    ]
}
