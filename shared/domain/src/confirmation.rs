//! ILN confirmation in Slack: the buttons, the quorum of distinct
//! confirmers, and what each click causes. Who may press what is the
//! participant's (`slack::participant`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::audit::{Actor, AuditEvent};
use crate::lifecycle::{Command, Status};
use crate::message::Message;
use crate::nomination::Nomination;
use crate::slack::Channel;
use crate::slack::interaction::SlackUserId;
use crate::slack::participant::Participant;
use crate::slack::replies::ClickRefused;
use crate::step::Step;

/// One ILN member's confirmation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Confirmation {
    pub by: SlackUserId,
    pub at: DateTime<Utc>,
}

/// The buttons of the vetting and ILN cards (and the modals they open).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Button {
    Approve,
    Reject,
    RequestInformation,
    Confirm,
    Decline,
    RaiseConcern,
    DeclareConflict,
    ResolveConcern,
    ReferToIac,
    Close,
}

impl Button {
    /// The button behind a Slack action id (or a modal's callback id).
    pub fn parse(action_id: &str) -> Option<Self> {
        use crate::slack::action;
        Some(match action_id {
            action::APPROVE => Button::Approve,
            action::REJECT => Button::Reject,
            action::REQUEST_INFORMATION => Button::RequestInformation,
            action::CONFIRM => Button::Confirm,
            action::DECLINE => Button::Decline,
            action::RAISE_CONCERN => Button::RaiseConcern,
            action::DECLARE_CONFLICT => Button::DeclareConflict,
            action::RESOLVE_CONCERN => Button::ResolveConcern,
            action::REFER_TO_IAC => Button::ReferToIac,
            action::CLOSE => Button::Close,
            _ => return None,
        })
    }
}

/// A Confirm click by `user` on `nomination`.
pub fn confirm(
    nomination: &Nomination,
    participant: &Participant,
    quorum: usize,
    now: DateTime<Utc>,
) -> Result<Step, ClickRefused> {
    if !participant.confirmer {
        return Err(ClickRefused::NotAllowed);
    }
    let user = &participant.user;
    if participant.email == nomination.submission.nominator.email {
        return Err(ClickRefused::OwnNomination);
    }
    let mut discussion = nomination.discussion.clone().unwrap_or_default();
    let confirmed_by_user = discussion.confirmations.iter().any(|c| &c.by == user);
    if nomination.status != Status::InDiscussion {
        let own_click = nomination
            .last_move
            .as_ref()
            .is_some_and(|m| m.actor == Actor::Confirmer(user.as_str().into()));
        return Err(match confirmed_by_user && own_click {
            true => ClickRefused::Repeat,
            false => ClickRefused::AlreadyMoved {
                status: nomination.status,
                last_move: nomination.last_move.clone(),
            },
        });
    }
    if confirmed_by_user {
        return Err(ClickRefused::Repeat);
    }
    discussion.confirmations.push(Confirmation {
        by: user.clone(),
        at: now,
    });
    let actor = Actor::Confirmer(user.as_str().to_owned());
    let reached = discussion.counted_confirmations().count() >= quorum.max(1);
    let update = Message::CardUpdate {
        nomination_id: nomination.id,
        channel: Channel::Iln,
        version: nomination.version + 1,
    };
    let step = match reached {
        true => Step::take(nomination, Command::Confirm, actor, now)
            .map_err(|refusal| ClickRefused::AlreadyMoved {
                status: refusal.from,
                last_move: nomination.last_move.clone(),
            })?
            .sending([
                update,
                Message::Invitation {
                    nomination_id: nomination.id,
                    round: 0,
                },
            ]),
        false => Step::keeping_status(nomination, AuditEvent::confirmation_recorded(now, actor)).sending([update]),
    };
    Ok(step.discussing(discussion))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nomination::LastMove;
    use crate::person::EmailAddress;

    fn in_discussion() -> Nomination {
        crate::test_support::nomination(Status::InDiscussion, 3, crate::Language::En)
    }

    /// `user` with `email`, a confirmer or not (never a vetter).
    fn person(user: &str, email: &str, confirmer: bool) -> Participant {
        Participant {
            user: SlackUserId::new(user),
            email: EmailAddress::parse(email).unwrap(),
            vetter: false,
            confirmer,
            language: None,
        }
    }

    fn confirmer(user: &str) -> Participant {
        person(user, &format!("{}@imi.org", user.to_lowercase()), true)
    }

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_100_000, 0).unwrap()
    }

    #[test]
    fn buttons_are_read_from_their_action_ids() {
        assert_eq!(Button::parse(crate::slack::action::CONFIRM), Some(Button::Confirm));
        assert_eq!(
            Button::parse(crate::slack::action::DECLARE_CONFLICT),
            Some(Button::DeclareConflict)
        );
        assert_eq!(Button::parse("iln.unknown"), None);
    }

    #[test]
    fn with_a_quorum_of_one_the_first_confirmation_confirms_and_queues_the_invitation() {
        let nomination = in_discussion();
        let outcome = confirm(&nomination, &confirmer("UA"), 1, now()).unwrap();
        assert_eq!(outcome.to, Status::Confirmed);
        assert!(outcome.messages.contains(&Message::Invitation {
            nomination_id: nomination.id,
            round: 0
        }));
    }

    #[test]
    fn with_a_quorum_of_two_two_distinct_people_are_needed_and_a_repeat_counts_once() {
        let mut nomination = in_discussion();
        let first = confirm(&nomination, &confirmer("UA"), 2, now()).unwrap();
        assert_eq!(first.to, Status::InDiscussion);
        assert!(!first.messages.iter().any(|m| matches!(m, Message::Invitation { .. })));
        nomination.discussion = first.discussion;
        assert_eq!(
            confirm(&nomination, &confirmer("UA"), 2, now()),
            Err(ClickRefused::Repeat)
        );
        let second = confirm(&nomination, &confirmer("UB"), 2, now()).unwrap();
        assert_eq!(second.to, Status::Confirmed);
        assert_eq!(second.discussion.map(|d| d.confirmations.len()), Some(2));
    }

    #[test]
    fn only_confirmers_who_are_not_the_nominator_may_confirm() {
        let nomination = in_discussion();
        assert_eq!(
            confirm(&nomination, &person("UX", "x@example.org", false), 1, now()),
            Err(ClickRefused::NotAllowed)
        );
        assert_eq!(
            confirm(&nomination, &person("UL", "lucia@example.org", true), 1, now()),
            Err(ClickRefused::OwnNomination)
        );
    }

    #[test]
    fn a_late_click_is_told_who_confirmed_and_when() {
        let mut nomination = in_discussion();
        nomination.status = Status::Confirmed;
        nomination.discussion = Some(crate::discussion::Discussion {
            confirmations: vec![Confirmation {
                by: SlackUserId::new("UA"),
                at: now(),
            }],
            ..Default::default()
        });
        nomination.last_move = Some(LastMove {
            actor: Actor::Confirmer("UA".into()),
            command: Command::Confirm,
            at: now(),
        });
        let refused = confirm(&nomination, &confirmer("UB"), 1, now()).unwrap_err();
        let text = refused.explanation().unwrap();
        assert!(text.contains("confirmed by <@UA>"), "{text}");
        assert_eq!(
            confirm(&nomination, &confirmer("UA"), 1, now()),
            Err(ClickRefused::Repeat)
        );
    }

    #[test]
    fn the_same_concern_by_the_same_person_has_one_key() {
        let nomination = in_discussion();
        let concern = |text: &str| crate::vetting::Reason::parse(text).unwrap();
        let key = |user: &str, text: &str, at: DateTime<Utc>| {
            raise_concern(&nomination, &confirmer(user), &concern(text), at)
                .unwrap()
                .message
                .id()
        };
        let later = now() + chrono::Duration::minutes(3);
        assert_eq!(key("UM", "A conflict.", now()), key("UM", "  A conflict. ", later));
        assert_ne!(key("UM", "A conflict.", now()), key("UA", "A conflict.", now()));
        assert_ne!(key("UM", "A conflict.", now()), key("UM", "Another one.", now()));
        assert_eq!(
            raise_concern(&nomination, &person("UX", "x@example.org", false), &concern("x"), now()),
            Err(ClickRefused::NotAllowed)
        );
    }
}

