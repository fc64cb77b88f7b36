//! The test harness: each test spawns its own system on its own table, with
//! the real handlers, DynamoDB Local, the SES emulator and a fixed clock.
//! Helpers are named after the process, so tests read like it.

// The harness is test code only: a helper that cannot do what its test
// needs fails that test, which is what unwrap and expect say.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, SubsecRound, Utc};
use http::{HeaderMap, HeaderName, HeaderValue};
use iln_adapters::dynamodb::NominationTable;
use iln_domain::token::{LinkValidity, TokenPurpose};
use iln_runner::authorizer::LocalAuthorizer;
use iln_runner::functions::LocalServices;
use iln_runner::gateway::Gateway;
use iln_runner::mailbox_simulator::MailboxSimulator;
use iln_runner::stream::{OutboxFeed, PumpResult, StreamReader};
use iln_runner::template::Bindings;
use iln_runner::ttl::{TtlDeletes, TtlStandIn};
use iln_runner::{Functions, Template, local, table};
use serde_json::{Value, json};
use std::collections::HashMap;
use tokio::sync::Mutex;

pub const BASE_URL: &str = "https://iln.test";

/// The SES emulator started by `infra/test` (or `ILN_SES_EMULATOR_URL`).
pub fn ses_emulator_url() -> String {
    std::env::var("ILN_SES_EMULATOR_URL").unwrap_or_else(|_| "http://127.0.0.1:8105".to_owned())
}

/// An address no other test uses, so each test reads only its own mail.
pub fn unique_address(name: &str) -> String {
    format!("{name}.{}@example.org", ulid::Ulid::new().to_string().to_lowercase())
}

pub const VETTER_EMAIL: &str = "vera.vetter@imi.test";

/// How a test's system differs from the default.
pub struct Options {
    pub ses_url: String,
    pub quorum: usize,
    /// How long links work (`InvitationValidityDays`).
    pub link_validity: LinkValidity,
    /// A DynamoDB endpoint of the test's own (`None`: the shared one).
    pub dynamodb_url: Option<String>,
    /// The functions' SDK deadlines (`None`: sized for the shared DynamoDB
    /// Local); the harness's own calls keep those.
    pub function_timeouts: Option<aws_config::timeout::TimeoutConfig>,
    /// Filter patterns for the outbox's stream instead of the template's.
    pub outbox_filter_patterns: Option<Vec<String>>,
    /// How often the form may be used; `None`: the template's defaults.
    pub limits: Option<iln_domain::limits::SubmissionLimits>,
}

impl Default for Options {
    /// The template's defaults: a test states only how it differs.
    fn default() -> Self {
        let template = Template::load().expect("template.yaml parses");
        let days = template
            .default_of::<i64>("InvitationValidityDays")
            .expect("template.yaml gives InvitationValidityDays a default");
        Self {
            ses_url: ses_emulator_url(),
            quorum: template
                .default_of("ConfirmationQuorum")
                .expect("template.yaml gives ConfirmationQuorum a default"),
            link_validity: LinkValidity::with_invitation_days(days).expect("the default validity is 1 to 365 days"),
            dynamodb_url: None,
            function_timeouts: None,
            outbox_filter_patterns: None,
            limits: None,
        }
    }
}

/// The test Slack app's signing secret (32 characters, as Slack's are).
pub const SIGNING_SECRET: &[u8] = b"iln-tests-slack-signing-secret-0";

/// The signing secret as the webhook holds it.
pub fn signing_secret() -> iln_domain::slack::signature::SigningSecret {
    iln_domain::slack::signature::SigningSecret::parse(std::str::from_utf8(SIGNING_SECRET).expect("UTF-8"))
        .expect("a secret long enough")
}
pub const VETTING_CHANNEL: &str = local::VETTING_CHANNEL;
pub const ILN_CHANNEL: &str = local::ILN_CHANNEL;
pub const SLACK_VETTER: &str = "UVERA";
/// An ILN member who may raise concerns and do nothing else.
pub const SLACK_MEMBER: &str = "UMEI";

/// The test Slack workspace's allow-lists, as template.yaml's parameters
/// take them: one vetter, twenty confirmers (`UC01`…`UC20`), and one
/// member who may only raise concerns.
fn slack_allow_lists(bindings: Bindings) -> Bindings {
    let confirmers: Vec<String> = (1..=20).map(|n| format!("UC{n:02}=confirmer{n}@iln.test")).collect();
    bindings
        .parameter("SlackVetters", format!("{SLACK_VETTER}={VETTER_EMAIL}"))
        .parameter("SlackConfirmers", confirmers.join(","))
        .parameter("SlackMembers", format!("{SLACK_MEMBER}=mei@iln.test"))
}

