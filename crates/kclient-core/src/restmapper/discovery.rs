//! Building a mapper from discovery, client-go's `restmapper.NewDiscoveryRESTMapper`.

use crate::gvk::{GroupVersion, GroupVersionKind, GroupVersionResource};
use crate::resource::Scope;

use super::priority::{ANY_KIND, ANY_RESOURCE, ANY_VERSION};
use super::{
    ApiGroupResources, DefaultRestMapper, MultiRestMapper, PriorityRestMapper,
    unsafe_guess_kind_to_resource,
};

/// A mapper over what discovery reported, with client-go's priority rules.
///
/// Every served group version becomes one [`DefaultRestMapper`] in a union. Ambiguous answers
/// are settled in this order: the core `v1` group version first; then, group by group in
/// discovery order, the group's preferred version followed by its other versions in discovery
/// order; then any version of each group, again in discovery order.
///
/// Subresources (`pods/status`) are not mapped. Kinds are also mapped under their lower-cased
/// name, so `rest_mapping` accepts `deployment` as a kind. Unlike client-go, no `…List` kinds
/// are guessed into resources: `podlists` is not served by any server, and a mapper that
/// resolves it only turns a clear "unknown resource type" into a 404 from the server.
///
/// ```
/// use kclient_core::gvk::GroupVersionResource;
/// use kclient_core::k8s_openapi::apimachinery::pkg::apis::meta::v1::{
///     APIGroup, APIResource, GroupVersionForDiscovery,
/// };
/// use kclient_core::restmapper::{from_api_group_resources, ApiGroupResources, RestMapper};
///
/// let v1 = GroupVersionForDiscovery { group_version: "v1".into(), version: "v1".into() };
/// let core = ApiGroupResources {
///     group: APIGroup { versions: vec![v1.clone()], preferred_version: Some(v1), ..Default::default() },
///     versioned_resources: [(
///         "v1".to_string(),
///         vec![APIResource {
///             name: "pods".into(),
///             singular_name: "pod".into(),
///             kind: "Pod".into(),
///             namespaced: true,
///             ..Default::default()
///         }],
///     )]
///     .into(),
/// };
/// let mapper = from_api_group_resources(&[core]);
/// let pods = mapper.resource_for(&GroupVersionResource::gvr("", "", "pod")).unwrap();
/// assert_eq!(pods, GroupVersionResource::gvr("", "v1", "pods"));
/// ```
pub fn from_api_group_resources(groups: &[ApiGroupResources]) -> PriorityRestMapper {
    let mut union = MultiRestMapper::default();
    let mut priority: Vec<GroupVersion> = vec![GroupVersion::new("", "v1")];

    for group in groups {
        let name = group.group.name.as_str();
        let preferred = group
            .group
            .preferred_version
            .as_ref()
            .map(|p| p.version.as_str())
            .filter(|v| !v.is_empty());
        if let Some(preferred) = preferred {
            if group.versioned_resources.contains_key(preferred) {
                priority.push(GroupVersion::new(name, preferred));
            }
        }
        for version in &group.group.versions {
            let Some(resources) = group.versioned_resources.get(&version.version) else {
                continue;
            };
            if Some(version.version.as_str()) != preferred {
                priority.push(GroupVersion::new(name, version.version.clone()));
            }
            let gv = GroupVersion::new(name, version.version.clone());
            let mut mapper = DefaultRestMapper::new(vec![gv.clone()]);
            for resource in resources {
                if resource.name.contains('/') {
                    continue;
                }
                let scope = if resource.namespaced {
                    Scope::Namespaced
                } else {
                    Scope::Cluster
                };
                let kind = gv.with_kind(resource.kind.clone());
                let plural = gv.with_resource(resource.name.clone());
                let singular = if !resource.singular_name.is_empty() {
                    gv.with_resource(resource.singular_name.clone())
                } else if !resource.kind.is_empty() {
                    // Old servers do not report singular names; guess like client-go.
                    unsafe_guess_kind_to_resource(&kind).1
                } else {
                    plural.clone()
                };
                let lower_kind = gv.with_kind(resource.kind.to_lowercase());
                if lower_kind != kind {
                    mapper.add_specific(lower_kind, plural.clone(), singular.clone(), scope);
                }
                mapper.add_specific(kind, plural, singular, scope);
            }
            union.push(mapper);
        }
    }

    let mut resource_priority: Vec<GroupVersionResource> = priority
        .iter()
        .map(|gv| gv.with_resource(ANY_RESOURCE))
        .collect();
    let mut kind_priority: Vec<GroupVersionKind> =
        priority.iter().map(|gv| gv.with_kind(ANY_KIND)).collect();
    for group in groups {
        let any = GroupVersion::new(group.group.name.clone(), ANY_VERSION);
        resource_priority.push(any.with_resource(ANY_RESOURCE));
        kind_priority.push(any.with_kind(ANY_KIND));
    }
    PriorityRestMapper::new(union, resource_priority, kind_priority)
}
