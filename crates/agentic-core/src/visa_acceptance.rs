//! Visa Acceptance / Cybersource TMS (API.md §6): wire models of the tokenized-card passkey and
//! step-up OTP endpoints under `/tms/v2/tokenized-cards/{tokenId}/…`.
//!
//! | Endpoint | Request | Response |
//! |---|---|---|
//! | `POST …/authentication-options` [C-AO] | [`AuthenticationOptionsRequest`] | [`AuthenticationOptionsResponse`] (*provisional*) |
//! | `POST …/authentication-options/one-time-passwords` [C-OTP] | [`CreateOtpRequest`] | [`CreateOtpResponse`] |
//! | `POST …/authentication-options/validate` [C-VAL] | [`ValidateOtpRequest`] | [`ValidateOtpResponse`] |
//! | `POST …/authentication-registrations` [C-REG] | [`AuthenticationRegistrationRequest`] | [`AuthenticationRegistrationResponse`] (*provisional*) |
//!
//! All four are `POST` with a JSON body and none is idempotent: they start a passkey session,
//! send an OTP, consume a verification attempt or register a passkey. Authentication (HTTP
//! Signature or JWT, API.md §6.2) is the transport's job. Message-level encryption, which a
//! third-party demo uses for authentication-registrations (API.md §6.2), is not applied here: the
//! body is the plain JSON the docs show.
//!
//! Errors arrive in Cybersource's `errors[]`, Intelligent Commerce's `error{}` or Visa's
//! `errorResponse{}` envelope (API.md §6.10); [`Endpoint::decode`] turns each into an
//! [`ApiError`].

use serde::Serialize;

use crate::error::{ApiError, ErrorCategory, Provider, Recovery};
use crate::json_path::{FromJson, Node, or_default, read_object};
use crate::secret::{IssuerAuthCode, Otp, SecretText, SecureToken};
use crate::step_up::StepUpOption;
use crate::validate::{self, Amount, CurrencyCode, Id, InvalidInput, Problem};
use crate::visa_page::{
    AuthPreferences, BrowserData, OutgoingMessage, PasskeyAction, PlatformType,
};
use crate::wire::{
    Body, Endpoint, HttpResponse, Method, RawJson, decode_json, decode_json_keeping_raw, lenient,
    open_enum, push_path_segment,
};

pub use crate::visa_page::AuthenticationContext;

/// The path prefix of every endpoint here.
const TOKENIZED_CARDS: &str = "/tms/v2/tokenized-cards/";

/// `/tms/v2/tokenized-cards/{tokenId}{suffix}`.
fn token_path(token_id: &Id, suffix: &str) -> String {
    let id = token_id.as_str();
    let mut path = String::with_capacity(TOKENIZED_CARDS.len() + id.len() + suffix.len());
    path.push_str(TOKENIZED_CARDS);
    push_path_segment(&mut path, id);
    path.push_str(suffix);
    path
}

/// Standard base64 without padding, as the C-AO sample's merchant descriptor is written.
fn base64_unpadded(input: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for chunk in input.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        let sextets = [n >> 18, n >> 12, n >> 6, n];
        for sextet in &sextets[..=chunk.len()] {
            out.push(char::from(ALPHABET[(sextet & 0x3f) as usize]));
        }
    }
    out
}

/// Whether `value` is base64 text (standard or URL-safe alphabet, padding optional).
fn is_base64(value: &str) -> bool {
    let body = value.trim_end_matches('=');
    value.len() - body.len() <= 2
        && body.len() % 4 != 1
        && body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'-' | b'_'))
}

// ---------------------------------------------------------------------------------------------
// Shared request parts
// ---------------------------------------------------------------------------------------------

open_enum! {
    /// `authenticatorRenderMethod` [C-AO, C-REG]: how the Visa page is shown.
    pub enum AuthenticatorRenderMethod {
        /// The hidden iframe (the only documented value).
        Iframe = "IFRAME",
    }
}

/// `orderInformation.amountDetails` [C-AO, C-REG]: `totalAmount` as a two-decimal string
/// (`"1765.95"`) and `currency` as ISO 4217, numeric in the samples (`"978"`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AmountDetails {
    total_amount: Amount,
    currency: CurrencyCode,
}

