//! What becomes of a message whose delivery failed: tried again later, or
//! set aside for a person. The outbox's adapters say what failed; these
//! rules say what follows.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::message::{Message, MessageId};
use crate::person::EmailAddress;

/// How a delivery attempt failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryFailure {
    /// May pass by itself (throttled, unreachable, a 5xx, out of time):
    /// tried again later.
    Transient,
    /// Fails however often it is tried: set aside at once, for a person.
    Permanent(FailureReason),
}

/// Why a message was set aside. Codes only: never an address or content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureReason {
    /// SES refused the message or its address (`MessageRejected`, an
    /// invalid address).
    AddressRejected,
    /// The address is on the suppression list (it bounced for good or its
    /// owner complained): nothing more is sent to it.
    Suppressed,
    /// SES accepted the message, then the receiving server refused it for
    /// good.
    Bounced,
    /// Slack refused the call for good (a channel or message gone, the app
    /// not in the channel).
    SlackRefused,
    /// SES accepted the message, then refused its content (a virus found).
    ContentRejected,
    /// Its recipient marked it as spam: nothing more is sent to the address.
    Complained,
    /// The message cannot be rendered (a fault in its record or template).
    Unrenderable,
    /// Transient failures went on for too long.
    GaveUp,
}

impl FailureReason {
    pub fn code(self) -> &'static str {
        match self {
            FailureReason::AddressRejected => "address_rejected",
            FailureReason::Suppressed => "suppressed",
            FailureReason::Bounced => "bounced",
            FailureReason::ContentRejected => "content_rejected",
            FailureReason::Complained => "complained",
            FailureReason::SlackRefused => "slack_refused",
            FailureReason::Unrenderable => "unrenderable",
            FailureReason::GaveUp => "gave_up",
        }
    }

    /// What the vetting channel's alert says the failure was.
    pub fn describe(self) -> &'static str {
        match self {
            FailureReason::AddressRejected => "the address was refused by the mail service",
            FailureReason::Suppressed => "the address is suppressed after a bounce or a complaint",
            FailureReason::Bounced => "the receiving mail server refused it for good",
            FailureReason::ContentRejected => "the mail service refused its content",
            FailureReason::Complained => "its recipient marked it as spam; nothing more is sent to that address",
            FailureReason::SlackRefused => "Slack refused it for good",
            FailureReason::Unrenderable => "it could not be rendered",
            FailureReason::GaveUp => "it kept failing for too long",
        }
    }
}

/// What SES reported about an e-mail after accepting it (its events
/// through the configuration set), as far as the rules go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailEvent {
    pub outcome: MailOutcome,
    /// The recipients the event is about (one event may name several).
    pub recipients: Vec<EmailAddress>,
    /// The outbox message the e-mail was sent for, from its tag.
    pub message: Option<MessageId>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailOutcome {
    /// The address does not exist or refuses mail for good (also: it is on
    /// SES's account-level suppression list).
    PermanentBounce,
    /// A full mailbox, an out-of-office: SES keeps trying by itself.
    TransientBounce,
    Complaint,
    /// SES refused to send it after accepting it (a virus).
    Rejected,
    /// Delivery is delayed; SES keeps trying.
    Delayed,
}

/// What a mail event changes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MailEventEffects {
    /// Addresses nothing more may be sent to.
    pub suppress: Vec<EmailAddress>,
    /// The message is set aside (it was delivered to SES, not to the person).
    pub set_aside: Option<FailureReason>,
}

/// A permanent bounce or a complaint suppresses the address for all further
/// mail and sets the message aside; a rejection sets it aside; a transient
/// bounce or a delay changes nothing (SES retries by itself).
pub fn mail_event_effects(event: &MailEvent) -> MailEventEffects {
    match event.outcome {
        MailOutcome::PermanentBounce => MailEventEffects {
            suppress: event.recipients.clone(),
            set_aside: Some(FailureReason::Bounced),
        },
        MailOutcome::Complaint => MailEventEffects {
            suppress: event.recipients.clone(),
            set_aside: Some(FailureReason::Complained),
        },
        MailOutcome::Rejected => MailEventEffects {
            suppress: Vec::new(),
            set_aside: Some(FailureReason::ContentRejected),
        },
        MailOutcome::TransientBounce | MailOutcome::Delayed => MailEventEffects::default(),
    }
}

/// A verification e-mail that cannot reach its nominator closes the
/// nomination: nobody can ever verify it, and it holds the nominee.
pub fn closes_nomination(message: &Message, reason: FailureReason) -> bool {
    matches!(message, Message::NominatorVerification { .. })
        && matches!(
            reason,
            FailureReason::Bounced | FailureReason::Suppressed | FailureReason::AddressRejected
        )
}

