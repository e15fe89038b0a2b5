//! The default [`Transport`]: one [`ureq::Agent`] (ureq 3, the system's TLS) per transport.
//!
//! # What it does
//!
//! * **One agent, keep-alive.** Every [`UreqTransport`] owns one agent and its connection pool,
//!   so the requests of a journey reuse one connection (ureq keeps an idle connection for 15 s;
//!   a journey that waits longer for the user opens a new one). The transport is `Send + Sync`;
//!   concurrent sends each get their own pooled connection.
//! * **https, except loopback.** [`check_url_policy`] runs before anything else: plain `http`
//!   to a host that is not loopback is [`TransportError::InsecureUrl`] without touching the
//!   network (no DNS, no connect). ureq's own `https_only` is *not* used: it is agent-wide and
//!   would also refuse `http://127.0.0.1` (DESIGN.md §10). The per-request check is enough
//!   because no redirect is ever followed (`max_redirects(0)`), so the URL we checked is the
//!   only one ureq ever connects to; a 3xx answer becomes [`TransportError::RedirectRefused`].
//!   Proxies from the environment (`HTTPS_PROXY` …) are ignored: the request goes to the URL.
//! * **Every status is a response.** `http_status_as_error(false)`: 4xx and 5xx come back as
//!   [`HttpResponse`]s for the core to decode.
//! * **Exactly the caller's headers.** ureq adds no `User-Agent`, `Accept` or
//!   `Accept-Encoding` of its own (the caller sets them); it adds only `Host` (unless the caller
//!   set one, as the Cybersource signature does) and `Content-Length`. A caller's
//!   `Content-Length` or `Transfer-Encoding` is dropped: the transport frames the body itself.
//!   [`HeaderValue::Secret`] values are marked sensitive.
//! * **The system's TLS, TLS 1.2 at least.** The TLS library of the system (OpenSSL 3 on
//!   Linux, Security.framework on Apple systems, SChannel on Windows) and the system's trust
//!   store; TLS 1.0 and 1.1 are never offered, and with OpenSSL TLS 1.2 only with ECDHE and
//!   AES-GCM or ChaCha20-Poly1305 (`system_tls.rs` has the policy per system). The library
//!   carries no TLS code of its own, and TLS fixes arrive with the system's updates.
//! * **Custom roots for tests.** [`UreqTransportConfig::root_ca_pem`] *replaces* the system's
//!   roots.
//! * **Bounded responses.** A body larger than [`MAX_RESPONSE_BODY`] is a
//!   [`TransportError::Protocol`].
//!
//! # Timeouts
//!
//! [`Timeouts`] map onto ureq 3's timeouts. The agent is built with one set
//! ([`UreqTransportConfig::timeouts`]; [`Client::with_ureq`](crate::Client::with_ureq) passes
//! the client's): a request with exactly those runs on the agent's configuration; any other gets
//! a request-level configuration (a copy of the agent's, so the agent's pool is still shared).
//!
//! | [`Timeouts`] | ureq                                                          |
//! |--------------|---------------------------------------------------------------|
//! | `connect`    | `timeout_resolve` and `timeout_connect` (TCP + TLS handshake) |
//! | `read`       | `timeout_recv_response` and `timeout_recv_body`                |
//! | `overall`    | `timeout_global` (the whole call, body included)              |
//!
//! Writing the request is bounded by `overall` only. A zero duration is raised to 1 ms.
//!
//! # Never sent or maybe sent
//!
//! ureq reports an I/O error the same way whether it happened while connecting or after the
//! request was written, and name resolution failures arrive as plain `io::Error`s. To tell them
//! apart the agent is built with ureq's default resolver and a connector chain (ureq's TCP
//! connector, then the system's TLS) each wrapped so that *every* error they return is tagged
//! "before send": nothing of
//! the request is written until the connector chain has returned a ready (TLS-established)
//! connection. Any error without that tag happened once the connection was handed to the
//! request, so it is treated as "may have reached the server". (The wrappers use ureq's
//! `unversioned` connector/resolver traits, which are outside ureq's semver promise; an
//! incompatible ureq minor release fails to compile rather than misclassifying.)
//!
//! | ureq outcome                                                    | [`TransportError`]                    | failure     |
//! |-----------------------------------------------------------------|---------------------------------------|-------------|
//! | URL refused by [`check_url_policy`] or not a valid URI          | `InsecureUrl`                         | `NotSent`   |
//! | a header name or value that cannot go on the wire               | `InvalidRequest`                      | `NotSent`   |
//! | resolver error: `HostNotFound`, `Io` (getaddrinfo), `Timeout(_)` | `Dns`                                 | `NotSent`   |
//! | handshake failure reported by the system's TLS (unknown issuer, wrong host name, no common version or suite, the peer closing mid-handshake) | `Tls` | `NotSent` |
//! | connector `Timeout(Connect / Global / …)`                        | `Connect` ("timed out …")             | `NotSent`   |
//! | connector `Io` (refused, unreachable, reset during handshake), `ConnectionFailed`, anything else | `Connect` | `NotSent` |
//! | `Http(_)`, `BadUri(_)` (request validation, before any I/O)      | `Connect` / `InsecureUrl`             | `NotSent`   |
//! | `Timeout(SendRequest / SendBody / PerWrite)`                    | `Timeout { phase: "write" }`          | `MaybeSent` |
//! | `Timeout(RecvResponse / RecvBody / PerRead)`                    | `Timeout { phase: "read" }`           | `MaybeSent` |
//! | `Timeout(Global / PerCall)` after connecting                    | `Timeout { phase: "overall" }`        | `MaybeSent` |
//! | `Io(_)` after connecting (reset, "Peer disconnected", broken pipe, TLS alert) | `Io`           | `MaybeSent` |
//! | `Protocol(_)`, `LargeResponseHeader`, `BodyExceedsLimit`, any other variant | `Protocol`             | `MaybeSent` |
//! | a 3xx response                                                  | `RedirectRefused { status }`          | `MaybeSent` |
//!
//! Error reasons are built from error kinds and library messages (OS errors, the TLS library's
//! and HTTP-parser diagnostics); they never contain header values or bodies.
//!
//! # ureq's own logging
//!
//! ureq 3 and `ureq-proto` log through the `log` crate, not `tracing`:
//!
//! * `ureq::*` (mostly target `ureq::run`) at DEBUG: method and URL with the path replaced by
//!   `/******`, request and response headers filtered to an allow-list (`host`, `user-agent`,
//!   `content-type`, `content-length`, `date`, `server` …; the rest, `authorization` and
//!   `signature` included, only counted as "N HEADERS ARE REDACTED"), pool and connect events.
//!   At TRACE: the full path and query and the `Location` header.
//! * `ureq_proto::util` at TRACE: a hex + ASCII dump of **every byte written and read** — the
//!   request line, all request headers including `Authorization`, request bodies when chunked,
//!   response headers and response bodies. This leaks secrets.
//!
//! The SDK never installs a `log` logger nor a `log` → `tracing` bridge (the workspace's
//! `tracing-subscriber` is built without its `tracing-log` feature), so none of this is
//! formatted or emitted: `log`'s maximum level stays `Off`. The FFI library has no other `log`
//! user, so it can never emit these records. A Rust application embedding the SDK can turn them
//! on in two ways, and must then cap targets `ureq_proto` and `ureq` at DEBUG (or build with the
//! `log` feature `max_level_debug`):
//!
//! * installing a `log` logger (`env_logger`, `android_logger` …) at TRACE;
//! * calling `tracing_subscriber::fmt().init()` (or `try_init`) with `tracing-subscriber`'s
//!   default features: `init` installs `tracing_log::LogTracer`, which forwards `log` records
//!   as `tracing` events under the same targets — filter them with e.g.
//!   `EnvFilter::new("trace,ureq_proto=off,ureq=debug")`.
//!
//! # Data left in memory
//!
//! Request and response bodies live in [`SecretBytes`] buffers here, wiped on drop, and so is
//! every buffer a response body outgrows; ureq's internal I/O buffers (which also see them) are
//! not.

