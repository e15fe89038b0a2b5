//! The tokenized-card passkey journey on Visa Acceptance / Cybersource TMS (issue 3 item 4,
//! API.md §6.3–§6.7 and §6.11), as a [`Script`] for the generic [`Journey`] engine.
//!
//! Start it with [`start`]; drive it like every journey (see [`crate::journey`]). It ends with
//! [`Outcome::PasskeyVerified`] — the passkey was used (`AUTHENTICATE`) or registered
//! (`REGISTER`) and the page's `assuranceData` is handed over — or with a [`JourneyFailure`].
//!
//! ```text
//! Visa page session (secureToken + browserData)
//! → POST …/authentication-options   {clientCorrelationId, secureToken, amount, merchant, device}
//!   ├ AUTHENTICATE                 → ceremony AUTHENTICATE with its authenticationContext
//!   ├ AUTHENTICATION_REGISTRATION  → POST …/authentication-registrations → ceremony REGISTER
//!   └ STEP_UP_AUTHENTICATE         → choose a method
//!        OTP_SMS / OTP_EMAIL / OTP_ONLINE_BANKING → POST …/one-time-passwords → enter OTP
//!                                   → POST …/authentication-options/validate {otp}
//!        APP_TO_APP (issuer app)   → the app's code → validate {issuerAuthCode}
//!                                    or "done in the app" → authentication-options again
//!        APP_TO_APP 3-D Secure, CUSTOMER_SERVICE, OUTBOUND_CALL, unknown methods
//!                                   → done out of band → authentication-options again
//!        validate → AUTHENTICATION_REGISTRATION → registration → ceremony REGISTER
//! ```
//!
//! # States
//!
//! Every `Send` state below is an engine [`Stage::Sending`] of a [`VisaAcceptanceStep`]; every
//! prompt state is a [`Stage::Awaiting`] of a [`VisaAcceptancePhase`]. Around each send the
//! engine adds what every journey has: automatic back-off for failures before sending, the
//! outcome-unknown prompt for a request that may have reached the server (all four Visa
//! Acceptance calls are non-idempotent and none has a status call, so the host may only resend
//! or cancel), and `Cancel` from every non-terminal state.
//!
//! ```mermaid
//! stateDiagram-v2
//!     [*] --> ProvideVisaSession
//!     ProvideVisaSession --> ProvideVisaSession: AUTH_READY (CREATE_AUTH_SESSION to post)
//!     ProvideVisaSession --> AuthenticationOptions: AUTH_SESSION_CREATED / VisaSession
//!     ProvideVisaSession --> Failed: AUTH_FAILED, AUTH_CANCELLED, AUTH_NOT_SUPPORTED, AUTH_NOT_PERFORMED, PageClosed
//!     AuthenticationOptions --> PasskeyCeremony: AUTHENTICATE (ceremony AUTHENTICATE)
//!     AuthenticationOptions --> Registration: AUTHENTICATION_REGISTRATION
//!     AuthenticationOptions --> ChooseStepUp: STEP_UP_AUTHENTICATE(ION)
//!     AuthenticationOptions --> Failed: no method offered (StepUpExhausted) / unknown action (Internal)
//!     ChooseStepUp --> CreateOtp: OTP_SMS, OTP_EMAIL, OTP_ONLINE_BANKING
//!     ChooseStepUp --> CompleteStepUp: APP_TO_APP, CUSTOMER_SERVICE, OUTBOUND_CALL, other
//!     CreateOtp --> EnterOtp: limits and expiry
//!     CreateOtp --> ChooseStepUp: limit reached (method used up)
//!     CreateOtp --> Failed: limit reached on the last method (StepUpExhausted)
//!     EnterOtp --> Validate: Otp before expiry
//!     EnterOtp --> EnterOtp: Otp after expiry (not sent, expired)
//!     EnterOtp --> CreateOtp: ResendOtp (resends left)
//!     EnterOtp --> ChooseStepUp: ChooseAnotherMethod
//!     CompleteStepUp --> Validate: IssuerAuthCode (APP_TO_APP issuer app)
//!     CompleteStepUp --> AuthenticationOptions: StepUpCompleted
//!     CompleteStepUp --> ChooseStepUp: ChooseAnotherMethod
//!     Validate --> Registration: AUTHENTICATION_REGISTRATION
//!     Validate --> PasskeyCeremony: AUTHENTICATE with authenticationContext
//!     Validate --> AuthenticationOptions: AUTHENTICATE without authenticationContext
//!     Validate --> EnterOtp: wrong OTP (attempts left) / expired OTP
//!     Validate --> CompleteStepUp: issuer code refused
//!     Validate --> ChooseStepUp: attempts or limit used up (other methods left)
//!     Validate --> Failed: every method used up (StepUpExhausted) / unknown action (Internal)
//!     Registration --> PasskeyCeremony: authenticationContext (ceremony REGISTER)
//!     PasskeyCeremony --> Done: AUTH_COMPLETE
//!     PasskeyCeremony --> Failed: AUTH_FAILED, AUTH_CANCELLED, AUTH_NOT_SUPPORTED, AUTH_NOT_PERFORMED, PageClosed
//!     Done --> [*]
//!     Failed --> [*]
//! ```
//!
//! # Prompt → valid inputs
//!
//! `Cancel` is valid at every prompt and while sending or backing off (engine). Any input not
//! listed is refused with [`JourneyError::InvalidEvent`] naming the prompt, and changes nothing.
//!
//! | Prompt (phase) | Valid input | Leads to |
//! |---|---|---|
//! | `ProvideVisaSession` ([`VisaAcceptancePhase::VisaSession`]) | `VisaMessage` `AUTH_READY` | the same prompt, now with `CREATE_AUTH_SESSION` to post (`client.id` = `clientCorrelationId`) |
//! | | `VisaMessage` `AUTH_SESSION_CREATED`, or `VisaSession` | send authentication-options (browser data refused with [`JourneyError::InvalidInput`] when it cannot fill `deviceInformation`) |
//! | | `VisaMessage` `AUTH_FAILED` / `AUTH_CANCELLED` / `AUTH_NOT_SUPPORTED` / `AUTH_NOT_PERFORMED`, `PageClosed` | `Failed(Passkey{failure, AUTHENTICATE})` |
//! | | `VisaMessage` of another type | ignored (same prompt) |
//! | `ChooseStepUp` ([`VisaAcceptancePhase::ChooseStepUp`]) | `ChooseStepUp{identifier}` of a listed method | OTP method: send one-time-passwords; other: `CompleteStepUp` (an unlisted id is [`JourneyError::InvalidInput`] on `stepUpOption.id`) |
//! | `EnterOtp` ([`VisaAcceptancePhase::EnterOtp`]) | `Otp` | send validate; at or after `expires_at`: nothing is sent and the prompt comes back with `expired` |
//! | | `ResendOtp` while `resends_left > 0` | send one-time-passwords again |
//! | | `ChooseAnotherMethod` | `ChooseStepUp` |
//! | `CompleteStepUp` ([`VisaAcceptancePhase::CompleteStepUp`]) | `IssuerAuthCode`, for `APP_TO_APP` without 3-D Secure | send validate with `issuerAuthCode` |
//! | | `StepUpCompleted` | send authentication-options again, to learn the new action |
//! | | `ChooseAnotherMethod` | `ChooseStepUp` |
//! | `PasskeyCeremony` ([`VisaAcceptancePhase::PasskeyCeremony`]) | `VisaMessage` `AUTH_COMPLETE` | `Done(PasskeyVerified)` |
//! | | `VisaMessage` `AUTH_FAILED` / `AUTH_CANCELLED` / `AUTH_NOT_SUPPORTED` / `AUTH_NOT_PERFORMED`, `PageClosed` | `Failed(Passkey{failure, action})` |
//! | | `VisaMessage` of another type | ignored (same prompt) |
//! | `ConfirmUnknownOutcome` (engine) | `ResendAfterUnknownOutcome` | the same request again, same `clientCorrelationId` (`Reconcile` is refused: no status call exists) |
//!
//! # Decisions on what the docs leave open
//!
//! - **`codeExpiration`** (unit undocumented, API.md §9 q6) — *provisional* reading: `0` or
//!   absent means "not stated" (no local expiry); a value of at least
//!   [`EPOCH_SECONDS_THRESHOLD`] is a Unix time in **seconds** (how Visa's own agent reads it,
//!   VISA-AI); a smaller value is a lifetime in **minutes** from the moment the response arrived
//!   (Juspay's sample `5`). The reading errs on the long side on purpose: a local expiry that
//!   is too early would refuse a code the issuer still accepts, while one that is too late only
//!   lets the issuer refuse the code itself (then the prompt comes back with `expired`).
//! - **Limits** (`maxRequestsAllowed`, `maxVerificationAllowed`) are read as totals for the
//!   chosen method, counted from its first OTP: `resends_left = maxRequestsAllowed − OTPs sent`,
//!   `attempts_left = maxVerificationAllowed − wrong codes`, each recomputed from the latest
//!   response. The seed-002 sample answers `0` for all three: a `0` verification limit is read as
//!   `1` (the code just sent can always be tried once; the issuer enforces its real limit), a
//!   `0` request limit as "no resend".
//! - **Page failures before the ceremony** (session phase) are reported with action
//!   `AUTHENTICATE`: the journey's goal until the provider says a registration is needed.
//! - **An unknown `action`** ends the journey with [`JourneyFailure::Internal`] naming it: the
//!   provider answered successfully, so it is not an [`JourneyFailure::Api`] refusal, and no
//!   recovery exists short of an SDK that knows the action.
//! - **`STEP_UP_AUTHENTICATE` from validate** (the issuer wants yet another step-up) is not
//!   documented; it ends with [`JourneyFailure::Internal`] rather than looping.
//! - **A success without `authenticationContext`** where a ceremony must follow is an
//!   [`ErrorCategory::MalformedResponse`] failure
//!   ([`JourneyFailure::Api`], recovery contact support).
//! - **Resuming a finished journey** needs the assurance data: the outcome carries it, and the
//!   core cannot rebuild it. A host that already took the outcome has no reason to resume.

