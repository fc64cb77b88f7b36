//! The buttons on the Slack cards. Who may press which is the
//! participant's (`slack::participant`); what each press causes is in
//! `discussion` (the ILN's side) and `vetting` (the vetters').

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::slack::interaction::SlackUserId;

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
