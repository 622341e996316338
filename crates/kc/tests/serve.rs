//! `kc serve`: the embedded server on a free port with a kubeconfig kubectl can use, faults
//! switchable by flag, running until interrupted.

use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};

#[tokio::test]
async fn serve_writes_a_kubeconfig_kubectl_can_use_and_takes_fault_flags() {
    let dir = tempfile::tempdir().expect("tempdir");
    let kubeconfig = dir.path().join("kc.kubeconfig");
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_kc"))
        .args([
            "serve",
            "--port",
            "0",
            "--drop-watch-after",
            "5",
            "--kubeconfig-out",
        ])
        .arg(&kubeconfig)
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("kc serve starts");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let banner = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
        .await
        .expect("banner in time")
        .expect("read")
        .expect("a line");
    assert!(
        banner.starts_with("kclient-testserver listening on https://127.0.0.1:"),
        "{banner}"
    );
    let written = tokio::time::timeout(Duration::from_secs(10), lines.next_line())
        .await
        .expect("second line in time")
        .expect("read")
        .expect("a line");
    assert_eq!(
        written,
        format!("kubeconfig written to {}", kubeconfig.display())
    );

    let kubectl = tokio::process::Command::new("kubectl")
        .arg("--kubeconfig")
        .arg(&kubeconfig)
        .args(["get", "ns", "-o", "name"])
        .env("HOME", dir.path())
        .output()
        .await
        .expect("kubectl runs");
    assert!(
        kubectl.status.success(),
        "{}",
        String::from_utf8_lossy(&kubectl.stderr)
    );
    let names = String::from_utf8_lossy(&kubectl.stdout);
    assert!(names.lines().any(|l| l == "namespace/default"), "{names}");

    let client = kclient::rest::RestClient::new(
        kclient::config::Config::infer_with(Some(&kubeconfig), &Default::default())
            .expect("config"),
    )
    .expect("client");
    let faults: serde_json::Value = client
        .get()
        .abs_path(["/kclient-testserver/faults"])
        .into_json()
        .await
        .expect("faults");
    assert_eq!(faults["watchDropAfterEvents"], 5);

    child.start_kill().expect("interrupt");
    let _ = tokio::time::timeout(Duration::from_secs(10), child.wait()).await;
}
