//! What a click on a nominator's verification link does.

use chrono::{DateTime, Utc};

use crate::lifecycle::{Command, Status};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verification {
    /// The address is verified now: move the nomination to `to`.
    Verify { to: Status },
    /// A second click, or a click after the nomination moved on: nothing to do.
    AlreadyVerified,
    /// The link's 72 hours are over.
    Expired,
    /// The nomination ended before it was verified.
    Closed,
}

/// Decides a click given the token's state and the nomination's.
pub fn verify_nominator(
    status: Status,
    token_spent: bool,
    valid_until: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Verification {
    match status.apply(Command::VerifyNominatorEmail) {
        _ if token_spent => Verification::AlreadyVerified,
        Ok(_) if now >= valid_until => Verification::Expired,
        Ok(to) => Verification::Verify { to },
        Err(_) if status.is_open() || status == Status::Member => Verification::AlreadyVerified,
        Err(_) => Verification::Closed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn at(hours: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap() + Duration::hours(hours)
    }

    #[test]
    fn a_first_click_in_time_verifies() {
        assert_eq!(
            verify_nominator(Status::Submitted, false, at(72), at(71)),
            Verification::Verify {
                to: Status::AwaitingVetting
            }
        );
    }

    #[test]
    fn a_click_after_seventy_two_hours_has_expired() {
        assert_eq!(
            verify_nominator(Status::Submitted, false, at(72), at(72)),
            Verification::Expired
        );
    }

    #[test]
    fn a_second_click_is_already_verified_even_after_expiry() {
        assert_eq!(
            verify_nominator(Status::AwaitingVetting, true, at(72), at(100)),
            Verification::AlreadyVerified
        );
        assert_eq!(
            verify_nominator(Status::InDiscussion, false, at(72), at(1)),
            Verification::AlreadyVerified
        );
    }

    #[test]
    fn a_click_on_an_ended_nomination_says_it_is_closed() {
        for status in [Status::Expired, Status::Withdrawn, Status::Rejected] {
            assert_eq!(
                verify_nominator(status, false, at(72), at(1)),
                Verification::Closed,
                "{status}"
            );
        }
    }
}
