//! The commands that run one journey against a real account — `agentic enroll`, `agentic
//! purchase`, `agentic pay` (Direct OTP) and `agentic visa-passkey` — interactively on standard
//! input and output.
//!
//! - **Where**: `--env sandbox|production|URL` (`URL`: any base URL, e.g. a standalone
//!   `agentic sandbox`). The Visa page origin follows (`https://sbx.vts.auth.visa.com`,
//!   `https://vts.auth.visa.com`, or the URL's own origin), unless `--page-origin` says otherwise.
//! - **Credentials only from the environment**, never from flags: [`ENV_JUSPAY_API_KEY`],
//!   [`ENV_JUSPAY_MERCHANT_ID`], [`ENV_JUSPAY_ROUTING_ID`], [`ENV_VISA_MERCHANT_ID`],
//!   [`ENV_VISA_KEY_ID`], [`ENV_VISA_SHARED_SECRET`].
//! - **Card data only from the environment or typed in**, never from flags:
//!   [`ENV_CARD_NUMBER`], [`ENV_CARD_EXP_MONTH`], [`ENV_CARD_EXP_YEAR`], [`ENV_CARD_CVV`],
//!   [`ENV_CARD_NAME`], or a Juspay card token [`ENV_CARD_TOKEN`].
//! - **Prompts**: the step-up method (numbered list), the OTP, the Visa page messages (the
//!   message to post is printed on a line of its own; the page's reply is read as one line),
//!   the 3-D Secure page, and what to do when an outcome is unknown.
//! - **Errors**: one line, `error: Juspay VAT HTTP 401: … (code UNAUTHORIZED) [request id …]`,
//!   and a non-zero exit status ([`CliError::exit_code`]).
//!
//! Nothing secret is printed: typed OTPs and card data are not echoed back, page replies are
//! not repeated, credentials are shown masked. The one exception is the Visa page message to
//! post for a ceremony, which carries the ceremony's signed payload: the operator has to move
//! it to the page, so it is printed as the page needs it.

use std::io::{self, BufRead, Write};
use std::sync::Arc;
use std::time::Duration;

use agentic_core::InvalidInput;
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
use agentic_core::journey::{Input, Journey, JourneyError, Outcome, Prompt, Script};
use agentic_core::juspay_vat::{CardTokenizeRequest, IdentityType};
use agentic_core::secret::{
    CardNumber, CardSecurityCode, CardToken, ExpiryMonth, ExpiryYear, IssuerAuthCode, Otp,
    SigningSecret,
};
use agentic_core::step_up::{StepUpMethod, StepUpSubMethod};
use agentic_core::visa_acceptance::{AmountDetails, MerchantDescriptor};
use agentic_core::visa_page::{PlatformType, VisaPageOrigin};
use agentic_http::config::{
    JuspayAuth, JuspayConfig, JuspayEnvironment, VisaAcceptanceConfig, VisaAcceptanceEnvironment,
};
use agentic_http::ureq_transport::{UreqTransport, UreqTransportConfig};
use agentic_http::{Client, ClientConfig, Clock, Stop, SystemClock, Timeouts};

use crate::describe::{describe_failure, describe_outcome};
use crate::recorder::Recorder;
use crate::transcript::request_line;

/// The Juspay API key (Basic-auth user name).
pub const ENV_JUSPAY_API_KEY: &str = "AGENTIC_JUSPAY_API_KEY";
/// The Juspay merchant id (`x-merchantid`).
pub const ENV_JUSPAY_MERCHANT_ID: &str = "AGENTIC_JUSPAY_MERCHANT_ID";
/// The Juspay routing id (`x-routing-id`) of Direct OTP calls; defaults to `--customer-id`,
/// else the order id.
pub const ENV_JUSPAY_ROUTING_ID: &str = "AGENTIC_JUSPAY_ROUTING_ID";
/// The Visa Acceptance merchant id (`v-c-merchant-id`).
pub const ENV_VISA_MERCHANT_ID: &str = "AGENTIC_VISA_MERCHANT_ID";
/// The Visa Acceptance HTTP Signature key id.
pub const ENV_VISA_KEY_ID: &str = "AGENTIC_VISA_KEY_ID";
/// The Visa Acceptance shared secret (base64 as issued).
pub const ENV_VISA_SHARED_SECRET: &str = "AGENTIC_VISA_SHARED_SECRET";
/// The card number (PAN).
pub const ENV_CARD_NUMBER: &str = "AGENTIC_CARD_NUMBER";
/// The card expiry month, `MM`.
pub const ENV_CARD_EXP_MONTH: &str = "AGENTIC_CARD_EXP_MONTH";
/// The card expiry year, `YY`.
pub const ENV_CARD_EXP_YEAR: &str = "AGENTIC_CARD_EXP_YEAR";
/// The card security code.
pub const ENV_CARD_CVV: &str = "AGENTIC_CARD_CVV";
/// The name on the card (optional).
pub const ENV_CARD_NAME: &str = "AGENTIC_CARD_NAME";
/// A Juspay card token (`ctkn_…`) instead of card details.
pub const ENV_CARD_TOKEN: &str = "AGENTIC_CARD_TOKEN";

