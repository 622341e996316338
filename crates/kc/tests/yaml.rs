//! `kc get -o yaml` prints the same bytes as `kubectl get -o yaml` on the same server: one
//! object, a list, and a custom resource holding every kind of value.

mod common;

use common::{Env, OBJECTS};
use serde_json::Value;

/// A ConfigMap whose values need every kind of quoting, beside [`OBJECTS`].
const TRICKY: &str = "\
apiVersion: v1
kind: ConfigMap
metadata:
  name: tricky
  namespace: web
  labels: {app: web, k9: x, k10: y, A: z, a_u: w}
  annotations:
    flag: 'true'
    port: '8080'
    when: '2024-01-01'
    ratio: '1:20'
    note: a long annotation that goes on past the eightieth column, so go-yaml folds it over two lines
data:
  empty: ''
  script: |
    #!/bin/sh
    echo hi
  tab: \"a\\tb\"
";

const CRD: &str = "\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}
";

#[tokio::test]
async fn yaml_is_byte_for_byte_kubectls() {
    let env = Env::start().await;
    for (name, text) in [("objects.yaml", OBJECTS), ("tricky.yaml", TRICKY)] {
        let file = env.file(name, text);
        let created = env.kc(&["create", "-f", &file]).await;
        assert!(created.ok, "{}", created.stderr);
    }
    for args in [
        &["get", "cm", "tricky", "-n", "web", "-o", "yaml"][..],
        &["get", "deploy", "nginx", "-n", "web", "-o", "yaml"],
        &["get", "cm,deploy", "-n", "web", "-o", "yaml"],
        &["get", "ns", "-o", "yaml"],
    ] {
        env.same_everywhere(args).await;
    }

    // A custom resource with every shape of value (the object the emitter's unit tests
    // compare with kubectl's output), as the server stores it.
    let crd = env.file("crd.yaml", CRD);
    assert!(env.kc(&["create", "-f", &crd]).await.ok);
    let mut widget: Value =
        serde_json::from_str(include_str!("../src/print/yaml/testdata/widget.json"))
            .expect("fixture");
    widget["metadata"] = serde_json::json!({"name": "tricky", "namespace": "web"});
    let widget = env.file("widget.json", &widget.to_string());
    let mut created = env.kc(&["create", "-f", &widget]).await;
    for _ in 0..20 {
        if created.ok {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        created = env.kc(&["create", "-f", &widget]).await;
    }
    assert!(created.ok, "{}", created.stderr);
    let run = env
        .same_everywhere(&["get", "widgets", "tricky", "-n", "web", "-o", "yaml"])
        .await;
    assert!(
        run.stdout
            .contains("  ? |-\n    multi\n    line key\n  : v\n")
    );
}
