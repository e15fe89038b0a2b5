//! What it takes to start each journey, as plain data ([`EnrollmentStart`], [`PurchaseStart`],
//! [`DirectOtpStart`], [`VisaPasskeyStart`]: public values only, deserialisable from JSON) plus
//! the card secrets apart ([`CardFields`], [`SavedCard`]), and the builders that validate them
//! into a running [`Session`].
//!
//! Every refused value is an [`AgenticError::InvalidInput`] naming the field by the name the
//! provider gives it (`customerId`, `amount.total`, `card_number`, `page_origin` …).

use agentic_core::journey::direct_otp::{
    self, CardSecrets, DirectOtpParams, DirectOtpSecrets, NewOrder,
};
use agentic_core::journey::enrollment::{
    self, EnrollmentDetails, EnrollmentParams, EnrollmentSecrets,
};
use agentic_core::journey::purchase::{
    self, InstructionLimit, PurchaseParams, PurchaseTransaction,
};
use agentic_core::journey::visa_acceptance::{self as va, VisaAcceptancePasskeyParams};
use agentic_core::journey::{Journey, ReferenceId, UnixMillis};
use agentic_core::juspay_ec::PaymentMethod;
use agentic_core::juspay_vat::{CardTokenizeRequest, IdentityType, ShippingAddress};
use agentic_core::secret::{
    CardNumber, CardSecurityCode, CardToken, ExpiryMonth, ExpiryYear, FidoBlob, IssuerAuthCode,
    Otp, SecureToken, VisaPayload,
};
use agentic_core::validate::{InvalidInput, Problem};
use agentic_core::visa_acceptance::{AmountDetails, MerchantDescriptor};
use agentic_core::visa_page::{PlatformType, VisaPageOrigin};
use serde::{Deserialize, Deserializer};
use zeroize::Zeroizing;

use super::{AnyJourney, Backend, Session};
use crate::error::AgenticError;

// ---------------------------------------------------------------------------------------------
// Secrets from the app
// ---------------------------------------------------------------------------------------------

/// A secret text the app passed in: zeroized on drop, redacted in `Debug`, validated into the
/// core's secret types with the field name the journey uses.
#[derive(Clone)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    /// Wraps a value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(Zeroizing::new(value.into()))
    }

    /// The text, for the code that validates it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// As a Visa `secureToken`.
    ///
    /// # Errors
    /// [`AgenticError::InvalidInput`] for `secureToken` when empty.
    pub fn secure_token(&self) -> Result<SecureToken, AgenticError> {
        Ok(SecureToken::new("secureToken", self.expose())?)
    }

    /// As the Visa `payload` JWT.
    ///
    /// # Errors
    /// [`AgenticError::InvalidInput`] for `payload` when empty.
    pub fn visa_payload(&self) -> Result<VisaPayload, AgenticError> {
        Ok(VisaPayload::new("payload", self.expose())?)
    }

    /// As a `fidoBlob`.
    ///
    /// # Errors
    /// [`AgenticError::InvalidInput`] for `fidoBlob` when empty.
    pub fn fido_blob(&self) -> Result<FidoBlob, AgenticError> {
        Ok(FidoBlob::new("fidoBlob", self.expose())?)
    }

    /// As an OTP (4–8 digits).
    ///
    /// # Errors
    /// [`AgenticError::InvalidInput`] for `otp`.
    pub fn otp(&self) -> Result<Otp, AgenticError> {
        Ok(Otp::new("otp", self.expose())?)
    }

    /// As the issuer app's code.
    ///
    /// # Errors
    /// [`AgenticError::InvalidInput`] for `issuerAuthCode` when empty.
    pub fn issuer_auth_code(&self) -> Result<IssuerAuthCode, AgenticError> {
        Ok(IssuerAuthCode::new("issuerAuthCode", self.expose())?)
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Self::new)
    }
}

/// Card details typed by the user. Validated when used: `card_number` (Luhn),
/// `card_exp_month` (`MM`), `card_exp_year` (`YY`), `card_security_code` (3–4 digits).
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CardFields {
    /// The PAN.
    pub number: Secret,
    /// `MM`.
    pub exp_month: Secret,
    /// `YY`.
    pub exp_year: Secret,
    /// The CVV.
    pub security_code: Secret,
    /// The name on the card (enrollment's tokenize call; optional).
    #[serde(default)]
    pub name_on_card: Option<String>,
}

