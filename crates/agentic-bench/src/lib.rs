//! The programs behind `cargo xtask bench` (see BENCHMARKS.md).

pub mod baseline;
pub mod capture;
pub mod measure;
pub mod scenario;
