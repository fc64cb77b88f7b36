//! The ILN's discussion of an approved nomination: its window, the
//! confirmations, the concerns that hold it, the conflicts members declare,
//! and a referral to the Independent Advisory Committee (IAC).

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::audit::{Actor, AuditEvent, Happening};
use crate::confirmation::Confirmation;
use crate::lifecycle::{Command, Refusal, Status};
use crate::message::Message;
use crate::nomination::Nomination;
use crate::person::EmailAddress;
use crate::slack::Channel;
use crate::slack::interaction::SlackUserId;
use crate::slack::participant::Participant;
use crate::slack::replies::ClickRefused;
use crate::step::Step;
use crate::vetting::Reason;

/// How the ILN confirms a nomination.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfirmationMode {
    /// Confirmed as soon as `quorum` distinct eligible members confirm and no
    /// concern is open.
    Quorum { quorum: usize },
    /// Confirmed when the window ends with no open concern and at least
    /// `minimum` confirmations (0 allowed).
    LazyConsensus { minimum: usize },
}

/// The deployment's rules for every discussion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DiscussionRules {
    pub mode: ConfirmationMode,
    /// How long a discussion stays open after approval.
    pub window: Duration,
    /// `NomineeConsent`: approval waits for the nominee's agreement before
    /// the ILN sees the nomination.
    pub nominee_consent: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BadRules {
    #[error("ConfirmationMode must be `quorum` or `lazy_consensus`, not {0:?}")]
    UnknownMode(String),
    #[error("a quorum of confirmations must be at least 1")]
    QuorumOfZero,
    #[error("a discussion lasts at least one day")]
    NoWindow,
}

impl DiscussionRules {
    /// From the template's `ConfirmationMode`, `ConfirmationQuorum`,
    /// `MinimumConfirmations` and `DiscussionDays`.
    pub fn parse(mode: &str, quorum: usize, minimum: usize, days: i64) -> Result<Self, BadRules> {
        let mode = match mode.trim() {
            "quorum" if quorum == 0 => return Err(BadRules::QuorumOfZero),
            "quorum" => ConfirmationMode::Quorum { quorum },
            "lazy_consensus" => ConfirmationMode::LazyConsensus { minimum },
            other => return Err(BadRules::UnknownMode(other.to_owned())),
        };
        if days < 1 {
            return Err(BadRules::NoWindow);
        }
        Ok(Self {
            mode,
            window: Duration::days(days),
            nominee_consent: false,
        })
    }

    /// The same rules, with approval waiting for the nominee's agreement
    /// when `on`.
    pub fn with_nominee_consent(self, on: bool) -> Self {
        Self {
            nominee_consent: on,
            ..self
        }
    }

    /// How many confirmations the card shows as needed.
    pub fn needed(&self) -> usize {
        match self.mode {
            ConfirmationMode::Quorum { quorum } => quorum,
            ConfirmationMode::LazyConsensus { minimum } => minimum,
        }
    }

    /// A discussion opened now.
    pub fn open(&self, now: DateTime<Utc>) -> Discussion {
        Discussion {
            opened_at: now,
            ends_at: now + self.window,
            ..Discussion::default()
        }
    }
}

/// Where the ILN's discussion of one nomination stands.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Discussion {
    pub opened_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    #[serde(default)]
    pub confirmations: Vec<Confirmation>,
    #[serde(default)]
    pub concerns: Vec<Concern>,
    #[serde(default)]
    pub conflicts: Vec<Conflict>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referral: Option<Referral>,
}

/// A concern raised in the ILN channel. Open until a vetter resolves it or
/// the IAC's outcome settles it; while open, nothing confirms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Concern {
    /// The raiser and a digest of the text: the same concern sent twice is
    /// one concern.
    pub id: String,
    pub by: SlackUserId,
    pub text: String,
    pub at: DateTime<Utc>,
    /// Raised with "Decline": the member asks that the nomination not go
    /// ahead.
    #[serde(default)]
    pub asks_not_to_proceed: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution: Option<Resolution>,
}

