//! Reading a roster from a CSV file as spreadsheets save it.

use super::{CATEGORY, COUNTRY, Cells, Collector, EMAIL, NAME, RosterFormatError, RosterImport, RowProblem};

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
                vec![RowProblem::TooManyValues {
                    values: record.len(),
                    columns: header.len(),
                }],
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
