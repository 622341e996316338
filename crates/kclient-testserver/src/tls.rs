//! The throwaway PKI of one server: a self-signed CA and a serving certificate for
//! `127.0.0.1` and `localhost`, handed to rustls and written into the kubeconfig; rustls
//! asks clients for a certificate ([`crate::client_cert`]) without requiring one.

use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose,
};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

use crate::client_cert::ClientCerts;
use crate::error::TestServerError;

/// The generated CA and the rustls configuration serving with a leaf signed by it.
pub(crate) struct Pki {
    /// PEM of the CA certificate (what clients trust).
    pub ca_pem: String,
    /// rustls server configuration (ALPN `h2` and `http/1.1`).
    pub server_config: Arc<rustls::ServerConfig>,
}

impl std::fmt::Debug for Pki {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The private key lives inside server_config; never print it.
        f.debug_struct("Pki")
            .field("ca_pem", &self.ca_pem)
            .finish_non_exhaustive()
    }
}

fn tls_err(e: impl std::fmt::Display) -> TestServerError {
    TestServerError::Tls(e.to_string())
}

/// Generates a fresh CA and serving certificate.
#[cfg(test)]
pub(crate) fn generate() -> Result<Pki, TestServerError> {
    generate_with_client_cas(&[])
}

/// Generates a fresh CA and serving certificate; client certificates signed by that CA or
/// by one of `client_cas` (PEM) authenticate their subject.
pub(crate) fn generate_with_client_cas(client_cas: &[String]) -> Result<Pki, TestServerError> {
    let ca_key = KeyPair::generate().map_err(tls_err)?;
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).map_err(tls_err)?;
    let mut ca_dn = DistinguishedName::new();
    ca_dn.push(DnType::CommonName, "kclient-testserver-ca");
    ca_params.distinguished_name = ca_dn;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca_cert = ca_params.self_signed(&ca_key).map_err(tls_err)?;
    let issuer = Issuer::new(ca_params, &ca_key);

    let leaf_key = KeyPair::generate().map_err(tls_err)?;
    let mut leaf_params =
        CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])
            .map_err(tls_err)?;
    let mut leaf_dn = DistinguishedName::new();
    leaf_dn.push(DnType::CommonName, "kube-apiserver");
    leaf_params.distinguished_name = leaf_dn;
    leaf_params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    leaf_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    leaf_params.use_authority_key_identifier_extension = true;
    let leaf_cert = leaf_params.signed_by(&leaf_key, &issuer).map_err(tls_err)?;

    let chain: Vec<CertificateDer<'static>> = vec![leaf_cert.der().clone(), ca_cert.der().clone()];
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der()));
    let mut trusted = vec![ca_cert.der().to_vec()];
    for pem in client_cas {
        for der in CertificateDer::pem_slice_iter(pem.as_bytes()) {
            trusted.push(der.map_err(tls_err)?.to_vec());
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = ClientCerts::new(&trusted, provider.signature_verification_algorithms);
    let mut server_config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(tls_err)?
        .with_client_cert_verifier(verifier)
        .with_single_cert(chain, key)
        .map_err(tls_err)?;
    server_config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Pki {
        ca_pem: ca_cert.pem(),
        server_config: Arc::new(server_config),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generates_ca_and_alpn() {
        let pki = generate().expect("pki");
        assert!(pki.ca_pem.starts_with("-----BEGIN CERTIFICATE-----"));
        assert_eq!(
            pki.server_config.alpn_protocols,
            vec![b"h2".to_vec(), b"http/1.1".to_vec()]
        );
        assert!(!format!("{pki:?}").contains("PRIVATE"));
    }
}
