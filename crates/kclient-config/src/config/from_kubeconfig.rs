//! Building a [`Config`] from a kubeconfig (client-go's `DirectClientConfig.ClientConfig`).

use std::path::{Path, PathBuf};

use base64::Engine as _;
use secrecy::{ExposeSecret, SecretString};

use super::server_url::{parse_proxy, parse_server};
use super::{AuthConfig, BasicAuth, ClientCert, Config, TlsConfig, redact_userinfo};
use crate::auth::{EXEC_INFO_EXTENSION, ExecClusterInfo};
use crate::impersonate::Impersonate;
use crate::kubeconfig::{
    AuthInfo, Cluster, Context, ExecConfig, ExecInteractiveMode, Kubeconfig, KubeconfigError,
    KubeconfigLoader,
};

/// Overrides applied on top of a kubeconfig, like kubectl's `--context`, `--cluster`,
/// `--user` and `--namespace` flags. `None` keeps what the kubeconfig says.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KubeconfigOptions {
    /// Context to use instead of `current-context`.
    pub context: Option<String>,
    /// Cluster to use instead of the context's.
    pub cluster: Option<String>,
    /// User to use instead of the context's.
    pub user: Option<String>,
    /// Namespace to use instead of the context's.
    pub namespace: Option<String>,
}

impl Config {
    /// Builds a config from a loaded kubeconfig, selecting the context, cluster and user like
    /// kubectl and validating them like client-go (unknown names, missing server, conflicting
    /// TLS or auth settings, legacy `auth-provider`). Referenced files (CA, client cert/key,
    /// token file) are read now.
    pub fn from_kubeconfig(
        kubeconfig: &Kubeconfig,
        options: &KubeconfigOptions,
    ) -> Result<Config, KubeconfigError> {
        let non_empty = |s: &Option<String>| s.clone().filter(|s| !s.is_empty());
        let context_name = non_empty(&options.context)
            .or_else(|| kubeconfig.current_context_name().map(str::to_owned));
        let context: Context = match &context_name {
            Some(name) => kubeconfig
                .find_context(name)
                .ok_or_else(|| KubeconfigError::ContextNotFound(name.clone()))?
                .context
                .clone()
                .unwrap_or_default(),
            None => Context::default(),
        };
        let cluster_name = non_empty(&options.cluster)
            .or_else(|| Some(context.cluster.clone()).filter(|c| !c.is_empty()));
        let Some(cluster_name) = cluster_name else {
            return Err(match &context_name {
                None if kubeconfig.is_empty() => KubeconfigError::Empty,
                None => KubeconfigError::NoCurrentContext,
                Some(ctx) => {
                    KubeconfigError::Invalid(format!("context \"{ctx}\" does not name a cluster"))
                }
            });
        };
        let cluster = kubeconfig
            .find_cluster(&cluster_name)
            .ok_or_else(|| KubeconfigError::ClusterNotFound(cluster_name.clone()))?
            .cluster
            .clone()
            .unwrap_or_default();
        let user_name = non_empty(&options.user)
            .or_else(|| Some(context.user.clone()).filter(|u| !u.is_empty()));
        let auth_info = match &user_name {
            Some(name) => kubeconfig
                .find_auth_info(name)
                .ok_or_else(|| KubeconfigError::UserNotFound(name.clone()))?
                .auth_info
                .clone()
                .unwrap_or_default(),
            None => AuthInfo::default(),
        };
        let user_name = user_name.unwrap_or_default();

        let tls_settings = cluster_tls(&cluster_name, &cluster)?;
        let client_cert = client_cert(&user_name, &auth_info)?;
        let server = cluster
            .server
            .as_deref()
            .filter(|s| !s.trim().is_empty())
            .ok_or_else(|| KubeconfigError::NoServer(cluster_name.clone()))?;
        let default_tls = tls_settings.ca_data.is_some()
            || client_cert.is_some()
            || cluster.insecure_skip_tls_verify;
        let host =
            parse_server(server, default_tls).map_err(|reason| KubeconfigError::InvalidServer {
                cluster: cluster_name.clone(),
                server: redact_userinfo(server),
                reason,
            })?;
        let proxy_url = match non_empty(&cluster.proxy_url) {
            Some(url) => {
                Some(
                    parse_proxy(&url).map_err(|reason| KubeconfigError::InvalidProxyUrl {
                        cluster: cluster_name.clone(),
                        url: redact_userinfo(&url),
                        reason,
                    })?,
                )
            }
            None => None,
        };

        let mut auth = auth_config(&user_name, &auth_info)?;
        if client_cert.is_some() {
            // client-go's exec authenticator steps aside when a client certificate is configured.
            auth.exec = None;
        }
        if auth.exec.as_ref().is_some_and(|e| e.provide_cluster_info) {
            auth.exec_cluster = Some(ExecClusterInfo {
                server: host.to_string().trim_end_matches('/').to_owned(),
                tls_server_name: non_empty(&cluster.tls_server_name),
                insecure_skip_tls_verify: cluster.insecure_skip_tls_verify,
                certificate_authority_data: tls_settings.ca_data.clone(),
                proxy_url: non_empty(&cluster.proxy_url),
                disable_compression: cluster.disable_compression,
                config: cluster
                    .extensions
                    .iter()
                    .find(|e| e.name == EXEC_INFO_EXTENSION)
                    .map(|e| e.extension.clone()),
            });
        }

        let mut config = Config::new(host);
        config.tls = TlsConfig {
            client_cert,
            ..tls_settings
        };
        config.auth = auth;
        config.impersonate = impersonation(&user_name, &auth_info)?;
        config.proxy_url = proxy_url;
        config.disable_compression = cluster.disable_compression;
        config.default_namespace = non_empty(&options.namespace)
            .or_else(|| non_empty(&context.namespace))
            .unwrap_or_else(|| "default".to_owned());
        Ok(config)
    }

