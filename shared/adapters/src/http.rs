//! Building HTTP responses for API Gateway. Every response is uncacheable:
//! pages carry personal data or single-use links.

use lambda_http::http::{HeaderValue, StatusCode, header};
use lambda_http::{Body, Response};
use serde::Serialize;

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

pub fn json(status: StatusCode, value: &impl Serialize) -> Response<Body> {
    // Serialising our own response types cannot fail; an empty object is a
    // safe answer if it ever did.
    let body = serde_json::to_string(value).unwrap_or_else(|_| "{}".to_owned());
    let mut response = with_common_headers(Response::new(Body::from(body)), "application/json");
    *response.status_mut() = status;
    response
}

pub fn with_header(mut response: Response<Body>, name: header::HeaderName, value: &'static str) -> Response<Body> {
    response.headers_mut().insert(name, HeaderValue::from_static(value));
    response
}
