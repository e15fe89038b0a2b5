//! The C ABI, in the style of rustls-ffi: opaque handles, `_new`/`_free`, numbered status codes,
//! JSON strings for everything structured, and every entry point behind `catch_unwind`. The
//! header `bindings/c/include/agentic.h` is generated from this module by cbindgen (`build.rs`)
//! and committed; a test fails when it is stale.
//!
//! # Shape
//!
//! ```c
//! agentic_client *client = NULL;
//! agentic_client_new(config_json, api_key, NULL, NULL, &client);
//! agentic_session *session = NULL;
//! agentic_session_start_direct_otp(client, params_json, card_json, &session);
//! for (;;) {
//!     char *step = NULL;
//!     if (agentic_session_advance(session, &step) != AGENTIC_OK) { /* agentic_last_error */ }
//!     /* {"type":"prompt","prompt":{"type":"enter_otp",…}} → ask the user, then: */
//!     agentic_session_submit(session, "{\"type\":\"otp\",\"otp\":\"456789\"}");
//!     agentic_string_free(step);
//! }
//! ```
//!
//! - **Steps** are the engine's JSON views ([`crate::engine::json`]) plus `"journey"`; they never
//!   hold a secret. The Visa page message a prompt asks the host to post (it holds the secret
//!   `payload` JWT for `AUTHENTICATE`) comes from [`agentic_session_page_message`]; the secret
//!   parts of a successful outcome (payment credentials, `fidoBlob`) from
//!   [`agentic_session_outcome_secrets`].
//! - **Errors**: every fallible function returns an [`agentic_status`] and records the details
//!   of the calling thread's last failure, read with [`agentic_last_error`] as JSON
//!   (`{"status":"AGENTIC_PROVIDER","function":"agentic_session_advance","type":"provider",
//!   "code":"UNAUTHORIZED",…}`); a success clears it. Thread-local, like `errno`, so it also
//!   covers `agentic_client_new` and the start functions, which have no session yet.
//! - **Handles** are not pointers to Rust objects: they are numbers in a registry that holds
//!   the objects, never dereferenced and never reused. So a freed handle, a handle of the other
//!   kind or a made-up one is refused with [`agentic_status::AGENTIC_INVALID_HANDLE`]; freeing a
//!   handle twice is a no-op; freeing a session while another thread is inside
//!   [`agentic_session_advance`] is safe (the call finishes, then the session goes). Sessions
//!   keep what they need of their client, so a client may be freed before its sessions.
//! - **Strings** the library returns are released with [`agentic_string_free`], which zeroes
//!   them first (some hold secrets). `agentic_string_free(NULL)` is a no-op; a string freed
//!   twice, or a pointer that the library did not return, is **not** detected (as with
//!   `free`).
//! - **Threads**: handles may be used from any thread. [`agentic_session_advance`] blocks for
//!   the journey's HTTP calls; [`agentic_session_cancel`] may be called from another thread
//!   meanwhile and makes that `advance` return the cancelled end.
//! - **Secrets** come in as their own `const char *` arguments (credentials) or in JSON strings
//!   (card, OTP input, resume secrets) that the library parses into zeroizing types; the
//!   caller's buffers are the caller's to wipe.
//!
//! Every `unsafe` block is about the two things C hands over: `const char *` strings (read up
//! to their NUL) and `T **` out-parameters (written once).

#![allow(unsafe_code)]

use std::ffi::{c_char, c_int};

use crate::engine::{Backend, Credentials, Session, SessionStep, Settings, json, start};

mod boundary;
mod handles;
mod secrets;
#[cfg(test)]
mod tests;

use boundary::{CError, Out, entry, journey_work, optional_str, parse_json, required_str};