use std::fmt;
use std::time::Duration;

use agentic_core::HttpResponse;
use agentic_core::secret::SecretBytes;
use agentic_core::wire::{CONTENT_TYPE_FORM, CONTENT_TYPE_JSON, Method, REQUEST_ID_HEADERS};
use ureq::config::{AutoHeaderValue, Config};
use ureq::http;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{ConnectionDetails, Connector, NextTimeout, TcpConnector};
use ureq::{Agent, AsSendBody, RequestExt};

use crate::auth::{ACCEPT, CLIENT_AUTH_TOKEN_HEADER, USER_AGENT};
use crate::system_tls::{SystemTls, TlsFailure};
use crate::transport::{
    HeaderValue, Timeouts, Transport, TransportError, WireRequest, check_url_policy,
};

/// Idle keep-alive connections a client keeps, per host and in all: one per journey running at
/// the same time on one client, up to this many.
const MAX_IDLE_CONNECTIONS: usize = 64;

/// The largest response body accepted (10 MiB).
pub const MAX_RESPONSE_BODY: u64 = 10 * 1024 * 1024;

/// How a [`UreqTransport`] is built.
#[derive(Clone, Default)]
pub struct UreqTransportConfig {
    /// PEM certificates (one or more) that *replace* the system's trust store: for tests
    /// against a local CA. `None`: the roots the system trusts.
    pub root_ca_pem: Option<Vec<u8>>,
    /// The agent's own timeouts: give the client's configured ones. A request sent with these
    /// skips ureq's per-request configuration (a copy of the agent's configuration per
    /// request); a request with other timeouts still gets exactly its own.
    pub timeouts: Timeouts,
}

