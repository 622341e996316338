//! client-go's loading rules: explicit path, `$KUBECONFIG` merging, `~/.kube/config`.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use kclient_config::{Config, Kubeconfig, KubeconfigError, KubeconfigLoader, KubeconfigOptions};

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, text).unwrap();
    path
}

fn env_list(paths: &[&Path]) -> Option<OsString> {
    Some(std::env::join_paths(paths).unwrap())
}

fn server_of(kc: &Kubeconfig, cluster: &str) -> String {
    kc.find_cluster(cluster)
        .and_then(|c| c.cluster.as_ref())
        .and_then(|c| c.server.clone())
        .unwrap_or_default()
}

const FILE1: &str = r#"
clusters:
- name: shared
  cluster: {server: "https://from-file1"}
- name: only1
  cluster: {server: "https://only1"}
users:
- name: shared
  user: {token: t1}
contexts:
- name: shared
  context: {cluster: shared, user: shared, namespace: ns1}
"#;

const FILE2: &str = r#"
current-context: shared
clusters:
- name: shared
  cluster: {server: "https://from-file2"}
- name: only2
  cluster: {server: "https://only2"}
users:
- name: shared
  user: {token: t2}
- name: user2
  user: {username: bob, password: pw}
contexts:
- name: shared
  context: {cluster: shared, user: shared, namespace: ns2}
- name: ctx2
  context: {cluster: only1, user: user2}
"#;

const FILE3: &str = "current-context: ctx2\n";

#[test]
fn first_file_to_define_a_name_wins() {
    let dir = tempfile::tempdir().unwrap();
    let f1 = write(dir.path(), "one", FILE1);
    let f2 = write(dir.path(), "two", FILE2);
    let kc = Kubeconfig::load_paths(&[f1.clone(), f2.clone()]).unwrap();
    assert_eq!(server_of(&kc, "shared"), "https://from-file1");
    assert_eq!(server_of(&kc, "only1"), "https://only1");
    assert_eq!(server_of(&kc, "only2"), "https://only2");
    assert_eq!(kc.clusters.len(), 3);
    assert_eq!(kc.auth_infos.len(), 2);
    let ctx = kc.find_context("shared").unwrap().context.clone().unwrap();
    assert_eq!(ctx.namespace.as_deref(), Some("ns1"));

    // Reversed order: file2 now wins every shared key.
    let kc = Kubeconfig::load_paths(&[f2, f1]).unwrap();
    assert_eq!(server_of(&kc, "shared"), "https://from-file2");
}

#[test]
fn current_context_first_non_empty_wins() {
    let dir = tempfile::tempdir().unwrap();
    let f1 = write(dir.path(), "one", FILE1); // no current-context
    let f2 = write(dir.path(), "two", FILE2); // current-context: shared
    let f3 = write(dir.path(), "three", FILE3); // current-context: ctx2
    let empty = write(dir.path(), "empty", "current-context: \"\"\n");
    let cases: [(&[&Path], Option<&str>); 5] = [
        (&[&f1, &f2, &f3], Some("shared")),
        (&[&f3, &f2], Some("ctx2")),
        (&[&empty, &f3], Some("ctx2")),
        (&[&f1], None),
        (&[&empty], None),
    ];
    for (files, want) in cases {
        let paths: Vec<PathBuf> = files.iter().map(|p| p.to_path_buf()).collect();
        let kc = Kubeconfig::load_paths(&paths).unwrap();
        assert_eq!(kc.current_context_name(), want, "{files:?}");
    }
}

#[test]
fn merged_files_can_reference_each_other() {
    let dir = tempfile::tempdir().unwrap();
    let f1 = write(dir.path(), "one", FILE1);
    let f3 = write(dir.path(), "three", FILE3);
    let f2 = write(dir.path(), "two", FILE2);
    // ctx2 (file2) -> cluster only1 (file1), user user2 (file2); current-context from file3.
    let loader = KubeconfigLoader {
        kubeconfig_env: env_list(&[&f3, &f1, &f2]),
        ..Default::default()
    };
    let kc = loader.load().unwrap();
    let config = Config::from_kubeconfig(&kc, &KubeconfigOptions::default()).unwrap();
    assert_eq!(config.host.to_string(), "https://only1/");
    assert_eq!(config.auth.basic.as_ref().unwrap().username, "bob");
    assert_eq!(config.default_namespace, "default");
}

#[test]
fn kubeconfig_env_skips_missing_and_empty_entries() {
    let dir = tempfile::tempdir().unwrap();
    let f2 = write(dir.path(), "two", FILE2);
    let missing = dir.path().join("missing");
    let loader = KubeconfigLoader {
        kubeconfig_env: env_list(&[&missing, Path::new(""), &f2, &f2]),
        home_dir: Some(dir.path().join("home")),
        ..Default::default()
    };
    assert_eq!(loader.precedence(), [missing, f2.clone()]);
    let kc = loader.load().unwrap();
    assert_eq!(server_of(&kc, "shared"), "https://from-file2");
}

