use super::*;
use crate::lifecycle::Status;

const REFERENCE: &str = "01KQ2Z3Y4X5W6V7T8S9R0QPNMK";

fn links() -> MailLinks {
    MailLinks {
        base_url: PublicBaseUrl::parse("https://iln.example.org").unwrap(),
        key: LinkKey::parse("a test key that is long enough for HMAC-SHA256").unwrap(),
        validity: crate::token::LinkValidity::default(),
    }
}

fn reference() -> NominationId {
    REFERENCE.parse().unwrap()
}

fn address(raw: &str) -> EmailAddress {
    EmailAddress::parse(raw).unwrap()
}

fn name(raw: &str) -> PersonName {
    PersonName::parse(raw).unwrap()
}

/// Lucía nominated Amara and writes in Spanish.
fn addressee() -> Addressee {
    Addressee {
        to: address("lucia@example.org"),
        language: Language::Es,
        nominator_name: name("Lucía Fernández"),
        nominee_name: name("Amara Okafor"),
    }
}

/// One message of every kind (the digest twice: as a card and as a mail),
/// each with what tells it apart from the others of its kind.
fn one_of_each_kind() -> Vec<Message> {
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
        Message::Reminder {
            nomination_id,
            channel: Channel::Vetting,
            date: "2027-01-15".into(),
            text: ":bell: A decision is still due.".into(),
        },
        Message::DataErased {
            nomination_id,
            channel: Channel::Iln,
            card_channel: "C042".into(),
            card_ts: "1800000000.000300".into(),
        },
        Message::ChannelNote {
            nomination_id,
            channel: Channel::Iln,
            text: ":wave: Amara is now a member.".into(),
            key: "welcome".into(),
        },
    ]
}

fn example(kind: &str) -> Message {
    one_of_each_kind()
        .into_iter()
        .find(|message| message.kind() == kind)
        .unwrap()
}

#[test]
fn the_examples_cover_every_kind() {
    let kinds: std::collections::BTreeSet<_> = one_of_each_kind().iter().map(Message::kind).collect();

    assert_eq!(kinds.len(), 20, "{kinds:?}");
}

