//! Who may press which button on the Slack cards. What each press causes
//! is in `discussion` (the ILN's side) and `vetting` (the vetters').

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

use crate::lifecycle::Status;
use crate::person::EmailAddress;
use crate::slack::interaction::SlackUserId;

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

impl SlackPermissions {
    /// Vetters vet; confirmers confirm or decline; anyone listed, members
    /// included, may raise a concern.
    pub fn may_press(&self, button: Button, user: &SlackUserId) -> bool {
        match button {
            Button::Approve
            | Button::Reject
            | Button::RequestInformation
            | Button::ResolveConcern
            | Button::ReferToIac
            | Button::Close => self.vetter(user).is_some(),
            Button::Confirm | Button::Decline | Button::DeclareConflict => self.confirmer(user).is_some(),
            Button::RaiseConcern => self.may_raise_concern(user),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn permissions(quorum: usize) -> SlackPermissions {
        SlackPermissions::parse(
            "UV=vera@imi.org",
            "UA=ana@imi.org, UB=bo@imi.org, UL=lucia@example.org",
            quorum,
        )
        .unwrap()
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
}
