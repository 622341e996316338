//! apps/v1 workloads: `SetDefaults_Deployment`, `_DaemonSet`, `_StatefulSet` and
//! `_ReplicaSet`, and the pod template each holds.

use serde_json::{Map, Value, json};

use super::{child, core_claim_template, is_zero, or_nil, or_zero, pod, present};

pub(super) fn apply(kind: &str, map: &mut Map<String, Value>) {
    let Some(spec) = child(map, "spec") else {
        return;
    };
    match kind {
        "Deployment" => deployment(spec),
        "DaemonSet" => daemon_set(spec),
        "StatefulSet" => stateful_set(spec),
        "ReplicaSet" => or_nil(spec, "replicas", json!(1)),
        _ => return,
    }
    pod::template(spec, "template");
}

fn deployment(spec: &mut Map<String, Value>) {
    or_nil(spec, "replicas", json!(1));
    if let Some(strategy) = child(spec, "strategy") {
        or_zero(strategy, "type", json!("RollingUpdate"));
        if strategy.get("type").and_then(Value::as_str) == Some("RollingUpdate")
            && let Some(rolling) = child(strategy, "rollingUpdate")
        {
            or_nil(rolling, "maxUnavailable", json!("25%"));
            or_nil(rolling, "maxSurge", json!("25%"));
        }
    }
    or_nil(spec, "revisionHistoryLimit", json!(10));
    or_nil(spec, "progressDeadlineSeconds", json!(600));
}

fn daemon_set(spec: &mut Map<String, Value>) {
    if let Some(strategy) = child(spec, "updateStrategy") {
        or_zero(strategy, "type", json!("RollingUpdate"));
        if strategy.get("type").and_then(Value::as_str) == Some("RollingUpdate")
            && let Some(rolling) = child(strategy, "rollingUpdate")
        {
            or_nil(rolling, "maxUnavailable", json!(1));
            or_nil(rolling, "maxSurge", json!(0));
        }
    }
    or_nil(spec, "revisionHistoryLimit", json!(10));
}

fn stateful_set(spec: &mut Map<String, Value>) {
    or_zero(spec, "podManagementPolicy", json!("OrderedReady"));
    if let Some(strategy) = child(spec, "updateStrategy") {
        if is_zero(strategy.get("type")) {
            strategy.insert("type".into(), json!("RollingUpdate"));
            or_nil(strategy, "rollingUpdate", json!({}));
        }
        if strategy.get("type").and_then(Value::as_str) == Some("RollingUpdate")
            && let Some(rolling) = present(strategy, "rollingUpdate")
        {
            or_nil(rolling, "partition", json!(0));
        }
    }
    // StatefulSetAutoDeletePVC is GA (on) in 1.33.
    if let Some(policy) = child(spec, "persistentVolumeClaimRetentionPolicy") {
        or_zero(policy, "whenDeleted", json!("Retain"));
        or_zero(policy, "whenScaled", json!("Retain"));
    }
    or_nil(spec, "replicas", json!(1));
    or_nil(spec, "revisionHistoryLimit", json!(10));
    if let Some(templates) = spec
        .get_mut("volumeClaimTemplates")
        .and_then(Value::as_array_mut)
    {
        for claim in templates.iter_mut().filter_map(Value::as_object_mut) {
            core_claim_template(claim);
        }
    }
}
