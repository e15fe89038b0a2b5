//! Juspay Visa Agentic Transactions (API.md §2): wire models for every VAT endpoint.
//!
//! Requests are built by constructors that validate what the docs constrain; responses decode
//! tolerantly. VAT answers HTTP 200 with `status != "SUCCESS"` for failures: [`Endpoint::decode`]
//! turns that into an [`ApiError`] before the model is read.
//!
//! | Endpoint | Request | Response |
//! |---|---|---|
//! | `POST /card/tokenize` | [`CardTokenizeRequest`] | [`CardTokenizeResponse`] |
//! | `POST /provision-token-passkey` | [`ProvisionTokenPasskeyRequest`] (+ [`ProvisionContext`]) | [`ProvisionTokenPasskeyResponse`] |
//! | `POST /initiateVerification` | [`TriggerOtpRequest`] | [`TriggerOtpResponse`] |
//! | `POST /validateOtp` | [`ValidateOtpRequest`] | [`ValidateOtpResponse`] |
//! | `POST /enrollInAgenticService` | [`EnrollInAgenticServiceRequest`] | [`EnrollInAgenticServiceResponse`] *(provisional)* |
//! | `POST /cards/setUpAgenticPaymentInstruction` | [`SetupAgenticPaymentInstructionRequest`] *(partly provisional)* | [`SetupAgenticPaymentInstructionResponse`] *(provisional)* |
//! | `POST /cards/fetchAgenticTransactCreds` | [`FetchPaymentCredentialsRequest`] | [`FetchPaymentCredentialsResponse`] *(provisional)* |
//!
//! Every VAT call provisions, sends an OTP, binds a device or moves toward money: none is
//! idempotent (DESIGN.md §3 "Exactly once"), and a success status with an unreadable body asks
//! the caller to [`Recovery::Reconcile`].
//!
//! *Provisional* marks a field or model the vendor pages do not document (DESIGN.md §3): its
//! name follows the Visa Intelligent Commerce (VIC) equivalent in API.md §4 and §6.9, and the
//! provisional response models keep the whole body as [`RawJson`].

use std::net::IpAddr;

use serde::ser::SerializeStruct;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use crate::error::{ApiError, ErrorCategory, Provider, Recovery};
use crate::json_path::{FromJson, Node, or_default, read_object};
use crate::secret::{
    CardNumber, CardSecurityCode, CardToken, Cryptogram, ExpiryMonth, ExpiryYear, FidoBlob, Otp,
    SecretText, SecureToken, TokenNumber, VisaPayload,
};
use crate::step_up::StepUpOption;
use crate::validate::{Amount, CurrencyCode, Id, InvalidInput, Problem};
use crate::visa_page::{AuthPreferences, BrowserData, PasskeyAction, PlatformType};
use crate::wire::{
    Body, Endpoint, HttpResponse, Method, RawJson, decode_json, decode_json_at, lenient, open_enum,
};

// ---------------------------------------------------------------------------------------------
// Enums of the VAT section (API.md §2.8). All open: an undocumented value is kept as `Unknown`.
// ---------------------------------------------------------------------------------------------

open_enum! {
    /// `networkType` / `cardNetwork` [J-VOTP, J-ENROLL, J-SETUP, J-FETCH].
    pub enum NetworkType {
        /// Visa, the only documented value.
        Visa = "VISA",
    }
}

open_enum! {
    /// `authFlowType` of the provision call [J-PTP].
    pub enum AuthFlowType {
        /// The passkey (FIDO) flow, the only documented value.
        Fido = "FIDO",
    }
}

open_enum! {
    /// `presentationType` of the provision call: the kind of token Visa generates [J-PTP].
    pub enum PresentationType {
        /// A token for an AI agent, the only documented value.
        AiAgent = "AI_AGENT",
    }
}

open_enum! {
    /// `deviceAttestationObj.reasonCode` [J-PTP].
    pub enum AttestationReason {
        /// New card and purchase flows.
        Payment = "PAYMENT",
        /// The device-binding flow.
        DeviceBinding = "DEVICE_BINDING",
    }
}

open_enum! {
    /// `paymentInstrument.type` [J-PTP].
    pub enum PaymentInstrumentType {
        /// `cardObj` is a Juspay temporary card token (`ctkn_…`).
        CardToken = "CARD_TOKEN",
        /// `cardObj` is a `vProvisionedTokenId`.
        ProvisionedTokenId = "V_PROV_TOKEN_ID",
    }
}

open_enum! {
    /// `stepUpResponse.deviceBindingStatus` [J-PTP]. Juspay documents `CHALLENGED`; the Visa
    /// Token Service it wraps answers `APPROVED` / `CHALLENGE` [VISA-AI], read here as the same
    /// two outcomes.
    pub enum DeviceBindingStatus {
        /// The issuer wants a step-up (OTP …) before the device is bound.
        Challenged = "CHALLENGED" | "CHALLENGE",
        /// The issuer approved the binding without a step-up.
        Approved = "APPROVED",
    }
}

open_enum! {
    /// `userDetails.identityType` [J-ENROLL; C-SDK adds `MOBILE_PHONE_NUMBER`].
    pub enum IdentityType {
        /// The customer is identified by an email address.
        EmailAddress = "EMAIL_ADDRESS",
        /// The customer is identified by a mobile number.
        MobilePhoneNumber = "MOBILE_PHONE_NUMBER",
    }
}

open_enum! {
    /// `transactionDetails[].transactionType` [J-FETCH].
    pub enum TransactionType {
        /// A purchase, the only documented value.
        Purchase = "PURCHASE",
    }
}

open_enum! {
    /// `verificationData.verifyType` of Setup Agentic Payment. *Provisional*: the page is
    /// truncated right after the key [J-SETUP]; `FIDO` mirrors the provision call's
    /// `authFlowType` for the passkey result this field introduces.
    pub enum VerifyType {
        /// The passkey (FIDO) assertion from the Visa page.
        Fido = "FIDO",
    }
}

open_enum! {
    /// The status inside a VIC result (enrolment, instruction, credentials). *Provisional*:
    /// Juspay shows `ACTIVE` and `SUCCESS` without field names [J-ENROLL, J-FETCH]; the other
    /// values are the Visa / Cybersource Intelligent Commerce ones (API.md §4, §6.9).
    pub enum VicStatus {
        /// Enrolled / usable.
        Active = "ACTIVE",
        /// Waiting for a cardholder action (`pendingEvents`).
        Pending = "PENDING",
        /// Done (credentials issued).
        Completed = "COMPLETED",
        /// Cancelled.
        Cancelled = "CANCELLED" | "CANCELED",
        /// Not active yet (token status).
        Inactive = "INACTIVE",
        /// Suspended (token status).
        Suspended = "SUSPENDED",
        /// Deleted (token status).
        Deleted = "DELETED",
        /// A per-result success flag, as in the fetch-credentials examples.
        Success = "SUCCESS",
    }
}

// ---------------------------------------------------------------------------------------------
// Private helpers.
// ---------------------------------------------------------------------------------------------

/// A secret received from another step (a response, the Visa page) may be empty: refuse it
/// under the wire name of the field it goes into.
fn require_secret<T: SecretText>(field: &'static str, value: T) -> Result<T, InvalidInput> {
    crate::validate::non_empty(field, value.expose_secret())?;
    Ok(value)
}

/// An ISO 3166-1 alpha-2 country code (`US`).
fn check_country_code(field: &'static str, value: &str) -> Result<String, InvalidInput> {
    if value.is_empty() {
        return Err(InvalidInput::new(field, Problem::Empty));
    }
    if value.len() != 2 || !value.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(InvalidInput::new(
            field,
            Problem::Format {
                expected: "an ISO 3166-1 alpha-2 code: two uppercase letters",
            },
        ));
    }
    Ok(value.to_owned())
}