impl AmountDetails {
    /// Parses the amount (`"1765.95"`) and currency (`"978"` or `"EUR"`).
    ///
    /// # Errors
    /// [`InvalidInput`] for `orderInformation.amountDetails.totalAmount` (empty, not a decimal,
    /// zero, more than two decimals) or `orderInformation.amountDetails.currency`.
    pub fn new(total_amount: &str, currency: &str) -> Result<Self, InvalidInput> {
        Ok(Self {
            total_amount: Amount::parse(
                "orderInformation.amountDetails.totalAmount",
                total_amount,
            )?,
            currency: CurrencyCode::new("orderInformation.amountDetails.currency", currency)?,
        })
    }

    /// From values validated elsewhere.
    pub fn from_parts(total_amount: Amount, currency: CurrencyCode) -> Self {
        Self {
            total_amount,
            currency,
        }
    }

    /// `totalAmount`.
    pub fn total_amount(&self) -> Amount {
        self.total_amount
    }

    /// `currency`.
    pub fn currency(&self) -> &CurrencyCode {
        &self.currency
    }
}

/// `merchantInformation.merchantDescriptor{name, url}` [C-AO, C-REG], both **base64** on the
/// wire: the C-AO sample's `TWVyY2hhbnQgVlphRjVYQmo` is `base64("Merchant VZaF5XBj")` and its url
/// decodes to `https://www.Merchant-VZaF5XBj.com` (API.md §6.3).
///
/// Decision: [`MerchantDescriptor::new`] takes the plain name and url and encodes them as the
/// sample does — standard alphabet, **no padding** (`…Qmo`, not `…Qmo=`). Whether Cybersource
/// also accepts padded text is not documented; [`MerchantDescriptor::from_base64`] sends
/// pre-encoded text unchanged for callers who know better.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MerchantDescriptor {
    name: String,
    url: String,
}

impl MerchantDescriptor {
    /// Encodes a plain merchant name and url.
    ///
    /// # Errors
    /// [`InvalidInput`] for `merchantInformation.merchantDescriptor.name` / `.url` when empty.
    pub fn new(name: &str, url: &str) -> Result<Self, InvalidInput> {
        validate::non_empty("merchantInformation.merchantDescriptor.name", name)?;
        validate::non_empty("merchantInformation.merchantDescriptor.url", url)?;
        Ok(Self {
            name: base64_unpadded(name.as_bytes()),
            url: base64_unpadded(url.as_bytes()),
        })
    }

    /// Takes name and url already base64-encoded; they are sent as given.
    ///
    /// # Errors
    /// [`InvalidInput`] for `merchantInformation.merchantDescriptor.name` / `.url` when empty or
    /// not base64 text.
    pub fn from_base64(name: &str, url: &str) -> Result<Self, InvalidInput> {
        for (field, value) in [
            ("merchantInformation.merchantDescriptor.name", name),
            ("merchantInformation.merchantDescriptor.url", url),
        ] {
            validate::non_empty(field, value)?;
            if !is_base64(value) {
                return Err(InvalidInput::new(
                    field,
                    Problem::Format {
                        expected: "base64 text",
                    },
                ));
            }
        }
        Ok(Self {
            name: name.to_owned(),
            url: url.to_owned(),
        })
    }

    /// `name` as sent (base64).
    pub fn name_base64(&self) -> &str {
        &self.name
    }

    /// `url` as sent (base64).
    pub fn url_base64(&self) -> &str {
        &self.url
    }
}

/// `deviceInformation` with the eleven fields C-AO and C-REG require. Types follow Cybersource's
/// field reference for the same fields (the Java/JavaScript flags are booleans, everything else
/// a string). The values are sent as given; a third-party demo base64-encodes `httpAcceptContent`
/// and `userAgentBrowserValue` (API.md §6.3), which no Cybersource page asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeviceInformation {
    http_accept_content: String,
    http_browser_color_depth: String,
    http_browser_java_enabled: bool,
    http_browser_java_script_enabled: bool,
    http_browser_language: String,
    http_browser_screen_height: String,
    http_browser_screen_width: String,
    http_browser_time_difference: String,
    ip_address: String,
    platform_type: PlatformType,
    user_agent_browser_value: String,
}

