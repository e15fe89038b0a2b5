//! What `journeys` measures, shared with the tests: one journey through the SDK or the
//! baseline, with its calls (`METHOD /path`) and the sandbox's counters around it.

use std::cell::RefCell;
use std::sync::Arc;

use agentic_http::Client;
use agentic_http::ureq_transport::{UreqTransport, UreqTransportConfig};

use crate::baseline::{self, Baseline};
use crate::capture::Capture;
use crate::scenario::{self, Env, Host, Kind};

/// Which client runs the journey.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The SDK (`Client::run` on the built-in ureq transport).
    Sdk,
    /// The hand-written baseline.
    Baseline,
}

impl Side {
    /// `sdk` / `baseline`.
    pub fn name(self) -> &'static str {
        match self {
            Side::Sdk => "sdk",
            Side::Baseline => "baseline",
        }
    }
}

/// One journey on a fresh client (its own connection pool), as the sandbox counted it.
#[derive(Debug, Clone)]
pub struct Trip {
    /// `METHOD /path` of every call, in order.
    pub calls: Vec<String>,
    /// HTTP requests the sandbox received (its `requests` counter; admin routes excluded).
    pub requests: u64,
    /// TCP connections the sandbox accepted.
    pub connections: u64,
}

/// Runs one `kind` journey on `side` with a fresh client; the calls and the counters' deltas.
///
/// # Errors
/// Why the journey did not succeed.
pub fn trip(env: &Env, side: Side, kind: Kind) -> Result<Trip, String> {
    let mut host = Host::new(env)?;
    let before = env.sandbox.counters();
    let calls = match side {
        Side::Sdk => {
            let config = scenario::client_config(env)?;
            let transport = UreqTransport::new(UreqTransportConfig {
                root_ca_pem: None,
                timeouts: config.timeouts,
            })
            .map_err(|e| e.to_string())?;
            let capture = Capture::new(Arc::new(transport));
            let client =
                Client::new(config, Arc::new(capture.clone())).map_err(|e| e.to_string())?;
            let outcome = scenario::measured_sdk_journey(env, &client, &mut host, kind)?;
            if !scenario::expected_end(kind, &outcome) {
                return Err(format!("{} ended with {outcome:?}", kind.name()));
            }
            capture.take().iter().map(|x| x.method_path()).collect()
        }
        Side::Baseline => {
            let mut client = Baseline::new(env)?;
            client.trace = Some(RefCell::new(Vec::new()));
            baseline::measured_baseline_journey(env, &client, &mut host, kind)?;
            client.trace.map(RefCell::into_inner).unwrap_or_default()
        }
    };
    let after = env.sandbox.counters();
    Ok(Trip {
        calls,
        requests: after.requests - before.requests,
        connections: after.connections_accepted - before.connections_accepted,
    })
}
