//! `agentic demo`: starts the embedded sandbox and runs every journey end to end through the
//! real driver and the ureq transport, answering prompts with the [`Autopilot`], and prints a
//! step-by-step transcript (or one JSON object per journey with `--json`).
//!
//! The journeys, in order:
//!
//! 1. `enrollment` — card details → tokenize; [`magic::CARD_CHALLENGED`] makes the issuer
//!    challenge the device binding; an OTP method is chosen, [`magic::RIGHT_OTP`] entered; the
//!    `REGISTER` ceremony runs on the headless Visa page; the token is enrolled.
//! 2. `purchase` — the token just enrolled; the `AUTHENTICATE` ceremony; the payment
//!    instruction; the payment credentials (shown masked).
//! 3. `direct_otp_native` — BIN check, order, [`magic::CARD_NATIVE_OTP`], the native OTP →
//!    `CHARGED`.
//! 4. `direct_otp_3ds_fallback` — [`magic::CARD_3DS_FALLBACK`] → redirect; the bank page is
//!    visited; the order status says `CHARGED`.
//! 5. `visa_acceptance_step_up` — [`magic::TOKEN_CHALLENGED`] → step-up OTP → validate →
//!    registration → `REGISTER` ceremony.

use std::io::{self, Write};
use std::sync::Arc;
use std::time::{Duration, Instant};

use agentic_core::journey::{Journey, Outcome, Script};
use agentic_core::secret::SigningSecret;
use agentic_http::config::{
    JuspayAuth, JuspayConfig, JuspayEnvironment, VisaAcceptanceConfig, VisaAcceptanceEnvironment,
};
use agentic_http::ureq_transport::{UreqTransport, UreqTransportConfig};
use agentic_http::{Client, ClientConfig, Stop, Timeouts};
use agentic_sandbox::{CounterSnapshot, Sandbox, magic};
use serde_json::json;

use crate::autopilot::{Autopilot, Event};
use crate::describe::{describe_failure, describe_outcome, failure_kind, last4, outcome_json};
use crate::recorder::Recorder;
use crate::transcript::{event_line, millis};

/// The customer every demo journey runs for.
pub const DEMO_CUSTOMER: &str = "demo_customer_1";

/// How one journey ended.
#[derive(Debug, Clone)]
pub enum JourneyResult {
    /// Succeeded.
    Ok(Outcome),
    /// Failed: one line saying why, and a short kind (`api`, `payment_failed`, `setup` …).
    Failed {
        /// The line.
        reason: String,
        /// The kind.
        kind: &'static str,
    },
}

/// One journey of the demo.
#[derive(Debug, Clone)]
pub struct JourneyReport {
    /// Machine name (`direct_otp_native`).
    pub name: &'static str,
    /// What it shows.
    pub title: &'static str,
    /// How it ended.
    pub result: JourneyResult,
    /// Requests the SDK sent.
    pub requests: usize,
    /// Prompts answered.
    pub prompts: usize,
    /// Wall time.
    pub duration: Duration,
}

impl JourneyReport {
    /// Whether it succeeded.
    pub fn ok(&self) -> bool {
        matches!(self.result, JourneyResult::Ok(_))
    }

    /// The `--json` line: `{"journey", "ok", "outcome", "requests", "prompts", "duration_ms"}`
    /// plus `error` and `error_kind` on failure, in that order. No secrets.
    pub fn json_line(&self) -> String {
        let duration_ms = u64::try_from(self.duration.as_millis()).unwrap_or(u64::MAX);
        let mut fields: Vec<(&str, serde_json::Value)> =
            vec![("journey", json!(self.name)), ("ok", json!(self.ok()))];
        match &self.result {
            JourneyResult::Ok(outcome) => fields.push(("outcome", outcome_json(outcome))),
            JourneyResult::Failed { reason, kind } => {
                fields.push(("outcome", serde_json::Value::Null));
                fields.push(("error", json!(reason)));
                fields.push(("error_kind", json!(kind)));
            }
        }
        fields.push(("requests", json!(self.requests)));
        fields.push(("prompts", json!(self.prompts)));
        fields.push(("duration_ms", json!(duration_ms)));
        let body: Vec<String> = fields
            .iter()
            .map(|(key, value)| format!("{}:{value}", json!(key)))
            .collect();
        format!("{{{}}}", body.join(","))
    }
}