impl DeviceInformation {
    /// From the `browserData` the Visa page reports in `AUTH_SESSION_CREATED` (a host without
    /// the page fills a [`BrowserData`] itself):
    ///
    /// | `deviceInformation.` | `browserData.` |
    /// |---|---|
    /// | `httpAcceptContent` | `browserHeader` |
    /// | `httpBrowserColorDepth` | `browserColorDepth` |
    /// | `httpBrowserJavaEnabled` | `browserJavaEnabled` (absent: `false`, as every current browser reports) |
    /// | `httpBrowserJavaScriptEnabled` | `browserJavascriptEnabled` (absent: `true`, the page ran script) |
    /// | `httpBrowserLanguage` | `browserLanguage` |
    /// | `httpBrowserScreenHeight` / `Width` | `browserScreenHeight` / `Width` |
    /// | `httpBrowserTimeDifference` | `browserTimeZone` (minutes from UTC) |
    /// | `ipAddress` | `ipAddress` |
    /// | `userAgentBrowserValue` | `userAgent` |
    ///
    /// # Errors
    /// [`InvalidInput`] for `deviceInformation.<field>`: a required value missing or blank,
    /// colour depth or screen size not digits, time difference not a whole number of minutes,
    /// or `ipAddress` not an IPv4/IPv6 address.
    pub fn from_browser_data(
        browser: &BrowserData,
        platform_type: PlatformType,
    ) -> Result<Self, InvalidInput> {
        fn required(field: &'static str, value: Option<&String>) -> Result<String, InvalidInput> {
            let value = value.map(String::as_str).unwrap_or_default();
            validate::non_empty(field, value)?;
            Ok(value.trim().to_owned())
        }
        fn number(field: &'static str, value: Option<&String>) -> Result<String, InvalidInput> {
            let value = required(field, value)?;
            validate::digits(field, &value, 1, 6)?;
            Ok(value)
        }
        let time_difference = required(
            "deviceInformation.httpBrowserTimeDifference",
            browser.browser_time_zone.as_ref(),
        )?;
        let unsigned = time_difference
            .strip_prefix(['-', '+'])
            .unwrap_or(&time_difference);
        if unsigned.is_empty()
            || unsigned.len() > 4
            || !unsigned.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(InvalidInput::new(
                "deviceInformation.httpBrowserTimeDifference",
                Problem::Format {
                    expected: "a whole number of minutes such as -330",
                },
            ));
        }
        let ip_address = required("deviceInformation.ipAddress", browser.ip_address.as_ref())?;
        if ip_address.parse::<std::net::IpAddr>().is_err() {
            return Err(InvalidInput::new(
                "deviceInformation.ipAddress",
                Problem::Format {
                    expected: "an IPv4 or IPv6 address",
                },
            ));
        }
        Ok(Self {
            http_accept_content: required(
                "deviceInformation.httpAcceptContent",
                browser.browser_header.as_ref(),
            )?,
            http_browser_color_depth: number(
                "deviceInformation.httpBrowserColorDepth",
                browser.browser_color_depth.as_ref(),
            )?,
            http_browser_java_enabled: browser.browser_java_enabled.unwrap_or(false),
            http_browser_java_script_enabled: browser.browser_javascript_enabled.unwrap_or(true),
            http_browser_language: required(
                "deviceInformation.httpBrowserLanguage",
                browser.browser_language.as_ref(),
            )?,
            http_browser_screen_height: number(
                "deviceInformation.httpBrowserScreenHeight",
                browser.browser_screen_height.as_ref(),
            )?,
            http_browser_screen_width: number(
                "deviceInformation.httpBrowserScreenWidth",
                browser.browser_screen_width.as_ref(),
            )?,
            http_browser_time_difference: time_difference,
            ip_address,
            platform_type,
            user_agent_browser_value: required(
                "deviceInformation.userAgentBrowserValue",
                browser.user_agent.as_ref(),
            )?,
        })
    }
}

/// `sessionInformation{secureToken}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
struct SessionInformation {
    #[serde(serialize_with = "crate::secret::expose")]
    secure_token: SecureToken,
}

impl SessionInformation {
    fn new(secure_token: SecureToken) -> Result<Self, InvalidInput> {
        // A token read from a page message was not validated on the way in.
        validate::non_empty(
            "sessionInformation.secureToken",
            secure_token.expose_secret(),
        )?;
        Ok(Self { secure_token })
    }
}

/// `merchantInformation{merchantDescriptor}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
struct MerchantInformation {
    merchant_descriptor: MerchantDescriptor,
}

/// `stepUpOption{id}` [C-OTP, C-VAL].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
struct StepUpOptionId {
    id: Id,
}

// ---------------------------------------------------------------------------------------------
// 1. authentication-options
// ---------------------------------------------------------------------------------------------

/// `orderInformation{amountDetails}` of authentication-options.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
struct OptionsOrderInformation {
    amount_details: AmountDetails,
}

