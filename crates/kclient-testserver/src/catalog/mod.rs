//! The resource catalog: every resource a default kube-apiserver 1.33 serves, with the names,
//! verbs, categories and subresources discovery reports, plus the per-kind field selectors.
//!
//! Kinds, plurals, groups, versions and scopes come from the k8s-openapi types (so they cannot
//! drift from the pinned Kubernetes version); the hand-written part is what the OpenAPI
//! document does not carry: short names, categories, verbs, singular names and subresources.
//! Custom resources join through [`crd_resource_info`].

mod builtin;
mod crd;
mod fields;

use std::sync::OnceLock;

pub(crate) use builtin::storage_gvk;
pub use crd::{crd_resource_info, crd_selectable_fields};
pub(crate) use fields::field_set;
pub use fields::{custom_field_value, field_label_supported, field_value, unsupported_field_label};
/// Kubernetes version priority, preferred version first (apimachinery's
/// `CompareKubeAwareVersionStrings`, reversed for `sort_by`); the client's rule, re-exported.
pub use kclient_core::version::by_priority as compare_versions;

/// One REST resource (a plural under a group-version), as discovery describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResourceInfo {
    /// API group, `""` for the core group.
    pub group: String,
    /// API version within the group, e.g. `v1`.
    pub version: String,
    /// Kind of the objects served, e.g. `Deployment`.
    pub kind: String,
    /// Plural resource name used in URLs, e.g. `deployments`.
    pub plural: String,
    /// Singular resource name, e.g. `deployment`.
    pub singular: String,
    /// Whether objects live in a namespace.
    pub namespaced: bool,
    /// Short names kubectl accepts (`deploy`).
    pub short_names: Vec<String>,
    /// Categories the resource belongs to (`all`, `api-extensions`).
    pub categories: Vec<String>,
    /// Verbs the resource supports, as discovery lists them.
    pub verbs: Vec<String>,
    /// Subresources (`status`, `scale`, `log`, ...), sorted by name.
    pub subresources: Vec<SubresourceInfo>,
    /// False for virtual kinds that are never stored (bindings, reviews, componentstatuses).
    pub storage: bool,
}

/// A subresource of a [`ResourceInfo`], such as `pods/status` or `deployments/scale`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubresourceInfo {
    /// Subresource name: `status`, `scale`, `log`, `eviction`, `token`, `proxy`, ...
    pub name: String,
    /// Kind exchanged with the subresource (`Scale`, `Eviction`, the parent kind for `status`).
    pub kind: String,
    /// Group of that kind (equal to the parent's group unless the kind lives elsewhere).
    pub group: String,
    /// Version of that kind (equal to the parent's version unless the kind lives elsewhere).
    pub version: String,
    /// Verbs the subresource supports.
    pub verbs: Vec<String>,
}

impl ResourceInfo {
    /// The apiVersion string of the served objects (`v1`, `apps/v1`).
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// True when `verb` is in [`ResourceInfo::verbs`].
    pub fn supports(&self, verb: &str) -> bool {
        self.verbs.iter().any(|v| v == verb)
    }

    /// The subresource called `name`, if the resource has one.
    pub fn subresource(&self, name: &str) -> Option<&SubresourceInfo> {
        self.subresources.iter().find(|s| s.name == name)
    }

    /// True when `name` is the plural, the singular or one of the short names (case-insensitive),
    /// the way kubectl resolves a resource argument.
    pub fn matches_name(&self, name: &str) -> bool {
        self.plural.eq_ignore_ascii_case(name)
            || self.singular.eq_ignore_ascii_case(name)
            || self
                .short_names
                .iter()
                .any(|s| s.eq_ignore_ascii_case(name))
    }

