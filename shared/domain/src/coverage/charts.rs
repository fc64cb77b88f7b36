//! The coverage page's two charts as geometry, in SVG user units: the
//! template only draws what is measured here. Each chart sits beside a
//! table with the same numbers, for readers who do not see it.

use serde::Serialize;

const WIDTH: f64 = 720.0;
/// Room for a country's name left of its bar.
const LABEL_WIDTH: f64 = 190.0;
/// Room right of the longest bar for its total.
const TOTAL_WIDTH: f64 = 40.0;
const ROW_HEIGHT: f64 = 26.0;
const BAR_HEIGHT: f64 = 18.0;

/// Horizontal bars, one a row, each stacked from segments (series).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BarChart {
    pub width: f64,
    pub height: f64,
    pub label_x: f64,
    pub rows: Vec<BarRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BarRow {
    /// The row's name in full, for its tooltip and the table.
    pub name: String,
    /// The name as it fits left of the bar.
    pub label: String,
    pub y: f64,
    pub text_y: f64,
    pub bar_height: f64,
    pub total: usize,
    pub total_x: f64,
    pub bars: Vec<Bar>,
}

/// One segment of a stacked bar.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bar {
    /// Which series (stage), for its colour and name.
    pub series: usize,
    pub x: f64,
    pub width: f64,
    pub value: usize,
}

impl BarChart {
    /// Rows of (label, a value per series), drawn in the order given.
    pub fn new(rows: Vec<(String, Vec<usize>)>) -> Self {
        let longest = rows
            .iter()
            .map(|(_, values)| values.iter().sum::<usize>())
            .max()
            .unwrap_or(0);
        let unit = match longest {
            0 => 0.0,
            longest => (WIDTH - LABEL_WIDTH - TOTAL_WIDTH) / longest as f64,
        };
        let rows: Vec<BarRow> = rows
            .into_iter()
            .enumerate()
            .map(|(index, (label, values))| {
                let y = index as f64 * ROW_HEIGHT + (ROW_HEIGHT - BAR_HEIGHT) / 2.0;
                let mut x = LABEL_WIDTH;
                let bars = values
                    .iter()
                    .enumerate()
                    .filter(|(_, value)| **value > 0)
                    .map(|(series, value)| {
                        let width = rounded(*value as f64 * unit);
                        let bar = Bar {
                            series,
                            x: rounded(x),
                            width,
                            value: *value,
                        };
                        x += width;
                        bar
                    })
                    .collect();
                BarRow {
                    label: shortened(&label),
                    name: label,
                    y: rounded(y),
                    text_y: rounded(y + BAR_HEIGHT * 0.75),
                    bar_height: BAR_HEIGHT,
                    total: values.iter().sum(),
                    total_x: rounded(x + 6.0),
                    bars,
                }
            })
            .collect();
        Self {
            width: WIDTH,
            height: rows.len() as f64 * ROW_HEIGHT,
            label_x: LABEL_WIDTH - 8.0,
            rows,
        }
    }
}

const COLUMN_HEIGHT: f64 = 220.0;
/// Room for the axis's values left of the plot.
const AXIS_WIDTH: f64 = 48.0;
const TOP: f64 = 10.0;
/// Room for the groups' labels under the plot.
const BOTTOM: f64 = 28.0;

/// Vertical columns in groups (months), one column a series (decision).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ColumnChart {
    pub width: f64,
    pub height: f64,
    pub axis_x: f64,
    pub baseline: f64,
    pub ticks: Vec<Tick>,
    pub groups: Vec<ColumnGroup>,
}

