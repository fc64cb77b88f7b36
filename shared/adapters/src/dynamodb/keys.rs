//! Key shapes, one function each. The key schema itself is declared once, in
//! `template.yaml`.

use chrono::{DateTime, SecondsFormat, Utc};
use iln_domain::message::MessageId;
use iln_domain::privacy::PersonRole;
use iln_domain::token::TokenHash;
use iln_domain::{NominationId, Status};

/// The queue index: partition by status, sorted by when the item became due.
pub const STATUS_INDEX: &str = "by_status_due";

pub fn nomination(id: NominationId) -> String {
    format!("NOMINATION#{id}")
}

pub const NOMINATION_SK: &str = "NOMINATION";

/// Sorts audit events by time; the ULID also makes two events in the same
/// millisecond distinct.
pub fn audit_sk(at: DateTime<Utc>) -> String {
    format!("AUDIT#{}", ulid::Ulid::from_datetime(at.into()))
}

pub fn endorsement_sk(nominator_identity: &str) -> String {
    format!("ENDORSEMENT#{nominator_identity}")
}

/// One item per person nominated: its existence is what stops a second
/// nomination of the same person.
pub fn person(identity: &str) -> String {
    format!("PERSON#{identity}")
}

pub const NOMINEE_SK: &str = "NOMINEE";

/// Under the nominee's key: this nominator has an unverified nomination of
/// them. Its existence is what makes sending the same nomination again
/// record nothing new and mail nothing.
pub fn pending_sk(nominator_identity: &str) -> String {
    format!("PENDING#{nominator_identity}")
}

/// How many endorsements a nomination holds (at most 50).
pub const ENDORSEMENT_COUNT_SK: &str = "ENDORSEMENT_COUNT";

/// A source network's submission counters.
pub fn source_counters(network: &str) -> String {
    format!("RATE#SOURCE#{network}")
}

/// A nominator address's submission counters, by the address's digest
/// (erasure computes it to find them).
pub fn address_counters(digest: &str) -> String {
    format!("RATE#ADDRESS#{digest}")
}

/// One window's submission counter.
pub fn rate_sk(window: &str, since: DateTime<Utc>) -> String {
    format!("RATE#{window}#{}", since.format("%Y-%m-%dT%H"))
}

/// Under the person's key, one link per nomination they are in, so that
/// everything about them is found without a Scan.
pub fn person_link_sk(nomination: NominationId, role: PersonRole) -> String {
    format!("LINK#{nomination}#{}", role.code())
}

/// The nomination index: every outbox message of one nomination.
pub const NOMINATION_INDEX: &str = "by_nomination";

pub fn outbox_by_nomination_sort_key(id: &MessageId) -> String {
    format!("OUTBOX#{id}")
}

pub fn token(hash: &TokenHash) -> String {
    format!("TOKEN#{}", hash.as_str())
}

pub const TOKEN_SK: &str = "TOKEN";

pub fn outbox(id: &MessageId) -> String {
    format!("OUTBOX#{id}")
}

pub const OUTBOX_SK: &str = "OUTBOX";

pub fn status_partition(status: Status) -> String {
    format!("STATUS#{status}")
}

pub const UNDELIVERED_PARTITION: &str = "OUTBOX#undelivered";

/// Messages set aside for a person after a permanent failure.
pub const FAILED_PARTITION: &str = "OUTBOX#failed";

/// Every index sort key of `due_sort_key` form at or before `at`: `$` sorts
/// right after the `#` that ends the time.
pub fn due_by(at: DateTime<Utc>) -> String {
    format!("{}$", at.to_rfc3339_opts(SecondsFormat::Millis, true))
}

/// One item per address nothing more may be mailed to (it bounced for good,
/// or its owner complained). Addresses are compared in lower case.
pub fn suppression(address: &str) -> String {
    format!("SUPPRESSED#{}", address.to_lowercase())
}

pub const SUPPRESSION_SK: &str = "SUPPRESSED";

/// Index sort key: when the item entered its state, then its id, so the
/// oldest comes first and keys never collide.
pub fn due_sort_key(since: DateTime<Utc>, id: &str) -> String {
    format!("{}#{id}", since.to_rfc3339_opts(SecondsFormat::Millis, true))
}

/// The country index: leaders and open nominations per country.
pub const COUNTRY_INDEX: &str = "by_country";

pub fn country_partition(country: &iln_domain::nomination::Country) -> String {
    format!("COUNTRY#{}", country.alpha2())
}

/// Country-index sort key of a nomination: open ones sort after leaders, and
/// closed ones before both, so one range read finds leaders and open ones.
pub fn country_nomination_sort_key(status: Status, id: NominationId) -> String {
    match status.is_open() {
        true => format!("OPEN#{id}"),
        false => format!("CLOSED#{id}"),
    }
}

/// Country-index sort key of a roster leader.
pub fn country_leader_sort_key(identity: &str) -> String {
    format!("LEADER#ROSTER#{identity}")
}

/// Where leaders and open nominations start in a country partition.
pub const COUNTRY_RELEVANT_FROM: &str = "LEADER#";

pub fn roster(identity: &str) -> String {
    format!("ROSTER#{identity}")
}

pub const ROSTER_SK: &str = "ROSTER";

/// The queue index's partition of one roster category: the console lists
/// the roster from it, by address.
pub fn roster_partition(category: iln_domain::roster::RosterCategory) -> String {
    format!("ROSTER#{}", category.code())
}

/// The staff's exports of one month (`EXPORTS#2026-12`).
pub fn exports(at: DateTime<Utc>) -> String {
    format!("EXPORTS#{}", at.format("%Y-%m"))
}

/// The decision log's partition for one year: the coverage page reads the
/// months it shows from one or two of them.
pub fn decisions(year: i32) -> String {
    format!("DECISIONS#{year}")
}

/// Sorted by time, so that the months shown are one range; the ULID keeps
/// two decisions of one instant apart.
pub fn decision_sk(at: DateTime<Utc>) -> String {
    format!("{}#{}", decided_from(at), ulid::Ulid::new())
}

/// Where decisions taken from `at` on start in their year's partition.
pub fn decided_from(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Sort key of a member record, and of the member pointer under a person.
pub const MEMBER_SK: &str = "MEMBER";

pub fn addition_sk(at: DateTime<Utc>) -> String {
    format!("ADDITION#{}", ulid::Ulid::from_datetime(at.into()))
}

/// A Slack user as first seen: their address and locale (`users.info`).
pub fn slack_user(user: &str) -> String {
    format!("SLACKUSER#{user}")
}

pub const SLACK_USER_SK: &str = "SLACK_USER";

/// Under the person's key: the Slack user known by their address, so that
/// erasure finds the Slack user's item too.
pub fn slack_user_pointer_sk(user: &str) -> String {
    format!("SLACKUSER#{user}")
}

/// The staff list of vetters: one partition, read whole by admins.
pub const STAFF_VETTERS: &str = "STAFF#VETTERS";

/// One vetter on the staff list, by address identity.
pub fn vetter_sk(identity: &str) -> String {
    format!("VETTER#{identity}")
}

/// Exists once an admin has changed the staff list: from then on the list
/// in the table is the list, and the deployment's initial list is not read.
pub const STAFF_LIST_SK: &str = "LIST";

/// The partition of a long run's progress (the daily reminder run).
pub fn run(name: &str) -> String {
    format!("RUN#{name}")
}
