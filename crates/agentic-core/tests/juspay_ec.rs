//! Juspay Express Checkout / Direct OTP: every documented request sample is produced by our
//! builders (as form pairs or paths), every documented response decodes to the exact typed
//! value, every documented error becomes the right `ApiError`, and bad input is refused with
//! the field named.

mod support;

use agentic_core::juspay_ec::*;
use agentic_core::secret::{
    CardNumber, CardSecurityCode, CardToken, ClientAuthToken, ExpiryMonth, ExpiryYear, Otp,
};
use agentic_core::validate::Problem;
use agentic_core::{
    Amount, ApiError, Endpoint, ErrorCategory, HttpResponse, InvalidInput, Method, Provider,
    Recovery,
};
use serde::de::DeserializeOwned;
use support::{body_form, json_response};

const FORM: Option<&str> = Some("application/x-www-form-urlencoded");

fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    expected
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// A secret as a response would carry it (bypasses request-side validation, e.g. a four-digit
/// expiry year).
fn secret<T: DeserializeOwned>(value: &str) -> T {
    serde_json::from_value(serde_json::Value::String(value.to_owned())).expect("secret decodes")
}

fn seed_new_card() -> StartAuthenticationRequest {
    StartAuthenticationRequest::new_card(
        "1551359984",
        ":merchant_id",
        CardNumber::new("card_number", "4242424242424242").expect("valid PAN"),
        ExpiryMonth::new("card_exp_month", "01").expect("valid month"),
        ExpiryYear::new("card_exp_year", "21").expect("valid year"),
        CardSecurityCode::new("card_security_code", "123").expect("valid CVV"),
        true,
    )
    .expect("valid")
    .with_payment_method(PaymentMethod::Mastercard)
    .expect("valid")
    .with_name_on_card("Name")
    .expect("valid")
}

fn seed_saved_card() -> StartAuthenticationRequest {
    StartAuthenticationRequest::saved_card(
        "1551359984",
        ":merchant_id",
        CardToken::new("card_token", ":card_token").expect("valid"),
    )
    .expect("valid")
}

// ---------------------------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------------------------

#[test]
fn start_authentication_new_card_reproduces_the_seed_curl() {
    // Seed 003 "Request - New Card". `:order_id` is a placeholder that an OrderId refuses; the
    // order id of the "OTP Fails" sample stands in for it.
    let request = seed_new_card();
    let http = request.to_http();
    assert_eq!(http.provider, Provider::JuspayEc);
    assert_eq!(http.operation, "juspay_ec.start_authentication");
    assert_eq!(
        (http.method, http.path.as_str(), http.idempotent),
        (Method::Post, "/txns", false)
    );
    assert_eq!(http.body.content_type(), FORM);
    assert_eq!(
        body_form(&request),
        pairs(&[
            ("order_id", "1551359984"),
            ("merchant_id", ":merchant_id"),
            ("payment_method_type", "CARD"),
            ("payment_method", "MASTERCARD"),
            ("card_number", "4242424242424242"),
            ("card_exp_month", "01"),
            ("card_exp_year", "21"),
            ("card_security_code", "123"),
            ("name_on_card", "Name"),
            ("save_to_locker", "true"),
            ("format", "json"),
            ("auth_type", "OTP"),
        ])
    );
}

#[test]
fn start_authentication_saved_card_reproduces_the_seed_curl() {
    let request = seed_saved_card();
    let http = request.to_http();
    assert_eq!(
        (http.method, http.path.as_str(), http.idempotent),
        (Method::Post, "/txns", false)
    );
    assert_eq!(http.body.content_type(), FORM);
    assert_eq!(
        body_form(&request),
        pairs(&[
            ("order_id", "1551359984"),
            ("merchant_id", ":merchant_id"),
            ("payment_method_type", "CARD"),
            ("card_token", ":card_token"),
            ("format", "json"),
            ("auth_type", "OTP"),
        ])
    );
}

#[test]
fn start_authentication_optional_fields_follow_the_seed_order() {
    let request = seed_saved_card()
        .with_card_security_code(CardSecurityCode::new("card_security_code", "4321").expect("ok"))
        .with_payment_method(PaymentMethod::Rupay)
        .expect("valid")
        .with_gateway_id("RAZORPAY")
        .expect("valid")
        .with_auth_account_id("acc_77")
        .expect("valid");
    assert_eq!(
        body_form(&request),
        pairs(&[
            ("order_id", "1551359984"),
            ("merchant_id", ":merchant_id"),
            ("payment_method_type", "CARD"),
            ("payment_method", "RUPAY"),
            ("card_token", ":card_token"),
            ("card_security_code", "4321"),
            ("format", "json"),
            ("auth_type", "OTP"),
            ("gateway_id", "RAZORPAY"),
            ("auth_account_id", "acc_77"),
        ])
    );

    // A new card without a name or a payment method, not saved to the locker.
    let minimal = StartAuthenticationRequest::new_card(
        "ord1",
        "m1",
        CardNumber::new("card_number", "5555555555554444").expect("ok"),
        ExpiryMonth::new("card_exp_month", "12").expect("ok"),
        ExpiryYear::new("card_exp_year", "30").expect("ok"),
        CardSecurityCode::new("card_security_code", "999").expect("ok"),
        false,
    )
    .expect("valid");
    assert_eq!(
        body_form(&minimal),
        pairs(&[
            ("order_id", "ord1"),
            ("merchant_id", "m1"),
            ("payment_method_type", "CARD"),
            ("card_number", "5555555555554444"),
            ("card_exp_month", "12"),
            ("card_exp_year", "30"),
            ("card_security_code", "999"),
            ("save_to_locker", "false"),
            ("format", "json"),
            ("auth_type", "OTP"),
        ])
    );
}

#[test]
fn card_bin_eligibility_reproduces_the_j_ce_curl() {
    let request = CardBinEligibilityRequest::new("524368", "juspay_merchant").expect("valid");
    let http = request.to_http();
    assert_eq!(http.provider, Provider::JuspayEc);
    assert_eq!(
        (http.method, http.path.as_str(), http.idempotent),
        (
            Method::Get,
            "/cardbins/524368?merchant_id=juspay_merchant&options.check_direct_otp_support=true",
            true
        )
    );
    assert_eq!(http.body.content_type(), None);
    assert!(http.body.bytes().is_empty());

    // A nine-digit BIN, and a merchant id that needs query encoding.
    let encoded = CardBinEligibilityRequest::new("524368123", "m&x y").expect("valid");
    assert_eq!(
        encoded.path(),
        "/cardbins/524368123?merchant_id=m%26x+y&options.check_direct_otp_support=true"
    );
}