use serde::Serialize;
use serde_json::Value;

use super::page::{self, Ceremony, CeremonyEvent, SessionEvent, SessionWait};
use super::restore::{Corrupt, Fields, Restore, restore_unit_enum, unit, variant};
use super::{
    Input, Journey, JourneyError, JourneyFailure, Next, Outcome, Prompt, ReferenceId, Script,
    Stage, StepUpChoice, UnixMillis,
};
use crate::error::{ApiError, ErrorCategory, Provider, Recovery};
use crate::secret::{FidoBlob, IssuerAuthCode, Otp, SecureToken, VisaPayload};
use crate::step_up::{StepUpMethod, StepUpOption, StepUpSubMethod};
use crate::validate::{Id, InvalidInput, Problem};
use crate::visa_acceptance::{
    AmountDetails, AuthenticationAction, AuthenticationContext, AuthenticationOptionsRequest,
    AuthenticationOptionsResponse, AuthenticationRegistrationRequest, AuthenticatorRenderMethod,
    BillTo, CreateOtpRequest, CreateOtpResponse, DeviceInformation, MerchantDescriptor,
    ValidateOtpRequest, ValidateOtpResponse,
};
use crate::visa_page::{
    AssuranceData, AuthPreferences, BrowserData, PasskeyAction, PlatformType, VisaPageOrigin,
};
use crate::wire::{Endpoint, HttpRequest, HttpResponse};

pub use super::{EPOCH_SECONDS_THRESHOLD, otp_expires_at};

/// The longest unknown `action` quoted back in a failure.
const MAX_QUOTED_ACTION: usize = 64;

/// Secret names used by [`Script::missing_secret`] and request errors (wire names).
const SECURE_TOKEN: &str = "sessionInformation.secureToken";
const VISA_PAYLOAD: &str = "authenticationContext.payload";
const FIDO_BLOB: &str = "assuranceData.fidoBlob";
const OTP: &str = "otp";
const ISSUER_AUTH_CODE: &str = "issuerAuthCode";

fn missing(name: &str) -> JourneyError {
    JourneyError::Resume(format!("the secret `{name}` is needed to continue"))
}

// ---------------------------------------------------------------------------------------------
// Parameters
// ---------------------------------------------------------------------------------------------

/// What the host knows before the journey starts, validated. Public data only (it is part of
/// every checkpoint): the tokenized card's id, the amount, the merchant, the buyer's language and
/// billing contact, how and where the Visa page runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(into = "ParamsData")]
pub struct VisaAcceptancePasskeyParams {
    token_id: Id,
    amount: AmountDetails,
    merchant: MerchantDescriptor,
    render_method: AuthenticatorRenderMethod,
    buyer_language: String,
    email: String,
    phone_number: Option<String>,
    platform_type: PlatformType,
    page_origin: VisaPageOrigin,
}

