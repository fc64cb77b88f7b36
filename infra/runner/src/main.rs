//! `iln-runner`: the whole system on 127.0.0.1, started by `infra/up`.

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use chrono::{Duration as Days, Utc};
use iln_adapters::dynamodb::NominationTable;
use iln_runner::authorizer::LocalAuthorizer;
use iln_runner::functions::LocalServices;
use iln_runner::gateway::Gateway;
use iln_runner::identity_provider::IdentityProvider;
use iln_runner::mailbox_simulator::MailboxSimulator;
use iln_runner::schedules;
use iln_runner::slack_standin::{SlackStandIn, StandInConfig};
use iln_runner::stream::{OutboxFeed, StreamReader};
use iln_runner::{Functions, Template, local, table};
use std::sync::Arc;
use std::time::{Duration, Instant};

type Error = Box<dyn std::error::Error + Send + Sync>;

/// A setting of this run from the environment; unset and empty are alike.
fn setting(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|value| !value.is_empty())
}

fn setting_or(name: &str, default: &str) -> String {
    setting(name).unwrap_or_else(|| default.to_owned())
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    iln_adapters::telemetry::init_for_humans("info,aws_config=warn,aws_smithy_runtime=warn");
    let port: u16 = setting_or("ILN_HTTP_PORT", "3000").parse()?;
    let slack_port: u16 = match setting("ILN_SLACK_PORT") {
        Some(port) => port.parse()?,
        None => local::DEFAULT_SLACK_PORT,
    };
    let table_name = setting_or("ILN_TABLE_NAME", "iln-nominations");
    let base_url = local::loopback_url(port);
    let slack_url = local::loopback_url(slack_port);
    let identity_provider_port: u16 = match setting("ILN_IDENTITY_PROVIDER_PORT") {
        Some(port) => port.parse()?,
        None => local::DEFAULT_IDENTITY_PROVIDER_PORT,
    };
    let identity_provider_url = local::loopback_url(identity_provider_port);
    let mailbox_url = setting_or("ILN_MAILBOX_URL", "http://127.0.0.1:8005");
    let state = std::path::PathBuf::from(setting_or("ILN_STATE_DIR", ".local/up"));

    let template = Template::load()?;
    Functions::check_routes(&template)?;
    let aws = iln_adapters::config::aws().await;
    let dynamodb = aws_sdk_dynamodb::Client::new(&aws);
    table::ensure_table(&dynamodb, &table_name, &template.table).await?;
    let nominations = NominationTable::new(dynamodb.clone(), &table_name);
    let roster = local::load_demo_roster(&nominations, Utc::now()).await?;

    let secrets = local::Secrets::load_or_create(&state)?;
    let standin = SlackStandIn::new(StandInConfig {
        signing_secret: secrets.slack_signing_secret.clone(),
        interactions_url: format!("{base_url}/slack/interactions"),
        vetting_channel: local::VETTING_CHANNEL.to_owned(),
        iln_channel: local::ILN_CHANNEL.to_owned(),
        users: local::slack_users(),
    })?;
    let bindings = local::with_overrides_from_environment(local::with_identity_provider(
        local::bindings(&table_name, &base_url, &slack_url),
        &identity_provider_url,
    ));
    let identity_provider_config = local::identity_provider_config(&identity_provider_url, &base_url);
    // An RSA key is made per run: a moment's work, off the runtime's threads.
    let identity_provider =
        tokio::task::spawn_blocking(move || IdentityProvider::new(identity_provider_config)).await??;
    let mailbox_simulator = MailboxSimulator::default();
    let functions = Functions::from_template(
        &template,
        &bindings,
        LocalServices {
            dynamodb: dynamodb.clone(),
            ses: aws_sdk_ses::Client::from_conf(
                aws_sdk_ses::config::Builder::from(&aws)
                    .interceptor(mailbox_simulator.clone())
                    .build(),
            ),
            slack_bot_token: secrets.slack_bot_token.clone(),
            slack_signing_secret: secrets.slack_signing_secret.clone(),
            link_key: secrets.link_key.clone(),
        },
    )?;
    let authorizer = LocalAuthorizer::new(secrets.jwt_secret.as_bytes())?;
    let now = Utc::now();
    let vetter_token = authorizer.mint(
        "local-vetter",
        Some("vetter@iln.localhost"),
        &["iln-vetters"],
        now,
        Days::days(30),
    )?;
    let admin_token = authorizer.mint(
        "local-admin",
        Some("admin@iln.localhost"),
        &["iln-admins"],
        now,
        Days::days(30),
    )?;
    let route_count = template.routes.len();
    let outbox_stream = template.outbox_stream.clone();
    let gateway = Arc::new(Gateway {
        template,
        authorizer,
        functions,
    });

    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await.map_err(|error| {
        format!("cannot listen on 127.0.0.1:{port} ({error}); is the local stack already running? Set ILN_HTTP_PORT to use another port.")
    })?;
    let identity_provider_listener = tokio::net::TcpListener::bind(("127.0.0.1", identity_provider_port))
        .await
        .map_err(|error| {
            format!("cannot listen on 127.0.0.1:{identity_provider_port} ({error}); set ILN_IDENTITY_PROVIDER_PORT to use another port.")
        })?;
    let slack_listener = tokio::net::TcpListener::bind(("127.0.0.1", slack_port))
        .await
        .map_err(|error| {
            format!("cannot listen on 127.0.0.1:{slack_port} ({error}); set ILN_SLACK_PORT to use another port.")
        })?;

    let reader = StreamReader::open(&dynamodb, aws_sdk_dynamodbstreams::Client::new(&aws), &table_name).await?;
    tokio::spawn(feed_outbox(gateway.clone(), OutboxFeed::new(reader, outbox_stream)));
    tokio::spawn(sweep_outbox(gateway.clone()));
    tokio::spawn(feed_mail_events(gateway.clone(), mailbox_simulator));
    tokio::spawn(run_schedule(gateway.clone()));
    let identity_provider_router = identity_provider.router();
    tokio::spawn(async move {
        if let Err(error) = axum::serve(identity_provider_listener, identity_provider_router).await {
            tracing::error!(error = %error, "the identity provider stand-in stopped");
        }
    });
    tokio::spawn(async move {
        if let Err(error) = axum::serve(slack_listener, standin.router()).await {
            tracing::error!(error = %error, "the Slack stand-in stopped");
        }
    });

    println!();
    println!("  ILN Nominations is running on this machine.");
    println!("  Nomination form   {base_url}/nominate        (Spanish: {base_url}/nominate?lang=es)");
    println!("  Mailbox (SES)     {mailbox_url}");
    println!("  Slack stand-in    {slack_url}   (Vera vets; Carlos and Chiara, ILN members on the roster, confirm)");
    println!(
        "  Staff console     {base_url}/console   (sign in as Vera, vetter, or Ada, admin, on the stand-in for Cognito's page at {identity_provider_url})"
    );
    println!("  Staff API         {base_url}/vetting/nominations   (roster: {roster} demo entries loaded)");
    println!("  Vetter token      {vetter_token}");
    println!("  Admin token       {admin_token}");
    println!(
        "                    e.g. curl -H \"Authorization: Bearer $ILN_VETTER_TOKEN\" {base_url}/vetting/nominations"
    );
    println!("  Table             {table_name} (DynamoDB Local), {route_count} routes");
    println!("  Stop with Ctrl-C.");
    println!();
    std::fs::write(
        state.join("tokens.env"),
        format!("ILN_VETTER_TOKEN={vetter_token}\nILN_ADMIN_TOKEN={admin_token}\n"),
    )?;

    let app = Router::new().fallback(dispatch).with_state(gateway);
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}

