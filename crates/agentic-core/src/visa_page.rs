//! The Visa auth page protocol (DESIGN.md §1, API.md §3): the hidden iframe or popup that runs
//! the passkey ceremony. The host only moves strings between its web view and the SDK; this
//! module builds the outgoing messages and parses the incoming ones after an origin check.
//!
//! The protocol is reconstructed from Visa's own code and third-party pages (API.md §3: "observed
//! behaviour, not a published contract"), so parsing is tolerant: unknown message types become
//! [`IncomingMessage::Unknown`], extra fields are ignored, flags and ids may arrive as strings or
//! numbers.
//!
//! ```text
//! page → host   AUTH_READY{requestID}
//! host → page   CREATE_AUTH_SESSION            OutgoingMessage::create_auth_session
//! page → host   AUTH_SESSION_CREATED{sessionContext.secureToken, browserData, …}
//!               (provider call: Juspay /provision-token-passkey or Cybersource authentication-options)
//! host → page   AUTHENTICATE{authenticationContext}   OutgoingMessage::authenticate
//! page → host   AUTH_COMPLETE{assuranceData{fidoBlob, identifier, rpID}}
//!               | AUTH_FAILED | AUTH_CANCELLED | AUTH_NOT_SUPPORTED | AUTH_NOT_PERFORMED
//! host → page   CLOSE_AUTH_SESSION             OutgoingMessage::close_auth_session
//! ```
//!
//! Secrets (`secureToken`, `fidoBlob`, the `payload` JWT) are held in the redacting types of
//! [`crate::secret`]; neither the messages' nor the errors' `Debug` or `Display` show them.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};
use zeroize::Zeroizing;

use crate::json_path::{FromJson, Node, read_object};
use crate::secret::{FidoBlob, SecretText, SecureToken, VisaPayload};
use crate::validate::{self, InvalidInput, Problem};
use crate::wire::{lenient, open_enum};

open_enum! {
    /// What the passkey ceremony does: `actionToBePerformed` (Juspay) / `action` (Visa page).
    pub enum PasskeyAction {
        /// Create a passkey (device binding).
        Register = "REGISTER",
        /// Use an existing passkey (purchase).
        Authenticate = "AUTHENTICATE",
    }
}

open_enum! {
    /// `platformType` [J-PTP]: where the ceremony runs.
    pub enum PlatformType {
        /// A desktop browser.
        Web = "WEB",
        /// A mobile browser or web view.
        MobileWeb = "MOBILE_WEB",
    }
}

/// `authPreferencesEnabled` (Juspay) / `authenticationPreferencesEnabled` (Visa page) [J-PTP].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthPreferences {
    /// `code` in every sample.
    pub response_type: String,
    /// `com_visa_web_message` in every sample.
    pub response_mode: String,
}

impl FromJson for AuthPreferences {
    fn from_json(node: Node<'_, '_>) -> Result<Self, serde_json::Error> {
        read_object!(node, Self {
            response_type: "responseType" => FromJson::from_json,
            response_mode: "responseMode" => FromJson::from_json,
        })
    }
}

impl Default for AuthPreferences {
    fn default() -> Self {
        Self {
            response_type: "code".to_owned(),
            response_mode: "com_visa_web_message".to_owned(),
        }
    }
}

/// `browserData` as the Visa page reports it in `AUTH_SESSION_CREATED` and as Juspay's
/// provision call takes it [J-PTP, API.md §3.2]. Numbers arrive as strings or numbers and are
/// sent as strings, as in the samples.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BrowserData {
    /// Whether Java is enabled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub browser_java_enabled: Option<bool>,
    /// Whether JavaScript is enabled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub browser_javascript_enabled: Option<bool>,
    /// `en-GB`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub browser_language: Option<String>,
    /// `"30"`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub browser_color_depth: Option<String>,
    /// `"1117"`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub browser_screen_height: Option<String>,
    /// `"1728"`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub browser_screen_width: Option<String>,
    /// Minutes from UTC as the browser reports it, `"-330"`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub browser_time_zone: Option<String>,
    /// The browser's user agent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
    /// The HTTP `Accept` header.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub browser_header: Option<String>,
    /// The client's IP address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip_address: Option<String>,
}

