//! Visa Acceptance TMS routes of the sandbox, over plain HTTP: every branch of
//! authentication-options, one-time-passwords, validate and authentication-registrations, the
//! order of steps, the exact error bodies, and the `otps_sent` counter.

use agentic_sandbox::visa_acceptance::{
    APP_TO_APP_VALUE, CUSTOMER_SERVICE_VALUE, EMAIL_VALUE, RIGHT_ISSUER_AUTH_CODE, SMS_VALUE,
    approve_step_up_out_of_band, expire_otps,
};
use agentic_sandbox::{Sandbox, magic, page};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const OPTIONS: &str = "/authentication-options";
const OTP: &str = "/authentication-options/one-time-passwords";
const VALIDATE: &str = "/authentication-options/validate";
const REGISTRATIONS: &str = "/authentication-registrations";

struct Va {
    sandbox: Sandbox,
    agent: ureq::Agent,
}

struct Answer {
    status: u16,
    body: Value,
    correlation_header: Option<String>,
}

impl Va {
    fn start() -> Self {
        let sandbox = Sandbox::start().expect("sandbox starts");
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        Self { sandbox, agent }
    }

    fn secure_token(&self) -> String {
        page::new_session(self.sandbox.shared())
    }

    fn otps_sent(&self) -> u64 {
        self.sandbox.counters().otps_sent
    }

    /// POSTs `body` with `content_type`, signed as Cybersource's HTTP Signature (the sandbox's
    /// signature layer accepts it; without the layer the headers are ignored).
    fn send(
        &self,
        token_path: &str,
        suffix: &str,
        content_type: Option<&str>,
        body: &str,
    ) -> Answer {
        let config = self.sandbox.config();
        let target = format!("/tms/v2/tokenized-cards/{token_path}{suffix}");
        let host = self.sandbox.addr().to_string();
        let date = httpdate::fmt_http_date(std::time::SystemTime::now());
        let digest = format!(
            "SHA-256={}",
            STANDARD.encode(Sha256::digest(body.as_bytes()))
        );
        let signing = format!(
            "host: {host}\ndate: {date}\n(request-target): post {target}\ndigest: {digest}\nv-c-merchant-id: {}",
            config.visa_merchant_id
        );
        let key = STANDARD
            .decode(&config.visa_shared_secret)
            .expect("secret is base64");
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&key).expect("hmac key");
        mac.update(signing.as_bytes());
        let signature = format!(
            r#"keyid="{}", algorithm="HmacSHA256", headers="host date (request-target) digest v-c-merchant-id", signature="{}""#,
            config.visa_key_id,
            STANDARD.encode(mac.finalize().into_bytes())
        );
        let mut request = self
            .agent
            .post(format!("{}{target}", self.sandbox.base_url()))
            .header("host", &host)
            .header("date", &date)
            .header("digest", &digest)
            .header("v-c-merchant-id", &config.visa_merchant_id)
            .header("signature", &signature);
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        let mut response = request.send(body).expect("HTTP exchange");
        let status = response.status().as_u16();
        let correlation_header = response
            .headers()
            .get("v-c-correlation-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let text = response.body_mut().read_to_string().expect("body");
        let body = serde_json::from_str(&text)
            .unwrap_or_else(|_| panic!("JSON body, got {status} {text:?}"));
        Answer {
            status,
            body,
            correlation_header,
        }
    }

    fn post(&self, token: &str, suffix: &str, body: &Value) -> Answer {
        self.send(token, suffix, Some("application/json"), &body.to_string())
    }

    fn options(&self, token: &str, correlation: &str, secure_token: &str) -> Answer {
        self.post(token, OPTIONS, &options_body(correlation, secure_token))
    }

    fn create_otp(&self, token: &str, correlation: &str, option: &str) -> Answer {
        self.post(
            token,
            OTP,
            &json!({"clientCorrelationId": correlation, "stepUpOption": {"id": option}}),
        )
    }

    fn validate_otp(&self, token: &str, correlation: &str, option: &str, otp: &str) -> Answer {
        self.post(token, VALIDATE, &json!({"clientCorrelationId": correlation, "stepUpOption": {"id": option}, "otp": otp}))
    }

    fn validate_code(&self, token: &str, correlation: &str, option: &str, code: &str) -> Answer {
        self.post(
            token,
            VALIDATE,
            &json!({"clientCorrelationId": correlation, "stepUpOption": {"id": option}, "issuerAuthCode": code}),
        )
    }

    fn register(&self, token: &str, correlation: &str, secure_token: &str) -> Answer {
        self.post(
            token,
            REGISTRATIONS,
            &registration_body(correlation, secure_token),
        )
    }

    /// Opens a step-up session and returns the option id of `method`.
    fn step_up(&self, token: &str, correlation: &str, method: &str) -> String {
        let answer = self.options(token, correlation, &self.secure_token());
        assert_eq!(answer.status, 200, "{}", answer.body);
        assert_eq!(answer.body["action"], "STEP_UP_AUTHENTICATE");
        option_id(&answer.body, method)
    }
}

