use serde_json::{Value, json};

use super::{validate_definition, validate_definition_update};

fn version(name: &str, storage: bool) -> Value {
    json!({"name": name, "served": true, "storage": storage,
        "schema": {"openAPIV3Schema": {"type": "object"}}})
}

/// A stored CRD, Established or not, with its stored versions.
fn stored(established: bool, stored_versions: &[&str]) -> Value {
    let status = if established { "True" } else { "False" };
    json!({
        "metadata": {"name": "widgets.example.com"},
        "spec": {"group": "example.com", "scope": "Namespaced",
            "names": {"plural": "widgets", "singular": "widget", "kind": "Widget", "listKind": "WidgetList"},
            "conversion": {"strategy": "None"},
            "versions": [version("v1", true)]},
        "status": {
            "conditions": [{"type": "Established", "status": status}],
            "acceptedNames": {"plural": "widgets", "kind": "Widget"},
            "storedVersions": stored_versions}
    })
}

fn messages(new: &Value, old: &Value) -> Vec<String> {
    validate_definition_update(new, old, &mut |_, _, _| Vec::new())
        .iter()
        .map(ToString::to_string)
        .collect()
}

#[test]
fn an_unchanged_crd_is_valid() {
    let old = stored(true, &["v1"]);
    assert!(
        messages(&old, &old).is_empty(),
        "{:?}",
        messages(&old, &old)
    );
}

#[test]
fn group_and_plural_never_change_and_the_name_rule_is_not_repeated() {
    let old = stored(false, &["v1"]);
    let mut new = old.clone();
    new["spec"]["group"] = json!("example.org");
    new["spec"]["names"]["plural"] = json!("gadgets");
    assert_eq!(
        messages(&new, &old),
        [
            "spec.group: Invalid value: \"example.org\": field is immutable",
            "spec.names.plural: Invalid value: \"gadgets\": field is immutable",
        ]
    );
    // On create the same object breaks the name rule instead.
    let created: Vec<String> = validate_definition(&new, &mut |_, _, _| Vec::new())
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        created,
        [
            "metadata.name: Invalid value: \"widgets.example.com\": must be spec.names.plural+\".\"+spec.group"
        ]
    );
}

#[test]
fn scope_and_kind_are_immutable_once_established() {
    let mut new = stored(true, &["v1"]);
    new["spec"]["scope"] = json!("Cluster");
    new["spec"]["names"]["kind"] = json!("Gadget");
    new["spec"]["names"]["listKind"] = json!("GadgetList");
    assert_eq!(
        messages(&new, &stored(true, &["v1"])),
        [
            "spec.scope: Invalid value: \"Cluster\": field is immutable",
            "spec.names.kind: Invalid value: \"Gadget\": field is immutable",
        ]
    );
    // Before the CRD is Established both may still change.
    assert!(messages(&new, &stored(false, &["v1"])).is_empty());
}

#[test]
fn a_stored_version_stays_in_spec_versions() {
    let old = stored(true, &["v1beta1", "v1"]);
    let mut new = old.clone();
    new["spec"]["versions"] = json!([version("v1", true)]);
    assert_eq!(
        messages(&new, &old),
        [
            "status.storedVersions[0]: Invalid value: \"v1beta1\": missing from spec.versions; v1beta1 was previously a storage version, and must remain in spec.versions until a storage migration ensures no data remains persisted in v1beta1 and removes v1beta1 from status.storedVersions"
        ]
    );
    // Moving the storage to a new version keeps v1, which is then stored too.
    let old = stored(true, &["v1"]);
    let mut moved = old.clone();
    moved["spec"]["versions"] = json!([version("v2", true)]);
    assert_eq!(
        messages(&moved, &old),
        [
            "status.storedVersions[0]: Invalid value: \"v1\": missing from spec.versions; v1 was previously a storage version, and must remain in spec.versions until a storage migration ensures no data remains persisted in v1 and removes v1 from status.storedVersions"
        ]
    );
    let mut added = old.clone();
    added["spec"]["versions"] = json!([version("v1", false), version("v2", true)]);
    assert!(messages(&added, &old).is_empty());
}

#[test]
fn exactly_one_storage_version_on_update() {
    let old = stored(true, &["v1"]);
    let mut new = old.clone();
    new["spec"]["versions"] = json!([version("v1", false), version("v2", false)]);
    let found = messages(&new, &old);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].starts_with(
            "spec.versions: Invalid value: []apiextensions.CustomResourceDefinitionVersion{"
        ) && found[0].ends_with(": must have exactly one version marked as storage version"),
        "{found:?}"
    );
}

#[test]
fn rules_the_stored_crd_already_broke_are_relaxed() {
    // A CRD stored without a schema for an unserved version (accepted by older servers).
    let mut old = stored(true, &["v1"]);
    old["spec"]["versions"] = json!([version("v1", true),
        {"name": "v0", "served": false, "storage": false}]);
    let mut new = old.clone();
    new["metadata"]["labels"] = json!({"a": "b"});
    assert!(
        messages(&new, &old).is_empty(),
        "{:?}",
        messages(&new, &old)
    );
    // A served version without a schema is still refused, with the update's reason.
    new["spec"]["versions"][1]["served"] = json!(true);
    assert_eq!(
        messages(&new, &old),
        [
            "spec.versions[1].schema.openAPIV3Schema: Required value: because otherwise all fields are pruned"
        ]
    );
    // A stored CRD with every schema keeps requiring them.
    let strict = stored(true, &["v1"]);
    let mut missing = strict.clone();
    missing["spec"]["versions"] = json!([version("v1", true),
        {"name": "v0", "served": false, "storage": false}]);
    assert_eq!(
        messages(&missing, &strict),
        ["spec.versions[1].schema.openAPIV3Schema: Required value: schemas are required"]
    );
}

#[test]
fn unrecognized_review_versions_and_preserve_unknown_fields_stay_when_stored() {
    let webhook = |versions: Value| {
        json!({"strategy": "Webhook", "webhook": {
            "clientConfig": {"url": "https://conv.example.com"},
            "conversionReviewVersions": versions}})
    };
    let mut old = stored(true, &["v1"]);
    old["spec"]["conversion"] = webhook(json!(["v9"]));
    let mut new = old.clone();
    new["spec"]["conversion"] = webhook(json!(["v9", "v8"]));
    assert!(
        messages(&new, &old).is_empty(),
        "{:?}",
        messages(&new, &old)
    );
    let strict = stored(true, &["v1"]);
    assert_eq!(
        messages(&new, &strict),
        [
            "spec.conversion.conversionReviewVersions: Invalid value: []string{\"v9\", \"v8\"}: must include at least one of v1, v1beta1"
        ]
    );

    let mut preserving = stored(true, &["v1"]);
    preserving["spec"]["preserveUnknownFields"] = json!(true);
    assert!(messages(&preserving, &preserving).is_empty());
    assert_eq!(
        messages(&preserving, &stored(true, &["v1"])),
        [
            "spec.preserveUnknownFields: Invalid value: true: cannot set to true, set x-kubernetes-preserve-unknown-fields to true in spec.versions[*].schema instead"
        ]
    );
}
