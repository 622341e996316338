//! TLS: CA bundles, insecure mode, the server-name override, client certificates, ALPN.

use kclient_core::error::ApiError;
mod common;

use common::*;
use http::Version;
use kclient_config::ClientCert;
use kclient_rest::transport::RetryPolicy;
use kclient_rest::{RestClient, TransportErrorKind};

fn client(config: kclient_config::Config) -> RestClient {
    RestClient::builder(config)
        .retry_policy(RetryPolicy::never())
        .build()
        .unwrap()
}

#[tokio::test]
async fn ca_data_trusts_the_server_by_ip_and_negotiates_http2() {
    let pki = TestPki::new();
    let server = TestServer::tls(|_| async { ok_text() }, pki.server_config()).await;
    let mut config = server.config();
    config.tls.ca_data = Some(pki.ca_pem.clone().into_bytes());
    let body = client(config)
        .get()
        .abs_path(["/healthz"])
        .into_bytes()
        .await
        .unwrap();
    assert_eq!(body, "ok");
    assert_eq!(server.seen()[0].version, Version::HTTP_2, "ALPN picked h2");
}

#[tokio::test]
async fn untrusted_server_is_a_tls_error() {
    let pki = TestPki::new();
    let server = TestServer::tls(|_| async { ok_text() }, pki.server_config()).await;
    // No CA data: the webpki roots do not know the test CA.
    let err = client(server.config())
        .get()
        .abs_path(["/healthz"])
        .send()
        .await
        .unwrap_err();
    let transport = err.transport().expect("transport error");
    assert_eq!(transport.kind(), TransportErrorKind::Tls, "{err}");

    // Another CA is not trusted either.
    let other = TestPki::new();
    let mut config = server.config();
    config.tls.ca_data = Some(other.ca_pem.into_bytes());
    let err = client(config)
        .get()
        .abs_path(["/healthz"])
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        err.transport().unwrap().kind(),
        TransportErrorKind::Tls,
        "{err}"
    );
    assert_eq!(server.requests(), 0);
}

#[tokio::test]
async fn insecure_skip_verify_accepts_any_certificate() {
    let pki = TestPki::with_names(&["somewhere.else"]);
    let server = TestServer::tls(|_| async { ok_text() }, pki.server_config()).await;
    let mut config = server.config();
    config.tls.insecure_skip_verify = true;
    let body = client(config)
        .get()
        .abs_path(["/healthz"])
        .into_bytes()
        .await
        .unwrap();
    assert_eq!(body, "ok");
}

#[tokio::test]
async fn server_name_override_verifies_against_that_name() {
    let pki = TestPki::with_names(&["kubernetes.test"]);
    let server = TestServer::tls(|_| async { ok_text() }, pki.server_config()).await;

    let mut config = server.config();
    config.tls.ca_data = Some(pki.ca_pem.clone().into_bytes());
    let err = client(config.clone())
        .get()
        .abs_path(["/healthz"])
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        err.transport().unwrap().kind(),
        TransportErrorKind::Tls,
        "the certificate has no IP SAN: {err}"
    );

    config.tls.server_name = Some("kubernetes.test".into());
    let body = client(config)
        .get()
        .abs_path(["/healthz"])
        .into_bytes()
        .await
        .unwrap();
    assert_eq!(body, "ok");
}

#[tokio::test]
async fn client_certificate_authenticates_to_the_server() {
    let pki = TestPki::new();
    let server = TestServer::tls(|_| async { ok_text() }, pki.server_config_mtls()).await;
    let mut config = server.config();
    config.tls.ca_data = Some(pki.ca_pem.clone().into_bytes());

    let err = client(config.clone())
        .get()
        .abs_path(["/healthz"])
        .send()
        .await
        .unwrap_err();
    assert!(err.is_transport(), "no client certificate: {err}");

    let (cert, key) = pki.client_cert("system:admin");
    config.tls.client_cert = Some(ClientCert::new(cert.into_bytes(), key.clone().into_bytes()));
    let client = client(config);
    let body = client
        .get()
        .abs_path(["/healthz"])
        .into_bytes()
        .await
        .unwrap();
    assert_eq!(body, "ok");
    let debug = format!("{client:?}");
    let key_body: String = key.lines().nth(1).unwrap_or_default().to_owned();
    assert!(!debug.contains(&key_body));
}

#[tokio::test]
async fn bad_tls_material_fails_at_construction() {
    let mut config = kclient_config::Config::new("https://127.0.0.1:6443".parse().unwrap());
    config.tls.ca_data =
        Some(b"-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n".to_vec());
    let err = RestClient::new(config).unwrap_err();
    assert!(matches!(err, kclient_rest::Error::Config(_)), "{err:?}");

    let mut config = kclient_config::Config::new("https://127.0.0.1:6443".parse().unwrap());
    config.tls.server_name = Some("not a name!".into());
    assert!(RestClient::new(config).is_err());
}

