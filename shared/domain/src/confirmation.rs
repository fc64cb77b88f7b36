//! ILN confirmation in Slack: who may click what, the quorum of distinct
//! confirmers, and what each click causes.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

use crate::audit::{Actor, AuditEvent};
use crate::lifecycle::{Command, Status};
use crate::message::Message;
use crate::nomination::Nomination;
use crate::person::EmailAddress;
use crate::slack::Channel;
use crate::slack::interaction::SlackUserId;
use crate::slack::replies::ClickRefused;
use crate::step::Step;

/// One ILN member's confirmation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Confirmation {
    pub by: SlackUserId,
    pub at: DateTime<Utc>,
}

/// Who may act in Slack: allow-lists of Slack users with their e-mail (so a
/// nominator is recognised), and how many distinct confirmations confirm.
/// Vetters vet, confirmers confirm or decline, members of the ILN channel
/// may only raise concerns; anyone on a list may raise one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlackPermissions {
    vetters: HashMap<SlackUserId, EmailAddress>,
    confirmers: HashMap<SlackUserId, EmailAddress>,
    members: HashMap<SlackUserId, EmailAddress>,
    quorum: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("allow-list entry {0:?} is not `SLACK_USER_ID=email`")]
pub struct BadAllowList(String);

fn allow_list(raw: &str) -> Result<HashMap<SlackUserId, EmailAddress>, BadAllowList> {
    raw.split(',')
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .map(|entry| {
            let (id, email) = entry.split_once('=').ok_or_else(|| BadAllowList(entry.to_owned()))?;
            let email = EmailAddress::parse(email).map_err(|_| BadAllowList(entry.to_owned()))?;
            match id.trim() {
                "" => Err(BadAllowList(entry.to_owned())),
                id => Ok((SlackUserId::new(id), email)),
            }
        })
        .collect()
}

impl SlackPermissions {
    /// `vetters` and `confirmers` as `U1=ana@imi.org,U2=bo@imi.org`.
    pub fn parse(vetters: &str, confirmers: &str, quorum: usize) -> Result<Self, BadAllowList> {
        Ok(Self {
            vetters: allow_list(vetters)?,
            confirmers: allow_list(confirmers)?,
            members: HashMap::new(),
            quorum: quorum.max(1),
        })
    }

    /// ILN members who may raise concerns (and do nothing else), in the same
    /// `U1=ana@example.org,…` form.
    pub fn with_members(self, members: &str) -> Result<Self, BadAllowList> {
        Ok(Self {
            members: allow_list(members)?,
            ..self
        })
    }

    /// The vetter's e-mail, if `user` may vet.
    pub fn vetter(&self, user: &SlackUserId) -> Option<&EmailAddress> {
        self.vetters.get(user)
    }

    pub fn confirmer(&self, user: &SlackUserId) -> Option<&EmailAddress> {
        self.confirmers.get(user)
    }

    pub fn may_use_commands(&self, user: &SlackUserId) -> bool {
        self.vetters.contains_key(user) || self.confirmers.contains_key(user)
    }

    pub fn may_raise_concern(&self, user: &SlackUserId) -> bool {
        self.may_use_commands(user) || self.members.contains_key(user)
    }

    /// The statuses whose nominations `user` may see in `/iln`: vetters the
    /// vetting queue, confirmers the nominations in discussion.
    pub fn visible_statuses(&self, user: &SlackUserId) -> Vec<Status> {
        let mut statuses = Vec::new();
        if self.vetters.contains_key(user) {
            statuses.push(Status::AwaitingVetting);
        }
        if self.confirmers.contains_key(user) {
            statuses.push(Status::InDiscussion);
        }
        statuses
    }

    pub fn quorum(&self) -> usize {
        self.quorum
    }
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
            _ => return None,
        })
    }
}

impl SlackPermissions {
    /// Vetters vet; confirmers confirm or decline; anyone listed, members
    /// included, may raise a concern.
    pub fn may_press(&self, button: Button, user: &SlackUserId) -> bool {
        match button {
            Button::Approve | Button::Reject | Button::RequestInformation => self.vetter(user).is_some(),
            Button::Confirm | Button::Decline => self.confirmer(user).is_some(),
            Button::RaiseConcern => self.may_raise_concern(user),
        }
    }
}

