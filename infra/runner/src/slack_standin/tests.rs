use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use iln_domain::slack::signature;
use serde_json::{Value, json};

use super::blocks::REQUIRED;
use super::page::Form;
use super::{SlackStandIn, StandInConfig, StandInUser};

const SECRET: &str = "8f742231b10e8888abcd99yyyzzz85a5";
const VETTER: &str = "U0VETTER";

fn config(interactions_url: String) -> StandInConfig {
    StandInConfig {
        signing_secret: SECRET.to_owned(),
        interactions_url,
        vetting_channel: "C0VETTING".to_owned(),
        iln_channel: "C0ILN".to_owned(),
        users: vec![
            StandInUser {
                id: VETTER.to_owned(),
                name: "Vera (vetter)".to_owned(),
                email: "vera@iln.localhost".to_owned(),
                locale: "en-GB".to_owned(),
            },
            StandInUser {
                id: "U0MEMBER".to_owned(),
                name: "Mei (ILN member)".to_owned(),
                email: "Mei@iln.localhost".to_owned(),
                locale: "es-ES".to_owned(),
            },
        ],
    }
}

async fn bind() -> (tokio::net::TcpListener, SocketAddr) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a local port");
    let address = listener.local_addr().expect("a bound address");
    (listener, address)
}

fn serve(listener: tokio::net::TcpListener, router: Router) {
    tokio::spawn(async move { axum::serve(listener, router).await });
}

/// A stand-in served on a local port, with its base URL.
async fn standin(interactions_url: String) -> (SlackStandIn, String) {
    let standin = SlackStandIn::new(config(interactions_url)).unwrap();
    let (listener, address) = bind().await;
    serve(listener, standin.router());
    (standin, format!("http://{address}"))
}

fn client() -> reqwest::Client {
    iln_adapters::tls::client_builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a test client")
}

async fn call(base: &str, method: &str, body: Value) -> Value {
    client()
        .post(format!("{base}/api/{method}"))
        .bearer_auth("xoxb-local-test")
        .json(&body)
        .send()
        .await
        .expect("the stand-in answers")
        .json()
        .await
        .expect("a JSON answer")
}

/// Posts the vetting card for Ana to the vetting channel; its ts.
async fn post_card(base: &str) -> String {
    let posted = call(
        base,
        "chat.postMessage",
        json!({ "channel": "C0VETTING", "text": "card", "blocks": card("Ana") }),
    )
    .await;
    posted["ts"].as_str().expect("the card was posted").to_owned()
}

/// Posts `body` as JSON, without a token, as the system posts to a `response_url`.
async fn post_json(url: &str, body: Value) -> Value {
    client()
        .post(url)
        .json(&body)
        .send()
        .await
        .expect("the stand-in answers")
        .json()
        .await
        .expect("a JSON answer")
}

async fn page_as(base: &str, user: &str) -> String {
    client()
        .get(format!("{base}/?as={user}"))
        .send()
        .await
        .expect("the page")
        .text()
        .await
        .expect("HTML")
}

fn card(nomination: &str) -> Value {
    json!([
        { "type": "header", "text": { "type": "plain_text", "text": "New nomination" } },
        { "type": "section", "text": { "type": "mrkdwn", "text": format!("*Nominee:* {nomination}") } },
        { "type": "actions", "block_id": "vetting", "elements": [
            { "type": "button", "action_id": "vet_ok", "value": "nom-1", "style": "primary",
              "text": { "type": "plain_text", "text": "Coherent" } }
        ] }
    ])
}

/// A receiver standing in for the system's interactions endpoint: it
/// verifies the signature as the system must and records the payloads.
#[derive(Clone, Default)]
struct Receiver {
    payloads: Arc<Mutex<Vec<Value>>>,
    standin_base: Arc<Mutex<String>>,
}

fn verified_payload(headers: &HeaderMap, body: &[u8]) -> Option<Value> {
    let header_text = |name: &str| headers.get(name).and_then(|value| value.to_str().ok());
    let secret = signature::SigningSecret::parse(SECRET).ok()?;
    signature::verify(
        &secret,
        header_text("x-slack-request-timestamp"),
        header_text("x-slack-signature"),
        body,
        chrono::Utc::now(),
    )
    .ok()?;
    if header_text(header::CONTENT_TYPE.as_str())? != "application/x-www-form-urlencoded" {
        return None;
    }
    let form = Form::parse(body);
    serde_json::from_str(form.get("payload")).ok()
}

