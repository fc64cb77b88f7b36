//! Sending e-mail through Amazon SES.

use aws_sdk_ses::Client;
use aws_sdk_ses::error::ProvideErrorMetadata;
use aws_sdk_ses::types::{Body, Content, Destination, Message, MessageTag};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use iln_domain::EmailAddress;
use iln_domain::delivery::{DeliveryFailure, FailureReason, MailEvent, MailOutcome};
use iln_domain::message::{Email, MessageId};

use crate::config::SenderAddress;

/// The message tag that names the outbox message an e-mail was sent for, so
/// that SES's bounce and complaint events find it again.
pub const MESSAGE_TAG: &str = "outbox_message";

/// SES allows only ASCII letters, digits, `_` and `-` in a tag value (API
/// reference, "MessageTag"); message ids hold dots, so they travel encoded.
pub fn message_tag_value(id: &MessageId) -> String {
    URL_SAFE_NO_PAD.encode(id.as_str())
}

/// The message a tag value names; `None` when it is not one of ours.
pub fn message_id_from_tag(value: &str) -> Option<MessageId> {
    let bytes = URL_SAFE_NO_PAD.decode(value).ok()?;
    String::from_utf8(bytes).ok().map(|id| MessageId::from_reference(&id))
}

/// SES refused or could not be reached. SES error messages can quote the
/// addresses involved, so the message text is kept for the outbox item only
/// and never shown by `Display` (which is what logs print).
#[derive(Debug, thiserror::Error)]
#[error("SES did not accept the e-mail ({code})")]
pub struct SendError {
    pub code: String,
    pub detail: String,
}

impl SendError {
    fn from_sdk<E: ProvideErrorMetadata + std::error::Error + 'static>(error: E) -> Self {
        let code = error.code().unwrap_or("unreachable").to_owned();
        let detail = crate::telemetry::error_chain(&error);
        Self { code, detail }
    }

    fn invalid(error: impl std::error::Error) -> Self {
        Self {
            code: "invalid_request".to_owned(),
            detail: error.to_string(),
        }
    }

    /// Whether trying again can help ("Amazon SES email sending errors").
    /// A refused message or address fails the same way every time.
    /// Throttling, 5xx and timeouts pass. So, in time, do the deployment
    /// faults (sender or configuration set not verified, sending paused):
    /// they are retried with growing pauses, logged as errors and alerted,
    /// and the messages are set aside only if they outlast the give-up time.
    pub fn failure(&self) -> DeliveryFailure {
        match self.code.as_str() {
            "MessageRejected" | "InvalidParameterValue" | "invalid_request" => {
                DeliveryFailure::Permanent(FailureReason::AddressRejected)
            }
            _ => DeliveryFailure::Transient,
        }
    }

    /// A fault of the deployment, not of the message: a person must act.
    pub fn is_deployment_fault(&self) -> bool {
        matches!(
            self.code.as_str(),
            "MailFromDomainNotVerifiedException"
                | "ConfigurationSetDoesNotExistException"
                | "ConfigurationSetSendingPausedException"
                | "AccountSendingPausedException"
                | "AccessDenied"
                | "AccessDeniedException"
        )
    }
}

#[derive(Clone)]
pub struct SesMailer {
    client: Client,
    sender: SenderAddress,
    /// Where SES publishes bounces and complaints; `None` locally, where the
    /// runner plays SES's mailbox simulator instead.
    configuration_set: Option<String>,
}

impl SesMailer {
    pub fn new(client: Client, sender: SenderAddress) -> Self {
        Self {
            client,
            sender,
            configuration_set: None,
        }
    }

    pub fn with_configuration_set(self, name: Option<String>) -> Self {
        Self {
            configuration_set: name.filter(|name| !name.is_empty()),
            ..self
        }
    }

