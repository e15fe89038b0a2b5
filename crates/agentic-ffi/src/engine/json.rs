//! JSON views for callers that speak JSON (the C ABI): steps, prompts, outcomes, failures and
//! errors as [`serde_json::Value`] **without any secret**, and inputs read from JSON.
//!
//! Every object has a `"type"` in snake case. What is left out on purpose:
//!
//! - the Visa page message to post (`CREATE_AUTH_SESSION`, `AUTHENTICATE` with its payload
//!   JWT): the view says `"message_type"`; take the text from
//!   [`SessionStep::message_to_post`](super::SessionStep::message_to_post);
//! - the fetched credentials (token number, expiry, cryptogram) and the passkey's `fidoBlob`:
//!   the view shows their public parts and whether each secret is present.
//!
//! Inputs (`input_from_json`): `{"type": "otp", "otp": "123456"}`, `{"type":
//! "resend_otp"}`, `{"type": "choose_step_up", "identifier": "…"}`, `{"type":
//! "choose_another_method"}`, `{"type": "issuer_auth_code", "code": "…"}`, `{"type":
//! "visa_message", "json": "…", "origin": "https://…"}`, `{"type": "visa_session",
//! "secure_token": "…", "browser_data": {…}}`, `{"type": "page_closed"}`, `{"type":
//! "step_up_completed"}`, `{"type": "redirect_completed"}`, `{"type": "reconcile"}`, `{"type":
//! "resend_after_unknown_outcome"}`, `{"type": "cancel"}`.

use agentic_core::journey::{Input, Outcome, PageFailure, Prompt, StepUpChoice};
use agentic_core::secret::SecretText;
use agentic_core::visa_page::BrowserData;
use serde::Deserialize;
use serde_json::{Value, json};
use zeroize::Zeroize;

use super::{Secret, SessionStep};
use crate::error::{AgenticError, Failure};

/// A step: `{"type": "prompt", "prompt": {…}}`, `{"type": "done", "outcome": {…}}` or
/// `{"type": "failed", "failure": {…}}`.
pub fn step(step: &SessionStep) -> Value {
    match step {
        SessionStep::Prompt(p) => json!({"type": "prompt", "prompt": prompt(p)}),
        SessionStep::Done(o) => json!({"type": "done", "outcome": outcome(o)}),
        SessionStep::Failed(f) => json!({"type": "failed", "failure": failure(f)}),
    }
}

fn choice(choice: &StepUpChoice) -> Value {
    json!({
        "identifier": choice.identifier,
        "method": choice.method.as_str(),
        "sends_otp": choice.method.sends_otp(),
        "value": choice.value,
        "sub_method": choice.sub_method.as_ref().map(|s| s.as_str()),
        "url": choice.url,
    })
}

/// A prompt, without the page message to post.
pub fn prompt(prompt: &Prompt) -> Value {
    match prompt {
        Prompt::ProvideVisaSession {
            origin,
            message_to_post,
        } => json!({
            "type": "provide_visa_session",
            "origin": origin,
            "message_type": message_to_post.as_ref().map(|m| m.message_type()),
        }),
        Prompt::ChooseStepUp { methods } => json!({
            "type": "choose_step_up",
            "methods": methods.iter().map(choice).collect::<Vec<_>>(),
        }),
        Prompt::EnterOtp {
            attempts_left,
            resends_left,
            expires_at,
            last_attempt_failed,
            expired,
        } => json!({
            "type": "enter_otp",
            "attempts_left": attempts_left,
            "resends_left": resends_left,
            "expires_at_ms": expires_at,
            "last_attempt_failed": last_attempt_failed,
            "expired": expired,
        }),
        Prompt::CompleteStepUp { choice: c } => json!({
            "type": "complete_step_up",
            "choice": choice(c),
        }),
        Prompt::PasskeyCeremony {
            message_to_post,
            origin,
            popup,
            action,
        } => json!({
            "type": "passkey_ceremony",
            "origin": origin,
            "popup": popup,
            "action": action.as_str(),
            "message_type": message_to_post.message_type(),
        }),
        Prompt::Redirect { url } => json!({"type": "redirect", "url": url}),
        Prompt::ConfirmUnknownOutcome {
            operation,
            can_reconcile,
        } => json!({
            "type": "confirm_unknown_outcome",
            "operation": operation,
            "can_reconcile": can_reconcile,
        }),
    }
}

