//! Coverage: where the ILN has leaders, where nominations wait, and how long
//! each decision takes from submission. What IMI staff watch on the
//! console's coverage page; counted and charted here, read by the store.

mod charts;

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Datelike, Duration, Months, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

pub use charts::{Bar, BarChart, BarRow, Column, ColumnChart, ColumnGroup, Tick};

use crate::lifecycle::Status;
use crate::nomination::Country;
use crate::person::PersonName;
use crate::step::Step;

/// Who decides, at each of the three points where a person decides about a
/// nomination.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DecisionKind {
    /// A vetter approves or rejects.
    Vetting,
    /// The ILN confirms or declines.
    Iln,
    /// The nominee accepts or declines the invitation.
    Nominee,
}

impl DecisionKind {
    pub const ALL: [Self; 3] = [Self::Vetting, Self::Iln, Self::Nominee];

    pub fn code(self) -> &'static str {
        match self {
            Self::Vetting => "vetting",
            Self::Iln => "iln",
            Self::Nominee => "nominee",
        }
    }

    /// The decision a move is, judged by where it leads: an approval
    /// subject to consent is the vetters' decision, the window ending
    /// unconfirmed or a withdrawal is nobody's.
    fn of_move(from: Status, to: Status) -> Option<Self> {
        use Status as S;
        match (from, to) {
            (S::AwaitingVetting, S::InDiscussion | S::AwaitingConsent | S::Rejected) => Some(Self::Vetting),
            (S::InDiscussion, S::Confirmed | S::Declined) => Some(Self::Iln),
            (S::Invited, S::Member | S::InvitationDeclined) => Some(Self::Nominee),
            _ => None,
        }
    }
}

/// One decision, timed. Nothing in it says whose nomination it was: the
/// log is statistics, not a record about a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    pub kind: DecisionKind,
    pub submitted_at: DateTime<Utc>,
    pub decided_at: DateTime<Utc>,
}

impl Decision {
    /// The decision `step` takes, if it takes one.
    pub fn of_step(step: &Step) -> Option<Self> {
        Some(Self {
            kind: DecisionKind::of_move(step.nomination.status, step.to)?,
            submitted_at: step.nomination.submitted_at,
            decided_at: step.at,
        })
    }

    pub fn waited(&self) -> Duration {
        self.decided_at - self.submitted_at
    }

    /// When the log may forget it: after the months the page shows, and a
    /// month's margin.
    pub fn forgotten_at(&self) -> DateTime<Utc> {
        self.decided_at + Duration::days(DECISIONS_KEPT_DAYS)
    }
}

/// The months of decisions the page shows, this one included.
pub const MONTHS_SHOWN: u32 = 12;
const DECISIONS_KEPT_DAYS: i64 = 400;

/// A calendar month (UTC): where the log files a decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month(NaiveDate);

impl Month {
    pub fn of(at: DateTime<Utc>) -> Self {
        let date = at.date_naive();
        Self(date.with_day(1).unwrap_or(date))
    }

    /// `2026-12`.
    pub fn code(self) -> String {
        self.0.format("%Y-%m").to_string()
    }

    fn month_number(self) -> u32 {
        self.0.month()
    }

    pub fn year(self) -> i32 {
        self.0.year()
    }

    /// Its first instant.
    pub fn start(self) -> DateTime<Utc> {
        self.0.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()
    }

    /// The `MONTHS_SHOWN` months up to `now`'s, oldest first.
    pub fn shown(now: DateTime<Utc>) -> Vec<Self> {
        let this = Self::of(now);
        (0..MONTHS_SHOWN)
            .rev()
            .filter_map(|back| this.0.checked_sub_months(Months::new(back)).map(Self))
            .collect()
    }
}

/// The open stages a country's nominations are counted in. An unverified
/// submission is nobody's yet and is not counted.
pub const OPEN_STAGES: [Status; 5] = [
    Status::AwaitingVetting,
    Status::AwaitingConsent,
    Status::InDiscussion,
    Status::Confirmed,
    Status::Invited,
];

/// One country's leaders and open nominations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountryCoverage {
    pub country: Country,
    /// ILN members there, from the roster and from the members' records.
    pub leaders: Vec<PersonName>,
    /// Open nominations there, by stage, in the order of `OPEN_STAGES`.
    pub open: [usize; OPEN_STAGES.len()],
}

impl CountryCoverage {
    fn new(country: Country) -> Self {
        Self {
            country,
            leaders: Vec::new(),
            open: [0; OPEN_STAGES.len()],
        }
    }

    /// Counts an open nomination at `status`; other statuses are not open
    /// stages and count nowhere.
    fn count_open(&mut self, status: Status) {
        if let Some(stage) = OPEN_STAGES.iter().position(|stage| *stage == status) {
            self.open[stage] += 1;
        }
    }

    pub fn open_total(&self) -> usize {
        self.open.iter().sum()
    }
}

/// What the store found: each open nomination's country and stage, and
/// each leader's country and name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Found {
    pub open: Vec<(Country, Status)>,
    pub leaders: Vec<(Country, PersonName)>,
    pub decisions: Vec<Decision>,
}

