//! The app's own HTTP stack (OkHttp, URLSession, `java.net.http`, `urllib` …) as the SDK's
//! transport: implement [`HttpTransport`] and pass it to the client.
//!
//! The request is an object ([`HttpRequest`]), not a record: it carries the `Authorization` or
//! `Signature` header and bodies with card numbers and OTPs, which no generated `toString()`
//! may print. The answer is an object too ([`HttpResponse`], built by the app): response bodies
//! carry tokens and cryptograms.

use std::collections::HashMap;
use std::sync::Arc;

use agentic_core::HttpResponse as CoreResponse;
use agentic_core::secret::SecretBytes;
use agentic_core::wire::REQUEST_ID_HEADERS;
use agentic_http::transport::{Timeouts, Transport, TransportError, WireRequest, check_url_policy};
use zeroize::Zeroizing;

/// An HTTP stack the app provides. Called from the thread that runs `advance()`; one call is
/// one request: no automatic retries, **no redirects** (answer the 3xx as it is), send the
/// headers exactly as given (`host` and `date` are signed for Visa Acceptance).
#[uniffi::export(foreign)]
pub trait HttpTransport: Send + Sync {
    /// Sends `request` and returns the response, whatever its status. Raise
    /// `HttpTransportError.Failed` when there is no response, saying whether the request may
    /// have reached the server (`maybe_sent`: anything after the first byte was written). Any
    /// other exception counts as `maybe_sent = true`.
    fn send(&self, request: Arc<HttpRequest>) -> Result<Arc<HttpResponse>, HttpTransportError>;
}

/// Why the app's HTTP stack got no response.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum HttpTransportError {
    /// No response. `maybe_sent = false` only when the request certainly never left (DNS,
    /// connect refused, TLS handshake): the SDK may then resend it automatically. Otherwise a
    /// call that provisions, sends an OTP or moves money is never resent without the app's
    /// decision.
    #[error("the app's HTTP stack failed: {reason}")]
    Failed {
        /// What happened (no secrets, please: it may be logged).
        reason: String,
        /// Whether the request may have reached the server.
        maybe_sent: bool,
    },
}

impl From<uniffi::UnexpectedUniFFICallbackError> for HttpTransportError {
    /// An unexpected exception in the app's transport: the request may have left.
    fn from(error: uniffi::UnexpectedUniFFICallbackError) -> Self {
        Self::Failed {
            reason: format!("unexpected error in the app's transport: {}", error.reason),
            maybe_sent: true,
        }
    }
}

/// One request to send. Every header (authentication included) is in [`HttpRequest::headers`];
/// do not log them or the body.
#[derive(uniffi::Object)]
pub struct HttpRequest {
    method: String,
    url: String,
    headers: Vec<(String, Zeroizing<String>)>,
    body: SecretBytes,
    operation: String,
    timeouts: Timeouts,
}

impl std::fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("operation", &self.operation)
            .finish_non_exhaustive()
    }
}

fn millis(duration: std::time::Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

#[uniffi::export]
impl HttpRequest {
    /// `GET` or `POST`.
    pub fn method(&self) -> String {
        self.method.clone()
    }

    /// The absolute URL.
    pub fn url(&self) -> String {
        self.url.clone()
    }

    /// Every header to send, names in lowercase. Holds credentials: never log it.
    pub fn headers(&self) -> HashMap<String, String> {
        self.headers
            .iter()
            .map(|(name, value)| (name.clone(), value.to_string()))
            .collect()
    }

    /// The body (empty for a `GET`). May hold a card number or an OTP: never log it.
    pub fn body(&self) -> Vec<u8> {
        self.body.to_vec()
    }

    /// The SDK's name of the call (`juspay_ec.start_txn`), for the app's logs.
    pub fn operation(&self) -> String {
        self.operation.clone()
    }

    /// Connect (TCP + TLS) timeout in milliseconds.
    pub fn connect_timeout_ms(&self) -> u64 {
        millis(self.timeouts.connect)
    }

    /// Timeout waiting for the response once the request is written, in milliseconds.
    pub fn read_timeout_ms(&self) -> u64 {
        millis(self.timeouts.read)
    }

    /// Timeout of the whole call, in milliseconds.
    pub fn overall_timeout_ms(&self) -> u64 {
        millis(self.timeouts.overall)
    }
}

/// The app's answer to a request: status, headers and body, whatever the status.
#[derive(uniffi::Object)]
pub struct HttpResponse {
    status: u16,
    headers: HashMap<String, String>,
    body: SecretBytes,
}

impl std::fmt::Debug for HttpResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpResponse")
            .field("status", &self.status)
            .finish_non_exhaustive()
    }
}

#[uniffi::export]
impl HttpResponse {
    /// A response. Header names are matched case-insensitively; `content-type` and the
    /// provider's request id headers are read.
    #[uniffi::constructor]
    pub fn new(status: u16, headers: HashMap<String, String>, body: Vec<u8>) -> Arc<Self> {
        Arc::new(Self {
            status,
            headers,
            body: SecretBytes::new(body),
        })
    }

    /// The HTTP status.
    pub fn status(&self) -> u16 {
        self.status
    }
}