/// Flags as booleans or `"true"`/`"false"`, numbers as strings or numbers; every field optional.
impl FromJson for BrowserData {
    fn from_json(node: Node<'_, '_>) -> Result<Self, serde_json::Error> {
        read_object!(node, Self {
            browser_java_enabled: "browserJavaEnabled" => lenient::opt_bool,
            browser_javascript_enabled: "browserJavascriptEnabled" => lenient::opt_bool,
            browser_language: "browserLanguage" => FromJson::from_json,
            browser_color_depth: "browserColorDepth" => lenient::opt_string,
            browser_screen_height: "browserScreenHeight" => lenient::opt_string,
            browser_screen_width: "browserScreenWidth" => lenient::opt_string,
            browser_time_zone: "browserTimeZone" => lenient::opt_string,
            user_agent: "userAgent" => FromJson::from_json,
            browser_header: "browserHeader" => FromJson::from_json,
            ip_address: "ipAddress" => FromJson::from_json,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Origins
// ---------------------------------------------------------------------------------------------

/// The origin the Visa auth page runs on; every incoming message is checked against it with an
/// exact string comparison, as the browser's `MessageEvent.origin` reports it (API.md §3.1).
///
/// Use [`VisaPageOrigin::sandbox`] or [`VisaPageOrigin::production`]; [`VisaPageOrigin::custom`]
/// exists for a simulator's page (the local sandbox serves one on loopback).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct VisaPageOrigin(String);

impl VisaPageOrigin {
    /// Visa's sandbox page origin [3P-CYBSDEMO, 3P-REACT].
    pub const SANDBOX: &'static str = "https://sbx.vts.auth.visa.com";
    /// Visa's live page origin [3P-CYBSDEMO, 3P-REACT].
    pub const PRODUCTION: &'static str = "https://vts.auth.visa.com";

    /// `https://sbx.vts.auth.visa.com`.
    pub fn sandbox() -> Self {
        Self(Self::SANDBOX.to_owned())
    }

    /// `https://vts.auth.visa.com`.
    pub fn production() -> Self {
        Self(Self::PRODUCTION.to_owned())
    }

    /// Another origin, written `scheme://host[:port]` with no path, query, fragment or user
    /// info. `https` is required except for loopback hosts (`localhost`, `127.x.x.x`, `[::1]`),
    /// which may use `http`. Scheme and host are lower-cased and a default port (`:443` for
    /// https, `:80` for http) is dropped, because that is how a browser serialises an origin and
    /// the comparison is exact.
    ///
    /// # Errors
    /// [`InvalidInput`] for `origin` with [`Problem::Empty`] or [`Problem::Format`].
    pub fn custom(origin: &str) -> Result<Self, InvalidInput> {
        const FIELD: &str = "origin";
        const EXPECTED: Problem = Problem::Format {
            expected: "an origin `https://host[:port]` without a path (http only on loopback)",
        };
        validate::non_empty(FIELD, origin)?;
        let bad = || InvalidInput::new(FIELD, EXPECTED);
        let (scheme, authority) = origin.split_once("://").ok_or_else(bad)?;
        let scheme = scheme.to_ascii_lowercase();
        if authority.is_empty()
            || authority
                .bytes()
                .any(|b| matches!(b, b'/' | b'?' | b'#' | b'@' | b'\\') || b.is_ascii_whitespace())
        {
            return Err(bad());
        }
        let authority = authority.to_ascii_lowercase();
        let (host, port) = if let Some(rest) = authority.strip_prefix('[') {
            // [IPv6]:port
            let (inside, after) = rest.split_once(']').ok_or_else(bad)?;
            if inside.is_empty() || !inside.bytes().all(|b| b.is_ascii_hexdigit() || b == b':') {
                return Err(bad());
            }
            let port = match after {
                "" => None,
                p => Some(p.strip_prefix(':').ok_or_else(bad)?),
            };
            (format!("[{inside}]"), port)
        } else {
            let (host, port) = match authority.split_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (authority.as_str(), None),
            };
            let label_ok = |h: &str| {
                !h.is_empty()
                    && h.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
                    && !h.starts_with(['.', '-'])
                    && !h.ends_with(['.', '-'])
                    && !h.contains("..")
            };
            if !label_ok(host) {
                return Err(bad());
            }
            (host.to_owned(), port)
        };
        let port = match port {
            None => None,
            Some(p) => {
                if p.is_empty() || p.len() > 5 || !p.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(bad());
                }
                let n: u32 = p.parse().map_err(|_| bad())?;
                if n == 0 || n > 65_535 {
                    return Err(bad());
                }
                Some(n)
            }
        };
        let loopback = host == "localhost" || host == "[::1]" || host.starts_with("127.");
        let default_port = match scheme.as_str() {
            "https" => 443,
            "http" if loopback => 80,
            _ => return Err(bad()),
        };
        Ok(Self(match port {
            Some(p) if p != default_port => format!("{scheme}://{host}:{p}"),
            _ => format!("{scheme}://{host}"),
        }))
    }

    /// The origin as a browser reports it.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether a message's origin is exactly this one.
    pub fn matches(&self, origin: &str) -> bool {
        self.0 == origin
    }
}

impl fmt::Display for VisaPageOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for VisaPageOrigin {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for VisaPageOrigin {
    /// Re-validates with [`VisaPageOrigin::custom`] (a checkpoint is input too).
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::custom(&text).map_err(serde::de::Error::custom)
    }
}

// ---------------------------------------------------------------------------------------------
// Outgoing messages
// ---------------------------------------------------------------------------------------------

/// The protocol version every sample sends.
const PROTOCOL_VERSION: &str = "1";

/// The passkey context a provider hands over for the page's `AUTHENTICATE` message: Juspay's
/// `payload.{identifier, endpoint, payload}` [J-PTP] and Cybersource's
/// `authenticationContext{id, endpoint, payload}` [C-AO, C-REG; observed in 3P-CYBSDEMO] are the
/// same three values (API.md §3.3), so one type reads both (`id` is accepted for `identifier`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthenticationContext {
    /// The ceremony's identifier (Cybersource `id`), echoed back in `AUTH_COMPLETE`.
    pub identifier: String,
    /// A base64 path on the page's host, e.g. base64 of
    /// `/oauth2/authorization/request/hub/payment-credential-binding` [3P-VTSPAGE].
    pub endpoint: String,
    /// The signed JWT the page verifies. Secret.
    pub payload: VisaPayload,
}

/// `identifier` or `id` (not both), `endpoint` and `payload`, all strings; not checked here
/// ([`OutgoingMessage::authenticate`] checks them).
fn visa_payload(node: Node<'_, '_>) -> Result<VisaPayload, serde_json::Error> {
    String::from_json(node).map(VisaPayload::from_unchecked)
}

impl FromJson for AuthenticationContext {
    fn from_json(node: Node<'_, '_>) -> Result<Self, serde_json::Error> {
        read_object!(node, Self {
            identifier: "identifier" | "id" => String::from_json,
            endpoint: "endpoint" => FromJson::from_json,
            payload: "payload" => visa_payload,
        })
    }
}

impl AuthenticationContext {
    /// Builds a context from its pieces.
    ///
    /// # Errors
    /// [`InvalidInput`] for `authenticationContext.identifier` / `.endpoint` / `.payload` when
    /// empty.
    pub fn new(
        identifier: &str,
        endpoint: &str,
        payload: VisaPayload,
    ) -> Result<Self, InvalidInput> {
        let context = Self {
            identifier: identifier.to_owned(),
            endpoint: endpoint.to_owned(),
            payload,
        };
        context.check()?;
        Ok(context)
    }

