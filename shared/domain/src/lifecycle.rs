//! The nomination lifecycle: where a nomination stands, what may move it, and
//! the refusal of every move the process does not allow.
//!
//! ```text
//! submitted ─verify─> awaiting_vetting ─approve─> in_discussion ─confirm─> confirmed ─send─> invited ─accept─> member
//!    │ │                 │    └─request info (stays)                       │                       ├─decline─> invitation_declined
//!    │ └─72 h─> expired  └─reject─> rejected                              ├─close─> declined       └─no answer─> expired
//!    │                                                                    └─window ends unconfirmed─> not_confirmed
//!    └─verify, the person already held─> merged (an endorsement of the nomination that holds them)
//! withdrawn: from any open state
//!
//! Before the ILN discusses a nominee, the nominee is told and may object:
//! in_discussion, confirmed ─object─> objected. With `NomineeConsent` on,
//! approval waits for the nominee's agreement:
//! awaiting_vetting ─approve subject to consent─> awaiting_consent ─agree─> in_discussion
//!                                                  ├─object─> objected
//!                                                  └─no answer─> expired
//! ```

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Submitted,
    AwaitingVetting,
    InDiscussion,
    Confirmed,
    Invited,
    Member,
    Rejected,
    Declined,
    InvitationDeclined,
    Expired,
    Withdrawn,
    /// The discussion's window ended without the ILN confirming.
    NotConfirmed,
    /// Verified when another verified nomination already held the person:
    /// recorded as an endorsement of that one, and closed.
    Merged,
    /// Approved while `NomineeConsent` is on: the ILN sees it only once the
    /// nominee agrees to be considered.
    AwaitingConsent,
    /// Closed because the nominee objected to being considered.
    Objected,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Command {
    VerifyNominatorEmail,
    Approve,
    RequestInformation,
    Reject,
    Confirm,
    /// A vetter (or the IAC's outcome) closes a discussed nomination: it
    /// does not go ahead.
    Decline,
    SendInvitation,
    /// A new invitation link replaces the one sent before.
    ResendInvitation,
    AcceptInvitation,
    DeclineInvitation,
    Expire,
    Withdraw,
    /// Verification found the person held by another nomination.
    Merge,
    /// Approval that waits for the nominee's agreement (`NomineeConsent`).
    ApproveSubjectToConsent,
    /// The nominee agrees to be considered by the ILN.
    Agree,
    /// The nominee objects to being considered: the nomination closes.
    Object,
}

/// A move the lifecycle does not allow, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a nomination that is {from} cannot be moved by {command}")]
pub struct Refusal {
    pub from: Status,
    pub command: Command,
}

impl Status {
    pub const ALL: [Status; 15] = [
        Status::Submitted,
        Status::AwaitingVetting,
        Status::InDiscussion,
        Status::Confirmed,
        Status::Invited,
        Status::Member,
        Status::Rejected,
        Status::Declined,
        Status::InvitationDeclined,
        Status::Expired,
        Status::Withdrawn,
        Status::NotConfirmed,
        Status::Merged,
        Status::AwaitingConsent,
        Status::Objected,
    ];

    /// The one function that moves a nomination.
    pub fn apply(self, command: Command) -> Result<Status, Refusal> {
        use Command as C;
        use Status as S;
        let to = match (self, command) {
            (S::Submitted, C::VerifyNominatorEmail) => S::AwaitingVetting,
            (S::Submitted, C::Expire) => S::Expired,
            (S::Submitted, C::Merge) => S::Merged,
            (S::AwaitingVetting, C::Approve) => S::InDiscussion,
            (S::AwaitingVetting, C::RequestInformation) => S::AwaitingVetting,
            (S::AwaitingVetting, C::Reject) => S::Rejected,
            (S::InDiscussion, C::Confirm) => S::Confirmed,
            (S::InDiscussion, C::Decline) => S::Declined,
            (S::InDiscussion, C::Expire) => S::NotConfirmed,
            (S::Confirmed, C::SendInvitation) => S::Invited,
            (S::Invited, C::ResendInvitation) => S::Invited,
            (S::Invited, C::AcceptInvitation) => S::Member,
            (S::Invited, C::DeclineInvitation) => S::InvitationDeclined,
            (S::Invited, C::Expire) => S::Expired,
            (S::AwaitingVetting, C::ApproveSubjectToConsent) => S::AwaitingConsent,
            (S::AwaitingConsent, C::Agree) => S::InDiscussion,
            (S::AwaitingConsent, C::Expire) => S::Expired,
            (S::AwaitingConsent | S::InDiscussion | S::Confirmed, C::Object) => S::Objected,
            (from, C::Withdraw) if from.is_open() => S::Withdrawn,
            (from, command) => return Err(Refusal { from, command }),
        };
        Ok(to)
    }

