//! The built-in resources of the pinned k8s-openapi version as discovery data, for mapping
//! without a server.
//!
//! Kinds, plurals and scopes are those of the types [`Scheme::builtin`] registers (their
//! [`Resource`](crate::resource::Resource) constants), so the two never disagree. Short names,
//! categories and group order are kube-apiserver's ([`crate::builtin_discovery`], the table
//! the test server serves too); versions are ordered by Kubernetes version priority
//! ([`crate::version`]), the first one preferred.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{
    APIGroup, APIResource, GroupVersionForDiscovery,
};

use crate::builtin_discovery::{self, by_group_priority};
use crate::gvk::GroupVersion;
use crate::resource::Scope;
use crate::version::by_priority;

use super::{ApiGroupResources, PriorityRestMapper, from_api_group_resources};
use crate::scheme::Scheme;

/// One built-in kind, as the Scheme registered it.
struct Entry<'a> {
    group: &'a str,
    version: &'a str,
    kind: &'a str,
    plural: &'static str,
    scope: Scope,
}

/// The built-in resources of the pinned k8s-openapi version, shaped as discovery reports them
/// (subresource-only types such as `Scale` and `Eviction` are left out).
///
/// Every version k8s-openapi knows is listed, alpha and beta ones included, which is more than
/// a default kube-apiserver serves; preferred versions are the most stable ones, so mappings
/// resolve as they would against a real cluster.
pub fn builtin_api_group_resources() -> Vec<ApiGroupResources> {
    let mut by_group: BTreeMap<&str, BTreeMap<&str, Vec<APIResource>>> = BTreeMap::new();
    let builtin = Scheme::builtin();
    let entries = builtin.resources().map(|(gvk, plural, scope)| Entry {
        group: &gvk.group,
        version: &gvk.version,
        kind: &gvk.kind,
        plural,
        scope,
    });
    for e in entries.filter(|e| e.scope != Scope::Subresource) {
        let resource = APIResource {
            name: e.plural.to_owned(),
            singular_name: if e.kind == "Endpoints" {
                "endpoints".to_owned()
            } else {
                e.kind.to_lowercase()
            },
            namespaced: e.scope.is_namespaced(),
            kind: e.kind.to_owned(),
            short_names: owned(builtin_discovery::short_names(e.group, e.plural)),
            categories: owned(builtin_discovery::categories(e.group, e.plural)),
            ..APIResource::default()
        };
        by_group
            .entry(e.group)
            .or_default()
            .entry(e.version)
            .or_default()
            .push(resource);
    }

    let mut groups: Vec<(&str, BTreeMap<&str, Vec<APIResource>>)> = by_group.into_iter().collect();
    groups.sort_by(|(a, _), (b, _)| by_group_priority(a, b));
    groups
        .into_iter()
        .map(|(name, versions)| {
            let mut order: Vec<&str> = versions.keys().copied().collect();
            order.sort_by(|a, b| by_priority(a, b));
            let discovery: Vec<GroupVersionForDiscovery> = order
                .iter()
                .map(|v| GroupVersionForDiscovery {
                    group_version: GroupVersion::new(name, *v).to_string(),
                    version: (*v).to_owned(),
                })
                .collect();
            ApiGroupResources {
                group: APIGroup {
                    name: name.to_owned(),
                    preferred_version: discovery.first().cloned(),
                    versions: discovery,
                    ..APIGroup::default()
                },
                versioned_resources: versions
                    .into_iter()
                    .map(|(v, resources)| (v.to_owned(), resources))
                    .collect(),
            }
        })
        .collect()
}

/// `names` as discovery's optional list: absent when empty.
fn owned(names: &[&str]) -> Option<Vec<String>> {
    (!names.is_empty()).then(|| names.iter().map(|n| (*n).to_owned()).collect())
}

