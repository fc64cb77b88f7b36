//! The roster: who may nominate on the strength of a category — ILN
//! members, IMI Certified Mediators and IMI Certified Advocates — as IMI
//! staff import it.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

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
/// the 1-based index of the element) and why, in English for staff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RosterRefusal {
    pub line: usize,
    pub reason: String,
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

/// Reads `email,name,category[,country]` with a header row whose names may
/// come in any order and any case. Blank lines, including the `,,,` rows
/// spreadsheets leave at the end, are skipped without shifting line numbers.
pub fn parse_roster_csv(text: &str) -> Result<RosterImport, RosterFormatError> {
    // Excel's “CSV UTF-8” starts with a byte order mark.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let header = reader.headers().map_err(|error| malformed(&error))?.clone();
    let columns = header_columns(&header)?;

    let mut collector = Collector::default();
    let mut lines = LineCounter::new(text, reader.position().byte() as usize);
    let mut record = csv::StringRecord::new();
    let mut rows = 0;
    while reader.read_record(&mut record).map_err(|error| malformed(&error))? {
        let line = lines.line_of_record_ending_at(reader.position().byte() as usize);
        if record.iter().all(str::is_empty) {
            continue;
        }
        rows += 1;
        if rows > RosterImport::MAX_ROWS {
            return Err(RosterFormatError::TooManyRows {
                max: RosterImport::MAX_ROWS,
            });
        }
        if record.len() > header.len() {
            collector.refuse(
                line,
                format!(
                    "this line has {} values but the header has {} columns; \
                     put a value that contains a comma in double quotes",
                    record.len(),
                    header.len()
                ),
            );
            continue;
        }
        let cell = |column: Option<usize>| Some(column.and_then(|index| record.get(index)).unwrap_or(""));
        let cells = Cells {
            email: cell(columns.email),
            name: cell(columns.name),
            category: cell(columns.category),
            country: cell(columns.country),
        };
        collector.take(line, cells, Vec::new());
    }
    Ok(collector.import)
}

/// Reads `[{"email": …, "name": …, "category": …, "country": …}, …]`;
/// `country` may be absent, null or empty. A key outside these four refuses
/// its element, as a misspelt `"contry"` would otherwise drop the value
/// silently.
pub fn parse_roster_json(text: &str) -> Result<RosterImport, RosterFormatError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let document: serde_json::Value = serde_json::from_str(text).map_err(|error| RosterFormatError::InvalidJson {
        reason: error.to_string(),
    })?;
    let serde_json::Value::Array(elements) = document else {
        return Err(RosterFormatError::NotJsonArray);
    };
    if elements.len() > RosterImport::MAX_ROWS {
        return Err(RosterFormatError::TooManyRows {
            max: RosterImport::MAX_ROWS,
        });
    }

    let mut collector = Collector::default();
    for (offset, element) in elements.iter().enumerate() {
        let line = offset + 1;
        let serde_json::Value::Object(fields) = element else {
            return Err(RosterFormatError::ElementNotObject { index: line });
        };
        let mut reasons: Vec<String> = fields
            .keys()
            .filter(|key| !COLUMNS.contains(&key.as_str()))
            .map(|key| format!("unknown field {key}"))
            .collect();
        let mut text_of = |column: &str| match fields.get(column) {
            None | Some(serde_json::Value::Null) => Some(""),
            Some(serde_json::Value::String(value)) => Some(value.as_str()),
            Some(_) => {
                reasons.push(format!("{column}: must be text in double quotes"));
                None
            }
        };
        let cells = Cells {
            email: text_of(EMAIL),
            name: text_of(NAME),
            category: text_of(CATEGORY),
            country: text_of(COUNTRY),
        };
        collector.take(line, cells, reasons);
    }
    Ok(collector.import)
}

fn malformed(error: &csv::Error) -> RosterFormatError {
    RosterFormatError::MalformedCsv {
        reason: error.to_string(),
    }
}

