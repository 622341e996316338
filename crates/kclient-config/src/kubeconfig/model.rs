//! Serde types of a kubeconfig file (client-go's `clientcmd/api/v1`).

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use super::{KubeconfigError, parse, resolve_path};
use crate::serde_util::{is_false, null_default, secret_opt, ser_secret_opt};

/// A whole kubeconfig file.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Kubeconfig {
    /// `apiVersion`, normally `v1`.
    #[serde(
        rename = "apiVersion",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub api_version: Option<String>,
    /// Named clusters.
    #[serde(default, deserialize_with = "null_default")]
    pub clusters: Vec<NamedCluster>,
    /// Named contexts.
    #[serde(default, deserialize_with = "null_default")]
    pub contexts: Vec<NamedContext>,
    /// The context used when none is selected explicitly; empty means unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_context: Option<String>,
    /// Extensions (opaque to clients).
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub extensions: Vec<NamedExtension>,
    /// `kind`, normally `Config`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// CLI preferences.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferences: Option<Preferences>,
    /// Named users (`users:` in the file; client-go calls them AuthInfos).
    #[serde(rename = "users", default, deserialize_with = "null_default")]
    pub auth_infos: Vec<NamedAuthInfo>,
}

/// `preferences:`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Preferences {
    /// Whether kubectl colours its output.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub colors: Option<bool>,
    /// Extensions.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub extensions: Vec<NamedExtension>,
}

/// A named extension object (`runtime.RawExtension`, kept as JSON).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct NamedExtension {
    /// Extension name.
    #[serde(default)]
    pub name: String,
    /// The extension object.
    #[serde(default)]
    pub extension: serde_json::Value,
}

/// An entry of `clusters:`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct NamedCluster {
    /// Cluster name.
    #[serde(default)]
    pub name: String,
    /// Cluster settings.
    #[serde(default)]
    pub cluster: Option<Cluster>,
}

/// How to reach an API server. `Debug` hides credentials embedded in `server`/`proxy-url`.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Cluster {
    /// Path of a PEM CA bundle; relative paths resolve against the kubeconfig's directory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate_authority: Option<String>,
    /// Base64 of a PEM CA bundle; wins over `certificate-authority`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate_authority_data: Option<String>,
    /// Ask the server not to compress responses.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "is_false"
    )]
    pub disable_compression: bool,
    /// Extensions; `client.authentication.k8s.io/exec` is passed to exec plugins.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub extensions: Vec<NamedExtension>,
    /// Skip server certificate verification (insecure).
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "is_false"
    )]
    pub insecure_skip_tls_verify: bool,
    /// Proxy for every request to this cluster (`http`, `https` or `socks5` URL).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proxy_url: Option<String>,
    /// `https://host:port[/path]` of the API server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server: Option<String>,
    /// Name used for SNI and certificate verification instead of the server's host.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_server_name: Option<String>,
}

impl fmt::Debug for Cluster {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redact = |v: &Option<String>| v.as_deref().map(crate::config::redact_userinfo);
        f.debug_struct("Cluster")
            .field("certificate_authority", &self.certificate_authority)
            .field(
                "certificate_authority_data",
                &self.certificate_authority_data,
            )
            .field("disable_compression", &self.disable_compression)
            .field("extensions", &self.extensions)
            .field("insecure_skip_tls_verify", &self.insecure_skip_tls_verify)
            .field("proxy_url", &redact(&self.proxy_url))
            .field("server", &redact(&self.server))
            .field("tls_server_name", &self.tls_server_name)
            .finish()
    }
}

/// An entry of `users:`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct NamedAuthInfo {
    /// User name (the key contexts refer to).
    #[serde(default)]
    pub name: String,
    /// Credentials (`user:` in the file).
    #[serde(rename = "user", default)]
    pub auth_info: Option<AuthInfo>,
}

