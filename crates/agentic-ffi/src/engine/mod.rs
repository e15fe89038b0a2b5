//! The journey-agnostic engine every foreign surface sits on (the uniffi API in [`crate::api`],
//! and the C ABI). Plain Rust: no uniffi object, record or callback type appears here.
//!
//! - [`Backend`]: the validated configuration plus one [`Transport`] (one connection pool),
//!   shared by every session of a client.
//! - [`Session`]: one running journey of any kind ([`AnyJourney`]) behind a mutex, with
//!   [`Session::advance`] (blocking: performs the journey's requests until it needs the app or
//!   ends), [`Session::submit`], [`Session::cancel`], [`Session::checkpoint`] and
//!   [`Session::resume`].
//! - [`start`]: plain parameter structs (serde-deserialisable, for JSON callers) and the
//!   builders that validate them into journeys.
//! - [`json`]: JSON views of prompts, outcomes, failures and errors without secrets, and
//!   inputs read from JSON.
//!
//! # Threads
//!
//! A session is `Send + Sync`. `advance` holds the journey's lock only between requests, never
//! while a request is in flight or a retry back-off is waiting, so another thread can
//! [`Session::cancel`] a running `advance`: the journey ends at once as
//! [`Failure::Cancelled`] (naming a non-idempotent call that was in flight), the late response
//! is dropped, and `advance` returns that end. A back-off wait is woken by the cancel. Two
//! `advance` calls on one session run one after the other. `submit` while a request is in
//! flight is refused with [`AgenticError::InvalidState`].
//!
//! # Ends
//!
//! `advance` returns [`SessionStep::Done`] or [`SessionStep::Failed`] for the ends a journey's
//! UI handles (cancelled, passkey refused, step-up exhausted, rebind required, payment
//! failed), and an error for the technical ones ([`AgenticError::Provider`],
//! [`AgenticError::Network`], [`AgenticError::Internal`]); a finished journey answers the same
//! again on every call.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use agentic_core::journey::direct_otp::{DirectOtp, DirectOtpSecrets};
use agentic_core::journey::enrollment::{Enrollment, EnrollmentSecrets};
use agentic_core::journey::purchase::{Purchase, PurchaseSecrets};
use agentic_core::journey::restore::Fields;
use agentic_core::journey::visa_acceptance::{VisaAcceptancePasskey, VisaAcceptancePasskeySecrets};
use agentic_core::journey::{
    Action, Input, Journey, JourneyError, Outcome, Prompt, RequestId, Script, UnixMillis,
};
use agentic_core::juspay_vat::FetchPaymentCredentialsResponse;
use agentic_core::visa_page::{AssuranceData, OutgoingMessage};
use agentic_http::config::ClientConfig;
use agentic_http::transport::{Transport, TransportError};
#[cfg(feature = "bundled-transport")]
use agentic_http::ureq_transport::{UreqTransport, UreqTransportConfig};
use agentic_http::{Clock, SystemClock, auth};
use tracing::{Level, debug, info_span, warn};

pub use crate::error::Failure;
use crate::error::{AgenticError, split_failure};

pub mod json;
pub mod settings;
pub mod start;
pub use settings::{Credentials, JuspaySettings, Settings, VisaAcceptanceSettings};
pub use start::{CardFields, CardSource, SavedCard, Secret};

/// Which journey a session runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JourneyKind {
    /// Card enrollment (Juspay VAT).
    Enrollment,
    /// Agentic purchase with the passkey (Juspay VAT).
    Purchase,
    /// Card payment with a native OTP or 3-D Secure fallback (Juspay EC).
    DirectOtp,
    /// Tokenized-card passkey with step-up (Visa Acceptance).
    VisaPasskey,
}

impl JourneyKind {
    /// Every kind.
    pub const ALL: [Self; 4] = [
        Self::Enrollment,
        Self::Purchase,
        Self::DirectOtp,
        Self::VisaPasskey,
    ];

