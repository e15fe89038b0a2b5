//! Journey overhead and round trips (`cargo xtask bench`, sections "journey overhead" and
//! "round trips"). Every mode prints one JSON object on standard output.
//!
//! - `journeys callgrind --side sdk|baseline --warm W --n N`: meant to run under
//!   `valgrind --tool=callgrind --separate-threads=yes --collect-atstart=no
//!   --toggle-collect='*measured_*' --dump-before='*callgrind_phase_marker*'`. Starts a sandbox
//!   (its own threads), then on the main thread, for each journey in turn: `W` warm-up journeys,
//!   a phase marker, `N` measured journeys, a phase marker. Each marker makes callgrind dump
//!   (and reset) its counters, so dump `2k + 2` (1-based) of thread 1 holds exactly the `N`
//!   measured journeys of the k-th kind (0-based), start-up and first-use costs excluded.
//! - `journeys wall --rounds R`: SDK and baseline interleaved (alternating which goes first),
//!   `R` rounds of every journey each, on one client each; the measured time of a journey is
//!   its wall time minus the time the host (page, cardholder) took to answer. Medians.
//! - `journeys round-trips`: each journey once per side on a fresh client (its own pool), the
//!   sandbox's `requests` / `connections_accepted` deltas and the calls made; plus a check that
//!   an admin call is not in `requests`.
//! - `journeys dump`: every request and response of every SDK journey (development aid).

use std::hint::black_box;
use std::sync::Arc;
use std::time::Instant;

use agentic_bench::baseline::{self, Baseline};
use agentic_bench::capture::Capture;
use agentic_bench::measure::{self, Side};
use agentic_bench::scenario::{self, Env, Host, Kind};
use agentic_http::Client;
use agentic_http::ureq_transport::{UreqTransport, UreqTransportConfig};
use serde_json::{Value, json};

/// Where callgrind dumps (see the module docs). Never inlined, never named `measured_`.
#[inline(never)]
fn callgrind_phase_marker(phase: usize) {
    black_box(phase);
}

fn one(env: &Env, side: &Runner, host: &mut Host<'_>, kind: Kind) -> Result<(), String> {
    match side {
        Runner::Sdk(client) => {
            let outcome = scenario::measured_sdk_journey(env, client, host, kind)?;
            if scenario::expected_end(kind, &outcome) {
                Ok(())
            } else {
                Err(format!("{} ended with {outcome:?}", kind.name()))
            }
        }
        Runner::Baseline(client) => {
            baseline::measured_baseline_journey(env, client, host, kind).map(drop)
        }
    }
}

enum Runner {
    Sdk(Client),
    Baseline(Box<Baseline>),
}

impl Runner {
    fn new(env: &Env, side: Side) -> Result<Runner, String> {
        Ok(match side {
            Side::Sdk => Runner::Sdk(scenario::sdk_client(env)?),
            Side::Baseline => Runner::Baseline(Box::new(Baseline::new(env)?)),
        })
    }
}

fn callgrind(side: Side, warm: usize, n: usize) -> Result<Value, String> {
    let env = Env::start()?;
    let runner = Runner::new(&env, side)?;
    let mut host = Host::new(&env)?;
    let mut phase = 0;
    for kind in Kind::ALL {
        for _ in 0..warm {
            one(&env, &runner, &mut host, kind)?;
        }
        phase += 1;
        callgrind_phase_marker(phase);
        for _ in 0..n {
            one(&env, &runner, &mut host, kind)?;
        }
        phase += 1;
        callgrind_phase_marker(phase);
    }
    Ok(json!({
        "side": side.name(),
        "warm": warm,
        "n": n,
        "kinds": Kind::ALL.iter().map(|k| k.name()).collect::<Vec<_>>(),
    }))
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => 0.0,
        len if len % 2 == 1 => values[len / 2],
        len => (values[len / 2 - 1] + values[len / 2]) / 2.0,
    }
}