/// The median wait of one kind of decision, over some decisions.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MedianWait {
    pub kind: DecisionKind,
    /// Decisions it is the median of.
    pub decisions: usize,
    /// In days; `None` when there were none.
    pub days: Option<f64>,
}

/// The decisions of one month, by kind.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MonthOfDecisions {
    pub month: String,
    pub month_number: u32,
    pub waits: Vec<MedianWait>,
}

/// The whole page: countries, the uncovered ones and decision times.
#[derive(Debug, Clone, PartialEq)]
pub struct CoverageReport {
    /// Countries with a leader or an open nomination: most open first.
    pub countries: Vec<CountryCoverage>,
    /// Countries with open nominations and nobody to lead there.
    pub open_without_leader: Vec<Country>,
    /// Every country without a leader, by name.
    pub without_leader: Vec<Country>,
    /// Over all the months shown.
    pub waits: Vec<MedianWait>,
    pub months: Vec<MonthOfDecisions>,
}

impl CoverageReport {
    /// The page for what the store `found`, on the months up to `now`.
    pub fn new(found: Found, now: DateTime<Utc>) -> Self {
        let mut by_country: HashMap<Country, CountryCoverage> = HashMap::new();
        for (country, status) in found.open {
            by_country
                .entry(country)
                .or_insert_with(|| CountryCoverage::new(country))
                .count_open(status);
        }
        for (country, name) in found.leaders {
            by_country
                .entry(country)
                .or_insert_with(|| CountryCoverage::new(country))
                .leaders
                .push(name);
        }
        let countries: Vec<CountryCoverage> = by_country.into_values().collect();
        let decisions = found.decisions;
        let led: HashSet<Country> = countries
            .iter()
            .filter(|coverage| !coverage.leaders.is_empty())
            .map(|coverage| coverage.country)
            .collect();
        let without_leader = Country::all()
            .into_iter()
            .filter(|country| !led.contains(country))
            .collect();
        let mut countries: Vec<CountryCoverage> = countries
            .into_iter()
            .filter(|coverage| !coverage.leaders.is_empty() || coverage.open_total() > 0)
            .map(|mut coverage| {
                coverage.leaders.sort_by(|a, b| a.as_str().cmp(b.as_str()));
                coverage.leaders.dedup();
                coverage
            })
            .collect();
        countries.sort_by(|a, b| {
            b.open_total()
                .cmp(&a.open_total())
                .then_with(|| a.country.name().cmp(b.country.name()))
        });
        let open_without_leader = countries
            .iter()
            .filter(|coverage| coverage.leaders.is_empty())
            .map(|coverage| coverage.country)
            .collect();
        let shown = Month::shown(now);
        let in_months: Vec<&Decision> = decisions
            .iter()
            .filter(|decision| {
                shown
                    .first()
                    .is_some_and(|first| Month::of(decision.decided_at) >= *first)
            })
            .collect();
        let months = shown
            .iter()
            .map(|month| MonthOfDecisions {
                month: month.code(),
                month_number: month.month_number(),
                waits: median_waits(in_months.iter().filter(|d| Month::of(d.decided_at) == *month).copied()),
            })
            .collect();
        Self {
            countries,
            open_without_leader,
            without_leader,
            waits: median_waits(in_months.iter().copied()),
            months,
        }
    }

    /// Open nominations by country, stacked by stage: the countries with
    /// any, most first.
    pub fn open_chart(&self) -> BarChart {
        BarChart::new(
            self.countries
                .iter()
                .filter(|coverage| coverage.open_total() > 0)
                .map(|coverage| (coverage.country.name().to_owned(), coverage.open.to_vec()))
                .collect(),
        )
    }

    /// Median days to each decision, month by month.
    pub fn waits_chart(&self) -> ColumnChart {
        ColumnChart::new(
            self.months
                .iter()
                .map(|month| (month.month.clone(), month.waits.iter().map(|wait| wait.days).collect()))
                .collect(),
        )
    }
}

/// Days to one decimal, as `language` writes a decimal.
pub fn days_text(days: f64, language: crate::Language) -> String {
    let text = format!("{days:.1}");
    match language {
        crate::Language::En => text,
        crate::Language::Es => text.replace('.', ","),
    }
}

fn median_waits<'a>(decisions: impl Iterator<Item = &'a Decision>) -> Vec<MedianWait> {
    let mut by_kind: BTreeMap<DecisionKind, Vec<f64>> = BTreeMap::new();
    for decision in decisions {
        let days = decision.waited().num_seconds() as f64 / 86_400.0;
        by_kind.entry(decision.kind).or_default().push(days);
    }
    DecisionKind::ALL
        .iter()
        .map(|kind| {
            let mut days = by_kind.remove(kind).unwrap_or_default();
            MedianWait {
                kind: *kind,
                decisions: days.len(),
                days: median(&mut days),
            }
        })
        .collect()
}

fn median(values: &mut [f64]) -> Option<f64> {
    values.sort_by(f64::total_cmp);
    let middle = values.len() / 2;
    match values.len() {
        0 => None,
        n if n % 2 == 1 => Some(values[middle]),
        _ => Some((values[middle - 1] + values[middle]) / 2.0),
    }
}

#[cfg(test)]
mod tests;