/// Wrong answers to one prompt before the journey is cancelled.
const MAX_REFUSALS: usize = 5;

/// A string typed or read from the environment that must not be printed: `Debug` redacts.
#[derive(Clone, PartialEq, Eq)]
pub struct Sensitive(pub String);

impl std::fmt::Debug for Sensitive {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Why a command failed. [`std::fmt::Display`] is the one line to print after `error: `.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// A flag, an environment variable or a typed value is missing or invalid; nothing was
    /// sent. Exit status 2.
    #[error("{0}")]
    Usage(String),
    /// The journey ended without success (the provider's line for an API error). Exit status 1.
    #[error("{0}")]
    Failed(String),
    /// Standard input or output failed. Exit status 1.
    #[error("{0}")]
    Io(#[from] io::Error),
}

impl CliError {
    /// The process exit status: 2 for usage, 1 otherwise.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Usage(_) => 2,
            Self::Failed(_) | Self::Io(_) => 1,
        }
    }
}

fn usage(error: impl std::fmt::Display) -> CliError {
    CliError::Usage(error.to_string())
}

/// Where the commands send their requests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// Juspay's sandbox and Visa Acceptance's test environment.
    Sandbox,
    /// The live environments.
    Production,
    /// Another base URL (a standalone `agentic sandbox`, a proxy).
    Custom(String),
}

impl Target {
    /// `sandbox`, `production`, or an `http(s)://` base URL.
    ///
    /// # Errors
    /// [`CliError::Usage`] for anything else.
    pub fn parse(text: &str) -> Result<Self, CliError> {
        match text.trim() {
            "sandbox" => Ok(Self::Sandbox),
            "production" => Ok(Self::Production),
            url if url.starts_with("http://") || url.starts_with("https://") => {
                Ok(Self::Custom(url.trim_end_matches('/').to_owned()))
            }
            other => Err(CliError::Usage(format!(
                "--env `{other}`: expected sandbox, production or a base URL (http(s)://HOST[:PORT])"
            ))),
        }
    }

    fn juspay(&self) -> JuspayEnvironment {
        match self {
            Self::Sandbox => JuspayEnvironment::Sandbox,
            Self::Production => JuspayEnvironment::Production,
            Self::Custom(url) => JuspayEnvironment::Custom(url.clone()),
        }
    }

    fn visa(&self) -> VisaAcceptanceEnvironment {
        match self {
            Self::Sandbox => VisaAcceptanceEnvironment::Test,
            Self::Production => VisaAcceptanceEnvironment::Production,
            Self::Custom(url) => VisaAcceptanceEnvironment::Custom(url.clone()),
        }
    }

    /// The Visa page origin of this environment (`--page-origin` overrides it).
    ///
    /// # Errors
    /// [`CliError::Usage`] when the origin is not valid.
    pub fn page_origin(&self, explicit: Option<&str>) -> Result<VisaPageOrigin, CliError> {
        let origin = match (explicit, self) {
            (Some(origin), _) => VisaPageOrigin::custom(origin),
            (None, Self::Sandbox) => Ok(VisaPageOrigin::sandbox()),
            (None, Self::Production) => Ok(VisaPageOrigin::production()),
            (None, Self::Custom(url)) => {
                let (scheme, rest) = url.split_once("://").unwrap_or(("https", url));
                let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
                VisaPageOrigin::custom(&format!("{scheme}://{authority}"))
            }
        };
        origin.map_err(|e| usage(format!("Visa page origin: {e} (set --page-origin)")))
    }
}

/// Options every real-account command takes.
#[derive(Debug, Clone, clap::Args)]
pub struct CommonArgs {
    /// sandbox, production, or a base URL such as http://127.0.0.1:4242 (a standalone
    /// `agentic sandbox`).
    #[arg(long, default_value = "sandbox", value_name = "sandbox|production|URL")]
    pub env: String,
    /// The Visa auth page's origin, when it is not the environment's.
    #[arg(long, value_name = "ORIGIN")]
    pub page_origin: Option<String>,
}

/// `agentic enroll`.
#[derive(Debug, Clone, clap::Args)]
pub struct EnrollArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    /// The customer at the agent (`customerId`).
    #[arg(long)]
    pub customer_id: String,
    /// The amount of the purchase that triggered the enrollment, e.g. 92.65.
    #[arg(long)]
    pub amount: String,
    /// ISO 4217 currency, e.g. SGD.
    #[arg(long)]
    pub currency: String,
    /// ISO 3166-1 alpha-2 country of the customer.
    #[arg(long, default_value = "US")]
    pub country: String,
    /// How the customer is identified: email or phone.
    #[arg(long, default_value = "email", value_parser = ["email", "phone"])]
    pub identity_type: String,
    /// The customer's IP address (`appDetails.ipAddress`).
    #[arg(long, default_value = "127.0.0.1")]
    pub ip_address: String,
    /// The device model (`appDetails.deviceData.model`).
    #[arg(long, default_value = "CLI")]
    pub device_model: String,
    /// The device brand.
    #[arg(long, default_value = "agentic")]
    pub device_brand: String,
    /// The device manufacturer.
    #[arg(long, default_value = "agentic")]
    pub device_manufacturer: String,
    /// web or mobile-web.
    #[arg(long, default_value = "web", value_parser = ["web", "mobile-web"])]
    pub platform: String,
}