impl VisaAcceptancePasskeyParams {
    /// `token_id` is the tokenized card's id (`{tokenId}` in every path); `amount` and
    /// `merchant` go into authentication-options and authentication-registrations;
    /// `buyer_language` (`en-US`) and the billing `email` / optional `phone_number` are what
    /// authentication-registrations adds (C-REG), checked now because the provider may ask for a
    /// registration at any point; `page_origin` is where the Visa page runs. The render method
    /// is `IFRAME` and the platform `WEB` unless changed with
    /// [`Self::with_render_method`] / [`Self::with_platform_type`].
    ///
    /// # Errors
    /// [`InvalidInput`] for `tokenId`, `buyerInformation.language`,
    /// `orderInformation.billTo.email` or `orderInformation.billTo.phoneNumber`.
    pub fn new(
        token_id: &str,
        amount: AmountDetails,
        merchant: MerchantDescriptor,
        buyer_language: &str,
        email: &str,
        phone_number: Option<&str>,
        page_origin: VisaPageOrigin,
    ) -> Result<Self, InvalidInput> {
        let token_id = Id::new("tokenId", token_id.trim())?;
        crate::validate::non_empty("buyerInformation.language", buyer_language)?;
        BillTo::new(email, phone_number)?;
        Ok(Self {
            token_id,
            amount,
            merchant,
            render_method: AuthenticatorRenderMethod::Iframe,
            buyer_language: buyer_language.trim().to_owned(),
            email: email.trim().to_owned(),
            phone_number: phone_number.map(|p| p.trim().to_owned()),
            platform_type: PlatformType::Web,
            page_origin,
        })
    }

    /// Replaces `authenticatorRenderMethod` (default `IFRAME`, the only documented value).
    #[must_use]
    pub fn with_render_method(mut self, render_method: AuthenticatorRenderMethod) -> Self {
        self.render_method = render_method;
        self
    }

    /// Replaces the platform (default `WEB`): sent as `deviceInformation.platformType` and as
    /// the ceremony's `platformType`.
    #[must_use]
    pub fn with_platform_type(mut self, platform_type: PlatformType) -> Self {
        self.platform_type = platform_type;
        self
    }

    /// The tokenized card's id.
    pub fn token_id(&self) -> &str {
        self.token_id.as_str()
    }

    /// The amount and currency.
    pub fn amount(&self) -> &AmountDetails {
        &self.amount
    }

    /// The merchant descriptor (base64 as sent).
    pub fn merchant(&self) -> &MerchantDescriptor {
        &self.merchant
    }

    /// `authenticatorRenderMethod`.
    pub fn render_method(&self) -> &AuthenticatorRenderMethod {
        &self.render_method
    }

    /// `buyerInformation.language`.
    pub fn buyer_language(&self) -> &str {
        &self.buyer_language
    }

    /// `orderInformation.billTo.email`.
    pub fn email(&self) -> &str {
        &self.email
    }

    /// `orderInformation.billTo.phoneNumber`.
    pub fn phone_number(&self) -> Option<&str> {
        self.phone_number.as_deref()
    }

    /// The platform.
    pub fn platform_type(&self) -> &PlatformType {
        &self.platform_type
    }

    /// The Visa page's origin.
    pub fn page_origin(&self) -> &VisaPageOrigin {
        &self.page_origin
    }

    fn bill_to(&self) -> Result<BillTo, InvalidInput> {
        BillTo::new(&self.email, self.phone_number.as_deref())
    }
}

/// The checkpoint form of [`VisaAcceptancePasskeyParams`]: re-validated when read back (a
/// checkpoint is input too).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ParamsData {
    token_id: String,
    total_amount: String,
    currency: String,
    merchant_name_base64: String,
    merchant_url_base64: String,
    render_method: AuthenticatorRenderMethod,
    buyer_language: String,
    email: String,
    phone_number: Option<String>,
    platform_type: PlatformType,
    page_origin: VisaPageOrigin,
}

impl Restore for ParamsData {
    fn restore(value: &Value) -> Result<Self, Corrupt> {
        let fields = Fields::of(value)?;
        Ok(Self {
            token_id: fields.get("tokenId")?,
            total_amount: fields.get("totalAmount")?,
            currency: fields.get("currency")?,
            merchant_name_base64: fields.get("merchantNameBase64")?,
            merchant_url_base64: fields.get("merchantUrlBase64")?,
            render_method: fields.get("renderMethod")?,
            buyer_language: fields.get("buyerLanguage")?,
            email: fields.get("email")?,
            phone_number: fields.get("phoneNumber")?,
            platform_type: fields.get("platformType")?,
            page_origin: fields.get("pageOrigin")?,
        })
    }
}

impl From<VisaAcceptancePasskeyParams> for ParamsData {
    fn from(params: VisaAcceptancePasskeyParams) -> Self {
        Self {
            token_id: params.token_id.as_str().to_owned(),
            total_amount: params.amount.total_amount().to_string(),
            currency: params.amount.currency().as_str().to_owned(),
            merchant_name_base64: params.merchant.name_base64().to_owned(),
            merchant_url_base64: params.merchant.url_base64().to_owned(),
            render_method: params.render_method,
            buyer_language: params.buyer_language,
            email: params.email,
            phone_number: params.phone_number,
            platform_type: params.platform_type,
            page_origin: params.page_origin,
        }
    }
}

impl Restore for VisaAcceptancePasskeyParams {
    fn restore(value: &Value) -> Result<Self, Corrupt> {
        Self::try_from(ParamsData::restore(value)?).map_err(|_| Corrupt)
    }
}

impl TryFrom<ParamsData> for VisaAcceptancePasskeyParams {
    type Error = InvalidInput;

    fn try_from(data: ParamsData) -> Result<Self, InvalidInput> {
        Ok(Self::new(
            &data.token_id,
            AmountDetails::new(&data.total_amount, &data.currency)?,
            MerchantDescriptor::from_base64(&data.merchant_name_base64, &data.merchant_url_base64)?,
            &data.buyer_language,
            &data.email,
            data.phone_number.as_deref(),
            data.page_origin,
        )?
        .with_render_method(data.render_method)
        .with_platform_type(data.platform_type))
    }
}

// ---------------------------------------------------------------------------------------------
// Secrets
// ---------------------------------------------------------------------------------------------

/// The journey's secrets, held in memory only (not `Serialize`, redacting `Debug`). After a
/// [`Journey::resume`] the host supplies what the checkpoint's state needs; the error names the
/// missing one:
///
/// | State at the checkpoint | Needs |
/// |---|---|
/// | `ProvideVisaSession`, `Failed` | nothing |
/// | any state after the session and before the ceremony (prompts, sends, back-off, unknown outcome) | `secure_token` (every later call may need it) |
/// | backing off before an automatic resend of validate | also `otp` or `issuer_auth_code` |
/// | `PasskeyCeremony` | `visa_payload` |
/// | `Done` | `assurance` (the outcome carries it) |
#[derive(Debug, Clone, Default)]
pub struct VisaAcceptancePasskeySecrets {
    /// `sessionContext.secureToken` of the Visa page session (sent as
    /// `sessionInformation.secureToken`).
    pub secure_token: Option<SecureToken>,
    /// The `authenticationContext.payload` JWT of the ceremony to run.
    pub visa_payload: Option<VisaPayload>,
    /// The ceremony's result (`AUTH_COMPLETE.assuranceData`).
    pub assurance: Option<AssuranceData>,
    /// The OTP being validated.
    pub otp: Option<Otp>,
    /// The issuer authentication code being validated.
    pub issuer_auth_code: Option<IssuerAuthCode>,
}

