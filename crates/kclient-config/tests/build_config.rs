//! `Config::from_kubeconfig`: selection, overrides, files and validation errors.

use std::path::Path;

use kclient_config::kubeconfig::ExecInteractiveMode;
use kclient_config::{Config, ExposeSecret, Kubeconfig, KubeconfigError, KubeconfigOptions};

const CA: &str = "-----BEGIN CERTIFICATE-----\nQ0E=\n-----END CERTIFICATE-----\n";
const CERT: &str = "-----BEGIN CERTIFICATE-----\nQ0VSVA==\n-----END CERTIFICATE-----\n";
const KEY: &str = "-----BEGIN PRIVATE KEY-----\nS0VZ\n-----END PRIVATE KEY-----\n";

fn b64(s: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(s)
}

fn build(yaml: &str) -> Result<Config, KubeconfigError> {
    build_with(yaml, &KubeconfigOptions::default())
}

fn build_with(yaml: &str, opts: &KubeconfigOptions) -> Result<Config, KubeconfigError> {
    Config::from_kubeconfig(&Kubeconfig::from_yaml(yaml)?, opts)
}

fn err(yaml: &str) -> String {
    build(yaml).unwrap_err().to_string()
}

const TWO_CONTEXTS: &str = r#"
current-context: prod
clusters:
- name: prod
  cluster: {server: "https://prod.example:6443", tls-server-name: api.prod, disable-compression: true}
- name: dev
  cluster: {server: "https://dev.example/prefix/", insecure-skip-tls-verify: true, proxy-url: "http://proxy:3128"}
users:
- name: admin
  user: {token: admin-token}
- name: dev
  user: {username: dev, password: devpw}
contexts:
- name: prod
  context: {cluster: prod, user: admin, namespace: kube-system}
- name: dev
  context: {cluster: dev, user: dev}
"#;

#[test]
fn current_context_is_used_by_default() {
    let c = build(TWO_CONTEXTS).unwrap();
    assert_eq!(c.host.to_string(), "https://prod.example:6443/");
    assert_eq!(c.tls.server_name.as_deref(), Some("api.prod"));
    assert!(c.disable_compression);
    assert_eq!(c.default_namespace, "kube-system");
    assert_eq!(
        c.auth.bearer_token.as_ref().unwrap().expose_secret(),
        "admin-token"
    );
    assert!(c.proxy_url.is_none());
    assert_eq!(c.rate_limit(), Some((5.0, 10)));
}

#[test]
fn overrides_work_like_kubectl_flags() {
    let cases: &[(KubeconfigOptions, &str, &str, Option<&str>)] = &[
        (
            KubeconfigOptions {
                context: Some("dev".into()),
                ..Default::default()
            },
            "https://dev.example/prefix",
            "default",
            Some("dev"),
        ),
        (
            KubeconfigOptions {
                cluster: Some("dev".into()),
                ..Default::default()
            },
            "https://dev.example/prefix",
            "kube-system",
            None,
        ),
        (
            KubeconfigOptions {
                user: Some("dev".into()),
                namespace: Some("team-a".into()),
                ..Default::default()
            },
            "https://prod.example:6443/",
            "team-a",
            Some("dev"),
        ),
    ];
    for (opts, host, ns, basic_user) in cases {
        let c = build_with(TWO_CONTEXTS, opts).unwrap();
        assert_eq!(c.host.to_string(), *host, "{opts:?}");
        assert_eq!(c.default_namespace, *ns, "{opts:?}");
        assert_eq!(
            c.auth.basic.as_ref().map(|b| b.username.as_str()),
            *basic_user,
            "{opts:?}"
        );
    }
    let dev = build_with(
        TWO_CONTEXTS,
        &KubeconfigOptions {
            context: Some("dev".into()),
            ..Default::default()
        },
    )
    .unwrap();
    assert!(dev.tls.insecure_skip_verify);
    assert_eq!(dev.proxy_url.unwrap().to_string(), "http://proxy:3128/");
}

