//! `x-kubernetes-validations`: the CEL rules of a CRD schema, evaluated with cel-rust where
//! kube-apiserver evaluates them: at every node holding rules whose value is present, `self`
//! bound to that value and, for transition rules (those naming `oldSelf`) on an update,
//! `oldSelf` bound to the correlated old value (object fields by name, map values by key,
//! items of `x-kubernetes-list-type: map` lists by their keys, of `set` lists by value).
//!
//! A rule that does not hold gives apiextensions' error: `Invalid value: "<schema type>"` with
//! the rule's `message` (or `messageExpression`'s result, or `failed rule: <rule>`), at the
//! node's path plus the rule's `fieldPath`, typed by its `reason`.

use std::sync::{Arc, LazyLock};

use cel::{Context, Env};
use kclient_core::crd::validate::specified_fields;
use kclient_core::status::FieldError;
use serde_json::{Map, Value};

/// The standard library plus the strings and lists extensions Kubernetes enables.
static ENV: LazyLock<Arc<Env>> = LazyLock::new(|| {
    let mut env = Env::stdlib();
    // The extensions declare only new functions; a clash would leave the standard ones.
    let _ = env.add_extension(cel::extensions::strings);
    let _ = env.add_extension(cel::extensions::lists);
    Arc::new(env)
});

/// The rule errors of `obj` (`old`: the object an update replaces), root path `<nil>`.
pub(super) fn validate(schema: &Value, obj: &Value, old: Option<&Value>) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if let Some(node) = schema.as_object() {
        walk(node, obj, old, "", &mut errors);
    }
    errors
}

/// Whether `schema` has any rule.
pub(super) fn has_rules(schema: &Value) -> bool {
    match schema {
        Value::Object(m) => m.contains_key("x-kubernetes-validations") || m.values().any(has_rules),
        Value::Array(a) => a.iter().any(has_rules),
        _ => false,
    }
}

/// The rules of every version of a CRD that do not compile, as kube-apiserver refuses them
/// when the CRD is written (cel-rust checks the syntax; kube-apiserver also type-checks).
pub(super) fn compile_errors(crd: &Value) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let versions = crd.pointer("/spec/versions").and_then(Value::as_array);
    for (i, version) in versions.into_iter().flatten().enumerate() {
        if let Some(schema) = version
            .pointer("/schema/openAPIV3Schema")
            .and_then(Value::as_object)
        {
            let path = format!("spec.versions[{i}].schema.openAPIV3Schema");
            compile_node(schema, &path, &mut errors);
        }
    }
    errors
}

fn compile_node(node: &Map<String, Value>, path: &str, errors: &mut Vec<FieldError>) {
    let rules = node
        .get("x-kubernetes-validations")
        .and_then(Value::as_array);
    for (j, rule) in rules.into_iter().flatten().enumerate() {
        let source = rule.get("rule").and_then(Value::as_str).unwrap_or("");
        if let Err(e) = ENV.compile(source) {
            let text = |k: &str| rule.get(k).and_then(Value::as_str).unwrap_or("");
            errors.push(FieldError::new(
                kclient_core::status::FieldErrorType::Invalid,
                format!("{path}.x-kubernetes-validations[{j}].rule"),
                None,
                format!(
                    "apiextensions.ValidationRule{{Rule:{}, Message:{}, MessageExpression:{}, Reason:(*apiextensions.FieldValueErrorReason)(nil), FieldPath:{}, OptionalOldSelf:(*bool)(nil)}}: compilation failed: {e}",
                    go_quote(source),
                    go_quote(text("message")),
                    go_quote(text("messageExpression")),
                    go_quote(text("fieldPath")),
                ),
            ));
        }
    }
    for (key, sub) in node
        .get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        if let Some(sub) = sub.as_object() {
            compile_node(sub, &format!("{path}.properties[{key}]"), errors);
        }
    }
    for key in ["items", "additionalProperties"] {
        if let Some(sub) = node.get(key).and_then(Value::as_object) {
            compile_node(sub, &format!("{path}.{key}"), errors);
        }
    }
}

