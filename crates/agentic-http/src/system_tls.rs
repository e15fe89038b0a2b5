//! The TLS of [`UreqTransport`](crate::ureq_transport::UreqTransport): the system's TLS library
//! and trust store, with one policy on every system — **TLS 1.2 at least**, and TLS 1.2 only
//! with forward-secret AEAD suites where the SDK can choose them.
//!
//! | System | Library | TLS 1.2 suites |
//! |---|---|---|
//! | Linux and other Unix systems | OpenSSL 3 (`libssl.so.3`), through the `openssl` crate | `ECDHE+AESGCM:ECDHE+CHACHA20` only (OpenSSL's default list also has RSA key exchange and CBC suites) |
//! | Apple systems, Windows | Security.framework, SChannel, through native-tls | the system's choice (native-tls has no setting) |
//!
//! A stricter floor the system's OpenSSL configuration sets (`MinProtocol = TLSv1.3`) is kept.
//! TLS 1.3 suites are all AEAD and forward-secret; the library's defaults are kept. Trust is
//! the system's: the distribution's CA bundle (OpenSSL also honours `SSL_CERT_FILE` and
//! `SSL_CERT_DIR`), the keychain, the Windows store — including roots an administrator added.
//! Host names are checked (IP addresses against the certificate's IP entries) and sent as SNI.
//!
//! It is a ureq [`Connector`] chained after ureq's `TcpConnector` (ureq's own TLS connectors
//! are not compiled in: they cannot set a cipher list, and they panic on some inputs): for an
//! `https` URL it runs the handshake over the TCP connection within what is left of the connect
//! timeout, then hands ureq a [`Transport`] that encrypts and decrypts through the TLS stream.
//!
//! A handshake that fails because a read or a write of the TCP connection failed (a timeout, a
//! reset) reports that failure; a failure the TLS library reports (an unknown issuer, a wrong
//! host name, no common version or suite, the peer closing the connection mid-handshake) is a
//! [`TlsFailure`].

use std::fmt;
use std::io::{self, Read, Write};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use ureq::unversioned::transport::time::{Duration, Instant};
use ureq::unversioned::transport::{
    Buffers, ConnectionDetails, Connector, Either, LazyBuffers, NextTimeout, Transport,
    TransportAdapter,
};

#[cfg(not(any(target_vendor = "apple", windows)))]
use openssl_backend as backend;

#[cfg(any(target_vendor = "apple", windows))]
use native_backend as backend;

/// Wraps the chained connection in TLS when the URL is `https`.
pub(crate) struct SystemTls {
    /// `None`: the system's trust store, set up on the first `https` connection of the process.
    connector: Option<backend::Connector>,
}

impl fmt::Debug for SystemTls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SystemTls").finish_non_exhaustive()
    }
}

impl SystemTls {
    /// The system's trust store.
    pub(crate) fn system() -> Self {
        Self { connector: None }
    }

    /// DER certificates that *replace* the system's trust store (tests against a local CA).
    ///
    /// # Errors
    /// The TLS library's message: a root it cannot read, or a library that cannot be set up.
    pub(crate) fn with_roots(roots: &[Vec<u8>]) -> Result<Self, String> {
        Ok(Self {
            connector: Some(backend::connector(Some(roots))?),
        })
    }

    /// The context to connect with. The system's is set up once per process, on first use:
    /// loading the CA bundle takes tens of milliseconds and thousands of allocations that a
    /// client talking only to a loopback `http` sandbox never needs.
    fn connector(&self) -> Result<&backend::Connector, String> {
        static SYSTEM: std::sync::OnceLock<Result<backend::Connector, String>> =
            std::sync::OnceLock::new();
        match &self.connector {
            Some(connector) => Ok(connector),
            None => SYSTEM
                .get_or_init(|| backend::connector(None))
                .as_ref()
                .map_err(|reason| format!("the system's TLS could not be set up: {reason}")),
        }
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
        if host.is_empty() {
            // OpenSSL skips the name check for an empty name: never hand it one.
            return Err(tls_failure("the URL has no host to check".to_owned()));
        }

        let connector = self.connector().map_err(tls_failure)?;
        let mut adapter = TransportAdapter::new(transport.boxed(), details.current_time.clone());
        adapter.set_timeout(left_of(details));
        let io = KeepFailure {
            inner: adapter,
            failure: Arc::new(Mutex::new(None)),
        };
        let failure = Arc::clone(&io.failure);
        match backend::handshake(connector, host, io) {
            Ok(stream) => {
                // A failure the library recovered from must not be reported later.
                take(&failure);
                Ok(Some(Either::B(TlsTransport {
                    buffers: LazyBuffers::new(
                        details.config.input_buffer_size(),
                        details.config.output_buffer_size(),
                    ),
                    stream,
                })))
            }
            Err(reason) => Err(take(&failure).unwrap_or_else(|| tls_failure(reason))),
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

fn tls_failure(reason: String) -> ureq::Error {
    ureq::Error::Other(Box::new(TlsFailure(reason)))
}

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
pub(crate) struct KeepFailure {
    inner: TransportAdapter,
    failure: Failure,
}

impl fmt::Debug for KeepFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeepFailure").finish_non_exhaustive()
    }
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
    stream: backend::Stream,
}

impl fmt::Debug for TlsTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsTransport").finish_non_exhaustive()
    }
}

