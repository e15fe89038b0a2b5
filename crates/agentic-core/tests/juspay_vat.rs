//! Juspay VAT: every documented sample request is produced by our builders (as JSON values),
//! every sample response decodes to the expected typed value.

mod support;

use agentic_core::juspay_vat::*;
use agentic_core::secret::{
    CardToken, Cryptogram, ExpiryMonth, FidoBlob, SecretText, SecureToken, TokenNumber, VisaPayload,
};
use agentic_core::step_up::{StepUpMethod, StepUpOption, StepUpSubMethod};
use agentic_core::visa_page::{AuthPreferences, BrowserData, PasskeyAction, PlatformType};
use agentic_core::wire::RawJson;
use agentic_core::{Endpoint, ErrorCategory, InvalidInput, Method, Problem, Provider, Recovery};
use serde_json::{Value, json};
use support::{body_form, body_json, json_response};

#[test]
fn trigger_otp_request_matches_the_j_totp_sample() {
    let request = TriggerOtpRequest::new(
        "479518c708c3e3ccb68314501ee4c702",
        "479518c708c3e3ccb68314501ee4c702",
        "9d4050c011ee4654adec05873299a640",
        "Y2UyOWU0N2E1NGYzNGM2OTY4MjQxZTZhYzkxMTNkMDE=",
    )
    .expect("valid");
    let http = request.to_http();
    assert_eq!(
        (http.method, http.path.as_str(), http.idempotent),
        (Method::Post, "/initiateVerification", false)
    );
    assert_eq!(http.provider, Provider::JuspayVat);
    assert_eq!(http.body.content_type(), Some("application/json"));
    assert_eq!(
        body_json(&request),
        json!({
            "tokenReference": "479518c708c3e3ccb68314501ee4c702",
            "vProvisionedTokenId": "479518c708c3e3ccb68314501ee4c702",
            "clientReferenceId": "9d4050c011ee4654adec05873299a640",
            "stepUpRequestId": "Y2UyOWU0N2E1NGYzNGM2OTY4MjQxZTZhYzkxMTNkMDE="
        })
    );
}

#[test]
fn trigger_otp_response_sample_decodes() {
    let response = json_response(
        200,
        r#"{"errorMessage": null, "status": "SUCCESS", "errorCode": null,
            "response": {"maxOTPVerificationAllowed": 3, "maxOTPRequestsAllowed": 3, "codeExpiration": 5}}"#,
    );
    let decoded = TriggerOtpRequest::decode(&response).expect("sample decodes");
    assert_eq!(
        decoded,
        TriggerOtpResponse {
            max_otp_verification_allowed: 3,
            max_otp_requests_allowed: 3,
            code_expiration: Some(5)
        }
    );
}

#[test]
fn trigger_otp_counts_sent_as_strings_decode() {
    let response = json_response(
        200,
        r#"{"status": "SUCCESS", "response": {"maxOTPVerificationAllowed": "3", "maxOTPRequestsAllowed": "2", "codeExpiration": "5", "extra": 1}}"#,
    );
    let decoded = TriggerOtpRequest::decode(&response).expect("decodes");
    assert_eq!(
        (
            decoded.max_otp_verification_allowed,
            decoded.max_otp_requests_allowed
        ),
        (3, 2)
    );
}

#[test]
fn trigger_otp_non_success_on_http_200_is_an_api_error() {
    let response = json_response(
        200,
        r#"{"errorMessage": "selected validation method is not available", "status": "FAILURE", "errorCode": "STEP_UP_METHOD_UNAVAILABLE", "response": null}"#,
    );
    let error = TriggerOtpRequest::decode(&response).expect_err("non-SUCCESS is an error");
    assert_eq!(error.provider, Provider::JuspayVat);
    assert_eq!(error.http_status, 200);
    assert_eq!(error.code.as_deref(), Some("STEP_UP_METHOD_UNAVAILABLE"));
    assert_eq!(error.provider_category.as_deref(), Some("FAILURE"));
    assert_eq!(error.category, ErrorCategory::Rejected);
    assert_eq!(error.message, "selected validation method is not available");
    assert_eq!(error.recovery, Recovery::ContactSupport);
}

// ---------------------------------------------------------------------------------------------
// [J-PTP] samples (seeds/000), verbatim.
// ---------------------------------------------------------------------------------------------

/// [J-PTP] request sample, copied verbatim from the vendor page.
const NEW_CARD_SAMPLE: &str = r#"{
    "customerId": "user_f96UTs2u7DpLrzh2",
    "sessionContext": {
        "secureToken": "ezAwMX06AAM1NkHHoGTHlinW2m5qFZyyKbZYfqJqtRWoUKTkamXXzNYzFFifYHHtH46AB7CCeEkhpoDNOWopqMASvU59EWZVHAGnkYcShe3nSeJ-ljSq0K-4le1ibA62QqWMxSHMRAM6fgvtfZMvfpdL023mVBkUHFJta0325mgmAiyxlk3scqxc3gmK7gcylvJmAHqtQIuovhR7AzwQjemL4wdytXN06tJKRCb4OdrrYExKvHMJUPPqd80oJ94Ump9rhGB4-gxfPTkxwJ8nBYXsKLIg1OdPUkMboWFBVmPJz_GdE8r-R1z3EqQjgEf7OqXOXMeqvwXEJ4HZI5-ZaulST6iEVP9IDFio5pjUuGL3WmPwOkvj5GBe11qq1CItXYga_nArg_HNEXDv28dCo2pUhJ-MXszbT3pjUCGfovKxcLLQ389Eopdqw2vBJWxAzuUlbyAmdeOoCVaJ7PXKku1v7grcfw2--LKMwWorSSmY83_yGoDjIU1bvaMHPVucxUxXFuPlXvSgGo_H9HDMhtiL3TUXIOE0g2VNoADLVVeApCSfdrDasZWF2Gaqe2RSYwaL_rjreZLhBmCL8mnH8gNUUdY2xW_TDnAj9wn3-bXIMLvGeiD2cgFU9LiKGHot7JmhGWRifX1tuy12PFe4fFrvnZBXbecZ3SYEKd89r-kmBGLSF0rSaivMQPcA7uiImqh07V_kHNDAgR4_YPODf0aYBlZycBPmQ6y7vq2ticOZ6wPDj3b_9DEguNJvTganKGkIqbf53O_oNYlfF3IGmYRVX6wXmEksz1ZZedD9yGOKUxsTzpbKNkMmoT-If1RJwPZvcGD8B3XGzpDv_ChMYf98OTV9fXU8vTqqGA_YmkqEAueAASUWtiDgtLojJFbaNltDPIzNOV1W2Z7uT6xnu3Y7g38dmv2TkOyV5GOaRfsdtsGozTszPZFT2BJm1bmMElAqbnLERN5x8Gr0oEK_t93hxP7abZHB1Rojy6MY"
    },
    "browserData": {
        "browserJavaEnabled": false,
        "browserJavascriptEnabled": true,
        "browserLanguage": "en-GB",
        "browserColorDepth": "30",
        "browserScreenHeight": "1117",
        "browserScreenWidth": "1728",
        "browserTimeZone": "-330",
        "userAgent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/144.0.0.0 Safari/537.36",
        "browserHeader": "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7",
        "ipAddress": "104.28.3.19"
    },
    "clientReferenceId": "235125b97f5147f9b9b4524b5e010a81",
    "authFlowType": "FIDO",
    "presentationType": "AI_AGENT",
    "platformType": "WEB",
    "deviceAttestationObj": {
        "reasonCode": "PAYMENT",
        "actionToPerform": "AUTHENTICATE"
    },
    "amount": {
        "currency": "SGD",
        "total": 92.65
    },
    "paymentInstrument": {
        "type": "CARD_TOKEN",
        "cardObj": "ctkn_cyq8CfH5yQEPxux8"
    }
}
"#;

