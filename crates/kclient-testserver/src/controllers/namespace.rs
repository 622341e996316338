//! Namespace lifecycle: a deleted namespace turns Terminating, its content is deleted in
//! the background (as kube-controller-manager's namespace controller does), then the
//! `kubernetes` finalizer is removed and the namespace goes away once no metadata
//! finalizers remain.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};

use crate::error::{ApiResult, ErrorResponse};
use crate::handlers::{DeleteOptions, Deleted, delete_object};
use crate::meta;
use crate::registry::Served;
use crate::state::State;
use crate::store::{Change, CommitError, Expect, Obj, StorageKey, object_key};

/// Whether a namespace accepts new content.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum NamespacePhase {
    Active,
    Terminating,
}

fn namespaces_key() -> StorageKey {
    StorageKey::new("", "namespaces")
}

/// The phase of a namespace, `None` when it does not exist.
pub(crate) fn namespace_phase(state: &State, name: &str) -> Option<NamespacePhase> {
    let ns = state.store.resource(&namespaces_key())?.get(name)?;
    // Every namespaced create asks, so the phase comes from the field set the store keeps
    // (`status.phase` is a Namespace field selector); only an object without one is parsed.
    // One whose bytes do not parse counts as Terminating, so nothing new lands in it.
    let terminating = ns.deletion_timestamp().is_some()
        || match ns.field("status.phase") {
            Some(phase) => phase == "Terminating",
            None => ns.value().map_or(true, |v| {
                v.pointer("/status/phase").and_then(Value::as_str) == Some("Terminating")
            }),
        };
    Some(if terminating {
        NamespacePhase::Terminating
    } else {
        NamespacePhase::Active
    })
}

/// Plain updates change neither spec (only `/finalize` does) nor status (only `/status`).
pub(super) fn prepare_update(old: &Value, new: &mut Value, subresource: Option<&str>) {
    let Some(map) = new.as_object_mut() else {
        return;
    };
    if subresource != Some("finalize") {
        match old.get("spec") {
            Some(s) => map.insert("spec".into(), s.clone()),
            None => map.remove("spec"),
        };
    }
    if subresource != Some("status") {
        match old.get("status") {
            Some(s) => map.insert("status".into(), s.clone()),
            None => map.remove("status"),
        };
    }
}

pub(super) fn spec_finalizers_empty(obj: &Value) -> bool {
    obj.pointer("/spec/finalizers")
        .and_then(Value::as_array)
        .is_none_or(Vec::is_empty)
}

/// Starts deleting a namespace: marks it Terminating and starts the content cleanup.
pub(crate) fn begin_namespace_deletion(
    state: &Arc<State>,
    current: &Arc<Obj>,
    dry_run: bool,
) -> ApiResult<Arc<Obj>> {
    let name = current.name().to_string();
    if matches!(name.as_str(), "default" | "kube-system" | "kube-public") {
        return Err(ErrorResponse::forbidden(
            "",
            "namespaces",
            &name,
            "this namespace may not be deleted",
        ));
    }
    if current.deletion_timestamp().is_some() {
        return Ok(current.clone());
    }
    let mut value = current.value()?;
    meta::mark_deleting(&mut value);
    if let Some(m) = value.as_object_mut() {
        m.insert("status".into(), json!({"phase": "Terminating"}));
    }
    if dry_run {
        return Ok(Obj::new(value));
    }
    let rv = current.resource_version().parse::<u64>().unwrap_or(0);
    let store = state.store.ensure(&namespaces_key());
    let done = store
        .commit(&object_key("", &name), Expect::Rv(rv), Change::Put(value))
        .map_err(|_| ErrorResponse::stale("", "namespaces", &name))?;
    let task_state = state.clone();
    tokio::spawn(async move { cleanup(task_state, name).await });
    Ok(done.obj)
}

/// The served resource of every namespaced storage (one version each).
fn namespaced_resources(state: &State) -> Vec<Arc<Served>> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for info in state.registry.resources().iter() {
        if !info.namespaced
            || !info.storage
            || !seen.insert((info.group.clone(), info.plural.clone()))
        {
            continue;
        }
        if let Some(served) = state
            .registry
            .lookup(&info.group, &info.version, &info.plural)
        {
            out.push(served);
        }
    }
    out
}

async fn cleanup(state: Arc<State>, ns: String) {
    // Like kube-controller-manager's namespace controller: dependents go in the background.
    let opts = DeleteOptions {
        cascade: super::Cascade {
            policy: Some(super::propagation::Propagation::Background),
            orphan_dependents: None,
        },
        ..DeleteOptions::default()
    };
    loop {
        let mut remaining = 0usize;
        for served in namespaced_resources(&state) {
            let Some(store) = state.store.resource(&served.storage) else {
                continue;
            };
            for key in store.keys(Some(&ns)) {
                match delete_object(&state, &served, &key, &opts) {
                    Ok(Deleted::Gone(_)) => {}
                    Ok(Deleted::Pending(_)) | Err(_) => remaining += 1,
                }
            }
        }
        if remaining == 0 {
            finalize(&state, &ns);
            return;
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_millis(500)) => {}
            _ = state.shutdown.cancelled() => return,
        }
    }
}

/// Removes the `kubernetes` finalizer; deletes the namespace when nothing else holds it.
fn finalize(state: &State, ns: &str) {
    let store = state.store.ensure(&namespaces_key());
    let key = object_key("", ns);
    for _ in 0..16 {
        let Some(current) = store.get(&key) else {
            return;
        };
        let rv = current.resource_version().parse::<u64>().unwrap_or(0);
        let change = if current.finalizers().is_empty() {
            Change::Delete
        } else {
            let mut value = match current.value() {
                Ok(v) => v,
                Err(e) => {
                    tracing::error!(error = %e, "namespace not finalized");
                    return;
                }
            };
            if let Some(spec) = value.get_mut("spec").and_then(Value::as_object_mut) {
                spec.insert("finalizers".into(), json!([]));
            }
            Change::Put(value)
        };
        match store.commit(&key, Expect::Rv(rv), change) {
            Err(CommitError::Stale) => continue,
            Err(CommitError::Undecodable(e)) => {
                tracing::error!(error = %e, "namespace not finalized");
                return;
            }
            _ => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn updates_keep_spec_and_status() {
        let old = json!({"spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}});
        let mut new =
            json!({"metadata": {"labels": {"a": "b"}}, "spec": {}, "status": {"phase": "X"}});
        prepare_update(&old, &mut new, None);
        assert_eq!(new["spec"], old["spec"]);
        assert_eq!(new["status"], old["status"]);
        let mut fin = json!({"spec": {"finalizers": []}});
        prepare_update(&old, &mut fin, Some("finalize"));
        assert!(spec_finalizers_empty(&fin));
        assert!(!spec_finalizers_empty(&old));
    }
}
