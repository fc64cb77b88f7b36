//! A command's whole result.
//!
//! Every command that moves a nomination returns a [`Step`]: the move, its
//! audit event, the messages it causes, the token it spends and whatever
//! else it changes. The store writes a step all or nothing, and only while
//! the nomination is still as it was read, so that a retry, a double click or
//! a concurrent writer can never make it happen twice.

use chrono::{DateTime, Utc};

use crate::audit::{Actor, AuditEvent, Happening};
use crate::discussion::Discussion;
use crate::lifecycle::{Command, Refusal, Status};
use crate::membership::{Member, SentInvitation};
use crate::message::{Addressee, Message};
use crate::nomination::{Nomination, NominationId, NominatorBasis, Submission};
use crate::token::TokenHash;

/// One move of a nomination along its lifecycle, as the domain decided it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// The nomination as read: its status and version are the condition the
    /// write rests on.
    pub nomination: Nomination,
    pub to: Status,
    pub at: DateTime<Utc>,
    pub audit: AuditEvent,
    /// The change that brought the move about (a resolved concern that let
    /// the nomination be confirmed), audited beside it.
    pub cause: Option<AuditEvent>,
    /// Messages this step causes, delivered by the outbox.
    pub messages: Vec<Message>,
    /// A single-use token spent by this step: it must not have been spent.
    pub spends_token: Option<TokenHash>,
    /// The ILN's discussion after this step, when it changes it.
    pub discussion: Option<Discussion>,
    /// The invitation this step sends, its link replacing any earlier one.
    pub invitation: Option<SentInvitation>,
    /// The language the nominee is written to in from now on, when this
    /// step changes it.
    pub nominee_language: Option<crate::Language>,
    /// What the step changes beyond the nomination.
    pub effect: Effect,
}

/// A nomination that starts: what the store creates, all or nothing. A
/// submission starts `submitted` and holds nobody until verified; a direct
/// invitation starts `confirmed` and takes its person at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opening {
    pub id: NominationId,
    pub submission: Submission,
    pub status: Status,
    pub at: DateTime<Utc>,
    pub audit: AuditEvent,
    pub messages: Vec<Message>,
}

/// A submission from the public form: recorded unverified, with the mail
/// that asks its nominator to verify their address.
pub fn submit(id: NominationId, submission: Submission, now: DateTime<Utc>) -> Opening {
    let verification = Message::NominatorVerification {
        nomination_id: id,
        addressee: Addressee {
            to: submission.nominator.email.clone(),
            language: submission.language,
            nominator_name: submission.nominator.name.clone(),
            nominee_name: submission.nominee.name.clone(),
        },
    };
    Opening {
        id,
        submission,
        status: Status::Submitted,
        at: now,
        audit: AuditEvent::submitted(now),
        messages: vec![verification],
    }
}

/// An administrator invites a person directly: a nomination already
/// confirmed, its reason (the rationale) audited, its invitation queued.
pub fn invite_directly(id: NominationId, submission: Submission, admin: &str, now: DateTime<Utc>) -> Opening {
    let audit = AuditEvent::by_admin(now, admin, Happening::InvitedDirectly).because(submission.rationale.as_str());
    Opening {
        id,
        submission,
        status: Status::Confirmed,
        at: now,
        audit,
        messages: vec![Message::Invitation {
            nomination_id: id,
            round: 0,
        }],
    }
}

/// The nominator hears, once and neutrally, that the process has ended,
/// when it ends after vetting passed it on: as a member, closed, not
/// confirmed, declined by the nominee, or an invitation left unanswered.
/// A rejection has its own mail; a withdrawal is the nominator's own
/// doing; a direct invitation has no nominator to tell.
fn concludes_for_the_nominator(nomination: &Nomination, to: Status) -> bool {
    let passed_vetting = matches!(
        nomination.status,
        Status::InDiscussion | Status::Confirmed | Status::Invited
    );
    let ends = matches!(
        to,
        Status::Member | Status::Declined | Status::NotConfirmed | Status::InvitationDeclined | Status::Expired
    );
    passed_vetting && ends && nomination.submission.nominator.basis != NominatorBasis::DirectInvitation
}

/// What a step changes besides the nomination itself.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Effect {
    #[default]
    None,
    /// A verification: the nomination takes its person, or leaves them with
    /// the nomination that holds them.
    Holds(Holding),
    /// An accepted invitation: the member it creates.
    Admits(Box<Member>),
}

/// What a verification does to the person its nomination is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holding {
    /// The nomination takes the person: nobody may hold them already.
    Takes,
    /// The person stays with `holder`, which must still hold them; the
    /// verified submission becomes its endorsement when `endorses`.
    MergesInto { holder: NominationId, endorses: bool },
}

