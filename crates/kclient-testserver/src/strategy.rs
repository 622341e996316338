//! Per-kind behaviour, after kube-apiserver's registry strategies: which kinds track
//! `metadata.generation`, how status is reset on create and what a delete returns.

use serde_json::{Map, Value, json};

use crate::registry::Served;

/// Whether the kind maintains `metadata.generation`.
pub(crate) fn tracks_generation(served: &Served) -> bool {
    if served.is_crd() {
        return true;
    }
    let info = &served.info;
    match (info.group.as_str(), info.kind.as_str()) {
        ("", "ReplicationController") => true,
        ("", _) => false,
        ("networking.k8s.io", "NetworkPolicy" | "IngressClass")
        | (
            "admissionregistration.k8s.io",
            "MutatingWebhookConfiguration" | "ValidatingWebhookConfiguration",
        ) => true,
        ("certificates.k8s.io", _) | ("coordination.k8s.io", _) => false,
        _ => served.has_subresource("status"),
    }
}

/// True when anything outside `metadata` (and `status`, for kinds with a status
/// subresource) differs: the change that bumps `metadata.generation`.
pub(crate) fn spec_changed(old: &Value, new: &Value, has_status: bool) -> bool {
    let empty = Map::new();
    let a = old.as_object().unwrap_or(&empty);
    let b = new.as_object().unwrap_or(&empty);
    let relevant = |k: &str| k != "metadata" && !(has_status && k == "status");
    let keys = a.keys().chain(b.keys()).filter(|k| relevant(k));
    for k in keys {
        if a.get(k) != b.get(k) {
            return true;
        }
    }
    false
}

/// Create-time preparation of a built-in kind: the status it starts with (the
/// `SetDefaults_*` defaults live in `crate::defaults`).
pub(crate) fn prepare_create(served: &Served, obj: &mut Value) {
    let has_status = served.has_subresource("status");
    let Some(map) = obj.as_object_mut() else {
        return;
    };
    if served.is_crd() {
        if has_status {
            map.remove("status");
        }
        return;
    }
    let info = &served.info;
    match (info.group.as_str(), info.kind.as_str()) {
        ("", "Namespace") => {
            let spec = map.entry("spec").or_insert_with(|| json!({}));
            if let Some(spec) = spec.as_object_mut() {
                spec.entry("finalizers")
                    .or_insert_with(|| json!(["kubernetes"]));
            }
            map.insert("status".into(), json!({"phase": "Active"}));
        }
        ("", "Pod") => {
            map.insert(
                "status".into(),
                json!({"phase": "Pending", "qosClass": pod_qos(map.get("spec"))}),
            );
        }
        ("", "Service") => {
            map.insert("status".into(), json!({"loadBalancer": {}}));
        }
        ("", "PersistentVolumeClaim" | "PersistentVolume") => {
            map.insert("status".into(), json!({"phase": "Pending"}));
        }
        ("", "Node") => {}
        _ if has_status => {
            map.insert("status".into(), json!({}));
        }
        _ => {}
    }
}

/// What a kind's update strategy changes that no manager owns (it runs after managed fields
/// are recorded): the storage version a CustomResourceDefinition now stores.
pub(crate) fn prepare_update(served: &Served, obj: &mut Value, subresource: Option<&str>) {
    let info = &served.info;
    if subresource.is_none()
        && !served.is_crd()
        && (info.group.as_str(), info.kind.as_str())
            == ("apiextensions.k8s.io", "CustomResourceDefinition")
    {
        crate::crd_strategy::prepare_update(obj);
    }
}

fn pod_qos(spec: Option<&Value>) -> &'static str {
    let containers = spec
        .and_then(|s| s.get("containers"))
        .and_then(Value::as_array);
    let Some(containers) = containers else {
        return "BestEffort";
    };
    let mut any = false;
    let mut guaranteed = !containers.is_empty();
    for c in containers {
        let req = c.pointer("/resources/requests").and_then(Value::as_object);
        let lim = c.pointer("/resources/limits").and_then(Value::as_object);
        if req.is_some_and(|m| !m.is_empty()) || lim.is_some_and(|m| !m.is_empty()) {
            any = true;
        }
        let full = |m: Option<&Map<String, Value>>| {
            m.is_some_and(|m| m.contains_key("cpu") && m.contains_key("memory"))
        };
        if !full(lim) || (req.is_some() && req != lim && !full(req)) {
            guaranteed = false;
        }
        if let (Some(r), Some(l)) = (req, lim)
            && r != l
        {
            guaranteed = false;
        }
    }
    if !any {
        "BestEffort"
    } else if guaranteed {
        "Guaranteed"
    } else {
        "Burstable"
    }
}

/// Whether a completed delete answers with the object (otherwise a Success Status).
pub(crate) fn returns_deleted_object(served: &Served) -> bool {
    served.is_crd() || (served.info.group.is_empty() && served.info.kind == "Pod")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_change_detection() {
        let a = json!({"metadata": {"labels": {"a": "1"}}, "spec": {"x": 1}, "status": {"s": 1}});
        let b = json!({"metadata": {"labels": {"a": "2"}}, "spec": {"x": 1}, "status": {"s": 2}});
        assert!(!spec_changed(&a, &b, true));
        assert!(spec_changed(&a, &b, false));
        let c = json!({"metadata": {}, "spec": {"x": 2}, "status": {"s": 1}});
        assert!(spec_changed(&a, &c, true));
        let d = json!({"metadata": {}, "data": {"k": "v"}});
        assert!(spec_changed(&json!({"metadata": {}}), &d, false));
    }

    #[test]
    fn qos_classes() {
        assert_eq!(pod_qos(None), "BestEffort");
        let burst = json!({"containers": [{"name": "a", "resources": {"requests": {"cpu": "1"}}}]});
        assert_eq!(pod_qos(Some(&burst)), "Burstable");
        let g = json!({"containers": [{"name": "a", "resources": {"limits": {"cpu": "1", "memory": "1Gi"}}}]});
        assert_eq!(pod_qos(Some(&g)), "Guaranteed");
    }
}
