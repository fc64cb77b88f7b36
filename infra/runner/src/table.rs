//! Creates a table exactly as `template.yaml` declares it.

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, CreateGlobalSecondaryIndexAction, GlobalSecondaryIndex,
    GlobalSecondaryIndexUpdate, KeySchemaElement, KeyType, Projection, ProjectionType, ScalarAttributeType,
    StreamSpecification, StreamViewType, TimeToLiveSpecification,
};

use crate::template::{GlobalSecondaryIndex as IndexDeclaration, KeyElement, TableDeclaration};

pub type Error = Box<dyn std::error::Error + Send + Sync>;

fn key_schema(elements: &[KeyElement]) -> Result<Vec<KeySchemaElement>, Error> {
    elements
        .iter()
        .map(|element| {
            Ok(KeySchemaElement::builder()
                .attribute_name(&element.attribute_name)
                .key_type(KeyType::from(element.key_type.as_str()))
                .build()?)
        })
        .collect()
}

fn global_index(index: &IndexDeclaration) -> Result<GlobalSecondaryIndex, Error> {
    Ok(GlobalSecondaryIndex::builder()
        .index_name(&index.index_name)
        .set_key_schema(Some(key_schema(&index.key_schema)?))
        .projection(
            Projection::builder()
                .projection_type(ProjectionType::from(index.projection.projection_type.as_str()))
                .build(),
        )
        .build()?)
}

fn attribute_definitions(declaration: &TableDeclaration) -> Result<Vec<AttributeDefinition>, Error> {
    declaration
        .attribute_definitions
        .iter()
        .map(|attribute| {
            Ok(AttributeDefinition::builder()
                .attribute_name(&attribute.attribute_name)
                .attribute_type(ScalarAttributeType::from(attribute.attribute_type.as_str()))
                .build()?)
        })
        .collect()
}

async fn add_index(
    client: &Client,
    name: &str,
    declaration: &TableDeclaration,
    index: &IndexDeclaration,
) -> Result<(), Error> {
    let global = global_index(index)?;
    let create = CreateGlobalSecondaryIndexAction::builder()
        .index_name(global.index_name)
        .set_key_schema(Some(global.key_schema))
        .set_projection(global.projection)
        .build()?;
    client
        .update_table()
        .table_name(name)
        .set_attribute_definitions(Some(attribute_definitions(declaration)?))
        .global_secondary_index_updates(GlobalSecondaryIndexUpdate::builder().create(create).build())
        .send()
        .await?;
    Ok(())
}

/// Creates `name` from the declaration, unless it exists already; an existing
/// one gets any index it lacks.
pub async fn ensure_table(client: &Client, name: &str, declaration: &TableDeclaration) -> Result<(), Error> {
    if let Ok(described) = client.describe_table().table_name(name).send().await {
        // A table made by an earlier version gets the indexes added since.
        let existing: Vec<String> = described
            .table
            .and_then(|table| table.global_secondary_indexes)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|index| index.index_name)
            .collect();
        for index in &declaration.global_secondary_indexes {
            if !existing.contains(&index.index_name) {
                add_index(client, name, declaration, index).await?;
            }
        }
        return Ok(());
    }
    let mut create = client
        .create_table()
        .table_name(name)
        .billing_mode(BillingMode::PayPerRequest)
        .set_key_schema(Some(key_schema(&declaration.key_schema)?));
    create = create.set_attribute_definitions(Some(attribute_definitions(declaration)?));
    for index in &declaration.global_secondary_indexes {
        create = create.global_secondary_indexes(global_index(index)?);
    }
    if let Some(stream) = &declaration.stream_specification {
        create = create.stream_specification(
            StreamSpecification::builder()
                .stream_enabled(true)
                .stream_view_type(StreamViewType::from(stream.stream_view_type.as_str()))
                .build()?,
        );
    }
    create.send().await?;
    if let Some(ttl) = &declaration.time_to_live_specification {
        client
            .update_time_to_live()
            .table_name(name)
            .time_to_live_specification(
                TimeToLiveSpecification::builder()
                    .attribute_name(&ttl.attribute_name)
                    .enabled(ttl.enabled)
                    .build()?,
            )
            .send()
            .await?;
    }
    Ok(())
}