/// The C-AO sample with every required field.
fn options_body(correlation: &str, secure_token: &str) -> Value {
    json!({
        "clientCorrelationId": correlation,
        "sessionInformation": {"secureToken": secure_token},
        "authenticatorRenderMethod": "IFRAME",
        "orderInformation": {"amountDetails": {"totalAmount": "1765.95", "currency": "978"}},
        "merchantInformation": {"merchantDescriptor": {
            "name": "TWVyY2hhbnQgVlphRjVYQmo",
            "url": "aHR0cHM6Ly93d3cuTWVyY2hhbnQtVlphRjVYQmouY29t"
        }},
        "deviceInformation": {
            "httpAcceptContent": "text/html,application/xhtml+xml",
            "httpBrowserColorDepth": "24",
            "httpBrowserJavaEnabled": false,
            "httpBrowserJavaScriptEnabled": true,
            "httpBrowserLanguage": "en-US",
            "httpBrowserScreenHeight": "1080",
            "httpBrowserScreenWidth": "1920",
            "httpBrowserTimeDifference": "-330",
            "ipAddress": "203.0.113.7",
            "platformType": "WEB",
            "userAgentBrowserValue": "Mozilla/5.0 (X11; Linux x86_64)"
        }
    })
}

/// The C-REG sample: authentication-options' fields plus language and billing contact.
fn registration_body(correlation: &str, secure_token: &str) -> Value {
    let mut body = options_body(correlation, secure_token);
    body["buyerInformation"] = json!({"language": "en-US"});
    body["orderInformation"]["billTo"] =
        json!({"email": "cardholder@example.com", "phoneNumber": "+1 555 0100"});
    body
}

fn option_id(options: &Value, method: &str) -> String {
    options["stepUpOptions"]
        .as_array()
        .expect("stepUpOptions")
        .iter()
        .find(|o| o["method"] == method)
        .and_then(|o| o["id"].as_str())
        .unwrap_or_else(|| panic!("no {method} in {options}"))
        .to_owned()
}

fn tms_error(kind: &str, message: &str, fields: &[&str]) -> Value {
    let details: Vec<Value> = fields
        .iter()
        .map(|f| json!({"name": f, "location": "body"}))
        .collect();
    json!({"errors": [{"type": kind, "message": message, "details": details}]})
}

fn assert_answer(answer: &Answer, status: u16, body: &Value) {
    assert_eq!((answer.status, &answer.body), (status, body));
}

const MISSING: &str = "The request is missing one or more required fields";
const INVALID: &str = "One or more fields in the request contains invalid data";
const NOT_FOUND: &str =
    "No authentication session exists for this tokenized card: call authentication-options first";

// ---------------------------------------------------------------------------------------------
// authentication-options: the three actions
// ---------------------------------------------------------------------------------------------

#[test]
fn a_registered_token_authenticates_with_a_fresh_context() {
    let va = Va::start();
    let answer = va.options(magic::TOKEN_REGISTERED, "corr-auth-1", &va.secure_token());
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert!(answer.correlation_header.is_some_and(|h| !h.is_empty()));
    let body = answer.body.as_object().expect("object");
    assert_eq!(
        body.keys().map(String::as_str).collect::<Vec<_>>(),
        ["action", "authenticationContext"]
    );
    assert_eq!(body["action"], "AUTHENTICATE");
    let context = &body["authenticationContext"];
    let id = context["id"].as_str().expect("id");
    let issued = page::ceremony(va.sandbox.shared(), id).expect("the page knows the ceremony");
    assert_eq!(issued.action, "AUTHENTICATE");
    assert_eq!(issued.subject, magic::TOKEN_REGISTERED);
    assert_eq!(context["payload"], issued.payload.as_str());
    assert_eq!(
        context["endpoint"],
        STANDARD
            .encode("/oauth2/authorization/request/hub/payment-credential-authentication")
            .as_str()
    );

    // Every call hands out a new ceremony.
    let again = va.options(magic::TOKEN_REGISTERED, "corr-auth-1", &va.secure_token());
    assert_eq!(again.body["action"], "AUTHENTICATE");
    assert_ne!(again.body["authenticationContext"]["id"], id);
    assert_eq!(va.otps_sent(), 0);
}

#[test]
fn an_approved_token_registers_then_authenticates_with_its_passkey() {
    let va = Va::start();
    let token = magic::TOKEN_APPROVED;
    let secure_token = va.secure_token();
    let answer = va.options(token, "corr-reg-1", &secure_token);
    assert_answer(
        &answer,
        200,
        &json!({"action": "AUTHENTICATION_REGISTRATION"}),
    );

    let registration = va.register(token, "corr-reg-1", &secure_token);
    assert_eq!(registration.status, 200, "{}", registration.body);
    let context = &registration.body["authenticationContext"];
    let id = context["id"].as_str().expect("id");
    let payload = context["payload"].as_str().expect("payload");
    assert_eq!(
        context["endpoint"],
        STANDARD
            .encode("/oauth2/authorization/request/hub/payment-credential-binding")
            .as_str()
    );
    let issued = page::ceremony(va.sandbox.shared(), id).expect("issued");
    assert_eq!(
        (issued.action.as_str(), issued.subject.as_str()),
        ("REGISTER", token)
    );

    // Not registered until the page completes the ceremony.
    let before = va.options(token, "corr-reg-2", &va.secure_token());
    assert_eq!(before.body["action"], "AUTHENTICATION_REGISTRATION");
    assert!(page::complete_ceremony(va.sandbox.shared(), id, payload).is_some());
    assert_eq!(va.sandbox.counters().passkeys_registered, 1);

    let after = va.options(token, "corr-reg-3", &va.secure_token());
    assert_eq!(after.status, 200);
    assert_eq!(after.body["action"], "AUTHENTICATE");
    assert!(after.body["authenticationContext"]["id"].is_string());
    assert_eq!(va.otps_sent(), 0);
}