    /// The `storageVersionHash` discovery reports for this resource: the first 8 bytes of
    /// SHA-256 over `group/version/kind` of the storage version, base64-encoded (as
    /// kube-apiserver computes it). Virtual resources have none.
    pub fn storage_version_hash(&self) -> Option<String> {
        if !self.storage {
            return None;
        }
        let (group, version, kind) = builtin::storage_gvk(self);
        Some(storage_version_hash(group, version, kind))
    }
}

/// kube-apiserver's `StorageVersionHash(group, version, kind)`.
pub fn storage_version_hash(group: &str, version: &str, kind: &str) -> String {
    use base64::Engine as _;
    let digest = sha256(format!("{group}/{version}/{kind}").as_bytes());
    base64::engine::general_purpose::STANDARD.encode(&digest[..8])
}

/// SHA-256 through the ring provider rustls already links, so no extra hashing crate is needed.
fn sha256(data: &[u8]) -> Vec<u8> {
    use rustls::crypto::ring::cipher_suite::TLS13_AES_128_GCM_SHA256;
    match TLS13_AES_128_GCM_SHA256.tls13() {
        Some(suite) => suite.common.hash_provider.hash(data).as_ref().to_vec(),
        // The suite is a TLS 1.3 suite by definition; an empty hash only weakens change
        // detection of discovery caches, it never breaks a request.
        None => Vec::new(),
    }
}

/// Every resource a default kube-apiserver 1.33 serves (default-enabled group-versions only),
/// in kube-apiserver's order: the core group, then groups by aggregator priority, each
/// version preferred-first, resources sorted by plural.
pub fn builtin_resources() -> &'static [ResourceInfo] {
    static TABLE: OnceLock<Vec<ResourceInfo>> = OnceLock::new();
    TABLE.get_or_init(builtin::table)
}

/// The preferred version of every built-in group (`("", "v1")` first), in the order
/// kube-apiserver lists the groups in `/apis`.
pub fn preferred_versions() -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for r in builtin_resources() {
        if !out.iter().any(|(g, _)| *g == r.group) {
            out.push((r.group.clone(), r.version.clone()));
        }
    }
    out
}

/// The served versions of a built-in group, preferred first (empty for unknown groups).
pub fn builtin_group_versions(group: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for r in builtin_resources().iter().filter(|r| r.group == group) {
        if !out.contains(&r.version) {
            out.push(r.version.clone());
        }
    }
    out
}

/// Looks a built-in resource up by group, version and plural.
pub fn find_builtin(group: &str, version: &str, plural: &str) -> Option<&'static ResourceInfo> {
    builtin_resources()
        .iter()
        .find(|r| r.group == group && r.version == version && r.plural == plural)
}