/// `POST /tms/v2/tokenized-cards/{tokenId}/authentication-options` — Create Tokenized Card
/// Authentication Options [C-AO]: what passkey step this device and token need next
/// (authenticate, register, or step-up first). Not idempotent: it opens a passkey session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthenticationOptionsRequest {
    #[serde(skip)]
    token_id: Id,
    client_correlation_id: Id,
    session_information: SessionInformation,
    authenticator_render_method: AuthenticatorRenderMethod,
    order_information: OptionsOrderInformation,
    merchant_information: MerchantInformation,
    device_information: DeviceInformation,
}

impl AuthenticationOptionsRequest {
    /// `token_id` is the tokenized card's id (path); `client_correlation_id` is the journey's
    /// reference, reused by every later call; `secure_token` comes from the Visa page's
    /// `AUTH_SESSION_CREATED`. `authenticatorRenderMethod` is `IFRAME`
    /// (see [`Self::with_authenticator_render_method`]).
    ///
    /// # Errors
    /// [`InvalidInput`] for `tokenId`, `clientCorrelationId` or `sessionInformation.secureToken`
    /// when empty.
    pub fn new(
        token_id: &str,
        client_correlation_id: &str,
        secure_token: SecureToken,
        amount_details: AmountDetails,
        merchant_descriptor: MerchantDescriptor,
        device_information: DeviceInformation,
    ) -> Result<Self, InvalidInput> {
        Ok(Self {
            token_id: Id::new("tokenId", token_id)?,
            client_correlation_id: Id::new("clientCorrelationId", client_correlation_id)?,
            session_information: SessionInformation::new(secure_token)?,
            authenticator_render_method: AuthenticatorRenderMethod::Iframe,
            order_information: OptionsOrderInformation { amount_details },
            merchant_information: MerchantInformation {
                merchant_descriptor,
            },
            device_information,
        })
    }

    /// Replaces `authenticatorRenderMethod`.
    #[must_use]
    pub fn with_authenticator_render_method(mut self, method: AuthenticatorRenderMethod) -> Self {
        self.authenticator_render_method = method;
        self
    }

    /// The tokenized card's id.
    pub fn token_id(&self) -> &str {
        self.token_id.as_str()
    }

    /// `clientCorrelationId`.
    pub fn client_correlation_id(&self) -> &str {
        self.client_correlation_id.as_str()
    }
}

open_enum! {
    /// `action` of authentication-options and validate [C-AO, C-VAL].
    pub enum AuthenticationAction {
        /// The device and token are registered with Passkey Service: post `AUTHENTICATE` with
        /// action `AUTHENTICATE` to the page.
        Authenticate = "AUTHENTICATE",
        /// Not registered and the issuer approved device binding: call
        /// authentication-registrations, then post `AUTHENTICATE` with action `REGISTER`.
        AuthenticationRegistration = "AUTHENTICATION_REGISTRATION",
        /// Not registered and the issuer challenged device binding: offer `stepUpOptions`.
        /// C-AO writes `STEP_UP_AUTHENTICATE`, C-PP/C-STEPUP `STEP_UP_AUTHENTICATION`; both read
        /// here (API.md §8).
        StepUpAuthenticate = "STEP_UP_AUTHENTICATE" | "STEP_UP_AUTHENTICATION",
    }
}

/// The answer of authentication-options. *Provisional*: no response sample is published; the
/// fields are those observed in 3P-CYBSDEMO and 3P-VTSPAGE (API.md §6.3), and the whole body is
/// kept in [`Self::raw`].
#[derive(Debug, Clone, PartialEq)]
pub struct AuthenticationOptionsResponse {
    /// What to do next.
    pub action: AuthenticationAction,
    /// With [`AuthenticationAction::Authenticate`]: the context for the page's `AUTHENTICATE`
    /// message (`id` is the page's `identifier`).
    pub authentication_context: Option<AuthenticationContext>,
    /// With [`AuthenticationAction::StepUpAuthenticate`]: the methods to offer (field list per
    /// C-FIELDS). Empty when absent or `null`.
    pub step_up_options: Vec<StepUpOption>,
    /// The body as received (filled by [`Endpoint::decode`]). Treat as secret-bearing.
    pub raw: RawJson,
}

impl FromJson for AuthenticationOptionsResponse {
    fn from_json(node: Node<'_, '_>) -> Result<Self, serde_json::Error> {
        read_object!(node, Self {
            action: "action" => FromJson::from_json,
            authentication_context: "authenticationContext" => FromJson::from_json,
            step_up_options: "stepUpOptions" => or_default;
            raw: RawJson::default(),
        })
    }
}

