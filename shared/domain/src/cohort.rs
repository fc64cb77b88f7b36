//! A cohort of direct invitations from a CSV file (the first round: the
//! Board Emeriti, the Iberoamerican component): read, shown line by line
//! for review, then sent. Each line is one `DirectInvitationForm`.

use crate::intake::Problem;
use crate::membership::DirectInvitationForm;
use crate::person::EmailAddress;

/// The columns, in any order; `region` may be left out.
pub const COLUMNS: [&str; 7] = ["name", "email", "country", "region", "language", "role", "reason"];
const REQUIRED: [&str; 6] = ["name", "email", "country", "language", "role", "reason"];
/// More than a first round needs, few enough to send in one request.
pub const MAX_LINES: usize = 300;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CohortFormatError {
    #[error("the file is not UTF-8 text; save it as “CSV UTF-8”")]
    NotUtf8,
    #[error("the file has no lines")]
    Empty,
    #[error(
        "the header lacks the column {0}; the columns are name, email, country, language, role, reason and optionally region"
    )]
    MissingColumn(&'static str),
    #[error(
        "the header names the column {0:?}, which is not one of name, email, country, region, language, role, reason"
    )]
    UnknownColumn(String),
    #[error("the file has {0} lines; send at most {MAX_LINES} at a time")]
    TooMany(usize),
    #[error("line {0} is not well-formed CSV")]
    Malformed(usize),
}

/// One line of the file and what is wrong with it, if anything.
#[derive(Debug, Clone)]
pub struct CohortLine {
    /// The line number in the file (the header is line 1).
    pub line: usize,
    pub form: DirectInvitationForm,
    pub problem: Option<LineProblem>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineProblem {
    Field(&'static str, Problem),
    /// The address is on an earlier line of the same file.
    Repeated {
        first_line: usize,
    },
}

/// `forms` written as a cohort file, so that one person invited from the
/// console's form is reviewed and sent exactly as a file's line is.
pub fn file_of(forms: &[DirectInvitationForm]) -> Vec<u8> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let rows = std::iter::once(COLUMNS.map(str::to_owned)).chain(forms.iter().map(|form| {
        [
            form.name.clone(),
            form.email.clone(),
            form.country.clone(),
            form.region.clone().unwrap_or_default(),
            form.language.clone(),
            form.role.clone(),
            form.reason.clone(),
        ]
    }));
    for row in rows {
        // Writing to memory cannot fail.
        let _ = writer.write_record(&row);
    }
    writer.into_inner().unwrap_or_default()
}

/// The lines of a cohort file, each checked as a direct invitation by
/// `author` would be.
pub fn read(bytes: &[u8], author: &EmailAddress) -> Result<Vec<CohortLine>, CohortFormatError> {
    let text = std::str::from_utf8(bytes).map_err(|_| CohortFormatError::NotUtf8)?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let header = reader.headers().map_err(|_| CohortFormatError::Malformed(1))?.clone();
    if header.iter().all(str::is_empty) {
        return Err(CohortFormatError::Empty);
    }
    let columns: Vec<String> = header.iter().map(str::to_ascii_lowercase).collect();
    if let Some(unknown) = columns.iter().find(|column| !COLUMNS.contains(&column.as_str())) {
        return Err(CohortFormatError::UnknownColumn(unknown.clone()));
    }
    if let Some(missing) = REQUIRED.iter().find(|required| !columns.iter().any(|c| c == *required)) {
        return Err(CohortFormatError::MissingColumn(missing));
    }
    let mut lines = Vec::new();
    let mut seen: Vec<(String, usize)> = Vec::new();
    for (index, record) in reader.records().enumerate() {
        let line = index + 2;
        let record = record.map_err(|_| CohortFormatError::Malformed(line))?;
        if record.iter().all(str::is_empty) {
            continue;
        }
        let value = |name: &str| {
            columns
                .iter()
                .position(|column| column == name)
                .and_then(|at| record.get(at))
                .unwrap_or_default()
                .to_owned()
        };
        let form = DirectInvitationForm {
            name: value("name"),
            email: value("email"),
            country: value("country"),
            region: Some(value("region")).filter(|region| !region.is_empty()),
            language: value("language"),
            role: value("role"),
            reason: value("reason"),
        };
        let problem = match form.parse(author) {
            Err((field, problem)) => Some(LineProblem::Field(field, problem)),
            Ok(submission) => {
                let identity = submission.nominee.email.identity();
                match seen.iter().find(|(seen, _)| *seen == identity) {
                    Some((_, first_line)) => Some(LineProblem::Repeated {
                        first_line: *first_line,
                    }),
                    None => {
                        seen.push((identity, line));
                        None
                    }
                }
            }
        };
        lines.push(CohortLine { line, form, problem });
    }
    match lines.len() {
        0 => Err(CohortFormatError::Empty),
        count if count > MAX_LINES => Err(CohortFormatError::TooMany(count)),
        _ => Ok(lines),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn author() -> EmailAddress {
        EmailAddress::parse("admin@imi.org").unwrap()
    }

    #[test]
    fn one_person_from_the_form_reads_back_as_a_file_of_one_line() {
        let form = DirectInvitationForm {
            name: "Ana María \"Anita\" Ruiz".to_owned(),
            email: "ana@example.org".to_owned(),
            country: "ES".to_owned(),
            region: None,
            language: "es".to_owned(),
            role: "board_emeritus".to_owned(),
            reason: "IMI Board Emeritus, first round; founder, 2004".to_owned(),
        };
        let lines = read(&file_of(std::slice::from_ref(&form)), &author()).unwrap();
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].form, form, "commas and quotes survive");
        assert_eq!(lines[0].problem, None);
    }

