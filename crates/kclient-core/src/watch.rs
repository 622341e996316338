//! Watch events as kube-apiserver streams them: one JSON object per line,
//! `{"type":"ADDED","object":{...}}`.
//!
//! `BOOKMARK` events carry only a resource version (and, at the end of the initial events of
//! a watch-list request, the `k8s.io/initial-events-end` annotation), so they decode into
//! [`Bookmark`] rather than `T`. `ERROR` events carry a meta/v1 `Status` (e.g. 410 `Expired`).

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Status;
use serde::{Deserialize, Serialize};

use crate::json::null_as_default;
use crate::resource::Resource;

/// The annotation kube-apiserver puts on the bookmark that ends the initial events of a
/// `sendInitialEvents=true` watch.
pub const INITIAL_EVENTS_END_ANNOTATION: &str = "k8s.io/initial-events-end";

/// One event of a watch stream.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "object", rename_all = "UPPERCASE")]
pub enum WatchEvent<T> {
    /// An object was created (or is part of the initial state).
    Added(T),
    /// An object changed.
    Modified(T),
    /// An object was deleted; this is its last state.
    Deleted(T),
    /// A progress marker: nothing changed up to this resource version.
    Bookmark(Bookmark),
    /// The watch failed; the stream ends after this event.
    Error(Status),
}

impl<T> WatchEvent<T> {
    /// The wire name of the event type (`ADDED`, `MODIFIED`, `DELETED`, `BOOKMARK`, `ERROR`).
    pub fn type_name(&self) -> &'static str {
        match self {
            Self::Added(_) => "ADDED",
            Self::Modified(_) => "MODIFIED",
            Self::Deleted(_) => "DELETED",
            Self::Bookmark(_) => "BOOKMARK",
            Self::Error(_) => "ERROR",
        }
    }

    /// The object of an `ADDED`, `MODIFIED` or `DELETED` event.
    pub fn object(&self) -> Option<&T> {
        match self {
            Self::Added(obj) | Self::Modified(obj) | Self::Deleted(obj) => Some(obj),
            Self::Bookmark(_) | Self::Error(_) => None,
        }
    }

    /// The object of an `ADDED`, `MODIFIED` or `DELETED` event, by value.
    pub fn into_object(self) -> Option<T> {
        match self {
            Self::Added(obj) | Self::Modified(obj) | Self::Deleted(obj) => Some(obj),
            Self::Bookmark(_) | Self::Error(_) => None,
        }
    }

    /// Converts the object of the event, keeping its type.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> WatchEvent<U> {
        match self {
            Self::Added(obj) => WatchEvent::Added(f(obj)),
            Self::Modified(obj) => WatchEvent::Modified(f(obj)),
            Self::Deleted(obj) => WatchEvent::Deleted(f(obj)),
            Self::Bookmark(b) => WatchEvent::Bookmark(b),
            Self::Error(s) => WatchEvent::Error(s),
        }
    }

    /// Converts the object of the event with a fallible function.
    pub fn try_map<U, E>(self, f: impl FnOnce(T) -> Result<U, E>) -> Result<WatchEvent<U>, E> {
        Ok(match self {
            Self::Added(obj) => WatchEvent::Added(f(obj)?),
            Self::Modified(obj) => WatchEvent::Modified(f(obj)?),
            Self::Deleted(obj) => WatchEvent::Deleted(f(obj)?),
            Self::Bookmark(b) => WatchEvent::Bookmark(b),
            Self::Error(s) => WatchEvent::Error(s),
        })
    }
}

impl<T: Resource> WatchEvent<T> {
    /// The resource version this event brings the watcher to: the object's, or the
    /// bookmark's. `None` for errors and objects without one.
    pub fn resource_version(&self) -> Option<&str> {
        match self {
            Self::Added(obj) | Self::Modified(obj) | Self::Deleted(obj) => {
                obj.meta().resource_version.as_deref()
            }
            Self::Bookmark(b) => Some(b.metadata.resource_version.as_str()),
            Self::Error(_) => None,
        }
    }
}

