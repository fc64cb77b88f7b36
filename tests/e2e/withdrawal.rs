//! A nominator may withdraw their nomination while it is open, with the link
//! in the verification e-mail; the card that still asks for a decision says so.

use crate::fixtures::{card_updates_in, rejected_nomination, unverified_nomination};
use iln_tests::{ILN_CHANNEL, TestApp};

/// The path of the withdraw link in the nominator's verification e-mail.
async fn withdraw_link(app: &TestApp, nominator: &str) -> String {
    let mails = app.mails_to(nominator).await;
    mails
        .first()
        .expect("a verification mail")
        .link_to("/nominations/withdraw")
}

async fn confirm_withdrawal(app: &TestApp, link: &str) -> iln_tests::TestResponse {
    let token = link.split("token=").nth(1).expect("a token in the link");
    let body = format!("token={token}");
    app.request(
        "POST",
        "/nominations/withdraw",
        &[("content-type", "application/x-www-form-urlencoded")],
        body.as_bytes(),
    )
    .await
}

#[tokio::test]
async fn a_nominator_withdraws_by_the_mailed_link_after_confirming_and_the_iln_card_shows_it() {
    let app = TestApp::spawn().await;
    let discussed = app.in_discussion().await;
    let link = withdraw_link(&app, &discussed.nominator).await;

    let page = app.get(&link).await;
    let status_after_page = app.status_of(&discussed.id).await;
    let withdrawn = confirm_withdrawal(&app, &link).await;
    let again = confirm_withdrawal(&app, &link).await;
    app.deliver_outbox().await;

    assert_eq!(page.status, 200);
    assert!(page.body.contains("Withdraw your nomination of Amara"), "{}", page.body);
    assert_eq!(status_after_page, "in_discussion", "opening the link withdraws nothing");
    assert_eq!(withdrawn.status, 200, "{}", withdrawn.body);
    assert!(withdrawn.body.contains("Your nomination has been withdrawn"));
    assert_eq!(again.status, 200, "a second click is told the same");
    assert_eq!(app.status_of(&discussed.id).await, "withdrawn");
    let audit = app.items_of("audit_event").await;
    assert!(
        audit.iter().any(|e| e
            .get("command")
            .is_some_and(|c| c.as_s().is_ok_and(|c| c == "withdraw"))
            && e["actor"].as_m().unwrap()["role"].as_s().unwrap() == "nominator"),
        "the audit says the nominator withdrew it"
    );
    let updates = card_updates_in(&app, ILN_CHANNEL).await;
    assert_eq!(updates.len(), 1, "one card update for one withdrawal");
    assert!(updates[0].to_string().contains("Withdrawn") && !updates[0].to_string().contains("iln.confirm"));
}

#[tokio::test]
async fn a_spanish_nominator_withdraws_before_verifying_and_the_verify_link_then_says_closed() {
    let app = TestApp::spawn().await;
    let submitted = unverified_nomination(&app, "es").await;
    let link = withdraw_link(&app, &submitted.nominator).await;

    let page = app.get(&link).await;
    let withdrawn = confirm_withdrawal(&app, &link).await;
    let verified = app.verify(&submitted.verification_link).await;

    assert!(
        page.body.contains("¿Desea retirar su nominación de Amara"),
        "{}",
        page.body
    );
    assert!(withdrawn.body.contains("Su nominación ha sido retirada"));
    assert_eq!(verified.status, 410, "a withdrawn nomination cannot be verified");
    assert!(
        app.items_of("nominee").await.is_empty(),
        "the person may be nominated again"
    );
}

#[tokio::test]
async fn a_withdraw_link_does_nothing_once_the_nomination_is_closed_or_if_unknown() {
    let app = TestApp::spawn().await;
    let rejected = rejected_nomination(&app).await;
    let link = withdraw_link(&app, &rejected.nominator).await;

    let page = app.get(&link).await;
    let post = confirm_withdrawal(&app, &link).await;
    let unknown = app
        .get("/nominations/withdraw?token=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
        .await;
    let unknown_post = confirm_withdrawal(&app, "/nominations/withdraw?token=nonsense").await;

    assert_eq!((page.status, post.status), (410, 410));
    assert!(post.body.contains("This nomination is already closed"));
    assert_eq!(app.status_of(&rejected.id).await, "rejected");
    assert_eq!((unknown.status, unknown_post.status), (404, 404));
}

#[tokio::test]
async fn a_withdrawal_sent_as_anything_but_a_form_is_refused() {
    let app = TestApp::spawn().await;
    let response = app
        .request(
            "POST",
            "/nominations/withdraw",
            &[("content-type", "application/json")],
            br#"{"token":"x"}"#,
        )
        .await;

    assert_eq!(response.status, 415);
}

#[tokio::test]
async fn ten_simultaneous_withdrawals_withdraw_once_and_update_the_card_once() {
    let app = TestApp::spawn().await;
    let discussed = app.in_discussion().await;
    let link = withdraw_link(&app, &discussed.nominator).await;

    let answers = futures::future::join_all((0..10).map(|_| confirm_withdrawal(&app, &link))).await;
    app.deliver_outbox().await;

    assert!(
        answers.iter().all(|a| a.status == 200),
        "each click is told it is withdrawn"
    );
    let withdrawals = app
        .items_of("audit_event")
        .await
        .iter()
        .filter(|e| {
            e.get("command")
                .is_some_and(|c| c.as_s().is_ok_and(|c| c == "withdraw"))
        })
        .count();
    assert_eq!(withdrawals, 1);
    let updates = card_updates_in(&app, ILN_CHANNEL).await.len();
    assert_eq!(updates, 1);
}
