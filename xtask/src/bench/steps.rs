//! Core step cost: for every step of every journey that receives a response, what the pure core
//! costs from the response bytes to the next request's bytes, next to the bare `serde_json`
//! decode + encode of the same bytes (criterion, `crates/agentic-bench/benches/steps.rs`).
//!
//! The bench prints one `core-step-case` line per step before measuring (its criterion group
//! and labels) and one `core-step-paired` line per step after it (the same two functions timed
//! in interleaved batches); this module runs it, reads criterion's
//! `<target>/criterion/<group>/{sdk,serde_json}/new/estimates.json` (mean, ns) for exactly
//! those groups, and renders one table per journey. The budget is checked on the interleaved
//! ratio: criterion's two means come from windows seconds apart, and on a shared VM their ratio
//! swings by more than the budget's margin between runs of the same code.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::SystemTime;

use super::{Figure, Mode, Section, repo_root, target_dir};

/// The budget: the SDK's step may cost at most this many times the bare `serde_json` work.
const BUDGET: f64 = 2.0;

/// Interleaved rounds per step (`AGENTIC_BENCH_PAIRED_ROUNDS`): about 0.4 ms each.
fn paired_rounds(mode: Mode) -> usize {
    if mode.quick { 61 } else { 301 }
}

/// Criterion's arguments per mode. Quick: 19 steps × 2 functions × 0.6 s ≈ 25 s once built.
fn criterion_args(mode: Mode) -> &'static [&'static str] {
    if mode.quick {
        &[
            "--warm-up-time",
            "0.15",
            "--measurement-time",
            "0.45",
            "--sample-size",
            "20",
            "--nresamples",
            "2000",
        ]
    } else {
        &["--warm-up-time", "1", "--measurement-time", "2"]
    }
}

/// One step as the bench announced it.
struct Case {
    group: String,
    journey: String,
    step: String,
    sample: String,
    next: String,
}

/// The medians of one step's interleaved rounds.
struct Paired {
    sdk_ns: f64,
    serde_ns: f64,
    ratio: f64,
    rounds: usize,
}

struct Row {
    case: Case,
    /// Criterion's means.
    sdk_ns: f64,
    serde_ns: f64,
    paired: Paired,
}

impl Row {
    /// The budgeted figure: the interleaved ratio.
    fn ratio(&self) -> f64 {
        self.paired.ratio
    }
}

pub fn run(mode: Mode) -> Result<Section, String> {
    let mut args = vec!["bench", "-p", "agentic-bench", "--bench", "steps", "--"];
    args.extend_from_slice(criterion_args(mode));
    let command = format!(
        "AGENTIC_BENCH_PAIRED_ROUNDS={} cargo {}",
        paired_rounds(mode),
        args.join(" ")
    );
    let started = SystemTime::now();
    let (cases, mut paired) = run_bench(&args, paired_rounds(mode))?;
    if cases.is_empty() {
        return Err(format!("`{command}` announced no step"));
    }
    let criterion = target_dir().join("criterion");
    let mut rows = Vec::new();
    for case in cases {
        let dir = criterion.join(&case.group);
        let sdk_ns = mean_ns(&dir.join("sdk/new/estimates.json"), started)?;
        let serde_ns = mean_ns(&dir.join("serde_json/new/estimates.json"), started)?;
        let paired = paired.remove(&case.group).ok_or_else(|| {
            format!(
                "the bench printed no interleaved figures for {}",
                case.group
            )
        })?;
        rows.push(Row {
            case,
            sdk_ns,
            serde_ns,
            paired,
        });
    }
    let worst = rows
        .iter()
        .max_by(|a, b| a.ratio().total_cmp(&b.ratio()))
        .ok_or("no step measured")?;
    let worst_ratio = worst.ratio();
    let figure = Figure {
        name: "core step ratio (worst)".to_owned(),
        value: format!(
            "{worst_ratio:.2} ({} {})",
            worst.case.journey, worst.case.step
        ),
        budget: format!("≤ {BUDGET:.1}"),
        pass: worst_ratio <= BUDGET,
    };
    Ok(Section {
        title: "Core step cost".to_owned(),
        markdown: render(mode, &command, &rows, worst_ratio),
        figures: vec![figure],
    })
}

