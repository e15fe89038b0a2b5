//! The Visa auth page protocol: every outgoing message is exact JSON, every incoming message type
//! parses from a realistic sample, origins are compared exactly and first, bad messages give
//! typed errors, and no secret reaches `Debug` or `Display`.

use agentic_core::secret::{SecretText, VisaPayload};
use agentic_core::visa_page::*;
use agentic_core::{InvalidInput, Problem};
use serde_json::json;

const SANDBOX: &str = "https://sbx.vts.auth.visa.com";
const SECURE_TOKEN: &str = "ezAwMX06AAM1NUHl3Gq8secret-token-value";
const FIDO_BLOB: &str = "eyJmaWRvIjoiYmxvYiJ9.fido-blob-secret";
const PAYLOAD_JWT: &str =
    "eyJhbGciOiJSUzI1NiJ9.eyJhdXRob3JpemF0aW9uX2RldGFpbHMiOltdfQ.payload-secret";
const REGISTER_ENDPOINT: &str =
    "L29hdXRoMi9hdXRob3JpemF0aW9uL3JlcXVlc3QvaHViL3BheW1lbnQtY3JlZGVudGlhbC1iaW5kaW5n";

fn sandbox() -> VisaPageOrigin {
    VisaPageOrigin::sandbox()
}

fn parse(json: &serde_json::Value) -> Result<IncomingMessage, PageMessageError> {
    parse_incoming(&json.to_string(), SANDBOX, &sandbox())
}

fn assert_no_secret(text: &str) {
    for secret in [
        SECURE_TOKEN,
        FIDO_BLOB,
        PAYLOAD_JWT,
        "secret-token",
        "fido-blob",
        "payload-secret",
    ] {
        assert!(!text.contains(secret), "secret leaked in: {text}");
    }
}

fn context() -> AuthenticationContext {
    AuthenticationContext::new(
        "ad3b1f7e-identifier",
        REGISTER_ENDPOINT,
        VisaPayload::new("payload", PAYLOAD_JWT).expect("payload"),
    )
    .expect("context")
}

// --- origins ---------------------------------------------------------------------------------

#[test]
fn known_origins_are_exact() {
    assert_eq!(
        VisaPageOrigin::sandbox().as_str(),
        "https://sbx.vts.auth.visa.com"
    );
    assert_eq!(
        VisaPageOrigin::production().as_str(),
        "https://vts.auth.visa.com"
    );
    assert!(VisaPageOrigin::sandbox().matches("https://sbx.vts.auth.visa.com"));
    assert!(!VisaPageOrigin::production().matches("https://sbx.vts.auth.visa.com"));
}

#[test]
fn custom_origins_are_normalised_or_refused() {
    let ok = |text: &str| VisaPageOrigin::custom(text).map(|o| o.as_str().to_owned());
    assert_eq!(
        ok("http://127.0.0.1:38517"),
        Ok("http://127.0.0.1:38517".to_owned())
    );
    assert_eq!(ok("http://localhost:80"), Ok("http://localhost".to_owned()));
    assert_eq!(ok("http://[::1]:3000"), Ok("http://[::1]:3000".to_owned()));
    assert_eq!(
        ok("HTTPS://Pay.Example.COM:443"),
        Ok("https://pay.example.com".to_owned())
    );
    assert_eq!(
        ok("https://pay.example.com:8443"),
        Ok("https://pay.example.com:8443".to_owned())
    );

    let format = InvalidInput::new(
        "origin",
        Problem::Format {
            expected: "an origin `https://host[:port]` without a path (http only on loopback)",
        },
    );
    assert_eq!(
        VisaPageOrigin::custom(""),
        Err(InvalidInput::new("origin", Problem::Empty))
    );
    for bad in [
        "http://sbx.vts.auth.visa.com",
        "https://sbx.vts.auth.visa.com/",
        "https://sbx.vts.auth.visa.com/vts-auth/authenticate",
        "https://sbx.vts.auth.visa.com?apikey=x",
        "https://sbx.vts.auth.visa.com#x",
        "https://user@sbx.vts.auth.visa.com",
        "ftp://sbx.vts.auth.visa.com",
        "sbx.vts.auth.visa.com",
        "https://",
        "https://host:0",
        "https://host:65536",
        "https://host:",
        "https://ho st",
        "https://.host",
        "https://[::1",
    ] {
        assert_eq!(VisaPageOrigin::custom(bad), Err(format.clone()), "{bad}");
    }
}

