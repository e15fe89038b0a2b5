#![doc = include_str!("../README.md")]

pub mod admin;
pub mod auth;
pub mod faults;
pub mod juspay_ec;
pub mod juspay_vat;
pub mod magic;
pub mod page;
pub mod reply;
mod server;
pub mod state;
pub mod visa_acceptance;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::http::{Method, StatusCode, Uri};
use axum::middleware::from_fn_with_state;
use axum::response::Response;
use serde_json::Value;

pub use faults::{Fault, FaultRule};
pub use state::{CounterSnapshot, SandboxConfig, Shared};

/// Which provider a router serves: picks its authentication layer and the envelope its
/// `non_success` and `server_error` faults answer in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Provider {
    /// Juspay Visa Agentic Transactions: Basic auth + `x-merchantid`, `error_info` 401.
    JuspayVat,
    /// Juspay Express Checkout (Direct OTP): Basic auth + `x-merchantid`, classic EC 401.
    JuspayEc,
    /// Visa Acceptance / Cybersource TMS: HTTP Signature, Cybersource 401.
    VisaAcceptance,
}

/// `(method, route pattern, operation)` rows, as each provider module's `OPERATIONS`.
pub type Operations = &'static [(&'static str, &'static str, &'static str)];

/// One provider's routes and operation table, for [`app_with`].
#[derive(Debug)]
pub struct ProviderRoutes {
    /// Whose routes these are.
    pub provider: Provider,
    /// The routes (without authentication: [`app_with`] adds it).
    pub router: Router<Arc<Shared>>,
    /// `(method, route pattern, operation)` of every route the fault layer should know.
    pub operations: Operations,
}

impl ProviderRoutes {
    /// The three providers of this crate.
    pub fn all() -> Vec<Self> {
        vec![
            Self {
                provider: Provider::JuspayVat,
                router: juspay_vat::router(),
                operations: juspay_vat::OPERATIONS,
            },
            Self {
                provider: Provider::JuspayEc,
                router: juspay_ec::router(),
                operations: juspay_ec::OPERATIONS,
            },
            Self {
                provider: Provider::VisaAcceptance,
                router: visa_acceptance::router(),
                operations: visa_acceptance::OPERATIONS,
            },
        ]
    }
}

/// Every route of the three APIs with their authentication, the admin routes, the Visa page,
/// and fault injection over all of it.
pub fn app(shared: Arc<Shared>) -> Router {
    app_with(shared, ProviderRoutes::all())
}

/// [`app`] over other provider routers (tests add their own routes this way).
///
/// Each provider router gets its authentication as a route layer ([`auth`]); the admin routes
/// ([`admin`]) and the page ([`page::PAGE_PATH`]) have none; the fault layer ([`faults::inject`])
/// wraps every route; unknown routes answer `404` with a JSON body.
pub fn app_with(shared: Arc<Shared>, providers: Vec<ProviderRoutes>) -> Router {
    let mut operations = Vec::new();
    let mut router = Router::new();
    for routes in providers {
        for (method, route, name) in routes.operations {
            match Method::from_bytes(method.to_ascii_uppercase().as_bytes()) {
                Ok(method) => operations.push(faults::Operation {
                    method,
                    route,
                    name,
                    provider: routes.provider,
                }),
                Err(_) => tracing::warn!(
                    method,
                    route,
                    "sandbox: operation with an invalid method ignored"
                ),
            }
        }
        let with_auth = match routes.provider {
            Provider::JuspayVat => routes
                .router
                .route_layer(from_fn_with_state(Arc::clone(&shared), auth::juspay_vat)),
            Provider::JuspayEc => routes
                .router
                .route_layer(from_fn_with_state(Arc::clone(&shared), auth::juspay_ec)),
            Provider::VisaAcceptance => routes.router.route_layer(from_fn_with_state(
                Arc::clone(&shared),
                auth::visa_acceptance,
            )),
        };
        router = router.merge(with_auth);
    }
    router
        .merge(admin::router())
        .merge(page::router())
        .fallback(not_found)
        .layer(from_fn_with_state(
            faults::FaultLayer::new(Arc::clone(&shared), operations),
            faults::inject,
        ))
        .with_state(shared)
}

async fn not_found(method: Method, uri: Uri) -> Response {
    reply::json_status(
        StatusCode::NOT_FOUND,
        serde_json::json!({
            "status": "error",
            "error_code": "not_found",
            "error_message": format!("The sandbox has no route {method} {}.", uri.path()),
        }),
    )
}

