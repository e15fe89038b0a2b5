//! The Juspay VAT simulator over plain HTTP: every journey and branch (challenged and approved
//! enrollment, purchase, delivery failure, OTP limits and expiry), every documented bad request
//! with its exact envelope, and the side-effect counters.

use std::sync::Arc;

use agentic_sandbox::{CounterSnapshot, Sandbox, juspay_vat, magic, page};
use base64::Engine;
use serde_json::{Value, json};

const CUSTOMER: &str = "user_1234567";
const FORM: &str = "application/x-www-form-urlencoded";
const JSON: &str = "application/json";

struct Vat {
    sandbox: Sandbox,
    agent: ureq::Agent,
}

/// A provisioned token and the journey's reference id.
#[derive(Debug, Clone)]
struct Token {
    id: String,
    reference: String,
    secure_token: String,
    /// `payload` of the new-card answer.
    answer: Value,
}

fn start() -> Vat {
    Vat {
        sandbox: Sandbox::start().expect("sandbox starts"),
        agent: ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into(),
    }
}

impl Vat {
    fn send(&self, path: &str, content_type: Option<&str>, body: &[u8]) -> (u16, Value) {
        let config = self.sandbox.config();
        let auth = base64::engine::general_purpose::STANDARD.encode(format!("{}:", config.api_key));
        let mut request = self
            .agent
            .post(format!("{}{path}", self.sandbox.base_url()))
            .header("Authorization", format!("Basic {auth}"))
            .header("x-merchantid", config.merchant_id.as_str());
        if let Some(content_type) = content_type {
            request = request.header("Content-Type", content_type);
        }
        let mut response = request.send(body).expect("the sandbox answers");
        let status = response.status().as_u16();
        let text = response.body_mut().read_to_string().expect("a body");
        let value = serde_json::from_str(&text).unwrap_or_else(|_| panic!("JSON body: {text}"));
        (status, value)
    }

    fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        self.send(path, Some(JSON), body.to_string().as_bytes())
    }

    fn counters(&self) -> CounterSnapshot {
        self.sandbox.counters()
    }

    fn session(&self) -> String {
        page::new_session(self.sandbox.shared())
    }

    fn tokenize_form(&self, fields: &[(&str, &str)]) -> (u16, Value) {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        self.send("/card/tokenize", Some(FORM), body.as_bytes())
    }

    fn tokenize(&self, pan: &str) -> String {
        let merchant = self.sandbox.config().merchant_id.clone();
        let (status, body) = self.tokenize_form(&card_form(&merchant, pan));
        assert_eq!(status, 200, "{body}");
        let token = body["token"].as_str().expect("a token").to_owned();
        assert!(token.starts_with("ctkn_"), "{token}");
        assert_eq!(body, json!({"token": token}));
        token
    }

    /// Tokenize + new-card provision.
    fn new_card(&self, pan: &str, reference: &str) -> Token {
        let card_token = self.tokenize(pan);
        let secure_token = self.session();
        let (status, body) = self.post(
            "/provision-token-passkey",
            &new_card_body(&secure_token, reference, &card_token),
        );
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["status"], "SUCCESS", "{body}");
        let id = body["payload"]["vProvisionedTokenId"]
            .as_str()
            .expect("a token id")
            .to_owned();
        Token {
            id,
            reference: reference.to_owned(),
            secure_token,
            answer: body["payload"].clone(),
        }
    }

    fn identifier_of(&self, token: &Token, method: &str) -> String {
        token.answer["stepUpResponse"]["availableStepUpMethod"]
            .as_array()
            .expect("methods")
            .iter()
            .find(|m| m["method"] == method)
            .and_then(|m| m["identifier"].as_str())
            .expect("the method is offered")
            .to_owned()
    }

    fn trigger(&self, token: &Token, step_up_request_id: &str) -> (u16, Value) {
        self.post(
            "/initiateVerification",
            &json!({
                "tokenReference": token.id,
                "vProvisionedTokenId": token.id,
                "clientReferenceId": token.reference,
                "stepUpRequestId": step_up_request_id
            }),
        )
    }

    fn validate(&self, token: &Token, otp: &str) -> (u16, Value) {
        self.post(
            "/validateOtp",
            &json!({
                "tokenReference": token.id,
                "otpValue": otp,
                "clientReferenceId": token.reference,
                "networkType": "VISA",
                "vProvisionedTokenId": token.id
            }),
        )
    }

    fn device_binding(&self, token: &Token) -> (u16, Value) {
        self.post(
            "/provision-token-passkey",
            &provision_body(
                &token.secure_token,
                &token.reference,
                "V_PROV_TOKEN_ID",
                &token.id,
                "DEVICE_BINDING",
                "REGISTER",
            ),
        )
    }

    /// Completes the ceremony of a provision answer headlessly: the `fidoBlob`.
    fn complete(&self, answer: &Value) -> String {
        let payload = &answer["payload"];
        page::complete_ceremony(
            self.sandbox.shared(),
            payload["identifier"].as_str().expect("identifier"),
            payload["payload"].as_str().expect("payload"),
        )
        .expect("the ceremony completes")
    }

    fn enroll(&self, token: &Token) -> (u16, Value) {
        self.post(
            "/enrollInAgenticService",
            &enroll_body(&token.id, &token.reference),
        )
    }

    /// An approved card, bound with a passkey and enrolled.
    fn enrolled(&self, reference: &str) -> Token {
        let token = self.new_card(magic::CARD_APPROVED, reference);
        let (_, binding) = self.device_binding(&token);
        self.complete(&binding);
        let (status, body) = self.enroll(&token);
        assert_eq!(
            (status, body["status"].as_str()),
            (200, Some("SUCCESS")),
            "{body}"
        );
        token
    }

    fn purchase(&self, token: &Token, reference: &str) -> (u16, Value) {
        let secure_token = self.session();
        let mut body = provision_body(
            &secure_token,
            reference,
            "V_PROV_TOKEN_ID",
            &token.id,
            "PAYMENT",
            "AUTHENTICATE",
        );
        body["shouldOpenAuthViaPopup"] = json!(true);
        self.post("/provision-token-passkey", &body)
    }
}

fn card_form<'a>(merchant: &'a str, pan: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("merchant_id", merchant),
        ("card_number", pan),
        ("card_exp_year", "39"),
        ("card_exp_month", "12"),
        ("name_on_card", "Test Cardholder"),
        ("card_security_code", "123"),
    ]
}