/// A value marked on the vertical axis, with its grid line.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Tick {
    pub value: f64,
    pub y: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ColumnGroup {
    pub label: String,
    pub label_x: f64,
    pub columns: Vec<Column>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Column {
    pub series: usize,
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
    pub value: f64,
}

impl ColumnChart {
    /// Groups of (label, a value per series, `None` where there is none).
    pub fn new(groups: Vec<(String, Vec<Option<f64>>)>) -> Self {
        let highest = groups
            .iter()
            .flat_map(|(_, values)| values.iter().flatten())
            .fold(0.0_f64, |highest, value| highest.max(*value));
        let top_value = round_up(highest);
        let plot_height = COLUMN_HEIGHT - TOP - BOTTOM;
        let baseline = TOP + plot_height;
        let y_of = |value: f64| rounded(baseline - value / top_value * plot_height);
        let group_width = (WIDTH - AXIS_WIDTH) / groups.len().max(1) as f64;
        let series = groups.iter().map(|(_, values)| values.len()).max().unwrap_or(1).max(1);
        let column_width = rounded(group_width * 0.8 / series as f64);
        let groups = groups
            .into_iter()
            .enumerate()
            .map(|(index, (label, values))| {
                let left = AXIS_WIDTH + index as f64 * group_width + group_width * 0.1;
                let columns = values
                    .iter()
                    .enumerate()
                    .filter_map(|(series, value)| value.map(|value| (series, value)))
                    .map(|(series, value)| {
                        let y = y_of(value);
                        Column {
                            series,
                            x: rounded(left + series as f64 * column_width),
                            y,
                            width: column_width,
                            height: rounded(baseline - y),
                            value: rounded(value),
                        }
                    })
                    .collect();
                ColumnGroup {
                    label,
                    label_x: rounded(AXIS_WIDTH + (index as f64 + 0.5) * group_width),
                    columns,
                }
            })
            .collect();
        let divisions = divisions(top_value);
        let ticks = (0..=divisions)
            .map(|step| {
                let value = top_value * f64::from(step) / f64::from(divisions);
                Tick {
                    value: rounded(value),
                    y: y_of(value),
                }
            })
            .collect();
        Self {
            width: WIDTH,
            height: COLUMN_HEIGHT,
            axis_x: AXIS_WIDTH,
            baseline: rounded(baseline),
            ticks,
            groups,
        }
    }
}

/// The axis's top: the next of 1, 2, 5, 10, 20, 50… days at or above
/// `value`, so that the quarter ticks are round numbers.
fn round_up(value: f64) -> f64 {
    let mut top = 1.0;
    let mut steps = [2.0, 2.5, 2.0].into_iter().cycle();
    while top < value && top.is_finite() {
        top *= steps.next().unwrap_or(2.0);
    }
    top
}

/// Longer names would run off the chart's left edge.
const LABEL_CHARS: usize = 26;

fn shortened(label: &str) -> String {
    match label.chars().count() > LABEL_CHARS {
        true => label.chars().take(LABEL_CHARS - 1).chain(['…']).collect(),
        false => label.to_owned(),
    }
}

/// How many equal steps mark the axis up to `top` with round values:
/// quarters of 2, 20, 200 (0.5, 5, 50); fifths of 1, 5, 10 (0.2, 1, 2).
fn divisions(top: f64) -> u8 {
    let leading = top / 10_f64.powf(top.log10().floor());
    match (leading - 2.0).abs() < f64::EPSILON {
        true => 4,
        false => 5,
    }
}

/// To a tenth: SVG needs no more, and the page stays readable.
fn rounded(value: f64) -> f64 {
    (value * 10.0).round() / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_axis_tops_at_a_round_number_of_days() {
        assert_eq!(round_up(0.0), 1.0);
        assert_eq!(round_up(1.0), 1.0);
        assert_eq!(round_up(1.5), 2.0);
        assert_eq!(round_up(3.2), 5.0);
        assert_eq!(round_up(9.0), 10.0);
        assert_eq!(round_up(17.0), 20.0);
        assert_eq!(round_up(41.0), 50.0);
        assert_eq!(round_up(120.0), 200.0);
    }

    #[test]
    fn the_axis_is_marked_at_round_values() {
        let marks = |highest: f64| -> Vec<f64> {
            let chart = ColumnChart::new(vec![("2026-12".to_owned(), vec![Some(highest)])]);
            chart.ticks.iter().map(|tick| tick.value).collect()
        };
        assert_eq!(marks(0.7), [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]);
        assert_eq!(marks(1.5), [0.0, 0.5, 1.0, 1.5, 2.0]);
        assert_eq!(marks(4.0), [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]);
        assert_eq!(marks(9.0), [0.0, 2.0, 4.0, 6.0, 8.0, 10.0]);
        assert_eq!(marks(19.0), [0.0, 5.0, 10.0, 15.0, 20.0]);
    }

    #[test]
    fn stacked_bars_share_one_scale_and_sit_end_to_end() {
        let chart = BarChart::new(vec![
            ("Spain".to_owned(), vec![2, 0, 2]),
            ("Chile".to_owned(), vec![1, 1, 0]),
        ]);
        let spain = &chart.rows[0];
        assert_eq!(spain.total, 4);
        assert_eq!(spain.bars.len(), 2, "a stage with none draws nothing");
        assert_eq!(spain.bars[0].x, LABEL_WIDTH);
        assert_eq!(spain.bars[1].x, spain.bars[0].x + spain.bars[0].width);
        assert_eq!(spain.bars[1].series, 2);
        let full = WIDTH - LABEL_WIDTH - TOTAL_WIDTH;
        assert_eq!(spain.bars[0].width + spain.bars[1].width, full);
        let chile = &chart.rows[1];
        assert_eq!(chile.bars[0].width + chile.bars[1].width, full / 2.0);
        assert!(chile.y > spain.y);
        assert_eq!(chart.height, 2.0 * ROW_HEIGHT);
    }

    #[test]
    fn a_long_name_is_shortened_on_the_chart_only() {
        let long = "Saint Vincent and the Grenadines";
        let chart = BarChart::new(vec![(long.to_owned(), vec![1])]);
        assert_eq!(chart.rows[0].name, long);
        assert_eq!(chart.rows[0].label, "Saint Vincent and the Gre…");
        assert_eq!(chart.rows[0].label.chars().count(), LABEL_CHARS);
    }

    #[test]
    fn columns_stand_on_the_baseline_and_missing_values_draw_nothing() {
        let chart = ColumnChart::new(vec![
            ("2026-11".to_owned(), vec![Some(4.0), None, Some(1.0)]),
            ("2026-12".to_owned(), vec![Some(2.0), Some(5.0), None]),
        ]);
        assert_eq!(chart.ticks.first().map(|tick| tick.value), Some(0.0));
        assert_eq!(chart.ticks.last().map(|tick| tick.value), Some(5.0));
        let top = chart.ticks.len() - 1;
        let november = &chart.groups[0];
        assert_eq!(november.columns.len(), 2);
        for column in chart.groups.iter().flat_map(|group| &group.columns) {
            assert_eq!(column.y + column.height, chart.baseline);
        }
        let tallest = &chart.groups[1].columns[1];
        assert_eq!(tallest.series, 1);
        assert_eq!(tallest.y, chart.ticks[top].y, "the highest value reaches the top tick");
        assert!(november.columns[0].height > chart.groups[1].columns[0].height);
    }
}
