//! Validation of a custom resource against its CRD version's `openAPIV3Schema`, as
//! kube-apiserver does it: kube-openapi's schema validator, whose errors apiextensions turns
//! into field errors (`spec.color: Invalid value: "integer": spec.color in body must be of type
//! string: "integer"`, `spec.size: Unsupported value: "XL": supported values: "S", "M"`,
//! `spec.replicas: Invalid value: 11: spec.replicas in body should be less than or equal to
//! 10`, `spec.name: Required value`), then the `x-kubernetes-list-type` uniqueness rules.
//!
//! The walk follows kube-openapi's: at each node the validators apply by the *value's* kind
//! (type, junctors, string, format, number, array, enum, object), so a value of the wrong type
//! may collect more than one error, exactly as in a cluster. Error paths are kube-openapi's
//! names (`spec.items[0].name`); errors kube-openapi does not attach to a field (the junctors'
//! `must validate ...`) carry apimachinery's `<nil>` path.
//!
//! ```
//! use kclient_core::crd::validate::validate_custom_resource;
//! use serde_json::json;
//!
//! let schema = json!({"type": "object", "properties": {"spec": {"type": "object",
//!     "properties": {"color": {"type": "string"}}}}});
//! let cr = json!({"apiVersion": "example.com/v1", "kind": "Widget",
//!     "metadata": {"name": "w"}, "spec": {"color": 3}});
//! let errors = validate_custom_resource(&schema, &cr);
//! assert_eq!(
//!     errors[0].to_string(),
//!     r#"spec.color: Invalid value: "integer": spec.color in body must be of type string: "integer""#
//! );
//! ```

mod embedded;
mod format;
mod listtype;
mod number;
#[cfg(test)]
mod tests;

use serde_json::{Map, Value};

use crate::status::{FieldError, FieldErrorType};

pub use embedded::validate_embedded_resources;
pub use listtype::validate_list_types;

/// Validates `obj` (a whole custom resource) against `schema` (an `openAPIV3Schema`), then
/// checks embedded resources' type metadata and `x-kubernetes-list-type: set|map`
/// uniqueness, in kube-apiserver's order; empty when valid.
pub fn validate_custom_resource(schema: &Value, obj: &Value) -> Vec<FieldError> {
    let mut errors = validate_schema(schema, obj);
    errors.extend(validate_embedded_resources(schema, obj));
    errors.extend(validate_list_types(schema, obj));
    errors
}

/// The OpenAPI part alone: kube-openapi's schema validation of `obj` (the part
/// kube-apiserver's validation ratcheting applies to).
pub fn validate_schema(schema: &Value, obj: &Value) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if let Some(node) = schema.as_object() {
        validate_node(node, obj, "", &mut errors);
    }
    errors
}

/// The field path apiextensions derives from a kube-openapi name: without the leading dot, and
/// apimachinery's `<nil>` for the root.
fn field_of(name: &str) -> String {
    match name.trim_start_matches('.') {
        "" => "<nil>".to_owned(),
        f => f.to_owned(),
    }
}

/// An error kube-openapi reports without a field (`errors.New`): apiextensions turns it into
/// `<nil>: Invalid value: ""`.
fn unattached(message: String) -> FieldError {
    FieldError::invalid("<nil>", Value::String(String::new()), message)
}

/// A kube-openapi validation error of the default kind: `Invalid value` with the message.
fn invalid(name: &str, value: Value, message: String) -> FieldError {
    FieldError::invalid(field_of(name), value, message)
}

/// The JSON type kube-openapi infers for a decoded value.
fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::String(_) => "string",
        Value::Number(n) if n.is_i64() => "integer",
        Value::Number(_) => "number",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// The types a schema node accepts: its `type`, or integer and string for
/// `x-kubernetes-int-or-string`, as apiextensions converts it for kube-openapi.
fn schema_types(node: &Map<String, Value>) -> Vec<&str> {
    if node.get("x-kubernetes-int-or-string") == Some(&Value::Bool(true)) {
        return vec!["integer", "string"];
    }
    match node.get("type").and_then(Value::as_str) {
        Some(t) if !t.is_empty() => vec![t],
        _ => Vec::new(),
    }
}

fn flag(node: &Map<String, Value>, key: &str) -> bool {
    node.get(key) == Some(&Value::Bool(true))
}