/// A shared mapper over [`builtin_api_group_resources`], built on first use.
pub fn builtin_rest_mapper() -> &'static PriorityRestMapper {
    static MAPPER: OnceLock<PriorityRestMapper> = OnceLock::new();
    MAPPER.get_or_init(|| from_api_group_resources(&builtin_api_group_resources()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gvk::GroupResource;
    use crate::restmapper::{ResourceResolver, RestMapper};
    use crate::scheme::Scheme;

    #[test]
    fn groups_and_versions_are_ordered() {
        let groups = builtin_api_group_resources();
        let names: Vec<&str> = groups.iter().map(|g| g.group.name.as_str()).collect();
        assert_eq!(&names[..3], ["", "apiregistration.k8s.io", "apps"]);
        let resource = groups
            .iter()
            .find(|g| g.group.name == "resource.k8s.io")
            .unwrap();
        let versions: Vec<&str> = resource
            .group
            .versions
            .iter()
            .map(|v| v.version.as_str())
            .collect();
        assert_eq!(versions, ["v1beta2", "v1beta1", "v1alpha3"]);
        assert_eq!(
            resource
                .group
                .preferred_version
                .as_ref()
                .unwrap()
                .group_version,
            "resource.k8s.io/v1beta2"
        );
        let autoscaling = groups
            .iter()
            .find(|g| g.group.name == "autoscaling")
            .unwrap();
        assert_eq!(autoscaling.group.versions[0].version, "v2");
        // Subresource-only types are not resources.
        let all: Vec<&APIResource> = groups
            .iter()
            .flat_map(|g| g.versioned_resources.values().flatten())
            .collect();
        assert!(
            all.iter()
                .all(|r| r.kind != "Scale" && r.kind != "Eviction")
        );
        assert!(all.iter().all(|r| r.kind != "TokenRequest"));
    }

    #[test]
    fn builtin_mapper_covers_the_scheme() {
        let mapper = builtin_rest_mapper();
        let mut checked = 0;
        for gvk in Scheme::builtin().known_kinds() {
            let mapping = mapper.rest_mapping(&gvk.group_kind(), &[&gvk.version]);
            // Subresource bodies are no resources; everything else maps to itself.
            match gvk.kind.as_str() {
                "Scale" | "Eviction" | "TokenRequest" => {
                    assert!(mapping.unwrap_err().is_no_match(), "{gvk}");
                }
                _ => {
                    let mapping = mapping.unwrap_or_else(|e| panic!("{gvk}: {e}"));
                    assert_eq!(&mapping.group_version_kind, gvk);
                    checked += 1;
                }
            }
        }
        assert!(checked > 80, "{checked}");
        let listed: usize = builtin_api_group_resources()
            .iter()
            .flat_map(|g| g.versioned_resources.values())
            .map(Vec::len)
            .sum();
        assert_eq!(
            listed, checked,
            "the builtin table and the scheme list the same kinds"
        );
    }

    #[test]
    fn builtin_resolver_table() {
        let r = ResourceResolver::builtin_shared();
        assert!(std::ptr::eq(r, ResourceResolver::builtin_shared()));
        for (arg, resource) in [
            ("po", "/v1, Resource=pods"),
            ("cm", "/v1, Resource=configmaps"),
            ("svc", "/v1, Resource=services"),
            ("ns", "/v1, Resource=namespaces"),
            ("no", "/v1, Resource=nodes"),
            ("ep", "/v1, Resource=endpoints"),
            ("ev", "/v1, Resource=events"),
            ("sa", "/v1, Resource=serviceaccounts"),
            ("quota", "/v1, Resource=resourcequotas"),
            ("deploy", "apps/v1, Resource=deployments"),
            ("sts", "apps/v1, Resource=statefulsets"),
            ("hpa", "autoscaling/v2, Resource=horizontalpodautoscalers"),
            // kubectl drops the version of a short name: this is v2, as `kubectl get` lists it.
            (
                "hpa.v1.autoscaling",
                "autoscaling/v2, Resource=horizontalpodautoscalers",
            ),
            (
                "hpa.autoscal",
                "autoscaling/v2, Resource=horizontalpodautoscalers",
            ),
            (
                "horizontalpodautoscalers.v1.autoscaling",
                "autoscaling/v1, Resource=horizontalpodautoscalers",
            ),
            ("cj", "batch/v1, Resource=cronjobs"),
            ("jobs", "batch/v1, Resource=jobs"),
            ("ing", "networking.k8s.io/v1, Resource=ingresses"),
            ("netpol", "networking.k8s.io/v1, Resource=networkpolicies"),
            ("ipaddresses", "networking.k8s.io/v1, Resource=ipaddresses"),
            ("pdb", "policy/v1, Resource=poddisruptionbudgets"),
            (
                "crd",
                "apiextensions.k8s.io/v1, Resource=customresourcedefinitions",
            ),
            (
                "CustomResourceDefinition",
                "apiextensions.k8s.io/v1, Resource=customresourcedefinitions",
            ),
            (
                "apiservices",
                "apiregistration.k8s.io/v1, Resource=apiservices",
            ),
            ("pc", "scheduling.k8s.io/v1, Resource=priorityclasses"),
            ("sc", "storage.k8s.io/v1, Resource=storageclasses"),
            (
                "csr",
                "certificates.k8s.io/v1, Resource=certificatesigningrequests",
            ),
            (
                "clusterrolebindings",
                "rbac.authorization.k8s.io/v1, Resource=clusterrolebindings",
            ),
            ("leases", "coordination.k8s.io/v1, Resource=leases"),
            (
                "deviceclasses",
                "resource.k8s.io/v1beta2, Resource=deviceclasses",
            ),
            ("events.events.k8s.io", "events.k8s.io/v1, Resource=events"),
        ] {
            let mapping = r.mapping_for(arg).unwrap_or_else(|e| panic!("{arg}: {e}"));
            assert_eq!(mapping.resource.to_string(), resource, "{arg}");
        }
        assert_eq!(r.mapping_for("nodes").unwrap().scope, Scope::Cluster);
        let all: Vec<String> = r
            .categories()
            .expand("all")
            .unwrap()
            .iter()
            .map(GroupResource::to_string)
            .collect();
        assert_eq!(
            all,
            [
                "pods",
                "replicationcontrollers",
                "services",
                "daemonsets.apps",
                "deployments.apps",
                "replicasets.apps",
                "statefulsets.apps",
                "horizontalpodautoscalers.autoscaling",
                "cronjobs.batch",
                "jobs.batch",
            ]
        );
    }
}
