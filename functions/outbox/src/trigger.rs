//! The three things that invoke the outbox: the table's stream, the sweeper's
//! schedule and SES's events through SNS. Told apart by their shape.

use aws_lambda_events::event::dynamodb::Event;
use aws_lambda_events::event::sns::SnsEvent;
use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::handler::{App, Deadline, handle, sweep};
use crate::mail_events::handle_mail_events;

pub enum Trigger {
    Stream(Event),
    /// The schedule's input is `{"sweep": {}}` (template.yaml).
    Sweep,
    MailEvents(SnsEvent),
}

#[derive(Debug, thiserror::Error)]
pub enum TriggerError {
    #[error("the outbox does not handle this event")]
    Unknown,
    #[error("the event is not of the shape its source sends")]
    Malformed(#[from] serde_json::Error),
}

impl Trigger {
    pub fn from_event(event: Value) -> Result<Self, TriggerError> {
        if event.get("sweep").is_some() {
            return Ok(Trigger::Sweep);
        }
        let first = event.get("Records").and_then(|records| records.get(0));
        let source = |key: &str| first.and_then(|record| record.get(key)).and_then(Value::as_str);
        match (source("eventSource"), source("EventSource")) {
            (Some("aws:dynamodb"), _) => Ok(Trigger::Stream(serde_json::from_value(event)?)),
            (_, Some("aws:sns")) => Ok(Trigger::MailEvents(serde_json::from_value(event)?)),
            _ => Err(TriggerError::Unknown),
        }
    }
}

/// Runs one invocation. A stream batch always answers (its failures are
/// batch item failures); a sweep or a batch of SES events that meets a store
/// failure fails the invocation, so that it is tried again.
pub async fn run(
    app: &App,
    trigger: Trigger,
    now: DateTime<Utc>,
    deadline: Deadline,
) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
    Ok(match trigger {
        Trigger::Stream(event) => serde_json::to_value(handle(app, event, now, deadline).await)?,
        Trigger::Sweep => {
            let summary = sweep(app, now, deadline).await?;
            tracing::info!(?summary, "sweep done");
            serde_json::to_value(summary)?
        }
        Trigger::MailEvents(event) => serde_json::to_value(handle_mail_events(app, event, now).await?)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_source_is_told_apart_by_its_shape() {
        let stream: Value =
            serde_json::from_str(include_str!("../../../infra/events/outbox-stream-insert.json")).expect("sample");
        assert!(matches!(Trigger::from_event(stream), Ok(Trigger::Stream(_))));
        assert!(matches!(
            Trigger::from_event(serde_json::json!({ "sweep": {} })),
            Ok(Trigger::Sweep)
        ));
        let sns = serde_json::json!({ "Records": [{
            "EventSource": "aws:sns", "EventVersion": "1.0", "EventSubscriptionArn": "arn:aws:sns:eu-west-1:123456789012:t:1",
            "Sns": { "Type": "Notification", "MessageId": "m", "TopicArn": "arn:aws:sns:eu-west-1:123456789012:t",
                     "Message": "{}", "Timestamp": "2026-12-01T10:00:00.000Z", "SignatureVersion": "1",
                     "Signature": "s", "SigningCertUrl": "https://x", "UnsubscribeUrl": "https://x",
                     "MessageAttributes": {} } }] });
        assert!(matches!(Trigger::from_event(sns), Ok(Trigger::MailEvents(_))), "SNS");
        assert!(matches!(
            Trigger::from_event(serde_json::json!({ "detail-type": "x" })),
            Err(TriggerError::Unknown)
        ));
    }
}
