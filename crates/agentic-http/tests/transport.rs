//! `UreqTransport` against loopback servers: exact requests, every status returned, the TLS
//! policy (custom CA, unknown CA, non-loopback http, redirects), timeouts, failure
//! classification (never sent / maybe sent), keep-alive and concurrency.

#[path = "support/server.rs"]
mod server;

use std::thread;
use std::time::{Duration, Instant};

use agentic_core::journey::TransportFailure;
use agentic_core::secret::SecretBytes;
use agentic_core::wire::Method;
use agentic_http::ureq_transport::{
    MAX_RESPONSE_BODY, UreqTransport, UreqTransportBuildError, UreqTransportConfig,
};
use agentic_http::{HeaderValue, Timeouts, Transport, TransportError, WireRequest};
use secrecy::SecretString;
use server::{Action, Pki, Reply, SilentServer, TestServer, closed_port_url};

const AUTH_CANARY: &str = "Basic c2stY2FuYXJ5LTRmOWE6";
const BODY_CANARY: &str = "otp=739184&card=4111111111111111";

fn transport() -> UreqTransport {
    UreqTransport::new(UreqTransportConfig::default()).expect("transport")
}

fn tls_transport(pki: &Pki) -> UreqTransport {
    UreqTransport::new(UreqTransportConfig {
        root_ca_pem: Some(pki.ca_pem()),
        ..UreqTransportConfig::default()
    })
    .expect("transport")
}

/// Short timeouts so failure tests stay well under a second.
/// For the tests whose expected outcome is a timeout: short enough to keep them quick.
fn short() -> Timeouts {
    Timeouts {
        connect: Duration::from_millis(300),
        read: Duration::from_millis(300),
        overall: Duration::from_millis(1500),
    }
}

/// For every other test: on a loaded CI machine running a debug build, a TLS handshake with the
/// debug-built test server or 10 MiB through the body reader must never turn the expected
/// outcome into a timeout.
fn roomy() -> Timeouts {
    Timeouts {
        connect: Duration::from_secs(10),
        read: Duration::from_secs(20),
        overall: Duration::from_secs(30),
    }
}

fn post(url: &str) -> WireRequest {
    WireRequest {
        method: Method::Post,
        url: url.to_owned(),
        headers: vec![
            (
                "user-agent".into(),
                HeaderValue::Public("agentic-sdk/0.1.0".into()),
            ),
            (
                "accept".into(),
                HeaderValue::Public("application/json".into()),
            ),
            (
                "content-type".into(),
                HeaderValue::Public("application/x-www-form-urlencoded".into()),
            ),
            (
                "authorization".into(),
                HeaderValue::Secret(SecretString::from(AUTH_CANARY)),
            ),
            (
                "x-merchantid".into(),
                HeaderValue::Public("merchant_7".into()),
            ),
        ],
        body: SecretBytes::new(BODY_CANARY.as_bytes().to_vec()),
        operation: "test.post",
    }
}

fn get(url: &str) -> WireRequest {
    WireRequest {
        method: Method::Get,
        url: url.to_owned(),
        headers: vec![(
            "accept".into(),
            HeaderValue::Public("application/json".into()),
        )],
        body: SecretBytes::new(Vec::new()),
        operation: "test.get",
    }
}

fn is_not_sent(error: &TransportError) -> bool {
    matches!(error.failure(), TransportFailure::NotSent { .. })
}

/// Neither the error's message nor its `Debug` shows a secret of [`post`].
fn assert_no_secrets(error: &TransportError) {
    for text in [
        error.to_string(),
        format!("{error:?}"),
        format!("{:?}", error.failure()),
    ] {
        assert!(
            !text.contains(AUTH_CANARY) && !text.contains("739184") && !text.contains("4111"),
            "{text}"
        );
    }
}

fn sorted(mut headers: Vec<(String, String)>) -> Vec<(String, String)> {
    headers.sort();
    headers
}

