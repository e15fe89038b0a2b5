//! The Visa auth page protocol (DESIGN.md §1, API.md §3): the hidden iframe or popup that runs
//! the passkey ceremony. The host only moves strings between its web view and the SDK; this
//! module builds the outgoing messages and parses the incoming ones after an origin check.

use serde::{Deserialize, Serialize};

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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthPreferences {
    /// `code` in every sample.
    pub response_type: String,
    /// `com_visa_web_message` in every sample.
    pub response_mode: String,
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BrowserData {
    /// Whether Java is enabled.
    #[serde(
        default,
        deserialize_with = "lenient::opt_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub browser_java_enabled: Option<bool>,
    /// Whether JavaScript is enabled.
    #[serde(
        default,
        deserialize_with = "lenient::opt_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub browser_javascript_enabled: Option<bool>,
    /// `en-GB`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub browser_language: Option<String>,
    /// `"30"`.
    #[serde(
        default,
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub browser_color_depth: Option<String>,
    /// `"1117"`.
    #[serde(
        default,
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub browser_screen_height: Option<String>,
    /// `"1728"`.
    #[serde(
        default,
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub browser_screen_width: Option<String>,
    /// Minutes from UTC as the browser reports it, `"-330"`.
    #[serde(
        default,
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub browser_time_zone: Option<String>,
    /// The browser's user agent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
    /// The HTTP `Accept` header.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub browser_header: Option<String>,
    /// The client's IP address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip_address: Option<String>,
}
