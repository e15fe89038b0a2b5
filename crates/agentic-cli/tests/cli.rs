//! The `agentic` binary as real processes: the demo (transcript and `--json`), the standalone
//! sandbox, and the real-account commands against it with scripted standard input — the test
//! plays the Visa page itself through the sandbox's headless endpoints. Every process is bounded
//! in time and killed if it overruns.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_agentic");

/// Every variable the commands read: none may leak in from the test's environment.
const VARS: &[&str] = &[
    "AGENTIC_JUSPAY_API_KEY",
    "AGENTIC_JUSPAY_MERCHANT_ID",
    "AGENTIC_JUSPAY_ROUTING_ID",
    "AGENTIC_VISA_MERCHANT_ID",
    "AGENTIC_VISA_KEY_ID",
    "AGENTIC_VISA_SHARED_SECRET",
    "AGENTIC_CARD_NUMBER",
    "AGENTIC_CARD_EXP_MONTH",
    "AGENTIC_CARD_EXP_YEAR",
    "AGENTIC_CARD_CVV",
    "AGENTIC_CARD_NAME",
    "AGENTIC_CARD_TOKEN",
];

// The sandbox's test values (agentic_sandbox::magic and SandboxConfig::default()).
const RIGHT_OTP: &str = "456789";
const CARD_CHALLENGED: &str = "4242424242424242";
const CARD_3DS_FALLBACK: &str = "4000000000003220";
const API_KEY: &str = "sandbox_api_key_5f2c";
const MERCHANT_ID: &str = "agentic_sandbox";
const VISA_MERCHANT_ID: &str = "agentic_visa_sandbox";
const VISA_KEY_ID: &str = "08c94330-f618-42a3-b09d-e1e43be5efda";
const VISA_SHARED_SECRET: &str = "c2FuZGJveC1zaGFyZWQtc2VjcmV0LWFnZW50aWMtMzI=";
/// Prefixes of the sandbox's secureToken, fidoBlob and Visa payload (JWT header
/// `{"alg":"none","typ":"JWT"}`).
const SECRET_PREFIXES: &[&str] = &[
    "ezAwMX06sbx",
    "fido-sbx-",
    "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0",
];

