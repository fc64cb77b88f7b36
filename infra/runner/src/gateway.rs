//! Plays API Gateway (HTTP API, payload format 2.0) for the local stack and
//! for tests: a plain HTTP request in, the Lambda event a function receives.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use http::HeaderMap;
use lambda_http::Request;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

use crate::template::Route;

/// The event API Gateway would send for this request, as JSON, then parsed
/// by `lambda_http` exactly as in Lambda.
#[allow(clippy::too_many_arguments)]
pub fn lambda_request(
    route: &Route,
    path_parameters: &BTreeMap<String, String>,
    claims: Option<&BTreeMap<String, String>>,
    method: &str,
    path_and_query: &str,
    headers: &HeaderMap,
    body: &[u8],
    source_ip: &str,
    now: DateTime<Utc>,
) -> Result<Request, serde_json::Error> {
    let (path, query) = path_and_query.split_once('?').unwrap_or((path_and_query, ""));
    let mut header_map = Map::new();
    let mut cookies = Vec::new();
    for (name, value) in headers {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        if name == http::header::COOKIE {
            cookies.extend(value.split(';').map(|c| Value::from(c.trim())));
            continue;
        }
        // API Gateway joins repeated headers with commas.
        match header_map.get_mut(name.as_str()) {
            Some(Value::String(existing)) => {
                existing.push(',');
                existing.push_str(&value);
            }
            _ => {
                header_map.insert(name.as_str().to_owned(), Value::from(value));
            }
        }
    }
    let mut query_parameters = Map::new();
    for (key, value) in url_pairs(query) {
        match query_parameters.get_mut(&key) {
            Some(Value::String(existing)) => {
                existing.push(',');
                existing.push_str(&value);
            }
            _ => {
                query_parameters.insert(key, Value::from(value));
            }
        }
    }
    let route_key = format!("{} {}", route.method, route.path);
    let route_key = if route.method == "ANY" {
        format!("ANY {}", route.path)
    } else {
        route_key
    };
    let event = json!({
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": path,
        "rawQueryString": query,
        "cookies": cookies,
        "headers": header_map,
        "queryStringParameters": query_parameters,
        "pathParameters": path_parameters,
        "requestContext": {
            "authorizer": claims.map(|claims| json!({ "jwt": { "claims": claims, "scopes": null } })),
            "accountId": "000000000000",
            "apiId": "local",
            "domainName": "127.0.0.1",
            "domainPrefix": "local",
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": source_ip,
                "userAgent": headers.get(http::header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or(""),
            },
            "requestId": ulid::Ulid::new().to_string(),
            "routeKey": route_key,
            "stage": "$default",
            "time": now.format("%d/%b/%Y:%H:%M:%S %z").to_string(),
            "timeEpoch": now.timestamp_millis(),
        },
        // HTTP APIs send bodies base64-encoded unless they are text; encoding
        // always keeps bytes that are not UTF-8 exactly as sent.
        "body": STANDARD.encode(body),
        "isBase64Encoded": true,
    });
    lambda_http::request::from_str(&event.to_string())
}

fn url_pairs(query: &str) -> Vec<(String, String)> {
    url::form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// The whole of API Gateway as the local stack needs it: routing by the
/// template, the JWT authorizer, the event, the function.
pub struct Gateway {
    pub template: crate::Template,
    pub authorizer: crate::authorizer::LocalAuthorizer,
    pub functions: crate::Functions,
}

fn json_response(status: u16, body: &'static str) -> lambda_http::Response<lambda_http::Body> {
    let mut response = lambda_http::Response::new(lambda_http::Body::from(body));
    *response.status_mut() = http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    response
}

/// Where every request on this machine comes from.
pub const LOOPBACK: &str = "127.0.0.1";

impl Gateway {
    pub async fn handle(
        &self,
        method: &str,
        path_and_query: &str,
        headers: &HeaderMap,
        body: &[u8],
        now: DateTime<Utc>,
    ) -> lambda_http::Response<lambda_http::Body> {
        self.handle_from(LOOPBACK, method, path_and_query, headers, body, now)
            .await
    }

    /// A request from `source_ip` (`requestContext.http.sourceIp`).
    pub async fn handle_from(
        &self,
        source_ip: &str,
        method: &str,
        path_and_query: &str,
        headers: &HeaderMap,
        body: &[u8],
        now: DateTime<Utc>,
    ) -> lambda_http::Response<lambda_http::Body> {
        let path = path_and_query.split('?').next().unwrap_or_default();
        let Some((route, parameters)) = self.template.route(method, path) else {
            return json_response(404, r#"{"message":"Not Found"}"#);
        };
        // API Gateway answers 401 itself, before any function runs.
        let claims = match &route.authorizer {
            None => None,
            Some(_) => {
                let authorization = headers.get(http::header::AUTHORIZATION).and_then(|v| v.to_str().ok());
                match self.authorizer.verify(authorization) {
                    Ok(claims) => Some(claims),
                    Err(_) => return json_response(401, r#"{"message":"Unauthorized"}"#),
                }
            }
        };
        let request = match lambda_request(
            route,
            &parameters,
            claims.as_ref(),
            method,
            path_and_query,
            headers,
            body,
            source_ip,
            now,
        ) {
            Ok(request) => request,
            Err(error) => {
                tracing::error!(error = %error, "could not build the API Gateway event");
                return json_response(500, r#"{"message":"Internal Server Error"}"#);
            }
        };
        // Lambda gives each invocation its function's Timeout.
        let request = {
            use lambda_http::RequestExt;
            let mut context = lambda_http::Context::default();
            context.deadline = deadline_after(function_timeout(&route.function));
            request.with_lambda_context(context)
        };
        match self.functions.call_http(&route.function, request, now).await {
            Some(response) => response,
            None => json_response(404, r#"{"message":"Not Found"}"#),
        }
    }
}

/// The function's `Timeout` in template.yaml, else the template's global
/// one, else Lambda's default of 3 seconds.
pub fn function_timeout(function: &str) -> std::time::Duration {
    static TIMEOUTS: std::sync::LazyLock<(BTreeMap<String, u64>, Option<u64>)> = std::sync::LazyLock::new(|| {
        let template: serde_norway::Value =
            serde_norway::from_str(crate::template::TEMPLATE_YAML).unwrap_or(serde_norway::Value::Null);
        let functions = template["Resources"]
            .as_mapping()
            .into_iter()
            .flatten()
            .filter_map(|(name, resource)| {
                Some((name.as_str()?.to_owned(), resource["Properties"]["Timeout"].as_u64()?))
            })
            .collect();
        (functions, template["Globals"]["Function"]["Timeout"].as_u64())
    });
    let (functions, global) = &*TIMEOUTS;
    std::time::Duration::from_secs(functions.get(function).copied().or(*global).unwrap_or(3))
}

/// A Lambda context deadline (milliseconds since the epoch) `timeout` from now.
pub fn deadline_after(timeout: std::time::Duration) -> u64 {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    u64::try_from((now + timeout).as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod timeout_tests {
    use super::function_timeout;

    #[test]
    fn each_function_has_its_template_timeout() {
        assert_eq!(function_timeout("OutboxFunction").as_secs(), 120);
        assert_eq!(
            function_timeout("SubmitNominationFunction"),
            function_timeout("no such function"),
            "the global one"
        );
    }
}
