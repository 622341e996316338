use serde_json::{Value, json};

use super::validate_definition;

fn crd(versions: Value) -> Value {
    json!({
        "metadata": {"name": "widgets.example.com"},
        "spec": {"group": "example.com", "scope": "Namespaced",
            "names": {"plural": "widgets", "kind": "Widget"},
            "versions": versions}
    })
}

fn schema() -> Value {
    json!({"openAPIV3Schema": {"type": "object"}})
}

fn messages(crd: &Value) -> Vec<String> {
    validate_definition(crd, &mut |_, _, _| Vec::new())
        .iter()
        .map(ToString::to_string)
        .collect()
}

#[test]
fn a_valid_crd_has_no_errors() {
    let ok = crd(json!([{"name": "v1", "served": true, "storage": true, "schema": schema()}]));
    assert!(messages(&ok).is_empty(), "{:?}", messages(&ok));
}

#[test]
fn different_schemas_are_reported_per_version() {
    let untyped = json!({"openAPIV3Schema": {"type": "object",
        "properties": {"spec": {"properties": {}}}}});
    let two = crd(json!([
        {"name": "v1", "served": true, "storage": true, "schema": untyped},
        {"name": "v2", "served": true, "storage": false, "schema": schema()}
    ]));
    assert_eq!(
        messages(&two),
        [
            "spec.versions[0].schema.openAPIV3Schema.properties[spec].type: Required value: must not be empty for specified object fields"
        ]
    );
}

#[test]
fn two_storage_versions_show_the_versions_as_go_prints_them() {
    let two = crd(json!([
        {"name": "v1", "served": true, "storage": true, "schema": schema()},
        {"name": "v2", "served": true, "storage": true, "schema": schema()}
    ]));
    let version = |name: &str| {
        format!(
            "apiextensions.CustomResourceDefinitionVersion{{Name:\"{name}\", Served:true, Storage:true, Deprecated:false, DeprecationWarning:(*string)(nil), Schema:(*apiextensions.CustomResourceValidation)(nil), Subresources:(*apiextensions.CustomResourceSubresources)(nil), AdditionalPrinterColumns:[]apiextensions.CustomResourceColumnDefinition(nil), SelectableFields:[]apiextensions.SelectableField(nil)}}"
        )
    };
    assert_eq!(
        messages(&two),
        [
            format!(
                "spec.versions: Invalid value: []apiextensions.CustomResourceDefinitionVersion{{{}, {}}}: must have exactly one version marked as storage version",
                version("v1"),
                version("v2")
            ),
            "status.storedVersions: Invalid value: []string{\"v1\"}: must have the storage version v2"
                .to_owned(),
        ]
    );
}

#[test]
fn spec_fields_in_kube_apiservers_order() {
    let bad = json!({
        "metadata": {"name": "widgets.example.com"},
        "spec": {"group": "example", "scope": "Global",
            "names": {"plural": "widgets", "kind": "Widget", "listKind": "Widget", "shortNames": ["W"]},
            "versions": [{"name": "V1", "served": true, "storage": false}]}
    });
    assert_eq!(
        messages(&bad),
        [
            "metadata.name: Invalid value: \"widgets.example.com\": must be spec.names.plural+\".\"+spec.group",
            "spec.group: Invalid value: \"example\": should be a domain with at least one dot",
            "spec.scope: Unsupported value: \"Global\": supported values: \"Cluster\", \"Namespaced\"",
            "spec.versions[0].schema.openAPIV3Schema: Required value: schemas are required",
            "spec.versions[0].name: Invalid value: \"V1\": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
            "spec.versions: Invalid value: []apiextensions.CustomResourceDefinitionVersion{apiextensions.CustomResourceDefinitionVersion{Name:\"V1\", Served:true, Storage:false, Deprecated:false, DeprecationWarning:(*string)(nil), Schema:(*apiextensions.CustomResourceValidation)(nil), Subresources:(*apiextensions.CustomResourceSubresources)(nil), AdditionalPrinterColumns:[]apiextensions.CustomResourceColumnDefinition(nil), SelectableFields:[]apiextensions.SelectableField(nil)}}: must have exactly one version marked as storage version",
            "spec.version: Invalid value: \"V1\": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
            "spec.names.shortNames[0]: Invalid value: \"W\": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
            "spec.names.listKind: Invalid value: \"Widget\": kind and listKind may not be the same",
            "status.storedVersions: Invalid value: []string(nil): must have at least one stored version",
        ]
    );
}

#[test]
fn shared_columns_and_scale_paths_are_checked_once_in_the_spec() {
    let version = |name: &str, storage: bool| {
        json!({"name": name, "served": true, "storage": storage, "schema": schema(),
            "subresources": {"scale": {"specReplicasPath": "spec.replicas", "statusReplicasPath": ".spec.replicas"}},
            "additionalPrinterColumns": [{"name": "Size", "type": "int", "jsonPath": ".spec.size"}]})
    };
    let c = crd(json!([version("v1", true), version("v2", false)]));
    assert_eq!(
        messages(&c),
        [
            "spec.subresources.scale.specReplicasPath: Invalid value: \"spec.replicas\": must be a simple json path starting with .",
            "spec.subresources.scale.statusReplicasPath: Invalid value: \".spec.replicas\": should be a json path under .status",
            "spec.additionalPrinterColumns[0].type: Invalid value: \"int\": must be one of boolean,date,integer,number,string",
        ]
    );
}

#[test]
fn preserve_unknown_fields_is_refused_and_blocks_defaults() {
    let with = |schema: Value| {
        let mut c = crd(json!([{"name": "v1", "served": true, "storage": true,
            "schema": {"openAPIV3Schema": schema}}]));
        c["spec"]["preserveUnknownFields"] = json!(true);
        c
    };
    // A field named `default` is no default.
    let named = with(json!({"type": "object", "properties": {"default": {"type": "string"}}}));
    assert_eq!(
        messages(&named),
        [
            "spec.preserveUnknownFields: Invalid value: true: cannot set to true, set x-kubernetes-preserve-unknown-fields to true in spec.versions[*].schema instead"
        ]
    );
    let defaulted = with(
        json!({"type": "object", "properties": {"spec": {"type": "object",
        "properties": {"a": {"type": "string", "default": "x"}}}}}),
    );
    assert_eq!(
        messages(&defaulted),
        [
            "spec.preserveUnknownFields: Invalid value: true: must be false in order to use defaults in the schema",
            "spec.preserveUnknownFields: Invalid value: true: cannot set to true, set x-kubernetes-preserve-unknown-fields to true in spec.versions[*].schema instead",
        ]
    );
}