/// `1 prompt`, `2 prompts`.
pub fn plural(count: impl Into<u64>, noun: &str) -> String {
    let count = count.into();
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

/// The whole demo.
#[derive(Debug, Clone)]
pub struct DemoReport {
    /// Each journey, in order.
    pub journeys: Vec<JourneyReport>,
    /// Wall time of all journeys.
    pub duration: Duration,
    /// The sandbox's side-effect counters at the end.
    pub counters: CounterSnapshot,
}

impl DemoReport {
    /// Whether every journey succeeded.
    pub fn all_ok(&self) -> bool {
        self.journeys.iter().all(JourneyReport::ok)
    }

    /// `summary: 5/5 journeys ok, 23 requests, 180 ms; sandbox counted …`.
    pub fn summary_line(&self) -> String {
        let ok = self.journeys.iter().filter(|j| j.ok()).count();
        let requests: usize = self.journeys.iter().map(|j| j.requests).sum();
        let c = &self.counters;
        format!(
            "summary: {ok}/{} journeys ok, {}, {} ms total; the sandbox counted {} provisioned, {} sent, {}, {} registered, {}",
            self.journeys.len(),
            plural(requests as u64, "request"),
            millis(self.duration),
            plural(c.tokens_provisioned, "token"),
            plural(c.otps_sent, "OTP"),
            plural(c.charges, "charge"),
            plural(c.passkeys_registered, "passkey"),
            plural(c.enrollments, "enrollment"),
        )
    }
}

/// Why the demo could not start.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// The embedded sandbox did not start.
    #[error("the embedded sandbox did not start: {0}")]
    Sandbox(io::Error),
    /// The SDK client or the autopilot could not be set up.
    #[error("setup: {0}")]
    Setup(String),
    /// Writing the transcript failed.
    #[error("writing the transcript: {0}")]
    Output(#[from] io::Error),
}

/// How the demo prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// The step-by-step transcript.
    Human,
    /// One JSON object per journey per line.
    Json,
}

struct Runner<'a> {
    out: &'a mut dyn Write,
    format: Format,
    client: Client,
    recorder: Recorder,
    autopilot: Autopilot,
    merchant_id: String,
    total: usize,
    reports: Vec<JourneyReport>,
}

