//! Client configuration: which providers the client talks to, where they are (environment or
//! custom base URL), the credentials for each, and the timeouts.
//!
//! Everything is validated before any network call: [`ClientConfig::new`] refuses a bad
//! configuration, and [`crate::auth::prepare`] validates again (the fields are public, so a
//! configuration may have been built or changed without the constructor). Every
//! [`ConfigError`] names the offending field by its dotted path (`juspay.merchant_id`) and
//! never contains a secret or a URL (a URL might carry credentials).

use std::fmt;

use agentic_core::Provider;
use agentic_core::secret::{ApiKey, ClientAuthToken, SecretText, SigningSecret};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use zeroize::Zeroizing;

use crate::transport::{Timeouts, check_url_policy};

/// Juspay sandbox base URL (J-ECINTRO).
pub const JUSPAY_SANDBOX_URL: &str = "https://sandbox.juspay.in";
/// Juspay production base URL (J-ECINTRO).
pub const JUSPAY_PRODUCTION_URL: &str = "https://api.juspay.in";
/// Visa Acceptance test base URL (C-OTP, C-AO).
pub const VISA_ACCEPTANCE_TEST_URL: &str = "https://apitest.visaacceptance.com";
/// Visa Acceptance production base URL (C-OTP, C-AO).
pub const VISA_ACCEPTANCE_PRODUCTION_URL: &str = "https://api.visaacceptance.com";

/// Field paths used in [`ConfigError`]s.
pub mod field {
    /// `juspay` (the whole Juspay section).
    pub const JUSPAY: &str = "juspay";
    /// `juspay.environment`.
    pub const JUSPAY_ENVIRONMENT: &str = "juspay.environment";
    /// `juspay.merchant_id`.
    pub const JUSPAY_MERCHANT_ID: &str = "juspay.merchant_id";
    /// `juspay.auth`.
    pub const JUSPAY_AUTH: &str = "juspay.auth";
    /// `juspay.routing_id`.
    pub const JUSPAY_ROUTING_ID: &str = "juspay.routing_id";
    /// `visa_acceptance` (the whole Visa Acceptance section).
    pub const VISA_ACCEPTANCE: &str = "visa_acceptance";
    /// `visa_acceptance.environment`.
    pub const VISA_ACCEPTANCE_ENVIRONMENT: &str = "visa_acceptance.environment";
    /// `visa_acceptance.merchant_id`.
    pub const VISA_ACCEPTANCE_MERCHANT_ID: &str = "visa_acceptance.merchant_id";
    /// `visa_acceptance.key_id`.
    pub const VISA_ACCEPTANCE_KEY_ID: &str = "visa_acceptance.key_id";
    /// `visa_acceptance.shared_secret`.
    pub const VISA_ACCEPTANCE_SHARED_SECRET: &str = "visa_acceptance.shared_secret";
    /// `timeouts.connect`.
    pub const TIMEOUTS_CONNECT: &str = "timeouts.connect";
    /// `timeouts.read`.
    pub const TIMEOUTS_READ: &str = "timeouts.read";
    /// `timeouts.overall`.
    pub const TIMEOUTS_OVERALL: &str = "timeouts.overall";
}

