//! `x-kubernetes-list-type`: the items of a `set` are unique, the keys (`x-kubernetes-list-map-keys`)
//! of a `map`'s items are unique, as apiextensions' `ValidateListSetsAndMaps` checks after the
//! schema validation. Each repeated value is reported once, at its second appearance.

use serde_json::{Map, Value};

use super::specified_fields;
use crate::status::FieldError;

/// The list-type errors of `obj` under `schema`, paths from the object's root.
pub fn validate_list_types(schema: &Value, obj: &Value) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if let (Some(node), Some(map)) = (schema.as_object(), obj.as_object()) {
        object(node, map, "", &mut errors);
    }
    errors
}

fn object(
    node: &Map<String, Value>,
    map: &Map<String, Value>,
    path: &str,
    errors: &mut Vec<FieldError>,
) {
    for (_, schema, value, at) in specified_fields(node, map, path) {
        value_of(schema, value, &at, errors);
    }
}

fn value_of(node: &Map<String, Value>, value: &Value, path: &str, errors: &mut Vec<FieldError>) {
    match value {
        Value::Array(items) => array(node, items, path, errors),
        Value::Object(map) => object(node, map, path, errors),
        _ => {}
    }
}

fn array(node: &Map<String, Value>, items: &[Value], path: &str, errors: &mut Vec<FieldError>) {
    match node.get("x-kubernetes-list-type").and_then(Value::as_str) {
        Some("set") => {
            for i in second_appearances(items) {
                errors.push(FieldError::duplicate(
                    format!("{path}[{i}]"),
                    items[i].clone(),
                ));
            }
        }
        Some("map") => list_map(node, items, path, errors),
        _ => {}
    }
    if let Some(schema) = node.get("items").and_then(Value::as_object) {
        for (i, item) in items.iter().enumerate() {
            value_of(schema, item, &format!("{path}[{i}]"), errors);
        }
    }
}

/// The index of the second appearance of every value that appears more than once.
fn second_appearances(values: &[Value]) -> Vec<usize> {
    let mut out = Vec::new();
    for (i, v) in values.iter().enumerate() {
        let earlier = values[..i].iter().filter(|e| *e == v).count();
        if earlier == 1 {
            out.push(i);
        }
    }
    out
}

fn list_map(node: &Map<String, Value>, items: &[Value], path: &str, errors: &mut Vec<FieldError>) {
    if let Some((i, item)) = items
        .iter()
        .enumerate()
        .find(|(_, x)| !x.is_null() && !x.is_object())
    {
        errors.push(FieldError::invalid(
            format!("{path}[{i}]"),
            item.clone(),
            "must be an object for an array of list-type map",
        ));
        return;
    }
    let key_fields: Vec<&str> = node
        .get("x-kubernetes-list-map-keys")
        .and_then(Value::as_array)
        .map(|k| k.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    // An item's key: the key fields it sets (a missing field and a null item count as unset).
    let keys: Vec<Value> = items
        .iter()
        .map(|item| {
            let mut key = Map::new();
            for field in &key_fields {
                if let Some(v) = item.get(*field) {
                    key.insert((*field).to_owned(), v.clone());
                }
            }
            Value::Object(key)
        })
        .collect();
    for i in second_appearances(&keys) {
        errors.push(FieldError::duplicate(
            format!("{path}[{i}]"),
            keys[i].clone(),
        ));
    }
}
