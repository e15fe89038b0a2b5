//! Baseline Juspay journeys: VAT enrollment and purchase (JSON), EC Direct OTP (form-encoded).

use agentic_cli::demo::{DEMO_CUSTOMER, journeys::expiry};
use agentic_http::{Clock, SystemClock};
use agentic_sandbox::magic;
use serde_json::{Value, json};

use super::{Baseline, Body, need, ok, page, reference_id, text};
use crate::scenario::{DIRECT_OTP_AMOUNT, Host, SAVED_CARD_TOKEN};

/// The Visa page session: `AUTH_READY`, then `CREATE_AUTH_SESSION` → `AUTH_SESSION_CREATED`.
pub(super) struct Session {
    pub(super) request_id: String,
    pub(super) secure_token: String,
    pub(super) browser_data: Value,
    pub(super) dfp_session_id: Option<String>,
}

pub(super) fn session(host: &mut Host<'_>, client_id: &str) -> Result<Session, String> {
    let ready = page(host, None, false)?;
    if text(&ready, &["type"]) != Some("AUTH_READY") {
        return Err(format!("page: expected AUTH_READY, got {ready}"));
    }
    let request_id = need(&ready, &["requestID"], "AUTH_READY")?.to_owned();
    let create = json!({
        "type": "CREATE_AUTH_SESSION",
        "requestID": request_id,
        "version": "1",
        "client": {"id": client_id},
    });
    let created = page(host, Some(&create), false)?;
    if text(&created, &["type"]) != Some("AUTH_SESSION_CREATED") {
        return Err(format!(
            "page: expected AUTH_SESSION_CREATED, got {created}"
        ));
    }
    let secure_token = need(
        &created,
        &["sessionContext", "secureToken"],
        "AUTH_SESSION_CREATED",
    )?
    .to_owned();
    let browser_data = created
        .get("browserData")
        .cloned()
        .ok_or("AUTH_SESSION_CREATED: no browserData")?;
    Ok(Session {
        request_id,
        secure_token,
        browser_data,
        dfp_session_id: text(&created, &["dfpSessionID"]).map(str::to_owned),
    })
}

/// Posts `AUTHENTICATE` for `context` and returns `AUTH_COMPLETE.assuranceData`.
pub(super) fn ceremony(
    host: &mut Host<'_>,
    request_id: &str,
    context: Value,
) -> Result<Value, String> {
    let message = json!({
        "type": "AUTHENTICATE",
        "requestID": request_id,
        "version": "1",
        "authenticationContext": context,
    });
    let mut complete = page(host, Some(&message), true)?;
    if text(&complete, &["type"]) != Some("AUTH_COMPLETE") {
        return Err(format!("page: expected AUTH_COMPLETE, got {complete}"));
    }
    complete
        .get_mut("assuranceData")
        .map(Value::take)
        .ok_or_else(|| "AUTH_COMPLETE: no assuranceData".to_owned())
}

/// A VAT call whose answer must be HTTP 2xx with `status: SUCCESS`.
fn vat(client: &Baseline, path: &str, body: &Value) -> Result<Value, String> {
    let answer = ok(path, client.juspay("POST", path, Body::Json(body), false)?)?;
    match text(&answer, &["status"]) {
        Some("SUCCESS") => Ok(answer),
        _ => Err(format!("POST {path}: {answer}")),
    }
}

fn provision_body(
    session: &Session,
    reference: &str,
    reason: &str,
    action: &str,
    popup: Option<bool>,
    instrument: (&str, &str),
) -> Value {
    let mut body = json!({
        "customerId": DEMO_CUSTOMER,
        "sessionContext": {"secureToken": session.secure_token},
        "browserData": session.browser_data,
        "clientReferenceId": reference,
        "authFlowType": "FIDO",
        "presentationType": "AI_AGENT",
        "platformType": "WEB",
        "deviceAttestationObj": {"reasonCode": reason, "actionToPerform": action},
        "amount": {"currency": "SGD", "total": 92.65},
        "paymentInstrument": {"type": instrument.0, "cardObj": instrument.1},
    });
    if let (Some(popup), Some(map)) = (popup, body.as_object_mut()) {
        map.insert("shouldOpenAuthViaPopup".to_owned(), Value::Bool(popup));
    }
    body
}

/// The page's `authenticationContext` from a provision answer's `payload`.
fn passkey_context(payload: &Value, call: &str) -> Result<Value, String> {
    Ok(json!({
        "identifier": need(payload, &["identifier"], call)?,
        "endpoint": need(payload, &["endpoint"], call)?,
        "payload": need(payload, &["payload"], call)?,
        "action": need(payload, &["actionToBePerformed"], call)?,
        "platformType": text(payload, &["platformType"]).unwrap_or("WEB"),
        "authenticationPreferencesEnabled": {
            "responseType": text(payload, &["authPreferencesEnabled", "responseType"]).unwrap_or("code"),
            "responseMode": text(payload, &["authPreferencesEnabled", "responseMode"])
                .unwrap_or("com_visa_web_message"),
        },
    }))
}

