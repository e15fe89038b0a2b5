//! Provider authentication and configuration validation (`agentic_http::auth::prepare`).
//!
//! Expected values are never computed with the code under test:
//! - Cybersource HTTP Signature: a published example (below) plus vectors computed with
//!   Python's `hmac`/`hashlib`/`base64`, with the signed string spelt out literally;
//! - HMAC-SHA256 itself: RFC 4231 test cases;
//! - Juspay Basic: a small base64 encoder in this file, and the literal value.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use agentic_core::secret::SecretBytes;
use agentic_core::secret::{ApiKey, ClientAuthToken, SigningSecret};
use agentic_core::visa_acceptance::CreateOtpRequest;
use agentic_core::wire::Method;
use agentic_core::{Body, Endpoint, HttpRequest, HttpResponse, Provider};
use agentic_http::auth::{self, CLIENT_AUTH_TOKEN_HEADER, USER_AGENT, prepare};
use agentic_http::config::{
    JuspayAuth, JuspayConfig, JuspayEnvironment, VisaAcceptanceConfig, VisaAcceptanceEnvironment,
};
use agentic_http::{
    ClientConfig, ConfigError, HeaderValue, Timeouts, Transport, TransportError, WireRequest,
};
use base64::Engine as _;

// --- fixtures ---------------------------------------------------------------------------------

/// Shaped like the masked key of the Juspay docs (`Basic MUQ2QUxxxxxxxxxxxxU5QTIxQzNFNTQwNkFDMEZCOg==`).
const API_KEY: &str = "1D6AL5B7C2E9A21C3E5406AC0FB";
/// `base64("1D6AL5B7C2E9A21C3E5406AC0FB:")`, computed with Python.
const API_KEY_BASIC: &str = "Basic MUQ2QUw1QjdDMkU5QTIxQzNFNTQwNkFDMEZCOg==";
const CAT: &str = "tkn_7f3a9c1e5b2d4f60a8e9";
const MERCHANT: &str = "agentic_merchant";
const ROUTING_ID: &str = "customer_1122";

/// `base64(bytes 0..32)`.
const TEST_SECRET: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
const TEST_KEY_ID: &str = "00000000-1111-2222-3333-444444444444";
const TEST_VA_MERCHANT: &str = "agentic_test";
/// `Tue, 04 Mar 2025 10:15:30 GMT`.
const TEST_NOW_SECS: u64 = 1_741_083_330;

fn at(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(secs)
}

fn api_key(value: &str) -> ApiKey {
    ApiKey::new("api_key", value).expect("non-empty")
}

fn signing_secret(value: &str) -> SigningSecret {
    SigningSecret::new("shared_secret", value).expect("non-empty")
}

fn juspay(auth: JuspayAuth) -> JuspayConfig {
    JuspayConfig::new(JuspayEnvironment::Sandbox, MERCHANT, auth)
}

fn juspay_api_key() -> JuspayConfig {
    juspay(JuspayAuth::ApiKey(api_key(API_KEY)))
}

fn visa_acceptance() -> VisaAcceptanceConfig {
    VisaAcceptanceConfig::new(
        VisaAcceptanceEnvironment::Test,
        TEST_VA_MERCHANT,
        TEST_KEY_ID,
        signing_secret(TEST_SECRET),
    )
}

fn config(juspay: Option<JuspayConfig>, visa: Option<VisaAcceptanceConfig>) -> ClientConfig {
    ClientConfig {
        juspay,
        visa_acceptance: visa,
        timeouts: Timeouts::default(),
    }
}

fn request(provider: Provider, method: Method, path: &str, body: Body) -> HttpRequest {
    HttpRequest {
        provider,
        operation: "test.operation",
        method,
        path: path.to_owned(),
        body,
        idempotent: method == Method::Get,
    }
}

fn json(body: &str) -> Body {
    Body::Json(SecretBytes::new(body.as_bytes().to_vec()))
}

fn vat_request() -> HttpRequest {
    request(
        Provider::JuspayVat,
        Method::Post,
        "/initiateVerification",
        json(r#"{"a":1}"#),
    )
}

fn ec_request() -> HttpRequest {
    request(
        Provider::JuspayEc,
        Method::Post,
        "/v2/txns/eul5g88xxxxxswrHYMh/authenticate",
        Body::Form(SecretBytes::new(
            b"challenge_id=ch_xyz&answer.otp=123456".to_vec(),
        )),
    )
}

fn va_request() -> HttpRequest {
    request(
        Provider::VisaAcceptance,
        Method::Post,
        "/tms/v2/x",
        json("{}"),
    )
}

/// Headers as `(name, Some(public value) | None for secret)`.
fn shape(wire: &WireRequest) -> Vec<(&str, Option<&str>)> {
    wire.headers
        .iter()
        .map(|(name, value)| match value {
            HeaderValue::Public(v) => (name.as_ref(), Some(v.as_ref())),
            HeaderValue::Secret(_) => (name.as_ref(), None),
        })
        .collect()
}

fn exposed<'a>(wire: &'a WireRequest, name: &str) -> &'a str {
    wire.header(name)
        .map(HeaderValue::expose)
        .unwrap_or_else(|| panic!("no `{name}` header"))
}