/// Go's `%q`.
fn go_quote(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

fn shown(path: &str) -> String {
    if path.is_empty() {
        "<nil>".to_owned()
    } else {
        path.to_owned()
    }
}

fn walk(
    node: &Map<String, Value>,
    value: &Value,
    old: Option<&Value>,
    path: &str,
    errors: &mut Vec<FieldError>,
) {
    if value.is_null() {
        return;
    }
    if let Some(rules) = node
        .get("x-kubernetes-validations")
        .and_then(Value::as_array)
    {
        for rule in rules.iter().filter_map(Value::as_object) {
            if let Some(e) = check_rule(node, rule, value, old, path) {
                errors.push(e);
            }
        }
    }
    match value {
        Value::Object(map) => {
            for (key, schema, v, at) in specified_fields(node, map, path) {
                walk(schema, v, old.and_then(|o| o.get(key)), &at, errors);
            }
        }
        Value::Array(items) => {
            let Some(schema) = node.get("items").and_then(Value::as_object) else {
                return;
            };
            let old_items = old.and_then(Value::as_array);
            for (i, item) in items.iter().enumerate() {
                let old_item = old_items.and_then(|o| correlate(node, item, o));
                walk(schema, item, old_item, &format!("{path}[{i}]"), errors);
            }
        }
        _ => {}
    }
}

/// The old item an item of a list corresponds to, as kube-apiserver correlates them.
fn correlate<'a>(node: &Map<String, Value>, item: &Value, old: &'a [Value]) -> Option<&'a Value> {
    match node.get("x-kubernetes-list-type").and_then(Value::as_str) {
        Some("set") => old.iter().find(|o| *o == item),
        Some("map") => {
            let keys: Vec<&str> = node
                .get("x-kubernetes-list-map-keys")
                .and_then(Value::as_array)?
                .iter()
                .filter_map(Value::as_str)
                .collect();
            old.iter()
                .find(|o| keys.iter().all(|k| o.get(*k) == item.get(*k)))
        }
        _ => None,
    }
}

fn eval(source: &str, value: &Value, old: Option<&Value>) -> Result<cel::Value, String> {
    let program = ENV
        .compile(source)
        .map_err(|e| format!("compilation failed: {e}"))?;
    let mut ctx = Context::with_env(ENV.clone());
    ctx.add_variable_from_value("self", to_cel(value)?);
    if let Some(old) = old {
        ctx.add_variable_from_value("oldSelf", to_cel(old)?);
    }
    program.execute(&ctx).map_err(|e| e.to_string())
}

fn to_cel(value: &Value) -> Result<cel::Value, String> {
    cel::to_value(value).map_err(|e| e.to_string())
}

fn check_rule(
    node: &Map<String, Value>,
    rule: &Map<String, Value>,
    value: &Value,
    old: Option<&Value>,
    path: &str,
) -> Option<FieldError> {
    let source = rule.get("rule").and_then(Value::as_str)?;
    let transition = source.contains("oldSelf");
    if transition && old.is_none() {
        return None;
    }
    let type_name = Value::String(
        node.get("type")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned(),
    );
    let at = match rule.get("fieldPath").and_then(Value::as_str) {
        Some(fp) if !fp.is_empty() => format!("{path}{fp}"),
        _ => path.to_owned(),
    };
    let message = match eval(source, value, old) {
        Ok(cel::Value::Bool(true)) => return None,
        Ok(cel::Value::Bool(false)) => failure_message(rule, source, value, old),
        Ok(other) => {
            return Some(FieldError::invalid(
                shown(path),
                type_name,
                format!("rule evaluation error: rule did not evaluate to a bool: {other:?}"),
            ));
        }
        Err(e) => {
            return Some(FieldError::invalid(
                shown(path),
                type_name,
                format!("rule evaluation error: {e}"),
            ));
        }
    };
    let field = shown(at.trim_start_matches('.'));
    Some(match rule.get("reason").and_then(Value::as_str) {
        Some("FieldValueForbidden") => FieldError::forbidden(field, message),
        Some("FieldValueRequired") => FieldError::required(field, message),
        Some("FieldValueDuplicate") => FieldError::new(
            kclient_core::status::FieldErrorType::Duplicate,
            field,
            Some(type_name),
            message,
        ),
        _ => FieldError::invalid(field, type_name, message),
    })
}