impl TlsTransport {
    fn io(&mut self) -> &mut KeepFailure {
        self.stream.get_mut()
    }

    /// Starts an operation: its timeout, and no failure left over from an earlier one.
    fn begin(&mut self, timeout: NextTimeout) {
        let io = self.io();
        io.inner.set_timeout(timeout);
        take(&io.failure);
    }

    /// The transport's own failure first (it says more), then the TLS library's.
    fn failure(&mut self, error: io::Error) -> ureq::Error {
        take(&self.io().failure).unwrap_or_else(|| ureq::Error::from(error))
    }
}

impl Transport for TlsTransport {
    fn buffers(&mut self) -> &mut dyn Buffers {
        &mut self.buffers
    }

    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), ureq::Error> {
        self.begin(timeout);
        let output = &self.buffers.output()[..amount];
        match self.stream.write_all(output) {
            Ok(()) => Ok(()),
            Err(error) => Err(self.failure(error)),
        }
    }

    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        self.begin(timeout);
        let input = self.buffers.input_append_buf();
        match self.stream.read(input) {
            Ok(amount) => {
                // The TLS library reports some transport failures as the end of the stream.
                if amount == 0
                    && let Some(failure) = take(&self.io().failure)
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
        self.io().inner.get_mut().is_open()
    }

    fn is_tls(&self) -> bool {
        true
    }
}

/// OpenSSL, through the `openssl` crate: the library native-tls would use here, with the
/// cipher list set.
#[cfg(not(any(target_vendor = "apple", windows)))]
mod openssl_backend {
    use openssl::ssl::{HandshakeError, SslConnector, SslMethod, SslStream, SslVersion};
    use openssl::x509::X509;
    use openssl::x509::store::X509StoreBuilder;

    use super::KeepFailure;

    pub(super) type Connector = SslConnector;
    pub(super) type Stream = SslStream<KeepFailure>;

    /// TLS 1.2 suites: ECDHE key exchange (forward secrecy) with AES-GCM or ChaCha20-Poly1305.
    const TLS12_SUITES: &str = "ECDHE+AESGCM:ECDHE+CHACHA20";

    pub(super) fn connector(roots: Option<&[Vec<u8>]>) -> Result<Connector, String> {
        let text = |e: openssl::error::ErrorStack| e.to_string();
        // Loads the system's trust store (`set_default_verify_paths`) and checks peers.
        let mut builder = SslConnector::builder(SslMethod::tls_client()).map_err(text)?;
        // Raise the floor to TLS 1.2, but keep a stricter one the system's OpenSSL configuration
        // sets (`MinProtocol = TLSv1.3`).
        if builder.min_proto_version() != Some(SslVersion::TLS1_3) {
            builder
                .set_min_proto_version(Some(SslVersion::TLS1_2))
                .map_err(text)?;
        }
        builder.set_cipher_list(TLS12_SUITES).map_err(text)?;
        if let Some(roots) = roots {
            let mut store = X509StoreBuilder::new().map_err(text)?;
            for der in roots {
                store
                    .add_cert(X509::from_der(der).map_err(text)?)
                    .map_err(text)?;
            }
            builder.set_cert_store(store.build());
        }
        Ok(builder.build())
    }

    pub(super) fn handshake(
        connector: &Connector,
        host: &str,
        io: KeepFailure,
    ) -> Result<Stream, String> {
        // `configure` turns on SNI and the host name (or IP address) check.
        let config = connector.configure().map_err(|e| e.to_string())?;
        config.connect(host, io).map_err(|error| match error {
            HandshakeError::SetupFailure(e) => e.to_string(),
            // "the handshake failed: …", with the certificate check's verdict when it failed.
            error => error.to_string(),
        })
    }
}

/// Security.framework or SChannel, through native-tls (which has no cipher setting).
#[cfg(any(target_vendor = "apple", windows))]
mod native_backend {
    use native_tls::{Certificate, HandshakeError, Protocol, TlsConnector, TlsStream};

    use super::KeepFailure;

    pub(super) type Connector = TlsConnector;
    pub(super) type Stream = TlsStream<KeepFailure>;

    pub(super) fn connector(roots: Option<&[Vec<u8>]>) -> Result<Connector, String> {
        let mut builder = TlsConnector::builder();
        builder.min_protocol_version(Some(Protocol::Tlsv12));
        if let Some(roots) = roots {
            builder.disable_built_in_roots(true);
            for der in roots {
                // `from_der`, not `from_pem`: the latter panics on iOS.
                builder
                    .add_root_certificate(Certificate::from_der(der).map_err(|e| e.to_string())?);
            }
        }
        builder.build().map_err(|e| e.to_string())
    }

    pub(super) fn handshake(
        connector: &Connector,
        host: &str,
        io: KeepFailure,
    ) -> Result<Stream, String> {
        connector.connect(host, io).map_err(|error| match error {
            HandshakeError::Failure(e) => e.to_string(),
            // The stream blocks: a handshake never stops half-way.
            HandshakeError::WouldBlock(_) => "the handshake stalled".to_owned(),
        })
    }
}
