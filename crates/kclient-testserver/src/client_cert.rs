//! Client-certificate authentication (kube-apiserver's `--client-ca-file`): a rustls
//! verifier that asks for a certificate, lets clients without one through (they
//! authenticate by token or stay anonymous), and accepts one signed directly by a trusted
//! CA. webpki only parses X.509 v3, yet `openssl x509 -req` issues v1 certificates and Go's
//! verifier takes them, so certificates are parsed with x509-parser and checked here: the
//! CA's signature (verified by ring, rustls' provider), the validity period, and the key
//! usages when the certificate carries them. The handshake signature is checked against
//! the certificate's key with the provider's algorithms.

use std::sync::Arc;

use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{CertificateError, DigitallySignedStruct, DistinguishedName, Error, SignatureScheme};
use rustls_pki_types::{CertificateDer, UnixTime};
use x509_parser::certificate::X509Certificate;
use x509_parser::prelude::{ASN1Time, FromDer};

use crate::authn::UserInfo;

/// A CA whose certificates authenticate users.
#[derive(Debug, Clone)]
struct TrustedCa {
    der: Vec<u8>,
}

/// Verifies client certificates against the server's client CAs.
#[derive(Debug)]
pub(crate) struct ClientCerts {
    cas: Vec<TrustedCa>,
    subjects: Vec<DistinguishedName>,
    algorithms: WebPkiSupportedAlgorithms,
}

fn bad(e: CertificateError) -> Error {
    Error::InvalidCertificate(e)
}

fn parse(der: &[u8]) -> Result<X509Certificate<'_>, Error> {
    match X509Certificate::from_der(der) {
        Ok(([], cert)) => Ok(cert),
        _ => Err(bad(CertificateError::BadEncoding)),
    }
}

impl ClientCerts {
    /// A verifier trusting the given CA certificates (DER); unparsable ones are skipped.
    pub fn new(ca_ders: &[Vec<u8>], algorithms: WebPkiSupportedAlgorithms) -> Arc<Self> {
        let mut cas = Vec::new();
        let mut subjects = Vec::new();
        for der in ca_ders {
            if let Ok(cert) = parse(der) {
                subjects.push(DistinguishedName::from(cert.subject().as_raw().to_vec()));
                cas.push(TrustedCa { der: der.clone() });
            }
        }
        Arc::new(ClientCerts {
            cas,
            subjects,
            algorithms,
        })
    }

    fn check(&self, cert: &X509Certificate<'_>, now: UnixTime) -> Result<(), Error> {
        let at = i64::try_from(now.as_secs()).unwrap_or(i64::MAX);
        let at = ASN1Time::from_timestamp(at).map_err(|_| bad(CertificateError::BadEncoding))?;
        let validity = cert.validity();
        if at < validity.not_before {
            return Err(bad(CertificateError::NotValidYet));
        }
        if at > validity.not_after {
            return Err(bad(CertificateError::Expired));
        }
        // Key usages bind only when present (v1 certificates have no extensions).
        if let Ok(Some(ku)) = cert.key_usage()
            && !ku.value.digital_signature()
        {
            return Err(bad(CertificateError::InvalidPurpose));
        }
        if let Ok(Some(eku)) = cert.extended_key_usage()
            && !(eku.value.any || eku.value.client_auth)
        {
            return Err(bad(CertificateError::InvalidPurpose));
        }
        for ca in &self.cas {
            let Ok(issuer) = parse(&ca.der) else { continue };
            if issuer.subject().as_raw() != cert.issuer().as_raw() {
                continue;
            }
            if cert.verify_signature(Some(issuer.public_key())).is_ok() {
                return Ok(());
            }
            return Err(bad(CertificateError::BadSignature));
        }
        Err(bad(CertificateError::UnknownIssuer))
    }

    /// Checks a handshake signature with the certificate's public key.
    fn verify_handshake(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
        first_only: bool,
    ) -> Result<HandshakeSignatureValid, Error> {
        let cert = parse(cert.as_ref())?;
        let spki = cert.public_key();
        let key_alg = algorithm_id_contents(spki.raw).ok_or(bad(CertificateError::BadEncoding))?;
        let algs = self
            .algorithms
            .mapping
            .iter()
            .find(|(scheme, _)| *scheme == dss.scheme)
            .map(|(_, algs)| *algs)
            .ok_or(Error::PeerMisbehaved(
                rustls::PeerMisbehaved::SignedHandshakeWithUnadvertisedSigScheme,
            ))?;
        let candidates = if first_only { &algs[..1] } else { algs };
        for alg in candidates {
            if alg.public_key_alg_id().as_ref() != key_alg {
                continue;
            }
            if alg
                .verify_signature(&spki.subject_public_key.data, message, dss.signature())
                .is_ok()
            {
                return Ok(HandshakeSignatureValid::assertion());
            }
        }
        Err(bad(CertificateError::BadSignature))
    }
}

/// One DER header: (tag, header length, content length).
fn der_header(input: &[u8]) -> Option<(u8, usize, usize)> {
    let tag = *input.first()?;
    let first = *input.get(1)? as usize;
    if first < 0x80 {
        return Some((tag, 2, first));
    }
    let n = first & 0x7f;
    if n == 0 || n > 4 {
        return None;
    }
    let mut len = 0usize;
    for i in 0..n {
        len = (len << 8) | *input.get(2 + i)? as usize;
    }
    Some((tag, 2 + n, len))
}

/// The contents of a SubjectPublicKeyInfo's AlgorithmIdentifier (what
/// `SignatureVerificationAlgorithm::public_key_alg_id` holds).
fn algorithm_id_contents(spki: &[u8]) -> Option<&[u8]> {
    let (tag, hdr, _) = der_header(spki)?;
    if tag != 0x30 {
        return None;
    }
    let inner = spki.get(hdr..)?;
    let (tag, hdr, len) = der_header(inner)?;
    (tag == 0x30).then(|| inner.get(hdr..hdr + len)).flatten()
}

