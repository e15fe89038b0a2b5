//! Prompts, inputs, outcomes and failures shared by every journey: one vocabulary for the
//! driver, the FFI and the CLI.

use std::fmt;

use serde::Serialize;
use serde_json::Value;

use super::restore::{Corrupt, Fields, Restore, restore_unit_enum, unit, variant};
use super::{TransportFailure, UnixMillis};
use crate::error::ApiError;
use crate::juspay_ec::TxnStatus;
use crate::juspay_vat::{FetchPaymentCredentialsResponse, VicStatus};
use crate::secret::{IssuerAuthCode, Otp, SecureToken};
use crate::step_up::{StepUpMethod, StepUpSubMethod};
use crate::validate::{InvalidInput, Problem};
use crate::visa_page::{AssuranceData, BrowserData, OutgoingMessage, PasskeyAction};

/// A reference id minted once per journey (`clientReferenceId`, `clientCorrelationId`) and
/// reused by every call and every retry.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct ReferenceId(String);

impl Restore for ReferenceId {
    fn restore(value: &Value) -> Result<Self, Corrupt> {
        String::restore(value).map(Self)
    }
}

impl ReferenceId {
    /// 32 lowercase hex characters from 16 random bytes, like the Juspay samples. The core has
    /// no randomness of its own: the host passes the bytes.
    pub fn from_entropy(bytes: [u8; 16]) -> Self {
        Self(bytes.iter().map(|b| format!("{b:02x}")).collect())
    }

    /// An id the host already has.
    ///
    /// # Errors
    /// [`InvalidInput`] for an empty value.
    pub fn new(field: &'static str, value: impl Into<String>) -> Result<Self, InvalidInput> {
        let value = value.into();
        if value.trim().is_empty() {
            return Err(InvalidInput::new(field, Problem::Empty));
        }
        Ok(Self(value))
    }

    /// The id as sent.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ReferenceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A step-up method as the user sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StepUpChoice {
    /// Pass back in [`Input::ChooseStepUp`].
    pub identifier: String,
    /// The method.
    pub method: StepUpMethod,
    /// What to show: masked phone or email, call-centre number, label.
    pub value: Option<String>,
    /// `THREE-DS` for an issuer web page.
    pub sub_method: Option<StepUpSubMethod>,
    /// The issuer page for web methods.
    pub url: Option<String>,
}

impl Restore for StepUpChoice {
    fn restore(value: &Value) -> Result<Self, Corrupt> {
        let fields = Fields::of(value)?;
        Ok(Self {
            identifier: fields.get("identifier")?,
            method: fields.get("method")?,
            value: fields.get("value")?,
            sub_method: fields.get("sub_method")?,
            url: fields.get("url")?,
        })
    }
}

/// What the journey needs from the host. Each prompt lists the inputs it accepts; any other
/// input is refused with [`super::JourneyError::InvalidEvent`] (`Cancel` is always accepted).
#[derive(Debug, Clone, PartialEq)]
pub enum Prompt {
    /// Open the Visa auth page (hidden iframe) at `origin` and relay every message it posts
    /// with [`Input::VisaMessage`]; when the page says `AUTH_READY`, this prompt comes back with
    /// `message_to_post` (`CREATE_AUTH_SESSION`) to post to it. A host that runs the page itself
    /// may answer [`Input::VisaSession`] instead.
    ProvideVisaSession {
        /// The page's origin; messages from any other origin are refused.
        origin: String,
        /// The message to post to the page, once it is ready.
        message_to_post: Option<OutgoingMessage>,
    },
    /// The issuer challenged device binding: let the user pick a method, then
    /// [`Input::ChooseStepUp`].
    ChooseStepUp {
        /// The methods still available.
        methods: Vec<StepUpChoice>,
    },
    /// Ask for the OTP: [`Input::Otp`], [`Input::ResendOtp`] (when `resends_left > 0`) or
    /// [`Input::ChooseAnotherMethod`].
    EnterOtp {
        /// Entries left before the challenge is used up.
        attempts_left: u32,
        /// Resends left.
        resends_left: u32,
        /// When the OTP expires, if the provider said.
        expires_at: Option<UnixMillis>,
        /// Whether the last OTP entered was refused (show "wrong code").
        last_attempt_failed: bool,
        /// Whether the OTP has expired (the last one entered was not sent): resend or choose
        /// another method.
        expired: bool,
    },
    /// A method the user completes outside the app (call the issuer, issuer app, issuer web
    /// page): show `value`/`url`, then [`Input::StepUpCompleted`] or
    /// [`Input::ChooseAnotherMethod`].
    CompleteStepUp {
        /// The chosen method.
        choice: StepUpChoice,
    },
    /// Post `message_to_post` to the Visa page at `origin` (a popup when `popup`), relay what it
    /// posts back with [`Input::VisaMessage`], or report [`Input::PageClosed`].
    PasskeyCeremony {
        /// The `AUTHENTICATE` message (holds the signed payload: secret).
        message_to_post: OutgoingMessage,
        /// The page's origin.
        origin: String,
        /// Open the page as a popup rather than a hidden iframe.
        popup: bool,
        /// Register (device binding) or authenticate (purchase).
        action: PasskeyAction,
    },
    /// The payment fell back to the bank's page: open `url`, then [`Input::RedirectCompleted`].
    Redirect {
        /// The bank or 3-D Secure page.
        url: String,
    },
    /// A request that provisions, sends an OTP or moves money may have reached the server:
    /// [`Input::Reconcile`] (when `can_reconcile`), [`Input::ResendAfterUnknownOutcome`] (same
    /// reference ids) or [`Input::Cancel`].
    ConfirmUnknownOutcome {
        /// Which call (`juspay_ec.start_authentication` …).
        operation: String,
        /// Whether a status call can tell what happened.
        can_reconcile: bool,
    },
}

