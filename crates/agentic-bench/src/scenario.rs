//! The journeys measured by `journeys` and `load`, and the SDK side of them: each journey is
//! built as `agentic demo` builds it and driven by [`agentic_http::Client::run`] against an
//! in-process [`Sandbox`].
//!
//! The host's part (the cardholder, the Visa page) is played by [`unmeasured_host_answer`]:
//! the page through the sandbox's in-process headless page
//! ([`Sandbox::visa_session_message`], [`Sandbox::complete_ceremony_message`]), the other
//! prompts as [`Autopilot::answer`] answers them (no HTTP for those). So no admin
//! `/__sandbox/*` call and no recorder is ever made or used by a measured journey.
//!
//! ## What is measured
//!
//! [`measured_sdk_journey`] is the SDK's part of a journey: building it (parameter
//! validation, reference id), every `client.run` (core + auth + transport + HTTP) and every
//! `journey.submit`. The host's answers run inside [`unmeasured_host_answer`]. Both names
//! contain `measured_`: callgrind's `--toggle-collect=*measured_*` turns collection on when the
//! journey starts, off while the host answers, on again when it returns (each match toggles).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use agentic_cli::autopilot::Autopilot;
use agentic_cli::demo::{self, DEMO_CUSTOMER};
use agentic_core::journey::direct_otp::{
    self, CardSecrets, DirectOtp, DirectOtpParams, DirectOtpSecrets, NewOrder,
};
use agentic_core::journey::{Input, Journey, Outcome, Prompt, Script};
use agentic_core::secret::{CardSecurityCode, CardToken};
use agentic_core::visa_page::VisaPageOrigin;
use agentic_http::{Client, Clock, Stop, SystemClock, Timeouts};
use agentic_sandbox::{Sandbox, magic};
use serde_json::Value;

/// The journeys of `agentic demo`, Direct OTP with a new and a saved card.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// Juspay VAT card enrollment, challenged card, OTP step-up, REGISTER ceremony.
    Enrollment,
    /// Juspay VAT agentic purchase with the enrolled token.
    Purchase,
    /// Juspay EC Direct OTP, new card with a BIN check, native OTP.
    DirectOtpNewCard,
    /// Juspay EC Direct OTP, saved card (`card_token`), native OTP.
    DirectOtpSavedCard,
    /// Visa Acceptance passkey, challenged token, OTP step-up, REGISTER ceremony.
    VisaAcceptanceStepUp,
}

impl Kind {
    /// Every journey, in the demo's order.
    pub const ALL: [Kind; 5] = [
        Kind::Enrollment,
        Kind::Purchase,
        Kind::DirectOtpNewCard,
        Kind::DirectOtpSavedCard,
        Kind::VisaAcceptanceStepUp,
    ];

    /// Short name (JSON key, table row).
    pub fn name(self) -> &'static str {
        match self {
            Kind::Enrollment => "enrollment",
            Kind::Purchase => "purchase",
            Kind::DirectOtpNewCard => "direct_otp_new_card",
            Kind::DirectOtpSavedCard => "direct_otp_saved_card",
            Kind::VisaAcceptanceStepUp => "visa_acceptance_step_up",
        }
    }

    /// By [`Kind::name`].
    pub fn from_name(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == name)
    }
}

/// The card the Direct OTP journeys pay with.
pub const DIRECT_OTP_CARD: &str = magic::CARD_NATIVE_OTP;
/// The saved card's token (the sandbox accepts any `card_token`).
pub const SAVED_CARD_TOKEN: &str = "ctkn_bench_saved_card_1";
/// The Direct OTP amount (INR).
pub const DIRECT_OTP_AMOUNT: &str = "100.00";

/// Timeouts of every client: generous (64 journeys at once on a 2-core box).
pub const TIMEOUTS: Timeouts = Timeouts {
    connect: Duration::from_secs(10),
    read: Duration::from_secs(30),
    overall: Duration::from_secs(40),
};

/// One sandbox and what every journey against it needs.
#[derive(Debug)]
pub struct Env {
    /// The sandbox (its own threads).
    pub sandbox: Sandbox,
    /// `http://127.0.0.1:PORT`.
    pub base_url: String,
    /// The Visa page origin (the sandbox's base URL).
    pub origin: VisaPageOrigin,
    /// The enrolled token the purchases use (`vProvisionedTokenId`).
    pub purchase_token: String,
    /// Makes each Visa Acceptance token unique (a registered token is no longer challenged).
    va_tokens: AtomicU64,
}

impl Env {
    /// Starts a sandbox and enrolls the purchase token (with the SDK, not measured).
    ///
    /// # Errors
    /// Why the sandbox or the enrollment failed.
    pub fn start() -> Result<Env, String> {
        let sandbox = Sandbox::start().map_err(|e| format!("sandbox: {e}"))?;
        let base_url = sandbox.base_url();
        let origin = VisaPageOrigin::custom(&base_url).map_err(|e| e.to_string())?;
        let mut env = Env {
            sandbox,
            base_url,
            origin,
            purchase_token: String::new(),
            va_tokens: AtomicU64::new(0),
        };
        let client = sdk_client(&env)?;
        let mut host = Host::new(&env)?;
        match measured_sdk_journey(&env, &client, &mut host, Kind::Enrollment)? {
            Outcome::Enrolled {
                v_provisioned_token_id,
                ..
            } => env.purchase_token = v_provisioned_token_id,
            other => return Err(format!("set-up enrollment ended with {other:?}")),
        }
        Ok(env)
    }