/// A configuration or request the SDK refused before sending anything.
///
/// React by fixing the named field; nothing was sent. Messages name the field and the problem,
/// never a secret value or a URL.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// Neither Juspay nor Visa Acceptance is configured.
    #[error("no provider is configured: set `juspay` and/or `visa_acceptance`")]
    NoProviderConfigured,
    /// A base URL that cannot be used as one (no scheme, no or bad host, bad port, whitespace …).
    #[error("`{field}` is not a valid base URL: it {reason}")]
    BaseUrlMalformed {
        /// The environment field.
        field: &'static str,
        /// What is wrong, in words (never the URL itself).
        reason: &'static str,
    },
    /// A base URL with a query (`?…`) or fragment (`#…`): paths and queries come from the
    /// request, not the base URL.
    #[error("`{field}` must not contain a query or fragment")]
    BaseUrlHasQueryOrFragment {
        /// The environment field.
        field: &'static str,
    },
    /// A base URL with `user:password@`: credentials never go in URLs.
    #[error("`{field}` must not contain credentials (`user:password@`)")]
    BaseUrlHasCredentials {
        /// The environment field.
        field: &'static str,
    },
    /// A base URL that is not https (plain http is allowed only to a loopback host).
    #[error("`{field}` must use https (plain http is allowed only to a loopback host)")]
    BaseUrlInsecure {
        /// The environment field.
        field: &'static str,
    },
    /// An empty or blank merchant id.
    #[error("`{field}` must not be empty")]
    EmptyMerchantId {
        /// `juspay.merchant_id` or `visa_acceptance.merchant_id`.
        field: &'static str,
    },
    /// A merchant id with whitespace, control or non-ASCII characters (it goes into a header
    /// and, for Visa Acceptance, into the signed string).
    #[error("`{field}` must contain visible ASCII characters only")]
    MalformedMerchantId {
        /// `juspay.merchant_id` or `visa_acceptance.merchant_id`.
        field: &'static str,
    },
    /// An empty or blank Juspay API key.
    #[error("`{field}`: the API key must not be empty")]
    EmptyApiKey {
        /// `juspay.auth`.
        field: &'static str,
    },
    /// A Juspay API key with a colon (not allowed in a Basic-auth user name, RFC 7617),
    /// whitespace, control or non-ASCII characters.
    #[error("`{field}`: the API key must be visible ASCII without `:`")]
    MalformedApiKey {
        /// `juspay.auth`.
        field: &'static str,
    },
    /// An empty or blank Juspay client auth token.
    #[error("`{field}`: the client auth token must not be empty")]
    EmptyClientAuthToken {
        /// `juspay.auth`.
        field: &'static str,
    },
    /// A client auth token with whitespace, control or non-ASCII characters (it goes into a
    /// header).
    #[error("`{field}`: the client auth token must contain visible ASCII characters only")]
    MalformedClientAuthToken {
        /// `juspay.auth`.
        field: &'static str,
    },
    /// `routing_id` is set but empty or blank.
    #[error("`{field}` must not be empty when set")]
    EmptyRoutingId {
        /// `juspay.routing_id`.
        field: &'static str,
    },
    /// A routing id with whitespace, control or non-ASCII characters.
    #[error("`{field}` must contain visible ASCII characters only")]
    MalformedRoutingId {
        /// `juspay.routing_id`.
        field: &'static str,
    },
    /// A Juspay EC (Direct OTP) call without `routing_id`: EC calls require `x-routing-id`
    /// (J-SA, J-POTP, J-ROTP).
    #[error("`{field}` is required for the Juspay EC call `{operation}`")]
    MissingRoutingId {
        /// `juspay.routing_id`.
        field: &'static str,
        /// The core's operation name.
        operation: &'static str,
    },
    /// An empty or blank Cybersource key id.
    #[error("`{field}` must not be empty")]
    EmptyKeyId {
        /// `visa_acceptance.key_id`.
        field: &'static str,
    },
    /// A key id with `"`, `\`, whitespace, control or non-ASCII characters (it is a quoted
    /// parameter of the `signature` header).
    #[error("`{field}` must be visible ASCII without `\"` or `\\`")]
    MalformedKeyId {
        /// `visa_acceptance.key_id`.
        field: &'static str,
    },
    /// An empty or blank shared secret.
    #[error("`{field}` must not be empty")]
    EmptySharedSecret {
        /// `visa_acceptance.shared_secret`.
        field: &'static str,
    },
    /// A shared secret that is not standard, padded base64 (Cybersource issues it base64
    /// encoded; the decoded bytes are the HMAC key).
    #[error("`{field}` is not valid base64 (the shared secret is issued base64-encoded)")]
    SharedSecretNotBase64 {
        /// `visa_acceptance.shared_secret`.
        field: &'static str,
    },
    /// A zero timeout.
    #[error("`{field}` must be greater than zero")]
    ZeroTimeout {
        /// `timeouts.connect`, `timeouts.read` or `timeouts.overall`.
        field: &'static str,
    },
    /// A request for a provider whose section is not configured.
    #[error("`{field}` is not configured, but `{operation}` is a {provider} call")]
    ProviderNotConfigured {
        /// `juspay` or `visa_acceptance`.
        field: &'static str,
        /// The provider the request is for.
        provider: Provider,
        /// The core's operation name.
        operation: &'static str,
    },
    /// A request path that does not start with `/` or holds whitespace, control, non-ASCII
    /// characters or a fragment. (The core never builds one; this guards the URL and the
    /// signed `(request-target)`.)
    #[error("the path of `{operation}` is not a valid absolute path")]
    InvalidRequestPath {
        /// The core's operation name.
        operation: &'static str,
    },
    /// The clock given to [`crate::auth::prepare`] is before 1970 or after 9999, so no HTTP
    /// `date` can be written.
    #[error("the clock is outside the range an HTTP date can express")]
    ClockOutOfRange,
}

