//! The C ABI from Rust: the boundary's rules (NULL, UTF-8, JSON, handles, panics, the last
//! error) and the header's freshness. The journeys themselves are tested in C
//! (`bindings/c/tests`) against the sandbox.

use std::ffi::{CStr, CString, c_char};
use std::ptr;

use serde_json::Value;

use super::*;

const CONFIG: &str =
    r#"{"juspay": {"environment": "http://127.0.0.1:9", "merchant_id": "m1", "routing_id": "r1"}}"#;

fn c(text: &str) -> CString {
    CString::new(text).expect("no NUL in test strings")
}

/// The calling thread's last error as JSON (`Value::Null` when none).
fn last_error() -> Value {
    let mut out: *mut c_char = ptr::null_mut();
    // SAFETY: `out` is a valid, writable `char *` slot.
    let status = unsafe { agentic_last_error(&mut out) };
    assert_eq!(status, agentic_status::AGENTIC_OK);
    if out.is_null() {
        return Value::Null;
    }
    // SAFETY: the library returned a NUL-terminated string that is ours to read and free.
    let text = unsafe { CStr::from_ptr(out) }
        .to_str()
        .expect("UTF-8")
        .to_owned();
    // SAFETY: returned by the library and not freed yet.
    unsafe { agentic_string_free(out) };
    serde_json::from_str(&text).expect("the last error is JSON")
}

fn new_client() -> *mut agentic_client {
    let config = c(CONFIG);
    let key = c("key_4242");
    let mut client = ptr::null_mut();
    // SAFETY: NUL-terminated strings and a writable out slot.
    let status = unsafe {
        agentic_client_new(
            config.as_ptr(),
            key.as_ptr(),
            ptr::null(),
            ptr::null(),
            &mut client,
        )
    };
    assert_eq!(status, agentic_status::AGENTIC_OK, "{}", last_error());
    client
}

fn start_direct_otp(
    client: *const agentic_client,
    params: &str,
    card: &str,
) -> (agentic_status, *mut agentic_session) {
    let params = c(params);
    let card = c(card);
    let mut session = ptr::null_mut();
    // SAFETY: NUL-terminated strings and a writable out slot.
    let status = unsafe {
        agentic_session_start_direct_otp(client, params.as_ptr(), card.as_ptr(), &mut session)
    };
    (status, session)
}

const CARD: &str = r#"{"number": "4242424242424242", "exp_month": "12", "exp_year": "30", "security_code": "123"}"#;

#[test]
fn every_status_has_its_c_name_and_unknown_numbers_are_named_too() {
    let mut names = std::collections::BTreeSet::new();
    for number in 0..14 {
        let status = agentic_status::from_number(number).expect("a status");
        assert_eq!(status as c_int, number);
        // SAFETY: agentic_status_name returns a static NUL-terminated string.
        let name = unsafe { CStr::from_ptr(agentic_status_name(number)) };
        assert_eq!(name.to_str(), Ok(status.name()));
        assert!(names.insert(status.name()));
    }
    for number in [-1, 14, c_int::MAX] {
        // SAFETY: as above.
        let name = unsafe { CStr::from_ptr(agentic_status_name(number)) };
        assert_eq!(name.to_str(), Ok("AGENTIC_UNKNOWN_STATUS"));
    }
    // SAFETY: as above.
    let version = unsafe { CStr::from_ptr(agentic_version()) };
    assert_eq!(version.to_str(), Ok(env!("CARGO_PKG_VERSION")));
}

#[test]
fn every_engine_error_has_its_status() {
    use crate::error::AgenticError as E;
    let cases = [
        (
            E::InvalidInput {
                field: "f".into(),
                problem: "p".into(),
            },
            agentic_status::AGENTIC_INVALID_INPUT,
        ),
        (
            E::InvalidState { detail: "d".into() },
            agentic_status::AGENTIC_INVALID_STATE,
        ),
        (
            E::PageMessageRefused { detail: "d".into() },
            agentic_status::AGENTIC_PAGE_MESSAGE_REFUSED,
        ),
        (
            E::Configuration { detail: "d".into() },
            agentic_status::AGENTIC_CONFIGURATION,
        ),
        (
            E::CannotResume { detail: "d".into() },
            agentic_status::AGENTIC_CANNOT_RESUME,
        ),
        (
            E::Network {
                detail: "d".into(),
                maybe_sent: true,
            },
            agentic_status::AGENTIC_NETWORK,
        ),
        (
            E::Internal { detail: "d".into() },
            agentic_status::AGENTIC_INTERNAL,
        ),
    ];
    for (error, status) in cases {
        let error = boundary::CError::from(error);
        assert_eq!(error.status, status);
        assert!(error.details.contains_key("type"));
    }
}