impl Runner<'_> {
    fn header(&mut self, index: usize, title: &str, name: &str, detail: &str) -> io::Result<()> {
        if self.format == Format::Human {
            writeln!(self.out)?;
            writeln!(self.out, "== [{index}/{}] {name}: {title} ==", self.total)?;
            writeln!(self.out, "   {detail}")?;
        }
        Ok(())
    }

    /// Runs one journey (or reports why it could not start) and prints its end.
    fn drive<S: Script>(
        &mut self,
        name: &'static str,
        title: &'static str,
        journey: Result<Journey<S>, String>,
    ) -> io::Result<Option<Outcome>> {
        let started = Instant::now();
        let mut write_error: Option<io::Error> = None;
        let (result, requests, prompts) = match journey {
            Err(reason) => (
                JourneyResult::Failed {
                    reason,
                    kind: "setup",
                },
                0,
                0,
            ),
            Ok(mut journey) => {
                let human = self.format == Format::Human;
                let out = &mut *self.out;
                let mut observe = |event: &Event| {
                    if human && write_error.is_none() {
                        if let Err(e) = writeln!(out, "{}", event_line(event)) {
                            write_error = Some(e);
                        }
                    }
                };
                let run = self.autopilot.run(
                    &self.client,
                    &mut journey,
                    Some(&self.recorder),
                    &mut observe,
                );
                match run {
                    Ok(run) => {
                        let (requests, prompts) = (run.requests.len(), run.prompts.len());
                        let result = match run.stop {
                            Stop::Done(outcome) => JourneyResult::Ok(outcome),
                            Stop::Failed(failure) => JourneyResult::Failed {
                                reason: describe_failure(&failure),
                                kind: failure_kind(&failure),
                            },
                            Stop::Prompt(_) => JourneyResult::Failed {
                                reason: "stopped at a prompt".to_owned(),
                                kind: "internal",
                            },
                        };
                        (result, requests, prompts)
                    }
                    Err(error) => (
                        JourneyResult::Failed {
                            reason: error.to_string(),
                            kind: "autopilot",
                        },
                        0,
                        0,
                    ),
                }
            }
        };
        if let Some(error) = write_error {
            return Err(error);
        }
        let report = JourneyReport {
            name,
            title,
            result,
            requests,
            prompts,
            duration: started.elapsed(),
        };
        match self.format {
            Format::Human => match &report.result {
                JourneyResult::Ok(outcome) => {
                    writeln!(self.out, "   outcome  {}", describe_outcome(outcome))?;
                    writeln!(
                        self.out,
                        "   ok       {name}: {}, {}, {} ms",
                        plural(report.requests as u64, "request"),
                        plural(report.prompts as u64, "prompt"),
                        millis(report.duration)
                    )?;
                }
                JourneyResult::Failed { reason, .. } => {
                    writeln!(self.out, "   FAILED   {name}: {reason}")?;
                }
            },
            Format::Json => writeln!(self.out, "{}", report.json_line())?,
        }
        let outcome = match &report.result {
            JourneyResult::Ok(outcome) => Some(outcome.clone()),
            JourneyResult::Failed { .. } => None,
        };
        self.reports.push(report);
        Ok(outcome)
    }

    fn enrollment(&mut self) -> io::Result<Option<String>> {
        let card = magic::CARD_CHALLENGED;
        self.header(
            1,
            "card enrollment with OTP step-up (Juspay VAT)",
            "enrollment",
            &format!(
                "card {} (the issuer challenges the device binding), customer {DEMO_CUSTOMER}",
                last4(card)
            ),
        )?;
        let journey = journeys::enrollment(&self.merchant_id, self.autopilot.page_origin(), card);
        Ok(
            match self.drive("enrollment", "card enrollment with OTP step-up", journey)? {
                Some(Outcome::Enrolled {
                    v_provisioned_token_id,
                    ..
                }) => Some(v_provisioned_token_id),
                _ => None,
            },
        )
    }

    fn purchase(&mut self, token: Option<String>) -> io::Result<()> {
        self.header(
            2,
            "agentic purchase with the passkey (Juspay VAT)",
            "purchase",
            &format!(
                "token {} from the enrollment, 92.65 SGD",
                token.as_deref().unwrap_or("(none: the enrollment failed)")
            ),
        )?;
        let journey = match token {
            Some(token) => journeys::purchase(self.autopilot.page_origin(), &token),
            None => Err("skipped: it needs the token the enrollment journey provisions".to_owned()),
        };
        self.drive("purchase", "agentic purchase with the passkey", journey)?;
        Ok(())
    }

    fn direct_otp(&mut self, fallback: bool) -> io::Result<()> {
        let (index, name, title, card, detail) = if fallback {
            (
                4,
                "direct_otp_3ds_fallback",
                "Direct OTP falling back to 3-D Secure (Juspay EC)",
                magic::CARD_3DS_FALLBACK,
                "the card falls back to the bank page",
            )
        } else {
            (
                3,
                "direct_otp_native",
                "Direct OTP with the native OTP (Juspay EC)",
                magic::CARD_NATIVE_OTP,
                "the card gets the native OTP challenge",
            )
        };
        self.header(
            index,
            title,
            name,
            &format!("card {} ({detail}), new order of 100.00 INR", last4(card)),
        )?;
        let journey = journeys::direct_otp(&self.merchant_id, card, "100.00", !fallback);
        self.drive(name, title, journey)?;
        Ok(())
    }

    fn visa_acceptance(&mut self) -> io::Result<()> {
        let token = magic::TOKEN_CHALLENGED;
        self.header(
            5,
            "tokenized-card passkey with step-up OTP (Visa Acceptance)",
            "visa_acceptance_step_up",
            &format!("token {token} (the issuer asks for a step-up), 25.00 USD"),
        )?;
        let journey = journeys::visa_acceptance(self.autopilot.page_origin(), token);
        self.drive(
            "visa_acceptance_step_up",
            "tokenized-card passkey with step-up OTP",
            journey,
        )?;
        Ok(())
    }
}

/// The demo's journeys, ready to run against a sandbox (tests reuse them). Each returns a
/// one-line reason when it cannot be built.
pub mod journeys {
    use agentic_core::InvalidInput;
    use agentic_core::journey::Journey;
    use agentic_core::journey::direct_otp::{
        self, CardSecrets, DirectOtp, DirectOtpParams, DirectOtpSecrets, NewOrder,
    };
    use agentic_core::journey::enrollment::{
        self, Enrollment, EnrollmentDetails, EnrollmentParams, EnrollmentSecrets,
    };
    use agentic_core::journey::purchase::{
        self, InstructionLimit, Purchase, PurchaseParams, PurchaseTransaction,
    };
    use agentic_core::journey::visa_acceptance::{
        self as va, VisaAcceptancePasskey, VisaAcceptancePasskeyParams,
    };
    use agentic_core::juspay_vat::{CardTokenizeRequest, IdentityType};
    use agentic_core::secret::{CardNumber, CardSecurityCode, ExpiryMonth, ExpiryYear};
    use agentic_core::visa_acceptance::{AmountDetails, MerchantDescriptor};
    use agentic_core::visa_page::{PlatformType, VisaPageOrigin};
    use agentic_http::{Clock, SystemClock};