impl Concern {
    pub fn is_open(&self) -> bool {
        self.resolution.is_none()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resolution {
    pub by: Actor,
    pub note: String,
    pub at: DateTime<Utc>,
}

/// A member who declared a conflict of interest: they no longer confirm,
/// raise concerns or count for this nomination.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conflict {
    pub by: SlackUserId,
    pub at: DateTime<Utc>,
}

/// The nomination sent to the IAC: confirmation is frozen until an
/// administrator records the IAC's outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Referral {
    pub by: Actor,
    pub reason: String,
    pub at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<IacOutcome>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IacDecision {
    Proceed,
    DoNotProceed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IacOutcome {
    pub decision: IacDecision,
    pub note: String,
    pub by: Actor,
    pub at: DateTime<Utc>,
}

impl Discussion {
    pub fn has_conflict(&self, user: &SlackUserId) -> bool {
        self.conflicts.iter().any(|conflict| &conflict.by == user)
    }

    /// Confirmations that count: none from a member who declared a conflict.
    pub fn counted_confirmations(&self) -> impl Iterator<Item = &Confirmation> {
        self.confirmations.iter().filter(|c| !self.has_conflict(&c.by))
    }

    pub fn open_concerns(&self) -> impl Iterator<Item = &Concern> {
        self.concerns.iter().filter(|concern| concern.is_open())
    }

    /// Referred to the IAC and not yet answered: confirmation is frozen.
    pub fn awaits_iac(&self) -> bool {
        self.referral
            .as_ref()
            .is_some_and(|referral| referral.outcome.is_none())
    }

    pub fn window_ended(&self, now: DateTime<Utc>) -> bool {
        now >= self.ends_at
    }
}

/// What the rules say of a discussion now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Still being discussed: a concern or the IAC holds it, or it waits for
    /// confirmations or for its window to end.
    Open,
    Confirmed,
    /// The window ended without the confirmations the rules ask for.
    NotConfirmed,
}

impl Discussion {
    /// Nothing confirms or closes while a concern is open or the IAC has not
    /// answered; then a quorum confirms at once, and the window's end settles
    /// the rest.
    pub fn verdict(&self, rules: &DiscussionRules, now: DateTime<Utc>) -> Verdict {
        if self.awaits_iac() || self.open_concerns().next().is_some() {
            return Verdict::Open;
        }
        let counted = self.counted_confirmations().count();
        match rules.mode {
            ConfirmationMode::Quorum { quorum } if counted >= quorum => Verdict::Confirmed,
            ConfirmationMode::LazyConsensus { minimum } if self.window_ended(now) && counted >= minimum => {
                Verdict::Confirmed
            }
            _ if self.window_ended(now) => Verdict::NotConfirmed,
            _ => Verdict::Open,
        }
    }
}

/// Why a vetter's or an administrator's move on a discussion changes nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DiscussionRefused {
    #[error("the nomination is {0}, not in discussion")]
    NotInDiscussion(Status),
    #[error("no open concern {0:?} on this nomination")]
    NoOpenConcern(String),
    #[error("the nomination is already with the IAC")]
    AlreadyReferred,
    #[error("the nomination is not waiting for the IAC")]
    NotReferred,
}

/// The nomination's discussion, when it is being discussed.
fn under_discussion(nomination: &Nomination) -> Result<Discussion, DiscussionRefused> {
    match (&nomination.discussion, nomination.status) {
        (Some(discussion), Status::InDiscussion) => Ok(discussion.clone()),
        (_, status) => Err(DiscussionRefused::NotInDiscussion(status)),
    }
}

/// Both cards shown again: the ILN's and the vetters', which carry the
/// discussion's summary.
fn card_updates(nomination: &Nomination) -> [Message; 2] {
    [Channel::Iln, Channel::Vetting].map(|channel| Message::CardUpdate {
        nomination_id: nomination.id,
        channel,
        version: nomination.version + 1,
    })
}

