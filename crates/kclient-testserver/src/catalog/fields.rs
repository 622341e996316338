//! Field selectors: which field labels kube-apiserver accepts per kind, and their values.
//!
//! Every kind supports `metadata.name` and `metadata.namespace`; a few kinds add their own
//! (the `SelectableFields` / field-label conversion functions of kube-apiserver). A supported
//! field that is absent from the object has the value `""` (so `spec.nodeName=` selects
//! unscheduled pods), exactly like kube-apiserver's field sets.

use serde_json::Value;

/// The kind-specific field labels (beyond `metadata.name` / `metadata.namespace`).
fn kind_fields(group: &str, kind: &str) -> &'static [&'static str] {
    match (group, kind) {
        ("", "Pod") => &[
            "spec.nodeName",
            "spec.restartPolicy",
            "spec.schedulerName",
            "spec.serviceAccountName",
            "spec.hostNetwork",
            "status.phase",
            "status.podIP",
            "status.nominatedNodeName",
        ],
        ("", "Event") => &[
            "involvedObject.kind",
            "involvedObject.namespace",
            "involvedObject.name",
            "involvedObject.uid",
            "involvedObject.apiVersion",
            "involvedObject.resourceVersion",
            "involvedObject.fieldPath",
            "reason",
            "reportingComponent",
            "source",
            "type",
        ],
        ("events.k8s.io", "Event") => &[
            "regarding.kind",
            "regarding.namespace",
            "regarding.name",
            "regarding.uid",
            "regarding.apiVersion",
            "regarding.resourceVersion",
            "regarding.fieldPath",
            "reason",
            "reportingController",
            "type",
        ],
        ("", "Secret") => &["type"],
        ("", "Namespace") => &["status.phase"],
        ("", "Node") => &["spec.unschedulable"],
        ("", "Service") => &["spec.clusterIP", "spec.type"],
        ("", "ReplicationController") | ("apps", "ReplicaSet") => &["status.replicas"],
        ("batch", "Job") => &["status.successful"],
        ("certificates.k8s.io", "CertificateSigningRequest") => &["spec.signerName"],
        _ => &[],
    }
}

/// Whether kube-apiserver accepts `field` in a field selector for objects of `group`/`kind`.
/// (The cluster-scoped kinds with their own conversion function take no `metadata.namespace`.)
pub fn field_label_supported(group: &str, kind: &str, field: &str) -> bool {
    match field {
        "metadata.name" => true,
        "metadata.namespace" => !matches!(
            (group, kind),
            ("", "Node" | "Namespace") | ("certificates.k8s.io", "CertificateSigningRequest")
        ),
        _ => kind_fields(group, kind).contains(&field),
    }
}

/// kube-apiserver's 400 message for a field selector on `field`, which objects of
/// `group`/`kind` do not support: a kind with its own field-label conversion function (and
/// a custom resource) says `field label not supported: <field>`; every other kind gets
/// apimachinery's default conversion's message.
pub fn unsupported_field_label(group: &str, kind: &str, custom: bool, field: &str) -> String {
    if custom || !kind_fields(group, kind).is_empty() {
        format!("field label not supported: {field}")
    } else {
        format!(
            "\"{field}\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\""
        )
    }
}

/// The value of field label `field` on `obj` (a `group`/`kind` object), or `None` when the
/// label is not supported for that kind.
pub fn field_value(group: &str, kind: &str, obj: &Value, field: &str) -> Option<String> {
    if !field_label_supported(group, kind, field) {
        return None;
    }
    let value = match (group, kind, field) {
        (_, _, "metadata.name" | "metadata.namespace") => text(obj, field),
        ("", "Pod", "spec.hostNetwork") => boolean(obj, "spec.hostNetwork"),
        // status.podIP is the first entry of status.podIPs when that list is set.
        ("", "Pod", "status.podIP") => match at(obj, "status.podIPs").and_then(|v| v.get(0)) {
            Some(first) => first.get("ip").map(scalar).unwrap_or_default(),
            None => text(obj, "status.podIP"),
        },
        ("", "Event", "source") => text(obj, "source.component"),
        ("", "Node", "spec.unschedulable") => boolean(obj, "spec.unschedulable"),
        (_, _, "status.replicas" | "status.successful") => at(obj, field)
            .map(scalar)
            .unwrap_or_else(|| "0".to_string()),
        _ => text(obj, field),
    };
    Some(value)
}

/// The value of a custom resource's selectable field `field` (a dotted path declared through
/// [`crd_selectable_fields`](super::crd_selectable_fields)); `""` when absent, like
/// kube-apiserver's field sets.
pub fn custom_field_value(obj: &Value, field: &str) -> String {
    text(obj, field)
}

