//! The mutating admission plugins kube-apiserver enables by default that change Pods,
//! in their plugin order: ServiceAccount (the account, its API token volume and image
//! pull secrets), Priority (`priority` and `preemptionPolicy` from the PriorityClass)
//! and DefaultTolerationSeconds (five minutes of tolerance for unready and unreachable
//! nodes). The Priority plugin's check of PriorityClasses themselves (one global
//! default) is in `crate::priority_class`. They run after the request's managed fields are recorded, as kube-apiserver
//! runs admission after its field manager, so their changes belong to nobody.

mod priority;
mod service_account;
mod tolerations;

use std::sync::Arc;

use serde_json::Value;

use crate::error::ApiResult;
use crate::priority_class;
use crate::registry::Served;
use crate::state::State;
use crate::store::{StorageKey, object_key};

pub(crate) use priority::seed as seed_priority_classes;

fn is_pod(served: &Served) -> bool {
    !served.is_crd() && served.info.group.is_empty() && served.info.plural == "pods"
}

/// Admission of a new object. `name` is the name errors report: the `generateName`
/// prefix of an object whose name is generated, as kube-apiserver admits it before
/// generating the name.
pub(crate) fn admit_create(
    state: &State,
    served: &Served,
    obj: &mut Value,
    name: &str,
) -> ApiResult<()> {
    priority_class::admit(state, served, obj, None)?;
    if !is_pod(served) {
        return Ok(());
    }
    service_account::admit(state, obj, name)?;
    priority::admit(state, obj, name)?;
    tolerations::admit(obj);
    Ok(())
}

/// Admission of an update of `old`; subresource writes (status, ephemeral containers,
/// bindings) are left alone, as these plugins ignore them.
pub(crate) fn admit_update(
    state: &State,
    served: &Served,
    old: &Value,
    obj: &mut Value,
    subresource: Option<&str>,
) -> ApiResult<()> {
    if subresource.is_some() {
        return Ok(());
    }
    priority_class::admit(state, served, obj, Some(old))?;
    if is_pod(served) {
        priority::keep(old, obj);
        tolerations::admit(obj);
    }
    Ok(())
}

/// A stored object, parsed.
fn stored(
    state: &State,
    group: &str,
    resource: &str,
    namespace: &str,
    name: &str,
) -> Option<Value> {
    let store = state.store.resource(&StorageKey::new(group, resource))?;
    store.get(&object_key(namespace, name))?.value().ok()
}

/// Every stored object of a resource, parsed.
pub(crate) fn stored_all(state: &State, group: &str, resource: &str) -> Vec<Value> {
    let Some(store): Option<Arc<_>> = state.store.resource(&StorageKey::new(group, resource))
    else {
        return Vec::new();
    };
    store
        .keys(None)
        .iter()
        .filter_map(|k| store.get(k)?.value().ok())
        .collect()
}
