//! [`AgenticClient`]: settings, credentials and transport, and the constructors of every journey.

use std::sync::Arc;

use agentic_core::juspay_vat::IdentityType as CoreIdentityType;
use agentic_core::visa_page::PlatformType as CorePlatformType;

use super::FIELD_SEPARATOR;
use super::session::JourneySession;
use super::transport::{ForeignTransport, HttpTransport};
use super::views::{JourneyKind, PasskeyAssurance, PaymentCredentials};
use crate::engine::settings::{
    DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_OVERALL_TIMEOUT_MS, DEFAULT_READ_TIMEOUT_MS,
};
use crate::engine::start::{
    self, Address, CardSource, DirectOtpStart, EnrollmentStart, NewOrderStart, PurchaseStart,
    VisaPasskeyStart,
};
use crate::engine::{
    self, Backend, Credentials, JourneyKind as EngineKind, ResumeSecrets, SavedCard, Secret,
    Session,
};
use crate::error::AgenticError;
use crate::panic::guard;

// The literal defaults below must match the engine's.
const _: () = assert!(
    DEFAULT_CONNECT_TIMEOUT_MS == 10_000
        && DEFAULT_READ_TIMEOUT_MS == 30_000
        && DEFAULT_OVERALL_TIMEOUT_MS == 45_000
);

/// Which providers the client talks to, where, and the timeouts. Credentials are not here:
/// they are arguments of the client's constructor.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ClientSettings {
    /// Juspay (enrollment, purchase, Direct OTP).
    #[uniffi(default = None)]
    pub juspay: Option<JuspaySettings>,
    /// Visa Acceptance (Visa passkey).
    #[uniffi(default = None)]
    pub visa_acceptance: Option<VisaAcceptanceSettings>,
    /// TCP connect plus TLS handshake, in milliseconds.
    #[uniffi(default = 10000)]
    pub connect_timeout_ms: u64,
    /// Waiting for the response once the request is written, in milliseconds.
    #[uniffi(default = 30000)]
    pub read_timeout_ms: u64,
    /// The whole request, in milliseconds.
    #[uniffi(default = 45000)]
    pub overall_timeout_ms: u64,
}

/// The Juspay section of [`ClientSettings`].
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct JuspaySettings {
    /// `sandbox`, `production`, or a base URL (`https://…`; `http://` only on loopback).
    pub environment: String,
    /// Sent as `x-merchantid`.
    pub merchant_id: String,
    /// Sent as `x-routing-id` on Direct OTP calls, where it is required: the customer id, the
    /// same for every call of one customer.
    #[uniffi(default = None)]
    pub routing_id: Option<String>,
}

/// The Visa Acceptance section of [`ClientSettings`].
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct VisaAcceptanceSettings {
    /// `sandbox` (or `test`), `production`, or a base URL.
    pub environment: String,
    /// Sent and signed as `v-c-merchant-id`.
    pub merchant_id: String,
    /// The HTTP Signature key id (from the Business Center).
    pub key_id: String,
}

/// How the customer is identified at enrollment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum IdentityType {
    /// By email address.
    EmailAddress,
    /// By mobile phone number.
    MobilePhoneNumber,
}

/// Where the Visa page's ceremony runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum PlatformType {
    /// A desktop browser.
    Web,
    /// A mobile browser or web view.
    MobileWeb,
}

impl From<IdentityType> for CoreIdentityType {
    fn from(value: IdentityType) -> Self {
        match value {
            IdentityType::EmailAddress => Self::EmailAddress,
            IdentityType::MobilePhoneNumber => Self::MobilePhoneNumber,
        }
    }
}

impl From<PlatformType> for CorePlatformType {
    fn from(value: PlatformType) -> Self {
        match value {
            PlatformType::Web => Self::Web,
            PlatformType::MobileWeb => Self::MobileWeb,
        }
    }
}