    /// A Visa Acceptance token never used before (challenged: step-up).
    pub fn next_va_token(&self) -> String {
        let n = self.va_tokens.fetch_add(1, Ordering::Relaxed);
        format!("{}_{n}", magic::TOKEN_CHALLENGED)
    }

    /// The sandbox's Juspay merchant id.
    pub fn merchant_id(&self) -> &str {
        &self.sandbox.config().merchant_id
    }
}

/// An SDK client on the built-in ureq transport (no recorder), configured for the sandbox.
///
/// # Errors
/// A configuration problem.
pub fn sdk_client(env: &Env) -> Result<Client, String> {
    Client::with_ureq(client_config(env)?, None).map_err(|e| e.to_string())
}

/// The configuration of [`sdk_client`]: every provider of the sandbox, as the demo's
/// (`sandbox_client_with`, which also wraps the transport in a recorder).
///
/// # Errors
/// A configuration problem.
pub fn client_config(env: &Env) -> Result<agentic_http::ClientConfig, String> {
    use agentic_core::secret::SigningSecret;
    use agentic_http::ClientConfig;
    use agentic_http::config::{
        JuspayAuth, JuspayConfig, JuspayEnvironment, VisaAcceptanceConfig,
        VisaAcceptanceEnvironment,
    };
    let credentials = env.sandbox.config();
    let juspay = JuspayConfig::new(
        JuspayEnvironment::Custom(env.base_url.clone()),
        credentials.merchant_id.clone(),
        JuspayAuth::api_key(credentials.api_key.clone()).map_err(|e| e.to_string())?,
    )
    .with_routing_id(DEMO_CUSTOMER);
    let visa = VisaAcceptanceConfig::new(
        VisaAcceptanceEnvironment::Custom(env.base_url.clone()),
        credentials.visa_merchant_id.clone(),
        credentials.visa_key_id.clone(),
        SigningSecret::new("shared_secret", credentials.visa_shared_secret.clone())
            .map_err(|e| e.to_string())?,
    );
    ClientConfig::new(Some(juspay), Some(visa), TIMEOUTS).map_err(|e| e.to_string())
}

/// The host: the cardholder (OTP, method choice) and the Visa page (in-process).
#[derive(Debug)]
pub struct Host<'a> {
    sandbox: &'a Sandbox,
    origin: String,
    autopilot: Autopilot,
    /// Time spent answering, to subtract from wall times.
    pub answering: Duration,
}

