//! kubectl, unchanged, against the test server's `x-kubernetes-validations`: a CRD whose rule
//! does not type-check is refused with kube-apiserver's 422, and custom resources breaking
//! the rules of an accepted CRD (messages, `messageExpression`, `reason`, `fieldPath`,
//! transition rules, the Kubernetes quantity and format libraries) get the errors kubectl
//! shows on a real cluster.

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
            x-kubernetes-validations:
            - rule: self.minReplicas <= self.maxReplicas
              message: minReplicas must not exceed maxReplicas
            - rule: quantity(self.memory).compareTo(quantity('1Gi')) <= 0
              messageExpression: "'memory ' + self.memory + ' exceeds 1Gi'"
              reason: FieldValueForbidden
              fieldPath: .memory
            - rule: "!has(oldSelf.mode) || oldSelf.mode != 'locked' || self.mode == 'locked'"
              message: a locked widget stays locked
            properties:
              minReplicas: {type: integer}
              maxReplicas: {type: integer}
              memory: {type: string, maxLength: 32}
              mode: {type: string, maxLength: 16}
              name:
                type: string
                maxLength: 63
                x-kubernetes-validations:
                - rule: "!format.dns1123Label().validate(self).hasValue()"
                  message: must be a DNS label
"#;

fn widget(spec: &str) -> String {
    format!("apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\nspec:\n{spec}")
}

#[tokio::test]
async fn crd_rules_are_compiled_and_custom_resources_checked_against_them() {
    let k = Kubectl::start().await;

    // A rule naming a field the schema does not declare is refused with the CRD.
    let bad = k.write(
        "bad-crd.yaml",
        &CRD.replace(
            "rule: self.minReplicas <= self.maxReplicas",
            "rule: self.minReplica <= self.maxReplicas",
        ),
    );
    let err = k.fails(&["apply", "-f", &bad]).await;
    assert!(
        err.contains(r#"The CustomResourceDefinition "widgets.example.com" is invalid: spec.validation.openAPIV3Schema.properties[spec].x-kubernetes-validations[0].rule: Invalid value: apiextensions.ValidationRule{Rule:"self.minReplica <= self.maxReplicas", Message:"minReplicas must not exceed maxReplicas", MessageExpression:"", Reason:(*apiextensions.FieldValueErrorReason)(nil), FieldPath:"", OptionalOldSelf:(*bool)(nil)}: compilation failed: ERROR: <input>:1:5: undefined field 'minReplica'"#),
        "{err}"
    );
    // A rule comparing an integer with a string does not type-check either.
    let mistyped = k.write(
        "mistyped-crd.yaml",
        &CRD.replace(
            "rule: self.minReplicas <= self.maxReplicas",
            "rule: self.minReplicas <= 'ten'",
        ),
    );
    let err = k.fails(&["apply", "-f", &mistyped]).await;
    assert!(
        err.contains("compilation failed: ERROR: <input>:1:18: found no matching overload for '_<=_' applied to '(int, string)'"),
        "{err}"
    );

    let crd = k.write("crd.yaml", CRD);
    k.ok(&["apply", "-f", &crd]).await;
    k.ok(&[
        "wait",
        "--for=condition=Established",
        "crd/widgets.example.com",
        "--timeout=20s",
    ])
    .await;

    let broken = k.write(
        "broken.yaml",
        &widget("  minReplicas: 5\n  maxReplicas: 2\n  memory: 2Gi\n  name: Not_A_Label\n"),
    );
    let err = k.fails(&["apply", "-f", &broken]).await;
    assert!(err.contains(r#"The Widget "w" is invalid: "#), "{err}");
    for line in [
        r#"spec: Invalid value: "object": minReplicas must not exceed maxReplicas"#,
        "spec.memory: Forbidden: memory 2Gi exceeds 1Gi",
        r#"spec.name: Invalid value: "string": must be a DNS label"#,
    ] {
        assert!(err.contains(line), "{line} not in {err}");
    }

    let good = k.write(
        "good.yaml",
        &widget(
            "  minReplicas: 1\n  maxReplicas: 2\n  memory: 512Mi\n  name: web\n  mode: locked\n",
        ),
    );
    assert_eq!(
        k.ok(&["apply", "-f", &good]).await,
        "widget.example.com/w created\n"
    );
    // The transition rule sees the stored object on update.
    let unlocked = k.write(
        "unlocked.yaml",
        &widget("  minReplicas: 1\n  maxReplicas: 2\n  memory: 512Mi\n  name: web\n  mode: open\n"),
    );
    let err = k.fails(&["apply", "-f", &unlocked]).await;
    assert!(
        err.contains(r#"The Widget "w" is invalid: spec: Invalid value: "object": a locked widget stays locked"#),
        "{err}"
    );
    drop(k.server);
}
