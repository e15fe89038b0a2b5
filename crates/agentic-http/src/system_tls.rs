//! The TLS of [`UreqTransport`](crate::ureq_transport::UreqTransport): the system's TLS library
//! through native-tls (OpenSSL 3 on Linux, Security.framework on Apple systems, SChannel on
//! Windows) and the system's trust store, with **TLS 1.2 as the floor on every system**.
//!
//! ureq's own native-tls connector leaves native-tls's floor at TLS 1.0 and has no setting for
//! it, so this connector replaces it. It is a ureq [`Connector`] chained after ureq's
//! `TcpConnector`: for an `https` URL it runs the handshake over the TCP connection within what
//! is left of the connect timeout, then hands ureq a [`Transport`] that encrypts and decrypts
//! through the TLS stream.
//!
//! A handshake that fails because the connection failed (a timeout, a reset) reports that
//! failure, as ureq's own connectors do; any other handshake failure (an unknown issuer, a
//! wrong host name, no common protocol version) is a [`TlsFailure`].

use std::fmt;
use std::io::{self, Read, Write};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use native_tls::{Certificate, HandshakeError, Protocol, TlsConnector, TlsStream};
use ureq::unversioned::transport::time::{Duration, Instant};
use ureq::unversioned::transport::{
    Buffers, ConnectionDetails, Connector, Either, LazyBuffers, NextTimeout, Transport,
    TransportAdapter,
};

/// Wraps the chained connection in TLS 1.2 or newer when the URL is `https`.
pub(crate) struct SystemTls {
    /// Built once: native-tls's connector holds the configured library context (cheap to share).
    connector: TlsConnector,
}

impl fmt::Debug for SystemTls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SystemTls").finish_non_exhaustive()
    }
}

impl SystemTls {
    /// `roots`: certificates that *replace* the system's trust store (tests against a local
    /// CA); `None` trusts what the system trusts.
    pub(crate) fn new(roots: Option<Vec<Certificate>>) -> Result<Self, native_tls::Error> {
        let mut builder = TlsConnector::builder();
        builder.min_protocol_version(Some(Protocol::Tlsv12));
        if let Some(roots) = roots {
            builder.disable_built_in_roots(true);
            for root in roots {
                builder.add_root_certificate(root);
            }
        }
        Ok(Self {
            connector: builder.build()?,
        })
    }
}

impl<In: Transport> Connector<In> for SystemTls {
    type Out = Either<In, TlsTransport>;

    fn connect(
        &self,
        details: &ConnectionDetails,
        chained: Option<In>,
    ) -> Result<Option<Self::Out>, ureq::Error> {
        let Some(transport) = chained else {
            return Ok(None);
        };
        if !details.needs_tls() || transport.is_tls() {
            return Ok(Some(Either::A(transport)));
        }
        let host = details.uri.host().unwrap_or_default();
        let host = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host);

        let mut adapter = TransportAdapter::new(transport.boxed(), details.current_time.clone());
        adapter.set_timeout(left_of(details));
        let failure = Arc::new(Mutex::new(None));
        let stream = KeepFailure {
            inner: adapter,
            failure: Arc::clone(&failure),
        };
        match self.connector.connect(host, stream) {
            Ok(stream) => Ok(Some(Either::B(TlsTransport {
                buffers: LazyBuffers::new(
                    details.config.input_buffer_size(),
                    details.config.output_buffer_size(),
                ),
                stream,
            }))),
            Err(error) => Err(take(&failure).unwrap_or_else(|| match error {
                HandshakeError::Failure(error) => {
                    ureq::Error::Other(Box::new(TlsFailure(error.to_string())))
                }
                // The adapter blocks: a handshake never stops half-way.
                HandshakeError::WouldBlock(_) => {
                    ureq::Error::Other(Box::new(TlsFailure("the handshake stalled".to_owned())))
                }
            })),
        }
    }
}

/// The connect timeout minus the time the TCP connection already took: the handshake counts
/// against the same `connect` budget.
fn left_of(details: &ConnectionDetails) -> NextTimeout {
    let mut timeout = details.timeout;
    if let (Duration::Exact(limit), Instant::Exact(started), Instant::Exact(now)) =
        (timeout.after, details.now, (details.current_time)())
    {
        timeout.after =
            Duration::Exact(limit.saturating_sub(now.saturating_duration_since(started)));
    }
    timeout
}

/// A handshake that failed for a TLS reason; the message is the TLS library's.
#[derive(Debug)]
pub(crate) struct TlsFailure(pub(crate) String);

impl fmt::Display for TlsFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TlsFailure {}

/// The last transport failure under the TLS stream. The TLS library sees only a stand-in I/O
/// error; ureq gets the original (a timeout stays a timeout).
type Failure = Arc<Mutex<Option<ureq::Error>>>;

fn lock(failure: &Failure) -> MutexGuard<'_, Option<ureq::Error>> {
    failure.lock().unwrap_or_else(PoisonError::into_inner)
}

fn take(failure: &Failure) -> Option<ureq::Error> {
    lock(failure).take()
}

/// The TCP transport as the `Read + Write` stream the TLS library wants, keeping ureq's error
/// of any failed read or write.
struct KeepFailure {
    inner: TransportAdapter,
    failure: Failure,
}

impl KeepFailure {
    fn keep(&self, error: io::Error) -> io::Error {
        *lock(&self.failure) = Some(ureq::Error::from(error));
        io::Error::other("the connection failed")
    }
}

impl Read for KeepFailure {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf).map_err(|e| self.keep(e))
    }
}

impl Write for KeepFailure {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.inner.write(buf).map_err(|e| self.keep(e))
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush().map_err(|e| self.keep(e))
    }
}

/// An established TLS connection, as ureq sends and receives through it.
pub(crate) struct TlsTransport {
    buffers: LazyBuffers,
    stream: TlsStream<KeepFailure>,
}

impl fmt::Debug for TlsTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsTransport").finish_non_exhaustive()
    }
}

impl TlsTransport {
    /// The transport's own failure first (it says more), then the TLS library's.
    fn failure(&self, error: io::Error) -> ureq::Error {
        take(&self.stream.get_ref().failure).unwrap_or_else(|| ureq::Error::from(error))
    }
}

impl Transport for TlsTransport {
    fn buffers(&mut self) -> &mut dyn Buffers {
        &mut self.buffers
    }

    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), ureq::Error> {
        self.stream.get_mut().inner.set_timeout(timeout);
        let output = &self.buffers.output()[..amount];
        match self.stream.write_all(output) {
            Ok(()) => Ok(()),
            Err(error) => Err(self.failure(error)),
        }
    }

    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        self.stream.get_mut().inner.set_timeout(timeout);
        let input = self.buffers.input_append_buf();
        match self.stream.read(input) {
            Ok(amount) => {
                // The TLS library reports some transport failures as the end of the stream.
                if amount == 0
                    && let Some(failure) = take(&self.stream.get_ref().failure)
                {
                    return Err(failure);
                }
                self.buffers.input_appended(amount);
                Ok(amount > 0)
            }
            Err(error) => Err(self.failure(error)),
        }
    }

    fn is_open(&mut self) -> bool {
        self.stream.get_mut().inner.get_mut().is_open()
    }

    fn is_tls(&self) -> bool {
        true
    }
}
