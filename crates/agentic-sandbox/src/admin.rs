//! The admin endpoint under `/__sandbox/` (no authentication): counters, faults, call counts
//! and the headless Visa page.
//!
//! | Route | Does |
//! |---|---|
//! | `GET /__sandbox/counters` | the [`CounterSnapshot`](crate::CounterSnapshot) as JSON |
//! | `GET /__sandbox/calls` | calls per operation so far, `{"juspay_vat.trigger_otp": 2, …}` |
//! | `GET /__sandbox/faults` | the active [`FaultRule`]s |
//! | `POST /__sandbox/faults` | adds the [`FaultRule`] in the JSON body; `201` with the rule |
//! | `DELETE /__sandbox/faults` | removes every rule; `200 {"cleared": n}` |
//! | `POST /__sandbox/visa-page/session` | creates a page session; `200` with the `AUTH_SESSION_CREATED` message |
//! | `POST /__sandbox/visa-page/ceremony` | completes the ceremony of the `AUTHENTICATE` message in the body; `200` with `AUTH_COMPLETE` or `400` with `AUTH_FAILED` |
//!
//! A body that is not the expected JSON gets `400 {"error": "…"}`.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};

use crate::faults::FaultRule;
use crate::page;
use crate::state::{Shared, lock};

/// The prefix of every admin route.
pub const PREFIX: &str = "/__sandbox/";

/// The admin routes.
pub fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route("/__sandbox/counters", get(counters))
        .route("/__sandbox/calls", get(calls))
        .route(
            "/__sandbox/faults",
            get(list_faults).post(add_fault).delete(clear_faults),
        )
        .route("/__sandbox/visa-page/session", post(visa_session))
        .route("/__sandbox/visa-page/ceremony", post(visa_ceremony))
}

fn bad_request(error: impl std::fmt::Display) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({"error": error.to_string()})),
    )
        .into_response()
}

/// A JSON body; an empty body reads as `{}`. A JSON string holding JSON is unwrapped once (a
/// host may pass a posted message through `JSON.stringify` twice).
fn json_body(body: &[u8]) -> Result<Value, serde_json::Error> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(json!({}));
    }
    match serde_json::from_slice(body)? {
        Value::String(inner) => serde_json::from_str(&inner),
        value => Ok(value),
    }
}

async fn counters(State(shared): State<Arc<Shared>>) -> Response {
    Json(shared.counters.snapshot()).into_response()
}

async fn calls(State(shared): State<Arc<Shared>>) -> Response {
    Json(lock(&shared.calls).clone()).into_response()
}

async fn list_faults(State(shared): State<Arc<Shared>>) -> Response {
    Json(lock(&shared.faults).clone()).into_response()
}

async fn add_fault(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    match serde_json::from_slice::<FaultRule>(&body) {
        Ok(rule) => {
            lock(&shared.faults).push(rule.clone());
            (StatusCode::CREATED, Json(rule)).into_response()
        }
        Err(error) => bad_request(format_args!("not a fault rule: {error}")),
    }
}

async fn clear_faults(State(shared): State<Arc<Shared>>) -> Response {
    let cleared = {
        let mut faults = lock(&shared.faults);
        let n = faults.len();
        faults.clear();
        n
    };
    Json(json!({"cleared": cleared})).into_response()
}

async fn visa_session(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    match json_body(&body) {
        Ok(request) if request.is_object() => {
            Json(page::session_created_message(&shared, &request)).into_response()
        }
        Ok(_) => bad_request("expected the CREATE_AUTH_SESSION message, a JSON object"),
        Err(error) => bad_request(format_args!("not JSON: {error}")),
    }
}

async fn visa_ceremony(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let message = json_body(&body).unwrap_or(Value::Null);
    match page::ceremony_result_message(&shared, &message) {
        Ok(complete) => Json(complete).into_response(),
        Err(failed) => (StatusCode::BAD_REQUEST, Json(failed)).into_response(),
    }
}