#[test]
fn origin_serialises_as_text_and_revalidates_on_the_way_back() {
    let origin = VisaPageOrigin::custom("http://127.0.0.1:9000").expect("valid");
    assert_eq!(
        serde_json::to_value(&origin).expect("json"),
        json!("http://127.0.0.1:9000")
    );
    let back: VisaPageOrigin =
        serde_json::from_value(json!("http://127.0.0.1:9000")).expect("valid");
    assert_eq!(back, origin);
    assert!(serde_json::from_value::<VisaPageOrigin>(json!("http://evil.example")).is_err());
}

#[test]
fn wrong_origins_are_rejected_before_the_text_is_read() {
    let expected = sandbox();
    for got in [
        "https://sbx.vts.auth.visa.com.evil.com",
        "http://sbx.vts.auth.visa.com",
        "https://sbx.vts.auth.visa.com/",
        "https://sbx.vts.auth.visa.com/vts-auth/authenticate",
        "https://vts.auth.visa.com",
        "https://SBX.VTS.AUTH.VISA.COM",
        "https://sbx.vts.auth.visa.com:443",
        "null",
        "",
    ] {
        // A valid message and a malformed one get the same answer: the origin is checked first.
        for text in [r#"{"type":"AUTH_READY","requestID":"r1"}"#, "not json"] {
            assert_eq!(
                parse_incoming(text, got, &expected),
                Err(PageMessageError::UnexpectedOrigin {
                    expected: SANDBOX.to_owned(),
                    got: got.to_owned()
                }),
                "{got}"
            );
        }
    }
    let long = format!("https://{}.example", "a".repeat(400));
    let Err(PageMessageError::UnexpectedOrigin { got, .. }) =
        parse_incoming("{}", &long, &expected)
    else {
        panic!("expected an origin error");
    };
    assert!(got.chars().count() <= 257 && got.ends_with('…'));
    // A message given as the origin (the two swapped) is not quoted: it can hold a secret.
    let swapped = r#"{"type":"AUTH_COMPLETE","secureToken":"ezAwMX06"}"#;
    assert_eq!(
        parse_incoming(SANDBOX, swapped, &expected),
        Err(PageMessageError::UnexpectedOrigin {
            expected: SANDBOX.to_owned(),
            got: format!("<not an origin: {} characters>", swapped.chars().count()),
        })
    );
}

// --- outgoing --------------------------------------------------------------------------------

#[test]
fn create_auth_session_is_exact() {
    let message = OutgoingMessage::create_auth_session(
        "8d3f0c7e-2a5b-4c1d-9e8f-7a6b5c4d3e2f",
        "4cba8c5a-5b21-4812-8783-f91be68aa72a",
    )
    .expect("valid");
    assert_eq!(
        message.as_json(),
        r#"{"type":"CREATE_AUTH_SESSION","requestID":"8d3f0c7e-2a5b-4c1d-9e8f-7a6b5c4d3e2f","version":"1","client":{"id":"4cba8c5a-5b21-4812-8783-f91be68aa72a"}}"#
    );
    assert_eq!(message.message_type(), "CREATE_AUTH_SESSION");
    assert_eq!(message.request_id(), "8d3f0c7e-2a5b-4c1d-9e8f-7a6b5c4d3e2f");
}

