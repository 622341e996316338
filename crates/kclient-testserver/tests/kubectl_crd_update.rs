//! kubectl, unchanged, updating a CustomResourceDefinition on the test server: an updated
//! manifest (changed schema, added version) applies client- and server-side, and a change
//! of an immutable field is refused with kube-apiserver's message, which kubectl prints
//! whole.

mod kubectl_harness;

use kubectl_harness::Kubectl;

const CRD: &str = r#"apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              size: {type: integer}
"#;

/// The manifest with a new schema field and a second, served version.
fn updated() -> String {
    let v2 = "  - name: v2\n    served: true\n    storage: false\n    schema:\n      openAPIV3Schema:\n        type: object\n        properties:\n          spec:\n            type: object\n            properties:\n              size: {type: integer}\n              color: {type: string}\n";
    CRD.replace(
        "              size: {type: integer}\n",
        "              size: {type: integer}\n              color: {type: string}\n",
    ) + v2
}

#[tokio::test]
async fn kubectl_applies_crd_updates_and_shows_the_immutable_field_refusal() {
    let k = Kubectl::start().await;
    let crd = k.write("crd.yaml", CRD);
    k.ok(&["apply", "-f", &crd]).await;
    k.ok(&[
        "wait",
        "--for=condition=Established",
        "crd/widgets.example.com",
        "--timeout=20s",
    ])
    .await;

    let changed = k.write("crd-v2.yaml", &updated());
    assert_eq!(
        k.ok(&["apply", "-f", &changed]).await,
        "customresourcedefinition.apiextensions.k8s.io/widgets.example.com configured\n"
    );
    let versions = k
        .ok(&[
            "get",
            "crd/widgets.example.com",
            "-o",
            "jsonpath={.spec.versions[*].name} {.metadata.generation} {.status.storedVersions}",
        ])
        .await;
    assert_eq!(versions, r#"v1 v2 2 ["v1"]"#);
    // The new field is kept by the new schema in the new version.
    let widget = k.write(
        "widget.yaml",
        "apiVersion: example.com/v2\nkind: Widget\nmetadata:\n  name: w\nspec:\n  size: 1\n  color: red\n",
    );
    k.ok(&["apply", "-f", &widget]).await;
    assert_eq!(
        k.ok(&[
            "get",
            "widgets.v2.example.com/w",
            "-o",
            "jsonpath={.spec.color}"
        ])
        .await,
        "red"
    );

    let moved = k.write(
        "crd-cluster.yaml",
        &updated().replace("scope: Namespaced", "scope: Cluster"),
    );
    let err = k.fails(&["apply", "-f", &moved]).await;
    assert_eq!(
        err,
        "The CustomResourceDefinition \"widgets.example.com\" is invalid: spec.scope: Invalid value: \"Cluster\": field is immutable\n"
    );
    let err = k
        .fails(&["apply", "--server-side", "--force-conflicts", "-f", &moved])
        .await;
    assert!(
        err.contains(r#"The CustomResourceDefinition "widgets.example.com" is invalid: spec.scope: Invalid value: "Cluster": field is immutable"#),
        "{err}"
    );
    let regrouped = k.write(
        "crd-group.yaml",
        &updated().replace("group: example.com", "group: example.org"),
    );
    let err = k.fails(&["replace", "-f", &regrouped]).await;
    assert!(
        err.contains(r#"The CustomResourceDefinition "widgets.example.com" is invalid: spec.group: Invalid value: "example.org": field is immutable"#),
        "{err}"
    );

    // Server-side apply of the updated manifest works as well.
    let ssa = k.write(
        "crd-v3.yaml",
        &updated().replace(
            "color: {type: string}\n",
            "color: {type: string}\n              shape: {type: string}\n",
        ),
    );
    assert_eq!(
        k.ok(&["apply", "--server-side", "--force-conflicts", "-f", &ssa])
            .await,
        "customresourcedefinition.apiextensions.k8s.io/widgets.example.com serverside-applied\n"
    );
    drop(k.server);
}