/// An IPv4 or IPv6 address in text form.
fn check_ip_address(field: &'static str, value: &str) -> Result<String, InvalidInput> {
    if value.trim().is_empty() {
        return Err(InvalidInput::new(field, Problem::Empty));
    }
    value.parse::<IpAddr>().map_err(|_| {
        InvalidInput::new(
            field,
            Problem::Format {
                expected: "an IPv4 or IPv6 address",
            },
        )
    })?;
    Ok(value.to_owned())
}

/// An amount that may be zero (a tax line): `None` is `0.00`.
fn zero_or_amount(field: &'static str, value: &str) -> Result<Option<Amount>, InvalidInput> {
    if value.starts_with('-') {
        return Err(InvalidInput::new(
            field,
            Problem::Format {
                expected: "zero or a positive decimal number such as 0.00",
            },
        ));
    }
    match Amount::parse(field, value) {
        Ok(amount) => Ok(Some(amount)),
        Err(InvalidInput {
            problem: Problem::NotPositive,
            ..
        }) => Ok(None),
        Err(other) => Err(other),
    }
}

/// `serialize_with` for [`zero_or_amount`]: a JSON number, `0.0` for `None`.
fn serialize_zero_or_amount<S: Serializer>(
    value: &Option<Amount>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_f64(value.map_or(0.0, Amount::as_f64))
}

/// The envelope's own keys, never read as a model field of a provisional response.
const ENVELOPE_KEYS: &[&str] = &[
    "status",
    "errorCode",
    "errorMessage",
    "responseCode",
    "responseMessage",
];

/// Lenient field lookup for the provisional response models: the nested result object
/// (`payload`, `response` or `data`, whichever is an object) is searched first, depth-first;
/// then the top level minus the envelope keys, then its nested objects. The first key of
/// `keys` found with a string or number value wins.
struct Lookup<'a> {
    body: &'a Value,
    inner: Option<&'a Value>,
}

impl<'a> Lookup<'a> {
    fn new(body: &'a Value) -> Self {
        let inner = ["payload", "response", "data"]
            .iter()
            .find_map(|key| body.get(*key).filter(|v| v.is_object()));
        Self { body, inner }
    }

    fn text(&self, keys: &[&str]) -> Option<String> {
        self.inner
            .and_then(|inner| find_scalar(inner, keys, &[]))
            .or_else(|| find_scalar(self.body, keys, ENVELOPE_KEYS))
    }
}

fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn find_scalar(value: &Value, keys: &[&str], skip: &[&str]) -> Option<String> {
    let object = value.as_object()?;
    // One pass over the object's few entries: the earliest key of `keys` with a usable value
    // (as many map lookups cost several times more).
    let own = object
        .iter()
        .filter(|(name, _)| !skip.contains(&name.as_str()))
        .filter_map(|(name, value)| Some((keys.iter().position(|key| key == name)?, value)))
        .filter(|(_, value)| match value {
            Value::String(s) => !s.trim().is_empty(),
            Value::Number(_) => true,
            _ => false,
        })
        .min_by_key(|(rank, _)| *rank)
        .and_then(|(_, value)| scalar(value));
    own.or_else(|| {
        object.values().find_map(|child| match child {
            Value::Object(_) => find_scalar(child, keys, &[]),
            Value::Array(items) => items.iter().find_map(|item| find_scalar(item, keys, &[])),
            _ => None,
        })
    })
}

// ---------------------------------------------------------------------------------------------
// POST /card/tokenize
// ---------------------------------------------------------------------------------------------

/// `POST /card/tokenize` — exchange card details for a 15-minute Juspay card token (`ctkn_…`)
/// that the new-card provision call takes as `paymentInstrument.cardObj` [J-TOKENIZE; API.md
/// §2.2 note]. Juspay documents it as callable "from the browser or directly from Android/iOS
/// app" without authentication.
///
/// *Provisional body*: our sources do not list the request fields. This model sends the Express
/// Checkout card fields that `/txns` documents (`merchant_id`, `card_number`, `card_exp_year`,
/// `card_exp_month`, `name_on_card`, `card_security_code`) as a form, the EC convention
/// [J-SA, J-ECINTRO].
///
/// Not idempotent: a resend mints a second token and sends the card details again. Nothing is
/// charged, but the SDK only marks reads as resendable, and the flow must carry exactly one
/// token forward (conservative choice).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardTokenizeRequest {
    merchant_id: Id,
    card_number: CardNumber,
    card_exp_month: ExpiryMonth,
    card_exp_year: ExpiryYear,
    card_security_code: CardSecurityCode,
    name_on_card: Option<String>,
}

impl CardTokenizeRequest {
    /// Validates the card: Luhn for the number, `MM` `01`–`12`, `YY`, 3–4 digit CVV.
    /// `name_on_card` is optional.
    ///
    /// # Errors
    /// [`InvalidInput`] naming the first bad field by its form name (`card_number` …).
    pub fn new(
        merchant_id: &str,
        card_number: impl Into<String>,
        card_exp_month: impl Into<String>,
        card_exp_year: impl Into<String>,
        card_security_code: impl Into<String>,
        name_on_card: Option<&str>,
    ) -> Result<Self, InvalidInput> {
        let name_on_card = match name_on_card {
            Some(name) => {
                crate::validate::non_empty("name_on_card", name)?;
                Some(name.to_owned())
            }
            None => None,
        };
        Ok(Self {
            merchant_id: Id::new("merchant_id", merchant_id)?,
            card_number: CardNumber::new("card_number", card_number)?,
            card_exp_month: ExpiryMonth::new("card_exp_month", card_exp_month)?,
            card_exp_year: ExpiryYear::new("card_exp_year", card_exp_year)?,
            card_security_code: CardSecurityCode::new("card_security_code", card_security_code)?,
            name_on_card,
        })
    }
}

/// The answer of `/card/tokenize`: `{"token": "ctkn_…"}` [J-TOKENIZE].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardTokenizeResponse {
    /// The temporary card token; valid for 15 minutes and usable to pay, hence secret.
    pub token: CardToken,
}

impl FromJson for CardTokenizeResponse {
    fn from_json(node: Node<'_, '_>) -> Result<Self, serde_json::Error> {
        read_object!(node, Self {
            token: "token" => crate::json_path::leaf,
        })
    }
}

impl Endpoint for CardTokenizeRequest {
    type Response = CardTokenizeResponse;
    const PROVIDER: Provider = Provider::JuspayVat;
    const OPERATION: &'static str = "juspay_vat.card_tokenize";
    const METHOD: Method = Method::Post;
    const IDEMPOTENT: bool = false;

    fn path(&self) -> String {
        "/card/tokenize".to_owned()
    }

    fn body(&self) -> Body {
        let mut pairs = vec![
            ("merchant_id", self.merchant_id.as_str()),
            ("card_number", self.card_number.expose_secret()),
            ("card_exp_year", self.card_exp_year.expose_secret()),
            ("card_exp_month", self.card_exp_month.expose_secret()),
        ];
        if let Some(name) = &self.name_on_card {
            pairs.push(("name_on_card", name.as_str()));
        }
        pairs.push((
            "card_security_code",
            self.card_security_code.expose_secret(),
        ));
        Body::form(&pairs)
    }
}

// ---------------------------------------------------------------------------------------------
// POST /provision-token-passkey
// ---------------------------------------------------------------------------------------------

/// What every provision call carries whatever its mode [J-PTP]: the customer, the journey's
/// `clientReferenceId`, the Visa page session (`secureToken` + `browserData` from
/// `AUTH_SESSION_CREATED`), the platform and the amount.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProvisionContext {
    customer_id: Id,
    client_reference_id: Id,
    secure_token: SecureToken,
    browser_data: BrowserData,
    platform_type: PlatformType,
    amount: ProvisionAmount,
}

