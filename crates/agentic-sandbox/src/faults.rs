//! Fault injection: per operation and per n-th call, settable in-process
//! ([`Sandbox::inject`](crate::Sandbox::inject)) and through the admin endpoint.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use tokio::sync::watch;

use crate::Provider;
use crate::reply;
use crate::state::{Counters, Shared, lock};

/// What goes wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Fault {
    /// Answer normally after `ms` milliseconds.
    Delay {
        /// The delay.
        ms: u64,
    },
    /// Close the connection without answering, before doing anything.
    ConnectionReset,
    /// Do the work (commit the state, count the side effect), then never answer.
    TimeoutAfterCommit,
    /// Answer `status` (5xx) with a JSON body and do nothing.
    ServerError {
        /// The status.
        status: u16,
    },
    /// Do the work, then answer 200 with a truncated, non-JSON body.
    MalformedBody,
    /// Answer in the provider's failure envelope (VAT: HTTP 200 with `status: FAILURE`) and do
    /// nothing.
    NonSuccess,
}

/// When a fault applies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FaultRule {
    /// The operation, named as `agentic-core` names it (`juspay_vat.trigger_otp`).
    pub operation: String,
    /// The 1-based call of that operation to hit; `None` hits every call.
    pub nth: Option<u32>,
    /// The fault.
    pub fault: Fault,
}

// ---------------------------------------------------------------------------------------------
// The middleware
// ---------------------------------------------------------------------------------------------

/// Response extension: the server drops the connection (TCP reset) instead of sending this
/// response. Set by the `connection_reset` and `timeout_after_commit` faults; only the
/// sandbox's own server ([`Sandbox`](crate::Sandbox)) honours it — served any other way the
/// response goes out as a `502` whose body says so.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AbortConnection;

/// Request extension: the server's shutdown signal, so faults that hang end at shutdown.
#[derive(Debug, Clone)]
pub struct ShutdownSignal(watch::Receiver<bool>);

impl ShutdownSignal {
    /// Watches `receiver` (shut down once it holds `true` or its sender is gone).
    pub fn new(receiver: watch::Receiver<bool>) -> Self {
        Self(receiver)
    }

    /// Resolves at shutdown.
    pub async fn wait(mut self) {
        let _ = self.0.wait_for(|stopped| *stopped).await;
    }
}

/// Waits for shutdown; forever when the request came through a server without the signal.
async fn until_shutdown(signal: Option<ShutdownSignal>) {
    match signal {
        Some(signal) => signal.wait().await,
        None => std::future::pending().await,
    }
}

/// One row of an `OPERATIONS` table, with its provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operation {
    /// `POST`, `GET` …
    pub method: Method,
    /// The axum route pattern (`/v2/txns/{id}/authenticate`), compared with [`MatchedPath`].
    pub route: &'static str,
    /// `juspay_vat.trigger_otp`.
    pub name: &'static str,
    /// Whose envelope a `non_success` or `server_error` fault answers in.
    pub provider: Provider,
}

/// The state of the fault layer: the shared state and every provider operation.
#[derive(Debug, Clone)]
pub struct FaultLayer {
    shared: Arc<Shared>,
    operations: Arc<Vec<Operation>>,
}

impl FaultLayer {
    /// A layer state over `operations`.
    pub fn new(shared: Arc<Shared>, operations: Vec<Operation>) -> Self {
        Self {
            shared,
            operations: Arc::new(operations),
        }
    }

    fn operation(&self, method: &Method, route: &str) -> Option<&Operation> {
        self.operations
            .iter()
            .find(|op| op.method == method && op.route == route)
    }
}

