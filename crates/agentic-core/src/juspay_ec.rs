//! Juspay Express Checkout / Direct OTP (API.md §5): wire models for the native-OTP card
//! payment — eligibility, order, start authentication, process OTP, resend OTP, order status.
//!
//! ```text
//! GET  /cardbins/{card_bin}                          CardBinEligibilityRequest  -> CardBinInfo
//! POST /orders                                       CreateOrderRequest         -> CreateOrderResponse
//! POST /txns   (auth_type=OTP)                       StartAuthenticationRequest -> TxnResponse
//! POST /v2/txns/{id}/authenticate                    ProcessOtpRequest          -> TxnResponse
//! POST /v2/txns/{id}/authenticate/{challenge}/resend ResendOtpRequest           -> TxnResponse
//! GET  /orders/{order_id}                            OrderStatusRequest         -> OrderStatusResponse
//! ```
//!
//! Requests are form-encoded (`application/x-www-form-urlencoded`, [J-ECINTRO]) and built by
//! constructors that validate what the docs constrain; path segments are percent-encoded.
//! Responses decode tolerantly: open enums, booleans and counts as JSON or as strings, extra
//! fields ignored, empty strings read as absent. Errors use the Express Checkout envelope
//! `{status, error_code, error_message}` [J-SA, J-CE, J-ROTP], which
//! [`Endpoint::decode`] turns into an [`ApiError`].
//!
//! The `x-routing-id` header [J-SA] is the transport's business; nothing here carries it.
//! What to do after `POST /txns` is [`TxnResponse::next_step`].

use crate::error::{ApiError, Provider};
use crate::json_path::{FromJson, Node, read_object};
use crate::secret::{
    CardNumber, CardSecurityCode, CardToken, ClientAuthToken, ExpiryMonth, ExpiryYear, Otp,
    SecretText,
};
use crate::validate::{self, Amount, CardBin, CurrencyCode, Id, InvalidInput, OrderId, Problem};
use crate::wire::{
    Body, Endpoint, HttpResponse, Method, RawJson, decode_json_keeping_raw, lenient, open_enum,
    path_segment,
};

// ---------------------------------------------------------------------------------------------
// Shared enums
// ---------------------------------------------------------------------------------------------

open_enum! {
    /// Transaction and order status [J-STATUS; J-POTP v3.2; J-ROTP v3.2; API.md §5.6]. Key on
    /// the string: the documented numeric ids disagree (`AUTHORIZED` vs `VBV_SUCCESSFUL` = 24).
    pub enum TxnStatus {
        /// 10 — newly created order.
        New = "NEW",
        /// 20 — "Juspay system isn't able to find a gateway".
        Started = "STARTED",
        /// 21 — successful transaction.
        Charged = "CHARGED",
        /// 22 — user input not accepted by the underlying payment gateway.
        JuspayDeclined = "JUSPAY_DECLINED",
        /// 23 — authentication in progress: the card holder has an OTP or a bank page to
        /// complete.
        PendingVbv = "PENDING_VBV",
        /// 24 — authenticated, authorization in progress.
        VbvSuccessful = "VBV_SUCCESSFUL",
        /// Authorized but not captured (`auto_capture=false`) [J-POTP v3.2].
        Authorized = "AUTHORIZED",
        /// 26 — the user did not complete authentication.
        AuthenticationFailed = "AUTHENTICATION_FAILED",
        /// 27 — authenticated, but the bank refused.
        AuthorizationFailed = "AUTHORIZATION_FAILED",
        /// 28 — pending from the bank.
        Authorizing = "AUTHORIZING",
        /// 31 — a pre-authorization was voided.
        Voided = "VOIDED",
        /// 32 — a void is in progress.
        VoidInitiated = "VOID_INITIATED",
        /// 33 — a capture is in progress.
        CaptureInitiated = "CAPTURE_INITIATED",
        /// 34 — a capture failed.
        CaptureFailed = "CAPTURE_FAILED",
        /// 35 — a void failed.
        VoidFailed = "VOID_FAILED",
        /// 36 — refunded automatically.
        AutoRefunded = "AUTO_REFUNDED",
        /// 40 — no such order or transaction.
        NotFound = "NOT_FOUND",
    }
}

impl TxnStatus {
    /// The payment succeeded: `CHARGED`, or `AUTHORIZED` when capture was deferred (API.md §7.8).
    pub fn is_success(&self) -> bool {
        matches!(self, Self::Charged | Self::Authorized)
    }

    /// The payment failed for good: `AUTHENTICATION_FAILED`, `AUTHORIZATION_FAILED`,
    /// `JUSPAY_DECLINED` (API.md §7.8). A new attempt needs a new `POST /txns`.
    pub fn is_failure(&self) -> bool {
        matches!(
            self,
            Self::AuthenticationFailed | Self::AuthorizationFailed | Self::JuspayDeclined
        )
    }

    /// Nothing will change any more without a new call by the merchant (capture, void,
    /// refund, new attempt): every success and failure, plus `VOIDED`, `AUTO_REFUNDED`,
    /// `CAPTURE_FAILED` and `VOID_FAILED`.
    ///
    /// Not terminal — poll the order status or keep authenticating: `NEW`, `STARTED`,
    /// `PENDING_VBV`, `VBV_SUCCESSFUL`, `AUTHORIZING`, `VOID_INITIATED`, `CAPTURE_INITIATED`,
    /// `NOT_FOUND` (after an unknown outcome it means the attempt never reached Juspay) and
    /// every `Unknown` status.
    pub fn is_terminal(&self) -> bool {
        self.is_success()
            || self.is_failure()
            || matches!(
                self,
                Self::Voided | Self::AutoRefunded | Self::CaptureFailed | Self::VoidFailed
            )
    }

    /// Whether the card holder may still have an authentication step to do. *INFERRED*: J-SA
    /// says not to validate `PENDING_VBV` itself, so an unknown status defers to the
    /// `authentication` block too.
    fn may_await_authentication(&self) -> bool {
        matches!(
            self,
            Self::New | Self::Started | Self::PendingVbv | Self::Unknown(_)
        )
    }
}

open_enum! {
    /// `payment_method` of a card payment [J-SA]: "One of VISA/MASTERCARD/MAESTRO/AMEX/RUPAY".
    pub enum PaymentMethod {
        /// Visa.
        Visa = "VISA",
        /// Mastercard.
        Mastercard = "MASTERCARD",
        /// Maestro.
        Maestro = "MAESTRO",
        /// American Express.
        Amex = "AMEX",
        /// RuPay.
        Rupay = "RUPAY",
    }
}

open_enum! {
    /// `type` of a card BIN [J-CE].
    pub enum CardType {
        /// Credit card.
        Credit = "CREDIT",
        /// Debit card.
        Debit = "DEBIT",
    }
}

open_enum! {
    /// `payment.authentication.method` [J-SA]: how the authentication `url` is used.
    pub enum AuthenticationMethod {
        /// Send the card holder's browser to `url` (bank / 3-D Secure page).
        Get = "GET",
        /// Post `params` to `url`; with a `challenge_id` this is the native OTP challenge.
        Post = "POST",
    }
}

