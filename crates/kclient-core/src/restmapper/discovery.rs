//! Building a mapper from discovery, client-go's `restmapper.NewDiscoveryRESTMapper`.

use std::collections::HashMap;

use crate::gvk::{GroupKind, GroupVersion, GroupVersionKind, GroupVersionResource};
use crate::resource::Scope;

use super::priority::{ANY_KIND, ANY_RESOURCE, ANY_VERSION};
use super::{
    ApiGroupResources, DefaultRestMapper, PriorityRestMapper, RestMapper, RestMapperError,
    RestMapping, multi, unsafe_guess_kind_to_resource,
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
    let mut union = DiscoveryUnion::default();
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
            union.push(mapper, name);
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

/// The union client-go builds from discovery — one [`DefaultRestMapper`] per group version,
/// answering exactly as a [`MultiRestMapper`](super::MultiRestMapper) of them would — indexed
/// by group and by resource name, so a lookup only asks the few mappers that can match
/// instead of every group version of the cluster.
#[derive(Debug, Default)]
struct DiscoveryUnion {
    mappers: Vec<DefaultRestMapper>,
    groups: Vec<String>,
    by_group: HashMap<String, Vec<usize>>,
    by_name: HashMap<String, Vec<usize>>,
}

impl DiscoveryUnion {
    fn push(&mut self, mapper: DefaultRestMapper, group: &str) {
        let index = self.mappers.len();
        self.by_group
            .entry(group.to_owned())
            .or_default()
            .push(index);
        for name in mapper.names() {
            self.by_name.entry(name.to_owned()).or_default().push(index);
        }
        self.groups.push(group.to_owned());
        self.mappers.push(mapper);
    }

    fn all(&self) -> Vec<&dyn RestMapper> {
        self.mappers.iter().map(|m| m as &dyn RestMapper).collect()
    }

    /// The mappers that may match a partial resource: those serving its name (and group, if
    /// given), in union order. Inputs the mappers reject themselves go to all of them, so the
    /// error is theirs.
    fn for_resource(&self, resource: &GroupVersionResource) -> Vec<&dyn RestMapper> {
        if resource.resource.is_empty() {
            return self.all();
        }
        let name = resource.resource.to_lowercase();
        self.by_name
            .get(&name)
            .into_iter()
            .flatten()
            .filter(|&&i| resource.group.is_empty() || self.groups[i] == resource.group)
            .map(|&i| &self.mappers[i] as &dyn RestMapper)
            .collect()
    }

    /// The mappers of a kind's group, in union order.
    fn for_kind(&self, group_kind: &GroupKind) -> Vec<&dyn RestMapper> {
        self.by_group
            .get(&group_kind.group)
            .into_iter()
            .flatten()
            .map(|&i| &self.mappers[i] as &dyn RestMapper)
            .collect()
    }
}

impl RestMapper for DiscoveryUnion {
    fn kind_for(
        &self,
        resource: &GroupVersionResource,
    ) -> Result<GroupVersionKind, RestMapperError> {
        multi::single_kind(resource, self.kinds_for(resource)?)
    }

    fn kinds_for(
        &self,
        resource: &GroupVersionResource,
    ) -> Result<Vec<GroupVersionKind>, RestMapperError> {
        multi::kinds_for(self.for_resource(resource), resource)
    }

    fn resource_for(
        &self,
        resource: &GroupVersionResource,
    ) -> Result<GroupVersionResource, RestMapperError> {
        multi::single_resource(resource, self.resources_for(resource)?)
    }

    fn resources_for(
        &self,
        resource: &GroupVersionResource,
    ) -> Result<Vec<GroupVersionResource>, RestMapperError> {
        multi::resources_for(self.for_resource(resource), resource)
    }

    fn rest_mapping(
        &self,
        group_kind: &GroupKind,
        versions: &[&str],
    ) -> Result<RestMapping, RestMapperError> {
        multi::rest_mapping(self.for_kind(group_kind), group_kind, versions)
    }

    fn rest_mappings(
        &self,
        group_kind: &GroupKind,
        versions: &[&str],
    ) -> Result<Vec<RestMapping>, RestMapperError> {
        multi::rest_mappings(self.for_kind(group_kind), group_kind, versions)
    }

    fn resource_singularizer(&self, resource: &str) -> Result<String, RestMapperError> {
        let query = GroupVersionResource::gvr("", "", resource);
        multi::resource_singularizer(self.for_resource(&query), resource)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::restmapper::{MultiRestMapper, builtin_api_group_resources};
    use proptest::prelude::*;

    /// The same per-group-version mappers, once indexed and once as a plain union.
    fn both() -> (DiscoveryUnion, MultiRestMapper) {
        let groups = builtin_api_group_resources();
        let mut indexed = DiscoveryUnion::default();
        let mut plain = MultiRestMapper::default();
        for group in &groups {
            for version in &group.group.versions {
                let gv = GroupVersion::new(group.group.name.clone(), version.version.clone());
                let mut m = DefaultRestMapper::new(vec![gv.clone()]);
                for r in &group.versioned_resources[&version.version] {
                    let scope = if r.namespaced {
                        Scope::Namespaced
                    } else {
                        Scope::Cluster
                    };
                    m.add_specific(
                        gv.with_kind(r.kind.clone()),
                        gv.with_resource(r.name.clone()),
                        gv.with_resource(r.singular_name.clone()),
                        scope,
                    );
                }
                indexed.push(m.clone(), &group.group.name);
                plain.push(m);
            }
        }
        (indexed, plain)
    }

    fn name() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("pods".to_owned()),
            Just("Pod".to_owned()),
            Just("events".to_owned()),
            Just("event".to_owned()),
            Just("deployments".to_owned()),
            Just("horizontalpodautoscalers".to_owned()),
            Just("HorizontalPodAutoscaler".to_owned()),
            Just("ipaddresses".to_owned()),
            Just("deviceclass".to_owned()),
            Just(String::new()),
            "[a-zA-Z]{1,12}",
        ]
    }

    fn group() -> impl Strategy<Value = String> {
        prop_oneof![
            Just(String::new()),
            Just("apps".to_owned()),
            Just("events.k8s.io".to_owned()),
            Just("autoscaling".to_owned()),
            Just("resource.k8s.io".to_owned()),
            Just("networking.k8s.io".to_owned()),
            "[a-z]{1,6}",
        ]
    }

    fn version() -> impl Strategy<Value = String> {
        prop_oneof![
            Just(String::new()),
            Just("v1".to_owned()),
            Just("v2".to_owned()),
            Just("v1beta1".to_owned()),
            Just("v1beta2".to_owned()),
            Just("__internal".to_owned()),
        ]
    }

    fn kind() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("Pod".to_owned()),
            Just("Event".to_owned()),
            Just("Deployment".to_owned()),
            Just("deployment".to_owned()),
            Just("HorizontalPodAutoscaler".to_owned()),
            Just("IPAddress".to_owned()),
            Just("DeviceClass".to_owned()),
            "[A-Za-z]{1,12}",
        ]
    }

    proptest! {
        #[test]
        fn indexed_union_answers_like_the_plain_union(
            g in group(), v in version(), n in name(), k in kind(),
            versions in proptest::collection::vec(version(), 0..3),
        ) {
            let (indexed, plain) = both();
            let r = GroupVersionResource::gvr(g.clone(), v, n.clone());
            prop_assert_eq!(indexed.kinds_for(&r), plain.kinds_for(&r));
            prop_assert_eq!(indexed.kind_for(&r), plain.kind_for(&r));
            prop_assert_eq!(indexed.resources_for(&r), plain.resources_for(&r));
            prop_assert_eq!(indexed.resource_for(&r), plain.resource_for(&r));
            prop_assert_eq!(indexed.resource_singularizer(&n), plain.resource_singularizer(&n));
            let gk = GroupKind::new(g, k);
            let versions: Vec<&str> = versions.iter().map(String::as_str).collect();
            prop_assert_eq!(indexed.rest_mapping(&gk, &versions), plain.rest_mapping(&gk, &versions));
            prop_assert_eq!(indexed.rest_mappings(&gk, &versions), plain.rest_mappings(&gk, &versions));
        }
    }
}
