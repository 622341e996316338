//! Exec credential plugins, run for real: each test writes a `#!/bin/sh` plugin into a temp
//! dir that prints an ExecCredential and counts its invocations in a file.
#![cfg(unix)]

use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use kclient_config::auth::{AuthError, CredentialSource, ExecClusterInfo};
use kclient_config::kubeconfig::{ExecConfig, ExecEnvVar, ExecInteractiveMode};
use kclient_config::{AuthConfig, ExposeSecret, SecretString};

const V1: &str = "client.authentication.k8s.io/v1";
const V1BETA1: &str = "client.authentication.k8s.io/v1beta1";

struct Plugin {
    _dir: tempfile::TempDir,
    dir: PathBuf,
    script: PathBuf,
}

impl Plugin {
    /// `status` is the JSON of `.status`; `$N` in it becomes the invocation number.
    fn new(api_version: &str, status: &str) -> Self {
        Self::with_body(&format!(
            "printf '{{\"apiVersion\":\"{api_version}\",\"kind\":\"ExecCredential\",\"status\":%s}}' \"$(printf '%s' '{status}' | sed \"s/\\$N/$n/g\")\"\n"
        ))
    }

    /// A plugin whose output part is `body`; it has `$n` (invocation count) available.
    fn with_body(body: &str) -> Self {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().to_path_buf();
        let script = dir.join("plugin");
        let text = format!(
            "#!/bin/sh\n\
             echo run >> \"$PLUGIN_DIR/count\"\n\
             n=$(wc -l < \"$PLUGIN_DIR/count\" | tr -d ' ')\n\
             printf '%s' \"$KUBERNETES_EXEC_INFO\" > \"$PLUGIN_DIR/exec_info\"\n\
             printf '%s\\n' \"$@\" > \"$PLUGIN_DIR/args\"\n\
             {body}"
        );
        std::fs::write(&script, text).unwrap();
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        Plugin {
            _dir: tmp,
            dir,
            script,
        }
    }

    fn config(&self, api_version: &str) -> ExecConfig {
        ExecConfig {
            api_version: Some(api_version.into()),
            command: self.script.to_string_lossy().into_owned(),
            args: vec!["get-token".into(), "--flag".into()],
            env: vec![ExecEnvVar {
                name: "PLUGIN_DIR".into(),
                value: self.dir.to_string_lossy().into_owned(),
            }],
            interactive_mode: Some(ExecInteractiveMode::IfAvailable),
            ..Default::default()
        }
    }

    fn source(&self, exec: ExecConfig) -> CredentialSource {
        CredentialSource::new(&AuthConfig {
            exec: Some(exec),
            ..Default::default()
        })
        .with_stdin_terminal(false)
    }

    fn runs(&self) -> usize {
        std::fs::read_to_string(self.dir.join("count"))
            .map(|s| s.lines().count())
            .unwrap_or(0)
    }

    fn exec_info(&self) -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(self.dir.join("exec_info")).unwrap()).unwrap()
    }
}

async fn bearer(src: &CredentialSource) -> String {
    src.credentials()
        .await
        .unwrap()
        .authorization
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned()
}

fn in_one_hour() -> String {
    let ts = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(1);
    ts.round(jiff::Unit::Second).unwrap().to_string()
}