/// GET /healthz through a client of `config`, which must succeed.
async fn healthz(config: kclient_config::Config) -> bytes::Bytes {
    client(config)
        .get()
        .abs_path(["/healthz"])
        .into_bytes()
        .await
        .unwrap()
}

/// An exec plugin in `dir` answering with `cert` and `key` as its client certificate.
fn exec_plugin_with_cert(
    dir: &std::path::Path,
    cert: &str,
    key: &str,
) -> kclient_config::kubeconfig::ExecConfig {
    use std::os::unix::fs::PermissionsExt;

    let credential = dir.join("credential.json");
    std::fs::write(
        &credential,
        serde_json::json!({
            "apiVersion": "client.authentication.k8s.io/v1",
            "kind": "ExecCredential",
            "status": {"clientCertificateData": cert, "clientKeyData": key}
        })
        .to_string(),
    )
    .unwrap();
    let script = dir.join("get-cert.sh");
    std::fs::write(
        &script,
        format!("#!/bin/sh\ncat '{}'\n", credential.display()),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    kclient_config::kubeconfig::ExecConfig {
        api_version: Some("client.authentication.k8s.io/v1".into()),
        command: script.to_string_lossy().into_owned(),
        interactive_mode: Some(kclient_config::kubeconfig::ExecInteractiveMode::Never),
        ..Default::default()
    }
}

#[tokio::test]
async fn exec_plugin_client_certificate_is_presented() {
    let pki = TestPki::new();
    let server = TestServer::tls(|_| async { ok_text() }, pki.server_config_mtls()).await;
    let (cert, key) = pki.client_cert("exec-user");
    let dir = tempfile::tempdir().unwrap();

    let mut config = server.config();
    config.tls.ca_data = Some(pki.ca_pem.clone().into_bytes());
    config.auth.exec = Some(exec_plugin_with_cert(dir.path(), &cert, &key));
    let client = client(config);
    let body = client
        .get()
        .abs_path(["/healthz"])
        .into_bytes()
        .await
        .unwrap();
    assert_eq!(body, "ok");
    assert!(server.seen()[0].headers.get("authorization").is_none());
}

/// `openssl x509 -req -CA ca.crt -CAkey ca.key -in jane.csr` without `-extfile` makes an
/// X.509 v1 certificate: how many tutorials create Kubernetes users. kubectl authenticates
/// with it; so must kclient, presenting exactly that certificate.
#[tokio::test]
async fn x509_v1_client_certificate_authenticates_like_kubectl() {
    let pki = TestPki::new();
    let (tls, presented) = pki.server_config_any_client_cert();
    let server = TestServer::tls(|_| async { ok_text() }, tls).await;
    let (der, cert, key) = pki.v1_client_cert("jane", "developers");
    assert!(common::x509v1::is_v1(&der), "the test certificate is v1");

    let mut config = server.config();
    config.tls.ca_data = Some(pki.ca_pem.clone().into_bytes());
    config.tls.client_cert = Some(ClientCert::new(cert.into_bytes(), key.into_bytes()));
    assert_eq!(healthz(config).await, "ok");
    assert_eq!(server.requests(), 1);
    assert_eq!(*presented.lock().unwrap(), [der]);
}

#[tokio::test]
async fn exec_plugin_x509_v1_client_certificate_is_presented() {
    let pki = TestPki::new();
    let (tls, presented) = pki.server_config_any_client_cert();
    let server = TestServer::tls(|_| async { ok_text() }, tls).await;
    let (der, cert, key) = pki.v1_client_cert("exec-user", "developers");
    let dir = tempfile::tempdir().unwrap();

    let mut config = server.config();
    config.tls.ca_data = Some(pki.ca_pem.clone().into_bytes());
    config.auth.exec = Some(exec_plugin_with_cert(dir.path(), &cert, &key));
    assert_eq!(healthz(config).await, "ok");
    assert!(server.seen()[0].headers.get("authorization").is_none());
    assert_eq!(*presented.lock().unwrap(), [der]);
}

#[tokio::test]
async fn a_client_key_that_is_not_the_certificates_fails_at_construction() {
    let pki = TestPki::new();
    let (_, cert, _) = pki.v1_client_cert("jane", "developers");
    let (_, _, other_key) = pki.v1_client_cert("john", "developers");
    let mut config = kclient_config::Config::new("https://127.0.0.1:6443".parse().unwrap());
    config.tls.client_cert = Some(ClientCert::new(
        cert.into_bytes(),
        other_key.clone().into_bytes(),
    ));
    let err = RestClient::new(config).unwrap_err();
    assert!(matches!(err, kclient_rest::Error::Config(_)), "{err:?}");
    assert!(err.to_string().contains("does not match"), "{err}");
    let key_line = other_key.lines().nth(1).unwrap();
    assert!(!err.to_string().contains(key_line));
    assert!(!format!("{err:?}").contains(key_line));
}