impl ProvisionContext {
    /// `total` is a decimal such as `92.65`, sent as a JSON number as in the samples (the doc
    /// tags it String, API.md §8); `currency` is ISO 4217 (`SGD`).
    ///
    /// # Errors
    /// [`InvalidInput`] for `customerId`, `clientReferenceId`, `sessionContext.secureToken`,
    /// `amount.currency` or `amount.total`.
    pub fn new(
        customer_id: &str,
        client_reference_id: &str,
        secure_token: SecureToken,
        browser_data: BrowserData,
        platform_type: PlatformType,
        currency: &str,
        total: &str,
    ) -> Result<Self, InvalidInput> {
        Ok(Self {
            customer_id: Id::new("customerId", customer_id)?,
            client_reference_id: Id::new("clientReferenceId", client_reference_id)?,
            secure_token: require_secret("sessionContext.secureToken", secure_token)?,
            browser_data,
            platform_type,
            amount: ProvisionAmount {
                currency: CurrencyCode::new("amount.currency", currency)?,
                total: Amount::parse("amount.total", total)?,
            },
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
struct ProvisionAmount {
    currency: CurrencyCode,
    #[serde(serialize_with = "crate::validate::Amount::serialize_number")]
    total: Amount,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
struct SessionContext {
    #[serde(serialize_with = "crate::secret::expose")]
    secure_token: SecureToken,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
struct DeviceAttestation {
    reason_code: AttestationReason,
    action_to_perform: PasskeyAction,
}

/// `paymentInstrument{type, cardObj}`: the card token is a secret, the provisioned token id is
/// not.
#[derive(Debug, Clone, PartialEq, Eq)]
enum PaymentInstrument {
    CardToken(CardToken),
    ProvisionedToken(Id),
}

impl Serialize for PaymentInstrument {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("PaymentInstrument", 2)?;
        match self {
            Self::CardToken(token) => {
                s.serialize_field("type", &PaymentInstrumentType::CardToken)?;
                s.serialize_field("cardObj", token.expose_secret())?;
            }
            Self::ProvisionedToken(id) => {
                s.serialize_field("type", &PaymentInstrumentType::ProvisionedTokenId)?;
                s.serialize_field("cardObj", id)?;
            }
        }
        s.end()
    }
}

/// `POST /provision-token-passkey` — Provision Token and create Passkey [J-PTP]. One
/// constructor per documented mode:
///
/// | Mode | `paymentInstrument.type` | `deviceAttestationObj` |
/// |---|---|---|
/// | [`new_card`](Self::new_card) | `CARD_TOKEN` | `PAYMENT` / `AUTHENTICATE` |
/// | [`device_binding`](Self::device_binding) | `V_PROV_TOKEN_ID` | `DEVICE_BINDING` / `REGISTER` |
/// | [`purchase`](Self::purchase) | `V_PROV_TOKEN_ID` | `PAYMENT` / `AUTHENTICATE` + `shouldOpenAuthViaPopup` |
///
/// `authFlowType` is always `FIDO` and `presentationType` `AI_AGENT`, the only documented
/// values. Provisions a token or starts a ceremony: not idempotent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProvisionTokenPasskeyRequest {
    customer_id: Id,
    session_context: SessionContext,
    browser_data: BrowserData,
    client_reference_id: Id,
    auth_flow_type: AuthFlowType,
    presentation_type: PresentationType,
    platform_type: PlatformType,
    #[serde(skip_serializing_if = "Option::is_none")]
    should_open_auth_via_popup: Option<bool>,
    device_attestation_obj: DeviceAttestation,
    amount: ProvisionAmount,
    payment_instrument: PaymentInstrument,
}

impl ProvisionTokenPasskeyRequest {
    fn build(
        context: ProvisionContext,
        reason_code: AttestationReason,
        action_to_perform: PasskeyAction,
        payment_instrument: PaymentInstrument,
        should_open_auth_via_popup: Option<bool>,
    ) -> Self {
        Self {
            customer_id: context.customer_id,
            session_context: SessionContext {
                secure_token: context.secure_token,
            },
            browser_data: context.browser_data,
            client_reference_id: context.client_reference_id,
            auth_flow_type: AuthFlowType::Fido,
            presentation_type: PresentationType::AiAgent,
            platform_type: context.platform_type,
            should_open_auth_via_popup,
            device_attestation_obj: DeviceAttestation {
                reason_code,
                action_to_perform,
            },
            amount: context.amount,
            payment_instrument,
        }
    }

    /// New card flow: provisions a Visa token from a `/card/tokenize` card token
    /// (`CARD_TOKEN`, `PAYMENT` / `AUTHENTICATE`).
    ///
    /// # Errors
    /// [`InvalidInput`] for `paymentInstrument.cardObj` when the card token is empty.
    pub fn new_card(
        context: ProvisionContext,
        card_token: CardToken,
    ) -> Result<Self, InvalidInput> {
        let card_token = require_secret("paymentInstrument.cardObj", card_token)?;
        Ok(Self::build(
            context,
            AttestationReason::Payment,
            PasskeyAction::Authenticate,
            PaymentInstrument::CardToken(card_token),
            None,
        ))
    }

    /// Device binding after a step-up: registers a passkey for the provisioned token
    /// (`V_PROV_TOKEN_ID`, `DEVICE_BINDING` / `REGISTER`).
    ///
    /// # Errors
    /// [`InvalidInput`] for `paymentInstrument.cardObj` when the token id is empty.
    pub fn device_binding(
        context: ProvisionContext,
        v_provisioned_token_id: &str,
    ) -> Result<Self, InvalidInput> {
        Ok(Self::build(
            context,
            AttestationReason::DeviceBinding,
            PasskeyAction::Register,
            PaymentInstrument::ProvisionedToken(Id::new(
                "paymentInstrument.cardObj",
                v_provisioned_token_id,
            )?),
            None,
        ))
    }

    /// Purchase with an existing passkey (`V_PROV_TOKEN_ID`, `PAYMENT` / `AUTHENTICATE`).
    /// `should_open_auth_via_popup` is sent as `shouldOpenAuthViaPopup`, a key that appears
    /// only in the purchase sample and is not described (API.md §3.5; INFERRED to ask for the
    /// popup variant of the Visa page).
    ///
    /// # Errors
    /// [`InvalidInput`] for `paymentInstrument.cardObj` when the token id is empty.
    pub fn purchase(
        context: ProvisionContext,
        v_provisioned_token_id: &str,
        should_open_auth_via_popup: bool,
    ) -> Result<Self, InvalidInput> {
        Ok(Self::build(
            context,
            AttestationReason::Payment,
            PasskeyAction::Authenticate,
            PaymentInstrument::ProvisionedToken(Id::new(
                "paymentInstrument.cardObj",
                v_provisioned_token_id,
            )?),
            Some(should_open_auth_via_popup),
        ))
    }
}

/// `payload.stepUpResponse` of the new-card answer when the issuer challenges the binding
/// [J-PTP].
#[derive(Debug, Clone, PartialEq)]
pub struct StepUpResponse {
    /// The step-up options to offer (`availableStepUpMethod`); absent or `null` reads as empty.
    pub available_step_up_method: Vec<StepUpOption>,
    /// `CHALLENGED` in the sample.
    pub device_binding_status: DeviceBindingStatus,
    /// Undocumented and `null` in the sample (API.md §9 q4): kept as received.
    pub otp_info: Option<RawJson>,
    /// Undocumented and `null` in the sample (API.md §9 q4): kept as received.
    pub step_up_method: Option<RawJson>,
}

impl FromJson for StepUpResponse {
    fn from_json(node: Node<'_, '_>) -> Result<Self, serde_json::Error> {
        read_object!(node, Self {
            available_step_up_method: "availableStepUpMethod" => or_default,
            device_binding_status: "deviceBindingStatus" => FromJson::from_json,
            otp_info: "otpInfo" => FromJson::from_json,
            step_up_method: "stepUpMethod" => FromJson::from_json,
        })
    }
}

/// The two documented 200 answers of the provision call, told apart by their keys [J-PTP;
/// API.md §2.2, §7.3].
///
/// * `payload.stepUpResponse` with a non-approved `deviceBindingStatus` (or without
///   `actionToBePerformed`) → [`StepUp`](Self::StepUp).
/// * `payload.actionToBePerformed` otherwise (including an approved binding, with or without a
///   `stepUpResponse`) → [`PasskeyCeremony`](Self::PasskeyCeremony).
#[derive(Debug, Clone, PartialEq)]
pub enum ProvisionTokenPasskeyResponse {
    /// The issuer challenged device binding: offer `step_up.available_step_up_method`, then
    /// Trigger OTP and Validate OTP.
    StepUp {
        /// The challenge.
        step_up: StepUpResponse,
        /// `payload.vProvisionedTokenId`, the token id every later call takes.
        v_provisioned_token_id: String,
    },
    /// Hand these to the Visa page as `authenticationContext` (API.md §3.3: `actionToBePerformed`
    /// → `action`, `authPreferencesEnabled` → `authenticationPreferencesEnabled`).
    PasskeyCeremony {
        /// `REGISTER` (device binding) or `AUTHENTICATE` (purchase).
        action_to_be_performed: PasskeyAction,
        /// `code` / `com_visa_web_message` in every sample; those defaults when absent.
        auth_preferences_enabled: AuthPreferences,
        /// `WEB` / `MOBILE_WEB`; documented as Conditional.
        platform_type: Option<PlatformType>,
        /// The signed JWT for the Visa page.
        payload: VisaPayload,
        /// Opaque identifier to pass to the Visa page.
        identifier: String,
        /// Base64 path to pass to the Visa page.
        endpoint: String,
        /// `vProvisionedTokenId` when the answer carries it (an approved new card: the token
        /// was just provisioned). Not in the documented ceremony samples.
        v_provisioned_token_id: Option<String>,
    },
}

/// Every key of either 200 payload, all optional; the variant is chosen afterwards.
struct ProvisionPayload {
    step_up_response: Option<StepUpResponse>,
    v_provisioned_token_id: Option<String>,
    action_to_be_performed: Option<PasskeyAction>,
    auth_preferences_enabled: Option<AuthPreferences>,
    platform_type: Option<PlatformType>,
    payload: Option<VisaPayload>,
    identifier: Option<String>,
    endpoint: Option<String>,
}

impl FromJson for ProvisionPayload {
    fn from_json(node: Node<'_, '_>) -> Result<Self, serde_json::Error> {
        read_object!(node, Self {
            step_up_response: "stepUpResponse" => FromJson::from_json,
            v_provisioned_token_id: "vProvisionedTokenId" => lenient::opt_string,
            action_to_be_performed: "actionToBePerformed" => FromJson::from_json,
            auth_preferences_enabled: "authPreferencesEnabled" => FromJson::from_json,
            platform_type: "platformType" => FromJson::from_json,
            payload: "payload" => crate::json_path::leaf,
            identifier: "identifier" => lenient::opt_string,
            endpoint: "endpoint" => FromJson::from_json,
        })
    }
}

impl FromJson for ProvisionTokenPasskeyResponse {
    fn from_json(node: Node<'_, '_>) -> Result<Self, serde_json::Error> {
        let p = ProvisionPayload::from_json(node)?;
        let v_provisioned_token_id = p.v_provisioned_token_id.filter(|id| !id.trim().is_empty());
        let approved = p
            .step_up_response
            .as_ref()
            .is_some_and(|s| s.device_binding_status == DeviceBindingStatus::Approved);
        match (p.step_up_response, p.action_to_be_performed) {
            (Some(step_up), action) if !approved || action.is_none() => Ok(Self::StepUp {
                step_up,
                v_provisioned_token_id: v_provisioned_token_id
                    .ok_or_else(|| node.mismatch("a step-up answer with `vProvisionedTokenId`"))?,
            }),
            (_, Some(action_to_be_performed)) => {
                let payload = p
                    .payload
                    .filter(|jwt| !jwt.expose_secret().trim().is_empty())
                    .ok_or_else(|| node.mismatch("a passkey ceremony with `payload`"))?;
                let identifier = p
                    .identifier
                    .ok_or_else(|| node.mismatch("a passkey ceremony with `identifier`"))?;
                let endpoint = p
                    .endpoint
                    .ok_or_else(|| node.mismatch("a passkey ceremony with `endpoint`"))?;
                Ok(Self::PasskeyCeremony {
                    action_to_be_performed,
                    auth_preferences_enabled: p.auth_preferences_enabled.unwrap_or_default(),
                    platform_type: p.platform_type,
                    payload,
                    identifier,
                    endpoint,
                    v_provisioned_token_id,
                })
            }
            _ => Err(node.mismatch("`stepUpResponse` or `actionToBePerformed` in the payload")),
        }
    }
}

impl Endpoint for ProvisionTokenPasskeyRequest {
    type Response = ProvisionTokenPasskeyResponse;
    const PROVIDER: Provider = Provider::JuspayVat;
    const OPERATION: &'static str = "juspay_vat.provision_token_passkey";
    const METHOD: Method = Method::Post;
    const IDEMPOTENT: bool = false;

    fn path(&self) -> String {
        "/provision-token-passkey".to_owned()
    }

    fn body(&self) -> Body {
        Body::json(self)
    }

    fn decode_body(response: &HttpResponse) -> Result<Self::Response, ApiError> {
        decode_json_at(Self::PROVIDER, Self::OPERATION, "payload", response)
    }
}

// ---------------------------------------------------------------------------------------------
// POST /initiateVerification
// ---------------------------------------------------------------------------------------------

/// `POST /initiateVerification` — Trigger OTP [J-TOTP]. Sends an OTP: not idempotent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TriggerOtpRequest {
    token_reference: Id,
    v_provisioned_token_id: Id,
    client_reference_id: Id,
    step_up_request_id: Id,
}

impl TriggerOtpRequest {
    /// `step_up_request_id` is the chosen `availableStepUpMethod[].identifier` (INFERRED in
    /// API.md §2.3 from Visa's equivalent call).
    ///
    /// # Errors
    /// [`InvalidInput`] naming the first empty field.
    pub fn new(
        token_reference: &str,
        v_provisioned_token_id: &str,
        client_reference_id: &str,
        step_up_request_id: &str,
    ) -> Result<Self, InvalidInput> {
        Ok(Self {
            token_reference: Id::new("tokenReference", token_reference)?,
            v_provisioned_token_id: Id::new("vProvisionedTokenId", v_provisioned_token_id)?,
            client_reference_id: Id::new("clientReferenceId", client_reference_id)?,
            step_up_request_id: Id::new("stepUpRequestId", step_up_request_id)?,
        })
    }
}

/// The `response` of Trigger OTP: the limits of this OTP challenge [J-TOTP]. Tagged String in
/// the docs, numbers in the sample: both are accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TriggerOtpResponse {
    /// "Maximum OTP that user can enter in the transaction" (`maxOTPVerificationAllowed`).
    pub max_otp_verification_allowed: u32,
    /// "Maximum OTP that can be triggered in the transaction" (`maxOTPRequestsAllowed`).
    pub max_otp_requests_allowed: u32,
    /// "Time after which the OTP gets expired" (`codeExpiration`). The unit is undocumented
    /// (API.md §9 q6); the sample's `5` reads as minutes. *Provisional.*
    pub code_expiration: Option<u32>,
}

impl FromJson for TriggerOtpResponse {
    fn from_json(node: Node<'_, '_>) -> Result<Self, serde_json::Error> {
        read_object!(node, Self {
            max_otp_verification_allowed: "maxOTPVerificationAllowed" => lenient::u32,
            max_otp_requests_allowed: "maxOTPRequestsAllowed" => lenient::u32,
            code_expiration: "codeExpiration" => lenient::opt_u32,
        })
    }
}

impl Endpoint for TriggerOtpRequest {
    type Response = TriggerOtpResponse;
    const PROVIDER: Provider = Provider::JuspayVat;
    const OPERATION: &'static str = "juspay_vat.trigger_otp";
    const METHOD: Method = Method::Post;
    const IDEMPOTENT: bool = false;

    fn path(&self) -> String {
        "/initiateVerification".to_owned()
    }

    fn body(&self) -> Body {
        Body::json(self)
    }

    fn decode_body(response: &HttpResponse) -> Result<Self::Response, crate::ApiError> {
        decode_json_at(Self::PROVIDER, Self::OPERATION, "response", response)
    }
}

// ---------------------------------------------------------------------------------------------
// POST /validateOtp
// ---------------------------------------------------------------------------------------------

/// `POST /validateOtp` — Validate OTP and bind the device [J-VOTP]. Consumes an attempt: not
/// idempotent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ValidateOtpRequest {
    token_reference: Id,
    #[serde(serialize_with = "crate::secret::expose")]
    otp_value: Otp,
    client_reference_id: Id,
    network_type: NetworkType,
    v_provisioned_token_id: Id,
}

impl ValidateOtpRequest {
    /// `otp_value` is what the cardholder typed: 4–8 digits. `networkType` is `VISA`, the only
    /// documented value.
    ///
    /// # Errors
    /// [`InvalidInput`] for an empty id or an OTP that is not 4–8 digits (`otpValue`).
    pub fn new(
        token_reference: &str,
        otp_value: impl Into<String>,
        client_reference_id: &str,
        v_provisioned_token_id: &str,
    ) -> Result<Self, InvalidInput> {
        Ok(Self {
            token_reference: Id::new("tokenReference", token_reference)?,
            otp_value: Otp::new("otpValue", otp_value)?,
            client_reference_id: Id::new("clientReferenceId", client_reference_id)?,
            network_type: NetworkType::Visa,
            v_provisioned_token_id: Id::new("vProvisionedTokenId", v_provisioned_token_id)?,
        })
    }
}

/// `{"status": "SUCCESS", "responseCode": null, "responseMessage": null}` [J-VOTP]. Any other
/// status is an [`ApiError`] instead, so this only confirms the binding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidateOtpResponse {
    /// `SUCCESS`.
    pub status: Option<String>,
}