/// The object of a `BOOKMARK` event: the watched type with only metadata that matters.
///
/// Other fields the server sends (an empty `spec`, `creationTimestamp: null`) are ignored.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Bookmark {
    /// `apiVersion` of the watched type.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub api_version: String,
    /// `kind` of the watched type.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub kind: String,
    /// The resource version and annotations.
    pub metadata: BookmarkMeta,
}

/// The metadata of a [`Bookmark`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BookmarkMeta {
    /// The resource version the watch has reached.
    pub resource_version: String,
    /// Annotations, e.g. [`INITIAL_EVENTS_END_ANNOTATION`].
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub annotations: BTreeMap<String, String>,
}

impl Bookmark {
    /// A bookmark for objects of type `K` at a resource version.
    pub fn for_resource<K: Resource>(resource_version: impl Into<String>) -> Self {
        Self {
            api_version: K::API_VERSION.to_owned(),
            kind: K::KIND.to_owned(),
            metadata: BookmarkMeta {
                resource_version: resource_version.into(),
                annotations: BTreeMap::new(),
            },
        }
    }

    /// A bookmark with the given `apiVersion`, `kind` and resource version.
    pub fn new(
        api_version: impl Into<String>,
        kind: impl Into<String>,
        resource_version: impl Into<String>,
    ) -> Self {
        Self {
            api_version: api_version.into(),
            kind: kind.into(),
            metadata: BookmarkMeta {
                resource_version: resource_version.into(),
                annotations: BTreeMap::new(),
            },
        }
    }

    /// Marks this bookmark as the end of the initial events of a watch-list request.
    #[must_use]
    pub fn with_initial_events_end(mut self) -> Self {
        self.metadata
            .annotations
            .insert(INITIAL_EVENTS_END_ANNOTATION.to_owned(), "true".to_owned());
        self
    }

    /// The resource version the watch has reached.
    pub fn resource_version(&self) -> &str {
        &self.metadata.resource_version
    }