/// [J-PTP] request sample, copied verbatim from the vendor page.
const DEVICE_BINDING_SAMPLE: &str = r#"{
    "customerId": "user_1234567",
    "sessionContext": {
        "secureToken": "ezAwMX06AARNNDJB9tX3VAp8jgFzlpW1N8ZXlSylhxA-TjJspB7dJlQ39M8hVRPPVQYIYgK0tw8Tc3Qv31-V7Bve4fmyqyLCgxRwBISJJmHYgGqIFaL21nwqxBmHalQoWDh03CabLAgo_lcGUP996Uv9UOBR1Wb6yP8d6jsx5MfeToccgumRHAo38xPO23lbsLu24-P2k8hRU8zW6VQbJf3JJWCSEQv6mfioHzWAEilvbhevUDTIADQtcwXc6dOe97rrXSOFX6uXARdkO_TGgMRlOc6DR5UOOjKl_dwwbgk-TJOcW0WW6G_Y253ccLB1GBheeX-i6mXRiKpE6XOky171Xk33hijogOg4eRtGA2AxqXWJoNRPa6FdamKN5HovXyODzmNNAoLz8vbOCjFx1UWz8eySuktkIln7gL4QTpUIYTAJeuVQWrxceNRMXmLubE3J8KvTueqmdZPsQUfa915WwenBoaw_hkYsav90zD3p83HwPeLbiR0Vp0x15k1y1Dc6x6vHCVGdexw2yaGkFOt4NCzvZxpybM9OI0XNkhLcZpTkKpuMdLsMSwuo9moOplUCSiyDYWCcjllW9f3sLghm-lA3-OnUHyPY_2UogeZJAzDcNfG2J1naRxPQ5njEFA4gFQYkZvOvSoA5xJ8Rd-uqtJJFccHx8LurDhFWrUMKCmbro0Jpn16bkfLtmWH05tKAiujYehUjDgEWvM1KaL38zkxLEtaPiQzoBS8iTDLvP6-5Yoqa60rIF_7_p-V_RCyKgC9Ph4mdavvbrlmvAsZ895FKze7-hvfBBdvZTOTdmP1tgtlbQIWfLP7v8cYUJFx0WscoAkwXu_xqe7VXSeb9rbuWfjVED9fHlBQjN2fvYKz4YIcX8ci1ifP7Ffl4V016pyIcALoQhQ_XFBRI6l7vPwC7F8Rb-D80xxijWF1TBqZVMMhaMAwr0ZlRgAtNf_TnxgEYUOLsbY6nXi9uLBcuNfwD5H3e_eOz81FV55Qw"
    },
    "browserData": {
        "browserJavaEnabled": false,
        "browserJavascriptEnabled": true,
        "browserLanguage": "en-GB",
        "browserColorDepth": "30",
        "browserScreenHeight": "1117",
        "browserScreenWidth": "1728",
        "browserTimeZone": "-330",
        "userAgent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/144.0.0.0 Safari/537.36",
        "browserHeader": "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7",
        "ipAddress": "104.28.3.25"
    },
    "clientReferenceId": "9d4050c011ee4654adec05873299a640",
    "authFlowType": "FIDO",
    "presentationType": "AI_AGENT",
    "platformType": "WEB",
    "deviceAttestationObj": {
        "reasonCode": "DEVICE_BINDING",
        "actionToPerform": "REGISTER"
    },
    "amount": {
        "currency": "SGD",
        "total": 92.65
    },
    "paymentInstrument": {
        "type": "V_PROV_TOKEN_ID",
        "cardObj": "479518c708c3e3ccb68314501ee4c702"
    }
}
"#;

/// [J-PTP] request sample, copied verbatim from the vendor page.
const PURCHASE_SAMPLE: &str = r#"{
    "customerId": "user_1234567",
    "sessionContext": {
        "secureToken": "ezAwMX06AAQzMjBBFiiXZwZg5CJCDDEtGk78VkcfHs84K3R0joy0jKYRkE2Dy1CfK_VQ7aXmwmR1uGvAj5NmslIpjOv540DKJYdbU_zJYGZACnLYfaDAW-ZwFh8tkUrdTd4J8GnR9akU9hKZ9cLGIbQVyyY4nFs4U44EPD47i3ZNahU81c1v6WQOwzuSHw2iBQmOo40RmnRv9z5m6mj0UXiW5zGU9h_JuNJJ9NwZsece4Q0kLpv_RJKKQjRVh_0qdu5z_UuTyCNSrp27pTBldWoKwGpLcEmgOqHaPg0qgwAIwDSYS3A_EGjwyOZsnnhp09ssr1eiMYBhLL1VRhQ0noQPDcyaFctly3qfuQkMKEB-7_ii5z7n1AwwnpIFKozqY6XbYeGbhszPInzdV_-EuBgcIDrQI3UQRl_L9dc6I020kXJ9wioESfqsJeWwETT0aOi8Tf5UelPmmIouywmEAgZwOZbiN2EV7IQdmWoJSdvZ-ji9MuX8kIAshet2Epow1ZhgYbUVZX0A42jTTlwEMA3mgHGZ6hGj4ZRNfnLZ9vdJMNzZlhOI0quqmXZZQQH647G6I4rRmL6HzoRCrivWhjuyI77LNFSyujm3m3xlaRmoyJRYRjBG6hBmMDKQf0e24xvtZydK3JEUv_UMizb8Bmc0MYXFJptedA6-A3B_KxRw4IQFSYikZKOgnVtS9xiiHwLwY-KiNEJt7tCQFphibVL1esHr-jRM_UhVDkHoGwgex3Ywdk2ROj2nY0G1l1fZFLOxoRFG9tJrokF3tN3b4aOQvaYowKPLGcbybTNR6I2WmzLeUYd851ezHX-w3PeM2tEHPZUX8OS83DplrWzakVlcFG6kYHOlbs-fCedi8NM80JF1D1wNRoW_C3teaO0_AIvniPChIfn2yAvG_8FvmdVmVchRZMNWy-5zPKJkhxG-3QRTR3aaWlAlet1NBIPOpM_SlhbrA7-zrfIKfw_j7-VPsGupP9wIR3rboYwHf_U"
    },
    "browserData": {
        "browserJavaEnabled": false,
        "browserJavascriptEnabled": true,
        "browserLanguage": "en-GB",
        "browserColorDepth": "30",
        "browserScreenHeight": "1117",
        "browserScreenWidth": "1728",
        "browserTimeZone": "-330",
        "userAgent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/144.0.0.0 Safari/537.36",
        "browserHeader": "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7",
        "ipAddress": "104.28.3.64"
    },
    "clientReferenceId": "59be839efa384557b5f0a2d13705df17",
    "authFlowType": "FIDO",
    "presentationType": "AI_AGENT",
    "platformType": "WEB",
    "shouldOpenAuthViaPopup": true,
    "deviceAttestationObj": {
        "reasonCode": "PAYMENT",
        "actionToPerform": "AUTHENTICATE"
    },
    "amount": {
        "currency": "SGD",
        "total": 92.65
    },
    "paymentInstrument": {
        "type": "V_PROV_TOKEN_ID",
        "cardObj": "f66fec32e629a987f83b1ac078f06a02"
    }
}
"#;

const NEW_CARD_SECURE_TOKEN: &str = "ezAwMX06AAM1NkHHoGTHlinW2m5qFZyyKbZYfqJqtRWoUKTkamXXzNYzFFifYHHtH46AB7CCeEkhpoDNOWopqMASvU59EWZVHAGnkYcShe3nSeJ-ljSq0K-4le1ibA62QqWMxSHMRAM6fgvtfZMvfpdL023mVBkUHFJta0325mgmAiyxlk3scqxc3gmK7gcylvJmAHqtQIuovhR7AzwQjemL4wdytXN06tJKRCb4OdrrYExKvHMJUPPqd80oJ94Ump9rhGB4-gxfPTkxwJ8nBYXsKLIg1OdPUkMboWFBVmPJz_GdE8r-R1z3EqQjgEf7OqXOXMeqvwXEJ4HZI5-ZaulST6iEVP9IDFio5pjUuGL3WmPwOkvj5GBe11qq1CItXYga_nArg_HNEXDv28dCo2pUhJ-MXszbT3pjUCGfovKxcLLQ389Eopdqw2vBJWxAzuUlbyAmdeOoCVaJ7PXKku1v7grcfw2--LKMwWorSSmY83_yGoDjIU1bvaMHPVucxUxXFuPlXvSgGo_H9HDMhtiL3TUXIOE0g2VNoADLVVeApCSfdrDasZWF2Gaqe2RSYwaL_rjreZLhBmCL8mnH8gNUUdY2xW_TDnAj9wn3-bXIMLvGeiD2cgFU9LiKGHot7JmhGWRifX1tuy12PFe4fFrvnZBXbecZ3SYEKd89r-kmBGLSF0rSaivMQPcA7uiImqh07V_kHNDAgR4_YPODf0aYBlZycBPmQ6y7vq2ticOZ6wPDj3b_9DEguNJvTganKGkIqbf53O_oNYlfF3IGmYRVX6wXmEksz1ZZedD9yGOKUxsTzpbKNkMmoT-If1RJwPZvcGD8B3XGzpDv_ChMYf98OTV9fXU8vTqqGA_YmkqEAueAASUWtiDgtLojJFbaNltDPIzNOV1W2Z7uT6xnu3Y7g38dmv2TkOyV5GOaRfsdtsGozTszPZFT2BJm1bmMElAqbnLERN5x8Gr0oEK_t93hxP7abZHB1Rojy6MY";

