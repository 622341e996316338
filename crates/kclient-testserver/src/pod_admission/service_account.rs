//! The ServiceAccount admission plugin on Pod creation: the account defaults to
//! `default` and must exist; unless the pod or the account opts out, every container
//! and init container mounts a projected `kube-api-access-*` volume (a bound token,
//! the cluster CA and the namespace) read-only at the well-known path; and a pod
//! without image pull secrets takes the account's. Mirror pods (the kubelet's copies of
//! static pods) are left as they are, and may not name an account.

use serde_json::{Map, Value, json};

use super::stored;
use crate::error::{ApiResult, ErrorResponse};
use crate::meta;
use crate::state::State;

/// Where the token volume is mounted.
const TOKEN_MOUNT_PATH: &str = "/var/run/secrets/kubernetes.io/serviceaccount";
/// Prefix of the token volume's name.
const TOKEN_VOLUME_PREFIX: &str = "kube-api-access-";
/// The annotation that marks a mirror pod.
const MIRROR_ANNOTATION: &str = "kubernetes.io/config.mirror";
/// The token lifetime the plugin asks for: an hour plus seven seconds, the marker
/// kube-apiserver recognises to extend such tokens (and warn on their use) instead of
/// expiring them.
const TOKEN_EXPIRATION_SECONDS: i64 = 3607;

pub(super) fn admit(state: &State, pod: &mut Value, name: &str) -> ApiResult<()> {
    let forbidden = |msg: &str| ErrorResponse::forbidden("", "pods", name, msg);
    let mirror = pod
        .pointer("/metadata/annotations")
        .and_then(Value::as_object)
        .is_some_and(|a| a.contains_key(MIRROR_ANNOTATION));
    let namespace = meta::namespace(pod).to_string();
    let Some(spec) = pod.get_mut("spec").and_then(Value::as_object_mut) else {
        return Ok(());
    };
    let account_name = spec
        .get("serviceAccountName")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    if mirror {
        if !account_name.is_empty() {
            return Err(forbidden("a mirror pod may not reference service accounts"));
        }
        return Ok(());
    }
    let account_name = if account_name.is_empty() {
        "default".to_string()
    } else {
        account_name
    };
    let Some(account) = stored(state, "", "serviceaccounts", &namespace, &account_name) else {
        return Err(forbidden(&format!(
            "error looking up service account {namespace}/{account_name}: serviceaccount \"{account_name}\" not found"
        )));
    };
    // The v1 conversion keeps the deprecated alias equal.
    spec.insert("serviceAccountName".into(), json!(account_name));
    spec.insert("serviceAccount".into(), json!(account_name));
    if automount(&account, spec) {
        mount_token(spec);
    }
    let pull_secrets = spec
        .get("imagePullSecrets")
        .and_then(Value::as_array)
        .is_some_and(|s| !s.is_empty());
    if !pull_secrets {
        let from_account: Vec<Value> = account
            .get("imagePullSecrets")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|s| json!({"name": s.get("name").cloned().unwrap_or(json!(""))}))
            .collect();
        if !from_account.is_empty() {
            spec.insert("imagePullSecrets".into(), Value::Array(from_account));
        }
    }
    Ok(())
}

/// The pod's choice wins over the account's; mounting is the default.
fn automount(account: &Value, spec: &Map<String, Value>) -> bool {
    spec.get("automountServiceAccountToken")
        .and_then(Value::as_bool)
        .or_else(|| {
            account
                .get("automountServiceAccountToken")
                .and_then(Value::as_bool)
        })
        .unwrap_or(true)
}

/// Appends the mount to every (init) container without something at the token path,
/// and the volume when a container needed it and the pod has no such volume yet.
fn mount_token(spec: &mut Map<String, Value>) {
    let existing = spec
        .get("volumes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|v| v.get("name").and_then(Value::as_str))
        .find(|n| n.starts_with(TOKEN_VOLUME_PREFIX))
        .map(str::to_string);
    let volume_name = existing
        .clone()
        .unwrap_or_else(|| meta::generate_name(TOKEN_VOLUME_PREFIX));
    let mount = json!({"name": volume_name, "readOnly": true, "mountPath": TOKEN_MOUNT_PATH});
    let mut needed = false;
    for key in ["initContainers", "containers"] {
        let containers = spec.get_mut(key).and_then(Value::as_array_mut);
        for c in containers
            .into_iter()
            .flatten()
            .filter_map(Value::as_object_mut)
        {
            let mounts = c
                .entry("volumeMounts")
                .or_insert_with(|| Value::Array(Vec::new()));
            if mounts.is_null() {
                *mounts = Value::Array(Vec::new());
            }
            let Some(mounts) = mounts.as_array_mut() else {
                continue;
            };
            let mounted = mounts
                .iter()
                .any(|m| m.get("mountPath").and_then(Value::as_str) == Some(TOKEN_MOUNT_PATH));
            if !mounted {
                mounts.push(mount.clone());
                needed = true;
            }
        }
    }
    if existing.is_none() && needed {
        let volumes = spec
            .entry("volumes")
            .or_insert_with(|| Value::Array(Vec::new()));
        if volumes.is_null() {
            *volumes = Value::Array(Vec::new());
        }
        if let Some(volumes) = volumes.as_array_mut() {
            volumes.push(token_volume(&volume_name));
        }
    }
}

/// The projected volume, as kube-apiserver writes it (its defaults included).
fn token_volume(name: &str) -> Value {
    json!({"name": name, "projected": {"defaultMode": 420, "sources": [
        {"serviceAccountToken": {"expirationSeconds": TOKEN_EXPIRATION_SECONDS, "path": "token"}},
        {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
        {"downwardAPI": {"items": [{"path": "namespace",
            "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}}]}}
    ]}})
}
