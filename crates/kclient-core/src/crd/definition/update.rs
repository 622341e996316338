//! kube-apiserver's validation of a CRD update (apiextensions'
//! `ValidateCustomResourceDefinitionUpdate`): the create rules on the new object, minus the
//! `metadata.name` rule (the name cannot change) and with the relaxations for a stored
//! object that already broke a rule, then the fields that may not change.

use serde_json::Value;

use super::parts::{self, CONVERSION_REVIEW_VERSIONS};
use super::{
    RuleCheck, Strictness, is_established, preserve_unknown_fields, schema_of, spec_errors,
    status_errors, text,
};
use crate::status::FieldError;

/// Validates `crd` replacing `old` (both JSON, `apiextensions.k8s.io/v1`), as kube-apiserver
/// does on update, patch and apply. `crd` carries the status it will be stored with: the
/// stored one, as the update strategy keeps it (the storage version is added to
/// `status.storedVersions` here as the strategy does). `rules` checks a schema's CEL rules.
///
/// `spec.group` and `spec.names.plural` never change; `spec.scope` and `spec.names.kind`
/// not once the CRD is Established.
///
/// ```
/// use kclient_core::crd::definition::validate_definition_update;
/// use serde_json::json;
///
/// let old = json!({
///     "metadata": {"name": "widgets.example.com"},
///     "spec": {"group": "example.com", "scope": "Namespaced",
///         "names": {"plural": "widgets", "kind": "Widget"},
///         "versions": [{"name": "v1", "served": true, "storage": true,
///             "schema": {"openAPIV3Schema": {"type": "object"}}}]},
///     "status": {"storedVersions": ["v1"]}
/// });
/// let mut new = old.clone();
/// new["spec"]["group"] = json!("example.org");
/// let errors = validate_definition_update(&new, &old, &mut |_, _, _| Vec::new());
/// assert_eq!(
///     errors[0].to_string(),
///     "spec.group: Invalid value: \"example.org\": field is immutable"
/// );
/// ```
pub fn validate_definition_update(
    crd: &Value,
    old: &Value,
    rules: &mut RuleCheck<'_>,
) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let spec = crd.get("spec").unwrap_or(&Value::Null);
    let old_spec = old.get("spec").unwrap_or(&Value::Null);
    spec_errors(spec, strictness_after(old), rules, &mut errors);
    if old.get("status").is_some_and(is_established) {
        // What the storage of the served resource depends on.
        immutable(spec, old_spec, "/scope", "spec.scope", &mut errors);
        immutable(
            spec,
            old_spec,
            "/names/kind",
            "spec.names.kind",
            &mut errors,
        );
    }
    // Part of the CRD's name, which never changes.
    immutable(spec, old_spec, "/group", "spec.group", &mut errors);
    immutable(
        spec,
        old_spec,
        "/names/plural",
        "spec.names.plural",
        &mut errors,
    );
    status_errors(crd, spec, &mut errors);
    if old_spec.get("preserveUnknownFields") != Some(&Value::Bool(true)) {
        preserve_unknown_fields(spec, &mut errors);
    }
    errors
}

/// Validates a write of a CRD's `status` subresource as kube-apiserver does (apiextensions'
/// `ValidateUpdateCustomResourceDefinitionStatus`): only `status.acceptedNames` is checked;
/// the spec is the stored one and `status.storedVersions` is the writer's to manage.
pub fn validate_definition_status_update(crd: &Value) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if let Some(accepted) = crd.pointer("/status/acceptedNames") {
        parts::names(accepted, "status.acceptedNames", &mut errors);
    }
    errors
}

/// Which create rules still hold on update: those the stored object satisfies.
fn strictness_after(old: &Value) -> Strictness {
    let versions: &[Value] = old
        .pointer("/spec/versions")
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice);
    // An empty list asks nothing; a list with none this server speaks was accepted once.
    let review_versions = old
        .pointer("/spec/conversion/webhook/conversionReviewVersions")
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice);
    let recognized = review_versions.is_empty()
        || review_versions
            .iter()
            .filter_map(Value::as_str)
            .any(|v| CONVERSION_REVIEW_VERSIONS.contains(&v));
    Strictness {
        openapi_schema: versions.iter().all(|v| schema_of(v).is_some()),
        recognized_review_version: recognized,
    }
}

/// `ValidateImmutableField` on a string of the spec: Go compares the values, so an absent
/// field equals an empty one.
fn immutable(
    spec: &Value,
    old_spec: &Value,
    pointer: &str,
    path: &str,
    errors: &mut Vec<FieldError>,
) {
    let value = text(spec, pointer);
    if value != text(old_spec, pointer) {
        errors.push(FieldError::invalid(
            path,
            Value::from(value),
            "field is immutable",
        ));
    }
}