async fn receive(State(receiver): State<Receiver>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(payload) = verified_payload(&headers, &body) else {
        return (StatusCode::UNAUTHORIZED, "bad signature").into_response();
    };
    receiver.payloads.lock().expect("payloads").push(payload.clone());
    match payload["type"].as_str() {
        Some("block_actions") => {
            let base = receiver.standin_base.lock().expect("base").clone();
            let view = json!({
                "type": "modal",
                "callback_id": "vetting_reason",
                "private_metadata": "nom-1",
                "title": { "type": "plain_text", "text": "Why not coherent?" },
                "submit": { "type": "plain_text", "text": "Send" },
                "blocks": [{
                    "type": "input", "block_id": "reason",
                    "label": { "type": "plain_text", "text": "Reason" },
                    "element": { "type": "plain_text_input", "action_id": "reason_input", "multiline": true }
                }]
            });
            let opened = call(
                &base,
                "views.open",
                json!({ "trigger_id": payload["trigger_id"], "view": view }),
            )
            .await;
            assert_eq!(opened["ok"], json!(true), "{opened}");
            StatusCode::OK.into_response()
        }
        Some("view_submission") => {
            let reason = payload
                .pointer("/view/state/values/reason/reason_input/value")
                .and_then(Value::as_str);
            if reason == Some("short") {
                let errors = json!({ "response_action": "errors", "errors": { "reason": "Say a little more." } });
                ([(header::CONTENT_TYPE, "application/json")], errors.to_string()).into_response()
            } else {
                StatusCode::OK.into_response()
            }
        }
        _ => StatusCode::OK.into_response(),
    }
}

/// A stand-in wired to a receiver, each on its own port.
async fn standin_with_receiver() -> (SlackStandIn, String, Receiver) {
    let (receiver_listener, receiver_address) = bind().await;
    let (standin, base) = standin(format!("http://{receiver_address}/slack/interactions")).await;
    let receiver = Receiver::default();
    *receiver.standin_base.lock().expect("base") = base.clone();
    serve(
        receiver_listener,
        Router::new()
            .route("/slack/interactions", post(receive))
            .with_state(receiver.clone()),
    );
    (standin, base, receiver)
}

async fn click_button(base: &str, channel: &str, ts: &str) -> reqwest::Response {
    let form = [
        ("as", VETTER),
        ("channel", channel),
        ("ts", ts),
        ("block_id", "vetting"),
        ("action_id", "vet_ok"),
        ("value", "nom-1"),
        ("text", "Coherent"),
    ];
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form)
        .finish();
    client()
        .post(format!("{base}/click"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .expect("the click is answered")
}

#[tokio::test]
async fn a_messages_permalink_opens_the_page_at_the_message() {
    let (_standin, base) = standin("http://127.0.0.1:9/unused".to_owned()).await;
    let posted = call(&base, "chat.postMessage", json!({ "channel": "C0ILN", "text": "card" })).await;
    let anchor = format!("p{}", posted["ts"].as_str().unwrap().replace('.', ""));

    let opened = client()
        .get(format!("{base}/archives/C0ILN/{anchor}"))
        .send()
        .await
        .unwrap();
    assert_eq!(opened.status(), 303);
    assert_eq!(opened.headers()[header::LOCATION], format!("/#{anchor}").as_str());
    let page = client()
        .get(format!("{base}/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(&format!("id=\"{anchor}\"")),
        "the page has the message's anchor"
    );

    let elsewhere = client()
        .get(format!("{base}/archives/C0VETTING/{anchor}"))
        .send()
        .await
        .unwrap();
    assert_eq!(elsewhere.status(), 404, "not a message of that channel");
}