fn command(args: &[&str]) -> Command {
    let mut command = Command::new(BIN);
    command.args(args);
    for var in VARS {
        command.env_remove(var);
    }
    command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

/// A running `agentic` process: stdout arrives line by line on a channel.
struct Process {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
    stdout_seen: Vec<String>,
    stdout_thread: Option<JoinHandle<()>>,
    stderr_thread: Option<JoinHandle<String>>,
}

impl Process {
    fn spawn(mut command: Command) -> Self {
        let mut child = command.spawn().expect("spawn agentic");
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().expect("stdout");
        let mut stderr = child.stderr.take().expect("stderr");
        let (tx, lines) = mpsc::channel();
        let stdout_thread = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let stderr_thread = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = stderr.read_to_string(&mut text);
            text
        });
        Self {
            child,
            stdin,
            lines,
            stdout_seen: Vec::new(),
            stdout_thread: Some(stdout_thread),
            stderr_thread: Some(stderr_thread),
        }
    }

    fn send(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        writeln!(stdin, "{line}").expect("write stdin");
        stdin.flush().expect("flush stdin");
    }

    fn close_stdin(&mut self) {
        self.stdin = None;
    }

    /// The next stdout line for which `pick` says yes, within `timeout`.
    fn expect_line(&mut self, timeout: Duration, pick: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.stdout_seen.push(line.clone());
                    if pick(&line) {
                        return line;
                    }
                }
                Err(RecvTimeoutError::Timeout) => {
                    let _ = self.child.kill();
                    panic!(
                        "no expected line within {timeout:?}; stdout so far:\n{}",
                        self.stdout_seen.join("\n")
                    );
                }
                Err(RecvTimeoutError::Disconnected) => panic!(
                    "stdout closed before the expected line; stdout:\n{}",
                    self.stdout_seen.join("\n")
                ),
            }
        }
    }

    /// Waits for the exit within `timeout` (killing the process past it); returns the status,
    /// the whole stdout and the stderr.
    fn finish(mut self, timeout: Duration) -> (ExitStatus, String, String) {
        self.close_stdin();
        let deadline = Instant::now() + timeout;
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                break status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                panic!(
                    "agentic did not exit within {timeout:?}; stdout so far:\n{}",
                    self.stdout_seen.join("\n")
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        if let Some(thread) = self.stdout_thread.take() {
            let _ = thread.join();
        }
        self.stdout_seen.extend(self.lines.try_iter());
        let stderr = self
            .stderr_thread
            .take()
            .and_then(|t| t.join().ok())
            .unwrap_or_default();
        (status, self.stdout_seen.join("\n"), stderr)
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        // A panicking test must not leave a process behind.
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A standalone `agentic sandbox` on a free port, stopped by closing its stdin.
struct Standalone {
    process: Process,
    url: String,
}

impl Standalone {
    fn start() -> Self {
        let mut process = Process::spawn(command(&[
            "sandbox",
            "--addr",
            "127.0.0.1:0",
            "--until-stdin-closes",
        ]));
        let first = process.expect_line(Duration::from_secs(20), |_| true);
        let url = first
            .strip_prefix("agentic sandbox listening on ")
            .unwrap_or_else(|| panic!("first line: {first}"))
            .to_owned();
        assert!(url.starts_with("http://127.0.0.1:"), "{url}");
        Self { process, url }
    }

    fn post(&self, path: &str, body: &str) -> String {
        ureq::post(&format!("{}{path}", self.url))
            .header("content-type", "application/json")
            .send(body)
            .expect("sandbox answers")
            .body_mut()
            .read_to_string()
            .expect("body")
    }

    fn get_json(&self, path: &str) -> Value {
        let text = ureq::get(&format!("{}{path}", self.url))
            .call()
            .expect("sandbox answers")
            .body_mut()
            .read_to_string()
            .expect("body");
        serde_json::from_str(&text).expect("json")
    }

    /// The `AUTH_SESSION_CREATED` message the page would post.
    fn session_message(&self) -> String {
        self.post("/__sandbox/visa-page/session", "{}")
    }

    /// The page's answer to the `AUTHENTICATE` message the CLI printed.
    fn ceremony_reply(&self, authenticate: &str) -> String {
        self.post("/__sandbox/visa-page/ceremony", authenticate)
    }

    fn juspay(&self, args: &[&str]) -> Command {
        let mut command = command(args);
        command
            .env("AGENTIC_JUSPAY_API_KEY", API_KEY)
            .env("AGENTIC_JUSPAY_MERCHANT_ID", MERCHANT_ID);
        command
    }

    fn stop(self) -> (ExitStatus, String) {
        let (status, stdout, _) = self.process.finish(Duration::from_secs(15));
        (status, stdout)
    }
}

fn is_message(line: &str, message_type: &str) -> bool {
    serde_json::from_str::<Value>(line)
        .ok()
        .is_some_and(|v| v["type"] == message_type)
}

fn assert_no_secrets(text: &str, extra: &[&str]) {
    for secret in [
        RIGHT_OTP,
        CARD_CHALLENGED,
        CARD_3DS_FALLBACK,
        API_KEY,
        VISA_SHARED_SECRET,
    ]
    .iter()
    .chain(SECRET_PREFIXES)
    .chain(extra)
    {
        assert!(!text.contains(secret), "`{secret}` printed:\n{text}");
    }
}

fn field<'a>(value: &'a Value, path: &[&str]) -> &'a str {
    path.iter()
        .fold(value, |v, key| &v[*key])
        .as_str()
        .unwrap_or_else(|| panic!("no {path:?} in the message"))
}

// ----- agentic demo ---------------------------------------------------------------------------

const JOURNEYS: [&str; 5] = [
    "enrollment",
    "purchase",
    "direct_otp_native",
    "direct_otp_3ds_fallback",
    "visa_acceptance_step_up",
];

