//! From confirmation to IMI International Leader: the invitation and what
//! answering it does.

use crate::NominationId;
use crate::audit::{Actor, AuditEvent, Happening};
use crate::i18n::Language;
use crate::lifecycle::{Command, Refusal, Status};
use crate::message::{Email, MailLinks, email};
use crate::message::{Message, SlackNote};
use crate::nomination::Nomination;
use crate::nomination::{Country, NomineeRole, Region};
use crate::pages::RenderError;
use crate::person::{EmailAddress, PersonName};
use crate::slack::Channel;
use crate::step::{Effect, Step};
use crate::token::{Token, TokenHash, TokenPurpose};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The page where a nominee answers, as a path with its token.
pub fn invitation_path(token: &str) -> String {
    format!("/invitations/{token}")
}

/// The invitation e-mail to a confirmed nominee, in the nominee's language.
pub fn invitation_email(nomination: &Nomination, links: &MailLinks, token: &Token) -> Result<Email, RenderError> {
    let nominee = &nomination.submission.nominee;
    let context = minijinja::context! {
        nominee_name => nominee.name.as_str(),
        invitation_url => links.base_url.link(&invitation_path(token.as_str()), &[]),
        valid_days => links.validity.of(TokenPurpose::AnswerInvitation).num_days(),
        privacy => links.policies.context(nomination.submission.nominee_language()),
    };
    email(
        &nominee.email,
        nomination.submission.nominee_language(),
        "invitation",
        &[("{nominee_name}", nominee.name.as_str())],
        &context,
    )
}

/// The invitation last sent: which round, and the hash of its link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SentInvitation {
    pub round: u32,
    pub token: TokenHash,
}

impl SentInvitation {
    /// The message that carried this round's link, from which the link is
    /// derived again for a reminder.
    pub fn message(&self, nomination_id: NominationId) -> Message {
        Message::Invitation {
            nomination_id,
            round: self.round,
        }
    }
}

/// The reminder of an unanswered invitation, with the same link.
pub fn invitation_reminder_email(
    nomination: &Nomination,
    links: &MailLinks,
    token: &Token,
) -> Result<Email, RenderError> {
    let nominee = &nomination.submission.nominee;
    let expires = nomination.updated_at + links.validity.of(TokenPurpose::AnswerInvitation);
    let context = minijinja::context! {
        nominee_name => nominee.name.as_str(),
        invitation_url => links.base_url.link(&invitation_path(token.as_str()), &[]),
        valid_until => expires.format("%Y-%m-%d").to_string(),
    };
    email(
        &nominee.email,
        nomination.submission.nominee_language(),
        "invitation_reminder",
        &[("{nominee_name}", nominee.name.as_str())],
        &context,
    )
}

/// The title a member holds.
pub const TITLE: &str = "IMI International Leader";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct MemberId(ulid::Ulid);

impl MemberId {
    pub fn new(now: DateTime<Utc>) -> Self {
        Self(ulid::Ulid::from_datetime(now.into()))
    }
}

impl std::str::FromStr for MemberId {
    type Err = ulid::DecodeError;
    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        ulid::Ulid::from_string(raw).map(Self)
    }
}

impl TryFrom<String> for MemberId {
    type Error = ulid::DecodeError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

impl From<MemberId> for String {
    fn from(id: MemberId) -> Self {
        id.0.to_string()
    }
}

impl fmt::Display for MemberId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MemberStatus {
    Active,
    Derecognized,
    /// Left the ILN of their own choice.
    Resigned,
}

impl MemberStatus {
    pub fn code(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Derecognized => "derecognized",
            Self::Resigned => "resigned",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "active" => Some(Self::Active),
            "derecognized" => Some(Self::Derecognized),
            "resigned" => Some(Self::Resigned),
            _ => None,
        }
    }
}

/// Consent to the ILN terms, as given when accepting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Consent {
    pub terms_version: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Derecognition {
    pub at: DateTime<Utc>,
    pub reason: String,
    pub referred_to_iac: bool,
}

