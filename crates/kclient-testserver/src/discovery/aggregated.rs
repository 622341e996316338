//! Aggregated discovery (`apidiscovery.k8s.io` v2 and v2beta1 `APIGroupDiscoveryList`): the
//! whole `/api` or `/apis` tree in one document, which kubectl and client-go request first.

use serde_json::{Map, Value, json};

use super::{groups_in_order, resources_of, strings_value};
use crate::catalog::{self, ResourceInfo};

/// The group of the aggregated discovery types.
const DISCOVERY_GROUP: &str = "apidiscovery.k8s.io";
/// The kind clients ask for in the `as` media-type parameter.
const DISCOVERY_KIND: &str = "APIGroupDiscoveryList";

/// Which aggregated discovery version (`"v2"` or `"v2beta1"`) the `Accept` header asks for,
/// honouring the client's order of preference; `None` means the legacy documents.
pub fn accepts_aggregated(accept_header: &str) -> Option<&'static str> {
    accept_header.split(',').find_map(|media_type| {
        let mut parts = media_type.split(';').map(str::trim);
        if !parts.next()?.eq_ignore_ascii_case("application/json") {
            return None;
        }
        let (mut group, mut version, mut kind) = (None, None, None);
        for param in parts {
            let (key, value) = param.split_once('=')?;
            let value = value.trim().trim_matches('"');
            match key.trim() {
                "g" => group = Some(value),
                "v" => version = Some(value),
                "as" => kind = Some(value),
                _ => {}
            }
        }
        if group != Some(DISCOVERY_GROUP) || kind != Some(DISCOVERY_KIND) {
            return None;
        }
        match version? {
            "v2" => Some("v2"),
            "v2beta1" => Some("v2beta1"),
            _ => None,
        }
    })
}

/// The `Content-Type` of an aggregated discovery response of `version` (`"v2"`/`"v2beta1"`).
pub fn aggregated_content_type(version: &str) -> &'static str {
    if version == "v2beta1" {
        "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList"
    } else {
        "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
    }
}

/// The aggregated `/api` document (v2): the core group only.
pub fn aggregated_core(resources: &[ResourceInfo]) -> Value {
    aggregated_core_version(resources, "v2")
}

/// The aggregated `/apis` document (v2): every named group.
pub fn aggregated_groups(resources: &[ResourceInfo]) -> Value {
    aggregated_groups_version(resources, "v2")
}

/// [`aggregated_core`] in discovery version `version` (`"v2"` or `"v2beta1"`).
pub fn aggregated_core_version(resources: &[ResourceInfo], version: &str) -> Value {
    let versions = ["v1"];
    let items: Vec<Value> = if resources.iter().any(|r| r.group.is_empty()) {
        vec![group_item(resources, "", &versions)]
    } else {
        Vec::new()
    };
    list(items, version)
}

/// [`aggregated_groups`] in discovery version `version` (`"v2"` or `"v2beta1"`).
pub fn aggregated_groups_version(resources: &[ResourceInfo], version: &str) -> Value {
    let items: Vec<Value> = groups_in_order(resources)
        .iter()
        .map(|(group, versions)| group_item(resources, group, versions))
        .collect();
    list(items, version)
}

fn list(items: Vec<Value>, version: &str) -> Value {
    json!({
        "kind": DISCOVERY_KIND,
        "apiVersion": format!("{DISCOVERY_GROUP}/{}", if version == "v2beta1" { "v2beta1" } else { "v2" }),
        "metadata": {},
        "items": items
    })
}

fn group_item(resources: &[ResourceInfo], group: &str, versions: &[&str]) -> Value {
    let mut metadata = Map::new();
    if !group.is_empty() {
        metadata.insert("name".into(), Value::String(group.to_string()));
    }
    // Go serializes the zero metav1.Time as null; kube-apiserver's output carries it.
    metadata.insert("creationTimestamp".into(), Value::Null);
    let versions: Vec<Value> = versions
        .iter()
        .map(|version| {
            let list: Vec<Value> = resources_of(resources, group, version)
                .into_iter()
                .map(resource)
                .collect();
            json!({"version": version, "resources": list, "freshness": "Current"})
        })
        .collect();
    json!({"metadata": metadata, "versions": versions})
}

/// kube-apiserver leaves group and version empty in a built-in's responseKind when the kind
/// lives in the resource's own group-version; apiextensions-apiserver always fills them.
fn response_kind(r: &ResourceInfo, group: &str, version: &str, kind: &str) -> Value {
    let builtin = catalog::find_builtin(&r.group, &r.version, &r.plural).is_some();
    if builtin && group == r.group && version == r.version {
        json!({"group": "", "version": "", "kind": kind})
    } else {
        json!({"group": group, "version": version, "kind": kind})
    }
}

