//! The uniffi API (Kotlin, Swift, Python): one namespace, `agentic`.
//!
//! - [`AgenticClient`] — settings record + credentials as plain
//!   arguments + an optional foreign [`HttpTransport`](transport::HttpTransport); starts and
//!   resumes journeys.
//! - [`JourneySession`] — `advance()` (blocking) → [`SessionStep`]
//!   (`Prompt` | `Done` | `Failed`), one method per input, `cancel()`, `checkpoint()`.
//! - Records and enums carry public data only; secrets sit behind objects with getters
//!   ([`PaymentCredentials`], [`PasskeyAssurance`], the transport's request and response), or,
//!   for the Visa page message a prompt carries, in a class of the bindings' own whose
//!   `toString()` hides it ([`PageMessage`]).
//! - Every call that can fail raises [`AgenticError`](crate::error::AgenticError); a panic
//!   raises its `Internal` variant (see [`crate::panic`]).

pub mod client;
pub mod session;
pub mod transport;
pub mod views;

pub use client::{AgenticClient, CardDetails, ClientSettings};
/// What joins the fields of a value that crosses as one string from a class of the bindings'
/// own ([`CardDetails`], [`PageEvent`]): NUL, which none of their fields holds unescaped, so that
/// no language has to escape them.
const FIELD_SEPARATOR: char = '\0';

pub use session::{JourneySession, PageEvent};
pub use views::{PageMessage, PasskeyAssurance, PaymentCredentials, SessionStep};