/// What raising a concern records: its audit event and its note in the ILN
/// card's thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConcernOutcome {
    pub audit: AuditEvent,
    pub message: Message,
}

/// A concern raised by `user` about `nomination`. The note's key is the
/// user and a digest of the concern, so the same concern sent again (a
/// second submit, Slack's retry) is recorded once.
pub fn raise_concern(
    nomination: &Nomination,
    participant: &Participant,
    concern: &crate::vetting::Reason,
    now: DateTime<Utc>,
) -> Result<ConcernOutcome, ClickRefused> {
    if !participant.may_press(Button::RaiseConcern) {
        return Err(ClickRefused::NotAllowed);
    }
    let user = &participant.user;
    if nomination.status != Status::InDiscussion {
        return Err(ClickRefused::NotInDiscussion {
            status: nomination.status,
        });
    }
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(concern.as_str().as_bytes());
    let digest: String = digest.iter().take(16).map(|byte| format!("{byte:02x}")).collect();
    let actor = Actor::Confirmer(user.as_str().to_owned());
    Ok(ConcernOutcome {
        audit: AuditEvent::concern_raised(now, actor, concern.as_str()),
        message: Message::ConcernRaised {
            nomination_id: nomination.id,
            by: user.clone(),
            concern: concern.as_str().to_owned(),
            key: format!("{}.{digest}", user.as_str()),
        },
    })
}

/// A confirmer declining `nomination` for `reason`.
pub fn decline(
    nomination: &Nomination,
    participant: &Participant,
    reason: &crate::vetting::Reason,
    now: DateTime<Utc>,
) -> Result<Step, ClickRefused> {
    if !participant.confirmer {
        return Err(ClickRefused::NotAllowed);
    }
    let user = &participant.user;
    if participant.email == nomination.submission.nominator.email {
        return Err(ClickRefused::OwnNomination);
    }
    let actor = Actor::Confirmer(user.as_str().to_owned());
    let own_repeat = nomination
        .last_move
        .as_ref()
        .is_some_and(|m| m.actor == actor && m.command == Command::Decline);
    let step = Step::take(nomination, Command::Decline, actor, now).map_err(|refusal| match own_repeat {
        true => ClickRefused::Repeat,
        false => ClickRefused::AlreadyMoved {
            status: refusal.from,
            last_move: nomination.last_move.clone(),
        },
    })?;
    let version = step.next_version();
    Ok(step.because(reason.as_str()).sending([Message::CardUpdate {
        nomination_id: nomination.id,
        channel: Channel::Iln,
        version,
    }]))
}