/// `agentic purchase`.
#[derive(Debug, Clone, clap::Args)]
pub struct PurchaseArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    /// The customer at the agent (`customerId`), as enrolled.
    #[arg(long)]
    pub customer_id: String,
    /// The `vProvisionedTokenId` that `agentic enroll` printed.
    #[arg(long)]
    pub token_id: String,
    /// The purchase amount, e.g. 92.65.
    #[arg(long)]
    pub amount: String,
    /// ISO 4217 currency, e.g. SGD.
    #[arg(long)]
    pub currency: String,
    /// The merchant's order id (default: a fresh one).
    #[arg(long)]
    pub order_id: Option<String>,
    /// The payment instruction's spending limit (default: the amount).
    #[arg(long)]
    pub limit: Option<String>,
    /// Minutes the payment instruction stays valid.
    #[arg(long, default_value_t = 60)]
    pub valid_minutes: u64,
    /// Prefer the Visa page in a popup.
    #[arg(long)]
    pub popup: bool,
}

/// `agentic pay`.
#[derive(Debug, Clone, clap::Args)]
pub struct PayArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    /// The order id: with --amount a new order is created under it (default: a fresh one);
    /// without, the existing order is paid.
    #[arg(long)]
    pub order_id: Option<String>,
    /// Create the order for this amount, e.g. 100.00.
    #[arg(long)]
    pub amount: Option<String>,
    /// The new order's currency, e.g. INR.
    #[arg(long)]
    pub currency: Option<String>,
    /// The customer id of the new order (also the default routing id).
    #[arg(long)]
    pub customer_id: Option<String>,
    /// The new order's customer email.
    #[arg(long)]
    pub customer_email: Option<String>,
    /// The new order's customer phone.
    #[arg(long)]
    pub customer_phone: Option<String>,
    /// The new order's return URL.
    #[arg(long)]
    pub return_url: Option<String>,
    /// Check the card BIN for Direct OTP support first.
    #[arg(long)]
    pub check_bin: bool,
}

/// `agentic visa-passkey`.
#[derive(Debug, Clone, clap::Args)]
pub struct VisaPasskeyArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    /// The tokenized card's id (`{tokenId}`).
    #[arg(long)]
    pub token_id: String,
    /// The amount, e.g. 25.00.
    #[arg(long)]
    pub amount: String,
    /// The currency, e.g. USD.
    #[arg(long)]
    pub currency: String,
    /// The merchant's name.
    #[arg(long)]
    pub merchant_name: String,
    /// The merchant's URL.
    #[arg(long)]
    pub merchant_url: String,
    /// The cardholder's billing email.
    #[arg(long)]
    pub email: String,
    /// The cardholder's billing phone.
    #[arg(long)]
    pub phone: Option<String>,
    /// The buyer's language.
    #[arg(long, default_value = "en-US")]
    pub language: String,
}

/// Environment variables, injectable for tests.
pub type Vars<'a> = &'a dyn Fn(&str) -> Option<String>;

/// The process environment.
pub fn process_vars(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn required(vars: Vars<'_>, name: &str, what: &str) -> Result<Sensitive, CliError> {
    vars(name).map(Sensitive).ok_or_else(|| {
        CliError::Usage(format!(
            "{name} is not set: export {what} (credentials are read only from the environment)"
        ))
    })
}

/// The terminal: where prompts go and answers come from.
pub struct Console<'a> {
    input: &'a mut dyn BufRead,
    out: &'a mut dyn Write,
}

impl std::fmt::Debug for Console<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Console").finish_non_exhaustive()
    }
}

impl<'a> Console<'a> {
    /// Prompts to `out`, answers from `input`.
    pub fn new(input: &'a mut dyn BufRead, out: &'a mut dyn Write) -> Self {
        Self { input, out }
    }

    /// Prints a line.
    ///
    /// # Errors
    /// When the output fails.
    pub fn say(&mut self, line: &str) -> io::Result<()> {
        writeln!(self.out, "{line}")?;
        self.out.flush()
    }

    /// Reads one line, trimmed; `None` at end of input.
    ///
    /// # Errors
    /// When the input fails.
    pub fn read_line(&mut self) -> io::Result<Option<Sensitive>> {
        let mut line = String::new();
        if self.input.read_line(&mut line)? == 0 {
            return Ok(None);
        }
        Ok(Some(Sensitive(line.trim().to_owned())))
    }

    /// Prints `question` and reads the answer.
    fn ask(&mut self, question: &str) -> Result<Sensitive, CliError> {
        self.say(question)?;
        self.read_line()?.ok_or_else(|| {
            CliError::Failed("standard input closed before an answer was given".to_owned())
        })
    }
}

/// The card, from the environment or typed in.
enum Card {
    Details {
        number: Sensitive,
        month: Sensitive,
        year: Sensitive,
        cvv: Sensitive,
        name: Option<String>,
    },
    Token {
        token: Sensitive,
        cvv: Option<Sensitive>,
    },
}