impl fmt::Debug for UreqTransportConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UreqTransportConfig")
            .field(
                "root_ca_pem",
                &self
                    .root_ca_pem
                    .as_ref()
                    .map(|pem| format!("<{} bytes>", pem.len())),
            )
            .field("timeouts", &self.timeouts)
            .finish()
    }
}

/// Why a [`UreqTransport`] could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UreqTransportBuildError {
    /// `root_ca_pem` holds no `CERTIFICATE` section.
    #[error("the root CA PEM holds no certificate")]
    NoRootCertificate,
    /// `root_ca_pem` is not valid PEM, or a section in it is not a certificate the TLS library
    /// reads.
    #[error("the root CA PEM is invalid: {reason}")]
    InvalidRootCertificate {
        /// What is wrong.
        reason: String,
    },
}

/// The ureq 3 [`Transport`]; see the [module documentation](self). Clones share the agent and
/// its connection pool.
#[derive(Debug, Clone)]
pub struct UreqTransport {
    agent: Agent,
    /// The timeouts the agent was built with: a request with these needs no request-level
    /// configuration (a copy of the agent's configuration per request).
    timeouts: Timeouts,
}

impl UreqTransport {
    /// Builds the transport and its agent. No network access happens here.
    ///
    /// # Errors
    /// [`UreqTransportBuildError`] when `root_ca_pem` is given but unusable.
    pub fn new(config: UreqTransportConfig) -> Result<Self, UreqTransportBuildError> {
        let timeouts = config.timeouts;
        let tls = match &config.root_ca_pem {
            Some(pem) => SystemTls::with_roots(&parse_roots(pem)?)
                .map_err(|reason| UreqTransportBuildError::InvalidRootCertificate { reason })?,
            None => SystemTls::system(),
        };
        let connect = at_least_1ms(timeouts.connect);
        let read = at_least_1ms(timeouts.read);
        let agent_config = Config::builder()
            .http_status_as_error(false)
            .https_only(false)
            .max_redirects(0)
            .max_redirects_will_error(false)
            .save_redirect_history(false)
            .proxy(None)
            // One client may serve many journeys at once (an agent back end): keep a
            // connection per concurrent journey instead of ureq's 3 per host, or each
            // request beyond the third reconnects (64 threads: 29.6k connections for 115k
            // requests under `cargo xtask bench`'s load).
            .max_idle_connections(MAX_IDLE_CONNECTIONS)
            .max_idle_connections_per_host(MAX_IDLE_CONNECTIONS)
            .user_agent(AutoHeaderValue::None)
            .accept(AutoHeaderValue::None)
            .accept_encoding(AutoHeaderValue::None)
            .timeout_global(Some(at_least_1ms(timeouts.overall)))
            .timeout_resolve(Some(connect))
            .timeout_connect(Some(connect))
            .timeout_recv_response(Some(read))
            .timeout_recv_body(Some(read))
            .build();
        let agent = Agent::with_parts(
            agent_config,
            TagErrors(().chain(TcpConnector::default()).chain(tls)),
            TagErrors(DefaultResolver::default()),
        );
        Ok(Self { agent, timeouts })
    }