fn provision_body(
    secure_token: &str,
    reference: &str,
    instrument_type: &str,
    card_obj: &str,
    reason: &str,
    action: &str,
) -> Value {
    json!({
        "customerId": CUSTOMER,
        "sessionContext": {"secureToken": secure_token},
        "browserData": {
            "browserJavaEnabled": false, "browserJavascriptEnabled": true,
            "browserLanguage": "en-GB", "browserColorDepth": "30",
            "browserScreenHeight": "1117", "browserScreenWidth": "1728",
            "browserTimeZone": "-330", "userAgent": "Mozilla/5.0",
            "browserHeader": "text/html", "ipAddress": "104.28.3.19"
        },
        "clientReferenceId": reference,
        "authFlowType": "FIDO",
        "presentationType": "AI_AGENT",
        "platformType": "WEB",
        "deviceAttestationObj": {"reasonCode": reason, "actionToPerform": action},
        "amount": {"currency": "SGD", "total": 92.65},
        "paymentInstrument": {"type": instrument_type, "cardObj": card_obj}
    })
}

fn new_card_body(secure_token: &str, reference: &str, card_token: &str) -> Value {
    provision_body(
        secure_token,
        reference,
        "CARD_TOKEN",
        card_token,
        "PAYMENT",
        "AUTHENTICATE",
    )
}

fn enroll_body(token_id: &str, reference: &str) -> Value {
    json!({
        "clientReferenceId": reference,
        "vProvisionedTokenId": token_id,
        "userDetails": {"customerId": CUSTOMER, "identityType": "EMAIL_ADDRESS", "countryCode": "US"},
        "appDetails": {
            "userAgent": "Mozilla/5.0", "ipAddress": "104.28.3.25",
            "deviceData": {"model": "Macintosh", "brand": "Apple", "manufacturer": "Apple"}
        },
        "appName": "",
        "networkType": "VISA"
    })
}

fn setup_body(token_id: &str, reference: &str, identifier: &str, fido_blob: &str) -> Value {
    json!({
        "cardNetwork": "VISA",
        "clientReferenceId": reference,
        "vProvisionedTokenId": token_id,
        "customerId": CUSTOMER,
        "verificationData": {"verifyType": "FIDO", "identifier": identifier, "fidoBlob": fido_blob},
        "mandates": [{
            "declineThreshold": {"amount": 100.0, "currencyCode": "SGD"},
            "effectiveUntilTime": 4_102_444_800_u64,
            "description": "groceries"
        }]
    })
}

fn fetch_body(token_id: &str, reference: &str, total: f64) -> Value {
    json!({
        "networkType": "VISA",
        "vProvisionedTokenId": token_id,
        "clientReferenceId": reference,
        "nwTransactionId": format!("nw-{reference}"),
        "transactionDetails": [{
            "transactionId": format!("txn-{reference}"),
            "transactionType": "PURCHASE",
            "transactionAmount": {"totalAmount": total, "subTotalAmount": total, "tax": 0.0, "currencyCode": "SGD"},
            "orderId": "merch-ord-123",
            "shippingAddress": {"addLine1": "123 Main St", "city": "Singapore", "stateAdd": "SG", "postalCode": "018956"}
        }]
    })
}

/// Asserts the whole `error_info` envelope (the request id only for being there).
fn assert_error(answer: &(u16, Value), status: u16, code: &str, developer_message: &str) {
    let (got_status, body) = answer;
    let message = match code {
        "MISSING_MANDATORY_PARAMETER" => "Mandatory parameter missing",
        "INVALID_INPUT" => "Invalid input",
        "RESOURCE_NOT_FOUND" => "Resource not found",
        "INVALID_ACTION" => "Invalid action",
        "EXPIRED" => "Expired",
        "UNAUTHORIZED" => "Access Denied",
        other => panic!("no message known for {other}"),
    };
    let request_id = body["error_info"]["request_id"]
        .as_str()
        .unwrap_or_default();
    assert!(!request_id.is_empty(), "{body}");
    assert_eq!(
        (*got_status, body),
        (
            status,
            &json!({
                "error": true,
                "error_message": message,
                "user_message": message,
                "error_info": {
                    "code": code,
                    "category": "USER_ERROR",
                    "href": "NA",
                    "request_id": request_id,
                    "user_message": if code == "UNAUTHORIZED" { "Unauthorized." } else { message },
                    "developer_message": developer_message
                }
            })
        )
    );
}

fn missing(field: &str) -> String {
    format!("Mandatory parameter `{field}` is missing or empty.")
}

fn vat_failure(code: &str, message: &str) -> (u16, Value) {
    (
        200,
        json!({"errorMessage": message, "status": "FAILURE", "errorCode": code}),
    )
}

fn validate_failure(code: &str, message: &str) -> (u16, Value) {
    (
        200,
        json!({"status": "FAILURE", "responseCode": code, "responseMessage": message}),
    )
}

fn trigger_success() -> (u16, Value) {
    (
        200,
        json!({
            "errorMessage": null, "status": "SUCCESS", "errorCode": null,
            "response": {"maxOTPVerificationAllowed": 3, "maxOTPRequestsAllowed": 3, "codeExpiration": 5}
        }),
    )
}

fn validate_success() -> (u16, Value) {
    (
        200,
        json!({"status": "SUCCESS", "responseCode": null, "responseMessage": null}),
    )
}

fn counters(tokens: u64, otps: u64, enrollments: u64, charges: u64) -> (u64, u64, u64, u64) {
    (tokens, otps, enrollments, charges)
}

fn observed(snapshot: CounterSnapshot) -> (u64, u64, u64, u64) {
    (
        snapshot.tokens_provisioned,
        snapshot.otps_sent,
        snapshot.enrollments,
        snapshot.charges,
    )
}

/// The exact passkey hand-off for the ceremony the page issued.
fn assert_ceremony(vat: &Vat, answer: &(u16, Value), action: &str, subject: &str) {
    let (status, body) = answer;
    assert_eq!(*status, 200, "{body}");
    let identifier = body["payload"]["identifier"].as_str().expect("identifier");
    let issued = page::ceremony(vat.sandbox.shared(), identifier).expect("issued by the page");
    assert_eq!(
        (issued.action.as_str(), issued.subject.as_str()),
        (action, subject)
    );
    assert_eq!(
        body,
        &json!({
            "errorMessage": null, "status": "SUCCESS", "errorCode": null,
            "payload": {
                "actionToBePerformed": action,
                "authPreferencesEnabled": {"responseType": "code", "responseMode": "com_visa_web_message"},
                "platformType": "WEB",
                "payload": issued.payload,
                "identifier": issued.identifier,
                "endpoint": issued.endpoint
            }
        })
    );
}

// ---------------------------------------------------------------------------------------------
// Journeys
// ---------------------------------------------------------------------------------------------

