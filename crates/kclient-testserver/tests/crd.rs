//! CustomResourceDefinitions: established on create, served (CRUD, watch, status, scale,
//! tables, discovery), and removed with their objects on delete.

mod common;

use common::start;
use serde_json::{Value, json};

const CRDS: &str = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";
const WIDGETS: &str = "/apis/example.com/v1/namespaces/default/widgets";

fn crd() -> Value {
    json!({
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com"},
        "spec": {
            "group": "example.com",
            "scope": "Namespaced",
            "names": {"plural": "widgets", "singular": "widget", "kind": "Widget", "shortNames": ["wd"]},
            "versions": [
                {"name": "v1", "served": true, "storage": true,
                 "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}},
                 "subresources": {"status": {}, "scale": {"specReplicasPath": ".spec.replicas", "statusReplicasPath": ".status.replicas", "labelSelectorPath": ".status.selector"}},
                 "additionalPrinterColumns": [{"name": "Size", "type": "integer", "jsonPath": ".spec.size"}]},
                {"name": "v1beta1", "served": true, "storage": false,
                 "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}}
            ]
        }
    })
}

fn widget(name: &str) -> Value {
    json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": name},
           "spec": {"size": 3, "replicas": 1}, "status": {"replicas": 7}})
}

#[tokio::test]
async fn crd_lifecycle() {
    let (_server, api) = start().await;
    api.get(WIDGETS).await.expect_page_not_found();
    let created = api.post(CRDS, &crd()).await.expect(201);
    assert_eq!(created["metadata"]["generation"], 1);
    let got = api
        .get(&format!("{CRDS}/widgets.example.com"))
        .await
        .expect(200);
    let conditions = got["status"]["conditions"].as_array().unwrap();
    let status_of = |t: &str| {
        conditions
            .iter()
            .find(|c| c["type"] == t)
            .map(|c| c["status"].clone())
    };
    assert_eq!(status_of("Established"), Some(json!("True")));
    assert_eq!(status_of("NamesAccepted"), Some(json!("True")));
    assert_eq!(got["status"]["acceptedNames"]["kind"], "Widget");
    assert_eq!(got["status"]["acceptedNames"]["listKind"], "WidgetList");
    assert_eq!(got["status"]["storedVersions"], json!(["v1"]));

    let disc = api.get("/apis/example.com/v1").await.expect(200);
    let names: Vec<&str> = disc["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"widgets")
            && names.contains(&"widgets/status")
            && names.contains(&"widgets/scale"),
        "{names:?}"
    );

    let w = api.post(WIDGETS, &widget("w1")).await.expect(201);
    assert_eq!(w["metadata"]["generation"], 1);
    assert!(w.get("status").is_none(), "status is dropped on create");
    let beta = api
        .get("/apis/example.com/v1beta1/namespaces/default/widgets/w1")
        .await
        .expect(200);
    assert_eq!(beta["apiVersion"], "example.com/v1beta1");

    let mut st = w.clone();
    st["status"] = json!({"replicas": 1, "selector": "app=w"});
    let s = api
        .put(&format!("{WIDGETS}/w1/status"), &st)
        .await
        .expect(200);
    assert_eq!(s["status"]["replicas"], 1);
    assert_eq!(s["metadata"]["generation"], 1);

    let scale = api.get(&format!("{WIDGETS}/w1/scale")).await.expect(200);
    assert_eq!(scale["spec"]["replicas"], 1);
    assert_eq!(scale["status"]["selector"], "app=w");
    let scaled = api
        .patch(
            &format!("{WIDGETS}/w1/scale"),
            "application/merge-patch+json",
            r#"{"spec":{"replicas":4}}"#,
        )
        .await
        .expect(200);
    assert_eq!(scaled["spec"]["replicas"], 4);
    let w_now = api.get(&format!("{WIDGETS}/w1")).await.expect(200);
    assert_eq!(w_now["spec"]["replicas"], 4);
    assert_eq!(w_now["metadata"]["generation"], 2);

    let err = api
        .patch(
            &format!("{WIDGETS}/w1"),
            "application/strategic-merge-patch+json",
            r#"{"spec":{"size":4}}"#,
        )
        .await
        .expect(415);
    assert_eq!(err["reason"], "UnsupportedMediaType");
    assert!(!err["message"].as_str().unwrap().contains("strategic"));

    let table = api
        .get_accept(WIDGETS, "application/json;as=Table;v=v1;g=meta.k8s.io")
        .await
        .expect(200);
    let cols: Vec<&str> = table["columnDefinitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert!(cols.contains(&"Size"), "{cols:?}");

    let rv = w_now["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .to_string();
    let mut watch = api
        .watch(&format!("{WIDGETS}?watch=true&resourceVersion={rv}"))
        .await;

    api.delete(&format!("{CRDS}/widgets.example.com"))
        .await
        .expect(200);
    let ev = watch.next().await.unwrap();
    assert_eq!(ev["type"], "DELETED");
    assert!(
        watch.next().await.is_none(),
        "watches end with the resource"
    );
    api.get(WIDGETS).await.expect_page_not_found();
    api.get("/apis/example.com/v1")
        .await
        .expect_page_not_found();

    // Re-creating the CRD starts empty.
    api.post(CRDS, &crd()).await.expect(201);
    let list = api.get(WIDGETS).await.expect(200);
    assert!(list["items"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn invalid_crds_are_rejected() {
    let (_server, api) = start().await;
    let mut bad = crd();
    bad["metadata"]["name"] = json!("wrong.example.com");
    let err = api.post(CRDS, &bad).await.expect(422);
    assert_eq!(err["details"]["causes"][0]["field"], "metadata.name");
    let mut no_storage = crd();
    no_storage["spec"]["versions"][0]["storage"] = json!(false);
    api.post(CRDS, &no_storage).await.expect(422);
}

#[tokio::test]
async fn cluster_scoped_custom_resources() {
    let (_server, api) = start().await;
    let mut c = crd();
    c["spec"]["scope"] = json!("Cluster");
    api.post(CRDS, &c).await.expect(201);
    let w = api
        .post("/apis/example.com/v1/widgets", &widget("cw"))
        .await
        .expect(201);
    assert!(w["metadata"].get("namespace").is_none());
    api.get("/apis/example.com/v1/widgets/cw").await.expect(200);
    api.get(WIDGETS).await.expect(404);
}
