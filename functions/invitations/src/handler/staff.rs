//! The staff list of vetters, for admins: who may vet in Slack. The
//! deployment's `SlackVetters` is the list until an admin first changes
//! it; every change is audited (who, when, whom).

use chrono::{DateTime, Utc};
use iln_adapters::http::{ApiFailure, json, path_parameter};
use iln_domain::EmailAddress;
use iln_domain::vetters::{ListChange, change_staff_list};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde_json::json;

use super::{App, NOT_FOUND, require_admin};

/// Another admin's change between reading the list and writing ours: read
/// it again, this many times at most.
const ATTEMPTS: usize = 3;

#[tracing::instrument(skip_all)]
pub(super) async fn vetters(app: &App, request: &Request) -> Result<Response<Body>, ApiFailure> {
    require_admin(request)?;
    let view = app.table.staff_list().await?;
    let vetters: Vec<_> = match view.kept {
        true => view.vetters.iter().map(|vetter| json!(vetter)).collect(),
        false => app
            .config
            .initial_vetters
            .addresses()
            .iter()
            .map(|email| json!({ "email": email }))
            .collect(),
    };
    Ok(json(
        StatusCode::OK,
        &json!({
            "items": vetters,
            // Until an admin changes it, the deployment's list is the list.
            "source": if view.kept { "staff_list" } else { "initial_list" },
            "history": view.history,
        }),
    ))
}

#[tracing::instrument(skip_all)]
pub(super) async fn change(
    app: &App,
    request: &Request,
    change: ListChange,
    now: DateTime<Utc>,
) -> Result<Response<Body>, ApiFailure> {
    let admin = require_admin(request)?;
    let raw = path_parameter(request, "email").ok_or(ApiFailure::NotFound(NOT_FOUND))?;
    let vetter = EmailAddress::parse(&percent_decoded(raw))
        .map_err(|_| ApiFailure::BadRequest("the path does not name an e-mail address".to_owned()))?;
    let listed = change == ListChange::Add;
    for _ in 0..ATTEMPTS {
        let list = app.table.staff_list().await?.list();
        let Some(write) = change_staff_list(&list, &app.config.initial_vetters, change, &vetter, &admin.subject, now)
        else {
            return Ok(answer(&vetter, listed, false));
        };
        if app.table.change_staff_list(&write, now).await? {
            tracing::info!(?change, "staff list of vetters changed");
            return Ok(answer(&vetter, listed, true));
        }
    }
    Err(ApiFailure::conflict(
        "the staff list kept changing while this change was made; send it again",
    ))
}

fn answer(vetter: &EmailAddress, listed: bool, changed: bool) -> Response<Body> {
    json(
        StatusCode::OK,
        &json!({ "email": vetter, "listed": listed, "changed": changed }),
    )
}

/// A path segment as sent: a client may encode the `@` (`%40`). Only `%XX`
/// is decoded; a `+` stays a plus, as addresses use it.
fn percent_decoded(raw: &str) -> String {
    let bytes = raw.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |at: usize| bytes.get(at).and_then(|b| (*b as char).to_digit(16));
        match (bytes[i], hex(i + 1), hex(i + 2)) {
            (b'%', Some(high), Some(low)) => {
                decoded.push(u8::try_from(high * 16 + low).unwrap_or(b'%'));
                i += 3;
            }
            (byte, _, _) => {
                decoded.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&decoded).into_owned()
}

#[cfg(test)]
mod tests {
    use super::percent_decoded;

    #[test]
    fn an_encoded_at_is_decoded_and_a_plus_stays() {
        assert_eq!(percent_decoded("ana%40imi.org"), "ana@imi.org");
        assert_eq!(percent_decoded("ana+iln@imi.org"), "ana+iln@imi.org");
        assert_eq!(percent_decoded("100%"), "100%");
    }
}
