//! The transport contract: what goes on the wire ([`WireRequest`]), the [`Transport`] trait
//! every HTTP stack implements (ureq here, OkHttp/URLSession through the FFI, scripted ones in
//! tests), and the typed failures it reports ([`TransportError`]), each classified as "never
//! reached the server" or "may have reached it" for the journey's exactly-once rules.

use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

use agentic_core::HttpResponse;
use agentic_core::journey::TransportFailure;
use agentic_core::secret::SecretBytes;
use agentic_core::wire::Method;
use secrecy::{ExposeSecret, SecretString};

/// A header value: public, or secret (`Authorization`, `Signature`) and redacted in `Debug`.
#[derive(Clone)]
pub enum HeaderValue {
    /// Shown in logs. The SDK's fixed values are borrowed, not copied per request.
    Public(Cow<'static, str>),
    /// Never shown.
    Secret(SecretString),
}

impl HeaderValue {
    /// The value to write on the wire.
    pub fn expose(&self) -> &str {
        match self {
            Self::Public(v) => v,
            Self::Secret(v) => v.expose_secret(),
        }
    }
}

impl fmt::Debug for HeaderValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Public(v) => fmt::Debug::fmt(v, f),
            Self::Secret(_) => f.write_str("<redacted>"),
        }
    }
}

/// One request header: its lowercase name and its value. The SDK's own names and fixed values
/// are borrowed, not copied for every request.
pub type Header = (Cow<'static, str>, HeaderValue);

/// A complete request: absolute URL, every header (authentication included) and the body.
#[derive(Clone)]
pub struct WireRequest {
    /// HTTP method.
    pub method: Method,
    /// Absolute URL.
    pub url: String,
    /// Headers in order, names lowercase.
    pub headers: Vec<Header>,
    /// The body (may hold a PAN or an OTP; zeroized on drop, never logged).
    pub body: SecretBytes,
    /// The core's operation name, for spans (`juspay_vat.trigger_otp`).
    pub operation: &'static str,
}

impl WireRequest {
    /// The first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&HeaderValue> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }
}

impl fmt::Debug for WireRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WireRequest")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("headers", &self.headers)
            .field(
                "body",
                &format_args!("<{} bytes redacted>", self.body.len()),
            )
            .field("operation", &self.operation)
            .finish()
    }
}

/// Timeouts of one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// TCP connect plus TLS handshake.
    pub connect: Duration,
    /// Waiting for the response once the request is written.
    pub read: Duration,
    /// The whole call.
    pub overall: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(10),
            read: Duration::from_secs(30),
            overall: Duration::from_secs(45),
        }
    }
}

/// Why a request got no usable response. Messages never hold secrets.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    /// The URL is plain `http` to a host that is not loopback (or not http(s) at all). Nothing
    /// was sent. React: fix the configuration.
    #[error("refused to send to `{url}`: https is required except for loopback hosts")]
    InsecureUrl {
        /// The URL (no credentials are ever in URLs).
        url: String,
    },
    /// The request cannot be written as HTTP (a header name or value with forbidden bytes).
    /// Nothing was sent. React: fix the value (a bug in the caller or a foreign transport).
    #[error("refused to send: {reason}")]
    InvalidRequest {
        /// What is wrong (header names only, never values).
        reason: String,
    },
    /// Name resolution failed. Nothing was sent.
    #[error("could not resolve the host: {reason}")]
    Dns {
        /// What the resolver said.
        reason: String,
    },
    /// The TCP connection could not be made (refused, unreachable, connect timeout). Nothing
    /// was sent.
    #[error("could not connect: {reason}")]
    Connect {
        /// What happened.
        reason: String,
    },
    /// The TLS handshake failed (unknown CA, bad certificate …). Nothing was sent.
    #[error("TLS handshake failed: {reason}")]
    Tls {
        /// What happened.
        reason: String,
    },
    /// No complete response in time after the request was written. It may have been acted on.
    #[error("timed out waiting for the response ({phase})")]
    Timeout {
        /// Which timeout fired.
        phase: &'static str,
    },
    /// The connection broke after the request was (partly) written. It may have been acted on.
    #[error("the connection failed after sending: {reason}")]
    Io {
        /// What happened.
        reason: String,
    },
    /// The server answered with a redirect; following it is refused. It may have been acted on.
    #[error("refused to follow a redirect (HTTP {status})")]
    RedirectRefused {
        /// The 3xx status.
        status: u16,
    },
    /// The response could not be read as HTTP. It may have been acted on.
    #[error("the response is not valid HTTP: {reason}")]
    Protocol {
        /// What happened.
        reason: String,
    },
    /// A foreign transport (OkHttp, URLSession) failed; it says whether the request left.
    #[error("the app's HTTP stack failed: {reason}")]
    Foreign {
        /// What the app reported.
        reason: String,
        /// Whether the request may have reached the server.
        maybe_sent: bool,
    },
}

