//! Rewrites one JSON Schema (draft 2020-12, as `schemars` generates it) node by node into the
//! OpenAPI subset a structural CRD schema allows. The alternatives of enums are resolved in
//! [`super::alternatives`].

use serde_json::{Map, Value, json};

use super::alternatives;
use crate::crd::structural::Path;
use crate::status::{FieldError, FieldErrorType};

/// Keywords of JSON Schema that a CRD schema has no use for, or that kube-apiserver refuses
/// and whose meaning pruning and `x-kubernetes-*` already give (`propertyNames` of maps with
/// enum keys, `patternProperties`, conditionals).
const DROPPED: &[&str] = &[
    "$schema",
    "$id",
    "$anchor",
    "$defs",
    "$comment",
    "not",
    "$dynamicRef",
    "$dynamicAnchor",
    "definitions",
    "deprecated",
    "readOnly",
    "writeOnly",
    "contentEncoding",
    "contentMediaType",
    "propertyNames",
    "patternProperties",
    "unevaluatedProperties",
    "unevaluatedItems",
    "if",
    "then",
    "else",
    "dependentRequired",
    "dependentSchemas",
    "contains",
    "minContains",
    "maxContains",
];

/// Walks a schema, inlining `$ref`s from `definitions` and collecting what cannot be made
/// structural.
pub(super) struct Rewriter<'a> {
    definitions: &'a Map<String, Value>,
    /// Definitions being inlined, innermost last: meeting one again is a recursive type.
    inlining: Vec<String>,
    pub(super) errors: Vec<FieldError>,
}

/// A node that accepts any JSON value and keeps it whole.
pub(super) fn any_value() -> Map<String, Value> {
    let mut node = Map::new();
    node.insert(
        "x-kubernetes-preserve-unknown-fields".into(),
        Value::Bool(true),
    );
    node
}

impl<'a> Rewriter<'a> {
    pub(super) fn new(definitions: &'a Map<String, Value>) -> Self {
        Self {
            definitions,
            inlining: Vec::new(),
            errors: Vec::new(),
        }
    }

    pub(super) fn error(&mut self, path: &Path, detail: impl Into<String>) {
        self.errors.push(FieldError::new(
            FieldErrorType::Invalid,
            path.0.clone(),
            None,
            detail,
        ));
    }

    /// The structural form of `schema` at `path`.
    pub(super) fn node(&mut self, schema: Value, path: &Path) -> Map<String, Value> {
        let mut node = match schema {
            Value::Object(node) => node,
            // `true`: any value (serde_json::Value, an unconstrained type parameter).
            Value::Bool(true) => return any_value(),
            Value::Bool(false) => {
                self.error(path, "the type accepts no value, so it cannot be a field");
                return any_value();
            }
            other => {
                self.error(path, format!("{other} is not a JSON schema"));
                return any_value();
            }
        };
        if let Some(reference) = node.remove("$ref") {
            match self.inline(&reference, path) {
                Some(mut target) => {
                    // Keywords beside a $ref (a field's doc comment, its default) refine it.
                    for (key, value) in node {
                        target.insert(key, value);
                    }
                    node = target;
                }
                None => return any_value(),
            }
        }
        for key in DROPPED {
            node.remove(*key);
        }
        if let Some(Value::Array(mut examples)) = node.remove("examples")
            && !examples.is_empty()
            && !node.contains_key("example")
        {
            node.insert("example".into(), examples.swap_remove(0));
        }
        if let Some(constant) = node.remove("const") {
            node.insert("enum".into(), Value::Array(vec![constant]));
        }
        if !self.types(&mut node, path) {
            return node;
        }
        if let Some(single) = drop_null_alternatives(&mut node) {
            // `Option<T>` of a referenced T: `anyOf: [T, null]`. Optional fields are simply
            // left out of `required`, so T stands alone.
            let mut merged = match single {
                Value::Object(single) => single,
                other => return self.node(other, path),
            };
            for (key, value) in node {
                merged.insert(key, value);
            }
            return self.node(Value::Object(merged), path);
        }
        self.children(&mut node, path);
        alternatives::resolve(&mut node);
        normalize(&mut node);
        node
    }

    /// Inlines the definition a `$ref` names, refusing recursion (a structural schema has no
    /// references).
    fn inline(&mut self, reference: &Value, path: &Path) -> Option<Map<String, Value>> {
        let reference = reference.as_str().unwrap_or_default();
        let name = ["#/$defs/", "#/definitions/", "#/components/schemas/"]
            .iter()
            .find_map(|prefix| reference.strip_prefix(prefix));
        let Some(name) = name else {
            self.error(
                path,
                format!("{reference} refers to the type itself: a recursive type cannot be described by a structural schema (use serde_json::Value for the recursive part)"),
            );
            return None;
        };
        let name = name.replace("~1", "/").replace("~0", "~");
        if self.inlining.contains(&name) {
            self.error(
                path,
                format!("{name} contains itself: a recursive type cannot be described by a structural schema (use serde_json::Value for the recursive part)"),
            );
            return None;
        }
        let Some(definition) = self.definitions.get(&name).cloned() else {
            self.error(path, format!("{reference} names no generated definition"));
            return None;
        };
        self.inlining.push(name);
        let inlined = self.node(definition, path);
        self.inlining.pop();
        Some(inlined)
    }

