//! The OpenAPI subset a CRD schema may use and the `x-kubernetes-*` extension rules
//! (apiextensions' `ValidateCustomResourceDefinitionOpenAPISchema`), on every node, junctors
//! included. CEL rules are only checked for being present.

use serde_json::{Map, Value};

use super::{OPENAPI_TYPES, Path, flag, is_zero, items_schema, properties, type_of};
use crate::status::FieldError;

/// The keywords allowed at the root when the `status` subresource is on, so that
/// `properties.status` alone carries the status validation.
const STATUS_ROOT_KEYWORDS: &[&str] = &[
    "description",
    "type",
    "format",
    "title",
    "maximum",
    "exclusiveMaximum",
    "minimum",
    "exclusiveMinimum",
    "maxLength",
    "minLength",
    "pattern",
    "maxItems",
    "minItems",
    "uniqueItems",
    "multipleOf",
    "required",
    "items",
    "properties",
    "externalDocs",
    "example",
    "x-kubernetes-preserve-unknown-fields",
    "x-kubernetes-validations",
];

/// The same list as apimachinery prints it (Go field names).
const STATUS_ROOT_FIELDS: &str = "[Description Type Format Title Maximum ExclusiveMaximum Minimum ExclusiveMinimum MaxLength MinLength Pattern MaxItems MinItems UniqueItems MultipleOf Required Items Properties ExternalDocs Example XPreserveUnknownFields XValidations]";

/// Where in the object a node applies, as far as defaults and embedded resources care.
#[derive(Clone, Debug)]
pub(super) struct Context {
    /// `None`: defaults allowed; `Some(reason)`: forbidden, and why.
    defaults_forbidden: Option<String>,
    inside_resource_meta: bool,
}

impl Context {
    pub(super) fn root() -> Self {
        Self {
            defaults_forbidden: None,
            inside_resource_meta: false,
        }
    }

    fn forbid_defaults(&self, reason: String) -> Self {
        Self {
            defaults_forbidden: Some(reason),
            ..self.clone()
        }
    }

    fn inside_resource_meta(&self) -> Self {
        Self {
            inside_resource_meta: true,
            ..self.clone()
        }
    }
}

/// With the `status` subresource, only plain keywords at the root.
pub(super) fn check_status_root(
    node: &Map<String, Value>,
    path: &Path,
    errors: &mut Vec<FieldError>,
) {
    for (key, value) in node {
        if is_zero(value) {
            continue;
        }
        if key == "type" {
            if value.as_str() != Some("object") {
                errors.push(FieldError::invalid(
                    path.child("type").0,
                    value.clone(),
                    "only \"object\" is allowed as the type at the root of the schema if the status subresource is enabled",
                ));
                return;
            }
            continue;
        }
        if !STATUS_ROOT_KEYWORDS.contains(&key.as_str()) {
            errors.push(FieldError::new(
                crate::status::FieldErrorType::Invalid,
                path.0.clone(),
                None,
                format!(
                    "only {STATUS_ROOT_FIELDS} fields are allowed at the root of the schema if the status subresource is enabled"
                ),
            ));
            return;
        }
    }
}