/// Everything a client needs: the providers it talks to and the timeouts.
///
/// `Debug` shows no secret (API key, token and shared secret print as `<redacted>`).
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Juspay (VAT and EC / Direct OTP), if used.
    pub juspay: Option<JuspayConfig>,
    /// Visa Acceptance / Cybersource, if used.
    pub visa_acceptance: Option<VisaAcceptanceConfig>,
    /// Timeouts of every request.
    pub timeouts: Timeouts,
}

impl ClientConfig {
    /// A validated configuration.
    ///
    /// # Errors
    /// The first [`ConfigError`] found; see [`ClientConfig::validate`].
    pub fn new(
        juspay: Option<JuspayConfig>,
        visa_acceptance: Option<VisaAcceptanceConfig>,
        timeouts: Timeouts,
    ) -> Result<Self, ConfigError> {
        let config = Self {
            juspay,
            visa_acceptance,
            timeouts,
        };
        config.validate()?;
        Ok(config)
    }

    /// Checks everything that can be checked without the network: at least one provider,
    /// base URLs (parseable, no query/fragment/credentials, https unless loopback), merchant
    /// ids, credentials (non-empty, header-safe, shared secret valid base64), routing id when
    /// set, and non-zero timeouts. Sections are checked in the order Juspay, Visa Acceptance,
    /// timeouts.
    ///
    /// # Errors
    /// The first [`ConfigError`] found.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.juspay.is_none() && self.visa_acceptance.is_none() {
            return Err(ConfigError::NoProviderConfigured);
        }
        if let Some(juspay) = &self.juspay {
            juspay.validate()?;
        }
        if let Some(visa) = &self.visa_acceptance {
            visa.validate()?;
        }
        for (field, value) in [
            (field::TIMEOUTS_CONNECT, self.timeouts.connect),
            (field::TIMEOUTS_READ, self.timeouts.read),
            (field::TIMEOUTS_OVERALL, self.timeouts.overall),
        ] {
            if value.is_zero() {
                return Err(ConfigError::ZeroTimeout { field });
            }
        }
        Ok(())
    }
}

/// Where the Juspay API is.
#[derive(Clone, PartialEq, Eq)]
pub enum JuspayEnvironment {
    /// `https://sandbox.juspay.in`.
    Sandbox,
    /// `https://api.juspay.in`.
    Production,
    /// Another base URL (a regional host such as `https://api.juspay.io`, a proxy, or a local
    /// test server). May carry a path prefix; no query, fragment or credentials.
    Custom(String),
}

impl JuspayEnvironment {
    /// The base URL as configured.
    pub fn base_url(&self) -> &str {
        match self {
            Self::Sandbox => JUSPAY_SANDBOX_URL,
            Self::Production => JUSPAY_PRODUCTION_URL,
            Self::Custom(url) => url,
        }
    }
}

