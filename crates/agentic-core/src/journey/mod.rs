//! Journeys as sans-IO state machines (DESIGN.md §3).
//!
//! A [`Journey`] never performs I/O and never reads a clock. The host loops:
//!
//! ```text
//! loop {
//!   match journey.next_action() {
//!     Action::Send { id, request } => perform it, then journey.on_response(id, &response, now)
//!                                     or journey.on_transport_failure(id, failure, now)
//!     Action::Prompt(prompt)       => ask the user / open the Visa page, then journey.submit(input, now)
//!     Action::Wait { until }       => call journey.on_timeout(now) at `until`
//!     Action::Done(_) | Action::Failed(_) => stop (asking again repeats the answer)
//!   }
//! }
//! ```
//!
//! The generic engine here owns everything the four journeys share, so each journey is only a
//! [`Script`] of pure transitions:
//!
//! - request ids: every send gets a fresh [`RequestId`]; a response for any other id is refused
//!   with [`JourneyError::UnexpectedResponse`] and changes nothing;
//! - **exactly once**: a failure before sending is retried automatically with back-off; a
//!   failure that may have reached the server is retried automatically only for idempotent
//!   requests — anything else stops at [`Prompt::ConfirmUnknownOutcome`] until the host chooses
//!   to reconcile, resend (with the same reference ids) or cancel;
//! - cancel in every state, and [`Journey::checkpoint`] / [`Journey::resume`] with the secrets
//!   kept out of the checkpoint and re-supplied by the host. A checkpoint taken while a
//!   non-idempotent request was in flight resumes at the outcome-unknown prompt, never at a
//!   resend.
//!
//! ```mermaid
//! stateDiagram-v2
//!     [*] --> Sending: script starts with a step
//!     [*] --> Awaiting: script starts with a prompt
//!     Sending --> Awaiting: response (script)
//!     Sending --> Sending: response (script: next step)
//!     Sending --> BackingOff: not sent / 429 / retryable on idempotent
//!     BackingOff --> Sending: on_timeout (new request id)
//!     Sending --> OutcomeUnknown: may have been sent (non-idempotent)
//!     OutcomeUnknown --> Sending: ResendAfterUnknownOutcome / Reconcile
//!     Awaiting --> Sending: input (script)
//!     Sending --> Done
//!     Sending --> Failed
//!     Awaiting --> Failed: Cancel
//!     Sending --> Failed: Cancel
//!     BackingOff --> Failed: Cancel
//!     OutcomeUnknown --> Failed: Cancel
//! ```

use std::fmt;

use serde::Serialize;
use serde_json::Value;

use crate::error::{ApiError, ErrorCategory};
use crate::validate::InvalidInput;
use crate::wire::{HttpRequest, HttpResponse};

pub mod direct_otp;
pub mod enrollment;
pub mod page;
pub mod purchase;
pub mod restore;
mod types;
pub mod visa_acceptance;
pub use types::*;

use restore::{Corrupt, Fields, Restore, unit, variant};

/// Milliseconds since the Unix epoch, always passed in by the host.
pub type UnixMillis = u64;

/// Identifies one send. Minted per attempt, so a late answer to an earlier attempt is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct RequestId(pub u64);

impl Restore for RequestId {
    fn restore(value: &Value) -> Result<Self, Corrupt> {
        u64::restore(value).map(Self)
    }
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// Why a request got no response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum TransportFailure {
    /// It never left this process: connect refused, DNS, TLS handshake. Safe to resend.
    NotSent {
        /// What happened, for logs (no secrets: the transport writes it).
        reason: String,
    },
    /// It may have reached the server: a timeout after writing, a reset after sending.
    MaybeSent {
        /// What happened, for logs.
        reason: String,
    },
}

impl Restore for TransportFailure {
    fn restore(value: &Value) -> Result<Self, Corrupt> {
        let (name, content) = variant(value)?;
        let reason = Fields::of(content)?.get("reason")?;
        match name {
            "NotSent" => Ok(Self::NotSent { reason }),
            "MaybeSent" => Ok(Self::MaybeSent { reason }),
            _ => Err(Corrupt),
        }
    }
}

/// Automatic retry policy for failures that are safe to retry.
pub const MAX_AUTOMATIC_ATTEMPTS: u32 = 3;
/// First back-off; doubles with each attempt.
pub const FIRST_BACKOFF_MS: u64 = 500;

