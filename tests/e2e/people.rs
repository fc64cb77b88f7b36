//! Who may act in Slack comes from the data, read at each click: members
//! and the roster's ILN members confirm, the staff list vets, a
//! derecognised member may do nothing; Slack users are matched by the
//! address Slack holds for them.

use crate::fixtures::{erase, slack_calls_to};
use iln_tests::{
    ILN_CHANNEL, SLACK_VETTER, TestApp, VETTER_EMAIL, VETTING_CHANNEL, admin_token, iln_address, vetter_token,
};
use serde_json::json;

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

// -------------------------------------------------- the staff list ----

#[tokio::test]
async fn a_vetter_an_admin_adds_vets_and_once_removed_is_refused_at_the_next_click() {
    let app = TestApp::spawn().await;
    let email = app.vetter("UVICTOR").await;
    let first = app.verified_nomination("en").await;
    let second = app.verified_nomination("en").await;

    let approved = app
        .click("UVICTOR", "vetting.approve", &first.id, 2, VETTING_CHANNEL)
        .await;
    let removed = app.remove_vetter(&email).await;
    let refused = app
        .click("UVICTOR", "vetting.approve", &second.id, 2, VETTING_CHANNEL)
        .await;
    app.deliver_outbox().await;

    assert_eq!((approved.status, removed.status, refused.status), (200, 200, 200));
    assert_eq!(removed.json()["changed"], true);
    assert_eq!(app.status_of(&first.id).await, "in_discussion");
    assert_eq!(app.status_of(&second.id).await, "awaiting_vetting", "nothing changed");
    let told = told(&app).await;
    assert_eq!(told.len(), 1, "{told:?}");
    assert!(told[0].contains("not on the list"), "{told:?}");
}

#[tokio::test]
async fn removing_the_initial_vetter_starts_the_staff_list_and_removes_her_for_good() {
    let app = TestApp::spawn().await;
    let nomination = app.verified_nomination("en").await;
    let before = app
        .staff_request("GET", "/staff/vetters", Some(&admin_token()), None)
        .await;

    let removed = app.remove_vetter(VETTER_EMAIL).await;
    let again = app.remove_vetter(VETTER_EMAIL).await;
    let after = app
        .staff_request("GET", "/staff/vetters", Some(&admin_token()), None)
        .await;
    let refused = app
        .click(SLACK_VETTER, "vetting.approve", &nomination.id, 2, VETTING_CHANNEL)
        .await;

    assert_eq!(before.json()["source"], "initial_list");
    assert_eq!(before.json()["items"][0]["email"], VETTER_EMAIL);
    assert_eq!((removed.status, again.status), (200, 200));
    assert_eq!(
        (removed.json()["changed"].clone(), again.json()["changed"].clone()),
        (json!(true), json!(false))
    );
    let after = after.json();
    assert_eq!(after["source"], "staff_list");
    assert_eq!(after["items"], json!([]), "the deployment's list no longer counts");
    let history = after["history"].as_array().unwrap();
    let what: Vec<&str> = history.iter().map(|event| event["what"].as_str().unwrap()).collect();
    assert_eq!(what, ["staff_list_started", "vetter_removed"], "{history:?}");
    assert_eq!(
        history[1]["actor"],
        json!({ "role": "admin", "id": "ada" }),
        "who: the admin's subject"
    );
    assert_eq!(history[1]["vetter"], VETTER_EMAIL, "whom");
    assert!(history[1]["at"].is_string(), "when");
    assert_eq!(refused.status, 200);
    assert_eq!(app.status_of(&nomination.id).await, "awaiting_vetting");
}

#[tokio::test]
async fn the_staff_list_is_for_admins_and_takes_an_address() {
    let app = TestApp::spawn().await;
    let path = "/staff/vetters/victor@imi.test";

    let by_vetter = app.staff_request("PUT", path, Some(&vetter_token()), None).await;
    let list_by_vetter = app
        .staff_request("GET", "/staff/vetters", Some(&vetter_token()), None)
        .await;
    let anonymous = app.staff_request("DELETE", path, None, None).await;
    let not_an_address = app.add_vetter("not-an-address").await;
    let encoded = app.add_vetter("victor%40imi.test").await;
    let twice = app.add_vetter("Victor@imi.test").await;
    let list = app
        .staff_request("GET", "/staff/vetters", Some(&admin_token()), None)
        .await;

    assert_eq!(by_vetter.status, 403, "{}", by_vetter.body);
    assert_eq!(list_by_vetter.status, 403, "{}", list_by_vetter.body);
    assert_eq!(anonymous.status, 401, "{}", anonymous.body);
    assert_eq!(not_an_address.status, 400, "{}", not_an_address.body);
    assert_eq!((encoded.status, twice.status), (200, 200));
    assert_eq!(
        (encoded.json()["changed"].clone(), twice.json()["changed"].clone()),
        (json!(true), json!(false))
    );
    let items = list.json()["items"].as_array().cloned().unwrap_or_default();
    let emails: Vec<&str> = items.iter().map(|item| item["email"].as_str().unwrap()).collect();
    assert_eq!(emails.len(), 2, "the initial vetter and Victor, once: {emails:?}");
    assert!(emails.contains(&VETTER_EMAIL) && emails.contains(&"victor@imi.test"));
    let added = items.iter().find(|item| item["email"] == "victor@imi.test").unwrap();
    assert_eq!(added["added_by"], "ada");
}