/// Card enrollment (Juspay VAT): who, which device, the amount that triggered it, and where the
/// Visa page runs. The card is passed apart.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct EnrollmentParams {
    /// `customerId` at the agent.
    pub customer_id: String,
    /// ISO 3166-1 alpha-2 (`US`).
    pub country_code: String,
    /// The device's user agent.
    pub user_agent: String,
    /// The device's IP address.
    pub ip_address: String,
    /// Device model.
    pub device_model: String,
    /// Device brand.
    pub device_brand: String,
    /// Device manufacturer.
    pub device_manufacturer: String,
    /// The amount of the purchase that triggered the enrollment (`92.65`).
    pub amount: String,
    /// ISO 4217 (`SGD`).
    pub currency: String,
    /// Where the Visa page runs: `sandbox`, `production` or an origin (`https://host[:port]`).
    pub page_origin: String,
    /// How the customer is identified; `EmailAddress` when absent.
    #[uniffi(default = None)]
    pub identity_type: Option<IdentityType>,
    /// The app's name (may be empty).
    #[uniffi(default = "")]
    pub app_name: String,
    /// Where the ceremony runs; `Web` when absent.
    #[uniffi(default = None)]
    pub platform_type: Option<PlatformType>,
    /// The journey's `clientReferenceId`; a random one when absent.
    #[uniffi(default = None)]
    pub reference_id: Option<String>,
}

/// A shipping address (*provisional* wire names after `stateAdd`).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ShippingAddress {
    /// Street line.
    pub line1: String,
    /// City.
    pub city: String,
    /// State.
    pub state: String,
    /// Postal code.
    pub postal_code: String,
    /// ISO 3166-1 alpha-2.
    #[uniffi(default = None)]
    pub country_code: Option<String>,
}

/// Agentic purchase (Juspay VAT) with a token an enrollment provisioned.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PurchaseParams {
    /// `customerId`, as at enrollment.
    pub customer_id: String,
    /// The enrolled token (`Enrolled.v_provisioned_token_id`).
    pub v_provisioned_token_id: String,
    /// The amount (`92.65`).
    pub amount: String,
    /// ISO 4217 (`SGD`).
    pub currency: String,
    /// When the payment instruction lapses (Unix milliseconds).
    pub instruction_expires_at_ms: u64,
    /// The merchant's order id.
    pub order_id: String,
    /// Where the Visa page runs: `sandbox`, `production` or an origin.
    pub page_origin: String,
    /// The instruction's spending limit (at least the amount); the amount when absent.
    #[uniffi(default = None)]
    pub instruction_limit: Option<String>,
    /// The instruction's description.
    #[uniffi(default = None)]
    pub instruction_description: Option<String>,
    /// The merchant's transaction id; derived from the reference id when absent.
    #[uniffi(default = None)]
    pub transaction_id: Option<String>,
    /// `nwTransactionId`; derived from the reference id when absent.
    #[uniffi(default = None)]
    pub nw_transaction_id: Option<String>,
    /// Subtotal; the amount when absent.
    #[uniffi(default = None)]
    pub sub_total: Option<String>,
    /// Tax; zero when absent.
    #[uniffi(default = None)]
    pub tax: Option<String>,
    /// Where the goods go.
    #[uniffi(default = None)]
    pub shipping_address: Option<ShippingAddress>,
    /// Prefer the Visa page in a popup (the page may require one anyway).
    #[uniffi(default = false)]
    pub popup_preference: bool,
    /// Where the ceremony runs; `Web` when absent.
    #[uniffi(default = None)]
    pub platform_type: Option<PlatformType>,
    /// The journey's `clientReferenceId`; a random one when absent.
    #[uniffi(default = None)]
    pub reference_id: Option<String>,
}

/// The order a Direct OTP payment creates first.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct NewOrder {
    /// The amount (`100.00`).
    pub amount: String,
    /// ISO 4217 (`INR`).
    #[uniffi(default = None)]
    pub currency: Option<String>,
    /// The customer's id at the merchant.
    #[uniffi(default = None)]
    pub customer_id: Option<String>,
    /// The customer's email.
    #[uniffi(default = None)]
    pub customer_email: Option<String>,
    /// The customer's phone.
    #[uniffi(default = None)]
    pub customer_phone: Option<String>,
    /// Where the 3-D Secure page returns.
    #[uniffi(default = None)]
    pub return_url: Option<String>,
}