#[test]
fn magic_names_match_with_a_suffix_only_after_an_underscore() {
    let va = Va::start();
    let action =
        |token: &str| va.options(token, "corr-magic", &va.secure_token()).body["action"].clone();
    assert_eq!(action("tkn_approved_7"), "AUTHENTICATION_REGISTRATION");
    assert_eq!(action("tkn_registered_x"), "AUTHENTICATE");
    assert_eq!(action("tkn_approvedx"), "STEP_UP_AUTHENTICATE");
    assert_eq!(action(magic::TOKEN_CHALLENGED), "STEP_UP_AUTHENTICATE");
}

#[test]
fn a_challenged_token_gets_four_step_up_options_once_per_session() {
    let va = Va::start();
    let secure_token = va.secure_token();
    let answer = va.options(magic::TOKEN_CHALLENGED, "corr-step-1", &secure_token);
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.body["action"], "STEP_UP_AUTHENTICATE");
    let options = answer.body["stepUpOptions"].as_array().expect("options");
    let shown: Vec<(&str, &str)> = options
        .iter()
        .map(|o| {
            (
                o["method"].as_str().unwrap_or(""),
                o["value"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        shown,
        [
            ("OTP_SMS", SMS_VALUE),
            ("OTP_EMAIL", EMAIL_VALUE),
            ("APP_TO_APP", APP_TO_APP_VALUE),
            ("CUSTOMER_SERVICE", CUSTOMER_SERVICE_VALUE)
        ]
    );
    let ids: Vec<&str> = options
        .iter()
        .map(|o| o["id"].as_str().expect("id"))
        .collect();
    for id in &ids {
        let decoded = STANDARD.decode(id).expect("base64 id, as C-OTP's sample");
        assert_eq!(decoded.len(), 32);
    }
    let mut unique = ids.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), 4);

    // The same session (even with a fresh page session) keeps its options; another one gets new ids.
    let again = va.options(magic::TOKEN_CHALLENGED, "corr-step-1", &va.secure_token());
    assert_eq!(again.body, answer.body);
    let other = va.options(magic::TOKEN_CHALLENGED, "corr-step-2", &va.secure_token());
    assert_ne!(
        option_id(&other.body, "OTP_SMS"),
        option_id(&answer.body, "OTP_SMS")
    );
}

// ---------------------------------------------------------------------------------------------
// Step-up with OTP
// ---------------------------------------------------------------------------------------------

#[test]
fn step_up_otp_wrong_then_right_then_registration_then_authenticate() {
    let va = Va::start();
    let token = magic::TOKEN_CHALLENGED;
    let correlation = "corr-otp-1";
    let secure_token = va.secure_token();
    let options = va.options(token, correlation, &secure_token);
    let sms = option_id(&options.body, "OTP_SMS");

    let sent = va.create_otp(token, correlation, &sms);
    assert_answer(
        &sent,
        200,
        &json!({"maxRequestsAllowed": 3, "maxVerificationAllowed": 3, "codeExpiration": 5}),
    );
    assert_eq!(va.otps_sent(), 1);

    let wrong = va.validate_otp(token, correlation, &sms, "111111");
    assert_answer(
        &wrong,
        400,
        &tms_error(
            "invalidFields",
            "The one-time password is incorrect (2 attempts left)",
            &["otp"],
        ),
    );

    let right = va.validate_otp(token, correlation, &sms, magic::RIGHT_OTP);
    assert_answer(
        &right,
        200,
        &json!({"action": "AUTHENTICATION_REGISTRATION"}),
    );
    // A resend of the same call (outcome unknown) answers the same.
    let replay = va.validate_otp(token, correlation, &sms, magic::RIGHT_OTP);
    assert_answer(
        &replay,
        200,
        &json!({"action": "AUTHENTICATION_REGISTRATION"}),
    );
    // The session is approved: authentication-options now asks for a registration.
    let options_again = va.options(token, correlation, &secure_token);
    assert_answer(
        &options_again,
        200,
        &json!({"action": "AUTHENTICATION_REGISTRATION"}),
    );

    let registration = va.register(token, correlation, &secure_token);
    assert_eq!(registration.status, 200, "{}", registration.body);
    let context = &registration.body["authenticationContext"];
    let fido = page::complete_ceremony(
        va.sandbox.shared(),
        context["id"].as_str().expect("id"),
        context["payload"].as_str().expect("payload"),
    );
    assert!(fido.is_some());

    let next_journey = va.options(token, "corr-otp-2", &va.secure_token());
    assert_eq!(next_journey.body["action"], "AUTHENTICATE");
    assert_eq!(va.otps_sent(), 1);
    assert_eq!(va.sandbox.counters().passkeys_registered, 1);
}

