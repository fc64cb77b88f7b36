//! One message of every kind, for the tests of what kinds are and say.

use super::{Addressee, MailLinks, Message, SlackNote};
use crate::audit::Actor;
use crate::delivery::FailureReason;
use crate::i18n::Language;
use crate::nomination::NominationId;
use crate::pages::PublicBaseUrl;
use crate::person::{EmailAddress, PersonName};
use crate::slack::Channel;
use crate::slack::interaction::SlackUserId;
use crate::token::LinkKey;

pub(super) const REFERENCE: &str = "01KQ2Z3Y4X5W6V7T8S9R0QPNMK";

pub(super) fn links() -> MailLinks {
    MailLinks {
        base_url: PublicBaseUrl::parse("https://iln.example.org").unwrap(),
        key: LinkKey::parse("a test key that is long enough for HMAC-SHA256").unwrap(),
        validity: crate::token::LinkValidity::default(),
        policies: crate::pages::PolicyLinks {
            contact: address("privacy@example.org"),
            privacy_policy: crate::nomination::Link::parse("https://imi.example.org/privacy-policy").unwrap(),
            terms_of_use: crate::nomination::Link::parse("https://imi.example.org/terms-of-use").unwrap(),
            retention: crate::retention::Retention::default(),
        },
    }
}

pub(super) fn member_id() -> crate::membership::MemberId {
    "01KQ2Z3Y4X5W6V7T8S9R0QPNMM".parse().unwrap()
}

pub(super) fn reference() -> NominationId {
    REFERENCE.parse().unwrap()
}

fn address(raw: &str) -> EmailAddress {
    EmailAddress::parse(raw).unwrap()
}

fn name(raw: &str) -> PersonName {
    PersonName::parse(raw).unwrap()
}

/// Lucía nominated Amara and writes in Spanish.
pub(super) fn addressee() -> Addressee {
    Addressee {
        to: address("lucia@example.org"),
        language: Language::Es,
        nominator_name: name("Lucía Fernández"),
        nominee_name: name("Amara Okafor"),
    }
}

/// One message of every kind (the digest twice: as a card and as a mail),
/// each with what tells it apart from the others of its kind.
pub(super) fn one_of_each_kind() -> Vec<Message> {
    let nomination_id = reference();
    vec![
        Message::NominatorVerification {
            nomination_id,
            addressee: addressee(),
        },
        Message::Rejection {
            nomination_id,
            addressee: addressee(),
            reason: Some("Not enough about the nominee's work.".into()),
        },
        Message::InformationRequest {
            nomination_id,
            request: 3,
            addressee: addressee(),
            question: "Which courts?".into(),
        },
        Message::VettingCard { nomination_id },
        Message::IlnCard { nomination_id },
        Message::InformationAdded {
            nomination_id,
            request: 3,
        },
        Message::CardUpdate {
            nomination_id,
            channel: Channel::Iln,
            version: 7,
        },
        Message::ConcernRaised {
            nomination_id,
            by: SlackUserId::new("U123"),
            concern: "We worked together.".into(),
            key: "1800000000.000100".into(),
        },
        Message::ConcernResolved {
            nomination_id,
            concern_id: "U123.5f2a".into(),
            by: Actor::Vetter("UVERA".into()),
            note: "We spoke with both; no conflict.".into(),
        },
        Message::Ephemeral {
            nomination_id,
            channel: "C042".into(),
            user: SlackUserId::new("U123"),
            text: "You may not confirm your own nominee.".into(),
            key: "1800000000.000200".into(),
        },
        Message::Invitation {
            nomination_id,
            round: 2,
        },
        Message::InvitationReminder {
            nomination_id,
            round: 2,
        },
        Message::Welcome {
            nomination_id,
            to: address("amara@example.org"),
            language: Language::Es,
            member_name: name("Amara Okafor"),
            slack_join_url: "https://join.slack.com/t/iln/shared_invite/abc".into(),
        },
        Message::MemberSignIn {
            nomination_id,
            member_id: member_id(),
            to: address("amara@example.org"),
            language: Language::Es,
            window: 6_000_000,
        },
        Message::MemberAddressConfirmation {
            nomination_id,
            member_id: member_id(),
            from: address("amara@example.org"),
            to: address("amara.new@example.org"),
            language: Language::Es,
            window: 6_000_000,
        },
        Message::MemberAddressChanged {
            nomination_id,
            to: address("amara@example.org"),
            language: Language::Es,
            at: chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap(),
        },
        Message::Derecognition {
            nomination_id,
            to: address("amara@example.org"),
            language: Language::Es,
            member_name: name("Amara Okafor"),
            reason: "Breach of confidentiality.".into(),
        },
        Message::IacReferral {
            nomination_id,
            to: address("iac@example.org"),
            member_id: "M-17".into(),
            country: "NG".into(),
            reason: "Breach of confidentiality.".into(),
        },
        Message::NominationReferral {
            nomination_id,
            to: address("iac@example.org"),
            reason: "A member reports a possible conflict with a sanctioned body.".into(),
            file: "Nominee: Amara Okafor\nCountry: Nigeria\n\nConcern (2027-01-10, open):\nPlease check.".into(),
            at: chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap(),
        },
        Message::ProcessConcluded {
            nomination_id,
            addressee: addressee(),
        },
        Message::VettingDigest {
            date: "2027-01-15".into(),
            references: vec![nomination_id],
            to: None,
        },
        Message::VettingDigest {
            date: "2027-01-15".into(),
            references: vec![nomination_id],
            to: Some(address("vetters@example.org")),
        },
        Message::DeliveryAlert {
            message_id: format!("{REFERENCE}.welcome"),
            failing_kind: "welcome".into(),
            nomination_id: Some(nomination_id),
            attempts: 5,
        },
        Message::DeliveryFailed {
            message_id: format!("{REFERENCE}.welcome"),
            failing_kind: "welcome".into(),
            nomination_id: Some(nomination_id),
            reason: FailureReason::Bounced,
        },
        Message::reminder(
            nomination_id,
            Channel::Vetting,
            "2027-01-15".into(),
            SlackNote::DiscussionReminder {
                waiting_days: 8,
                confirmations: 1,
                needed: 2,
            },
        ),
        Message::DataErased {
            nomination_id,
            channel: Channel::Iln,
            card_channel: "C042".into(),
            card_ts: "1800000000.000300".into(),
        },
        Message::IlnChannelInvite {
            nomination_id,
            member_id: member_id(),
            to: address("amara@example.org"),
        },
        Message::IlnChannelRemoval {
            nomination_id,
            member_id: member_id(),
            to: address("amara@example.org"),
        },
        Message::IlnChannelRefused {
            nomination_id,
            message_id: format!("{REFERENCE}.iln_channel_invite"),
            removal: false,
            slack_error: "restricted_action".into(),
        },
        Message::ChannelNote {
            nomination_id,
            channel: Channel::Iln,
            text: ":wave: Amara is now a member.".into(),
            key: "welcome".into(),
            // As stored before notes were data: its text is posted as it is.
            note: None,
        },
        // Amara reads English, though Lucía nominated her in Spanish.
        Message::NomineeNotice {
            nomination_id,
            to: address("amara@example.org"),
            language: Language::En,
            nominee_name: name("Amara Okafor"),
            consent: false,
        },
    ]
}

pub(super) fn example(kind: &str) -> Message {
    one_of_each_kind()
        .into_iter()
        .find(|message| message.kind() == kind)
        .unwrap()
}