#[test]
fn demo_runs_every_journey_and_ends_with_the_summary() {
    let (status, stdout, stderr) =
        Process::spawn(command(&["demo"])).finish(Duration::from_secs(90));
    assert!(status.success(), "{status}\n{stdout}\n{stderr}");
    for (index, name) in JOURNEYS.iter().enumerate() {
        assert!(
            stdout.contains(&format!("== [{}/5] {name}: ", index + 1)),
            "no header for {name}:\n{stdout}"
        );
        assert!(
            stdout.contains(&format!("   ok       {name}: ")),
            "{name} not ok:\n{stdout}"
        );
    }
    for step in [
        "juspay_vat.card_tokenize  POST /card/tokenize → 200",
        "ChooseStepUp [1 OTPSMS",
        "EnterOtp (3 attempts left, 2 resends left) → OTP ******",
        "PasskeyCeremony REGISTER (hidden iframe) → posted AUTHENTICATE",
        "AUTH_SESSION_CREATED (secureToken <redacted>)",
        "juspay_ec.process_otp  POST /v2/txns/",
        "status CHARGED",
        "Redirect to /v2/pay/start/guest/",
        "juspay_ec.order_status  GET /orders/",
        "visa_acceptance.authentication_registration  POST /tms/v2/tokenized-cards/tkn_challenged/authentication-registrations → 200",
        "passkey verified: REGISTER ceremony complete",
        "authorised: payment credentials token ****",
    ] {
        assert!(stdout.contains(step), "missing `{step}`:\n{stdout}");
    }
    let last = stdout.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("summary: 5/5 journeys ok, 20 requests, "),
        "last line: {last}"
    );
    assert!(
        last.ends_with("the sandbox counted 1 token provisioned, 3 OTPs sent, 3 charges, 2 passkeys registered, 1 enrollment"),
        "exactly once: {last}"
    );
    assert_no_secrets(&stdout, &[]);
    assert_no_secrets(&stderr, &[]);
}

#[test]
fn demo_json_is_one_ok_line_per_journey_without_secrets() {
    let (status, stdout, stderr) =
        Process::spawn(command(&["demo", "--json"])).finish(Duration::from_secs(90));
    assert!(status.success(), "{status}\n{stdout}\n{stderr}");
    let lines: Vec<Value> = stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect();
    assert_eq!(lines.len(), 5, "{stdout}");
    let names: Vec<&str> = lines.iter().map(|l| field(l, &["journey"])).collect();
    assert_eq!(names, JOURNEYS);
    for line in &lines {
        assert_eq!(line["ok"], true, "{line}");
        assert!(line["requests"].as_u64().is_some_and(|n| n >= 3), "{line}");
        assert!(line["duration_ms"].is_u64(), "{line}");
        assert!(line["outcome"].is_object(), "{line}");
    }
    assert_eq!(field(&lines[0], &["outcome", "status"]), "ACTIVE");
    assert!(field(&lines[1], &["outcome", "token_number"]).starts_with("****"));
    assert_eq!(field(&lines[1], &["outcome", "cryptogram"]), "<redacted>");
    assert_eq!(field(&lines[2], &["outcome", "status"]), "CHARGED");
    assert_eq!(field(&lines[3], &["outcome", "status"]), "CHARGED");
    assert_eq!(field(&lines[4], &["outcome", "action"]), "REGISTER");
    assert!(
        stdout.starts_with("{\"journey\":\"enrollment\",\"ok\":true,"),
        "{stdout}"
    );
    assert_no_secrets(&stdout, &[]);
}

// ----- agentic sandbox --------------------------------------------------------------------------

#[test]
fn closing_stdin_stops_the_standalone_sandbox() {
    let sandbox = Standalone::start();
    let counters = sandbox.get_json("/__sandbox/counters");
    assert_eq!(counters["charges"], 0, "{counters}");
    let url = sandbox.url.clone();
    let (status, stdout) = sandbox.stop();
    assert!(status.success(), "{status}");
    for expected in [
        "export AGENTIC_JUSPAY_API_KEY=sandbox_api_key_5f2c",
        "export AGENTIC_VISA_SHARED_SECRET=",
        "Magic values:",
        "456789",
        "4000000000003220 3-D Secure fallback",
    ] {
        assert!(stdout.contains(expected), "missing `{expected}`:\n{stdout}");
    }
    assert!(stdout.ends_with("agentic sandbox stopped"), "{stdout}");
    assert!(
        ureq::get(&format!("{url}/__sandbox/counters"))
            .config()
            .timeout_global(Some(Duration::from_secs(2)))
            .build()
            .call()
            .is_err(),
        "the port no longer answers"
    );
}