/// An outcome, public parts only.
pub fn outcome(outcome: &Outcome) -> Value {
    match outcome {
        Outcome::Enrolled {
            v_provisioned_token_id,
            status,
        } => json!({
            "type": "enrolled",
            "v_provisioned_token_id": v_provisioned_token_id,
            "status": status.as_ref().map(|s| s.as_str()),
        }),
        Outcome::Authorised { credentials } => json!({
            "type": "authorised",
            "dynamic_data_type": credentials.dynamic_data_type.as_ref().map(|d| d.as_str()),
            "transaction_reference": credentials.transaction_reference,
            "status": credentials.status.as_ref().map(|s| s.as_str()),
            "has_token_number": credentials.token_number.is_some(),
            "has_cryptogram": credentials.cryptogram.is_some(),
        }),
        Outcome::Paid {
            order_id,
            txn_id,
            status,
        } => json!({
            "type": "paid",
            "order_id": order_id,
            "txn_id": txn_id,
            "status": status.as_str(),
        }),
        Outcome::PasskeyVerified { action, assurance } => json!({
            "type": "passkey_verified",
            "action": action.as_str(),
            "identifier": assurance.identifier,
            "rp_id": assurance.rp_id,
            "has_fido_blob": !assurance.fido_blob.expose_secret().is_empty(),
        }),
    }
}

/// The name of a page failure in views (`cancelled`).
pub fn page_failure_name(failure: PageFailure) -> &'static str {
    match failure {
        PageFailure::Failed => "failed",
        PageFailure::Cancelled => "cancelled",
        PageFailure::NotSupported => "not_supported",
        PageFailure::NotPerformed => "not_performed",
        PageFailure::Closed => "closed",
    }
}

/// A failure the journey's UI handles.
pub fn failure(failure: &Failure) -> Value {
    match failure {
        Failure::Cancelled {
            outcome_unknown_for,
        } => json!({"type": "cancelled", "outcome_unknown_for": outcome_unknown_for}),
        Failure::Passkey { failure, action } => json!({
            "type": "passkey",
            "failure": page_failure_name(*failure),
            "action": action.as_str(),
        }),
        Failure::StepUpExhausted => json!({"type": "step_up_exhausted"}),
        Failure::RebindRequired => json!({"type": "rebind_required"}),
        Failure::PaymentFailed { status } => json!({"type": "payment_failed", "status": status}),
    }
}

/// An error.
pub fn error(error: &AgenticError) -> Value {
    match error {
        AgenticError::InvalidInput { field, problem } => {
            json!({"type": "invalid_input", "field": field, "problem": problem})
        }
        AgenticError::InvalidState { detail } => json!({"type": "invalid_state", "detail": detail}),
        AgenticError::PageMessageRefused { detail } => {
            json!({"type": "page_message_refused", "detail": detail})
        }
        AgenticError::Configuration { detail } => {
            json!({"type": "configuration", "detail": detail})
        }
        AgenticError::CannotResume { detail } => json!({"type": "cannot_resume", "detail": detail}),
        AgenticError::Network { detail, maybe_sent } => {
            json!({"type": "network", "detail": detail, "maybe_sent": maybe_sent})
        }
        AgenticError::Provider {
            provider,
            http_status,
            code,
            category,
            request_id,
            retryable,
            recovery,
            detail,
        } => json!({
            "type": "provider",
            "provider": provider.as_str(),
            "http_status": http_status,
            "code": code,
            "category": category.as_str(),
            "request_id": request_id,
            "retryable": retryable,
            "recovery": recovery.as_str(),
            "detail": detail,
        }),
        AgenticError::Internal { detail } => json!({"type": "internal", "detail": detail}),
    }
}

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
enum InputJson {
    VisaMessage {
        json: String,
        origin: String,
    },
    VisaSession {
        secure_token: Secret,
        browser_data: Value,
    },
    PageClosed,
    ChooseStepUp {
        identifier: String,
    },
    ChooseAnotherMethod,
    Otp {
        otp: Secret,
    },
    ResendOtp,
    IssuerAuthCode {
        code: Secret,
    },
    StepUpCompleted,
    RedirectCompleted,
    Reconcile,
    ResendAfterUnknownOutcome,
    Cancel,
}

/// The page's `browserData` from its JSON text.
///
/// # Errors
/// [`AgenticError::InvalidInput`] for `browserData` when it is not the page's object.
pub fn browser_data(value: Value) -> Result<BrowserData, AgenticError> {
    if !value.is_object() {
        return Err(AgenticError::InvalidInput {
            field: "browserData".to_owned(),
            problem: "must be the page's browserData JSON object".to_owned(),
        });
    }
    agentic_core::json_path::read(&value).map_err(|_| AgenticError::InvalidInput {
        field: "browserData".to_owned(),
        problem: "must be the page's browserData JSON object".to_owned(),
    })
}

