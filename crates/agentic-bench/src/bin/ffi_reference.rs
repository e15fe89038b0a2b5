//! The Rust side of the FFI cost benchmark (`cargo xtask bench`, section "FFI cost per step").
//!
//! - `ffi_reference record <file>`: runs a few journeys through the uniffi API of agentic-ffi
//!   (`agentic::api`, the very Rust functions the Kotlin and Python bindings call) against the
//!   in-process sandbox, with an [`HttpTransport`] that forwards every request with ureq and
//!   records the response, answers every prompt like an app (the Visa page played headlessly by
//!   the sandbox), then checks that each journey **replays** from the recording alone (no
//!   network: the responses come back in order, the requests are ignored) and writes the
//!   recording (format below).
//! - `ffi_reference replay <file> [--quick]`: the reference timing. Drives every recorded
//!   journey again and again through the same Rust API with a Rust replay transport, and prints
//!   one line per journey, `journey <name> <steps> <responses> <median ns per
//!   journey>`, then `bare <ns>`, the time of a bare `sdk_version()` call from Rust. The Kotlin
//!   and Python benchmarks print the same lines.
//!
//! - `ffi_reference live <sandbox url>`: the reference of the **built-in transport** figure. A
//!   host benchmark (Python, Kotlin) starts it as a child against the standalone sandbox it
//!   drives itself (`agentic sandbox --addr 127.0.0.1:0 --until-stdin-closes`), and alternates
//!   with it in short batches; see [`live`] for the line protocol.
//!
//! The Kotlin (`bindings/kotlin/bench`) and Python (`bindings/python/bench`) benchmarks do the
//! identical drive through their generated bindings, with a replay transport written in their
//! language, so `(host time − Rust time) / steps` is what crossing the FFI costs per step.
//!
//! # Recording format (text, one record per line, fields separated by one space)
//!
//! Every value is base64 (standard alphabet, with padding), so no JSON parser is needed on the
//! host side (the Kotlin benchmark has only the JDK):
//!
//! ```text
//! agentic-ffi-replay 1
//! setting <name> <value>                 juspay_environment, juspay_merchant_id,
//!                                        juspay_routing_id, juspay_api_key, visa_environment,
//!                                        visa_merchant_id, visa_key_id, visa_shared_secret
//! journey <name> <kind>                  kind: direct_otp | enrollment | visa_passkey | purchase
//! param <name> <value>                   the start parameters (field names of the records)
//! step <prompt> <call> [<argument>…]     the prompt (snake case) and the session method that
//!                                        answers it; a prompt with a message to post has it
//!                                        read (`message_to_post.json()`) before the answer
//! response <status> <body> [<header name> <header value>]…
//! end <outcome> <steps>                  the end (snake case) and the number of steps
//! ```
//!
//! The names (`prompt`, `call`, `kind`, `outcome`) are plain words, not base64.

use std::collections::{BTreeMap, HashMap};
use std::io::Write as _;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use agentic::api::client::{
    CardDetails, ClientSettings, DirectOtpParams, EnrollmentParams, JuspaySettings, NewOrder,
    PurchaseParams, VisaAcceptanceSettings, VisaPasskeyParams, sdk_version,
};
use agentic::api::transport::{HttpRequest, HttpResponse, HttpTransport, HttpTransportError};
use agentic::api::views::{OutcomeView, PromptView, SessionStep, StepUpMethod};
use agentic::api::{AgenticClient, JourneySession, PageEvent};
use agentic_sandbox::{Sandbox, magic};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use serde_json::{Value, json};

