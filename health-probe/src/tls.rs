//! TLS for the probes: rustls with the ring provider (the stack of the AWS tools), one
//! configuration shared by every target. Certificates are checked by
//! `rustls_platform_verifier::Verifier`, the verifier reqwest itself uses (on Linux: the
//! system's CA bundle through webpki), with the `--cacert` roots added; `--insecure` accepts
//! any certificate.
//!
//! The system's roots are read when the configuration is built, once per run, also by a run
//! that only probes `http://` (a redirect may lead to `https://`). Before, a hand-written
//! wrapper around the verifier deferred that to the first handshake. Measured against a
//! local `http://` server (release build, a 219 KB system bundle, 2 loaded cores; see
//! bench/README.md): a whole run took 8 to 10 ms with the wrapper and 15 to 17 ms without
//! it, so loading the roots costs 6 to 9 ms per run and nothing per attempt (an `https://`
//! run loaded them anyway). Against probes that wait seconds for health, not worth
//! security-sensitive code of our own. A machine without a CA bundle can still probe
//! `http://` URLs (see [`client_config`]).

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use rustls_platform_verifier::Verifier;

/// The CA certificates of a PEM bundle (`--cacert`); an error names what is wrong.
pub fn parse_pem_bundle(bytes: &[u8]) -> Result<Vec<CertificateDer<'static>>, String> {
    let certs = CertificateDer::pem_slice_iter(bytes)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("not a PEM certificate bundle ({e})"))?;
    if certs.is_empty() {
        return Err("no certificate in it (expected PEM, -----BEGIN CERTIFICATE-----)".to_owned());
    }
    Ok(certs)
}

/// The client configuration: ALPN h2 and http/1.1, TLS 1.2 and 1.3.
///
/// Without a root (no CA bundle on the machine and no `--cacert`) the platform's verifier
/// cannot be built: that is an error when `https` (some URL is `https://`); otherwise the
/// run goes on with no root at all, so that `http://` URLs are probed and a redirect to
/// `https://` fails its handshake (no certificate can be trusted).
pub fn client_config(
    extra_roots: Vec<CertificateDer<'static>>,
    insecure: bool,
    https: bool,
) -> Result<ClientConfig, rustls::Error> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()?;
    let mut config = if insecure {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AcceptAny(provider)))
            .with_no_client_auth()
    } else {
        match Verifier::new_with_extra_roots(extra_roots, provider) {
            Ok(verifier) => builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(verifier))
                .with_no_client_auth(),
            Err(e) if https => return Err(e),
            Err(_) => builder
                .with_root_certificates(RootCertStore::empty())
                .with_no_client_auth(),
        }
    };
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

/// `--insecure`: any certificate, any name, as `curl -k`.
#[derive(Debug)]
struct AcceptAny(Arc<CryptoProvider>);

impl ServerCertVerifier for AcceptAny {
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
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }

    fn verify_tls13_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_bundles() {
        let ca =
            "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUYWJj\n-----END CERTIFICATE-----\n";
        assert_eq!(parse_pem_bundle(ca.as_bytes()).unwrap().len(), 1);
        assert!(
            parse_pem_bundle(b"just text\n")
                .unwrap_err()
                .starts_with("no certificate")
        );
        assert!(
            parse_pem_bundle(b"-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n")
                .is_err()
        );
    }

    #[test]
    fn configs_build() {
        let config = client_config(Vec::new(), false, true).unwrap();
        assert_eq!(
            config.alpn_protocols,
            [b"h2".to_vec(), b"http/1.1".to_vec()]
        );
        assert!(client_config(Vec::new(), true, true).is_ok());
    }
}