/// The step a change to the discussion makes: the discussion as changed,
/// and the nomination confirmed or closed when the rules now say so (by
/// `actor`, whose change settled it). Otherwise the change is recorded as
/// `audit`.
fn settle(
    nomination: &Nomination,
    discussion: Discussion,
    actor: Actor,
    audit: AuditEvent,
    rules: &DiscussionRules,
    now: DateTime<Utc>,
) -> Result<Step, Refusal> {
    let step = match discussion.verdict(rules, now) {
        Verdict::Open => Step::keeping_status(nomination, audit),
        Verdict::Confirmed => Step::take(nomination, Command::Confirm, actor, now)?
            .caused_by(audit)
            .sending([Message::Invitation {
                nomination_id: nomination.id,
                round: 0,
            }]),
        Verdict::NotConfirmed => Step::take(nomination, Command::Expire, actor, now)?.caused_by(audit),
    };
    Ok(step.sending(card_updates(nomination)).discussing(discussion))
}

/// The nominator or a Slack user with the nominator's address: they may not
/// decide on their own nomination.
fn own_nomination(nomination: &Nomination, participant: &Participant) -> bool {
    participant.email == nomination.submission.nominator.email
}

/// A click on a nomination no longer discussed: silence for a repeat of
/// this user's own move, else who moved it.
fn no_longer_discussed(nomination: &Nomination, actor: &Actor) -> ClickRefused {
    ClickRefused::moved_first(nomination, actor)
}

/// A Confirm click.
pub fn confirm(
    nomination: &Nomination,
    participant: &Participant,
    rules: &DiscussionRules,
    now: DateTime<Utc>,
) -> Result<Step, ClickRefused> {
    if !participant.confirmer {
        return Err(ClickRefused::NotAllowed);
    }
    if own_nomination(nomination, participant) {
        return Err(ClickRefused::OwnNomination);
    }
    let actor = Actor::Confirmer(participant.user.as_str().to_owned());
    let confirmed_before = |discussion: &Discussion| discussion.confirmations.iter().any(|c| c.by == participant.user);
    let Ok(mut discussion) = under_discussion(nomination) else {
        let repeat = nomination.discussion.as_ref().is_some_and(confirmed_before);
        return Err(match repeat {
            true if nomination.last_move.as_ref().is_some_and(|last| last.actor == actor) => ClickRefused::Repeat,
            _ => no_longer_discussed(nomination, &actor),
        });
    };
    if discussion.has_conflict(&participant.user) {
        return Err(ClickRefused::Conflicted);
    }
    if confirmed_before(&discussion) {
        return Err(ClickRefused::Repeat);
    }
    if discussion.awaits_iac() {
        return Err(ClickRefused::AwaitsIac);
    }
    discussion.confirmations.push(Confirmation {
        by: participant.user.clone(),
        at: now,
    });
    let audit = AuditEvent::confirmation_recorded(now, actor.clone());
    settle(nomination, discussion, actor.clone(), audit, rules, now)
        .map_err(|_| no_longer_discussed(nomination, &actor))
}

/// A concern raised by a member or a vetter; `asks_not_to_proceed` when it
/// came from "Decline". Its id is the raiser and a digest of the text, so
/// the same concern sent again (a second submit, Slack's retry) is one.
pub fn raise_concern(
    nomination: &Nomination,
    participant: &Participant,
    text: &Reason,
    asks_not_to_proceed: bool,
    now: DateTime<Utc>,
) -> Result<Step, ClickRefused> {
    if !(participant.confirmer || participant.vetter) {
        return Err(ClickRefused::NotAllowed);
    }
    let Ok(mut discussion) = under_discussion(nomination) else {
        return Err(ClickRefused::NotInDiscussion {
            status: nomination.status,
        });
    };
    if discussion.has_conflict(&participant.user) {
        return Err(ClickRefused::Conflicted);
    }
    let id = concern_id(&participant.user, text);
    if discussion.concerns.iter().any(|concern| concern.id == id) {
        return Err(ClickRefused::Repeat);
    }
    discussion.concerns.push(Concern {
        id: id.clone(),
        by: participant.user.clone(),
        text: text.as_str().to_owned(),
        at: now,
        asks_not_to_proceed,
        resolution: None,
    });
    let actor = Actor::Confirmer(participant.user.as_str().to_owned());
    let note = Message::ConcernRaised {
        nomination_id: nomination.id,
        by: participant.user.clone(),
        concern: text.as_str().to_owned(),
        key: id,
    };
    Ok(
        Step::keeping_status(nomination, AuditEvent::concern_raised(now, actor, text.as_str()))
            .sending([note])
            .sending(card_updates(nomination))
            .discussing(discussion),
    )
}

