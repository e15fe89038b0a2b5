//! `cargo xtask bench [--quick]`: measures every speed and size budget of the SDK side by side in
//! one run, writes BENCHMARKS.md (the command, the machine, every figure) and prints, as its last
//! line, one summary of each figure against its budget.
//!
//! Each section is its own module returning a [`Section`]; this module only orders them, renders
//! the file and the summary.

#![allow(dead_code)] // Until every section uses the helpers below.

mod ffi;
mod journeys;
mod load;
mod size;
mod steps;

use std::fmt::Write as _;
use std::process::{Command, ExitCode};
use std::time::Instant;

/// How long the run may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mode {
    /// `--quick`: fewer samples and shorter runs (under 3 minutes with the builds warm).
    pub quick: bool,
}

/// One figure compared with its budget.
#[derive(Debug, Clone)]
pub struct Figure {
    /// Short name used in the summary line, e.g. `core step ratio (worst)`.
    pub name: String,
    /// The measured value as displayed, e.g. `1.42`.
    pub value: String,
    /// The budget as displayed, e.g. `≤ 2.0`.
    pub budget: String,
    /// Whether the value meets the budget.
    pub pass: bool,
}

/// One section of BENCHMARKS.md.
#[derive(Debug, Clone)]
pub struct Section {
    /// The `##` heading.
    pub title: String,
    /// The body in Markdown: what is measured and how, the exact command(s), the tables.
    pub markdown: String,
    /// The figures with a budget (they go into the summary).
    pub figures: Vec<Figure>,
}

type Bench = (&'static str, fn(Mode) -> Result<Section, String>);

const BENCHES: [Bench; 6] = [
    ("core step cost", steps::run),
    ("journey overhead", journeys::overhead),
    ("round trips", journeys::round_trips),
    ("binary size", size::run),
    ("FFI cost", ffi::run),
    ("sandbox under load", load::run),
];

/// Runs every benchmark, writes BENCHMARKS.md, prints the summary last.
pub fn run(args: &[String]) -> ExitCode {
    let mut quick = false;
    let mut only: Option<&str> = None;
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--quick" => quick = true,
            "--only" => only = rest.next().map(String::as_str),
            _ => {
                eprintln!("usage: cargo xtask bench [--quick] [--only <section name part>]");
                return ExitCode::from(2);
            }
        }
    }
    let mode = Mode { quick };
    let started = Instant::now();
    let mut sections = Vec::new();
    let mut failures = Vec::new();
    for (name, bench) in BENCHES {
        if only.is_some_and(|part| !name.to_lowercase().contains(&part.to_lowercase())) {
            continue;
        }
        eprintln!("xtask bench: {name}");
        match bench(mode) {
            Ok(section) => sections.push(section),
            Err(error) => {
                eprintln!("xtask bench: {name} could not run:\n{error}");
                failures.push(name);
                sections.push(Section {
                    title: name.to_owned(),
                    markdown: format!("Could not run: {error}\n"),
                    figures: vec![Figure {
                        name: name.to_owned(),
                        value: "not measured".to_owned(),
                        budget: "-".to_owned(),
                        pass: false,
                    }],
                });
            }
        }
    }
    let elapsed = started.elapsed().as_secs();
    let document = render(mode, &sections, elapsed);
    if only.is_some() {
        // A partial run never overwrites the file: it shows what it would have written.
        println!("{document}");
    } else if let Err(error) = std::fs::write(repo_root().join("BENCHMARKS.md"), document) {
        eprintln!("xtask bench: could not write BENCHMARKS.md: {error}");
        return ExitCode::FAILURE;
    } else {
        eprintln!("xtask bench: wrote BENCHMARKS.md in {elapsed} s");
    }
    let figures: Vec<&Figure> = sections.iter().flat_map(|s| &s.figures).collect();
    let passed = figures.iter().filter(|f| f.pass).count();
    let summary: Vec<String> = figures
        .iter()
        .map(|f| {
            let verdict = if f.pass { "pass" } else { "FAIL" };
            format!("{} {} ({}) {verdict}", f.name, f.value, f.budget)
        })
        .collect();
    println!(
        "bench summary: {passed}/{} budgets met: {}",
        figures.len(),
        summary.join("; ")
    );
    if passed == figures.len() && failures.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn render(mode: Mode, sections: &[Section], elapsed: u64) -> String {
    let command = if mode.quick {
        "cargo xtask bench --quick"
    } else {
        "cargo xtask bench"
    };
    let mut out = String::new();
    let _ = writeln!(out, "# Benchmarks\n");
    let _ = writeln!(
        out,
        "Written by `{command}` ({elapsed} s on the machine below, builds included). Do not edit by \
         hand: run the command again. `cargo xtask bench --quick` takes shorter samples; the \
         figures below come from the mode named here.\n"
    );
    let _ = writeln!(out, "Machine: {}\n", machine());
    let _ = writeln!(out, "## Summary\n");
    let _ = writeln!(out, "| Figure | Measured | Budget | |");
    let _ = writeln!(out, "|---|---:|---|---|");
    for figure in sections.iter().flat_map(|s| &s.figures) {
        let verdict = if figure.pass { "pass" } else { "**FAIL**" };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {verdict} |",
            figure.name, figure.value, figure.budget
        );
    }
    for (index, section) in sections.iter().enumerate() {
        let _ = writeln!(out, "\n## {}. {}\n", index + 1, section.title);
        out.push_str(section.markdown.trim_end());
        out.push('\n');
    }
    out
}

