//! The roster: who may nominate on the strength of a category — ILN
//! members, IMI Certified Mediators and IMI Certified Advocates — as IMI
//! staff import it.

mod from_csv;
mod from_json;
mod resume;

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

pub use from_csv::parse_roster_csv;
pub use from_json::parse_roster_json;
pub use resume::{BadResumeToken, resume_point, resume_token};

use crate::i18n::Language;
use crate::intake::Problem;
use crate::nomination::Country;
use crate::person::{EmailAddress, PersonName};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RosterCategory {
    IlnMember,
    ImiCertifiedMediator,
    ImiCertifiedAdvocate,
}

impl RosterCategory {
    pub const ALL: [Self; 3] = [Self::IlnMember, Self::ImiCertifiedMediator, Self::ImiCertifiedAdvocate];

    pub fn parse(raw: &str) -> Result<Self, Problem> {
        match raw.trim() {
            "" => Err(Problem::Missing),
            "iln_member" => Ok(Self::IlnMember),
            "imi_certified_mediator" => Ok(Self::ImiCertifiedMediator),
            "imi_certified_advocate" => Ok(Self::ImiCertifiedAdvocate),
            _ => Err(Problem::UnknownChoice),
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Self::IlnMember => "iln_member",
            Self::ImiCertifiedMediator => "imi_certified_mediator",
            Self::ImiCertifiedAdvocate => "imi_certified_advocate",
        }
    }
}

/// One person on the roster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RosterEntry {
    pub email: EmailAddress,
    pub name: PersonName,
    pub category: RosterCategory,
    pub country: Option<Country>,
}

/// One refused row: its line number (the header is line 1 in CSV; in JSON
/// the 1-based index of the element) and why: in English for the API, in
/// the reader's language for the console (`reason_in`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RosterRefusal {
    pub line: usize,
    pub reason: String,
    #[serde(skip)]
    pub problems: Vec<RowProblem>,
}

impl RosterRefusal {
    pub fn reason_in(&self, language: Language) -> String {
        let reasons: Vec<String> = self.problems.iter().map(|problem| problem.message(language)).collect();
        reasons.join("; ")
    }
}

/// One thing wrong with a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowProblem {
    /// A value refused for its column.
    Value { column: &'static str, problem: Problem },
    /// A JSON value that is not a string.
    NotText { column: &'static str },
    /// A JSON key outside the four columns.
    UnknownField { name: String },
    /// The same address as an earlier accepted row.
    Duplicate { first_line: usize },
    /// More values than the header has columns (an unquoted comma).
    TooManyValues { values: usize, columns: usize },
}

impl RowProblem {
    pub fn message(&self, language: Language) -> String {
        let text = |key: &str| language.text(&format!("console.roster.reasons.{key}"));
        match self {
            Self::Value { column, problem } => {
                // Staff writing a file need the accepted values, not the
                // form's "choose from the list".
                let hint = match (*column, problem) {
                    (CATEGORY, Problem::UnknownChoice) => text("category_hint"),
                    (COUNTRY, Problem::UnknownCountry) => text("country_hint"),
                    _ => String::new(),
                };
                format!("{column}: {}{hint}", problem.message(language))
            }
            Self::NotText { column } => text("not_text").replace("{column}", column),
            Self::UnknownField { name } => text("unknown_field").replace("{name}", name),
            Self::Duplicate { first_line } => text("duplicate").replace("{line}", &first_line.to_string()),
            Self::TooManyValues { values, columns } => text("too_many_values")
                .replace("{values}", &values.to_string())
                .replace("{columns}", &columns.to_string()),
        }
    }
}

impl std::fmt::Display for RowProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message(Language::En))
    }
}

/// What an import yields: the rows to store and the rows refused. A bad row
/// refuses only itself.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct RosterImport {
    pub accepted: Vec<RosterEntry>,
    pub refused: Vec<RosterRefusal>,
}

impl RosterImport {
    /// Data rows accepted in one document; more is refused whole rather
    /// than cut short, so a roster is never imported half way.
    pub const MAX_ROWS: usize = 10_000;
    /// The largest document read, by the API and the console alike: a
    /// roster of `MAX_ROWS` people is well under this.
    pub const MAX_BYTES: usize = 2 * 1024 * 1024;
}