    /// Reads one kubeconfig file (which must exist) and builds a config from it.
    pub fn from_kubeconfig_file(
        path: impl AsRef<Path>,
        options: &KubeconfigOptions,
    ) -> Result<Config, KubeconfigError> {
        let loader = KubeconfigLoader::default().with_explicit_path(Some(path.as_ref()));
        Config::from_kubeconfig(&loader.load()?, options)
    }
}

fn cluster_tls(name: &str, cluster: &Cluster) -> Result<TlsConfig, KubeconfigError> {
    let owner = || format!("cluster \"{name}\"");
    let file = non_empty_path(&cluster.certificate_authority);
    let data = cluster
        .certificate_authority_data
        .as_deref()
        .filter(|d| !d.is_empty());
    if cluster.insecure_skip_tls_verify && (file.is_some() || data.is_some()) {
        return Err(KubeconfigError::Invalid(format!(
            "specifying a root certificates file with the insecure flag is not allowed for {}",
            owner()
        )));
    }
    // client-go opens the file even when inline data is present (and the data then wins).
    let from_file = file
        .map(|p| read_file("certificate-authority", &p))
        .transpose()?;
    let ca_data = match data {
        Some(d) => Some(decode_base64("certificate-authority-data", owner(), d)?),
        None => from_file,
    };
    if let Some(ca) = &ca_data {
        require_pem("certificate-authority-data", owner(), ca)?;
    }
    Ok(TlsConfig {
        ca_data,
        insecure_skip_verify: cluster.insecure_skip_tls_verify,
        server_name: cluster.tls_server_name.clone().filter(|s| !s.is_empty()),
        client_cert: None,
    })
}

