//! A Slack user as the process knows them at the moment they act: their
//! address and what they may do, read from the data (members, the roster,
//! the staff list) at each click, never from the deployment.

use crate::i18n::Language;
use crate::person::EmailAddress;
use crate::slack::interaction::SlackUserId;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Participant {
    pub user: SlackUserId,
    /// The address Slack holds for the user: how they are matched to a
    /// member, a roster entry or the staff list, and recognised as a
    /// nominator or endorser.
    pub email: EmailAddress,
    /// On the staff list of vetters.
    pub vetter: bool,
    /// An active member or an ILN member on the roster: may confirm, raise
    /// concerns and declare conflicts. A derecognised member is neither.
    pub confirmer: bool,
    /// The user's language as Slack reports it, for private replies.
    pub language: Option<Language>,
}

impl Participant {
    /// May use `/iln`: vetters and confirmers.
    pub fn may_use_commands(&self) -> bool {
        self.vetter || self.confirmer
    }
}
