use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{Duration, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, COOKIE, LOCATION, SET_COOKIE};
use serde_json::Value;

use super::{Clock, DemoStaff, IdentityProvider, IdentityProviderConfig};

const CLIENT_ID: &str = "iln-staff-console";
const CALLBACK: &str = "http://127.0.0.1:3000/console/callback";
const SIGNED_OUT: &str = "http://127.0.0.1:3000/console/signed-out";
const VERIFIER: &str = "a-pkce-code-verifier-of-enough-length-0123456789abcdef";

fn config(base_url: &str) -> IdentityProviderConfig {
    IdentityProviderConfig {
        base_url: base_url.to_owned(),
        client_id: CLIENT_ID.to_owned(),
        callback_urls: vec![CALLBACK.to_owned()],
        logout_urls: vec![SIGNED_OUT.to_owned()],
        staff: vec![
            DemoStaff {
                subject: "11111111-aaaa-4bbb-8ccc-000000000001".to_owned(),
                email: "vera@imi.localhost".to_owned(),
                name: "Vera Vetter".to_owned(),
                groups: vec!["iln-vetters".to_owned()],
            },
            DemoStaff {
                subject: "11111111-aaaa-4bbb-8ccc-000000000002".to_owned(),
                email: "ada@imi.localhost".to_owned(),
                name: "Ada <Admin>".to_owned(),
                groups: vec!["iln-admins".to_owned(), "iln-vetters".to_owned()],
            },
        ],
    }
}

/// The stand-in on a local port, reading `clock`; with its base URL.
async fn serve(clock: Option<Clock>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a local port");
    let base = format!("http://{}", listener.local_addr().expect("a bound address"));
    let idp = match clock {
        Some(clock) => IdentityProvider::with_clock(config(&base), clock),
        None => IdentityProvider::new(config(&base)),
    }
    .expect("an identity provider");
    assert_eq!(idp.issuer(), base);
    let router = idp.router();
    tokio::spawn(async move { axum::serve(listener, router).await });
    base
}

fn client() -> reqwest::Client {
    iln_adapters::tls::client_builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a test client")
}

fn challenge(verifier: &str) -> String {
    use sha2::Digest as _;
    URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier.as_bytes()))
}

/// What the console sends to `/oauth2/authorize`.
fn authorize_params(state: &str) -> Vec<(&'static str, String)> {
    vec![
        ("response_type", "code".to_owned()),
        ("client_id", CLIENT_ID.to_owned()),
        ("redirect_uri", CALLBACK.to_owned()),
        ("state", state.to_owned()),
        ("scope", "openid email profile".to_owned()),
        ("nonce", "n-0S6_WzA2Mj".to_owned()),
        ("code_challenge", challenge(VERIFIER)),
        ("code_challenge_method", "S256".to_owned()),
    ]
}

async fn authorize(base: &str, params: &[(&str, String)], cookie: Option<&str>) -> reqwest::Response {
    let mut request = client().get(format!("{base}/oauth2/authorize")).query(params);
    if let Some(cookie) = cookie {
        request = request.header(COOKIE, cookie);
    }
    request.send().await.expect("the stand-in answers")
}