type Fallible<T> = Result<T, String>;

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["record", file] => record(file),
        ["replay", file] => replay(file, false),
        ["replay", file, "--quick"] => replay(file, true),
        ["live", url] => live(url),
        _ => Err(
            "usage: ffi_reference record <file> | replay <file> [--quick] | live <sandbox url>"
                .to_owned(),
        ),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("ffi_reference: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}

// ------------------------------------------------------------------------------------------
// The recording
// ------------------------------------------------------------------------------------------

/// One recorded response.
#[derive(Debug, Clone)]
struct Recorded {
    status: u16,
    headers: HashMap<String, String>,
    body: Vec<u8>,
}

/// One prompt and its answer.
#[derive(Debug, Clone)]
struct Step {
    prompt: String,
    call: String,
    args: Vec<String>,
}

/// One journey: how it starts, how each prompt is answered, what the transport returns.
#[derive(Debug, Clone, Default)]
struct Journey {
    name: String,
    kind: String,
    params: BTreeMap<String, String>,
    steps: Vec<Step>,
    responses: Arc<Vec<Recorded>>,
    outcome: String,
    step_count: usize,
}

#[derive(Debug, Clone, Default)]
struct Recording {
    settings: BTreeMap<String, String>,
    journeys: Vec<Journey>,
}

fn b64(text: &[u8]) -> String {
    B64.encode(text)
}

fn unb64(text: &str) -> Fallible<Vec<u8>> {
    B64.decode(text)
        .map_err(|e| format!("bad base64 {text:?}: {e}"))
}

fn unb64_text(text: &str) -> Fallible<String> {
    String::from_utf8(unb64(text)?).map_err(|_| format!("not UTF-8: {text:?}"))
}

impl Recording {
    fn write(&self) -> String {
        let mut out = String::from("agentic-ffi-replay 1\n");
        for (name, value) in &self.settings {
            out.push_str(&format!("setting {name} {}\n", b64(value.as_bytes())));
        }
        for journey in &self.journeys {
            out.push_str(&format!("journey {} {}\n", journey.name, journey.kind));
            for (name, value) in &journey.params {
                out.push_str(&format!("param {name} {}\n", b64(value.as_bytes())));
            }
            for step in &journey.steps {
                out.push_str(&format!("step {} {}", step.prompt, step.call));
                for arg in &step.args {
                    out.push(' ');
                    out.push_str(&b64(arg.as_bytes()));
                }
                out.push('\n');
            }
            for response in journey.responses.iter() {
                out.push_str(&format!(
                    "response {} {}",
                    response.status,
                    b64(&response.body)
                ));
                let sorted: BTreeMap<_, _> = response.headers.iter().collect();
                for (name, value) in sorted {
                    out.push_str(&format!(
                        " {} {}",
                        b64(name.as_bytes()),
                        b64(value.as_bytes())
                    ));
                }
                out.push('\n');
            }
            out.push_str(&format!("end {} {}\n", journey.outcome, journey.step_count));
        }
        out
    }

    fn read(text: &str) -> Fallible<Self> {
        let mut lines = text.lines();
        if lines.next() != Some("agentic-ffi-replay 1") {
            return Err("not an agentic-ffi-replay 1 file".to_owned());
        }
        let mut recording = Self::default();
        for line in lines {
            let fields: Vec<&str> = line.split(' ').collect();
            let current = recording.journeys.last_mut();
            match (fields.as_slice(), current) {
                (["setting", name, value], _) => {
                    recording
                        .settings
                        .insert((*name).to_owned(), unb64_text(value)?);
                }
                (["journey", name, kind], _) => recording.journeys.push(Journey {
                    name: (*name).to_owned(),
                    kind: (*kind).to_owned(),
                    ..Journey::default()
                }),
                (["param", name, value], Some(journey)) => {
                    journey
                        .params
                        .insert((*name).to_owned(), unb64_text(value)?);
                }
                (["step", prompt, call, args @ ..], Some(journey)) => journey.steps.push(Step {
                    prompt: (*prompt).to_owned(),
                    call: (*call).to_owned(),
                    args: args
                        .iter()
                        .map(|a| unb64_text(a))
                        .collect::<Fallible<_>>()?,
                }),
                (["response", status, body, headers @ ..], Some(journey)) => {
                    let mut map = HashMap::new();
                    for pair in headers.chunks(2) {
                        if let [name, value] = pair {
                            map.insert(unb64_text(name)?, unb64_text(value)?);
                        }
                    }
                    Arc::make_mut(&mut journey.responses).push(Recorded {
                        status: status.parse().map_err(|_| format!("bad status {status}"))?,
                        headers: map,
                        body: unb64(body)?,
                    });
                }
                (["end", outcome, step_count], Some(journey)) => {
                    journey.outcome = (*outcome).to_owned();
                    journey.step_count = step_count
                        .parse()
                        .map_err(|_| format!("bad step count {step_count}"))?;
                }
                _ => return Err(format!("unexpected line: {line}")),
            }
        }
        Ok(recording)
    }
}

// ------------------------------------------------------------------------------------------
// Transports
// ------------------------------------------------------------------------------------------

/// Forwards to the sandbox with ureq and keeps every response.
struct RecordingTransport {
    agent: ureq::Agent,
    log: Mutex<Vec<Recorded>>,
}

impl RecordingTransport {
    fn new() -> Self {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .new_agent();
        Self {
            agent,
            log: Mutex::new(Vec::new()),
        }
    }

    fn take(&self) -> Vec<Recorded> {
        std::mem::take(&mut *self.log.lock().unwrap_or_else(PoisonError::into_inner))
    }

    fn forward(&self, request: &HttpRequest) -> Fallible<Recorded> {
        let mut builder = ureq::http::Request::builder()
            .method(request.method().as_str())
            .uri(request.url());
        for (name, value) in request.headers() {
            builder = builder.header(name, value);
        }
        let wire = builder.body(request.body()).map_err(|e| e.to_string())?;
        let mut response = self.agent.run(wire).map_err(|e| e.to_string())?;
        let headers = response
            .headers()
            .iter()
            .filter_map(|(name, value)| Some((name.to_string(), value.to_str().ok()?.to_owned())))
            .collect();
        let body = response
            .body_mut()
            .read_to_vec()
            .map_err(|e| e.to_string())?;
        Ok(Recorded {
            status: response.status().as_u16(),
            headers,
            body,
        })
    }
}

impl HttpTransport for RecordingTransport {
    fn send(&self, request: Arc<HttpRequest>) -> Result<Arc<HttpResponse>, HttpTransportError> {
        let recorded = self
            .forward(&request)
            .map_err(|reason| HttpTransportError::Failed {
                reason,
                maybe_sent: true,
            })?;
        self.log
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(recorded.clone());
        Ok(HttpResponse::new(
            recorded.status,
            recorded.headers,
            recorded.body,
        ))
    }
}

/// Answers from memory, in order, ignoring the request: what the Kotlin and Python replay
/// transports do.
#[derive(Default)]
struct ReplayTransport {
    script: Mutex<(Arc<Vec<Recorded>>, usize)>,
}

impl ReplayTransport {
    /// Plays `responses` from the first (no copy: the hosts also only rewind).
    fn load(&self, responses: &Arc<Vec<Recorded>>) {
        let mut script = self.script.lock().unwrap_or_else(PoisonError::into_inner);
        script.0 = Arc::clone(responses);
        script.1 = 0;
    }

    fn used(&self) -> (usize, usize) {
        let script = self.script.lock().unwrap_or_else(PoisonError::into_inner);
        (script.1, script.0.len())
    }
}

impl HttpTransport for ReplayTransport {
    fn send(&self, _request: Arc<HttpRequest>) -> Result<Arc<HttpResponse>, HttpTransportError> {
        let mut script = self.script.lock().unwrap_or_else(PoisonError::into_inner);
        let index = script.1;
        let Some(next) = script.0.get(index) else {
            return Err(HttpTransportError::Failed {
                reason: "the recording has no more responses".to_owned(),
                maybe_sent: false,
            });
        };
        // The host builds a new response object per call from its in-memory copy; so do we.
        let response = HttpResponse::new(next.status, next.headers.clone(), next.body.clone());
        script.1 = index + 1;
        Ok(response)
    }
}

// ------------------------------------------------------------------------------------------
// Starting and driving journeys
// ------------------------------------------------------------------------------------------

/// The benchmarks' client: the recording's settings, and `transport` (`None`: the built-in one).
fn client(
    settings: &BTreeMap<String, String>,
    transport: Option<Arc<dyn HttpTransport>>,
) -> Fallible<Arc<AgenticClient>> {
    let get = |name: &str| {
        settings
            .get(name)
            .cloned()
            .ok_or_else(|| format!("setting {name} missing"))
    };
    let client_settings = ClientSettings {
        juspay: Some(JuspaySettings {
            environment: get("juspay_environment")?,
            merchant_id: get("juspay_merchant_id")?,
            routing_id: Some(get("juspay_routing_id")?),
        }),
        visa_acceptance: Some(VisaAcceptanceSettings {
            environment: get("visa_environment")?,
            merchant_id: get("visa_merchant_id")?,
            key_id: get("visa_key_id")?,
        }),
        connect_timeout_ms: 5_000,
        read_timeout_ms: 10_000,
        overall_timeout_ms: 15_000,
    };
    AgenticClient::new(
        client_settings,
        Some(get("juspay_api_key")?),
        None,
        Some(get("visa_shared_secret")?),
        transport,
    )
    .map_err(|e| format!("client: {e}"))
}

/// The parameters of one journey, read from its `param` lines.
struct Params<'a>(&'a BTreeMap<String, String>);