fn card(vars: Vars<'_>, console: &mut Console<'_>) -> Result<Card, CliError> {
    if let Some(token) = vars(ENV_CARD_TOKEN) {
        return Ok(Card::Token {
            token: Sensitive(token),
            cvv: vars(ENV_CARD_CVV).map(Sensitive),
        });
    }
    let mut get = |name: &str, question: &str| -> Result<Sensitive, CliError> {
        match vars(name) {
            Some(value) => Ok(Sensitive(value)),
            None => console.ask(&format!("{question} (or set {name}):")),
        }
    };
    Ok(Card::Details {
        number: get(ENV_CARD_NUMBER, "Card number")?,
        month: get(ENV_CARD_EXP_MONTH, "Expiry month, MM")?,
        year: get(ENV_CARD_EXP_YEAR, "Expiry year, YY")?,
        cvv: get(ENV_CARD_CVV, "Security code (CVV)")?,
        name: vars(ENV_CARD_NAME),
    })
}

fn client(
    juspay: Option<JuspayConfig>,
    visa: Option<VisaAcceptanceConfig>,
) -> Result<(Client, Recorder), CliError> {
    let config = ClientConfig::new(
        juspay,
        visa,
        Timeouts {
            connect: Duration::from_secs(10),
            read: Duration::from_secs(30),
            overall: Duration::from_secs(45),
        },
    )
    .map_err(usage)?;
    let transport = UreqTransport::new(UreqTransportConfig {
        root_ca_pem: None,
        timeouts: config.timeouts,
    })
    .map_err(|e| CliError::Failed(e.to_string()))?;
    let recorder = Recorder::new(Arc::new(transport));
    let client = Client::new(config, Arc::new(recorder.clone())).map_err(usage)?;
    Ok((client, recorder))
}

fn juspay_config(
    target: &Target,
    vars: Vars<'_>,
    routing_id: Option<String>,
) -> Result<(JuspayConfig, Sensitive), CliError> {
    let api_key = required(vars, ENV_JUSPAY_API_KEY, "the Juspay API key")?;
    let merchant_id = required(vars, ENV_JUSPAY_MERCHANT_ID, "the Juspay merchant id")?;
    let mut config = JuspayConfig::new(
        target.juspay(),
        merchant_id.0.clone(),
        JuspayAuth::api_key(api_key.0).map_err(usage)?,
    );
    if let Some(routing_id) = routing_id {
        config = config.with_routing_id(routing_id);
    }
    Ok((config, merchant_id))
}

fn visa_config(target: &Target, vars: Vars<'_>) -> Result<VisaAcceptanceConfig, CliError> {
    let merchant_id = required(
        vars,
        ENV_VISA_MERCHANT_ID,
        "the Visa Acceptance merchant id",
    )?;
    let key_id = required(vars, ENV_VISA_KEY_ID, "the Visa Acceptance key id")?;
    let secret = required(
        vars,
        ENV_VISA_SHARED_SECRET,
        "the Visa Acceptance shared secret",
    )?;
    Ok(VisaAcceptanceConfig::new(
        target.visa(),
        merchant_id.0,
        key_id.0,
        SigningSecret::new("shared_secret", secret.0).map_err(usage)?,
    ))
}

fn invalid(error: InvalidInput) -> CliError {
    usage(error)
}

/// `agentic enroll`: enrolls a card (tokenize when card details are given, step-up, passkey
/// registration, enrollment). Prints the `vProvisionedTokenId` for `agentic purchase`.
///
/// # Errors
/// [`CliError`].
pub fn enroll(
    args: &EnrollArgs,
    vars: Vars<'_>,
    console: &mut Console<'_>,
) -> Result<Outcome, CliError> {
    let target = Target::parse(&args.common.env)?;
    let origin = target.page_origin(args.common.page_origin.as_deref())?;
    let (juspay, merchant_id) = juspay_config(&target, vars, vars(ENV_JUSPAY_ROUTING_ID))?;
    let base = juspay.environment.base_url().to_owned();
    let (client, recorder) = client(Some(juspay), None)?;
    let details = EnrollmentDetails {
        customer_id: args.customer_id.clone(),
        identity_type: if args.identity_type == "phone" {
            IdentityType::MobilePhoneNumber
        } else {
            IdentityType::EmailAddress
        },
        country_code: args.country.clone(),
        user_agent: concat!("agentic-cli/", env!("CARGO_PKG_VERSION")).to_owned(),
        ip_address: args.ip_address.clone(),
        device_model: args.device_model.clone(),
        device_brand: args.device_brand.clone(),
        device_manufacturer: args.device_manufacturer.clone(),
        app_name: String::new(),
        amount: args.amount.clone(),
        currency: args.currency.clone(),
        platform_type: if args.platform == "mobile-web" {
            PlatformType::MobileWeb
        } else {
            PlatformType::Web
        },
        page_origin: origin.clone(),
    };
    let params = EnrollmentParams::new(details).map_err(invalid)?;
    console.say(&format!(
        "agentic enroll: card enrollment on Juspay VAT at {base} (Visa page origin {origin})"
    ))?;
    let secrets = match card(vars, console)? {
        Card::Token { token, .. } => EnrollmentSecrets::default()
            .with_card_token(CardToken::new("cardObj", token.0).map_err(invalid)?),
        Card::Details {
            number,
            month,
            year,
            cvv,
            name,
        } => EnrollmentSecrets::default().with_card_details(
            CardTokenizeRequest::new(
                &merchant_id.0,
                number.0,
                month.0,
                year.0,
                cvv.0,
                name.as_deref(),
            )
            .map_err(invalid)?,
        ),
    };
    let reference = crate::new_reference_id().map_err(|e| CliError::Failed(e.to_string()))?;
    let mut journey = enrollment::start(params, reference, secrets).map_err(invalid)?;
    drive(&client, &recorder, &mut journey, console)
}

