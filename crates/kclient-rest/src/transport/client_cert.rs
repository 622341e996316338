//! The client certificate presented in the TLS handshake (mutual TLS).
//!
//! rustls's `with_client_auth_cert` parses the leaf certificate with webpki to compare its
//! public key with the private key, and webpki accepts only X.509 v3: certificates made by
//! `openssl x509 -req` without an extensions file are v1, and were refused although kubectl
//! authenticates with them. A client does not validate its own certificate (the server does),
//! so the configured chain is presented as it is, through a [`ResolvesClientCert`].
//!
//! What is still checked, as Go's `tls.X509KeyPair` does for kubectl: the key must be a
//! private key TLS can sign with (RSA, ECDSA P-256/P-384, Ed25519), and when the leaf's
//! public key can be located it must be the key's own. Only the DER framing of the leaf is
//! walked for that, whatever its version or extensions.

use std::fmt;
use std::sync::Arc;

use kclient_config::{ClientCert, ExposeSecret};
use rustls::SignatureScheme;
use rustls::client::ResolvesClientCert;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::PrivateKeyDer;
use rustls::pki_types::pem::PemObject;
use rustls::sign::CertifiedKey;

use super::tls::{parse_certs, pem_error};
use crate::error::Error;

/// Presents one configured certificate chain and key, whatever the server hints.
///
/// client-go does the same: its `GetClientCertificate` callback returns the configured
/// certificate without looking at the server's acceptable CAs, and the server decides.
pub(crate) struct ClientCertResolver {
    key: Arc<CertifiedKey>,
}

impl ClientCertResolver {
    /// Loads `cert` with `provider`'s key loader. Errors are [`Error::Config`] and never
    /// quote the key.
    pub(crate) fn new(cert: &ClientCert, provider: &CryptoProvider) -> Result<Self, Error> {
        let chain = parse_certs(&cert.cert_pem, "client certificate")?;
        let key_der = PrivateKeyDer::from_pem_slice(cert.key_pem.expose_secret())
            .map_err(|e| Error::Config(format!("invalid client key: {}", pem_error(&e))))?;
        let key = provider
            .key_provider
            .load_private_key(key_der)
            .map_err(|_| {
                Error::Config(
                    "invalid client key: not an RSA, ECDSA (P-256, P-384) or Ed25519 private key"
                        .into(),
                )
            })?;
        if let (Some(from_key), Some(from_cert)) = (
            key.public_key().as_deref().and_then(spki_public_key),
            chain.first().and_then(|leaf| leaf_public_key(leaf)),
        ) && from_key != from_cert
        {
            // Go's tls.X509KeyPair refuses this too ("private key does not match public key").
            return Err(Error::Config(
                "invalid client certificate or key: the private key does not match the \
                 certificate's public key"
                    .into(),
            ));
        }
        Ok(Self {
            key: Arc::new(CertifiedKey::new(chain, key)),
        })
    }
}

impl fmt::Debug for ClientCertResolver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCertResolver")
            .field("certificates", &self.key.cert.len())
            .finish_non_exhaustive()
    }
}

impl ResolvesClientCert for ClientCertResolver {
    fn resolve(
        &self,
        _root_hint_subjects: &[&[u8]],
        _sigschemes: &[SignatureScheme],
    ) -> Option<Arc<CertifiedKey>> {
        // rustls itself checks that the key can sign with one of the offered schemes.
        Some(self.key.clone())
    }

    fn has_certs(&self) -> bool {
        true
    }
}

const SEQUENCE: u8 = 0x30;
const INTEGER: u8 = 0x02;
const BIT_STRING: u8 = 0x03;
/// `[0] EXPLICIT Version` of a TBSCertificate, present from v2 on.
const VERSION: u8 = 0xa0;

/// One DER element: `(tag, contents, rest)`. Single-byte tags only (all X.509 needs here).
fn element(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let count = usize::from(first & 0x7f);
        if count == 0 || count > std::mem::size_of::<usize>() || rest.len() < count {
            return None;
        }
        let (digits, rest) = rest.split_at(count);
        let len = digits
            .iter()
            .fold(0usize, |acc, &d| (acc << 8) | usize::from(d));
        (len, rest)
    };
    (rest.len() >= len).then(|| (tag, &rest[..len], &rest[len..]))
}

/// The element of `tag` at the start of `input`.
fn expect(tag: u8, input: &[u8]) -> Option<(&[u8], &[u8])> {
    element(input).and_then(|(t, contents, rest)| (t == tag).then_some((contents, rest)))
}

/// The subjectPublicKey bits of a DER SubjectPublicKeyInfo.
fn spki_public_key(spki: &[u8]) -> Option<&[u8]> {
    expect(SEQUENCE, spki).and_then(|(contents, _)| public_key_bits(contents))
}

