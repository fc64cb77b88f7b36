//! The nominator follows their nomination with the status link in the
//! verification e-mail: the stage it has reached and nothing more, for as
//! long as the nomination is kept, and the way to withdraw it while open.

use crate::fixtures::{reject, unverified_nomination};
use chrono::Duration;
use iln_tests::{ILN_CHANNEL, TERMS_VERSION, TestApp, TestResponse, nomination, unique_address};
use serde_json::json;

/// The path of the status link in the nominator's verification e-mail.
async fn status_link(app: &TestApp, nominator: &str) -> String {
    let mails = app.mails_to(nominator).await;
    mails
        .first()
        .expect("a verification mail")
        .link_to("/nominations/status")
}

/// What the page must never show: the nominee, what vetters or members
/// found or said, who they are, or how it ended.
fn assert_only_the_stage(page: &TestResponse) {
    for secret in [
        "Amara",
        "Okafor",
        "Lucía",
        "Not coherent",
        "UC01",
        "vetter",
        "member of the ILN",
        "rejected",
        "declined",
        "accepted",
    ] {
        assert!(!page.body.contains(secret), "the page shows {secret:?}: {}", page.body);
    }
}

fn current_stage(page: &TestResponse) -> &str {
    let marker = "aria-current=\"step\"><strong>";
    let start = page.body.find(marker).expect("a current stage") + marker.len();
    let end = page.body[start..].find("</strong>").expect("its name") + start;
    &page.body[start..end]
}

#[tokio::test]
async fn the_nominator_sees_each_stage_from_received_to_concluded_and_nothing_more() {
    let app = TestApp::spawn().await;
    let nominee = unique_address("amara");
    let nominator = unique_address("lucia");
    let submitted = app.post_json(&nomination("en", &nominee, &nominator)).await;
    let id = submitted.json()["id"].as_str().expect("an id").to_owned();
    app.deliver_outbox().await;
    let link = status_link(&app, &nominator).await;

    let received = app.get(&link).await;
    let verification = app.mails_to(&nominator).await[0].link_to("/nominations/verify");
    assert_eq!(app.verify(&verification).await.status, 200);
    app.deliver_outbox().await;
    let reviewed = app.get(&link).await;
    let approved = app
        .decide(&id, json!({ "decision": "approve", "expected_version": 2 }))
        .await;
    assert_eq!(approved.status, 200, "{}", approved.body);
    app.deliver_outbox().await;
    let discussed = app.get(&link).await;
    app.iln_members(&["UC01"]).await;
    assert_eq!(app.click("UC01", "iln.confirm", &id, 3, ILN_CHANNEL).await.status, 200);
    app.deliver_outbox().await;
    let invited = app.get(&link).await;
    let invitation = app
        .mails_to(&nominee)
        .await
        .last()
        .expect("an invitation")
        .link_to("/invitations/");
    let accepted = app
        .answer_invitation(&invitation, "accept", &[("terms_version", TERMS_VERSION)])
        .await;
    assert_eq!(accepted.status, 200, "{}", accepted.body);
    let concluded = app.get(&link).await;

    let stages: Vec<(&str, u16)> = [&received, &reviewed, &discussed, &invited, &concluded]
        .into_iter()
        .map(|page| (current_stage(page), page.status))
        .collect();
    assert_eq!(
        stages,
        [
            ("Received", 200),
            ("Being reviewed by IMI", 200),
            ("Discussed by the ILN", 200),
            ("Discussed by the ILN", 200),
            ("Concluded", 200),
        ]
    );
    for page in [&received, &reviewed, &discussed, &invited, &concluded] {
        assert_only_the_stage(page);
        assert!(page.body.contains("<html lang=\"en\">"), "{}", page.body);
    }
    for open in [&received, &reviewed, &discussed, &invited] {
        assert!(
            open.body.contains("withdraw?token="),
            "withdraw while open: {}",
            open.body
        );
    }
    assert!(!concluded.body.contains("withdraw?token="), "{}", concluded.body);
    assert!(
        reviewed.body.contains("Received (done)") && reviewed.body.contains("Your e-mail address confirmed (done)")
    );
}

