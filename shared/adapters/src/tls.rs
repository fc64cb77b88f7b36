//! One TLS stack. The AWS SDK brings rustls with aws-lc; reqwest (the Slack
//! client, the local tools) is built without a crypto provider of its own and
//! uses the same one, so no binary carries a second crypto library.

/// An HTTP client builder whose TLS uses aws-lc, the SDK's provider.
pub fn client_builder() -> reqwest::ClientBuilder {
    // Installed once per process; a second call finds it there, which is fine.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    reqwest::Client::builder()
}
