//! The legacy (unaggregated) discovery documents: `APIGroupList`, `APIGroup` and
//! `APIResourceList`.

use serde_json::{Map, Value, json};

use super::{group_version_for_discovery, groups_in_order, resources_of, strings_value};
use crate::catalog::ResourceInfo;

/// One `APIGroup` object (without kind/apiVersion, as nested in `APIGroupList`).
fn group_entry(group: &str, versions: &[&str]) -> Value {
    let listed: Vec<Value> = versions
        .iter()
        .map(|v| group_version_for_discovery(group, v))
        .collect();
    let preferred = versions
        .first()
        .map(|v| group_version_for_discovery(group, v))
        .unwrap_or(Value::Null);
    json!({"name": group, "versions": listed, "preferredVersion": preferred})
}

/// The `/apis` document: every named group of `resources` with its versions, preferred first.
pub fn api_group_list(resources: &[ResourceInfo]) -> Value {
    let groups: Vec<Value> = groups_in_order(resources)
        .iter()
        .map(|(group, versions)| group_entry(group, versions))
        .collect();
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
}

/// The `/apis/{group}` document, or `None` when no resource of `resources` is in `group`
/// (the core group has no such document).
pub fn api_group(group: &str, resources: &[ResourceInfo]) -> Option<Value> {
    let (name, versions) = groups_in_order(resources)
        .into_iter()
        .find(|(g, _)| *g == group)?;
    let mut doc = Map::new();
    doc.insert("kind".into(), "APIGroup".into());
    doc.insert("apiVersion".into(), "v1".into());
    if let Value::Object(entry) = group_entry(name, &versions) {
        doc.extend(entry);
    }
    Some(Value::Object(doc))
}

/// The `/api/v1` or `/apis/{group}/{version}` document (`APIResourceList`): every resource
/// of the group-version plus one `plural/subresource` entry per subresource, sorted by name.
/// `None` when the group-version serves nothing.
pub fn api_resource_list(group: &str, version: &str, resources: &[ResourceInfo]) -> Option<Value> {
    let selected = resources_of(resources, group, version);
    if selected.is_empty() {
        return None;
    }
    let mut entries: Vec<(String, Value)> = Vec::new();
    for r in selected {
        entries.push((r.plural.clone(), resource_entry(r)));
        for sub in &r.subresources {
            let name = format!("{}/{}", r.plural, sub.name);
            let mut e = Map::new();
            e.insert("name".into(), Value::String(name.clone()));
            e.insert("singularName".into(), "".into());
            e.insert("namespaced".into(), r.namespaced.into());
            if sub.group != r.group || sub.version != r.version {
                e.insert("group".into(), Value::String(sub.group.clone()));
                e.insert("version".into(), Value::String(sub.version.clone()));
            }
            e.insert("kind".into(), Value::String(sub.kind.clone()));
            e.insert("verbs".into(), strings_value(&sub.verbs));
            entries.push((name, Value::Object(e)));
        }
    }
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    let list: Vec<Value> = entries.into_iter().map(|(_, v)| v).collect();
    let mut doc = Map::new();
    doc.insert("kind".into(), "APIResourceList".into());
    // kube-apiserver leaves apiVersion out of the core group's list (a long-standing quirk).
    if !group.is_empty() {
        doc.insert("apiVersion".into(), "v1".into());
    }
    let group_version = if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    };
    doc.insert("groupVersion".into(), Value::String(group_version));
    doc.insert("resources".into(), Value::Array(list));
    Some(Value::Object(doc))
}

