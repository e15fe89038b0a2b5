//! Generates the C header of the C ABI (`src/c_api`) with cbindgen into `$OUT_DIR/agentic.h`.
//!
//! The committed copy is `bindings/c/include/agentic.h`; the test
//! `c_api::tests::the_committed_c_header_is_the_generated_one` fails when it differs from this
//! build's, and `AGENTIC_UPDATE_HEADER=1` (or `cargo xtask c-header`) rewrites it. The build
//! itself never writes into the source tree. Without the `c-abi` feature (the mobile set) there
//! is no C ABI and no header.

use std::process::ExitCode;

#[cfg(not(feature = "c-abi"))]
fn main() -> ExitCode {
    ExitCode::SUCCESS
}

#[cfg(feature = "c-abi")]
fn main() -> ExitCode {
    use std::path::PathBuf;

    println!("cargo:rerun-if-changed=src/c_api");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    let Some(crate_dir) = std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from) else {
        eprintln!("build.rs: CARGO_MANIFEST_DIR is not set");
        return ExitCode::FAILURE;
    };
    let Some(out_dir) = std::env::var_os("OUT_DIR").map(PathBuf::from) else {
        eprintln!("build.rs: OUT_DIR is not set");
        return ExitCode::FAILURE;
    };
    let config = match cbindgen::Config::from_file(crate_dir.join("cbindgen.toml")) {
        Ok(config) => config,
        Err(error) => {
            eprintln!("build.rs: cbindgen.toml: {error}");
            return ExitCode::FAILURE;
        }
    };
    // Only the C ABI module is parsed (it follows its own `mod` declarations): no `cargo
    // metadata` run, and nothing of the uniffi layer can leak into the header.
    let bindings = cbindgen::Builder::new()
        .with_config(config)
        .with_src(crate_dir.join("src/c_api/mod.rs"))
        .generate();
    match bindings {
        Ok(bindings) => {
            bindings.write_to_file(out_dir.join("agentic.h"));
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("build.rs: cbindgen could not generate the C header: {error}");
            ExitCode::FAILURE
        }
    }
}