impl TransportError {
    /// The classification the journey needs: safe to resend, or possibly received.
    pub fn failure(&self) -> TransportFailure {
        let reason = self.to_string();
        match self {
            Self::InsecureUrl { .. }
            | Self::InvalidRequest { .. }
            | Self::Dns { .. }
            | Self::Connect { .. }
            | Self::Tls { .. } => TransportFailure::NotSent { reason },
            Self::Foreign {
                maybe_sent: false, ..
            } => TransportFailure::NotSent { reason },
            Self::Timeout { .. }
            | Self::Io { .. }
            | Self::RedirectRefused { .. }
            | Self::Protocol { .. }
            | Self::Foreign {
                maybe_sent: true, ..
            } => TransportFailure::MaybeSent { reason },
        }
    }
}

/// An HTTP stack. Implementations must be thread-safe; one call is one request (no automatic
/// retries, no redirects: the journey decides about resends).
pub trait Transport: Send + Sync {
    /// Sends `request` and returns the response, whatever its status.
    ///
    /// # Errors
    /// [`TransportError`] when there is no response.
    fn send(
        &self,
        request: &WireRequest,
        timeouts: &Timeouts,
    ) -> Result<HttpResponse, TransportError>;
}

/// Whether `host` (from a URL, without port; IPv6 with or without brackets) is loopback:
/// `localhost`, `127.0.0.0/8` or `::1`.
pub fn is_loopback_host(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    host.parse::<std::net::IpAddr>()
        .is_ok_and(|ip| ip.is_loopback())
}

/// Checks the https-or-loopback policy of an absolute URL.
///
/// # Errors
/// [`TransportError::InsecureUrl`] for plain http to a non-loopback host or another scheme.
pub fn check_url_policy(url: &str) -> Result<(), TransportError> {
    let insecure = || TransportError::InsecureUrl {
        url: url.to_owned(),
    };
    // The scheme ends at the first `:` (a scheme has none); `://` must follow it.
    let (scheme, rest) = url
        .split_once(':')
        .and_then(|(scheme, rest)| Some((scheme, rest.strip_prefix("//")?)))
        .ok_or_else(insecure)?;
    let end = rest
        .bytes()
        .position(|b| matches!(b, b'/' | b'?' | b'#'))
        .unwrap_or(rest.len());
    let authority = &rest[..end];
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if host_port.starts_with('[') {
        host_port.split_once(']').map_or(host_port, |(h, _)| h)
    } else {
        host_port.split_once(':').map_or(host_port, |(h, _)| h)
    };
    let allowed = if scheme.eq_ignore_ascii_case("https") {
        !host.is_empty()
    } else {
        scheme.eq_ignore_ascii_case("http") && is_loopback_host(host)
    };
    if allowed { Ok(()) } else { Err(insecure()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_policy_allows_https_and_loopback_http_only() {
        for ok in [
            "https://sandbox.juspay.in/txns",
            "http://127.0.0.1:8080/x",
            "http://localhost/x",
            "http://[::1]:9/x",
            "http://127.3.4.5/",
        ] {
            assert_eq!(check_url_policy(ok), Ok(()), "{ok}");
        }
        for bad in [
            "http://sandbox.juspay.in/txns",
            "http://10.0.0.1/x",
            "ftp://127.0.0.1/",
            "http://127.0.0.1.evil.com/",
            "https://",
            "nonsense",
        ] {
            assert!(
                matches!(
                    check_url_policy(bad),
                    Err(TransportError::InsecureUrl { .. })
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn failures_are_classified_by_whether_the_request_left() {
        assert!(matches!(
            TransportError::Connect {
                reason: "refused".into()
            }
            .failure(),
            TransportFailure::NotSent { .. }
        ));
        assert!(matches!(
            TransportError::Tls {
                reason: "UnknownIssuer".into()
            }
            .failure(),
            TransportFailure::NotSent { .. }
        ));
        assert!(matches!(
            TransportError::Timeout { phase: "read" }.failure(),
            TransportFailure::MaybeSent { .. }
        ));
        assert!(matches!(
            TransportError::RedirectRefused { status: 302 }.failure(),
            TransportFailure::MaybeSent { .. }
        ));
        assert!(matches!(
            TransportError::Foreign {
                reason: "x".into(),
                maybe_sent: false
            }
            .failure(),
            TransportFailure::NotSent { .. }
        ));
    }

    #[test]
    fn secret_headers_and_bodies_are_redacted() {
        let request = WireRequest {
            method: Method::Post,
            url: "https://x/y".into(),
            headers: vec![
                (
                    "authorization".into(),
                    HeaderValue::Secret(SecretString::from("Basic c2VjcmV0Og==")),
                ),
                ("x-merchantid".into(), HeaderValue::Public("m1".into())),
            ],
            body: SecretBytes::new(b"otpValue=918273".to_vec()),
            operation: "t",
        };
        let debug = format!("{request:?}");
        assert!(
            !debug.contains("c2VjcmV0") && !debug.contains("918273"),
            "{debug}"
        );
        assert!(debug.contains("\"m1\""), "{debug}");
    }
}