#[test]
fn authenticate_is_exact_and_its_debug_hides_the_payload() {
    let message = OutgoingMessage::authenticate(
        "req-7",
        &context(),
        &PasskeyAction::Register,
        &PlatformType::Web,
        &AuthPreferences::default(),
    )
    .expect("valid");
    assert_eq!(
        message.as_json(),
        format!(
            r#"{{"type":"AUTHENTICATE","requestID":"req-7","version":"1","authenticationContext":{{"identifier":"ad3b1f7e-identifier","endpoint":"{REGISTER_ENDPOINT}","payload":"{PAYLOAD_JWT}","action":"REGISTER","platformType":"WEB","authenticationPreferencesEnabled":{{"responseType":"code","responseMode":"com_visa_web_message"}}}}}}"#
        )
    );
    let debug = format!("{message:?}");
    assert_no_secret(&debug);
    assert!(
        debug.contains("AUTHENTICATE") && debug.contains("req-7"),
        "{debug}"
    );
}

#[test]
fn authenticate_from_juspay_shaped_pieces() {
    // J-PTP: payload.{identifier, endpoint, payload}, actionToBePerformed, platformType,
    // authPreferencesEnabled.
    let juspay = json!({
        "identifier": "b5c2-juspay",
        "endpoint": REGISTER_ENDPOINT,
        "payload": PAYLOAD_JWT,
    });
    let context: AuthenticationContext = agentic_core::json_path::read(&juspay).expect("context");
    let preferences: AuthPreferences = agentic_core::json_path::read(
        &json!({"responseType": "code", "responseMode": "form_post"}),
    )
    .expect("preferences");
    let message = OutgoingMessage::authenticate(
        "req-8",
        &context,
        &PasskeyAction::parse("AUTHENTICATE"),
        &PlatformType::parse("MOBILE_WEB"),
        &preferences,
    )
    .expect("valid");
    let value: serde_json::Value = serde_json::from_str(message.as_json()).expect("json");
    assert_eq!(
        value["authenticationContext"],
        json!({
            "identifier": "b5c2-juspay",
            "endpoint": REGISTER_ENDPOINT,
            "payload": PAYLOAD_JWT,
            "action": "AUTHENTICATE",
            "platformType": "MOBILE_WEB",
            "authenticationPreferencesEnabled": {"responseType": "code", "responseMode": "form_post"}
        })
    );
    // Cybersource's `id` reads as the same identifier.
    let cybersource: AuthenticationContext = agentic_core::json_path::read(
        &json!({"id": "b5c2-juspay", "endpoint": REGISTER_ENDPOINT, "payload": PAYLOAD_JWT}),
    )
    .expect("context");
    assert_eq!(cybersource, context);
    assert_no_secret(&format!("{context:?}"));
}

#[test]
fn close_auth_session_is_exact() {
    let message = OutgoingMessage::close_auth_session("req-7").expect("valid");
    assert_eq!(
        message.as_json(),
        r#"{"requestID":"req-7","version":"1","type":"CLOSE_AUTH_SESSION"}"#
    );
}

#[test]
fn outgoing_builders_refuse_empty_parts() {
    assert_eq!(
        OutgoingMessage::create_auth_session("", "client"),
        Err(InvalidInput::new("requestID", Problem::Empty))
    );
    assert_eq!(
        OutgoingMessage::create_auth_session("r", " "),
        Err(InvalidInput::new("client.id", Problem::Empty))
    );
    assert_eq!(
        OutgoingMessage::close_auth_session(""),
        Err(InvalidInput::new("requestID", Problem::Empty))
    );
    assert_eq!(
        AuthenticationContext::new("", "e", VisaPayload::new("payload", "p").expect("payload")),
        Err(InvalidInput::new(
            "authenticationContext.identifier",
            Problem::Empty
        ))
    );
    assert_eq!(
        AuthenticationContext::new("i", "", VisaPayload::new("payload", "p").expect("payload")),
        Err(InvalidInput::new(
            "authenticationContext.endpoint",
            Problem::Empty
        ))
    );
    let unchecked: AuthenticationContext =
        agentic_core::json_path::read(&json!({"id": "i", "endpoint": "e", "payload": ""}))
            .expect("reads");
    assert_eq!(
        OutgoingMessage::authenticate(
            "r",
            &unchecked,
            &PasskeyAction::Authenticate,
            &PlatformType::Web,
            &AuthPreferences::default()
        ),
        Err(InvalidInput::new(
            "authenticationContext.payload",
            Problem::Empty
        ))
    );
}