impl Step {
    /// `command` applied to `nomination` by `actor`: refused when the
    /// lifecycle does not allow it. The step causes nothing else until the
    /// builder methods below say so.
    pub fn take(nomination: &Nomination, command: Command, actor: Actor, at: DateTime<Utc>) -> Result<Self, Refusal> {
        let to = nomination.status.apply(command)?;
        let step = Self {
            nomination: nomination.clone(),
            to,
            at,
            audit: AuditEvent::moved(at, actor, command, nomination.status, to),
            cause: None,
            messages: Vec::new(),
            spends_token: None,
            discussion: None,
            invitation: None,
            nominee_language: None,
            effect: Effect::None,
        };
        Ok(match concludes_for_the_nominator(nomination, to) {
            true => step.sending([Message::ProcessConcluded {
                nomination_id: nomination.id,
                addressee: Addressee::nominator_of(nomination),
            }]),
            false => step,
        })
    }

    /// A step that leaves the status as it is (a confirmation short of the
    /// quorum), still only while nobody moved the nomination since it was read.
    pub fn keeping_status(nomination: &Nomination, audit: AuditEvent) -> Self {
        Self {
            nomination: nomination.clone(),
            to: nomination.status,
            at: audit.at,
            audit,
            cause: None,
            messages: Vec::new(),
            spends_token: None,
            discussion: None,
            invitation: None,
            nominee_language: None,
            effect: Effect::None,
        }
    }

    /// The audit event records why.
    pub fn because(mut self, reason: impl Into<String>) -> Self {
        self.audit = self.audit.because(reason);
        self
    }

    /// Audits `cause` beside the move.
    pub fn caused_by(mut self, cause: AuditEvent) -> Self {
        self.cause = Some(cause);
        self
    }

    pub fn sending(mut self, messages: impl IntoIterator<Item = Message>) -> Self {
        self.messages.extend(messages);
        self
    }

    pub fn spending(mut self, token: TokenHash) -> Self {
        self.spends_token = Some(token);
        self
    }

    pub fn discussing(mut self, discussion: Discussion) -> Self {
        self.discussion = Some(discussion);
        self
    }

    pub fn inviting(mut self, invitation: SentInvitation) -> Self {
        self.invitation = Some(invitation);
        self
    }

    pub fn writing_to_the_nominee_in(mut self, language: crate::Language) -> Self {
        self.nominee_language = Some(language);
        self
    }

    pub fn with_effect(mut self, effect: Effect) -> Self {
        self.effect = effect;
        self
    }

    pub fn id(&self) -> NominationId {
        self.nomination.id
    }

    /// The version the nomination has once this step is written.
    pub fn next_version(&self) -> u64 {
        self.nomination.version + 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Language;

    fn at() -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap()
    }

    #[test]
    fn a_submission_starts_unverified_and_asks_its_nominator_to_verify_in_their_language() {
        let submission = crate::test_support::nomination(Status::Submitted, 1, Language::Es).submission;
        let id = NominationId::new(at());
        let opening = submit(id, submission.clone(), at());
        assert_eq!(opening.status, Status::Submitted);
        assert_eq!(opening.audit, AuditEvent::submitted(at()));
        let [Message::NominatorVerification { addressee, .. }] = opening.messages.as_slice() else {
            panic!("one verification mail: {:?}", opening.messages);
        };
        assert_eq!(
            (&addressee.to, addressee.language),
            (&submission.nominator.email, Language::Es)
        );
    }

    #[test]
    fn a_direct_invitation_starts_confirmed_with_its_reason_audited_and_its_invitation_queued() {
        let submission = crate::test_support::nomination(Status::Submitted, 1, Language::En).submission;
        let id = NominationId::new(at());
        let opening = invite_directly(id, submission.clone(), "admin-1", at());
        assert_eq!(opening.status, Status::Confirmed);
        assert_eq!(opening.audit.reason.as_deref(), Some(submission.rationale.as_str()));
        assert_eq!(
            opening.messages,
            [Message::Invitation {
                nomination_id: id,
                round: 0
            }]
        );
    }

    #[test]
    fn a_step_the_lifecycle_refuses_is_never_built() {
        let nomination = crate::test_support::nomination(Status::Rejected, 3, Language::En);
        assert_eq!(
            Step::take(&nomination, Command::Approve, Actor::System, at()),
            Err(Refusal {
                from: Status::Rejected,
                command: Command::Approve
            })
        );
    }

    #[test]
    fn a_step_audits_its_move_and_rests_on_the_version_read() {
        let nomination = crate::test_support::nomination(Status::AwaitingVetting, 3, Language::En);
        let step = Step::take(&nomination, Command::Reject, Actor::System, at())
            .unwrap()
            .because("out of scope");
        assert_eq!(step.to, Status::Rejected);
        assert_eq!(step.next_version(), 4);
        assert_eq!(
            step.audit,
            AuditEvent::moved(
                at(),
                Actor::System,
                Command::Reject,
                Status::AwaitingVetting,
                Status::Rejected
            )
            .because("out of scope")
        );
        assert!(step.messages.is_empty() && step.spends_token.is_none() && step.effect == Effect::None);
    }
}