    const HEADER: &str = "name,email,country,language,role,reason\n";

    #[test]
    fn each_line_is_a_direct_invitation_checked_as_one() {
        let file = format!(
            "{HEADER}Ana Board,ana@example.org,ES,es,board_emeritus,IMI Board Emerita\n\
             Bad Country,bad@example.org,Narnia,en,mediator,First round\n\
             Ana Again,ANA@example.org,ES,es,mediator,Same person\n"
        );
        let lines = read(file.as_bytes(), &author()).unwrap();
        assert_eq!(lines.len(), 3);
        assert_eq!((lines[0].line, lines[0].problem), (2, None));
        assert!(matches!(lines[1].problem, Some(LineProblem::Field("country", _))));
        assert_eq!(lines[2].problem, Some(LineProblem::Repeated { first_line: 2 }));
    }

    #[test]
    fn columns_come_in_any_order_with_a_bom_and_region_optional() {
        let file = "\u{feff}Email,Name,Role,Reason,Language,Country,Region\nluis@example.org,Luis,advocate,Iberoamerican component,es,MX,Jalisco\n";
        let lines = read(file.as_bytes(), &author()).unwrap();
        assert_eq!(lines[0].problem, None);
        assert_eq!(lines[0].form.region.as_deref(), Some("Jalisco"));
    }

    #[test]
    fn a_file_that_is_not_a_cohort_is_refused_whole() {
        assert_eq!(read(b"", &author()).unwrap_err(), CohortFormatError::Empty);
        assert_eq!(
            read(HEADER.as_bytes(), &author()).unwrap_err(),
            CohortFormatError::Empty
        );
        assert_eq!(
            read(b"name,email,country,language,role\n", &author()).unwrap_err(),
            CohortFormatError::MissingColumn("reason")
        );
        assert!(matches!(
            read(b"name,email,country,language,role,reason,age\n", &author()).unwrap_err(),
            CohortFormatError::UnknownColumn(column) if column == "age"
        ));
        assert_eq!(read(&[0xff, 0xfe], &author()).unwrap_err(), CohortFormatError::NotUtf8);
        let many: String = (0..=MAX_LINES)
            .map(|i| format!("P{i},p{i}@example.org,ES,es,mediator,r\n"))
            .collect();
        assert_eq!(
            read(format!("{HEADER}{many}").as_bytes(), &author()).unwrap_err(),
            CohortFormatError::TooMany(MAX_LINES + 1)
        );
    }
}
