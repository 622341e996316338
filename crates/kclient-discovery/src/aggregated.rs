//! Aggregated discovery (`apidiscovery.k8s.io/v2`, and v2beta1 which has the same shape): the
//! whole `/api` or `/apis` tree in one document. k8s-openapi has no apidiscovery types, so
//! they are defined here, with the conversion into the legacy shapes
//! (`APIGroupList` + one `APIResourceList` per group-version) that everything else uses
//! (client-go's `SplitGroupsAndResources`).

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{
    APIGroup, APIGroupList, APIResource, APIResourceList, GroupVersionForDiscovery,
};
use kclient_core::gvk::GroupVersion;
use serde::{Deserialize, Serialize};

use crate::error::DiscoveryError;

/// The `Accept` header of discovery requests on `/api` and `/apis`: aggregated v2 first,
/// then the legacy documents.
pub const ACCEPT_AGGREGATED: &str =
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json";

/// The `Accept` header when only the legacy documents are wanted.
pub const ACCEPT_LEGACY: &str = "application/json";

/// `freshness` of a version whose aggregated API server did not answer recently.
pub const FRESHNESS_STALE: &str = "Stale";

/// `scope` of namespaced resources.
pub const SCOPE_NAMESPACE: &str = "Namespaced";

/// `apidiscovery.k8s.io/v2` `APIGroupDiscoveryList`: every group of `/api` or `/apis`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiGroupDiscoveryList {
    /// The groups, in the server's priority order.
    #[serde(default)]
    pub items: Vec<ApiGroupDiscovery>,
}

/// Only the name of a discovery item's metadata matters.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DiscoveryMeta {
    /// The group name; absent (empty) for the core group.
    #[serde(default)]
    pub name: String,
}

/// One group (`APIGroupDiscovery`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiGroupDiscovery {
    /// `metadata.name` is the group.
    #[serde(default)]
    pub metadata: DiscoveryMeta,
    /// Versions, preferred first.
    #[serde(default)]
    pub versions: Vec<ApiVersionDiscovery>,
}

/// One version of a group (`APIVersionDiscovery`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiVersionDiscovery {
    /// The version, e.g. `v1`.
    pub version: String,
    /// The resources of this group-version.
    #[serde(default)]
    pub resources: Vec<ApiResourceDiscovery>,
    /// `Current`, or `Stale` when an aggregated API server did not answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub freshness: Option<String>,
}

/// The kind a resource or subresource answers with.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ResponseKind {
    /// Group of the kind (empty: the resource's own group, for built-ins).
    #[serde(default)]
    pub group: String,
    /// Version of the kind (empty: the resource's own version, for built-ins).
    #[serde(default)]
    pub version: String,
    /// The kind.
    #[serde(default)]
    pub kind: String,
}

/// One resource (`APIResourceDiscovery`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiResourceDiscovery {
    /// Plural name (`deployments`).
    pub resource: String,
    /// The kind; resources without one are skipped, as client-go does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_kind: Option<ResponseKind>,
    /// `Namespaced` or `Cluster`.
    #[serde(default)]
    pub scope: String,
    /// Singular name (`deployment`).
    #[serde(default)]
    pub singular_resource: String,
    /// Supported verbs.
    #[serde(default)]
    pub verbs: Vec<String>,
    /// Short names (`deploy`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub short_names: Vec<String>,
    /// Categories (`all`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<String>,
    /// Subresources (`status`, `scale`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subresources: Vec<ApiSubresourceDiscovery>,
}

/// One subresource (`APISubresourceDiscovery`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiSubresourceDiscovery {
    /// Name (`status`).
    pub subresource: String,
    /// The kind; subresources without one are skipped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_kind: Option<ResponseKind>,
    /// Media types accepted on writes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accepted_types: Vec<ResponseKind>,
    /// Supported verbs.
    #[serde(default)]
    pub verbs: Vec<String>,
}

/// Whether a response `Content-Type` is an aggregated discovery document (v2 or v2beta1).
pub fn is_aggregated_content_type(content_type: &str) -> bool {
    let mut parts = content_type.split(';').map(str::trim);
    if !parts
        .next()
        .is_some_and(|m| m.eq_ignore_ascii_case("application/json"))
    {
        return false;
    }
    let (mut group, mut version, mut kind) = (None, None, None);
    for param in parts {
        if let Some((key, value)) = param.split_once('=') {
            let value = value.trim().trim_matches('"');
            match key.trim() {
                "g" => group = Some(value),
                "v" => version = Some(value),
                "as" => kind = Some(value),
                _ => {}
            }
        }
    }
    group == Some("apidiscovery.k8s.io")
        && kind == Some("APIGroupDiscoveryList")
        && matches!(version, Some("v2" | "v2beta1"))
}

/// The legacy shapes of an aggregated document.
#[derive(Clone, Debug, Default)]
pub struct SplitDiscovery {
    /// The groups, versions preferred first (stale versions left out).
    pub groups: APIGroupList,
    /// The resources of each fresh group-version.
    pub resources: BTreeMap<GroupVersion, APIResourceList>,
    /// Group-versions marked stale.
    pub failed: BTreeMap<GroupVersion, DiscoveryError>,
}

