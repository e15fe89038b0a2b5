//! Card enrollment with Juspay Visa Agentic Transactions (issue 3, item 1; API.md §2.9 A) as a
//! sans-IO [`Script`] driven by the generic [`Journey`] engine.
//!
//! The journey gets a Visa page session, turns the card into a Visa token, clears the issuer's
//! step-up challenge if there is one, registers a passkey for the device (device binding) and
//! enrolls the token in Visa Intelligent Commerce:
//!
//! 1. **Visa session** — [`Prompt::ProvideVisaSession`]: the host relays the Visa page's
//!    messages (`AUTH_READY` → post `CREATE_AUTH_SESSION` → `AUTH_SESSION_CREATED`), or answers
//!    [`Input::VisaSession`] when it runs the page itself ([`page`] handles both).
//! 2. **Tokenize** (only when the host gave card details instead of a card token) —
//!    `POST /card/tokenize`.
//! 3. **Provision the new card** — `POST /provision-token-passkey` (`CARD_TOKEN`,
//!    `PAYMENT`/`AUTHENTICATE`). The answer decides the branch:
//!    * `stepUpResponse` with `deviceBindingStatus: CHALLENGED` → step-up (4);
//!    * `stepUpResponse` with any other status (an approved binding) → device binding (5);
//!    * `actionToBePerformed` (a passkey ceremony straight away) → ceremony (6).
//! 4. **Step-up** — [`Prompt::ChooseStepUp`]. An OTP method
//!    ([`StepUpMethod::sends_otp`](crate::step_up::StepUpMethod::sends_otp)) is triggered
//!    (`POST /initiateVerification`) and the OTP entered ([`Prompt::EnterOtp`]) and validated
//!    (`POST /validateOtp`); any other method (call the issuer, the issuer calls, issuer app
//!    or 3-D Secure page) is shown with [`Prompt::CompleteStepUp`] and confirmed with
//!    [`Input::StepUpCompleted`].
//! 5. **Device binding** — `POST /provision-token-passkey` (`V_PROV_TOKEN_ID`,
//!    `DEVICE_BINDING`/`REGISTER`) → `actionToBePerformed: REGISTER`.
//! 6. **Passkey ceremony** — [`Prompt::PasskeyCeremony`]: the host posts the `AUTHENTICATE`
//!    message to the Visa page (a popup when the session said `requiresPopupForRegister`) and
//!    relays the answer until `AUTH_COMPLETE`.
//! 7. **Enroll** — `POST /enrollInAgenticService` → [`Outcome::Enrolled`].
//!
//! Every call carries the same `clientReferenceId`: the [`ReferenceId`] given to [`start`]
//! (mint it with [`ReferenceId::from_entropy`]), kept in the checkpoint and reused by retries.
//! Every VAT call is non-idempotent, so the engine never resends one that may have reached the
//! server without the host's [`Input::ResendAfterUnknownOutcome`]; VAT has no status call, so
//! [`Input::Reconcile`] is never offered (`can_reconcile: false`).
//!
//! ```mermaid
//! stateDiagram-v2
//!     [*] --> ProvideVisaSession
//!     ProvideVisaSession --> ProvideVisaSession: AUTH_READY, post CREATE_AUTH_SESSION
//!     ProvideVisaSession --> Tokenize: session, card details given
//!     ProvideVisaSession --> ProvisionNewCard: session, card token given
//!     ProvideVisaSession --> Failed: page failure or PageClosed
//!     Tokenize --> ProvisionNewCard: ctkn token
//!     ProvisionNewCard --> ChooseStepUp: CHALLENGED
//!     ProvisionNewCard --> ProvisionDeviceBinding: binding not challenged
//!     ProvisionNewCard --> PasskeyCeremony: actionToBePerformed
//!     ProvisionNewCard --> Failed: CHALLENGED without methods
//!     ChooseStepUp --> TriggerOtp: OTP method
//!     ChooseStepUp --> CompleteStepUp: other method
//!     CompleteStepUp --> ProvisionDeviceBinding: StepUpCompleted
//!     CompleteStepUp --> ChooseStepUp: ChooseAnotherMethod
//!     TriggerOtp --> EnterOtp: limits and expiry
//!     TriggerOtp --> ChooseStepUp: refused, method removed
//!     TriggerOtp --> Failed: refused, no method left
//!     EnterOtp --> ValidateOtp: Otp before expiry
//!     EnterOtp --> EnterOtp: Otp after expiry, not sent
//!     EnterOtp --> TriggerOtp: ResendOtp
//!     EnterOtp --> ChooseStepUp: ChooseAnotherMethod
//!     ValidateOtp --> ProvisionDeviceBinding: SUCCESS
//!     ValidateOtp --> EnterOtp: wrong OTP, attempts left
//!     ValidateOtp --> ChooseStepUp: attempts used up, method removed
//!     ValidateOtp --> Failed: attempts used up, no method left
//!     ProvisionDeviceBinding --> PasskeyCeremony: actionToBePerformed REGISTER
//!     ProvisionDeviceBinding --> ChooseStepUp: challenged again
//!     PasskeyCeremony --> Enroll: AUTH_COMPLETE
//!     PasskeyCeremony --> Failed: page failure or PageClosed
//!     Enroll --> Done: Enrolled
//! ```
//!
//! Each box that sends (`Tokenize`, `Provision…`, `TriggerOtp`, `ValidateOtp`, `Enroll`) is a
//! [`Step`] and runs through the engine's `Sending` / `BackingOff` / `OutcomeUnknown` stages
//! (see [`super`]); any other API error there ends in [`JourneyFailure::Api`]. `Cancel` ends the
//! journey from every non-terminal state.
//!
//! # Prompt → valid inputs
//!
//! | Prompt ([`Phase`]) | Valid inputs | Anything else |
//! |---|---|---|
//! | [`Prompt::ProvideVisaSession`] ([`Phase::VisaSession`]) | [`Input::VisaMessage`] (from the page's origin), [`Input::VisaSession`], [`Input::PageClosed`], [`Input::Cancel`] | `InvalidEvent { state: "ProvideVisaSession" }`; a refused message is [`JourneyError::PageMessage`] |
//! | [`Prompt::ChooseStepUp`] ([`Phase::ChooseStepUp`]) | [`Input::ChooseStepUp`] with an offered identifier, [`Input::Cancel`] | `InvalidEvent { state: "ChooseStepUp" }`; an identifier not offered is [`JourneyError::InvalidInput`] (`stepUp.identifier`) |
//! | [`Prompt::EnterOtp`] ([`Phase::EnterOtp`]) | [`Input::Otp`], [`Input::ResendOtp`] (only while `resends_left > 0`), [`Input::ChooseAnotherMethod`], [`Input::Cancel`] | `InvalidEvent { state: "EnterOtp" }` |
//! | [`Prompt::CompleteStepUp`] ([`Phase::CompleteStepUp`]) | [`Input::StepUpCompleted`], [`Input::ChooseAnotherMethod`], [`Input::Cancel`] | `InvalidEvent { state: "CompleteStepUp" }` |
//! | [`Prompt::PasskeyCeremony`] ([`Phase::PasskeyCeremony`]) | [`Input::VisaMessage`] (from the page's origin), [`Input::PageClosed`], [`Input::Cancel`] | `InvalidEvent { state: "PasskeyCeremony" }`; a refused message is [`JourneyError::PageMessage`] |
//! | [`Prompt::ConfirmUnknownOutcome`] (engine) | [`Input::ResendAfterUnknownOutcome`], [`Input::Cancel`] | `InvalidEvent { state: "OutcomeUnknown" }` (also for `Reconcile`: VAT has no status call) |
//!
//! While a request is in flight (`Sending`) or waiting to be retried (`BackingOff`) only
//! `Cancel` is accepted; in `Done` / `Failed` nothing is.
//!
//! # Secrets and checkpoints
//!
//! The card token or card details, the `secureToken`, the Visa `payload` JWT, the OTP and the
//! `fidoBlob` live only in [`EnrollmentSecrets`] (which is not `Serialize`); [`Enrollment`], the
//! part written into checkpoints, holds ids and public data only. On resume the host
//! re-supplies what the current stage still needs ([`Script::missing_secret`] names it):
//!
//! | Stage | Needs |
//! |---|---|
//! | waiting for the Visa session | `cardToken` (or `cardDetails` when the journey tokenizes) |
//! | tokenize in flight | `cardDetails`, `secureToken` |
//! | new-card provision in flight | `secureToken`, `cardToken` |
//! | step-up prompts, trigger OTP, device binding | `secureToken` |
//! | validate OTP in flight | `secureToken`, `otp` (but see [`Enrollment::on_resume`]) |
//! | passkey ceremony | `payload` (the Visa JWT of the ceremony) |
//! | enroll, done, failed | nothing |
//!
//! (A call in flight, waiting to be retried or of unknown outcome needs what its step needs.)
//!
//! A card token minted by the tokenize step lives only in memory: a journey checkpointed while
//! the new-card provision that follows is in flight cannot resume (the host never saw the
//! token) and must start again. The OTP is never required on resume: see [`Enrollment::on_resume`].
//!
//! # Provisional choices
//!
//! * `codeExpiration` of Trigger OTP is read by [`otp_expires_at`](super::otp_expires_at), the
//!   rule every journey shares: the sample's `5` is minutes (the unit is undocumented, API.md
//!   §9 q6), `0` is "not stated", an epoch-sized value is a Unix time in seconds.
//! * `tokenReference` is sent equal to `vProvisionedTokenId` (identical in every sample; API.md
//!   §9 q5, INFERRED).
//! * One `secureToken` is used for the new-card and the device-binding calls (API.md §9 q9).
//! * The `AUTH_COMPLETE` result is kept in memory but not sent: the enroll call has no
//!   documented field for it (API.md §9 q2).

