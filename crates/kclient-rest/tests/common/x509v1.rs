//! X.509 v1 client certificates, as `openssl x509 -req` makes them without an extensions
//! file (no version field, no extensions), and a server-side verifier that accepts them.
//!
//! rcgen writes only v3 and rustls's WebPki verifier refuses anything else, so both are
//! built here: a few DER constructors for the TBSCertificate (signed with rcgen's key pair),
//! and a `ClientCertVerifier` that checks the certificate's signature against the CA key,
//! checks the handshake signature against the certificate's key, and records what it saw.

use std::sync::{Arc, Mutex};

use rcgen::{KeyPair, PublicKeyData, SigningKey};
use tokio_rustls::rustls;
use tokio_rustls::rustls::client::danger::HandshakeSignatureValid;
use tokio_rustls::rustls::crypto::WebPkiSupportedAlgorithms;
use tokio_rustls::rustls::pki_types::{CertificateDer, UnixTime, alg_id};
use tokio_rustls::rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use tokio_rustls::rustls::{
    CertificateError, DigitallySignedStruct, DistinguishedName, SignatureScheme,
};

/// DER tag-length-value.
fn tlv(tag: u8, contents: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = contents.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let digits: Vec<u8> = len
            .to_be_bytes()
            .into_iter()
            .skip_while(|&b| b == 0)
            .collect();
        out.push(0x80 | digits.len() as u8);
        out.extend(digits);
    }
    out.extend_from_slice(contents);
    out
}

fn seq(parts: &[&[u8]]) -> Vec<u8> {
    tlv(0x30, &parts.concat())
}

/// OID 2.5.4.3 (commonName) and 2.5.4.10 (organizationName).
const CN: &[u8] = &[0x06, 0x03, 0x55, 0x04, 0x03];
const O: &[u8] = &[0x06, 0x03, 0x55, 0x04, 0x0a];

/// A Name of `(attribute OID, UTF8String)` pairs, one RDN each.
fn name(attributes: &[(&[u8], &str)]) -> Vec<u8> {
    let rdns: Vec<Vec<u8>> = attributes
        .iter()
        .map(|(oid, value)| tlv(0x31, &seq(&[oid, &tlv(0x0c, value.as_bytes())])))
        .collect();
    let refs: Vec<&[u8]> = rdns.iter().map(Vec::as_slice).collect();
    seq(&refs)
}

/// The CA name [`super::TestPki`] gives its CA.
pub fn ca_name() -> Vec<u8> {
    name(&[(CN, "kclient test CA")])
}

/// A v1 client certificate for `common_name` in `organization` (Kubernetes' user and group),
/// signed by `ca_key` as `issuer`: `(DER, PEM of the certificate, PEM of its PKCS#8 key)`.
pub fn client_cert(
    common_name: &str,
    organization: &str,
    issuer: &[u8],
    ca_key: &KeyPair,
) -> (Vec<u8>, String, String) {
    let key = KeyPair::generate().unwrap();
    // ecdsa-with-SHA256 (1.2.840.10045.4.3.2), no parameters: what rcgen's P-256 keys sign.
    let algorithm = seq(&[&[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02]]);
    let validity = seq(&[&tlv(0x17, b"250101000000Z"), &tlv(0x17, b"491231235959Z")]);
    // No `[0] version` (v1 is the default) and no `[3] extensions`.
    let tbs = seq(&[
        &tlv(0x02, &[0x01, 0x5e, 0xed]),
        &algorithm,
        issuer,
        &validity,
        &name(&[(O, organization), (CN, common_name)]),
        &key.subject_public_key_info(),
    ]);
    let signature = ca_key.sign(&tbs).unwrap();
    let mut bits = vec![0u8];
    bits.extend(signature);
    let der = seq(&[&tbs, &algorithm, &tlv(0x03, &bits)]);
    let pem = pem_armour("CERTIFICATE", &der);
    (der, pem, key.serialize_pem())
}

/// PEM armour (64-column base64), without a PEM crate in the test's dependencies.
fn pem_armour(label: &str, der: &[u8]) -> String {
    use base64::Engine as _;
    let text = base64::engine::general_purpose::STANDARD.encode(der);
    let mut pem = format!("-----BEGIN {label}-----\n");
    for line in text.as_bytes().chunks(64) {
        pem.push_str(std::str::from_utf8(line).unwrap());
        pem.push('\n');
    }
    pem.push_str(&format!("-----END {label}-----\n"));
    pem
}