    /// Runs one exchange with this request's timeouts: the agent's own, or a request-level
    /// ureq configuration.
    fn run<B: AsSendBody>(
        &self,
        request: http::Request<B>,
        timeouts: &Timeouts,
    ) -> Result<http::Response<ureq::Body>, ureq::Error> {
        if *timeouts == self.timeouts {
            return self.agent.run(request);
        }
        let connect = at_least_1ms(timeouts.connect);
        let read = at_least_1ms(timeouts.read);
        request
            .with_agent(&self.agent)
            .configure()
            .timeout_global(Some(at_least_1ms(timeouts.overall)))
            .timeout_resolve(Some(connect))
            .timeout_connect(Some(connect))
            .timeout_recv_response(Some(read))
            .timeout_recv_body(Some(read))
            .run()
    }
}

impl Transport for UreqTransport {
    fn send(
        &self,
        request: &WireRequest,
        timeouts: &Timeouts,
    ) -> Result<HttpResponse, TransportError> {
        check_url_policy(&request.url)?;
        let head = build_head(request)?;
        let result = if request.body.is_empty() && request.method == Method::Get {
            self.run(head, timeouts)
        } else {
            let body: &[u8] = &request.body;
            self.run(head.map(|()| body), timeouts)
        };
        let mut response = result.map_err(|e| classify(e, &request.url))?;
        let status = response.status();
        if status.is_redirection() {
            return Err(TransportError::RedirectRefused {
                status: status.as_u16(),
            });
        }
        let (content_type, request_id) = response_headers(response.headers());
        let body = read_body(response.body_mut()).map_err(|e| classify(e, &request.url))?;
        Ok(HttpResponse {
            status: status.as_u16(),
            content_type,
            request_id,
            body,
        })
    }
}

/// Method, URI and headers as an `http::Request` without body.
fn build_head(request: &WireRequest) -> Result<http::Request<()>, TransportError> {
    let uri: http::Uri = request
        .url
        .parse()
        .map_err(|_| TransportError::InsecureUrl {
            url: request.url.clone(),
        })?;
    let mut head = http::Request::new(());
    head.headers_mut().reserve(request.headers.len());
    *head.method_mut() = match request.method {
        Method::Get => http::Method::GET,
        Method::Post => http::Method::POST,
        Method::Put => http::Method::PUT,
    };
    *head.uri_mut() = uri;
    let map = head.headers_mut();
    for (name, value) in &request.headers {
        let invalid = |what: &str| TransportError::InvalidRequest {
            reason: format!("the {what} of header `{}` cannot be sent", printable(name)),
        };
        let header_name = match known_name(name) {
            Some(known) => known,
            None => http::HeaderName::from_bytes(name.as_bytes()).map_err(|_| invalid("name"))?,
        };
        if header_name == http::header::CONTENT_LENGTH
            || header_name == http::header::TRANSFER_ENCODING
        {
            continue;
        }
        let header_value = match value {
            HeaderValue::Public(text) => {
                match STATIC_VALUES.iter().find(|s| **s == text.as_ref()) {
                    Some(known) => http::HeaderValue::from_static(known),
                    None => http::HeaderValue::from_str(text).map_err(|_| invalid("value"))?,
                }
            }
            HeaderValue::Secret(_) => {
                let mut v =
                    http::HeaderValue::from_str(value.expose()).map_err(|_| invalid("value"))?;
                v.set_sensitive(true);
                v
            }
        };
        map.append(header_name, header_value);
    }
    Ok(head)
}

/// A header name for an error message: printable ASCII only.
fn printable(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_ascii_graphic() { c } else { '?' })
        .collect()
}

fn at_least_1ms(duration: Duration) -> Duration {
    duration.max(Duration::from_millis(1))
}

/// A header name the SDK sends (auth.rs), without parsing or copying it.
fn known_name(name: &str) -> Option<http::HeaderName> {
    use http::header;
    const CLIENT_AUTH_TOKEN: http::HeaderName =
        http::HeaderName::from_static(CLIENT_AUTH_TOKEN_HEADER);
    const X_MERCHANTID: http::HeaderName = http::HeaderName::from_static("x-merchantid");
    const X_ROUTING_ID: http::HeaderName = http::HeaderName::from_static("x-routing-id");
    const V_C_MERCHANT_ID: http::HeaderName = http::HeaderName::from_static("v-c-merchant-id");
    const DIGEST: http::HeaderName = http::HeaderName::from_static("digest");
    const SIGNATURE: http::HeaderName = http::HeaderName::from_static("signature");
    Some(match name {
        "content-type" => header::CONTENT_TYPE,
        "accept" => header::ACCEPT,
        "user-agent" => header::USER_AGENT,
        "authorization" => header::AUTHORIZATION,
        CLIENT_AUTH_TOKEN_HEADER => CLIENT_AUTH_TOKEN,
        "x-merchantid" => X_MERCHANTID,
        "x-routing-id" => X_ROUTING_ID,
        "v-c-merchant-id" => V_C_MERCHANT_ID,
        "date" => header::DATE,
        "host" => header::HOST,
        "digest" => DIGEST,
        "signature" => SIGNATURE,
        _ => return None,
    })
}

