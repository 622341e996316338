//! core/v1 kinds: Pods and pod templates, ReplicationControllers, Services (the
//! defaults; cluster IPs and node ports are allocated in `allocate`), Secrets,
//! Namespaces, PersistentVolumes and claims, Endpoints, LimitRanges and Nodes.

use serde_json::{Map, Value, json};

use super::{
    child, each, is_zero, labels_from_template, or_nil, or_zero, pod, present, tcp_ports,
    template_labels,
};

pub(super) fn apply(kind: &str, map: &mut Map<String, Value>) {
    match kind {
        "Pod" => pod::pod(map),
        "PodTemplate" => pod::template(map, "template"),
        "ReplicationController" => replication_controller(map),
        "Service" => service(map),
        "Secret" => or_zero(map, "type", json!("Opaque")),
        "Namespace" => namespace(map),
        "PersistentVolume" => persistent_volume(map),
        "PersistentVolumeClaim" => {
            if let Some(spec) = child(map, "spec") {
                pod::claim_spec(spec);
            }
            if let Some(status) = child(map, "status") {
                or_zero(status, "phase", json!("Pending"));
            }
        }
        "Endpoints" => {
            for subset in each(map, "subsets") {
                tcp_ports(subset, "ports");
            }
        }
        "LimitRange" => {
            if let Some(spec) = present(map, "spec") {
                for item in each(spec, "limits") {
                    limit_range_item(item);
                }
            }
        }
        "Node" => {
            if let Some(status) = present(map, "status")
                && status.get("allocatable").is_none_or(Value::is_null)
                && let Some(capacity) = status.get("capacity").filter(|c| c.is_object()).cloned()
            {
                status.insert("allocatable".into(), capacity);
            }
        }
        _ => {}
    }
}

fn replication_controller(map: &mut Map<String, Value>) {
    let Some(spec) = child(map, "spec") else {
        return;
    };
    or_nil(spec, "replicas", json!(1));
    pod::template(spec, "template");
    if let Some(labels) = template_labels(spec) {
        if is_zero(spec.get("selector")) {
            spec.insert("selector".into(), labels.clone());
        }
        labels_from_template(map, &labels);
    }
}

/// `SetDefaults_Service`.
fn service(map: &mut Map<String, Value>) {
    let Some(spec) = child(map, "spec") else {
        return;
    };
    or_zero(spec, "sessionAffinity", json!("None"));
    match spec.get("sessionAffinity").and_then(Value::as_str) {
        Some("None") => {
            spec.remove("sessionAffinityConfig");
        }
        Some("ClientIP") => {
            let timeout = spec
                .get("sessionAffinityConfig")
                .and_then(|c| c.pointer("/clientIP/timeoutSeconds"));
            if timeout.is_none_or(Value::is_null) {
                spec.insert(
                    "sessionAffinityConfig".into(),
                    json!({"clientIP": {"timeoutSeconds": 10800}}),
                );
            }
        }
        _ => {}
    }
    or_zero(spec, "type", json!("ClusterIP"));
    for port in each(spec, "ports") {
        or_zero(port, "protocol", json!("TCP"));
        if is_zero(port.get("targetPort"))
            && let Some(p) = port.get("port").cloned()
        {
            port.insert("targetPort".into(), p);
        }
    }
    let type_ = spec
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let external_ips = !is_zero(spec.get("externalIPs"));
    let externally_accessible = matches!(type_.as_str(), "LoadBalancer" | "NodePort")
        || (type_ == "ClusterIP" && external_ips);
    if externally_accessible {
        or_zero(spec, "externalTrafficPolicy", json!("Cluster"));
    }
    if matches!(type_.as_str(), "NodePort" | "LoadBalancer" | "ClusterIP") {
        or_nil(spec, "internalTrafficPolicy", json!("Cluster"));
    }
    if type_ == "LoadBalancer" {
        or_nil(spec, "allocateLoadBalancerNodePorts", json!(true));
        if let Some(lb) = present(map, "status").and_then(|s| present(s, "loadBalancer")) {
            for ingress in each(lb, "ingress") {
                if !is_zero(ingress.get("ip")) {
                    or_nil(ingress, "ipMode", json!("VIP"));
                }
            }
        }
    }
}

/// `SetDefaults_Namespace` (the name label) and `SetDefaults_NamespaceStatus`.
fn namespace(map: &mut Map<String, Value>) {
    if let Some(meta) = child(map, "metadata")
        && let Some(name) = meta
            .get("name")
            .and_then(Value::as_str)
            .filter(|n| !n.is_empty())
            .map(str::to_string)
        && let Some(labels) = child(meta, "labels")
    {
        labels.insert("kubernetes.io/metadata.name".into(), json!(name));
    }
    if let Some(status) = child(map, "status") {
        or_zero(status, "phase", json!("Active"));
    }
}

fn persistent_volume(map: &mut Map<String, Value>) {
    if let Some(spec) = child(map, "spec") {
        or_zero(spec, "persistentVolumeReclaimPolicy", json!("Retain"));
        or_nil(spec, "volumeMode", json!("Filesystem"));
        pod::sources(spec);
    }
    if let Some(status) = child(map, "status") {
        or_zero(status, "phase", json!("Pending"));
    }
}

/// `SetDefaults_LimitRangeItem`: container limits default from max, requests from the
/// default limit, then from min.
fn limit_range_item(item: &mut Map<String, Value>) {
    if item.get("type").and_then(Value::as_str) != Some("Container") {
        return;
    }
    let list = |item: &Map<String, Value>, key: &str| {
        item.get(key)
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default()
    };
    let mut default = list(item, "default");
    let mut default_request = list(item, "defaultRequest");
    for (k, v) in list(item, "max") {
        default.entry(k).or_insert(v);
    }
    for (k, v) in &default {
        default_request.entry(k.clone()).or_insert(v.clone());
    }
    for (k, v) in list(item, "min") {
        default_request.entry(k).or_insert(v);
    }
    // Go leaves empty maps, which JSON omits.
    if !default.is_empty() {
        item.insert("default".into(), Value::Object(default));
    }
    if !default_request.is_empty() {
        item.insert("defaultRequest".into(), Value::Object(default_request));
    }
}
