//! `metadata.managedFields`: decoding the entries into field sets per manager, and encoding
//! them back the way kube-apiserver writes them.

use std::cmp::Ordering;

use serde_json::{Map, Value};

use super::fields::{FieldSet, Path, PathElement, field_path};

/// `operation` of an entry made by server-side apply.
pub(crate) const APPLY: &str = "Apply";
/// `operation` of an entry made by create, update or a non-apply patch.
pub(crate) const UPDATE: &str = "Update";

/// One `managedFields` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Entry {
    pub manager: String,
    pub operation: String,
    pub api_version: String,
    pub time: Option<String>,
    pub subresource: Option<String>,
    pub fields: FieldSet,
}

impl Entry {
    /// Whether `self` is the entry of `manager` doing `operation` (through `subresource`,
    /// at `api_version` for updates; appliers keep one entry whatever version they use).
    pub(crate) fn is(
        &self,
        manager: &str,
        operation: &str,
        api_version: &str,
        subresource: Option<&str>,
    ) -> bool {
        self.manager == manager
            && self.operation == operation
            && self.subresource.as_deref() == subresource
            && (operation == APPLY || self.api_version == api_version)
    }

    fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("manager".into(), Value::String(self.manager.clone()));
        m.insert("operation".into(), Value::String(self.operation.clone()));
        m.insert("apiVersion".into(), Value::String(self.api_version.clone()));
        if let Some(t) = &self.time {
            m.insert("time".into(), Value::String(t.clone()));
        }
        m.insert("fieldsType".into(), Value::String("FieldsV1".into()));
        m.insert("fieldsV1".into(), self.fields.to_fields_v1());
        if let Some(s) = &self.subresource {
            m.insert("subresource".into(), Value::String(s.clone()));
        }
        Value::Object(m)
    }
}

fn str_field<'a>(m: &'a Map<String, Value>, k: &str) -> Option<&'a str> {
    m.get(k).and_then(Value::as_str).filter(|s| !s.is_empty())
}

/// Decodes `obj`'s `metadata.managedFields` (absent means none), with kube-apiserver's
/// validation messages.
pub(crate) fn decode(obj: &Value) -> Result<Vec<Entry>, String> {
    let Some(list) = obj.pointer("/metadata/managedFields") else {
        return Ok(Vec::new());
    };
    let items = match list {
        Value::Null => return Ok(Vec::new()),
        Value::Array(items) => items,
        _ => return Err("managedFields must be a list".into()),
    };
    let mut out: Vec<Entry> = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let m = item
            .as_object()
            .ok_or_else(|| format!("managed fields entry {i} is not an object"))?;
        let operation = match str_field(m, "operation") {
            Some(op @ (APPLY | UPDATE)) => op.to_string(),
            _ => return Err("operation must be `Apply` or `Update`".into()),
        };
        let api_version = str_field(m, "apiVersion")
            .ok_or("apiVersion must not be empty")?
            .to_string();
        match m.get("fieldsType").and_then(Value::as_str).unwrap_or("") {
            "FieldsV1" => {}
            "" => return Err(format!("missing fieldsType in managed fields entry {i}")),
            other => {
                return Err(format!(
                    "invalid fieldsType {other:?} in managed fields entry {i}"
                ));
            }
        }
        let fields = match m.get("fieldsV1") {
            None | Some(Value::Null) => FieldSet::new(),
            Some(v) => FieldSet::from_fields_v1(v)
                .map_err(|e| format!("error decoding versioned set from entry {i}: {e}"))?,
        };
        let entry = Entry {
            manager: m
                .get("manager")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
            operation,
            api_version,
            time: str_field(m, "time").map(str::to_string),
            subresource: str_field(m, "subresource").map(str::to_string),
            fields,
        };
        let duplicate = out.iter().any(|e| {
            e.is(
                &entry.manager,
                &entry.operation,
                &entry.api_version,
                entry.subresource.as_deref(),
            )
        });
        if duplicate {
            return Err(format!(
                "duplicate managed fields entry for manager {:?}",
                entry.manager
            ));
        }
        out.push(entry);
    }
    Ok(out)
}

/// Whether `obj` carries the "reset" marker `managedFields: [{}]` (every entry empty).
pub(crate) fn is_reset(obj: &Value) -> bool {
    match obj.pointer("/metadata/managedFields") {
        Some(Value::Array(items)) => {
            !items.is_empty()
                && items
                    .iter()
                    .all(|i| i.as_object().is_some_and(Map::is_empty))
        }
        _ => false,
    }
}

fn seconds(time: Option<&str>) -> i64 {
    time.and_then(|t| t.parse::<jiff::Timestamp>().ok())
        .map_or(0, |t| t.as_second())
}

/// kube-apiserver's entry order: Apply before Update, then oldest first, then by manager,
/// apiVersion and subresource.
fn order(a: &Entry, b: &Entry) -> Ordering {
    a.operation
        .cmp(&b.operation)
        .then_with(|| seconds(a.time.as_deref()).cmp(&seconds(b.time.as_deref())))
        .then_with(|| a.manager.cmp(&b.manager))
        .then_with(|| a.api_version.cmp(&b.api_version))
        .then_with(|| a.subresource.cmp(&b.subresource))
}

