//! Garbage collection as kube-controller-manager does it: background, foreground and
//! orphan cascading deletion over ownerReferences, each answer as kube-apiserver gives it.

mod common;

use std::time::Duration;

use common::Api;
use kclient_testserver::TestServer;
use serde_json::{Value, json};

const CMS: &str = "/api/v1/namespaces/default/configmaps";

async fn cm(api: &Api, name: &str, owners: Value, finalizers: Value) -> Value {
    api.post(
        CMS,
        &json!({"apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": name, "ownerReferences": owners, "finalizers": finalizers}}),
    )
    .await
    .expect(201)
}

fn owner_ref(owner: &Value, block: bool) -> Value {
    json!({"apiVersion": owner["apiVersion"], "kind": owner["kind"],
           "name": owner["metadata"]["name"], "uid": owner["metadata"]["uid"],
           "blockOwnerDeletion": block})
}

/// Polls `path` until `done` holds for its status and body (5 s at most).
async fn until(api: &Api, path: &str, what: &str, done: impl Fn(u16, &Value) -> bool) -> Value {
    for _ in 0..250 {
        let r = api.get(path).await;
        let body = serde_json::from_slice(&r.body).unwrap_or(Value::Null);
        if done(r.status.as_u16(), &body) {
            return body;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("{path}: {what} did not happen");
}

async fn gone(api: &Api, path: &str) {
    until(api, path, "deletion", |code, _| code == 404).await;
}

fn path(name: &str) -> String {
    format!("{CMS}/{name}")
}

#[tokio::test]
async fn background_deletion_removes_dependents_after_the_owner() {
    let server = TestServer::start().await.expect("server");
    let api = Api::new(&server);
    let owner = cm(&api, "owner", json!([]), json!([])).await;
    cm(&api, "child", json!([owner_ref(&owner, false)]), json!([])).await;
    let grandchild_owner = api.get(&path("child")).await.expect(200);
    cm(
        &api,
        "grandchild",
        json!([owner_ref(&grandchild_owner, false)]),
        json!([]),
    )
    .await;
    // A dependent that also has a live owner stays.
    let other = cm(&api, "other", json!([]), json!([])).await;
    cm(
        &api,
        "shared",
        json!([owner_ref(&owner, false), owner_ref(&other, false)]),
        json!([]),
    )
    .await;

    let status = api.delete(&path("owner")).await.expect(200);
    assert_eq!(status["status"], "Success", "{status}");
    gone(&api, &path("child")).await;
    gone(&api, &path("grandchild")).await;
    // The reference to the vanished owner is removed from the survivor.
    let shared = until(
        &api,
        &path("shared"),
        "dangling reference removal",
        |_, b| b["metadata"]["ownerReferences"].as_array().map(Vec::len) == Some(1),
    )
    .await;
    assert_eq!(
        shared["metadata"]["ownerReferences"][0]["name"], "other",
        "{shared}"
    );
}

#[tokio::test]
async fn foreground_deletion_waits_for_blocking_dependents() {
    let server = TestServer::start().await.expect("server");
    let api = Api::new(&server);
    let owner = cm(&api, "owner", json!([]), json!([])).await;
    // Blocking dependent held by a finalizer of its own; a non-blocking one held likewise.
    cm(
        &api,
        "blocker",
        json!([owner_ref(&owner, true)]),
        json!(["example.com/hold"]),
    )
    .await;
    cm(
        &api,
        "loose",
        json!([owner_ref(&owner, false)]),
        json!(["example.com/hold"]),
    )
    .await;

    let deleting = api
        .delete_with(
            &path("owner"),
            &json!({"kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": "Foreground"}),
        )
        .await
        .expect(200);
    // kube-apiserver answers with the object, marked and carrying the finalizer.
    assert_eq!(deleting["kind"], "ConfigMap");
    assert_eq!(
        deleting["metadata"]["finalizers"],
        json!(["foregroundDeletion"])
    );
    assert!(deleting["metadata"]["deletionTimestamp"].is_string());

    // Both dependents are being deleted; the owner waits for the blocking one.
    for name in ["blocker", "loose"] {
        until(&api, &path(name), "deletion start", |_, b| {
            b["metadata"]["deletionTimestamp"].is_string()
        })
        .await;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let waiting = api.get(&path("owner")).await.expect(200);
    assert_eq!(
        waiting["metadata"]["finalizers"],
        json!(["foregroundDeletion"])
    );

    api.patch(
        &path("blocker"),
        "application/merge-patch+json",
        r#"{"metadata":{"finalizers":null}}"#,
    )
    .await
    .expect(200);
    gone(&api, &path("blocker")).await;
    gone(&api, &path("owner")).await;
    // The non-blocking dependent did not hold the owner and is still deleting.
    let loose = api.get(&path("loose")).await.expect(200);
    assert!(
        loose["metadata"]["deletionTimestamp"].is_string(),
        "{loose}"
    );
}

#[tokio::test]
async fn foreground_deletion_recurses_through_owners_with_dependents() {
    let server = TestServer::start().await.expect("server");
    let api = Api::new(&server);
    let deploy = cm(&api, "top", json!([]), json!([])).await;
    let rs = cm(&api, "middle", json!([owner_ref(&deploy, true)]), json!([])).await;
    cm(
        &api,
        "leaf",
        json!([owner_ref(&rs, true)]),
        json!(["example.com/hold"]),
    )
    .await;
    api.delete_with(&path("top"), &json!({"propagationPolicy": "Foreground"}))
        .await
        .expect(200);
    // The middle object has dependents of its own, so it goes in the foreground too.
    let middle = until(&api, &path("middle"), "foreground deletion", |_, b| {
        b["metadata"]["finalizers"] == json!(["foregroundDeletion"])
    })
    .await;
    assert!(middle["metadata"]["deletionTimestamp"].is_string());
    tokio::time::sleep(Duration::from_millis(200)).await;
    api.get(&path("top")).await.expect(200);
    api.patch(
        &path("leaf"),
        "application/merge-patch+json",
        r#"{"metadata":{"finalizers":[]}}"#,
    )
    .await
    .expect(200);
    gone(&api, &path("leaf")).await;
    gone(&api, &path("middle")).await;
    gone(&api, &path("top")).await;
}

#[tokio::test]
async fn orphan_deletion_strips_owner_references() {
    let server = TestServer::start().await.expect("server");
    let api = Api::new(&server);
    let owner = cm(&api, "owner", json!([]), json!([])).await;
    let other = cm(&api, "other", json!([]), json!([])).await;
    cm(&api, "only", json!([owner_ref(&owner, true)]), json!([])).await;
    cm(
        &api,
        "both",
        json!([owner_ref(&owner, false), owner_ref(&other, false)]),
        json!([]),
    )
    .await;
    let deleting = api
        .delete(&format!("{}?propagationPolicy=Orphan", path("owner")))
        .await
        .expect(200);
    assert_eq!(deleting["metadata"]["finalizers"], json!(["orphan"]));
    gone(&api, &path("owner")).await;
    let only = api.get(&path("only")).await.expect(200);
    assert!(only["metadata"].get("ownerReferences").is_none(), "{only}");
    let both = api.get(&path("both")).await.expect(200);
    assert_eq!(
        both["metadata"]["ownerReferences"],
        json!([owner_ref(&other, false)])
    );

    // The legacy orphanDependents option does the same.
    let legacy = cm(&api, "legacy", json!([]), json!([])).await;
    cm(&api, "kept", json!([owner_ref(&legacy, false)]), json!([])).await;
    api.delete(&format!("{}?orphanDependents=true", path("legacy")))
        .await
        .expect(200);
    gone(&api, &path("legacy")).await;
    let kept = api.get(&path("kept")).await.expect(200);
    assert!(kept["metadata"].get("ownerReferences").is_none(), "{kept}");

    // Both at once is invalid, as ValidateDeleteOptions says.
    let both_set = api
        .delete_with(
            &format!("{}?orphanDependents=true", path("kept")),
            &json!({"propagationPolicy": "Orphan"}),
        )
        .await
        .expect(422);
    assert_eq!(
        both_set["message"],
        "DeleteOptions.meta.k8s.io \"\" is invalid: propagationPolicy: Invalid value: \"Orphan\": orphanDependents and deletionPropagation cannot be both set"
    );
}

#[tokio::test]
async fn batch_v1_jobs_orphan_their_pods_by_default() {
    let server = TestServer::start().await.expect("server");
    let api = Api::new(&server);
    let job = api
        .post(
            "/apis/batch/v1/namespaces/default/jobs",
            &json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "j"},
                    "spec": {"template": {"spec": {"restartPolicy": "Never",
                        "containers": [{"name": "c", "image": "busybox"}]}}}}),
        )
        .await
        .expect(201);
    let pod = json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "j-pod", "ownerReferences": [owner_ref(&job, true)]},
        "spec": {"containers": [{"name": "c", "image": "busybox"}]}});
    api.post("/api/v1/namespaces/default/pods", &pod)
        .await
        .expect(201);
    // No options: batch/v1's default policy is Orphan.
    let deleting = api
        .delete("/apis/batch/v1/namespaces/default/jobs/j")
        .await
        .expect(200);
    assert_eq!(deleting["metadata"]["finalizers"], json!(["orphan"]));
    gone(&api, "/apis/batch/v1/namespaces/default/jobs/j").await;
    let pod = api
        .get("/api/v1/namespaces/default/pods/j-pod")
        .await
        .expect(200);
    assert!(pod["metadata"].get("ownerReferences").is_none(), "{pod}");
}

#[tokio::test]
async fn dependents_of_missing_owners_are_collected() {
    let server = TestServer::start().await.expect("server");
    let api = Api::new(&server);
    let ghost = json!({"apiVersion": "v1", "kind": "ConfigMap", "name": "ghost",
        "uid": "00000000-0000-0000-0000-000000000000"});
    cm(&api, "orphaned", json!([ghost]), json!([])).await;
    gone(&api, &path("orphaned")).await;

    // A namespaced dependent of a cluster-scoped owner.
    let role = api
        .post(
            "/apis/rbac.authorization.k8s.io/v1/clusterroles",
            &json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                    "metadata": {"name": "owner-role"}, "rules": []}),
        )
        .await
        .expect(201);
    cm(&api, "of-role", json!([owner_ref(&role, false)]), json!([])).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    api.get(&path("of-role")).await.expect(200);
    api.delete("/apis/rbac.authorization.k8s.io/v1/clusterroles/owner-role")
        .await
        .expect(200);
    gone(&api, &path("of-role")).await;
}
