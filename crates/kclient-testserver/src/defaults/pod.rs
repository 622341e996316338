//! Pod specs wherever they appear (Pods, pod templates of every workload): the
//! `SetDefaults_PodSpec`, `_Container`, `_Probe`, `_HTTPGetAction`, `_Volume` and volume
//! source defaults, plus the Pod-only `SetDefaults_Pod`.

use serde_json::{Map, Value, json};

use super::{child, each, is_zero, or_nil, or_zero, present, quantities};

/// File mode kube-apiserver gives secret, configMap, downwardAPI and projected volumes.
const DEFAULT_MODE: i64 = 0o644;

/// Defaults of a `PodTemplateSpec` at `key` of `map` (nothing when there is none).
pub(super) fn template(map: &mut Map<String, Value>, key: &str) {
    let Some(template) = present(map, key) else {
        return;
    };
    embedded_meta(template);
    // The spec of a template is a struct, never nil: it is defaulted even when absent.
    if let Some(spec) = child(template, "spec") {
        pod_spec(spec);
    }
}

/// The metadata of an object embedded in another (templates): Go writes its zero
/// `creationTimestamp` as `null` (1.33's ObjectMeta has no `omitzero`).
pub(super) fn embedded_meta(obj: &mut Map<String, Value>) {
    if let Some(meta) = child(obj, "metadata") {
        meta.entry("creationTimestamp").or_insert(Value::Null);
    }
}

/// `SetDefaults_Pod` and everything inside its spec.
pub(super) fn pod(map: &mut Map<String, Value>) {
    if let Some(status) = present(map, "status") {
        quantities::pod_status(status);
    }
    let Some(spec) = child(map, "spec") else {
        return;
    };
    pod_spec(spec);
    for key in ["containers", "initContainers"] {
        for c in each(spec, key) {
            requests_from_limits(c);
        }
    }
    or_nil(spec, "enableServiceLinks", json!(true));
    if spec.get("hostNetwork") == Some(&Value::Bool(true)) {
        for key in ["containers", "initContainers"] {
            for c in each(spec, key) {
                for port in each(c, "ports") {
                    if is_zero(port.get("hostPort"))
                        && let Some(p) = port.get("containerPort").cloned()
                    {
                        port.insert("hostPort".into(), p);
                    }
                }
            }
        }
    }
}

/// Limits without requests: the requests are the limits (Pods only, not templates).
fn requests_from_limits(container: &mut Map<String, Value>) {
    let Some(res) = present(container, "resources") else {
        return;
    };
    let Some(limits) = res
        .get("limits")
        .and_then(Value::as_object)
        .filter(|l| !l.is_empty())
        .cloned()
    else {
        return;
    };
    let Some(requests) = child(res, "requests") else {
        return;
    };
    for (k, v) in limits {
        requests.entry(k).or_insert(v);
    }
}

/// `SetDefaults_PodSpec` and the defaults of its containers and volumes.
pub(super) fn pod_spec(spec: &mut Map<String, Value>) {
    or_zero(spec, "dnsPolicy", json!("ClusterFirst"));
    or_zero(spec, "restartPolicy", json!("Always"));
    or_nil(spec, "securityContext", json!({}));
    or_nil(spec, "terminationGracePeriodSeconds", json!(30));
    or_zero(spec, "schedulerName", json!("default-scheduler"));
    // The v1 conversion keeps the deprecated alias equal to serviceAccountName.
    if let Some(sa) = spec
        .get("serviceAccountName")
        .filter(|v| !is_zero(Some(v)))
        .cloned()
    {
        spec.insert("serviceAccount".into(), sa);
    }
    for key in ["containers", "initContainers", "ephemeralContainers"] {
        for c in each(spec, key) {
            container(c);
        }
    }
    for v in each(spec, "volumes") {
        volume(v);
    }
    quantities::pod_spec(spec);
}