fn client_cert(user: &str, a: &AuthInfo) -> Result<Option<ClientCert>, KubeconfigError> {
    let owner = || format!("user \"{user}\"");
    let cert_file = non_empty_path(&a.client_certificate);
    let cert_data = a
        .client_certificate_data
        .as_deref()
        .filter(|d| !d.is_empty());
    let key_file = non_empty_path(&a.client_key);
    let key_data = a.client_key_data.as_ref().map(|k| k.expose_secret());
    if cert_file.is_none() && cert_data.is_none() {
        if key_file.is_some() || key_data.is_some() {
            return Err(KubeconfigError::Invalid(format!(
                "client-certificate-data or client-certificate must be specified for {} to use the clientCert authentication method",
                owner()
            )));
        }
        return Ok(None);
    }
    let conflict = |what: &str| {
        KubeconfigError::Invalid(format!(
            "{what}-data and {what} are both specified for {}; only one is allowed",
            owner()
        ))
    };
    if cert_file.is_some() && cert_data.is_some() {
        return Err(conflict("client-certificate"));
    }
    if key_file.is_some() && key_data.is_some() {
        return Err(conflict("client-key"));
    }
    let cert = match (cert_data, cert_file) {
        (Some(d), _) => decode_base64("client-certificate-data", owner(), d)?,
        (None, Some(p)) => read_file("client-certificate", &p)?,
        (None, None) => Vec::new(),
    };
    let key = match (key_data, key_file) {
        (Some(d), _) => decode_base64("client-key-data", owner(), d)?,
        (None, Some(p)) => read_file("client-key", &p)?,
        (None, None) => {
            return Err(KubeconfigError::Invalid(format!(
                "client-key-data or client-key must be specified for {} to use the clientCert authentication method",
                owner()
            )));
        }
    };
    require_pem("client-certificate-data", owner(), &cert)?;
    require_pem("client-key-data", owner(), &key)?;
    Ok(Some(ClientCert::new(cert, key)))
}

fn auth_config(user: &str, a: &AuthInfo) -> Result<AuthConfig, KubeconfigError> {
    if let Some(provider) = &a.auth_provider {
        return Err(auth_provider_error(user, &provider.name));
    }
    let token = a
        .token
        .as_ref()
        .filter(|t| !t.expose_secret().is_empty())
        .cloned();
    let token_file = non_empty_path(&a.token_file);
    let username = a.username.clone().unwrap_or_default();
    let password = a.password.clone();
    let has_basic = !username.is_empty() || password.is_some();
    let mut methods = Vec::new();
    if token.is_some() || token_file.is_some() {
        methods.push("token");
    }
    if has_basic {
        methods.push("basicAuth");
    }
    if methods.len() > 1 {
        return Err(KubeconfigError::Invalid(format!(
            "more than one authentication method found for user \"{user}\"; found {methods:?}, only one is allowed"
        )));
    }
    // client-go: an inline token wins and the file only refreshes it; otherwise the file is
    // read once now so a missing file fails early.
    let bearer_token = match (&token, &token_file) {
        (Some(t), _) => Some(t.clone()),
        (None, Some(path)) => {
            let bytes = read_file("tokenFile", path)?;
            let text = String::from_utf8_lossy(&bytes).trim().to_owned();
            Some(SecretString::from(text))
        }
        (None, None) => None,
    };
    let basic = has_basic.then(|| BasicAuth {
        username,
        password: password.unwrap_or_default(),
    });
    let exec = a
        .exec
        .as_ref()
        .map(|e| validate_exec(user, e))
        .transpose()?;
    Ok(AuthConfig {
        bearer_token,
        token_file,
        basic,
        exec,
        exec_cluster: None,
    })
}

/// Supported exec credential API versions.
pub(crate) const EXEC_V1: &str = "client.authentication.k8s.io/v1";
pub(crate) const EXEC_V1BETA1: &str = "client.authentication.k8s.io/v1beta1";

fn validate_exec(user: &str, exec: &ExecConfig) -> Result<ExecConfig, KubeconfigError> {
    let invalid = |msg: String| Err(KubeconfigError::Invalid(msg));
    if exec.command.is_empty() {
        return invalid(format!(
            "command must be specified for user \"{user}\" to use exec authentication plugin"
        ));
    }
    let mut exec = exec.clone();
    match exec.api_version.as_deref().unwrap_or_default() {
        "" => {
            return invalid(format!(
                "apiVersion must be specified for user \"{user}\" to use exec authentication plugin"
            ));
        }
        EXEC_V1 => {
            if exec.interactive_mode.is_none() {
                return invalid(format!(
                    "interactiveMode must be specified for user \"{user}\" to use exec authentication plugin"
                ));
            }
        }
        // client-go defaults v1beta1 plugins to IfAvailable for backwards compatibility.
        EXEC_V1BETA1 => {
            exec.interactive_mode
                .get_or_insert(ExecInteractiveMode::IfAvailable);
        }
        other => {
            return invalid(format!(
                "exec plugin for user \"{user}\" uses unsupported apiVersion {other:?} (want {EXEC_V1} or {EXEC_V1BETA1})"
            ));
        }
    }
    if exec.env.iter().any(|v| v.name.is_empty()) {
        return invalid(format!(
            "env variable name must be specified for user \"{user}\" to use exec authentication plugin"
        ));
    }
    Ok(exec)
}

