//! One stored revision of an object and the watch events built from them.

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use bytes::Bytes;
use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;

use super::untyped::UntypedRuns;
use crate::catalog;
use crate::error::ErrorResponse;
use crate::meta;

/// An immutable stored object: its serialized bytes (served as-is by lists and watches)
/// plus the metadata the hot paths read. The JSON tree is not kept: a small JSON object
/// as a `Value` costs several times its serialized size, so code that needs the whole
/// object parses [`Obj::json`] again through [`Obj::value`].
pub(crate) struct Obj {
    pub json: Bytes,
    pub labels: BTreeMap<String, String>,
    name: Box<str>,
    namespace: Box<str>,
    resource_version: Box<str>,
    api_version: Box<str>,
    uid: Option<Box<str>>,
    deletion_timestamp: Option<Box<str>>,
    finalizers: Box<[String]>,
    /// The kind-specific field-selector labels and their values.
    fields: Box<[(&'static str, Box<str>)]>,
    /// Where `json` holds the members other than `kind` and `apiVersion`.
    untyped: Option<UntypedRuns>,
    /// The protobuf encoding, made on first use (see [`Obj::protobuf`]).
    protobuf: OnceLock<Bytes>,
}

/// The stored bytes of an object did not parse back. The server serialized them itself,
/// so this is a bug; it surfaces as a 500 rather than a panic.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("stored object {key:?} could not be decoded: {reason}")]
pub(crate) struct Undecodable {
    key: String,
    reason: String,
}

impl From<Undecodable> for ErrorResponse {
    fn from(e: Undecodable) -> Self {
        ErrorResponse::internal(e.to_string())
    }
}

/// Only `metadata`; every other field is skipped without being built.
#[derive(Deserialize)]
struct MetadataOnly<'a> {
    #[serde(borrow, default)]
    metadata: Option<&'a RawValue>,
}

fn boxed(s: Option<&str>) -> Box<str> {
    s.unwrap_or("").into()
}

impl Obj {
    pub fn new(value: Value) -> Arc<Self> {
        let (json, untyped) = super::untyped::serialize(&value);
        let json = Bytes::from(json);
        let api_version = value.get("apiVersion").and_then(Value::as_str);
        let group = api_version
            .and_then(|av| av.split_once('/'))
            .map_or("", |(g, _)| g);
        let kind = value.get("kind").and_then(Value::as_str).unwrap_or("");
        let fields = catalog::field_set(group, kind, &value)
            .into_iter()
            .map(|(f, v)| (f, v.into_boxed_str()))
            .collect();
        Arc::new(Obj {
            json,
            labels: meta::labels(&value),
            name: meta::name(&value).into(),
            namespace: meta::namespace(&value).into(),
            resource_version: boxed(meta::meta_str(&value, "resourceVersion")),
            api_version: boxed(api_version),
            uid: meta::meta_str(&value, "uid").map(Into::into),
            deletion_timestamp: meta::deletion_timestamp(&value).map(Into::into),
            finalizers: meta::finalizers(&value).into_boxed_slice(),
            fields,
            untyped,
            protobuf: OnceLock::new(),
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    pub fn resource_version(&self) -> &str {
        &self.resource_version
    }

    pub fn api_version(&self) -> &str {
        &self.api_version
    }

    /// `metadata.uid`, when set.
    pub fn uid(&self) -> Option<&str> {
        self.uid.as_deref()
    }

    /// `metadata.deletionTimestamp`, when set.
    pub fn deletion_timestamp(&self) -> Option<&str> {
        self.deletion_timestamp.as_deref()
    }

    /// `metadata.finalizers` (the string entries).
    pub fn finalizers(&self) -> &[String] {
        &self.finalizers
    }

    /// The value of a kind-specific field-selector label, when the object's own
    /// apiVersion and kind define it.
    pub fn field(&self, label: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(f, _)| *f == label)
            .map(|(_, v)| &**v)
    }

    /// Appends the stored object without its top-level `kind` and `apiVersion` (a JSON list
    /// item of a built-in kind) by copying the stored bytes; `false` when the stored bytes
    /// were not an object, and nothing was written.
    pub fn write_untyped(&self, out: &mut Vec<u8>) -> bool {
        self.untyped
            .as_ref()
            .map(|runs| runs.write(&self.json, out))
            .is_some()
    }

    /// The object's protobuf encoding in its stored version, made by `encode` from the
    /// stored JSON on first use and kept: a stored revision never changes, so its encoding
    /// never goes stale (a write stores a new `Obj`).
    pub fn protobuf<E>(
        &self,
        encode: impl FnOnce(&[u8]) -> Result<Vec<u8>, E>,
    ) -> Result<Bytes, E> {
        if let Some(done) = self.protobuf.get() {
            return Ok(done.clone());
        }
        let encoded = Bytes::from(encode(&self.json)?);
        Ok(self.protobuf.get_or_init(|| encoded).clone())
    }

    fn undecodable(&self, err: &serde_json::Error) -> Undecodable {
        Undecodable {
            key: super::object_key(&self.namespace, &self.name),
            reason: err.to_string(),
        }
    }

    /// The whole object, parsed from the stored bytes on every call (nothing is cached,
    /// which is what keeps stored objects compact).
    pub fn value(&self) -> Result<Value, Undecodable> {
        serde_json::from_slice(&self.json).map_err(|e| self.undecodable(&e))
    }

    /// The serialized `metadata` (`{}` when absent or null), a slice of the stored bytes:
    /// no tree is built, the rest of the object is only scanned.
    pub fn metadata_json(&self) -> Result<&[u8], Undecodable> {
        let only: MetadataOnly =
            serde_json::from_slice(&self.json).map_err(|e| self.undecodable(&e))?;
        Ok(only.metadata.map_or(&b"{}"[..], |m| m.get().as_bytes()))
    }
}

// By hand: the object may be a Secret, and its content has no place in logs.
impl std::fmt::Debug for Obj {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Obj")
            .field("api_version", &self.api_version)
            .field("namespace", &self.namespace)
            .field("name", &self.name)
            .field("resource_version", &self.resource_version)
            .field("json_len", &self.json.len())
            .finish_non_exhaustive()
    }
}

/// The type of a watch event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum EventType {
    Added,
    Modified,
    Deleted,
}

impl EventType {
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Added => "ADDED",
            EventType::Modified => "MODIFIED",
            EventType::Deleted => "DELETED",
        }
    }
}