/// A Direct OTP card payment (Juspay EC). The merchant id is the client's.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct DirectOtpParams {
    /// The order to pay (alphanumeric, under 21 characters); a random one when absent. Every
    /// call and retry of the journey uses it.
    #[uniffi(default = None)]
    pub order_id: Option<String>,
    /// Create the order first; absent when the app created it.
    #[uniffi(default = None)]
    pub new_order: Option<NewOrder>,
    /// Check this card BIN (6–9 digits) for Direct OTP support first; absent skips the check.
    #[uniffi(default = None)]
    pub card_bin: Option<String>,
    /// `VISA`, `MASTERCARD` …
    #[uniffi(default = None)]
    pub payment_method: Option<String>,
    /// Save the card at Juspay.
    #[uniffi(default = false)]
    pub save_to_locker: bool,
    /// `false`: authorise only (the payment ends `AUTHORIZED`).
    #[uniffi(default = None)]
    pub auto_capture: Option<bool>,
}

/// The tokenized-card passkey journey (Visa Acceptance).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct VisaPasskeyParams {
    /// The tokenized card's id.
    pub token_id: String,
    /// The amount (`25.00`).
    pub amount: String,
    /// ISO 4217 (`USD`).
    pub currency: String,
    /// The merchant's name, as shown to the cardholder.
    pub merchant_name: String,
    /// The merchant's web address.
    pub merchant_url: String,
    /// `en-US`.
    pub buyer_language: String,
    /// The cardholder's email (billing).
    pub email: String,
    /// Where the Visa page runs: `sandbox`, `production` or an origin.
    pub page_origin: String,
    /// The cardholder's phone (billing).
    #[uniffi(default = None)]
    pub phone_number: Option<String>,
    /// Where the ceremony runs; `Web` when absent.
    #[uniffi(default = None)]
    pub platform_type: Option<PlatformType>,
    /// The journey's `clientCorrelationId`; a random one when absent.
    #[uniffi(default = None)]
    pub reference_id: Option<String>,
}

/// The SDK's entry point: validated settings, the credentials and one transport (one connection
/// pool), shared by every journey it starts. Thread-safe.
#[derive(Debug, uniffi::Object)]
pub struct AgenticClient {
    backend: Backend,
}

fn secret(value: Option<String>) -> Option<Secret> {
    value.map(Secret::new)
}

/// The card the user typed, as the host's `CardDetails` class sends it: one string, five fields
/// joined by NUL, which no card field holds, so that no language has to escape them: number,
/// expiry month, expiry year, security code, and the name on the card marked with a leading
/// `=` (`=` alone for an empty name; the field empty when there is none). A NUL inside a field
/// changes the count and is refused, never read as another field. The classes
/// (crates/agentic-ffi/uniffi.toml maps them; bindings/*/ hold them) show no field in their
/// toString() / description / repr(). One value with named fields instead of four positional
/// arguments, and one buffer for the host to allocate and fill instead of four (BENCHMARKS.md,
/// "FFI cost per step"). It is read inside the call (`CardDetails::read`), so that a
/// malformed one is an `InvalidInput` like any other argument. No call returns one.
#[derive(Debug)]
pub struct CardDetails(Secret);

/// What starts a given name (the fifth field), so that an empty name is not no name.
const CARD_NAME_MARK: char = '=';

uniffi::custom_type!(CardDetails, String, {
    lower: |card| card.0.expose().to_owned(),
    try_lift: |text| Ok(CardDetails(Secret::new(text))),
});

impl CardDetails {
    /// The card as the bindings' classes send it (for Rust callers of this API: the
    /// benchmarks' reference).
    pub fn new(
        number: &str,
        exp_month: &str,
        exp_year: &str,
        security_code: &str,
        name_on_card: Option<&str>,
    ) -> Self {
        let name = name_on_card.map_or_else(String::new, |name| format!("{CARD_NAME_MARK}{name}"));
        let fields = [number, exp_month, exp_year, security_code, &name];
        Self(Secret::new(fields.join(&FIELD_SEPARATOR.to_string())))
    }

