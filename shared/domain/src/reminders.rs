//! Keeping the process from stalling silently: what is due at a given time,
//! and what each due item causes. Every reminder is keyed by its day, so a
//! run repeated that day sends nothing new.

use chrono::{DateTime, Duration, Utc};

use crate::audit::Actor;
use crate::lifecycle::{Command, Refusal, Status};
use crate::membership::SentInvitation;
use crate::message::{Message, SlackNote};
use crate::nomination::Nomination;
use crate::person::EmailAddress;
use crate::slack::Channel;
use crate::step::Step;
use crate::token::{LinkValidity, TokenPurpose};

/// How long each step may wait before someone is reminded or it expires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Thresholds {
    /// Verified nominations waiting for vetting longer than this are listed
    /// in the day's digest.
    pub vetting_overdue: Duration,
    /// ILN cards without a decision after this get a reminder in their thread.
    pub discussion_overdue: Duration,
    /// Invitations unanswered after this are recalled to the nominee, once.
    pub invitation_unanswered: Duration,
    /// How long links work: an unverified nomination and an unanswered
    /// invitation expire with their link.
    pub links: LinkValidity,
}

impl Thresholds {
    /// How long a nomination may stay unverified before it expires.
    pub fn verification_expiry(&self) -> Duration {
        self.links.of(TokenPurpose::VerifyNominatorEmail)
    }

    /// How long an invitation may stay unanswered before it expires.
    pub fn invitation_expiry(&self) -> Duration {
        self.links.of(TokenPurpose::AnswerInvitation)
    }
}

/// The reminder key of a day: one digest and one reminder per item per day.
pub fn day(now: DateTime<Utc>) -> String {
    now.format("%Y-%m-%d").to_string()
}

/// Expiry by the system of an unverified nomination, an unanswered
/// invitation or a nominee's agreement not given in time; for an invitation
/// the vetting channel is told, for an agreement its vetting card shows it.
pub fn expire(nomination: &Nomination, now: DateTime<Utc>) -> Result<Step, Refusal> {
    let step = Step::take(nomination, Command::Expire, Actor::System, now)?;
    let version = step.next_version();
    let messages = match nomination.status {
        Status::AwaitingConsent => vec![Message::CardUpdate {
            nomination_id: nomination.id,
            channel: Channel::Vetting,
            version,
        }],
        Status::Invited => vec![Message::channel_note(
            nomination.id,
            Channel::Vetting,
            "invitation_expired",
            SlackNote::InvitationExpired,
        )],
        _ => Vec::new(),
    };
    Ok(step.sending(messages))
}

/// A nomination whose nominator cannot be mailed expires now rather than in
/// 72 hours, and stops holding its nominee.
pub fn expire_unverifiable(nomination: &Nomination, now: DateTime<Utc>) -> Result<Step, Refusal> {
    Ok(expire(nomination, now)?.because("the verification e-mail could not be delivered"))
}

/// The day's vetting digest: a card in the vetting channel and, when the
/// vetters have an address, a mail.
pub fn vetting_digest(overdue: &[Nomination], vetters: Option<&EmailAddress>, now: DateTime<Utc>) -> Vec<Message> {
    if overdue.is_empty() {
        return Vec::new();
    }
    let references: Vec<_> = overdue.iter().map(|n| n.id).collect();
    let date = day(now);
    let mut messages = vec![Message::VettingDigest {
        date: date.clone(),
        references: references.clone(),
        to: None,
    }];
    if let Some(vetters) = vetters {
        messages.push(Message::VettingDigest {
            date,
            references,
            to: Some(vetters.clone()),
        });
    }
    messages
}

/// The nominee's reminder of an invitation still unanswered and still
/// valid: one per invitation round, with that round's link.
pub fn invitation_reminder(nomination: &Nomination, thresholds: &Thresholds, now: DateTime<Utc>) -> Option<Message> {
    let sent = nomination.invitation.as_ref()?;
    let still_valid = now < nomination.updated_at + thresholds.invitation_expiry();
    (nomination.status == Status::Invited && still_valid).then_some(Message::InvitationReminder {
        nomination_id: nomination.id,
        round: sent.round,
    })
}

/// The invitation a reminder of `round` may still be sent for: only the
/// round whose link works, while the nominee has not answered. After a
/// resend, an answer, a withdrawal or an expiry there is nothing to remind.
pub fn invitation_to_remind(nomination: &Nomination, round: u32) -> Option<&SentInvitation> {
    nomination
        .invitation
        .as_ref()
        .filter(|sent| sent.round == round && nomination.status == Status::Invited)
}

/// A reminder in the ILN card's thread for a nomination still undecided,
/// worded in the ILN channel's language when it is delivered.
pub fn discussion_reminder(nomination: &Nomination, quorum: usize, now: DateTime<Utc>) -> Message {
    let note = SlackNote::DiscussionReminder {
        waiting_days: (now - nomination.updated_at).num_days(),
        confirmations: nomination
            .discussion
            .iter()
            .flat_map(|d| d.counted_confirmations())
            .count(),
        needed: quorum,
    };
    Message::reminder(nomination.id, Channel::Iln, day(now), note)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn thresholds() -> Thresholds {
        Thresholds {
            vetting_overdue: Duration::days(5),
            discussion_overdue: Duration::days(7),
            invitation_unanswered: Duration::days(7),
            links: LinkValidity::with_invitation_days(20).unwrap(),
        }
    }

    #[test]
    fn the_limits_are_those_of_the_links() {
        assert_eq!(thresholds().verification_expiry(), Duration::hours(72));
        assert_eq!(thresholds().invitation_expiry(), Duration::days(20));
    }

    fn invited(round: u32) -> Nomination {
        let mut nomination = crate::test_support::nomination(Status::Invited, 5, crate::Language::Es);
        nomination.invitation = Some(crate::membership::SentInvitation {
            round,
            token: crate::token::TokenHash::of_presented(&"a".repeat(43)).unwrap(),
        });
        nomination
    }

    #[test]
    fn an_unanswered_invitation_is_reminded_of_its_own_round_while_its_link_works() {
        let nomination = invited(4);
        let reminder = invitation_reminder(&nomination, &thresholds(), nomination.updated_at + Duration::days(8));
        assert_eq!(
            reminder,
            Some(Message::InvitationReminder {
                nomination_id: nomination.id,
                round: 4
            })
        );
        let too_late = nomination.updated_at + thresholds().invitation_expiry();
        assert_eq!(invitation_reminder(&nomination, &thresholds(), too_late), None);
    }

    #[test]
    fn a_reminder_is_sent_only_for_the_round_whose_link_works() {
        let nomination = invited(3);
        assert!(invitation_to_remind(&nomination, 3).is_some());
        assert!(invitation_to_remind(&nomination, 2).is_none(), "replaced by a resend");
        let mut withdrawn = invited(3);
        withdrawn.status = Status::Withdrawn;
        assert!(invitation_to_remind(&withdrawn, 3).is_none());
    }

    #[test]
    fn only_an_invitation_still_waiting_is_reminded() {
        let mut answered = invited(0);
        answered.status = Status::Member;
        let mut never_sent = invited(0);
        never_sent.invitation = None;
        let later = answered.updated_at + Duration::days(8);
        assert_eq!(invitation_reminder(&answered, &thresholds(), later), None);
        assert_eq!(invitation_reminder(&never_sent, &thresholds(), later), None);
    }

    #[test]
    fn no_overdue_nomination_means_no_digest() {
        assert!(vetting_digest(&[], None, Utc::now()).is_empty());
    }
}
