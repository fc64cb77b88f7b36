//! Reads what the local stack needs from `template.yaml`, the one place
//! routes, the table and its indexes, the outbox's stream event source and
//! every function's environment are declared.

use crate::event_filter::{FilterCriteria, PatternError};
use serde::Deserialize;
use serde_norway::Value;
use std::collections::{BTreeMap, BTreeSet};

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
    #[error("template.yaml has no function {0}")]
    UnknownFunction(String),
    #[error("template.yaml: {function}'s variable {variable} is neither text, !Ref, !GetAtt nor !Sub")]
    UnsupportedValue { function: String, variable: String },
    #[error(
        "template.yaml: {function}'s variable {variable} refers to {reference}, which has no Default and no local value"
    )]
    Unbound {
        function: String,
        variable: String,
        reference: String,
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

/// A value in a function's `Environment.Variables`, as written.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Expression {
    Text(String),
    /// `!Ref Name`: a parameter, a resource or a pseudo parameter.
    Ref(String),
    /// `!GetAtt Resource.Attribute`.
    GetAtt(String),
    /// `!Sub "…${Name}…"`.
    Sub(String),
}

impl Expression {
    fn read(value: &Value) -> Option<Self> {
        match value {
            Value::String(text) => Some(Self::Text(text.clone())),
            Value::Number(number) => Some(Self::Text(number.to_string())),
            Value::Bool(flag) => Some(Self::Text(flag.to_string())),
            Value::Tagged(tagged) => match (&tagged.value, tagged.tag.to_string().as_str()) {
                (Value::String(name), "!Ref") => Some(Self::Ref(name.clone())),
                (Value::String(name), "!GetAtt") => Some(Self::GetAtt(name.clone())),
                (Value::Sequence(parts), "!GetAtt") => match parts.as_slice() {
                    [Value::String(resource), Value::String(attribute)] => {
                        Some(Self::GetAtt(format!("{resource}.{attribute}")))
                    }
                    _ => None,
                },
                (Value::String(text), "!Sub") => Some(Self::Sub(text.clone())),
                _ => None,
            },
            _ => None,
        }
    }
}

/// What a run on this machine puts where CloudFormation would: values for
/// parameters (as `sam deploy --parameter-overrides` gives them), and local
/// stand-ins for resources, which exist only once deployed.
#[derive(Debug, Clone, Default)]
pub struct Bindings {
    /// Parameter values; a parameter not given here takes its `Default`.
    pub parameters: BTreeMap<String, String>,
    /// By logical id (`NominationsTable`), `Resource.Attribute` for
    /// `!GetAtt`, or pseudo parameter (`AWS::Region`).
    pub resources: BTreeMap<String, String>,
    /// Whole values of a function's variables, by (function, variable):
    /// where the local stand-in is at another kind of address than the
    /// service (the staff identity provider on http://127.0.0.1).
    pub variables: BTreeMap<(String, String), String>,
}

impl Bindings {
    pub fn parameter(mut self, name: &str, value: impl Into<String>) -> Self {
        self.parameters.insert(name.to_owned(), value.into());
        self
    }

    pub fn resource(mut self, name: &str, value: impl Into<String>) -> Self {
        self.resources.insert(name.to_owned(), value.into());
        self
    }

    pub fn variable(mut self, function: &str, variable: &str, value: impl Into<String>) -> Self {
        self.variables
            .insert((function.to_owned(), variable.to_owned()), value.into());
        self
    }
}

/// One function's environment variables, resolved: what Lambda would set.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Environment(BTreeMap<String, String>);

impl Environment {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    /// The lookup a function's `Config::from_lookup` reads.
    pub fn lookup(&self) -> impl Fn(&str) -> Option<String> + '_ {
        |name| self.get(name).map(str::to_owned)
    }

    /// Every variable, as a process started with this environment gets it.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(name, value)| (name.as_str(), value.as_str()))
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
    /// Every parameter's name, with a default or not.
    parameters: BTreeSet<String>,
    /// Each function's variables (`Globals` merged with its own), by
    /// logical id.
    environments: BTreeMap<String, BTreeMap<String, Expression>>,
}

#[derive(Deserialize)]
struct TemplateFile {
    #[serde(rename = "Parameters", default)]
    parameters: BTreeMap<String, Parameter>,
    #[serde(rename = "Globals", default)]
    globals: Globals,
    #[serde(rename = "Resources")]
    resources: BTreeMap<String, Resource>,
}