/// What the host should do next.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Perform this request, then report with [`Journey::on_response`] or
    /// [`Journey::on_transport_failure`] using `id`.
    Send {
        /// Matches the answer to this send.
        id: RequestId,
        /// The request, without credentials (the transport adds them).
        request: HttpRequest,
    },
    /// Ask the user or open the Visa page, then call [`Journey::submit`].
    Prompt(Prompt),
    /// Call [`Journey::on_timeout`] at `until` (Unix milliseconds).
    Wait {
        /// When to call back.
        until: UnixMillis,
    },
    /// The journey succeeded.
    Done(Outcome),
    /// The journey ended without success.
    Failed(JourneyFailure),
}

/// An event the journey refused. The journey's state is unchanged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JourneyError {
    /// The input is not valid in the current state. React: call [`Journey::next_action`] and
    /// answer what it asks.
    #[error("{event} is not valid while the journey is in state {state}")]
    InvalidEvent {
        /// The state's name.
        state: &'static str,
        /// The event's name.
        event: &'static str,
    },
    /// A response or failure for a request that is not in flight (stale, duplicate or unknown
    /// id). React: drop it.
    #[error("no request {got} is in flight (expected {expected:?})")]
    UnexpectedResponse {
        /// The id that was reported.
        got: RequestId,
        /// The id in flight, if any.
        expected: Option<RequestId>,
    },
    /// An input value was refused. React: ask the user again.
    #[error(transparent)]
    InvalidInput(#[from] InvalidInput),
    /// A Visa page message was refused (wrong origin, not a protocol message). React: ignore
    /// the message; the journey keeps waiting for a valid one.
    #[error("Visa page message refused: {0}")]
    PageMessage(#[from] crate::visa_page::PageMessageError),
    /// A checkpoint could not be resumed. React: start a new journey.
    #[error("cannot resume: {0}")]
    Resume(String),
}

/// Where the engine is. Serialised into checkpoints (it holds no secrets).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Stage<P, S> {
    /// Waiting for the host's input on a prompt.
    Awaiting(P),
    /// A request for `step` is in flight as `id`.
    Sending {
        /// What is being sent.
        step: S,
        /// The id of this attempt.
        id: RequestId,
        /// 1 for the first attempt.
        attempt: u32,
    },
    /// Waiting before an automatic retry of `step`.
    BackingOff {
        /// What will be resent.
        step: S,
        /// When.
        until: UnixMillis,
        /// The attempt number of the next send.
        attempt: u32,
    },
    /// A non-idempotent request may or may not have reached the server.
    OutcomeUnknown {
        /// The step whose outcome is unknown.
        step: S,
    },
    /// Finished with success; the outcome is rebuilt from the script.
    Done,
    /// Finished without success.
    Failed(JourneyFailure),
}

impl<P: Restore, S: Restore> Restore for Stage<P, S> {
    fn restore(value: &Value) -> Result<Self, Corrupt> {
        let (name, content) = variant(value)?;
        match name {
            "Awaiting" => P::restore(content).map(Self::Awaiting),
            "Sending" => {
                let fields = Fields::of(content)?;
                Ok(Self::Sending {
                    step: fields.get("step")?,
                    id: fields.get("id")?,
                    attempt: fields.get("attempt")?,
                })
            }
            "BackingOff" => {
                let fields = Fields::of(content)?;
                Ok(Self::BackingOff {
                    step: fields.get("step")?,
                    until: fields.get("until")?,
                    attempt: fields.get("attempt")?,
                })
            }
            "OutcomeUnknown" => Ok(Self::OutcomeUnknown {
                step: Fields::of(content)?.get("step")?,
            }),
            "Done" => unit(content, Self::Done),
            "Failed" => JourneyFailure::restore(content).map(Self::Failed),
            _ => Err(Corrupt),
        }
    }
}

impl<P, S> Stage<P, S> {
    /// The state's name for errors and logs.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Awaiting(_) => "Awaiting",
            Self::Sending { .. } => "Sending",
            Self::BackingOff { .. } => "BackingOff",
            Self::OutcomeUnknown { .. } => "OutcomeUnknown",
            Self::Done => "Done",
            Self::Failed(_) => "Failed",
        }
    }
}

/// What a script decides after a response or an input.
#[derive(Debug, Clone, PartialEq)]
pub enum Next<P, S> {
    /// Ask the host.
    Prompt(P),
    /// Send a step (a fresh request id is minted).
    Send(S),
    /// Finished with success.
    Done,
    /// Finished without success.
    Fail(JourneyFailure),
    /// Send a step once `until` has passed (polling a status).
    SendAfter {
        /// What to send.
        step: S,
        /// Not before this time.
        until: UnixMillis,
    },
    /// The script learned that a step's outcome is unknown (a status call could not tell):
    /// ask the host, as after a transport failure.
    OutcomeUnknown(S),
}