/// `messageExpression`'s string when it gives a non-empty one, else `message`, else
/// `failed rule: <rule>`.
fn failure_message(
    rule: &Map<String, Value>,
    source: &str,
    value: &Value,
    old: Option<&Value>,
) -> String {
    if let Some(expr) = rule.get("messageExpression").and_then(Value::as_str)
        && let Ok(cel::Value::String(s)) = eval(expr, value, old)
        && !s.trim().is_empty()
        && !s.contains('\n')
    {
        return s.to_string();
    }
    match rule.get("message").and_then(Value::as_str) {
        Some(m) if !m.is_empty() => m.to_owned(),
        _ => format!("failed rule: {source}"),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn messages(schema: Value, obj: Value, old: Option<Value>) -> Vec<String> {
        validate(&schema, &obj, old.as_ref())
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    fn spec_schema(rules: Value) -> Value {
        json!({"type": "object", "properties": {"spec": {"type": "object",
            "x-kubernetes-validations": rules,
            "properties": {"min": {"type": "integer"}, "max": {"type": "integer"},
                           "name": {"type": "string", "x-kubernetes-validations": [
                               {"rule": "self.startsWith('w')", "message": "must start with w"}]}}}}})
    }

    #[test]
    fn rules_hold_or_report_their_message() {
        let schema = spec_schema(
            json!([{"rule": "self.min <= self.max", "message": "min must not exceed max"}]),
        );
        assert!(messages(schema.clone(), json!({"spec": {"min": 1, "max": 2}}), None).is_empty());
        assert_eq!(
            messages(
                schema.clone(),
                json!({"spec": {"min": 3, "max": 2, "name": "x"}}),
                None
            ),
            [
                r#"spec: Invalid value: "object": min must not exceed max"#,
                r#"spec.name: Invalid value: "string": must start with w"#
            ]
        );
        let default_message = spec_schema(json!([{"rule": "self.min <= self.max"}]));
        assert_eq!(
            messages(default_message, json!({"spec": {"min": 3, "max": 2}}), None),
            [r#"spec: Invalid value: "object": failed rule: self.min <= self.max"#]
        );
    }

    #[test]
    fn message_expressions_field_paths_and_reasons() {
        let schema = spec_schema(json!([{
            "rule": "self.min <= self.max",
            "messageExpression": "'min ' + string(self.min) + ' exceeds max ' + string(self.max)",
            "fieldPath": ".min",
            "reason": "FieldValueForbidden"
        }]));
        assert_eq!(
            messages(schema, json!({"spec": {"min": 3, "max": 2}}), None),
            ["spec.min: Forbidden: min 3 exceeds max 2"]
        );
    }

    #[test]
    fn transition_rules_see_the_old_value_on_update_only() {
        let schema = spec_schema(
            json!([{"rule": "self.min >= oldSelf.min", "message": "min may not decrease"}]),
        );
        assert!(messages(schema.clone(), json!({"spec": {"min": 1}}), None).is_empty());
        assert_eq!(
            messages(
                schema.clone(),
                json!({"spec": {"min": 1}}),
                Some(json!({"spec": {"min": 2}}))
            ),
            [r#"spec: Invalid value: "object": min may not decrease"#]
        );
        assert!(
            messages(
                schema,
                json!({"spec": {"min": 3}}),
                Some(json!({"spec": {"min": 2}}))
            )
            .is_empty()
        );
    }

    #[test]
    fn rules_that_do_not_compile_are_refused_with_the_crd() {
        let crd = json!({"spec": {"versions": [{"name": "v1", "schema": {"openAPIV3Schema":
            spec_schema(json!([{"rule": "self.min <=", "message": "m"}]))}}]}});
        let errors = compile_errors(&crd);
        assert_eq!(errors.len(), 1);
        assert_eq!(
            errors[0].field,
            "spec.versions[0].schema.openAPIV3Schema.properties[spec].x-kubernetes-validations[0].rule"
        );
        assert!(
            errors[0].to_string().contains(
                r#"Invalid value: apiextensions.ValidationRule{Rule:"self.min <=", Message:"m""#
            ),
            "{}",
            errors[0]
        );
        let ok = json!({"spec": {"versions": [{"name": "v1", "schema": {"openAPIV3Schema":
            spec_schema(json!([{"rule": "self.min <= self.max"}]))}}]}});
        assert!(compile_errors(&ok).is_empty());
    }

    #[test]
    fn evaluation_errors_are_reported() {
        let schema = spec_schema(json!([{"rule": "self.missing > 1"}]));
        let errors = messages(schema, json!({"spec": {"min": 1}}), None);
        assert_eq!(errors.len(), 1);
        assert!(
            errors[0].starts_with(r#"spec: Invalid value: "object": rule evaluation error: "#),
            "{errors:?}"
        );
    }
}