impl fmt::Debug for JuspayEnvironment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sandbox => f.write_str("Sandbox"),
            Self::Production => f.write_str("Production"),
            Self::Custom(url) => f.debug_tuple("Custom").field(&RedactedUrl(url)).finish(),
        }
    }
}

/// How the SDK authenticates to Juspay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JuspayAuth {
    /// Server-side: `Authorization: Basic base64(api_key + ":")` (J-ECINTRO).
    ApiKey(ApiKey),
    /// Client-side: a 15-minute client auth token from Create/Get Customer or Create Order
    /// (J-CAT). Its presentation on the wire is **provisional**: see
    /// [`crate::auth::CLIENT_AUTH_TOKEN_HEADER`].
    ClientAuthToken(ClientAuthToken),
}

impl JuspayAuth {
    /// API-key authentication from the key's text.
    ///
    /// # Errors
    /// [`ConfigError::EmptyApiKey`] or [`ConfigError::MalformedApiKey`] for `juspay.auth`.
    pub fn api_key(value: impl Into<String>) -> Result<Self, ConfigError> {
        let value = Zeroizing::new(value.into());
        let key = ApiKey::new(field::JUSPAY_AUTH, value.as_str()).map_err(|_| {
            ConfigError::EmptyApiKey {
                field: field::JUSPAY_AUTH,
            }
        })?;
        let auth = Self::ApiKey(key);
        auth.validate()?;
        Ok(auth)
    }

    /// Client-auth-token authentication from the token's text.
    ///
    /// # Errors
    /// [`ConfigError::EmptyClientAuthToken`] or [`ConfigError::MalformedClientAuthToken`] for
    /// `juspay.auth`.
    pub fn client_auth_token(value: impl Into<String>) -> Result<Self, ConfigError> {
        let value = Zeroizing::new(value.into());
        let token = ClientAuthToken::new(field::JUSPAY_AUTH, value.as_str()).map_err(|_| {
            ConfigError::EmptyClientAuthToken {
                field: field::JUSPAY_AUTH,
            }
        })?;
        let auth = Self::ClientAuthToken(token);
        auth.validate()?;
        Ok(auth)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let field = field::JUSPAY_AUTH;
        match self {
            Self::ApiKey(key) => {
                let key = key.expose_secret();
                if key.trim().is_empty() {
                    Err(ConfigError::EmptyApiKey { field })
                } else if !is_visible_ascii(key) || key.contains(':') {
                    Err(ConfigError::MalformedApiKey { field })
                } else {
                    Ok(())
                }
            }
            Self::ClientAuthToken(token) => {
                let token = token.expose_secret();
                if token.trim().is_empty() {
                    Err(ConfigError::EmptyClientAuthToken { field })
                } else if !is_visible_ascii(token) {
                    Err(ConfigError::MalformedClientAuthToken { field })
                } else {
                    Ok(())
                }
            }
        }
    }
}

/// The Juspay section: environment, merchant, credentials and routing id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JuspayConfig {
    /// Where the API is.
    pub environment: JuspayEnvironment,
    /// The merchant id, sent as `x-merchantid` on every call.
    pub merchant_id: String,
    /// The credentials.
    pub auth: JuspayAuth,
    /// Sent as `x-routing-id` on Juspay EC (Direct OTP) calls, where it is required. Juspay
    /// recommends the customer id (or an order/cart id for guests) and warns that the same
    /// value must be used for every call of the same customer (J-SA).
    pub routing_id: Option<String>,
}

impl JuspayConfig {
    /// A Juspay section without a routing id (enough for VAT calls).
    pub fn new(
        environment: JuspayEnvironment,
        merchant_id: impl Into<String>,
        auth: JuspayAuth,
    ) -> Self {
        Self {
            environment,
            merchant_id: merchant_id.into(),
            auth,
            routing_id: None,
        }
    }

    /// Sets the routing id sent as `x-routing-id` on EC calls.
    #[must_use]
    pub fn with_routing_id(mut self, routing_id: impl Into<String>) -> Self {
        self.routing_id = Some(routing_id.into());
        self
    }

