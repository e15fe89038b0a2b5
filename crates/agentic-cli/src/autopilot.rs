//! The autopilot: answers every prompt of every journey against a sandbox the way a host app
//! and its cardholder would, so a journey runs end to end through the real driver with no human.
//!
//! - **Visa page** ([`Prompt::ProvideVisaSession`], [`Prompt::PasskeyCeremony`]): plays the
//!   page through the sandbox's headless endpoints. It relays the page's `AUTH_READY`, posts the
//!   SDK's `CREATE_AUTH_SESSION` to `POST {base}/__sandbox/visa-page/session` and relays the
//!   `AUTH_SESSION_CREATED` it answers; it posts the SDK's `AUTHENTICATE` message to
//!   `POST {base}/__sandbox/visa-page/ceremony` and relays the `AUTH_COMPLETE` (or
//!   `AUTH_FAILED`). Every message is relayed with the page's origin, the sandbox's base URL.
//! - **Step-up** ([`Prompt::ChooseStepUp`]): the first method that sends an OTP, unless the
//!   [`Policy`] says otherwise; [`Prompt::EnterOtp`]: the policy's OTPs in turn
//!   ([`magic::RIGHT_OTP`] by default), a resend when the OTP expired;
//!   [`Prompt::CompleteStepUp`]: "done", or the issuer app's code on Visa Acceptance when the
//!   policy has one.
//! - **3-D Secure fallback** ([`Prompt::Redirect`]): visits the bank page (a `GET` of the URL,
//!   which must be on the sandbox) like the cardholder's browser, then reports
//!   `RedirectCompleted`.
//! - **Unknown outcome** ([`Prompt::ConfirmUnknownOutcome`]): reconcile when the API has a
//!   status call (once per call: if the status cannot settle it, the prompt comes back and the
//!   policy's fallback applies), else what the policy says (cancel by default: nothing is sent
//!   twice).
//!
//! Each answer comes with a note for the transcript in which every secret is redacted (`OTP
//! ******`, `secureToken <redacted>`). The page messages themselves are never printed.
//!
//! ```no_run
//! use agentic_cli::autopilot::Autopilot;
//! # fn demo(client: &agentic_http::Client,
//! #         journey: &mut agentic_core::journey::Journey<agentic_core::journey::direct_otp::DirectOtp>)
//! #         -> Result<(), Box<dyn std::error::Error>> {
//! let sandbox = agentic_sandbox::Sandbox::start()?;
//! let mut autopilot = Autopilot::new(&sandbox.base_url())?;
//! let run = autopilot.run_to_end(client, journey)?;
//! println!("{:?} after {:?}", run.stop, run.prompt_names());
//! # Ok(()) }
//! ```

use std::sync::Arc;
use std::time::Duration;

use agentic_core::journey::{Input, Journey, JourneyError, Prompt, Script, StepUpChoice};
use agentic_core::secret::{IssuerAuthCode, Otp};
use agentic_core::step_up::{StepUpMethod, StepUpSubMethod};
use agentic_core::visa_page::VisaPageOrigin;
use agentic_core::wire::Method;
use agentic_http::driver::DriverError;
use agentic_http::ureq_transport::{UreqTransport, UreqTransportConfig};
use agentic_http::{
    Client, Clock, HeaderValue, Stop, SystemClock, Timeouts, Transport, WireRequest,
};
use agentic_sandbox::magic;
use serde_json::Value;

use crate::describe::{describe_prompt, prompt_name};
use crate::recorder::{Recorder, RequestRecord};

/// Prompts answered before [`Autopilot::run`] gives up on a journey that does not end.
pub const MAX_PROMPTS: usize = 40;

/// The headless page route that creates a session.
pub const PAGE_SESSION_PATH: &str = "/__sandbox/visa-page/session";
/// The headless page route that completes a ceremony.
pub const PAGE_CEREMONY_PATH: &str = "/__sandbox/visa-page/ceremony";

/// Which step-up method to choose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepUpPreference {
    /// The first offered method that sends an OTP, else the first method.
    FirstOtpMethod,
    /// This method if offered, else as [`StepUpPreference::FirstOtpMethod`].
    Method(StepUpMethod),
    /// The n-th offered method (0-based), else the last.
    Index(usize),
}

