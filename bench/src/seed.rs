//! Datasets for the scale measurements, written through the store's own
//! code (the items of `NominationTable::submit`, written in batches by
//! `write_dataset`; `commit`; `import_roster`), so that every item has the
//! shape the functions write: nominations in every state of the
//! lifecycle, one country with 500 open nominations, one person in 200
//! nominations, members, and the roster.

use crate::BenchError;
use chrono::{DateTime, Duration, Utc};
use futures::StreamExt;
use iln_adapters::dynamodb::{Commit, NominationTable, StoreError};
use iln_domain::audit::{Actor, AuditEvent};
use iln_domain::discussion::DiscussionRules;
use iln_domain::intake::NominationForm;
use iln_domain::membership::{Consent, Member, MemberId, MemberStatus, SentInvitation};
use iln_domain::message::Message;
use iln_domain::nomination::Country;
use iln_domain::roster::{RosterCategory, RosterEntry};
use iln_domain::step::{Effect, Opening, Step};
use iln_domain::token::{LinkKey, TokenPurpose};
use iln_domain::{Command, EmailAddress, Language, Nomination, NominationId, PersonName, Status};
use std::collections::BTreeMap;

/// The country whose findings are measured: it holds this many open
/// nominations whatever the dataset's size.
pub const HOT_COUNTRY: &str = "KE";
pub const HOT_OPEN: usize = 500;
/// The person whose export and erasure are measured: the nominator of
/// this many nominations.
pub const PROLIFIC_RECORDS: usize = 200;
pub const PROLIFIC: &str = "prolific.nominator@bench.example";

/// Verified and open: what the findings count for a country.
const OPEN_VERIFIED: &[Status] = &[
    Status::AwaitingVetting,
    Status::AwaitingConsent,
    Status::InDiscussion,
    Status::Confirmed,
    Status::Invited,
];

/// Countries of everyone else (not the hot one).
const COUNTRIES: &[&str] = &[
    "AR", "AU", "BR", "CA", "CL", "CN", "CO", "DE", "EG", "ES", "FR", "GB", "GH", "IE", "IN", "IT", "JP", "MX", "NG",
    "NL", "NZ", "PE", "PH", "PL", "PT", "SE", "SG", "TR", "UG", "US", "ZA", "ZW",
];

/// The data written, as the measurements need to find it.
pub struct Dataset {
    pub size: usize,
    pub by_status: BTreeMap<&'static str, usize>,
    pub members: usize,
    pub roster: usize,
    /// A nomination awaiting vetting in the hot country.
    pub in_hot_country: NominationId,
    pub took: std::time::Duration,
}

/// What nomination `index` of a dataset of `size` is.
struct Plan {
    status: Status,
    country: &'static str,
    nominator: String,
    at: DateTime<Utc>,
}

fn plan(index: usize, size: usize, now: DateTime<Utc>) -> Plan {
    let members = size / 5;
    // Spread over the last 400 days, not in index order, so that every
    // state has old and recent nominations.
    let age = Duration::days(400) * ((index * 7_919) % size) as i32 / size as i32;
    let at = now - age - Duration::hours(1);
    // Every state the lifecycle has, in turn.
    let general = |offset: usize| Status::ALL[(index - offset) % Status::ALL.len()];
    let country = COUNTRIES[index % COUNTRIES.len()];
    let nominator = format!("nominator{}@bench.example", index % 3_000);
    match index {
        i if i < members => Plan {
            status: Status::Member,
            country,
            nominator,
            at,
        },
        i if i < members + HOT_OPEN => Plan {
            status: OPEN_VERIFIED[i % OPEN_VERIFIED.len()],
            country: HOT_COUNTRY,
            nominator,
            at,
        },
        i if i < members + HOT_OPEN + PROLIFIC_RECORDS => Plan {
            status: general(members + HOT_OPEN),
            country,
            nominator: PROLIFIC.to_owned(),
            at,
        },
        _ => Plan {
            status: general(members + HOT_OPEN),
            country,
            nominator,
            at,
        },
    }
}