const DEVICE_BINDING_SECURE_TOKEN: &str = "ezAwMX06AARNNDJB9tX3VAp8jgFzlpW1N8ZXlSylhxA-TjJspB7dJlQ39M8hVRPPVQYIYgK0tw8Tc3Qv31-V7Bve4fmyqyLCgxRwBISJJmHYgGqIFaL21nwqxBmHalQoWDh03CabLAgo_lcGUP996Uv9UOBR1Wb6yP8d6jsx5MfeToccgumRHAo38xPO23lbsLu24-P2k8hRU8zW6VQbJf3JJWCSEQv6mfioHzWAEilvbhevUDTIADQtcwXc6dOe97rrXSOFX6uXARdkO_TGgMRlOc6DR5UOOjKl_dwwbgk-TJOcW0WW6G_Y253ccLB1GBheeX-i6mXRiKpE6XOky171Xk33hijogOg4eRtGA2AxqXWJoNRPa6FdamKN5HovXyODzmNNAoLz8vbOCjFx1UWz8eySuktkIln7gL4QTpUIYTAJeuVQWrxceNRMXmLubE3J8KvTueqmdZPsQUfa915WwenBoaw_hkYsav90zD3p83HwPeLbiR0Vp0x15k1y1Dc6x6vHCVGdexw2yaGkFOt4NCzvZxpybM9OI0XNkhLcZpTkKpuMdLsMSwuo9moOplUCSiyDYWCcjllW9f3sLghm-lA3-OnUHyPY_2UogeZJAzDcNfG2J1naRxPQ5njEFA4gFQYkZvOvSoA5xJ8Rd-uqtJJFccHx8LurDhFWrUMKCmbro0Jpn16bkfLtmWH05tKAiujYehUjDgEWvM1KaL38zkxLEtaPiQzoBS8iTDLvP6-5Yoqa60rIF_7_p-V_RCyKgC9Ph4mdavvbrlmvAsZ895FKze7-hvfBBdvZTOTdmP1tgtlbQIWfLP7v8cYUJFx0WscoAkwXu_xqe7VXSeb9rbuWfjVED9fHlBQjN2fvYKz4YIcX8ci1ifP7Ffl4V016pyIcALoQhQ_XFBRI6l7vPwC7F8Rb-D80xxijWF1TBqZVMMhaMAwr0ZlRgAtNf_TnxgEYUOLsbY6nXi9uLBcuNfwD5H3e_eOz81FV55Qw";

const PURCHASE_SECURE_TOKEN: &str = "ezAwMX06AAQzMjBBFiiXZwZg5CJCDDEtGk78VkcfHs84K3R0joy0jKYRkE2Dy1CfK_VQ7aXmwmR1uGvAj5NmslIpjOv540DKJYdbU_zJYGZACnLYfaDAW-ZwFh8tkUrdTd4J8GnR9akU9hKZ9cLGIbQVyyY4nFs4U44EPD47i3ZNahU81c1v6WQOwzuSHw2iBQmOo40RmnRv9z5m6mj0UXiW5zGU9h_JuNJJ9NwZsece4Q0kLpv_RJKKQjRVh_0qdu5z_UuTyCNSrp27pTBldWoKwGpLcEmgOqHaPg0qgwAIwDSYS3A_EGjwyOZsnnhp09ssr1eiMYBhLL1VRhQ0noQPDcyaFctly3qfuQkMKEB-7_ii5z7n1AwwnpIFKozqY6XbYeGbhszPInzdV_-EuBgcIDrQI3UQRl_L9dc6I020kXJ9wioESfqsJeWwETT0aOi8Tf5UelPmmIouywmEAgZwOZbiN2EV7IQdmWoJSdvZ-ji9MuX8kIAshet2Epow1ZhgYbUVZX0A42jTTlwEMA3mgHGZ6hGj4ZRNfnLZ9vdJMNzZlhOI0quqmXZZQQH647G6I4rRmL6HzoRCrivWhjuyI77LNFSyujm3m3xlaRmoyJRYRjBG6hBmMDKQf0e24xvtZydK3JEUv_UMizb8Bmc0MYXFJptedA6-A3B_KxRw4IQFSYikZKOgnVtS9xiiHwLwY-KiNEJt7tCQFphibVL1esHr-jRM_UhVDkHoGwgex3Ywdk2ROj2nY0G1l1fZFLOxoRFG9tJrokF3tN3b4aOQvaYowKPLGcbybTNR6I2WmzLeUYd851ezHX-w3PeM2tEHPZUX8OS83DplrWzakVlcFG6kYHOlbs-fCedi8NM80JF1D1wNRoW_C3teaO0_AIvniPChIfn2yAvG_8FvmdVmVchRZMNWy-5zPKJkhxG-3QRTR3aaWlAlet1NBIPOpM_SlhbrA7-zrfIKfw_j7-VPsGupP9wIR3rboYwHf_U";

/// [J-PTP] response sample, copied verbatim from the vendor page.
const NEW_CARD_RESPONSE: &str = r#"{
    "errorMessage": null,
    "status": "SUCCESS",
    "payload": {
        "stepUpResponse": {
            "availableStepUpMethod": [
                {
                    "value": "**PSMS",
                    "requestPayload": null,
                    "platformType": null,
                    "subMethod": null,
                    "identifier": "bvksaj=",
                    "method": "OTPSMS",
                    "source": null,
                    "appID": null,
                    "intentURL": null,
                    "appPlatform": null,
                    "appURL": null
                },
                {
                    "value": "OTPEMAIL",
                    "requestPayload": null,
                    "platformType": null,
                    "subMethod": null,
                    "identifier": "bvksaj==",
                    "method": "OTPEMAIL",
                    "source": null,
                    "appID": null,
                    "intentURL": null,
                    "appPlatform": null,
                    "appURL": null
                },
                {
                    "value": "1800123456",
                    "requestPayload": null,
                    "platformType": null,
                    "subMethod": null,
                    "identifier": "bvksaj==",
                    "method": "CUSTOMERSERVICE",
                    "source": null,
                    "appID": null,
                    "intentURL": null,
                    "appPlatform": null,
                    "appURL": null
                },
                {
                    "value": "Verify Online with Bank",
                    "requestPayload": "",
                    "platformType": "WEB",
                    "subMethod": "THREE-DS",
                    "identifier": "bvksaj==",
                    "method": "APP-TO-APP",
                    "source": "https://www.isa.sandbox.com",
                    "appID": null,
                    "intentURL": null,
                    "appPlatform": null,
                    "appURL": null
                }
            ],
            "otpInfo": null,
            "deviceBindingStatus": "CHALLENGED",
            "stepUpMethod": null
        },
        "vProvisionedTokenId": "bvksaj=bvksaj=bvksaj="
    },
    "errorCode": null
}
"#;

/// [J-PTP] response sample, copied verbatim from the vendor page.
const DEVICE_BINDING_RESPONSE: &str = r#"{
    "errorMessage": null,
    "status": "SUCCESS",
    "payload": {
        "actionToBePerformed": "REGISTER",
        "authPreferencesEnabled": {
            "responseType": "code",
            "responseMode": "com_visa_web_message"
        },
        "platformType": "WEB",
        "payload": "xxxxx.xxxx.-xxxxx",
        "identifier": "c3d04cbeffc063260f501b3dbc0b2b01",
        "endpoint": "xxxxxxx"
    },
    "errorCode": null
}
"#;

/// [J-PTP] response sample, copied verbatim from the vendor page.
const PURCHASE_RESPONSE: &str = r#"{
    "errorMessage": null,
    "status": "SUCCESS",
    "payload": {
        "actionToBePerformed": "AUTHENTICATE",
        "authPreferencesEnabled": {
            "responseType": "code",
            "responseMode": "com_visa_web_message"
        },
        "platformType": "WEB",
        "payload": "xxxx.xxxxx.xxxx-xxxx",
        "identifier": "xxxxxx",
        "endpoint": "xxxxxxxxxxxx=="
    },
    "errorCode": null
}
"#;

/// [J-PTP] response sample, copied verbatim from the vendor page.
const UNAUTHORIZED_RESPONSE: &str = r#"{
    "error": true,
    "error_message": "Access Denied",
    "user_message": "Access Denied",
    "error_info": {
        "code": "UNAUTHORIZED",
        "category": "USER_ERROR",
        "href": "NA",
        "request_id": "46231085-a366-4279-91af-843a2dfa6e8b",
        "user_message": "Unauthorized.",
        "developer_message": "Invalid merchant ID."
    }
}
"#;

// ---------------------------------------------------------------------------------------------
// Shared fixtures.
// ---------------------------------------------------------------------------------------------

const USER_AGENT: &str = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/144.0.0.0 Safari/537.36";
const ACCEPT: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7";

