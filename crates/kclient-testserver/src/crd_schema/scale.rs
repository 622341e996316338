//! The scale subresource's paths in a custom resource: replicas are non-negative int32s and
//! the label selector a string, as apiextensions' custom resource validator checks on every
//! write of a kind that declares `/scale` (paths as declared, leading dot included).

use kclient_core::status::FieldError;
use serde_json::Value;

use crate::registry::ScalePaths;

/// The value at a `.a.b` path, if present.
fn at<'a>(obj: &'a Value, path: &str) -> Option<&'a Value> {
    let mut v = obj;
    for part in path.trim_start_matches('.').split('.') {
        v = v.get(part)?;
    }
    Some(v)
}

/// Go's `%T` and `%v` of a decoded JSON value.
fn go_type_and_value(v: &Value) -> (&'static str, String) {
    match v {
        Value::String(s) => ("string", s.clone()),
        Value::Bool(b) => ("bool", b.to_string()),
        Value::Number(n) if n.is_i64() => ("int64", n.to_string()),
        Value::Number(n) => ("float64", n.to_string()),
        Value::Array(_) => ("[]interface {}", v.to_string()),
        Value::Object(_) => ("map[string]interface {}", v.to_string()),
        Value::Null => ("<nil>", "<nil>".to_owned()),
    }
}

fn replicas(obj: &Value, path: &str, errors: &mut Vec<FieldError>) {
    if path.is_empty() {
        return;
    }
    let Some(v) = at(obj, path).filter(|v| !v.is_null()) else {
        return;
    };
    let dotted = format!(".{}", path.trim_start_matches('.'));
    match v.as_i64().filter(|_| v.is_i64()) {
        Some(n) if n < 0 => errors.push(FieldError::invalid(
            path,
            Value::from(n),
            "should be a non-negative integer",
        )),
        Some(n) if n > i64::from(i32::MAX) => errors.push(FieldError::invalid(
            path,
            Value::from(n),
            format!("should be less than or equal to {}", i32::MAX),
        )),
        Some(_) => {}
        None => {
            let (ty, shown) = go_type_and_value(v);
            errors.push(FieldError::invalid(
                path,
                Value::from(0),
                format!("{dotted} accessor error: {shown} is of the type {ty}, expected int64"),
            ));
        }
    }
}

/// The scale errors of `obj`.
pub(super) fn validate(scale: &ScalePaths, obj: &Value) -> Vec<FieldError> {
    let mut errors = Vec::new();
    replicas(obj, &scale.spec_replicas, &mut errors);
    replicas(obj, &scale.status_replicas, &mut errors);
    if let Some(path) = scale.label_selector.as_deref().filter(|p| !p.is_empty())
        && let Some(v) = at(obj, path).filter(|v| !v.is_null() && !v.is_string())
    {
        let (ty, shown) = go_type_and_value(v);
        let dotted = format!(".{}", path.trim_start_matches('.'));
        errors.push(FieldError::invalid(
            path,
            Value::String(String::new()),
            format!("{dotted} accessor error: {shown} is of the type {ty}, expected string"),
        ));
    }
    errors
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn replicas_and_selector_types() {
        let paths = ScalePaths {
            spec_replicas: ".spec.replicas".into(),
            status_replicas: ".status.replicas".into(),
            label_selector: Some(".status.selector".into()),
        };
        assert!(validate(&paths, &json!({"spec": {"replicas": 3}})).is_empty());
        let errors: Vec<String> = validate(
            &paths,
            &json!({"spec": {"replicas": -1}, "status": {"replicas": "many", "selector": 5}}),
        )
        .iter()
        .map(ToString::to_string)
        .collect();
        assert_eq!(
            errors,
            [
                ".spec.replicas: Invalid value: -1: should be a non-negative integer",
                ".status.replicas: Invalid value: 0: .status.replicas accessor error: many is of the type string, expected int64",
                r#".status.selector: Invalid value: "": .status.selector accessor error: 5 is of the type int64, expected string"#
            ]
        );
    }
}