/// Checks `node` and everything below it.
pub(super) fn check(
    node: &Map<String, Value>,
    path: &Path,
    ctx: Context,
    is_root: bool,
    errors: &mut Vec<FieldError>,
) {
    standard(node, path, &ctx, errors);
    if flag(node, "uniqueItems") {
        errors.push(FieldError::forbidden(
            path.child("uniqueItems").0,
            "uniqueItems cannot be set to true since the runtime complexity becomes quadratic",
        ));
    }
    if let Some(additional) = node.get("additionalProperties") {
        let has_properties = properties(node).is_some_and(|p| !p.is_empty());
        if has_properties && (additional == &Value::Bool(false) || additional.is_object()) {
            errors.push(FieldError::forbidden(
                path.child("additionalProperties").0,
                "additionalProperties and properties are mutual exclusive",
            ));
        }
        if let Some(schema) = additional.as_object() {
            let sub = if ctx.inside_resource_meta {
                ctx.forbid_defaults(
                    "inside additionalProperties applying to object metadata".to_owned(),
                )
            } else {
                ctx.clone()
            };
            check(
                schema,
                &path.child("additionalProperties"),
                sub,
                false,
                errors,
            );
        }
    }
    let embedded = flag(node, "x-kubernetes-embedded-resource");
    for (key, property) in properties(node).into_iter().flatten() {
        let Some(property) = property.as_object() else {
            continue;
        };
        let mut sub = ctx.clone();
        if (is_root || embedded) && matches!(key.as_str(), "metadata" | "kind" | "apiVersion") {
            sub = sub.inside_resource_meta();
            if is_root {
                sub = sub.forbid_defaults(format!("in top-level {key}"));
            }
        }
        check(
            property,
            &path.child("properties").key(key),
            sub,
            false,
            errors,
        );
    }
    if let Some(not) = node.get("not").and_then(Value::as_object) {
        check(not, &path.child("not"), ctx.clone(), false, errors);
    }
    for key in ["allOf", "oneOf", "anyOf"] {
        let variants = node
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten();
        for (i, variant) in variants.enumerate() {
            if let Some(variant) = variant.as_object() {
                check(
                    variant,
                    &path.child(key).index(i),
                    ctx.clone(),
                    false,
                    errors,
                );
            }
        }
    }
    for key in ["definitions", "dependencies"] {
        let entries = node
            .get(key)
            .and_then(Value::as_object)
            .into_iter()
            .flatten();
        for (name, schema) in entries {
            if let Some(schema) = schema.as_object() {
                check(
                    schema,
                    &path.child(key).key(name),
                    ctx.clone(),
                    false,
                    errors,
                );
            }
        }
    }
    match node.get("items") {
        Some(Value::Object(items)) => {
            check(items, &path.child("items"), ctx.clone(), false, errors);
        }
        Some(Value::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                if let Some(item) = item.as_object() {
                    check(
                        item,
                        &path.child("items").index(i),
                        ctx.clone(),
                        false,
                        errors,
                    );
                }
            }
        }
        _ => {}
    }
    if node.get("x-kubernetes-preserve-unknown-fields") == Some(&Value::Bool(false)) {
        errors.push(FieldError::invalid(
            path.child("x-kubernetes-preserve-unknown-fields").0,
            Value::Bool(false),
            "must be true or undefined",
        ));
    }
    map_and_list_types(node, path, errors);
    for (i, rule) in node
        .get("x-kubernetes-validations")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let text = rule.get("rule").and_then(Value::as_str).unwrap_or("");
        if text.trim().is_empty() {
            errors.push(FieldError::required(
                path.child("x-kubernetes-validations")
                    .index(i)
                    .child("rule")
                    .0,
                "rule is not specified",
            ));
        }
    }
}