impl Params<'_> {
    fn get(&self, name: &str) -> Fallible<String> {
        self.0
            .get(name)
            .cloned()
            .ok_or_else(|| format!("param {name} missing"))
    }

    fn opt(&self, name: &str) -> Option<String> {
        self.0.get(name).cloned()
    }
}

/// The journey's card, as the bindings' `CardDetails` class sends it.
fn card(p: &Params) -> Fallible<CardDetails> {
    Ok(CardDetails::new(
        &p.get("card_number")?,
        &p.get("card_exp_month")?,
        &p.get("card_exp_year")?,
        &p.get("card_security_code")?,
        None,
    ))
}

fn start(client: &AgenticClient, journey: &Journey) -> Fallible<Arc<JourneySession>> {
    let p = Params(&journey.params);
    let started = match journey.kind.as_str() {
        "direct_otp" => client.start_direct_otp(
            DirectOtpParams {
                order_id: p.opt("order_id"),
                new_order: Some(NewOrder {
                    amount: p.get("amount")?,
                    currency: p.opt("currency"),
                    customer_id: p.opt("customer_id"),
                    customer_email: None,
                    customer_phone: None,
                    return_url: None,
                }),
                card_bin: p.opt("card_bin"),
                payment_method: None,
                save_to_locker: false,
                auto_capture: None,
            },
            card(&p)?,
        ),
        "enrollment" => client.start_enrollment(
            EnrollmentParams {
                customer_id: p.get("customer_id")?,
                country_code: p.get("country_code")?,
                user_agent: p.get("user_agent")?,
                ip_address: p.get("ip_address")?,
                device_model: p.get("device_model")?,
                device_brand: p.get("device_brand")?,
                device_manufacturer: p.get("device_manufacturer")?,
                amount: p.get("amount")?,
                currency: p.get("currency")?,
                page_origin: p.get("page_origin")?,
                identity_type: None,
                app_name: String::new(),
                platform_type: None,
                reference_id: p.opt("reference_id"),
            },
            card(&p)?,
        ),
        "visa_passkey" => client.start_visa_passkey(VisaPasskeyParams {
            token_id: p.get("token_id")?,
            amount: p.get("amount")?,
            currency: p.get("currency")?,
            merchant_name: p.get("merchant_name")?,
            merchant_url: p.get("merchant_url")?,
            buyer_language: p.get("buyer_language")?,
            email: p.get("email")?,
            page_origin: p.get("page_origin")?,
            phone_number: None,
            platform_type: None,
            reference_id: p.opt("reference_id"),
        }),
        "purchase" => client.start_purchase(PurchaseParams {
            customer_id: p.get("customer_id")?,
            v_provisioned_token_id: p.get("v_provisioned_token_id")?,
            amount: p.get("amount")?,
            currency: p.get("currency")?,
            instruction_expires_at_ms: p
                .get("instruction_expires_at_ms")?
                .parse()
                .map_err(|_| "bad instruction_expires_at_ms".to_owned())?,
            order_id: p.get("order_id")?,
            page_origin: p.get("page_origin")?,
            instruction_limit: p.opt("instruction_limit"),
            instruction_description: None,
            transaction_id: None,
            nw_transaction_id: None,
            sub_total: None,
            tax: None,
            shipping_address: None,
            popup_preference: false,
            platform_type: None,
            reference_id: p.opt("reference_id"),
        }),
        other => return Err(format!("unknown journey kind {other}")),
    };
    started.map_err(|e| format!("{}: start: {e}", journey.name))
}

