//! A PodDisruptionBudget's numbers, computed the way kube-controller-manager's disruption
//! controller computes its status: the pods it selects, how many of them are healthy, how
//! many must be, and so how many disruptions are allowed. The server has no controller
//! loop: the eviction subresource computes the budget from the stored pods when it needs
//! it (as if the controller had caught up, so a budget is never "still being processed"
//! unless a selected pod's controller is missing) and writes what it decided back to the
//! PDB's status, which until the first eviction stays as the client wrote it.
//!
//! What counts: pods in the PDB's namespace matching its (non-empty) selector; healthy
//! ones are Ready, not deleting and not in `status.disruptedPods`. An integer
//! `minAvailable` is the desired count over the selected pods; a percentage, or any
//! `maxUnavailable`, scales with the `spec.replicas` of the pods' controllers
//! (ReplicaSet, ReplicationController, StatefulSet, and the Deployment owning a
//! ReplicaSet), where pods without a controller do not count.

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1 as metav1;
use kclient_core::selector::LabelSelector;
use serde_json::{Value, json};

use crate::meta;
use crate::state::State;
use crate::store::{ListRequest, ReadAt, object_key};

/// A budget's status numbers (`status.expectedPods`, `currentHealthy`, ...).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Budget {
    pub expected_pods: i64,
    pub current_healthy: i64,
    pub desired_healthy: i64,
    pub disruptions_allowed: i64,
}

/// The PDB's selector, when it selects anything: a missing, empty or invalid selector
/// selects no pod (the eviction handler and the controller agree on that).
pub(crate) fn selector(pdb: &Value) -> Option<LabelSelector> {
    let raw = pdb.pointer("/spec/selector")?;
    let parsed: metav1::LabelSelector = serde_json::from_value(raw.clone()).ok()?;
    let empty = parsed.match_labels.as_ref().is_none_or(BTreeMap::is_empty)
        && parsed.match_expressions.as_ref().is_none_or(Vec::is_empty);
    if empty {
        return None;
    }
    LabelSelector::try_from(&parsed).ok()
}

/// Whether the pod's `Ready` condition is `True` (`podutil.IsPodReady`).
pub(crate) fn is_ready(pod: &Value) -> bool {
    pod.pointer("/status/conditions")
        .and_then(Value::as_array)
        .is_some_and(|conditions| {
            conditions
                .iter()
                .any(|c| c["type"] == "Ready" && c["status"] == "True")
        })
}

/// The stored objects of a built-in resource in one namespace.
fn objects(state: &State, group: &str, plural: &str, namespace: &str) -> Vec<Value> {
    let Some(served) = state.registry.lookup(group, "v1", plural) else {
        return Vec::new();
    };
    let store = state.store.ensure(&served.storage);
    let request = ListRequest {
        namespace: Some(namespace),
        at: ReadAt::Latest,
        after: None,
        limit: None,
        count_remaining: false,
    };
    store
        .list(&request, &|_| true)
        .map(|page| page.items.iter().filter_map(|o| o.value().ok()).collect())
        .unwrap_or_default()
}

fn get(state: &State, group: &str, plural: &str, namespace: &str, name: &str) -> Option<Value> {
    let served = state.registry.lookup(group, "v1", plural)?;
    let obj = state
        .store
        .ensure(&served.storage)
        .get(&object_key(namespace, name))?;
    obj.value().ok()
}

/// The pods of `namespace` the PDB selects.
pub(crate) fn selected_pods(state: &State, pdb: &Value, namespace: &str) -> Vec<Value> {
    let Some(selector) = selector(pdb) else {
        return Vec::new();
    };
    objects(state, "", "pods", namespace)
        .into_iter()
        .filter(|pod| selector.matches(&meta::labels(pod)))
        .collect()
}

fn controller_ref(obj: &Value) -> Option<(&str, &str)> {
    obj.pointer("/metadata/ownerReferences")?
        .as_array()?
        .iter()
        .find(|r| r["controller"] == true)
        .and_then(|r| Some((r["kind"].as_str()?, r["name"].as_str()?)))
}

fn replicas(obj: &Value) -> i64 {
    obj.pointer("/spec/replicas")
        .and_then(Value::as_i64)
        .unwrap_or(1)
}

