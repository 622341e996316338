//! The CRD controllers: validate a CustomResourceDefinition, serve its resources and set
//! its status conditions when it is written, and remove resources and objects on delete.

use kclient_core::crd::definition;
use serde_json::{Value, json};

use crate::catalog;
use crate::error::FieldError;
use crate::meta;
use crate::registry::{CrdColumn, CrdDetails, ScalePaths, Served};
use crate::state::State;
use crate::store::{Change, CommitError, Expect, Obj, StorageKey, object_key};

fn str_at<'a>(v: &'a Value, ptr: &str) -> &'a str {
    v.pointer(ptr).and_then(Value::as_str).unwrap_or("")
}

/// kube-apiserver's validation of a CRD created or replacing `old`
/// (`kclient_core::crd::definition`, the CEL rules compiled here), then what the server
/// needs to serve it.
pub(super) fn validate(crd: &Value, old: Option<&Value>) -> Vec<FieldError> {
    let mut errs = crate::crd_strategy::validate_rules(crd, old);
    if errs.is_empty()
        && let Err(msg) = catalog::crd_resource_info(crd)
    {
        errs.push(FieldError::new(
            kclient_core::status::FieldErrorType::Invalid,
            "spec",
            None,
            msg,
        ));
    }
    errs
}

fn version_details(crd: &Value, version: &str) -> CrdDetails {
    let v = crd
        .pointer("/spec/versions")
        .and_then(Value::as_array)
        .and_then(|vs| {
            vs.iter()
                .find(|v| v.get("name").and_then(Value::as_str) == Some(version))
        });
    let columns = v
        .and_then(|v| v.get("additionalPrinterColumns"))
        .and_then(Value::as_array)
        .map(|cols| {
            cols.iter()
                .map(|c| CrdColumn {
                    name: str_at(c, "/name").to_string(),
                    type_: str_at(c, "/type").to_string(),
                    format: str_at(c, "/format").to_string(),
                    description: str_at(c, "/description").to_string(),
                    priority: c
                        .get("priority")
                        .and_then(Value::as_i64)
                        .and_then(|p| i32::try_from(p).ok())
                        .unwrap_or(0),
                    json_path: str_at(c, "/jsonPath").to_string(),
                })
                .collect()
        })
        .unwrap_or_default();
    let scale = v
        .and_then(|v| v.pointer("/subresources/scale"))
        .filter(|s| s.is_object())
        .map(|s| ScalePaths {
            spec_replicas: str_at(s, "/specReplicasPath").to_string(),
            status_replicas: str_at(s, "/statusReplicasPath").to_string(),
            label_selector: s
                .get("labelSelectorPath")
                .and_then(Value::as_str)
                .map(str::to_string),
        });
    CrdDetails {
        crd_name: meta::name(crd).to_string(),
        columns,
        scale,
        schema: v
            .and_then(|v| v.pointer("/schema/openAPIV3Schema"))
            .map(|s| std::sync::Arc::new(s.clone())),
    }
}

fn condition(
    type_: &str,
    status: &str,
    reason: &str,
    message: &str,
    previous: &Value,
    now: &str,
) -> Value {
    let prev = previous.as_array().and_then(|cs| {
        cs.iter()
            .find(|c| c.get("type").and_then(Value::as_str) == Some(type_))
    });
    let unchanged = prev.is_some_and(|c| c.get("status").and_then(Value::as_str) == Some(status));
    let time = match prev.and_then(|c| c.get("lastTransitionTime")) {
        Some(t) if unchanged => t.clone(),
        _ => Value::String(now.to_string()),
    };
    json!({"type": type_, "status": status, "lastTransitionTime": time, "reason": reason, "message": message})
}