// --- incoming --------------------------------------------------------------------------------

#[test]
fn auth_ready_parses_with_text_or_numeric_request_id() {
    assert_eq!(
        parse(&json!({"type": "AUTH_READY", "requestID": "0b9c6a1e", "version": "1"})),
        Ok(IncomingMessage::AuthReady {
            request_id: Some("0b9c6a1e".to_owned())
        })
    );
    assert_eq!(
        parse(&json!({"type": "AUTH_READY", "requestID": 42})),
        Ok(IncomingMessage::AuthReady {
            request_id: Some("42".to_owned())
        })
    );
    assert_eq!(
        parse(&json!({"type": "AUTH_READY"})),
        Ok(IncomingMessage::AuthReady { request_id: None })
    );
}

fn session_created_sample() -> serde_json::Value {
    json!({
        "type": "AUTH_SESSION_CREATED",
        "version": "1",
        "requestID": "0b9c6a1e",
        "result": "COMPLETE",
        "sessionContext": {"secureToken": SECURE_TOKEN},
        "browserData": {
            "browserJavaEnabled": "false",
            "browserJavascriptEnabled": true,
            "browserLanguage": "en-GB",
            "browserColorDepth": 30,
            "browserScreenHeight": "1117",
            "browserScreenWidth": "1728",
            "browserTimeZone": "-330",
            "userAgent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36",
            "browserHeader": "text/html,application/xhtml+xml",
            "ipAddress": "198.51.100.23"
        },
        "dfpSessionID": "dfp-7c2e9a",
        "authenticationPreferencesSupported": {
            "requiresPopupForAuthenticate": false,
            "requiresPopupForRegister": "true"
        }
    })
}

#[test]
fn auth_session_created_parses_every_field() {
    let Ok(IncomingMessage::AuthSessionCreated {
        request_id,
        secure_token,
        browser_data,
        dfp_session_id,
        popup,
    }) = parse(&session_created_sample())
    else {
        panic!("expected AuthSessionCreated");
    };
    assert_eq!(request_id.as_deref(), Some("0b9c6a1e"));
    assert_eq!(secure_token.expose_secret(), SECURE_TOKEN);
    assert_eq!(browser_data.browser_java_enabled, Some(false));
    assert_eq!(browser_data.browser_color_depth.as_deref(), Some("30"));
    assert_eq!(browser_data.browser_time_zone.as_deref(), Some("-330"));
    assert_eq!(browser_data.ip_address.as_deref(), Some("198.51.100.23"));
    assert_eq!(dfp_session_id.as_deref(), Some("dfp-7c2e9a"));
    assert_eq!(
        popup,
        PopupRequirements {
            for_authenticate: false,
            for_register: true
        }
    );
    assert!(popup.required_for(&PasskeyAction::Register));
    assert!(!popup.required_for(&PasskeyAction::Authenticate));
}

#[test]
fn auth_session_created_without_browser_data_or_preferences_still_parses() {
    let message = parse(&json!({
        "type": "AUTH_SESSION_CREATED",
        "sessionContext": {"secureToken": SECURE_TOKEN}
    }))
    .expect("parses");
    let IncomingMessage::AuthSessionCreated {
        browser_data,
        popup,
        dfp_session_id,
        ..
    } = message
    else {
        panic!("expected AuthSessionCreated");
    };
    assert_eq!(browser_data.user_agent, None);
    assert_eq!(popup, PopupRequirements::default());
    assert_eq!(dfp_session_id, None);
}

