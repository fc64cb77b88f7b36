//! Secrets from SSM Parameter Store (SecureString), read once per process:
//! never from plain environment values, never logged.

use aws_config::SdkConfig;
use futures::future::BoxFuture;
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
#[error("could not read the secret parameters {names}")]
pub struct SecretError {
    names: String,
    #[source]
    source: Box<dyn std::error::Error + Send + Sync>,
}

/// The decrypted values of the SecureString parameters `names`, in their
/// order, from one `GetParameters` call: one signed request and one round
/// trip at cold start, however many secrets a function needs (at most ten,
/// SSM's limit for one call).
pub async fn read<const N: usize>(aws: &SdkConfig, names: [&str; N]) -> Result<[String; N], SecretError> {
    const { assert!(N >= 1 && N <= 10, "GetParameters takes one to ten names") };
    let failed = |source: Box<dyn std::error::Error + Send + Sync>| SecretError {
        names: names.join(", "),
        source,
    };
    let output = aws_sdk_ssm::Client::new(aws)
        .get_parameters()
        .set_names(Some(names.iter().map(|name| (*name).to_owned()).collect()))
        .with_decryption(true)
        .send()
        .await
        .map_err(|error| failed(error.into()))?;
    // SSM answers unknown names in `InvalidParameters` with a 200, and lists
    // the others alphabetically: each value is found by its name.
    let value_of = |name: &str| {
        output
            .parameters()
            .iter()
            .find(|parameter| parameter.name() == Some(name))
            .and_then(|parameter| parameter.value())
            .map(str::to_owned)
    };
    let mut missing = None;
    let values = names.map(|name| {
        value_of(name).unwrap_or_else(|| {
            missing.get_or_insert(name);
            String::new()
        })
    });
    match missing {
        Some(name) => Err(failed(format!("SSM has no value for {name}").into())),
        None => Ok(values),
    }
}

/// What a function builds from its secrets (its `App`), once per process.
/// The secrets' read starts at init, in the background beside the rest of
/// the set-up, so init does not wait on SSM; the first invocation waits for
/// the read, or finds it done. A read or build that fails is not kept: the
/// next invocation tries again, as Lambda would retry a failed init.
pub struct Prefetched<T> {
    built: Arc<tokio::sync::OnceCell<T>>,
    build: Arc<dyn Fn() -> BoxFuture<'static, Result<T, BoxError>> + Send + Sync>,
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

impl<T> Clone for Prefetched<T> {
    fn clone(&self) -> Self {
        Self {
            built: self.built.clone(),
            build: self.build.clone(),
        }
    }
}

impl<T: Send + Sync + 'static> Prefetched<T> {
    /// Starts reading `names` (see [`read`]) on the current Tokio runtime;
    /// `build` makes the value from them, in their order.
    pub fn start<const N: usize>(
        aws: &SdkConfig,
        names: [String; N],
        build: impl Fn([String; N]) -> Result<T, BoxError> + Send + Sync + 'static,
    ) -> Self {
        let aws = aws.clone();
        let build = Arc::new(build);
        let prefetched = Self {
            built: Arc::default(),
            build: Arc::new(move || {
                let (aws, names, build) = (aws.clone(), names.clone(), build.clone());
                Box::pin(async move {
                    let values = read(&aws, names.each_ref().map(String::as_str)).await?;
                    build(values)
                })
            }),
        };
        let background = prefetched.clone();
        tokio::spawn(async move {
            // A failure is the first invocation's to report, when it tries again.
            let _ = background.get().await;
        });
        prefetched
    }

