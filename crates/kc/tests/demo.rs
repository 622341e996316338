//! The Quick start's first command: `kc demo` on the embedded server exits 0 having verified
//! every step.

use std::time::Duration;

#[tokio::test]
async fn demo_runs_every_step_on_the_embedded_server() {
    let home = tempfile::tempdir().expect("tempdir");
    let run = tokio::process::Command::new(env!("CARGO_BIN_EXE_kc"))
        .arg("demo")
        .env_remove("KUBECONFIG")
        .env("HOME", home.path())
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(Duration::from_secs(180), run)
        .await
        .expect("demo finished in time")
        .expect("kc runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "stdout:\n{stdout}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for step in [
        "[apps] [v1] [deployments]",
        "the stale update got 409 Conflict",
        "created deployment \"demo-deployment\"",
        "typed spec.replicas = 3",
        "gear (size 3), sprocket (size 5)",
        "is no longer served",
        "each annotated kclient.io/reconciled",
        "took over",
        "demo finished",
    ] {
        assert!(stdout.contains(step), "missing {step:?} in:\n{stdout}");
    }
    assert!(!stdout.contains('✗'));
}

#[tokio::test]
async fn demo_against_an_explicit_kubeconfig_uses_that_cluster() {
    let server = kclient::testserver::TestServer::start()
        .await
        .expect("server");
    let dir = tempfile::tempdir().expect("tempdir");
    let kubeconfig = dir.path().join("kubeconfig");
    server.write_kubeconfig(&kubeconfig).expect("kubeconfig");
    let run = tokio::process::Command::new(env!("CARGO_BIN_EXE_kc"))
        .arg("demo")
        .env("KUBECONFIG", &kubeconfig)
        .env("HOME", dir.path())
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(Duration::from_secs(180), run)
        .await
        .expect("demo finished in time")
        .expect("kc runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(
        !stdout.contains("starting the embedded API server"),
        "{stdout}"
    );
    // It cleaned up after itself: only the server's own namespaces are left.
    let client = kclient::rest::RestClient::new(server.config()).expect("client");
    let namespaces: serde_json::Value = client
        .get()
        .abs_path(["/api/v1/namespaces"])
        .into_json()
        .await
        .expect("list namespaces");
    let names: Vec<&str> = namespaces["items"]
        .as_array()
        .expect("items")
        .iter()
        // A namespace being deleted (Terminating) counts as removed.
        .filter(|ns| ns["metadata"]["deletionTimestamp"].is_null())
        .filter_map(|ns| ns["metadata"]["name"].as_str())
        .collect();
    assert!(
        names.iter().all(|n| !n.starts_with("kclient-demo-")),
        "left behind: {names:?}"
    );
}
