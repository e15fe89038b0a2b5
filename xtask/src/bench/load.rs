//! Section "sandbox under load": runs `agentic-bench`'s `load` binary (release) and renders the
//! JSON it prints.

use std::fmt::Write as _;
use std::process::Command;

use super::journeys::json;
use super::{Figure, Mode, Section, cargo, target_dir};

const CONCURRENCY: usize = 64;

pub fn run(mode: Mode) -> Result<Section, String> {
    cargo(&["build", "--release", "-p", "agentic-bench", "--bin", "load"])?;
    let bin = target_dir().join("release").join("load");
    let secs = if mode.quick { 5 } else { 30 };
    let (secs_s, conc_s) = (secs.to_string(), CONCURRENCY.to_string());
    let out = Command::new(&bin)
        .args(["--secs", &secs_s, "--concurrency", &conc_s])
        .stderr(std::process::Stdio::inherit())
        .output()
        .map_err(|e| format!("could not start {}: {e}", bin.display()))?;
    if !out.status.success() {
        return Err(format!("`load` failed ({})", out.status));
    }
    let report = json::parse(String::from_utf8_lossy(&out.stdout).trim())?;
    let num = |key: &str| {
        report
            .get(key)
            .and_then(json::Value::as_f64)
            .unwrap_or(-1.0)
    };
    let errors = num("errors") + num("transport_errors");
    let mut md = String::new();
    let _ = writeln!(
        md,
        "{CONCURRENCY} threads share one SDK client (one ureq agent, as an app shares one \
         client) against one in-process sandbox, each running the demo's journeys in turn \
         (enrollment; purchase with the token its own enrollment provisioned; Direct OTP new \
         card; Direct OTP saved card; Visa Acceptance step-up with a fresh token) for {secs} s; \
         a journey under way at the deadline is finished and counted. The host (cardholder, \
         Visa page) answers in-process.\n"
    );
    let _ = writeln!(
        md,
        "- **Step**: one journey HTTP call as the client sees it, from the SDK handing the \
         authenticated request to its transport until the whole response body is read (a \
         timing decorator around the SDK's `UreqTransport`). Queueing for a sandbox worker is \
         part of it.\n- **Errors**: journeys that did not reach their expected end (`Enrolled`, \
         `Authorised`, `Paid`, `PasskeyVerified`) — a `Failed` stop, a driver or host error — \
         plus sends that got no response (transport errors).\n"
    );
    let _ = writeln!(
        md,
        "Command: `cargo build --release -p agentic-bench --bin load && $TARGET/release/load --secs {secs} --concurrency {CONCURRENCY}`\n"
    );
    let _ = writeln!(
        md,
        "| Journeys | journeys/s | steps | step p50 (µs) | step p99 (µs) | step max (µs) | journey errors | transport errors | sandbox requests | connections |"
    );
    let _ = writeln!(md, "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    let _ = writeln!(
        md,
        "| {:.0} | {:.1} | {:.0} | {:.0} | {:.0} | {:.0} | {:.0} | {:.0} | {:.0} | {:.0} |",
        num("journeys"),
        num("journeys_per_s"),
        num("steps"),
        num("step_p50_us"),
        num("step_p99_us"),
        num("step_max_us"),
        num("errors"),
        num("transport_errors"),
        num("requests"),
        num("connections"),
    );
    if let Some(json::Value::Object(kinds)) = report.get("per_kind") {
        let _ = writeln!(md, "\n| Journey | ended | errors |\n|---|---:|---:|");
        for (kind, counts) in kinds {
            let n = |k: &str| counts.get(k).and_then(json::Value::as_f64).unwrap_or(-1.0);
            let _ = writeln!(md, "| {kind} | {:.0} | {:.0} |", n("journeys"), n("errors"));
        }
    }
    if let Some(samples) = report.get("error_samples").and_then(json::Value::as_array) {
        if !samples.is_empty() {
            let _ = writeln!(md, "\nFirst errors:\n");
            for sample in samples.iter().filter_map(json::Value::as_str) {
                let _ = writeln!(md, "- `{sample}`");
            }
        }
    }
    Ok(Section {
        title: "Sandbox under load".to_owned(),
        markdown: md,
        figures: vec![Figure {
            name: "errors under load".to_owned(),
            value: format!(
                "{errors:.0} ({:.0} journeys/s, step p99 {:.1} ms)",
                num("journeys_per_s"),
                num("step_p99_us") / 1000.0
            ),
            budget: "= 0".to_owned(),
            pass: errors == 0.0 && num("journeys") > 0.0,
        }],
    })
}
