//! apiextensions-apiserver's checks on a CRD's `openAPIV3Schema`: the *structural schema*
//! rules, the OpenAPI subset CRDs may use, and the defaults, with kube-apiserver's field paths
//! and messages.
//!
//! kube-apiserver (`apiextensions.k8s.io/v1`) rejects a CRD whose schema breaks any of them:
//! - every node of the structural part (the root, each property, each `items`, each
//!   `additionalProperties`) has a `type`, unless it is `x-kubernetes-int-or-string` or
//!   `x-kubernetes-preserve-unknown-fields`; an array has `items`; the root is an object without
//!   `additionalProperties`;
//! - `properties` and a schema (or `false`) in `additionalProperties` exclude each other;
//! - inside `allOf`/`anyOf`/`oneOf`/`not` only value validations: no `type`, `description`,
//!   `default`, `additionalProperties`, `nullable`, `title` or `x-kubernetes-*` (but for the two
//!   int-or-string patterns), and every field or item named there is also specified outside them;
//! - `metadata` at the root may restrict only `name` and `generateName`; `kind` and
//!   `apiVersion` are strings;
//! - no `$ref`, `definitions`, `id`, `patternProperties`, `dependencies`, `additionalItems`,
//!   `uniqueItems: true`, `type: null`, `x-kubernetes-preserve-unknown-fields: false`;
//! - defaults are valid for their schema, already pruned, and never in the top-level
//!   `metadata`, `kind` or `apiVersion`; with a `status` subresource the root holds only
//!   plain keywords (no junctors, enum, default, nullable).
//!
//! [`validate_crd_schemas`] checks every version's schema of a CRD, each at its own
//! `spec.versions[i]` path; [`validate_schema`] checks one schema. (The whole CRD as
//! kube-apiserver validates it, with its paths, is [`super::definition`]'s, which the test
//! server runs on every CRD written to it.) Both return the problems, empty
//! when the schema is accepted. CEL rules (`x-kubernetes-validations`) and regular-expression
//! syntax are not compiled here.
//!
//! ```
//! use kclient_core::crd::structural::validate_schema;
//! use serde_json::json;
//!
//! let ok = json!({"type": "object", "properties": {
//!     "spec": {"type": "object", "properties": {"port": {"x-kubernetes-int-or-string": true}}}}});
//! assert!(validate_schema(&ok, "openAPIV3Schema", false).is_empty());
//!
//! let untyped = json!({"type": "object", "properties": {"spec": {"properties": {}}}});
//! let errors = validate_schema(&untyped, "openAPIV3Schema", false);
//! assert_eq!(
//!     errors[0].to_string(),
//!     "openAPIV3Schema.properties[spec].type: Required value: must not be empty for specified object fields"
//! );
//! ```

mod defaults;
mod nested;
mod openapi;
#[cfg(test)]
mod tests;

use serde_json::{Map, Value};

use crate::status::FieldError;

/// The keys a JSON schema node may carry in a CRD: the fields of apiextensions'
/// `JSONSchemaProps`. kube-apiserver drops any other key with a warning, or rejects the CRD
/// under `fieldValidation=Strict` (kubectl's default).
pub const SCHEMA_KEYWORDS: &[&str] = &[
    "id",
    "$schema",
    "$ref",
    "description",
    "type",
    "format",
    "title",
    "default",
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
    "enum",
    "maxProperties",
    "minProperties",
    "required",
    "items",
    "allOf",
    "oneOf",
    "anyOf",
    "not",
    "properties",
    "additionalProperties",
    "patternProperties",
    "dependencies",
    "additionalItems",
    "definitions",
    "externalDocs",
    "example",
    "nullable",
    "x-kubernetes-preserve-unknown-fields",
    "x-kubernetes-embedded-resource",
    "x-kubernetes-int-or-string",
    "x-kubernetes-list-map-keys",
    "x-kubernetes-list-type",
    "x-kubernetes-map-type",
    "x-kubernetes-validations",
];

/// The OpenAPI v3 types a CRD schema may use, in apimachinery's (sorted) order.
const OPENAPI_TYPES: &[&str] = &["array", "boolean", "integer", "number", "object", "string"];