// ---------------------------------------------------------------------------------------------
// Phases and steps
// ---------------------------------------------------------------------------------------------

restore_unit_enum! {
    /// Which code a validate call carries (the secret itself is in
    /// [`VisaAcceptancePasskeySecrets`]).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
    pub enum StepUpCode {
        /// `otp`, from [`Input::Otp`].
        Otp,
        /// `issuerAuthCode`, from [`Input::IssuerAuthCode`].
        IssuerAuthCode,
    }
}

/// The requests of the journey. All four are `POST`, non-idempotent (never resent without the
/// host's [`Input::ResendAfterUnknownOutcome`]) and carry the journey's `clientCorrelationId`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum VisaAcceptanceStep {
    /// `POST …/authentication-options` [C-AO] with the session's secure token and device
    /// information. Sent after the session and again after an out-of-band step-up. Answer:
    /// `AUTHENTICATE` → [`VisaAcceptancePhase::PasskeyCeremony`]; `AUTHENTICATION_REGISTRATION`
    /// → [`Self::Registration`]; `STEP_UP_AUTHENTICATE` → [`VisaAcceptancePhase::ChooseStepUp`]
    /// (or `Failed(StepUpExhausted)` when no usable method is offered).
    AuthenticationOptions,
    /// `POST …/authentication-options/one-time-passwords` [C-OTP] for `option`: sends an OTP.
    /// Answer: [`VisaAcceptancePhase::EnterOtp`]; a limit error (`recovery`
    /// `ChooseAnotherMethod`) uses the method up on a first send, or ends the resends on a
    /// resend.
    CreateOtp {
        /// `stepUpOption.id`.
        option: String,
        /// Whether this is a resend ([`Input::ResendOtp`]).
        resend: bool,
    },
    /// `POST …/authentication-options/validate` [C-VAL] with the OTP or the issuer code for
    /// `option`. Answer: `AUTHENTICATION_REGISTRATION` → [`Self::Registration`]; a refused code
    /// re-prompts; used-up limits move to another method.
    Validate {
        /// `stepUpOption.id`.
        option: String,
        /// Which code is sent.
        code: StepUpCode,
    },
    /// `POST …/authentication-registrations` [C-REG]. Answer: its `authenticationContext` →
    /// [`VisaAcceptancePhase::PasskeyCeremony`] with action `REGISTER`.
    Registration,
}

impl Restore for VisaAcceptanceStep {
    fn restore(value: &Value) -> Result<Self, Corrupt> {
        let (name, content) = variant(value)?;
        match name {
            "AuthenticationOptions" => unit(content, Self::AuthenticationOptions),
            "CreateOtp" => {
                let fields = Fields::of(content)?;
                Ok(Self::CreateOtp {
                    option: fields.get("option")?,
                    resend: fields.get("resend")?,
                })
            }
            "Validate" => {
                let fields = Fields::of(content)?;
                Ok(Self::Validate {
                    option: fields.get("option")?,
                    code: fields.get("code")?,
                })
            }
            "Registration" => unit(content, Self::Registration),
            _ => Err(Corrupt),
        }
    }
}

/// The prompts of the journey; see the module's table for what each accepts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum VisaAcceptancePhase {
    /// [`Prompt::ProvideVisaSession`]: accepts `VisaMessage` (`AUTH_READY`,
    /// `AUTH_SESSION_CREATED`, the four failures; other types ignored), `VisaSession`,
    /// `PageClosed`.
    VisaSession(SessionWait),
    /// [`Prompt::ChooseStepUp`]: accepts `ChooseStepUp` with a listed identifier.
    ChooseStepUp,
    /// [`Prompt::EnterOtp`]: accepts `Otp`, `ResendOtp` (while resends are left),
    /// `ChooseAnotherMethod`.
    EnterOtp,
    /// [`Prompt::CompleteStepUp`] for a method done outside the app: accepts `StepUpCompleted`,
    /// `ChooseAnotherMethod`, and `IssuerAuthCode` when the method is `APP_TO_APP` without
    /// 3-D Secure.
    CompleteStepUp(StepUpOption),
    /// [`Prompt::PasskeyCeremony`]: accepts `VisaMessage` (`AUTH_COMPLETE`, the four failures;
    /// other types ignored) and `PageClosed`.
    PasskeyCeremony(Ceremony),
}

impl Restore for VisaAcceptancePhase {
    fn restore(value: &Value) -> Result<Self, Corrupt> {
        let (name, content) = variant(value)?;
        match name {
            "VisaSession" => SessionWait::restore(content).map(Self::VisaSession),
            "ChooseStepUp" => unit(content, Self::ChooseStepUp),
            "EnterOtp" => unit(content, Self::EnterOtp),
            "CompleteStepUp" => StepUpOption::restore(content).map(Self::CompleteStepUp),
            "PasskeyCeremony" => checked_ceremony(Ceremony::restore(content)?),
            _ => Err(Corrupt),
        }
    }
}

/// A ceremony read from a checkpoint must be able to build its page message.
fn checked_ceremony(ceremony: Ceremony) -> Result<VisaAcceptancePhase, Corrupt> {
    let complete = [
        &ceremony.identifier,
        &ceremony.endpoint,
        &ceremony.request_id,
    ]
    .iter()
    .all(|value| !value.trim().is_empty());
    if complete {
        Ok(VisaAcceptancePhase::PasskeyCeremony(ceremony))
    } else {
        Err(Corrupt)
    }
}

// ---------------------------------------------------------------------------------------------
// Script state
// ---------------------------------------------------------------------------------------------

/// What the Visa page session told us, besides its secret token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
struct PageSession {
    browser_data: BrowserData,
    /// `AUTH_READY.requestID`, echoed in the ceremony's `AUTHENTICATE`.
    page_request_id: Option<String>,
    popup_for_register: bool,
    popup_for_authenticate: bool,
}

impl Restore for PageSession {
    fn restore(value: &Value) -> Result<Self, Corrupt> {
        let fields = Fields::of(value)?;
        Ok(Self {
            browser_data: fields.get("browserData")?,
            page_request_id: fields.get("pageRequestId")?,
            popup_for_register: fields.get("popupForRegister")?,
            popup_for_authenticate: fields.get("popupForAuthenticate")?,
        })
    }
}

/// The OTP challenge of the chosen method (see the module docs for how limits are read).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OtpChallenge {
    option: String,
    sends: u32,
    wrong_codes: u32,
    max_requests: u32,
    max_verification: u32,
    expires_at: Option<UnixMillis>,
    last_attempt_failed: bool,
    expired: bool,
}

impl Restore for OtpChallenge {
    fn restore(value: &Value) -> Result<Self, Corrupt> {
        let fields = Fields::of(value)?;
        Ok(Self {
            option: fields.get("option")?,
            sends: fields.get("sends")?,
            wrong_codes: fields.get("wrongCodes")?,
            max_requests: fields.get("maxRequests")?,
            max_verification: fields.get("maxVerification")?,
            expires_at: fields.get("expiresAt")?,
            last_attempt_failed: fields.get("lastAttemptFailed")?,
            expired: fields.get("expired")?,
        })
    }
}