/// One journey's pure transitions. The engine calls it; it never sees ids, retries or cancels.
pub trait Script: Serialize + Restore + Clone + fmt::Debug {
    /// The journey's name in checkpoints.
    const NAME: &'static str;
    /// Prompt phases (serialised into checkpoints).
    type Phase: Serialize + Restore + Clone + fmt::Debug + PartialEq;
    /// Requests the journey sends (serialised into checkpoints).
    type Step: Serialize + Restore + Clone + fmt::Debug + PartialEq;
    /// Secrets held in memory only; re-supplied by the host on resume.
    type Secrets: fmt::Debug + Clone + Default;

    /// Builds the request of `step`.
    ///
    /// # Errors
    /// [`JourneyError::Resume`] when a secret the step needs is missing (after a resume).
    fn request(
        &self,
        secrets: &Self::Secrets,
        step: &Self::Step,
    ) -> Result<HttpRequest, JourneyError>;

    /// Reacts to an HTTP response of `step`. An `Err` goes to the engine's generic policy
    /// (retry, outcome unknown or fail); a script handles the errors it can recover from itself.
    /// A script returning `Err` must have changed neither itself nor `secrets`: the engine does
    /// not copy them first (a step's cost, BENCHMARKS.md "Core step cost"), and a refused
    /// response must not lose a secret still needed (an OTP to resend after an unknown outcome).
    ///
    /// # Errors
    /// The decoded [`ApiError`] when the script does not handle it.
    fn on_response(
        &mut self,
        secrets: &mut Self::Secrets,
        step: &Self::Step,
        response: &HttpResponse,
        now: UnixMillis,
    ) -> Result<Next<Self::Phase, Self::Step>, ApiError>;

    /// The prompt for a phase.
    fn prompt(&self, secrets: &Self::Secrets, phase: &Self::Phase) -> Prompt;

    /// Reacts to an input on a prompt. `Input::Cancel` never reaches the script.
    ///
    /// # Errors
    /// [`JourneyError`] when the input is not valid for the phase; the engine then keeps the
    /// state unchanged (the script must not have changed itself either).
    fn on_input(
        &mut self,
        secrets: &mut Self::Secrets,
        phase: &Self::Phase,
        input: Input,
        now: UnixMillis,
    ) -> Result<Next<Self::Phase, Self::Step>, JourneyError>;

    /// The status call that reconciles a step whose outcome is unknown, if the API has one.
    fn reconcile(&self, step: &Self::Step) -> Option<Self::Step>;

    /// The outcome once done.
    fn outcome(&self, secrets: &Self::Secrets) -> Outcome;

    /// Adjusts the stage a checkpoint resumes in, before secrets are checked: a script may
    /// re-ask for a secret it never stores (an OTP whose validation was in flight) instead of
    /// failing the resume. The default keeps the stage.
    fn on_resume(
        &mut self,
        secrets: &Self::Secrets,
        stage: Stage<Self::Phase, Self::Step>,
    ) -> Stage<Self::Phase, Self::Step> {
        let _ = secrets;
        stage
    }

    /// The name of a secret that `stage` needs and `secrets` lacks (checked on resume).
    fn missing_secret(
        &self,
        secrets: &Self::Secrets,
        stage: &Stage<Self::Phase, Self::Step>,
    ) -> Option<&'static str>;
}

/// A running journey: a [`Script`] driven by the generic exactly-once engine.
#[derive(Debug, Clone)]
pub struct Journey<S: Script> {
    script: S,
    secrets: S::Secrets,
    stage: Stage<S::Phase, S::Step>,
    next_request_id: u64,
}

/// The checkpoint format version.
pub const CHECKPOINT_VERSION: u32 = 1;

impl<S: Script> Journey<S> {
    /// Starts a journey whose first move is `first`.
    pub fn start(script: S, secrets: S::Secrets, first: Next<S::Phase, S::Step>) -> Self {
        let mut journey = Self {
            script,
            secrets,
            stage: Stage::Done,
            next_request_id: 1,
        };
        journey.go(first);
        journey
    }

    /// The script, for inspection (reference ids, tokens, status).
    pub fn script(&self) -> &S {
        &self.script
    }

    /// The engine state.
    pub fn stage(&self) -> &Stage<S::Phase, S::Step> {
        &self.stage
    }