/// Checks the `openAPIV3Schema` of every version of an `apiextensions.k8s.io/v1`
/// CustomResourceDefinition (as JSON), as kube-apiserver does when the CRD is written: paths
/// start at `spec.versions[i].schema.openAPIV3Schema`. A version without a schema is not
/// checked; `spec.preserveUnknownFields: true` is refused as in v1.
pub fn validate_crd_schemas(crd: &Value) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if crd.pointer("/spec/preserveUnknownFields") == Some(&Value::Bool(true)) {
        errors.push(FieldError::invalid(
            "spec.preserveUnknownFields",
            Value::Bool(true),
            "must be false in order to use defaults in the schema",
        ));
    }
    let versions = crd.pointer("/spec/versions").and_then(Value::as_array);
    for (index, version) in versions.into_iter().flatten().enumerate() {
        let Some(schema) = version.pointer("/schema/openAPIV3Schema") else {
            continue;
        };
        let status = version
            .pointer("/subresources/status")
            .is_some_and(|s| !s.is_null());
        let path = format!("spec.versions[{index}].schema.openAPIV3Schema");
        errors.extend(validate_schema(schema, &path, status));
    }
    errors
}

/// Checks one CRD schema, `path` naming its root in the messages. `status_subresource` says
/// whether the version enables the `status` subresource, which restricts the root.
pub fn validate_schema(schema: &Value, path: &str, status_subresource: bool) -> Vec<FieldError> {
    let root = Path(path.to_owned());
    let Some(node) = schema.as_object() else {
        return vec![FieldError::invalid(
            path,
            schema.clone(),
            "must be a JSON schema object",
        )];
    };
    let mut errors = Vec::new();
    if status_subresource {
        openapi::check_status_root(node, &root, &mut errors);
    }
    if flag(node, "nullable") {
        errors.push(FieldError::forbidden(
            root.child("nullable").0,
            "nullable cannot be true at the root",
        ));
    }
    let mut structural = Vec::new();
    invariants(node, Level::Root, &root, &mut structural);
    nested::completeness(node, &root, &mut structural);
    // kube-apiserver sorts the structural errors by message, and looks at defaults only in a
    // structural schema.
    structural.sort_by_key(|e| e.to_string());
    if structural.is_empty() {
        defaults::check(node, &root, &mut structural);
    }
    errors.extend(structural);
    openapi::check(node, &root, openapi::Context::root(), true, &mut errors);
    errors
}

/// apimachinery's `field.Path`, rendered: `a.b[key][0].c`.
#[derive(Clone, Debug)]
pub(crate) struct Path(pub(crate) String);

impl Path {
    pub(crate) fn child(&self, name: &str) -> Path {
        Path(format!("{}.{name}", self.0))
    }

    pub(crate) fn key(&self, key: &str) -> Path {
        Path(format!("{}[{key}]", self.0))
    }

    pub(crate) fn index(&self, index: usize) -> Path {
        Path(format!("{}[{index}]", self.0))
    }
}

/// Where a node sits in the structural part, for the "type must not be empty" messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Level {
    Root,
    Item,
    Field,
}

/// The `type` of a node, `""` when absent.
pub(crate) fn type_of(node: &Map<String, Value>) -> &str {
    node.get("type").and_then(Value::as_str).unwrap_or("")
}

/// Whether a boolean keyword is `true`.
pub(crate) fn flag(node: &Map<String, Value>, key: &str) -> bool {
    node.get(key) == Some(&Value::Bool(true))
}

/// The `properties` of a node.
pub(crate) fn properties(node: &Map<String, Value>) -> Option<&Map<String, Value>> {
    node.get("properties").and_then(Value::as_object)
}

/// `additionalProperties` when it is a schema (not a boolean).
pub(crate) fn additional_schema(node: &Map<String, Value>) -> Option<&Map<String, Value>> {
    node.get("additionalProperties").and_then(Value::as_object)
}

/// `items` when it is one schema (not a list).
pub(crate) fn items_schema(node: &Map<String, Value>) -> Option<&Map<String, Value>> {
    node.get("items").and_then(Value::as_object)
}

