//! TLS to PostgreSQL as libpq does it: rustls with the *ring* provider
//! (never aws-lc), handed to tokio-postgres as its TLS connector.
//!
//! | `sslmode` | encrypted | certificate chain checked | host name checked |
//! |-----------|-----------|---------------------------|-------------------|
//! | `disable` | no        | –                         | –                 |
//! | `allow`, `prefer` (default) | if the server offers it | no | no        |
//! | `require` | yes       | only when a root certificate is given (then as `verify-ca`) | no |
//! | `verify-ca` | yes     | yes                       | no                |
//! | `verify-full` | yes   | yes                       | yes               |

use std::future::Future;
use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_postgres::tls::{ChannelBinding, MakeTlsConnect, TlsConnect, TlsStream};

/// libpq's `sslmode` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum SslMode {
    Disable,
    Allow,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl SslMode {
    pub(crate) fn parse(text: &str) -> Option<SslMode> {
        Some(match text {
            "disable" => SslMode::Disable,
            "allow" => SslMode::Allow,
            "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            _ => return None,
        })
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            SslMode::Disable => "disable",
            SslMode::Allow => "allow",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
        }
    }
}

/// Where trusted root certificates come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum RootCert {
    /// A PEM file of CA certificates.
    File(PathBuf),
    /// The platform's trust store (`sslrootcert=system`).
    System,
}

/// What the TLS connector does, resolved from the URL, `PG*` variables and
/// libpq's default files.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct TlsSettings {
    pub mode: SslMode,
    pub root: Option<RootCert>,
    /// Client certificate and key (PEM).
    pub client: Option<(PathBuf, PathBuf)>,
}

/// How the server's certificate is checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Check {
    /// Encrypt only.
    Nothing,
    /// The chain up to a trusted root.
    Chain,
    /// The chain and the host name.
    Full,
}

impl TlsSettings {
    /// The check libpq makes in this mode (`require` with a root
    /// certificate checks the chain, as libpq does).
    pub(crate) fn check(&self) -> Check {
        match self.mode {
            SslMode::VerifyFull => Check::Full,
            SslMode::VerifyCa => Check::Chain,
            SslMode::Require if self.root.is_some() => Check::Chain,
            _ => Check::Nothing,
        }
    }

    /// The rustls connector for these settings; errors say which file is wrong.
    pub(crate) fn connector(&self) -> Result<MakeRustls, String> {
        let provider = ttrest::crypto_provider();
        let builder = ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| format!("cannot set up TLS: {e}"))?;
        let check = self.check();
        let builder = match (&self.root, check) {
            (_, Check::Nothing) => builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(EncryptOnly(provider.clone()))),
            (Some(RootCert::System), _) => {
                use rustls_platform_verifier::BuilderVerifierExt;
                builder
                    .with_platform_verifier()
                    .map_err(|e| format!("cannot load the system's trusted certificates: {e}"))?
            }
            (Some(RootCert::File(path)), check) => {
                let roots = load_roots(path)?;
                let webpki =
                    WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
                        .build()
                        .map_err(|e| format!("sslrootcert {}: {e}", path.display()))?;
                match check {
                    Check::Full => builder.with_webpki_verifier(webpki),
                    _ => builder
                        .dangerous()
                        .with_custom_certificate_verifier(Arc::new(ChainOnly(webpki))),
                }
            }
            (None, _) => {
                return Err(format!(
                    "sslmode={} checks the server's certificate, but no root certificate was \
                     given; add sslrootcert=FILE (the CA that signed the server's certificate, \
                     e.g. your provider's bundle) or sslrootcert=system to the URL, or set \
                     PGSSLROOTCERT",
                    self.mode.name()
                ))
            }
        };
        let config = match &self.client {
            None => builder.with_no_client_auth(),
            Some((cert, key)) => {
                let chain = CertificateDer::pem_file_iter(cert)
                    .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
                    .map_err(|e| {
                        format!("sslcert {}: not a PEM certificate ({e})", cert.display())
                    })?;
                let key_der = PrivateKeyDer::from_pem_file(key).map_err(|e| {
                    format!("sslkey {}: not a PEM private key ({e})", key.display())
                })?;
                builder
                    .with_client_auth_cert(chain, key_der)
                    .map_err(|e| format!("sslcert/sslkey {}: {e}", cert.display()))?
            }
        };
        Ok(MakeRustls {
            config: Arc::new(config),
        })
    }
}

fn load_roots(path: &Path) -> Result<RootCertStore, String> {
    let certs = CertificateDer::pem_file_iter(path)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| {
            format!(
                "sslrootcert {}: cannot read PEM certificates ({e}); give a PEM file of CA \
                 certificates, or sslrootcert=system",
                path.display()
            )
        })?;
    let mut roots = RootCertStore::empty();
    let (added, _ignored) = roots.add_parsable_certificates(certs);
    if added == 0 {
        return Err(format!(
            "sslrootcert {}: holds no usable CA certificate; give a PEM file of CA certificates",
            path.display()
        ));
    }
    Ok(roots)
}

/// `require`/`prefer` without a root certificate: encrypts, checks the
/// handshake's signatures, trusts any certificate (as libpq does).
#[derive(Debug)]
struct EncryptOnly(Arc<CryptoProvider>);