#[test]
fn result_complete_with_session_context_counts_as_session_created() {
    // 3P-CYBSDEMO's variant.
    let mut sample = session_created_sample();
    sample["type"] = json!("RESULT");
    let message = parse(&sample).expect("parses");
    assert_eq!(message.message_type(), "AUTH_SESSION_CREATED");
    assert!(matches!(
        message,
        IncomingMessage::AuthSessionCreated { .. }
    ));

    // Any other RESULT stays unknown.
    assert_eq!(
        parse(&json!({"type": "RESULT", "result": "PENDING", "requestID": "r"})),
        Ok(IncomingMessage::Unknown {
            message_type: "RESULT".to_owned(),
            request_id: Some("r".to_owned())
        })
    );
    assert_eq!(
        parse(&json!({"type": "RESULT", "result": "COMPLETE"})),
        Ok(IncomingMessage::Unknown {
            message_type: "RESULT".to_owned(),
            request_id: None
        })
    );
    // A RESULT that claims a session but lacks the token is refused like AUTH_SESSION_CREATED.
    assert_eq!(
        parse(&json!({"type": "RESULT", "result": "COMPLETE", "sessionContext": {}})),
        Err(PageMessageError::MissingField {
            message_type: "RESULT",
            field: "sessionContext.secureToken"
        })
    );
}

#[test]
fn auth_complete_parses_the_object_form() {
    let message = parse(&json!({
        "type": "AUTH_COMPLETE",
        "version": "1",
        "requestID": "0b9c6a1e",
        "result": "COMPLETE",
        "contentType": "application/json",
        "assuranceData": {"fidoBlob": FIDO_BLOB, "identifier": "ad3b1f7e-identifier", "rpID": "vts.auth.visa.com"},
        "browserData": {"userAgent": "x"},
        "sessionContext": {"secureToken": SECURE_TOKEN}
    }))
    .expect("parses");
    let IncomingMessage::AuthComplete {
        request_id,
        assurance,
    } = message
    else {
        panic!("expected AuthComplete");
    };
    assert_eq!(request_id.as_deref(), Some("0b9c6a1e"));
    assert_eq!(assurance.fido_blob.expose_secret(), FIDO_BLOB);
    assert_eq!(assurance.identifier.as_deref(), Some("ad3b1f7e-identifier"));
    assert_eq!(assurance.rp_id.as_deref(), Some("vts.auth.visa.com"));
}

#[test]
fn auth_complete_parses_the_array_form_and_the_code_fallback() {
    let array = parse(&json!({
        "type": "AUTH_COMPLETE",
        "assuranceData": [{"authenticatedIdentities": {"data": FIDO_BLOB, "id": "id-from-array", "relyingPartyId": "visa.com"}}]
    }))
    .expect("parses");
    let IncomingMessage::AuthComplete { assurance, .. } = array else {
        panic!("expected AuthComplete");
    };
    assert_eq!(assurance.fido_blob.expose_secret(), FIDO_BLOB);
    assert_eq!(assurance.identifier.as_deref(), Some("id-from-array"));
    assert_eq!(assurance.rp_id.as_deref(), Some("visa.com"));

    let nested_array = parse(&json!({
        "type": "AUTH_COMPLETE",
        "assuranceData": [{"authenticatedIdentities": [{"data": FIDO_BLOB, "id": "id-2"}]}]
    }))
    .expect("parses");
    assert!(matches!(
        nested_array,
        IncomingMessage::AuthComplete { ref assurance, .. } if assurance.identifier.as_deref() == Some("id-2")
    ));

    let code = parse(&json!({"type": "AUTH_COMPLETE", "code": FIDO_BLOB, "xViaHint": "hint"}))
        .expect("parses");
    let IncomingMessage::AuthComplete { assurance, .. } = code else {
        panic!("expected AuthComplete");
    };
    assert_eq!(assurance.fido_blob.expose_secret(), FIDO_BLOB);
    assert_eq!((assurance.identifier, assurance.rp_id), (None, None));
}

