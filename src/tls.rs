//! TLS for the session's own HTTP client: rustls with the *ring* provider and
//! the platform's certificate verifier.
//!
//! reqwest's default rustls build brings aws-lc, whose C build was the largest
//! single item of a cold build; ring compiles in a fraction of the time. The
//! provider is handed to reqwest through `use_preconfigured_tls`, so nothing
//! process-wide is installed and an application's own rustls choice stays its own.

use std::sync::Arc;

/// A rustls client config: ring, TLS 1.2 and 1.3, the platform's trust store,
/// ALPN for HTTP/2 and HTTP/1.1.
pub(crate) fn client_config() -> Result<rustls::ClientConfig, rustls::Error> {
    use rustls_platform_verifier::BuilderVerifierExt;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_platform_verifier()?
        .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_config_builds_and_offers_h2() {
        let config = super::client_config().expect("ring + platform verifier");
        assert_eq!(config.alpn_protocols[0], b"h2");
    }
}
