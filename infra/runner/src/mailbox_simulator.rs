//! SES's mailbox simulator, played locally. On AWS, mail to
//! `bounce@`, `complaint@` or `suppressionlist@simulator.amazonses.com`
//! comes back as the configuration set's Bounce or Complaint event through
//! SNS. The SES emulator never bounces, so this interceptor, on the outbox's
//! own SES client, watches each SendEmail the emulator accepted and queues
//! the SNS notification AWS would send, with AWS's message shape; the runner
//! and the tests hand the queue to the outbox as Lambda would.

use aws_lambda_events::event::sns::SnsEvent;
use aws_sdk_ses::config::interceptors::{BeforeTransmitInterceptorContextRef, FinalizerInterceptorContextRef};
use aws_sdk_ses::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_ses::error::BoxError;
use aws_smithy_types::config_bag::{Storable, StoreReplace};
use chrono::{SecondsFormat, Utc};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

pub const SIMULATOR_DOMAIN: &str = "simulator.amazonses.com";

/// The notifications waiting to be delivered, as SNS would publish them.
#[derive(Debug, Clone, Default)]
pub struct MailboxSimulator {
    waiting: Arc<Mutex<Vec<Value>>>,
}

impl MailboxSimulator {
    /// Every notification queued since the last call, as one SNS event for
    /// the outbox; `None` when there is none.
    pub fn take_event(&self) -> Option<SnsEvent> {
        let records: Vec<Value> = match self.waiting.lock() {
            Ok(mut waiting) => std::mem::take(&mut *waiting),
            Err(_) => return None,
        };
        if records.is_empty() {
            return None;
        }
        serde_json::from_value(json!({ "Records": records })).ok()
    }

    fn queue(&self, notification: Value) {
        if let Ok(mut waiting) = self.waiting.lock() {
            waiting.push(sns_record(&notification));
        }
    }
}

impl Intercept for MailboxSimulator {
    fn name(&self) -> &'static str {
        "MailboxSimulator"
    }

    /// The request is handed to the connection when it is sent: what it
    /// carried is kept in this call's own state until its answer is known.
    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        config: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let Some(body) = context.request().body().bytes() else {
            return Ok(());
        };
        let parameters: BTreeMap<String, String> = url::form_urlencoded::parse(body).into_owned().collect();
        if parameters.get("Action").map(String::as_str) == Some("SendEmail") {
            config
                .interceptor_state()
                .store_put(SentEmail::from_parameters(&parameters));
        }
        Ok(())
    }

    fn read_after_execution(
        &self,
        context: &FinalizerInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        config: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let accepted = context
            .response()
            .is_some_and(|response| response.status().is_success());
        let Some(send) = config.load::<SentEmail>() else {
            return Ok(());
        };
        if !accepted {
            return Ok(());
        }
        for recipient in &send.to {
            if let Some(notification) = send.outcome_for(recipient) {
                self.queue(notification);
            }
        }
        Ok(())
    }
}

/// What the Query-protocol SendEmail request carried.
#[derive(Debug, Clone)]
struct SentEmail {
    source: String,
    to: Vec<String>,
    tags: BTreeMap<String, Vec<String>>,
}

impl Storable for SentEmail {
    type Storer = StoreReplace<Self>;
}

impl SentEmail {
    fn from_parameters(parameters: &BTreeMap<String, String>) -> Self {
        let to = (1..)
            .map_while(|n| parameters.get(&format!("Destination.ToAddresses.member.{n}")).cloned())
            .collect();
        let mut tags = BTreeMap::new();
        for n in 1.. {
            let (Some(name), Some(value)) = (
                parameters.get(&format!("Tags.member.{n}.Name")),
                parameters.get(&format!("Tags.member.{n}.Value")),
            ) else {
                break;
            };
            tags.insert(name.clone(), vec![value.clone()]);
        }
        Self {
            source: parameters.get("Source").cloned().unwrap_or_default(),
            to,
            tags,
        }
    }