/// After this many attempts a message that keeps failing is set aside
/// (`GaveUp`): with the back-off below that is about a day of trying.
pub const GIVE_UP_AFTER_ATTEMPTS: u32 = 30;

const FIRST_RETRY_AFTER: Duration = Duration::seconds(30);
const LONGEST_WAIT: Duration = Duration::hours(1);

/// What follows a failed attempt, the `attempts`-th.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterFailure {
    /// Tried again from this time on.
    RetryAt(DateTime<Utc>),
    /// Set aside for a person.
    SetAside(FailureReason),
}

/// Decides what follows a failed attempt. `jitter` in `[0, 1]` spreads
/// retries of messages that failed together (an outage ends for all at
/// once): the wait is between half and all of the exponential step.
pub fn after_failure(failure: DeliveryFailure, attempts: u32, now: DateTime<Utc>, jitter: f64) -> AfterFailure {
    match failure {
        DeliveryFailure::Permanent(reason) => AfterFailure::SetAside(reason),
        DeliveryFailure::Transient if attempts >= GIVE_UP_AFTER_ATTEMPTS => {
            AfterFailure::SetAside(FailureReason::GaveUp)
        }
        DeliveryFailure::Transient => AfterFailure::RetryAt(now + retry_wait(attempts, jitter)),
    }
}

fn retry_wait(attempts: u32, jitter: f64) -> Duration {
    let doublings = attempts.saturating_sub(1).min(12);
    let step = (FIRST_RETRY_AFTER * 2i32.pow(doublings)).min(LONGEST_WAIT);
    let share = 0.5 + 0.5 * jitter.clamp(0.0, 1.0);
    let millis = (step.num_milliseconds() as f64 * share) as i64;
    Duration::milliseconds(millis)
}

/// A message still undelivered after this many attempts is reported to the
/// vetting channel by the daily run.
pub const ALERT_AFTER_ATTEMPTS: u32 = 5;

/// A message that is itself about a delivery: an alert about it would only
/// repeat it.
fn is_about_delivery(message: &Message) -> bool {
    matches!(message, Message::DeliveryAlert { .. } | Message::DeliveryFailed { .. })
}

/// The vetting channel's alert about `message` (`id`), still undelivered
/// after `attempts`.
pub fn slow_delivery_alert(id: &MessageId, message: &Message, attempts: u32) -> Option<Message> {
    (!is_about_delivery(message)).then(|| Message::DeliveryAlert {
        message_id: id.to_string(),
        failing_kind: message.kind().to_owned(),
        nomination_id: message.nomination_id(),
        attempts,
    })
}

