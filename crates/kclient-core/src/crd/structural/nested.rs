//! The logical junctors (`allOf`, `anyOf`, `oneOf`, `not`): what they may hold in a structural
//! schema (value validations only) and the completeness rule (every field or item they name is
//! also specified outside them).

use serde_json::{Map, Value};

use super::{Level, Path, items_schema, properties};
use crate::status::FieldError;

/// Checks the junctors of a structural node (`validateValueValidation` on its value validation).
pub(super) fn value_validation(
    node: &Map<String, Value>,
    level: Level,
    path: &Path,
    errors: &mut Vec<FieldError>,
) {
    let skip_any_of = is_int_or_string_any_of(node);
    let skip_first_all_of_any_of = node
        .get("allOf")
        .and_then(Value::as_array)
        .and_then(|all| all.first())
        .and_then(Value::as_object)
        .is_some_and(is_int_or_string_any_of);
    junctors(
        node,
        skip_any_of,
        skip_first_all_of_any_of,
        level,
        path,
        errors,
    );
}

/// `anyOf: [{type: integer}, {type: string}]` exactly: the one shape an int-or-string node's
/// junctor may have.
fn is_int_or_string_any_of(node: &Map<String, Value>) -> bool {
    let Some(any_of) = node.get("anyOf").and_then(Value::as_array) else {
        return false;
    };
    let only_type = |v: &Value, ty: &str| {
        v.as_object()
            .is_some_and(|m| m.len() == 1 && m.get("type").and_then(Value::as_str) == Some(ty))
    };
    any_of.len() == 2 && only_type(&any_of[0], "integer") && only_type(&any_of[1], "string")
}

fn junctors(
    node: &Map<String, Value>,
    skip_any_of: bool,
    skip_first_all_of_any_of: bool,
    level: Level,
    path: &Path,
    errors: &mut Vec<FieldError>,
) {
    if !skip_any_of {
        for (i, v) in list(node, "anyOf").enumerate() {
            nested(
                v,
                false,
                false,
                level,
                &path.child("anyOf").index(i),
                errors,
            );
        }
    }
    for (i, v) in list(node, "allOf").enumerate() {
        let skip = skip_first_all_of_any_of && i == 0;
        nested(v, skip, false, level, &path.child("allOf").index(i), errors);
    }
    for (i, v) in list(node, "oneOf").enumerate() {
        nested(
            v,
            false,
            false,
            level,
            &path.child("oneOf").index(i),
            errors,
        );
    }
    if let Some(not) = node.get("not").and_then(Value::as_object) {
        nested(not, false, false, level, &path.child("not"), errors);
    }
}

fn list<'a>(
    node: &'a Map<String, Value>,
    key: &str,
) -> impl Iterator<Item = &'a Map<String, Value>> {
    node.get(key)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
}

/// A schema under a junctor: value validations only (`validateNestedValueValidation`).
fn nested(
    v: &Map<String, Value>,
    skip_any_of: bool,
    skip_all_of_any_of: bool,
    level: Level,
    path: &Path,
    errors: &mut Vec<FieldError>,
) {
    junctors(v, skip_any_of, skip_all_of_any_of, level, path, errors);
    if let Some(items) = items_schema(v) {
        nested(items, false, false, level, &path.child("items"), errors);
    }
    for (key, property) in properties(v).into_iter().flatten() {
        if let Some(property) = property.as_object() {
            nested(
                property,
                false,
                false,
                Level::Field,
                &path.child("properties").key(key),
                errors,
            );
        }
    }
    let set = |key: &str| v.get(key).is_some_and(|value| !super::is_zero(value));
    let forbid = |errors: &mut Vec<FieldError>, key: &str, detail: &str| {
        errors.push(FieldError::forbidden(path.child(key).0, detail));
    };
    if set("type") {
        forbid(errors, "type", "must be empty to be structural");
    }
    if v.contains_key("additionalProperties") {
        forbid(
            errors,
            "additionalProperties",
            "must be undefined to be structural",
        );
    }
    if v.get("default").is_some_and(|d| !d.is_null()) {
        forbid(errors, "default", "must be undefined to be structural");
    }
    for (key, detail) in [
        ("title", "must be empty to be structural"),
        ("description", "must be empty to be structural"),
        ("nullable", "must be false to be structural"),
        (
            "x-kubernetes-preserve-unknown-fields",
            "must be false to be structural",
        ),
        (
            "x-kubernetes-embedded-resource",
            "must be false to be structural",
        ),
        (
            "x-kubernetes-int-or-string",
            "must be false to be structural",
        ),
        (
            "x-kubernetes-list-map-keys",
            "must be empty to be structural",
        ),
        ("x-kubernetes-validations", "must be empty to be structural"),
    ] {
        if set(key) {
            forbid(errors, key, detail);
        }
    }
    for key in ["x-kubernetes-list-type", "x-kubernetes-map-type"] {
        if v.get(key).is_some_and(|value| !value.is_null()) {
            forbid(errors, key, "must be undefined to be structural");
        }
    }
    if properties(v).is_some_and(|p| p.contains_key("metadata")) {
        errors.push(FieldError::forbidden(
            path.child("properties").key("metadata").0,
            "must not be specified in a nested context",
        ));
    }
}

/// Every property or item a junctor of the root names is also specified in the structural
/// part (`validateStructuralCompleteness`, which kube-apiserver applies from the root).
pub(super) fn completeness(root: &Map<String, Value>, path: &Path, errors: &mut Vec<FieldError>) {
    junctor_completeness(root, Some(root), path, path, errors);
}

fn junctor_completeness(
    v: &Map<String, Value>,
    s: Option<&Map<String, Value>>,
    s_path: &Path,
    v_path: &Path,
    errors: &mut Vec<FieldError>,
) {
    if let Some(not) = v.get("not").and_then(Value::as_object) {
        nested_completeness(not, s, s_path, &v_path.child("not"), errors);
    }
    for key in ["allOf", "anyOf", "oneOf"] {
        for (i, variant) in list(v, key).enumerate() {
            nested_completeness(variant, s, s_path, &v_path.child(key).index(i), errors);
        }
    }
}

fn nested_completeness(
    v: &Map<String, Value>,
    s: Option<&Map<String, Value>>,
    s_path: &Path,
    v_path: &Path,
    errors: &mut Vec<FieldError>,
) {
    let Some(s) = s else {
        errors.push(FieldError::required(
            s_path.0.clone(),
            format!("because it is defined in {}", v_path.0),
        ));
        return;
    };
    junctor_completeness(v, Some(s), s_path, v_path, errors);
    if let Some(items) = items_schema(v) {
        nested_completeness(
            items,
            items_schema(s),
            &s_path.child("items"),
            &v_path.child("items"),
            errors,
        );
    }
    for (key, property) in properties(v).into_iter().flatten() {
        let Some(property) = property.as_object() else {
            continue;
        };
        let s_property = properties(s)
            .and_then(|p| p.get(key))
            .and_then(Value::as_object);
        let s_child = s_path.child("properties").key(key);
        let v_child = v_path.child("properties").key(key);
        match s_property {
            None => errors.push(FieldError::required(
                s_child.0,
                format!("because it is defined in {}", v_child.0),
            )),
            Some(s_property) => {
                nested_completeness(property, Some(s_property), &s_child, &v_child, errors)
            }
        }
    }
}