#[test]
fn failures_keep_their_reason_and_message() {
    assert_eq!(
        parse(
            &json!({"type": "AUTH_FAILED", "requestID": "r1", "reason": "USER_VERIFICATION_FAILED", "message": "The passkey could not be verified"})
        ),
        Ok(IncomingMessage::AuthFailed {
            request_id: Some("r1".to_owned()),
            reason: Some("USER_VERIFICATION_FAILED".to_owned()),
            message: Some("The passkey could not be verified".to_owned())
        })
    );
    assert_eq!(
        parse(&json!({"type": "AUTH_CANCELLED", "requestID": "r1"})),
        Ok(IncomingMessage::AuthCancelled {
            request_id: Some("r1".to_owned()),
            reason: None,
            message: None
        })
    );
    assert_eq!(
        parse(&json!({"type": "AUTH_NOT_SUPPORTED", "errorMessage": "WebAuthn is not available"})),
        Ok(IncomingMessage::AuthNotSupported {
            request_id: None,
            reason: None,
            message: Some("WebAuthn is not available".to_owned())
        })
    );
    assert_eq!(
        parse(
            &json!({"type": "AUTH_NOT_PERFORMED", "error": {"reason": "NO_CREDENTIAL", "message": "no passkey on this device"}})
        ),
        Ok(IncomingMessage::AuthNotPerformed {
            request_id: None,
            reason: Some("NO_CREDENTIAL".to_owned()),
            message: Some("no passkey on this device".to_owned())
        })
    );
}

#[test]
fn unknown_types_are_kept_and_double_encoded_text_is_unwrapped() {
    assert_eq!(
        parse(&json!({"type": "AUTH_PROGRESS", "requestID": "r"})),
        Ok(IncomingMessage::Unknown {
            message_type: "AUTH_PROGRESS".to_owned(),
            request_id: Some("r".to_owned())
        })
    );
    let inner = json!({"type": "AUTH_READY", "requestID": "r2"}).to_string();
    let doubly = serde_json::to_string(&inner).expect("string");
    assert_eq!(
        parse_incoming(&doubly, SANDBOX, &sandbox()),
        Ok(IncomingMessage::AuthReady {
            request_id: Some("r2".to_owned())
        })
    );
}

#[test]
fn custom_origin_accepts_the_local_page() {
    let local = VisaPageOrigin::custom("http://127.0.0.1:38517").expect("valid");
    assert_eq!(
        parse_incoming(
            r#"{"type":"AUTH_READY","requestID":"x"}"#,
            "http://127.0.0.1:38517",
            &local
        ),
        Ok(IncomingMessage::AuthReady {
            request_id: Some("x".to_owned())
        })
    );
}