/// The public header values every request sends (auth.rs): taken as `&'static str`, with no
/// copy. Only visible ASCII, so `from_static` cannot panic.
const STATIC_VALUES: [&str; 4] = [ACCEPT, USER_AGENT, CONTENT_TYPE_JSON, CONTENT_TYPE_FORM];

/// `content-type` and the request id ([`REQUEST_ID_HEADERS`], first name in that order wins)
/// in one pass over the headers; for each name its first value, if it is text.
fn response_headers(headers: &http::HeaderMap) -> (Option<String>, Option<String>) {
    let mut content_type = None;
    let mut ids: [Option<&http::HeaderValue>; REQUEST_ID_HEADERS.len()] =
        [None; REQUEST_ID_HEADERS.len()];
    for (name, value) in headers {
        let name = name.as_str();
        if name == "content-type" {
            content_type.get_or_insert(value);
        } else if let Some(i) = REQUEST_ID_HEADERS
            .iter()
            .position(|n| n.eq_ignore_ascii_case(name))
        {
            ids[i].get_or_insert(value);
        }
    }
    let text = |v: &http::HeaderValue| v.to_str().ok().map(str::to_owned);
    (
        content_type.and_then(text),
        ids.into_iter().flatten().find_map(text),
    )
}

/// Reads the whole body (so the connection goes back to the pool) into a buffer wiped on drop;
/// sized by `Content-Length` when there is one, and when it grows (chunked) every buffer it
/// leaves is wiped too.
fn read_body(body: &mut ureq::Body) -> Result<SecretBytes, ureq::Error> {
    let expected = body.content_length().unwrap_or(0).min(MAX_RESPONSE_BODY);
    let mut out = SecretBytes::new(Vec::with_capacity(usize::try_from(expected).unwrap_or(0)));
    out.read_to_end_from(&mut body.with_config().limit(MAX_RESPONSE_BODY).reader())
        .map_err(ureq::Error::from)?;
    Ok(out)
}

/// The DER bytes of every `CERTIFICATE` section of the PEM text (other sections are skipped);
/// the TLS library then checks each is a certificate.
fn parse_roots(pem: &[u8]) -> Result<Vec<Vec<u8>>, UreqTransportBuildError> {
    use base64::Engine as _;
    const BEGIN: &[u8] = b"-----BEGIN CERTIFICATE-----";
    const END: &[u8] = b"-----END CERTIFICATE-----";
    let invalid = |reason: &str| UreqTransportBuildError::InvalidRootCertificate {
        reason: reason.to_owned(),
    };
    let find = |haystack: &[u8], needle: &[u8]| {
        haystack
            .windows(needle.len())
            .position(|window| window == needle)
    };
    let mut roots = Vec::new();
    let mut rest = pem;
    while let Some(begin) = find(rest, BEGIN) {
        let body = &rest[begin + BEGIN.len()..];
        let end =
            find(body, END).ok_or_else(|| invalid("a certificate section has no END line"))?;
        let text: Vec<u8> = body[..end]
            .iter()
            .copied()
            .filter(|b| !b.is_ascii_whitespace())
            .collect();
        let der = base64::engine::general_purpose::STANDARD
            .decode(&text)
            .map_err(|_| invalid("a certificate section is not base64"))?;
        roots.push(der);
        rest = &body[end + END.len()..];
    }
    if roots.is_empty() {
        return Err(UreqTransportBuildError::NoRootCertificate);
    }
    Ok(roots)
}

/// Where a tagged error happened: before any byte of the request could be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Resolve,
    Connect,
}

/// A ureq error raised by the resolver or the connector chain, i.e. before sending.
#[derive(Debug)]
struct BeforeSend {
    phase: Phase,
    error: ureq::Error,
}

impl fmt::Display for BeforeSend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}: {}", self.phase, self.error)
    }
}

