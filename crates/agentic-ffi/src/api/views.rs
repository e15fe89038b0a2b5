//! What `advance()` and the answers return, as foreign types. Records and enums hold public data only (their
//! generated `toString()` / `repr()` prints every field), except the Visa page message to post:
//! a [`PageMessage`], a class of each language's own whose `toString()` hides its text. The other
//! secrets are behind objects with getters: the fetched payment credentials
//! ([`PaymentCredentials`]) and the passkey result ([`PasskeyAssurance`]).

use std::sync::Arc;

use agentic_core::journey::{Outcome, PageFailure as CorePageFailure, Prompt, StepUpChoice};
use agentic_core::juspay_vat::FetchPaymentCredentialsResponse;
use agentic_core::secret::SecretText;
use agentic_core::step_up::StepUpMethod as CoreStepUpMethod;
use agentic_core::visa_page::{AssuranceData, OutgoingMessage, PasskeyAction as CoreAction};

use crate::engine::{self, JourneyKind as EngineKind};
use crate::error::Failure;

/// Which journey a session runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum JourneyKind {
    /// Card enrollment (Juspay VAT).
    Enrollment,
    /// Agentic purchase with the passkey (Juspay VAT).
    Purchase,
    /// Card payment with a native OTP or 3-D Secure fallback (Juspay EC).
    DirectOtp,
    /// Tokenized-card passkey with step-up (Visa Acceptance).
    VisaPasskey,
}

impl From<EngineKind> for JourneyKind {
    fn from(kind: EngineKind) -> Self {
        match kind {
            EngineKind::Enrollment => Self::Enrollment,
            EngineKind::Purchase => Self::Purchase,
            EngineKind::DirectOtp => Self::DirectOtp,
            EngineKind::VisaPasskey => Self::VisaPasskey,
        }
    }
}

/// Where the journey stopped: what `advance()` and every answer return.
#[derive(Debug, Clone, uniffi::Enum)]
pub enum SessionStep {
    /// The journey needs the app: answer with the matching session method; it returns the next
    /// step.
    Prompt {
        /// What to ask or do.
        prompt: PromptView,
    },
    /// The journey succeeded.
    Done {
        /// How.
        outcome: OutcomeView,
    },
    /// The journey ended without success for a reason its UI handles.
    Failed {
        /// Why.
        failure: FailureView,
    },
}

/// What the journey needs from the app. Each prompt lists the session methods that answer it;
/// `cancel()` is always accepted.
#[derive(Debug, Clone, uniffi::Enum)]
pub enum PromptView {
    /// Open the Visa auth page (hidden iframe / web view) at `origin` and relay every message it
    /// posts with `visa_message(PageEvent(json, origin))`. Once the page said `AUTH_READY`, this prompt
    /// comes back with `message_to_post` (`CREATE_AUTH_SESSION`) to post to it. A host that ran
    /// the page itself answers `visa_session(…)`; `page_closed()` if the page went away.
    ProvideVisaSession {
        /// The page's origin; messages from any other origin are refused.
        origin: String,
        /// The message to post to the page, once it is ready.
        message_to_post: Option<PageMessage>,
    },
    /// Let the user pick a step-up method: `choose_step_up(identifier)`.
    ChooseStepUp {
        /// The methods still available.
        methods: Vec<StepUpOption>,
    },
    /// Ask for the OTP: `submit_otp(…)`, `resend_otp()` (while `resends_left > 0`) or
    /// `choose_another_method()`.
    EnterOtp {
        /// Entries left.
        attempts_left: u32,
        /// Resends left.
        resends_left: u32,
        /// When the OTP expires (Unix milliseconds), if the provider said.
        expires_at_ms: Option<u64>,
        /// The last OTP entered was refused: show "wrong code".
        last_attempt_failed: bool,
        /// The OTP has expired: resend or choose another method.
        expired: bool,
    },
    /// A method completed outside the app (call the issuer, issuer app, issuer web page): show
    /// it, then `step_up_completed()`, `submit_issuer_auth_code(…)` (Visa Acceptance issuer app)
    /// or `choose_another_method()`.
    CompleteStepUp {
        /// The chosen method.
        choice: StepUpOption,
    },
    /// Post `message_to_post` to the Visa page at `origin` (a popup when `popup`), relay what it
    /// posts back with `visa_message(PageEvent(json, origin))`, or `page_closed()`.
    PasskeyCeremony {
        /// The `AUTHENTICATE` message (it holds the secret payload).
        message_to_post: PageMessage,
        /// The page's origin.
        origin: String,
        /// Open the page as a popup rather than a hidden iframe.
        popup: bool,
        /// Register (device binding) or authenticate (purchase).
        action: PasskeyAction,
    },
    /// The payment fell back to the bank's page: open `url`, then `redirect_completed()`.
    Redirect {
        /// The bank or 3-D Secure page.
        url: String,
    },
    /// A request that provisions, sends an OTP or moves money may have reached the provider:
    /// `reconcile()` (when `can_reconcile`), `resend_after_unknown_outcome()` (same reference
    /// ids) or `cancel()`.
    ConfirmUnknownOutcome {
        /// Which call (`juspay_ec.start_txn` …).
        operation: String,
        /// Whether a status call can tell what happened.
        can_reconcile: bool,
    },
}

