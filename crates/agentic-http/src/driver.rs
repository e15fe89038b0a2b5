//! The driver: runs a journey from `agentic-core` until it needs the user or ends.
//!
//! It performs each [`Action::Send`] (authenticating the request, then sending it through the
//! client's [`Transport`]), honours [`Action::Wait`] by sleeping, and feeds every response or
//! failure back to the journey. It never decides about resends itself: the journey's
//! exactly-once rules do, so a request the journey marks unsafe is never sent again without
//! the host's explicit input.
//!
//! Every journey run is a `journey` span and every send a `request` span (operation, endpoint
//! path, request id, HTTP status, duration). Only those fields are logged — never a header, a
//! body or an input — so no secret can reach a log at any level.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use agentic_core::journey::{
    Action, Journey, JourneyError, JourneyFailure, Outcome, Prompt, Script, UnixMillis,
};
use tracing::{Level, debug, info_span, warn};

use crate::auth;
use crate::config::{ClientConfig, ConfigError};
use crate::transport::{Transport, TransportError};
#[cfg(feature = "ureq")]
use crate::ureq_transport::{UreqTransport, UreqTransportConfig};

/// Time for the driver: the wall clock in production, a manual one in tests.
pub trait Clock: Send + Sync {
    /// Unix milliseconds now.
    fn now(&self) -> UnixMillis;
    /// Blocks until `until` (Unix milliseconds).
    fn sleep_until(&self, until: UnixMillis);
}

/// The system clock and `std::thread::sleep`.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> UnixMillis {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
    }

    fn sleep_until(&self, until: UnixMillis) {
        let now = self.now();
        if until > now {
            std::thread::sleep(Duration::from_millis(until - now));
        }
    }
}

/// Where a run stopped.
#[derive(Debug, Clone, PartialEq)]
pub enum Stop {
    /// The journey needs the host: answer with `journey.submit(…)`, then run again.
    Prompt(Prompt),
    /// The journey succeeded.
    Done(Outcome),
    /// The journey ended without success.
    Failed(JourneyFailure),
}

/// Why the driver could not go on. The journey is unchanged by the failed step.
#[derive(Debug, thiserror::Error)]
pub enum DriverError {
    /// The configuration cannot serve this request (provider missing, routing id missing …).
    /// Nothing was sent. React: fix the configuration, then run again.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The journey refused an event (a bug in a foreign transport or clock). React: report it.
    #[error(transparent)]
    Journey(#[from] JourneyError),
    /// The run passed its deadline; the journey is left where it was and can be run again.
    #[error("the journey did not reach a prompt or an end within {0:?}")]
    Deadline(Duration),
}

/// Why a client on the built-in transport could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ClientBuildError {
    /// The configuration is invalid. React: fix the named field.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The custom root CA is unusable. React: check the PEM.
    #[cfg(feature = "ureq")]
    #[error(transparent)]
    Transport(#[from] crate::ureq_transport::UreqTransportBuildError),
}

/// A configured client: validated configuration plus one transport (one connection pool), to
/// be shared by every journey of the app.
#[derive(Clone)]
pub struct Client {
    config: Arc<ClientConfig>,
    /// What every request of the configuration shares (base URLs, Basic credential).
    prepared: Arc<auth::Prepared>,
    transport: Arc<dyn Transport>,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client on any transport (a foreign HTTP stack, a test double).
    ///
    /// # Errors
    /// [`ConfigError`] when the configuration is invalid; nothing is sent.
    pub fn new(config: ClientConfig, transport: Arc<dyn Transport>) -> Result<Self, ConfigError> {
        config.validate()?;
        Ok(Self {
            prepared: Arc::new(auth::Prepared::new(&config)?),
            config: Arc::new(config),
            transport,
            clock: Arc::new(SystemClock),
        })
    }