/// `agentic purchase`: pays with the passkey of an enrolled token and fetches the payment
/// credentials (printed masked).
///
/// # Errors
/// [`CliError`].
pub fn purchase(
    args: &PurchaseArgs,
    vars: Vars<'_>,
    console: &mut Console<'_>,
) -> Result<Outcome, CliError> {
    let target = Target::parse(&args.common.env)?;
    let origin = target.page_origin(args.common.page_origin.as_deref())?;
    let (juspay, _) = juspay_config(&target, vars, vars(ENV_JUSPAY_ROUTING_ID))?;
    let base = juspay.environment.base_url().to_owned();
    let (client, recorder) = client(Some(juspay), None)?;
    let order_id = match &args.order_id {
        Some(id) => id.clone(),
        None => format!(
            "order-{}",
            crate::random_hex::<6>().map_err(|e| CliError::Failed(e.to_string()))?
        ),
    };
    let expires_at = SystemClock
        .now()
        .saturating_add(args.valid_minutes.saturating_mul(60_000));
    let limit = InstructionLimit::new(expires_at)
        .and_then(|l| l.with_limit(args.limit.as_deref().unwrap_or(&args.amount)))
        .map_err(invalid)?;
    let params = PurchaseParams::new(
        &args.customer_id,
        &args.token_id,
        &args.amount,
        &args.currency,
        limit,
        PurchaseTransaction::new(&order_id).map_err(invalid)?,
        origin.clone(),
    )
    .map_err(invalid)?
    .with_popup_preference(args.popup);
    console.say(&format!(
        "agentic purchase: agentic purchase of {} {} on Juspay VAT at {base} (Visa page origin {origin})",
        params.amount(),
        params.currency()
    ))?;
    let reference = crate::new_reference_id().map_err(|e| CliError::Failed(e.to_string()))?;
    let mut journey = purchase::start(params, reference).map_err(invalid)?;
    drive(&client, &recorder, &mut journey, console)
}

/// `agentic pay`: a Direct OTP card payment (native OTP, or the 3-D Secure page).
///
/// # Errors
/// [`CliError`].
pub fn pay(args: &PayArgs, vars: Vars<'_>, console: &mut Console<'_>) -> Result<Outcome, CliError> {
    let target = Target::parse(&args.common.env)?;
    let order_id = match (&args.order_id, &args.amount) {
        (Some(id), _) => id.clone(),
        (None, Some(_)) => crate::new_order_id().map_err(|e| CliError::Failed(e.to_string()))?,
        (None, None) => {
            return Err(usage(
                "give --amount to create an order, or --order-id to pay an existing one",
            ));
        }
    };
    let routing_id = vars(ENV_JUSPAY_ROUTING_ID)
        .or_else(|| args.customer_id.clone())
        .unwrap_or_else(|| order_id.clone());
    let (juspay, merchant_id) = juspay_config(&target, vars, Some(routing_id))?;
    let base = juspay.environment.base_url().to_owned();
    let (client, recorder) = client(Some(juspay), None)?;
    let new_order = match &args.amount {
        Some(amount) => Some(
            NewOrder::new(amount)
                .and_then(|o| {
                    o.with(
                        args.currency.as_deref(),
                        args.customer_id.as_deref(),
                        args.customer_email.as_deref(),
                        args.customer_phone.as_deref(),
                        args.return_url.as_deref(),
                    )
                })
                .map_err(invalid)?,
        ),
        None => None,
    };
    let mut params = DirectOtpParams::new(&merchant_id.0, &order_id, new_order).map_err(invalid)?;
    console.say(&format!(
        "agentic pay: Direct OTP payment of order {order_id} on Juspay EC at {base}"
    ))?;
    let card = match card(vars, console)? {
        Card::Token { token, cvv } => CardSecrets::Saved {
            token: CardToken::new("card_token", token.0).map_err(invalid)?,
            security_code: cvv
                .map(|c| CardSecurityCode::new("card_security_code", c.0))
                .transpose()
                .map_err(invalid)?,
        },
        Card::Details {
            number,
            month,
            year,
            cvv,
            ..
        } => {
            if args.check_bin {
                let bin: String = number.0.chars().take(6).collect();
                params = params.check_bin(&bin).map_err(invalid)?;
            }
            CardSecrets::New {
                number: CardNumber::new("card_number", number.0).map_err(invalid)?,
                exp_month: ExpiryMonth::new("card_exp_month", month.0).map_err(invalid)?,
                exp_year: ExpiryYear::new("card_exp_year", year.0).map_err(invalid)?,
                security_code: CardSecurityCode::new("card_security_code", cvv.0)
                    .map_err(invalid)?,
            }
        }
    };
    let mut journey = direct_otp::start(
        params,
        DirectOtpSecrets {
            card: Some(card),
            otp: None,
        },
    )
    .map_err(invalid)?;
    drive(&client, &recorder, &mut journey, console)
}

