//! Custom resources: what an `apiextensions.k8s.io/v1` CustomResourceDefinition serves.
//!
//! apiextensions-apiserver publishes one resource per served version, with the CRD's names,
//! scope and per-version subresources, and a fixed verb list (in its own, unsorted order,
//! which kubectl prints verbatim).

use kclient_core::version::by_priority;
use serde_json::Value;

use super::{ResourceInfo, SubresourceInfo};

/// Verbs of every custom resource, in the order apiextensions-apiserver lists them.
const CR_VERBS: &[&str] = &[
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "create",
    "update",
    "watch",
];
/// Verbs of the `status` and `scale` subresources of custom resources.
const CR_SUB_VERBS: &[&str] = &["get", "patch", "update"];

/// Turns an `apiextensions.k8s.io/v1` CustomResourceDefinition (as JSON) into one
/// [`ResourceInfo`] per served version, highest-priority version first (the order discovery
/// uses). The error text says which required field is missing or malformed.
pub fn crd_resource_info(crd: &Value) -> Result<Vec<ResourceInfo>, String> {
    let spec = crd.get("spec").ok_or("spec is required")?;
    let group = required_str(spec, "group", "spec.group")?;
    let names = spec.get("names").ok_or("spec.names is required")?;
    let plural = required_str(names, "plural", "spec.names.plural")?;
    let kind = required_str(names, "kind", "spec.names.kind")?;
    let singular = match names.get("singular").and_then(Value::as_str) {
        Some(s) if !s.is_empty() => s.to_string(),
        _ => kind.to_ascii_lowercase(),
    };
    let namespaced = match spec.get("scope").and_then(Value::as_str) {
        Some("Namespaced") => true,
        Some("Cluster") => false,
        Some(other) => {
            return Err(format!(
                "spec.scope: Unsupported value: \"{other}\": supported values: \"Cluster\", \"Namespaced\""
            ));
        }
        None => return Err("spec.scope is required".to_string()),
    };
    let short_names = string_list(names, "shortNames", "spec.names.shortNames")?;
    let categories = string_list(names, "categories", "spec.names.categories")?;
    let versions = spec
        .get("versions")
        .and_then(Value::as_array)
        .filter(|v| !v.is_empty())
        .ok_or("spec.versions must have at least one version")?;

    let mut out = Vec::new();
    for (index, version) in versions.iter().enumerate() {
        let name = version
            .get("name")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| format!("spec.versions[{index}].name is required"))?;
        if !version
            .get("served")
            .and_then(Value::as_bool)
            .unwrap_or(false)
        {
            continue;
        }
        let subresources = version.get("subresources");
        let mut subs = Vec::new();
        if subresources
            .and_then(|s| s.get("scale"))
            .is_some_and(|s| !s.is_null())
        {
            subs.push(SubresourceInfo {
                name: "scale".to_string(),
                kind: "Scale".to_string(),
                group: "autoscaling".to_string(),
                version: "v1".to_string(),
                verbs: strings(CR_SUB_VERBS),
            });
        }
        if subresources
            .and_then(|s| s.get("status"))
            .is_some_and(|s| !s.is_null())
        {
            subs.push(SubresourceInfo {
                name: "status".to_string(),
                kind: kind.to_string(),
                group: group.to_string(),
                version: name.to_string(),
                verbs: strings(CR_SUB_VERBS),
            });
        }
        out.push(ResourceInfo {
            group: group.to_string(),
            version: name.to_string(),
            kind: kind.to_string(),
            plural: plural.to_string(),
            singular: singular.clone(),
            namespaced,
            short_names: short_names.clone(),
            categories: categories.clone(),
            verbs: strings(CR_VERBS),
            subresources: subs,
            storage: true,
        });
    }
    if out.is_empty() {
        return Err("spec.versions: at least one version must be served".to_string());
    }
    out.sort_by(|a, b| by_priority(&a.version, &b.version));
    Ok(out)
}

