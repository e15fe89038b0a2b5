//! Panics never cross the FFI as crashes (DESIGN.md §7, §10).
//!
//! - Every profile unwinds (`panic = "unwind"` in the workspace), so a panic can be caught.
//! - [`guard`] wraps the body of every exported call that returns a `Result`: a panic becomes
//!   [`AgenticError::Internal`] naming where it happened, never its payload (a payload could
//!   quote a value).
//! - uniffi 0.32 itself also catches panics in every scaffolding function
//!   (`uniffi_core::ffi::rustcalls`, `catch_unwind` around the call) and raises its own
//!   internal exception in the foreign language (`InternalError` in Python,
//!   `InternalException` in Kotlin) *with the panic message*. That only remains reachable for
//!   the few infallible getters that do not go through [`guard`]; none of them can panic.
//! - [`install_panic_hook`] replaces Rust's default hook, which prints a caught panic's
//!   payload (and maybe a backtrace) to stderr: ours prints one line with the location only.
//!   The hook is process-wide for this library's copy of `std` (a cdylib links its own), so
//!   it does not change the host's other Rust code. It is installed once, on first use.

use std::cell::RefCell;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

use crate::error::AgenticError;

thread_local! {
    /// Where the last panic on this thread happened, recorded by the hook for [`guard`].
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

static INSTALL: Once = Once::new();

/// Installs the SDK's panic hook (idempotent). Called by [`guard`]; the C ABI calls it too.
pub fn install_panic_hook() {
    INSTALL.call_once(|| {
        panic::set_hook(Box::new(|info| {
            let location = info.location().map_or_else(
                || "an unknown location".to_owned(),
                |l| format!("{}:{}", l.file(), l.line()),
            );
            LAST_PANIC.with(|last| *last.borrow_mut() = Some(location.clone()));
            // One line, no payload: the payload could quote a value.
            eprintln!("agentic: internal error (panic at {location}); reported to the caller");
        }));
    });
}

/// Runs `body`, turning a panic into [`AgenticError::Internal`].
///
/// # Errors
/// `body`'s own error, or [`AgenticError::Internal`] when it panicked.
pub fn guard<T>(body: impl FnOnce() -> Result<T, AgenticError>) -> Result<T, AgenticError> {
    #[cfg(feature = "bench-probe")]
    let _timer = crate::bench_probe::Timer::start();
    install_panic_hook();
    match panic::catch_unwind(AssertUnwindSafe(body)) {
        Ok(result) => result,
        Err(payload) => Err(panicked(payload)),
    }
}

/// The error of a caught panic. Out of line: `guard` is instantiated once per exported call,
/// and this part is the same for all of them.
#[cold]
#[inline(never)]
fn panicked(_payload: Box<dyn std::any::Any + Send>) -> AgenticError {
    let location = LAST_PANIC
        .with(|last| last.borrow_mut().take())
        .unwrap_or_else(|| "an unknown location".to_owned());
    AgenticError::Internal {
        detail: format!("the SDK panicked at {location}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_an_internal_error_without_its_payload() {
        let result: Result<(), AgenticError> = guard(|| panic!("secret 4242424242424242"));
        match result {
            Err(AgenticError::Internal { detail }) => {
                assert!(detail.contains("panic.rs"), "{detail}");
                assert!(!detail.contains("4242"), "{detail}");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(guard(|| Ok(7)), Ok(7));
    }
}