    use super::DEMO_CUSTOMER;

    /// The card expiry the demo uses: December, four years from now (`("12", "YY")`).
    pub fn expiry() -> (String, String) {
        const MS_PER_YEAR: u64 = 31_556_952_000;
        let year = 1970 + SystemClock.now() / MS_PER_YEAR;
        ("12".to_owned(), format!("{:02}", (year + 4) % 100))
    }

    fn setup(error: impl std::fmt::Display) -> String {
        format!("could not start the journey: {error}")
    }

    fn new_card(number: &str) -> Result<CardSecrets, InvalidInput> {
        let (month, year) = expiry();
        Ok(CardSecrets::New {
            number: CardNumber::new("card_number", number)?,
            exp_month: ExpiryMonth::new("card_exp_month", month)?,
            exp_year: ExpiryYear::new("card_exp_year", year)?,
            security_code: CardSecurityCode::new("card_security_code", "123")?,
        })
    }

    /// Enrollment of `card_number` (card details, tokenized first) for [`DEMO_CUSTOMER`],
    /// 92.65 SGD, a fresh reference id.
    ///
    /// # Errors
    /// Why it cannot start.
    pub fn enrollment(
        merchant_id: &str,
        origin: &VisaPageOrigin,
        card_number: &str,
    ) -> Result<Journey<Enrollment>, String> {
        let details = EnrollmentDetails {
            customer_id: DEMO_CUSTOMER.to_owned(),
            identity_type: IdentityType::EmailAddress,
            country_code: "US".to_owned(),
            user_agent: concat!("agentic-cli/", env!("CARGO_PKG_VERSION")).to_owned(),
            ip_address: "127.0.0.1".to_owned(),
            device_model: "Demo".to_owned(),
            device_brand: "agentic".to_owned(),
            device_manufacturer: "agentic".to_owned(),
            app_name: "agentic demo".to_owned(),
            amount: "92.65".to_owned(),
            currency: "SGD".to_owned(),
            platform_type: PlatformType::Web,
            page_origin: origin.clone(),
        };
        let (month, year) = expiry();
        let card = CardTokenizeRequest::new(
            merchant_id,
            card_number,
            month,
            year,
            "123",
            Some("Demo Cardholder"),
        )
        .map_err(setup)?;
        enrollment::start(
            EnrollmentParams::new(details).map_err(setup)?,
            crate::new_reference_id().map_err(setup)?,
            EnrollmentSecrets::default().with_card_details(card),
        )
        .map_err(setup)
    }

    /// Purchase of 92.65 SGD with the enrolled `token` (`vProvisionedTokenId`) of
    /// [`DEMO_CUSTOMER`]; the instruction allows 500.00 for a day.
    ///
    /// # Errors
    /// Why it cannot start.
    pub fn purchase(origin: &VisaPageOrigin, token: &str) -> Result<Journey<Purchase>, String> {
        let expires_at = SystemClock.now() + 24 * 60 * 60 * 1000;
        let order = format!("demo-{}", crate::random_hex::<6>().map_err(setup)?);
        let params = PurchaseParams::new(
            DEMO_CUSTOMER,
            token,
            "92.65",
            "SGD",
            InstructionLimit::new(expires_at)
                .and_then(|l| l.with_limit("500.00"))
                .map_err(setup)?,
            PurchaseTransaction::new(&order).map_err(setup)?,
            origin.clone(),
        )
        .map_err(setup)?;
        purchase::start(params, crate::new_reference_id().map_err(setup)?).map_err(setup)
    }

    /// A Direct OTP payment of a new order of `amount` INR with `card_number`, with a BIN check
    /// first when `check_bin`.
    ///
    /// # Errors
    /// Why it cannot start.
    pub fn direct_otp(
        merchant_id: &str,
        card_number: &str,
        amount: &str,
        check_bin: bool,
    ) -> Result<Journey<DirectOtp>, String> {
        let order_id = crate::new_order_id().map_err(setup)?;
        let order = NewOrder::new(amount)
            .and_then(|o| o.with(Some("INR"), Some(DEMO_CUSTOMER), None, None, None))
            .map_err(setup)?;
        let mut params =
            DirectOtpParams::new(merchant_id, &order_id, Some(order)).map_err(setup)?;
        if check_bin {
            let bin: String = card_number.chars().take(6).collect();
            params = params.check_bin(&bin).map_err(setup)?;
        }
        direct_otp::start(
            params,
            DirectOtpSecrets {
                card: Some(new_card(card_number).map_err(setup)?),
                otp: None,
            },
        )
        .map_err(setup)
    }

