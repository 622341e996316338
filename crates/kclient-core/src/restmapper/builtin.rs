//! The built-in resources of the pinned k8s-openapi version as discovery data, for mapping
//! without a server.
//!
//! Kinds, plurals and scopes are those of the types [`Scheme::builtin`] registers (their
//! [`Resource`](crate::resource::Resource) constants), so the two never disagree. Short names and categories are kube-apiserver's, as the
//! test server's catalog serves them. Group order is kube-apiserver's; versions are ordered by
//! Kubernetes version priority (GA, then beta, then alpha), the first one preferred.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::sync::OnceLock;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{
    APIGroup, APIResource, GroupVersionForDiscovery,
};

use crate::gvk::GroupVersion;
use crate::resource::Scope;

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

/// kube-apiserver's short names by `(group, plural)`.
const SHORT_NAMES: &[(&str, &str, &[&str])] = &[
    ("", "componentstatuses", &["cs"]),
    ("", "configmaps", &["cm"]),
    ("", "endpoints", &["ep"]),
    ("", "events", &["ev"]),
    ("", "limitranges", &["limits"]),
    ("", "namespaces", &["ns"]),
    ("", "nodes", &["no"]),
    ("", "persistentvolumeclaims", &["pvc"]),
    ("", "persistentvolumes", &["pv"]),
    ("", "pods", &["po"]),
    ("", "replicationcontrollers", &["rc"]),
    ("", "resourcequotas", &["quota"]),
    ("", "serviceaccounts", &["sa"]),
    ("", "services", &["svc"]),
    ("apps", "daemonsets", &["ds"]),
    ("apps", "deployments", &["deploy"]),
    ("apps", "replicasets", &["rs"]),
    ("apps", "statefulsets", &["sts"]),
    ("events.k8s.io", "events", &["ev"]),
    ("autoscaling", "horizontalpodautoscalers", &["hpa"]),
    ("batch", "cronjobs", &["cj"]),
    (
        "certificates.k8s.io",
        "certificatesigningrequests",
        &["csr"],
    ),
    ("networking.k8s.io", "ingresses", &["ing"]),
    ("networking.k8s.io", "ipaddresses", &["ip"]),
    ("networking.k8s.io", "networkpolicies", &["netpol"]),
    ("policy", "poddisruptionbudgets", &["pdb"]),
    ("storage.k8s.io", "storageclasses", &["sc"]),
    (
        "apiextensions.k8s.io",
        "customresourcedefinitions",
        &["crd", "crds"],
    ),
    ("scheduling.k8s.io", "priorityclasses", &["pc"]),
];

/// kube-apiserver's categories by `(group, plural)`.
const CATEGORIES: &[(&str, &str, &[&str])] = &[
    ("", "pods", &["all"]),
    ("", "replicationcontrollers", &["all"]),
    ("", "services", &["all"]),
    ("apps", "daemonsets", &["all"]),
    ("apps", "deployments", &["all"]),
    ("apps", "replicasets", &["all"]),
    ("apps", "statefulsets", &["all"]),
    ("autoscaling", "horizontalpodautoscalers", &["all"]),
    ("batch", "cronjobs", &["all"]),
    ("batch", "jobs", &["all"]),
    ("apiregistration.k8s.io", "apiservices", &["api-extensions"]),
    (
        "admissionregistration.k8s.io",
        "mutatingwebhookconfigurations",
        &["api-extensions"],
    ),
    (
        "admissionregistration.k8s.io",
        "validatingadmissionpolicies",
        &["api-extensions"],
    ),
    (
        "admissionregistration.k8s.io",
        "validatingadmissionpolicybindings",
        &["api-extensions"],
    ),
    (
        "admissionregistration.k8s.io",
        "validatingwebhookconfigurations",
        &["api-extensions"],
    ),
    (
        "admissionregistration.k8s.io",
        "mutatingadmissionpolicies",
        &["api-extensions"],
    ),
    (
        "admissionregistration.k8s.io",
        "mutatingadmissionpolicybindings",
        &["api-extensions"],
    ),
    (
        "apiextensions.k8s.io",
        "customresourcedefinitions",
        &["api-extensions"],
    ),
];

