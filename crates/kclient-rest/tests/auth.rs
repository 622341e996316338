//! Credentials from kclient-config's CredentialSource reach the server; exec credentials are
//! refreshed after a 401.

use kclient_core::error::ApiError;
mod common;

use std::os::unix::fs::PermissionsExt;

use common::*;
use kclient_config::kubeconfig::{ExecConfig, ExecEnvVar, ExecInteractiveMode};
use kclient_config::{BasicAuth, SecretString};
use kclient_rest::RestClient;

fn authorized(expected: &'static str) -> impl Fn(Seen) -> std::future::Ready<Reply> + Clone {
    move |seen: Seen| {
        let ok = seen
            .headers
            .get("authorization")
            .is_some_and(|v| v == expected);
        std::future::ready(if ok {
            ok_text()
        } else {
            json(401, status_json(401, "Unauthorized", "Unauthorized"))
        })
    }
}

#[tokio::test]
async fn bearer_token() {
    let server = TestServer::plain(authorized("Bearer abc123")).await;
    let mut config = server.config();
    config.auth.bearer_token = Some(SecretString::from("abc123"));
    let client = RestClient::new(config).unwrap();
    assert_eq!(
        client.get().abs_path(["/api"]).into_bytes().await.unwrap(),
        "ok"
    );
    assert!(!format!("{client:?}").contains("abc123"));
}

#[tokio::test]
async fn wrong_token_is_unauthorized_and_not_replayed() {
    let server = TestServer::plain(authorized("Bearer right")).await;
    let mut config = server.config();
    config.auth.bearer_token = Some(SecretString::from("wrong"));
    let err = RestClient::new(config)
        .unwrap()
        .get()
        .abs_path(["/api"])
        .send()
        .await
        .unwrap_err();
    assert!(err.is_unauthorized(), "{err:?}");
    assert!(!err.to_string().contains("wrong"));
    assert_eq!(server.requests(), 1);
}

#[tokio::test]
async fn basic_auth() {
    // base64("admin:s3cret")
    let server = TestServer::plain(authorized("Basic YWRtaW46czNjcmV0")).await;
    let mut config = server.config();
    config.auth.basic = Some(BasicAuth {
        username: "admin".into(),
        password: SecretString::from("s3cret"),
    });
    let client = RestClient::new(config).unwrap();
    assert_eq!(
        client.get().abs_path(["/api"]).into_bytes().await.unwrap(),
        "ok"
    );
}

#[tokio::test]
async fn token_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("token");
    std::fs::write(&path, "from-file\n").unwrap();
    let server = TestServer::plain(authorized("Bearer from-file")).await;
    let mut config = server.config();
    config.auth.token_file = Some(path);
    let client = RestClient::new(config).unwrap();
    assert_eq!(
        client.get().abs_path(["/api"]).into_bytes().await.unwrap(),
        "ok"
    );
}

#[tokio::test]
async fn exec_credentials_are_refreshed_after_a_401() {
    let dir = tempfile::tempdir().unwrap();
    let counter = dir.path().join("runs");
    let script = dir.path().join("get-token.sh");
    std::fs::write(
        &script,
        r#"#!/bin/sh
n=$(cat "$COUNTER" 2>/dev/null || echo 0)
n=$((n+1))
echo "$n" > "$COUNTER"
printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"token-%s"}}' "$n"
"#,
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();

    // Only the second token the plugin hands out is accepted.
    let server = TestServer::plain(authorized("Bearer token-2")).await;
    let mut config = server.config();
    config.auth.exec = Some(ExecConfig {
        api_version: Some("client.authentication.k8s.io/v1".into()),
        command: script.to_string_lossy().into_owned(),
        env: vec![ExecEnvVar {
            name: "COUNTER".into(),
            value: counter.to_string_lossy().into_owned(),
        }],
        interactive_mode: Some(ExecInteractiveMode::Never),
        ..Default::default()
    });
    let client = RestClient::new(config).unwrap();

    let body = client.get().abs_path(["/api"]).into_bytes().await.unwrap();
    assert_eq!(body, "ok");
    assert_eq!(server.requests(), 2, "a 401 with token-1, then token-2");
    assert_eq!(std::fs::read_to_string(&counter).unwrap().trim(), "2");

    // The refreshed token is cached: no new plugin run, no 401.
    client.get().abs_path(["/api"]).into_bytes().await.unwrap();
    assert_eq!(server.requests(), 3);
    assert_eq!(std::fs::read_to_string(&counter).unwrap().trim(), "2");
}

#[tokio::test]
async fn missing_exec_plugin_is_an_auth_error() {
    let server = TestServer::plain(authorized("Bearer x")).await;
    let mut config = server.config();
    config.auth.exec = Some(ExecConfig {
        api_version: Some("client.authentication.k8s.io/v1".into()),
        command: "/nonexistent/kclient-test-plugin".into(),
        interactive_mode: Some(ExecInteractiveMode::Never),
        install_hint: Some("install the plugin".into()),
        ..Default::default()
    });
    let err = RestClient::new(config)
        .unwrap()
        .get()
        .abs_path(["/api"])
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, kclient_rest::Error::Auth(_)), "{err:?}");
    assert_eq!(server.requests(), 0);
}
