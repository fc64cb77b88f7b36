//! The members directory as IMI staff download it.

use crate::membership::Member;

/// The CSV's columns, in order.
const COLUMNS: [&str; 10] = [
    "id",
    "title",
    "name",
    "email",
    "country",
    "region",
    "role",
    "languages",
    "since",
    "status",
];

/// A CSV cell a spreadsheet will not run: a cell that starts like a formula
/// is quoted as text.
fn cell(text: &str) -> String {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}"),
        _ => text.to_owned(),
    }
}

/// Every member as one CSV row under a header. Fails only if writing to
/// memory does.
pub fn members_csv(members: &[Member]) -> Result<String, csv::Error> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(COLUMNS)?;
    for member in members {
        let languages: Vec<&str> = member.languages.iter().map(|l| l.code()).collect();
        writer.write_record([
            member.id.to_string(),
            cell(&member.title),
            cell(member.name.as_str()),
            cell(member.email.as_str()),
            member.country.alpha2().to_owned(),
            cell(member.region.as_ref().map(|r| r.as_str()).unwrap_or_default()),
            member.role.code().to_owned(),
            languages.join(" "),
            member.since.to_rfc3339(),
            member.status.code().to_owned(),
        ])?;
    }
    let bytes = writer.into_inner().map_err(|error| error.into_error())?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cell_that_starts_like_a_formula_is_text() {
        for formula in ["=HYPERLINK(\"x\")", "+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(cell(formula), format!("'{formula}"));
        }
        assert_eq!(cell("Ana María"), "Ana María");
        assert_eq!(cell(""), "");
    }

    #[test]
    fn an_empty_directory_is_its_header() {
        assert_eq!(
            members_csv(&[]).unwrap(),
            "id,title,name,email,country,region,role,languages,since,status\n"
        );
    }
}