#[tokio::test]
async fn a_rejected_nomination_looks_exactly_like_one_whose_nominee_became_a_member() {
    let app = TestApp::spawn().await;
    let rejected = app.verified_nomination("en").await;
    reject(&app, &rejected.id).await;
    let invited = app.invited("en").await;
    let accepted = app
        .answer_invitation(&invited.link, "accept", &[("terms_version", TERMS_VERSION)])
        .await;
    assert_eq!(accepted.status, 200);
    let member_nominator = app.file(&invited.id).await["submission"]["nominator"]["email"]
        .as_str()
        .expect("the nominator")
        .to_owned();

    let rejected_link = status_link(&app, &rejected.nominator).await;
    let member_link = status_link(&app, &member_nominator).await;
    let after_rejection = app.get(&rejected_link).await;
    let after_membership = app.get(&member_link).await;

    let token = |link: &str| link.split("token=").nth(1).expect("a token").to_owned();
    assert_eq!(after_rejection.status, 200);
    assert_only_the_stage(&after_rejection);
    assert_eq!(
        after_rejection.body.replace(&token(&rejected_link), "TOKEN"),
        after_membership.body.replace(&token(&member_link), "TOKEN"),
        "the outcome is not told"
    );
}

#[tokio::test]
async fn a_spanish_nominator_reads_the_page_in_spanish_and_withdraws_from_it_after_confirming() {
    let app = TestApp::spawn().await;
    let discussed = app.in_discussion_in("es").await;
    let link = status_link(&app, &discussed.nominator).await;

    let page = app.get(&link).await;
    let withdraw_page = app
        .get(&link.replace("/nominations/status", "/nominations/withdraw"))
        .await;
    let status_after_opening = app.status_of(&discussed.id).await;
    let token = link.split("token=").nth(1).expect("a token");
    let withdrawn = app
        .request(
            "POST",
            "/nominations/withdraw",
            &[("content-type", "application/x-www-form-urlencoded")],
            format!("token={token}").as_bytes(),
        )
        .await;
    let after = app.get(&link).await;

    assert!(page.body.contains("<html lang=\"es\">"), "{}", page.body);
    assert_eq!(current_stage(&page), "Debatida por la ILN");
    assert!(page.body.contains("Retirar la nominación"), "{}", page.body);
    assert_eq!(withdraw_page.status, 200, "{}", withdraw_page.body);
    assert!(
        withdraw_page.body.contains("¿Desea retirar su nominación"),
        "asks first"
    );
    assert_eq!(
        status_after_opening, "in_discussion",
        "opening the pages withdraws nothing"
    );
    assert_eq!(withdrawn.status, 200, "{}", withdrawn.body);
    assert_eq!(app.status_of(&discussed.id).await, "withdrawn");
    assert_eq!(current_stage(&after), "Concluida");
    assert!(!after.body.contains("withdraw?token="));
}

#[tokio::test]
async fn the_status_link_keeps_working_long_after_the_verification_link_expired() {
    let app = TestApp::spawn().await;
    let unverified = unverified_nomination(&app, "en").await;
    let link = status_link(&app, &unverified.nominator).await;

    let a_year_on = app.get_at(app.now + Duration::days(400), &link).await;
    let verify_then = app
        .verify_at(app.now + Duration::days(400), &unverified.verification_link)
        .await;

    assert_eq!(verify_then.status, 410, "the verification link is long expired");
    assert_eq!(a_year_on.status, 200, "{}", a_year_on.body);
    assert_eq!(current_stage(&a_year_on), "Received");
}

#[tokio::test]
async fn a_tampered_unknown_or_other_link_gets_a_clear_page_in_the_asked_language() {
    let app = TestApp::spawn().await;
    let unverified = unverified_nomination(&app, "en").await;
    let link = status_link(&app, &unverified.nominator).await;
    let token = link.split("token=").nth(1).expect("a token");
    let mut tampered = token.to_owned();
    tampered.replace_range(0..1, if tampered.starts_with('A') { "B" } else { "A" });
    let withdraw_token = app.mails_to(&unverified.nominator).await[0]
        .link_to("/nominations/withdraw")
        .split("token=")
        .nth(1)
        .expect("a token")
        .to_owned();

    let cases = [
        (
            format!("/nominations/status?token={tampered}&lang=es"),
            "es",
            "tampered",
        ),
        ("/nominations/status?token=short".to_owned(), "en", "not a token"),
        ("/nominations/status".to_owned(), "en", "no token"),
        (
            format!("/nominations/status?token={withdraw_token}"),
            "en",
            "a link for something else",
        ),
    ];
    for (path, language, case) in cases {
        let page = app.get(&path).await;
        assert_eq!(page.status, 404, "{case}: {}", page.body);
        assert!(page.body.contains(&format!("<html lang=\"{language}\">")), "{case}");
        let expected = if language == "es" {
            "No reconocemos este enlace"
        } else {
            "We could not recognise this link"
        };
        assert!(page.body.contains(expected), "{case}: {}", page.body);
    }
}