/// Looks a built-in resource up by group, version and kind.
pub fn find_builtin_kind(group: &str, version: &str, kind: &str) -> Option<&'static ResourceInfo> {
    builtin_resources()
        .iter()
        .find(|r| r.group == group && r.version == version && r.kind == kind)
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use super::*;

    fn get(group: &str, plural: &str) -> &'static ResourceInfo {
        builtin_resources()
            .iter()
            .find(|r| r.group == group && r.plural == plural)
            .unwrap_or_else(|| panic!("{plural}.{group} missing"))
    }

    #[test]
    fn no_duplicate_group_version_plural() {
        let mut seen = BTreeSet::new();
        for r in builtin_resources() {
            assert!(
                seen.insert((r.group.as_str(), r.version.as_str(), r.plural.as_str())),
                "duplicate {}/{} {}",
                r.group,
                r.version,
                r.plural
            );
        }
        // The same plural appears in two versions of one group only for autoscaling.
        let mut per_group: BTreeMap<(&str, &str), usize> = BTreeMap::new();
        for r in builtin_resources() {
            *per_group.entry((&r.group, &r.plural)).or_default() += 1;
        }
        let multi: Vec<_> = per_group.iter().filter(|(_, n)| **n > 1).collect();
        assert_eq!(
            multi,
            vec![(&("autoscaling", "horizontalpodautoscalers"), &2)]
        );
    }

    #[test]
    fn short_names_are_unique_across_preferred_resources() {
        let mut owners: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        for r in builtin_resources() {
            for s in &r.short_names {
                let owner = format!("{}.{}", r.plural, r.group);
                let list = owners.entry(s).or_default();
                if !list.contains(&owner) {
                    list.push(owner);
                }
            }
        }
        for (short, list) in owners {
            // kube-apiserver itself gives `ev` to both core and events.k8s.io events.
            if short == "ev" {
                assert_eq!(
                    list,
                    vec!["events.".to_string(), "events.events.k8s.io".into()]
                );
            } else {
                assert_eq!(list.len(), 1, "short name {short} used by {list:?}");
            }
        }
    }

    #[test]
    fn counts_per_group_version() {
        let mut counts: BTreeMap<String, usize> = BTreeMap::new();
        for r in builtin_resources() {
            *counts.entry(r.api_version()).or_default() += 1;
        }
        let expected = [
            ("v1", 17),
            ("admissionregistration.k8s.io/v1", 4),
            ("apiextensions.k8s.io/v1", 1),
            ("apiregistration.k8s.io/v1", 1),
            ("apps/v1", 5),
            ("authentication.k8s.io/v1", 2),
            ("authorization.k8s.io/v1", 4),
            ("autoscaling/v1", 1),
            ("autoscaling/v2", 1),
            ("batch/v1", 2),
            ("certificates.k8s.io/v1", 1),
            ("coordination.k8s.io/v1", 1),
            ("discovery.k8s.io/v1", 1),
            ("events.k8s.io/v1", 1),
            ("flowcontrol.apiserver.k8s.io/v1", 2),
            ("networking.k8s.io/v1", 5),
            ("node.k8s.io/v1", 1),
            ("policy/v1", 1),
            ("rbac.authorization.k8s.io/v1", 4),
            ("scheduling.k8s.io/v1", 1),
            ("storage.k8s.io/v1", 5),
        ];
        let expected: BTreeMap<String, usize> =
            expected.iter().map(|(k, v)| (k.to_string(), *v)).collect();
        assert_eq!(counts, expected);
        assert_eq!(builtin_resources().len(), 61);
    }

    #[test]
    fn resources_sorted_within_group_version_and_groups_contiguous() {
        let mut finished: Vec<String> = Vec::new();
        let mut current = String::new();
        let mut last_plural = String::new();
        for r in builtin_resources() {
            let gv = r.api_version();
            if gv != current {
                assert!(!finished.contains(&gv), "{gv} split");
                finished.push(current.clone());
                current = gv;
            } else {
                assert!(last_plural < r.plural, "{} after {last_plural}", r.plural);
            }
            last_plural = r.plural.clone();
        }
    }

    #[test]
    fn pods_spot_check() {
        let pods = get("", "pods");
        assert_eq!(pods.kind, "Pod");
        assert_eq!(pods.singular, "pod");
        assert!(pods.namespaced && pods.storage);
        assert_eq!(pods.short_names, vec!["po"]);
        assert_eq!(pods.categories, vec!["all"]);
        assert_eq!(
            pods.verbs,
            vec![
                "create",
                "delete",
                "deletecollection",
                "get",
                "list",
                "patch",
                "update",
                "watch"
            ]
        );
        let subs: Vec<&str> = pods.subresources.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(
            subs,
            vec![
                "attach",
                "binding",
                "ephemeralcontainers",
                "eviction",
                "exec",
                "log",
                "portforward",
                "proxy",
                "resize",
                "status"
            ]
        );
        let eviction = pods.subresource("eviction").expect("eviction");
        assert_eq!(
            (
                eviction.group.as_str(),
                eviction.version.as_str(),
                eviction.kind.as_str()
            ),
            ("policy", "v1", "Eviction")
        );
        assert_eq!(eviction.verbs, vec!["create"]);
        assert_eq!(
            pods.subresource("exec").map(|s| s.kind.as_str()),
            Some("PodExecOptions")
        );
        assert_eq!(pods.storage_version_hash().as_deref(), Some("xPOwRZ+Yhw8="));
        assert!(pods.matches_name("PO") && pods.matches_name("pod"));
    }

    #[test]
    fn deployments_and_crds_spot_check() {
        let d = get("apps", "deployments");
        assert_eq!((d.kind.as_str(), d.version.as_str()), ("Deployment", "v1"));
        assert_eq!(d.short_names, vec!["deploy"]);
        let scale = d.subresource("scale").expect("scale");
        assert_eq!(
            (
                scale.group.as_str(),
                scale.version.as_str(),
                scale.kind.as_str()
            ),
            ("autoscaling", "v1", "Scale")
        );
        assert_eq!(scale.verbs, vec!["get", "patch", "update"]);
        let status = d.subresource("status").expect("status");
        assert_eq!(
            (status.group.as_str(), status.kind.as_str()),
            ("apps", "Deployment")
        );

        let crd = get("apiextensions.k8s.io", "customresourcedefinitions");
        assert_eq!(crd.short_names, vec!["crd", "crds"]);
        assert_eq!(crd.categories, vec!["api-extensions"]);
        assert!(!crd.namespaced);
        assert_eq!(crd.subresources.len(), 1);
    }

    #[test]
    fn special_cases() {
        let ns = get("", "namespaces");
        assert!(!ns.supports("deletecollection"));
        assert_eq!(
            ns.subresource("finalize").map(|s| s.verbs.clone()),
            Some(vec!["update".into()])
        );
        assert_eq!(get("", "bindings").verbs, vec!["create"]);
        assert!(!get("", "bindings").storage);
        assert_eq!(get("", "componentstatuses").verbs, vec!["get", "list"]);
        assert_eq!(get("", "endpoints").singular, "endpoints");
        let token = get("", "serviceaccounts")
            .subresource("token")
            .expect("token")
            .clone();
        assert_eq!(
            (
                token.group.as_str(),
                token.kind.as_str(),
                token.verbs.clone()
            ),
            (
                "authentication.k8s.io",
                "TokenRequest",
                vec!["create".to_string()]
            )
        );
        assert_eq!(
            get("authentication.k8s.io", "tokenreviews").storage_version_hash(),
            None
        );
        assert!(get("authorization.k8s.io", "localsubjectaccessreviews").namespaced);
        assert_eq!(
            get("networking.k8s.io", "ipaddresses").short_names,
            vec!["ip"]
        );
        // Known kube-apiserver hashes, including a storage version that differs from the served one.
        assert_eq!(
            get("", "configmaps").storage_version_hash().as_deref(),
            Some("qFsyl6wFWjQ=")
        );
        assert_eq!(
            get("events.k8s.io", "events").storage_version_hash(),
            get("", "events").storage_version_hash()
        );
        let csr = get("certificates.k8s.io", "certificatesigningrequests");
        assert!(csr.subresource("approval").is_some());
    }

    #[test]
    fn preferred_versions_in_apiserver_order() {
        let prefs = preferred_versions();
        assert_eq!(prefs[0], ("".to_string(), "v1".to_string()));
        assert_eq!(prefs[1].0, "apiregistration.k8s.io");
        assert_eq!(prefs[2].0, "apps");
        let autoscaling = prefs
            .iter()
            .find(|(g, _)| g == "autoscaling")
            .expect("autoscaling");
        assert_eq!(autoscaling.1, "v2");
        assert_eq!(builtin_group_versions("autoscaling"), vec!["v2", "v1"]);
        assert_eq!(prefs.len(), 20);
        assert!(find_builtin("apps", "v1", "deployments").is_some());
        assert!(find_builtin_kind("", "v1", "Pod").is_some());
        assert!(find_builtin("resource.k8s.io", "v1beta1", "resourceclaims").is_none());
    }
}