/// Zeroes every string of a parsed JSON value that may hold secrets, then releases it.
pub fn zeroize_strings(mut value: Value) {
    fn zero(value: &mut Value) {
        match value {
            Value::String(text) => text.zeroize(),
            Value::Array(items) => items.iter_mut().for_each(zero),
            Value::Object(entries) => entries.values_mut().for_each(zero),
            Value::Null | Value::Bool(_) | Value::Number(_) => {}
        }
    }
    zero(&mut value);
}

/// Reads an input (see the module docs). Secrets are validated here (`otp`: 4–8 digits …).
///
/// # Errors
/// [`AgenticError::InvalidInput`] for `input` when the JSON is not one of the inputs (the
/// problem never quotes the text), or for the value's own field.
pub fn input_from_json(text: &str) -> Result<Input, AgenticError> {
    let invalid = |class: &str| AgenticError::InvalidInput {
        field: "input".to_owned(),
        problem: format!("must be one of the documented input objects ({class})"),
    };
    // Parsed, then read with the one deserializer every model is compiled against
    // (agentic_core::json_path); the parsed copy of the OTP or token is zeroed.
    let value: Value = serde_json::from_slice(text.as_bytes()).map_err(|_| invalid("not JSON"))?;
    let parsed = agentic_core::json_path::from_value::<InputJson>(&value);
    zeroize_strings(value);
    let parsed = parsed.map_err(|_| invalid("unknown type or fields"))?;
    Ok(match parsed {
        InputJson::VisaMessage { json, origin } => Input::VisaMessage { json, origin },
        InputJson::VisaSession {
            secure_token,
            browser_data: data,
        } => Input::VisaSession {
            secure_token: secure_token.secure_token()?,
            browser_data: browser_data(data)?,
        },
        InputJson::PageClosed => Input::PageClosed,
        InputJson::ChooseStepUp { identifier } => Input::ChooseStepUp { identifier },
        InputJson::ChooseAnotherMethod => Input::ChooseAnotherMethod,
        InputJson::Otp { otp } => Input::Otp(otp.otp()?),
        InputJson::ResendOtp => Input::ResendOtp,
        InputJson::IssuerAuthCode { code } => Input::IssuerAuthCode(code.issuer_auth_code()?),
        InputJson::StepUpCompleted => Input::StepUpCompleted,
        InputJson::RedirectCompleted => Input::RedirectCompleted,
        InputJson::Reconcile => Input::Reconcile,
        InputJson::ResendAfterUnknownOutcome => Input::ResendAfterUnknownOutcome,
        InputJson::Cancel => Input::Cancel,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use agentic_core::visa_page::OutgoingMessage;

    #[test]
    fn inputs_are_read_and_their_secrets_validated() {
        assert!(matches!(
            input_from_json(r#"{"type": "otp", "otp": "456789"}"#),
            Ok(Input::Otp(_))
        ));
        assert_eq!(
            input_from_json(r#"{"type": "cancel"}"#).ok(),
            Some(Input::Cancel)
        );
        match input_from_json(r#"{"type": "otp", "otp": "45x789"}"#) {
            Err(AgenticError::InvalidInput { field, .. }) => assert_eq!(field, "otp"),
            other => panic!("{other:?}"),
        }
        match input_from_json(r#"{"type": "pin", "pin": "918273"}"#) {
            Err(AgenticError::InvalidInput { field, problem }) => {
                assert_eq!(field, "input");
                assert!(!problem.contains("918273"), "{problem}");
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            input_from_json(
                r#"{"type": "visa_session", "secure_token": "st", "browser_data": {"browserLanguage": "en"}}"#
            ),
            Ok(Input::VisaSession { .. })
        ));
    }

    #[test]
    fn the_ceremony_prompt_view_leaves_the_payload_out() {
        let message = OutgoingMessage::create_auth_session("req-1", "client-1").expect("message");
        let view = prompt(&Prompt::ProvideVisaSession {
            origin: "https://sbx.vts.auth.visa.com".into(),
            message_to_post: Some(message.clone()),
        });
        assert_eq!(view["type"], "provide_visa_session");
        assert_eq!(view["message_type"], "CREATE_AUTH_SESSION");
        assert!(!view.to_string().contains("client-1"), "{view}");
        let step = SessionStep::Prompt(Prompt::ProvideVisaSession {
            origin: "o".into(),
            message_to_post: Some(message),
        });
        assert!(step.message_to_post().is_some());
    }
}
