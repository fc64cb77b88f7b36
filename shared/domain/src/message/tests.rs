use super::examples::{REFERENCE, addressee, example, one_of_each_kind, reference};
use super::*;

#[test]
fn the_examples_cover_every_kind() {
    let kinds: std::collections::BTreeSet<_> = one_of_each_kind().iter().map(Message::kind).collect();

    assert_eq!(kinds.len(), 30, "{kinds:?}");
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
            &[VerifyNominatorEmail, WithdrawNomination, FollowNomination],
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
            format!("{REFERENCE}.concern_resolved.U123.5f2a"),
            "concern_resolved",
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
            format!("{REFERENCE}.member_sign_in.6000000"),
            "member_sign_in",
            Route::Email,
            Reader::Nominee,
            &[SignInMember],
        ),
        (
            format!("{REFERENCE}.member_address_confirmation.6000000"),
            "member_address_confirmation",
            Route::Email,
            Reader::Nominee,
            &[ConfirmMemberAddress],
        ),
        (
            format!("{REFERENCE}.member_address_changed.1800000000"),
            "member_address_changed",
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
            format!("{REFERENCE}.nomination_referral.1800000000"),
            "nomination_referral",
            Route::Email,
            Reader::Staff,
            &[],
        ),
        (
            format!("{REFERENCE}.process_concluded"),
            "process_concluded",
            Route::Email,
            Reader::Nominator,
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
            format!("{REFERENCE}.iln_channel_invite"),
            "iln_channel_invite",
            Route::IlnChannel,
            Reader::Nominee,
            &[],
        ),
        (
            format!("{REFERENCE}.iln_channel_removal"),
            "iln_channel_removal",
            Route::IlnChannel,
            Reader::Nominee,
            &[],
        ),
        (
            format!("{REFERENCE}.alert.iln_channel.{REFERENCE}.iln_channel_invite"),
            "iln_channel_refused",
            Route::Note(Channel::Vetting),
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
        (
            format!("{REFERENCE}.nominee_notice"),
            "nominee_notice",
            Route::Email,
            Reader::Nominee,
            &[TokenPurpose::AnswerNotice],
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
            example("concern_resolved"),
            r#"{"kind":"concern_resolved","nomination_id":"01KQ2Z3Y4X5W6V7T8S9R0QPNMK","concern_id":"U123.5f2a","by":{"role":"vetter","id":"UVERA"},"note":"We spoke with both; no conflict."}"#,
        ),
        (
            example("reminder"),
            r#"{"kind":"reminder","nomination_id":"01KQ2Z3Y4X5W6V7T8S9R0QPNMK","channel":"vetting","date":"2027-01-15","text":":bell: This nomination has waited 8 day(s) for a decision: 1 of 2 confirmation(s) so far.","note":{"what":"discussion_reminder","waiting_days":8,"confirmations":1,"needed":2}}"#,
        ),
        (
            example("iln_channel_invite"),
            r#"{"kind":"iln_channel_invite","nomination_id":"01KQ2Z3Y4X5W6V7T8S9R0QPNMK","member_id":"01KQ2Z3Y4X5W6V7T8S9R0QPNMM","to":"amara@example.org"}"#,
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

/// Notes and reminders stored before they carried their words as data are
/// read, and posted, as they were written.
#[test]
fn a_note_or_reminder_stored_as_text_is_read_with_no_note() {
    let note = r#"{"kind":"channel_note","nomination_id":"01KQ2Z3Y4X5W6V7T8S9R0QPNMK","channel":"vetting","text":"The invitation expired.","key":"invitation_expired"}"#;
    let reminder = r#"{"kind":"reminder","nomination_id":"01KQ2Z3Y4X5W6V7T8S9R0QPNMK","channel":"iln","date":"2027-01-15","text":":bell: Waiting."}"#;

    let note: Message = serde_json::from_str(note).unwrap();
    let reminder: Message = serde_json::from_str(reminder).unwrap();

    assert!(matches!(&note, Message::ChannelNote { note: None, .. }), "{note:?}");
    assert_eq!(
        note.note_text(crate::slack::ChannelLanguage::Es).as_deref(),
        Some("The invitation expired.")
    );
    assert_eq!(
        reminder.thread_note(crate::slack::ChannelLanguage::Es).as_deref(),
        Some(":bell: Waiting.")
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
                | Message::IacReferral { nomination_id, .. }
                | Message::ProcessConcluded { nomination_id, .. }
                | Message::IlnChannelInvite { nomination_id, .. }
                | Message::IlnChannelRemoval { nomination_id, .. }
                | Message::NomineeNotice { nomination_id, .. } => *nomination_id = other_nomination,
                Message::NominationReferral { at, .. } => *at += chrono::Duration::seconds(1),
                Message::InformationRequest { request, .. } | Message::InformationAdded { request, .. } => {
                    *request += 1
                }
                Message::CardUpdate { version, .. } => *version += 1,
                Message::MemberSignIn { window, .. } | Message::MemberAddressConfirmation { window, .. } => {
                    *window += 1
                }
                Message::MemberAddressChanged { at, .. } => *at += chrono::Duration::seconds(1),
                Message::ConcernResolved { concern_id, .. } => concern_id.push('1'),
                Message::ConcernRaised { key, .. }
                | Message::Ephemeral { key, .. }
                | Message::ChannelNote { key, .. } => key.push('1'),
                Message::Invitation { round, .. } | Message::InvitationReminder { round, .. } => *round += 1,
                Message::VettingDigest { date, .. } | Message::Reminder { date, .. } => *date = "2027-01-16".into(),
                Message::DeliveryAlert { message_id, .. }
                | Message::DeliveryFailed { message_id, .. }
                | Message::IlnChannelRefused { message_id, .. } => message_id.push('1'),
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
