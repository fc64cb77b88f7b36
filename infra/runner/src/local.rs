//! The local stack's own settings: what it gives template.yaml's
//! parameters, channels, users, secrets and demo data. Nothing here is used
//! in AWS.

use chrono::{DateTime, Utc};
use iln_adapters::dynamodb::NominationTable;
use std::path::Path;

use crate::identity_provider::{DemoStaff, IdentityProviderConfig};
use crate::template::{Bindings, TABLE_RESOURCE};

pub const VETTING_CHANNEL: &str = "C0VETTING";
pub const ILN_CHANNEL: &str = "C0ILN";

/// Where the Slack stand-in listens unless `ILN_SLACK_PORT` says otherwise.
pub const DEFAULT_SLACK_PORT: u16 = 3001;

/// Where the staff identity provider's stand-in (Cognito's managed login
/// and its keys) listens unless told otherwise.
pub const DEFAULT_IDENTITY_PROVIDER_PORT: u16 = 3002;

/// The staff console's app client, locally.
pub const CONSOLE_CLIENT_ID: &str = "iln-console-local";

/// The console's function in template.yaml.
pub const STAFF_CONSOLE_FUNCTION: &str = "StaffConsoleFunction";

/// Points the console at the identity provider's stand-in at `url`, which
/// serves both what Cognito's managed login domain and its issuer serve.
pub fn with_identity_provider(bindings: Bindings, url: &str) -> Bindings {
    bindings
        .resource("StaffConsoleClient", CONSOLE_CLIENT_ID)
        .variable(STAFF_CONSOLE_FUNCTION, "STAFF_ISSUER", url)
        .variable(STAFF_CONSOLE_FUNCTION, "STAFF_SIGN_IN_URL", url)
}

/// The stand-in's settings: the console's client with its callback and
/// sign-out addresses under `public_base_url`, and the demo staff.
pub fn identity_provider_config(url: &str, public_base_url: &str) -> IdentityProviderConfig {
    let staff = |subject: &str, email: &str, name: &str, group: &str| DemoStaff {
        subject: subject.to_owned(),
        email: email.to_owned(),
        name: name.to_owned(),
        groups: vec![group.to_owned()],
    };
    IdentityProviderConfig {
        base_url: url.to_owned(),
        client_id: CONSOLE_CLIENT_ID.to_owned(),
        callback_urls: vec![format!("{public_base_url}/console/callback")],
        logout_urls: vec![format!("{public_base_url}/console/signed-out")],
        staff: vec![
            staff(
                "local-vetter",
                "vetter@iln.localhost",
                "Vera (IMI vetter)",
                "iln-vetters",
            ),
            staff(
                "local-admin",
                "admin@iln.localhost",
                "Ada (IMI administrator)",
                "iln-admins",
            ),
        ],
    }
}

/// The address of a local service: the stack listens on 127.0.0.1 only.
pub fn loopback_url(port: u16) -> String {
    format!("http://127.0.0.1:{port}")
}

/// What this machine gives template.yaml where a deployment would: its
/// table, the parameters that have no `Default` (`sam deploy` asks for
/// them), and the few defaults that name a service on the Internet. Every
/// other setting is the template's `Default`.
pub fn bindings(table_name: &str, public_base_url: &str, slack_url: &str) -> Bindings {
    Bindings::default()
        .resource(TABLE_RESOURCE, table_name)
        // No configuration set: the mailbox simulator plays SES's events.
        .resource("SesConfigurationSet", "")
        .parameter("PublicBaseUrl", public_base_url)
        .parameter("SenderAddress", "ILN Nominations <nominations@iln.localhost>")
        .parameter("SlackApiUrl", format!("{slack_url}/api"))
        .parameter("SlackJoinUrl", format!("{slack_url}/"))
        // The stand-in answers Slack's permalinks with the message.
        .parameter("SlackWorkspaceUrl", slack_url)
        .parameter("SlackVettingChannel", VETTING_CHANNEL)
        .parameter("SlackIlnChannel", ILN_CHANNEL)
        // The initial staff list: Vera vets. Who confirms comes from the
        // demo roster (`load_demo_roster`).
        .parameter("SlackVetters", "vetter@iln.localhost")
        .parameter("IacAddress", "iac@iln.localhost")
        .parameter("ContactAddress", "iln@iln.localhost")
        .parameter("VettersAddress", "vetters@iln.localhost")
        // Names only: locally the secrets come from [`Secrets`], not SSM.
        .parameter("SlackBotTokenParameter", "/iln-local/slack-bot-token")
        .parameter("SlackSigningSecretParameter", "/iln-local/slack-signing-secret")
        .parameter("LinkKeyParameter", "/iln-local/link-key")
}

