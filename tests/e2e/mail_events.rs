//! SES's bounces and complaints, through SES's mailbox-simulator addresses
//! (the runner plays the simulator's SNS notifications): the address is
//! suppressed, the message set aside and reported, and an unverifiable
//! nomination closed.

use crate::fixtures::act_on_invitation;
use iln_tests::{TestApp, VETTING_CHANNEL, admin_token, nomination, unique_address};
use serde_json::json;

/// A mailbox-simulator address no other test uses (AWS's simulator accepts
/// `+labels`).
fn simulator(outcome: &str) -> String {
    format!(
        "{outcome}+{}@simulator.amazonses.com",
        ulid::Ulid::new().to_string().to_lowercase()
    )
}

#[tokio::test]
async fn a_verification_mail_that_bounces_closes_the_nomination_and_suppresses_the_address() {
    for outcome in ["bounce", "suppressionlist"] {
        let app = TestApp::spawn().await;
        let nominator = simulator(outcome);
        let submitted = app
            .post_json(&nomination("en", &unique_address("amara"), &nominator))
            .await;
        let id = submitted.json()["id"].as_str().unwrap().to_owned();
        app.deliver_outbox().await;

        let events = app.deliver_mail_events().await.expect("SES reported the bounce");
        app.deliver_outbox().await;

        assert_eq!(
            (events.events, events.suppressed, events.set_aside),
            (1, 1, 1),
            "{outcome}"
        );
        assert_eq!(app.status_of(&id).await, "expired", "{outcome}: nobody can verify it");
        let verification = &app.outbox_of_kind("nominator_verification").await[0];
        assert_eq!(verification["failure_reason"].as_s().unwrap(), "bounced", "{outcome}");
        let alerts: Vec<_> = app
            .posts_to(VETTING_CHANNEL)
            .await
            .into_iter()
            .filter(|post| post["text"].as_str().unwrap_or_default().contains(&id))
            .collect();
        assert_eq!(alerts.len(), 1, "{outcome}: reported once");
        let failed = app
            .staff_request("GET", "/admin/outbox?status=failed", Some(&admin_token()), None)
            .await;
        assert_eq!(failed.status, 200);
        assert!(
            failed.body.contains(&id) && failed.body.contains("\"bounced\""),
            "{}",
            failed.body
        );
        assert!(
            !failed.body.contains("simulator"),
            "no address in the admin view: {}",
            failed.body
        );
        assert!(
            app.deliver_mail_events().await.is_none(),
            "{outcome}: nothing more from SES"
        );
    }
}

#[tokio::test]
async fn after_a_complaint_nothing_more_is_mailed_to_the_address() {
    let app = TestApp::spawn().await;
    let nominator = simulator("complaint");
    let nomination = app
        .verified_nomination_from(nomination("en", &unique_address("amara"), &nominator))
        .await;
    let events = app.deliver_mail_events().await.expect("SES reported the complaint");
    assert_eq!((events.suppressed, events.set_aside), (1, 1));

    let rejected = app
        .decide(
            &nomination.id,
            json!({ "decision": "reject", "reason": "not coherent", "share_reason": true, "expected_version": 2 }),
        )
        .await;
    assert_eq!(rejected.status, 200, "{}", rejected.body);
    app.deliver_outbox().await;

    assert_eq!(
        app.mails_to(&nominator).await.len(),
        1,
        "only the verification mail was ever sent"
    );
    let rejection = &app.outbox_of_kind("rejection").await[0];
    assert_eq!(rejection["status"].as_s().unwrap(), "failed");
    assert_eq!(rejection["failure_reason"].as_s().unwrap(), "suppressed");
    assert_eq!(app.status_of(&nomination.id).await, "rejected", "the decision stands");
}

