//! Reads what the local stack needs from `template.yaml`, the one place
//! routes, the table and its indexes are declared.

use serde::Deserialize;
use serde_norway::Value;
use std::collections::BTreeMap;

/// The deployment template, compiled in so the runner and tests always read
/// the same declaration as `sam deploy`.
pub const TEMPLATE_YAML: &str = include_str!("../../../template.yaml");

pub const TABLE_RESOURCE: &str = "NominationsTable";

#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error("template.yaml is not valid YAML")]
    Yaml(#[from] serde_norway::Error),
    #[error("template.yaml has no {0} resource")]
    MissingTable(&'static str),
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

#[derive(Debug, Clone)]
pub struct Template {
    pub routes: Vec<Route>,
    pub table: TableDeclaration,
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

impl Template {
    pub fn load() -> Result<Self, TemplateError> {
        Self::parse(TEMPLATE_YAML)
    }

    pub fn parse(yaml: &str) -> Result<Self, TemplateError> {
        let file: TemplateFile = serde_norway::from_str(yaml)?;
        let mut routes = Vec::new();
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
        }
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
            table: Template::load().unwrap().table,
            defaults: BTreeMap::new(),
        };
        assert_eq!(template.route("POST", "/nominations").unwrap().0.function, "Post");
        assert_eq!(template.route("DELETE", "/nominations").unwrap().0.function, "Any");
        let (route, parameters) = template.route("GET", "/invitations/abc").unwrap();
        assert_eq!((route.function.as_str(), parameters["token"].as_str()), ("Page", "abc"));
        assert!(template.route("GET", "/elsewhere").is_none());
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

    #[test]
    fn staff_routes_are_marked_as_needing_the_jwt_authorizer() {
        let template = Template::load().unwrap();
        let (queue, _) = template.route("GET", "/vetting/nominations").expect("queue route");
        assert_eq!(queue.authorizer.as_deref(), Some("StaffJwt"));
        let (form, _) = template.route("GET", "/nominate").unwrap();
        assert_eq!(form.authorizer, None);
    }
}
