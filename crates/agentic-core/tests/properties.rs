//! Property tests: decoding never panics whatever the server sends, and the models round-trip.

use agentic_core::journey::restore::Restore;
use agentic_core::secret::SecretBytes;
use agentic_core::step_up::{StepUpMethod, StepUpOption};
use agentic_core::wire::HttpResponse;
use agentic_core::{Amount, ApiError, Endpoint, ErrorCategory, Provider, Recovery};
use proptest::prelude::*;
use serde_json::{Map, Value};

/// Every endpoint's decoder, so each property runs over all of them.
type Decoder = fn(&HttpResponse) -> Result<(), ApiError>;

fn decoders() -> Vec<(&'static str, Decoder)> {
    macro_rules! list {
        ($($ty:ty),* $(,)?) => {
            vec![$((<$ty as Endpoint>::OPERATION, |r: &HttpResponse| <$ty as Endpoint>::decode(r).map(drop))),*]
        };
    }
    use agentic_core::{juspay_ec as ec, juspay_vat as vat, visa_acceptance as va};
    list![
        vat::CardTokenizeRequest,
        vat::ProvisionTokenPasskeyRequest,
        vat::TriggerOtpRequest,
        vat::ValidateOtpRequest,
        vat::EnrollInAgenticServiceRequest,
        vat::SetupAgenticPaymentInstructionRequest,
        vat::FetchPaymentCredentialsRequest,
        ec::CardBinEligibilityRequest,
        ec::CreateOrderRequest,
        ec::StartAuthenticationRequest,
        ec::ProcessOtpRequest,
        ec::ResendOtpRequest,
        ec::OrderStatusRequest,
        va::AuthenticationOptionsRequest,
        va::CreateOtpRequest,
        va::ValidateOtpRequest,
        va::AuthenticationRegistrationRequest,
    ]
}

/// Keys that occur in the documented bodies, so random JSON reaches deep into the models.
const KEYS: &[&str] = &[
    "status",
    "payload",
    "response",
    "errorCode",
    "errorMessage",
    "error",
    "error_info",
    "errors",
    "error_code",
    "error_message",
    "maxOTPVerificationAllowed",
    "maxOTPRequestsAllowed",
    "codeExpiration",
    "stepUpResponse",
    "availableStepUpMethod",
    "actionToBePerformed",
    "identifier",
    "method",
    "payment",
    "authentication",
    "params",
    "action",
    "authenticationContext",
    "stepUpOptions",
    "id",
    "type",
    "token",
    "order_id",
    "txn_id",
    "challenge_id",
    "submit_otp_allowed",
    "url",
    "vProvisionedTokenId",
];

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        prop_oneof![
            Just("SUCCESS".to_owned()),
            Just("POST".to_owned()),
            Just("3".to_owned()),
            ".{0,12}"
        ]
        .prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(KEYS), inner), 0..6).prop_map(|pairs| {
                Value::Object(
                    pairs
                        .into_iter()
                        .map(|(k, v)| (k.to_owned(), v))
                        .collect::<Map<_, _>>(),
                )
            }),
        ]
    })
}

fn status() -> impl Strategy<Value = u16> {
    prop_oneof![
        Just(200u16),
        Just(201),
        Just(400),
        Just(401),
        Just(404),
        Just(429),
        Just(500),
        Just(502),
        100u16..600
    ]
}

fn content_type() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        Just(Some("application/json".to_owned())),
        Just(Some("application/hal+json;charset=utf-8".to_owned())),
        Just(Some("text/html".to_owned())),
        Just(None),
    ]
}