/// Writes `entries` into `obj`'s `metadata.managedFields` (dropping empty ones, and the
/// field itself when nothing is left).
pub(crate) fn encode(obj: &mut Value, mut entries: Vec<Entry>) {
    entries.retain(|e| !e.fields.is_empty());
    entries.sort_by(order);
    let Some(root) = obj.as_object_mut() else {
        return;
    };
    let meta = root
        .entry("metadata")
        .or_insert_with(|| Value::Object(Map::new()));
    let Some(meta) = meta.as_object_mut() else {
        return;
    };
    if entries.is_empty() {
        meta.remove("managedFields");
    } else {
        let list = entries.iter().map(Entry::to_json).collect();
        meta.insert("managedFields".into(), Value::Array(list));
    }
}

/// `obj` without `metadata.managedFields`.
pub(crate) fn without_managed_fields(obj: &Value) -> Value {
    let mut out = obj.clone();
    if let Some(meta) = out.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.remove("managedFields");
    }
    out
}

/// The fields no manager ever owns (kube-apiserver's stripMeta manager): the type meta
/// and the metadata the server itself maintains.
fn stripped_paths() -> Vec<Path> {
    const META: &[&str] = &[
        "name",
        "namespace",
        "creationTimestamp",
        "selfLink",
        "uid",
        "clusterName",
        "generation",
        "managedFields",
        "resourceVersion",
    ];
    let mut out = vec![
        field_path(&["apiVersion"]),
        field_path(&["kind"]),
        field_path(&["metadata"]),
    ];
    out.extend(META.iter().map(|f| field_path(&["metadata", f])));
    out
}

/// `set` without the fields no manager owns.
pub(crate) fn strip(set: &FieldSet) -> FieldSet {
    let mut out = set.clone();
    for p in stripped_paths() {
        out.remove(&p);
    }
    out
}

/// Whether `path` is one of the fields no manager owns.
pub(crate) fn is_stripped(path: &[PathElement]) -> bool {
    stripped_paths().iter().any(|p| p.as_slice() == path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn round_trips_and_sorts_entries() {
        let obj = json!({"metadata": {"managedFields": [
            {"manager": "kubectl", "operation": "Update", "apiVersion": "apps/v1",
             "time": "2024-01-01T00:00:10Z", "fieldsType": "FieldsV1",
             "fieldsV1": {"f:spec": {"f:replicas": {}}}},
            {"manager": "kube-controller-manager", "operation": "Update", "apiVersion": "apps/v1",
             "time": "2024-01-01T00:00:05Z", "fieldsType": "FieldsV1",
             "fieldsV1": {"f:status": {"f:replicas": {}}}, "subresource": "status"},
            {"manager": "helm", "operation": "Apply", "apiVersion": "apps/v1",
             "time": "2024-01-01T00:00:20Z", "fieldsType": "FieldsV1",
             "fieldsV1": {"f:metadata": {"f:labels": {"f:app": {}}}}}
        ]}});
        let entries = decode(&obj).unwrap();
        assert_eq!(entries.len(), 3);
        assert_eq!(entries[1].subresource.as_deref(), Some("status"));
        let mut out = json!({"metadata": {"name": "x"}});
        encode(&mut out, entries);
        let managers: Vec<&str> = out["metadata"]["managedFields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["manager"].as_str().unwrap())
            .collect();
        assert_eq!(managers, vec!["helm", "kube-controller-manager", "kubectl"]);
        assert_eq!(out["metadata"]["managedFields"][1]["subresource"], "status");
        assert_eq!(
            out["metadata"]["managedFields"][0]["fieldsType"],
            "FieldsV1"
        );
    }

    #[test]
    fn rejects_invalid_entries() {
        let bad_op = json!({"metadata": {"managedFields": [{"manager": "a", "operation": "Patch",
            "apiVersion": "v1", "fieldsType": "FieldsV1", "fieldsV1": {}}]}});
        assert_eq!(
            decode(&bad_op).unwrap_err(),
            "operation must be `Apply` or `Update`"
        );
        let no_type = json!({"metadata": {"managedFields": [{"manager": "a", "operation": "Update",
            "apiVersion": "v1", "fieldsV1": {}}]}});
        assert_eq!(
            decode(&no_type).unwrap_err(),
            "missing fieldsType in managed fields entry 0"
        );
        assert!(is_reset(&json!({"metadata": {"managedFields": [{}]}})));
        assert!(!is_reset(&json!({"metadata": {"managedFields": []}})));
    }

    #[test]
    fn empty_entries_disappear() {
        let mut obj = json!({"metadata": {"managedFields": []}});
        encode(
            &mut obj,
            vec![Entry {
                manager: "a".into(),
                operation: UPDATE.into(),
                api_version: "v1".into(),
                time: None,
                subresource: None,
                fields: FieldSet::new(),
            }],
        );
        assert_eq!(obj, json!({"metadata": {}}));
    }
}
