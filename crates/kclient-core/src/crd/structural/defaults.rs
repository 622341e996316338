//! Defaults in a structural schema: each must be valid for its own node's schema and already
//! pruned (no field the schema would drop), as apiextensions' `ValidateDefaults` requires.
//! The value check covers what a generated schema can state: types (int-or-string, nullable,
//! preserve-unknown-fields included), `enum`, `required`, bounds on numbers, strings, arrays
//! and objects.

use serde_json::{Map, Value};

use super::{Path, additional_schema, flag, items_schema, properties, type_of};
use crate::status::FieldError;

/// Checks the default of every node of the structural part.
pub(super) fn check(node: &Map<String, Value>, path: &Path, errors: &mut Vec<FieldError>) {
    if let Some(default) = node.get("default").filter(|d| !d.is_null()) {
        let default_path = path.child("default");
        let mut problems = Vec::new();
        conforms(default, node, &default_path.0, &mut problems);
        for problem in problems {
            errors.push(FieldError::invalid(
                default_path.0.clone(),
                default.clone(),
                problem,
            ));
        }
        if !pruned(default, node) {
            errors.push(FieldError::invalid(
                default_path.0,
                default.clone(),
                "must not have unknown fields",
            ));
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

/// The JSON type name apimachinery's validator prints for a value.
fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn has_type(value: &Value, ty: &str) -> bool {
    match ty {
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "boolean" => value.is_boolean(),
        "number" => value.is_number(),
        "integer" => value.as_f64().is_some_and(|n| n.fract() == 0.0),
        _ => true,
    }
}

/// Collects why `value` does not conform to `schema`, each prefixed with `at` (the value's
/// path, as the validator names it in the body).
fn conforms(value: &Value, schema: &Map<String, Value>, at: &str, problems: &mut Vec<String>) {
    if value.is_null() {
        if !flag(schema, "nullable") {
            problems.push(format!("{at} in body must not be null"));
        }
        return;
    }
    let ty = type_of(schema);
    if flag(schema, "x-kubernetes-int-or-string") {
        if !(value.is_string() || has_type(value, "integer")) {
            problems.push(format!(
                "{at} in body must be of type integer or string: \"{}\"",
                json_type(value)
            ));
        }
    } else if !ty.is_empty() && !has_type(value, ty) {
        problems.push(format!(
            "{at} in body must be of type {ty}: \"{}\"",
            json_type(value)
        ));
        return;
    }
    if let Some(allowed) = schema.get("enum").and_then(Value::as_array)
        && !allowed.contains(value)
    {
        let listed: Vec<String> = allowed.iter().map(Value::to_string).collect();
        problems.push(format!(
            "{at} in body should be one of [{}]",
            listed.join(" ")
        ));
    }
    bounds(value, schema, at, problems);
    match value {
        Value::Object(object) => {
            for key in schema
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
            {
                if !object.contains_key(key) {
                    problems.push(format!("{at}.{key} in body is required"));
                }
            }
            for (key, field) in object {
                let child = format!("{at}.{key}");
                if let Some(field_schema) = properties(schema)
                    .and_then(|p| p.get(key))
                    .and_then(Value::as_object)
                {
                    conforms(field, field_schema, &child, problems);
                } else if let Some(additional) = additional_schema(schema) {
                    conforms(field, additional, &child, problems);
                }
            }
        }
        Value::Array(items) => {
            if let Some(item_schema) = items_schema(schema) {
                for (i, item) in items.iter().enumerate() {
                    conforms(item, item_schema, &format!("{at}[{i}]"), problems);
                }
            }
        }
        _ => {}
    }
}

/// `minimum`/`maximum` (with their exclusive flags), `multipleOf`, lengths and counts.
fn bounds(value: &Value, schema: &Map<String, Value>, at: &str, problems: &mut Vec<String>) {
    let number = |key: &str| schema.get(key).and_then(Value::as_f64);
    if let Some(n) = value.as_f64() {
        if let Some(min) = number("minimum") {
            let exclusive = flag(schema, "exclusiveMinimum");
            if n < min || (exclusive && n == min) {
                let op = if exclusive {
                    "greater than"
                } else {
                    "greater than or equal to"
                };
                problems.push(format!("{at} in body should be {op} {min}"));
            }
        }
        if let Some(max) = number("maximum") {
            let exclusive = flag(schema, "exclusiveMaximum");
            if n > max || (exclusive && n == max) {
                let op = if exclusive {
                    "less than"
                } else {
                    "less than or equal to"
                };
                problems.push(format!("{at} in body should be {op} {max}"));
            }
        }
        if let Some(factor) = number("multipleOf").filter(|f| *f > 0.0)
            && (n / factor).fract() != 0.0
        {
            problems.push(format!("{at} in body should be a multiple of {factor}"));
        }
    }
    let count = match value {
        Value::String(s) => Some((s.chars().count(), "minLength", "maxLength", "chars long")),
        Value::Array(a) => Some((a.len(), "minItems", "maxItems", "items")),
        Value::Object(o) => Some((o.len(), "minProperties", "maxProperties", "properties")),
        _ => None,
    };
    if let Some((len, min_key, max_key, unit)) = count {
        if let Some(min) = number(min_key)
            && (len as f64) < min
        {
            problems.push(format!("{at} in body should have at least {min} {unit}"));
        }
        if let Some(max) = number(max_key)
            && (len as f64) > max
        {
            problems.push(format!("{at} in body should have at most {max} {unit}"));
        }
    }
}

/// Whether pruning with `schema` would leave `value` as it is.
fn pruned(value: &Value, schema: &Map<String, Value>) -> bool {
    crate::crd::prune::prune_value(&mut value.clone(), schema).is_empty()
}
