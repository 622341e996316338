//! In-cluster configuration from an injected service account directory and environment,
//! and `Config::infer`'s fallback to it.

use std::collections::HashMap;
use std::path::Path;

use kclient_config::{
    Config, ConfigError, ExposeSecret, InClusterError, KubeconfigError, KubeconfigLoader,
    KubeconfigOptions,
};

const CA: &str = "-----BEGIN CERTIFICATE-----\nQ0E=\n-----END CERTIFICATE-----\n";

fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn service_account(dir: &Path, namespace: Option<&str>) {
    std::fs::write(dir.join("token"), "sa-token\n").unwrap();
    std::fs::write(dir.join("ca.crt"), CA).unwrap();
    if let Some(ns) = namespace {
        std::fs::write(dir.join("namespace"), ns).unwrap();
    }
}

const SVC: [(&str, &str); 2] = [
    ("KUBERNETES_SERVICE_HOST", "10.96.0.1"),
    ("KUBERNETES_SERVICE_PORT", "443"),
];

#[test]
fn reads_token_ca_and_namespace() {
    let dir = tempfile::tempdir().unwrap();
    service_account(dir.path(), Some("team-a\n"));
    let c = Config::incluster_from(dir.path(), &env(&SVC)).unwrap();
    assert_eq!(c.host.to_string(), "https://10.96.0.1:443/");
    assert_eq!(c.tls.ca_data.as_deref(), Some(CA.as_bytes()));
    assert_eq!(
        c.auth.bearer_token.as_ref().unwrap().expose_secret(),
        "sa-token"
    );
    assert_eq!(
        c.auth.token_file.as_deref(),
        Some(dir.path().join("token").as_path())
    );
    assert_eq!(c.default_namespace, "team-a");
}

#[test]
fn ipv6_host_is_bracketed() {
    let dir = tempfile::tempdir().unwrap();
    service_account(dir.path(), None);
    let e = env(&[
        ("KUBERNETES_SERVICE_HOST", "fd00::1"),
        ("KUBERNETES_SERVICE_PORT", "6443"),
    ]);
    let c = Config::incluster_from(dir.path(), &e).unwrap();
    assert_eq!(c.host.to_string(), "https://[fd00::1]:6443/");
    assert_eq!(c.default_namespace, "default");
}

#[test]
fn pod_namespace_env_wins() {
    let dir = tempfile::tempdir().unwrap();
    service_account(dir.path(), Some("from-file"));
    let mut e = env(&SVC);
    e.insert("POD_NAMESPACE".into(), "from-env".into());
    let c = Config::incluster_from(dir.path(), &e).unwrap();
    assert_eq!(c.default_namespace, "from-env");
}

#[test]
fn not_in_cluster_without_env() {
    let dir = tempfile::tempdir().unwrap();
    for e in [
        env(&[]),
        env(&[("KUBERNETES_SERVICE_HOST", "10.0.0.1")]),
        env(&[("KUBERNETES_SERVICE_PORT", "443")]),
        env(&[
            ("KUBERNETES_SERVICE_HOST", ""),
            ("KUBERNETES_SERVICE_PORT", "443"),
        ]),
    ] {
        let err = Config::incluster_from(dir.path(), &e).unwrap_err();
        assert!(matches!(err, InClusterError::NotInCluster), "{err:?}");
    }
}

#[test]
fn missing_token_is_an_error_but_missing_ca_is_not() {
    let dir = tempfile::tempdir().unwrap();
    let err = Config::incluster_from(dir.path(), &env(&SVC)).unwrap_err();
    assert!(matches!(err, InClusterError::Token { .. }), "{err:?}");
    assert!(err.to_string().contains("token"), "{err}");

    std::fs::write(dir.path().join("token"), "t").unwrap();
    let c = Config::incluster_from(dir.path(), &env(&SVC)).unwrap();
    assert!(c.tls.ca_data.is_none());
}

#[test]
fn bad_service_address_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    service_account(dir.path(), None);
    let e = env(&[
        ("KUBERNETES_SERVICE_HOST", "10.0.0.1"),
        ("KUBERNETES_SERVICE_PORT", "https"),
    ]);
    let err = Config::incluster_from(dir.path(), &e).unwrap_err();
    assert!(
        matches!(err, InClusterError::InvalidAddress { .. }),
        "{err:?}"
    );
}

fn in_cluster_ok(dir: &Path) -> impl FnOnce() -> Result<Config, InClusterError> + '_ {
    move || Config::incluster_from(dir, &env(&SVC))
}

#[test]
fn infer_falls_back_to_in_cluster_only_without_kubeconfig() {
    let dir = tempfile::tempdir().unwrap();
    service_account(dir.path(), Some("sa-ns"));
    let no_files = KubeconfigLoader {
        home_dir: Some(dir.path().join("home")),
        ..Default::default()
    };
    let c = Config::infer_from_sources(
        &no_files,
        &KubeconfigOptions::default(),
        in_cluster_ok(dir.path()),
    )
    .unwrap();
    assert_eq!(c.host.to_string(), "https://10.96.0.1:443/");
    assert_eq!(c.default_namespace, "sa-ns");

    // The namespace flag still applies in-cluster.
    let opts = KubeconfigOptions {
        namespace: Some("flag-ns".into()),
        ..Default::default()
    };
    let c = Config::infer_from_sources(&no_files, &opts, in_cluster_ok(dir.path())).unwrap();
    assert_eq!(c.default_namespace, "flag-ns");

    // Not in a cluster either: the "no configuration" error.
    let err = Config::infer_from_sources(&no_files, &KubeconfigOptions::default(), || {
        Err(InClusterError::NotInCluster)
    })
    .unwrap_err();
    assert!(
        matches!(err, ConfigError::Kubeconfig(KubeconfigError::Empty)),
        "{err:?}"
    );

    // A kubeconfig in $HOME takes precedence over in-cluster.
    let home = dir.path().join("home");
    std::fs::create_dir_all(home.join(".kube")).unwrap();
    std::fs::write(
        home.join(".kube/config"),
        "current-context: x\nclusters:\n- name: x\n  cluster: {server: https://from-home}\ncontexts:\n- name: x\n  context: {cluster: x}\n",
    )
    .unwrap();
    let c = Config::infer_from_sources(&no_files, &KubeconfigOptions::default(), || {
        panic!("in-cluster must not be consulted")
    })
    .unwrap();
    assert_eq!(c.host.to_string(), "https://from-home/");
}

#[test]
fn infer_with_explicit_missing_path_does_not_fall_back() {
    let dir = tempfile::tempdir().unwrap();
    service_account(dir.path(), None);
    let loader = KubeconfigLoader::default().with_explicit_path(Some(dir.path().join("missing")));
    let err = Config::infer_from_sources(
        &loader,
        &KubeconfigOptions::default(),
        in_cluster_ok(dir.path()),
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            ConfigError::Kubeconfig(KubeconfigError::ExplicitNotFound { .. })
        ),
        "{err:?}"
    );
}