// ----- real-account commands against the standalone sandbox ---------------------------------

#[test]
fn pay_with_the_native_otp_ends_charged() {
    let sandbox = Standalone::start();
    let mut command = sandbox.juspay(&[
        "pay",
        "--env",
        &sandbox.url,
        "--amount",
        "100.00",
        "--currency",
        "INR",
        "--customer-id",
        "cust_cli_1",
        "--check-bin",
    ]);
    command
        .env("AGENTIC_CARD_NUMBER", CARD_CHALLENGED)
        .env("AGENTIC_CARD_EXP_MONTH", "12")
        .env("AGENTIC_CARD_EXP_YEAR", "39")
        .env("AGENTIC_CARD_CVV", "123");
    let mut pay = Process::spawn(command);
    pay.send("111111"); // wrong first
    pay.send(RIGHT_OTP);
    let (status, stdout, stderr) = pay.finish(Duration::from_secs(30));
    assert!(status.success(), "{status}\n{stdout}\n{stderr}");
    assert!(stdout.contains("The last OTP was wrong."), "{stdout}");
    let last = stdout.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("paid: order ") && last.ends_with("status CHARGED"),
        "{last}"
    );
    assert_eq!(
        stdout
            .matches("juspay_ec.process_otp  POST /v2/txns/")
            .count(),
        2
    );
    assert_no_secrets(&stdout, &[]);
    assert_no_secrets(&stderr, &[]);
    let counters = sandbox.get_json("/__sandbox/counters");
    assert_eq!(
        (counters["charges"].as_u64(), counters["otps_sent"].as_u64()),
        (Some(1), Some(1)),
        "{counters}"
    );
    sandbox.stop();
}

#[test]
fn pay_with_the_3ds_fallback_ends_charged_after_the_bank_page() {
    let sandbox = Standalone::start();
    let mut command = sandbox.juspay(&["pay", "--env", &sandbox.url, "--amount", "100.00"]);
    command
        .env("AGENTIC_JUSPAY_ROUTING_ID", "cust_cli_2")
        .env("AGENTIC_CARD_NUMBER", CARD_3DS_FALLBACK)
        .env("AGENTIC_CARD_EXP_MONTH", "12")
        .env("AGENTIC_CARD_EXP_YEAR", "39")
        .env("AGENTIC_CARD_CVV", "123");
    let mut pay = Process::spawn(command);
    let page = pay.expect_line(Duration::from_secs(20), |l| {
        l.starts_with(&format!("{}/v2/pay/start/guest/", sandbox.url))
    });
    // The cardholder's browser completes the bank page.
    ureq::get(&page).call().expect("bank page");
    pay.send("");
    let (status, stdout, stderr) = pay.finish(Duration::from_secs(30));
    assert!(status.success(), "{status}\n{stdout}\n{stderr}");
    assert!(stdout.ends_with("status CHARGED"), "{stdout}");
    sandbox.stop();
}

