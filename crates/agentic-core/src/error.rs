//! One error taxonomy for every provider (DESIGN.md §3 "Envelopes").
//!
//! Whatever came back — Juspay VAT's HTTP 200 with a non-`SUCCESS` status, the `error_info`
//! envelope, the Express Checkout `{status, error_code, error_message}` envelope, Cybersource's
//! `errors[]` and `error{}` shapes, Visa's `errorResponse{}`, or a body that is not JSON at all
//! (an HTML 502 from a proxy) — becomes one [`ApiError`] with a typed [`ErrorCategory`] and a
//! [`Recovery`] that tells the caller what to do next.
//!
//! Messages come from the provider's developer message or from this module's own words; raw
//! bodies and serde's messages (which can quote values) never enter an error.

use std::fmt;

use serde::Serialize;
use serde_json::Value;

use crate::journey::restore::{Corrupt, Fields, Restore, restore_unit_enum};
use crate::wire::HttpResponse;

restore_unit_enum! {
    /// Which API answered.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
    pub enum Provider {
        /// Juspay Visa Agentic Transactions (and the Juspay card tokenizer it starts from).
        JuspayVat,
        /// Juspay Express Checkout / Direct OTP.
        JuspayEc,
        /// Visa Acceptance / Cybersource TMS.
        VisaAcceptance,
    }
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::JuspayVat => "Juspay VAT",
            Self::JuspayEc => "Juspay EC",
            Self::VisaAcceptance => "Visa Acceptance",
        })
    }
}

restore_unit_enum! {
    /// What kind of failure this is, whatever the provider's spelling.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
    pub enum ErrorCategory {
        /// Credentials missing or wrong (HTTP 401, `UNAUTHORIZED`, `access_denied`).
        Authentication,
        /// Authenticated but not allowed (HTTP 403, `BAD_ORIGIN`).
        Forbidden,
        /// The request was refused as invalid (HTTP 400/422, `INVALID_INPUT`, `missingFields` …).
        InvalidRequest,
        /// The referenced object does not exist (HTTP 404, `RESOURCE_NOT_FOUND`).
        NotFound,
        /// A duplicate of an earlier request (HTTP 409, `DUPLICATE_REQUEST`, `ALREADY_EXISTS`).
        Conflict,
        /// Something the request relies on has expired (`EXPIRED`).
        Expired,
        /// A documented limit is used up (`max_limit_exceeded`).
        LimitExceeded,
        /// Too many requests (HTTP 429).
        RateLimited,
        /// The merchant account is not set up for this (`CONFIG_ERROR`).
        Configuration,
        /// The provider answered but refused the operation (Juspay VAT non-`SUCCESS` status).
        Rejected,
        /// The provider failed (HTTP 5xx).
        ServerError,
        /// A success status whose body is not the documented JSON.
        MalformedResponse,
    }
}

restore_unit_enum! {
    /// What the caller should do next.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
    pub enum Recovery {
        /// Try again after a back-off; safe only for idempotent calls or with the same reference
        /// ids after the user agreed (DESIGN.md §3 "Exactly once").
        RetryLater,
        /// Fix the request (a bug or bad input); retrying unchanged will fail the same way.
        FixRequest,
        /// Check the API key, merchant id or signing key.
        CheckCredentials,
        /// Ask the user for the OTP again.
        ReenterOtp,
        /// Offer another step-up method.
        ChooseAnotherMethod,
        /// Start the journey again (session or token expired, state lost).
        RestartJourney,
        /// The outcome is unknown: reconcile with a status call before doing anything else.
        Reconcile,
        /// Nothing the caller can fix; contact the provider with the request id.
        ContactSupport,
    }
}

/// An error answer from a provider, normalised.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
pub struct ApiError {
    /// Which API answered.
    pub provider: Provider,
    /// HTTP status code.
    pub http_status: u16,
    /// The provider's error code (`UNAUTHORIZED`, `access_denied`, `invalidFields` …).
    pub code: Option<String>,
    /// The provider's own category or status text, when it sends one (`USER_ERROR`,
    /// `invalid_request_error`).
    pub provider_category: Option<String>,
    /// Normalised category.
    pub category: ErrorCategory,
    /// The developer-facing message.
    pub message: String,
    /// Request or correlation id to quote to support.
    pub request_id: Option<String>,
    /// Whether the provider signals that trying again later may succeed.
    pub retryable: bool,
    /// What to do next.
    pub recovery: Recovery,
}

impl Restore for ApiError {
    fn restore(value: &Value) -> Result<Self, Corrupt> {
        let fields = Fields::of(value)?;
        Ok(Self {
            provider: fields.get("provider")?,
            http_status: fields.get("http_status")?,
            code: fields.get("code")?,
            provider_category: fields.get("provider_category")?,
            category: fields.get("category")?,
            message: fields.get("message")?,
            request_id: fields.get("request_id")?,
            retryable: fields.get("retryable")?,
            recovery: fields.get("recovery")?,
        })
    }
}