/// The `browserData` of the [J-PTP] samples (they differ only in the IP address). Built from
/// JSON so that the test does not depend on the struct's field list.
fn browser_data(ip_address: &str) -> BrowserData {
    agentic_core::json_path::read(&json!({
        "browserJavaEnabled": false,
        "browserJavascriptEnabled": true,
        "browserLanguage": "en-GB",
        "browserColorDepth": "30",
        "browserScreenHeight": "1117",
        "browserScreenWidth": "1728",
        "browserTimeZone": "-330",
        "userAgent": USER_AGENT,
        "browserHeader": ACCEPT,
        "ipAddress": ip_address
    }))
    .expect("browser data")
}

fn context(
    customer_id: &str,
    client_reference_id: &str,
    secure_token: &str,
    ip_address: &str,
) -> ProvisionContext {
    ProvisionContext::new(
        customer_id,
        client_reference_id,
        SecureToken::new("secureToken", secure_token).expect("token"),
        browser_data(ip_address),
        PlatformType::Web,
        "SGD",
        "92.65",
    )
    .expect("valid context")
}

fn parse(text: &str) -> Value {
    serde_json::from_str(text).expect("sample is JSON")
}

fn assert_post_json<E: Endpoint>(request: &E, path: &str) {
    let http = request.to_http();
    assert_eq!(http.provider, Provider::JuspayVat);
    assert_eq!(http.method, Method::Post);
    assert_eq!(http.path, path);
    assert!(!http.idempotent, "{path} must not be resent automatically");
    assert_eq!(http.body.content_type(), Some("application/json"));
}

// ---------------------------------------------------------------------------------------------
// POST /card/tokenize
// ---------------------------------------------------------------------------------------------

#[test]
fn card_tokenize_request_is_a_form_of_the_ec_card_fields() {
    let request = CardTokenizeRequest::new(
        "azhar_test",
        "4242424242424242",
        "07",
        "31",
        "123",
        Some("Jane Doe"),
    )
    .expect("valid");
    let http = request.to_http();
    assert_eq!(
        (http.method, http.path.as_str(), http.idempotent),
        (Method::Post, "/card/tokenize", false)
    );
    assert_eq!(http.provider, Provider::JuspayVat);
    assert_eq!(
        http.body.content_type(),
        Some("application/x-www-form-urlencoded")
    );
    let pairs = body_form(&request);
    let expected: Vec<(String, String)> = [
        ("merchant_id", "azhar_test"),
        ("card_number", "4242424242424242"),
        ("card_exp_year", "31"),
        ("card_exp_month", "07"),
        ("name_on_card", "Jane Doe"),
        ("card_security_code", "123"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    assert_eq!(pairs, expected);

    let without_name =
        CardTokenizeRequest::new("azhar_test", "4111111111111111", "12", "30", "1234", None)
            .expect("valid");
    assert!(
        body_form(&without_name)
            .iter()
            .all(|(k, _)| k != "name_on_card")
    );
}

#[test]
fn card_tokenize_response_decodes_to_a_secret_card_token() {
    let response = json_response(200, r#"{"token": "ctkn_cyq8CfH5yQEPxux8", "extra": true}"#);
    let decoded = CardTokenizeRequest::decode(&response).expect("decodes");
    assert_eq!(
        decoded,
        CardTokenizeResponse {
            token: CardToken::new("token", "ctkn_cyq8CfH5yQEPxux8").expect("token")
        }
    );
    assert_eq!(decoded.token.expose_secret(), "ctkn_cyq8CfH5yQEPxux8");
    assert!(!format!("{decoded:?}").contains("ctkn_"));
}

#[test]
fn card_tokenize_ec_error_envelope_is_an_api_error() {
    let response = json_response(
        400,
        r#"{"status": "invalid_request_error", "error_code": "invalid", "error_message": "Invalid card number"}"#,
    );
    let error = CardTokenizeRequest::decode(&response).expect_err("error");
    assert_eq!(error.code.as_deref(), Some("invalid"));
    assert_eq!(error.category, ErrorCategory::InvalidRequest);
}

// ---------------------------------------------------------------------------------------------
// POST /provision-token-passkey
// ---------------------------------------------------------------------------------------------

#[test]
fn provision_new_card_request_matches_the_j_ptp_sample() {
    let request = ProvisionTokenPasskeyRequest::new_card(
        context(
            "user_f96UTs2u7DpLrzh2",
            "235125b97f5147f9b9b4524b5e010a81",
            NEW_CARD_SECURE_TOKEN,
            "104.28.3.19",
        ),
        CardToken::new("cardObj", "ctkn_cyq8CfH5yQEPxux8").expect("token"),
    )
    .expect("valid");
    assert_post_json(&request, "/provision-token-passkey");
    assert_eq!(body_json(&request), parse(NEW_CARD_SAMPLE));
}

#[test]
fn provision_device_binding_request_matches_the_j_ptp_sample() {
    let request = ProvisionTokenPasskeyRequest::device_binding(
        context(
            "user_1234567",
            "9d4050c011ee4654adec05873299a640",
            DEVICE_BINDING_SECURE_TOKEN,
            "104.28.3.25",
        ),
        "479518c708c3e3ccb68314501ee4c702",
    )
    .expect("valid");
    assert_post_json(&request, "/provision-token-passkey");
    assert_eq!(body_json(&request), parse(DEVICE_BINDING_SAMPLE));
}

#[test]
fn provision_purchase_request_matches_the_j_ptp_sample() {
    let request = ProvisionTokenPasskeyRequest::purchase(
        context(
            "user_1234567",
            "59be839efa384557b5f0a2d13705df17",
            PURCHASE_SECURE_TOKEN,
            "104.28.3.64",
        ),
        "f66fec32e629a987f83b1ac078f06a02",
        true,
    )
    .expect("valid");
    assert_post_json(&request, "/provision-token-passkey");
    assert_eq!(body_json(&request), parse(PURCHASE_SAMPLE));
}

fn option(identifier: &str, method: StepUpMethod, value: &str) -> StepUpOption {
    StepUpOption {
        identifier: identifier.to_owned(),
        method,
        value: Some(value.to_owned()),
        sub_method: None,
        platform_type: None,
        source: None,
        request_payload: None,
        app_id: None,
        intent_url: None,
        app_platform: None,
        app_url: None,
    }
}

#[test]
fn provision_new_card_response_sample_decodes_to_step_up() {
    let decoded = ProvisionTokenPasskeyRequest::decode(&json_response(200, NEW_CARD_RESPONSE))
        .expect("sample decodes");
    let three_ds = StepUpOption {
        request_payload: Some(String::new()),
        platform_type: Some(PlatformType::Web),
        sub_method: Some(StepUpSubMethod::ThreeDs),
        source: Some("https://www.isa.sandbox.com".to_owned()),
        ..option(
            "bvksaj==",
            StepUpMethod::AppToApp,
            "Verify Online with Bank",
        )
    };
    assert_eq!(
        decoded,
        ProvisionTokenPasskeyResponse::StepUp {
            step_up: StepUpResponse {
                available_step_up_method: vec![
                    option("bvksaj=", StepUpMethod::OtpSms, "**PSMS"),
                    option("bvksaj==", StepUpMethod::OtpEmail, "OTPEMAIL"),
                    option("bvksaj==", StepUpMethod::CustomerService, "1800123456"),
                    three_ds,
                ],
                device_binding_status: DeviceBindingStatus::Challenged,
                otp_info: None,
                step_up_method: None,
            },
            v_provisioned_token_id: "bvksaj=bvksaj=bvksaj=".to_owned(),
        }
    );
}

fn ceremony(
    action: PasskeyAction,
    payload: &str,
    identifier: &str,
    endpoint: &str,
) -> ProvisionTokenPasskeyResponse {
    ProvisionTokenPasskeyResponse::PasskeyCeremony {
        action_to_be_performed: action,
        auth_preferences_enabled: AuthPreferences {
            response_type: "code".to_owned(),
            response_mode: "com_visa_web_message".to_owned(),
        },
        platform_type: Some(PlatformType::Web),
        payload: VisaPayload::new("payload", payload).expect("payload"),
        identifier: identifier.to_owned(),
        endpoint: endpoint.to_owned(),
        v_provisioned_token_id: None,
    }
}

#[test]
fn provision_device_binding_response_sample_decodes_to_a_register_ceremony() {
    let decoded =
        ProvisionTokenPasskeyRequest::decode(&json_response(200, DEVICE_BINDING_RESPONSE))
            .expect("sample decodes");
    assert_eq!(
        decoded,
        ceremony(
            PasskeyAction::Register,
            "xxxxx.xxxx.-xxxxx",
            "c3d04cbeffc063260f501b3dbc0b2b01",
            "xxxxxxx"
        )
    );
}

#[test]
fn provision_purchase_response_sample_decodes_to_an_authenticate_ceremony() {
    let decoded = ProvisionTokenPasskeyRequest::decode(&json_response(200, PURCHASE_RESPONSE))
        .expect("sample decodes");
    assert_eq!(
        decoded,
        ceremony(
            PasskeyAction::Authenticate,
            "xxxx.xxxxx.xxxx-xxxx",
            "xxxxxx",
            "xxxxxxxxxxxx=="
        )
    );
}

#[test]
fn provision_401_sample_is_an_authentication_error() {
    let error = ProvisionTokenPasskeyRequest::decode(&json_response(401, UNAUTHORIZED_RESPONSE))
        .expect_err("401");
    assert_eq!(error.provider, Provider::JuspayVat);
    assert_eq!(error.http_status, 401);
    assert_eq!(error.code.as_deref(), Some("UNAUTHORIZED"));
    assert_eq!(error.category, ErrorCategory::Authentication);
    assert_eq!(
        error.request_id.as_deref(),
        Some("46231085-a366-4279-91af-843a2dfa6e8b")
    );
    assert_eq!(error.message, "Invalid merchant ID.");
    assert_eq!(error.recovery, Recovery::CheckCredentials);
}

#[test]
fn provision_approved_binding_decodes_as_a_ceremony() {
    // Approved without a step-up: no stepUpResponse, the ceremony keys and the new token id.
    let body = r#"{"status": "SUCCESS", "payload": {"actionToBePerformed": "REGISTER",
        "platformType": "WEB", "payload": "a.b.c", "identifier": "id1", "endpoint": "ZW5k",
        "vProvisionedTokenId": "vpt_1"}}"#;
    let decoded = ProvisionTokenPasskeyRequest::decode(&json_response(200, body)).expect("ok");
    let ProvisionTokenPasskeyResponse::PasskeyCeremony {
        action_to_be_performed,
        auth_preferences_enabled,
        v_provisioned_token_id,
        ..
    } = decoded
    else {
        panic!("expected a ceremony, got {decoded:?}");
    };
    assert_eq!(action_to_be_performed, PasskeyAction::Register);
    assert_eq!(auth_preferences_enabled, AuthPreferences::default());
    assert_eq!(v_provisioned_token_id.as_deref(), Some("vpt_1"));

    // Approved with a stepUpResponse that says so (VTS spelling): still the ceremony.
    let body = r#"{"status": "SUCCESS", "payload": {"stepUpResponse": {"deviceBindingStatus": "APPROVED",
        "availableStepUpMethod": null}, "vProvisionedTokenId": "vpt_1",
        "actionToBePerformed": "REGISTER", "authPreferencesEnabled": {"responseType": "code",
        "responseMode": "com_visa_web_message"}, "payload": "a.b.c", "identifier": "id1", "endpoint": "ZW5k"}}"#;
    let decoded = ProvisionTokenPasskeyRequest::decode(&json_response(200, body)).expect("ok");
    assert!(matches!(
        decoded,
        ProvisionTokenPasskeyResponse::PasskeyCeremony { .. }
    ));
}