/// `SetDefaults_Container` and what its fields default.
fn container(c: &mut Map<String, Value>) {
    if is_zero(c.get("imagePullPolicy")) {
        let image = c.get("image").and_then(Value::as_str).unwrap_or("");
        c.insert("imagePullPolicy".into(), json!(pull_policy(image)));
    }
    // A struct, not a pointer, in Go: always written, if only as `{}`.
    or_nil(c, "resources", json!({}));
    or_zero(c, "terminationMessagePath", json!("/dev/termination-log"));
    or_zero(c, "terminationMessagePolicy", json!("File"));
    for port in each(c, "ports") {
        or_zero(port, "protocol", json!("TCP"));
    }
    for env in each(c, "env") {
        if let Some(field) = present(env, "valueFrom").and_then(|v| present(v, "fieldRef")) {
            or_zero(field, "apiVersion", json!("v1"));
        }
    }
    for key in ["livenessProbe", "readinessProbe", "startupProbe"] {
        if let Some(p) = present(c, key) {
            probe(p);
        }
    }
    if let Some(lifecycle) = present(c, "lifecycle") {
        for key in ["postStart", "preStop"] {
            if let Some(get) = present(lifecycle, key).and_then(|h| present(h, "httpGet")) {
                http_get(get);
            }
        }
    }
}

/// `Always` for `:latest` or an image without tag or digest, else `IfNotPresent`.
fn pull_policy(image: &str) -> &'static str {
    if image_tag(image).as_deref() == Some("latest") {
        "Always"
    } else {
        "IfNotPresent"
    }
}

/// The tag kube-apiserver reads from an image reference: the explicit tag, `latest` when
/// there is neither tag nor digest, none when only a digest or an unparsable reference.
fn image_tag(image: &str) -> Option<String> {
    let valid = !image.is_empty()
        && !image.starts_with(['/', ':', '@', '.', '-'])
        && !image.ends_with(['/', ':', '@'])
        && !image.contains(char::is_whitespace);
    if !valid {
        return None;
    }
    let (name, digest) = match image.split_once('@') {
        Some((n, d)) => (n, Some(d)),
        None => (image, None),
    };
    // Repository path components are lower case (the registry host may not be).
    let path_start = name.find('/').map_or(0, |i| i + 1);
    let last = name.rfind('/').map_or(0, |i| i + 1);
    let (repo, tag) = match name[last..].rfind(':') {
        Some(i) => (&name[..last + i], Some(&name[last + i + 1..])),
        None => (name, None),
    };
    if repo[path_start..].chars().any(|ch| ch.is_ascii_uppercase()) {
        return None;
    }
    match (tag, digest) {
        (Some(t), _) => Some(t.to_string()),
        (None, Some(_)) => None,
        (None, None) => Some("latest".to_string()),
    }
}

/// `SetDefaults_Probe` and its handler's defaults.
fn probe(p: &mut Map<String, Value>) {
    or_zero(p, "timeoutSeconds", json!(1));
    or_zero(p, "periodSeconds", json!(10));
    or_zero(p, "successThreshold", json!(1));
    or_zero(p, "failureThreshold", json!(3));
    if let Some(get) = present(p, "httpGet") {
        http_get(get);
    }
    if let Some(grpc) = present(p, "grpc") {
        or_nil(grpc, "service", json!(""));
    }
}

fn http_get(get: &mut Map<String, Value>) {
    or_zero(get, "path", json!("/"));
    or_zero(get, "scheme", json!("HTTP"));
}

/// `SetDefaults_Volume` (an emptyDir when no source is given) and the source defaults.
pub(super) fn volume(v: &mut Map<String, Value>) {
    let has_source = v.iter().any(|(k, val)| k != "name" && !val.is_null());
    if !has_source {
        v.insert("emptyDir".into(), json!({}));
    }
    sources(v);
}

