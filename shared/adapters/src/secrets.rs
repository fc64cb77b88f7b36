//! Secrets from SSM Parameter Store (SecureString), read once per cold
//! start: never from plain environment values, never logged.

use aws_config::SdkConfig;

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