/// The result of every fallible function. `AGENTIC_OK` is 0; the numbers never change
/// meaning. [`agentic_status_name`] names them; [`agentic_last_error`] gives the details.
#[repr(C)]
#[allow(non_camel_case_types, clippy::enum_variant_names)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum agentic_status {
    /// Success.
    AGENTIC_OK = 0,
    /// A required pointer argument was NULL. Nothing happened.
    AGENTIC_NULL_ARGUMENT = 1,
    /// A string argument is not valid UTF-8. Nothing happened.
    AGENTIC_INVALID_UTF8 = 2,
    /// A JSON argument is not well-formed JSON. Nothing happened.
    AGENTIC_INVALID_JSON = 3,
    /// A handle is not a live handle of the expected kind (freed, of the other kind, or never
    /// returned by the library). Nothing happened.
    AGENTIC_INVALID_HANDLE = 4,
    /// A value was refused before anything was sent (a missing or malformed field, a mistyped
    /// OTP, an unknown input); the error names the field. Nothing changed: fix the value.
    AGENTIC_INVALID_INPUT = 5,
    /// The call is not valid in the journey's current state (an input for another prompt,
    /// cancel after the end). Nothing changed: advance and answer the prompt it returns.
    AGENTIC_INVALID_STATE = 6,
    /// A Visa page message was refused (another origin, not a protocol message). Nothing
    /// changed: ignore that message and keep relaying the page's messages.
    AGENTIC_PAGE_MESSAGE_REFUSED = 7,
    /// The client configuration or credentials are invalid, or the journey needs a provider
    /// section the client does not have. Nothing was sent: fix the named setting.
    AGENTIC_CONFIGURATION = 8,
    /// A checkpoint cannot be resumed (not a checkpoint, another version, a needed secret
    /// missing). Pass the named secret, or start a new journey.
    AGENTIC_CANNOT_RESUME = 9,
    /// No response from the provider after the automatic retries; the journey has ended.
    /// Check connectivity, then start a new journey (`maybe_sent` in the error).
    AGENTIC_NETWORK = 10,
    /// The provider refused a request; the journey has ended. Follow `recovery` in the error
    /// (`check_credentials` for a wrong API key …).
    AGENTIC_PROVIDER = 11,
    /// The library panicked; the panic was caught. Report it; the handle may be unusable.
    AGENTIC_PANIC = 12,
    /// A bug in the library (an impossible state). Report it.
    AGENTIC_INTERNAL = 13,
}

impl agentic_status {
    /// The status numbered `number`, if any.
    pub fn from_number(number: c_int) -> Option<Self> {
        Some(match number {
            0 => Self::AGENTIC_OK,
            1 => Self::AGENTIC_NULL_ARGUMENT,
            2 => Self::AGENTIC_INVALID_UTF8,
            3 => Self::AGENTIC_INVALID_JSON,
            4 => Self::AGENTIC_INVALID_HANDLE,
            5 => Self::AGENTIC_INVALID_INPUT,
            6 => Self::AGENTIC_INVALID_STATE,
            7 => Self::AGENTIC_PAGE_MESSAGE_REFUSED,
            8 => Self::AGENTIC_CONFIGURATION,
            9 => Self::AGENTIC_CANNOT_RESUME,
            10 => Self::AGENTIC_NETWORK,
            11 => Self::AGENTIC_PROVIDER,
            12 => Self::AGENTIC_PANIC,
            13 => Self::AGENTIC_INTERNAL,
            _ => return None,
        })
    }