/// The host's answer to a [`Prompt`].
#[derive(Clone, PartialEq)]
pub enum Input {
    /// A message the Visa page posted, with the origin the host saw on it.
    VisaMessage {
        /// The message's data as JSON text.
        json: String,
        /// `event.origin`.
        origin: String,
    },
    /// The Visa session, when the host ran the page itself.
    VisaSession {
        /// `sessionContext.secureToken`.
        secure_token: SecureToken,
        /// The page's `browserData`.
        browser_data: BrowserData,
    },
    /// The Visa popup or web view was closed before it answered.
    PageClosed,
    /// The user picked a step-up method.
    ChooseStepUp {
        /// [`StepUpChoice::identifier`].
        identifier: String,
    },
    /// Back to the method list.
    ChooseAnotherMethod,
    /// The OTP the user typed.
    Otp(Otp),
    /// Send the OTP again.
    ResendOtp,
    /// The code the issuer's app showed (Visa Acceptance `APP_TO_APP` code variant).
    IssuerAuthCode(IssuerAuthCode),
    /// The out-of-band step-up is done.
    StepUpCompleted,
    /// The user is back from the bank page.
    RedirectCompleted,
    /// Ask the provider what happened to the request whose outcome is unknown.
    Reconcile,
    /// Send it again with the same reference ids (the user accepted the risk).
    ResendAfterUnknownOutcome,
    /// Stop the journey.
    Cancel,
}

impl Input {
    /// The input's name, for errors.
    pub fn name(&self) -> &'static str {
        match self {
            Self::VisaMessage { .. } => "VisaMessage",
            Self::VisaSession { .. } => "VisaSession",
            Self::PageClosed => "PageClosed",
            Self::ChooseStepUp { .. } => "ChooseStepUp",
            Self::ChooseAnotherMethod => "ChooseAnotherMethod",
            Self::Otp(_) => "Otp",
            Self::ResendOtp => "ResendOtp",
            Self::IssuerAuthCode(_) => "IssuerAuthCode",
            Self::StepUpCompleted => "StepUpCompleted",
            Self::RedirectCompleted => "RedirectCompleted",
            Self::Reconcile => "Reconcile",
            Self::ResendAfterUnknownOutcome => "ResendAfterUnknownOutcome",
            Self::Cancel => "Cancel",
        }
    }
}

impl fmt::Debug for Input {
    /// Page messages carry the secure token or the passkey blob: only their size is shown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::VisaMessage { json, origin } => f
                .debug_struct("VisaMessage")
                .field("json", &format_args!("<{} bytes redacted>", json.len()))
                .field("origin", origin)
                .finish(),
            Self::VisaSession {
                secure_token,
                browser_data,
            } => f
                .debug_struct("VisaSession")
                .field("secure_token", secure_token)
                .field("browser_data", browser_data)
                .finish(),
            Self::ChooseStepUp { identifier } => f
                .debug_struct("ChooseStepUp")
                .field("identifier", identifier)
                .finish(),
            Self::Otp(otp) => f.debug_tuple("Otp").field(otp).finish(),
            Self::IssuerAuthCode(code) => f.debug_tuple("IssuerAuthCode").field(code).finish(),
            other => f.write_str(other.name()),
        }
    }
}

restore_unit_enum! {
    /// How a Visa page ceremony ended without a passkey result.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
    pub enum PageFailure {
        /// `AUTH_FAILED`.
        Failed,
        /// `AUTH_CANCELLED`: the user backed out.
        Cancelled,
        /// `AUTH_NOT_SUPPORTED`: no passkey support on this device or browser.
        NotSupported,
        /// `AUTH_NOT_PERFORMED`.
        NotPerformed,
        /// The popup or web view was closed.
        Closed,
    }
}

