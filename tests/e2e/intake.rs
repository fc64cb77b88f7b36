//! Nomination intake end to end: form and API, verification mail, the link.

use crate::fixtures::{post_json_from, unverified_nomination};
use chrono::Duration;
use iln_tests::{TestApp, nomination, unique_address};

#[tokio::test]
async fn an_english_api_nomination_is_confirmed_by_the_link_in_the_mail() {
    let app = TestApp::spawn().await;
    let nominator = unique_address("lucia");
    let nominee = unique_address("amara");

    let response = app.post_json(&nomination("en", &nominee, &nominator)).await;
    assert_eq!(response.status, 202, "{}", response.body);
    let body = response.json();
    assert_eq!(body["status"], "submitted");
    let id = body["id"].as_str().expect("an id").to_owned();
    assert_eq!(app.status_of(&id).await, "submitted");

    let delivered = app.deliver_outbox().await;
    assert!(!delivered.retry_pending);
    let mails = app.mails_to(&nominator).await;
    assert_eq!(mails.len(), 1, "one verification mail");
    assert!(
        mails[0].subject.contains("confirm your nomination") && !mails[0].subject.contains("Amara"),
        "a fixed subject: {}",
        mails[0].subject
    );
    assert!(mails[0].text.contains(&id), "the reference is in the mail");
    assert!(mails[0].text.contains("72"), "the mail says how long the link lasts");
    assert!(
        mails[0].text.contains("Dear") || mails[0].text.contains("Hello"),
        "English: {}",
        mails[0].text
    );

    let page = app.verify(&mails[0].link_to("/nominations/verify")).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("lang=\"en\""));
    assert_eq!(app.status_of(&id).await, "awaiting_vetting");
    let audit = app.items_of("audit_event").await;
    let mut happenings: Vec<&str> = audit.iter().map(|item| item["what"].as_s().unwrap().as_str()).collect();
    happenings.sort();
    assert_eq!(happenings, ["moved", "submitted"]);
    let moved = audit
        .iter()
        .find(|item| item["what"].as_s().unwrap() == "moved")
        .unwrap();
    assert_eq!(moved["from"].as_s().unwrap(), "submitted");
    assert_eq!(moved["to"].as_s().unwrap(), "awaiting_vetting");
}

#[tokio::test]
async fn a_spanish_form_nomination_gets_a_spanish_mail_and_pages() {
    let app = TestApp::spawn().await;
    let nominator = unique_address("lucia");
    let nominee = unique_address("amara");
    let rationale = "Amara creó el primer programa de mediación vinculado a los tribunales de Lagos.";

    let response = app
        .post_form(&[
            ("language", "es"),
            ("nominee_name", "Amara Okafor"),
            ("nominee_email", &nominee),
            ("nominee_country", "ng"),
            ("nominee_region", "Lagos"),
            ("nominee_role", "mediator"),
            ("nominator_name", "Lucía Fernández"),
            ("nominator_email", &nominator),
            ("nominator_basis", "imi_certified_mediator"),
            ("rationale", rationale),
            ("links", "https://example.org/amara"),
            ("links", ""),
            ("links", ""),
            ("privacy_consent", "yes"),
        ])
        .await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert!(
        response.body.contains("lang=\"es\""),
        "the thank-you page is in Spanish"
    );

    app.deliver_outbox().await;
    let mails = app.mails_to(&nominator).await;
    assert_eq!(mails.len(), 1);
    assert!(mails[0].text.contains("Gracias"), "Spanish mail: {}", mails[0].text);
    assert!(mails[0].html.contains("lang=\"es\"") || mails[0].html.contains("Gracias"));

    let page = app.verify(&mails[0].link_to("/nominations/verify")).await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("lang=\"es\""),
        "the confirmation is in the nomination's language"
    );
    let nominations = app.items_of("nomination").await;
    assert_eq!(nominations.len(), 1);
    assert_eq!(nominations[0]["status"].as_s().unwrap(), "awaiting_vetting");
    assert_eq!(nominations[0]["language"].as_s().unwrap(), "es");
}

