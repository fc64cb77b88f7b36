//! Decisions IMI staff take on a verified nomination, and what each causes.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::audit::{Actor, AuditEvent};
use crate::discussion::DiscussionRules;
use crate::intake::Problem;
use crate::lifecycle::{Command, Refusal, Status};
use crate::message::{Addressee, Message};
use crate::nomination::Nomination;
use crate::person::{EmailAddress, parse_text};
use crate::slack::Channel;
use crate::step::Step;

/// Why a vetter rejects, or what they ask: 1–2,000 characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Reason(String);

impl Reason {
    pub const MAX: usize = 2_000;

    pub fn parse(raw: &str) -> Result<Self, Problem> {
        parse_text(raw, 1, Self::MAX, true).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Reason {
    type Error = Problem;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Reason> for String {
    fn from(reason: Reason) -> Self {
        reason.0
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Approve,
    /// `share` tells the nominator the reason; otherwise it stays internal.
    Reject {
        reason: Reason,
        share: bool,
    },
    RequestInformation {
        question: Reason,
    },
    /// A discussed nomination does not go ahead: the vetters' decision, not
    /// a member's.
    Close {
        reason: Reason,
    },
}

/// Who decides: a staff member known by a verified address (the nominator
/// and the endorsers may not decide).
#[derive(Debug, Clone, Copy)]
pub struct Decider<'a> {
    pub actor: &'a Actor,
    pub email: &'a EmailAddress,
}

/// A decision as the staff API receives it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecisionForm {
    pub decision: String,
    #[serde(default)]
    pub reason: Option<String>,
    pub expected_version: u64,
    #[serde(default)]
    pub share_reason: bool,
}

impl DecisionForm {
    /// The decision, or the field that is wrong and why.
    pub fn parse(&self) -> Result<Decision, (&'static str, Problem)> {
        let reason = || Reason::parse(self.reason.as_deref().unwrap_or_default()).map_err(|p| ("reason", p));
        match self.decision.trim() {
            "approve" => Ok(Decision::Approve),
            "reject" => Ok(Decision::Reject {
                reason: reason()?,
                share: self.share_reason,
            }),
            "request_info" => Ok(Decision::RequestInformation { question: reason()? }),
            "close" => Ok(Decision::Close { reason: reason()? }),
            "" => Err(("decision", Problem::Missing)),
            _ => Err(("decision", Problem::UnknownChoice)),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecisionRefused {
    #[error("the nominator or an endorser of a nomination may not decide it")]
    DecidedByNominatorOrEndorser,
    #[error("the nomination changed since it was read: it is {status} at version {version}")]
    Stale { status: Status, version: u64 },
    #[error(transparent)]
    Illegal(#[from] Refusal),
}

impl Decision {
    pub fn command(&self) -> Command {
        match self {
            Decision::Approve => Command::Approve,
            Decision::Reject { .. } => Command::Reject,
            Decision::RequestInformation { .. } => Command::RequestInformation,
            Decision::Close { .. } => Command::Decline,
        }
    }
}

/// Whether the person with `email` has a stake in `nomination`: they
/// nominated the person, or endorsed the nomination (`endorsers`).
pub fn has_stake(nomination: &Nomination, endorsers: &[EmailAddress], email: &EmailAddress) -> bool {
    *email == nomination.submission.nominator.email || endorsers.contains(email)
}

/// Decides `nomination`, endorsed by `endorsers`, as `decider`, who saw
/// `expected_version`. Approval opens the ILN's discussion under `rules`.
pub fn decide(
    nomination: &Nomination,
    endorsers: &[EmailAddress],
    decider: Decider<'_>,
    decision: &Decision,
    expected_version: u64,
    rules: &DiscussionRules,
    now: DateTime<Utc>,
) -> Result<Step, DecisionRefused> {
    if has_stake(nomination, endorsers, decider.email) {
        return Err(DecisionRefused::DecidedByNominatorOrEndorser);
    }
    if nomination.version != expected_version {
        return Err(DecisionRefused::Stale {
            status: nomination.status,
            version: nomination.version,
        });
    }
    let command = match decision {
        Decision::Approve if rules.nominee_consent => Command::ApproveSubjectToConsent,
        decision => decision.command(),
    };
    let step = Step::take(nomination, command, decider.actor.clone(), now)?;
    let nomination_id = nomination.id;
    let addressee = Addressee::nominator_of(nomination);
    let version = step.next_version();
    let card = |channel| Message::CardUpdate {
        nomination_id,
        channel,
        version,
    };
    let step = match decision {
        // The nominee is told first: the outbox posts the ILN card only once
        // the notice is delivered; with consent asked, only once they agree.
        Decision::Approve if rules.nominee_consent => step.sending([crate::nominee_notice::notice(nomination, true)]),
        Decision::Approve => step
            .sending([
                crate::nominee_notice::notice(nomination, false),
                Message::IlnCard { nomination_id },
            ])
            .discussing(rules.open(now)),
        Decision::Reject { reason, share } => step.because(reason.as_str()).sending([Message::Rejection {
            nomination_id,
            addressee,
            reason: share.then(|| reason.as_str().to_owned()),
        }]),
        Decision::RequestInformation { question } => {
            step.because(question.as_str()).sending([Message::InformationRequest {
                nomination_id,
                request: nomination.version + 1,
                addressee,
                question: question.as_str().to_owned(),
            }])
        }
        Decision::Close { reason } => step.because(reason.as_str()).sending([card(Channel::Iln)]),
    };
    Ok(step.sending([card(Channel::Vetting)]))
}

/// The nominator (by their link) or an administrator withdraws an open
/// nomination: the card that still asks for a decision shows it.
pub fn withdraw(
    nomination: &Nomination,
    by: Actor,
    reason: Option<&Reason>,
    now: DateTime<Utc>,
) -> Result<Step, Refusal> {
    let mut step = Step::take(nomination, Command::Withdraw, by, now)?;
    if let Some(reason) = reason {
        step = step.because(reason.as_str());
    }
    // The cards that still ask for a decision are the ones to update; while
    // the ILN discusses, both show the discussion.
    let cards: &[Channel] = match nomination.status {
        Status::Submitted => &[],
        Status::AwaitingVetting | Status::AwaitingConsent => &[Channel::Vetting],
        Status::InDiscussion => &[Channel::Iln, Channel::Vetting],
        _ => &[Channel::Iln],
    };
    let version = step.next_version();
    Ok(step.sending(cards.iter().map(|&channel| Message::CardUpdate {
        nomination_id: nomination.id,
        channel,
        version,
    })))
}

/// What a nomination's verification causes: its card in the vetting channel.
pub fn on_verified(nomination: &Nomination) -> Vec<Message> {
    vec![Message::VettingCard {
        nomination_id: nomination.id,
    }]
}

/// What a nominator's answer to a vetter's question records: the
/// information, spending the link's token, its audit event and the note in
/// the vetting card's thread. The nomination stays `awaiting_vetting`, back
/// at the end of the queue as of now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub nomination_id: crate::NominationId,
    /// The question answered: the version of the nomination it was asked at.
    pub request: u64,
    pub information: AddedInformation,
    pub token: crate::token::TokenHash,
    pub at: DateTime<Utc>,
    pub audit: AuditEvent,
    pub messages: Vec<Message>,
}

/// The nominator answers the question of `nomination` (as read) by the link
/// whose token hashes to `token`.
pub fn answer(
    nomination: &Nomination,
    information: AddedInformation,
    token: crate::token::TokenHash,
    now: DateTime<Utc>,
) -> Answer {
    let request = nomination.version;
    Answer {
        nomination_id: nomination.id,
        request,
        information,
        token,
        at: now,
        audit: AuditEvent::information_added(now, Actor::Nominator),
        messages: vec![Message::InformationAdded {
            nomination_id: nomination.id,
            request,
        }],
    }
}

/// What a nominator adds at a vetter's request: 1–5,000 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddedInformation(String);

impl AddedInformation {
    pub const MAX: usize = 5_000;

    pub fn parse(raw: &str) -> Result<Self, Problem> {
        parse_text(raw, 1, Self::MAX, true).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Whether a nominator's information link may still be answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answerable {
    Yes,
    AlreadyAnswered,
    Expired,
    /// The nomination left vetting (decided, withdrawn): no answer is needed.
    Closed,
}

pub fn answerable(status: Status, token_spent: bool, valid_until: DateTime<Utc>, now: DateTime<Utc>) -> Answerable {
    match () {
        _ if token_spent => Answerable::AlreadyAnswered,
        _ if status != Status::AwaitingVetting => Answerable::Closed,
        _ if now >= valid_until => Answerable::Expired,
        _ => Answerable::Yes,
    }
}

/// Whether a nominator's withdraw link may still withdraw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Withdrawable {
    Yes,
    /// A second click, or an administrator was first: withdrawn either way.
    AlreadyWithdrawn,
    /// Decided, expired or otherwise closed: nothing to withdraw.
    Closed,
}

pub fn withdrawable(status: Status, valid_until: DateTime<Utc>, now: DateTime<Utc>) -> Withdrawable {
    match () {
        _ if status == Status::Withdrawn => Withdrawable::AlreadyWithdrawn,
        _ if !status.is_open() || now > valid_until => Withdrawable::Closed,
        _ => Withdrawable::Yes,
    }
}

/// The latest question a vetter asked, from the audit trail.
pub fn latest_question(audit: &[AuditEvent]) -> Option<&str> {
    audit
        .iter()
        .filter(|event| {
            matches!(
                event.happening,
                crate::audit::Happening::Moved {
                    command: Command::RequestInformation,
                    ..
                }
            )
        })
        .max_by_key(|event| event.at)
        .and_then(|event| event.reason.as_deref())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Language;

    fn nomination(status: Status, version: u64) -> Nomination {
        crate::test_support::nomination(status, version, Language::Es)
    }

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_100_000, 0).unwrap()
    }

    fn rules() -> crate::discussion::DiscussionRules {
        crate::discussion::DiscussionRules::parse("quorum", 1, 0, 7).unwrap()
    }

    fn vetter_email() -> EmailAddress {
        EmailAddress::parse("vera@imi.org").unwrap()
    }

    #[test]
    fn approving_tells_the_nominee_first_then_posts_the_iln_card() {
        let nomination = nomination(Status::AwaitingVetting, 2);
        let outcome = decide(
            &nomination,
            &[],
            Decider {
                actor: &Actor::Vetter("v".into()),
                email: &vetter_email(),
            },
            &Decision::Approve,
            2,
            &rules(),
            now(),
        )
        .unwrap();
        assert_eq!(outcome.to, Status::InDiscussion);
        assert_eq!(outcome.messages[0], crate::nominee_notice::notice(&nomination, false));
        assert_eq!(
            outcome.messages[1],
            Message::IlnCard {
                nomination_id: nomination.id
            }
        );
    }

    #[test]
    fn with_nominee_consent_approval_asks_the_nominee_and_posts_nothing_in_the_iln_channel() {
        let nomination = nomination(Status::AwaitingVetting, 2);
        let outcome = decide(
            &nomination,
            &[],
            Decider {
                actor: &Actor::Vetter("v".into()),
                email: &vetter_email(),
            },
            &Decision::Approve,
            2,
            &rules().with_nominee_consent(true),
            now(),
        )
        .unwrap();
        assert_eq!(outcome.to, Status::AwaitingConsent);
        assert_eq!(outcome.messages[0], crate::nominee_notice::notice(&nomination, true));
        assert!(outcome.discussion.is_none());
        assert!(
            outcome
                .messages
                .iter()
                .all(|m| m.route() != crate::message::Route::Card(Channel::Iln))
        );
    }

    #[test]
    fn a_rejection_mails_the_nominator_and_shares_the_reason_only_when_asked() {
        let nomination = nomination(Status::AwaitingVetting, 2);
        let reason = Reason::parse("The rationale does not describe mediation work.").unwrap();
        for share in [true, false] {
            let decision = Decision::Reject {
                reason: reason.clone(),
                share,
            };
            let outcome = decide(
                &nomination,
                &[],
                Decider {
                    actor: &Actor::Vetter("v".into()),
                    email: &vetter_email(),
                },
                &decision,
                2,
                &rules(),
                now(),
            )
            .unwrap();
            assert_eq!(outcome.to, Status::Rejected);
            assert_eq!(outcome.audit.reason.as_deref(), Some(reason.as_str()), "always audited");
            match &outcome.messages[..] {
                [
                    Message::Rejection {
                        reason: shared,
                        addressee,
                        ..
                    },
                    Message::CardUpdate { .. },
                ] => {
                    assert_eq!(shared.is_some(), share);
                    assert_eq!(addressee.language, Language::Es);
                }
                other => panic!("unexpected messages {other:?}"),
            }
        }
    }

    #[test]
    fn the_nominator_and_the_endorsers_may_not_decide_and_a_stale_version_is_refused() {
        let nomination = nomination(Status::AwaitingVetting, 2);
        let nominator = EmailAddress::parse("LUCIA@example.org").unwrap();
        let endorser = EmailAddress::parse("ines@example.org").unwrap();
        let endorsers = [EmailAddress::parse("Ines@Example.org").unwrap()];
        let vetter = Actor::Vetter("v".into());
        for stake in [&nominator, &endorser] {
            assert_eq!(
                decide(
                    &nomination,
                    &endorsers,
                    Decider {
                        actor: &vetter,
                        email: stake,
                    },
                    &Decision::Approve,
                    2,
                    &rules(),
                    now(),
                ),
                Err(DecisionRefused::DecidedByNominatorOrEndorser),
                "{stake:?}"
            );
        }
        assert_eq!(
            decide(
                &nomination,
                &endorsers,
                Decider {
                    actor: &vetter,
                    email: &vetter_email(),
                },
                &Decision::Approve,
                1,
                &rules(),
                now(),
            ),
            Err(DecisionRefused::Stale {
                status: Status::AwaitingVetting,
                version: 2
            })
        );
    }

    #[test]
    fn a_decision_on_a_nomination_that_moved_on_is_illegal() {
        let nomination = nomination(Status::InDiscussion, 3);
        let refused = decide(
            &nomination,
            &[],
            Decider {
                actor: &Actor::Vetter("v".into()),
                email: &vetter_email(),
            },
            &Decision::Approve,
            3,
            &rules(),
            now(),
        );
        assert!(matches!(refused, Err(DecisionRefused::Illegal(_))));
    }

    #[test]
    fn reject_and_request_info_need_a_reason() {
        let form = |decision: &str, reason: Option<&str>| DecisionForm {
            decision: decision.into(),
            reason: reason.map(Into::into),
            expected_version: 1,
            share_reason: false,
        };
        assert_eq!(form("reject", None).parse(), Err(("reason", Problem::Missing)));
        assert_eq!(
            form("request_info", Some("  ")).parse(),
            Err(("reason", Problem::Missing))
        );
        assert_eq!(form("approve", None).parse(), Ok(Decision::Approve));
        assert_eq!(form("maybe", None).parse(), Err(("decision", Problem::UnknownChoice)));
    }

    #[test]
    fn an_information_link_works_once_while_the_nomination_is_in_vetting() {
        let until = now();
        let before = until - chrono::Duration::hours(1);
        assert_eq!(
            answerable(Status::AwaitingVetting, false, until, before),
            Answerable::Yes
        );
        assert_eq!(
            answerable(Status::AwaitingVetting, true, until, before),
            Answerable::AlreadyAnswered
        );
        assert_eq!(
            answerable(Status::AwaitingVetting, false, until, until),
            Answerable::Expired
        );
        assert_eq!(answerable(Status::Rejected, false, until, before), Answerable::Closed);
    }

    #[test]
    fn a_withdraw_link_withdraws_only_an_open_nomination_in_time() {
        let until = Utc::now();
        let before = until - chrono::Duration::days(1);
        assert_eq!(withdrawable(Status::InDiscussion, until, before), Withdrawable::Yes);
        assert_eq!(withdrawable(Status::Invited, until, before), Withdrawable::Yes);
        assert_eq!(
            withdrawable(Status::Withdrawn, until, before),
            Withdrawable::AlreadyWithdrawn
        );
        assert_eq!(withdrawable(Status::Rejected, until, before), Withdrawable::Closed);
        assert_eq!(withdrawable(Status::Member, until, before), Withdrawable::Closed);
        assert_eq!(
            withdrawable(Status::InDiscussion, until, until + chrono::Duration::seconds(1)),
            Withdrawable::Closed
        );
    }
}
