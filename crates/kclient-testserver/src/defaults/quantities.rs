//! Every `resource.Quantity` of a built-in object in its canonical form, as
//! kube-apiserver writes back what it decoded (`"1000m"` → `"1"`, `"1024Mi"` → `"1Gi"`;
//! the rules are `kclient_core::quantity`'s). A value that is no quantity is left for
//! validation to judge. Every entry of a core/v1 resource list (the `{}` paths below, in
//! pods, templates, claims, quotas, limit ranges, nodes) is also rounded up to whole
//! milli units, as core/v1's `SetDefaults_ResourceList` does (`"100n"` → `"1m"`); the
//! RuntimeClass overhead (node.k8s.io, which has no defaulting) and single quantities
//! (an emptyDir's size limit, HPA targets) keep nano precision.

use kclient_core::quantity;
use serde_json::{Map, Value};

/// Where quantities sit in a pod spec, as paths: `[]` is every element of an array,
/// `{}` every value of a map (a resource list).
const POD_SPEC: &[&str] = &[
    "containers/[]/resources/limits/{}",
    "containers/[]/resources/requests/{}",
    "initContainers/[]/resources/limits/{}",
    "initContainers/[]/resources/requests/{}",
    "ephemeralContainers/[]/resources/limits/{}",
    "ephemeralContainers/[]/resources/requests/{}",
    "overhead/{}",
    "resources/limits/{}",
    "resources/requests/{}",
    "volumes/[]/emptyDir/sizeLimit",
    "volumes/[]/ephemeral/volumeClaimTemplate/spec/resources/limits/{}",
    "volumes/[]/ephemeral/volumeClaimTemplate/spec/resources/requests/{}",
];

/// A pod's status: what the kubelet reports as allocated and applied.
const POD_STATUS: &[&str] = &[
    "containerStatuses/[]/allocatedResources/{}",
    "containerStatuses/[]/resources/limits/{}",
    "containerStatuses/[]/resources/requests/{}",
    "initContainerStatuses/[]/allocatedResources/{}",
    "initContainerStatuses/[]/resources/limits/{}",
    "initContainerStatuses/[]/resources/requests/{}",
    "ephemeralContainerStatuses/[]/allocatedResources/{}",
    "ephemeralContainerStatuses/[]/resources/limits/{}",
    "ephemeralContainerStatuses/[]/resources/requests/{}",
];

/// A PersistentVolumeClaim spec (claims, claim templates, ephemeral volumes).
const CLAIM_SPEC: &[&str] = &["resources/limits/{}", "resources/requests/{}"];

/// Quantities of whole objects of other kinds, by `group/kind`.
fn object_paths(group: &str, kind: &str) -> &'static [&'static str] {
    match (group, kind) {
        ("", "PersistentVolumeClaim") => &["status/capacity/{}", "status/allocatedResources/{}"],
        ("", "PersistentVolume") => &["spec/capacity/{}"],
        ("", "LimitRange") => &[
            "spec/limits/[]/max/{}",
            "spec/limits/[]/min/{}",
            "spec/limits/[]/default/{}",
            "spec/limits/[]/defaultRequest/{}",
            "spec/limits/[]/maxLimitRequestRatio/{}",
        ],
        ("", "ResourceQuota") => &["spec/hard/{}", "status/hard/{}", "status/used/{}"],
        ("", "Node") => &["status/capacity/{}", "status/allocatable/{}"],
        ("node.k8s.io", "RuntimeClass") => &["overhead/podFixed/{}"],
        ("storage.k8s.io", "CSIStorageCapacity") => &["capacity", "maximumVolumeSize"],
        ("autoscaling", "HorizontalPodAutoscaler") => &[
            "spec/metrics/[]/object/target/value",
            "spec/metrics/[]/object/target/averageValue",
            "spec/metrics/[]/pods/target/averageValue",
            "spec/metrics/[]/resource/target/averageValue",
            "spec/metrics/[]/containerResource/target/averageValue",
            "spec/metrics/[]/external/target/value",
            "spec/metrics/[]/external/target/averageValue",
            "status/currentMetrics/[]/object/current/value",
            "status/currentMetrics/[]/object/current/averageValue",
            "status/currentMetrics/[]/pods/current/averageValue",
            "status/currentMetrics/[]/resource/current/averageValue",
            "status/currentMetrics/[]/containerResource/current/averageValue",
            "status/currentMetrics/[]/external/current/value",
            "status/currentMetrics/[]/external/current/averageValue",
        ],
        _ => &[],
    }
}

/// Canonical quantities in a pod spec.
pub(super) fn pod_spec(spec: &mut Map<String, Value>) {
    at_paths(spec, POD_SPEC, Lists::Milli);
}

/// Canonical quantities in a pod's status.
pub(super) fn pod_status(status: &mut Map<String, Value>) {
    at_paths(status, POD_STATUS, Lists::Milli);
}

/// Canonical quantities in a PersistentVolumeClaim spec.
pub(super) fn claim_spec(spec: &mut Map<String, Value>) {
    at_paths(spec, CLAIM_SPEC, Lists::Milli);
}

/// Canonical quantities of a whole object outside pod and claim specs.
pub(super) fn object(group: &str, kind: &str, map: &mut Map<String, Value>) {
    // Only core/v1 defaulting rounds resource lists.
    let lists = if group.is_empty() {
        Lists::Milli
    } else {
        Lists::Nano
    };
    at_paths(map, object_paths(group, kind), lists);
}

/// The precision the entries of resource lists (`{}` leaves) keep.
#[derive(Clone, Copy)]
enum Lists {
    /// Rounded up to milli units (`SetDefaults_ResourceList`).
    Milli,
    /// Canonical only.
    Nano,
}

fn at_paths(map: &mut Map<String, Value>, paths: &[&str], lists: Lists) {
    for path in paths {
        let mut segments = path.split('/');
        if let Some(first) = segments.next() {
            walk_key(map, first, &segments.collect::<Vec<_>>(), lists, false);
        }
    }
}

fn walk_key(map: &mut Map<String, Value>, key: &str, rest: &[&str], lists: Lists, entry: bool) {
    if let Some(v) = map.get_mut(key) {
        walk(v, rest, lists, entry);
    }
}

/// `entry`: `v` is a value of a resource list.
fn walk(v: &mut Value, path: &[&str], lists: Lists, entry: bool) {
    match path.split_first() {
        None => canonicalize(v, matches!((entry, lists), (true, Lists::Milli))),
        Some((&"[]", rest)) => {
            for item in v.as_array_mut().into_iter().flatten() {
                walk(item, rest, lists, false);
            }
        }
        Some((&"{}", rest)) => {
            for item in v.as_object_mut().into_iter().flat_map(|m| m.values_mut()) {
                walk(item, rest, lists, true);
            }
        }
        Some((key, rest)) => {
            if let Some(map) = v.as_object_mut() {
                walk_key(map, key, rest, lists, false);
            }
        }
    }
}

/// A quantity string (or a JSON number, which the Go decoder also accepts) in its
/// canonical form, rounded up to milli units when `milli`.
fn canonicalize(v: &mut Value, milli: bool) {
    let text = match v {
        Value::String(s) => s.trim().to_string(),
        Value::Number(n) => n.to_string(),
        _ => return,
    };
    let canonical = if milli {
        quantity::canonical_milli(&text)
    } else {
        quantity::canonical(&text)
    };
    if let Ok(canonical) = canonical {
        *v = Value::String(canonical);
    }
}
