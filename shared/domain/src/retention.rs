//! How long a closed nomination is kept before TTL removes it. What never
//! reached the ILN channel (rejected, expired or withdrawn before
//! discussion, merged) and what the nominee objected to are kept
//! `ClosedBeforeDiscussionRetentionDays`; the rest `RetentionDays`.

use chrono::{DateTime, Duration, Utc};

use crate::lifecycle::Status;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    discussed: Duration,
    before_discussion: Duration,
}

/// A retention outside 1–3,650 days, or a shorter life for what was
/// discussed than for what was not.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("retention must be 1 to 3650 days, and what closed before discussion kept no longer than what was discussed")]
pub struct InvalidRetention;

impl Retention {
    pub const DEFAULT_DAYS: i64 = 365;
    pub const DEFAULT_BEFORE_DISCUSSION_DAYS: i64 = 30;

    pub fn new(days: i64, before_discussion_days: i64) -> Result<Self, InvalidRetention> {
        let valid = |days: i64| (1..=3_650).contains(&days);
        if !valid(days) || !valid(before_discussion_days) || before_discussion_days > days {
            return Err(InvalidRetention);
        }
        Ok(Self {
            discussed: Duration::days(days),
            before_discussion: Duration::days(before_discussion_days),
        })
    }

    /// When a nomination moving `from` → `to` at `at` is removed; `None`
    /// while it is open or a member (kept).
    pub fn expires_at(&self, from: Status, to: Status, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        if !to.is_closed() {
            return None;
        }
        let reached_the_channel = matches!(from, Status::InDiscussion | Status::Confirmed | Status::Invited);
        let kept = match to == Status::Objected || !reached_the_channel {
            true => self.before_discussion,
            false => self.discussed,
        };
        Some(at + kept)
    }

    /// The two periods in days: what was discussed, what closed before.
    pub fn days(&self) -> (i64, i64) {
        (self.discussed.num_days(), self.before_discussion.num_days())
    }

    /// What a record kept after erasure lives: the longer period, as erasure
    /// does not say how the nomination ended.
    pub fn longest(&self) -> Duration {
        self.discussed
    }
}

impl Default for Retention {
    fn default() -> Self {
        Self {
            discussed: Duration::days(Self::DEFAULT_DAYS),
            before_discussion: Duration::days(Self::DEFAULT_BEFORE_DISCUSSION_DAYS),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Status as S;

    fn at() -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap()
    }

    fn kept_days(from: Status, to: Status) -> Option<i64> {
        let retention = Retention::new(365, 30).unwrap();
        retention
            .expires_at(from, to, at())
            .map(|until| (until - at()).num_days())
    }

    #[test]
    fn what_closed_before_the_ilns_discussion_is_kept_thirty_days() {
        for (from, to) in [
            (S::AwaitingVetting, S::Rejected),
            (S::Submitted, S::Expired),
            (S::AwaitingConsent, S::Expired),
            (S::Submitted, S::Withdrawn),
            (S::AwaitingVetting, S::Withdrawn),
            (S::AwaitingConsent, S::Withdrawn),
            (S::AwaitingConsent, S::Objected),
            (S::Submitted, S::Merged),
        ] {
            assert_eq!(kept_days(from, to), Some(30), "{from} → {to}");
        }
    }

    #[test]
    fn an_objection_is_kept_thirty_days_even_after_the_channel_saw_it() {
        assert_eq!(kept_days(S::InDiscussion, S::Objected), Some(30));
        assert_eq!(kept_days(S::Confirmed, S::Objected), Some(30));
    }

    #[test]
    fn what_the_ilns_discussed_is_kept_a_year() {
        for (from, to) in [
            (S::InDiscussion, S::Declined),
            (S::InDiscussion, S::NotConfirmed),
            (S::InDiscussion, S::Withdrawn),
            (S::Confirmed, S::Withdrawn),
            (S::Invited, S::InvitationDeclined),
            (S::Invited, S::Expired),
        ] {
            assert_eq!(kept_days(from, to), Some(365), "{from} → {to}");
        }
    }

    #[test]
    fn open_nominations_and_members_are_kept() {
        assert_eq!(kept_days(S::AwaitingVetting, S::InDiscussion), None);
        assert_eq!(kept_days(S::Invited, S::Member), None);
    }

    #[test]
    fn a_retention_out_of_range_or_shorter_for_the_discussed_is_refused() {
        assert_eq!(Retention::new(0, 0), Err(InvalidRetention));
        assert_eq!(Retention::new(30, 60), Err(InvalidRetention));
        assert_eq!(Retention::new(365, 0), Err(InvalidRetention));
        assert_eq!(Retention::default(), Retention::new(365, 30).unwrap());
    }
}
