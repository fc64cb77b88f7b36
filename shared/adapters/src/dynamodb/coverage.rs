//! What the console's coverage page reads: the open nominations' countries
//! from the status queues, the leaders from the active members and the
//! roster's ILN members, and the decision log of the months shown. Ten
//! queries or so, all at once, whatever the number of countries.

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Datelike, Utc};
use futures::future::try_join_all;
use iln_domain::Status;
use iln_domain::coverage::{Decision, Found, Month, OPEN_STAGES};
use iln_domain::membership::MemberStatus;
use iln_domain::nomination::Country;
use iln_domain::person::PersonName;
use iln_domain::roster::RosterCategory;
use serde::Deserialize;

use super::membership::members_partition;
use super::records::DecisionRecord;
use super::{Item, NominationTable, StoreError, corrupt, keys};

/// An open nomination as the page needs it: only where its nominee is.
#[derive(Deserialize)]
struct OpenNomination {
    nominee: NomineeCountry,
}

#[derive(Deserialize)]
struct NomineeCountry {
    country: Country,
}

/// A member, or an ILN member on the roster: a leader where they are.
#[derive(Deserialize)]
struct Leader {
    name: PersonName,
    country: Option<Country>,
}

impl NominationTable {
    #[tracing::instrument(skip_all)]
    pub async fn coverage(&self, now: DateTime<Utc>) -> Result<Found, StoreError> {
        let open = try_join_all(OPEN_STAGES.map(|stage| self.open_countries(stage)));
        let members = self.leaders(members_partition(MemberStatus::Active));
        let roster = self.leaders(keys::roster_partition(RosterCategory::IlnMember));
        let since = Month::shown(now).first().map_or(now, |month| month.start());
        let years = (since.year()..=now.year()).map(|year| self.decisions_since(year, since));
        let (open, members, roster, decisions) = futures::try_join!(open, members, roster, try_join_all(years))?;
        Ok(Found {
            open: open.into_iter().flatten().collect(),
            leaders: members.into_iter().chain(roster).collect(),
            decisions: decisions.into_iter().flatten().collect(),
        })
    }

    async fn open_countries(&self, stage: Status) -> Result<Vec<(Country, Status)>, StoreError> {
        let query = self
            .client
            .query()
            .table_name(&self.name)
            .index_name(keys::STATUS_INDEX)
            .key_condition_expression("gsi1pk = :stage")
            .expression_attribute_values(":stage", AttributeValue::S(keys::status_partition(stage)))
            .projection_expression("nominee.country, expires_at");
        self.query_all(query)
            .await?
            .into_iter()
            .map(|item| parsed::<OpenNomination>(item).map(|open| (open.nominee.country, stage)))
            .collect()
    }

    async fn leaders(&self, partition: String) -> Result<Vec<(Country, PersonName)>, StoreError> {
        let query = self
            .client
            .query()
            .table_name(&self.name)
            .index_name(keys::STATUS_INDEX)
            .key_condition_expression("gsi1pk = :leaders")
            .expression_attribute_values(":leaders", AttributeValue::S(partition))
            .projection_expression("#name, country, expires_at")
            .expression_attribute_names("#name", "name");
        let leaders = self.query_all(query).await?.into_iter().map(parsed::<Leader>);
        leaders
            .filter_map(|leader| leader.map(|leader| Some((leader.country?, leader.name))).transpose())
            .collect()
    }

    async fn decisions_since(&self, year: i32, since: DateTime<Utc>) -> Result<Vec<Decision>, StoreError> {
        let query = self
            .client
            .query()
            .table_name(&self.name)
            .key_condition_expression("pk = :year AND sk >= :since")
            .expression_attribute_values(":year", AttributeValue::S(keys::decisions(year)))
            .expression_attribute_values(":since", AttributeValue::S(keys::decided_from(since)));
        self.query_all(query)
            .await?
            .into_iter()
            .map(|item| parsed::<DecisionRecord>(item).map(|record| record.decision))
            .collect()
    }
}

fn parsed<T: serde::de::DeserializeOwned>(item: Item) -> Result<T, StoreError> {
    serde_dynamo::from_item(item.clone()).map_err(corrupt(&item))
}
