//! The nominee: told before the ILN discusses them, in their own language,
//! free to object (or, with `NomineeConsent`, asked to agree first), and
//! their data kept no longer than the way the nomination ended earns.

use crate::fixtures::{card_updates_in, reject};
use chrono::Duration;
use iln_domain::message::MessageId;
use iln_tests::{ILN_CHANNEL, Options, TestApp, TestResponse, VETTING_CHANNEL, nomination, unique_address};
use serde_json::{Value, json};

/// A nomination of a fresh nominee, nominated in `language`, the nominee
/// reading `nominee_language`.
fn nominating(language: &str, nominee_language: &str) -> (Value, String) {
    let nominee = unique_address("amara");
    let mut body = nomination(language, &nominee, &unique_address("lucia"));
    body["nominee_language"] = json!(nominee_language);
    (body, nominee)
}

/// The path of the link in the nominee's notice.
async fn notice_link(app: &TestApp, nominee: &str) -> String {
    let mails = app.mails_to(nominee).await;
    let notice = mails
        .iter()
        .find(|mail| mail.text.contains("/nominations/notice"))
        .expect("a notice to the nominee");
    notice.link_to("/nominations/notice")
}

async fn answer_notice(app: &TestApp, link: &str, answer: &str) -> TestResponse {
    let token = link
        .split("token=")
        .nth(1)
        .and_then(|rest| rest.split('&').next())
        .expect("a token in the link");
    app.request(
        "POST",
        "/nominations/notice",
        &[("content-type", "application/x-www-form-urlencoded")],
        format!("token={token}&answer={answer}").as_bytes(),
    )
    .await
}

async fn approve(app: &TestApp, id: &str) {
    let approved = app
        .decide(id, json!({ "decision": "approve", "expected_version": 2 }))
        .await;
    assert_eq!(approved.status, 200, "{}", approved.body);
}

fn audited(
    events: &[std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>],
    command: &str,
) -> usize {
    events
        .iter()
        .filter(|e| e.get("command").is_some_and(|c| c.as_s().is_ok_and(|c| c == command)))
        .count()
}

fn with_consent() -> Options {
    Options {
        parameters: vec![("NomineeConsent", "true".to_owned())],
        ..Options::default()
    }
}

#[tokio::test]
async fn the_ilns_card_waits_until_the_nominees_notice_was_sent() {
    let app = TestApp::spawn().await;
    let (body, nominee) = nominating("en", "en");
    let verified = app.verified_nomination_from(body).await;
    approve(&app, &verified.id).await;

    // The card's delivery comes first (the stream may hand it over first):
    // it does not go while the notice is unsent.
    let card = app
        .table
        .outbox_message(&MessageId::from_reference(&format!("{}.iln_card", verified.id)))
        .await
        .unwrap()
        .expect("the ILN card is queued with the approval");
    let early = outbox::deliver(
        &app.gateway.functions.outbox,
        card,
        app.now,
        outbox::Deadline::after(std::time::Duration::from_secs(60)),
    )
    .await;
    let posted_early = app.posts_to(ILN_CHANNEL).await.len();
    let mailed_early = app.mails_to(&nominee).await.len();
    app.deliver_outbox().await;

    assert!(early.is_err(), "the card is tried again later");
    assert_eq!(
        (posted_early, mailed_early),
        (0, 0),
        "neither the card nor the notice yet"
    );
    let mails = app.mails_to(&nominee).await;
    assert_eq!(mails.len(), 1, "the notice");
    assert!(
        mails[0].subject.contains("You have been nominated"),
        "{}",
        mails[0].subject
    );
    assert_eq!(
        app.posts_to(ILN_CHANNEL).await.len(),
        1,
        "the card, once the notice went"
    );
}