impl FromJson for ValidateOtpResponse {
    fn from_json(node: Node<'_, '_>) -> Result<Self, serde_json::Error> {
        read_object!(node, Self {
            status: "status" => lenient::opt_string,
        })
    }
}

impl Endpoint for ValidateOtpRequest {
    type Response = ValidateOtpResponse;
    const PROVIDER: Provider = Provider::JuspayVat;
    const OPERATION: &'static str = "juspay_vat.validate_otp";
    const METHOD: Method = Method::Post;
    const IDEMPOTENT: bool = false;

    fn path(&self) -> String {
        "/validateOtp".to_owned()
    }

    fn body(&self) -> Body {
        Body::json(self)
    }

    /// A non-`SUCCESS` status on HTTP 200 is a refused OTP (no failure sample is documented,
    /// API.md §2.4): its recovery is [`Recovery::ReenterOtp`], as Visa's own client does on a
    /// validate error [VISA-AI].
    fn decode_body(response: &HttpResponse) -> Result<Self::Response, ApiError> {
        decode_json(Self::PROVIDER, Self::OPERATION, response).map_err(|mut error| {
            if error.category == ErrorCategory::Rejected {
                error.recovery = Recovery::ReenterOtp;
            }
            error
        })
    }
}

// ---------------------------------------------------------------------------------------------
// POST /enrollInAgenticService
// ---------------------------------------------------------------------------------------------