/// Credentials of one user. Secret fields are [`SecretString`]s: `Debug` prints `[REDACTED]`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct AuthInfo {
    /// User to impersonate.
    #[serde(rename = "as", default, skip_serializing_if = "Option::is_none")]
    pub impersonate: Option<String>,
    /// Groups to impersonate.
    #[serde(
        rename = "as-groups",
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub impersonate_groups: Vec<String>,
    /// UID to impersonate.
    #[serde(rename = "as-uid", default, skip_serializing_if = "Option::is_none")]
    pub impersonate_uid: Option<String>,
    /// Extra fields to impersonate.
    #[serde(
        rename = "as-user-extra",
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub impersonate_user_extra: BTreeMap<String, Vec<String>>,
    /// Legacy in-tree auth provider (parsed so it can be reported; not usable).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_provider: Option<AuthProviderConfig>,
    /// Path of a PEM client certificate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_certificate: Option<String>,
    /// Base64 of a PEM client certificate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_certificate_data: Option<String>,
    /// Path of a PEM private key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_key: Option<String>,
    /// Base64 of a PEM private key.
    #[serde(
        default,
        deserialize_with = "secret_opt",
        serialize_with = "ser_secret_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub client_key_data: Option<SecretString>,
    /// Exec credential plugin.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exec: Option<ExecConfig>,
    /// Extensions.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub extensions: Vec<NamedExtension>,
    /// Basic-auth password.
    #[serde(
        default,
        deserialize_with = "secret_opt",
        serialize_with = "ser_secret_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub password: Option<SecretString>,
    /// Bearer token.
    #[serde(
        default,
        deserialize_with = "secret_opt",
        serialize_with = "ser_secret_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub token: Option<SecretString>,
    /// File holding a bearer token, re-read periodically.
    #[serde(rename = "tokenFile", default, skip_serializing_if = "Option::is_none")]
    pub token_file: Option<String>,
    /// Basic-auth user name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
}

/// `auth-provider:` — the legacy in-tree plugins (gcp, azure, oidc, ...).
#[derive(Clone, Default, Serialize, Deserialize)]
pub struct AuthProviderConfig {
    /// Provider name.
    #[serde(default)]
    pub name: String,
    /// Provider settings; values often hold tokens, so `Debug` prints only the keys.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub config: BTreeMap<String, String>,
}

impl fmt::Debug for AuthProviderConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthProviderConfig")
            .field("name", &self.name)
            .field("config_keys", &self.config.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// `exec:` — a client-go credential plugin.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExecConfig {
    /// `client.authentication.k8s.io/v1` or `client.authentication.k8s.io/v1beta1`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
    /// Arguments.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub args: Vec<String>,
    /// Program to run; resolved against the kubeconfig's directory when it contains a separator.
    #[serde(default)]
    pub command: String,
    /// Extra environment variables.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub env: Vec<ExecEnvVar>,
    /// Shown when the program is not installed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub install_hint: Option<String>,
    /// Whether the plugin may read standard input. client-go defaults it to `IfAvailable` for
    /// v1beta1 and requires it for v1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interactive_mode: Option<ExecInteractiveMode>,
    /// Pass the cluster's connection info in `KUBERNETES_EXEC_INFO`.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "is_false"
    )]
    pub provide_cluster_info: bool,
}

/// One `env:` entry of an exec plugin. `Debug` hides the value (client-go redacts it too).
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ExecEnvVar {
    /// Variable name.
    #[serde(default)]
    pub name: String,
    /// Variable value.
    #[serde(default)]
    pub value: String,
}

impl fmt::Debug for ExecEnvVar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExecEnvVar")
            .field("name", &self.name)
            .field("value", &"[REDACTED]")
            .finish()
    }
}

/// `exec.interactiveMode`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ExecInteractiveMode {
    /// Never give the plugin standard input.
    Never,
    /// Give it standard input when that is a terminal.
    IfAvailable,
    /// Require a terminal on standard input.
    Always,
}

/// An entry of `contexts:`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct NamedContext {
    /// Context name.
    #[serde(default)]
    pub name: String,
    /// Context settings.
    #[serde(default)]
    pub context: Option<Context>,
}

/// A (cluster, user, namespace) triple.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Context {
    /// Name of an entry of `clusters:`.
    #[serde(default, deserialize_with = "null_default")]
    pub cluster: String,
    /// Extensions.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub extensions: Vec<NamedExtension>,
    /// Default namespace; `default` when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Name of an entry of `users:`.
    #[serde(default, deserialize_with = "null_default")]
    pub user: String,
}