#[test]
fn provision_challenge_wins_over_ceremony_keys() {
    let body = r#"{"status": "SUCCESS", "payload": {"stepUpResponse": {"deviceBindingStatus": "CHALLENGE",
        "availableStepUpMethod": [{"identifier": "x", "method": "OTP_SMS"}]},
        "vProvisionedTokenId": "vpt_1", "actionToBePerformed": "REGISTER", "payload": "a.b.c",
        "identifier": "id1", "endpoint": "ZW5k"}}"#;
    let decoded = ProvisionTokenPasskeyRequest::decode(&json_response(200, body)).expect("ok");
    let ProvisionTokenPasskeyResponse::StepUp { step_up, .. } = decoded else {
        panic!("expected a step-up");
    };
    assert_eq!(
        step_up.device_binding_status,
        DeviceBindingStatus::Challenged
    );
    assert_eq!(
        step_up.available_step_up_method[0].method,
        StepUpMethod::OtpSms
    );
}

#[test]
fn provision_tolerates_unknown_values_and_extra_fields() {
    let body = r#"{"errorMessage": null, "status": "SUCCESS", "errorCode": null, "extra": [1, 2],
        "payload": {"stepUpResponse": {"availableStepUpMethod": [{"identifier": "i", "method": "CARRIER_PIGEON",
        "value": "v", "newField": {"a": 1}}], "deviceBindingStatus": "PENDING_REVIEW",
        "otpInfo": {"length": 6}, "stepUpMethod": "OTPSMS", "another": true},
        "vProvisionedTokenId": 12345}}"#;
    let decoded = ProvisionTokenPasskeyRequest::decode(&json_response(200, body)).expect("ok");
    let ProvisionTokenPasskeyResponse::StepUp {
        step_up,
        v_provisioned_token_id,
    } = decoded
    else {
        panic!("expected a step-up");
    };
    assert_eq!(v_provisioned_token_id, "12345");
    assert_eq!(
        step_up.device_binding_status,
        DeviceBindingStatus::Unknown("PENDING_REVIEW".to_owned())
    );
    assert_eq!(
        step_up.available_step_up_method[0].method,
        StepUpMethod::Unknown("CARRIER_PIGEON".to_owned())
    );
    assert_eq!(
        step_up.otp_info.as_ref().map(RawJson::expose),
        Some(&json!({"length": 6}))
    );
    assert_eq!(
        step_up.step_up_method.as_ref().map(RawJson::expose),
        Some(&json!("OTPSMS"))
    );

    let body = r#"{"status": "SUCCESS", "payload": {"actionToBePerformed": "DELEGATE",
        "platformType": "SMART_TV", "payload": "a.b.c", "identifier": "i", "endpoint": "e"}}"#;
    let decoded = ProvisionTokenPasskeyRequest::decode(&json_response(200, body)).expect("ok");
    let ProvisionTokenPasskeyResponse::PasskeyCeremony {
        action_to_be_performed,
        platform_type,
        ..
    } = decoded
    else {
        panic!("expected a ceremony");
    };
    assert_eq!(
        action_to_be_performed,
        PasskeyAction::Unknown("DELEGATE".to_owned())
    );
    assert_eq!(
        platform_type,
        Some(PlatformType::Unknown("SMART_TV".to_owned()))
    );
}

#[test]
fn provision_payload_without_either_shape_is_malformed_and_needs_reconciling() {
    for body in [
        r#"{"status": "SUCCESS", "payload": {"something": "else"}}"#,
        r#"{"status": "SUCCESS", "payload": {"stepUpResponse": {"deviceBindingStatus": "CHALLENGED"}}}"#,
        r#"{"status": "SUCCESS", "payload": {"actionToBePerformed": "REGISTER", "identifier": "i", "endpoint": "e"}}"#,
        r#"{"status": "SUCCESS"}"#,
    ] {
        let error =
            ProvisionTokenPasskeyRequest::decode(&json_response(200, body)).expect_err("malformed");
        assert_eq!(error.category, ErrorCategory::MalformedResponse, "{body}");
        assert_eq!(error.recovery, Recovery::Reconcile, "{body}");
    }
}

#[test]
fn provision_non_success_on_http_200_is_rejected() {
    let body = r#"{"errorMessage": "card not eligible", "status": "FAILURE", "errorCode": "NOT_ELIGIBLE", "payload": null}"#;
    let error = ProvisionTokenPasskeyRequest::decode(&json_response(200, body)).expect_err("error");
    assert_eq!(error.category, ErrorCategory::Rejected);
    assert_eq!(error.code.as_deref(), Some("NOT_ELIGIBLE"));
    assert_eq!(error.message, "card not eligible");
}

// ---------------------------------------------------------------------------------------------
// POST /initiateVerification (decode of a malformed success)
// ---------------------------------------------------------------------------------------------

#[test]
fn trigger_otp_malformed_success_needs_reconciling() {
    let response = json_response(
        200,
        r#"{"status": "SUCCESS", "response": {"maxOTPRequestsAllowed": 3}}"#,
    );
    let error = TriggerOtpRequest::decode(&response).expect_err("malformed");
    assert_eq!(error.category, ErrorCategory::MalformedResponse);
    assert_eq!(error.recovery, Recovery::Reconcile);
}

// ---------------------------------------------------------------------------------------------
// POST /validateOtp
// ---------------------------------------------------------------------------------------------

#[test]
fn validate_otp_request_matches_the_j_votp_sample() {
    let request = ValidateOtpRequest::new(
        "479518c708c3e3ccb68314501ee4c702",
        "456789",
        "9d4050c011ee4654adec05873299a640",
        "479518c708c3e3ccb68314501ee4c702",
    )
    .expect("valid");
    assert_post_json(&request, "/validateOtp");
    assert_eq!(
        body_json(&request),
        json!({
            "tokenReference": "479518c708c3e3ccb68314501ee4c702",
            "otpValue": "456789",
            "clientReferenceId": "9d4050c011ee4654adec05873299a640",
            "networkType": "VISA",
            "vProvisionedTokenId": "479518c708c3e3ccb68314501ee4c702"
        })
    );
}

