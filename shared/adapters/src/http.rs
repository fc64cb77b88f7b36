//! Building HTTP responses for API Gateway. Every response is uncacheable:
//! pages carry personal data or single-use links.

use lambda_http::http::{HeaderValue, StatusCode, header};
use lambda_http::{Body, Response};
use serde::Serialize;

mod failure;
mod routing;

pub use failure::{ApiFailure, INTERNAL_MESSAGE, json_body, log_internal, log_unavailable};
pub use routing::{Unrouted, path_parameter, route};

/// Pages load nothing from elsewhere and post only to us.
const PAGE_POLICY: &str =
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

fn with_common_headers(mut response: Response<Body>, content_type: &'static str) -> Response<Body> {
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    // Links carry tokens in their query: never leak them to another site.
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    response
}

pub fn html(status: StatusCode, page: String) -> Response<Body> {
    let mut response = with_common_headers(Response::new(Body::from(page)), "text/html; charset=utf-8");
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(PAGE_POLICY));
    response
}

/// A page whose forms may also lead to `origin`: the staff console's sign-out
/// posts to the console, which sends the browser on to the identity
/// provider's sign-out, and browsers hold that redirect to `form-action`.
pub fn html_with_form_action(status: StatusCode, page: String, origin: &str) -> Response<Body> {
    let mut response = html(status, page);
    let policy = PAGE_POLICY.replace("form-action 'self'", &format!("form-action 'self' {origin}"));
    if let Ok(policy) = HeaderValue::from_str(&policy) {
        response.headers_mut().insert(header::CONTENT_SECURITY_POLICY, policy);
    }
    response
}

pub fn json(status: StatusCode, value: &impl Serialize) -> Response<Body> {
    // Serialising our own response types cannot fail; an empty object is a
    // safe answer if it ever did.
    let body = serde_json::to_string(value).unwrap_or_else(|_| "{}".to_owned());
    let mut response = with_common_headers(Response::new(Body::from(body)), "application/json");
    *response.status_mut() = status;
    response
}

/// A CSV download.
pub fn csv(status: StatusCode, table: String) -> Response<Body> {
    let mut response = with_common_headers(Response::new(Body::from(table)), "text/csv; charset=utf-8");
    *response.status_mut() = status;
    response
}

/// `response` as a `405`, with the `Allow` header that RFC 9110 requires of
/// one: `allow` names the methods the path takes (`"POST"`, `"GET, POST"`).
pub fn with_allow(mut response: Response<Body>, allow: &str) -> Response<Body> {
    *response.status_mut() = StatusCode::METHOD_NOT_ALLOWED;
    // Methods are tokens, always a valid header value.
    if let Ok(value) = HeaderValue::from_str(allow) {
        response.headers_mut().insert(header::ALLOW, value);
    }
    response
}

pub fn with_header(mut response: Response<Body>, name: header::HeaderName, value: &'static str) -> Response<Body> {
    response.headers_mut().insert(name, HeaderValue::from_static(value));
    response
}

/// The signed-in staff member, from the claims API Gateway's JWT authorizer
/// passes on (the local runner plays that authorizer).
pub fn staff(request: &lambda_http::Request) -> Result<iln_domain::staff::Staff, iln_domain::staff::AccessRefused> {
    use lambda_http::RequestExt;
    use lambda_http::request::RequestContext;
    let claims = match request.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(context)) => context
            .authorizer
            .as_ref()
            .and_then(|a| a.jwt.as_ref())
            .map(|jwt| &jwt.claims),
        _ => None,
    };
    iln_domain::staff::Staff::from_claims(claims.unwrap_or(&iln_domain::staff::Claims::new()))
}