    /// Checks what [`Self::new`] checks (a decoded context was not checked).
    fn check(&self) -> Result<(), InvalidInput> {
        Self::check_parts(&self.identifier, &self.endpoint, &self.payload)
    }

    /// [`Self::check`] on borrowed parts: no copy of the payload just to look at it.
    pub(crate) fn check_parts(
        identifier: &str,
        endpoint: &str,
        payload: &VisaPayload,
    ) -> Result<(), InvalidInput> {
        validate::non_empty("authenticationContext.identifier", identifier)?;
        validate::non_empty("authenticationContext.endpoint", endpoint)?;
        validate::non_empty("authenticationContext.payload", payload.expose_secret())
    }
}

/// A message for the host to `postMessage` to the Visa page (with the page's origin as target
/// origin). The JSON may hold the `payload` JWT, so `Debug` shows only the message type and
/// request id, and the text is zeroized on drop.
#[derive(Clone, PartialEq, Eq)]
pub struct OutgoingMessage {
    message_type: &'static str,
    request_id: String,
    json: Zeroizing<String>,
}

impl OutgoingMessage {
    /// `CREATE_AUTH_SESSION` `{type, requestID, version:"1", client:{id}}` [3P-CYBSDEMO,
    /// 3P-VTSPAGE, 3P-REACT]. `request_id` is the `requestID` of `AUTH_READY`; `client_id` is the
    /// journey's `clientCorrelationId` (Cybersource) or the `clientAppID` the page was loaded with.
    /// 3P-REACT also sends `contentType:"application/json"`; the other sources do not, and
    /// neither do we.
    ///
    /// # Errors
    /// [`InvalidInput`] for `requestID` or `client.id` when empty.
    pub fn create_auth_session(request_id: &str, client_id: &str) -> Result<Self, InvalidInput> {
        #[derive(Serialize)]
        struct Client<'a> {
            id: &'a str,
        }
        #[derive(Serialize)]
        struct Message<'a> {
            #[serde(rename = "type")]
            message_type: &'static str,
            #[serde(rename = "requestID")]
            request_id: &'a str,
            version: &'static str,
            client: Client<'a>,
        }
        validate::non_empty("requestID", request_id)?;
        validate::non_empty("client.id", client_id)?;
        let message = Message {
            message_type: "CREATE_AUTH_SESSION",
            request_id,
            version: PROTOCOL_VERSION,
            client: Client { id: client_id },
        };
        Ok(Self::build(message.message_type, request_id, &message, 0))
    }

    /// `AUTHENTICATE` `{type, requestID, version:"1", authenticationContext:{identifier,
    /// endpoint, payload, action, platformType, authenticationPreferencesEnabled:{responseType,
    /// responseMode}}}` [3P-CYBSDEMO, 3P-VISAPY, 3P-REACT, 3P-VTSPAGE]. The message type is
    /// always `AUTHENTICATE`; `action` chooses registration or authentication.
    ///
    /// Feed it Juspay's provision response (`actionToBePerformed`, `platformType`,
    /// `authPreferencesEnabled`) or Cybersource's `authenticationContext` (action `AUTHENTICATE`
    /// after authentication-options, `REGISTER` after authentication-registrations, platform
    /// `WEB`, [`AuthPreferences::default`]).
    ///
    /// # Errors
    /// [`InvalidInput`] for `requestID` or an empty part of `authenticationContext`.
    pub fn authenticate(
        request_id: &str,
        context: &AuthenticationContext,
        action: &PasskeyAction,
        platform_type: &PlatformType,
        preferences: &AuthPreferences,
    ) -> Result<Self, InvalidInput> {
        validate::non_empty("requestID", request_id)?;
        context.check()?;
        Ok(Self::authenticate_unchecked(
            request_id,
            &context.identifier,
            &context.endpoint,
            &context.payload,
            action,
            platform_type,
            preferences,
        ))
    }

    /// As [`Self::authenticate`], from the context's parts (checked first, then `requestID`):
    /// the journeys build the message without copying the payload into a context.
    pub(crate) fn authenticate_from_parts(
        request_id: &str,
        identifier: &str,
        endpoint: &str,
        payload: &VisaPayload,
        action: &PasskeyAction,
        platform_type: &PlatformType,
        preferences: &AuthPreferences,
    ) -> Result<Self, InvalidInput> {
        AuthenticationContext::check_parts(identifier, endpoint, payload)?;
        validate::non_empty("requestID", request_id)?;
        Ok(Self::authenticate_unchecked(
            request_id,
            identifier,
            endpoint,
            payload,
            action,
            platform_type,
            preferences,
        ))
    }

    fn authenticate_unchecked(
        request_id: &str,
        identifier: &str,
        endpoint: &str,
        payload: &VisaPayload,
        action: &PasskeyAction,
        platform_type: &PlatformType,
        preferences: &AuthPreferences,
    ) -> Self {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Context<'a> {
            identifier: &'a str,
            endpoint: &'a str,
            payload: &'a str,
            action: &'a PasskeyAction,
            platform_type: &'a PlatformType,
            authentication_preferences_enabled: &'a AuthPreferences,
        }
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Message<'a> {
            #[serde(rename = "type")]
            message_type: &'static str,
            #[serde(rename = "requestID")]
            request_id: &'a str,
            version: &'static str,
            authentication_context: Context<'a>,
        }
        let message = Message {
            message_type: "AUTHENTICATE",
            request_id,
            version: PROTOCOL_VERSION,
            authentication_context: Context {
                identifier,
                endpoint,
                payload: payload.expose_secret(),
                action,
                platform_type,
                authentication_preferences_enabled: preferences,
            },
        };
        let secret_len = payload.expose_secret().len();
        Self::build(message.message_type, request_id, &message, secret_len)
    }

    /// `CLOSE_AUTH_SESSION` `{requestID, version:"1", type}` [3P-VTSPAGE, 3P-REACT].
    ///
    /// # Errors
    /// [`InvalidInput`] for `requestID` when empty.
    pub fn close_auth_session(request_id: &str) -> Result<Self, InvalidInput> {
        #[derive(Serialize)]
        struct Message<'a> {
            #[serde(rename = "requestID")]
            request_id: &'a str,
            version: &'static str,
            #[serde(rename = "type")]
            message_type: &'static str,
        }
        validate::non_empty("requestID", request_id)?;
        let message = Message {
            request_id,
            version: PROTOCOL_VERSION,
            message_type: "CLOSE_AUTH_SESSION",
        };
        Ok(Self::build(message.message_type, request_id, &message, 0))
    }

    fn build<T: Serialize>(
        message_type: &'static str,
        request_id: &str,
        message: &T,
        secret_len: usize,
    ) -> Self {
        // Sized up front so that the buffer holding a secret is not reallocated (which would
        // leave an unzeroized copy behind).
        let mut buffer = Vec::with_capacity(512 + request_id.len() * 2 + secret_len * 2);
        // The messages are plain structs of strings: writing them into a Vec cannot fail, and
        // every byte serde_json writes is UTF-8.
        let json = match serde_json::to_writer(&mut buffer, message) {
            Ok(()) => String::from_utf8(buffer).unwrap_or_default(),
            Err(_) => String::new(),
        };
        Self {
            message_type,
            request_id: request_id.to_owned(),
            json: Zeroizing::new(json),
        }
    }

    /// The message type (`CREATE_AUTH_SESSION`, `AUTHENTICATE`, `CLOSE_AUTH_SESSION`).
    pub fn message_type(&self) -> &'static str {
        self.message_type
    }

    /// The `requestID` the message carries.
    pub fn request_id(&self) -> &str {
        &self.request_id
    }

    /// The JSON text to post. For `AUTHENTICATE` it contains the `payload` JWT: hand it to the
    /// web view and do not log or store it.
    pub fn as_json(&self) -> &str {
        &self.json
    }
}

