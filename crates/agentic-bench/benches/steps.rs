//! Core step cost (placeholder).
fn main() {}