    /// The journey's name in checkpoints ([`Script::NAME`]).
    pub fn checkpoint_name(self) -> &'static str {
        match self {
            Self::Enrollment => Enrollment::NAME,
            Self::Purchase => Purchase::NAME,
            Self::DirectOtp => DirectOtp::NAME,
            Self::VisaPasskey => VisaAcceptancePasskey::NAME,
        }
    }

    /// The name in JSON views (`direct_otp`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Enrollment => "enrollment",
            Self::Purchase => "purchase",
            Self::DirectOtp => "direct_otp",
            Self::VisaPasskey => "visa_passkey",
        }
    }

    /// The kind of journey a checkpoint belongs to. Checkpoints are the core's versioned JSON,
    /// which names its journey (`"journey": "juspay_direct_otp"`); that name, not a prefix,
    /// tells [`Session::resume`] which journey to rebuild, so a checkpoint taken by the Rust
    /// API resumes through the FFI and back.
    ///
    /// # Errors
    /// [`AgenticError::CannotResume`] when the text is not a checkpoint of a known journey.
    pub fn of_checkpoint(checkpoint: &str) -> Result<Self, AgenticError> {
        // Read as the core reads checkpoints back (`restore`), not with a derived reader.
        let journey: String = serde_json::from_slice::<serde_json::Value>(checkpoint.as_bytes())
            .ok()
            .and_then(|value| Fields::of(&value).and_then(|f| f.get("journey")).ok())
            .ok_or_else(|| AgenticError::CannotResume {
                detail: "not a journey checkpoint (expected the JSON that checkpoint() returned)"
                    .to_owned(),
            })?;
        Self::ALL
            .into_iter()
            .find(|kind| kind.checkpoint_name() == journey)
            .ok_or_else(|| AgenticError::CannotResume {
                detail: format!("unknown journey `{journey}` in the checkpoint"),
            })
    }
}

/// One journey of any kind (boxed: the journeys differ in size).
#[derive(Debug)]
pub enum AnyJourney {
    /// Card enrollment.
    Enrollment(Box<Journey<Enrollment>>),
    /// Agentic purchase.
    Purchase(Box<Journey<Purchase>>),
    /// Direct OTP payment.
    DirectOtp(Box<Journey<DirectOtp>>),
    /// Visa Acceptance passkey.
    VisaPasskey(Box<Journey<VisaAcceptancePasskey>>),
}

macro_rules! each_journey {
    ($any:expr, $journey:ident => $body:expr) => {
        match $any {
            AnyJourney::Enrollment($journey) => $body,
            AnyJourney::Purchase($journey) => $body,
            AnyJourney::DirectOtp($journey) => $body,
            AnyJourney::VisaPasskey($journey) => $body,
        }
    };
}

impl AnyJourney {
    /// Which journey this is.
    pub fn kind(&self) -> JourneyKind {
        match self {
            Self::Enrollment(_) => JourneyKind::Enrollment,
            Self::Purchase(_) => JourneyKind::Purchase,
            Self::DirectOtp(_) => JourneyKind::DirectOtp,
            Self::VisaPasskey(_) => JourneyKind::VisaPasskey,
        }
    }

    /// See [`Journey::next_action`].
    pub fn next_action(&self) -> Action {
        each_journey!(self, j => j.next_action())
    }

    /// See [`Journey::submit`].
    ///
    /// # Errors
    /// [`JourneyError`]; nothing changed.
    pub fn submit(&mut self, input: Input, now: UnixMillis) -> Result<(), JourneyError> {
        each_journey!(self, j => j.submit(input, now))
    }

    /// See [`Journey::checkpoint`].
    pub fn checkpoint(&self) -> String {
        each_journey!(self, j => j.checkpoint())
    }

