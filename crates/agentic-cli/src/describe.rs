//! One-line, secret-free descriptions of prompts, outcomes and failures, shared by the demo
//! transcript and the interactive commands.
//!
//! Secrets never appear: fetched credentials are shown by the last four digits of the token
//! number only, the cryptogram, expiry, `fidoBlob`, `secureToken` and payloads not at all.

use agentic_core::journey::{JourneyFailure, Outcome, PageFailure, Prompt};
use agentic_core::secret::SecretText;
use serde_json::{Value, json};

/// `****1234`: the last four characters of a secret, the rest masked. Values of four
/// characters or fewer are masked entirely.
pub fn last4(secret: &str) -> String {
    let chars: Vec<char> = secret.chars().collect();
    if chars.len() <= 4 {
        return "****".to_owned();
    }
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("****{tail}")
}

/// The prompt's variant name (`EnterOtp`).
pub fn prompt_name(prompt: &Prompt) -> &'static str {
    match prompt {
        Prompt::ProvideVisaSession { .. } => "ProvideVisaSession",
        Prompt::ChooseStepUp { .. } => "ChooseStepUp",
        Prompt::EnterOtp { .. } => "EnterOtp",
        Prompt::CompleteStepUp { .. } => "CompleteStepUp",
        Prompt::PasskeyCeremony { .. } => "PasskeyCeremony",
        Prompt::Redirect { .. } => "Redirect",
        Prompt::ConfirmUnknownOutcome { .. } => "ConfirmUnknownOutcome",
    }
}

/// The prompt with its public details (`EnterOtp (3 attempts left, 2 resends left)`).
pub fn describe_prompt(prompt: &Prompt) -> String {
    match prompt {
        Prompt::ProvideVisaSession {
            message_to_post: None,
            ..
        } => "ProvideVisaSession (waiting for the page)".to_owned(),
        Prompt::ProvideVisaSession {
            message_to_post: Some(message),
            ..
        } => format!("ProvideVisaSession ({} to post)", message.message_type()),
        Prompt::ChooseStepUp { methods } => {
            let list: Vec<String> = methods
                .iter()
                .enumerate()
                .map(|(index, choice)| match &choice.value {
                    Some(value) => format!("{} {} {value}", index + 1, choice.method),
                    None => format!("{} {}", index + 1, choice.method),
                })
                .collect();
            format!("ChooseStepUp [{}]", list.join(", "))
        }
        Prompt::EnterOtp {
            attempts_left,
            resends_left,
            last_attempt_failed,
            expired,
            ..
        } => format!(
            "EnterOtp ({attempts_left} attempts left, {resends_left} resends left{}{})",
            if *last_attempt_failed {
                ", last OTP wrong"
            } else {
                ""
            },
            if *expired { ", expired" } else { "" }
        ),
        Prompt::CompleteStepUp { choice } => format!("CompleteStepUp ({})", choice.method),
        Prompt::PasskeyCeremony { action, popup, .. } => format!(
            "PasskeyCeremony {action} ({})",
            if *popup { "popup" } else { "hidden iframe" }
        ),
        Prompt::Redirect { url } => format!("Redirect to {}", crate::recorder::path_of(url)),
        Prompt::ConfirmUnknownOutcome {
            operation,
            can_reconcile,
        } => format!(
            "ConfirmUnknownOutcome ({operation}{})",
            if *can_reconcile {
                ", can reconcile"
            } else {
                ""
            }
        ),
    }
}

/// The outcome, masked (`paid: order … txn …, status CHARGED`).
pub fn describe_outcome(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Enrolled {
            v_provisioned_token_id,
            status,
        } => format!(
            "enrolled: vProvisionedTokenId {v_provisioned_token_id}, status {}",
            status.as_ref().map_or("not reported", |s| s.as_str())
        ),
        Outcome::Authorised { credentials } => {
            let token = credentials
                .token_number
                .as_ref()
                .map_or_else(|| "none".to_owned(), |t| last4(t.expose_secret()));
            let cryptogram = match (&credentials.dynamic_data_type, &credentials.cryptogram) {
                (Some(kind), Some(_)) => format!("{kind} <redacted>"),
                (None, Some(_)) => "<redacted>".to_owned(),
                (_, None) => "none".to_owned(),
            };
            let mut text = format!(
                "authorised: payment credentials token {token}, expiry **/**, cryptogram {cryptogram}"
            );
            if let Some(reference) = &credentials.transaction_reference {
                text.push_str(&format!(", transaction reference {reference}"));
            }
            if let Some(status) = &credentials.status {
                text.push_str(&format!(", status {status}"));
            }
            text
        }
        Outcome::Paid {
            order_id,
            txn_id,
            status,
        } => format!(
            "paid: order {order_id}, txn {}, status {status}",
            txn_id.as_deref().unwrap_or("not reported")
        ),
        Outcome::PasskeyVerified { action, assurance } => format!(
            "passkey verified: {action} ceremony complete (assurance identifier {}, rpID {}, fidoBlob <redacted>)",
            assurance.identifier.as_deref().unwrap_or("none"),
            assurance.rp_id.as_deref().unwrap_or("none")
        ),
    }
}