use serde::Serialize;
use serde_json::Value;

use super::page::{self, Ceremony, CeremonyEvent, SessionEvent, SessionWait};
use super::restore::{Corrupt, Fields, Restore, unit, variant};
use super::{
    Input, Journey, JourneyError, JourneyFailure, Next, Outcome, Prompt, ReferenceId, Script,
    Stage, StepUpChoice, UnixMillis,
};
use crate::error::{ApiError, ErrorCategory, Provider, Recovery};
use crate::juspay_vat::{
    AppDetails, CardTokenizeRequest, DeviceBindingStatus, DeviceData,
    EnrollInAgenticServiceRequest, IdentityType, ProvisionContext, ProvisionTokenPasskeyRequest,
    ProvisionTokenPasskeyResponse, TriggerOtpRequest, TriggerOtpResponse, UserDetails,
    ValidateOtpRequest, VicStatus,
};
use crate::secret::{CardToken, Otp, SecretText, SecureToken, VisaPayload};
use crate::step_up::StepUpOption;
use crate::validate::{Amount, CurrencyCode, Id, InvalidInput, Problem};
use crate::visa_page::{
    AssuranceData, BrowserData, PasskeyAction, PlatformType, PopupRequirements, VisaPageOrigin,
};
use crate::wire::{Endpoint, HttpRequest, HttpResponse};

// ---------------------------------------------------------------------------------------------
// Parameters
// ---------------------------------------------------------------------------------------------

/// What the host knows before the journey starts, as plain data. Validate it into
/// [`EnrollmentParams`] with [`EnrollmentParams::new`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EnrollmentDetails {
    /// The customer at the agent (`customerId` of the provision calls and
    /// `userDetails.customerId` of the enrollment), e.g. `user_1234567`.
    pub customer_id: String,
    /// `userDetails.identityType` (`EMAIL_ADDRESS`).
    pub identity_type: IdentityType,
    /// `userDetails.countryCode`: ISO 3166-1 alpha-2 (`US`).
    pub country_code: String,
    /// `appDetails.userAgent`.
    pub user_agent: String,
    /// `appDetails.ipAddress`: an IPv4 or IPv6 address.
    pub ip_address: String,
    /// `appDetails.deviceData.model` (`Macintosh`).
    pub device_model: String,
    /// `appDetails.deviceData.brand` (`Apple`).
    pub device_brand: String,
    /// `appDetails.deviceData.manufacturer` (`Apple`).
    pub device_manufacturer: String,
    /// `appName`, optional: `""` sends the sample's empty value.
    pub app_name: String,
    /// `amount.total` of the provision calls, a decimal such as `92.65` (the samples send the
    /// amount of the purchase that triggered the enrollment).
    pub amount: String,
    /// `amount.currency`, ISO 4217 (`SGD`).
    pub currency: String,
    /// `platformType` of the provision calls (`WEB`, `MOBILE_WEB`).
    pub platform_type: PlatformType,
    /// Where the Visa auth page runs; every page message is checked against it.
    pub page_origin: VisaPageOrigin,
}

impl Restore for EnrollmentDetails {
    fn restore(value: &Value) -> Result<Self, Corrupt> {
        let fields = Fields::of(value)?;
        Ok(Self {
            customer_id: fields.get("customerId")?,
            identity_type: fields.get("identityType")?,
            country_code: fields.get("countryCode")?,
            user_agent: fields.get("userAgent")?,
            ip_address: fields.get("ipAddress")?,
            device_model: fields.get("deviceModel")?,
            device_brand: fields.get("deviceBrand")?,
            device_manufacturer: fields.get("deviceManufacturer")?,
            app_name: fields.get("appName")?,
            amount: fields.get("amount")?,
            currency: fields.get("currency")?,
            platform_type: fields.get("platformType")?,
            page_origin: fields.get("pageOrigin")?,
        })
    }
}