/// `userDetails` of the enrolment [J-ENROLL].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UserDetails {
    customer_id: Id,
    identity_type: IdentityType,
    country_code: String,
}

impl UserDetails {
    /// `country_code` is ISO 3166-1 alpha-2 (`US` in the sample).
    ///
    /// # Errors
    /// [`InvalidInput`] for `userDetails.customerId` or `userDetails.countryCode`.
    pub fn new(
        customer_id: &str,
        identity_type: IdentityType,
        country_code: &str,
    ) -> Result<Self, InvalidInput> {
        Ok(Self {
            customer_id: Id::new("userDetails.customerId", customer_id)?,
            identity_type,
            country_code: check_country_code("userDetails.countryCode", country_code)?,
        })
    }
}

/// `appDetails.deviceData` [J-ENROLL]: free text as the device reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeviceData {
    /// `Macintosh` in the sample.
    pub model: String,
    /// `Apple` in the sample.
    pub brand: String,
    /// `Apple` in the sample.
    pub manufacturer: String,
}

/// `appDetails` of the enrolment: "User agent and other device information" [J-ENROLL].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppDetails {
    user_agent: String,
    ip_address: String,
    device_data: DeviceData,
}

impl AppDetails {
    /// # Errors
    /// [`InvalidInput`] for an empty `appDetails.userAgent` or an `appDetails.ipAddress` that
    /// is not an IP address.
    pub fn new(
        user_agent: &str,
        ip_address: &str,
        device_data: DeviceData,
    ) -> Result<Self, InvalidInput> {
        crate::validate::non_empty("appDetails.userAgent", user_agent)?;
        Ok(Self {
            user_agent: user_agent.to_owned(),
            ip_address: check_ip_address("appDetails.ipAddress", ip_address)?,
            device_data,
        })
    }
}

/// `POST /enrollInAgenticService` — VIC Enroll Card [J-ENROLL]. Enrols the token with Visa:
/// not idempotent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EnrollInAgenticServiceRequest {
    client_reference_id: Id,
    v_provisioned_token_id: Id,
    user_details: UserDetails,
    app_details: AppDetails,
    app_name: String,
    network_type: NetworkType,
}

impl EnrollInAgenticServiceRequest {
    /// `app_name` is "optional": the sample sends `""`, which is what an empty string sends.
    /// `networkType` is `VISA`.
    ///
    /// # Errors
    /// [`InvalidInput`] for an empty `clientReferenceId` or `vProvisionedTokenId`.
    pub fn new(
        client_reference_id: &str,
        v_provisioned_token_id: &str,
        user_details: UserDetails,
        app_details: AppDetails,
        app_name: &str,
    ) -> Result<Self, InvalidInput> {
        Ok(Self {
            client_reference_id: Id::new("clientReferenceId", client_reference_id)?,
            v_provisioned_token_id: Id::new("vProvisionedTokenId", v_provisioned_token_id)?,
            user_details,
            app_details,
            app_name: app_name.to_owned(),
            network_type: NetworkType::Visa,
        })
    }
}