/// A step-up method as offered.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct StepUpOption {
    /// Pass back to `choose_step_up`.
    pub identifier: String,
    /// The method.
    pub method: StepUpMethod,
    /// What to show: masked phone or email, call-centre number, label.
    pub value: Option<String>,
    /// `THREE-DS` for an issuer web page.
    pub sub_method: Option<String>,
    /// The issuer page or app link, for app and web methods.
    pub url: Option<String>,
}

/// A step-up method.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum StepUpMethod {
    /// OTP by SMS.
    OtpSms,
    /// OTP by email.
    OtpEmail,
    /// OTP through online banking.
    OtpOnlineBanking,
    /// The cardholder calls the issuer.
    CustomerService,
    /// The issuer calls the cardholder.
    OutboundCall,
    /// The issuer's app, or an issuer 3-D Secure page.
    AppToApp,
    /// A method this SDK version does not know.
    Other {
        /// As the provider spelt it.
        name: String,
    },
}

/// What a passkey ceremony does.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum PasskeyAction {
    /// Create a passkey (device binding).
    Register,
    /// Use the passkey (purchase).
    Authenticate,
    /// An action this SDK version does not know.
    Other {
        /// As the provider spelt it.
        name: String,
    },
}

/// How a journey succeeded.
#[derive(Debug, Clone, uniffi::Enum)]
pub enum OutcomeView {
    /// Card enrollment: the token is bound to the device and enrolled.
    Enrolled {
        /// The token to use for purchases.
        v_provisioned_token_id: String,
        /// The enrollment status (`ACTIVE`), when reported.
        status: Option<String>,
    },
    /// Agentic purchase: the payment credentials to place the order with.
    Authorised {
        /// Token, expiry and cryptogram (secrets, behind getters).
        credentials: Arc<PaymentCredentials>,
    },
    /// Direct OTP: the payment succeeded (`CHARGED`, `AUTHORIZED`).
    Paid {
        /// The merchant's order id.
        order_id: String,
        /// Juspay's transaction id, when known.
        txn_id: Option<String>,
        /// The final status.
        status: String,
    },
    /// Visa Acceptance: the passkey was registered or used.
    PasskeyVerified {
        /// Register or authenticate.
        action: PasskeyAction,
        /// The ceremony's result to send on as assurance data (secret, behind getters).
        assurance: Arc<PasskeyAssurance>,
    },
}

/// How a journey ended without success, for a reason its UI handles. Provider refusals, the
/// network and internal errors are thrown as `AgenticError` instead.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum FailureView {
    /// The app cancelled. `outcome_unknown_for` names a call that provisions, sends an OTP or
    /// moves money and may have reached the provider: reconcile it out of band.
    Cancelled {
        /// The call whose outcome is unknown, if any.
        outcome_unknown_for: Option<String>,
    },
    /// The Visa page ended the passkey ceremony.
    Passkey {
        /// How.
        failure: PageFailure,
        /// Register or authenticate.
        action: PasskeyAction,
    },
    /// Every step-up method was used up, or none was offered.
    StepUpExhausted,
    /// The card's device binding is challenged: enroll the card again before paying with it.
    RebindRequired,
    /// The payment ended in a failure status.
    PaymentFailed {
        /// `AUTHENTICATION_FAILED`, `JUSPAY_DECLINED` …
        status: String,
    },
}

/// How the Visa page ended a ceremony.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum PageFailure {
    /// `AUTH_FAILED`.
    Failed,
    /// `AUTH_CANCELLED`: the user backed out.
    Cancelled,
    /// `AUTH_NOT_SUPPORTED`: no passkey support here.
    NotSupported,
    /// `AUTH_NOT_PERFORMED`.
    NotPerformed,
    /// The popup or web view was closed.
    Closed,
}