impl EnrollmentDetails {
    fn user_details(&self) -> Result<UserDetails, InvalidInput> {
        UserDetails::new(
            &self.customer_id,
            self.identity_type.clone(),
            &self.country_code,
        )
    }

    fn app_details(&self) -> Result<AppDetails, InvalidInput> {
        AppDetails::new(
            &self.user_agent,
            &self.ip_address,
            DeviceData {
                model: self.device_model.clone(),
                brand: self.device_brand.clone(),
                manufacturer: self.device_manufacturer.clone(),
            },
        )
    }

    fn check(&self) -> Result<(), InvalidInput> {
        Id::new("customerId", self.customer_id.as_str())?;
        self.user_details()?;
        self.app_details()?;
        CurrencyCode::new("amount.currency", self.currency.as_str())?;
        Amount::parse("amount.total", &self.amount)?;
        Ok(())
    }
}

/// Validated [`EnrollmentDetails`]. A checkpoint re-validates them when it is read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(into = "EnrollmentDetails")]
pub struct EnrollmentParams(EnrollmentDetails);

impl Restore for EnrollmentParams {
    fn restore(value: &Value) -> Result<Self, Corrupt> {
        Self::new(EnrollmentDetails::restore(value)?).map_err(|_| Corrupt)
    }
}

impl EnrollmentParams {
    /// Checks every field the journey's requests constrain.
    ///
    /// # Errors
    /// [`InvalidInput`] naming the first bad field by its wire name (`customerId`,
    /// `userDetails.countryCode`, `appDetails.ipAddress`, `amount.currency`, `amount.total` …).
    pub fn new(details: EnrollmentDetails) -> Result<Self, InvalidInput> {
        details.check()?;
        Ok(Self(details))
    }

    /// The validated details.
    pub fn details(&self) -> &EnrollmentDetails {
        &self.0
    }
}

impl TryFrom<EnrollmentDetails> for EnrollmentParams {
    type Error = InvalidInput;

    fn try_from(details: EnrollmentDetails) -> Result<Self, InvalidInput> {
        Self::new(details)
    }
}

impl From<EnrollmentParams> for EnrollmentDetails {
    fn from(params: EnrollmentParams) -> Self {
        params.0
    }
}

// ---------------------------------------------------------------------------------------------
// Secrets
// ---------------------------------------------------------------------------------------------

/// The journey's secrets, held in memory only (not `Serialize`; `Debug` redacts every value).
/// Give the card at [`start`]; on [`Journey::resume`] re-supply what the stage needs (see the module
/// docs' table).
#[derive(Debug, Clone, Default)]
pub struct EnrollmentSecrets {
    card_token: Option<CardToken>,
    card_details: Option<CardTokenizeRequest>,
    secure_token: Option<SecureToken>,
    visa_payload: Option<VisaPayload>,
    otp: Option<Otp>,
    assurance: Option<AssuranceData>,
}

impl EnrollmentSecrets {
    /// The Juspay card token (`ctkn_…`) the host already has: the journey skips tokenizing.
    #[must_use]
    pub fn with_card_token(mut self, token: CardToken) -> Self {
        self.card_token = Some(token);
        self
    }

    /// Card details to tokenize first (`POST /card/tokenize`); ignored when a card token is
    /// given too.
    #[must_use]
    pub fn with_card_details(mut self, details: CardTokenizeRequest) -> Self {
        self.card_details = Some(details);
        self
    }

    /// The Visa page's `secureToken` (on resume; a new journey gets it from the page).
    #[must_use]
    pub fn with_secure_token(mut self, token: SecureToken) -> Self {
        self.secure_token = Some(token);
        self
    }

    /// The Visa `payload` JWT of the passkey ceremony (on resume in the ceremony).
    #[must_use]
    pub fn with_visa_payload(mut self, payload: VisaPayload) -> Self {
        self.visa_payload = Some(payload);
        self
    }

    /// The OTP of a validation in flight (on resume; [`Enrollment::on_resume`] asks for it again instead when
    /// it is absent).
    #[must_use]
    pub fn with_otp(mut self, otp: Otp) -> Self {
        self.otp = Some(otp);
        self
    }

    /// The passkey result of the ceremony, once `AUTH_COMPLETE` arrived (not sent on: the
    /// enroll call documents no field for it, API.md §9 q2).
    pub fn assurance(&self) -> Option<&AssuranceData> {
        self.assurance.as_ref()
    }
}

// ---------------------------------------------------------------------------------------------
// State
// ---------------------------------------------------------------------------------------------

/// Where the journey waits for the host. Each phase shows one [`Prompt`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Phase {
    /// [`Prompt::ProvideVisaSession`]. Accepts [`Input::VisaMessage`] (`AUTH_READY` stays here
    /// with `CREATE_AUTH_SESSION` to post; `AUTH_SESSION_CREATED` goes on; a page failure
    /// fails the journey; other types are ignored), [`Input::VisaSession`] (goes on) and
    /// [`Input::PageClosed`] (fails with [`JourneyFailure::Passkey`]).
    VisaSession(SessionWait),
    /// [`Prompt::ChooseStepUp`] with the methods still available. Accepts
    /// [`Input::ChooseStepUp`]: an OTP method sends [`Step::TriggerOtp`], any other method
    /// shows [`Phase::CompleteStepUp`].
    ChooseStepUp,
    /// [`Prompt::EnterOtp`]. Accepts [`Input::Otp`] (sends [`Step::ValidateOtp`], or stays
    /// here with `expired` when the code has expired), [`Input::ResendOtp`] while resends are
    /// left (sends [`Step::TriggerOtp`] `resend`) and [`Input::ChooseAnotherMethod`].
    EnterOtp,
    /// [`Prompt::CompleteStepUp`] for a method completed outside the app. Accepts
    /// [`Input::StepUpCompleted`] (sends [`Step::ProvisionDeviceBinding`]) and
    /// [`Input::ChooseAnotherMethod`].
    CompleteStepUp,
    /// [`Prompt::PasskeyCeremony`]. Accepts [`Input::VisaMessage`] (`AUTH_COMPLETE` sends
    /// [`Step::Enroll`]; a page failure fails the journey; other types are ignored) and
    /// [`Input::PageClosed`] (fails with [`JourneyFailure::Passkey`]).
    PasskeyCeremony,
}

impl Restore for Phase {
    fn restore(value: &Value) -> Result<Self, Corrupt> {
        let (name, content) = variant(value)?;
        match name {
            "VisaSession" => SessionWait::restore(content).map(Self::VisaSession),
            "ChooseStepUp" => unit(content, Self::ChooseStepUp),
            "EnterOtp" => unit(content, Self::EnterOtp),
            "CompleteStepUp" => unit(content, Self::CompleteStepUp),
            "PasskeyCeremony" => unit(content, Self::PasskeyCeremony),
            _ => Err(Corrupt),
        }
    }
}