/// A Confirm click by `user` on `nomination`.
pub fn confirm(
    nomination: &Nomination,
    user: &SlackUserId,
    permissions: &SlackPermissions,
    now: DateTime<Utc>,
) -> Result<Step, ClickRefused> {
    let email = permissions.confirmer(user).ok_or(ClickRefused::NotAllowed)?;
    if *email == nomination.submission.nominator.email {
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
    let reached = discussion.counted_confirmations().count() >= permissions.quorum();
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

    fn in_discussion() -> Nomination {
        crate::test_support::nomination(Status::InDiscussion, 3, crate::Language::En)
    }

    fn permissions(quorum: usize) -> SlackPermissions {
        SlackPermissions::parse(
            "UV=vera@imi.org",
            "UA=ana@imi.org, UB=bo@imi.org, UL=lucia@example.org",
            quorum,
        )
        .unwrap()
    }

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_100_000, 0).unwrap()
    }

    #[test]
    fn vetters_vet_confirmers_confirm_and_anyone_listed_may_raise_a_concern() {
        let permissions = permissions(1).with_members("UM=mia@example.org").unwrap();
        let (vetter, confirmer, member, stranger) = (
            SlackUserId::new("UV"),
            SlackUserId::new("UA"),
            SlackUserId::new("UM"),
            SlackUserId::new("UX"),
        );
        use Button as B;
        for (button, allowed) in [
            (B::Approve, [true, false, false, false]),
            (B::Reject, [true, false, false, false]),
            (B::RequestInformation, [true, false, false, false]),
            (B::Confirm, [false, true, false, false]),
            (B::Decline, [false, true, false, false]),
            (B::RaiseConcern, [true, true, true, false]),
        ] {
            let pressed = [&vetter, &confirmer, &member, &stranger].map(|user| permissions.may_press(button, user));
            assert_eq!(pressed, allowed, "{button:?}");
        }
        assert_eq!(Button::parse(crate::slack::action::CONFIRM), Some(Button::Confirm));
        assert_eq!(Button::parse("iln.unknown"), None);
    }

    #[test]
    fn with_a_quorum_of_one_the_first_confirmation_confirms_and_queues_the_invitation() {
        let nomination = in_discussion();
        let outcome = confirm(&nomination, &SlackUserId::new("UA"), &permissions(1), now()).unwrap();
        assert_eq!(outcome.to, Status::Confirmed);
        assert!(outcome.messages.contains(&Message::Invitation {
            nomination_id: nomination.id,
            round: 0
        }));
    }

    #[test]
    fn with_a_quorum_of_two_two_distinct_people_are_needed_and_a_repeat_counts_once() {
        let mut nomination = in_discussion();
        let first = confirm(&nomination, &SlackUserId::new("UA"), &permissions(2), now()).unwrap();
        assert_eq!(first.to, Status::InDiscussion);
        assert!(!first.messages.iter().any(|m| matches!(m, Message::Invitation { .. })));
        nomination.discussion = first.discussion;
        assert_eq!(
            confirm(&nomination, &SlackUserId::new("UA"), &permissions(2), now()),
            Err(ClickRefused::Repeat)
        );
        let second = confirm(&nomination, &SlackUserId::new("UB"), &permissions(2), now()).unwrap();
        assert_eq!(second.to, Status::Confirmed);
        assert_eq!(second.discussion.map(|d| d.confirmations.len()), Some(2));
    }

    #[test]
    fn only_listed_confirmers_who_are_not_the_nominator_may_confirm() {
        let nomination = in_discussion();
        assert_eq!(
            confirm(&nomination, &SlackUserId::new("UX"), &permissions(1), now()),
            Err(ClickRefused::NotAllowed)
        );
        assert_eq!(
            confirm(&nomination, &SlackUserId::new("UL"), &permissions(1), now()),
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
        let refused = confirm(&nomination, &SlackUserId::new("UB"), &permissions(1), now()).unwrap_err();
        let text = refused.explanation(crate::Language::En).unwrap();
        assert!(text.contains("confirmed by <@UA>"), "{text}");
        assert_eq!(
            confirm(&nomination, &SlackUserId::new("UA"), &permissions(1), now()),
            Err(ClickRefused::Repeat)
        );
    }

    #[test]
    fn allow_lists_must_be_id_equals_email() {
        assert!(SlackPermissions::parse("U1", "", 1).is_err());
        assert!(SlackPermissions::parse("U1=not-an-address", "", 1).is_err());
        assert!(SlackPermissions::parse("", "", 0).is_ok_and(|p| p.quorum() == 1));
    }

    #[test]
    fn each_role_sees_its_own_queue_and_anyone_listed_may_raise_a_concern() {
        let permissions = permissions(1).with_members("UM=mei@example.org").unwrap();
        let (vetter, confirmer, member, stranger) = (
            SlackUserId::new("UV"),
            SlackUserId::new("UA"),
            SlackUserId::new("UM"),
            SlackUserId::new("UX"),
        );
        assert_eq!(permissions.visible_statuses(&vetter), [Status::AwaitingVetting]);
        assert_eq!(permissions.visible_statuses(&confirmer), [Status::InDiscussion]);
        assert!(permissions.visible_statuses(&member).is_empty());
        assert!(!permissions.may_use_commands(&member));
        for listed in [&vetter, &confirmer, &member] {
            assert!(permissions.may_raise_concern(listed), "{listed:?}");
        }
        assert!(!permissions.may_raise_concern(&stranger));
    }

    #[test]
    fn the_same_concern_by_the_same_person_has_one_key() {
        let nomination = in_discussion();
        let permissions = permissions(1).with_members("UM=mei@example.org").unwrap();
        let concern = |text: &str| crate::vetting::Reason::parse(text).unwrap();
        let key = |user: &str, text: &str, at: DateTime<Utc>| {
            raise_concern(&nomination, &SlackUserId::new(user), &permissions, &concern(text), at)
                .unwrap()
                .message
                .id()
        };
        let later = now() + chrono::Duration::minutes(3);
        assert_eq!(key("UM", "A conflict.", now()), key("UM", "  A conflict. ", later));
        assert_ne!(key("UM", "A conflict.", now()), key("UA", "A conflict.", now()));
        assert_ne!(key("UM", "A conflict.", now()), key("UM", "Another one.", now()));
        assert_eq!(
            raise_concern(&nomination, &SlackUserId::new("UX"), &permissions, &concern("x"), now()),
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
    user: &SlackUserId,
    permissions: &SlackPermissions,
    concern: &crate::vetting::Reason,
    now: DateTime<Utc>,
) -> Result<ConcernOutcome, ClickRefused> {
    if !permissions.may_raise_concern(user) {
        return Err(ClickRefused::NotAllowed);
    }
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
    user: &SlackUserId,
    permissions: &SlackPermissions,
    reason: &crate::vetting::Reason,
    now: DateTime<Utc>,
) -> Result<Step, ClickRefused> {
    let email = permissions.confirmer(user).ok_or(ClickRefused::NotAllowed)?;
    if *email == nomination.submission.nominator.email {
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