/// The scale of the controller owning a pod, keyed by kind/name so each controller counts
/// once; `None` when the owner cannot be found (the controller cannot compute the budget).
fn owner_scale(state: &State, namespace: &str, kind: &str, name: &str) -> Option<(String, i64)> {
    let (group, plural) = match kind {
        "ReplicaSet" => ("apps", "replicasets"),
        "StatefulSet" => ("apps", "statefulsets"),
        "Deployment" => ("apps", "deployments"),
        "ReplicationController" => ("", "replicationcontrollers"),
        _ => return None,
    };
    let owner = get(state, group, plural, namespace, name)?;
    // A ReplicaSet a Deployment manages scales with the Deployment.
    if kind == "ReplicaSet"
        && let Some(("Deployment", deployment)) = controller_ref(&owner)
    {
        return owner_scale(state, namespace, "Deployment", deployment);
    }
    Some((format!("{kind}/{name}"), replicas(&owner)))
}

/// The number of pods the selected pods' controllers want (`getExpectedScale`); pods
/// without a controller do not count.
fn expected_scale(state: &State, namespace: &str, pods: &[Value]) -> Option<i64> {
    let mut controllers = BTreeMap::new();
    for pod in pods {
        if let Some((kind, name)) = controller_ref(pod) {
            let (key, scale) = owner_scale(state, namespace, kind, name)?;
            controllers.insert(key, scale);
        }
    }
    Some(controllers.values().sum())
}

/// `intstr.GetScaledValueFromIntOrPercent` rounding up; `None` for a malformed value.
fn scaled(value: &Value, total: i64) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => {
            let percent: i64 = s.strip_suffix('%')?.parse().ok()?;
            Some(
                percent
                    .saturating_mul(total)
                    .saturating_add(99)
                    .div_euclid(100),
            )
        }
        _ => None,
    }
}

/// Whether the value is a percentage (which needs the controllers' scale).
fn is_percent(value: &Value) -> bool {
    value.as_str().is_some_and(|s| s.ends_with('%'))
}

/// The budget of `pdb` over `pods`, as the disruption controller would write it; `None`
/// when it could not (a controller of a selected pod is missing, or a malformed value),
/// in which case kube-controller-manager leaves the status behind the spec.
pub(crate) fn compute(
    state: &State,
    pdb: &Value,
    namespace: &str,
    pods: &[Value],
) -> Option<Budget> {
    let spec = pdb.get("spec")?;
    let (expected_pods, desired_healthy) = if let Some(max) = spec.get("maxUnavailable") {
        let expected = expected_scale(state, namespace, pods)?;
        (expected, (expected - scaled(max, expected)?).max(0))
    } else if let Some(min) = spec.get("minAvailable") {
        if is_percent(min) {
            let expected = expected_scale(state, namespace, pods)?;
            (expected, scaled(min, expected)?)
        } else {
            (i64::try_from(pods.len()).ok()?, scaled(min, 0)?)
        }
    } else {
        (i64::try_from(pods.len()).ok()?, 0)
    };
    let disrupted = pdb
        .pointer("/status/disruptedPods")
        .and_then(Value::as_object);
    let current_healthy = pods
        .iter()
        .filter(|pod| meta::deletion_timestamp(pod).is_none())
        .filter(|pod| disrupted.is_none_or(|d| !d.contains_key(meta::name(pod))))
        .filter(|pod| is_ready(pod))
        .count();
    let current_healthy = i64::try_from(current_healthy).ok()?;
    let disruptions_allowed = if expected_pods <= 0 {
        0
    } else {
        (current_healthy - desired_healthy).max(0)
    };
    Some(Budget {
        expected_pods,
        current_healthy,
        desired_healthy,
        disruptions_allowed,
    })
}

/// `status` for a budget, with the `DisruptionAllowed` condition the controller sets.
pub(crate) fn status(pdb: &Value, budget: &Budget, disrupted_pods: Value) -> Value {
    let generation = pdb
        .pointer("/metadata/generation")
        .and_then(Value::as_i64)
        .unwrap_or(1);
    let (cond_status, reason, message) = if budget.disruptions_allowed > 0 {
        ("True", "SufficientPods", "")
    } else {
        ("False", "InsufficientPods", "")
    };
    json!({
        "observedGeneration": generation,
        "disruptedPods": disrupted_pods,
        "disruptionsAllowed": budget.disruptions_allowed,
        "currentHealthy": budget.current_healthy,
        "desiredHealthy": budget.desired_healthy,
        "expectedPods": budget.expected_pods,
        "conditions": [{
            "type": "DisruptionAllowed",
            "status": cond_status,
            "reason": reason,
            "message": message,
            "observedGeneration": generation,
            "lastTransitionTime": meta::now_rfc3339(),
        }],
    })
}