/// What each kind is: its id, kind, route, reader and links, as the outbox
/// and the privacy export rely on them. Ids are stored: they must not change.
#[test]
fn each_kind_has_its_id_route_reader_and_links() {
    use TokenPurpose::*;
    let expected: Vec<(String, &str, Route, Reader, &[TokenPurpose])> = vec![
        (
            format!("{REFERENCE}.nominator_verification"),
            "nominator_verification",
            Route::Email,
            Reader::Nominator,
            &[VerifyNominatorEmail, WithdrawNomination],
        ),
        (
            format!("{REFERENCE}.rejection"),
            "rejection",
            Route::Email,
            Reader::Nominator,
            &[],
        ),
        (
            format!("{REFERENCE}.information_request.3"),
            "information_request",
            Route::Email,
            Reader::Nominator,
            &[ProvideInformation],
        ),
        (
            format!("{REFERENCE}.vetting_card"),
            "vetting_card",
            Route::Card(Channel::Vetting),
            Reader::Staff,
            &[],
        ),
        (
            format!("{REFERENCE}.iln_card"),
            "iln_card",
            Route::Card(Channel::Iln),
            Reader::Staff,
            &[],
        ),
        (
            format!("{REFERENCE}.information_added.3"),
            "information_added",
            Route::Thread(Channel::Vetting),
            Reader::Staff,
            &[],
        ),
        (
            format!("{REFERENCE}.card_update.iln.7"),
            "card_update",
            Route::CardUpdate(Channel::Iln),
            Reader::Staff,
            &[],
        ),
        (
            format!("{REFERENCE}.concern.1800000000.000100"),
            "concern_raised",
            Route::Thread(Channel::Iln),
            Reader::Staff,
            &[],
        ),
        (
            format!("{REFERENCE}.ephemeral.1800000000.000200"),
            "ephemeral",
            Route::Ephemeral,
            Reader::Staff,
            &[],
        ),
        (
            format!("{REFERENCE}.invitation.2"),
            "invitation",
            Route::Invitation,
            Reader::Nominee,
            &[AnswerInvitation],
        ),
        (
            format!("{REFERENCE}.invitation_reminder.2"),
            "invitation_reminder",
            Route::InvitationReminder,
            Reader::Nominee,
            &[],
        ),
        (
            format!("{REFERENCE}.welcome"),
            "welcome",
            Route::Email,
            Reader::Nominee,
            &[],
        ),
        (
            format!("{REFERENCE}.derecognition"),
            "derecognition",
            Route::Email,
            Reader::Nominee,
            &[],
        ),
        (
            format!("{REFERENCE}.iac_referral"),
            "iac_referral",
            Route::Email,
            Reader::Staff,
            &[],
        ),
        (
            "digest.card.2027-01-15".into(),
            "vetting_digest",
            Route::Note(Channel::Vetting),
            Reader::Staff,
            &[],
        ),
        (
            "digest.mail.2027-01-15".into(),
            "vetting_digest",
            Route::Email,
            Reader::Staff,
            &[],
        ),
        (
            format!("alert.{REFERENCE}.welcome"),
            "delivery_alert",
            Route::Note(Channel::Vetting),
            Reader::Staff,
            &[],
        ),
        (
            format!("alert.failed.{REFERENCE}.welcome"),
            "delivery_failed",
            Route::Note(Channel::Vetting),
            Reader::Staff,
            &[],
        ),
        (
            format!("{REFERENCE}.reminder.vetting.2027-01-15"),
            "reminder",
            Route::Thread(Channel::Vetting),
            Reader::Staff,
            &[],
        ),
        (
            format!("{REFERENCE}.erased.iln"),
            "data_erased",
            Route::ErasedCard,
            Reader::Staff,
            &[],
        ),
        (
            format!("{REFERENCE}.note.iln.welcome"),
            "channel_note",
            Route::Note(Channel::Iln),
            Reader::Staff,
            &[],
        ),
    ];

    let actual: Vec<(String, &str, Route, Reader, &[TokenPurpose])> = one_of_each_kind()
        .iter()
        .map(|message| {
            (
                message.id().to_string(),
                message.kind(),
                message.route(),
                message.reader(),
                message.link_purposes(),
            )
        })
        .collect();
    assert_eq!(actual, expected);
}

#[test]
fn every_message_is_about_its_nomination_but_the_digest() {
    for message in one_of_each_kind() {
        let expected = (message.kind() != "vetting_digest").then(reference);

        assert_eq!(message.nomination_id(), expected, "{}", message.kind());
    }
}