/// The enrolment result. *Provisional model*: the page lists only the example values
/// `SUCCESS`, `ACTIVE` and `1_1768897769_649_141_k8l73-7d75755c8q_IAMRB` without field names
/// [J-ENROLL]. `SUCCESS` is the envelope; the other two are read as a VIC `status` and a
/// reference id, named after the Visa / Cybersource enrol responses
/// (`{clientReferenceId|clientCorrelationId, status, pendingEvents[]}`, API.md §2.5, §6.9).
///
/// Lookup (first found): in `payload` / `response` / `data`, then at the top level without the
/// envelope's own `status`:
/// * `status`: `status`, `enrollmentStatus`;
/// * `reference_id`: `requestId`, `referenceId`, `enrollmentReferenceId`,
///   `clientCorrelationId`, `clientReferenceId`.
#[derive(Debug, Clone, PartialEq)]
pub struct EnrollInAgenticServiceResponse {
    /// The enrolment status, `ACTIVE` in the example.
    pub status: Option<VicStatus>,
    /// A request or enrolment reference id.
    pub reference_id: Option<String>,
    /// The whole body as received.
    pub raw: RawJson,
}

/// Any JSON: nothing is required.
impl FromJson for EnrollInAgenticServiceResponse {
    fn from_json(node: Node<'_, '_>) -> Result<Self, serde_json::Error> {
        Ok(Self::from_body(node.value().clone()))
    }
}

impl EnrollInAgenticServiceResponse {
    /// Reads the answer out of any JSON body (nothing required), keeping it as [`RawJson`].
    fn from_body(body: Value) -> Self {
        let found = Lookup::new(&body);
        let status = found
            .text(&["status", "enrollmentStatus"])
            .map(|s| VicStatus::parse(&s));
        let reference_id = found.text(&[
            "requestId",
            "referenceId",
            "enrollmentReferenceId",
            "clientCorrelationId",
            "clientReferenceId",
        ]);
        Self {
            status,
            reference_id,
            raw: RawJson::from(body),
        }
    }
}

impl Endpoint for EnrollInAgenticServiceRequest {
    type Response = EnrollInAgenticServiceResponse;
    const PROVIDER: Provider = Provider::JuspayVat;
    const OPERATION: &'static str = "juspay_vat.enroll_in_agentic_service";
    const METHOD: Method = Method::Post;
    const IDEMPOTENT: bool = false;

    fn path(&self) -> String {
        "/enrollInAgenticService".to_owned()
    }

    fn body(&self) -> Body {
        Body::json(self)
    }

    /// As [`decode_json`]: the model accepts any JSON, so the checked body is taken as it is,
    /// without reading it into a copy of itself first.
    fn decode_body(response: &HttpResponse) -> Result<Self::Response, ApiError> {
        crate::error::check_response(Self::PROVIDER, response)
            .map(EnrollInAgenticServiceResponse::from_body)
    }
}

// ---------------------------------------------------------------------------------------------
// POST /cards/setUpAgenticPaymentInstruction
// ---------------------------------------------------------------------------------------------

/// The passkey result from the Visa page's `AUTH_COMPLETE` (API.md §3.4), sent in
/// `verificationData`. *Provisional*: which fields carry it back to Juspay is not documented
/// (API.md §9 q2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PasskeyAssurance {
    verify_type: VerifyType,
    identifier: Id,
    #[serde(serialize_with = "crate::secret::expose")]
    fido_blob: FidoBlob,
    #[serde(skip_serializing_if = "Option::is_none")]
    dfp_session_id: Option<Id>,
}