/// Standard padded base64, written out here so the Basic value is not computed by the crate
/// under test.
fn base64_by_hand(input: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in input.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

// --- Juspay -----------------------------------------------------------------------------------

#[test]
fn juspay_vat_api_key_headers_are_exact() {
    let cfg = config(Some(juspay_api_key().with_routing_id(ROUTING_ID)), None);
    let wire = prepare(&cfg, &vat_request(), at(TEST_NOW_SECS)).expect("prepared");

    assert_eq!(wire.url, "https://sandbox.juspay.in/initiateVerification");
    assert_eq!(wire.method, Method::Post);
    assert_eq!(wire.operation, "test.operation");
    assert_eq!(&wire.body[..], br#"{"a":1}"#);
    assert_eq!(
        shape(&wire),
        vec![
            ("content-type", Some("application/json")),
            ("accept", Some("application/json")),
            ("user-agent", Some(USER_AGENT)),
            ("authorization", None),
            ("x-merchantid", Some(MERCHANT)),
        ],
        "VAT calls carry no x-routing-id, even when one is configured"
    );
    let basic = format!("Basic {}", base64_by_hand(format!("{API_KEY}:").as_bytes()));
    assert_eq!(basic, API_KEY_BASIC);
    assert!(
        API_KEY_BASIC.starts_with("Basic MUQ2QU")
            && API_KEY_BASIC.ends_with("U5QTIxQzNFNTQwNkFDMEZCOg==")
    );
    assert_eq!(exposed(&wire, "authorization"), API_KEY_BASIC);
    assert_eq!(
        USER_AGENT,
        format!("agentic/{} (rust)", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn juspay_ec_adds_the_routing_id() {
    let cfg = config(
        Some(JuspayConfig {
            environment: JuspayEnvironment::Production,
            ..juspay_api_key().with_routing_id(ROUTING_ID)
        }),
        None,
    );
    let wire = prepare(&cfg, &ec_request(), at(TEST_NOW_SECS)).expect("prepared");
    assert_eq!(
        wire.url,
        "https://api.juspay.in/v2/txns/eul5g88xxxxxswrHYMh/authenticate"
    );
    assert_eq!(
        shape(&wire),
        vec![
            ("content-type", Some("application/x-www-form-urlencoded")),
            ("accept", Some("application/json")),
            ("user-agent", Some(USER_AGENT)),
            ("authorization", None),
            ("x-merchantid", Some(MERCHANT)),
            ("x-routing-id", Some(ROUTING_ID)),
        ]
    );
    assert_eq!(exposed(&wire, "authorization"), API_KEY_BASIC);
    assert_eq!(&wire.body[..], b"challenge_id=ch_xyz&answer.otp=123456");
}

#[test]
fn juspay_get_has_no_content_type() {
    let cfg = config(Some(juspay_api_key().with_routing_id(ROUTING_ID)), None);
    let get = request(
        Provider::JuspayEc,
        Method::Get,
        "/cardbins/424242?options.check_direct_otp_support=true",
        Body::Empty,
    );
    let wire = prepare(&cfg, &get, at(TEST_NOW_SECS)).expect("prepared");
    assert_eq!(
        wire.url,
        "https://sandbox.juspay.in/cardbins/424242?options.check_direct_otp_support=true"
    );
    assert_eq!(
        shape(&wire),
        vec![
            ("accept", Some("application/json")),
            ("user-agent", Some(USER_AGENT)),
            ("authorization", None),
            ("x-merchantid", Some(MERCHANT)),
            ("x-routing-id", Some(ROUTING_ID)),
        ]
    );
    assert!(wire.body.is_empty());
}

#[test]
fn juspay_client_auth_token_is_a_secret_header_and_never_basic() {
    let auth = JuspayAuth::client_auth_token(CAT).expect("valid");
    assert_eq!(
        auth,
        JuspayAuth::ClientAuthToken(ClientAuthToken::new("t", CAT).expect("valid"))
    );
    let cfg = config(Some(juspay(auth).with_routing_id(ROUTING_ID)), None);

    let wire = prepare(&cfg, &vat_request(), at(TEST_NOW_SECS)).expect("prepared");
    assert_eq!(CLIENT_AUTH_TOKEN_HEADER, "x-client-auth-token");
    assert_eq!(
        shape(&wire),
        vec![
            ("content-type", Some("application/json")),
            ("accept", Some("application/json")),
            ("user-agent", Some(USER_AGENT)),
            ("x-client-auth-token", None),
            ("x-merchantid", Some(MERCHANT)),
        ]
    );
    assert_eq!(exposed(&wire, CLIENT_AUTH_TOKEN_HEADER), CAT);
    assert!(wire.header("authorization").is_none());

    let wire = prepare(&cfg, &ec_request(), at(TEST_NOW_SECS)).expect("prepared");
    assert_eq!(exposed(&wire, "x-routing-id"), ROUTING_ID);
    assert_eq!(exposed(&wire, CLIENT_AUTH_TOKEN_HEADER), CAT);
    assert!(wire.header("authorization").is_none());
}

#[test]
fn custom_base_urls_keep_their_prefix_and_loopback_http_is_allowed() {
    let cfg = config(
        Some(JuspayConfig {
            environment: JuspayEnvironment::Custom("http://127.0.0.1:8080/juspay/".into()),
            ..juspay_api_key()
        }),
        None,
    );
    let wire = prepare(&cfg, &vat_request(), at(TEST_NOW_SECS)).expect("prepared");
    assert_eq!(
        wire.url,
        "http://127.0.0.1:8080/juspay/initiateVerification"
    );
}

// --- Cybersource HTTP Signature: published example ----------------------------------------

/// A published end-to-end example with every input fixed:
/// `Swift-Gurus/CybersourceIOS_SDK`, `Example/Tests/HTTPSignatureSignerTestCases.swift`
/// (`test_signature_value`, `test_body_hash_contains_proper_value`) with the date of
/// `Example/Tests/CurrentDateProviderMock.swift`; the signed string appears literally in that
/// repository's tests. Merchant `testrest`, key id and shared secret are Cybersource's public
/// sandbox sample credentials (the `cybersource-rest-client-*` READMEs and samples). The body
/// `{"encryptionType":"None"}` (Flex key generation) has the digest shown in Cybersource's own
/// REST Getting Started guide ("Example POST Request": `Digest:
/// SHA-256=bena9bhB3Jy4uPvfu1tAC0uN8AuzzM+xjqmDwR5//EA=`).
#[test]
fn cybersource_signature_matches_a_published_example() {
    let visa = VisaAcceptanceConfig::new(
        VisaAcceptanceEnvironment::Custom("https://apitest.cybersource.com".into()),
        "testrest",
        "08c94330-f618-42a3-b09d-e1e43be5efda",
        signing_secret("yBJxy6LjM2TmcPGu+GaJrHtkke25fPpUX+UY6/L/1tE="),
    );
    let cfg = config(None, Some(visa.clone()));
    let keys = request(
        Provider::VisaAcceptance,
        Method::Post,
        "/flex/v1/keys",
        json(r#"{"encryptionType":"None"}"#),
    );
    // Wed, 19 Feb 2020 19:26:13 GMT
    let wire = prepare(&cfg, &keys, at(1_582_140_373)).expect("prepared");

    assert_eq!(wire.url, "https://apitest.cybersource.com/flex/v1/keys");
    assert_eq!(
        shape(&wire),
        vec![
            ("content-type", Some("application/json")),
            ("accept", Some("application/json")),
            ("user-agent", Some(USER_AGENT)),
            ("v-c-merchant-id", Some("testrest")),
            ("date", Some("Wed, 19 Feb 2020 19:26:13 GMT")),
            ("host", Some("apitest.cybersource.com")),
            (
                "digest",
                Some("SHA-256=bena9bhB3Jy4uPvfu1tAC0uN8AuzzM+xjqmDwR5//EA=")
            ),
            ("signature", None),
        ]
    );
    let expected = r#"keyid="08c94330-f618-42a3-b09d-e1e43be5efda", algorithm="HmacSHA256", headers="host date (request-target) digest v-c-merchant-id", signature="r15B0rQB/gPdOWOURCB2bqotq+td5oA7EEFmuS8KTnQ=""#;
    assert_eq!(exposed(&wire, "signature"), expected);

    // The signed string of that example, literally.
    let signed = "host: apitest.cybersource.com\n\
                  date: Wed, 19 Feb 2020 19:26:13 GMT\n\
                  (request-target): post /flex/v1/keys\n\
                  digest: SHA-256=bena9bhB3Jy4uPvfu1tAC0uN8AuzzM+xjqmDwR5//EA=\n\
                  v-c-merchant-id: testrest";
    assert_eq!(
        auth::sign(&visa.shared_secret, signed).expect("signs"),
        "r15B0rQB/gPdOWOURCB2bqotq+td5oA7EEFmuS8KTnQ="
    );

    // An explicit default port is the same host: same `host` header, same signature.
    let cfg = config(
        None,
        Some(VisaAcceptanceConfig {
            environment: VisaAcceptanceEnvironment::Custom(
                "https://APITEST.cybersource.com:443/".into(),
            ),
            ..visa
        }),
    );
    let again = prepare(&cfg, &keys, at(1_582_140_373)).expect("prepared");
    assert_eq!(again.url, "https://apitest.cybersource.com/flex/v1/keys");
    assert_eq!(exposed(&again, "signature"), expected);
}

/// A second published vector with another header list (no `date`):
/// `rizkyian78/cybersource-rest-client`, `config/http_test.go` (`TestGenerateSignatureValue`,
/// taken from Cybersource's API reference site), same sandbox credentials.
#[test]
fn cybersource_sign_matches_a_second_published_vector() {
    let body = br#"{"clientReferenceInformation":{"code":"TC50171_3"},"merchantDefinedInformation":null,"orderInformation":{"amountDetails":{"amexAdditionalAmounts":null,"currency":"USD","taxDetails":null,"totalAmount":"13.37"},"lineItems":null},"paymentInformation":{"card":{"expirationMonth":"12","expirationYear":"2031","number":"4111111111111111","securityCode":"123"}},"processingInformation":{"commerceIndicator":"internet"}}"#;
    let digest = auth::digest_header(body);
    assert_eq!(
        digest,
        "SHA-256=E9P5jdXRZjM5aGk6JGDxiiV5bEiWz5pBRhvWzHw+TXQ="
    );
    let signed = auth::signing_string(&[
        ("host", "apitest.cybersource.com"),
        ("(request-target)", "post /pts/v2/payments/"),
        ("digest", &digest),
        ("v-c-merchant-id", "testrest"),
    ]);
    let secret = signing_secret("yBJxy6LjM2TmcPGu+GaJrHtkke25fPpUX+UY6/L/1tE=");
    assert_eq!(
        auth::sign(&secret, &signed).expect("signs"),
        "HBEajAuU2SR+ajr+Y++TBwJjBhEflZo6u0tvbNwF77Y="
    );
    // Same layout the digest doc sample uses.
    assert_eq!(
        auth::digest_header(b"sample body"),
        "SHA-256=Pk8hyTs9x7soFEhGvFNUrXL4wcwIXouMvxCgRCicswk="
    );
}

/// RFC 4231 §4.2, §4.3 and §4.7 (key longer than the block): the HMAC primitive, keyed by the
/// base64-decoded secret.
#[test]
fn hmac_sha256_matches_rfc_4231() {
    let cases: [(&[u8], &[u8], &str); 3] = [
        (
            &[0x0b; 20],
            b"Hi There",
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
        ),
        (
            b"Jefe",
            b"what do ya want for nothing?",
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
        ),
        (
            &[0xaa; 131],
            b"Test Using Larger Than Block-Size Key - Hash Key First",
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
        ),
    ];
    for (key, data, hex) in cases {
        let secret = signing_secret(&base64_by_hand(key));
        let data = std::str::from_utf8(data).expect("ascii");
        let mac = base64::engine::general_purpose::STANDARD
            .decode(auth::sign(&secret, data).expect("signs"))
            .expect("base64");
        let mac_hex: String = mac.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(mac_hex, hex);
    }
}

// --- Cybersource HTTP Signature: SDK requests, independent computation ---------------------

#[test]
fn create_otp_sample_is_digested_and_signed_exactly() {
    let otp = CreateOtpRequest::new(
        "7010000000016241111",
        "aB3cD4eF5gH6iJ7kL8mN9oP0qR1sT2uV3wX",
        "YWEwMjFhZmFkZDU4ZWI0NDJjYTM0MzY4OTY1YjdhMDE=",
    )
    .expect("valid")
    .to_http();
    let cfg = config(None, Some(visa_acceptance()));
    let wire = prepare(&cfg, &otp, at(TEST_NOW_SECS)).expect("prepared");

    assert_eq!(
        wire.url,
        "https://apitest.visaacceptance.com/tms/v2/tokenized-cards/7010000000016241111/authentication-options/one-time-passwords"
    );
    assert_eq!(
        &wire.body[..],
        br#"{"clientCorrelationId":"aB3cD4eF5gH6iJ7kL8mN9oP0qR1sT2uV3wX","stepUpOption":{"id":"YWEwMjFhZmFkZDU4ZWI0NDJjYTM0MzY4OTY1YjdhMDE="}}"#
    );
    assert_eq!(
        shape(&wire),
        vec![
            ("content-type", Some("application/json")),
            ("accept", Some("application/json")),
            ("user-agent", Some(USER_AGENT)),
            ("v-c-merchant-id", Some(TEST_VA_MERCHANT)),
            ("date", Some("Tue, 04 Mar 2025 10:15:30 GMT")),
            ("host", Some("apitest.visaacceptance.com")),
            // Python: base64(sha256(body)).
            (
                "digest",
                Some("SHA-256=lgaw4ZldYz25YPVa69DxI+bpnbuViKyjMEPP2QrsxAY=")
            ),
            ("signature", None),
        ]
    );
    // Python: base64(hmac.new(bytes(range(32)), <the lines below joined by \n>, sha256)):
    //   host: apitest.visaacceptance.com
    //   date: Tue, 04 Mar 2025 10:15:30 GMT
    //   (request-target): post /tms/v2/tokenized-cards/7010000000016241111/authentication-options/one-time-passwords
    //   digest: SHA-256=lgaw4ZldYz25YPVa69DxI+bpnbuViKyjMEPP2QrsxAY=
    //   v-c-merchant-id: agentic_test
    assert_eq!(
        exposed(&wire, "signature"),
        r#"keyid="00000000-1111-2222-3333-444444444444", algorithm="HmacSHA256", headers="host date (request-target) digest v-c-merchant-id", signature="5McjZW/76cdUyrNBy6v8j1dmrCUBQwG107VaROAYAXY=""#
    );
}

#[test]
fn get_is_signed_without_digest_and_with_its_query() {
    let cfg = config(None, Some(visa_acceptance()));
    let get = request(
        Provider::VisaAcceptance,
        Method::Get,
        "/tms/v2/tokenized-cards/7010000000016241111?fields=a,b",
        Body::Empty,
    );
    let wire = prepare(&cfg, &get, at(TEST_NOW_SECS)).expect("prepared");
    assert_eq!(
        wire.url,
        "https://apitest.visaacceptance.com/tms/v2/tokenized-cards/7010000000016241111?fields=a,b"
    );
    assert_eq!(
        shape(&wire),
        vec![
            ("accept", Some("application/json")),
            ("user-agent", Some(USER_AGENT)),
            ("v-c-merchant-id", Some(TEST_VA_MERCHANT)),
            ("date", Some("Tue, 04 Mar 2025 10:15:30 GMT")),
            ("host", Some("apitest.visaacceptance.com")),
            ("signature", None),
        ]
    );
    assert!(wire.header("digest").is_none());
    // Python, over: host / date / "(request-target): get /tms/v2/tokenized-cards/7010000000016241111?fields=a,b"
    // / v-c-merchant-id.
    assert_eq!(
        exposed(&wire, "signature"),
        r#"keyid="00000000-1111-2222-3333-444444444444", algorithm="HmacSHA256", headers="host date (request-target) v-c-merchant-id", signature="el9+rmj8PahzTTavY7fTnS+TIli6bikrNzl9S1ngHWA=""#
    );
}

#[test]
fn post_without_body_digests_the_empty_body() {
    let cfg = config(None, Some(visa_acceptance()));
    let post = request(
        Provider::VisaAcceptance,
        Method::Post,
        "/tms/v2/x",
        Body::Empty,
    );
    let wire = prepare(&cfg, &post, at(TEST_NOW_SECS)).expect("prepared");
    assert_eq!(
        exposed(&wire, "digest"),
        "SHA-256=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
    );
    assert!(wire.header("content-type").is_none());
    assert!(
        exposed(&wire, "signature")
            .contains(r#"headers="host date (request-target) digest v-c-merchant-id""#)
    );
}

#[test]
fn path_prefix_and_port_are_part_of_what_is_signed() {
    let cfg = config(
        None,
        Some(VisaAcceptanceConfig {
            environment: VisaAcceptanceEnvironment::Custom("http://localhost:8443/cybs/".into()),
            ..visa_acceptance()
        }),
    );
    let wire = prepare(&cfg, &va_request(), at(TEST_NOW_SECS)).expect("prepared");
    assert_eq!(wire.url, "http://localhost:8443/cybs/tms/v2/x");
    assert_eq!(exposed(&wire, "host"), "localhost:8443");
    let signed = "host: localhost:8443\n\
                  date: Tue, 04 Mar 2025 10:15:30 GMT\n\
                  (request-target): post /cybs/tms/v2/x\n\
                  digest: SHA-256=RBNvo1WzZ4oRRq0W9+hknpT7T8If536DEMBg9hyq/4o=\n\
                  v-c-merchant-id: agentic_test";
    let signature = auth::sign(&signing_secret(TEST_SECRET), signed).expect("signs");
    assert!(exposed(&wire, "signature").ends_with(&format!("signature=\"{signature}\"")));
}

// --- validation: nothing is sent ----------------------------------------------------------

/// A transport that counts calls: every refused configuration must leave it at zero.
#[derive(Debug, Default)]
struct CountingTransport(AtomicUsize);

impl Transport for CountingTransport {
    fn send(
        &self,
        _request: &WireRequest,
        _timeouts: &Timeouts,
    ) -> Result<HttpResponse, TransportError> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Ok(HttpResponse {
            status: 200,
            content_type: None,
            request_id: None,
            body: SecretBytes::new(Vec::new()),
        })
    }
}

/// What a driver does: prepare, then send.
fn send(
    transport: &CountingTransport,
    config: &ClientConfig,
    request: &HttpRequest,
    now: SystemTime,
) -> Result<HttpResponse, ConfigError> {
    let wire = prepare(config, request, now)?;
    Ok(transport
        .send(&wire, &config.timeouts)
        .expect("counting transport never fails"))
}

fn juspay_with(f: impl FnOnce(&mut JuspayConfig)) -> ClientConfig {
    let mut juspay = juspay_api_key().with_routing_id(ROUTING_ID);
    f(&mut juspay);
    config(Some(juspay), Some(visa_acceptance()))
}

fn visa_with(f: impl FnOnce(&mut VisaAcceptanceConfig)) -> ClientConfig {
    let mut visa = visa_acceptance();
    f(&mut visa);
    config(
        Some(juspay_api_key().with_routing_id(ROUTING_ID)),
        Some(visa),
    )
}

fn custom_juspay(url: &str) -> ClientConfig {
    juspay_with(|j| j.environment = JuspayEnvironment::Custom(url.into()))
}

fn custom_visa(url: &str) -> ClientConfig {
    visa_with(|v| v.environment = VisaAcceptanceEnvironment::Custom(url.into()))
}

/// Secrets deserialise without validation (responses carry them in): the only way to build an
/// empty one, as a configuration file could.
fn empty_api_key() -> ApiKey {
    serde_json::from_str("\"\"").expect("deserializes")
}

fn empty_token() -> ClientAuthToken {
    serde_json::from_str("\"\"").expect("deserializes")
}

fn empty_secret() -> SigningSecret {
    serde_json::from_str("\"\"").expect("deserializes")
}

#[test]
fn bad_configurations_are_refused_exactly_and_nothing_is_sent() {
    use agentic_http::config::field::*;
    let malformed = |field, reason| ConfigError::BaseUrlMalformed { field, reason };
    let cases: Vec<(&str, ClientConfig, ConfigError)> = vec![
        (
            "no provider",
            config(None, None),
            ConfigError::NoProviderConfigured,
        ),
        (
            "http to a public host",
            custom_juspay("http://sandbox.juspay.in"),
            ConfigError::BaseUrlInsecure {
                field: JUSPAY_ENVIRONMENT,
            },
        ),
        (
            "http to a private address",
            custom_visa("http://10.0.0.1:8080"),
            ConfigError::BaseUrlInsecure {
                field: VISA_ACCEPTANCE_ENVIRONMENT,
            },
        ),
        (
            "ftp",
            custom_juspay("ftp://127.0.0.1/"),
            ConfigError::BaseUrlInsecure {
                field: JUSPAY_ENVIRONMENT,
            },
        ),
        (
            "query",
            custom_juspay("https://sandbox.juspay.in/?merchant=1"),
            ConfigError::BaseUrlHasQueryOrFragment {
                field: JUSPAY_ENVIRONMENT,
            },
        ),
        (
            "fragment",
            custom_visa("https://apitest.visaacceptance.com#x"),
            ConfigError::BaseUrlHasQueryOrFragment {
                field: VISA_ACCEPTANCE_ENVIRONMENT,
            },
        ),
        (
            "credentials",
            custom_juspay("https://key:@sandbox.juspay.in"),
            ConfigError::BaseUrlHasCredentials {
                field: JUSPAY_ENVIRONMENT,
            },
        ),
        (
            "no scheme",
            custom_juspay("sandbox.juspay.in"),
            malformed(JUSPAY_ENVIRONMENT, "has no scheme (expected https://…)"),
        ),
        (
            "empty url",
            custom_visa(""),
            malformed(VISA_ACCEPTANCE_ENVIRONMENT, "is empty"),
        ),
        (
            "space in url",
            custom_juspay("https://sandbox juspay.in"),
            malformed(
                JUSPAY_ENVIRONMENT,
                "contains whitespace, control or non-ASCII characters",
            ),
        ),
        (
            "bad port",
            custom_visa("https://apitest.visaacceptance.com:70000"),
            malformed(VISA_ACCEPTANCE_ENVIRONMENT, "has an invalid port"),
        ),
        (
            "empty merchant id",
            juspay_with(|j| j.merchant_id = String::new()),
            ConfigError::EmptyMerchantId {
                field: JUSPAY_MERCHANT_ID,
            },
        ),
        (
            "blank merchant id",
            visa_with(|v| v.merchant_id = "  ".into()),
            ConfigError::EmptyMerchantId {
                field: VISA_ACCEPTANCE_MERCHANT_ID,
            },
        ),
        (
            "newline in merchant id",
            visa_with(|v| v.merchant_id = "m1\nv-c-merchant-id: m2".into()),
            ConfigError::MalformedMerchantId {
                field: VISA_ACCEPTANCE_MERCHANT_ID,
            },
        ),
        (
            "empty api key",
            juspay_with(|j| j.auth = JuspayAuth::ApiKey(empty_api_key())),
            ConfigError::EmptyApiKey { field: JUSPAY_AUTH },
        ),
        (
            "colon in api key",
            juspay_with(|j| j.auth = JuspayAuth::ApiKey(api_key("abc:def"))),
            ConfigError::MalformedApiKey { field: JUSPAY_AUTH },
        ),
        (
            "empty token",
            juspay_with(|j| j.auth = JuspayAuth::ClientAuthToken(empty_token())),
            ConfigError::EmptyClientAuthToken { field: JUSPAY_AUTH },
        ),
        (
            "space in token",
            juspay_with(|j| {
                j.auth = JuspayAuth::ClientAuthToken(
                    ClientAuthToken::new("t", "a b").expect("non-empty"),
                )
            }),
            ConfigError::MalformedClientAuthToken { field: JUSPAY_AUTH },
        ),
        (
            "empty routing id",
            juspay_with(|j| j.routing_id = Some(String::new())),
            ConfigError::EmptyRoutingId {
                field: JUSPAY_ROUTING_ID,
            },
        ),
        (
            "tab in routing id",
            juspay_with(|j| j.routing_id = Some("cust\t1".into())),
            ConfigError::MalformedRoutingId {
                field: JUSPAY_ROUTING_ID,
            },
        ),
        (
            "empty key id",
            visa_with(|v| v.key_id = String::new()),
            ConfigError::EmptyKeyId {
                field: VISA_ACCEPTANCE_KEY_ID,
            },
        ),
        (
            "quote in key id",
            visa_with(|v| v.key_id = "k\", algorithm=\"none".into()),
            ConfigError::MalformedKeyId {
                field: VISA_ACCEPTANCE_KEY_ID,
            },
        ),
        (
            "empty secret",
            visa_with(|v| v.shared_secret = empty_secret()),
            ConfigError::EmptySharedSecret {
                field: VISA_ACCEPTANCE_SHARED_SECRET,
            },
        ),
        (
            "secret not base64",
            visa_with(|v| v.shared_secret = signing_secret("not base64!")),
            ConfigError::SharedSecretNotBase64 {
                field: VISA_ACCEPTANCE_SHARED_SECRET,
            },
        ),
        (
            "secret badly padded",
            visa_with(|v| v.shared_secret = signing_secret("AAECAwQ")),
            ConfigError::SharedSecretNotBase64 {
                field: VISA_ACCEPTANCE_SHARED_SECRET,
            },
        ),
        (
            "zero timeout",
            ClientConfig {
                timeouts: Timeouts {
                    read: Duration::ZERO,
                    ..Timeouts::default()
                },
                ..juspay_with(|_| ())
            },
            ConfigError::ZeroTimeout {
                field: TIMEOUTS_READ,
            },
        ),
    ];
    assert!(cases.len() >= 10);
    let transport = CountingTransport::default();
    for (name, bad, expected) in cases {
        // The validating constructor refuses it …
        let rebuilt = ClientConfig::new(
            bad.juspay.clone(),
            bad.visa_acceptance.clone(),
            bad.timeouts,
        );
        assert_eq!(rebuilt.err(), Some(expected.clone()), "{name}: constructor");
        // … and so does prepare, for a request to either provider: nothing reaches the transport.
        for request in [vat_request(), ec_request(), va_request()] {
            assert_eq!(
                send(&transport, &bad, &request, at(TEST_NOW_SECS)).err(),
                Some(expected.clone()),
                "{name}"
            );
        }
    }
    assert_eq!(transport.0.load(Ordering::SeqCst), 0);

    // The good configuration these were derived from does reach the transport.
    let good = juspay_with(|_| ());
    assert!(
        ClientConfig::new(
            good.juspay.clone(),
            good.visa_acceptance.clone(),
            good.timeouts
        )
        .is_ok()
    );
    for request in [vat_request(), ec_request(), va_request()] {
        send(&transport, &good, &request, at(TEST_NOW_SECS)).expect("sent");
    }
    assert_eq!(transport.0.load(Ordering::SeqCst), 3);
}

#[test]
fn bad_requests_are_refused_exactly_and_nothing_is_sent() {
    let transport = CountingTransport::default();
    let juspay_only = config(Some(juspay_api_key()), None);
    let visa_only = config(None, Some(visa_acceptance()));
    let cases: Vec<(&str, &ClientConfig, HttpRequest, SystemTime, ConfigError)> = vec![
        (
            "EC call without routing id",
            &juspay_only,
            ec_request(),
            at(TEST_NOW_SECS),
            ConfigError::MissingRoutingId {
                field: "juspay.routing_id",
                operation: "test.operation",
            },
        ),
        (
            "Visa Acceptance call without its section",
            &juspay_only,
            va_request(),
            at(TEST_NOW_SECS),
            ConfigError::ProviderNotConfigured {
                field: "visa_acceptance",
                provider: Provider::VisaAcceptance,
                operation: "test.operation",
            },
        ),
        (
            "Juspay call without its section",
            &visa_only,
            vat_request(),
            at(TEST_NOW_SECS),
            ConfigError::ProviderNotConfigured {
                field: "juspay",
                provider: Provider::JuspayVat,
                operation: "test.operation",
            },
        ),
        (
            "relative path",
            &visa_only,
            request(
                Provider::VisaAcceptance,
                Method::Post,
                "tms/v2/x",
                Body::Empty,
            ),
            at(TEST_NOW_SECS),
            ConfigError::InvalidRequestPath {
                operation: "test.operation",
            },
        ),
        (
            "scheme-relative path",
            &visa_only,
            request(
                Provider::VisaAcceptance,
                Method::Post,
                "//evil.example/x",
                Body::Empty,
            ),
            at(TEST_NOW_SECS),
            ConfigError::InvalidRequestPath {
                operation: "test.operation",
            },
        ),
        (
            "newline in path",
            &juspay_only,
            request(
                Provider::JuspayVat,
                Method::Post,
                "/x\r\nhost: evil",
                Body::Empty,
            ),
            at(TEST_NOW_SECS),
            ConfigError::InvalidRequestPath {
                operation: "test.operation",
            },
        ),
        (
            "clock before 1970",
            &visa_only,
            va_request(),
            UNIX_EPOCH - Duration::from_secs(1),
            ConfigError::ClockOutOfRange,
        ),
    ];
    for (name, cfg, request, now, expected) in cases {
        assert_eq!(
            send(&transport, cfg, &request, now).err(),
            Some(expected),
            "{name}"
        );
    }
    assert_eq!(transport.0.load(Ordering::SeqCst), 0);
}

#[test]
fn credential_helpers_refuse_empty_and_malformed_values() {
    assert_eq!(
        JuspayAuth::api_key(""),
        Err(ConfigError::EmptyApiKey {
            field: "juspay.auth"
        })
    );
    assert_eq!(
        JuspayAuth::api_key("  "),
        Err(ConfigError::EmptyApiKey {
            field: "juspay.auth"
        })
    );
    assert_eq!(
        JuspayAuth::api_key("a:b"),
        Err(ConfigError::MalformedApiKey {
            field: "juspay.auth"
        })
    );
    assert_eq!(
        JuspayAuth::api_key(API_KEY),
        Ok(JuspayAuth::ApiKey(api_key(API_KEY)))
    );
    assert_eq!(
        JuspayAuth::client_auth_token(""),
        Err(ConfigError::EmptyClientAuthToken {
            field: "juspay.auth"
        })
    );
    assert_eq!(
        JuspayAuth::client_auth_token("tkn\n1"),
        Err(ConfigError::MalformedClientAuthToken {
            field: "juspay.auth"
        })
    );
}

// --- canaries -------------------------------------------------------------------------------

const CANARY_API_KEY: &str = "CANARYAPIKEY7Q2W";
const CANARY_TOKEN: &str = "CANARYTOKEN9X4Z";
/// base64 of `CANARY-HMAC-KEY-32-BYTES-LONG!!!`.
const CANARY_SECRET: &str = "Q0FOQVJZLUhNQUMtS0VZLTMyLUJZVEVTLUxPTkchISE=";

fn assert_no_canary(text: &str, extra: &[&str]) {
    let basic = base64_by_hand(format!("{CANARY_API_KEY}:").as_bytes());
    for canary in [
        CANARY_API_KEY,
        CANARY_TOKEN,
        CANARY_SECRET,
        "CANARY-HMAC-KEY",
        basic.as_str(),
    ]
    .iter()
    .chain(extra)
    {
        assert!(!text.contains(canary), "`{canary}` leaked into: {text}");
    }
}

#[test]
fn debug_output_holds_no_key_token_or_secret() {
    let api = config(
        Some(juspay(JuspayAuth::ApiKey(api_key(CANARY_API_KEY))).with_routing_id(ROUTING_ID)),
        Some(VisaAcceptanceConfig {
            shared_secret: signing_secret(CANARY_SECRET),
            ..visa_acceptance()
        }),
    );
    let cat = config(
        Some(
            juspay(JuspayAuth::ClientAuthToken(
                ClientAuthToken::new("t", CANARY_TOKEN).expect("valid"),
            ))
            .with_routing_id(ROUTING_ID),
        ),
        None,
    );
    let config_debug = format!("{api:?} {cat:?} {api:#?}");
    assert_no_canary(&config_debug, &[]);
    assert!(
        config_debug.contains(MERCHANT) && config_debug.contains(TEST_KEY_ID),
        "{config_debug}"
    );

    for (cfg, request) in [
        (&api, vat_request()),
        (&api, ec_request()),
        (&api, va_request()),
        (&cat, vat_request()),
        (&cat, ec_request()),
    ] {
        let wire = prepare(cfg, &request, at(TEST_NOW_SECS)).expect("prepared");
        let signature = wire.header("signature").map(|s| s.expose().to_owned());
        let signature_mac = signature
            .as_deref()
            .and_then(|s| s.rsplit("signature=\"").next())
            .map(|s| s.trim_end_matches('"'));
        let debug = format!("{wire:?}");
        assert_no_canary(&debug, signature_mac.as_slice());
        assert!(debug.contains("<redacted>"), "{debug}");
    }

    // Errors about a secret never carry it.
    let colon_key = config(
        Some(juspay(JuspayAuth::ApiKey(api_key("CANARYAPIKEY7Q2W:x")))),
        None,
    );
    let err = prepare(&colon_key, &vat_request(), at(TEST_NOW_SECS)).expect_err("refused");
    assert_no_canary(&format!("{err} {err:?}"), &[]);
    let bad_secret = config(
        None,
        Some(VisaAcceptanceConfig {
            shared_secret: signing_secret("CANARY-HMAC-KEY!"),
            ..visa_acceptance()
        }),
    );
    let err = prepare(&bad_secret, &va_request(), at(TEST_NOW_SECS)).expect_err("refused");
    assert_no_canary(&format!("{err} {err:?}"), &[]);
    let creds_url = custom_juspay("https://CANARYAPIKEY7Q2W:@sandbox.juspay.in");
    let err = prepare(&creds_url, &vat_request(), at(TEST_NOW_SECS)).expect_err("refused");
    assert_no_canary(&format!("{err} {err:?} {creds_url:?}"), &[]);
}

#[test]
fn config_error_messages_name_the_field() {
    assert_eq!(
        ConfigError::BaseUrlInsecure {
            field: "juspay.environment"
        }
        .to_string(),
        "`juspay.environment` must use https (plain http is allowed only to a loopback host)"
    );
    assert_eq!(
        ConfigError::MissingRoutingId {
            field: "juspay.routing_id",
            operation: "juspay_ec.process_otp"
        }
        .to_string(),
        "`juspay.routing_id` is required for the Juspay EC call `juspay_ec.process_otp`"
    );
    assert_eq!(
        ConfigError::ProviderNotConfigured {
            field: "visa_acceptance",
            provider: Provider::VisaAcceptance,
            operation: "visa_acceptance.create_otp"
        }
        .to_string(),
        "`visa_acceptance` is not configured, but `visa_acceptance.create_otp` is a Visa Acceptance call"
    );
}