/// Enrollment: tokenize, provision (challenged), trigger OTP, validate OTP, provision REGISTER,
/// ceremony, enroll.
///
/// # Errors
/// Why it did not end enrolled.
pub fn enrollment(client: &Baseline, host: &mut Host<'_>) -> Result<Value, String> {
    let reference = reference_id()?;
    let (month, year) = expiry();
    let tokenized = ok(
        "/card/tokenize",
        client.juspay(
            "POST",
            "/card/tokenize",
            Body::Form(&[
                ("merchant_id", client.merchant_id()),
                ("card_number", magic::CARD_CHALLENGED),
                ("card_exp_year", &year),
                ("card_exp_month", &month),
                ("name_on_card", "Demo Cardholder"),
                ("card_security_code", "123"),
            ]),
            false,
        )?,
    )?;
    let card_token = need(&tokenized, &["token"], "/card/tokenize")?;
    let session = session(host, &reference)?;
    let provisioned = vat(
        client,
        "/provision-token-passkey",
        &provision_body(
            &session,
            &reference,
            "PAYMENT",
            "AUTHENTICATE",
            None,
            ("CARD_TOKEN", card_token),
        ),
    )?;
    let payload = &provisioned["payload"];
    let token = need(payload, &["vProvisionedTokenId"], "provision")?;
    if text(payload, &["stepUpResponse", "deviceBindingStatus"]) != Some("CHALLENGED") {
        return Err(format!("provision: not challenged: {payload}"));
    }
    let methods = payload["stepUpResponse"]["availableStepUpMethod"]
        .as_array()
        .ok_or("provision: no availableStepUpMethod")?;
    let method = methods
        .iter()
        .find(|m| matches!(text(m, &["method"]), Some("OTPSMS" | "OTPEMAIL")))
        .ok_or("provision: no OTP method")?;
    let step_up_id = need(method, &["identifier"], "provision")?;
    vat(
        client,
        "/initiateVerification",
        &json!({
            "tokenReference": token,
            "vProvisionedTokenId": token,
            "clientReferenceId": reference,
            "stepUpRequestId": step_up_id,
        }),
    )?;
    vat(
        client,
        "/validateOtp",
        &json!({
            "tokenReference": token,
            "otpValue": magic::RIGHT_OTP,
            "clientReferenceId": reference,
            "networkType": "VISA",
            "vProvisionedTokenId": token,
        }),
    )?;
    let register = vat(
        client,
        "/provision-token-passkey",
        &provision_body(
            &session,
            &reference,
            "DEVICE_BINDING",
            "REGISTER",
            None,
            ("V_PROV_TOKEN_ID", token),
        ),
    )?;
    let context = passkey_context(&register["payload"], "provision REGISTER")?;
    ceremony(host, &session.request_id, context)?;
    let enrolled = vat(
        client,
        "/enrollInAgenticService",
        &json!({
            "clientReferenceId": reference,
            "vProvisionedTokenId": token,
            "userDetails": {
                "customerId": DEMO_CUSTOMER,
                "identityType": "EMAIL_ADDRESS",
                "countryCode": "US",
            },
            "appDetails": {
                "userAgent": concat!("agentic-cli/", env!("CARGO_PKG_VERSION")),
                "ipAddress": "127.0.0.1",
                "deviceData": {"model": "Demo", "brand": "agentic", "manufacturer": "agentic"},
            },
            "appName": "agentic demo",
            "networkType": "VISA",
        }),
    )?;
    match text(&enrolled, &["payload", "status"]) {
        Some("ACTIVE") => Ok(enrolled),
        _ => Err(format!("enroll: {enrolled}")),
    }
}

