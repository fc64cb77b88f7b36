//! SES's bounce and complaint events, published by the configuration set to
//! SNS: the address is suppressed, the message set aside and reported, and
//! a nomination whose verification cannot be delivered is closed.

use aws_lambda_events::event::sns::SnsEvent;
use chrono::{DateTime, Utc};
use iln_adapters::dynamodb::StoreError;
use iln_adapters::ses;
use iln_adapters::telemetry::error_chain;
use iln_domain::delivery::{self, MailEvent};

use crate::handler::{App, Outcome, set_aside};

/// What one batch of SES events changed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct MailEventsSummary {
    pub events: usize,
    pub suppressed: usize,
    pub set_aside: usize,
}

/// Applies each SES event once (applying one again changes nothing). A
/// store failure fails the invocation, and SNS's asynchronous invocation
/// is retried by Lambda.
pub async fn handle_mail_events(
    app: &App,
    event: SnsEvent,
    now: DateTime<Utc>,
) -> Result<MailEventsSummary, StoreError> {
    let mut summary = MailEventsSummary::default();
    for record in event.records {
        match ses::parse_event(&record.sns.message) {
            Ok(Some(event)) => {
                summary.events += 1;
                apply(app, &event, now, &mut summary).await?;
            }
            Ok(None) => {}
            // Never logged whole: it holds addresses.
            Err(error) => tracing::error!(error = %error_chain(&error), "SES event unreadable; skipped"),
        }
    }
    tracing::info!(?summary, "SES events applied");
    Ok(summary)
}

async fn apply(
    app: &App,
    event: &MailEvent,
    now: DateTime<Utc>,
    summary: &mut MailEventsSummary,
) -> Result<(), StoreError> {
    let effects = delivery::mail_event_effects(event);
    let Some(reason) = effects.set_aside else {
        return Ok(());
    };
    app.table.suppress(&effects.suppress, reason, now).await?;
    summary.suppressed += effects.suppress.len();
    let Some(id) = &event.message else {
        tracing::warn!(reason = reason.code(), "SES event names no outbox message");
        return Ok(());
    };
    let Some(entry) = app.table.outbox_message(id).await? else {
        return Ok(());
    };
    if set_aside(app, &entry.message, reason, "reported by SES after sending", now).await? == Outcome::SetAside {
        summary.set_aside += 1;
    }
    Ok(())
}