/// One change of one object, kept in the history and broadcast to watchers.
#[derive(Debug)]
pub(crate) struct Event {
    pub rv: u64,
    pub kind: EventType,
    /// The object after the change (for deletions: the last state, with the deletion RV).
    pub obj: Arc<Obj>,
    /// The object before the change, so filtered watches can see selector transitions.
    pub prev: Option<Arc<Obj>>,
    /// Storage key, to prune revisions when the event leaves the history.
    pub key: String,
    line: OnceLock<Bytes>,
}

impl Event {
    pub fn new(
        rv: u64,
        kind: EventType,
        obj: Arc<Obj>,
        prev: Option<Arc<Obj>>,
        key: String,
    ) -> Self {
        Event {
            rv,
            kind,
            obj,
            prev,
            key,
            line: OnceLock::new(),
        }
    }

    /// The event as one line of the watch stream, built once and shared by all watchers.
    pub fn line(&self) -> Bytes {
        self.line
            .get_or_init(|| watch_line(self.kind.as_str(), &self.obj.json))
            .clone()
    }
}

/// `{"type":T,"object":OBJ}\n`.
pub(crate) fn watch_line(kind: &str, object_json: &[u8]) -> Bytes {
    let mut out = Vec::with_capacity(object_json.len() + kind.len() + 24);
    out.extend_from_slice(b"{\"type\":\"");
    out.extend_from_slice(kind.as_bytes());
    out.extend_from_slice(b"\",\"object\":");
    out.extend_from_slice(object_json);
    out.extend_from_slice(b"}\n");
    Bytes::from(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn obj_and_line() {
        let o = Obj::new(json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "a", "namespace": "n", "resourceVersion": "5", "labels": {"x": "y"}}}));
        assert_eq!(o.name(), "a");
        assert_eq!(o.namespace(), "n");
        assert_eq!(o.resource_version(), "5");
        assert_eq!(o.api_version(), "v1");
        assert_eq!(o.uid(), None);
        assert_eq!(o.deletion_timestamp(), None);
        assert!(o.finalizers().is_empty());
        assert_eq!(o.labels.get("x").map(String::as_str), Some("y"));
        let e = Event::new(5, EventType::Added, o, None, "n/a".into());
        let line = e.line();
        let v: Value = serde_json::from_slice(&line).unwrap();
        assert_eq!(v["type"], "ADDED");
        assert_eq!(v["object"]["metadata"]["name"], "a");
        assert!(line.ends_with(b"\n"));
    }

    #[test]
    fn metadata_is_extracted_and_the_tree_parsed_on_demand() {
        let value = json!({"apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": "s", "namespace": "n", "uid": "u-1",
                "deletionTimestamp": "2024-01-01T00:00:00Z", "finalizers": ["a/b", 7, "c"]},
            "data": {"password": "aHVudGVyMg=="}});
        let o = Obj::new(value.clone());
        assert_eq!(o.uid(), Some("u-1"));
        assert_eq!(o.deletion_timestamp(), Some("2024-01-01T00:00:00Z"));
        assert_eq!(o.finalizers(), ["a/b".to_string(), "c".to_string()]);
        assert_eq!(o.value().unwrap(), value);
        let meta: Value = serde_json::from_slice(o.metadata_json().unwrap()).unwrap();
        assert_eq!(meta, value["metadata"]);
        assert_eq!(
            Obj::new(json!({"kind": "X"})).metadata_json().unwrap(),
            b"{}"
        );
        let null_meta = Obj::new(json!({"kind": "X", "metadata": null}));
        assert_eq!(null_meta.metadata_json().unwrap(), b"{}");
        assert_eq!(o.field("type"), Some(""));
        assert_eq!(o.field("spec.nodeName"), None);
        let pod = Obj::new(
            json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
            "spec": {"nodeName": "n1"}}),
        );
        assert_eq!(pod.field("spec.nodeName"), Some("n1"));
        assert_eq!(pod.field("status.phase"), Some(""));
        let job = Obj::new(json!({"apiVersion": "batch/v1", "kind": "Job"}));
        assert_eq!(job.field("status.successful"), Some("0"));
        // Debug names the object but never shows its content.
        let debug = format!("{o:?}");
        assert!(debug.contains("\"s\""), "{debug}");
        assert!(!debug.contains("aHVudGVyMg"), "{debug}");
    }

    #[test]
    fn undecodable_bytes_are_an_internal_error() {
        let o = Obj {
            json: Bytes::from_static(b"{\"metadata\":"),
            labels: BTreeMap::new(),
            name: "x".into(),
            namespace: "n".into(),
            resource_version: "1".into(),
            api_version: "v1".into(),
            uid: None,
            deletion_timestamp: None,
            finalizers: Box::default(),
            fields: Box::default(),
            untyped: None,
            protobuf: OnceLock::new(),
        };
        let err = o.value().unwrap_err();
        assert!(err.to_string().contains("\"n/x\""), "{err}");
        assert!(o.metadata_json().is_err());
        let api: ErrorResponse = err.into();
        assert_eq!(api.code(), http::StatusCode::INTERNAL_SERVER_ERROR);
    }
}
