//! `x-kubernetes-validations`: the CEL rules of a CRD schema, evaluated with cel-rust where
//! kube-apiserver evaluates them: at every node holding rules whose value is present, `self`
//! bound to that value and, for transition rules (those naming `oldSelf`) on an update,
//! `oldSelf` bound to the correlated old value (object fields by name, map values by key,
//! items of `x-kubernetes-list-type: map` lists by their keys). A rule with
//! `optionalOldSelf: true` also runs when there is no old value, `oldSelf` then an optional
//! (`optional.none()` on create, `optional.of(old)` on update).
//!
//! A rule that does not hold gives apiextensions' error: `Invalid value: "<schema type>"` with
//! the rule's `message` (or `messageExpression`'s result, or `failed rule: <rule>`), at the
//! node's path plus the rule's `fieldPath`, typed by its `reason`. Every evaluation is charged
//! its cost ([`super::cel_cost`]) against the per-call limit and the object's budget; past
//! either, validation stops with kube-apiserver's message.

use std::sync::{Arc, LazyLock};

use cel::common::types::CelOptional;
use cel::common::value::Val;
use cel::{Context, Env, ExecutionError};
use kclient_core::crd::validate::specified_fields;
use kclient_core::status::{FieldError, FieldErrorType};
use serde_json::{Map, Value};

use super::cel_cost::{self, PER_CALL_LIMIT, RUNTIME_BUDGET};
use super::cel_lib;
use super::cel_value::to_cel;

/// The standard library, the strings and lists extensions and the Kubernetes libraries.
pub(super) static ENV: LazyLock<Arc<Env>> = LazyLock::new(|| {
    let mut env = Env::stdlib();
    // The libraries declare only new overloads; a clash would leave the standard ones.
    let _ = env.add_extension(cel::extensions::strings);
    let _ = env.add_extension(cel::extensions::lists);
    let _ = env.add_extension(cel_lib::register);
    Arc::new(env)
});

/// The rule errors of `obj` (`old`: the object an update replaces), root path `<nil>`.
pub(super) fn validate(schema: &Value, obj: &Value, old: Option<&Value>) -> Vec<FieldError> {
    let mut walk = Walk {
        errors: Vec::new(),
        budget: RUNTIME_BUDGET,
        stopped: false,
    };
    if let Some(node) = schema.as_object() {
        walk.node(node, obj, old, "");
    }
    walk.errors
}

/// Whether `schema` has any rule.
pub(super) fn has_rules(schema: &Value) -> bool {
    match schema {
        Value::Object(m) => m.contains_key("x-kubernetes-validations") || m.values().any(has_rules),
        Value::Array(a) => a.iter().any(has_rules),
        _ => false,
    }
}

fn shown(path: &str) -> String {
    if path.is_empty() {
        "<nil>".to_owned()
    } else {
        path.to_owned()
    }
}

struct Walk {
    errors: Vec<FieldError>,
    /// What is left of the object's cost budget.
    budget: u64,
    /// Set once a limit is exceeded: no further rule runs.
    stopped: bool,
}

impl Walk {
    fn node(&mut self, node: &Map<String, Value>, value: &Value, old: Option<&Value>, path: &str) {
        if value.is_null() || self.stopped {
            return;
        }
        if let Some(rules) = node
            .get("x-kubernetes-validations")
            .and_then(Value::as_array)
        {
            for rule in rules.iter().filter_map(Value::as_object) {
                self.rule(node, rule, value, old, path);
                if self.stopped {
                    return;
                }
            }
        }
        match value {
            Value::Object(map) => {
                for (key, schema, v, at) in specified_fields(node, map, path) {
                    self.node(schema, v, old.and_then(|o| o.get(key)), &at);
                }
            }
            Value::Array(items) => {
                let Some(schema) = node.get("items").and_then(Value::as_object) else {
                    return;
                };
                let old_items = old.and_then(Value::as_array);
                for (i, item) in items.iter().enumerate() {
                    let old_item = old_items.and_then(|o| correlate(node, item, o));
                    self.node(schema, item, old_item, &format!("{path}[{i}]"));
                }
            }
            _ => {}
        }
    }

