//! A minimal Lambda Runtime API on loopback, for one launch of one binary:
//! it hands out one event, notes when the runtime first asked for work
//! (the end of init) and when the answer came, and holds every later
//! request for work until the process is stopped. The same server answers
//! SSM's GetParameters, where the functions read their secrets.
//!
//! The contract, as AWS documents it ("Using the Lambda runtime API for
//! custom runtimes"): `GET /2018-06-01/runtime/invocation/next` answers
//! the event with `Lambda-Runtime-Aws-Request-Id`,
//! `Lambda-Runtime-Deadline-Ms`, `Lambda-Runtime-Invoked-Function-Arn` and
//! `Lambda-Runtime-Trace-Id`; the runtime answers on
//! `POST /2018-06-01/runtime/invocation/{id}/response` (or `/error`), and
//! reports a failed start on `POST /2018-06-01/runtime/init/error`.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Notify;

/// How a launch ended.
#[derive(Debug, Clone)]
pub enum Outcome {
    Answered,
    /// The function reported an invocation error (its body).
    InvocationError(String),
    /// The runtime reported that it could not start (its body).
    InitError(String),
}

#[derive(Default)]
struct Launch {
    event: Value,
    request_id: String,
    /// When the runtime first asked for an event: its init is over.
    first_request: Option<Instant>,
    finished: Option<(Instant, Outcome)>,
    /// The launched process, whose CPU time is read at those two moments.
    pid: Option<u32>,
    cpu_at_first_request: Option<Duration>,
    cpu_at_finish: Option<Duration>,
}

/// The CPU time process `pid` has used so far, all its threads together
/// (`/proc/<pid>/task/*/schedstat`, nanoseconds on a CPU): unlike wall time,
/// what other work on a busy machine does not inflate.
fn cpu_time(pid: u32) -> Option<Duration> {
    let mut total = 0u64;
    for task in std::fs::read_dir(format!("/proc/{pid}/task")).ok()? {
        let stat = std::fs::read_to_string(task.ok()?.path().join("schedstat")).ok()?;
        total += stat.split_whitespace().next()?.parse::<u64>().ok()?;
    }
    Some(Duration::from_nanos(total))
}

#[derive(Clone)]
struct Shared {
    launch: Arc<Mutex<Launch>>,
    finished: Arc<Notify>,
    secrets: Arc<HashMap<String, String>>,
}

/// One listening Runtime API (and SSM) for one launch.
pub struct RuntimeApi {
    shared: Shared,
    pub address: SocketAddr,
    server: tokio::task::JoinHandle<()>,
}

/// What one launch measured.
#[derive(Debug, Clone)]
pub struct Timings {
    /// From the process's start to its first request for an event.
    pub init: Duration,
    /// From handing the event to receiving the answer.
    pub first_invoke: Duration,
    /// CPU time of init, and of the first invoke (where /proc tells).
    pub init_cpu: Option<Duration>,
    pub first_invoke_cpu: Option<Duration>,
    pub outcome: Outcome,
}

/// The invocation's deadline as Lambda sets it: `timeout` from now.
fn deadline_millis(timeout: Duration) -> u128 {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    (now + timeout).as_millis()
}

impl RuntimeApi {
    pub async fn start(event: Value, secrets: HashMap<String, String>) -> std::io::Result<Self> {
        let shared = Shared {
            launch: Arc::new(Mutex::new(Launch {
                event,
                request_id: ulid::Ulid::new().to_string(),
                ..Launch::default()
            })),
            finished: Arc::new(Notify::new()),
            secrets: Arc::new(secrets),
        };
        let router = Router::new()
            .route("/2018-06-01/runtime/invocation/next", get(next))
            .route("/2018-06-01/runtime/invocation/{id}/response", post(response))
            .route("/2018-06-01/runtime/invocation/{id}/error", post(invocation_error))
            .route("/2018-06-01/runtime/init/error", post(init_error))
            .route("/", post(ssm))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let address = listener.local_addr()?;
        let server = tokio::spawn(async move {
            // A failed server shows as a launch that never finishes.
            let _ = axum::serve(listener, router).await;
        });
        Ok(Self {
            shared,
            address,
            server,
        })
    }

    /// The process launched against this API: its CPU time is read when
    /// it first asks for work and when it answers.
    pub fn watch(&self, pid: Option<u32>) {
        if let Ok(mut launch) = self.shared.launch.lock() {
            launch.pid = pid;
        }
    }

