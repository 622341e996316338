//! kclient and kubectl (a real client nobody here wrote) on the same server: what one
//! writes the other reads, and kubectl's field managers meet kclient's in server-side apply.

mod common;

use std::path::{Path, PathBuf};

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::ConfigMap;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kclient_client::ApiError;
use kclient_client::{ClientSet, LogOptions};
use kclient_core::{CreateOptions, GetOptions, PatchOptions};
use kclient_testserver::TestServer;
use tokio::process::Command;

struct Kubectl {
    dir: tempfile::TempDir,
    kubeconfig: PathBuf,
}

impl Kubectl {
    fn new(server: &TestServer) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let kubeconfig = dir.path().join("kubeconfig");
        server.write_kubeconfig(&kubeconfig).expect("kubeconfig");
        Self { dir, kubeconfig }
    }

    /// Runs kubectl with its own kubeconfig, cache and HOME; returns stdout, panics with
    /// stderr on failure.
    async fn run(&self, args: &[&str], stdin: Option<&str>) -> String {
        let bin = if Path::new("/usr/bin/kubectl").exists() {
            "/usr/bin/kubectl"
        } else {
            "kubectl"
        };
        let mut cmd = Command::new(bin);
        cmd.arg("--kubeconfig")
            .arg(&self.kubeconfig)
            .arg("--cache-dir")
            .arg(self.dir.path().join("cache"))
            .args(args)
            .env("HOME", self.dir.path())
            .env_remove("KUBECONFIG")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .kill_on_drop(true);
        let mut child = cmd.spawn().expect("kubectl runs");
        if let Some(input) = stdin {
            use tokio::io::AsyncWriteExt;
            let mut pipe = child.stdin.take().expect("stdin");
            pipe.write_all(input.as_bytes()).await.expect("write stdin");
        } else {
            drop(child.stdin.take());
        }
        let out = child.wait_with_output().await.expect("kubectl finishes");
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "kubectl {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        stdout
    }
}

const DEPLOYMENT: &str = r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: shared
  namespace: default
spec:
  replicas: 2
  selector:
    matchLabels: {app: shared}
  template:
    metadata:
      labels: {app: shared}
    spec:
      containers:
      - name: app
        image: nginx:1.25
"#;

#[tokio::test]
async fn kubectl_and_kclient_see_the_same_objects() {
    let server = TestServer::start().await.unwrap();
    let kubectl = Kubectl::new(&server);
    let cs = ClientSet::new(server.config().without_rate_limit()).unwrap();

    // kclient writes, kubectl reads.
    let cm = ConfigMap {
        metadata: ObjectMeta {
            name: Some("from-kclient".to_owned()),
            ..ObjectMeta::default()
        },
        data: Some([("k".to_owned(), "v".to_owned())].into()),
        ..ConfigMap::default()
    };
    cs.core_v1()
        .config_maps("default")
        .create(&cm, &CreateOptions::default())
        .await
        .unwrap();
    let json = kubectl
        .run(&["get", "configmap", "from-kclient", "-o", "json"], None)
        .await;
    let seen: ConfigMap = serde_json::from_str(&json).unwrap();
    assert_eq!(seen.data.unwrap()["k"], "v");

    // kubectl applies server-side, kclient reads and scales, kubectl sees the scale.
    kubectl
        .run(
            &[
                "apply",
                "--server-side",
                "--field-manager",
                "kubectl-user",
                "-f",
                "-",
            ],
            Some(DEPLOYMENT),
        )
        .await;
    let deploys = cs.apps_v1().deployments("default");
    let d = deploys.get("shared", &GetOptions::default()).await.unwrap();
    assert_eq!(d.spec.as_ref().unwrap().replicas, Some(2));

    // kclient applying another replica count as another manager conflicts with kubectl's
    // ownership of spec.replicas, until forced.
    let mut mine = shared_deployment();
    mine.spec.as_mut().unwrap().replicas = Some(4);
    let err = deploys
        .apply(&mine, &PatchOptions::apply("kclient-controller"))
        .await
        .unwrap_err();
    assert!(err.is_conflict(), "{err}");
    deploys
        .apply(&mine, &PatchOptions::apply("kclient-controller").force())
        .await
        .unwrap();
    let replicas = kubectl
        .run(
            &[
                "get",
                "deployment",
                "shared",
                "-o",
                "jsonpath={.spec.replicas}",
            ],
            None,
        )
        .await;
    assert_eq!(replicas.trim(), "4");

    kubectl
        .run(&["scale", "deployment", "shared", "--replicas=1"], None)
        .await;
    let scale = deploys
        .get_scale("shared", &GetOptions::default())
        .await
        .unwrap();
    assert_eq!(scale.spec.unwrap().replicas, Some(1));

    // Pod logs read by kubectl and by kclient are the same text.
    kubectl
        .run(
            &["run", "logger", "--image=busybox", "--restart=Never"],
            None,
        )
        .await;
    let by_kubectl = kubectl.run(&["logs", "logger", "--tail=3"], None).await;
    let by_kclient = cs
        .core_v1()
        .pods("default")
        .logs("logger", &LogOptions::default().tail_lines(3))
        .await
        .unwrap();
    assert_eq!(by_kubectl, by_kclient);
    assert_eq!(by_kclient.lines().count(), 3);
}

/// [`DEPLOYMENT`] as a typed object.
fn shared_deployment() -> Deployment {
    serde_json::from_value(serde_json::json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "shared", "namespace": "default"},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "shared"}},
            "template": {"metadata": {"labels": {"app": "shared"}},
                         "spec": {"containers": [{"name": "app", "image": "nginx:1.25"}]}}
        }
    }))
    .unwrap()
}
