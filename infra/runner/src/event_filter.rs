//! Lambda event filtering, as an event source mapping applies it to each
//! stream record before it is batched: a pure function of the patterns and
//! the record's JSON as Lambda passes it to the function (`eventName`,
//! `userIdentity`, `dynamodb` with `Keys`, `NewImage`, `OldImage` in
//! DynamoDB JSON such as `{"S": "…"}`).
//!
//! Pages: "Control which events Lambda sends to your function" (filters are
//! ORed; a record no filter matches is discarded; the rule syntax is
//! EventBridge's event patterns) and "Using event filtering with a DynamoDB
//! event source". Implemented: exact values (strings, numbers, booleans,
//! null), arrays as "any of", nested objects, `prefix`, `exists`,
//! `anything-but` (one value or a list) and `numeric`. The other operators
//! AWS knows (`suffix`, `equals-ignore-case`, `wildcard`, `$or`, …) are
//! refused at load rather than matched wrongly.

use serde_json::{Map, Value};

/// Lambda's default quota of filters per event source mapping; a quota
/// increase allows up to 10.
pub const MAX_FILTERS: usize = 5;

/// CloudFormation's limit on one `Pattern` string
/// (`AWS::Lambda::EventSourceMapping Filter`).
pub const MAX_PATTERN_LENGTH: usize = 4096;

/// Why a pattern would not deploy: AWS rejects it when the event source
/// mapping is created, so the runner refuses it when it loads.
#[derive(Debug, thiserror::Error)]
pub enum PatternError {
    #[error("{count} filters: an event source mapping takes at most {MAX_FILTERS}")]
    TooManyFilters { count: usize },
    #[error("filter {index}: the pattern has {length} characters, more than {MAX_PATTERN_LENGTH}")]
    TooLong { index: usize, length: usize },
    #[error("filter {index}: the pattern is not JSON")]
    NotJson {
        index: usize,
        #[source]
        source: serde_json::Error,
    },
    #[error("filter {index}, at {path}: {problem}")]
    Malformed {
        index: usize,
        path: String,
        problem: &'static str,
    },
    #[error("filter {index}, at {path}: `{operator}` is valid on AWS but not implemented by the local runner")]
    Unsupported {
        index: usize,
        path: String,
        operator: String,
    },
}

/// The `FilterCriteria` of one event source mapping.
#[derive(Debug, Clone, Default)]
pub struct FilterCriteria {
    filters: Vec<Pattern>,
}

impl FilterCriteria {
    /// Compiles the `Pattern` strings of `FilterCriteria.Filters`.
    pub fn parse<S: AsRef<str>>(patterns: &[S]) -> Result<Self, PatternError> {
        if patterns.len() > MAX_FILTERS {
            return Err(PatternError::TooManyFilters { count: patterns.len() });
        }
        let filters = patterns
            .iter()
            .enumerate()
            .map(|(index, pattern)| {
                let pattern = pattern.as_ref();
                let length = pattern.chars().count();
                if length > MAX_PATTERN_LENGTH {
                    return Err(PatternError::TooLong { index, length });
                }
                let json: Value =
                    serde_json::from_str(pattern).map_err(|source| PatternError::NotJson { index, source })?;
                Parser { index }.pattern(&json, "")
            })
            .collect::<Result<_, _>>()?;
        Ok(Self { filters })
    }

    /// Whether Lambda would pass `record` to the function. Without filters
    /// every record passes; with filters, one that matches none is dropped
    /// for good (the iterator moves past it).
    pub fn admits(&self, record: &Value) -> bool {
        self.filters.is_empty() || self.filters.iter().any(|filter| filter.matches(Some(record)))
    }

    pub fn len(&self) -> usize {
        self.filters.len()
    }

    pub fn is_empty(&self) -> bool {
        self.filters.is_empty()
    }
}

/// Fields that must all match (a pattern ANDs its fields).
#[derive(Debug, Clone)]
struct Pattern {
    fields: Vec<(String, Rule)>,
}