#[test]
fn challenged_enrollment_end_to_end() {
    let vat = start();
    let token = vat.new_card(magic::CARD_CHALLENGED, "235125b97f5147f9b9b4524b5e010a81");
    assert_eq!(token.id.len(), 32, "{}", token.id);
    assert!(token.id.bytes().all(|b| b.is_ascii_hexdigit()));

    // The documented step-up answer: four methods with distinct identifiers.
    let step_up = &token.answer["stepUpResponse"];
    assert_eq!(step_up["deviceBindingStatus"], "CHALLENGED");
    assert_eq!(
        (&step_up["otpInfo"], &step_up["stepUpMethod"]),
        (&Value::Null, &Value::Null)
    );
    let methods = step_up["availableStepUpMethod"]
        .as_array()
        .expect("methods");
    let names: Vec<&str> = methods
        .iter()
        .filter_map(|m| m["method"].as_str())
        .collect();
    assert_eq!(
        names,
        ["OTPSMS", "OTPEMAIL", "CUSTOMERSERVICE", "APP-TO-APP"]
    );
    let mut identifiers: Vec<&str> = methods
        .iter()
        .filter_map(|m| m["identifier"].as_str())
        .collect();
    identifiers.sort_unstable();
    identifiers.dedup();
    assert_eq!(identifiers.len(), 4);
    let app = &methods[3];
    assert_eq!(
        (&app["subMethod"], &app["platformType"], &app["value"]),
        (
            &json!("THREE-DS"),
            &json!("WEB"),
            &json!("Verify Online with Bank")
        )
    );
    for method in methods {
        for key in [
            "value",
            "requestPayload",
            "platformType",
            "subMethod",
            "identifier",
            "method",
            "source",
            "appID",
            "intentURL",
            "appPlatform",
            "appURL",
        ] {
            assert!(method.get(key).is_some(), "{key} in {method}");
        }
    }
    assert_eq!(observed(vat.counters()), counters(1, 0, 0, 0));

    // Device binding before the step-up: challenged again, nothing issued.
    let (status, again) = vat.device_binding(&token);
    assert_eq!(status, 200);
    assert_eq!(
        again["payload"]["stepUpResponse"],
        token.answer["stepUpResponse"]
    );

    let sms = vat.identifier_of(&token, "OTPSMS");
    assert_eq!(vat.trigger(&token, &sms), trigger_success());
    assert_eq!(observed(vat.counters()), counters(1, 1, 0, 0));

    assert_eq!(
        vat.validate(&token, "123456"),
        validate_failure("INVALID_OTP", "The OTP entered is incorrect.")
    );
    assert_eq!(vat.validate(&token, magic::RIGHT_OTP), validate_success());
    // The step-up is over: validating or triggering again is out of order.
    assert_error(
        &vat.validate(&token, magic::RIGHT_OTP),
        400,
        "INVALID_ACTION",
        "Device binding of this token is already approved: there is no OTP to validate.",
    );
    assert_error(
        &vat.trigger(&token, &sms),
        400,
        "INVALID_ACTION",
        "The step-up of this token is already complete: there is no OTP to send.",
    );

    // Enrolling before the passkey is out of order.
    assert_error(
        &vat.enroll(&token),
        400,
        "INVALID_ACTION",
        "No passkey is registered for this token: complete the REGISTER ceremony first.",
    );

    let binding = vat.device_binding(&token);
    assert_ceremony(&vat, &binding, "REGISTER", &token.id);
    let fido_blob = vat.complete(&binding.1);
    assert!(!fido_blob.is_empty());

    let (status, enrolled) = vat.enroll(&token);
    assert_eq!(status, 200, "{enrolled}");
    let reference_id = enrolled["payload"]["referenceId"]
        .as_str()
        .expect("reference")
        .to_owned();
    assert!(
        reference_id.starts_with("1_") && reference_id.ends_with("_IAMRB"),
        "{reference_id}"
    );
    assert_eq!(
        enrolled,
        json!({
            "errorMessage": null, "status": "SUCCESS", "errorCode": null,
            "payload": {
                "status": "ACTIVE",
                "referenceId": reference_id,
                "clientReferenceId": token.reference,
                "vProvisionedTokenId": token.id
            }
        })
    );
    let snapshot = vat.counters();
    assert_eq!(observed(snapshot), counters(1, 1, 1, 0));
    assert_eq!(snapshot.passkeys_registered, 1);
}

#[test]
fn approved_card_binds_without_step_up() {
    let vat = start();
    let token = vat.new_card(magic::CARD_APPROVED, "ref-approved");
    assert_eq!(
        token.answer,
        json!({
            "stepUpResponse": {
                "availableStepUpMethod": [],
                "otpInfo": null,
                "deviceBindingStatus": "APPROVED",
                "stepUpMethod": null
            },
            "vProvisionedTokenId": token.id
        })
    );
    assert_error(
        &vat.trigger(&token, "anything"),
        400,
        "INVALID_ACTION",
        "Device binding of this token was approved without a step-up: there is no OTP to send.",
    );
    assert_error(
        &vat.validate(&token, magic::RIGHT_OTP),
        400,
        "INVALID_ACTION",
        "Device binding of this token is already approved: there is no OTP to validate.",
    );
    let binding = vat.device_binding(&token);
    assert_ceremony(&vat, &binding, "REGISTER", &token.id);
    vat.complete(&binding.1);
    assert_eq!(vat.enroll(&token).0, 200);
    assert_eq!(observed(vat.counters()), counters(1, 0, 1, 0));
}

#[test]
fn any_other_card_takes_the_approved_path() {
    let vat = start();
    let token = vat.new_card("5555555555554444", "ref-other");
    assert_eq!(
        token.answer["stepUpResponse"]["deviceBindingStatus"],
        "APPROVED"
    );
}

#[test]
fn out_of_band_step_up_is_approved_through_the_helper() {
    let vat = start();
    let token = vat.new_card(magic::CARD_CHALLENGED, "ref-oob");
    assert!(!juspay_vat::approve_binding(
        vat.sandbox.shared(),
        "no-such-token"
    ));
    assert!(juspay_vat::approve_binding(vat.sandbox.shared(), &token.id));
    let binding = vat.device_binding(&token);
    assert_ceremony(&vat, &binding, "REGISTER", &token.id);
    assert_eq!(observed(vat.counters()), counters(1, 0, 0, 0));
}

