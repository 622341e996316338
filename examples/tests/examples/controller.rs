//! controller: mirrors, updates, repairs and deletes mirrored ConfigMaps, retries errors
//! with backoff, and of two replicas exactly one leads until it is killed.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::ConfigMap;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kclient::{Api, CreateOptions, DeleteOptions, GetOptions, Patch, PatchOptions};
use serde_json::json;

use crate::harness::{Env, Running};
use crate::leader_election::wait_for_leader;

const WAIT: Duration = Duration::from_secs(20);

fn configmap(name: &str, labels: &[(&str, &str)], data: &[(&str, &str)]) -> ConfigMap {
    let map = |kv: &[(&str, &str)]| -> BTreeMap<String, String> {
        kv.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    };
    ConfigMap {
        metadata: ObjectMeta {
            name: Some(name.to_owned()),
            labels: Some(map(labels)),
            ..ObjectMeta::default()
        },
        data: Some(map(data)),
        ..ConfigMap::default()
    }
}

async fn eventually_gone(api: &Api<ConfigMap>, name: &str) {
    let deadline = Instant::now() + WAIT;
    while api
        .get_opt(name, &GetOptions::default())
        .await
        .expect("get")
        .is_some()
    {
        assert!(Instant::now() < deadline, "{name} still exists");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn replica(env: &Env, id: &str) -> Running {
    env.spawn(
        "controller",
        &[
            "--identity",
            id,
            "--namespace",
            "default",
            "--target-namespace",
            "mirror",
            "--workers",
            "2",
            "--lease-duration",
            "2s",
            "--renew-deadline",
            "1500ms",
            "--retry-period",
            "250ms",
            "--duration",
            "180s",
        ],
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn controller_mirrors_labelled_configmaps_under_leader_election() {
    let env = Env::start().await;
    let source = env.clientset.core_v1().config_maps("default");
    let target = env.clientset.core_v1().config_maps("mirror");
    let create = CreateOptions::default();
    // Present before the controller starts: mirrored from the initial list.
    source
        .create(
            &configmap("early", &[("kclient.io/mirror", "true")], &[("k", "v")]),
            &create,
        )
        .await
        .expect("create");

    let ids = ["r1", "r2"];
    let mut r1 = replica(&env, ids[0]);
    let mut r2 = replica(&env, ids[1]);
    let leader = wait_for_leader(&mut [&mut r1, &mut r2], &ids, WAIT).await;
    let (mut leading, mut following) = if leader == 0 { (r1, r2) } else { (r2, r1) };
    let (lid, fid) = (ids[leader], ids[1 - leader]);
    following
        .wait_for_line(&format!("{fid}: new leader elected: {lid}"), WAIT)
        .await;
    leading
        .wait_for(&format!("{lid}: caches synced"), WAIT, |l| {
            l.starts_with(&format!("{lid}: caches synced"))
        })
        .await;
    leading
        .wait_for_line(
            &format!("{lid}: mirrored default/early -> mirror/early"),
            WAIT,
        )
        .await;

    // Create: labelled ConfigMaps are mirrored, others are not.
    source
        .create(
            &configmap(
                "settings",
                &[("kclient.io/mirror", "true"), ("app", "web")],
                &[("a", "1")],
            ),
            &create,
        )
        .await
        .expect("create");
    source
        .create(&configmap("plain", &[], &[("x", "y")]), &create)
        .await
        .expect("create");
    leading
        .wait_for_line(
            &format!("{lid}: mirrored default/settings -> mirror/settings"),
            WAIT,
        )
        .await;
    let mirror = target
        .get("settings", &GetOptions::default())
        .await
        .expect("mirror");
    assert_eq!(mirror.data, Some([("a".to_owned(), "1".to_owned())].into()));
    let labels = mirror.metadata.labels.clone().unwrap_or_default();
    assert_eq!(labels.get("app").map(String::as_str), Some("web"));
    assert_eq!(
        labels.get("kclient.io/mirrored").map(String::as_str),
        Some("true")
    );
    assert!(!labels.contains_key("kclient.io/mirror"));
    let annotations = mirror.metadata.annotations.clone().unwrap_or_default();
    assert_eq!(
        annotations.get("kclient.io/mirror-of").map(String::as_str),
        Some("default/settings")
    );
    let src = source
        .get("settings", &GetOptions::default())
        .await
        .expect("source");
    assert_eq!(
        src.metadata.finalizers,
        Some(vec!["kclient.io/mirror-cleanup".to_owned()])
    );

    // Update: the mirror follows the source.
    source
        .patch(
            "settings",
            &Patch::Merge(json!({"data": {"a": "2", "b": "3"}})),
            &PatchOptions::default(),
        )
        .await
        .expect("patch");
    leading
        .wait_for_line(
            &format!("{lid}: updated mirror mirror/settings from default/settings"),
            WAIT,
        )
        .await;
    let mirror = target
        .get("settings", &GetOptions::default())
        .await
        .expect("mirror");
    assert_eq!(
        mirror.data,
        Some(
            [
                ("a".to_owned(), "2".to_owned()),
                ("b".to_owned(), "3".to_owned())
            ]
            .into()
        )
    );

    // A mirror edited by someone else is repaired.
    target
        .patch(
            "settings",
            &Patch::Merge(json!({"data": {"a": "tampered"}})),
            &PatchOptions::default(),
        )
        .await
        .expect("patch");
    leading
        .wait_for_line(
            &format!("{lid}: updated mirror mirror/settings from default/settings"),
            WAIT,
        )
        .await;
    let mirror = target
        .get("settings", &GetOptions::default())
        .await
        .expect("mirror");
    assert_eq!(
        mirror.data.unwrap_or_default().get("a").map(String::as_str),
        Some("2")
    );

    // Delete: the finalizer holds the source until the mirror is gone.
    source
        .delete("settings", &DeleteOptions::default())
        .await
        .expect("delete");
    leading
        .wait_for_line(
            &format!("{lid}: deleted mirror mirror/settings (source default/settings deleted)"),
            WAIT,
        )
        .await;
    leading
        .wait_for_line(
            &format!("{lid}: removed finalizer from default/settings"),
            WAIT,
        )
        .await;
    eventually_gone(&source, "settings").await;
    eventually_gone(&target, "settings").await;

    // Unlabelling: the mirror goes, the source stays, without the finalizer.
    source
        .patch(
            "early",
            &Patch::Merge(json!({"metadata": {"labels": {"kclient.io/mirror": null}}})),
            &PatchOptions::default(),
        )
        .await
        .expect("patch");
    leading
        .wait_for_line(
            &format!(
                "{lid}: deleted mirror mirror/early (source default/early no longer labelled)"
            ),
            WAIT,
        )
        .await;
    leading
        .wait_for_line(
            &format!("{lid}: removed finalizer from default/early"),
            WAIT,
        )
        .await;
    eventually_gone(&target, "early").await;
    let early = source
        .get("early", &GetOptions::default())
        .await
        .expect("source stays");
    assert!(early.metadata.finalizers.unwrap_or_default().is_empty());

    // Errors are retried with backoff: a foreign ConfigMap blocks the mirror's name until
    // it is removed.
    target
        .create(
            &configmap("taken", &[], &[("owner", "someone else")]),
            &create,
        )
        .await
        .expect("create");
    source
        .create(
            &configmap(
                "taken",
                &[("kclient.io/mirror", "true")],
                &[("mine", "yes")],
            ),
            &create,
        )
        .await
        .expect("create");
    let error = format!("{lid}: worker ");
    let blocked = "error syncing default/taken: mirror/taken exists and is not a mirror of default/taken; requeued (retry 3)";
    leading
        .wait_for("a third retry", WAIT, |l| {
            l.starts_with(&error) && l.ends_with(blocked)
        })
        .await;
    target
        .delete("taken", &DeleteOptions::default())
        .await
        .expect("delete");
    leading
        .wait_for_line(
            &format!("{lid}: mirrored default/taken -> mirror/taken"),
            WAIT,
        )
        .await;
    let mirror = target
        .get("taken", &GetOptions::default())
        .await
        .expect("mirror");
    assert_eq!(
        mirror
            .data
            .unwrap_or_default()
            .get("mine")
            .map(String::as_str),
        Some("yes")
    );

    // Exactly one replica led so far, and "plain" was never mirrored.
    following.collect_for(Duration::from_millis(100)).await;
    assert!(
        !following.has_seen(|l| l == format!("{fid}: started leading")),
        "both replicas led\n{}",
        following.transcript()
    );
    assert!(
        !following.has_seen(|l| l.contains("mirrored")),
        "{}",
        following.transcript()
    );
    assert!(
        target
            .get_opt("plain", &GetOptions::default())
            .await
            .expect("get")
            .is_none()
    );

    // Fail-over: kill the leader; the other replica takes over within the lease duration
    // (plus a retry period) and carries on.
    leading.kill().await;
    let killed = Instant::now();
    following
        .wait_for_line(&format!("{fid}: started leading"), Duration::from_secs(15))
        .await;
    let took = killed.elapsed();
    assert!(took < Duration::from_secs(10), "take-over took {took:?}");
    following
        .wait_for(&format!("{fid}: caches synced"), WAIT, |l| {
            l.starts_with(&format!("{fid}: caches synced"))
        })
        .await;
    source
        .create(
            &configmap(
                "after-failover",
                &[("kclient.io/mirror", "true")],
                &[("n", "1")],
            ),
            &create,
        )
        .await
        .expect("create");
    following
        .wait_for_line(
            &format!("{fid}: mirrored default/after-failover -> mirror/after-failover"),
            WAIT,
        )
        .await;

    // A clean stop: workers drain, the Lease is released, exit 0.
    following.interrupt();
    let status = following.wait_exit(WAIT).await;
    assert!(
        status.success(),
        "exit {status}\n{}",
        following.transcript()
    );
    assert!(
        following.has_seen(|l| l == format!("{fid}: exiting (Cancelled)")),
        "{}",
        following.transcript()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn controller_cleans_up_mirrors_whose_source_was_deleted_while_it_was_down() {
    let env = Env::start().await;
    let source = env.clientset.core_v1().config_maps("default");
    let target = env.clientset.core_v1().config_maps("mirror");
    let mut first = replica(&env, "one");
    first
        .wait_for("caches synced", WAIT, |l| {
            l.starts_with("one: caches synced")
        })
        .await;
    source
        .create(
            &configmap("gone", &[("kclient.io/mirror", "true")], &[("a", "1")]),
            &CreateOptions::default(),
        )
        .await
        .expect("create");
    first
        .wait_for_line("one: mirrored default/gone -> mirror/gone", WAIT)
        .await;
    first.interrupt();
    assert!(
        first.wait_exit(WAIT).await.success(),
        "{}",
        first.transcript()
    );

    // While no controller runs, the finalizer keeps the deleted source around...
    source
        .delete("gone", &DeleteOptions::default())
        .await
        .expect("delete");
    let held = source
        .get("gone", &GetOptions::default())
        .await
        .expect("held by the finalizer");
    assert!(held.metadata.deletion_timestamp.is_some());

    // ... and the next controller finishes the job. Its lease was released: no wait.
    let mut second = replica(&env, "two");
    second
        .wait_for_line(
            "two: deleted mirror mirror/gone (source default/gone deleted)",
            WAIT,
        )
        .await;
    eventually_gone(&source, "gone").await;
    eventually_gone(&target, "gone").await;
    second.interrupt();
    assert!(
        second.wait_exit(WAIT).await.success(),
        "{}",
        second.transcript()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_controller_that_cannot_work_exits_instead_of_holding_the_lease() {
    let env = Env::start().await;
    // Not a valid namespace name: creating it is rejected (422), so the controller fails.
    let mut broken = env.spawn(
        "controller",
        &[
            "--identity",
            "broken",
            "--target-namespace",
            "Not_A_Namespace",
            "--duration",
            "60s",
        ],
    );
    broken.wait_for_line("broken: started leading", WAIT).await;
    let status = broken.wait_exit(WAIT).await;
    assert_eq!(status.code(), Some(1), "{}", broken.transcript());
    assert!(
        broken.stderr().starts_with("error: controller failed: "),
        "{}",
        broken.transcript()
    );
    assert!(
        broken.has_seen(|l| l == "broken: exiting (Cancelled)"),
        "{}",
        broken.transcript()
    );
    // The Lease was released on the way out.
    let lease = kclient::Api::<k8s_openapi::api::coordination::v1::Lease>::namespaced(
        env.clientset.client().clone(),
        "default",
    )
    .get("kclient-configmap-mirror", &GetOptions::default())
    .await
    .expect("lease");
    let holder = lease
        .spec
        .and_then(|s| s.holder_identity)
        .unwrap_or_default();
    assert!(holder.is_empty(), "still held by {holder:?}");
}