#[test]
fn one_time_passwords_stop_at_max_requests_per_option() {
    let va = Va::start();
    let token = magic::TOKEN_CHALLENGED;
    let correlation = "corr-resend";
    let answer = va.options(token, correlation, &va.secure_token());
    let sms = option_id(&answer.body, "OTP_SMS");
    let email = option_id(&answer.body, "OTP_EMAIL");
    for n in 1..=magic::MAX_OTP_REQUESTS {
        assert_eq!(va.create_otp(token, correlation, &sms).status, 200);
        assert_eq!(va.otps_sent(), u64::from(n));
    }
    let refused = va.create_otp(token, correlation, &sms);
    assert_answer(
        &refused,
        400,
        &tms_error(
            "MAX_LIMIT_EXCEEDED",
            "This step-up option is used up (3 one-time passwords, 3 wrong codes allowed)",
            &["stepUpOption.id"],
        ),
    );
    assert_eq!(va.otps_sent(), 3);
    // The code already sent still works, and other methods are untouched.
    assert_eq!(va.create_otp(token, correlation, &email).status, 200);
    assert_eq!(va.otps_sent(), 4);
    assert_eq!(
        va.validate_otp(token, correlation, &sms, magic::RIGHT_OTP)
            .status,
        200
    );
}

#[test]
fn wrong_codes_stop_at_max_verifications_even_across_resends() {
    let va = Va::start();
    let token = magic::TOKEN_CHALLENGED;
    let correlation = "corr-attempts";
    let sms = va.step_up(token, correlation, "OTP_SMS");
    assert_eq!(va.create_otp(token, correlation, &sms).status, 200);
    for left in [2, 1] {
        let wrong = va.validate_otp(token, correlation, &sms, "000000");
        assert_answer(
            &wrong,
            400,
            &tms_error(
                "invalidFields",
                &format!("The one-time password is incorrect ({left} attempts left)"),
                &["otp"],
            ),
        );
    }
    // A resend does not give the attempts back.
    assert_eq!(va.create_otp(token, correlation, &sms).status, 200);
    let third = va.validate_otp(token, correlation, &sms, "000000");
    assert_answer(
        &third,
        400,
        &tms_error(
            "invalidFields",
            "The one-time password is incorrect (0 attempts left)",
            &["otp"],
        ),
    );

    let used_up = tms_error(
        "MAX_LIMIT_EXCEEDED",
        "No verification attempts are left for this step-up option (3 allowed)",
        &["stepUpOption.id"],
    );
    assert_answer(
        &va.validate_otp(token, correlation, &sms, magic::RIGHT_OTP),
        400,
        &used_up,
    );
    let no_more = va.create_otp(token, correlation, &sms);
    assert_eq!(
        (no_more.status, &no_more.body["errors"][0]["type"]),
        (400, &json!("MAX_LIMIT_EXCEEDED"))
    );
    assert_eq!(va.otps_sent(), 2);

    // Another method still completes the step-up.
    let email = option_id(
        &va.options(token, correlation, &va.secure_token()).body,
        "OTP_EMAIL",
    );
    assert_eq!(va.create_otp(token, correlation, &email).status, 200);
    assert_answer(
        &va.validate_otp(token, correlation, &email, magic::RIGHT_OTP),
        200,
        &json!({"action": "AUTHENTICATION_REGISTRATION"}),
    );
    assert_eq!(va.otps_sent(), 3);
}

#[test]
fn an_expired_otp_is_refused_until_a_new_one_is_sent() {
    let va = Va::start();
    let token = magic::TOKEN_CHALLENGED;
    let correlation = "corr-expired";
    let sms = va.step_up(token, correlation, "OTP_SMS");
    assert!(
        !expire_otps(va.sandbox.shared(), token, correlation),
        "nothing sent yet"
    );
    assert_eq!(va.create_otp(token, correlation, &sms).status, 200);
    assert!(expire_otps(va.sandbox.shared(), token, correlation));
    assert_answer(
        &va.validate_otp(token, correlation, &sms, magic::RIGHT_OTP),
        400,
        &tms_error(
            "EXPIRED",
            "The one-time password has expired: request a new one",
            &["otp"],
        ),
    );
    assert_eq!(va.create_otp(token, correlation, &sms).status, 200);
    assert_eq!(
        va.validate_otp(token, correlation, &sms, magic::RIGHT_OTP)
            .status,
        200
    );
    assert_eq!(va.otps_sent(), 2);
}

#[test]
fn a_malformed_otp_is_refused_without_using_an_attempt() {
    let va = Va::start();
    let token = magic::TOKEN_CHALLENGED;
    let correlation = "corr-malformed";
    let sms = va.step_up(token, correlation, "OTP_SMS");
    assert_eq!(va.create_otp(token, correlation, &sms).status, 200);
    for bad in ["12ab56", "123", "123456789"] {
        assert_answer(
            &va.validate_otp(token, correlation, &sms, bad),
            400,
            &tms_error("invalidFields", "otp must be 4 to 8 digits", &["otp"]),
        );
    }
    let wrong = va.validate_otp(token, correlation, &sms, "999999");
    assert_eq!(
        wrong.body["errors"][0]["message"],
        "The one-time password is incorrect (2 attempts left)"
    );
    // An OTP sent as a JSON number is read as its digits.
    let numeric = va.post(
        token,
        VALIDATE,
        &json!({"clientCorrelationId": correlation, "stepUpOption": {"id": sms}, "otp": 456_789}),
    );
    assert_eq!(numeric.status, 200, "{}", numeric.body);
}

