//! The work at a dataset's size: each path measured once, through the
//! handlers, on a table seeded with `size` nominations, against the
//! function's Timeout in template.yaml.

use crate::seed::{self, Dataset, HOT_OPEN, PROLIFIC, PROLIFIC_RECORDS};
use crate::stats::{Table, ms};
use crate::{BenchError, Settings};
use aws_sdk_dynamodb::types::{AttributeValue, StreamSpecification, StreamViewType};
use chrono::{DateTime, Utc};
use iln_runner::gateway::function_timeout;
use iln_tests::{CONSOLE_ADMIN, Options, RoundTrips, TestApp, TestResponse, admin_token, vetter_token};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// One measured path.
struct Measured {
    what: String,
    function: &'static str,
    /// The longest single invocation.
    slowest: Duration,
    invocations: usize,
    total: Duration,
    calls: usize,
    result: String,
}

/// An HTTP request as staff send it, timed; its DynamoDB calls counted.
async fn timed(
    app: &TestApp,
    round_trips: &RoundTrips,
    method: &str,
    path: &str,
    token: &str,
    content_type: &str,
    body: &[u8],
) -> (TestResponse, Duration, usize) {
    round_trips.reset();
    let started = Instant::now();
    let response = app
        .request(
            method,
            path,
            &[("authorization", token), ("content-type", content_type)],
            body,
        )
        .await;
    (response, started.elapsed(), round_trips.count())
}

