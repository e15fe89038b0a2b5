//! The documented response envelopes, so every handler answers in the provider's own shapes
//! (API.md §1.4, §6.10).

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// JSON with a status.
pub fn json_status(status: StatusCode, body: Value) -> Response {
    (status, Json(body)).into_response()
}

/// Juspay's `error_info` envelope [J-PTP 401 sample].
pub fn juspay_error_info(
    status: StatusCode,
    code: &str,
    category: &str,
    message: &str,
    developer_message: &str,
) -> Response {
    json_status(
        status,
        json!({
            "error": true,
            "error_message": message,
            "user_message": message,
            "error_info": {
                "code": code,
                "category": category,
                "href": "NA",
                "request_id": request_id(),
                "user_message": message,
                "developer_message": developer_message,
            }
        }),
    )
}

/// The documented 401 for a wrong API key or merchant id, field for field as the J-PTP sample:
/// the top-level messages say `"Access Denied"`, `error_info.user_message` `"Unauthorized."`.
pub fn juspay_unauthorized(developer_message: &str) -> Response {
    json_status(
        StatusCode::UNAUTHORIZED,
        json!({
            "error": true,
            "error_message": "Access Denied",
            "user_message": "Access Denied",
            "error_info": {
                "code": "UNAUTHORIZED",
                "category": "USER_ERROR",
                "href": "NA",
                "request_id": request_id(),
                "user_message": "Unauthorized.",
                "developer_message": developer_message,
            }
        }),
    )
}

/// Juspay VAT success: `{errorMessage: null, status: "SUCCESS", errorCode: null, <key>: body}`.
pub fn vat_success(key: &str, body: Value) -> Response {
    let mut envelope = json!({"errorMessage": null, "status": "SUCCESS", "errorCode": null});
    envelope[key] = body;
    json_status(StatusCode::OK, envelope)
}

/// Juspay VAT failure on HTTP 200: `status` not `SUCCESS` (API.md §2, §7.9).
pub fn vat_failure(code: &str, message: &str) -> Response {
    json_status(
        StatusCode::OK,
        json!({"errorMessage": message, "status": "FAILURE", "errorCode": code}),
    )
}

/// Juspay Express Checkout error `{status, error_code, error_message}` [J-SA, J-ROTP].
pub fn ec_error(status: StatusCode, status_text: &str, code: &str, message: &str) -> Response {
    json_status(
        status,
        json!({"status": status_text, "error_code": code, "error_message": message}),
    )
}

/// Cybersource TMS error `{errors: [{type, message, details: [{name, location}]}]}` [C-SDK].
pub fn cybs_error(status: StatusCode, kind: &str, message: &str, fields: &[&str]) -> Response {
    let details: Vec<Value> = fields
        .iter()
        .map(|f| json!({"name": f, "location": "body"}))
        .collect();
    json_status(
        status,
        json!({"errors": [{"type": kind, "message": message, "details": details}]}),
    )
}

/// A request id for error bodies: unique per process run.
pub fn request_id() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(1);
    format!(
        "sbx-{:08x}-{:06}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}