    /// `type` lists: `null` goes (optional is not nullable), `[integer, string]` is
    /// int-or-string. Returns false when the node is finished.
    fn types(&mut self, node: &mut Map<String, Value>, path: &Path) -> bool {
        let Some(Value::Array(types)) = node.get("type") else {
            if node.get("type").and_then(Value::as_str) == Some("null") {
                self.error(path, "the unit type `()` has no structural schema");
                node.remove("type");
            }
            return true;
        };
        let mut types: Vec<&str> = types
            .iter()
            .filter_map(Value::as_str)
            .filter(|t| *t != "null")
            .collect();
        types.sort_unstable();
        types.dedup();
        match types.as_slice() {
            [single] => {
                node.insert("type".into(), Value::from(*single));
                true
            }
            ["integer", "string"] => {
                node.remove("type");
                node.insert("x-kubernetes-int-or-string".into(), Value::Bool(true));
                true
            }
            _ => {
                // Several types: only an untyped node preserving its value can hold it.
                node.remove("type");
                node.insert(
                    "x-kubernetes-preserve-unknown-fields".into(),
                    Value::Bool(true),
                );
                false
            }
        }
    }

    /// Rewrites the properties, items, additional properties and alternatives.
    fn children(&mut self, node: &mut Map<String, Value>, path: &Path) {
        if let Some(Value::Object(properties)) = node.get_mut("properties") {
            let names: Vec<String> = properties.keys().cloned().collect();
            for name in names {
                if let Some(schema) = properties.remove(&name) {
                    let child = self.node(schema, &path.child("properties").key(&name));
                    properties.insert(name, Value::Object(child));
                }
            }
        }
        self.items(node, path);
        match node.remove("additionalProperties") {
            Some(Value::Object(schema)) => {
                let child = self.node(Value::Object(schema), &path.child("additionalProperties"));
                node.insert("additionalProperties".into(), Value::Object(child));
            }
            Some(other) => {
                node.insert("additionalProperties".into(), other);
            }
            None => {}
        }
        for key in ["allOf", "anyOf", "oneOf"] {
            if let Some(Value::Array(variants)) = node.remove(key) {
                let rewritten = variants
                    .into_iter()
                    .enumerate()
                    .map(|(i, v)| Value::Object(self.node(v, &path.child(key).index(i))))
                    .collect();
                node.insert(key.into(), Value::Array(rewritten));
            }
        }
    }

    /// `items` is one schema; a tuple (`prefixItems`) of equal items becomes that schema, of
    /// different ones any value per item.
    fn items(&mut self, node: &mut Map<String, Value>, path: &Path) {
        let prefix = node.remove("prefixItems");
        let items = node.remove("items");
        let items = match (prefix, items) {
            (Some(Value::Array(prefix)), _) => {
                let mut rewritten: Vec<Map<String, Value>> = prefix
                    .into_iter()
                    .map(|item| self.node(item, &path.child("items")))
                    .collect();
                rewritten.dedup();
                match rewritten.len() {
                    1 => rewritten.pop(),
                    0 => None,
                    _ => Some(any_value()),
                }
            }
            (_, Some(Value::Array(list))) => {
                let mut rewritten: Vec<Map<String, Value>> = list
                    .into_iter()
                    .map(|item| self.node(item, &path.child("items")))
                    .collect();
                rewritten.dedup();
                if rewritten.len() == 1 {
                    rewritten.pop()
                } else {
                    Some(any_value())
                }
            }
            (_, Some(Value::Bool(false))) | (_, None) => None,
            (_, Some(item)) => Some(self.node(item, &path.child("items"))),
        };
        if let Some(items) = items {
            node.insert("items".into(), Value::Object(items));
        } else if node.get("type").and_then(Value::as_str) == Some("array") {
            node.insert("items".into(), Value::Object(any_value()));
        }
    }
}

/// Removes `{type: null}` alternatives from `anyOf`/`oneOf`; when one alternative is left,
/// removes the junctor and returns it.
fn drop_null_alternatives(node: &mut Map<String, Value>) -> Option<Value> {
    let is_null = |v: &Value| {
        v.get("type").and_then(Value::as_str) == Some("null")
            || v.get("const") == Some(&Value::Null)
            || v.get("enum") == Some(&json!([null]))
    };
    for key in ["anyOf", "oneOf"] {
        let Some(Value::Array(variants)) = node.get_mut(key) else {
            continue;
        };
        if !variants.iter().any(is_null) {
            continue;
        }
        variants.retain(|v| !is_null(v));
        if variants.len() == 1 {
            let single = variants.pop();
            node.remove(key);
            return single;
        }
    }
    None
}