#[derive(Debug, Clone)]
enum Rule {
    Nested(Pattern),
    /// The field matches if any of these does.
    AnyOf(Vec<Matcher>),
}

#[derive(Debug, Clone)]
enum Matcher {
    /// A string, number, boolean or null, compared as written.
    Equals(Value),
    Prefix(String),
    Exists(bool),
    /// Strings or numbers the value must not be.
    AnythingBut(Vec<Value>),
    Numeric(NumericRange),
}

#[derive(Debug, Clone, Copy)]
struct Bound {
    value: f64,
    inclusive: bool,
}

#[derive(Debug, Clone, Copy)]
struct NumericRange {
    lower: Option<Bound>,
    upper: Option<Bound>,
}

impl NumericRange {
    fn contains(&self, n: f64) -> bool {
        let above = self.lower.is_none_or(|b| n > b.value || (b.inclusive && n == b.value));
        let below = self.upper.is_none_or(|b| n < b.value || (b.inclusive && n == b.value));
        above && below
    }
}

impl Pattern {
    fn matches(&self, event: Option<&Value>) -> bool {
        let object = event.and_then(Value::as_object);
        self.fields
            .iter()
            .all(|(key, rule)| rule.matches(key, object.and_then(|o| o.get(key))))
    }
}

impl Rule {
    fn matches(&self, key: &str, field: Option<&Value>) -> bool {
        match self {
            Rule::Nested(pattern) => match field {
                // A list of objects matches if one of them does.
                Some(Value::Array(items)) if items.iter().any(Value::is_object) => items
                    .iter()
                    .filter(|item| item.is_object())
                    .any(|item| pattern.matches(Some(item))),
                Some(object @ Value::Object(_)) => pattern.matches(Some(object)),
                // Absent, or a leaf where the pattern expects fields below it:
                // only rules that accept an absent field (`exists: false`) hold.
                _ => pattern.matches(None),
            },
            Rule::AnyOf(matchers) => {
                let mut values = Vec::new();
                if let Some(field) = field {
                    leaves(field, &mut values);
                }
                matchers.iter().any(|matcher| matcher.matches(key, &values))
            }
        }
    }
}

/// The leaf values at a field: the value itself, or the elements of a list.
/// An object is no leaf: `exists` works on leaf nodes only.
fn leaves<'a>(value: &'a Value, into: &mut Vec<&'a Value>) {
    match value {
        Value::Array(items) => items.iter().for_each(|item| leaves(item, into)),
        Value::Object(_) => {}
        leaf => into.push(leaf),
    }
}

/// Strings match character for character, without case folding; numbers by
/// their written form: 300, 300.0 and 3.0e2 are not equal (the note under
/// "Filter rule syntax").
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(a), Value::Number(b)) => a.to_string() == b.to_string(),
        (a, b) => a == b,
    }
}

/// The number a leaf holds for `numeric`. DynamoDB JSON writes a number as a
/// string under `N` (`{"N": "101"}`), and the examples of the DynamoDB
/// filtering page put `numeric` rules under `N`, so a string directly under
/// `N` counts. (Read from the page's examples; not tried against AWS.)
fn number(key: &str, value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) if key == "N" => s.trim().parse::<f64>().ok().filter(|n| n.is_finite()),
        _ => None,
    }
}

impl Matcher {
    fn matches(&self, key: &str, values: &[&Value]) -> bool {
        match self {
            Matcher::Exists(true) => !values.is_empty(),
            Matcher::Exists(false) => values.is_empty(),
            Matcher::Equals(expected) => values.iter().any(|v| same(v, expected)),
            Matcher::Prefix(prefix) => values
                .iter()
                .any(|v| v.as_str().is_some_and(|s| s.starts_with(prefix.as_str()))),
            Matcher::AnythingBut(excluded) => values
                .iter()
                .filter(|v| v.is_string() || v.is_number())
                .any(|v| !excluded.iter().any(|e| same(v, e))),
            Matcher::Numeric(range) => values.iter().filter_map(|v| number(key, v)).any(|n| range.contains(n)),
        }
    }
}

