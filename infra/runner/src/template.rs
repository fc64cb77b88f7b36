//! Reads what the local stack needs from `template.yaml`, the one place
//! routes, the table and its indexes, and the outbox's stream event source
//! are declared.

use crate::event_filter::{FilterCriteria, PatternError};
use serde::Deserialize;
use serde_norway::Value;
use std::collections::BTreeMap;

/// The deployment template, compiled in so the runner and tests always read
/// the same declaration as `sam deploy`.
pub const TEMPLATE_YAML: &str = include_str!("../../../template.yaml");

pub const TABLE_RESOURCE: &str = "NominationsTable";

/// The function the table's stream feeds.
pub const OUTBOX_FUNCTION: &str = "OutboxFunction";

#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error("template.yaml is not valid YAML")]
    Yaml(#[from] serde_norway::Error),
    #[error("template.yaml has no {0} resource")]
    MissingTable(&'static str),
    #[error("template.yaml: {0} has no DynamoDB event source")]
    MissingStreamSource(&'static str),
    #[error("template.yaml: {function} has {count} DynamoDB event sources; the runner feeds one")]
    SeveralStreamSources { function: &'static str, count: usize },
    #[error("template.yaml: the DynamoDB event source of {function}: {problem}")]
    InvalidStreamSource {
        function: &'static str,
        problem: &'static str,
    },
    #[error("template.yaml: the FilterCriteria of {function}")]
    Filter {
        function: &'static str,
        #[source]
        source: PatternError,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// `GET`, `POST`, … or `ANY`.
    pub method: String,
    /// `/invitations/{token}` style.
    pub path: String,
    /// The function's logical id.
    pub function: String,
    /// The authorizer guarding the route; `None` for a public route.
    pub authorizer: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct KeyElement {
    pub attribute_name: String,
    pub key_type: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AttributeDefinition {
    pub attribute_name: String,
    pub attribute_type: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Projection {
    pub projection_type: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GlobalSecondaryIndex {
    pub index_name: String,
    pub key_schema: Vec<KeyElement>,
    pub projection: Projection,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct StreamSpecification {
    pub stream_view_type: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TimeToLiveSpecification {
    pub attribute_name: String,
    pub enabled: bool,
}

/// The table's declaration: keys, indexes, stream and TTL.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TableDeclaration {
    pub attribute_definitions: Vec<AttributeDefinition>,
    pub key_schema: Vec<KeyElement>,
    #[serde(default)]
    pub global_secondary_indexes: Vec<GlobalSecondaryIndex>,
    pub stream_specification: Option<StreamSpecification>,
    pub time_to_live_specification: Option<TimeToLiveSpecification>,
}

/// A function's DynamoDB stream event source, as Lambda's event source
/// mapping applies it. Defaults are those of the page "Lambda parameters
/// for Amazon DynamoDB event source mappings".
#[derive(Debug, Clone)]
pub struct StreamEventSource {
    /// The `FilterCriteria.Filters[].Pattern` strings, as written.
    pub filter_patterns: Vec<String>,
    pub filters: FilterCriteria,
    /// `BatchSize`: at most this many records per invocation (default 100).
    pub batch_size: usize,
    /// `MaximumRetryAttempts`: `None` is -1, retried until the record leaves
    /// the stream.
    pub maximum_retry_attempts: Option<u32>,
    /// `MaximumRecordAgeInSeconds`: `None` is -1, no limit but the stream's
    /// 24-hour retention.
    pub maximum_record_age: Option<chrono::Duration>,
    /// `FunctionResponseTypes` has `ReportBatchItemFailures`.
    pub report_batch_item_failures: bool,
}

impl StreamEventSource {
    /// The same source with other filter patterns, e.g. to compare a
    /// template's filters with earlier ones.
    pub fn with_filter_patterns<S: AsRef<str>>(&self, patterns: &[S]) -> Result<Self, PatternError> {
        Ok(Self {
            filter_patterns: patterns.iter().map(|p| p.as_ref().to_owned()).collect(),
            filters: FilterCriteria::parse(patterns)?,
            ..self.clone()
        })
    }
}

#[derive(Debug, Clone)]
pub struct Template {
    pub routes: Vec<Route>,
    pub table: TableDeclaration,
    /// `OutboxFunction`'s DynamoDB event source.
    pub outbox_stream: StreamEventSource,
    /// Each parameter's `Default`, as text: the local stack's settings.
    pub defaults: BTreeMap<String, String>,
}

#[derive(Deserialize)]
struct TemplateFile {
    #[serde(rename = "Parameters", default)]
    parameters: BTreeMap<String, Parameter>,
    #[serde(rename = "Resources")]
    resources: BTreeMap<String, Resource>,
}

#[derive(Deserialize)]
struct Parameter {
    #[serde(rename = "Default", default)]
    default: Option<Value>,
}

#[derive(Deserialize)]
struct Resource {
    #[serde(rename = "Type")]
    kind: String,
    #[serde(rename = "Properties", default)]
    properties: Value,
}

#[derive(Deserialize)]
struct FunctionProperties {
    #[serde(rename = "Events", default)]
    events: BTreeMap<String, EventSource>,
}

#[derive(Deserialize)]
struct EventSource {
    #[serde(rename = "Type")]
    kind: String,
    #[serde(rename = "Properties", default)]
    properties: Value,
}

#[derive(Deserialize)]
struct HttpApiEvent {
    #[serde(rename = "Path")]
    path: String,
    #[serde(rename = "Method")]
    method: String,
    #[serde(rename = "Auth", default)]
    auth: Option<RouteAuth>,
}

#[derive(Deserialize)]
struct RouteAuth {
    #[serde(rename = "Authorizer")]
    authorizer: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DynamoDbEvent {
    #[serde(default)]
    batch_size: Option<i64>,
    #[serde(default)]
    maximum_retry_attempts: Option<i64>,
    #[serde(default)]
    maximum_record_age_in_seconds: Option<i64>,
    #[serde(default)]
    function_response_types: Vec<String>,
    #[serde(default)]
    filter_criteria: Option<FilterCriteriaDeclaration>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct FilterCriteriaDeclaration {
    #[serde(default)]
    filters: Vec<FilterDeclaration>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct FilterDeclaration {
    pattern: String,
}

/// Reads and checks a DynamoDB event source as `CreateEventSourceMapping`
/// would: AWS refuses values outside these ranges at deploy.
fn stream_event_source(function: &'static str, event: DynamoDbEvent) -> Result<StreamEventSource, TemplateError> {
    let invalid = |problem| TemplateError::InvalidStreamSource { function, problem };
    let batch_size = match event.batch_size {
        None => 100,
        Some(size @ 1..=10_000) => size as usize,
        Some(_) => return Err(invalid("BatchSize must be 1 to 10,000")),
    };
    let maximum_retry_attempts = match event.maximum_retry_attempts {
        None | Some(-1) => None,
        Some(attempts @ 0..=10_000) => Some(attempts as u32),
        Some(_) => return Err(invalid("MaximumRetryAttempts must be -1 or 0 to 10,000")),
    };
    let maximum_record_age = match event.maximum_record_age_in_seconds {
        None | Some(-1) => None,
        Some(seconds @ 60..=604_800) => Some(chrono::Duration::seconds(seconds)),
        Some(_) => return Err(invalid("MaximumRecordAgeInSeconds must be -1 or 60 to 604,800")),
    };
    let filter_patterns: Vec<String> = event
        .filter_criteria
        .map(|criteria| criteria.filters.into_iter().map(|filter| filter.pattern).collect())
        .unwrap_or_default();
    let filters =
        FilterCriteria::parse(&filter_patterns).map_err(|source| TemplateError::Filter { function, source })?;
    Ok(StreamEventSource {
        filter_patterns,
        filters,
        batch_size,
        maximum_retry_attempts,
        maximum_record_age,
        report_batch_item_failures: event
            .function_response_types
            .iter()
            .any(|kind| kind == "ReportBatchItemFailures"),
    })
}

impl Template {
    pub fn load() -> Result<Self, TemplateError> {
        Self::parse(TEMPLATE_YAML)
    }

    pub fn parse(yaml: &str) -> Result<Self, TemplateError> {
        let file: TemplateFile = serde_norway::from_str(yaml)?;
        let mut routes = Vec::new();
        let mut outbox_streams = Vec::new();
        for (function, resource) in &file.resources {
            if resource.kind != "AWS::Serverless::Function" {
                continue;
            }
            let properties: FunctionProperties = serde_norway::from_value(resource.properties.clone())?;
            for event in properties.events.values().filter(|event| event.kind == "HttpApi") {
                let http: HttpApiEvent = serde_norway::from_value(event.properties.clone())?;
                let authorizer = http.auth.and_then(|auth| auth.authorizer).filter(|name| name != "NONE");
                routes.push(Route {
                    method: http.method.to_ascii_uppercase(),
                    path: http.path,
                    function: function.clone(),
                    authorizer,
                });
            }
            if function == OUTBOX_FUNCTION {
                for event in properties.events.values().filter(|event| event.kind == "DynamoDB") {
                    let event: DynamoDbEvent = serde_norway::from_value(event.properties.clone())?;
                    outbox_streams.push(stream_event_source(OUTBOX_FUNCTION, event)?);
                }
            }
        }
        let outbox_stream = match outbox_streams.len() {
            0 => return Err(TemplateError::MissingStreamSource(OUTBOX_FUNCTION)),
            1 => outbox_streams.remove(0),
            count => {
                return Err(TemplateError::SeveralStreamSources {
                    function: OUTBOX_FUNCTION,
                    count,
                });
            }
        };
        let table = file
            .resources
            .get(TABLE_RESOURCE)
            .ok_or(TemplateError::MissingTable(TABLE_RESOURCE))?;
        let table = serde_norway::from_value(table.properties.clone())?;
        let defaults = file
            .parameters
            .into_iter()
            .filter_map(|(name, parameter)| {
                let text = match parameter.default? {
                    Value::String(text) => text,
                    Value::Number(number) => number.to_string(),
                    Value::Bool(flag) => flag.to_string(),
                    _ => return None,
                };
                Some((name, text))
            })
            .collect();
        Ok(Self {
            routes,
            table,
            outbox_stream,
            defaults,
        })
    }

    /// The default of parameter `name`, parsed; `None` when it has none or
    /// it does not parse.
    pub fn default_of<T: std::str::FromStr>(&self, name: &str) -> Option<T> {
        self.defaults.get(name)?.parse().ok()
    }

    /// The route API Gateway would choose: an exact method beats `ANY`, a
    /// literal path beats one with parameters. Returns the path parameters.
    pub fn route(&self, method: &str, path: &str) -> Option<(&Route, BTreeMap<String, String>)> {
        self.routes
            .iter()
            .filter(|route| route.method == method || route.method == "ANY")
            .filter_map(|route| {
                let (parameters, literal_segments) = match_path(&route.path, path)?;
                Some(((route.method == method, literal_segments), route, parameters))
            })
            .max_by_key(|(rank, _, _)| *rank)
            .map(|(_, route, parameters)| (route, parameters))
    }
}

fn match_path(pattern: &str, path: &str) -> Option<(BTreeMap<String, String>, usize)> {
    let pattern: Vec<&str> = pattern.trim_matches('/').split('/').collect();
    let path: Vec<&str> = path.trim_matches('/').split('/').collect();
    if pattern.len() != path.len() {
        return None;
    }
    let mut parameters = BTreeMap::new();
    let mut literal = 0;
    for (expected, actual) in pattern.iter().zip(&path) {
        match expected.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
            Some(name) if !actual.is_empty() => {
                parameters.insert(name.to_owned(), (*actual).to_owned());
            }
            Some(_) => return None,
            None if expected == actual => literal += 1,
            None => return None,
        }
    }
    Some((parameters, literal))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_template_declares_the_table_and_the_intake_routes() {
        let template = Template::load().expect("template.yaml parses");
        assert_eq!(template.table.key_schema.len(), 2);
        assert!(
            template
                .table
                .global_secondary_indexes
                .iter()
                .any(|i| i.index_name == "by_status_due")
        );
        let (route, _) = template.route("GET", "/nominate").expect("form route");
        assert_eq!(route.function, "SubmitNominationFunction");
    }

    #[test]
    fn an_exact_method_wins_over_any_and_parameters_are_extracted() {
        let template = Template {
            routes: vec![
                Route {
                    method: "ANY".into(),
                    path: "/nominations".into(),
                    function: "Any".into(),
                    authorizer: None,
                },
                Route {
                    method: "POST".into(),
                    path: "/nominations".into(),
                    function: "Post".into(),
                    authorizer: None,
                },
                Route {
                    method: "GET".into(),
                    path: "/invitations/{token}".into(),
                    function: "Page".into(),
                    authorizer: None,
                },
            ],
            ..Template::load().unwrap()
        };
        assert_eq!(template.route("POST", "/nominations").unwrap().0.function, "Post");
        assert_eq!(template.route("DELETE", "/nominations").unwrap().0.function, "Any");
        let (route, parameters) = template.route("GET", "/invitations/abc").unwrap();
        assert_eq!((route.function.as_str(), parameters["token"].as_str()), ("Page", "abc"));
        assert!(template.route("GET", "/elsewhere").is_none());
    }

    #[test]
    fn the_outbox_stream_source_is_read_from_the_template() {
        let source = Template::load().unwrap().outbox_stream;

        assert_eq!(source.batch_size, 10);
        assert_eq!(source.maximum_retry_attempts, Some(10));
        assert_eq!(source.maximum_record_age, Some(chrono::Duration::hours(1)));
        assert!(source.report_batch_item_failures);
        assert_eq!(source.filters.len(), source.filter_patterns.len());
        assert_eq!(source.filter_patterns.len(), 2, "outbox inserts and TTL removals");
    }

    #[test]
    fn the_template_filters_admit_outbox_inserts_and_ttl_removals_of_nominations_only() {
        let filters = Template::load().unwrap().outbox_stream.filters;
        let ttl = serde_json::json!({"type": "Service", "principalId": "dynamodb.amazonaws.com"});
        let record = |event: &str, image: &str, entity: &str, identity: Option<&serde_json::Value>| {
            let mut record = serde_json::json!({
                "eventName": event,
                "dynamodb": { "Keys": { "pk": { "S": "X" } }, image: { "entity": { "S": entity } } },
            });
            if let Some(identity) = identity {
                record["userIdentity"] = identity.clone();
            }
            record
        };
        let cases = [
            (
                "an outbox message inserted",
                record("INSERT", "NewImage", "outbox_message", None),
                true,
            ),
            (
                "TTL removing a nomination",
                record("REMOVE", "OldImage", "nomination", Some(&ttl)),
                true,
            ),
            (
                "TTL removing an erased nomination",
                record("REMOVE", "OldImage", "erased_nomination", Some(&ttl)),
                true,
            ),
            (
                "a nomination updated",
                record("MODIFY", "NewImage", "nomination", None),
                false,
            ),
            (
                "an audit event inserted",
                record("INSERT", "NewImage", "audit_event", None),
                false,
            ),
            (
                "a user deleting a nomination",
                record("REMOVE", "OldImage", "nomination", None),
                false,
            ),
            (
                "TTL removing a token",
                record("REMOVE", "OldImage", "token", Some(&ttl)),
                false,
            ),
            (
                "an outbox message updated",
                record("MODIFY", "NewImage", "outbox_message", None),
                false,
            ),
        ];
        for (what, record, admitted) in cases {
            assert_eq!(filters.admits(&record), admitted, "{what}");
        }
    }

    #[test]
    fn a_stream_source_aws_would_refuse_does_not_load() {
        let cases = [
            ("a batch of none", "BatchSize: 0"),
            ("a batch over 10,000", "BatchSize: 10001"),
            ("retries below -1", "MaximumRetryAttempts: -2"),
            ("retries over 10,000", "MaximumRetryAttempts: 10001"),
            ("a record age under a minute", "MaximumRecordAgeInSeconds: 30"),
            ("a record age over a week", "MaximumRecordAgeInSeconds: 604801"),
            (
                "a pattern with a bare value",
                r#"FilterCriteria: {Filters: [{Pattern: '{"eventName": "INSERT"}'}]}"#,
            ),
        ];
        for (what, yaml) in cases {
            let event: DynamoDbEvent = serde_norway::from_str(yaml).unwrap_or_else(|e| panic!("{what}: {e}"));
            assert!(
                stream_event_source(OUTBOX_FUNCTION, event).is_err(),
                "{what} was accepted"
            );
        }
    }

    #[test]
    fn an_unset_stream_source_gets_aws_defaults() {
        let event: DynamoDbEvent = serde_norway::from_str("MaximumRetryAttempts: -1").unwrap();

        let source = stream_event_source(OUTBOX_FUNCTION, event).unwrap();

        assert_eq!(source.batch_size, 100);
        assert_eq!(
            source.maximum_retry_attempts, None,
            "-1: until the record leaves the stream"
        );
        assert_eq!(source.maximum_record_age, None);
        assert!(!source.report_batch_item_failures);
        assert!(source.filters.is_empty(), "no filters: every record passes");
    }

    #[test]
    fn parameter_defaults_are_read_as_the_local_settings() {
        let template = Template::load().unwrap();
        assert_eq!(template.default_of::<u32>("SubmissionsPerSourcePerHour"), Some(20));
        assert_eq!(
            template.default_of::<String>("TermsVersion").as_deref(),
            Some("2026-11")
        );
        assert_eq!(template.default_of::<u32>("SenderAddress"), None, "no default");
    }

    /// The runner calls the sweep directly; on AWS the schedule's `Input` is
    /// the event, so it must be what the outbox reads as a sweep.
    #[test]
    fn the_outbox_schedule_sends_what_the_outbox_reads_as_a_sweep() {
        let file: serde_norway::Value = serde_norway::from_str(TEMPLATE_YAML).unwrap();
        let input = file["Resources"]["OutboxFunction"]["Properties"]["Events"]["Sweep"]["Properties"]["Input"]
            .as_str()
            .expect("the sweep schedule has an Input");
        let event: serde_json::Value = serde_json::from_str(input).expect("the Input is JSON");
        assert!(matches!(outbox::Trigger::from_event(event), Ok(outbox::Trigger::Sweep)));
    }

    #[test]
    fn staff_routes_are_marked_as_needing_the_jwt_authorizer() {
        let template = Template::load().unwrap();
        let (queue, _) = template.route("GET", "/vetting/nominations").expect("queue route");
        assert_eq!(queue.authorizer.as_deref(), Some("StaffJwt"));
        let (form, _) = template.route("GET", "/nominate").unwrap();
        assert_eq!(form.authorizer, None);
    }
}