/// Runs the bench with its output passed through (stdout to our stderr, so the section's
/// Markdown stays alone on stdout) and returns the steps it announced and their interleaved
/// figures by group.
fn run_bench(args: &[&str], rounds: usize) -> Result<(Vec<Case>, HashMap<String, Paired>), String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let mut child = Command::new(&cargo)
        .args(args)
        .env("AGENTIC_BENCH_PAIRED_ROUNDS", rounds.to_string())
        .current_dir(repo_root())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("could not start cargo: {e}"))?;
    let mut cases = Vec::new();
    let mut paired = HashMap::new();
    if let Some(stdout) = child.stdout.take() {
        for line in BufReader::new(stdout).lines() {
            let line = line.map_err(|e| format!("could not read the bench's output: {e}"))?;
            if let Some(fields) = line.strip_prefix("core-step-paired\t") {
                let (group, figures) = parse_paired(fields)
                    .ok_or_else(|| format!("unreadable interleaved line from the bench: {line}"))?;
                paired.insert(group, figures);
                continue;
            }
            match line.strip_prefix("core-step-case\t") {
                Some(fields) => {
                    let fields: Vec<&str> = fields.split('\t').collect();
                    if let [group, journey, step, sample, next] = fields[..] {
                        cases.push(Case {
                            group: group.to_owned(),
                            journey: journey.to_owned(),
                            step: step.to_owned(),
                            sample: sample.to_owned(),
                            next: next.to_owned(),
                        });
                    } else {
                        return Err(format!("unreadable step line from the bench: {line}"));
                    }
                }
                None => eprintln!("{line}"),
            }
        }
    }
    let status = child
        .wait()
        .map_err(|e| format!("cargo did not finish: {e}"))?;
    if status.success() {
        Ok((cases, paired))
    } else {
        Err(format!("`cargo {}` failed ({status})", args.join(" ")))
    }
}

/// `group<TAB>sdk ns<TAB>bare ns<TAB>ratio<TAB>rounds`.
fn parse_paired(fields: &str) -> Option<(String, Paired)> {
    let fields: Vec<&str> = fields.split('\t').collect();
    let [group, sdk, serde, ratio, rounds] = fields[..] else {
        return None;
    };
    let figures = Paired {
        sdk_ns: sdk.parse().ok()?,
        serde_ns: serde.parse().ok()?,
        ratio: ratio.parse().ok()?,
        rounds: rounds.parse().ok()?,
    };
    let finite = [figures.sdk_ns, figures.serde_ns, figures.ratio]
        .iter()
        .all(|v| v.is_finite() && *v > 0.0);
    finite.then(|| (group.to_owned(), figures))
}

/// `mean.point_estimate` (ns) of a criterion `estimates.json` written by this run.
fn mean_ns(path: &Path, started: SystemTime) -> Result<f64, String> {
    let fresh = std::fs::metadata(path)
        .and_then(|m| m.modified())
        .map_err(|e| format!("{}: {e}", path.display()))?;
    if fresh < started {
        return Err(format!(
            "{} is older than this run: criterion did not measure it",
            path.display()
        ));
    }
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    // `{"mean":{"confidence_interval":{…},"point_estimate":1234.5,…},…}`: no JSON parser needed.
    let mean = text
        .find("\"mean\"")
        .map(|at| &text[at..])
        .ok_or_else(|| format!("{}: no mean", path.display()))?;
    let value = mean
        .find("\"point_estimate\":")
        .map(|at| &mean[at + "\"point_estimate\":".len()..])
        .ok_or_else(|| format!("{}: no mean.point_estimate", path.display()))?;
    let number: String = value
        .trim_start()
        .chars()
        .take_while(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '-' | '+'))
        .collect();
    number
        .parse()
        .map_err(|_| format!("{}: unreadable mean `{number}`", path.display()))
}