/// The outbox stores a message as this JSON and reads it back, maybe after
/// a deployment: the stored form must not change.
#[test]
fn the_stored_form_of_a_message_does_not_change() {
    let pinned = [
        (
            example("nominator_verification"),
            r#"{"kind":"nominator_verification","nomination_id":"01KQ2Z3Y4X5W6V7T8S9R0QPNMK","to":"lucia@example.org","language":"es","nominator_name":"Lucía Fernández","nominee_name":"Amara Okafor"}"#,
        ),
        (
            Message::Rejection {
                nomination_id: reference(),
                addressee: addressee(),
                reason: None,
            },
            r#"{"kind":"rejection","nomination_id":"01KQ2Z3Y4X5W6V7T8S9R0QPNMK","to":"lucia@example.org","language":"es","nominator_name":"Lucía Fernández","nominee_name":"Amara Okafor"}"#,
        ),
        (
            example("information_request"),
            r#"{"kind":"information_request","nomination_id":"01KQ2Z3Y4X5W6V7T8S9R0QPNMK","request":3,"to":"lucia@example.org","language":"es","nominator_name":"Lucía Fernández","nominee_name":"Amara Okafor","question":"Which courts?"}"#,
        ),
        (
            example("card_update"),
            r#"{"kind":"card_update","nomination_id":"01KQ2Z3Y4X5W6V7T8S9R0QPNMK","channel":"iln","version":7}"#,
        ),
        (
            example("invitation"),
            r#"{"kind":"invitation","nomination_id":"01KQ2Z3Y4X5W6V7T8S9R0QPNMK","round":2}"#,
        ),
        (
            example("welcome"),
            r#"{"kind":"welcome","nomination_id":"01KQ2Z3Y4X5W6V7T8S9R0QPNMK","to":"amara@example.org","language":"es","member_name":"Amara Okafor","slack_join_url":"https://join.slack.com/t/iln/shared_invite/abc"}"#,
        ),
        (
            example("vetting_digest"),
            r#"{"kind":"vetting_digest","date":"2027-01-15","references":["01KQ2Z3Y4X5W6V7T8S9R0QPNMK"],"to":null}"#,
        ),
        (
            example("delivery_failed"),
            r#"{"kind":"delivery_failed","message_id":"01KQ2Z3Y4X5W6V7T8S9R0QPNMK.welcome","failing_kind":"welcome","nomination_id":"01KQ2Z3Y4X5W6V7T8S9R0QPNMK","reason":"bounced"}"#,
        ),
        (
            example("data_erased"),
            r#"{"kind":"data_erased","nomination_id":"01KQ2Z3Y4X5W6V7T8S9R0QPNMK","channel":"iln","card_channel":"C042","card_ts":"1800000000.000300"}"#,
        ),
    ];

    for (message, json) in pinned {
        assert_eq!(serde_json::to_string(&message).unwrap(), json);
        assert_eq!(serde_json::from_str::<Message>(json).unwrap(), message);
    }
}

#[test]
fn an_invitation_stored_before_rounds_is_read_as_the_first_round() {
    let stored = r#"{"kind":"invitation","nomination_id":"01KQ2Z3Y4X5W6V7T8S9R0QPNMK"}"#;

    let message: Message = serde_json::from_str(stored).unwrap();

    assert_eq!(
        message,
        Message::Invitation {
            nomination_id: reference(),
            round: 0
        }
    );
}

#[test]
fn every_kind_reads_back_as_itself_with_the_same_id() {
    for message in one_of_each_kind() {
        let stored = serde_json::to_string(&message).unwrap();

        let read: Message = serde_json::from_str(&stored).unwrap();

        assert_eq!(read, message, "{stored}");
        assert_eq!(read.id(), message.id(), "{stored}");
    }
}

#[test]
fn no_two_messages_of_the_examples_share_an_id() {
    let messages = one_of_each_kind();

    let ids: std::collections::HashSet<MessageId> = messages.iter().map(Message::id).collect();

    assert_eq!(ids.len(), messages.len());
}