impl std::error::Error for BeforeSend {}

impl BeforeSend {
    /// Tags `error` with `phase`, keeping an inner tag (a proxy connector resolving and
    /// connecting through the agent's own resolver and connector).
    fn tag(phase: Phase, error: ureq::Error) -> ureq::Error {
        match error {
            ureq::Error::Other(inner) if inner.is::<BeforeSend>() => ureq::Error::Other(inner),
            error => ureq::Error::Other(Box::new(BeforeSend { phase, error })),
        }
    }

    fn into_transport_error(self) -> TransportError {
        match (self.phase, self.error) {
            (Phase::Resolve, ureq::Error::HostNotFound) => TransportError::Dns {
                reason: "no address found for the host".to_owned(),
            },
            (Phase::Resolve, ureq::Error::Timeout(_)) => TransportError::Dns {
                reason: "timed out".to_owned(),
            },
            (Phase::Resolve, error) => TransportError::Dns {
                reason: describe(&error),
            },
            (Phase::Connect, error) if is_tls(&error) => TransportError::Tls {
                reason: describe(&error),
            },
            (Phase::Connect, ureq::Error::Timeout(which)) => TransportError::Connect {
                reason: format!("timed out ({})", timeout_name(which)),
            },
            (Phase::Connect, error) => TransportError::Connect {
                reason: describe(&error),
            },
        }
    }
}

/// Wraps ureq's resolver or connector so that every error it returns is tagged [`BeforeSend`].
#[derive(Debug)]
struct TagErrors<T>(T);

impl<C: Connector<()>> Connector<()> for TagErrors<C> {
    type Out = C::Out;

    fn connect(
        &self,
        details: &ConnectionDetails,
        chained: Option<()>,
    ) -> Result<Option<Self::Out>, ureq::Error> {
        self.0
            .connect(details, chained)
            .map_err(|e| BeforeSend::tag(Phase::Connect, e))
    }
}

impl<R: Resolver> Resolver for TagErrors<R> {
    fn resolve(
        &self,
        uri: &http::Uri,
        config: &Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        // An IP address needs no lookup. ureq's resolver, given a resolve timeout, starts a
        // thread for every request (it resolves before it looks for a pooled connection), even
        // for `127.0.0.1`: ~50 µs a request for nothing (BENCHMARKS.md, "FFI cost").
        if let Some(address) = ip_literal(uri) {
            let mut addresses = self.0.empty();
            addresses.push(address);
            return Ok(addresses);
        }
        self.0
            .resolve(uri, config, timeout)
            .map_err(|e| BeforeSend::tag(Phase::Resolve, e))
    }

    fn empty(&self) -> ResolvedSocketAddrs {
        self.0.empty()
    }
}

/// The socket address of a URL whose host is an IP address (`[…]` for IPv6), with the explicit
/// port or the scheme's default.
fn ip_literal(uri: &http::Uri) -> Option<std::net::SocketAddr> {
    let host = uri.host()?;
    let ip: std::net::IpAddr = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host)
        .parse()
        .ok()?;
    let port = uri.port_u16().or(match uri.scheme_str() {
        Some("https") => Some(443),
        Some("http") => Some(80),
        _ => None,
    })?;
    Some(std::net::SocketAddr::new(ip, port))
}

/// Whether a connect-phase error comes from TLS (certificate, handshake).
fn is_tls(error: &ureq::Error) -> bool {
    match error {
        ureq::Error::Tls(_) | ureq::Error::TlsRequired => true,
        ureq::Error::Other(inner) => inner.is::<TlsFailure>(),
        _ => false,
    }
}

/// The message of an error: ureq's, minus its `io: ` style prefix for I/O errors.
fn describe(error: &ureq::Error) -> String {
    match error {
        ureq::Error::Io(e) => e.to_string(),
        ureq::Error::Other(inner) => inner.to_string(),
        error => error.to_string(),
    }
}

fn timeout_name(timeout: ureq::Timeout) -> &'static str {
    match timeout {
        ureq::Timeout::Resolve => "resolve",
        ureq::Timeout::Connect => "connect",
        ureq::Timeout::SendRequest | ureq::Timeout::SendBody | ureq::Timeout::PerWrite => "write",
        ureq::Timeout::RecvResponse | ureq::Timeout::RecvBody | ureq::Timeout::PerRead => "read",
        _ => "overall",
    }
}

