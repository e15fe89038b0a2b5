//! FFI cost per step from Kotlin (JVM) and Python, next to a bare no-argument uniffi call in the
//! same run (issue 7, item 5). Budget: the cost per step ≤ 3× the bare call, per language,
//! measured with the SDK's **built-in transport** (how JVM and Python hosts use it).
//!
//! 1. Builds the release library (`cargo build --release -p agentic-ffi --features
//!    bench-probe`, unstripped: the bindings are generated from it; the feature adds
//!    `bench_nanos_in_rust()`, the time spent inside the exported calls), the bindgen binary (its own invocation, DESIGN.md §10),
//!    `ffi_reference` (crates/agentic-bench/src/bin/ffi_reference.rs) and the standalone
//!    sandbox (`cargo build --release -p agentic-cli`).
//! 2. Generates the Python and Kotlin bindings from that library into
//!    `<target>/ffi-bench/` (never into `bindings/`).
//! 3. Starts one standalone sandbox ([`crate::sandbox::Sandbox`]) for the section.
//! 4. Built-in transport (the budgeted figures): each host benchmark
//!    (`bindings/python/bench/ffi_bench.py`, `bindings/kotlin/bench`) drives Direct OTP, Visa
//!    passkey, enrollment and purchase against that sandbox with a client without a host
//!    transport, and alternates in short batches with `ffi_reference live` (its child, the
//!    identical drive in Rust against the same sandbox); it prints per-journey medians and the
//!    per-round spread. The budgeted cost is the host's time outside the SDK's exported calls.
//! 5. App-supplied transport (informational): `ffi_reference record` records the journeys
//!    against the in-process sandbox; Rust (`ffi_reference replay`), Python and Kotlin time the
//!    identical replay through an `HttpTransport` written in their language.
//!
//! Kotlin runs with `java` through `mvn exec:exec` (compiled only when its sources changed).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use super::{Figure, Mode, Section, cargo, repo_root, target_dir};

/// The budget: FFI cost per step / bare call.
const BUDGET: f64 = 3.0;

const PYTHON_BENCH: &str = "bindings/python/bench/ffi_bench.py";
const KOTLIN_BENCH_POM: &str = "bindings/kotlin/bench/pom.xml";
const KOTLIN_BENCH_SOURCE: &str = "bindings/kotlin/bench/src/main/kotlin/bench/FfiBench.kt";
/// The binding's hand-written classes (`PageMessage` …), compiled with the benchmark: its pom
/// lists this folder.
const KOTLIN_HAND_WRITTEN: &str = "bindings/kotlin/src/main/kotlin/agentic";

/// One journey as a benchmark program reports it.
#[derive(Debug, Clone)]
struct JourneyTime {
    steps: u32,
    responses: u32,
    ns: f64,
}

/// One journey of the built-in transport drive (medians over the rounds, ns per journey).
#[derive(Debug, Clone, Copy)]
struct LiveJourney {
    steps: u32,
    /// The host's time.
    host: f64,
    /// The Rust reference's time (its own process, the same drive).
    rust: f64,
    /// Host − Rust reference, the same round.
    paired: f64,
    /// The part of the host's time spent inside the SDK's exported calls (`bench_nanos_in_rust`).
    inside: f64,
    /// Host − inside: lowering, crossings, lifting, handles: what the FFI costs.
    outside: f64,
}

/// What one benchmark program printed.
#[derive(Debug, Clone, Default)]
struct Report {
    journeys: BTreeMap<String, JourneyTime>,
    /// Built-in transport, per journey (medians over the rounds, ns per journey).
    live: BTreeMap<String, LiveJourney>,
    /// Built-in transport: the paired difference per step over the rounds (p25, median, p75),
    /// rounds, batch.
    live_step: Option<([f64; 3], u32, u32)>,
    /// Built-in transport: the host's time outside the SDK per step over the rounds (p25,
    /// median, p75): the budgeted figure.
    live_direct: Option<[f64; 3]>,
    /// Built-in transport: the bare call timed in every round (p25, median, p75): the budgeted
    /// figure's denominator.
    live_bare: Option<[f64; 3]>,
    /// The bare call timed once, after the replay journeys: the replay figures' denominator.
    bare_ns: f64,
    /// Built-in transport through the C ABI (Python only, informational): per journey.
    live_c: BTreeMap<String, CAbiJourney>,
    /// A bare `ctypes` call to the C ABI (`agentic_version()`), timed with the uniffi one.
    live_c_bare: Option<f64>,
    /// Single operations timed alone (`op <name> <ns> <outside ns>`), in the order printed.
    ops: Vec<Op>,
    /// Calls into the library per journey run and for the bare call (`crossings <name> <n>`;
    /// Python only, where every call goes through one function of the generated module).
    crossings: BTreeMap<String, u32>,
}

/// One journey driven through the C ABI: its steps, the host's ns per journey and the part of
/// them outside the SDK's journey work.
#[derive(Debug, Clone, Copy)]
struct CAbiJourney {
    steps: u32,
    host: f64,
    outside: f64,
}

/// One operation timed alone: ns per call, and the part of it outside the SDK's exported calls.
#[derive(Debug, Clone)]
struct Op {
    name: String,
    ns: f64,
    outside: f64,
}

impl Report {
    fn op(&self, name: &str) -> Option<&Op> {
        self.ops.iter().find(|op| op.name == name)
    }