#[test]
fn validate_otp_response_sample_decodes() {
    let response = json_response(
        200,
        r#"{"status": "SUCCESS", "responseCode": null, "responseMessage": null}"#,
    );
    assert_eq!(
        ValidateOtpRequest::decode(&response).expect("decodes"),
        ValidateOtpResponse {
            status: Some("SUCCESS".to_owned())
        }
    );
}

#[test]
fn validate_otp_refusal_asks_for_the_otp_again() {
    let response = json_response(
        200,
        r#"{"status": "FAILURE", "responseCode": "INVALID_OTP", "responseMessage": "OTP is incorrect"}"#,
    );
    let error = ValidateOtpRequest::decode(&response).expect_err("refused");
    assert_eq!(error.category, ErrorCategory::Rejected);
    assert_eq!(error.code.as_deref(), Some("INVALID_OTP"));
    assert_eq!(error.message, "OTP is incorrect");
    assert_eq!(error.recovery, Recovery::ReenterOtp);

    // Other failures keep the shared advice.
    let error =
        ValidateOtpRequest::decode(&json_response(401, UNAUTHORIZED_RESPONSE)).expect_err("401");
    assert_eq!(error.recovery, Recovery::CheckCredentials);
}

// ---------------------------------------------------------------------------------------------
// POST /enrollInAgenticService
// ---------------------------------------------------------------------------------------------

fn enroll_request() -> EnrollInAgenticServiceRequest {
    EnrollInAgenticServiceRequest::new(
        "sdfsdfsddsfffff",
        "sdfsdfsddsfffff",
        UserDetails::new("user_1234567", IdentityType::EmailAddress, "US").expect("user"),
        AppDetails::new(
            USER_AGENT,
            "104.28.3.25",
            DeviceData {
                model: "Macintosh".to_owned(),
                brand: "Apple".to_owned(),
                manufacturer: "Apple".to_owned(),
            },
        )
        .expect("app"),
        "",
    )
    .expect("valid")
}

#[test]
fn enroll_request_matches_the_j_enroll_sample() {
    let request = enroll_request();
    assert_post_json(&request, "/enrollInAgenticService");
    assert_eq!(
        body_json(&request),
        json!({
            "clientReferenceId": "sdfsdfsddsfffff",
            "vProvisionedTokenId": "sdfsdfsddsfffff",
            "userDetails": {
                "customerId": "user_1234567",
                "identityType": "EMAIL_ADDRESS",
                "countryCode": "US"
            },
            "appDetails": {
                "userAgent": USER_AGENT,
                "ipAddress": "104.28.3.25",
                "deviceData": {
                    "model": "Macintosh",
                    "brand": "Apple",
                    "manufacturer": "Apple"
                }
            },
            "appName": "",
            "networkType": "VISA"
        })
    );
}

#[test]
fn enroll_response_provisional_shape_decodes() {
    let body = r#"{"errorMessage": null, "status": "SUCCESS", "errorCode": null,
        "payload": {"status": "ACTIVE", "requestId": "1_1768897769_649_141_k8l73-7d75755c8q_IAMRB"}}"#;
    let decoded = EnrollInAgenticServiceRequest::decode(&json_response(200, body)).expect("ok");
    assert_eq!(
        decoded,
        EnrollInAgenticServiceResponse {
            status: Some(VicStatus::Active),
            reference_id: Some("1_1768897769_649_141_k8l73-7d75755c8q_IAMRB".to_owned()),
            raw: serde_json::from_str(body).expect("raw"),
        }
    );
}

#[test]
fn enroll_response_is_read_leniently() {
    // Flat body: the envelope's SUCCESS is not the enrolment status.
    let body = r#"{"status": "SUCCESS", "enrollmentStatus": "FROZEN", "clientReferenceId": 42}"#;
    let decoded = EnrollInAgenticServiceRequest::decode(&json_response(200, body)).expect("ok");
    assert_eq!(
        decoded.status,
        Some(VicStatus::Unknown("FROZEN".to_owned()))
    );
    assert_eq!(decoded.reference_id.as_deref(), Some("42"));
    assert_eq!(decoded.raw.expose(), &parse(body));

    // Only the envelope: nothing invented.
    let body = r#"{"errorMessage": null, "status": "SUCCESS", "errorCode": null}"#;
    let decoded = EnrollInAgenticServiceRequest::decode(&json_response(200, body)).expect("ok");
    assert_eq!((decoded.status, decoded.reference_id), (None, None));

    // VIC-style `data` wrapper with PENDING.
    let body = r#"{"status": "SUCCESS", "data": {"clientReferenceId": "c1", "status": "PENDING", "pendingEvents": ["OTP"]}}"#;
    let decoded = EnrollInAgenticServiceRequest::decode(&json_response(200, body)).expect("ok");
    assert_eq!(decoded.status, Some(VicStatus::Pending));
    assert_eq!(decoded.reference_id.as_deref(), Some("c1"));
}

// ---------------------------------------------------------------------------------------------
// POST /cards/setUpAgenticPaymentInstruction
// ---------------------------------------------------------------------------------------------

const FIDO_BLOB: &str = "eyJmaWRvIjoiYXNzZXJ0aW9uLWJsb2ItY2FuYXJ5In0";

fn setup_request(dfp_session_id: Option<&str>) -> SetupAgenticPaymentInstructionRequest {
    SetupAgenticPaymentInstructionRequest::new(
        "xxx",
        "xxx",
        "user_1234567",
        PasskeyAssurance::new(
            "c3d04cbeffc063260f501b3dbc0b2b01",
            FidoBlob::new("fidoBlob", FIDO_BLOB).expect("blob"),
            dfp_session_id,
        )
        .expect("assurance"),
        Mandate::new("92.65", "SGD", 1_768_897_769, None).expect("mandate"),
    )
    .expect("valid")
}

#[test]
fn setup_request_has_the_documented_prefix_keys() {
    let request = setup_request(None);
    assert_post_json(&request, "/cards/setUpAgenticPaymentInstruction");
    let body = body_json(&request);
    // The documented part of the J-SETUP sample.
    assert_eq!(body["cardNetwork"], json!("VISA"));
    assert_eq!(body["clientReferenceId"], json!("xxx"));
    assert_eq!(body["vProvisionedTokenId"], json!("xxx"));
    assert_eq!(body["customerId"], json!("user_1234567"));
    assert!(body["verificationData"]["verifyType"].is_string());
}

#[test]
fn setup_request_provisional_body() {
    assert_eq!(
        body_json(&setup_request(Some("dfp-123"))),
        json!({
            "cardNetwork": "VISA",
            "clientReferenceId": "xxx",
            "vProvisionedTokenId": "xxx",
            "customerId": "user_1234567",
            "verificationData": {
                "verifyType": "FIDO",
                "identifier": "c3d04cbeffc063260f501b3dbc0b2b01",
                "fidoBlob": FIDO_BLOB,
                "dfpSessionId": "dfp-123"
            },
            "mandates": [{
                "declineThreshold": {"amount": 92.65, "currencyCode": "SGD"},
                "effectiveUntilTime": 1_768_897_769_u64
            }]
        })
    );
    let with_description = SetupAgenticPaymentInstructionRequest::new(
        "c",
        "v",
        "u",
        PasskeyAssurance::new("i", FidoBlob::new("f", "b").expect("blob"), None).expect("a"),
        Mandate::new("10", "USD", 1, Some("groceries")).expect("mandate"),
    )
    .expect("valid");
    let body = body_json(&with_description);
    assert_eq!(body["mandates"][0]["description"], json!("groceries"));
    assert_eq!(
        body["mandates"][0]["declineThreshold"]["amount"],
        json!(10.0)
    );
    assert!(body["verificationData"].get("dfpSessionId").is_none());
}

#[test]
fn setup_response_provisional_shape_decodes() {
    let body = r#"{"errorMessage": null, "status": "SUCCESS", "errorCode": null,
        "payload": {"instructionId": "instr_7f3a", "status": "ACTIVE", "clientReferenceId": "xxx"}}"#;
    let decoded =
        SetupAgenticPaymentInstructionRequest::decode(&json_response(200, body)).expect("ok");
    assert_eq!(
        decoded,
        SetupAgenticPaymentInstructionResponse {
            instruction_id: Some("instr_7f3a".to_owned()),
            status: Some(VicStatus::Active),
            raw: serde_json::from_str(body).expect("raw"),
        }
    );

    let body = r#"{"status": "SUCCESS", "response": {"instructionStatus": "AWAITING", "x": 1}}"#;
    let decoded =
        SetupAgenticPaymentInstructionRequest::decode(&json_response(200, body)).expect("ok");
    assert_eq!(decoded.instruction_id, None);
    assert_eq!(
        decoded.status,
        Some(VicStatus::Unknown("AWAITING".to_owned()))
    );
}

