//! [`JourneySession`]: one running journey, answered prompt by prompt.

use agentic_core::journey::Input;

use super::FIELD_SEPARATOR;
use super::views::{JourneyKind, SessionStep};
use crate::engine::{self, Secret, json};
use crate::error::AgenticError;
use crate::panic::guard;

/// One running journey. Thread-safe: every method takes `&self`.
///
/// Loop: `advance()` once, then answer each prompt with the matching method — every answer
/// returns the next step (a prompt, `Done` or `Failed`) — until `Done` or `Failed`. One call
/// per step, so one crossing of the FFI per step. `advance()` again returns the current step
/// without doing anything (after `resume_*`, or to read it again).
///
/// `advance()` and the answers **block** while the journey's requests run (each bounded by the
/// client's timeouts); `cancel()` from another thread ends them at once. `kind()`,
/// `checkpoint()` and `cancel()` return at once.
///
/// An answer that is not valid for the current prompt raises `AgenticError.InvalidState`, a
/// malformed one `InvalidInput`; either changes nothing. Once an answer is taken, its errors
/// are those of `advance()`.
#[derive(Debug, uniffi::Object)]
pub struct JourneySession {
    session: engine::Session,
}

impl JourneySession {
    pub(crate) fn new(session: engine::Session) -> Self {
        Self { session }
    }

    /// Gives the journey the answer, then runs it to its next step as `advance()` does: one
    /// crossing of the FFI per step instead of two.
    fn answer(
        &self,
        input: impl FnOnce() -> Result<Input, AgenticError>,
    ) -> Result<SessionStep, AgenticError> {
        guard(|| {
            self.session.submit(input()?)?;
            self.session.advance().map(SessionStep::from)
        })
    }
}

#[uniffi::export]
impl JourneySession {
    /// Which journey this is.
    pub fn kind(&self) -> JourneyKind {
        self.session.kind().into()
    }

    /// Runs the journey until it needs the app or ends. **Blocking.** Returns the prompt to
    /// answer, `Done`, or `Failed` (cancelled, passkey refused, step-up exhausted, rebind
    /// required, payment failed); a finished journey returns its end again.
    ///
    /// # Errors
    /// `Provider` (the provider refused: the journey has ended, follow `recovery`), `Network`
    /// (no response after the automatic retries: ended), `Configuration` (a request needs a
    /// setting the client lacks: nothing was sent), `Internal`.
    pub fn advance(&self) -> Result<SessionStep, AgenticError> {
        guard(|| self.session.advance().map(SessionStep::from))
    }

    /// Answers `EnterOtp` with the code the user typed; returns the next step.
    ///
    /// # Errors
    /// `InvalidInput` for `otp` (4–8 digits); `InvalidState`; then those of `advance()`.
    pub fn submit_otp(&self, otp: String) -> Result<SessionStep, AgenticError> {
        self.answer(|| Ok(Input::Otp(Secret::new(otp).otp()?)))
    }

    /// Answers `EnterOtp`: send the OTP again (while `resends_left > 0`).
    ///
    /// # Errors
    /// `InvalidState`; then those of `advance()`.
    pub fn resend_otp(&self) -> Result<SessionStep, AgenticError> {
        self.answer(|| Ok(Input::ResendOtp))
    }

    /// Answers `ChooseStepUp` with an offered method's identifier.
    ///
    /// # Errors
    /// `InvalidInput` for an identifier that was not offered; `InvalidState`; then those of
    /// `advance()`.
    pub fn choose_step_up(&self, identifier: String) -> Result<SessionStep, AgenticError> {
        self.answer(|| Ok(Input::ChooseStepUp { identifier }))
    }

    /// Answers `EnterOtp` or `CompleteStepUp`: back to the method list.
    ///
    /// # Errors
    /// `InvalidState`; then those of `advance()`.
    pub fn choose_another_method(&self) -> Result<SessionStep, AgenticError> {
        self.answer(|| Ok(Input::ChooseAnotherMethod))
    }

    /// Answers `CompleteStepUp` (Visa Acceptance, issuer app) with the code the issuer's app
    /// showed.
    ///
    /// # Errors
    /// `InvalidInput` for `issuerAuthCode`; `InvalidState`; then those of `advance()`.
    pub fn submit_issuer_auth_code(&self, code: String) -> Result<SessionStep, AgenticError> {
        self.answer(|| Ok(Input::IssuerAuthCode(Secret::new(code).issuer_auth_code()?)))
    }

    /// Relays a message the Visa page posted: a `PageEvent` of `event.data` (JSON text) and
    /// the origin the web view reported (`event.origin`). Answers `ProvideVisaSession` and
    /// `PasskeyCeremony`.
    ///
    /// # Errors
    /// `PageMessageRefused` (another origin, not a protocol message: ignore it and keep
    /// relaying); `InvalidInput` for `event` when no binding wrote it; `InvalidState`; then
    /// those of `advance()`.
    pub fn visa_message(&self, event: PageEvent) -> Result<SessionStep, AgenticError> {
        self.answer(|| {
            let (json, origin) = event.read()?;
            Ok(Input::VisaMessage { json, origin })
        })
    }

    /// Answers `ProvideVisaSession` when the app ran the Visa page itself: the session's
    /// `secureToken` and the page's `browserData` (JSON object text).
    ///
    /// # Errors
    /// `InvalidInput` for `secureToken` or `browserData`; `InvalidState`; then those of
    /// `advance()`.
    pub fn visa_session(
        &self,
        secure_token: String,
        browser_data_json: String,
    ) -> Result<SessionStep, AgenticError> {
        self.answer(|| {
            let secure_token = Secret::new(secure_token).secure_token()?;
            let value = serde_json::from_slice(browser_data_json.as_bytes()).map_err(|_| {
                AgenticError::InvalidInput {
                    field: "browserData".to_owned(),
                    problem: "must be the page's browserData JSON object".to_owned(),
                }
            })?;
            Ok(Input::VisaSession {
                secure_token,
                browser_data: json::browser_data(value)?,
            })
        })
    }