// --- plain http to loopback -----------------------------------------------------------------

#[test]
fn plain_http_to_loopback_sends_exactly_the_request() {
    let server = TestServer::http();
    server.push(Reply::json(200, r#"{"status":"ok"}"#));
    let url = server.url("/v2/txns?order_id=ord_1");

    let response = transport().send(&post(&url), &roomy()).expect("response");
    assert_eq!(response.status, 200);

    let seen = server.requests();
    assert_eq!(seen.len(), 1);
    let request = &seen[0];
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, "/v2/txns?order_id=ord_1");
    assert_eq!(request.body, BODY_CANARY.as_bytes());
    let port = server.addr().port();
    let expected: Vec<(String, String)> = [
        ("user-agent", "agentic-sdk/0.1.0".to_owned()),
        ("accept", "application/json".to_owned()),
        (
            "content-type",
            "application/x-www-form-urlencoded".to_owned(),
        ),
        ("authorization", AUTH_CANARY.to_owned()),
        ("x-merchantid", "merchant_7".to_owned()),
        ("host", format!("127.0.0.1:{port}")),
        ("content-length", BODY_CANARY.len().to_string()),
    ]
    .into_iter()
    .map(|(n, v)| (n.to_owned(), v))
    .collect();
    // Nothing added by ureq beyond host and content-length (no ureq user-agent, no
    // accept-encoding), nothing duplicated.
    assert_eq!(sorted(request.headers.clone()), sorted(expected));
}

#[test]
fn get_without_body_sends_no_body_headers() {
    let server = TestServer::http();
    server.push(Reply::json(200, "{}"));
    transport()
        .send(&get(&server.url("/orders/ord_1")), &roomy())
        .expect("response");

    let request = &server.requests()[0];
    assert_eq!(
        (request.method.as_str(), request.path.as_str()),
        ("GET", "/orders/ord_1")
    );
    assert_eq!(request.header("content-length"), None);
    assert_eq!(request.header("transfer-encoding"), None);
    assert!(request.body.is_empty());
}

#[test]
fn an_explicit_host_header_is_sent_once_as_given_and_framing_headers_are_the_transports() {
    let server = TestServer::http();
    server.push(Reply::json(200, "{}"));
    let mut request = post(&server.url("/pts/v2/payments"));
    request.headers.push((
        "host".into(),
        HeaderValue::Public("apitest.cybersource.com".into()),
    ));
    request
        .headers
        .push(("content-length".into(), HeaderValue::Public("9999".into())));
    transport().send(&request, &roomy()).expect("response");

    let seen = &server.requests()[0];
    assert_eq!(seen.headers_named("host"), ["apitest.cybersource.com"]);
    assert_eq!(
        seen.headers_named("content-length"),
        [BODY_CANARY.len().to_string()]
    );
    assert_eq!(seen.body, BODY_CANARY.as_bytes());
}

#[test]
fn every_status_is_returned_with_body_content_type_and_request_id() {
    let server = TestServer::http();
    server.push(Reply::json(200, r#"{"ok":true}"#).header("x-request-id", "req-200"));
    server.push(
        Reply::json(404, r#"{"error_code":"not_found"}"#).header("x-jp-request-id", "jp-404"),
    );
    server.push(
        Reply::new(500)
            .header("content-type", "text/html; charset=utf-8")
            .header("x-request-id", "req-500")
            .header("v-c-correlation-id", "corr-500")
            .body("<html>oops</html>"),
    );
    server.push(Reply::new(204));
    let transport = transport();
    let url = server.url("/x");

    let ok = transport.send(&post(&url), &roomy()).expect("200");
    assert_eq!(
        (
            ok.status,
            ok.content_type.as_deref(),
            ok.request_id.as_deref()
        ),
        (200, Some("application/json"), Some("req-200"))
    );
    assert_eq!(ok.body.as_slice(), br#"{"ok":true}"#);

    let missing = transport.send(&post(&url), &roomy()).expect("404");
    assert_eq!(
        (missing.status, missing.request_id.as_deref()),
        (404, Some("jp-404"))
    );
    assert_eq!(missing.body.as_slice(), br#"{"error_code":"not_found"}"#);

    // The first of REQUEST_ID_HEADERS present wins (v-c-correlation-id before x-request-id).
    let failed = transport.send(&post(&url), &roomy()).expect("500");
    assert_eq!(failed.status, 500);
    assert_eq!(
        failed.content_type.as_deref(),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(failed.request_id.as_deref(), Some("corr-500"));
    assert_eq!(failed.body.as_slice(), b"<html>oops</html>");

    let empty = transport.send(&get(&url), &roomy()).expect("204");
    assert_eq!(
        (
            empty.status,
            empty.content_type,
            empty.request_id,
            empty.body.len()
        ),
        (204, None, None, 0)
    );
}

// --- TLS --------------------------------------------------------------------------------------

#[test]
fn tls_with_the_test_ca_as_root_succeeds_and_reuses_the_connection() {
    let pki = Pki::generate();
    let server = TestServer::https(&pki);
    server.set_fallback(Reply::json(200, r#"{"tls":true}"#));
    let transport = tls_transport(&pki);

    for _ in 0..3 {
        let response = transport
            .send(&post(&server.url("/secure")), &roomy())
            .expect("response");
        assert_eq!(
            (response.status, response.body.as_slice()),
            (200, br#"{"tls":true}"#.as_slice())
        );
    }
    let seen = server.requests();
    assert_eq!(seen.len(), 3);
    assert_eq!(seen[0].header("authorization"), Some(AUTH_CANARY));
    assert_eq!(seen[0].body, BODY_CANARY.as_bytes());
    assert_eq!(server.connections(), 1);
}

#[test]
fn tls_with_an_unknown_ca_is_refused_before_sending() {
    let pki = Pki::generate();
    let server = TestServer::https(&pki);
    server.set_fallback(Reply::json(200, "{}"));

    // The system's roots: the test CA is unknown.
    let error = transport()
        .send(&post(&server.url("/secure")), &roomy())
        .expect_err("unknown issuer");
    assert!(
        matches!(&error, TransportError::Tls { reason } if reason.contains("certificate verify failed")),
        "{error:?}"
    );
    assert!(is_not_sent(&error));
    assert_no_secrets(&error);

    // Another CA as root: refused the same way.
    let other = Pki::generate();
    let error = tls_transport(&other)
        .send(&post(&server.url("/secure")), &roomy())
        .expect_err("other CA");
    assert!(matches!(error, TransportError::Tls { .. }), "{error:?}");

    assert!(server.connections() >= 1);
    assert!(
        server.requests().is_empty(),
        "the server must never see an HTTP request"
    );
}

/// `openssl s_server -www` on a free loopback port with `pki`'s leaf and the given protocol and
/// cipher options: it answers any `GET` with a status page. Protocols and suites the rustls
/// test server cannot offer (TLS 1.1, RSA key exchange).
struct OpenSslServer {
    child: std::process::Child,
    port: u16,
    _dir: TempDir,
}

impl OpenSslServer {
    fn start(pki: &Pki, options: &[&str]) -> Self {
        use std::io::BufRead;
        let dir = TempDir::new("openssl");
        let (leaf, key) = pki.leaf_pems();
        let leaf_path = dir.0.join("leaf.pem");
        let key_path = dir.0.join("key.pem");
        std::fs::write(&leaf_path, leaf).expect("leaf");
        std::fs::write(&key_path, key).expect("key");
        let mut child = std::process::Command::new("openssl")
            .args(["s_server", "-accept", "127.0.0.1:0", "-www", "-cert"])
            .arg(&leaf_path)
            .arg("-key")
            .arg(&key_path)
            .args(options)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("the openssl command (Debian package openssl)");
        let stdout = child.stdout.take().expect("stdout");
        let port = std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .find_map(|line| {
                line.strip_prefix("ACCEPT 127.0.0.1:")
                    .and_then(|p| p.trim().parse().ok())
            })
            .expect("openssl s_server printed its port");
        Self {
            child,
            port,
            _dir: dir,
        }
    }

    fn url(&self) -> String {
        format!("https://127.0.0.1:{}/", self.port)
    }
}

impl Drop for OpenSslServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct TempDir(std::path::PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path =
            std::env::temp_dir().join(format!("agentic-http-{name}-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&path).expect("temp dir");
        Self(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn a_server_without_tls_1_2_is_refused_before_sending() {
    let pki = Pki::generate();
    // `SECLEVEL=0`: OpenSSL 3 offers TLS 1.1 at security level 0 only.
    let server = OpenSslServer::start(&pki, &["-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0"]);
    let error = tls_transport(&pki)
        .send(&post(&server.url()), &roomy())
        .expect_err("TLS 1.1 only");
    // The SDK offers TLS 1.2 and 1.3 only, so the server answers with a `protocol_version`
    // alert.
    assert!(
        matches!(&error, TransportError::Tls { reason } if reason.contains("alert protocol version")),
        "{error:?}"
    );
    assert!(is_not_sent(&error));
    assert_no_secrets(&error);
}

// OpenSSL's policy: on Apple systems and Windows the SDK uses the system's TLS through
// native-tls, which sets neither the suites nor reads openssl.cnf.
#[cfg(not(any(target_vendor = "apple", windows)))]
#[test]
fn a_system_floor_of_tls_1_3_is_kept() {
    /// Set in the child process.
    const CHILD_CHECKS_TLS13_FLOOR: &str = "AGENTIC_TEST_TLS13_FLOOR";
    let pki = Pki::generate();
    let server = OpenSslServer::start(&pki, &["-tls1_2"]);
    if std::env::var_os(CHILD_CHECKS_TLS13_FLOOR).is_some() {
        // In a process whose OpenSSL read `MinProtocol = TLSv1.3` at start-up: the SDK's TLS 1.2
        // floor must not lower it, so a TLS 1.2 server is refused.
        let error = tls_transport(&pki)
            .send(&get(&server.url()), &roomy())
            .expect_err("the system asks for TLS 1.3");
        assert!(matches!(error, TransportError::Tls { .. }), "{error:?}");
        assert!(is_not_sent(&error));
        return;
    }
    // Without that configuration TLS 1.2 is accepted...
    let response = tls_transport(&pki)
        .send(&get(&server.url()), &roomy())
        .expect("TLS 1.2");
    assert_eq!(response.status, 200);
    // ...and with it, in a fresh process (OpenSSL reads its configuration once), it is not.
    let dir = TempDir::new("openssl-conf");
    let conf = dir.0.join("openssl.cnf");
    std::fs::write(
        &conf,
        "openssl_conf = init\n[init]\nssl_conf = ssl\n[ssl]\nsystem_default = floor\n\
         [floor]\nMinProtocol = TLSv1.3\n",
    )
    .expect("openssl.cnf");
    let child = std::process::Command::new(std::env::current_exe().expect("test binary"))
        .args([
            "--exact",
            "a_system_floor_of_tls_1_3_is_kept",
            "--test-threads=1",
        ])
        .env(CHILD_CHECKS_TLS13_FLOOR, "1")
        .env("OPENSSL_CONF", &conf)
        .output()
        .expect("child test process");
    let out = String::from_utf8_lossy(&child.stdout);
    assert!(
        child.status.success() && out.contains("1 passed"),
        "{out}{}",
        String::from_utf8_lossy(&child.stderr)
    );
}

// OpenSSL's policy: on Apple systems and Windows the SDK uses the system's TLS through
// native-tls, which sets neither the suites nor reads openssl.cnf.
#[cfg(not(any(target_vendor = "apple", windows)))]
#[test]
fn tls_1_2_needs_forward_secret_aead_suites() {
    let pki = Pki::generate();
    // TLS 1.2 with ECDHE and AES-GCM: accepted (the server's status page comes back).
    let good = OpenSslServer::start(
        &pki,
        &["-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256"],
    );
    let response = tls_transport(&pki)
        .send(&get(&good.url()), &roomy())
        .expect("TLS 1.2 with ECDHE-ECDSA-AES128-GCM-SHA256");
    assert_eq!(response.status, 200);

    // CBC suites (OpenSSL's default list offers them): not offered, so the server finds no
    // shared suite and the handshake fails before anything is sent. (RSA key exchange, without
    // forward secrecy, is left out the same way; the test CA's keys are ECDSA.)
    for suite in ["ECDHE-ECDSA-AES128-SHA", "ECDHE-ECDSA-AES256-SHA384"] {
        let weak = OpenSslServer::start(&pki, &["-tls1_2", "-cipher", suite]);
        let error = tls_transport(&pki)
            .send(&get(&weak.url()), &roomy())
            .expect_err(suite);
        assert!(
            matches!(&error, TransportError::Tls { reason } if reason.contains("handshake failure")),
            "{suite}: {error:?}"
        );
        assert!(is_not_sent(&error), "{suite}");
    }
}

#[test]
fn a_certificate_for_another_host_is_refused_before_sending() {
    let pki = Pki::generate_for(&["api.example.com", "10.9.8.7"]);
    let server = TestServer::https(&pki);
    server.set_fallback(Reply::json(200, "{}"));
    let error = tls_transport(&pki)
        .send(&post(&server.url("/secure")), &roomy())
        .expect_err("the certificate names other hosts");
    assert!(
        matches!(&error, TransportError::Tls { reason } if reason.contains("mismatch")),
        "{error:?}"
    );
    assert!(is_not_sent(&error));
    assert!(server.requests().is_empty());
}

#[test]
fn a_stalled_tls_handshake_times_out_as_not_sent() {
    let silent = SilentServer::start();
    let started = Instant::now();
    let error = transport()
        .send(&post(&silent.url("https", "/")), &short())
        .expect_err("handshake stalls");
    assert!(
        matches!(&error, TransportError::Connect { reason } if reason.contains("timed out")),
        "{error:?}"
    );
    assert!(is_not_sent(&error));
    assert!(
        started.elapsed() < Duration::from_millis(1200),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn root_ca_pem_must_hold_a_usable_certificate() {
    let none = UreqTransport::new(UreqTransportConfig {
        root_ca_pem: Some(b"not a pem".to_vec()),
        ..UreqTransportConfig::default()
    });
    assert_eq!(none.err(), Some(UreqTransportBuildError::NoRootCertificate));

    let garbage = b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n".to_vec();
    let invalid = UreqTransport::new(UreqTransportConfig {
        root_ca_pem: Some(garbage),
        ..UreqTransportConfig::default()
    });
    assert!(
        matches!(
            invalid,
            Err(UreqTransportBuildError::InvalidRootCertificate { .. })
        ),
        "{invalid:?}"
    );

    // Several certificates are accepted.
    let mut two = Pki::generate().ca_pem();
    two.extend(Pki::generate().ca_pem());
    assert!(
        UreqTransport::new(UreqTransportConfig {
            root_ca_pem: Some(two),
            ..UreqTransportConfig::default()
        })
        .is_ok()
    );
}

// --- URL policy and redirects -----------------------------------------------------------------

#[test]
fn plain_http_to_a_non_loopback_host_is_refused_without_touching_the_network() {
    let transport = transport();
    // Long timeouts: had the transport tried DNS or TCP, this would not return at once.
    let patient = Timeouts {
        connect: Duration::from_secs(30),
        read: Duration::from_secs(30),
        overall: Duration::from_secs(60),
    };
    for url in [
        "http://example.invalid/",
        "http://10.255.255.1/txns",
        "http://127.0.0.1.nip.io/",
        "ftp://127.0.0.1/x",
    ] {
        let started = Instant::now();
        let error = transport.send(&post(url), &patient).expect_err(url);
        assert_eq!(
            error,
            TransportError::InsecureUrl {
                url: url.to_owned()
            }
        );
        assert!(is_not_sent(&error));
        // Far below the 30 s a DNS or TCP attempt could take, far above a stall of a loaded
        // 2-core CI machine.
        assert!(
            started.elapsed() < Duration::from_millis(1000),
            "{url}: {:?}",
            started.elapsed()
        );
    }
}

#[test]
fn a_redirect_is_refused_and_not_followed() {
    let server = TestServer::http();
    let elsewhere = server.url("/elsewhere");
    server.push(Reply::redirect(302, &elsewhere).body("moved"));
    server.push(Reply::redirect(307, &elsewhere));
    server.set_fallback(Reply::json(200, "{}"));
    let transport = transport();

    let error = transport
        .send(&post(&server.url("/start")), &roomy())
        .expect_err("302");
    assert_eq!(error, TransportError::RedirectRefused { status: 302 });
    assert!(!is_not_sent(&error));
    assert_eq!(server.requests().len(), 1);

    let error = transport
        .send(&get(&server.url("/start")), &roomy())
        .expect_err("307");
    assert_eq!(error, TransportError::RedirectRefused { status: 307 });
    let paths: Vec<String> = server.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(paths, ["/start", "/start"]);
}

// --- timeouts and broken connections ----------------------------------------------------------

#[test]
fn no_answer_is_a_read_timeout_maybe_sent() {
    let server = TestServer::http();
    server.push(Action::Hang);
    let started = Instant::now();
    let error = transport()
        .send(&post(&server.url("/slow")), &short())
        .expect_err("hangs");
    let elapsed = started.elapsed();
    assert_eq!(error, TransportError::Timeout { phase: "read" });
    assert!(!is_not_sent(&error));
    assert_no_secrets(&error);
    assert!(
        elapsed >= Duration::from_millis(250) && elapsed < Duration::from_millis(1000),
        "{elapsed:?}"
    );
    assert_eq!(server.requests().len(), 1, "the request reached the server");
}

#[test]
fn the_overall_timeout_bounds_the_whole_call() {
    expect_overall_timeout(&transport(), &TestServer::http());
}

/// An answer 800 ms late against a 300 ms overall timeout (connect and read 2 s): the
/// overall timeout fires, promptly, after the request went out.
fn expect_overall_timeout(transport: &UreqTransport, server: &TestServer) {
    server.push(Action::Delay(
        Duration::from_millis(800),
        Reply::json(200, "{}"),
    ));
    let timeouts = Timeouts {
        connect: Duration::from_secs(2),
        read: Duration::from_secs(2),
        overall: Duration::from_millis(300),
    };
    let started = Instant::now();
    let error = transport
        .send(&post(&server.url("/slow")), &timeouts)
        .expect_err("overall");
    assert_eq!(error, TransportError::Timeout { phase: "overall" });
    assert!(!is_not_sent(&error));
    assert!(
        started.elapsed() < Duration::from_millis(750),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn the_agent_timeouts_apply_and_other_timeouts_still_win() {
    let server = TestServer::http();
    let transport = UreqTransport::new(UreqTransportConfig {
        timeouts: short(),
        ..UreqTransportConfig::default()
    })
    .expect("transport");
    // The agent's own timeouts (no request-level configuration).
    server.push(Action::Hang);
    let started = Instant::now();
    let error = transport
        .send(&post(&server.url("/slow")), &short())
        .expect_err("hangs");
    assert_eq!(error, TransportError::Timeout { phase: "read" });
    assert!(
        started.elapsed() < Duration::from_millis(1000),
        "{:?}",
        started.elapsed()
    );
    // Different timeouts on the same transport: exactly those.
    expect_overall_timeout(&transport, &server);
    // Longer ones than the agent's: a slow answer within them is returned.
    server.push(Action::Delay(
        Duration::from_millis(500),
        Reply::json(200, "{}"),
    ));
    let patient = Timeouts {
        connect: Duration::from_secs(2),
        read: Duration::from_secs(2),
        overall: Duration::from_secs(3),
    };
    let response = transport
        .send(&post(&server.url("/slower")), &patient)
        .expect("answer");
    assert_eq!(response.status, 200);
}

#[test]
fn a_delayed_answer_within_the_timeouts_is_returned() {
    let server = TestServer::http();
    server.push(Action::Delay(
        Duration::from_millis(100),
        Reply::json(201, r#"{"late":true}"#),
    ));
    let response = transport()
        .send(&post(&server.url("/late")), &roomy())
        .expect("response");
    assert_eq!(response.status, 201);
}

#[test]
fn a_closed_port_is_a_connect_failure_not_sent() {
    let url = closed_port_url();
    let started = Instant::now();
    let error = transport()
        .send(&post(&url), &roomy())
        .expect_err("refused");
    assert!(
        matches!(&error, TransportError::Connect { reason } if !reason.is_empty()),
        "{error:?}"
    );
    assert!(is_not_sent(&error));
    assert_no_secrets(&error);
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn an_http_server_that_accepts_but_never_reads_is_a_read_timeout() {
    // The TCP connection is up and the request is written into the socket: maybe sent.
    let silent = SilentServer::start();
    let error = transport()
        .send(&post(&silent.url("http", "/")), &short())
        .expect_err("silent");
    assert_eq!(error, TransportError::Timeout { phase: "read" });
    assert!(!is_not_sent(&error));
}

#[test]
fn a_connection_closed_after_the_request_is_maybe_sent() {
    let server = TestServer::http();
    server.push(Action::Close);
    let error = transport()
        .send(&post(&server.url("/pay")), &roomy())
        .expect_err("closed");
    assert!(
        matches!(
            error,
            TransportError::Io { .. } | TransportError::Protocol { .. }
        ),
        "{error:?}"
    );
    assert!(!is_not_sent(&error));
    assert_no_secrets(&error);
    assert_eq!(server.requests().len(), 1);
    assert_eq!(server.requests()[0].body, BODY_CANARY.as_bytes());
}

#[test]
fn a_connection_closed_after_the_request_over_tls_is_maybe_sent() {
    let pki = Pki::generate();
    let server = TestServer::https(&pki);
    server.push(Action::Close);
    let error = tls_transport(&pki)
        .send(&post(&server.url("/pay")), &roomy())
        .expect_err("closed");
    assert!(
        matches!(
            error,
            TransportError::Io { .. } | TransportError::Protocol { .. }
        ),
        "{error:?}"
    );
    assert!(!is_not_sent(&error));
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn an_oversized_response_body_is_a_protocol_error() {
    let server = TestServer::http();
    let size = usize::try_from(MAX_RESPONSE_BODY).expect("fits") + 1;
    server.push(Reply::new(200).body(vec![b'a'; size]));
    let error = transport()
        .send(&get(&server.url("/big")), &roomy())
        .expect_err("too big");
    assert!(
        matches!(error, TransportError::Protocol { .. }),
        "{error:?}"
    );
    assert!(!is_not_sent(&error));
}

#[test]
fn a_chunked_response_body_of_unknown_length_is_returned_whole() {
    let server = TestServer::http();
    let body: Vec<u8> = (0..=255u8).cycle().take(5_500).collect();
    server.push(
        Reply::new(200)
            .header("transfer-encoding", "chunked")
            .body(body.clone()),
    );
    let response = transport()
        .send(&get(&server.url("/chunked")), &roomy())
        .expect("response");
    assert_eq!(response.status, 200);
    assert_eq!(response.body.as_slice(), body.as_slice());
    // Past the limit, chunked as well: refused, not truncated.
    let size = usize::try_from(MAX_RESPONSE_BODY).expect("fits") + 1;
    server.push(
        Reply::new(200)
            .header("transfer-encoding", "chunked")
            .body(vec![b'a'; size]),
    );
    let error = transport()
        .send(&get(&server.url("/big")), &roomy())
        .expect_err("too big");
    assert!(
        matches!(error, TransportError::Protocol { .. }),
        "{error:?}"
    );
}

#[test]
fn a_header_that_cannot_be_sent_fails_before_connecting() {
    let server = TestServer::http();
    let mut request = post(&server.url("/x"));
    request.headers.push((
        "x-bad".into(),
        HeaderValue::Secret(SecretString::from("line\r\nbreak-canary")),
    ));
    let error = transport()
        .send(&request, &roomy())
        .expect_err("invalid header");
    assert!(
        matches!(&error, TransportError::InvalidRequest { reason } if reason.contains("x-bad")),
        "{error:?}"
    );
    assert!(!error.to_string().contains("break-canary"));
    assert!(is_not_sent(&error));
    assert_eq!(server.connections(), 0);
}

#[test]
fn zero_timeouts_fail_cleanly() {
    let server = TestServer::http();
    // An answer 400 ms late. Zero timeouts run as 1 ms (ureq's least): an immediate answer on
    // loopback could beat them, as it did under a loaded `cargo xtask test`, so the server
    // waits and only the timeouts can end the call.
    server.push(Action::Delay(
        Duration::from_millis(400),
        Reply::json(200, "{}"),
    ));
    let zero = Timeouts {
        connect: Duration::ZERO,
        read: Duration::ZERO,
        overall: Duration::ZERO,
    };
    // Whatever fires first (the lookup's, the connection's, the answer's or the overall
    // timeout), the call returns promptly with a typed timeout.
    let started = Instant::now();
    let result = transport().send(&post(&server.url("/x")), &zero);
    let timed_out = match &result {
        Err(TransportError::Timeout { .. }) => true,
        Err(TransportError::Dns { reason } | TransportError::Connect { reason }) => {
            reason.contains("timed out")
        }
        _ => false,
    };
    assert!(timed_out, "{result:?}");
    assert!(started.elapsed() < Duration::from_millis(500));
}

// --- keep-alive and concurrency ---------------------------------------------------------------

#[test]
fn sequential_requests_reuse_one_connection() {
    let server = TestServer::http();
    server.set_fallback(Reply::json(200, r#"{"n":1}"#));
    server.push(Reply::json(404, r#"{"error":"x"}"#)); // an error status keeps the connection too
    let transport = transport();
    for i in 0..5 {
        let request = if i % 2 == 0 {
            post(&server.url("/step"))
        } else {
            get(&server.url("/status"))
        };
        transport.send(&request, &roomy()).expect("response");
    }
    assert_eq!(server.connections(), 1);
    let seen = server.requests();
    assert_eq!(seen.len(), 5);
    assert!(seen.iter().all(|r| r.connection == 1));
}

#[test]
fn the_transport_is_shared_by_concurrent_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<UreqTransport>();

    let server = TestServer::http();
    server.set_fallback(Action::Delay(
        Duration::from_millis(50),
        Reply::json(200, r#"{"ok":true}"#),
    ));
    let transport = transport();
    let dyn_transport: &dyn Transport = &transport;
    let url = server.url("/concurrent");
    thread::scope(|scope| {
        let handles: Vec<_> = (0..8)
            .map(|_| scope.spawn(|| dyn_transport.send(&post(&url), &roomy()).map(|r| r.status)))
            .collect();
        for handle in handles {
            assert_eq!(handle.join().expect("thread").expect("response"), 200);
        }
    });
    assert_eq!(server.requests().len(), 8);
    // Served in parallel on several pooled connections, not serialized behind one.
    assert!(server.connections() >= 2, "{}", server.connections());
}