/// The requests of the journey. None is idempotent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Step {
    /// `POST /card/tokenize` with the card details. A token → [`Step::ProvisionNewCard`].
    Tokenize,
    /// `POST /provision-token-passkey` (new card). `CHALLENGED` → [`Phase::ChooseStepUp`] (or
    /// [`JourneyFailure::StepUpExhausted`] without methods); another binding status →
    /// [`Step::ProvisionDeviceBinding`]; a ceremony → [`Phase::PasskeyCeremony`].
    ProvisionNewCard,
    /// `POST /initiateVerification` for the chosen method. The limits → [`Phase::EnterOtp`]. A
    /// refusal (non-`SUCCESS`, 4xx other than credentials) removes the method →
    /// [`Phase::ChooseStepUp`] or [`JourneyFailure::StepUpExhausted`]; a refused `resend`
    /// keeps the current code instead ([`Phase::EnterOtp`] with no resends left).
    TriggerOtp {
        /// Sent for [`Input::ResendOtp`].
        resend: bool,
    },
    /// `POST /validateOtp`. `SUCCESS` → [`Step::ProvisionDeviceBinding`]; a refused OTP
    /// ([`Recovery::ReenterOtp`]) → [`Phase::EnterOtp`] with one attempt less, or the method
    /// removed when none is left; `EXPIRED` → [`Phase::EnterOtp`] `expired`; a used-up limit →
    /// the method removed.
    ValidateOtp,
    /// `POST /provision-token-passkey` (device binding, `REGISTER`). A ceremony →
    /// [`Phase::PasskeyCeremony`]; `CHALLENGED` again → [`Phase::ChooseStepUp`] with the new
    /// methods.
    ProvisionDeviceBinding,
    /// `POST /enrollInAgenticService`. Success → [`Outcome::Enrolled`].
    Enroll,
}

impl Restore for Step {
    fn restore(value: &Value) -> Result<Self, Corrupt> {
        let (name, content) = variant(value)?;
        match name {
            "Tokenize" => unit(content, Self::Tokenize),
            "ProvisionNewCard" => unit(content, Self::ProvisionNewCard),
            "TriggerOtp" => Ok(Self::TriggerOtp {
                resend: Fields::of(content)?.get("resend")?,
            }),
            "ValidateOtp" => unit(content, Self::ValidateOtp),
            "ProvisionDeviceBinding" => unit(content, Self::ProvisionDeviceBinding),
            "Enroll" => unit(content, Self::Enroll),
            _ => Err(Corrupt),
        }
    }
}

/// The Visa page session, without its secret token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
struct SessionInfo {
    browser_data: BrowserData,
    ready_request_id: Option<String>,
    popup_for_register: bool,
    popup_for_authenticate: bool,
}

impl Restore for SessionInfo {
    fn restore(value: &Value) -> Result<Self, Corrupt> {
        let fields = Fields::of(value)?;
        Ok(Self {
            browser_data: fields.get("browserData")?,
            ready_request_id: fields.get("readyRequestId")?,
            popup_for_register: fields.get("popupForRegister")?,
            popup_for_authenticate: fields.get("popupForAuthenticate")?,
        })
    }
}

/// A step-up method as offered, with the key the host passes back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
struct OfferedMethod {
    key: String,
    option: StepUpOption,
}

impl Restore for OfferedMethod {
    fn restore(value: &Value) -> Result<Self, Corrupt> {
        let fields = Fields::of(value)?;
        Ok(Self {
            key: fields.get("key")?,
            option: fields.get("option")?,
        })
    }
}

impl OfferedMethod {
    fn choice(&self) -> StepUpChoice {
        StepUpChoice {
            identifier: self.key.clone(),
            method: self.option.method.clone(),
            value: self.option.value.clone(),
            sub_method: self.option.sub_method.clone(),
            url: self
                .option
                .source
                .clone()
                .or_else(|| self.option.app_url.clone()),
        }
    }
}

/// The running OTP challenge (what [`Prompt::EnterOtp`] shows).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OtpChallenge {
    /// Entries left (`maxOTPVerificationAllowed`, minus refused entries).
    pub attempts_left: u32,
    /// Resends left (`maxOTPRequestsAllowed − 1`, minus resends).
    pub resends_left: u32,
    /// When the OTP expires ([`otp_expires_at`](super::otp_expires_at)), when stated.
    pub expires_at: Option<UnixMillis>,
    /// The last OTP entered was refused.
    pub last_attempt_failed: bool,
    /// The code has expired (an OTP entered after `expires_at` was not sent).
    pub expired: bool,
}

impl Restore for OtpChallenge {
    fn restore(value: &Value) -> Result<Self, Corrupt> {
        let fields = Fields::of(value)?;
        Ok(Self {
            attempts_left: fields.get("attemptsLeft")?,
            resends_left: fields.get("resendsLeft")?,
            expires_at: fields.get("expiresAt")?,
            last_attempt_failed: fields.get("lastAttemptFailed")?,
            expired: fields.get("expired")?,
        })
    }
}

/// The enrollment answer, once received.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
struct EnrollmentResult {
    status: Option<VicStatus>,
    reference_id: Option<String>,
}

impl Restore for EnrollmentResult {
    fn restore(value: &Value) -> Result<Self, Corrupt> {
        let fields = Fields::of(value)?;
        Ok(Self {
            status: fields.get("status")?,
            reference_id: fields.get("referenceId")?,
        })
    }
}

/// The card enrollment journey's script: everything but the secrets, serialised into
/// checkpoints. Start it with [`start`]; resume it with [`Journey::resume`].
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Enrollment {
    params: EnrollmentParams,
    reference_id: ReferenceId,
    tokenize: bool,
    session: Option<SessionInfo>,
    v_provisioned_token_id: Option<String>,
    methods: Vec<OfferedMethod>,
    chosen: Option<OfferedMethod>,
    otp: Option<OtpChallenge>,
    ceremony: Option<Ceremony>,
    passkey_identifier: Option<String>,
    enrollment: Option<EnrollmentResult>,
}

impl Restore for Enrollment {
    fn restore(value: &Value) -> Result<Self, Corrupt> {
        let fields = Fields::of(value)?;
        Ok(Self {
            params: fields.get("params")?,
            reference_id: fields.get("referenceId")?,
            tokenize: fields.get("tokenize")?,
            session: fields.get("session")?,
            v_provisioned_token_id: fields.get("vProvisionedTokenId")?,
            methods: fields.get("methods")?,
            chosen: fields.get("chosen")?,
            otp: fields.get("otp")?,
            ceremony: fields.get("ceremony")?,
            passkey_identifier: fields.get("passkeyIdentifier")?,
            enrollment: fields.get("enrollment")?,
        })
    }
}

