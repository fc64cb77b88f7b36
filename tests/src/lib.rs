//! The test harness: each test spawns its own system on its own table, with
//! the real handlers, DynamoDB Local, the SES emulator and a fixed clock.
//! Helpers are named after the process, so tests read like it.

// The harness is test code only: a helper that cannot do what its test
// needs fails that test, which is what unwrap and expect say.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod console;
mod mail;
mod people;
mod process;
mod round_trips;
pub mod routes;
mod slack;
mod store;
mod tokens;

pub use console::{CONSOLE_ADMIN, CONSOLE_VETTER, ConsoleSession, ProviderVisit, hidden_field, location, set_cookie};
pub use mail::{Mail, SesEmulator, mails_at, ses_emulator_url, unique_address};
pub use people::{Member, iln_address};
pub use process::{Invited, Verified, nomination};
pub use round_trips::RoundTrips;
pub use slack::{BOT_USER, SlackCall, click_payload, signing_secret};
pub use store::{DynamoDbLocal, Unprocessed};
pub use tokens::{access_token, admin_token, id_token, staff_token, vetter_token};

use chrono::{DateTime, SubsecRound, Utc};
use http::{HeaderMap, HeaderName, HeaderValue};
use iln_adapters::dynamodb::NominationTable;
use iln_domain::token::{LinkValidity, TokenPurpose};
use iln_runner::functions::LocalServices;
use iln_runner::gateway::Gateway;
use iln_runner::mailbox_simulator::MailboxSimulator;
use iln_runner::stream::{OutboxFeed, StreamReader};
use iln_runner::ttl::{TtlDeletes, TtlStandIn};
use iln_runner::{Functions, Template, local, table};
use serde_json::Value;
use tokio::sync::Mutex;

pub const BASE_URL: &str = "https://iln.test";

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
    /// Other template parameters this system sets, as a deployment's
    /// parameter overrides would (`("SlackIlnLanguage", "es")`).
    pub parameters: Vec<(&'static str, String)>,
    /// Counts the functions' DynamoDB calls (the harness's own are not).
    pub round_trips: Option<RoundTrips>,
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
            parameters: Vec::new(),
            round_trips: None,
        }
    }
}

/// The test Slack app's signing secret (32 characters, as Slack's are).
pub const SIGNING_SECRET: &[u8] = b"iln-tests-slack-signing-secret-0";

pub const VETTING_CHANNEL: &str = local::VETTING_CHANNEL;

pub const ILN_CHANNEL: &str = local::ILN_CHANNEL;

/// Vera in Slack: the test deployment's initial staff list of vetters
/// (`SlackVetters`) holds her address, `VETTER_EMAIL`.
pub const SLACK_VETTER: &str = "UVERA";

pub struct TestApp {
    pub table_name: String,
    pub dynamodb: aws_sdk_dynamodb::Client,
    pub table: NominationTable,
    pub gateway: Gateway,
    /// Records every Slack Web API call; answers like Slack.
    pub slack: wiremock::MockServer,
    /// The people and channels `slack` answers about.
    workspace: slack::SharedWorkspace,
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
    /// The staff identity provider's stand-in, for the console's sign-in.
    identity_provider: console::IdentityProviderSlot,
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

/// The terms version of the test system (the local one).
pub const TERMS_VERSION: &str = "2026-11";

impl TestApp {
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
        let functions_dynamodb = match (&options.function_timeouts, &options.round_trips) {
            (None, None) => dynamodb.clone(),
            (timeouts, round_trips) => {
                let mut config = on_endpoint(aws_sdk_dynamodb::config::Builder::from(&aws));
                if let Some(timeouts) = timeouts {
                    config = config.timeout_config(timeouts.clone());
                }
                if let Some(round_trips) = round_trips {
                    config = config.interceptor(round_trips.clone());
                }
                aws_sdk_dynamodb::Client::from_conf(config.build())
            }
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
        let workspace = slack::SharedWorkspace::default();
        slack::answer_like_slack(&slack, &workspace).await;
        // The local stack's settings, then how this test's system differs,
        // as parameter overrides of a deployment would.
        let bindings = local::bindings(&table_name, BASE_URL, &local::loopback_url(local::DEFAULT_SLACK_PORT))
            .parameter("SenderAddress", "ILN Nominations <nominations@iln.test>")
            .parameter("SlackApiUrl", format!("{}/api", slack.uri()))
            .parameter("ConfirmationQuorum", options.quorum.to_string())
            .parameter("SlackVetters", VETTER_EMAIL)
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
        let bindings = options.parameters.iter().fold(bindings, |bindings, (name, value)| {
            bindings.parameter(name, value.clone())
        });
        let identity_provider = console::IdentityProviderSlot::reserve();
        let bindings = local::with_identity_provider(bindings, &identity_provider.url);
        let functions = Functions::from_template(
            &template,
            &bindings,
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
            authorizer: tokens::authorizer(),
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
        let app = Self {
            table_name,
            dynamodb,
            table,
            gateway,
            slack,
            workspace,
            feed: Mutex::new(OutboxFeed::new(reader, outbox_stream)),
            mailbox,
            ttl,
            now: Utc::now().trunc_subsecs(0),
            ses_url: ses_url.to_owned(),
            http: iln_adapters::tls::client_builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("HTTP client"),
            identity_provider,
        };
        // The deployment's initial vetter is in the workspace from the start.
        app.slack_user(SLACK_VETTER, VETTER_EMAIL, "en-GB");
        app
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
        into_test_response(response)
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
        self.request(
            "POST",
            "/nominations",
            &[("content-type", FORM), ("accept", "text/html")],
            form_body(pairs).as_bytes(),
        )
        .await
    }

    /// A form posted to `path` at `now`, as a page's button posts it.
    pub(crate) async fn post_form_to(&self, now: DateTime<Utc>, path: &str, pairs: &[(&str, &str)]) -> TestResponse {
        self.request_at(
            now,
            "POST",
            path,
            &[("content-type", FORM)],
            form_body(pairs).as_bytes(),
        )
        .await
    }
}

impl TestApp {
    /// A form a page posts to `path` at `now`, with the cookie the browser
    /// holds for the site, if any.
    pub async fn post_page_form(
        &self,
        now: DateTime<Utc>,
        path: &str,
        cookie: Option<&str>,
        pairs: &[(&str, &str)],
    ) -> TestResponse {
        let mut headers = vec![("content-type", FORM)];
        headers.extend(cookie.map(|cookie| ("cookie", cookie)));
        self.request_at(now, "POST", path, &headers, form_body(pairs).as_bytes())
            .await
    }

    /// A page opened at `now` with the browser's cookie for the site.
    pub async fn get_with_cookie(&self, now: DateTime<Utc>, path: &str, cookie: &str) -> TestResponse {
        self.request_at(now, "GET", path, &[("cookie", cookie)], b"").await
    }
}

/// A handler's response as a test reads it.
fn into_test_response(response: lambda_http::Response<lambda_http::Body>) -> TestResponse {
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

const FORM: &str = "application/x-www-form-urlencoded";

/// A form's fields as a browser (or Slack) encodes them.
fn form_body(pairs: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}
