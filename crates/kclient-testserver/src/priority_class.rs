//! PriorityClasses (scheduling.k8s.io/v1) as kube-apiserver 1.33 judges them: the
//! registry's validation (a user class's value is at most one billion, the `system-`
//! prefix is reserved for the two system classes with their fixed values, `value` and
//! `preemptionPolicy` never change; 422 Invalid) and the Priority admission plugin's
//! check that at most one class is the global default (403 Forbidden); the system
//! classes cannot be deleted one by one (403; deletecollection, which kube-apiserver's
//! registry does not guard, removes them). The `preemptionPolicy` default lives with
//! the other defaults.

use serde_json::Value;

use crate::error::{ApiResult, ErrorResponse, FieldError};
use crate::pod_admission::stored_all;
use crate::registry::Served;
use crate::state::State;

const GROUP: &str = "scheduling.k8s.io";
const RESOURCE: &str = "priorityclasses";
/// The highest value a class not created by the system may have.
const HIGHEST_USER_DEFINABLE_PRIORITY: i64 = 1_000_000_000;
/// The names kube-apiserver reserves.
const SYSTEM_PREFIX: &str = "system-";
/// The system classes, with the values they must have (neither is the global default).
const SYSTEM_CLASSES: [(&str, i64); 2] = [
    ("system-node-critical", 2_000_001_000),
    ("system-cluster-critical", 2_000_000_000),
];

fn is_priority_class(served: &Served) -> bool {
    !served.is_crd() && served.info.group == GROUP && served.info.plural == RESOURCE
}

fn value(class: &Value) -> i64 {
    class.get("value").and_then(Value::as_i64).unwrap_or(0)
}

fn global_default(class: &Value) -> bool {
    class.get("globalDefault").and_then(Value::as_bool) == Some(true)
}

fn name(class: &Value) -> &str {
    class
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("")
}

/// `ValidatePriorityClass` on create, `ValidatePriorityClassUpdate` on an update of
/// `old` (which checks only what may not change).
pub(crate) fn validate(served: &Served, obj: &Value, old: Option<&Value>) -> Vec<FieldError> {
    if !is_priority_class(served) {
        return Vec::new();
    }
    match old {
        None => validate_create(obj),
        Some(old) => validate_update(obj, old),
    }
}

fn validate_create(obj: &Value) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let name = name(obj);
    if name.starts_with(SYSTEM_PREFIX) {
        if let Err(why) = known_system_class(name, value(obj), global_default(obj)) {
            errs.push(FieldError::forbidden(
                "metadata.name",
                format!("priority class names with '{SYSTEM_PREFIX}' prefix are reserved for system use only. error: {why}"),
            ));
        }
    } else if value(obj) > HIGHEST_USER_DEFINABLE_PRIORITY {
        errs.push(FieldError::forbidden(
            "value",
            format!(
                "maximum allowed value of a user defined priority is {HIGHEST_USER_DEFINABLE_PRIORITY}"
            ),
        ));
    }
    match obj.get("preemptionPolicy") {
        None | Some(Value::Null) => {}
        Some(Value::String(p)) if p == "PreemptLowerPriority" || p == "Never" => {}
        Some(Value::String(p)) if p.is_empty() => {
            errs.push(FieldError::required("preemptionPolicy", ""));
        }
        Some(other) => errs.push(FieldError::not_supported(
            "preemptionPolicy",
            other.clone(),
            &["PreemptLowerPriority", "Never"],
        )),
    }
    errs
}

/// `IsKnownSystemPriorityClass`: the name, value and globalDefault of a system class.
fn known_system_class(name: &str, value: i64, global_default: bool) -> Result<(), String> {
    let Some((_, want)) = SYSTEM_CLASSES.iter().find(|(n, _)| *n == name) else {
        return Err(format!("{name} is not a known system priority class"));
    };
    if value != *want {
        return Err(format!("value of {name} PriorityClass must be {want}"));
    }
    if global_default {
        return Err(format!(
            "globalDefault of {name} PriorityClass must be false"
        ));
    }
    Ok(())
}

fn validate_update(obj: &Value, old: &Value) -> Vec<FieldError> {
    let mut errs = Vec::new();
    if value(obj) != value(old) {
        errs.push(FieldError::forbidden(
            "value",
            "may not be changed in an update.",
        ));
    }
    let policy = obj.get("preemptionPolicy").unwrap_or(&Value::Null);
    if policy != old.get("preemptionPolicy").unwrap_or(&Value::Null) {
        errs.push(FieldError::invalid(
            "preemptionPolicy",
            policy.clone(),
            "field is immutable",
        ));
    }
    errs
}

/// The Priority plugin's validation of a class being created (`old` is `None`) or
/// updated: only one class may be the global default.
pub(crate) fn admit(
    state: &State,
    served: &Served,
    obj: &Value,
    old: Option<&Value>,
) -> ApiResult<()> {
    if !is_priority_class(served) || !global_default(obj) {
        return Ok(());
    }
    let Some(current) = default_class(state) else {
        return Ok(());
    };
    let name = name(obj);
    let current_name = self::name(&current);
    if old.is_none() || current_name != name {
        return Err(ErrorResponse::forbidden(
            GROUP,
            RESOURCE,
            name,
            &format!(
                "PriorityClass {current_name} is already marked as default. Only one default can exist"
            ),
        ));
    }
    Ok(())
}

/// The registry's refusal to delete a system class by name.
pub(crate) fn check_delete(served: &Served, name: &str) -> ApiResult<()> {
    if is_priority_class(served) && SYSTEM_CLASSES.iter().any(|(n, _)| *n == name) {
        return Err(ErrorResponse::forbidden(
            GROUP,
            RESOURCE,
            name,
            "this is a system priority class and cannot be deleted",
        ));
    }
    Ok(())
}

/// The global default class; of several (a race when they were created), the lowest.
pub(crate) fn default_class(state: &State) -> Option<Value> {
    stored_all(state, GROUP, RESOURCE, None)
        .into_iter()
        .filter(global_default)
        .min_by_key(value)
}
