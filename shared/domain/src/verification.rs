//! What a click on a nominator's verification link does.
//!
//! A nomination holds its nominee only once it is verified: until then
//! several unverified nominations of one person may coexist, so that one
//! nobody confirms (a throwaway address) cannot block a genuine one. The
//! first to be verified holds the person; one verified later becomes an
//! endorsement of the holder.

use chrono::{DateTime, Utc};

use crate::audit::Actor;
use crate::lifecycle::{Command, Status};
use crate::nomination::{Nomination, NominationId};
use crate::step::{Effect, Holding, Step};
use crate::token::TokenHash;

/// A nomination holds at most this many endorsements: each is a few KiB in
/// its file, and nobody reads more.
pub const MAX_ENDORSEMENTS: usize = 50;

/// The verified nomination (or membership) that holds a person, as far as
/// a verification needs to know it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    pub nomination_id: NominationId,
    /// Whether the holder's nominator is the one verifying now.
    pub same_nominator: bool,
    /// Whether the one verifying now already endorses the holder.
    pub already_endorsed: bool,
    /// The holder's endorsements so far.
    pub endorsements: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verification {
    /// The click verifies: the first verified nomination of the person moves
    /// on to vetting and from now on holds the person; when another verified
    /// nomination holds them, this one closes as `merged`, recorded as an
    /// endorsement of the holder unless its nominator is the holder's,
    /// already endorses it, or it has [`MAX_ENDORSEMENTS`] (the step's
    /// [`Holding`] says which).
    Verifies(Box<Step>),
    /// A second click, or a click after the nomination moved on: nothing to do.
    AlreadyVerified,
    /// The link's 72 hours are over.
    Expired,
    /// The nomination ended before it was verified.
    Closed,
}

/// Decides a click on the link whose token hashes to `token` given the
/// token's state, the nomination's and who holds its nominee now.
pub fn verify_nominator(
    nomination: &Nomination,
    token: &TokenHash,
    token_spent: bool,
    valid_until: DateTime<Utc>,
    holder: Option<&Holder>,
    now: DateTime<Utc>,
) -> Verification {
    let status = nomination.status;
    let holding = match holder {
        Some(holder) if holder.nomination_id != nomination.id => Holding::MergesInto {
            holder: holder.nomination_id,
            endorses: !holder.same_nominator && !holder.already_endorsed && holder.endorsements < MAX_ENDORSEMENTS,
        },
        _ => Holding::Takes,
    };
    let (command, messages) = match holding {
        Holding::MergesInto { .. } => (Command::Merge, Vec::new()),
        Holding::Takes => (Command::VerifyNominatorEmail, crate::vetting::on_verified(nomination)),
    };
    match Step::take(nomination, command, Actor::Nominator, now) {
        _ if token_spent => Verification::AlreadyVerified,
        Ok(_) if now >= valid_until => Verification::Expired,
        Ok(step) => Verification::Verifies(Box::new(
            step.sending(messages)
                .spending(token.clone())
                .with_effect(Effect::Holds(holding)),
        )),
        Err(_) if status.is_open() || status == Status::Member || status == Status::Merged => {
            Verification::AlreadyVerified
        }
        Err(_) => Verification::Closed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Language;
    use chrono::Duration;

    fn at(hours: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap() + Duration::hours(hours)
    }

    fn nomination(status: Status) -> Nomination {
        crate::test_support::nomination(status, 1, Language::En)
    }

    fn token() -> TokenHash {
        TokenHash::of_presented(&"t".repeat(crate::token::TOKEN_LENGTH)).unwrap()
    }

    fn holder() -> Holder {
        Holder {
            nomination_id: NominationId::new(at(-10)),
            same_nominator: false,
            already_endorsed: false,
            endorsements: 0,
        }
    }

    #[test]
    fn a_first_click_in_time_verifies_and_posts_the_vetting_card() {
        let nomination = nomination(Status::Submitted);
        let Verification::Verifies(step) = verify_nominator(&nomination, &token(), false, at(72), None, at(71)) else {
            panic!("verifies");
        };
        assert_eq!(step.to, Status::AwaitingVetting);
        assert_eq!(step.messages.len(), 1);
        assert_eq!(step.effect, Effect::Holds(Holding::Takes));
        assert_eq!(step.spends_token, Some(token()));
    }

    #[test]
    fn a_click_when_another_verified_nomination_holds_the_person_merges_into_it() {
        let nomination = nomination(Status::Submitted);
        let held = holder();
        let verification = verify_nominator(&nomination, &token(), false, at(72), Some(&held), at(1));
        let Verification::Verifies(step) = verification else {
            panic!("merges: {verification:?}");
        };
        assert_eq!(
            (step.to, &step.effect),
            (
                Status::Merged,
                &Effect::Holds(Holding::MergesInto {
                    holder: held.nomination_id,
                    endorses: true
                })
            )
        );
        assert!(step.messages.is_empty(), "no card for a merged nomination");
    }

    #[test]
    fn a_merge_adds_no_endorsement_by_the_holders_own_nominator_a_second_one_or_a_fifty_first() {
        let nomination = nomination(Status::Submitted);
        for (case, held) in [
            (
                "same nominator",
                Holder {
                    same_nominator: true,
                    ..holder()
                },
            ),
            (
                "already endorsed",
                Holder {
                    already_endorsed: true,
                    ..holder()
                },
            ),
            (
                "fifty endorsements",
                Holder {
                    endorsements: MAX_ENDORSEMENTS,
                    ..holder()
                },
            ),
        ] {
            let verification = verify_nominator(&nomination, &token(), false, at(72), Some(&held), at(1));
            assert!(
                matches!(&verification, Verification::Verifies(step)
                    if matches!(step.effect, Effect::Holds(Holding::MergesInto { endorses: false, .. }))),
                "{case}: {verification:?}"
            );
        }
    }

    #[test]
    fn a_click_after_seventy_two_hours_has_expired() {
        let nomination = nomination(Status::Submitted);
        assert_eq!(
            verify_nominator(&nomination, &token(), false, at(72), None, at(72)),
            Verification::Expired
        );
        assert_eq!(
            verify_nominator(&nomination, &token(), false, at(72), Some(&holder()), at(72)),
            Verification::Expired
        );
    }

    #[test]
    fn a_second_click_is_already_verified_even_after_expiry() {
        for status in [Status::AwaitingVetting, Status::Merged] {
            assert_eq!(
                verify_nominator(&nomination(status), &token(), true, at(72), None, at(100)),
                Verification::AlreadyVerified
            );
        }
        let holding_itself = nomination(Status::InDiscussion);
        let itself = Holder {
            nomination_id: holding_itself.id,
            ..holder()
        };
        assert_eq!(
            verify_nominator(&holding_itself, &token(), false, at(72), Some(&itself), at(1)),
            Verification::AlreadyVerified
        );
    }

    #[test]
    fn a_click_on_an_ended_nomination_says_it_is_closed() {
        for status in [Status::Expired, Status::Withdrawn, Status::Rejected] {
            assert_eq!(
                verify_nominator(&nomination(status), &token(), false, at(72), None, at(1)),
                Verification::Closed,
                "{status}"
            );
        }
    }
}
