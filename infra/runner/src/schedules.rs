//! EventBridge Scheduler's part: the reminder function's daily schedule and
//! its continuation schedule, each invocation within the function's timeout
//! as on Lambda (`template.yaml`).

use chrono::{DateTime, Utc};
use reminders::{RunError, Summary};

use crate::functions::REMINDERS_FUNCTION;
use crate::gateway::{deadline_after, function_timeout};

/// The daily schedule's invocation for the event of `at`: the run stops
/// for time as it would on Lambda.
pub async fn daily_invocation(app: &reminders::App, at: DateTime<Utc>) -> Result<Summary, RunError> {
    let mut time_left = reminders::time_left_until(deadline_after(function_timeout(REMINDERS_FUNCTION)));
    reminders::run_scheduled(app, at, &mut time_left).await
}

/// The continuation schedule's invocation: goes on with a run that stopped
/// for time, or reads that there is nothing to go on with.
pub async fn continuation(app: &reminders::App) -> Result<Summary, RunError> {
    let mut time_left = reminders::time_left_until(deadline_after(function_timeout(REMINDERS_FUNCTION)));
    reminders::resume(app, &mut time_left).await
}

/// The daily run at `at` to its end: the daily invocation, then the
/// continuation schedule's invocations until the run is complete (on AWS
/// ten minutes apart; here one after another). The counts of all of them.
pub async fn daily_run(app: &reminders::App, at: DateTime<Utc>) -> Result<Summary, RunError> {
    let mut run = daily_invocation(app, at).await?;
    while !run.complete {
        run = run.followed_by(continuation(app).await?);
    }
    Ok(run)
}