#[tokio::test]
async fn the_notice_is_queued_ahead_of_the_card_and_both_go_out_in_that_order() {
    let app = TestApp::spawn().await;
    let (body, nominee) = nominating("en", "en");
    let verified = app.verified_nomination_from(body).await;
    approve(&app, &verified.id).await;

    let mut stream = app.stream_from_start().await;
    let records = stream.read().await.unwrap();
    app.deliver_outbox().await;

    let queued: Vec<String> = records
        .iter()
        .filter(|r| r.event_name == "INSERT")
        .filter_map(|r| match r.change.new_image.get("pk") {
            Some(serde_dynamo::AttributeValue::S(pk)) => pk.rsplit('.').next().map(str::to_owned),
            _ => None,
        })
        .filter(|kind| kind == "nominee_notice" || kind == "iln_card")
        .collect();
    assert_eq!(queued, ["nominee_notice", "iln_card"]);
    assert_eq!(app.mails_to(&nominee).await.len(), 1);
    assert_eq!(app.posts_to(ILN_CHANNEL).await.len(), 1);
}

#[tokio::test]
async fn a_spanish_form_for_an_english_speaking_nominee_tells_and_invites_them_in_english() {
    let app = TestApp::spawn().await;
    let (body, nominee) = nominating("es", "en");
    let nominator = body["nominator_email"].as_str().unwrap().to_owned();

    let invited = app.invited_from(body).await;

    let mails = app.mails_to(&nominee).await;
    assert_eq!(mails.len(), 2, "the notice, then the invitation");
    assert!(
        mails[0].subject.contains("You have been nominated"),
        "{}",
        mails[0].subject
    );
    assert!(mails[0].text.contains("Dear Amara Okafor,"));
    assert!(
        mails[1].subject.contains("Invitation to become"),
        "{}",
        mails[1].subject
    );
    let nominators = app.mails_to(&nominator).await;
    assert!(
        nominators[0].subject.contains("Confirme") || nominators[0].text.contains("Estimado"),
        "the nominator reads Spanish: {}",
        nominators[0].subject
    );
    let page = app.get(&invited.link).await;
    assert!(page.body.contains("lang=\"en\""), "the invitation page is in English");
    let notice = app.get(&notice_link(&app, &nominee).await).await;
    assert!(notice.body.contains("lang=\"en\""), "so is the notice's page");
    assert_eq!(app.file(&invited.id).await["submission"]["nominee"]["language"], "en");
}