impl PasskeyAssurance {
    /// `identifier` and `fido_blob` are `assuranceData.identifier` / `.fidoBlob` of
    /// `AUTH_COMPLETE`; `dfp_session_id` is `dfpSessionID` of `AUTH_SESSION_CREATED`. They
    /// are sent as `verificationData.{verifyType: FIDO, identifier, fidoBlob, dfpSessionId}`
    /// (*provisional* names: the Visa page's `fidoBlob`, VIC's `identifier` / `dfpSessionId`
    /// of `assuranceData[].methodResults`).
    ///
    /// # Errors
    /// [`InvalidInput`] for an empty `verificationData.identifier`,
    /// `verificationData.fidoBlob` or (when given) `verificationData.dfpSessionId`.
    pub fn new(
        identifier: &str,
        fido_blob: FidoBlob,
        dfp_session_id: Option<&str>,
    ) -> Result<Self, InvalidInput> {
        Ok(Self {
            verify_type: VerifyType::Fido,
            identifier: Id::new("verificationData.identifier", identifier)?,
            fido_blob: require_secret("verificationData.fidoBlob", fido_blob)?,
            dfp_session_id: dfp_session_id
                .map(|id| Id::new("verificationData.dfpSessionId", id))
                .transpose()?,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
struct DeclineThreshold {
    #[serde(serialize_with = "crate::validate::Amount::serialize_number")]
    amount: Amount,
    currency_code: CurrencyCode,
}

/// The spending limit of the instruction, one element of `mandates[]`. *Provisional*: shaped
/// after the VIC mandate `{declineThreshold{amount, currencyCode}, effectiveUntilTime, …}`
/// (API.md §6.9); Juspay describes the call only as "setup the limit of transaction" [J-SETUP].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Mandate {
    decline_threshold: DeclineThreshold,
    effective_until_time: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
}

impl Mandate {
    /// `amount` (decimal, sent as a JSON number as VAT does) and `currency` (ISO 4217) bound
    /// what the agent may spend; `effective_until_time` is when the instruction lapses, in
    /// unix seconds (VIC's epoch `effectiveUntilTime`).
    ///
    /// # Errors
    /// [`InvalidInput`] for `mandates.declineThreshold.amount`,
    /// `mandates.declineThreshold.currencyCode`, a zero `mandates.effectiveUntilTime` or an
    /// empty `mandates.description`.
    pub fn new(
        amount: &str,
        currency: &str,
        effective_until_time: u64,
        description: Option<&str>,
    ) -> Result<Self, InvalidInput> {
        let decline_threshold = DeclineThreshold {
            amount: Amount::parse("mandates.declineThreshold.amount", amount)?,
            currency_code: CurrencyCode::new("mandates.declineThreshold.currencyCode", currency)?,
        };
        if effective_until_time == 0 {
            return Err(InvalidInput::new(
                "mandates.effectiveUntilTime",
                Problem::NotPositive,
            ));
        }
        let description = match description {
            Some(text) => {
                crate::validate::non_empty("mandates.description", text)?;
                Some(text.to_owned())
            }
            None => None,
        };
        Ok(Self {
            decline_threshold,
            effective_until_time,
            description,
        })
    }
}

/// `POST /cards/setUpAgenticPaymentInstruction` — Setup Agentic Payment [J-SETUP]: "setup the
/// limit of transaction for a particular VIC token transaction", using the passkey assurance
/// data (J-INTRO purchase step 3). Creates an instruction: not idempotent.
///
/// Documented keys: `cardNetwork`, `clientReferenceId`, `vProvisionedTokenId`, `customerId`,
/// `verificationData.verifyType`; the page is truncated there. *Provisional* (after VIC
/// "initiate purchase instruction", API.md §4, §6.9): the rest of `verificationData`
/// ([`PasskeyAssurance`]) and `mandates[]` ([`Mandate`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SetupAgenticPaymentInstructionRequest {
    card_network: NetworkType,
    client_reference_id: Id,
    v_provisioned_token_id: Id,
    customer_id: Id,
    verification_data: PasskeyAssurance,
    mandates: Vec<Mandate>,
}

impl SetupAgenticPaymentInstructionRequest {
    /// `cardNetwork` is `VISA`.
    ///
    /// # Errors
    /// [`InvalidInput`] for an empty `clientReferenceId`, `vProvisionedTokenId` or
    /// `customerId`.
    pub fn new(
        client_reference_id: &str,
        v_provisioned_token_id: &str,
        customer_id: &str,
        verification_data: PasskeyAssurance,
        mandate: Mandate,
    ) -> Result<Self, InvalidInput> {
        Ok(Self {
            card_network: NetworkType::Visa,
            client_reference_id: Id::new("clientReferenceId", client_reference_id)?,
            v_provisioned_token_id: Id::new("vProvisionedTokenId", v_provisioned_token_id)?,
            customer_id: Id::new("customerId", customer_id)?,
            verification_data,
            mandates: vec![mandate],
        })
    }
}

/// The instruction result. *Provisional model* after the VIC initiate-instruction response
/// `{clientCorrelationId, status, instructionId}` (API.md §6.9); nothing of it is documented
/// by Juspay [J-SETUP].
///
/// Lookup as for [`EnrollInAgenticServiceResponse`]: `instruction_id` from `instructionId`,
/// `paymentInstructionId`; `status` from `status`, `instructionStatus`.
#[derive(Debug, Clone, PartialEq)]
pub struct SetupAgenticPaymentInstructionResponse {
    /// The VIC instruction id, if the answer has one.
    pub instruction_id: Option<String>,
    /// The instruction status (`ACTIVE`, `PENDING` …).
    pub status: Option<VicStatus>,
    /// The whole body as received.
    pub raw: RawJson,
}

/// Any JSON: nothing is required.
impl FromJson for SetupAgenticPaymentInstructionResponse {
    fn from_json(node: Node<'_, '_>) -> Result<Self, serde_json::Error> {
        Ok(Self::from_body(node.value().clone()))
    }
}

impl SetupAgenticPaymentInstructionResponse {
    /// Reads the answer out of any JSON body (nothing required), keeping it as [`RawJson`].
    fn from_body(body: Value) -> Self {
        let found = Lookup::new(&body);
        let instruction_id = found.text(&["instructionId", "paymentInstructionId"]);
        let status = found
            .text(&["status", "instructionStatus"])
            .map(|s| VicStatus::parse(&s));
        Self {
            instruction_id,
            status,
            raw: RawJson::from(body),
        }
    }
}

impl Endpoint for SetupAgenticPaymentInstructionRequest {
    type Response = SetupAgenticPaymentInstructionResponse;
    const PROVIDER: Provider = Provider::JuspayVat;
    const OPERATION: &'static str = "juspay_vat.setup_agentic_payment_instruction";
    const METHOD: Method = Method::Post;
    const IDEMPOTENT: bool = false;

    fn path(&self) -> String {
        "/cards/setUpAgenticPaymentInstruction".to_owned()
    }

    fn body(&self) -> Body {
        Body::json(self)
    }

    /// As [`decode_json`]: the model accepts any JSON, so the checked body is taken as it is,
    /// without reading it into a copy of itself first.
    fn decode_body(response: &HttpResponse) -> Result<Self::Response, ApiError> {
        crate::error::check_response(Self::PROVIDER, response)
            .map(SetupAgenticPaymentInstructionResponse::from_body)
    }
}

// ---------------------------------------------------------------------------------------------
// POST /cards/fetchAgenticTransactCreds
// ---------------------------------------------------------------------------------------------

/// `transactionDetails[].transactionAmount` [J-FETCH]. The sample writes `11.10`, `11.10`,
/// `0.00` unquoted: JSON numbers, sent as such (the trailing zero is not significant in JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TransactionAmount {
    #[serde(serialize_with = "crate::validate::Amount::serialize_number")]
    total_amount: Amount,
    #[serde(serialize_with = "crate::validate::Amount::serialize_number")]
    sub_total_amount: Amount,
    #[serde(serialize_with = "serialize_zero_or_amount")]
    tax: Option<Amount>,
    currency_code: CurrencyCode,
}

impl TransactionAmount {
    /// Decimals such as `11.10`; `tax` may be zero (`0.00`), the others must be positive.
    ///
    /// # Errors
    /// [`InvalidInput`] for `transactionDetails.transactionAmount.{totalAmount, subTotalAmount,
    /// tax, currencyCode}`.
    pub fn new(
        total_amount: &str,
        sub_total_amount: &str,
        tax: &str,
        currency_code: &str,
    ) -> Result<Self, InvalidInput> {
        Ok(Self {
            total_amount: Amount::parse(
                "transactionDetails.transactionAmount.totalAmount",
                total_amount,
            )?,
            sub_total_amount: Amount::parse(
                "transactionDetails.transactionAmount.subTotalAmount",
                sub_total_amount,
            )?,
            tax: zero_or_amount("transactionDetails.transactionAmount.tax", tax)?,
            currency_code: CurrencyCode::new(
                "transactionDetails.transactionAmount.currencyCode",
                currency_code,
            )?,
        })
    }
}

/// `transactionDetails[].shippingAddress`. *Provisional names*: the page is truncated after
/// `addLine1`, `city`, `stateAdd`, `post…` [J-FETCH]; `postalCode` completes the last one (the
/// VIC / Cybersource spelling), `countryCode` is the `US` that follows among the unnamed
/// examples (API.md §2.7).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ShippingAddress {
    /// `addLine1`: `123 Main St`.
    pub add_line1: String,
    /// `city`: `Greater Noida`.
    pub city: String,
    /// `stateAdd`: `Uttar Pradesh`.
    pub state_add: String,
    /// `postalCode` (*provisional*): `201310`.
    pub postal_code: String,
    /// `countryCode` (*provisional*): `US`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country_code: Option<String>,
}

/// One element of `transactionDetails[]` [J-FETCH].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TransactionDetail {
    transaction_id: Id,
    transaction_type: TransactionType,
    transaction_amount: TransactionAmount,
    order_id: Id,
    #[serde(skip_serializing_if = "Option::is_none")]
    shipping_address: Option<ShippingAddress>,
}

impl TransactionDetail {
    /// # Errors
    /// [`InvalidInput`] for an empty `transactionDetails.transactionId` or
    /// `transactionDetails.orderId`.
    pub fn new(
        transaction_id: &str,
        transaction_type: TransactionType,
        transaction_amount: TransactionAmount,
        order_id: &str,
    ) -> Result<Self, InvalidInput> {
        Ok(Self {
            transaction_id: Id::new("transactionDetails.transactionId", transaction_id)?,
            transaction_type,
            transaction_amount,
            order_id: Id::new("transactionDetails.orderId", order_id)?,
            shipping_address: None,
        })
    }

    /// Adds the (optional, *provisional*) shipping address.
    #[must_use]
    pub fn with_shipping_address(mut self, address: ShippingAddress) -> Self {
        self.shipping_address = Some(address);
        self
    }
}

/// `POST /cards/fetchAgenticTransactCreds` — Fetch VIC Payment Credentials [J-FETCH]: the
/// token and cryptogram the merchant order is paid with. Issues credentials: not idempotent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FetchPaymentCredentialsRequest {
    network_type: NetworkType,
    v_provisioned_token_id: Id,
    client_reference_id: Id,
    nw_transaction_id: Id,
    transaction_details: Vec<TransactionDetail>,
}

impl FetchPaymentCredentialsRequest {
    /// `networkType` is `VISA`; `nw_transaction_id` is the "Unique transaction id to identify
    /// the transaction".
    ///
    /// # Errors
    /// [`InvalidInput`] for an empty id or an empty `transactionDetails`.
    pub fn new(
        v_provisioned_token_id: &str,
        client_reference_id: &str,
        nw_transaction_id: &str,
        transaction_details: Vec<TransactionDetail>,
    ) -> Result<Self, InvalidInput> {
        if transaction_details.is_empty() {
            return Err(InvalidInput::new("transactionDetails", Problem::Empty));
        }
        Ok(Self {
            network_type: NetworkType::Visa,
            v_provisioned_token_id: Id::new("vProvisionedTokenId", v_provisioned_token_id)?,
            client_reference_id: Id::new("clientReferenceId", client_reference_id)?,
            nw_transaction_id: Id::new("nwTransactionId", nw_transaction_id)?,
            transaction_details,
        })
    }
}