fn response(status: u16, content_type: Option<String>, body: Vec<u8>) -> HttpResponse {
    HttpResponse {
        status,
        content_type,
        request_id: None,
        body: SecretBytes::new(body),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn decoding_arbitrary_bytes_never_panics(status in status(), ct in content_type(), body in prop::collection::vec(any::<u8>(), 0..256)) {
        let r = response(status, ct, body);
        for (_, decode) in decoders() {
            let _ = decode(&r);
        }
    }

    #[test]
    fn decoding_arbitrary_json_never_panics_and_errors_are_typed(status in status(), value in json_value()) {
        let r = response(status, Some("application/json".to_owned()), serde_json::to_vec(&value).expect("json"));
        for (operation, decode) in decoders() {
            if let Err(e) = decode(&r) {
                prop_assert!(!e.message.is_empty(), "{operation}: empty message");
                if !(200..300).contains(&status) {
                    prop_assert_ne!(e.category, ErrorCategory::MalformedResponse);
                }
            } else {
                prop_assert!((200..300).contains(&status), "{operation}: success on HTTP {status}");
            }
        }
    }

    #[test]
    fn truncated_bodies_never_panic(value in json_value(), cut in 0usize..64) {
        let bytes = serde_json::to_vec(&value).expect("json");
        let cut = cut.min(bytes.len());
        let r = response(200, Some("application/json".to_owned()), bytes[..cut].to_vec());
        for (_, decode) in decoders() {
            let _ = decode(&r);
        }
    }

    #[test]
    fn visa_page_parsing_never_panics(value in json_value(), text in ".{0,64}", origin in prop_oneof![Just("https://sbx.vts.auth.visa.com".to_owned()), ".{0,40}"]) {
        use agentic_core::visa_page::{VisaPageOrigin, parse_incoming};
        let expected = VisaPageOrigin::sandbox();
        let json = serde_json::to_string(&value).expect("json");
        let _ = parse_incoming(&json, &origin, &expected);
        let _ = parse_incoming(&text, &origin, &expected);
        if origin != expected.as_str() {
            prop_assert!(parse_incoming(&json, &origin, &expected).is_err(), "foreign origin accepted");
        }
    }

    #[test]
    fn amount_round_trips_through_text_and_json_number(minor in 1u64..=Amount::MAX_MINOR_UNITS) {
        let amount = Amount::from_minor_units("amount", minor).expect("in range");
        let text = amount.to_string();
        prop_assert_eq!(Amount::parse("amount", &text).expect("own output parses"), amount);
        let number: f64 = serde_json::from_str(&serde_json::to_string(&amount.as_f64()).expect("f64")).expect("parse");
        prop_assert_eq!(Amount::parse("amount", &format!("{number:.2}")).expect("parses"), amount);
    }

    #[test]
    fn amount_parse_never_panics(text in ".{0,24}") {
        let _ = Amount::parse("amount", &text);
    }

    #[test]
    fn open_enums_round_trip_any_text(text in ".{0,20}") {
        let method = StepUpMethod::parse(&text);
        let json = serde_json::to_string(&method).expect("serialises");
        let back: StepUpMethod = serde_json::from_str(&json).expect("deserialises");
        prop_assert_eq!(&back, &method);
        if let StepUpMethod::Unknown(kept) = &method {
            prop_assert_eq!(kept, &text);
        }
    }

    #[test]
    fn step_up_options_round_trip(identifier in "[A-Za-z0-9=]{1,24}", value in proptest::option::of(".{0,16}"), method in prop::sample::select(vec!["OTPSMS", "OTP_EMAIL", "APP-TO-APP", "CUSTOMER_SERVICE", "NEW_THING"])) {
        let option = StepUpOption {
            identifier, method: StepUpMethod::parse(method), value, sub_method: None, platform_type: None,
            source: None, request_payload: None, app_id: None, intent_url: None, app_platform: None, app_url: None,
        };
        let text = serde_json::to_string(&option).expect("ser");
        let back: StepUpOption = agentic_core::json_path::read(&serde_json::from_str::<Value>(&text).expect("json")).expect("de");
        prop_assert_eq!(back, option);
    }

    #[test]
    fn api_errors_round_trip_through_checkpoints(
        code in proptest::option::of("[a-z_]{1,12}"),
        provider_category in proptest::option::of("[A-Z_]{1,12}"),
        message in ".{0,30}",
        status in 100u16..600,
        request_id in proptest::option::of("[a-z0-9-]{1,12}"),
        retryable: bool,
        provider in prop::sample::select(vec![Provider::JuspayVat, Provider::JuspayEc, Provider::VisaAcceptance]),
        category in prop::sample::select(vec![
            ErrorCategory::Authentication, ErrorCategory::Forbidden, ErrorCategory::InvalidRequest,
            ErrorCategory::NotFound, ErrorCategory::Conflict, ErrorCategory::Expired,
            ErrorCategory::LimitExceeded, ErrorCategory::RateLimited, ErrorCategory::Configuration,
            ErrorCategory::Rejected, ErrorCategory::ServerError, ErrorCategory::MalformedResponse,
        ]),
        recovery in prop::sample::select(vec![
            Recovery::RetryLater, Recovery::FixRequest, Recovery::CheckCredentials, Recovery::ReenterOtp,
            Recovery::ChooseAnotherMethod, Recovery::RestartJourney, Recovery::Reconcile, Recovery::ContactSupport,
        ]),
    ) {
        let error = ApiError {
            provider, http_status: status, code, provider_category, category, message, request_id,
            retryable, recovery,
        };
        // Written as a checkpoint writes it (serde), read back as a resume reads it.
        let text = serde_json::to_string(&error).expect("ser");
        let back = ApiError::restore(&serde_json::from_str(&text).expect("JSON")).expect("restore");
        prop_assert_eq!(back, error);
    }

    #[test]
    fn request_ids_reach_the_body_unchanged(ids in prop::array::uniform4("[^\\s][^\\u{0}]{0,20}")) {
        let request = agentic_core::juspay_vat::TriggerOtpRequest::new(&ids[0], &ids[1], &ids[2], &ids[3]).expect("non-empty");
        let body: Value = serde_json::from_slice(request.to_http().body.bytes()).expect("json");
        prop_assert_eq!(&body["tokenReference"], &Value::from(ids[0].as_str()));
        prop_assert_eq!(&body["stepUpRequestId"], &Value::from(ids[3].as_str()));
    }
}
