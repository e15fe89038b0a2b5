//! The one public error of the FFI, [`AgenticError`], and the **one place** where every error of
//! `agentic-core` and `agentic-http` is mapped into it.
//!
//! Variants are chosen by what the app does next, not by where the error came from. No field
//! is named `message` (it would collide with `Throwable.message` in Kotlin), and no variant
//! carries a secret: the texts come from the core's and the driver's own errors, which never
//! quote a value.

use agentic_core::error::{
    ApiError, ErrorCategory as CoreCategory, Provider as CoreProvider, Recovery as CoreRecovery,
};
use agentic_core::journey::{JourneyError, JourneyFailure, PageFailure, TransportFailure};
use agentic_core::validate::InvalidInput;
use agentic_core::visa_page::PasskeyAction;
use agentic_http::config::ConfigError;
use agentic_http::driver::ClientBuildError;

/// Everything that can go wrong in a call to the SDK. Each variant says how to react.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum AgenticError {
    /// A value the app passed was refused before anything was sent; nothing changed. React:
    /// fix the value (ask the user again when it came from them, e.g. a mistyped OTP).
    #[error("invalid `{field}`: {problem}")]
    InvalidInput {
        /// The field's wire name (`otp`, `card_number`, `amount.total` …).
        field: String,
        /// What is wrong with it, in words (never the value).
        problem: String,
    },
    /// The call is not valid in the journey's current state (an OTP while a request is in
    /// flight, `cancel()` after the end …); nothing changed. React: call `advance()` and answer
    /// the prompt it returns.
    #[error("{detail}")]
    InvalidState {
        /// Which input and which state.
        detail: String,
    },
    /// A Visa page message was refused (another origin, not a protocol message, a known message
    /// without a field the journey needs); nothing changed. React: ignore that message and keep
    /// relaying the page's messages.
    #[error("Visa page message refused: {detail}")]
    PageMessageRefused {
        /// Why, without the message's content.
        detail: String,
    },
    /// The client settings or credentials are invalid, or the journey needs a provider section
    /// the client does not have. Nothing was sent. React: fix the named setting.
    #[error("configuration: {detail}")]
    Configuration {
        /// The setting at fault and the problem.
        detail: String,
    },
    /// A checkpoint cannot be resumed (not a checkpoint, another journey, another version, or a
    /// secret the journey needs at that point was not given). React: pass the named secret, or
    /// start a new journey.
    #[error("cannot resume: {detail}")]
    CannotResume {
        /// What is wrong.
        detail: String,
    },
    /// No response from the provider after the SDK's automatic retries, for a request that was
    /// safe to retry. The journey has ended. React: check connectivity, then start a new
    /// journey (`maybe_sent` says whether the last attempt may have reached the server).
    #[error("network: {detail}")]
    Network {
        /// What the transport reported.
        detail: String,
        /// Whether the last attempt may have reached the server.
        maybe_sent: bool,
    },
    /// The provider refused a request; the journey has ended. React: follow `recovery`
    /// (`CheckCredentials` for a wrong API key, `RestartJourney`, `ContactSupport` with
    /// `request_id` …).
    #[error("{provider:?} refused (HTTP {http_status}, code {code:?}): {detail}")]
    Provider {
        /// Which API answered.
        provider: Provider,
        /// The HTTP status.
        http_status: u16,
        /// The provider's error code (`UNAUTHORIZED`, `access_denied` …).
        code: Option<String>,
        /// The kind of failure, whatever the provider's spelling.
        category: ErrorCategory,
        /// The request or correlation id to quote to support.
        request_id: Option<String>,
        /// Whether the provider says trying again later may succeed.
        retryable: bool,
        /// What to do next.
        recovery: Recovery,
        /// The provider's developer message.
        detail: String,
    },
    /// A bug in the SDK (a panic, an impossible state) or in a foreign transport. React: report
    /// it; the session may not be usable any more.
    #[error("internal error: {detail}")]
    Internal {
        /// What happened (never a panic payload).
        detail: String,
    },
}

/// Which API answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Provider {
    /// Juspay Visa Agentic Transactions (enrollment, purchase).
    JuspayVat,
    /// Juspay Express Checkout (Direct OTP).
    JuspayEc,
    /// Visa Acceptance / Cybersource TMS.
    VisaAcceptance,
}

/// The kind of a provider failure, whatever the provider's spelling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ErrorCategory {
    /// Credentials missing or wrong.
    Authentication,
    /// Authenticated but not allowed.
    Forbidden,
    /// The request was refused as invalid.
    InvalidRequest,
    /// The referenced object does not exist.
    NotFound,
    /// A duplicate of an earlier request.
    Conflict,
    /// Something the request relies on has expired.
    Expired,
    /// A documented limit is used up.
    LimitExceeded,
    /// Too many requests.
    RateLimited,
    /// The merchant account is not set up for this.
    Configuration,
    /// The provider answered but refused the operation.
    Rejected,
    /// The provider failed (HTTP 5xx).
    ServerError,
    /// A success whose body is not the documented JSON.
    MalformedResponse,
}