// ---------------------------------------------------------------------------------------------
// Step-up without OTP
// ---------------------------------------------------------------------------------------------

#[test]
fn app_to_app_validates_the_issuer_code_without_an_otp() {
    let va = Va::start();
    let token = "tkn_issuer_app";
    let correlation = "corr-app";
    let secure_token = va.secure_token();
    let options = va.options(token, correlation, &secure_token);
    let app = option_id(&options.body, "APP_TO_APP");

    assert_answer(
        &va.create_otp(token, correlation, &app),
        400,
        &tms_error(
            "invalidFields",
            "APP_TO_APP does not send one-time passwords",
            &["stepUpOption.id"],
        ),
    );
    assert_answer(
        &va.validate_otp(token, correlation, &app, magic::RIGHT_OTP),
        400,
        &tms_error("missingFields", MISSING, &["issuerAuthCode"]),
    );
    assert_answer(
        &va.validate_code(token, correlation, &app, "NOT-THE-CODE"),
        400,
        &tms_error(
            "invalidFields",
            "The issuer authentication code is incorrect (2 attempts left)",
            &["issuerAuthCode"],
        ),
    );
    assert_answer(
        &va.validate_code(token, correlation, &app, RIGHT_ISSUER_AUTH_CODE),
        200,
        &json!({"action": "AUTHENTICATION_REGISTRATION"}),
    );
    assert_eq!(va.register(token, correlation, &secure_token).status, 200);
    assert_eq!(va.otps_sent(), 0);
}

#[test]
fn the_c_val_sample_with_both_codes_uses_the_one_the_option_needs() {
    let va = Va::start();
    let token = magic::TOKEN_CHALLENGED;
    let correlation = "corr-both";
    let sms = va.step_up(token, correlation, "OTP_SMS");
    assert_eq!(va.create_otp(token, correlation, &sms).status, 200);
    let both = va.post(
        token,
        VALIDATE,
        &json!({"clientCorrelationId": correlation, "stepUpOption": {"id": sms}, "otp": magic::RIGHT_OTP, "issuerAuthCode": "HTZl"}),
    );
    assert_eq!(both.status, 200, "{}", both.body);
}

#[test]
fn customer_service_is_done_out_of_band_then_options_ask_for_a_registration() {
    let va = Va::start();
    let token = magic::TOKEN_CHALLENGED;
    let correlation = "corr-cs";
    let secure_token = va.secure_token();
    let options = va.options(token, correlation, &secure_token);
    let cs = option_id(&options.body, "CUSTOMER_SERVICE");
    assert_answer(
        &va.validate_code(token, correlation, &cs, "anything"),
        400,
        &tms_error(
            "invalidFields",
            "CUSTOMER_SERVICE is completed with the issuer, not validated here",
            &["stepUpOption.id"],
        ),
    );
    // Still challenged until the issuer approves.
    assert_eq!(
        va.options(token, correlation, &secure_token).body["action"],
        "STEP_UP_AUTHENTICATE"
    );
    assert!(!approve_step_up_out_of_band(
        va.sandbox.shared(),
        token,
        "corr-unknown"
    ));
    assert!(approve_step_up_out_of_band(
        va.sandbox.shared(),
        token,
        correlation
    ));
    assert!(
        !approve_step_up_out_of_band(va.sandbox.shared(), token, correlation),
        "already approved"
    );
    assert_answer(
        &va.options(token, correlation, &secure_token),
        200,
        &json!({"action": "AUTHENTICATION_REGISTRATION"}),
    );
    assert_eq!(va.register(token, correlation, &secure_token).status, 200);
}

// ---------------------------------------------------------------------------------------------
// Order of steps and session binding
// ---------------------------------------------------------------------------------------------

#[test]
fn calls_before_authentication_options_are_not_found() {
    let va = Va::start();
    let not_found = json!({"errors": [{"type": "notFound", "message": NOT_FOUND, "details": []}]});
    assert_answer(
        &va.create_otp("tkn_fresh", "corr-none", "b3B0aW9u"),
        404,
        &not_found,
    );
    assert_answer(
        &va.validate_otp("tkn_fresh", "corr-none", "b3B0aW9u", magic::RIGHT_OTP),
        404,
        &not_found,
    );
    assert_answer(
        &va.register(magic::TOKEN_APPROVED, "corr-none", &va.secure_token()),
        404,
        &not_found,
    );
    assert_eq!(va.otps_sent(), 0);
}

