//! A [`Transport`] decorator keeping every request and response whole (method, URL, headers,
//! body): what the baseline must reproduce. Only for tests and `journeys dump`; never in a
//! measured run.

use std::sync::{Arc, Mutex, PoisonError};

use agentic_core::HttpResponse;
use agentic_http::{Timeouts, Transport, TransportError, WireRequest};

/// One exchange as sent and received.
#[derive(Debug, Clone)]
pub struct Exchange {
    /// `GET`, `POST` …
    pub method: &'static str,
    /// Absolute URL.
    pub url: String,
    /// Headers in order, values exposed.
    pub headers: Vec<(String, String)>,
    /// The request body as text (lossy).
    pub body: String,
    /// Status, or the transport error.
    pub status: Result<u16, String>,
    /// The response body as text (lossy).
    pub response: String,
}

impl Exchange {
    /// `METHOD /path` without the query.
    pub fn method_path(&self) -> String {
        format!(
            "{} {}",
            self.method,
            agentic_cli::recorder::path_of(&self.url)
        )
    }
}

/// Keeps every exchange of the wrapped transport.
#[derive(Clone)]
pub struct Capture {
    inner: Arc<dyn Transport>,
    log: Arc<Mutex<Vec<Exchange>>>,
}

impl std::fmt::Debug for Capture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Capture").finish_non_exhaustive()
    }
}

impl Capture {
    /// Wraps `inner`.
    pub fn new(inner: Arc<dyn Transport>) -> Self {
        Self {
            inner,
            log: Arc::new(Mutex::new(Vec::new())),
        }
    }

    /// The exchanges since the last call.
    pub fn take(&self) -> Vec<Exchange> {
        std::mem::take(&mut *self.log.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

impl Transport for Capture {
    fn send(
        &self,
        request: &WireRequest,
        timeouts: &Timeouts,
    ) -> Result<HttpResponse, TransportError> {
        let result = self.inner.send(request, timeouts);
        let exchange = Exchange {
            method: request.method.as_str(),
            url: request.url.clone(),
            headers: request
                .headers
                .iter()
                .map(|(n, v)| (n.to_string(), v.expose().to_owned()))
                .collect(),
            body: String::from_utf8_lossy(&request.body).into_owned(),
            status: match &result {
                Ok(r) => Ok(r.status),
                Err(e) => Err(e.to_string()),
            },
            response: match &result {
                Ok(r) => String::from_utf8_lossy(&r.body).into_owned(),
                Err(_) => String::new(),
            },
        };
        self.log
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(exchange);
        result
    }
}
