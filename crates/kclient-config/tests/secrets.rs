//! Secrets never show up in `Debug` output or error messages.

use kclient_config::auth::CredentialSource;
use kclient_config::{Config, Kubeconfig, KubeconfigOptions};

const TOKEN: &str = "tok-3c9f1a7e";
const PASSWORD: &str = "pw-77b2d0c4";
const KEY_MARKER: &str = "KEYBODY9a8b7c6d";
const PROVIDER_SECRET: &str = "idtok-5e4f3a2b";
const ENV_SECRET: &str = "envsecret-1d2c3b4a";
const PROXY_PASSWORD: &str = "proxypw-0f0e0d0c";

fn b64(s: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(s)
}

fn key_pem() -> String {
    format!("-----BEGIN PRIVATE KEY-----\n{KEY_MARKER}\n-----END PRIVATE KEY-----\n")
}

fn kubeconfig_yaml() -> String {
    let cert = "-----BEGIN CERTIFICATE-----\nQ0VSVA==\n-----END CERTIFICATE-----\n";
    format!(
        r#"
current-context: token
clusters:
- name: c
  cluster: {{server: "https://c", proxy-url: "http://user:{PROXY_PASSWORD}@proxy:3128"}}
users:
- name: token
  user: {{token: {TOKEN}}}
- name: basic
  user: {{username: u, password: {PASSWORD}}}
- name: cert
  user: {{client-certificate-data: {cert}, client-key-data: {key}}}
- name: provider
  user: {{auth-provider: {{name: oidc, config: {{id-token: {PROVIDER_SECRET}}}}}}}
- name: exec
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: x
      provideClusterInfo: true
      env: [{{name: SECRET, value: {ENV_SECRET}}}]
contexts:
- name: token
  context: {{cluster: c, user: token}}
- name: basic
  context: {{cluster: c, user: basic}}
- name: cert
  context: {{cluster: c, user: cert}}
- name: provider
  context: {{cluster: c, user: provider}}
- name: exec
  context: {{cluster: c, user: exec}}
"#,
        cert = b64(cert),
        key = b64(&key_pem()),
    )
}

fn assert_clean(text: &str) {
    for secret in [
        TOKEN,
        PASSWORD,
        KEY_MARKER,
        &b64(&key_pem()),
        PROVIDER_SECRET,
        ENV_SECRET,
        PROXY_PASSWORD,
    ] {
        assert!(!text.contains(secret), "secret {secret} leaked in:\n{text}");
    }
}

#[test]
fn kubeconfig_debug_is_redacted() {
    let kc = Kubeconfig::from_yaml(&kubeconfig_yaml()).unwrap();
    let dbg = format!("{kc:?}");
    assert_clean(&dbg);
    assert!(dbg.contains("REDACTED"));
    // The secrets are still there for serialisation.
    assert!(kc.to_yaml().unwrap().contains(TOKEN));
}

#[tokio::test]
async fn config_and_credentials_debug_are_redacted() {
    let kc = Kubeconfig::from_yaml(&kubeconfig_yaml()).unwrap();
    for ctx in ["token", "basic", "cert", "exec"] {
        let opts = KubeconfigOptions {
            context: Some(ctx.into()),
            ..Default::default()
        };
        let config = Config::from_kubeconfig(&kc, &opts).unwrap();
        assert_clean(&format!("{config:?}"));
        assert_clean(&format!("{:#?}", config));
        let source = CredentialSource::new(&config.auth);
        assert_clean(&format!("{source:?}"));
        if ctx != "exec" {
            let creds = source.credentials().await.unwrap();
            assert_clean(&format!("{creds:?}"));
        }
    }
}

#[test]
fn errors_do_not_contain_secrets() {
    let kc = Kubeconfig::from_yaml(&kubeconfig_yaml()).unwrap();
    let opts = KubeconfigOptions {
        context: Some("provider".into()),
        ..Default::default()
    };
    let err = Config::from_kubeconfig(&kc, &opts).unwrap_err();
    assert_clean(&err.to_string());
    assert_clean(&format!("{err:?}"));

    // A secret placed where another type is expected must not be echoed by the parser.
    for yaml in [
        format!("users:\n- name: u\n  user: {{as-groups: {TOKEN}}}\n"),
        format!("clusters:\n- name: c\n  cluster: {{insecure-skip-tls-verify: {PASSWORD}}}\n"),
        format!("users: {TOKEN}\n"),
        format!("{{\"users\": \"{TOKEN}\"}}"),
    ] {
        let err = Kubeconfig::from_yaml(&yaml).unwrap_err();
        assert_clean(&err.to_string());
        assert_clean(&format!("{err:?}"));
    }

    // Invalid base64 in the key never echoes the key.
    let yaml = format!(
        "current-context: x\nclusters:\n- name: c\n  cluster: {{server: https://c}}\nusers:\n- name: u\n  user: {{client-certificate-data: Zm9v, client-key-data: '{KEY_MARKER}!'}}\ncontexts:\n- name: x\n  context: {{cluster: c, user: u}}\n"
    );
    let err = Config::from_kubeconfig(&Kubeconfig::from_yaml(&yaml).unwrap(), &Default::default())
        .unwrap_err();
    assert_clean(&err.to_string());

    // Proxy URL errors drop credentials.
    let yaml = format!(
        "current-context: x\nclusters:\n- name: c\n  cluster: {{server: https://c, proxy-url: 'gopher://u:{PROXY_PASSWORD}@p'}}\ncontexts:\n- name: x\n  context: {{cluster: c}}\n"
    );
    let err = Config::from_kubeconfig(&Kubeconfig::from_yaml(&yaml).unwrap(), &Default::default())
        .unwrap_err();
    assert!(err.to_string().contains("proxy-url"), "{err}");
    assert_clean(&err.to_string());
}
