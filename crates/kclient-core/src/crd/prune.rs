//! Pruning of a custom resource: what its version's structural schema does not specify is
//! dropped, as kube-apiserver does when it decodes a request or reads from storage. Fields
//! under `x-kubernetes-preserve-unknown-fields` stay (their specified children are still
//! pruned); `apiVersion`, `kind` and `metadata` stay at the root and in every
//! `x-kubernetes-embedded-resource`, whose `metadata` keeps only ObjectMeta's fields.
//!
//! The dropped paths are returned (`spec.foo`, `spec.items[0].bar`, sorted), which is what
//! `fieldValidation=Strict|Warn` reports as unknown fields.
//!
//! ```
//! use kclient_core::crd::prune::prune;
//! use serde_json::json;
//!
//! let schema = json!({"type": "object", "properties": {"spec": {"type": "object",
//!     "properties": {"color": {"type": "string"}}}}});
//! let mut cr = json!({"apiVersion": "example.com/v1", "kind": "Widget",
//!     "metadata": {"name": "w"}, "spec": {"color": "red", "shade": "dark"}});
//! assert_eq!(prune(&mut cr, &schema), ["spec.shade"]);
//! assert_eq!(cr["spec"], json!({"color": "red"}));
//! ```

use serde_json::{Map, Value};

/// The fields of `metadata` (apimachinery's ObjectMeta) that pruning keeps.
const OBJECT_META_FIELDS: &[&str] = &[
    "name",
    "generateName",
    "namespace",
    "selfLink",
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "labels",
    "annotations",
    "ownerReferences",
    "finalizers",
    "managedFields",
];

/// Prunes `obj`, a whole custom resource, with `schema` (an `openAPIV3Schema`); returns the
/// paths of the fields it dropped, sorted.
pub fn prune(obj: &mut Value, schema: &Value) -> Vec<String> {
    let mut dropped = Vec::new();
    let empty = Map::new();
    let root = schema.as_object().unwrap_or(&empty);
    // The root is always an embedded resource: its type metadata and ObjectMeta stay.
    walk(obj, Some(root), true, "", &mut dropped);
    dropped.sort();
    dropped
}

/// Prunes a value below the resource root (a default, a field) with its node's schema;
/// returns the dropped paths, relative to the value, sorted.
pub fn prune_value(value: &mut Value, schema: &Map<String, Value>) -> Vec<String> {
    let mut dropped = Vec::new();
    walk(value, Some(schema), false, "", &mut dropped);
    dropped.sort();
    dropped
}

fn flag(node: &Map<String, Value>, key: &str) -> bool {
    node.get(key) == Some(&Value::Bool(true))
}

fn child(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

/// The schema of `key` under `node`: a property, else `additionalProperties` as a schema
/// (`true` allows anything unspecified, as an empty schema would).
enum Field<'a> {
    Schema(Option<&'a Map<String, Value>>),
    Unknown,
}

fn field<'a>(node: &'a Map<String, Value>, key: &str) -> Field<'a> {
    if let Some(p) = node
        .get("properties")
        .and_then(Value::as_object)
        .and_then(|p| p.get(key))
    {
        return Field::Schema(p.as_object());
    }
    match node.get("additionalProperties") {
        Some(Value::Object(a)) => Field::Schema(Some(a)),
        Some(Value::Bool(true)) => Field::Schema(None),
        _ => Field::Unknown,
    }
}

/// Keeps a metadata object to ObjectMeta's fields.
fn prune_metadata(meta: &mut Map<String, Value>, path: &str, dropped: &mut Vec<String>) {
    meta.retain(|k, _| {
        let known = OBJECT_META_FIELDS.contains(&k.as_str());
        if !known {
            dropped.push(child(path, k));
        }
        known
    });
}

fn walk(
    value: &mut Value,
    node: Option<&Map<String, Value>>,
    embedded_root: bool,
    path: &str,
    dropped: &mut Vec<String>,
) {
    let embedded = embedded_root || node.is_some_and(|n| flag(n, "x-kubernetes-embedded-resource"));
    let preserve = node.is_some_and(|n| flag(n, "x-kubernetes-preserve-unknown-fields"));
    match value {
        Value::Object(map) => {
            let keys: Vec<String> = map.keys().cloned().collect();
            for key in keys {
                let here = child(path, &key);
                if embedded {
                    match (key.as_str(), map.get_mut(&key)) {
                        ("apiVersion" | "kind", Some(Value::String(_))) => continue,
                        ("metadata", Some(Value::Object(meta))) => {
                            prune_metadata(meta, &here, dropped);
                            continue;
                        }
                        _ => {}
                    }
                }
                let schema = match node {
                    Some(n) => field(n, &key),
                    None => Field::Unknown,
                };
                match schema {
                    Field::Schema(s) => {
                        if let Some(v) = map.get_mut(&key) {
                            walk(v, s, false, &here, dropped);
                        }
                    }
                    Field::Unknown if preserve => {}
                    Field::Unknown => {
                        map.remove(&key);
                        dropped.push(here);
                    }
                }
            }
        }
        Value::Array(items) => {
            let item_schema = node.and_then(|n| n.get("items")).and_then(Value::as_object);
            if item_schema.is_none() && preserve {
                return;
            }
            for (i, item) in items.iter_mut().enumerate() {
                walk(item, item_schema, false, &format!("{path}[{i}]"), dropped);
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
    fn unknown_fields_go_and_are_reported() {
        let schema = json!({"type": "object", "properties": {
            "spec": {"type": "object", "properties": {
                "items": {"type": "array", "items": {"type": "object", "properties": {"a": {"type": "string"}}}},
                "labels": {"type": "object", "additionalProperties": {"type": "string"}},
                "free": {"type": "object", "x-kubernetes-preserve-unknown-fields": true,
                         "properties": {"fixed": {"type": "object", "properties": {}}}},
                "template": {"type": "object", "x-kubernetes-embedded-resource": true,
                             "properties": {"spec": {"type": "object"}}}}}}});
        let mut cr = json!({
            "apiVersion": "e.com/v1", "kind": "W",
            "metadata": {"name": "w", "bogus": 1},
            "status": {"x": 1},
            "spec": {
                "items": [{"a": "x", "b": "y"}],
                "labels": {"k": "v"},
                "free": {"anything": {"deep": 1}, "fixed": {"gone": 1}},
                "template": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "junk": 1},
                             "spec": {"containers": []}, "extra": 1},
                "unknown": true
            }
        });
        let dropped = prune(&mut cr, &schema);
        assert_eq!(
            dropped,
            [
                "metadata.bogus",
                "spec.free.fixed.gone",
                "spec.items[0].b",
                "spec.template.extra",
                "spec.template.metadata.junk",
                "spec.template.spec.containers",
                "spec.unknown",
                "status"
            ]
        );
        assert_eq!(
            cr,
            json!({
                "apiVersion": "e.com/v1", "kind": "W", "metadata": {"name": "w"},
                "spec": {
                    "items": [{"a": "x"}],
                    "labels": {"k": "v"},
                    "free": {"anything": {"deep": 1}, "fixed": {}},
                    "template": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {}}
                }
            })
        );
    }

    #[test]
    fn preserve_at_the_root_keeps_everything_unspecified() {
        let schema = json!({"type": "object", "x-kubernetes-preserve-unknown-fields": true});
        let mut cr = json!({"apiVersion": "e.com/v1", "kind": "W", "metadata": {"name": "w"}, "spec": {"a": 1}});
        assert!(prune(&mut cr, &schema).is_empty());
        assert_eq!(cr["spec"]["a"], 1);
    }
}
