//! What every entry point does at the boundary: the panic guard, the thread's last error,
//! reading `const char *` arguments, writing `T **` out-parameters, and reading JSON arguments
//! into a status that says what was wrong without quoting a value.

use std::cell::RefCell;
use std::ffi::{CStr, CString, c_char};
use std::panic::{self, AssertUnwindSafe};

use agentic_core::json_path::Mismatch;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};
use zeroize::Zeroize;

use super::agentic_status;
use crate::engine::json as views;
use crate::error::AgenticError;

/// A failed call: its status and the details [`agentic_last_error`](super::agentic_last_error)
/// shows (a JSON object with at least `type`). Never holds a secret.
#[derive(Debug, Clone, PartialEq)]
pub struct CError {
    /// The status returned.
    pub status: agentic_status,
    /// `{"type": …, …}`.
    pub details: Map<String, Value>,
}

impl CError {
    fn new(status: agentic_status, details: Value) -> Self {
        let details = match details {
            Value::Object(map) => map,
            other => {
                let mut map = Map::new();
                map.insert("detail".to_owned(), other);
                map
            }
        };
        Self { status, details }
    }

    /// A required pointer argument was NULL.
    pub fn null_argument(argument: &'static str) -> Self {
        Self::new(
            agentic_status::AGENTIC_NULL_ARGUMENT,
            json!({"type": "null_argument", "argument": argument}),
        )
    }

    /// A string argument is not UTF-8.
    pub fn invalid_utf8(argument: &'static str, valid_up_to: usize) -> Self {
        Self::new(
            agentic_status::AGENTIC_INVALID_UTF8,
            json!({"type": "invalid_utf8", "argument": argument, "valid_up_to": valid_up_to}),
        )
    }

    /// A JSON argument is not JSON.
    pub fn invalid_json(argument: &'static str, error: &serde_json::Error) -> Self {
        Self::new(
            agentic_status::AGENTIC_INVALID_JSON,
            json!({
                "type": "invalid_json",
                "argument": argument,
                "line": error.line(),
                "column": error.column(),
            }),
        )
    }

    /// A handle that is not live, or of the other kind.
    pub fn invalid_handle(argument: &'static str, kind: &'static str) -> Self {
        Self::new(
            agentic_status::AGENTIC_INVALID_HANDLE,
            json!({
                "type": "invalid_handle",
                "argument": argument,
                "detail": format!(
                    "not a live {kind} handle (already freed, of another kind, or not from this library)"
                ),
            }),
        )
    }

    /// A caught panic.
    fn panic() -> Self {
        Self::new(
            agentic_status::AGENTIC_PANIC,
            json!({
                "type": "panic",
                "detail": "the library panicked; the panic was caught (its location was printed to stderr); the handle may not be usable",
            }),
        )
    }

    /// A bug of the boundary itself.
    pub fn internal(detail: &str) -> Self {
        AgenticError::Internal {
            detail: detail.to_owned(),
        }
        .into()
    }

    /// The last-error JSON of `function`.
    fn to_json(&self, function: &str) -> String {
        let mut object = Map::new();
        object.insert("status".to_owned(), self.status.name().into());
        object.insert("function".to_owned(), function.into());
        for (key, value) in &self.details {
            object.insert(key.clone(), value.clone());
        }
        Value::Object(object).to_string()
    }
}

/// The status of each engine error: one arm per variant, so a new variant fails to compile here.
pub fn status_of(error: &AgenticError) -> agentic_status {
    match error {
        AgenticError::InvalidInput { .. } => agentic_status::AGENTIC_INVALID_INPUT,
        AgenticError::InvalidState { .. } => agentic_status::AGENTIC_INVALID_STATE,
        AgenticError::PageMessageRefused { .. } => agentic_status::AGENTIC_PAGE_MESSAGE_REFUSED,
        AgenticError::Configuration { .. } => agentic_status::AGENTIC_CONFIGURATION,
        AgenticError::CannotResume { .. } => agentic_status::AGENTIC_CANNOT_RESUME,
        AgenticError::Network { .. } => agentic_status::AGENTIC_NETWORK,
        AgenticError::Provider { .. } => agentic_status::AGENTIC_PROVIDER,
        AgenticError::Internal { .. } => agentic_status::AGENTIC_INTERNAL,
    }
}

impl From<AgenticError> for CError {
    fn from(error: AgenticError) -> Self {
        Self::new(status_of(&error), views::error(&error))
    }
}

// ---------------------------------------------------------------------------------------------
// The guard and the last error
// ---------------------------------------------------------------------------------------------

thread_local! {
    /// The calling thread's last failure, as its JSON text; `None` after a success.
    static LAST_ERROR: RefCell<Option<String>> = const { RefCell::new(None) };
}