#[test]
fn kubeconfig_env_wins_over_home_and_explicit_wins_over_both() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    write(&home, ".kube/config", FILE1);
    let f2 = write(dir.path(), "two", FILE2);
    let f3 = write(dir.path(), "three", FILE3);

    let home_only = KubeconfigLoader {
        home_dir: Some(home.clone()),
        ..Default::default()
    };
    assert_eq!(
        server_of(&home_only.load().unwrap(), "shared"),
        "https://from-file1"
    );

    let with_env = KubeconfigLoader {
        kubeconfig_env: env_list(&[&f2]),
        ..home_only.clone()
    };
    assert_eq!(
        server_of(&with_env.load().unwrap(), "shared"),
        "https://from-file2"
    );

    // Explicit path: only that file, nothing merged.
    let explicit = with_env.clone().with_explicit_path(Some(&f3));
    let kc = explicit.load().unwrap();
    assert!(kc.clusters.is_empty());
    assert_eq!(kc.current_context_name(), Some("ctx2"));

    // An empty $KUBECONFIG counts as unset.
    let empty_env = KubeconfigLoader {
        kubeconfig_env: Some(OsString::new()),
        ..home_only
    };
    assert_eq!(
        server_of(&empty_env.load().unwrap(), "shared"),
        "https://from-file1"
    );
}

#[test]
fn missing_explicit_path_is_an_error_but_missing_defaults_are_not() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.yaml");
    let err = KubeconfigLoader::default()
        .with_explicit_path(Some(&missing))
        .load()
        .unwrap_err();
    assert!(
        matches!(err, KubeconfigError::ExplicitNotFound { .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("nope.yaml"), "{err}");

    let nothing = KubeconfigLoader {
        home_dir: Some(dir.path().to_path_buf()),
        ..Default::default()
    };
    assert!(nothing.load().unwrap().is_empty());
    let err = Config::from_kubeconfig(&nothing.load().unwrap(), &Default::default()).unwrap_err();
    assert!(matches!(err, KubeconfigError::Empty), "{err:?}");
}

#[test]
fn unreadable_or_broken_files_in_the_chain_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let good = write(dir.path(), "good", FILE1);
    let broken = write(
        dir.path(),
        "broken",
        "clusters:\n- name: x\n  cluster: {server: [\n",
    );
    let err = Kubeconfig::load_paths(&[good.clone(), broken.clone()]).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("broken"), "{msg}");
    assert!(msg.contains("line"), "{msg}");

    // A directory exists but cannot be read as a file.
    let as_dir = dir.path().join("adir");
    std::fs::create_dir(&as_dir).unwrap();
    let err = Kubeconfig::load_paths(&[as_dir.clone(), good]).unwrap_err();
    assert!(matches!(err, KubeconfigError::Read { .. }), "{err:?}");
    assert!(err.to_string().contains("adir"), "{err}");
}

#[test]
fn relative_paths_resolve_against_each_files_directory() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(
        dir.path(),
        "a/config",
        "clusters:\n- name: a\n  cluster: {server: https://a, certificate-authority: certs/ca.pem}\n\
         users:\n- name: a\n  user: {client-certificate: c.pem, client-key: /abs/k.pem, tokenFile: tok}\n",
    );
    let b = write(
        dir.path(),
        "b/config",
        "clusters:\n- name: b\n  cluster: {server: https://b, certificate-authority: ca.pem}\n",
    );
    let kc = Kubeconfig::load_paths(&[a, b]).unwrap();
    let ca = |name: &str| {
        kc.find_cluster(name)
            .unwrap()
            .cluster
            .as_ref()
            .unwrap()
            .certificate_authority
            .clone()
            .unwrap()
    };
    let base = std::path::absolute(dir.path()).unwrap();
    assert_eq!(Path::new(&ca("a")), base.join("a/certs/ca.pem"));
    assert_eq!(Path::new(&ca("b")), base.join("b/ca.pem"));
    let user = kc.find_auth_info("a").unwrap().auth_info.as_ref().unwrap();
    assert_eq!(
        Path::new(user.client_certificate.as_ref().unwrap()),
        base.join("a/c.pem")
    );
    assert_eq!(user.client_key.as_deref(), Some("/abs/k.pem"));
    assert_eq!(
        Path::new(user.token_file.as_ref().unwrap()),
        base.join("a/tok")
    );
}

#[test]
fn written_yaml_reads_back() {
    let kc = Kubeconfig::from_yaml(FILE2).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "out", &kc.to_yaml().unwrap());
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.contains("kind: Config") && text.contains("apiVersion: v1"),
        "{text}"
    );
    let back = Kubeconfig::read_from(&path).unwrap();
    assert_eq!(back.clusters, kc.clusters);
    assert_eq!(back.contexts, kc.contexts);
    assert_eq!(back.current_context, kc.current_context);
}