/// The structural part's invariants (apiextensions' `validateStructuralInvariants`).
fn invariants(node: &Map<String, Value>, level: Level, path: &Path, errors: &mut Vec<FieldError>) {
    let ty = type_of(node);
    if ty == "array" && node.get("items").is_none() {
        errors.push(FieldError::required(
            path.child("items").0,
            "must be specified",
        ));
    }
    if let Some(items) = items_schema(node) {
        invariants(items, Level::Item, &path.child("items"), errors);
    }
    for (key, property) in properties(node).into_iter().flatten() {
        if let Some(property) = property.as_object() {
            invariants(
                property,
                Level::Field,
                &path.child("properties").key(key),
                errors,
            );
        }
    }
    if node.contains_key("additionalProperties") {
        if level == Level::Root {
            errors.push(FieldError::forbidden(
                path.child("additionalProperties").0,
                "must not be used at the root",
            ));
        }
        if let Some(additional) = additional_schema(node) {
            invariants(
                additional,
                Level::Field,
                &path.child("additionalProperties"),
                errors,
            );
        }
    }

    let int_or_string = flag(node, "x-kubernetes-int-or-string");
    let preserve = flag(node, "x-kubernetes-preserve-unknown-fields");
    let embedded = flag(node, "x-kubernetes-embedded-resource");
    if int_or_string && preserve {
        errors.push(FieldError::invalid(
            path.child("x-kubernetes-preserve-unknown-fields").0,
            Value::Bool(true),
            "must be false if x-kubernetes-int-or-string is true",
        ));
    }
    if int_or_string && embedded {
        errors.push(FieldError::invalid(
            path.child("x-kubernetes-embedded-resource").0,
            Value::Bool(true),
            "must be false if x-kubernetes-int-or-string is true",
        ));
    }

    nested::value_validation(node, level, path, errors);

    if embedded && ty != "object" {
        let detail = "must be object if x-kubernetes-embedded-resource is true";
        errors.push(if ty.is_empty() {
            FieldError::required(path.child("type").0, detail)
        } else {
            FieldError::invalid(path.child("type").0, Value::from(ty), detail)
        });
    } else if ty.is_empty() && !int_or_string && !preserve {
        let detail = match level {
            Level::Root => "must not be empty at the root",
            Level::Item => "must not be empty for specified array items",
            Level::Field => "must not be empty for specified object fields",
        };
        errors.push(FieldError::required(path.child("type").0, detail));
    }
    if embedded && node.contains_key("additionalProperties") {
        errors.push(FieldError::forbidden(
            path.child("additionalProperties").0,
            "must not be used if x-kubernetes-embedded-resource is set",
        ));
    }
    if level == Level::Root && !ty.is_empty() && ty != "object" {
        errors.push(FieldError::invalid(
            path.child("type").0,
            Value::from(ty),
            "must be object at the root",
        ));
    }

    let check_metadata = level == Level::Root || embedded;
    let props = properties(node);
    for meta_field in ["kind", "apiVersion"] {
        let Some(field) = props
            .and_then(|p| p.get(meta_field))
            .and_then(Value::as_object)
        else {
            continue;
        };
        if check_metadata && type_of(field) != "string" {
            errors.push(FieldError::invalid(
                path.child("properties").key(meta_field).child("type").0,
                Value::from(type_of(field)),
                "must be string",
            ));
        }
    }
    if let Some(metadata) = props
        .and_then(|p| p.get("metadata"))
        .and_then(Value::as_object)
    {
        metadata_invariants(
            metadata,
            check_metadata,
            level,
            &path.child("properties").key("metadata"),
            errors,
        );
    }
    if embedded && !preserve && props.is_none_or(Map::is_empty) {
        errors.push(FieldError::required(
            path.child("properties").0,
            "must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields",
        ));
    }
}

/// `metadata` is an object, and at the root restricts at most `name` and `generateName`.
fn metadata_invariants(
    metadata: &Map<String, Value>,
    check_metadata: bool,
    level: Level,
    path: &Path,
    errors: &mut Vec<FieldError>,
) {
    if check_metadata && type_of(metadata) != "object" {
        errors.push(FieldError::invalid(
            path.child("type").0,
            Value::from(type_of(metadata)),
            "must be object",
        ));
    }
    if level != Level::Root {
        return;
    }
    // What may remain once the type, the default and a name/generateName restriction are
    // taken away: nothing at all (a description counts).
    let only_names = properties(metadata)
        .is_some_and(|p| !p.is_empty() && p.keys().all(|k| k == "name" || k == "generateName"));
    let extra = metadata.iter().any(|(key, value)| match key.as_str() {
        "type" | "default" => false,
        "properties" => !(only_names || value.as_object().is_some_and(Map::is_empty)),
        _ => !is_zero(value),
    });
    if extra {
        errors.push(FieldError::forbidden(
            path.0.clone(),
            "must not specify anything other than name and generateName, but metadata is implicitly specified",
        ));
    }
}

/// Whether a keyword's value is its Go zero value (so apimachinery does not see it as set).
fn is_zero(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Bool(b) => !b,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        Value::Number(_) => false,
    }
}