    /// Still moving towards membership or a decision.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            Status::Submitted
                | Status::AwaitingVetting
                | Status::AwaitingConsent
                | Status::InDiscussion
                | Status::Confirmed
                | Status::Invited
        )
    }

    /// Holds the person nominated: a verified nomination, until it closes.
    /// An unverified one holds nobody, so that a nomination nobody confirms
    /// cannot stop a genuine one.
    pub fn holds_nominee(self) -> bool {
        (self.is_open() && self != Status::Submitted) || self == Status::Member
    }

    /// Ended without a member: the data is kept only for the retention period.
    pub fn is_closed(self) -> bool {
        !self.is_open() && self != Status::Member
    }

    pub fn code(self) -> &'static str {
        match self {
            Status::Submitted => "submitted",
            Status::AwaitingVetting => "awaiting_vetting",
            Status::InDiscussion => "in_discussion",
            Status::Confirmed => "confirmed",
            Status::Invited => "invited",
            Status::Member => "member",
            Status::Rejected => "rejected",
            Status::Declined => "declined",
            Status::InvitationDeclined => "invitation_declined",
            Status::Expired => "expired",
            Status::Withdrawn => "withdrawn",
            Status::NotConfirmed => "not_confirmed",
            Status::Merged => "merged",
            Status::AwaitingConsent => "awaiting_consent",
            Status::Objected => "objected",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            Command::VerifyNominatorEmail => "verify_nominator_email",
            Command::Approve => "approve",
            Command::RequestInformation => "request_information",
            Command::Reject => "reject",
            Command::Confirm => "confirm",
            Command::Decline => "decline",
            Command::SendInvitation => "send_invitation",
            Command::ResendInvitation => "resend_invitation",
            Command::AcceptInvitation => "accept_invitation",
            Command::DeclineInvitation => "decline_invitation",
            Command::Expire => "expire",
            Command::Withdraw => "withdraw",
            Command::Merge => "merge",
            Command::ApproveSubjectToConsent => "approve_subject_to_consent",
            Command::Agree => "agree",
            Command::Object => "object",
        };
        f.write_str(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Command as C;
    use Status as S;

    const ALL_COMMANDS: [Command; 16] = [
        C::VerifyNominatorEmail,
        C::Approve,
        C::RequestInformation,
        C::Reject,
        C::Confirm,
        C::Decline,
        C::SendInvitation,
        C::ResendInvitation,
        C::AcceptInvitation,
        C::DeclineInvitation,
        C::Expire,
        C::Withdraw,
        C::Merge,
        C::ApproveSubjectToConsent,
        C::Agree,
        C::Object,
    ];

    /// The lifecycle of DESIGN.md, written out move by move.
    const LEGAL: &[(Status, Command, Status)] = &[
        (S::Submitted, C::VerifyNominatorEmail, S::AwaitingVetting),
        (S::Submitted, C::Expire, S::Expired),
        (S::Submitted, C::Withdraw, S::Withdrawn),
        (S::Submitted, C::Merge, S::Merged),
        (S::AwaitingVetting, C::Approve, S::InDiscussion),
        (S::AwaitingVetting, C::RequestInformation, S::AwaitingVetting),
        (S::AwaitingVetting, C::Reject, S::Rejected),
        (S::AwaitingVetting, C::Withdraw, S::Withdrawn),
        (S::InDiscussion, C::Confirm, S::Confirmed),
        (S::InDiscussion, C::Decline, S::Declined),
        (S::InDiscussion, C::Expire, S::NotConfirmed),
        (S::InDiscussion, C::Withdraw, S::Withdrawn),
        (S::Confirmed, C::SendInvitation, S::Invited),
        (S::Invited, C::ResendInvitation, S::Invited),
        (S::Confirmed, C::Withdraw, S::Withdrawn),
        (S::Invited, C::AcceptInvitation, S::Member),
        (S::Invited, C::DeclineInvitation, S::InvitationDeclined),
        (S::Invited, C::Expire, S::Expired),
        (S::Invited, C::Withdraw, S::Withdrawn),
        (S::InDiscussion, C::Object, S::Objected),
        (S::Confirmed, C::Object, S::Objected),
        (S::AwaitingVetting, C::ApproveSubjectToConsent, S::AwaitingConsent),
        (S::AwaitingConsent, C::Agree, S::InDiscussion),
        (S::AwaitingConsent, C::Object, S::Objected),
        (S::AwaitingConsent, C::Expire, S::Expired),
        (S::AwaitingConsent, C::Withdraw, S::Withdrawn),
    ];

    #[test]
    fn every_legal_move_lands_where_the_design_says() {
        for &(from, command, to) in LEGAL {
            assert_eq!(from.apply(command), Ok(to), "{from} by {command}");
        }
    }

    #[test]
    fn every_other_move_is_refused_and_says_why() {
        let mut refused = 0;
        for from in Status::ALL {
            for command in ALL_COMMANDS {
                if LEGAL.iter().any(|&(f, c, _)| f == from && c == command) {
                    continue;
                }
                assert_eq!(
                    from.apply(command),
                    Err(Refusal { from, command }),
                    "{from} by {command}"
                );
                refused += 1;
            }
        }
        assert_eq!(refused, Status::ALL.len() * ALL_COMMANDS.len() - LEGAL.len());
    }

    #[test]
    fn members_and_closed_nominations_cannot_be_withdrawn() {
        for from in [
            S::Member,
            S::Rejected,
            S::Declined,
            S::InvitationDeclined,
            S::Expired,
            S::Withdrawn,
        ] {
            assert!(from.apply(C::Withdraw).is_err(), "{from}");
        }
    }

    #[test]
    fn closed_means_ended_without_a_member() {
        let closed: Vec<_> = Status::ALL.into_iter().filter(|s| s.is_closed()).collect();
        assert_eq!(
            closed,
            [
                S::Rejected,
                S::Declined,
                S::InvitationDeclined,
                S::Expired,
                S::Withdrawn,
                S::NotConfirmed,
                S::Merged,
                S::Objected
            ]
        );
    }

    #[test]
    fn only_a_verified_nomination_holds_its_nominee() {
        let holding: Vec<_> = Status::ALL.into_iter().filter(|s| s.holds_nominee()).collect();
        assert_eq!(
            holding,
            [
                S::AwaitingVetting,
                S::InDiscussion,
                S::Confirmed,
                S::Invited,
                S::Member,
                S::AwaitingConsent
            ]
        );
    }

    #[test]
    fn an_objection_closes_and_nothing_moves_an_objected_nomination_again() {
        assert!(S::Objected.is_closed());
        for command in ALL_COMMANDS {
            assert!(S::Objected.apply(command).is_err(), "{command}");
        }
        for from in [S::Submitted, S::AwaitingVetting, S::Invited, S::Member, S::Withdrawn] {
            assert!(from.apply(C::Object).is_err(), "{from}");
        }
    }

    #[test]
    fn codes_match_the_serialised_names() {
        for status in Status::ALL {
            assert_eq!(serde_json::to_value(status).unwrap(), status.code());
        }
    }
}
