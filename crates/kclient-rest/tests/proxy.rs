//! Proxies: HTTP CONNECT tunnels (TLS end to end through the tunnel) with credentials.

use kclient_core::error::ApiError;
mod common;

use common::*;
use kclient_rest::RestClient;
use kclient_rest::transport::RetryPolicy;

#[tokio::test]
async fn https_through_a_connect_proxy_with_credentials() {
    let pki = TestPki::new();
    let server = TestServer::tls(|_| async { ok_text() }, pki.server_config()).await;
    let proxy = ConnectProxy::start().await;

    let mut config = server.config();
    config.tls.ca_data = Some(pki.ca_pem.clone().into_bytes());
    let proxy_url = proxy.url.replace("http://", "http://user:p%40ss@");
    config.proxy_url = Some(proxy_url.parse().unwrap());
    let client = RestClient::new(config).unwrap();

    let body = client
        .get()
        .abs_path(["/version"])
        .into_bytes()
        .await
        .unwrap();
    assert_eq!(body, "ok");
    let targets = proxy.targets.lock().unwrap().clone();
    assert_eq!(targets.len(), 1);
    assert_eq!(targets[0].0, server.addr.to_string());
    // base64("user:p@ss")
    assert_eq!(targets[0].1.as_deref(), Some("Basic dXNlcjpwQHNz"));
    assert!(!format!("{client:?}").contains("p%40ss"));
}

#[tokio::test]
async fn plain_http_through_a_connect_proxy() {
    let server = TestServer::plain(|_| async { ok_text() }).await;
    let proxy = ConnectProxy::start().await;
    let mut config = server.config();
    config.proxy_url = Some(proxy.url.parse().unwrap());
    let client = RestClient::new(config).unwrap();
    client
        .get()
        .abs_path(["/version"])
        .into_bytes()
        .await
        .unwrap();
    let targets = proxy.targets.lock().unwrap().clone();
    assert_eq!(targets, [(server.addr.to_string(), None)]);
}

#[tokio::test]
async fn unreachable_proxy_is_a_transport_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let server = TestServer::plain(|_| async { ok_text() }).await;
    let mut config = server.config();
    config.proxy_url = Some(format!("http://127.0.0.1:{port}").parse().unwrap());
    let client = RestClient::builder(config)
        .retry_policy(RetryPolicy::never())
        .build()
        .unwrap();
    let err = client
        .get()
        .abs_path(["/version"])
        .send()
        .await
        .unwrap_err();
    assert!(err.is_transport(), "{err:?}");
    assert_eq!(server.requests(), 0);
}

#[tokio::test]
async fn unsupported_proxy_scheme_is_a_config_error() {
    let mut config = kclient_config::Config::new("https://127.0.0.1:6443".parse().unwrap());
    config.proxy_url = Some("ftp://proxy:21".parse().unwrap());
    let err = RestClient::new(config).unwrap_err();
    assert!(matches!(err, kclient_rest::Error::Config(_)), "{err:?}");
}
