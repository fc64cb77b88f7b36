//! Mints a staff token for the local stack (run `infra/up` once first):
//!
//! ```sh
//! cargo run -q -p iln-runner --bin mint-token -- --sub ana --email ana@imi.org --group iln-vetters
//! ```

use chrono::{Duration, Utc};
use iln_runner::authorizer::LocalAuthorizer;
use iln_runner::local::Secrets;

fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let mut subject = "local-staff".to_owned();
    let mut email = None;
    let mut groups = Vec::new();
    let mut arguments = std::env::args().skip(1);
    while let Some(flag) = arguments.next() {
        let value = arguments.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--sub" => subject = value,
            "--email" => email = Some(value),
            "--group" => groups.push(value),
            _ => return Err(format!("unknown flag {flag}; use --sub, --email, --group (repeatable)").into()),
        }
    }
    let state = std::env::var("ILN_STATE_DIR").unwrap_or_else(|_| ".local/up".to_owned());
    let secrets = Secrets::load_or_create(std::path::Path::new(&state))?;
    let groups: Vec<&str> = groups.iter().map(String::as_str).collect();
    let token = LocalAuthorizer::new(secrets.jwt_secret.as_bytes())?.mint(
        &subject,
        email.as_deref(),
        &groups,
        Utc::now(),
        Duration::days(30),
    )?;
    println!("{token}");
    Ok(())
}