/// An IMI International Leader.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub id: MemberId,
    pub title: String,
    pub name: PersonName,
    pub email: EmailAddress,
    pub country: Country,
    pub region: Option<Region>,
    pub role: NomineeRole,
    pub languages: Vec<Language>,
    pub since: DateTime<Utc>,
    pub status: MemberStatus,
    pub nomination_id: Option<NominationId>,
    pub consent: Consent,
    pub derecognition: Option<Derecognition>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resigned_at: Option<DateTime<Utc>>,
}

impl Member {
    /// The language IMI writes to the member in: the first they chose.
    pub fn language(&self) -> Language {
        self.languages.first().copied().unwrap_or_default()
    }
}

/// Where an invitation link stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvitationState {
    Open,
    /// Accepted or declined already.
    Used,
    /// Replaced by a newer invitation or withdrawn.
    Revoked,
    Expired,
}

/// `current` tells whether the link is the latest one sent (a resend
/// replaces it).
pub fn invitation_state(
    status: Status,
    token_spent: bool,
    current: bool,
    valid_until: DateTime<Utc>,
    now: DateTime<Utc>,
) -> InvitationState {
    match () {
        _ if token_spent => InvitationState::Used,
        _ if !current => InvitationState::Revoked,
        _ if status != Status::Invited => match status {
            Status::Member | Status::InvitationDeclined => InvitationState::Used,
            _ => InvitationState::Revoked,
        },
        _ if now >= valid_until => InvitationState::Expired,
        _ => InvitationState::Open,
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AcceptRefused {
    #[error("the terms accepted ({given:?}) are not the current terms ({current})")]
    OutdatedTerms { given: String, current: String },
    #[error(transparent)]
    Illegal(#[from] crate::lifecycle::Refusal),
}

/// The nominee of `nomination`, by the link whose token hashes to `token`,
/// accepts, consenting to `terms_version`: the member, the move, and the
/// welcome.
pub fn accept(
    nomination: &crate::Nomination,
    token: &TokenHash,
    terms_version: &str,
    current_terms: &str,
    slack_join_url: &str,
    now: DateTime<Utc>,
) -> Result<Step, AcceptRefused> {
    if terms_version.trim() != current_terms {
        return Err(AcceptRefused::OutdatedTerms {
            given: terms_version.to_owned(),
            current: current_terms.to_owned(),
        });
    }
    let step = Step::take(nomination, Command::AcceptInvitation, Actor::Nominee, now)?;
    let nominee = &nomination.submission.nominee;
    let language = nomination.submission.nominee_language();
    let member = Member {
        id: MemberId::new(now),
        title: TITLE.to_owned(),
        name: nominee.name.clone(),
        email: nominee.email.clone(),
        country: nominee.country,
        region: nominee.region.clone(),
        role: nominee.role,
        languages: vec![language],
        since: now,
        status: MemberStatus::Active,
        nomination_id: Some(nomination.id),
        consent: Consent {
            terms_version: current_terms.to_owned(),
            at: now,
        },
        derecognition: None,
        resigned_at: None,
    };
    let welcome = Message::Welcome {
        nomination_id: nomination.id,
        to: nominee.email.clone(),
        language,
        member_name: nominee.name.clone(),
        slack_join_url: slack_join_url.to_owned(),
    };
    let note = Message::channel_note(
        nomination.id,
        Channel::Iln,
        "member",
        SlackNote::NewMember {
            name: nominee.name.clone(),
            country: nominee.country,
        },
    );
    // A member whose address Slack knows joins the ILN channel at once; the
    // welcome's join link serves everyone else.
    let invite = Message::IlnChannelInvite {
        nomination_id: nomination.id,
        member_id: member.id,
        to: nominee.email.clone(),
    };
    Ok(step
        .sending([welcome, note, invite])
        .spending(token.clone())
        .with_effect(Effect::Admits(Box::new(member))))
}

/// The nominee, by the link whose token hashes to `token`, declines: the
/// move, its reason kept, the vetting channel told.
pub fn decline(
    nomination: &crate::Nomination,
    token: &TokenHash,
    reason: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Step, crate::lifecycle::Refusal> {
    let mut step = Step::take(nomination, Command::DeclineInvitation, Actor::Nominee, now)?.spending(token.clone());
    if let Some(reason) = reason.map(str::trim).filter(|r| !r.is_empty()) {
        step = step.because(crate::slack::truncate(reason, 2_000));
    }
    let note = Message::channel_note(
        nomination.id,
        Channel::Vetting,
        "invitation_declined",
        SlackNote::InvitationDeclined,
    );
    Ok(step.sending([note]))
}

/// The outbox delivered an invitation: `confirmed` → `invited` (or `invited`
/// again when a later round replaces the link), with the link just sent as
/// the only one that works.
pub fn invitation_sent(
    nomination: &crate::Nomination,
    sent: SentInvitation,
    now: DateTime<Utc>,
) -> Result<Step, Refusal> {
    let command = match nomination.status {
        Status::Invited => Command::ResendInvitation,
        _ => Command::SendInvitation,
    };
    Ok(Step::take(nomination, command, Actor::System, now)?.inviting(sent))
}

/// The nomination has no invitation to act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the nomination is {0}, not invited")]
pub struct NotInvited(pub Status);

/// An administrator revokes a confirmed nomination's invitation, sent or
/// not: the nomination is withdrawn and its link stops working.
pub fn revoke(nomination: &crate::Nomination, admin: &str, now: DateTime<Utc>) -> Result<Step, NotInvited> {
    if !matches!(nomination.status, Status::Confirmed | Status::Invited) {
        return Err(NotInvited(nomination.status));
    }
    let step = Step::take(nomination, Command::Withdraw, Actor::Admin(admin.to_owned()), now)
        .map_err(|refusal| NotInvited(refusal.from))?;
    Ok(step.because("invitation revoked"))
}

/// An administrator asks for a new invitation link: the request audited and
/// the next round queued; its delivery makes the earlier link stop working.
/// One round per version, so a double click asks for one resend.
pub fn resend(
    nomination: &crate::Nomination,
    admin: &str,
    now: DateTime<Utc>,
) -> Result<(AuditEvent, Message), NotInvited> {
    nomination
        .status
        .apply(Command::ResendInvitation)
        .map_err(|refusal| NotInvited(refusal.from))?;
    let round = u32::try_from(nomination.version).unwrap_or(u32::MAX);
    Ok((
        AuditEvent::by_admin(now, admin, Happening::ResendRequested),
        Message::Invitation {
            nomination_id: nomination.id,
            round,
        },
    ))
}

/// What a change of the ILN channel's membership came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelOutcome {
    Changed,
    /// Already in the channel (an invite) or not in it (a removal): a
    /// message delivered again changes nothing.
    AlreadySo,
    /// Slack has no user with the member's address.
    NotInSlack,
}

/// The member's audit event for a change of the ILN channel (`removal` or
/// an invite) that came to `outcome`.
pub fn iln_channel_audit(removal: bool, outcome: ChannelOutcome, now: DateTime<Utc>) -> AuditEvent {
    let happening = match (removal, outcome) {
        (_, ChannelOutcome::NotInSlack) => Happening::NotInSlack,
        (false, _) => Happening::JoinedIlnChannel,
        (true, _) => Happening::LeftIlnChannel,
    };
    let event = AuditEvent::by_system(now, happening);
    match (removal, outcome) {
        (false, ChannelOutcome::AlreadySo) => event.because("already in the channel"),
        (true, ChannelOutcome::AlreadySo) => event.because("not in the channel"),
        (false, ChannelOutcome::NotInSlack) => event.because("the welcome mail carries the join link"),
        _ => event,
    }
}

/// Slack refused (for good) the change of the ILN channel `message` asks
/// for, with `slack_error`: the note to the vetting channel, naming the
/// problem and no one, and the member's audit event. `None` for any other
/// message.
pub fn iln_channel_refused(
    message: &Message,
    slack_error: &str,
    now: DateTime<Utc>,
) -> Option<(Message, MemberId, AuditEvent)> {
    let (nomination_id, member_id, removal) = match message {
        Message::IlnChannelInvite {
            nomination_id,
            member_id,
            ..
        } => (*nomination_id, *member_id, false),
        Message::IlnChannelRemoval {
            nomination_id,
            member_id,
            ..
        } => (*nomination_id, *member_id, true),
        _ => return None,
    };
    let note = Message::IlnChannelRefused {
        nomination_id,
        message_id: message.id().to_string(),
        removal,
        slack_error: slack_error.to_owned(),
    };
    let audit = AuditEvent::by_system(now, Happening::IlnChannelRefused).because(slack_error);
    Some((note, member_id, audit))
}

/// A member no longer active (derecognised or resigned) is changed no more.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the member is {} already", .0.code())]
pub struct NoLongerActive(pub MemberStatus);

impl Member {
    /// The member's nomination (whose id keys every message about them),
    /// while they are active.
    pub(crate) fn active_nomination(&self) -> Result<NominationId, NoLongerActive> {
        match (self.status, self.nomination_id) {
            (MemberStatus::Active, Some(id)) => Ok(id),
            (MemberStatus::Active, None) => Err(NoLongerActive(MemberStatus::Active)),
            (status, _) => Err(NoLongerActive(status)),
        }
    }
}

/// What derecognising a member does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Derecognized {
    pub derecognition: Derecognition,
    pub audit: AuditEvent,
    pub messages: Vec<Message>,
}

/// An administrator derecognises `member` for `reason`, referring the case to
/// the Independent Advisory Committee (at `iac`) when asked.
pub fn derecognize(
    member: &Member,
    admin: &str,
    reason: &crate::vetting::Reason,
    refer_to_iac: bool,
    iac: &EmailAddress,
    now: DateTime<Utc>,
) -> Result<Derecognized, NoLongerActive> {
    let nomination_id = member.active_nomination()?;
    let language = member.language();
    let mut messages = vec![
        Message::Derecognition {
            nomination_id,
            to: member.email.clone(),
            language,
            member_name: member.name.clone(),
            reason: reason.as_str().to_owned(),
        },
        Message::channel_note(
            nomination_id,
            Channel::Vetting,
            "derecognized",
            SlackNote::Derecognized {
                member: member.id.to_string(),
                referred_to_iac: refer_to_iac,
            },
        ),
    ];
    messages.push(Message::IlnChannelRemoval {
        nomination_id,
        member_id: member.id,
        to: member.email.clone(),
    });
    if refer_to_iac {
        messages.push(Message::IacReferral {
            nomination_id,
            to: iac.clone(),
            member_id: member.id.to_string(),
            country: member.country.alpha2().to_owned(),
            reason: reason.as_str().to_owned(),
        });
    }
    let audit = AuditEvent::derecognized(now, Actor::Admin(admin.to_owned())).because(reason.as_str());
    Ok(Derecognized {
        derecognition: Derecognition {
            at: now,
            reason: reason.as_str().to_owned(),
            referred_to_iac: refer_to_iac,
        },
        audit,
        messages,
    })
}

/// What a member's resignation does: recorded on the member with its audit
/// event; the vetting channel is told and the member leaves the ILN channel,
/// as on derecognition, but nothing is sent to IAC or said of a reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resigned {
    pub at: DateTime<Utc>,
    pub audit: AuditEvent,
    pub messages: Vec<Message>,
}

/// `member` resigns from the ILN on their own page.
pub fn resign(member: &Member, now: DateTime<Utc>) -> Result<Resigned, NoLongerActive> {
    let nomination_id = member.active_nomination()?;
    let messages = vec![
        Message::channel_note(
            nomination_id,
            Channel::Vetting,
            "resigned",
            SlackNote::Resigned {
                member: member.id.to_string(),
            },
        ),
        Message::IlnChannelRemoval {
            nomination_id,
            member_id: member.id,
            to: member.email.clone(),
        },
    ];
    Ok(Resigned {
        at: now,
        audit: AuditEvent::by_member(now, &member.id.to_string(), Happening::Resigned),
        messages,
    })
}

/// The member's languages with `language` first (the one IMI writes in),
/// and its audit event; `None` when it is first already.
pub fn choose_language(
    member: &Member,
    language: Language,
    now: DateTime<Utc>,
) -> Result<Option<(Vec<Language>, AuditEvent)>, NoLongerActive> {
    member.active_nomination()?;
    if member.language() == language && !member.languages.is_empty() {
        return Ok(None);
    }
    let mut languages = vec![language];
    languages.extend(member.languages.iter().copied().filter(|other| *other != language));
    let audit = AuditEvent::by_member(now, &member.id.to_string(), Happening::MemberLanguageChanged);
    Ok(Some((languages, audit)))
}

/// Why a member's address cannot change as asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AddressRefused {
    #[error(transparent)]
    NoLongerActive(#[from] NoLongerActive),
    #[error("that is the member's address already")]
    Unchanged,
    /// The address changed since the confirmation was asked for: a link to
    /// an older request changes nothing.
    #[error("the member's address changed since")]
    Superseded,
}

/// What confirming a new address does: its audit event (never the
/// addresses), and a note to the address left, should someone else have
/// asked for the change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddressChange {
    pub audit: AuditEvent,
    pub messages: Vec<Message>,
}