impl ServerCertVerifier for EncryptOnly {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// `verify-ca`: the chain must lead to a trusted root; the host name is not checked.
#[derive(Debug)]
struct ChainOnly(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for ChainOnly {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        // webpki checks the chain first and the name last: a name error means
        // the chain was good.
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

/// tokio-postgres' TLS connector over rustls.
#[derive(Clone)]
pub(crate) struct MakeRustls {
    config: Arc<ClientConfig>,
}

impl<S> MakeTlsConnect<S> for MakeRustls
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    type Stream = RustlsStream<S>;
    type TlsConnect = RustlsConnect;
    type Error = io::Error;

    fn make_tls_connect(&mut self, domain: &str) -> Result<RustlsConnect, io::Error> {
        let name = ServerName::try_from(domain.to_string()).map_err(|_| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("`{domain}` is not a host name TLS can check"),
            )
        })?;
        Ok(RustlsConnect {
            config: self.config.clone(),
            name,
        })
    }
}

/// One connection's handshake.
pub(crate) struct RustlsConnect {
    config: Arc<ClientConfig>,
    name: ServerName<'static>,
}

impl<S> TlsConnect<S> for RustlsConnect
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    type Stream = RustlsStream<S>;
    type Error = io::Error;
    type Future = Pin<Box<dyn Future<Output = io::Result<RustlsStream<S>>> + Send>>;

    fn connect(self, stream: S) -> Self::Future {
        Box::pin(async move {
            let tls = tokio_rustls::TlsConnector::from(self.config)
                .connect(self.name, stream)
                .await?;
            Ok(RustlsStream(tls))
        })
    }
}

/// An encrypted connection.
pub(crate) struct RustlsStream<S>(tokio_rustls::client::TlsStream<S>);

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncRead for RustlsStream<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncWrite for RustlsStream<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> TlsStream for RustlsStream<S> {
    fn channel_binding(&self) -> ChannelBinding {
        ChannelBinding::none()
    }
}

/// The rustls error inside a connection failure, if TLS failed.
pub(crate) fn rustls_error<'a>(
    e: &'a (dyn std::error::Error + 'static),
) -> Option<&'a rustls::Error> {
    let mut next = Some(e);
    while let Some(err) = next {
        if let Some(r) = err.downcast_ref::<rustls::Error>() {
            return Some(r);
        }
        // io::Error's `source` skips the error it wraps: look inside.
        if let Some(inner) = err
            .downcast_ref::<io::Error>()
            .and_then(|io| io.get_ref())
            .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        {
            return Some(inner);
        }
        next = err.source();
    }
    None
}

/// What a TLS failure means and what to do, in words.
pub(crate) fn explain(e: &rustls::Error, host: &str, settings: &TlsSettings) -> String {
    let root = match &settings.root {
        Some(RootCert::File(p)) => format!("sslrootcert={}", p.display()),
        Some(RootCert::System) => "the system's trusted roots (sslrootcert=system)".into(),
        None => "no root certificate".into(),
    };
    match e {
        rustls::Error::InvalidCertificate(
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
        ) => format!(
            "TLS: host name mismatch: the server's certificate is not valid for `{host}`; \
             connect with a host name the certificate names, or use sslmode=verify-ca to check \
             only the certificate's issuer"
        ),
        rustls::Error::InvalidCertificate(CertificateError::Expired) => {
            "TLS: the server's certificate has expired; renew it on the server".to_string()
        }
        rustls::Error::InvalidCertificate(
            CertificateError::UnknownIssuer | CertificateError::BadSignature,
        )
        | rustls::Error::InvalidCertificate(_) => format!(
            "TLS: certificate not trusted: the server's certificate is not signed by a CA in \
             {root} ({e}); give the CA that signed it with sslrootcert=FILE (your provider's CA \
             bundle), or sslmode=require to encrypt without checking the certificate"
        ),
        rustls::Error::AlertReceived(alert) => format!(
            "TLS: the server refused the handshake ({alert:?}); if it asks for a client \
             certificate, give sslcert=FILE and sslkey=FILE"
        ),
        other => format!("TLS handshake failed ({other})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_parse_and_check_as_libpq() {
        for m in [
            "disable",
            "allow",
            "prefer",
            "require",
            "verify-ca",
            "verify-full",
        ] {
            assert_eq!(SslMode::parse(m).unwrap().name(), m);
        }
        assert_eq!(SslMode::parse("on"), None);
        let mut s = TlsSettings {
            mode: SslMode::Require,
            root: None,
            client: None,
        };
        assert_eq!(s.check(), Check::Nothing);
        s.root = Some(RootCert::File("ca.pem".into()));
        assert_eq!(s.check(), Check::Chain, "require with a root is verify-ca");
        s.mode = SslMode::VerifyFull;
        assert_eq!(s.check(), Check::Full);
        s.mode = SslMode::Prefer;
        assert_eq!(s.check(), Check::Nothing);
    }

    #[test]
    fn verify_modes_without_a_root_say_what_to_add() {
        let s = TlsSettings {
            mode: SslMode::VerifyFull,
            root: None,
            client: None,
        };
        let e = s.connector().err().unwrap();
        assert!(
            e.contains("sslrootcert=FILE") && e.contains("PGSSLROOTCERT"),
            "{e}"
        );
    }

    #[test]
    fn a_missing_root_file_is_named() {
        let s = TlsSettings {
            mode: SslMode::VerifyCa,
            root: Some(RootCert::File("/nonexistent/ca.pem".into())),
            client: None,
        };
        let e = s.connector().err().unwrap();
        assert!(e.contains("/nonexistent/ca.pem"), "{e}");
    }
}
