//! The two Visa page interactions every passkey journey shares: getting a session
//! (`AUTH_READY` → `CREATE_AUTH_SESSION` → `AUTH_SESSION_CREATED`) and running a ceremony
//! (`AUTHENTICATE` → `AUTH_COMPLETE` or a failure). Journeys call these from their
//! [`Script`](super::Script) so the page rules live in one place.

use serde::Serialize;
use serde_json::Value;

use super::restore::{Corrupt, Fields, Restore};
use super::{Input, JourneyError, PageFailure, Prompt};
use crate::secret::SecureToken;
use crate::visa_page::{
    AssuranceData, AuthPreferences, BrowserData, IncomingMessage, OutgoingMessage, PasskeyAction,
    PlatformType, VisaPageOrigin, parse_incoming,
};

/// Phase data while waiting for the Visa session: the `requestID` of `AUTH_READY` once seen.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SessionWait {
    /// `AUTH_READY.requestID`, echoed in `CREATE_AUTH_SESSION`.
    pub ready_request_id: Option<String>,
}

impl Restore for SessionWait {
    fn restore(value: &Value) -> Result<Self, Corrupt> {
        Ok(Self {
            ready_request_id: Fields::of(value)?.get("ready_request_id")?,
        })
    }
}

/// What a session input led to.
// A short-lived return value that is matched at once and never stored: boxing the large
// variant would only add an allocation.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum SessionEvent {
    /// Still waiting (the page said `AUTH_READY`, or sent a message to ignore).
    Waiting(SessionWait),
    /// The session exists.
    Created {
        /// `sessionContext.secureToken`.
        secure_token: SecureToken,
        /// The page's `browserData`.
        browser_data: BrowserData,
        /// Whether the page needs a popup to register.
        popup_for_register: bool,
        /// Whether the page needs a popup to authenticate.
        popup_for_authenticate: bool,
        /// `dfpSessionID`, the device-fingerprint session, when the page sent one.
        dfp_session_id: Option<String>,
    },
    /// The page failed before a session existed.
    Failed(PageFailure),
}

/// The prompt while waiting for the session. `client_id` is the journey's reference id.
pub fn session_prompt(origin: &VisaPageOrigin, wait: &SessionWait, client_id: &str) -> Prompt {
    Prompt::ProvideVisaSession {
        origin: origin.as_str().to_owned(),
        message_to_post: wait.ready_request_id.as_deref().and_then(|request_id| {
            OutgoingMessage::create_auth_session(request_id, client_id).ok()
        }),
    }
}

fn failure_of(message: &IncomingMessage) -> Option<PageFailure> {
    match message {
        IncomingMessage::AuthFailed { .. } => Some(PageFailure::Failed),
        IncomingMessage::AuthCancelled { .. } => Some(PageFailure::Cancelled),
        IncomingMessage::AuthNotSupported { .. } => Some(PageFailure::NotSupported),
        IncomingMessage::AuthNotPerformed { .. } => Some(PageFailure::NotPerformed),
        _ => None,
    }
}

/// Handles an input while waiting for the session.
///
/// # Errors
/// [`JourneyError::PageMessage`] for a refused message (wrong origin, not JSON …) and
/// [`JourneyError::InvalidEvent`] for inputs other than `VisaMessage`, `VisaSession` and
/// `PageClosed`.
pub fn on_session_input(
    origin: &VisaPageOrigin,
    wait: &SessionWait,
    input: Input,
) -> Result<SessionEvent, JourneyError> {
    match input {
        Input::VisaSession {
            secure_token,
            browser_data,
        } => Ok(SessionEvent::Created {
            secure_token,
            browser_data,
            popup_for_register: false,
            popup_for_authenticate: false,
            dfp_session_id: None,
        }),
        Input::PageClosed => Ok(SessionEvent::Failed(PageFailure::Closed)),
        Input::VisaMessage { json, origin: seen } => {
            let message = parse_incoming(&json, &seen, origin)?;
            if let Some(failure) = failure_of(&message) {
                return Ok(SessionEvent::Failed(failure));
            }
            Ok(match message {
                IncomingMessage::AuthReady { request_id } => SessionEvent::Waiting(SessionWait {
                    ready_request_id: Some(request_id.unwrap_or_default())
                        .filter(|id| !id.is_empty()),
                }),
                IncomingMessage::AuthSessionCreated {
                    secure_token,
                    browser_data,
                    popup,
                    dfp_session_id,
                    ..
                } => SessionEvent::Created {
                    secure_token,
                    browser_data,
                    popup_for_register: popup.for_register,
                    popup_for_authenticate: popup.for_authenticate,
                    dfp_session_id,
                },
                // AUTH_COMPLETE before a session, or a message type we do not know: ignore.
                _ => SessionEvent::Waiting(wait.clone()),
            })
        }
        other => Err(JourneyError::InvalidEvent {
            state: "ProvideVisaSession",
            event: other.name(),
        }),
    }
}