fn set_last_error(value: Option<String>) {
    // `try_with`: during thread teardown the slot may be gone; then there is nobody to tell.
    let _ = LAST_ERROR.try_with(|last| {
        if let Ok(mut slot) = last.try_borrow_mut() {
            *slot = value;
        }
    });
}

/// The calling thread's last error, if its last call failed.
pub fn last_error_json() -> Option<String> {
    LAST_ERROR
        .try_with(|last| last.try_borrow().ok().and_then(|slot| slot.clone()))
        .ok()
        .flatten()
}

/// Runs the body of the entry point `function`: a panic becomes `AGENTIC_PANIC`, a failure
/// is recorded as the thread's last error, a success clears it.
pub fn entry(function: &'static str, body: impl FnOnce() -> Result<(), CError>) -> agentic_status {
    crate::panic::install_panic_hook();
    let error = match panic::catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => {
            set_last_error(None);
            return agentic_status::AGENTIC_OK;
        }
        Ok(Err(error)) => error,
        Err(payload) => {
            // Dropping a payload can itself panic; keep that inside a guard too.
            let _ = panic::catch_unwind(AssertUnwindSafe(move || drop(payload)));
            CError::panic()
        }
    };
    let status = error.status;
    let text = panic::catch_unwind(AssertUnwindSafe(|| error.to_json(function))).ok();
    set_last_error(text);
    status
}

/// Runs an entry point's journey work (a start, an advance, an answer) without the JSON around
/// it. Bench builds (`bench-probe`) count its time as inside the SDK, as `panic::guard` does for
/// the uniffi API, so that the C ABI's own cost is measured as the bindings' is.
#[inline(always)]
pub fn journey_work<T>(work: impl FnOnce() -> T) -> T {
    #[cfg(feature = "bench-probe")]
    let _timer = crate::bench_probe::Timer::start();
    work()
}

/// As [`entry`], but leaves the last error alone (for `agentic_last_error` itself).
pub fn quiet_entry(body: impl FnOnce() -> Result<(), CError>) -> agentic_status {
    crate::panic::install_panic_hook();
    match panic::catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => agentic_status::AGENTIC_OK,
        Ok(Err(error)) => error.status,
        Err(_) => agentic_status::AGENTIC_PANIC,
    }
}

/// The guard of a function that returns a static string: a panic (there is none to expect)
/// gives `"AGENTIC_PANIC"`.
pub fn static_entry(body: impl FnOnce() -> &'static CStr) -> *const c_char {
    panic::catch_unwind(AssertUnwindSafe(body))
        .unwrap_or(c"AGENTIC_PANIC")
        .as_ptr()
}

/// The guard of a `_free` function, which returns nothing: a panic is swallowed (nothing to
/// report it to) and the last error is left alone.
pub fn free_entry(body: impl FnOnce()) {
    crate::panic::install_panic_hook();
    let _ = panic::catch_unwind(AssertUnwindSafe(body));
}

// ---------------------------------------------------------------------------------------------
// Arguments
// ---------------------------------------------------------------------------------------------

/// A required string argument.
///
/// # Safety
/// `ptr` must be NULL or point to a NUL-terminated string that stays valid and unchanged for
/// `'a` (the duration of the call).
pub unsafe fn required_str<'a>(
    ptr: *const c_char,
    argument: &'static str,
) -> Result<&'a str, CError> {
    if ptr.is_null() {
        return Err(CError::null_argument(argument));
    }
    // SAFETY: not NULL (checked), and NUL-terminated and valid for 'a (the caller's contract).
    let bytes = unsafe { CStr::from_ptr(ptr) };
    bytes
        .to_str()
        .map_err(|e| CError::invalid_utf8(argument, e.valid_up_to()))
}

/// An optional string argument: NULL means absent.
///
/// # Safety
/// As [`required_str`].
pub unsafe fn optional_str<'a>(
    ptr: *const c_char,
    argument: &'static str,
) -> Result<Option<&'a str>, CError> {
    if ptr.is_null() {
        return Ok(None);
    }
    // SAFETY: the caller's contract, forwarded.
    unsafe { required_str(ptr, argument) }.map(Some)
}

/// A `T **` out-parameter, checked for NULL and set to NULL at once (so that it is NULL on
/// every failure).
#[derive(Debug)]
pub struct Out<T> {
    ptr: *mut *mut T,
}

impl<T> Out<T> {
    /// Checks `ptr` and writes NULL through it.
    ///
    /// # Safety
    /// `ptr` must be NULL or valid for writing a `*mut T` (alignment included) until the
    /// entry point returns.
    pub unsafe fn new(ptr: *mut *mut T, argument: &'static str) -> Result<Self, CError> {
        if ptr.is_null() {
            return Err(CError::null_argument(argument));
        }
        // SAFETY: not NULL (checked) and writable (the caller's contract).
        unsafe { ptr.write(std::ptr::null_mut()) };
        Ok(Self { ptr })
    }