fn concern_id(user: &SlackUserId, text: &Reason) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(text.as_str().as_bytes());
    let digest: String = digest.iter().take(16).map(|byte| format!("{byte:02x}")).collect();
    format!("{}.{digest}", user.as_str())
}

/// "I have a conflict": the member no longer confirms, raises concerns or
/// counts, and an earlier confirmation of theirs no longer counts.
pub fn declare_conflict(
    nomination: &Nomination,
    participant: &Participant,
    now: DateTime<Utc>,
) -> Result<Step, ClickRefused> {
    if !participant.confirmer {
        return Err(ClickRefused::NotAllowed);
    }
    let Ok(mut discussion) = under_discussion(nomination) else {
        return Err(ClickRefused::NotInDiscussion {
            status: nomination.status,
        });
    };
    if discussion.has_conflict(&participant.user) {
        return Err(ClickRefused::Repeat);
    }
    discussion.conflicts.push(Conflict {
        by: participant.user.clone(),
        at: now,
    });
    let actor = Actor::Confirmer(participant.user.as_str().to_owned());
    Ok(
        Step::keeping_status(nomination, AuditEvent::new(now, actor, Happening::ConflictDeclared))
            .sending(card_updates(nomination))
            .discussing(discussion),
    )
}

/// A vetter resolves an open concern with a note; the thread is told, and
/// the nomination is confirmed at once if nothing else holds it.
pub fn resolve_concern(
    nomination: &Nomination,
    concern_id: &str,
    vetter: Actor,
    note: &Reason,
    rules: &DiscussionRules,
    now: DateTime<Utc>,
) -> Result<Step, DiscussionRefused> {
    let mut discussion = under_discussion(nomination)?;
    let concern = discussion
        .concerns
        .iter_mut()
        .find(|concern| concern.id == concern_id && concern.is_open())
        .ok_or_else(|| DiscussionRefused::NoOpenConcern(concern_id.to_owned()))?;
    concern.resolution = Some(Resolution {
        by: vetter.clone(),
        note: note.as_str().to_owned(),
        at: now,
    });
    let audit = AuditEvent::new(
        now,
        vetter.clone(),
        Happening::ConcernResolved {
            concern: concern_id.to_owned(),
        },
    )
    .because(note.as_str());
    let told = Message::ConcernResolved {
        nomination_id: nomination.id,
        concern_id: concern_id.to_owned(),
        by: vetter.clone(),
        note: note.as_str().to_owned(),
    };
    let step = settle(nomination, discussion, vetter, audit, rules, now)
        .map_err(|refusal| DiscussionRefused::NotInDiscussion(refusal.from))?;
    Ok(step.sending([told]))
}

/// A vetter or an administrator refers the nomination to the IAC: the IAC
/// gets the file by mail and confirmation is frozen until its outcome.
pub fn refer_to_iac(
    nomination: &Nomination,
    actor: Actor,
    reason: &Reason,
    iac: &EmailAddress,
    now: DateTime<Utc>,
) -> Result<Step, DiscussionRefused> {
    let mut discussion = under_discussion(nomination)?;
    if discussion.awaits_iac() {
        return Err(DiscussionRefused::AlreadyReferred);
    }
    discussion.referral = Some(Referral {
        by: actor.clone(),
        reason: reason.as_str().to_owned(),
        at: now,
        outcome: None,
    });
    let file = Message::NominationReferral {
        nomination_id: nomination.id,
        to: iac.clone(),
        reason: reason.as_str().to_owned(),
        file: iac_file(nomination, &discussion),
        at: now,
    };
    Ok(Step::keeping_status(
        nomination,
        AuditEvent::new(now, actor, Happening::ReferredToIac).because(reason.as_str()),
    )
    .sending([file])
    .sending(card_updates(nomination))
    .discussing(discussion))
}

