//! Defaulting of built-in kinds, as kube-apiserver's `SetDefaults_*` functions (and the
//! `+default=` markers of the API types) apply them when a request body is decoded: every
//! write (create, update, every patch type, server-side apply, status writes) stores and
//! returns the defaulted object. Custom resources are defaulted from their schemas
//! elsewhere. The rules follow Kubernetes 1.33 with its default feature gates; the audit
//! of every 1.33 defaulter against this module is in `docs/defaulting.md`.

mod admission;
mod allocate;
mod apps;
mod authentication;
mod batch;
mod core;
mod extensions;
mod networking;
mod pod;
mod quantities;
mod scaling;
mod storage;

use serde_json::{Map, Value, json};

use crate::error::ApiResult;
use crate::registry::Served;
use crate::state::State;

/// Defaults a built-in object on its way to storage, as decoding does in kube-apiserver
/// (before validation, and before managed fields are recorded: the writer owns them).
pub(crate) fn on_write(served: &Served, obj: &mut Value) {
    if !served.is_crd() {
        let info = &served.info;
        apply(&info.group, &info.version, &info.kind, obj);
    }
}

/// What a Service's registry allocates (cluster IPs, node ports) when it stores the object,
/// after managed fields are recorded, so nobody owns the allocations; `old` is the stored
/// object of an update, whose allocations a body without them keeps.
pub(crate) fn allocate(
    state: &State,
    served: &Served,
    obj: &mut Value,
    old: Option<&Value>,
) -> ApiResult<()> {
    let info = &served.info;
    if served.is_crd() || !info.group.is_empty() || info.kind != "Service" {
        return Ok(());
    }
    if let Some(old) = old {
        allocate::keep_allocated(old, obj);
    }
    allocate::allocate_service(state, obj)
}

/// What a kind's registry strategy adds to a new object once it has its uid, after
/// managed fields are recorded (so nobody owns it): a Job's generated selector, the
/// stored version in a CustomResourceDefinition's reset status.
pub(crate) fn prepare_create(served: &Served, obj: &mut Value) {
    let info = &served.info;
    let Some(map) = obj.as_object_mut().filter(|_| !served.is_crd()) else {
        return;
    };
    match (info.group.as_str(), info.kind.as_str()) {
        ("batch", "Job") => batch::generate_selector(map),
        ("apiextensions.k8s.io", "CustomResourceDefinition") => {
            crate::crd_strategy::prepare_create(map);
        }
        _ => {}
    }
}

/// Applies kube-apiserver's defaults for `group/version, kind` to `obj` in place.
/// Kinds without defaults are left alone.
pub(crate) fn apply(group: &str, version: &str, kind: &str, obj: &mut Value) {
    let Some(map) = obj.as_object_mut() else {
        return;
    };
    match group {
        "" => core::apply(kind, map),
        "apps" => apps::apply(kind, map),
        "batch" => batch::apply(kind, map),
        "networking.k8s.io" | "discovery.k8s.io" | "rbac.authorization.k8s.io" => {
            networking::apply(group, kind, map);
        }
        "autoscaling" | "scheduling.k8s.io" | "flowcontrol.apiserver.k8s.io" => {
            scaling::apply(group, version, kind, map);
        }
        "storage.k8s.io" => storage::apply(kind, map),
        "admissionregistration.k8s.io" => admission::apply(kind, map),
        "apiextensions.k8s.io" | "apiregistration.k8s.io" => extensions::apply(group, kind, map),
        "authentication.k8s.io" => authentication::apply(kind, map),
        _ => {}
    }
    quantities::object(group, kind, map);
}

/// Unset as Go's zero value sees it: missing, `null`, `""`, `0`, `false`, `[]` or `{}`.
fn is_zero(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => s.is_empty(),
        Some(Value::Number(n)) => n.as_f64() == Some(0.0),
        Some(Value::Bool(b)) => !b,
        Some(Value::Array(a)) => a.is_empty(),
        Some(Value::Object(o)) => o.is_empty(),
    }
}

/// Sets `key` when it is missing or `null` (a nil pointer, slice or map in Go).
fn or_nil(map: &mut Map<String, Value>, key: &str, v: Value) {
    match map.get_mut(key) {
        Some(Value::Null) => {
            map.insert(key.to_string(), v);
        }
        Some(_) => {}
        None => {
            map.insert(key.to_string(), v);
        }
    }
}

/// Sets `key` when Go would see its zero value (an empty string or a zero number).
fn or_zero(map: &mut Map<String, Value>, key: &str, v: Value) {
    if is_zero(map.get(key)) {
        map.insert(key.to_string(), v);
    }
}

/// The object at `key`, created (or replacing `null`) when missing: a non-pointer
/// struct field in Go, which always exists.
fn child<'a>(map: &'a mut Map<String, Value>, key: &str) -> Option<&'a mut Map<String, Value>> {
    let slot = map.entry(key.to_string()).or_insert_with(|| json!({}));
    if slot.is_null() {
        *slot = json!({});
    }
    slot.as_object_mut()
}

/// The object at `key` when present (a pointer field in Go: nothing to default when nil).
fn present<'a>(map: &'a mut Map<String, Value>, key: &str) -> Option<&'a mut Map<String, Value>> {
    map.get_mut(key).and_then(Value::as_object_mut)
}

/// Every object of the array at `key`.
fn each<'a>(
    map: &'a mut Map<String, Value>,
    key: &str,
) -> impl Iterator<Item = &'a mut Map<String, Value>> {
    map.get_mut(key)
        .and_then(Value::as_array_mut)
        .into_iter()
        .flat_map(|a| a.iter_mut().filter_map(Value::as_object_mut))
}

/// `protocol: TCP` on every port of the array at `key`.
fn tcp_ports(map: &mut Map<String, Value>, key: &str) {
    for port in each(map, key) {
        or_zero(port, "protocol", json!("TCP"));
    }
}

/// A PersistentVolumeClaim inside another object (StatefulSet claim templates): the
/// PersistentVolumeClaim defaults, its status included.
/// The apps/v1 conversion also writes their type metadata.
fn core_claim_template(claim: &mut Map<String, Value>) {
    or_zero(claim, "apiVersion", json!("v1"));
    or_zero(claim, "kind", json!("PersistentVolumeClaim"));
    pod::embedded_meta(claim);
    core::apply("PersistentVolumeClaim", claim);
}

/// Labels of a template (`spec.template.metadata.labels`) when it has some.
fn template_labels(spec: &Map<String, Value>) -> Option<Value> {
    spec.get("template")
        .and_then(|t| t.pointer("/metadata/labels"))
        .filter(|l| l.as_object().is_some_and(|m| !m.is_empty()))
        .cloned()
}

/// Copies the template labels to the object's labels when it has none (Jobs,
/// ReplicationControllers).
fn labels_from_template(map: &mut Map<String, Value>, labels: &Value) {
    let Some(meta) = child(map, "metadata") else {
        return;
    };
    if is_zero(meta.get("labels")) {
        meta.insert("labels".into(), labels.clone());
    }
}

#[cfg(test)]
mod tests;
