//! Juspay Visa Agentic Transactions (API.md §2): wire models for every VAT endpoint.
//!
//! Requests are built by constructors that validate what the docs constrain; responses decode
//! tolerantly. VAT answers HTTP 200 with `status != "SUCCESS"` for failures: [`Endpoint::decode`]
//! turns that into an [`ApiError`](crate::ApiError) before the model is read.

use serde::{Deserialize, Serialize};

use crate::error::Provider;
use crate::validate::{Id, InvalidInput};
use crate::wire::{Body, Endpoint, HttpResponse, Method, decode_json_at, lenient};

/// `POST /initiateVerification` — Trigger OTP [J-TOTP]. Sends an OTP: not idempotent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TriggerOtpRequest {
    token_reference: Id,
    v_provisioned_token_id: Id,
    client_reference_id: Id,
    step_up_request_id: Id,
}

impl TriggerOtpRequest {
    /// `step_up_request_id` is the chosen `availableStepUpMethod[].identifier` (INFERRED in
    /// API.md §2.3 from Visa's equivalent call).
    ///
    /// # Errors
    /// [`InvalidInput`] naming the first empty field.
    pub fn new(
        token_reference: &str,
        v_provisioned_token_id: &str,
        client_reference_id: &str,
        step_up_request_id: &str,
    ) -> Result<Self, InvalidInput> {
        Ok(Self {
            token_reference: Id::new("tokenReference", token_reference)?,
            v_provisioned_token_id: Id::new("vProvisionedTokenId", v_provisioned_token_id)?,
            client_reference_id: Id::new("clientReferenceId", client_reference_id)?,
            step_up_request_id: Id::new("stepUpRequestId", step_up_request_id)?,
        })
    }
}

/// The `response` of Trigger OTP: the limits of this OTP challenge [J-TOTP]. Tagged String in
/// the docs, numbers in the sample: both are accepted.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TriggerOtpResponse {
    /// "Maximum OTP that user can enter in the transaction".
    #[serde(
        rename = "maxOTPVerificationAllowed",
        deserialize_with = "lenient::u32"
    )]
    pub max_otp_verification_allowed: u32,
    /// "Maximum OTP that can be triggered in the transaction".
    #[serde(rename = "maxOTPRequestsAllowed", deserialize_with = "lenient::u32")]
    pub max_otp_requests_allowed: u32,
    /// "Time after which the OTP gets expired". The unit is undocumented (API.md §9 q6); the
    /// sample's `5` reads as minutes. *Provisional.*
    #[serde(default, deserialize_with = "lenient::opt_u32")]
    pub code_expiration: Option<u32>,
}

impl Endpoint for TriggerOtpRequest {
    type Response = TriggerOtpResponse;
    const PROVIDER: Provider = Provider::JuspayVat;
    const OPERATION: &'static str = "juspay_vat.trigger_otp";
    const METHOD: Method = Method::Post;
    const IDEMPOTENT: bool = false;

    fn path(&self) -> String {
        "/initiateVerification".to_owned()
    }

    fn body(&self) -> Body {
        Body::json(self)
    }

    fn decode_body(response: &HttpResponse) -> Result<Self::Response, crate::ApiError> {
        decode_json_at(Self::PROVIDER, Self::OPERATION, "response", response)
    }
}
