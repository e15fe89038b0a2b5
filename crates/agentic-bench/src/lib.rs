//! The programs behind `cargo xtask bench` (see BENCHMARKS.md).
