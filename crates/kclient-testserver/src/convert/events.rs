//! core/v1 <-> events.k8s.io/v1 Events. kube-apiserver keeps events.k8s.io/v1 Events in
//! the core Event storage, so each API reads the other's writes; the two forms differ
//! only in the names of top-level fields.

use serde_json::{Map, Value};

/// core/v1 Event field ↔ events.k8s.io/v1 Event field, for the fields named differently.
const EVENT_FIELDS: &[(&str, &str)] = &[
    ("involvedObject", "regarding"),
    ("message", "note"),
    ("reportingComponent", "reportingController"),
    ("source", "deprecatedSource"),
    ("firstTimestamp", "deprecatedFirstTimestamp"),
    ("lastTimestamp", "deprecatedLastTimestamp"),
    ("count", "deprecatedCount"),
];

/// Whether an object stored as `from` is served as `to` by renaming Event fields.
fn event_direction(kind: &str, from: &str, to: &str) -> Option<bool> {
    if kind != "Event" {
        return None;
    }
    match (from, to) {
        ("v1", "events.k8s.io/v1") => Some(true),
        ("events.k8s.io/v1", "v1") => Some(false),
        _ => None,
    }
}

/// Renames `obj`'s fields for `to` when `obj` is an Event of the other Event API; returns
/// whether it did.
pub(super) fn convert(obj: &mut Map<String, Value>, to: &str) -> bool {
    let from = obj.get("apiVersion").and_then(Value::as_str).unwrap_or("");
    let kind = obj.get("kind").and_then(Value::as_str).unwrap_or("");
    let Some(to_events) = event_direction(kind, from, to) else {
        return false;
    };
    for (core, events) in EVENT_FIELDS {
        let (old, new) = if to_events {
            (core, events)
        } else {
            (events, core)
        };
        if let Some(v) = obj.remove(*old) {
            obj.insert((*new).to_string(), v);
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn events_convert_both_ways_and_nothing_else_does() {
        let core = json!({"apiVersion": "v1", "kind": "Event", "metadata": {"name": "e"},
            "involvedObject": {"kind": "Pod", "name": "web"}, "message": "hi", "count": 3,
            "source": {"component": "c"}, "reportingComponent": "c", "reportingInstance": "i",
            "firstTimestamp": "2024-01-01T00:00:00Z", "lastTimestamp": null, "reason": "R"});
        let mut v = core.as_object().cloned().expect("object");
        assert!(convert(&mut v, "events.k8s.io/v1"));
        assert_eq!(v["regarding"]["name"], "web");
        assert_eq!(v["note"], "hi");
        assert_eq!(v["deprecatedCount"], 3);
        assert_eq!(v["deprecatedSource"]["component"], "c");
        assert_eq!(v["reportingController"], "c");
        assert_eq!(v["reportingInstance"], "i");
        assert_eq!(v["reason"], "R");
        assert!(!v.contains_key("involvedObject") && !v.contains_key("message"));
        v.insert("apiVersion".into(), json!("events.k8s.io/v1"));
        assert!(convert(&mut v, "v1"));
        v.insert("apiVersion".into(), json!("v1"));
        assert_eq!(Value::Object(v), core);
        let mut pod = json!({"apiVersion": "v1", "kind": "Pod", "message": "x"})
            .as_object()
            .cloned()
            .expect("object");
        assert!(!convert(&mut pod, "events.k8s.io/v1"));
        assert_eq!(pod["message"], "x");
    }
}