/// Picks `subject` on the sign-in page: the redirect and the session cookie.
async fn pick(base: &str, params: &[(&str, String)], subject: &str) -> (reqwest::Response, String) {
    let mut form: Vec<(&str, String)> = params.to_vec();
    form.push(("subject", subject.to_owned()));
    let response = client()
        .post(format!("{base}/oauth2/authorize"))
        .form(&form)
        .send()
        .await
        .expect("the stand-in answers");
    let cookie = response
        .headers()
        .get(SET_COOKIE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .unwrap_or_default()
        .to_owned();
    (response, cookie)
}

/// The query of a redirect's `Location`, which must go to `target`.
fn redirected_to(response: &reqwest::Response, target: &str) -> HashMap<String, String> {
    assert_eq!(response.status(), StatusCode::FOUND);
    let location = response.headers()[LOCATION].to_str().expect("a text Location");
    let (path, query) = location.split_once('?').unwrap_or((location, ""));
    assert_eq!(path, target, "redirected to {location}");
    url::form_urlencoded::parse(query.as_bytes()).into_owned().collect()
}

async fn exchange(base: &str, code: &str, verifier: &str) -> (StatusCode, Value) {
    let response = client()
        .post(format!("{base}/oauth2/token"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("client_id", CLIENT_ID),
            ("code", code),
            ("redirect_uri", CALLBACK),
            ("code_verifier", verifier),
        ])
        .send()
        .await
        .expect("the stand-in answers");
    (response.status(), response.json().await.expect("a JSON answer"))
}

/// A code for the first demo staff member, through the sign-in page.
async fn code_for_vera(base: &str) -> String {
    let params = authorize_params("s1");
    let (response, _) = pick(base, &params, "11111111-aaaa-4bbb-8ccc-000000000001").await;
    redirected_to(&response, CALLBACK)["code"].clone()
}

async fn verifying_key(base: &str) -> (String, DecodingKey) {
    let jwks: Value = client()
        .get(format!("{base}/.well-known/jwks.json"))
        .send()
        .await
        .expect("the stand-in answers")
        .json()
        .await
        .expect("a JSON key set");
    let key = &jwks["keys"][0];
    assert_eq!(
        (key["kty"].as_str(), key["alg"].as_str(), key["use"].as_str()),
        (Some("RSA"), Some("RS256"), Some("sig"))
    );
    let decoding = DecodingKey::from_rsa_components(key["n"].as_str().unwrap(), key["e"].as_str().unwrap()).unwrap();
    (key["kid"].as_str().unwrap().to_owned(), decoding)
}

#[tokio::test]
async fn a_staff_member_signs_in_and_the_console_gets_an_id_token_that_verifies_against_the_jwks() {
    let base = serve(None).await;
    let state = "st&te=with spaces/+?";
    let params = authorize_params(state);

    let page = authorize(&base, &params, None).await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    for shown in [
        "<html lang=\"en\"",
        "<title>Sign in</title>",
        "<h1>Sign in</h1>",
        "local stand-in for the Cognito user pool",
        "Vera Vetter",
        "vera@imi.localhost",
        "iln-admins, iln-vetters",
        "Ada &lt;Admin&gt;",
        "<label for=\"staff-1\">",
        "<button type=\"submit\">",
    ] {
        assert!(html.contains(shown), "the page shows {shown}: {html}");
    }

    let (response, cookie) = pick(&base, &params, "11111111-aaaa-4bbb-8ccc-000000000002").await;
    let callback = redirected_to(&response, CALLBACK);
    assert_eq!(callback["state"], state);
    assert!(cookie.starts_with("cognito="));

    let (status, tokens) = exchange(&base, &callback["code"], VERIFIER).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    assert_eq!(
        (tokens["expires_in"].as_i64(), tokens["token_type"].as_str()),
        (Some(3600), Some("Bearer"))
    );
    assert!(tokens["refresh_token"].as_str().is_some_and(|token| !token.is_empty()));

    let (kid, key) = verifying_key(&base).await;
    let id_token = tokens["id_token"].as_str().unwrap();
    let header = jsonwebtoken::decode_header(id_token).unwrap();
    assert_eq!(
        (header.alg, header.kid.as_deref()),
        (Algorithm::RS256, Some(kid.as_str()))
    );
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_issuer(&[&base]);
    validation.set_audience(&[CLIENT_ID]);
    let claims = jsonwebtoken::decode::<Value>(id_token, &key, &validation)
        .unwrap()
        .claims;
    assert_eq!(claims["sub"], "11111111-aaaa-4bbb-8ccc-000000000002");
    assert_eq!(claims["cognito:username"], "11111111-aaaa-4bbb-8ccc-000000000002");
    assert_eq!(claims["token_use"], "id");
    assert_eq!(claims["nonce"], "n-0S6_WzA2Mj");
    assert_eq!(claims["email"], "ada@imi.localhost");
    assert_eq!(claims["email_verified"], true);
    assert_eq!(claims["name"], "Ada <Admin>");
    assert_eq!(
        claims["cognito:groups"],
        serde_json::json!(["iln-admins", "iln-vetters"])
    );
    assert_eq!(claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(), 3600);
    assert!(claims["auth_time"].as_i64().unwrap() <= claims["iat"].as_i64().unwrap());

    let mut access_validation = Validation::new(Algorithm::RS256);
    access_validation.set_issuer(&[&base]);
    access_validation.validate_aud = false;
    let access = jsonwebtoken::decode::<Value>(tokens["access_token"].as_str().unwrap(), &key, &access_validation)
        .unwrap()
        .claims;
    assert_eq!(
        (access["token_use"].as_str(), access["client_id"].as_str()),
        (Some("access"), Some(CLIENT_ID))
    );
    assert_eq!(access["scope"], "openid email profile");
    assert_eq!(
        access["cognito:groups"],
        serde_json::json!(["iln-admins", "iln-vetters"])
    );
    assert!(access.get("aud").is_none() && access.get("email").is_none());
}

#[tokio::test]
async fn a_code_with_the_wrong_verifier_is_an_invalid_grant_and_is_spent() {
    let base = serve(None).await;
    let code = code_for_vera(&base).await;

    let (status, body) = exchange(&base, &code, "a-different-verifier-of-enough-length-0123456789abcdef").await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );

    let (status, body) = exchange(&base, &code, VERIFIER).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );
}