#[tokio::test]
async fn posting_a_message_returns_a_ts_and_it_appears_in_the_channel() {
    let (standin, base) = standin("http://127.0.0.1:9/unused".to_owned()).await;

    let first = call(
        &base,
        "chat.postMessage",
        json!({ "channel": "C0VETTING", "text": "one" }),
    )
    .await;
    let second = call(
        &base,
        "chat.postMessage",
        json!({ "channel": "C0VETTING", "text": "two", "blocks": card("Ana") }),
    )
    .await;

    assert_eq!(first["ok"], json!(true), "{first}");
    assert_eq!(first["channel"], json!("C0VETTING"));
    let (first_ts, second_ts) = (first["ts"].as_str().unwrap(), second["ts"].as_str().unwrap());
    assert!(
        first_ts.len() == 17 && first_ts.as_bytes()[10] == b'.',
        "Slack-shaped ts: {first_ts}"
    );
    assert!(first_ts < second_ts, "increasing: {first_ts} then {second_ts}");
    assert_eq!(second["message"]["blocks"], card("Ana"));
    let messages = standin.messages("C0VETTING");
    assert_eq!(messages.len(), 2);
    assert_eq!(messages[1].ts, second_ts);
    assert_eq!(messages[1].blocks, card("Ana"));
    assert!(standin.messages("C0ILN").is_empty());
}

#[tokio::test]
async fn a_reply_in_a_thread_is_stored_under_its_message() {
    let (standin, base) = standin("http://127.0.0.1:9/unused".to_owned()).await;
    let parent = call(&base, "chat.postMessage", json!({ "channel": "C0ILN", "text": "card" })).await;
    let parent_ts = parent["ts"].as_str().unwrap();

    let reply = call(
        &base,
        "chat.postMessage",
        json!({ "channel": "C0ILN", "text": "Confirmed by Carlos", "thread_ts": parent_ts }),
    )
    .await;
    let orphan = call(
        &base,
        "chat.postMessage",
        json!({ "channel": "C0ILN", "text": "x", "thread_ts": "1.000001" }),
    )
    .await;

    assert_eq!(reply["ok"], json!(true), "{reply}");
    assert_eq!(reply["message"]["thread_ts"], json!(parent_ts));
    assert_eq!(orphan, json!({ "ok": false, "error": "thread_not_found" }));
    let messages = standin.messages("C0ILN");
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].replies.len(), 1);
    assert_eq!(messages[0].replies[0].text, "Confirmed by Carlos");
    assert_eq!(messages[0].replies[0].thread_ts.as_deref(), Some(parent_ts));
}

#[tokio::test]
async fn an_update_replaces_the_blocks_and_marks_the_message_edited() {
    let (standin, base) = standin("http://127.0.0.1:9/unused".to_owned()).await;
    let ts = post_card(&base).await;
    let outcome = json!([{ "type": "section", "text": { "type": "mrkdwn", "text": "Vetted by Vera" } }]);

    let updated = call(
        &base,
        "chat.update",
        json!({ "channel": "C0VETTING", "ts": ts, "text": "vetted", "blocks": outcome }),
    )
    .await;
    let missing = call(
        &base,
        "chat.update",
        json!({ "channel": "C0VETTING", "ts": "1.000001", "text": "x" }),
    )
    .await;

    assert_eq!(updated["ok"], json!(true), "{updated}");
    assert_eq!(updated["ts"], json!(ts));
    assert_eq!(missing, json!({ "ok": false, "error": "message_not_found" }));
    let message = &standin.messages("C0VETTING")[0];
    assert_eq!(message.blocks, outcome);
    assert_eq!(message.text, "vetted");
    assert!(message.edited);
}

#[tokio::test]
async fn an_unknown_channel_and_a_missing_token_are_refused_slack_style() {
    let (standin, base) = standin("http://127.0.0.1:9/unused".to_owned()).await;

    let unknown = call(
        &base,
        "chat.postMessage",
        json!({ "channel": "C0GENERAL", "text": "hi" }),
    )
    .await;
    let unauthenticated = client()
        .post(format!("{base}/api/chat.postMessage"))
        .json(&json!({ "channel": "C0VETTING", "text": "hi" }))
        .send()
        .await
        .unwrap();
    let status = unauthenticated.status();
    let unauthenticated: Value = unauthenticated.json().await.unwrap();
    let empty_token = client()
        .post(format!("{base}/api/chat.postMessage"))
        .header(header::AUTHORIZATION, "Bearer ")
        .json(&json!({ "channel": "C0VETTING", "text": "hi" }))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();

    assert_eq!(unknown, json!({ "ok": false, "error": "channel_not_found" }));
    assert_eq!(status, StatusCode::OK);
    assert_eq!(unauthenticated, json!({ "ok": false, "error": "not_authed" }));
    assert_eq!(empty_token, json!({ "ok": false, "error": "not_authed" }));
    assert!(standin.messages("C0VETTING").is_empty());
}

