//! storage.k8s.io/v1: `SetDefaults_StorageClass` and `SetDefaults_CSIDriver`.

use serde_json::{Map, Value, json};

use super::{child, is_zero, or_nil};

pub(super) fn apply(kind: &str, map: &mut Map<String, Value>) {
    match kind {
        "StorageClass" => {
            or_nil(map, "reclaimPolicy", json!("Delete"));
            or_nil(map, "volumeBindingMode", json!("Immediate"));
        }
        "CSIDriver" => {
            let Some(spec) = child(map, "spec") else {
                return;
            };
            or_nil(spec, "attachRequired", json!(true));
            or_nil(spec, "podInfoOnMount", json!(false));
            or_nil(spec, "storageCapacity", json!(false));
            or_nil(spec, "fsGroupPolicy", json!("ReadWriteOnceWithFSType"));
            if is_zero(spec.get("volumeLifecycleModes")) {
                spec.insert("volumeLifecycleModes".into(), json!(["Persistent"]));
            }
            or_nil(spec, "requiresRepublish", json!(false));
            // SELinuxMountReadWriteOncePod is beta (on) in 1.33.
            or_nil(spec, "seLinuxMount", json!(false));
        }
        _ => {}
    }
}
