//! CustomResourceDefinition writes as kube-apiserver's registry strategy handles them: the
//! status a create answers with (before the naming and establishing controllers run), the
//! update rules (immutable names, stored versions) on update, patch and apply, and the
//! status subresource's own rules.

mod common;

use common::{Api, start};
use serde_json::{Value, json};

const CRDS: &str = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";
const WIDGETS_CRD: &str =
    "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com";

fn version(name: &str, storage: bool) -> Value {
    json!({"name": name, "served": true, "storage": storage,
        "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}})
}

fn crd() -> Value {
    json!({
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com"},
        "spec": {
            "group": "example.com",
            "scope": "Namespaced",
            "names": {"plural": "widgets", "kind": "Widget"},
            "versions": [version("v1", true)]
        }
    })
}

/// A JSON patch of the widgets CRD, answered with `code`.
async fn json_patch(api: &Api, patch: &str, code: u16) -> Value {
    api.patch(WIDGETS_CRD, "application/json-patch+json", patch)
        .await
        .expect(code)
}

fn message(err: &Value) -> &str {
    err["message"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn create_answers_with_the_strategys_status_and_watchers_see_the_names_next() {
    let (_server, api) = start().await;
    let mut watch = api.watch(&format!("{CRDS}?watch=true")).await;
    let created = api.post(CRDS, &crd()).await.expect(201);
    let initial = json!({
        "conditions": null,
        "acceptedNames": {"plural": "", "kind": ""},
        "storedVersions": ["v1"]
    });
    assert_eq!(created["status"], initial);
    assert_eq!(
        created["metadata"]["managedFields"][0]["fieldsV1"].get("f:status"),
        None
    );

    let added = watch.next_non_bookmark().await.unwrap();
    assert_eq!(added["type"], "ADDED");
    assert_eq!(added["object"]["status"], initial);
    // Each condition as [type, status, reason].
    let conditions = |status: &Value| -> Value {
        status["conditions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| json!([c["type"], c["status"], c["reason"]]))
            .collect()
    };
    // The naming controller: names accepted, Established still False.
    let named = watch.next_non_bookmark().await.unwrap();
    assert_eq!(named["type"], "MODIFIED");
    let accepted = json!({"plural": "widgets", "singular": "widget", "kind": "Widget", "listKind": "WidgetList"});
    assert_eq!(named["object"]["status"]["acceptedNames"], accepted);
    assert_eq!(
        conditions(&named["object"]["status"]),
        json!([
            ["NamesAccepted", "True", "NoConflicts"],
            ["Established", "False", "Installing"]
        ])
    );
    // The establishing controller.
    let established = watch.next_non_bookmark().await.unwrap();
    assert_eq!(established["type"], "MODIFIED");
    let status = &established["object"]["status"];
    assert_eq!(status["acceptedNames"], accepted);
    assert_eq!(
        conditions(status),
        json!([
            ["NamesAccepted", "True", "NoConflicts"],
            ["Established", "True", "InitialNamesAccepted"]
        ])
    );

    // A GET right after shows the controllers' status; the resource is served already.
    let got = api.get(WIDGETS_CRD).await.expect(200);
    assert_eq!(got["status"], *status);
    api.get("/apis/example.com/v1/namespaces/default/widgets")
        .await
        .expect(200);
}

#[tokio::test]
async fn group_and_plural_are_immutable_scope_and_kind_once_established() {
    let (_server, api) = start().await;
    let created = api.post(CRDS, &crd()).await.expect(201);
    let mut changed = api.get(WIDGETS_CRD).await.expect(200);
    let before = changed["metadata"]["resourceVersion"].clone();
    changed["spec"]["group"] = json!("example.org");
    changed["spec"]["names"]["plural"] = json!("gadgets");
    let err = api.put(WIDGETS_CRD, &changed).await.expect(422);
    assert_eq!(
        message(&err),
        "CustomResourceDefinition.apiextensions.k8s.io \"widgets.example.com\" is invalid: [spec.group: Invalid value: \"example.org\": field is immutable, spec.names.plural: Invalid value: \"gadgets\": field is immutable]"
    );
    assert_eq!(err["details"]["causes"][0]["field"], "spec.group");

    let err = api
        .patch(
            WIDGETS_CRD,
            "application/merge-patch+json",
            r#"{"spec":{"scope":"Cluster","names":{"kind":"Gadget","listKind":"GadgetList"}}}"#,
        )
        .await
        .expect(422);
    assert_eq!(
        message(&err),
        "CustomResourceDefinition.apiextensions.k8s.io \"widgets.example.com\" is invalid: [spec.scope: Invalid value: \"Cluster\": field is immutable, spec.names.kind: Invalid value: \"Gadget\": field is immutable]"
    );

    let mut applied = crd();
    applied["spec"]["scope"] = json!("Cluster");
    let err = api
        .patch(
            &format!("{WIDGETS_CRD}?fieldManager=tester&force=true"),
            "application/apply-patch+yaml",
            &applied.to_string(),
        )
        .await
        .expect(422);
    assert_eq!(
        message(&err),
        "CustomResourceDefinition.apiextensions.k8s.io \"widgets.example.com\" is invalid: spec.scope: Invalid value: \"Cluster\": field is immutable"
    );
    // Nothing was stored.
    let got = api.get(WIDGETS_CRD).await.expect(200);
    assert_eq!(got["metadata"]["resourceVersion"], before);
    assert_eq!(got["spec"]["scope"], "Namespaced");
    assert_eq!(
        got["metadata"]["generation"],
        created["metadata"]["generation"]
    );
}

#[tokio::test]
async fn a_new_storage_version_is_recorded_and_stored_versions_stay_in_the_spec() {
    let (_server, api) = start().await;
    api.post(CRDS, &crd()).await.expect(201);
    let mut moved = api.get(WIDGETS_CRD).await.expect(200);
    moved["spec"]["versions"] = json!([version("v1", false), version("v2", true)]);
    let updated = api.put(WIDGETS_CRD, &moved).await.expect(200);
    // The update itself records the new storage version, as the update strategy does.
    assert_eq!(updated["status"]["storedVersions"], json!(["v1", "v2"]));
    assert_eq!(updated["metadata"]["generation"], 2);
    // The strategy's change is nobody's: the writer's managed fields hold the spec only.
    assert_eq!(
        updated["metadata"]["managedFields"][0]["fieldsV1"].get("f:status"),
        None
    );

    let err = json_patch(&api, r#"[{"op":"remove","path":"/spec/versions/0"}]"#, 422).await;
    assert_eq!(
        message(&err),
        "CustomResourceDefinition.apiextensions.k8s.io \"widgets.example.com\" is invalid: status.storedVersions[0]: Invalid value: \"v1\": missing from spec.versions; v1 was previously a storage version, and must remain in spec.versions until a storage migration ensures no data remains persisted in v1 and removes v1 from status.storedVersions"
    );

    let err = json_patch(
        &api,
        r#"[{"op":"replace","path":"/spec/versions/0/storage","value":true}]"#,
        422,
    )
    .await;
    assert!(
        message(&err).ends_with(": must have exactly one version marked as storage version"),
        "{err}"
    );

    // Once a migration removed v1 from the stored versions (a status write), it may go.
    let mut status = api.get(WIDGETS_CRD).await.expect(200);
    status["status"]["storedVersions"] = json!(["v2"]);
    let migrated = api
        .put(&format!("{WIDGETS_CRD}/status"), &status)
        .await
        .expect(200);
    assert_eq!(migrated["status"]["storedVersions"], json!(["v2"]));
    let dropped = json_patch(&api, r#"[{"op":"remove","path":"/spec/versions/0"}]"#, 200).await;
    assert_eq!(dropped["spec"]["versions"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn status_writes_check_only_the_status() {
    let (_server, api) = start().await;
    api.post(CRDS, &crd()).await.expect(201);
    let mut status = api.get(WIDGETS_CRD).await.expect(200);
    // A version the spec does not list: the status strategy leaves that to the migrator.
    status["status"]["storedVersions"] = json!(["v1", "v0"]);
    let written = api
        .put(&format!("{WIDGETS_CRD}/status"), &status)
        .await
        .expect(200);
    assert_eq!(written["status"]["storedVersions"], json!(["v1", "v0"]));

    status["status"]["acceptedNames"]["plural"] = json!("Widgets");
    status["metadata"]
        .as_object_mut()
        .unwrap()
        .remove("resourceVersion");
    let err = api
        .put(&format!("{WIDGETS_CRD}/status"), &status)
        .await
        .expect(422);
    assert_eq!(
        message(&err),
        "CustomResourceDefinition.apiextensions.k8s.io \"widgets.example.com\" is invalid: status.acceptedNames.plural: Invalid value: \"Widgets\": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"
    );
}