open_enum! {
    /// `params.auth_type` (documented as `auth_method`) [J-SA, J-ROTP].
    pub enum AuthType {
        /// One-time password.
        Otp = "OTP",
    }
}

// ---------------------------------------------------------------------------------------------
// Private helpers
// ---------------------------------------------------------------------------------------------

/// An identifier that goes into a URL path: non-empty, and not `.` or `..` (which would change
/// the path even when encoded).
fn path_id(field: &'static str, value: &str) -> Result<Id, InvalidInput> {
    if matches!(value, "." | "..") {
        return Err(InvalidInput::new(
            field,
            Problem::Format {
                expected: "an identifier other than `.` or `..`",
            },
        ));
    }
    Id::new(field, value)
}

fn bool_text(value: bool) -> &'static str {
    if value { "true" } else { "false" }
}

/// `payment_method`: an `Unknown` spelling must still be something.
fn check_payment_method(method: &PaymentMethod) -> Result<(), InvalidInput> {
    validate::non_empty("payment_method", method.as_str())
}

fn opt_expiry_month(node: Node<'_, '_>) -> Result<Option<ExpiryMonth>, serde_json::Error> {
    Ok(lenient::opt_text(node)?.map(ExpiryMonth::from_unchecked))
}

fn opt_expiry_year(node: Node<'_, '_>) -> Result<Option<ExpiryYear>, serde_json::Error> {
    Ok(lenient::opt_text(node)?.map(ExpiryYear::from_unchecked))
}

fn opt_client_auth_token(node: Node<'_, '_>) -> Result<Option<ClientAuthToken>, serde_json::Error> {
    Ok(lenient::opt_text(node)?.map(ClientAuthToken::from_unchecked))
}

// ---------------------------------------------------------------------------------------------
// 1. GET /cardbins/{card_bin} — Check Eligibility [J-CE]
// ---------------------------------------------------------------------------------------------

/// `GET /cardbins/{card_bin}?merchant_id=…&options.check_direct_otp_support=true` — Check
/// Native OTP Eligibility [J-CE]. Always asks for the direct-OTP check
/// (`options.check_direct_otp_support=true`), which is why this SDK calls it. A read:
/// idempotent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardBinEligibilityRequest {
    card_bin: CardBin,
    merchant_id: Id,
}

impl CardBinEligibilityRequest {
    /// `card_bin` is the first 6–9 digits of the card (J-CE asks to move to 9 digits);
    /// [`CardNumber::bin6`] gives six.
    ///
    /// # Errors
    /// [`InvalidInput`] for `card_bin` (not 6–9 digits) or an empty `merchant_id`.
    pub fn new(card_bin: &str, merchant_id: &str) -> Result<Self, InvalidInput> {
        Ok(Self {
            card_bin: CardBin::new("card_bin", card_bin)?,
            merchant_id: Id::new("merchant_id", merchant_id)?,
        })
    }
}

/// A card BIN's details [J-CE, J-CARDINFO]. Fields the BIN database does not know are `None`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardBinInfo {
    /// The BIN itself (`524368`).
    pub id: Option<String>,
    /// Always `cardbin`.
    pub object: Option<String>,
    /// Card network as Juspay names it (`Master Card`).
    pub brand: Option<String>,
    /// Issuing bank (`HDFC Bank`).
    pub bank: Option<String>,
    /// Issuing country (`India`).
    pub country: Option<String>,
    /// `CREDIT` or `DEBIT`.
    pub card_type: Option<CardType>,
    /// Whether the card can pay with a native (direct) OTP.
    pub direct_otp_support: Option<bool>,
    /// Juspay's bank code [J-CARDINFO].
    pub juspay_bank_code: Option<String>,
    /// Card sub-type [J-CARDINFO].
    pub card_sub_type: Option<String>,
    /// Whether the BIN is expired [J-CARDINFO].
    pub expired: Option<bool>,
    /// Whether ATM-PIN authentication is supported [J-CARDINFO].
    pub atm_pin_auth_support: Option<bool>,
    /// Whether mandates are supported [J-CARDINFO].
    pub mandate_support: Option<bool>,
}

impl FromJson for CardBinInfo {
    fn from_json(node: Node<'_, '_>) -> Result<Self, serde_json::Error> {
        read_object!(node, Self {
            id: "id" => lenient::opt_text,
            object: "object" => lenient::opt_text,
            brand: "brand" => lenient::opt_text,
            bank: "bank" => lenient::opt_text,
            country: "country" => lenient::opt_text,
            card_type: "type" => FromJson::from_json,
            direct_otp_support: "direct_otp_support" => lenient::opt_bool,
            juspay_bank_code: "juspay_bank_code" => lenient::opt_text,
            card_sub_type: "card_sub_type" => lenient::opt_text,
            expired: "expired" => lenient::opt_bool,
            atm_pin_auth_support: "atm_pin_auth_support" => lenient::opt_bool,
            mandate_support: "mandate_support" => lenient::opt_bool,
        })
    }
}

impl CardBinInfo {
    /// Native OTP may be offered only when Juspay says so explicitly; absent means no.
    pub fn supports_direct_otp(&self) -> bool {
        self.direct_otp_support == Some(true)
    }
}

impl Endpoint for CardBinEligibilityRequest {
    type Response = CardBinInfo;
    const PROVIDER: Provider = Provider::JuspayEc;
    const OPERATION: &'static str = "juspay_ec.card_bin_eligibility";
    const METHOD: Method = Method::Get;
    const IDEMPOTENT: bool = true;

    fn path(&self) -> String {
        let query = form_urlencoded::Serializer::new(String::new())
            .append_pair("merchant_id", self.merchant_id.as_str())
            .append_pair("options.check_direct_otp_support", "true")
            .finish();
        format!("/cardbins/{}?{query}", path_segment(self.card_bin.as_str()))
    }

    fn body(&self) -> Body {
        Body::Empty
    }
}

// ---------------------------------------------------------------------------------------------
// 2. POST /orders — Create Order [J-ORDER]
// ---------------------------------------------------------------------------------------------

/// `POST /orders` — Create Order [J-ORDER], the prerequisite of `POST /txns`.
///
/// Creates an order: not idempotent. Juspay keys orders on `order_id`, so resending with the
/// same `order_id` after an unknown outcome should not create a second order, but the docs do
/// not promise it: reconcile with [`OrderStatusRequest`] first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateOrderRequest {
    order_id: OrderId,
    amount: Amount,
    currency: Option<CurrencyCode>,
    customer_id: Option<Id>,
    customer_email: Option<String>,
    customer_phone: Option<String>,
    return_url: Option<String>,
    ip_address: Option<String>,
    user_agent: Option<String>,
    get_client_auth_token: bool,
}