/// The vetting channel's note that `message` (`id`) was set aside for
/// `reason`.
pub fn failed_delivery_note(id: &MessageId, message: &Message, reason: FailureReason) -> Option<Message> {
    (!is_about_delivery(message)).then(|| Message::DeliveryFailed {
        message_id: id.to_string(),
        failing_kind: message.kind().to_owned(),
        nomination_id: message.nomination_id(),
        reason,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        "2026-12-01T10:00:00Z".parse().expect("instant")
    }

    fn wait(attempts: u32, jitter: f64) -> Duration {
        match after_failure(DeliveryFailure::Transient, attempts, now(), jitter) {
            AfterFailure::RetryAt(at) => at - now(),
            other => panic!("expected a retry, got {other:?}"),
        }
    }

    #[test]
    fn a_permanent_failure_is_set_aside_at_once_with_its_reason() {
        let failure = DeliveryFailure::Permanent(FailureReason::AddressRejected);
        assert_eq!(
            after_failure(failure, 1, now(), 0.5),
            AfterFailure::SetAside(FailureReason::AddressRejected)
        );
    }

    #[test]
    fn transient_failures_wait_longer_each_time_up_to_an_hour() {
        assert_eq!(wait(1, 1.0), Duration::seconds(30));
        assert_eq!(wait(2, 1.0), Duration::seconds(60));
        assert_eq!(wait(5, 1.0), Duration::seconds(480));
        assert_eq!(wait(20, 1.0), Duration::hours(1), "capped");
    }

    #[test]
    fn jitter_spreads_a_wait_between_half_and_all_of_its_step() {
        assert_eq!(wait(3, 0.0), Duration::seconds(60));
        assert_eq!(wait(3, 1.0), Duration::seconds(120));
        assert!(wait(3, 0.3) > wait(3, 0.0) && wait(3, 0.3) < wait(3, 1.0));
        assert_eq!(wait(3, 7.0), wait(3, 1.0), "jitter out of range is clamped");
    }

    #[test]
    fn a_message_failing_for_about_a_day_is_given_up() {
        let total: Duration = (1..GIVE_UP_AFTER_ATTEMPTS).map(|n| wait(n, 1.0)).sum();
        assert!(total > Duration::hours(20) && total < Duration::hours(30), "{total}");
        assert_eq!(
            after_failure(DeliveryFailure::Transient, GIVE_UP_AFTER_ATTEMPTS, now(), 0.5),
            AfterFailure::SetAside(FailureReason::GaveUp)
        );
    }

    fn event(outcome: MailOutcome) -> MailEvent {
        MailEvent {
            outcome,
            recipients: vec![EmailAddress::parse("bounce@simulator.amazonses.com").expect("address")],
            message: Some(MessageId::from_reference("01J.nominator_verification")),
        }
    }

    #[test]
    fn a_permanent_bounce_or_a_complaint_suppresses_the_address_and_sets_the_message_aside() {
        let bounce = mail_event_effects(&event(MailOutcome::PermanentBounce));
        assert_eq!(bounce.suppress.len(), 1);
        assert_eq!(bounce.set_aside, Some(FailureReason::Bounced));
        let complaint = mail_event_effects(&event(MailOutcome::Complaint));
        assert_eq!(complaint.suppress.len(), 1);
        assert_eq!(complaint.set_aside, Some(FailureReason::Complained));
    }

    #[test]
    fn a_rejection_sets_the_message_aside_without_suppressing_anyone() {
        let rejected = mail_event_effects(&event(MailOutcome::Rejected));
        assert!(rejected.suppress.is_empty());
        assert_eq!(rejected.set_aside, Some(FailureReason::ContentRejected));
    }

    #[test]
    fn a_transient_bounce_or_a_delay_changes_nothing() {
        for outcome in [MailOutcome::TransientBounce, MailOutcome::Delayed] {
            assert_eq!(
                mail_event_effects(&event(outcome)),
                MailEventEffects::default(),
                "{outcome:?}"
            );
        }
    }

    #[test]
    fn only_an_undeliverable_verification_closes_its_nomination() {
        let nomination = crate::test_support::nomination(crate::Status::Submitted, 1, crate::Language::En);
        let id = nomination.id;
        let verification = Message::NominatorVerification {
            nomination_id: id,
            addressee: crate::message::Addressee::nominator_of(&nomination),
        };
        assert!(closes_nomination(&verification, FailureReason::Bounced));
        assert!(closes_nomination(&verification, FailureReason::Suppressed));
        assert!(
            !closes_nomination(&verification, FailureReason::GaveUp),
            "SES may come back"
        );
        let card = Message::VettingCard { nomination_id: id };
        assert!(
            !closes_nomination(&card, FailureReason::Bounced),
            "a card closes nothing"
        );
        let invitation = Message::Invitation {
            nomination_id: id,
            round: 0,
        };
        assert!(
            !closes_nomination(&invitation, FailureReason::Bounced),
            "an admin corrects it"
        );
    }

    #[test]
    fn reason_codes_are_stable_snake_case() {
        for reason in [
            FailureReason::AddressRejected,
            FailureReason::Suppressed,
            FailureReason::Bounced,
            FailureReason::ContentRejected,
            FailureReason::Complained,
            FailureReason::SlackRefused,
            FailureReason::Unrenderable,
            FailureReason::GaveUp,
        ] {
            let json = serde_json::to_string(&reason).expect("serialises");
            assert_eq!(json, format!("\"{}\"", reason.code()));
        }
    }

    #[test]
    fn a_failing_message_is_reported_once_and_a_report_is_never_reported() {
        let card = Message::VettingCard {
            nomination_id: crate::NominationId::new(DateTime::from_timestamp(1_800_000_000, 0).unwrap()),
        };
        let id = card.id();
        let Some(alert) = slow_delivery_alert(&id, &card, 5) else {
            panic!("a failing card is reported");
        };
        assert!(matches!(&alert, Message::DeliveryAlert { attempts: 5, .. }));
        assert_eq!(slow_delivery_alert(&alert.id(), &alert, 9), None);
        let Some(note) = failed_delivery_note(&id, &card, FailureReason::SlackRefused) else {
            panic!("a card set aside is reported");
        };
        assert_eq!(failed_delivery_note(&note.id(), &note, FailureReason::GaveUp), None);
        assert_eq!(slow_delivery_alert(&note.id(), &note, 5), None);
    }
}
