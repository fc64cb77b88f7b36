//! Adapters to what ILN Nominations talks to, each small and named for it.
//! Rules live in `iln-domain`; these only move data in and out.

pub mod config;
pub mod dynamodb;
pub mod http;
pub mod links;
pub mod metrics;
pub mod secrets;
pub mod ses;
pub mod slack;
pub mod telemetry;
pub mod tls;