impl CreateOrderRequest {
    /// `order_id` is alphanumeric, shorter than 21 characters; `amount` a decimal with up to
    /// two places (`"100.15"`), sent as [`Amount`]'s two-decimal text.
    ///
    /// # Errors
    /// [`InvalidInput`] for `order_id` or `amount`.
    pub fn new(order_id: &str, amount: &str) -> Result<Self, InvalidInput> {
        Ok(Self::validated(
            OrderId::new("order_id", order_id)?,
            Amount::parse("amount", amount)?,
        ))
    }

    /// From values validated already (a journey's own order).
    pub(crate) fn validated(order_id: OrderId, amount: Amount) -> Self {
        Self {
            order_id,
            amount,
            currency: None,
            customer_id: None,
            customer_email: None,
            customer_phone: None,
            return_url: None,
            ip_address: None,
            user_agent: None,
            get_client_auth_token: false,
        }
    }

    /// `currency` (ISO 4217; Juspay's default is INR per AE-JUSPAY).
    ///
    /// # Errors
    /// [`InvalidInput`] for `currency`.
    pub fn with_currency(mut self, currency: &str) -> Result<Self, InvalidInput> {
        self.currency = Some(CurrencyCode::new("currency", currency)?);
        Ok(self)
    }

    /// `customer_id` — required by some gateways [J-ORDER]. Use the same value as the
    /// transport's `x-routing-id`.
    ///
    /// # Errors
    /// [`InvalidInput`] for an empty `customer_id`.
    pub fn with_customer_id(mut self, customer_id: &str) -> Result<Self, InvalidInput> {
        self.customer_id = Some(Id::new("customer_id", customer_id)?);
        Ok(self)
    }

    /// `customer_email` — required by some gateways [J-ORDER].
    ///
    /// # Errors
    /// [`InvalidInput`] for `customer_email` unless it looks like `local@domain` without
    /// spaces.
    pub fn with_customer_email(mut self, email: &str) -> Result<Self, InvalidInput> {
        const FIELD: &str = "customer_email";
        validate::non_empty(FIELD, email)?;
        let plausible = email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && !domain.is_empty() && !domain.contains('@')
        }) && !email.chars().any(char::is_whitespace);
        if !plausible {
            return Err(InvalidInput::new(
                FIELD,
                Problem::Format {
                    expected: "an email address",
                },
            ));
        }
        self.customer_email = Some(email.to_owned());
        Ok(self)
    }

    /// `customer_phone` — required by some gateways [J-ORDER]; 6–15 digits, optionally after
    /// `+` (Juspay's sample: `919988665522`).
    ///
    /// # Errors
    /// [`InvalidInput`] for `customer_phone`.
    pub fn with_customer_phone(mut self, phone: &str) -> Result<Self, InvalidInput> {
        const FIELD: &str = "customer_phone";
        validate::non_empty(FIELD, phone)?;
        let digits = phone.strip_prefix('+').unwrap_or(phone);
        if !(6..=15).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(InvalidInput::new(
                FIELD,
                Problem::Format {
                    expected: "a phone number: 6 to 15 digits, optionally after `+`",
                },
            ));
        }
        self.customer_phone = Some(phone.to_owned());
        Ok(self)
    }

    /// `return_url` — "fully qualified URL … shouldn't contain any query parameters or Ip
    /// address" [J-ORDER (SEA)].
    ///
    /// # Errors
    /// [`InvalidInput`] for `return_url` unless it is an absolute `http(s)` URL without
    /// query, spaces or an IP-address host.
    pub fn with_return_url(mut self, url: &str) -> Result<Self, InvalidInput> {
        const FIELD: &str = "return_url";
        validate::non_empty(FIELD, url)?;
        let lower = url.to_ascii_lowercase();
        let rest = lower
            .strip_prefix("https://")
            .or_else(|| lower.strip_prefix("http://"));
        let host = rest.map(|r| r.split(['/', '#']).next().unwrap_or(""));
        let host_name = host.map(|h| h.rsplit_once(':').map_or(h, |(name, _)| name));
        let valid = match host_name {
            Some(name) => {
                !name.is_empty()
                    && !name.starts_with('[')
                    && name.parse::<std::net::Ipv4Addr>().is_err()
                    && !url.contains('?')
                    && !url.chars().any(char::is_whitespace)
            }
            None => false,
        };
        if !valid {
            return Err(InvalidInput::new(
                FIELD,
                Problem::Format {
                    expected: "an absolute http(s) URL without query parameters or an IP-address host",
                },
            ));
        }
        self.return_url = Some(url.to_owned());
        Ok(self)
    }

    /// `ip_address` and `user_agent` of the card holder: some acquirers require them when
    /// the authentication starts and Juspay takes them at order creation [J-SA note].
    ///
    /// # Errors
    /// [`InvalidInput`] for `ip_address` (not an IPv4/IPv6 address) or an empty `user_agent`.
    pub fn with_client_info(
        mut self,
        ip_address: &str,
        user_agent: &str,
    ) -> Result<Self, InvalidInput> {
        if ip_address.parse::<std::net::IpAddr>().is_err() {
            validate::non_empty("ip_address", ip_address)?;
            return Err(InvalidInput::new(
                "ip_address",
                Problem::Format {
                    expected: "an IPv4 or IPv6 address",
                },
            ));
        }
        validate::non_empty("user_agent", user_agent)?;
        self.ip_address = Some(ip_address.to_owned());
        self.user_agent = Some(user_agent.to_owned());
        Ok(self)
    }

    /// Sends `options.get_client_auth_token=true`: the response then carries
    /// `juspay.client_auth_token` (valid 15 minutes) for a client-side SDK [J-ORDER].
    pub fn request_client_auth_token(mut self) -> Self {
        self.get_client_auth_token = true;
        self
    }

    /// The order id this request creates.
    pub fn order_id(&self) -> &OrderId {
        &self.order_id
    }

    /// The amount of the order.
    pub fn amount(&self) -> Amount {
        self.amount
    }
}

/// `payment_links` of a created order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentLinks {
    /// Payment page for a browser.
    pub web: Option<String>,
    /// Payment page for a mobile browser.
    pub mobile: Option<String>,
    /// Payment page for an iframe.
    pub iframe: Option<String>,
}

impl FromJson for PaymentLinks {
    fn from_json(node: Node<'_, '_>) -> Result<Self, serde_json::Error> {
        read_object!(node, Self {
            web: "web" => lenient::opt_text,
            mobile: "mobile" => lenient::opt_text,
            iframe: "iframe" => lenient::opt_text,
        })
    }
}

/// `juspay{client_auth_token, client_auth_token_expiry}` [J-ORDER, J-CUST].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientAuth {
    /// The client auth token: secret, valid 15 minutes.
    pub client_auth_token: Option<ClientAuthToken>,
    /// When it expires, as Juspay writes it (ISO 8601 in the samples).
    pub client_auth_token_expiry: Option<String>,
}

impl FromJson for ClientAuth {
    fn from_json(node: Node<'_, '_>) -> Result<Self, serde_json::Error> {
        read_object!(node, Self {
            client_auth_token: "client_auth_token" => opt_client_auth_token,
            client_auth_token_expiry: "client_auth_token_expiry" => lenient::opt_text,
        })
    }
}

