//! Sections "journey overhead" and "round trips": run `agentic-bench`'s `journeys` binary
//! (built in release) and render what it prints (JSON) as Markdown.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::{Figure, Mode, Section, cargo, target_dir};

/// The budget of both overhead ratios.
const OVERHEAD_BUDGET: f64 = 1.10;

/// The documented minimum number of API calls of each journey, with its source (API.md).
const MINIMUM: [(&str, u64, &str); 5] = [
    (
        "enrollment",
        6,
        "§2.9 A: `/card/tokenize` [J-TOKENIZE], `/provision-token-passkey` (card token) [J-PTP], `/initiateVerification` [J-TOTP], `/validateOtp` [J-VOTP], `/provision-token-passkey` (REGISTER) [J-PTP], `/enrollInAgenticService` [J-ENROLL]",
    ),
    (
        "purchase",
        3,
        "§2.9 B: `/provision-token-passkey` (AUTHENTICATE) [J-PTP], `/cards/setUpAgenticPaymentInstruction` [J-SETUP], `/cards/fetchAgenticTransactCreds` [J-FETCH]",
    ),
    (
        "direct_otp_new_card",
        4,
        "§5.7: `GET /cardbins/{bin}` [J-CE] (the demo asks for the BIN check), `POST /orders` [J-ORDER], `POST /txns` [J-SA], `POST /v2/txns/{id}/authenticate` [J-POTP]",
    ),
    (
        "direct_otp_saved_card",
        3,
        "§5.7 without the BIN check (a saved card has no BIN to check): `POST /orders`, `POST /txns` with `card_token` [J-SA], `POST /v2/txns/{id}/authenticate`",
    ),
    (
        "visa_acceptance_step_up",
        4,
        "§6.11: `…/authentication-options` [C-AO], `…/one-time-passwords` [C-OTP], `…/authentication-options/validate` [C-VAL], `…/authentication-registrations` [C-REG]",
    ),
];

fn build(bin: &str) -> Result<PathBuf, String> {
    cargo(&["build", "--release", "-p", "agentic-bench", "--bin", bin])?;
    Ok(target_dir().join("release").join(bin))
}

fn run_json(program: &Path, args: &[&str]) -> Result<json::Value, String> {
    let out = Command::new(program)
        .args(args)
        .stderr(std::process::Stdio::inherit())
        .output()
        .map_err(|e| format!("could not start {}: {e}", program.display()))?;
    if !out.status.success() {
        return Err(format!(
            "`{} {}` failed ({})",
            program.display(),
            args.join(" "),
            out.status
        ));
    }
    let text = String::from_utf8(out.stdout).map_err(|_| "non-UTF-8 output".to_owned())?;
    json::parse(text.trim())
}

/// Instructions of thread 1 in each callgrind dump part (`<base>.<part>-01`), by part.
fn callgrind_parts(base: &Path) -> Result<Vec<(usize, u64)>, String> {
    let dir = base.parent().ok_or("no directory")?;
    let stem = base
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or("bad file name")?;
    let mut parts = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| e.to_string())? {
        let name = entry.map_err(|e| e.to_string())?.file_name();
        let Some(name) = name.to_str() else { continue };
        let Some(part) = name
            .strip_prefix(stem)
            .and_then(|r| r.strip_prefix('.'))
            .and_then(|r| r.strip_suffix("-01"))
            .and_then(|p| p.parse::<usize>().ok())
        else {
            continue;
        };
        let text = std::fs::read_to_string(dir.join(name)).map_err(|e| e.to_string())?;
        let total = text
            .lines()
            .find_map(|l| {
                l.strip_prefix("summary:")
                    .or_else(|| l.strip_prefix("totals:"))
            })
            .and_then(|v| v.trim().parse::<u64>().ok())
            .ok_or_else(|| format!("{name}: no summary line"))?;
        parts.push((part, total));
    }
    parts.sort_unstable();
    Ok(parts)
}

