//! The TLS client configuration every HTTP client of the process shares.
//!
//! Takes an optional extra certificate authority (PEM: a profile's `ca_file:`, for a target
//! behind a self-signed or private CA) and gives a ready `rustls::ClientConfig` trusting the
//! system's root certificates plus that CA. Loading the system's roots means opening and
//! decoding some 150 files; done per trial it was most of a run's CPU. So the configuration is
//! built once per process and per distinct CA set, and the roots themselves are loaded on the
//! first TLS handshake that needs them: a run against the embedded mock (plain HTTP) never
//! reads them at all. It knows nothing of targets, sessions or scenarios.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};

/// An extra certificate authority that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TlsError {
    /// The text holds no PEM certificate, or a broken one.
    #[error(
        "the extra certificate authority is not a PEM certificate: {0}\nhint: `ca_file` must hold one or more `-----BEGIN CERTIFICATE-----` blocks"
    )]
    NotPem(String),
    /// The certificate is not one rustls can use as a root.
    #[error("the extra certificate authority cannot be a root of trust: {0}")]
    Unusable(String),
}

/// The shared client configuration trusting the system's roots and, if given, the certificates
/// of `extra_ca_pem` (one or more PEM blocks). Built once per distinct `extra_ca_pem` for the
/// life of the process; cloning it is cheap (its parts are shared).
///
/// ```
/// use passwordless_conformance::targets::client_tls_config;
/// let shared = client_tls_config(None)?;
/// assert_eq!(shared.alpn_protocols, [b"http/1.1".to_vec()]);
/// assert!(client_tls_config(Some(b"not a certificate")).is_err());
/// # Ok::<(), passwordless_conformance::targets::TlsError>(())
/// ```
pub fn client_tls_config(
    extra_ca_pem: Option<&[u8]>,
) -> Result<Arc<rustls::ClientConfig>, TlsError> {
    static BY_CA_SET: OnceLock<Mutex<HashMap<Vec<u8>, Arc<rustls::ClientConfig>>>> =
        OnceLock::new();
    let key = extra_ca_pem.unwrap_or_default().to_vec();
    let mut configs = BY_CA_SET
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    if let Some(config) = configs.get(&key) {
        return Ok(Arc::clone(config));
    }
    let extra_roots = match extra_ca_pem {
        Some(pem) => parse_roots(pem)?,
        None => Vec::new(),
    };
    let config = Arc::new(build(extra_roots));
    configs.insert(key, Arc::clone(&config));
    Ok(config)
}

/// The certificates of a PEM text, each checked to be usable as a root.
fn parse_roots(pem: &[u8]) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let certificates = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|error| TlsError::NotPem(error.to_string()))?;
    if certificates.is_empty() {
        return Err(TlsError::NotPem("no certificate found".to_owned()));
    }
    let mut store = rustls::RootCertStore::empty();
    for certificate in &certificates {
        store
            .add(certificate.clone())
            .map_err(|error| TlsError::Unusable(error.to_string()))?;
    }
    Ok(certificates)
}

fn build(extra_roots: Vec<CertificateDer<'static>>) -> rustls::ClientConfig {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let verifier = LazyPlatformVerifier {
        provider: Arc::clone(&provider),
        extra_roots,
        loaded: OnceLock::new(),
    };
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap_or_else(|_| unreachable!("aws-lc-rs supports rustls' default versions"))
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    // The HTTP client speaks HTTP/1.1 only (reqwest is built without HTTP/2).
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    config
}

/// The platform's verifier (system roots plus the extra ones), created on first use.
#[derive(Debug)]
struct LazyPlatformVerifier {
    provider: Arc<CryptoProvider>,
    extra_roots: Vec<CertificateDer<'static>>,
    loaded: OnceLock<Result<rustls_platform_verifier::Verifier, rustls::Error>>,
}

impl LazyPlatformVerifier {
    fn verifier(&self) -> Result<&rustls_platform_verifier::Verifier, rustls::Error> {
        self.loaded
            .get_or_init(|| {
                rustls_platform_verifier::Verifier::new_with_extra_roots(
                    self.extra_roots.iter().cloned(),
                    Arc::clone(&self.provider),
                )
            })
            .as_ref()
            .map_err(Clone::clone)
    }
}

impl ServerCertVerifier for LazyPlatformVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        self.verifier()?.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        )
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
            &self.provider.signature_verification_algorithms,
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
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_configuration_is_built_once_per_ca_set() {
        let first = client_tls_config(None).unwrap_or_else(|error| panic!("{error}"));
        let second = client_tls_config(None).unwrap_or_else(|error| panic!("{error}"));
        assert!(Arc::ptr_eq(&first, &second));
    }

    #[test]
    fn system_roots_are_not_read_until_a_handshake_needs_them() {
        let verifier = LazyPlatformVerifier {
            provider: Arc::new(rustls::crypto::aws_lc_rs::default_provider()),
            extra_roots: Vec::new(),
            loaded: OnceLock::new(),
        };
        assert!(!verifier.supported_verify_schemes().is_empty());
        assert!(verifier.loaded.get().is_none());
    }

    #[test]
    fn text_without_a_certificate_is_refused_with_a_hint() {
        for text in [&b""[..], b"hello", b"-----BEGIN CERTIFICATE-----\n!!!\n"] {
            let error = client_tls_config(Some(text)).unwrap_err();
            assert!(error.to_string().contains("hint: `ca_file`"), "{error}");
        }
    }
}
