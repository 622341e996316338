//! `x-kubernetes-embedded-resource`: an embedded object needs `apiVersion` and `kind`, a
//! parseable group/version and a kind that is a DNS-1035 label once lowercased, as
//! apiextensions' object-meta validation requires (the resource root is checked elsewhere).

use serde_json::{Map, Value};

use super::{child_path as child, specified_fields};
use crate::status::FieldError;
use crate::validation::is_dns1035_label;

/// The embedded-resource errors of `obj` under `schema`, paths from the object's root.
pub fn validate_embedded_resources(schema: &Value, obj: &Value) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if let (Some(node), Some(map)) = (schema.as_object(), obj.as_object()) {
        // The root is the resource itself: only what it holds is looked at.
        children(node, map, "", &mut errors);
    }
    errors
}

fn children(
    node: &Map<String, Value>,
    map: &Map<String, Value>,
    path: &str,
    errors: &mut Vec<FieldError>,
) {
    for (_, schema, value, at) in specified_fields(node, map, path) {
        walk(schema, value, &at, errors);
    }
}

fn walk(node: &Map<String, Value>, value: &Value, path: &str, errors: &mut Vec<FieldError>) {
    match value {
        Value::Object(map) => {
            if node.get("x-kubernetes-embedded-resource") == Some(&Value::Bool(true)) {
                embedded(map, path, errors);
            }
            children(node, map, path, errors);
        }
        Value::Array(items) => {
            if let Some(schema) = node.get("items").and_then(Value::as_object) {
                for (i, item) in items.iter().enumerate() {
                    walk(schema, item, &format!("{path}[{i}]"), errors);
                }
            }
        }
        _ => {}
    }
}

fn embedded(map: &Map<String, Value>, path: &str, errors: &mut Vec<FieldError>) {
    let api_version = child(path, "apiVersion");
    let kind = child(path, "kind");
    match map.get("apiVersion") {
        None => errors.push(FieldError::required(api_version, "must not be empty")),
        Some(Value::String(s)) if s.is_empty() => {
            errors.push(FieldError::invalid(
                api_version,
                Value::String(s.clone()),
                "must not be empty",
            ));
        }
        Some(Value::String(s)) if s.matches('/').count() > 1 => errors.push(FieldError::invalid(
            api_version,
            Value::String(s.clone()),
            format!("unexpected GroupVersion string: {s}"),
        )),
        Some(Value::String(_)) => {}
        Some(other) => errors.push(FieldError::invalid(
            api_version,
            other.clone(),
            "must be a string",
        )),
    }
    match map.get("kind") {
        None => errors.push(FieldError::required(kind, "must not be empty")),
        Some(Value::String(s)) if s.is_empty() => {
            errors.push(FieldError::invalid(
                kind,
                Value::String(s.clone()),
                "must not be empty",
            ));
        }
        Some(Value::String(s)) => {
            let problems = is_dns1035_label(&s.to_lowercase());
            if !problems.is_empty() {
                errors.push(FieldError::invalid(
                    kind,
                    Value::String(s.clone()),
                    format!(
                        "may have mixed case, but should otherwise match: {}",
                        problems.join(",")
                    ),
                ));
            }
        }
        Some(other) => errors.push(FieldError::invalid(kind, other.clone(), "must be a string")),
    }
}
