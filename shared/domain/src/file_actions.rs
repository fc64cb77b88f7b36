//! What a nomination's file offers a member of staff: the forms the
//! commands behind them would accept now, so that the console never offers
//! what would be refused (the commands still check, for a page read before
//! a change).

use serde::Serialize;

use crate::findings::Findings;
use crate::staff::{Staff, StaffRole};
use crate::{Nomination, Status};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct FileActions {
    /// Approve, reject or ask for information: a verified nomination
    /// awaiting vetting, by a vetter known by address who neither made nor
    /// endorsed it.
    pub decide: bool,
    /// Resolve a concern or refer to the IAC: any member of staff, while
    /// the ILN discusses it.
    pub discuss: bool,
    /// The IAC's outcome: admins, while it waits for the IAC.
    pub record_iac_outcome: bool,
    /// A new link, or the invitation withdrawn: admins, once confirmed.
    pub manage_invitation: bool,
    /// Admins, while it is open and not yet the invitation's.
    pub withdraw: bool,
}

impl FileActions {
    pub fn of(nomination: &Nomination, findings: &Findings, staff: &Staff) -> Self {
        let admin = staff.may_act_as(StaffRole::Admin);
        let status = nomination.status;
        let discussed = status == Status::InDiscussion;
        let manage_invitation = admin && matches!(status, Status::Confirmed | Status::Invited);
        Self {
            decide: status == Status::AwaitingVetting
                && staff.email.is_some()
                && !findings.requester_is_nominator
                && !findings.requester_is_endorser,
            discuss: discussed,
            record_iac_outcome: admin
                && discussed
                && nomination
                    .discussion
                    .as_ref()
                    .is_some_and(|discussion| discussion.awaits_iac()),
            manage_invitation,
            withdraw: admin && status.is_open() && !manage_invitation,
        }
    }
}

#[cfg(test)]
mod tests;