/// Purchase with `token`: provision AUTHENTICATE, ceremony, set up the instruction, fetch the
/// credentials.
///
/// # Errors
/// Why it did not end with credentials.
pub fn purchase(client: &Baseline, host: &mut Host<'_>, token: &str) -> Result<Value, String> {
    let reference = reference_id()?;
    let order = format!(
        "demo-{}",
        agentic_cli::random_hex::<6>().map_err(|e| e.to_string())?
    );
    let expires_at = (SystemClock.now() + 24 * 60 * 60 * 1000) / 1000;
    let session = session(host, &reference)?;
    let provisioned = vat(
        client,
        "/provision-token-passkey",
        &provision_body(
            &session,
            &reference,
            "PAYMENT",
            "AUTHENTICATE",
            Some(false),
            ("V_PROV_TOKEN_ID", token),
        ),
    )?;
    let context = passkey_context(&provisioned["payload"], "provision AUTHENTICATE")?;
    let assurance = ceremony(host, &session.request_id, context)?;
    let mut verification = json!({
        "verifyType": "FIDO",
        "identifier": need(&assurance, &["identifier"], "AUTH_COMPLETE")?,
        "fidoBlob": need(&assurance, &["fidoBlob"], "AUTH_COMPLETE")?,
    });
    if let (Some(dfp), Some(map)) = (&session.dfp_session_id, verification.as_object_mut()) {
        map.insert("dfpSessionId".to_owned(), Value::String(dfp.clone()));
    }
    vat(
        client,
        "/cards/setUpAgenticPaymentInstruction",
        &json!({
            "cardNetwork": "VISA",
            "clientReferenceId": reference,
            "vProvisionedTokenId": token,
            "customerId": DEMO_CUSTOMER,
            "verificationData": verification,
            "mandates": [{
                "declineThreshold": {"amount": 500.0, "currencyCode": "SGD"},
                "effectiveUntilTime": expires_at,
            }],
        }),
    )?;
    let credentials = vat(
        client,
        "/cards/fetchAgenticTransactCreds",
        &json!({
            "networkType": "VISA",
            "vProvisionedTokenId": token,
            "clientReferenceId": reference,
            "nwTransactionId": format!("nw-{reference}"),
            "transactionDetails": [{
                "transactionId": format!("txn-{reference}"),
                "transactionType": "PURCHASE",
                "transactionAmount": {
                    "totalAmount": 92.65,
                    "subTotalAmount": 92.65,
                    "tax": 0.0,
                    "currencyCode": "SGD",
                },
                "orderId": order,
            }],
        }),
    )?;
    let payload = &credentials["payload"];
    need(payload, &["tokenNumber"], "fetch credentials")?;
    if payload["dynamicData"][0]["dynamicDataValue"].is_null() {
        return Err(format!("fetch credentials: no cryptogram: {payload}"));
    }
    Ok(credentials)
}

/// Direct OTP: (BIN check,) create the order, `/txns` with the card (`Some(number)`) or the
/// saved card's token (`None`), the OTP.
///
/// # Errors
/// Why the payment did not end `CHARGED`.
pub fn direct_otp(client: &Baseline, card: Option<&str>) -> Result<Value, String> {
    let order_id = agentic_cli::new_order_id().map_err(|e| e.to_string())?;
    let merchant_id = client.merchant_id();
    if let Some(number) = card {
        let bin = &number[..6];
        let path = format!(
            "/cardbins/{bin}?merchant_id={merchant_id}&options.check_direct_otp_support=true"
        );
        let eligibility = ok(&path, client.juspay("GET", &path, Body::Empty, true)?)?;
        if eligibility.get("direct_otp_support") != Some(&Value::Bool(true)) {
            return Err(format!("cardbins: not eligible: {eligibility}"));
        }
    }
    let order = ok(
        "/orders",
        client.juspay(
            "POST",
            "/orders",
            Body::Form(&[
                ("order_id", &order_id),
                ("amount", DIRECT_OTP_AMOUNT),
                ("currency", "INR"),
                ("customer_id", DEMO_CUSTOMER),
            ]),
            true,
        )?,
    )?;
    if text(&order, &["status"]) != Some("NEW") {
        return Err(format!("orders: {order}"));
    }
    let (month, year) = expiry();
    let mut fields: Vec<(&str, &str)> = vec![
        ("order_id", &order_id),
        ("merchant_id", merchant_id),
        ("payment_method_type", "CARD"),
    ];
    match card {
        Some(number) => fields.extend([
            ("card_number", number),
            ("card_exp_month", &month),
            ("card_exp_year", &year),
            ("card_security_code", "123"),
            ("save_to_locker", "false"),
        ]),
        None => fields.extend([
            ("card_token", SAVED_CARD_TOKEN),
            ("card_security_code", "123"),
        ]),
    }
    fields.extend([("format", "json"), ("auth_type", "OTP")]);
    let started = ok(
        "/txns",
        client.juspay("POST", "/txns", Body::Form(&fields), true)?,
    )?;
    let auth = &started["payment"]["authentication"];
    if text(auth, &["method"]) != Some("POST") {
        return Err(format!("txns: no native OTP: {started}"));
    }
    let txn = need(auth, &["params", "id"], "txns")?;
    let challenge = need(auth, &["params", "challenge_id"], "txns")?;
    let path = format!("/v2/txns/{txn}/authenticate");
    let paid = ok(
        &path,
        client.juspay(
            "POST",
            &path,
            Body::Form(&[
                ("challenge_id", challenge),
                ("answer.otp", magic::RIGHT_OTP),
            ]),
            true,
        )?,
    )?;
    match text(&paid, &["status"]) {
        Some("CHARGED" | "AUTHORIZED") => Ok(paid),
        _ => Err(format!("authenticate: {paid}")),
    }
}