#[tokio::test(start_paused = true)]
async fn v1_token_is_cached_and_exec_info_is_passed() {
    let plugin = Plugin::new(V1, r#"{"token":"tok-$N"}"#);
    let mut exec = plugin.config(V1);
    exec.provide_cluster_info = true;
    let src = CredentialSource::new(&AuthConfig {
        exec: Some(exec),
        exec_cluster: Some(ExecClusterInfo {
            server: "https://k8s.example:6443".into(),
            certificate_authority_data: Some(b"PEM".to_vec()),
            ..Default::default()
        }),
        ..Default::default()
    })
    .with_stdin_terminal(false);

    assert_eq!(bearer(&src).await, "Bearer tok-1");
    assert_eq!(bearer(&src).await, "Bearer tok-1");
    assert_eq!(plugin.runs(), 1, "no expiry: cached until invalidated");

    let info = plugin.exec_info();
    assert_eq!(info["apiVersion"], V1);
    assert_eq!(info["kind"], "ExecCredential");
    assert_eq!(info["spec"]["interactive"], false);
    assert_eq!(
        info["spec"]["cluster"]["server"],
        "https://k8s.example:6443"
    );
    assert_eq!(
        info["spec"]["cluster"]["certificate-authority-data"],
        "UEVN"
    );
    let args = std::fs::read_to_string(plugin.dir.join("args")).unwrap();
    assert_eq!(args, "get-token\n--flag\n");
}

#[tokio::test(start_paused = true)]
async fn v1beta1_with_client_certificate() {
    let plugin = Plugin::new(
        V1BETA1,
        r#"{"clientCertificateData":"-----BEGIN CERTIFICATE-----","clientKeyData":"-----BEGIN PRIVATE KEY-----"}"#,
    );
    let src = plugin.source(plugin.config(V1BETA1));
    let creds = src.credentials().await.unwrap();
    assert!(creds.authorization.is_none());
    let cert = creds.client_cert.unwrap();
    assert_eq!(cert.cert_pem, b"-----BEGIN CERTIFICATE-----");
    assert_eq!(cert.key_pem.expose_secret(), b"-----BEGIN PRIVATE KEY-----");
    // Without provideClusterInfo there is no spec.cluster.
    assert!(plugin.exec_info()["spec"].get("cluster").is_none());
    assert_eq!(plugin.exec_info()["apiVersion"], V1BETA1);
}

#[tokio::test(start_paused = true)]
async fn expiry_drives_re_exec() {
    let status = format!(
        r#"{{"token":"tok-$N","expirationTimestamp":"{}"}}"#,
        in_one_hour()
    );
    let plugin = Plugin::new(V1, &status);
    let src = plugin.source(plugin.config(V1));
    assert_eq!(bearer(&src).await, "Bearer tok-1");
    tokio::time::advance(Duration::from_secs(58 * 60)).await;
    assert_eq!(bearer(&src).await, "Bearer tok-1");
    assert_eq!(plugin.runs(), 1);
    tokio::time::advance(Duration::from_secs(3 * 60)).await;
    assert_eq!(bearer(&src).await, "Bearer tok-2");
    assert_eq!(plugin.runs(), 2);
}

#[tokio::test(start_paused = true)]
async fn credentials_are_refreshed_slightly_before_expiry() {
    let status = format!(
        r#"{{"token":"tok-$N","expirationTimestamp":"{}"}}"#,
        in_one_hour()
    );
    let plugin = Plugin::new(V1, &status);
    let src = plugin
        .source(plugin.config(V1))
        .with_exec_expiry_skew(Duration::from_secs(15 * 60));
    assert_eq!(bearer(&src).await, "Bearer tok-1");
    tokio::time::advance(Duration::from_secs(46 * 60)).await;
    assert_eq!(bearer(&src).await, "Bearer tok-2");
}

#[tokio::test(start_paused = true)]
async fn already_expired_credentials_are_not_cached() {
    let plugin = Plugin::new(
        V1,
        r#"{"token":"tok-$N","expirationTimestamp":"2000-01-01T00:00:00Z"}"#,
    );
    let src = plugin.source(plugin.config(V1));
    assert_eq!(bearer(&src).await, "Bearer tok-1");
    assert_eq!(bearer(&src).await, "Bearer tok-2");
}

#[tokio::test(start_paused = true)]
async fn invalidate_forces_re_exec() {
    let plugin = Plugin::new(V1, r#"{"token":"tok-$N"}"#);
    let src = plugin.source(plugin.config(V1));
    assert_eq!(bearer(&src).await, "Bearer tok-1");
    src.clone().invalidate(); // clones share the cache
    assert_eq!(bearer(&src).await, "Bearer tok-2");
    assert_eq!(bearer(&src).await, "Bearer tok-2");
    assert_eq!(plugin.runs(), 2);
}

#[tokio::test]
async fn concurrent_callers_share_one_exec() {
    let plugin = Plugin::with_body(
        "sleep 0.2\nprintf '{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"status\":{\"token\":\"tok-%s\"}}' \"$n\"\n",
    );
    let src = plugin.source(plugin.config(V1));
    let calls = (0..8).map(|_| {
        let src = src.clone();
        async move { bearer(&src).await }
    });
    let results = futures::future::join_all(calls).await;
    assert!(results.iter().all(|r| r == "Bearer tok-1"), "{results:?}");
    assert_eq!(plugin.runs(), 1);
}

#[tokio::test]
async fn missing_binary_reports_the_install_hint() {
    let mut exec = ExecConfig {
        api_version: Some(V1.into()),
        command: "/nonexistent/dir/kubectl-oidc_login".into(),
        install_hint: Some("Install it with: brew install int128/kubelogin/kubelogin".into()),
        interactive_mode: Some(ExecInteractiveMode::Never),
        ..Default::default()
    };
    let src = CredentialSource::new(&AuthConfig {
        exec: Some(exec.clone()),
        ..Default::default()
    });
    let err = src.credentials().await.unwrap_err();
    assert!(matches!(err, AuthError::ExecNotFound { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains("/nonexistent/dir/kubectl-oidc_login"), "{msg}");
    assert!(
        msg.contains("brew install int128/kubelogin/kubelogin"),
        "{msg}"
    );

    exec.command = "kclient-test-plugin-that-is-not-on-path".into();
    let src = CredentialSource::new(&AuthConfig {
        exec: Some(exec),
        ..Default::default()
    });
    assert!(matches!(
        src.credentials().await,
        Err(AuthError::ExecNotFound { .. })
    ));
}

#[tokio::test]
async fn failing_plugin_reports_stderr_but_never_stdout() {
    let plugin = Plugin::with_body(
        "echo 'STDOUT-TOKEN-abc123'\necho 'login failed: session expired' >&2\nexit 3\n",
    );
    let src = plugin.source(plugin.config(V1));
    let err = src.credentials().await.unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, AuthError::ExecFailed { .. }), "{err:?}");
    assert!(msg.contains("exit code 3"), "{msg}");
    assert!(msg.contains("login failed: session expired"), "{msg}");
    assert!(!msg.contains("STDOUT-TOKEN-abc123"), "{msg}");
    assert!(!format!("{err:?}").contains("STDOUT-TOKEN-abc123"));
}

#[tokio::test]
async fn bad_json_is_reported_without_echoing_it() {
    let plugin = Plugin::with_body("echo '{\"status\": {\"token\": SECRET-xyz'\n");
    let src = plugin.source(plugin.config(V1));
    let err = src.credentials().await.unwrap_err();
    assert!(
        matches!(err, AuthError::ExecInvalidOutput { .. }),
        "{err:?}"
    );
    assert!(!err.to_string().contains("SECRET-xyz"), "{err}");
    assert!(err.to_string().contains("line 1"), "{err}");
}

#[tokio::test]
async fn api_version_mismatch_is_an_error() {
    let plugin = Plugin::new(V1BETA1, r#"{"token":"t"}"#);
    let src = plugin.source(plugin.config(V1));
    let err = src.credentials().await.unwrap_err();
    assert!(
        matches!(err, AuthError::ExecApiVersionMismatch { .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains(V1BETA1), "{err}");
}

#[tokio::test]
async fn interactive_always_needs_a_terminal() {
    let plugin = Plugin::new(V1, r#"{"token":"t"}"#);
    let mut exec = plugin.config(V1);
    exec.interactive_mode = Some(ExecInteractiveMode::Always);
    let err = plugin.source(exec).credentials().await.unwrap_err();
    assert!(
        matches!(err, AuthError::ExecNotInteractive { .. }),
        "{err:?}"
    );
    assert_eq!(plugin.runs(), 0);
}

#[tokio::test]
async fn static_token_takes_precedence_over_exec() {
    let plugin = Plugin::new(V1, r#"{"token":"from-exec"}"#);
    let src = CredentialSource::new(&AuthConfig {
        bearer_token: Some(SecretString::from("static")),
        exec: Some(plugin.config(V1)),
        ..Default::default()
    });
    assert_eq!(bearer(&src).await, "Bearer static");
    assert_eq!(plugin.runs(), 0);
}

#[tokio::test]
async fn relative_command_in_kubeconfig_runs_from_its_directory() {
    let plugin = Plugin::new(V1BETA1, r#"{"token":"rel-$N"}"#);
    let kubeconfig = plugin.dir.join("config");
    std::fs::write(
        &kubeconfig,
        format!(
            "current-context: x\nclusters:\n- name: x\n  cluster: {{server: https://x}}\n\
             users:\n- name: x\n  user:\n    exec:\n      apiVersion: {V1BETA1}\n      command: ./plugin\n      \
             env: [{{name: PLUGIN_DIR, value: '{}'}}]\n\
             contexts:\n- name: x\n  context: {{cluster: x, user: x}}\n",
            plugin.dir.display()
        ),
    )
    .unwrap();
    let config =
        kclient_config::Config::from_kubeconfig_file(&kubeconfig, &Default::default()).unwrap();
    let command = &config.auth.exec.as_ref().unwrap().command;
    assert!(Path::new(command).is_absolute(), "{command}");
    let src = CredentialSource::new(&config.auth).with_stdin_terminal(false);
    assert_eq!(bearer(&src).await, "Bearer rel-1");
}

#[tokio::test(start_paused = true)]
async fn far_future_expiry_is_cached() {
    let plugin = Plugin::new(
        V1,
        r#"{"token":"tok-$N","expirationTimestamp":"9999-12-31T23:59:59Z"}"#,
    );
    let src = plugin.source(plugin.config(V1));
    assert_eq!(bearer(&src).await, "Bearer tok-1");
    tokio::time::advance(Duration::from_secs(365 * 24 * 3600)).await;
    assert_eq!(bearer(&src).await, "Bearer tok-1");
}
