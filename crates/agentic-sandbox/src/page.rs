//! The fake Visa auth page: its state (sessions — `secureToken` — it created and passkey
//! ceremonies the providers issued), the page itself at [`PAGE_PATH`], and the messages it
//! posts, also available headlessly ([`session_created_message`], [`ceremony_result_message`]
//! and the admin routes `/__sandbox/visa-page/…`).
//!
//! VAT and Visa Acceptance handlers issue and check ceremonies through [`new_ceremony`],
//! [`ceremony`], [`assurance_valid`] and [`has_passkey`]; the page completes them.
//!
//! The page speaks the postMessage protocol of API.md §3.2 with `window.opener` (popup) or
//! `window.parent` (iframe), posting to any origin; its own origin is the sandbox's
//! (`http://127.0.0.1:PORT`), which the SDK accepts as a custom `VisaPageOrigin` on loopback:
//!
//! ```text
//! page → host   AUTH_READY{requestID}                         on load
//! host → page   CREATE_AUTH_SESSION                           → POST /__sandbox/visa-page/session
//! page → host   AUTH_SESSION_CREATED{…}
//! host → page   AUTHENTICATE{authenticationContext}           shows "Use passkey" and "Cancel"
//! page → host   AUTH_COMPLETE{assuranceData} | AUTH_FAILED    "Use passkey" → POST /__sandbox/visa-page/ceremony
//!             | AUTH_CANCELLED                                "Cancel"
//! host → page   CLOSE_AUTH_SESSION                            closes (a popup closes itself)
//! ```

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use base64::Engine;
use serde_json::{Map, Value, json};

use crate::state::{Counters, Shared, lock};

/// A ceremony a provider handed out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedCeremony {
    /// `identifier` / `authenticationContext.id`.
    pub identifier: String,
    /// base64 of the page path (as Visa's pages use).
    pub endpoint: String,
    /// The signed payload (a JWT-shaped string).
    pub payload: String,
    /// `REGISTER` or `AUTHENTICATE`.
    pub action: String,
    /// The token (VAT `vProvisionedTokenId`, Visa Acceptance `tokenId`) it is for.
    pub subject: String,
    /// The `fidoBlob` once completed.
    pub fido_blob: Option<String>,
}

/// Sessions and ceremonies.
#[derive(Debug, Default)]
pub struct PageState {
    sessions: HashMap<String, u64>,
    ceremonies: HashMap<String, IssuedCeremony>,
    next: u64,
}

/// The relying party the fake page reports.
pub const RP_ID: &str = "sbx.vts.auth.visa.com";

/// Creates a session and returns its `secureToken`.
pub fn new_session(shared: &Shared) -> String {
    let mut page = lock(&shared.page);
    page.next += 1;
    let token = format!("ezAwMX06sbx{:016x}{:08x}", Shared::now_ms(), page.next);
    page.sessions.insert(token.clone(), Shared::now_ms());
    token
}

/// Whether `secure_token` is a session this page created.
pub fn session_exists(shared: &Shared, secure_token: &str) -> bool {
    lock(&shared.page).sessions.contains_key(secure_token)
}