#[tokio::test]
async fn views_open_with_an_expired_or_unknown_trigger_fails() {
    let (standin, base) = standin("http://127.0.0.1:9/unused".to_owned()).await;
    let view = json!({ "type": "modal", "title": { "type": "plain_text", "text": "Reason" }, "blocks": [] });
    let long_ago = Instant::now()
        .checked_sub(Duration::from_secs(4))
        .expect("the clock is past 4 s");
    let (expired, fresh) = {
        let mut state = standin.lock();
        (
            state.issue_trigger(VETTER, long_ago),
            state.issue_trigger(VETTER, Instant::now()),
        )
    };

    let unknown = call(&base, "views.open", json!({ "trigger_id": "1.2.nope", "view": view })).await;
    let too_late = call(&base, "views.open", json!({ "trigger_id": expired, "view": view })).await;
    let opened = call(&base, "views.open", json!({ "trigger_id": fresh, "view": view })).await;
    let reused = call(&base, "views.open", json!({ "trigger_id": fresh, "view": view })).await;

    assert_eq!(unknown, json!({ "ok": false, "error": "invalid_trigger_id" }));
    assert_eq!(too_late, json!({ "ok": false, "error": "invalid_trigger_id" }));
    assert_eq!(opened["ok"], json!(true), "{opened}");
    assert_eq!(reused, json!({ "ok": false, "error": "invalid_trigger_id" }));
    assert_eq!(standin.open_modal_id(VETTER).as_deref(), opened["view"]["id"].as_str());
}

#[tokio::test]
async fn a_click_is_delivered_to_the_interactions_url_as_a_correctly_signed_form_post() {
    let (standin, base, receiver) = standin_with_receiver().await;
    let ts = post_card(&base).await;

    let answer = click_button(&base, "C0VETTING", &ts).await;

    assert_eq!(answer.status(), StatusCode::SEE_OTHER);
    assert_eq!(answer.headers()[header::LOCATION], "/?as=U0VETTER");
    let payloads = receiver.payloads.lock().unwrap().clone();
    assert_eq!(payloads.len(), 1, "one signed delivery: {payloads:?}");
    let payload = &payloads[0];
    assert_eq!(payload["type"], json!("block_actions"));
    assert_eq!(payload["user"]["id"], json!(VETTER));
    assert_eq!(payload["user"]["username"], json!("vera.vetter"));
    assert_eq!(payload["team"]["id"], json!("T0LOCAL"));
    assert_eq!(payload["channel"], json!({ "id": "C0VETTING", "name": "iln-vetting" }));
    assert_eq!(payload["container"]["message_ts"], json!(ts));
    assert_eq!(payload["message"]["blocks"], card("Ana"));
    assert!(payload["trigger_id"].as_str().is_some_and(|id| !id.is_empty()));
    assert!(
        payload["response_url"]
            .as_str()
            .is_some_and(|url| url.starts_with(&format!("{base}/response/")))
    );
    let action = &payload["actions"][0];
    assert_eq!(action["type"], json!("button"));
    assert_eq!(action["action_id"], json!("vet_ok"));
    assert_eq!(action["block_id"], json!("vetting"));
    assert_eq!(action["value"], json!("nom-1"));
    assert_eq!(action["text"]["text"], json!("Coherent"));
    // The receiver opened a modal with the trigger: it shows on the clicker's page only.
    assert!(page_as(&base, VETTER).await.contains("Why not coherent?"));
    assert!(!page_as(&base, "U0MEMBER").await.contains("Why not coherent?"));
    assert!(standin.open_modal_id(VETTER).is_some());
}