    fn rule(
        &mut self,
        node: &Map<String, Value>,
        rule: &Map<String, Value>,
        value: &Value,
        old: Option<&Value>,
        path: &str,
    ) {
        let Some(source) = rule.get("rule").and_then(Value::as_str) else {
            return;
        };
        if source.trim().is_empty() {
            return;
        }
        let type_name = Value::String(
            node.get("type")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned(),
        );
        let invalid = |detail: String| FieldError::invalid(shown(path), type_name.clone(), detail);
        let program = match ENV.compile(source) {
            Ok(p) => p,
            Err(e) => {
                self.errors.push(invalid(format!(
                    "rule compile error: compilation failed: {e}"
                )));
                return;
            }
        };
        let optional_old = rule.get("optionalOldSelf").and_then(Value::as_bool) == Some(true);
        if program.references().has_variable("oldSelf") && old.is_none() && !optional_old {
            return;
        }
        let shape = cel_cost::value_shape(value);
        let old_shape = old.map_or_else(|| shape.clone(), cel_cost::value_shape);
        let cost = cel_cost::cost(&program, &[("self", shape), ("oldSelf", old_shape)]);
        if cost > PER_CALL_LIMIT {
            self.errors.push(invalid(format!(
                "'operation cancelled: actual cost limit exceeded': no further validation rules will be run due to call cost exceeds limit for rule: {}",
                rule_error_string(rule, source)
            )));
            self.stopped = true;
            return;
        }
        if cost > self.budget {
            self.errors.push(invalid(
                "validation failed due to running out of cost budget, no further validation rules will be run".to_owned(),
            ));
            self.stopped = true;
            return;
        }
        self.budget -= cost;
        let ctx = context(node, value, old, optional_old);
        match program.execute(&ctx) {
            Ok(cel::Value::Bool(true)) => return,
            // Anything but `true` fails the rule, as in kube-apiserver.
            Ok(_) => {}
            Err(e) => {
                let e = go_error(&e);
                let message = if e.starts_with("no such overload") {
                    format!(
                        "'{e}': call arguments did not match a supported operator, function or macro signature for rule: {}",
                        rule_error_string(rule, source)
                    )
                } else {
                    format!("{e} evaluating rule: {}", rule_error_string(rule, source))
                };
                self.errors.push(invalid(message));
                return;
            }
        }
        // The fieldPath as kube-apiserver normalizes it (`.a['b']` names field `a.b`).
        let normalized = rule
            .get("fieldPath")
            .and_then(Value::as_str)
            .filter(|fp| !fp.is_empty())
            .and_then(|fp| super::cel_types::field_path(node, fp));
        let field = match normalized {
            Some(fp) if path.is_empty() => fp,
            Some(fp) => format!("{path}.{fp}"),
            None => shown(path),
        };
        let Some(message) = self.failure_message(rule, source, &ctx, &field, &type_name) else {
            return;
        };
        self.errors
            .push(match rule.get("reason").and_then(Value::as_str) {
                Some("FieldValueForbidden") => FieldError::forbidden(field, message),
                Some("FieldValueRequired") => FieldError::required(field, message),
                // apimachinery's Duplicate shows the value alone.
                Some("FieldValueDuplicate") => FieldError::duplicate(field, type_name),
                _ => FieldError::new(FieldErrorType::Invalid, field, Some(type_name), message),
            });
    }
}

impl Walk {
    /// `messageExpression`'s string when it gives a non-empty one without line breaks, else
    /// `message`, else `failed rule: <rule>`; `None` when the message expression went past a
    /// cost limit (the error is recorded and validation stops).
    fn failure_message(
        &mut self,
        rule: &Map<String, Value>,
        source: &str,
        ctx: &Context<'_, '_>,
        field: &str,
        type_name: &Value,
    ) -> Option<String> {
        if let Some(expr) = rule.get("messageExpression").and_then(Value::as_str)
            && let Ok(program) = ENV.compile(expr)
        {
            let shapes = [
                ("self", ctx_shape(ctx, "self")),
                ("oldSelf", ctx_shape(ctx, "oldSelf")),
            ];
            let cost = cel_cost::cost(&program, &shapes);
            let stop = if cost > PER_CALL_LIMIT {
                Some(format!(
                    "no further validation rules will be run due to call cost exceeds limit for messageExpression: {}",
                    serde_json::to_string(expr).unwrap_or_default()
                ))
            } else if cost > self.budget {
                Some("messageExpression evaluation failed due to running out of cost budget, no further validation rules will be run".to_owned())
            } else {
                None
            };
            if let Some(detail) = stop {
                self.errors
                    .push(FieldError::invalid(field, type_name.clone(), detail));
                self.stopped = true;
                return None;
            }
            self.budget -= cost;
            if let Ok(cel::Value::String(s)) = program.execute(ctx)
                && !s.trim().is_empty()
                && !s.contains(['\n', '\r'])
            {
                return Some(s.trim().to_owned());
            }
        }
        Some(match rule.get("message").and_then(Value::as_str) {
            Some(m) if !m.is_empty() => m.trim().to_owned(),
            _ => format!("failed rule: {}", source.trim()),
        })
    }
}

