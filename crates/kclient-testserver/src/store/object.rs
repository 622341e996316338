//! One stored revision of an object and the watch events built from them.

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use bytes::Bytes;
use serde_json::Value;

use crate::meta;

/// An immutable stored object: the JSON tree, its serialized bytes (served as-is by
/// lists and watches) and the labels every selector match needs.
#[derive(Debug)]
pub(crate) struct Obj {
    pub value: Value,
    pub json: Bytes,
    pub labels: BTreeMap<String, String>,
}

impl Obj {
    pub fn new(value: Value) -> Arc<Self> {
        // Serializing a Value cannot fail (all map keys are strings).
        let json = Bytes::from(serde_json::to_vec(&value).unwrap_or_default());
        let labels = meta::labels(&value);
        Arc::new(Obj {
            value,
            json,
            labels,
        })
    }

    pub fn name(&self) -> &str {
        meta::name(&self.value)
    }

    pub fn namespace(&self) -> &str {
        meta::namespace(&self.value)
    }

    pub fn resource_version(&self) -> &str {
        meta::meta_str(&self.value, "resourceVersion").unwrap_or("")
    }

    pub fn api_version(&self) -> &str {
        self.value
            .get("apiVersion")
            .and_then(Value::as_str)
            .unwrap_or("")
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
        assert_eq!(o.labels.get("x").map(String::as_str), Some("y"));
        let e = Event::new(5, EventType::Added, o, None, "n/a".into());
        let line = e.line();
        let v: Value = serde_json::from_slice(&line).unwrap();
        assert_eq!(v["type"], "ADDED");
        assert_eq!(v["object"]["metadata"]["name"], "a");
        assert!(line.ends_with(b"\n"));
    }
}