    /// Waits for the launch that started at `started` to answer (or fail),
    /// `limit` at most.
    pub async fn timings(&self, started: Instant, limit: Duration) -> Option<Timings> {
        let waited = tokio::time::timeout(limit, async {
            loop {
                let notified = self.shared.finished.notified();
                if self.finished().is_some() {
                    return;
                }
                notified.await;
            }
        })
        .await;
        waited.ok()?;
        let launch = self.shared.launch.lock().ok()?;
        let (finished_at, outcome) = launch.finished.clone()?;
        let asked = launch.first_request.unwrap_or(finished_at);
        Some(Timings {
            init: asked.saturating_duration_since(started),
            first_invoke: finished_at.saturating_duration_since(asked),
            init_cpu: launch.cpu_at_first_request,
            first_invoke_cpu: launch
                .cpu_at_finish
                .zip(launch.cpu_at_first_request)
                .map(|(end, start)| end.saturating_sub(start)),
            outcome,
        })
    }

    fn finished(&self) -> Option<(Instant, Outcome)> {
        self.shared.launch.lock().ok()?.finished.clone()
    }
}

impl Drop for RuntimeApi {
    fn drop(&mut self) {
        self.server.abort();
    }
}

fn finish(shared: &Shared, outcome: Outcome) -> StatusCode {
    let at = Instant::now();
    if let Ok(mut launch) = shared.launch.lock() {
        if launch.finished.is_none() {
            launch.cpu_at_finish = launch.pid.and_then(cpu_time);
            launch.finished = Some((at, outcome));
        }
    }
    shared.finished.notify_waiters();
    StatusCode::ACCEPTED
}

async fn next(State(shared): State<Shared>) -> Response {
    let handed = {
        let Ok(mut launch) = shared.launch.lock() else {
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        };
        match launch.first_request {
            Some(_) => None,
            None => {
                launch.first_request = Some(Instant::now());
                launch.cpu_at_first_request = launch.pid.and_then(cpu_time);
                Some((launch.request_id.clone(), launch.event.to_string()))
            }
        }
    };
    let Some((request_id, body)) = handed else {
        // One event per launch: the next request waits until the process
        // is stopped, as an idle Lambda sandbox's does.
        return std::future::pending().await;
    };
    let mut headers = HeaderMap::new();
    let mut set = |name: &'static str, value: String| {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    };
    set("content-type", "application/json".to_owned());
    set("lambda-runtime-aws-request-id", request_id);
    set(
        "lambda-runtime-deadline-ms",
        deadline_millis(Duration::from_secs(60)).to_string(),
    );
    set(
        "lambda-runtime-invoked-function-arn",
        "arn:aws:lambda:eu-west-1:123456789012:function:iln-bench".to_owned(),
    );
    set(
        "lambda-runtime-trace-id",
        "Root=1-00000000-000000000000000000000000;Parent=0000000000000000;Sampled=0".to_owned(),
    );
    (headers, body).into_response()
}

async fn response(State(shared): State<Shared>, Path(_id): Path<String>) -> StatusCode {
    finish(&shared, Outcome::Answered)
}

async fn invocation_error(State(shared): State<Shared>, Path(_id): Path<String>, body: String) -> StatusCode {
    finish(&shared, Outcome::InvocationError(body))
}

async fn init_error(State(shared): State<Shared>, body: String) -> StatusCode {
    finish(&shared, Outcome::InitError(body))
}

/// SSM's GetParameters (AWS JSON 1.1), for the parameters the bench holds:
/// as SSM does, names it does not hold come back in `InvalidParameters`
/// with a 200, and the rest in alphabetical order.
async fn ssm(State(shared): State<Shared>, headers: HeaderMap, body: String) -> Response {
    let target = headers
        .get("x-amz-target")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    let json_type = [("content-type", "application/x-amz-json-1.1")];
    let request: Value = serde_json::from_str(&body).unwrap_or_default();
    let names: Option<Vec<&str>> = request["Names"]
        .as_array()
        .map(|names| names.iter().filter_map(Value::as_str).collect());
    match (target, names) {
        ("AmazonSSM.GetParameters", Some(mut names)) if (1..=10).contains(&names.len()) => {
            names.sort_unstable();
            let (held, invalid): (Vec<&str>, Vec<&str>) =
                names.into_iter().partition(|name| shared.secrets.contains_key(*name));
            let parameters: Vec<Value> = held
                .into_iter()
                .map(
                    |name| json!({ "Name": name, "Type": "SecureString", "Value": shared.secrets[name], "Version": 1 }),
                )
                .collect();
            (
                json_type,
                json!({ "Parameters": parameters, "InvalidParameters": invalid }).to_string(),
            )
                .into_response()
        }
        _ => (
            StatusCode::BAD_REQUEST,
            json_type,
            json!({ "__type": "ValidationException", "message": "the bench answers GetParameters with 1 to 10 names" })
                .to_string(),
        )
            .into_response(),
    }
}
