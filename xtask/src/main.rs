//! `cargo xtask <command>`: everything that is more than one cargo command.
//!
//! - `test`: formatting check, clippy with `-D warnings` (the workspace, then `agentic-ffi`'s
//!   mobile feature set), every test of the workspace, then
//!   the docs with warnings as errors, then the Swift bindings check ([`swift::check`]), then
//!   the Python bindings, generated from the library just built and tested with pytest against
//!   the sandbox binary ([`bindgen::python`]), then the C binding: header freshness, CMake
//!   builds (normal and with sanitizers) and ctest against the sandbox ([`c::check`]), then the
//!   Kotlin binding: generated, then its JUnit 5 tests and example run with Maven against the
//!   sandbox ([`kotlin::test`]). This is what CI runs (`.ci/run`).
//!   `uniffi-bindgen` is left out of the workspace-wide steps: built in the same cargo
//!   invocation as the library, it makes the library wait for `uniffi_bindgen` (DESIGN.md §10);
//!   the binding steps build it on its own. (Its one-line `main` is not linted here: a clippy
//!   pass over `uniffi_bindgen` costs ~2.5 min on a cold 2-core machine.)
//! - `bench [--quick]`: every speed and size budget, measured side by side; writes
//!   BENCHMARKS.md and prints one summary line last ([`bench::run`]).
//! - `bindgen`: generates the Python, Kotlin and Swift bindings ([`bindgen::bindgen`]).
//! - `python-test`: only the Python bindings' tests ([`bindgen::python`]).
//! - `c-test`: only the C binding check ([`c::check`]).
//! - `kotlin-test`: only the Kotlin binding's tests and example ([`kotlin::test`]).
//! - `c-header`: rewrites the committed C header `bindings/c/include/agentic.h` after a change
//!   of the C ABI ([`c::update_header`]).
//! - `swift-check`: only the Swift bindings check.
//! - `swift-snapshot`: regenerates the committed Swift bindings and their public API snapshot
//!   (`bindings/swift/`) after a reviewed API change.

mod bench;
mod bindgen;
mod c;
mod kotlin;
mod sandbox;
mod swift;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

/// Cargo's target directory: `CARGO_TARGET_DIR` (relative to `root` when relative) or
/// `target/` in `root`.
pub fn target_dir(root: &Path) -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if Path::new(&dir).is_absolute() => PathBuf::from(dir),
        Some(dir) => root.join(dir),
        None => root.join("target"),
    }
}

/// Every file under `dir`, recursively, in a stable order.
pub fn files_under(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    let mut entries = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .map(|entry| entry.map(|e| e.path()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("{}: {e}", dir.display()))?;
    entries.sort();
    for path in entries {
        if path.is_dir() {
            files_under(&path, out)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}

/// A step of `cargo xtask test` that is not one cargo command.
type Task = (&'static str, fn() -> Result<(), String>);

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("test") => run_all(
            &[
                ("formatting", &["fmt", "--all", "--", "--check"]),
                (
                    "clippy",
                    &[
                        "clippy",
                        "--workspace",
                        "--exclude",
                        "uniffi-bindgen",
                        "--all-targets",
                        "--",
                        "-D",
                        "warnings",
                    ],
                ),
                (
                    // The mobile set (no built-in HTTP stack, no C ABI) is compiled nowhere
                    // else in this command.
                    "clippy (mobile set)",
                    &[
                        "clippy",
                        "-p",
                        "agentic-ffi",
                        "--no-default-features",
                        "--all-targets",
                        "--",
                        "-D",
                        "warnings",
                    ],
                ),
                (
                    "tests",
                    &["test", "--workspace", "--exclude", "uniffi-bindgen"],
                ),
                (
                    "docs",
                    &[
                        "doc",
                        "--workspace",
                        "--exclude",
                        "uniffi-bindgen",
                        "--no-deps",
                    ],
                ),
            ],
            &[
                ("swift", swift::check),
                ("python", bindgen::python),
                ("c", c::check),
                ("kotlin", kotlin::test),
            ],
        ),
        Some("bench") => bench::run(&args[1..]),
        Some("bindgen") => run_tasks(&[("bindgen", bindgen::bindgen)]),
        Some("python-test") => run_tasks(&[("python", bindgen::python)]),
        Some("c-test") => run_tasks(&[("c", c::check)]),
        Some("c-header") => run_tasks(&[("c-header", c::update_header)]),
        Some("kotlin-test") => run_tasks(&[("kotlin", kotlin::test)]),
        Some("swift-check") => run_tasks(&[("swift", swift::check)]),
        Some("swift-snapshot") => run_tasks(&[("swift-snapshot", swift::snapshot)]),
        _ => {
            eprintln!(
                "usage: cargo xtask test | bench [--quick] | bindgen | python-test | c-test | c-header | kotlin-test | swift-check | swift-snapshot"
            );
            ExitCode::from(2)
        }
    }
}

/// Runs each cargo step, then each task, in order and stops at the first failure.
fn run_all(steps: &[(&str, &[&str])], tasks: &[Task]) -> ExitCode {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    for (name, args) in steps {
        eprintln!("xtask: {name}: cargo {}", args.join(" "));
        let mut command = Command::new(&cargo);
        command.args(*args);
        if *name == "docs" {
            // Broken intra-doc links and bare URLs fail the build like a clippy warning.
            command.env("RUSTDOCFLAGS", "-D warnings");
        }
        match command.status() {
            Ok(status) if status.success() => {}
            Ok(status) => {
                eprintln!("xtask: {name} failed ({status})");
                return ExitCode::FAILURE;
            }
            Err(error) => {
                eprintln!("xtask: could not start cargo for {name}: {error}");
                return ExitCode::FAILURE;
            }
        }
    }
    run_tasks(tasks)
}

/// Runs each task in order and stops at the first failure.
fn run_tasks(tasks: &[Task]) -> ExitCode {
    for (name, task) in tasks {
        eprintln!("xtask: {name}");
        if let Err(error) = task() {
            eprintln!("xtask: {name} failed:\n{error}");
            return ExitCode::FAILURE;
        }
    }
    eprintln!("xtask: all steps passed");
    ExitCode::SUCCESS
}