/// Splits an aggregated document into groups and per-group-version resource lists,
/// subresources becoming `parent/sub` entries (client-go's `SplitGroupsAndResources`).
pub fn split_groups_and_resources(list: ApiGroupDiscoveryList) -> SplitDiscovery {
    let mut out = SplitDiscovery::default();
    for group in list.items {
        let name = group.metadata.name;
        let mut api_group = APIGroup {
            name: name.clone(),
            ..APIGroup::default()
        };
        for version in group.versions {
            let gv = GroupVersion::new(name.clone(), version.version.clone());
            if version.freshness.as_deref() == Some(FRESHNESS_STALE) {
                out.failed
                    .insert(gv.clone(), DiscoveryError::StaleGroupVersion(gv));
                continue;
            }
            let for_discovery = GroupVersionForDiscovery {
                group_version: gv.to_string(),
                version: version.version.clone(),
            };
            if api_group.versions.is_empty() {
                api_group.preferred_version = Some(for_discovery.clone());
            }
            api_group.versions.push(for_discovery);
            let list = APIResourceList {
                group_version: gv.to_string(),
                resources: convert_resources(version.resources),
            };
            out.resources.insert(gv, list);
        }
        out.groups.groups.push(api_group);
    }
    out
}

fn convert_resources(resources: Vec<ApiResourceDiscovery>) -> Vec<APIResource> {
    let mut out = Vec::with_capacity(resources.len());
    for r in resources {
        let parent = APIResource {
            name: r.resource,
            singular_name: r.singular_resource,
            namespaced: r.scope == SCOPE_NAMESPACE,
            verbs: r.verbs,
            short_names: (!r.short_names.is_empty()).then_some(r.short_names),
            categories: (!r.categories.is_empty()).then_some(r.categories),
            group: r.response_kind.as_ref().map(|k| k.group.clone()),
            version: r.response_kind.as_ref().map(|k| k.version.clone()),
            kind: r
                .response_kind
                .as_ref()
                .map(|k| k.kind.clone())
                .unwrap_or_default(),
            storage_version_hash: None,
        };
        // A resource without a kind is dropped but still names its subresources, as in
        // client-go (the partial parent is only used for the subresources' names and scope).
        let subresources: Vec<APIResource> = r
            .subresources
            .into_iter()
            .filter_map(|s| {
                let kind = s.response_kind?;
                Some(APIResource {
                    name: format!("{}/{}", parent.name, s.subresource),
                    singular_name: parent.singular_name.clone(),
                    namespaced: parent.namespaced,
                    group: Some(kind.group),
                    version: Some(kind.version),
                    kind: kind.kind,
                    verbs: s.verbs,
                    ..APIResource::default()
                })
            })
            .collect();
        if r.response_kind.is_some() {
            out.push(parent);
        }
        out.extend(subresources);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn content_types() {
        assert!(is_aggregated_content_type(
            "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
        ));
        assert!(is_aggregated_content_type(
            "application/json; g=apidiscovery.k8s.io; v=v2beta1; as=APIGroupDiscoveryList"
        ));
        assert!(!is_aggregated_content_type("application/json"));
        assert!(!is_aggregated_content_type(
            "application/json;g=apidiscovery.k8s.io;v=v3;as=APIGroupDiscoveryList"
        ));
        assert!(!is_aggregated_content_type(""));
    }

    #[test]
    fn split_converts_resources_subresources_and_stale_versions() {
        let doc: ApiGroupDiscoveryList = serde_json::from_value(json!({
            "kind": "APIGroupDiscoveryList", "apiVersion": "apidiscovery.k8s.io/v2",
            "items": [{
                "metadata": {"name": "apps", "creationTimestamp": null},
                "versions": [
                    {"version": "v1", "freshness": "Current", "resources": [{
                        "resource": "deployments", "scope": "Namespaced",
                        "singularResource": "deployment", "verbs": ["get", "list"],
                        "shortNames": ["deploy"], "categories": ["all"],
                        "responseKind": {"group": "", "version": "", "kind": "Deployment"},
                        "subresources": [
                            {"subresource": "scale", "verbs": ["get"],
                             "responseKind": {"group": "autoscaling", "version": "v1", "kind": "Scale"}},
                            {"subresource": "nokind", "verbs": ["get"]}
                        ]
                    }, {
                        "resource": "kindless", "scope": "Cluster", "verbs": [],
                        "subresources": [{"subresource": "status", "verbs": ["get"],
                            "responseKind": {"group": "apps", "version": "v1", "kind": "Kindless"}}]
                    }]},
                    {"version": "v1beta1", "freshness": "Stale", "resources": []}
                ]
            }]
        }))
        .unwrap();
        let split = split_groups_and_resources(doc);
        let apps = &split.groups.groups[0];
        assert_eq!(apps.name, "apps");
        assert_eq!(apps.versions.len(), 1);
        assert_eq!(
            apps.preferred_version
                .as_ref()
                .map(|v| v.group_version.as_str()),
            Some("apps/v1")
        );
        let v1 = &split.resources[&GroupVersion::new("apps", "v1")];
        let names: Vec<&str> = v1.resources.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(
            names,
            ["deployments", "deployments/scale", "kindless/status"]
        );
        let deploy = &v1.resources[0];
        assert!(deploy.namespaced);
        assert_eq!(deploy.kind, "Deployment");
        assert_eq!(
            deploy.short_names.as_deref(),
            Some(&["deploy".to_owned()][..])
        );
        let scale = &v1.resources[1];
        assert_eq!(
            (scale.group.as_deref(), scale.kind.as_str()),
            (Some("autoscaling"), "Scale")
        );
        assert!(scale.namespaced);
        assert!(matches!(
            split.failed.get(&GroupVersion::new("apps", "v1beta1")),
            Some(DiscoveryError::StaleGroupVersion(_))
        ));
    }
}
