//! The Kotlin (JVM) bindings: the `kotlin` step of `cargo xtask test` ([`test()`]).
//!
//! 1. Builds the unstripped debug library and the CLI (the sandbox binary) in one cargo
//!    invocation, the bindgen binary in another (DESIGN.md §10).
//! 2. Generates the Kotlin into `bindings/kotlin/src/main/kotlin/uniffi/agentic/agentic.kt`
//!    (library mode; never committed: the tests always run against the library just built).
//! 3. Starts the standalone sandbox and runs the Maven project's JUnit 5 tests against it
//!    (`mvn -B -ntp -f bindings/kotlin/pom.xml install`: the tests, then the jar into `~/.m2`
//!    for the example) with the library's absolute path (`-Dagentic.library`, which the pom
//!    hands to the generated code as `uniffi.component.agentic.libraryOverride`) and the
//!    sandbox's URL (`-Dagentic.sandbox.url`). Surefire prints its summary.
//! 4. Runs the Kotlin example (`examples/kotlin`, a Direct OTP payment, depending on the jar
//!    just installed) against the same sandbox.
//!
//! Needs a JDK (17 or newer) and Maven (3.6.3 or newer) on the `PATH`; Maven downloads the
//! Kotlin compiler, JNA and JUnit from Maven Central on the first run (`~/.m2`).

use crate::target_dir;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use crate::sandbox::Sandbox;
use crate::swift::root;

/// Where the generated Kotlin goes (`uniffi/agentic/agentic.kt` under it).
const KOTLIN_SOURCES: &str = "bindings/kotlin/src/main/kotlin";
/// The Maven project of the binding and its tests.
const KOTLIN_POM: &str = "bindings/kotlin/pom.xml";
/// The runnable example.
const EXAMPLE_POM: &str = "examples/kotlin/pom.xml";

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
    eprintln!("xtask: kotlin: cargo build -p {}", packages.join(" -p "));
    run(root, &mut command)
}

/// `mvn -v`, to fail early with a clear message when Maven is missing.
fn check_maven(root: &Path) -> Result<(), String> {
    let found = Command::new("mvn")
        .args(["-B", "-q", "-v"])
        .current_dir(root)
        .output();
    match found {
        Ok(output) if output.status.success() => Ok(()),
        _ => Err(
            "the Kotlin tests need Maven (`mvn`, 3.6.3 or newer) and a JDK (17 or newer) \
             on the PATH"
                .to_owned(),
        ),
    }
}

/// The `kotlin` step of `cargo xtask test`.
pub fn test() -> Result<(), String> {
    let root = root();
    check_maven(&root)?;
    cargo_build(&root, &["agentic-ffi", "agentic-cli"])?;
    cargo_build(&root, &["uniffi-bindgen"])?;
    let debug = target_dir(&root).join("debug");
    let library = debug.join(format!(
        "{}agentic{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    ));
    let bindgen = debug.join(format!("uniffi-bindgen{}", std::env::consts::EXE_SUFFIX));
    let cli = debug.join(format!("agentic{}", std::env::consts::EXE_SUFFIX));

    // Regenerate from scratch: a type removed from the library must not survive in Kotlin.
    let generated = root.join(KOTLIN_SOURCES).join("uniffi");
    if generated.exists() {
        std::fs::remove_dir_all(&generated).map_err(|e| format!("{}: {e}", generated.display()))?;
    }
    run(
        &root,
        Command::new(&bindgen)
            .arg("generate")
            .arg(&library)
            // `--no-format`: the output must not depend on whether ktlint is installed.
            .args(["--language", "kotlin", "--no-format", "--out-dir"])
            .arg(root.join(KOTLIN_SOURCES)),
    )?;

    let sandbox = Sandbox::start(&cli)?;
    let library_property = format!("-Dagentic.library={}", library.display());
    let started = Instant::now();
    eprintln!(
        "xtask: kotlin: mvn -B -ntp -f {KOTLIN_POM} install (sandbox {})",
        sandbox.url()
    );
    run(
        &root,
        Command::new("mvn")
            .args(["-B", "-ntp", "-f", KOTLIN_POM, "install"])
            .arg(&library_property)
            .arg(format!("-Dagentic.sandbox.url={}", sandbox.url())),
    )?;
    eprintln!(
        "xtask: kotlin: Maven build and tests took {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let started = Instant::now();
    eprintln!("xtask: kotlin: the example, mvn -B -ntp -q -f {EXAMPLE_POM} compile exec:java");
    run(
        &root,
        Command::new("mvn")
            .args([
                "-B",
                "-ntp",
                "-q",
                "-f",
                EXAMPLE_POM,
                "compile",
                "exec:java",
            ])
            .arg(&library_property)
            .arg(format!("-Dexec.args={}", sandbox.url())),
    )?;
    eprintln!(
        "xtask: kotlin: the example ran in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    drop(sandbox);
    Ok(())
}