    /// Sends one e-mail for the outbox message `id`; the answer is SES's
    /// message id.
    #[tracing::instrument(skip_all)]
    pub async fn send(&self, email: &Email, id: &MessageId) -> Result<String, SendError> {
        let content = |data: &str| Content::builder().data(data).charset("UTF-8").build();
        let subject = content(&email.subject).map_err(SendError::invalid)?;
        let text = content(&email.text).map_err(SendError::invalid)?;
        let html = content(&email.html).map_err(SendError::invalid)?;
        let tag = MessageTag::builder()
            .name(MESSAGE_TAG)
            .value(message_tag_value(id))
            .build()
            .map_err(SendError::invalid)?;
        let output = self
            .client
            .send_email()
            .source(self.sender.as_str())
            .destination(Destination::builder().to_addresses(email.to.as_str()).build())
            .message(
                Message::builder()
                    .subject(subject)
                    .body(Body::builder().text(text).html(html).build())
                    .build(),
            )
            .tags(tag)
            .set_configuration_set_name(self.configuration_set.clone())
            .send()
            .await
            .map_err(SendError::from_sdk)?;
        Ok(output.message_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(code: &str) -> SendError {
        SendError {
            code: code.to_owned(),
            detail: String::new(),
        }
    }

    #[test]
    fn a_refused_message_is_permanent_and_an_outage_is_not() {
        let cases = [
            ("MessageRejected", false),
            ("InvalidParameterValue", false),
            ("invalid_request", false),
            ("Throttling", true),
            ("ServiceUnavailable", true),
            ("InternalFailure", true),
            ("unreachable", true),
            ("AccountSendingPausedException", true),
            ("MailFromDomainNotVerifiedException", true),
        ];
        for (code, transient) in cases {
            assert_eq!(
                error(code).failure() == DeliveryFailure::Transient,
                transient,
                "{code} should be {}",
                if transient { "transient" } else { "permanent" }
            );
        }
        assert!(error("AccountSendingPausedException").is_deployment_fault());
        assert!(!error("Throttling").is_deployment_fault());
    }

    #[test]
    fn a_message_id_travels_in_a_tag_value_ses_accepts_and_comes_back() {
        let id = MessageId::from_reference("01JABCDEF.invitation.3");
        let value = message_tag_value(&id);
        assert!(
            value.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'),
            "{value}"
        );
        assert_eq!(message_id_from_tag(&value), Some(id));
        assert_eq!(message_id_from_tag("not base64 !"), None);
    }
}

/// SES's event as a configuration set publishes it to SNS ("Contents of
/// event data that Amazon SES publishes to Amazon SNS"): `eventType`, the
/// part named after it, and `mail` with the tags the e-mail was sent with.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct PublishedEvent {
    event_type: String,
    #[serde(default)]
    bounce: Option<Bounce>,
    #[serde(default)]
    complaint: Option<Complaint>,
    #[serde(default)]
    delivery_delay: Option<DeliveryDelay>,
    mail: Mail,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Bounce {
    bounce_type: String,
    #[serde(default)]
    bounced_recipients: Vec<Recipient>,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Complaint {
    #[serde(default)]
    complained_recipients: Vec<Recipient>,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct DeliveryDelay {
    #[serde(default)]
    delayed_recipients: Vec<Recipient>,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Recipient {
    email_address: String,
}

#[derive(serde::Deserialize)]
struct Mail {
    #[serde(default)]
    destination: Vec<String>,
    #[serde(default)]
    tags: std::collections::HashMap<String, Vec<String>>,
}

/// An SES event that is not SES's JSON.
#[derive(Debug, thiserror::Error)]
#[error("not an SES event: {0}")]
pub struct UnreadableEvent(#[from] serde_json::Error);

/// Reads one SES event; `None` for the kinds that change nothing here
/// (`Send`, `Delivery`, `Open`, …). Addresses SES reports that are not
/// valid addresses are dropped.
pub fn parse_event(json: &str) -> Result<Option<MailEvent>, UnreadableEvent> {
    let event: PublishedEvent = serde_json::from_str(json)?;
    let addresses = |recipients: Vec<Recipient>| -> Vec<EmailAddress> {
        recipients
            .into_iter()
            .filter_map(|r| EmailAddress::parse(&r.email_address).ok())
            .collect()
    };
    let (outcome, recipients) = match event.event_type.as_str() {
        "Bounce" => {
            let bounce = event.bounce.unwrap_or(Bounce {
                bounce_type: String::new(),
                bounced_recipients: Vec::new(),
            });
            let outcome = match bounce.bounce_type.as_str() {
                // "Undetermined" is SES's word for a bounce it could not
                // classify: treated as one that may pass.
                "Permanent" => MailOutcome::PermanentBounce,
                _ => MailOutcome::TransientBounce,
            };
            (outcome, addresses(bounce.bounced_recipients))
        }
        "Complaint" => (
            MailOutcome::Complaint,
            addresses(event.complaint.map(|c| c.complained_recipients).unwrap_or_default()),
        ),
        "Reject" => (
            MailOutcome::Rejected,
            event
                .mail
                .destination
                .iter()
                .filter_map(|to| EmailAddress::parse(to).ok())
                .collect(),
        ),
        "DeliveryDelay" => (
            MailOutcome::Delayed,
            addresses(event.delivery_delay.map(|d| d.delayed_recipients).unwrap_or_default()),
        ),
        _ => return Ok(None),
    };
    let message = event
        .mail
        .tags
        .get(MESSAGE_TAG)
        .and_then(|values| values.first())
        .and_then(|value| message_id_from_tag(value));
    Ok(Some(MailEvent {
        outcome,
        recipients,
        message,
    }))
}

#[cfg(test)]
mod event_tests {
    use super::*;

    /// Shaped as in "Examples of event data that Amazon SES publishes to
    /// Amazon SNS", trimmed to what is read.
    fn published(event_type: &str, part: serde_json::Value, tag: &str) -> String {
        let mut event = serde_json::json!({
            "eventType": event_type,
            "mail": {
                "timestamp": "2026-12-01T10:00:00.000Z",
                "source": "nominations@iln.test",
                "messageId": "0100019a-ses-id",
                "destination": ["bounce@simulator.amazonses.com"],
                "tags": {
                    "ses:configuration-set": ["iln-nominations"],
                    MESSAGE_TAG: [tag],
                },
            },
        });
        if let Some(name) = match event_type {
            "Bounce" => Some("bounce"),
            "Complaint" => Some("complaint"),
            "DeliveryDelay" => Some("deliveryDelay"),
            "Reject" => Some("reject"),
            _ => None,
        } {
            event[name] = part;
        }
        event.to_string()
    }

    #[test]
    fn a_permanent_bounce_names_its_recipients_and_its_outbox_message() {
        let id = MessageId::from_reference("01J.invitation.0");
        let json = published(
            "Bounce",
            serde_json::json!({
                "bounceType": "Permanent",
                "bounceSubType": "General",
                "bouncedRecipients": [
                    { "emailAddress": "bounce@simulator.amazonses.com", "action": "failed", "status": "5.1.1" },
                    { "emailAddress": "other@example.org" },
                ],
            }),
            &message_tag_value(&id),
        );
        let event = parse_event(&json).expect("readable").expect("relevant");
        assert_eq!(event.outcome, MailOutcome::PermanentBounce);
        assert_eq!(
            event.recipients.len(),
            2,
            "one notification may cover several recipients"
        );
        assert_eq!(event.message, Some(id));
    }

    #[test]
    fn each_event_type_is_read_as_its_outcome() {
        let tag = message_tag_value(&MessageId::from_reference("x.welcome"));
        let cases = [
            (
                "Bounce",
                serde_json::json!({ "bounceType": "Transient", "bouncedRecipients": [] }),
                Some(MailOutcome::TransientBounce),
            ),
            (
                "Bounce",
                serde_json::json!({ "bounceType": "Undetermined", "bouncedRecipients": [] }),
                Some(MailOutcome::TransientBounce),
            ),
            (
                "Complaint",
                serde_json::json!({ "complainedRecipients": [{ "emailAddress": "complaint@simulator.amazonses.com" }] }),
                Some(MailOutcome::Complaint),
            ),
            (
                "Reject",
                serde_json::json!({ "reason": "Bad content" }),
                Some(MailOutcome::Rejected),
            ),
            (
                "DeliveryDelay",
                serde_json::json!({ "delayType": "MailboxFull", "delayedRecipients": [] }),
                Some(MailOutcome::Delayed),
            ),
            ("Delivery", serde_json::json!({}), None),
            ("Send", serde_json::json!({}), None),
        ];
        for (event_type, part, expected) in cases {
            let parsed = parse_event(&published(event_type, part, &tag)).expect("readable");
            assert_eq!(parsed.map(|e| e.outcome), expected, "{event_type}");
        }
    }

    #[test]
    fn an_identity_notification_without_event_type_is_unreadable() {
        assert!(parse_event(r#"{"notificationType":"Bounce","mail":{}}"#).is_err());
    }
}
