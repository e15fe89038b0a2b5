//! Step-up methods offered when an issuer challenges device binding. Juspay passes Visa Token
//! Service spellings through (`OTPSMS`, `APP-TO-APP`, `CUSTOMERSERVICE`), Visa Acceptance uses
//! underscores (`OTP_SMS`, `APP_TO_APP`, `CUSTOMER_SERVICE`): one type reads both
//! (API.md §2.2, §6.4).

use serde::Serialize;

use crate::json_path::{FromJson, Node, read_object};
use crate::visa_page::PlatformType;
use crate::wire::open_enum;

open_enum! {
    /// `availableStepUpMethod[].method` (Juspay) / `stepUpOptions[].method` (Visa Acceptance).
    pub enum StepUpMethod {
        /// One-time password by SMS.
        OtpSms = "OTPSMS" | "OTP_SMS",
        /// One-time password by email.
        OtpEmail = "OTPEMAIL" | "OTP_EMAIL",
        /// One-time password through the issuer's online banking.
        OtpOnlineBanking = "OTPONLINEBANKING" | "OTP_ONLINE_BANKING",
        /// The cardholder calls the issuer (the number is in `value`).
        CustomerService = "CUSTOMERSERVICE" | "CUSTOMER_SERVICE",
        /// The issuer calls the cardholder.
        OutboundCall = "OUTBOUNDCALL" | "OUTBOUND_CALL",
        /// The issuer's app, or issuer 3-D Secure when `subMethod` says so.
        AppToApp = "APP-TO-APP" | "APP_TO_APP",
    }
}

impl StepUpMethod {
    /// Whether choosing this method sends an OTP that the cardholder types in.
    pub fn sends_otp(&self) -> bool {
        matches!(self, Self::OtpSms | Self::OtpEmail | Self::OtpOnlineBanking)
    }
}

open_enum! {
    /// `subMethod` of an `APP-TO-APP` option.
    pub enum StepUpSubMethod {
        /// Issuer 3-D Secure page at `source`.
        ThreeDs = "THREE-DS" | "3DS" | "THREE_DS",
    }
}

/// One step-up option. Juspay calls its id `identifier`, Visa Acceptance `id`; both read into
/// [`StepUpOption::identifier`]. All other fields are optional and absent ones stay `None`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StepUpOption {
    /// The id to send back when this option is chosen (`stepUpRequestId` / `stepUpOption.id`).
    pub identifier: String,
    /// The method.
    pub method: StepUpMethod,
    /// What to show: a masked phone number, an email, a call-centre number, a label.
    pub value: Option<String>,
    /// Refinement of `APP-TO-APP` (`THREE-DS`).
    pub sub_method: Option<StepUpSubMethod>,
    /// Where an `APP-TO-APP` web option runs.
    pub platform_type: Option<PlatformType>,
    /// The URL of an issuer web page (3-D Secure).
    pub source: Option<String>,
    /// Opaque payload for the issuer app or page.
    pub request_payload: Option<String>,
    /// Issuer app id.
    #[serde(rename = "appID")]
    pub app_id: Option<String>,
    /// Android intent URL of the issuer app.
    #[serde(rename = "intentURL")]
    pub intent_url: Option<String>,
    /// Platform of the issuer app.
    pub app_platform: Option<String>,
    /// Universal link of the issuer app.
    #[serde(rename = "appURL")]
    pub app_url: Option<String>,
}

impl FromJson for StepUpOption {
    fn from_json(node: Node<'_, '_>) -> Result<Self, serde_json::Error> {
        read_object!(node, Self {
            identifier: "identifier" | "id" => String::from_json,
            method: "method" => FromJson::from_json,
            value: "value" => FromJson::from_json,
            sub_method: "subMethod" => FromJson::from_json,
            platform_type: "platformType" => FromJson::from_json,
            source: "source" => FromJson::from_json,
            request_payload: "requestPayload" => FromJson::from_json,
            app_id: "appID" => FromJson::from_json,
            intent_url: "intentURL" => FromJson::from_json,
            app_platform: "appPlatform" => FromJson::from_json,
            app_url: "appURL" => FromJson::from_json,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::{StepUpMethod, StepUpOption};
    use crate::json_path::read;
    use serde_json::json;

    #[test]
    fn the_id_is_read_under_either_name_but_not_both() {
        let option = |value| read::<StepUpOption>(&value);
        let juspay = option(json!({"identifier": "a", "method": "OTPSMS"})).expect("identifier");
        let visa = option(json!({"id": "a", "method": "OTP_SMS", "appID": "x"})).expect("id");
        assert_eq!(juspay.identifier, visa.identifier);
        assert_eq!(visa.method, StepUpMethod::OtpSms);
        assert_eq!(visa.app_id.as_deref(), Some("x"));
        // serde's derived reader calls an aliased field given twice a duplicate.
        let both = option(json!({"identifier": "a", "id": "b", "method": "OTPSMS"}));
        assert_eq!(both.expect_err("duplicate").path.as_str(), ".");
        let neither = option(json!({"method": "OTPSMS"}));
        assert_eq!(neither.expect_err("required").path.as_str(), "identifier");
        let null = option(json!({"id": null, "method": "OTPSMS"}));
        assert_eq!(null.expect_err("a string").path.as_str(), "id");
    }
}
