//! TLS for the session's own HTTP client: rustls with the *ring* provider (or,
//! with the `post-quantum` feature, aws-lc-rs) and the platform's certificate
//! verifier.
//!
//! **Why ring by default.** reqwest's default rustls build brings aws-lc, whose
//! C build is the largest single item of a cold build; ring compiles in a
//! fraction of the time (`docs/performance.md`, compile rows). What ring lacks
//! is post-quantum key exchange: rustls offers X25519MLKEM768 only with
//! aws-lc-rs, and marks `rustls::crypto::ring::default_provider` deprecated
//! for that reason (0.23.48). A TLS session to TT carries the token and the
//! trading records it fetches; recording it today to break it with a future
//! quantum computer ("harvest now, decrypt later") is the risk post-quantum
//! key exchange removes, and only if TT's gateway offers it too. The
//! `post-quantum` feature switches the provider to aws-lc-rs with
//! X25519MLKEM768 preferred, for the price of aws-lc's C build. The choice is
//! made here, once, for every TLS connection ttrest opens (the store's
//! PostgreSQL connections use [`crypto_provider`] too).
//!
//! The provider is handed to reqwest through `use_preconfigured_tls`, so nothing
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

/// The rustls crypto provider of every TLS connection ttrest opens: *ring*, or
/// aws-lc-rs with post-quantum key exchange (X25519MLKEM768) preferred when
/// the `post-quantum` feature is on. See the module docs for the trade-off.
pub fn crypto_provider() -> Arc<rustls::crypto::CryptoProvider> {
    #[cfg(feature = "post-quantum")]
    let provider = rustls::crypto::aws_lc_rs::default_provider();
    #[cfg(not(feature = "post-quantum"))]
    let provider = ring_provider();
    Arc::new(provider)
}

/// rustls's *ring* provider. Deprecated in rustls 0.23.48 for lacking
/// post-quantum key exchange, which the `post-quantum` feature brings; ring is
/// the default for its build time (see the module docs).
#[cfg_attr(feature = "post-quantum", allow(dead_code))]
#[allow(deprecated)]
fn ring_provider() -> rustls::crypto::CryptoProvider {
    rustls::crypto::ring::default_provider()
}

/// A rustls client config: [`crypto_provider`], TLS 1.2 and 1.3, the
/// platform's trust store, ALPN for HTTP/2 and HTTP/1.1.
pub(crate) fn client_config() -> Result<rustls::ClientConfig, rustls::Error> {
    use rustls_platform_verifier::BuilderVerifierExt;
    let mut config = rustls::ClientConfig::builder_with_provider(crypto_provider())
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
        let config = super::client_config().expect("provider + platform verifier");
        assert_eq!(config.alpn_protocols[0], b"h2");
    }

    fn groups(provider: &rustls::crypto::CryptoProvider) -> Vec<String> {
        provider
            .kx_groups
            .iter()
            .map(|g| format!("{:?}", g.name()))
            .collect()
    }

    #[test]
    fn ring_offers_x25519_and_no_post_quantum_group() {
        let groups = groups(&super::ring_provider());
        assert!(groups.iter().any(|g| g == "X25519"), "{groups:?}");
        assert!(!groups.iter().any(|g| g.contains("MLKEM")), "{groups:?}");
    }

    #[test]
    fn the_session_provider_prefers_post_quantum_exactly_with_its_feature() {
        let groups = groups(&super::crypto_provider());
        let first = groups.first().map(String::as_str);
        match cfg!(feature = "post-quantum") {
            true => assert_eq!(first, Some("X25519MLKEM768"), "{groups:?}"),
            false => assert_eq!(groups, self::groups(&super::ring_provider())),
        }
    }
}