/// The outcome as JSON, masked like [`describe_outcome`].
pub fn outcome_json(outcome: &Outcome) -> Value {
    match outcome {
        Outcome::Enrolled {
            v_provisioned_token_id,
            status,
        } => json!({
            "kind": "enrolled",
            "v_provisioned_token_id": v_provisioned_token_id,
            "status": status.as_ref().map(|s| s.as_str()),
        }),
        Outcome::Authorised { credentials } => json!({
            "kind": "authorised",
            "token_number": credentials.token_number.as_ref().map(|t| last4(t.expose_secret())),
            "dynamic_data_type": credentials.dynamic_data_type.as_ref().map(|d| d.as_str()),
            "cryptogram": credentials.cryptogram.as_ref().map(|_| "<redacted>"),
            "transaction_reference": credentials.transaction_reference,
            "status": credentials.status.as_ref().map(|s| s.as_str()),
        }),
        Outcome::Paid {
            order_id,
            txn_id,
            status,
        } => json!({
            "kind": "paid",
            "order_id": order_id,
            "txn_id": txn_id,
            "status": status.as_str(),
        }),
        Outcome::PasskeyVerified { action, assurance } => json!({
            "kind": "passkey_verified",
            "action": action.as_str(),
            "identifier": assurance.identifier,
            "rp_id": assurance.rp_id,
        }),
    }
}

fn page_failure(failure: PageFailure) -> &'static str {
    match failure {
        PageFailure::Failed => "failed (AUTH_FAILED)",
        PageFailure::Cancelled => "was cancelled by the cardholder (AUTH_CANCELLED)",
        PageFailure::NotSupported => "is not supported on this device (AUTH_NOT_SUPPORTED)",
        PageFailure::NotPerformed => "was not performed (AUTH_NOT_PERFORMED)",
        PageFailure::Closed => "ended: the page was closed",
    }
}

/// One line saying why the journey failed. An API error is the provider's line: `Juspay VAT
/// HTTP 401: … (code UNAUTHORIZED) [request id …]`.
pub fn describe_failure(failure: &JourneyFailure) -> String {
    match failure {
        JourneyFailure::Api(error) => error.to_string(),
        JourneyFailure::Cancelled {
            outcome_unknown_for: None,
        } => "the journey was cancelled".to_owned(),
        JourneyFailure::Cancelled {
            outcome_unknown_for: Some(operation),
        } => format!(
            "the journey was cancelled; the outcome of {operation} is unknown: reconcile it with the provider"
        ),
        JourneyFailure::Transport { failure } => {
            let reason = match failure {
                agentic_core::journey::TransportFailure::NotSent { reason }
                | agentic_core::journey::TransportFailure::MaybeSent { reason } => reason,
            };
            format!("no response from the provider after the automatic retries: {reason}")
        }
        JourneyFailure::Passkey { failure, action } => {
            format!(
                "the Visa passkey {action} ceremony {}",
                page_failure(*failure)
            )
        }
        JourneyFailure::StepUpExhausted => {
            "every step-up method was used up (or none was offered)".to_owned()
        }
        JourneyFailure::RebindRequired => {
            "the device binding of this token is challenged: enroll the card again first".to_owned()
        }
        JourneyFailure::PaymentFailed { status } => format!("the payment ended {status}"),
        JourneyFailure::Internal { reason } => format!("the journey could not continue: {reason}"),
    }
}

/// A short code for the failure in JSON (`api`, `payment_failed` …).
pub fn failure_kind(failure: &JourneyFailure) -> &'static str {
    match failure {
        JourneyFailure::Api(_) => "api",
        JourneyFailure::Cancelled { .. } => "cancelled",
        JourneyFailure::Transport { .. } => "transport",
        JourneyFailure::Passkey { .. } => "passkey",
        JourneyFailure::StepUpExhausted => "step_up_exhausted",
        JourneyFailure::RebindRequired => "rebind_required",
        JourneyFailure::PaymentFailed { .. } => "payment_failed",
        JourneyFailure::Internal { .. } => "internal",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last4_masks_all_but_the_last_four() {
        assert_eq!(last4("4895370099990001"), "****0001");
        assert_eq!(last4("1234"), "****");
        assert_eq!(last4(""), "****");
    }

    #[test]
    fn an_api_failure_is_the_providers_line() {
        let error = agentic_core::error::check_response(
            agentic_core::Provider::JuspayVat,
            &agentic_core::HttpResponse::json(
                401,
                r#"{"error":true,"error_message":"Invalid merchant ID.","error_info":{"code":"UNAUTHORIZED","category":"USER_ERROR","request_id":"req-9"}}"#,
            ),
        )
        .expect_err("a 401 is an error");
        let line = describe_failure(&JourneyFailure::Api(error));
        assert!(
            line.starts_with("Juspay VAT HTTP 401: ") && line.contains("(code UNAUTHORIZED)"),
            "{line}"
        );
        assert!(line.contains("[request id req-9]"), "{line}");
    }
}