/// What the app should do after a provider failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Recovery {
    /// Try again later (a new journey).
    RetryLater,
    /// Fix the request: retrying unchanged fails the same way.
    FixRequest,
    /// Check the API key, merchant id or signing key.
    CheckCredentials,
    /// Ask the user for the OTP again.
    ReenterOtp,
    /// Offer another step-up method.
    ChooseAnotherMethod,
    /// Start the journey again.
    RestartJourney,
    /// The outcome is unknown: check with the provider before doing anything else.
    Reconcile,
    /// Contact the provider with the request id.
    ContactSupport,
}

/// How a journey ended without success for a reason the journey's own UI handles (as opposed to
/// an [`AgenticError`], which ends it for a technical reason). Carries no secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The app cancelled. `outcome_unknown_for` names a call that provisions, sends an OTP or
    /// moves money and may have reached the provider: reconcile it out of band.
    Cancelled {
        /// The call whose outcome is unknown, if any.
        outcome_unknown_for: Option<String>,
    },
    /// The Visa page ended the passkey ceremony (failed, cancelled by the user, not supported,
    /// not performed, or closed).
    Passkey {
        /// How it ended.
        failure: PageFailure,
        /// Register or authenticate.
        action: PasskeyAction,
    },
    /// Every step-up method was used up, or none was offered.
    StepUpExhausted,
    /// The card's device binding is challenged: run the enrollment journey again before paying
    /// with this token.
    RebindRequired,
    /// The payment ended in a failure status (`AUTHENTICATION_FAILED`, `JUSPAY_DECLINED` …).
    PaymentFailed {
        /// The status as the provider sent it.
        status: String,
    },
}

impl From<InvalidInput> for AgenticError {
    fn from(error: InvalidInput) -> Self {
        Self::InvalidInput {
            field: error.field.to_owned(),
            problem: error.problem.to_string(),
        }
    }
}

impl From<JourneyError> for AgenticError {
    fn from(error: JourneyError) -> Self {
        match error {
            JourneyError::InvalidEvent { .. } => Self::InvalidState {
                detail: error.to_string(),
            },
            JourneyError::InvalidInput(invalid) => invalid.into(),
            JourneyError::PageMessage(refused) => Self::PageMessageRefused {
                detail: refused.to_string(),
            },
            JourneyError::Resume(detail) => Self::CannotResume { detail },
            // The engine never reports a response for a request that is not in flight.
            JourneyError::UnexpectedResponse { .. } => Self::Internal {
                detail: error.to_string(),
            },
        }
    }
}

impl From<ConfigError> for AgenticError {
    fn from(error: ConfigError) -> Self {
        Self::Configuration {
            detail: error.to_string(),
        }
    }
}

impl From<ClientBuildError> for AgenticError {
    fn from(error: ClientBuildError) -> Self {
        Self::Configuration {
            detail: error.to_string(),
        }
    }
}

impl From<ApiError> for AgenticError {
    fn from(error: ApiError) -> Self {
        Self::Provider {
            provider: error.provider.into(),
            http_status: error.http_status,
            code: error.code,
            category: error.category.into(),
            request_id: error.request_id,
            retryable: error.retryable,
            recovery: error.recovery.into(),
            detail: error.message,
        }
    }
}

impl From<TransportFailure> for AgenticError {
    fn from(failure: TransportFailure) -> Self {
        match failure {
            TransportFailure::NotSent { reason } => Self::Network {
                detail: reason,
                maybe_sent: false,
            },
            TransportFailure::MaybeSent { reason } => Self::Network {
                detail: reason,
                maybe_sent: true,
            },
        }
    }
}

/// Splits a journey's end into what its UI handles ([`Failure`]) and what ends it for a
/// technical reason (a provider refusal, the network, an internal error).
///
/// # Errors
/// [`AgenticError::Provider`], [`AgenticError::Network`] or [`AgenticError::Internal`].
pub fn split_failure(failure: JourneyFailure) -> Result<Failure, AgenticError> {
    match failure {
        JourneyFailure::Cancelled {
            outcome_unknown_for,
        } => Ok(Failure::Cancelled {
            outcome_unknown_for,
        }),
        JourneyFailure::Passkey { failure, action } => Ok(Failure::Passkey { failure, action }),
        JourneyFailure::StepUpExhausted => Ok(Failure::StepUpExhausted),
        JourneyFailure::RebindRequired => Ok(Failure::RebindRequired),
        JourneyFailure::PaymentFailed { status } => Ok(Failure::PaymentFailed { status }),
        JourneyFailure::Api(error) => Err(error.into()),
        JourneyFailure::Transport { failure } => Err(failure.into()),
        JourneyFailure::Internal { reason } => Err(AgenticError::Internal { detail: reason }),
    }
}

