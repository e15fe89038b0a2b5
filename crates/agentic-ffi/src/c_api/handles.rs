//! The handle registry. A handle given to C is a number (a multiple of 8, so it looks like an
//! aligned pointer to tools), never the address of a Rust object: it is looked up here on every
//! call and never dereferenced. Numbers come from one counter for both kinds and are never
//! reused, so:
//!
//! - a freed handle, a handle of the other kind or a made-up value is refused
//!   (`AGENTIC_INVALID_HANDLE`), and freeing twice is a no-op;
//! - a call clones the object's `Arc` and releases the registry lock before doing anything, so
//!   calls on different handles never wait for each other, and freeing a handle while another
//!   thread is inside a call on it only drops the registry's reference: the call finishes on
//!   its own.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use super::boundary::CError;
use super::{agentic_client, agentic_session};
use crate::engine::{Backend, Session};

/// Handle numbers are multiples of this.
const STRIDE: usize = 8;

#[derive(Debug)]
struct Registry {
    /// The next handle number (always a multiple of [`STRIDE`], never 0).
    next: usize,
    clients: BTreeMap<usize, Arc<Backend>>,
    sessions: BTreeMap<usize, Arc<Session>>,
}

static REGISTRY: Mutex<Registry> = Mutex::new(Registry {
    next: STRIDE,
    clients: BTreeMap::new(),
    sessions: BTreeMap::new(),
});

/// Locks the registry, ignoring poisoning: every change to it is a single map operation, so a
/// panic cannot leave it half-changed.
fn registry() -> MutexGuard<'static, Registry> {
    REGISTRY.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Registry {
    fn take_number(&mut self) -> Result<usize, CError> {
        let number = self.next;
        self.next = number
            .checked_add(STRIDE)
            .ok_or_else(|| CError::internal("no handle numbers left in this process"))?;
        Ok(number)
    }
}

/// Registers a client and returns its handle.
pub fn insert_client(backend: Backend) -> Result<*mut agentic_client, CError> {
    let mut registry = registry();
    let number = registry.take_number()?;
    registry.clients.insert(number, Arc::new(backend));
    Ok(std::ptr::without_provenance_mut(number))
}

/// Registers a session and returns its handle.
pub fn insert_session(session: Session) -> Result<*mut agentic_session, CError> {
    let mut registry = registry();
    let number = registry.take_number()?;
    registry.sessions.insert(number, Arc::new(session));
    Ok(std::ptr::without_provenance_mut(number))
}

/// The client behind `handle`: `AGENTIC_NULL_ARGUMENT` for NULL, `AGENTIC_INVALID_HANDLE` when
/// it is not a live client.
pub fn client(handle: *const agentic_client) -> Result<Arc<Backend>, CError> {
    if handle.is_null() {
        return Err(CError::null_argument("client"));
    }
    registry()
        .clients
        .get(&handle.addr())
        .cloned()
        .ok_or_else(|| CError::invalid_handle("client", "agentic_client"))
}

/// The session behind `handle`, as [`client`].
pub fn session(handle: *const agentic_session) -> Result<Arc<Session>, CError> {
    if handle.is_null() {
        return Err(CError::null_argument("session"));
    }
    registry()
        .sessions
        .get(&handle.addr())
        .cloned()
        .ok_or_else(|| CError::invalid_handle("session", "agentic_session"))
}

/// Unregisters a client; NULL and unknown handles are ignored. The client is dropped after the
/// lock is released (and later still if a call holds it).
pub fn remove_client(handle: *mut agentic_client) {
    let removed = registry().clients.remove(&handle.addr());
    drop(removed);
}

/// Unregisters a session, as [`remove_client`].
pub fn remove_session(handle: *mut agentic_session) {
    let removed = registry().sessions.remove(&handle.addr());
    drop(removed);
}
