//! The peer the bench compares every function's cold start with: the
//! Lambda runtime, one DynamoDB client, and per call one conditional write
//! (the smallest thing a function of this project does). Nothing else: no
//! configuration, no secrets, no logging set-up.

use aws_sdk_dynamodb::types::AttributeValue;
use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let dynamodb = aws_sdk_dynamodb::Client::new(&aws);
    let table = std::env::var("TABLE_NAME")?;
    let (dynamodb, table) = (&dynamodb, table.as_str());
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        let key = format!("PEER#{}", event.context.request_id);
        dynamodb
            .put_item()
            .table_name(table)
            .item("pk", AttributeValue::S(key))
            .item("sk", AttributeValue::S("PEER".to_owned()))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await?;
        Ok::<_, Error>(Value::Null)
    }))
    .await
}
