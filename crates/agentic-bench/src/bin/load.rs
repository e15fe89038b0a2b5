//! Sandbox under load (`cargo xtask bench`, section "sandbox under load").
//!
//! `load [--secs S] [--concurrency C]`: one in-process sandbox, one SDK client shared by `C`
//! threads (as an app shares one client), each thread running the demo's journeys in turn
//! (enrollment, purchase with the token its own enrollment provisioned, Direct OTP new card,
//! Direct OTP saved card, Visa Acceptance step-up) until `S` seconds have passed; a journey
//! started before the deadline is finished. Prints one JSON object:
//!
//! - `journeys`, `journeys_per_s`: journeys ended (whatever the end) and their rate;
//! - `steps`, `step_p50_us`, `step_p99_us`, `step_max_us`: a *step* is one journey HTTP call as
//!   the client sees it: from the SDK handing the authenticated request to its transport to the
//!   whole response body being read (a timing decorator around the SDK's `UreqTransport`);
//! - `errors`: journeys that did not reach their expected end (a `Failed` stop, a driver or
//!   host error), plus `transport_errors` (sends that got no response), with the first few
//!   reasons in `error_samples`;
//! - `per_kind`: journeys and errors per journey;
//! - `requests`, `connections`: the sandbox's counters over the run.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Barrier, Mutex, PoisonError};
use std::time::{Duration, Instant};

use agentic_bench::scenario::{self, Env, Host, Kind};
use agentic_core::HttpResponse;
use agentic_core::journey::Outcome;
use agentic_http::ureq_transport::{UreqTransport, UreqTransportConfig};
use agentic_http::{Client, Timeouts, Transport, TransportError, WireRequest};

/// Times every send; counts the sends that got no response.
struct Timed {
    inner: UreqTransport,
    samples: Mutex<Vec<u32>>,
    failures: AtomicU64,
    failure_reasons: Mutex<Vec<String>>,
}

impl Transport for Timed {
    fn send(
        &self,
        request: &WireRequest,
        timeouts: &Timeouts,
    ) -> Result<HttpResponse, TransportError> {
        let started = Instant::now();
        let result = self.inner.send(request, timeouts);
        let micros = u32::try_from(started.elapsed().as_micros()).unwrap_or(u32::MAX);
        self.samples
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(micros);
        if let Err(error) = &result {
            self.failures.fetch_add(1, Ordering::Relaxed);
            let mut reasons = self
                .failure_reasons
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            if reasons.len() < 5 {
                reasons.push(format!("{}: {error}", request.operation));
            }
        }
        result
    }
}

#[derive(Default)]
struct Tally {
    journeys: BTreeMap<&'static str, (u64, u64)>,
    samples: Vec<String>,
}