    /// The card's fields, for the journey (each checked there and named when bad:
    /// `card_number`, `card_exp_month`, `card_exp_year`, `card_security_code`).
    ///
    /// # Errors
    /// [`AgenticError::InvalidInput`] for `card` when the text does not hold the five fields
    /// (a field holding a NUL) or the name lacks its mark.
    fn read(self) -> Result<engine::CardFields, AgenticError> {
        let fields: Vec<&str> = self.0.expose().split(FIELD_SEPARATOR).collect();
        let read = match fields[..] {
            [number, month, year, code, ""] => Some((number, month, year, code, None)),
            [number, month, year, code, name] => name
                .strip_prefix(CARD_NAME_MARK)
                .map(|name| (number, month, year, code, Some(name))),
            _ => None,
        };
        let Some((number, exp_month, exp_year, security_code, name)) = read else {
            return Err(AgenticError::InvalidInput {
                field: "card".to_owned(),
                problem: "must be the bindings' CardDetails: five fields, none holding a NUL \
                          character"
                    .to_owned(),
            });
        };
        Ok(engine::CardFields {
            number: Secret::new(number),
            exp_month: Secret::new(exp_month),
            exp_year: Secret::new(exp_year),
            security_code: Secret::new(security_code),
            name_on_card: name.map(str::to_owned),
        })
    }
}

/// Checks the card a resume was given: the details or a saved card's token, not both, and a
/// saved card's CVV only with its token.
///
/// # Errors
/// [`AgenticError::InvalidInput`] for `card` or `card_security_code`.
fn one_card(
    card: Option<&CardDetails>,
    card_token: Option<&str>,
    card_security_code: Option<&str>,
) -> Result<(), AgenticError> {
    let invalid = |field: &str, problem: &str| {
        Err(AgenticError::InvalidInput {
            field: field.to_owned(),
            problem: problem.to_owned(),
        })
    };
    if card.is_some() && card_token.is_some() {
        return invalid(
            "card",
            "give the card details or a saved card's token, not both",
        );
    }
    if card_security_code.is_some() && card_token.is_none() {
        return invalid(
            "card_security_code",
            "goes with a saved card's token (card details carry their own)",
        );
    }
    Ok(())
}

impl AgenticClient {
    fn session(
        &self,
        session: Result<Session, AgenticError>,
    ) -> Result<Arc<JourneySession>, AgenticError> {
        Ok(Arc::new(JourneySession::new(session?)))
    }

    fn resume(
        &self,
        expected: EngineKind,
        checkpoint: &str,
        secrets: ResumeSecrets,
    ) -> Result<Arc<JourneySession>, AgenticError> {
        let kind = EngineKind::of_checkpoint(checkpoint)?;
        if kind != expected {
            return Err(AgenticError::CannotResume {
                detail: format!(
                    "the checkpoint is of the {} journey, not {}",
                    kind.as_str(),
                    expected.as_str()
                ),
            });
        }
        self.session(Session::resume(self.backend.clone(), checkpoint, secrets))
    }
}

