//! client-go credential plugins (`client.authentication.k8s.io/v1` and `v1beta1`).

use std::io::IsTerminal as _;
use std::process::Stdio;
use std::sync::Mutex;
use std::time::Duration;

use base64::Engine as _;
use serde::{Deserialize, Serialize, Serializer};
use tokio::time::Instant;

use super::{AuthError, Credentials, bearer};
use crate::config::ClientCert;
use crate::kubeconfig::{ExecConfig, ExecInteractiveMode};

/// Cluster extension whose object is passed to plugins as `spec.cluster.config`.
pub const EXEC_INFO_EXTENSION: &str = "client.authentication.k8s.io/exec";

/// Credentials are refreshed this long before their `expirationTimestamp`.
pub const DEFAULT_EXPIRY_SKEW: Duration = Duration::from_secs(10);

const V1: &str = "client.authentication.k8s.io/v1";
const V1BETA1: &str = "client.authentication.k8s.io/v1beta1";
/// How much of a failing plugin's standard error goes into the error message.
const STDERR_LIMIT: usize = 4096;

/// The cluster description sent to plugins with `provideClusterInfo: true`
/// (`spec.cluster` of `KUBERNETES_EXEC_INFO`). `Debug` hides proxy credentials.
#[derive(Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct ExecClusterInfo {
    /// The API server URL.
    pub server: String,
    /// `tls-server-name` of the cluster.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls_server_name: Option<String>,
    /// `insecure-skip-tls-verify` of the cluster.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub insecure_skip_tls_verify: bool,
    /// The CA bundle (PEM), sent base64-encoded.
    #[serde(serialize_with = "ser_base64", skip_serializing_if = "Option::is_none")]
    pub certificate_authority_data: Option<Vec<u8>>,
    /// `proxy-url` of the cluster.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proxy_url: Option<String>,
    /// `disable-compression` of the cluster.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub disable_compression: bool,
    /// The cluster's `client.authentication.k8s.io/exec` extension object.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config: Option<serde_json::Value>,
}

impl std::fmt::Debug for ExecClusterInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExecClusterInfo")
            .field("server", &self.server)
            .field("tls_server_name", &self.tls_server_name)
            .field("insecure_skip_tls_verify", &self.insecure_skip_tls_verify)
            .field(
                "certificate_authority_data",
                &self.certificate_authority_data.as_ref().map(|d| d.len()),
            )
            .field(
                "proxy_url",
                &self
                    .proxy_url
                    .as_deref()
                    .map(crate::config::redact_userinfo),
            )
            .field("disable_compression", &self.disable_compression)
            .field("config", &self.config)
            .finish()
    }
}