/// `member` confirmed from `to` the change asked for when their address
/// was `from`.
pub fn change_address(
    member: &Member,
    from: &EmailAddress,
    to: &EmailAddress,
    now: DateTime<Utc>,
) -> Result<AddressChange, AddressRefused> {
    let nomination_id = member.active_nomination()?;
    if member.email.identity() != from.identity() {
        return Err(AddressRefused::Superseded);
    }
    if member.email.identity() == to.identity() {
        return Err(AddressRefused::Unchanged);
    }
    Ok(AddressChange {
        audit: AuditEvent::by_member(now, &member.id.to_string(), Happening::MemberAddressChanged),
        messages: vec![Message::MemberAddressChanged {
            nomination_id,
            to: member.email.clone(),
            language: member.language(),
            at: now,
        }],
    })
}

/// A direct invitation as an administrator sends it (IMI Board Emeriti,
/// first-round invitations): no nomination before it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DirectInvitationForm {
    pub name: String,
    pub email: String,
    pub country: String,
    #[serde(default)]
    pub region: Option<String>,
    pub language: String,
    pub role: String,
    pub reason: String,
}

impl DirectInvitationForm {
    /// The invitation as a submission by IMI (`admin_email` as its author),
    /// or the first field that is wrong.
    pub fn parse(
        &self,
        admin_email: &EmailAddress,
    ) -> Result<crate::nomination::Submission, (&'static str, crate::intake::Problem)> {
        use crate::nomination::{Links, Nominator, NominatorBasis, Nominee, Rationale, Submission};
        let region = match self.region.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(raw) => Some(Region::parse(raw).map_err(|p| ("region", p))?),
        };
        // IMI writes to the person it invites: one language for both.
        let language = Language::parse(&self.language).map_err(|p| ("language", p))?;
        Ok(Submission {
            nominee: Nominee {
                name: PersonName::parse(&self.name).map_err(|p| ("name", p))?,
                email: EmailAddress::parse(&self.email).map_err(|p| ("email", p))?,
                country: Country::parse(&self.country).map_err(|p| ("country", p))?,
                region,
                role: NomineeRole::parse(&self.role).map_err(|p| ("role", p))?,
                language: Some(language),
            },
            nominator: Nominator {
                name: PersonName::parse("International Mediation Institute").map_err(|p| ("name", p))?,
                email: admin_email.clone(),
                basis: NominatorBasis::DirectInvitation,
            },
            rationale: Rationale::direct(&self.reason).map_err(|p| ("reason", p))?,
            links: Links::default(),
            self_identification: None,
            language,
            // IMI invites: the card says so, naming no one.
            share_name_with_iln: false,
        })
    }
}

#[cfg(test)]
mod tests;