    /// The C name (`AGENTIC_PROVIDER`).
    pub fn name(self) -> &'static str {
        match self {
            Self::AGENTIC_OK => "AGENTIC_OK",
            Self::AGENTIC_NULL_ARGUMENT => "AGENTIC_NULL_ARGUMENT",
            Self::AGENTIC_INVALID_UTF8 => "AGENTIC_INVALID_UTF8",
            Self::AGENTIC_INVALID_JSON => "AGENTIC_INVALID_JSON",
            Self::AGENTIC_INVALID_HANDLE => "AGENTIC_INVALID_HANDLE",
            Self::AGENTIC_INVALID_INPUT => "AGENTIC_INVALID_INPUT",
            Self::AGENTIC_INVALID_STATE => "AGENTIC_INVALID_STATE",
            Self::AGENTIC_PAGE_MESSAGE_REFUSED => "AGENTIC_PAGE_MESSAGE_REFUSED",
            Self::AGENTIC_CONFIGURATION => "AGENTIC_CONFIGURATION",
            Self::AGENTIC_CANNOT_RESUME => "AGENTIC_CANNOT_RESUME",
            Self::AGENTIC_NETWORK => "AGENTIC_NETWORK",
            Self::AGENTIC_PROVIDER => "AGENTIC_PROVIDER",
            Self::AGENTIC_PANIC => "AGENTIC_PANIC",
            Self::AGENTIC_INTERNAL => "AGENTIC_INTERNAL",
        }
    }

    /// The name as a NUL-terminated static string.
    fn c_name(self) -> &'static std::ffi::CStr {
        match self {
            Self::AGENTIC_OK => c"AGENTIC_OK",
            Self::AGENTIC_NULL_ARGUMENT => c"AGENTIC_NULL_ARGUMENT",
            Self::AGENTIC_INVALID_UTF8 => c"AGENTIC_INVALID_UTF8",
            Self::AGENTIC_INVALID_JSON => c"AGENTIC_INVALID_JSON",
            Self::AGENTIC_INVALID_HANDLE => c"AGENTIC_INVALID_HANDLE",
            Self::AGENTIC_INVALID_INPUT => c"AGENTIC_INVALID_INPUT",
            Self::AGENTIC_INVALID_STATE => c"AGENTIC_INVALID_STATE",
            Self::AGENTIC_PAGE_MESSAGE_REFUSED => c"AGENTIC_PAGE_MESSAGE_REFUSED",
            Self::AGENTIC_CONFIGURATION => c"AGENTIC_CONFIGURATION",
            Self::AGENTIC_CANNOT_RESUME => c"AGENTIC_CANNOT_RESUME",
            Self::AGENTIC_NETWORK => c"AGENTIC_NETWORK",
            Self::AGENTIC_PROVIDER => c"AGENTIC_PROVIDER",
            Self::AGENTIC_PANIC => c"AGENTIC_PANIC",
            Self::AGENTIC_INTERNAL => c"AGENTIC_INTERNAL",
        }
    }
}

/// A client: the validated configuration, the credentials and one connection pool, shared by
/// its sessions. Create with [`agentic_client_new`], release with [`agentic_client_free`].
#[allow(non_camel_case_types)]
#[derive(Debug)]
pub struct agentic_client {
    _opaque: [u8; 0],
}

/// One running journey. Create with an `agentic_session_start_*` function or
/// [`agentic_session_resume`], release with [`agentic_session_free`].
#[allow(non_camel_case_types)]
#[derive(Debug)]
pub struct agentic_session {
    _opaque: [u8; 0],
}

// ---------------------------------------------------------------------------------------------
// Library
// ---------------------------------------------------------------------------------------------

/// The name of a status (`"AGENTIC_PROVIDER"`), a static string: do not free it. A number that
/// is not a status gives `"AGENTIC_UNKNOWN_STATUS"`. Takes an `int` so that any value a C
/// caller holds is safe to pass.
#[unsafe(no_mangle)]
pub extern "C" fn agentic_status_name(status: c_int) -> *const c_char {
    boundary::static_entry(|| {
        agentic_status::from_number(status)
            .map_or(c"AGENTIC_UNKNOWN_STATUS", agentic_status::c_name)
    })
}

/// The library's version (`"0.1.0"`), a static string: do not free it.
#[unsafe(no_mangle)]
pub extern "C" fn agentic_version() -> *const c_char {
    const VERSION: &std::ffi::CStr = match std::ffi::CStr::from_bytes_with_nul(
        concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes(),
    ) {
        Ok(version) => version,
        Err(_) => c"unknown",
    };
    boundary::static_entry(|| VERSION)
}

/// The details of the calling thread's last failed call, as JSON:
/// `{"status": "AGENTIC_…", "function": "agentic_…", "type": "…", …}` where `type` and the
/// other fields are those of the error (`invalid_input` with `field` and `problem`,
/// `provider` with `provider`, `http_status`, `code`, `category`, `request_id`, `retryable`,
/// `recovery`, `detail`; `null_argument`/`invalid_utf8`/`invalid_json`/`invalid_handle` with
/// `argument` …). No secret is ever in it.
///
/// `*json_out` is set to NULL when the thread's last call succeeded (or none was made). This
/// function, the `_free` functions, [`agentic_status_name`] and [`agentic_version`] leave the
/// last error as it is; every other function sets or clears it.
///
/// # Safety
/// `json_out` must be NULL or point to writable storage for a `char *`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn agentic_last_error(json_out: *mut *mut c_char) -> agentic_status {
    boundary::quiet_entry(|| {
        // SAFETY: the caller promises `json_out` is NULL or writable (see # Safety).
        let out = unsafe { Out::new(json_out, "json_out") }?;
        if let Some(text) = boundary::last_error_json() {
            out.set_string(&text)?;
        }
        Ok(())
    })
}

