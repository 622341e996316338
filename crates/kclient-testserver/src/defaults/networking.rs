//! networking.k8s.io/v1 (`SetDefaults_NetworkPolicy`, `_NetworkPolicyPort`,
//! `_IngressClass`), discovery.k8s.io/v1 (`SetDefaults_EndpointPort`) and
//! rbac.authorization.k8s.io/v1 (`SetDefaults_RoleBinding`, `_ClusterRoleBinding`,
//! `_Subject`): the references between objects.

use serde_json::{Map, Value, json};

use super::{child, each, is_zero, or_nil, present};

const RBAC_GROUP: &str = "rbac.authorization.k8s.io";

pub(super) fn apply(group: &str, kind: &str, map: &mut Map<String, Value>) {
    match (group, kind) {
        ("networking.k8s.io", "NetworkPolicy") => network_policy(map),
        ("networking.k8s.io", "IngressClass") => {
            if let Some(params) = present(map, "spec").and_then(|s| present(s, "parameters")) {
                or_nil(params, "scope", json!("Cluster"));
            }
        }
        ("discovery.k8s.io", "EndpointSlice") => {
            for port in each(map, "ports") {
                or_nil(port, "name", json!(""));
                or_nil(port, "protocol", json!("TCP"));
            }
        }
        (RBAC_GROUP, "RoleBinding" | "ClusterRoleBinding") => binding(map),
        _ => {}
    }
}

fn network_policy(map: &mut Map<String, Value>) {
    let Some(spec) = child(map, "spec") else {
        return;
    };
    for direction in ["ingress", "egress"] {
        for rule in each(spec, direction) {
            for port in each(rule, "ports") {
                or_nil(port, "protocol", json!("TCP"));
            }
        }
    }
    if is_zero(spec.get("policyTypes")) {
        let mut types = vec![json!("Ingress")];
        if !is_zero(spec.get("egress")) {
            types.push(json!("Egress"));
        }
        spec.insert("policyTypes".into(), Value::Array(types));
    }
}

fn binding(map: &mut Map<String, Value>) {
    if let Some(role_ref) = child(map, "roleRef")
        && is_zero(role_ref.get("apiGroup"))
    {
        role_ref.insert("apiGroup".into(), json!(RBAC_GROUP));
    }
    for subject in each(map, "subjects") {
        // ServiceAccount subjects keep the empty group, which JSON omits.
        if is_zero(subject.get("apiGroup"))
            && let Some("User" | "Group") = subject.get("kind").and_then(Value::as_str)
        {
            subject.insert("apiGroup".into(), json!(RBAC_GROUP));
        }
    }
}
