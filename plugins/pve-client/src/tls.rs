//! TLS for the API client: system roots, a CA file, a pinned SHA-256 fingerprint of
//! the server's certificate (handshake signatures still verified), or explicitly none.

use std::sync::Arc;

use rustls::{
    DigitallySignedStruct, SignatureScheme,
    client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier},
    crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature},
    pki_types::{CertificateDer, ServerName, UnixTime},
};
use sha2::{Digest, Sha256};

use crate::{PveError, config::TlsConfig};

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Parses `AB:CD:..` (colons optional) into 32 bytes.
pub fn parse_fingerprint(text: &str) -> Result<[u8; 32], PveError> {
    let hex: String = text.chars().filter(|c| *c != ':').collect();
    let bad = || {
        PveError::Config(format!(
            "fingerprint {text:?} is not a SHA-256 fingerprint (32 hex bytes)"
        ))
    };
    if hex.len() != 64 {
        return Err(bad());
    }
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex[i * 2..i * 2 + 2], 16).map_err(|_| bad())?;
    }
    Ok(out)
}

/// Accepts exactly the certificate with the pinned fingerprint.
#[derive(Debug)]
struct Pinned {
    fingerprint: [u8; 32],
    provider: Arc<CryptoProvider>,
}

/// Accepts any certificate (`insecure = true`).
#[derive(Debug)]
struct Insecure {
    provider: Arc<CryptoProvider>,
}

macro_rules! signatures {
    () => {
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
                &self.provider.signature_verification_algorithms,
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
                &self.provider.signature_verification_algorithms,
            )
        }
        fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
            self.provider
                .signature_verification_algorithms
                .supported_schemes()
        }
    };
}

impl ServerCertVerifier for Pinned {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _i: &[CertificateDer<'_>],
        _n: &ServerName<'_>,
        _o: &[u8],
        _t: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let seen: [u8; 32] = Sha256::digest(end_entity.as_ref()).into();
        if seen == self.fingerprint {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::General(
                "server certificate fingerprint does not match the pinned fingerprint".into(),
            ))
        }
    }
    signatures!();
}

impl ServerCertVerifier for Insecure {
    fn verify_server_cert(
        &self,
        _e: &CertificateDer<'_>,
        _i: &[CertificateDer<'_>],
        _n: &ServerName<'_>,
        _o: &[u8],
        _t: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }
    signatures!();
}

fn roots_from_pem(pem: &[u8]) -> Result<rustls::RootCertStore, PveError> {
    use rustls::pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    let mut count = 0;
    for cert in CertificateDer::pem_slice_iter(pem) {
        let cert = cert
            .map_err(|e| PveError::Config(format!("CA file holds a malformed certificate: {e}")))?;
        roots
            .add(cert)
            .map_err(|e| PveError::Config(format!("CA file holds an unusable certificate: {e}")))?;
        count += 1;
    }
    if count == 0 {
        return Err(PveError::Config("CA file holds no PEM certificate".into()));
    }
    Ok(roots)
}

/// The rustls client configuration for `tls`.
pub fn client_config(tls: &TlsConfig) -> Result<rustls::ClientConfig, PveError> {
    let provider = provider();
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| PveError::Config(format!("TLS setup: {e}")))?;
    let config = if tls.insecure {
        tracing::warn!("TLS verification of the Proxmox API is disabled (tls.insecure = true)");
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(Insecure { provider }))
            .with_no_client_auth()
    } else if let Some(fp) = &tls.fingerprint {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(Pinned {
                fingerprint: parse_fingerprint(fp)?,
                provider,
            }))
            .with_no_client_auth()
    } else if let Some(ca) = &tls.ca_file {
        let pem = std::fs::read(ca)
            .map_err(|e| PveError::Config(format!("cannot read CA file {}: {e}", ca.display())))?;
        builder
            .with_root_certificates(roots_from_pem(&pem)?)
            .with_no_client_auth()
    } else {
        let mut roots = rustls::RootCertStore::empty();
        for cert in rustls_native_certs::load_native_certs().certs {
            let _ = roots.add(cert);
        }
        builder.with_root_certificates(roots).with_no_client_auth()
    };
    Ok(config)
}
