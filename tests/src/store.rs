//! The test's table as stored: items, statuses, TTL's removals, a client
//! that plays throttling, and a DynamoDB Local of a test's own.

use crate::{SesEmulator, TestApp, mail};
use chrono::{DateTime, Utc};
use iln_adapters::dynamodb::NominationTable;
use std::collections::HashMap;

/// Plays DynamoDB handing a batch back unprocessed, as it does when
/// throttled: of the BatchGetItem and BatchWriteItem calls through it, the
/// first `pass` go through, the next `hold` come back with every key or
/// item unprocessed (what was asked is what is handed back), then all pass.
#[derive(Debug, Clone)]
pub struct Unprocessed {
    pass: usize,
    hold: usize,
    calls: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

impl Unprocessed {
    pub fn after(pass: usize, hold: usize) -> Self {
        Self {
            pass,
            hold,
            calls: Default::default(),
        }
    }

    /// Batch calls made so far.
    pub fn calls(&self) -> usize {
        self.calls.load(std::sync::atomic::Ordering::SeqCst)
    }
}

/// What a held call asked for, kept in the call's own state.
#[derive(Debug, Clone)]
enum Held {
    Keys(HashMap<String, aws_sdk_dynamodb::types::KeysAndAttributes>),
    Writes(HashMap<String, Vec<aws_sdk_dynamodb::types::WriteRequest>>),
}

impl aws_smithy_types::config_bag::Storable for Held {
    type Storer = aws_smithy_types::config_bag::StoreReplace<Self>;
}

impl aws_sdk_dynamodb::config::Intercept for Unprocessed {
    fn name(&self) -> &'static str {
        "Unprocessed"
    }

    fn read_before_execution(
        &self,
        context: &aws_sdk_dynamodb::config::interceptors::BeforeSerializationInterceptorContextRef<'_>,
        config: &mut aws_sdk_dynamodb::config::ConfigBag,
    ) -> Result<(), aws_sdk_dynamodb::error::BoxError> {
        use aws_sdk_dynamodb::operation::{batch_get_item::BatchGetItemInput, batch_write_item::BatchWriteItemInput};
        let input = context.input();
        let held = if let Some(get) = input.downcast_ref::<BatchGetItemInput>() {
            Held::Keys(get.request_items.clone().unwrap_or_default())
        } else if let Some(write) = input.downcast_ref::<BatchWriteItemInput>() {
            Held::Writes(write.request_items.clone().unwrap_or_default())
        } else {
            return Ok(());
        };
        let call = self.calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        if (self.pass..self.pass + self.hold).contains(&call) {
            config.interceptor_state().store_put(held);
        }
        Ok(())
    }

    fn modify_before_attempt_completion(
        &self,
        context: &mut aws_sdk_dynamodb::config::interceptors::FinalizerInterceptorContextMut<'_>,
        _components: &aws_sdk_dynamodb::config::RuntimeComponents,
        config: &mut aws_sdk_dynamodb::config::ConfigBag,
    ) -> Result<(), aws_sdk_dynamodb::error::BoxError> {
        use aws_sdk_dynamodb::operation::{batch_get_item::BatchGetItemOutput, batch_write_item::BatchWriteItemOutput};
        let Some(held) = config.load::<Held>().cloned() else {
            return Ok(());
        };
        let Some(Ok(output)) = context.output_or_error_mut() else {
            return Ok(());
        };
        match held {
            Held::Keys(keys) => {
                if let Some(output) = output.downcast_mut::<BatchGetItemOutput>() {
                    output.responses = Some(HashMap::new());
                    output.unprocessed_keys = Some(keys);
                }
            }
            Held::Writes(writes) => {
                if let Some(output) = output.downcast_mut::<BatchWriteItemOutput>() {
                    output.unprocessed_items = Some(writes);
                }
            }
        }
        Ok(())
    }
}

/// A private DynamoDB Local, launched as `infra/emulators/start` launches
/// the shared one, that a test can pause (SIGSTOP) and resume (SIGCONT).
pub struct DynamoDbLocal {
    port: u16,
    process: std::process::Child,
}

