//! `oneOf`/`anyOf`/`allOf` as `schemars` generates them for enums with data, flattened
//! structs and untagged unions, turned into one structural node: a structural schema states
//! its shape outside the junctors, which may only add value validations.

use serde_json::{Map, Value};

use super::rewrite::any_value;

/// Replaces the junctors of an already rewritten node by one merged shape.
pub(super) fn resolve(node: &mut Map<String, Value>) {
    // allOf: every part holds, so their shapes merge.
    if let Some(Value::Array(parts)) = node.remove("allOf") {
        for part in parts {
            if let Value::Object(part) = part {
                merge_into(node, part, true);
            }
        }
    }
    for key in ["oneOf", "anyOf"] {
        let Some(Value::Array(variants)) = node.remove(key) else {
            continue;
        };
        let variants: Vec<Map<String, Value>> = variants
            .into_iter()
            .filter_map(|v| match v {
                Value::Object(v) => Some(v),
                _ => None,
            })
            .collect();
        match union(variants) {
            Some(shape) => merge_into(node, shape, false),
            None => {
                // Variants of different shapes (a unit variant beside a struct variant, an
                // untagged enum of a number and an object): only an untyped node that keeps
                // its value whole accepts all of them.
                let description = node.remove("description");
                *node = any_value();
                if let Some(description) = description {
                    node.insert("description".into(), description);
                }
            }
        }
    }
}

/// The one shape accepting every variant, when they share a type: objects merge their
/// properties (a field is required only if every variant requires it), enums of one type
/// join their values, scalars of one type without enums stay that type.
fn union(variants: Vec<Map<String, Value>>) -> Option<Map<String, Value>> {
    let mut variants = variants.into_iter();
    let mut shape = variants.next()?;
    for variant in variants {
        let (left, right) = (shape_type(&shape), shape_type(&variant));
        if left.is_none() || left != right {
            return None;
        }
        if left == Some("object") {
            let required = intersect(shape.get("required"), variant.get("required"));
            shape.remove("required");
            merge_into(&mut shape, variant, false);
            if let Some(required) = required {
                shape.insert("required".into(), required);
            }
        } else {
            match (shape.get_mut("enum"), variant.get("enum")) {
                (Some(Value::Array(values)), Some(Value::Array(more))) => {
                    for value in more {
                        if !values.contains(value) {
                            values.push(value.clone());
                        }
                    }
                }
                _ => {
                    shape.remove("enum");
                }
            }
            for (key, value) in variant {
                if key != "enum" && key != "description" {
                    shape.entry(key).or_insert(value);
                }
            }
        }
    }
    Some(shape)
}

/// The structural type of a rewritten variant; int-or-string counts as a type of its own.
fn shape_type(node: &Map<String, Value>) -> Option<&str> {
    if node.get("x-kubernetes-int-or-string") == Some(&Value::Bool(true)) {
        return Some("int-or-string");
    }
    node.get("type").and_then(Value::as_str)
}

fn intersect(left: Option<&Value>, right: Option<&Value>) -> Option<Value> {
    let (Some(Value::Array(left)), Some(Value::Array(right))) = (left, right) else {
        return None;
    };
    let both: Vec<Value> = left.iter().filter(|v| right.contains(v)).cloned().collect();
    (!both.is_empty()).then_some(Value::Array(both))
}

/// Merges `part` into `node`: properties join (a property named twice keeps the first
/// schema, joining string enums), `required` joins when `all` (allOf) holds, other keywords
/// fill what `node` lacks.
fn merge_into(node: &mut Map<String, Value>, part: Map<String, Value>, all: bool) {
    for (key, value) in part {
        match (key.as_str(), node.get_mut(&key), value) {
            ("properties", Some(Value::Object(mine)), Value::Object(theirs)) => {
                for (name, schema) in theirs {
                    match (mine.get_mut(&name), schema) {
                        (Some(Value::Object(existing)), Value::Object(other)) => {
                            join_enums(existing, &other);
                        }
                        (Some(_), _) => {}
                        (None, schema) => {
                            mine.insert(name, schema);
                        }
                    }
                }
            }
            ("required", Some(Value::Array(mine)), Value::Array(theirs)) if all => {
                for name in theirs {
                    if !mine.contains(&name) {
                        mine.push(name);
                    }
                }
            }
            ("required", Some(_), _) => {}
            (_, Some(_), _) => {}
            (_, None, value) => {
                node.insert(key, value);
            }
        }
    }
}

/// The same property in two variants (an internally tagged enum's tag): its enum accepts
/// the values of both.
fn join_enums(existing: &mut Map<String, Value>, other: &Map<String, Value>) {
    if let (Some(Value::Array(values)), Some(Value::Array(more))) =
        (existing.get_mut("enum"), other.get("enum"))
    {
        for value in more {
            if !values.contains(value) {
                values.push(value.clone());
            }
        }
    }
}