/// Instructions per journey of each kind on `side`, measured under callgrind.
fn instructions(
    bin: &Path,
    dir: &Path,
    side: &str,
    warm: usize,
    n: usize,
) -> Result<(Vec<(String, f64)>, String), String> {
    let base = dir.join(format!("callgrind.{side}"));
    let (warm_s, n_s) = (warm.to_string(), n.to_string());
    let out_file = format!("--callgrind-out-file={}", base.display());
    let args = [
        "--tool=callgrind",
        "--separate-threads=yes",
        "--collect-atstart=no",
        "--toggle-collect=*measured_*",
        "--dump-before=*callgrind_phase_marker*",
        out_file.as_str(),
    ];
    let command = format!(
        "valgrind --tool=callgrind --separate-threads=yes --collect-atstart=no \
         --toggle-collect='*measured_*' --dump-before='*callgrind_phase_marker*' \
         --callgrind-out-file=$DIR/callgrind.{side} \
         $TARGET/release/journeys callgrind --side {side} --warm {warm} --n {n}"
    );
    let mut full: Vec<&str> = args.to_vec();
    let bin_str = bin.to_str().ok_or("non-UTF-8 path")?;
    full.extend([
        bin_str,
        "callgrind",
        "--side",
        side,
        "--warm",
        &warm_s,
        "--n",
        &n_s,
    ]);
    let out = Command::new("valgrind")
        .args(&full)
        .stderr(std::process::Stdio::null())
        .output()
        .map_err(|e| format!("could not start valgrind: {e}"))?;
    if !out.status.success() {
        return Err(format!("valgrind ({side}) failed ({})", out.status));
    }
    let printed = json::parse(String::from_utf8_lossy(&out.stdout).trim())?;
    let kinds: Vec<String> = printed
        .get("kinds")
        .and_then(json::Value::as_array)
        .ok_or("no kinds")?
        .iter()
        .filter_map(|k| k.as_str().map(str::to_owned))
        .collect();
    let parts = callgrind_parts(&base)?;
    let mut result = Vec::new();
    for (index, kind) in kinds.into_iter().enumerate() {
        // Dump 2k + 2 (1-based) holds the n measured journeys of the k-th kind.
        let part = 2 * index + 2;
        let total = parts
            .iter()
            .find(|(p, _)| *p == part)
            .map(|(_, t)| *t)
            .ok_or_else(|| format!("callgrind dump part {part} of {side} missing"))?;
        result.push((kind, total as f64 / n as f64));
    }
    Ok((result, command))
}