impl DynamoDbLocal {
    pub async fn start() -> Self {
        let emulators = concat!(env!("CARGO_MANIFEST_DIR"), "/../infra/emulators");
        let jar = format!("{emulators}/node_modules/amplify-dynamodb-simulator/emulator");
        let port = SesEmulator::free_port();
        let process = std::process::Command::new("java")
            .env("DDB_LOCAL_TELEMETRY", "0")
            .arg("-Xms64m")
            .arg(format!("-Djava.library.path={jar}/DynamoDBLocal_lib"))
            .arg("-cp")
            .arg(format!("{jar}/DynamoDBLocal.jar:{jar}/DynamoDBLocal_lib/*"))
            .arg(format!("{emulators}/DynamoDbLocalOnLoopback.java"))
            .arg(port.to_string())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("java runs DynamoDB Local (run infra/emulators/start once to install it)");
        // Owned from here on: dropping it kills and reaps the process.
        let emulator = Self { port, process };
        // The launcher compiles itself first: allow for a busy machine.
        assert!(
            mail::listening(port, 600, std::time::Duration::from_millis(100)).await,
            "DynamoDB Local did not start on {port}"
        );
        emulator
    }

    pub fn url(&self) -> String {
        iln_runner::local::loopback_url(self.port)
    }

    /// Stops the process where it stands: connections are still accepted
    /// by the kernel, but nothing is answered until [`Self::resume`].
    pub fn pause(&self) {
        self.signal("-STOP");
    }

    pub fn resume(&self) {
        self.signal("-CONT");
    }

    fn signal(&self, signal: &str) {
        let sent = std::process::Command::new("kill")
            .args([signal, &self.process.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(sent.success(), "kill {signal} failed");
    }
}

impl Drop for DynamoDbLocal {
    fn drop(&mut self) {
        // SIGKILL ends a stopped process too.
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

impl TestApp {
    /// Outbox messages of one kind (`ephemeral`, `invitation`, …).
    pub async fn outbox_of_kind(&self, kind: &str) -> Vec<HashMap<String, aws_sdk_dynamodb::types::AttributeValue>> {
        self.items_of("outbox_message")
            .await
            .into_iter()
            .filter(|item| {
                item.get("message")
                    .and_then(|m| m.as_m().ok())
                    .and_then(|m| m.get("kind"))
                    .and_then(|k| k.as_s().ok())
                    == Some(&kind.to_owned())
            })
            .collect()
    }

    /// DynamoDB's TTL process running at `at`: the item goes only if its
    /// `expires_at` has passed by then, and the stream record of its delete
    /// carries the service identity AWS puts on TTL's deletes. A stand-in
    /// (`iln_runner::ttl`): DynamoDB Local's own TTL never deletes from a
    /// table with indexes. Returns whether the item was removed.
    pub async fn remove_by_ttl(&self, pk: &str, sk: &str, at: DateTime<Utc>) -> bool {
        use aws_sdk_dynamodb::types::AttributeValue;
        let key = HashMap::from([
            ("pk".to_owned(), AttributeValue::S(pk.to_owned())),
            ("sk".to_owned(), AttributeValue::S(sk.to_owned())),
        ]);
        self.ttl.remove_if_expired(key, at).await.expect("TTL's delete")
    }

    /// TTL at `at` for nomination `id` (see `remove_by_ttl`).
    pub async fn remove_nomination_by_ttl(&self, id: &str, at: DateTime<Utc>) -> bool {
        self.remove_by_ttl(&format!("NOMINATION#{id}"), "NOMINATION", at).await
    }

    /// Every item of this test's table. Only a test may Scan.
    pub async fn all_items(&self) -> Vec<HashMap<String, aws_sdk_dynamodb::types::AttributeValue>> {
        let mut items = Vec::new();
        let mut start = None;
        loop {
            let page = self
                .dynamodb
                .scan()
                .table_name(&self.table_name)
                .consistent_read(true)
                .set_exclusive_start_key(start)
                .send()
                .await
                .expect("scan");
            items.extend(page.items.unwrap_or_default());
            start = page.last_evaluated_key;
            if start.is_none() {
                return items;
            }
        }
    }

    /// The items of one entity type (`nomination`, `audit_event`, …).
    pub async fn items_of(&self, entity: &str) -> Vec<HashMap<String, aws_sdk_dynamodb::types::AttributeValue>> {
        self.all_items()
            .await
            .into_iter()
            .filter(|item| item.get("entity").and_then(|v| v.as_s().ok()).map(String::as_str) == Some(entity))
            .collect()
    }

    /// A nomination's status as stored.
    pub async fn status_of(&self, id: &str) -> String {
        let nomination = self
            .table
            .nomination(id.parse().expect("nomination id"))
            .await
            .expect("read")
            .expect("nomination exists");
        nomination.status.code().to_owned()
    }

    /// This test's table through a client that also runs `interceptor`.
    pub fn table_with(&self, interceptor: impl aws_sdk_dynamodb::config::Intercept + 'static) -> NominationTable {
        let config = self.dynamodb.config().to_builder().interceptor(interceptor).build();
        NominationTable::new(aws_sdk_dynamodb::Client::from_conf(config), &self.table_name)
    }
}