    /// Reads the lines a benchmark program prints (`journey`, `bare`, `live…`, `op`,
    /// `crossings`); other lines (Maven, warnings) are ignored.
    fn parse(who: &str, text: &str) -> Result<Self, String> {
        let mut report = Self::default();
        let mut bare = None;
        for line in text.lines() {
            // Maven may prefix the first line with terminal escapes: start at the keyword.
            let start = [
                "journey ",
                "bare ",
                "op ",
                "live ",
                "livestep ",
                "livedirect ",
                "livebare ",
                "livec ",
                "livecbare ",
                "crossings ",
            ]
            .iter()
            .filter_map(|keyword| line.find(keyword))
            .min()
            .unwrap_or(0);
            let fields: Vec<&str> = line[start..].split_whitespace().collect();
            report
                .read_line(&fields, &mut bare)
                .ok_or_else(|| format!("{who}: bad line {line:?}"))?;
        }
        report.bare_ns = bare.ok_or_else(|| format!("{who} printed no bare call time:\n{text}"))?;
        if report.journeys.is_empty() {
            return Err(format!("{who} printed no journey:\n{text}"));
        }
        Ok(report)
    }

    /// Takes one printed line, split at whitespace. `None` when a line of a known kind does not
    /// read; lines of other kinds are ignored.
    fn read_line(&mut self, fields: &[&str], bare: &mut Option<f64>) -> Option<()> {
        fn number<T: std::str::FromStr>(text: &str) -> Option<T> {
            text.parse().ok()
        }
        let quartiles = |p25: &str, p50: &str, p75: &str| -> Option<[f64; 3]> {
            Some([number(p25)?, number(p50)?, number(p75)?])
        };
        match fields {
            ["journey", name, steps, responses, ns] => {
                let time = JourneyTime {
                    steps: number(steps)?,
                    responses: number(responses)?,
                    ns: number(ns)?,
                };
                self.journeys.insert((*name).to_owned(), time);
            }
            ["bare", ns] => *bare = Some(number(ns)?),
            ["live", name, steps, host, rust, paired, inside, outside] => {
                let time = LiveJourney {
                    steps: number(steps)?,
                    host: number(host)?,
                    rust: number(rust)?,
                    paired: number(paired)?,
                    inside: number(inside)?,
                    outside: number(outside)?,
                };
                self.live.insert((*name).to_owned(), time);
            }
            ["livedirect", p25, p50, p75] => self.live_direct = Some(quartiles(p25, p50, p75)?),
            ["livebare", p25, p50, p75] => self.live_bare = Some(quartiles(p25, p50, p75)?),
            ["livestep", p25, p50, p75, rounds, batch] => {
                let step = (quartiles(p25, p50, p75)?, number(rounds)?, number(batch)?);
                self.live_step = Some(step);
            }
            ["livec", name, steps, host, outside] => {
                let journey = CAbiJourney {
                    steps: number(steps)?,
                    host: number(host)?,
                    outside: number(outside)?,
                };
                self.live_c.insert((*name).to_owned(), journey);
            }
            ["livecbare", ns] => self.live_c_bare = Some(number(ns)?),
            ["crossings", name, calls] => {
                self.crossings.insert((*name).to_owned(), number(calls)?);
            }
            ["op", name, ns, outside] => self.ops.push(Op {
                name: (*name).to_owned(),
                ns: number(ns)?,
                outside: number(outside)?,
            }),
            // A malformed operation would silently drop the finding that reads it.
            ["op", ..] => return None,
            _ => {}
        }
        Some(())
    }
}

