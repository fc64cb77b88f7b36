use chrono::{DateTime, Utc};
use iln_adapters::dynamodb::{Commit, NominationTable, RunProgress, StoreError};
use iln_adapters::telemetry::error_chain;
use iln_domain::delivery;
use iln_domain::discussion::{self, DiscussionRules};
use iln_domain::nominee_notice;
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
    /// Nominations whose nominee did not agree in time.
    pub expired_unanswered_notices: usize,
    /// `false`: this invocation stopped for time, and the next one (the
    /// continuation schedule) goes on from where it stopped; the counts
    /// are this invocation's.
    pub complete: bool,
}

impl Summary {
    /// The counts of a run over two of its invocations, `later` after this.
    pub fn followed_by(self, later: Summary) -> Summary {
        Summary {
            expired_unverified: self.expired_unverified + later.expired_unverified,
            expired_invitations: self.expired_invitations + later.expired_invitations,
            invitation_reminders: self.invitation_reminders + later.invitation_reminders,
            overdue_in_vetting: self.overdue_in_vetting + later.overdue_in_vetting,
            discussion_reminders: self.discussion_reminders + later.discussion_reminders,
            discussions_ended: self.discussions_ended + later.discussions_ended,
            failing_messages: self.failing_messages + later.failing_messages,
            expired_unanswered_notices: self.expired_unanswered_notices + later.expired_unanswered_notices,
            complete: later.complete,
        }
    }
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

/// The run's name in the table, where its progress is saved.
const RUN: &str = "reminders";

/// Progress is saved after this many actions (and whenever a run stops for
/// time): a run killed before a save redoes at most these, and every action
/// is conditional, so redoing one sends nothing twice.
const SAVE_EVERY: usize = 25;

/// The run's passes, in order: a run stopped part-way resumes in its pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pass {
    ExpireUnverified = 0,
    ExpireInvitations = 1,
    RemindInvitations = 2,
    Digest = 3,
    EndDiscussions = 4,
    RemindDiscussions = 5,
    FailingMessages = 6,
    /// Nominees asked for their agreement (`NomineeConsent`) who did not
    /// answer in time. Last, so that a run saved before it existed resumes
    /// in the same pass.
    ExpireUnansweredNotices = 7,
}

/// The daily run as its schedule starts it, within the invocation's time:
/// when `time_left` says so it saves where it stands and answers
/// `complete: false`; [`resume`] goes on from there. The same event again
/// (a retried invocation) goes on from where its run stopped, or does
/// nothing if that run finished.
pub async fn run_scheduled(
    app: &App,
    now: DateTime<Utc>,
    time_left: &mut (dyn FnMut() -> bool + Send),
) -> Result<Summary, RunError> {
    let saved = app.table.run_progress(RUN).await?;
    let mut progress = saved
        .filter(|progress| progress.run_at == now)
        .unwrap_or_else(|| RunProgress::starting(now));
    match progress.finished {
        true => Ok(Summary {
            complete: true,
            ..Summary::default()
        }),
        false => run_passes(app, &mut progress, time_left).await,
    }
}

/// Goes on with the last run if it stopped for time (the continuation
/// schedule), as of that run's instant; nothing when it finished.
pub async fn resume(app: &App, time_left: &mut (dyn FnMut() -> bool + Send)) -> Result<Summary, RunError> {
    match app.table.run_progress(RUN).await? {
        Some(mut progress) if !progress.finished => run_passes(app, &mut progress, time_left).await,
        _ => Ok(Summary {
            complete: true,
            ..Summary::default()
        }),
    }
}