/// Issues a ceremony for `subject`.
pub fn new_ceremony(shared: &Shared, action: &str, subject: &str) -> IssuedCeremony {
    let mut page = lock(&shared.page);
    page.next += 1;
    let identifier = format!(
        "{:032x}",
        (u128::from(Shared::now_ms()) << 32) | u128::from(page.next)
    );
    let path = if action == "REGISTER" {
        "/oauth2/authorization/request/hub/payment-credential-binding"
    } else {
        "/oauth2/authorization/request/hub/payment-credential-authentication"
    };
    let b64 = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
    let ceremony = IssuedCeremony {
        identifier: identifier.clone(),
        endpoint: base64::engine::general_purpose::STANDARD.encode(path),
        payload: format!(
            "{}.{}.{}",
            b64(r#"{"alg":"none","typ":"JWT"}"#),
            b64(&format!(
                r#"{{"sub":"{subject}","action":"{action}","jti":"{identifier}"}}"#
            )),
            b64("sandbox-signature")
        ),
        action: action.to_owned(),
        subject: subject.to_owned(),
        fido_blob: None,
    };
    page.ceremonies.insert(identifier, ceremony.clone());
    ceremony
}

/// Completes the ceremony `identifier` whose `payload` matches: returns the `fidoBlob` (the
/// same one if it was already completed). `None` for an unknown identifier or a wrong payload.
pub fn complete_ceremony(shared: &Shared, identifier: &str, payload: &str) -> Option<String> {
    let mut page = lock(&shared.page);
    let ceremony = page.ceremonies.get_mut(identifier)?;
    if ceremony.payload != payload {
        return None;
    }
    if ceremony.fido_blob.is_none() {
        ceremony.fido_blob = Some(format!("fido-sbx-{identifier}"));
        if ceremony.action == "REGISTER" {
            Counters::bump(&shared.counters.passkeys_registered);
        }
    }
    ceremony.fido_blob.clone()
}

/// The ceremony `identifier`, if issued.
pub fn ceremony(shared: &Shared, identifier: &str) -> Option<IssuedCeremony> {
    lock(&shared.page).ceremonies.get(identifier).cloned()
}

/// Whether `fido_blob` is the result of the completed ceremony `identifier`.
pub fn assurance_valid(shared: &Shared, identifier: &str, fido_blob: &str) -> bool {
    lock(&shared.page)
        .ceremonies
        .get(identifier)
        .is_some_and(|c| c.fido_blob.as_deref() == Some(fido_blob))
}

/// Whether `subject` has a completed REGISTER ceremony (its device holds a passkey).
pub fn has_passkey(shared: &Shared, subject: &str) -> bool {
    lock(&shared.page)
        .ceremonies
        .values()
        .any(|c| c.subject == subject && c.action == "REGISTER" && c.fido_blob.is_some())
}

// ---------------------------------------------------------------------------------------------
// The messages the page posts
// ---------------------------------------------------------------------------------------------

/// Where the page is served (the path of Visa's own page, API.md §3.1).
pub const PAGE_PATH: &str = "/vts-auth/authenticate";

/// The protocol version the page reports.
const VERSION: &str = "1";

/// The `browserData` fields and the values the page reports when the request gives none.
const BROWSER_DATA: [(&str, BrowserValue); 10] = [
    ("browserJavaEnabled", BrowserValue::Flag(false)),
    ("browserJavascriptEnabled", BrowserValue::Flag(true)),
    ("browserLanguage", BrowserValue::Text("en-GB")),
    ("browserColorDepth", BrowserValue::Text("24")),
    ("browserScreenHeight", BrowserValue::Text("1080")),
    ("browserScreenWidth", BrowserValue::Text("1920")),
    ("browserTimeZone", BrowserValue::Text("0")),
    ("userAgent", BrowserValue::Text("agentic-sandbox")),
    (
        "browserHeader",
        BrowserValue::Text("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
    ),
    ("ipAddress", BrowserValue::Text("127.0.0.1")),
];

#[derive(Debug, Clone, Copy)]
enum BrowserValue {
    Flag(bool),
    Text(&'static str),
}

/// A string or number as text.
fn loose_text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// `browserData` with the defaults above, overridden by the request's `browserData` fields
/// (flags stay booleans, the others are reported as strings, as in the J-PTP sample).
fn browser_data(given: Option<&Value>) -> Value {
    let mut data = Map::new();
    for (name, default) in BROWSER_DATA {
        let given = given.and_then(|g| g.get(name));
        let value = match default {
            BrowserValue::Flag(flag) => match given {
                Some(Value::Bool(b)) => Value::Bool(*b),
                Some(Value::String(s)) => Value::Bool(s.eq_ignore_ascii_case("true")),
                _ => Value::Bool(flag),
            },
            BrowserValue::Text(text) => {
                Value::String(loose_text(given).unwrap_or_else(|| text.to_owned()))
            }
        };
        data.insert(name.to_owned(), value);
    }
    Value::Object(data)
}

/// Creates a session and returns the `AUTH_SESSION_CREATED` message the page posts:
/// `{type, requestID, version, sessionContext{secureToken}, browserData{…10 fields…},
/// dfpSessionID, authenticationPreferencesSupported{requiresPopupForAuthenticate: false,
/// requiresPopupForRegister: false}}`.
///
/// `request` is the host's `CREATE_AUTH_SESSION` message (its `requestID` is echoed; a fresh
/// one is made without it), optionally with the `browserData` the page collected.
pub fn session_created_message(shared: &Shared, request: &Value) -> Value {
    let request_id = loose_text(request.get("requestID")).unwrap_or_else(crate::reply::request_id);
    let secure_token = new_session(shared);
    json!({
        "type": "AUTH_SESSION_CREATED",
        "requestID": request_id,
        "version": VERSION,
        "sessionContext": {"secureToken": secure_token},
        "browserData": browser_data(request.get("browserData")),
        "dfpSessionID": format!("dfp-{}", crate::reply::request_id()),
        "authenticationPreferencesSupported": {
            "requiresPopupForAuthenticate": false,
            "requiresPopupForRegister": false,
        },
    })
}

/// Why a ceremony message was not completed (`AUTH_FAILED.reason`).
fn auth_failed(request_id: &str, reason: &str, message: &str) -> Value {
    json!({"type": "AUTH_FAILED", "requestID": request_id, "reason": reason, "message": message})
}

/// Runs the ceremony of an `AUTHENTICATE` message the way the page's "Use passkey" button does.
///
/// `Ok` is the `AUTH_COMPLETE` message `{type, requestID, assuranceData{fidoBlob, identifier,
/// rpID}}`; `Err` is an `AUTH_FAILED` message `{type, requestID, reason, message}` with reason
/// `INVALID_MESSAGE` (not an `AUTHENTICATE` with `authenticationContext.identifier` and
/// `.payload`), `UNKNOWN_IDENTIFIER`, `ACTION_MISMATCH` or `ENDPOINT_MISMATCH` (the message's
/// `action` / `endpoint` are not the issued ones), or `INVALID_PAYLOAD`.
///
/// # Errors
/// The `AUTH_FAILED` message, as above.
pub fn ceremony_result_message(shared: &Shared, authenticate: &Value) -> Result<Value, Value> {
    let request_id = loose_text(authenticate.get("requestID")).unwrap_or_default();
    let context = authenticate.get("authenticationContext");
    let field = |name: &str| context.and_then(|c| loose_text(c.get(name)));
    let (Some("AUTHENTICATE"), Some(identifier), Some(payload)) = (
        authenticate.get("type").and_then(Value::as_str),
        field("identifier").or_else(|| field("id")),
        field("payload"),
    ) else {
        return Err(auth_failed(
            &request_id,
            "INVALID_MESSAGE",
            "Expected an AUTHENTICATE message with authenticationContext.identifier and .payload.",
        ));
    };
    let Some(issued) = ceremony(shared, &identifier) else {
        return Err(auth_failed(
            &request_id,
            "UNKNOWN_IDENTIFIER",
            "No ceremony was issued with this identifier.",
        ));
    };
    if field("action").is_some_and(|action| action != issued.action) {
        return Err(auth_failed(
            &request_id,
            "ACTION_MISMATCH",
            "The action is not the one the ceremony was issued for.",
        ));
    }
    if field("endpoint").is_some_and(|endpoint| endpoint != issued.endpoint) {
        return Err(auth_failed(
            &request_id,
            "ENDPOINT_MISMATCH",
            "The endpoint is not the one the ceremony was issued with.",
        ));
    }
    let Some(fido_blob) = complete_ceremony(shared, &identifier, &payload) else {
        return Err(auth_failed(
            &request_id,
            "INVALID_PAYLOAD",
            "The payload is not the one the ceremony was issued with.",
        ));
    };
    Ok(json!({
        "type": "AUTH_COMPLETE",
        "requestID": request_id,
        "assuranceData": {"fidoBlob": fido_blob, "identifier": identifier, "rpID": RP_ID},
    }))
}

// ---------------------------------------------------------------------------------------------
// The page
// ---------------------------------------------------------------------------------------------

/// `GET /vts-auth/authenticate`: the page (query parameters such as `apikey` and `clientAppID`
/// are accepted and ignored).
pub fn router() -> Router<Arc<Shared>> {
    Router::new().route(PAGE_PATH, get(serve_page))
}

async fn serve_page(headers: HeaderMap) -> Response {
    // The page reports the Accept header it was loaded with as `browserHeader`, as Visa's does.
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("*/*");
    let literal = serde_json::to_string(accept)
        .unwrap_or_else(|_| "\"*/*\"".to_owned())
        .replace('<', "\\u003c");
    let html = PAGE_HTML.replace("__BROWSER_HEADER__", &literal);
    let mut response = (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        )],
        html,
    )
        .into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

const PAGE_HTML: &str = r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Visa authentication — agentic sandbox</title>
<style>
  body { font-family: system-ui, sans-serif; max-width: 28rem; margin: 2rem auto; padding: 0 1rem; color: #1a1f71; }
  h1 { font-size: 1.25rem; }
  .sandbox { font-size: .8rem; color: #666; }
  button { font-size: 1rem; padding: .5rem 1rem; margin-right: .5rem; border-radius: .25rem; border: 1px solid #1a1f71; }
  #use-passkey { background: #1a1f71; color: #fff; }
  [hidden] { display: none; }
</style>
</head>
<body>
<h1>Visa passkey</h1>
<p class="sandbox">agentic sandbox — no real card, no real passkey.</p>
<p id="status">Waiting for the host…</p>
<div id="ceremony" hidden>
  <p id="what"></p>
  <button id="use-passkey" type="button">Use passkey</button>
  <button id="cancel" type="button">Cancel</button>
</div>
<script>
(function () {
  "use strict";
  var BROWSER_HEADER = __BROWSER_HEADER__;
  var host = window.opener || (window.parent !== window ? window.parent : null);
  var requestID = (window.crypto && window.crypto.randomUUID)
    ? window.crypto.randomUUID()
    : String(Date.now()) + Math.random().toString(16).slice(2);
  var pending = null;
  var closed = false;
  var statusLine = document.getElementById("status");
  var ceremony = document.getElementById("ceremony");

  function show(text) { statusLine.textContent = text; }

  function post(message) {
    if (host) { host.postMessage(message, "*"); }
    else { show("No host window: " + message.type); }
  }

  function collectBrowserData() {
    return {
      browserJavaEnabled: false,
      browserJavascriptEnabled: true,
      browserLanguage: navigator.language || "en-GB",
      browserColorDepth: String(screen.colorDepth),
      browserScreenHeight: String(screen.height),
      browserScreenWidth: String(screen.width),
      browserTimeZone: String(new Date().getTimezoneOffset()),
      userAgent: navigator.userAgent,
      browserHeader: BROWSER_HEADER
    };
  }

  function call(path, message) {
    return fetch(path, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(message)
    }).then(function (response) { return response.json(); });
  }

  function failed(message, reason, error) {
    return { type: "AUTH_FAILED", requestID: message.requestID || requestID, reason: reason, message: String(error) };
  }

  window.addEventListener("message", function (event) {
    if (closed || (host && event.source !== host)) { return; }
    var message = event.data;
    if (typeof message === "string") {
      try { message = JSON.parse(message); } catch (e) { return; }
    }
    if (!message || typeof message !== "object") { return; }
    switch (message.type) {
      case "CREATE_AUTH_SESSION":
        show("Creating the session…");
        var request = {};
        for (var key in message) { request[key] = message[key]; }
        request.browserData = collectBrowserData();
        call("/__sandbox/visa-page/session", request)
          .then(function (created) { show("Session created."); post(created); })
          .catch(function (error) { post(failed(message, "SESSION_FAILED", error)); });
        break;
      case "AUTHENTICATE":
        pending = message;
        var context = message.authenticationContext || {};
        document.getElementById("what").textContent = context.action === "REGISTER"
          ? "Create a passkey for this card on this device."
          : "Confirm the payment with your passkey.";
        ceremony.hidden = false;
        show("Waiting for you.");
        break;
      case "CLOSE_AUTH_SESSION":
        closed = true;
        pending = null;
        ceremony.hidden = true;
        show("Session closed.");
        if (window.opener) { window.close(); }
        break;
    }
  });

  document.getElementById("use-passkey").addEventListener("click", function () {
    if (!pending) { return; }
    var message = pending;
    pending = null;
    ceremony.hidden = true;
    show("Checking your passkey…");
    call("/__sandbox/visa-page/ceremony", message)
      .then(function (result) { show(result.type === "AUTH_COMPLETE" ? "Done." : "Failed."); post(result); })
      .catch(function (error) { show("Failed."); post(failed(message, "CEREMONY_FAILED", error)); });
  });

  document.getElementById("cancel").addEventListener("click", function () {
    if (!pending) { return; }
    var message = pending;
    pending = null;
    ceremony.hidden = true;
    show("Cancelled.");
    post({ type: "AUTH_CANCELLED", requestID: message.requestID || requestID, reason: "USER_CANCELLED", message: "The cardholder cancelled." });
  });

  post({ type: "AUTH_READY", requestID: requestID });
})();
</script>
</body>
</html>
"#;