/// What the cardholder does on the Visa page when a ceremony is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CeremonyPolicy {
    /// Uses the passkey ("Use passkey"): the page answers `AUTH_COMPLETE`.
    Complete,
    /// Presses "Cancel": the page answers `AUTH_CANCELLED`.
    Cancel,
    /// Closes the page: [`Input::PageClosed`].
    ClosePage,
}

/// The answer to [`Prompt::ConfirmUnknownOutcome`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnknownOutcomePolicy {
    /// Reconcile when the API has a status call, else cancel (nothing is ever sent twice).
    ReconcileElseCancel,
    /// Reconcile when possible, else resend with the same reference ids.
    ReconcileElseResend,
    /// Always resend with the same reference ids.
    Resend,
    /// Always cancel.
    Cancel,
}

/// How the autopilot answers. [`Default`]: the happy path with [`magic::RIGHT_OTP`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// The OTPs to enter, in order; the last one is repeated. Empty means
    /// [`magic::RIGHT_OTP`].
    pub otps: Vec<String>,
    /// Which step-up method to choose.
    pub step_up: StepUpPreference,
    /// On Visa Acceptance, the code to give for an `APP_TO_APP` method without 3-D Secure
    /// (`None`: answer "done in the app" instead).
    pub issuer_auth_code: Option<String>,
    /// What to do on the Visa page at a ceremony.
    pub ceremony: CeremonyPolicy,
    /// What to answer when an outcome is unknown.
    pub unknown_outcome: UnknownOutcomePolicy,
    /// Visit the 3-D Secure page before reporting the redirect complete (`false`: report it
    /// without visiting, as a cardholder who closed the page).
    pub visit_redirect: bool,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            otps: vec![magic::RIGHT_OTP.to_owned()],
            step_up: StepUpPreference::FirstOtpMethod,
            issuer_auth_code: None,
            ceremony: CeremonyPolicy::Complete,
            unknown_outcome: UnknownOutcomePolicy::ReconcileElseCancel,
            visit_redirect: true,
        }
    }
}

/// An input for the journey and what the transcript says about it (secrets redacted).
#[derive(Debug, Clone)]
pub struct Answer {
    /// What to submit.
    pub input: Input,
    /// What was done, for the transcript (`OTP ******`).
    pub note: String,
}

/// A prompt and the answer given, as the transcript shows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromptRecord {
    /// The prompt's name (`EnterOtp`).
    pub name: &'static str,
    /// The prompt with its public details.
    pub prompt: String,
    /// The answer, secrets redacted.
    pub answer: String,
}

/// What happened during a run, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// The SDK sent a request (only with a [`Recorder`]).
    Request(RequestRecord),
    /// The journey asked and the autopilot answered.
    Prompt(PromptRecord),
}

/// A journey run to its end.
#[derive(Debug, Clone)]
pub struct Run {
    /// [`Stop::Done`] or [`Stop::Failed`] (never a prompt).
    pub stop: Stop,
    /// Every prompt answered, in order.
    pub prompts: Vec<PromptRecord>,
    /// Every request sent (empty without a [`Recorder`]).
    pub requests: Vec<RequestRecord>,
}

impl Run {
    /// The names of the prompts answered (`["ProvideVisaSession", "EnterOtp"]`).
    pub fn prompt_names(&self) -> Vec<&'static str> {
        self.prompts.iter().map(|p| p.name).collect()
    }
}

/// Why the autopilot could not go on.
#[derive(Debug, thiserror::Error)]
pub enum AutopilotError {
    /// The autopilot could not be set up (bad base URL, transport).
    #[error("autopilot setup: {0}")]
    Setup(String),
    /// A call to the sandbox's headless page or bank page failed.
    #[error("{call}: {reason}")]
    Page {
        /// Which call (`POST /__sandbox/visa-page/session`).
        call: String,
        /// What went wrong (never a message body).
        reason: String,
    },
    /// The driver stopped.
    #[error(transparent)]
    Driver(#[from] DriverError),
    /// The journey refused the autopilot's input.
    #[error("the journey refused the answer: {0}")]
    Journey(#[from] JourneyError),
    /// The journey kept prompting.
    #[error("the journey did not end after {0} prompts")]
    TooManyPrompts(usize),
}

/// Answers prompts against one sandbox. See the module docs.
pub struct Autopilot {
    base_url: String,
    origin: VisaPageOrigin,
    transport: Arc<dyn Transport>,
    policy: Policy,
    otps_entered: usize,
    /// Calls reconciled in the current run (each is reconciled at most once).
    reconciled: Vec<String>,
}

impl std::fmt::Debug for Autopilot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Autopilot")
            .field("base_url", &self.base_url)
            .field("policy.step_up", &self.policy.step_up)
            .field("policy.ceremony", &self.policy.ceremony)
            .finish_non_exhaustive()
    }
}