impl OtpChallenge {
    /// The chosen `stepUpOption.id`.
    pub fn option(&self) -> &str {
        &self.option
    }

    /// Codes that may still be entered: `maxVerificationAllowed` (`0` read as `1`) minus the
    /// wrong codes so far.
    pub fn attempts_left(&self) -> u32 {
        self.max_verification
            .max(1)
            .saturating_sub(self.wrong_codes)
    }

    /// OTPs that may still be requested: `maxRequestsAllowed` minus the OTPs sent so far.
    pub fn resends_left(&self) -> u32 {
        self.max_requests.saturating_sub(self.sends)
    }

    /// When the current code expires, if known (Unix milliseconds).
    pub fn expires_at(&self) -> Option<UnixMillis> {
        self.expires_at
    }

    /// Takes the limits of an OTP just sent.
    fn sent(&mut self, limits: &CreateOtpResponse, now: UnixMillis) {
        self.sends = self.sends.saturating_add(1);
        self.max_requests = limits.max_requests_allowed;
        self.max_verification = limits.max_verification_allowed;
        self.expires_at = otp_expires_at(limits.code_expiration, now);
        self.last_attempt_failed = false;
        self.expired = false;
    }

    fn prompt(&self) -> Prompt {
        Prompt::EnterOtp {
            attempts_left: self.attempts_left(),
            resends_left: self.resends_left(),
            expires_at: self.expires_at,
            last_attempt_failed: self.last_attempt_failed,
            expired: self.expired,
        }
    }
}

/// The Visa Acceptance tokenized-card passkey journey: the [`Script`] behind
/// [`Journey<VisaAcceptancePasskey>`]. It holds only public data (ids, limits, browser data);
/// its secrets are in [`VisaAcceptancePasskeySecrets`].
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VisaAcceptancePasskey {
    params: VisaAcceptancePasskeyParams,
    /// Minted once by the host; every request and retry carries it.
    client_correlation_id: ReferenceId,
    session: Option<PageSession>,
    /// The latest `stepUpOptions`.
    step_up_options: Vec<StepUpOption>,
    /// Ids of methods whose attempts or limits are used up.
    exhausted_options: Vec<String>,
    otp: Option<OtpChallenge>,
    /// The ceremony that succeeded.
    verified: Option<PasskeyAction>,
}

impl Restore for VisaAcceptancePasskey {
    fn restore(value: &Value) -> Result<Self, Corrupt> {
        let fields = Fields::of(value)?;
        // A reference id read from a checkpoint must not be empty.
        let id: String = fields.get("clientCorrelationId")?;
        Ok(Self {
            params: fields.get("params")?,
            client_correlation_id: ReferenceId::new("clientCorrelationId", id)
                .map_err(|_| Corrupt)?,
            session: fields.get("session")?,
            step_up_options: fields.get("stepUpOptions")?,
            exhausted_options: fields.get("exhaustedOptions")?,
            otp: fields.get("otp")?,
            verified: fields.get("verified")?,
        })
    }
}

/// Starts the journey at [`Prompt::ProvideVisaSession`]. `client_correlation_id` is minted once
/// by the host ([`ReferenceId::from_entropy`]) and sent as `clientCorrelationId` by every call
/// and every retry, and as `client.id` in `CREATE_AUTH_SESSION`.
pub fn start(
    params: VisaAcceptancePasskeyParams,
    client_correlation_id: ReferenceId,
) -> Journey<VisaAcceptancePasskey> {
    Journey::start(
        VisaAcceptancePasskey {
            params,
            client_correlation_id,
            session: None,
            step_up_options: Vec::new(),
            exhausted_options: Vec::new(),
            otp: None,
            verified: None,
        },
        VisaAcceptancePasskeySecrets::default(),
        Next::Prompt(VisaAcceptancePhase::VisaSession(SessionWait::default())),
    )
}

type Step = VisaAcceptanceStep;
type Phase = VisaAcceptancePhase;

impl VisaAcceptancePasskey {
    /// The journey's `clientCorrelationId`.
    pub fn client_correlation_id(&self) -> &ReferenceId {
        &self.client_correlation_id
    }

    /// The parameters the journey started with.
    pub fn params(&self) -> &VisaAcceptancePasskeyParams {
        &self.params
    }

    /// The step-up methods the provider offered last (including used-up ones).
    pub fn step_up_options(&self) -> &[StepUpOption] {
        &self.step_up_options
    }

    /// The current OTP challenge, if an OTP method was chosen.
    pub fn otp_challenge(&self) -> Option<&OtpChallenge> {
        self.otp.as_ref()
    }

    /// The ceremony that succeeded, once done.
    pub fn verified_action(&self) -> Option<&PasskeyAction> {
        self.verified.as_ref()
    }

    fn reference(&self) -> &str {
        self.client_correlation_id.as_str()
    }

    fn options_request(
        &self,
        secrets: &VisaAcceptancePasskeySecrets,
    ) -> Result<AuthenticationOptionsRequest, JourneyError> {
        let secure_token = secrets
            .secure_token
            .clone()
            .ok_or_else(|| missing(SECURE_TOKEN))?;
        let session = self.session.as_ref().ok_or_else(|| {
            JourneyError::Resume("the journey has no Visa page session yet".to_owned())
        })?;
        let device = DeviceInformation::from_browser_data(
            &session.browser_data,
            self.params.platform_type.clone(),
        )?;
        Ok(AuthenticationOptionsRequest::new(
            self.params.token_id.as_str(),
            self.reference(),
            secure_token,
            self.params.amount.clone(),
            self.params.merchant.clone(),
            device,
        )?
        .with_authenticator_render_method(self.params.render_method.clone()))
    }

    fn validate_request(
        &self,
        secrets: &VisaAcceptancePasskeySecrets,
        option: &str,
        code: StepUpCode,
    ) -> Result<ValidateOtpRequest, JourneyError> {
        let token_id = self.params.token_id.as_str();
        Ok(match code {
            StepUpCode::Otp => ValidateOtpRequest::with_otp(
                token_id,
                self.reference(),
                option,
                secrets.otp.clone().ok_or_else(|| missing(OTP))?,
            )?,
            StepUpCode::IssuerAuthCode => ValidateOtpRequest::with_issuer_auth_code(
                token_id,
                self.reference(),
                option,
                secrets
                    .issuer_auth_code
                    .clone()
                    .ok_or_else(|| missing(ISSUER_AUTH_CODE))?,
            )?,
        })
    }

    fn is_available(&self, option: &StepUpOption) -> bool {
        !self.exhausted_options.contains(&option.identifier)
    }

    fn available(&self) -> impl Iterator<Item = &StepUpOption> {
        self.step_up_options
            .iter()
            .filter(|option| self.is_available(option))
    }

