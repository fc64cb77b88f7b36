//! Slack membership follows membership: a new member whose address Slack
//! knows is added to the ILN channel, a derecognised one removed; each is
//! audited on the member, and a Slack refusal is reported in the vetting
//! channel, never lost.

use iln_tests::{ILN_CHANNEL, Member, TERMS_VERSION, TestApp, VETTING_CHANNEL, nomination, unique_address};
use serde_json::Value;

/// What the member's audit trail says happened, oldest first.
async fn member_history(app: &TestApp, member: &str) -> Vec<(String, Option<String>)> {
    let mut events: Vec<_> = app
        .items_of("audit_event")
        .await
        .into_iter()
        .filter(|item| item["pk"].as_s().unwrap() == &format!("MEMBER#{member}"))
        .map(|item| {
            (
                item["sk"].as_s().unwrap().clone(),
                item["what"].as_s().unwrap().clone(),
                item.get("reason").and_then(|r| r.as_s().ok()).cloned(),
            )
        })
        .collect();
    events.sort();
    events.into_iter().map(|(_, what, reason)| (what, reason)).collect()
}

async fn invites(app: &TestApp) -> Vec<Value> {
    app.slack_calls_of("conversations.invite").await
}

#[tokio::test]
async fn a_new_member_in_slack_is_added_to_the_iln_channel_once_and_audited() {
    let app = TestApp::spawn().await;

    let member = app.member("UAMARA").await;
    app.sweep_outbox(app.now + chrono::Duration::hours(1)).await;
    app.deliver_outbox().await;

    let invites = invites(&app).await;
    assert_eq!(invites.len(), 1, "delivered again, nothing more: {invites:?}");
    assert_eq!(invites[0]["channel"], ILN_CHANNEL);
    assert_eq!(invites[0]["users"], "UAMARA");
    let lookups = app.slack_calls_of("users.lookupByEmail").await;
    assert_eq!(lookups.len(), 1);
    assert_eq!(lookups[0]["email"], member.email.as_str(), "found by address");
    assert!(app.slack_channel_members(ILN_CHANNEL).contains("UAMARA"));
    assert_eq!(
        member_history(&app, &member.id).await,
        [("joined_iln_channel".to_owned(), None)]
    );
    let record = app.items_of("member").await;
    assert_eq!(
        record[0]["slack_user"].as_s().unwrap(),
        "UAMARA",
        "the Slack user is kept"
    );
}

#[tokio::test]
async fn a_member_slack_does_not_know_gets_no_invite_and_the_welcome_keeps_the_join_link() {
    let app = TestApp::spawn().await;
    let invited = app
        .invited_from(nomination("es", &unique_address("amara"), &unique_address("lucia")))
        .await;

    let accepted = app
        .answer_invitation(&invited.link, "accept", &[("terms_version", TERMS_VERSION)])
        .await;
    app.deliver_outbox().await;

    assert_eq!(accepted.status, 200);
    assert!(invites(&app).await.is_empty());
    let welcome = app
        .mails_to(&invited.nominee)
        .await
        .last()
        .cloned()
        .expect("the welcome");
    let join_link = format!(
        "{}/",
        iln_runner::local::loopback_url(iln_runner::local::DEFAULT_SLACK_PORT)
    );
    assert!(welcome.text.contains(&join_link), "{}", welcome.text);
    let member = app.items_of("member").await[0]["id"].as_s().unwrap().clone();
    assert_eq!(
        member_history(&app, &member).await,
        [(
            "not_in_slack".to_owned(),
            Some("the welcome mail carries the join link".to_owned())
        )]
    );
    assert!(
        app.posts_to(VETTING_CHANNEL)
            .await
            .iter()
            .all(|post| !post.to_string().contains("Slack refused"))
    );
}

#[tokio::test]
async fn a_derecognised_member_is_removed_from_the_iln_channel_by_the_slack_user_kept() {
    let app = TestApp::spawn().await;
    let member = app.member("UAMARA").await;
    // Their address in Slack changed since: the kept Slack user still finds them.
    app.slack_user("UAMARA", "amara.new@example.org", "es-ES");

    let derecognised = app.derecognize(&member, "Breach of confidentiality.").await;
    app.deliver_outbox().await;
    app.sweep_outbox(app.now + chrono::Duration::hours(1)).await;

    assert_eq!(derecognised.status, 200, "{}", derecognised.body);
    let kicks = app.slack_calls_of("conversations.kick").await;
    assert_eq!(kicks.len(), 1, "{kicks:?}");
    assert_eq!(
        (kicks[0]["channel"].as_str(), kicks[0]["user"].as_str()),
        (Some(ILN_CHANNEL), Some("UAMARA"))
    );
    assert!(!app.slack_channel_members(ILN_CHANNEL).contains("UAMARA"));
    // All at the test's one instant: compared as a set.
    let mut history: Vec<String> = member_history(&app, &member.id)
        .await
        .into_iter()
        .map(|(what, _)| what)
        .collect();
    history.sort();
    assert_eq!(history, ["derecognized", "joined_iln_channel", "left_iln_channel"]);
}

#[tokio::test]
async fn slack_refusing_is_reported_in_the_vetting_channel_audited_and_a_retry_invites_once() {
    let app = TestApp::spawn().await;
    app.slack_refuses("conversations.invite", Some("restricted_action"));

    let member: Member = app.member("UAMARA").await;
    app.deliver_outbox().await;
    let notes: Vec<String> = app
        .posts_to(VETTING_CHANNEL)
        .await
        .iter()
        .map(|post| post["text"].as_str().unwrap_or_default().to_owned())
        .filter(|text| text.contains("Slack refused"))
        .collect();
    let failed = app
        .staff_request(
            "GET",
            "/admin/outbox?status=failed",
            Some(&iln_tests::admin_token()),
            None,
        )
        .await
        .json();
    app.slack_refuses("conversations.invite", None);
    let message_id = format!("{}.iln_channel_invite", member.nomination);
    let retried = app
        .staff_request(
            "POST",
            &format!("/admin/outbox/{message_id}/retry"),
            Some(&iln_tests::admin_token()),
            None,
        )
        .await;
    app.deliver_outbox().await;
    app.sweep_outbox(app.now + chrono::Duration::hours(1)).await;
    app.deliver_outbox().await;

    assert_eq!(notes.len(), 1, "reported once: {notes:?}");
    assert!(notes[0].contains("`restricted_action`"), "{}", notes[0]);
    assert!(notes[0].contains(&member.nomination), "{}", notes[0]);
    assert!(
        !notes[0].contains(&member.email) && !notes[0].contains("UAMARA"),
        "nobody named: {}",
        notes[0]
    );
    assert!(failed.to_string().contains("iln_channel_invite"), "{failed}");
    assert_eq!(retried.status, 200, "{}", retried.body);
    let invites = invites(&app).await;
    assert_eq!(invites.len(), 2, "refused once, then done once: {invites:?}");
    assert!(app.slack_channel_members(ILN_CHANNEL).contains("UAMARA"));
    assert_eq!(
        member_history(&app, &member.id).await,
        [
            ("iln_channel_refused".to_owned(), Some("restricted_action".to_owned())),
            ("joined_iln_channel".to_owned(), None)
        ]
    );
}