/// The field-selector labels version `version` of CRD `crd` declares in `selectableFields`
/// (a `jsonPath` of `.spec.color` is selected as `spec.color`), beyond `metadata.name` and
/// `metadata.namespace` which every custom resource supports.
pub fn crd_selectable_fields(crd: &Value, version: &str) -> Vec<String> {
    let versions = crd.pointer("/spec/versions").and_then(Value::as_array);
    let Some(v) = versions.and_then(|vs| {
        vs.iter()
            .find(|v| v.get("name").and_then(Value::as_str) == Some(version))
    }) else {
        return Vec::new();
    };
    v.get("selectableFields")
        .and_then(Value::as_array)
        .map(|fields| {
            fields
                .iter()
                .filter_map(|f| f.get("jsonPath").and_then(Value::as_str))
                .map(|p| p.trim_start_matches('.').to_string())
                .filter(|p| !p.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

fn required_str<'a>(obj: &'a Value, key: &str, path: &str) -> Result<&'a str, String> {
    obj.get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| format!("{path} is required"))
}

fn string_list(obj: &Value, key: &str, path: &str) -> Result<Vec<String>, String> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| {
                i.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| format!("{path} must hold strings"))
            })
            .collect(),
        Some(_) => Err(format!("{path} must be a list of strings")),
    }
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn crontab() -> Value {
        json!({
            "apiVersion": "apiextensions.k8s.io/v1",
            "kind": "CustomResourceDefinition",
            "metadata": {"name": "crontabs.stable.example.com"},
            "spec": {
                "group": "stable.example.com",
                "scope": "Namespaced",
                "names": {"plural": "crontabs", "singular": "crontab", "kind": "CronTab",
                          "shortNames": ["ct"], "categories": ["all"]},
                "versions": [
                    {"name": "v1beta1", "served": true, "storage": false},
                    {"name": "v1", "served": true, "storage": true,
                     "subresources": {"status": {}, "scale": {"specReplicasPath": ".spec.replicas",
                                                              "statusReplicasPath": ".status.replicas"}}},
                    {"name": "v1alpha1", "served": false, "storage": false}
                ]
            }
        })
    }

    #[test]
    fn served_versions_in_priority_order() {
        let infos = crd_resource_info(&crontab()).expect("valid");
        let versions: Vec<&str> = infos.iter().map(|i| i.version.as_str()).collect();
        assert_eq!(versions, vec!["v1", "v1beta1"]);
        let v1 = &infos[0];
        assert_eq!(v1.group, "stable.example.com");
        assert_eq!(
            (v1.kind.as_str(), v1.plural.as_str(), v1.singular.as_str()),
            ("CronTab", "crontabs", "crontab")
        );
        assert!(v1.namespaced && v1.storage);
        assert_eq!(v1.short_names, vec!["ct"]);
        assert_eq!(v1.categories, vec!["all"]);
        assert_eq!(v1.verbs, strings(CR_VERBS));
        let subs: Vec<(&str, &str, &str)> = v1
            .subresources
            .iter()
            .map(|s| (s.name.as_str(), s.group.as_str(), s.kind.as_str()))
            .collect();
        assert_eq!(
            subs,
            vec![
                ("scale", "autoscaling", "Scale"),
                ("status", "stable.example.com", "CronTab")
            ]
        );
        assert!(infos[1].subresources.is_empty());
    }

    #[test]
    fn defaults_and_errors() {
        let mut crd = crontab();
        crd["spec"]["names"] = json!({"plural": "crontabs", "kind": "CronTab"});
        crd["spec"]["scope"] = json!("Cluster");
        let infos = crd_resource_info(&crd).expect("valid");
        assert_eq!(infos[0].singular, "crontab");
        assert!(!infos[0].namespaced && infos[0].short_names.is_empty());

        crd["spec"]["scope"] = json!("Global");
        assert!(crd_resource_info(&crd).unwrap_err().contains("spec.scope"));
        assert_eq!(
            crd_resource_info(&json!({})).unwrap_err(),
            "spec is required"
        );
        let mut no_plural = crontab();
        no_plural["spec"]["names"]["plural"] = json!("");
        assert_eq!(
            crd_resource_info(&no_plural).unwrap_err(),
            "spec.names.plural is required"
        );
        let mut none_served = crontab();
        none_served["spec"]["versions"] = json!([{"name": "v1", "served": false}]);
        assert!(crd_resource_info(&none_served).is_err());
    }

    #[test]
    fn selectable_fields() {
        let mut crd = crontab();
        crd["spec"]["versions"][1]["selectableFields"] =
            json!([{"jsonPath": ".spec.color"}, {"jsonPath": ".spec.size"}]);
        assert_eq!(
            crd_selectable_fields(&crd, "v1"),
            vec!["spec.color", "spec.size"]
        );
        assert!(crd_selectable_fields(&crd, "v1beta1").is_empty());
        assert!(crd_selectable_fields(&crd, "v9").is_empty());
    }

    /// apimachinery reads `v01` as GA version 1, so a CRD serves it before its betas (not
    /// after its alphas, as an unknown version would be).
    #[test]
    fn leading_zero_versions_rank_as_kubernetes_versions() {
        let mut crd = crontab();
        crd["spec"]["versions"] = json!([
            {"name": "v1beta1", "served": true, "storage": false},
            {"name": "v01", "served": true, "storage": true},
            {"name": "v1alpha1", "served": true, "storage": false}
        ]);
        let infos = crd_resource_info(&crd).expect("valid");
        let versions: Vec<&str> = infos.iter().map(|i| i.version.as_str()).collect();
        assert_eq!(versions, ["v01", "v1beta1", "v1alpha1"]);
    }

    #[test]
    fn kube_aware_version_order() {
        let mut v = vec![
            "v1alpha1",
            "foo",
            "v2",
            "v1beta2",
            "v11alpha2",
            "v1",
            "v1beta1",
            "v10",
            "bar",
        ];
        v.sort_by(|a, b| by_priority(a, b));
        assert_eq!(
            v,
            vec![
                "v10",
                "v2",
                "v1",
                "v1beta2",
                "v1beta1",
                "v11alpha2",
                "v1alpha1",
                "bar",
                "foo"
            ]
        );
    }
}