    fn choice(option: &StepUpOption) -> StepUpChoice {
        StepUpChoice {
            identifier: option.identifier.clone(),
            method: option.method.clone(),
            value: option.value.clone(),
            sub_method: option.sub_method.clone(),
            url: option.source.clone(),
        }
    }

    /// The method list, or the end of the step-up when nothing usable is left.
    fn choose_or_exhausted(&self) -> Next<Phase, Step> {
        if self.available().next().is_some() {
            Next::Prompt(Phase::ChooseStepUp)
        } else {
            Next::Fail(JourneyFailure::StepUpExhausted)
        }
    }

    /// Marks `option` used up and moves to another method.
    fn exhaust(&mut self, option: &str) -> Next<Phase, Step> {
        if !self.exhausted_options.iter().any(|id| id == option) {
            self.exhausted_options.push(option.to_owned());
        }
        self.otp = None;
        self.choose_or_exhausted()
    }

    fn ceremony(
        &self,
        secrets: &mut VisaAcceptancePasskeySecrets,
        action: PasskeyAction,
        context: &AuthenticationContext,
        response: &HttpResponse,
        operation: &str,
    ) -> Result<Next<Phase, Step>, ApiError> {
        // A decoded context was not checked for empty parts.
        AuthenticationContext::check_parts(
            &context.identifier,
            &context.endpoint,
            &context.payload,
        )
        .map_err(|_| {
            ApiError::malformed(
                Provider::VisaAcceptance,
                response,
                format!("{operation}: `authenticationContext` has an empty part"),
            )
        })?;
        let session = self.session.as_ref();
        let popup = session.is_some_and(|s| match action {
            PasskeyAction::Register => s.popup_for_register,
            PasskeyAction::Authenticate | PasskeyAction::Unknown(_) => s.popup_for_authenticate,
        });
        let request_id = session
            .and_then(|s| s.page_request_id.clone())
            .unwrap_or_else(|| self.reference().to_owned());
        secrets.visa_payload = Some(context.payload.clone());
        Ok(Next::Prompt(Phase::PasskeyCeremony(Ceremony {
            action,
            identifier: context.identifier.clone(),
            endpoint: context.endpoint.clone(),
            platform_type: self.params.platform_type.clone(),
            preferences: AuthPreferences::default(),
            popup,
            request_id,
        })))
    }

    fn without_context(response: &HttpResponse, operation: &str, action: &str) -> ApiError {
        ApiError::malformed(
            Provider::VisaAcceptance,
            response,
            format!("{operation}: action {action} without `authenticationContext`"),
        )
    }

    fn unknown_action(operation: &str, action: &AuthenticationAction) -> Next<Phase, Step> {
        let quoted: String = action.as_str().chars().take(MAX_QUOTED_ACTION).collect();
        Next::Fail(JourneyFailure::Internal {
            reason: format!(
                "{operation} answered the action `{quoted}`, which this journey cannot continue \
                 from"
            ),
        })
    }

    fn after_options(
        &mut self,
        secrets: &mut VisaAcceptancePasskeySecrets,
        answer: AuthenticationOptionsResponse,
        response: &HttpResponse,
    ) -> Result<Next<Phase, Step>, ApiError> {
        const OPERATION: &str = AuthenticationOptionsRequest::OPERATION;
        match &answer.action {
            AuthenticationAction::Authenticate => {
                let context = answer
                    .authentication_context
                    .as_ref()
                    .ok_or_else(|| Self::without_context(response, OPERATION, "AUTHENTICATE"))?;
                self.ceremony(
                    secrets,
                    PasskeyAction::Authenticate,
                    context,
                    response,
                    OPERATION,
                )
            }
            AuthenticationAction::AuthenticationRegistration => Ok(Next::Send(Step::Registration)),
            AuthenticationAction::StepUpAuthenticate => {
                self.step_up_options = answer.step_up_options;
                self.otp = None;
                Ok(self.choose_or_exhausted())
            }
            unknown @ AuthenticationAction::Unknown(_) => {
                Ok(Self::unknown_action(OPERATION, unknown))
            }
        }
    }

    fn after_otp_sent(
        &mut self,
        option: &str,
        resend: bool,
        limits: &CreateOtpResponse,
        now: UnixMillis,
    ) -> Next<Phase, Step> {
        let mut challenge = match self.otp.take() {
            Some(challenge) if resend && challenge.option == option => challenge,
            _ => OtpChallenge {
                option: option.to_owned(),
                sends: 0,
                wrong_codes: 0,
                max_requests: 0,
                max_verification: 0,
                expires_at: None,
                last_attempt_failed: false,
                expired: false,
            },
        };
        challenge.sent(limits, now);
        if challenge.attempts_left() == 0 {
            // A resend whose answer lowered the limit below the wrong codes already entered.
            return self.exhaust(option);
        }
        self.otp = Some(challenge);
        Next::Prompt(Phase::EnterOtp)
    }

    /// one-time-passwords refused with a limit: a first send uses the method up; a resend ends
    /// the resends (the code already sent may still be entered unless it expired).
    fn after_otp_refused(&mut self, option: &str, resend: bool) -> Next<Phase, Step> {
        match self.otp.as_mut() {
            Some(challenge) if resend && challenge.option == option && !challenge.expired => {
                challenge.max_requests = challenge.sends;
                Next::Prompt(Phase::EnterOtp)
            }
            _ => self.exhaust(option),
        }
    }

    fn after_validated(
        &mut self,
        secrets: &mut VisaAcceptancePasskeySecrets,
        answer: ValidateOtpResponse,
        response: &HttpResponse,
    ) -> Result<Next<Phase, Step>, ApiError> {
        const OPERATION: &str = ValidateOtpRequest::OPERATION;
        let next = match &answer.action {
            AuthenticationAction::AuthenticationRegistration => Ok(Next::Send(Step::Registration)),
            AuthenticationAction::Authenticate => match &answer.authentication_context {
                Some(context) => self.ceremony(
                    secrets,
                    PasskeyAction::Authenticate,
                    context,
                    response,
                    OPERATION,
                ),
                // The passkey exists now; authentication-options hands out its context.
                None => Ok(Next::Send(Step::AuthenticationOptions)),
            },
            other => Ok(Self::unknown_action(OPERATION, other)),
        }?;
        // Only once the answer is usable (`Script::on_response`).
        self.otp = None;
        Ok(next)
    }

