//! `SecretBytes` never frees a block that still holds its bytes: this binary's allocator reads
//! every block it frees while a check runs and counts those that hold the canary. The control
//! case (a plain `Vec` grown the same way) shows that the count catches a left-behind copy.

// A test allocator: forwards to `System` and reads each block it frees, nothing else.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};

use agentic_core::secret::SecretBytes;

const CANARY: &[u8] = b"4111-1111-1111-1111-CANARY";

static WATCHING: AtomicBool = AtomicBool::new(false);
static LEFT_BEHIND: AtomicUsize = AtomicUsize::new(0);
/// One test at a time, from its first allocation to its last free: the counters are global,
/// and another test freeing its canaries while one watches would count.
static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(PoisonError::into_inner)
}

struct Watching;

// SAFETY: every call forwards to `System` with the same arguments. Blocks are zeroed when
// allocated, so every byte `dealloc` reads is initialised; `realloc` is the default one
// (alloc, copy, dealloc), so the block it leaves goes through `dealloc` too.
unsafe impl GlobalAlloc for Watching {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's layout, as `GlobalAlloc::alloc` requires.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if WATCHING.load(Ordering::SeqCst) {
            // SAFETY: `ptr` is a live block of `layout.size()` initialised bytes (see above).
            let bytes = unsafe { std::slice::from_raw_parts(ptr, layout.size()) };
            if bytes.windows(CANARY.len()).any(|window| window == CANARY) {
                LEFT_BEHIND.fetch_add(1, Ordering::SeqCst);
            }
        }
        // SAFETY: a block this allocator returned, with its layout.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Watching = Watching;

/// How many freed blocks held the canary while `f` ran (its result dropped inside).
fn left_behind<T>(f: impl FnOnce() -> T) -> usize {
    LEFT_BEHIND.store(0, Ordering::SeqCst);
    WATCHING.store(true, Ordering::SeqCst);
    drop(f());
    WATCHING.store(false, Ordering::SeqCst);
    LEFT_BEHIND.load(Ordering::SeqCst)
}

/// A body of `repeat` canaries: several reallocations from a small start.
fn body(repeat: usize) -> Vec<u8> {
    CANARY.repeat(repeat)
}

#[test]
fn the_check_catches_a_plain_vec_leaving_copies() {
    let _serial = serial();
    let data = body(100);
    let copies = left_behind(|| {
        let mut plain = Vec::with_capacity(16);
        for chunk in data.chunks(10) {
            plain.extend_from_slice(chunk);
        }
        // Wiped before it is freed: only the blocks growth left behind count.
        plain.fill(0);
        plain
    });
    assert!(copies > 0, "the allocator hook saw no left-behind copy");
}

#[test]
fn growing_by_extend_and_write_leaves_no_copy() {
    let _serial = serial();
    let data = body(100);
    let copies = left_behind(|| {
        let mut bytes = SecretBytes::new(Vec::with_capacity(16));
        for chunk in data.chunks(10) {
            bytes.extend_from_slice(chunk);
        }
        bytes.write_all(&data).expect("write");
        assert_eq!(bytes.len(), 2 * data.len());
        bytes
    });
    assert_eq!(copies, 0);
}

#[test]
fn reading_a_body_of_unknown_length_leaves_no_copy() {
    let _serial = serial();
    let data = body(200);
    let copies = left_behind(|| {
        let mut bytes = SecretBytes::default();
        let mut reader = ChunkedReader(&data);
        bytes.read_to_end_from(&mut reader).expect("read");
        assert_eq!(bytes.as_slice(), data.as_slice());
        bytes
    });
    assert_eq!(copies, 0);
}

#[test]
fn serialising_a_large_json_body_leaves_no_copy() {
    let _serial = serial();
    let value = serde_json::json!({ "browserData": String::from_utf8(body(80)).expect("ascii") });
    let copies = left_behind(|| {
        let mut bytes = SecretBytes::new(Vec::with_capacity(1000));
        serde_json::to_writer(&mut bytes, &value).expect("serialise");
        assert!(bytes.len() > 2000);
        bytes
    });
    assert_eq!(copies, 0);
}

/// Yields 333 bytes per read, as a chunked response arrives.
struct ChunkedReader<'a>(&'a [u8]);

impl std::io::Read for ChunkedReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = buf.len().min(333).min(self.0.len());
        buf[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        Ok(n)
    }
}
