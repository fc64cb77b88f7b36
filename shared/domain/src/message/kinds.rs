//! What each kind of message is, stated once in `Message::spec`: its name,
//! the nomination it is about, what its id is made of, where it goes, whom
//! it is for, the links it carries and, for an e-mail, to whom and in which
//! language. `Message`'s answers about a kind are all read from here; what a
//! message says is in `content`.

use std::fmt;

use super::{Addressee, Message, Reader, Route};
use crate::i18n::Language;
use crate::nomination::NominationId;
use crate::person::EmailAddress;
use crate::slack::Channel;
use crate::token::TokenPurpose;

pub(super) struct Spec<'a> {
    /// What logs, metrics and the outbox's admin call the kind; an e-mail's
    /// template is named after it.
    pub kind: &'static str,
    pub nomination_id: Option<NominationId>,
    pub key: Key<'a>,
    pub route: Route,
    pub reader: Reader,
    pub links: &'static [TokenPurpose],
    /// Set for the kinds rendered as e-mails from the message alone.
    pub mail: Option<Mail<'a>>,
}

/// To whom an e-mail goes and in which language.
pub(super) struct Mail<'a> {
    pub to: &'a EmailAddress,
    pub language: Language,
    /// The one placeholder of the subject line, and its value.
    pub subject: Option<(&'static str, &'a str)>,
    /// Set for a mail to a nominator, which names them and their nominee.
    pub nominator: Option<&'a Addressee>,
}

impl<'a> Mail<'a> {
    fn to(to: &'a EmailAddress, language: Language) -> Self {
        Self {
            to,
            language,
            subject: None,
            nominator: None,
        }
    }

    fn to_nominator(addressee: &'a Addressee) -> Self {
        Self {
            to: &addressee.to,
            language: addressee.language,
            subject: Some(("{nominee_name}", addressee.nominee_name.as_str())),
            nominator: Some(addressee),
        }
    }

    fn subject(self, placeholder: &'static str, value: &'a str) -> Self {
        Self {
            subject: Some((placeholder, value)),
            ..self
        }
    }
}

/// What a message's id is made of: `{nomination}.{name}`, or `{name}` for a
/// message that is not one nomination's, then `.{part}` for each part that
/// tells two messages of a kind apart. Ids are stored: this format is kept.
pub(super) struct Key<'a> {
    nomination_id: Option<NominationId>,
    name: &'static str,
    parts: Vec<KeyPart<'a>>,
}

pub(super) enum KeyPart<'a> {
    Text(&'a str),
    Number(u64),
}

impl<'a> Key<'a> {
    fn of(nomination_id: NominationId, name: &'static str) -> Self {
        Self {
            nomination_id: Some(nomination_id),
            name,
            parts: Vec::new(),
        }
    }

    fn named(name: &'static str) -> Self {
        Self {
            nomination_id: None,
            name,
            parts: Vec::new(),
        }
    }

    fn and(mut self, part: impl Into<KeyPart<'a>>) -> Self {
        self.parts.push(part.into());
        self
    }
}

impl fmt::Display for Key<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(nomination_id) = self.nomination_id {
            write!(f, "{nomination_id}.")?;
        }
        f.write_str(self.name)?;
        for part in &self.parts {
            match part {
                KeyPart::Text(text) => write!(f, ".{text}")?,
                KeyPart::Number(number) => write!(f, ".{number}")?,
            }
        }
        Ok(())
    }
}

impl<'a> From<&'a str> for KeyPart<'a> {
    fn from(text: &'a str) -> Self {
        KeyPart::Text(text)
    }
}

impl<'a> From<&'a String> for KeyPart<'a> {
    fn from(text: &'a String) -> Self {
        KeyPart::Text(text)
    }
}

impl From<u64> for KeyPart<'_> {
    fn from(number: u64) -> Self {
        KeyPart::Number(number)
    }
}

impl From<u32> for KeyPart<'_> {
    fn from(number: u32) -> Self {
        KeyPart::Number(number.into())
    }
}

impl<'a> Spec<'a> {
    /// A message for IMI's staff or a channel, with no links; its id is
    /// `{nomination}.{kind}`.
    fn new(kind: &'static str, nomination_id: Option<NominationId>, route: Route) -> Self {
        Self {
            kind,
            nomination_id,
            key: Key {
                nomination_id,
                name: kind,
                parts: Vec::new(),
            },
            route,
            reader: Reader::Staff,
            links: &[],
            mail: None,
        }
    }