/// The answer to Create Order. *Provisional*: J-ORDER shows no response sample; the fields
/// follow other Juspay pages (API.md §5.2) and every one is optional.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateOrderResponse {
    /// `NEW` for a fresh order.
    pub status: Option<TxnStatus>,
    /// Numeric status (`1` in Juspay's samples for `NEW`).
    pub status_id: Option<u32>,
    /// Juspay's own order id (`ordeh_…`).
    pub id: Option<String>,
    /// The merchant's `order_id`.
    pub order_id: Option<String>,
    /// Hosted payment pages.
    pub payment_links: Option<PaymentLinks>,
    /// The client auth token, when `options.get_client_auth_token=true` was sent.
    pub juspay: Option<ClientAuth>,
}

impl FromJson for CreateOrderResponse {
    fn from_json(node: Node<'_, '_>) -> Result<Self, serde_json::Error> {
        read_object!(node, Self {
            status: "status" => FromJson::from_json,
            status_id: "status_id" => lenient::opt_u32,
            id: "id" => lenient::opt_text,
            order_id: "order_id" => lenient::opt_text,
            payment_links: "payment_links" => FromJson::from_json,
            juspay: "juspay" => FromJson::from_json,
        })
    }
}

impl Endpoint for CreateOrderRequest {
    type Response = CreateOrderResponse;
    const PROVIDER: Provider = Provider::JuspayEc;
    const OPERATION: &'static str = "juspay_ec.create_order";
    const METHOD: Method = Method::Post;
    const IDEMPOTENT: bool = false;

    fn path(&self) -> String {
        "/orders".to_owned()
    }

    fn body(&self) -> Body {
        let amount = self.amount.to_string();
        // At most 10 pairs: one allocation.
        let mut pairs: Vec<(&str, &str)> = Vec::with_capacity(10);
        pairs.extend([
            ("order_id", self.order_id.as_str()),
            ("amount", amount.as_str()),
        ]);
        let optional = [
            ("currency", self.currency.as_ref().map(CurrencyCode::as_str)),
            ("customer_id", self.customer_id.as_ref().map(Id::as_str)),
            ("customer_email", self.customer_email.as_deref()),
            ("customer_phone", self.customer_phone.as_deref()),
            ("return_url", self.return_url.as_deref()),
            ("ip_address", self.ip_address.as_deref()),
            ("user_agent", self.user_agent.as_deref()),
        ];
        pairs.extend(
            optional
                .into_iter()
                .filter_map(|(name, value)| value.map(|v| (name, v))),
        );
        if self.get_client_auth_token {
            pairs.push(("options.get_client_auth_token", "true"));
        }
        Body::form(&pairs)
    }
}

// ---------------------------------------------------------------------------------------------
// 3. POST /txns with auth_type=OTP — Start Authentication [J-SA]
// ---------------------------------------------------------------------------------------------

/// Which card pays: raw card fields or a saved-card token.
#[derive(Debug, Clone, PartialEq, Eq)]
enum CardSource {
    New {
        card_number: CardNumber,
        card_exp_month: ExpiryMonth,
        card_exp_year: ExpiryYear,
        card_security_code: CardSecurityCode,
        name_on_card: Option<String>,
        save_to_locker: bool,
    },
    Saved {
        card_token: CardToken,
        card_security_code: Option<CardSecurityCode>,
    },
}

/// `POST /txns` with `auth_type=OTP` — Start Authentication [J-SA, seed 003]: starts a card
/// payment on a created order and asks for a native OTP (the gateway may fall back to 3-D
/// Secure; see [`TxnResponse::next_step`]).
///
/// Sends `payment_method_type=CARD`, `format=json`, `auth_type=OTP` with the card fields in
/// the order of J-SA's curl samples. Moves money and sends an OTP: not idempotent — after an
/// unknown outcome, reconcile with [`OrderStatusRequest`]. `Debug` redacts every card secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartAuthenticationRequest {
    order_id: OrderId,
    merchant_id: Id,
    payment_method: Option<PaymentMethod>,
    card: CardSource,
    gateway_id: Option<Id>,
    auth_account_id: Option<Id>,
}

impl StartAuthenticationRequest {
    /// Pays with card details ("Request - New Card"). `save_to_locker` (mandatory) asks
    /// Juspay to save the card when the payment succeeds. The secrets are validated by their
    /// own constructors, e.g. `CardNumber::new("card_number", …)`.
    ///
    /// # Errors
    /// [`InvalidInput`] for `order_id` or an empty `merchant_id`.
    pub fn new_card(
        order_id: &str,
        merchant_id: &str,
        card_number: CardNumber,
        card_exp_month: ExpiryMonth,
        card_exp_year: ExpiryYear,
        card_security_code: CardSecurityCode,
        save_to_locker: bool,
    ) -> Result<Self, InvalidInput> {
        Ok(Self {
            order_id: OrderId::new("order_id", order_id)?,
            merchant_id: Id::new("merchant_id", merchant_id)?,
            payment_method: None,
            card: CardSource::New {
                card_number,
                card_exp_month,
                card_exp_year,
                card_security_code,
                name_on_card: None,
                save_to_locker,
            },
            gateway_id: None,
            auth_account_id: None,
        })
    }

    /// Pays with a saved card's `card_token` ("Request - Saved Card"), from `/card/list` or
    /// `/card/tokenize`. A `/card/list` token still needs the CVV:
    /// [`with_card_security_code`](Self::with_card_security_code).
    ///
    /// # Errors
    /// [`InvalidInput`] for `order_id` or an empty `merchant_id`.
    pub fn saved_card(
        order_id: &str,
        merchant_id: &str,
        card_token: CardToken,
    ) -> Result<Self, InvalidInput> {
        Ok(Self {
            order_id: OrderId::new("order_id", order_id)?,
            merchant_id: Id::new("merchant_id", merchant_id)?,
            payment_method: None,
            card: CardSource::Saved {
                card_token,
                card_security_code: None,
            },
            gateway_id: None,
            auth_account_id: None,
        })
    }

    /// `payment_method` (VISA/MASTERCARD/…); Juspay infers it from the card when absent.
    ///
    /// # Errors
    /// [`InvalidInput`] for `payment_method` when an `Unknown` spelling is blank.
    pub fn with_payment_method(mut self, method: PaymentMethod) -> Result<Self, InvalidInput> {
        check_payment_method(&method)?;
        self.payment_method = Some(method);
        Ok(self)
    }

    /// `name_on_card` — "Should contain alphabetical characters only" (spaces are accepted
    /// between names). Ignored for a saved card, whose name Juspay already has.
    ///
    /// # Errors
    /// [`InvalidInput`] for `name_on_card`.
    pub fn with_name_on_card(mut self, name: &str) -> Result<Self, InvalidInput> {
        const FIELD: &str = "name_on_card";
        validate::non_empty(FIELD, name)?;
        if !name.chars().all(|c| c.is_alphabetic() || c == ' ') {
            return Err(InvalidInput::new(
                FIELD,
                Problem::Format {
                    expected: "letters and spaces only",
                },
            ));
        }
        if let CardSource::New { name_on_card, .. } = &mut self.card {
            *name_on_card = Some(name.to_owned());
        }
        Ok(self)
    }