pub fn overhead(mode: Mode) -> Result<Section, String> {
    let bin = build("journeys")?;
    if Command::new("valgrind").arg("--version").output().is_err() {
        return Err("valgrind is not installed (apt-get install valgrind)".to_owned());
    }
    let dir = target_dir().join("bench-journeys");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let (warm, n, rounds) = if mode.quick {
        (1, 4, 150)
    } else {
        (2, 16, 600)
    };
    let (sdk, sdk_command) = instructions(&bin, &dir, "sdk", warm, n)?;
    let (base, base_command) = instructions(&bin, &dir, "baseline", warm, n)?;
    let rounds_s = rounds.to_string();
    let wall = run_json(&bin, &["wall", "--rounds", &rounds_s])?;
    let wall_kinds = wall
        .get("kinds")
        .and_then(json::Value::as_array)
        .ok_or("wall: no kinds")?;

    let mut md = String::new();
    let _ = writeln!(
        md,
        "Each journey of `agentic demo` (Direct OTP with a new and a saved card; the 3-D Secure \
         fallback is left out: its extra call is the cardholder's browser, not the client) runs \
         through the SDK (`Client::run` on the built-in ureq transport, no recorder) and \
         through a hand-written baseline (`crates/agentic-bench/src/baseline/`) making the same \
         HTTP calls with plain ureq 3 and `serde_json::Value`: same method, path, headers \
         (Juspay Basic + `x-merchantid` (+ `x-routing-id` on EC); Visa Acceptance HTTP \
         Signature computed with hmac/sha2/base64, per request) and body fields (JSON key order \
         may differ: `Value` sorts keys). The baseline computes the Basic header once, checks \
         statuses and the fields it needs next, nothing more. Both run on one client each \
         (one connection pool) against one in-process sandbox (its own threads).\n"
    );
    let _ = writeln!(
        md,
        "**Measured part.** The host's answers (cardholder, Visa page) are played in-process by \
         `scenario::unmeasured_host_answer` / `unmeasured_page_reply` (the sandbox's headless \
         page as Rust calls: no admin `/__sandbox/*` HTTP call, no recorder) and are *not* \
         measured, on either side. Measured: building the journey (ids, parameter checks), every \
         HTTP call (request building, auth, ureq, response parsing) and every prompt/answer \
         step of the SDK (`journey.submit`) or the equivalent message building and parsing of \
         the baseline.\n"
    );
    let _ = writeln!(
        md,
        "**Instructions** (callgrind, client thread only): `--toggle-collect='*measured_*'` \
         turns counting on when `measured_sdk_journey` / `measured_baseline_journey` starts and \
         off while `unmeasured_*` answers; `--dump-before='*callgrind_phase_marker*'` splits the \
         run into phases: per journey, {warm} warm-up journey(s) (first-use costs: connect, lazy \
         statics) then {n} measured ones, so start-up and first-use costs are excluded (the \
         N / 2N difference, done with dumps in one process). Thread 1 (`-01` files) is the \
         client; the sandbox runs on its own threads. Commands ($TARGET = cargo's target dir, \
         $DIR = `$TARGET/bench-journeys`):\n\n```\ncargo build --release -p agentic-bench --bin journeys\n{sdk_command}\n{base_command}\n$TARGET/release/journeys wall --rounds {rounds}\n```\n"
    );
    let _ = writeln!(
        md,
        "**Wall time**: `journeys wall`, SDK and baseline interleaved journey by journey \
         (alternating which goes first), {rounds} rounds after 3 warm-up rounds, natively; a \
         journey's time is its wall time minus the host's answering time; medians.\n"
    );
    let _ = writeln!(
        md,
        "| Journey | SDK instr. / journey | baseline instr. / journey | ratio | SDK wall (µs) | baseline wall (µs) | ratio |"
    );
    let _ = writeln!(md, "|---|---:|---:|---:|---:|---:|---:|");
    let mut worst_instr: (f64, String) = (0.0, String::new());
    let mut worst_wall: (f64, String) = (0.0, String::new());
    for ((kind, sdk_i), (_, base_i)) in sdk.iter().zip(base.iter()) {
        let ratio = sdk_i / base_i;
        if ratio > worst_instr.0 {
            worst_instr = (ratio, kind.clone());
        }
        let w = wall_kinds
            .iter()
            .find(|w| w.get("kind").and_then(json::Value::as_str) == Some(kind.as_str()));
        let num = |key: &str| w.and_then(|w| w.get(key)).and_then(json::Value::as_f64);
        let (sw, bw) = (
            num("sdk_us").unwrap_or(0.0),
            num("baseline_us").unwrap_or(0.0),
        );
        let wall_ratio = if bw > 0.0 { sw / bw } else { f64::INFINITY };
        if wall_ratio > worst_wall.0 {
            worst_wall = (wall_ratio, kind.clone());
        }
        let _ = writeln!(
            md,
            "| {kind} | {} | {} | {ratio:.2} | {sw:.0} | {bw:.0} | {wall_ratio:.2} |",
            thousands(*sdk_i),
            thousands(*base_i)
        );
    }
    let figures = vec![
        Figure {
            name: "journey overhead, instructions (worst)".to_owned(),
            value: format!("{:.2} ({})", worst_instr.0, worst_instr.1),
            budget: format!("≤ {OVERHEAD_BUDGET:.2}"),
            pass: worst_instr.0 <= OVERHEAD_BUDGET,
        },
        Figure {
            name: "journey overhead, wall (worst)".to_owned(),
            value: format!("{:.2} ({})", worst_wall.0, worst_wall.1),
            budget: format!("≤ {OVERHEAD_BUDGET:.2}"),
            pass: worst_wall.0 <= OVERHEAD_BUDGET,
        },
    ];
    Ok(Section {
        title: "Journey overhead (SDK vs hand-written ureq client)".to_owned(),
        markdown: md,
        figures,
    })
}