impl Kubeconfig {
    /// Parses YAML (or JSON) text. Relative paths stay relative to the working directory.
    pub fn from_yaml(text: &str) -> Result<Self, KubeconfigError> {
        parse(text.as_bytes(), None)
    }

    /// Reads and parses one file, resolving relative paths against the file's directory.
    pub fn read_from(path: impl AsRef<Path>) -> Result<Self, KubeconfigError> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|source| KubeconfigError::Read {
            what: "kubeconfig",
            path: path.to_path_buf(),
            source,
        })?;
        let mut config = parse(&bytes, Some(path))?;
        let dir = std::path::absolute(path)
            .ok()
            .and_then(|p| p.parent().map(Path::to_path_buf))
            .unwrap_or_default();
        config.resolve_paths(&dir);
        Ok(config)
    }

    /// YAML as kubectl writes it (`kind: Config` and `apiVersion: v1` filled in when unset).
    pub fn to_yaml(&self) -> Result<String, KubeconfigError> {
        serde_yaml_ng::to_string(&self.with_type_meta())
            .map_err(|e| KubeconfigError::Serialize(e.to_string()))
    }

    /// JSON as `kubectl config view -o json` writes it.
    pub fn to_json(&self) -> Result<String, KubeconfigError> {
        serde_json::to_string_pretty(&self.with_type_meta())
            .map_err(|e| KubeconfigError::Serialize(e.to_string()))
    }

    fn with_type_meta(&self) -> Self {
        let mut out = self.clone();
        out.kind.get_or_insert_with(|| "Config".to_owned());
        out.api_version.get_or_insert_with(|| "v1".to_owned());
        out
    }

    /// client-go's `ResolveLocalPaths`: makes file references relative to `base` absolute.
    pub fn resolve_paths(&mut self, base: &Path) {
        for c in self.clusters.iter_mut().filter_map(|c| c.cluster.as_mut()) {
            resolve_path(&mut c.certificate_authority, base);
        }
        for a in self
            .auth_infos
            .iter_mut()
            .filter_map(|a| a.auth_info.as_mut())
        {
            resolve_path(&mut a.client_certificate, base);
            resolve_path(&mut a.client_key, base);
            resolve_path(&mut a.token_file, base);
            if let Some(exec) = a.exec.as_mut()
                && exec.command.contains(std::path::MAIN_SEPARATOR)
            {
                let mut cmd = Some(std::mem::take(&mut exec.command));
                resolve_path(&mut cmd, base);
                exec.command = cmd.unwrap_or_default();
            }
        }
    }

    /// The current context name, if set and non-empty.
    pub fn current_context_name(&self) -> Option<&str> {
        self.current_context.as_deref().filter(|s| !s.is_empty())
    }

    /// The cluster named `name` (the last entry wins, as in client-go's list-to-map conversion).
    pub fn find_cluster(&self, name: &str) -> Option<&NamedCluster> {
        self.clusters.iter().rev().find(|c| c.name == name)
    }

    /// The user named `name` (the last entry wins).
    pub fn find_auth_info(&self, name: &str) -> Option<&NamedAuthInfo> {
        self.auth_infos.iter().rev().find(|a| a.name == name)
    }

    /// The context named `name` (the last entry wins).
    pub fn find_context(&self, name: &str) -> Option<&NamedContext> {
        self.contexts.iter().rev().find(|c| c.name == name)
    }

    /// True when the file defines nothing (client-go's `ErrEmptyConfig` case).
    pub fn is_empty(&self) -> bool {
        self.clusters.is_empty()
            && self.auth_infos.is_empty()
            && self.contexts.is_empty()
            && self.current_context_name().is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FULL: &str = r#"
apiVersion: v1
kind: Config
current-context: dev
preferences: {}
clusters:
- name: dev
  cluster:
    server: https://127.0.0.1:6443
    certificate-authority-data: Zm9v
    insecure-skip-tls-verify: false
    tls-server-name: kubernetes
    proxy-url: http://proxy:3128
    disable-compression: true
    extensions:
    - name: client.authentication.k8s.io/exec
      extension: {audience: x}
users:
- name: dev
  user:
    token: tok
    as: alice
    as-uid: "42"
    as-groups: [a, b]
    as-user-extra: {scopes: [s1]}
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: ./bin/plugin
      args: [get-token]
      env: [{name: A, value: B}]
      installHint: install it
      provideClusterInfo: true
      interactiveMode: Never
contexts:
- name: dev
  context: {cluster: dev, user: dev, namespace: ns1}
"#;

    #[test]
    fn parses_every_field() {
        let kc = Kubeconfig::from_yaml(FULL).unwrap();
        let c = kc.clusters[0].cluster.as_ref().unwrap();
        assert_eq!(c.server.as_deref(), Some("https://127.0.0.1:6443"));
        assert_eq!(c.tls_server_name.as_deref(), Some("kubernetes"));
        assert_eq!(c.proxy_url.as_deref(), Some("http://proxy:3128"));
        assert!(c.disable_compression);
        assert_eq!(c.extensions[0].extension["audience"], "x");
        let u = kc.auth_infos[0].auth_info.as_ref().unwrap();
        assert_eq!(u.impersonate.as_deref(), Some("alice"));
        assert_eq!(u.impersonate_uid.as_deref(), Some("42"));
        assert_eq!(u.impersonate_groups, ["a", "b"]);
        assert_eq!(u.impersonate_user_extra["scopes"], ["s1"]);
        let e = u.exec.as_ref().unwrap();
        assert_eq!(e.interactive_mode, Some(ExecInteractiveMode::Never));
        assert!(e.provide_cluster_info);
        assert_eq!(e.install_hint.as_deref(), Some("install it"));
        assert_eq!(kc.current_context_name(), Some("dev"));
        assert_eq!(
            kc.contexts[0]
                .context
                .as_ref()
                .unwrap()
                .namespace
                .as_deref(),
            Some("ns1")
        );
    }

    #[test]
    fn round_trips_through_yaml_and_json() {
        let kc = Kubeconfig::from_yaml(FULL).unwrap();
        let yaml = kc.to_yaml().unwrap();
        assert!(yaml.contains("token: tok"), "{yaml}");
        assert!(yaml.contains("certificate-authority-data: Zm9v"));
        let again = Kubeconfig::from_yaml(&yaml).unwrap();
        assert_eq!(again.clusters, kc.clusters);
        assert_eq!(again.contexts, kc.contexts);
        let json = kc.to_json().unwrap();
        let again = Kubeconfig::from_yaml(&json).unwrap();
        assert_eq!(again.clusters, kc.clusters);
    }

    #[test]
    fn nulls_are_missing_values() {
        let kc = Kubeconfig::from_yaml(
            "clusters: null\nusers:\n- name: u\n  user: null\ncontexts:\n- name: c\n  context:\n    cluster: null\n",
        )
        .unwrap();
        assert!(kc.clusters.is_empty());
        assert!(kc.auth_infos[0].auth_info.is_none());
        assert_eq!(kc.contexts[0].context.as_ref().unwrap().cluster, "");
    }

    #[test]
    fn resolve_paths_only_touches_relative_paths() {
        let mut kc = Kubeconfig::from_yaml(FULL).unwrap();
        kc.auth_infos[0].auth_info.as_mut().unwrap().token_file = Some("/abs/tok".into());
        kc.clusters[0]
            .cluster
            .as_mut()
            .unwrap()
            .certificate_authority = Some("ca.crt".into());
        kc.resolve_paths(Path::new("/base"));
        let c = kc.clusters[0].cluster.as_ref().unwrap();
        assert_eq!(c.certificate_authority.as_deref(), Some("/base/ca.crt"));
        let u = kc.auth_infos[0].auth_info.as_ref().unwrap();
        assert_eq!(u.token_file.as_deref(), Some("/abs/tok"));
        assert_eq!(u.exec.as_ref().unwrap().command, "/base/bin/plugin");
    }

    #[test]
    fn auth_provider_debug_hides_values() {
        let kc = Kubeconfig::from_yaml(
            "users:\n- name: u\n  user:\n    auth-provider:\n      name: oidc\n      config: {id-token: SECRETVALUE}\n",
        )
        .unwrap();
        let dbg = format!("{kc:?}");
        assert!(dbg.contains("id-token"));
        assert!(!dbg.contains("SECRETVALUE"));
    }
}