    /// `card_security_code` for a saved card whose token came from `/card/list` [J-SA].
    /// A new card always carries its CVV; this replaces it.
    pub fn with_card_security_code(mut self, cvv: CardSecurityCode) -> Self {
        match &mut self.card {
            CardSource::New {
                card_security_code, ..
            } => *card_security_code = cvv,
            CardSource::Saved {
                card_security_code, ..
            } => *card_security_code = Some(cvv),
        }
        self
    }

    /// `gateway_id` — not needed with a payment aggregator [J-SA].
    ///
    /// # Errors
    /// [`InvalidInput`] for an empty `gateway_id`.
    pub fn with_gateway_id(mut self, gateway_id: &str) -> Result<Self, InvalidInput> {
        self.gateway_id = Some(Id::new("gateway_id", gateway_id)?);
        Ok(self)
    }

    /// `auth_account_id` — the authentication provider account (merchant dashboard, Direct
    /// ACS settings [J-GLOSS]); not needed with a payment aggregator [J-SA].
    ///
    /// # Errors
    /// [`InvalidInput`] for an empty `auth_account_id`.
    pub fn with_auth_account_id(mut self, auth_account_id: &str) -> Result<Self, InvalidInput> {
        self.auth_account_id = Some(Id::new("auth_account_id", auth_account_id)?);
        Ok(self)
    }

    /// The order being paid.
    pub fn order_id(&self) -> &OrderId {
        &self.order_id
    }
}

impl Endpoint for StartAuthenticationRequest {
    type Response = TxnResponse;
    const PROVIDER: Provider = Provider::JuspayEc;
    const OPERATION: &'static str = "juspay_ec.start_authentication";
    const METHOD: Method = Method::Post;
    const IDEMPOTENT: bool = false;

    fn path(&self) -> String {
        "/txns".to_owned()
    }

    fn body(&self) -> Body {
        // At most 14 pairs: one allocation.
        let mut pairs: Vec<(&str, &str)> = Vec::with_capacity(14);
        pairs.extend([
            ("order_id", self.order_id.as_str()),
            ("merchant_id", self.merchant_id.as_str()),
            ("payment_method_type", "CARD"),
        ]);
        if let Some(method) = &self.payment_method {
            pairs.push(("payment_method", method.as_str()));
        }
        match &self.card {
            CardSource::New {
                card_number,
                card_exp_month,
                card_exp_year,
                card_security_code,
                name_on_card,
                save_to_locker,
            } => {
                pairs.push(("card_number", card_number.expose_secret()));
                pairs.push(("card_exp_month", card_exp_month.expose_secret()));
                pairs.push(("card_exp_year", card_exp_year.expose_secret()));
                pairs.push(("card_security_code", card_security_code.expose_secret()));
                if let Some(name) = name_on_card {
                    pairs.push(("name_on_card", name));
                }
                pairs.push(("save_to_locker", bool_text(*save_to_locker)));
            }
            CardSource::Saved {
                card_token,
                card_security_code,
            } => {
                pairs.push(("card_token", card_token.expose_secret()));
                if let Some(cvv) = card_security_code {
                    pairs.push(("card_security_code", cvv.expose_secret()));
                }
            }
        }
        pairs.push(("format", "json"));
        pairs.push(("auth_type", AuthType::Otp.as_str()));
        if let Some(gateway_id) = &self.gateway_id {
            pairs.push(("gateway_id", gateway_id.as_str()));
        }
        if let Some(auth_account_id) = &self.auth_account_id {
            pairs.push(("auth_account_id", auth_account_id.as_str()));
        }
        Body::form(&pairs)
    }
}

// ---------------------------------------------------------------------------------------------
// The transaction response shared by /txns, /authenticate and /resend
// ---------------------------------------------------------------------------------------------

/// `payment.authentication.params` [J-SA, J-POTP, J-ROTP]: the native OTP challenge. Present
/// only when `method` is `POST`. Booleans and counts are read from JSON or from strings (the
/// docs tag the counts as String, the samples send numbers).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AuthenticationParams {
    /// The transaction's id for `/v2/txns/{id}/authenticate` and `/resend`.
    pub id: Option<String>,
    /// The challenge to answer.
    pub challenge_id: Option<String>,
    /// `OTP`. Documented as `auth_method`, sent as `auth_type` by J-SA's sample: both are read
    /// (`auth_type` wins when a body has both).
    pub auth_type: Option<AuthType>,
    /// First six digits of the card.
    pub card_isin: Option<String>,
    /// Issuing bank (`AXIS BANK LTD`).
    pub card_issuer_bank_name: Option<String>,
    /// Whether an OTP may be submitted now.
    pub submit_otp_allowed: Option<bool>,
    /// Whether the OTP may be resent now.
    pub resend_otp_allowed: Option<bool>,
    /// The bank / 3-D Secure page to fall back to.
    pub fallback_url: Option<String>,
    /// How many OTPs were sent.
    pub times_otp_sent: Option<u32>,
    /// How many OTPs may be sent.
    pub max_otp_send_limit: Option<u32>,
    /// "Current attempt for OTP validation".
    pub current_attempt: Option<u32>,
    /// How many OTP validations are allowed.
    pub max_attempts: Option<u32>,
}

/// Read by hand for one rule a derive cannot express: `auth_type` and `auth_method` are two
/// spellings of one field and `auth_type` wins when a body has both, whatever `auth_method`
/// holds.
impl FromJson for AuthenticationParams {
    fn from_json(node: Node<'_, '_>) -> Result<Self, serde_json::Error> {
        let mut params = read_object!(node, Self {
            id: "id" => lenient::opt_text,
            challenge_id: "challenge_id" => lenient::opt_text,
            auth_type: "auth_type" => FromJson::from_json,
            card_isin: "card_isin" => lenient::opt_text,
            card_issuer_bank_name: "card_issuer_bank_name" => lenient::opt_text,
            submit_otp_allowed: "submit_otp_allowed" => lenient::opt_bool,
            resend_otp_allowed: "resend_otp_allowed" => lenient::opt_bool,
            fallback_url: "fallback_url" => lenient::opt_text,
            times_otp_sent: "times_otp_sent" => lenient::opt_u32,
            max_otp_send_limit: "max_otp_send_limit" => lenient::opt_u32,
            current_attempt: "current_attempt" => lenient::opt_u32,
            max_attempts: "max_attempts" => lenient::opt_u32,
        })?;
        let o = node.object()?;
        if o.value("auth_type").is_none() {
            params.auth_type = o.get("auth_method")?;
        }
        Ok(params)
    }
}

