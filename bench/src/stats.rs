//! Medians, percentiles and the tables the bench prints (Markdown, so
//! they paste into docs/performance.md as they are).

use std::time::Duration;

fn sorted_ms(samples: impl Iterator<Item = Duration>) -> Vec<f64> {
    let mut ms: Vec<f64> = samples.map(|d| d.as_secs_f64() * 1000.0).collect();
    ms.sort_by(f64::total_cmp);
    ms
}

/// The `p`th percentile (nearest rank) in milliseconds; NaN when empty.
pub fn percentile_ms(samples: impl Iterator<Item = Duration>, p: f64) -> f64 {
    let ms = sorted_ms(samples);
    if ms.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * ms.len() as f64).ceil() as usize;
    ms[rank.clamp(1, ms.len()) - 1]
}

pub fn median_ms(samples: impl Iterator<Item = Duration>) -> f64 {
    percentile_ms(samples, 50.0)
}

pub fn ms(duration: Duration) -> String {
    format!("{:.0}", duration.as_secs_f64() * 1000.0)
}

pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(header: &[&str]) -> Self {
        Self {
            header: header.iter().map(|h| (*h).to_owned()).collect(),
            rows: Vec::new(),
        }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    pub fn render(&self) -> String {
        let widths: Vec<usize> = (0..self.header.len())
            .map(|column| {
                std::iter::once(&self.header)
                    .chain(&self.rows)
                    .map(|row| row.get(column).map_or(0, |cell| cell.chars().count()))
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let line = |cells: &[String]| {
            let padded: Vec<String> = widths
                .iter()
                .enumerate()
                .map(|(column, width)| {
                    let cell = cells.get(column).map_or("", String::as_str);
                    format!("{cell}{}", " ".repeat(width - cell.chars().count()))
                })
                .collect();
            format!("| {} |\n", padded.join(" | "))
        };
        let mut text = line(&self.header);
        let rule: Vec<String> = widths.iter().map(|width| "-".repeat(*width)).collect();
        text.push_str(&line(&rule));
        for row in &self.rows {
            text.push_str(&line(row));
        }
        text
    }
}