open_enum! {
    /// The kind of cryptogram fetched (`dynamicDataType`). `DTVV` is the only Juspay example
    /// [J-FETCH]; `TAVV` is the other Visa token cryptogram.
    pub enum DynamicDataType {
        /// Dynamic token verification value.
        Dtvv = "DTVV",
        /// Token authentication verification value.
        Tavv = "TAVV",
    }
}

/// The payment credentials. *Provisional model*: Juspay lists only the values `SUCCESS`,
/// `12344`, `03`, `2023`, `DTVV`, `123`, `transac-ref-id`, `SUCCESS` [J-FETCH]; they are read
/// as token number, expiry month and year, cryptogram type and value, a transaction reference
/// and a status, under the Visa VTS / VIC names (`expirationDate{month, year}`,
/// `dynamicData[]{dynamicDataType, dynamicDataValue}`, API.md §4) plus obvious variants.
///
/// Lookup (first found, depth-first in `payload` / `response` / `data`, then the top level
/// without the envelope's `status`):
/// * `token_number`: `tokenNumber`, `token`, `paymentToken`;
/// * `expiry_month`: `expirationMonth`, `expiryMonth`, `tokenExpiryMonth`, `month`;
/// * `expiry_year`: `expirationYear`, `expiryYear`, `tokenExpiryYear`, `year`;
/// * `dynamic_data_type`: `dynamicDataType`, `cryptogramType`;
/// * `cryptogram`: `dynamicDataValue`, `cryptogram`;
/// * `transaction_reference`: `transactionReferenceId`, `transactionRefId`,
///   `transactionReference`, `transactionId`;
/// * `status`: `status`, `transactionStatus`.
///
/// Credentials and expiry are secrets; `raw` (redacted in `Debug`) holds them too.
#[derive(Debug, Clone, PartialEq)]
pub struct FetchPaymentCredentialsResponse {
    /// The network token number (`12344` in the example).
    pub token_number: Option<TokenNumber>,
    /// Token expiry month (`03`).
    pub expiry_month: Option<ExpiryMonth>,
    /// Token expiry year (`2023`: four digits here, unlike the card APIs' `YY`).
    pub expiry_year: Option<ExpiryYear>,
    /// The cryptogram kind (`DTVV`).
    pub dynamic_data_type: Option<DynamicDataType>,
    /// The cryptogram value (`123`).
    pub cryptogram: Option<Cryptogram>,
    /// A transaction reference (`transac-ref-id`).
    pub transaction_reference: Option<String>,
    /// The result status (`SUCCESS`).
    pub status: Option<VicStatus>,
    /// The whole body as received.
    pub raw: RawJson,
}

/// Any JSON: nothing is required.
impl FromJson for FetchPaymentCredentialsResponse {
    fn from_json(node: Node<'_, '_>) -> Result<Self, serde_json::Error> {
        Ok(Self::from_body(node.value().clone()))
    }
}

/// Kept for the FFI, which reads finished credentials back from the host's resume secrets
/// (`secrets_json.credentials`) with serde, straight from the parsed argument (no second copy
/// of the secrets to zero). The response decoder uses [`FromJson`].
impl<'de> Deserialize<'de> for FetchPaymentCredentialsResponse {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Value::deserialize(deserializer).map(Self::from_body)
    }
}

impl FetchPaymentCredentialsResponse {
    /// Reads the credentials out of any JSON body (every field is looked up, none required), and
    /// keeps the body as [`RawJson`].
    fn from_body(body: Value) -> Self {
        let found = Lookup::new(&body);
        Self {
            token_number: found
                .text(&["tokenNumber", "token", "paymentToken"])
                .map(TokenNumber::from_unchecked),
            expiry_month: found
                .text(&[
                    "expirationMonth",
                    "expiryMonth",
                    "tokenExpiryMonth",
                    "month",
                ])
                .map(ExpiryMonth::from_unchecked),
            expiry_year: found
                .text(&["expirationYear", "expiryYear", "tokenExpiryYear", "year"])
                .map(ExpiryYear::from_unchecked),
            dynamic_data_type: found
                .text(&["dynamicDataType", "cryptogramType"])
                .map(|s| DynamicDataType::parse(&s)),
            cryptogram: found
                .text(&["dynamicDataValue", "cryptogram"])
                .map(Cryptogram::from_unchecked),
            transaction_reference: found.text(&[
                "transactionReferenceId",
                "transactionRefId",
                "transactionReference",
                "transactionId",
            ]),
            status: found
                .text(&["status", "transactionStatus"])
                .map(|s| VicStatus::parse(&s)),
            raw: RawJson::from(body),
        }
    }
}

impl Endpoint for FetchPaymentCredentialsRequest {
    type Response = FetchPaymentCredentialsResponse;
    const PROVIDER: Provider = Provider::JuspayVat;
    const OPERATION: &'static str = "juspay_vat.fetch_payment_credentials";
    const METHOD: Method = Method::Post;
    const IDEMPOTENT: bool = false;

    fn path(&self) -> String {
        "/cards/fetchAgenticTransactCreds".to_owned()
    }

    fn body(&self) -> Body {
        Body::json(self)
    }

    /// As [`decode_json`]: the model accepts any JSON, so the checked body is taken as it is,
    /// without reading it into a copy of itself first.
    fn decode_body(response: &HttpResponse) -> Result<Self::Response, ApiError> {
        crate::error::check_response(Self::PROVIDER, response)
            .map(FetchPaymentCredentialsResponse::from_body)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::{
        DeviceBindingStatus, ProvisionTokenPasskeyResponse, StepUpResponse, TriggerOtpResponse,
    };
    use crate::json_path::read;

    #[test]
    fn hand_readers_keep_the_lenient_rules_and_name_absent_fields() {
        let limits: TriggerOtpResponse = read(&json!({"maxOTPVerificationAllowed": " 3",
            "maxOTPRequestsAllowed": 2, "codeExpiration": ""}))
        .expect("counts as text or numbers");
        assert_eq!(
            limits,
            TriggerOtpResponse {
                max_otp_verification_allowed: 3,
                max_otp_requests_allowed: 2,
                code_expiration: None,
            }
        );
        let missing =
            read::<TriggerOtpResponse>(&json!({"maxOTPRequestsAllowed": 2})).expect_err("required");
        assert_eq!(missing.path.as_str(), "maxOTPVerificationAllowed");

        for options in [json!({}), json!({"availableStepUpMethod": null})] {
            let mut step_up = options;
            step_up["deviceBindingStatus"] = json!("CHALLENGED");
            let parsed: StepUpResponse = read(&step_up).expect("no options");
            assert!(parsed.available_step_up_method.is_empty());
            assert_eq!(
                parsed.device_binding_status,
                DeviceBindingStatus::Challenged
            );
        }
        let missing = read::<ProvisionTokenPasskeyResponse>(&json!({
            "stepUpResponse": {"availableStepUpMethod": []}, "vProvisionedTokenId": "v"}))
        .expect_err("required");
        assert_eq!(missing.path.as_str(), "stepUpResponse.deviceBindingStatus");

        let ceremony: ProvisionTokenPasskeyResponse = read(&json!({
            "actionToBePerformed": "REGISTER", "payload": "a.b.c", "identifier": 7,
            "endpoint": "e", "vProvisionedTokenId": "  "}))
        .expect("ceremony");
        let ProvisionTokenPasskeyResponse::PasskeyCeremony {
            identifier,
            v_provisioned_token_id,
            ..
        } = ceremony
        else {
            panic!("expected a ceremony");
        };
        assert_eq!(identifier, "7");
        assert_eq!(v_provisioned_token_id, None);
    }
}