/// Starts an enrollment. `reference_id` is the journey's `clientReferenceId` (mint it with
/// [`ReferenceId::from_entropy`]); `secrets` must hold the card, as a token
/// ([`EnrollmentSecrets::with_card_token`]) or as details to tokenize first
/// ([`EnrollmentSecrets::with_card_details`]). The first action is
/// [`Prompt::ProvideVisaSession`].
///
/// # Errors
/// [`InvalidInput`] for `paymentInstrument.cardObj` when `secrets` holds no card.
pub fn start(
    params: EnrollmentParams,
    reference_id: ReferenceId,
    mut secrets: EnrollmentSecrets,
) -> Result<Journey<Enrollment>, InvalidInput> {
    let tokenize = match (&secrets.card_token, &secrets.card_details) {
        (Some(_), _) => {
            // The token wins: the card details are not kept.
            secrets.card_details = None;
            false
        }
        (None, Some(_)) => true,
        (None, None) => {
            return Err(InvalidInput::new(
                "paymentInstrument.cardObj",
                Problem::Empty,
            ));
        }
    };
    let script = Enrollment {
        params,
        reference_id,
        tokenize,
        session: None,
        v_provisioned_token_id: None,
        methods: Vec::new(),
        chosen: None,
        otp: None,
        ceremony: None,
        passkey_identifier: None,
        enrollment: None,
    };
    Ok(Journey::start(
        script,
        secrets,
        Next::Prompt(Phase::VisaSession(SessionWait::default())),
    ))
}

fn missing(name: &str) -> JourneyError {
    JourneyError::Resume(format!("the secret `{name}` is needed to continue"))
}

fn state_error(what: &str) -> JourneyError {
    JourneyError::Resume(format!("the journey state lacks {what}"))
}

/// A success answer the journey cannot use: like an unreadable body on a non-idempotent call,
/// the call did something we cannot see, so the caller reconciles (DESIGN.md §3).
fn unusable(response: &HttpResponse, message: &str) -> ApiError {
    let mut error = ApiError::malformed(Provider::JuspayVat, response, message.to_owned());
    error.recovery = Recovery::Reconcile;
    error
}

/// Trigger OTP refusals that mean "this method cannot be used now" (VISA-AI: "selected
/// validation method is not available" → re-select). Credentials, configuration, rate limits,
/// server errors and unreadable answers go to the engine's policy instead.
fn method_refused(error: &ApiError) -> bool {
    matches!(
        error.category,
        ErrorCategory::Rejected
            | ErrorCategory::InvalidRequest
            | ErrorCategory::NotFound
            | ErrorCategory::LimitExceeded
            | ErrorCategory::Expired
            | ErrorCategory::Conflict
    )
}

/// Unique keys for the offered methods: the option's `identifier` when no other option shares
/// it (the Juspay sample repeats `bvksaj==` for three methods), else `identifier#index`.
fn offered(options: Vec<StepUpOption>) -> Vec<OfferedMethod> {
    let count = |id: &str| options.iter().filter(|o| o.identifier == id).count();
    let mut keys: Vec<String> = options
        .iter()
        .enumerate()
        .map(|(index, option)| {
            if count(&option.identifier) == 1 {
                option.identifier.clone()
            } else {
                format!("{}#{index}", option.identifier)
            }
        })
        .collect();
    let unique = keys.iter().enumerate().all(|(i, k)| !keys[..i].contains(k));
    if !unique {
        keys = (0..options.len())
            .map(|index| format!("#{index}"))
            .collect();
    }
    keys.into_iter()
        .zip(options)
        .map(|(key, option)| OfferedMethod { key, option })
        .collect()
}

impl Enrollment {
    /// The journey's `clientReferenceId`.
    pub fn reference_id(&self) -> &ReferenceId {
        &self.reference_id
    }

    /// The provisioned token id, once the new-card call answered.
    pub fn v_provisioned_token_id(&self) -> Option<&str> {
        self.v_provisioned_token_id.as_deref()
    }

    /// The parameters the journey was started with.
    pub fn params(&self) -> &EnrollmentParams {
        &self.params
    }

    /// Whether the journey tokenizes card details first.
    pub fn tokenizes(&self) -> bool {
        self.tokenize
    }

    /// The step-up methods still available.
    pub fn available_methods(&self) -> Vec<StepUpChoice> {
        self.methods.iter().map(OfferedMethod::choice).collect()
    }

    /// The method being used, if any.
    pub fn chosen_method(&self) -> Option<StepUpChoice> {
        self.chosen.as_ref().map(OfferedMethod::choice)
    }

    /// The running OTP challenge, if any.
    pub fn otp_challenge(&self) -> Option<&OtpChallenge> {
        self.otp.as_ref()
    }

    /// `assuranceData.identifier` of `AUTH_COMPLETE`, once the ceremony succeeded.
    pub fn passkey_identifier(&self) -> Option<&str> {
        self.passkey_identifier.as_deref()
    }

    /// The enrollment status Juspay reported, once enrolled.
    pub fn enrollment_status(&self) -> Option<&VicStatus> {
        self.enrollment.as_ref().and_then(|e| e.status.as_ref())
    }

    /// A request or enrollment reference id from the enroll answer, when it had one.
    pub fn enrollment_reference(&self) -> Option<&str> {
        self.enrollment
            .as_ref()
            .and_then(|e| e.reference_id.as_deref())
    }

    fn origin(&self) -> &VisaPageOrigin {
        &self.params.0.page_origin
    }

    fn token_id(&self) -> Result<&str, JourneyError> {
        self.v_provisioned_token_id
            .as_deref()
            .ok_or_else(|| state_error("a vProvisionedTokenId"))
    }

    fn context(&self, secrets: &EnrollmentSecrets) -> Result<ProvisionContext, JourneyError> {
        let session = self
            .session
            .as_ref()
            .ok_or_else(|| state_error("a Visa session"))?;
        let token = secrets
            .secure_token
            .clone()
            .ok_or_else(|| missing("secureToken"))?;
        let details = &self.params.0;
        Ok(ProvisionContext::new(
            &details.customer_id,
            self.reference_id.as_str(),
            token,
            session.browser_data.clone(),
            details.platform_type.clone(),
            &details.currency,
            &details.amount,
        )?)
    }

    /// The issuer's challenge: offer its methods, or fail when it offers none.
    fn offer(&mut self, options: Vec<StepUpOption>) -> Next<Phase, Step> {
        self.methods = offered(options);
        self.chosen = None;
        self.otp = None;
        if self.methods.is_empty() {
            Next::Fail(JourneyFailure::StepUpExhausted)
        } else {
            Next::Prompt(Phase::ChooseStepUp)
        }
    }