fn wall(rounds: usize) -> Result<Value, String> {
    const WARM_ROUNDS: usize = 3;
    let env = Env::start()?;
    let runners = [
        Runner::new(&env, Side::Sdk)?,
        Runner::new(&env, Side::Baseline)?,
    ];
    let mut host = Host::new(&env)?;
    // [kind][side] → microseconds per journey.
    let mut samples = vec![[Vec::new(), Vec::new()]; Kind::ALL.len()];
    for round in 0..rounds + WARM_ROUNDS {
        for (k, kind) in Kind::ALL.into_iter().enumerate() {
            let first = (round + k) % 2;
            for side in [first, 1 - first] {
                let answering = host.answering;
                let started = Instant::now();
                one(&env, &runners[side], &mut host, kind)?;
                let elapsed = started.elapsed().saturating_sub(host.answering - answering);
                if round >= WARM_ROUNDS {
                    samples[k][side].push(elapsed.as_secs_f64() * 1e6);
                }
            }
        }
    }
    let kinds: Vec<Value> = Kind::ALL
        .into_iter()
        .zip(samples.iter_mut())
        .map(|(kind, [sdk, base])| {
            let (sdk, base) = (median(sdk), median(base));
            json!({"kind": kind.name(), "sdk_us": sdk, "baseline_us": base, "ratio": sdk / base})
        })
        .collect();
    Ok(json!({"rounds": rounds, "kinds": kinds}))
}

fn round_trips() -> Result<Value, String> {
    let env = Env::start()?;
    // Does an admin call count as a request? (It is a connection: a fresh agent.)
    let before = env.sandbox.counters();
    let agent = ureq::Agent::new_with_defaults();
    agent
        .get(format!("{}/__sandbox/counters", env.base_url))
        .call()
        .map_err(|e| format!("admin call: {e}"))?;
    let after = env.sandbox.counters();
    let admin = json!({
        "requests": after.requests - before.requests,
        "connections": after.connections_accepted - before.connections_accepted,
    });
    let mut journeys = Vec::new();
    for kind in Kind::ALL {
        let sdk = measure::trip(&env, Side::Sdk, kind)?;
        let base = measure::trip(&env, Side::Baseline, kind)?;
        journeys.push(json!({
            "kind": kind.name(),
            "sdk": {"requests": sdk.requests, "connections": sdk.connections, "calls": sdk.calls},
            "baseline": {"requests": base.requests, "connections": base.connections, "calls": base.calls},
        }));
    }
    Ok(json!({"admin_call": admin, "journeys": journeys}))
}

fn dump() -> Result<Value, String> {
    let env = Env::start()?;
    let config = scenario::client_config(&env)?;
    let transport = UreqTransport::new(UreqTransportConfig {
        root_ca_pem: None,
        timeouts: config.timeouts,
    })
    .map_err(|e| e.to_string())?;
    let capture = Capture::new(Arc::new(transport));
    let client = Client::new(config, Arc::new(capture.clone())).map_err(|e| e.to_string())?;
    let mut host = Host::new(&env)?;
    let mut out = Vec::new();
    for kind in Kind::ALL {
        let outcome = scenario::measured_sdk_journey(&env, &client, &mut host, kind)?;
        let exchanges: Vec<Value> = capture
            .take()
            .into_iter()
            .map(|x| {
                json!({
                    "request": format!("{} {}", x.method, x.url),
                    "headers": x.headers,
                    "body": x.body,
                    "status": x.status.map_err(|e| e.to_string()).map_or_else(Value::from, Value::from),
                    "response": x.response,
                })
            })
            .collect();
        out.push(
            json!({"kind": kind.name(), "outcome": format!("{outcome:?}"), "exchanges": exchanges}),
        );
    }
    Ok(Value::Array(out))
}

fn flag<T: std::str::FromStr>(args: &[String], name: &str, default: T) -> Result<T, String> {
    match args.iter().position(|a| a == name) {
        None => Ok(default),
        Some(i) => args
            .get(i + 1)
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| format!("{name} needs a value")),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = (|| {
        match args.first().map(String::as_str) {
        Some("callgrind") => {
            let side = match flag(&args, "--side", String::new())?.as_str() {
                "sdk" => Side::Sdk,
                "baseline" => Side::Baseline,
                _ => return Err("--side sdk|baseline".to_owned()),
            };
            callgrind(side, flag(&args, "--warm", 2)?, flag(&args, "--n", 10)?)
        }
        Some("wall") => wall(flag(&args, "--rounds", 100)?),
        Some("round-trips") => round_trips(),
        Some("dump") => dump(),
        _ => Err(
            "usage: journeys callgrind --side sdk|baseline [--warm W] [--n N] | wall [--rounds R] | round-trips | dump"
                .to_owned(),
        ),
    }
    })();
    match result {
        Ok(value) => println!("{value}"),
        Err(error) => {
            eprintln!("journeys: {error}");
            std::process::exit(1);
        }
    }
}
