//! The admission plugins kube-apiserver enables by default that change or judge Pods,
//! in their plugin order: LimitRanger (container requests and limits from the
//! namespace's LimitRanges, judged against their bounds once the others ran; it also
//! judges PersistentVolumeClaims' storage requests), ServiceAccount (the account, its
//! API token volume and image pull secrets), Priority (`priority` and
//! `preemptionPolicy` from the PriorityClass) and DefaultTolerationSeconds (five
//! minutes of tolerance for unready and unreachable nodes). The Priority plugin's check
//! of PriorityClasses themselves (one global default) is in `crate::priority_class`.
//! They run after the request's managed fields are recorded, as kube-apiserver runs
//! admission after its field manager, so their changes belong to nobody.

mod limit_ranger;
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
    is_core(served, "pods")
}

fn is_core(served: &Served, plural: &str) -> bool {
    !served.is_crd() && served.info.group.is_empty() && served.info.plural == plural
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
    let namespace = crate::meta::namespace(obj).to_string();
    if is_core(served, "persistentvolumeclaims") {
        return limit_ranger::enforce_claim(&limit_ranger::ranges(state, &namespace), obj, name);
    }
    if !is_pod(served) {
        return Ok(());
    }
    let ranges = limit_ranger::ranges(state, &namespace);
    limit_ranger::default_resources(&ranges, obj);
    service_account::admit(state, obj, name)?;
    priority::admit(state, obj, name)?;
    tolerations::admit(obj);
    limit_ranger::enforce_pod(&ranges, obj, name)
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
    if is_core(served, "persistentvolumeclaims") && crate::meta::deletion_timestamp(old).is_none() {
        let ranges = limit_ranger::ranges(state, crate::meta::namespace(obj));
        limit_ranger::enforce_claim(&ranges, obj, crate::meta::name(obj))?;
    }
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

/// Every stored object of a resource, parsed, or those of one namespace.
pub(crate) fn stored_all(
    state: &State,
    group: &str,
    resource: &str,
    namespace: Option<&str>,
) -> Vec<Value> {
    let Some(store): Option<Arc<_>> = state.store.resource(&StorageKey::new(group, resource))
    else {
        return Vec::new();
    };
    store
        .keys(namespace)
        .iter()
        .filter_map(|k| store.get(k)?.value().ok())
        .collect()
}