/// The fault-injection middleware, one layer over the whole app.
///
/// Counts every request outside `/__sandbox/` in `counters.requests`; finds the operation from
/// (method, [`MatchedPath`]); counts its calls in `shared.calls` (1-based, since start); applies
/// the first rule whose operation matches and whose `nth` is this call (or `None`).
pub async fn inject(State(layer): State<FaultLayer>, request: Request, next: Next) -> Response {
    let shared = &layer.shared;
    if !request.uri().path().starts_with("/__sandbox/") {
        Counters::bump(&shared.counters.requests);
    }
    let operation = request
        .extensions()
        .get::<MatchedPath>()
        .and_then(|matched| layer.operation(request.method(), matched.as_str()))
        .cloned();
    let Some(operation) = operation else {
        return next.run(request).await;
    };
    let call = {
        let mut calls = lock(&shared.calls);
        let count = calls.entry(operation.name.to_owned()).or_insert(0);
        *count = count.saturating_add(1);
        *count
    };
    let fault = lock(&shared.faults)
        .iter()
        .find(|rule| rule.operation == operation.name && rule.nth.is_none_or(|nth| nth == call))
        .map(|rule| rule.fault.clone());
    let Some(fault) = fault else {
        return next.run(request).await;
    };
    tracing::debug!(
        operation = operation.name,
        call,
        ?fault,
        "sandbox: injecting fault"
    );
    let shutdown = request.extensions().get::<ShutdownSignal>().cloned();
    match fault {
        Fault::Delay { ms } => {
            tokio::select! {
                () = tokio::time::sleep(Duration::from_millis(ms)) => next.run(request).await,
                () = until_shutdown(shutdown) => abort(),
            }
        }
        Fault::ConnectionReset => abort(),
        Fault::TimeoutAfterCommit => {
            // The handler runs to the end: state committed, side effects counted.
            let committed = next.run(request).await;
            drop(committed);
            until_shutdown(shutdown).await;
            abort()
        }
        Fault::ServerError { status } => server_error(operation.provider, status),
        Fault::MalformedBody => malformed(next.run(request).await).await,
        Fault::NonSuccess => non_success(operation.provider),
    }
}

/// The response that makes the server drop the connection.
fn abort() -> Response {
    let mut response = (
        StatusCode::BAD_GATEWAY,
        "sandbox fault: this connection should have been dropped without an answer",
    )
        .into_response();
    response.extensions_mut().insert(AbortConnection);
    response
}

/// `status` (500 when it is not a valid HTTP status) with the provider's error body.
fn server_error(provider: Provider, status: u16) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    const MESSAGE: &str = "Internal server error (injected by the sandbox).";
    match provider {
        Provider::JuspayVat => reply::juspay_error_info(
            status,
            "INTERNAL_SERVER_ERROR",
            "SERVER_ERROR",
            "Internal Server Error",
            MESSAGE,
        ),
        Provider::JuspayEc => reply::ec_error(status, "error", "internal_server_error", MESSAGE),
        Provider::VisaAcceptance => reply::cybs_error(status, "serverError", MESSAGE, &[]),
    }
}

/// The provider's failure envelope, without running the handler.
fn non_success(provider: Provider) -> Response {
    const MESSAGE: &str = "The request failed (non-success status injected by the sandbox).";
    match provider {
        Provider::JuspayVat => reply::vat_failure("SANDBOX_FAULT", MESSAGE),
        Provider::JuspayEc => reply::ec_error(
            StatusCode::BAD_REQUEST,
            "invalid_request_error",
            "invalid",
            MESSAGE,
        ),
        Provider::VisaAcceptance => {
            reply::cybs_error(StatusCode::BAD_REQUEST, "invalidFields", MESSAGE, &[])
        }
    }
}

/// 200 with the first half of the handler's body: never valid JSON (a proper prefix of a JSON
/// object or array is not JSON), still labelled `application/json`.
async fn malformed(response: Response) -> Response {
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap_or_default();
    let cut = body.len() / 2;
    let truncated = if cut == 0 {
        bytes_of(r#"{"status":"SUCC"#)
    } else {
        body.slice(..cut)
    };
    let mut response = Response::new(Body::from(truncated));
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

fn bytes_of(text: &'static str) -> axum::body::Bytes {
    axum::body::Bytes::from_static(text.as_bytes())
}