/// The order kube-apiserver lists its groups in (`/apis`, by aggregator priority); groups not
/// listed follow alphabetically.
const GROUP_ORDER: &[&str] = &[
    "",
    "apiregistration.k8s.io",
    "apps",
    "events.k8s.io",
    "authentication.k8s.io",
    "authorization.k8s.io",
    "autoscaling",
    "batch",
    "certificates.k8s.io",
    "networking.k8s.io",
    "policy",
    "rbac.authorization.k8s.io",
    "storage.k8s.io",
    "admissionregistration.k8s.io",
    "apiextensions.k8s.io",
    "scheduling.k8s.io",
    "coordination.k8s.io",
    "node.k8s.io",
    "discovery.k8s.io",
    "flowcontrol.apiserver.k8s.io",
    "internal.apiserver.k8s.io",
    "resource.k8s.io",
    "storagemigration.k8s.io",
];

fn lookup(
    table: &[(&str, &str, &'static [&'static str])],
    group: &str,
    plural: &str,
) -> Option<Vec<String>> {
    table
        .iter()
        .find(|(g, p, _)| *g == group && *p == plural)
        .map(|(_, _, names)| names.iter().map(|n| n.to_string()).collect())
}

/// A Kubernetes version string split into (major, stability, minor): `v1beta2` →
/// `(1, Beta, 2)`. Stability orders GA above beta above alpha.
fn kube_version(v: &str) -> Option<(u64, u8, u64)> {
    let rest = v.strip_prefix('v')?;
    let digits = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    let major: u64 = rest[..digits].parse().ok()?;
    if major == 0 {
        return None;
    }
    let rest = &rest[digits..];
    if rest.is_empty() {
        return Some((major, 2, 0));
    }
    let (stability, minor) = if let Some(m) = rest.strip_prefix("beta") {
        (1, m)
    } else if let Some(m) = rest.strip_prefix("alpha") {
        (0, m)
    } else {
        return None;
    };
    if minor.is_empty() || !minor.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((major, stability, minor.parse().ok()?))
}

/// Kubernetes version priority, apimachinery's `CompareKubeAwareVersionStrings` as an
/// ordering where the preferred version sorts first: GA before beta before alpha, higher
/// numbers first, and versions of other shapes after all of them, alphabetically.
pub(crate) fn by_version_priority(a: &str, b: &str) -> Ordering {
    match (kube_version(a), kube_version(b)) {
        (Some((ma, sa, na)), Some((mb, sb, nb))) => sb.cmp(&sa).then(mb.cmp(&ma)).then(nb.cmp(&na)),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => a.cmp(b),
    }
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
            short_names: lookup(SHORT_NAMES, e.group, e.plural),
            categories: lookup(CATEGORIES, e.group, e.plural),
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
    groups.sort_by_key(|(name, _)| {
        (
            GROUP_ORDER
                .iter()
                .position(|g| g == name)
                .unwrap_or(usize::MAX),
            *name,
        )
    });
    groups
        .into_iter()
        .map(|(name, versions)| {
            let mut order: Vec<&str> = versions.keys().copied().collect();
            order.sort_by(|a, b| by_version_priority(a, b));
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
    fn version_priority_matches_kubernetes() {
        let mut versions = vec![
            "v1alpha1",
            "v11alpha2",
            "foo10",
            "v1",
            "v2beta1",
            "v12alpha1",
            "v1beta2",
            "v2",
            "v10beta3",
            "v1beta1",
            "foo1",
            "v10",
            "v11beta2",
            "v3beta1",
        ];
        versions.sort_by(|a, b| by_version_priority(a, b));
        assert_eq!(
            versions,
            [
                "v10",
                "v2",
                "v1",
                "v11beta2",
                "v10beta3",
                "v3beta1",
                "v2beta1",
                "v1beta2",
                "v1beta1",
                "v12alpha1",
                "v11alpha2",
                "v1alpha1",
                "foo1",
                "foo10",
            ]
        );
        assert_eq!(kube_version("v0"), None);
        assert_eq!(kube_version("v1beta"), None);
        assert_eq!(kube_version("v1gamma1"), None);
        assert_eq!(kube_version("v1beta1x"), None);
    }

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
