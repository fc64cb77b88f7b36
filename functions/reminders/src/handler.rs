use chrono::{DateTime, Utc};
use iln_adapters::dynamodb::{Commit, NominationTable, StoreError};
use iln_adapters::telemetry::error_chain;
use iln_domain::delivery;
use iln_domain::discussion::{self, DiscussionRules};
use iln_domain::reminders::{self, Thresholds};
use iln_domain::{EmailAddress, Nomination, Status};
use lambda_runtime::Diagnostic;
use serde::Serialize;

pub struct App {
    pub table: NominationTable,
    pub thresholds: Thresholds,
    pub vetters_address: Option<EmailAddress>,
    pub rules: DiscussionRules,
}

/// What a run did, for the log and the invocation result.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub expired_unverified: usize,
    pub expired_invitations: usize,
    pub invitation_reminders: usize,
    pub overdue_in_vetting: usize,
    pub discussion_reminders: usize,
    /// Discussions whose window ended: confirmed or not confirmed.
    pub discussions_ended: usize,
    pub failing_messages: usize,
}

/// A run that failed part-way: everything it did stays done, and running it
/// again finishes the rest without repeating anything.
#[derive(Debug, thiserror::Error)]
#[error("the reminder run failed; it is safe to run again")]
pub struct RunError(#[from] StoreError);

impl RunError {
    /// DynamoDB unreachable, throttled or contended passes; an item that
    /// does not read as a record will not read better on a retry.
    pub fn is_retryable(&self) -> bool {
        !matches!(self.0, StoreError::Corrupt { .. })
    }
}

impl From<RunError> for Diagnostic {
    fn from(error: RunError) -> Self {
        tracing::error!(error = %error_chain(&error), "reminder run failed");
        let error_type = if error.is_retryable() {
            "Retryable"
        } else {
            "NotRetryable"
        };
        Diagnostic {
            error_type: error_type.into(),
            error_message: error.to_string(),
        }
    }
}

/// Everything due at `now`, acted on once.
pub async fn run(app: &App, now: DateTime<Utc>) -> Result<Summary, RunError> {
    let mut summary = Summary::default();
    for nomination in app
        .table
        .due(Status::Submitted, now - app.thresholds.verification_expiry())
        .await?
    {
        summary.expired_unverified += usize::from(expire(app, &nomination, now).await?);
    }
    for nomination in app
        .table
        .due(Status::Invited, now - app.thresholds.invitation_expiry())
        .await?
    {
        summary.expired_invitations += usize::from(expire(app, &nomination, now).await?);
    }
    for nomination in app
        .table
        .due(Status::Invited, now - app.thresholds.invitation_unanswered)
        .await?
    {
        // Keyed by round: a repeated run, or the next day's, sends nothing new.
        if let Some(reminder) = reminders::invitation_reminder(&nomination, &app.thresholds, now) {
            app.table.record_note(None, vec![reminder], now).await?;
            summary.invitation_reminders += 1;
        }
    }
    let overdue = app
        .table
        .due(Status::AwaitingVetting, now - app.thresholds.vetting_overdue)
        .await?;
    summary.overdue_in_vetting = overdue.len();
    if !overdue.is_empty() {
        let digest = reminders::vetting_digest(&overdue, app.vetters_address.as_ref(), now);
        app.table.record_note(None, digest, now).await?;
    }
    for nomination in app.table.due(Status::InDiscussion, now).await? {
        summary.discussions_ended += usize::from(end_discussion(app, &nomination, now).await?);
    }
    for nomination in app
        .table
        .due(Status::InDiscussion, now - app.thresholds.discussion_overdue)
        .await?
    {
        let reminder = reminders::discussion_reminder(&nomination, app.rules.needed(), now);
        app.table.record_note(None, vec![reminder], now).await?;
        summary.discussion_reminders += 1;
    }
    for failing in app.table.failing_messages(delivery::ALERT_AFTER_ATTEMPTS).await? {
        if let Some(alert) = delivery::slow_delivery_alert(&failing.id, &failing.message, failing.attempts) {
            app.table.record_note(None, vec![alert], now).await?;
            summary.failing_messages += 1;
        }
    }
    tracing::info!(?summary, "reminder run done");
    Ok(summary)
}

/// `true` when this run settled a discussion whose window ended; `false`
/// while it is still open or held, or when it moved meanwhile (the next run
/// looks again).
async fn end_discussion(app: &App, nomination: &Nomination, now: DateTime<Utc>) -> Result<bool, RunError> {
    let Some(step) = discussion::end_of_window(nomination, &app.rules, now) else {
        return Ok(false);
    };
    Ok(app.table.commit(&step).await? == Commit::Written)
}

/// `true` when this run expired it; `false` when it moved meanwhile.
async fn expire(app: &App, nomination: &Nomination, now: DateTime<Utc>) -> Result<bool, RunError> {
    let Ok(step) = reminders::expire(nomination, now) else {
        return Ok(false);
    };
    Ok(app.table.commit(&step).await? == Commit::Written)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::de::Error as _;

    #[test]
    fn a_contended_run_is_retried_and_an_unreadable_item_is_not() {
        let contended: Diagnostic = RunError(StoreError::Contended).into();
        let unreadable: Diagnostic = RunError(StoreError::Corrupt {
            key: "NOMINATION#x".to_owned(),
            source: serde_dynamo::Error::custom("missing field `status`"),
        })
        .into();

        assert_eq!(contended.error_type, "Retryable");
        assert_eq!(unreadable.error_type, "NotRetryable");
    }
}
