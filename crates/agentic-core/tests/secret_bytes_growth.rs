//! `SecretBytes` never frees a block that still holds its bytes (support/freed_blocks.rs reads
//! every freed block). The control case, a plain `Vec` grown the same way, shows that the
//! check catches a left-behind copy.

#[path = "support/freed_blocks.rs"]
mod freed_blocks;

use std::io::Write;

use agentic_core::secret::SecretBytes;
use freed_blocks::{FreedBlocks, serial};

#[global_allocator]
static ALLOCATOR: FreedBlocks = FreedBlocks;

const CANARY: &[u8] = b"4111-1111-1111-1111-CANARY";

fn left_behind<T>(f: impl FnOnce() -> T) -> usize {
    freed_blocks::left_behind(CANARY, f)
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