    /// True when this bookmark ends the initial events of a watch-list request.
    pub fn is_initial_events_end(&self) -> bool {
        self.metadata
            .annotations
            .get(INITIAL_EVENTS_END_ANNOTATION)
            .is_some_and(|v| v == "true")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dynamic::Unstructured;
    use k8s_openapi::api::core::v1::Pod;
    use serde_json::json;

    const ADDED: &str = r#"{"type":"ADDED","object":{"kind":"Pod","apiVersion":"v1","metadata":{"name":"web","namespace":"default","resourceVersion":"10"},"spec":{"containers":[{"name":"c","image":"nginx"}]}}}"#;
    const BOOKMARK: &str = r#"{"type":"BOOKMARK","object":{"kind":"Pod","apiVersion":"v1","metadata":{"resourceVersion":"12746","creationTimestamp":null,"annotations":{"k8s.io/initial-events-end":"true"}},"spec":{"containers":null},"status":{}}}"#;
    const ERROR: &str = r#"{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"too old resource version: 1 (2)","reason":"Expired","code":410}}"#;

    #[test]
    fn decodes_object_events() {
        let ev: WatchEvent<Pod> = serde_json::from_str(ADDED).unwrap();
        assert_eq!(ev.type_name(), "ADDED");
        assert_eq!(ev.resource_version(), Some("10"));
        let pod = ev.object().unwrap();
        assert_eq!(pod.metadata.name.as_deref(), Some("web"));

        let modified = ADDED.replace("ADDED", "MODIFIED");
        let ev: WatchEvent<Pod> = serde_json::from_str(&modified).unwrap();
        assert!(matches!(ev, WatchEvent::Modified(_)));
        let deleted = ADDED.replace("ADDED", "DELETED");
        let ev: WatchEvent<Pod> = serde_json::from_str(&deleted).unwrap();
        assert!(matches!(ev, WatchEvent::Deleted(_)));
        assert!(ev.into_object().is_some());
    }

    #[test]
    fn decodes_initial_events_end_bookmark() {
        let ev: WatchEvent<Pod> = serde_json::from_str(BOOKMARK).unwrap();
        let WatchEvent::Bookmark(bookmark) = &ev else {
            panic!("not a bookmark: {ev:?}");
        };
        assert_eq!(bookmark.resource_version(), "12746");
        assert_eq!(bookmark.kind, "Pod");
        assert_eq!(bookmark.api_version, "v1");
        assert!(bookmark.is_initial_events_end());
        assert_eq!(ev.resource_version(), Some("12746"));
        assert!(ev.object().is_none());

        let plain = r#"{"type":"BOOKMARK","object":{"kind":"Pod","apiVersion":"v1","metadata":{"resourceVersion":"5","annotations":null}}}"#;
        let ev: WatchEvent<Pod> = serde_json::from_str(plain).unwrap();
        let WatchEvent::Bookmark(bookmark) = ev else {
            panic!("not a bookmark");
        };
        assert!(!bookmark.is_initial_events_end());
    }

    #[test]
    fn decodes_error_status() {
        let ev: WatchEvent<Pod> = serde_json::from_str(ERROR).unwrap();
        let WatchEvent::Error(status) = &ev else {
            panic!("not an error: {ev:?}");
        };
        assert_eq!(status.code, Some(410));
        assert_eq!(status.reason.as_deref(), Some("Expired"));
        assert_eq!(ev.type_name(), "ERROR");
        assert_eq!(ev.resource_version(), None);
    }

    #[test]
    fn decodes_into_unstructured_and_with_object_first() {
        let ev: WatchEvent<Unstructured> = serde_json::from_str(ADDED).unwrap();
        assert_eq!(ev.object().and_then(Unstructured::name), Some("web"));
        let reordered = r#"{"object":{"metadata":{"name":"x"}},"type":"DELETED"}"#;
        let ev: WatchEvent<Unstructured> = serde_json::from_str(reordered).unwrap();
        assert!(matches!(ev, WatchEvent::Deleted(ref u) if u.name() == Some("x")));
    }

    #[test]
    fn rejects_malformed_events() {
        for bad in [
            r#"{"type":"UNKNOWN","object":{}}"#,
            r#"{"type":"ADDED"}"#,
            r#"{"object":{}}"#,
            r#"{"type":"ADDED","object":{"kind":"Node","apiVersion":"v1"}}"#,
            r#"{"type":"BOOKMARK","object":{"metadata":{}}}"#,
            "[]",
        ] {
            assert!(
                serde_json::from_str::<WatchEvent<Pod>>(bad).is_err(),
                "accepted {bad}"
            );
        }
    }

    #[test]
    fn serializes_like_kube_apiserver() {
        let bookmark = WatchEvent::<Pod>::Bookmark(
            Bookmark::for_resource::<Pod>("99").with_initial_events_end(),
        );
        assert_eq!(
            serde_json::to_value(&bookmark).unwrap(),
            json!({"type": "BOOKMARK", "object": {"apiVersion": "v1", "kind": "Pod",
                "metadata": {"resourceVersion": "99",
                    "annotations": {"k8s.io/initial-events-end": "true"}}}})
        );
        for line in [ADDED, ERROR] {
            let ev: WatchEvent<Pod> = serde_json::from_str(line).unwrap();
            let again: WatchEvent<Pod> =
                serde_json::from_str(&serde_json::to_string(&ev).unwrap()).unwrap();
            assert_eq!(again, ev);
        }
        let error: serde_json::Value =
            serde_json::to_value(serde_json::from_str::<WatchEvent<Pod>>(ERROR).unwrap()).unwrap();
        assert_eq!(error["object"]["kind"], "Status");
        assert_eq!(error["object"]["code"], 410);
        let plain = Bookmark::new("apps/v1", "Deployment", "3");
        assert_eq!(
            serde_json::to_value(&plain).unwrap(),
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"resourceVersion": "3"}})
        );
    }

    #[test]
    fn map_and_try_map_keep_the_event_type() {
        let ev: WatchEvent<Pod> = serde_json::from_str(ADDED).unwrap();
        let names = ev.clone().map(|p| p.metadata.name.unwrap_or_default());
        assert_eq!(names, WatchEvent::Added("web".to_owned()));
        let u = ev.try_map(|p| Unstructured::from_typed(&p)).unwrap();
        assert_eq!(u.type_name(), "ADDED");
        let err: WatchEvent<Pod> = serde_json::from_str(ERROR).unwrap();
        assert!(matches!(err.map(|_| ()), WatchEvent::Error(_)));
    }
}
