//! Schema defaults of a custom resource, as kube-apiserver applies them when it decodes a
//! request or reads an object from storage: a property that is missing (or null without
//! `nullable`) gets its schema's `default`, then defaulting goes on inside every field, the
//! defaulted ones included; null items and map values that are not nullable get their
//! schema's default too. Afterwards, nulls that are neither nullable nor defaulted are
//! dropped, as apiextensions does after pruning.
//!
//! ```
//! use kclient_core::crd::default::apply_defaults;
//! use serde_json::json;
//!
//! let schema = json!({"type": "object", "properties": {"spec": {"type": "object",
//!     "default": {}, "properties": {"replicas": {"type": "integer", "default": 1}}}}});
//! let mut cr = json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}});
//! apply_defaults(&mut cr, &schema);
//! assert_eq!(cr["spec"], json!({"replicas": 1}));
//! ```

use serde_json::{Map, Value};

/// Applies the defaults of `schema` (an `openAPIV3Schema`) to `obj`, then drops the nulls of
/// fields that are neither nullable nor defaulted.
pub fn apply_defaults(obj: &mut Value, schema: &Value) {
    if let Some(node) = schema.as_object() {
        default(obj, node);
        drop_nulls(obj, node);
    }
}

/// Whether any node of `schema` (its properties, items, additional properties and junctors
/// included) has a `default`: whether defaulting can change an object at all.
pub fn has_defaults(schema: &Value) -> bool {
    let Some(node) = schema.as_object() else {
        return false;
    };
    let values = |key: &str| -> Vec<&Value> {
        match node.get(key) {
            Some(Value::Object(m)) if key == "properties" => m.values().collect(),
            Some(Value::Array(a)) => a.iter().collect(),
            Some(v) => vec![v],
            None => Vec::new(),
        }
    };
    node.contains_key("default")
        || [
            "properties",
            "items",
            "additionalProperties",
            "allOf",
            "anyOf",
            "oneOf",
            "not",
        ]
        .iter()
        .flat_map(|key| values(key))
        .any(has_defaults)
}

fn nullable(node: &Map<String, Value>) -> bool {
    node.get("nullable") == Some(&Value::Bool(true))
}

fn default_of(node: &Map<String, Value>) -> Option<&Value> {
    node.get("default").filter(|d| !d.is_null())
}

fn properties(node: &Map<String, Value>) -> Option<&Map<String, Value>> {
    node.get("properties").and_then(Value::as_object)
}

fn additional(node: &Map<String, Value>) -> Option<&Map<String, Value>> {
    node.get("additionalProperties").and_then(Value::as_object)
}

/// Whether a value is a null the schema does not allow.
fn non_nullable_null(value: &Value, node: &Map<String, Value>) -> bool {
    value.is_null() && !nullable(node)
}

fn default(value: &mut Value, node: &Map<String, Value>) {
    match value {
        Value::Object(map) => {
            for (key, prop) in properties(node).into_iter().flatten() {
                let Some(prop) = prop.as_object() else {
                    continue;
                };
                let Some(d) = default_of(prop) else {
                    continue;
                };
                if map.get(key).is_none_or(|v| non_nullable_null(v, prop)) {
                    map.insert(key.clone(), d.clone());
                }
            }
            for (key, v) in map.iter_mut() {
                if let Some(prop) = properties(node)
                    .and_then(|p| p.get(key))
                    .and_then(Value::as_object)
                {
                    default(v, prop);
                } else if let Some(extra) = additional(node) {
                    if non_nullable_null(v, extra)
                        && let Some(d) = default_of(extra)
                    {
                        *v = d.clone();
                    }
                    default(v, extra);
                }
            }
        }
        Value::Array(items) => {
            let Some(item_schema) = node.get("items").and_then(Value::as_object) else {
                return;
            };
            for item in items.iter_mut() {
                if non_nullable_null(item, item_schema)
                    && let Some(d) = default_of(item_schema)
                {
                    *item = d.clone();
                }
                default(item, item_schema);
            }
        }
        _ => {}
    }
}

/// apiextensions' `PruneNonNullableNullsWithoutDefaults`: a null field whose schema is neither
/// nullable nor defaulted is removed.
fn drop_nulls(value: &mut Value, node: &Map<String, Value>) {
    match value {
        Value::Object(map) => {
            map.retain(|key, v| {
                let schema = properties(node)
                    .and_then(|p| p.get(key))
                    .and_then(Value::as_object)
                    .or_else(|| additional(node));
                match schema {
                    Some(s) => !(v.is_null() && !nullable(s) && default_of(s).is_none()),
                    None => true,
                }
            });
            for (key, v) in map.iter_mut() {
                let schema = properties(node)
                    .and_then(|p| p.get(key))
                    .and_then(Value::as_object)
                    .or_else(|| additional(node));
                if let Some(s) = schema {
                    drop_nulls(v, s);
                }
            }
        }
        Value::Array(items) => {
            if let Some(item_schema) = node.get("items").and_then(Value::as_object) {
                for item in items {
                    drop_nulls(item, item_schema);
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn defaults_apply_inside_defaulted_objects_and_replace_disallowed_nulls() {
        let schema = json!({"type": "object", "properties": {"spec": {"type": "object", "properties": {
            "a": {"type": "object", "default": {}, "properties": {"b": {"type": "string", "default": "x"}}},
            "n": {"type": "integer", "default": 3},
            "keep": {"type": "string", "nullable": true, "default": "d"},
            "gone": {"type": "string"},
            "list": {"type": "array", "items": {"type": "object", "default": {"k": 1},
                     "properties": {"k": {"type": "integer"}, "z": {"type": "integer", "default": 0}}}},
            "map": {"type": "object", "additionalProperties": {"type": "string", "default": "v"}}
        }}}});
        let mut cr = json!({"spec": {"n": null, "keep": null, "gone": null,
            "list": [null, {"k": 2}], "map": {"m": null}}});
        apply_defaults(&mut cr, &schema);
        assert_eq!(
            cr["spec"],
            json!({"a": {"b": "x"}, "n": 3, "keep": null,
                   "list": [{"k": 1, "z": 0}, {"k": 2, "z": 0}], "map": {"m": "v"}})
        );
    }
}