/// Polls the stream like Lambda's event source mapping: quickly while there
/// is work, backing off while a delivery keeps failing.
async fn feed_outbox(gateway: Arc<Gateway>, mut feed: OutboxFeed) {
    let mut pause = Duration::from_millis(250);
    loop {
        tokio::time::sleep(pause).await;
        match feed.pump(&gateway.functions.outbox, Utc::now()).await {
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

/// Plays the outbox's sweeper schedule (every five minutes on AWS; every
/// half minute here, so a message the stream gave up on shows up soon).
async fn sweep_outbox(gateway: Arc<Gateway>) {
    loop {
        tokio::time::sleep(Duration::from_secs(30)).await;
        let deadline = outbox::Deadline::after(iln_runner::stream::OUTBOX_TIMEOUT);
        match outbox::sweep(&gateway.functions.outbox, Utc::now(), deadline).await {
            Ok(summary) if summary != outbox::SweepSummary::default() => {
                tracing::info!(?summary, "outbox sweep");
            }
            Ok(_) => {}
            Err(error) => tracing::warn!(error = %error, "the outbox sweep failed; the next one retries"),
        }
    }
}

/// Plays SNS: what the mailbox simulator turned into SES events reaches the
/// outbox as the topic subscription would deliver it.
async fn feed_mail_events(gateway: Arc<Gateway>, simulator: MailboxSimulator) {
    loop {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let Some(event) = simulator.take_event() else {
            continue;
        };
        if let Err(error) = outbox::handle_mail_events(&gateway.functions.outbox, event, Utc::now()).await {
            tracing::warn!(error = %error, "SES events could not be applied");
        }
    }
}

/// Plays the reminder function's EventBridge schedules: the run hourly (the
/// template runs it daily; an hourly run locally only repeats what is
/// already done), and its continuation every ten minutes, as on AWS.
async fn run_schedule(gateway: Arc<Gateway>) {
    let mut hourly = tokio::time::interval(Duration::from_secs(3600));
    let mut continuation = tokio::time::interval(Duration::from_secs(600));
    // An interval's first tick is at once: the first run comes an hour in.
    hourly.tick().await;
    continuation.tick().await;
    loop {
        let outcome = tokio::select! {
            _ = hourly.tick() => schedules::daily_invocation(&gateway.functions.reminders, Utc::now()).await,
            _ = continuation.tick() => schedules::continuation(&gateway.functions.reminders).await,
        };
        match outcome {
            Ok(summary) if !summary.complete => {
                tracing::info!("the reminder run stopped for time; its continuation goes on")
            }
            Ok(_) => {}
            Err(error) => tracing::warn!(error = %error, "the reminder run failed; the next one retries"),
        }
    }
}

/// API Gateway's 10 MB payload limit.
const MAX_PAYLOAD: usize = 10 * 1024 * 1024;

async fn dispatch(State(gateway): State<Arc<Gateway>>, request: axum::extract::Request) -> Response {
    let started = Instant::now();
    let (parts, body) = request.into_parts();
    let body: Bytes = match axum::body::to_bytes(body, MAX_PAYLOAD).await {
        Ok(body) => body,
        Err(_) => return http::StatusCode::PAYLOAD_TOO_LARGE.into_response(),
    };
    let path_and_query = parts.uri.path_and_query().map(|pq| pq.as_str()).unwrap_or("/");
    let response = gateway
        .handle(parts.method.as_str(), path_and_query, &parts.headers, &body, Utc::now())
        .await;
    // The route, not the path: paths and queries carry tokens and addresses.
    let route = gateway
        .template
        .route(parts.method.as_str(), parts.uri.path())
        .map_or("(no route)", |(route, _)| route.path.as_str());
    tracing::info!(
        "{} {} -> {} ({} ms)",
        parts.method,
        route,
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
