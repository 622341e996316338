//! Client-certificate authentication (kube-apiserver's `--client-ca-file`): a rustls
//! verifier that asks for a certificate, lets clients without one through (they
//! authenticate by token or stay anonymous), and accepts one that chains to a trusted CA.
//! webpki only parses X.509 v3, yet `openssl x509 -req` issues v1 certificates and Go's
//! verifier takes them, so certificates are parsed with x509-parser and checked here: the
//! chain to a trusted CA through the intermediates the client sends (signatures verified
//! by ring, rustls' provider), the validity periods, CA flags and path lengths, and the key
//! usages when the certificates carry them. The handshake signature is checked against
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

    /// Verifies `cert` as Go's `x509.Certificate.Verify` with `ExtKeyUsageClientAuth`: a
    /// chain through the client's intermediates (CA certificates, within their path
    /// length, valid now, allowing client auth) to a trusted CA.
    fn check(
        &self,
        cert: &X509Certificate<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<(), Error> {
        let at = i64::try_from(now.as_secs()).unwrap_or(i64::MAX);
        let at = ASN1Time::from_timestamp(at).map_err(|_| bad(CertificateError::BadEncoding))?;
        check_validity(cert, at)?;
        // Key usages bind only when present (v1 certificates have no extensions).
        if let Ok(Some(ku)) = cert.key_usage()
            && !ku.value.digital_signature()
        {
            return Err(bad(CertificateError::InvalidPurpose));
        }
        check_client_auth(cert)?;
        let parsed: Vec<X509Certificate<'_>> = intermediates
            .iter()
            .filter_map(|der| parse(der.as_ref()).ok())
            .collect();
        let mut used = Vec::new();
        self.chain_to_root(cert, &parsed, &mut used, at)
    }

    /// Depth-first path building from `cert` (whose issuer is sought) through unused
    /// intermediates; `used` holds the intermediates already below `cert`.
    fn chain_to_root(
        &self,
        cert: &X509Certificate<'_>,
        intermediates: &[X509Certificate<'_>],
        used: &mut Vec<usize>,
        at: ASN1Time,
    ) -> Result<(), Error> {
        let mut failure = bad(CertificateError::UnknownIssuer);
        for ca in &self.cas {
            let Ok(issuer) = parse(&ca.der) else { continue };
            if issuer.subject().as_raw() != cert.issuer().as_raw() {
                continue;
            }
            if cert.verify_signature(Some(issuer.public_key())).is_err() {
                failure = bad(CertificateError::BadSignature);
                continue;
            }
            if within_path_len(&issuer, used.len()) {
                return Ok(());
            }
            failure = bad(CertificateError::InvalidPurpose);
        }
        // Go's verifier gives up past a handful of intermediates; so does this one.
        if used.len() >= 8 {
            return Err(failure);
        }
        for (i, candidate) in intermediates.iter().enumerate() {
            if used.contains(&i) || candidate.subject().as_raw() != cert.issuer().as_raw() {
                continue;
            }
            let is_ca = matches!(candidate.basic_constraints(), Ok(Some(bc)) if bc.value.ca);
            if !is_ca
                || check_validity(candidate, at).is_err()
                || check_client_auth(candidate).is_err()
                || !within_path_len(candidate, used.len())
                || cert.verify_signature(Some(candidate.public_key())).is_err()
            {
                continue;
            }
            used.push(i);
            let found = self.chain_to_root(candidate, intermediates, used, at);
            used.pop();
            match found {
                Ok(()) => return Ok(()),
                Err(e) => failure = e,
            }
        }
        Err(failure)
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

fn check_validity(cert: &X509Certificate<'_>, at: ASN1Time) -> Result<(), Error> {
    let validity = cert.validity();
    if at < validity.not_before {
        return Err(bad(CertificateError::NotValidYet));
    }
    if at > validity.not_after {
        return Err(bad(CertificateError::Expired));
    }
    Ok(())
}

/// An extended key usage, where present, must allow client auth (Go checks it on every
/// certificate of the chain).
fn check_client_auth(cert: &X509Certificate<'_>) -> Result<(), Error> {
    if let Ok(Some(eku)) = cert.extended_key_usage()
        && !(eku.value.any || eku.value.client_auth)
    {
        return Err(bad(CertificateError::InvalidPurpose));
    }
    Ok(())
}

/// A CA's `pathLenConstraint` bounds the intermediates below it.
fn within_path_len(ca: &X509Certificate<'_>, intermediates_below: usize) -> bool {
    match ca.basic_constraints() {
        Ok(Some(bc)) => bc
            .value
            .path_len_constraint
            .is_none_or(|max| intermediates_below <= max as usize),
        _ => true,
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
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<ClientCertVerified, Error> {
        let cert = parse(end_entity.as_ref())?;
        self.check(&cert, intermediates, now)?;
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

    fn intermediate(
        root: &Issuer<'static, KeyPair>,
        name: &str,
        ca: IsCa,
    ) -> (CertificateDer<'static>, Issuer<'static, KeyPair>) {
        let key = KeyPair::generate().expect("key");
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
        params.distinguished_name.push(DnType::CommonName, name);
        params.is_ca = ca;
        let cert = params.signed_by(&key, root).expect("intermediate");
        (cert.der().clone(), Issuer::new(params, key))
    }

    fn ca_with(
        constraint: rcgen::BasicConstraints,
    ) -> (rcgen::Certificate, Issuer<'static, KeyPair>) {
        let key = KeyPair::generate().expect("key");
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
        params
            .distinguished_name
            .push(DnType::CommonName, "root-ca");
        params.is_ca = IsCa::Ca(constraint);
        let cert = params.self_signed(&key).expect("ca");
        (cert, Issuer::new(params, key))
    }

    /// Go's verifier builds the chain through the intermediates the client sends.
    #[test]
    fn chains_through_client_sent_intermediates() {
        use rcgen::BasicConstraints::{Constrained, Unconstrained};
        let (root_cert, root) = ca_with(Unconstrained);
        let v = verifier(&root_cert);
        let now = UnixTime::now();
        let (mid_der, mid) = intermediate(&root, "mid", IsCa::Ca(Unconstrained));
        let (low_der, low) = intermediate(&mid, "low", IsCa::Ca(Unconstrained));
        let leaf_der = CertificateDer::from(leaf(&low, ExtendedKeyUsagePurpose::ClientAuth));
        // Two intermediates, in either order; without them the issuer is unknown.
        assert!(
            v.verify_client_cert(&leaf_der, &[low_der.clone(), mid_der.clone()], now)
                .is_ok()
        );
        assert!(
            v.verify_client_cert(&leaf_der, &[mid_der.clone(), low_der.clone()], now)
                .is_ok()
        );
        assert!(matches!(
            v.verify_client_cert(&leaf_der, &[], now),
            Err(Error::InvalidCertificate(CertificateError::UnknownIssuer))
        ));
        assert!(
            v.verify_client_cert(&leaf_der, std::slice::from_ref(&low_der), now)
                .is_err()
        );
        // An intermediate that is not a CA may not sign.
        let (plain_der, plain) = intermediate(&root, "plain", IsCa::ExplicitNoCa);
        let by_plain = CertificateDer::from(leaf(&plain, ExtendedKeyUsagePurpose::ClientAuth));
        assert!(v.verify_client_cert(&by_plain, &[plain_der], now).is_err());
        // A root limited to no intermediates refuses a chain with one.
        let (tight_cert, tight) = ca_with(Constrained(0));
        let tv = verifier(&tight_cert);
        let direct = CertificateDer::from(leaf(&tight, ExtendedKeyUsagePurpose::ClientAuth));
        assert!(tv.verify_client_cert(&direct, &[], now).is_ok());
        let (tmid_der, tmid) = intermediate(&tight, "tmid", IsCa::Ca(Unconstrained));
        let deep = CertificateDer::from(leaf(&tmid, ExtendedKeyUsagePurpose::ClientAuth));
        assert!(tv.verify_client_cert(&deep, &[tmid_der], now).is_err());
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