    /// Validates this section (see [`ClientConfig::validate`]).
    ///
    /// # Errors
    /// The first [`ConfigError`] found.
    pub fn validate(&self) -> Result<(), ConfigError> {
        BaseUrl::parse(field::JUSPAY_ENVIRONMENT, self.environment.base_url())?;
        check_header_text(
            &self.merchant_id,
            ConfigError::EmptyMerchantId {
                field: field::JUSPAY_MERCHANT_ID,
            },
            ConfigError::MalformedMerchantId {
                field: field::JUSPAY_MERCHANT_ID,
            },
        )?;
        self.auth.validate()?;
        if let Some(routing_id) = &self.routing_id {
            check_header_text(
                routing_id,
                ConfigError::EmptyRoutingId {
                    field: field::JUSPAY_ROUTING_ID,
                },
                ConfigError::MalformedRoutingId {
                    field: field::JUSPAY_ROUTING_ID,
                },
            )?;
        }
        Ok(())
    }
}

/// Where the Visa Acceptance API is.
#[derive(Clone, PartialEq, Eq)]
pub enum VisaAcceptanceEnvironment {
    /// `https://apitest.visaacceptance.com`.
    Test,
    /// `https://api.visaacceptance.com`.
    Production,
    /// Another base URL (a Cybersource host such as `https://apitest.cybersource.com`, a
    /// regional host, a proxy, or a local test server). May carry a path prefix; no query,
    /// fragment or credentials.
    Custom(String),
}

impl VisaAcceptanceEnvironment {
    /// The base URL as configured.
    pub fn base_url(&self) -> &str {
        match self {
            Self::Test => VISA_ACCEPTANCE_TEST_URL,
            Self::Production => VISA_ACCEPTANCE_PRODUCTION_URL,
            Self::Custom(url) => url,
        }
    }
}

impl fmt::Debug for VisaAcceptanceEnvironment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Test => f.write_str("Test"),
            Self::Production => f.write_str("Production"),
            Self::Custom(url) => f.debug_tuple("Custom").field(&RedactedUrl(url)).finish(),
        }
    }
}

/// The Visa Acceptance / Cybersource section: HTTP Signature credentials (C-HTTPSIG).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisaAcceptanceConfig {
    /// Where the API is.
    pub environment: VisaAcceptanceEnvironment,
    /// The merchant id, sent and signed as `v-c-merchant-id`.
    pub merchant_id: String,
    /// The key id (a UUID from the Business Center), sent as `keyid` in `signature`.
    pub key_id: String,
    /// The shared secret, base64 as issued by the Business Center. Its decoded bytes are the
    /// HMAC-SHA256 key; it is never sent.
    pub shared_secret: SigningSecret,
}

impl VisaAcceptanceConfig {
    /// A Visa Acceptance section.
    pub fn new(
        environment: VisaAcceptanceEnvironment,
        merchant_id: impl Into<String>,
        key_id: impl Into<String>,
        shared_secret: SigningSecret,
    ) -> Self {
        Self {
            environment,
            merchant_id: merchant_id.into(),
            key_id: key_id.into(),
            shared_secret,
        }
    }

    /// Validates this section (see [`ClientConfig::validate`]).
    ///
    /// # Errors
    /// The first [`ConfigError`] found.
    pub fn validate(&self) -> Result<(), ConfigError> {
        BaseUrl::parse(
            field::VISA_ACCEPTANCE_ENVIRONMENT,
            self.environment.base_url(),
        )?;
        check_header_text(
            &self.merchant_id,
            ConfigError::EmptyMerchantId {
                field: field::VISA_ACCEPTANCE_MERCHANT_ID,
            },
            ConfigError::MalformedMerchantId {
                field: field::VISA_ACCEPTANCE_MERCHANT_ID,
            },
        )?;
        check_header_text(
            &self.key_id,
            ConfigError::EmptyKeyId {
                field: field::VISA_ACCEPTANCE_KEY_ID,
            },
            ConfigError::MalformedKeyId {
                field: field::VISA_ACCEPTANCE_KEY_ID,
            },
        )?;
        if self.key_id.contains(['"', '\\']) {
            return Err(ConfigError::MalformedKeyId {
                field: field::VISA_ACCEPTANCE_KEY_ID,
            });
        }
        self.signing_key().map(drop)
    }