    fn after_validate_error(
        &mut self,
        option: &str,
        code: StepUpCode,
        error: ApiError,
    ) -> Result<Next<Phase, Step>, ApiError> {
        if error.recovery == Recovery::ChooseAnotherMethod {
            return Ok(self.exhaust(option));
        }
        match code {
            StepUpCode::Otp => {
                let Some(challenge) = self.otp.as_mut().filter(|c| c.option == option) else {
                    return Err(error);
                };
                if error.recovery == Recovery::ReenterOtp {
                    challenge.wrong_codes = challenge.wrong_codes.saturating_add(1);
                    challenge.last_attempt_failed = true;
                    if challenge.attempts_left() == 0 {
                        return Ok(self.exhaust(option));
                    }
                    return Ok(Next::Prompt(Phase::EnterOtp));
                }
                if error.category == ErrorCategory::Expired {
                    challenge.expired = true;
                    challenge.last_attempt_failed = false;
                    return Ok(Next::Prompt(Phase::EnterOtp));
                }
                Err(error)
            }
            StepUpCode::IssuerAuthCode => {
                if error.recovery == Recovery::ReenterOtp {
                    if let Some(chosen) =
                        self.step_up_options.iter().find(|o| o.identifier == option)
                    {
                        return Ok(Next::Prompt(Phase::CompleteStepUp(chosen.clone())));
                    }
                }
                Err(error)
            }
        }
    }

    fn on_session(
        &mut self,
        secrets: &mut VisaAcceptancePasskeySecrets,
        wait: &SessionWait,
        input: Input,
    ) -> Result<Next<Phase, Step>, JourneyError> {
        match page::on_session_input(&self.params.page_origin, wait, input)? {
            SessionEvent::Waiting(wait) => Ok(Next::Prompt(Phase::VisaSession(wait))),
            SessionEvent::Failed(failure) => Ok(Next::Fail(JourneyFailure::Passkey {
                failure,
                action: PasskeyAction::Authenticate,
            })),
            SessionEvent::Created {
                secure_token,
                browser_data,
                popup_for_register,
                popup_for_authenticate,
                ..
            } => {
                self.session = Some(PageSession {
                    browser_data,
                    page_request_id: wait.ready_request_id.clone(),
                    popup_for_register,
                    popup_for_authenticate,
                });
                secrets.secure_token = Some(secure_token);
                // Refuse a session whose token or browser data cannot make the request, now,
                // while the host can still answer with a corrected `VisaSession`.
                self.options_request(secrets)?;
                Ok(Next::Send(Step::AuthenticationOptions))
            }
        }
    }

    fn on_choose(&mut self, input: Input) -> Result<Next<Phase, Step>, JourneyError> {
        let Input::ChooseStepUp { identifier } = input else {
            return Err(JourneyError::InvalidEvent {
                state: "ChooseStepUp",
                event: input.name(),
            });
        };
        let chosen = self
            .available()
            .find(|option| option.identifier == identifier)
            .cloned()
            .ok_or(InvalidInput::new(
                "stepUpOption.id",
                Problem::Format {
                    expected: "the identifier of a step-up method the prompt lists",
                },
            ))?;
        if chosen.method.sends_otp() {
            // Checked now so that a bad id is refused before anything is sent.
            CreateOtpRequest::new(
                self.params.token_id.as_str(),
                self.reference(),
                &chosen.identifier,
            )?;
            self.otp = None;
            Ok(Next::Send(Step::CreateOtp {
                option: chosen.identifier,
                resend: false,
            }))
        } else {
            Ok(Next::Prompt(Phase::CompleteStepUp(chosen)))
        }
    }

    fn on_otp_entry(
        &mut self,
        secrets: &mut VisaAcceptancePasskeySecrets,
        input: Input,
        now: UnixMillis,
    ) -> Result<Next<Phase, Step>, JourneyError> {
        let invalid = |input: &Input| JourneyError::InvalidEvent {
            state: "EnterOtp",
            event: input.name(),
        };
        let Some(challenge) = self.otp.as_ref() else {
            return Err(invalid(&input));
        };
        match input {
            Input::Otp(otp) => {
                if challenge.expired || challenge.expires_at.is_some_and(|at| now >= at) {
                    if let Some(challenge) = self.otp.as_mut() {
                        challenge.expired = true;
                        challenge.last_attempt_failed = false;
                    }
                    return Ok(Next::Prompt(Phase::EnterOtp));
                }
                let option = challenge.option.clone();
                secrets.otp = Some(otp);
                // Refuses a code that is not 4–8 digits before anything is sent.
                self.validate_request(secrets, &option, StepUpCode::Otp)?;
                Ok(Next::Send(Step::Validate {
                    option,
                    code: StepUpCode::Otp,
                }))
            }
            Input::ResendOtp if challenge.resends_left() > 0 => Ok(Next::Send(Step::CreateOtp {
                option: challenge.option.clone(),
                resend: true,
            })),
            Input::ChooseAnotherMethod => Ok(self.choose_or_exhausted()),
            other => Err(invalid(&other)),
        }
    }

    fn on_out_of_band(
        &mut self,
        secrets: &mut VisaAcceptancePasskeySecrets,
        chosen: &StepUpOption,
        input: Input,
    ) -> Result<Next<Phase, Step>, JourneyError> {
        match input {
            Input::StepUpCompleted => Ok(Next::Send(Step::AuthenticationOptions)),
            Input::ChooseAnotherMethod => Ok(self.choose_or_exhausted()),
            Input::IssuerAuthCode(code) if takes_issuer_code(chosen) => {
                secrets.issuer_auth_code = Some(code);
                self.validate_request(secrets, &chosen.identifier, StepUpCode::IssuerAuthCode)?;
                Ok(Next::Send(Step::Validate {
                    option: chosen.identifier.clone(),
                    code: StepUpCode::IssuerAuthCode,
                }))
            }
            other => Err(JourneyError::InvalidEvent {
                state: "CompleteStepUp",
                event: other.name(),
            }),
        }
    }

    fn on_ceremony(
        &mut self,
        secrets: &mut VisaAcceptancePasskeySecrets,
        ceremony: &Ceremony,
        input: Input,
    ) -> Result<Next<Phase, Step>, JourneyError> {
        Ok(
            match page::on_ceremony_input(&self.params.page_origin, input)? {
                CeremonyEvent::Waiting => Next::Prompt(Phase::PasskeyCeremony(ceremony.clone())),
                CeremonyEvent::Failed(failure) => Next::Fail(JourneyFailure::Passkey {
                    failure,
                    action: ceremony.action.clone(),
                }),
                CeremonyEvent::Completed(assurance) => {
                    secrets.assurance = Some(assurance);
                    secrets.visa_payload = None;
                    secrets.otp = None;
                    secrets.issuer_auth_code = None;
                    self.verified = Some(ceremony.action.clone());
                    Next::Done
                }
            },
        )
    }
}

/// `APP_TO_APP` without 3-D Secure may return an issuer authentication code (API.md §6.4).
fn takes_issuer_code(option: &StepUpOption) -> bool {
    option.method == StepUpMethod::AppToApp && option.sub_method != Some(StepUpSubMethod::ThreeDs)
}

impl Script for VisaAcceptancePasskey {
    const NAME: &'static str = "visa_acceptance_passkey";
    type Phase = VisaAcceptancePhase;
    type Step = VisaAcceptanceStep;
    type Secrets = VisaAcceptancePasskeySecrets;

