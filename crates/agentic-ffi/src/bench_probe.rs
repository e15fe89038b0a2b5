//! Time spent inside the SDK's exported calls, for `cargo xtask bench` only (feature
//! `bench-probe`, never in a shipped library).
//!
//! The FFI benchmark needs what a host spends *around* a call (lowering the arguments, the
//! crossings, lifting the result, releasing handles) apart from what the SDK does inside it: the
//! same Rust work runs slower inside a Python or JVM process than in the Rust reference, and
//! that difference is not a cost of the FFI. [`guard`](crate::panic::guard) wraps every exported
//! call that runs journey work, and the C ABI's `journey_work` the journey work of its entry
//! points (not their JSON); the outermost one on a thread adds its wall time here.

use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

static NANOS_IN_RUST: AtomicU64 = AtomicU64::new(0);

thread_local! {
    static DEPTH: Cell<u32> = const { Cell::new(0) };
}

/// Counts the wall time from [`Timer::start`] to its drop, unless an outer timer runs.
#[derive(Debug)]
pub struct Timer(Option<Instant>);

impl Timer {
    pub fn start() -> Self {
        let outermost = DEPTH.with(|depth| {
            depth.set(depth.get() + 1);
            depth.get() == 1
        });
        Self(outermost.then(Instant::now))
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        DEPTH.with(|depth| depth.set(depth.get() - 1));
        if let Some(started) = self.0 {
            let nanos = u64::try_from(started.elapsed().as_nanos()).unwrap_or(u64::MAX);
            NANOS_IN_RUST.fetch_add(nanos, Ordering::Relaxed);
        }
    }
}

/// Nanoseconds spent so far inside the SDK's exported calls, all threads (bench builds only).
#[uniffi::export]
pub fn bench_nanos_in_rust() -> u64 {
    NANOS_IN_RUST.load(Ordering::Relaxed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_outermost_timer_counts() {
        let before = bench_nanos_in_rust();
        {
            let _outer = Timer::start();
            let inner = Timer::start();
            assert!(inner.0.is_none());
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
        let counted = bench_nanos_in_rust() - before;
        assert!(counted >= 2_000_000, "{counted}");
    }
}