/// `bindings` with the parameters this shell overrides, for trying the
/// process locally as another deployment would run it: `SENDER_ADDRESS`,
/// `ILN_CONFIRMATION_QUORUM`, `ILN_CONFIRMATION_MODE`,
/// `ILN_MINIMUM_CONFIRMATIONS`, `ILN_DISCUSSION_DAYS`,
/// `ILN_SLACK_ILN_LANGUAGE`, `ILN_SLACK_VETTING_LANGUAGE`,
/// `ILN_NOMINEE_CONSENT`.
pub fn with_overrides_from_environment(bindings: Bindings) -> Bindings {
    let overrides = [
        ("SENDER_ADDRESS", "SenderAddress"),
        ("ILN_CONFIRMATION_QUORUM", "ConfirmationQuorum"),
        ("ILN_CONFIRMATION_MODE", "ConfirmationMode"),
        ("ILN_MINIMUM_CONFIRMATIONS", "MinimumConfirmations"),
        ("ILN_DISCUSSION_DAYS", "DiscussionDays"),
        ("ILN_SLACK_ILN_LANGUAGE", "SlackIlnLanguage"),
        ("ILN_SLACK_VETTING_LANGUAGE", "SlackVettingLanguage"),
        ("ILN_NOMINEE_CONSENT", "NomineeConsent"),
    ];
    overrides.into_iter().fold(bindings, |bindings, (variable, parameter)| {
        match std::env::var(variable).ok().filter(|value| !value.is_empty()) {
            Some(value) => bindings.parameter(parameter, value),
            None => bindings,
        }
    })
}

/// Local Slack users one can act as in the stand-in, with the address and
/// locale the stand-in's `users.info` gives. What each may do comes from the
/// data, as in Slack: Vera is on the initial staff list (`SlackVetters`
/// above), Carlos and Chiara are ILN members on the demo roster, Mei is on
/// it as an IMI Certified Mediator, not in the ILN, so her clicks are
/// refused.
pub fn slack_users() -> Vec<crate::slack_standin::StandInUser> {
    [
        ("U0VETTER", "Vera (IMI vetter)", "vetter@iln.localhost", "en-GB"),
        ("U0CONFIRM1", "Carlos (ILN member)", "carlos@iln.localhost", "es-ES"),
        ("U0CONFIRM2", "Chiara (ILN member)", "chiara@iln.localhost", "en-US"),
        (
            "U0MEMBER",
            "Mei (IMI mediator, not in the ILN)",
            "mei@iln.localhost",
            "en-US",
        ),
    ]
    .into_iter()
    .map(|(id, name, email, locale)| crate::slack_standin::StandInUser {
        id: id.to_owned(),
        name: name.to_owned(),
        email: email.to_owned(),
        locale: locale.to_owned(),
    })
    .collect()
}

/// Secrets of this machine's stack, made once and kept in the state folder
/// so that tokens printed by one run work with `mint-token`.
pub struct Secrets {
    pub jwt_secret: String,
    pub slack_signing_secret: String,
    pub slack_bot_token: String,
    pub link_key: String,
}

fn random_hex(bytes: usize) -> Result<String, getrandom::Error> {
    let mut buffer = vec![0u8; bytes];
    getrandom::fill(&mut buffer)?;
    Ok(buffer.iter().map(|b| format!("{b:02x}")).collect())
}

impl Secrets {
    pub fn load_or_create(state: &Path) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        std::fs::create_dir_all(state)?;
        let read_or_make = |name: &str, make: &dyn Fn() -> Result<String, getrandom::Error>| {
            let path = state.join(name);
            match std::fs::read_to_string(&path) {
                Ok(value) if !value.trim().is_empty() => {
                    Ok::<_, Box<dyn std::error::Error + Send + Sync>>(value.trim().to_owned())
                }
                _ => {
                    let value = make()?;
                    std::fs::write(&path, &value)?;
                    Ok(value)
                }
            }
        };
        Ok(Self {
            jwt_secret: read_or_make("jwt-secret", &|| random_hex(32))?,
            slack_signing_secret: read_or_make("slack-signing-secret", &|| random_hex(16))?,
            slack_bot_token: read_or_make("slack-bot-token", &|| {
                random_hex(12).map(|hex| format!("xoxb-local-{hex}"))
            })?,
            link_key: read_or_make("link-key", &|| random_hex(32))?,
        })
    }
}

/// Loads `infra/roster-demo.csv` through the same import as `PUT /vetting/roster`.
pub async fn load_demo_roster(
    table: &NominationTable,
    now: DateTime<Utc>,
) -> Result<usize, Box<dyn std::error::Error + Send + Sync>> {
    let import = iln_domain::roster::parse_roster_csv(include_str!("../../roster-demo.csv"))?;
    let accepted = import.accepted.len();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
    table.import_roster(import.accepted, now, deadline).await?;
    Ok(accepted)
}
