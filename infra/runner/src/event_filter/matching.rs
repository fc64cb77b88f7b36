//! Matching a record against compiled patterns: EventBridge's rules as
//! Lambda applies them to the record's JSON.

use serde_json::Value;

/// Fields that must all match (a pattern ANDs its fields).
#[derive(Debug, Clone)]
pub(super) struct Pattern {
    pub(super) fields: Vec<(String, Rule)>,
}

#[derive(Debug, Clone)]
pub(super) enum Rule {
    Nested(Pattern),
    /// The field matches if any of these does.
    AnyOf(Vec<Matcher>),
}

#[derive(Debug, Clone)]
pub(super) enum Matcher {
    /// A string, number, boolean or null, compared as written.
    Equals(Value),
    Prefix(String),
    Exists(bool),
    /// Strings or numbers the value must not be.
    AnythingBut(Vec<Value>),
    Numeric(NumericRange),
}

#[derive(Debug, Clone, Copy)]
pub(super) struct Bound {
    pub(super) value: f64,
    pub(super) inclusive: bool,
}

#[derive(Debug, Clone, Copy)]
pub(super) struct NumericRange {
    pub(super) lower: Option<Bound>,
    pub(super) upper: Option<Bound>,
}

impl NumericRange {
    fn contains(&self, n: f64) -> bool {
        let above = self.lower.is_none_or(|b| n > b.value || (b.inclusive && n == b.value));
        let below = self.upper.is_none_or(|b| n < b.value || (b.inclusive && n == b.value));
        above && below
    }
}

impl Pattern {
    pub(super) fn matches(&self, event: Option<&Value>) -> bool {
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