#[test]
fn null_arguments_are_refused_by_name_and_outputs_are_nulled() {
    let config = c(CONFIG);
    // A non-NULL garbage value, to see that it is overwritten with NULL.
    let mut client: *mut agentic_client = ptr::without_provenance_mut(0x1000);
    // SAFETY: a NULL config is what is tested; the out slot is writable.
    let status = unsafe {
        agentic_client_new(
            ptr::null(),
            ptr::null(),
            ptr::null(),
            ptr::null(),
            &mut client,
        )
    };
    assert_eq!(status, agentic_status::AGENTIC_NULL_ARGUMENT);
    assert!(client.is_null());
    assert_eq!(last_error()["argument"], "config_json");
    assert_eq!(last_error()["function"], "agentic_client_new");
    // SAFETY: a NULL out slot is what is tested.
    let status = unsafe {
        agentic_client_new(
            config.as_ptr(),
            ptr::null(),
            ptr::null(),
            ptr::null(),
            ptr::null_mut(),
        )
    };
    assert_eq!(status, agentic_status::AGENTIC_NULL_ARGUMENT);
    assert_eq!(last_error()["argument"], "client_out");
    assert_eq!(
        agentic_session_cancel(ptr::null()),
        agentic_status::AGENTIC_NULL_ARGUMENT
    );
    assert_eq!(last_error()["argument"], "session");
    // SAFETY: a NULL out slot is what is tested.
    assert_eq!(
        unsafe { agentic_last_error(ptr::null_mut()) },
        agentic_status::AGENTIC_NULL_ARGUMENT
    );
    // ... and it did not replace the last error.
    assert_eq!(last_error()["argument"], "session");
    // SAFETY: NULL is documented as a no-op.
    unsafe { agentic_string_free(ptr::null_mut()) };
    agentic_client_free(ptr::null_mut());
    agentic_session_free(ptr::null_mut());
}

