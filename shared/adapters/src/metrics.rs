//! Metrics for CloudWatch alarms, in the Embedded Metric Format: one JSON
//! line on standard output that CloudWatch Logs turns into a metric. No
//! client, no call, nothing at cold start.

use iln_domain::delivery::FailureReason;
use serde_json::json;

/// The namespace and dimension the template's alarms read.
pub const NAMESPACE: &str = "IlnNominations";
pub const FAILED_MESSAGES: &str = "FailedMessages";

/// One outbox message set aside: by kind and reason, never by address.
pub fn failed_message(kind: &str, reason: FailureReason) {
    println!(
        "{}",
        failed_message_line(kind, reason, chrono::Utc::now().timestamp_millis())
    );
}

fn failed_message_line(kind: &str, reason: FailureReason, at_millis: i64) -> String {
    json!({
        "_aws": {
            "Timestamp": at_millis,
            "CloudWatchMetrics": [{
                "Namespace": NAMESPACE,
                "Dimensions": [["Service"]],
                "Metrics": [{ "Name": FAILED_MESSAGES, "Unit": "Count" }],
            }],
        },
        "Service": "outbox",
        FAILED_MESSAGES: 1,
        "kind": kind,
        "reason": reason.code(),
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_message_is_one_count_in_the_namespace_the_alarm_reads() {
        let line: serde_json::Value = serde_json::from_str(&failed_message_line(
            "invitation",
            FailureReason::Bounced,
            1_700_000_000_000,
        ))
        .expect("one JSON line");
        let directive = &line["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(directive["Namespace"], NAMESPACE);
        assert_eq!(directive["Dimensions"], json!([["Service"]]));
        assert_eq!(directive["Metrics"][0]["Name"], FAILED_MESSAGES);
        assert_eq!(line["Service"], "outbox");
        assert_eq!(line[FAILED_MESSAGES], 1);
        assert_eq!(line["reason"], "bounced");
        assert_eq!(line["_aws"]["Timestamp"], 1_700_000_000_000i64);
    }
}