fn percentile(sorted: &[u32], p: f64) -> u32 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn run(secs: f64, concurrency: usize) -> Result<serde_json::Value, String> {
    let env = Env::start()?;
    let config = scenario::client_config(&env)?;
    let inner = UreqTransport::new(UreqTransportConfig {
        root_ca_pem: None,
        timeouts: config.timeouts,
    })
    .map_err(|e| e.to_string())?;
    let timed = Arc::new(Timed {
        inner,
        samples: Mutex::new(Vec::with_capacity(1 << 16)),
        failures: AtomicU64::new(0),
        failure_reasons: Mutex::new(Vec::new()),
    });
    let client =
        Client::new(config, timed.clone() as Arc<dyn Transport>).map_err(|e| e.to_string())?;
    let tally = Mutex::new(Tally::default());
    let before = env.sandbox.counters();
    let barrier = Barrier::new(concurrency + 1);
    let stop = AtomicBool::new(false);
    let duration = Duration::from_secs_f64(secs);
    let elapsed = std::thread::scope(|scope| -> Result<Instant, String> {
        for index in 0..concurrency {
            let (env, client, tally, barrier, stop) = (&env, &client, &tally, &barrier, &stop);
            std::thread::Builder::new()
                .name(format!("load-{index}"))
                .spawn_scoped(scope, move || {
                    worker(env, client, tally, barrier, stop);
                })
                .map_err(|e| format!("thread: {e}"))?;
        }
        barrier.wait();
        let started = Instant::now();
        std::thread::sleep(duration);
        stop.store(true, Ordering::SeqCst);
        // The scope joins every worker (each finishes its journey in flight).
        Ok(started)
    })
    .map(|started| started.elapsed())?;
    let after = env.sandbox.counters();
    let tally = tally.into_inner().unwrap_or_else(PoisonError::into_inner);
    let mut steps =
        std::mem::take(&mut *timed.samples.lock().unwrap_or_else(PoisonError::into_inner));
    steps.sort_unstable();
    let journeys: u64 = tally.journeys.values().map(|(n, _)| n).sum();
    let errors: u64 = tally.journeys.values().map(|(_, e)| e).sum();
    let transport_errors = timed.failures.load(Ordering::Relaxed);
    let mut samples = tally.samples;
    samples.extend(
        timed
            .failure_reasons
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .cloned(),
    );
    let per_kind: serde_json::Map<String, serde_json::Value> = tally
        .journeys
        .iter()
        .map(|(name, (n, e))| {
            (
                (*name).to_owned(),
                serde_json::json!({"journeys": n, "errors": e}),
            )
        })
        .collect();
    env.sandbox.shutdown();
    Ok(serde_json::json!({
        "concurrency": concurrency,
        "secs": elapsed.as_secs_f64(),
        "journeys": journeys,
        "journeys_per_s": journeys as f64 / elapsed.as_secs_f64(),
        "steps": steps.len(),
        "step_p50_us": percentile(&steps, 50.0),
        "step_p99_us": percentile(&steps, 99.0),
        "step_max_us": steps.last().copied().unwrap_or(0),
        "errors": errors,
        "transport_errors": transport_errors,
        "error_samples": samples,
        "per_kind": per_kind,
        "requests": after.requests - before.requests,
        "connections": after.connections_accepted - before.connections_accepted,
    }))
}

fn worker(env: &Env, client: &Client, tally: &Mutex<Tally>, barrier: &Barrier, stop: &AtomicBool) {
    let host = Host::new(env);
    barrier.wait();
    let mut host = match host {
        Ok(host) => host,
        Err(reason) => {
            record(tally, "setup", Err(reason));
            return;
        }
    };
    // Enrollment first: the purchase pays with the token this thread's enrollment provisioned.
    let mut token: Option<String> = None;
    for kind in Kind::ALL.iter().copied().cycle() {
        if stop.load(Ordering::SeqCst) {
            return;
        }
        let result = match (kind, &token) {
            (Kind::Purchase, Some(token)) => {
                scenario::measured_sdk_purchase(env, client, &mut host, token)
            }
            (Kind::Purchase, None) => Err("no enrolled token to pay with".to_owned()),
            _ => scenario::measured_sdk_journey(env, client, &mut host, kind),
        };
        let result = result.and_then(|outcome| {
            if let Outcome::Enrolled {
                v_provisioned_token_id,
                ..
            } = &outcome
            {
                token = Some(v_provisioned_token_id.clone());
            }
            if scenario::expected_end(kind, &outcome) {
                Ok(())
            } else {
                Err(format!("{} ended with {outcome:?}", kind.name()))
            }
        });
        record(tally, kind.name(), result);
    }
}

fn record(tally: &Mutex<Tally>, name: &'static str, result: Result<(), String>) {
    let mut tally = tally.lock().unwrap_or_else(PoisonError::into_inner);
    let entry = tally.journeys.entry(name).or_default();
    entry.0 += 1;
    if let Err(reason) = result {
        entry.1 += 1;
        if tally.samples.len() < 5 {
            tally.samples.push(format!("{name}: {reason}"));
        }
    }
}

fn main() {
    let mut secs = 30.0;
    let mut concurrency = 64;
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        let value = rest.next().map(String::as_str);
        match (arg.as_str(), value.and_then(|v| v.parse::<f64>().ok())) {
            ("--secs", Some(v)) => secs = v,
            ("--concurrency", Some(v)) if v >= 1.0 => concurrency = v as usize,
            _ => {
                eprintln!("usage: load [--secs S] [--concurrency C]");
                std::process::exit(2);
            }
        }
    }
    match run(secs, concurrency) {
        Ok(report) => println!("{report}"),
        Err(error) => {
            eprintln!("load: {error}");
            std::process::exit(1);
        }
    }
}
