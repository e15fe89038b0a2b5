//! The uniffi bindings (DESIGN.md §7, §10) and the Python tests.
//!
//! - [`bindgen`] (`cargo xtask bindgen`): builds the unstripped debug library (`cargo build -p
//!   agentic-ffi`), then the bindgen binary **in its own cargo invocation** (together, feature
//!   unification makes the library wait ~95 s for `uniffi_bindgen`), then runs
//!   `uniffi-bindgen generate target/debug/libagentic.so --language … --out-dir …` (library
//!   mode) for Python (`bindings/python/agentic/`, with the library copied next to the module),
//!   Kotlin (`bindings/kotlin/src/main/kotlin/`) and Swift (`agentic.swift` into
//!   `bindings/swift/Sources/Agentic/`, `agenticFFI.h` into `bindings/swift/Sources/agenticFFI/`;
//!   the Swift API snapshot is only rewritten by `cargo xtask swift-snapshot`).
//! - [`python`] (the `python` step of `cargo xtask test`): builds the library, the CLI (the
//!   sandbox binary the tests start) and the bindgen binary, generates the Python module (never
//!   committed: the tests always run against the library just built), and runs `python3 -m
//!   pytest bindings/python/tests -q` with `AGENTIC_SANDBOX_BIN` pointing at the CLI. pytest's
//!   exit code 5 (no tests collected) is a failure.

use crate::target_dir;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use crate::swift::root;

/// Where the generated Python module goes (a package: `__init__.py` is committed).
const PYTHON_PACKAGE: &str = "bindings/python/agentic";
/// The Python tests.
const PYTHON_TESTS: &str = "bindings/python/tests";
/// Where the generated Kotlin goes (`uniffi/agentic/agentic.kt` under it).
const KOTLIN_SOURCES: &str = "bindings/kotlin/src/main/kotlin";
/// The committed Swift source and header.
const SWIFT_SOURCE_DIR: &str = "bindings/swift/Sources/Agentic";
const SWIFT_HEADER_DIR: &str = "bindings/swift/Sources/agenticFFI";

/// Runs a command in `root`, failing with its name when it cannot start or fails.
fn run(root: &Path, command: &mut Command) -> Result<(), String> {
    command.current_dir(root);
    let shown = format!("{command:?}");
    match command.status() {
        Ok(status) if status.success() => Ok(()),
        Ok(status) => Err(format!("{shown} failed ({status})")),
        Err(error) => Err(format!("could not start {shown}: {error}")),
    }
}

fn cargo_build(root: &Path, packages: &[&str]) -> Result<(), String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let mut command = Command::new(cargo);
    command.args(["build", "--quiet"]);
    for package in packages {
        command.args(["-p", package]);
    }
    let started = Instant::now();
    eprintln!("xtask: cargo build -p {}", packages.join(" -p "));
    run(root, &mut command)?;
    eprintln!(
        "xtask: built {} in {:.1} s",
        packages.join(", "),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// The built library and bindgen binary.
struct Built {
    library: PathBuf,
    bindgen: PathBuf,
}

/// Builds the library, then `also` (e.g. the CLI), then the bindgen binary, each in its own
/// cargo invocation: the library's features stay those of `cargo build -p agentic-ffi` (the
/// build the Swift check uses too, so it is not rebuilt in another flavour), and the bindgen
/// binary never shares an invocation with it.
fn build(root: &Path, also: &[&str]) -> Result<Built, String> {
    cargo_build(root, &["agentic-ffi"])?;
    if !also.is_empty() {
        cargo_build(root, also)?;
    }
    cargo_build(root, &["uniffi-bindgen"])?;
    let debug = target_dir(root).join("debug");
    Ok(Built {
        library: debug.join(format!(
            "{}agentic{}",
            std::env::consts::DLL_PREFIX,
            std::env::consts::DLL_SUFFIX
        )),
        bindgen: debug.join(format!("uniffi-bindgen{}", std::env::consts::EXE_SUFFIX)),
    })
}

/// `uniffi-bindgen generate <library> --language <language> --out-dir <out>` (library mode).
fn generate(root: &Path, built: &Built, language: &str, out: &Path) -> Result<(), String> {
    std::fs::create_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))?;
    run(
        root,
        Command::new(&built.bindgen)
            .arg("generate")
            .arg(&built.library)
            // `--no-format`: the output must not depend on ktlint & co. being installed.
            .args(["--language", language, "--no-format", "--out-dir"])
            .arg(out),
    )
}

/// Generates the Python module into its package and copies the library next to it (where the
/// generated loader looks for it).
fn generate_python(root: &Path, built: &Built) -> Result<(), String> {
    let package = root.join(PYTHON_PACKAGE);
    generate(root, built, "python", &package)?;
    let file_name = built
        .library
        .file_name()
        .ok_or_else(|| format!("{} has no file name", built.library.display()))?;
    let copy = package.join(file_name);
    std::fs::copy(&built.library, &copy).map_err(|e| {
        format!(
            "copying {} to {}: {e}",
            built.library.display(),
            copy.display()
        )
    })?;
    Ok(())
}

/// `cargo xtask bindgen`: every language, from one unstripped debug build.
pub fn bindgen() -> Result<(), String> {
    let root = root();
    let built = build(&root, &[])?;
    generate_python(&root, &built)?;
    generate(&root, &built, "kotlin", &root.join(KOTLIN_SOURCES))?;
    let swift = target_dir(&root).join("xtask-bindgen").join("swift");
    if swift.exists() {
        std::fs::remove_dir_all(&swift).map_err(|e| format!("{}: {e}", swift.display()))?;
    }
    run(
        &root,
        Command::new(&built.bindgen)
            .arg("generate")
            .arg(&built.library)
            // `--no-format`: the committed file must not depend on swiftformat being installed.
            .args(["--language", "swift", "--no-format", "--out-dir"])
            .arg(&swift),
    )?;
    for (file, directory) in [
        ("agentic.swift", SWIFT_SOURCE_DIR),
        ("agenticFFI.h", SWIFT_HEADER_DIR),
    ] {
        let to = root.join(directory).join(file);
        std::fs::copy(swift.join(file), &to)
            .map_err(|e| format!("copying {file} to {}: {e}", to.display()))?;
    }
    eprintln!(
        "xtask: bindgen: wrote {PYTHON_PACKAGE}/, {KOTLIN_SOURCES}/uniffi/agentic/, \
         {SWIFT_SOURCE_DIR}/agentic.swift and {SWIFT_HEADER_DIR}/agenticFFI.h \
         (the Swift API snapshot: `cargo xtask swift-snapshot`)"
    );
    Ok(())
}

/// The `python` step of `cargo xtask test`.
pub fn python() -> Result<(), String> {
    let root = root();
    let built = build(&root, &["agentic-cli"])?;
    generate_python(&root, &built)?;
    let sandbox = target_dir(&root)
        .join("debug")
        .join(format!("agentic{}", std::env::consts::EXE_SUFFIX));
    let started = Instant::now();
    eprintln!("xtask: python3 -m pytest {PYTHON_TESTS} -q");
    let status = Command::new("python3")
        .args(["-m", "pytest", PYTHON_TESTS, "-q", "-p", "no:cacheprovider"])
        .env("AGENTIC_SANDBOX_BIN", &sandbox)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .current_dir(&root)
        .status()
        .map_err(|e| format!("could not start python3: {e}"))?;
    eprintln!(
        "xtask: pytest ran in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    match status.code() {
        Some(0) => Ok(()),
        Some(5) => Err(format!("pytest collected no tests in {PYTHON_TESTS}")),
        _ => Err(format!("pytest failed ({status})")),
    }
}
