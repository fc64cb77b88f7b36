//! What a nominator may know of where their nomination stands: its stage,
//! and nothing more. No finding, no name, no reason and no outcome: a
//! nomination that ended is "concluded", whether its nominee became a member
//! or not.

use serde::Serialize;

use crate::lifecycle::Status;

/// The stages a nominator's status page shows, in the order a nomination
/// passes through them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Submitted; the nominator has not yet confirmed their address.
    Received,
    /// The nominator confirmed their address. Where it stays for a
    /// nomination recorded as support of another one of the same person
    /// (`merged`): saying more would tell the nominator someone else
    /// nominated them too.
    Verified,
    /// IMI is vetting it.
    BeingReviewed,
    /// The ILN discusses it, or has, and it is not over yet.
    Discussed,
    /// It has ended, however it ended.
    Concluded,
}

impl Stage {
    pub const ALL: [Stage; 5] = [
        Stage::Received,
        Stage::Verified,
        Stage::BeingReviewed,
        Stage::Discussed,
        Stage::Concluded,
    ];

    /// The stage of every status, without a catch-all: a new status does not
    /// compile until someone decides what its nominator is shown.
    pub fn of(status: Status) -> Self {
        match status {
            Status::Submitted => Stage::Received,
            Status::Merged => Stage::Verified,
            // Waiting for the nominee's agreement is still the review, to the nominator.
            Status::AwaitingVetting | Status::AwaitingConsent => Stage::BeingReviewed,
            Status::InDiscussion | Status::Confirmed | Status::Invited => Stage::Discussed,
            Status::Member
            | Status::Rejected
            | Status::Declined
            | Status::InvitationDeclined
            | Status::Expired
            | Status::Withdrawn
            | Status::NotConfirmed
            | Status::Objected => Stage::Concluded,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Stage::Received => "received",
            Stage::Verified => "verified",
            Stage::BeingReviewed => "being_reviewed",
            Stage::Discussed => "discussed",
            Stage::Concluded => "concluded",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nomination_passes_the_stages_in_order_as_it_moves_towards_membership() {
        let path = [
            Status::Submitted,
            Status::AwaitingVetting,
            Status::InDiscussion,
            Status::Confirmed,
            Status::Invited,
            Status::Member,
        ];
        let stages: Vec<Stage> = path.into_iter().map(Stage::of).collect();
        assert!(stages.windows(2).all(|pair| pair[0] <= pair[1]), "{stages:?}");
        assert_eq!(stages.first(), Some(&Stage::Received));
        assert_eq!(stages.last(), Some(&Stage::Concluded));
    }

    #[test]
    fn every_ending_is_the_same_concluded_stage_so_the_outcome_is_not_told() {
        for status in Status::ALL
            .into_iter()
            .filter(|status| status.is_closed() && *status != Status::Merged)
        {
            assert_eq!(Stage::of(status), Stage::Concluded, "{status}");
        }
        assert_eq!(Stage::of(Status::Member), Stage::Concluded);
    }

    #[test]
    fn a_nomination_merged_into_another_shows_only_that_it_was_verified() {
        assert_eq!(Stage::of(Status::Merged), Stage::Verified);
    }

    #[test]
    fn open_nominations_are_never_concluded_and_closed_ones_always_past_review() {
        for status in Status::ALL {
            assert_eq!(
                Stage::of(status) == Stage::Concluded,
                !status.is_open() && status != Status::Merged,
                "{status}"
            );
        }
    }
}
