//! Who may act in Slack comes from the data, read at each click: members
//! and the roster's ILN members confirm, the staff list vets, a
//! derecognised member may do nothing; Slack users are matched by the
//! address Slack holds for them.

use crate::fixtures::{erase, slack_calls_to};
use iln_tests::{ILN_CHANNEL, TestApp, iln_address};

/// The private answers so far, as texts.
async fn told(app: &TestApp) -> Vec<String> {
    slack_calls_to(app, "chat.postEphemeral")
        .await
        .iter()
        .map(|body| body["text"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn a_member_confirms_and_once_derecognised_is_refused_at_the_next_click_and_told_privately() {
    let app = TestApp::spawn().await;
    let member = app.member("UAMARA").await;
    let first = app.in_discussion().await;
    let second = app.in_discussion().await;

    let confirmed = app.click("UAMARA", "iln.confirm", &first.id, 3, ILN_CHANNEL).await;
    let derecognised = app
        .derecognize(&member, "Shared a confidential card outside the ILN.")
        .await;
    let refused = app.click("UAMARA", "iln.confirm", &second.id, 3, ILN_CHANNEL).await;
    app.deliver_outbox().await;

    assert_eq!((confirmed.status, derecognised.status, refused.status), (200, 200, 200));
    assert_eq!(
        app.status_of(&first.id).await,
        "invited",
        "the member's confirmation counted"
    );
    assert_eq!(app.status_of(&second.id).await, "in_discussion", "nothing changed");
    let told = told(&app).await;
    assert_eq!(told.len(), 1, "{told:?}");
    assert!(
        told[0].starts_with("No figura en la lista"),
        "in the member's own language (their Slack locale is es-ES): {told:?}"
    );
}

#[tokio::test]
async fn an_iln_member_on_the_roster_is_matched_by_the_address_slack_holds_whatever_its_case() {
    let app = TestApp::spawn().await;
    let nomination = app.in_discussion().await;
    app.iln_members(&["UANA"]).await;
    app.slack_user("UANA", &iln_address("UANA").to_uppercase(), "es-ES");

    let confirmed = app.click("UANA", "iln.confirm", &nomination.id, 3, ILN_CHANNEL).await;
    app.deliver_outbox().await;

    assert_eq!(confirmed.status, 200);
    assert_eq!(app.status_of(&nomination.id).await, "invited");
    assert!(told(&app).await.is_empty());
}

#[tokio::test]
async fn a_mediator_on_the_roster_a_stranger_in_slack_and_a_user_slack_does_not_know_may_do_nothing() {
    let app = TestApp::spawn().await;
    let nomination = app.in_discussion().await;
    app.on_roster(&[("UMEDIATOR", "imi_certified_mediator")]).await;
    app.slack_user("USTRANGER", "stranger@example.org", "en-US");

    for user in ["UMEDIATOR", "USTRANGER", "UGHOST"] {
        let click = app.click(user, "iln.confirm", &nomination.id, 3, ILN_CHANNEL).await;
        assert_eq!(click.status, 200, "{user}: Slack always gets its acknowledgement");
    }
    app.deliver_outbox().await;

    assert_eq!(app.status_of(&nomination.id).await, "in_discussion");
    let told = told(&app).await;
    assert_eq!(told.len(), 3, "{told:?}");
    assert!(told.iter().all(|text| text.contains("not on the list")), "{told:?}");
}

#[tokio::test]
async fn erasing_a_person_removes_what_slack_said_about_them() {
    let app = TestApp::spawn().await;
    let nomination = app.in_discussion().await;
    let email = app.iln_member("UANA").await;
    app.click("UANA", "iln.confirm", &nomination.id, 3, ILN_CHANNEL).await;
    let known_before = app.items_of("slack_user").await.len();

    let erased = erase(&app, &email).await;

    assert_eq!(erased.status, 200, "{}", erased.body);
    assert_eq!(known_before, 1, "Ana was seen");
    let left: Vec<String> = app
        .items_of("slack_user")
        .await
        .iter()
        .map(|item| item["pk"].as_s().unwrap().clone())
        .collect();
    assert!(!left.iter().any(|pk| pk.contains("UANA")), "{left:?}");
    assert!(
        app.items_of("slack_user_pointer")
            .await
            .iter()
            .all(|item| !item["pk"].as_s().unwrap().contains(&email))
    );
}
