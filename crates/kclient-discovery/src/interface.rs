//! The discovery interfaces (client-go's `DiscoveryInterface`, `AggregatedDiscoveryInterface`
//! and `CachedDiscoveryInterface`) and the whole-server algorithms built on them.
//!
//! Implementors provide the per-document calls; [`Discovery::server_groups_and_resources`]
//! and the preferred-resources calls are provided, so the plain client and both caches
//! answer them the same way.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;

use futures::future::join_all;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{APIGroup, APIGroupList, APIResourceList};
use k8s_openapi::apimachinery::pkg::version::Info;
use kclient_core::gvk::{GroupResource, GroupVersion};
use kclient_core::restmapper::ApiGroupResources;

use crate::error::{DiscoveryError, Partial, parse_group_version};
use crate::openapi::OpenApiV3Paths;

/// Groups, and — when the server sent them in the same answer (aggregated discovery) —
/// the resources of every group-version.
#[derive(Clone, Debug, Default)]
pub struct GroupsAndMaybeResources {
    /// The groups, versions preferred first.
    pub groups: APIGroupList,
    /// The resources by group-version; `None` when they must be fetched one group-version
    /// at a time (legacy discovery).
    pub resources: Option<BTreeMap<GroupVersion, APIResourceList>>,
    /// Group-versions the aggregated answer marked as failed (stale).
    pub failed: BTreeMap<GroupVersion, DiscoveryError>,
}

/// Every group and the resources of every group-version.
#[derive(Clone, Debug, Default)]
pub struct GroupsAndResources {
    /// The groups, in the server's order.
    pub groups: Vec<APIGroup>,
    /// One list per discovered group-version, in group then version order.
    pub resources: Vec<APIResourceList>,
}

/// Discovery of what a server serves (client-go's `DiscoveryInterface`).
pub trait Discovery: Send + Sync {
    /// `/version`.
    fn server_version(&self) -> impl Future<Output = Result<Info, DiscoveryError>> + Send;

    /// Every group with its versions (`/api` + `/apis`).
    fn server_groups(&self) -> impl Future<Output = Result<APIGroupList, DiscoveryError>> + Send;

    /// The resources of one group-version (`/api/v1`, `/apis/{group}/{version}`).
    fn server_resources_for_group_version(
        &self,
        gv: &GroupVersion,
    ) -> impl Future<Output = Result<APIResourceList, DiscoveryError>> + Send;

    /// [`Discovery::server_resources_for_group_version`] for an `apiVersion` string
    /// (`"v1"`, `"apps/v1"`), as client-go takes it; a malformed string is
    /// [`DiscoveryError::InvalidGroupVersion`].
    fn server_resources(
        &self,
        group_version: &str,
    ) -> impl Future<Output = Result<APIResourceList, DiscoveryError>> + Send {
        async move {
            let gv = parse_group_version(group_version)?;
            self.server_resources_for_group_version(&gv).await
        }
    }

    /// Groups, and resources when one answer carried them (client-go's
    /// `AggregatedDiscoveryInterface::GroupsAndMaybeResources`). Defaults to
    /// [`Discovery::server_groups`] without resources.
    fn groups_and_maybe_resources(
        &self,
    ) -> impl Future<Output = Result<GroupsAndMaybeResources, DiscoveryError>> + Send {
        async move {
            Ok(GroupsAndMaybeResources {
                groups: self.server_groups().await?,
                resources: None,
                failed: BTreeMap::new(),
            })
        }
    }

    /// The OpenAPI v2 document (`/openapi/v2`) as JSON.
    fn openapi_v2(&self) -> impl Future<Output = Result<serde_json::Value, DiscoveryError>> + Send;

    /// The OpenAPI v3 index (`/openapi/v3`): one document path per group-version.
    fn openapi_v3(&self) -> impl Future<Output = Result<OpenApiV3Paths, DiscoveryError>> + Send;

    /// Every group and every group-version's resources (client-go's
    /// `ServerGroupsAndResources`). Group-versions that failed are named in
    /// [`Partial::failed`]; everything else is still returned.
    fn server_groups_and_resources(
        &self,
    ) -> impl Future<Output = Result<Partial<GroupsAndResources>, DiscoveryError>> + Send {
        server_groups_and_resources_of(self)
    }

    /// For every group-resource, its resources in the group's preferred version (or the
    /// first version serving it when the preferred one does not); subresources left out
    /// (client-go's `ServerPreferredResources`). One list per group-version, possibly empty.
    fn server_preferred_resources(
        &self,
    ) -> impl Future<Output = Result<Partial<Vec<APIResourceList>>, DiscoveryError>> + Send {
        server_preferred_resources_of(self)
    }

    /// [`Discovery::server_preferred_resources`] restricted to namespaced resources; lists
    /// left empty are dropped (client-go's `ServerPreferredNamespacedResources`).
    fn server_preferred_namespaced_resources(
        &self,
    ) -> impl Future<Output = Result<Partial<Vec<APIResourceList>>, DiscoveryError>> + Send {
        async move {
            let all = self.server_preferred_resources().await?;
            Ok(all.map(|lists| {
                lists
                    .into_iter()
                    .filter_map(|mut list| {
                        list.resources.retain(|r| r.namespaced);
                        (!list.resources.is_empty()).then_some(list)
                    })
                    .collect()
            }))
        }
    }

