//! When the table does not answer, nobody is told "nothing was saved": the
//! write may land when DynamoDB comes back. Each test runs its own DynamoDB
//! Local and pauses the process (SIGSTOP) while a request waits on it.

use crate::fixtures::slack_event;
use iln_adapters::dynamodb::NominationTable;
use iln_tests::{DynamoDbLocal, Options, SLACK_VETTER, TestApp, TestResponse, VETTING_CHANNEL, unique_address};
use std::time::{Duration, Instant};

/// Deadlines shaped like production's (`iln_adapters::config::timeouts`:
/// an attempt, one retry, an overall limit), shorter so a test runs fast.
fn production_like_timeouts() -> aws_config::timeout::TimeoutConfig {
    iln_adapters::config::timeouts()
        .to_builder()
        .operation_attempt_timeout(Duration::from_secs(1))
        .operation_timeout(Duration::from_secs(2))
        .build()
}

async fn spawn_on(store: &DynamoDbLocal) -> TestApp {
    TestApp::spawn_with(Options {
        dynamodb_url: Some(store.url()),
        function_timeouts: Some(production_like_timeouts()),
        ..Options::default()
    })
    .await
}

fn spanish_form(nominee: &str, nominator: &str) -> Vec<(&'static str, String)> {
    [
        ("language", "es"),
        ("nominee_name", "Amara Okafor"),
        ("nominee_email", nominee),
        ("nominee_country", "ng"),
        ("nominee_role", "mediator"),
        ("nominator_name", "Lucía Fernández"),
        ("nominator_email", nominator),
        ("nominator_basis", "iln_member"),
        (
            "rationale",
            "Amara creó el primer programa de mediación vinculado a los tribunales de Lagos.",
        ),
        ("links", "https://example.org/amara"),
        ("privacy_consent", "yes"),
    ]
    .into_iter()
    .map(|(name, value)| (name, value.to_owned()))
    .collect()
}

fn assert_try_again_later(response: &TestResponse, what: &str) {
    assert_eq!(response.status, 503, "{what}: {}", response.body);
    assert_eq!(
        response.headers.get("retry-after").and_then(|v| v.to_str().ok()),
        Some("30"),
        "{what}: Retry-After"
    );
    assert!(
        !response.body.contains("DynamoDB") && !response.body.contains("timed out"),
        "{what}: the cause is logged, not returned: {}",
        response.body
    );
}