    /// What the host should do next. Pure: asking twice gives the same answer.
    pub fn next_action(&self) -> Action {
        match &self.stage {
            Stage::Awaiting(phase) => Action::Prompt(self.script.prompt(&self.secrets, phase)),
            Stage::Sending { step, id, .. } => match self.script.request(&self.secrets, step) {
                Ok(request) => Action::Send { id: *id, request },
                // Only reachable if a resume skipped the secret check.
                Err(error) => Action::Failed(JourneyFailure::Internal {
                    reason: error.to_string(),
                }),
            },
            Stage::BackingOff { until, .. } => Action::Wait { until: *until },
            Stage::OutcomeUnknown { step } => Action::Prompt(Prompt::ConfirmUnknownOutcome {
                operation: self.operation_of(step),
                can_reconcile: self.script.reconcile(step).is_some(),
            }),
            Stage::Done => Action::Done(self.script.outcome(&self.secrets)),
            Stage::Failed(failure) => Action::Failed(failure.clone()),
        }
    }

    fn operation_of(&self, step: &S::Step) -> String {
        self.script
            .request(&self.secrets, step)
            .map(|r| r.operation.to_owned())
            .unwrap_or_else(|_| format!("{step:?}"))
    }

    fn mint(&mut self) -> RequestId {
        let id = RequestId(self.next_request_id);
        self.next_request_id += 1;
        id
    }

    fn go(&mut self, next: Next<S::Phase, S::Step>) {
        self.stage = match next {
            Next::Prompt(phase) => Stage::Awaiting(phase),
            Next::Send(step) => Stage::Sending {
                step,
                id: self.mint(),
                attempt: 1,
            },
            Next::Done => Stage::Done,
            Next::Fail(failure) => Stage::Failed(failure),
            Next::SendAfter { step, until } => Stage::BackingOff {
                step,
                until,
                attempt: 1,
            },
            Next::OutcomeUnknown(step) => Stage::OutcomeUnknown { step },
        };
    }

    fn in_flight(&self, id: RequestId) -> Result<(S::Step, u32), JourneyError> {
        match &self.stage {
            Stage::Sending {
                step,
                id: current,
                attempt,
            } if *current == id => Ok((step.clone(), *attempt)),
            Stage::Sending { id: current, .. } => Err(JourneyError::UnexpectedResponse {
                got: id,
                expected: Some(*current),
            }),
            _ => Err(JourneyError::UnexpectedResponse {
                got: id,
                expected: None,
            }),
        }
    }

    fn idempotent(&self, step: &S::Step) -> bool {
        self.script
            .request(&self.secrets, step)
            .is_ok_and(|r| r.idempotent)
    }

    fn back_off(step: S::Step, attempt: u32, now: UnixMillis) -> Stage<S::Phase, S::Step> {
        let delay = FIRST_BACKOFF_MS << (attempt.saturating_sub(1)).min(10);
        Stage::BackingOff {
            step,
            until: now.saturating_add(delay),
            attempt: attempt + 1,
        }
    }

    /// Reports the HTTP response to request `id`.
    ///
    /// # Errors
    /// [`JourneyError::UnexpectedResponse`] for an id that is not in flight; nothing changes.
    pub fn on_response(
        &mut self,
        id: RequestId,
        response: &HttpResponse,
        now: UnixMillis,
    ) -> Result<(), JourneyError> {
        let (step, attempt) = self.in_flight(id)?;
        // Neither the script nor the secrets are copied first: a script changes them only on
        // the way to an `Ok` (the contract of `Script::on_response`; the script part is checked
        // in debug builds). Copying both on every response was half the cost of a step
        // (BENCHMARKS.md, "Core step cost").
        #[cfg(debug_assertions)]
        let before = serde_json::to_string(&self.script).ok();
        match self
            .script
            .on_response(&mut self.secrets, &step, response, now)
        {
            Ok(next) => self.go(next),
            Err(error) => {
                #[cfg(debug_assertions)]
                debug_assert_eq!(
                    serde_json::to_string(&self.script).ok(),
                    before,
                    "{}: the script changed itself, then refused the response",
                    S::NAME
                );
                self.stage = self.after_api_error(step, attempt, error, now);
            }
        }
        Ok(())
    }