fn resource(r: &ResourceInfo) -> Value {
    let mut e = Map::new();
    e.insert("resource".into(), Value::String(r.plural.clone()));
    e.insert(
        "responseKind".into(),
        response_kind(r, &r.group, &r.version, &r.kind),
    );
    e.insert(
        "scope".into(),
        (if r.namespaced {
            "Namespaced"
        } else {
            "Cluster"
        })
        .into(),
    );
    e.insert("singularResource".into(), Value::String(r.singular.clone()));
    e.insert("verbs".into(), strings_value(&r.verbs));
    if !r.short_names.is_empty() {
        e.insert("shortNames".into(), strings_value(&r.short_names));
    }
    if !r.categories.is_empty() {
        e.insert("categories".into(), strings_value(&r.categories));
    }
    if !r.subresources.is_empty() {
        let subs: Vec<Value> = r
            .subresources
            .iter()
            .map(|s| {
                json!({
                    "subresource": s.name,
                    "responseKind": response_kind(r, &s.group, &s.version, &s.kind),
                    "verbs": strings_value(&s.verbs)
                })
            })
            .collect();
        e.insert("subresources".into(), Value::Array(subs));
    }
    Value::Object(e)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{builtin_resources, crd_resource_info};

    fn find<'a>(resources: &'a Value, name: &str) -> &'a Value {
        resources
            .as_array()
            .and_then(|rs| rs.iter().find(|r| r["resource"] == name))
            .unwrap_or_else(|| panic!("{name} missing"))
    }

    #[test]
    fn accept_negotiation() {
        let kubectl = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,\
                       application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";
        assert_eq!(accepts_aggregated(kubectl), Some("v2"));
        assert_eq!(
            accepts_aggregated(
                "application/json; g=apidiscovery.k8s.io; v=v2beta1; as=APIGroupDiscoveryList"
            ),
            Some("v2beta1")
        );
        assert_eq!(
            accepts_aggregated(
                "application/json;g=apidiscovery.k8s.io;v=v3;as=APIGroupDiscoveryList,application/json"
            ),
            None
        );
        assert_eq!(accepts_aggregated("application/json"), None);
        assert_eq!(
            accepts_aggregated("application/json;as=Table;v=v1;g=meta.k8s.io"),
            None
        );
        assert_eq!(accepts_aggregated(""), None);
        assert_eq!(
            aggregated_content_type("v2"),
            "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
        );
    }

    #[test]
    fn core_document() {
        let doc = aggregated_core(builtin_resources());
        assert_eq!(doc["apiVersion"], "apidiscovery.k8s.io/v2");
        assert_eq!(doc["kind"], "APIGroupDiscoveryList");
        let items = doc["items"].as_array().expect("items");
        assert_eq!(items.len(), 1);
        assert!(items[0]["metadata"].get("name").is_none());
        let v1 = &items[0]["versions"][0];
        assert_eq!(
            (v1["version"].as_str(), v1["freshness"].as_str()),
            (Some("v1"), Some("Current"))
        );
        let pods = find(&v1["resources"], "pods");
        assert_eq!(
            pods["responseKind"],
            json!({"group": "", "version": "", "kind": "Pod"})
        );
        assert_eq!(
            (pods["scope"].as_str(), pods["singularResource"].as_str()),
            (Some("Namespaced"), Some("pod"))
        );
        assert_eq!(pods["shortNames"], json!(["po"]));
        let subs = pods["subresources"].as_array().expect("subs");
        let eviction = subs
            .iter()
            .find(|s| s["subresource"] == "eviction")
            .expect("eviction");
        assert_eq!(
            eviction["responseKind"],
            json!({"group": "policy", "version": "v1", "kind": "Eviction"})
        );
        assert_eq!(find(&v1["resources"], "nodes")["scope"], "Cluster");
        assert_eq!(
            aggregated_core_version(builtin_resources(), "v2beta1")["apiVersion"],
            "apidiscovery.k8s.io/v2beta1"
        );
    }

    #[test]
    fn groups_document_with_crd() {
        let crd = json!({"spec": {"group": "stable.example.com", "scope": "Cluster",
            "names": {"plural": "crontabs", "kind": "CronTab", "categories": ["all"]},
            "versions": [{"name": "v1", "served": true, "storage": true,
                          "subresources": {"status": {}, "scale": {}}}]}});
        let mut all = builtin_resources().to_vec();
        all.extend(crd_resource_info(&crd).expect("crd"));
        let doc = aggregated_groups(&all);
        let items = doc["items"].as_array().expect("items");
        assert_eq!(items[0]["metadata"]["name"], "apiregistration.k8s.io");
        let apps = items
            .iter()
            .find(|i| i["metadata"]["name"] == "apps")
            .expect("apps");
        let deploy = find(&apps["versions"][0]["resources"], "deployments");
        let scale = deploy["subresources"]
            .as_array()
            .and_then(|s| s.iter().find(|s| s["subresource"] == "scale"));
        assert_eq!(
            scale.map(|s| s["responseKind"]["group"].clone()),
            Some(json!("autoscaling"))
        );
        let autoscaling = items
            .iter()
            .find(|i| i["metadata"]["name"] == "autoscaling")
            .expect("autoscaling");
        assert_eq!(autoscaling["versions"][0]["version"], "v2");
        let custom = items.last().expect("custom");
        assert_eq!(custom["metadata"]["name"], "stable.example.com");
        let crontabs = find(&custom["versions"][0]["resources"], "crontabs");
        assert_eq!(
            crontabs["responseKind"],
            json!({"group": "stable.example.com", "version": "v1", "kind": "CronTab"})
        );
        assert_eq!(crontabs["scope"], "Cluster");
        assert_eq!(crontabs["categories"], json!(["all"]));
        assert!(items.iter().all(|i| i["metadata"]["name"] != ""));
    }
}
