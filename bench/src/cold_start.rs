//! Cold start per function: each release binary started as Lambda starts
//! it (a fresh process, the environment template.yaml declares, the
//! Runtime API on loopback), handed one sample event, beside the peer.

use crate::runtime_api::{Outcome, RuntimeApi, Timings};
use crate::stats::{Table, median_ms};
use crate::{BenchError, Settings};
use iln_runner::template::{Bindings, Template};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant};

/// The functions of template.yaml: logical id and binary.
pub const FUNCTIONS: &[(&str, &str)] = &[
    ("SubmitNominationFunction", "submit-nomination"),
    ("VettingFunction", "vetting"),
    ("SlackWebhookFunction", "slack-webhook"),
    ("InvitationsFunction", "invitations"),
    ("RemindersFunction", "reminders"),
    ("OutboxFunction", "outbox"),
    ("StaffConsoleFunction", "staff-console"),
];

pub const PEER: &str = "iln-bench-peer";

/// The secrets the SSM stand-in holds, under the local parameter names.
fn secrets() -> HashMap<String, String> {
    HashMap::from([
        ("/iln-local/slack-bot-token".to_owned(), "xoxb-bench-token".to_owned()),
        (
            "/iln-local/slack-signing-secret".to_owned(),
            String::from_utf8_lossy(SIGNING_SECRET).into_owned(),
        ),
        (
            "/iln-local/link-key".to_owned(),
            "bench-link-key-0123456789abcdef0123456789abcdef".to_owned(),
        ),
    ])
}

const SIGNING_SECRET: &[u8] = b"iln-bench-slack-signing-secret-0";

