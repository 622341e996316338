//! autoscaling v1/v2 (`SetDefaults_HorizontalPodAutoscaler` and its behavior rules),
//! scheduling.k8s.io/v1 (`SetDefaults_PriorityClass`) and flowcontrol.apiserver.k8s.io/v1
//! (FlowSchema and PriorityLevelConfiguration): how much the cluster runs and in which
//! order.

use serde_json::{Map, Value, json};

use super::{child, or_nil, or_zero, present};

pub(super) fn apply(group: &str, version: &str, kind: &str, map: &mut Map<String, Value>) {
    match (group, kind) {
        ("autoscaling", "HorizontalPodAutoscaler") => hpa(version, map),
        ("scheduling.k8s.io", "PriorityClass") => {
            or_nil(map, "preemptionPolicy", json!("PreemptLowerPriority"));
        }
        ("flowcontrol.apiserver.k8s.io", "FlowSchema") => {
            if let Some(spec) = child(map, "spec") {
                or_zero(spec, "matchingPrecedence", json!(1000));
            }
        }
        ("flowcontrol.apiserver.k8s.io", "PriorityLevelConfiguration") => priority_level(map),
        _ => {}
    }
}

fn hpa(version: &str, map: &mut Map<String, Value>) {
    let Some(spec) = child(map, "spec") else {
        return;
    };
    or_nil(spec, "minReplicas", json!(1));
    if version != "v2" {
        return;
    }
    if spec
        .get("metrics")
        .and_then(Value::as_array)
        .is_none_or(Vec::is_empty)
    {
        spec.insert(
            "metrics".into(),
            json!([crate::convert::hpa::cpu_metric(json!(
                crate::convert::hpa::DEFAULT_CPU_UTILIZATION
            ))]),
        );
    }
    if let Some(behavior) = present(spec, "behavior") {
        let up = json!({"stabilizationWindowSeconds": 0, "selectPolicy": "Max", "policies": [
            {"type": "Pods", "value": 4, "periodSeconds": 15},
            {"type": "Percent", "value": 100, "periodSeconds": 15}]});
        let down = json!({"selectPolicy": "Max", "policies": [
            {"type": "Percent", "value": 100, "periodSeconds": 15}]});
        scaling_rules(behavior, "scaleUp", up);
        scaling_rules(behavior, "scaleDown", down);
    }
}

/// The given rules over the defaults, field by field.
fn scaling_rules(behavior: &mut Map<String, Value>, key: &str, defaults: Value) {
    let Value::Object(mut rules) = defaults else {
        return;
    };
    if let Some(given) = behavior.get(key).and_then(Value::as_object) {
        for (k, v) in given {
            if !v.is_null() {
                rules.insert(k.clone(), v.clone());
            }
        }
    }
    behavior.insert(key.to_string(), Value::Object(rules));
}

fn priority_level(map: &mut Map<String, Value>) {
    let Some(spec) = child(map, "spec") else {
        return;
    };
    if let Some(exempt) = present(spec, "exempt") {
        or_nil(exempt, "nominalConcurrencyShares", json!(0));
        or_nil(exempt, "lendablePercent", json!(0));
    }
    if let Some(limited) = present(spec, "limited") {
        // v1 keeps an explicit 0 (a pointer); only a missing value becomes 30.
        or_nil(limited, "nominalConcurrencyShares", json!(30));
        or_nil(limited, "lendablePercent", json!(0));
        if let Some(queuing) = present(limited, "limitResponse").and_then(|r| present(r, "queuing"))
        {
            or_zero(queuing, "queues", json!(64));
            or_zero(queuing, "handSize", json!(8));
            or_zero(queuing, "queueLengthLimit", json!(50));
        }
    }
}