/// `payment.authentication` [J-SA].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authentication {
    /// `GET` (redirect) or `POST`.
    pub method: AuthenticationMethod,
    /// For `GET`, the page to send the card holder to; for a native OTP, Juspay's
    /// `/v2/txns/{id}/authenticate` URL.
    pub url: String,
    /// The native OTP challenge; present only with `POST`.
    pub params: Option<AuthenticationParams>,
}

impl FromJson for Authentication {
    fn from_json(node: Node<'_, '_>) -> Result<Self, serde_json::Error> {
        read_object!(node, Self {
            method: "method" => FromJson::from_json,
            url: "url" => FromJson::from_json,
            params: "params" => FromJson::from_json,
        })
    }
}

/// `payment` of a transaction response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TxnPayment {
    /// The authentication step.
    pub authentication: Option<Authentication>,
}

impl FromJson for TxnPayment {
    fn from_json(node: Node<'_, '_>) -> Result<Self, serde_json::Error> {
        read_object!(node, Self {
            authentication: "authentication" => FromJson::from_json,
        })
    }
}

/// `payment_info.card` [J-POTP]. The expiry is secret (DESIGN.md §4) and redacted in `Debug`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentCard {
    /// Last four digits of the card.
    pub last_four_digits: Option<String>,
    /// First six digits of the card.
    pub card_isin: Option<String>,
    /// Expiry month (secret).
    pub expiry_month: Option<ExpiryMonth>,
    /// Expiry year (secret; `2020` — four digits — in J-POTP's sample).
    pub expiry_year: Option<ExpiryYear>,
    /// Card holder name.
    pub name_on_card: Option<String>,
    /// `CREDIT` / `DEBIT`.
    pub card_type: Option<String>,
    /// Issuing bank.
    pub card_issuer: Option<String>,
    /// Card network (`VISA`).
    pub card_brand: Option<String>,
    /// Juspay's reference of a saved card.
    pub card_reference: Option<String>,
    /// Juspay's fingerprint of the card number.
    pub card_fingerprint: Option<String>,
    /// Whether a saved card paid.
    pub using_saved_card: Option<bool>,
    /// Whether the card was saved to Juspay's locker.
    pub saved_to_locker: Option<bool>,
}

impl FromJson for PaymentCard {
    fn from_json(node: Node<'_, '_>) -> Result<Self, serde_json::Error> {
        read_object!(node, Self {
            last_four_digits: "last_four_digits" => lenient::opt_text,
            card_isin: "card_isin" => lenient::opt_text,
            expiry_month: "expiry_month" => opt_expiry_month,
            expiry_year: "expiry_year" => opt_expiry_year,
            name_on_card: "name_on_card" => lenient::opt_text,
            card_type: "card_type" => lenient::opt_text,
            card_issuer: "card_issuer" => lenient::opt_text,
            card_brand: "card_brand" => lenient::opt_text,
            card_reference: "card_reference" => lenient::opt_text,
            card_fingerprint: "card_fingerprint" => lenient::opt_text,
            using_saved_card: "using_saved_card" => lenient::opt_bool,
            saved_to_locker: "saved_to_locker" => lenient::opt_bool,
        })
    }
}

/// `payment_info` [J-POTP].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentInfo {
    /// `CARD`.
    pub payment_method_type: Option<String>,
    /// Card network.
    pub payment_method: Option<PaymentMethod>,
    /// The card.
    pub card: Option<PaymentCard>,
}

impl FromJson for PaymentInfo {
    fn from_json(node: Node<'_, '_>) -> Result<Self, serde_json::Error> {
        read_object!(node, Self {
            payment_method_type: "payment_method_type" => lenient::opt_text,
            payment_method: "payment_method" => FromJson::from_json,
            card: "card" => FromJson::from_json,
        })
    }
}

/// `payment_gateway_response` [J-POTP]: what the gateway answered. The doc sample is cut after
/// `epg_txn_id`; `auth_id_code`, `resp_code` and `resp_message` follow Juspay's order status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentGatewayResponse {
    /// When the gateway answered.
    pub created: Option<String>,
    /// The transaction id.
    pub txn_id: Option<String>,
    /// Retrieval reference number.
    pub rrn: Option<String>,
    /// The gateway's transaction id.
    pub epg_txn_id: Option<String>,
    /// Authorization code.
    pub auth_id_code: Option<String>,
    /// Gateway response code.
    pub resp_code: Option<String>,
    /// Gateway response message.
    pub resp_message: Option<String>,
}

impl FromJson for PaymentGatewayResponse {
    fn from_json(node: Node<'_, '_>) -> Result<Self, serde_json::Error> {
        read_object!(node, Self {
            created: "created" => lenient::opt_text,
            txn_id: "txn_id" => lenient::opt_text,
            rrn: "rrn" => lenient::opt_text,
            epg_txn_id: "epg_txn_id" => lenient::opt_text,
            auth_id_code: "auth_id_code" => lenient::opt_text,
            resp_code: "resp_code" => lenient::opt_text,
            resp_message: "resp_message" => lenient::opt_text,
        })
    }
}

/// The transaction as `POST /txns` [J-SA], Process OTP [J-POTP] and Resend OTP [J-ROTP]
/// return it. Only `status` is required; [`next_step`](Self::next_step) says what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TxnResponse {
    /// Juspay's transaction id (`txn_035b…`) [J-POTP].
    pub id: Option<String>,
    /// The merchant's order id.
    pub order_id: Option<String>,
    /// The transaction id of this payment attempt.
    pub txn_id: Option<String>,
    /// "Unique ID for the payment attempt to be used in /authenticate and /resend" [J-SA].
    pub txn_uuid: Option<String>,
    /// The transaction status.
    pub status: TxnStatus,
    /// Gateway that authorized (`RAZORPAY`) [J-POTP].
    pub gateway: Option<String>,
    /// When the transaction was created (ISO 8601) [J-POTP].
    pub created: Option<String>,
    /// Gateway response code [J-POTP].
    pub resp_code: Option<String>,
    /// Gateway message, set when the transaction failed [J-POTP].
    pub resp_message: Option<String>,
    /// Whether any refund was attempted [J-POTP v3.2].
    pub refunded: Option<bool>,
    /// Payment and card details [J-POTP].
    pub payment_info: Option<PaymentInfo>,
    /// The authentication step [J-SA].
    pub payment: Option<TxnPayment>,
    /// The gateway's answer [J-POTP].
    pub payment_gateway_response: Option<PaymentGatewayResponse>,
}

impl FromJson for TxnResponse {
    fn from_json(node: Node<'_, '_>) -> Result<Self, serde_json::Error> {
        read_object!(node, Self {
            id: "id" => lenient::opt_text,
            order_id: "order_id" => lenient::opt_text,
            txn_id: "txn_id" => lenient::opt_text,
            txn_uuid: "txn_uuid" => lenient::opt_text,
            status: "status" => FromJson::from_json,
            gateway: "gateway" => lenient::opt_text,
            created: "created" => lenient::opt_text,
            resp_code: "resp_code" => lenient::opt_text,
            resp_message: "resp_message" => lenient::opt_text,
            refunded: "refunded" => lenient::opt_bool,
            payment_info: "payment_info" => FromJson::from_json,
            payment: "payment" => FromJson::from_json,
            payment_gateway_response: "payment_gateway_response" => FromJson::from_json,
        })
    }
}