/// An HTTP API (payload 2.0) event for `method` `path`.
fn http_event(route_key: &str, path: &str, path_parameters: Value, headers: Value, body: &str) -> Value {
    let method = route_key.split(' ').next().unwrap_or("GET");
    json!({
        "version": "2.0", "routeKey": route_key, "rawPath": path, "rawQueryString": "",
        "headers": headers,
        "pathParameters": path_parameters,
        "requestContext": {
            "http": { "method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "203.0.113.24", "userAgent": "bench" },
            "routeKey": route_key, "stage": "$default", "requestId": "bench", "accountId": "123456789012",
            "apiId": "bench", "domainName": "bench.example", "timeEpoch": 0
        },
        "body": body, "isBase64Encoded": false,
    })
}

/// The event each function gets: the sample events of infra/events where
/// there is one; a signed Slack URL check and an unknown invitation link
/// otherwise (both built here, since a signature holds only five minutes).
fn sample_event(function: &str) -> Result<Value, BenchError> {
    let sample = |text: &str| serde_json::from_str::<Value>(text).map_err(BenchError::from);
    match function {
        "SubmitNominationFunction" => sample(include_str!("../../infra/events/post-nomination-json.json")),
        "VettingFunction" => sample(include_str!("../../infra/events/get-vetting-queue.json")),
        "RemindersFunction" => sample(include_str!("../../infra/events/reminders-schedule.json")),
        "OutboxFunction" => sample(include_str!("../../infra/events/outbox-sweep.json")),
        "SlackWebhookFunction" => {
            let body = json!({ "type": "url_verification", "token": "x", "challenge": "bench" }).to_string();
            let timestamp = chrono::Utc::now().timestamp().to_string();
            let signature = iln_domain::slack::signature::sign(SIGNING_SECRET, &timestamp, body.as_bytes());
            Ok(http_event(
                "POST /slack/events",
                "/slack/events",
                Value::Null,
                json!({ "content-type": "application/json", "x-slack-request-timestamp": timestamp, "x-slack-signature": signature }),
                &body,
            ))
        }
        "InvitationsFunction" => {
            let token = "bench-unknown-invitation-token-0000000000";
            Ok(http_event(
                "GET /invitations/{token}",
                &format!("/invitations/{token}"),
                json!({ "token": token }),
                json!({ "accept-language": "en" }),
                "",
            ))
        }
        "StaffConsoleFunction" => Ok(http_event(
            "GET /console",
            "/console",
            Value::Null,
            json!({ "accept-language": "es" }),
            "",
        )),
        _ => Ok(json!({})),
    }
}

/// What every launched process gets besides its own variables: Lambda's
/// runtime variables, local credentials and the local endpoints.
fn lambda_environment(settings: &Settings, api: &RuntimeApi, function: &str) -> Vec<(String, String)> {
    let dynamodb = settings.dynamodb_url.clone();
    [
        ("AWS_LAMBDA_RUNTIME_API", api.address.to_string()),
        ("AWS_LAMBDA_FUNCTION_NAME", function.to_owned()),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256".to_owned()),
        ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST".to_owned()),
        ("AWS_LAMBDA_LOG_FORMAT", "JSON".to_owned()),
        ("AWS_LAMBDA_LOG_LEVEL", "INFO".to_owned()),
        ("AWS_REGION", "eu-west-1".to_owned()),
        ("AWS_DEFAULT_REGION", "eu-west-1".to_owned()),
        ("AWS_ACCESS_KEY_ID", "local".to_owned()),
        ("AWS_SECRET_ACCESS_KEY", "local".to_owned()),
        ("AWS_SESSION_TOKEN", "local".to_owned()),
        ("AWS_ENDPOINT_URL_DYNAMODB", dynamodb),
        ("AWS_ENDPOINT_URL_SES", settings.ses_url.clone()),
        ("AWS_ENDPOINT_URL_SSM", format!("http://{}", api.address)),
        // As in a Lambda sandbox: no profile files to read.
        ("HOME", settings.empty_home.display().to_string()),
        (
            "AWS_CONFIG_FILE",
            settings.empty_home.join("config").display().to_string(),
        ),
        (
            "AWS_SHARED_CREDENTIALS_FILE",
            settings.empty_home.join("credentials").display().to_string(),
        ),
    ]
    .into_iter()
    .map(|(name, value)| (name.to_owned(), value))
    .collect()
}

/// One cold start of `binary` with `variables`, handed `event`.
async fn launch(
    settings: &Settings,
    binary: &Path,
    function: &str,
    variables: &[(String, String)],
    event: Value,
) -> Result<Timings, BenchError> {
    let api = RuntimeApi::start(event, secrets()).await?;
    let log = std::fs::File::create(settings.logs.join(format!("{function}.log")))?;
    let mut command = tokio::process::Command::new(binary);
    command
        .env_clear()
        .envs(variables.iter().map(|(name, value)| (name.as_str(), value.as_str())))
        .envs(lambda_environment(settings, &api, function))
        .stdin(std::process::Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log)
        .kill_on_drop(true);
    let started = Instant::now();
    let mut child = command.spawn()?;
    api.watch(child.id());
    let timings = api.timings(started, Duration::from_secs(30)).await;
    // The process waits for its next event: stopped as Lambda freezes it.
    child.start_kill()?;
    child.wait().await?;
    timings.ok_or_else(|| BenchError::from(format!("{function} did not answer its first event within 30 s")))
}

pub async fn run(settings: &Settings) -> Result<String, BenchError> {
    let template = Template::load()?;
    let launched: Vec<(&str, &str)> = FUNCTIONS.iter().copied().chain([("peer", PEER)]).collect();
    for (_, binary) in &launched {
        let path = settings.release_dir.join(binary);
        if !path.exists() {
            return Err(format!("{} is not built (cargo build --release)", path.display()).into());
        }
    }
    let mut rows: Vec<(String, Vec<Timings>)> = launched
        .iter()
        .map(|(function, _)| ((*function).to_owned(), Vec::new()))
        .collect();
    // Round by round, every binary once a round: a machine whose load
    // changes during the run weighs on all of them alike.
    for _ in 0..settings.cold_starts {
        for ((function, binary), (_, runs)) in launched.iter().zip(rows.iter_mut()) {
            // A fresh table each time: a submission counts against the
            // form's limits, which would otherwise change the path taken.
            let table = crate::fresh_table(settings).await?;
            // The console's identity provider is never called: its event
            // (no session) is answered with the way to sign in.
            let bindings: Bindings = iln_runner::local::with_identity_provider(
                iln_runner::local::bindings(&table, "https://iln.bench.example", &iln_runner::local::loopback_url(9)),
                &iln_runner::local::loopback_url(9),
            );
            let variables: Vec<(String, String)> = match *function {
                "peer" => vec![("TABLE_NAME".to_owned(), table.clone())],
                _ => template
                    .environment(function, &bindings)?
                    .iter()
                    .map(|(name, value)| (name.to_owned(), value.to_owned()))
                    .collect(),
            };
            let path = settings.release_dir.join(binary);
            let timings = launch(settings, &path, function, &variables, sample_event(function)?).await?;
            if let Outcome::InitError(body) | Outcome::InvocationError(body) = &timings.outcome {
                return Err(format!("{function} failed: {body}").into());
            }
            runs.push(timings);
        }
    }
    let peer_init = rows
        .iter()
        .find(|(function, _)| function == "peer")
        .map(|(_, runs)| median_ms(runs.iter().map(|t| t.init)))
        .unwrap_or(f64::NAN);
    let peer_init_cpu = rows
        .iter()
        .find(|(function, _)| function == "peer")
        .map(|(_, runs)| median_ms(runs.iter().filter_map(|t| t.init_cpu)))
        .unwrap_or(f64::NAN);
    let mut table = Table::new(&[
        "function",
        "init median (ms)",
        "init ÷ peer",
        "init CPU (ms)",
        "init CPU ÷ peer",
        "first invoke median (ms)",
        "first invoke CPU (ms)",
        "init + first invoke (ms)",
        "runs",
    ]);
    for (function, runs) in &rows {
        let init = median_ms(runs.iter().map(|t| t.init));
        let invoke = median_ms(runs.iter().map(|t| t.first_invoke));
        let total = median_ms(runs.iter().map(|t| t.init + t.first_invoke));
        let init_cpu = median_ms(runs.iter().filter_map(|t| t.init_cpu));
        let invoke_cpu = median_ms(runs.iter().filter_map(|t| t.first_invoke_cpu));
        table.row(vec![
            function.clone(),
            format!("{init:.1}"),
            format!("{:.2}", init / peer_init),
            format!("{init_cpu:.1}"),
            format!("{:.2}", init_cpu / peer_init_cpu),
            format!("{invoke:.1}"),
            format!("{invoke_cpu:.1}"),
            format!("{total:.1}"),
            runs.len().to_string(),
        ]);
    }
    Ok(table.render())
}