pub struct TestApp {
    pub table_name: String,
    pub dynamodb: aws_sdk_dynamodb::Client,
    pub table: NominationTable,
    pub gateway: Gateway,
    /// Records every Slack Web API call; answers like Slack.
    pub slack: wiremock::MockServer,
    feed: Mutex<OutboxFeed>,
    /// SES's mailbox simulator: bounces and complaints for its addresses.
    mailbox: MailboxSimulator,
    /// Plays DynamoDB's TTL process on this table.
    ttl: TtlStandIn,
    /// The clock every handler is given: fixed when the test starts.
    pub now: DateTime<Utc>,
    /// The SES emulator this system's outbox sends to.
    ses_url: String,
    http: reqwest::Client,
}

#[derive(Debug)]
pub struct TestResponse {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: String,
}

impl TestResponse {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|_| panic!("not JSON: {}", self.body))
    }
}

/// One e-mail as the SES emulator received it.
#[derive(Debug, Clone)]
pub struct Mail {
    pub to: Vec<String>,
    pub subject: String,
    pub text: String,
    pub html: String,
}

impl Mail {
    /// The path and query of the first link to this system in the mail.
    pub fn link_to(&self, path: &str) -> String {
        let start = format!("{BASE_URL}{path}");
        let found = self
            .text
            .split_whitespace()
            .find(|word| word.starts_with(&start))
            .unwrap_or_else(|| panic!("no link to {path} in mail: {}", self.text));
        found.trim_start_matches(BASE_URL).to_owned()
    }
}

/// One call the system made to Slack's Web API.
#[derive(Debug, Clone)]
pub struct SlackCall {
    pub method: String,
    pub body: Value,
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