/// The kind-specific field labels of an object of `group`/`kind` with their values, what
/// kube-apiserver's storage keeps per object as its field set: computed once when an
/// object is stored, so field selectors do not need the object's whole tree.
pub(crate) fn field_set(group: &str, kind: &str, obj: &Value) -> Vec<(&'static str, String)> {
    kind_fields(group, kind)
        .iter()
        .filter_map(|f| field_value(group, kind, obj, f).map(|v| (*f, v)))
        .collect()
}

fn at<'a>(obj: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(obj, |v, key| v.get(key))
}

fn text(obj: &Value, path: &str) -> String {
    at(obj, path).map(scalar).unwrap_or_default()
}

fn boolean(obj: &Value, path: &str) -> String {
    at(obj, path)
        .and_then(Value::as_bool)
        .unwrap_or(false)
        .to_string()
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn pod() -> Value {
        json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "web-0", "namespace": "prod"},
            "spec": {"nodeName": "node-1", "restartPolicy": "Always", "serviceAccountName": "default",
                     "schedulerName": "default-scheduler"},
            "status": {"phase": "Running", "podIP": "10.0.0.9", "podIPs": [{"ip": "10.0.0.7"}]}
        })
    }

    #[test]
    fn field_sets_hold_every_kind_field() {
        let p = pod();
        let set = field_set("", "Pod", &p);
        assert_eq!(set.len(), kind_fields("", "Pod").len());
        for (f, v) in &set {
            assert_eq!(
                field_value("", "Pod", &p, f).as_deref(),
                Some(v.as_str()),
                "{f}"
            );
        }
        assert!(set.contains(&("spec.hostNetwork", "false".to_string())));
        assert!(set.contains(&("status.podIP", "10.0.0.7".to_string())));
        assert!(field_set("", "ConfigMap", &p).is_empty());
    }

    #[test]
    fn pod_fields() {
        let p = pod();
        let v = |f: &str| field_value("", "Pod", &p, f);
        assert_eq!(v("metadata.name").as_deref(), Some("web-0"));
        assert_eq!(v("metadata.namespace").as_deref(), Some("prod"));
        assert_eq!(v("spec.nodeName").as_deref(), Some("node-1"));
        assert_eq!(v("spec.restartPolicy").as_deref(), Some("Always"));
        assert_eq!(
            v("spec.schedulerName").as_deref(),
            Some("default-scheduler")
        );
        assert_eq!(v("spec.serviceAccountName").as_deref(), Some("default"));
        assert_eq!(v("spec.hostNetwork").as_deref(), Some("false"));
        assert_eq!(v("status.phase").as_deref(), Some("Running"));
        assert_eq!(v("status.podIP").as_deref(), Some("10.0.0.7"));
        assert_eq!(v("status.nominatedNodeName").as_deref(), Some(""));
        assert_eq!(v("spec.containers"), None);
        assert!(!field_label_supported("", "Pod", "spec.dnsPolicy"));
    }

    #[test]
    fn other_kinds() {
        let ev = json!({"involvedObject": {"kind": "Pod", "name": "x"}, "source": {"component": "kubelet"},
                        "type": "Warning", "reason": "BackOff"});
        assert_eq!(
            field_value("", "Event", &ev, "involvedObject.kind").as_deref(),
            Some("Pod")
        );
        assert_eq!(
            field_value("", "Event", &ev, "source").as_deref(),
            Some("kubelet")
        );
        assert_eq!(
            field_value("", "Event", &ev, "type").as_deref(),
            Some("Warning")
        );
        let rs = json!({"status": {"replicas": 3}});
        assert_eq!(
            field_value("apps", "ReplicaSet", &rs, "status.replicas").as_deref(),
            Some("3")
        );
        assert_eq!(
            field_value("batch", "Job", &json!({}), "status.successful").as_deref(),
            Some("0")
        );
        let node = json!({"spec": {"unschedulable": true}});
        assert_eq!(
            field_value("", "Node", &node, "spec.unschedulable").as_deref(),
            Some("true")
        );
        let secret = json!({"type": "kubernetes.io/tls"});
        assert_eq!(
            field_value("", "Secret", &secret, "type").as_deref(),
            Some("kubernetes.io/tls")
        );
        assert_eq!(
            field_value("apps", "Deployment", &rs, "status.replicas"),
            None
        );
        assert!(field_label_supported(
            "stable.example.com",
            "CronTab",
            "metadata.name"
        ));
        assert!(!field_label_supported(
            "stable.example.com",
            "CronTab",
            "spec.cronSpec"
        ));
        let cr = json!({"spec": {"color": "blue", "size": 3, "on": true}});
        assert_eq!(custom_field_value(&cr, "spec.color"), "blue");
        assert_eq!(custom_field_value(&cr, "spec.size"), "3");
        assert_eq!(custom_field_value(&cr, "spec.on"), "true");
        assert_eq!(custom_field_value(&cr, "spec.missing"), "");
    }
}