impl ClientCertVerifier for ClientCerts {
    fn client_auth_mandatory(&self) -> bool {
        false
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &self.subjects
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<ClientCertVerified, Error> {
        let cert = parse(end_entity.as_ref())?;
        self.check(&cert, now)?;
        Ok(ClientCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        self.verify_handshake(message, cert, dss, false)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        // TLS 1.3 signs with ECDSA, RSA-PSS or EdDSA only (RFC 8446, 4.2.3).
        let tls13 = matches!(
            dss.scheme,
            SignatureScheme::ECDSA_NISTP256_SHA256
                | SignatureScheme::ECDSA_NISTP384_SHA384
                | SignatureScheme::ECDSA_NISTP521_SHA512
                | SignatureScheme::RSA_PSS_SHA256
                | SignatureScheme::RSA_PSS_SHA384
                | SignatureScheme::RSA_PSS_SHA512
                | SignatureScheme::ED25519
                | SignatureScheme::ED448
        );
        if !tls13 {
            return Err(Error::PeerMisbehaved(
                rustls::PeerMisbehaved::SignedHandshakeWithUnadvertisedSigScheme,
            ));
        }
        self.verify_handshake(message, cert, dss, true)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// The user of a verified certificate: CN is the name, each O a group (kube-apiserver's
/// `CommonNameUserConversion`); `None` without a CN.
pub(crate) fn user_of(der: &[u8]) -> Option<UserInfo> {
    let cert = parse(der).ok()?;
    let subject = cert.subject();
    let name = subject.iter_common_name().next()?.as_str().ok()?;
    if name.is_empty() {
        return None;
    }
    let groups: Vec<String> = subject
        .iter_organization()
        .filter_map(|o| o.as_str().ok().map(str::to_string))
        .collect();
    Some(UserInfo::authenticated(name, "", &groups))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rcgen::{
        CertificateParams, DistinguishedName as Dn, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer,
        KeyPair, KeyUsagePurpose,
    };

    fn ca() -> (rcgen::Certificate, Issuer<'static, KeyPair>) {
        let key = KeyPair::generate().expect("key");
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
        params
            .distinguished_name
            .push(DnType::CommonName, "test-ca");
        params.is_ca = IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        let cert = params.self_signed(&key).expect("ca");
        (cert, Issuer::new(params, key))
    }

    fn leaf(issuer: &Issuer<'static, KeyPair>, eku: ExtendedKeyUsagePurpose) -> Vec<u8> {
        let key = KeyPair::generate().expect("key");
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
        let mut dn = Dn::new();
        dn.push(DnType::CommonName, "alice");
        dn.push(DnType::OrganizationName, "dev");
        params.distinguished_name = dn;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![eku];
        params.signed_by(&key, issuer).expect("leaf").der().to_vec()
    }

    fn verifier(ca: &rcgen::Certificate) -> Arc<ClientCerts> {
        let provider = rustls::crypto::ring::default_provider();
        ClientCerts::new(
            &[ca.der().to_vec()],
            provider.signature_verification_algorithms,
        )
    }

    #[test]
    fn accepts_ca_signed_client_certificates_only() {
        let (ca_cert, issuer) = ca();
        let v = verifier(&ca_cert);
        let now = UnixTime::now();
        let good = leaf(&issuer, ExtendedKeyUsagePurpose::ClientAuth);
        assert!(
            v.verify_client_cert(&CertificateDer::from(good.clone()), &[], now)
                .is_ok()
        );
        let user = user_of(&good).expect("user");
        assert_eq!(user.name, "alice");
        assert_eq!(user.groups, ["dev", "system:authenticated"]);
        // A server-only certificate does not authenticate a client.
        let server_only = leaf(&issuer, ExtendedKeyUsagePurpose::ServerAuth);
        assert!(matches!(
            v.verify_client_cert(&CertificateDer::from(server_only), &[], now),
            Err(Error::InvalidCertificate(CertificateError::InvalidPurpose))
        ));
        // Another CA's certificate is refused.
        let (_, other) = ca();
        let foreign = leaf(&other, ExtendedKeyUsagePurpose::ClientAuth);
        assert!(
            v.verify_client_cert(&CertificateDer::from(foreign), &[], now)
                .is_err()
        );
        // Expired: checked at a time after notAfter (rcgen's default is year 4096).
        let late = UnixTime::since_unix_epoch(std::time::Duration::from_secs(80_000_000_000));
        assert!(matches!(
            v.verify_client_cert(&CertificateDer::from(good), &[], late),
            Err(Error::InvalidCertificate(CertificateError::Expired))
        ));
        assert!(
            v.verify_client_cert(&CertificateDer::from(vec![0x30, 0x00]), &[], now)
                .is_err()
        );
        assert!(!v.client_auth_mandatory());
        assert_eq!(v.root_hint_subjects().len(), 1);
    }

    #[test]
    fn spki_algorithm_is_found() {
        let (ca_cert, _) = ca();
        let parsed = parse(ca_cert.der()).expect("parses");
        let contents = algorithm_id_contents(parsed.public_key().raw).expect("alg");
        // id-ecPublicKey followed by the P-256 curve.
        assert_eq!(contents[0], 0x06);
        assert_eq!(
            contents,
            rustls_pki_types::alg_id::ECDSA_P256.as_ref(),
            "P-256 key"
        );
        assert_eq!(der_header(&[0x30, 0x81, 0x90]), Some((0x30, 3, 0x90)));
        assert_eq!(der_header(&[0x30, 0x80]), None);
    }
}