    /// The HMAC key: the shared secret, base64-decoded (as Cybersource's SDKs do). Zeroized
    /// on drop.
    pub(crate) fn signing_key(&self) -> Result<Zeroizing<Vec<u8>>, ConfigError> {
        decode_shared_secret(&self.shared_secret)
    }
}

/// Decodes a base64 shared secret into the HMAC key.
pub(crate) fn decode_shared_secret(
    secret: &SigningSecret,
) -> Result<Zeroizing<Vec<u8>>, ConfigError> {
    let field = field::VISA_ACCEPTANCE_SHARED_SECRET;
    let text = secret.expose_secret();
    if text.trim().is_empty() {
        return Err(ConfigError::EmptySharedSecret { field });
    }
    let key = STANDARD
        .decode(text)
        .map(Zeroizing::new)
        .map_err(|_| ConfigError::SharedSecretNotBase64 { field })?;
    if key.is_empty() {
        return Err(ConfigError::EmptySharedSecret { field });
    }
    Ok(key)
}

/// A validated base URL, normalised: lowercase scheme and host, default port dropped, path
/// prefix without a trailing `/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BaseUrl {
    /// `https` or `http`.
    pub(crate) scheme: &'static str,
    /// The `host` header value: host, plus `:port` when not the scheme's default.
    pub(crate) authority: String,
    /// Path prefix, empty or starting with `/`, never ending with `/`.
    pub(crate) path_prefix: String,
}

impl BaseUrl {
    /// Parses and checks a base URL for `field`.
    pub(crate) fn parse(field: &'static str, raw: &str) -> Result<Self, ConfigError> {
        let malformed = |reason| ConfigError::BaseUrlMalformed { field, reason };
        if raw.trim().is_empty() {
            return Err(malformed("is empty"));
        }
        if !is_visible_ascii(raw) {
            return Err(malformed(
                "contains whitespace, control or non-ASCII characters",
            ));
        }
        let (scheme, rest) = raw
            .split_once("://")
            .ok_or_else(|| malformed("has no scheme (expected https://…)"))?;
        if rest.contains(['?', '#']) {
            return Err(ConfigError::BaseUrlHasQueryOrFragment { field });
        }
        let (authority, path) = rest.find('/').map_or((rest, ""), |i| rest.split_at(i));
        if authority.contains('@') {
            return Err(ConfigError::BaseUrlHasCredentials { field });
        }
        let (host, port) = split_host_port(authority).map_err(malformed)?;
        if check_url_policy(raw).is_err() {
            return Err(ConfigError::BaseUrlInsecure { field });
        }
        let scheme = if scheme.eq_ignore_ascii_case("https") {
            "https"
        } else {
            "http"
        };
        let default_port = if scheme == "https" { 443 } else { 80 };
        let host = host.to_ascii_lowercase();
        let authority = match port {
            Some(p) if p != default_port => format!("{host}:{p}"),
            _ => host,
        };
        Ok(Self {
            scheme,
            authority,
            path_prefix: path.trim_end_matches('/').to_owned(),
        })
    }
}

