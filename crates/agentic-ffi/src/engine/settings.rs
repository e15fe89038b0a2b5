//! Client settings as plain data (a uniffi record or JSON maps onto [`Settings`]) and the
//! credentials, kept apart (they are secrets), validated into the HTTP layer's
//! [`ClientConfig`].

use std::sync::Arc;
use std::time::Duration;

use agentic_core::secret::SigningSecret;
use agentic_http::Timeouts;
use agentic_http::config::{
    ClientConfig, JuspayAuth, JuspayConfig, JuspayEnvironment, VisaAcceptanceConfig,
    VisaAcceptanceEnvironment,
};
use agentic_http::transport::Transport;
use serde::Deserialize;

use super::{Backend, Secret};
use crate::error::AgenticError;

/// Default connect timeout (TCP + TLS), in milliseconds.
pub const DEFAULT_CONNECT_TIMEOUT_MS: u64 = 10_000;
/// Default read timeout (waiting for the response once the request is written), in ms.
pub const DEFAULT_READ_TIMEOUT_MS: u64 = 30_000;
/// Default timeout of a whole request, in ms.
pub const DEFAULT_OVERALL_TIMEOUT_MS: u64 = 45_000;

/// Which providers a client talks to, where, and the timeouts. No credentials.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Juspay (enrollment, purchase, Direct OTP).
    #[serde(default)]
    pub juspay: Option<JuspaySettings>,
    /// Visa Acceptance (Visa passkey).
    #[serde(default)]
    pub visa_acceptance: Option<VisaAcceptanceSettings>,
    /// TCP connect plus TLS handshake, in milliseconds.
    #[serde(default = "connect_default")]
    pub connect_timeout_ms: u64,
    /// Waiting for the response once the request is written, in milliseconds.
    #[serde(default = "read_default")]
    pub read_timeout_ms: u64,
    /// The whole request, in milliseconds.
    #[serde(default = "overall_default")]
    pub overall_timeout_ms: u64,
}

fn connect_default() -> u64 {
    DEFAULT_CONNECT_TIMEOUT_MS
}
fn read_default() -> u64 {
    DEFAULT_READ_TIMEOUT_MS
}
fn overall_default() -> u64 {
    DEFAULT_OVERALL_TIMEOUT_MS
}

/// The Juspay section.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JuspaySettings {
    /// `sandbox`, `production`, or a base URL (`https://…`; `http://` only on loopback).
    pub environment: String,
    /// Sent as `x-merchantid`.
    pub merchant_id: String,
    /// Sent as `x-routing-id` on Direct OTP calls, where it is required (the customer id, the
    /// same for every call of one customer).
    #[serde(default)]
    pub routing_id: Option<String>,
}

/// The Visa Acceptance section.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VisaAcceptanceSettings {
    /// `sandbox` (or `test`), `production`, or a base URL.
    pub environment: String,
    /// Sent and signed as `v-c-merchant-id`.
    pub merchant_id: String,
    /// The HTTP Signature key id.
    pub key_id: String,
}

/// The credentials, given apart from the settings. `Debug` shows which are present only.
#[derive(Clone, Default)]
pub struct Credentials {
    /// Juspay API key (server side).
    pub juspay_api_key: Option<Secret>,
    /// Juspay client auth token (client side), instead of the API key.
    pub juspay_client_auth_token: Option<Secret>,
    /// The Visa Acceptance shared secret, base64 as issued.
    pub visa_shared_secret: Option<Secret>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("juspay_api_key", &self.juspay_api_key.is_some())
            .field(
                "juspay_client_auth_token",
                &self.juspay_client_auth_token.is_some(),
            )
            .field("visa_shared_secret", &self.visa_shared_secret.is_some())
            .finish()
    }
}

fn configuration(detail: impl Into<String>) -> AgenticError {
    AgenticError::Configuration {
        detail: detail.into(),
    }
}

fn juspay_environment(text: &str) -> Result<JuspayEnvironment, AgenticError> {
    match text.trim() {
        "sandbox" => Ok(JuspayEnvironment::Sandbox),
        "production" => Ok(JuspayEnvironment::Production),
        url if url.contains("://") => Ok(JuspayEnvironment::Custom(url.to_owned())),
        _ => Err(configuration(
            "`juspay.environment` must be `sandbox`, `production` or a base URL",
        )),
    }
}

fn visa_environment(text: &str) -> Result<VisaAcceptanceEnvironment, AgenticError> {
    match text.trim() {
        "sandbox" | "test" => Ok(VisaAcceptanceEnvironment::Test),
        "production" => Ok(VisaAcceptanceEnvironment::Production),
        url if url.contains("://") => Ok(VisaAcceptanceEnvironment::Custom(url.to_owned())),
        _ => Err(configuration(
            "`visa_acceptance.environment` must be `sandbox`, `production` or a base URL",
        )),
    }
}