impl Endpoint for AuthenticationOptionsRequest {
    type Response = AuthenticationOptionsResponse;
    const PROVIDER: Provider = Provider::VisaAcceptance;
    const OPERATION: &'static str = "visa_acceptance.authentication_options";
    const METHOD: Method = Method::Post;
    const IDEMPOTENT: bool = false;

    fn path(&self) -> String {
        token_path(&self.token_id, "/authentication-options")
    }

    fn body(&self) -> Body {
        Body::json(self)
    }

    fn decode_body(response: &HttpResponse) -> Result<Self::Response, ApiError> {
        let (mut typed, raw) =
            decode_json_keeping_raw::<Self::Response>(Self::PROVIDER, Self::OPERATION, response)?;
        typed.raw = raw;
        Ok(typed)
    }
}

// ---------------------------------------------------------------------------------------------
// 2. one-time-passwords
// ---------------------------------------------------------------------------------------------

/// `POST /tms/v2/tokenized-cards/{tokenId}/authentication-options/one-time-passwords` — Create a
/// One-Time Password for Tokenized Card Authentication [C-OTP, seed 002]. Sends an OTP through
/// the chosen `OTP_SMS` / `OTP_EMAIL` / `OTP_ONLINE_BANKING` option and uses up one of
/// `maxRequestsAllowed`: not idempotent, never resent automatically.
///
/// The seed and VAS pages say `POST`; one mirror shows `PUT` (API.md §8). 3P-CYBSDEMO also sends
/// `sessionInformation`; the docs require only the two fields below, and only those are sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateOtpRequest {
    #[serde(skip)]
    token_id: Id,
    client_correlation_id: Id,
    step_up_option: StepUpOptionId,
}

impl CreateOtpRequest {
    /// `step_up_option_id` is the chosen `stepUpOptions[].id`
    /// ([`StepUpOption::identifier`]).
    ///
    /// # Errors
    /// [`InvalidInput`] for `tokenId`, `clientCorrelationId` or `stepUpOption.id` when empty.
    pub fn new(
        token_id: &str,
        client_correlation_id: &str,
        step_up_option_id: &str,
    ) -> Result<Self, InvalidInput> {
        Ok(Self {
            token_id: Id::new("tokenId", token_id)?,
            client_correlation_id: Id::new("clientCorrelationId", client_correlation_id)?,
            step_up_option: StepUpOptionId {
                id: Id::new("stepUpOption.id", step_up_option_id)?,
            },
        })
    }
}

/// The answer of one-time-passwords [C-OTP]: the limits of this OTP challenge. Integers in the
/// sample; their text is accepted too. The sample's values are all `0`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateOtpResponse {
    /// How many OTPs may be requested.
    pub max_requests_allowed: u32,
    /// How many verification attempts are allowed.
    pub max_verification_allowed: u32,
    /// When the code expires. The unit is undocumented (API.md §9 q6): *provisional*, kept as
    /// received.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code_expiration: Option<u32>,
}

impl FromJson for CreateOtpResponse {
    fn from_json(node: Node<'_, '_>) -> Result<Self, serde_json::Error> {
        read_object!(node, Self {
            max_requests_allowed: "maxRequestsAllowed" => lenient::u32,
            max_verification_allowed: "maxVerificationAllowed" => lenient::u32,
            code_expiration: "codeExpiration" => lenient::opt_u32,
        })
    }
}

impl Endpoint for CreateOtpRequest {
    type Response = CreateOtpResponse;
    const PROVIDER: Provider = Provider::VisaAcceptance;
    const OPERATION: &'static str = "visa_acceptance.create_otp";
    const METHOD: Method = Method::Post;
    const IDEMPOTENT: bool = false;

    fn path(&self) -> String {
        token_path(&self.token_id, "/authentication-options/one-time-passwords")
    }

    fn body(&self) -> Body {
        Body::json(self)
    }
}

// ---------------------------------------------------------------------------------------------
// 3. validate
// ---------------------------------------------------------------------------------------------