    /// The event SES's mailbox simulator produces for `recipient`, if any.
    fn outcome_for(&self, recipient: &str) -> Option<Value> {
        let (local, domain) = recipient.rsplit_once('@')?;
        if !domain.eq_ignore_ascii_case(SIMULATOR_DOMAIN) {
            return None;
        }
        let at = Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true);
        let (event_type, part_name, part) = match local.split('+').next()? {
            "bounce" => ("Bounce", "bounce", bounce(recipient, "General", &at)),
            // On AWS the account-level suppression list answers with a bounce.
            "suppressionlist" => ("Bounce", "bounce", bounce(recipient, "OnAccountSuppressionList", &at)),
            "complaint" => (
                "Complaint",
                "complaint",
                json!({
                    "complainedRecipients": [{ "emailAddress": recipient }],
                    "timestamp": at,
                    "feedbackId": format!("{}-local", ulid::Ulid::new()),
                    "complaintFeedbackType": "abuse",
                    "arrivalDate": at,
                }),
            ),
            _ => return None,
        };
        let mut tags = self.tags.clone();
        tags.insert("ses:configuration-set".to_owned(), vec!["local".to_owned()]);
        Some(json!({
            "eventType": event_type,
            part_name: part,
            "mail": {
                "timestamp": at,
                "source": self.source,
                "sendingAccountId": "000000000000",
                "messageId": format!("{}-local", ulid::Ulid::new()),
                "destination": self.to,
                "headersTruncated": false,
                "tags": tags,
            },
        }))
    }
}

fn bounce(recipient: &str, sub_type: &str, at: &str) -> Value {
    json!({
        "bounceType": "Permanent",
        "bounceSubType": sub_type,
        "bouncedRecipients": [{
            "emailAddress": recipient,
            "action": "failed",
            "status": "5.1.1",
            "diagnosticCode": "smtp; 550 5.1.1 user unknown",
        }],
        "timestamp": at,
        "feedbackId": format!("{}-local", ulid::Ulid::new()),
        "reportingMTA": "dsn; local",
    })
}

/// One SNS record as Lambda receives it from a topic subscription.
fn sns_record(notification: &Value) -> Value {
    let topic = "arn:aws:sns:eu-west-1:000000000000:iln-ses-events";
    json!({
        "EventSource": "aws:sns",
        "EventVersion": "1.0",
        "EventSubscriptionArn": format!("{topic}:local"),
        "Sns": {
            "Type": "Notification",
            "MessageId": ulid::Ulid::new().to_string(),
            "TopicArn": topic,
            "Subject": null,
            "Message": notification.to_string(),
            "Timestamp": Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true),
            "SignatureVersion": "1",
            "Signature": "local",
            "SigningCertUrl": "https://sns.eu-west-1.amazonaws.com/local.pem",
            "UnsubscribeUrl": "https://sns.eu-west-1.amazonaws.com/local",
            "MessageAttributes": {},
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sent_to(to: &str) -> SentEmail {
        let parameters: BTreeMap<String, String> = [
            ("Action", "SendEmail"),
            ("Source", "ILN <nominations@iln.test>"),
            ("Destination.ToAddresses.member.1", to),
            ("Tags.member.1.Name", "outbox_message"),
            ("Tags.member.1.Value", "MDFKLndlbGNvbWU"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        SentEmail::from_parameters(&parameters)
    }

    #[test]
    fn simulator_addresses_produce_the_events_aws_sends_and_others_none() {
        let bounce = sent_to("bounce@simulator.amazonses.com")
            .outcome_for("bounce@simulator.amazonses.com")
            .expect("a bounce");
        assert_eq!(bounce["eventType"], "Bounce");
        assert_eq!(bounce["bounce"]["bounceType"], "Permanent");
        assert_eq!(bounce["mail"]["tags"]["outbox_message"][0], "MDFKLndlbGNvbWU");
        let suppressed = sent_to("suppressionlist@simulator.amazonses.com")
            .outcome_for("suppressionlist@simulator.amazonses.com")
            .expect("a bounce");
        assert_eq!(suppressed["bounce"]["bounceSubType"], "OnAccountSuppressionList");
        let complaint = sent_to("complaint@simulator.amazonses.com")
            .outcome_for("complaint@simulator.amazonses.com")
            .expect("a complaint");
        assert_eq!(complaint["eventType"], "Complaint");
        assert!(
            sent_to("success@simulator.amazonses.com")
                .outcome_for("success@simulator.amazonses.com")
                .is_none()
        );
        assert!(
            sent_to("bounce@example.org")
                .outcome_for("bounce@example.org")
                .is_none()
        );
    }

    #[test]
    fn queued_notifications_are_one_sns_event_the_outbox_reads() {
        let simulator = MailboxSimulator::default();
        let email = sent_to("bounce@simulator.amazonses.com");
        simulator.queue(email.outcome_for("bounce@simulator.amazonses.com").expect("bounce"));
        let event = simulator.take_event().expect("an event");
        assert_eq!(event.records.len(), 1);
        let parsed = iln_adapters::ses::parse_event(&event.records[0].sns.message).expect("SES's shape");
        assert!(parsed.is_some());
        assert!(simulator.take_event().is_none(), "taken once");
    }
}