fn resource_entry(r: &ResourceInfo) -> Value {
    let mut e = Map::new();
    e.insert("name".into(), Value::String(r.plural.clone()));
    e.insert("singularName".into(), Value::String(r.singular.clone()));
    e.insert("namespaced".into(), r.namespaced.into());
    e.insert("kind".into(), Value::String(r.kind.clone()));
    e.insert("verbs".into(), strings_value(&r.verbs));
    if !r.short_names.is_empty() {
        e.insert("shortNames".into(), strings_value(&r.short_names));
    }
    if !r.categories.is_empty() {
        e.insert("categories".into(), strings_value(&r.categories));
    }
    if let Some(hash) = r.storage_version_hash() {
        e.insert("storageVersionHash".into(), Value::String(hash));
    }
    Value::Object(e)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{builtin_resources, crd_resource_info};

    fn entry<'a>(list: &'a Value, name: &str) -> &'a Value {
        list["resources"]
            .as_array()
            .and_then(|rs| rs.iter().find(|r| r["name"] == name))
            .unwrap_or_else(|| panic!("{name} missing"))
    }

    #[test]
    fn group_list_shape() {
        let doc = api_group_list(builtin_resources());
        assert_eq!(doc["kind"], "APIGroupList");
        let groups = doc["groups"].as_array().expect("groups");
        assert_eq!(groups.len(), 19);
        assert_eq!(
            groups[0],
            json!({"name": "apiregistration.k8s.io",
                   "versions": [{"groupVersion": "apiregistration.k8s.io/v1", "version": "v1"}],
                   "preferredVersion": {"groupVersion": "apiregistration.k8s.io/v1", "version": "v1"}})
        );
        assert!(groups.iter().all(|g| g["name"] != ""));
        let autoscaling = api_group("autoscaling", builtin_resources()).expect("autoscaling");
        assert_eq!(autoscaling["kind"], "APIGroup");
        assert_eq!(
            autoscaling["preferredVersion"]["groupVersion"],
            "autoscaling/v2"
        );
        assert_eq!(autoscaling["versions"][1]["version"], "v1");
        assert!(api_group("", builtin_resources()).is_none());
        assert!(api_group("nope.example.com", builtin_resources()).is_none());
    }

    #[test]
    fn core_resource_list() {
        let doc = api_resource_list("", "v1", builtin_resources()).expect("core");
        assert_eq!(doc["groupVersion"], "v1");
        assert!(doc.get("apiVersion").is_none());
        let names: Vec<&str> = doc["resources"]
            .as_array()
            .expect("list")
            .iter()
            .filter_map(|r| r["name"].as_str())
            .collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        assert_eq!(names, sorted);
        assert_eq!(
            entry(&doc, "pods"),
            &json!({"name": "pods", "singularName": "pod", "namespaced": true, "kind": "Pod",
                    "verbs": ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
                    "shortNames": ["po"], "categories": ["all"], "storageVersionHash": "xPOwRZ+Yhw8="})
        );
        assert_eq!(
            entry(&doc, "pods/eviction"),
            &json!({"name": "pods/eviction", "singularName": "", "namespaced": true, "group": "policy",
                    "version": "v1", "kind": "Eviction", "verbs": ["create"]})
        );
        assert_eq!(
            entry(&doc, "pods/status"),
            &json!({"name": "pods/status", "singularName": "", "namespaced": true, "kind": "Pod",
                    "verbs": ["get", "patch", "update"]})
        );
        assert_eq!(
            entry(&doc, "serviceaccounts/token")["group"],
            "authentication.k8s.io"
        );
        assert_eq!(entry(&doc, "serviceaccounts/token")["kind"], "TokenRequest");
        assert!(entry(&doc, "bindings").get("storageVersionHash").is_none());
        assert!(entry(&doc, "secrets").get("shortNames").is_none());
    }

    #[test]
    fn apps_resource_list_and_crds() {
        let doc = api_resource_list("apps", "v1", builtin_resources()).expect("apps");
        assert_eq!(
            (doc["apiVersion"].as_str(), doc["groupVersion"].as_str()),
            (Some("v1"), Some("apps/v1"))
        );
        let scale = entry(&doc, "deployments/scale");
        assert_eq!(
            (scale["group"].as_str(), scale["version"].as_str()),
            (Some("autoscaling"), Some("v1"))
        );
        assert_eq!(scale["kind"], "Scale");
        assert!(api_resource_list("apps", "v1beta1", builtin_resources()).is_none());

        let crd = serde_json::json!({"spec": {"group": "stable.example.com", "scope": "Namespaced",
            "names": {"plural": "crontabs", "kind": "CronTab", "shortNames": ["ct"]},
            "versions": [{"name": "v1", "served": true, "storage": true, "subresources": {"status": {}}}]}});
        let mut all = builtin_resources().to_vec();
        all.extend(crd_resource_info(&crd).expect("crd"));
        let list = api_group_list(&all);
        let last = list["groups"]
            .as_array()
            .and_then(|g| g.last())
            .expect("groups");
        assert_eq!(last["name"], "stable.example.com");
        let doc = api_resource_list("stable.example.com", "v1", &all).expect("crd list");
        assert_eq!(entry(&doc, "crontabs")["verbs"][0], "delete");
        assert_eq!(entry(&doc, "crontabs/status")["kind"], "CronTab");
        assert!(entry(&doc, "crontabs/status").get("group").is_none());
    }
}