impl fmt::Debug for OutgoingMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OutgoingMessage")
            .field("message_type", &self.message_type)
            .field("request_id", &self.request_id)
            .field(
                "json",
                &format_args!("<{} bytes redacted>", self.json.len()),
            )
            .finish()
    }
}

// ---------------------------------------------------------------------------------------------
// Incoming messages
// ---------------------------------------------------------------------------------------------

/// Whether the page needs a popup (instead of the hidden iframe) for a ceremony:
/// `authenticationPreferencesSupported{requiresPopupForAuthenticate, requiresPopupForRegister}`
/// [VISA-AI, 3P-REACT]. An absent or unreadable flag reads as `false` (the iframe).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct PopupRequirements {
    /// `requiresPopupForAuthenticate`.
    pub for_authenticate: bool,
    /// `requiresPopupForRegister`.
    pub for_register: bool,
}

impl PopupRequirements {
    /// Whether `action` must run in a popup. Unknown actions follow the authenticate flag.
    pub fn required_for(&self, action: &PasskeyAction) -> bool {
        match action {
            PasskeyAction::Register => self.for_register,
            PasskeyAction::Authenticate | PasskeyAction::Unknown(_) => self.for_authenticate,
        }
    }
}

/// The result of a passkey ceremony, `AUTH_COMPLETE.assuranceData` [VISA-AI, VISA-POPUP,
/// 3P-CYBSDEMO]: it goes on as assurance data (Cybersource `authenticatedIdentities{data: fidoBlob,
/// id: identifier}`, API.md §3.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssuranceData {
    /// `fidoBlob` (or `authenticatedIdentities.data`, or the top-level `code`). Secret.
    pub fido_blob: FidoBlob,
    /// `identifier` (or `authenticatedIdentities.id`); absent in the `code` form.
    pub identifier: Option<String>,
    /// `rpID`, the relying party (or `authenticatedIdentities.relyingPartyId`).
    pub rp_id: Option<String>,
}