/// The one code a validate call carries: C-VAL requires `otp` "when issuerAuthCode is not
/// included" and `issuerAuthCode` "when otp is not included".
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
enum ValidationCode {
    Otp(#[serde(serialize_with = "crate::secret::expose")] Otp),
    IssuerAuthCode(#[serde(serialize_with = "crate::secret::expose")] IssuerAuthCode),
}

/// `POST /tms/v2/tokenized-cards/{tokenId}/authentication-options/validate` — Validate a
/// One-Time Password or Issuer Authentication Code [C-VAL]. Uses up a verification attempt: not
/// idempotent.
///
/// Exactly one of `otp` ([`Self::with_otp`]) or `issuerAuthCode`
/// ([`Self::with_issuer_auth_code`], the `APP_TO_APP` code variant) is sent. The C-VAL sample
/// shows both fields at once (`"otp":"456789","issuerAuthCode":"HTZl…"`), which contradicts its
/// own field descriptions; we follow the descriptions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ValidateOtpRequest {
    #[serde(skip)]
    token_id: Id,
    client_correlation_id: Id,
    step_up_option: StepUpOptionId,
    #[serde(flatten)]
    code: ValidationCode,
}

impl ValidateOtpRequest {
    /// Validates the OTP the cardholder typed.
    ///
    /// # Errors
    /// [`InvalidInput`] for `tokenId`, `clientCorrelationId`, `stepUpOption.id` when empty, or
    /// `otp` when it is not 4–8 digits (C-FIELDS: up to 8).
    pub fn with_otp(
        token_id: &str,
        client_correlation_id: &str,
        step_up_option_id: &str,
        otp: Otp,
    ) -> Result<Self, InvalidInput> {
        // An Otp read through serde was not validated on the way in.
        validate::digits("otp", otp.expose_secret(), 4, 8)?;
        Self::build(
            token_id,
            client_correlation_id,
            step_up_option_id,
            ValidationCode::Otp(otp),
        )
    }

    /// Validates the authentication code the issuer's app returned.
    ///
    /// # Errors
    /// [`InvalidInput`] for `tokenId`, `clientCorrelationId`, `stepUpOption.id` or
    /// `issuerAuthCode` when empty.
    pub fn with_issuer_auth_code(
        token_id: &str,
        client_correlation_id: &str,
        step_up_option_id: &str,
        issuer_auth_code: IssuerAuthCode,
    ) -> Result<Self, InvalidInput> {
        validate::non_empty("issuerAuthCode", issuer_auth_code.expose_secret())?;
        Self::build(
            token_id,
            client_correlation_id,
            step_up_option_id,
            ValidationCode::IssuerAuthCode(issuer_auth_code),
        )
    }

    fn build(
        token_id: &str,
        client_correlation_id: &str,
        step_up_option_id: &str,
        code: ValidationCode,
    ) -> Result<Self, InvalidInput> {
        Ok(Self {
            token_id: Id::new("tokenId", token_id)?,
            client_correlation_id: Id::new("clientCorrelationId", client_correlation_id)?,
            step_up_option: StepUpOptionId {
                id: Id::new("stepUpOption.id", step_up_option_id)?,
            },
            code,
        })
    }
}

/// The answer of validate [C-VAL]: `{"action":"AUTHENTICATION_REGISTRATION"}` in the sample.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidateOtpResponse {
    /// What to do next (`AUTHENTICATION_REGISTRATION` after a successful step-up).
    pub action: AuthenticationAction,
    /// *Provisional*: 3P-VTSPAGE reads an `authenticationContext` from this answer in some paths
    /// (API.md §6.6); `None` when absent, as in the C-VAL sample.
    pub authentication_context: Option<AuthenticationContext>,
}

impl FromJson for ValidateOtpResponse {
    fn from_json(node: Node<'_, '_>) -> Result<Self, serde_json::Error> {
        read_object!(node, Self {
            action: "action" => FromJson::from_json,
            authentication_context: "authenticationContext" => FromJson::from_json,
        })
    }
}

/// Whether an error body names a field other than the code the cardholder typed: a TMS
/// `errors[].details[].name` or an Intelligent Commerce `error.detail.source`.
fn names_only_other_fields(response: &HttpResponse) -> bool {
    let Ok(body) = serde_json::from_slice::<serde_json::Value>(&response.body) else {
        return false;
    };
    let mut names: Vec<String> = Vec::new();
    if let Some(errors) = body.get("errors").and_then(serde_json::Value::as_array) {
        for error in errors {
            if let Some(details) = error.get("details").and_then(serde_json::Value::as_array) {
                names.extend(
                    details
                        .iter()
                        .filter_map(|d| d.get("name").and_then(serde_json::Value::as_str))
                        .map(str::to_owned),
                );
            }
        }
    }
    if let Some(source) = body
        .get("error")
        .and_then(|e| e.get("detail"))
        .and_then(|d| d.get("source"))
        .and_then(serde_json::Value::as_str)
    {
        names.push(source.to_owned());
    }
    !names.is_empty()
        && !names.iter().any(|name| {
            let leaf = name.rsplit('.').next().unwrap_or(name);
            leaf.eq_ignore_ascii_case("otp") || leaf.eq_ignore_ascii_case("issuerAuthCode")
        })
}

