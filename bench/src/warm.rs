//! Warm latency per route: the same handlers as on Lambda, called through
//! the local API Gateway against DynamoDB Local, each request on state
//! made for it beforehand (outside the timing). The DynamoDB calls each
//! makes are counted by the interceptor the round-trip test pins.

use crate::stats::{Table, median_ms, ms, percentile_ms};
use crate::{BenchError, Settings};
use iln_tests::routes::{Prepared, RouteCase};
use iln_tests::{ILN_CHANNEL, Options, RoundTrips, SIGNING_SECRET, SLACK_VETTER, TestApp, VETTING_CHANNEL};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Slack's clicks arrive together: this many at once.
const CONCURRENT_CLICKS: usize = 20;

pub async fn run(settings: &Settings) -> Result<String, BenchError> {
    let round_trips = RoundTrips::default();
    let app = Arc::new(
        TestApp::spawn_with(Options {
            ses_url: settings.ses_url.clone(),
            round_trips: Some(round_trips.clone()),
            ..Options::default()
        })
        .await,
    );
    let mut table = Table::new(&["route", "runs", "p50 (ms)", "p99 (ms)", "DynamoDB calls"]);
    for &case in RouteCase::ALL {
        let runs = match case.has_long_set_up() {
            true => (settings.warm_runs / 4).max(1),
            false => settings.warm_runs,
        };
        let mut samples = Vec::with_capacity(runs);
        let mut calls = Vec::new();
        // The first request of a route warms its code paths: not counted.
        for run in 0..=runs {
            let request = app.prepare(case).await;
            round_trips.reset();
            let started = Instant::now();
            let response = app.send(&request).await;
            let took = started.elapsed();
            if response.status != request.expect {
                return Err(format!("{}: {} {}", case.describe(), response.status, response.body).into());
            }
            if run > 0 {
                samples.push(took);
                calls.push(round_trips.count());
            }
        }
        calls.sort_unstable();
        calls.dedup();
        let calls: Vec<String> = calls.iter().map(usize::to_string).collect();
        table.row(vec![
            case.describe().to_owned(),
            runs.to_string(),
            format!("{:.1}", median_ms(samples.iter().copied())),
            format!("{:.1}", percentile_ms(samples.iter().copied(), 99.0)),
            calls.join(" or "),
        ]);
    }
    let mut text = table.render();
    text.push_str(&format!(
        "\n### Slack acknowledgement, {CONCURRENT_CLICKS} clicks at once (Slack waits 3 s)\n\n"
    ));
    text.push_str(&concurrent_clicks(&app).await?);
    Ok(text)
}

/// A signed click, ready to send.
fn click(app: &TestApp, payload: &serde_json::Value) -> Prepared {
    let body = TestApp::interaction_body(payload);
    let timestamp = app.now.timestamp().to_string();
    let signature = iln_domain::slack::signature::sign(SIGNING_SECRET, &timestamp, &body);
    Prepared {
        method: "POST",
        path: "/slack/interactions".to_owned(),
        headers: vec![
            (
                "content-type".to_owned(),
                "application/x-www-form-urlencoded".to_owned(),
            ),
            ("x-slack-request-timestamp".to_owned(), timestamp),
            ("x-slack-signature".to_owned(), signature),
        ],
        body,
        source_ip: iln_runner::gateway::LOOPBACK.to_owned(),
        expect: 200,
    }
}

/// Sends every request at once, each on its own task (as Lambda would run
/// each in its own instance); the time each took to be answered.
async fn all_at_once(app: &Arc<TestApp>, requests: Vec<Prepared>) -> Result<Vec<Duration>, BenchError> {
    let tasks: Vec<_> = requests
        .into_iter()
        .map(|request| {
            let app = Arc::clone(app);
            tokio::spawn(async move {
                let started = Instant::now();
                let response = app.send(&request).await;
                (started.elapsed(), response.status)
            })
        })
        .collect();
    let mut took = Vec::new();
    for task in futures::future::join_all(tasks).await {
        let (elapsed, status) = task?;
        if status != 200 {
            return Err(format!("a click was answered {status}").into());
        }
        took.push(elapsed);
    }
    Ok(took)
}

async fn concurrent_clicks(app: &Arc<TestApp>) -> Result<String, BenchError> {
    let mut distinct = Vec::new();
    for _ in 0..CONCURRENT_CLICKS {
        let verified = app.verified_nomination("en").await;
        distinct.push(click(
            app,
            &iln_tests::click_payload(SLACK_VETTER, "vetting.approve", &verified.id, 2, VETTING_CHANNEL),
        ));
    }
    let discussed = app.in_discussion().await;
    let same: Vec<Prepared> = (1..=CONCURRENT_CLICKS)
        .map(|n| {
            click(
                app,
                &iln_tests::click_payload(&format!("UC{n:02}"), "iln.confirm", &discussed.id, 3, ILN_CHANNEL),
            )
        })
        .collect();
    let mut table = Table::new(&["clicks", "p50 (ms)", "p99 (ms)", "slowest (ms)"]);
    for (what, requests) in [
        ("approve, 20 different nominations", distinct),
        ("confirm, 20 confirmers on one nomination", same),
    ] {
        let took = all_at_once(app, requests).await?;
        table.row(vec![
            what.to_owned(),
            format!("{:.1}", median_ms(took.iter().copied())),
            format!("{:.1}", percentile_ms(took.iter().copied(), 99.0)),
            took.iter().max().map(|slowest| ms(*slowest)).unwrap_or_default(),
        ]);
    }
    Ok(table.render())
}