#[test]
fn process_otp_reproduces_the_j_potp_curl() {
    let request = ProcessOtpRequest::new(
        "txn_035b4e708d5148478828ea3136a9efd7",
        "ch_xyz",
        Otp::new("answer.otp", "123456").expect("six digits"),
    )
    .expect("valid");
    let http = request.to_http();
    assert_eq!(http.provider, Provider::JuspayEc);
    assert_eq!(
        (http.method, http.path.as_str(), http.idempotent),
        (
            Method::Post,
            "/v2/txns/txn_035b4e708d5148478828ea3136a9efd7/authenticate",
            false
        )
    );
    assert_eq!(http.body.content_type(), FORM);
    assert_eq!(
        body_form(&request),
        pairs(&[("challenge_id", "ch_xyz"), ("answer.otp", "123456")])
    );

    let deferred = request.with_auto_capture(false);
    assert_eq!(
        body_form(&deferred),
        pairs(&[
            ("challenge_id", "ch_xyz"),
            ("answer.otp", "123456"),
            ("auto_capture", "false")
        ])
    );
}

#[test]
fn resend_otp_reproduces_the_j_rotp_curl_with_no_body() {
    let request =
        ResendOtpRequest::new("txn_36dc6eada1d0463da91dc56c8262a8c3", "ch_xyz").expect("valid");
    let http = request.to_http();
    assert_eq!(http.provider, Provider::JuspayEc);
    assert_eq!(
        (http.method, http.path.as_str(), http.idempotent),
        (
            Method::Post,
            "/v2/txns/txn_36dc6eada1d0463da91dc56c8262a8c3/authenticate/ch_xyz/resend",
            false
        )
    );
    assert_eq!(http.body, agentic_core::Body::Empty);
    assert_eq!(http.body.content_type(), None);
}

#[test]
fn path_segments_are_percent_encoded() {
    let request = ResendOtpRequest::new("txn/1 2", "ch?x#y").expect("valid");
    assert_eq!(
        request.path(),
        "/v2/txns/txn%2F1%202/authenticate/ch%3Fx%23y/resend"
    );
    let process =
        ProcessOtpRequest::new("a%b", "ch", Otp::new("answer.otp", "1234").expect("valid"))
            .expect("valid");
    assert_eq!(process.path(), "/v2/txns/a%25b/authenticate");
}

#[test]
fn create_order_is_form_encoded_with_every_field() {
    let request = CreateOrderRequest::new("ord007", "100.15")
        .expect("valid")
        .with_currency("INR")
        .expect("valid")
        .with_customer_id("guest_user_101")
        .expect("valid")
        .with_customer_email("test@example.com")
        .expect("valid")
        .with_customer_phone("919988665522")
        .expect("valid")
        .with_return_url("https://shop.example.com/return")
        .expect("valid")
        .with_client_info("127.0.0.1", "Chrome")
        .expect("valid")
        .request_client_auth_token();
    let http = request.to_http();
    assert_eq!(http.provider, Provider::JuspayEc);
    assert_eq!(http.operation, "juspay_ec.create_order");
    assert_eq!(
        (http.method, http.path.as_str(), http.idempotent),
        (Method::Post, "/orders", false)
    );
    assert_eq!(http.body.content_type(), FORM);
    assert_eq!(
        body_form(&request),
        pairs(&[
            ("order_id", "ord007"),
            ("amount", "100.15"),
            ("currency", "INR"),
            ("customer_id", "guest_user_101"),
            ("customer_email", "test@example.com"),
            ("customer_phone", "919988665522"),
            ("return_url", "https://shop.example.com/return"),
            ("ip_address", "127.0.0.1"),
            ("user_agent", "Chrome"),
            ("options.get_client_auth_token", "true"),
        ])
    );
}

#[test]
fn create_order_minimal_sends_two_decimal_amount() {
    let request = CreateOrderRequest::new("ord008", "10").expect("valid");
    assert_eq!(
        body_form(&request),
        pairs(&[("order_id", "ord008"), ("amount", "10.00")])
    );
    assert_eq!(request.order_id().as_str(), "ord008");
    assert_eq!(request.amount().minor_units(), 1000);
}

#[test]
fn order_status_is_an_idempotent_get() {
    let request = OrderStatusRequest::new("1551359984").expect("valid");
    let http = request.to_http();
    assert_eq!(http.provider, Provider::JuspayEc);
    assert_eq!(http.operation, "juspay_ec.order_status");
    assert_eq!(
        (http.method, http.path.as_str(), http.idempotent),
        (Method::Get, "/orders/1551359984", true)
    );
    assert_eq!(http.body.content_type(), None);
}

// ---------------------------------------------------------------------------------------------
// Responses
// ---------------------------------------------------------------------------------------------

const OTP_SUCCEEDED: &str = r#"{
  "order_id" : ":order_id",
  "txn_id"   : ":txn_id",
  "status"   : "PENDING_VBV",
  "payment"  : {
   "authentication": {
   "method": "POST",
   "url": "https://api.juspay.in/v2/txns/:id/authenticate",
   "params": {
           "id"                    : "eul5g88xxxxxswrHYMh",
           "challenge_id"          : "ch_xyz",
           "auth_type"         : "OTP",
           "card_isin"             : "424242",
           "card_issuer_bank_name" : "AXIS BANK LTD",
           "submit_otp_allowed"    : true,
           "resend_otp_allowed"    : true,
           "fallback_url"          : "https://api.juspay.in/v2/pay/start/guest/eul5g88xxxxxswrHYMh?fallback=true"
      }
   }
  }
}"#;

const OTP_FAILS: &str = r#"{
  "txn_uuid": "eul5g88vzCXbswrHYMh",
  "txn_id": "paypal-1551359984-1",
  "status": "PENDING_VBV",
  "payment": {
      "authentication": {
          "url": "https://api.juspay.in/v2/pay/start/guest/eul5xxxxxCXbswrHYMh",
          "method": "GET"
      }
  },
  "order_id": "1551359984"
}"#;

/// developer.juspay.in/docs/process-otp, with the page's curly quotes straightened and the
/// truncated `payment_gateway_response` completed with Juspay's usual fields.
const PROCESS_OTP_CHARGED: &str = r#"{
  "id": "txn_035b4e708d5148478828ea3136a9efd7",
  "order_id": ":order_id",
  "txn_id": ":txn_id",
  "status": "CHARGED",
  "gateway": "RAZORPAY",
  "created": "2017-05-05T12:12:08Z",
  "resp_code": "00",
  "resp_message": "",
  "payment_info": {
    "payment_method_type": "CARD",
    "payment_method": "VISA",
    "card": {
      "last_four_digits": "",
      "card_isin": "400020",
      "expiry_month": "09",
      "expiry_year": "2020",
      "name_on_card": "",
      "card_type": "",
      "card_issuer": "",
      "card_brand": "VISA",
      "card_reference": "",
      "card_fingerprint": "37sug6sns7p8ubota3md74va3u",
      "using_saved_card": false,
      "saved_to_locker": false
    }
  },
  "payment": {
    "authentication": {
      "method": "POST",
      "url": "https://api.juspay.in/v2/txns/:id/authenticate",
      "params": {
        "id": "8646a7a029974fa99995fec00340a507",
        "challenge_id": "ch_xyz",
        "auth_type": "OTP",
        "card_isin": "424242",
        "card_issuer_bank_name": "AXIS BANK LTD",
        "submit_otp_allowed": true,
        "resend_otp_allowed": false,
        "fallback_url": "https://sandbox.juspay.in/v2/pay/start/guest/eul5g88vzCXbswrHYMh"
      }
    }
  },
  "payment_gateway_response": {
    "created": "2017-05-05T12:12:42Z",
    "txn_id": ":txn_id",
    "rrn": "",
    "epg_txn_id": "pay_7Ht5s3aAqD2lQe",
    "auth_id_code": "",
    "resp_code": "00",
    "resp_message": ""
  },
  "refunded": false
}"#;