    /// The chosen method can no longer be used: drop it and offer the others.
    fn drop_chosen_method(&mut self) -> Next<Phase, Step> {
        if let Some(chosen) = self.chosen.take() {
            self.methods.retain(|m| m.key != chosen.key);
        }
        self.otp = None;
        if self.methods.is_empty() {
            Next::Fail(JourneyFailure::StepUpExhausted)
        } else {
            Next::Prompt(Phase::ChooseStepUp)
        }
    }

    /// An OTP entry was used up (refused, or maybe counted): one attempt less.
    fn use_attempt(&mut self, refused: bool) -> Next<Phase, Step> {
        let otp = self.otp.get_or_insert_with(OtpChallenge::default);
        otp.attempts_left = otp.attempts_left.saturating_sub(1);
        if otp.attempts_left == 0 {
            return self.drop_chosen_method();
        }
        otp.last_attempt_failed = refused;
        otp.expired = false;
        Next::Prompt(Phase::EnterOtp)
    }

    /// For a resume without an OTP: the stage to continue in instead of a validation.
    fn ask_otp_again(&mut self, stage: &Stage<Phase, Step>) -> Option<Stage<Phase, Step>> {
        let next = match stage {
            Stage::BackingOff {
                step: Step::ValidateOtp,
                ..
            } => {
                let otp = self.otp.get_or_insert_with(OtpChallenge::default);
                otp.last_attempt_failed = false;
                Next::Prompt(Phase::EnterOtp)
            }
            Stage::Sending {
                step: Step::ValidateOtp,
                ..
            }
            | Stage::OutcomeUnknown {
                step: Step::ValidateOtp,
            } => self.use_attempt(false),
            _ => return None,
        };
        match next {
            Next::Prompt(phase) => Some(Stage::Awaiting(phase)),
            Next::Fail(failure) => Some(Stage::Failed(failure)),
            _ => None,
        }
    }

    /// Enters the passkey ceremony of a provision answer: the popup and the page `requestID`
    /// come from the session; the message must be buildable (an empty part is unusable).
    fn begin_ceremony(
        &mut self,
        secrets: &mut EnrollmentSecrets,
        response: &HttpResponse,
        mut ceremony: Ceremony,
        payload: VisaPayload,
    ) -> Result<Next<Phase, Step>, ApiError> {
        let session = self
            .session
            .as_ref()
            .ok_or_else(|| unusable(response, "a passkey ceremony before the Visa session"))?;
        ceremony.popup = PopupRequirements {
            for_authenticate: session.popup_for_authenticate,
            for_register: session.popup_for_register,
        }
        .required_for(&ceremony.action);
        ceremony.request_id = session
            .ready_request_id
            .clone()
            .unwrap_or_else(|| self.reference_id.as_str().to_owned());
        if page::check_ceremony(&ceremony, &payload).is_err() {
            return Err(unusable(
                response,
                "juspay_vat.provision_token_passkey: the passkey ceremony in the answer is incomplete",
            ));
        }
        secrets.visa_payload = Some(payload);
        self.ceremony = Some(ceremony);
        Ok(Next::Prompt(Phase::PasskeyCeremony))
    }

    fn on_provision(
        &mut self,
        secrets: &mut EnrollmentSecrets,
        step: &Step,
        response: &HttpResponse,
    ) -> Result<Next<Phase, Step>, ApiError> {
        match ProvisionTokenPasskeyRequest::decode(response)? {
            ProvisionTokenPasskeyResponse::StepUp {
                step_up,
                v_provisioned_token_id,
            } => {
                let challenged = step_up.device_binding_status == DeviceBindingStatus::Challenged;
                match step {
                    Step::ProvisionNewCard => {
                        self.v_provisioned_token_id = Some(v_provisioned_token_id);
                        if challenged {
                            Ok(self.offer(step_up.available_step_up_method))
                        } else {
                            Ok(Next::Send(Step::ProvisionDeviceBinding))
                        }
                    }
                    // The issuer challenges the binding again (the out-of-band step-up was not
                    // accepted): offer what it offers now.
                    _ if challenged => Ok(self.offer(step_up.available_step_up_method)),
                    _ => Err(unusable(
                        response,
                        "juspay_vat.provision_token_passkey: the device binding answered without a passkey ceremony",
                    )),
                }
            }
            ProvisionTokenPasskeyResponse::PasskeyCeremony {
                action_to_be_performed,
                auth_preferences_enabled,
                platform_type,
                payload,
                identifier,
                endpoint,
                v_provisioned_token_id,
            } => {
                let token_id = if *step == Step::ProvisionNewCard {
                    let Some(token_id) = v_provisioned_token_id.filter(|id| !id.trim().is_empty())
                    else {
                        return Err(unusable(
                            response,
                            "juspay_vat.provision_token_passkey: a passkey ceremony for a new card without `vProvisionedTokenId`",
                        ));
                    };
                    Some(token_id)
                } else {
                    None
                };
                let ceremony = Ceremony {
                    action: action_to_be_performed,
                    identifier,
                    endpoint,
                    platform_type: platform_type
                        .unwrap_or_else(|| self.params.0.platform_type.clone()),
                    preferences: auth_preferences_enabled,
                    popup: false,
                    request_id: String::new(),
                };
                // Nothing changes unless the ceremony can begin (`Script::on_response`).
                let next = self.begin_ceremony(secrets, response, ceremony, payload)?;
                if token_id.is_some() {
                    self.v_provisioned_token_id = token_id;
                }
                Ok(next)
            }
        }
    }

    fn on_trigger(
        &mut self,
        resend: bool,
        response: &HttpResponse,
        now: UnixMillis,
    ) -> Result<Next<Phase, Step>, ApiError> {
        match TriggerOtpRequest::decode(response) {
            Ok(TriggerOtpResponse {
                max_otp_verification_allowed,
                max_otp_requests_allowed,
                code_expiration,
            }) => {
                let expires_at = super::otp_expires_at(code_expiration, now);
                let otp = match (resend, self.otp.take()) {
                    // A resend does not give more entries or resends than were left.
                    (true, Some(previous)) => OtpChallenge {
                        attempts_left: previous.attempts_left.min(max_otp_verification_allowed),
                        resends_left: previous
                            .resends_left
                            .saturating_sub(1)
                            .min(max_otp_requests_allowed.saturating_sub(1)),
                        expires_at,
                        last_attempt_failed: false,
                        expired: false,
                    },
                    _ => OtpChallenge {
                        attempts_left: max_otp_verification_allowed,
                        resends_left: max_otp_requests_allowed.saturating_sub(1),
                        expires_at,
                        last_attempt_failed: false,
                        expired: false,
                    },
                };
                if otp.attempts_left == 0 {
                    return Ok(self.drop_chosen_method());
                }
                self.otp = Some(otp);
                Ok(Next::Prompt(Phase::EnterOtp))
            }
            Err(error) if method_refused(&error) => {
                if resend && self.otp.is_some() {
                    // The current code stays usable; only resending is over.
                    if let Some(otp) = self.otp.as_mut() {
                        otp.resends_left = 0;
                    }
                    Ok(Next::Prompt(Phase::EnterOtp))
                } else {
                    Ok(self.drop_chosen_method())
                }
            }
            Err(error) => Err(error),
        }
    }