/// Operators of EventBridge's pattern syntax that this module does not
/// implement; a pattern using one is refused, not half-matched.
const UNSUPPORTED: &[&str] = &["suffix", "equals-ignore-case", "wildcard", "cidr"];

struct Parser {
    index: usize,
}

impl Parser {
    fn malformed<T>(&self, path: &str, problem: &'static str) -> Result<T, PatternError> {
        Err(PatternError::Malformed {
            index: self.index,
            path: if path.is_empty() {
                "the top".to_owned()
            } else {
                path.to_owned()
            },
            problem,
        })
    }

    fn unsupported<T>(&self, path: &str, operator: &str) -> Result<T, PatternError> {
        Err(PatternError::Unsupported {
            index: self.index,
            path: if path.is_empty() {
                "the top".to_owned()
            } else {
                path.to_owned()
            },
            operator: operator.to_owned(),
        })
    }

    fn pattern(&self, json: &Value, path: &str) -> Result<Pattern, PatternError> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn admits(pattern: &str, record: &Value) -> bool {
        FilterCriteria::parse(&[pattern])
            .unwrap_or_else(|error| panic!("{pattern}: {error}"))
            .admits(record)
    }

    /// (what is checked, pattern, record, admitted)
    fn check(cases: &[(&str, &str, Value, bool)]) {
        for (what, pattern, record, expected) in cases {
            assert_eq!(admits(pattern, record), *expected, "{what}: {pattern} on {record}");
        }
    }

