//! Quantities of built-in objects come back in apimachinery's canonical form on every
//! write path, as kube-apiserver 1.33 writes back what it decoded.

mod common;

use common::start;
use serde_json::{Value, json};

const NS: &str = "/api/v1/namespaces/default";
const MERGE: &str = "application/merge-patch+json";
const APPLY: &str = "application/apply-patch+yaml";

fn resources() -> Value {
    json!({"limits": {"cpu": "1000m", "memory": "1024Mi"},
        "requests": {"cpu": "0.5", "memory": "100M", "ephemeral-storage": "2.5Gi"}})
}

fn canonical_resources() -> Value {
    json!({"limits": {"cpu": "1", "memory": "1Gi"},
        "requests": {"cpu": "500m", "memory": "100M", "ephemeral-storage": "2560Mi"}})
}

#[tokio::test]
async fn pod_quantities_are_canonical_on_create_update_patch_and_apply() {
    let (_server, api) = start().await;
    let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
        "spec": {"containers": [{"name": "c", "image": "nginx:1", "resources": resources()}],
            "volumes": [{"name": "scratch", "emptyDir": {"sizeLimit": "1.5Gi"}}]}});
    let created = api.post(&format!("{NS}/pods"), &pod).await.expect(201);
    assert_eq!(
        created["spec"]["containers"][0]["resources"],
        canonical_resources()
    );
    assert_eq!(
        created["spec"]["volumes"][0]["emptyDir"]["sizeLimit"],
        "1536Mi"
    );

    let patched = api
        .patch(
            &format!("{NS}/pods/p"),
            "application/strategic-merge-patch+json",
            r#"{"spec":{"volumes":[{"name":"scratch","emptyDir":{"sizeLimit":"2048Mi"}}]}}"#,
        )
        .await
        .expect(200);
    assert_eq!(
        patched["spec"]["volumes"][0]["emptyDir"]["sizeLimit"],
        "2Gi"
    );

    let quota = json!({"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "q"},
        "spec": {"hard": {"requests.cpu": "4000m", "requests.memory": "8192Mi", "pods": "10"}}});
    let created = api
        .post(&format!("{NS}/resourcequotas"), &quota)
        .await
        .expect(201);
    assert_eq!(
        created["spec"]["hard"],
        json!({"requests.cpu": "4", "requests.memory": "8Gi", "pods": "10"})
    );
    let updated = api
        .patch(
            &format!("{NS}/resourcequotas/q"),
            MERGE,
            r#"{"spec":{"hard":{"pods":"1e3","requests.cpu":"0.25"}}}"#,
        )
        .await
        .expect(200);
    assert_eq!(
        updated["spec"]["hard"],
        json!({"requests.cpu": "250m", "requests.memory": "8Gi", "pods": "1e3"})
    );
    let mut put = updated.clone();
    put["spec"]["hard"]["pods"] = json!(20);
    let replaced = api
        .put(&format!("{NS}/resourcequotas/q"), &put)
        .await
        .expect(200);
    assert_eq!(replaced["spec"]["hard"]["pods"], "20");

    let applied = api
        .patch(
            &format!("{NS}/limitranges/l?fieldManager=test"),
            APPLY,
            r#"{"apiVersion":"v1","kind":"LimitRange","metadata":{"name":"l"},
                "spec":{"limits":[{"type":"Container","max":{"memory":"0.5Gi"},
                "defaultRequest":{"cpu":"100.0m"}}]}}"#,
        )
        .await
        .expect(201);
    assert_eq!(
        applied["spec"]["limits"][0],
        json!({"type": "Container", "max": {"memory": "512Mi"}, "default": {"memory": "512Mi"},
            "defaultRequest": {"cpu": "100m", "memory": "512Mi"}})
    );

    let claim = json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
        "metadata": {"name": "data"},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1000Mi"}}}});
    let created = api
        .post(&format!("{NS}/persistentvolumeclaims"), &claim)
        .await
        .expect(201);
    // 1000Mi is not a whole number of Gi: it stays in Mi.
    assert_eq!(
        created["spec"]["resources"]["requests"]["storage"],
        "1000Mi"
    );

    let deployment = json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web"},
        "spec": {"selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "c", "image": "nginx:1",
                    "resources": resources()}]}}}});
    let created = api
        .post("/apis/apps/v1/namespaces/default/deployments", &deployment)
        .await
        .expect(201);
    assert_eq!(
        created["spec"]["template"]["spec"]["containers"][0]["resources"],
        canonical_resources()
    );
}