/// Timeouts of the autopilot's own calls to the sandbox.
const PAGE_TIMEOUTS: Timeouts = Timeouts {
    connect: Duration::from_secs(5),
    read: Duration::from_secs(10),
    overall: Duration::from_secs(15),
};

impl Autopilot {
    /// An autopilot for the sandbox at `base_url` (`Sandbox::base_url()`, which is also the
    /// Visa page's origin), with the default [`Policy`].
    ///
    /// # Errors
    /// [`AutopilotError::Setup`] when `base_url` is not a valid page origin or the transport
    /// cannot be built.
    pub fn new(base_url: &str) -> Result<Self, AutopilotError> {
        let base_url = base_url.trim_end_matches('/').to_owned();
        let origin = VisaPageOrigin::custom(&base_url)
            .map_err(|e| AutopilotError::Setup(format!("base URL `{base_url}`: {e}")))?;
        let transport = UreqTransport::new(UreqTransportConfig {
            root_ca_pem: None,
            timeouts: PAGE_TIMEOUTS,
        })
        .map_err(|e| AutopilotError::Setup(e.to_string()))?;
        Ok(Self {
            base_url,
            origin,
            transport: Arc::new(transport),
            policy: Policy::default(),
            otps_entered: 0,
            reconciled: Vec::new(),
        })
    }

    /// Replaces the policy (and restarts its OTP sequence).
    #[must_use]
    pub fn with_policy(mut self, policy: Policy) -> Self {
        self.policy = policy;
        self.otps_entered = 0;
        self
    }

    /// The Visa page origin to give the journeys (the sandbox's base URL).
    pub fn page_origin(&self) -> &VisaPageOrigin {
        &self.origin
    }

    /// Runs `journey` to its end on `client`, answering every prompt (the script's
    /// [`Script::NAME`] decides journey-specific answers).
    ///
    /// # Errors
    /// [`AutopilotError`] when the driver stops, a page call fails, the journey refuses an
    /// answer, or it does not end within [`MAX_PROMPTS`] prompts.
    pub fn run_to_end<S: Script>(
        &mut self,
        client: &Client,
        journey: &mut Journey<S>,
    ) -> Result<Run, AutopilotError> {
        self.run(client, journey, None, &mut |_| {})
    }

    /// As [`Autopilot::run_to_end`], reporting each request (drained from `recorder`, which
    /// must be the client's transport) and each answered prompt to `observer` as they happen.
    ///
    /// # Errors
    /// As [`Autopilot::run_to_end`].
    pub fn run<S: Script>(
        &mut self,
        client: &Client,
        journey: &mut Journey<S>,
        recorder: Option<&Recorder>,
        observer: &mut dyn FnMut(&Event),
    ) -> Result<Run, AutopilotError> {
        self.reconciled.clear();
        let mut prompts = Vec::new();
        let mut requests = Vec::new();
        for _ in 0..MAX_PROMPTS {
            let stop = client.run(journey);
            if let Some(recorder) = recorder {
                for record in recorder.take() {
                    observer(&Event::Request(record.clone()));
                    requests.push(record);
                }
            }
            match stop? {
                Stop::Prompt(prompt) => {
                    let answer = self.answer(S::NAME, &prompt)?;
                    let record = PromptRecord {
                        name: prompt_name(&prompt),
                        prompt: describe_prompt(&prompt),
                        answer: answer.note,
                    };
                    observer(&Event::Prompt(record.clone()));
                    prompts.push(record);
                    journey.submit(answer.input, SystemClock.now())?;
                }
                end => {
                    return Ok(Run {
                        stop: end,
                        prompts,
                        requests,
                    });
                }
            }
        }
        Err(AutopilotError::TooManyPrompts(MAX_PROMPTS))
    }