/// What the card holder has to do next, from [`TxnResponse::next_step`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NextStep {
    /// Ask for the OTP, then [`ProcessOtpRequest`]; offer [`ResendOtpRequest`] when
    /// `resend_allowed`; `fallback_url` is the way out to the bank page.
    NativeOtp {
        /// The `{id}` of `/v2/txns/{id}/authenticate`: `params.id`, else `txn_uuid`.
        txn_uuid: String,
        /// The challenge to answer.
        challenge_id: String,
        /// `resend_otp_allowed` when sent (absent counts as allowed: the resend sample omits
        /// it), and not when `times_otp_sent` has reached `max_otp_send_limit`.
        resend_allowed: bool,
        /// The bank / 3-D Secure page to fall back to.
        fallback_url: Option<String>,
        /// How many OTPs were sent.
        times_otp_sent: Option<u32>,
        /// How many OTPs may be sent.
        max_otp_send_limit: Option<u32>,
        /// The current OTP validation attempt.
        current_attempt: Option<u32>,
        /// How many OTP validations are allowed.
        max_attempts: Option<u32>,
    },
    /// Send the card holder's browser to `url` (3-D Secure / bank page), then reconcile with
    /// [`OrderStatusRequest`].
    Redirect {
        /// The page to open.
        url: String,
    },
    /// No authentication step: the status is final or past authentication, or the response
    /// has no usable challenge. Act on [`TxnResponse::status`] (reconcile when it is not
    /// terminal).
    None,
}

impl TxnResponse {
    /// `payment.authentication`, if any.
    pub fn authentication(&self) -> Option<&Authentication> {
        self.payment.as_ref()?.authentication.as_ref()
    }

    /// The decision rule of API.md §5.3 (*INFERRED* from J-SA's two samples):
    ///
    /// 1. a terminal status, or one past authentication (`VBV_SUCCESSFUL`, `AUTHORIZING`, …) →
    ///    [`NextStep::None`] (a process-OTP answer echoes the challenge even when `CHARGED`);
    /// 2. `method == GET` → [`NextStep::Redirect`] to `url`;
    /// 3. `method == POST` with a `challenge_id` and an id (`params.id` or `txn_uuid`), unless
    ///    `submit_otp_allowed == false` → [`NextStep::NativeOtp`];
    /// 4. otherwise (`submit_otp_allowed == false`, no challenge, unknown method) → a
    ///    [`NextStep::Redirect`] to `fallback_url` when there is one, else [`NextStep::None`].
    pub fn next_step(&self) -> NextStep {
        if !self.status.may_await_authentication() {
            return NextStep::None;
        }
        let Some(auth) = self.authentication() else {
            return NextStep::None;
        };
        let params = auth.params.as_ref();
        let fallback = || {
            params
                .and_then(|p| p.fallback_url.clone())
                .map_or(NextStep::None, |url| NextStep::Redirect { url })
        };
        match &auth.method {
            AuthenticationMethod::Get if auth.url.trim().is_empty() => NextStep::None,
            AuthenticationMethod::Get => NextStep::Redirect {
                url: auth.url.clone(),
            },
            AuthenticationMethod::Post => {
                let Some(p) = params else {
                    return NextStep::None;
                };
                let id = p.id.clone().or_else(|| self.txn_uuid.clone());
                match (id, p.challenge_id.clone()) {
                    (Some(txn_uuid), Some(challenge_id)) if p.submit_otp_allowed != Some(false) => {
                        let sends_exhausted = matches!(
                            (p.times_otp_sent, p.max_otp_send_limit),
                            (Some(sent), Some(limit)) if sent >= limit
                        );
                        NextStep::NativeOtp {
                            txn_uuid,
                            challenge_id,
                            resend_allowed: p.resend_otp_allowed != Some(false) && !sends_exhausted,
                            fallback_url: p.fallback_url.clone(),
                            times_otp_sent: p.times_otp_sent,
                            max_otp_send_limit: p.max_otp_send_limit,
                            current_attempt: p.current_attempt,
                            max_attempts: p.max_attempts,
                        }
                    }
                    _ => fallback(),
                }
            }
            AuthenticationMethod::Unknown(_) => fallback(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 4. POST /v2/txns/{id}/authenticate — Process OTP [J-POTP]
// ---------------------------------------------------------------------------------------------

/// `POST /v2/txns/{id}/authenticate` — Process OTP [J-POTP]: answers the challenge and, on
/// success, authorizes (and captures unless `auto_capture=false`). Moves money: not
/// idempotent. `Debug` redacts the OTP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessOtpRequest {
    txn_uuid: Id,
    challenge_id: Id,
    otp: Otp,
    auto_capture: Option<bool>,
}

impl ProcessOtpRequest {
    /// `txn_uuid` is [`NextStep::NativeOtp::txn_uuid`] (the path `id`); the OTP is built with
    /// `Otp::new("answer.otp", …)`.
    ///
    /// # Errors
    /// [`InvalidInput`] for an empty `id` or `challenge_id`.
    pub fn new(txn_uuid: &str, challenge_id: &str, otp: Otp) -> Result<Self, InvalidInput> {
        Ok(Self {
            txn_uuid: path_id("id", txn_uuid)?,
            challenge_id: Id::new("challenge_id", challenge_id)?,
            otp,
            auto_capture: None,
        })
    }

    /// `auto_capture` — "Send false if you want to capture at a later stage. The default is
    /// true." A successful status is then `AUTHORIZED` instead of `CHARGED`.
    pub fn with_auto_capture(mut self, auto_capture: bool) -> Self {
        self.auto_capture = Some(auto_capture);
        self
    }
}

impl Endpoint for ProcessOtpRequest {
    type Response = TxnResponse;
    const PROVIDER: Provider = Provider::JuspayEc;
    const OPERATION: &'static str = "juspay_ec.process_otp";
    const METHOD: Method = Method::Post;
    const IDEMPOTENT: bool = false;

    fn path(&self) -> String {
        format!(
            "/v2/txns/{}/authenticate",
            path_segment(self.txn_uuid.as_str())
        )
    }

    fn body(&self) -> Body {
        let mut pairs = vec![
            ("challenge_id", self.challenge_id.as_str()),
            ("answer.otp", self.otp.expose_secret()),
        ];
        if let Some(auto_capture) = self.auto_capture {
            pairs.push(("auto_capture", bool_text(auto_capture)));
        }
        Body::form(&pairs)
    }
}

// ---------------------------------------------------------------------------------------------
// 5. POST /v2/txns/{id}/authenticate/{challenge_id}/resend — Resend OTP [J-ROTP]
// ---------------------------------------------------------------------------------------------

/// `POST /v2/txns/{id}/authenticate/{challenge_id}/resend` — Resend OTP [J-ROTP], no body.
/// Sends an OTP and uses up `max_otp_send_limit`: not idempotent. Past the limit Juspay
/// answers `max_limit_exceeded` ([`ErrorCategory::LimitExceeded`](crate::ErrorCategory)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResendOtpRequest {
    txn_uuid: Id,
    challenge_id: Id,
}

impl ResendOtpRequest {
    /// The ids of [`NextStep::NativeOtp`].
    ///
    /// # Errors
    /// [`InvalidInput`] for an empty `id` or `challenge_id`.
    pub fn new(txn_uuid: &str, challenge_id: &str) -> Result<Self, InvalidInput> {
        Ok(Self {
            txn_uuid: path_id("id", txn_uuid)?,
            challenge_id: path_id("challenge_id", challenge_id)?,
        })
    }
}

impl Endpoint for ResendOtpRequest {
    type Response = TxnResponse;
    const PROVIDER: Provider = Provider::JuspayEc;
    const OPERATION: &'static str = "juspay_ec.resend_otp";
    const METHOD: Method = Method::Post;
    const IDEMPOTENT: bool = false;

    fn path(&self) -> String {
        format!(
            "/v2/txns/{}/authenticate/{}/resend",
            path_segment(self.txn_uuid.as_str()),
            path_segment(self.challenge_id.as_str())
        )
    }

    fn body(&self) -> Body {
        Body::Empty
    }
}

// ---------------------------------------------------------------------------------------------
// 6. GET /orders/{order_id} — Order Status (API.md §5.7)
// ---------------------------------------------------------------------------------------------

/// `GET /orders/{order_id}` — Order Status: reconciles after a redirect or an unknown outcome,
/// and confirms amount and status before fulfilment ("Please ensure that you validate the
/// amount and status of the order before fulfilling the order", API.md §5.7). A read:
/// idempotent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderStatusRequest {
    order_id: OrderId,
}

impl OrderStatusRequest {
    /// The merchant's `order_id`.
    ///
    /// # Errors
    /// [`InvalidInput`] for `order_id`.
    pub fn new(order_id: &str) -> Result<Self, InvalidInput> {
        Ok(Self {
            order_id: OrderId::new("order_id", order_id)?,
        })
    }
}

/// The order as Order Status returns it. *Provisional*: the Order Status page is not in the
/// reference; these are the fields the flows need, and [`raw`](Self::raw) keeps the whole body.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderStatusResponse {
    /// The merchant's order id.
    pub order_id: Option<String>,
    /// Juspay's order id.
    pub id: Option<String>,
    /// The order's status (same values as a transaction's).
    pub status: TxnStatus,
    /// The numeric status id.
    pub status_id: Option<u32>,
    /// The order amount as sent (string or number on the wire).
    pub amount: Option<String>,
    /// The order currency.
    pub currency: Option<String>,
    /// The latest transaction id.
    pub txn_id: Option<String>,
    /// The latest transaction's uuid.
    pub txn_uuid: Option<String>,
    /// Whether any refund was attempted.
    pub refunded: Option<bool>,
    /// The whole body as received (it may carry card data: treat as secret). Filled by
    /// [`Endpoint::decode`]; `Null` when this struct is deserialized on its own.
    pub raw: RawJson,
}

