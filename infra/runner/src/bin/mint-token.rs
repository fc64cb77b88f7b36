//! Mints a staff token for the local stack (run `infra/up` once first), an
//! ID token as Cognito mints it (`token_use` `id`, `email_verified`):
//!
//! ```sh
//! cargo run -q -p iln-runner --bin mint-token -- --sub ana --email ana@imi.org --group iln-vetters
//! ```
//!
//! `--access` mints the same user's access token instead, which the staff
//! API refuses.

use chrono::{Duration, Utc};
use iln_runner::authorizer::LocalAuthorizer;
use iln_runner::local::Secrets;

fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let mut subject = "local-staff".to_owned();
    let mut email = None;
    let mut groups = Vec::new();
    let mut access = false;
    let mut arguments = std::env::args().skip(1);
    while let Some(flag) = arguments.next() {
        if flag == "--access" {
            access = true;
            continue;
        }
        let value = arguments.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--sub" => subject = value,
            "--email" => email = Some(value),
            "--group" => groups.push(value),
            _ => {
                return Err(format!("unknown flag {flag}; use --sub, --email, --group (repeatable), --access").into());
            }
        }
    }
    let state = std::env::var("ILN_STATE_DIR").unwrap_or_else(|_| ".local/up".to_owned());
    let secrets = Secrets::load_or_create(std::path::Path::new(&state))?;
    let groups: Vec<&str> = groups.iter().map(String::as_str).collect();
    let authorizer = LocalAuthorizer::new(secrets.jwt_secret.as_bytes())?;
    let token = match access {
        true => authorizer.mint_access_token(&subject, &groups, Utc::now(), Duration::days(30))?,
        false => authorizer.mint(&subject, email.as_deref(), &groups, Utc::now(), Duration::days(30))?,
    };
    println!("{token}");
    Ok(())
}