    /// The answer to `prompt` in the journey named `journey` ([`Script::NAME`]).
    ///
    /// # Errors
    /// [`AutopilotError::Page`] when the sandbox's page or bank page cannot be reached or
    /// answers something unexpected.
    pub fn answer(&mut self, journey: &str, prompt: &Prompt) -> Result<Answer, AutopilotError> {
        match prompt {
            Prompt::ProvideVisaSession {
                message_to_post: None,
                ..
            } => {
                // The page has loaded: it posts AUTH_READY with its own request id.
                let request_id = crate::random_hex::<16>()
                    .map_err(|e| AutopilotError::Setup(format!("randomness: {e}")))?;
                Ok(self.page_message(
                    serde_json::json!({"type": "AUTH_READY", "requestID": request_id}).to_string(),
                    "the page loaded and posted AUTH_READY".to_owned(),
                ))
            }
            Prompt::ProvideVisaSession {
                message_to_post: Some(message),
                ..
            } => {
                let reply = self.post_page(PAGE_SESSION_PATH, message.as_json())?;
                let note = format!(
                    "posted {} to the page; it answered {} (secureToken <redacted>)",
                    message.message_type(),
                    message_type_of(&reply)
                );
                Ok(self.page_message(reply, note))
            }
            Prompt::PasskeyCeremony {
                message_to_post,
                action,
                ..
            } => match self.policy.ceremony {
                CeremonyPolicy::Complete => {
                    let reply = self.post_page(PAGE_CEREMONY_PATH, message_to_post.as_json())?;
                    let note = format!(
                        "posted {} ({action}, payload <redacted>) to the page; it answered {}{}",
                        message_to_post.message_type(),
                        message_type_of(&reply),
                        if message_type_of(&reply) == "AUTH_COMPLETE" {
                            " (fidoBlob <redacted>)"
                        } else {
                            ""
                        }
                    );
                    Ok(self.page_message(reply, note))
                }
                CeremonyPolicy::Cancel => {
                    let reply = serde_json::json!({
                        "type": "AUTH_CANCELLED",
                        "requestID": message_to_post.request_id(),
                        "reason": "USER_CANCELLED",
                    })
                    .to_string();
                    Ok(self.page_message(
                        reply,
                        "the cardholder pressed Cancel: the page posted AUTH_CANCELLED".to_owned(),
                    ))
                }
                CeremonyPolicy::ClosePage => Ok(Answer {
                    input: Input::PageClosed,
                    note: "the cardholder closed the page".to_owned(),
                }),
            },
            Prompt::ChooseStepUp { methods } => Ok(self.choose(methods)),
            Prompt::EnterOtp {
                expired,
                resends_left,
                ..
            } => {
                if *expired {
                    return Ok(if *resends_left > 0 {
                        Answer {
                            input: Input::ResendOtp,
                            note: "the OTP expired: resend".to_owned(),
                        }
                    } else {
                        Answer {
                            input: Input::ChooseAnotherMethod,
                            note: "the OTP expired and no resend is left: another method"
                                .to_owned(),
                        }
                    });
                }
                let otp = self
                    .policy
                    .otps
                    .get(self.otps_entered)
                    .or_else(|| self.policy.otps.last())
                    .cloned()
                    .unwrap_or_else(|| magic::RIGHT_OTP.to_owned());
                self.otps_entered += 1;
                let otp = Otp::new("otp", otp).map_err(|e| AutopilotError::Page {
                    call: "policy".to_owned(),
                    reason: e.to_string(),
                })?;
                Ok(Answer {
                    input: Input::Otp(otp),
                    note: "OTP ******".to_owned(),
                })
            }
            Prompt::CompleteStepUp { choice } => Ok(self.complete_step_up(journey, choice)?),
            Prompt::Redirect { url } => {
                if !self.policy.visit_redirect {
                    return Ok(Answer {
                        input: Input::RedirectCompleted,
                        note: "back from the bank page without completing it".to_owned(),
                    });
                }
                let status = self.visit(url)?;
                Ok(Answer {
                    input: Input::RedirectCompleted,
                    note: format!(
                        "opened the bank page GET {} → HTTP {status}; back in the app",
                        crate::recorder::path_of(url)
                    ),
                })
            }
            Prompt::ConfirmUnknownOutcome {
                operation,
                can_reconcile,
            } => {
                // Reconcile each unknown call once: a second prompt about it means the status
                // call could not settle it, and asking again would loop.
                let reconcile_now = *can_reconcile && !self.reconciled.contains(operation);
                if reconcile_now {
                    self.reconciled.push(operation.clone());
                }
                let (input, note) = match (self.policy.unknown_outcome, reconcile_now) {
                    (
                        UnknownOutcomePolicy::ReconcileElseCancel
                        | UnknownOutcomePolicy::ReconcileElseResend,
                        true,
                    ) => (Input::Reconcile, "reconcile (ask the provider)"),
                    (
                        UnknownOutcomePolicy::ReconcileElseResend | UnknownOutcomePolicy::Resend,
                        _,
                    ) => (
                        Input::ResendAfterUnknownOutcome,
                        "resend with the same reference ids",
                    ),
                    (
                        UnknownOutcomePolicy::ReconcileElseCancel | UnknownOutcomePolicy::Cancel,
                        _,
                    ) => (Input::Cancel, "cancel"),
                };
                Ok(Answer {
                    input,
                    note: note.to_owned(),
                })
            }
        }
    }

