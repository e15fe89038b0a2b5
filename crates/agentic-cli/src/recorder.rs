//! A [`Transport`] decorator that records what the SDK sent, for the transcript: operation,
//! method, path, HTTP status and duration — never a header, a body or a query string, so no
//! secret can reach the transcript through it.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use agentic_core::HttpResponse;
use agentic_http::{Timeouts, Transport, TransportError, WireRequest};

/// One request as the transcript shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestRecord {
    /// The core's operation name (`juspay_vat.trigger_otp`).
    pub operation: &'static str,
    /// `GET`, `POST` …
    pub method: &'static str,
    /// The URL's path, without scheme, host or query.
    pub path: String,
    /// The HTTP status, or `None` when no response came.
    pub status: Option<u16>,
    /// The transport's reason when no response came (never holds secrets).
    pub failure: Option<String>,
    /// The provider's request id, when the response carried one.
    pub request_id: Option<String>,
    /// Time from send to response.
    pub duration: Duration,
}

/// Wraps a transport and keeps a [`RequestRecord`] per send. Clones share the same log.
#[derive(Clone)]
pub struct Recorder {
    inner: Arc<dyn Transport>,
    log: Arc<Mutex<Vec<RequestRecord>>>,
}

impl std::fmt::Debug for Recorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recorder").finish_non_exhaustive()
    }
}

impl Recorder {
    /// Records every send of `inner`.
    pub fn new(inner: Arc<dyn Transport>) -> Self {
        Self {
            inner,
            log: Arc::new(Mutex::new(Vec::new())),
        }
    }

    /// The records since the last call, oldest first.
    pub fn take(&self) -> Vec<RequestRecord> {
        std::mem::take(&mut *self.log.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

/// The path of an absolute URL, without its query or fragment (`/txns`).
pub fn path_of(url: &str) -> String {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let path = after_scheme
        .find('/')
        .map_or("/", |index| &after_scheme[index..]);
    path.split(['?', '#']).next().unwrap_or("/").to_owned()
}

impl Transport for Recorder {
    fn send(
        &self,
        request: &WireRequest,
        timeouts: &Timeouts,
    ) -> Result<HttpResponse, TransportError> {
        let started = Instant::now();
        let result = self.inner.send(request, timeouts);
        let duration = started.elapsed();
        let (status, failure, request_id) = match &result {
            Ok(response) => (Some(response.status), None, response.request_id.clone()),
            Err(error) => (None, Some(error.to_string()), None),
        };
        self.log
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(RequestRecord {
                operation: request.operation,
                method: request.method.as_str(),
                path: path_of(&request.url),
                status,
                failure,
                request_id,
                duration,
            });
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_of_keeps_only_the_path() {
        assert_eq!(path_of("http://127.0.0.1:8080/txns"), "/txns");
        assert_eq!(
            path_of("https://api.juspay.in/cardbins/424242?merchant_id=m&x=1"),
            "/cardbins/424242"
        );
        assert_eq!(path_of("https://api.juspay.in"), "/");
        assert_eq!(path_of("http://h/a#frag"), "/a");
    }
}