    #[test]
    fn exact_values_match_as_written() {
        check(&[
            ("a string matches itself", r#"{"a": ["x"]}"#, json!({"a": "x"}), true),
            ("another string does not", r#"{"a": ["x"]}"#, json!({"a": "y"}), false),
            (
                "strings are not case-folded",
                r#"{"a": ["x"]}"#,
                json!({"a": "X"}),
                false,
            ),
            ("a number matches itself", r#"{"a": [5]}"#, json!({"a": 5}), true),
            ("300 is not 300.0", r#"{"a": [300]}"#, json!({"a": 300.0}), false),
            ("a number is not its string", r#"{"a": [5]}"#, json!({"a": "5"}), false),
            ("true matches true", r#"{"a": [true]}"#, json!({"a": true}), true),
            (
                "true does not match false",
                r#"{"a": [true]}"#,
                json!({"a": false}),
                false,
            ),
            (
                "null matches a null value",
                r#"{"a": [null]}"#,
                json!({"a": null}),
                true,
            ),
            (
                "null does not match an absent field",
                r#"{"a": [null]}"#,
                json!({"b": 1}),
                false,
            ),
            (
                "null is not the string null",
                r#"{"a": [null]}"#,
                json!({"a": "null"}),
                false,
            ),
            (
                "the empty string matches empty",
                r#"{"a": [""]}"#,
                json!({"a": ""}),
                true,
            ),
            (
                "the empty string is not a value",
                r#"{"a": [""]}"#,
                json!({"a": "x"}),
                false,
            ),
            ("an absent field matches no value", r#"{"a": ["x"]}"#, json!({}), false),
        ]);
    }

    #[test]
    fn a_list_is_any_of_and_fields_are_all_of() {
        check(&[
            ("one of the list", r#"{"a": ["x", "y"]}"#, json!({"a": "y"}), true),
            ("none of the list", r#"{"a": ["x", "y"]}"#, json!({"a": "z"}), false),
            (
                "both fields match",
                r#"{"a": ["x"], "b": ["y"]}"#,
                json!({"a": "x", "b": "y"}),
                true,
            ),
            (
                "one field differs",
                r#"{"a": ["x"], "b": ["y"]}"#,
                json!({"a": "x", "b": "z"}),
                false,
            ),
            (
                "one field is absent",
                r#"{"a": ["x"], "b": ["y"]}"#,
                json!({"a": "x"}),
                false,
            ),
            (
                "a list in the record matches by any element",
                r#"{"a": ["y"]}"#,
                json!({"a": ["x", "y"]}),
                true,
            ),
            (
                "no element of the list matches",
                r#"{"a": ["z"]}"#,
                json!({"a": ["x", "y"]}),
                false,
            ),
            (
                "fields the pattern does not name are ignored",
                r#"{"a": ["x"]}"#,
                json!({"a": "x", "b": 1}),
                true,
            ),
        ]);
    }

    #[test]
    fn nested_objects_match_field_by_field() {
        let record = json!({"dynamodb": {"NewImage": {"entity": {"S": "outbox_message"}}}});
        check(&[
            (
                "the nested value matches",
                r#"{"dynamodb": {"NewImage": {"entity": {"S": ["outbox_message"]}}}}"#,
                record.clone(),
                true,
            ),
            (
                "the nested value differs",
                r#"{"dynamodb": {"NewImage": {"entity": {"S": ["nomination"]}}}}"#,
                record.clone(),
                false,
            ),
            (
                "the type key differs",
                r#"{"dynamodb": {"NewImage": {"entity": {"N": ["outbox_message"]}}}}"#,
                record.clone(),
                false,
            ),
            (
                "an intermediate object is absent",
                r#"{"dynamodb": {"OldImage": {"entity": {"S": ["outbox_message"]}}}}"#,
                record.clone(),
                false,
            ),
            (
                "a leaf where the pattern expects an object",
                r#"{"dynamodb": {"NewImage": {"entity": {"S": {"x": ["y"]}}}}}"#,
                record,
                false,
            ),
        ]);
    }

    #[test]
    fn prefix_matches_the_start_of_a_string() {
        check(&[
            (
                "the string starts with it",
                r#"{"a": [{"prefix": "us-"}]}"#,
                json!({"a": "us-east-1"}),
                true,
            ),
            (
                "the string starts otherwise",
                r#"{"a": [{"prefix": "us-"}]}"#,
                json!({"a": "eu-west-1"}),
                false,
            ),
            (
                "the prefix is found elsewhere",
                r#"{"a": [{"prefix": "us-"}]}"#,
                json!({"a": "not-us-"}),
                false,
            ),
            (
                "a number has no prefix",
                r#"{"a": [{"prefix": "1"}]}"#,
                json!({"a": 12}),
                false,
            ),
            (
                "an absent field has no prefix",
                r#"{"a": [{"prefix": "us-"}]}"#,
                json!({}),
                false,
            ),
        ]);
    }

    #[test]
    fn exists_tells_present_leaves_from_absent_ones() {
        check(&[
            (
                "exists: a present leaf",
                r#"{"a": [{"exists": true}]}"#,
                json!({"a": "x"}),
                true,
            ),
            (
                "exists: an absent field",
                r#"{"a": [{"exists": true}]}"#,
                json!({"b": "x"}),
                false,
            ),
            (
                "exists: a null leaf is present",
                r#"{"a": [{"exists": true}]}"#,
                json!({"a": null}),
                true,
            ),
            (
                "exists: an object is no leaf",
                r#"{"a": [{"exists": true}]}"#,
                json!({"a": {"b": 1}}),
                false,
            ),
            (
                "does not exist: an absent field",
                r#"{"a": [{"exists": false}]}"#,
                json!({"b": "x"}),
                true,
            ),
            (
                "does not exist: a present leaf",
                r#"{"a": [{"exists": false}]}"#,
                json!({"a": "x"}),
                false,
            ),
            (
                "does not exist: its parent is absent too",
                r#"{"p": {"a": [{"exists": false}]}}"#,
                json!({}),
                true,
            ),
            (
                "does not exist: its parent holds it",
                r#"{"p": {"a": [{"exists": false}]}}"#,
                json!({"p": {"a": 1}}),
                false,
            ),
        ]);
    }

    #[test]
    fn anything_but_excludes_one_value_or_a_list() {
        check(&[
            (
                "a value other than the one",
                r#"{"a": [{"anything-but": "x"}]}"#,
                json!({"a": "y"}),
                true,
            ),
            (
                "the one value",
                r#"{"a": [{"anything-but": "x"}]}"#,
                json!({"a": "x"}),
                false,
            ),
            (
                "a value outside the list",
                r#"{"a": [{"anything-but": ["x", "y"]}]}"#,
                json!({"a": "z"}),
                true,
            ),
            (
                "a value in the list",
                r#"{"a": [{"anything-but": ["x", "y"]}]}"#,
                json!({"a": "y"}),
                false,
            ),
            (
                "a number other than the one",
                r#"{"a": [{"anything-but": 5}]}"#,
                json!({"a": 6}),
                true,
            ),
            (
                "the one number",
                r#"{"a": [{"anything-but": [5, 6]}]}"#,
                json!({"a": 6}),
                false,
            ),
            (
                "an absent field is not anything",
                r#"{"a": [{"anything-but": "x"}]}"#,
                json!({}),
                false,
            ),
        ]);
    }

    #[test]
    fn numeric_compares_numbers_and_dynamodb_numbers() {
        check(&[
            (
                "= its number",
                r#"{"a": [{"numeric": ["=", 100]}]}"#,
                json!({"a": 100}),
                true,
            ),
            (
                "= another number",
                r#"{"a": [{"numeric": ["=", 100]}]}"#,
                json!({"a": 101}),
                false,
            ),
            (
                "= 100 holds for 100.0",
                r#"{"a": [{"numeric": ["=", 100]}]}"#,
                json!({"a": 100.0}),
                true,
            ),
            ("> above", r#"{"a": [{"numeric": [">", 10]}]}"#, json!({"a": 11}), true),
            (
                "> at the bound",
                r#"{"a": [{"numeric": [">", 10]}]}"#,
                json!({"a": 10}),
                false,
            ),
            (
                ">= at the bound",
                r#"{"a": [{"numeric": [">=", 10]}]}"#,
                json!({"a": 10}),
                true,
            ),
            ("< below", r#"{"a": [{"numeric": ["<", 10]}]}"#, json!({"a": -3}), true),
            (
                "< at the bound",
                r#"{"a": [{"numeric": ["<", 10]}]}"#,
                json!({"a": 10}),
                false,
            ),
            (
                "<= at the bound",
                r#"{"a": [{"numeric": ["<=", 10]}]}"#,
                json!({"a": 10}),
                true,
            ),
            (
                "a range: inside",
                r#"{"a": [{"numeric": [">", 10, "<=", 20]}]}"#,
                json!({"a": 20}),
                true,
            ),
            (
                "a range: at the open end",
                r#"{"a": [{"numeric": [">", 10, "<=", 20]}]}"#,
                json!({"a": 10}),
                false,
            ),
            (
                "a range: above",
                r#"{"a": [{"numeric": [">", 10, "<=", 20]}]}"#,
                json!({"a": 20.5}),
                false,
            ),
            (
                "a string is no number",
                r#"{"a": [{"numeric": [">", 0]}]}"#,
                json!({"a": "5"}),
                false,
            ),
            (
                "a DynamoDB number under N",
                r#"{"p": {"N": [{"numeric": [">", 0]}]}}"#,
                json!({"p": {"N": "5"}}),
                true,
            ),
            (
                "a DynamoDB number out of range",
                r#"{"p": {"N": [{"numeric": [">", 0]}]}}"#,
                json!({"p": {"N": "-5"}}),
                false,
            ),
            (
                "a string under S is no number",
                r#"{"p": {"S": [{"numeric": [">", 0]}]}}"#,
                json!({"p": {"S": "5"}}),
                false,
            ),
        ]);
    }

    #[test]
    fn filters_are_ored_and_none_admits_everything() {
        let criteria = FilterCriteria::parse(&[r#"{"a": ["x"]}"#, r#"{"b": ["y"]}"#]).unwrap();
        let cases = [
            ("the first filter matches", json!({"a": "x"}), true),
            ("the second filter matches", json!({"b": "y"}), true),
            ("no filter matches", json!({"a": "y", "b": "x"}), false),
        ];
        for (what, record, expected) in cases {
            assert_eq!(criteria.admits(&record), expected, "{what}");
        }
        let none = FilterCriteria::parse::<&str>(&[]).unwrap();
        assert!(
            none.admits(&json!({"anything": 1})),
            "without filters every record passes"
        );
    }

    #[test]
    fn a_ttl_pattern_tells_the_service_from_a_user() {
        let ttl = r#"{"eventName": ["REMOVE"], "userIdentity": {"type": ["Service"], "principalId": ["dynamodb.amazonaws.com"]}}"#;
        let removed = |identity: Value| {
            let mut record = json!({"eventName": "REMOVE", "dynamodb": {"Keys": {"pk": {"S": "NOMINATION#1"}}}});
            if !identity.is_null() {
                record["userIdentity"] = identity;
            }
            record
        };
        check(&[
            (
                "a delete by TTL",
                ttl,
                removed(json!({"type": "Service", "principalId": "dynamodb.amazonaws.com"})),
                true,
            ),
            (
                "a delete by a user carries no identity",
                ttl,
                removed(Value::Null),
                false,
            ),
            (
                "another service",
                ttl,
                removed(json!({"type": "Service", "principalId": "other.amazonaws.com"})),
                false,
            ),
        ]);
    }

    #[test]
    fn malformed_patterns_are_refused_at_load() {
        let cases = [
            ("not JSON", r#"{"a": ["x"]"#),
            ("not an object", r#"["x"]"#),
            ("an empty pattern", r#"{}"#),
            ("an empty nested object", r#"{"a": {}}"#),
            ("a bare value instead of a list", r#"{"a": "x"}"#),
            ("an empty list", r#"{"a": []}"#),
            ("a nested list", r#"{"a": [["x"]]}"#),
            (
                "two operators in one object",
                r#"{"a": [{"prefix": "x", "exists": true}]}"#,
            ),
            ("an unknown operator", r#"{"a": [{"starts": "x"}]}"#),
            ("prefix of a number", r#"{"a": [{"prefix": 1}]}"#),
            ("exists of a string", r#"{"a": [{"exists": "yes"}]}"#),
            ("anything-but of nothing", r#"{"a": [{"anything-but": []}]}"#),
            ("anything-but of mixed types", r#"{"a": [{"anything-but": ["x", 1]}]}"#),
            ("anything-but of a boolean", r#"{"a": [{"anything-but": true}]}"#),
            ("numeric of a number", r#"{"a": [{"numeric": 5}]}"#),
            ("numeric with an odd list", r#"{"a": [{"numeric": [">", 1, "<"]}]}"#),
            (
                "numeric with an unknown comparison",
                r#"{"a": [{"numeric": ["!=", 1]}]}"#,
            ),
            ("numeric with a string operand", r#"{"a": [{"numeric": [">", "1"]}]}"#),
            ("numeric with = in a range", r#"{"a": [{"numeric": ["=", 1, "<", 5]}]}"#),
            (
                "numeric with two lower bounds",
                r#"{"a": [{"numeric": [">", 1, ">=", 5]}]}"#,
            ),
            (
                "numeric with an empty range",
                r#"{"a": [{"numeric": [">", 5, "<", 5]}]}"#,
            ),
            (
                "an operator this runner does not implement",
                r#"{"a": [{"suffix": ".png"}]}"#,
            ),
            (
                "$or, which this runner does not implement",
                r#"{"$or": [{"a": ["x"]}, {"b": ["y"]}]}"#,
            ),
        ];
        for (what, pattern) in cases {
            assert!(
                FilterCriteria::parse(&[pattern]).is_err(),
                "{what}: {pattern} was accepted"
            );
        }
        let six = [r#"{"a": ["x"]}"#; 6];
        assert!(
            matches!(
                FilterCriteria::parse(&six),
                Err(PatternError::TooManyFilters { count: 6 })
            ),
            "six filters exceed the default quota of five"
        );
        let long = format!(r#"{{"a": ["{}"]}}"#, "x".repeat(MAX_PATTERN_LENGTH));
        assert!(
            matches!(FilterCriteria::parse(&[long]), Err(PatternError::TooLong { .. })),
            "a pattern longer than CloudFormation takes"
        );
    }
}