/// kube-openapi's `SchemaValidator.Validate` on one node.
fn validate_node(
    node: &Map<String, Value>,
    data: &Value,
    name: &str,
    errors: &mut Vec<FieldError>,
) {
    let format = format::supported(node);
    if data.is_null() {
        check_type(node, format, data, name, errors);
        check_enum(node, data, name, errors);
        return;
    }
    check_type(node, format, data, name, errors);
    check_junctors(node, data, name, errors);
    if let Value::String(s) = data {
        check_string(node, s, name, errors);
        if let Some(format) = format
            && !format::valid(format, s)
        {
            errors.push(FieldError::type_invalid(
                field_of(name),
                data.clone(),
                format!("{name} in body must be of type {format}: {}", go_quoted(s)),
            ));
        }
    }
    if let Value::Number(n) = data {
        number::check(node, n, name, errors);
    }
    if let Value::Array(items) = data {
        check_array(node, items, name, errors);
    }
    check_enum(node, data, name, errors);
    if let Value::Object(map) = data {
        check_object(node, map, name, errors);
    }
}

/// kube-openapi's type validator: the value's JSON type must be one the schema names (an
/// integral number passes for `integer`, an integer for `number`).
fn check_type(
    node: &Map<String, Value>,
    format: Option<&str>,
    data: &Value,
    name: &str,
    errors: &mut Vec<FieldError>,
) {
    let types = schema_types(node);
    if types.is_empty() && format.is_none() {
        return;
    }
    let joined = types.join(",");
    if data.is_null() {
        if !types.is_empty() && !types.contains(&"null") && !flag(node, "nullable") {
            errors.push(type_error(name, &joined, "null"));
        }
        return;
    }
    let found = json_type(data);
    let integral_float = matches!(data, Value::Number(n) if n.as_f64().is_some_and(|f| f.fract() == 0.0 && f.is_finite()) && !n.is_i64());
    let float_int = found == "number" && integral_float && types.contains(&"integer");
    let int_float = found == "integer" && types.contains(&"number");
    let numeric = types.contains(&"number") || types.contains(&"integer");
    let string_or_array = matches!(data, Value::String(_) | Value::Array(_));
    if let Some(format) = format {
        if !(string_or_array || types.contains(&found) || float_int || int_float) {
            // The value's own format: Go infers int64/float64 for numbers, none otherwise.
            let own = match found {
                "integer" => "int64",
                "number" => "float64",
                _ => "",
            };
            if own != format {
                errors.push(type_error(name, format, own));
                return;
            }
        }
        if !numeric && string_or_array {
            return;
        }
    }
    if !(types.contains(&found) || float_int || int_float) {
        errors.push(type_error(name, &joined, found));
    }
}

fn type_error(name: &str, expected: &str, found: &str) -> FieldError {
    FieldError::type_invalid(
        field_of(name),
        Value::String(found.to_owned()),
        format!(
            "{name} in body must be of type {expected}: {}",
            go_quoted(found)
        ),
    )
}

/// `allOf`, `anyOf`, `oneOf` and `not`, with kube-openapi's messages.
fn check_junctors(
    node: &Map<String, Value>,
    data: &Value,
    name: &str,
    errors: &mut Vec<FieldError>,
) {
    let branches = |key: &str| -> Vec<&Map<String, Value>> {
        node.get(key)
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_object).collect())
            .unwrap_or_default()
    };
    let run = |schema: &Map<String, Value>| {
        let mut out = Vec::new();
        validate_node(schema, data, name, &mut out);
        out
    };
    let any_of = branches("anyOf");
    if !any_of.is_empty() {
        let mut best: Option<Vec<FieldError>> = None;
        let mut ok = false;
        for schema in any_of {
            let result = run(schema);
            if result.is_empty() {
                ok = true;
                break;
            }
            // kube-openapi keeps the failures of the alternative that matched the most; the
            // fewest errors stand in for that count.
            if best.as_ref().is_none_or(|b| result.len() < b.len()) {
                best = Some(result);
            }
        }
        if !ok {
            errors.push(unattached(format!(
                "{} must validate at least one schema (anyOf)",
                go_quoted(name)
            )));
            errors.extend(best.unwrap_or_default());
        }
    }
    let one_of = branches("oneOf");
    if !one_of.is_empty() {
        let mut best: Option<Vec<FieldError>> = None;
        let mut valid = 0;
        for schema in one_of {
            let result = run(schema);
            if result.is_empty() {
                valid += 1;
                best = None;
            } else if valid == 0 && best.as_ref().is_none_or(|b| result.len() < b.len()) {
                best = Some(result);
            }
        }
        if valid != 1 {
            let detail = if valid == 0 {
                "Found none valid".to_owned()
            } else {
                format!("Found {valid} valid alternatives")
            };
            errors.push(unattached(format!(
                "{} must validate one and only one schema (oneOf). {detail}",
                go_quoted(name)
            )));
            errors.extend(best.unwrap_or_default());
        }
    }
    let all_of = branches("allOf");
    if !all_of.is_empty() {
        let mut valid = 0;
        let total = all_of.len();
        for schema in all_of {
            let result = run(schema);
            if result.is_empty() {
                valid += 1;
            }
            errors.extend(result);
        }
        if valid != total {
            let detail = if valid == 0 { ". None validated" } else { "" };
            errors.push(unattached(format!(
                "{} must validate all the schemas (allOf){detail}",
                go_quoted(name)
            )));
        }
    }
    if let Some(not) = node.get("not").and_then(Value::as_object)
        && run(not).is_empty()
    {
        errors.push(unattached(format!(
            "{} must not validate the schema (not)",
            go_quoted(name)
        )));
    }
}