#[derive(Deserialize, Default)]
struct Globals {
    #[serde(rename = "Function", default)]
    function: FunctionGlobals,
}

#[derive(Deserialize, Default)]
struct FunctionGlobals {
    #[serde(rename = "Environment", default)]
    environment: Option<EnvironmentDeclaration>,
}

#[derive(Deserialize, Default)]
struct EnvironmentDeclaration {
    #[serde(rename = "Variables", default)]
    variables: BTreeMap<String, Value>,
}

fn variables_of(environment: Option<EnvironmentDeclaration>) -> BTreeMap<String, Value> {
    environment.map(|environment| environment.variables).unwrap_or_default()
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
    #[serde(rename = "Environment", default)]
    environment: Option<EnvironmentDeclaration>,
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
        let global_variables = variables_of(file.globals.function.environment);
        let mut routes = Vec::new();
        let mut outbox_streams = Vec::new();
        let mut environments = BTreeMap::new();
        for (function, resource) in &file.resources {
            if resource.kind != "AWS::Serverless::Function" {
                continue;
            }
            let properties: FunctionProperties = serde_norway::from_value(resource.properties.clone())?;
            // SAM merges the maps; the function's own value wins.
            let mut variables = global_variables.clone();
            variables.extend(variables_of(properties.environment));
            let variables = variables
                .into_iter()
                .map(|(variable, value)| match Expression::read(&value) {
                    Some(expression) => Ok((variable, expression)),
                    None => Err(TemplateError::UnsupportedValue {
                        function: function.clone(),
                        variable,
                    }),
                })
                .collect::<Result<_, _>>()?;
            environments.insert(function.clone(), variables);
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
        let parameters = file.parameters.keys().cloned().collect();
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
            parameters,
            environments,
        })
    }

    /// The environment Lambda would give `function`: every `!Ref` to a
    /// parameter is the value `bindings` gives it, else its `Default`; every
    /// reference to a resource is its local stand-in in `bindings`. Fails
    /// on a reference neither gives a value, so no variable is ever missing
    /// or silently empty locally.
    pub fn environment(&self, function: &str, bindings: &Bindings) -> Result<Environment, TemplateError> {
        let variables = self
            .environments
            .get(function)
            .ok_or_else(|| TemplateError::UnknownFunction(function.to_owned()))?;
        let mut environment = BTreeMap::new();
        for (variable, expression) in variables {
            let unbound = |reference: &str| TemplateError::Unbound {
                function: function.to_owned(),
                variable: variable.clone(),
                reference: reference.to_owned(),
            };
            let value = match bindings.variables.get(&(function.to_owned(), variable.clone())) {
                Some(given) => given.clone(),
                None => match expression {
                    Expression::Text(text) => text.clone(),
                    Expression::Ref(name) => self.resolve(name, bindings).ok_or_else(|| unbound(name))?,
                    Expression::GetAtt(name) => bindings.resources.get(name).cloned().ok_or_else(|| unbound(name))?,
                    Expression::Sub(text) => {
                        substitute(text, |name| self.resolve(name, bindings)).map_err(|name| unbound(&name))?
                    }
                },
            };
            environment.insert(variable.clone(), value);
        }
        Ok(Environment(environment))
    }

    /// The value of `!Ref name` (or `${name}` in a `!Sub`).
    fn resolve(&self, name: &str, bindings: &Bindings) -> Option<String> {
        match self.parameters.contains(name) {
            true => bindings
                .parameters
                .get(name)
                .or_else(|| self.defaults.get(name))
                .cloned(),
            false => bindings.resources.get(name).cloned(),
        }
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

/// `!Sub`'s text with each `${Name}` or `${Resource.Attribute}` replaced
/// by `resolve`'s value, and `${!Text}` written as `${Text}`. Fails with
/// the first name `resolve` has no value for.
fn substitute(text: &str, resolve: impl Fn(&str) -> Option<String>) -> Result<String, String> {
    let mut result = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        result.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            result.push_str(&rest[start..]);
            return Ok(result);
        };
        let name = &after[..end];
        match name.strip_prefix('!') {
            Some(literal) => {
                result.push_str("${");
                result.push_str(literal);
                result.push('}');
            }
            None => result.push_str(&resolve(name).ok_or_else(|| name.to_owned())?),
        }
        rest = &after[end + 1..];
    }
    result.push_str(rest);
    Ok(result)
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
mod tests;
