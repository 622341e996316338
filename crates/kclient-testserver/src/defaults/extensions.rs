//! How the API is extended: apiextensions.k8s.io/v1 CustomResourceDefinitions
//! (`SetDefaults_CustomResourceDefinition`, `_CustomResourceDefinitionSpec`,
//! `_ServiceReference`) and apiregistration.k8s.io/v1 APIServices (`SetDefaults_ServiceReference`).

use serde_json::{Map, Value, json};

use super::{child, is_zero, or_nil, present};

/// The port a webhook or aggregated API service reference gets when it names none.
const SERVICE_PORT: i64 = 443;

pub(super) fn apply(group: &str, kind: &str, map: &mut Map<String, Value>) {
    match (group, kind) {
        ("apiextensions.k8s.io", "CustomResourceDefinition") => crd(map),
        ("apiregistration.k8s.io", "APIService") => {
            if let Some(service) = present(map, "spec").and_then(|s| present(s, "service")) {
                or_nil(service, "port", json!(SERVICE_PORT));
            }
        }
        _ => {}
    }
}

fn crd(map: &mut Map<String, Value>) {
    if let Some(spec) = child(map, "spec") {
        crd_spec(spec);
    }
    stored_versions(map);
}

fn crd_spec(spec: &mut Map<String, Value>) {
    if let Some(names) = child(spec, "names") {
        let kind = names
            .get("kind")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        // Without a kind Go's singular stays empty, which JSON omits.
        if is_zero(names.get("singular")) && !kind.is_empty() {
            names.insert("singular".into(), json!(kind.to_lowercase()));
        }
        if is_zero(names.get("listKind")) && !kind.is_empty() {
            names.insert("listKind".into(), json!(format!("{kind}List")));
        }
    }
    or_nil(spec, "conversion", json!({"strategy": "None"}));
    if let Some(service) = present(spec, "conversion")
        .and_then(|c| present(c, "webhook"))
        .and_then(|w| present(w, "clientConfig"))
        .and_then(|c| present(c, "service"))
    {
        or_nil(service, "port", json!(SERVICE_PORT));
    }
}

/// A CRD without stored versions has stored its storage version (the first version marked
/// `storage`); also what the registry's create strategy puts in the status it resets.
pub(super) fn stored_versions(map: &mut Map<String, Value>) {
    let Some(storage) = map
        .get("spec")
        .and_then(kclient_core::crd::definition::storage_version)
        .map(str::to_owned)
    else {
        return;
    };
    if let Some(status) = child(map, "status")
        && is_zero(status.get("storedVersions"))
    {
        status.insert("storedVersions".into(), json!([storage]));
    }
}
