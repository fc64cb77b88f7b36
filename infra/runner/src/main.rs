//! `iln-runner`: the whole system on 127.0.0.1, started by `infra/up`.

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use iln_adapters::config::SenderAddress;
use iln_adapters::dynamodb::NominationTable;
use iln_adapters::ses::SesMailer;
use iln_domain::pages::PublicBaseUrl;
use iln_runner::stream::{OutboxFeed, StreamReader};
use iln_runner::{Functions, Template, gateway, table};
use std::sync::Arc;
use std::time::{Duration, Instant};

type Error = Box<dyn std::error::Error + Send + Sync>;

struct Runner {
    template: Template,
    functions: Functions,
}

fn setting(name: &str, default: &str) -> String {
    std::env::var(name)
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| default.to_owned())
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    iln_adapters::telemetry::init_for_humans("info,aws_config=warn,aws_smithy_runtime=warn");
    let port: u16 = setting("ILN_HTTP_PORT", "3000").parse()?;
    let table_name = setting("ILN_TABLE_NAME", "iln-nominations");
    let base_url = format!("http://127.0.0.1:{port}");
    let mailbox_url = setting("ILN_MAILBOX_URL", "http://127.0.0.1:8005");

    let template = Template::load()?;
    Functions::check_routes(&template)?;
    let aws = iln_adapters::config::aws().await;
    let dynamodb = aws_sdk_dynamodb::Client::new(&aws);
    table::ensure_table(&dynamodb, &table_name, &template.table).await?;

    let nominations = NominationTable::new(dynamodb.clone(), &table_name);
    let sender = SenderAddress::parse(&setting(
        "SENDER_ADDRESS",
        "ILN Nominations <nominations@iln.localhost>",
    ))?;
    let functions = Functions {
        submit_nomination: submit_nomination::App::with_table(nominations.clone()),
        outbox: outbox::App::with_parts(
            nominations,
            SesMailer::new(aws_sdk_ses::Client::new(&aws), sender),
            PublicBaseUrl::parse(&base_url)?,
        ),
    };
    let runner = Arc::new(Runner { template, functions });

    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .map_err(|error| format!("cannot listen on 127.0.0.1:{port} ({error}); is the local stack already running? Set ILN_HTTP_PORT to use another port."))?;

    let reader = StreamReader::open(&dynamodb, aws_sdk_dynamodbstreams::Client::new(&aws), &table_name).await?;
    tokio::spawn(feed_outbox(runner.clone(), OutboxFeed::new(reader)));

    println!();
    println!("  ILN Nominations is running on this machine.");
    println!("  Nomination form   {base_url}/nominate        (Spanish: {base_url}/nominate?lang=es)");
    println!("  Privacy notice    {base_url}/privacy");
    println!("  Mailbox (SES)     {mailbox_url}");
    println!("  Table             {table_name} (DynamoDB Local)");
    println!("  Routes            {}", runner.template.routes.len());
    println!("  Stop with Ctrl-C.");
    println!();

    let app = Router::new().fallback(dispatch).with_state(runner);
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}

/// Polls the stream like Lambda's event source mapping: quickly while there
/// is work, backing off while a delivery keeps failing.
async fn feed_outbox(runner: Arc<Runner>, mut feed: OutboxFeed) {
    let mut pause = Duration::from_millis(250);
    loop {
        tokio::time::sleep(pause).await;
        match feed.pump(&runner.functions.outbox, Utc::now()).await {
            Ok(result) if result.retry_pending => {
                pause = (pause * 2).min(Duration::from_secs(30));
                tracing::warn!(retry_in = ?pause, "outbox delivery failed; will retry");
            }
            Ok(_) => pause = Duration::from_millis(250),
            Err(error) => {
                pause = Duration::from_secs(2);
                tracing::warn!(error = %error, "reading the table stream failed; will retry");
            }
        }
    }
}

/// API Gateway's 10 MB payload limit.
const MAX_PAYLOAD: usize = 10 * 1024 * 1024;

async fn dispatch(State(runner): State<Arc<Runner>>, request: axum::extract::Request) -> Response {
    let started = Instant::now();
    let (parts, body) = request.into_parts();
    let method = parts.method.as_str().to_owned();
    let path = parts.uri.path().to_owned();
    let Some((route, parameters)) = runner.template.route(&method, &path) else {
        return (
            http::StatusCode::NOT_FOUND,
            [("content-type", "application/json")],
            r#"{"message":"Not Found"}"#,
        )
            .into_response();
    };
    let body: Bytes = match axum::body::to_bytes(body, MAX_PAYLOAD).await {
        Ok(body) => body,
        Err(_) => return http::StatusCode::PAYLOAD_TOO_LARGE.into_response(),
    };
    let path_and_query = parts.uri.path_and_query().map(|pq| pq.as_str()).unwrap_or("/");
    let now = Utc::now();
    let request = match gateway::lambda_request(route, &parameters, &method, path_and_query, &parts.headers, &body, now)
    {
        Ok(request) => request,
        Err(error) => {
            tracing::error!(error = %error, "could not build the API Gateway event");
            return http::StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let Some(response) = runner.functions.call_http(&route.function, request, now).await else {
        return http::StatusCode::NOT_FOUND.into_response();
    };
    // The path only: queries carry tokens.
    tracing::info!(
        "{method} {path} -> {} ({} ms)",
        response.status().as_u16(),
        started.elapsed().as_millis()
    );
    let (parts, body) = response.into_parts();
    let bytes = match body {
        lambda_http::Body::Empty => Vec::new(),
        lambda_http::Body::Text(text) => text.into_bytes(),
        lambda_http::Body::Binary(bytes) => bytes,
        _ => Vec::new(),
    };
    Response::from_parts(parts, axum::body::Body::from(bytes))
}