impl fmt::Display for ApiError {
    /// One line: provider, status, message, then code and request id when known.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} HTTP {}: {}",
            self.provider, self.http_status, self.message
        )?;
        if let Some(code) = &self.code {
            write!(f, " (code {code})")?;
        }
        if let Some(id) = &self.request_id {
            write!(f, " [request id {id}]")?;
        }
        Ok(())
    }
}

impl ApiError {
    fn from_parts(
        provider: Provider,
        response: &HttpResponse,
        code: Option<String>,
        provider_category: Option<String>,
        message: String,
        request_id: Option<String>,
    ) -> Self {
        let category = categorize(
            response.status,
            code.as_deref(),
            provider_category.as_deref(),
        );
        let (retryable, recovery) = advice(category);
        Self {
            provider,
            http_status: response.status,
            code,
            provider_category,
            category,
            message,
            request_id: request_id.or_else(|| response.request_id.clone()),
            retryable,
            recovery,
        }
    }

    /// A success status whose body is not what the endpoint documents.
    pub fn malformed(provider: Provider, response: &HttpResponse, message: String) -> Self {
        Self {
            provider,
            http_status: response.status,
            code: None,
            provider_category: None,
            category: ErrorCategory::MalformedResponse,
            message,
            request_id: response.request_id.clone(),
            retryable: false,
            recovery: Recovery::ContactSupport,
        }
    }
}

/// Checks status, content type and error envelopes; returns the JSON body of a success.
///
/// # Errors
/// [`ApiError`] for an error envelope (on any status), a non-2xx status, or a body that is not
/// JSON.
pub fn check_response(provider: Provider, response: &HttpResponse) -> Result<Value, ApiError> {
    let success = (200..300).contains(&response.status);
    let json_type = response.content_type.as_deref().is_none_or(|ct| {
        ct.as_bytes()
            .windows(4)
            .any(|w| w.eq_ignore_ascii_case(b"json"))
    });
    let parsed = if json_type {
        serde_json::from_slice::<Value>(&response.body).ok()
    } else {
        None
    };
    let Some(value) = parsed else {
        let what = response
            .content_type
            .as_deref()
            .unwrap_or("no content type");
        let message = if success && !json_type {
            format!(
                "expected a JSON body, got `{what}` ({} bytes)",
                response.body.len()
            )
        } else if success {
            format!("the body is not valid JSON ({} bytes)", response.body.len())
        } else {
            format!(
                "the error body is not JSON (`{what}`, {} bytes)",
                response.body.len()
            )
        };
        return Err(if success {
            ApiError::malformed(provider, response, message)
        } else {
            ApiError::from_parts(provider, response, None, None, message, None)
        });
    };
    if let Some(error) = envelope_error(provider, response, &value) {
        return Err(error);
    }
    if !success {
        let message = format!(
            "the provider answered HTTP {} without an error envelope",
            response.status
        );
        return Err(ApiError::from_parts(
            provider, response, None, None, message, None,
        ));
    }
    Ok(value)
}