#[tokio::test]
async fn the_form_asks_the_nominees_language_defaulting_to_the_forms_and_refuses_an_unknown_one() {
    let app = TestApp::spawn().await;
    let (mut body, _) = nominating("es", "en");
    body["nominee_language"] = json!("fr");

    let form = app.get("/nominate?lang=es").await;
    let refused = app.post_json(&body).await;

    assert!(
        form.body
            .contains(r#"<select id="nominee_language" name="nominee_language""#)
    );
    assert!(form.body.contains(r#"<label for="nominee_language">"#));
    assert!(form.body.contains(r#"<option value="es" lang="es" selected>"#));
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert_eq!(refused.json()["errors"][0]["field"], "nominee_language");
}

#[tokio::test]
async fn a_nominee_who_objects_by_the_link_closes_the_nomination_and_the_iln_hears_no_more() {
    let app = TestApp::spawn().await;
    let (body, nominee) = nominating("en", "es");
    let discussed = app.in_discussion_from(body).await;
    let link = notice_link(&app, &nominee).await;
    let posts_before = app.posts_to(ILN_CHANNEL).await.len();
    let vetting_updates_before = card_updates_in(&app, VETTING_CHANNEL).await.len();

    let page = app.get(&link).await;
    let status_after_page = app.status_of(&discussed.id).await;
    let objected = answer_notice(&app, &link, "object").await;
    app.deliver_outbox().await;
    let again = answer_notice(&app, &link, "object").await;
    app.iln_members(&["UC01"]).await;
    let click = app.click("UC01", "iln.confirm", &discussed.id, 3, ILN_CHANNEL).await;
    app.deliver_outbox().await;

    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("lang=\"es\"") && page.body.contains("Me opongo"),
        "{}",
        page.body
    );
    assert_eq!(status_after_page, "in_discussion", "opening the link changes nothing");
    assert_eq!(objected.status, 200, "{}", objected.body);
    assert!(objected.body.contains("La nominación está cerrada"));
    assert_eq!(again.status, 200, "a second objection is told the same");
    assert_eq!(app.status_of(&discussed.id).await, "objected");
    assert_eq!(audited(&app.items_of("audit_event").await, "object"), 1);
    let iln_updates = card_updates_in(&app, ILN_CHANNEL).await;
    assert_eq!(iln_updates.len(), 1, "the ILN card, updated once");
    let shown = iln_updates[0].to_string();
    assert!(shown.contains("Withdrawn at the nominee's objection"), "{shown}");
    assert!(!shown.contains("iln.confirm"), "no buttons left: {shown}");
    assert!(!shown.contains(&nominee), "no address on the card");
    assert_eq!(
        card_updates_in(&app, VETTING_CHANNEL).await.len(),
        vetting_updates_before + 1
    );
    let told = app.posts_to(VETTING_CHANNEL).await;
    assert!(
        told.iter()
            .any(|p| p.to_string().contains("withdrawn at the nominee's objection")),
        "the vetting channel is told: {told:?}"
    );
    assert_eq!(click.status, 200);
    assert!(
        click.body.contains("objection") || click.body.is_empty(),
        "{}",
        click.body
    );
    assert_eq!(
        app.posts_to(ILN_CHANNEL).await.len(),
        posts_before,
        "nothing more in the ILN channel"
    );
    assert_eq!(
        app.status_of(&discussed.id).await,
        "objected",
        "the confirmation counted nothing"
    );
}

#[tokio::test]
async fn ten_simultaneous_objections_close_once_and_update_each_card_once() {
    let app = TestApp::spawn().await;
    let (body, nominee) = nominating("en", "en");
    let discussed = app.in_discussion_from(body).await;
    let link = notice_link(&app, &nominee).await;
    let vetting_updates_before = card_updates_in(&app, VETTING_CHANNEL).await.len();

    let answers = futures::future::join_all((0..10).map(|_| answer_notice(&app, &link, "object"))).await;
    app.deliver_outbox().await;

    assert!(answers.iter().all(|a| a.status == 200), "each is told it is closed");
    assert_eq!(app.status_of(&discussed.id).await, "objected");
    assert_eq!(audited(&app.items_of("audit_event").await, "object"), 1);
    assert_eq!(card_updates_in(&app, ILN_CHANNEL).await.len(), 1);
    assert_eq!(
        card_updates_in(&app, VETTING_CHANNEL).await.len(),
        vetting_updates_before + 1
    );
}

#[tokio::test]
async fn with_nominee_consent_the_card_is_posted_only_once_the_nominee_agrees() {
    let app = TestApp::spawn_with(with_consent()).await;
    let (body, nominee) = nominating("en", "en");
    let verified = app.verified_nomination_from(body).await;
    approve(&app, &verified.id).await;
    app.deliver_outbox().await;
    let posted_before = app.posts_to(ILN_CHANNEL).await.len();
    let link = notice_link(&app, &nominee).await;

    let page = app.get(&link).await;
    let agreed = answer_notice(&app, &link, "agree").await;
    app.deliver_outbox().await;

    assert_eq!(posted_before, 0, "nothing in the ILN channel before the nominee agrees");
    let notice = &app.mails_to(&nominee).await[0];
    assert!(notice.text.contains("we ask for your agreement"), "{}", notice.text);
    assert!(page.body.contains(r#"value="agree""#) && page.body.contains(r#"value="object""#));
    assert_eq!(agreed.status, 200, "{}", agreed.body);
    assert!(agreed.body.contains("Thank you for agreeing"));
    assert_eq!(app.status_of(&verified.id).await, "in_discussion");
    assert_eq!(app.posts_to(ILN_CHANNEL).await.len(), 1, "the card, once");
    let after = app.get(&link).await;
    assert!(
        !after.body.contains(r#"value="agree""#),
        "once agreed, only the objection remains"
    );
}

#[tokio::test]
async fn with_nominee_consent_an_unanswered_notice_expires_in_the_daily_run() {
    let app = TestApp::spawn_with(with_consent()).await;
    let (body, nominee) = nominating("es", "es");
    let verified = app.verified_nomination_from(body).await;
    approve(&app, &verified.id).await;
    app.deliver_outbox().await;
    let link = notice_link(&app, &nominee).await;

    let early = app.run_reminders(app.now + Duration::hours(71)).await;
    let late_page = app.get_at(app.now + Duration::hours(73), &link).await;
    let run = app.run_reminders(app.now + Duration::hours(73)).await;
    let again = app.run_reminders(app.now + Duration::hours(74)).await;
    app.deliver_outbox().await;

    assert_eq!(early.expired_unanswered_notices, 0);
    assert_eq!(late_page.status, 410);
    assert!(
        late_page.body.contains("El plazo para responder ha pasado"),
        "{}",
        late_page.body
    );
    assert_eq!(run.expired_unanswered_notices, 1);
    assert_eq!(again.expired_unanswered_notices, 0, "a second run expires nothing more");
    assert_eq!(app.status_of(&verified.id).await, "expired");
    assert!(app.posts_to(ILN_CHANNEL).await.is_empty(), "the ILN never saw it");
    let agreed_late = answer_notice(&app, &link, "agree").await;
    assert_eq!(agreed_late.status, 410);
}

#[tokio::test]
async fn a_bad_or_incomplete_answer_to_the_notice_gets_a_clear_page_in_the_right_language() {
    let app = TestApp::spawn().await;
    let (body, nominee) = nominating("en", "es");
    app.in_discussion_from(body).await;
    let link = notice_link(&app, &nominee).await;
    let token = link
        .split("token=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_owned();

    let unknown = app
        .get("/nominations/notice?token=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA&lang=es")
        .await;
    let garbage = app.get("/nominations/notice?token=nonsense").await;
    let no_answer = app
        .request(
            "POST",
            "/nominations/notice",
            &[("content-type", "application/x-www-form-urlencoded")],
            format!("token={token}").as_bytes(),
        )
        .await;
    let agree_unasked = answer_notice(&app, &link, "agree").await;
    let as_json = app
        .request(
            "POST",
            "/nominations/notice",
            &[("content-type", "application/json")],
            br#"{"token":"x","answer":"object"}"#,
        )
        .await;

    assert_eq!(unknown.status, 404);
    assert!(unknown.body.contains("No reconocemos este enlace"), "{}", unknown.body);
    assert_eq!(garbage.status, 404);
    assert_eq!(no_answer.status, 422);
    assert!(
        no_answer.body.contains("Elija una respuesta."),
        "in the nominee's Spanish: {}",
        no_answer.body
    );
    assert_eq!(
        agree_unasked.status, 422,
        "agreement is not asked without NomineeConsent"
    );
    assert_eq!(as_json.status, 415);
}

#[tokio::test]
async fn a_nomination_closed_before_discussion_is_kept_thirty_days_and_one_discussed_a_year() {
    let app = TestApp::spawn().await;
    let rejected = app.verified_nomination("en").await;
    reject(&app, &rejected.id).await;
    let (body, nominee) = nominating("en", "en");
    let objected = app.in_discussion_from(body).await;
    answer_notice(&app, &notice_link(&app, &nominee).await, "object").await;
    let withdrawn = app.in_discussion().await;
    let withdrawal = app
        .staff_request(
            "POST",
            &format!("/vetting/nominations/{}/withdraw", withdrawn.id),
            Some(&iln_tests::admin_token()),
            Some(&json!({ "reason": "asked by IMI" })),
        )
        .await;
    assert_eq!(withdrawal.status, 200, "{}", withdrawal.body);

    let kept_days = |id: String| {
        let app = &app;
        async move {
            let items = app.items_of("nomination").await;
            let item = items
                .iter()
                .find(|i| i["pk"].as_s().unwrap() == &format!("NOMINATION#{id}"))
                .unwrap();
            let expires: i64 = item["expires_at"].as_n().unwrap().parse().unwrap();
            (expires - app.now.timestamp()) / 86_400
        }
    };
    assert_eq!(kept_days(rejected.id).await, 30, "rejected in vetting");
    assert_eq!(kept_days(objected.id).await, 30, "objected to by the nominee");
    assert_eq!(kept_days(withdrawn.id).await, 365, "withdrawn after the ILN saw it");
}

#[tokio::test]
async fn the_privacy_page_holds_every_item_with_imis_policies_in_both_languages() {
    let app = TestApp::spawn().await;
    for (language, items) in [
        (
            "en",
            [
                "Controller and contact",
                "What is held and where it came from",
                "Legal basis",
                "Recipients",
                "How long it is kept",
                "Your rights",
                "Your right to object",
                "Complaints",
                "Privacy Policy and Terms of Use",
            ],
        ),
        (
            "es",
            [
                "Responsable y contacto",
                "Qué datos se tienen y de dónde proceden",
                "Base jurídica",
                "Destinatarios",
                "Cuánto tiempo se conservan",
                "Sus derechos",
                "Su derecho de oposición",
                "Reclamaciones",
                "Política de privacidad y condiciones de uso",
            ],
        ),
    ] {
        let page = app.get(&format!("/privacy?lang={language}")).await;

        assert_eq!(page.status, 200);
        for item in items {
            assert!(page.body.contains(item), "{language}: {item}");
        }
        assert!(page.body.contains("imimediation.org&#x2f;privacy-policy"), "{language}");
        assert!(page.body.contains("imimediation.org&#x2f;terms-of-use"), "{language}");
        assert!(
            page.body.contains("30") && page.body.contains("365"),
            "{language}: both retention periods"
        );
    }
}

#[tokio::test]
async fn staff_correct_the_nominees_language_once_audited_and_the_invitation_follows_it() {
    let app = TestApp::spawn().await;
    let (body, nominee) = nominating("en", "en");
    let discussed = app.in_discussion_from(body).await;
    let path = format!("/vetting/nominations/{}/corrections", discussed.id);
    let correction = serde_json::json!({
        "nominee": { "language": "es" },
        "reason": "The nominee wrote to IMI in Spanish and asked to be written to in Spanish.",
        "expected_version": 3
    });

    let corrected = app
        .staff_request("POST", &path, Some(&iln_tests::vetter_token()), Some(&correction))
        .await;
    let replayed = app
        .staff_request("POST", &path, Some(&iln_tests::vetter_token()), Some(&correction))
        .await;
    app.iln_members(&["UC01"]).await;
    let confirmed = app.click("UC01", "iln.confirm", &discussed.id, 4, ILN_CHANNEL).await;
    assert_eq!(confirmed.status, 200);
    app.deliver_outbox().await;

    assert_eq!(corrected.status, 200, "{}", corrected.body);
    assert_eq!(
        replayed.status, 409,
        "the same correction on the old version: {}",
        replayed.body
    );
    let file = app.file(&discussed.id).await;
    assert_eq!(file["submission"]["nominee"]["language"], "es");
    assert_eq!(file["submission"]["language"], "en", "the nominator's is untouched");
    let corrections: Vec<_> = file["audit"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|event| event["what"] == "nominee_corrected")
        .collect();
    assert_eq!(corrections.len(), 1);
    assert_eq!(corrections[0]["fields"], serde_json::json!(["language"]));
    let invitation = app.mails_to(&nominee).await.pop().expect("the invitation");
    assert!(invitation.subject.starts_with("Invitación"), "{}", invitation.subject);
}