/// `agentic visa-passkey`: the Visa Acceptance tokenized-card passkey journey (step-up OTP,
/// registration or authentication on the Visa page).
///
/// # Errors
/// [`CliError`].
pub fn visa_passkey(
    args: &VisaPasskeyArgs,
    vars: Vars<'_>,
    console: &mut Console<'_>,
) -> Result<Outcome, CliError> {
    let target = Target::parse(&args.common.env)?;
    let origin = target.page_origin(args.common.page_origin.as_deref())?;
    let visa = visa_config(&target, vars)?;
    let base = visa.environment.base_url().to_owned();
    let (client, recorder) = client(None, Some(visa))?;
    let params = VisaAcceptancePasskeyParams::new(
        &args.token_id,
        AmountDetails::new(&args.amount, &args.currency).map_err(invalid)?,
        MerchantDescriptor::new(&args.merchant_name, &args.merchant_url).map_err(invalid)?,
        &args.language,
        &args.email,
        args.phone.as_deref(),
        origin.clone(),
    )
    .map_err(invalid)?;
    console.say(&format!(
        "agentic visa-passkey: tokenized-card passkey on Visa Acceptance at {base} (Visa page origin {origin})"
    ))?;
    let reference = crate::new_reference_id().map_err(|e| CliError::Failed(e.to_string()))?;
    let mut journey = va::start(params, reference);
    drive(&client, &recorder, &mut journey, console)
}

/// Runs `journey`, printing each request, asking the console at each prompt, until it ends.
///
/// # Errors
/// [`CliError::Failed`] with the failure's line when the journey fails (or input closes: the
/// journey is cancelled first).
pub fn drive<S: Script>(
    client: &Client,
    recorder: &Recorder,
    journey: &mut Journey<S>,
    console: &mut Console<'_>,
) -> Result<Outcome, CliError> {
    loop {
        let stop = client.run(journey);
        for record in recorder.take() {
            console.say(&request_line(&record))?;
        }
        let stop = stop.map_err(|e| CliError::Failed(e.to_string()))?;
        match stop {
            Stop::Done(outcome) => {
                console.say(&describe_outcome(&outcome))?;
                return Ok(outcome);
            }
            Stop::Failed(failure) => return Err(CliError::Failed(describe_failure(&failure))),
            Stop::Prompt(prompt) => answer(journey, &prompt, console)?,
        }
    }
}

/// Asks until the journey accepts an answer to `prompt`.
fn answer<S: Script>(
    journey: &mut Journey<S>,
    prompt: &Prompt,
    console: &mut Console<'_>,
) -> Result<(), CliError> {
    for _ in 0..MAX_REFUSALS {
        let input = match ask(prompt, console) {
            Ok(Some(input)) => input,
            Ok(None) => continue,
            Err(error) => {
                // Input closed: stop the journey cleanly before reporting.
                let _ = journey.submit(Input::Cancel, SystemClock.now());
                return Err(match error {
                    CliError::Failed(reason) => CliError::Failed(format!(
                        "{reason} ({}); the journey was cancelled",
                        crate::describe::prompt_name(prompt)
                    )),
                    other => other,
                });
            }
        };
        match journey.submit(input, SystemClock.now()) {
            Ok(()) => return Ok(()),
            Err(
                error @ (JourneyError::InvalidInput(_)
                | JourneyError::PageMessage(_)
                | JourneyError::InvalidEvent { .. }),
            ) => console.say(&format!("That answer was refused ({error}); try again."))?,
            Err(error) => return Err(CliError::Failed(error.to_string())),
        }
    }
    let _ = journey.submit(Input::Cancel, SystemClock.now());
    Err(CliError::Failed(format!(
        "{MAX_REFUSALS} answers were refused; the journey was cancelled"
    )))
}

fn method_label(choice: &agentic_core::journey::StepUpChoice) -> String {
    let mut label = choice.method.to_string();
    if let Some(sub) = &choice.sub_method {
        label.push_str(&format!(" ({sub})"));
    }
    if let Some(value) = &choice.value {
        label.push_str(&format!(" {value}"));
    }
    label
}

