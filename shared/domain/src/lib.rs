//! The rules of ILN Nominations.
//!
//! Pure: no AWS types, no I/O, time passed in. Everything past the HTTP or
//! storage boundary takes the types defined here, which can only hold valid
//! values.

pub mod audit;
pub mod cohort;
pub mod confirmation;
pub mod console_access;
pub mod console_pages;
pub mod correction;
pub mod coverage;
pub mod delivery;
pub mod directory;
pub mod discussion;
pub mod file_actions;
pub mod findings;
pub mod i18n;
pub mod intake;
pub mod lifecycle;
pub mod limits;
pub mod member_access;
pub mod membership;
pub mod message;
pub mod nomination;
pub mod nominee_notice;
pub mod pages;
pub mod person;
pub mod privacy;
pub mod reminders;
pub mod retention;
pub mod roster;
pub mod slack;
pub mod staff;
pub mod stage;
pub mod step;
#[cfg(test)]
mod test_support;
pub mod token;
pub mod verification;
pub mod vetters;
pub mod vetting;

pub use i18n::Language;
pub use lifecycle::{Command, Refusal, Status};
pub use nomination::{Nomination, NominationId};
pub use person::{EmailAddress, PersonName};
