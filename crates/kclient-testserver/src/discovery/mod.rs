//! Discovery documents, shaped exactly like kube-apiserver's: `/version`, `/api`, `/apis`,
//! `/apis/{group}`, `/api/v1` and `/apis/{group}/{version}` (the legacy documents), and the
//! aggregated `apidiscovery.k8s.io` v2 / v2beta1 `APIGroupDiscoveryList` that kubectl asks for
//! first.
//!
//! Every builder is a pure function over a slice of [`ResourceInfo`], so the caller decides
//! what is served: the built-in catalog plus whatever CRDs are established.

mod aggregated;
mod legacy;

use kclient_core::builtin_discovery::by_group_priority;
use kclient_core::version::by_priority;
use serde_json::{Value, json};

use crate::catalog::ResourceInfo;

pub use aggregated::{
    accepts_aggregated, aggregated_content_type, aggregated_core, aggregated_core_version,
    aggregated_groups, aggregated_groups_version,
};
pub use legacy::{api_group, api_group_list, api_resource_list};

/// The Kubernetes version the server claims to be.
pub const GIT_VERSION: &str = "v1.33.0";

/// The `/version` document (apimachinery's `version.Info`) of kube-apiserver v1.33.0.
pub fn version_info() -> Value {
    json!({
        "major": "1",
        "minor": "33",
        "emulationMajor": "1",
        "emulationMinor": "33",
        "minCompatibilityMajor": "1",
        "minCompatibilityMinor": "32",
        "gitVersion": GIT_VERSION,
        "gitCommit": "60a317eadfcb839692a68eab88b2096f4d708f4f",
        "gitTreeState": "clean",
        "buildDate": "2025-04-23T13:00:09Z",
        "goVersion": "go1.24.2",
        "compiler": "gc",
        "platform": "linux/amd64"
    })
}

/// The `/api` document (`APIVersions`): the core group's only version, and the address
/// clients should use (`host:port`, no scheme) for every client network.
pub fn api_versions(server_address: &str) -> Value {
    json!({
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [
            {"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}
        ]
    })
}

/// The named groups of `resources` in the order kube-apiserver lists them (built-in groups
/// by aggregator priority, then every other group alphabetically), each with its versions
/// preferred first. The core group `""` is not included.
pub(crate) fn groups_in_order(resources: &[ResourceInfo]) -> Vec<(&str, Vec<&str>)> {
    let mut groups: Vec<(&str, Vec<&str>)> = Vec::new();
    for r in resources.iter().filter(|r| !r.group.is_empty()) {
        match groups.iter_mut().find(|(g, _)| *g == r.group) {
            Some((_, versions)) => {
                if !versions.contains(&r.version.as_str()) {
                    versions.push(&r.version);
                }
            }
            None => groups.push((&r.group, vec![&r.version])),
        }
    }
    for (_, versions) in &mut groups {
        versions.sort_by(|a, b| by_priority(a, b));
    }
    groups.sort_by(|(a, _), (b, _)| by_group_priority(a, b));
    groups
}

/// The resources of one group-version, sorted by plural (kube-apiserver's order).
pub(crate) fn resources_of<'a>(
    resources: &'a [ResourceInfo],
    group: &str,
    version: &str,
) -> Vec<&'a ResourceInfo> {
    let mut out: Vec<&ResourceInfo> = resources
        .iter()
        .filter(|r| r.group == group && r.version == version)
        .collect();
    out.sort_by(|a, b| a.plural.cmp(&b.plural));
    out.dedup_by(|a, b| a.plural == b.plural);
    out
}

/// `{"groupVersion": "apps/v1", "version": "v1"}`.
pub(crate) fn group_version_for_discovery(group: &str, version: &str) -> Value {
    let group_version = if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    };
    json!({"groupVersion": group_version, "version": version})
}

fn strings_value(items: &[String]) -> Value {
    Value::Array(items.iter().map(|s| Value::String(s.clone())).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::builtin_resources;

    #[test]
    fn version_document() {
        let v = version_info();
        assert_eq!(v["gitVersion"], "v1.33.0");
        assert_eq!(
            (v["major"].as_str(), v["minor"].as_str()),
            (Some("1"), Some("33"))
        );
        assert_eq!(v["platform"], "linux/amd64");
        assert_eq!(v["gitTreeState"], "clean");
        assert_eq!(v["compiler"], "gc");
        assert!(
            v["goVersion"]
                .as_str()
                .is_some_and(|g| g.starts_with("go1."))
        );
        assert!(
            v["buildDate"]
                .as_str()
                .is_some_and(|d| d.parse::<jiff::Timestamp>().is_ok())
        );
    }

    #[test]
    fn api_versions_document() {
        let v = api_versions("127.0.0.1:6443");
        assert_eq!(
            v,
            json!({"kind": "APIVersions", "versions": ["v1"],
                   "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1:6443"}]})
        );
    }

    #[test]
    fn group_order_puts_custom_groups_last() {
        let mut all = builtin_resources().to_vec();
        let mut custom = all[0].clone();
        custom.group = "a.example.com".into();
        custom.version = "v1beta1".into();
        all.push(custom.clone());
        custom.version = "v1".into();
        all.push(custom);
        let order = groups_in_order(&all);
        assert_eq!(order[0].0, "apiregistration.k8s.io");
        assert_eq!(
            order
                .iter()
                .find(|(g, _)| *g == "autoscaling")
                .map(|(_, v)| v.clone()),
            Some(vec!["v2", "v1"])
        );
        assert_eq!(
            order.last().cloned(),
            Some(("a.example.com", vec!["v1", "v1beta1"]))
        );
        assert_eq!(order.len(), 20);
    }
}
