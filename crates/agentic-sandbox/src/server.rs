//! The sandbox's own HTTP/1.1 server: an accept loop over hyper instead of `axum::serve`, so
//! that it can
//!
//! - count every accepted TCP connection ([`Counters::connections_accepted`]);
//! - drop a connection without answering when a handler's response carries
//!   [`AbortConnection`] (the `connection_reset` and `timeout_after_commit` faults): the hyper
//!   service returns an error, hyper closes the connection without writing a byte, and the
//!   socket is closed with `SO_LINGER 0`, so the client sees a TCP reset;
//! - shut down within a bounded time even when faults keep requests hanging.
//!
//! [`Counters::connections_accepted`]: crate::state::Counters::connections_accepted

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;
use tower::ServiceExt as _;

use crate::faults::{AbortConnection, ShutdownSignal};
use crate::state::{Counters, Shared};

/// How long shutdown waits for connections still answering before dropping them.
pub(crate) const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);

/// The largest request body the sandbox reads.
const MAX_REQUEST_BODY: usize = 2 << 20;

/// `413` for a body over [`MAX_REQUEST_BODY`] (or one the client stopped sending).
fn too_large() -> Response {
    let mut response = Response::new(axum::body::Body::from(
        r#"{"error":"request body too large or incomplete"}"#,
    ));
    *response.status_mut() = StatusCode::PAYLOAD_TOO_LARGE;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

/// The error a connection's service returns to make hyper drop the connection unanswered.
#[derive(Debug)]
struct Aborted;

impl std::fmt::Display for Aborted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by a sandbox fault")
    }
}

impl std::error::Error for Aborted {}

/// Serves `app` on `listener` until `shutdown` turns `true`, then lets open connections finish
/// for at most [`SHUTDOWN_GRACE`] and drops the rest.
pub(crate) async fn serve(
    listener: TcpListener,
    app: Router,
    shared: Arc<Shared>,
    shutdown: watch::Receiver<bool>,
) {
    let mut connections = JoinSet::new();
    let mut stop = shutdown.clone();
    loop {
        tokio::select! {
            () = stopped(&mut stop) => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => {
                    Counters::bump(&shared.counters.connections_accepted);
                    let _ = stream.set_nodelay(true);
                    connections.spawn(connection(stream, app.clone(), shutdown.clone()));
                }
                Err(error) => {
                    // Out of file descriptors and the like: back off instead of spinning.
                    tracing::warn!(%error, "sandbox: accept failed");
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            },
        }
    }
    drop(listener);
    let drained = tokio::time::timeout(SHUTDOWN_GRACE, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::debug!(
            left = connections.len(),
            "sandbox: dropping connections still open at shutdown"
        );
    }
    connections.abort_all();
}

/// Resolves once `shutdown` holds `true` (or its sender is gone).
async fn stopped(shutdown: &mut watch::Receiver<bool>) {
    let _ = shutdown.wait_for(|stopped| *stopped).await;
}

/// One connection: HTTP/1.1 with keep-alive, closed gracefully at shutdown.
async fn connection(stream: TcpStream, app: Router, shutdown: watch::Receiver<bool>) {
    let reset = Arc::new(AtomicBool::new(false));
    let io = TokioIo::new(ConnectionStream {
        inner: stream,
        reset: Arc::clone(&reset),
    });
    let signal = ShutdownSignal::new(shutdown.clone());
    let service = hyper::service::service_fn(move |request: Request<Incoming>| {
        let app = app.clone();
        let reset = Arc::clone(&reset);
        let signal = signal.clone();
        async move {
            // The whole body is read before routing: a handler or fault that ignores the body
            // would otherwise make hyper close the connection when the body arrives after the
            // head (keep-alive would then depend on packet timing).
            let (parts, body) = request.into_parts();
            let Ok(body) =
                axum::body::to_bytes(axum::body::Body::new(body), MAX_REQUEST_BODY).await
            else {
                return Ok(too_large());
            };
            let mut request = Request::from_parts(parts, axum::body::Body::from(body));
            request.extensions_mut().insert(signal);
            let response = match app.oneshot(request).await {
                Ok(response) => response,
                Err(never) => match never {},
            };
            if response.extensions().get::<AbortConnection>().is_some() {
                reset.store(true, Ordering::SeqCst);
                return Err(Aborted);
            }
            Ok::<_, Aborted>(response)
        }
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder.timer(TokioTimer::new()).keep_alive(true);
    let connection = builder.serve_connection(io, service);
    tokio::pin!(connection);
    let mut stop = shutdown;
    tokio::select! {
        _ = connection.as_mut() => {}
        () = stopped(&mut stop) => {
            connection.as_mut().graceful_shutdown();
            let _ = connection.await;
        }
    }
}

/// The TCP stream of one connection; closed with a reset (`SO_LINGER 0`) once a fault asked
/// for it.
struct ConnectionStream {
    inner: TcpStream,
    reset: Arc<AtomicBool>,
}

impl Drop for ConnectionStream {
    fn drop(&mut self) {
        if self.reset.load(Ordering::SeqCst) {
            // A zero linger makes close() send RST instead of FIN; if it cannot be set the
            // client still sees the connection close without an answer.
            let _ = self.inner.set_zero_linger();
        }
    }
}

impl AsyncRead for ConnectionStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for ConnectionStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}