#[test]
fn purchase_end_to_end() {
    let vat = start();
    let token = vat.enrolled("ref-enroll");
    let reference = "ref-purchase-1";
    let purchase = vat.purchase(&token, reference);
    assert_ceremony(&vat, &purchase, "AUTHENTICATE", &token.id);
    let identifier = purchase.1["payload"]["identifier"]
        .as_str()
        .expect("id")
        .to_owned();

    // The assurance is checked before the ceremony is completed.
    assert_error(
        &vat.post(
            "/cards/setUpAgenticPaymentInstruction",
            &setup_body(&token.id, reference, &identifier, "fido-not-yet"),
        ),
        400,
        "INVALID_INPUT",
        "Invalid `verificationData.fidoBlob`: not the result of the completed passkey ceremony `verificationData.identifier`.",
    );
    // Fetching before the instruction is out of order.
    assert_error(
        &vat.post(
            "/cards/fetchAgenticTransactCreds",
            &fetch_body(&token.id, reference, 92.65),
        ),
        400,
        "INVALID_ACTION",
        "No payment instruction is set up for this clientReferenceId and token: call /cards/setUpAgenticPaymentInstruction first.",
    );

    let fido_blob = vat.complete(&purchase.1);
    let (status, setup) = vat.post(
        "/cards/setUpAgenticPaymentInstruction",
        &setup_body(&token.id, reference, &identifier, &fido_blob),
    );
    assert_eq!(status, 200, "{setup}");
    let instruction_id = setup["payload"]["instructionId"]
        .as_str()
        .expect("instruction")
        .to_owned();
    assert!(instruction_id.starts_with("ins_"));
    assert_eq!(
        setup,
        json!({
            "errorMessage": null, "status": "SUCCESS", "errorCode": null,
            "payload": {
                "instructionId": instruction_id, "status": "ACTIVE",
                "clientReferenceId": reference, "vProvisionedTokenId": token.id
            }
        })
    );
    assert_eq!(observed(vat.counters()), counters(1, 0, 1, 0));

    let (status, credentials) = vat.post(
        "/cards/fetchAgenticTransactCreds",
        &fetch_body(&token.id, reference, 92.65),
    );
    assert_eq!(status, 200, "{credentials}");
    let payload = &credentials["payload"];
    let number = payload["tokenNumber"].as_str().expect("token number");
    assert_eq!(number.len(), 16);
    assert!(number.starts_with("489537"));
    let month: u32 = payload["expirationMonth"]
        .as_str()
        .expect("month")
        .parse()
        .expect("MM");
    assert!((1..=12).contains(&month));
    assert_eq!(payload["expirationYear"].as_str().map(str::len), Some(4));
    assert_eq!(payload["dynamicData"][0]["dynamicDataType"], "DTVV");
    assert_eq!(
        payload["dynamicData"][0]["dynamicDataValue"]
            .as_str()
            .map(str::len),
        Some(3)
    );
    assert!(
        payload["transactionReferenceId"]
            .as_str()
            .is_some_and(|r| r.starts_with("sbx-txn-"))
    );
    assert_eq!(
        (
            &payload["instructionId"],
            &payload["status"],
            &credentials["status"]
        ),
        (&json!(instruction_id), &json!("SUCCESS"), &json!("SUCCESS"))
    );
    assert_eq!(observed(vat.counters()), counters(1, 0, 1, 1));

    // Every fetch issues credentials: a second one is a second charge, same token number.
    let (_, second) = vat.post(
        "/cards/fetchAgenticTransactCreds",
        &fetch_body(&token.id, reference, 10.0),
    );
    assert_eq!(second["payload"]["tokenNumber"], payload["tokenNumber"]);
    assert_ne!(
        second["payload"]["transactionReferenceId"],
        payload["transactionReferenceId"]
    );
    assert_eq!(observed(vat.counters()), counters(1, 0, 1, 2));
}

#[test]
fn purchase_declines_over_the_mandate_and_after_it_lapses() {
    let vat = start();
    let token = vat.enrolled("ref-enroll");
    let reference = "ref-purchase-2";
    let (_, purchase) = vat.purchase(&token, reference);
    let identifier = purchase["payload"]["identifier"]
        .as_str()
        .expect("id")
        .to_owned();
    let fido_blob = vat.complete(&purchase);
    let mut setup = setup_body(&token.id, reference, &identifier, &fido_blob);
    let soon = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs()
        + 600;
    setup["mandates"][0]["effectiveUntilTime"] = json!(soon);
    assert_eq!(
        vat.post("/cards/setUpAgenticPaymentInstruction", &setup).0,
        200
    );

    assert_eq!(
        vat.post(
            "/cards/fetchAgenticTransactCreds",
            &fetch_body(&token.id, reference, 100.01)
        ),
        vat_failure(
            "DECLINED",
            "The transaction amount 100.01 exceeds the payment instruction's decline threshold 100.00."
        )
    );
    let mut other_currency = fetch_body(&token.id, reference, 5.0);
    other_currency["transactionDetails"][0]["transactionAmount"]["currencyCode"] = json!("USD");
    assert_eq!(
        vat.post("/cards/fetchAgenticTransactCreds", &other_currency),
        vat_failure(
            "DECLINED",
            "The transaction currency is not the payment instruction's."
        )
    );
    juspay_vat::advance_clock(vat.sandbox.shared(), 601_000);
    assert_eq!(
        vat.post(
            "/cards/fetchAgenticTransactCreds",
            &fetch_body(&token.id, reference, 1.0)
        ),
        vat_failure("EXPIRED", "The payment instruction has expired.")
    );
    assert_eq!(observed(vat.counters()), counters(1, 0, 1, 0));
}

#[test]
fn purchase_without_a_passkey_is_challenged() {
    let vat = start();
    let token = vat.new_card(magic::CARD_APPROVED, "ref-nopasskey");
    let (status, body) = vat.purchase(&token, "ref-purchase");
    assert_eq!(status, 200);
    assert_eq!(body["payload"]["vProvisionedTokenId"], json!(token.id));
    let step_up = &body["payload"]["stepUpResponse"];
    assert_eq!(step_up["deviceBindingStatus"], "CHALLENGED");
    assert_eq!(
        step_up["availableStepUpMethod"].as_array().map(Vec::len),
        Some(4)
    );
    // Asking twice offers the same methods.
    let (_, again) = vat.purchase(&token, "ref-purchase");
    assert_eq!(again["payload"]["stepUpResponse"], *step_up);
}