#[test]
fn enroll_then_purchase_with_the_page_played_by_the_test() {
    let sandbox = Standalone::start();

    // Enroll: card details from the environment; the test pastes the page's messages.
    let mut command = sandbox.juspay(&[
        "enroll",
        "--env",
        &sandbox.url,
        "--customer-id",
        "cust_cli_3",
        "--amount",
        "92.65",
        "--currency",
        "SGD",
    ]);
    command
        .env("AGENTIC_CARD_NUMBER", CARD_CHALLENGED)
        .env("AGENTIC_CARD_EXP_MONTH", "12")
        .env("AGENTIC_CARD_EXP_YEAR", "39")
        .env("AGENTIC_CARD_CVV", "123");
    let session = sandbox.session_message();
    let secure_token = field(
        &serde_json::from_str(&session).expect("json"),
        &["sessionContext", "secureToken"],
    )
    .to_owned();
    let mut enroll = Process::spawn(command);
    enroll.send(&session);
    enroll.send("1"); // the first method: OTPSMS
    enroll.send(RIGHT_OTP);
    let authenticate =
        enroll.expect_line(Duration::from_secs(20), |l| is_message(l, "AUTHENTICATE"));
    let message: Value = serde_json::from_str(&authenticate).expect("json");
    assert_eq!(message["authenticationContext"]["action"], "REGISTER");
    let reply = sandbox.ceremony_reply(&authenticate);
    let fido_blob = field(
        &serde_json::from_str(&reply).expect("json"),
        &["assuranceData", "fidoBlob"],
    )
    .to_owned();
    enroll.send(&reply);
    let (status, stdout, stderr) = enroll.finish(Duration::from_secs(30));
    assert!(status.success(), "{status}\n{stdout}\n{stderr}");
    assert!(stdout.contains("  1. OTPSMS"), "{stdout}");
    let token = stdout
        .lines()
        .last()
        .and_then(|l| l.strip_prefix("enrolled: vProvisionedTokenId "))
        .and_then(|rest| rest.strip_suffix(", status ACTIVE"))
        .unwrap_or_else(|| panic!("{stdout}"))
        .to_owned();
    let without_ceremony_message: String = stdout
        .lines()
        .filter(|l| !is_message(l, "AUTHENTICATE"))
        .collect::<Vec<_>>()
        .join("\n");
    assert_no_secrets(&without_ceremony_message, &[&secure_token, &fido_blob]);

    // Purchase with the token just enrolled.
    let mut purchase = Process::spawn(sandbox.juspay(&[
        "purchase",
        "--env",
        &sandbox.url,
        "--customer-id",
        "cust_cli_3",
        "--token-id",
        &token,
        "--amount",
        "92.65",
        "--currency",
        "SGD",
        "--limit",
        "200.00",
    ]));
    purchase.send(&sandbox.session_message());
    let authenticate =
        purchase.expect_line(Duration::from_secs(20), |l| is_message(l, "AUTHENTICATE"));
    let reply = sandbox.ceremony_reply(&authenticate);
    purchase.send(&reply);
    let (status, stdout, stderr) = purchase.finish(Duration::from_secs(30));
    assert!(status.success(), "{status}\n{stdout}\n{stderr}");
    let last = stdout.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("authorised: payment credentials token ****")
            && last.contains("cryptogram DTVV <redacted>"),
        "{last}"
    );
    let counters = sandbox.get_json("/__sandbox/counters");
    assert_eq!(counters["enrollments"], 1, "{counters}");
    assert_eq!(counters["charges"], 1, "{counters}");
    sandbox.stop();
}