    /// The groups with their resources by version, the shape RESTMappers are built from
    /// (client-go's `restmapper.GetAPIGroupResources`).
    fn api_group_resources(
        &self,
    ) -> impl Future<Output = Result<Partial<Vec<ApiGroupResources>>, DiscoveryError>> + Send {
        async move {
            let all = self.server_groups_and_resources().await?;
            Ok(all.map(to_api_group_resources))
        }
    }
}

/// A discovery cache (client-go's `CachedDiscoveryInterface`).
pub trait CachedDiscovery: Discovery {
    /// True when everything answered so far came from the server during this cache's life
    /// (not from an earlier process's files): a miss then means the server really does not
    /// serve it, and refetching would not help.
    fn fresh(&self) -> bool;

    /// Forgets everything, so the next call asks the server again.
    fn invalidate(&self);
}

impl<D: Discovery + ?Sized> Discovery for Arc<D> {
    fn server_version(&self) -> impl Future<Output = Result<Info, DiscoveryError>> + Send {
        (**self).server_version()
    }
    fn server_groups(&self) -> impl Future<Output = Result<APIGroupList, DiscoveryError>> + Send {
        (**self).server_groups()
    }
    fn server_resources_for_group_version(
        &self,
        gv: &GroupVersion,
    ) -> impl Future<Output = Result<APIResourceList, DiscoveryError>> + Send {
        (**self).server_resources_for_group_version(gv)
    }
    fn groups_and_maybe_resources(
        &self,
    ) -> impl Future<Output = Result<GroupsAndMaybeResources, DiscoveryError>> + Send {
        (**self).groups_and_maybe_resources()
    }
    fn openapi_v2(&self) -> impl Future<Output = Result<serde_json::Value, DiscoveryError>> + Send {
        (**self).openapi_v2()
    }
    fn openapi_v3(&self) -> impl Future<Output = Result<OpenApiV3Paths, DiscoveryError>> + Send {
        (**self).openapi_v3()
    }
    fn server_groups_and_resources(
        &self,
    ) -> impl Future<Output = Result<Partial<GroupsAndResources>, DiscoveryError>> + Send {
        (**self).server_groups_and_resources()
    }
    fn server_preferred_resources(
        &self,
    ) -> impl Future<Output = Result<Partial<Vec<APIResourceList>>, DiscoveryError>> + Send {
        (**self).server_preferred_resources()
    }
}

impl<D: CachedDiscovery + ?Sized> CachedDiscovery for Arc<D> {
    fn fresh(&self) -> bool {
        (**self).fresh()
    }
    fn invalidate(&self) {
        (**self).invalidate()
    }
}

/// [`Discovery::server_groups_and_resources`]'s algorithm, for implementors that wrap it.
pub(crate) async fn server_groups_and_resources_of<D: Discovery + ?Sized>(
    d: &D,
) -> Result<Partial<GroupsAndResources>, DiscoveryError> {
    let (groups, mut by_gv, failed) = groups_and_all_resources(d).await?;
    let mut resources = Vec::with_capacity(by_gv.len());
    for gv in group_versions(&groups) {
        if let Some(list) = by_gv.remove(&gv) {
            resources.push(list);
        }
    }
    Ok(Partial::new(
        GroupsAndResources {
            groups: groups.groups,
            resources,
        },
        failed,
    ))
}

/// [`Discovery::server_preferred_resources`]'s algorithm, for implementors that wrap it.
pub(crate) async fn server_preferred_resources_of<D: Discovery + ?Sized>(
    d: &D,
) -> Result<Partial<Vec<APIResourceList>>, DiscoveryError> {
    let (groups, by_gv, failed) = groups_and_all_resources(d).await?;
    Ok(Partial::new(preferred(&groups, &by_gv), failed))
}

/// Every group-version of `groups`, in order.
pub(crate) fn group_versions(groups: &APIGroupList) -> Vec<GroupVersion> {
    groups
        .groups
        .iter()
        .flat_map(|g| {
            g.versions
                .iter()
                .map(move |v| GroupVersion::new(g.name.clone(), v.version.clone()))
        })
        .collect()
}

type AllResources = (
    APIGroupList,
    BTreeMap<GroupVersion, APIResourceList>,
    BTreeMap<GroupVersion, DiscoveryError>,
);

/// Groups and every group-version's resources: from the aggregated answer when there is
/// one, else fetched one group-version at a time, all in parallel.
async fn groups_and_all_resources<D: Discovery + ?Sized>(
    d: &D,
) -> Result<AllResources, DiscoveryError> {
    let found = d.groups_and_maybe_resources().await?;
    if let Some(resources) = found.resources {
        return Ok((found.groups, resources, found.failed));
    }
    let (resources, failed) = fetch_group_version_resources(d, &found.groups).await;
    Ok((found.groups, resources, failed))
}