fn prompt_name(prompt: &PromptView) -> &'static str {
    match prompt {
        PromptView::ProvideVisaSession { .. } => "provide_visa_session",
        PromptView::ChooseStepUp { .. } => "choose_step_up",
        PromptView::EnterOtp { .. } => "enter_otp",
        PromptView::CompleteStepUp { .. } => "complete_step_up",
        PromptView::PasskeyCeremony { .. } => "passkey_ceremony",
        PromptView::Redirect { .. } => "redirect",
        PromptView::ConfirmUnknownOutcome { .. } => "confirm_unknown_outcome",
    }
}

fn outcome_name(outcome: &OutcomeView) -> &'static str {
    match outcome {
        OutcomeView::Enrolled { .. } => "enrolled",
        OutcomeView::Authorised { .. } => "authorised",
        OutcomeView::Paid { .. } => "paid",
        OutcomeView::PasskeyVerified { .. } => "passkey_verified",
    }
}

/// The message a prompt asks the app to post to the Visa page, as JSON text (a copy, as an app
/// gets it).
fn message_json(prompt: &PromptView) -> Option<String> {
    match prompt {
        PromptView::ProvideVisaSession {
            message_to_post: Some(message),
            ..
        }
        | PromptView::PasskeyCeremony {
            message_to_post: message,
            ..
        } => Some(message.json().to_owned()),
        _ => None,
    }
}

/// Gives the recorded answer; returns the step it ran on to.
fn answer(session: &JourneySession, step: &Step) -> Fallible<SessionStep> {
    let arg = |index: usize| {
        step.args
            .get(index)
            .cloned()
            .ok_or_else(|| format!("{}: argument {index} missing", step.call))
    };
    let result = match step.call.as_str() {
        "submit_otp" => session.submit_otp(arg(0)?),
        "choose_step_up" => session.choose_step_up(arg(0)?),
        "visa_message" => session.visa_message(PageEvent::new(&arg(0)?, &arg(1)?)),
        "submit_issuer_auth_code" => session.submit_issuer_auth_code(arg(0)?),
        "step_up_completed" => session.step_up_completed(),
        "redirect_completed" => session.redirect_completed(),
        other => return Err(format!("unknown call {other}")),
    };
    result.map_err(|e| format!("{}: {e}", step.call))
}

/// One replayed journey, as every host does it. Returns the number of steps (calls that
/// returned a `SessionStep`: `advance()` once, then one answer per prompt).
fn drive(client: &AgenticClient, journey: &Journey) -> Fallible<usize> {
    let session = start(client, journey)?;
    let mut steps = journey.steps.iter();
    let mut step = session.advance().map_err(|e| format!("advance: {e}"))?;
    let mut step_count = 1;
    loop {
        match step {
            SessionStep::Prompt { prompt } => {
                let answer_step = steps
                    .next()
                    .ok_or_else(|| format!("unrecorded prompt {}", prompt_name(&prompt)))?;
                if answer_step.prompt != prompt_name(&prompt) {
                    return Err(format!(
                        "prompt {} where {} was recorded",
                        prompt_name(&prompt),
                        answer_step.prompt
                    ));
                }
                let _posted = message_json(&prompt);
                step = answer(&session, answer_step)?;
                step_count += 1;
            }
            SessionStep::Done { outcome } => {
                if outcome_name(&outcome) != journey.outcome {
                    return Err(format!("ended {}", outcome_name(&outcome)));
                }
                return Ok(step_count);
            }
            SessionStep::Failed { failure } => return Err(format!("failed: {failure:?}")),
        }
    }
}

// ------------------------------------------------------------------------------------------
// record
// ------------------------------------------------------------------------------------------

const READY_REQUEST_ID: &str = "bench-ready-0001";
const CARD_EXP_MONTH: &str = "12";
const CARD_EXP_YEAR: &str = "39";
const CVV: &str = "123";