const RESEND_SAMPLE: &str = r#"{"order_id":":order_id","txn_id":":txn_id","status":"PENDING_VBV",
  "payment":{"authentication":{"method":"POST","url":"https://api.juspay.in/v2/txns/:id/authenticate",
    "params":{"id":"8646a7a029974fa99995fec00340a507","challenge_id":"ch_xyz","auth_method":"OTP","card_isin":"424242",
              "card_issuer_bank_name":"AXIS BANK LTD","times_otp_sent":2,"max_otp_send_limit":4,
              "current_attempt":1,"max_attempts":4}}}}"#;

fn bare_txn(status: TxnStatus) -> TxnResponse {
    TxnResponse {
        id: None,
        order_id: None,
        txn_id: None,
        txn_uuid: None,
        status,
        gateway: None,
        created: None,
        resp_code: None,
        resp_message: None,
        refunded: None,
        payment_info: None,
        payment: None,
        payment_gateway_response: None,
    }
}

fn challenge(
    method: AuthenticationMethod,
    url: &str,
    params: Option<AuthenticationParams>,
) -> Option<TxnPayment> {
    Some(TxnPayment {
        authentication: Some(Authentication {
            method,
            url: url.to_owned(),
            params,
        }),
    })
}

#[test]
fn otp_succeeded_sample_decodes_to_a_native_otp_challenge() {
    let decoded =
        StartAuthenticationRequest::decode(&json_response(200, OTP_SUCCEEDED)).expect("decodes");
    let expected = TxnResponse {
        order_id: Some(":order_id".into()),
        txn_id: Some(":txn_id".into()),
        payment: challenge(
            AuthenticationMethod::Post,
            "https://api.juspay.in/v2/txns/:id/authenticate",
            Some(AuthenticationParams {
                id: Some("eul5g88xxxxxswrHYMh".into()),
                challenge_id: Some("ch_xyz".into()),
                auth_type: Some(AuthType::Otp),
                card_isin: Some("424242".into()),
                card_issuer_bank_name: Some("AXIS BANK LTD".into()),
                submit_otp_allowed: Some(true),
                resend_otp_allowed: Some(true),
                fallback_url: Some(
                    "https://api.juspay.in/v2/pay/start/guest/eul5g88xxxxxswrHYMh?fallback=true"
                        .into(),
                ),
                times_otp_sent: None,
                max_otp_send_limit: None,
                current_attempt: None,
                max_attempts: None,
            }),
        ),
        ..bare_txn(TxnStatus::PendingVbv)
    };
    assert_eq!(decoded, expected);
    assert_eq!(
        decoded.next_step(),
        NextStep::NativeOtp {
            txn_uuid: "eul5g88xxxxxswrHYMh".into(),
            challenge_id: "ch_xyz".into(),
            resend_allowed: true,
            fallback_url: Some(
                "https://api.juspay.in/v2/pay/start/guest/eul5g88xxxxxswrHYMh?fallback=true".into()
            ),
            times_otp_sent: None,
            max_otp_send_limit: None,
            current_attempt: None,
            max_attempts: None,
        }
    );
    assert!(!decoded.status.is_terminal());
}

#[test]
fn otp_fails_sample_decodes_to_a_redirect() {
    let decoded =
        StartAuthenticationRequest::decode(&json_response(200, OTP_FAILS)).expect("decodes");
    let expected = TxnResponse {
        order_id: Some("1551359984".into()),
        txn_id: Some("paypal-1551359984-1".into()),
        txn_uuid: Some("eul5g88vzCXbswrHYMh".into()),
        payment: challenge(
            AuthenticationMethod::Get,
            "https://api.juspay.in/v2/pay/start/guest/eul5xxxxxCXbswrHYMh",
            None,
        ),
        ..bare_txn(TxnStatus::PendingVbv)
    };
    assert_eq!(decoded, expected);
    assert_eq!(
        decoded.next_step(),
        NextStep::Redirect {
            url: "https://api.juspay.in/v2/pay/start/guest/eul5xxxxxCXbswrHYMh".into()
        }
    );
}

#[test]
fn process_otp_charged_sample_decodes_exactly() {
    let decoded =
        ProcessOtpRequest::decode(&json_response(200, PROCESS_OTP_CHARGED)).expect("decodes");
    let expected = TxnResponse {
        id: Some("txn_035b4e708d5148478828ea3136a9efd7".into()),
        order_id: Some(":order_id".into()),
        txn_id: Some(":txn_id".into()),
        txn_uuid: None,
        status: TxnStatus::Charged,
        gateway: Some("RAZORPAY".into()),
        created: Some("2017-05-05T12:12:08Z".into()),
        resp_code: Some("00".into()),
        resp_message: None,
        refunded: Some(false),
        payment_info: Some(PaymentInfo {
            payment_method_type: Some("CARD".into()),
            payment_method: Some(PaymentMethod::Visa),
            card: Some(PaymentCard {
                last_four_digits: None,
                card_isin: Some("400020".into()),
                expiry_month: Some(secret::<ExpiryMonth>("09")),
                expiry_year: Some(secret::<ExpiryYear>("2020")),
                name_on_card: None,
                card_type: None,
                card_issuer: None,
                card_brand: Some("VISA".into()),
                card_reference: None,
                card_fingerprint: Some("37sug6sns7p8ubota3md74va3u".into()),
                using_saved_card: Some(false),
                saved_to_locker: Some(false),
            }),
        }),
        payment: challenge(
            AuthenticationMethod::Post,
            "https://api.juspay.in/v2/txns/:id/authenticate",
            Some(AuthenticationParams {
                id: Some("8646a7a029974fa99995fec00340a507".into()),
                challenge_id: Some("ch_xyz".into()),
                auth_type: Some(AuthType::Otp),
                card_isin: Some("424242".into()),
                card_issuer_bank_name: Some("AXIS BANK LTD".into()),
                submit_otp_allowed: Some(true),
                resend_otp_allowed: Some(false),
                fallback_url: Some(
                    "https://sandbox.juspay.in/v2/pay/start/guest/eul5g88vzCXbswrHYMh".into(),
                ),
                ..AuthenticationParams::default()
            }),
        ),
        payment_gateway_response: Some(PaymentGatewayResponse {
            created: Some("2017-05-05T12:12:42Z".into()),
            txn_id: Some(":txn_id".into()),
            rrn: None,
            epg_txn_id: Some("pay_7Ht5s3aAqD2lQe".into()),
            auth_id_code: None,
            resp_code: Some("00".into()),
            resp_message: None,
        }),
    };
    assert_eq!(decoded, expected);
    assert!(decoded.status.is_success());
    assert!(decoded.status.is_terminal());
    // The challenge is echoed, but the payment is done: nothing left to authenticate.
    assert_eq!(decoded.next_step(), NextStep::None);
}