fn ser_base64<S: Serializer>(data: &Option<Vec<u8>>, s: S) -> Result<S::Ok, S::Error> {
    match data {
        Some(d) => s.serialize_str(&base64::engine::general_purpose::STANDARD.encode(d)),
        None => s.serialize_none(),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ExecCredentialOut {
    #[serde(default)]
    api_version: Option<String>,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    status: Option<StatusOut>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StatusOut {
    #[serde(default)]
    expiration_timestamp: Option<String>,
    #[serde(default)]
    token: Option<String>,
    #[serde(default)]
    client_certificate_data: Option<String>,
    #[serde(default)]
    client_key_data: Option<String>,
}

struct Cached {
    credentials: Credentials,
    /// `None`: no expiry, valid until invalidated.
    valid_until: Option<Instant>,
}

/// Runs the plugin on demand, caches its output until expiry and shares one run between
/// concurrent callers.
pub(crate) struct ExecSource {
    pub(crate) config: ExecConfig,
    pub(crate) cluster: Option<ExecClusterInfo>,
    pub(crate) skew: Duration,
    pub(crate) stdin_terminal: Option<bool>,
    cache: Mutex<Option<Cached>>,
    refresh: tokio::sync::Mutex<()>,
}

impl ExecSource {
    pub(crate) fn new(
        config: ExecConfig,
        cluster: Option<ExecClusterInfo>,
        skew: Duration,
        stdin_terminal: Option<bool>,
    ) -> Self {
        Self {
            config,
            cluster,
            skew,
            stdin_terminal,
            cache: Mutex::new(None),
            refresh: tokio::sync::Mutex::new(()),
        }
    }

    fn fresh(&self) -> Option<Credentials> {
        let cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        let cached = cache.as_ref()?;
        match cached.valid_until {
            Some(until) if Instant::now() >= until => None,
            _ => Some(cached.credentials.clone()),
        }
    }

    pub(crate) fn invalidate(&self) {
        *self.cache.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }

    pub(crate) async fn credentials(&self) -> Result<Credentials, AuthError> {
        if let Some(c) = self.fresh() {
            return Ok(c);
        }
        // Single flight: whoever holds the lock runs the plugin; the others find its result.
        let _guard = self.refresh.lock().await;
        if let Some(c) = self.fresh() {
            return Ok(c);
        }
        let (credentials, expiry) = self.run().await?;
        // The wall-clock expiry becomes a monotonic deadline now, so the cache follows the
        // tokio clock (and paused-clock tests).
        // An expiry too far away for the monotonic clock counts as "never".
        let valid_until = expiry.and_then(|expiry| {
            let remaining = Duration::try_from(expiry.duration_since(jiff::Timestamp::now()))
                .unwrap_or(Duration::ZERO);
            Instant::now().checked_add(remaining.saturating_sub(self.skew))
        });
        *self.cache.lock().unwrap_or_else(|p| p.into_inner()) = Some(Cached {
            credentials: credentials.clone(),
            valid_until,
        });
        Ok(credentials)
    }

    async fn run(&self) -> Result<(Credentials, Option<jiff::Timestamp>), AuthError> {
        let cfg = &self.config;
        let command = cfg.command.clone();
        let api_version = cfg.api_version.clone().unwrap_or_default();
        if api_version != V1 && api_version != V1BETA1 {
            return Err(AuthError::ExecUnsupportedApiVersion(api_version));
        }
        let is_terminal = self
            .stdin_terminal
            .unwrap_or_else(|| std::io::stdin().is_terminal());
        let interactive = match cfg
            .interactive_mode
            .unwrap_or(ExecInteractiveMode::IfAvailable)
        {
            ExecInteractiveMode::Never => false,
            ExecInteractiveMode::IfAvailable => is_terminal,
            ExecInteractiveMode::Always if is_terminal => true,
            ExecInteractiveMode::Always => return Err(AuthError::ExecNotInteractive { command }),
        };
        let mut spec = serde_json::json!({ "interactive": interactive });
        if cfg.provide_cluster_info
            && let Some(cluster) = &self.cluster
        {
            spec["cluster"] = serde_json::to_value(cluster).unwrap_or_default();
        }
        let exec_info = serde_json::json!({
            "apiVersion": api_version,
            "kind": "ExecCredential",
            "spec": spec,
        });

        let mut cmd = tokio::process::Command::new(&cfg.command);
        cmd.args(&cfg.args)
            .envs(cfg.env.iter().map(|v| (&v.name, &v.value)))
            .env("KUBERNETES_EXEC_INFO", exec_info.to_string())
            .stdin(if interactive {
                Stdio::inherit()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            // An interactive plugin prompts on stderr, so the user must see it.
            .stderr(if interactive {
                Stdio::inherit()
            } else {
                Stdio::piped()
            });
        let child = spawn(&mut cmd).await.map_err(|source| {
            if source.kind() == std::io::ErrorKind::NotFound {
                AuthError::ExecNotFound {
                    command: command.clone(),
                    install_hint: cfg.install_hint.clone(),
                }
            } else {
                AuthError::ExecSpawn {
                    command: command.clone(),
                    source,
                }
            }
        })?;
        let output = child
            .wait_with_output()
            .await
            .map_err(|source| AuthError::ExecSpawn {
                command: command.clone(),
                source,
            })?;
        if !output.status.success() {
            return Err(AuthError::ExecFailed {
                command,
                status: describe_status(&output.status),
                stderr: tail(&output.stderr),
            });
        }
        parse_output(&command, &api_version, &output.stdout)
    }
}

/// Retries a spawn that raced with another thread's fork holding the freshly written
/// executable open (`ETXTBSY`), which happens when plugins are written just before use.
async fn spawn(cmd: &mut tokio::process::Command) -> std::io::Result<tokio::process::Child> {
    let mut attempt = 0;
    loop {
        match cmd.spawn() {
            Err(e) if e.kind() == std::io::ErrorKind::ExecutableFileBusy && attempt < 5 => {
                attempt += 1;
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            other => return other,
        }
    }
}

fn describe_status(status: &std::process::ExitStatus) -> String {
    if let Some(code) = status.code() {
        return format!("exit code {code}");
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt as _;
        if let Some(signal) = status.signal() {
            return format!("signal {signal}");
        }
    }
    status.to_string()
}

fn tail(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    let text = text.trim();
    if text.len() <= STDERR_LIMIT {
        return text.to_owned();
    }
    let mut start = text.len() - STDERR_LIMIT;
    while !text.is_char_boundary(start) {
        start += 1;
    }
    format!("…{}", &text[start..])
}

fn parse_output(
    command: &str,
    api_version: &str,
    stdout: &[u8],
) -> Result<(Credentials, Option<jiff::Timestamp>), AuthError> {
    let invalid = |reason: String| AuthError::ExecInvalidOutput {
        command: command.to_owned(),
        reason,
    };
    let out: ExecCredentialOut = serde_json::from_slice(stdout).map_err(|e| {
        // serde_json messages can quote the output (which holds the token): keep only the kind
        // of error and its position.
        let kind = match e.classify() {
            serde_json::error::Category::Syntax => "malformed JSON",
            serde_json::error::Category::Eof => "truncated or empty JSON",
            serde_json::error::Category::Data => "unexpected field type",
            serde_json::error::Category::Io => "read error",
        };
        invalid(format!("{kind} at line {} column {}", e.line(), e.column()))
    })?;
    let got = out.api_version.unwrap_or_default();
    if got != api_version {
        return Err(AuthError::ExecApiVersionMismatch {
            expected: api_version.to_owned(),
            got,
        });
    }
    if let Some(kind) = out.kind.filter(|k| k != "ExecCredential") {
        return Err(invalid(format!("kind {kind:?} is not ExecCredential")));
    }
    let status = out
        .status
        .ok_or_else(|| invalid("no status field".to_owned()))?;
    let token = status.token.filter(|t| !t.is_empty());
    let cert = status.client_certificate_data.filter(|c| !c.is_empty());
    let key = status.client_key_data.filter(|k| !k.is_empty());
    if token.is_none() && cert.is_none() && key.is_none() {
        return Err(invalid(
            "neither a token nor a client certificate/key pair".to_owned(),
        ));
    }
    if cert.is_some() != key.is_some() {
        return Err(invalid(
            "only a client certificate or only a key, not both".to_owned(),
        ));
    }
    let expiry = match status.expiration_timestamp.filter(|t| !t.is_empty()) {
        None => None,
        Some(t) => match t.parse::<jiff::Timestamp>() {
            Ok(ts) => Some(ts),
            // jiff stops a day short of Go's 9999-12-31T23:59:59Z; that far out means "never".
            Err(_) if t.starts_with("9999-") => None,
            Err(e) => return Err(invalid(format!("invalid expirationTimestamp {t:?}: {e}"))),
        },
    };
    let authorization = token.as_deref().map(bearer).transpose()?;
    let client_cert = cert
        .zip(key)
        .map(|(c, k)| ClientCert::new(c.into_bytes(), k.into_bytes()));
    Ok((
        Credentials {
            authorization,
            client_cert,
        },
        expiry,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_validation() {
        let ok = br#"{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"t","expirationTimestamp":"2030-01-01T00:00:00Z"}}"#;
        let (c, exp) = parse_output("p", V1, ok).unwrap();
        assert!(c.authorization.unwrap().is_sensitive());
        assert_eq!(exp.unwrap().to_string(), "2030-01-01T00:00:00Z");

        let err = parse_output("p", V1BETA1, ok).unwrap_err();
        assert!(
            matches!(err, AuthError::ExecApiVersionMismatch { .. }),
            "{err}"
        );

        let leaky = br#"{"apiVersion":"client.authentication.k8s.io/v1","status":"SECRET-TOKEN"}"#;
        let err = parse_output("p", V1, leaky).unwrap_err().to_string();
        assert!(!err.contains("SECRET-TOKEN"), "{err}");

        let only_cert = br#"{"apiVersion":"client.authentication.k8s.io/v1","status":{"clientCertificateData":"x"}}"#;
        assert!(parse_output("p", V1, only_cert).is_err());
        let nothing = br#"{"apiVersion":"client.authentication.k8s.io/v1","status":{}}"#;
        assert!(parse_output("p", V1, nothing).is_err());
        let no_status = br#"{"apiVersion":"client.authentication.k8s.io/v1"}"#;
        assert!(parse_output("p", V1, no_status).is_err());
        let bad_exp = br#"{"apiVersion":"client.authentication.k8s.io/v1","status":{"token":"t","expirationTimestamp":"soon"}}"#;
        assert!(parse_output("p", V1, bad_exp).is_err());
    }

    #[test]
    fn stderr_is_bounded() {
        let long = "é".repeat(5000);
        let t = tail(long.as_bytes());
        assert!(t.len() <= STDERR_LIMIT + 4);
        assert!(t.starts_with('…'));
    }

    #[test]
    fn cluster_info_json() {
        let info = ExecClusterInfo {
            server: "https://k".into(),
            certificate_authority_data: Some(b"pem".to_vec()),
            config: Some(serde_json::json!({"a": 1})),
            ..Default::default()
        };
        assert_eq!(
            serde_json::to_value(&info).unwrap(),
            serde_json::json!({"server": "https://k", "certificate-authority-data": "cGVt", "config": {"a": 1}})
        );
    }
}