/// Fetches the resources of every group-version of `groups` in parallel (client-go's
/// `fetchGroupVersionResources`); each failure is recorded against its group-version.
pub(crate) async fn fetch_group_version_resources<D: Discovery + ?Sized>(
    d: &D,
    groups: &APIGroupList,
) -> (
    BTreeMap<GroupVersion, APIResourceList>,
    BTreeMap<GroupVersion, DiscoveryError>,
) {
    let gvs = group_versions(groups);
    let results = join_all(
        gvs.iter()
            .map(|gv| d.server_resources_for_group_version(gv)),
    )
    .await;
    let mut resources = BTreeMap::new();
    let mut failed = BTreeMap::new();
    for (gv, result) in gvs.into_iter().zip(results) {
        match result {
            Ok(list) => {
                resources.insert(gv, list);
            }
            Err(err) => {
                failed.insert(gv, err);
            }
        }
    }
    (resources, failed)
}

fn preferred(
    groups: &APIGroupList,
    by_gv: &BTreeMap<GroupVersion, APIResourceList>,
) -> Vec<APIResourceList> {
    // First pass: pick the version of each group-resource (the first version serving it,
    // overridden by the preferred version).
    let mut chosen: BTreeMap<GroupResource, String> = BTreeMap::new();
    for group in &groups.groups {
        let preferred = group.preferred_version.as_ref().map(|v| v.version.as_str());
        for version in &group.versions {
            let gv = GroupVersion::new(group.name.clone(), version.version.clone());
            let Some(list) = by_gv.get(&gv) else { continue };
            for r in list.resources.iter().filter(|r| !r.name.contains('/')) {
                let gr = GroupResource::new(group.name.clone(), r.name.clone());
                if chosen.contains_key(&gr) && preferred != Some(version.version.as_str()) {
                    continue;
                }
                chosen.insert(gr, version.version.clone());
            }
        }
    }
    // Second pass: one list per group-version, in discovery order.
    let mut out = Vec::new();
    for group in &groups.groups {
        for version in &group.versions {
            let gv = GroupVersion::new(group.name.clone(), version.version.clone());
            let Some(list) = by_gv.get(&gv) else { continue };
            let resources = list
                .resources
                .iter()
                .filter(|r| !r.name.contains('/'))
                .filter(|r| {
                    chosen.get(&GroupResource::new(group.name.clone(), r.name.clone()))
                        == Some(&version.version)
                })
                .cloned()
                .collect();
            out.push(APIResourceList {
                group_version: version.group_version.clone(),
                resources,
            });
        }
    }
    out
}

fn to_api_group_resources(all: GroupsAndResources) -> Vec<ApiGroupResources> {
    let by_gv: BTreeMap<&str, &APIResourceList> = all
        .resources
        .iter()
        .map(|l| (l.group_version.as_str(), l))
        .collect();
    all.groups
        .iter()
        .map(|group| {
            let mut versioned = BTreeMap::new();
            for version in &group.versions {
                if let Some(list) = by_gv.get(version.group_version.as_str()) {
                    versioned.insert(version.version.clone(), list.resources.clone());
                }
            }
            ApiGroupResources {
                group: group.clone(),
                versioned_resources: versioned,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::{APIResource, GroupVersionForDiscovery};

    fn res(name: &str, namespaced: bool) -> APIResource {
        APIResource {
            name: name.into(),
            namespaced,
            kind: "K".into(),
            ..APIResource::default()
        }
    }

    fn group(name: &str, versions: &[&str], preferred: &str) -> APIGroup {
        let gvd = |v: &str| GroupVersionForDiscovery {
            group_version: GroupVersion::new(name, v).to_string(),
            version: v.into(),
        };
        APIGroup {
            name: name.into(),
            versions: versions.iter().map(|v| gvd(v)).collect(),
            preferred_version: Some(gvd(preferred)),
            ..APIGroup::default()
        }
    }

    #[test]
    fn preferred_picks_the_preferred_version_per_resource() {
        // autoscaling lists v2 first and prefers v2; hpa exists in both, "old" only in v1.
        let groups = APIGroupList {
            groups: vec![group("autoscaling", &["v2", "v1"], "v2")],
        };
        let mut by_gv = BTreeMap::new();
        by_gv.insert(
            GroupVersion::new("autoscaling", "v2"),
            APIResourceList {
                group_version: "autoscaling/v2".into(),
                resources: vec![res("hpa", true), res("hpa/status", true)],
            },
        );
        by_gv.insert(
            GroupVersion::new("autoscaling", "v1"),
            APIResourceList {
                group_version: "autoscaling/v1".into(),
                resources: vec![res("hpa", true), res("old", false)],
            },
        );
        let lists = preferred(&groups, &by_gv);
        let names: Vec<(String, Vec<String>)> = lists
            .iter()
            .map(|l| {
                (
                    l.group_version.clone(),
                    l.resources.iter().map(|r| r.name.clone()).collect(),
                )
            })
            .collect();
        assert_eq!(
            names,
            [
                ("autoscaling/v2".to_owned(), vec!["hpa".to_owned()]),
                ("autoscaling/v1".to_owned(), vec!["old".to_owned()]),
            ]
        );
    }
}
