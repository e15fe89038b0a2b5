//! `cargo xtask <command>`: everything that is more than one cargo command.
//!
//! - `test`: formatting check, clippy with `-D warnings`, every test of the workspace, then
//!   the docs with warnings as errors.
//!   This is what CI runs (`.ci/run`).

use std::process::{Command, ExitCode};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("test") => run_all(&[
            ("formatting", &["fmt", "--all", "--", "--check"]),
            (
                "clippy",
                &[
                    "clippy",
                    "--workspace",
                    "--all-targets",
                    "--",
                    "-D",
                    "warnings",
                ],
            ),
            ("tests", &["test", "--workspace"]),
            ("docs", &["doc", "--workspace", "--no-deps"]),
        ]),
        _ => {
            eprintln!("usage: cargo xtask test");
            ExitCode::from(2)
        }
    }
}

/// Runs each cargo step in order and stops at the first failure.
fn run_all(steps: &[(&str, &[&str])]) -> ExitCode {
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
    eprintln!("xtask: all steps passed");
    ExitCode::SUCCESS
}