/// The whole document is unusable; nothing in it is imported.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RosterFormatError {
    #[error("The file is not UTF-8 text (the first bad byte is at offset {valid_up_to}). Save it as “CSV UTF-8”.")]
    NotUtf8 { valid_up_to: usize },
    #[error("The file is empty. Its first line must be the header: email,name,category and optionally country.")]
    Empty,
    #[error(
        "The first line is a data row, not the header. Add the header line: email,name,category and optionally country."
    )]
    NoHeader,
    #[error(
        "Column {position} of the header has no name. The columns are email, name, category and optionally country."
    )]
    UnnamedColumn { position: usize },
    #[error("Unknown column “{name}” in the header. The columns are email, name, category and optionally country.")]
    UnknownColumn { name: String },
    #[error("The column “{name}” appears twice in the header.")]
    DuplicateColumn { name: String },
    #[error("The header has no “{name}” column. The columns are email, name, category and optionally country.")]
    MissingColumn { name: &'static str },
    #[error("The CSV cannot be read: {reason}.")]
    MalformedCsv { reason: String },
    #[error("This is not valid JSON: {reason}.")]
    InvalidJson { reason: String },
    #[error(
        "The roster must be a JSON array of objects, such as \
         [{{\"email\": \"…\", \"name\": \"…\", \"category\": \"iln_member\", \"country\": \"ES\"}}]."
    )]
    NotJsonArray,
    #[error("Element {index} of the array is not an object with email, name, category and optionally country.")]
    ElementNotObject { index: usize },
    #[error("The roster has more than {max} rows; one import accepts at most {max}.")]
    TooManyRows { max: usize },
}

/// The request body as text: a roster must be UTF-8 (spreadsheets offer
/// “CSV UTF-8”; the legacy code pages would corrupt accented names).
pub fn roster_text(body: &[u8]) -> Result<&str, RosterFormatError> {
    std::str::from_utf8(body).map_err(|error| RosterFormatError::NotUtf8 {
        valid_up_to: error.valid_up_to(),
    })
}

const EMAIL: &str = "email";
const NAME: &str = "name";
const CATEGORY: &str = "category";
const COUNTRY: &str = "country";
const COLUMNS: [&str; 4] = [EMAIL, NAME, CATEGORY, COUNTRY];

/// The raw values of one row; `None` where the value was already refused
/// for its form (a JSON number where text belongs).
struct Cells<'a> {
    email: Option<&'a str>,
    name: Option<&'a str>,
    category: Option<&'a str>,
    country: Option<&'a str>,
}

#[derive(Default)]
struct Collector {
    import: RosterImport,
    /// The line of each accepted address, by identity. Only accepted rows
    /// count: a later, corrected row for a refused one is not a duplicate.
    first_lines: HashMap<String, usize>,
}

impl Collector {
    fn take(&mut self, line: usize, cells: Cells<'_>, mut reasons: Vec<RowProblem>) {
        let email = parsed(EMAIL, cells.email, EmailAddress::parse, &mut reasons);
        let name = parsed(NAME, cells.name, PersonName::parse, &mut reasons);
        let category = parsed(CATEGORY, cells.category, RosterCategory::parse, &mut reasons);
        let country = parsed(COUNTRY, cells.country, parse_country, &mut reasons);
        let (Some(email), Some(name), Some(category), Some(country), true) =
            (email, name, category, country, reasons.is_empty())
        else {
            return self.refuse(line, reasons);
        };
        let identity = email.identity();
        if let Some(first) = self.first_lines.get(&identity) {
            return self.refuse(line, vec![RowProblem::Duplicate { first_line: *first }]);
        }
        self.first_lines.insert(identity, line);
        self.import.accepted.push(RosterEntry {
            email,
            name,
            category,
            country,
        });
    }

    fn refuse(&mut self, line: usize, problems: Vec<RowProblem>) {
        let reasons: Vec<String> = problems.iter().map(RowProblem::to_string).collect();
        self.import.refused.push(RosterRefusal {
            line,
            reason: reasons.join("; "),
            problems,
        });
    }
}

/// One value parsed, or its problem recorded.
fn parsed<T>(
    column: &'static str,
    value: Option<&str>,
    parse: impl Fn(&str) -> Result<T, Problem>,
    reasons: &mut Vec<RowProblem>,
) -> Option<T> {
    match parse(value?) {
        Ok(parsed) => Some(parsed),
        Err(problem) => {
            reasons.push(RowProblem::Value { column, problem });
            None
        }
    }
}

fn parse_country(raw: &str) -> Result<Option<Country>, Problem> {
    if raw.trim().is_empty() {
        Ok(None)
    } else {
        Country::parse(raw).map(Some)
    }
}

#[cfg(test)]
mod tests;