/// Releases a string the library returned (zeroing it first: some hold secrets). NULL is a
/// no-op. A string must be released exactly once; a double release, or a pointer the library
/// did not return, is not detected.
///
/// # Safety
/// `string` must be NULL or a string returned by this library and not yet released.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn agentic_string_free(string: *mut c_char) {
    if string.is_null() {
        return;
    }
    boundary::free_entry(|| {
        // SAFETY: the caller promises `string` came from `CString::into_raw` in this library
        // (boundary::Out::set_string) and was not released: retaking it is sound.
        unsafe { boundary::free_string(string) };
    });
}

/// Panics inside the library on purpose, behind the same guard as every entry point, and
/// returns `AGENTIC_PANIC` with a `panic` last error: a host's integration test can prove
/// that panics are caught with its build of the library (a library built with
/// `panic = "abort"` would kill the process here instead). Prints one line to stderr.
#[unsafe(no_mangle)]
pub extern "C" fn agentic_check_panic_guard() -> agentic_status {
    entry("agentic_check_panic_guard", || -> Result<(), CError> {
        std::panic::panic_any("agentic_check_panic_guard: a deliberate panic")
    })
}

// ---------------------------------------------------------------------------------------------
// Client
// ---------------------------------------------------------------------------------------------

/// Creates a client from its configuration and credentials. Nothing is sent.
///
/// `config_json` (no secrets):
/// `{"juspay": {"environment": "sandbox" | "production" | "https://…", "merchant_id": "…",
/// "routing_id": "…"}, "visa_acceptance": {"environment": …, "merchant_id": "…", "key_id":
/// "…"}, "connect_timeout_ms": 10000, "read_timeout_ms": 30000, "overall_timeout_ms": 45000}`;
/// every section and timeout is optional (`http://` is allowed on loopback only). The
/// credentials are separate arguments, each NULL when absent: the Juspay API key *or* client
/// auth token when `juspay` is configured, the Visa Acceptance shared secret (base64) when
/// `visa_acceptance` is.
///
/// Errors: `AGENTIC_NULL_ARGUMENT` (`config_json`, `client_out`), `AGENTIC_INVALID_UTF8`,
/// `AGENTIC_INVALID_JSON`, `AGENTIC_CONFIGURATION` (naming the setting: an unknown field or
/// environment, a missing or extra credential, a bad URL or timeout).
///
/// # Safety
/// Strings must be NULL or NUL-terminated; `client_out` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn agentic_client_new(
    config_json: *const c_char,
    juspay_api_key: *const c_char,
    juspay_client_auth_token: *const c_char,
    visa_shared_secret: *const c_char,
    client_out: *mut *mut agentic_client,
) -> agentic_status {
    entry("agentic_client_new", || {
        // SAFETY: the caller promises the pointers are NULL, writable or NUL-terminated (see
        // # Safety); each helper checks NULL first.
        let (out, config, api_key, token, shared_secret) = unsafe {
            (
                Out::new(client_out, "client_out")?,
                required_str(config_json, "config_json")?,
                optional_str(juspay_api_key, "juspay_api_key")?,
                optional_str(juspay_client_auth_token, "juspay_client_auth_token")?,
                optional_str(visa_shared_secret, "visa_shared_secret")?,
            )
        };
        let settings: Settings = parse_json(config, "config_json", boundary::DataError::Config)?;
        let credentials = Credentials {
            juspay_api_key: api_key.map(start::Secret::new),
            juspay_client_auth_token: token.map(start::Secret::new),
            visa_shared_secret: shared_secret.map(start::Secret::new),
        };
        let backend = Backend::from_settings(settings, credentials, None)?;
        out.set(handles::insert_client(backend)?);
        Ok(())
    })
}