#[test]
fn steps_out_of_order_are_refused_as_invalid_combinations() {
    let va = Va::start();
    let token = magic::TOKEN_CHALLENGED;
    let correlation = "corr-order";
    let secure_token = va.secure_token();
    let options = va.options(token, correlation, &secure_token);
    let sms = option_id(&options.body, "OTP_SMS");

    // validate before one-time-passwords
    assert_answer(
        &va.validate_otp(token, correlation, &sms, magic::RIGHT_OTP),
        400,
        &tms_error(
            "invalidCombination",
            "No one-time password was requested for this step-up option: call one-time-passwords first",
            &["stepUpOption.id"],
        ),
    );
    // registration before the step-up
    assert_answer(
        &va.register(token, correlation, &secure_token),
        400,
        &tms_error(
            "invalidCombination",
            "A registration needs action AUTHENTICATION_REGISTRATION; this session's action is STEP_UP_AUTHENTICATE",
            &[],
        ),
    );
    // an option id never offered
    assert_answer(
        &va.create_otp(token, correlation, "bm90LWFuLW9wdGlvbg=="),
        400,
        &tms_error(
            "invalidFields",
            "stepUpOption.id is not one of the stepUpOptions offered to this session",
            &["stepUpOption.id"],
        ),
    );
    // after the step-up is complete
    assert_eq!(va.create_otp(token, correlation, &sms).status, 200);
    assert_eq!(
        va.validate_otp(token, correlation, &sms, magic::RIGHT_OTP)
            .status,
        200
    );
    let complete = tms_error(
        "invalidCombination",
        "The step-up authentication of this session is already complete",
        &["stepUpOption.id"],
    );
    assert_answer(&va.create_otp(token, correlation, &sms), 400, &complete);
    assert_answer(
        &va.validate_otp(token, correlation, &sms, "111111"),
        400,
        &complete,
    );
    assert_eq!(va.otps_sent(), 1);

    // one-time-passwords in a session that was not challenged
    let registered = va.options(
        magic::TOKEN_REGISTERED,
        "corr-order-auth",
        &va.secure_token(),
    );
    assert_eq!(registered.body["action"], "AUTHENTICATE");
    assert_answer(
        &va.create_otp(magic::TOKEN_REGISTERED, "corr-order-auth", &sms),
        400,
        &tms_error(
            "invalidCombination",
            "No step-up authentication is pending for this session (action AUTHENTICATE)",
            &["stepUpOption.id"],
        ),
    );
    // registration in a session that was told to authenticate
    let registration = va.register(
        magic::TOKEN_REGISTERED,
        "corr-order-auth",
        &va.secure_token(),
    );
    assert_eq!(
        (registration.status, &registration.body["errors"][0]["type"]),
        (400, &json!("invalidCombination"))
    );
}

#[test]
fn the_correlation_id_stays_the_same_across_a_session() {
    let va = Va::start();
    let token = magic::TOKEN_CHALLENGED;
    let secure_token = va.secure_token();
    let options = va.options(token, "corr-a", &secure_token);
    let sms = option_id(&options.body, "OTP_SMS");

    assert_answer(
        &va.options(token, "corr-b", &secure_token),
        400,
        &tms_error(
            "invalidFields",
            "clientCorrelationId differs from the one this session (sessionInformation.secureToken) started with",
            &["clientCorrelationId"],
        ),
    );
    let mismatch = tms_error(
        "invalidFields",
        "clientCorrelationId does not match a session of this tokenized card",
        &["clientCorrelationId"],
    );
    assert_answer(&va.create_otp(token, "corr-b", &sms), 400, &mismatch);
    assert_eq!(va.create_otp(token, "corr-a", &sms).status, 200);
    assert_answer(
        &va.validate_otp(token, "corr-b", &sms, magic::RIGHT_OTP),
        400,
        &mismatch,
    );
    assert_eq!(
        va.validate_otp(token, "corr-a", &sms, magic::RIGHT_OTP)
            .status,
        200
    );
    assert_answer(
        &va.register(token, "corr-b", &va.secure_token()),
        400,
        &mismatch,
    );
    assert_eq!(va.register(token, "corr-a", &secure_token).status, 200);
    assert_eq!(va.otps_sent(), 1);

    // The same secure token may serve another tokenized card with its own correlation id.
    assert_eq!(va.options("tkn_other", "corr-b", &secure_token).status, 200);
}

#[test]
fn a_secure_token_the_page_did_not_create_is_refused() {
    let va = Va::start();
    let error = tms_error(
        "invalidFields",
        "sessionInformation.secureToken is not a session of the Visa page",
        &["sessionInformation.secureToken"],
    );
    assert_answer(
        &va.options(magic::TOKEN_REGISTERED, "corr-st", "ezAwMX06AAM1NUHl3Gq8"),
        400,
        &error,
    );
    assert_answer(
        &va.register(magic::TOKEN_APPROVED, "corr-st", "ezAwMX06AAM1NUHl3Gq8"),
        400,
        &error,
    );
}

// ---------------------------------------------------------------------------------------------
// Mandatory fields, content type, malformed input
// ---------------------------------------------------------------------------------------------

const OPTIONS_FIELDS: [&str; 18] = [
    "authenticatorRenderMethod",
    "clientCorrelationId",
    "deviceInformation.httpAcceptContent",
    "deviceInformation.httpBrowserColorDepth",
    "deviceInformation.httpBrowserJavaEnabled",
    "deviceInformation.httpBrowserJavaScriptEnabled",
    "deviceInformation.httpBrowserLanguage",
    "deviceInformation.httpBrowserScreenHeight",
    "deviceInformation.httpBrowserScreenWidth",
    "deviceInformation.httpBrowserTimeDifference",
    "deviceInformation.ipAddress",
    "deviceInformation.platformType",
    "deviceInformation.userAgentBrowserValue",
    "merchantInformation.merchantDescriptor.name",
    "merchantInformation.merchantDescriptor.url",
    "orderInformation.amountDetails.currency",
    "orderInformation.amountDetails.totalAmount",
    "sessionInformation.secureToken",
];