/// Causing the same message twice stores it once, so its id depends only on
/// what makes it that message; another request, round, version, channel,
/// day or Slack action is another message.
#[test]
fn a_message_caused_again_has_the_same_id_and_another_one_has_another() {
    let other_nomination: NominationId = "01KQ2Z3Y4X5W6V7T8S9R0QPNMM".parse().unwrap();
    let same_and_other: Vec<(Message, Message)> = one_of_each_kind()
        .into_iter()
        .map(|message| {
            let mut other = message.clone();
            match &mut other {
                Message::NominatorVerification { nomination_id, .. }
                | Message::Rejection { nomination_id, .. }
                | Message::VettingCard { nomination_id }
                | Message::IlnCard { nomination_id }
                | Message::Welcome { nomination_id, .. }
                | Message::Derecognition { nomination_id, .. }
                | Message::IacReferral { nomination_id, .. } => *nomination_id = other_nomination,
                Message::InformationRequest { request, .. } | Message::InformationAdded { request, .. } => {
                    *request += 1
                }
                Message::CardUpdate { version, .. } => *version += 1,
                Message::ConcernRaised { key, .. }
                | Message::Ephemeral { key, .. }
                | Message::ChannelNote { key, .. } => key.push('1'),
                Message::Invitation { round, .. } | Message::InvitationReminder { round, .. } => *round += 1,
                Message::VettingDigest { date, .. } | Message::Reminder { date, .. } => *date = "2027-01-16".into(),
                Message::DeliveryAlert { message_id, .. } | Message::DeliveryFailed { message_id, .. } => {
                    message_id.push('1')
                }
                Message::DataErased { channel, .. } => *channel = Channel::Vetting,
            }
            (message, other)
        })
        .collect();

    for (message, other) in same_and_other {
        assert_eq!(message.clone().id(), message.id(), "{}", message.kind());
        assert_ne!(other.id(), message.id(), "{}", message.kind());
    }
}

#[test]
fn the_id_does_not_depend_on_what_the_message_says() {
    let first = example("channel_note");
    let mut reworded = first.clone();
    if let Message::ChannelNote { text, .. } = &mut reworded {
        *text = "Another text.".into();
    }

    assert_eq!(reworded.id(), first.id());
}

#[test]
fn an_update_or_note_in_another_channel_is_another_message() {
    for kind in ["card_update", "reminder", "channel_note"] {
        let message = example(kind);
        let mut elsewhere = message.clone();
        match &mut elsewhere {
            Message::CardUpdate { channel, .. }
            | Message::Reminder { channel, .. }
            | Message::ChannelNote { channel, .. } => {
                *channel = match channel {
                    Channel::Vetting => Channel::Iln,
                    Channel::Iln => Channel::Vetting,
                }
            }
            _ => unreachable!("only the kinds above"),
        }

        assert_ne!(elsewhere.id(), message.id(), "{kind}");
    }
}

/// The language whose subject line for `kind` begins `subject` (subjects
/// differ between the languages before their first placeholder).
fn language_of(subject: &str, kind: &str) -> Language {
    let key = format!("emails.{kind}.subject");
    Language::ALL
        .into_iter()
        .find(|language| subject.starts_with(language.text(&key).split('{').next().unwrap_or_default()))
        .unwrap()
}

/// An e-mail goes to its addressee in their language; the other kinds are
/// not rendered as e-mails here (the invitation is rendered from its
/// nomination by the outbox).
#[test]
fn each_mail_goes_to_its_addressee_in_their_language() {
    let expected = [
        ("nominator_verification", "lucia@example.org", Language::Es),
        ("rejection", "lucia@example.org", Language::Es),
        ("information_request", "lucia@example.org", Language::Es),
        ("welcome", "amara@example.org", Language::Es),
        ("derecognition", "amara@example.org", Language::Es),
        ("iac_referral", "iac@example.org", Language::En),
        ("vetting_digest", "vetters@example.org", Language::En),
    ];
    let mut mailed = Vec::new();

    for message in one_of_each_kind() {
        let email = message.render_email(&links()).unwrap();

        assert_eq!(email.is_some(), message.route() == Route::Email, "{}", message.kind());
        if let Some(email) = email {
            let language = language_of(&email.subject, message.kind());
            mailed.push((message.kind(), email.to.as_str().to_owned(), language));
        }
    }

    let expected: Vec<_> = expected
        .iter()
        .map(|(kind, to, language)| (*kind, (*to).to_owned(), *language))
        .collect();
    assert_eq!(mailed, expected);
}

#[test]
fn a_mail_to_the_nominator_names_the_nominee_in_its_subject() {
    for kind in ["rejection", "information_request"] {
        let email = example(kind).render_email(&links()).unwrap().unwrap();

        let subject = Language::Es
            .text(&format!("emails.{kind}.subject"))
            .replace("{nominee_name}", "Amara Okafor");
        assert_eq!(email.subject, subject, "{kind}");
    }
}