    fn request(
        &self,
        secrets: &VisaAcceptancePasskeySecrets,
        step: &Step,
    ) -> Result<HttpRequest, JourneyError> {
        Ok(match step {
            Step::AuthenticationOptions => self.options_request(secrets)?.to_http(),
            Step::CreateOtp { option, .. } => {
                CreateOtpRequest::new(self.params.token_id.as_str(), self.reference(), option)?
                    .to_http()
            }
            Step::Validate { option, code } => {
                self.validate_request(secrets, option, *code)?.to_http()
            }
            Step::Registration => AuthenticationRegistrationRequest::from_options(
                self.options_request(secrets)?,
                &self.params.buyer_language,
                self.params.bill_to()?,
            )?
            .to_http(),
        })
    }

    fn on_response(
        &mut self,
        secrets: &mut VisaAcceptancePasskeySecrets,
        step: &Step,
        response: &HttpResponse,
        now: UnixMillis,
    ) -> Result<Next<Phase, Step>, ApiError> {
        match step {
            Step::AuthenticationOptions => {
                let answer = AuthenticationOptionsRequest::decode(response)?;
                self.after_options(secrets, answer, response)
            }
            Step::CreateOtp { option, resend } => match CreateOtpRequest::decode(response) {
                Ok(limits) => Ok(self.after_otp_sent(option, *resend, &limits, now)),
                Err(error) if error.recovery == Recovery::ChooseAnotherMethod => {
                    Ok(self.after_otp_refused(option, *resend))
                }
                Err(error) => Err(error),
            },
            Step::Validate { option, code } => match ValidateOtpRequest::decode(response) {
                Ok(answer) => {
                    // Unchanged on `Err` (`Script::on_response`).
                    let next = self.after_validated(secrets, answer, response)?;
                    secrets.otp = None;
                    secrets.issuer_auth_code = None;
                    Ok(next)
                }
                Err(error) => {
                    let next = self.after_validate_error(option, *code, error)?;
                    // The code was refused: it is of no further use.
                    secrets.otp = None;
                    secrets.issuer_auth_code = None;
                    Ok(next)
                }
            },
            Step::Registration => {
                const OPERATION: &str = AuthenticationRegistrationRequest::OPERATION;
                let answer = AuthenticationRegistrationRequest::decode(response)?;
                let context = answer.authentication_context.as_ref().ok_or_else(|| {
                    Self::without_context(response, OPERATION, "AUTHENTICATION_REGISTRATION")
                })?;
                self.ceremony(
                    secrets,
                    PasskeyAction::Register,
                    context,
                    response,
                    OPERATION,
                )
            }
        }
    }

    fn prompt(&self, secrets: &VisaAcceptancePasskeySecrets, phase: &Phase) -> Prompt {
        match phase {
            Phase::VisaSession(wait) => {
                page::session_prompt(&self.params.page_origin, wait, self.reference())
            }
            Phase::ChooseStepUp => Prompt::ChooseStepUp {
                methods: self.available().map(Self::choice).collect(),
            },
            Phase::EnterOtp => match &self.otp {
                Some(challenge) => challenge.prompt(),
                // Not reachable: the phase is entered only with a challenge.
                None => Prompt::EnterOtp {
                    attempts_left: 0,
                    resends_left: 0,
                    expires_at: None,
                    last_attempt_failed: false,
                    expired: true,
                },
            },
            Phase::CompleteStepUp(option) => Prompt::CompleteStepUp {
                choice: Self::choice(option),
            },
            Phase::PasskeyCeremony(ceremony) => secrets
                .visa_payload
                .as_ref()
                .and_then(|payload| {
                    page::ceremony_prompt(&self.params.page_origin, ceremony, payload).ok()
                })
                // Not reachable: the payload is stored with the ceremony and required on resume;
                // the ceremony's parts are checked on the way in. The prompt interface cannot
                // fail, so the host is told that nothing can continue but a cancel.
                .unwrap_or_else(|| Prompt::ConfirmUnknownOutcome {
                    operation: "visa_page.passkey_ceremony (payload missing: cancel)".to_owned(),
                    can_reconcile: false,
                }),
        }
    }

    fn on_input(
        &mut self,
        secrets: &mut VisaAcceptancePasskeySecrets,
        phase: &Phase,
        input: Input,
        now: UnixMillis,
    ) -> Result<Next<Phase, Step>, JourneyError> {
        match phase {
            Phase::VisaSession(wait) => self.on_session(secrets, wait, input),
            Phase::ChooseStepUp => self.on_choose(input),
            Phase::EnterOtp => self.on_otp_entry(secrets, input, now),
            Phase::CompleteStepUp(option) => self.on_out_of_band(secrets, option, input),
            Phase::PasskeyCeremony(ceremony) => self.on_ceremony(secrets, ceremony, input),
        }
    }

    /// Cybersource's passkey endpoints have no status call: an unknown outcome can only be
    /// resent (same `clientCorrelationId`) or cancelled.
    fn reconcile(&self, _step: &Step) -> Option<Step> {
        None
    }

    fn outcome(&self, secrets: &VisaAcceptancePasskeySecrets) -> Outcome {
        Outcome::PasskeyVerified {
            action: self.verified.clone().unwrap_or(PasskeyAction::Authenticate),
            // Not reachable empty: `Done` is entered with the assurance, and resuming a `Done`
            // checkpoint requires it (`missing_secret`). The interface cannot fail.
            assurance: secrets.assurance.clone().unwrap_or_else(|| AssuranceData {
                fido_blob: FidoBlob::from_unchecked(String::new()),
                identifier: None,
                rp_id: None,
            }),
        }
    }

    fn missing_secret(
        &self,
        secrets: &VisaAcceptancePasskeySecrets,
        stage: &Stage<Phase, Step>,
    ) -> Option<&'static str> {
        let token = || secrets.secure_token.is_none().then_some(SECURE_TOKEN);
        match stage {
            Stage::Failed(_) | Stage::Awaiting(Phase::VisaSession(_)) => None,
            Stage::Done => secrets.assurance.is_none().then_some(FIDO_BLOB),
            Stage::Awaiting(Phase::PasskeyCeremony(_)) => {
                secrets.visa_payload.is_none().then_some(VISA_PAYLOAD)
            }
            Stage::Awaiting(_) | Stage::Sending { .. } | Stage::OutcomeUnknown { .. } => token(),
            Stage::BackingOff { step, .. } => token().or(match step {
                Step::Validate {
                    code: StepUpCode::Otp,
                    ..
                } => secrets.otp.is_none().then_some(OTP),
                Step::Validate {
                    code: StepUpCode::IssuerAuthCode,
                    ..
                } => secrets
                    .issuer_auth_code
                    .is_none()
                    .then_some(ISSUER_AUTH_CODE),
                _ => None,
            }),
        }
    }
}