/// The keywords the OpenAPI v3 subset for CRDs leaves out (`specStandardValidatorV3`).
fn standard(node: &Map<String, Value>, path: &Path, ctx: &Context, errors: &mut Vec<FieldError>) {
    let ty = type_of(node);
    if !ty.is_empty() && !OPENAPI_TYPES.contains(&ty) {
        errors.push(FieldError::not_supported(
            path.child("type").0,
            Value::from(ty),
            OPENAPI_TYPES,
        ));
    }
    if let Some(reason) = &ctx.defaults_forbidden
        && node.get("default").is_some_and(|d| !d.is_null())
    {
        errors.push(FieldError::forbidden(
            path.child("default").0,
            format!("must not be set {reason}"),
        ));
    }
    let present = |key: &str| node.get(key).is_some_and(|v| !v.is_null());
    if node.get("id").is_some_and(|v| !is_zero(v)) {
        errors.push(FieldError::forbidden(
            path.child("id").0,
            "id is not supported",
        ));
    }
    if present("additionalItems") {
        errors.push(FieldError::forbidden(
            path.child("additionalItems").0,
            "additionalItems is not supported",
        ));
    }
    for key in ["patternProperties", "definitions"] {
        if node.get(key).is_some_and(|v| !is_zero(v)) {
            errors.push(FieldError::forbidden(
                path.child(key).0,
                format!("{key} is not supported"),
            ));
        }
    }
    if present("dependencies") {
        errors.push(FieldError::forbidden(
            path.child("dependencies").0,
            "dependencies is not supported",
        ));
    }
    if present("$ref") {
        errors.push(FieldError::forbidden(
            path.child("$ref").0,
            "$ref is not supported",
        ));
    }
    if ty == "null" {
        errors.push(FieldError::forbidden(
            path.child("type").0,
            "type cannot be set to null, use nullable as an alternative",
        ));
    }
    if node
        .get("items")
        .and_then(Value::as_array)
        .is_some_and(|items| !items.is_empty())
    {
        errors.push(FieldError::forbidden(
            path.child("items").0,
            "items must be a schema object and not an array",
        ));
    }
    if ctx.inside_resource_meta && flag(node, "x-kubernetes-embedded-resource") {
        errors.push(FieldError::forbidden(
            path.child("x-kubernetes-embedded-resource").0,
            "must not be used inside of resource meta",
        ));
    }
}

/// `x-kubernetes-map-type`, `x-kubernetes-list-type` and `x-kubernetes-list-map-keys`.
fn map_and_list_types(node: &Map<String, Value>, path: &Path, errors: &mut Vec<FieldError>) {
    let ty = type_of(node);
    let type_mismatch = |detail: &str| {
        if ty.is_empty() {
            FieldError::required(path.child("type").0, detail)
        } else {
            FieldError::invalid(path.child("type").0, Value::from(ty), detail)
        }
    };
    if let Some(map_type) = node.get("x-kubernetes-map-type").and_then(Value::as_str) {
        if ty != "object" {
            errors.push(type_mismatch(
                "must be object if x-kubernetes-map-type is specified",
            ));
        }
        if map_type != "atomic" && map_type != "granular" {
            errors.push(FieldError::not_supported(
                path.child("x-kubernetes-map-type").0,
                Value::from(map_type),
                &["atomic", "granular"],
            ));
        }
    }
    let list_type = node.get("x-kubernetes-list-type").and_then(Value::as_str);
    let items = items_schema(node);
    if let Some(list_type) = list_type {
        if ty != "array" {
            errors.push(type_mismatch(
                "must be array if x-kubernetes-list-type is specified",
            ));
        } else if list_type == "set"
            && let Some(items) = items
        {
            atomic_set_items(items, path, errors);
        }
        if !matches!(list_type, "atomic" | "set" | "map") {
            errors.push(FieldError::not_supported(
                path.child("x-kubernetes-list-type").0,
                Value::from(list_type),
                &["atomic", "set", "map"],
            ));
        }
    }
    let keys: Vec<&str> = node
        .get("x-kubernetes-list-map-keys")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    if !keys.is_empty() {
        match list_type {
            None => errors.push(FieldError::required(
                path.child("x-kubernetes-list-type").0,
                "must be map if x-kubernetes-list-map-keys is non-empty",
            )),
            Some("map") => {}
            Some(other) => errors.push(FieldError::invalid(
                path.child("x-kubernetes-list-type").0,
                Value::from(other),
                "must be map if x-kubernetes-list-map-keys is non-empty",
            )),
        }
    }
    if list_type == Some("map") {
        map_list(node, &keys, path, errors);
    }
    if let (Some(list_type @ ("set" | "map")), Some(items)) = (list_type, items) {
        if flag(items, "nullable") {
            errors.push(FieldError::forbidden(
                path.child("items").child("nullable").0,
                format!("cannot be nullable when x-kubernetes-list-type is {list_type}"),
            ));
        }
        if list_type == "map" {
            map_keys_required(items, &keys, path, errors);
        }
    }
}