    fn on_response(
        &mut self,
        id: RequestId,
        response: &agentic_core::HttpResponse,
        now: UnixMillis,
    ) -> Result<(), JourneyError> {
        each_journey!(self, j => j.on_response(id, response, now))
    }

    fn on_transport_failure(
        &mut self,
        id: RequestId,
        failure: agentic_core::journey::TransportFailure,
        now: UnixMillis,
    ) -> Result<(), JourneyError> {
        each_journey!(self, j => j.on_transport_failure(id, failure, now))
    }

    fn on_timeout(&mut self, now: UnixMillis) -> Result<(), JourneyError> {
        each_journey!(self, j => j.on_timeout(now))
    }
}

/// The secrets a checkpoint does not hold, re-supplied on [`Session::resume`]. Each journey
/// takes the ones it uses and ignores the rest; the resume error names a missing one. `Debug`
/// shows which are present, never their values.
#[derive(Clone, Default)]
pub struct ResumeSecrets {
    /// Card details (enrollment that tokenizes; Direct OTP with a new card).
    pub card: Option<CardFields>,
    /// A Juspay card token (enrollment; Direct OTP with a saved card, with its CVV).
    pub saved_card: Option<SavedCard>,
    /// The Visa page session's `secureToken`.
    pub secure_token: Option<Secret>,
    /// The Visa `payload` JWT of the passkey ceremony.
    pub visa_payload: Option<Secret>,
    /// The `fidoBlob` of `AUTH_COMPLETE` (purchase, while setting up the instruction).
    pub fido_blob: Option<Secret>,
    /// The OTP of a validation in flight.
    pub otp: Option<Secret>,
    /// The issuer app's code of a validation in flight (Visa Acceptance).
    pub issuer_auth_code: Option<Secret>,
    /// The credentials of a finished purchase.
    pub credentials: Option<FetchPaymentCredentialsResponse>,
    /// The passkey result of a finished Visa Acceptance journey.
    pub assurance: Option<AssuranceData>,
}

impl std::fmt::Debug for ResumeSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResumeSecrets")
            .field("card", &self.card.is_some())
            .field("saved_card", &self.saved_card.is_some())
            .field("secure_token", &self.secure_token.is_some())
            .field("visa_payload", &self.visa_payload.is_some())
            .field("fido_blob", &self.fido_blob.is_some())
            .field("otp", &self.otp.is_some())
            .field("issuer_auth_code", &self.issuer_auth_code.is_some())
            .field("credentials", &self.credentials.is_some())
            .field("assurance", &self.assurance.is_some())
            .finish()
    }
}

impl ResumeSecrets {
    fn enrollment(self, merchant_id: Option<&str>) -> Result<EnrollmentSecrets, AgenticError> {
        let mut secrets = EnrollmentSecrets::default();
        if let Some(saved) = self.saved_card {
            secrets = secrets.with_card_token(saved.token()?);
        }
        if let Some(card) = self.card {
            let merchant_id = merchant_id.ok_or_else(start::juspay_missing)?;
            secrets = secrets.with_card_details(card.tokenize_request(merchant_id)?);
        }
        if let Some(token) = self.secure_token {
            secrets = secrets.with_secure_token(token.secure_token()?);
        }
        if let Some(payload) = self.visa_payload {
            secrets = secrets.with_visa_payload(payload.visa_payload()?);
        }
        if let Some(otp) = self.otp {
            secrets = secrets.with_otp(otp.otp()?);
        }
        Ok(secrets)
    }

    fn purchase(self) -> Result<PurchaseSecrets, AgenticError> {
        let mut secrets = PurchaseSecrets::new();
        if let Some(token) = self.secure_token {
            secrets = secrets.with_secure_token(token.secure_token()?);
        }
        if let Some(payload) = self.visa_payload {
            secrets = secrets.with_visa_payload(payload.visa_payload()?);
        }
        if let Some(blob) = self.fido_blob {
            secrets = secrets.with_fido_blob(blob.fido_blob()?);
        }
        if let Some(credentials) = self.credentials {
            secrets = secrets.with_credentials(credentials);
        }
        Ok(secrets)
    }