#[test]
fn setup_failure_is_rejected() {
    let body = r#"{"errorMessage": "assurance data invalid", "status": "FAILURE", "errorCode": "INVALID_ASSURANCE"}"#;
    let error =
        SetupAgenticPaymentInstructionRequest::decode(&json_response(200, body)).expect_err("err");
    assert_eq!(error.category, ErrorCategory::Rejected);
    assert_eq!(error.code.as_deref(), Some("INVALID_ASSURANCE"));
}

// ---------------------------------------------------------------------------------------------
// POST /cards/fetchAgenticTransactCreds
// ---------------------------------------------------------------------------------------------

fn fetch_request() -> FetchPaymentCredentialsRequest {
    let detail = TransactionDetail::new(
        "txn-ref-123",
        TransactionType::Purchase,
        TransactionAmount::new("11.10", "11.10", "0.00", "USD").expect("amount"),
        "merch-ord-123",
    )
    .expect("detail")
    .with_shipping_address(ShippingAddress {
        add_line1: "123 Main St".to_owned(),
        city: "Greater Noida".to_owned(),
        state_add: "Uttar Pradesh".to_owned(),
        postal_code: "201310".to_owned(),
        country_code: Some("US".to_owned()),
    });
    FetchPaymentCredentialsRequest::new(
        "xxxxxxxxxxxxxxxxxxxxxx",
        "some-client-ref-id",
        "some-txn-id-1",
        vec![detail],
    )
    .expect("valid")
}

#[test]
fn fetch_request_matches_the_j_fetch_sample() {
    let request = fetch_request();
    assert_post_json(&request, "/cards/fetchAgenticTransactCreds");
    // Amounts are JSON numbers as in the sample (`11.10` unquoted); `shippingAddress` after
    // `stateAdd` uses the provisional names.
    assert_eq!(
        body_json(&request),
        json!({
            "networkType": "VISA",
            "vProvisionedTokenId": "xxxxxxxxxxxxxxxxxxxxxx",
            "clientReferenceId": "some-client-ref-id",
            "nwTransactionId": "some-txn-id-1",
            "transactionDetails": [{
                "transactionId": "txn-ref-123",
                "transactionType": "PURCHASE",
                "transactionAmount": {
                    "totalAmount": 11.10,
                    "subTotalAmount": 11.10,
                    "tax": 0.00,
                    "currencyCode": "USD"
                },
                "orderId": "merch-ord-123",
                "shippingAddress": {
                    "addLine1": "123 Main St",
                    "city": "Greater Noida",
                    "stateAdd": "Uttar Pradesh",
                    "postalCode": "201310",
                    "countryCode": "US"
                }
            }]
        })
    );
    let http = request.to_http();
    let text = std::str::from_utf8(http.body.bytes()).expect("utf8");
    assert!(
        text.contains("\"totalAmount\":11.1"),
        "a number, not a string"
    );
    assert!(text.contains("\"tax\":0.0"), "zero tax is a number");
}

#[test]
fn fetch_request_with_a_taxed_amount_and_no_address() {
    let detail = TransactionDetail::new(
        "t1",
        TransactionType::Purchase,
        TransactionAmount::new("10.80", "10", "0.8", "SGD").expect("amount"),
        "o1",
    )
    .expect("detail");
    let body = body_json(
        &FetchPaymentCredentialsRequest::new("v", "c", "n", vec![detail]).expect("valid"),
    );
    let detail = &body["transactionDetails"][0];
    assert_eq!(detail["transactionAmount"]["tax"], json!(0.8));
    assert_eq!(detail["transactionAmount"]["subTotalAmount"], json!(10.0));
    assert!(detail.get("shippingAddress").is_none());
}

#[test]
fn fetch_response_provisional_shape_decodes_to_secret_credentials() {
    let body = r#"{"errorMessage": null, "status": "SUCCESS", "errorCode": null,
        "payload": {"token": "12344", "expirationDate": {"month": "03", "year": "2023"},
        "dynamicData": [{"dynamicDataType": "DTVV", "dynamicDataValue": "123"}],
        "transactionReferenceId": "transac-ref-id", "status": "SUCCESS"}}"#;
    let decoded = FetchPaymentCredentialsRequest::decode(&json_response(200, body)).expect("ok");
    assert_eq!(
        decoded,
        FetchPaymentCredentialsResponse {
            token_number: Some(TokenNumber::new("token", "12344").expect("t")),
            expiry_month: Some(ExpiryMonth::new("month", "03").expect("m")),
            expiry_year: Some(serde_json::from_value(json!("2023")).expect("y")),
            dynamic_data_type: Some(DynamicDataType::Dtvv),
            cryptogram: Some(Cryptogram::new("cryptogram", "123").expect("c")),
            transaction_reference: Some("transac-ref-id".to_owned()),
            status: Some(VicStatus::Success),
            raw: serde_json::from_str(body).expect("raw"),
        }
    );
    let debug = format!("{decoded:?}");
    for secret in ["12344", "2023", "\"123\""] {
        assert!(!debug.contains(secret), "{secret} leaked in {debug}");
    }
}

#[test]
fn fetch_response_accepts_numbers_and_unknown_types() {
    let body = r#"{"status": "SUCCESS", "response": {"tokenNumber": 4895370077346937,
        "expiryMonth": 3, "expiryYear": 2031, "cryptogramType": "UCAF", "cryptogram": "AAECAwQ=",
        "transactionRefId": 998, "unknownField": {"nested": true}}}"#;
    let decoded = FetchPaymentCredentialsRequest::decode(&json_response(200, body)).expect("ok");
    assert_eq!(
        decoded.token_number.as_ref().map(SecretText::expose_secret),
        Some("4895370077346937")
    );
    assert_eq!(
        decoded.expiry_month.as_ref().map(SecretText::expose_secret),
        Some("3")
    );
    assert_eq!(
        decoded.expiry_year.as_ref().map(SecretText::expose_secret),
        Some("2031")
    );
    assert_eq!(
        decoded.dynamic_data_type,
        Some(DynamicDataType::Unknown("UCAF".to_owned()))
    );
    assert_eq!(
        decoded.cryptogram.as_ref().map(SecretText::expose_secret),
        Some("AAECAwQ=")
    );
    assert_eq!(decoded.transaction_reference.as_deref(), Some("998"));
    assert_eq!(
        decoded.status, None,
        "the envelope's SUCCESS is not the result status"
    );
}

// ---------------------------------------------------------------------------------------------
// Invalid input, refused before anything is sent.
// ---------------------------------------------------------------------------------------------