    #[cfg(feature = "ureq")]
    /// A client on the built-in ureq transport. `root_ca_pem` replaces the system's roots
    /// (tests).
    ///
    /// # Errors
    /// [`ClientBuildError`] for an invalid configuration or an unusable CA.
    pub fn with_ureq(
        config: ClientConfig,
        root_ca_pem: Option<Vec<u8>>,
    ) -> Result<Self, ClientBuildError> {
        let transport = UreqTransport::new(UreqTransportConfig {
            root_ca_pem,
            timeouts: config.timeouts,
        })?;
        Ok(Self::new(config, Arc::new(transport))?)
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

    /// Runs `journey` until it needs the host or ends. Blocks for the duration of the HTTP
    /// calls and back-off waits.
    ///
    /// # Errors
    /// [`DriverError`]; the journey stays consistent and can be run again.
    pub fn run<S: Script>(&self, journey: &mut Journey<S>) -> Result<Stop, DriverError> {
        self.run_until(journey, None)
    }

    /// As [`Client::run`], stopping with [`DriverError::Deadline`] once `deadline` has passed
    /// (checked between steps; a request in flight is bounded by its own timeouts).
    ///
    /// # Errors
    /// As [`Client::run`].
    pub fn run_until<S: Script>(
        &self,
        journey: &mut Journey<S>,
        deadline: Option<Duration>,
    ) -> Result<Stop, DriverError> {
        let span = info_span!("journey", journey = S::NAME);
        let _entered = span.enter();
        let started = deadline.map(|limit| (Instant::now(), limit));
        loop {
            if let Some((started, limit)) = started {
                if started.elapsed() > limit {
                    return Err(DriverError::Deadline(limit));
                }
            }
            match journey.next_action() {
                Action::Send { id, request } => self.send(journey, id, request)?,
                Action::Wait { until } => {
                    debug!(until, "waiting before a retry");
                    self.clock.sleep_until(until);
                    journey.on_timeout(self.clock.now())?;
                }
                Action::Prompt(prompt) => return Ok(Stop::Prompt(prompt)),
                Action::Done(outcome) => return Ok(Stop::Done(outcome)),
                Action::Failed(failure) => return Ok(Stop::Failed(failure)),
            }
        }
    }

    fn send<S: Script>(
        &self,
        journey: &mut Journey<S>,
        id: agentic_core::journey::RequestId,
        request: agentic_core::HttpRequest,
    ) -> Result<(), DriverError> {
        let span = info_span!(
            "request",
            operation = request.operation,
            method = request.method.as_str(),
            path = %path_only(&request.path),
            id = id.0,
            status = tracing::field::Empty,
            request_id = tracing::field::Empty,
            duration_ms = tracing::field::Empty,
        );
        let _entered = span.enter();
        // The configuration was validated by `Client::new` and cannot change since.
        let wire =
            auth::prepare_validated(&self.config, &self.prepared, request, SystemTime::now())?;
        // No subscriber wants the span: no clock reads for its duration.
        let started = (!span.is_disabled()).then(Instant::now);
        let result = self.transport.send(&wire, &self.config.timeouts);
        if let Some(started) = started {
            span.record(
                "duration_ms",
                u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            );
        }
        // The request (its body zeroized) is not needed for decoding the answer.
        drop(wire);
        let now = self.clock.now();
        match result {
            Ok(response) => {
                span.record("status", response.status);
                if let Some(rid) = &response.request_id {
                    span.record("request_id", rid.as_str());
                }
                tracing::event!(Level::INFO, "response");
                journey.on_response(id, &response, now)?;
            }
            Err(error) => {
                log_failure(&error);
                journey.on_transport_failure(id, error.failure(), now)?;
            }
        }
        Ok(())
    }
}

/// The path without its query: queries can hold ids a merchant considers private.
fn path_only(path: &str) -> &str {
    path.split('?').next().unwrap_or(path)
}

fn log_failure(error: &TransportError) {
    // TransportError messages never hold headers or bodies.
    warn!(error = %error, "no response");
}