    fn direct_otp(self) -> Result<DirectOtpSecrets, AgenticError> {
        let card = match (self.card, self.saved_card) {
            (Some(card), _) => Some(card.card_secrets()?),
            (None, Some(saved)) => Some(saved.card_secrets()?),
            (None, None) => None,
        };
        Ok(DirectOtpSecrets {
            card,
            otp: self.otp.map(|otp| otp.otp()).transpose()?,
        })
    }

    fn visa_passkey(self) -> Result<VisaAcceptancePasskeySecrets, AgenticError> {
        Ok(VisaAcceptancePasskeySecrets {
            secure_token: self.secure_token.map(|s| s.secure_token()).transpose()?,
            visa_payload: self.visa_payload.map(|s| s.visa_payload()).transpose()?,
            assurance: self.assurance,
            otp: self.otp.map(|s| s.otp()).transpose()?,
            issuer_auth_code: self
                .issuer_auth_code
                .map(|s| s.issuer_auth_code())
                .transpose()?,
        })
    }
}

/// Where [`Session::advance`] stopped.
#[derive(Debug, Clone, PartialEq)]
pub enum SessionStep {
    /// The journey needs the app: answer with [`Session::submit`], then advance again.
    Prompt(Prompt),
    /// The journey succeeded. The outcome may hold secrets (credentials, passkey result).
    Done(Outcome),
    /// The journey ended without success for a reason its UI handles.
    Failed(Failure),
}

impl SessionStep {
    /// The Visa page message the prompt asks the app to post, if any (`CREATE_AUTH_SESSION`,
    /// or `AUTHENTICATE`, which holds the secret payload). JSON views leave it out; a caller
    /// that needs its text takes it from here.
    pub fn message_to_post(&self) -> Option<&OutgoingMessage> {
        match self {
            Self::Prompt(Prompt::ProvideVisaSession {
                message_to_post, ..
            }) => message_to_post.as_ref(),
            Self::Prompt(Prompt::PasskeyCeremony {
                message_to_post, ..
            }) => Some(message_to_post),
            _ => None,
        }
    }
}

/// The validated configuration and the transport of a client: what every session shares.
#[derive(Clone)]
pub struct Backend {
    config: Arc<ClientConfig>,
    transport: Arc<dyn Transport>,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Backend")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Backend {
    /// A backend on any transport (a foreign HTTP stack, a test double).
    ///
    /// # Errors
    /// [`AgenticError::Configuration`] when the configuration is invalid.
    pub fn new(config: ClientConfig, transport: Arc<dyn Transport>) -> Result<Self, AgenticError> {
        config.validate()?;
        Ok(Self {
            config: Arc::new(config),
            transport,
            clock: Arc::new(SystemClock),
        })
    }

    #[cfg(feature = "bundled-transport")]
    /// A backend on the built-in ureq transport (one connection pool, https except loopback).
    ///
    /// # Errors
    /// [`AgenticError::Configuration`] when the configuration is invalid.
    pub fn with_ureq(config: ClientConfig) -> Result<Self, AgenticError> {
        let transport = UreqTransport::new(UreqTransportConfig {
            root_ca_pem: None,
            timeouts: config.timeouts,
        })
        .map_err(|e| AgenticError::Configuration {
            detail: e.to_string(),
        })?;
        Self::new(config, Arc::new(transport))
    }

    /// Replaces the clock (tests).
    #[must_use]
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The configuration.
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// Unix milliseconds now, by the backend's clock.
    pub fn now(&self) -> UnixMillis {
        self.clock.now()
    }
}