/// What the IAC reads: what the ILN card shows, plus the concerns — never
/// the self-identification, never the nominator unless they agreed to be
/// named to the ILN.
fn iac_file(nomination: &Nomination, discussion: &Discussion) -> String {
    let submission = &nomination.submission;
    let nominee = &submission.nominee;
    let mut file = format!(
        "Nominee: {}\nCountry: {}{}\nRole: {}\nNominator's standing: {}\n\nWhy this person:\n{}\n",
        nominee.name.as_str(),
        nominee.country.name(),
        nominee
            .region
            .as_ref()
            .map(|region| format!(" ({})", region.as_str()))
            .unwrap_or_default(),
        nominee.role.code(),
        submission.nominator.basis.code(),
        submission.rationale.as_str(),
    );
    let links: Vec<&str> = submission.links.iter().map(|link| link.as_str()).collect();
    if !links.is_empty() {
        file.push_str(&format!("\nLinks:\n{}\n", links.join("\n")));
    }
    file.push_str(&format!(
        "\nConfirmations so far: {}\n",
        discussion.counted_confirmations().count()
    ));
    for concern in &discussion.concerns {
        let state = match &concern.resolution {
            None => "open".to_owned(),
            Some(resolution) => format!("resolved: {}", resolution.note),
        };
        let kind = match concern.asks_not_to_proceed {
            true => "Asks that it not go ahead",
            false => "Concern",
        };
        file.push_str(&format!(
            "\n{kind} ({}, {state}):\n{}\n",
            concern.at.format("%Y-%m-%d"),
            concern.text
        ));
    }
    file
}

/// An administrator records the IAC's outcome. `Proceed` settles the open
/// concerns with the IAC's note and gives back the days the referral froze;
/// `DoNotProceed` closes the nomination.
pub fn record_iac_outcome(
    nomination: &Nomination,
    admin: Actor,
    decision: IacDecision,
    note: &Reason,
    rules: &DiscussionRules,
    now: DateTime<Utc>,
) -> Result<Step, DiscussionRefused> {
    let mut discussion = under_discussion(nomination)?;
    let Some(referral) = discussion
        .referral
        .as_mut()
        .filter(|referral| referral.outcome.is_none())
    else {
        return Err(DiscussionRefused::NotReferred);
    };
    referral.outcome = Some(IacOutcome {
        decision,
        note: note.as_str().to_owned(),
        by: admin.clone(),
        at: now,
    });
    let frozen = now - referral.at;
    let audit = AuditEvent::new(now, admin.clone(), Happening::IacOutcomeRecorded { decision }).because(note.as_str());
    let refused = |refusal: Refusal| DiscussionRefused::NotInDiscussion(refusal.from);
    match decision {
        IacDecision::Proceed => {
            for concern in discussion.concerns.iter_mut().filter(|concern| concern.is_open()) {
                concern.resolution = Some(Resolution {
                    by: admin.clone(),
                    note: format!("IAC: {}", note.as_str()),
                    at: now,
                });
            }
            discussion.ends_at += frozen;
            settle(nomination, discussion, admin, audit, rules, now).map_err(refused)
        }
        IacDecision::DoNotProceed => Ok(Step::take(nomination, Command::Decline, admin, now)
            .map_err(refused)?
            .because(format!("IAC: {}", note.as_str()))
            .sending(card_updates(nomination))
            .discussing(discussion)),
    }
}

/// The daily run's move for a discussion whose window has ended: confirmed
/// or not confirmed by the rules, or nothing while a concern or the IAC
/// holds it.
pub fn end_of_window(nomination: &Nomination, rules: &DiscussionRules, now: DateTime<Utc>) -> Option<Step> {
    let discussion = under_discussion(nomination).ok()?;
    if !discussion.window_ended(now) || discussion.verdict(rules, now) == Verdict::Open {
        return None;
    }
    let step = match discussion.verdict(rules, now) {
        Verdict::Confirmed => Step::take(nomination, Command::Confirm, Actor::System, now)
            .ok()?
            .sending([Message::Invitation {
                nomination_id: nomination.id,
                round: 0,
            }]),
        _ => Step::take(nomination, Command::Expire, Actor::System, now).ok()?,
    };
    Some(step.sending(card_updates(nomination)).discussing(discussion))
}

#[cfg(test)]
mod tests;
