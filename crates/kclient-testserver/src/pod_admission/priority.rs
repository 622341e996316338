//! The Priority admission plugin: a new Pod's `priority` and `preemptionPolicy` come from
//! its PriorityClass, or from the global default class, or are 0 and
//! `PreemptLowerPriority` when there is none; an unknown class is refused, and so is a
//! pod whose explicit values differ from the class's. Updates keep what creation set.
//! Also the two system classes kube-apiserver creates at start.

use serde_json::{Value, json};

use super::stored;
use crate::error::{ApiResult, ErrorResponse};
use crate::handlers::{CreateOptions, create_object};
use crate::priority_class::default_class;
use crate::state::State;

const GROUP: &str = "scheduling.k8s.io";
const RESOURCE: &str = "priorityclasses";
/// What a pod gets when no class is named and none is the global default.
const DEFAULT_PREEMPTION: &str = "PreemptLowerPriority";

pub(super) fn admit(state: &State, pod: &mut Value, name: &str) -> ApiResult<()> {
    let forbidden = |msg: String| ErrorResponse::forbidden("", "pods", name, &msg);
    let Some(spec) = pod.get_mut("spec").and_then(Value::as_object_mut) else {
        return Ok(());
    };
    let class_name = spec
        .get("priorityClassName")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let (priority, preemption) = if class_name.is_empty() {
        match default_class(state) {
            Some(class) => {
                if let Some(n) = class.pointer("/metadata/name") {
                    spec.insert("priorityClassName".into(), n.clone());
                }
                values(&class)
            }
            None => (0, Some(DEFAULT_PREEMPTION.to_string())),
        }
    } else {
        match stored(state, GROUP, RESOURCE, "", &class_name) {
            Some(class) => values(&class),
            None => {
                return Err(forbidden(format!(
                    "no PriorityClass with name {class_name} was found"
                )));
            }
        }
    };
    if let Some(given) = spec.get("priority").and_then(Value::as_i64)
        && given != priority
    {
        return Err(forbidden(format!(
            "the integer value of priority ({given}) must not be provided in pod spec; priority admission controller computed {priority} from the given PriorityClass name"
        )));
    }
    spec.insert("priority".into(), json!(priority));
    if let Some(policy) = preemption {
        if let Some(given) = spec.get("preemptionPolicy").and_then(Value::as_str)
            && given != policy
        {
            return Err(forbidden(format!(
                "the string value of PreemptionPolicy ({given}) must not be provided in pod spec; priority admission controller computed {policy} from the given PriorityClass name"
            )));
        }
        spec.insert("preemptionPolicy".into(), json!(policy));
    }
    Ok(())
}

/// The class's value and preemption policy.
fn values(class: &Value) -> (i64, Option<String>) {
    let value = class.get("value").and_then(Value::as_i64).unwrap_or(0);
    let policy = class
        .get("preemptionPolicy")
        .and_then(Value::as_str)
        .map(str::to_string);
    (value, policy)
}

/// An update without `priority` or `preemptionPolicy` keeps the stored ones.
pub(super) fn keep(old: &Value, pod: &mut Value) {
    let Some(old_spec) = old.get("spec").and_then(Value::as_object) else {
        return;
    };
    let Some(spec) = pod.get_mut("spec").and_then(Value::as_object_mut) else {
        return;
    };
    for key in ["priority", "preemptionPolicy"] {
        if spec.get(key).is_none_or(Value::is_null)
            && let Some(v) = old_spec.get(key).filter(|v| !v.is_null())
        {
            spec.insert(key.into(), v.clone());
        }
    }
}

/// `system-node-critical` and `system-cluster-critical`, which kube-apiserver creates
/// at start for the cluster's own pods.
pub(crate) fn seed(state: &State) -> ApiResult<()> {
    let Some(served) = state.registry.lookup(GROUP, "v1", RESOURCE) else {
        return Ok(());
    };
    let classes = [
        (
            "system-node-critical",
            2_000_001_000,
            "Used for system critical pods that must not be moved from their current node.",
        ),
        (
            "system-cluster-critical",
            2_000_000_000,
            "Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.",
        ),
    ];
    for (name, value, description) in classes {
        let class = json!({"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass",
            "metadata": {"name": name}, "value": value, "description": description});
        create_object(state, &served, class, &CreateOptions::SERVER)?;
    }
    Ok(())
}