/// Releases a client. NULL, and a handle already released, are no-ops. Its sessions keep
/// working (they hold what they need of it).
#[unsafe(no_mangle)]
pub extern "C" fn agentic_client_free(client: *mut agentic_client) {
    boundary::free_entry(|| handles::remove_client(client));
}

// ---------------------------------------------------------------------------------------------
// Starting and resuming
// ---------------------------------------------------------------------------------------------

/// Starts a card enrollment (Juspay VAT). Nothing is sent until the first advance.
///
/// `params_json` (public values): `{"customer_id", "country_code", "user_agent",
/// "ip_address", "device_model", "device_brand", "device_manufacturer", "amount", "currency",
/// "page_origin": "sandbox" | "production" | "https://…"}` required; `"identity_type"`
/// (`EMAIL_ADDRESS`), `"app_name"`, `"platform_type"` (`WEB`), `"reference_id"` optional.
/// `card_json` (secret): `{"number", "exp_month" (MM), "exp_year" (YY), "security_code",
/// "name_on_card"?}` or a Juspay card token `{"token": "ctkn_…"}`.
///
/// Errors: `AGENTIC_NULL_ARGUMENT`, `AGENTIC_INVALID_HANDLE`, `AGENTIC_INVALID_UTF8`,
/// `AGENTIC_INVALID_JSON`, `AGENTIC_INVALID_INPUT` (naming the field),
/// `AGENTIC_CONFIGURATION` (Juspay not configured).
///
/// # Safety
/// Strings must be NULL or NUL-terminated; `session_out` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn agentic_session_start_enrollment(
    client: *const agentic_client,
    params_json: *const c_char,
    card_json: *const c_char,
    session_out: *mut *mut agentic_session,
) -> agentic_status {
    entry("agentic_session_start_enrollment", || {
        // SAFETY: as documented in # Safety; each helper checks NULL first.
        let (out, params, card) = unsafe {
            (
                Out::new(session_out, "session_out")?,
                required_str(params_json, "params_json")?,
                required_str(card_json, "card_json")?,
            )
        };
        let backend = handles::client(client)?;
        let params = parse_json(params, "params_json", boundary::DataError::Input)?;
        let card = secrets::card(card)?;
        let session = journey_work(|| start::enrollment(&backend, params, card))?;
        out.set(handles::insert_session(session)?);
        Ok(())
    })
}

/// Starts an agentic purchase (Juspay VAT) with a token an enrollment provisioned.
///
/// `params_json`: `{"customer_id", "v_provisioned_token_id", "amount", "currency",
/// "instruction_expires_at_ms", "order_id", "page_origin"}` required; `"instruction_limit"`,
/// `"instruction_description"`, `"transaction_id"`, `"nw_transaction_id"`, `"sub_total"`,
/// `"tax"`, `"shipping_address": {"line1", "city", "state", "postal_code", "country_code"?}`,
/// `"popup_preference"`, `"platform_type"`, `"reference_id"` optional.
///
/// Errors: as [`agentic_session_start_enrollment`].
///
/// # Safety
/// Strings must be NULL or NUL-terminated; `session_out` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn agentic_session_start_purchase(
    client: *const agentic_client,
    params_json: *const c_char,
    session_out: *mut *mut agentic_session,
) -> agentic_status {
    entry("agentic_session_start_purchase", || {
        // SAFETY: as documented in # Safety; each helper checks NULL first.
        let (out, params) = unsafe {
            (
                Out::new(session_out, "session_out")?,
                required_str(params_json, "params_json")?,
            )
        };
        let backend = handles::client(client)?;
        let params = parse_json(params, "params_json", boundary::DataError::Input)?;
        let session = journey_work(|| start::purchase(&backend, params))?;
        out.set(handles::insert_session(session)?);
        Ok(())
    })
}

