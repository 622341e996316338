//! What kube-apiserver's built-in controllers do synchronously here: establishing CRDs
//! (and cleaning up after them) and namespace lifecycle (termination and cleanup); and
//! kube-controller-manager's garbage collector and ClusterRole aggregation.

mod aggregation;
mod crd;
mod gc;
mod namespace;
mod propagation;
mod service_accounts;

use serde_json::Value;

use crate::error::FieldError;
use crate::registry::Served;
use crate::state::State;
use crate::store::Obj;

pub(crate) use gc::{GarbageCollector, start as start_garbage_collector};
pub(crate) use namespace::{NamespacePhase, begin_namespace_deletion, namespace_phase};
pub(crate) use propagation::{Cascade, deletion_finalizers};

fn is_crd_resource(served: &Served) -> bool {
    served.info.group == "apiextensions.k8s.io" && served.info.plural == "customresourcedefinitions"
}

fn is_namespace_resource(served: &Served) -> bool {
    served.info.group.is_empty() && served.info.plural == "namespaces"
}

/// Kind-specific validation beyond ObjectMeta (`old`: the stored object an update replaces).
pub(crate) fn validate_kind(served: &Served, obj: &Value, old: Option<&Value>) -> Vec<FieldError> {
    if is_crd_resource(served) {
        return crd::validate(obj, old);
    }
    Vec::new()
}

/// Kind-specific preparation of an update (fields a plain update may not change).
pub(crate) fn prepare_update(
    served: &Served,
    old: &Value,
    new: &mut Value,
    subresource: Option<&str>,
) {
    if is_namespace_resource(served) {
        namespace::prepare_update(old, new, subresource);
    }
}

/// Whether an object whose last finalizer is gone may be removed now.
pub(crate) fn may_finalize(served: &Served, obj: &Value) -> bool {
    if is_namespace_resource(served) {
        return namespace::spec_finalizers_empty(obj);
    }
    true
}

/// Runs after an object was created or updated.
pub(crate) fn after_write(state: &State, served: &Served, obj: &Obj) {
    if is_crd_resource(served) {
        crd::reconcile(state, served, obj);
    }
    if aggregation::is_cluster_role(served) {
        aggregation::reconcile(state, served);
    }
    if is_namespace_resource(served) {
        service_accounts::namespace_written(state, obj.name());
    }
    state.gc.observe_write(served, obj);
}

/// Runs after an object was removed from storage.
pub(crate) fn after_delete(state: &State, served: &Served, obj: &Obj) {
    if is_crd_resource(served) {
        crd::remove(state, obj);
    }
    if aggregation::is_cluster_role(served) {
        aggregation::reconcile(state, served);
    }
    service_accounts::deleted(state, served, obj);
    state.gc.observe_delete(obj);
}
