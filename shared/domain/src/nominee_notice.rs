//! Before the ILN discusses a nominee, the nominee is told: that they were
//! nominated, what is held and where it came from, who may see it, and that
//! they may object. The notice is queued with the approval, ahead of the ILN
//! card, and the card is posted only once the notice was delivered (the
//! outbox holds it back). With `NomineeConsent` on, the card waits instead
//! for the nominee's agreement, and an unanswered notice expires.

use chrono::{DateTime, Duration, Utc};

use crate::audit::Actor;
use crate::discussion::DiscussionRules;
use crate::lifecycle::{Command, Refusal, Status};
use crate::message::{Message, SlackNote};
use crate::nomination::Nomination;
use crate::slack::Channel;
use crate::step::Step;

/// How long a nominee asked for their agreement has to answer: the
/// verification window, after which the daily run expires the nomination.
pub const CONSENT_WINDOW: Duration = Duration::hours(72);

/// The notice to the nominee of `nomination`, in their language; `consent`
/// when it asks them to agree rather than only allowing them to object.
pub fn notice(nomination: &Nomination, consent: bool) -> Message {
    let submission = &nomination.submission;
    Message::NomineeNotice {
        nomination_id: nomination.id,
        to: submission.nominee.email.clone(),
        language: submission.nominee_language(),
        nominee_name: submission.nominee.name.clone(),
        consent,
    }
}

/// What the nominee answers on the notice's page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    Object,
    /// Only while their agreement is asked (`awaiting_consent`).
    Agree,
}

impl Answer {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw.trim() {
            "object" => Some(Answer::Object),
            "agree" => Some(Answer::Agree),
            _ => None,
        }
    }
}

/// Where a nominee's notice link stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answerable {
    /// They may object; `may_agree` when their agreement is still asked.
    Open { may_agree: bool },
    /// They objected already: a second answer changes nothing.
    Objected,
    /// Their agreement was asked and the window passed.
    Expired,
    /// The nomination ended (or was invited) some other way.
    Closed,
}

/// Whether the nominee of a nomination in `status`, last moved at
/// `updated_at`, may answer now.
pub fn answerable(status: Status, updated_at: DateTime<Utc>, now: DateTime<Utc>) -> Answerable {
    match status {
        Status::Objected => Answerable::Objected,
        Status::AwaitingConsent if now >= updated_at + CONSENT_WINDOW => Answerable::Expired,
        Status::AwaitingConsent => Answerable::Open { may_agree: true },
        Status::InDiscussion | Status::Confirmed => Answerable::Open { may_agree: false },
        _ => Answerable::Closed,
    }
}

/// The nominee objects: the nomination closes as `objected`, the cards that
/// show it say so, and the vetting channel is told. Nothing more is posted
/// in the ILN channel.
pub fn object(nomination: &Nomination, now: DateTime<Utc>) -> Result<Step, Refusal> {
    let step = Step::take(nomination, Command::Object, Actor::Nominee, now)?;
    let version = step.next_version();
    let cards: &[Channel] = match nomination.status {
        Status::AwaitingConsent => &[Channel::Vetting],
        _ => &[Channel::Iln, Channel::Vetting],
    };
    let updates = cards.iter().map(|&channel| Message::CardUpdate {
        nomination_id: nomination.id,
        channel,
        version,
    });
    let note = Message::channel_note(nomination.id, Channel::Vetting, "objected", SlackNote::NomineeObjected);
    Ok(step.sending(updates).sending([note]))
}

/// The nominee agrees to be considered: the ILN's discussion opens and its
/// card is posted.
pub fn agree(nomination: &Nomination, rules: &DiscussionRules, now: DateTime<Utc>) -> Result<Step, Refusal> {
    let step = Step::take(nomination, Command::Agree, Actor::Nominee, now)?;
    let version = step.next_version();
    Ok(step
        .sending([
            Message::IlnCard {
                nomination_id: nomination.id,
            },
            Message::CardUpdate {
                nomination_id: nomination.id,
                channel: Channel::Vetting,
                version,
            },
        ])
        .discussing(rules.open(now)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Language;
    use crate::discussion::DiscussionRules;

    fn at(hours: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap() + Duration::hours(hours)
    }

    fn nomination(status: Status) -> Nomination {
        crate::test_support::nomination(status, 4, Language::Es)
    }

    #[test]
    fn the_notice_goes_to_the_nominee_in_their_language_not_the_nominators() {
        let mut nomination = nomination(Status::AwaitingVetting);
        nomination.submission.nominee.language = Some(Language::En);

        let Message::NomineeNotice { to, language, .. } = notice(&nomination, false) else {
            panic!("a notice");
        };

        assert_eq!((to.as_str(), language), ("amara@example.org", Language::En));
    }

    #[test]
    fn a_nomination_stored_before_the_nominees_language_was_asked_writes_in_its_own() {
        let mut nomination = nomination(Status::AwaitingVetting);
        nomination.submission.nominee.language = None;

        assert_eq!(nomination.submission.nominee_language(), Language::Es);
    }

    #[test]
    fn an_objection_closes_updates_both_cards_and_tells_the_vetting_channel() {
        let step = object(&nomination(Status::InDiscussion), at(0)).unwrap();

        assert_eq!(step.to, Status::Objected);
        assert_eq!(step.audit.actor, Actor::Nominee);
        let kinds: Vec<_> = step.messages.iter().map(|m| (m.kind(), m.route())).collect();
        assert_eq!(
            kinds,
            [
                ("card_update", crate::message::Route::CardUpdate(Channel::Iln)),
                ("card_update", crate::message::Route::CardUpdate(Channel::Vetting)),
                ("channel_note", crate::message::Route::Note(Channel::Vetting)),
            ]
        );
    }

    #[test]
    fn an_objection_before_the_ilns_card_touches_only_the_vetting_card() {
        let step = object(&nomination(Status::AwaitingConsent), at(0)).unwrap();

        assert!(
            step.messages
                .iter()
                .all(|m| m.route() != crate::message::Route::CardUpdate(Channel::Iln))
        );
    }

    #[test]
    fn an_objection_to_a_closed_or_invited_nomination_is_refused() {
        for status in [Status::Objected, Status::Withdrawn, Status::Invited, Status::Member] {
            assert!(object(&nomination(status), at(0)).is_err(), "{status}");
        }
    }

    #[test]
    fn agreement_opens_the_discussion_and_posts_the_ilns_card() {
        let rules = DiscussionRules::parse("quorum", 3, 0, 14).unwrap();
        let step = agree(&nomination(Status::AwaitingConsent), &rules, at(1)).unwrap();

        assert_eq!(step.to, Status::InDiscussion);
        assert!(step.discussion.is_some());
        assert_eq!(step.messages[0].kind(), "iln_card");
        assert!(agree(&nomination(Status::InDiscussion), &rules, at(1)).is_err());
    }

    #[test]
    fn the_nominee_may_answer_while_asked_or_discussed_and_not_after() {
        assert_eq!(
            answerable(Status::AwaitingConsent, at(0), at(71)),
            Answerable::Open { may_agree: true }
        );
        assert_eq!(answerable(Status::AwaitingConsent, at(0), at(72)), Answerable::Expired);
        assert_eq!(
            answerable(Status::InDiscussion, at(0), at(500)),
            Answerable::Open { may_agree: false }
        );
        assert_eq!(answerable(Status::Objected, at(0), at(1)), Answerable::Objected);
        assert_eq!(answerable(Status::Invited, at(0), at(1)), Answerable::Closed);
    }
}
