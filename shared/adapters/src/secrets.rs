//! Secrets from SSM Parameter Store (SecureString), read once per cold
//! start: never from plain environment values, never logged.

use aws_config::SdkConfig;

#[derive(Debug, thiserror::Error)]
#[error("could not read the secret parameter {name}")]
pub struct SecretError {
    name: String,
    #[source]
    source: Box<dyn std::error::Error + Send + Sync>,
}

/// The decrypted value of the SecureString parameter `name`.
pub async fn read(aws: &SdkConfig, name: &str) -> Result<String, SecretError> {
    let failed = |source: Box<dyn std::error::Error + Send + Sync>| SecretError {
        name: name.to_owned(),
        source,
    };
    let output = aws_sdk_ssm::Client::new(aws)
        .get_parameter()
        .name(name)
        .with_decryption(true)
        .send()
        .await
        .map_err(|error| failed(error.into()))?;
    output
        .parameter
        .and_then(|parameter| parameter.value)
        .ok_or_else(|| failed("the parameter has no value".into()))
}