#[tokio::test]
async fn the_form_is_english_or_spanish_by_query_then_browser() {
    let app = TestApp::spawn().await;
    let spanish = app.get("/nominate?lang=es").await;
    assert_eq!(spanish.status, 200);
    assert!(spanish.body.contains("lang=\"es\""));
    let browser = app
        .request(
            "GET",
            "/nominate",
            &[("accept-language", "es-AR,es;q=0.9,en;q=0.5")],
            b"",
        )
        .await;
    assert!(browser.body.contains("lang=\"es\""));
    let default = app.get("/nominate").await;
    assert!(default.body.contains("lang=\"en\""));
    assert_eq!(default.headers["cache-control"], "no-store");
}

#[tokio::test]
async fn a_second_click_says_already_confirmed_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let link = unverified_nomination(&app, "en").await.verification_link;

    let first = app.verify(&link).await;
    let second = app.verify(&link).await;

    assert_eq!((first.status, second.status), (200, 200));
    assert_ne!(first.body, second.body, "the second page says it was already confirmed");
    assert_eq!(app.items_of("audit_event").await.len(), 2, "submitted + one move");
}

#[tokio::test]
async fn an_unknown_link_is_404_and_an_expired_one_is_410() {
    let app = TestApp::spawn().await;
    let submitted = unverified_nomination(&app, "es").await;
    let (id, link) = (submitted.id, submitted.verification_link);

    let unknown = app
        .get("/nominations/verify?token=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
        .await;
    let garbled = app.get("/nominations/verify?token=%3Cscript%3E").await;
    let missing = app.get("/nominations/verify").await;
    let expired = app.get_at(app.now + Duration::hours(72), &link).await;

    assert_eq!((unknown.status, garbled.status, missing.status), (404, 404, 404));
    assert_eq!(expired.status, 410);
    assert!(
        expired.body.contains("lang=\"es\""),
        "told in the nomination's language"
    );
    assert_eq!(
        app.status_of(&id).await,
        "submitted",
        "an expired click changes nothing"
    );
    let in_time = app.verify_at(app.now + Duration::hours(71), &link).await;
    assert_eq!(in_time.status, 200);
    assert_eq!(app.status_of(&id).await, "awaiting_vetting");
}

#[tokio::test]
async fn nominating_someone_already_nominated_records_a_verified_endorsement_and_says_only_received() {
    let app = TestApp::spawn().await;
    let nominee = unique_address("amara");
    let first_nominator = unique_address("lucia");
    let second_nominator = unique_address("kwame");
    let first = app
        .verified_nomination_from(nomination("en", &nominee, &first_nominator))
        .await;

    let second = app
        .post_json(&nomination("en", &nominee.to_uppercase(), &second_nominator))
        .await;

    assert_eq!(second.status, 202);
    assert_eq!(
        second.json()["status"],
        "submitted",
        "the answer does not disclose the earlier nomination"
    );
    assert_ne!(second.json()["id"].as_str().unwrap(), first.id);
    assert!(
        app.items_of("endorsement").await.is_empty(),
        "an endorsement counts only once verified"
    );
    app.deliver_outbox().await;
    let mails = app.mails_to(&second_nominator).await;
    assert_eq!(mails.len(), 1, "the endorser verifies too");
    assert_eq!(app.verify(&mails[0].link_to("/nominations/verify")).await.status, 200);
    let endorsements = app.items_of("endorsement").await;
    assert_eq!(endorsements.len(), 1);
    assert_eq!(endorsements[0]["nomination_id"].as_s().unwrap(), &first.id);
    assert_eq!(
        app.items_of("nomination")
            .await
            .iter()
            .filter(|n| n["status"].as_s().unwrap() == "awaiting_vetting")
            .count(),
        1,
        "one nomination to vet"
    );
}

#[tokio::test]
async fn the_same_nominator_nominating_the_same_person_again_changes_nothing() {
    let app = TestApp::spawn().await;
    let nominee = unique_address("amara");
    let nominator = unique_address("lucia");
    let first = app.post_json(&nomination("en", &nominee, &nominator)).await;
    app.deliver_outbox().await;
    let items_before = app.all_items().await.len();

    let again = app
        .post_json(&nomination("en", &nominee, &nominator.to_uppercase()))
        .await;
    app.deliver_outbox().await;

    assert_eq!(again.status, 202);
    assert_ne!(
        again.json()["id"],
        first.json()["id"],
        "a fresh reference: the answer tells nothing about the earlier one"
    );
    assert_eq!(
        app.all_items().await.len(),
        items_before,
        "no new item (the counts only grew)"
    );
    assert_eq!(app.items_of("nomination").await.len(), 1);
    assert_eq!(app.mails_to(&nominator).await.len(), 1);
}

#[tokio::test]
async fn fifty_concurrent_identical_submissions_make_one_nomination_and_one_mail() {
    let app = TestApp::spawn().await;
    let nominator = unique_address("lucia");
    let body = nomination("en", &unique_address("amara"), &nominator);

    // Each from a network of its own: only the nominator address's limit applies.
    let (app, body) = (&app, &body);
    let responses = futures::future::join_all(
        (0..50).map(|n| async move { post_json_from(app, &format!("198.18.{n}.1"), app.now, body).await }),
    )
    .await;

    let unexpected: Vec<_> = responses
        .iter()
        .filter(|r| r.status != 202 && r.status != 429)
        .map(|r| (r.status, &r.body))
        .collect();
    assert!(unexpected.is_empty(), "received or limited: {unexpected:?}");
    let accepted: Vec<_> = responses.iter().filter(|r| r.status == 202).collect();
    assert_eq!(accepted.len(), 5, "SubmissionsPerAddressPerHour");
    let ids: std::collections::BTreeSet<_> = accepted.iter().map(|r| r.json()["id"].to_string()).collect();
    assert_eq!(ids.len(), 5, "each accepted submission gets a reference of its own");
    assert_eq!(app.items_of("nomination").await.len(), 1);
    assert_eq!(app.items_of("outbox_message").await.len(), 1);
    app.deliver_outbox().await;
    assert_eq!(app.mails_to(&nominator).await.len(), 1);
}

#[tokio::test]
async fn twenty_concurrent_clicks_on_one_link_make_one_transition() {
    let app = TestApp::spawn().await;
    let link = unverified_nomination(&app, "en").await.verification_link;

    let pages = futures::future::join_all((0..20).map(|_| app.verify(&link))).await;

    assert!(
        pages.iter().all(|page| page.status == 200),
        "{:?}",
        pages.iter().map(|p| p.status).collect::<Vec<_>>()
    );
    let moves = app
        .items_of("audit_event")
        .await
        .into_iter()
        .filter(|item| item["what"].as_s().unwrap() == "moved")
        .count();
    assert_eq!(moves, 1);
    let nominations = app.items_of("nomination").await;
    assert_eq!(nominations[0]["version"].as_n().unwrap(), "2");
}

#[tokio::test]
async fn a_self_nomination_needs_no_second_address_and_keeps_self_identification_private() {
    let app = TestApp::spawn().await;
    let nominee = unique_address("amara");
    let mut body = nomination("es", &nominee, "");
    body["nominator_basis"] = "self_nomination".into();
    body["nominator_name"] = "".into();
    body["self_identification"] = "Soy una mujer mediadora de una región rural.".into();

    let response = app.post_json(&body).await;
    app.deliver_outbox().await;

    assert_eq!(response.status, 202, "{}", response.body);
    let mails = app.mails_to(&nominee).await;
    assert_eq!(mails.len(), 1, "the self-nominee verifies their own address");
    assert!(
        !mails[0].text.contains("mujer mediadora"),
        "self-identification is never mailed"
    );
}