/// `maxLength`, `minLength` and `pattern`; kube-openapi stops at the first failure.
fn check_string(node: &Map<String, Value>, s: &str, name: &str, errors: &mut Vec<FieldError>) {
    let length = s.chars().count() as u64;
    if let Some(max) = node.get("maxLength").and_then(Value::as_u64)
        && length > max
    {
        errors.push(FieldError::too_long(
            field_of(name),
            usize::try_from(max).unwrap_or(usize::MAX),
        ));
        return;
    }
    if let Some(min) = node.get("minLength").and_then(Value::as_u64)
        && length < min
    {
        errors.push(invalid(
            name,
            Value::String(s.to_owned()),
            format!("{name} in body should be at least {min} chars long"),
        ));
        return;
    }
    if let Some(pattern) = node.get("pattern").and_then(Value::as_str) {
        let failed = match regex::Regex::new(pattern) {
            Ok(re) if re.is_match(s) => None,
            Ok(_) => Some(pattern.to_owned()),
            Err(e) => Some(format!("{pattern}, but pattern is invalid: {e}")),
        };
        if let Some(shown) = failed {
            errors.push(invalid(
                name,
                Value::String(s.to_owned()),
                format!("{name} in body should match '{shown}'"),
            ));
        }
    }
}

/// `items`, then `minItems`, `maxItems` and `uniqueItems`.
fn check_array(
    node: &Map<String, Value>,
    items: &[Value],
    name: &str,
    errors: &mut Vec<FieldError>,
) {
    if let Some(schema) = node.get("items").and_then(Value::as_object) {
        for (i, item) in items.iter().enumerate() {
            validate_node(schema, item, &format!("{name}[{i}]"), errors);
        }
    }
    counts(
        node,
        ("minItems", "maxItems", "items"),
        items.len(),
        name,
        errors,
    );
    if flag(node, "uniqueItems") {
        let duplicated = items
            .iter()
            .enumerate()
            .any(|(i, a)| items[..i].contains(a));
        if duplicated {
            errors.push(invalid(
                name,
                Value::String(String::new()),
                format!("{name} in body shouldn't contain duplicates"),
            ));
        }
    }
}

/// `minItems`/`maxItems` or `minProperties`/`maxProperties` (`keys`: the two keywords and
/// the unit the lower bound's message counts in). kube-apiserver reports the upper bound as
/// `Too many`, whatever it counts.
fn counts(
    node: &Map<String, Value>,
    keys: (&str, &str, &str),
    size: usize,
    name: &str,
    errors: &mut Vec<FieldError>,
) {
    let (min_key, max_key, unit) = keys;
    let size = size as u64;
    if let Some(min) = node.get(min_key).and_then(Value::as_u64)
        && size < min
    {
        errors.push(invalid(
            name,
            Value::from(size),
            format!("{name} in body should have at least {min} {unit}"),
        ));
    }
    if let Some(max) = node.get(max_key).and_then(Value::as_u64)
        && size > max
    {
        errors.push(FieldError::new(
            FieldErrorType::TooMany,
            field_of(name),
            Some(Value::from(size)),
            format!("must have at most {max} items"),
        ));
    }
}