fn thousands(value: f64) -> String {
    let digits = format!("{:.0}", value);
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

pub fn round_trips(_mode: Mode) -> Result<Section, String> {
    let bin = build("journeys")?;
    let report = run_json(&bin, &["round-trips"])?;
    let journeys = report
        .get("journeys")
        .and_then(json::Value::as_array)
        .ok_or("no journeys")?;
    let admin = report.get("admin_call");
    let admin_num = |key: &str| {
        admin
            .and_then(|a| a.get(key))
            .and_then(json::Value::as_f64)
            .unwrap_or(-1.0)
    };
    let mut md = String::new();
    let _ = writeln!(
        md,
        "Each journey once on a fresh SDK client (its own ureq agent and pool) against one \
         in-process sandbox, the host answering in-process (no admin HTTP call); the sandbox's \
         counters before and after: `requests` (HTTP requests received) and \
         `connections_accepted` (TCP connections). The same for the baseline client, to show it \
         makes the same calls. The documented minimum comes from /work/shared/reference/API.md \
         (section and vendor page tags in the last column).\n"
    );
    let _ = writeln!(
        md,
        "Admin calls: one `GET /__sandbox/counters` on a fresh agent moved `requests` by {} and \
         `connections_accepted` by {}: the `requests` counter leaves admin routes out, \
         the connection counter does not — the journeys here make no admin call, so both deltas \
         are the client's own.\n",
        admin_num("requests"),
        admin_num("connections")
    );
    let _ = writeln!(
        md,
        "Command: `cargo build --release -p agentic-bench --bin journeys && $TARGET/release/journeys round-trips`\n"
    );
    let _ = writeln!(
        md,
        "| Journey | SDK calls | documented minimum | SDK connections | baseline calls / connections | calls (SDK, in order) | minimum: source |"
    );
    let _ = writeln!(md, "|---|---:|---:|---:|---:|---|---|");
    let (mut at_minimum, mut worst_connections) = (0, 0u64);
    for j in journeys {
        let kind = j.get("kind").and_then(json::Value::as_str).unwrap_or("?");
        let num = |side: &str, key: &str| {
            j.get(side)
                .and_then(|s| s.get(key))
                .and_then(json::Value::as_f64)
                .map_or(u64::MAX, |v| v as u64)
        };
        let (calls, connections) = (num("sdk", "requests"), num("sdk", "connections"));
        let list: Vec<&str> = j
            .get("sdk")
            .and_then(|s| s.get("calls"))
            .and_then(json::Value::as_array)
            .map(|a| a.iter().filter_map(json::Value::as_str).collect())
            .unwrap_or_default();
        let (minimum, source) = MINIMUM
            .iter()
            .find(|(k, _, _)| *k == kind)
            .map_or((0, "?"), |(_, m, s)| (*m, *s));
        if calls == minimum {
            at_minimum += 1;
        }
        worst_connections = worst_connections.max(connections);
        let _ = writeln!(
            md,
            "| {kind} | {calls} | {minimum} | {connections} | {} / {} | {} | {source} |",
            num("baseline", "requests"),
            num("baseline", "connections"),
            list.join(", ")
        );
    }
    let total = journeys.len();
    Ok(Section {
        title: "Round trips and connections per journey".to_owned(),
        markdown: md,
        figures: vec![
            Figure {
                name: "calls = documented minimum".to_owned(),
                value: format!("{at_minimum}/{total} journeys"),
                budget: format!("{total}/{total}"),
                pass: total > 0 && at_minimum == total,
            },
            Figure {
                name: "connections per journey".to_owned(),
                value: format!("{worst_connections} (max)"),
                budget: "= 1".to_owned(),
                pass: worst_connections == 1,
            },
        ],
    })
}

/// A minimal JSON reader for what the bench binaries print (xtask has no dependencies).
pub(super) mod json {
    /// A JSON value.
    #[derive(Debug, Clone, PartialEq)]
    pub enum Value {
        Null,
        Bool(bool),
        Number(f64),
        String(String),
        Array(Vec<Value>),
        Object(Vec<(String, Value)>),
    }

    impl Value {
        pub fn get(&self, key: &str) -> Option<&Value> {
            match self {
                Value::Object(fields) => fields.iter().find(|(k, _)| k == key).map(|(_, v)| v),
                _ => None,
            }
        }
        pub fn as_array(&self) -> Option<&Vec<Value>> {
            match self {
                Value::Array(items) => Some(items),
                _ => None,
            }
        }
        pub fn as_str(&self) -> Option<&str> {
            match self {
                Value::String(s) => Some(s),
                _ => None,
            }
        }
        pub fn as_f64(&self) -> Option<f64> {
            match self {
                Value::Number(n) => Some(*n),
                _ => None,
            }
        }
    }

    /// Parses one JSON document.
    pub fn parse(text: &str) -> Result<Value, String> {
        let mut parser = Parser {
            bytes: text.as_bytes(),
            at: 0,
        };
        let value = parser.value()?;
        parser.space();
        if parser.at != parser.bytes.len() {
            return Err(format!("JSON: trailing text at {}", parser.at));
        }
        Ok(value)
    }

    struct Parser<'a> {
        bytes: &'a [u8],
        at: usize,
    }

    impl Parser<'_> {
        fn space(&mut self) {
            while self.bytes.get(self.at).is_some_and(u8::is_ascii_whitespace) {
                self.at += 1;
            }
        }

        fn eat(&mut self, byte: u8) -> Result<(), String> {
            self.space();
            if self.bytes.get(self.at) == Some(&byte) {
                self.at += 1;
                Ok(())
            } else {
                Err(format!("JSON: expected `{}` at {}", byte as char, self.at))
            }
        }

        fn value(&mut self) -> Result<Value, String> {
            self.space();
            match self.bytes.get(self.at) {
                Some(b'{') => {
                    self.at += 1;
                    let mut fields = Vec::new();
                    self.space();
                    if self.bytes.get(self.at) == Some(&b'}') {
                        self.at += 1;
                        return Ok(Value::Object(fields));
                    }
                    loop {
                        self.space();
                        let key = self.string()?;
                        self.eat(b':')?;
                        fields.push((key, self.value()?));
                        self.space();
                        match self.bytes.get(self.at) {
                            Some(b',') => self.at += 1,
                            Some(b'}') => {
                                self.at += 1;
                                return Ok(Value::Object(fields));
                            }
                            _ => return Err(format!("JSON: bad object at {}", self.at)),
                        }
                    }
                }
                Some(b'[') => {
                    self.at += 1;
                    let mut items = Vec::new();
                    self.space();
                    if self.bytes.get(self.at) == Some(&b']') {
                        self.at += 1;
                        return Ok(Value::Array(items));
                    }
                    loop {
                        items.push(self.value()?);
                        self.space();
                        match self.bytes.get(self.at) {
                            Some(b',') => self.at += 1,
                            Some(b']') => {
                                self.at += 1;
                                return Ok(Value::Array(items));
                            }
                            _ => return Err(format!("JSON: bad array at {}", self.at)),
                        }
                    }
                }
                Some(b'"') => Ok(Value::String(self.string()?)),
                Some(b't') => self.word("true", Value::Bool(true)),
                Some(b'f') => self.word("false", Value::Bool(false)),
                Some(b'n') => self.word("null", Value::Null),
                Some(_) => {
                    let start = self.at;
                    while self
                        .bytes
                        .get(self.at)
                        .is_some_and(|b| b"+-.eE0123456789".contains(b))
                    {
                        self.at += 1;
                    }
                    std::str::from_utf8(&self.bytes[start..self.at])
                        .ok()
                        .and_then(|s| s.parse().ok())
                        .map(Value::Number)
                        .ok_or_else(|| format!("JSON: bad value at {start}"))
                }
                None => Err("JSON: unexpected end".to_owned()),
            }
        }

        fn word(&mut self, word: &str, value: Value) -> Result<Value, String> {
            if self.bytes[self.at..].starts_with(word.as_bytes()) {
                self.at += word.len();
                Ok(value)
            } else {
                Err(format!("JSON: bad literal at {}", self.at))
            }
        }

        fn string(&mut self) -> Result<String, String> {
            if self.bytes.get(self.at) != Some(&b'"') {
                return Err(format!("JSON: expected a string at {}", self.at));
            }
            self.at += 1;
            let mut out = Vec::new();
            loop {
                match self.bytes.get(self.at) {
                    Some(b'"') => {
                        self.at += 1;
                        return String::from_utf8(out).map_err(|_| "JSON: bad UTF-8".to_owned());
                    }
                    Some(b'\\') => {
                        let escaped = self.bytes.get(self.at + 1).copied();
                        self.at += 2;
                        match escaped {
                            Some(b'n') => out.push(b'\n'),
                            Some(b't') => out.push(b'\t'),
                            Some(b'r') => out.push(b'\r'),
                            Some(b'b') => out.push(8),
                            Some(b'f') => out.push(12),
                            Some(b'u') => {
                                let hex = self
                                    .bytes
                                    .get(self.at..self.at + 4)
                                    .and_then(|h| std::str::from_utf8(h).ok())
                                    .and_then(|h| u32::from_str_radix(h, 16).ok())
                                    .ok_or("JSON: bad \\u escape")?;
                                self.at += 4;
                                let c = char::from_u32(hex).unwrap_or('\u{fffd}');
                                let mut buf = [0; 4];
                                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                            }
                            Some(other) => out.push(other),
                            None => return Err("JSON: unexpected end".to_owned()),
                        }
                    }
                    Some(&byte) => {
                        out.push(byte);
                        self.at += 1;
                    }
                    None => return Err("JSON: unterminated string".to_owned()),
                }
            }
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn parses_what_the_bench_binaries_print() {
            let v = parse(r#"{"a":[1,2.5e1,"x\"y\u00e9"],"b":{"c":true,"d":null},"e":-3}"#)
                .expect("valid");
            assert_eq!(v.get("e").and_then(Value::as_f64), Some(-3.0));
            let a = v.get("a").and_then(Value::as_array).expect("array");
            assert_eq!(a[1].as_f64(), Some(25.0));
            assert_eq!(a[2].as_str(), Some("x\"yé"));
            assert!(parse("{").is_err());
        }
    }
}