/// Defaults of the volume sources a Volume or a PersistentVolume spec holds.
pub(super) fn sources(v: &mut Map<String, Value>) {
    for key in ["secret", "configMap", "projected"] {
        if let Some(src) = present(v, key) {
            or_nil(src, "defaultMode", json!(DEFAULT_MODE));
        }
    }
    if let Some(src) = present(v, "downwardAPI") {
        or_nil(src, "defaultMode", json!(DEFAULT_MODE));
        field_refs(src);
    }
    if let Some(src) = present(v, "projected") {
        for source in each(src, "sources") {
            if let Some(d) = present(source, "downwardAPI") {
                field_refs(d);
            }
            if let Some(t) = present(source, "serviceAccountToken") {
                or_nil(t, "expirationSeconds", json!(3600));
            }
        }
    }
    if let Some(src) = present(v, "hostPath") {
        or_nil(src, "type", json!(""));
    }
    for key in ["rbd", "cephfs"] {
        if let Some(src) = present(v, key) {
            ceph(key, src);
        }
    }
    if let Some(src) = present(v, "iscsi") {
        or_zero(src, "iscsiInterface", json!("default"));
    }
    if let Some(src) = present(v, "azureDisk") {
        azure_disk(src);
    }
    if let Some(src) = present(v, "scaleIO") {
        scale_io(src);
    }
    if let Some(spec) = present(v, "ephemeral")
        .and_then(|e| present(e, "volumeClaimTemplate"))
        .and_then(|t| present(t, "spec"))
    {
        claim_spec(spec);
    }
}

fn field_refs(src: &mut Map<String, Value>) {
    for item in each(src, "items") {
        if let Some(f) = present(item, "fieldRef") {
            or_zero(f, "apiVersion", json!("v1"));
        }
    }
}

/// The `+default=` markers of the RBD volume sources (CephFS has none).
fn ceph(key: &str, src: &mut Map<String, Value>) {
    if key == "rbd" {
        or_zero(src, "pool", json!("rbd"));
        or_zero(src, "user", json!("admin"));
        or_zero(src, "keyring", json!("/etc/ceph/keyring"));
    }
}

/// The `+default=` markers of AzureDisk volume sources (shared with PersistentVolumes).
pub(super) fn azure_disk(src: &mut Map<String, Value>) {
    or_nil(src, "cachingMode", json!("ReadWrite"));
    or_nil(src, "fsType", json!("ext4"));
    or_nil(src, "readOnly", json!(false));
    or_nil(src, "kind", json!("Shared"));
}

/// The `+default=` markers of ScaleIO volume sources (shared with PersistentVolumes).
pub(super) fn scale_io(src: &mut Map<String, Value>) {
    or_zero(src, "storageMode", json!("ThinProvisioned"));
    or_zero(src, "fsType", json!("xfs"));
}

/// `SetDefaults_PersistentVolumeClaimSpec`.
pub(super) fn claim_spec(spec: &mut Map<String, Value>) {
    or_nil(spec, "volumeMode", json!("Filesystem"));
    quantities::claim_spec(spec);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_tags_as_kube_parses_them() {
        assert_eq!(pull_policy("nginx"), "Always");
        assert_eq!(pull_policy("nginx:latest"), "Always");
        assert_eq!(pull_policy("nginx:1.25"), "IfNotPresent");
        assert_eq!(pull_policy("localhost:5000/app"), "Always");
        assert_eq!(pull_policy("localhost:5000/app:v2"), "IfNotPresent");
        assert_eq!(
            pull_policy("registry.k8s.io/pause@sha256:abc"),
            "IfNotPresent"
        );
        assert_eq!(pull_policy("nginx:1.0@sha256:abc"), "IfNotPresent");
        assert_eq!(pull_policy(""), "IfNotPresent");
        assert_eq!(pull_policy("Nginx"), "IfNotPresent");
        assert_eq!(pull_policy("REGISTRY.example.com/app"), "Always");
    }
}