fn submission(index: usize, plan: &Plan) -> Result<iln_domain::nomination::Submission, BenchError> {
    let form = NominationForm {
        nominee_name: Some("Amara Okafor".to_owned()),
        nominee_email: Some(format!("nominee{index}@bench.example")),
        nominee_country: Some(plan.country.to_owned()),
        nominee_role: Some("mediator".to_owned()),
        nominator_name: Some("Lucía Fernández".to_owned()),
        nominator_email: Some(plan.nominator.clone()),
        nominator_basis: Some("iln_member".to_owned()),
        rationale: Some(
            "Amara built the first court-annexed mediation scheme in her region, trains new mediators every \
             year, chairs the national mediators' association and has written its code of conduct; she \
             mediates commercial and community disputes in English and Swahili."
                .to_owned(),
        ),
        links: vec!["https://example.org/amara".to_owned()],
        language: Some("en".to_owned()),
        privacy_consent: true,
        ..NominationForm::default()
    };
    form.parse(Language::En)
        .map_err(|errors| format!("seed nomination {index} does not parse: {errors:?}").into())
}

/// The nomination as the store holds it right after `submit`.
fn as_stored(
    id: NominationId,
    submission: iln_domain::nomination::Submission,
    status: Status,
    at: DateTime<Utc>,
) -> Nomination {
    Nomination {
        id,
        status,
        version: 1,
        submitted_at: at,
        updated_at: at,
        submission,
        last_move: None,
        discussion: None,
        invitation: None,
    }
}

/// Nomination `index` in its planned state: opened in that state, then
/// (for one in discussion, an invitation sent and an accepted one) the
/// step that gives it its discussion, its invitation or its member, as the
/// functions take it.
fn nomination(
    link_key: &LinkKey,
    rules: &DiscussionRules,
    index: usize,
    plan: &Plan,
) -> Result<(Opening, Option<Step>), BenchError> {
    let id = NominationId::new(plan.at);
    let submission = submission(index, plan)?;
    let opened_as = match plan.status {
        Status::InDiscussion => Status::AwaitingVetting,
        Status::Invited => Status::Confirmed,
        Status::Member => Status::Invited,
        status => status,
    };
    let stored = as_stored(id, submission.clone(), opened_as, plan.at);
    let opening = Opening {
        id,
        submission,
        status: opened_as,
        at: plan.at,
        audit: AuditEvent::submitted(plan.at),
        messages: Vec::new(),
    };
    let step = match plan.status {
        // Approved, with its discussion open for the deployment's window,
        // so that the daily run ends the discussions whose window has.
        Status::InDiscussion => Some(
            Step::take(&stored, Command::Approve, Actor::Vetter("U0BENCH".to_owned()), plan.at)?
                .discussing(rules.open(plan.at)),
        ),
        Status::Invited => {
            let message = Message::Invitation {
                nomination_id: id,
                round: 0,
            };
            let token = link_key.token(TokenPurpose::AnswerInvitation, &message.id()).hash();
            Some(iln_domain::membership::invitation_sent(
                &stored,
                SentInvitation { round: 0, token },
                plan.at,
            )?)
        }
        Status::Member => {
            let nominee = &stored.submission.nominee;
            let member = Member {
                id: MemberId::new(plan.at),
                title: iln_domain::membership::TITLE.to_owned(),
                name: nominee.name.clone(),
                email: nominee.email.clone(),
                country: nominee.country,
                region: nominee.region.clone(),
                role: nominee.role,
                languages: vec![Language::En],
                since: plan.at,
                status: MemberStatus::Active,
                nomination_id: Some(id),
                consent: Consent {
                    terms_version: "2026-11".to_owned(),
                    at: plan.at,
                },
                derecognition: None,
                resigned_at: None,
            };
            Some(
                Step::take(&stored, Command::AcceptInvitation, Actor::Nominee, plan.at)?
                    .with_effect(Effect::Admits(Box::new(member))),
            )
        }
        _ => None,
    };
    Ok((opening, step))
}

/// Commits `step` as the functions do, asking again when DynamoDB Local
/// gave up on its lock.
async fn take(table: &NominationTable, step: &Step) -> Result<(), StoreError> {
    let mut attempts = 0;
    // Raced after a retry: the first attempt was written after all.
    let commit = async || {
        attempts += 1;
        match table.commit(step).await? {
            Commit::Raced if attempts == 1 => Err(StoreError::Contended),
            _ => Ok(()),
        }
    };
    retried(commit).await
}

/// `write` again, a few times, when DynamoDB Local gave up on its lock.
async fn retried(mut write: impl AsyncFnMut() -> Result<(), StoreError>) -> Result<(), StoreError> {
    let mut attempt = 0;
    loop {
        match write().await {
            Err(error) if error.is_unavailable() && attempt < 5 => {
                attempt += 1;
                tokio::time::sleep(std::time::Duration::from_millis(200 * attempt)).await;
            }
            result => return result,
        }
    }
}