/// Shows `prompt` and reads one answer. `Ok(None)`: an answer to ignore (ask again).
fn ask(prompt: &Prompt, console: &mut Console<'_>) -> Result<Option<Input>, CliError> {
    match prompt {
        Prompt::ProvideVisaSession {
            origin,
            message_to_post,
        } => {
            match message_to_post {
                None => console.say(&format!(
                    "Visa page: open the Visa auth page (origin {origin}) in a hidden iframe and paste each message it posts as one line of JSON (AUTH_READY, then AUTH_SESSION_CREATED); \"closed\" if the page closed, \"cancel\" to stop:"
                ))?,
                Some(message) => {
                    console.say(&format!(
                        "Visa page: post this {} message to the page at {origin}, then paste the page's reply as one line (\"closed\" if the page closed, \"cancel\" to stop):",
                        message.message_type()
                    ))?;
                    console.say(message.as_json())?;
                }
            }
            page_reply(origin, console)
        }
        Prompt::PasskeyCeremony {
            message_to_post,
            origin,
            popup,
            action,
        } => {
            console.say(&format!(
                "Visa page: {action} passkey ceremony{}. Post this message to the page at {origin}, then paste the page's reply as one line (\"closed\" if the page closed, \"cancel\" to stop):",
                if *popup { " in a popup" } else { "" }
            ))?;
            console.say(message_to_post.as_json())?;
            page_reply(origin, console)
        }
        Prompt::ChooseStepUp { methods } => {
            console.say("The issuer asks to verify the cardholder. Choose a method by number (or \"cancel\"):")?;
            for (index, choice) in methods.iter().enumerate() {
                console.say(&format!("  {}. {}", index + 1, method_label(choice)))?;
            }
            let answer = console.ask("Method:")?;
            if answer.0.eq_ignore_ascii_case("cancel") {
                return Ok(Some(Input::Cancel));
            }
            match answer
                .0
                .parse::<usize>()
                .ok()
                .and_then(|n| n.checked_sub(1))
                .and_then(|i| methods.get(i))
            {
                Some(choice) => Ok(Some(Input::ChooseStepUp {
                    identifier: choice.identifier.clone(),
                })),
                None => {
                    console.say(&format!("Type a number from 1 to {}.", methods.len()))?;
                    Ok(None)
                }
            }
        }
        Prompt::EnterOtp {
            attempts_left,
            resends_left,
            last_attempt_failed,
            expired,
            ..
        } => {
            if *last_attempt_failed {
                console.say("The last OTP was wrong.")?;
            }
            if *expired {
                console.say("The OTP expired: type \"resend\" or \"another\".")?;
            }
            let resend = if *resends_left > 0 {
                format!("\"resend\" ({resends_left} left), ")
            } else {
                String::new()
            };
            let answer = console.ask(&format!(
                "Enter the OTP sent to the cardholder ({attempts_left} attempts left; or {resend}\"another\" method, \"cancel\"):"
            ))?;
            Ok(match answer.0.to_ascii_lowercase().as_str() {
                "cancel" => Some(Input::Cancel),
                "resend" => Some(Input::ResendOtp),
                "another" => Some(Input::ChooseAnotherMethod),
                _ => match Otp::new("otp", answer.0) {
                    Ok(otp) => Some(Input::Otp(otp)),
                    Err(error) => {
                        console.say(&format!("Not an OTP ({error})."))?;
                        None
                    }
                },
            })
        }
        Prompt::CompleteStepUp { choice } => {
            let what = match (&choice.method, &choice.sub_method, &choice.url) {
                (_, _, Some(url)) => format!("Open {url} and complete the verification there"),
                (StepUpMethod::CustomerService, _, _) => format!(
                    "Call the issuer{} to verify",
                    choice
                        .value
                        .as_deref()
                        .map(|v| format!(" at {v}"))
                        .unwrap_or_default()
                ),
                (StepUpMethod::OutboundCall, _, _) => {
                    "The issuer will call the cardholder".to_owned()
                }
                (StepUpMethod::AppToApp, Some(StepUpSubMethod::ThreeDs), _) => {
                    "Complete the issuer's 3-D Secure page".to_owned()
                }
                (StepUpMethod::AppToApp, _, _) => "Approve in the issuer's app".to_owned(),
                (other, _, _) => format!("Complete {other} with the issuer"),
            };
            let answer = console.ask(&format!(
                "{what}; then press Enter (or type the issuer app's code if it showed one, \"another\" method, \"cancel\"):"
            ))?;
            Ok(match answer.0.to_ascii_lowercase().as_str() {
                "" | "done" => Some(Input::StepUpCompleted),
                "cancel" => Some(Input::Cancel),
                "another" => Some(Input::ChooseAnotherMethod),
                _ => IssuerAuthCode::new("issuerAuthCode", answer.0)
                    .ok()
                    .map(Input::IssuerAuthCode),
            })
        }
        Prompt::Redirect { url } => {
            console.say("The bank asks the cardholder to authenticate on its page. Open it in a browser and complete the payment:")?;
            console.say(url)?;
            let answer = console.ask("Press Enter once done (or type \"cancel\"):")?;
            Ok(Some(if answer.0.eq_ignore_ascii_case("cancel") {
                Input::Cancel
            } else {
                Input::RedirectCompleted
            }))
        }
        Prompt::ConfirmUnknownOutcome {
            operation,
            can_reconcile,
        } => {
            let options = if *can_reconcile {
                "\"reconcile\" (ask the provider what happened), \"resend\" (send it again with the same reference ids) or \"cancel\""
            } else {
                "\"resend\" (send it again with the same reference ids) or \"cancel\""
            };
            let answer = console.ask(&format!(
                "The outcome of {operation} is unknown: the request may have reached the provider. Type {options}:"
            ))?;
            Ok(Some(match answer.0.to_ascii_lowercase().as_str() {
                "reconcile" if *can_reconcile => Input::Reconcile,
                "resend" => Input::ResendAfterUnknownOutcome,
                "cancel" => Input::Cancel,
                _ => {
                    console.say("Not an option.")?;
                    return Ok(None);
                }
            }))
        }
    }
}