/// Maps a ureq error to a [`TransportError`] (table in the module documentation).
fn classify(error: ureq::Error, url: &str) -> TransportError {
    match error {
        ureq::Error::Other(inner) => match inner.downcast::<BeforeSend>() {
            Ok(tagged) => tagged.into_transport_error(),
            Err(other) => TransportError::Io {
                reason: other.to_string(),
            },
        },
        ureq::Error::Timeout(which) => TransportError::Timeout {
            phase: timeout_name(which),
        },
        ureq::Error::BadUri(_) | ureq::Error::RequireHttpsOnly(_) => TransportError::InsecureUrl {
            url: url.to_owned(),
        },
        ureq::Error::Http(e) => TransportError::InvalidRequest {
            reason: e.to_string(),
        },
        ureq::Error::Io(e) => TransportError::Io {
            reason: e.to_string(),
        },
        ureq::Error::BodyExceedsLimit(limit) => TransportError::Protocol {
            reason: format!("the response body is larger than {limit} bytes"),
        },
        error => TransportError::Protocol {
            reason: error.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use std::io;

    use agentic_core::journey::TransportFailure;

    use super::*;

    fn tagged(phase: Phase, error: ureq::Error) -> TransportError {
        classify(BeforeSend::tag(phase, error), "https://x/")
    }

    fn not_sent(error: &TransportError) -> bool {
        matches!(error.failure(), TransportFailure::NotSent { .. })
    }

    #[test]
    fn ip_addresses_skip_the_lookup_and_host_names_do_not() {
        let cases = [
            ("http://127.0.0.1:8080/v1", Some("127.0.0.1:8080")),
            ("https://10.0.0.1/x", Some("10.0.0.1:443")),
            ("http://[::1]:9000/", Some("[::1]:9000")),
            ("http://[::1]/", Some("[::1]:80")),
            ("https://api.juspay.in/x", None),
            ("http://localhost:8080/", None),
        ];
        for (url, expected) in cases {
            let uri: http::Uri = match url.parse() {
                Ok(uri) => uri,
                Err(error) => panic!("{url}: {error}"),
            };
            assert_eq!(
                ip_literal(&uri).map(|a| a.to_string()).as_deref(),
                expected,
                "{url}"
            );
        }
    }

    #[test]
    fn errors_from_the_resolver_are_dns_and_not_sent() {
        let lookup = io::Error::other("failed to lookup address information");
        for error in [
            ureq::Error::HostNotFound,
            ureq::Error::Io(lookup),
            ureq::Error::Timeout(ureq::Timeout::Global),
        ] {
            let mapped = tagged(Phase::Resolve, error);
            assert!(matches!(mapped, TransportError::Dns { .. }), "{mapped:?}");
            assert!(not_sent(&mapped));
        }
    }

    #[test]
    fn errors_from_the_connector_are_connect_or_tls_and_not_sent() {
        let refused = tagged(
            Phase::Connect,
            ureq::Error::Io(io::ErrorKind::ConnectionRefused.into()),
        );
        assert!(
            matches!(refused, TransportError::Connect { .. }),
            "{refused:?}"
        );
        let reset = tagged(
            Phase::Connect,
            ureq::Error::Io(io::ErrorKind::ConnectionReset.into()),
        );
        assert!(matches!(reset, TransportError::Connect { .. }), "{reset:?}");
        for timeout in [
            ureq::Timeout::Connect,
            ureq::Timeout::Global,
            ureq::Timeout::PerCall,
        ] {
            let mapped = tagged(Phase::Connect, ureq::Error::Timeout(timeout));
            assert!(
                matches!(&mapped, TransportError::Connect { reason } if reason.starts_with("timed out")),
                "{mapped:?}"
            );
        }
        // Real TLS library failures (unknown issuer, host mismatch, no common version or
        // suite) are covered end to end in tests/transport.rs.
        for error in [
            ureq::Error::Other(Box::new(TlsFailure("unknown issuer".to_owned()))),
            ureq::Error::Tls("bad name"),
            ureq::Error::TlsRequired,
        ] {
            let mapped = tagged(Phase::Connect, error);
            assert!(matches!(mapped, TransportError::Tls { .. }), "{mapped:?}");
            assert!(not_sent(&mapped));
        }
    }

    #[test]
    fn a_tag_survives_nesting() {
        let inner = BeforeSend::tag(Phase::Resolve, ureq::Error::HostNotFound);
        let outer = classify(BeforeSend::tag(Phase::Connect, inner), "https://x/");
        assert!(matches!(outer, TransportError::Dns { .. }), "{outer:?}");
    }

    #[test]
    fn untagged_errors_after_connecting_are_maybe_sent() {
        let cases = [
            (
                ureq::Error::Timeout(ureq::Timeout::RecvResponse),
                TransportError::Timeout { phase: "read" },
            ),
            (
                ureq::Error::Timeout(ureq::Timeout::RecvBody),
                TransportError::Timeout { phase: "read" },
            ),
            (
                ureq::Error::Timeout(ureq::Timeout::SendBody),
                TransportError::Timeout { phase: "write" },
            ),
            (
                ureq::Error::Timeout(ureq::Timeout::Global),
                TransportError::Timeout { phase: "overall" },
            ),
        ];
        for (error, expected) in cases {
            let mapped = classify(error, "https://x/");
            assert_eq!(mapped, expected);
            assert!(!not_sent(&mapped));
        }
        let io_cases = [
            io::ErrorKind::UnexpectedEof,
            io::ErrorKind::ConnectionReset,
            io::ErrorKind::ConnectionRefused,
        ];
        for kind in io_cases {
            let mapped = classify(ureq::Error::Io(kind.into()), "https://x/");
            assert!(matches!(mapped, TransportError::Io { .. }), "{mapped:?}");
            assert!(!not_sent(&mapped));
        }
        for error in [
            ureq::Error::LargeResponseHeader(70_000, 65_536),
            ureq::Error::BodyExceedsLimit(10),
            ureq::Error::ConnectionFailed,
            ureq::Error::StatusCode(500),
        ] {
            let mapped = classify(error, "https://x/");
            assert!(
                matches!(mapped, TransportError::Protocol { .. }),
                "{mapped:?}"
            );
            assert!(!not_sent(&mapped));
        }
        let foreign = classify(
            ureq::Error::Other(Box::new(io::Error::other("x"))),
            "https://x/",
        );
        assert!(!not_sent(&foreign));
    }

    #[test]
    fn known_header_names_are_the_parsed_ones() {
        for name in [
            "content-type",
            "accept",
            "user-agent",
            "authorization",
            CLIENT_AUTH_TOKEN_HEADER,
            "x-merchantid",
            "x-routing-id",
            "v-c-merchant-id",
            "date",
            "host",
            "digest",
            "signature",
        ] {
            let parsed = match http::HeaderName::from_bytes(name.as_bytes()) {
                Ok(parsed) => parsed,
                Err(error) => panic!("{name}: {error}"),
            };
            assert_eq!(known_name(name), Some(parsed), "{name}");
        }
        assert_eq!(known_name("Accept"), None);
        assert_eq!(known_name("x-other"), None);
    }

    #[test]
    fn response_headers_take_the_first_text_value_in_list_order() {
        let mut headers = http::HeaderMap::new();
        headers.append("x-jp-request-id", http::HeaderValue::from_static("jp"));
        headers.append("x-request-id", http::HeaderValue::from_static("rid"));
        headers.append("x-request-id", http::HeaderValue::from_static("rid2"));
        headers.append("content-type", http::HeaderValue::from_static("text/plain"));
        headers.append("content-type", http::HeaderValue::from_static("text/html"));
        assert_eq!(
            response_headers(&headers),
            (Some("text/plain".to_owned()), Some("rid".to_owned()))
        );
        // A value that is not text: the next name in the list.
        let opaque = match http::HeaderValue::from_bytes(b"\xff") {
            Ok(value) => value,
            Err(error) => panic!("{error}"),
        };
        headers.insert("x-request-id", opaque);
        assert_eq!(response_headers(&headers).1, Some("jp".to_owned()));
        assert_eq!(response_headers(&http::HeaderMap::new()), (None, None));
    }

    #[test]
    fn the_config_debug_hides_the_pem() {
        let config = UreqTransportConfig {
            root_ca_pem: Some(b"-----BEGIN CERTIFICATE-----".to_vec()),
            ..UreqTransportConfig::default()
        };
        assert_eq!(
            format!("{config:?}"),
            "UreqTransportConfig { root_ca_pem: Some(\"<27 bytes>\"), timeouts: Timeouts { \
             connect: 10s, read: 30s, overall: 45s } }"
        );
    }
}