#[test]
fn setup_checks_the_ceremony_the_reference_and_the_enrollment() {
    let vat = start();
    let token = vat.enrolled("ref-enroll");
    let (_, purchase) = vat.purchase(&token, "ref-p");
    let identifier = purchase["payload"]["identifier"]
        .as_str()
        .expect("id")
        .to_owned();
    let fido_blob = vat.complete(&purchase);

    // Another purchase's reference.
    assert_error(
        &vat.post(
            "/cards/setUpAgenticPaymentInstruction",
            &setup_body(&token.id, "ref-other", &identifier, &fido_blob),
        ),
        400,
        "INVALID_INPUT",
        "Invalid `clientReferenceId`: not the clientReferenceId of the purchase call that issued this ceremony.",
    );
    // The enrollment's REGISTER ceremony is not a purchase assurance.
    assert_error(
        &vat.post(
            "/cards/setUpAgenticPaymentInstruction",
            &setup_body(
                &token.id,
                "ref-p",
                "00000000000000000000000000000000",
                &fido_blob,
            ),
        ),
        400,
        "INVALID_INPUT",
        "Invalid `verificationData.identifier`: not the identifier of a purchase (AUTHENTICATE) ceremony for this token.",
    );
    // Another customer.
    let mut other = setup_body(&token.id, "ref-p", &identifier, &fido_blob);
    other["customerId"] = json!("user_other");
    assert_error(
        &vat.post("/cards/setUpAgenticPaymentInstruction", &other),
        400,
        "INVALID_INPUT",
        "Invalid `customerId`: the token belongs to another customer.",
    );
    // A time in milliseconds is not unix seconds.
    let mut millis = setup_body(&token.id, "ref-p", &identifier, &fido_blob);
    millis["mandates"][0]["effectiveUntilTime"] = json!(4_102_444_800_000_u64);
    assert_error(
        &vat.post("/cards/setUpAgenticPaymentInstruction", &millis),
        400,
        "INVALID_INPUT",
        "Invalid `mandates[0].effectiveUntilTime`: expected a positive time in unix seconds.",
    );
    let mut past = setup_body(&token.id, "ref-p", &identifier, &fido_blob);
    past["mandates"][0]["effectiveUntilTime"] = json!(1_000_000_000);
    assert_error(
        &vat.post("/cards/setUpAgenticPaymentInstruction", &past),
        400,
        "INVALID_INPUT",
        "Invalid `mandates[0].effectiveUntilTime`: the time is in the past.",
    );

    // A token with a passkey but not enrolled.
    let bound = vat.new_card(magic::CARD_APPROVED, "ref-bound");
    let (_, binding) = vat.device_binding(&bound);
    vat.complete(&binding);
    let (_, purchase) = vat.purchase(&bound, "ref-q");
    assert_eq!(purchase["payload"]["actionToBePerformed"], "AUTHENTICATE");
    let identifier = purchase["payload"]["identifier"]
        .as_str()
        .expect("id")
        .to_owned();
    let fido_blob = vat.complete(&purchase);
    assert_error(
        &vat.post(
            "/cards/setUpAgenticPaymentInstruction",
            &setup_body(&bound.id, "ref-q", &identifier, &fido_blob),
        ),
        400,
        "INVALID_ACTION",
        "This token is not enrolled in Visa Intelligent Commerce: call /enrollInAgenticService first.",
    );
}

// ---------------------------------------------------------------------------------------------
// Step-up branches, limits and expiry
// ---------------------------------------------------------------------------------------------

#[test]
fn delivery_failure_sends_nothing_and_another_method_works() {
    let vat = start();
    let token = vat.new_card(magic::CARD_CHALLENGED, "ref-delivery");
    let email = vat.identifier_of(&token, magic::METHOD_DELIVERY_FAILS);
    assert_eq!(
        vat.trigger(&token, &email),
        vat_failure(
            "OTP_DELIVERY_FAILED",
            "Selected validation method is not available: the OTP could not be delivered."
        )
    );
    assert_eq!(observed(vat.counters()), counters(1, 0, 0, 0));
    // Nothing was sent, so there is nothing to validate.
    assert_error(
        &vat.validate(&token, magic::RIGHT_OTP),
        400,
        "INVALID_ACTION",
        "No OTP was sent for this token: call /initiateVerification before /validateOtp.",
    );
    // A method that sends no OTP cannot be triggered.
    let call = vat.identifier_of(&token, "CUSTOMERSERVICE");
    assert_eq!(
        vat.trigger(&token, &call),
        vat_failure(
            "INVALID_STEP_UP_METHOD",
            "The selected step-up method does not use an OTP."
        )
    );
    let sms = vat.identifier_of(&token, "OTPSMS");
    assert_eq!(vat.trigger(&token, &sms), trigger_success());
    assert_eq!(vat.validate(&token, magic::RIGHT_OTP), validate_success());
    assert_eq!(observed(vat.counters()), counters(1, 1, 0, 0));
}

#[test]
fn otp_send_limit() {
    let vat = start();
    let token = vat.new_card(magic::CARD_CHALLENGED, "ref-sends");
    let sms = vat.identifier_of(&token, "OTPSMS");
    for _ in 0..magic::MAX_OTP_REQUESTS {
        assert_eq!(vat.trigger(&token, &sms), trigger_success());
    }
    assert_eq!(
        vat.trigger(&token, &sms),
        vat_failure("MAX_LIMIT_EXCEEDED", "Max OTP send limit exceeded.")
    );
    assert_eq!(observed(vat.counters()), counters(1, 3, 0, 0));
    // The last code sent is still good.
    assert_eq!(vat.validate(&token, magic::RIGHT_OTP), validate_success());
}

#[test]
fn otp_verification_limit_survives_a_resend() {
    let vat = start();
    let token = vat.new_card(magic::CARD_CHALLENGED, "ref-attempts");
    let sms = vat.identifier_of(&token, "OTPSMS");
    assert_eq!(vat.trigger(&token, &sms), trigger_success());
    let wrong = validate_failure("INVALID_OTP", "The OTP entered is incorrect.");
    assert_eq!(vat.validate(&token, "111111"), wrong);
    assert_eq!(vat.validate(&token, "222222"), wrong);
    // A resend gives a new code, not more attempts.
    assert_eq!(vat.trigger(&token, &sms), trigger_success());
    assert_eq!(vat.validate(&token, "333333"), wrong);
    let limit = validate_failure(
        "MAX_LIMIT_EXCEEDED",
        "Maximum OTP verification attempts exceeded.",
    );
    assert_eq!(vat.validate(&token, magic::RIGHT_OTP), limit);
    assert_eq!(vat.validate(&token, magic::RIGHT_OTP), limit);
    // Still challenged.
    let (_, binding) = vat.device_binding(&token);
    assert_eq!(
        binding["payload"]["stepUpResponse"]["deviceBindingStatus"],
        "CHALLENGED"
    );
    assert_eq!(observed(vat.counters()), counters(1, 2, 0, 0));
}

#[test]
fn otp_expires_after_five_minutes_and_a_resend_renews_it() {
    let vat = start();
    let token = vat.new_card(magic::CARD_CHALLENGED, "ref-expiry");
    let sms = vat.identifier_of(&token, "OTPSMS");
    assert_eq!(vat.trigger(&token, &sms), trigger_success());
    juspay_vat::advance_clock(vat.sandbox.shared(), 4 * 60_000);
    assert_eq!(
        vat.validate(&token, "000000"),
        validate_failure("INVALID_OTP", "The OTP entered is incorrect.")
    );
    juspay_vat::advance_clock(vat.sandbox.shared(), 60_000 + 1_000);
    assert_eq!(
        vat.validate(&token, magic::RIGHT_OTP),
        validate_failure("EXPIRED", "The OTP has expired: request a new one.")
    );
    assert_eq!(vat.trigger(&token, &sms), trigger_success());
    assert_eq!(vat.validate(&token, magic::RIGHT_OTP), validate_success());
    assert_eq!(observed(vat.counters()), counters(1, 2, 0, 0));
}