    /// Hands `value` to the caller.
    pub fn set(self, value: *mut T) {
        // SAFETY: `self.ptr` was checked and is writable until the entry point returns
        // (contract of `Out::new`), which has not happened yet.
        unsafe { self.ptr.write(value) };
    }
}

impl Out<c_char> {
    /// Hands a copy of `text` to the caller as a NUL-terminated string for
    /// [`agentic_string_free`](super::agentic_string_free). The copy is made in one exact
    /// allocation so that no reallocation leaves an unzeroed copy of a secret behind.
    pub fn set_string(self, text: &str) -> Result<(), CError> {
        if text.as_bytes().contains(&0) {
            return Err(CError::internal("a returned string contained a NUL byte"));
        }
        let mut bytes = Vec::with_capacity(text.len() + 1);
        bytes.extend_from_slice(text.as_bytes());
        bytes.push(0);
        let string = CString::from_vec_with_nul(bytes)
            .map_err(|_| CError::internal("a returned string contained a NUL byte"))?;
        self.set(string.into_raw());
        Ok(())
    }
}

/// Zeroes and releases a string made by [`Out::set_string`].
///
/// # Safety
/// `string` must come from `CString::into_raw` in [`Out::set_string`] and not be released yet.
pub unsafe fn free_string(string: *mut c_char) {
    // SAFETY: the caller's contract: it came from `CString::into_raw` and is still owned.
    let owned = unsafe { CString::from_raw(string) };
    let mut bytes = owned.into_bytes_with_nul();
    bytes.zeroize();
}

// ---------------------------------------------------------------------------------------------
// JSON arguments
// ---------------------------------------------------------------------------------------------

/// What a JSON argument that is well-formed but not the expected object means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataError {
    /// `AGENTIC_CONFIGURATION` (the client configuration).
    Config,
    /// `AGENTIC_INVALID_INPUT` (journey parameters, card, secrets).
    Input,
}

/// `AGENTIC_INVALID_JSON` unless `text` is one well-formed JSON value.
pub fn check_syntax(text: &str, argument: &'static str) -> Result<(), CError> {
    views::zeroize_strings(parse_value(text, argument)?);
    Ok(())
}

/// `text` as a JSON value, or `AGENTIC_INVALID_JSON` naming the line and column. Every JSON
/// text of the SDK is parsed from bytes, as responses are: one parser in the library.
fn parse_value(text: &str, argument: &'static str) -> Result<Value, CError> {
    serde_json::from_slice(text.as_bytes()).map_err(|e| CError::invalid_json(argument, &e))
}

/// Reads a JSON argument: `AGENTIC_INVALID_JSON` when it is not JSON, else the error of
/// `kind` naming the field at fault. The error never quotes a value: serde's messages for a
/// wrong type or value do (`invalid type: string "4242…"`), so only the names of missing and
/// unknown fields are kept from them, and the JSON path of a wrong value.
///
/// The text is parsed once into a [`Value`] (its strings zeroed afterwards) and read with
/// [`agentic_core::json_path`], the one deserializer every model is compiled against (a
/// second, text-reading one per model doubled their code: BENCHMARKS.md, "Binary size").
pub fn parse_json<T: DeserializeOwned>(
    text: &str,
    argument: &'static str,
    kind: DataError,
) -> Result<T, CError> {
    let value = parse_value(text, argument)?;
    let parsed = agentic_core::json_path::from_value(&value);
    views::zeroize_strings(value);
    parsed.map_err(|mismatch| data_error(&mismatch, argument, kind).into())
}

/// The error of a JSON argument that is not the expected object, without any value.
pub fn data_error(mismatch: &Mismatch, argument: &'static str, kind: DataError) -> AgenticError {
    let message = mismatch.error.to_string();
    let quoted = |prefix: &str| {
        message
            .strip_prefix(prefix)
            .and_then(|rest| rest.split('`').next())
            .map(str::to_owned)
    };
    let (field, problem) = if let Some(field) = quoted("missing field `") {
        (field, "is required".to_owned())
    } else if let Some(field) = quoted("unknown field `") {
        (field, "is not a field of this object".to_owned())
    } else {
        (
            argument.to_owned(),
            format!(
                "a value has the wrong type or is not allowed (at `{}`)",
                mismatch.path
            ),
        )
    };
    match kind {
        DataError::Config => AgenticError::Configuration {
            detail: format!("`{argument}`: `{field}` {problem}"),
        },
        DataError::Input => AgenticError::InvalidInput { field, problem },
    }
}