impl std::fmt::Debug for CardFields {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CardFields(<redacted>)")
    }
}

impl CardFields {
    pub(crate) fn tokenize_request(
        &self,
        merchant_id: &str,
    ) -> Result<CardTokenizeRequest, AgenticError> {
        Ok(CardTokenizeRequest::new(
            merchant_id,
            self.number.expose(),
            self.exp_month.expose(),
            self.exp_year.expose(),
            self.security_code.expose(),
            self.name_on_card.as_deref(),
        )?)
    }

    pub(crate) fn card_secrets(&self) -> Result<CardSecrets, AgenticError> {
        Ok(CardSecrets::New {
            number: CardNumber::new("card_number", self.number.expose())?,
            exp_month: ExpiryMonth::new("card_exp_month", self.exp_month.expose())?,
            exp_year: ExpiryYear::new("card_exp_year", self.exp_year.expose())?,
            security_code: CardSecurityCode::new(
                "card_security_code",
                self.security_code.expose(),
            )?,
        })
    }
}

/// A Juspay card token (`ctkn_…`), with the CVV when the token needs one (Direct OTP with a
/// `/card/list` token).
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SavedCard {
    /// The token.
    pub token: Secret,
    /// The CVV, when the token needs it.
    #[serde(default)]
    pub security_code: Option<Secret>,
}

impl std::fmt::Debug for SavedCard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SavedCard(<redacted>)")
    }
}

impl SavedCard {
    pub(crate) fn token(&self) -> Result<CardToken, AgenticError> {
        Ok(CardToken::new("card_token", self.token.expose())?)
    }

    pub(crate) fn card_secrets(&self) -> Result<CardSecrets, AgenticError> {
        Ok(CardSecrets::Saved {
            token: self.token()?,
            security_code: self
                .security_code
                .as_ref()
                .map(|cvv| CardSecurityCode::new("card_security_code", cvv.expose()))
                .transpose()?,
        })
    }
}

/// The card a journey pays with or enrolls.
#[derive(Debug, Clone)]
pub enum CardSource {
    /// Card details typed by the user.
    Details(CardFields),
    /// A Juspay card token.
    Saved(SavedCard),
}

// ---------------------------------------------------------------------------------------------
// Shared pieces
// ---------------------------------------------------------------------------------------------

pub(crate) fn juspay_missing() -> AgenticError {
    AgenticError::Configuration {
        detail: "`juspay` is not configured, but this journey calls Juspay".to_owned(),
    }
}

fn visa_acceptance_missing() -> AgenticError {
    AgenticError::Configuration {
        detail: "`visa_acceptance` is not configured, but this journey calls Visa Acceptance"
            .to_owned(),
    }
}

fn juspay_merchant_id(backend: &Backend) -> Result<&str, AgenticError> {
    backend
        .config()
        .juspay
        .as_ref()
        .map(|j| j.merchant_id.as_str())
        .ok_or_else(juspay_missing)
}

/// The Visa page origin: `sandbox`, `production`, or an origin (`https://host[:port]`; `http`
/// only on loopback).
///
/// # Errors
/// [`InvalidInput`] for `page_origin`.
pub fn page_origin(text: &str) -> Result<VisaPageOrigin, InvalidInput> {
    match text.trim() {
        "sandbox" => Ok(VisaPageOrigin::sandbox()),
        "production" => Ok(VisaPageOrigin::production()),
        other => {
            VisaPageOrigin::custom(other).map_err(|e| InvalidInput::new("page_origin", e.problem))
        }
    }
}

/// The app's reference id, or a fresh random one.
fn reference_id(given: Option<&str>) -> Result<ReferenceId, AgenticError> {
    match given {
        Some(id) => Ok(ReferenceId::new("reference_id", id)?),
        None => Ok(ReferenceId::from_entropy(random_bytes()?)),
    }
}

fn random_bytes<const N: usize>() -> Result<[u8; N], AgenticError> {
    let mut bytes = [0_u8; N];
    getrandom::fill(&mut bytes).map_err(|e| AgenticError::Internal {
        detail: format!("no randomness from the operating system: {e}"),
    })?;
    Ok(bytes)
}

fn web() -> PlatformType {
    PlatformType::Web
}

fn email_address() -> IdentityType {
    IdentityType::EmailAddress
}

// ---------------------------------------------------------------------------------------------
// Enrollment
// ---------------------------------------------------------------------------------------------

