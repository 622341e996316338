//! kube-controller-manager's serviceaccounts controller: every active namespace has a
//! `default` ServiceAccount, recreated when deleted, which ServiceAccount admission
//! gives pods that name none (and refuses them without).
//!
//! Its root-ca-cert-publisher (the `kube-root-ca.crt` ConfigMap of every namespace,
//! which the pods' API access volume projects) is not reproduced: every ConfigMap list
//! and watch would start with it, which the kubectl parity tests do not expect.

use serde_json::json;

use super::namespace::{NamespacePhase, namespace_phase};
use crate::handlers::{CreateOptions, create_object};
use crate::registry::Served;
use crate::state::State;
use crate::store::{Obj, StorageKey, object_key};

const ACCOUNT: &str = "default";
const RESOURCE: &str = "serviceaccounts";

/// After a write of a namespace: creates what an active namespace lacks.
pub(super) fn namespace_written(state: &State, name: &str) {
    if namespace_phase(state, name) != Some(NamespacePhase::Active) {
        return;
    }
    ensure(state, name);
}

/// After a delete: recreates the account of an active namespace.
pub(super) fn deleted(state: &State, served: &Served, obj: &Obj) {
    let info = &served.info;
    let ours = !served.is_crd()
        && info.group.is_empty()
        && info.plural == RESOURCE
        && obj.name() == ACCOUNT;
    let namespace = obj.namespace();
    if ours && namespace_phase(state, namespace) == Some(NamespacePhase::Active) {
        ensure(state, namespace);
    }
}

fn ensure(state: &State, namespace: &str) {
    let exists = state
        .store
        .resource(&StorageKey::new("", RESOURCE))
        .is_some_and(|s| s.get(&object_key(namespace, ACCOUNT)).is_some());
    let Some(served) = state.registry.lookup("", "v1", RESOURCE) else {
        return;
    };
    if exists {
        return;
    }
    let obj = json!({"apiVersion": "v1", "kind": "ServiceAccount",
        "metadata": {"name": ACCOUNT, "namespace": namespace}});
    // A concurrent creation (a client, or another write of the namespace) is as good.
    let _ = create_object(state, &served, obj, &CreateOptions::CONTROLLER);
}
