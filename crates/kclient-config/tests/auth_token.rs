//! Static, basic and token-file credentials (token files on a paused clock).

use std::time::Duration;

use kclient_config::auth::{AuthError, CredentialSource};
use kclient_config::{AuthConfig, BasicAuth, SecretString};

async fn header(src: &CredentialSource) -> String {
    src.credentials()
        .await
        .unwrap()
        .authorization
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned()
}

fn token_file_auth(path: &std::path::Path, fallback: Option<&str>) -> AuthConfig {
    AuthConfig {
        token_file: Some(path.to_path_buf()),
        bearer_token: fallback.map(SecretString::from),
        ..Default::default()
    }
}

#[tokio::test(start_paused = true)]
async fn token_file_is_reread_after_a_minute() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("token");
    std::fs::write(&path, "one\n").unwrap();
    let src = CredentialSource::new(&token_file_auth(&path, None));
    assert_eq!(header(&src).await, "Bearer one");

    std::fs::write(&path, "two").unwrap();
    tokio::time::advance(Duration::from_secs(30)).await;
    assert_eq!(header(&src).await, "Bearer one", "cached within the period");
    tokio::time::advance(Duration::from_secs(31)).await;
    assert_eq!(header(&src).await, "Bearer two", "re-read after the period");

    // Clones share the cache.
    let clone = src.clone();
    std::fs::write(&path, "three").unwrap();
    assert_eq!(header(&clone).await, "Bearer two");
}

#[tokio::test(start_paused = true)]
async fn token_file_period_is_configurable() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("token");
    std::fs::write(&path, "one").unwrap();
    let src = CredentialSource::new(&token_file_auth(&path, None))
        .with_token_file_period(Duration::from_secs(5));
    assert_eq!(header(&src).await, "Bearer one");
    std::fs::write(&path, "two").unwrap();
    tokio::time::advance(Duration::from_secs(4)).await;
    assert_eq!(header(&src).await, "Bearer one");
    tokio::time::advance(Duration::from_secs(2)).await;
    assert_eq!(header(&src).await, "Bearer two");
}

#[tokio::test(start_paused = true)]
async fn unreadable_token_file_keeps_the_last_good_token() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("token");
    std::fs::write(&path, "good").unwrap();
    let src = CredentialSource::new(&token_file_auth(&path, None));
    assert_eq!(header(&src).await, "Bearer good");
    std::fs::remove_file(&path).unwrap();
    tokio::time::advance(Duration::from_secs(120)).await;
    assert_eq!(header(&src).await, "Bearer good");
    std::fs::write(&path, "rotated").unwrap();
    assert_eq!(header(&src).await, "Bearer rotated");
}

#[tokio::test]
async fn missing_token_file_falls_back_to_the_static_token_or_fails() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("absent");
    let src = CredentialSource::new(&token_file_auth(&path, Some("static")));
    assert_eq!(header(&src).await, "Bearer static");

    let src = CredentialSource::new(&token_file_auth(&path, None));
    let err = src.credentials().await.unwrap_err();
    assert!(matches!(err, AuthError::TokenFile { .. }), "{err:?}");
    assert!(err.to_string().contains("absent"), "{err}");

    std::fs::write(&path, "  \n").unwrap();
    let err = src.credentials().await.unwrap_err();
    assert!(matches!(err, AuthError::EmptyTokenFile { .. }), "{err:?}");
}

#[tokio::test]
async fn static_token_and_basic_auth() {
    let src = CredentialSource::new(&AuthConfig {
        bearer_token: Some(SecretString::from("abc")),
        ..Default::default()
    });
    assert_eq!(header(&src).await, "Bearer abc");

    let src = CredentialSource::new(&AuthConfig {
        basic: Some(BasicAuth {
            username: "admin".into(),
            password: SecretString::from("p@ss:word"),
        }),
        ..Default::default()
    });
    // base64("admin:p@ss:word")
    assert_eq!(header(&src).await, "Basic YWRtaW46cEBzczp3b3Jk");
    let creds = src.credentials().await.unwrap();
    assert!(creds.authorization.unwrap().is_sensitive());
    assert!(creds.client_cert.is_none());
}

#[tokio::test]
async fn token_wins_over_basic() {
    let src = CredentialSource::new(&AuthConfig {
        bearer_token: Some(SecretString::from("tok")),
        basic: Some(BasicAuth {
            username: "u".into(),
            password: SecretString::from("p"),
        }),
        ..Default::default()
    });
    assert_eq!(header(&src).await, "Bearer tok");
}
