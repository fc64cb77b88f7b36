//! Slack: the Web API calls the system made, and requests signed as Slack
//! signs them (clicks, modal submissions).

use crate::{
    ILN_CHANNEL, SIGNING_SECRET, SLACK_MEMBER, SLACK_VETTER, TestApp, TestResponse, VETTER_EMAIL, VETTING_CHANNEL,
};
use chrono::{DateTime, Utc};
use iln_runner::template::Bindings;
use serde_json::{Value, json};

/// The signing secret as the webhook holds it.
pub fn signing_secret() -> iln_domain::slack::signature::SigningSecret {
    iln_domain::slack::signature::SigningSecret::parse(std::str::from_utf8(SIGNING_SECRET).expect("UTF-8"))
        .expect("a secret long enough")
}

/// The test Slack workspace's allow-lists, as template.yaml's parameters
/// take them: one vetter, twenty confirmers (`UC01`…`UC20`), and one
/// member who may only raise concerns.
pub(crate) fn slack_allow_lists(bindings: Bindings) -> Bindings {
    let confirmers: Vec<String> = (1..=20).map(|n| format!("UC{n:02}=confirmer{n}@iln.test")).collect();
    bindings
        .parameter("SlackVetters", format!("{SLACK_VETTER}={VETTER_EMAIL}"))
        .parameter("SlackConfirmers", confirmers.join(","))
        .parameter("SlackMembers", format!("{SLACK_MEMBER}=mei@iln.test"))
}

/// One call the system made to Slack's Web API.
#[derive(Debug, Clone)]
pub struct SlackCall {
    pub method: String,
    pub body: Value,
}

/// Answers every Web API method as Slack does when all is well.
pub(crate) async fn answer_like_slack(server: &wiremock::MockServer) {
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, ResponseTemplate};
    let counter = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(1));
    Mock::given(method("POST"))
        .and(path("/api/chat.postMessage"))
        .respond_with(move |request: &wiremock::Request| {
            let body: Value = serde_json::from_slice(&request.body).unwrap_or_default();
            let n = counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            ResponseTemplate::new(200).set_body_json(json!({
                "ok": true,
                "channel": body["channel"],
                "ts": format!("1700000000.{n:06}"),
            }))
        })
        .mount(server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "ok": true })))
        .mount(server)
        .await;
}

/// The payload Slack sends when `user` clicks a card button.
pub fn click_payload(user: &str, action_id: &str, id: &str, version: u64, channel: &str) -> Value {
    json!({
        "type": "block_actions",
        "user": { "id": user, "name": user.to_lowercase() },
        "trigger_id": format!("trigger.{}", ulid::Ulid::new()),
        "container": { "type": "message", "channel_id": channel, "message_ts": "1700000000.000001" },
        "channel": { "id": channel },
        "actions": [{ "action_id": action_id, "value": format!("{id}:{version}"), "type": "button" }],
    })
}

impl TestApp {
    /// Every Slack Web API call so far, in order.
    pub async fn slack_calls(&self) -> Vec<SlackCall> {
        self.slack
            .received_requests()
            .await
            .unwrap_or_default()
            .into_iter()
            .map(|request| SlackCall {
                method: request.url.path().trim_start_matches("/api/").to_owned(),
                body: serde_json::from_slice(&request.body).unwrap_or_default(),
            })
            .collect()
    }

    /// Posts to a channel (`C0VETTING`, `C0ILN`), in order.
    pub async fn posts_to(&self, channel: &str) -> Vec<Value> {
        self.slack_calls()
            .await
            .into_iter()
            .filter(|call| call.method == "chat.postMessage" && call.body["channel"] == channel)
            .map(|call| call.body)
            .collect()
    }

    /// A request as Slack sends it: signed with the app's signing secret at
    /// `self.now`, with any extra headers (such as `x-slack-retry-num`).
    pub async fn from_slack(
        &self,
        path: &str,
        content_type: &str,
        body: &[u8],
        extra: &[(&str, &str)],
    ) -> TestResponse {
        self.from_slack_at(self.now, path, content_type, body, extra).await
    }

    /// A request as Slack sends it at `at` (signed and handled then).
    pub async fn from_slack_at(
        &self,
        at: DateTime<Utc>,
        path: &str,
        content_type: &str,
        body: &[u8],
        extra: &[(&str, &str)],
    ) -> TestResponse {
        let timestamp = at.timestamp().to_string();
        let signature = iln_domain::slack::signature::sign(SIGNING_SECRET, &timestamp, body);
        let mut headers = vec![
            ("content-type", content_type),
            ("x-slack-request-timestamp", timestamp.as_str()),
            ("x-slack-signature", signature.as_str()),
        ];
        headers.extend_from_slice(extra);
        self.request_at(at, "POST", path, &headers, body).await
    }

    /// The form body Slack posts for an interaction payload.
    pub fn interaction_body(payload: &Value) -> Vec<u8> {
        crate::form_body(&[("payload", &payload.to_string())]).into_bytes()
    }

    /// `user` clicks the button `action_id` on the card of nomination `id` at
    /// `version`, in `channel`.
    pub async fn click(&self, user: &str, action_id: &str, id: &str, version: u64, channel: &str) -> TestResponse {
        let payload = click_payload(user, action_id, id, version, channel);
        self.interaction_at(self.now, &payload).await
    }

    /// `user` submits the modal `callback_id` for nomination `id` at
    /// `version` with `text` (and the share box ticked or not).
    pub async fn submit_modal(
        &self,
        user: &str,
        callback_id: &str,
        id: &str,
        version: u64,
        text: &str,
        share: bool,
    ) -> TestResponse {
        self.submit_modal_at(self.now, user, callback_id, id, version, text, share)
            .await
    }

    /// The same, submitted at `at`.
    #[allow(clippy::too_many_arguments)]
    pub async fn submit_modal_at(
        &self,
        at: DateTime<Utc>,
        user: &str,
        callback_id: &str,
        id: &str,
        version: u64,
        text: &str,
        share: bool,
    ) -> TestResponse {
        let mut values = json!({ "text": { "text_input": { "type": "plain_text_input", "value": text } } });
        if share {
            values["share"] =
                json!({ "share_input": { "type": "checkboxes", "selected_options": [{ "value": "share" }] } });
        }
        let channel = if callback_id.starts_with("iln.") {
            ILN_CHANNEL
        } else {
            VETTING_CHANNEL
        };
        let payload = json!({
            "type": "view_submission",
            "user": { "id": user },
            "view": {
                "id": "V1",
                "callback_id": callback_id,
                "private_metadata": format!("{id}:{version}|{channel}"),
                "state": { "values": values },
            },
        });
        self.interaction_at(at, &payload).await
    }

    /// An interaction (a click, a modal submission) as Slack posts it at `at`.
    async fn interaction_at(&self, at: DateTime<Utc>, payload: &Value) -> TestResponse {
        let body = Self::interaction_body(payload);
        self.from_slack_at(
            at,
            "/slack/interactions",
            "application/x-www-form-urlencoded",
            &body,
            &[],
        )
        .await
    }
}
