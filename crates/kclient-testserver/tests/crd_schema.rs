//! Custom resources under their CRD's `openAPIV3Schema`, as kube-apiserver 1.33 treats them:
//! 422 Invalid with apiextensions' field errors, unknown fields pruned (and reported for
//! `fieldValidation`), schema defaults applied on write and on read, validation ratcheting on
//! update, each served version validated by its own schema, non-structural schemas refused.

mod common;

use common::{Api, start};
use serde_json::{Value, json};

const CRDS: &str = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";
const WIDGETS: &str = "/apis/example.com/v1/namespaces/default/widgets";

fn schema() -> Value {
    json!({
        "type": "object",
        "properties": {
            "spec": {
                "type": "object",
                "required": ["color"],
                "properties": {
                    "color": {"type": "string", "enum": ["red", "green", "blue"]},
                    "size": {"type": "integer", "minimum": 1, "maximum": 10},
                    "name": {"type": "string", "maxLength": 8, "pattern": "^[a-z]+$"},
                    "replicas": {"type": "integer", "default": 1},
                    "mode": {"type": "string", "default": "fast"},
                    "tags": {"type": "array", "x-kubernetes-list-type": "set", "items": {"type": "string"}},
                    "port": {"x-kubernetes-int-or-string": true},
                    "extra": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}
                }
            },
            "status": {"type": "object", "properties": {"replicas": {"type": "integer"}}}
        }
    })
}

fn crd(schema: Value) -> Value {
    json!({
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com"},
        "spec": {
            "group": "example.com",
            "scope": "Namespaced",
            "names": {"plural": "widgets", "singular": "widget", "kind": "Widget"},
            "versions": [{"name": "v1", "served": true, "storage": true,
                          "schema": {"openAPIV3Schema": schema},
                          "subresources": {"status": {}}}]
        }
    })
}

fn widget(name: &str, spec: Value) -> Value {
    json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": name}, "spec": spec})
}

async fn with_crd() -> (kclient_testserver::TestServer, Api) {
    let (server, api) = start().await;
    api.post(CRDS, &crd(schema())).await.expect(201);
    (server, api)
}

/// The 422 message of a merge patch kube-apiserver refuses.
async fn refused_patch(api: &Api, path: &str, patch: &str) -> Value {
    api.patch(path, "application/merge-patch+json", patch)
        .await
        .expect(422)["message"]
        .clone()
}