    /// The Visa Acceptance passkey journey for `token`, 25.00 USD.
    ///
    /// # Errors
    /// Why it cannot start.
    pub fn visa_acceptance(
        origin: &VisaPageOrigin,
        token: &str,
    ) -> Result<Journey<VisaAcceptancePasskey>, String> {
        let params = VisaAcceptancePasskeyParams::new(
            token,
            AmountDetails::new("25.00", "USD").map_err(setup)?,
            MerchantDescriptor::new("Agentic Demo Store", "https://demo.agentic.invalid")
                .map_err(setup)?,
            "en-US",
            "cardholder@example.com",
            None,
            origin.clone(),
        )
        .map_err(setup)?;
        Ok(va::start(params, crate::new_reference_id().map_err(setup)?))
    }
}

/// A client on the ureq transport, wrapped in a [`Recorder`], configured for every provider of
/// the sandbox.
///
/// # Errors
/// A description of the configuration or transport problem.
pub fn sandbox_client(sandbox: &Sandbox) -> Result<(Client, Recorder), String> {
    sandbox_client_with(sandbox, DEMO_TIMEOUTS)
}

/// The demo's request timeouts.
pub const DEMO_TIMEOUTS: Timeouts = Timeouts {
    connect: Duration::from_secs(5),
    read: Duration::from_secs(15),
    overall: Duration::from_secs(20),
};

/// As [`sandbox_client`], with other timeouts (fault tests want a short read timeout).
///
/// # Errors
/// A description of the configuration or transport problem.
pub fn sandbox_client_with(
    sandbox: &Sandbox,
    timeouts: Timeouts,
) -> Result<(Client, Recorder), String> {
    let base = sandbox.base_url();
    let credentials = sandbox.config();
    let juspay = JuspayConfig::new(
        JuspayEnvironment::Custom(base.clone()),
        credentials.merchant_id.clone(),
        JuspayAuth::api_key(credentials.api_key.clone()).map_err(|e| e.to_string())?,
    )
    .with_routing_id(DEMO_CUSTOMER);
    let visa = VisaAcceptanceConfig::new(
        VisaAcceptanceEnvironment::Custom(base),
        credentials.visa_merchant_id.clone(),
        credentials.visa_key_id.clone(),
        SigningSecret::new("shared_secret", credentials.visa_shared_secret.clone())
            .map_err(|e| e.to_string())?,
    );
    let config =
        ClientConfig::new(Some(juspay), Some(visa), timeouts).map_err(|e| e.to_string())?;
    let transport = UreqTransport::new(UreqTransportConfig {
        root_ca_pem: None,
        timeouts,
    })
    .map_err(|e| e.to_string())?;
    let recorder = Recorder::new(Arc::new(transport));
    let client = Client::new(config, Arc::new(recorder.clone())).map_err(|e| e.to_string())?;
    Ok((client, recorder))
}

/// Runs the demo, printing to `out`.
///
/// # Errors
/// [`DemoError`] when the sandbox or the client cannot start, or `out` fails. A journey that
/// fails is not an error: it is reported, and [`DemoReport::all_ok`] is `false`.
pub fn run(out: &mut dyn Write, format: Format) -> Result<DemoReport, DemoError> {
    let sandbox = Sandbox::start().map_err(DemoError::Sandbox)?;
    let (client, recorder) = sandbox_client(&sandbox).map_err(DemoError::Setup)?;
    let autopilot =
        Autopilot::new(&sandbox.base_url()).map_err(|e| DemoError::Setup(e.to_string()))?;
    if format == Format::Human {
        writeln!(
            out,
            "agentic demo: every journey through the SDK's driver and ureq transport, against the embedded sandbox at {}",
            sandbox.base_url()
        )?;
        writeln!(
            out,
            "(the Visa page is played by the sandbox's headless page; OTPs, cards, tokens and page secrets are redacted as in any transcript)"
        )?;
    }
    let mut runner = Runner {
        out,
        format,
        client,
        recorder,
        autopilot,
        merchant_id: sandbox.config().merchant_id.clone(),
        total: 5,
        reports: Vec::new(),
    };
    let started = Instant::now();
    let token = runner.enrollment()?;
    runner.purchase(token)?;
    runner.direct_otp(false)?;
    runner.direct_otp(true)?;
    runner.visa_acceptance()?;
    let report = DemoReport {
        journeys: runner.reports,
        duration: started.elapsed(),
        counters: sandbox.counters(),
    };
    if format == Format::Human {
        writeln!(runner.out)?;
        writeln!(runner.out, "{}", report.summary_line())?;
    }
    sandbox.shutdown();
    Ok(report)
}