/// Answers a prompt live (the sandbox plays the Visa page) and says how, for the recording.
fn live_answer(sandbox: &Sandbox, prompt: &PromptView, otps: &mut Vec<&str>) -> Fallible<Step> {
    let origin = sandbox.base_url();
    let step = |call: &str, args: Vec<String>| Step {
        prompt: prompt_name(prompt).to_owned(),
        call: call.to_owned(),
        args,
    };
    let page_json = |json: &str| -> Fallible<Value> {
        serde_json::from_str(json).map_err(|e| format!("page message: {e}"))
    };
    Ok(match prompt {
        PromptView::ProvideVisaSession {
            message_to_post: None,
            ..
        } => {
            let ready = json!({"type": "AUTH_READY", "requestID": READY_REQUEST_ID});
            step("visa_message", vec![ready.to_string(), origin])
        }
        PromptView::ProvideVisaSession {
            message_to_post: Some(message),
            ..
        } => {
            let reply = sandbox.visa_session_message(&page_json(message.json())?);
            step("visa_message", vec![reply.to_string(), origin])
        }
        PromptView::PasskeyCeremony {
            message_to_post, ..
        } => {
            let reply = sandbox
                .complete_ceremony_message(&page_json(message_to_post.json())?)
                .map_err(|failed| format!("the page refused the ceremony: {failed}"))?;
            step("visa_message", vec![reply.to_string(), origin])
        }
        PromptView::ChooseStepUp { methods } => {
            let chosen = methods
                .iter()
                .find(|m| m.method == StepUpMethod::OtpSms)
                .ok_or("no OTP_SMS step-up offered")?;
            step("choose_step_up", vec![chosen.identifier.clone()])
        }
        PromptView::EnterOtp { .. } => {
            let otp = if otps.len() > 1 {
                otps.remove(0)
            } else {
                otps.first().copied().unwrap_or(magic::RIGHT_OTP)
            };
            step("submit_otp", vec![otp.to_owned()])
        }
        other => return Err(format!("unexpected prompt {}", prompt_name(other))),
    })
}

/// Runs `journey` (its name, kind and params set) live and fills in its steps, responses and end.
fn record_one(
    sandbox: &Sandbox,
    client: &AgenticClient,
    transport: &RecordingTransport,
    mut journey: Journey,
    mut otps: Vec<&str>,
) -> Fallible<(Journey, Option<String>)> {
    transport.take();
    let session = start(client, &journey)?;
    let mut token = None;
    let mut next = session
        .advance()
        .map_err(|e| format!("{}: advance: {e}", journey.name))?;
    journey.step_count = 1;
    for _ in 0..30 {
        match next {
            SessionStep::Prompt { prompt } => {
                let step = live_answer(sandbox, &prompt, &mut otps)?;
                next = answer(&session, &step)?;
                journey.step_count += 1;
                journey.steps.push(step);
            }
            SessionStep::Done { outcome } => {
                if let OutcomeView::Enrolled {
                    v_provisioned_token_id,
                    ..
                } = &outcome
                {
                    token = Some(v_provisioned_token_id.clone());
                }
                journey.outcome = outcome_name(&outcome).to_owned();
                journey.responses = Arc::new(transport.take());
                return Ok((journey, token));
            }
            SessionStep::Failed { failure } => {
                return Err(format!("{}: failed: {failure:?}", journey.name));
            }
        }
    }
    Err(format!("{}: no end after 30 prompts", journey.name))
}