#[test]
fn authentication_options_names_every_missing_field() {
    let va = Va::start();
    assert_answer(
        &va.post(magic::TOKEN_REGISTERED, OPTIONS, &json!({})),
        400,
        &tms_error("missingFields", MISSING, &OPTIONS_FIELDS),
    );

    // Removing any one field names exactly that field; null and blank count as missing.
    let secure_token = va.secure_token();
    for (i, field) in OPTIONS_FIELDS.iter().enumerate() {
        let mut body = options_body("corr-missing", &secure_token);
        let (parent, leaf) = field.rsplit_once('.').map_or(("", *field), |(p, l)| (p, l));
        let target = parent
            .split('.')
            .filter(|p| !p.is_empty())
            .fold(&mut body, |v, p| &mut v[p]);
        match i % 3 {
            0 => {
                target.as_object_mut().expect("object").remove(leaf);
            }
            1 => target[leaf] = Value::Null,
            _ => target[leaf] = json!("  "),
        }
        let answer = va.post(magic::TOKEN_REGISTERED, OPTIONS, &body);
        assert_answer(&answer, 400, &tms_error("missingFields", MISSING, &[field]));
    }
}

#[test]
fn authentication_options_names_missing_then_invalid_fields() {
    let va = Va::start();
    let mut body = options_body("corr-invalid", &va.secure_token());
    body["orderInformation"]["amountDetails"] = json!({"totalAmount": "17,65"});
    body["merchantInformation"]["merchantDescriptor"]["name"] = json!("Merchant name!");
    body["deviceInformation"]["ipAddress"] = json!("not-an-ip");
    body["deviceInformation"]["httpBrowserJavaEnabled"] = json!("yes");
    body["deviceInformation"]["httpBrowserScreenWidth"] = json!({"px": 1920});
    body["authenticatorRenderMethod"] = json!(["IFRAME"]);
    let answer = va.post(magic::TOKEN_REGISTERED, OPTIONS, &body);
    assert_answer(
        &answer,
        400,
        &json!({"errors": [
            {"type": "missingFields", "message": MISSING, "details": [
                {"name": "orderInformation.amountDetails.currency", "location": "body"}
            ]},
            {"type": "invalidFields", "message": INVALID, "details": [
                {"name": "authenticatorRenderMethod", "location": "body"},
                {"name": "deviceInformation.httpBrowserJavaEnabled", "location": "body"},
                {"name": "deviceInformation.httpBrowserScreenWidth", "location": "body"},
                {"name": "deviceInformation.ipAddress", "location": "body"},
                {"name": "merchantInformation.merchantDescriptor.name", "location": "body"},
                {"name": "orderInformation.amountDetails.totalAmount", "location": "body"}
            ]}
        ]}),
    );

    // A parent that is not an object makes its fields invalid.
    let mut body = options_body("corr-invalid", &va.secure_token());
    body["sessionInformation"] = json!("ezAwMX06");
    assert_answer(
        &va.post(magic::TOKEN_REGISTERED, OPTIONS, &body),
        400,
        &tms_error(
            "invalidFields",
            INVALID,
            &["sessionInformation.secureToken"],
        ),
    );
}

#[test]
fn numbers_and_textual_flags_are_accepted_where_the_docs_say_string() {
    let va = Va::start();
    let mut body = options_body("corr-lenient", &va.secure_token());
    body["orderInformation"]["amountDetails"] = json!({"totalAmount": 10.5, "currency": 840});
    body["deviceInformation"]["httpBrowserColorDepth"] = json!(24);
    body["deviceInformation"]["httpBrowserTimeDifference"] = json!(-330);
    body["deviceInformation"]["httpBrowserJavaEnabled"] = json!("false");
    body["deviceInformation"]["ipAddress"] = json!("2001:db8::1");
    body["orderInformation"]["amountDetails"]["currency"] = json!("EUR");
    let answer = va.post(magic::TOKEN_REGISTERED, OPTIONS, &body);
    assert_eq!(
        (answer.status, &answer.body["action"]),
        (200, &json!("AUTHENTICATE")),
        "{}",
        answer.body
    );
}

#[test]
fn registration_requires_language_and_email_too() {
    let va = Va::start();
    let secure_token = va.secure_token();
    assert_eq!(
        va.options(magic::TOKEN_APPROVED, "corr-reg-fields", &secure_token)
            .status,
        200
    );
    let mut body = registration_body("corr-reg-fields", &secure_token);
    body["buyerInformation"] = json!({});
    body["orderInformation"]["billTo"] = json!({"email": "no-at-sign"});
    assert_answer(
        &va.post(magic::TOKEN_APPROVED, REGISTRATIONS, &body),
        400,
        &json!({"errors": [
            {"type": "missingFields", "message": MISSING, "details": [{"name": "buyerInformation.language", "location": "body"}]},
            {"type": "invalidFields", "message": INVALID, "details": [{"name": "orderInformation.billTo.email", "location": "body"}]}
        ]}),
    );
    // The authentication-options body alone lacks exactly the two C-REG additions.
    assert_answer(
        &va.post(
            magic::TOKEN_APPROVED,
            REGISTRATIONS,
            &options_body("corr-reg-fields", &secure_token),
        ),
        400,
        &tms_error(
            "missingFields",
            MISSING,
            &["buyerInformation.language", "orderInformation.billTo.email"],
        ),
    );
}