#[test]
fn card_token_expires_after_fifteen_minutes() {
    let vat = start();
    let card_token = vat.tokenize(magic::CARD_CHALLENGED);
    juspay_vat::advance_clock(vat.sandbox.shared(), magic::CARD_TOKEN_TTL_MS + 1_000);
    let secure_token = vat.session();
    assert_error(
        &vat.post(
            "/provision-token-passkey",
            &new_card_body(&secure_token, "ref", &card_token),
        ),
        400,
        "EXPIRED",
        "`paymentInstrument.cardObj`: the card token has expired (card tokens live 15 minutes).",
    );
    assert_eq!(observed(vat.counters()), counters(0, 0, 0, 0));
}

// ---------------------------------------------------------------------------------------------
// Bad requests
// ---------------------------------------------------------------------------------------------

#[test]
fn unknown_tokens_are_resource_not_found() {
    let vat = start();
    let secure_token = vat.session();
    let ghost = Token {
        id: "ffffffffffffffffffffffffffffffff".to_owned(),
        reference: "ref".to_owned(),
        secure_token: secure_token.clone(),
        answer: Value::Null,
    };
    let unknown = "`vProvisionedTokenId`: no such vProvisionedTokenId.";
    let unknown_obj = "`paymentInstrument.cardObj`: no such vProvisionedTokenId.";
    assert_error(
        &vat.trigger(&ghost, "x"),
        404,
        "RESOURCE_NOT_FOUND",
        unknown,
    );
    assert_error(
        &vat.validate(&ghost, "456789"),
        404,
        "RESOURCE_NOT_FOUND",
        unknown,
    );
    assert_error(
        &vat.device_binding(&ghost),
        404,
        "RESOURCE_NOT_FOUND",
        unknown_obj,
    );
    assert_error(
        &vat.purchase(&ghost, "ref"),
        404,
        "RESOURCE_NOT_FOUND",
        unknown_obj,
    );
    assert_error(&vat.enroll(&ghost), 404, "RESOURCE_NOT_FOUND", unknown);
    assert_error(
        &vat.post(
            "/cards/setUpAgenticPaymentInstruction",
            &setup_body(&ghost.id, "ref", "id", "blob"),
        ),
        404,
        "RESOURCE_NOT_FOUND",
        unknown,
    );
    assert_error(
        &vat.post(
            "/cards/fetchAgenticTransactCreds",
            &fetch_body(&ghost.id, "ref", 1.0),
        ),
        404,
        "RESOURCE_NOT_FOUND",
        unknown,
    );
    assert_error(
        &vat.post(
            "/provision-token-passkey",
            &new_card_body(&secure_token, "ref", "ctkn_unknown"),
        ),
        404,
        "RESOURCE_NOT_FOUND",
        "`paymentInstrument.cardObj`: no such card token.",
    );
    assert_eq!(observed(vat.counters()), counters(0, 0, 0, 0));
}

#[test]
fn validate_before_trigger_is_an_invalid_action() {
    let vat = start();
    let token = vat.new_card(magic::CARD_CHALLENGED, "ref-order");
    assert_error(
        &vat.validate(&token, magic::RIGHT_OTP),
        400,
        "INVALID_ACTION",
        "No OTP was sent for this token: call /initiateVerification before /validateOtp.",
    );
    assert_eq!(observed(vat.counters()), counters(1, 0, 0, 0));
}

#[test]
fn ids_of_the_journey_must_match() {
    let vat = start();
    let token = vat.new_card(magic::CARD_CHALLENGED, "ref-journey");
    let sms = vat.identifier_of(&token, "OTPSMS");
    let other_reference = Token {
        reference: "ref-another".to_owned(),
        ..token.clone()
    };
    let wrong_reference = "Invalid `clientReferenceId`: not the clientReferenceId this token was provisioned with (one id per journey).";
    assert_error(
        &vat.trigger(&other_reference, &sms),
        400,
        "INVALID_INPUT",
        wrong_reference,
    );
    assert_error(
        &vat.device_binding(&other_reference),
        400,
        "INVALID_INPUT",
        wrong_reference,
    );
    assert_error(
        &vat.enroll(&other_reference),
        400,
        "INVALID_INPUT",
        wrong_reference,
    );
    assert_error(
        &vat.post(
            "/initiateVerification",
            &json!({
                "tokenReference": "0123", "vProvisionedTokenId": token.id,
                "clientReferenceId": token.reference, "stepUpRequestId": sms
            }),
        ),
        400,
        "INVALID_INPUT",
        "Invalid `tokenReference`: does not match vProvisionedTokenId (the token reference is the provisioned token id).",
    );
    assert_error(
        &vat.trigger(&token, "not-offered"),
        400,
        "INVALID_INPUT",
        "Invalid `stepUpRequestId`: not the identifier of a step-up method offered for this token.",
    );
    let mut other_customer = provision_body(
        &token.secure_token,
        &token.reference,
        "V_PROV_TOKEN_ID",
        &token.id,
        "DEVICE_BINDING",
        "REGISTER",
    );
    other_customer["customerId"] = json!("user_other");
    assert_error(
        &vat.post("/provision-token-passkey", &other_customer),
        400,
        "INVALID_INPUT",
        "Invalid `customerId`: the token belongs to another customer.",
    );
    let mut enroll_other = enroll_body(&token.id, &token.reference);
    enroll_other["userDetails"]["customerId"] = json!("user_other");
    assert_error(
        &vat.post("/enrollInAgenticService", &enroll_other),
        400,
        "INVALID_INPUT",
        "Invalid `userDetails.customerId`: the token belongs to another customer.",
    );
    assert_eq!(observed(vat.counters()), counters(1, 0, 0, 0));
}

#[test]
fn provision_checks_the_session_and_the_mode() {
    let vat = start();
    let card_token = vat.tokenize(magic::CARD_CHALLENGED);
    assert_error(
        &vat.post(
            "/provision-token-passkey",
            &new_card_body("ezAwMX06-not-a-session", "ref", &card_token),
        ),
        400,
        "INVALID_INPUT",
        "Invalid `sessionContext.secureToken`: not a session of the Visa page (use the secureToken of AUTH_SESSION_CREATED).",
    );
    let secure_token = vat.session();
    let mixed = provision_body(
        &secure_token,
        "ref",
        "CARD_TOKEN",
        &card_token,
        "DEVICE_BINDING",
        "REGISTER",
    );
    let (status, body) = vat.post("/provision-token-passkey", &mixed);
    assert_eq!(
        (status, &body["error_info"]["code"]),
        (400, &json!("INVALID_INPUT")),
        "{body}"
    );
    let mut bad_enum = new_card_body(&secure_token, "ref", &card_token);
    bad_enum["authFlowType"] = json!("PASSWORD");
    assert_error(
        &vat.post("/provision-token-passkey", &bad_enum),
        400,
        "INVALID_INPUT",
        "Invalid `authFlowType`: expected one of FIDO.",
    );
    let mut bad_amount = new_card_body(&secure_token, "ref", &card_token);
    bad_amount["amount"]["total"] = json!("92.655");
    assert_error(
        &vat.post("/provision-token-passkey", &bad_amount),
        400,
        "INVALID_INPUT",
        "Invalid `amount.total`: expected a decimal amount with at most two decimals, such as 92.65.",
    );
    let mut string_amount = new_card_body(&secure_token, "ref", &card_token);
    string_amount["amount"]["total"] = json!("92.65");
    assert_eq!(vat.post("/provision-token-passkey", &string_amount).0, 200);
    assert_eq!(observed(vat.counters()), counters(1, 0, 0, 0));
}