impl From<CoreProvider> for Provider {
    fn from(provider: CoreProvider) -> Self {
        match provider {
            CoreProvider::JuspayVat => Self::JuspayVat,
            CoreProvider::JuspayEc => Self::JuspayEc,
            CoreProvider::VisaAcceptance => Self::VisaAcceptance,
        }
    }
}

impl From<CoreCategory> for ErrorCategory {
    fn from(category: CoreCategory) -> Self {
        match category {
            CoreCategory::Authentication => Self::Authentication,
            CoreCategory::Forbidden => Self::Forbidden,
            CoreCategory::InvalidRequest => Self::InvalidRequest,
            CoreCategory::NotFound => Self::NotFound,
            CoreCategory::Conflict => Self::Conflict,
            CoreCategory::Expired => Self::Expired,
            CoreCategory::LimitExceeded => Self::LimitExceeded,
            CoreCategory::RateLimited => Self::RateLimited,
            CoreCategory::Configuration => Self::Configuration,
            CoreCategory::Rejected => Self::Rejected,
            CoreCategory::ServerError => Self::ServerError,
            CoreCategory::MalformedResponse => Self::MalformedResponse,
        }
    }
}

impl From<CoreRecovery> for Recovery {
    fn from(recovery: CoreRecovery) -> Self {
        match recovery {
            CoreRecovery::RetryLater => Self::RetryLater,
            CoreRecovery::FixRequest => Self::FixRequest,
            CoreRecovery::CheckCredentials => Self::CheckCredentials,
            CoreRecovery::ReenterOtp => Self::ReenterOtp,
            CoreRecovery::ChooseAnotherMethod => Self::ChooseAnotherMethod,
            CoreRecovery::RestartJourney => Self::RestartJourney,
            CoreRecovery::Reconcile => Self::Reconcile,
            CoreRecovery::ContactSupport => Self::ContactSupport,
        }
    }
}

impl Provider {
    /// The name used in JSON views (`juspay_vat`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::JuspayVat => "juspay_vat",
            Self::JuspayEc => "juspay_ec",
            Self::VisaAcceptance => "visa_acceptance",
        }
    }
}

impl ErrorCategory {
    /// The name used in JSON views (`authentication`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Authentication => "authentication",
            Self::Forbidden => "forbidden",
            Self::InvalidRequest => "invalid_request",
            Self::NotFound => "not_found",
            Self::Conflict => "conflict",
            Self::Expired => "expired",
            Self::LimitExceeded => "limit_exceeded",
            Self::RateLimited => "rate_limited",
            Self::Configuration => "configuration",
            Self::Rejected => "rejected",
            Self::ServerError => "server_error",
            Self::MalformedResponse => "malformed_response",
        }
    }
}

impl Recovery {
    /// The name used in JSON views (`check_credentials`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::RetryLater => "retry_later",
            Self::FixRequest => "fix_request",
            Self::CheckCredentials => "check_credentials",
            Self::ReenterOtp => "reenter_otp",
            Self::ChooseAnotherMethod => "choose_another_method",
            Self::RestartJourney => "restart_journey",
            Self::Reconcile => "reconcile",
            Self::ContactSupport => "contact_support",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use agentic_core::validate::Problem;

    #[test]
    fn invalid_input_names_the_field_and_the_problem() {
        let error: AgenticError = InvalidInput::new("otp", Problem::NotDigits).into();
        assert_eq!(
            error,
            AgenticError::InvalidInput {
                field: "otp".into(),
                problem: "must contain digits only".into()
            }
        );
    }

    #[test]
    fn journey_errors_map_by_what_the_app_does_next() {
        let state: AgenticError = JourneyError::InvalidEvent {
            state: "Sending",
            event: "Otp",
        }
        .into();
        assert!(
            matches!(&state, AgenticError::InvalidState { detail } if detail.contains("Sending")),
            "{state:?}"
        );
        let resume: AgenticError = JourneyError::Resume("corrupt".into()).into();
        assert!(matches!(resume, AgenticError::CannotResume { .. }));
    }

    #[test]
    fn technical_endings_become_errors_and_business_endings_failures() {
        assert_eq!(
            split_failure(JourneyFailure::RebindRequired),
            Ok(Failure::RebindRequired)
        );
        assert_eq!(
            split_failure(JourneyFailure::Transport {
                failure: TransportFailure::MaybeSent {
                    reason: "reset".into()
                }
            }),
            Err(AgenticError::Network {
                detail: "reset".into(),
                maybe_sent: true
            })
        );
        assert!(matches!(
            split_failure(JourneyFailure::Internal { reason: "x".into() }),
            Err(AgenticError::Internal { .. })
        ));
    }
}