/// A running sandbox on a loopback port. Dropping it shuts the server down.
#[derive(Debug)]
pub struct Sandbox {
    addr: SocketAddr,
    shared: Arc<Shared>,
    shutdown: Option<tokio::sync::watch::Sender<bool>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Sandbox {
    /// Starts on an ephemeral loopback port with the default credentials.
    ///
    /// # Errors
    /// When the port cannot be bound or the runtime cannot start.
    pub fn start() -> std::io::Result<Self> {
        Self::start_with(SandboxConfig::default(), "127.0.0.1:0")
    }

    /// Starts on `addr` with `config`.
    ///
    /// # Errors
    /// When the address cannot be bound or the runtime cannot start.
    pub fn start_with(config: SandboxConfig, addr: &str) -> std::io::Result<Self> {
        Self::start_custom(config, addr, app)
    }

    /// Starts on `addr` with `config`, serving the router `build` makes from the shared state
    /// (e.g. [`app_with`] over test routes).
    ///
    /// # Errors
    /// When the address cannot be bound or the runtime cannot start.
    pub fn start_custom(
        config: SandboxConfig,
        addr: &str,
        build: impl FnOnce(Arc<Shared>) -> Router,
    ) -> std::io::Result<Self> {
        let listener = std::net::TcpListener::bind(addr)?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared::new(config));
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("agentic-sandbox-worker")
            .enable_all()
            .build()?;
        let (tx, rx) = tokio::sync::watch::channel(false);
        let app = build(Arc::clone(&shared));
        let server_shared = Arc::clone(&shared);
        let listener = {
            let _guard = runtime.enter();
            tokio::net::TcpListener::from_std(listener)?
        };
        let thread = std::thread::Builder::new()
            .name("agentic-sandbox".into())
            .spawn(move || {
                runtime.block_on(server::serve(listener, app, server_shared, rx));
                // Whatever is still running (a connection past the grace period) is dropped here.
                runtime.shutdown_background();
            })?;
        Ok(Self {
            addr,
            shared,
            shutdown: Some(tx),
            thread: Some(thread),
        })
    }

    /// `http://127.0.0.1:PORT`; also the Visa page's origin.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The fake Visa auth page: `http://127.0.0.1:PORT/vts-auth/authenticate`.
    pub fn visa_page_url(&self) -> String {
        format!("{}{}", self.base_url(), page::PAGE_PATH)
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The credentials it accepts.
    pub fn config(&self) -> &SandboxConfig {
        &self.shared.config
    }

    /// The side-effect counters now.
    pub fn counters(&self) -> CounterSnapshot {
        self.shared.counters.snapshot()
    }

    /// Calls of `operation` so far (what a [`FaultRule::nth`] is compared with).
    pub fn calls(&self, operation: &str) -> u32 {
        state::lock(&self.shared.calls)
            .get(operation)
            .copied()
            .unwrap_or(0)
    }

    /// Adds a fault rule.
    pub fn inject(&self, rule: FaultRule) {
        state::lock(&self.shared.faults).push(rule);
    }

    /// Removes every fault rule.
    pub fn clear_faults(&self) {
        state::lock(&self.shared.faults).clear();
    }

    /// Headless Visa page, first half: creates a session and returns the
    /// `AUTH_SESSION_CREATED` message the page would post in answer to `create_auth_session`
    /// (the host's `CREATE_AUTH_SESSION` message; `{}` will do). See
    /// [`page::session_created_message`].
    pub fn visa_session_message(&self, create_auth_session: &Value) -> Value {
        page::session_created_message(&self.shared, create_auth_session)
    }

    /// Headless Visa page, second half: completes the ceremony of the host's `AUTHENTICATE`
    /// message as the "Use passkey" button does. See [`page::ceremony_result_message`].
    ///
    /// # Errors
    /// The `AUTH_FAILED` message for an unknown identifier, a wrong payload or a malformed
    /// message.
    pub fn complete_ceremony_message(&self, authenticate: &Value) -> Result<Value, Value> {
        page::ceremony_result_message(&self.shared, authenticate)
    }

    /// The shared state (tests inspect provider state through it).
    pub fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    /// Stops the server and waits for its thread: open connections get at most two seconds
    /// to finish; hanging faults end at once.
    pub fn shutdown(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(true);
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        self.stop();
    }
}