/// Line numbers as a text editor shows them. The csv crate's own record
/// positions point before any blank lines it skipped, so the line is
/// counted here: a record starts after the previous one's end and the line
/// breaks that follow it; CRLF, LF and a lone CR each end one line.
struct LineCounter<'a> {
    text: &'a str,
    /// Where the previous record (or the header) ended.
    end: usize,
    /// Where the previous record started, and its line.
    start: usize,
    line: usize,
}

impl<'a> LineCounter<'a> {
    fn new(text: &'a str, header_end: usize) -> Self {
        Self {
            text,
            end: header_end,
            start: 0,
            line: 1,
        }
    }

    fn line_of_record_ending_at(&mut self, end: usize) -> usize {
        let bytes = self.text.as_bytes();
        let mut start = self.end;
        while start < end && matches!(bytes[start], b'\r' | b'\n') {
            start += 1;
        }
        self.line += bytes[self.start..start]
            .iter()
            .enumerate()
            .filter(|&(index, &byte)| {
                byte == b'\n' || (byte == b'\r' && bytes.get(self.start + index + 1) != Some(&b'\n'))
            })
            .count();
        self.start = start;
        self.end = end;
        self.line
    }
}

/// Where each known column sits in a CSV row.
#[derive(Default)]
struct Columns {
    email: Option<usize>,
    name: Option<usize>,
    category: Option<usize>,
    country: Option<usize>,
}

fn header_columns(header: &csv::StringRecord) -> Result<Columns, RosterFormatError> {
    if header.iter().all(str::is_empty) {
        return Err(RosterFormatError::Empty);
    }
    if header.iter().any(|name| name.contains('@')) {
        return Err(RosterFormatError::NoHeader);
    }
    let mut columns = Columns::default();
    for (index, raw) in header.iter().enumerate() {
        let name = raw.to_lowercase();
        let slot = match name.as_str() {
            "" => return Err(RosterFormatError::UnnamedColumn { position: index + 1 }),
            EMAIL => &mut columns.email,
            NAME => &mut columns.name,
            CATEGORY => &mut columns.category,
            COUNTRY => &mut columns.country,
            _ => return Err(RosterFormatError::UnknownColumn { name: raw.to_owned() }),
        };
        if slot.replace(index).is_some() {
            return Err(RosterFormatError::DuplicateColumn { name });
        }
    }
    for (name, slot) in [
        (EMAIL, columns.email),
        (NAME, columns.name),
        (CATEGORY, columns.category),
    ] {
        if slot.is_none() {
            return Err(RosterFormatError::MissingColumn { name });
        }
    }
    Ok(columns)
}

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
    fn take(&mut self, line: usize, cells: Cells<'_>, mut reasons: Vec<String>) {
        let email = parsed(EMAIL, cells.email, EmailAddress::parse, &mut reasons);
        let name = parsed(NAME, cells.name, PersonName::parse, &mut reasons);
        let category = parsed(CATEGORY, cells.category, RosterCategory::parse, &mut reasons);
        let country = parsed(COUNTRY, cells.country, parse_country, &mut reasons);
        let (Some(email), Some(name), Some(category), Some(country), true) =
            (email, name, category, country, reasons.is_empty())
        else {
            return self.refuse(line, reasons.join("; "));
        };
        let identity = email.identity();
        if let Some(first) = self.first_lines.get(&identity) {
            return self.refuse(line, format!("duplicate of line {first}"));
        }
        self.first_lines.insert(identity, line);
        self.import.accepted.push(RosterEntry {
            email,
            name,
            category,
            country,
        });
    }

    fn refuse(&mut self, line: usize, reason: String) {
        self.import.refused.push(RosterRefusal { line, reason });
    }
}

