//! The baseline makes exactly the SDK's calls: for every journey, the same sequence of method
//! and path (ids masked), both ending as expected (`measure::trip` fails otherwise), each on
//! one connection. Behavioural only: nothing here is timed.

use agentic_bench::measure::{self, Side};
use agentic_bench::scenario::{Env, Kind};

/// `POST /v2/txns/eul1a…/authenticate` → `POST /{id}/txns/{id}/authenticate`: every path
/// segment holding a digit is an id that differs from run to run.
fn masked(call: &str) -> String {
    call.split('/')
        .map(|segment| {
            if segment.contains(|c: char| c.is_ascii_digit()) {
                "{id}"
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[test]
fn the_baseline_makes_the_sdks_calls_for_every_journey() {
    let env = Env::start().expect("sandbox and set-up enrollment");
    for kind in Kind::ALL {
        let sdk = measure::trip(&env, Side::Sdk, kind).expect("the SDK journey succeeds");
        let base = measure::trip(&env, Side::Baseline, kind).expect("the baseline succeeds");
        let sdk_calls: Vec<String> = sdk.calls.iter().map(|c| masked(c)).collect();
        let base_calls: Vec<String> = base.calls.iter().map(|c| masked(c)).collect();
        assert_eq!(sdk_calls, base_calls, "{}", kind.name());
        assert!(!sdk_calls.is_empty(), "{}", kind.name());
        assert_eq!(sdk.requests, sdk.calls.len() as u64, "{}", kind.name());
        assert_eq!(base.requests, base.calls.len() as u64, "{}", kind.name());
        assert_eq!(
            (sdk.connections, base.connections),
            (1, 1),
            "{}",
            kind.name()
        );
    }
}
