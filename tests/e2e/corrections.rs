//! Staff correct a mistake in the nominee's name, address, country or role
//! before the invitation is sent: one audited step on the version read, the
//! cards redrawn, the invitation sent to the corrected address.

use crate::fixtures::card_updates_in;
use iln_tests::{
    ILN_CHANNEL, TestApp, TestResponse, VETTING_CHANNEL, admin_token, nomination, unique_address, vetter_token,
};
use serde_json::{Value, json};

async fn correct(app: &TestApp, id: &str, token: &str, body: &Value) -> TestResponse {
    let path = format!("/vetting/nominations/{id}/corrections");
    app.staff_request("POST", &path, Some(token), Some(body)).await
}

fn corrections_in(audit: &[Value]) -> Vec<&Value> {
    audit
        .iter()
        .filter(|event| event["what"] == "nominee_corrected")
        .collect()
}

#[tokio::test]
async fn a_vetter_corrects_a_discussed_nominee_and_the_file_cards_and_audit_show_it_without_the_old_values() {
    let app = TestApp::spawn().await;
    let discussed = app.in_discussion().await;

    let corrected = correct(
        &app,
        &discussed.id,
        &vetter_token(),
        &json!({
            "nominee": { "name": "Amara Nkechi Okafor", "country": "GH", "role": "advocate" },
            "reason": "The nominator confirmed the full name, country and role by phone.",
            "expected_version": 3
        }),
    )
    .await;
    app.deliver_outbox().await;
    let file = app.file(&discussed.id).await;

    assert_eq!(corrected.status, 200, "{}", corrected.body);
    assert_eq!(corrected.json()["version"], 4);
    assert_eq!(corrected.json()["status"], "in_discussion");
    let nominee = &file["submission"]["nominee"];
    assert_eq!(
        (&nominee["name"], &nominee["country"], &nominee["role"]),
        (&json!("Amara Nkechi Okafor"), &json!("GH"), &json!("advocate"))
    );
    let audit = file["audit"].as_array().expect("the audit");
    let corrections = corrections_in(audit);
    assert_eq!(corrections.len(), 1, "{audit:?}");
    assert_eq!(corrections[0]["fields"], json!(["name", "country", "role"]));
    assert_eq!(corrections[0]["actor"]["role"], "vetter");
    assert!(
        corrections[0]["reason"]
            .as_str()
            .is_some_and(|r| r.contains("by phone"))
    );
    assert!(
        !corrections[0].to_string().contains("Amara"),
        "no names in the audit: {}",
        corrections[0]
    );
    for channel in [VETTING_CHANNEL, ILN_CHANNEL] {
        let updates = card_updates_in(&app, channel).await;
        assert!(
            updates
                .last()
                .is_some_and(|card| card.to_string().contains("Amara Nkechi Okafor")),
            "{channel}: {updates:?}"
        );
    }
}

#[tokio::test]
async fn a_corrected_address_receives_the_invitation_and_the_mistyped_one_nothing() {
    let app = TestApp::spawn().await;
    let mistyped = unique_address("amara.okafr");
    let nominator = unique_address("lucia");
    let discussed = app.in_discussion_from(nomination("en", &mistyped, &nominator)).await;
    app.iln_members(&["UC01"]).await;
    assert_eq!(
        app.click("UC01", "iln.confirm", &discussed.id, 3, ILN_CHANNEL)
            .await
            .status,
        200
    );
    let right = unique_address("amara.okafor");

    let corrected = correct(
        &app,
        &discussed.id,
        &admin_token(),
        &json!({ "nominee": { "email": right }, "reason": "Typo in the address.", "expected_version": 4 }),
    )
    .await;
    app.deliver_outbox().await;

    assert_eq!(corrected.status, 200, "{}", corrected.body);
    // The notice went there at approval, before anyone saw the typo.
    let to_mistyped = app.mails_to(&mistyped).await;
    assert!(
        to_mistyped.iter().all(|mail| !mail.subject.starts_with("Invitation")),
        "no invitation to the mistyped address: {:?}",
        to_mistyped.iter().map(|mail| &mail.subject).collect::<Vec<_>>()
    );
    let invitations = app.mails_to(&right).await;
    assert_eq!(invitations.len(), 1, "the invitation reaches the corrected address");
    let link = invitations[0].link_to("/invitations/");
    assert_eq!(app.get(&link).await.status, 200);
    let locks = app.items_of("nominee").await;
    assert_eq!(locks.len(), 1, "one lock, moved");
    assert!(locks[0]["pk"].as_s().unwrap().contains(&right.to_lowercase()));
    let audit = app.file(&discussed.id).await["audit"].clone();
    let corrections = corrections_in(audit.as_array().unwrap());
    assert_eq!(corrections[0]["fields"], json!(["email"]));
    assert_eq!(corrections[0]["actor"]["role"], "admin");
    assert!(!corrections[0].to_string().contains('@'), "no address in the audit");
}