#[uniffi::export]
impl AgenticClient {
    /// A client. Pass the Juspay API key (server side) **or** a client auth token when
    /// `settings.juspay` is set, and the Visa Acceptance shared secret (base64, as issued) when
    /// `settings.visa_acceptance` is set. Without `transport`, the SDK's own HTTP stack is used
    /// (https only, except loopback hosts).
    ///
    /// # Errors
    /// `Configuration` naming the setting.
    #[uniffi::constructor(default(
        juspay_api_key = None,
        juspay_client_auth_token = None,
        visa_shared_secret = None,
        transport = None
    ))]
    pub fn new(
        settings: ClientSettings,
        juspay_api_key: Option<String>,
        juspay_client_auth_token: Option<String>,
        visa_shared_secret: Option<String>,
        transport: Option<Arc<dyn HttpTransport>>,
    ) -> Result<Arc<Self>, AgenticError> {
        guard(|| {
            let settings = engine::Settings {
                juspay: settings.juspay.map(|j| engine::JuspaySettings {
                    environment: j.environment,
                    merchant_id: j.merchant_id,
                    routing_id: j.routing_id,
                }),
                visa_acceptance: settings
                    .visa_acceptance
                    .map(|v| engine::VisaAcceptanceSettings {
                        environment: v.environment,
                        merchant_id: v.merchant_id,
                        key_id: v.key_id,
                    }),
                connect_timeout_ms: settings.connect_timeout_ms,
                read_timeout_ms: settings.read_timeout_ms,
                overall_timeout_ms: settings.overall_timeout_ms,
            };
            let credentials = Credentials {
                juspay_api_key: secret(juspay_api_key),
                juspay_client_auth_token: secret(juspay_client_auth_token),
                visa_shared_secret: secret(visa_shared_secret),
            };
            let transport = transport
                .map(|t| Arc::new(ForeignTransport(t)) as Arc<dyn agentic_http::Transport>);
            Ok(Arc::new(Self {
                backend: Backend::from_settings(settings, credentials, transport)?,
            }))
        })
    }

    /// Starts a card enrollment with the card the user typed (tokenized first).
    ///
    /// # Errors
    /// `InvalidInput` naming the field (`card_number`, `customerId`, `page_origin` …; `card`
    /// for a `CardDetails` no binding wrote); `Configuration` when Juspay is not configured.
    pub fn start_enrollment(
        &self,
        params: EnrollmentParams,
        card: CardDetails,
    ) -> Result<Arc<JourneySession>, AgenticError> {
        guard(|| {
            self.session(start::enrollment(
                &self.backend,
                enrollment_start(params),
                CardSource::Details(card.read()?),
            ))
        })
    }

    /// Starts a card enrollment with a Juspay card token (`ctkn_…`) the app already has.
    ///
    /// # Errors
    /// As [`AgenticClient::start_enrollment`].
    pub fn start_enrollment_with_card_token(
        &self,
        params: EnrollmentParams,
        card_token: String,
    ) -> Result<Arc<JourneySession>, AgenticError> {
        guard(|| {
            let saved = SavedCard {
                token: Secret::new(card_token),
                security_code: None,
            };
            self.session(start::enrollment(
                &self.backend,
                enrollment_start(params),
                CardSource::Saved(saved),
            ))
        })
    }

    /// Starts an agentic purchase.
    ///
    /// # Errors
    /// `InvalidInput` naming the field; `Configuration` when Juspay is not configured.
    pub fn start_purchase(
        &self,
        params: PurchaseParams,
    ) -> Result<Arc<JourneySession>, AgenticError> {
        guard(|| {
            let params = PurchaseStart {
                customer_id: params.customer_id,
                v_provisioned_token_id: params.v_provisioned_token_id,
                amount: params.amount,
                currency: params.currency,
                instruction_expires_at_ms: params.instruction_expires_at_ms,
                instruction_limit: params.instruction_limit,
                instruction_description: params.instruction_description,
                order_id: params.order_id,
                transaction_id: params.transaction_id,
                nw_transaction_id: params.nw_transaction_id,
                sub_total: params.sub_total,
                tax: params.tax,
                shipping_address: params.shipping_address.map(|a| Address {
                    line1: a.line1,
                    city: a.city,
                    state: a.state,
                    postal_code: a.postal_code,
                    country_code: a.country_code,
                }),
                popup_preference: params.popup_preference,
                platform_type: params.platform_type.unwrap_or(PlatformType::Web).into(),
                page_origin: params.page_origin,
                reference_id: params.reference_id,
            };
            self.session(start::purchase(&self.backend, params))
        })
    }

    /// Starts a Direct OTP payment with the card the user typed.
    ///
    /// # Errors
    /// `InvalidInput` naming the field (`card` for a `CardDetails` no binding wrote);
    /// `Configuration` when Juspay or its routing id is not configured.
    pub fn start_direct_otp(
        &self,
        params: DirectOtpParams,
        card: CardDetails,
    ) -> Result<Arc<JourneySession>, AgenticError> {
        guard(|| {
            self.session(start::direct_otp(
                &self.backend,
                direct_otp_start(params),
                CardSource::Details(card.read()?),
            ))
        })
    }

    /// Starts a Direct OTP payment with a saved card's Juspay token (and its CVV when the token
    /// needs one).
    ///
    /// # Errors
    /// As [`AgenticClient::start_direct_otp`].
    #[uniffi::method(default(card_security_code = None))]
    pub fn start_direct_otp_with_saved_card(
        &self,
        params: DirectOtpParams,
        card_token: String,
        card_security_code: Option<String>,
    ) -> Result<Arc<JourneySession>, AgenticError> {
        guard(|| {
            let saved = SavedCard {
                token: Secret::new(card_token),
                security_code: secret(card_security_code),
            };
            self.session(start::direct_otp(
                &self.backend,
                direct_otp_start(params),
                CardSource::Saved(saved),
            ))
        })
    }

    /// Starts the Visa Acceptance passkey journey.
    ///
    /// # Errors
    /// `InvalidInput` naming the field; `Configuration` when Visa Acceptance is not configured.
    pub fn start_visa_passkey(
        &self,
        params: VisaPasskeyParams,
    ) -> Result<Arc<JourneySession>, AgenticError> {
        guard(|| {
            let params = VisaPasskeyStart {
                token_id: params.token_id,
                amount: params.amount,
                currency: params.currency,
                merchant_name: params.merchant_name,
                merchant_url: params.merchant_url,
                buyer_language: params.buyer_language,
                email: params.email,
                phone_number: params.phone_number,
                platform_type: params.platform_type.unwrap_or(PlatformType::Web).into(),
                page_origin: params.page_origin,
                reference_id: params.reference_id,
            };
            self.session(start::visa_passkey(&self.backend, params))
        })
    }

    /// Continues an enrollment from its checkpoint. Give the secrets its stage needs (the
    /// error names a missing one): the card (details or token) before the card is provisioned,
    /// the `secureToken` from the Visa session until device binding, the ceremony's `payload`
    /// during the ceremony, the OTP of a validation in flight (or it is asked again).
    ///
    /// # Errors
    /// `CannotResume`; `InvalidInput` for a malformed secret, or for `card` when both the
    /// details and a token are given.
    #[uniffi::method(default(
        secure_token = None,
        visa_payload = None,
        otp = None,
        card = None,
        card_token = None
    ))]
    pub fn resume_enrollment(
        &self,
        checkpoint: String,
        secure_token: Option<String>,
        visa_payload: Option<String>,
        otp: Option<String>,
        card: Option<CardDetails>,
        card_token: Option<String>,
    ) -> Result<Arc<JourneySession>, AgenticError> {
        guard(|| {
            one_card(card.as_ref(), card_token.as_deref(), None)?;
            let secrets = ResumeSecrets {
                card: card.map(CardDetails::read).transpose()?,
                saved_card: card_token.map(|token| SavedCard {
                    token: Secret::new(token),
                    security_code: None,
                }),
                secure_token: secret(secure_token),
                visa_payload: secret(visa_payload),
                otp: secret(otp),
                ..ResumeSecrets::default()
            };
            self.resume(EngineKind::Enrollment, &checkpoint, secrets)
        })
    }

    /// Continues a purchase from its checkpoint: the `secureToken` while provisioning, the
    /// ceremony's `payload` during the ceremony, the `fidoBlob` while setting up the
    /// instruction, and the credentials of a finished purchase (else its outcome has none).
    ///
    /// # Errors
    /// `CannotResume`; `InvalidInput` for a malformed secret.
    #[uniffi::method(default(
        secure_token = None,
        visa_payload = None,
        fido_blob = None,
        credentials = None
    ))]
    pub fn resume_purchase(
        &self,
        checkpoint: String,
        secure_token: Option<String>,
        visa_payload: Option<String>,
        fido_blob: Option<String>,
        credentials: Option<Arc<PaymentCredentials>>,
    ) -> Result<Arc<JourneySession>, AgenticError> {
        guard(|| {
            let secrets = ResumeSecrets {
                secure_token: secret(secure_token),
                visa_payload: secret(visa_payload),
                fido_blob: secret(fido_blob),
                credentials: credentials.map(|c| c.0.clone()),
                ..ResumeSecrets::default()
            };
            self.resume(EngineKind::Purchase, &checkpoint, secrets)
        })
    }

    /// Continues a Direct OTP payment from its checkpoint: the card (the details, or a saved
    /// card's token with its CVV when it needs one) until the payment was started, the OTP of
    /// a submission in flight.
    ///
    /// # Errors
    /// `CannotResume`; `InvalidInput` for a malformed secret, for `card` when both the details
    /// and a token are given, for `card_security_code` without a token (the details hold their
    /// own).
    #[uniffi::method(default(
        otp = None,
        card = None,
        card_token = None,
        card_security_code = None
    ))]
    pub fn resume_direct_otp(
        &self,
        checkpoint: String,
        otp: Option<String>,
        card: Option<CardDetails>,
        card_token: Option<String>,
        card_security_code: Option<String>,
    ) -> Result<Arc<JourneySession>, AgenticError> {
        guard(|| {
            one_card(
                card.as_ref(),
                card_token.as_deref(),
                card_security_code.as_deref(),
            )?;
            let saved_card = card_token.map(|token| SavedCard {
                token: Secret::new(token),
                security_code: secret(card_security_code),
            });
            let secrets = ResumeSecrets {
                card: card.map(CardDetails::read).transpose()?,
                saved_card,
                otp: secret(otp),
                ..ResumeSecrets::default()
            };
            self.resume(EngineKind::DirectOtp, &checkpoint, secrets)
        })
    }

    /// Continues a Visa Acceptance passkey journey from its checkpoint: the `secureToken` from
    /// the session until the ceremony, the ceremony's `payload` during it, the OTP or issuer
    /// code of a validation in flight, and the passkey result of a finished journey.
    ///
    /// # Errors
    /// `CannotResume`; `InvalidInput` for a malformed secret.
    #[uniffi::method(default(
        secure_token = None,
        visa_payload = None,
        otp = None,
        issuer_auth_code = None,
        assurance = None
    ))]
    pub fn resume_visa_passkey(
        &self,
        checkpoint: String,
        secure_token: Option<String>,
        visa_payload: Option<String>,
        otp: Option<String>,
        issuer_auth_code: Option<String>,
        assurance: Option<Arc<PasskeyAssurance>>,
    ) -> Result<Arc<JourneySession>, AgenticError> {
        guard(|| {
            let secrets = ResumeSecrets {
                secure_token: secret(secure_token),
                visa_payload: secret(visa_payload),
                otp: secret(otp),
                issuer_auth_code: secret(issuer_auth_code),
                assurance: assurance.map(|a| a.0.clone()),
                ..ResumeSecrets::default()
            };
            self.resume(EngineKind::VisaPasskey, &checkpoint, secrets)
        })
    }
}