impl FromJson for OrderStatusResponse {
    fn from_json(node: Node<'_, '_>) -> Result<Self, serde_json::Error> {
        read_object!(node, Self {
            order_id: "order_id" => lenient::opt_text,
            id: "id" => lenient::opt_text,
            status: "status" => FromJson::from_json,
            status_id: "status_id" => lenient::opt_u32,
            amount: "amount" => lenient::opt_text,
            currency: "currency" => lenient::opt_text,
            txn_id: "txn_id" => lenient::opt_text,
            txn_uuid: "txn_uuid" => lenient::opt_text,
            refunded: "refunded" => lenient::opt_bool;
            raw: RawJson::default(),
        })
    }
}

impl OrderStatusResponse {
    /// Whether the order's amount equals `expected` (compared exactly, in hundredths).
    /// `false` when the amount is absent or unreadable.
    pub fn amount_matches(&self, expected: Amount) -> bool {
        self.amount
            .as_deref()
            .and_then(|a| Amount::parse("amount", a.trim()).ok())
            == Some(expected)
    }
}

impl Endpoint for OrderStatusRequest {
    type Response = OrderStatusResponse;
    const PROVIDER: Provider = Provider::JuspayEc;
    const OPERATION: &'static str = "juspay_ec.order_status";
    const METHOD: Method = Method::Get;
    const IDEMPOTENT: bool = true;

    fn path(&self) -> String {
        format!("/orders/{}", path_segment(self.order_id.as_str()))
    }

    fn body(&self) -> Body {
        Body::Empty
    }

    fn decode_body(response: &HttpResponse) -> Result<Self::Response, ApiError> {
        let (mut status, raw): (OrderStatusResponse, RawJson) =
            decode_json_keeping_raw(Self::PROVIDER, Self::OPERATION, response)?;
        status.raw = raw;
        Ok(status)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(value: serde_json::Value) -> Result<AuthenticationParams, String> {
        crate::json_path::read(&value).map_err(|m| m.path.to_string())
    }

    #[test]
    fn authentication_params_read_both_spellings_and_name_a_bad_key() {
        let p = params(serde_json::json!({
            "id": 42, "challenge_id": " ", "auth_method": "OTP", "submit_otp_allowed": "TRUE",
            "times_otp_sent": "2", "max_attempts": 4, "extra": {"ignored": [1]}
        }))
        .expect("reads");
        assert_eq!(p.id.as_deref(), Some("42"));
        assert_eq!(p.challenge_id, None);
        assert_eq!(p.auth_type, Some(AuthType::Otp));
        assert_eq!(p.submit_otp_allowed, Some(true));
        assert_eq!((p.times_otp_sent, p.max_attempts), (Some(2), Some(4)));
        // `auth_type` wins, whatever `auth_method` holds; alone, a bad `auth_method` is refused.
        let p = params(serde_json::json!({"auth_type": null, "auth_method": {"x": 1}}));
        assert_eq!(p.map(|p| p.auth_type), Ok(None));
        assert_eq!(
            params(serde_json::json!({"auth_method": 5})).map(|p| p.auth_type),
            Err("auth_method".to_owned())
        );
        assert_eq!(
            params(serde_json::json!({"max_otp_send_limit": "many"})).map(|p| p.auth_type),
            Err("max_otp_send_limit".to_owned())
        );
        assert_eq!(
            params(serde_json::json!({"resend_otp_allowed": 1})).map(|p| p.auth_type),
            Err("resend_otp_allowed".to_owned())
        );
    }

    #[test]
    fn dot_segments_are_refused() {
        assert_eq!(
            path_id("id", ".."),
            Err(InvalidInput::new(
                "id",
                Problem::Format {
                    expected: "an identifier other than `.` or `..`"
                }
            ))
        );
    }
}