#[tokio::test]
async fn a_correction_after_the_invitation_is_sent_is_refused_and_says_how_to_fix_a_bounced_address() {
    let app = TestApp::spawn().await;
    let invited = app.invited("en").await;
    let version = app.file(&invited.id).await["version"].clone();

    let refused = correct(
        &app,
        &invited.id,
        &vetter_token(),
        &json!({ "nominee": { "name": "Someone Else" }, "reason": "Wrong person.", "expected_version": version }),
    )
    .await;

    assert_eq!(refused.status, 409, "{}", refused.body);
    let message = refused.json()["errors"][0]["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        message.contains("invitation has been sent") && message.contains("/admin/invitations/"),
        "{message}"
    );
    assert_eq!(
        app.file(&invited.id).await["submission"]["nominee"]["name"],
        "Amara Okafor"
    );
}

#[tokio::test]
async fn a_correction_on_a_stale_version_is_refused_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let verified = app.verified_nomination("en").await;

    let stale = correct(
        &app,
        &verified.id,
        &vetter_token(),
        &json!({ "nominee": { "name": "Amara Okafor-Bello" }, "reason": "Married name.", "expected_version": 1 }),
    )
    .await;

    assert_eq!(stale.status, 409, "{}", stale.body);
    assert_eq!(stale.json()["current"]["version"], 2);
    let file = app.file(&verified.id).await;
    assert_eq!(file["submission"]["nominee"]["name"], "Amara Okafor");
    assert!(corrections_in(file["audit"].as_array().unwrap()).is_empty());
}

#[tokio::test]
async fn two_simultaneous_corrections_of_one_version_make_one_change() {
    let app = TestApp::spawn().await;
    let verified = app.verified_nomination("en").await;
    let token = vetter_token();
    let bodies: Vec<Value> = (0..5)
        .map(|n| json!({ "nominee": { "name": format!("Amara Okafor {n}") }, "reason": "Spelling.", "expected_version": 2 }))
        .collect();

    let answers = futures::future::join_all(bodies.iter().map(|body| correct(&app, &verified.id, &token, body))).await;

    let statuses: Vec<u16> = answers.iter().map(|answer| answer.status).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 1, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 409).count(), 4, "{statuses:?}");
    let file = app.file(&verified.id).await;
    assert_eq!(file["version"], 3);
    assert_eq!(corrections_in(file["audit"].as_array().unwrap()).len(), 1);
}

#[tokio::test]
async fn a_correction_with_bad_input_is_refused_naming_the_field() {
    let app = TestApp::spawn().await;
    let verified = app.verified_nomination("en").await;
    let other = app.verified_nomination("en").await;
    let other_address = app.file(&other.id).await["submission"]["nominee"]["email"].clone();
    let cases = [
        (
            json!({ "nominee": { "email": "not an address" }, "reason": "x", "expected_version": 2 }),
            422,
            "nominee.email",
        ),
        (
            json!({ "nominee": { "country": "XX" }, "reason": "x", "expected_version": 2 }),
            422,
            "nominee.country",
        ),
        (
            json!({ "nominee": { "role": "judge" }, "reason": "x", "expected_version": 2 }),
            422,
            "nominee.role",
        ),
        (
            json!({ "nominee": { "name": "" }, "reason": "x", "expected_version": 2 }),
            422,
            "nominee.name",
        ),
        (
            json!({ "nominee": { "name": "Amara Okafor" }, "reason": "x", "expected_version": 2 }),
            422,
            "nominee",
        ),
        (
            json!({ "nominee": {}, "reason": "x", "expected_version": 2 }),
            422,
            "nominee",
        ),
        (
            json!({ "nominee": { "name": "Amara O." }, "expected_version": 2 }),
            422,
            "reason",
        ),
        (
            json!({ "nominee": { "email": other_address }, "reason": "x", "expected_version": 2 }),
            409,
            "",
        ),
        (
            json!({ "nominee": { "nickname": "A" }, "reason": "x", "expected_version": 2 }),
            400,
            "",
        ),
    ];

    for (body, status, field) in cases {
        let answer = correct(&app, &verified.id, &vetter_token(), &body).await;
        assert_eq!(answer.status, status, "{body}: {}", answer.body);
        if !field.is_empty() {
            assert_eq!(answer.json()["errors"][0]["field"], field, "{body}");
        }
    }
    let file = app.file(&verified.id).await;
    assert_eq!(file["version"], 2, "nothing was written");
    assert_eq!(
        app.items_of("nominee").await.len(),
        2,
        "each person still held by their own nomination"
    );
}