/// One value parsed, or its reason recorded as `column: problem`.
fn parsed<T>(
    column: &str,
    value: Option<&str>,
    parse: impl Fn(&str) -> Result<T, Problem>,
    reasons: &mut Vec<String>,
) -> Option<T> {
    match parse(value?) {
        Ok(parsed) => Some(parsed),
        Err(problem) => {
            reasons.push(format!("{column}: {problem}{}", hint(column, problem)));
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

/// The form's messages speak of lists to choose from; staff writing a file
/// need the accepted values.
fn hint(column: &str, problem: Problem) -> &'static str {
    match (column, problem) {
        (CATEGORY, Problem::UnknownChoice) => " (iln_member, imi_certified_mediator or imi_certified_advocate)",
        (COUNTRY, Problem::UnknownCountry) => " (a two-letter ISO code such as ES)",
        _ => "",
    }
}

/// Where an import that stopped part-way goes on: after the first
/// `imported` accepted entries of this very document (its digest is in the
/// token, so a token cannot skip rows of another document).
pub fn resume_token(document: &[u8], imported: usize) -> String {
    format!("{imported}.{}", document_digest(document))
}

/// The number of accepted entries of `document` a resumed import skips.
pub fn resume_point(document: &[u8], token: &str) -> Result<usize, BadResumeToken> {
    let (imported, digest) = token.trim().split_once('.').ok_or(BadResumeToken::Malformed)?;
    let imported = imported.parse().map_err(|_| BadResumeToken::Malformed)?;
    match digest == document_digest(document) {
        true => Ok(imported),
        false => Err(BadResumeToken::OtherDocument),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BadResumeToken {
    #[error("resume_from is not a token this service gave out")]
    Malformed,
    #[error("resume_from belongs to another document: send the same document again, or start without it")]
    OtherDocument,
}

fn document_digest(document: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(document)
        .iter()
        .take(16)
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusals(import: &RosterImport) -> Vec<(usize, &str)> {
        import
            .refused
            .iter()
            .map(|refusal| (refusal.line, refusal.reason.as_str()))
            .collect()
    }

    fn emails(import: &RosterImport) -> Vec<&str> {
        import.accepted.iter().map(|entry| entry.email.as_str()).collect()
    }

    #[test]
    fn a_valid_csv_with_quoted_and_non_ascii_names_is_accepted() {
        let text = "email,name,category,country\n\
                    ana@example.org,\"García, Ana\",iln_member,ES\n\
                    li@example.org,李小龍,imi_certified_mediator,\n\
                    \"zoe@example.org\",\" Zoë \"\"Z\"\" Ørsted \",imi_certified_advocate,dk\n";

        let import = parse_roster_csv(text).unwrap();

        assert_eq!(refusals(&import), vec![]);
        assert_eq!(
            import.accepted,
            vec![
                RosterEntry {
                    email: EmailAddress::parse("ana@example.org").unwrap(),
                    name: PersonName::parse("García, Ana").unwrap(),
                    category: RosterCategory::IlnMember,
                    country: Some(Country::parse("ES").unwrap()),
                },
                RosterEntry {
                    email: EmailAddress::parse("li@example.org").unwrap(),
                    name: PersonName::parse("李小龍").unwrap(),
                    category: RosterCategory::ImiCertifiedMediator,
                    country: None,
                },
                RosterEntry {
                    email: EmailAddress::parse("zoe@example.org").unwrap(),
                    name: PersonName::parse("Zoë \"Z\" Ørsted").unwrap(),
                    category: RosterCategory::ImiCertifiedAdvocate,
                    country: Some(Country::parse("DK").unwrap()),
                },
            ]
        );
    }

    #[test]
    fn bad_csv_rows_are_refused_by_line_with_reasons_while_good_rows_are_accepted() {
        let long_name = "x".repeat(PersonName::MAX + 1);
        let text = format!(
            "email,name,category,country\n\
             good@example.org,Good One,iln_member,FR\n\
             ,No Address,iln_member,FR\n\
             cat@example.org,Bad Category,board_member,FR\n\
             land@example.org,Bad Country,iln_member,Atlantis\n\
             long@example.org,{long_name},iln_member,\n\
             not-an-address,,iln_member\n\
             also.good@example.org,Also Good,imi_certified_advocate\n"
        );

        let import = parse_roster_csv(&text).unwrap();

        assert_eq!(emails(&import), vec!["good@example.org", "also.good@example.org"]);
        let too_long = format!("name: {}", Problem::TooLong { max: PersonName::MAX });
        let two_problems = format!("email: {}; name: {}", Problem::InvalidEmail, Problem::Missing);
        assert_eq!(
            refusals(&import),
            vec![
                (3, format!("email: {}", Problem::Missing).as_str()),
                (
                    4,
                    format!(
                        "category: {} (iln_member, imi_certified_mediator or imi_certified_advocate)",
                        Problem::UnknownChoice
                    )
                    .as_str()
                ),
                (
                    5,
                    format!(
                        "country: {} (a two-letter ISO code such as ES)",
                        Problem::UnknownCountry
                    )
                    .as_str()
                ),
                (6, too_long.as_str()),
                (7, two_problems.as_str()),
            ]
        );
    }

    #[test]
    fn header_columns_in_another_order_and_upper_case_are_read() {
        let text = "Country , CATEGORY,Name,eMail\nPT,iln_member,Inês Sousa,ines@example.org\n";

        let import = parse_roster_csv(text).unwrap();

        assert_eq!(refusals(&import), vec![]);
        assert_eq!(import.accepted.len(), 1);
        let entry = &import.accepted[0];
        assert_eq!(entry.email.as_str(), "ines@example.org");
        assert_eq!(entry.name.as_str(), "Inês Sousa");
        assert_eq!(entry.category, RosterCategory::IlnMember);
        assert_eq!(entry.country, Some(Country::parse("PT").unwrap()));
    }

    #[test]
    fn a_header_excel_marks_with_a_byte_order_mark_is_read() {
        let import = parse_roster_csv("\u{feff}email,name,category\na@example.org,A,iln_member\n").unwrap();

        assert_eq!(emails(&import), vec!["a@example.org"]);
    }

    #[test]
    fn a_missing_or_wrong_header_is_a_format_error() {
        let cases = [
            (
                "email,category\na@example.org,iln_member\n",
                RosterFormatError::MissingColumn { name: NAME },
                "no name column",
            ),
            (
                "email,name\na@example.org,A\n",
                RosterFormatError::MissingColumn { name: CATEGORY },
                "no category column",
            ),
            (
                "emial,name,category\n",
                RosterFormatError::UnknownColumn { name: "emial".into() },
                "a typo in a column name",
            ),
            (
                "email,name,category,Email\n",
                RosterFormatError::DuplicateColumn { name: "email".into() },
                "a column twice",
            ),
            (
                "email,name,category,\n",
                RosterFormatError::UnnamedColumn { position: 4 },
                "a trailing comma in the header",
            ),
            (
                "a@example.org,A,iln_member\n",
                RosterFormatError::NoHeader,
                "a data row where the header belongs",
            ),
            ("", RosterFormatError::Empty, "an empty file"),
            ("\n\n", RosterFormatError::Empty, "only blank lines"),
        ];

        for (text, expected, case) in cases {
            assert_eq!(parse_roster_csv(text), Err(expected), "{case}");
        }
    }

    #[test]
    fn a_repeated_email_is_refused_naming_the_line_it_first_appeared_on() {
        let text = "email,name,category\n\
                    ana@example.org,Ana,iln_member\n\
                    bo@example.org,Bo,iln_member\n\
                    ANA@Example.org,Ana Again,imi_certified_mediator\n";

        let import = parse_roster_csv(text).unwrap();

        assert_eq!(emails(&import), vec!["ana@example.org", "bo@example.org"]);
        assert_eq!(refusals(&import), vec![(4, "duplicate of line 2")]);
    }

    #[test]
    fn a_corrected_row_after_a_refused_one_is_not_a_duplicate() {
        let text = "email,name,category\nana@example.org,Ana,member\nana@example.org,Ana,iln_member\n";

        let import = parse_roster_csv(text).unwrap();

        assert_eq!(emails(&import), vec!["ana@example.org"]);
        assert_eq!(import.refused.iter().map(|r| r.line).collect::<Vec<_>>(), vec![2]);
    }

    #[test]
    fn blank_lines_are_skipped_without_shifting_line_numbers() {
        let text = "\n\
                    email,name,category,country\n\
                    \n\
                    a@example.org,A,iln_member,ES\n\
                    \x20\x20\n\
                    ,,,\n\
                    b@example.org,\"B\nsecond line\",iln_member,ES\n\
                    bad,C,iln_member,ES\n\
                    \r\n\
                    d@example.org,D,nope,ES\n\
                    \n";

        let import = parse_roster_csv(text).unwrap();

        assert_eq!(emails(&import), vec!["a@example.org"]);
        let lines: Vec<usize> = import.refused.iter().map(|refusal| refusal.line).collect();
        // Line 7 holds a name with a line break, which the name refuses.
        assert_eq!(lines, vec![7, 9, 11]);
    }

    #[test]
    fn a_windows_file_with_crlf_and_blank_lines_keeps_line_numbers() {
        let text = "\r\nemail,name,category\r\n\r\na@example.org,A,iln_member\r\n\r\n\r\nbad,B,iln_member\r\n\r\nc@example.org,C,x";

        let import = parse_roster_csv(text).unwrap();

        assert_eq!(emails(&import), vec!["a@example.org"]);
        let lines: Vec<usize> = import.refused.iter().map(|refusal| refusal.line).collect();
        assert_eq!(lines, vec![7, 9]);
    }

    #[test]
    fn a_row_with_more_values_than_columns_is_refused_alone() {
        let text = "email,name,category\nana@example.org,García, Ana,iln_member\nbo@example.org,Bo,iln_member\n";

        let import = parse_roster_csv(text).unwrap();

        assert_eq!(emails(&import), vec!["bo@example.org"]);
        assert_eq!(import.refused.len(), 1);
        assert_eq!(import.refused[0].line, 2);
        assert!(
            import.refused[0].reason.contains("double quotes"),
            "{:?}",
            import.refused
        );
    }

    #[test]
    fn a_row_with_fewer_values_than_columns_names_the_missing_ones() {
        let import = parse_roster_csv("email,name,category,country\nana@example.org,Ana\n").unwrap();

        assert_eq!(
            refusals(&import),
            vec![(2, format!("category: {}", Problem::Missing).as_str())]
        );
    }

    #[test]
    fn more_rows_than_the_limit_are_a_format_error() {
        let mut text = String::from("email,name,category\n");
        for row in 0..=RosterImport::MAX_ROWS {
            text.push_str(&format!("p{row}@example.org,P,iln_member\n"));
        }
        let elements = vec![serde_json::json!({}); RosterImport::MAX_ROWS + 1];
        let too_many = RosterFormatError::TooManyRows {
            max: RosterImport::MAX_ROWS,
        };

        assert_eq!(parse_roster_csv(&text), Err(too_many.clone()));
        assert_eq!(
            parse_roster_json(&serde_json::Value::Array(elements).to_string()),
            Err(too_many)
        );
    }

    #[test]
    fn a_valid_json_roster_with_non_ascii_names_is_accepted() {
        let text = r#"[
            {"email": "ana@example.org", "name": "García, Ana", "category": "iln_member", "country": "ES"},
            {"email": "li@example.org", "name": "李小龍", "category": "imi_certified_mediator"},
            {"email": "zoe@example.org", "name": " Zoë Ørsted ", "category": "imi_certified_advocate", "country": null},
            {"email": "om@example.org", "name": "Ömer", "category": "iln_member", "country": ""}
        ]"#;

        let import = parse_roster_json(text).unwrap();

        assert_eq!(refusals(&import), vec![]);
        let names: Vec<&str> = import.accepted.iter().map(|entry| entry.name.as_str()).collect();
        assert_eq!(names, vec!["García, Ana", "李小龍", "Zoë Ørsted", "Ömer"]);
        let countries: Vec<Option<&str>> = import
            .accepted
            .iter()
            .map(|entry| entry.country.map(|c| c.alpha2()))
            .collect();
        assert_eq!(countries, vec![Some("ES"), None, None, None]);
    }

    #[test]
    fn bad_json_elements_are_refused_by_index_while_good_ones_are_accepted() {
        let long_name = "x".repeat(PersonName::MAX + 1);
        let text = serde_json::json!([
            {"email": "good@example.org", "name": "Good", "category": "iln_member"},
            {"name": "No Address", "category": "iln_member"},
            {"email": "cat@example.org", "name": "Cat", "category": "board_member"},
            {"email": "land@example.org", "name": "Land", "category": "iln_member", "country": "XX"},
            {"email": "long@example.org", "name": long_name, "category": "iln_member"},
            {"email": "typo@example.org", "name": "Typo", "category": "iln_member", "contry": "ES"},
            {"email": "num@example.org", "name": 42, "category": "iln_member"},
            {"email": "GOOD@example.org", "name": "Good Again", "category": "iln_member"},
        ])
        .to_string();

        let import = parse_roster_json(&text).unwrap();

        assert_eq!(emails(&import), vec!["good@example.org"]);
        let lines: Vec<usize> = import.refused.iter().map(|refusal| refusal.line).collect();
        assert_eq!(lines, vec![2, 3, 4, 5, 6, 7, 8]);
        let reasons: Vec<&str> = import.refused.iter().map(|refusal| refusal.reason.as_str()).collect();
        assert_eq!(reasons[0], format!("email: {}", Problem::Missing));
        assert!(reasons[1].starts_with("category: "), "{}", reasons[1]);
        assert!(reasons[2].starts_with("country: "), "{}", reasons[2]);
        assert_eq!(
            reasons[3],
            format!("name: {}", Problem::TooLong { max: PersonName::MAX })
        );
        assert_eq!(reasons[4], "unknown field contry");
        assert_eq!(reasons[5], "name: must be text in double quotes");
        assert_eq!(reasons[6], "duplicate of line 1");
    }

    #[test]
    fn a_json_document_that_is_not_an_array_of_objects_is_a_format_error() {
        assert_eq!(
            parse_roster_json(r#"{"email": "a@example.org"}"#),
            Err(RosterFormatError::NotJsonArray)
        );
        assert_eq!(
            parse_roster_json(r#"[{"email": "a@example.org", "name": "A", "category": "iln_member"}, "b"]"#),
            Err(RosterFormatError::ElementNotObject { index: 2 })
        );
        assert!(matches!(
            parse_roster_json("[{"),
            Err(RosterFormatError::InvalidJson { .. })
        ));
        assert!(matches!(
            parse_roster_json(""),
            Err(RosterFormatError::InvalidJson { .. })
        ));
    }

    #[test]
    fn a_body_that_is_not_utf8_is_a_format_error() {
        let latin1 = b"email,name,category\nj@example.org,Jos\xe9,iln_member\n";

        assert_eq!(roster_text(latin1), Err(RosterFormatError::NotUtf8 { valid_up_to: 37 }));
        assert_eq!(roster_text(b"email,name,category\n"), Ok("email,name,category\n"));
    }

    #[test]
    fn a_resume_token_works_only_for_its_own_document() {
        let document = b"email,name,category\na@example.org,A,iln_member\n";
        let token = resume_token(document, 1);
        assert_eq!(resume_point(document, &token), Ok(1));
        assert_eq!(
            resume_point(b"email,name,category\n", &token),
            Err(BadResumeToken::OtherDocument)
        );
        assert_eq!(resume_point(document, "nonsense"), Err(BadResumeToken::Malformed));
    }

    #[test]
    fn format_errors_read_as_sentences_for_staff() {
        let message = RosterFormatError::MissingColumn { name: CATEGORY }.to_string();

        assert_eq!(
            message,
            "The header has no “category” column. The columns are email, name, category and optionally country."
        );
    }
}
