//! The deployment package of every function: the zip `cargo lambda build
//! --release --arm64 --output-format zip` makes, as Lambda downloads it at
//! a cold start.

use crate::cold_start::{FUNCTIONS, PEER};
use crate::stats::Table;
use crate::{BenchError, Settings};

pub fn run(settings: &Settings) -> Result<String, BenchError> {
    let mut table = Table::new(&["binary", "bootstrap.zip (KiB)"]);
    for binary in FUNCTIONS.iter().map(|(_, binary)| *binary).chain([PEER]) {
        let zip = settings.lambda_dir.join(binary).join("bootstrap.zip");
        let size = std::fs::metadata(&zip)
            .map_err(|error| format!("{}: {error} (bench/run builds it)", zip.display()))?
            .len();
        table.row(vec![binary.to_owned(), format!("{:.0}", size as f64 / 1024.0)]);
    }
    Ok(table.render())
}