#[test]
fn visa_passkey_with_step_up_registers_the_passkey() {
    let sandbox = Standalone::start();
    let mut command = command(&[
        "visa-passkey",
        "--env",
        &sandbox.url,
        "--token-id",
        "tkn_challenged_cli",
        "--amount",
        "25.00",
        "--currency",
        "USD",
        "--merchant-name",
        "CLI Store",
        "--merchant-url",
        "https://cli.example",
        "--email",
        "buyer@example.com",
    ]);
    command
        .env("AGENTIC_VISA_MERCHANT_ID", VISA_MERCHANT_ID)
        .env("AGENTIC_VISA_KEY_ID", VISA_KEY_ID)
        .env("AGENTIC_VISA_SHARED_SECRET", VISA_SHARED_SECRET);
    let mut visa = Process::spawn(command);
    // The whole page protocol: the page loads (AUTH_READY), the CLI prints CREATE_AUTH_SESSION
    // to post, the page answers AUTH_SESSION_CREATED.
    visa.send(r#"{"type":"AUTH_READY","requestID":"page-req-1"}"#);
    let create = visa.expect_line(Duration::from_secs(20), |l| {
        is_message(l, "CREATE_AUTH_SESSION")
    });
    let create: Value = serde_json::from_str(&create).expect("json");
    assert_eq!(
        create["requestID"], "page-req-1",
        "AUTH_READY's id is echoed"
    );
    let created = sandbox.post("/__sandbox/visa-page/session", &create.to_string());
    assert!(is_message(&created, "AUTH_SESSION_CREATED"), "{created}");
    visa.send(&created);
    visa.send("1"); // OTP_SMS
    visa.send(RIGHT_OTP);
    let authenticate = visa.expect_line(Duration::from_secs(20), |l| is_message(l, "AUTHENTICATE"));
    visa.send(&sandbox.ceremony_reply(&authenticate));
    let (status, stdout, stderr) = visa.finish(Duration::from_secs(30));
    assert!(status.success(), "{status}\n{stdout}\n{stderr}");
    assert!(
        stdout.contains("visa_acceptance.authentication_registration  POST /tms/v2/tokenized-cards/tkn_challenged_cli/authentication-registrations → 200"),
        "{stdout}"
    );
    assert!(
        stdout
            .lines()
            .last()
            .is_some_and(|l| l.starts_with("passkey verified: REGISTER ceremony complete")),
        "{stdout}"
    );
    assert_eq!(
        sandbox.get_json("/__sandbox/counters")["passkeys_registered"],
        1
    );
    sandbox.stop();
}

#[test]
fn a_wrong_api_key_is_one_error_line_with_the_code_and_a_non_zero_exit() {
    const WRONG_KEY: &str = "wrong_key_7c1d";
    let sandbox = Standalone::start();
    let mut command = sandbox.juspay(&[
        "purchase",
        "--env",
        &sandbox.url,
        "--customer-id",
        "cust_cli_4",
        "--token-id",
        "vpt_unknown",
        "--amount",
        "10.00",
        "--currency",
        "SGD",
    ]);
    command.env("AGENTIC_JUSPAY_API_KEY", WRONG_KEY);
    let mut purchase = Process::spawn(command);
    purchase.send(&sandbox.session_message());
    let (status, stdout, stderr) = purchase.finish(Duration::from_secs(30));
    assert_eq!(status.code(), Some(1), "{stdout}\n{stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one line: {stderr}");
    assert!(
        lines[0].starts_with("error: Juspay VAT HTTP 401: ")
            && lines[0].contains("(code UNAUTHORIZED) [request id "),
        "{stderr}"
    );
    assert!(!stderr.contains(WRONG_KEY) && !stdout.contains(WRONG_KEY));
    sandbox.stop();
}

#[test]
fn missing_credentials_are_a_usage_error_before_anything_is_sent() {
    let (status, stdout, stderr) = Process::spawn(command(&[
        "pay",
        "--env",
        "http://127.0.0.1:9",
        "--amount",
        "1.00",
    ]))
    .finish(Duration::from_secs(20));
    assert_eq!(status.code(), Some(2), "{stdout}\n{stderr}");
    assert_eq!(
        stderr.trim_end(),
        "error: AGENTIC_JUSPAY_API_KEY is not set: export the Juspay API key (credentials are read only from the environment)"
    );
}

#[test]
fn closing_stdin_at_a_prompt_cancels_the_journey() {
    let sandbox = Standalone::start();
    let mut command = sandbox.juspay(&["pay", "--env", &sandbox.url, "--amount", "100.00"]);
    command
        .env("AGENTIC_CARD_NUMBER", CARD_CHALLENGED)
        .env("AGENTIC_CARD_EXP_MONTH", "12")
        .env("AGENTIC_CARD_EXP_YEAR", "39")
        .env("AGENTIC_CARD_CVV", "123");
    let mut pay = Process::spawn(command);
    pay.expect_line(Duration::from_secs(20), |l| l.starts_with("Enter the OTP"));
    let (status, _, stderr) = pay.finish(Duration::from_secs(20));
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert_eq!(
        stderr.trim_end(),
        "error: standard input closed before an answer was given (EnterOtp); the journey was cancelled"
    );
    assert_eq!(sandbox.get_json("/__sandbox/counters")["charges"], 0);
    sandbox.stop();
}