/// Removes `path` (dot-separated; numbers index arrays) from `value`.
fn without(mut value: Value, path: &str) -> Value {
    let parts: Vec<&str> = path.split('.').collect();
    let (last, parents) = parts.split_last().expect("a path");
    let mut target = &mut value;
    for part in parents {
        target = match part.parse::<usize>() {
            Ok(index) => &mut target[index],
            Err(_) => &mut target[*part],
        };
    }
    target.as_object_mut().expect("an object").remove(*last);
    value
}

fn with_empty(mut value: Value, path: &str) -> Value {
    let mut target = &mut value;
    for part in path.split('.') {
        target = match part.parse::<usize>() {
            Ok(index) => &mut target[index],
            Err(_) => &mut target[part],
        };
    }
    *target = json!("");
    value
}

#[test]
fn every_missing_mandatory_field_is_named() {
    let vat = start();
    let secure_token = vat.session();
    let cases: Vec<(&str, Value, Vec<&str>)> = vec![
        (
            "/provision-token-passkey",
            new_card_body(&secure_token, "ref", "ctkn_unknown"),
            vec![
                "customerId",
                "sessionContext",
                "sessionContext.secureToken",
                "browserData",
                "clientReferenceId",
                "authFlowType",
                "presentationType",
                "amount",
                "amount.currency",
                "amount.total",
                "paymentInstrument",
                "paymentInstrument.type",
                "paymentInstrument.cardObj",
                "deviceAttestationObj",
                "deviceAttestationObj.reasonCode",
                "deviceAttestationObj.actionToPerform",
            ],
        ),
        (
            "/initiateVerification",
            json!({"tokenReference": "t", "vProvisionedTokenId": "t", "clientReferenceId": "r", "stepUpRequestId": "s"}),
            vec![
                "tokenReference",
                "vProvisionedTokenId",
                "clientReferenceId",
                "stepUpRequestId",
            ],
        ),
        (
            "/validateOtp",
            json!({"tokenReference": "t", "otpValue": "456789", "clientReferenceId": "r", "networkType": "VISA", "vProvisionedTokenId": "t"}),
            vec![
                "tokenReference",
                "otpValue",
                "clientReferenceId",
                "networkType",
                "vProvisionedTokenId",
            ],
        ),
        (
            "/enrollInAgenticService",
            enroll_body("t", "r"),
            vec![
                "clientReferenceId",
                "vProvisionedTokenId",
                "userDetails",
                "userDetails.customerId",
                "userDetails.identityType",
                "userDetails.countryCode",
                "appDetails",
                "appDetails.userAgent",
                "appDetails.ipAddress",
                "networkType",
            ],
        ),
        (
            "/cards/setUpAgenticPaymentInstruction",
            setup_body("t", "r", "i", "b"),
            vec![
                "cardNetwork",
                "clientReferenceId",
                "vProvisionedTokenId",
                "customerId",
                "verificationData",
                "verificationData.verifyType",
                "verificationData.identifier",
                "verificationData.fidoBlob",
                "mandates",
            ],
        ),
        (
            "/cards/fetchAgenticTransactCreds",
            fetch_body("t", "r", 1.0),
            vec![
                "networkType",
                "vProvisionedTokenId",
                "clientReferenceId",
                "nwTransactionId",
                "transactionDetails",
            ],
        ),
    ];
    for (path, valid, fields) in cases {
        // The complete body passes validation (it fails later, on state).
        let (status, body) = vat.post(path, &valid);
        assert_eq!(status, 404, "{path}: {body}");
        for field in fields {
            assert_error(
                &vat.post(path, &without(valid.clone(), field)),
                400,
                "MISSING_MANDATORY_PARAMETER",
                &missing(field),
            );
            if !matches!(
                field,
                "sessionContext"
                    | "amount"
                    | "paymentInstrument"
                    | "deviceAttestationObj"
                    | "userDetails"
                    | "appDetails"
                    | "verificationData"
                    | "mandates"
                    | "transactionDetails"
                    | "amount.total"
            ) {
                assert_error(
                    &vat.post(path, &with_empty(valid.clone(), field)),
                    400,
                    "MISSING_MANDATORY_PARAMETER",
                    &missing(field),
                );
            }
        }
    }
    // Nested elements of arrays are named with their index.
    let mandate = without(
        setup_body("t", "r", "i", "b"),
        "mandates.0.effectiveUntilTime",
    );
    assert_error(
        &vat.post("/cards/setUpAgenticPaymentInstruction", &mandate),
        400,
        "MISSING_MANDATORY_PARAMETER",
        &missing("mandates[0].effectiveUntilTime"),
    );
    let detail = without(
        fetch_body("t", "r", 1.0),
        "transactionDetails.0.transactionAmount",
    );
    assert_error(
        &vat.post("/cards/fetchAgenticTransactCreds", &detail),
        400,
        "MISSING_MANDATORY_PARAMETER",
        &missing("transactionDetails[0].transactionAmount"),
    );
    // Wrong types are INVALID_INPUT.
    let mut typed = enroll_body("t", "r");
    typed["clientReferenceId"] = json!(42);
    assert_error(
        &vat.post("/enrollInAgenticService", &typed),
        400,
        "INVALID_INPUT",
        "Invalid `clientReferenceId`: expected a string.",
    );
    assert_error(
        &vat.post(
            "/validateOtp",
            &json!({"tokenReference": "t", "otpValue": "45x789", "clientReferenceId": "r", "networkType": "VISA", "vProvisionedTokenId": "t"}),
        ),
        400,
        "INVALID_INPUT",
        "Invalid `otpValue`: expected 4 to 8 digits.",
    );
    assert_eq!(observed(vat.counters()), counters(0, 0, 0, 0));
}