/// Starts a Direct OTP card payment (Juspay EC). The client needs `juspay.routing_id`.
///
/// `params_json`: all optional — `"order_id"` (random when absent), `"new_order": {"amount",
/// "currency"?, "customer_id"?, "customer_email"?, "customer_phone"?, "return_url"?}` (create
/// the order first), `"card_bin"` (check the BIN first), `"payment_method"`,
/// `"save_to_locker"`, `"auto_capture"`. `card_json` (secret): `{"number", "exp_month",
/// "exp_year", "security_code"}` or a saved card `{"token", "security_code"?}`.
///
/// Errors: as [`agentic_session_start_enrollment`].
///
/// # Safety
/// Strings must be NULL or NUL-terminated; `session_out` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn agentic_session_start_direct_otp(
    client: *const agentic_client,
    params_json: *const c_char,
    card_json: *const c_char,
    session_out: *mut *mut agentic_session,
) -> agentic_status {
    entry("agentic_session_start_direct_otp", || {
        // SAFETY: as documented in # Safety; each helper checks NULL first.
        let (out, params, card) = unsafe {
            (
                Out::new(session_out, "session_out")?,
                required_str(params_json, "params_json")?,
                required_str(card_json, "card_json")?,
            )
        };
        let backend = handles::client(client)?;
        let params = parse_json(params, "params_json", boundary::DataError::Input)?;
        let card = secrets::card(card)?;
        let session = journey_work(|| start::direct_otp(&backend, params, card))?;
        out.set(handles::insert_session(session)?);
        Ok(())
    })
}

/// Starts the tokenized-card passkey journey with step-up (Visa Acceptance).
///
/// `params_json`: `{"token_id", "amount", "currency", "merchant_name", "merchant_url",
/// "buyer_language", "email", "page_origin"}` required; `"phone_number"`, `"platform_type"`,
/// `"reference_id"` optional.
///
/// Errors: as [`agentic_session_start_enrollment`] (`AGENTIC_CONFIGURATION` when Visa
/// Acceptance is not configured).
///
/// # Safety
/// Strings must be NULL or NUL-terminated; `session_out` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn agentic_session_start_visa_passkey(
    client: *const agentic_client,
    params_json: *const c_char,
    session_out: *mut *mut agentic_session,
) -> agentic_status {
    entry("agentic_session_start_visa_passkey", || {
        // SAFETY: as documented in # Safety; each helper checks NULL first.
        let (out, params) = unsafe {
            (
                Out::new(session_out, "session_out")?,
                required_str(params_json, "params_json")?,
            )
        };
        let backend = handles::client(client)?;
        let params = parse_json(params, "params_json", boundary::DataError::Input)?;
        let session = journey_work(|| start::visa_passkey(&backend, params))?;
        out.set(handles::insert_session(session)?);
        Ok(())
    })
}

/// Continues a journey of any kind from [`agentic_session_checkpoint`]'s text, on `client`.
///
/// `secrets_json` (NULL for none) re-supplies the secrets a checkpoint never holds; the
/// journey takes what it needs and the error names a missing one: `{"card": <as card_json>,
/// "secure_token", "visa_payload", "fido_blob", "otp", "issuer_auth_code": "…",
/// "credentials": <the "raw" object of agentic_session_outcome_secrets>, "assurance":
/// {"fido_blob", "identifier"?, "rp_id"?}}`, every key optional.
///
/// Errors: `AGENTIC_NULL_ARGUMENT`, `AGENTIC_INVALID_HANDLE`, `AGENTIC_INVALID_UTF8`,
/// `AGENTIC_INVALID_JSON`, `AGENTIC_CANNOT_RESUME` (not a checkpoint, another version, a
/// needed secret missing), `AGENTIC_INVALID_INPUT` (a malformed secret),
/// `AGENTIC_CONFIGURATION`.
///
/// # Safety
/// Strings must be NULL or NUL-terminated; `session_out` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn agentic_session_resume(
    client: *const agentic_client,
    checkpoint_json: *const c_char,
    secrets_json: *const c_char,
    session_out: *mut *mut agentic_session,
) -> agentic_status {
    entry("agentic_session_resume", || {
        // SAFETY: as documented in # Safety; each helper checks NULL first.
        let (out, checkpoint, secrets_text) = unsafe {
            (
                Out::new(session_out, "session_out")?,
                required_str(checkpoint_json, "checkpoint_json")?,
                optional_str(secrets_json, "secrets_json")?,
            )
        };
        let backend = handles::client(client)?;
        boundary::check_syntax(checkpoint, "checkpoint_json")?;
        let resume_secrets = match secrets_text {
            Some(text) => secrets::resume(text)?,
            None => crate::engine::ResumeSecrets::default(),
        };
        let session = Session::resume((*backend).clone(), checkpoint, resume_secrets)?;
        out.set(handles::insert_session(session)?);
        Ok(())
    })
}