/// Card enrollment (Juspay VAT): who, which device, the amount that triggered it, and where the
/// Visa page runs.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnrollmentStart {
    /// `customerId` at the agent.
    pub customer_id: String,
    /// `EMAIL_ADDRESS` (default) or `MOBILE_PHONE_NUMBER`.
    #[serde(default = "email_address")]
    pub identity_type: IdentityType,
    /// ISO 3166-1 alpha-2 (`US`).
    pub country_code: String,
    /// The device's user agent.
    pub user_agent: String,
    /// The device's IP address.
    pub ip_address: String,
    /// Device model (`Pixel 8`).
    pub device_model: String,
    /// Device brand.
    pub device_brand: String,
    /// Device manufacturer.
    pub device_manufacturer: String,
    /// The app's name (may be empty).
    #[serde(default)]
    pub app_name: String,
    /// Amount of the purchase that triggered the enrollment (`92.65`).
    pub amount: String,
    /// ISO 4217 (`SGD`).
    pub currency: String,
    /// `WEB` (default) or `MOBILE_WEB`.
    #[serde(default = "web")]
    pub platform_type: PlatformType,
    /// Where the Visa page runs: `sandbox`, `production` or an origin.
    pub page_origin: String,
    /// The journey's `clientReferenceId`; a random one when absent.
    #[serde(default)]
    pub reference_id: Option<String>,
}

/// Starts an enrollment of `card` (details are tokenized first; a card token is used as is).
///
/// # Errors
/// [`AgenticError::InvalidInput`] naming the field; [`AgenticError::Configuration`] when
/// Juspay is not configured.
pub fn enrollment(
    backend: &Backend,
    params: EnrollmentStart,
    card: CardSource,
) -> Result<Session, AgenticError> {
    let merchant_id = juspay_merchant_id(backend)?;
    let details = EnrollmentDetails {
        customer_id: params.customer_id,
        identity_type: params.identity_type,
        country_code: params.country_code,
        user_agent: params.user_agent,
        ip_address: params.ip_address,
        device_model: params.device_model,
        device_brand: params.device_brand,
        device_manufacturer: params.device_manufacturer,
        app_name: params.app_name,
        amount: params.amount,
        currency: params.currency,
        platform_type: params.platform_type,
        page_origin: page_origin(&params.page_origin)?,
    };
    let secrets = match card {
        CardSource::Details(card) => {
            EnrollmentSecrets::default().with_card_details(card.tokenize_request(merchant_id)?)
        }
        CardSource::Saved(saved) => EnrollmentSecrets::default().with_card_token(saved.token()?),
    };
    let journey = enrollment::start(
        EnrollmentParams::new(details)?,
        reference_id(params.reference_id.as_deref())?,
        secrets,
    )?;
    Ok(Session::new(
        backend.clone(),
        AnyJourney::Enrollment(Box::new(journey)),
    ))
}

// ---------------------------------------------------------------------------------------------
// Purchase
// ---------------------------------------------------------------------------------------------

/// `transactionDetails[].shippingAddress` (*provisional* names after `stateAdd`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Address {
    /// `addLine1`.
    pub line1: String,
    /// `city`.
    pub city: String,
    /// `stateAdd`.
    pub state: String,
    /// `postalCode`.
    pub postal_code: String,
    /// `countryCode`.
    #[serde(default)]
    pub country_code: Option<String>,
}

/// Agentic purchase (Juspay VAT) with the token an enrollment provisioned.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PurchaseStart {
    /// `customerId`, as at enrollment.
    pub customer_id: String,
    /// The enrolled token (`Enrolled.v_provisioned_token_id`).
    pub v_provisioned_token_id: String,
    /// The purchase amount (`92.65`).
    pub amount: String,
    /// ISO 4217 (`SGD`).
    pub currency: String,
    /// When the payment instruction lapses (Unix milliseconds).
    pub instruction_expires_at_ms: UnixMillis,
    /// The instruction's spending limit (at least the amount); the amount when absent.
    #[serde(default)]
    pub instruction_limit: Option<String>,
    /// The instruction's description.
    #[serde(default)]
    pub instruction_description: Option<String>,
    /// The merchant's order id.
    pub order_id: String,
    /// The merchant's transaction id; derived from the reference id when absent.
    #[serde(default)]
    pub transaction_id: Option<String>,
    /// `nwTransactionId`; derived from the reference id when absent.
    #[serde(default)]
    pub nw_transaction_id: Option<String>,
    /// `subTotalAmount`; the amount when absent.
    #[serde(default)]
    pub sub_total: Option<String>,
    /// `tax`; zero when absent.
    #[serde(default)]
    pub tax: Option<String>,
    /// The shipping address.
    #[serde(default)]
    pub shipping_address: Option<Address>,
    /// Prefer the Visa page in a popup (the page may require one anyway).
    #[serde(default)]
    pub popup_preference: bool,
    /// `WEB` (default) or `MOBILE_WEB`.
    #[serde(default = "web")]
    pub platform_type: PlatformType,
    /// Where the Visa page runs: `sandbox`, `production` or an origin.
    pub page_origin: String,
    /// The journey's `clientReferenceId`; a random one when absent.
    #[serde(default)]
    pub reference_id: Option<String>,
}