impl Endpoint for ValidateOtpRequest {
    type Response = ValidateOtpResponse;
    const PROVIDER: Provider = Provider::VisaAcceptance;
    const OPERATION: &'static str = "visa_acceptance.validate_otp";
    const METHOD: Method = Method::Post;
    const IDEMPOTENT: bool = false;

    fn path(&self) -> String {
        token_path(&self.token_id, "/authentication-options/validate")
    }

    fn body(&self) -> Body {
        Body::json(self)
    }

    /// As the default, plus one rule for a wrong code. The wrong-OTP answer is undocumented
    /// (API.md §9 q7); Visa's own agent goes back to OTP entry on any validate error [VISA-AI].
    /// So an HTTP 4xx whose category is [`ErrorCategory::InvalidRequest`] gets
    /// [`Recovery::ReenterOtp`] — unless its code is about headers (`invalidHeaders`,
    /// `missingHeaders`: a signing problem) or the body names only fields other than `otp` /
    /// `issuerAuthCode` (then the request itself is wrong and stays
    /// [`Recovery::FixRequest`]). Limits and expiry keep their own categories and recoveries.
    fn decode_body(response: &HttpResponse) -> Result<Self::Response, ApiError> {
        decode_json(Self::PROVIDER, Self::OPERATION, response).map_err(|mut error| {
            let about_headers = error
                .code
                .as_deref()
                .is_some_and(|c| c.to_ascii_lowercase().contains("header"));
            if (400..500).contains(&error.http_status)
                && error.category == ErrorCategory::InvalidRequest
                && !about_headers
                && !names_only_other_fields(response)
            {
                error.recovery = Recovery::ReenterOtp;
            }
            error
        })
    }
}

// ---------------------------------------------------------------------------------------------
// 4. authentication-registrations
// ---------------------------------------------------------------------------------------------

/// `orderInformation.billTo` of authentication-registrations [C-REG]: `email` required,
/// `phoneNumber` optional.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BillTo {
    email: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    phone_number: Option<String>,
}

impl BillTo {
    /// The cardholder's email and, optionally, phone number.
    ///
    /// # Errors
    /// [`InvalidInput`] for `orderInformation.billTo.email` (empty, or not `local@domain`) or
    /// `orderInformation.billTo.phoneNumber` (empty, or not digits with an optional leading `+`
    /// and the separators space, `-`, `.`, `(`, `)`).
    pub fn new(email: &str, phone_number: Option<&str>) -> Result<Self, InvalidInput> {
        const EMAIL: &str = "orderInformation.billTo.email";
        const PHONE: &str = "orderInformation.billTo.phoneNumber";
        validate::non_empty(EMAIL, email)?;
        let email = email.trim();
        let well_formed = email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && !domain.is_empty() && !domain.contains('@')
        }) && !email.contains(char::is_whitespace);
        if !well_formed {
            return Err(InvalidInput::new(
                EMAIL,
                Problem::Format {
                    expected: "an email address such as name@example.com",
                },
            ));
        }
        let phone_number = match phone_number {
            None => None,
            Some(phone) => {
                validate::non_empty(PHONE, phone)?;
                let phone = phone.trim();
                let body = phone.strip_prefix('+').unwrap_or(phone);
                let digits = body.bytes().filter(u8::is_ascii_digit).count();
                let allowed = body
                    .bytes()
                    .all(|b| b.is_ascii_digit() || matches!(b, b' ' | b'-' | b'.' | b'(' | b')'));
                if !allowed || !(4..=20).contains(&digits) {
                    return Err(InvalidInput::new(
                        PHONE,
                        Problem::Format {
                            expected: "a phone number: 4 to 20 digits, optionally with a leading +",
                        },
                    ));
                }
                Some(phone.to_owned())
            }
        };
        Ok(Self {
            email: email.to_owned(),
            phone_number,
        })
    }
}

/// `buyerInformation{language}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
struct BuyerInformation {
    language: String,
}

/// `orderInformation{amountDetails, billTo}` of authentication-registrations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
struct RegistrationOrderInformation {
    amount_details: AmountDetails,
    bill_to: BillTo,
}