fn impersonation(user: &str, a: &AuthInfo) -> Result<Impersonate, KubeconfigError> {
    let imp = Impersonate {
        user: a.impersonate.clone().filter(|s| !s.is_empty()),
        uid: a.impersonate_uid.clone().filter(|s| !s.is_empty()),
        groups: a.impersonate_groups.clone(),
        extra: a.impersonate_user_extra.clone(),
    };
    if imp.user.is_none() && (imp.uid.is_some() || !imp.groups.is_empty() || !imp.extra.is_empty())
    {
        return Err(KubeconfigError::Invalid(format!(
            "requesting uid, groups or user-extra for user \"{user}\" without impersonating a user"
        )));
    }
    imp.try_headers().map_err(|e| {
        KubeconfigError::Invalid(format!("impersonation settings of user \"{user}\": {e}"))
    })?;
    Ok(imp)
}

/// client-go ≥ 1.26 ships no in-tree auth providers (gcp and azure were removed; oidc must be
/// compiled in explicitly): exec plugins replace them.
fn auth_provider_error(user: &str, provider: &str) -> KubeconfigError {
    let message = match provider {
        "gcp" => "the gcp auth plugin has been removed from client-go; use the \"gke-gcloud-auth-plugin\" exec credential plugin instead (see https://cloud.google.com/kubernetes-engine/docs/how-to/cluster-access-for-kubectl#install_plugin)".to_owned(),
        "azure" => "the azure auth plugin has been removed from client-go; use the kubelogin exec credential plugin instead (https://github.com/Azure/kubelogin)".to_owned(),
        other => format!(
            "no Auth Provider found for name {other:?}: legacy auth-provider plugins are not supported, configure an exec credential plugin instead (for oidc, e.g. kubelogin's `oidc-login`)"
        ),
    };
    KubeconfigError::AuthProviderUnsupported {
        user: user.to_owned(),
        provider: provider.to_owned(),
        message,
    }
}

fn non_empty_path(value: &Option<String>) -> Option<PathBuf> {
    value
        .as_deref()
        .filter(|s| !s.is_empty())
        .map(PathBuf::from)
}

fn read_file(what: &'static str, path: &Path) -> Result<Vec<u8>, KubeconfigError> {
    std::fs::read(path).map_err(|source| KubeconfigError::Read {
        what,
        path: path.to_path_buf(),
        source,
    })
}

/// Go decodes `[]byte` fields with standard padded base64, ignoring line breaks.
fn decode_base64(
    field: &'static str,
    owner: String,
    data: &str,
) -> Result<Vec<u8>, KubeconfigError> {
    let compact: String = data.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    base64::engine::general_purpose::STANDARD
        .decode(compact.as_bytes())
        .map_err(|e| KubeconfigError::InvalidBase64 {
            field,
            owner,
            // base64's messages name offsets and (for invalid symbols) one byte; drop the byte.
            reason: match e {
                base64::DecodeError::InvalidByte(offset, _) => {
                    format!("invalid symbol at offset {offset}")
                }
                base64::DecodeError::InvalidLastSymbol(offset, _) => {
                    format!("invalid last symbol at offset {offset}")
                }
                other => other.to_string(),
            },
        })
}

fn require_pem(field: &'static str, owner: String, data: &[u8]) -> Result<(), KubeconfigError> {
    let marker = b"-----BEGIN ";
    if data.windows(marker.len()).any(|w| w == marker) {
        Ok(())
    } else {
        Err(KubeconfigError::NotPem { field, owner })
    }
}