fn library_name() -> String {
    format!(
        "{}agentic{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    )
}

/// Runs `command` in the workspace root and returns its standard output (standard error goes to
/// ours); an exit other than 0 is an error naming the command.
fn capture(command: &mut Command) -> Result<String, String> {
    command
        .current_dir(repo_root())
        .stdin(Stdio::null())
        .stderr(Stdio::inherit());
    let shown = format!("{command:?}");
    let output = command
        .output()
        .map_err(|e| format!("could not start {shown}: {e}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    if output.status.success() {
        Ok(stdout)
    } else {
        Err(format!("{shown} failed ({}):\n{stdout}", output.status))
    }
}

fn copy(from: &Path, to: &Path) -> Result<(), String> {
    std::fs::copy(from, to)
        .map(|_| ())
        .map_err(|e| format!("copying {} to {}: {e}", from.display(), to.display()))
}

fn fresh_dir(dir: &Path) -> Result<(), String> {
    if dir.exists() {
        std::fs::remove_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))
}

/// The built programs and the bench directory.
struct Built {
    bench: PathBuf,
    /// The standalone sandbox (`agentic`, release).
    cli: PathBuf,
    library: PathBuf,
    bindgen: PathBuf,
    reference: PathBuf,
}

fn build() -> Result<Built, String> {
    let target = target_dir();
    // The reference first, the library last: the library in target/release is then the one
    // `-p agentic-ffi` alone builds (its features), copied at once into the bench directory.
    cargo(&[
        "build",
        "--quiet",
        "--release",
        "-p",
        "agentic-bench",
        "--bin",
        "ffi_reference",
    ])?;
    cargo(&["build", "--quiet", "--release", "-p", "agentic-cli"])?;
    cargo(&["build", "--quiet", "-p", "uniffi-bindgen"])?;
    // Symbols kept whatever the release profile says (`strip = "debuginfo"`, cargo's default when
    // there is no debug info): bindgen reads the uniffi metadata symbols. `bench-probe` adds
    // `bench_nanos_in_rust()`, the time spent inside the exported calls.
    cargo(&[
        "build",
        "--quiet",
        "--release",
        "-p",
        "agentic-ffi",
        "--features",
        "bench-probe",
        "--config",
        "profile.release.strip=\"debuginfo\"",
    ])?;
    let bench = target.join("ffi-bench");
    std::fs::create_dir_all(&bench).map_err(|e| format!("{}: {e}", bench.display()))?;
    let library = bench.join(library_name());
    copy(&target.join("release").join(library_name()), &library)?;
    Ok(Built {
        bench,
        cli: target
            .join("release")
            .join(format!("agentic{}", std::env::consts::EXE_SUFFIX)),
        library,
        bindgen: target
            .join("debug")
            .join(format!("uniffi-bindgen{}", std::env::consts::EXE_SUFFIX)),
        reference: target
            .join("release")
            .join(format!("ffi_reference{}", std::env::consts::EXE_SUFFIX)),
    })
}

/// `uniffi-bindgen generate <library> --language <language> --no-format --config
/// <uniffi-config.toml> --out-dir <out>`.
fn generate(built: &Built, language: &str, out: &Path) -> Result<(), String> {
    fresh_dir(out)?;
    capture(
        Command::new(&built.bindgen)
            .arg("generate")
            .arg(&built.library)
            .args(["--language", language, "--no-format"])
            // Library mode finds a crate's uniffi.toml through cargo metadata by the library's
            // name, which the rlib twin of agentic-ffi shares: name the crate root explicitly.
            .arg("--config")
            .arg(uniffi_config(built)?)
            .arg("--out-dir")
            .arg(out),
    )
    .map(|_| ())
}

/// A uniffi global config naming agentic-ffi as the root of the crate `agentic` (its
/// uniffi.toml: the Kotlin renames, and the `PageMessage` custom type of every language).
fn uniffi_config(built: &Built) -> Result<PathBuf, String> {
    let file = built.bench.join("uniffi-config.toml");
    let root = repo_root().join("crates/agentic-ffi");
    let text = format!(
        "[crate-roots]\nagentic = {:?}\n",
        root.display().to_string()
    );
    std::fs::write(&file, text).map_err(|e| format!("{}: {e}", file.display()))?;
    Ok(file)
}

/// The Python package: the generated module, the committed hand-written modules, the library.
fn python_bindings(built: &Built) -> Result<PathBuf, String> {
    let root = built.bench.join("python");
    let package = root.join("agentic");
    generate(built, "python", &package)?;
    for module in [
        "__init__.py",
        "card_details.py",
        "page_event.py",
        "page_message.py",
    ] {
        copy(
            &repo_root().join("bindings/python/agentic").join(module),
            &package.join(module),
        )?;
    }
    copy(&built.library, &package.join(library_name()))?;
    Ok(root)
}

/// A cheap fingerprint of files (FNV-1a of their contents), to compile the Kotlin benchmark
/// only when its sources changed.
fn fingerprint(files: &[PathBuf]) -> Result<String, String> {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for file in files {
        let bytes = std::fs::read(file).map_err(|e| format!("{}: {e}", file.display()))?;
        for byte in bytes {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    Ok(format!("{hash:016x}"))
}

fn mvn(built: &Built, goal: &str, extra: &[String]) -> Result<String, String> {
    let mut command = Command::new("mvn");
    command
        .args([
            "-B",
            "-ntp",
            "-q",
            "-Dstyle.color=never",
            "-f",
            KOTLIN_BENCH_POM,
            goal,
        ])
        .arg(format!("-Dbench.dir={}", built.bench.display()))
        .args(extra);
    capture(&mut command)
}

/// Generates the Kotlin, compiles the benchmark when needed, runs it.
fn kotlin(built: &Built, recording: &Path, url: &str, mode: Mode) -> Result<String, String> {
    let sources = built.bench.join("kotlin");
    generate(built, "kotlin", &sources)?;
    let generated = sources.join("uniffi").join("agentic").join("agentic.kt");
    let stamp = built.bench.join("kotlin-compiled.stamp");
    let classes = built.bench.join("maven").join("classes");
    let mut inputs = vec![
        generated,
        repo_root().join(KOTLIN_BENCH_SOURCE),
        repo_root().join(KOTLIN_BENCH_POM),
    ];
    crate::files_under(&repo_root().join(KOTLIN_HAND_WRITTEN), &mut inputs)?;
    let print = fingerprint(&inputs)?;
    let current = std::fs::read_to_string(&stamp).unwrap_or_default();
    if current.trim() != print || !classes.join("bench").exists() {
        let started = Instant::now();
        eprintln!("xtask bench: FFI: mvn -f {KOTLIN_BENCH_POM} compile");
        mvn(built, "compile", &[])?;
        std::fs::write(&stamp, &print).map_err(|e| format!("{}: {e}", stamp.display()))?;
        eprintln!(
            "xtask bench: FFI: Kotlin compiled in {:.1} s",
            started.elapsed().as_secs_f64()
        );
    }
    let mode_flag = if mode.quick { "quick" } else { "full" };
    mvn(
        built,
        "exec:exec",
        &[
            format!("-Dbench.library={}", built.library.display()),
            format!("-Dbench.recording={}", recording.display()),
            format!("-Dbench.mode={mode_flag}"),
            format!("-Dbench.reference={}", built.reference.display()),
            format!("-Dbench.url={url}"),
        ],
    )
}

/// What the first recorded response holds (for the text): header count and body size.
fn first_response(recording: &Path) -> String {
    let text = std::fs::read_to_string(recording).unwrap_or_default();
    text.lines()
        .find_map(|line| {
            let fields: Vec<&str> = line.split(' ').collect();
            match fields.as_slice() {
                ["response", _, body, headers @ ..] => Some(format!(
                    "{} headers, a body of about {} bytes",
                    headers.len() / 2,
                    body.len() * 3 / 4
                )),
                _ => None,
            }
        })
        .unwrap_or_else(|| "unknown".to_owned())
}

/// One language's table and figure.
fn table(
    language: &str,
    host: &Report,
    rust: &Report,
    out: &mut String,
) -> Result<(f64, f64, f64), String> {
    let _ = writeln!(out, "**{language}**\n");
    let _ = writeln!(
        out,
        "| Journey | Steps | Responses | {language} ns/journey | Rust ns/journey | FFI cost per step (ns) | Bare call (ns) | Ratio |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|---:|---:|");
    let mut host_total = 0.0;
    let mut rust_total = 0.0;
    let mut steps_total = 0u32;
    for (name, time) in &host.journeys {
        let reference = rust
            .journeys
            .get(name)
            .ok_or_else(|| format!("Rust did not time {name}"))?;
        if reference.steps != time.steps {
            return Err(format!(
                "{name}: {} steps in {language}, {} in Rust",
                time.steps, reference.steps
            ));
        }
        let per_step = (time.ns - reference.ns) / f64::from(time.steps);
        let _ = writeln!(
            out,
            "| {name} | {} | {} | {:.0} | {:.0} | {per_step:.0} | {:.0} | {:.1} |",
            time.steps,
            time.responses,
            time.ns,
            reference.ns,
            host.bare_ns,
            per_step / host.bare_ns
        );
        host_total += time.ns;
        rust_total += reference.ns;
        steps_total += time.steps;
    }
    let per_step = (host_total - rust_total) / f64::from(steps_total);
    let ratio = per_step / host.bare_ns;
    let _ = writeln!(
        out,
        "| **all journeys** | {steps_total} | | {host_total:.0} | {rust_total:.0} | **{per_step:.0}** | {:.0} | **{ratio:.1}** |\n",
        host.bare_ns
    );
    Ok((per_step, host.bare_ns, ratio))
}

pub fn run(mode: Mode) -> Result<Section, String> {
    let started = Instant::now();
    let built = build()?;
    let python_root = python_bindings(&built)?;
    eprintln!(
        "xtask bench: FFI: built and generated in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    let recording = built.bench.join("recording.txt");
    let mode_flag = if mode.quick { "--quick" } else { "--full" };

    eprintln!("xtask bench: FFI: ffi_reference record");
    capture(Command::new(&built.reference).arg("record").arg(&recording))?;

    // The Rust reference runs right before each host: the machine's load drifts (other builds),
    // and each host is compared with the Rust run next to it.
    let rust_replay = || -> Result<Report, String> {
        let mut reference = Command::new(&built.reference);
        reference.arg("replay").arg(&recording);
        if mode.quick {
            reference.arg("--quick");
        }
        eprintln!("xtask bench: FFI: Rust replay");
        Report::parse("ffi_reference", &capture(&mut reference)?)
    };

    // The standalone sandbox every built-in transport run (host and Rust reference) talks to.
    let sandbox = crate::sandbox::Sandbox::start(&built.cli)?;
    let url = sandbox.url().to_owned();

    let rust_for_python = rust_replay()?;
    eprintln!("xtask bench: FFI: Python (built-in transport against {url}, then replay)");
    let python_out = capture(
        Command::new("python3")
            .arg(PYTHON_BENCH)
            .arg("--bindings")
            .arg(&python_root)
            .arg("--recording")
            .arg(&recording)
            .arg("--reference")
            .arg(&built.reference)
            .arg("--url")
            .arg(&url)
            .args(if mode.quick {
                &["--quick"][..]
            } else {
                &[][..]
            })
            .env("PYTHONDONTWRITEBYTECODE", "1"),
    )?;
    let python = Report::parse("ffi_bench.py", &python_out)?;

    let rust_for_kotlin = rust_replay()?;
    eprintln!("xtask bench: FFI: Kotlin (built-in transport, then replay)");
    let kotlin = Report::parse("FfiBench.kt", &kotlin(&built, &recording, &url, mode)?)?;
    drop(sandbox);

    let mut markdown = String::new();
    let quick = mode.quick;
    let (rounds, batch) = kotlin.live_step.map_or((0, 0), |(_, r, b)| (r, b));
    let _ = writeln!(
        markdown,
        "What crossing the uniffi FFI costs per journey step, from Kotlin on the JVM and from \
         Python, next to a bare no-argument uniffi call (`sdk_version()`) timed in the same host \
         run. Budget: FFI cost per step ≤ {BUDGET}× the bare call, per language, measured the \
         way JVM and Python hosts (desktop apps, AI-agent back ends) use the SDK: with its \
         **built-in transport** (no `HttpTransport` given; the HTTP runs inside Rust).\n"
    );
    let _ = writeln!(
        markdown,
        "### Built-in transport (the budgeted figure)\n\n\
         - **Journeys.** Direct OTP (native OTP, a wrong code then the right one), Visa \
         Acceptance passkey (step-up by SMS OTP, passkey registration; a new token every run), \
         card enrollment (Visa page session, step-up by SMS OTP, passkey registration) and \
         agentic purchase (Visa page session, passkey; the token of one enrollment made before \
         timing), every Direct OTP and purchase a new order, against **one standalone sandbox \
         process** (`agentic sandbox --addr 127.0.0.1:0 --until-stdin-closes`, release build), \
         started once for the whole section.\n\
         - **The identical drive on both sides.** The host (`{PYTHON_BENCH}`, \
         `{KOTLIN_BENCH_SOURCE}`) builds an `AgenticClient` without a transport, starts the \
         journey (its parameter records built per run, with the run's order or token id), \
         calls `advance()` once, reads `message_to_post.json` where a prompt carries a Visa \
         page message (text inside the prompt: no call), and answers each prompt (`visa_message`, `choose_step_up` with the SMS \
         OTP method, `submit_otp`; each answer returns the next step; a page message relayed as one `PageEvent`), releasing every object it got (`close()`/`destroy()` in Kotlin, \
         reference counting in Python). The Visa page is played over the sandbox's admin routes \
         (`POST /__sandbox/visa-page/session|ceremony`, the host's own HTTP client on the \
         calling thread: `http.client` in Python, a blocking keep-alive socket in Kotlin, since \
         `java.net.http.HttpClient` hands each exchange to threads of its own that go on running \
         after `send` returns and would be counted as FFI); those \
         calls are timed apart and **left out** of the journey's time, on both sides. The Rust \
         reference (`ffi_reference live <url>`, crates/agentic-bench/src/bin/ffi_reference.rs) \
         does the same through the same Rust functions (`agentic::api`, what the bindings call) \
         with the same built-in transport, and the same admin calls (ureq), left out the same \
         way.\n\
         - **Alternation.** The host starts `ffi_reference live` as its child against the same \
         sandbox and drives both in short batches: per round and journey, {batch} journeys in \
         Rust, then {batch} in the host (the order flips every round), {rounds} rounds, after a \
         warm-up (Kotlin: {} s of journeys so the JIT has compiled every path; Python: {} \
         rounds). A step is one call that returns a `SessionStep`: the first `advance()`, then \
         each answer.\n\
         - **FFI cost per step** = what the host spends outside the SDK: per journey, the \
         median over the rounds of the host's batch time minus the part of it spent inside the \
         SDK's exported calls (ns per journey), summed over the journeys and divided by their \
         steps. The inside part comes from `bench_nanos_in_rust()`: the benchmark's library is \
         built with the `bench-probe` feature (never shipped), which adds the wall time of every \
         outermost exported call that runs journey work (what `panic::guard` wraps: the \
         starts, `advance()`, the answers) to a counter the host reads before and after each \
         batch. What remains is lowering the arguments, the crossings, lifting the results and \
         creating and releasing objects: the FFI. **Spread**: the same figure per round (all \
         journeys of the round), p25–p75 over the rounds. **Bare call** = `sdk_version()`, \
         timed in every round in a batch of 500 calls right after the round's journeys, so that \
         both sides of the ratio are timed under the same conditions (timed once, it swings \
         from run to run: compare the replay section's bare call below, timed that way); the \
         median over the rounds. **Ratio** = FFI cost per step / bare call.\n\
         - **Paired difference** (the budgeted figure of earlier runs, still shown): host batch \
         mean − the Rust reference's batch mean of the same round. It also counts the SDK's own \
         work running slower inside the host process than in the reference (compare the \
         \"inside the SDK\" and reference columns), which no change to the FFI removes.\n",
        if quick { 4 } else { 12 },
        if quick { 3 } else { 10 },
    );
    let mut figures = Vec::new();
    let mut budgeted = |language: &str, host: &Report| -> Result<f64, String> {
        let (per_step, bare, ratio) = live_table(language, host, &mut markdown)?;
        figures.push(Figure {
            name: format!("FFI cost per step, {language}"),
            value: format!("{ratio:.1}× bare call ({per_step:.0} ns / {bare:.0} ns)"),
            budget: format!("≤ {BUDGET:.1}×"),
            pass: ratio <= BUDGET,
        });
        Ok(ratio)
    };
    let kotlin_ratio = budgeted("Kotlin", &kotlin)?;
    let python_ratio = budgeted("Python", &python)?;
    let over_c = c_abi_paragraph(&python, &mut markdown);
    built_in_finding(
        (&kotlin, kotlin_ratio),
        (&python, python_ratio),
        over_c,
        &mut markdown,
    );
    let _ = writeln!(
        markdown,
        "Commands (what `cargo xtask bench{}` runs, `B` = `$CARGO_TARGET_DIR/ffi-bench`, `R` = \
         `$CARGO_TARGET_DIR/release`):\n\n\
         ```sh\n\
         cargo build --release -p agentic-bench --bin ffi_reference\n\
         cargo build --release -p agentic-cli\n\
         cargo build -p uniffi-bindgen\n\
         cargo build --release -p agentic-ffi --features bench-probe --config 'profile.release.strip=\"debuginfo\"'\n\
         cp $R/libagentic.so $B/\n\
         printf '[crate-roots]\\nagentic = \"crates/agentic-ffi\"' > $B/uniffi-config.toml   # the crate's root, absolute\n\
         uniffi-bindgen generate $B/libagentic.so --language python --no-format --config $B/uniffi-config.toml --out-dir $B/python/agentic\n\
         uniffi-bindgen generate $B/libagentic.so --language kotlin --no-format --config $B/uniffi-config.toml --out-dir $B/kotlin\n\
         $R/agentic sandbox --addr 127.0.0.1:0 --until-stdin-closes &   # prints its URL: $URL\n\
         ffi_reference record $B/recording.txt\n\
         ffi_reference replay $B/recording.txt {mode_flag}\n\
         python3 {PYTHON_BENCH} --bindings $B/python --recording $B/recording.txt --reference $R/ffi_reference --url $URL {mode_flag}\n\
         ffi_reference replay $B/recording.txt {mode_flag}\n\
         mvn -B -ntp -q -f {KOTLIN_BENCH_POM} compile -Dbench.dir=$B\n\
         mvn -B -ntp -q -f {KOTLIN_BENCH_POM} exec:exec -Dbench.dir=$B -Dbench.library=$B/libagentic.so -Dbench.recording=$B/recording.txt -Dbench.mode={} -Dbench.reference=$R/ffi_reference -Dbench.url=$URL\n\
         ```\n\n\
         (each host runs `ffi_reference live $URL` itself, as its child).\n",
        if quick { " --quick" } else { "" },
        if quick { "quick" } else { "full" },
    );

    let _ = writeln!(
        markdown,
        "### App-supplied transport, as on a phone (informational, no budget)\n\n\
         The same journeys driven through an `HttpTransport` implemented in the host, as a \
         mobile app that brings its own HTTP stack does. Replayed, so that no network is in \
         the figure:\n\n\
         - `ffi_reference record` runs the four journeys once through the uniffi API against \
         the in-process sandbox with a transport that forwards to it and keeps every response \
         and every answer; it checks that each journey replays from the recording alone.\n\
         - A replay `HttpTransport` written in the host language answers each request with the \
         next recorded response from memory (a new `HttpResponse` from its in-memory status, \
         headers and body; the request is not read, only released); the driver is the one \
         above with the recorded answers. The Rust reference (`ffi_reference replay`) does the \
         same with a Rust replay transport, run right before each host.\n\
         - Each figure is the median of {} batches of about {} ms after a warm-up of {} ms \
         (the JVM first runs everything for {} s).\n",
        if quick { 5 } else { 11 },
        if quick { 100 } else { 200 },
        if quick { 300 } else { 1000 },
        if quick { 3 } else { 8 },
    );
    let mut replay_ratios = Vec::new();
    for (language, host, rust) in [
        ("Kotlin", &kotlin, &rust_for_kotlin),
        ("Python", &python, &rust_for_python),
    ] {
        let (per_step, bare, ratio) = table(language, host, rust, &mut markdown)?;
        let _ = writeln!(
            markdown,
            "{language}, app-supplied transport: {per_step:.0} ns of FFI per step, {ratio:.1}× \
             the bare call ({bare:.0} ns).\n"
        );
        replay_ratios.push(format!("{language} {ratio:.0}×"));
    }
    let _ = writeln!(
        markdown,
        "**Finding.** With the app's transport a step costs far more than the budget ({}): \
         each HTTP exchange crosses the FFI about five times (the callback into the host's \
         `send`, the release of the `HttpRequest`, the `HttpResponse` constructor with its \
         header map, the clone of the response handle on the way back, its release), and a \
         step makes one to three exchanges. **Proposed fix** (not done here): host-driven HTTP \
         — `advance()` returns `SessionStep::Send {{ request }}` and the host answers with \
         `respond(status, headers, body)` (one crossing each way, no callback, no response \
         object), and a header-free `HttpResponse` constructor for transports that need none. \
         (Answers already return the next step: one call per step, not two.)\n",
        replay_ratios.join(", ")
    );
    let _ = writeln!(
        markdown,
        "**Where the time goes.** Single operations, each timed alone the same way (ns, and in \
         bare calls): `http_response_new` builds and releases the `HttpResponse` of the first \
         recorded response ({}), `…_no_headers` the same with an empty header map, \
         `advance_finished` is `advance()` on a finished Direct OTP journey (it answers \
         `Done(Paid)` again: one crossing, no journey work), `session_kind` is `kind()` (an enum \
         back), `start_<journey>` is the journey's start call with its parameter record (and, \
         for Direct OTP and enrollment, the card: one `CardDetails`), then the session's release \
         (no request leaves before `advance()`; the SDK's own work in it is minting the \
         reference ids and checking the arguments). The \"outside the SDK\" columns leave out \
         the time inside the SDK's exported calls (`bench_nanos_in_rust()`), as the budgeted \
         figure does.\n",
        first_response(&built.bench.join("recording.txt"))
    );
    let _ = writeln!(
        markdown,
        "| Operation | Kotlin ns | Kotlin × bare | outside the SDK, × bare | Python ns | Python × bare | outside the SDK, × bare |\n|---|---:|---:|---:|---:|---:|---:|"
    );
    for op in &kotlin.ops {
        let (python_ns, python_outside) = python
            .op(&op.name)
            .map_or((f64::NAN, f64::NAN), |p| (p.ns, p.outside));
        let _ = writeln!(
            markdown,
            "| {} | {:.0} | {:.1} | {:.1} | {python_ns:.0} | {:.1} | {:.1} |",
            op.name,
            op.ns,
            op.ns / kotlin.bare_ns,
            op.outside / kotlin.bare_ns,
            python_ns / python.bare_ns,
            python_outside / python.bare_ns,
        );
    }
    markdown.push('\n');
    let _ = writeln!(
        markdown,
        "Rust's own bare `sdk_version()` call: {:.0} ns. Section run time: {:.0} s.",
        rust_for_kotlin.bare_ns,
        started.elapsed().as_secs_f64()
    );
    Ok(Section {
        title: "FFI cost per step".to_owned(),
        markdown,
        figures,
    })
}

/// One language's built-in transport table; returns (FFI ns per step, bare ns, ratio).
fn live_table(language: &str, host: &Report, out: &mut String) -> Result<(f64, f64, f64), String> {
    let ((paired_quartiles, rounds, batch), [p25, p50, p75]) = host
        .live_step
        .zip(host.live_direct)
        .filter(|_| !host.live.is_empty())
        .ok_or_else(|| format!("{language} printed no built-in transport figure"))?;
    let [bare_p25, bare, bare_p75] = host.live_bare.ok_or_else(|| {
        format!("{language} printed no bare call of the built-in transport drive")
    })?;
    let _ = writeln!(out, "**{language}, built-in transport**\n");
    let _ = writeln!(
        out,
        "| Journey | Steps | {language} µs/journey | of which inside the SDK (µs) | Rust reference µs/journey | \
         Paired difference (µs) | Outside the SDK (µs) | FFI cost per step (ns) | Ratio |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    let mut total = LiveJourney {
        steps: 0,
        host: 0.0,
        rust: 0.0,
        paired: 0.0,
        inside: 0.0,
        outside: 0.0,
    };
    for (name, journey) in &host.live {
        let per_step = journey.outside / f64::from(journey.steps.max(1));
        let _ = writeln!(
            out,
            "| {name} | {} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} | {per_step:.0} | {:.1} |",
            journey.steps,
            journey.host / 1e3,
            journey.inside / 1e3,
            journey.rust / 1e3,
            journey.paired / 1e3,
            journey.outside / 1e3,
            per_step / bare
        );
        total.steps += journey.steps;
        total.host += journey.host;
        total.inside += journey.inside;
        total.rust += journey.rust;
        total.paired += journey.paired;
        total.outside += journey.outside;
    }
    let steps = f64::from(total.steps.max(1));
    let per_step = total.outside / steps;
    let ratio = per_step / bare;
    let _ = writeln!(
        out,
        "| **all journeys** | {} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} | **{per_step:.0}** | **{ratio:.1}** |\n",
        total.steps,
        total.host / 1e3,
        total.inside / 1e3,
        total.rust / 1e3,
        total.paired / 1e3,
        total.outside / 1e3
    );
    let paired_per_step = total.paired / steps;
    let _ = writeln!(
        out,
        "{language}: {per_step:.0} ns of FFI per step, **{ratio:.1}×** the bare call \
         ({bare:.0} ns; p25–p75 over the rounds {bare_p25:.0}–{bare_p75:.0} ns). Spread over {rounds} rounds of {batch} journeys per journey: p25 \
         {p25:.0} ns ({:.1}×), median {p50:.0} ns ({:.1}×), p75 {p75:.0} ns ({:.1}×). The SDK's \
         own work took {:.1} µs per journey set inside {language} against {:.1} µs in the Rust \
         reference: the paired difference is {paired_per_step:.0} ns per step ({:.1}×; p25–p75 \
         over the rounds {:.0}–{:.0} ns).\n",
        p25 / bare,
        p50 / bare,
        p75 / bare,
        total.inside / 1e3,
        total.rust / 1e3,
        paired_per_step / bare,
        paired_quartiles[0],
        paired_quartiles[2],
    );
    crossings_sentence(language, host, out);
    Ok((per_step, bare, ratio))
}

/// The same drive through the C ABI from Python (informational), and its ratio to the uniffi
/// bare call of the same rounds, if Python printed it.
fn c_abi_paragraph(python: &Report, out: &mut String) -> Option<f64> {
    let uniffi_bare = python.live_bare?[1];
    let ctypes_bare = python.live_c_bare?;
    let (mut outside, mut steps) = (0.0, 0);
    let mut per_journey = Vec::new();
    for (name, journey) in &python.live_c {
        per_journey.push(format!(
            "{name} {:.1} µs per journey, {:.0} ns outside the SDK per step",
            journey.host / 1e3,
            journey.outside / f64::from(journey.steps.max(1)),
        ));
        outside += journey.outside;
        steps += journey.steps;
    }
    if steps == 0 {
        return None;
    }
    let per_step = outside / f64::from(steps);
    let ratio = per_step / uniffi_bare;
    let _ = writeln!(
        out,
        "**Python over the C ABI (informational, no budget).** The same drive through the C ABI \
         (`LiveCAbi` in `{PYTHON_BENCH}`: `ctypes` and `json`; the parameters, card, answers and \
         steps as JSON text; `agentic_session_submit` then `agentic_session_advance` per answer, \
         `agentic_session_page_message` where a prompt has a message to post), in the same \
         rounds right after each uniffi batch, the time inside the SDK's journey work left out \
         the same way (the C ABI's JSON is not: it is the binding's work): {}. All journeys: \
         **{per_step:.0} ns per step, {ratio:.1}× the uniffi bare call** ({uniffi_bare:.0} ns), \
         {:.0}× a bare `ctypes` call (`agentic_version()`, {ctypes_bare:.0} ns).\n",
        per_journey.join("; "),
        per_step / ctypes_bare,
    );
    Some(ratio)
}

/// Why the built-in transport figure is where it is, from this run's single operations (timed
/// in the replay run of the same process, see "Where the time goes"): the cheapest step, the
/// starts, and the floor they set under the budgeted figure whatever the steps do.
/// Each language comes with its budgeted ratio: where that meets the budget, the floor (from
/// operations timed alone, a rougher figure) is not read as saying it cannot.
fn built_in_finding(
    (kotlin, kotlin_ratio): (&Report, f64),
    (python, python_ratio): (&Report, f64),
    over_c: Option<f64>,
    out: &mut String,
) {
    let (Some(k), Some(p)) = (Floor::of(kotlin), Floor::of(python)) else {
        return;
    };
    let verdict = |floor: &Floor, language: &str, measured: f64, over_c: Option<f64>| {
        if measured <= BUDGET {
            let rough = if floor.ratio > BUDGET {
                " (the floor above it comes from operations timed alone, which swing from run to \
                 run on the JVM: a rough figure there)"
            } else {
                ""
            };
            format!("in {language} the budgeted figure meets the budget ({measured:.1}×){rough}")
        } else if floor.ratio > BUDGET {
            let c_abi = over_c.map_or_else(String::new, |ratio| {
                if ratio > BUDGET {
                    format!(
                        "; a binding over the C ABI as it stands would not meet it either \
                         ({ratio:.1}× above)"
                    )
                } else {
                    format!("; a binding over the C ABI would ({ratio:.1}× above)")
                }
            });
            format!(
                "in {language} that floor is already over the budget: no change to the SDK's \
                 work behind the generated bindings can meet it, only starts that lower far \
                 fewer values in {language} code — for example the parameters as JSON text, as \
                 the C ABI takes them — and since one uniffi API serves every language, that \
                 means either untyped starts for Kotlin and Swift too or a {language} binding \
                 other than uniffi's generated one (DESIGN.md §7): a decision, not a tuning\
                 {c_abi}"
            )
        } else {
            format!(
                "in {language} the floor is under the budget: what is over it is the steps' own \
                 crossings — the handle's clone, the call and the result's release, and one \
                 allocation call per string argument or `PageEvent` — and lifting the prompts"
            )
        }
    };
    let _ = writeln!(
        out,
        "**Finding (built-in transport).** Most of the cost is in how the generated bindings \
         call the library, not in the SDK's own work. Outside the SDK (the budgeted part), a \
         step at its cheapest (`advance_finished` below: clone the session's handle, call, \
         release the result buffer) costs {:.1}× the bare call in Kotlin and {:.1}× in Python; \
         each string argument adds an allocation call, and Python writes and reads every field \
         of a record in interpreted code. The starts with their releases cost, in bare calls, \
         {} in Kotlin and {} in Python. **Floor:** were every step as cheap as \
         `advance_finished`, the starts spread over the steps ({} in Kotlin, {} in Python) \
         would still make the FFI cost {:.1}× the bare call per step in Kotlin and {:.1}× in \
         Python; {}; {}.\n",
        k.cheapest_step,
        p.cheapest_step,
        k.starts_text(),
        p.starts_text(),
        k.steps,
        p.steps,
        k.ratio,
        p.ratio,
        verdict(&k, "Kotlin", kotlin_ratio, None),
        verdict(&p, "Python", python_ratio, over_c),
    );
}

/// The FFI cost per step a host would pay if every step cost what the cheapest one does: the
/// starts (with their releases) and the steps, over the steps, in bare calls.
struct Floor {
    cheapest_step: f64,
    /// Per journey of the live drive: its name and its start, in bare calls.
    starts: Vec<(String, f64)>,
    steps: u32,
    ratio: f64,
}

impl Floor {
    fn of(report: &Report) -> Option<Self> {
        // The FFI's part only: what the SDK does inside the call is not a cost of the FFI.
        let op = |name: &str| report.op(name).map(|op| op.outside / report.bare_ns);
        let cheapest_step = op("advance_finished")?;
        let mut starts = Vec::new();
        let mut steps = 0;
        for (name, journey) in &report.live {
            starts.push((name.clone(), op(&format!("start_{name}"))?));
            steps += journey.steps;
        }
        if steps == 0 {
            return None;
        }
        let total_starts: f64 = starts.iter().map(|(_, ratio)| ratio).sum();
        let ratio = (total_starts + f64::from(steps) * cheapest_step) / f64::from(steps);
        Some(Self {
            cheapest_step,
            starts,
            steps,
            ratio,
        })
    }

    fn starts_text(&self) -> String {
        self.starts
            .iter()
            .map(|(name, ratio)| format!("{name} {ratio:.1}×"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The calls into the library per journey, where the host counted them.
fn crossings_sentence(language: &str, host: &Report, out: &mut String) {
    let Some(bare) = host.crossings.get("bare") else {
        return;
    };
    let mut per_journey = Vec::new();
    let (mut calls, mut steps) = (0u32, 0u32);
    for (name, journey) in &host.live {
        if let Some(n) = host.crossings.get(name) {
            per_journey.push(format!(
                "{name} {n} for {} steps ({:.1} per step)",
                journey.steps,
                f64::from(*n) / f64::from(journey.steps.max(1))
            ));
            calls += n;
            steps += journey.steps;
        }
    }
    let _ = writeln!(
        out,
        "Calls into the library ({language} counts them: every ctypes call of the generated \
         module, one untimed run per journey — the calls themselves, handle clones and \
         releases, argument buffers and their growth, result buffers' release): {}; all \
         journeys {:.1} per step. The bare call makes {bare}.\n",
        per_journey.join(", "),
        f64::from(calls) / f64::from(steps.max(1)),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_reads_every_kind_of_line_and_refuses_a_malformed_one() {
        let text = "[INFO] Maven\n\
            \x1b[0mjourney direct_otp 3 5 1200.5\n\
            bare 14185\n\
            live enrollment 6 1060.4 669.5 400 822.8 237\n\
            livestep 1 2 3 80 10\n\
            livedirect 4 5 6\n\
            livebare 7 8 9\n\
            livec purchase 4 515 125.8\n\
            livecbare 91\n\
            crossings purchase 27\n\
            op start_purchase 66027 64000\n";
        let report = Report::parse("test", text).expect("reads");
        let journey = &report.journeys["direct_otp"];
        assert_eq!(
            (journey.steps, journey.responses, journey.ns),
            (3, 5, 1200.5)
        );
        assert_eq!(report.bare_ns, 14185.0);
        let live = report.live["enrollment"];
        assert_eq!(
            (
                live.steps,
                live.host,
                live.rust,
                live.paired,
                live.inside,
                live.outside
            ),
            (6, 1060.4, 669.5, 400.0, 822.8, 237.0)
        );
        assert_eq!(report.live_step, Some(([1.0, 2.0, 3.0], 80, 10)));
        assert_eq!(report.live_direct, Some([4.0, 5.0, 6.0]));
        assert_eq!(report.live_bare, Some([7.0, 8.0, 9.0]));
        let c = report.live_c["purchase"];
        assert_eq!((c.steps, c.host, c.outside), (4, 515.0, 125.8));
        assert_eq!(report.live_c_bare, Some(91.0));
        assert_eq!(report.crossings["purchase"], 27);
        let op = report.op("start_purchase").expect("the op");
        assert_eq!((op.ns, op.outside), (66027.0, 64000.0));

        for bad in [
            "op start_purchase 66027",
            "livebare 7 x 9",
            "journey a 3 5 x",
        ] {
            let error =
                Report::parse("test", &format!("bare 1\njourney b 1 1 1\n{bad}\n")).expect_err(bad);
            assert_eq!(error, format!("test: bad line {bad:?}"));
        }
        let error = Report::parse("test", "journey b 1 1 1\n").expect_err("no bare call");
        assert!(
            error.starts_with("test printed no bare call time"),
            "{error}"
        );
    }
}