    fn on_validate(
        &mut self,
        secrets: &mut EnrollmentSecrets,
        response: &HttpResponse,
    ) -> Result<Next<Phase, Step>, ApiError> {
        match ValidateOtpRequest::decode(response) {
            Ok(_) => {
                secrets.otp = None;
                self.otp = None;
                Ok(Next::Send(Step::ProvisionDeviceBinding))
            }
            Err(error) if error.recovery == Recovery::ReenterOtp => {
                secrets.otp = None;
                Ok(self.use_attempt(true))
            }
            Err(error) if error.category == ErrorCategory::Expired => {
                secrets.otp = None;
                let otp = self.otp.get_or_insert_with(OtpChallenge::default);
                otp.expired = true;
                otp.last_attempt_failed = false;
                Ok(Next::Prompt(Phase::EnterOtp))
            }
            Err(error) if error.category == ErrorCategory::LimitExceeded => {
                secrets.otp = None;
                Ok(self.drop_chosen_method())
            }
            Err(error) => Err(error),
        }
    }

    fn choose(&mut self, identifier: &str) -> Result<Next<Phase, Step>, JourneyError> {
        let chosen = self
            .methods
            .iter()
            .find(|m| m.key == identifier)
            .cloned()
            .ok_or_else(|| {
                InvalidInput::new(
                    "stepUp.identifier",
                    Problem::Format {
                        expected: "one of the identifiers of the ChooseStepUp prompt",
                    },
                )
            })?;
        let sends_otp = chosen.option.method.sends_otp();
        self.chosen = Some(chosen);
        self.otp = None;
        Ok(if sends_otp {
            Next::Send(Step::TriggerOtp { resend: false })
        } else {
            Next::Prompt(Phase::CompleteStepUp)
        })
    }

    fn on_otp_input(
        &mut self,
        secrets: &mut EnrollmentSecrets,
        input: Input,
        now: UnixMillis,
    ) -> Result<Next<Phase, Step>, JourneyError> {
        match input {
            Input::Otp(code) => {
                let otp = self.otp.get_or_insert_with(OtpChallenge::default);
                // Not sent once expired (by the clock, or as the server said).
                if otp.expired || otp.expires_at.is_some_and(|at| now > at) {
                    otp.expired = true;
                    otp.last_attempt_failed = false;
                    return Ok(Next::Prompt(Phase::EnterOtp));
                }
                secrets.otp = Some(code);
                Ok(Next::Send(Step::ValidateOtp))
            }
            Input::ResendOtp if self.otp.as_ref().is_some_and(|otp| otp.resends_left > 0) => {
                Ok(Next::Send(Step::TriggerOtp { resend: true }))
            }
            Input::ChooseAnotherMethod => {
                self.chosen = None;
                self.otp = None;
                Ok(Next::Prompt(Phase::ChooseStepUp))
            }
            other => Err(JourneyError::InvalidEvent {
                state: "EnterOtp",
                event: other.name(),
            }),
        }
    }
}

impl Script for Enrollment {
    const NAME: &'static str = "juspay_vat.enrollment";
    type Phase = Phase;
    type Step = Step;
    type Secrets = EnrollmentSecrets;

    fn request(
        &self,
        secrets: &EnrollmentSecrets,
        step: &Step,
    ) -> Result<HttpRequest, JourneyError> {
        let reference = self.reference_id.as_str();
        Ok(match step {
            Step::Tokenize => secrets
                .card_details
                .as_ref()
                .ok_or_else(|| missing("cardDetails"))?
                .to_http(),
            Step::ProvisionNewCard => {
                let token = secrets
                    .card_token
                    .clone()
                    .ok_or_else(|| missing("cardToken"))?;
                ProvisionTokenPasskeyRequest::new_card(self.context(secrets)?, token)?.to_http()
            }
            Step::TriggerOtp { .. } => {
                let method = self
                    .chosen
                    .as_ref()
                    .ok_or_else(|| state_error("a chosen step-up method"))?;
                let token_id = self.token_id()?;
                // tokenReference = vProvisionedTokenId: identical in every sample (API.md §9 q5).
                TriggerOtpRequest::new(token_id, token_id, reference, &method.option.identifier)?
                    .to_http()
            }
            Step::ValidateOtp => {
                let otp = secrets.otp.as_ref().ok_or_else(|| missing("otp"))?;
                let token_id = self.token_id()?;
                ValidateOtpRequest::new(token_id, otp.expose_secret(), reference, token_id)?
                    .to_http()
            }
            Step::ProvisionDeviceBinding => ProvisionTokenPasskeyRequest::device_binding(
                self.context(secrets)?,
                self.token_id()?,
            )?
            .to_http(),
            Step::Enroll => {
                let details = &self.params.0;
                EnrollInAgenticServiceRequest::new(
                    reference,
                    self.token_id()?,
                    details.user_details()?,
                    details.app_details()?,
                    &details.app_name,
                )?
                .to_http()
            }
        })
    }

    fn on_response(
        &mut self,
        secrets: &mut EnrollmentSecrets,
        step: &Step,
        response: &HttpResponse,
        now: UnixMillis,
    ) -> Result<Next<Phase, Step>, ApiError> {
        match step {
            Step::Tokenize => {
                let answer = CardTokenizeRequest::decode(response)?;
                if answer.token.expose_secret().trim().is_empty() {
                    return Err(unusable(
                        response,
                        "juspay_vat.card_tokenize: an empty `token`",
                    ));
                }
                secrets.card_token = Some(answer.token);
                secrets.card_details = None;
                Ok(Next::Send(Step::ProvisionNewCard))
            }
            Step::ProvisionNewCard | Step::ProvisionDeviceBinding => {
                self.on_provision(secrets, step, response)
            }
            Step::TriggerOtp { resend } => self.on_trigger(*resend, response, now),
            Step::ValidateOtp => self.on_validate(secrets, response),
            Step::Enroll => {
                let answer = EnrollInAgenticServiceRequest::decode(response)?;
                self.enrollment = Some(EnrollmentResult {
                    status: answer.status,
                    reference_id: answer.reference_id,
                });
                Ok(Next::Done)
            }
        }
    }