#[test]
fn cluster_override_works_without_any_context() {
    let yaml = "clusters:\n- name: c\n  cluster: {server: https://c}\n";
    let c = build_with(
        yaml,
        &KubeconfigOptions {
            cluster: Some("c".into()),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(c.host.to_string(), "https://c/");
    assert!(c.auth.bearer_token.is_none());
}

#[test]
fn ca_and_client_cert_from_inline_data() {
    let yaml = format!(
        "current-context: x\nclusters:\n- name: x\n  cluster: {{server: 'https://x', certificate-authority-data: {}}}\n\
         users:\n- name: x\n  user: {{client-certificate-data: {}, client-key-data: {}}}\n\
         contexts:\n- name: x\n  context: {{cluster: x, user: x}}\n",
        b64(CA),
        b64(CERT),
        b64(KEY)
    );
    let c = build(&yaml).unwrap();
    assert_eq!(c.tls.ca_data.as_deref(), Some(CA.as_bytes()));
    let cert = c.tls.client_cert.as_ref().unwrap();
    assert_eq!(cert.cert_pem, CERT.as_bytes());
    assert_eq!(cert.key_pem.expose_secret(), KEY.as_bytes());
}

#[test]
fn ca_client_cert_and_token_from_files_relative_to_the_kubeconfig() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ca.crt"), CA).unwrap();
    std::fs::write(dir.path().join("client.crt"), CERT).unwrap();
    std::fs::write(dir.path().join("client.key"), KEY).unwrap();
    std::fs::write(dir.path().join("token"), "file-token\n").unwrap();
    let path = dir.path().join("config");
    std::fs::write(
        &path,
        "current-context: x\nclusters:\n- name: x\n  cluster: {server: 'x.example:6443', certificate-authority: ca.crt}\n\
         users:\n- name: x\n  user: {client-certificate: client.crt, client-key: client.key, tokenFile: token}\n\
         contexts:\n- name: x\n  context: {cluster: x, user: x, namespace: files}\n",
    )
    .unwrap();
    let c = Config::from_kubeconfig_file(&path, &KubeconfigOptions::default()).unwrap();
    // No scheme + TLS configured => https, like client-go's DefaultServerURL.
    assert_eq!(c.host.to_string(), "https://x.example:6443/");
    assert_eq!(c.tls.ca_data.as_deref(), Some(CA.as_bytes()));
    assert_eq!(
        c.tls.client_cert.as_ref().unwrap().cert_pem,
        CERT.as_bytes()
    );
    assert_eq!(
        c.auth.bearer_token.as_ref().unwrap().expose_secret(),
        "file-token"
    );
    assert_eq!(
        c.auth.token_file.as_deref(),
        Some(
            std::path::absolute(dir.path().join("token"))
                .unwrap()
                .as_path()
        )
    );
    assert_eq!(c.default_namespace, "files");
}

#[test]
fn exec_v1beta1_defaults_interactive_mode_and_gets_cluster_info() {
    let yaml = format!(
        r#"
current-context: x
clusters:
- name: x
  cluster:
    server: https://x:443
    certificate-authority-data: {}
    extensions:
    - name: client.authentication.k8s.io/exec
      extension: {{audience: sts}}
users:
- name: x
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: aws
      args: [eks, get-token]
      provideClusterInfo: true
contexts:
- name: x
  context: {{cluster: x, user: x}}
"#,
        b64(CA)
    );
    let c = build(&yaml).unwrap();
    let exec = c.auth.exec.as_ref().unwrap();
    assert_eq!(
        exec.interactive_mode,
        Some(ExecInteractiveMode::IfAvailable)
    );
    let info = c.auth.exec_cluster.as_ref().unwrap();
    assert_eq!(info.server, "https://x:443");
    assert_eq!(
        info.certificate_authority_data.as_deref(),
        Some(CA.as_bytes())
    );
    assert_eq!(info.config.as_ref().unwrap()["audience"], "sts");
}

#[test]
fn impersonation_is_copied() {
    let yaml = "current-context: x\nclusters:\n- name: x\n  cluster: {server: https://x}\n\
                users:\n- name: x\n  user: {token: t, as: alice, as-uid: '7', as-groups: [devs], as-user-extra: {team: [a]}}\n\
                contexts:\n- name: x\n  context: {cluster: x, user: x}\n";
    let c = build(yaml).unwrap();
    assert_eq!(c.impersonate.user.as_deref(), Some("alice"));
    let headers = c.impersonate.headers();
    assert_eq!(headers.len(), 4);
    assert_eq!(headers[3].0.as_str(), "impersonate-extra-team");
}

const OK_CLUSTER: &str = "clusters:\n- name: c\n  cluster: {server: https://c}\n";

fn with_user(user: &str) -> String {
    format!(
        "current-context: x\n{OK_CLUSTER}users:\n- name: u\n  user: {user}\ncontexts:\n- name: x\n  context: {{cluster: c, user: u}}\n"
    )
}

fn with_cluster(cluster: &str) -> String {
    format!(
        "current-context: x\nclusters:\n- name: c\n  cluster: {cluster}\ncontexts:\n- name: x\n  context: {{cluster: c}}\n"
    )
}

/// Every malformed case yields a typed error whose message says what is wrong.
#[test]
fn malformed_kubeconfigs_give_clear_errors() {
    let cases: Vec<(String, &str)> = vec![
        ("clusters: [\n".into(), "line"),
        ("clusters: {a: b}\n".into(), "clusters"),
        (
            "users:\n- name: u\n  user: {exec: {interactiveMode: Sometimes}}\n".into(),
            "Sometimes",
        ),
        (
            format!("{OK_CLUSTER}contexts:\n- name: x\n  context: {{cluster: c}}\n"),
            "current-context is not set",
        ),
        (
            "current-context: nope\n".into(),
            "context \"nope\" not found",
        ),
        (
            "current-context: x\ncontexts:\n- name: x\n  context: {cluster: gone}\n".into(),
            "cluster \"gone\" not found",
        ),
        (
            format!(
                "current-context: x\n{OK_CLUSTER}contexts:\n- name: x\n  context: {{cluster: c, user: ghost}}\n"
            ),
            "user \"ghost\" not found",
        ),
        (
            "current-context: x\ncontexts:\n- name: x\n  context: {user: u}\n".into(),
            "does not name a cluster",
        ),
        (
            with_cluster("{insecure-skip-tls-verify: true}"),
            "no server found for cluster \"c\"",
        ),
        (with_cluster("{server: 'ftp://c'}"), "invalid server URL"),
        (
            with_cluster("{server: 'https://c:99999'}"),
            "invalid server URL",
        ),
        (with_cluster("{server: 'https://c?x=1'}"), "query"),
        (
            with_cluster("{server: 'https://c', proxy-url: 'gopher://p'}"),
            "proxy-url",
        ),
        (
            with_cluster("{server: 'https://c', certificate-authority-data: '!!!'}"),
            "certificate-authority-data for cluster \"c\" is not valid base64",
        ),
        (
            with_cluster("{server: 'https://c', certificate-authority-data: 'bm90IHBlbQ=='}"),
            "does not contain PEM",
        ),
        (
            with_cluster("{server: 'https://c', certificate-authority: /nonexistent/ca.crt}"),
            "unable to read certificate-authority /nonexistent/ca.crt",
        ),
        (
            with_cluster(
                "{server: 'https://c', certificate-authority-data: 'Zm9v', insecure-skip-tls-verify: true}",
            ),
            "insecure flag is not allowed",
        ),
        (
            with_user("{token: t, username: u, password: p}"),
            "more than one authentication method",
        ),
        (
            with_user("{tokenFile: /nonexistent/token}"),
            "unable to read tokenFile /nonexistent/token",
        ),
        (
            with_user("{client-certificate-data: Zm9v}"),
            "client-key-data or client-key must be specified",
        ),
        (
            with_user("{client-key-data: Zm9v}"),
            "client-certificate-data or client-certificate must be specified",
        ),
        (
            with_user("{client-certificate: /nonexistent/c.crt, client-key-data: Zm9v}"),
            "unable to read client-certificate /nonexistent/c.crt",
        ),
        (
            with_user("{client-certificate-data: Zm9v, client-certificate: /x}"),
            "both specified",
        ),
        (
            with_user("{as-groups: [g]}"),
            "without impersonating a user",
        ),
        (
            with_user("{auth-provider: {name: gcp}}"),
            "gke-gcloud-auth-plugin",
        ),
        (with_user("{auth-provider: {name: azure}}"), "kubelogin"),
        (
            with_user("{auth-provider: {name: oidc, config: {id-token: x}}}"),
            "no Auth Provider found for name \"oidc\"",
        ),
        (
            with_user("{exec: {apiVersion: client.authentication.k8s.io/v1, command: x}}"),
            "interactiveMode must be specified",
        ),
        (
            with_user("{exec: {apiVersion: client.authentication.k8s.io/v1beta1}}"),
            "command must be specified",
        ),
        (
            with_user("{exec: {command: x}}"),
            "apiVersion must be specified",
        ),
        (
            with_user("{exec: {apiVersion: client.authentication.k8s.io/v1alpha1, command: x}}"),
            "unsupported apiVersion",
        ),
        (
            with_user(
                "{exec: {apiVersion: client.authentication.k8s.io/v1beta1, command: x, env: [{value: v}]}}",
            ),
            "env variable name must be specified",
        ),
    ];
    for (yaml, want) in &cases {
        let msg = err(yaml);
        assert!(msg.contains(want), "yaml:\n{yaml}\nwant {want:?} in: {msg}");
    }
}

#[test]
fn errors_are_typed() {
    assert!(matches!(
        build("current-context: nope\n"),
        Err(KubeconfigError::ContextNotFound(n)) if n == "nope"
    ));
    assert!(matches!(
        build(&with_cluster("{server: 'ftp://c'}")),
        Err(KubeconfigError::InvalidServer { cluster, .. }) if cluster == "c"
    ));
    assert!(matches!(
        build(&with_user("{auth-provider: {name: gcp}}")),
        Err(KubeconfigError::AuthProviderUnsupported { provider, .. }) if provider == "gcp"
    ));
    assert!(matches!(
        build("clusters: [\n"),
        Err(KubeconfigError::Parse { line: Some(_), .. })
    ));
    assert!(matches!(build(""), Err(KubeconfigError::Empty)));
}

#[test]
fn unreadable_kubeconfig_names_the_path() {
    let err =
        Config::from_kubeconfig_file(Path::new("/nonexistent/kubeconfig"), &Default::default())
            .unwrap_err();
    assert!(err.to_string().contains("/nonexistent/kubeconfig"), "{err}");
}

#[test]
fn client_cert_disables_exec_like_client_go() {
    let yaml = with_user(&format!(
        "{{client-certificate-data: {}, client-key-data: {}, exec: {{apiVersion: client.authentication.k8s.io/v1beta1, command: x}}}}",
        b64(CERT),
        b64(KEY)
    ));
    let c = build(&yaml).unwrap();
    assert!(c.auth.exec.is_none());
    assert!(c.tls.client_cert.is_some());
}