/// The shape of a variable of `ctx` (a list's or map's size, a string's length).
fn ctx_shape(ctx: &Context<'_, '_>, name: &str) -> cel_cost::Shape {
    ctx.get_variable(name)
        .and_then(|v| cel::Value::try_from(v.as_ref()).ok())
        .map(|v| cel_cost::cel_shape(&v))
        .unwrap_or_default()
}

/// The variables of a rule on `node`: `self`, and `oldSelf` (an optional for
/// `optionalOldSelf` rules).
fn context<'a>(
    node: &Map<String, Value>,
    value: &Value,
    old: Option<&Value>,
    optional_old: bool,
) -> Context<'a, 'a> {
    let mut ctx = Context::with_env(ENV.clone());
    ctx.add_variable_from_value("self", to_cel(Some(node), value));
    let old = old.map(|o| to_cel(Some(node), o));
    if optional_old {
        let boxed = old.and_then(|o| Box::<dyn Val>::try_from(o).ok());
        let optional = match boxed {
            Some(v) => CelOptional::of(v),
            None => CelOptional::none(),
        };
        ctx.add_variable_as_val("oldSelf", Box::new(optional));
    } else if let Some(old) = old {
        ctx.add_variable_from_value("oldSelf", old);
    }
    ctx
}

/// cel-go's text for an evaluation error, where cel-rust words it differently.
fn go_error(e: &ExecutionError) -> String {
    match e {
        ExecutionError::NoSuchKey(k) => format!("no such key: {k}"),
        ExecutionError::NoSuchOverload(_) | ExecutionError::UnsupportedBinaryOperator(..) => {
            "no such overload".to_owned()
        }
        ExecutionError::IndexOutOfBounds(_) => "index out of range".to_owned(),
        ExecutionError::DivisionByZero(_) => "division by zero".to_owned(),
        ExecutionError::RemainderByZero(_) => "modulus by zero".to_owned(),
        ExecutionError::Overflow(..) => "integer overflow".to_owned(),
        ExecutionError::FunctionError { message, .. } => message.clone(),
        other => other.to_string(),
    }
}

/// kube-apiserver's name for a rule in messages: its message, else its source.
fn rule_error_string(rule: &Map<String, Value>, source: &str) -> String {
    match rule.get("message").and_then(Value::as_str) {
        Some(m) if !m.is_empty() => m.trim().to_owned(),
        _ => source.trim().to_owned(),
    }
}

