//! `pods/eviction` as kube-apiserver's eviction REST handler answers it: delete options
//! (dry run, preconditions) honoured, and PodDisruptionBudgets enforced with its 429.

mod common;

use common::{Api, start};
use serde_json::{Value, json};

const PODS: &str = "/api/v1/namespaces/default/pods";
const PDBS: &str = "/apis/policy/v1/namespaces/default/poddisruptionbudgets";

/// A running pod whose Ready condition is `ready`.
async fn running_pod(api: &Api, name: &str, app: &str, ready: bool) -> Value {
    let pod = json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "labels": {"app": app}},
        "spec": {"containers": [{"name": "c", "image": "nginx"}]}});
    let created = api.post(PODS, &pod).await.expect(201);
    let mut status = created.clone();
    status["status"] = json!({"phase": "Running", "conditions": [
        {"type": "Ready", "status": if ready { "True" } else { "False" }}]});
    api.put(&format!("{PODS}/{name}/status"), &status)
        .await
        .expect(200)
}

fn eviction(name: &str, delete_options: Value) -> Value {
    json!({"apiVersion": "policy/v1", "kind": "Eviction",
        "metadata": {"name": name, "namespace": "default"}, "deleteOptions": delete_options})
}

async fn evict(api: &Api, name: &str, delete_options: Value) -> common::Resp {
    api.send(
        http::Method::POST,
        &format!("{PODS}/{name}/eviction"),
        &[("content-type", "application/json")],
        serde_json::to_vec(&eviction(name, delete_options)).unwrap(),
    )
    .await
}

async fn pdb(api: &Api, name: &str, app: &str, spec: Value) {
    let mut spec = spec;
    spec["selector"] = json!({"matchLabels": {"app": app}});
    api.post(
        PDBS,
        &json!({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
            "metadata": {"name": name}, "spec": spec}),
    )
    .await
    .expect(201);
}

const CREATED: fn() -> Value = || json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201});

#[tokio::test]
async fn eviction_without_a_budget_deletes_and_honours_dry_run_and_preconditions() {
    let (_server, api) = start().await;
    let pod = running_pod(&api, "p", "web", true).await;
    assert_eq!(
        evict(&api, "p", json!({"dryRun": ["All"]}))
            .await
            .expect(201),
        CREATED()
    );
    api.get(&format!("{PODS}/p")).await.expect(200);
    let r = api
        .send(
            http::Method::POST,
            &format!("{PODS}/p/eviction?dryRun=All"),
            &[("content-type", "application/json")],
            serde_json::to_vec(&eviction("p", Value::Null)).unwrap(),
        )
        .await;
    r.expect(201);
    api.get(&format!("{PODS}/p")).await.expect(200);
    let conflict = evict(&api, "p", json!({"preconditions": {"uid": "not-the-uid"}})).await;
    assert_eq!(conflict.expect(409)["reason"], "Conflict");
    let stale = evict(
        &api,
        "p",
        json!({"preconditions": {"resourceVersion": "1"}}),
    )
    .await;
    stale.expect(409);
    let mismatch = evict(&api, "other", json!({})).await;
    assert_eq!(mismatch.status.as_u16(), 404);
    let wrong_name = api
        .send(
            http::Method::POST,
            &format!("{PODS}/p/eviction"),
            &[("content-type", "application/json")],
            serde_json::to_vec(&eviction("q", json!({}))).unwrap(),
        )
        .await;
    assert_eq!(
        wrong_name.expect(400)["message"],
        "name in URL does not match name in Eviction object"
    );
    let uid = pod["metadata"]["uid"].as_str().unwrap();
    assert_eq!(
        evict(&api, "p", json!({"preconditions": {"uid": uid}}))
            .await
            .expect(201),
        CREATED()
    );
    api.get(&format!("{PODS}/p")).await.expect(404);
}

/// `checkAndDecrement`: a budget with no disruption left answers 429 with the
/// `DisruptionBudget` cause; an allowed eviction records the pod in `disruptedPods`.
#[tokio::test]
async fn a_budget_allows_what_the_disruption_controller_would() {
    let (_server, api) = start().await;
    running_pod(&api, "a", "web", true).await;
    running_pod(&api, "b", "web", true).await;
    pdb(&api, "web", "web", json!({"minAvailable": 1})).await;
    // Dry run: allowed, nothing recorded, nothing deleted.
    evict(&api, "a", json!({"dryRun": ["All"]}))
        .await
        .expect(201);
    let budget = api.get(&format!("{PDBS}/web")).await.expect(200);
    assert!(budget["status"].get("disruptedPods").is_none(), "{budget}");
    evict(&api, "a", json!({})).await.expect(201);
    api.get(&format!("{PODS}/a")).await.expect(404);
    let budget = api.get(&format!("{PDBS}/web")).await.expect(200);
    assert_eq!(budget["status"]["disruptionsAllowed"], 0);
    assert_eq!(budget["status"]["currentHealthy"], 2);
    assert_eq!(budget["status"]["desiredHealthy"], 1);
    assert!(budget["status"]["disruptedPods"]["a"].is_string());
    let refused = evict(&api, "b", json!({})).await;
    assert_eq!(refused.header("retry-after"), None);
    assert_eq!(
        refused.expect(429),
        json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": "Cannot evict pod as it would violate the pod's disruption budget.",
            "reason": "TooManyRequests",
            "details": {"causes": [{"reason": "DisruptionBudget",
                "message": "The disruption budget web needs 1 healthy pods and has 1 currently"}]},
            "code": 429})
    );
    api.get(&format!("{PODS}/b")).await.expect(200);
}

#[tokio::test]
async fn unready_terminal_and_doubly_covered_pods() {
    let (_server, api) = start().await;
    running_pod(&api, "ready", "db", true).await;
    running_pod(&api, "sick", "db", false).await;
    pdb(&api, "db", "db", json!({"maxUnavailable": 0})).await;
    // maxUnavailable needs the controllers' scale; these pods have none, so zero pods are
    // expected and nothing may be disrupted.
    evict(&api, "ready", json!({})).await.expect(429);
    // An unready pod goes when the policy says so.
    api.patch(
        &format!("{PDBS}/db"),
        "application/merge-patch+json",
        r#"{"spec":{"unhealthyPodEvictionPolicy":"AlwaysAllow"}}"#,
    )
    .await
    .expect(200);
    evict(&api, "sick", json!({})).await.expect(201);
    api.get(&format!("{PODS}/sick")).await.expect(404);
    // A pod that finished disrupts nothing.
    let mut done = api.get(&format!("{PODS}/ready")).await.expect(200);
    done["status"]["phase"] = json!("Succeeded");
    api.put(&format!("{PODS}/ready/status"), &done)
        .await
        .expect(200);
    evict(&api, "ready", json!({})).await.expect(201);
    // Two budgets over one pod: kube-apiserver's Failure Status, as the created object.
    running_pod(&api, "twice", "both", true).await;
    pdb(&api, "one", "both", json!({"minAvailable": 0})).await;
    pdb(&api, "two", "both", json!({"minAvailable": 0})).await;
    let failure = evict(&api, "twice", json!({})).await.expect(201);
    assert_eq!(failure["status"], "Failure");
    assert_eq!(failure["code"], 500);
    assert_eq!(
        failure["message"],
        "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support."
    );
    api.get(&format!("{PODS}/twice")).await.expect(200);
}
