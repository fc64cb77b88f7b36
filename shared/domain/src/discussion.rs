//! The ILN's discussion of an approved nomination: its window, the
//! confirmations, the concerns that hold it, the conflicts members declare,
//! and a referral to the Independent Advisory Committee (IAC).

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::audit::Actor;
use crate::confirmation::Confirmation;
use crate::slack::interaction::SlackUserId;

/// How the ILN confirms a nomination.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfirmationMode {
    /// Confirmed as soon as `quorum` distinct eligible members confirm and no
    /// concern is open.
    Quorum { quorum: usize },
    /// Confirmed when the window ends with no open concern and at least
    /// `minimum` confirmations (0 allowed).
    LazyConsensus { minimum: usize },
}

/// The deployment's rules for every discussion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DiscussionRules {
    pub mode: ConfirmationMode,
    /// How long a discussion stays open after approval.
    pub window: Duration,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BadRules {
    #[error("ConfirmationMode must be `quorum` or `lazy_consensus`, not {0:?}")]
    UnknownMode(String),
    #[error("a quorum of confirmations must be at least 1")]
    QuorumOfZero,
    #[error("a discussion lasts at least one day")]
    NoWindow,
}

impl DiscussionRules {
    /// From the template's `ConfirmationMode`, `ConfirmationQuorum`,
    /// `MinimumConfirmations` and `DiscussionDays`.
    pub fn parse(mode: &str, quorum: usize, minimum: usize, days: i64) -> Result<Self, BadRules> {
        let mode = match mode.trim() {
            "quorum" if quorum == 0 => return Err(BadRules::QuorumOfZero),
            "quorum" => ConfirmationMode::Quorum { quorum },
            "lazy_consensus" => ConfirmationMode::LazyConsensus { minimum },
            other => return Err(BadRules::UnknownMode(other.to_owned())),
        };
        if days < 1 {
            return Err(BadRules::NoWindow);
        }
        Ok(Self {
            mode,
            window: Duration::days(days),
        })
    }

    /// How many confirmations the card shows as needed.
    pub fn needed(&self) -> usize {
        match self.mode {
            ConfirmationMode::Quorum { quorum } => quorum,
            ConfirmationMode::LazyConsensus { minimum } => minimum,
        }
    }

    /// A discussion opened now.
    pub fn open(&self, now: DateTime<Utc>) -> Discussion {
        Discussion {
            opened_at: now,
            ends_at: now + self.window,
            ..Discussion::default()
        }
    }
}

/// Where the ILN's discussion of one nomination stands.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Discussion {
    pub opened_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    #[serde(default)]
    pub confirmations: Vec<Confirmation>,
    #[serde(default)]
    pub concerns: Vec<Concern>,
    #[serde(default)]
    pub conflicts: Vec<Conflict>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referral: Option<Referral>,
}

/// A concern raised in the ILN channel. Open until a vetter resolves it or
/// the IAC's outcome settles it; while open, nothing confirms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Concern {
    /// The raiser and a digest of the text: the same concern sent twice is
    /// one concern.
    pub id: String,
    pub by: SlackUserId,
    pub text: String,
    pub at: DateTime<Utc>,
    /// Raised with "Decline": the member asks that the nomination not go
    /// ahead.
    #[serde(default)]
    pub asks_not_to_proceed: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution: Option<Resolution>,
}

impl Concern {
    pub fn is_open(&self) -> bool {
        self.resolution.is_none()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resolution {
    pub by: Actor,
    pub note: String,
    pub at: DateTime<Utc>,
}

/// A member who declared a conflict of interest: they no longer confirm,
/// raise concerns or count for this nomination.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conflict {
    pub by: SlackUserId,
    pub at: DateTime<Utc>,
}

/// The nomination sent to the IAC: confirmation is frozen until an
/// administrator records the IAC's outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Referral {
    pub by: Actor,
    pub reason: String,
    pub at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<IacOutcome>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IacDecision {
    Proceed,
    DoNotProceed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IacOutcome {
    pub decision: IacDecision,
    pub note: String,
    pub by: Actor,
    pub at: DateTime<Utc>,
}

impl Discussion {
    pub fn has_conflict(&self, user: &SlackUserId) -> bool {
        self.conflicts.iter().any(|conflict| &conflict.by == user)
    }

    /// Confirmations that count: none from a member who declared a conflict.
    pub fn counted_confirmations(&self) -> impl Iterator<Item = &Confirmation> {
        self.confirmations.iter().filter(|c| !self.has_conflict(&c.by))
    }

    pub fn open_concerns(&self) -> impl Iterator<Item = &Concern> {
        self.concerns.iter().filter(|concern| concern.is_open())
    }

    /// Referred to the IAC and not yet answered: confirmation is frozen.
    pub fn awaits_iac(&self) -> bool {
        self.referral
            .as_ref()
            .is_some_and(|referral| referral.outcome.is_none())
    }

    pub fn window_ended(&self, now: DateTime<Utc>) -> bool {
        now >= self.ends_at
    }
}