/// Waits (a few seconds at most) until `count` items of `entity` are stored.
async fn until_stored(app: &TestApp, entity: &str, count: usize) -> usize {
    let mut found = 0;
    for _ in 0..50 {
        found = app.items_of(entity).await.len();
        if found >= count {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    found
}

#[tokio::test]
async fn a_nomination_sent_while_the_store_is_paused_is_answered_503_and_sending_it_again_makes_no_duplicate() {
    let store = DynamoDbLocal::start().await;
    let app = spawn_on(&store).await;
    let (nominee, nominator) = (unique_address("amara"), unique_address("lucia"));
    let form = spanish_form(&nominee, &nominator);
    let pairs: Vec<(&str, &str)> = form.iter().map(|(name, value)| (*name, value.as_str())).collect();

    let by_api = iln_tests::nomination("es", &nominee, &nominator);
    // Shaped like a real link's token (43 characters): only the table knows it.
    let invitation = format!("/invitations/{}?lang=es", "x".repeat(43));

    store.pause();
    let unanswered = app.post_form(&pairs).await;
    let unanswered_api = app.post_json(&by_api).await;
    let queue = app
        .staff_request("GET", "/vetting/nominations", Some(&iln_tests::vetter_token()), None)
        .await;
    let invitation_page = app.get(&invitation).await;
    store.resume();

    assert_try_again_later(&unanswered, "the form");
    assert!(unanswered.body.contains("lang=\"es\""), "in the form's language");
    assert!(
        unanswered.body.contains("puede que sí o puede que no") && unanswered.body.contains("es seguro"),
        "says it may have been recorded and that sending it again is safe: {}",
        unanswered.body
    );
    assert_try_again_later(&unanswered_api, "the API");
    let error = &unanswered_api.json()["errors"][0];
    assert_eq!(error["code"], "store_unavailable", "{}", unanswered_api.body);
    assert!(error["message"].as_str().unwrap_or_default().contains("es seguro"));
    assert_try_again_later(&invitation_page, "the invitation page");
    assert!(invitation_page.body.contains("lang=\"es\""), "{}", invitation_page.body);
    assert_try_again_later(&queue, "the staff queue");
    assert_eq!(queue.json()["errors"][0]["code"], "store_unavailable", "{}", queue.body);
    assert_eq!(
        until_stored(&app, "nomination", 1).await,
        1,
        "the write the store held while paused landed when it resumed: a 500 saying nothing was saved would have been false"
    );

    app.deliver_outbox().await;
    let again = app.post_form(&pairs).await;
    app.deliver_outbox().await;

    assert_eq!(again.status, 200, "{}", again.body);
    assert!(again.body.contains("lang=\"es\""));
    assert_eq!(
        app.items_of("nomination").await.len(),
        1,
        "one nomination from three sendings (two held by the paused store)"
    );
    assert_eq!(
        app.items_of("endorsement").await.len(),
        0,
        "and no endorsement of itself"
    );
    let mails = app.mails_to(&nominator).await;
    assert_eq!(mails.len(), 1, "one verification mail");
    let verify = mails[0].link_to("/nominations/verify");

    let token = verify.split("token=").nth(1).unwrap_or_default().to_owned();
    let button = format!("token={token}");

    store.pause();
    let link_unanswered = app
        .request("GET", &verify, &[("accept-language", "es-ES,es;q=0.9")], b"")
        .await;
    let button_unanswered = app
        .request(
            "POST",
            "/nominations/verify",
            &[
                ("content-type", "application/x-www-form-urlencoded"),
                ("accept-language", "es-ES,es;q=0.9"),
            ],
            button.as_bytes(),
        )
        .await;
    store.resume();
    let link_again = app.verify(&verify).await;

    assert_try_again_later(&link_unanswered, "the verification link");
    assert!(
        link_unanswered.body.contains("lang=\"es\""),
        "in the browser's language"
    );
    assert!(
        link_unanswered.body.contains("No se modificó nada"),
        "opening the page changes nothing: {}",
        link_unanswered.body
    );
    assert_try_again_later(&button_unanswered, "the verification button");
    assert!(
        button_unanswered.body.contains("enlace") && button_unanswered.body.contains("es seguro"),
        "{}",
        button_unanswered.body
    );
    assert_eq!(link_again.status, 200, "{}", link_again.body);
    let nominations = app.items_of("nomination").await;
    let id = nominations[0]["pk"]
        .as_s()
        .expect("pk")
        .trim_start_matches("NOMINATION#");
    assert_eq!(app.status_of(id).await, "awaiting_vetting", "verified once");
}

#[tokio::test]
async fn slack_is_answered_within_three_seconds_while_the_store_is_paused_and_clicking_again_moves_the_nomination_once()
{
    let store = DynamoDbLocal::start().await;
    let mut app = spawn_on(&store).await;
    let nomination = app.verified_nomination("en").await;
    // The webhook as deployed: its table calls fit Slack's 3 s.
    let aws = iln_adapters::config::aws().await;
    let webhook_dynamodb = aws_sdk_dynamodb::config::Builder::from(&aws)
        .endpoint_url(store.url())
        .timeout_config(iln_adapters::config::slack_acknowledgement_timeouts())
        .build();
    let webhook_table = NominationTable::new(aws_sdk_dynamodb::Client::from_conf(webhook_dynamodb), &app.table_name);
    let webhook = &mut app.gateway.functions.slack_webhook;
    webhook.people = webhook.people.clone().with_table(webhook_table.clone());
    webhook.table = webhook_table;
    let event =
        serde_json::json!({ "type": "event_callback", "event_id": "Ev0OUTAGE", "event": { "type": "app_mention" } });
    let command = b"command=%2Filn&text=pending&user_id=UVERA";
    let posts_before = app.posts_to(iln_tests::ILN_CHANNEL).await.len();

    store.pause();
    let started = Instant::now();
    let click = app
        .click(SLACK_VETTER, "vetting.approve", &nomination.id, 2, VETTING_CHANNEL)
        .await;
    let click_took = started.elapsed();
    let slash = app
        .from_slack("/slack/commands", "application/x-www-form-urlencoded", command, &[])
        .await;
    let delivery = slack_event(&app, &event, &[]).await;
    store.resume();

    assert!(click_took < Duration::from_secs(3), "answered in {click_took:?}");
    assert_try_again_later(&click, "a button: Slack shows the clicker it did not work");
    assert_eq!(slash.status, 200, "a slash command is answered in Slack");
    assert!(
        slash.json()["text"]
            .as_str()
            .unwrap_or_default()
            .contains("nothing was changed")
    );
    assert_try_again_later(&delivery, "an event: Slack delivers it again");

    let click_again = app
        .click(SLACK_VETTER, "vetting.approve", &nomination.id, 2, VETTING_CHANNEL)
        .await;
    let redelivery = slack_event(&app, &event, &[("x-slack-retry-num", "1")]).await;
    app.deliver_outbox().await;

    assert_eq!((click_again.status, redelivery.status), (200, 200));
    assert_eq!(app.status_of(&nomination.id).await, "in_discussion");
    assert_eq!(
        app.posts_to(iln_tests::ILN_CHANNEL).await.len(),
        posts_before + 1,
        "one card for the ILN"
    );
}