/// Releases a session. NULL, and a handle already released, are no-ops. Safe while another
/// thread is inside a call on the same session: that call finishes first.
#[unsafe(no_mangle)]
pub extern "C" fn agentic_session_free(session: *mut agentic_session) {
    boundary::free_entry(|| handles::remove_session(session));
}

// ---------------------------------------------------------------------------------------------
// Running a session
// ---------------------------------------------------------------------------------------------

/// Runs the journey until it needs the host or ends. **Blocks** for the journey's HTTP calls
/// and retry back-offs (each bounded by the client's timeouts).
///
/// `*step_json_out` receives, without any secret:
/// `{"journey": "direct_otp", "type": "prompt", "prompt": {"type": "enter_otp", …}}`,
/// `{"journey": …, "type": "done", "outcome": {"type": "paid", …}}` or
/// `{"journey": …, "type": "failed", "failure": {"type": "cancelled", …}}`. Prompts:
/// `provide_visa_session`, `choose_step_up`, `enter_otp`, `complete_step_up`,
/// `passkey_ceremony`, `redirect`, `confirm_unknown_outcome`; when the prompt's
/// `message_type` is not null, take the message to post from
/// [`agentic_session_page_message`]. A finished journey answers the same again.
///
/// Errors (the journey has ended; asked again it answers the same): `AGENTIC_PROVIDER`,
/// `AGENTIC_NETWORK`, `AGENTIC_INTERNAL`; and `AGENTIC_CONFIGURATION` when a request cannot
/// be prepared (nothing sent), plus the argument errors.
///
/// # Safety
/// `step_json_out` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn agentic_session_advance(
    session: *const agentic_session,
    step_json_out: *mut *mut c_char,
) -> agentic_status {
    entry("agentic_session_advance", || {
        // SAFETY: as documented in # Safety.
        let out = unsafe { Out::new(step_json_out, "step_json_out") }?;
        let session = handles::session(session)?;
        let step = journey_work(|| session.advance())?;
        let mut view = json::step(&step);
        if let Some(object) = view.as_object_mut() {
            object.insert("journey".to_owned(), session.kind().as_str().into());
        }
        out.set_string(&view.to_string())
    })
}

/// The Visa page message the current prompt asks the host to post into the page (its exact
/// JSON text: `CREATE_AUTH_SESSION`, or `AUTHENTICATE`, which holds the secret `payload`
/// JWT — post it, do not log or store it). `*message_json_out` is NULL when the current state
/// has no message to post. Post it to the prompt's `origin`, then relay the page's answers
/// with `{"type": "visa_message", "json": "<the page's message>", "origin": "<its origin>"}`.
///
/// # Safety
/// `message_json_out` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn agentic_session_page_message(
    session: *const agentic_session,
    message_json_out: *mut *mut c_char,
) -> agentic_status {
    entry("agentic_session_page_message", || {
        // SAFETY: as documented in # Safety.
        let out = unsafe { Out::new(message_json_out, "message_json_out") }?;
        let session = handles::session(session)?;
        let message = session.with_journey(|journey| match journey.next_action() {
            agentic_core::journey::Action::Prompt(prompt) => SessionStep::Prompt(prompt)
                .message_to_post()
                .map(|m| zeroize::Zeroizing::new(m.as_json().to_owned())),
            _ => None,
        });
        match message {
            Some(text) => out.set_string(&text),
            None => Ok(()),
        }
    })
}

