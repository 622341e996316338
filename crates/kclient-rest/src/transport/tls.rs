//! TLS client configuration (rustls with the ring provider), built from the config's
//! [`TlsConfig`]: trusted CAs from the PEM bundle (webpki roots when none is given),
//! `insecure_skip_verify`, and a PEM client certificate + key (PKCS#8, PKCS#1 or SEC1),
//! presented as configured, X.509 v1 certificates included (module `client_cert`).
//! ALPN (`h2`, `http/1.1`) and the `tls-server-name` override are applied by the connector.

use std::fmt;
use std::sync::Arc;

use kclient_config::TlsConfig;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};

use super::client_cert::ClientCertResolver;
use crate::error::Error;

/// The crypto provider used by every kclient connection.
pub(crate) fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Builds the rustls client configuration for the API server (no ALPN yet).
pub fn client_config(tls: &TlsConfig) -> Result<ClientConfig, Error> {
    if tls.insecure_skip_verify && tls.ca_data.is_some() {
        // client-go refuses this combination too: it is almost always a mistake.
        return Err(Error::Config(
            "specifying a root certificates file with the insecure flag is not allowed".into(),
        ));
    }
    let provider = provider();
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Config(format!("TLS setup failed: {e}")))?;
    let builder = if tls.insecure_skip_verify {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(SkipServerVerification {
                algorithms: provider.signature_verification_algorithms,
            }))
    } else {
        builder.with_root_certificates(root_store(tls.ca_data.as_deref())?)
    };
    match &tls.client_cert {
        None => Ok(builder.with_no_client_auth()),
        Some(cert) => {
            Ok(builder
                .with_client_cert_resolver(Arc::new(ClientCertResolver::new(cert, &provider)?)))
        }
    }
}

/// A rustls configuration trusting webpki roots plus `extra_ca` (used for TLS to HTTPS proxies).
pub(crate) fn proxy_client_config(extra_ca: Option<&[u8]>) -> Result<ClientConfig, Error> {
    let mut roots = RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    if let Some(pem) = extra_ca {
        for cert in parse_certs(pem, "certificate authority")? {
            roots
                .add(cert)
                .map_err(|e| Error::Config(format!("invalid certificate authority: {e}")))?;
        }
    }
    Ok(ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Config(format!("TLS setup failed: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

fn root_store(ca_pem: Option<&[u8]>) -> Result<RootCertStore, Error> {
    let mut roots = RootCertStore::empty();
    match ca_pem {
        None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
        Some(pem) => {
            for cert in parse_certs(pem, "certificate authority")? {
                roots
                    .add(cert)
                    .map_err(|e| Error::Config(format!("invalid certificate authority: {e}")))?;
            }
        }
    }
    Ok(roots)
}

pub(super) fn parse_certs(pem: &[u8], what: &str) -> Result<Vec<CertificateDer<'static>>, Error> {
    let certs = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| Error::Config(format!("invalid {what} PEM: {}", pem_error(&e))))?;
    if certs.is_empty() {
        return Err(Error::Config(format!(
            "no certificates found in the {what} data"
        )));
    }
    Ok(certs)
}

pub(super) fn pem_error(err: &rustls::pki_types::pem::Error) -> String {
    use rustls::pki_types::pem::Error as E;
    match err {
        E::NoItemsFound => "no PEM section found".to_owned(),
        E::MissingSectionEnd { .. } => "a PEM section is not terminated".to_owned(),
        E::IllegalSectionStart { .. } => "a PEM section start line is malformed".to_owned(),
        E::Base64Decode(_) => "invalid base64 in a PEM section".to_owned(),
        _ => "malformed PEM".to_owned(),
    }
}

/// `ServerName` for the `tls-server-name` override (DNS name or IP address).
pub(crate) fn server_name(name: &str) -> Result<ServerName<'static>, Error> {
    let trimmed = name
        .strip_prefix('[')
        .and_then(|n| n.strip_suffix(']'))
        .unwrap_or(name);
    ServerName::try_from(trimmed.to_owned())
        .map_err(|_| Error::Config(format!("invalid TLS server name {name:?}")))
}

/// Accepts any server certificate but still checks handshake signatures, so the connection is
/// at least bound to the key the server presented. Only for `insecure-skip-tls-verify`.
struct SkipServerVerification {
    algorithms: WebPkiSupportedAlgorithms,
}

impl fmt::Debug for SkipServerVerification {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SkipServerVerification")
    }
}

impl ServerCertVerifier for SkipServerVerification {
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
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kclient_config::ClientCert;

    fn self_signed() -> (String, String) {
        let cert = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
        (cert.cert.pem(), cert.signing_key.serialize_pem())
    }

    #[test]
    fn default_uses_webpki_roots() {
        let cfg = client_config(&TlsConfig::default()).unwrap();
        assert!(!cfg.client_auth_cert_resolver.has_certs());
    }

    #[test]
    fn ca_bundle_and_client_cert() {
        let (cert, key) = self_signed();
        let tls = TlsConfig {
            ca_data: Some(cert.clone().into_bytes()),
            client_cert: Some(ClientCert::new(cert.into_bytes(), key.into_bytes())),
            ..Default::default()
        };
        let cfg = client_config(&tls).unwrap();
        assert!(cfg.client_auth_cert_resolver.has_certs());
    }

    #[test]
    fn bad_inputs_are_config_errors_without_secrets() {
        let (cert, _key) = self_signed();
        let bad_ca = TlsConfig {
            ca_data: Some(b"not a pem".to_vec()),
            ..Default::default()
        };
        assert!(
            matches!(client_config(&bad_ca), Err(Error::Config(m)) if m.contains("no certificates"))
        );

        let secret_key =
            "-----BEGIN PRIVATE KEY-----\nc2VjcmV0LWtleS1ieXRlcw==\n-----END PRIVATE KEY-----\n";
        let bad_key = TlsConfig {
            client_cert: Some(ClientCert::new(
                cert.into_bytes(),
                secret_key.as_bytes().to_vec(),
            )),
            ..Default::default()
        };
        let err = client_config(&bad_key).unwrap_err().to_string();
        assert!(!err.contains("c2VjcmV0"), "{err}");

        let both = TlsConfig {
            ca_data: Some(b"x".to_vec()),
            insecure_skip_verify: true,
            ..Default::default()
        };
        assert!(matches!(client_config(&both), Err(Error::Config(_))));
    }

    #[test]
    fn server_names() {
        assert!(matches!(
            server_name("127.0.0.1"),
            Ok(ServerName::IpAddress(_))
        ));
        assert!(matches!(server_name("[::1]"), Ok(ServerName::IpAddress(_))));
        assert!(matches!(
            server_name("kubernetes.default.svc"),
            Ok(ServerName::DnsName(_))
        ));
        assert!(server_name("bad name!").is_err());
    }
}
