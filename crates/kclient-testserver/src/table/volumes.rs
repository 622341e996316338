//! Printers of PersistentVolumeClaims and PersistentVolumes.

use jiff::Timestamp;
use serde_json::Value;

use super::format::{age, at, list, scalar, text};
use super::{AGE, Column, NAME, Printed, Printer, col};

fn name(obj: &Value) -> Value {
    Value::String(text(obj, "metadata.name").to_string())
}

fn s(v: impl Into<String>) -> Value {
    Value::String(v.into())
}

const ACCESS_MODES: Column = col(
    "Access Modes",
    "AccessModes contains the desired access modes the volume should have.",
);
const STORAGE_CLASS: Column = col(
    "StorageClass",
    "StorageClassName is the name of the StorageClass required by the claim.",
);
const VAC: Column = col(
    "VolumeAttributesClass",
    "VolumeAttributesClassName may be used to set the VolumeAttributesClass used by this claim.",
);
const VOLUME_MODE: Column = col(
    "VolumeMode",
    "volumeMode defines what type of volume is required by the claim.",
)
.wide();

static PVC: Printer = Printer {
    columns: &[
        NAME,
        col(
            "Status",
            "Phase represents the current phase of PersistentVolumeClaim.",
        ),
        col(
            "Volume",
            "VolumeName is the binding reference to the PersistentVolume backing this claim.",
        ),
        col(
            "Capacity",
            "capacity represents the actual resources of the underlying volume.",
        ),
        ACCESS_MODES,
        STORAGE_CLASS,
        VAC,
        AGE,
        VOLUME_MODE,
    ],
    row: pvc_row,
};

static PV: Printer = Printer {
    columns: &[
        NAME,
        col(
            "Capacity",
            "capacity is the description of the persistent volume's resources and capacity.",
        ),
        ACCESS_MODES,
        col(
            "Reclaim Policy",
            "persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim.",
        ),
        col(
            "Status",
            "phase indicates if a volume is available, bound to a claim, or released by a claim.",
        ),
        col(
            "Claim",
            "claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim.",
        ),
        STORAGE_CLASS,
        VAC,
        col(
            "Reason",
            "reason is a brief CamelCase string that describes any failure and is meant for machine parsing and tidy display in the CLI.",
        ),
        AGE,
        VOLUME_MODE,
    ],
    row: pv_row,
};

/// The printer of PersistentVolumeClaims and PersistentVolumes.
pub(super) fn printer(group: &str, kind: &str) -> Option<&'static Printer> {
    match (group, kind) {
        ("", "PersistentVolumeClaim") => Some(&PVC),
        ("", "PersistentVolume") => Some(&PV),
        _ => None,
    }
}
/// `helper.GetAccessModesAsString`: RWO, ROX, RWX, RWOP in that order, deduplicated.
fn access_modes(modes: &[Value]) -> String {
    let has = |m: &str| modes.iter().any(|v| v.as_str() == Some(m));
    [
        ("ReadWriteOnce", "RWO"),
        ("ReadOnlyMany", "ROX"),
        ("ReadWriteMany", "RWX"),
        ("ReadWriteOncePod", "RWOP"),
    ]
    .iter()
    .filter(|(mode, _)| has(mode))
    .map(|(_, short)| *short)
    .collect::<Vec<_>>()
    .join(",")
}

/// The class of a PV or claim: the beta annotation wins over `spec.storageClassName`.
fn storage_class(obj: &Value) -> String {
    at(obj, "metadata.annotations")
        .and_then(|a| a.get("volume.beta.kubernetes.io/storage-class"))
        .map(scalar)
        .unwrap_or_else(|| text(obj, "spec.storageClassName").to_string())
}

fn volume_mode(obj: &Value) -> Value {
    s(at(obj, "spec.volumeMode")
        .and_then(Value::as_str)
        .unwrap_or("<unset>"))
}

fn volume_attributes_class(obj: &Value) -> Value {
    s(at(obj, "spec.volumeAttributesClassName")
        .and_then(Value::as_str)
        .filter(|c| !c.is_empty())
        .unwrap_or("<unset>"))
}

fn deleting(obj: &Value) -> bool {
    obj.pointer("/metadata/deletionTimestamp")
        .is_some_and(|d| !d.is_null())
}

fn pvc_row(pvc: &Value, now: Timestamp) -> Printed {
    let phase = if deleting(pvc) {
        "Terminating"
    } else {
        text(pvc, "status.phase")
    };
    let volume = text(pvc, "spec.volumeName");
    let (capacity, modes) = if volume.is_empty() {
        (String::new(), String::new())
    } else {
        (
            text(pvc, "status.capacity.storage").to_string(),
            access_modes(list(pvc, "status.accessModes")),
        )
    };
    vec![
        name(pvc),
        s(phase),
        s(volume),
        s(capacity),
        s(modes),
        s(storage_class(pvc)),
        volume_attributes_class(pvc),
        age(pvc, now),
        volume_mode(pvc),
    ]
    .into()
}

fn pv_row(pv: &Value, now: Timestamp) -> Printed {
    let claim = match at(pv, "spec.claimRef").filter(|c| c.is_object()) {
        Some(c) => format!("{}/{}", text(c, "namespace"), text(c, "name")),
        None => String::new(),
    };
    let capacity = match text(pv, "spec.capacity.storage") {
        "" => "0",
        c => c,
    };
    let phase = if deleting(pv) {
        "Terminating"
    } else {
        text(pv, "status.phase")
    };
    vec![
        name(pv),
        s(capacity),
        s(access_modes(list(pv, "spec.accessModes"))),
        s(text(pv, "spec.persistentVolumeReclaimPolicy")),
        s(phase),
        s(claim),
        s(storage_class(pv)),
        volume_attributes_class(pv),
        s(text(pv, "status.reason")),
        age(pv, now),
        volume_mode(pv),
    ]
    .into()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn now() -> Timestamp {
        "2024-05-01T12:00:00Z".parse().expect("ts")
    }

    #[test]
    fn volume_cells() {
        let empty = json!({"metadata": {"name": "x"}});
        for p in [&PVC, &PV] {
            assert_eq!((p.row)(&empty, now()).cells.len(), p.columns.len());
        }
        let pvc = json!({"metadata": {"name": "data"}, "spec": {"volumeName": "pv-1", "storageClassName": "standard"},
            "status": {"phase": "Bound", "capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce", "ReadWriteOnce"]}});
        let cells = (PVC.row)(&pvc, now()).cells;
        assert_eq!(
            &cells[1..7],
            &[
                json!("Bound"),
                json!("pv-1"),
                json!("1Gi"),
                json!("RWO"),
                json!("standard"),
                json!("<unset>")
            ]
        );
        let pv = json!({"metadata": {"name": "pv-1"}, "spec": {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteMany", "ReadOnlyMany"],
            "persistentVolumeReclaimPolicy": "Delete", "claimRef": {"namespace": "default", "name": "data"}}, "status": {"phase": "Bound"}});
        let cells = (PV.row)(&pv, now()).cells;
        assert_eq!(
            &cells[1..6],
            &[
                json!("1Gi"),
                json!("ROX,RWX"),
                json!("Delete"),
                json!("Bound"),
                json!("default/data")
            ]
        );
    }
}