#[test]
fn resend_sample_decodes_with_counts_and_auth_method_spelling() {
    let decoded = ResendOtpRequest::decode(&json_response(200, RESEND_SAMPLE)).expect("decodes");
    let expected = TxnResponse {
        order_id: Some(":order_id".into()),
        txn_id: Some(":txn_id".into()),
        payment: challenge(
            AuthenticationMethod::Post,
            "https://api.juspay.in/v2/txns/:id/authenticate",
            Some(AuthenticationParams {
                id: Some("8646a7a029974fa99995fec00340a507".into()),
                challenge_id: Some("ch_xyz".into()),
                auth_type: Some(AuthType::Otp),
                card_isin: Some("424242".into()),
                card_issuer_bank_name: Some("AXIS BANK LTD".into()),
                submit_otp_allowed: None,
                resend_otp_allowed: None,
                fallback_url: None,
                times_otp_sent: Some(2),
                max_otp_send_limit: Some(4),
                current_attempt: Some(1),
                max_attempts: Some(4),
            }),
        ),
        ..bare_txn(TxnStatus::PendingVbv)
    };
    assert_eq!(decoded, expected);
    assert_eq!(
        decoded.next_step(),
        NextStep::NativeOtp {
            txn_uuid: "8646a7a029974fa99995fec00340a507".into(),
            challenge_id: "ch_xyz".into(),
            resend_allowed: true,
            fallback_url: None,
            times_otp_sent: Some(2),
            max_otp_send_limit: Some(4),
            current_attempt: Some(1),
            max_attempts: Some(4),
        }
    );
}

#[test]
fn card_bin_sample_decodes_exactly() {
    let body = r#"{"id":"524368","object":"cardbin","brand":"Master Card","bank":"HDFC Bank","country":"India","type":"CREDIT","direct_otp_support":true}"#;
    let decoded = CardBinEligibilityRequest::decode(&json_response(200, body)).expect("decodes");
    assert_eq!(
        decoded,
        CardBinInfo {
            id: Some("524368".into()),
            object: Some("cardbin".into()),
            brand: Some("Master Card".into()),
            bank: Some("HDFC Bank".into()),
            country: Some("India".into()),
            card_type: Some(CardType::Credit),
            direct_otp_support: Some(true),
            juspay_bank_code: None,
            card_sub_type: None,
            expired: None,
            atm_pin_auth_support: None,
            mandate_support: None,
        }
    );
    assert!(decoded.supports_direct_otp());
}

#[test]
fn card_bin_card_info_fields_and_strings_decode() {
    let body = r#"{"id":524368,"object":"cardbin","type":"PREPAID","direct_otp_support":"false",
        "juspay_bank_code":"JP_HDFC","card_sub_type":"PLATINUM","expired":"false",
        "atm_pin_auth_support":true,"mandate_support":"TRUE","extended":{"x":1}}"#;
    let decoded = CardBinEligibilityRequest::decode(&json_response(200, body)).expect("decodes");
    assert_eq!(decoded.id.as_deref(), Some("524368"));
    assert_eq!(decoded.card_type, Some(CardType::Unknown("PREPAID".into())));
    assert_eq!(decoded.direct_otp_support, Some(false));
    assert!(!decoded.supports_direct_otp());
    assert_eq!(decoded.juspay_bank_code.as_deref(), Some("JP_HDFC"));
    assert_eq!(decoded.card_sub_type.as_deref(), Some("PLATINUM"));
    assert_eq!(
        (
            decoded.expired,
            decoded.atm_pin_auth_support,
            decoded.mandate_support
        ),
        (Some(false), Some(true), Some(true))
    );
}

#[test]
fn create_order_response_decodes_with_a_redacted_client_auth_token() {
    let body = r#"{"status":"NEW","status_id":1,"id":"ordeh_d6b4f2ac8e7b4c3a9f6d","order_id":"ord007",
        "payment_links":{"web":"https://api.juspay.in/merchant/pay/ordeh_d6b4f2ac8e7b4c3a9f6d",
                         "mobile":"https://api.juspay.in/merchant/pay/ordeh_d6b4f2ac8e7b4c3a9f6d?mobile=true",
                         "iframe":"https://api.juspay.in/merchant/ipay/ordeh_d6b4f2ac8e7b4c3a9f6d"},
        "juspay":{"client_auth_token":"tkn_9f1c2e7a55d04b0e","client_auth_token_expiry":"2024-01-01T10:15:00Z"}}"#;
    let decoded = CreateOrderRequest::decode(&json_response(200, body)).expect("decodes");
    assert_eq!(
        decoded,
        CreateOrderResponse {
            status: Some(TxnStatus::New),
            status_id: Some(1),
            id: Some("ordeh_d6b4f2ac8e7b4c3a9f6d".into()),
            order_id: Some("ord007".into()),
            payment_links: Some(PaymentLinks {
                web: Some("https://api.juspay.in/merchant/pay/ordeh_d6b4f2ac8e7b4c3a9f6d".into()),
                mobile: Some(
                    "https://api.juspay.in/merchant/pay/ordeh_d6b4f2ac8e7b4c3a9f6d?mobile=true"
                        .into()
                ),
                iframe: Some(
                    "https://api.juspay.in/merchant/ipay/ordeh_d6b4f2ac8e7b4c3a9f6d".into()
                ),
            }),
            juspay: Some(ClientAuth {
                client_auth_token: Some(
                    ClientAuthToken::new("client_auth_token", "tkn_9f1c2e7a55d04b0e").expect("ok")
                ),
                client_auth_token_expiry: Some("2024-01-01T10:15:00Z".into()),
            }),
        }
    );
    assert!(!format!("{decoded:?}").contains("tkn_9f1c2e7a55d04b0e"));
}

const ORDER_STATUS_SAMPLE: &str = r#"{"id":"ordeh_d6b4f2ac8e7b4c3a9f6d","order_id":"1551359984",
    "status":"CHARGED","status_id":21,"amount":100.15,"currency":"INR","txn_id":"paypal-1551359984-1",
    "txn_uuid":"eul5g88vzCXbswrHYMh","refunded":false,"customer_id":"guest_user_101",
    "payment_method_type":"CARD","payment_method":"VISA",
    "card":{"expiry_month":"09","expiry_year":"2030","card_isin":"424242","last_four_digits":"4242"}}"#;