/// Why a journey ended without success. Carries no secrets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum JourneyFailure {
    /// The host cancelled. `outcome_unknown_for` names the call whose outcome was unresolved
    /// (a non-idempotent call in flight or unknown, or a payment status still pending):
    /// reconcile it out of band.
    Cancelled {
        /// The call whose outcome is unknown, if any.
        outcome_unknown_for: Option<String>,
    },
    /// The provider refused; see [`ApiError::recovery`].
    Api(ApiError),
    /// No response after the automatic retries.
    Transport {
        /// The last failure.
        failure: TransportFailure,
    },
    /// The Visa page ended the ceremony.
    Passkey {
        /// How it ended.
        failure: PageFailure,
        /// Register or authenticate.
        action: PasskeyAction,
    },
    /// Every step-up method was used up or none was offered.
    StepUpExhausted,
    /// A purchase found the card's device binding challenged: run the enrollment journey
    /// again before paying with this token.
    RebindRequired,
    /// The payment ended in a failure status (`AUTHENTICATION_FAILED`, `JUSPAY_DECLINED` …).
    PaymentFailed {
        /// The status as sent.
        status: String,
    },
    /// The journey could not continue (a secret missing after resume).
    Internal {
        /// What happened.
        reason: String,
    },
}

impl Restore for JourneyFailure {
    fn restore(value: &Value) -> Result<Self, Corrupt> {
        let (name, content) = variant(value)?;
        match name {
            "Cancelled" => Ok(Self::Cancelled {
                outcome_unknown_for: Fields::of(content)?.get("outcome_unknown_for")?,
            }),
            "Api" => ApiError::restore(content).map(Self::Api),
            "Transport" => Ok(Self::Transport {
                failure: Fields::of(content)?.get("failure")?,
            }),
            "Passkey" => {
                let fields = Fields::of(content)?;
                Ok(Self::Passkey {
                    failure: fields.get("failure")?,
                    action: fields.get("action")?,
                })
            }
            "StepUpExhausted" => unit(content, Self::StepUpExhausted),
            "RebindRequired" => unit(content, Self::RebindRequired),
            "PaymentFailed" => Ok(Self::PaymentFailed {
                status: Fields::of(content)?.get("status")?,
            }),
            "Internal" => Ok(Self::Internal {
                reason: Fields::of(content)?.get("reason")?,
            }),
            _ => Err(Corrupt),
        }
    }
}

/// How a journey succeeded. Credentials and passkey results are secrets: `Debug` redacts them.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Card enrollment: the token is bound to the device and enrolled in Visa Intelligent
    /// Commerce.
    Enrolled {
        /// The provisioned token id to use for purchases.
        v_provisioned_token_id: String,
        /// The enrollment status Juspay reported (`ACTIVE`), when it did.
        status: Option<VicStatus>,
    },
    /// Agentic purchase: the payment credentials (token + cryptogram) to place the order with.
    Authorised {
        /// The fetched credentials (secrets).
        credentials: FetchPaymentCredentialsResponse,
    },
    /// Direct OTP: the payment reached a success status (`CHARGED`, `AUTHORIZED`).
    Paid {
        /// The merchant's order id.
        order_id: String,
        /// Juspay's transaction id, when known.
        txn_id: Option<String>,
        /// The final status.
        status: TxnStatus,
    },
    /// Visa Acceptance: the passkey ceremony succeeded (registered or authenticated).
    PasskeyVerified {
        /// Register or authenticate.
        action: PasskeyAction,
        /// The ceremony result to send on as assurance data (secret blob).
        assurance: AssuranceData,
    },
}

/// `codeExpiration` values at or above this (2001-09-09 in Unix seconds) are read as a Unix time
/// in seconds; smaller ones as minutes (see [`otp_expires_at`]).
pub const EPOCH_SECONDS_THRESHOLD: u32 = 1_000_000_000;

/// When an OTP expires, from the `codeExpiration` of Juspay's trigger or Visa Acceptance's
/// one-time-passwords answer. The unit is undocumented (API.md §9 q6); the *provisional*
/// reading, shared by every journey: absent or `0` means "not stated" (no local expiry); at least
/// [`EPOCH_SECONDS_THRESHOLD`] is a Unix time in seconds (how Visa's own agent reads it); a
/// smaller value is minutes from `now` (Juspay's sample `5`). It errs long on purpose: expiring
/// locally too early would refuse a code the issuer still accepts.
pub fn otp_expires_at(code_expiration: Option<u32>, now: UnixMillis) -> Option<UnixMillis> {
    match code_expiration {
        None | Some(0) => None,
        Some(seconds) if seconds >= EPOCH_SECONDS_THRESHOLD => {
            Some(u64::from(seconds).saturating_mul(1_000))
        }
        Some(minutes) => Some(now.saturating_add(u64::from(minutes).saturating_mul(60_000))),
    }
}