/// `POST /tms/v2/tokenized-cards/{tokenId}/authentication-registrations` — Create Tokenized Card
/// Authentication Registration [C-REG]: after `AUTHENTICATION_REGISTRATION`, registers a passkey
/// for this device and token. Not idempotent.
///
/// C-REG requires everything authentication-options sends plus `buyerInformation.language` and
/// `orderInformation.billTo.email`, so the request is built from the journey's
/// [`AuthenticationOptionsRequest`] (same token, correlation id, secure token, amount, merchant
/// and device).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthenticationRegistrationRequest {
    #[serde(skip)]
    token_id: Id,
    authenticator_render_method: AuthenticatorRenderMethod,
    buyer_information: BuyerInformation,
    client_correlation_id: Id,
    device_information: DeviceInformation,
    merchant_information: MerchantInformation,
    order_information: RegistrationOrderInformation,
    session_information: SessionInformation,
}

impl AuthenticationRegistrationRequest {
    /// `language` is the cardholder's language (`en-US`).
    ///
    /// # Errors
    /// [`InvalidInput`] for `buyerInformation.language` when empty.
    pub fn new(
        options: &AuthenticationOptionsRequest,
        language: &str,
        bill_to: BillTo,
    ) -> Result<Self, InvalidInput> {
        Self::from_options(options.clone(), language, bill_to)
    }

    /// As [`Self::new`], taking the options request apart instead of copying its parts (the
    /// journey builds one only to make this one).
    pub(crate) fn from_options(
        options: AuthenticationOptionsRequest,
        language: &str,
        bill_to: BillTo,
    ) -> Result<Self, InvalidInput> {
        validate::non_empty("buyerInformation.language", language)?;
        Ok(Self {
            token_id: options.token_id,
            authenticator_render_method: options.authenticator_render_method,
            buyer_information: BuyerInformation {
                language: language.trim().to_owned(),
            },
            client_correlation_id: options.client_correlation_id,
            device_information: options.device_information,
            merchant_information: options.merchant_information,
            order_information: RegistrationOrderInformation {
                amount_details: options.order_information.amount_details,
                bill_to,
            },
            session_information: options.session_information,
        })
    }
}

/// The answer of authentication-registrations. *Provisional*: the response is not documented;
/// 3P-CYBSDEMO reads `authenticationContext{id, endpoint, payload}` and posts `AUTHENTICATE`
/// with action `REGISTER` (API.md §6.7). `None` when the body has no context; the whole body is
/// in [`Self::raw`].
#[derive(Debug, Clone, PartialEq)]
pub struct AuthenticationRegistrationResponse {
    /// The context for the page's `AUTHENTICATE` message with action `REGISTER`.
    pub authentication_context: Option<AuthenticationContext>,
    /// The body as received (filled by [`Endpoint::decode`]). Treat as secret-bearing.
    pub raw: RawJson,
}

impl FromJson for AuthenticationRegistrationResponse {
    fn from_json(node: Node<'_, '_>) -> Result<Self, serde_json::Error> {
        read_object!(node, Self {
            authentication_context: "authenticationContext" => FromJson::from_json;
            raw: RawJson::default(),
        })
    }
}

impl Endpoint for AuthenticationRegistrationRequest {
    type Response = AuthenticationRegistrationResponse;
    const PROVIDER: Provider = Provider::VisaAcceptance;
    const OPERATION: &'static str = "visa_acceptance.authentication_registration";
    const METHOD: Method = Method::Post;
    const IDEMPOTENT: bool = false;

    fn path(&self) -> String {
        token_path(&self.token_id, "/authentication-registrations")
    }

    fn body(&self) -> Body {
        Body::json(self)
    }

    fn decode_body(response: &HttpResponse) -> Result<Self::Response, ApiError> {
        let (mut typed, raw) =
            decode_json_keeping_raw::<Self::Response>(Self::PROVIDER, Self::OPERATION, response)?;
        typed.raw = raw;
        Ok(typed)
    }
}

// ---------------------------------------------------------------------------------------------
// Into the Visa page
// ---------------------------------------------------------------------------------------------

impl AuthenticationContext {
    /// The page's `AUTHENTICATE` message for a Cybersource context: `action` is
    /// [`PasskeyAction::Authenticate`] after authentication-options and
    /// [`PasskeyAction::Register`] after authentication-registrations; platform `WEB` and the
    /// default preferences (`code` / `com_visa_web_message`), as 3P-CYBSDEMO sends them.
    ///
    /// # Errors
    /// As [`OutgoingMessage::authenticate`].
    pub fn web_authenticate_message(
        &self,
        request_id: &str,
        action: &PasskeyAction,
    ) -> Result<OutgoingMessage, InvalidInput> {
        OutgoingMessage::authenticate(
            request_id,
            self,
            action,
            &PlatformType::Web,
            &AuthPreferences::default(),
        )
    }
}