#[tokio::test]
async fn mail_to_a_simulator_address_that_succeeds_changes_nothing() {
    let app = TestApp::spawn().await;
    let nominator = simulator("success");
    app.post_json(&nomination("en", &unique_address("amara"), &nominator))
        .await;
    app.deliver_outbox().await;

    assert!(app.deliver_mail_events().await.is_none());
    assert_eq!(
        app.outbox_of_kind("nominator_verification").await[0]["status"]
            .as_s()
            .unwrap(),
        "delivered"
    );
}

#[tokio::test]
async fn a_bounced_invitation_is_reported_and_reaches_the_nominee_once_an_admin_corrects_the_address() {
    let app = TestApp::spawn().await;
    let bouncing = simulator("bounce");
    let invited = app
        .invited_from(nomination("es", &bouncing, &unique_address("lucia")))
        .await;
    let events = app.deliver_mail_events().await.expect("SES reported the bounce");
    app.deliver_outbox().await;
    assert_eq!(
        events.set_aside, 2,
        "the nominee's notice and the invitation both bounced"
    );
    assert_eq!(
        app.outbox_of_kind("invitation").await[0]["failure_reason"]
            .as_s()
            .unwrap(),
        "bounced"
    );
    let alerts: Vec<_> = app
        .posts_to(VETTING_CHANNEL)
        .await
        .into_iter()
        .filter(|post| post["text"].as_str().unwrap_or_default().contains("invitation message"))
        .collect();
    assert_eq!(alerts.len(), 1, "the vetting channel is told once");
    let admin = admin_token();
    let corrected = unique_address("amara.corrected");
    let path = format!("/admin/invitations/{}/address", invited.id);

    let correction = app
        .staff_request("POST", &path, Some(&admin), Some(&json!({ "email": corrected })))
        .await;
    let resend = act_on_invitation(&app, &invited.id, "resend").await;
    app.deliver_outbox().await;

    assert_eq!(correction.status, 200, "{}", correction.body);
    assert_eq!(resend.status, 202, "{}", resend.body);
    let mails = app.mails_to(&corrected).await;
    assert_eq!(mails.len(), 1, "the invitation reaches the corrected address");
    let link = mails[0].link_to("/invitations/");
    assert_eq!(app.get(&link).await.status, 200, "its link works");
    assert_eq!(
        app.get(&invited.link).await.status,
        410,
        "the bounced link no longer does"
    );
    let audit = app.items_of("audit_event").await;
    let corrections: Vec<_> = audit
        .iter()
        .filter(|event| {
            event.get("what").and_then(|h| h.as_s().ok()).map(String::as_str) == Some("nominee_address_corrected")
        })
        .collect();
    assert_eq!(corrections.len(), 1, "audited once");
    assert!(!format!("{:?}", corrections[0]).contains('@'), "without either address");
}

#[tokio::test]
async fn an_address_correction_is_refused_precisely() {
    let app = TestApp::spawn().await;
    let invited = app.invited("en").await;
    let other = app.verified_nomination("en").await;

    let invalid = correct(&app, &invited.id, "not an address").await;
    let same = correct(&app, &invited.id, &invited.nominee.to_uppercase()).await;
    let not_invited = correct(&app, &other.id, &unique_address("someone")).await;
    let unknown = correct(&app, "01JD5Z7XKQ3V8N2M4P6R8T0W2Y", &unique_address("someone")).await;
    let vetter = app
        .staff_request(
            "POST",
            &format!("/admin/invitations/{}/address", invited.id),
            Some(&iln_tests::vetter_token()),
            Some(&json!({ "email": unique_address("someone") })),
        )
        .await;

    assert_eq!(invalid.status, 422, "{}", invalid.body);
    assert_eq!(same.status, 409, "{}", same.body);
    assert_eq!(not_invited.status, 409, "{}", not_invited.body);
    assert_eq!(unknown.status, 404);
    assert_eq!(vetter.status, 403);
}

async fn correct(app: &TestApp, id: &str, email: &str) -> iln_tests::TestResponse {
    let path = format!("/admin/invitations/{id}/address");
    app.staff_request("POST", &path, Some(&admin_token()), Some(&json!({ "email": email })))
        .await
}
