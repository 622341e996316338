//! What discovery says about the built-in resources that their k8s-openapi types do not:
//! kube-apiserver's short names, categories and group order. One table, read by the
//! client's built-in RESTMapper and served by the test server's discovery.
//!
//! ```
//! use kclient_core::builtin_discovery::{by_group_priority, categories, short_names};
//!
//! assert_eq!(short_names("apps", "deployments"), ["deploy"]);
//! assert_eq!(categories("", "pods"), ["all"]);
//! let mut groups = vec!["example.com", "apps", ""];
//! groups.sort_by(|a, b| by_group_priority(a, b));
//! assert_eq!(groups, ["", "apps", "example.com"]);
//! ```

use std::cmp::Ordering;

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

/// The order kube-apiserver lists its groups in (`/apis`, by aggregator priority), the core
/// group first; groups not listed follow alphabetically.
pub const GROUP_ORDER: &[&str] = &[
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

/// The names `(group, plural)` has in `table`, or none.
fn lookup(
    table: &[(&str, &str, &'static [&'static str])],
    group: &str,
    plural: &str,
) -> &'static [&'static str] {
    table
        .iter()
        .find(|(g, p, _)| *g == group && *p == plural)
        .map_or(&[], |(_, _, names)| names)
}

/// kube-apiserver's short names for the built-in resource `plural` of `group` (`deploy` for
/// `deployments` of `apps`), empty when it has none. The same in every version of the group.
pub fn short_names(group: &str, plural: &str) -> &'static [&'static str] {
    lookup(SHORT_NAMES, group, plural)
}

/// kube-apiserver's categories for the built-in resource `plural` of `group` (`all`,
/// `api-extensions`), empty when it has none.
pub fn categories(group: &str, plural: &str) -> &'static [&'static str] {
    lookup(CATEGORIES, group, plural)
}

/// Group priority as a sort order: kube-apiserver's built-in groups in [`GROUP_ORDER`], then
/// every other group (custom resources, aggregated APIs) alphabetically.
pub fn by_group_priority(a: &str, b: &str) -> Ordering {
    let rank = |group: &str| {
        GROUP_ORDER
            .iter()
            .position(|g| *g == group)
            .unwrap_or(usize::MAX)
    };
    rank(a).cmp(&rank(b)).then_with(|| a.cmp(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookups() {
        assert_eq!(short_names("", "pods"), ["po"]);
        assert_eq!(
            short_names("apiextensions.k8s.io", "customresourcedefinitions"),
            ["crd", "crds"]
        );
        assert!(short_names("", "secrets").is_empty());
        assert!(short_names("example.com", "pods").is_empty());
        assert_eq!(categories("batch", "jobs"), ["all"]);
        assert_eq!(
            categories("apiregistration.k8s.io", "apiservices"),
            ["api-extensions"]
        );
        assert!(categories("", "configmaps").is_empty());
    }

    #[test]
    fn groups_in_apiserver_order_then_alphabetically() {
        let mut groups = vec![
            "zeta.example.com",
            "batch",
            "alpha.example.com",
            "apps",
            "",
            "apiregistration.k8s.io",
        ];
        groups.sort_by(|a, b| by_group_priority(a, b));
        assert_eq!(
            groups,
            [
                "",
                "apiregistration.k8s.io",
                "apps",
                "batch",
                "alpha.example.com",
                "zeta.example.com"
            ]
        );
    }

    #[test]
    fn tables_have_one_row_per_resource() {
        for table in [SHORT_NAMES, CATEGORIES] {
            for (i, (group, plural, _)) in table.iter().enumerate() {
                assert!(
                    table[i + 1..]
                        .iter()
                        .all(|(g, p, _)| (g, p) != (group, plural)),
                    "{plural}.{group} twice"
                );
            }
        }
    }
}