/// A message from the Visa page, after the origin check (API.md §3.2). `request_id` is the
/// message's `requestID` when it has one (string or number).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IncomingMessage {
    /// `AUTH_READY`: the page has loaded. Echo `request_id` in `CREATE_AUTH_SESSION`.
    AuthReady {
        /// `requestID`.
        request_id: Option<String>,
    },
    /// `AUTH_SESSION_CREATED` (or the 3P-CYBSDEMO form `type:"RESULT", result:"COMPLETE"` with
    /// a `sessionContext`): the session the provider calls need.
    AuthSessionCreated {
        /// `requestID`.
        request_id: Option<String>,
        /// `sessionContext.secureToken`. Secret.
        secure_token: SecureToken,
        /// `browserData`; every field `None` when the page sent none.
        browser_data: BrowserData,
        /// `dfpSessionID`, the device-fingerprint session.
        dfp_session_id: Option<String>,
        /// `authenticationPreferencesSupported`.
        popup: PopupRequirements,
    },
    /// `AUTH_COMPLETE`: the ceremony succeeded.
    AuthComplete {
        /// `requestID`.
        request_id: Option<String>,
        /// The passkey result.
        assurance: AssuranceData,
    },
    /// `AUTH_FAILED` [VISA-POPUP, 3P-CYBSDEMO].
    AuthFailed {
        /// `requestID`.
        request_id: Option<String>,
        /// A reason code the page gave (`reason`, `errorCode`, `error.reason`).
        reason: Option<String>,
        /// A message the page gave (`message`, `errorMessage`, `error` text, `error.message`).
        message: Option<String>,
    },
    /// `AUTH_CANCELLED`: the cardholder cancelled [VISA-POPUP, 3P-CYBSDEMO].
    AuthCancelled {
        /// `requestID`.
        request_id: Option<String>,
        /// As for [`IncomingMessage::AuthFailed`].
        reason: Option<String>,
        /// As for [`IncomingMessage::AuthFailed`].
        message: Option<String>,
    },
    /// `AUTH_NOT_SUPPORTED`: the device or browser cannot do passkeys [VISA-POPUP].
    AuthNotSupported {
        /// `requestID`.
        request_id: Option<String>,
        /// As for [`IncomingMessage::AuthFailed`].
        reason: Option<String>,
        /// As for [`IncomingMessage::AuthFailed`].
        message: Option<String>,
    },
    /// `AUTH_NOT_PERFORMED` [VISA-POPUP].
    AuthNotPerformed {
        /// `requestID`.
        request_id: Option<String>,
        /// As for [`IncomingMessage::AuthFailed`].
        reason: Option<String>,
        /// As for [`IncomingMessage::AuthFailed`].
        message: Option<String>,
    },
    /// A message type this SDK version does not know (kept so the host can log it).
    Unknown {
        /// The `type` as received.
        message_type: String,
        /// `requestID`.
        request_id: Option<String>,
    },
}