/// The wire field and the problem of a refused input.
type FieldProblem = (&'static str, Problem);

fn err<T: std::fmt::Debug>(result: Result<T, InvalidInput>) -> FieldProblem {
    let e = result.expect_err("must be refused");
    (e.field, e.problem)
}

fn provision_context_with(
    customer_id: &str,
    secure_token: &str,
    currency: &str,
    total: &str,
) -> Result<ProvisionContext, InvalidInput> {
    // Built the way a Visa page message carries it: deserialisation accepts an empty token,
    // the provision context must not.
    let secure_token: SecureToken = serde_json::from_value(json!(secure_token)).expect("token");
    ProvisionContext::new(
        customer_id,
        "235125b97f5147f9b9b4524b5e010a81",
        secure_token,
        browser_data("104.28.3.19"),
        PlatformType::Web,
        currency,
        total,
    )
}

fn tokenize(
    number: &str,
    month: &str,
    year: &str,
    cvv: &str,
) -> Result<CardTokenizeRequest, InvalidInput> {
    CardTokenizeRequest::new("merchant", number, month, year, cvv, None)
}

fn amount(
    total: &str,
    sub_total: &str,
    tax: &str,
    currency: &str,
) -> Result<TransactionAmount, InvalidInput> {
    TransactionAmount::new(total, sub_total, tax, currency)
}

#[test]
fn invalid_inputs_name_the_wire_field_and_the_problem() {
    let decimal = Problem::Format {
        expected: "a decimal number such as 92.65",
    };
    let currency = Problem::Format {
        expected: "an ISO 4217 code: three uppercase letters or three digits",
    };
    let empty_blob: FidoBlob = serde_json::from_value(json!("")).expect("blob");
    let empty_card_token: CardToken = serde_json::from_value(json!(" ")).expect("token");
    let cases: Vec<(FieldProblem, FieldProblem)> = vec![
        (
            err(TriggerOtpRequest::new("", "v", "c", "s")),
            ("tokenReference", Problem::Empty),
        ),
        (
            err(CardTokenizeRequest::new(
                " ",
                "4242424242424242",
                "07",
                "31",
                "123",
                None,
            )),
            ("merchant_id", Problem::Empty),
        ),
        (
            err(tokenize("4242424242424241", "07", "31", "123")),
            ("card_number", Problem::FailsLuhn),
        ),
        (
            err(tokenize("4242 4242 4242 4242", "07", "31", "123")),
            ("card_number", Problem::NotDigits),
        ),
        (
            err(tokenize("4242424242424242", "13", "31", "123")),
            ("card_exp_month", Problem::OutOfRange { min: 1, max: 12 }),
        ),
        (
            err(tokenize("4242424242424242", "07", "2031", "123")),
            ("card_exp_year", Problem::WrongLength { min: 2, max: 2 }),
        ),
        (
            err(tokenize("4242424242424242", "07", "31", "12a")),
            ("card_security_code", Problem::NotDigits),
        ),
        (
            err(CardTokenizeRequest::new(
                "m",
                "4242424242424242",
                "07",
                "31",
                "123",
                Some(""),
            )),
            ("name_on_card", Problem::Empty),
        ),
        (
            err(provision_context_with("", "tok", "SGD", "92.65")),
            ("customerId", Problem::Empty),
        ),
        (
            err(provision_context_with("u", "", "SGD", "92.65")),
            ("sessionContext.secureToken", Problem::Empty),
        ),
        (
            err(provision_context_with("u", "tok", "sgd", "92.65")),
            ("amount.currency", currency.clone()),
        ),
        (
            err(provision_context_with("u", "tok", "SGD", "0")),
            ("amount.total", Problem::NotPositive),
        ),
        (
            err(provision_context_with("u", "tok", "SGD", "0.00")),
            ("amount.total", Problem::NotPositive),
        ),
        (
            err(provision_context_with("u", "tok", "SGD", "92.655")),
            ("amount.total", Problem::TooManyDecimals),
        ),
        (
            err(provision_context_with("u", "tok", "SGD", "-5")),
            ("amount.total", Problem::NotPositive),
        ),
        (
            err(provision_context_with("u", "tok", "SGD", "9x.65")),
            ("amount.total", decimal.clone()),
        ),
        (
            err(ProvisionTokenPasskeyRequest::new_card(
                context("u", "c", "tok", "104.28.3.19"),
                empty_card_token,
            )),
            ("paymentInstrument.cardObj", Problem::Empty),
        ),
        (
            err(ProvisionTokenPasskeyRequest::device_binding(
                context("u", "c", "tok", "104.28.3.19"),
                "",
            )),
            ("paymentInstrument.cardObj", Problem::Empty),
        ),
        (
            err(ProvisionTokenPasskeyRequest::purchase(
                context("u", "c", "tok", "104.28.3.19"),
                "   ",
                true,
            )),
            ("paymentInstrument.cardObj", Problem::Empty),
        ),
        (
            err(ValidateOtpRequest::new("t", "45a789", "c", "v")),
            ("otpValue", Problem::NotDigits),
        ),
        (
            err(ValidateOtpRequest::new("t", "123", "c", "v")),
            ("otpValue", Problem::WrongLength { min: 4, max: 8 }),
        ),
        (
            err(ValidateOtpRequest::new("t", "456789", "", "v")),
            ("clientReferenceId", Problem::Empty),
        ),
        (
            err(UserDetails::new("u", IdentityType::EmailAddress, "USA")),
            (
                "userDetails.countryCode",
                Problem::Format {
                    expected: "an ISO 3166-1 alpha-2 code: two uppercase letters",
                },
            ),
        ),
        (
            err(UserDetails::new("", IdentityType::EmailAddress, "US")),
            ("userDetails.customerId", Problem::Empty),
        ),
        (
            err(AppDetails::new(
                USER_AGENT,
                "104.28.3",
                DeviceData {
                    model: String::new(),
                    brand: String::new(),
                    manufacturer: String::new(),
                },
            )),
            (
                "appDetails.ipAddress",
                Problem::Format {
                    expected: "an IPv4 or IPv6 address",
                },
            ),
        ),
        (
            err(PasskeyAssurance::new("i", empty_blob, None)),
            ("verificationData.fidoBlob", Problem::Empty),
        ),
        (
            err(PasskeyAssurance::new(
                "",
                FidoBlob::new("f", "b").expect("b"),
                None,
            )),
            ("verificationData.identifier", Problem::Empty),
        ),
        (
            err(Mandate::new("100.001", "SGD", 1, None)),
            ("mandates.declineThreshold.amount", Problem::TooManyDecimals),
        ),
        (
            err(Mandate::new("100", "SG", 1, None)),
            ("mandates.declineThreshold.currencyCode", currency.clone()),
        ),
        (
            err(Mandate::new("100", "SGD", 0, None)),
            ("mandates.effectiveUntilTime", Problem::NotPositive),
        ),
        (
            err(amount("0", "11.10", "0.00", "USD")),
            (
                "transactionDetails.transactionAmount.totalAmount",
                Problem::NotPositive,
            ),
        ),
        (
            err(amount("11.10", "eleven", "0.00", "USD")),
            (
                "transactionDetails.transactionAmount.subTotalAmount",
                decimal,
            ),
        ),
        (
            err(amount("11.10", "11.10", "-0.10", "USD")),
            (
                "transactionDetails.transactionAmount.tax",
                Problem::Format {
                    expected: "zero or a positive decimal number such as 0.00",
                },
            ),
        ),
        (
            err(amount("11.10", "11.10", "0.001", "USD")),
            (
                "transactionDetails.transactionAmount.tax",
                Problem::TooManyDecimals,
            ),
        ),
        (
            err(amount("11.10", "11.10", "0.00", "")),
            (
                "transactionDetails.transactionAmount.currencyCode",
                Problem::Empty,
            ),
        ),
        (
            err(TransactionDetail::new(
                "",
                TransactionType::Purchase,
                amount("1", "1", "0", "USD").expect("amount"),
                "o",
            )),
            ("transactionDetails.transactionId", Problem::Empty),
        ),
        (
            err(FetchPaymentCredentialsRequest::new(
                "v",
                "c",
                "n",
                Vec::new(),
            )),
            ("transactionDetails", Problem::Empty),
        ),
        (
            err(FetchPaymentCredentialsRequest::new(
                "v",
                "c",
                "",
                vec![
                    TransactionDetail::new(
                        "t",
                        TransactionType::Purchase,
                        amount("1", "1", "0", "USD").expect("amount"),
                        "o",
                    )
                    .expect("detail"),
                ],
            )),
            ("nwTransactionId", Problem::Empty),
        ),
    ];
    assert!(cases.len() >= 15);
    for (index, (actual, expected)) in cases.into_iter().enumerate() {
        assert_eq!(actual, expected, "case {index}");
    }
}

#[test]
fn invalid_input_messages_never_quote_the_value() {
    let error = tokenize("4242424242424241", "07", "31", "123").expect_err("luhn");
    assert!(!error.to_string().contains("4242"));
    let error = ValidateOtpRequest::new("t", "12345a", "c", "v").expect_err("otp");
    assert!(!error.to_string().contains("12345a"));
}

// ---------------------------------------------------------------------------------------------
// Secrets never show in Debug.
// ---------------------------------------------------------------------------------------------

#[test]
fn debug_of_requests_holding_secrets_redacts_them() {
    const PAN: &str = "4111111111111111";
    const CVV: &str = "9876";
    const CARD_TOKEN: &str = "ctkn_canary_card_token";
    const OTP: &str = "918273";

    let tokenize = CardTokenizeRequest::new("merchant", PAN, "07", "31", CVV, Some("Jane Doe"))
        .expect("valid");
    let debug = format!("{tokenize:?}");
    for secret in [PAN, CVV, "\"07\"", "\"31\""] {
        assert!(!debug.contains(secret), "{secret} leaked: {debug}");
    }
    assert!(!format!("{:?}", tokenize.to_http()).contains(PAN));

    let provision = ProvisionTokenPasskeyRequest::new_card(
        context("u", "c", NEW_CARD_SECURE_TOKEN, "104.28.3.19"),
        CardToken::new("cardObj", CARD_TOKEN).expect("token"),
    )
    .expect("valid");
    let context_debug = format!(
        "{:?}",
        context("u", "c", PURCHASE_SECURE_TOKEN, "104.28.3.19")
    );
    assert!(!context_debug.contains(PURCHASE_SECURE_TOKEN));
    let debug = format!("{provision:?}");
    for secret in [NEW_CARD_SECURE_TOKEN, CARD_TOKEN, "ezAwMX06"] {
        assert!(!debug.contains(secret), "{secret} leaked: {debug}");
    }

    let validate = ValidateOtpRequest::new("t", OTP, "c", "v").expect("valid");
    assert!(!format!("{validate:?}").contains(OTP));

    let setup = setup_request(Some("dfp"));
    assert!(!format!("{setup:?}").contains(FIDO_BLOB));

    let ceremony = ProvisionTokenPasskeyRequest::decode(&json_response(200, PURCHASE_RESPONSE))
        .expect("decodes");
    assert!(!format!("{ceremony:?}").contains("xxxx.xxxxx.xxxx-xxxx"));
}