    fn prompt(&self, secrets: &EnrollmentSecrets, phase: &Phase) -> Prompt {
        match phase {
            Phase::VisaSession(wait) => {
                page::session_prompt(self.origin(), wait, self.reference_id.as_str())
            }
            Phase::ChooseStepUp => Prompt::ChooseStepUp {
                methods: self.available_methods(),
            },
            Phase::EnterOtp => {
                let otp = self.otp.clone().unwrap_or_default();
                Prompt::EnterOtp {
                    attempts_left: otp.attempts_left,
                    resends_left: otp.resends_left,
                    expires_at: otp.expires_at,
                    last_attempt_failed: otp.last_attempt_failed,
                    expired: otp.expired,
                }
            }
            Phase::CompleteStepUp => match self.chosen_method() {
                Some(choice) => Prompt::CompleteStepUp { choice },
                None => Prompt::ChooseStepUp {
                    methods: self.available_methods(),
                },
            },
            Phase::PasskeyCeremony => {
                let prompt = match (&self.ceremony, &secrets.visa_payload) {
                    (Some(ceremony), Some(payload)) => {
                        page::ceremony_prompt(self.origin(), ceremony, payload).ok()
                    }
                    _ => None,
                };
                // Unreachable: the ceremony is checked when it is entered and resume requires
                // the payload. Without them the page can only be (re)opened.
                prompt.unwrap_or_else(|| Prompt::ProvideVisaSession {
                    origin: self.origin().as_str().to_owned(),
                    message_to_post: None,
                })
            }
        }
    }

    fn on_input(
        &mut self,
        secrets: &mut EnrollmentSecrets,
        phase: &Phase,
        input: Input,
        now: UnixMillis,
    ) -> Result<Next<Phase, Step>, JourneyError> {
        match phase {
            Phase::VisaSession(wait) => match page::on_session_input(self.origin(), wait, input)? {
                SessionEvent::Waiting(wait) => Ok(Next::Prompt(Phase::VisaSession(wait))),
                SessionEvent::Created {
                    secure_token,
                    browser_data,
                    popup_for_register,
                    popup_for_authenticate,
                    ..
                } => {
                    secrets.secure_token = Some(secure_token);
                    self.session = Some(SessionInfo {
                        browser_data,
                        ready_request_id: wait.ready_request_id.clone(),
                        popup_for_register,
                        popup_for_authenticate,
                    });
                    Ok(Next::Send(if self.tokenize {
                        Step::Tokenize
                    } else {
                        Step::ProvisionNewCard
                    }))
                }
                SessionEvent::Failed(failure) => Ok(Next::Fail(JourneyFailure::Passkey {
                    failure,
                    action: PasskeyAction::Register,
                })),
            },
            Phase::ChooseStepUp => match input {
                Input::ChooseStepUp { identifier } => self.choose(&identifier),
                other => Err(JourneyError::InvalidEvent {
                    state: "ChooseStepUp",
                    event: other.name(),
                }),
            },
            Phase::EnterOtp => self.on_otp_input(secrets, input, now),
            Phase::CompleteStepUp => match input {
                Input::StepUpCompleted => Ok(Next::Send(Step::ProvisionDeviceBinding)),
                Input::ChooseAnotherMethod => {
                    self.chosen = None;
                    Ok(Next::Prompt(Phase::ChooseStepUp))
                }
                other => Err(JourneyError::InvalidEvent {
                    state: "CompleteStepUp",
                    event: other.name(),
                }),
            },
            Phase::PasskeyCeremony => match page::on_ceremony_input(self.origin(), input)? {
                CeremonyEvent::Waiting => Ok(Next::Prompt(Phase::PasskeyCeremony)),
                CeremonyEvent::Completed(assurance) => {
                    self.passkey_identifier = assurance.identifier.clone();
                    secrets.assurance = Some(assurance);
                    secrets.visa_payload = None;
                    Ok(Next::Send(Step::Enroll))
                }
                CeremonyEvent::Failed(failure) => {
                    let action = self
                        .ceremony
                        .as_ref()
                        .map_or(PasskeyAction::Register, |c| c.action.clone());
                    Ok(Next::Fail(JourneyFailure::Passkey { failure, action }))
                }
            },
        }
    }

    /// Juspay VAT has no status call: an unknown outcome can only be resent or cancelled.
    fn reconcile(&self, _step: &Step) -> Option<Step> {
        None
    }

    fn outcome(&self, _secrets: &EnrollmentSecrets) -> Outcome {
        Outcome::Enrolled {
            v_provisioned_token_id: self.v_provisioned_token_id.clone().unwrap_or_default(),
            status: self.enrollment.as_ref().and_then(|e| e.status.clone()),
        }
    }

    /// The OTP lives in memory only until its validation is answered. When a checkpoint was
    /// taken while a validation was in flight (`Sending`), waiting to be retried (`BackingOff`)
    /// or of unknown outcome (`OutcomeUnknown`) and the host has no OTP to give, the journey
    /// asks for it again ([`Prompt::EnterOtp`]) instead of failing: after `BackingOff` (not
    /// sent) with the same attempts left; after `Sending` or `OutcomeUnknown` (the server may
    /// have counted it) with one attempt less, and without the method (back to
    /// [`Prompt::ChooseStepUp`], or [`JourneyFailure::StepUpExhausted`]) when that was the
    /// last. The code the user types next is an explicit host input: nothing is re-sent on its
    /// own.
    fn on_resume(
        &mut self,
        secrets: &EnrollmentSecrets,
        stage: Stage<Phase, Step>,
    ) -> Stage<Phase, Step> {
        if secrets.otp.is_none() {
            if let Some(adjusted) = self.ask_otp_again(&stage) {
                return adjusted;
            }
        }
        stage
    }

    fn missing_secret(
        &self,
        secrets: &EnrollmentSecrets,
        stage: &Stage<Phase, Step>,
    ) -> Option<&'static str> {
        let secure_token = secrets.secure_token.is_none().then_some("secureToken");
        let card = || {
            if self.tokenize {
                secrets.card_details.is_none().then_some("cardDetails")
            } else {
                secrets.card_token.is_none().then_some("cardToken")
            }
        };
        let step = match stage {
            Stage::Done | Stage::Failed(_) => return None,
            Stage::Awaiting(Phase::VisaSession(_)) => return card(),
            Stage::Awaiting(Phase::ChooseStepUp | Phase::EnterOtp | Phase::CompleteStepUp) => {
                return secure_token;
            }
            Stage::Awaiting(Phase::PasskeyCeremony) => {
                return secrets.visa_payload.is_none().then_some("payload");
            }
            Stage::Sending { step, .. }
            | Stage::BackingOff { step, .. }
            | Stage::OutcomeUnknown { step } => step,
        };
        match step {
            Step::Tokenize => secrets
                .card_details
                .is_none()
                .then_some("cardDetails")
                .or(secure_token),
            Step::ProvisionNewCard => {
                secure_token.or_else(|| secrets.card_token.is_none().then_some("cardToken"))
            }
            Step::TriggerOtp { .. } | Step::ProvisionDeviceBinding => secure_token,
            Step::ValidateOtp => secure_token.or_else(|| secrets.otp.is_none().then_some("otp")),
            Step::Enroll => None,
        }
    }
}