impl IncomingMessage {
    /// The message's `requestID`, when it has one.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Self::AuthReady { request_id }
            | Self::AuthSessionCreated { request_id, .. }
            | Self::AuthComplete { request_id, .. }
            | Self::AuthFailed { request_id, .. }
            | Self::AuthCancelled { request_id, .. }
            | Self::AuthNotSupported { request_id, .. }
            | Self::AuthNotPerformed { request_id, .. }
            | Self::Unknown { request_id, .. } => request_id.as_deref(),
        }
    }

    /// The protocol's name for the message (`AUTH_SESSION_CREATED` also for the `RESULT` form).
    pub fn message_type(&self) -> &str {
        match self {
            Self::AuthReady { .. } => "AUTH_READY",
            Self::AuthSessionCreated { .. } => "AUTH_SESSION_CREATED",
            Self::AuthComplete { .. } => "AUTH_COMPLETE",
            Self::AuthFailed { .. } => "AUTH_FAILED",
            Self::AuthCancelled { .. } => "AUTH_CANCELLED",
            Self::AuthNotSupported { .. } => "AUTH_NOT_SUPPORTED",
            Self::AuthNotPerformed { .. } => "AUTH_NOT_PERFORMED",
            Self::Unknown { message_type, .. } => message_type,
        }
    }
}

/// Why a page message was refused. Nothing of the message's content (and no secret) is in the
/// error; origins are not secret and are shown, unless the text given as the origin holds what
/// no origin holds (braces, quotes, spaces: a message passed in its place).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PageMessageError {
    /// The message did not come from the expected page. Ignore it (do not act on it, do not
    /// answer): any frame or window can post messages to the host.
    #[error("message from unexpected origin `{got}` (expected `{expected}`)")]
    UnexpectedOrigin {
        /// The origin the session was opened with.
        expected: String,
        /// The origin the message came from.
        got: String,
    },
    /// The text is not a JSON object. The host passed something other than the message's data
    /// (or the page is not the Visa page): check the bridge code.
    #[error("the page message is not a JSON object")]
    NotJson,
    /// A JSON object without a string `type`. Ignore it; other scripts on the page may post
    /// such messages.
    #[error("the page message has no `type`")]
    MissingType,
    /// A known message without a field the flow needs. The ceremony cannot continue: close the
    /// session and offer to start again.
    #[error("`{message_type}` message without `{field}`")]
    MissingField {
        /// The message type (`AUTH_SESSION_CREATED`, `RESULT`, `AUTH_COMPLETE`).
        message_type: &'static str,
        /// The field's path in the message (`sessionContext.secureToken`).
        field: &'static str,
    },
    /// A known message whose field has the wrong JSON type. As for
    /// [`PageMessageError::MissingField`].
    #[error("`{message_type}` message has an unreadable `{field}`")]
    InvalidField {
        /// The message type.
        message_type: &'static str,
        /// The field's path in the message.
        field: &'static str,
    },
}

/// The longest origin quoted back in [`PageMessageError::UnexpectedOrigin`].
const MAX_QUOTED_ORIGIN: usize = 256;

