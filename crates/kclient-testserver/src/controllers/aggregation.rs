//! kube-controller-manager's ClusterRole aggregation: a ClusterRole with an
//! `aggregationRule` gets, as its `rules`, the rules of every ClusterRole its selectors
//! match (deduplicated, in name order), rewritten whenever a ClusterRole changes.

use k8s_openapi::api::rbac::v1::{ClusterRole, PolicyRule};
use kclient_core::selector::LabelSelector;
use serde_json::Value;

use crate::registry::Served;
use crate::state::State;
use crate::store::{Change, Expect, StorageKey, object_key};

pub(super) fn is_cluster_role(served: &Served) -> bool {
    served.info.group == crate::rbac::GROUP && served.info.plural == "clusterroles"
}

fn aggregate(roles: &[ClusterRole], target: &ClusterRole) -> Option<Vec<PolicyRule>> {
    let rule = target.aggregation_rule.as_ref()?;
    let selectors: Vec<LabelSelector> = rule
        .cluster_role_selectors
        .as_deref()
        .unwrap_or_default()
        .iter()
        .filter_map(|s| LabelSelector::from_metav1(Some(s)).ok())
        .collect();
    let mut out: Vec<PolicyRule> = Vec::new();
    for role in roles {
        if role.metadata.name == target.metadata.name {
            continue;
        }
        let labels = role.metadata.labels.clone().unwrap_or_default();
        if !selectors
            .iter()
            .any(|s| !s.is_empty() && s.matches(&labels))
        {
            continue;
        }
        for r in role.rules.as_deref().unwrap_or_default() {
            if !out.contains(r) {
                out.push(r.clone());
            }
        }
    }
    Some(out)
}

/// Brings every aggregated ClusterRole's rules up to date.
pub(super) fn reconcile(state: &State, served: &Served) {
    let Some(store) = state
        .store
        .resource(&StorageKey::new(crate::rbac::GROUP, "clusterroles"))
    else {
        return;
    };
    let mut roles: Vec<(u64, Value, ClusterRole)> = Vec::new();
    for key in store.keys(None) {
        let Some(obj) = store.get(&key) else { continue };
        let (Ok(value), Ok(role)) = (
            obj.value(),
            serde_json::from_slice::<ClusterRole>(&obj.json),
        ) else {
            continue;
        };
        let rv = obj.resource_version().parse().unwrap_or(0);
        roles.push((rv, value, role));
    }
    roles.sort_by(|a, b| a.2.metadata.name.cmp(&b.2.metadata.name));
    let all: Vec<ClusterRole> = roles.iter().map(|r| r.2.clone()).collect();
    for (rv, mut value, role) in roles {
        let Some(rules) = aggregate(&all, &role) else {
            continue;
        };
        if role.rules.as_deref().unwrap_or_default() == rules.as_slice() {
            continue;
        }
        let Ok(rules) = serde_json::to_value(&rules) else {
            continue;
        };
        if let Some(m) = value.as_object_mut() {
            m.insert("rules".into(), rules);
        }
        let name = role.metadata.name.unwrap_or_default();
        // A concurrent writer wins; its own write brings this hook back.
        if let Ok(done) = store.commit(&object_key("", &name), Expect::Rv(rv), Change::Put(value)) {
            super::after_write(state, served, &done.obj);
            return;
        }
    }
}