#[test]
fn step_up_calls_name_their_missing_fields() {
    let va = Va::start();
    let token = magic::TOKEN_CHALLENGED;
    let both = tms_error(
        "missingFields",
        MISSING,
        &["clientCorrelationId", "stepUpOption.id"],
    );
    assert_answer(&va.post(token, OTP, &json!({})), 400, &both);
    assert_answer(
        &va.post(token, VALIDATE, &json!({"otp": "456789"})),
        400,
        &both,
    );
    assert_answer(
        &va.post(
            token,
            OTP,
            &json!({"clientCorrelationId": "c", "stepUpOption": "id"}),
        ),
        400,
        &tms_error("invalidFields", INVALID, &["stepUpOption.id"]),
    );

    let sms = va.step_up(token, "corr-fields", "OTP_SMS");
    assert_eq!(va.create_otp(token, "corr-fields", &sms).status, 200);
    let without_otp = json!({"clientCorrelationId": "corr-fields", "stepUpOption": {"id": sms}});
    assert_answer(
        &va.post(token, VALIDATE, &without_otp),
        400,
        &tms_error("missingFields", MISSING, &["otp"]),
    );
    let object_otp =
        json!({"clientCorrelationId": "corr-fields", "stepUpOption": {"id": sms}, "otp": {"v": 1}});
    assert_answer(
        &va.post(token, VALIDATE, &object_otp),
        400,
        &tms_error("invalidFields", INVALID, &["otp"]),
    );
    // None of these used an attempt.
    assert_eq!(
        va.validate_otp(token, "corr-fields", &sms, magic::RIGHT_OTP)
            .status,
        200
    );
}

#[test]
fn content_type_and_body_shape_are_checked_first() {
    let va = Va::start();
    let body = options_body("corr-ct", &va.secure_token()).to_string();
    let header_error = |kind: &str, message: &str| json!({"errors": [{"type": kind, "message": message, "details": [{"name": "Content-Type", "location": "header"}]}]});
    for suffix in [OPTIONS, OTP, VALIDATE, REGISTRATIONS] {
        assert_answer(
            &va.send(magic::TOKEN_REGISTERED, suffix, None, &body),
            400,
            &header_error(
                "missingHeaders",
                "Content-Type is required: application/json",
            ),
        );
        assert_answer(
            &va.send(magic::TOKEN_REGISTERED, suffix, Some("text/plain"), &body),
            400,
            &header_error("invalidHeaders", "Content-Type must be application/json"),
        );
        for not_an_object in ["", "{", "[1,2]", "\"text\"", "null"] {
            assert_answer(
                &va.send(
                    magic::TOKEN_REGISTERED,
                    suffix,
                    Some("application/json"),
                    not_an_object,
                ),
                400,
                &tms_error(
                    "invalidFields",
                    "the request body is not a JSON object",
                    &[],
                ),
            );
        }
    }
    let answer = va.send(
        magic::TOKEN_REGISTERED,
        OPTIONS,
        Some("application/json; charset=utf-8"),
        &body,
    );
    assert_eq!(answer.status, 200, "{}", answer.body);
    let answer = va.send(
        magic::TOKEN_REGISTERED,
        OPTIONS,
        Some("Application/Vnd.Api+JSON"),
        &body,
    );
    assert_eq!(answer.status, 200, "{}", answer.body);
}

#[test]
fn hostile_input_gets_tms_errors_never_a_crash() {
    let va = Va::start();
    let deep = (0..64).fold(json!(1), |inner, _| json!({"a": inner}));
    let bodies = [
        json!({"clientCorrelationId": null, "stepUpOption": null, "otp": null}),
        json!({"clientCorrelationId": true, "stepUpOption": {"id": []}, "deviceInformation": 7}),
        json!({"clientCorrelationId": "x".repeat(10_000), "stepUpOption": {"id": "\u{0000}\u{ffff}"}, "otp": "٤٥٦٧٨٩"}),
        json!({"sessionInformation": {"secureToken": {"nested": deep}}, "orderInformation": [1]}),
        json!({"clientCorrelationId": "c", "stepUpOption": {"id": "y"}, "otp": 1e308, "issuerAuthCode": -1}),
    ];
    for token in ["tkn_x", "%E2%9C%93", "a%20b", magic::TOKEN_APPROVED] {
        for suffix in [OPTIONS, OTP, VALIDATE, REGISTRATIONS] {
            for body in &bodies {
                let answer = va.post(token, suffix, body);
                assert!(
                    (400..500).contains(&answer.status),
                    "{token}{suffix}: {} {}",
                    answer.status,
                    answer.body
                );
                assert!(
                    answer.body["errors"][0]["type"].is_string(),
                    "{}",
                    answer.body
                );
            }
        }
    }
    // A path segment that is not UTF-8 once decoded.
    let answer = va.send("%FF%FE", OPTIONS, Some("application/json"), "{}");
    assert_answer(
        &answer,
        400,
        &json!({"errors": [{"type": "invalidFields", "message": "tokenId is not a valid tokenized card id", "details": [{"name": "tokenId", "location": "path"}]}]}),
    );
    // The sandbox still serves.
    assert_eq!(
        va.options(magic::TOKEN_REGISTERED, "corr-after", &va.secure_token())
            .status,
        200
    );
    assert_eq!(va.otps_sent(), 0);
}
