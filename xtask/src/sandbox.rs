//! The standalone sandbox for the tests of the bindings: `agentic sandbox --addr 127.0.0.1:0
//! --until-stdin-closes` (the binary `cargo build -p agentic-cli` makes), whose URL is the first
//! line it prints. Dropping the [`Sandbox`] closes its standard input, which stops it.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

/// A running standalone sandbox.
#[derive(Debug)]
pub struct Sandbox {
    child: Child,
    stdin: Option<ChildStdin>,
    url: String,
}

impl Sandbox {
    /// Starts `binary` (`target/debug/agentic`) on an ephemeral loopback port.
    pub fn start(binary: &Path) -> Result<Self, String> {
        let mut child = Command::new(binary)
            .args(["sandbox", "--addr", "127.0.0.1:0", "--until-stdin-closes"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("could not start {}: {e}", binary.display()))?;
        let stdin = child.stdin.take();
        let Some(stdout) = child.stdout.take() else {
            let _ = child.kill();
            return Err("the sandbox's standard output was not captured".to_owned());
        };
        let mut lines = BufReader::new(stdout);
        let mut first = String::new();
        let read = lines.read_line(&mut first);
        let url = first
            .trim()
            .strip_prefix("agentic sandbox listening on ")
            .map(str::to_owned);
        let Some(url) = url.filter(|_| read.is_ok()) else {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!(
                "the sandbox did not print its URL (first line: {first:?})"
            ));
        };
        // Keep draining what it prints (the cheat sheet, "stopped") so it never blocks.
        std::thread::spawn(move || {
            let _ = std::io::copy(&mut lines, &mut std::io::sink());
        });
        Ok(Self { child, stdin, url })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> &str {
        &self.url
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        drop(self.stdin.take());
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            match self.child.try_wait() {
                Ok(Some(_)) => return,
                Ok(None) => std::thread::sleep(Duration::from_millis(50)),
                Err(_) => break,
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
