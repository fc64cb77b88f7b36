//! The end-to-end tests, one module per area of the process. They are one
//! test binary rather than one per file: each binary links the whole system
//! (every function, the SDKs, the runner), so seventeen of them meant
//! seventeen long links for every change to the harness. nextest still runs
//! each test in its own process.

// Test code only: clippy's allow-*-in-tests covers #[test] functions, not
// the helpers beside them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod acknowledgement;
mod console;
mod console_discussion;
mod console_roster;
mod corrections;
mod coverage;
mod data_protection;
mod delivery;
mod discussion;
mod event_filters;
mod fixtures;
mod iln_channel;
mod intake;
mod invalid_requests;
mod invitations;
mod mail_events;
mod member_page;
mod nominee;
mod outbox;
mod people;
mod public_form;
mod reminders;
mod round_trips;
mod scale;
mod slack;
mod slack_presentation;
mod staff_access;
mod status_page;
mod store_outage;
mod vetting;
mod withdrawal;
