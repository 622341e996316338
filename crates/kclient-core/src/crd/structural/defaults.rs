//! Defaults in a structural schema: each must be already pruned (no field the schema would
//! drop) and valid for its own node's schema, as apiextensions' `ValidateDefaults` requires;
//! the value is checked by the custom-resource validator (kube-openapi's, as kube-apiserver
//! does), its errors placed under the node's `default`.

use serde_json::{Map, Value};

use super::{Path, additional_schema, items_schema, properties};
use crate::crd::validate::validate_schema;
use crate::status::{FieldError, FieldErrorType, go_quote};

/// Checks the default of every node of the structural part.
pub(super) fn check(node: &Map<String, Value>, path: &Path, errors: &mut Vec<FieldError>) {
    if let Some(default) = node.get("default").filter(|d| !d.is_null()) {
        let default_path = path.child("default");
        if !pruned(default, node) {
            // Go prints the decoded default with `%#v`.
            errors.push(FieldError::new(
                FieldErrorType::Invalid,
                default_path.0.clone(),
                None,
                format!("{}: must not have unknown fields", go_interface(default)),
            ));
        }
        let schema = Value::Object(node.clone());
        for mut error in validate_schema(&schema, default) {
            // The validator names fields from the default's root; kube-apiserver puts them
            // under the node's `default`, the root itself being the `default`.
            error.field = match error.field.as_str() {
                "<nil>" => default_path.0.clone(),
                field => format!("{}.{field}", default_path.0),
            };
            errors.push(error);
        }
    }
    if let Some(items) = items_schema(node) {
        check(items, &path.child("items"), errors);
    }
    for (key, property) in properties(node).into_iter().flatten() {
        if let Some(property) = property.as_object() {
            check(property, &path.child("properties").key(key), errors);
        }
    }
    if let Some(additional) = additional_schema(node) {
        check(additional, &path.child("additionalProperties"), errors);
    }
}

/// Go's `%#v` of a JSON value decoded into `interface{}` (maps with sorted keys, integers
/// as int64, other numbers as float64).
fn go_interface(value: &Value) -> String {
    match value {
        Value::Null => "interface {}(nil)".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => go_quote(s),
        Value::Array(items) => {
            let shown: Vec<String> = items.iter().map(go_interface).collect();
            format!("[]interface {{}}{{{}}}", shown.join(", "))
        }
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let shown: Vec<String> = keys
                .into_iter()
                .map(|k| format!("{}:{}", go_quote(k), go_interface(&map[k])))
                .collect();
            format!("map[string]interface {{}}{{{}}}", shown.join(", "))
        }
    }
}

/// Whether pruning with `schema` would leave `value` as it is.
fn pruned(value: &Value, schema: &Map<String, Value>) -> bool {
    crate::crd::prune::prune_value(&mut value.clone(), schema).is_empty()
}