/// CPU model, cores, memory, OS, rustc: what the figures depend on.
fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu = cpuinfo
        .lines()
        .find_map(|line| line.strip_prefix("model name"))
        .map(|rest| rest.trim_start_matches([' ', '\t', ':']).to_owned())
        .unwrap_or_else(|| "unknown CPU".to_owned());
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let memory_gib = meminfo
        .lines()
        .find_map(|line| line.strip_prefix("MemTotal:"))
        .and_then(|rest| {
            rest.trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<u64>()
                .ok()
        })
        .map_or(0, |kib| kib / (1024 * 1024));
    let os = std::fs::read_to_string("/etc/os-release")
        .unwrap_or_default()
        .lines()
        .find_map(|line| line.strip_prefix("PRETTY_NAME="))
        .map(|name| name.trim_matches('"').to_owned())
        .unwrap_or_else(|| std::env::consts::OS.to_owned());
    let rustc = output("rustc", &["-V"]).unwrap_or_else(|_| "rustc (unknown)".to_owned());
    format!(
        "{cpu}, {cores} cores, {memory_gib} GiB, {os}, {}, {}",
        std::env::consts::ARCH,
        rustc.trim()
    )
}

/// The workspace root (xtask runs from anywhere inside it).
pub fn repo_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(
            || std::path::PathBuf::from("."),
            std::path::Path::to_path_buf,
        )
}

/// Runs `program args` in the workspace root and returns its standard output; its standard
/// error goes to ours. An exit other than 0 is an error naming the command.
pub fn output(program: &str, args: &[&str]) -> Result<String, String> {
    let result = Command::new(program)
        .args(args)
        .current_dir(repo_root())
        .stderr(std::process::Stdio::inherit())
        .output()
        .map_err(|e| format!("could not start {program}: {e}"))?;
    if !result.status.success() {
        return Err(format!(
            "`{program} {}` failed ({})",
            args.join(" "),
            result.status
        ));
    }
    String::from_utf8(result.stdout).map_err(|_| format!("`{program}` printed non-UTF-8"))
}

/// Runs cargo (the one running xtask) with `args` in the workspace root, output to ours.
pub fn cargo(args: &[&str]) -> Result<(), String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let status = Command::new(&cargo)
        .args(args)
        .current_dir(repo_root())
        .status()
        .map_err(|e| format!("could not start cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`cargo {}` failed ({status})", args.join(" ")))
    }
}

/// Cargo's target directory (see [`crate::target_dir`]).
pub fn target_dir() -> std::path::PathBuf {
    crate::target_dir(&repo_root())
}