/// Parses one message the host received from the Visa page.
///
/// `json` is the message data as text (if the web view delivers an object, `JSON.stringify` it;
/// a doubly encoded JSON string is unwrapped once). `origin` is `MessageEvent.origin`; it is
/// compared with `expected` **first**, before the text is read.
///
/// # Errors
/// [`PageMessageError`]: wrong origin, not a JSON object, no `type`, or a known message lacking
/// what the flow needs (`sessionContext.secureToken` in `AUTH_SESSION_CREATED`,
/// `assuranceData.fidoBlob` in `AUTH_COMPLETE`).
pub fn parse_incoming(
    json: &str,
    origin: &str,
    expected: &VisaPageOrigin,
) -> Result<IncomingMessage, PageMessageError> {
    if !expected.matches(origin) {
        // Not quoted when it holds what no origin (not even `null` or a bad one) holds: a host
        // that swapped the message and its origin would put the message (a `secureToken`) in
        // the error.
        let unlike_an_origin = origin.chars().any(|c| {
            matches!(c, '{' | '}' | '"' | '\'' | '\\' | '<' | '>')
                || c.is_whitespace()
                || c.is_control()
        });
        let got = if unlike_an_origin {
            format!("<not an origin: {} characters>", origin.chars().count())
        } else if origin.len() > MAX_QUOTED_ORIGIN {
            let mut cut = MAX_QUOTED_ORIGIN;
            while !origin.is_char_boundary(cut) {
                cut -= 1;
            }
            format!("{}…", &origin[..cut])
        } else {
            origin.to_owned()
        };
        return Err(PageMessageError::UnexpectedOrigin {
            expected: expected.as_str().to_owned(),
            got,
        });
    }
    let mut value: Value =
        serde_json::from_slice(json.as_bytes()).map_err(|_| PageMessageError::NotJson)?;
    if let Value::String(inner) = &value {
        value = serde_json::from_slice(inner.as_bytes()).map_err(|_| PageMessageError::NotJson)?;
    }
    let Value::Object(mut map) = value else {
        return Err(PageMessageError::NotJson);
    };
    let message_type = match map.get("type") {
        Some(Value::String(t)) if !t.trim().is_empty() => t.clone(),
        _ => return Err(PageMessageError::MissingType),
    };
    let request_id = loose_text(map.get("requestID").or_else(|| map.get("requestId")));
    let failure = |map: &Map<String, Value>| (failure_reason(map), failure_message(map));
    Ok(match message_type.as_str() {
        "AUTH_READY" => IncomingMessage::AuthReady { request_id },
        "AUTH_SESSION_CREATED" => session_created("AUTH_SESSION_CREATED", request_id, &mut map)?,
        // 3P-CYBSDEMO treats `type:"RESULT"` with `result:"COMPLETE"` and a `sessionContext`
        // as the session. Any other RESULT stays Unknown.
        "RESULT"
            if map
                .get("result")
                .and_then(Value::as_str)
                .is_some_and(|r| r.eq_ignore_ascii_case("COMPLETE"))
                && map.get("sessionContext").is_some_and(Value::is_object) =>
        {
            session_created("RESULT", request_id, &mut map)?
        }
        "AUTH_COMPLETE" => IncomingMessage::AuthComplete {
            request_id,
            assurance: assurance_data(&mut map)?,
        },
        "AUTH_FAILED" => {
            let (reason, message) = failure(&map);
            IncomingMessage::AuthFailed {
                request_id,
                reason,
                message,
            }
        }
        "AUTH_CANCELLED" => {
            let (reason, message) = failure(&map);
            IncomingMessage::AuthCancelled {
                request_id,
                reason,
                message,
            }
        }
        "AUTH_NOT_SUPPORTED" => {
            let (reason, message) = failure(&map);
            IncomingMessage::AuthNotSupported {
                request_id,
                reason,
                message,
            }
        }
        "AUTH_NOT_PERFORMED" => {
            let (reason, message) = failure(&map);
            IncomingMessage::AuthNotPerformed {
                request_id,
                reason,
                message,
            }
        }
        _ => IncomingMessage::Unknown {
            message_type,
            request_id,
        },
    })
}

/// A string or number as text; anything else (or blank) is `None`.
fn loose_text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// `true`, `"true"` (any case) are true; anything else is false.
fn loose_flag(value: Option<&Value>) -> bool {
    match value {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s.trim().eq_ignore_ascii_case("true"),
        _ => false,
    }
}

/// Moves a secret string out of `parent[key]` (no copy is left in the parsed tree).
/// `Ok(None)` when absent, null or blank.
fn take_secret_text(
    parent: &mut Map<String, Value>,
    key: &str,
    message_type: &'static str,
    field: &'static str,
) -> Result<Option<String>, PageMessageError> {
    match parent.get_mut(key).map(Value::take) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(PageMessageError::InvalidField {
            message_type,
            field,
        }),
    }
}

fn empty_browser_data() -> BrowserData {
    BrowserData {
        browser_java_enabled: None,
        browser_javascript_enabled: None,
        browser_language: None,
        browser_color_depth: None,
        browser_screen_height: None,
        browser_screen_width: None,
        browser_time_zone: None,
        user_agent: None,
        browser_header: None,
        ip_address: None,
    }
}

