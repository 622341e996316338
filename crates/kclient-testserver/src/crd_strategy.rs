//! kube-apiserver's registry strategy for CustomResourceDefinitions (the CRD kind itself):
//! the status a new CRD is stored with before the naming and establishing controllers run,
//! the stored version an update records, and which rules check a create, an update and a
//! status write.

use serde_json::{Map, Value, json};

use crate::error::FieldError;

/// The CRD's storage version.
fn storage_version(crd: &Map<String, Value>) -> Option<&str> {
    kclient_core::crd::definition::storage_version(crd.get("spec")?)
}

/// A new CRD's status: Go's zero `CustomResourceDefinitionStatus` (JSON keeps `conditions`
/// as `null` and the accepted names' `plural` and `kind` as empty strings, which it does not
/// omit) holding the storage version as the only stored version.
pub(crate) fn prepare_create(crd: &mut Map<String, Value>) {
    let stored: Vec<Value> = storage_version(crd).map(Value::from).into_iter().collect();
    crd.insert(
        "status".into(),
        json!({
            "conditions": null,
            "acceptedNames": {"plural": "", "kind": ""},
            "storedVersions": stored,
        }),
    );
}

/// An update of the main resource keeps the stored status (the status subresource owns
/// it) but records a new storage version as stored.
pub(crate) fn prepare_update(new: &mut Value) {
    let Some(map) = new.as_object_mut() else {
        return;
    };
    let Some(storage) = storage_version(map).map(str::to_owned) else {
        return;
    };
    let status = map.entry("status").or_insert_with(|| json!({}));
    let Some(status) = status.as_object_mut() else {
        return;
    };
    let stored = status
        .entry("storedVersions")
        .or_insert_with(|| Value::Array(Vec::new()));
    match stored {
        Value::Array(list) => {
            if !list.iter().any(|v| v.as_str() == Some(storage.as_str())) {
                list.push(Value::String(storage));
            }
        }
        other => *other = json!([storage]),
    }
}

/// kube-apiserver's validation of a CRD write: the create rules, the update rules against
/// the stored object, or, for a write of the status subresource, only the status rules.
///
/// A main-resource write reaches validation with the stored status (it may not change it),
/// so a status that differs from the stored one is a status write. A status write that
/// changes nothing gets the update rules, which the stored object passes.
pub(crate) fn validate_rules(crd: &Value, old: Option<&Value>) -> Vec<FieldError> {
    use kclient_core::crd::definition::{
        validate_definition, validate_definition_status_update, validate_definition_update,
    };
    let rules = &mut crate::crd_schema::rule_errors;
    match old {
        None => validate_definition(crd, rules),
        Some(old) if crd.get("status") != old.get("status") => {
            validate_definition_status_update(crd)
        }
        Some(old) => validate_definition_update(crd, old, rules),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn crd(status: Value) -> Value {
        json!({"spec": {"versions": [{"name": "v1beta1", "storage": false},
            {"name": "v1", "storage": true}]}, "status": status})
    }

    #[test]
    fn a_new_crd_starts_with_the_zero_status_and_its_storage_version() {
        let mut new = crd(json!({"conditions": [{"type": "Established"}]}));
        prepare_create(new.as_object_mut().unwrap());
        assert_eq!(
            new["status"],
            json!({"conditions": null, "acceptedNames": {"plural": "", "kind": ""},
                "storedVersions": ["v1"]})
        );
    }

    #[test]
    fn an_update_adds_a_new_storage_version_once() {
        let mut new = crd(json!({"storedVersions": ["v1beta1"]}));
        prepare_update(&mut new);
        assert_eq!(new["status"]["storedVersions"], json!(["v1beta1", "v1"]));
        prepare_update(&mut new);
        assert_eq!(new["status"]["storedVersions"], json!(["v1beta1", "v1"]));
        let mut cleared = crd(json!({"storedVersions": null}));
        prepare_update(&mut cleared);
        assert_eq!(cleared["status"]["storedVersions"], json!(["v1"]));
    }
}