    /// The Visa popup or web view was closed before it answered.
    ///
    /// # Errors
    /// `InvalidState`; then those of `advance()`.
    pub fn page_closed(&self) -> Result<SessionStep, AgenticError> {
        self.answer(|| Ok(Input::PageClosed))
    }

    /// Answers `CompleteStepUp`: the out-of-band method is done.
    ///
    /// # Errors
    /// `InvalidState`; then those of `advance()`.
    pub fn step_up_completed(&self) -> Result<SessionStep, AgenticError> {
        self.answer(|| Ok(Input::StepUpCompleted))
    }

    /// Answers `Redirect`: the user is back from the bank page.
    ///
    /// # Errors
    /// `InvalidState`; then those of `advance()`.
    pub fn redirect_completed(&self) -> Result<SessionStep, AgenticError> {
        self.answer(|| Ok(Input::RedirectCompleted))
    }

    /// Answers `ConfirmUnknownOutcome` (when `can_reconcile`): ask the provider what happened.
    ///
    /// # Errors
    /// `InvalidState`; then those of `advance()`.
    pub fn reconcile(&self) -> Result<SessionStep, AgenticError> {
        self.answer(|| Ok(Input::Reconcile))
    }

    /// Answers `ConfirmUnknownOutcome`: send the call again with the same reference ids (the
    /// user accepted that it may run twice).
    ///
    /// # Errors
    /// `InvalidState`; then those of `advance()`.
    pub fn resend_after_unknown_outcome(&self) -> Result<SessionStep, AgenticError> {
        self.answer(|| Ok(Input::ResendAfterUnknownOutcome))
    }

    /// Ends the journey, from any prompt or from another thread while `advance()` runs; the
    /// next `advance()` returns `Failed(Cancelled)`.
    ///
    /// # Errors
    /// `InvalidState` when the journey has already ended.
    pub fn cancel(&self) -> Result<(), AgenticError> {
        guard(|| self.session.cancel())
    }

    /// The journey's state as versioned JSON text, without secrets, for
    /// `AgenticClient.resume_*` after the app was killed.
    pub fn checkpoint(&self) -> String {
        self.session.checkpoint()
    }
}

/// A message the Visa page posted, as the host's `PageEvent` class sends it: the origin the web
/// view reported, then the message's JSON text, joined by NUL (no origin holds one, and no JSON
/// text holds one unescaped). One value instead of two string arguments: one buffer for the
/// host to allocate and fill per relayed message (BENCHMARKS.md, "FFI cost per step"). The
/// classes (crates/agentic-ffi/uniffi.toml maps them; bindings/*/ hold them) show neither part:
/// the page's messages carry the `secureToken` and the passkey result. Read inside the
/// call (`PageEvent::read`); no call returns one.
#[derive(Debug)]
pub struct PageEvent(Secret);

uniffi::custom_type!(PageEvent, String, {
    lower: |event| event.0.expose().to_owned(),
    try_lift: |text| Ok(PageEvent(Secret::new(text))),
});

impl PageEvent {
    /// The event as the bindings' classes send it (for Rust callers of this API: the
    /// benchmarks' reference).
    pub fn new(json: &str, origin: &str) -> Self {
        Self(Secret::new(format!("{origin}{FIELD_SEPARATOR}{json}")))
    }

    /// The message's JSON text and its origin.
    ///
    /// # Errors
    /// [`AgenticError::InvalidInput`] for `event` when the text has no origin part (not written
    /// by a binding's `PageEvent`).
    pub(crate) fn read(self) -> Result<(String, String), AgenticError> {
        let (origin, json) = self.0.expose().split_once(FIELD_SEPARATOR).ok_or_else(|| {
            AgenticError::InvalidInput {
                field: "event".to_owned(),
                problem: "must be the bindings' PageEvent: the origin, a NUL, the message"
                    .to_owned(),
            }
        })?;
        Ok((json.to_owned(), origin.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_event_is_read_back_as_its_message_and_origin() {
        let event = PageEvent::new(
            r#"{"type":"AUTH_READY","x":"a\u0000b"}"#,
            "https://o.example",
        );
        assert_eq!(format!("{event:?}"), "PageEvent(Secret(<redacted>))");
        let (json, origin) = event.read().expect("both parts");
        assert_eq!(json, r#"{"type":"AUTH_READY","x":"a\u0000b"}"#);
        assert_eq!(origin, "https://o.example");
        // A NUL inside the message stays in the message: the origin ends at the first one.
        let (json, origin) = PageEvent::new("a\0b", "https://o.example")
            .read()
            .expect("parts");
        assert_eq!(
            (json.as_str(), origin.as_str()),
            ("a\0b", "https://o.example")
        );
    }

    #[test]
    fn a_page_event_without_its_origin_part_is_invalid_input_for_the_event() {
        let malformed = PageEvent(Secret::new(r#"{"type":"AUTH_READY"}"#));
        match malformed.read() {
            Err(AgenticError::InvalidInput { field, problem }) => {
                assert_eq!(field, "event");
                assert!(!problem.contains("AUTH_READY"), "{problem}");
            }
            other => panic!("expected InvalidInput, got {other:?}"),
        }
    }
}