/// The passkey ceremony to run: what the provider returned, without the secret payload (kept in
/// the journey's secrets and rebuilt into the message when prompting).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ceremony {
    /// Register or authenticate.
    pub action: PasskeyAction,
    /// `identifier` / `authenticationContext.id`.
    pub identifier: String,
    /// `endpoint`.
    pub endpoint: String,
    /// `platformType`.
    pub platform_type: PlatformType,
    /// `authPreferencesEnabled`.
    pub preferences: AuthPreferences,
    /// Run it in a popup.
    pub popup: bool,
    /// The `requestID` to use in `AUTHENTICATE` (the session's `AUTH_READY` id or the
    /// reference id).
    pub request_id: String,
}

impl Restore for Ceremony {
    fn restore(value: &Value) -> Result<Self, Corrupt> {
        let fields = Fields::of(value)?;
        Ok(Self {
            action: fields.get("action")?,
            identifier: fields.get("identifier")?,
            endpoint: fields.get("endpoint")?,
            platform_type: fields.get("platform_type")?,
            preferences: fields.get("preferences")?,
            popup: fields.get("popup")?,
            request_id: fields.get("request_id")?,
        })
    }
}

/// Whether [`ceremony_prompt`] can build the prompt: the same checks, in the same order,
/// without writing the message (the journeys check on the way in, then build it when asked).
///
/// # Errors
/// As [`ceremony_prompt`].
pub fn check_ceremony(
    ceremony: &Ceremony,
    payload: &crate::secret::VisaPayload,
) -> Result<(), JourneyError> {
    crate::visa_page::AuthenticationContext::check_parts(
        &ceremony.identifier,
        &ceremony.endpoint,
        payload,
    )?;
    crate::validate::non_empty("requestID", &ceremony.request_id)?;
    Ok(())
}

/// The ceremony prompt. `payload` is the secret JWT the provider returned.
///
/// # Errors
/// [`JourneyError::InvalidInput`] when a part is empty (cannot happen for a
/// ceremony built from a decoded response).
pub fn ceremony_prompt(
    origin: &VisaPageOrigin,
    ceremony: &Ceremony,
    payload: &crate::secret::VisaPayload,
) -> Result<Prompt, JourneyError> {
    let message = OutgoingMessage::authenticate_from_parts(
        &ceremony.request_id,
        &ceremony.identifier,
        &ceremony.endpoint,
        payload,
        &ceremony.action,
        &ceremony.platform_type,
        &ceremony.preferences,
    )?;
    Ok(Prompt::PasskeyCeremony {
        message_to_post: message,
        origin: origin.as_str().to_owned(),
        popup: ceremony.popup,
        action: ceremony.action.clone(),
    })
}

/// What a ceremony input led to.
#[derive(Debug, Clone, PartialEq)]
pub enum CeremonyEvent {
    /// A message to ignore (another type, `AUTH_READY` again).
    Waiting,
    /// `AUTH_COMPLETE`.
    Completed(AssuranceData),
    /// The page ended the ceremony without a result.
    Failed(PageFailure),
}

/// Handles an input during the ceremony.
///
/// # Errors
/// [`JourneyError::PageMessage`] for a refused message and [`JourneyError::InvalidEvent`] for
/// inputs other than `VisaMessage` and `PageClosed`.
pub fn on_ceremony_input(
    origin: &VisaPageOrigin,
    input: Input,
) -> Result<CeremonyEvent, JourneyError> {
    match input {
        Input::PageClosed => Ok(CeremonyEvent::Failed(PageFailure::Closed)),
        Input::VisaMessage { json, origin: seen } => {
            let message = parse_incoming(&json, &seen, origin)?;
            if let Some(failure) = failure_of(&message) {
                return Ok(CeremonyEvent::Failed(failure));
            }
            Ok(match message {
                IncomingMessage::AuthComplete { assurance, .. } => {
                    CeremonyEvent::Completed(assurance)
                }
                _ => CeremonyEvent::Waiting,
            })
        }
        other => Err(JourneyError::InvalidEvent {
            state: "PasskeyCeremony",
            event: other.name(),
        }),
    }
}