    fn page_message(&self, json: String, note: String) -> Answer {
        Answer {
            input: Input::VisaMessage {
                json,
                origin: self.origin.as_str().to_owned(),
            },
            note,
        }
    }

    fn choose(&self, methods: &[StepUpChoice]) -> Answer {
        let first_otp = || {
            methods
                .iter()
                .position(|m| m.method.sends_otp())
                .unwrap_or(0)
        };
        let index = match &self.policy.step_up {
            StepUpPreference::FirstOtpMethod => first_otp(),
            StepUpPreference::Method(method) => methods
                .iter()
                .position(|m| &m.method == method)
                .unwrap_or_else(first_otp),
            StepUpPreference::Index(n) => (*n).min(methods.len().saturating_sub(1)),
        };
        match methods.get(index) {
            Some(choice) => Answer {
                input: Input::ChooseStepUp {
                    identifier: choice.identifier.clone(),
                },
                note: format!("chose {} {}", index + 1, choice.method),
            },
            None => Answer {
                input: Input::Cancel,
                note: "no method offered: cancel".to_owned(),
            },
        }
    }

    fn complete_step_up(
        &self,
        journey: &str,
        choice: &StepUpChoice,
    ) -> Result<Answer, AutopilotError> {
        let issuer_app = choice.method == StepUpMethod::AppToApp
            && choice.sub_method != Some(StepUpSubMethod::ThreeDs);
        if let (true, true, Some(code)) = (
            issuer_app,
            journey == "visa_acceptance_passkey",
            &self.policy.issuer_auth_code,
        ) {
            let code = IssuerAuthCode::new("issuerAuthCode", code.clone()).map_err(|e| {
                AutopilotError::Page {
                    call: "policy".to_owned(),
                    reason: e.to_string(),
                }
            })?;
            return Ok(Answer {
                input: Input::IssuerAuthCode(code),
                note: "issuer app code ******".to_owned(),
            });
        }
        Ok(Answer {
            input: Input::StepUpCompleted,
            note: format!("{} completed out of band", choice.method),
        })
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// Posts a page message to a headless page route; returns the page's answer (JSON text).
    fn post_page(&self, path: &str, message: &str) -> Result<String, AutopilotError> {
        let call = format!("POST {path}");
        let request = WireRequest {
            method: Method::Post,
            url: self.url(path),
            headers: vec![(
                "content-type".into(),
                HeaderValue::Public("application/json".into()),
            )],
            body: message.as_bytes().to_vec().into(),
            operation: "sandbox.visa_page",
        };
        let response =
            self.transport
                .send(&request, &PAGE_TIMEOUTS)
                .map_err(|e| AutopilotError::Page {
                    call: call.clone(),
                    reason: e.to_string(),
                })?;
        // 200 AUTH_COMPLETE / AUTH_SESSION_CREATED, 400 AUTH_FAILED: both are page messages.
        let text = String::from_utf8(response.body.to_vec()).map_err(|_| AutopilotError::Page {
            call: call.clone(),
            reason: format!("HTTP {}: the answer is not UTF-8", response.status),
        })?;
        match serde_json::from_str::<Value>(&text) {
            Ok(value) if value.get("type").and_then(Value::as_str).is_some() => Ok(text),
            _ => Err(AutopilotError::Page {
                call,
                reason: format!("HTTP {}: the answer is not a page message", response.status),
            }),
        }
    }

    /// Visits the bank page like the cardholder's browser; returns the HTTP status.
    fn visit(&self, url: &str) -> Result<u16, AutopilotError> {
        let call = format!("GET {}", crate::recorder::path_of(url));
        if !url.starts_with(&format!("{}/", self.base_url)) {
            return Err(AutopilotError::Page {
                call,
                reason: format!("the redirect leaves the sandbox ({})", self.base_url),
            });
        }
        let request = WireRequest {
            method: Method::Get,
            url: url.to_owned(),
            headers: vec![("accept".into(), HeaderValue::Public("text/html".into()))],
            body: Vec::new().into(),
            operation: "sandbox.bank_page",
        };
        let response =
            self.transport
                .send(&request, &PAGE_TIMEOUTS)
                .map_err(|e| AutopilotError::Page {
                    call: call.clone(),
                    reason: e.to_string(),
                })?;
        if response.status == 200 {
            Ok(response.status)
        } else {
            Err(AutopilotError::Page {
                call,
                reason: format!("HTTP {}", response.status),
            })
        }
    }
}

/// The `type` of a page message (`AUTH_COMPLETE`), or `an unknown message`.
fn message_type_of(json: &str) -> String {
    serde_json::from_str::<Value>(json)
        .ok()
        .and_then(|v| v.get("type").and_then(Value::as_str).map(str::to_owned))
        .unwrap_or_else(|| "an unknown message".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use agentic_core::journey::StepUpChoice;

    fn choice(identifier: &str, method: StepUpMethod) -> StepUpChoice {
        StepUpChoice {
            identifier: identifier.to_owned(),
            method,
            value: None,
            sub_method: None,
            url: None,
        }
    }

    fn autopilot() -> Autopilot {
        Autopilot::new("http://127.0.0.1:9").expect("valid base")
    }

    #[test]
    fn chooses_the_first_otp_method_by_default() {
        let methods = [
            choice("a", StepUpMethod::CustomerService),
            choice("b", StepUpMethod::OtpEmail),
            choice("c", StepUpMethod::OtpSms),
        ];
        let answer = autopilot().choose(&methods);
        assert_eq!(
            answer.input,
            Input::ChooseStepUp {
                identifier: "b".into()
            }
        );
        assert_eq!(answer.note, "chose 2 OTPEMAIL");
        let by_method = autopilot()
            .with_policy(Policy {
                step_up: StepUpPreference::Method(StepUpMethod::OtpSms),
                ..Policy::default()
            })
            .choose(&methods);
        assert_eq!(
            by_method.input,
            Input::ChooseStepUp {
                identifier: "c".into()
            }
        );
    }

    #[test]
    fn otps_are_entered_in_turn_and_never_shown() {
        let mut pilot = autopilot().with_policy(Policy {
            otps: vec!["111111".into(), "456789".into()],
            ..Policy::default()
        });
        let prompt = Prompt::EnterOtp {
            attempts_left: 3,
            resends_left: 2,
            expires_at: None,
            last_attempt_failed: false,
            expired: false,
        };
        let entered: Vec<String> = (0..3)
            .map(|_| {
                let answer = pilot.answer("juspay_direct_otp", &prompt).expect("answer");
                assert_eq!(answer.note, "OTP ******");
                match answer.input {
                    Input::Otp(otp) => {
                        use agentic_core::secret::SecretText;
                        otp.expose_secret().to_owned()
                    }
                    other => panic!("{other:?}"),
                }
            })
            .collect();
        assert_eq!(entered, ["111111", "456789", "456789"]);
        let expired = Prompt::EnterOtp {
            attempts_left: 3,
            resends_left: 0,
            expires_at: None,
            last_attempt_failed: false,
            expired: true,
        };
        assert_eq!(
            pilot.answer("x", &expired).expect("answer").input,
            Input::ChooseAnotherMethod
        );
    }

    #[test]
    fn unknown_outcomes_are_reconciled_or_cancelled_by_default() {
        let mut pilot = autopilot();
        let ask = |can_reconcile| Prompt::ConfirmUnknownOutcome {
            operation: "op".into(),
            can_reconcile,
        };
        assert_eq!(
            pilot.answer("x", &ask(true)).expect("answer").input,
            Input::Reconcile
        );
        assert_eq!(
            pilot.answer("x", &ask(false)).expect("answer").input,
            Input::Cancel
        );
    }

    #[test]
    fn a_redirect_off_the_sandbox_is_refused() {
        let error = autopilot()
            .answer(
                "juspay_direct_otp",
                &Prompt::Redirect {
                    url: "https://bank.example/acs".into(),
                },
            )
            .expect_err("not the sandbox");
        assert!(error.to_string().contains("leaves the sandbox"), "{error}");
    }
}