/// Serves the CRD's resources and records NamesAccepted/Established in its status.
pub(super) fn reconcile(state: &State, served_crd: &Served, obj: &Obj) {
    if obj.deletion_timestamp().is_some() {
        return;
    }
    let value = match obj.value() {
        Ok(v) => v,
        Err(e) => {
            tracing::error!(error = %e, "CRD not reconciled");
            return;
        }
    };
    let crd = &value;
    let Ok(infos) = catalog::crd_resource_info(crd) else {
        return;
    };
    let name = meta::name(crd).to_string();
    let group = str_at(crd, "/spec/group").to_string();
    let names = crd
        .pointer("/spec/names")
        .cloned()
        .unwrap_or_else(|| json!({}));
    let plural = str_at(&names, "/plural").to_string();
    let kind = str_at(&names, "/kind").to_string();
    let conflict = state
        .registry
        .conflicting_crd(&group, &plural, &kind, &name);
    let builtin_clash = catalog::builtin_resources()
        .iter()
        .any(|r| r.group == group && r.plural == plural);
    let previous = crd
        .pointer("/status/conditions")
        .cloned()
        .unwrap_or(Value::Null);
    let now = meta::now_rfc3339();
    let mut status = crd.get("status").cloned().unwrap_or_else(|| json!({}));
    let conditions = if conflict.is_some() || builtin_clash {
        let msg = format!("\"{plural}\" is already in use");
        vec![
            condition(
                "NamesAccepted",
                "False",
                "NameConflict",
                &msg,
                &previous,
                &now,
            ),
            condition(
                "Established",
                "False",
                "NotAccepted",
                "not all names are accepted",
                &previous,
                &now,
            ),
        ]
    } else {
        let served: Vec<Served> = infos
            .iter()
            .map(|info| Served {
                storage: StorageKey::new(&info.group, &info.plural),
                crd: Some(version_details(crd, &info.version)),
                info: info.clone(),
            })
            .collect();
        if let Some(first) = served.first() {
            state.store.ensure(&first.storage);
        }
        state.registry.set_crd(&name, served);
        let mut accepted = names.clone();
        if let Some(m) = accepted.as_object_mut() {
            if m.get("singular")
                .and_then(Value::as_str)
                .unwrap_or("")
                .is_empty()
            {
                m.insert("singular".into(), Value::String(kind.to_ascii_lowercase()));
            }
            if m.get("listKind")
                .and_then(Value::as_str)
                .unwrap_or("")
                .is_empty()
            {
                m.insert("listKind".into(), Value::String(format!("{kind}List")));
            }
        }
        if let Some(s) = status.as_object_mut() {
            s.insert("acceptedNames".into(), accepted);
        }
        vec![
            condition(
                "NamesAccepted",
                "True",
                "NoConflicts",
                "no conflicts found",
                &previous,
                &now,
            ),
            condition(
                "Established",
                "True",
                "InitialNamesAccepted",
                "the initial names have been accepted",
                &previous,
                &now,
            ),
        ]
    };
    let storage_version = crd
        .get("spec")
        .and_then(definition::storage_version)
        .unwrap_or("")
        .to_string();
    if let Some(s) = status.as_object_mut() {
        s.insert("conditions".into(), Value::Array(conditions));
        s.entry("acceptedNames")
            .or_insert_with(|| json!({"plural": "", "kind": ""}));
        let mut stored: Vec<Value> = s
            .get("storedVersions")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        if !storage_version.is_empty()
            && !stored.iter().any(|v| v.as_str() == Some(&storage_version))
        {
            stored.push(Value::String(storage_version));
        }
        s.insert("storedVersions".into(), Value::Array(stored));
    }
    if crd.get("status") == Some(&status) {
        return;
    }
    let mut rv = obj.resource_version().parse::<u64>().unwrap_or(0);
    let store = state.store.ensure(&served_crd.storage);
    let key = object_key("", &name);
    let with_status = |status: Value| {
        let mut updated = crd.clone();
        if let Some(m) = updated.as_object_mut() {
            m.insert("status".into(), status);
        }
        updated
    };
    // kube-apiserver's naming controller records the accepted names with Established
    // still False ("Installing"); its establishing controller then sets it True. Watchers
    // see both writes.
    if let Some(installing) = naming_step(crd.get("status"), &status) {
        match store.commit(&key, Expect::Rv(rv), Change::Put(with_status(installing))) {
            Ok(done) => rv = done.obj.resource_version().parse::<u64>().unwrap_or(0),
            // A concurrent write of the CRD reconciles again on its own.
            Err(_) => return,
        }
    }
    // A concurrent write of the CRD reconciles again on its own; losing this one is fine.
    let _ = store.commit(&key, Expect::Rv(rv), Change::Put(with_status(status)));
}

/// The naming controller's status for a CRD about to be established for the first time:
/// `status` with its `Established` condition still False, reason `Installing`. `None` when
/// the CRD was Established before or is not about to be.
fn naming_step(previous: Option<&Value>, status: &Value) -> Option<Value> {
    if previous.is_some_and(definition::is_established) || !definition::is_established(status) {
        return None;
    }
    let mut installing = status.clone();
    for c in installing["conditions"].as_array_mut()? {
        if c["type"] == "Established" {
            c["status"] = json!("False");
            c["reason"] = json!("Installing");
        }
    }
    Some(installing)
}

/// Stops serving a deleted CRD's resources and deletes its objects (watchers see DELETED
/// events, then their streams end).
pub(super) fn remove(state: &State, obj: &Obj) {
    let name = obj.name().to_string();
    let Some(served) = state.registry.remove_crd(&name) else {
        return;
    };
    let Some(first) = served.first() else {
        return;
    };
    if let Some(store) = state.store.resource(&first.storage) {
        for key in store.keys(None) {
            if let Some(cur) = store.get(&key) {
                let rv = cur.resource_version().parse::<u64>().unwrap_or(0);
                if let Err(CommitError::Undecodable(e)) =
                    store.commit(&key, Expect::Rv(rv), Change::Delete)
                {
                    // The storage is dropped below all the same; only this DELETED event is lost.
                    tracing::error!(error = %e, "custom resource removed without an event");
                }
            }
        }
    }
    state.store.remove(&first.storage);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn crd(name: &str) -> Value {
        json!({
            "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": {"name": name},
            "spec": {"group": "example.com", "scope": "Namespaced",
                "names": {"plural": "widgets", "kind": "Widget"},
                "versions": [{"name": "v1", "served": true, "storage": true,
                    "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}},
                    "subresources": {"status": {}, "scale": {"specReplicasPath": ".spec.replicas", "statusReplicasPath": ".status.replicas"}},
                    "additionalPrinterColumns": [{"name": "Size", "type": "integer", "jsonPath": ".spec.size"}]}]}
        })
    }

    #[test]
    fn validation() {
        assert!(validate(&crd("widgets.example.com"), None).is_empty());
        let errs = validate(&crd("wrong"), None);
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].field, "metadata.name");
    }

    #[test]
    fn details() {
        let d = version_details(&crd("widgets.example.com"), "v1");
        assert_eq!(d.columns.len(), 1);
        assert_eq!(d.columns[0].json_path, ".spec.size");
        assert_eq!(d.scale.unwrap().spec_replicas, ".spec.replicas");
    }
}
