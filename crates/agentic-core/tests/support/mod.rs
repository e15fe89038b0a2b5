//! Helpers shared by the integration tests.
#![allow(dead_code)]

use agentic_core::{Endpoint, HttpResponse};
use serde_json::Value;

/// The request body as a JSON value (panics in tests if it is not JSON).
pub fn body_json<E: Endpoint>(request: &E) -> Value {
    let http = request.to_http();
    serde_json::from_slice(http.body.bytes()).expect("request body is JSON")
}

/// The request body as form pairs, in order.
pub fn body_form<E: Endpoint>(request: &E) -> Vec<(String, String)> {
    let http = request.to_http();
    form_urlencoded::parse(http.body.bytes())
        .into_owned()
        .collect()
}

/// A JSON response with the given status.
pub fn json_response(status: u16, body: &str) -> HttpResponse {
    HttpResponse::json(status, body.as_bytes().to_vec())
}
