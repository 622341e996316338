//! informer: ADD/UPDATE/DELETE lines for changes the test makes, and the cache after sync.

use std::time::Duration;

use k8s_openapi::api::core::v1::{ConfigMap, Pod};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kclient::{CreateOptions, DeleteOptions, ListOptions, Patch, PatchOptions};
use serde_json::json;

use crate::harness::Env;

const WAIT: Duration = Duration::from_secs(20);

fn pod(name: &str) -> Pod {
    serde_json::from_value(json!({
        "metadata": {"name": name},
        "spec": {"containers": [{"name": "main", "image": "nginx:1.25"}]}
    }))
    .expect("pod")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn informer_prints_adds_updates_deletes_and_the_synced_cache() {
    let env = Env::start().await;
    let pods = env.clientset.core_v1().pods("default");
    pods.create(&pod("before"), &CreateOptions::default())
        .await
        .expect("pod");
    let kube_system = env.clientset.core_v1().pods("kube-system");
    kube_system
        .create(&pod("dns"), &CreateOptions::default())
        .await
        .expect("pod");

    let mut informer = env.spawn("informer", &["--resource", "pods", "--duration", "120s"]);
    informer
        .wait_for_line("synced: 2 objects in the cache", WAIT)
        .await;
    assert!(
        informer.has_seen(|l| l == "ADD default/before"),
        "{}",
        informer.transcript()
    );
    assert!(
        informer.has_seen(|l| l == "ADD kube-system/dns"),
        "{}",
        informer.transcript()
    );
    informer
        .wait_for("the cached default/before", WAIT, |l| {
            l.starts_with("  default/before (resourceVersion ")
        })
        .await;
    informer
        .wait_for_line("  namespace default: 1 objects", WAIT)
        .await;
    informer
        .wait_for_line("  namespace kube-system: 1 objects", WAIT)
        .await;

    pods.create(&pod("web"), &CreateOptions::default())
        .await
        .expect("pod");
    informer.wait_for_line("ADD default/web", WAIT).await;
    pods.patch(
        "web",
        &Patch::Merge(json!({"metadata": {"labels": {"tier": "frontend"}}})),
        &PatchOptions::default(),
    )
    .await
    .expect("patch");
    informer.wait_for_line("UPDATE default/web", WAIT).await;
    pods.delete("web", &DeleteOptions::default())
        .await
        .expect("delete");
    informer.wait_for_line("DELETE default/web", WAIT).await;

    // Ctrl-C ends it cleanly.
    informer.interrupt();
    let status = informer.wait_exit(WAIT).await;
    assert!(status.success(), "exit {status}\n{}", informer.transcript());
    assert!(
        informer.has_seen(|l| l == "stopping"),
        "{}",
        informer.transcript()
    );
    // Nothing happened to default/before after the initial list.
    let before: Vec<_> = informer
        .seen()
        .iter()
        .filter(|l| l.ends_with("default/before"))
        .collect();
    assert_eq!(before, ["ADD default/before"], "{}", informer.transcript());
    let listed = pods.list(&ListOptions::default()).await.expect("list");
    assert_eq!(listed.items.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_compact_informer_filters_by_namespace_and_labels_and_stops_after_its_duration() {
    let env = Env::start().await;
    for (ns, name, tier) in [
        ("default", "a", "web"),
        ("default", "b", "db"),
        ("kube-system", "c", "web"),
    ] {
        let cm = ConfigMap {
            metadata: ObjectMeta {
                name: Some(name.to_owned()),
                labels: Some([("tier".to_owned(), tier.to_owned())].into()),
                ..ObjectMeta::default()
            },
            ..ConfigMap::default()
        };
        env.clientset
            .core_v1()
            .config_maps(ns)
            .create(&cm, &CreateOptions::default())
            .await
            .expect("configmap");
    }
    let mut informer = env.spawn(
        "informer",
        &[
            "--resource",
            "configmaps",
            "-n",
            "default",
            "-l",
            "tier=web",
            "--duration",
            "2s",
            "--compact",
        ],
    );
    informer
        .wait_for_line("synced: 1 objects in the cache", WAIT)
        .await;
    let status = informer.wait_exit(WAIT).await;
    assert!(status.success(), "exit {status}\n{}", informer.transcript());
    let adds: Vec<_> = informer
        .seen()
        .iter()
        .filter(|l| l.starts_with("ADD "))
        .collect();
    assert_eq!(adds, ["ADD default/a"], "{}", informer.transcript());
    assert!(
        informer.has_seen(|l| l.starts_with("compact: 1 objects decoded from ")),
        "{}",
        informer.transcript()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn informer_resync_redelivers_unchanged_objects_as_updates() {
    let env = Env::start().await;
    let cm = ConfigMap {
        metadata: ObjectMeta {
            name: Some("steady".to_owned()),
            ..ObjectMeta::default()
        },
        ..ConfigMap::default()
    };
    env.clientset
        .core_v1()
        .config_maps("default")
        .create(&cm, &CreateOptions::default())
        .await
        .expect("configmap");
    let mut informer = env.spawn(
        "informer",
        &[
            "--resource",
            "configmaps",
            "-n",
            "default",
            "--resync",
            "300ms",
            "--duration",
            "30s",
        ],
    );
    informer.wait_for_line("ADD default/steady", WAIT).await;
    // Nothing changes on the server, yet every resync period the handler hears of it again.
    informer.wait_for_line("UPDATE default/steady", WAIT).await;
    informer.wait_for_line("UPDATE default/steady", WAIT).await;
    informer.interrupt();
    assert!(
        informer.wait_exit(WAIT).await.success(),
        "{}",
        informer.transcript()
    );
}