/// Starts a purchase.
///
/// # Errors
/// [`AgenticError::InvalidInput`] naming the field; [`AgenticError::Configuration`] when
/// Juspay is not configured.
pub fn purchase(backend: &Backend, params: PurchaseStart) -> Result<Session, AgenticError> {
    juspay_merchant_id(backend)?;
    let mut instruction = InstructionLimit::new(params.instruction_expires_at_ms)?;
    if let Some(limit) = &params.instruction_limit {
        instruction = instruction.with_limit(limit)?;
    }
    if let Some(description) = &params.instruction_description {
        instruction = instruction.with_description(description)?;
    }
    let mut transaction = PurchaseTransaction::new(&params.order_id)?;
    if let Some(id) = &params.transaction_id {
        transaction = transaction.with_transaction_id(id)?;
    }
    if let Some(id) = &params.nw_transaction_id {
        transaction = transaction.with_nw_transaction_id(id)?;
    }
    if params.sub_total.is_some() || params.tax.is_some() {
        transaction = transaction.with_breakdown(
            params.sub_total.as_deref().unwrap_or(&params.amount),
            params.tax.as_deref().unwrap_or("0"),
        )?;
    }
    if let Some(address) = params.shipping_address {
        transaction = transaction.with_shipping_address(ShippingAddress {
            add_line1: address.line1,
            city: address.city,
            state_add: address.state,
            postal_code: address.postal_code,
            country_code: address.country_code,
        });
    }
    let core_params = PurchaseParams::new(
        &params.customer_id,
        &params.v_provisioned_token_id,
        &params.amount,
        &params.currency,
        instruction,
        transaction,
        page_origin(&params.page_origin)?,
    )?
    .with_popup_preference(params.popup_preference)
    .with_platform(params.platform_type);
    let journey = purchase::start(core_params, reference_id(params.reference_id.as_deref())?)?;
    Ok(Session::new(
        backend.clone(),
        AnyJourney::Purchase(Box::new(journey)),
    ))
}

// ---------------------------------------------------------------------------------------------
// Direct OTP
// ---------------------------------------------------------------------------------------------

/// The order a Direct OTP journey creates first (`POST /orders`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewOrderStart {
    /// The amount (`100.00`).
    pub amount: String,
    /// ISO 4217 (`INR`).
    #[serde(default)]
    pub currency: Option<String>,
    /// The customer's id at the merchant.
    #[serde(default)]
    pub customer_id: Option<String>,
    /// The customer's email.
    #[serde(default)]
    pub customer_email: Option<String>,
    /// The customer's phone.
    #[serde(default)]
    pub customer_phone: Option<String>,
    /// Where the 3-D Secure page returns.
    #[serde(default)]
    pub return_url: Option<String>,
}

/// A Direct OTP card payment (Juspay EC). The merchant id is the client's Juspay one.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DirectOtpStart {
    /// The order to pay (alphanumeric, under 21 characters); a random one when absent. It is
    /// the journey's reference id: every call and retry uses it.
    #[serde(default)]
    pub order_id: Option<String>,
    /// Create the order first with these details; absent when the app created it.
    #[serde(default)]
    pub new_order: Option<NewOrderStart>,
    /// Check this card BIN (6–9 digits) for Direct OTP support first; absent skips the check.
    #[serde(default)]
    pub card_bin: Option<String>,
    /// `VISA`, `MASTERCARD` …
    #[serde(default)]
    pub payment_method: Option<String>,
    /// Save the card at Juspay.
    #[serde(default)]
    pub save_to_locker: bool,
    /// `false`: authorise only (the payment ends `AUTHORIZED`).
    #[serde(default)]
    pub auto_capture: Option<bool>,
}