/// A message to post to the Visa auth page. It crosses the FFI as its JSON text, inside the
/// prompt (no object to release, no getter to call), and arrives in each language as a class of
/// the bindings' own, `PageMessage`, whose `json` is the text to `postMessage` and whose
/// `toString()` / `description` / `repr()` shows no text: the `AUTHENTICATE` message holds the
/// signed payload (crates/agentic-ffi/uniffi.toml maps it; bindings/*/ hold the classes).
/// Every step that carries the prompt carries a copy of the text, which the foreign language
/// holds as an immutable string (not zeroized), whether or not the app posts it.
#[derive(Clone)]
pub struct PageMessage(OutgoingMessage);

impl std::fmt::Debug for PageMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("PageMessage").field(&self.0).finish()
    }
}

impl PageMessage {
    /// The message as JSON text, to `postMessage` to the page. Secret: never log it.
    pub fn json(&self) -> &str {
        self.0.as_json()
    }
}

// Output only: no exported call takes a `PageMessage`, but uniffi needs both directions.
uniffi::custom_type!(PageMessage, String, {
    lower: |message| message.0.as_json().to_owned(),
    try_lift: |_json| Err(uniffi::deps::anyhow::anyhow!(
        "a PageMessage comes from the SDK and is never passed to it"
    )),
});

/// The payment credentials of an agentic purchase. *Provisional* model (Juspay documents the
/// values, not the field names). Every getter but `dynamic_data_type`, `transaction_reference`
/// and `status` returns a secret: never log it.
#[derive(uniffi::Object)]
pub struct PaymentCredentials(pub(crate) FetchPaymentCredentialsResponse);

impl std::fmt::Debug for PaymentCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("PaymentCredentials").field(&self.0).finish()
    }
}

#[uniffi::export]
impl PaymentCredentials {
    /// The network token number. Secret.
    pub fn token_number(&self) -> Option<String> {
        self.0
            .token_number
            .as_ref()
            .map(|s| s.expose_secret().to_owned())
    }

    /// The token's expiry month. Secret.
    pub fn expiry_month(&self) -> Option<String> {
        self.0
            .expiry_month
            .as_ref()
            .map(|s| s.expose_secret().to_owned())
    }

    /// The token's expiry year. Secret.
    pub fn expiry_year(&self) -> Option<String> {
        self.0
            .expiry_year
            .as_ref()
            .map(|s| s.expose_secret().to_owned())
    }

    /// The cryptogram. Secret.
    pub fn cryptogram(&self) -> Option<String> {
        self.0
            .cryptogram
            .as_ref()
            .map(|s| s.expose_secret().to_owned())
    }

    /// The cryptogram kind (`DTVV`, `TAVV`).
    pub fn dynamic_data_type(&self) -> Option<String> {
        self.0
            .dynamic_data_type
            .as_ref()
            .map(|d| d.as_str().to_owned())
    }

    /// A transaction reference.
    pub fn transaction_reference(&self) -> Option<String> {
        self.0.transaction_reference.clone()
    }

    /// The result status (`SUCCESS`).
    pub fn status(&self) -> Option<String> {
        self.0.status.as_ref().map(|s| s.as_str().to_owned())
    }

    /// The whole answer as received (JSON text; `null` after a resume without the
    /// credentials). Secret.
    pub fn raw_json(&self) -> String {
        self.0.raw.expose().to_string()
    }
}

/// The passkey ceremony's result (`AUTH_COMPLETE.assuranceData`). `fido_blob` is secret.
#[derive(uniffi::Object)]
pub struct PasskeyAssurance(pub(crate) AssuranceData);

impl std::fmt::Debug for PasskeyAssurance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("PasskeyAssurance").field(&self.0).finish()
    }
}

#[uniffi::export]
impl PasskeyAssurance {
    /// The FIDO assertion or attestation. Secret.
    pub fn fido_blob(&self) -> String {
        self.0.fido_blob.expose_secret().to_owned()
    }

    /// The passkey's identifier.
    pub fn identifier(&self) -> Option<String> {
        self.0.identifier.clone()
    }

    /// The relying party.
    pub fn rp_id(&self) -> Option<String> {
        self.0.rp_id.clone()
    }
}

impl From<&CoreStepUpMethod> for StepUpMethod {
    fn from(method: &CoreStepUpMethod) -> Self {
        match method {
            CoreStepUpMethod::OtpSms => Self::OtpSms,
            CoreStepUpMethod::OtpEmail => Self::OtpEmail,
            CoreStepUpMethod::OtpOnlineBanking => Self::OtpOnlineBanking,
            CoreStepUpMethod::CustomerService => Self::CustomerService,
            CoreStepUpMethod::OutboundCall => Self::OutboundCall,
            CoreStepUpMethod::AppToApp => Self::AppToApp,
            CoreStepUpMethod::Unknown(name) => Self::Other { name: name.clone() },
        }
    }
}

