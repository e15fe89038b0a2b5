//! The C binding (`bindings/c`, DESIGN.md §7): [`check`] is the C part of `cargo xtask test`.
//!
//! 1. `cargo build -p agentic-ffi` (build.rs generates the header into the build script's
//!    `OUT_DIR`, which cargo reports) and `cargo build -p agentic-cli` (the sandbox), as two
//!    invocations;
//! 2. the committed `bindings/c/include/agentic.h` must equal the generated header (`cargo
//!    xtask c-header` rewrites it; the unit test
//!    `c_api::tests::the_committed_c_header_is_the_generated_one` checks the same in `cargo
//!    test`);
//! 3. starts the sandbox, then for a normal build (`<target>/c-build`, static library) and a
//!    sanitizer build (`<target>/c-build-sanitize`, `-fsanitize=address,undefined`, shared
//!    library): CMake configure, build (every file with `-Wall -Wextra -Werror -pedantic`, the
//!    header also as C99 and C++17) and `ctest`, which prints its summary line.
//!
//! Each step prints how long it took.

use crate::target_dir;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use crate::sandbox::Sandbox;

/// The committed header.
const HEADER: &str = "bindings/c/include/agentic.h";

/// The workspace root.
fn root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()))
}

/// Runs `command` in `root` as the step `name`, printing its duration.
fn step(name: &str, root: &Path, command: &mut Command) -> Result<(), String> {
    command.current_dir(root);
    let shown = format!("{command:?}");
    eprintln!("xtask: c: {name}: {shown}");
    let started = Instant::now();
    let result = match command.status() {
        Ok(status) if status.success() => Ok(()),
        Ok(status) => Err(format!("{name}: {shown} failed ({status})")),
        Err(error) => Err(format!("{name}: could not start {shown}: {error}")),
    };
    eprintln!(
        "xtask: c: {name} took {:.1} s",
        started.elapsed().as_secs_f64()
    );
    result
}

/// Builds agentic-ffi and returns the header its build script generated.
fn build_library(root: &Path) -> Result<PathBuf, String> {
    let mut command = cargo();
    command
        .current_dir(root)
        .args([
            "build",
            "-p",
            "agentic-ffi",
            "--message-format=json-render-diagnostics",
        ])
        .stderr(Stdio::inherit());
    eprintln!("xtask: c: build agentic-ffi: {command:?}");
    let started = Instant::now();
    let output = command
        .output()
        .map_err(|e| format!("could not start cargo build: {e}"))?;
    eprintln!(
        "xtask: c: build agentic-ffi took {:.1} s",
        started.elapsed().as_secs_f64()
    );
    if !output.status.success() {
        return Err(format!(
            "cargo build -p agentic-ffi failed ({})",
            output.status
        ));
    }
    // `{"reason":"build-script-executed","package_id":"path+file:///…/agentic-ffi#0.1.0",…,
    // "out_dir":"/…/out"}`
    let messages = String::from_utf8_lossy(&output.stdout);
    messages
        .lines()
        .filter(|line| {
            line.contains("\"reason\":\"build-script-executed\"")
                && line.contains("/crates/agentic-ffi#")
        })
        .find_map(|line| {
            let start = line.find("\"out_dir\":\"")? + "\"out_dir\":\"".len();
            let length = line[start..].find('"')?;
            Some(PathBuf::from(&line[start..start + length]).join("agentic.h"))
        })
        .ok_or_else(|| "cargo did not report agentic-ffi's build script output".to_owned())
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))
}

/// Fails when the committed header is not the generated one, naming the first different line.
fn compare_header(root: &Path, generated: &Path) -> Result<(), String> {
    let generated_text = read(generated)?;
    let committed_text = read(&root.join(HEADER)).unwrap_or_default();
    if generated_text == committed_text {
        eprintln!("xtask: c: {HEADER} is fresh");
        return Ok(());
    }
    let line = generated_text
        .lines()
        .zip(committed_text.lines())
        .position(|(a, b)| a != b)
        .unwrap_or_else(|| {
            generated_text
                .lines()
                .count()
                .min(committed_text.lines().count())
        })
        + 1;
    Err(format!(
        "{HEADER} is stale (the C ABI in crates/agentic-ffi/src/c_api changed; first difference \
         at line {line}, generated: {}): run `cargo xtask c-header` and commit the header",
        generated.display()
    ))
}

/// The C part of `cargo xtask test` (see the module docs).
pub fn check() -> Result<(), String> {
    let root = root();
    let target = target_dir(&root);
    let generated = build_library(&root)?;
    step(
        "build agentic-cli",
        &root,
        cargo().args(["build", "-p", "agentic-cli"]),
    )?;
    compare_header(&root, &generated)?;
    let sandbox = Sandbox::start(&target.join("debug").join("agentic"))?;
    eprintln!("xtask: c: sandbox at {}", sandbox.url());
    let library_dir = target.join("debug");
    let builds: [(&str, &[&str]); 2] = [
        ("c-build", &[]),
        (
            "c-build-sanitize",
            &["-DAGENTIC_SANITIZE=ON", "-DAGENTIC_LINK_STATIC=OFF"],
        ),
    ];
    for (dir, options) in builds {
        let build = target.join(dir);
        step(
            &format!("{dir}: configure"),
            &root,
            Command::new("cmake")
                .arg("-S")
                .arg(root.join("bindings/c"))
                .arg("-B")
                .arg(&build)
                .arg(format!("-DAGENTIC_LIBRARY_DIR={}", library_dir.display()))
                .args(options),
        )?;
        step(
            &format!("{dir}: build"),
            &root,
            Command::new("cmake")
                .arg("--build")
                .arg(&build)
                .args(["--parallel", "2"]),
        )?;
        step(
            &format!("{dir}: ctest"),
            &root,
            Command::new("ctest")
                .arg("--test-dir")
                .arg(&build)
                .args(["--output-on-failure", "--parallel", "2"])
                .env("AGENTIC_SANDBOX_URL", sandbox.url()),
        )?;
    }
    Ok(())
}

/// `cargo xtask c-header`: rewrites the committed header from this build.
pub fn update_header() -> Result<(), String> {
    let root = root();
    let generated = build_library(&root)?;
    let text = read(&generated)?;
    let path = root.join(HEADER);
    std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
    eprintln!("xtask: c: wrote {HEADER}");
    Ok(())
}
