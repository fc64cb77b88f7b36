//! Which of a function's routes API Gateway chose. API Gateway has already
//! matched the method and path against the template's routes and says which
//! in the event's `routeKey` (`"POST /vetting/nominations/{id}/decision"`),
//! with the path's variables in `pathParameters`: handlers dispatch on that
//! and never match paths again.

use lambda_http::request::RequestContext;
use lambda_http::{Request, RequestExt};

/// Why a request that reached the function is none of its routes: API
/// Gateway's `$default` route, an `ANY` route kept for the `405`, or an event
/// sent by hand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unrouted {
    /// No route has this path.
    NotFound,
    /// Routes have this path, with these methods (the `Allow` header).
    MethodNotAllowed(String),
}

/// The route of `routes` (route key, what it names) that API Gateway chose
/// for `request`.
pub fn route<R: Copy>(request: &Request, routes: &[(&str, R)]) -> Result<R, Unrouted> {
    let chosen = route_key(request);
    if let Some((_, route)) = routes.iter().find(|(key, _)| Some(*key) == chosen) {
        return Ok(*route);
    }
    let path = request.uri().path();
    let allowed: Vec<&str> = routes
        .iter()
        .filter_map(|(key, _)| key.split_once(' '))
        .filter(|(_, pattern)| path_matches(pattern, path))
        .map(|(method, _)| method)
        .collect();
    match allowed.is_empty() {
        true => Err(Unrouted::NotFound),
        false => Err(Unrouted::MethodNotAllowed(allowed.join(", "))),
    }
}

/// The route key API Gateway (HTTP API, payload 2.0) matched.
fn route_key(request: &Request) -> Option<&str> {
    match request.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(context)) => context.route_key.as_deref(),
        _ => None,
    }
}

/// A path variable of the chosen route (`{id}` in its route key).
pub fn path_parameter<'a>(request: &'a Request, name: &str) -> Option<&'a str> {
    request
        .path_parameters_ref()
        .and_then(|parameters| parameters.first(name))
}

/// Whether `path` is one of the paths a route key's `pattern` stands for;
/// `{name}` takes one non-empty segment, as in API Gateway.
fn path_matches(pattern: &str, path: &str) -> bool {
    let pattern: Vec<&str> = pattern.trim_matches('/').split('/').collect();
    let path: Vec<&str> = path.trim_matches('/').split('/').collect();
    pattern.len() == path.len()
        && pattern.iter().zip(&path).all(|(expected, actual)| {
            let variable = expected.starts_with('{') && expected.ends_with('}');
            match variable {
                true => !actual.is_empty(),
                false => expected == actual,
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROUTES: &[(&str, u8)] = &[("GET /items", 1), ("POST /items", 2), ("POST /items/{id}/close", 3)];

    fn request(route_key: &str, method: &str, path: &str) -> Request {
        let event = serde_json::json!({
            "version": "2.0", "routeKey": route_key, "rawPath": path, "rawQueryString": "",
            "headers": {},
            "pathParameters": { "id": "7" },
            "requestContext": { "http": { "method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1", "userAgent": "test" },
                "routeKey": route_key, "stage": "$default", "requestId": "r", "accountId": "1", "apiId": "a", "timeEpoch": 0 },
            "isBase64Encoded": false,
        });
        lambda_http::request::from_str(&event.to_string()).expect("an HTTP API event")
    }

    #[test]
    fn the_route_key_names_the_route_and_its_path_variables() {
        let closing = request("POST /items/{id}/close", "POST", "/items/7/close");
        assert_eq!(route(&closing, ROUTES), Ok(3));
        assert_eq!(path_parameter(&closing, "id"), Some("7"));
    }

    #[test]
    fn an_unrouted_request_is_told_the_methods_its_path_takes_or_that_there_is_no_such_path() {
        let other_method = request("$default", "DELETE", "/items");
        assert_eq!(
            route(&other_method, ROUTES),
            Err(Unrouted::MethodNotAllowed("GET, POST".to_owned()))
        );
        let nowhere = request("$default", "GET", "/items/7");
        assert_eq!(route(&nowhere, ROUTES), Err(Unrouted::NotFound));
    }
}