fn causes(status: &Value) -> Vec<(String, String, String)> {
    status["details"]["causes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["reason"].as_str().unwrap().to_owned(),
                c["field"].as_str().unwrap().to_owned(),
                c["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn invalid_custom_resources_are_refused_with_kube_apiservers_messages() {
    let (_server, api) = with_crd().await;
    let status = api
        .post(WIDGETS, &widget("w", json!({"color": 7})))
        .await
        .expect(422);
    assert_eq!(status["reason"], "Invalid");
    assert_eq!(status["details"]["kind"], "Widget");
    assert_eq!(status["details"]["group"], "example.com");
    assert_eq!(
        status["message"],
        r#"Widget.example.com "w" is invalid: [spec.color: Invalid value: "integer": spec.color in body must be of type string: "integer", spec.color: Unsupported value: 7: supported values: "red", "green", "blue"]"#
    );
    assert_eq!(
        causes(&status),
        [
            (
                "FieldValueTypeInvalid".to_owned(),
                "spec.color".to_owned(),
                r#"Invalid value: "integer": spec.color in body must be of type string: "integer""#
                    .to_owned()
            ),
            (
                "FieldValueNotSupported".to_owned(),
                "spec.color".to_owned(),
                r#"Unsupported value: 7: supported values: "red", "green", "blue""#.to_owned()
            )
        ]
    );

    let cases = [
        (
            json!({"color": "pink"}),
            r#"spec.color: Unsupported value: "pink": supported values: "red", "green", "blue""#,
        ),
        (json!({"size": 3}), "spec.color: Required value"),
        (
            json!({"color": "red", "size": 11}),
            "spec.size: Invalid value: 11: spec.size in body should be less than or equal to 10",
        ),
        (
            json!({"color": "red", "size": 0}),
            "spec.size: Invalid value: 0: spec.size in body should be greater than or equal to 1",
        ),
        (
            json!({"color": "red", "name": "waytoolong"}),
            "spec.name: Too long: may not be more than 8 bytes",
        ),
        (
            json!({"color": "red", "name": "Caps"}),
            r#"spec.name: Invalid value: "Caps": spec.name in body should match '^[a-z]+$'"#,
        ),
        (
            json!({"color": "red", "tags": ["a", "a"]}),
            r#"spec.tags[1]: Duplicate value: "a""#,
        ),
        (
            json!({"color": "red", "port": true}),
            r#"spec.port: Invalid value: "boolean": spec.port in body must be of type integer,string: "boolean""#,
        ),
    ];
    for (spec, message) in cases {
        let status = api
            .post(WIDGETS, &widget("w", spec.clone()))
            .await
            .expect(422);
        assert_eq!(
            status["message"],
            format!(r#"Widget.example.com "w" is invalid: {message}"#),
            "{spec}"
        );
    }
    // Nothing was stored.
    api.get(&format!("{WIDGETS}/w")).await.expect(404);

    // Updates and patches are validated too.
    api.post(
        WIDGETS,
        &widget("ok", json!({"color": "red", "port": 8080})),
    )
    .await
    .expect(201);
    assert_eq!(
        refused_patch(&api, &format!("{WIDGETS}/ok"), r#"{"spec":{"size":"big"}}"#).await,
        r#"Widget.example.com "ok" is invalid: spec.size: Invalid value: "string": spec.size in body must be of type integer: "string""#
    );
    assert_eq!(
        refused_patch(
            &api,
            &format!("{WIDGETS}/ok/status"),
            r#"{"status":{"replicas":"x"}}"#
        )
        .await,
        r#"Widget.example.com "ok" is invalid: status.replicas: Invalid value: "string": status.replicas in body must be of type integer: "string""#
    );
}

#[tokio::test]
async fn unknown_fields_are_pruned_and_reported_by_field_validation() {
    let (_server, api) = with_crd().await;
    let body = widget(
        "w",
        json!({"color": "red", "shade": "dark", "extra": {"free": {"x": 1}}}),
    );
    let status = api
        .post(&format!("{WIDGETS}?fieldValidation=Strict"), &body)
        .await
        .expect(400);
    assert_eq!(
        status["message"],
        r#"Widget in version "v1" cannot be handled as a Widget: strict decoding error: unknown field "spec.shade""#
    );
    let resp = api
        .post(&format!("{WIDGETS}?fieldValidation=Warn"), &body)
        .await;
    assert_eq!(resp.status, 201);
    assert!(
        resp.header("warning")
            .unwrap_or("")
            .contains(r#"unknown field \"spec.shade\""#)
            || resp
                .header("warning")
                .unwrap_or("")
                .contains("unknown field \"spec.shade\""),
        "{:?}",
        resp.headers
    );
    let stored = api.get(&format!("{WIDGETS}/w")).await.expect(200);
    assert!(stored["spec"].get("shade").is_none(), "{stored}");
    assert_eq!(stored["spec"]["extra"], json!({"free": {"x": 1}}));

    let mut with_meta = widget("w2", json!({"color": "red", "shade": 1}));
    with_meta["metadata"]["bogus"] = json!("x");
    with_meta["top"] = json!(1);
    let created = api
        .post(&format!("{WIDGETS}?fieldValidation=Ignore"), &with_meta)
        .await
        .expect(201);
    assert!(created.get("top").is_none());
    assert!(created["metadata"].get("bogus").is_none());
    assert!(created["spec"].get("shade").is_none());
}

#[tokio::test]
async fn defaults_are_applied_on_write_and_on_read() {
    let (_server, api) = with_crd().await;
    let created = api
        .post(WIDGETS, &widget("w", json!({"color": "red", "mode": null})))
        .await
        .expect(201);
    assert_eq!(created["spec"]["replicas"], 1);
    assert_eq!(created["spec"]["mode"], "fast");

    // A default added to the CRD later shows on read, before the object is ever rewritten.
    let mut later = schema();
    later["properties"]["spec"]["properties"]["size"]["default"] = json!(5);
    let mut current = api
        .get(&format!("{CRDS}/widgets.example.com"))
        .await
        .expect(200);
    current["spec"]["versions"][0]["schema"]["openAPIV3Schema"] = later;
    api.put(&format!("{CRDS}/widgets.example.com"), &current)
        .await
        .expect(200);
    let got = api.get(&format!("{WIDGETS}/w")).await.expect(200);
    assert_eq!(got["spec"]["size"], 5);
    let list = api.get(WIDGETS).await.expect(200);
    assert_eq!(list["items"][0]["spec"]["size"], 5);
    let mut watch = api
        .watch(&format!("{WIDGETS}?watch=true&resourceVersion=0"))
        .await;
    let added = watch.next_non_bookmark().await.expect("an event");
    assert_eq!(added["type"], "ADDED");
    assert_eq!(added["object"]["spec"]["size"], 5);
}

#[tokio::test]
async fn unchanged_invalid_values_ratchet_on_update() {
    let (_server, api) = start().await;
    let loose = json!({"type": "object", "properties": {"spec": {"type": "object", "properties": {
        "color": {"type": "string"}, "size": {"type": "integer"}}}}});
    api.post(CRDS, &crd(loose)).await.expect(201);
    api.post(WIDGETS, &widget("w", json!({"color": "pink", "size": 1})))
        .await
        .expect(201);
    let mut current = api
        .get(&format!("{CRDS}/widgets.example.com"))
        .await
        .expect(200);
    current["spec"]["versions"][0]["schema"]["openAPIV3Schema"] = schema();
    api.put(&format!("{CRDS}/widgets.example.com"), &current)
        .await
        .expect(200);
    // The stored "pink" is now outside the enum, but it did not change.
    api.patch(
        &format!("{WIDGETS}/w"),
        "application/merge-patch+json",
        r#"{"spec":{"size":2}}"#,
    )
    .await
    .expect(200);
    assert_eq!(
        refused_patch(
            &api,
            &format!("{WIDGETS}/w"),
            r#"{"spec":{"color":"teal"}}"#
        )
        .await,
        r#"Widget.example.com "w" is invalid: spec.color: Unsupported value: "teal": supported values: "red", "green", "blue""#
    );
}

#[tokio::test]
async fn each_served_version_has_its_own_schema() {
    let (_server, api) = start().await;
    let mut two = crd(schema());
    two["spec"]["versions"] = json!([
        {"name": "v1", "served": true, "storage": true, "schema": {"openAPIV3Schema": schema()}},
        {"name": "v1beta1", "served": true, "storage": false,
         "schema": {"openAPIV3Schema": {"type": "object", "properties": {"spec": {"type": "object",
             "properties": {"color": {"type": "integer"}}}}}}}
    ]);
    api.post(CRDS, &two).await.expect(201);
    let beta = "/apis/example.com/v1beta1/namespaces/default/widgets";
    let mut w = widget("b", json!({"color": 3}));
    w["apiVersion"] = json!("example.com/v1beta1");
    api.post(beta, &w).await.expect(201);
    let status = api
        .post(WIDGETS, &widget("a", json!({"color": 3})))
        .await
        .expect(422);
    assert!(
        status["message"]
            .as_str()
            .unwrap()
            .contains("spec.color in body must be of type string"),
        "{status}"
    );
}

#[tokio::test]
async fn non_structural_schemas_are_refused() {
    let (_server, api) = start().await;
    let untyped = json!({"type": "object", "properties": {"spec": {"properties": {"a": {"type": "string"}}}}});
    let status = api.post(CRDS, &crd(untyped)).await.expect(422);
    assert_eq!(
        status["message"],
        // One version's schema is held as `spec.validation` by kube-apiserver.
        r#"CustomResourceDefinition.apiextensions.k8s.io "widgets.example.com" is invalid: spec.validation.openAPIV3Schema.properties[spec].type: Required value: must not be empty for specified object fields"#
    );
}

/// The 422 kube-apiserver answers for a CRD, and its causes as `(reason, field, message)`.
async fn refused_crd(api: &Api, crd: &Value) -> (String, Vec<Cause>) {
    let status = api.post(CRDS, crd).await.expect(422);
    assert_eq!(status["reason"], "Invalid", "{status}");
    assert_eq!(status["details"]["kind"], "CustomResourceDefinition");
    assert_eq!(status["details"]["group"], "apiextensions.k8s.io");
    (
        status["message"].as_str().unwrap().to_owned(),
        causes(&status),
    )
}

/// A cause as `(reason, field, message)`.
type Cause = (String, String, String);

fn cause(reason: &str, field: &str, message: &str) -> Cause {
    (reason.to_owned(), field.to_owned(), message.to_owned())
}

fn without_subresources(mut crd: Value) -> Value {
    crd["spec"]["versions"][0]
        .as_object_mut()
        .unwrap()
        .remove("subresources");
    crd
}

const INVALID_CRD: &str =
    r#"CustomResourceDefinition.apiextensions.k8s.io "widgets.example.com" is invalid: "#;

#[tokio::test]
async fn invalid_crds_are_refused_with_kube_apiservers_messages() {
    let (_server, api) = start().await;
    let spec = |properties: Value| json!({"type": "object", "properties": {"spec": {"type": "object", "properties": properties}}});
    let cases: Vec<(Value, Vec<Cause>)> = vec![
        // Metadata may restrict only name and generateName.
        (
            crd(
                json!({"type": "object", "properties": {"metadata": {"type": "object",
                "properties": {"labels": {"type": "object"}}}}}),
            ),
            vec![cause(
                "FieldValueForbidden",
                "spec.validation.openAPIV3Schema.properties[metadata]",
                "Forbidden: must not specify anything other than name and generateName, but metadata is implicitly specified",
            )],
        ),
        // `$ref` is not supported; the node has no type either (structural errors first).
        (
            crd(spec(json!({"other": {"$ref": "#/definitions/x"}}))),
            vec![
                cause(
                    "FieldValueRequired",
                    "spec.validation.openAPIV3Schema.properties[spec].properties[other].type",
                    "Required value: must not be empty for specified object fields",
                ),
                cause(
                    "FieldValueForbidden",
                    "spec.validation.openAPIV3Schema.properties[spec].properties[other].$ref",
                    "Forbidden: $ref is not supported",
                ),
            ],
        ),
        (
            crd(spec(
                json!({"labels": {"type": "object", "properties": {"a": {"type": "string"}},
                "additionalProperties": {"type": "string"}}}),
            )),
            vec![cause(
                "FieldValueForbidden",
                "spec.validation.openAPIV3Schema.properties[spec].properties[labels].additionalProperties",
                "Forbidden: additionalProperties and properties are mutual exclusive",
            )],
        ),
        (
            // (Without the status subresource, which would refuse `nullable` at the root too.)
            without_subresources(crd(json!({"type": "object", "nullable": true}))),
            vec![cause(
                "FieldValueForbidden",
                "spec.validation.openAPIV3Schema.nullable",
                "Forbidden: nullable cannot be true at the root",
            )],
        ),
        (
            crd(spec(
                json!({"free": {"type": "object", "x-kubernetes-preserve-unknown-fields": false}}),
            )),
            vec![cause(
                "FieldValueInvalid",
                "spec.validation.openAPIV3Schema.properties[spec].properties[free].x-kubernetes-preserve-unknown-fields",
                "Invalid value: false: must be true or undefined",
            )],
        ),
        (
            crd(spec(
                json!({"ports": {"type": "array", "x-kubernetes-list-type": "map",
                "items": {"type": "object", "properties": {"name": {"type": "string"}}}}}),
            )),
            vec![cause(
                "FieldValueRequired",
                "spec.validation.openAPIV3Schema.properties[spec].properties[ports].x-kubernetes-list-map-keys",
                "Required value: must not be empty if x-kubernetes-list-type is map",
            )],
        ),
        (
            crd(spec(json!({"size": {"type": "integer", "default": "big"}}))),
            vec![cause(
                "FieldValueTypeInvalid",
                "spec.validation.openAPIV3Schema.properties[spec].properties[size].default",
                // kube-openapi validates the default alone: its root has no name.
                "Invalid value: \"string\":  in body must be of type integer: \"string\"",
            )],
        ),
    ];
    for (bad, expected) in cases {
        let (message, got) = refused_crd(&api, &bad).await;
        assert_eq!(got, expected, "{message}");
        let listed: Vec<String> = expected
            .iter()
            .map(|(_, f, m)| format!("{f}: {m}"))
            .collect();
        let listed = if listed.len() == 1 {
            listed[0].clone()
        } else {
            format!("[{}]", listed.join(", "))
        };
        assert_eq!(message, format!("{INVALID_CRD}{listed}"));
    }
}

#[tokio::test]
async fn crd_spec_errors_follow_kube_apiserver() {
    let (_server, api) = start().await;
    // A version without a schema: v1 requires one.
    let mut no_schema = crd(schema());
    no_schema["spec"]["versions"][0]
        .as_object_mut()
        .unwrap()
        .remove("schema");
    let (message, _) = refused_crd(&api, &no_schema).await;
    assert_eq!(
        message,
        format!(
            "{INVALID_CRD}spec.versions[0].schema.openAPIV3Schema: Required value: schemas are required"
        )
    );

    // Two storage versions sharing one schema: the versions print as Go's `%#v` of the
    // internal type (no per-version schema, it moved to spec.validation), and the stored
    // versions, which hold the first, lack the second.
    let mut two = crd(schema());
    let mut v2 = two["spec"]["versions"][0].clone();
    v2["name"] = json!("v2");
    two["spec"]["versions"].as_array_mut().unwrap().push(v2);
    let (message, got) = refused_crd(&api, &two).await;
    let version = |name: &str| {
        format!(
            "apiextensions.CustomResourceDefinitionVersion{{Name:\"{name}\", Served:true, Storage:true, Deprecated:false, DeprecationWarning:(*string)(nil), Schema:(*apiextensions.CustomResourceValidation)(nil), Subresources:(*apiextensions.CustomResourceSubresources)(nil), AdditionalPrinterColumns:[]apiextensions.CustomResourceColumnDefinition(nil), SelectableFields:[]apiextensions.SelectableField(nil)}}"
        )
    };
    let versions = format!(
        "[]apiextensions.CustomResourceDefinitionVersion{{{}, {}}}",
        version("v1"),
        version("v2")
    );
    assert_eq!(
        got,
        [
            cause(
                "FieldValueInvalid",
                "spec.versions",
                &format!(
                    "Invalid value: {versions}: must have exactly one version marked as storage version"
                )
            ),
            cause(
                "FieldValueInvalid",
                "status.storedVersions",
                "Invalid value: []string{\"v1\"}: must have the storage version v2"
            ),
        ]
    );
    assert_eq!(
        message,
        format!(
            "{INVALID_CRD}[spec.versions: Invalid value: {versions}: must have exactly one version marked as storage version, status.storedVersions: Invalid value: []string{{\"v1\"}}: must have the storage version v2]"
        )
    );

    // Name, group and scope.
    let mut named = crd(schema());
    named["metadata"]["name"] = json!("gadgets.example.com");
    named["spec"]["scope"] = json!("Global");
    let (message, _) = refused_crd(&api, &named).await;
    assert_eq!(
        message,
        r#"CustomResourceDefinition.apiextensions.k8s.io "gadgets.example.com" is invalid: [metadata.name: Invalid value: "gadgets.example.com": must be spec.names.plural+"."+spec.group, spec.scope: Unsupported value: "Global": supported values: "Cluster", "Namespaced"]"#
    );
}

#[tokio::test]
async fn cel_rules_validate_writes() {
    let (_server, api) = start().await;
    let ruled = json!({"type": "object", "properties": {"spec": {"type": "object",
        "x-kubernetes-validations": [
            {"rule": "self.min <= self.max", "message": "min must not exceed max"},
            {"rule": "self.max >= oldSelf.max", "messageExpression": "'max may not shrink below ' + string(oldSelf.max)"}
        ],
        "properties": {"min": {"type": "integer"}, "max": {"type": "integer"}}}}});
    api.post(CRDS, &crd(ruled)).await.expect(201);
    let status = api
        .post(WIDGETS, &widget("w", json!({"min": 5, "max": 1})))
        .await
        .expect(422);
    assert_eq!(
        status["message"],
        r#"Widget.example.com "w" is invalid: spec: Invalid value: "object": min must not exceed max"#
    );
    api.post(WIDGETS, &widget("w", json!({"min": 1, "max": 5})))
        .await
        .expect(201);
    assert_eq!(
        refused_patch(&api, &format!("{WIDGETS}/w"), r#"{"spec":{"max":3}}"#).await,
        r#"Widget.example.com "w" is invalid: spec: Invalid value: "object": max may not shrink below 5"#
    );
    // A wrong type blocks the rules, as kube-apiserver does not run them on such an object.
    assert_eq!(
        refused_patch(&api, &format!("{WIDGETS}/w"), r#"{"spec":{"max":"many"}}"#).await,
        r#"Widget.example.com "w" is invalid: [spec.max: Invalid value: "string": spec.max in body must be of type integer: "string", <nil>: Invalid value: "null": some validation rules were not checked because the object was invalid; correct the existing errors to complete validation]"#
    );
}

#[tokio::test]
async fn crds_with_rules_that_do_not_compile_are_refused() {
    let (_server, api) = start().await;
    let broken = json!({"type": "object", "properties": {"spec": {"type": "object",
        "x-kubernetes-validations": [{"rule": "self.min <="}],
        "properties": {"min": {"type": "integer"}}}}});
    let status = api.post(CRDS, &crd(broken)).await.expect(422);
    let message = status["message"].as_str().unwrap();
    assert!(
        // One version's schema is held as `spec.validation` by kube-apiserver, which reports
        // its errors there.
        message.starts_with(r#"CustomResourceDefinition.apiextensions.k8s.io "widgets.example.com" is invalid: spec.validation.openAPIV3Schema.properties[spec].x-kubernetes-validations[0].rule: Invalid value: apiextensions.ValidationRule{Rule:"self.min <=""#),
        "{message}"
    );
    assert!(message.contains("compilation failed: "), "{message}");
}
