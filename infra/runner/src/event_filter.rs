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

mod matching;
mod parse;
#[cfg(test)]
mod tests;

use serde_json::Value;

use matching::Pattern;
use parse::Parser;

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