impl<'a> Host<'a> {
    /// A host for `env`.
    ///
    /// # Errors
    /// When the autopilot cannot be built.
    pub fn new(env: &'a Env) -> Result<Host<'a>, String> {
        Ok(Host {
            sandbox: &env.sandbox,
            origin: env.origin.as_str().to_owned(),
            autopilot: Autopilot::new(&env.base_url).map_err(|e| e.to_string())?,
            answering: Duration::ZERO,
        })
    }

    /// The page's answer to a message the SDK (or the baseline) posts to it: the JSON text the
    /// page would post back. `None` for the page's `AUTH_READY` (nothing posted yet).
    pub fn page_reply(&self, posted: Option<&str>, ceremony: bool) -> Result<String, String> {
        let Some(posted) = posted else {
            return Ok(r#"{"type":"AUTH_READY","requestID":"bench-page-0001"}"#.to_owned());
        };
        let message: Value =
            serde_json::from_str(posted).map_err(|e| format!("page message: {e}"))?;
        let reply = if ceremony {
            self.sandbox
                .complete_ceremony_message(&message)
                .map_err(|failed| format!("the page answered {failed}"))?
        } else {
            self.sandbox.visa_session_message(&message)
        };
        Ok(reply.to_string())
    }

    /// The page's origin as the host reports it with each message.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    fn answer(&mut self, journey: &'static str, prompt: &Prompt) -> Result<Input, String> {
        match prompt {
            Prompt::ProvideVisaSession {
                message_to_post, ..
            } => Ok(Input::VisaMessage {
                json: self.page_reply(message_to_post.as_ref().map(|m| m.as_json()), false)?,
                origin: self.origin.clone(),
            }),
            Prompt::PasskeyCeremony {
                message_to_post, ..
            } => Ok(Input::VisaMessage {
                json: self.page_reply(Some(message_to_post.as_json()), true)?,
                origin: self.origin.clone(),
            }),
            other => self
                .autopilot
                .answer(journey, other)
                .map(|a| a.input)
                .map_err(|e| e.to_string()),
        }
    }
}

/// The host's answer to `prompt` (not measured: see the module docs).
#[inline(never)]
pub fn unmeasured_host_answer(
    host: &mut Host<'_>,
    journey: &'static str,
    prompt: &Prompt,
) -> Result<Input, String> {
    let started = Instant::now();
    let answer = host.answer(journey, prompt);
    host.answering += started.elapsed();
    answer
}

/// The page's answer to `posted` (see [`Host::page_reply`]), for the baseline (not measured:
/// see the module docs).
///
/// # Errors
/// When the page refuses the message.
#[inline(never)]
pub fn unmeasured_page_reply(
    host: &mut Host<'_>,
    posted: Option<&str>,
    ceremony: bool,
) -> Result<String, String> {
    let started = Instant::now();
    let reply = host.page_reply(posted, ceremony);
    host.answering += started.elapsed();
    reply
}

/// Runs `journey` to its end on `client`, the host answering every prompt.
fn drive<S: Script>(
    client: &Client,
    host: &mut Host<'_>,
    mut journey: Journey<S>,
) -> Result<Outcome, String> {
    for _ in 0..40 {
        match client.run(&mut journey).map_err(|e| e.to_string())? {
            Stop::Prompt(prompt) => {
                let input = unmeasured_host_answer(host, S::NAME, &prompt)?;
                journey
                    .submit(input, SystemClock.now())
                    .map_err(|e| e.to_string())?;
            }
            Stop::Done(outcome) => return Ok(outcome),
            Stop::Failed(failure) => return Err(format!("{} failed: {failure:?}", S::NAME)),
        }
    }
    Err(format!("{} did not end", S::NAME))
}

fn saved_card_journey(merchant_id: &str) -> Result<Journey<DirectOtp>, String> {
    let setup = |e: &dyn std::fmt::Display| format!("could not start the journey: {e}");
    let order_id = agentic_cli::new_order_id().map_err(|e| setup(&e))?;
    let order = NewOrder::new(DIRECT_OTP_AMOUNT)
        .and_then(|o| o.with(Some("INR"), Some(DEMO_CUSTOMER), None, None, None))
        .map_err(|e| setup(&e))?;
    let params =
        DirectOtpParams::new(merchant_id, &order_id, Some(order)).map_err(|e| setup(&e))?;
    let card = CardSecrets::Saved {
        token: CardToken::new("card_token", SAVED_CARD_TOKEN).map_err(|e| setup(&e))?,
        security_code: Some(
            CardSecurityCode::new("card_security_code", "123").map_err(|e| setup(&e))?,
        ),
    };
    direct_otp::start(
        params,
        DirectOtpSecrets {
            card: Some(card),
            otp: None,
        },
    )
    .map_err(|e| setup(&e))
}

/// One journey of `kind` through the SDK, built as the demo builds it; the outcome when it
/// succeeded. Measured: see the module docs.
///
/// # Errors
/// Why the journey did not succeed (set-up, driver, failure).
#[inline(never)]
pub fn measured_sdk_journey(
    env: &Env,
    client: &Client,
    host: &mut Host<'_>,
    kind: Kind,
) -> Result<Outcome, String> {
    match kind {
        Kind::Enrollment => drive(
            client,
            host,
            demo::journeys::enrollment(env.merchant_id(), &env.origin, magic::CARD_CHALLENGED)?,
        ),
        Kind::Purchase => purchase(env, client, host, &env.purchase_token),
        Kind::DirectOtpNewCard => drive(
            client,
            host,
            demo::journeys::direct_otp(
                env.merchant_id(),
                DIRECT_OTP_CARD,
                DIRECT_OTP_AMOUNT,
                true,
            )?,
        ),
        Kind::DirectOtpSavedCard => drive(client, host, saved_card_journey(env.merchant_id())?),
        Kind::VisaAcceptanceStepUp => drive(
            client,
            host,
            demo::journeys::visa_acceptance(&env.origin, &env.next_va_token())?,
        ),
    }
}

fn purchase(
    env: &Env,
    client: &Client,
    host: &mut Host<'_>,
    token: &str,
) -> Result<Outcome, String> {
    drive(client, host, demo::journeys::purchase(&env.origin, token)?)
}

/// As [`measured_sdk_journey`] for a purchase paying with `token` (instead of the
/// [`Env::purchase_token`]).
///
/// # Errors
/// Why the journey did not succeed.
#[inline(never)]
pub fn measured_sdk_purchase(
    env: &Env,
    client: &Client,
    host: &mut Host<'_>,
    token: &str,
) -> Result<Outcome, String> {
    purchase(env, client, host, token)
}

/// Whether `outcome` is the end `kind` must reach.
pub fn expected_end(kind: Kind, outcome: &Outcome) -> bool {
    matches!(
        (kind, outcome),
        (Kind::Enrollment, Outcome::Enrolled { .. })
            | (Kind::Purchase, Outcome::Authorised { .. })
            | (Kind::DirectOtpNewCard, Outcome::Paid { .. })
            | (Kind::DirectOtpSavedCard, Outcome::Paid { .. })
            | (Kind::VisaAcceptanceStepUp, Outcome::PasskeyVerified { .. })
    )
}