/// The subjectPublicKey bits from the contents of a SubjectPublicKeyInfo. The algorithm
/// identifier is left out on purpose: some tools omit RSA's NULL parameters, and the key
/// bits decide the match.
fn public_key_bits(spki_contents: &[u8]) -> Option<&[u8]> {
    let (_algorithm, rest) = expect(SEQUENCE, spki_contents)?;
    expect(BIT_STRING, rest).map(|(bits, _)| bits)
}

/// The subjectPublicKey bits of a certificate of any version (RFC 5280 4.1): the version is
/// optional, then serial, signature, issuer, validity, subject, subjectPublicKeyInfo.
fn leaf_public_key(cert: &[u8]) -> Option<&[u8]> {
    let (certificate, _) = expect(SEQUENCE, cert)?;
    let (tbs, _) = expect(SEQUENCE, certificate)?;
    let tbs = match element(tbs)? {
        (VERSION, _, rest) => rest,
        _ => tbs,
    };
    let (_serial, mut rest) = expect(INTEGER, tbs)?;
    // signature, issuer, validity, subject
    for _ in 0..4 {
        rest = expect(SEQUENCE, rest)?.1;
    }
    expect(SEQUENCE, rest).and_then(|(spki, _)| public_key_bits(spki))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn provider() -> CryptoProvider {
        rustls::crypto::ring::default_provider()
    }

    fn pair() -> (String, String) {
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = rcgen::CertificateParams::new(vec!["client".to_owned()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        (cert.pem(), key.serialize_pem())
    }

    #[test]
    fn finds_the_public_key_of_a_v3_certificate() {
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = rcgen::CertificateParams::new(vec!["client".to_owned()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        let from_cert = leaf_public_key(cert.der()).unwrap();
        assert_eq!(
            from_cert,
            spki_public_key(&rcgen::PublicKeyData::subject_public_key_info(&key)).unwrap()
        );
    }

    #[test]
    fn malformed_der_is_no_key_not_a_panic() {
        for bad in [
            &[][..],
            &[0x30],
            &[0x30, 0x85, 1, 2, 3, 4, 5],
            &[
                0x30, 0x89, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
            ],
            &[0x30, 0x05, 0x30, 0x03, 0x02, 0x01],
            &[0x30, 0x80],
        ] {
            assert_eq!(leaf_public_key(bad), None, "{bad:?}");
            assert_eq!(spki_public_key(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn a_matching_pair_loads_and_is_presented_whatever_the_hints() {
        let (cert, key) = pair();
        let resolver = ClientCertResolver::new(
            &ClientCert::new(cert.into_bytes(), key.into_bytes()),
            &provider(),
        )
        .unwrap();
        assert!(resolver.has_certs());
        let hint: &[u8] = b"\x30\x00";
        assert!(
            resolver
                .resolve(&[hint], &[SignatureScheme::ECDSA_NISTP256_SHA256])
                .is_some()
        );
        assert_eq!(
            format!("{resolver:?}"),
            "ClientCertResolver { certificates: 1, .. }"
        );
    }

    #[test]
    fn a_key_of_another_certificate_is_refused() {
        let (cert, _) = pair();
        let (_, other_key) = pair();
        let err = ClientCertResolver::new(
            &ClientCert::new(cert.into_bytes(), other_key.clone().into_bytes()),
            &provider(),
        )
        .unwrap_err();
        assert!(
            matches!(&err, Error::Config(m) if m.contains("does not match")),
            "{err}"
        );
        let key_line = other_key.lines().nth(1).unwrap();
        assert!(!err.to_string().contains(key_line));
    }

    #[test]
    fn something_that_is_not_a_private_key_is_refused_without_quoting_it() {
        let (cert, _) = pair();
        // Valid PEM and base64, labelled as a key, but no key inside.
        let not_a_key =
            "-----BEGIN PRIVATE KEY-----\nc2VjcmV0LWtleS1ieXRlcw==\n-----END PRIVATE KEY-----\n";
        let err = ClientCertResolver::new(
            &ClientCert::new(cert.clone().into_bytes(), not_a_key.as_bytes().to_vec()),
            &provider(),
        )
        .unwrap_err();
        assert!(
            matches!(&err, Error::Config(m) if m.contains("private key")),
            "{err}"
        );
        assert!(!err.to_string().contains("c2VjcmV0"), "{err}");

        // A certificate where the key should be: no PRIVATE KEY section at all.
        let err = ClientCertResolver::new(
            &ClientCert::new(cert.clone().into_bytes(), cert.into_bytes()),
            &provider(),
        )
        .unwrap_err();
        assert!(
            matches!(&err, Error::Config(m) if m.contains("invalid client key")),
            "{err}"
        );
    }
}
