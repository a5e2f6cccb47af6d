//! The rustls configuration of a policy: k6's `tlsVersion` bounds, and
//! `insecureSkipTLSVerify` (any certificate is accepted, as Go's
//! `InsecureSkipVerify` does; the handshake's signatures are still checked).

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, RootCertStore, SignatureScheme};

use crate::config::network::NetworkPolicy;
use crate::config::ConfigError;

pub fn client_config(policy: &NetworkPolicy) -> Result<rustls::ClientConfig, ConfigError> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let versions = policy.tls_version.allowed()?;
    let builder = rustls::ClientConfig::builder_with_provider(Arc::clone(&provider))
        .with_protocol_versions(&versions)
        .map_err(|e| ConfigError {
            message: format!("cannot set up TLS: {e}"),
        })?;
    let config = if policy.insecure_skip_tls_verify {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AnyCertificate(provider)))
            .with_no_client_auth()
    } else {
        builder
            .with_root_certificates(trust_anchors())
            .with_no_client_auth()
    };
    Ok(config)
}

/// The system's CA certificates (rustls-native-certs reads SSL_CERT_FILE
/// and SSL_CERT_DIR first, then the distribution's bundle), or, when it
/// has none that parse, the Mozilla roots bundled at build time
/// (webpki-roots): an image without /etc/ssl/certs still reaches AWS.
pub fn trust_anchors() -> RootCertStore {
    let mut roots = RootCertStore::empty();
    let (added, _unparsable) =
        roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
    if added == 0 {
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    }
    roots
}

/// `insecureSkipTLSVerify`: the certificate is not checked, the
/// handshake's signatures are.
#[derive(Debug)]
struct AnyCertificate(Arc<CryptoProvider>);

impl ServerCertVerifier for AnyCertificate {
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
        verify_tls12_signature(
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
        verify_tls13_signature(
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A root filesystem without certificates (scratch, distroless) still
    /// gets trust anchors: the bundled ones. SSL_CERT_FILE / SSL_CERT_DIR
    /// pointing nowhere is how rustls-native-certs finds none; no other
    /// test in this binary reads them.
    #[test]
    fn falls_back_to_the_bundled_roots_when_the_system_has_none() {
        std::env::set_var("SSL_CERT_FILE", "/nonexistent/ca-certificates.crt");
        std::env::set_var("SSL_CERT_DIR", "/nonexistent/certs");
        assert_eq!(trust_anchors().len(), webpki_roots::TLS_SERVER_ROOTS.len());
    }

    /// Which versions a bound keeps is `TlsVersions::allowed`'s test; the
    /// handshakes are tests/e2e/network_policy.js's (a TLS 1.2-only server).
    #[test]
    fn a_bound_without_a_version_rustls_speaks_is_refused() {
        let policy = |json: &str| serde_json::from_str::<NetworkPolicy>(json).unwrap();
        assert!(client_config(&policy(
            r#"{"tlsVersion":{"min":"tls1.3"},"insecureSkipTLSVerify":true}"#
        ))
        .is_ok());
        let err = client_config(&policy(r#"{"tlsVersion":{"max":"tls1.1"}}"#)).unwrap_err();
        assert!(
            err.message.contains("TLS 1.2 and TLS 1.3"),
            "{}",
            err.message
        );
    }
}
