//! The local stack's own settings: channels, users, secrets and demo data.
//! Nothing here is used in AWS.

use chrono::{DateTime, Utc};
use iln_adapters::dynamodb::NominationTable;
use std::path::Path;

pub const VETTING_CHANNEL: &str = "C0VETTING";
pub const ILN_CHANNEL: &str = "C0ILN";
pub const THIN_RATIONALE_BELOW: usize = 200;

pub fn channels() -> outbox::SlackChannels {
    outbox::SlackChannels {
        vetting: VETTING_CHANNEL.to_owned(),
        iln: ILN_CHANNEL.to_owned(),
    }
}

/// Local Slack users one can act as in the stand-in.
pub fn slack_users() -> Vec<(&'static str, &'static str)> {
    vec![
        ("U0VETTER", "Vera (IMI vetter)"),
        ("U0CONFIRM1", "Carlos (ILN confirmer)"),
        ("U0CONFIRM2", "Chiara (ILN confirmer)"),
        ("U0MEMBER", "Mei (ILN member)"),
    ]
}

/// Who may act in the stand-in: the vetter vets, the two confirmers
/// confirm; Mei may only raise concerns.
pub fn slack_permissions(quorum: usize) -> iln_domain::confirmation::SlackPermissions {
    iln_domain::confirmation::SlackPermissions::parse(
        "U0VETTER=vetter@iln.localhost",
        "U0CONFIRM1=carlos@iln.localhost,U0CONFIRM2=chiara@iln.localhost",
        quorum,
    )
    .and_then(|permissions| permissions.with_members("U0MEMBER=mei@iln.localhost"))
    .unwrap_or_else(|_| unreachable!("the local allow-lists are well formed"))
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

/// How often the form may be used on this machine: the template's
/// defaults, so that the local stack refuses what AWS would.
pub fn submission_limits(template: &crate::Template) -> iln_domain::limits::SubmissionLimits {
    let limit = |name: &str| {
        template
            .default_of::<u32>(name)
            .unwrap_or_else(|| unreachable!("template.yaml gives {name} a default"))
    };
    iln_domain::limits::SubmissionLimits::new(
        limit("SubmissionsPerSourcePerHour"),
        limit("SubmissionsPerSourcePerDay"),
        limit("SubmissionsPerAddressPerHour"),
        limit("SubmissionsPerAddressPerDay"),
    )
    .unwrap_or_else(|_| unreachable!("the template's limits are at least 1"))
}

/// The invitations function's settings on this machine.
pub fn invitations_config(table_name: &str) -> invitations::Config {
    let address = |raw: &str| iln_domain::EmailAddress::parse(raw).unwrap_or_else(|_| unreachable!("a valid address"));
    invitations::Config {
        table_name: table_name.to_owned(),
        terms_version: "2026-11".to_owned(),
        slack_join_url: "http://127.0.0.1:3001/".to_owned(),
        iac_address: address("iac@iln.localhost"),
        contact_address: address("iln@iln.localhost"),
    }
}

/// The reminder run's settings on this machine (the template's defaults).
pub fn reminders_app(table: NominationTable, quorum: usize) -> reminders::App {
    reminders::App {
        table,
        thresholds: iln_domain::reminders::Thresholds {
            vetting_overdue: chrono::Duration::days(5),
            discussion_overdue: chrono::Duration::days(7),
            invitation_unanswered: chrono::Duration::days(7),
            links: iln_domain::token::LinkValidity::default(),
        },
        vetters_address: iln_domain::EmailAddress::parse("vetters@iln.localhost").ok(),
        quorum,
    }
}