/// The old item an item of a list corresponds to: only items of `map` lists correlate, by
/// their keys, as in kube-apiserver.
fn correlate<'a>(node: &Map<String, Value>, item: &Value, old: &'a [Value]) -> Option<&'a Value> {
    if node.get("x-kubernetes-list-type").and_then(Value::as_str) != Some("map") {
        return None;
    }
    let keys: Vec<&str> = node
        .get("x-kubernetes-list-map-keys")
        .and_then(Value::as_array)?
        .iter()
        .filter_map(Value::as_str)
        .collect();
    old.iter()
        .find(|o| keys.iter().all(|k| o.get(*k) == item.get(*k)))
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
    fn evaluation_errors_are_reported() {
        let schema = spec_schema(json!([{"rule": "self.missing > 1"}]));
        // cel-go's error text, then the rule, as kube-apiserver words it.
        assert_eq!(
            messages(schema, json!({"spec": {"min": 1}}), None),
            [
                r#"spec: Invalid value: "object": no such key: missing evaluating rule: self.missing > 1"#
            ]
        );
    }

    #[test]
    fn optional_old_self_rules_run_on_create_and_update() {
        let schema = spec_schema(json!([{
            "rule": "!oldSelf.hasValue() || self.min >= oldSelf.value().min",
            "message": "min may not decrease", "optionalOldSelf": true},
            {"rule": "oldSelf.orValue(self).min == 0 || self.min != 7",
            "message": "7 only on create", "optionalOldSelf": true}]));
        assert_eq!(
            messages(schema.clone(), json!({"spec": {"min": 7}}), None),
            [r#"spec: Invalid value: "object": 7 only on create"#]
        );
        assert!(messages(schema.clone(), json!({"spec": {"min": 1}}), None).is_empty());
        assert_eq!(
            messages(
                schema,
                json!({"spec": {"min": 1}}),
                Some(json!({"spec": {"min": 2}}))
            ),
            [r#"spec: Invalid value: "object": min may not decrease"#]
        );
    }

    #[test]
    fn duplicate_reason_shows_the_value_alone() {
        let schema = spec_schema(json!([{"rule": "self.min < 0", "message": "m",
            "reason": "FieldValueDuplicate"}]));
        assert_eq!(
            messages(schema, json!({"spec": {"min": 1}}), None),
            [r#"spec: Duplicate value: "object""#]
        );
    }

    #[test]
    fn values_reach_rules_as_kube_apiserver_types_them() {
        let schema = json!({"type": "object", "properties": {"spec": {"type": "object",
            "x-kubernetes-validations": [
                {"rule": "self.created < timestamp('2030-01-01T00:00:00Z')", "message": "ts"},
                {"rule": "self.timeout == duration('90s')", "message": "dur"},
                {"rule": "self.max__dash__surge == 1", "message": "escaped"}],
            "properties": {
                "created": {"type": "string", "format": "date-time"},
                "timeout": {"type": "string", "format": "duration"},
                "max-surge": {"type": "integer"}}}}});
        let obj = json!({"spec": {"created": "2024-05-01T10:00:00Z", "timeout": "1m30s",
            "max-surge": 1}});
        assert_eq!(messages(schema, obj, None), Vec::<String>::new());
    }

    #[test]
    fn only_map_list_items_have_an_old_value() {
        let schema = json!({"type": "object", "properties": {"items": {"type": "array",
            "x-kubernetes-list-type": "set",
            "items": {"type": "integer", "x-kubernetes-validations": [
                {"rule": "self == oldSelf", "message": "changed"}]}}}});
        // A set's items do not correlate: the transition rule does not run.
        assert!(
            messages(
                schema,
                json!({"items": [1, 2]}),
                Some(json!({"items": [2, 1]}))
            )
            .is_empty()
        );
    }

    #[test]
    fn a_rule_over_its_per_call_cost_limit_stops_validation() {
        let schema = json!({"type": "object", "properties": {"vals": {"type": "array",
            "items": {"type": "integer"},
            "x-kubernetes-validations": [
                {"rule": "self.all(x, self.all(y, x + y >= 0))"},
                {"rule": "self.size() > 1000", "message": "not reached"}]}}});
        let vals: Vec<i64> = (0..400).collect();
        assert_eq!(
            messages(schema, json!({"vals": vals}), None),
            [
                r#"vals: Invalid value: "array": 'operation cancelled: actual cost limit exceeded': no further validation rules will be run due to call cost exceeds limit for rule: self.all(x, self.all(y, x + y >= 0))"#
            ]
        );
    }

    #[test]
    fn rules_past_the_objects_cost_budget_stop_validation() {
        // Each item's rule costs about 200k (a 400-character regex over 20k characters):
        // the 10M budget runs out at the 50th item, and no rule runs after it.
        let pattern = format!("^(a*|{})$", "x".repeat(392));
        let schema = json!({"type": "object", "properties": {"items": {"type": "array",
            "items": {"type": "string", "x-kubernetes-validations": [
                {"rule": format!("self.matches('{pattern}')")}]}}}});
        let items: Vec<String> = std::iter::repeat_n("a".repeat(20_000), 60).collect();
        let errors = messages(schema, json!({"items": items}), None);
        assert_eq!(
            errors,
            [
                r#"items[49]: Invalid value: "string": validation failed due to running out of cost budget, no further validation rules will be run"#
            ]
        );
    }

    #[test]
    fn a_message_expression_over_its_per_call_cost_limit_stops_validation() {
        let message = "string(self.filter(x, self.all(y, x + y >= 0)).size())";
        let schema = json!({"type": "object", "properties": {"vals": {"type": "array",
            "items": {"type": "integer"},
            "x-kubernetes-validations": [
                {"rule": "self.size() < 0", "messageExpression": message}]}}});
        let vals: Vec<i64> = (0..400).collect();
        assert_eq!(
            messages(schema, json!({"vals": vals}), None),
            [format!(
                r#"vals: Invalid value: "array": no further validation rules will be run due to call cost exceeds limit for messageExpression: "{message}""#
            )]
        );
    }
}