#[tokio::test]
async fn a_code_exchanged_twice_gives_tokens_once() {
    let base = serve(None).await;
    let code = code_for_vera(&base).await;

    let (first, _) = exchange(&base, &code, VERIFIER).await;
    let (second, body) = exchange(&base, &code, VERIFIER).await;

    assert_eq!(first, StatusCode::OK);
    assert_eq!(
        (second, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_code_exchanged_by_two_requests_at_once_gives_tokens_to_one() {
    let base = serve(None).await;
    let code = code_for_vera(&base).await;

    let attempts: Vec<_> = (0..8)
        .map(|_| {
            let (base, code) = (base.clone(), code.clone());
            tokio::spawn(async move { exchange(&base, &code, VERIFIER).await.0 })
        })
        .collect();
    let mut statuses = Vec::new();
    for attempt in attempts {
        statuses.push(attempt.await.unwrap());
    }

    assert_eq!(
        statuses.iter().filter(|status| **status == StatusCode::OK).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses
            .iter()
            .all(|status| *status == StatusCode::OK || *status == StatusCode::BAD_REQUEST)
    );
}

#[tokio::test]
async fn a_code_older_than_five_minutes_is_an_invalid_grant() {
    let now = Arc::new(Mutex::new(Utc::now()));
    let clock: Clock = {
        let now = now.clone();
        Arc::new(move || *now.lock().unwrap())
    };
    let base = serve(Some(clock)).await;
    let just_in_time = code_for_vera(&base).await;
    let too_late = code_for_vera(&base).await;

    *now.lock().unwrap() += Duration::minutes(5) - Duration::seconds(1);
    let (in_time, _) = exchange(&base, &just_in_time, VERIFIER).await;
    *now.lock().unwrap() += Duration::seconds(1);
    let (late, body) = exchange(&base, &too_late, VERIFIER).await;

    assert_eq!(in_time, StatusCode::OK);
    assert_eq!(
        (late, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );
}

#[tokio::test]
async fn an_unregistered_callback_or_client_gets_an_error_page_and_no_redirect() {
    let base = serve(None).await;
    let cases = [
        (
            "redirect_uri",
            "http://127.0.0.1:3000/console/callback/",
            "redirect_uri",
        ),
        ("redirect_uri", "http://evil.example/console/callback", "redirect_uri"),
        ("client_id", "someone-else", "client_id"),
    ];
    for (name, value, named_in_page) in cases {
        let mut params = authorize_params("s1");
        params
            .iter_mut()
            .filter(|(key, _)| *key == name)
            .for_each(|(_, old)| *old = value.to_owned());

        let response = authorize(&base, &params, None).await;

        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{name}={value}");
        assert!(
            response.headers().get(LOCATION).is_none(),
            "{name}={value} is not redirected"
        );
        let html = response.text().await.unwrap();
        assert!(html.contains("<html lang=\"en\"") && html.contains("<h1>"), "{html}");
        assert!(html.contains(named_in_page), "{name}={value}: {html}");
    }
}

#[tokio::test]
async fn a_request_without_pkce_s256_or_openid_goes_back_to_the_console_with_an_error_and_the_state() {
    let base = serve(None).await;
    let cases: [(&str, Option<&str>, &str); 5] = [
        ("code_challenge", None, "invalid_request"),
        ("code_challenge_method", Some("plain"), "invalid_request"),
        ("code_challenge_method", None, "invalid_request"),
        ("scope", Some("email profile"), "invalid_scope"),
        ("response_type", Some("id_token"), "unsupported_response_type"),
    ];
    for (name, value, error) in cases {
        let mut params = authorize_params("keep me");
        params.retain(|(key, _)| *key != name);
        if let Some(value) = value {
            params.push((name, value.to_owned()));
        }

        let response = authorize(&base, &params, None).await;

        let query = redirected_to(&response, CALLBACK);
        assert_eq!(query.get("error").map(String::as_str), Some(error), "{name}={value:?}");
        assert_eq!(
            query.get("state").map(String::as_str),
            Some("keep me"),
            "{name}={value:?}"
        );
        assert!(!query.contains_key("code"));
    }
}

#[tokio::test]
async fn a_signed_in_browser_gets_a_code_at_once_until_it_signs_out() {
    let base = serve(None).await;
    let (_, cookie) = pick(&base, &authorize_params("s1"), "11111111-aaaa-4bbb-8ccc-000000000001").await;

    let again = authorize(&base, &authorize_params("s2"), Some(&cookie)).await;
    let callback = redirected_to(&again, CALLBACK);
    assert_eq!(callback["state"], "s2");
    let (status, tokens) = exchange(&base, &callback["code"], VERIFIER).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");

    let logout = client()
        .get(format!("{base}/logout"))
        .query(&[("client_id", CLIENT_ID), ("logout_uri", SIGNED_OUT)])
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(logout.status(), StatusCode::FOUND);
    assert_eq!(logout.headers()[LOCATION], SIGNED_OUT);
    let cleared = logout.headers()[SET_COOKIE].to_str().unwrap();
    assert!(
        cleared.starts_with("cognito=;") && cleared.contains("Max-Age=0"),
        "{cleared}"
    );

    // The browser may still send the old cookie: the session is gone anyway.
    let after = authorize(&base, &authorize_params("s3"), Some(&cookie)).await;
    assert_eq!(after.status(), StatusCode::OK);
    assert!(after.text().await.unwrap().contains("Vera Vetter"));
}

#[tokio::test]
async fn signing_out_to_an_unregistered_address_is_an_error_page() {
    let base = serve(None).await;
    for (client_id, logout_uri) in [
        (CLIENT_ID, "http://evil.example/"),
        (CLIENT_ID, ""),
        ("someone-else", SIGNED_OUT),
    ] {
        let response = client()
            .get(format!("{base}/logout"))
            .query(&[("client_id", client_id), ("logout_uri", logout_uri), ("lang", "es")])
            .send()
            .await
            .unwrap();

        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{client_id} {logout_uri}");
        assert!(response.headers().get(LOCATION).is_none());
        assert!(response.text().await.unwrap().contains("<html lang=\"es\""));
    }
}

#[tokio::test]
async fn the_sign_in_page_speaks_spanish_with_lang_es() {
    let base = serve(None).await;
    let mut params = authorize_params("s1");
    params.push(("lang", "es".to_owned()));

    let html = authorize(&base, &params, None).await.text().await.unwrap();

    assert!(
        html.contains("<html lang=\"es\"") && html.contains("<h1>Iniciar sesión</h1>"),
        "{html}"
    );
    assert!(
        html.contains("name=\"lang\" value=\"es\""),
        "the choice keeps the language: {html}"
    );
}

#[tokio::test]
async fn the_token_endpoint_refuses_what_cognito_refuses() {
    let base = serve(None).await;
    let code = code_for_vera(&base).await;
    let post = |body: String, content_type: &'static str| {
        let base = base.clone();
        async move {
            let response = client()
                .post(format!("{base}/oauth2/token"))
                .header(CONTENT_TYPE, content_type)
                .body(body)
                .send()
                .await
                .unwrap();
            let status = response.status();
            let body: Value = response.json().await.unwrap();
            (status, body["error"].as_str().unwrap_or_default().to_owned())
        }
    };
    let form = "application/x-www-form-urlencoded";
    let cases = [
        (
            format!("{{\"grant_type\":\"authorization_code\",\"code\":\"{code}\"}}"),
            "application/json",
            "invalid_request",
        ),
        (
            format!("grant_type=client_credentials&client_id={CLIENT_ID}"),
            form,
            "unsupported_grant_type",
        ),
        (
            format!("grant_type=authorization_code&client_id=other&code={code}"),
            form,
            "invalid_client",
        ),
        (
            "grant_type=authorization_code&client_id=x".replace('x', CLIENT_ID),
            form,
            "invalid_request",
        ),
        (
            format!("grant_type=authorization_code&client_id={CLIENT_ID}&code=unknown"),
            form,
            "invalid_grant",
        ),
    ];
    for (body, content_type, error) in cases {
        assert_eq!(
            post(body.clone(), content_type).await,
            (StatusCode::BAD_REQUEST, error.to_owned()),
            "{body}"
        );
    }
    // None of those spent the code: only an exchange attempt does.
    assert_eq!(exchange(&base, &code, VERIFIER).await.0, StatusCode::OK);
}

#[tokio::test]
async fn a_refresh_token_gives_new_tokens_for_the_same_sign_in() {
    let base = serve(None).await;
    let code = code_for_vera(&base).await;
    let (_, tokens) = exchange(&base, &code, VERIFIER).await;

    let response = client()
        .post(format!("{base}/oauth2/token"))
        .form(&[
            ("grant_type", "refresh_token"),
            ("client_id", CLIENT_ID),
            ("refresh_token", tokens["refresh_token"].as_str().unwrap()),
        ])
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::OK);
    let refreshed: Value = response.json().await.unwrap();
    assert!(refreshed.get("refresh_token").is_none());
    let (_, key) = verifying_key(&base).await;
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_audience(&[CLIENT_ID]);
    let claims = |token: &Value| {
        jsonwebtoken::decode::<Value>(token.as_str().unwrap(), &key, &validation)
            .unwrap()
            .claims
    };
    let (before, after) = (claims(&tokens["id_token"]), claims(&refreshed["id_token"]));
    assert_eq!(
        (after["sub"].clone(), after["auth_time"].clone()),
        (before["sub"].clone(), before["auth_time"].clone())
    );
    assert!(after.get("nonce").is_none());
}

#[test]
fn each_process_gets_its_own_key_and_kid_quickly() {
    let started = std::time::Instant::now();
    let first = IdentityProvider::new(config("http://127.0.0.1:8010")).unwrap();
    let elapsed = started.elapsed();
    let second = IdentityProvider::new(config("http://127.0.0.1:8010/")).unwrap();

    let (first_jwks, second_jwks) = (first.inner.signing_key.jwks(), second.inner.signing_key.jwks());
    assert_ne!(first_jwks["keys"][0]["kid"], second_jwks["keys"][0]["kid"]);
    assert_ne!(first_jwks["keys"][0]["n"], second_jwks["keys"][0]["n"]);
    assert_eq!(second.issuer(), "http://127.0.0.1:8010");
    assert!(IdentityProvider::new(config("127.0.0.1:8010")).is_err());
    eprintln!("RSA 2048 key generation took {elapsed:?}");
}
