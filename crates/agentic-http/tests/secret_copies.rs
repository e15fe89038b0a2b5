//! Preparing a request leaves no copy of a credential or of the body in freed memory
//! (agentic-core's tests/support/freed_blocks.rs reads every block freed while a check runs).

#[path = "../../agentic-core/tests/support/freed_blocks.rs"]
mod freed_blocks;

use std::time::{Duration, UNIX_EPOCH};

use agentic_core::secret::{ApiKey, SecretBytes, SigningSecret};
use agentic_core::wire::Method;
use agentic_core::{Body, HttpRequest, Provider};
use agentic_http::auth::prepare;
use agentic_http::config::{
    JuspayAuth, JuspayConfig, JuspayEnvironment, VisaAcceptanceConfig, VisaAcceptanceEnvironment,
};
use agentic_http::{ClientConfig, Timeouts};
use freed_blocks::{FreedBlocks, left_behind, serial};

#[global_allocator]
static ALLOCATOR: FreedBlocks = FreedBlocks;

const API_KEY: &str = "sk-CANARY-7d41f0c29b6e4a8d";
const BODY: &str = "challenge_id=ch_xyz&answer.otp=CANARY-918273";
/// Base64 of `CANARY-KEY-0123456789abcdef!!!!!`: the decoded key holds `CANARY-KEY`.
const SHARED_SECRET: &str = "Q0FOQVJZLUtFWS0wMTIzNDU2Nzg5YWJjZGVmISEhISE=";

fn config() -> ClientConfig {
    let key = ApiKey::new("api_key", API_KEY).expect("non-empty");
    ClientConfig {
        juspay: Some(
            JuspayConfig::new(
                JuspayEnvironment::Sandbox,
                "agentic_merchant",
                JuspayAuth::ApiKey(key),
            )
            .with_routing_id("customer_1"),
        ),
        visa_acceptance: Some(VisaAcceptanceConfig::new(
            VisaAcceptanceEnvironment::Test,
            "agentic_test",
            "00000000-1111-2222-3333-444444444444",
            SigningSecret::new("shared_secret", SHARED_SECRET).expect("non-empty"),
        )),
        timeouts: Timeouts::default(),
    }
}

fn request(provider: Provider) -> HttpRequest {
    HttpRequest {
        provider,
        operation: "test.operation",
        method: Method::Post,
        path: "/v2/txns/txn_1/authenticate".to_owned(),
        body: Body::Form(SecretBytes::new(BODY.as_bytes().to_vec())),
        idempotent: false,
    }
}

#[test]
fn the_credentials_and_the_body_are_not_left_in_freed_memory() {
    let _serial = serial();
    let now = UNIX_EPOCH + Duration::from_secs(1_741_083_330);
    let prepare_once = || {
        let config = config();
        let wires = [Provider::JuspayEc, Provider::VisaAcceptance]
            .map(|provider| prepare(&config, &request(provider), now).expect("prepared"));
        for wire in &wires {
            assert_eq!(wire.body.as_slice(), BODY.as_bytes());
        }
        (config, wires)
    };
    let canaries: [(&str, &[u8]); 4] = [
        ("API key", API_KEY.as_bytes()),
        ("shared secret", SHARED_SECRET.as_bytes()),
        ("decoded signing key", b"CANARY-KEY"),
        ("body", b"CANARY-918273"),
    ];
    for (name, canary) in canaries {
        assert_eq!(left_behind(canary, prepare_once), 0, "{name}");
    }
}
