//! Compiling pattern JSON into the rules `matching` applies, refusing what
//! AWS would refuse and what this runner does not implement.

use serde_json::{Map, Value};

use super::PatternError;
use super::matching::{Bound, Matcher, NumericRange, Pattern, Rule};

/// Operators of EventBridge's pattern syntax that this module does not
/// implement; a pattern using one is refused, not half-matched.
const UNSUPPORTED: &[&str] = &["suffix", "equals-ignore-case", "wildcard", "cidr"];

pub(super) struct Parser {
    pub(super) index: usize,
}

impl Parser {
    fn malformed<T>(&self, path: &str, problem: &'static str) -> Result<T, PatternError> {
        Err(PatternError::Malformed {
            index: self.index,
            path: location(path),
            problem,
        })
    }

    fn unsupported<T>(&self, path: &str, operator: &str) -> Result<T, PatternError> {
        Err(PatternError::Unsupported {
            index: self.index,
            path: location(path),
            operator: operator.to_owned(),
        })
    }

    pub(super) fn pattern(&self, json: &Value, path: &str) -> Result<Pattern, PatternError> {
        let Value::Object(object) = json else {
            return self.malformed(path, "a pattern must be a JSON object");
        };
        if object.is_empty() {
            return self.malformed(path, "an object in a pattern must name at least one field");
        }
        let mut fields = Vec::with_capacity(object.len());
        for (key, value) in object {
            let here = if path.is_empty() {
                key.clone()
            } else {
                format!("{path}.{key}")
            };
            if key.starts_with('$') {
                return self.unsupported(&here, key);
            }
            let rule = match value {
                Value::Object(_) => Rule::Nested(self.pattern(value, &here)?),
                Value::Array(items) if items.is_empty() => {
                    return self.malformed(&here, "a list of rules must not be empty");
                }
                Value::Array(items) => Rule::AnyOf(
                    items
                        .iter()
                        .map(|item| self.matcher(item, &here))
                        .collect::<Result<_, _>>()?,
                ),
                _ => return self.malformed(&here, "a field's rules must be a list, even for one value"),
            };
            fields.push((key.clone(), rule));
        }
        Ok(Pattern { fields })
    }

    fn matcher(&self, item: &Value, path: &str) -> Result<Matcher, PatternError> {
        match item {
            Value::String(_) | Value::Number(_) | Value::Bool(_) | Value::Null => Ok(Matcher::Equals(item.clone())),
            Value::Array(_) => self.malformed(path, "lists of rules cannot be nested"),
            Value::Object(operator) => self.operator(operator, path),
        }
    }

    fn operator(&self, object: &Map<String, Value>, path: &str) -> Result<Matcher, PatternError> {
        let mut entries = object.iter();
        let (Some((name, argument)), None) = (entries.next(), entries.next()) else {
            return self.malformed(path, "an operator object must hold exactly one operator");
        };
        match (name.as_str(), argument) {
            ("prefix", Value::String(prefix)) => Ok(Matcher::Prefix(prefix.clone())),
            ("prefix", Value::Object(inner)) => self.unsupported(
                path,
                &format!("prefix {}", inner.keys().next().map_or("", String::as_str)),
            ),
            ("prefix", _) => self.malformed(path, "`prefix` takes a string"),
            ("exists", Value::Bool(exists)) => Ok(Matcher::Exists(*exists)),
            ("exists", _) => self.malformed(path, "`exists` takes true or false"),
            ("anything-but", Value::String(_) | Value::Number(_)) => Ok(Matcher::AnythingBut(vec![argument.clone()])),
            ("anything-but", Value::Array(values)) => self.anything_but(values, path),
            ("anything-but", Value::Object(inner)) => self.unsupported(
                path,
                &format!("anything-but {}", inner.keys().next().map_or("", String::as_str)),
            ),
            ("anything-but", _) => self.malformed(path, "`anything-but` takes a string, a number or a list of them"),
            ("numeric", Value::Array(terms)) => self.numeric(terms, path).map(Matcher::Numeric),
            ("numeric", _) => self.malformed(path, "`numeric` takes a list such as [\">\", 0, \"<=\", 5]"),
            (other, _) if UNSUPPORTED.contains(&other) => self.unsupported(path, other),
            _ => self.malformed(path, "unknown operator"),
        }
    }

    fn anything_but(&self, values: &[Value], path: &str) -> Result<Matcher, PatternError> {
        let all_strings = values.iter().all(Value::is_string);
        let all_numbers = values.iter().all(Value::is_number);
        if values.is_empty() || !(all_strings || all_numbers) {
            return self.malformed(
                path,
                "`anything-but` takes a non-empty list of strings only or numbers only",
            );
        }
        Ok(Matcher::AnythingBut(values.to_vec()))
    }

    fn numeric(&self, terms: &[Value], path: &str) -> Result<NumericRange, PatternError> {
        const SHAPE: &str = "`numeric` takes [\"=\", n], one comparison, or a lower and an upper bound";
        let pairs: Vec<(&str, f64)> = match terms {
            [_, _] | [_, _, _, _] => terms
                .chunks(2)
                .map(|pair| match pair {
                    [Value::String(op), Value::Number(n)] => {
                        n.as_f64().filter(|n| n.is_finite()).map(|n| (op.as_str(), n))
                    }
                    _ => None,
                })
                .collect::<Option<_>>()
                .map_or_else(|| self.malformed(path, SHAPE), Ok)?,
            _ => return self.malformed(path, SHAPE),
        };
        let mut range = NumericRange {
            lower: None,
            upper: None,
        };
        for (op, value) in &pairs {
            let (slot, inclusive) = match *op {
                "=" if pairs.len() == 1 => {
                    let exactly = Some(Bound {
                        value: *value,
                        inclusive: true,
                    });
                    return Ok(NumericRange {
                        lower: exactly,
                        upper: exactly,
                    });
                }
                ">" => (&mut range.lower, false),
                ">=" => (&mut range.lower, true),
                "<" => (&mut range.upper, false),
                "<=" => (&mut range.upper, true),
                _ => return self.malformed(path, SHAPE),
            };
            if slot.is_some() {
                return self.malformed(path, SHAPE);
            }
            *slot = Some(Bound {
                value: *value,
                inclusive,
            });
        }
        if let (Some(lower), Some(upper)) = (range.lower, range.upper) {
            let empty =
                lower.value > upper.value || (lower.value == upper.value && !(lower.inclusive && upper.inclusive));
            if empty {
                return self.malformed(path, "the numeric range is empty");
            }
        }
        Ok(range)
    }
}

/// A path for an error message; the empty path is the pattern itself.
fn location(path: &str) -> String {
    if path.is_empty() {
        "the top".to_owned()
    } else {
        path.to_owned()
    }
}