/// One running journey, shared across threads. See the module docs.
#[derive(Debug)]
pub struct Session {
    backend: Backend,
    kind: JourneyKind,
    journey: Mutex<AnyJourney>,
    /// Wakes a back-off wait when the journey is cancelled.
    wake: Condvar,
    /// One `advance` at a time.
    turn: Mutex<()>,
    /// Set by a successful cancel: a request not yet handed to the transport is not sent.
    cancelled: AtomicBool,
}

/// Locks `mutex`, ignoring poisoning: every journey method either commits a complete new state
/// or leaves the old one, so a panic (caught at the FFI boundary) cannot leave it half-changed.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Session {
    /// A session running `journey` on `backend`.
    pub fn new(backend: Backend, journey: AnyJourney) -> Self {
        Self {
            backend,
            kind: journey.kind(),
            journey: Mutex::new(journey),
            wake: Condvar::new(),
            turn: Mutex::new(()),
            cancelled: AtomicBool::new(false),
        }
    }

    /// Continues a journey from [`Session::checkpoint`] (of any kind) with the secrets the
    /// checkpoint does not hold.
    ///
    /// # Errors
    /// [`AgenticError::CannotResume`] (not a checkpoint, unknown journey, other version, a
    /// needed secret missing); [`AgenticError::InvalidInput`] for a malformed secret;
    /// [`AgenticError::Configuration`] when card details are given but Juspay is not configured.
    pub fn resume(
        backend: Backend,
        checkpoint: &str,
        secrets: ResumeSecrets,
    ) -> Result<Self, AgenticError> {
        let journey = match JourneyKind::of_checkpoint(checkpoint)? {
            JourneyKind::Enrollment => {
                let merchant_id = backend
                    .config
                    .juspay
                    .as_ref()
                    .map(|j| j.merchant_id.as_str());
                let secrets = secrets.enrollment(merchant_id)?;
                AnyJourney::Enrollment(Box::new(Journey::resume(checkpoint, secrets)?))
            }
            JourneyKind::Purchase => {
                AnyJourney::Purchase(Box::new(Journey::resume(checkpoint, secrets.purchase()?)?))
            }
            JourneyKind::DirectOtp => AnyJourney::DirectOtp(Box::new(Journey::resume(
                checkpoint,
                secrets.direct_otp()?,
            )?)),
            JourneyKind::VisaPasskey => AnyJourney::VisaPasskey(Box::new(Journey::resume(
                checkpoint,
                secrets.visa_passkey()?,
            )?)),
        };
        Ok(Self::new(backend, journey))
    }

    /// Which journey this session runs.
    pub fn kind(&self) -> JourneyKind {
        self.kind
    }

    /// Runs the journey until it needs the app or ends. **Blocks** for the HTTP calls and the
    /// retry back-offs of the step (each call bounded by the client's timeouts).
    ///
    /// # Errors
    /// [`AgenticError::Provider`], [`AgenticError::Network`] or [`AgenticError::Internal`]
    /// when the journey ended for that reason (asked again, it answers the same);
    /// [`AgenticError::Configuration`] when a request cannot be prepared (a provider section
    /// or the routing id missing: nothing was sent, the journey is unchanged).
    pub fn advance(&self) -> Result<SessionStep, AgenticError> {
        let _turn = lock(&self.turn);
        let span = info_span!("journey", journey = self.kind.checkpoint_name());
        let _entered = span.enter();
        loop {
            let action = lock(&self.journey).next_action();
            match action {
                Action::Send { id, request } => self.send(id, &request)?,
                Action::Wait { until } => self.wait(until)?,
                Action::Prompt(prompt) => return Ok(SessionStep::Prompt(prompt)),
                Action::Done(outcome) => return Ok(SessionStep::Done(outcome)),
                Action::Failed(failure) => return split_failure(failure).map(SessionStep::Failed),
            }
        }
    }

    /// Performs one request without holding the journey's lock, then reports the answer.
    fn send(&self, id: RequestId, request: &agentic_core::HttpRequest) -> Result<(), AgenticError> {
        let span = info_span!(
            "request",
            operation = request.operation,
            method = request.method.as_str(),
            path = %request.path.split('?').next().unwrap_or_default(),
            id = id.0,
            status = tracing::field::Empty,
            request_id = tracing::field::Empty,
            duration_ms = tracing::field::Empty,
        );
        let _entered = span.enter();
        let wire = auth::prepare(&self.backend.config, request, SystemTime::now())?;
        if self.cancelled.load(Ordering::SeqCst) {
            return Ok(()); // cancelled since the action was read: the journey has ended
        }
        let started = Instant::now();
        let result = self
            .backend
            .transport
            .send(&wire, &self.backend.config.timeouts);
        drop(wire);
        span.record(
            "duration_ms",
            u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        );
        let now = self.backend.now();
        let mut journey = lock(&self.journey);
        let reported = match result {
            Ok(response) => {
                span.record("status", response.status);
                if let Some(rid) = &response.request_id {
                    span.record("request_id", rid.as_str());
                }
                tracing::event!(Level::INFO, "response");
                journey.on_response(id, &response, now)
            }
            Err(error) => {
                log_failure(&error);
                journey.on_transport_failure(id, error.failure(), now)
            }
        };
        match reported {
            // Cancelled while the request was in flight: the journey already ended (naming the
            // call when it was not idempotent); the late answer is dropped.
            Ok(()) | Err(JourneyError::UnexpectedResponse { .. }) => Ok(()),
            Err(other) => Err(other.into()),
        }
    }

    /// Waits for a retry back-off, waking early when the journey is cancelled.
    fn wait(&self, until: UnixMillis) -> Result<(), AgenticError> {
        debug!(until, "waiting before a retry");
        let mut journey = lock(&self.journey);
        loop {
            if !matches!(journey.next_action(), Action::Wait { .. }) {
                return Ok(()); // cancelled meanwhile
            }
            let now = self.backend.now();
            if now >= until {
                return Ok(journey.on_timeout(now)?);
            }
            journey = self
                .wake
                .wait_timeout(journey, Duration::from_millis(until - now))
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }

    /// Submits the app's answer to the current prompt (the `Cancel` input cancels).
    ///
    /// # Errors
    /// [`AgenticError::InvalidState`] when the input is not valid now (a request in flight, a
    /// finished journey, another prompt); [`AgenticError::InvalidInput`] for a value the
    /// journey refuses (an identifier that was not offered); [`AgenticError::PageMessageRefused`]
    /// for a page message from another origin or that is not a protocol message. Nothing
    /// changed in every case.
    pub fn submit(&self, input: Input) -> Result<(), AgenticError> {
        let cancel = matches!(input, Input::Cancel);
        lock(&self.journey).submit(input, self.backend.now())?;
        if cancel {
            self.cancelled.store(true, Ordering::SeqCst);
            self.wake.notify_all();
        }
        Ok(())
    }

    /// Cancels the journey from any thread, also while [`Session::advance`] is running.
    ///
    /// # Errors
    /// [`AgenticError::InvalidState`] when the journey has already ended.
    pub fn cancel(&self) -> Result<(), AgenticError> {
        self.submit(Input::Cancel)
    }

    /// The journey's whole state as versioned JSON, without secrets. Taken while a request is in
    /// flight, it resumes at the unknown-outcome prompt for calls that are not idempotent.
    pub fn checkpoint(&self) -> String {
        lock(&self.journey).checkpoint()
    }

    /// Runs `f` on the journey (for views and tests), under its lock.
    pub fn with_journey<T>(&self, f: impl FnOnce(&AnyJourney) -> T) -> T {
        f(&lock(&self.journey))
    }
}

fn log_failure(error: &TransportError) {
    // TransportError messages never hold headers or bodies.
    warn!(error = %error, "no response");
}

// They reach the sandbox through the built-in transport.
#[cfg(all(test, feature = "bundled-transport"))]
mod tests;