#[test]
fn malformed_messages_give_typed_errors() {
    let cases: Vec<(String, PageMessageError)> = vec![
        ("not json".to_owned(), PageMessageError::NotJson),
        ("".to_owned(), PageMessageError::NotJson),
        ("[1,2]".to_owned(), PageMessageError::NotJson),
        ("42".to_owned(), PageMessageError::NotJson),
        (r#""just text""#.to_owned(), PageMessageError::NotJson),
        (r#"{"requestID":"r"}"#.to_owned(), PageMessageError::MissingType),
        (r#"{"type":7}"#.to_owned(), PageMessageError::MissingType),
        (r#"{"type":""}"#.to_owned(), PageMessageError::MissingType),
        (
            json!({"type": "AUTH_SESSION_CREATED", "requestID": "r"}).to_string(),
            PageMessageError::MissingField {
                message_type: "AUTH_SESSION_CREATED",
                field: "sessionContext.secureToken",
            },
        ),
        (
            json!({"type": "AUTH_SESSION_CREATED", "sessionContext": {"secureToken": ""}}).to_string(),
            PageMessageError::MissingField {
                message_type: "AUTH_SESSION_CREATED",
                field: "sessionContext.secureToken",
            },
        ),
        (
            json!({"type": "AUTH_SESSION_CREATED", "sessionContext": {"secureToken": 12345}}).to_string(),
            PageMessageError::InvalidField {
                message_type: "AUTH_SESSION_CREATED",
                field: "sessionContext.secureToken",
            },
        ),
        (
            json!({"type": "AUTH_SESSION_CREATED", "sessionContext": "token"}).to_string(),
            PageMessageError::InvalidField {
                message_type: "AUTH_SESSION_CREATED",
                field: "sessionContext",
            },
        ),
        (
            json!({"type": "AUTH_SESSION_CREATED", "sessionContext": {"secureToken": SECURE_TOKEN}, "browserData": "oops"}).to_string(),
            PageMessageError::InvalidField {
                message_type: "AUTH_SESSION_CREATED",
                field: "browserData",
            },
        ),
        (
            json!({"type": "AUTH_COMPLETE", "assuranceData": {"identifier": "i"}}).to_string(),
            PageMessageError::MissingField {
                message_type: "AUTH_COMPLETE",
                field: "assuranceData.fidoBlob",
            },
        ),
        (
            json!({"type": "AUTH_COMPLETE"}).to_string(),
            PageMessageError::MissingField {
                message_type: "AUTH_COMPLETE",
                field: "assuranceData.fidoBlob",
            },
        ),
        (
            json!({"type": "AUTH_COMPLETE", "assuranceData": {"fidoBlob": true}}).to_string(),
            PageMessageError::InvalidField {
                message_type: "AUTH_COMPLETE",
                field: "assuranceData.fidoBlob",
            },
        ),
        (
            json!({"type": "AUTH_COMPLETE", "assuranceData": "blob"}).to_string(),
            PageMessageError::InvalidField {
                message_type: "AUTH_COMPLETE",
                field: "assuranceData",
            },
        ),
    ];
    for (text, expected) in cases {
        assert_eq!(
            parse_incoming(&text, SANDBOX, &sandbox()),
            Err(expected),
            "{text}"
        );
    }
}

#[test]
fn error_texts_name_fields_not_values() {
    let error = parse(&json!({"type": "AUTH_SESSION_CREATED", "sessionContext": {"secureToken": 1}, "x": SECURE_TOKEN}))
        .expect_err("invalid");
    assert_eq!(
        error.to_string(),
        "`AUTH_SESSION_CREATED` message has an unreadable `sessionContext.secureToken`"
    );
    assert_eq!(
        PageMessageError::MissingField {
            message_type: "AUTH_COMPLETE",
            field: "assuranceData.fidoBlob"
        }
        .to_string(),
        "`AUTH_COMPLETE` message without `assuranceData.fidoBlob`"
    );
    let error = parse_incoming(
        &format!("{{\"type\":\"{SECURE_TOKEN}\""),
        SANDBOX,
        &sandbox(),
    )
    .expect_err("truncated");
    assert_eq!(error, PageMessageError::NotJson);
    assert_no_secret(&format!("{error} {error:?}"));
}

#[test]
fn no_message_or_error_shows_a_secret() {
    let mut outputs = Vec::new();
    let mut complete = json!({"type": "AUTH_COMPLETE", "assuranceData": {"fidoBlob": FIDO_BLOB, "identifier": "i"}, "sessionContext": {"secureToken": SECURE_TOKEN}});
    let messages = [
        session_created_sample(),
        {
            let mut s = session_created_sample();
            s["type"] = json!("RESULT");
            s
        },
        complete.clone(),
        json!({"type": "AUTH_COMPLETE", "code": FIDO_BLOB}),
        json!({"type": "AUTH_COMPLETE", "assuranceData": [{"authenticatedIdentities": {"data": FIDO_BLOB, "id": "i"}}]}),
        json!({"type": "AUTH_FAILED", "sessionContext": {"secureToken": SECURE_TOKEN}}),
        json!({"type": "AUTH_PROGRESS", "payload": PAYLOAD_JWT}),
    ];
    for message in &messages {
        let parsed = parse(message).expect("parses");
        outputs.push(format!("{parsed:?}"));
    }
    complete["assuranceData"]["fidoBlob"] = json!(7);
    let errors = [
        parse(&complete).expect_err("invalid"),
        parse(&json!({"type": "AUTH_SESSION_CREATED", "sessionContext": {"token": SECURE_TOKEN}}))
            .expect_err("missing"),
        parse_incoming(
            &session_created_sample().to_string(),
            "https://evil.example",
            &sandbox(),
        )
        .expect_err("origin"),
    ];
    for error in &errors {
        outputs.push(format!("{error:?} {error}"));
    }
    let outgoing = OutgoingMessage::authenticate(
        "r",
        &context(),
        &PasskeyAction::Authenticate,
        &PlatformType::Web,
        &AuthPreferences::default(),
    )
    .expect("valid");
    outputs.push(format!("{outgoing:?} {:?}", context()));
    for output in outputs {
        assert_no_secret(&output);
    }
}