fn render(mode: Mode, command: &str, rows: &[Row], worst: f64) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "What the pure core (`agentic-core`) costs per step of each journey, next to the bare \
         `serde_json` work on the same bytes. Budget: SDK ÷ bare ≤ {BUDGET:.1} for every step; \
         worst measured: **{worst:.2}**.\n"
    );
    let _ = writeln!(
        out,
        "- **SDK** (criterion function `sdk`): a journey waiting for the step's response \
         (untimed setup: a clone of a journey walked there with the documented inputs and \
         samples) gets the documented response as a transport hands it to the driver (status \
         200, `Content-Type: application/json`, a request id header, the body bytes) through \
         `Journey::on_response`, then `Journey::next_action` — exactly what \
         `agentic_http::Client::run` calls once the transport has answered. That decodes the \
         body (status, content type, error envelopes, the typed model), transitions, and \
         encodes what comes next: the next request (method, path, body bytes), or the prompt / \
         outcome the driver hands to the host (the passkey prompt writes the `AUTHENTICATE` \
         page message). Authentication headers (agentic-http) are not part of the core and \
         not counted."
    );
    let _ = writeln!(
        out,
        "- **bare serde_json** (function `serde_json`, same criterion group): \
         `serde_json::from_slice::<serde_json::Value>` of the same response bytes (the value \
         dropped inside the timing, as the SDK drops its own) plus `serde_json::to_vec` of a \
         `Value` holding what comes next: the next request's JSON body; for the form-encoded \
         Juspay EC requests, **the same fields as a JSON object**; the page message of a \
         passkey prompt; for other prompts and outcomes, their fields as a JSON object."
    );
    let _ = writeln!(
        out,
        "- **Criterion** columns: mean time per step (`mean.point_estimate`, from \
         `<target>/criterion/<group>/{{sdk,serde_json}}/new/estimates.json`), {}. Criterion \
         times the two functions in windows seconds apart; on this VM the machine's speed \
         drifts between such windows (compare the two ratio columns), so their ratio is shown \
         but not budgeted.",
        if mode.quick {
            "quick mode: 0.15 s warm-up, 0.45 s measurement, 20 samples per function (noisier)"
        } else {
            "1 s warm-up, 2 s measurement, 100 samples per function"
        }
    );
    let rounds = rows.first().map_or(0, |r| r.paired.rounds);
    let _ = writeln!(
        out,
        "- **Interleaved** columns, and the budgeted ratio: right after its criterion group, the \
         same two functions run in {rounds} rounds of one batch of SDK steps (about 0.2 ms) and \
         one batch of bare work of the same size, back to back (the order alternating per round; \
         the journeys' clones and the outputs' drops untimed, as in criterion); the medians over \
         the rounds of each batch's time per step and of the per-round ratio.\n"
    );
    let _ = writeln!(out, "Command (run by `cargo xtask bench`):\n");
    let _ = writeln!(out, "```sh\n{command}\n```\n");
    let mut journeys: Vec<&str> = Vec::new();
    for row in rows {
        if !journeys.contains(&row.case.journey.as_str()) {
            journeys.push(&row.case.journey);
        }
    }
    for journey in journeys {
        let _ = writeln!(out, "### {journey}\n");
        let _ = writeln!(
            out,
            "| Step | Response (sample) | Next | SDK (ns), criterion | bare (ns), criterion | \
             Ratio, criterion | SDK (ns), interleaved | bare (ns), interleaved | **Ratio** |"
        );
        let _ = writeln!(out, "|---|---|---|---:|---:|---:|---:|---:|---:|");
        for row in rows.iter().filter(|r| r.case.journey == journey) {
            let ratio = row.ratio();
            let shown = if ratio > BUDGET {
                format!("**{ratio:.2}**")
            } else {
                format!("{ratio:.2}")
            };
            let _ = writeln!(
                out,
                "| {} | {} | {} | {:.0} | {:.0} | {:.2} | {:.0} | {:.0} | {shown} |",
                row.case.step,
                row.case.sample,
                row.case.next,
                row.sdk_ns,
                row.serde_ns,
                row.sdk_ns / row.serde_ns,
                row.paired.sdk_ns,
                row.paired.serde_ns
            );
        }
        let _ = writeln!(out);
    }
    out
}