impl HttpResponse {
    fn header(&self, name: &str) -> Option<String> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    }

    fn to_core(&self) -> CoreResponse {
        CoreResponse {
            status: self.status,
            content_type: self.header("content-type"),
            request_id: REQUEST_ID_HEADERS.iter().find_map(|h| self.header(h)),
            body: self.body.clone(),
        }
    }
}

/// The app's [`HttpTransport`] as the SDK's [`Transport`].
pub(crate) struct ForeignTransport(pub(crate) Arc<dyn HttpTransport>);

impl std::fmt::Debug for ForeignTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ForeignTransport")
    }
}

impl Transport for ForeignTransport {
    fn send(
        &self,
        request: &WireRequest,
        timeouts: &Timeouts,
    ) -> Result<CoreResponse, TransportError> {
        // The same https-or-loopback rule as the built-in transport: credentials never go out
        // in clear text, whatever stack sends them.
        check_url_policy(&request.url)?;
        let foreign = Arc::new(HttpRequest {
            method: request.method.as_str().to_owned(),
            url: request.url.clone(),
            headers: request
                .headers
                .iter()
                .map(|(name, value)| (name.to_string(), Zeroizing::new(value.expose().to_owned())))
                .collect(),
            body: request.body.clone(),
            operation: request.operation.to_owned(),
            timeouts: *timeouts,
        });
        match self.0.send(foreign) {
            Ok(response) => Ok(response.to_core()),
            Err(HttpTransportError::Failed { reason, maybe_sent }) => {
                Err(TransportError::Foreign { reason, maybe_sent })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use agentic_core::wire::Method;
    use agentic_http::HeaderValue;
    use std::sync::Mutex;

    struct Scripted {
        seen: Mutex<Vec<(String, HashMap<String, String>)>>,
        answer: Result<(u16, &'static str), (bool, &'static str)>,
    }

    impl HttpTransport for Scripted {
        fn send(&self, request: Arc<HttpRequest>) -> Result<Arc<HttpResponse>, HttpTransportError> {
            if let Ok(mut seen) = self.seen.lock() {
                seen.push((request.url(), request.headers()));
            }
            match self.answer {
                Ok((status, body)) => Ok(HttpResponse::new(
                    status,
                    HashMap::from([
                        ("Content-Type".to_owned(), "application/json".to_owned()),
                        ("X-Request-Id".to_owned(), "rid-1".to_owned()),
                    ]),
                    body.as_bytes().to_vec(),
                )),
                Err((maybe_sent, reason)) => Err(HttpTransportError::Failed {
                    reason: reason.to_owned(),
                    maybe_sent,
                }),
            }
        }
    }

    fn request(url: &str) -> WireRequest {
        WireRequest {
            method: Method::Post,
            url: url.to_owned(),
            headers: vec![(
                "authorization".into(),
                HeaderValue::Secret("Basic c2VjcmV0Og==".to_owned().into()),
            )],
            body: SecretBytes::new(b"{}".to_vec()),
            operation: "test.op",
        }
    }

    #[test]
    fn requests_reach_the_app_and_answers_come_back() {
        let app = Arc::new(Scripted {
            seen: Mutex::new(Vec::new()),
            answer: Ok((201, "{\"ok\":true}")),
        });
        let transport = ForeignTransport(app.clone());
        let response = transport
            .send(&request("https://api.example/x"), &Timeouts::default())
            .expect("answered");
        assert_eq!(response.status, 201);
        assert_eq!(response.content_type.as_deref(), Some("application/json"));
        assert_eq!(response.request_id.as_deref(), Some("rid-1"));
        let seen = app.seen.lock().expect("lock");
        assert_eq!(
            seen[0].1.get("authorization").map(String::as_str),
            Some("Basic c2VjcmV0Og==")
        );
    }

    #[test]
    fn failures_keep_maybe_sent_and_plain_http_never_leaves() {
        let app = Arc::new(Scripted {
            seen: Mutex::new(Vec::new()),
            answer: Err((false, "connect refused")),
        });
        let transport = ForeignTransport(app.clone());
        assert_eq!(
            transport.send(&request("https://api.example/x"), &Timeouts::default()),
            Err(TransportError::Foreign {
                reason: "connect refused".into(),
                maybe_sent: false
            })
        );
        assert!(matches!(
            transport.send(&request("http://api.example/x"), &Timeouts::default()),
            Err(TransportError::InsecureUrl { .. })
        ));
        assert_eq!(app.seen.lock().expect("lock").len(), 1);
        let unexpected: HttpTransportError =
            uniffi::UnexpectedUniFFICallbackError::new("boom").into();
        assert!(matches!(
            unexpected,
            HttpTransportError::Failed {
                maybe_sent: true,
                ..
            }
        ));
    }

    #[test]
    fn the_request_debug_shows_no_header_or_body() {
        let foreign = HttpRequest {
            method: "POST".into(),
            url: "https://api.example/x".into(),
            headers: vec![(
                "authorization".into(),
                Zeroizing::new("Basic s3cr3t".into()),
            )],
            body: SecretBytes::new(b"otp=918273".to_vec()),
            operation: "op".into(),
            timeouts: Timeouts::default(),
        };
        let debug = format!("{foreign:?}");
        assert!(
            !debug.contains("s3cr3t") && !debug.contains("918273"),
            "{debug}"
        );
    }
}