fn roster(size: usize) -> Result<Vec<RosterEntry>, BenchError> {
    (0..size)
        .map(|index| {
            let category = match index % 10 {
                0 => RosterCategory::IlnMember,
                1..=6 => RosterCategory::ImiCertifiedMediator,
                _ => RosterCategory::ImiCertifiedAdvocate,
            };
            let country = match index % 40 {
                0 => HOT_COUNTRY,
                n => COUNTRIES[n % COUNTRIES.len()],
            };
            Ok(RosterEntry {
                email: EmailAddress::parse(&format!("roster{index}@bench.example"))?,
                name: PersonName::parse("Kwame Mensah")?,
                category,
                country: Some(Country::parse(country)?),
            })
        })
        .collect()
}

/// Nominations written between two progress lines.
const SEED_CHUNK: usize = 500;

/// A line on stderr while a dataset is written: it takes minutes at 10,000.
fn progress(started: std::time::Instant, what: &str, (done, of): (usize, usize)) {
    eprintln!("  seeding: {what} {done} of {of} ({} s)", started.elapsed().as_secs());
}

/// Writes a dataset of `size` nominations (a fifth of them members, and
/// the rest in every state of the lifecycle in turn, members too) and a
/// roster of `size` rows into `table`.
pub async fn seed(
    table: &NominationTable,
    rules: &DiscussionRules,
    size: usize,
    now: DateTime<Utc>,
) -> Result<Dataset, BenchError> {
    if size < HOT_OPEN + PROLIFIC_RECORDS + size / 5 {
        return Err(format!(
            "a dataset needs at least {} nominations",
            (HOT_OPEN + PROLIFIC_RECORDS) * 5 / 4
        )
        .into());
    }
    let started = std::time::Instant::now();
    let link_key = LinkKey::parse("bench-link-key-0123456789abcdef0123456789abcdef")?;
    let mut written = Vec::with_capacity(size);
    let mut openings = Vec::with_capacity(size);
    let mut steps = Vec::new();
    for index in 0..size {
        let plan = plan(index, size, now);
        let (opening, step) = nomination(&link_key, rules, index, &plan)?;
        written.push((index, plan.status, opening.id));
        openings.push(opening);
        steps.extend(step);
    }
    // The items `submit` writes, in batches: DynamoDB Local runs
    // transactions one at a time (10,000 openings: 91 s as transactions,
    // 36 s in batches, on the build machine).
    for (chunk, part) in openings.chunks(SEED_CHUNK).enumerate() {
        retried(async || table.write_dataset(part).await).await?;
        progress(started, "opened", (chunk * SEED_CHUNK + part.len(), size));
    }
    // The steps that give discussions, invitations and members theirs,
    // through the store's commit. Latency-bound: eight in flight; DynamoDB Local fails
    // a transaction that waits too long for its lock ("will succeed in
    // actual DynamoDB"): `take` asks again.
    let mut taken = 0;
    let mut commits = futures::stream::iter(&steps)
        .map(|step| take(table, step))
        .buffer_unordered(8);
    while let Some(result) = commits.next().await {
        result?;
        taken += 1;
        if taken % SEED_CHUNK == 0 || taken == steps.len() {
            progress(started, "moved on", (taken, steps.len()));
        }
    }
    let entries = roster(size)?;
    let rows = entries.len();
    table
        .import_roster(
            entries,
            now,
            tokio::time::Instant::now() + std::time::Duration::from_secs(3_600),
        )
        .await?;
    let mut by_status = BTreeMap::new();
    for (_, status, _) in &written {
        *by_status.entry(status.code()).or_insert(0) += 1;
    }
    let members = by_status.get(Status::Member.code()).copied().unwrap_or_default();
    let first_members = size / 5;
    let hot = first_members..first_members + HOT_OPEN;
    let in_hot_country = written
        .iter()
        .find(|(index, status, _)| hot.contains(index) && *status == Status::AwaitingVetting)
        .map(|(_, _, id)| *id)
        .ok_or("no nomination awaits vetting in the hot country")?;
    Ok(Dataset {
        size,
        by_status,
        members,
        roster: rows,
        in_hot_country,
        took: started.elapsed(),
    })
}