#[test]
fn order_status_decodes_the_typed_fields_and_keeps_the_raw_body() {
    let decoded =
        OrderStatusRequest::decode(&json_response(200, ORDER_STATUS_SAMPLE)).expect("decodes");
    assert_eq!(
        decoded,
        OrderStatusResponse {
            order_id: Some("1551359984".into()),
            id: Some("ordeh_d6b4f2ac8e7b4c3a9f6d".into()),
            status: TxnStatus::Charged,
            status_id: Some(21),
            amount: Some("100.15".into()),
            currency: Some("INR".into()),
            txn_id: Some("paypal-1551359984-1".into()),
            txn_uuid: Some("eul5g88vzCXbswrHYMh".into()),
            refunded: Some(false),
            raw: serde_json::from_str(ORDER_STATUS_SAMPLE).expect("raw"),
        }
    );
    assert_eq!(decoded.raw.expose()["card"]["last_four_digits"], "4242");
    assert!(decoded.amount_matches(Amount::parse("amount", "100.15").expect("valid")));
    assert!(!decoded.amount_matches(Amount::parse("amount", "100.16").expect("valid")));
    // The raw body holds card data: Debug must not show it.
    let debug = format!("{decoded:?}");
    assert!(debug.contains("RawJson(<redacted>)"));
    assert!(!debug.contains("2030"));
}

#[test]
fn order_status_amount_as_string_and_status_id_as_string() {
    let body = r#"{"order_id":"o1","status":"PENDING_VBV","status_id":"23","amount":"100"}"#;
    let decoded = OrderStatusRequest::decode(&json_response(200, body)).expect("decodes");
    assert_eq!(decoded.status_id, Some(23));
    assert!(decoded.amount_matches(Amount::parse("amount", "100.00").expect("valid")));
    assert!(!decoded.status.is_terminal());
}

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

fn assert_error(
    error: &ApiError,
    http_status: u16,
    code: &str,
    provider_category: &str,
    category: ErrorCategory,
    message: &str,
    recovery: Recovery,
) {
    assert_eq!(error.provider, Provider::JuspayEc);
    assert_eq!(error.http_status, http_status);
    assert_eq!(error.code.as_deref(), Some(code));
    assert_eq!(error.provider_category.as_deref(), Some(provider_category));
    assert_eq!(error.category, category);
    assert_eq!(error.message, message);
    assert_eq!(error.recovery, recovery);
}

#[test]
fn start_authentication_400_is_an_invalid_request() {
    let response = json_response(
        400,
        r#"{"status":"invalid_request_error","error_code":"invalid","error_message":"Invalid authentication account id"}"#,
    );
    let error = StartAuthenticationRequest::decode(&response).expect_err("400");
    assert_error(
        &error,
        400,
        "invalid",
        "invalid_request_error",
        ErrorCategory::InvalidRequest,
        "Invalid authentication account id",
        Recovery::FixRequest,
    );
    assert!(!error.retryable);
}

#[test]
fn start_authentication_401_is_an_authentication_error() {
    let response = json_response(
        401,
        r#"{"status":"error","error_code":"access_denied","error_message":"Invalid Authentication"}"#,
    );
    let error = StartAuthenticationRequest::decode(&response).expect_err("401");
    assert_error(
        &error,
        401,
        "access_denied",
        "error",
        ErrorCategory::Authentication,
        "Invalid Authentication",
        Recovery::CheckCredentials,
    );
}

#[test]
fn resend_max_limit_exceeded_is_limit_exceeded_on_any_status() {
    let body = r#"{"status":"Invalid Request","error_code":"max_limit_exceeded","error_message":"Max OTP send limit exceeded."}"#;
    for http_status in [400, 200] {
        let error =
            ResendOtpRequest::decode(&json_response(http_status, body)).expect_err("an error");
        assert_error(
            &error,
            http_status,
            "max_limit_exceeded",
            "Invalid Request",
            ErrorCategory::LimitExceeded,
            "Max OTP send limit exceeded.",
            Recovery::ChooseAnotherMethod,
        );
    }
}

#[test]
fn card_bin_error_without_a_message_still_decodes() {
    let response = json_response(
        400,
        r#"{"status":"invalid_request_error","error_code":"invalid"}"#,
    );
    let error = CardBinEligibilityRequest::decode(&response).expect_err("400");
    assert_error(
        &error,
        400,
        "invalid",
        "invalid_request_error",
        ErrorCategory::InvalidRequest,
        "the provider reported an error without a message",
        Recovery::FixRequest,
    );
    let unauthorized = json_response(
        401,
        r#"{"status":"error","error_code":"access_denied","error_message":"Invalid Authentication"}"#,
    );
    let error = CardBinEligibilityRequest::decode(&unauthorized).expect_err("401");
    assert_eq!(error.category, ErrorCategory::Authentication);
}

#[test]
fn a_txn_response_without_status_is_malformed_and_must_be_reconciled() {
    let response = json_response(200, r#"{"order_id":"o1","txn_id":"t1"}"#);
    let error = ProcessOtpRequest::decode(&response).expect_err("no status");
    assert_eq!(error.category, ErrorCategory::MalformedResponse);
    assert_eq!(error.recovery, Recovery::Reconcile);
    // An idempotent read is simply malformed.
    let error = OrderStatusRequest::decode(&response).expect_err("no status");
    assert_eq!(error.category, ErrorCategory::MalformedResponse);
    assert_eq!(error.recovery, Recovery::ContactSupport);
}

#[test]
fn a_non_json_502_is_a_server_error() {
    let response = HttpResponse {
        status: 502,
        content_type: Some("text/html".into()),
        request_id: None,
        body: b"<html>Bad Gateway</html>".to_vec().into(),
    };
    let error = StartAuthenticationRequest::decode(&response).expect_err("502");
    assert_eq!(error.category, ErrorCategory::ServerError);
}

// ---------------------------------------------------------------------------------------------
// Tolerance and the decision rule
// ---------------------------------------------------------------------------------------------

#[test]
fn unknown_status_strings_booleans_counts_and_extra_fields_decode() {
    let body = r#"{"order_id":1551359984,"txn_id":"t1","txn_uuid":"uuid1","status":"PARTIAL_CHARGED",
        "future_field":{"nested":[1,2]},
        "payment":{"authentication":{"method":"POST","url":"https://x/authenticate","extra":true,
          "params":{"id":"p1","challenge_id":"c1","auth_type":"OTP","submit_otp_allowed":"true",
                    "resend_otp_allowed":"false","times_otp_sent":"1","max_otp_send_limit":"3",
                    "current_attempt":"2","max_attempts":"5","new_param":"x"}}}}"#;
    let decoded = StartAuthenticationRequest::decode(&json_response(200, body)).expect("decodes");
    assert_eq!(decoded.status, TxnStatus::Unknown("PARTIAL_CHARGED".into()));
    assert_eq!(decoded.order_id.as_deref(), Some("1551359984"));
    let params = decoded
        .authentication()
        .and_then(|a| a.params.clone())
        .expect("params");
    assert_eq!(
        params,
        AuthenticationParams {
            id: Some("p1".into()),
            challenge_id: Some("c1".into()),
            auth_type: Some(AuthType::Otp),
            card_isin: None,
            card_issuer_bank_name: None,
            submit_otp_allowed: Some(true),
            resend_otp_allowed: Some(false),
            fallback_url: None,
            times_otp_sent: Some(1),
            max_otp_send_limit: Some(3),
            current_attempt: Some(2),
            max_attempts: Some(5),
        }
    );
    // An unknown status defers to the authentication block (J-SA: do not validate the status).
    assert_eq!(
        decoded.next_step(),
        NextStep::NativeOtp {
            txn_uuid: "p1".into(),
            challenge_id: "c1".into(),
            resend_allowed: false,
            fallback_url: None,
            times_otp_sent: Some(1),
            max_otp_send_limit: Some(3),
            current_attempt: Some(2),
            max_attempts: Some(5),
        }
    );
}