    fn about(kind: &'static str, nomination_id: NominationId, route: Route) -> Self {
        Self::new(kind, Some(nomination_id), route)
    }

    fn mail(kind: &'static str, nomination_id: Option<NominationId>, reader: Reader, mail: Mail<'a>) -> Self {
        Self {
            reader,
            mail: Some(mail),
            ..Self::new(kind, nomination_id, Route::Email)
        }
    }

    fn mail_to_nominator(kind: &'static str, nomination_id: NominationId, addressee: &'a Addressee) -> Self {
        Self::mail(
            kind,
            Some(nomination_id),
            Reader::Nominator,
            Mail::to_nominator(addressee),
        )
    }

    fn for_reader(self, reader: Reader) -> Self {
        Self { reader, ..self }
    }

    fn with_links(self, links: &'static [TokenPurpose]) -> Self {
        Self { links, ..self }
    }

    /// Adds to the id what tells this message apart from others of its kind.
    fn and(self, part: impl Into<KeyPart<'a>>) -> Self {
        Self {
            key: self.key.and(part),
            ..self
        }
    }

    /// An id not made as `{nomination}.{kind}`.
    fn id(self, key: Key<'a>) -> Self {
        Self { key, ..self }
    }
}

impl Message {
    /// Every kind of message, once. A new kind is a new arm here (the
    /// compiler asks for it), plus its words in `content` if it is an e-mail
    /// or a note.
    pub(super) fn spec(&self) -> Spec<'_> {
        match self {
            Message::NominatorVerification {
                nomination_id,
                addressee,
            } => Spec::mail_to_nominator("nominator_verification", *nomination_id, addressee).with_links(&[
                TokenPurpose::VerifyNominatorEmail,
                TokenPurpose::WithdrawNomination,
                TokenPurpose::FollowNomination,
            ]),
            Message::Rejection {
                nomination_id,
                addressee,
                ..
            } => Spec::mail_to_nominator("rejection", *nomination_id, addressee),
            Message::InformationRequest {
                nomination_id,
                request,
                addressee,
                ..
            } => Spec::mail_to_nominator("information_request", *nomination_id, addressee)
                .and(*request)
                .with_links(&[TokenPurpose::ProvideInformation]),
            Message::VettingCard { nomination_id } => {
                Spec::about("vetting_card", *nomination_id, Route::Card(Channel::Vetting))
            }
            Message::IlnCard { nomination_id } => Spec::about("iln_card", *nomination_id, Route::Card(Channel::Iln)),
            Message::InformationAdded { nomination_id, request } => {
                Spec::about("information_added", *nomination_id, Route::Thread(Channel::Vetting)).and(*request)
            }
            Message::CardUpdate {
                nomination_id,
                channel,
                version,
            } => Spec::about("card_update", *nomination_id, Route::CardUpdate(*channel))
                .and(channel.code())
                .and(*version),
            Message::ConcernRaised { nomination_id, key, .. } => Spec::about(
                "concern_raised",
                *nomination_id,
                Route::Thread(Channel::Iln),
            )
            .id(Key::of(*nomination_id, "concern").and(key)),
            Message::ConcernResolved {
                nomination_id,
                concern_id,
                ..
            } => Spec::about("concern_resolved", *nomination_id, Route::Thread(Channel::Iln)).and(concern_id),
            Message::Ephemeral { nomination_id, key, .. } => {
                Spec::about("ephemeral", *nomination_id, Route::Ephemeral).and(key)
            }
            Message::Invitation { nomination_id, round } => {
                Spec::about("invitation", *nomination_id, Route::Invitation)
                    .for_reader(Reader::Nominee)
                    .and(*round)
                    .with_links(&[TokenPurpose::AnswerInvitation])
            }
            Message::InvitationReminder { nomination_id, round } => {
                Spec::about("invitation_reminder", *nomination_id, Route::InvitationReminder)
                    .for_reader(Reader::Nominee)
                    .and(*round)
            }
            Message::Welcome {
                nomination_id,
                to,
                language,
                ..
            } => Spec::mail(
                "welcome",
                Some(*nomination_id),
                Reader::Nominee,
                Mail::to(to, *language),
            ),
            Message::MemberSignIn {
                nomination_id,
                to,
                language,
                window,
                ..
            } => Spec::mail(
                "member_sign_in",
                Some(*nomination_id),
                Reader::Nominee,
                Mail::to(to, *language),
            )
            .and(*window)
            .with_links(&[TokenPurpose::SignInMember]),
            Message::MemberAddressConfirmation {
                nomination_id,
                to,
                language,
                window,
                ..
            } => Spec::mail(
                "member_address_confirmation",
                Some(*nomination_id),
                Reader::Nominee,
                Mail::to(to, *language),
            )
            .and(*window)
            .with_links(&[TokenPurpose::ConfirmMemberAddress]),
            Message::MemberAddressChanged {
                nomination_id,
                to,
                language,
                at,
            } => Spec::mail(
                "member_address_changed",
                Some(*nomination_id),
                Reader::Nominee,
                Mail::to(to, *language),
            )
            .and(at.timestamp() as u64),
            Message::Derecognition {
                nomination_id,
                to,
                language,
                ..
            } => Spec::mail(
                "derecognition",
                Some(*nomination_id),
                Reader::Nominee,
                Mail::to(to, *language),
            ),
            Message::IacReferral {
                nomination_id,
                to,
                member_id,
                ..
            } => Spec::mail(
                "iac_referral",
                Some(*nomination_id),
                Reader::Staff,
                Mail::to(to, Language::En).subject("{reference}", member_id),
            ),
            Message::NominationReferral {
                nomination_id, to, at, ..
            } => Spec::mail(
                "nomination_referral",
                Some(*nomination_id),
                Reader::Staff,
                Mail::to(to, Language::En),
            )
            .and(at.timestamp() as u64),
            Message::ProcessConcluded {
                nomination_id,
                addressee,
            } => Spec::mail_to_nominator("process_concluded", *nomination_id, addressee),
            Message::VettingDigest { date, to: Some(to), .. } => Spec::mail(
                "vetting_digest",
                None,
                Reader::Staff,
                Mail::to(to, Language::En).subject("{date}", date),
            )
            .id(Key::named("digest").and("mail").and(date)),
            Message::VettingDigest { date, to: None, .. } => {
                Spec::new("vetting_digest", None, Route::Note(Channel::Vetting))
                    .id(Key::named("digest").and("card").and(date))
            }
            Message::DeliveryAlert {
                message_id,
                nomination_id,
                ..
            } => Spec::new("delivery_alert", *nomination_id, Route::Note(Channel::Vetting))
                .id(Key::named("alert").and(message_id)),
            Message::DeliveryFailed {
                message_id,
                nomination_id,
                ..
            } => Spec::new("delivery_failed", *nomination_id, Route::Note(Channel::Vetting))
                .id(Key::named("alert").and("failed").and(message_id)),
            Message::Reminder {
                nomination_id,
                channel,
                date,
                ..
            } => Spec::about("reminder", *nomination_id, Route::Thread(*channel))
                .and(channel.code())
                .and(date),
            Message::DataErased {
                nomination_id, channel, ..
            } => Spec::about("data_erased", *nomination_id, Route::ErasedCard)
                .id(Key::of(*nomination_id, "erased").and(channel.code())),
            Message::IlnChannelInvite { nomination_id, .. } => {
                Spec::about("iln_channel_invite", *nomination_id, Route::IlnChannel).for_reader(Reader::Nominee)
            }
            Message::IlnChannelRemoval { nomination_id, .. } => {
                Spec::about("iln_channel_removal", *nomination_id, Route::IlnChannel).for_reader(Reader::Nominee)
            }
            Message::IlnChannelRefused {
                nomination_id,
                message_id,
                ..
            } => Spec::about("iln_channel_refused", *nomination_id, Route::Note(Channel::Vetting)).id(Key::of(
                *nomination_id,
                "alert",
            )
            .and("iln_channel")
            .and(message_id)),
            Message::NomineeNotice {
                nomination_id,
                to,
                language,
                ..
            } => Spec::mail(
                "nominee_notice",
                Some(*nomination_id),
                Reader::Nominee,
                Mail::to(to, *language),
            )
            .with_links(&[TokenPurpose::AnswerNotice]),
            Message::ChannelNote {
                nomination_id,
                channel,
                key,
                ..
            } => Spec::about("channel_note", *nomination_id, Route::Note(*channel))
                .id(Key::of(*nomination_id, "note").and(channel.code()).and(key)),
        }
    }
}
