#![doc = include_str!("../README.md")]

uniffi::setup_scaffolding!("agentic");

pub mod api;
#[cfg(feature = "bench-probe")]
pub mod bench_probe;
#[cfg(feature = "c-abi")]
pub mod c_api;
pub mod engine;
pub mod error;
pub mod panic;

pub use error::AgenticError;