    /// The generic policy for an API error the script did not handle.
    fn after_api_error(
        &self,
        step: S::Step,
        attempt: u32,
        error: ApiError,
        now: UnixMillis,
    ) -> Stage<S::Phase, S::Step> {
        let can_retry = attempt < MAX_AUTOMATIC_ATTEMPTS;
        // 429: the server refused before doing anything, so even a payment may be resent.
        if error.category == ErrorCategory::RateLimited && can_retry {
            return Self::back_off(step, attempt, now);
        }
        // An idempotent read may simply be asked again, also after an unreadable answer.
        let transient = error.retryable || error.category == ErrorCategory::MalformedResponse;
        if transient && self.idempotent(&step) && can_retry {
            return Self::back_off(step, attempt, now);
        }
        // A 5xx on a non-idempotent call: the server may have acted before failing.
        if error.category == ErrorCategory::ServerError && !self.idempotent(&step) {
            return Stage::OutcomeUnknown { step };
        }
        if error.recovery == crate::Recovery::Reconcile {
            return Stage::OutcomeUnknown { step };
        }
        Stage::Failed(JourneyFailure::Api(error))
    }

    /// Reports that request `id` got no response.
    ///
    /// # Errors
    /// [`JourneyError::UnexpectedResponse`] for an id that is not in flight; nothing changes.
    pub fn on_transport_failure(
        &mut self,
        id: RequestId,
        failure: TransportFailure,
        now: UnixMillis,
    ) -> Result<(), JourneyError> {
        let (step, attempt) = self.in_flight(id)?;
        let safe = matches!(failure, TransportFailure::NotSent { .. }) || self.idempotent(&step);
        self.stage = if safe && attempt < MAX_AUTOMATIC_ATTEMPTS {
            Self::back_off(step, attempt, now)
        } else if safe {
            Stage::Failed(JourneyFailure::Transport { failure })
        } else {
            Stage::OutcomeUnknown { step }
        };
        Ok(())
    }

    /// Call when a [`Action::Wait`] is due.
    ///
    /// # Errors
    /// [`JourneyError::InvalidEvent`] when the journey is not waiting; nothing changes. A call
    /// before `until` is accepted and changes nothing (the host woke up early).
    pub fn on_timeout(&mut self, now: UnixMillis) -> Result<(), JourneyError> {
        match &self.stage {
            Stage::BackingOff {
                step,
                until,
                attempt,
            } => {
                if now >= *until {
                    let (step, attempt) = (step.clone(), *attempt);
                    let id = self.mint();
                    self.stage = Stage::Sending { step, id, attempt };
                }
                Ok(())
            }
            other => Err(JourneyError::InvalidEvent {
                state: other.name(),
                event: "Timeout",
            }),
        }
    }

    /// Submits the host's answer to the current prompt. `Input::Cancel` is valid in every
    /// non-terminal state.
    ///
    /// # Errors
    /// [`JourneyError`] when the input is not valid now; nothing changes.
    pub fn submit(&mut self, input: Input, now: UnixMillis) -> Result<(), JourneyError> {
        if matches!(input, Input::Cancel) {
            let in_flight = match &self.stage {
                Stage::Done | Stage::Failed(_) => {
                    return Err(JourneyError::InvalidEvent {
                        state: self.stage.name(),
                        event: input.name(),
                    });
                }
                Stage::Sending { step, .. } if !self.idempotent(step) => {
                    Some(self.operation_of(step))
                }
                Stage::OutcomeUnknown { step } => Some(self.operation_of(step)),
                _ => None,
            };
            self.stage = Stage::Failed(JourneyFailure::Cancelled {
                outcome_unknown_for: in_flight,
            });
            return Ok(());
        }
        match &self.stage {
            Stage::Awaiting(phase) => {
                let phase = phase.clone();
                let mut script = self.script.clone();
                let mut secrets = self.secrets.clone();
                let next = script.on_input(&mut secrets, &phase, input, now)?;
                self.script = script;
                self.secrets = secrets;
                self.go(next);
                Ok(())
            }
            Stage::OutcomeUnknown { step } => {
                let step = step.clone();
                let target = match input {
                    Input::ResendAfterUnknownOutcome => step,
                    Input::Reconcile => {
                        self.script
                            .reconcile(&step)
                            .ok_or(JourneyError::InvalidEvent {
                                state: "OutcomeUnknown",
                                event: "Reconcile",
                            })?
                    }
                    other => {
                        return Err(JourneyError::InvalidEvent {
                            state: "OutcomeUnknown",
                            event: other.name(),
                        });
                    }
                };
                // A secret the request needs may be missing after a resume: refuse, unchanged.
                self.script.request(&self.secrets, &target)?;
                let id = self.mint();
                self.stage = Stage::Sending {
                    step: target,
                    id,
                    attempt: 1,
                };
                Ok(())
            }
            other => Err(JourneyError::InvalidEvent {
                state: other.name(),
                event: input.name(),
            }),
        }
    }

