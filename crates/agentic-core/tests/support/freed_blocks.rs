//! A global allocator for a test binary that reads every block it frees while a check runs and
//! counts those holding a canary: proof that code under test leaves no copy of a secret in
//! freed memory (a `Vec` or `String` that outgrew its allocation leaves the old one as it was).
//!
//! Used by `agentic-core`'s and `agentic-http`'s tests (`#[path]`). Each test takes [`serial`]
//! for its whole body: the counters are global, and another test freeing its canaries while
//! one watches would count.

// A test allocator: forwards to `System` and reads each block it frees, nothing else.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

static WATCHING: AtomicBool = AtomicBool::new(false);
static CANARY: AtomicPtr<u8> = AtomicPtr::new(std::ptr::null_mut());
static CANARY_LEN: AtomicUsize = AtomicUsize::new(0);
static LEFT_BEHIND: AtomicUsize = AtomicUsize::new(0);
static SERIAL: Mutex<()> = Mutex::new(());

/// Forwards to `System`; see the module docs.
pub struct FreedBlocks;

// SAFETY: every call forwards to `System` with the same arguments. Blocks are zeroed when
// allocated, so every byte `dealloc` reads is initialised; `realloc` is the default one
// (alloc, copy, dealloc), so the block it leaves goes through `dealloc` too. The canary is a
// `&'static [u8]` (see `left_behind`).
unsafe impl GlobalAlloc for FreedBlocks {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's layout, as `GlobalAlloc::alloc` requires.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if WATCHING.load(Ordering::SeqCst) {
            // SAFETY: `ptr` is a live block of `layout.size()` initialised bytes (see above);
            // the canary is a static slice, set before `WATCHING`.
            let (bytes, canary) = unsafe {
                (
                    std::slice::from_raw_parts(ptr, layout.size()),
                    std::slice::from_raw_parts(
                        CANARY.load(Ordering::SeqCst),
                        CANARY_LEN.load(Ordering::SeqCst),
                    ),
                )
            };
            if bytes.windows(canary.len()).any(|window| window == canary) {
                LEFT_BEHIND.fetch_add(1, Ordering::SeqCst);
            }
        }
        // SAFETY: a block this allocator returned, with its layout.
        unsafe { System.dealloc(ptr, layout) }
    }
}

/// One test at a time, from its first allocation to its last free.
pub fn serial() -> MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(PoisonError::into_inner)
}

/// How many blocks freed while `f` ran (its result dropped inside) held `canary`.
pub fn left_behind<T>(canary: &'static [u8], f: impl FnOnce() -> T) -> usize {
    assert!(!canary.is_empty(), "an empty canary is in every block");
    CANARY.store(canary.as_ptr().cast_mut(), Ordering::SeqCst);
    CANARY_LEN.store(canary.len(), Ordering::SeqCst);
    LEFT_BEHIND.store(0, Ordering::SeqCst);
    WATCHING.store(true, Ordering::SeqCst);
    drop(f());
    WATCHING.store(false, Ordering::SeqCst);
    LEFT_BEHIND.load(Ordering::SeqCst)
}