/// The secret parts of the journey's successful outcome, as JSON (release it promptly):
/// `{"type": "authorised", "token_number", "expiry_month", "expiry_year", "cryptogram",
/// "dynamic_data_type", "transaction_reference", "status", "raw": {the provider's body}}` for a
/// purchase; `{"type": "passkey_verified", "fido_blob", "identifier", "rp_id"}` for the Visa
/// passkey; `{"type": "enrolled"}` or `{"type": "paid"}` (nothing secret) otherwise.
///
/// Errors: `AGENTIC_INVALID_STATE` when the journey has not succeeded (yet).
///
/// # Safety
/// `secrets_json_out` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn agentic_session_outcome_secrets(
    session: *const agentic_session,
    secrets_json_out: *mut *mut c_char,
) -> agentic_status {
    entry("agentic_session_outcome_secrets", || {
        // SAFETY: as documented in # Safety.
        let out = unsafe { Out::new(secrets_json_out, "secrets_json_out") }?;
        let session = handles::session(session)?;
        let text = session.with_journey(|journey| match journey.next_action() {
            agentic_core::journey::Action::Done(outcome) => secrets::outcome(&outcome),
            _ => Err(crate::error::AgenticError::InvalidState {
                detail: "the journey has not succeeded: there is no outcome".to_owned(),
            }
            .into()),
        })?;
        out.set_string(&text)
    })
}

/// Answers the current prompt. `input_json` is one of: `{"type": "otp", "otp": "456789"}`,
/// `{"type": "resend_otp"}`, `{"type": "choose_step_up", "identifier": "…"}`,
/// `{"type": "choose_another_method"}`, `{"type": "issuer_auth_code", "code": "…"}`,
/// `{"type": "visa_message", "json": "…", "origin": "https://…"}`,
/// `{"type": "visa_session", "secure_token": "…", "browser_data": {…}}`,
/// `{"type": "page_closed"}`, `{"type": "step_up_completed"}`,
/// `{"type": "redirect_completed"}`, `{"type": "reconcile"}`,
/// `{"type": "resend_after_unknown_outcome"}`, `{"type": "cancel"}`.
///
/// Errors (nothing changed in every case): `AGENTIC_INVALID_JSON`, `AGENTIC_INVALID_INPUT`
/// (an unknown input, a malformed OTP …), `AGENTIC_INVALID_STATE` (not valid now: advance and
/// answer the prompt it returns), `AGENTIC_PAGE_MESSAGE_REFUSED`, plus the argument errors.
///
/// # Safety
/// `input_json` must be NULL or NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn agentic_session_submit(
    session: *const agentic_session,
    input_json: *const c_char,
) -> agentic_status {
    entry("agentic_session_submit", || {
        // SAFETY: as documented in # Safety.
        let text = unsafe { required_str(input_json, "input_json") }?;
        let session = handles::session(session)?;
        boundary::check_syntax(text, "input_json")?;
        let input = json::input_from_json(text)?;
        Ok(journey_work(|| session.submit(input))?)
    })
}

/// Cancels the journey, from any thread — also while another thread is inside
/// [`agentic_session_advance`], which then returns the `cancelled` failure (naming a call that
/// may have reached the provider in `outcome_unknown_for`).
///
/// Errors: `AGENTIC_INVALID_STATE` when the journey has already ended.
#[unsafe(no_mangle)]
pub extern "C" fn agentic_session_cancel(session: *const agentic_session) -> agentic_status {
    entry("agentic_session_cancel", || {
        let session = handles::session(session)?;
        Ok(session.cancel()?)
    })
}

/// The journey's whole state as versioned JSON, without secrets: store it, and continue after a
/// restart with [`agentic_session_resume`]. Taken while a request is in flight, it resumes at
/// the unknown-outcome prompt for calls that are not idempotent.
///
/// # Safety
/// `checkpoint_json_out` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn agentic_session_checkpoint(
    session: *const agentic_session,
    checkpoint_json_out: *mut *mut c_char,
) -> agentic_status {
    entry("agentic_session_checkpoint", || {
        // SAFETY: as documented in # Safety.
        let out = unsafe { Out::new(checkpoint_json_out, "checkpoint_json_out") }?;
        let session = handles::session(session)?;
        out.set_string(&session.checkpoint())
    })
}