/// The keyword-level fixes that need no context: `additionalProperties` beside properties,
/// sets, number formats and bounds, missing types, null defaults.
pub(super) fn normalize(node: &mut Map<String, Value>) {
    additional_properties(node);
    if node.remove("uniqueItems") == Some(Value::Bool(true)) {
        let scalar_items = node
            .get("items")
            .and_then(|i| i.get("type"))
            .and_then(Value::as_str)
            .is_some_and(|t| matches!(t, "string" | "integer" | "number" | "boolean"));
        if scalar_items && !node.contains_key("x-kubernetes-list-type") {
            node.insert("x-kubernetes-list-type".into(), Value::from("set"));
        }
    }
    for (exclusive, bound) in [
        ("exclusiveMinimum", "minimum"),
        ("exclusiveMaximum", "maximum"),
    ] {
        // Draft 2020-12 states the exclusive bound as a number, OpenAPI v3.0 as a flag.
        if let Some(limit) = node.get(exclusive).filter(|v| v.is_number()).cloned() {
            node.insert(bound.into(), limit);
            node.insert(exclusive.into(), Value::Bool(true));
        }
    }
    if let Some(format) = node.get("format").and_then(Value::as_str) {
        let normalized = match format {
            "int8" | "int16" | "uint8" | "uint16" => Some("int32"),
            "uint32" | "uint64" | "uint" | "int" | "uint128" | "int128" => Some("int64"),
            _ => None,
        };
        if let Some(normalized) = normalized {
            node.insert("format".into(), Value::from(normalized));
        }
    }
    infer_type(node);
    if let Some(default) = node.get_mut("default") {
        strip_nulls(default);
        if default.is_null() {
            node.remove("default");
        }
    }
}

/// Maps have `additionalProperties` and no `properties`; structs have `properties` and prune
/// the rest. Anything in between (a struct with a flattened map, `additionalProperties: true`)
/// keeps unknown fields instead.
fn additional_properties(node: &mut Map<String, Value>) {
    let has_properties = node
        .get("properties")
        .and_then(Value::as_object)
        .is_some_and(|p| !p.is_empty());
    match node.get("additionalProperties") {
        None => {}
        // Unknown fields are pruned anyway; `false` is refused.
        Some(Value::Bool(false)) => {
            node.remove("additionalProperties");
        }
        Some(Value::Object(schema)) if !has_properties && !is_any_value(schema) => {}
        Some(_) => {
            node.remove("additionalProperties");
            node.insert(
                "x-kubernetes-preserve-unknown-fields".into(),
                Value::Bool(true),
            );
            if !node.contains_key("type") {
                node.insert("type".into(), Value::from("object"));
            }
        }
    }
}

/// Whether a rewritten node is "any value" (`serde_json::Value`).
fn is_any_value(node: &Map<String, Value>) -> bool {
    node.len() == 1 && node.get("x-kubernetes-preserve-unknown-fields") == Some(&Value::Bool(true))
}

/// Every node of the structural part needs a type: objects, arrays and enums of strings say
/// theirs by their keywords; a node with none of them accepts any value.
fn infer_type(node: &mut Map<String, Value>) {
    if node.contains_key("type")
        || node.get("x-kubernetes-int-or-string") == Some(&Value::Bool(true))
        || node.get("x-kubernetes-preserve-unknown-fields") == Some(&Value::Bool(true))
    {
        return;
    }
    let inferred = if node.contains_key("properties") || node.contains_key("additionalProperties") {
        Some("object")
    } else if node.contains_key("items") {
        Some("array")
    } else {
        node.get("enum")
            .and_then(Value::as_array)
            .filter(|values| !values.is_empty())
            .and_then(|values| {
                let first = json_type(&values[0])?;
                values
                    .iter()
                    .all(|v| json_type(v) == Some(first))
                    .then_some(first)
            })
    };
    match inferred {
        Some(ty) => {
            node.insert("type".into(), Value::from(ty));
        }
        None => {
            node.insert(
                "x-kubernetes-preserve-unknown-fields".into(),
                Value::Bool(true),
            );
        }
    }
}

fn json_type(value: &Value) -> Option<&'static str> {
    Some(match value {
        Value::String(_) => "string",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::Object(_) => "object",
        Value::Array(_) => "array",
        Value::Null => return None,
    })
}

/// A serialized `None` in a default means "absent": kube-apiserver refuses `null` where the
/// schema is not nullable, and prunes it anyway.
fn strip_nulls(value: &mut Value) {
    match value {
        Value::Object(object) => {
            object.retain(|_, v| !v.is_null());
            object.values_mut().for_each(strip_nulls);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_nulls),
        _ => {}
    }
}