/// Validates settings and credentials into a [`ClientConfig`].
///
/// # Errors
/// [`AgenticError::Configuration`] naming the setting: an unknown environment, a Juspay
/// section without exactly one of API key and client auth token, a Visa Acceptance section
/// without its shared secret, a credential for a provider that is not configured, and every
/// check of [`ClientConfig::validate`] (base URLs, ids, timeouts).
pub fn client_config(
    settings: Settings,
    credentials: Credentials,
) -> Result<ClientConfig, AgenticError> {
    let juspay = match settings.juspay {
        Some(section) => {
            let auth = match (
                credentials.juspay_api_key,
                credentials.juspay_client_auth_token,
            ) {
                (Some(key), None) => JuspayAuth::api_key(key.expose())?,
                (None, Some(token)) => JuspayAuth::client_auth_token(token.expose())?,
                (None, None) => {
                    return Err(configuration(
                        "`juspay.auth`: give the Juspay API key or a client auth token",
                    ));
                }
                (Some(_), Some(_)) => {
                    return Err(configuration(
                        "`juspay.auth`: give the API key or the client auth token, not both",
                    ));
                }
            };
            let mut config = JuspayConfig::new(
                juspay_environment(&section.environment)?,
                section.merchant_id,
                auth,
            );
            if let Some(routing_id) = section.routing_id {
                config = config.with_routing_id(routing_id);
            }
            Some(config)
        }
        None if credentials.juspay_api_key.is_some()
            || credentials.juspay_client_auth_token.is_some() =>
        {
            return Err(configuration(
                "a Juspay credential was given but `juspay` is not configured",
            ));
        }
        None => None,
    };
    let visa_acceptance = match settings.visa_acceptance {
        Some(section) => {
            let secret = credentials.visa_shared_secret.ok_or_else(|| {
                configuration("`visa_acceptance.shared_secret`: give the shared secret")
            })?;
            let secret = SigningSecret::new("visa_acceptance.shared_secret", secret.expose())
                .map_err(|e| configuration(e.to_string()))?;
            Some(VisaAcceptanceConfig::new(
                visa_environment(&section.environment)?,
                section.merchant_id,
                section.key_id,
                secret,
            ))
        }
        None if credentials.visa_shared_secret.is_some() => {
            return Err(configuration(
                "a Visa Acceptance shared secret was given but `visa_acceptance` is not configured",
            ));
        }
        None => None,
    };
    let timeouts = Timeouts {
        connect: Duration::from_millis(settings.connect_timeout_ms),
        read: Duration::from_millis(settings.read_timeout_ms),
        overall: Duration::from_millis(settings.overall_timeout_ms),
    };
    Ok(ClientConfig::new(juspay, visa_acceptance, timeouts)?)
}

impl Backend {
    /// A backend from settings and credentials, on `transport` or the built-in one.
    ///
    /// # Errors
    /// As [`client_config`].
    pub fn from_settings(
        settings: Settings,
        credentials: Credentials,
        transport: Option<Arc<dyn Transport>>,
    ) -> Result<Self, AgenticError> {
        let config = client_config(settings, credentials)?;
        match transport {
            Some(transport) => Self::new(config, transport),
            #[cfg(feature = "bundled-transport")]
            None => Self::with_ureq(config),
            #[cfg(not(feature = "bundled-transport"))]
            None => {
                drop(config);
                Err(AgenticError::Configuration {
                    detail: "this build has no HTTP stack of its own (mobile feature set): pass a transport".to_owned(),
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> Settings {
        serde_json::from_str(
            r#"{"juspay": {"environment": "sandbox", "merchant_id": "m1"},
                "visa_acceptance": {"environment": "http://127.0.0.1:9", "merchant_id": "v1",
                                    "key_id": "k1"}}"#,
        )
        .expect("settings")
    }

    fn credentials() -> Credentials {
        Credentials {
            juspay_api_key: Some(Secret::new("key_1")),
            juspay_client_auth_token: None,
            visa_shared_secret: Some(Secret::new("c2VjcmV0")),
        }
    }

    #[test]
    fn settings_and_credentials_make_a_config_with_default_timeouts() {
        let config = client_config(settings(), credentials()).expect("valid");
        assert_eq!(config.timeouts, Timeouts::default());
        assert!(matches!(
            config.juspay.map(|j| j.environment),
            Some(JuspayEnvironment::Sandbox)
        ));
    }

    #[test]
    fn every_configuration_problem_is_named_and_shows_no_secret() {
        let cases: Vec<(Settings, Credentials, &str)> = vec![
            (
                settings(),
                Credentials {
                    juspay_api_key: None,
                    ..credentials()
                },
                "juspay.auth",
            ),
            (
                settings(),
                Credentials {
                    juspay_client_auth_token: Some(Secret::new("t")),
                    ..credentials()
                },
                "not both",
            ),
            (
                settings(),
                Credentials {
                    visa_shared_secret: Some(Secret::new("not base64 key_1!")),
                    ..credentials()
                },
                "visa_acceptance.shared_secret",
            ),
            (
                Settings {
                    visa_acceptance: None,
                    ..settings()
                },
                credentials(),
                "not configured",
            ),
            (
                Settings {
                    read_timeout_ms: 0,
                    ..settings()
                },
                credentials(),
                "timeouts.read",
            ),
            (
                Settings {
                    juspay: Some(JuspaySettings {
                        environment: "staging".into(),
                        merchant_id: "m".into(),
                        routing_id: None,
                    }),
                    ..settings()
                },
                credentials(),
                "juspay.environment",
            ),
            (
                Settings {
                    juspay: Some(JuspaySettings {
                        environment: "http://juspay.example".into(),
                        merchant_id: "m".into(),
                        routing_id: None,
                    }),
                    ..settings()
                },
                credentials(),
                "juspay.environment",
            ),
        ];
        for (settings, credentials, expected) in cases {
            match client_config(settings, credentials) {
                Err(AgenticError::Configuration { detail }) => {
                    assert!(detail.contains(expected), "{detail} lacks {expected}");
                    assert!(!detail.contains("key_1") && !detail.contains("c2VjcmV0"));
                }
                other => panic!("{expected}: {other:?}"),
            }
        }
    }
}