/// Every pass from where `progress` stands, as of its instant. Each pass
/// acts on what is due in queue order; before each action it asks for time,
/// after it notes the nomination done.
async fn run_passes(
    app: &App,
    progress: &mut RunProgress,
    time_left: &mut (dyn FnMut() -> bool + Send),
) -> Result<Summary, RunError> {
    let now = progress.run_at;
    let mut summary = Summary::default();
    let mut passes = Passes {
        app,
        progress,
        time_left,
        since_save: 0,
    };
    let cutoff = now - app.thresholds.verification_expiry();
    for (position, nomination) in passes.due(Pass::ExpireUnverified, Status::Submitted, cutoff).await? {
        if !passes.time_for_another().await? {
            return Ok(stopped(summary));
        }
        summary.expired_unverified += usize::from(expire(app, &nomination, now).await?);
        passes.done(position).await?;
    }
    let cutoff = now - app.thresholds.invitation_expiry();
    for (position, nomination) in passes.due(Pass::ExpireInvitations, Status::Invited, cutoff).await? {
        if !passes.time_for_another().await? {
            return Ok(stopped(summary));
        }
        summary.expired_invitations += usize::from(expire(app, &nomination, now).await?);
        passes.done(position).await?;
    }
    let cutoff = now - app.thresholds.invitation_unanswered;
    for (position, nomination) in passes.due(Pass::RemindInvitations, Status::Invited, cutoff).await? {
        if !passes.time_for_another().await? {
            return Ok(stopped(summary));
        }
        // Keyed by round: a repeated run, or the next day's, sends nothing new.
        if let Some(reminder) = reminders::invitation_reminder(&nomination, &app.thresholds, now) {
            app.table.record_note(None, vec![reminder], now).await?;
            summary.invitation_reminders += 1;
        }
        passes.done(position).await?;
    }
    if passes.enter(Pass::Digest) {
        if !passes.time_for_another().await? {
            return Ok(stopped(summary));
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
        passes.leave(Pass::Digest);
    }
    for (position, nomination) in passes.due(Pass::EndDiscussions, Status::InDiscussion, now).await? {
        if !passes.time_for_another().await? {
            return Ok(stopped(summary));
        }
        summary.discussions_ended += usize::from(end_discussion(app, &nomination, now).await?);
        passes.done(position).await?;
    }
    let cutoff = now - app.thresholds.discussion_overdue;
    for (position, nomination) in passes
        .due(Pass::RemindDiscussions, Status::InDiscussion, cutoff)
        .await?
    {
        if !passes.time_for_another().await? {
            return Ok(stopped(summary));
        }
        let reminder = reminders::discussion_reminder(&nomination, app.rules.needed(), now);
        app.table.record_note(None, vec![reminder], now).await?;
        summary.discussion_reminders += 1;
        passes.done(position).await?;
    }
    if passes.enter(Pass::FailingMessages) {
        if !passes.time_for_another().await? {
            return Ok(stopped(summary));
        }
        for failing in app.table.failing_messages(delivery::ALERT_AFTER_ATTEMPTS).await? {
            if let Some(alert) = delivery::slow_delivery_alert(&failing.id, &failing.message, failing.attempts) {
                app.table.record_note(None, vec![alert], now).await?;
                summary.failing_messages += 1;
            }
        }
        passes.leave(Pass::FailingMessages);
    }
    let cutoff = now - nominee_notice::CONSENT_WINDOW;
    for (position, nomination) in passes
        .due(Pass::ExpireUnansweredNotices, Status::AwaitingConsent, cutoff)
        .await?
    {
        if !passes.time_for_another().await? {
            return Ok(stopped(summary));
        }
        summary.expired_unanswered_notices += usize::from(expire(app, &nomination, now).await?);
        passes.done(position).await?;
    }
    passes.finish().await?;
    summary.complete = true;
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

fn stopped(summary: Summary) -> Summary {
    tracing::info!(
        ?summary,
        "reminder run stopped for time: the next continuation resumes it"
    );
    summary
}

/// A run going through its passes, saving where it stands as it goes.
struct Passes<'a> {
    app: &'a App,
    progress: &'a mut RunProgress,
    time_left: &'a mut (dyn FnMut() -> bool + Send),
    since_save: usize,
}

impl Passes<'_> {
    /// Enters `pass`: `false` when the run is past it already.
    fn enter(&mut self, pass: Pass) -> bool {
        let pass = pass as u32;
        if self.progress.pass > pass {
            return false;
        }
        if self.progress.pass < pass {
            self.progress.pass = pass;
            self.progress.after = None;
        }
        true
    }

    /// Past a pass that is one action: a resumed run does not repeat it.
    fn leave(&mut self, pass: Pass) {
        self.progress.pass = pass as u32 + 1;
        self.progress.after = None;
    }

    /// What `pass` still has to act on: each nomination `status` has held
    /// since before `cutoff`, in queue order, after the last one done.
    async fn due(
        &mut self,
        pass: Pass,
        status: Status,
        cutoff: DateTime<Utc>,
    ) -> Result<Vec<(String, Nomination)>, RunError> {
        if !self.enter(pass) {
            return Ok(Vec::new());
        }
        Ok(self
            .app
            .table
            .due_after(status, cutoff, self.progress.after.as_deref())
            .await?)
    }

    /// Whether another action fits; when not, where the run stands is saved.
    async fn time_for_another(&mut self) -> Result<bool, RunError> {
        if (self.time_left)() {
            return Ok(true);
        }
        self.save_progress().await?;
        Ok(false)
    }

    /// The nomination at `position` is done.
    async fn done(&mut self, position: String) -> Result<(), RunError> {
        self.progress.after = Some(position);
        self.since_save += 1;
        if self.since_save == SAVE_EVERY {
            self.save_progress().await?;
        }
        Ok(())
    }

    async fn save_progress(&mut self) -> Result<(), RunError> {
        self.since_save = 0;
        Ok(self.app.table.save_run_progress(RUN, self.progress).await?)
    }

    async fn finish(&mut self) -> Result<(), RunError> {
        self.progress.finished = true;
        self.save_progress().await
    }
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