fn params(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

fn record(file: &str) -> Fallible<()> {
    let sandbox = Sandbox::start().map_err(|e| format!("sandbox: {e}"))?;
    let config = sandbox.config();
    let url = sandbox.base_url();
    let settings = params(&[
        ("juspay_environment", url.as_str()),
        ("juspay_merchant_id", config.merchant_id.as_str()),
        ("juspay_routing_id", "customer_bench"),
        ("juspay_api_key", config.api_key.as_str()),
        ("visa_environment", url.as_str()),
        ("visa_merchant_id", config.visa_merchant_id.as_str()),
        ("visa_key_id", config.visa_key_id.as_str()),
        ("visa_shared_secret", config.visa_shared_secret.as_str()),
    ]);
    let transport = Arc::new(RecordingTransport::new());
    let live = client(&settings, Some(transport.clone()))?;
    let card = [
        ("card_number", magic::CARD_CHALLENGED),
        ("card_exp_month", CARD_EXP_MONTH),
        ("card_exp_year", CARD_EXP_YEAR),
        ("card_security_code", CVV),
    ];
    let named = |name: &str, kind: &str, pairs: &[(&str, &str)]| Journey {
        name: name.to_owned(),
        kind: kind.to_owned(),
        params: params(pairs),
        ..Journey::default()
    };

    let mut journeys = Vec::new();
    let mut direct = vec![
        ("order_id", "benchorder0000000001"),
        ("amount", "100.00"),
        ("currency", "INR"),
        ("customer_id", "customer_bench"),
        ("card_bin", "424242"),
    ];
    direct.extend_from_slice(&card);
    let (journey, _) = record_one(
        &sandbox,
        &live,
        &transport,
        named("direct_otp", "direct_otp", &direct),
        vec!["111111", magic::RIGHT_OTP],
    )?;
    journeys.push(journey);

    let mut enrollment = vec![
        ("customer_id", "customer_bench"),
        ("country_code", "US"),
        ("user_agent", "agentic-ffi-bench"),
        ("ip_address", "127.0.0.1"),
        ("device_model", "Bench"),
        ("device_brand", "agentic"),
        ("device_manufacturer", "agentic"),
        ("amount", "92.65"),
        ("currency", "SGD"),
        ("page_origin", url.as_str()),
        ("reference_id", "0123456789abcdef0123456789abcdef"),
    ];
    enrollment.extend_from_slice(&card);
    let (journey, token) = record_one(
        &sandbox,
        &live,
        &transport,
        named("enrollment", "enrollment", &enrollment),
        vec![magic::RIGHT_OTP],
    )?;
    journeys.push(journey);
    let token = token.ok_or("the enrollment returned no token")?;

    let visa_token = format!("{}_bench", magic::TOKEN_CHALLENGED);
    let (journey, _) = record_one(
        &sandbox,
        &live,
        &transport,
        named(
            "visa_passkey",
            "visa_passkey",
            &[
                ("token_id", visa_token.as_str()),
                ("amount", "25.00"),
                ("currency", "USD"),
                ("merchant_name", "Agentic Bench Store"),
                ("merchant_url", "https://store.agentic.invalid"),
                ("buyer_language", "en-US"),
                ("email", "cardholder@example.com"),
                ("page_origin", url.as_str()),
                ("reference_id", "fedcba9876543210fedcba9876543210"),
            ],
        ),
        vec![magic::RIGHT_OTP],
    )?;
    journeys.push(journey);

    let expires = (now_ms() + 24 * 60 * 60 * 1000).to_string();
    let (journey, _) = record_one(
        &sandbox,
        &live,
        &transport,
        named(
            "purchase",
            "purchase",
            &[
                ("customer_id", "customer_bench"),
                ("v_provisioned_token_id", token.as_str()),
                ("amount", "92.65"),
                ("currency", "SGD"),
                ("instruction_expires_at_ms", expires.as_str()),
                ("instruction_limit", "500.00"),
                ("order_id", "order-bench-1"),
                ("page_origin", url.as_str()),
                ("reference_id", "00112233445566778899aabbccddeeff"),
            ],
        ),
        vec![magic::RIGHT_OTP],
    )?;
    journeys.push(journey);
    drop(sandbox);

    // Every journey must replay from the recording alone (the sandbox is gone now).
    let replay = Arc::new(ReplayTransport::default());
    let offline = client(&settings, Some(replay.clone()))?;
    for journey in &journeys {
        replay.load(&journey.responses);
        let step_count = drive(&offline, journey).map_err(|e| {
            format!(
                "{} does not replay: {e} (after {} of {} responses)",
                journey.name,
                replay.used().0,
                journey.responses.len()
            )
        })?;
        if step_count != journey.step_count
            || replay.used() != (journey.responses.len(), journey.responses.len())
        {
            return Err(format!(
                "{} replays differently: {step_count} steps ({} live), {:?} responses used",
                journey.name,
                journey.step_count,
                replay.used()
            ));
        }
    }
    let recording = Recording { settings, journeys };
    std::fs::write(file, recording.write()).map_err(|e| format!("{file}: {e}"))?;
    for journey in &recording.journeys {
        eprintln!(
            "ffi_reference: recorded {}: {} steps, {} responses, ends {}",
            journey.name,
            journey.step_count,
            journey.responses.len(),
            journey.outcome
        );
    }
    Ok(())
}

// ------------------------------------------------------------------------------------------
// replay (the timing)
// ------------------------------------------------------------------------------------------

/// How long to measure: warm-up time, number of samples, time per sample.
struct Plan {
    warmup: Duration,
    samples: usize,
    sample: Duration,
}

impl Plan {
    fn new(quick: bool) -> Self {
        if quick {
            Self {
                warmup: Duration::from_millis(300),
                samples: 5,
                sample: Duration::from_millis(100),
            }
        } else {
            Self {
                warmup: Duration::from_secs(1),
                samples: 11,
                sample: Duration::from_millis(200),
            }
        }
    }
}

/// Median over `plan.samples` samples of the mean time of `f` in nanoseconds. Each sample runs
/// `f` in a batch sized (after the warm-up) to last about `plan.sample`.
fn measure(plan: &Plan, mut f: impl FnMut() -> Fallible<()>) -> Fallible<f64> {
    let started = Instant::now();
    let mut runs = 0u64;
    while started.elapsed() < plan.warmup || runs < 3 {
        f()?;
        runs += 1;
    }
    let per_run = started.elapsed().as_secs_f64() / runs as f64;
    let batch = ((plan.sample.as_secs_f64() / per_run) as u64).max(1);
    let mut samples = Vec::with_capacity(plan.samples);
    for _ in 0..plan.samples {
        let started = Instant::now();
        for _ in 0..batch {
            f()?;
        }
        samples.push(started.elapsed().as_nanos() as f64 / batch as f64);
    }
    samples.sort_by(f64::total_cmp);
    Ok(samples[samples.len() / 2])
}

fn replay(file: &str, quick: bool) -> Fallible<()> {
    let text = std::fs::read_to_string(file).map_err(|e| format!("{file}: {e}"))?;
    let recording = Recording::read(&text)?;
    let plan = Plan::new(quick);
    let transport = Arc::new(ReplayTransport::default());
    let client = client(&recording.settings, Some(transport.clone()))?;
    let mut out = String::new();
    for journey in &recording.journeys {
        let ns = measure(&plan, || {
            transport.load(&journey.responses);
            let step_count = drive(&client, journey)?;
            if step_count == journey.step_count {
                Ok(())
            } else {
                Err(format!("{}: {step_count} steps", journey.name))
            }
        })?;
        out.push_str(&format!(
            "journey {} {} {} {ns:.0}\n",
            journey.name,
            journey.step_count,
            journey.responses.len()
        ));
    }
    let bare = measure(&plan, || {
        std::hint::black_box(sdk_version());
        Ok(())
    })?;
    out.push_str(&format!("bare {bare:.1}\n"));
    std::io::stdout()
        .lock()
        .write_all(out.as_bytes())
        .map_err(|e| e.to_string())
}

// ------------------------------------------------------------------------------------------
// live (the built-in transport)
// ------------------------------------------------------------------------------------------

/// The `AUTH_READY` message the page posts when loaded (no message to post yet).
const LIVE_READY: &str = r#"{"type":"AUTH_READY","requestID":"bench-ready-0001"}"#;
/// The first OTP of a Direct OTP journey: wrong (the right one, [`magic::RIGHT_OTP`], follows).
const WRONG_OTP: &str = "111111";

/// The journeys of the live drive, as `journey`/`param` lines of the recording format. A `#`
/// in `order_id` (Direct OTP, purchase) and `token_id` (Visa passkey) is replaced, per run, by
/// the runner's tag (one letter: `r` Rust, `p` Python, `k` Kotlin, then its process id modulo
/// 100 000 in 5 digits and a 7-digit counter), so every run is a new order or token; the purchase's `v_provisioned_token_id` `@enrolled` is the
/// token of the enrollment each runner makes once before timing.
fn live_journeys(url: &str) -> Vec<Journey> {
    let card = [
        ("card_number", magic::CARD_CHALLENGED),
        ("card_exp_month", CARD_EXP_MONTH),
        ("card_exp_year", CARD_EXP_YEAR),
        ("card_security_code", CVV),
    ];
    let named = |name: &str, pairs: &[(&str, &str)]| Journey {
        name: name.to_owned(),
        kind: name.to_owned(),
        params: params(pairs),
        ..Journey::default()
    };
    let mut direct = vec![
        ("order_id", "benchd#"),
        ("amount", "100.00"),
        ("currency", "INR"),
        ("customer_id", "customer_bench"),
        ("card_bin", "424242"),
    ];
    direct.extend_from_slice(&card);
    let mut enrollment = vec![
        ("customer_id", "customer_bench"),
        ("country_code", "US"),
        ("user_agent", "agentic-ffi-bench"),
        ("ip_address", "127.0.0.1"),
        ("device_model", "Bench"),
        ("device_brand", "agentic"),
        ("device_manufacturer", "agentic"),
        ("amount", "92.65"),
        ("currency", "SGD"),
        ("page_origin", url),
        ("reference_id", "0123456789abcdef0123456789abcdef"),
    ];
    enrollment.extend_from_slice(&card);
    let visa_token = format!("{}_bench_#", magic::TOKEN_CHALLENGED);
    // Far enough ahead for any run.
    let expires = (now_ms() + 7 * 24 * 60 * 60 * 1000).to_string();
    vec![
        named("direct_otp", &direct),
        named("enrollment", &enrollment),
        named(
            "visa_passkey",
            &[
                ("token_id", visa_token.as_str()),
                ("amount", "25.00"),
                ("currency", "USD"),
                ("merchant_name", "Agentic Bench Store"),
                ("merchant_url", "https://store.agentic.invalid"),
                ("buyer_language", "en-US"),
                ("email", "cardholder@example.com"),
                ("page_origin", url),
                ("reference_id", "fedcba9876543210fedcba9876543210"),
            ],
        ),
        named(
            "purchase",
            &[
                ("customer_id", "customer_bench"),
                ("v_provisioned_token_id", "@enrolled"),
                ("amount", "92.65"),
                ("currency", "SGD"),
                ("instruction_expires_at_ms", expires.as_str()),
                ("instruction_limit", "500.00"),
                ("order_id", "orderbench#"),
                ("page_origin", url),
                ("reference_id", "00112233445566778899aabbccddeeff"),
            ],
        ),
    ]
}

/// The live runner: a client with the built-in transport, the page played over the sandbox's
/// admin routes (`/__sandbox/visa-page/*`, timed apart and left out).
struct Live {
    url: String,
    settings: BTreeMap<String, String>,
    client: Arc<AgenticClient>,
    agent: ureq::Agent,
    journeys: Vec<Journey>,
    enrolled: String,
    runs: u64,
}

/// One live run: `advance()` calls, nanoseconds of the drive without the page's admin calls,
/// the end.
struct LiveRun {
    steps: usize,
    ns: u128,
    outcome: OutcomeView,
}

impl Live {
    fn new(url: &str) -> Fallible<Self> {
        let config = agentic_sandbox::SandboxConfig::default();
        let settings = params(&[
            ("juspay_environment", url),
            ("juspay_merchant_id", config.merchant_id.as_str()),
            ("juspay_routing_id", "customer_bench"),
            ("juspay_api_key", config.api_key.as_str()),
            ("visa_environment", url),
            ("visa_merchant_id", config.visa_merchant_id.as_str()),
            ("visa_key_id", config.visa_key_id.as_str()),
            ("visa_shared_secret", config.visa_shared_secret.as_str()),
        ]);
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .new_agent();
        Ok(Self {
            url: url.to_owned(),
            client: client(&settings, None)?,
            settings,
            agent,
            journeys: live_journeys(url),
            enrolled: String::new(),
            runs: 0,
        })
    }

    /// The page's reply to `message` (JSON text) from `/__sandbox/visa-page/{route}`.
    fn page(&self, route: &str, message: &str) -> Fallible<String> {
        let mut response = self
            .agent
            .post(format!("{}/__sandbox/visa-page/{route}", self.url))
            .header("content-type", "application/json")
            .send(message)
            .map_err(|e| format!("page {route}: {e}"))?;
        response
            .body_mut()
            .read_to_string()
            .map_err(|e| format!("page {route}: {e}"))
    }

    /// Runs journey `index` once with a new tag.
    fn run(&mut self, index: usize) -> Fallible<LiveRun> {
        self.runs += 1;
        let tag = format!("r{:05}{:07}", std::process::id() % 100_000, self.runs);
        let started = Instant::now();
        let mut journey = self.journeys[index].clone();
        for (name, value) in &mut journey.params {
            if name == "order_id" || name == "token_id" {
                *value = value.replace('#', &tag);
            } else if value == "@enrolled" {
                value.clone_from(&self.enrolled);
            }
        }
        let session = start(&self.client, &journey)?;
        let mut admin = Duration::ZERO;
        let mut otps = 0;
        let mut step = session.advance().map_err(|e| format!("advance: {e}"))?;
        let mut steps = 1;
        loop {
            let prompt = match step {
                SessionStep::Prompt { prompt } => prompt,
                SessionStep::Done { outcome } => {
                    let ns = (started.elapsed() - admin).as_nanos();
                    return Ok(LiveRun { steps, ns, outcome });
                }
                SessionStep::Failed { failure } => {
                    return Err(format!("{}: failed: {failure:?}", journey.name));
                }
            };
            let answered = match &prompt {
                PromptView::ProvideVisaSession {
                    message_to_post: None,
                    ..
                } => session.visa_message(PageEvent::new(LIVE_READY, &self.url)),
                PromptView::ProvideVisaSession {
                    message_to_post: Some(message),
                    ..
                }
                | PromptView::PasskeyCeremony {
                    message_to_post: message,
                    ..
                } => {
                    let route = if matches!(prompt, PromptView::PasskeyCeremony { .. }) {
                        "ceremony"
                    } else {
                        "session"
                    };
                    let json = message.json();
                    let paused = Instant::now();
                    let reply = self.page(route, json)?;
                    admin += paused.elapsed();
                    session.visa_message(PageEvent::new(&reply, &self.url))
                }
                PromptView::ChooseStepUp { methods } => {
                    let chosen = methods
                        .iter()
                        .find(|m| m.method == StepUpMethod::OtpSms)
                        .ok_or("no OTP_SMS step-up offered")?;
                    session.choose_step_up(chosen.identifier.clone())
                }
                PromptView::EnterOtp { .. } => {
                    otps += 1;
                    let otp = if journey.kind == "direct_otp" && otps == 1 {
                        WRONG_OTP
                    } else {
                        magic::RIGHT_OTP
                    };
                    session.submit_otp(otp.to_owned())
                }
                other => return Err(format!("unexpected prompt {}", prompt_name(other))),
            };
            step = answered.map_err(|e| format!("{}: {e}", journey.name))?;
            steps += 1;
        }
    }
}

/// `ffi_reference live <url>`: prints the settings and the journeys (`setting`, `journey`,
/// `param` lines of the recording format, then `ready`), enrolls once (the purchase's token),
/// then answers, line by line on standard input:
///
/// - `run <journey> <n>`: runs the journey `n` times and prints `ran <journey> <steps
///   in all> <ns in all>` (the page's admin calls left out);
///
/// until standard input closes. Every run is a new order (or token) on the sandbox.
fn live(url: &str) -> Fallible<()> {
    let mut runner = Live::new(url)?;
    let mut out = String::new();
    for (name, value) in &runner.settings {
        out.push_str(&format!("setting {name} {}\n", b64(value.as_bytes())));
    }
    for journey in &runner.journeys {
        out.push_str(&format!("journey {} {}\n", journey.name, journey.kind));
        for (name, value) in &journey.params {
            out.push_str(&format!("param {name} {}\n", b64(value.as_bytes())));
        }
    }
    let enrollment = runner
        .journeys
        .iter()
        .position(|j| j.kind == "enrollment")
        .ok_or("no enrollment journey")?;
    match runner.run(enrollment)?.outcome {
        OutcomeView::Enrolled {
            v_provisioned_token_id,
            ..
        } => runner.enrolled = v_provisioned_token_id,
        _ => return Err("the enrollment enrolled nothing".to_owned()),
    }
    out.push_str("ready\n");
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(out.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|e| e.to_string())?;
    for line in std::io::stdin().lines() {
        let line = line.map_err(|e| e.to_string())?;
        let fields: Vec<&str> = line.split_whitespace().collect();
        let ["run", name, count] = fields.as_slice() else {
            return Err(format!("unexpected command {line:?}"));
        };
        let index = runner
            .journeys
            .iter()
            .position(|j| j.name == *name)
            .ok_or_else(|| format!("no journey {name}"))?;
        let count: u32 = count.parse().map_err(|_| format!("bad count {count}"))?;
        let (mut steps, mut ns) = (0, 0);
        for _ in 0..count {
            let run = runner.run(index)?;
            steps += run.steps;
            ns += run.ns;
        }
        writeln!(stdout, "ran {name} {steps} {ns}")
            .and_then(|()| stdout.flush())
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}