    /// Serialises the whole state, without secrets, as versioned JSON.
    pub fn checkpoint(&self) -> String {
        #[derive(Serialize)]
        struct View<'a, S: Script> {
            version: u32,
            journey: &'static str,
            script: &'a S,
            stage: &'a Stage<S::Phase, S::Step>,
            next_request_id: u64,
        }
        serde_json::to_string(&View::<S> {
            version: CHECKPOINT_VERSION,
            journey: S::NAME,
            script: &self.script,
            stage: &self.stage,
            next_request_id: self.next_request_id,
        })
        // The state is plain data (strings, numbers, enums): serialising cannot fail.
        .unwrap_or_default()
    }

    /// Continues a journey from [`Journey::checkpoint`] with the secrets re-supplied by the host.
    /// The next action is the one before the checkpoint, with one exception that keeps money and
    /// OTPs moving once: a checkpoint taken while a non-idempotent request was in flight resumes
    /// at [`Prompt::ConfirmUnknownOutcome`], because the request may have left before the app
    /// died.
    ///
    /// # Errors
    /// [`JourneyError::Resume`] when the checkpoint is not this journey's, has another version,
    /// is corrupt, or a secret the current state needs is missing (named).
    pub fn resume(checkpoint: &str, secrets: S::Secrets) -> Result<Self, JourneyError> {
        let value = checkpoint_value(checkpoint, S::NAME)?;
        let unexpected = |_: Corrupt| corrupt(S::NAME, "unexpected content");
        let fields = Fields::of(&value).map_err(unexpected)?;
        let next_request_id: u64 = fields.get("next_request_id").map_err(unexpected)?;
        let mut script: S = fields.get("script").map_err(unexpected)?;
        let stage: Stage<S::Phase, S::Step> = fields.get("stage").map_err(unexpected)?;
        let stage = script.on_resume(&secrets, stage);
        if let Some(name) = script.missing_secret(&secrets, &stage) {
            return Err(JourneyError::Resume(format!(
                "the secret `{name}` is needed to continue"
            )));
        }
        let mut journey = Self {
            script,
            secrets,
            stage,
            next_request_id,
        };
        // The app may have died after a non-idempotent request left: never resend it on resume.
        if let Stage::Sending { step, .. } = &journey.stage {
            if !journey.idempotent(step) {
                journey.stage = Stage::OutcomeUnknown { step: step.clone() };
            }
        }
        Ok(journey)
    }
}

/// A checkpoint of the journey `name` parsed into a `Value`, its journey and version checked
/// first, so that another journey's or version's checkpoint is named as such even when its state
/// would not read. Not generic: every journey's `resume` shares it.
fn checkpoint_value(checkpoint: &str, name: &'static str) -> Result<Value, JourneyError> {
    // Parsed into a `Value`, then read field by field by each state type's `Restore`.
    let value = serde_json::from_slice::<Value>(checkpoint.as_bytes())
        .map_err(|e| corrupt(name, e.classify_name()))?;
    let unexpected = |_: Corrupt| corrupt(name, "unexpected content");
    let fields = Fields::of(&value).map_err(unexpected)?;
    let journey: String = fields.get("journey").map_err(unexpected)?;
    if journey != name {
        return Err(JourneyError::Resume(format!(
            "checkpoint of journey `{journey}`, not `{name}`"
        )));
    }
    let version: u32 = fields.get("version").map_err(unexpected)?;
    if version != CHECKPOINT_VERSION {
        return Err(JourneyError::Resume(format!(
            "checkpoint version {version} is not {CHECKPOINT_VERSION}"
        )));
    }
    Ok(value)
}

/// A checkpoint that does not read, by the class of the problem (never its content).
fn corrupt(name: &str, class: &str) -> JourneyError {
    JourneyError::Resume(format!("not a {name} checkpoint ({class})"))
}

trait ClassifyName {
    fn classify_name(&self) -> &'static str;
}

impl ClassifyName for serde_json::Error {
    /// serde's messages can quote values; only the class is reported.
    fn classify_name(&self) -> &'static str {
        match self.classify() {
            serde_json::error::Category::Io => "I/O error",
            serde_json::error::Category::Syntax => "syntax error",
            serde_json::error::Category::Data => "unexpected content",
            serde_json::error::Category::Eof => "truncated",
        }
    }
}
