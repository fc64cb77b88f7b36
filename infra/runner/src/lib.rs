//! Runs ILN Nominations on one machine, as AWS would: the HTTP routes of
//! `template.yaml` through the same handlers as the Lambda binaries (API
//! Gateway HTTP API payload 2.0), the table declared there, and the table's
//! stream fed to the outbox function through the filters, batches and retry
//! limits of its event source mapping.

pub mod authorizer;
pub mod event_filter;
pub mod functions;
pub mod gateway;
pub mod identity_provider;
pub mod local;
pub mod mailbox_simulator;
pub mod schedules;
pub mod slack_standin;
pub mod stream;
pub mod table;
pub mod template;
pub mod ttl;

pub use functions::Functions;
pub use template::Template;