/// Reads the page's reply (one line of JSON) and relays it with the page's origin.
fn page_reply(origin: &str, console: &mut Console<'_>) -> Result<Option<Input>, CliError> {
    let line = console.read_line()?.ok_or_else(|| {
        CliError::Failed("standard input closed before the Visa page's reply was given".to_owned())
    })?;
    Ok(match line.0.to_ascii_lowercase().as_str() {
        "" => None,
        "cancel" => Some(Input::Cancel),
        "closed" | "close" => Some(Input::PageClosed),
        _ => Some(Input::VisaMessage {
            json: line.0,
            origin: origin.to_owned(),
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_and_their_page_origins() {
        assert_eq!(Target::parse("sandbox").expect("ok"), Target::Sandbox);
        assert_eq!(
            Target::parse("http://127.0.0.1:4242/").expect("ok"),
            Target::Custom("http://127.0.0.1:4242".into())
        );
        assert!(matches!(Target::parse("staging"), Err(CliError::Usage(_))));
        assert_eq!(
            Target::Custom("http://127.0.0.1:4242/prefix".into())
                .page_origin(None)
                .expect("origin")
                .as_str(),
            "http://127.0.0.1:4242"
        );
        assert_eq!(
            Target::Sandbox.page_origin(None).expect("origin").as_str(),
            VisaPageOrigin::SANDBOX
        );
        assert!(
            Target::Custom("http://example.com".into())
                .page_origin(None)
                .is_err()
        );
    }

    #[test]
    fn missing_credentials_name_the_variable_and_never_come_from_flags() {
        let vars = |_: &str| None;
        let error = juspay_config(&Target::Sandbox, &vars, None).expect_err("no key");
        assert_eq!(error.exit_code(), 2);
        assert!(
            error
                .to_string()
                .starts_with("AGENTIC_JUSPAY_API_KEY is not set"),
            "{error}"
        );
    }

    fn ask_with(prompt: &Prompt, input: &str) -> (Result<Option<Input>, CliError>, String) {
        let mut reader = io::Cursor::new(input.as_bytes().to_vec());
        let mut out = Vec::new();
        let result = ask(prompt, &mut Console::new(&mut reader, &mut out));
        (result, String::from_utf8(out).expect("utf8"))
    }

    #[test]
    fn the_otp_is_read_and_never_echoed() {
        let prompt = Prompt::EnterOtp {
            attempts_left: 3,
            resends_left: 2,
            expires_at: None,
            last_attempt_failed: true,
            expired: false,
        };
        let (result, shown) = ask_with(&prompt, "456789\n");
        assert!(matches!(result, Ok(Some(Input::Otp(_)))));
        assert!(shown.contains("The last OTP was wrong."), "{shown}");
        assert!(!shown.contains("456789"), "{shown}");
        let (resend, _) = ask_with(&prompt, "resend\n");
        assert!(matches!(resend, Ok(Some(Input::ResendOtp))));
        let (closed, _) = ask_with(&prompt, "");
        assert!(matches!(closed, Err(CliError::Failed(_))));
    }

    #[test]
    fn step_up_methods_are_a_numbered_list() {
        let prompt = Prompt::ChooseStepUp {
            methods: vec![
                agentic_core::journey::StepUpChoice {
                    identifier: "id-sms".into(),
                    method: StepUpMethod::OtpSms,
                    value: Some("**PSMS".into()),
                    sub_method: None,
                    url: None,
                },
                agentic_core::journey::StepUpChoice {
                    identifier: "id-call".into(),
                    method: StepUpMethod::CustomerService,
                    value: None,
                    sub_method: None,
                    url: None,
                },
            ],
        };
        let (result, shown) = ask_with(&prompt, "2\n");
        assert!(
            shown.contains("  1. OTPSMS **PSMS\n  2. CUSTOMERSERVICE\n"),
            "{shown}"
        );
        assert_eq!(
            result.expect("read"),
            Some(Input::ChooseStepUp {
                identifier: "id-call".into()
            })
        );
        let (again, _) = ask_with(&prompt, "7\n");
        assert_eq!(again.expect("read"), None, "out of range: ask again");
    }

    #[test]
    fn page_replies_are_relayed_with_the_printed_origin() {
        let prompt = Prompt::ProvideVisaSession {
            origin: "http://127.0.0.1:4242".into(),
            message_to_post: None,
        };
        let (result, shown) = ask_with(&prompt, "{\"type\":\"AUTH_READY\",\"requestID\":\"r1\"}\n");
        assert!(shown.contains("origin http://127.0.0.1:4242"), "{shown}");
        assert_eq!(
            result.expect("read"),
            Some(Input::VisaMessage {
                json: "{\"type\":\"AUTH_READY\",\"requestID\":\"r1\"}".into(),
                origin: "http://127.0.0.1:4242".into()
            })
        );
        let (closed, _) = ask_with(&prompt, "closed\n");
        assert_eq!(closed.expect("read"), Some(Input::PageClosed));
    }
}