/// Splits `host[:port]` / `[v6][:port]`, checking the host's characters and the port.
fn split_host_port(authority: &str) -> Result<(&str, Option<u16>), &'static str> {
    const NO_HOST: &str = "has no valid host";
    const BAD_PORT: &str = "has an invalid port";
    let (host, port) = if let Some(inner) = authority.strip_prefix('[') {
        let (v6, after) = inner.split_once(']').ok_or(NO_HOST)?;
        if v6.is_empty()
            || !v6
                .chars()
                .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.')
        {
            return Err(NO_HOST);
        }
        let port = if after.is_empty() {
            None
        } else {
            Some(after.strip_prefix(':').ok_or(BAD_PORT)?)
        };
        (&authority[..v6.len() + 2], port)
    } else {
        let (host, port) = match authority.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        };
        let valid = !host.is_empty()
            && host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
            && !host.starts_with(['.', '-'])
            && !host.contains("..");
        if !valid {
            return Err(NO_HOST);
        }
        (host, port)
    };
    let port = port
        .map(|p| {
            if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
                return Err(BAD_PORT);
            }
            p.parse::<u16>().ok().filter(|p| *p != 0).ok_or(BAD_PORT)
        })
        .transpose()?;
    Ok((host, port))
}

/// Visible ASCII only (`!`..=`~`): no whitespace, control or non-ASCII characters.
pub(crate) fn is_visible_ascii(value: &str) -> bool {
    value.bytes().all(|b| b.is_ascii_graphic())
}

/// Non-blank and visible ASCII: safe as a header value and as a line of a signed string.
fn check_header_text(
    value: &str,
    empty: ConfigError,
    malformed: ConfigError,
) -> Result<(), ConfigError> {
    if value.trim().is_empty() {
        Err(empty)
    } else if !is_visible_ascii(value) {
        Err(malformed)
    } else {
        Ok(())
    }
}

/// Formats a URL with any `user:password@` replaced, for `Debug`.
struct RedactedUrl<'a>(&'a str);

impl fmt::Debug for RedactedUrl<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let url = self.0;
        let start = url.find("://").map_or(0, |i| i + 3);
        let end = url[start..]
            .find(['/', '?', '#'])
            .map_or(url.len(), |i| start + i);
        match url[start..end].rfind('@') {
            Some(at) => write!(
                f,
                "\"{}<redacted>@{}\"",
                &url[..start],
                &url[start + at + 1..]
            ),
            None => fmt::Debug::fmt(url, f),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_are_normalised() {
        let url = BaseUrl::parse("f", "HTTPS://API.Example.com:443/prefix/").expect("valid");
        assert_eq!(
            url,
            BaseUrl {
                scheme: "https",
                authority: "api.example.com".into(),
                path_prefix: "/prefix".into()
            }
        );
        let url = BaseUrl::parse("f", "http://127.0.0.1:8080").expect("valid");
        assert_eq!(url.authority, "127.0.0.1:8080");
        assert_eq!(url.path_prefix, "");
        let url = BaseUrl::parse("f", "http://[::1]:9/").expect("valid");
        assert_eq!(url.authority, "[::1]:9");
    }

    #[test]
    fn malformed_base_urls_say_why() {
        for (raw, reason) in [
            ("", "is empty"),
            (
                "https://exa mple.com",
                "contains whitespace, control or non-ASCII characters",
            ),
            ("sandbox.juspay.in", "has no scheme (expected https://…)"),
            ("https://", "has no valid host"),
            ("https://:443", "has no valid host"),
            ("https://a..b", "has no valid host"),
            ("https://[zz]", "has no valid host"),
            ("https://host:0", "has an invalid port"),
            ("https://host:99999", "has an invalid port"),
            ("https://host:", "has an invalid port"),
            ("https://host:8x", "has an invalid port"),
        ] {
            assert_eq!(
                BaseUrl::parse("f", raw),
                Err(ConfigError::BaseUrlMalformed { field: "f", reason }),
                "{raw}"
            );
        }
    }

    #[test]
    fn debug_of_a_custom_url_hides_credentials() {
        let env = JuspayEnvironment::Custom("https://user:pw@host/x".into());
        assert_eq!(format!("{env:?}"), "Custom(\"https://<redacted>@host/x\")");
        let env = VisaAcceptanceEnvironment::Custom("https://host/x".into());
        assert_eq!(format!("{env:?}"), "Custom(\"https://host/x\")");
    }
}