#[test]
fn auth_type_and_auth_method_together_decode() {
    // API.md §8: J-SA documents `auth_method` but its sample sends `auth_type`; a body with
    // both must not fail as a duplicate field.
    let body = r#"{"status":"PENDING_VBV","payment":{"authentication":{"method":"POST","url":"https://x",
        "params":{"id":"p1","challenge_id":"c1","auth_type":"OTP","auth_method":"SMS_OTP"}}}}"#;
    let decoded = StartAuthenticationRequest::decode(&json_response(200, body)).expect("decodes");
    let params = decoded
        .authentication()
        .and_then(|a| a.params.clone())
        .expect("params");
    assert_eq!(params.auth_type, Some(AuthType::Otp));
    assert!(matches!(decoded.next_step(), NextStep::NativeOtp { .. }));

    // A bad value inside params is still a malformed response, located at `params`.
    let bad = r#"{"status":"PENDING_VBV","payment":{"authentication":{"method":"POST","url":"https://x",
        "params":{"times_otp_sent":"many"}}}}"#;
    let error =
        StartAuthenticationRequest::decode(&json_response(200, bad)).expect_err("bad count");
    assert_eq!(error.category, ErrorCategory::MalformedResponse);
    assert!(error.message.contains("payment.authentication.params"));
    assert!(!error.message.contains("many"));
}

#[test]
fn unknown_enum_spellings_are_kept() {
    let body = r#"{"status":"PENDING_VBV","payment_info":{"payment_method":"DINERS"},
        "payment":{"authentication":{"method":"PUT","url":"https://x","params":{"auth_type":"BIOMETRIC",
        "fallback_url":"https://bank/fallback"}}}}"#;
    let decoded = ProcessOtpRequest::decode(&json_response(200, body)).expect("decodes");
    let auth = decoded.authentication().expect("authentication");
    assert_eq!(auth.method, AuthenticationMethod::Unknown("PUT".into()));
    assert_eq!(
        auth.params.as_ref().and_then(|p| p.auth_type.clone()),
        Some(AuthType::Unknown("BIOMETRIC".into()))
    );
    assert_eq!(
        decoded.payment_info.and_then(|p| p.payment_method),
        Some(PaymentMethod::Unknown("DINERS".into()))
    );
    // An unknown method: the fallback page is the only safe way on.
    let decoded = ProcessOtpRequest::decode(&json_response(200, body)).expect("decodes");
    assert_eq!(
        decoded.next_step(),
        NextStep::Redirect {
            url: "https://bank/fallback".into()
        }
    );
}

fn post_challenge(status: TxnStatus, params: AuthenticationParams) -> TxnResponse {
    TxnResponse {
        payment: challenge(
            AuthenticationMethod::Post,
            "https://api.juspay.in/v2/txns/x/authenticate",
            Some(params),
        ),
        ..bare_txn(status)
    }
}

fn native_params() -> AuthenticationParams {
    AuthenticationParams {
        id: Some("p1".into()),
        challenge_id: Some("c1".into()),
        fallback_url: Some("https://bank/fallback".into()),
        ..AuthenticationParams::default()
    }
}

#[test]
fn next_step_decision_rule_table() {
    let native = |resend_allowed, times_otp_sent, max_otp_send_limit| NextStep::NativeOtp {
        txn_uuid: "p1".into(),
        challenge_id: "c1".into(),
        resend_allowed,
        fallback_url: Some("https://bank/fallback".into()),
        times_otp_sent,
        max_otp_send_limit,
        current_attempt: None,
        max_attempts: None,
    };
    let fallback = NextStep::Redirect {
        url: "https://bank/fallback".into(),
    };
    let cases: Vec<(&str, TxnResponse, NextStep)> = vec![
        (
            "challenge with no flags: submit and resend allowed",
            post_challenge(TxnStatus::PendingVbv, native_params()),
            native(true, None, None),
        ),
        (
            "submit_otp_allowed=false falls back to the bank page",
            post_challenge(
                TxnStatus::PendingVbv,
                AuthenticationParams {
                    submit_otp_allowed: Some(false),
                    ..native_params()
                },
            ),
            fallback.clone(),
        ),
        (
            "submit_otp_allowed=false without a fallback: nothing to do",
            post_challenge(
                TxnStatus::PendingVbv,
                AuthenticationParams {
                    submit_otp_allowed: Some(false),
                    fallback_url: None,
                    ..native_params()
                },
            ),
            NextStep::None,
        ),
        (
            "POST without a challenge id falls back",
            post_challenge(
                TxnStatus::PendingVbv,
                AuthenticationParams {
                    challenge_id: None,
                    ..native_params()
                },
            ),
            fallback.clone(),
        ),
        (
            "send limit reached: no resend even if the flag is absent",
            post_challenge(
                TxnStatus::PendingVbv,
                AuthenticationParams {
                    times_otp_sent: Some(4),
                    max_otp_send_limit: Some(4),
                    ..native_params()
                },
            ),
            native(false, Some(4), Some(4)),
        ),
        (
            "terminal failure: nothing to do",
            post_challenge(TxnStatus::AuthenticationFailed, native_params()),
            NextStep::None,
        ),
        (
            "authorizing: past authentication",
            post_challenge(TxnStatus::Authorizing, native_params()),
            NextStep::None,
        ),
        (
            "no authentication block",
            bare_txn(TxnStatus::PendingVbv),
            NextStep::None,
        ),
        (
            "GET with an empty url",
            TxnResponse {
                payment: challenge(AuthenticationMethod::Get, " ", None),
                ..bare_txn(TxnStatus::PendingVbv)
            },
            NextStep::None,
        ),
        (
            "POST without params",
            TxnResponse {
                payment: challenge(AuthenticationMethod::Post, "https://x", None),
                ..bare_txn(TxnStatus::PendingVbv)
            },
            NextStep::None,
        ),
    ];
    for (name, response, expected) in cases {
        assert_eq!(response.next_step(), expected, "{name}");
    }

    // Without params.id the txn_uuid addresses /authenticate.
    let by_uuid = TxnResponse {
        txn_uuid: Some("uuid9".into()),
        ..post_challenge(
            TxnStatus::PendingVbv,
            AuthenticationParams {
                id: None,
                ..native_params()
            },
        )
    };
    assert!(matches!(
        by_uuid.next_step(),
        NextStep::NativeOtp { txn_uuid, .. } if txn_uuid == "uuid9"
    ));
}