fn session_created(
    message_type: &'static str,
    request_id: Option<String>,
    map: &mut Map<String, Value>,
) -> Result<IncomingMessage, PageMessageError> {
    const TOKEN_FIELD: &str = "sessionContext.secureToken";
    let secure_token = match map.get_mut("sessionContext") {
        None | Some(Value::Null) => None,
        Some(Value::Object(context)) => {
            take_secret_text(context, "secureToken", message_type, TOKEN_FIELD)?
        }
        Some(_) => {
            return Err(PageMessageError::InvalidField {
                message_type,
                field: "sessionContext",
            });
        }
    }
    .ok_or(PageMessageError::MissingField {
        message_type,
        field: TOKEN_FIELD,
    })?;
    let secure_token = SecureToken::from_unchecked(secure_token);
    let browser_data = match map.remove("browserData") {
        None | Some(Value::Null) => empty_browser_data(),
        Some(value) => {
            crate::json_path::read(&value).map_err(|_| PageMessageError::InvalidField {
                message_type,
                field: "browserData",
            })?
        }
    };
    let dfp_session_id = loose_text(map.get("dfpSessionID").or_else(|| map.get("dfpSessionId")));
    let popup = match map.get("authenticationPreferencesSupported") {
        Some(Value::Object(prefs)) => PopupRequirements {
            for_authenticate: loose_flag(prefs.get("requiresPopupForAuthenticate")),
            for_register: loose_flag(prefs.get("requiresPopupForRegister")),
        },
        _ => PopupRequirements::default(),
    };
    Ok(IncomingMessage::AuthSessionCreated {
        request_id,
        secure_token,
        browser_data,
        dfp_session_id,
        popup,
    })
}

/// `assuranceData` as an object `{fidoBlob, identifier, rpID}` [VISA-AI], as an array
/// `[{authenticatedIdentities{data, id}}]`, or a top-level `code` (API.md §3.2, one 3P parser).
fn assurance_data(map: &mut Map<String, Value>) -> Result<AssuranceData, PageMessageError> {
    const TYPE: &str = "AUTH_COMPLETE";
    const BLOB: &str = "assuranceData.fidoBlob";
    let mut found: Option<(String, Option<String>, Option<String>)> = None;
    match map.get_mut("assuranceData") {
        Some(Value::Object(data)) => {
            if let Some(blob) = take_secret_text(data, "fidoBlob", TYPE, BLOB)? {
                let identifier = loose_text(data.get("identifier"));
                let rp_id = loose_text(data.get("rpID").or_else(|| data.get("rpId")));
                found = Some((blob, identifier, rp_id));
            }
        }
        Some(Value::Array(items)) => {
            const DATA: &str = "assuranceData[].authenticatedIdentities.data";
            for item in items.iter_mut() {
                let identities = match item.get_mut("authenticatedIdentities") {
                    Some(Value::Array(list)) => list.first_mut(),
                    Some(other) => Some(other),
                    None => None,
                };
                if let Some(Value::Object(identity)) = identities {
                    if let Some(blob) = take_secret_text(identity, "data", TYPE, DATA)? {
                        let identifier = loose_text(identity.get("id"));
                        let rp_id = loose_text(identity.get("relyingPartyId"));
                        found = Some((blob, identifier, rp_id));
                        break;
                    }
                }
            }
        }
        None | Some(Value::Null) => {}
        Some(_) => {
            return Err(PageMessageError::InvalidField {
                message_type: TYPE,
                field: "assuranceData",
            });
        }
    }
    if found.is_none() {
        if let Some(code) = take_secret_text(map, "code", TYPE, "code")? {
            found = Some((code, None, None));
        }
    }
    let (blob, identifier, rp_id) = found.ok_or(PageMessageError::MissingField {
        message_type: TYPE,
        field: BLOB,
    })?;
    Ok(AssuranceData {
        fido_blob: FidoBlob::from_unchecked(blob),
        identifier,
        rp_id,
    })
}

fn failure_reason(map: &Map<String, Value>) -> Option<String> {
    loose_text(map.get("reason"))
        .or_else(|| loose_text(map.get("errorCode")))
        .or_else(|| map.get("error").and_then(|e| loose_text(e.get("reason"))))
}

fn failure_message(map: &Map<String, Value>) -> Option<String> {
    loose_text(map.get("message"))
        .or_else(|| loose_text(map.get("errorMessage")))
        .or_else(|| loose_text(map.get("error")))
        .or_else(|| map.get("error").and_then(|e| loose_text(e.get("message"))))
}