/// Starts a Direct OTP payment with `card`.
///
/// # Errors
/// [`AgenticError::InvalidInput`] naming the field; [`AgenticError::Configuration`] when
/// Juspay or its routing id (required by Juspay EC) is not configured.
pub fn direct_otp(
    backend: &Backend,
    params: DirectOtpStart,
    card: CardSource,
) -> Result<Session, AgenticError> {
    let merchant_id = juspay_merchant_id(backend)?;
    if backend
        .config()
        .juspay
        .as_ref()
        .is_none_or(|j| j.routing_id.is_none())
    {
        return Err(AgenticError::Configuration {
            detail: "`juspay.routing_id` is required for Direct OTP (Juspay EC) calls".to_owned(),
        });
    }
    let order_id = match params.order_id {
        Some(id) => id,
        None => direct_otp::order_id_from_entropy(random_bytes()?),
    };
    let new_order = match params.new_order {
        Some(order) => Some(NewOrder::new(&order.amount)?.with(
            order.currency.as_deref(),
            order.customer_id.as_deref(),
            order.customer_email.as_deref(),
            order.customer_phone.as_deref(),
            order.return_url.as_deref(),
        )?),
        None => None,
    };
    let mut core_params = DirectOtpParams::new(merchant_id, &order_id, new_order)?;
    if let Some(bin) = &params.card_bin {
        core_params = core_params.check_bin(bin)?;
    }
    let payment_method = match params.payment_method.as_deref().map(str::trim) {
        Some("") => return Err(InvalidInput::new("payment_method", Problem::Empty).into()),
        other => other.map(PaymentMethod::parse),
    };
    core_params =
        core_params.with_options(payment_method, params.save_to_locker, params.auto_capture);
    let card = match card {
        CardSource::Details(card) => card.card_secrets()?,
        CardSource::Saved(saved) => saved.card_secrets()?,
    };
    let journey = direct_otp::start(
        core_params,
        DirectOtpSecrets {
            card: Some(card),
            otp: None,
        },
    )?;
    Ok(Session::new(
        backend.clone(),
        AnyJourney::DirectOtp(Box::new(journey)),
    ))
}

// ---------------------------------------------------------------------------------------------
// Visa Acceptance passkey
// ---------------------------------------------------------------------------------------------

/// The tokenized-card passkey journey (Visa Acceptance).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VisaPasskeyStart {
    /// The tokenized card's id.
    pub token_id: String,
    /// The amount (`25.00`).
    pub amount: String,
    /// ISO 4217, alphabetic or numeric (`USD`, `840`).
    pub currency: String,
    /// The merchant's name, as shown to the cardholder.
    pub merchant_name: String,
    /// The merchant's web address.
    pub merchant_url: String,
    /// `en-US`.
    pub buyer_language: String,
    /// The cardholder's email (billing).
    pub email: String,
    /// The cardholder's phone (billing).
    #[serde(default)]
    pub phone_number: Option<String>,
    /// `WEB` (default) or `MOBILE_WEB`.
    #[serde(default = "web")]
    pub platform_type: PlatformType,
    /// Where the Visa page runs: `sandbox`, `production` or an origin.
    pub page_origin: String,
    /// The journey's `clientCorrelationId`; a random one when absent.
    #[serde(default)]
    pub reference_id: Option<String>,
}

/// Starts the Visa Acceptance passkey journey.
///
/// # Errors
/// [`AgenticError::InvalidInput`] naming the field; [`AgenticError::Configuration`] when Visa
/// Acceptance is not configured.
pub fn visa_passkey(backend: &Backend, params: VisaPasskeyStart) -> Result<Session, AgenticError> {
    if backend.config().visa_acceptance.is_none() {
        return Err(visa_acceptance_missing());
    }
    let core_params = VisaAcceptancePasskeyParams::new(
        &params.token_id,
        AmountDetails::new(&params.amount, &params.currency)?,
        MerchantDescriptor::new(&params.merchant_name, &params.merchant_url)?,
        &params.buyer_language,
        &params.email,
        params.phone_number.as_deref(),
        page_origin(&params.page_origin)?,
    )?
    .with_platform_type(params.platform_type);
    let journey: Journey<_> = va::start(core_params, reference_id(params.reference_id.as_deref())?);
    Ok(Session::new(
        backend.clone(),
        AnyJourney::VisaPasskey(Box::new(journey)),
    ))
}