#[test]
fn txn_status_classification_table() {
    use TxnStatus as S;
    // (status, wire spelling, success, failure, terminal)
    let table = [
        (S::New, "NEW", false, false, false),
        (S::Started, "STARTED", false, false, false),
        (S::Charged, "CHARGED", true, false, true),
        (S::JuspayDeclined, "JUSPAY_DECLINED", false, true, true),
        (S::PendingVbv, "PENDING_VBV", false, false, false),
        (S::VbvSuccessful, "VBV_SUCCESSFUL", false, false, false),
        (S::Authorized, "AUTHORIZED", true, false, true),
        (
            S::AuthenticationFailed,
            "AUTHENTICATION_FAILED",
            false,
            true,
            true,
        ),
        (
            S::AuthorizationFailed,
            "AUTHORIZATION_FAILED",
            false,
            true,
            true,
        ),
        (S::Authorizing, "AUTHORIZING", false, false, false),
        (S::Voided, "VOIDED", false, false, true),
        (S::VoidInitiated, "VOID_INITIATED", false, false, false),
        (
            S::CaptureInitiated,
            "CAPTURE_INITIATED",
            false,
            false,
            false,
        ),
        (S::CaptureFailed, "CAPTURE_FAILED", false, false, true),
        (S::VoidFailed, "VOID_FAILED", false, false, true),
        (S::AutoRefunded, "AUTO_REFUNDED", false, false, true),
        (S::NotFound, "NOT_FOUND", false, false, false),
        (
            S::Unknown("SOMETHING_NEW".into()),
            "SOMETHING_NEW",
            false,
            false,
            false,
        ),
    ];
    for (status, wire, success, failure, terminal) in table {
        assert_eq!(TxnStatus::parse(wire), status, "{wire}");
        assert_eq!(status.as_str(), wire);
        assert_eq!(
            (
                status.is_success(),
                status.is_failure(),
                status.is_terminal()
            ),
            (success, failure, terminal),
            "{wire}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Invalid input
// ---------------------------------------------------------------------------------------------

fn invalid(field: &'static str, problem: Problem) -> InvalidInput {
    InvalidInput { field, problem }
}

fn format(expected: &'static str) -> Problem {
    Problem::Format { expected }
}

#[test]
fn invalid_inputs_name_the_field_and_the_problem() {
    let otp = || Otp::new("answer.otp", "123456").expect("valid");
    let cases: Vec<(&str, Result<(), InvalidInput>, InvalidInput)> = vec![
        (
            "order_id with a dash",
            CreateOrderRequest::new("ord-1", "10").map(drop),
            invalid("order_id", Problem::NotAlphanumeric),
        ),
        (
            "order_id of 21 characters",
            CreateOrderRequest::new("abcdefghij0123456789k", "10").map(drop),
            invalid("order_id", Problem::TooLong { max: 20 }),
        ),
        (
            "empty order_id",
            OrderStatusRequest::new("").map(drop),
            invalid("order_id", Problem::Empty),
        ),
        (
            "order_id on /txns",
            seed_saved_card_with_order("ord 1"),
            invalid("order_id", Problem::NotAlphanumeric),
        ),
        (
            "amount 0",
            CreateOrderRequest::new("ord1", "0").map(drop),
            invalid("amount", Problem::NotPositive),
        ),
        (
            "amount with three decimals",
            CreateOrderRequest::new("ord1", "1.234").map(drop),
            invalid("amount", Problem::TooManyDecimals),
        ),
        (
            "amount not a number",
            CreateOrderRequest::new("ord1", "abc").map(drop),
            invalid("amount", format("a decimal number such as 92.65")),
        ),
        (
            "BIN of 5 digits",
            CardBinEligibilityRequest::new("52436", "m1").map(drop),
            invalid("card_bin", Problem::WrongLength { min: 6, max: 9 }),
        ),
        (
            "BIN of 10 digits",
            CardBinEligibilityRequest::new("5243681234", "m1").map(drop),
            invalid("card_bin", Problem::WrongLength { min: 6, max: 9 }),
        ),
        (
            "BIN with letters",
            CardBinEligibilityRequest::new("52436a", "m1").map(drop),
            invalid("card_bin", Problem::NotDigits),
        ),
        (
            "empty merchant_id on /cardbins",
            CardBinEligibilityRequest::new("524368", "").map(drop),
            invalid("merchant_id", Problem::Empty),
        ),
        (
            "card number failing Luhn",
            CardNumber::new("card_number", "4242424242424241").map(drop),
            invalid("card_number", Problem::FailsLuhn),
        ),
        (
            "card number too short",
            CardNumber::new("card_number", "42424242").map(drop),
            invalid("card_number", Problem::WrongLength { min: 12, max: 19 }),
        ),
        (
            "CVV of 2 digits",
            CardSecurityCode::new("card_security_code", "12").map(drop),
            invalid(
                "card_security_code",
                Problem::WrongLength { min: 3, max: 4 },
            ),
        ),
        (
            "expiry month 13",
            ExpiryMonth::new("card_exp_month", "13").map(drop),
            invalid("card_exp_month", Problem::OutOfRange { min: 1, max: 12 }),
        ),
        (
            "expiry month of 1 digit",
            ExpiryMonth::new("card_exp_month", "1").map(drop),
            invalid("card_exp_month", Problem::WrongLength { min: 2, max: 2 }),
        ),
        (
            "expiry year of 4 digits",
            ExpiryYear::new("card_exp_year", "2021").map(drop),
            invalid("card_exp_year", Problem::WrongLength { min: 2, max: 2 }),
        ),
        (
            "OTP with letters",
            Otp::new("answer.otp", "12ab56").map(drop),
            invalid("answer.otp", Problem::NotDigits),
        ),
        (
            "empty card token",
            CardToken::new("card_token", "").map(drop),
            invalid("card_token", Problem::Empty),
        ),
        (
            "empty merchant_id on /txns",
            StartAuthenticationRequest::saved_card(
                "ord1",
                "",
                CardToken::new("card_token", "tok").expect("valid"),
            )
            .map(drop),
            invalid("merchant_id", Problem::Empty),
        ),
        (
            "empty challenge id on process",
            ProcessOtpRequest::new("txn1", "", otp()).map(drop),
            invalid("challenge_id", Problem::Empty),
        ),
        (
            "blank txn id on process",
            ProcessOtpRequest::new("  ", "ch_xyz", otp()).map(drop),
            invalid("id", Problem::Empty),
        ),
        (
            "empty challenge id on resend",
            ResendOtpRequest::new("txn1", "").map(drop),
            invalid("challenge_id", Problem::Empty),
        ),
        (
            "dot-dot txn id on resend",
            ResendOtpRequest::new("..", "ch_xyz").map(drop),
            invalid("id", format("an identifier other than `.` or `..`")),
        ),
        (
            "lower-case currency",
            CreateOrderRequest::new("ord1", "10")
                .and_then(|r| r.with_currency("inr"))
                .map(drop),
            invalid(
                "currency",
                format("an ISO 4217 code: three uppercase letters or three digits"),
            ),
        ),
        (
            "email without @",
            CreateOrderRequest::new("ord1", "10")
                .and_then(|r| r.with_customer_email("nobody.example.com"))
                .map(drop),
            invalid("customer_email", format("an email address")),
        ),
        (
            "phone with letters",
            CreateOrderRequest::new("ord1", "10")
                .and_then(|r| r.with_customer_phone("99-CALL-ME"))
                .map(drop),
            invalid(
                "customer_phone",
                format("a phone number: 6 to 15 digits, optionally after `+`"),
            ),
        ),
        (
            "return_url with a query",
            CreateOrderRequest::new("ord1", "10")
                .and_then(|r| r.with_return_url("https://shop.example.com/r?x=1"))
                .map(drop),
            invalid(
                "return_url",
                format("an absolute http(s) URL without query parameters or an IP-address host"),
            ),
        ),
        (
            "return_url on an IP address",
            CreateOrderRequest::new("ord1", "10")
                .and_then(|r| r.with_return_url("http://10.0.0.1:8080/return"))
                .map(drop),
            invalid(
                "return_url",
                format("an absolute http(s) URL without query parameters or an IP-address host"),
            ),
        ),
        (
            "ip_address out of range",
            CreateOrderRequest::new("ord1", "10")
                .and_then(|r| r.with_client_info("999.1.1.1", "Chrome"))
                .map(drop),
            invalid("ip_address", format("an IPv4 or IPv6 address")),
        ),
        (
            "empty user_agent",
            CreateOrderRequest::new("ord1", "10")
                .and_then(|r| r.with_client_info("::1", ""))
                .map(drop),
            invalid("user_agent", Problem::Empty),
        ),
        (
            "name_on_card with a digit",
            seed_new_card().with_name_on_card("N4me").map(drop),
            invalid("name_on_card", format("letters and spaces only")),
        ),
        (
            "blank unknown payment_method",
            seed_saved_card()
                .with_payment_method(PaymentMethod::Unknown(" ".into()))
                .map(drop),
            invalid("payment_method", Problem::Empty),
        ),
        (
            "empty gateway_id",
            seed_saved_card().with_gateway_id("").map(drop),
            invalid("gateway_id", Problem::Empty),
        ),
    ];
    assert!(cases.len() >= 15);
    for (name, result, expected) in cases {
        assert_eq!(result, Err(expected), "{name}");
    }
}

fn seed_saved_card_with_order(order_id: &str) -> Result<(), InvalidInput> {
    StartAuthenticationRequest::saved_card(
        order_id,
        ":merchant_id",
        CardToken::new("card_token", "tok").expect("valid"),
    )
    .map(drop)
}

#[test]
fn valid_optional_order_fields_are_accepted() {
    let request = CreateOrderRequest::new("ord1", "0.01")
        .and_then(|r| r.with_customer_phone("+919988665522"))
        .and_then(|r| r.with_return_url("http://localhost:3000/return"))
        .and_then(|r| r.with_client_info("2001:db8::1", "Mozilla/5.0"));
    assert!(request.is_ok());
}

// ---------------------------------------------------------------------------------------------
// Secrets
// ---------------------------------------------------------------------------------------------

#[test]
fn debug_of_secret_bearing_requests_shows_no_secret() {
    const PAN: &str = "4111111111111111";
    const CVV: &str = "9817";
    const TOKEN: &str = "ctkn_5a8f2c1e9b7d";
    const OTP: &str = "564738";

    let new_card = StartAuthenticationRequest::new_card(
        "ord42",
        "merchant42",
        CardNumber::new("card_number", PAN).expect("valid"),
        ExpiryMonth::new("card_exp_month", "07").expect("valid"),
        ExpiryYear::new("card_exp_year", "29").expect("valid"),
        CardSecurityCode::new("card_security_code", CVV).expect("valid"),
        false,
    )
    .expect("valid");
    let saved = StartAuthenticationRequest::saved_card(
        "ord42",
        "merchant42",
        CardToken::new("card_token", TOKEN).expect("valid"),
    )
    .expect("valid")
    .with_card_security_code(CardSecurityCode::new("card_security_code", CVV).expect("valid"));
    let process =
        ProcessOtpRequest::new("txn42", "ch42", Otp::new("answer.otp", OTP).expect("valid"))
            .expect("valid");

    let outputs = [
        format!("{new_card:?}"),
        format!("{:?}", new_card.to_http()),
        format!("{saved:?}"),
        format!("{:?}", saved.to_http()),
        format!("{process:?}"),
        format!("{:?}", process.to_http()),
        format!("{new_card:#?}"),
    ];
    for output in &outputs {
        for secret in [PAN, CVV, TOKEN, OTP] {
            assert!(!output.contains(secret), "{secret} leaked in {output}");
        }
    }
    assert!(outputs[0].contains("CardNumber(<redacted>)"));
    assert!(outputs[0].contains("ExpiryMonth(<redacted>)"));
    assert!(outputs[2].contains("CardToken(<redacted>)"));
    assert!(outputs[4].contains("Otp(<redacted>)"));

    // The bodies do carry them: they are what is sent.
    assert!(body_form(&new_card).contains(&("card_number".into(), PAN.into())));
    assert!(body_form(&saved).contains(&("card_token".into(), TOKEN.into())));
    assert!(body_form(&process).contains(&("answer.otp".into(), OTP.into())));
}

#[test]
fn debug_of_a_decoded_txn_redacts_the_card_expiry() {
    let decoded =
        ProcessOtpRequest::decode(&json_response(200, PROCESS_OTP_CHARGED)).expect("decodes");
    let debug = format!("{decoded:?}");
    assert!(debug.contains("ExpiryMonth(<redacted>)"));
    assert!(debug.contains("ExpiryYear(<redacted>)"));
    assert!(!debug.contains("2020"));
}