#[tokio::test]
async fn a_modal_the_system_rejects_stays_open_with_its_errors_and_closes_once_accepted() {
    let (standin, base, receiver) = standin_with_receiver().await;
    click_button(&base, "C0VETTING", &post_card(&base).await).await;
    let view_id = standin.open_modal_id(VETTER).expect("the receiver opened a modal");
    let submit = |reason: &'static str| {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs([("as", VETTER), ("view_id", view_id.as_str()), ("in0", reason)])
            .finish();
        client()
            .post(format!("{base}/submit-view"))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body)
            .send()
    };

    let empty = submit("").await.unwrap();
    let after_empty = page_as(&base, VETTER).await;
    let rejected = submit("short").await.unwrap();
    let after_rejected = page_as(&base, VETTER).await;
    let accepted = submit("It reads as coherent\r\nbut the dates clash.").await.unwrap();
    let after_accepted = page_as(&base, VETTER).await;

    assert_eq!(empty.status(), StatusCode::SEE_OTHER);
    assert!(after_empty.contains(REQUIRED), "required field checked before sending");
    assert_eq!(rejected.status(), StatusCode::SEE_OTHER);
    assert!(after_rejected.contains("Say a little more."));
    assert!(after_rejected.contains(">short</textarea>"), "the input is kept");
    assert_eq!(accepted.status(), StatusCode::SEE_OTHER);
    assert!(!after_accepted.contains("Why not coherent?"));
    assert!(standin.open_modal_id(VETTER).is_none());
    let payloads = receiver.payloads.lock().unwrap().clone();
    let submissions: Vec<&Value> = payloads
        .iter()
        .filter(|p| p["type"] == json!("view_submission"))
        .collect();
    assert_eq!(submissions.len(), 2, "the empty one was never sent");
    let view = &submissions[1]["view"];
    assert_eq!(view["id"], json!(view_id));
    assert_eq!(view["callback_id"], json!("vetting_reason"));
    assert_eq!(view["private_metadata"], json!("nom-1"));
    assert_eq!(
        view["state"]["values"]["reason"]["reason_input"],
        json!({ "type": "plain_text_input", "value": "It reads as coherent\nbut the dates clash." })
    );
    assert_eq!(submissions[1]["user"]["id"], json!(VETTER));
}

#[tokio::test]
async fn a_click_the_system_refuses_or_never_receives_is_shown_as_a_notice() {
    let (receiver_listener, receiver_address) = bind().await;
    serve(
        receiver_listener,
        Router::new()
            .route("/slack/interactions", post(receive))
            .with_state(Receiver::default()),
    );
    let wrongly_signing = SlackStandIn::new(StandInConfig {
        signing_secret: "not-the-app-secret".to_owned(),
        ..config(format!("http://{receiver_address}/slack/interactions"))
    })
    .unwrap();
    let (listener, address) = bind().await;
    serve(listener, wrongly_signing.router());
    let refusing = format!("http://{address}");
    let (_unreachable, unreachable) = standin("http://127.0.0.1:9/nobody-listens".to_owned()).await;

    for base in [&refusing, &unreachable] {
        let answer = click_button(base, "C0VETTING", &post_card(base).await).await;
        assert_eq!(answer.status(), StatusCode::SEE_OTHER);
    }

    let refused_page = page_as(&refusing, VETTER).await;
    assert!(
        refused_page.contains("The click was answered with HTTP 401: bad signature"),
        "{refused_page}"
    );
    assert!(
        page_as(&unreachable, VETTER)
            .await
            .contains("The click did not reach the system")
    );
    assert!(
        !page_as(&unreachable, "U0MEMBER")
            .await
            .contains("The click did not reach the system")
    );
}

#[tokio::test]
async fn a_response_url_can_replace_the_original_or_answer_ephemerally() {
    let (standin, base, receiver) = standin_with_receiver().await;
    click_button(&base, "C0VETTING", &post_card(&base).await).await;
    let response_url = receiver.payloads.lock().unwrap()[0]["response_url"]
        .as_str()
        .unwrap()
        .to_owned();

    let ephemeral = post_json(&response_url, json!({ "text": "Carlos confirmed first." })).await;
    let replaced = post_json(
        &response_url,
        json!({ "replace_original": true, "text": "Vetted by Vera" }),
    )
    .await;

    assert_eq!(ephemeral, json!({ "ok": true }));
    assert_eq!(replaced, json!({ "ok": true }));
    assert!(page_as(&base, VETTER).await.contains("Carlos confirmed first."));
    assert!(!page_as(&base, "U0MEMBER").await.contains("Carlos confirmed first."));
    let message = &standin.messages("C0VETTING")[0];
    assert_eq!(message.text, "Vetted by Vera");
    assert!(message.edited);
}

