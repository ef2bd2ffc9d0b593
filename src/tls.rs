//! TLS for the session's own HTTP client: rustls with the *ring* provider and
//! the platform's certificate verifier.
//!
//! reqwest's default rustls build brings aws-lc, whose C build was the largest
//! single item of a cold build; ring compiles in a fraction of the time. The
//! provider is handed to reqwest through `use_preconfigured_tls`, so nothing
//! process-wide is installed and an application's own rustls choice stays its own.
//!
//! One consequence of cargo's feature unification: ttrest turns on reqwest's
//! `rustls-no-provider`, so a `reqwest::Client` built elsewhere in the same
//! program needs a provider too. Either enable reqwest's own `rustls` feature
//! (it brings aws-lc as the default provider), or start from
//! [`http_client_builder`](crate::http_client_builder), which is what the
//! session uses.

use std::sync::Arc;

/// A `reqwest::ClientBuilder` with ttrest's TLS (rustls, ring, the platform's
/// trust store) and nothing else set: the starting point for a client given
/// to `SessionBuilder::http_client` (add `.redirect(reqwest::redirect::Policy::none())`)
/// or for any other client in a program that depends on ttrest.
pub fn http_client_builder() -> Result<reqwest::ClientBuilder, crate::Error> {
    let tls =
        client_config().map_err(|e| crate::Error::config(format!("cannot set up TLS: {e}")))?;
    Ok(reqwest::Client::builder().use_preconfigured_tls(tls))
}

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