/// The items of a `set` list are scalars or atomic.
fn atomic_set_items(items: &Map<String, Value>, path: &Path, errors: &mut Vec<FieldError>) {
    let detail = "must be atomic as item of a list with x-kubernetes-list-type=set";
    match type_of(items) {
        "array" => {
            if let Some(inner) = items.get("x-kubernetes-list-type").and_then(Value::as_str)
                && inner != "atomic"
            {
                errors.push(FieldError::invalid(
                    path.child("items").child("x-kubernetes-list-type").0,
                    Value::from(inner),
                    detail,
                ));
            }
        }
        "object" => {
            let map_type = items.get("x-kubernetes-map-type").and_then(Value::as_str);
            if map_type != Some("atomic") {
                errors.push(FieldError::invalid(
                    path.child("items").child("x-kubernetes-map-type").0,
                    map_type.map_or(Value::Null, Value::from),
                    detail,
                ));
            }
        }
        _ => {}
    }
}

/// A `map` list has object items keyed by scalar properties, each named once.
fn map_list(node: &Map<String, Value>, keys: &[&str], path: &Path, errors: &mut Vec<FieldError>) {
    if keys.is_empty() {
        errors.push(FieldError::required(
            path.child("x-kubernetes-list-map-keys").0,
            "must not be empty if x-kubernetes-list-type is map",
        ));
    }
    match node.get("items") {
        None | Some(Value::Null) => {
            errors.push(FieldError::required(
                path.child("items").0,
                "must have a schema if x-kubernetes-list-type is map",
            ));
            return;
        }
        Some(Value::Object(_)) => {}
        Some(other) => {
            errors.push(FieldError::invalid(
                path.child("items").0,
                other.clone(),
                "must only have a single schema if x-kubernetes-list-type is map",
            ));
            return;
        }
    }
    let Some(items) = items_schema(node) else {
        return;
    };
    let item_type = type_of(items);
    if item_type != "object" {
        errors.push(FieldError::invalid(
            path.child("items").child("type").0,
            Value::from(item_type),
            "must be object if parent array's x-kubernetes-list-type is map",
        ));
        return;
    }
    let key_list = Value::from(keys.to_vec());
    let mut seen = Vec::new();
    for &key in keys {
        match properties(items)
            .and_then(|p| p.get(key))
            .and_then(Value::as_object)
        {
            Some(property) => {
                if matches!(type_of(property), "array" | "object") {
                    errors.push(FieldError::invalid(
                        path.child("items")
                            .child("properties")
                            .key(key)
                            .child("type")
                            .0,
                        Value::from(item_type),
                        "must be a scalar type if parent array's x-kubernetes-list-type is map",
                    ));
                }
            }
            None => errors.push(FieldError::invalid(
                path.child("x-kubernetes-list-map-keys").0,
                key_list.clone(),
                "entries must all be names of item properties",
            )),
        }
        if seen.contains(&key) {
            errors.push(FieldError::invalid(
                path.child("x-kubernetes-list-map-keys").0,
                key_list.clone(),
                "must not contain duplicate entries",
            ));
        }
        seen.push(key);
    }
}

/// Every key of a `map` list is required or defaulted, and never nullable.
fn map_keys_required(
    items: &Map<String, Value>,
    keys: &[&str],
    path: &Path,
    errors: &mut Vec<FieldError>,
) {
    let required: Vec<&str> = items
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    for &key in keys {
        let Some(property) = properties(items)
            .and_then(|p| p.get(key))
            .and_then(Value::as_object)
        else {
            continue;
        };
        let key_path = path.child("items").child("properties").key(key);
        if !required.contains(&key) && property.get("default").is_none_or(Value::is_null) {
            errors.push(FieldError::required(
                key_path.child("default").0,
                "this property is in x-kubernetes-list-map-keys, so it must have a default or be a required property",
            ));
        }
        if flag(property, "nullable") {
            errors.push(FieldError::forbidden(
                key_path.child("nullable").0,
                "this property is in x-kubernetes-list-map-keys, so it cannot be nullable",
            ));
        }
    }
}