#[tokio::test]
async fn the_page_escapes_markup_in_message_text() {
    let (_standin, base) = standin("http://127.0.0.1:9/unused".to_owned()).await;
    let hostile = "<script>alert(1)</script> & \"quoted\" <img src=x onerror=alert(2)>";
    call(
        &base,
        "chat.postMessage",
        json!({ "channel": "C0VETTING", "text": hostile }),
    )
    .await;
    call(
        &base,
        "chat.postMessage",
        json!({ "channel": "C0ILN", "text": "card", "blocks": card(hostile) }),
    )
    .await;
    let header = json!([{ "type": "header", "text": { "type": "plain_text", "text": hostile } }]);
    call(
        &base,
        "chat.postMessage",
        json!({ "channel": "C0ILN", "text": "x", "blocks": header }),
    )
    .await;

    let page = page_as(&base, VETTER).await;

    assert!(!page.contains("<script"), "no script element");
    assert!(!page.contains("<img"), "no image element");
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(page.contains("&amp; &quot;quoted&quot;"));
    assert!(page.contains("<b>Nominee:</b>"), "mrkdwn bold is rendered");
    assert!(page.contains("#iln-vetting (private)") && page.contains("#iln (private)"));
    assert!(page.contains(r#"http-equiv="refresh""#));
}

#[tokio::test]
async fn the_system_slack_client_finds_users_and_invites_and_removes_them_as_slack_answers() {
    use iln_adapters::slack::{BotToken, MembershipChange, SlackClient};
    use iln_domain::slack::interaction::SlackUserId;
    let (standin, base) = standin("http://127.0.0.1:9/unused".to_owned()).await;
    let slack = SlackClient::new(format!("{base}/api"), BotToken::new("xoxb-local")).unwrap();
    let mei = SlackUserId::new("U0MEMBER");
    let address = |raw: &str| iln_domain::EmailAddress::parse(raw).unwrap();

    let info = slack.user_info(&mei).await.unwrap().expect("a known user");
    let nobody = slack.user_info(&SlackUserId::new("U0NOBODY")).await.unwrap();
    let found = slack.lookup_by_email(&address("mei@ILN.localhost")).await.unwrap();
    let not_found = slack.lookup_by_email(&address("nobody@iln.localhost")).await.unwrap();
    let kicked = slack.remove_from_channel("C0ILN", &mei).await.unwrap();
    let kicked_again = slack.remove_from_channel("C0ILN", &mei).await.unwrap();
    let invited = slack.invite_to_channel("C0ILN", &mei).await.unwrap();
    let invited_again = slack.invite_to_channel("C0ILN", &mei).await.unwrap();
    let unknown_channel = slack.invite_to_channel("C0GENERAL", &mei).await.unwrap_err();
    let json_lookup = call(&base, "users.lookupByEmail", json!({ "email": "mei@iln.localhost" })).await;
    let kick_self = call(
        &base,
        "conversations.kick",
        json!({ "channel": "C0ILN", "user": "U0LOCALBOT" }),
    )
    .await;

    assert_eq!(info.email, Some(address("mei@iln.localhost")));
    assert_eq!(info.locale.as_deref(), Some("es-ES"));
    assert!(!info.inactive);
    assert_eq!(nobody, None);
    assert_eq!(found, Some(mei.clone()));
    assert_eq!(not_found, None);
    assert_eq!(
        (kicked, kicked_again),
        (MembershipChange::Done, MembershipChange::AlreadySo)
    );
    assert_eq!(
        (invited, invited_again),
        (MembershipChange::Done, MembershipChange::AlreadySo)
    );
    assert!(
        unknown_channel.to_string().contains("channel_not_found"),
        "{unknown_channel}"
    );
    assert_eq!(
        json_lookup,
        json!({ "ok": false, "error": "users_not_found" }),
        "a JSON body is not read, as in Slack"
    );
    assert_eq!(kick_self, json!({ "ok": false, "error": "cant_kick_self" }));
    assert!(standin.channel_members("C0ILN").contains(&"U0MEMBER".to_owned()));
}