    /// The value, once the secrets are read and it is built.
    pub async fn get(&self) -> Result<&T, BoxError> {
        self.built.get_or_try_init(|| (self.build)()).await
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use aws_config::BehaviorVersion;
    use serde_json::json;
    use wiremock::matchers::{body_partial_json, header, method};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    const TOKEN: &str = "/iln/slack-bot-token";
    const KEY: &str = "/iln/link-key";

    async fn aws_at(ssm: &MockServer) -> SdkConfig {
        aws_config::defaults(BehaviorVersion::latest())
            .test_credentials()
            .region("eu-west-1")
            .endpoint_url(ssm.uri())
            .load()
            .await
    }

    /// SSM's answer: the parameters it has, alphabetically, and the names it
    /// does not know in `InvalidParameters`, with a 200 either way.
    fn answer(found: &[(&str, &str)], unknown: &[&str]) -> ResponseTemplate {
        let mut found = found.to_vec();
        found.sort();
        let parameters: Vec<_> = found
            .iter()
            .map(|(name, value)| json!({ "Name": name, "Type": "SecureString", "Value": value, "Version": 1 }))
            .collect();
        ResponseTemplate::new(200)
            .insert_header("content-type", "application/x-amz-json-1.1")
            .set_body_json(json!({ "Parameters": parameters, "InvalidParameters": unknown }))
    }

    #[tokio::test]
    async fn both_secrets_come_from_one_decrypting_call_each_found_by_its_name() {
        let ssm = MockServer::start().await;
        Mock::given(method("POST"))
            .and(header("x-amz-target", "AmazonSSM.GetParameters"))
            .and(body_partial_json(
                json!({ "Names": [TOKEN, KEY], "WithDecryption": true }),
            ))
            .respond_with(answer(&[(TOKEN, "xoxb-1"), (KEY, "k".repeat(32).as_str())], &[]))
            .expect(1)
            .mount(&ssm)
            .await;

        let [token, key] = read(&aws_at(&ssm).await, [TOKEN, KEY]).await.unwrap();

        assert_eq!(token, "xoxb-1");
        assert_eq!(key, "k".repeat(32));
    }

    #[tokio::test]
    async fn a_name_ssm_does_not_know_fails_the_read_and_is_named() {
        let ssm = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(answer(&[(TOKEN, "xoxb-1")], &[KEY]))
            .mount(&ssm)
            .await;

        let error = read(&aws_at(&ssm).await, [TOKEN, KEY]).await.unwrap_err();

        let chain = format!("{error}: {}", std::error::Error::source(&error).unwrap());
        assert!(chain.contains(KEY), "{chain}");
        assert!(!chain.contains("xoxb-1"), "no value is ever in an error: {chain}");
    }

    #[tokio::test]
    async fn a_failed_read_is_tried_again_by_the_next_invocation_and_a_success_is_kept() {
        let ssm = MockServer::start().await;
        // Wiremock answers with the mounted mock of the lowest priority
        // number: each mount below takes over from the one before.
        Mock::given(method("POST"))
            .respond_with(answer(&[(TOKEN, "xoxb-1")], &[KEY]))
            .with_priority(5)
            .mount(&ssm)
            .await;
        let prefetched = Prefetched::start(&aws_at(&ssm).await, [TOKEN, KEY].map(str::to_owned), |[token, key]| {
            Ok(format!("{token} {}", key.len()))
        });

        let while_missing = prefetched.get().await.cloned();
        Mock::given(method("POST"))
            .respond_with(answer(&[(TOKEN, "xoxb-1"), (KEY, "first")], &[]))
            .with_priority(3)
            .mount(&ssm)
            .await;
        let once_there = prefetched.get().await.cloned();
        Mock::given(method("POST"))
            .respond_with(answer(&[(TOKEN, "xoxb-2"), (KEY, "second")], &[]))
            .with_priority(1)
            .mount(&ssm)
            .await;
        let later = prefetched.get().await.cloned();

        assert!(while_missing.unwrap_err().to_string().contains(KEY));
        assert_eq!(once_there.unwrap(), "xoxb-1 5");
        assert_eq!(later.unwrap(), "xoxb-1 5", "read once, then kept");
    }

    #[tokio::test]
    async fn a_value_that_cannot_be_built_is_refused_like_a_failed_read() {
        let ssm = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(answer(&[(TOKEN, "xoxb-1"), (KEY, "short")], &[]))
            .mount(&ssm)
            .await;
        let prefetched = Prefetched::start(&aws_at(&ssm).await, [TOKEN, KEY].map(str::to_owned), |[_, key]| {
            iln_domain::token::LinkKey::parse(&key).map_err(BoxError::from)
        });

        let error = prefetched.get().await.map(|_| ()).unwrap_err().to_string();

        assert_eq!(error, iln_domain::token::WeakLinkKey.to_string());
    }
}