fn encoded(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

/// What the coverage page shows, read back from its HTML: a country's row
/// links to its queue and ends with its total; a decision kind's row ends
/// with its count (a month's row ends with a median, never a bare number).
#[derive(Default)]
struct CoverageFigures {
    countries: usize,
    unled: usize,
    open: u64,
    decisions: u64,
}

impl CoverageFigures {
    fn read(page: &str) -> Self {
        let mut figures = Self::default();
        for row in page
            .split("<tr>")
            .filter_map(|row| row.split_once("</tr>"))
            .map(|(row, _)| row)
        {
            let last_cell = row
                .strip_prefix("<th scope=\"row\">")
                .and_then(|row| row.strip_suffix("</td>"))
                .and_then(|row| row.rsplit_once("<td>"))
                .and_then(|(_, cell)| cell.parse::<u64>().ok());
            let Some(count) = last_cell else { continue };
            if row.contains("/console/nominations?") {
                figures.countries += 1;
                figures.unled += usize::from(row.contains("class=\"error\""));
                figures.open += count;
            } else {
                figures.decisions += count;
            }
        }
        figures
    }
}

/// An item as a DynamoDB stream record carries it.
fn stream_image(item: &std::collections::HashMap<String, AttributeValue>) -> Value {
    fn value(attribute: &AttributeValue) -> Value {
        match attribute {
            AttributeValue::S(text) => json!({ "S": text }),
            AttributeValue::N(number) => json!({ "N": number }),
            AttributeValue::Bool(flag) => json!({ "BOOL": flag }),
            AttributeValue::Ss(texts) => json!({ "SS": texts }),
            AttributeValue::Ns(numbers) => json!({ "NS": numbers }),
            AttributeValue::L(list) => json!({ "L": list.iter().map(value).collect::<Vec<_>>() }),
            AttributeValue::M(map) => json!({ "M": stream_image(map) }),
            _ => json!({ "NULL": true }),
        }
    }
    Value::Object(
        item.iter()
            .map(|(name, attribute)| (name.clone(), value(attribute)))
            .collect(),
    )
}

/// The day's digest, delivered by the outbox as the stream hands it over:
/// its card and mail rendered and sent.
/// How many nominations of `country` are open as stored (a Scan, outside
/// any timing): what the findings must count, less the one being vetted.
async fn open_in_country(app: &TestApp, country: &str) -> Result<usize, BenchError> {
    let mut open = 0;
    let mut start = None;
    loop {
        let page = app
            .dynamodb
            .scan()
            .table_name(&app.table_name)
            .filter_expression("entity = :nomination AND gsi2pk = :country AND begins_with(gsi2sk, :open)")
            .expression_attribute_values(":nomination", AttributeValue::S("nomination".to_owned()))
            .expression_attribute_values(":country", AttributeValue::S(format!("COUNTRY#{country}")))
            .expression_attribute_values(":open", AttributeValue::S("OPEN#".to_owned()))
            .select(aws_sdk_dynamodb::types::Select::Count)
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(|error| format!("counting the open nominations: {error}"))?;
        open += usize::try_from(page.count()).unwrap_or_default();
        start = page.last_evaluated_key().cloned();
        if start.is_none() {
            return Ok(open);
        }
    }
}

async fn deliver_digest(app: &TestApp, round_trips: &RoundTrips, now: DateTime<Utc>) -> Result<Measured, BenchError> {
    let digests = app.outbox_of_kind("vetting_digest").await;
    let records: Vec<Value> = digests
        .iter()
        .enumerate()
        .map(|(n, item)| {
            let image = stream_image(item);
            json!({
                "eventID": n.to_string(), "eventName": "INSERT", "eventVersion": "1.1", "eventSource": "aws:dynamodb",
                "awsRegion": "eu-west-1",
                "dynamodb": { "Keys": { "pk": image["pk"], "sk": image["sk"] }, "NewImage": image,
                              "SequenceNumber": format!("{n:021}"), "SizeBytes": 1, "StreamViewType": "NEW_AND_OLD_IMAGES" },
                "eventSourceARN": "arn:aws:dynamodb:eu-west-1:123456789012:table/bench/stream/2026-01-01T00:00:00.000"
            })
        })
        .collect();
    let references = digests
        .first()
        .and_then(|item| item.get("message"))
        .and_then(|message| message.as_m().ok())
        .and_then(|message| message.get("references"))
        .and_then(|references| references.as_l().ok())
        .map_or(0, Vec::len);
    let trigger = outbox::Trigger::from_event(json!({ "Records": records }))?;
    round_trips.reset();
    let started = Instant::now();
    let answer = outbox::run(
        &app.gateway.functions.outbox,
        trigger,
        now,
        outbox::Deadline::after(function_timeout("OutboxFunction")),
    )
    .await?;
    let took = started.elapsed();
    let failures = answer["batchItemFailures"].as_array().map_or(0, Vec::len);
    Ok(Measured {
        what: format!(
            "the digest delivered ({} messages, {references} nominations listed)",
            digests.len()
        ),
        function: "OutboxFunction",
        slowest: took,
        invocations: 1,
        total: took,
        calls: round_trips.count(),
        result: format!("{failures} to retry"),
    })
}

/// Turns the table's stream off, or on again as template.yaml declares it.
/// Off while a dataset is written: DynamoDB Local keeps a stream record of
/// every write in SQLite and looks up where the stream starts each time
/// (10,000 nominations seeded in 101 s with it on, 68 s off). Nothing reads
/// the seeded items' records; the measured paths write with it on.
async fn stream(app: &TestApp, on: bool) -> Result<(), BenchError> {
    let mut specification = StreamSpecification::builder().stream_enabled(on);
    if on {
        let template = iln_runner::Template::load()?;
        let declared = template
            .table
            .stream_specification
            .ok_or("template.yaml declares no stream on the table")?;
        specification = specification.stream_view_type(StreamViewType::from(declared.stream_view_type.as_str()));
    }
    app.dynamodb
        .update_table()
        .table_name(&app.table_name)
        .stream_specification(specification.build()?)
        .send()
        .await
        .map_err(|error| format!("turning the stream {}: {error}", if on { "on" } else { "off" }))?;
    Ok(())
}

pub async fn run(settings: &Settings, size: usize) -> Result<String, BenchError> {
    let round_trips = RoundTrips::default();
    let app = TestApp::spawn_with(Options {
        ses_url: settings.ses_url.clone(),
        round_trips: Some(round_trips.clone()),
        ..Options::default()
    })
    .await;
    let now = app.now;
    stream(&app, false).await?;
    let dataset: Dataset = seed::seed(&app.table, &app.gateway.functions.reminders.rules, size, now).await?;
    stream(&app, true).await?;
    let mut text = format!(
        "Seeded in {} s through the store: {} nominations ({}), {} members, a roster of {} rows; \
         {HOT_OPEN} open nominations in one country, one nominator of {PROLIFIC_RECORDS}.\n\n",
        dataset.took.as_secs(),
        dataset.size,
        dataset
            .by_status
            .iter()
            .map(|(status, count)| format!("{status} {count}"))
            .collect::<Vec<_>>()
            .join(", "),
        dataset.members,
        dataset.roster,
    );
    let mut measured = Vec::new();

    let vetter = vetter_token();
    // Findings in the country with 500 open nominations, before the daily
    // run closes the oldest of them.
    let findings_path = format!("/vetting/nominations/{}", dataset.in_hot_country);
    let (response, took, made) = timed(
        &app,
        &round_trips,
        "GET",
        &findings_path,
        &vetter,
        "application/json",
        b"",
    )
    .await;
    let findings = response.json()["findings"].clone();
    let others_stored = open_in_country(&app, seed::HOT_COUNTRY).await?.saturating_sub(1);
    measured.push(Measured {
        what: format!("findings, a country with {HOT_OPEN} open nominations"),
        function: "VettingFunction",
        slowest: took,
        invocations: 1,
        total: took,
        calls: made,
        result: format!(
            "{}: {} other open nominations ({others_stored} open in the table), {} leaders",
            response.status,
            findings["country_open_nominations"],
            findings["country_leaders"].as_array().map_or(0, Vec::len)
        ),
    });

    // The daily run as Lambda runs it: its schedule's invocation, then the
    // continuation schedule's, each within the function's timeout.
    let timeout = function_timeout("RemindersFunction");
    let lambda_deadline = || {
        let now_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_millis();
        u64::try_from(now_ms + timeout.as_millis()).unwrap_or(u64::MAX)
    };
    let (mut invocations, mut slowest, mut total, mut calls) = (0, Duration::ZERO, Duration::ZERO, 0);
    let mut acted = reminders::Summary::default();
    loop {
        round_trips.reset();
        let started = Instant::now();
        let mut time_left = reminders::time_left_until(lambda_deadline());
        let summary = match invocations {
            0 => reminders::run_scheduled(&app.gateway.functions.reminders, now, &mut time_left).await?,
            _ => reminders::resume(&app.gateway.functions.reminders, &mut time_left).await?,
        };
        let took = started.elapsed();
        invocations += 1;
        (slowest, total, calls) = (slowest.max(took), total + took, calls + round_trips.count());
        acted = acted.followed_by(summary);
        if acted.complete || invocations >= 20 {
            break;
        }
    }
    measured.push(Measured {
        what: "the daily run (scheduled, then continued)".to_owned(),
        function: "RemindersFunction",
        slowest,
        invocations,
        total,
        calls,
        result: format!(
            "expired {} unverified, {} invitations and {} unanswered notices; reminded {} invitations and {} \
             discussions; {} discussions ended; digest of {}; complete: {}",
            acted.expired_unverified,
            acted.expired_invitations,
            acted.expired_unanswered_notices,
            acted.invitation_reminders,
            acted.discussion_reminders,
            acted.discussions_ended,
            acted.overdue_in_vetting,
            acted.complete
        ),
    });
    measured.push(deliver_digest(&app, &round_trips, now).await?);

    // A roster import of 10,000 rows, resumed for as long as it says so.
    let mut csv = String::from("email,name,category,country\n");
    for row in 0..iln_domain::roster::RosterImport::MAX_ROWS {
        csv.push_str(&format!(
            "import{row}@bench.example,Kwame Mensah,imi_certified_mediator,GH\n"
        ));
    }
    let admin = admin_token();
    let (mut requests, mut slowest, mut total, mut calls) = (0, Duration::ZERO, Duration::ZERO, 0);
    let mut path = "/vetting/roster".to_owned();
    let result = loop {
        let (response, took, made) = timed(&app, &round_trips, "PUT", &path, &admin, "text/csv", csv.as_bytes()).await;
        requests += 1;
        (slowest, total, calls) = (slowest.max(took), total + took, calls + made);
        match (response.status, response.json()["resume_from"].as_str()) {
            (503, Some(token)) if requests < 20 => path = format!("/vetting/roster?resume_from={}", encoded(token)),
            (status, _) => break format!("{status}: {} accepted", response.json()["accepted"]),
        }
    };
    measured.push(Measured {
        what: "a roster import of 10,000 rows".to_owned(),
        function: "VettingFunction",
        slowest,
        invocations: requests,
        total,
        calls,
        result,
    });

    // The vetting queue, paged to the end.
    let (mut pages, mut listed, mut slowest, mut total, mut calls) = (0, 0, Duration::ZERO, Duration::ZERO, 0);
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(cursor) => format!(
                "/vetting/nominations?status=awaiting_vetting&cursor={}",
                encoded(cursor)
            ),
            None => "/vetting/nominations?status=awaiting_vetting".to_owned(),
        };
        let (response, took, made) = timed(&app, &round_trips, "GET", &path, &vetter, "application/json", b"").await;
        if response.status != 200 {
            return Err(format!("the queue answered {}: {}", response.status, response.body).into());
        }
        let page = response.json();
        pages += 1;
        listed += page["items"].as_array().map_or(0, Vec::len);
        (slowest, total, calls) = (slowest.max(took), total + took, calls + made);
        cursor = page["next_cursor"].as_str().map(str::to_owned);
        if cursor.is_none() {
            break;
        }
    }
    measured.push(Measured {
        what: "the vetting queue paged to the end".to_owned(),
        function: "VettingFunction",
        slowest,
        invocations: pages,
        total,
        calls,
        result: format!("{listed} listed"),
    });

    // The coverage figures, on the console as staff open them: after the
    // daily run, whose ended discussions are decisions of today.
    let session = app.console_sign_in(CONSOLE_ADMIN).await;
    round_trips.reset();
    let started = Instant::now();
    let response = app.console_get(now, &session, "/console/coverage").await;
    let took = started.elapsed();
    let figures = CoverageFigures::read(&response.body);
    measured.push(Measured {
        what: "the coverage figures".to_owned(),
        function: "StaffConsoleFunction",
        slowest: took,
        invocations: 1,
        total: took,
        calls: round_trips.count(),
        result: format!(
            "{}: {} countries listed ({} without a leader), {} open nominations, {} decisions in 12 months; \
             a page of {} KB",
            response.status,
            figures.countries,
            figures.unled,
            figures.open,
            figures.decisions,
            response.body.len() / 1_000
        ),
    });

    // The members directory: every member in one answer, whose size is
    // what grows (the coverage figures read the same partition, projected,
    // and answer one row a country).
    let (response, took, made) = timed(
        &app,
        &round_trips,
        "GET",
        "/admin/members",
        &admin,
        "application/json",
        b"",
    )
    .await;
    let directory = response.json();
    let count = directory["items"]
        .as_array()
        .or_else(|| directory.as_array())
        .map_or(0, Vec::len);
    measured.push(Measured {
        what: "the members directory".to_owned(),
        function: "InvitationsFunction",
        slowest: took,
        invocations: 1,
        total: took,
        calls: made,
        result: format!(
            "{}: {count} members in one answer of {} KB",
            response.status,
            response.body.len() / 1_000
        ),
    });

    // Export, then erasure, of the person in 200 nominations.
    let path = format!("/admin/people/export?email={}", encoded(PROLIFIC));
    let (response, took, made) = timed(&app, &round_trips, "GET", &path, &admin, "application/json", b"").await;
    measured.push(Measured {
        what: format!("export of a person in {PROLIFIC_RECORDS} nominations"),
        function: "InvitationsFunction",
        slowest: took,
        invocations: 1,
        total: took,
        calls: made,
        result: format!(
            "{}: {} nominations",
            response.status,
            response.json()["nominations"].as_array().map_or(0, Vec::len)
        ),
    });
    let body = json!({ "email": PROLIFIC }).to_string();
    let (mut requests, mut slowest, mut total, mut calls) = (0, Duration::ZERO, Duration::ZERO, 0);
    let mut erased = 0;
    let result = loop {
        let (response, took, made) = timed(
            &app,
            &round_trips,
            "POST",
            "/admin/people/erase",
            &admin,
            "application/json",
            body.as_bytes(),
        )
        .await;
        requests += 1;
        (slowest, total, calls) = (slowest.max(took), total + took, calls + made);
        erased += response.json()["erased"]["nominations"].as_u64().unwrap_or(0);
        // An erasure cut short says so (202) and is finished by repeating it.
        if response.status != 202 || requests >= 20 {
            break format!("{}: {erased} nominations erased", response.status);
        }
    };
    measured.push(Measured {
        what: format!("erasure of a person in {PROLIFIC_RECORDS} nominations"),
        function: "InvitationsFunction",
        slowest,
        invocations: requests,
        total,
        calls,
        result,
    });

    let mut table = Table::new(&[
        "path",
        "function (timeout)",
        "invocations",
        "slowest invocation (ms)",
        "total (ms)",
        "DynamoDB calls",
        "within timeout",
        "result",
    ]);
    for measure in &measured {
        let timeout = function_timeout(measure.function);
        table.row(vec![
            measure.what.clone(),
            format!("{} ({} s)", measure.function, timeout.as_secs()),
            measure.invocations.to_string(),
            ms(measure.slowest),
            ms(measure.total),
            measure.calls.to_string(),
            if measure.slowest < timeout { "yes" } else { "NO" }.to_owned(),
            measure.result.clone(),
        ]);
    }
    text.push_str(&table.render());
    Ok(text)
}
