//! The kubeconfig and client config handed out for a running server: cluster with the
//! generated CA, bearer-token user, context `kclient-testserver` in namespace `default`.

use base64::Engine as _;
use kclient_config::kubeconfig::{
    AuthInfo, Cluster, Context, Kubeconfig, NamedAuthInfo, NamedCluster, NamedContext,
};
use kclient_config::{Config, SecretString};

/// Name of the cluster, user and context entries.
pub(crate) const NAME: &str = "kclient-testserver";

/// The kubeconfig model for a server.
pub(crate) fn model(url: &str, ca_pem: &str, token: &str) -> Kubeconfig {
    Kubeconfig {
        api_version: Some("v1".into()),
        kind: Some("Config".into()),
        clusters: vec![NamedCluster {
            name: NAME.into(),
            cluster: Some(Cluster {
                server: Some(url.to_string()),
                certificate_authority_data: Some(
                    base64::engine::general_purpose::STANDARD.encode(ca_pem),
                ),
                ..Cluster::default()
            }),
        }],
        auth_infos: vec![NamedAuthInfo {
            name: NAME.into(),
            auth_info: Some(AuthInfo {
                token: Some(SecretString::from(token.to_string())),
                ..AuthInfo::default()
            }),
        }],
        contexts: vec![NamedContext {
            name: NAME.into(),
            context: Some(Context {
                cluster: NAME.into(),
                user: NAME.into(),
                namespace: Some("default".into()),
                ..Context::default()
            }),
        }],
        current_context: Some(NAME.into()),
        ..Kubeconfig::default()
    }
}

/// The kubeconfig as YAML text, exactly as kubectl expects it.
pub(crate) fn yaml(url: &str, ca_pem: &str, token: &str) -> String {
    let ca = base64::engine::general_purpose::STANDARD.encode(ca_pem);
    format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: {NAME}\n  cluster:\n    server: {url}\n    certificate-authority-data: {ca}\nusers:\n- name: {NAME}\n  user:\n    token: {token}\ncontexts:\n- name: {NAME}\n  context:\n    cluster: {NAME}\n    user: {NAME}\n    namespace: default\ncurrent-context: {NAME}\npreferences: {{}}\n"
    )
}

/// A client config for a server.
pub(crate) fn config(url: &str, ca_pem: &str, token: &str) -> Result<Config, String> {
    let host: http::Uri = url
        .parse()
        .map_err(|e| format!("invalid server URL {url}: {e}"))?;
    let mut config = Config::new(host);
    config.tls.ca_data = Some(ca_pem.as_bytes().to_vec());
    config.auth.bearer_token = Some(SecretString::from(token.to_string()));
    config.default_namespace = "default".into();
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_and_model_agree() {
        let pki = crate::tls::generate().expect("pki");
        let ca = pki.ca_pem.as_str();
        let text = yaml("https://127.0.0.1:1234", ca, "tok");
        let parsed = Kubeconfig::from_yaml(&text).expect("parses");
        let built = model("https://127.0.0.1:1234", ca, "tok");
        assert_eq!(parsed.current_context, built.current_context);
        assert_eq!(parsed.clusters, built.clusters);
        assert_eq!(parsed.contexts, built.contexts);
        let cfg = Config::from_kubeconfig(&built, &Default::default()).expect("config");
        assert_eq!(cfg.host.to_string(), "https://127.0.0.1:1234/");
        assert_eq!(cfg.default_namespace, "default");
        assert!(!format!("{built:?}").contains("tok\""));
        assert!(config("https://127.0.0.1:1234", ca, "tok").is_ok());
    }
}