fn text(value: &Value, key: &str) -> Option<String> {
    match value.get(key)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Recognises every documented error envelope in a JSON body.
fn envelope_error(provider: Provider, response: &HttpResponse, body: &Value) -> Option<ApiError> {
    // Every rule below starts from one of these keys: a body with none of them (most
    // successes) is no envelope, found in one pass instead of a lookup per rule.
    if !body.as_object()?.keys().any(|key| {
        matches!(
            key.as_str(),
            "error_info" | "error" | "errors" | "errorResponse" | "error_code" | "status"
        )
    }) {
        return None;
    }
    let build = |code, category, message: Option<String>, request_id| {
        let message = message
            .unwrap_or_else(|| "the provider reported an error without a message".to_owned());
        Some(ApiError::from_parts(
            provider, response, code, category, message, request_id,
        ))
    };

    // Juspay's newer envelope: {error: true, error_message, error_info{code, category, request_id,
    // developer_message}} [J-PTP 401].
    if let Some(info) = body.get("error_info").filter(|v| v.is_object()) {
        let message = text(info, "developer_message")
            .or_else(|| text(body, "error_message"))
            .or_else(|| text(info, "user_message"));
        return build(
            text(info, "code"),
            text(info, "category"),
            message,
            text(info, "request_id"),
        );
    }
    if body.get("error") == Some(&Value::Bool(true)) {
        return build(
            None,
            None,
            text(body, "error_message").or_else(|| text(body, "user_message")),
            None,
        );
    }
    // Cybersource TMS: {errors: [{type, message, details: [{name, location}]}]} [C-SDK].
    if let Some(first) = body
        .get("errors")
        .and_then(Value::as_array)
        .and_then(|a| a.first())
    {
        let fields: Vec<String> = first
            .get("details")
            .and_then(Value::as_array)
            .map(|details| details.iter().filter_map(|d| text(d, "name")).collect())
            .unwrap_or_default();
        let message = text(first, "message").map(|m| {
            if fields.is_empty() {
                m
            } else {
                format!("{m} (fields: {})", fields.join(", "))
            }
        });
        return build(text(first, "type"), None, message, None);
    }
    // Cybersource Intelligent Commerce: {error: {status, reason, message, detail{…}}} [C-SDK].
    if let Some(error) = body.get("error").filter(|v| v.is_object()) {
        let message =
            text(error, "message").or_else(|| error.get("detail").and_then(|d| text(d, "message")));
        return build(text(error, "reason"), text(error, "status"), message, None);
    }
    // Visa VTS passed through: {errorResponse: {status, reason, message, ref}} [VISA-AI].
    if let Some(error) = body.get("errorResponse").filter(|v| v.is_object()) {
        return build(
            text(error, "reason"),
            None,
            text(error, "message"),
            text(error, "ref"),
        );
    }
    // Juspay Express Checkout: {status, error_code, error_message} [J-SA, J-CE, J-ROTP]. A
    // success body has a transaction or order `status` and no top-level `error_code`.
    if let Some(code) = text(body, "error_code") {
        let status = text(body, "status");
        let is_txn_status = status.as_deref().is_some_and(|s| {
            s.bytes().all(|b| b.is_ascii_uppercase() || b == b'_') && !s.contains("ERROR")
        });
        if !is_txn_status || response.status >= 400 {
            return build(Some(code), status, text(body, "error_message"), None);
        }
    }
    // Juspay VAT: HTTP 200 with status != SUCCESS, in the `errorCode`/`errorMessage` or the
    // `responseCode`/`responseMessage` variant [J-PTP, J-TOTP, J-VOTP].
    if provider == Provider::JuspayVat {
        // Borrowed: a success (`SUCCESS`) allocates nothing here.
        let status = match body.get("status") {
            Some(Value::String(s)) if !s.trim().is_empty() => {
                Some(std::borrow::Cow::Borrowed(s.as_str()))
            }
            Some(Value::Number(n)) => Some(std::borrow::Cow::Owned(n.to_string())),
            _ => None,
        };
        if let Some(status) = status {
            let vat_envelope = [
                "errorCode",
                "errorMessage",
                "responseCode",
                "responseMessage",
                "payload",
                "response",
            ]
            .iter()
            .any(|k| body.get(k).is_some());
            if vat_envelope && !status.eq_ignore_ascii_case("SUCCESS") {
                let code = text(body, "errorCode").or_else(|| text(body, "responseCode"));
                let message = text(body, "errorMessage")
                    .or_else(|| text(body, "responseMessage"))
                    .or_else(|| Some(format!("status {status}")));
                return build(code, Some(status.into_owned()), message, None);
            }
        }
    }
    None
}

fn categorize(
    http_status: u16,
    code: Option<&str>,
    provider_category: Option<&str>,
) -> ErrorCategory {
    use ErrorCategory as C;
    let code_upper = code.map(str::to_ascii_uppercase);
    let by_code = match code_upper.as_deref() {
        Some("UNAUTHORIZED" | "UNAUTHENTICATED" | "ACCESS_DENIED") => Some(C::Authentication),
        Some("BAD_ORIGIN" | "FORBIDDEN") => Some(C::Forbidden),
        Some("RESOURCE_NOT_FOUND" | "NOTFOUND" | "NOT_FOUND") => Some(C::NotFound),
        Some("DUPLICATE_REQUEST" | "ALREADY_EXISTS") => Some(C::Conflict),
        Some("EXPIRED") => Some(C::Expired),
        Some("MAX_LIMIT_EXCEEDED") => Some(C::LimitExceeded),
        Some(
            "INVALID_INPUT"
            | "MISSING_MANDATORY_PARAMETER"
            | "INVALID_ACTION"
            | "INVALID"
            | "INVALIDFIELDS"
            | "MISSINGFIELDS"
            | "INVALIDHEADERS"
            | "MISSINGHEADERS"
            | "INVALIDCOMBINATION"
            | "UNSUPPORTEDPAYMENTMETHODMODIFICATION",
        ) => Some(C::InvalidRequest),
        _ => None,
    };
    if let Some(category) = by_code {
        return category;
    }
    if provider_category.is_some_and(|c| c.eq_ignore_ascii_case("CONFIG_ERROR")) {
        return C::Configuration;
    }
    match http_status {
        401 => C::Authentication,
        403 => C::Forbidden,
        404 => C::NotFound,
        409 => C::Conflict,
        429 => C::RateLimited,
        400..=499 => C::InvalidRequest,
        500..=599 => C::ServerError,
        200..=299 => C::Rejected,
        _ => C::ServerError,
    }
}

fn advice(category: ErrorCategory) -> (bool, Recovery) {
    use ErrorCategory as C;
    match category {
        C::RateLimited | C::ServerError => (true, Recovery::RetryLater),
        C::Authentication | C::Forbidden | C::Configuration => (false, Recovery::CheckCredentials),
        C::InvalidRequest | C::NotFound => (false, Recovery::FixRequest),
        C::Expired | C::Conflict => (false, Recovery::RestartJourney),
        C::LimitExceeded => (false, Recovery::ChooseAnotherMethod),
        C::Rejected | C::MalformedResponse => (false, Recovery::ContactSupport),
    }
}