/// `key`'s path below `path` in apimachinery's form (`spec.color`; just `key` at the root).
pub fn child_path(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

/// The fields of `map` that `node` specifies, each with its schema and path: properties by
/// name (`spec.color`), `additionalProperties` by key (`spec.labels[app]`). The walks over a
/// custom resource (list types, embedded resources, CEL rules) share it.
pub fn specified_fields<'a>(
    node: &'a Map<String, Value>,
    map: &'a Map<String, Value>,
    path: &str,
) -> Vec<(&'a str, &'a Map<String, Value>, &'a Value, String)> {
    let properties = node.get("properties").and_then(Value::as_object);
    let additional = node.get("additionalProperties").and_then(Value::as_object);
    map.iter()
        .filter_map(|(key, value)| {
            if let Some(schema) = properties
                .and_then(|p| p.get(key))
                .and_then(Value::as_object)
            {
                Some((key.as_str(), schema, value, child_path(path, key)))
            } else {
                additional.map(|schema| (key.as_str(), schema, value, format!("{path}[{key}]")))
            }
        })
        .collect()
}

/// `enum`: the value must equal one of the listed values (a number compares as the listed
/// value's numeric type, as Go's conversion does).
fn check_enum(node: &Map<String, Value>, data: &Value, name: &str, errors: &mut Vec<FieldError>) {
    let Some(allowed) = node.get("enum").and_then(Value::as_array) else {
        return;
    };
    if allowed.is_empty() || allowed.iter().any(|a| enum_matches(a, data)) {
        return;
    }
    let values: Vec<String> = allowed
        .iter()
        .map(|v| match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
        .collect();
    errors.push(FieldError::not_supported(
        field_of(name),
        data.clone(),
        &values,
    ));
}

fn enum_matches(allowed: &Value, data: &Value) -> bool {
    match (allowed, data) {
        (Value::Number(a), Value::Number(d)) => match (a.as_i64(), d.as_f64()) {
            // Go converts the value to the enum's type: an int64 enum truncates a float.
            (Some(a), Some(d)) if a as f64 == d.trunc() => true,
            (None, Some(d)) => a.as_f64() == Some(d),
            _ => false,
        },
        (Value::Null, _) => false,
        (a, d) => a == d,
    }
}

/// `minProperties`/`maxProperties`, `additionalProperties`, `properties`, then `required`.
fn check_object(
    node: &Map<String, Value>,
    map: &Map<String, Value>,
    name: &str,
    errors: &mut Vec<FieldError>,
) {
    counts(
        node,
        ("minProperties", "maxProperties", "properties"),
        map.len(),
        name,
        errors,
    );
    let properties = node.get("properties").and_then(Value::as_object);
    let declared = |k: &str| properties.is_some_and(|p| p.contains_key(k));
    match node.get("additionalProperties") {
        Some(Value::Bool(false)) => {
            for key in map.keys().filter(|k| !declared(k)) {
                errors.push(invalid(
                    name,
                    Value::String(key.clone()),
                    format!("{name}.{key} in body is a forbidden property"),
                ));
            }
        }
        Some(Value::Object(additional)) => {
            for (key, value) in map.iter().filter(|(k, _)| !declared(k)) {
                validate_node(additional, value, &format!("{name}.{key}"), errors);
            }
        }
        _ => {}
    }
    for (key, schema) in properties.into_iter().flatten() {
        if let (Some(value), Some(schema)) = (map.get(key), schema.as_object()) {
            validate_node(schema, value, &child_path(name, key), errors);
        }
    }
    for key in node
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
    {
        if !map.contains_key(key) {
            errors.push(FieldError::required(field_of(&format!("{name}.{key}")), ""));
        }
    }
}

/// Go's `%q` of a string.
fn go_quoted(s: &str) -> String {
    crate::status::go_quote(s)
}

/// Go's `%v` of a float64: the shortest representation, with an exponent below 1e-4 and from
/// 1e21 on (`1e+21`, `1e-05`).
pub(crate) fn go_float(f: f64) -> String {
    if f == 0.0 {
        return "0".to_owned();
    }
    let exp = f.abs().log10().floor();
    if (-4.0..21.0).contains(&exp) {
        return format!("{f}");
    }
    let s = format!("{f:e}");
    match s.split_once('e') {
        Some((mantissa, e)) => {
            let (sign, digits) = match e.strip_prefix('-') {
                Some(d) => ('-', d),
                None => ('+', e),
            };
            format!("{mantissa}e{sign}{digits:0>2}")
        }
        None => s,
    }
}