#[test]
fn wrong_content_types_are_refused() {
    let vat = start();
    let json_paths = [
        "/provision-token-passkey",
        "/initiateVerification",
        "/validateOtp",
        "/enrollInAgenticService",
        "/cards/setUpAgenticPaymentInstruction",
        "/cards/fetchAgenticTransactCreds",
    ];
    let json_only = "Invalid `Content-Type`: this API takes `application/json`.";
    for path in json_paths {
        assert_error(
            &vat.send(path, Some(FORM), b"a=b"),
            400,
            "INVALID_INPUT",
            json_only,
        );
        assert_error(
            &vat.send(path, None, b"{}"),
            400,
            "INVALID_INPUT",
            json_only,
        );
        assert_error(
            &vat.send(path, Some("text/plain"), b"{}"),
            400,
            "INVALID_INPUT",
            json_only,
        );
        assert_error(
            &vat.send(path, Some(JSON), b"{\"unterminated\": "),
            400,
            "INVALID_INPUT",
            "Invalid `body`: the body is not valid JSON.",
        );
        assert_error(
            &vat.send(path, Some(JSON), b"[1, 2]"),
            400,
            "INVALID_INPUT",
            "Invalid `body`: expected a JSON object.",
        );
    }
    // A charset parameter is fine.
    let (status, _) = vat.send(
        "/initiateVerification",
        Some("application/json; charset=utf-8"),
        json!({"tokenReference": "t", "vProvisionedTokenId": "t", "clientReferenceId": "r", "stepUpRequestId": "s"})
            .to_string()
            .as_bytes(),
    );
    assert_eq!(status, 404);
    assert_error(
        &vat.send(
            "/card/tokenize",
            Some(JSON),
            b"{\"card_number\": \"4242424242424242\"}",
        ),
        400,
        "INVALID_INPUT",
        "Invalid `Content-Type`: this API takes `application/x-www-form-urlencoded`.",
    );
}

#[test]
fn tokenize_validates_the_card() {
    let vat = start();
    let merchant = vat.sandbox.config().merchant_id.clone();
    let card = card_form(&merchant, magic::CARD_CHALLENGED);
    let replace = |field: &str, value: &'static str| -> Vec<(String, String)> {
        card.iter()
            .map(|(k, v)| {
                (
                    (*k).to_owned(),
                    if *k == field {
                        value.to_owned()
                    } else {
                        (*v).to_owned()
                    },
                )
            })
            .collect()
    };
    let send = |fields: Vec<(String, String)>| {
        let pairs: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        vat.tokenize_form(&pairs)
    };
    for field in [
        "merchant_id",
        "card_number",
        "card_exp_month",
        "card_exp_year",
        "card_security_code",
    ] {
        let fields: Vec<(String, String)> = card
            .iter()
            .filter(|(k, _)| *k != field)
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        assert_error(
            &send(fields),
            400,
            "MISSING_MANDATORY_PARAMETER",
            &missing(field),
        );
        assert_error(
            &send(replace(field, "")),
            400,
            "MISSING_MANDATORY_PARAMETER",
            &missing(field),
        );
    }
    assert_error(
        &send(replace("card_number", "4242424242424241")),
        400,
        "INVALID_INPUT",
        "Invalid `card_number`: expected 12 to 19 digits passing the Luhn check.",
    );
    assert_error(
        &send(replace("card_exp_month", "13")),
        400,
        "INVALID_INPUT",
        "Invalid `card_exp_month`: expected MM, 01 to 12.",
    );
    assert_error(
        &send(replace("card_exp_year", "2039")),
        400,
        "INVALID_INPUT",
        "Invalid `card_exp_year`: expected YY (two digits).",
    );
    assert_error(
        &send(replace("card_exp_year", "20")),
        400,
        "INVALID_INPUT",
        "Invalid `card_exp_year`: the card has expired.",
    );
    assert_error(
        &send(replace("card_security_code", "12")),
        400,
        "INVALID_INPUT",
        "Invalid `card_security_code`: expected 3 or 4 digits.",
    );
    assert_error(
        &send(replace("name_on_card", " ")),
        400,
        "INVALID_INPUT",
        "Invalid `name_on_card`: empty when given.",
    );
    assert_error(
        &send(replace("merchant_id", "someone_else")),
        401,
        "UNAUTHORIZED",
        "Invalid merchant ID.",
    );
    // name_on_card is optional.
    let fields: Vec<(String, String)> = card
        .iter()
        .filter(|(k, _)| *k != "name_on_card")
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    assert_eq!(send(fields).0, 200);
}

#[test]
fn garbage_never_breaks_the_server() {
    let vat = start();
    let bodies: [&[u8]; 9] = [
        b"",
        b"null",
        b"\"text\"",
        b"{\"customerId\": {\"nested\": [1, 2, {\"deep\": null}]}}",
        b"{\"mandates\": [null, 5, \"x\"], \"transactionDetails\": [[]]}",
        b"{\"amount\": {\"total\": 1e400}}",
        b"{\"amount\": {\"total\": -5, \"currency\": \"sgd\"}}",
        &[0xff, 0xfe, 0x00, 0x7b],
        b"{\"tokenReference\": \"\\u0000\", \"otpValue\": 456789}",
    ];
    for (_, path, _) in juspay_vat::OPERATIONS {
        for body in bodies {
            for content_type in [JSON, FORM] {
                let (status, answer) = vat.send(path, Some(content_type), body);
                assert!(
                    matches!(status, 400 | 401 | 404),
                    "{path} {status} {answer}"
                );
                assert!(answer["error_info"]["code"].is_string(), "{path} {answer}");
            }
        }
    }
    // Still serving.
    vat.tokenize(magic::CARD_APPROVED);
}

#[test]
fn operations_name_every_route_with_core_operation_names() {
    let names: Vec<&str> = juspay_vat::OPERATIONS
        .iter()
        .map(|(_, _, op)| *op)
        .collect();
    assert_eq!(
        names,
        [
            "juspay_vat.card_tokenize",
            "juspay_vat.provision_token_passkey",
            "juspay_vat.trigger_otp",
            "juspay_vat.validate_otp",
            "juspay_vat.enroll_in_agentic_service",
            "juspay_vat.setup_agentic_payment_instruction",
            "juspay_vat.fetch_payment_credentials",
        ]
    );
    assert!(
        juspay_vat::OPERATIONS
            .iter()
            .all(|(method, _, _)| *method == "POST")
    );
}

#[test]
fn concurrent_enrollments_count_exactly() {
    let vat = Arc::new(start());
    let journeys = 16;
    let threads: Vec<_> = (0..journeys)
        .map(|n| {
            let vat = Arc::clone(&vat);
            std::thread::spawn(move || {
                let token = vat.new_card(magic::CARD_CHALLENGED, &format!("ref-{n:02}"));
                let sms = vat.identifier_of(&token, "OTPSMS");
                assert_eq!(vat.trigger(&token, &sms), trigger_success());
                assert_eq!(vat.validate(&token, magic::RIGHT_OTP), validate_success());
                let (_, binding) = vat.device_binding(&token);
                vat.complete(&binding);
                assert_eq!(vat.enroll(&token).0, 200);
                token.id
            })
        })
        .collect();
    let mut ids: Vec<String> = threads
        .into_iter()
        .map(|t| t.join().expect("journey"))
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), journeys);
    let snapshot = vat.counters();
    assert_eq!(observed(snapshot), counters(16, 16, 16, 0));
    assert_eq!(snapshot.passkeys_registered, 16);
}
