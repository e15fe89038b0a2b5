//! The lines of the human transcript. Each takes only secret-free records
//! ([`RequestRecord`], [`PromptRecord`]), so nothing secret can be printed through here.

use std::time::Duration;

use crate::autopilot::{Event, PromptRecord};
use crate::recorder::RequestRecord;

/// Whole milliseconds.
pub fn millis(duration: Duration) -> u128 {
    duration.as_millis()
}

/// `  request  juspay_ec.process_otp  POST /v2/txns/…/authenticate → 200 in 3 ms`.
pub fn request_line(record: &RequestRecord) -> String {
    let result = match (record.status, &record.failure) {
        (Some(status), _) => format!("{status}"),
        (None, Some(reason)) => format!("no response ({reason})"),
        (None, None) => "no response".to_owned(),
    };
    format!(
        "   request  {}  {} {} → {result} in {} ms",
        record.operation,
        record.method,
        record.path,
        millis(record.duration)
    )
}

/// `  prompt   EnterOtp (3 attempts left, 2 resends left) → OTP ******`.
pub fn prompt_line(record: &PromptRecord) -> String {
    format!("   prompt   {} → {}", record.prompt, record.answer)
}

/// The line of any event.
pub fn event_line(event: &Event) -> String {
    match event {
        Event::Request(record) => request_line(record),
        Event::Prompt(record) => prompt_line(record),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_lines_name_operation_method_path_status_and_time() {
        let record = RequestRecord {
            operation: "juspay_ec.start_authentication",
            method: "POST",
            path: "/txns".into(),
            status: Some(200),
            failure: None,
            request_id: None,
            duration: Duration::from_millis(7),
        };
        assert_eq!(
            request_line(&record),
            "   request  juspay_ec.start_authentication  POST /txns → 200 in 7 ms"
        );
        let failed = RequestRecord {
            status: None,
            failure: Some("could not connect: refused".into()),
            ..record
        };
        assert!(request_line(&failed).contains("no response (could not connect: refused)"));
    }
}
