//! The bench: cold starts against a peer, warm latency and DynamoDB calls
//! per route, the work at 1,000 and 10,000 nominations, and the size of
//! every deployment package. Run by `bench/run`, which builds what it
//! needs and starts the emulators; never by CI (timings belong here, not
//! in tests). Prints Markdown tables.
//!
//! `iln-bench [cold-start] [warm] [scale] [sizes]` runs the sections
//! named, or all of them.

mod cold_start;
mod runtime_api;
mod scale;
mod seed;
mod sizes;
mod stats;
mod warm;

use std::path::PathBuf;

pub type BenchError = Box<dyn std::error::Error + Send + Sync>;

/// Where things are and how much to measure; `bench/run` sets them.
pub struct Settings {
    pub dynamodb_url: String,
    pub ses_url: String,
    /// The native release binaries the cold starts launch.
    pub release_dir: PathBuf,
    /// `cargo lambda build --release --arm64 --output-format zip` output.
    pub lambda_dir: PathBuf,
    /// Each launched function's output.
    pub logs: PathBuf,
    /// An empty HOME for launched functions, as a Lambda sandbox has.
    pub empty_home: PathBuf,
    pub cold_starts: usize,
    pub warm_runs: usize,
    pub sizes: Vec<usize>,
}

fn variable(name: &str) -> Result<String, BenchError> {
    std::env::var(name).map_err(|_| format!("{name} is not set (run the bench with bench/run)").into())
}

fn number<T: std::str::FromStr>(name: &str, default: T) -> Result<T, BenchError> {
    match std::env::var(name) {
        Ok(raw) => raw.trim().parse().map_err(|_| format!("{name} is not a number").into()),
        Err(_) => Ok(default),
    }
}

impl Settings {
    fn from_environment() -> Result<Self, BenchError> {
        let state = PathBuf::from(variable("ILN_BENCH_STATE")?);
        let sizes = match std::env::var("ILN_BENCH_SIZES") {
            Ok(raw) => raw
                .split(',')
                .map(|size| size.trim().parse::<usize>())
                .collect::<Result<Vec<_>, _>>()
                .map_err(|_| "ILN_BENCH_SIZES is a comma-separated list of numbers")?,
            Err(_) => vec![1_000, 10_000],
        };
        let settings = Self {
            dynamodb_url: variable("AWS_ENDPOINT_URL_DYNAMODB")?,
            ses_url: variable("ILN_SES_EMULATOR_URL")?,
            release_dir: PathBuf::from(variable("ILN_BENCH_RELEASE_DIR")?),
            lambda_dir: PathBuf::from(variable("ILN_BENCH_LAMBDA_DIR")?),
            logs: state.join("logs"),
            empty_home: state.join("home"),
            cold_starts: number("ILN_BENCH_COLD_STARTS", 10)?,
            warm_runs: number("ILN_BENCH_WARM_RUNS", 100)?,
            sizes,
        };
        std::fs::create_dir_all(&settings.logs)?;
        std::fs::create_dir_all(&settings.empty_home)?;
        Ok(settings)
    }
}

/// A new table declared as template.yaml declares it; its name.
pub async fn fresh_table(settings: &Settings) -> Result<String, BenchError> {
    let aws = iln_adapters::config::aws().await;
    let client = aws_sdk_dynamodb::Client::from_conf(
        aws_sdk_dynamodb::config::Builder::from(&aws)
            .endpoint_url(&settings.dynamodb_url)
            .build(),
    );
    let name = format!("iln-bench-{}", ulid::Ulid::new().to_string().to_lowercase());
    let template = iln_runner::Template::load()?;
    iln_runner::table::ensure_table(&client, &name, &template.table).await?;
    Ok(name)
}

#[tokio::main]
async fn main() -> Result<(), BenchError> {
    let settings = Settings::from_environment()?;
    let asked: Vec<String> = std::env::args().skip(1).collect();
    let wants = |section: &str| asked.is_empty() || asked.iter().any(|a| a == section);
    println!("{}", machine());
    if wants("sizes") {
        println!("## Deployment packages (cargo lambda build --release --arm64)\n");
        println!("{}", sizes::run(&settings)?);
    }
    if wants("cold-start") {
        println!(
            "## Cold start: release binaries on this machine, {} launches each\n",
            settings.cold_starts
        );
        println!("{}", cold_start::run(&settings).await?);
    }
    if wants("warm") {
        println!("## Warm latency per route, through the handlers against DynamoDB Local\n");
        println!("{}", warm::run(&settings).await?);
    }
    if wants("scale") {
        for &size in &settings.sizes {
            println!("## At {size} nominations\n");
            println!("{}", scale::run(&settings, size).await?);
        }
    }
    Ok(())
}

/// The machine the figures were taken on.
fn machine() -> String {
    let read = |path: &str| std::fs::read_to_string(path).unwrap_or_default();
    let cpuinfo = read("/proc/cpuinfo");
    let model = cpuinfo
        .lines()
        .find_map(|line| line.strip_prefix("model name"))
        .map(|rest| rest.trim_start_matches([' ', '\t', ':']).to_owned())
        .unwrap_or_else(|| "unknown CPU".to_owned());
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let memory = read("/proc/meminfo")
        .lines()
        .find_map(|line| line.strip_prefix("MemTotal:"))
        .map(|rest| rest.trim().to_owned())
        .unwrap_or_default();
    let load = read("/proc/loadavg");
    format!(
        "Machine: {model}, {cores} cores, {memory} memory, {}; load average at start {}\n",
        std::env::consts::ARCH,
        load.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
    )
}