/// The answer to a staff request the token does not allow: `401` when the
/// token does not say who the staff member is, `403` when it does and the
/// answer is no. `needs` names the group the route needs.
pub fn access_refused(refused: iln_domain::staff::AccessRefused, needs: &str) -> Response<Body> {
    use iln_domain::staff::AccessRefused;
    let (status, message) = match refused {
        AccessRefused::NotSignedIn => (StatusCode::UNAUTHORIZED, "sign in as IMI staff".to_owned()),
        AccessRefused::NotAnIdToken => (
            StatusCode::UNAUTHORIZED,
            "send your ID token: an access token does not say who you are".to_owned(),
        ),
        AccessRefused::EmailNotVerified => (
            StatusCode::FORBIDDEN,
            "your e-mail address is not verified by the identity provider".to_owned(),
        ),
        AccessRefused::WrongGroup => (StatusCode::FORBIDDEN, format!("this needs {needs}")),
    };
    json_error(status, None, &message)
}

/// A `413` that says what the route takes.
pub fn too_large(limit: usize) -> Response<Body> {
    json_error(
        StatusCode::PAYLOAD_TOO_LARGE,
        None,
        &format!("the body is over the {} this route takes", size(limit)),
    )
}

/// `16 KiB`, `2 MiB`: limits as people write them.
fn size(bytes: usize) -> String {
    match bytes {
        b if b >= 1024 * 1024 && b % (1024 * 1024) == 0 => format!("{} MiB", b / (1024 * 1024)),
        b if b >= 1024 && b % 1024 == 0 => format!("{} KiB", b / 1024),
        b => format!("{b} bytes"),
    }
}

/// The address the request came from, as API Gateway saw it
/// (`requestContext.http.sourceIp`).
pub fn source_ip(request: &lambda_http::Request) -> Option<&str> {
    use lambda_http::RequestExt;
    use lambda_http::request::RequestContext;
    match request.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(context)) => context.http.source_ip.as_deref(),
        _ => None,
    }
}

/// The one shape of every JSON error: `{"errors": [{"field"?, "code"?, "message"}]}`.
pub fn json_error(status: StatusCode, field: Option<&str>, message: &str) -> Response<Body> {
    json(status, &error_body(field, message))
}

/// The body of a JSON error with one error, for answers that add to it
/// (where a nomination stands now, how far an import got).
pub fn error_body(field: Option<&str>, message: &str) -> serde_json::Value {
    let error = match field {
        Some(field) => serde_json::json!({ "field": field, "message": message }),
        None => serde_json::json!({ "message": message }),
    };
    serde_json::json!({ "errors": [error] })
}

/// How long a client is asked to wait when the table did not answer:
/// throttling and restarts pass in seconds, and sooner only adds load.
pub const RETRY_AFTER_SECONDS: &str = "30";

/// The `code` of a JSON error for a table that did not answer in time.
pub const STORE_UNAVAILABLE: &str = "store_unavailable";

/// `503 Service Unavailable` with `Retry-After`: the answer when the table
/// did not answer in time and whether the request took effect is unknown.
pub fn unavailable(mut response: Response<Body>) -> Response<Body> {
    *response.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
    with_header(response, header::RETRY_AFTER, RETRY_AFTER_SECONDS)
}

/// The page for a person whose request the table did not answer, saying
/// what `interrupted` may or may not have done (its plain text if the page
/// will not render).
pub fn unavailable_page(language: iln_domain::Language, interrupted: iln_domain::pages::Interrupted) -> Response<Body> {
    let page = iln_domain::pages::unavailable(language, interrupted).unwrap_or_else(|_| interrupted.message(language));
    unavailable(html(StatusCode::SERVICE_UNAVAILABLE, page))
}

/// The JSON error for a table that did not answer, with a stable `code`.
pub fn json_unavailable(message: &str) -> Response<Body> {
    let error = serde_json::json!({ "code": STORE_UNAVAILABLE, "message": message });
    unavailable(json(
        StatusCode::SERVICE_UNAVAILABLE,
        &serde_json::json!({ "errors": [error] }),
    ))
}

/// The request's media type, lower case, without parameters (`charset`).
pub fn media_type(request: &lambda_http::Request) -> Option<String> {
    let content_type = request.headers().get(header::CONTENT_TYPE)?.to_str().ok()?;
    Some(
        content_type
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase(),
    )
}
