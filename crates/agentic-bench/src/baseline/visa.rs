//! Baseline Visa Acceptance journey: tokenized-card passkey with the OTP step-up.

use agentic_sandbox::magic;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use serde_json::{Value, json};

use super::juspay::{ceremony, session};
use super::{Baseline, need, ok, reference_id, text};
use crate::scenario::{Env, Host};

/// `deviceInformation` from the page's `browserData`, as Cybersource names the fields.
fn device_information(browser: &Value) -> Value {
    json!({
        "httpAcceptContent": browser["browserHeader"],
        "httpBrowserColorDepth": browser["browserColorDepth"],
        "httpBrowserJavaEnabled": browser["browserJavaEnabled"],
        "httpBrowserJavaScriptEnabled": browser["browserJavascriptEnabled"],
        "httpBrowserLanguage": browser["browserLanguage"],
        "httpBrowserScreenHeight": browser["browserScreenHeight"],
        "httpBrowserScreenWidth": browser["browserScreenWidth"],
        "httpBrowserTimeDifference": browser["browserTimeZone"],
        "ipAddress": browser["ipAddress"],
        "platformType": "WEB",
        "userAgentBrowserValue": browser["userAgent"],
    })
}

/// Authentication options (challenged), one-time password, validate, registration, REGISTER
/// ceremony.
///
/// # Errors
/// Why the passkey was not registered.
pub fn visa_acceptance_step_up(
    env: &Env,
    client: &Baseline,
    host: &mut Host<'_>,
) -> Result<Value, String> {
    let token = env.next_va_token();
    let correlation = reference_id()?;
    let session = session(host, &correlation)?;
    let device = device_information(&session.browser_data);
    let amount = json!({"totalAmount": "25.00", "currency": "USD"});
    let merchant = json!({"merchantDescriptor": {
        "name": STANDARD_NO_PAD.encode("Agentic Demo Store"),
        "url": STANDARD_NO_PAD.encode("https://demo.agentic.invalid"),
    }});
    let base = format!("/tms/v2/tokenized-cards/{token}");
    let options_path = format!("{base}/authentication-options");
    let options = ok(
        &options_path,
        client.visa(
            &options_path,
            &json!({
                "clientCorrelationId": correlation,
                "sessionInformation": {"secureToken": session.secure_token},
                "authenticatorRenderMethod": "IFRAME",
                "orderInformation": {"amountDetails": amount},
                "merchantInformation": merchant,
                "deviceInformation": device,
            }),
        )?,
    )?;
    if text(&options, &["action"]) != Some("STEP_UP_AUTHENTICATE") {
        return Err(format!("authentication-options: not a step-up: {options}"));
    }
    let option = options["stepUpOptions"]
        .as_array()
        .and_then(|all| {
            all.iter()
                .find(|o| matches!(text(o, &["method"]), Some("OTP_SMS" | "OTP_EMAIL")))
        })
        .ok_or("authentication-options: no OTP option")?;
    let option_id = need(option, &["id"], "authentication-options")?;
    let otp_path = format!("{options_path}/one-time-passwords");
    ok(
        &otp_path,
        client.visa(
            &otp_path,
            &json!({"clientCorrelationId": correlation, "stepUpOption": {"id": option_id}}),
        )?,
    )?;
    let validate_path = format!("{options_path}/validate");
    let validated = ok(
        &validate_path,
        client.visa(
            &validate_path,
            &json!({
                "clientCorrelationId": correlation,
                "stepUpOption": {"id": option_id},
                "otp": magic::RIGHT_OTP,
            }),
        )?,
    )?;
    if text(&validated, &["action"]) != Some("AUTHENTICATION_REGISTRATION") {
        return Err(format!("validate: {validated}"));
    }
    let registrations_path = format!("{base}/authentication-registrations");
    let registration = ok(
        &registrations_path,
        client.visa(
            &registrations_path,
            &json!({
                "authenticatorRenderMethod": "IFRAME",
                "buyerInformation": {"language": "en-US"},
                "clientCorrelationId": correlation,
                "deviceInformation": device,
                "merchantInformation": merchant,
                "orderInformation": {
                    "amountDetails": amount,
                    "billTo": {"email": "cardholder@example.com"},
                },
                "sessionInformation": {"secureToken": session.secure_token},
            }),
        )?,
    )?;
    let context = &registration["authenticationContext"];
    let call = "authentication-registrations";
    let assurance = ceremony(
        host,
        &session.request_id,
        json!({
            "identifier": need(context, &["id"], call)?,
            "endpoint": need(context, &["endpoint"], call)?,
            "payload": need(context, &["payload"], call)?,
            "action": "REGISTER",
            "platformType": "WEB",
            "authenticationPreferencesEnabled": {
                "responseType": "code",
                "responseMode": "com_visa_web_message",
            },
        }),
    )?;
    need(&assurance, &["fidoBlob"], "AUTH_COMPLETE")?;
    Ok(assurance)
}