#[test]
fn the_iac_referral_and_the_digest_name_their_reference_and_date_in_the_subject() {
    let referral = example("iac_referral").render_email(&links()).unwrap().unwrap();
    let digest = one_of_each_kind()
        .into_iter()
        .find(|message| matches!(message, Message::VettingDigest { to: Some(_), .. }))
        .unwrap()
        .render_email(&links())
        .unwrap()
        .unwrap();

    assert_eq!(
        referral.subject,
        Language::En
            .text("emails.iac_referral.subject")
            .replace("{reference}", "M-17")
    );
    assert_eq!(
        digest.subject,
        Language::En
            .text("emails.vetting_digest.subject")
            .replace("{date}", "2027-01-15")
    );
}

#[test]
fn the_information_request_links_to_the_answer_page_with_its_own_token() {
    let message = example("information_request");
    let token = message.link(&links().key, TokenPurpose::ProvideInformation);

    let email = message.render_email(&links()).unwrap().unwrap();

    assert!(email.text.contains(&format!(
        "https://iln.example.org/nominations/information?token={}",
        token.as_str()
    )));
    assert!(email.text.contains("Which courts?"));
}

#[test]
fn each_message_posted_as_text_in_a_thread_or_channel_has_its_text() {
    for message in one_of_each_kind() {
        let kind = message.kind();

        match message.route() {
            Route::Thread(_) => assert!(message.thread_note().is_some(), "{kind}"),
            Route::Note(_) => assert!(message.note_text().is_some(), "{kind}"),
            _ => assert!(message.thread_note().is_none(), "{kind}"),
        }
    }
}

#[test]
fn a_concern_in_a_thread_is_quoted_with_who_raised_it() {
    let note = example("concern_raised").thread_note().unwrap();

    assert_eq!(note, ":warning: Concern raised by <@U123>:\n>We worked together.");
}

#[test]
fn an_alert_names_the_kind_and_nomination_but_not_the_content() {
    let alert = example("delivery_alert").note_text().unwrap();
    let failed = example("delivery_failed").note_text().unwrap();

    assert!(alert.contains(&format!(
        "A welcome message for nomination {REFERENCE} has failed 5 times"
    )));
    assert!(failed.contains(&format!(
        "A welcome message for nomination {REFERENCE} could not be delivered"
    )));
    assert!(failed.contains(&format!("`{REFERENCE}.welcome`")));
}

#[test]
fn the_digest_card_lists_its_references() {
    let digest = example("vetting_digest").note_text().unwrap();

    assert_eq!(
        digest,
        format!(":hourglass: 2027-01-15: 1 nomination(s) have waited too long for vetting: `{REFERENCE}`")
    );
}

#[test]
fn the_verification_mail_carries_no_text_the_submitter_wrote() {
    for language in Language::ALL {
        let mut nomination = crate::test_support::nomination(Status::Submitted, 1, language);
        let spam = "Win a prize at https://spam.example";
        nomination.submission.nominee.name = PersonName::parse(spam).unwrap();
        nomination.submission.nominator.name = PersonName::parse(spam).unwrap();
        let message = Message::NominatorVerification {
            nomination_id: nomination.id,
            addressee: Addressee::nominator_of(&nomination),
        };

        let email = message.render_email(&links()).unwrap().unwrap();

        assert_eq!(email.subject, language.text("emails.nominator_verification.subject"));
        for part in [&email.subject, &email.text, &email.html] {
            assert!(!part.contains("spam.example"), "{language:?}: {part}");
            assert!(!part.contains(nomination.submission.rationale.as_str()));
        }
        assert!(email.text.contains(&nomination.id.to_string()), "the reference");
        assert!(email.text.contains("https://iln.example.org/nominations/verify?token="));
    }
}