    /// A staff request with a bearer token (`None`: no token).
    pub async fn staff_request(
        &self,
        method: &str,
        path_and_query: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> TestResponse {
        let mut headers = vec![("content-type", "application/json")];
        if let Some(token) = token {
            headers.push(("authorization", token));
        }
        let body = body.map(Value::to_string).unwrap_or_default();
        self.request(method, path_and_query, &headers, body.as_bytes()).await
    }

    /// A nomination submitted by API, its nominator's address verified by the
    /// mailed link and its vetting card posted: the start of vetting.
    pub async fn verified_nomination(&self, language: &str) -> Verified {
        self.verified_nomination_from(nomination(language, &unique_address("amara"), &unique_address("lucia")))
            .await
    }

    pub async fn verified_nomination_from(&self, body: Value) -> Verified {
        let nominator = body["nominator_email"].as_str().unwrap_or_default().to_owned();
        let nominator = if nominator.is_empty() {
            body["nominee_email"].as_str().unwrap().to_owned()
        } else {
            nominator
        };
        let response = self.post_json(&body).await;
        assert_eq!(response.status, 202, "{}", response.body);
        let id = response.json()["id"].as_str().expect("id").to_owned();
        self.deliver_outbox().await;
        let mails = self.mails_to(&nominator).await;
        let link = mails.last().expect("verification mail").link_to("/nominations/verify");
        assert_eq!(self.verify(&link).await.status, 200);
        self.deliver_outbox().await;
        Verified { id, nominator }
    }

    /// The nominator opens the verification link (`/nominations/verify?token=…`)
    /// and presses the page's button, as a person does.
    pub async fn verify(&self, link: &str) -> TestResponse {
        self.verify_at(self.now, link).await
    }

    pub async fn verify_at(&self, now: DateTime<Utc>, link: &str) -> TestResponse {
        let page = self.request_at(now, "GET", link, &[], b"").await;
        if page.status != 200 || !page.body.contains("<form") {
            return page;
        }
        let token = link.split("token=").nth(1).unwrap_or_default();
        let body = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("token", token)
            .finish();
        self.request_at(
            now,
            "POST",
            "/nominations/verify",
            &[("content-type", "application/x-www-form-urlencoded")],
            body.as_bytes(),
        )
        .await
    }

    /// A decision as the test vetter.
    pub async fn decide(&self, id: &str, decision: Value) -> TestResponse {
        let token = vetter_token();
        self.staff_request(
            "POST",
            &format!("/vetting/nominations/{id}/decision"),
            Some(&token),
            Some(&decision),
        )
        .await
    }

    /// The nomination's file as the staff API shows it.
    pub async fn file(&self, id: &str) -> Value {
        let token = vetter_token();
        let response = self
            .staff_request("GET", &format!("/vetting/nominations/{id}"), Some(&token), None)
            .await;
        assert_eq!(response.status, 200, "{}", response.body);
        response.json()
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
        url::form_urlencoded::Serializer::new(String::new())
            .append_pair("payload", &payload.to_string())
            .finish()
            .into_bytes()
    }

    /// `user` clicks the button `action_id` on the card of nomination `id` at
    /// `version`, in `channel`.
    pub async fn click(&self, user: &str, action_id: &str, id: &str, version: u64, channel: &str) -> TestResponse {
        let payload = click_payload(user, action_id, id, version, channel);
        self.from_slack(
            "/slack/interactions",
            "application/x-www-form-urlencoded",
            &Self::interaction_body(&payload),
            &[],
        )
        .await
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
        self.from_slack_at(
            at,
            "/slack/interactions",
            "application/x-www-form-urlencoded",
            &Self::interaction_body(&payload),
            &[],
        )
        .await
    }

    /// A verified nomination approved by a vetter, its ILN card posted.
    pub async fn in_discussion(&self) -> Verified {
        let nomination = self.verified_nomination("en").await;
        let approved = self
            .decide(&nomination.id, json!({ "decision": "approve", "expected_version": 2 }))
            .await;
        assert_eq!(approved.status, 200, "{}", approved.body);
        self.deliver_outbox().await;
        nomination
    }

    /// Outbox messages of one kind (`ephemeral`, `invitation`, …).
    pub async fn outbox_of_kind(&self, kind: &str) -> Vec<HashMap<String, aws_sdk_dynamodb::types::AttributeValue>> {
        self.items_of("outbox_message")
            .await
            .into_iter()
            .filter(|item| {
                item.get("message")
                    .and_then(|m| m.as_m().ok())
                    .and_then(|m| m.get("kind"))
                    .and_then(|k| k.as_s().ok())
                    == Some(&kind.to_owned())
            })
            .collect()
    }

    /// A nomination confirmed in Slack whose invitation reached the nominee:
    /// returns it with the path of the invitation link.
    pub async fn invited_from(&self, body: Value) -> Invited {
        let nominee = body["nominee_email"].as_str().expect("nominee").to_owned();
        let nomination = self.verified_nomination_from(body).await;
        let approved = self
            .decide(&nomination.id, json!({ "decision": "approve", "expected_version": 2 }))
            .await;
        assert_eq!(approved.status, 200, "{}", approved.body);
        self.deliver_outbox().await;
        let confirmed = self.click("UC01", "iln.confirm", &nomination.id, 3, ILN_CHANNEL).await;
        assert_eq!(confirmed.status, 200);
        self.deliver_outbox().await;
        let mails = self.mails_to(&nominee).await;
        let link = mails.last().expect("an invitation").link_to("/invitations/");
        Invited {
            id: nomination.id,
            nominee,
            link,
        }
    }

    pub async fn invited(&self, language: &str) -> Invited {
        self.invited_from(nomination(language, &unique_address("amara"), &unique_address("lucia")))
            .await
    }

    /// The nominee's answer to an invitation through its page's form.
    pub async fn answer_invitation(&self, link: &str, answer: &str, form: &[(&str, &str)]) -> TestResponse {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        self.request(
            "POST",
            &format!("{link}/{answer}"),
            &[("content-type", "application/x-www-form-urlencoded")],
            body.as_bytes(),
        )
        .await
    }

    /// The reminder run as its schedule would start it at `at`.
    pub async fn run_reminders(&self, at: DateTime<Utc>) -> reminders::Summary {
        reminders::run(&self.gateway.functions.reminders, at)
            .await
            .expect("reminder run")
    }

    /// A new system on a new table, delivering mail to the shared SES emulator.
    pub async fn spawn() -> Self {
        Self::spawn_with(Options::default()).await
    }

    /// A new system whose outbox sends mail to the SES endpoint `ses_url`.
    pub async fn spawn_with_mail_to(ses_url: &str) -> Self {
        Self::spawn_with(Options {
            ses_url: ses_url.to_owned(),
            ..Options::default()
        })
        .await
    }

    /// A new system needing `quorum` distinct ILN confirmations.
    pub async fn spawn_with_quorum(quorum: usize) -> Self {
        Self::spawn_with(Options {
            quorum,
            ..Options::default()
        })
        .await
    }

    pub async fn spawn_with(options: Options) -> Self {
        let ses_url = options.ses_url.as_str();
        // Quiet unless RUST_LOG asks.
        iln_adapters::telemetry::init_for_humans("off");
        // DynamoDB Local runs transactions one at a time, far slower than the
        // service: fifty at once outlast the deadlines set for AWS.
        let aws = iln_adapters::config::aws()
            .await
            .into_builder()
            .timeout_config(
                aws_config::timeout::TimeoutConfig::builder()
                    .connect_timeout(std::time::Duration::from_secs(2))
                    .operation_attempt_timeout(std::time::Duration::from_secs(30))
                    .operation_timeout(std::time::Duration::from_secs(60))
                    .build(),
            )
            .build();
        let on_endpoint = |config: aws_sdk_dynamodb::config::Builder| match &options.dynamodb_url {
            Some(url) => config.endpoint_url(url),
            None => config,
        };
        let dynamodb =
            aws_sdk_dynamodb::Client::from_conf(on_endpoint(aws_sdk_dynamodb::config::Builder::from(&aws)).build());
        let functions_dynamodb = match &options.function_timeouts {
            Some(timeouts) => aws_sdk_dynamodb::Client::from_conf(
                on_endpoint(aws_sdk_dynamodb::config::Builder::from(&aws))
                    .timeout_config(timeouts.clone())
                    .build(),
            ),
            None => dynamodb.clone(),
        };
        let template = Template::load().expect("template.yaml parses");
        let table_name = format!("iln-test-{}", ulid::Ulid::new().to_string().to_lowercase());
        table::ensure_table(&dynamodb, &table_name, &template.table)
            .await
            .expect("table created from template.yaml");
        // The harness's own view of the table; the functions have theirs.
        let table = NominationTable::new(functions_dynamodb.clone(), &table_name);
        let mailbox = MailboxSimulator::default();
        let ses_config = aws_sdk_ses::config::Builder::from(&aws)
            .endpoint_url(ses_url)
            .interceptor(mailbox.clone())
            .build();
        let slack = wiremock::MockServer::start().await;
        answer_like_slack(&slack).await;
        // The local stack's settings, then how this test's system differs,
        // as parameter overrides of a deployment would.
        let bindings = local::bindings(&table_name, BASE_URL, &local::loopback_url(local::DEFAULT_SLACK_PORT))
            .parameter("SenderAddress", "ILN Nominations <nominations@iln.test>")
            .parameter("SlackApiUrl", format!("{}/api", slack.uri()))
            .parameter("ConfirmationQuorum", options.quorum.to_string())
            .parameter(
                "InvitationValidityDays",
                options
                    .link_validity
                    .of(TokenPurpose::AnswerInvitation)
                    .num_days()
                    .to_string(),
            );
        let bindings = match options.limits {
            Some(limits) => bindings
                .parameter("SubmissionsPerSourcePerHour", limits.per_source_hour.to_string())
                .parameter("SubmissionsPerSourcePerDay", limits.per_source_day.to_string())
                .parameter("SubmissionsPerAddressPerHour", limits.per_address_hour.to_string())
                .parameter("SubmissionsPerAddressPerDay", limits.per_address_day.to_string()),
            None => bindings,
        };
        let functions = Functions::from_template(
            &template,
            &slack_allow_lists(bindings),
            LocalServices {
                dynamodb: functions_dynamodb,
                ses: aws_sdk_ses::Client::from_conf(ses_config),
                slack_bot_token: "xoxb-test".to_owned(),
                slack_signing_secret: std::str::from_utf8(SIGNING_SECRET).expect("UTF-8").to_owned(),
                link_key: format!("test-link-key-{table_name}"),
            },
        )
        .expect("every function starts from template.yaml's environment");
        assert_eq!(
            functions.invitations.config.terms_version, TERMS_VERSION,
            "TERMS_VERSION here must be template.yaml's TermsVersion default"
        );
        let outbox_stream = match &options.outbox_filter_patterns {
            Some(patterns) => template
                .outbox_stream
                .with_filter_patterns(patterns)
                .expect("filter patterns AWS would accept"),
            None => template.outbox_stream.clone(),
        };
        let gateway = Gateway {
            template,
            authorizer: LocalAuthorizer::new(TEST_JWT_SECRET).expect("authorizer"),
            functions,
        };
        let streams = match &options.dynamodb_url {
            Some(url) => aws_sdk_dynamodbstreams::config::Builder::from(&aws).endpoint_url(url),
            None => aws_sdk_dynamodbstreams::config::Builder::from(&aws),
        };
        let streams = aws_sdk_dynamodbstreams::Client::from_conf(streams.build());
        let ttl = TtlStandIn {
            tables: dynamodb.clone(),
            streams: streams.clone(),
            table: table_name.clone(),
            attribute: gateway
                .template
                .table
                .time_to_live_specification
                .as_ref()
                .map(|ttl| ttl.attribute_name.clone())
                .expect("the table declares its TTL attribute"),
            deletes: TtlDeletes::default(),
        };
        let reader = StreamReader::open(&dynamodb, streams, &table_name)
            .await
            .expect("the table has a stream")
            .with_ttl_deletes(ttl.deletes.clone());
        Self {
            table_name,
            dynamodb,
            table,
            gateway,
            slack,
            feed: Mutex::new(OutboxFeed::new(reader, outbox_stream)),
            mailbox,
            ttl,
            now: Utc::now().trunc_subsecs(0),
            ses_url: ses_url.to_owned(),
            http: iln_adapters::tls::client_builder().build().expect("HTTP client"),
        }
    }

    /// A request through API Gateway's routing and event shape, to the
    /// function `template.yaml` names for it, at `self.now`.
    pub async fn request(
        &self,
        method: &str,
        path_and_query: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> TestResponse {
        self.request_at(self.now, method, path_and_query, headers, body).await
    }

    pub async fn request_at(
        &self,
        now: DateTime<Utc>,
        method: &str,
        path_and_query: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> TestResponse {
        self.request_from(
            iln_runner::gateway::LOOPBACK,
            now,
            method,
            path_and_query,
            headers,
            body,
        )
        .await
    }

    /// A request from `source_ip`, as API Gateway reports it.
    #[allow(clippy::too_many_arguments)]
    pub async fn request_from(
        &self,
        source_ip: &str,
        now: DateTime<Utc>,
        method: &str,
        path_and_query: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> TestResponse {
        let mut header_map = HeaderMap::new();
        for (name, value) in headers {
            header_map.append(
                HeaderName::from_bytes(name.as_bytes()).expect("header name"),
                HeaderValue::from_str(value).expect("header value"),
            );
        }
        // Boxed: the handlers' futures are large, and a test awaits many.
        let response = Box::pin(
            self.gateway
                .handle_from(source_ip, method, path_and_query, &header_map, body, now),
        )
        .await;
        let (parts, body) = response.into_parts();
        let body = match body {
            lambda_http::Body::Text(text) => text,
            lambda_http::Body::Binary(bytes) => String::from_utf8(bytes).expect("UTF-8 body"),
            _ => String::new(),
        };
        TestResponse {
            status: parts.status.as_u16(),
            headers: parts.headers,
            body,
        }
    }

    pub async fn get(&self, path_and_query: &str) -> TestResponse {
        self.request("GET", path_and_query, &[], b"").await
    }

    pub async fn get_at(&self, now: DateTime<Utc>, path_and_query: &str) -> TestResponse {
        self.request_at(now, "GET", path_and_query, &[], b"").await
    }

    pub async fn post_json(&self, body: &Value) -> TestResponse {
        self.request(
            "POST",
            "/nominations",
            &[("content-type", "application/json")],
            body.to_string().as_bytes(),
        )
        .await
    }

    pub async fn post_form(&self, pairs: &[(&str, &str)]) -> TestResponse {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        self.request(
            "POST",
            "/nominations",
            &[
                ("content-type", "application/x-www-form-urlencoded"),
                ("accept", "text/html"),
            ],
            body.as_bytes(),
        )
        .await
    }

    /// Hands every new stream record to the outbox function, as Lambda would.
    pub async fn deliver_outbox(&self) -> PumpResult {
        let mut feed = self.feed.lock().await;
        Box::pin(feed.pump(&self.gateway.functions.outbox, self.now))
            .await
            .expect("stream readable")
    }

    /// The outbox's sweeper as its schedule would start it at `at`.
    pub async fn sweep_outbox(&self, at: DateTime<Utc>) -> outbox::SweepSummary {
        let deadline = outbox::Deadline::after(iln_runner::stream::OUTBOX_TIMEOUT);
        Box::pin(outbox::sweep(&self.gateway.functions.outbox, at, deadline))
            .await
            .expect("sweep")
    }

    /// Hands the SES events that mail to the mailbox simulator's addresses
    /// caused to the outbox, as SNS would; `None` when there were none.
    pub async fn deliver_mail_events(&self) -> Option<outbox::MailEventsSummary> {
        let event = self.mailbox.take_event()?;
        Some(
            Box::pin(outbox::handle_mail_events(
                &self.gateway.functions.outbox,
                event,
                self.now,
            ))
            .await
            .expect("SES events applied"),
        )
    }

    /// A reader of this table's stream from its start, apart from the one
    /// feeding the outbox: what the stream holds, not what was delivered.
    pub async fn stream_from_start(&self) -> StreamReader {
        let aws = iln_adapters::config::aws().await;
        StreamReader::open(
            &self.dynamodb,
            aws_sdk_dynamodbstreams::Client::new(&aws),
            &self.table_name,
        )
        .await
        .expect("the table has a stream")
        .with_ttl_deletes(self.ttl.deletes.clone())
    }

    /// DynamoDB's TTL process running at `at`: the item goes only if its
    /// `expires_at` has passed by then, and the stream record of its delete
    /// carries the service identity AWS puts on TTL's deletes. A stand-in
    /// (`iln_runner::ttl`): DynamoDB Local's own TTL never deletes from a
    /// table with indexes. Returns whether the item was removed.
    pub async fn remove_by_ttl(&self, pk: &str, sk: &str, at: DateTime<Utc>) -> bool {
        use aws_sdk_dynamodb::types::AttributeValue;
        let key = HashMap::from([
            ("pk".to_owned(), AttributeValue::S(pk.to_owned())),
            ("sk".to_owned(), AttributeValue::S(sk.to_owned())),
        ]);
        self.ttl.remove_if_expired(key, at).await.expect("TTL's delete")
    }

    /// TTL at `at` for nomination `id` (see `remove_by_ttl`).
    pub async fn remove_nomination_by_ttl(&self, id: &str, at: DateTime<Utc>) -> bool {
        self.remove_by_ttl(&format!("NOMINATION#{id}"), "NOMINATION", at).await
    }

    /// Every e-mail this system's SES emulator holds for `address`.
    pub async fn mails_to(&self, address: &str) -> Vec<Mail> {
        mails_at(&self.http, &self.ses_url, address).await
    }

    /// Every item of this test's table. Only a test may Scan.
    pub async fn all_items(&self) -> Vec<HashMap<String, aws_sdk_dynamodb::types::AttributeValue>> {
        let mut items = Vec::new();
        let mut start = None;
        loop {
            let page = self
                .dynamodb
                .scan()
                .table_name(&self.table_name)
                .consistent_read(true)
                .set_exclusive_start_key(start)
                .send()
                .await
                .expect("scan");
            items.extend(page.items.unwrap_or_default());
            start = page.last_evaluated_key;
            if start.is_none() {
                return items;
            }
        }
    }

    /// The items of one entity type (`nomination`, `audit_event`, …).
    pub async fn items_of(&self, entity: &str) -> Vec<HashMap<String, aws_sdk_dynamodb::types::AttributeValue>> {
        self.all_items()
            .await
            .into_iter()
            .filter(|item| item.get("entity").and_then(|v| v.as_s().ok()).map(String::as_str) == Some(entity))
            .collect()
    }

    /// A nomination's status as stored.
    pub async fn status_of(&self, id: &str) -> String {
        let nomination = self
            .table
            .nomination(id.parse().expect("nomination id"))
            .await
            .expect("read")
            .expect("nomination exists");
        nomination.status.code().to_owned()
    }
}

impl TestApp {
    /// This test's table through a client that also runs `interceptor`.
    pub fn table_with(&self, interceptor: impl aws_sdk_dynamodb::config::Intercept + 'static) -> NominationTable {
        let config = self.dynamodb.config().to_builder().interceptor(interceptor).build();
        NominationTable::new(aws_sdk_dynamodb::Client::from_conf(config), &self.table_name)
    }
}

/// Plays DynamoDB handing a batch back unprocessed, as it does when
/// throttled: of the BatchGetItem and BatchWriteItem calls through it, the
/// first `pass` go through, the next `hold` come back with every key or
/// item unprocessed (what was asked is what is handed back), then all pass.
#[derive(Debug, Clone)]
pub struct Unprocessed {
    pass: usize,
    hold: usize,
    calls: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

impl Unprocessed {
    pub fn after(pass: usize, hold: usize) -> Self {
        Self {
            pass,
            hold,
            calls: Default::default(),
        }
    }

    /// Batch calls made so far.
    pub fn calls(&self) -> usize {
        self.calls.load(std::sync::atomic::Ordering::SeqCst)
    }
}

/// What a held call asked for, kept in the call's own state.
#[derive(Debug, Clone)]
enum Held {
    Keys(HashMap<String, aws_sdk_dynamodb::types::KeysAndAttributes>),
    Writes(HashMap<String, Vec<aws_sdk_dynamodb::types::WriteRequest>>),
}

impl aws_smithy_types::config_bag::Storable for Held {
    type Storer = aws_smithy_types::config_bag::StoreReplace<Self>;
}

impl aws_sdk_dynamodb::config::Intercept for Unprocessed {
    fn name(&self) -> &'static str {
        "Unprocessed"
    }

    fn read_before_execution(
        &self,
        context: &aws_sdk_dynamodb::config::interceptors::BeforeSerializationInterceptorContextRef<'_>,
        config: &mut aws_sdk_dynamodb::config::ConfigBag,
    ) -> Result<(), aws_sdk_dynamodb::error::BoxError> {
        use aws_sdk_dynamodb::operation::{batch_get_item::BatchGetItemInput, batch_write_item::BatchWriteItemInput};
        let input = context.input();
        let held = if let Some(get) = input.downcast_ref::<BatchGetItemInput>() {
            Held::Keys(get.request_items.clone().unwrap_or_default())
        } else if let Some(write) = input.downcast_ref::<BatchWriteItemInput>() {
            Held::Writes(write.request_items.clone().unwrap_or_default())
        } else {
            return Ok(());
        };
        let call = self.calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        if (self.pass..self.pass + self.hold).contains(&call) {
            config.interceptor_state().store_put(held);
        }
        Ok(())
    }

    fn modify_before_attempt_completion(
        &self,
        context: &mut aws_sdk_dynamodb::config::interceptors::FinalizerInterceptorContextMut<'_>,
        _components: &aws_sdk_dynamodb::config::RuntimeComponents,
        config: &mut aws_sdk_dynamodb::config::ConfigBag,
    ) -> Result<(), aws_sdk_dynamodb::error::BoxError> {
        use aws_sdk_dynamodb::operation::{batch_get_item::BatchGetItemOutput, batch_write_item::BatchWriteItemOutput};
        let Some(held) = config.load::<Held>().cloned() else {
            return Ok(());
        };
        let Some(Ok(output)) = context.output_or_error_mut() else {
            return Ok(());
        };
        match held {
            Held::Keys(keys) => {
                if let Some(output) = output.downcast_mut::<BatchGetItemOutput>() {
                    output.responses = Some(HashMap::new());
                    output.unprocessed_keys = Some(keys);
                }
            }
            Held::Writes(writes) => {
                if let Some(output) = output.downcast_mut::<BatchWriteItemOutput>() {
                    output.unprocessed_items = Some(writes);
                }
            }
        }
        Ok(())
    }
}

const TEST_JWT_SECRET: &[u8] = b"iln-tests-local-jwt-secret";

/// A bearer ID token signed by the test's local authorizer, as Cognito
/// mints it (`token_use` `id`; an address is `email_verified`).
pub fn staff_token(subject: &str, email: Option<&str>, groups: &[&str]) -> String {
    let token = LocalAuthorizer::new(TEST_JWT_SECRET)
        .expect("authorizer")
        .mint(subject, email, groups, Utc::now(), chrono::Duration::hours(1))
        .expect("token");
    format!("Bearer {token}")
}

/// An ID token saying exactly what `identity` says (an unverified address).
pub fn id_token(identity: iln_runner::authorizer::Identity<'_>) -> String {
    let token = LocalAuthorizer::new(TEST_JWT_SECRET)
        .expect("authorizer")
        .mint_id_token(identity, Utc::now(), chrono::Duration::hours(1))
        .expect("token");
    format!("Bearer {token}")
}

/// The same user's access token: API Gateway's authorizer passes it.
pub fn access_token(subject: &str, groups: &[&str]) -> String {
    let token = LocalAuthorizer::new(TEST_JWT_SECRET)
        .expect("authorizer")
        .mint_access_token(subject, groups, Utc::now(), chrono::Duration::hours(1))
        .expect("token");
    format!("Bearer {token}")
}

pub fn vetter_token() -> String {
    staff_token("vera", Some(VETTER_EMAIL), &["iln-vetters"])
}

/// Answers every Web API method as Slack does when all is well.
async fn answer_like_slack(server: &wiremock::MockServer) {
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

/// Mail held by the SES emulator at `url` for `address`.
pub async fn mails_at(http: &reqwest::Client, url: &str, address: &str) -> Vec<Mail> {
    let store: Value = http
        .get(format!("{url}/store"))
        .send()
        .await
        .expect("SES emulator answers")
        .json()
        .await
        .expect("store is JSON");
    let text = |value: &Value| value.as_str().unwrap_or_default().to_owned();
    store["emails"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|email| Mail {
            to: email["destination"]["to"]
                .as_array()
                .into_iter()
                .flatten()
                .map(text)
                .collect(),
            subject: text(&email["subject"]),
            text: text(&email["body"]["text"]),
            html: text(&email["body"]["html"]),
        })
        .filter(|mail| mail.to.iter().any(|to| to.eq_ignore_ascii_case(address)))
        .collect()
}

/// A nomination whose nominator verified their address.
#[derive(Debug, Clone)]
pub struct Verified {
    pub id: String,
    pub nominator: String,
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

/// A nominee with an invitation in their mailbox.
#[derive(Debug, Clone)]
pub struct Invited {
    pub id: String,
    pub nominee: String,
    /// `/invitations/<token>`
    pub link: String,
}

pub fn admin_token() -> String {
    staff_token("ada", Some("ada.admin@imi.test"), &["iln-admins"])
}

/// The terms version of the test system (the local one).
pub const TERMS_VERSION: &str = "2026-11";

/// A valid nomination as an API client sends it.
pub fn nomination(language: &str, nominee_email: &str, nominator_email: &str) -> Value {
    json!({
        "language": language,
        "nominee_name": "Amara Okafor",
        "nominee_email": nominee_email,
        "nominee_country": "NG",
        "nominee_role": "mediator",
        "nominator_name": "Lucía Fernández",
        "nominator_email": nominator_email,
        "nominator_basis": "iln_member",
        "rationale": "Amara built the first court-annexed mediation scheme in Lagos and trains new mediators.",
        "links": ["https://example.org/amara"],
        "privacy_consent": true
    })
}

/// A private SES emulator that a test can stop and start again.
pub struct SesEmulator {
    port: u16,
    process: Option<std::process::Child>,
}

impl SesEmulator {
    pub fn free_port() -> u16 {
        std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port()
    }

    pub async fn start(port: u16) -> Self {
        let cli = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../infra/emulators/node_modules/aws-ses-v2-local/dist/cli.js"
        );
        let process = std::process::Command::new("node")
            .args([cli, "--host", "127.0.0.1", "--port", &port.to_string()])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("node runs the SES emulator");
        // Owned from here on: dropping the emulator kills and reaps it.
        let emulator = Self {
            port,
            process: Some(process),
        };
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
                return emulator;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("SES emulator did not start on {port}");
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn stop(&mut self) {
        if let Some(mut process) = self.process.take() {
            let _ = process.kill();
            let _ = process.wait();
        }
    }
}

impl Drop for SesEmulator {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A private DynamoDB Local, launched as `infra/emulators/start` launches
/// the shared one, that a test can pause (SIGSTOP) and resume (SIGCONT).
pub struct DynamoDbLocal {
    port: u16,
    process: std::process::Child,
}

impl DynamoDbLocal {
    pub async fn start() -> Self {
        let emulators = concat!(env!("CARGO_MANIFEST_DIR"), "/../infra/emulators");
        let jar = format!("{emulators}/node_modules/amplify-dynamodb-simulator/emulator");
        let port = SesEmulator::free_port();
        let process = std::process::Command::new("java")
            .env("DDB_LOCAL_TELEMETRY", "0")
            .arg("-Xms64m")
            .arg(format!("-Djava.library.path={jar}/DynamoDBLocal_lib"))
            .arg("-cp")
            .arg(format!("{jar}/DynamoDBLocal.jar:{jar}/DynamoDBLocal_lib/*"))
            .arg(format!("{emulators}/DynamoDbLocalOnLoopback.java"))
            .arg(port.to_string())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("java runs DynamoDB Local (run infra/emulators/start once to install it)");
        // Owned from here on: dropping it kills and reaps the process.
        let emulator = Self { port, process };
        // The launcher compiles itself first: allow for a busy machine.
        for _ in 0..600 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
                return emulator;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("DynamoDB Local did not start on {port}");
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Stops the process where it stands: connections are still accepted
    /// by the kernel, but nothing is answered until [`Self::resume`].
    pub fn pause(&self) {
        self.signal("-STOP");
    }

    pub fn resume(&self) {
        self.signal("-CONT");
    }

    fn signal(&self, signal: &str) {
        let sent = std::process::Command::new("kill")
            .args([signal, &self.process.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(sent.success(), "kill {signal} failed");
    }
}

impl Drop for DynamoDbLocal {
    fn drop(&mut self) {
        // SIGKILL ends a stopped process too.
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}