#[test]
fn invalid_utf8_and_invalid_json_are_told_apart() {
    let bad = [0xff_u8, 0xfe, 0];
    let mut client = ptr::null_mut();
    // SAFETY: `bad` is NUL-terminated; the out slot is writable.
    let status = unsafe {
        agentic_client_new(
            bad.as_ptr().cast(),
            ptr::null(),
            ptr::null(),
            ptr::null(),
            &mut client,
        )
    };
    assert_eq!(status, agentic_status::AGENTIC_INVALID_UTF8);
    assert_eq!(last_error()["argument"], "config_json");
    let config = c("{\"juspay\": ");
    // SAFETY: as above.
    let status = unsafe {
        agentic_client_new(
            config.as_ptr(),
            ptr::null(),
            ptr::null(),
            ptr::null(),
            &mut client,
        )
    };
    assert_eq!(status, agentic_status::AGENTIC_INVALID_JSON);
    assert_eq!(last_error()["type"], "invalid_json");
    let config = c(r#"{"juspay": {"environment": "staging", "merchant_id": "m"}}"#);
    let key = c("k");
    // SAFETY: as above.
    let status = unsafe {
        agentic_client_new(
            config.as_ptr(),
            key.as_ptr(),
            ptr::null(),
            ptr::null(),
            &mut client,
        )
    };
    assert_eq!(status, agentic_status::AGENTIC_CONFIGURATION);
    assert!(
        last_error()["detail"]
            .as_str()
            .is_some_and(|d| d.contains("juspay.environment"))
    );
}

#[test]
fn json_errors_name_fields_but_never_quote_values() {
    let client = new_client();
    let (status, session) = start_direct_otp(
        client,
        r#"{"new_order": {"amount": 4111111111111111}}"#,
        CARD,
    );
    assert_eq!(status, agentic_status::AGENTIC_INVALID_INPUT);
    assert!(session.is_null());
    let error = last_error().to_string();
    assert!(!error.contains("4111"), "{error}");
    let (status, _) = start_direct_otp(client, r#"{"orderid": "o1"}"#, CARD);
    assert_eq!(status, agentic_status::AGENTIC_INVALID_INPUT);
    assert_eq!(last_error()["field"], "orderid");
    let (status, _) = start_direct_otp(
        client,
        "{}",
        r#"{"number": 4242424242424242, "exp_month": "12", "exp_year": "30", "security_code": "123"}"#,
    );
    assert_eq!(status, agentic_status::AGENTIC_INVALID_INPUT);
    let error = last_error().to_string();
    assert!(!error.contains("4242") && !error.contains("123"), "{error}");
    let (status, _) = start_direct_otp(
        client,
        "{}",
        r#"{"number": "4242424242424241", "exp_month": "12", "exp_year": "30", "security_code": "123"}"#,
    );
    assert_eq!(status, agentic_status::AGENTIC_INVALID_INPUT);
    let error = last_error();
    assert_eq!(error["field"], "card_number");
    assert!(!error.to_string().contains("4242"), "{error}");
    agentic_client_free(client);
}

#[test]
fn handles_are_checked_and_double_free_is_a_no_op() {
    let client = new_client();
    let (status, session) = start_direct_otp(client, "{}", CARD);
    assert_eq!(status, agentic_status::AGENTIC_OK, "{}", last_error());
    assert_eq!(last_error(), Value::Null, "a success clears the last error");
    // The client may go first: the session holds what it needs.
    agentic_client_free(client);
    agentic_client_free(client);
    let mut checkpoint = ptr::null_mut();
    // SAFETY: a writable out slot.
    let status = unsafe { agentic_session_checkpoint(session, &mut checkpoint) };
    assert_eq!(status, agentic_status::AGENTIC_OK);
    // SAFETY: returned by the library.
    unsafe { agentic_string_free(checkpoint) };
    // A client handle where a session is expected, and the other way round.
    assert_eq!(
        agentic_session_cancel(client.cast()),
        agentic_status::AGENTIC_INVALID_HANDLE
    );
    let (status, _) = start_direct_otp(session.cast(), "{}", CARD);
    assert_eq!(status, agentic_status::AGENTIC_INVALID_HANDLE);
    assert_eq!(last_error()["argument"], "client");
    agentic_session_free(session);
    agentic_session_free(session);
    assert_eq!(
        agentic_session_cancel(session),
        agentic_status::AGENTIC_INVALID_HANDLE
    );
    assert_eq!(
        agentic_session_cancel(ptr::without_provenance(0xdead_bee8)),
        agentic_status::AGENTIC_INVALID_HANDLE
    );
}

#[test]
fn a_panic_is_caught_and_reported_and_a_success_clears_it() {
    assert_eq!(agentic_check_panic_guard(), agentic_status::AGENTIC_PANIC);
    let error = last_error();
    assert_eq!(error["status"], "AGENTIC_PANIC");
    assert_eq!(error["type"], "panic");
    assert!(
        !error.to_string().contains("deliberate"),
        "no payload: {error}"
    );
    let client = new_client();
    assert_eq!(last_error(), Value::Null);
    agentic_client_free(client);
}

#[test]
fn inputs_are_checked_before_the_state() {
    let client = new_client();
    let (_, session) = start_direct_otp(client, "{}", CARD);
    let submit = |text: &str| {
        let text = c(text);
        // SAFETY: a NUL-terminated string.
        unsafe { agentic_session_submit(session, text.as_ptr()) }
    };
    assert_eq!(submit("{\"type\": "), agentic_status::AGENTIC_INVALID_JSON);
    assert_eq!(
        submit(r#"{"type": "pin", "pin": "1234"}"#),
        agentic_status::AGENTIC_INVALID_INPUT
    );
    assert_eq!(
        submit(r#"{"type": "otp", "otp": "45x789"}"#),
        agentic_status::AGENTIC_INVALID_INPUT
    );
    assert_eq!(last_error()["field"], "otp");
    // Nothing has been sent yet: an OTP is not what the journey waits for.
    assert_eq!(
        submit(r#"{"type": "otp", "otp": "456789"}"#),
        agentic_status::AGENTIC_INVALID_STATE
    );
    let mut out = ptr::null_mut();
    // SAFETY: a writable out slot.
    let status = unsafe { agentic_session_outcome_secrets(session, &mut out) };
    assert_eq!(status, agentic_status::AGENTIC_INVALID_STATE);
    assert!(out.is_null());
    // SAFETY: a writable out slot.
    let status = unsafe { agentic_session_page_message(session, &mut out) };
    assert_eq!(status, agentic_status::AGENTIC_OK);
    assert!(out.is_null(), "no page message before a page prompt");
    assert_eq!(agentic_session_cancel(session), agentic_status::AGENTIC_OK);
    assert_eq!(
        agentic_session_cancel(session),
        agentic_status::AGENTIC_INVALID_STATE
    );
    agentic_session_free(session);
    agentic_client_free(client);
}

#[test]
fn handles_freed_here_leave_the_registry() {
    let client = new_client();
    let (_, session) = start_direct_otp(client, "{}", CARD);
    agentic_session_free(session);
    agentic_client_free(client);
    // Other tests run in parallel: only check that ours are gone.
    assert!(handles::session(session).is_err());
    assert!(handles::client(client).is_err());
}

/// The committed header is this build's; `AGENTIC_UPDATE_HEADER=1` rewrites it.
#[test]
fn the_committed_c_header_is_the_generated_one() {
    let generated = include_str!(concat!(env!("OUT_DIR"), "/agentic.h"));
    let committed_path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../bindings/c/include/agentic.h");
    let committed = std::fs::read_to_string(&committed_path).unwrap_or_default();
    if committed == generated {
        return;
    }
    if std::env::var_os("AGENTIC_UPDATE_HEADER").is_some() {
        std::fs::write(&committed_path, generated).expect("write the header");
        return;
    }
    // Printed as well as panicked with: the SDK's panic hook (installed by any entry point in
    // this test binary) prints only a panic's location.
    let message = "bindings/c/include/agentic.h is stale (the C ABI in src/c_api changed): \
                   regenerate it with `cargo xtask c-header` and commit it";
    eprintln!("{message}");
    panic!("{message}");
}
