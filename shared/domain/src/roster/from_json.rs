//! Reading a roster from a JSON array of objects.

use super::{CATEGORY, COLUMNS, COUNTRY, Cells, Collector, EMAIL, NAME, RosterFormatError, RosterImport, RowProblem};

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
        let mut reasons: Vec<RowProblem> = fields
            .keys()
            .filter(|key| !COLUMNS.contains(&key.as_str()))
            .map(|key| RowProblem::UnknownField { name: key.clone() })
            .collect();
        let mut text_of = |column: &'static str| match fields.get(column) {
            None | Some(serde_json::Value::Null) => Some(""),
            Some(serde_json::Value::String(value)) => Some(value.as_str()),
            Some(_) => {
                reasons.push(RowProblem::NotText { column });
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
