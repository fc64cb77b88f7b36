//! Delivers every message the table's stream announces, once: e-mail through
//! SES, cards and notes through Slack's Web API. A schedule sweeps up what
//! the stream did not deliver; SES's bounce and complaint events come back
//! here through SNS.

mod config;
mod handler;
mod mail_events;
mod trigger;

pub use config::Config;
pub use handler::{App, Deadline, Outcome, SlackChannels, SweepSummary, deliver, handle, sweep};
pub use mail_events::{MailEventsSummary, handle_mail_events};
pub use trigger::{Trigger, run};
