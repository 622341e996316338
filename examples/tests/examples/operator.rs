//! operator: `--print-crd` is a CRD kubectl applies; the operator installs its CRD, keeps a
//! ConfigSet's owned ConfigMaps, records events, writes status, and its finalizer deletes
//! the ConfigMaps before the ConfigSet goes.

use std::process::Stdio;
use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::ConfigMap;
use k8s_openapi::api::events::v1::Event;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kclient::core::crd::structural::validate_crd_schemas;
use kclient::prelude::*;
use serde_json::{Value, json};
use tokio::io::AsyncWriteExt;

use crate::harness::{Env, Running, run_command};

const WAIT: Duration = Duration::from_secs(20);
const CRD: &str = "configsets.examples.kclient.io";

fn configsets(env: &Env) -> kclient::client::DynamicResource {
    DynamicClient::new(env.clientset.client().clone())
        .resource(&GroupVersionResource::gvr(
            "examples.kclient.io",
            "v1",
            "configsets",
        ))
        .namespace("default")
}

/// Polls `probe` every 50 ms until it returns `Some`, panicking with `what` after `WAIT`.
async fn eventually<T, F: Future<Output = Option<T>>>(what: &str, probe: impl Fn() -> F) -> T {
    let deadline = Instant::now() + WAIT;
    loop {
        if let Some(found) = probe().await {
            return found;
        }
        assert!(Instant::now() < deadline, "never: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Creates the ConfigSet `name` in `default`; returns its uid.
async fn create_configset(env: &Env, name: &str, spec: Value) -> String {
    let set = json!({
        "apiVersion": "examples.kclient.io/v1", "kind": "ConfigSet",
        "metadata": {"name": name}, "spec": spec,
    });
    let created = configsets(env)
        .create(&set.try_into().expect("object"), &CreateOptions::default())
        .await
        .expect("create ConfigSet");
    created.uid().expect("uid").to_owned()
}

/// Interrupts the operator, which exits 0 after its reconciles in flight.
async fn stop(mut operator: Running) {
    operator.interrupt();
    let status = operator.wait_exit(WAIT).await;
    assert!(status.success(), "{}", operator.transcript());
    assert!(
        operator.has_seen(|l| l == "exiting (Cancelled)"),
        "{}",
        operator.transcript()
    );
}

async fn config_map(env: &Env, name: &str) -> Option<ConfigMap> {
    let cms = env.clientset.core_v1().config_maps("default");
    cms.get_opt(name, &GetOptions::default())
        .await
        .expect("get")
}

fn data(cm: &ConfigMap) -> Value {
    json!(cm.data)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operator_print_crd_is_applied_by_kubectl_and_used_by_the_operator() {
    let env = Env::start().await;
    let printed = run_command(env.bare_command("operator", &["--print-crd"]), "operator").await;
    printed.assert_success();
    let crd: CustomResourceDefinition = serde_yaml_ng::from_str(&printed.stdout).expect("YAML");
    assert_eq!(crd.metadata.name.as_deref(), Some(CRD));
    assert_eq!(validate_crd_schemas(&json!(crd)), []);

    let mut kubectl = tokio::process::Command::new("kubectl");
    kubectl
        .arg("--kubeconfig")
        .arg(&env.kubeconfig)
        .args(["apply", "-f", "-"])
        .env("HOME", env.dir.path())
        .env_remove("KUBECONFIG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let mut child = kubectl.spawn().expect("kubectl runs");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin
        .write_all(printed.stdout.as_bytes())
        .await
        .expect("write");
    drop(stdin);
    let out = tokio::time::timeout(WAIT, child.wait_with_output())
        .await
        .expect("kubectl finishes")
        .expect("kubectl output");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        stdout.trim(),
        format!("customresourcedefinition.apiextensions.k8s.io/{CRD} created")
    );

    // The operator finds the CRD kubectl installed, waits until it is established, and
    // exits cleanly after its --duration.
    let run = env.run("operator", &["--duration", "1s"]).await;
    run.assert_success()
        .assert_line(&format!("CRD {CRD} established"))
        .assert_line("exiting (Cancelled)");
    assert!(!run.stdout.contains("installed CRD"), "{}", run.stdout);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operator_installs_its_crd_owns_configmaps_records_events_and_finalizes() {
    let env = Env::start().await;
    let mut operator = env.spawn("operator", &["--duration", "120s"]);
    operator
        .wait_for_line(&format!("installed CRD {CRD}"), WAIT)
        .await;
    operator
        .wait_for_line(&format!("CRD {CRD} established"), WAIT)
        .await;

    let sets = configsets(&env);
    let spec = json!({"configMaps": {"app": {"mode": "fast"}, "db": {"host": "db.local"}}});
    let uid = create_configset(&env, "demo", spec).await;

    // Owned ConfigMaps, controlled by the ConfigSet.
    operator
        .wait_for_line("created ConfigMap default/demo-app", WAIT)
        .await;
    operator
        .wait_for_line("created ConfigMap default/demo-db", WAIT)
        .await;
    operator
        .wait_for_line("status default/demo: 2 ready", WAIT)
        .await;
    let app = config_map(&env, "demo-app").await.expect("demo-app");
    assert_eq!(data(&app), json!({"mode": "fast"}));
    let owner = &app.metadata.owner_references.clone().unwrap_or_default()[0];
    assert_eq!(
        (
            owner.api_version.as_str(),
            owner.kind.as_str(),
            owner.name.as_str(),
            owner.uid.as_str(),
            owner.controller
        ),
        (
            "examples.kclient.io/v1",
            "ConfigSet",
            "demo",
            uid.as_str(),
            Some(true)
        )
    );

    // The finalizer is on, and the status says what was written.
    let live = sets.get("demo", &GetOptions::default()).await.expect("get");
    assert_eq!(live.finalizers(), ["examples.kclient.io/configmaps"]);
    assert_eq!(
        live.nested(&["status"]).cloned(),
        Some(json!({"ready": 2, "configMaps": ["demo-app", "demo-db"], "observedGeneration": 1}))
    );

    // Events on the ConfigSet, written in the background.
    let events: Api<Event> = Api::namespaced(env.clientset.client().clone(), "default");
    let reasons = eventually("two Created events about the ConfigSet", || async {
        let list = events.list(&ListOptions::default()).await.expect("events");
        let mut about: Vec<_> = list
            .into_iter()
            .filter(|e| {
                e.regarding.as_ref().is_some_and(|r| {
                    r.kind.as_deref() == Some("ConfigSet") && r.uid.as_deref() == Some(&uid)
                })
            })
            .map(|e| (e.reason.unwrap_or_default(), e.note.unwrap_or_default()))
            .collect();
        about.sort();
        (about.len() >= 2).then_some(about)
    })
    .await;
    assert_eq!(
        reasons,
        [
            (
                "Created".to_owned(),
                "created ConfigMap default/demo-app".to_owned()
            ),
            (
                "Created".to_owned(),
                "created ConfigMap default/demo-db".to_owned()
            ),
        ]
    );

    // An edited ConfigMap is repaired: its change reconciles the owner.
    let cms = env.clientset.core_v1().config_maps("default");
    cms.patch(
        "demo-app",
        &Patch::Merge(json!({"data": {"mode": "tampered"}})),
        &PatchOptions::default(),
    )
    .await
    .expect("patch");
    operator
        .wait_for_line("updated ConfigMap default/demo-app", WAIT)
        .await;
    let app = config_map(&env, "demo-app").await.expect("demo-app");
    assert_eq!(data(&app), json!({"mode": "fast"}));

    // A spec change: one ConfigMap dropped, one changed, the status follows.
    sets.patch(
        "demo",
        &Patch::Merge(json!({"spec": {"configMaps": {"db": null, "app": {"mode": "slow"}}}})),
        &PatchOptions::default(),
        None,
    )
    .await
    .expect("patch ConfigSet");
    operator
        .wait_for_line("deleted ConfigMap default/demo-db", WAIT)
        .await;
    operator
        .wait_for_line("status default/demo: 1 ready", WAIT)
        .await;
    assert!(config_map(&env, "demo-db").await.is_none());
    let app = config_map(&env, "demo-app").await.expect("demo-app");
    assert_eq!(data(&app), json!({"mode": "slow"}));

    // Deletion: the finalizer deletes the ConfigMaps, then the ConfigSet goes.
    sets.delete("demo", &DeleteOptions::default())
        .await
        .expect("delete ConfigSet");
    operator
        .wait_for_line("deleted ConfigMap default/demo-app", WAIT)
        .await;
    operator
        .wait_for_line("cleaned up default/demo", WAIT)
        .await;
    eventually("the ConfigSet is gone", || async {
        let gone = sets.get("demo", &GetOptions::default()).await;
        matches!(gone, Err(e) if e.is_not_found()).then_some(())
    })
    .await;
    assert!(config_map(&env, "demo-app").await.is_none());

    stop(operator).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operator_retries_a_name_taken_by_a_foreign_configmap_and_warns_on_the_configset() {
    let env = Env::start().await;
    let cms = env.clientset.core_v1().config_maps("default");
    let foreign = ConfigMap {
        metadata: k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta {
            name: Some("taken-x".to_owned()),
            ..Default::default()
        },
        data: Some([("owner".to_owned(), "someone else".to_owned())].into()),
        ..ConfigMap::default()
    };
    cms.create(&foreign, &CreateOptions::default())
        .await
        .expect("create");
    let mut operator = env.spawn("operator", &["--duration", "120s"]);
    operator
        .wait_for_line(&format!("CRD {CRD} established"), WAIT)
        .await;
    create_configset(&env, "taken", json!({"configMaps": {"x": {"mine": "yes"}}})).await;

    // Retried with backoff, each failure a Warning event on the ConfigSet; the foreign
    // ConfigMap is left alone.
    let error = "error reconciling default/taken: default/taken-x is not ours";
    operator.wait_for_line(error, WAIT).await;
    operator.wait_for_line(error, WAIT).await;
    let events: Api<Event> = Api::namespaced(env.clientset.client().clone(), "default");
    let warning = eventually("a Warning event about the ConfigSet", || async {
        let list = events.list(&ListOptions::default()).await.expect("events");
        list.into_iter().find(|e| {
            e.regarding.as_ref().and_then(|r| r.name.as_deref()) == Some("taken")
                && e.type_.as_deref() == Some("Warning")
        })
    })
    .await;
    assert_eq!(warning.reason.as_deref(), Some("Failed"));
    assert_eq!(
        warning.note.as_deref(),
        Some("reconcile failed: default/taken-x is not ours")
    );
    let untouched = config_map(&env, "taken-x").await.expect("foreign");
    assert_eq!(data(&untouched), json!({"owner": "someone else"}));
    assert!(untouched.metadata.owner_references.is_none());

    // Once the name is free, the next retry creates the ConfigMap.
    cms.delete("taken-x", &DeleteOptions::default())
        .await
        .expect("delete");
    operator
        .wait_for_line("created ConfigMap default/taken-x", WAIT)
        .await;
    let mine = config_map(&env, "taken-x").await.expect("ours");
    assert_eq!(data(&mine), json!({"mine": "yes"}));

    stop(operator).await;
}

#[test]
fn the_readme_shows_the_operator_as_it_is() {
    let readme = include_str!("../../../README.md");
    let main = include_str!("../../examples/operator/main.rs");
    assert!(
        readme.contains(&format!("```rust,ignore\n{main}```")),
        "README.md's operator section differs from examples/examples/operator/main.rs"
    );
}
