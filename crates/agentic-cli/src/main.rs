//! The `agentic` command. See the crate README.

use std::io::{self, Write};
use std::process::ExitCode;

use agentic_cli::account::{
    self, CliError, Console, EnrollArgs, PayArgs, PurchaseArgs, VisaPasskeyArgs,
};
use agentic_cli::{demo, standalone};
use clap::{Parser, Subcommand};

/// Visa agentic card journeys on Juspay and Visa Acceptance: the demo, a local sandbox, and
/// journeys against your account.
#[derive(Debug, Parser)]
#[command(name = "agentic", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Start the embedded sandbox and run every journey end to end, printing a transcript.
    Demo {
        /// One JSON object per journey per line instead of the transcript.
        #[arg(long)]
        json: bool,
    },
    /// Run the sandbox standalone: prints its URL, test credentials and magic values.
    Sandbox {
        /// Where to listen (127.0.0.1:0 picks a free port).
        #[arg(long, default_value = "127.0.0.1:4242", value_name = "HOST:PORT")]
        addr: String,
        /// Stop when standard input closes (for scripts and tests).
        #[arg(long)]
        until_stdin_closes: bool,
    },
    /// Enroll a card (Juspay VAT): token, step-up OTP, passkey registration, enrollment.
    Enroll(EnrollArgs),
    /// Agentic purchase (Juspay VAT): passkey, payment instruction, payment credentials.
    Purchase(PurchaseArgs),
    /// Pay with a native card OTP (Juspay Direct OTP), with the 3-D Secure fallback.
    Pay(PayArgs),
    /// Tokenized-card passkey with step-up OTP (Visa Acceptance).
    VisaPasskey(VisaPasskeyArgs),
}

fn fail(error: &dyn std::fmt::Display, code: u8) -> ExitCode {
    // One line: the error never spans lines (a provider message could hold a newline).
    let line = error.to_string().replace(['\n', '\r'], " ");
    let _ = writeln!(io::stderr(), "error: {line}");
    ExitCode::from(code)
}

fn interactive(
    run: impl FnOnce(&mut Console<'_>) -> Result<agentic_core::journey::Outcome, CliError>,
) -> ExitCode {
    let stdin = io::stdin();
    let mut input = stdin.lock();
    let mut out = io::stdout().lock();
    let mut console = Console::new(&mut input, &mut out);
    match run(&mut console) {
        Ok(_) => ExitCode::SUCCESS,
        Err(error) => {
            let _ = out.flush();
            fail(&error, error.exit_code())
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let vars = account::process_vars;
    match cli.command {
        Command::Demo { json } => {
            let format = if json {
                demo::Format::Json
            } else {
                demo::Format::Human
            };
            let mut out = io::stdout().lock();
            match demo::run(&mut out, format) {
                Ok(report) if report.all_ok() => ExitCode::SUCCESS,
                Ok(report) => {
                    let failed = report.journeys.iter().filter(|j| !j.ok()).count();
                    fail(&format!("{failed} journey(s) failed"), 1)
                }
                // `agentic demo | head`: the reader left; nothing to report to.
                Err(demo::DemoError::Output(error))
                    if error.kind() == io::ErrorKind::BrokenPipe =>
                {
                    ExitCode::from(1)
                }
                Err(error) => fail(&error, 1),
            }
        }
        Command::Sandbox {
            addr,
            until_stdin_closes,
        } => {
            let until = if until_stdin_closes {
                standalone::Until::StdinCloses
            } else {
                standalone::Until::Killed
            };
            match standalone::run(&addr, until, &mut io::stdout()) {
                Ok(()) => ExitCode::SUCCESS,
                Err(error) => fail(&format!("agentic sandbox on {addr}: {error}"), 1),
            }
        }
        Command::Enroll(args) => interactive(|c| account::enroll(&args, &vars, c)),
        Command::Purchase(args) => interactive(|c| account::purchase(&args, &vars, c)),
        Command::Pay(args) => interactive(|c| account::pay(&args, &vars, c)),
        Command::VisaPasskey(args) => interactive(|c| account::visa_passkey(&args, &vars, c)),
    }
}
