//! The staff's commands on nominations and members, shared by the staff API (JSON) and
//! the staff console (pages): each reads what it needs, asks the domain for
//! the step, and commits it in one write. Only how a request arrives and
//! how the answer is shown differ between the two.

use chrono::{DateTime, Utc};
use iln_domain::discussion::{DiscussionRefused, DiscussionRules};
use iln_domain::membership::{self, Member, MemberId};
use iln_domain::staff::Staff;
use iln_domain::step::Step;
use iln_domain::vetting::{Decider, Decision, DecisionRefused, Reason};
use iln_domain::{EmailAddress, Nomination, NominationId};

use crate::dynamodb::{Commit, Dossier, MoveError, NominationTable, StoreError, retry_on_conflict};

/// Why a command did not happen.
#[derive(Debug, thiserror::Error)]
pub enum CommandRefused {
    #[error("no such nomination")]
    NotFound,
    /// Not this person's to do (a decision on a nomination they made or
    /// endorsed, or without a verified address to tell).
    #[error("{0}")]
    Forbidden(String),
    /// The nomination is not where the command expected it: read at
    /// another version, not open to this move, or moved by someone else
    /// meanwhile. `now` is where it stands.
    #[error("{message}")]
    Conflict { message: String, now: Box<Nomination> },
    /// Not possible in the state the thing is in (a member no longer
    /// active, derecognised meanwhile).
    #[error("{0}")]
    NotNow(String),
    /// The concern named is not open on the nomination (resolved meanwhile,
    /// or never raised).
    #[error("no such open concern on this nomination")]
    NoSuchConcern,
    #[error(transparent)]
    Store(#[from] StoreError),
}

async fn dossier(table: &NominationTable, id: NominationId) -> Result<Dossier, CommandRefused> {
    table.dossier(id).await?.ok_or(CommandRefused::NotFound)
}

fn conflict(nomination: &Nomination, message: &str) -> CommandRefused {
    CommandRefused::Conflict {
        message: message.to_owned(),
        now: Box::new(nomination.clone()),
    }
}

/// Writes `step`; when another writer moved the nomination first, says
/// where it stands now.
async fn commit(table: &NominationTable, step: &Step, lost_race: &str) -> Result<(), CommandRefused> {
    match table.commit(step).await? {
        Commit::Written => Ok(()),
        Commit::Raced => Err(conflict(&dossier(table, step.id()).await?.nomination, lost_race)),
    }
}

/// A vetter's decision on the nomination read at `expected_version`.
#[tracing::instrument(skip_all, fields(nomination_id = %id))]
pub async fn decide(
    table: &NominationTable,
    staff: &Staff,
    id: NominationId,
    decision: &Decision,
    expected_version: u64,
    rules: &DiscussionRules,
    now: DateTime<Utc>,
) -> Result<Step, CommandRefused> {
    // Who decides must be known by address: the nominator and the endorsers
    // may not decide, and only an address tells them apart.
    let email = staff.email.as_ref().ok_or_else(|| {
        CommandRefused::Forbidden(
            "a decision needs your verified e-mail address in the token (its email claim)".to_owned(),
        )
    })?;
    let dossier = dossier(table, id).await?;
    let actor = iln_domain::audit::Actor::Vetter(staff.subject.clone());
    let step = iln_domain::vetting::decide(
        &dossier.nomination,
        &dossier.endorsers(),
        Decider { actor: &actor, email },
        decision,
        expected_version,
        rules,
        now,
    )
    .map_err(|refused| match refused {
        DecisionRefused::DecidedByNominatorOrEndorser => CommandRefused::Forbidden(refused.to_string()),
        DecisionRefused::Stale { .. } | DecisionRefused::Illegal(_) => {
            conflict(&dossier.nomination, &refused.to_string())
        }
    })?;
    commit(table, &step, "another decision was recorded first").await?;
    tracing::info!(command = %decision.command(), to = %step.to, "decision recorded");
    Ok(step)
}

/// Lost races to concurrent ILN confirmations before the store counts as
/// contended.
const DISCUSSION_ATTEMPTS: u32 = 5;

/// A step on the ILN's discussion that staff take (resolving a concern,
/// referring to the IAC, recording its outcome): read, decided by
/// `decide`, committed, and read again if an ILN member's click landed in
/// between. A concurrent confirmation is no reason to refuse; a refusal
/// says where the nomination stands.
///
/// The retries are boxed: inline, their read-and-commit futures nest deeper
/// in every caller's than rustc lays out by default.
#[tracing::instrument(skip_all, fields(nomination_id = %id))]
pub async fn discuss(
    table: &NominationTable,
    id: NominationId,
    decide: impl Fn(&Nomination) -> Result<Step, DiscussionRefused>,
) -> Result<Step, CommandRefused> {
    let attempt = || async {
        let dossier = dossier(table, id).await?;
        let step = decide(&dossier.nomination).map_err(|refused| match refused {
            DiscussionRefused::NoOpenConcern(_) => CommandRefused::NoSuchConcern,
            other => conflict(&dossier.nomination, &other.to_string()),
        })?;
        Ok(match table.commit(&step).await? {
            Commit::Raced => None,
            Commit::Written => Some(step),
        })
    };
    Box::pin(retry_on_conflict(DISCUSSION_ATTEMPTS, attempt)).await
}

/// An admin withdraws an open nomination.
#[tracing::instrument(skip_all, fields(nomination_id = %id))]
pub async fn withdraw(
    table: &NominationTable,
    staff: &Staff,
    id: NominationId,
    reason: &Reason,
    now: DateTime<Utc>,
) -> Result<Step, CommandRefused> {
    let dossier = dossier(table, id).await?;
    let by = iln_domain::audit::Actor::Admin(staff.subject.clone());
    let step = iln_domain::vetting::withdraw(&dossier.nomination, by, Some(reason), now)
        .map_err(|refusal| conflict(&dossier.nomination, &refusal.to_string()))?;
    commit(table, &step, "the nomination changed meanwhile").await?;
    Ok(step)
}

/// An admin derecognises an active member, referring the matter to the IAC
/// when asked; the member is told, and removed from the ILN channel.
#[tracing::instrument(skip_all, fields(member_id = %id))]
pub async fn derecognize(
    table: &NominationTable,
    admin: &Staff,
    id: MemberId,
    reason: &Reason,
    refer_to_iac: bool,
    iac: &EmailAddress,
    now: DateTime<Utc>,
) -> Result<Member, CommandRefused> {
    let member = table.member(id).await?.ok_or(CommandRefused::NotFound)?;
    let change = membership::derecognize(&member, &admin.subject, reason, refer_to_iac, iac, now)
        .map_err(|refused| CommandRefused::NotNow(refused.to_string()))?;
    match table.derecognize(&member, change, now).await {
        Ok(()) => Ok(member),
        Err(MoveError::Conflict) => Err(CommandRefused::NotNow("the member is already derecognised".to_owned())),
        Err(MoveError::Store(error)) => Err(error.into()),
    }
}

/// An admin sends the nominee a new invitation link; delivering it makes
/// the earlier one stop working.
#[tracing::instrument(skip_all, fields(nomination_id = %id))]
pub async fn resend_invitation(
    table: &NominationTable,
    admin: &Staff,
    id: NominationId,
    now: DateTime<Utc>,
) -> Result<Nomination, CommandRefused> {
    let nomination = table.nomination(id).await?.ok_or(CommandRefused::NotFound)?;
    let (audit, message) = membership::resend(&nomination, &admin.subject, now)
        .map_err(|refused| conflict(&nomination, &refused.to_string()))?;
    table
        .record_note(Some((nomination.id, audit)), vec![message], now)
        .await?;
    Ok(nomination)
}

/// An admin withdraws an invitation not yet answered.
#[tracing::instrument(skip_all, fields(nomination_id = %id))]
pub async fn revoke_invitation(
    table: &NominationTable,
    admin: &Staff,
    id: NominationId,
    now: DateTime<Utc>,
) -> Result<Step, CommandRefused> {
    let nomination = table.nomination(id).await?.ok_or(CommandRefused::NotFound)?;
    let step = membership::revoke(&nomination, &admin.subject, now)
        .map_err(|refused| conflict(&nomination, &refused.to_string()))?;
    match table.commit(&step).await? {
        Commit::Written => Ok(step),
        Commit::Raced => Err(conflict(&nomination, "the invitation changed meanwhile")),
    }
}