/// Which journey a checkpoint belongs to, to pick the `resume_*` constructor.
///
/// # Errors
/// `CannotResume` when the text is not a checkpoint of a known journey.
#[uniffi::export]
pub fn checkpoint_journey_kind(checkpoint: String) -> Result<JourneyKind, AgenticError> {
    guard(|| EngineKind::of_checkpoint(&checkpoint).map(JourneyKind::from))
}

/// The SDK's version (`0.1.0`).
#[uniffi::export]
pub fn sdk_version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}

fn enrollment_start(params: EnrollmentParams) -> EnrollmentStart {
    EnrollmentStart {
        customer_id: params.customer_id,
        identity_type: params
            .identity_type
            .unwrap_or(IdentityType::EmailAddress)
            .into(),
        country_code: params.country_code,
        user_agent: params.user_agent,
        ip_address: params.ip_address,
        device_model: params.device_model,
        device_brand: params.device_brand,
        device_manufacturer: params.device_manufacturer,
        app_name: params.app_name,
        amount: params.amount,
        currency: params.currency,
        platform_type: params.platform_type.unwrap_or(PlatformType::Web).into(),
        page_origin: params.page_origin,
        reference_id: params.reference_id,
    }
}

fn direct_otp_start(params: DirectOtpParams) -> DirectOtpStart {
    DirectOtpStart {
        order_id: params.order_id,
        new_order: params.new_order.map(|o| NewOrderStart {
            amount: o.amount,
            currency: o.currency,
            customer_id: o.customer_id,
            customer_email: o.customer_email,
            customer_phone: o.customer_phone,
            return_url: o.return_url,
        }),
        card_bin: params.card_bin,
        payment_method: params.payment_method,
        save_to_locker: params.save_to_locker,
        auto_capture: params.auto_capture,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A card's text with any number of fields, as a binding that breaks the format would send.
    fn card(values: &[&str]) -> CardDetails {
        CardDetails(Secret::new(values.join(&FIELD_SEPARATOR.to_string())))
    }

    #[test]
    fn a_card_is_read_from_its_five_fields() {
        let named = CardDetails::new("4242424242424242", "12", "30", "123", Some("Ada Lovelace"));
        let read = named.read().expect("five fields");
        assert_eq!(read.number.expose(), "4242424242424242");
        assert_eq!(read.exp_month.expose(), "12");
        assert_eq!(read.exp_year.expose(), "30");
        assert_eq!(read.security_code.expose(), "123");
        assert_eq!(read.name_on_card.as_deref(), Some("Ada Lovelace"));
        let unnamed = CardDetails::new("4242424242424242", "12", "30", "123", None).read();
        assert_eq!(unnamed.expect("five fields").name_on_card, None);
        // An empty name is a name (the journey refuses it, naming `name_on_card`), not none.
        let empty = CardDetails::new("4242424242424242", "12", "30", "123", Some("")).read();
        assert_eq!(
            empty.expect("five fields").name_on_card.as_deref(),
            Some("")
        );
    }

    #[test]
    fn a_card_field_holding_a_nul_is_invalid_input_for_the_card_without_its_values() {
        let four = card(&["4242424242424242", "12", "30", "123"]);
        let six = card(&["4242", "", "12", "30", "123", ""]);
        let unmarked = card(&["4242424242424242", "12", "30", "123", "Ada"]);
        for malformed in [four, six, unmarked] {
            assert_eq!(format!("{malformed:?}"), "CardDetails(Secret(<redacted>))");
            match malformed.read() {
                Err(AgenticError::InvalidInput { field, problem }) => {
                    assert_eq!(field, "card");
                    assert!(
                        !problem.contains("4242") && !problem.contains("123"),
                        "{problem}"
                    );
                }
                other => panic!("expected InvalidInput, got {other:?}"),
            }
        }
    }

    #[test]
    fn a_resume_takes_the_card_details_or_a_token_and_a_cvv_only_with_the_token() {
        let card = CardDetails::new("4242424242424242", "12", "30", "123", None);
        let field = |result: Result<(), AgenticError>| match result {
            Err(AgenticError::InvalidInput { field, .. }) => field,
            other => panic!("expected InvalidInput, got {other:?}"),
        };
        assert_eq!(field(one_card(Some(&card), Some("ctkn_1"), None)), "card");
        assert_eq!(
            field(one_card(None, None, Some("123"))),
            "card_security_code"
        );
        assert_eq!(
            field(one_card(Some(&card), None, Some("123"))),
            "card_security_code"
        );
        assert_eq!(one_card(Some(&card), None, None), Ok(()));
        assert_eq!(one_card(None, Some("ctkn_1"), Some("123")), Ok(()));
        assert_eq!(one_card(None, None, None), Ok(()));
    }
}