impl From<&CoreAction> for PasskeyAction {
    fn from(action: &CoreAction) -> Self {
        match action {
            CoreAction::Register => Self::Register,
            CoreAction::Authenticate => Self::Authenticate,
            CoreAction::Unknown(name) => Self::Other { name: name.clone() },
        }
    }
}

impl From<CorePageFailure> for PageFailure {
    fn from(failure: CorePageFailure) -> Self {
        match failure {
            CorePageFailure::Failed => Self::Failed,
            CorePageFailure::Cancelled => Self::Cancelled,
            CorePageFailure::NotSupported => Self::NotSupported,
            CorePageFailure::NotPerformed => Self::NotPerformed,
            CorePageFailure::Closed => Self::Closed,
        }
    }
}

impl From<&StepUpChoice> for StepUpOption {
    fn from(choice: &StepUpChoice) -> Self {
        Self {
            identifier: choice.identifier.clone(),
            method: (&choice.method).into(),
            value: choice.value.clone(),
            sub_method: choice.sub_method.as_ref().map(|s| s.as_str().to_owned()),
            url: choice.url.clone(),
        }
    }
}

impl From<Prompt> for PromptView {
    fn from(prompt: Prompt) -> Self {
        match prompt {
            Prompt::ProvideVisaSession {
                origin,
                message_to_post,
            } => Self::ProvideVisaSession {
                origin,
                message_to_post: message_to_post.map(PageMessage),
            },
            Prompt::ChooseStepUp { methods } => Self::ChooseStepUp {
                methods: methods.iter().map(StepUpOption::from).collect(),
            },
            Prompt::EnterOtp {
                attempts_left,
                resends_left,
                expires_at,
                last_attempt_failed,
                expired,
            } => Self::EnterOtp {
                attempts_left,
                resends_left,
                expires_at_ms: expires_at,
                last_attempt_failed,
                expired,
            },
            Prompt::CompleteStepUp { choice } => Self::CompleteStepUp {
                choice: (&choice).into(),
            },
            Prompt::PasskeyCeremony {
                message_to_post,
                origin,
                popup,
                action,
            } => Self::PasskeyCeremony {
                message_to_post: PageMessage(message_to_post),
                origin,
                popup,
                action: (&action).into(),
            },
            Prompt::Redirect { url } => Self::Redirect { url },
            Prompt::ConfirmUnknownOutcome {
                operation,
                can_reconcile,
            } => Self::ConfirmUnknownOutcome {
                operation,
                can_reconcile,
            },
        }
    }
}

impl From<Outcome> for OutcomeView {
    fn from(outcome: Outcome) -> Self {
        match outcome {
            Outcome::Enrolled {
                v_provisioned_token_id,
                status,
            } => Self::Enrolled {
                v_provisioned_token_id,
                status: status.map(|s| s.as_str().to_owned()),
            },
            Outcome::Authorised { credentials } => Self::Authorised {
                credentials: Arc::new(PaymentCredentials(credentials)),
            },
            Outcome::Paid {
                order_id,
                txn_id,
                status,
            } => Self::Paid {
                order_id,
                txn_id,
                status: status.as_str().to_owned(),
            },
            Outcome::PasskeyVerified { action, assurance } => Self::PasskeyVerified {
                action: (&action).into(),
                assurance: Arc::new(PasskeyAssurance(assurance)),
            },
        }
    }
}

impl From<Failure> for FailureView {
    fn from(failure: Failure) -> Self {
        match failure {
            Failure::Cancelled {
                outcome_unknown_for,
            } => Self::Cancelled {
                outcome_unknown_for,
            },
            Failure::Passkey { failure, action } => Self::Passkey {
                failure: failure.into(),
                action: (&action).into(),
            },
            Failure::StepUpExhausted => Self::StepUpExhausted,
            Failure::RebindRequired => Self::RebindRequired,
            Failure::PaymentFailed { status } => Self::PaymentFailed { status },
        }
    }
}

impl From<engine::SessionStep> for SessionStep {
    fn from(step: engine::SessionStep) -> Self {
        match step {
            engine::SessionStep::Prompt(prompt) => Self::Prompt {
                prompt: prompt.into(),
            },
            engine::SessionStep::Done(outcome) => Self::Done {
                outcome: outcome.into(),
            },
            engine::SessionStep::Failed(failure) => Self::Failed {
                failure: failure.into(),
            },
        }
    }
}