/// Reads DER elements one after another.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    /// The next element as `(tag, contents)`.
    fn next(&mut self) -> Option<(u8, &'a [u8])> {
        let [tag, first, rest @ ..] = self.0 else {
            return None;
        };
        let (len, body) = match *first {
            short if short < 0x80 => (usize::from(short), rest),
            long => {
                let n = usize::from(long & 0x7f);
                let digits = rest.get(..n)?;
                let len = digits.iter().fold(0, |acc, &d| acc << 8 | usize::from(d));
                (len, &rest[n..])
            }
        };
        let contents = body.get(..len)?;
        self.0 = &body[len..];
        Some((*tag, contents))
    }

    /// The bytes of the next element, tag and length included.
    fn next_raw(&mut self) -> Option<&'a [u8]> {
        let before = self.0;
        self.next()?;
        Some(&before[..before.len() - self.0.len()])
    }
}

/// `(tbsCertificate DER, signature bits, subjectPublicKey bits)` of a certificate.
fn split(cert: &[u8]) -> Option<(&[u8], &[u8], &[u8])> {
    let (_, certificate) = Reader(cert).next()?;
    let mut outer = Reader(certificate);
    let tbs_der = outer.next_raw()?;
    outer.next()?; // signatureAlgorithm
    let (_, signature) = outer.next()?;
    let (_, tbs) = Reader(tbs_der).next()?;
    let mut fields = Reader(tbs);
    let mut field = fields.next()?;
    if field.0 == 0xa0 {
        field = fields.next()?; // a version: v2 or v3
    }
    debug_assert_eq!(field.0, 0x02, "serial number");
    for _ in 0..4 {
        fields.next()?; // signature, issuer, validity, subject
    }
    let (_, spki) = fields.next()?;
    let mut spki = Reader(spki);
    spki.next()?; // algorithm
    let (_, key) = spki.next()?;
    Some((tbs_der, signature.get(1..)?, key.get(1..)?))
}

/// Whether a certificate has no version field (v1).
pub fn is_v1(cert: &[u8]) -> bool {
    let Some((tbs, _, _)) = split(cert) else {
        return false;
    };
    let (_, tbs) = Reader(tbs).next().unwrap();
    Reader(tbs).next().is_some_and(|(tag, _)| tag == 0x02)
}

/// Accepts a client certificate of any version whose signature the CA key verifies, and
/// records every end-entity certificate presented.
#[derive(Debug)]
pub struct AnyVersionClientVerifier {
    ca_public_key: Vec<u8>,
    algorithms: WebPkiSupportedAlgorithms,
    pub presented: Arc<Mutex<Vec<Vec<u8>>>>,
}

impl AnyVersionClientVerifier {
    pub fn new(ca_key: &KeyPair) -> Self {
        Self {
            ca_public_key: ca_key.public_key_raw().to_vec(),
            algorithms: rustls::crypto::ring::default_provider().signature_verification_algorithms,
            presented: Arc::default(),
        }
    }

    fn verify(&self, key: &[u8], message: &[u8], dss: &DigitallySignedStruct) -> bool {
        self.algorithms
            .mapping
            .iter()
            .find(|(scheme, _)| *scheme == dss.scheme)
            .is_some_and(|(_, algs)| {
                algs.iter()
                    .any(|alg| alg.verify_signature(key, message, dss.signature()).is_ok())
            })
    }
}

fn bad_signature() -> rustls::Error {
    rustls::Error::InvalidCertificate(CertificateError::BadSignature)
}

impl ClientCertVerifier for AnyVersionClientVerifier {
    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        self.presented.lock().unwrap().push(end_entity.to_vec());
        let (tbs, signature, _) = split(end_entity).ok_or(rustls::Error::InvalidCertificate(
            CertificateError::BadEncoding,
        ))?;
        let by_ca = self.algorithms.all.iter().any(|alg| {
            alg.public_key_alg_id() == alg_id::ECDSA_P256
                && alg.signature_alg_id() == alg_id::ECDSA_SHA256
                && alg
                    .verify_signature(&self.ca_public_key, tbs, signature)
                    .is_ok()
        });
        by_ca
            .then(ClientCertVerified::assertion)
            .ok_or_else(bad_signature)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        let (_, _, key) = split(cert).ok_or_else(bad_signature)?;
        self.verify(key, message, dss)
            .then(HandshakeSignatureValid::assertion)
            .ok_or_else(bad_signature)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.verify_tls12_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}
