//! Untyped objects: [`Unstructured`] (apimachinery's `unstructured.Unstructured`) and
//! [`UnstructuredList`].
//!
//! An [`Unstructured`] is the object's JSON map and nothing else, so every field survives a
//! decode/encode round trip, including fields no Rust type knows about. Typed accessors read
//! and write the common `apiVersion`/`kind`/`metadata` fields in place; [`Unstructured::to_typed`]
//! and [`Unstructured::from_typed`] convert to and from [`Resource`] types.

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::gvk::{GroupVersionKind, ParseGroupVersionError};
use crate::resource::Resource;

mod list;

pub use list::UnstructuredList;

/// Errors converting or inspecting untyped objects.
#[derive(Debug, thiserror::Error)]
pub enum DynamicError {
    /// A required field (`apiVersion`, `kind`) is absent or not a string.
    #[error("object has no {0} field")]
    MissingField(&'static str),
    /// The `apiVersion` field is not a valid `group/version`.
    #[error(transparent)]
    InvalidApiVersion(#[from] ParseGroupVersionError),
    /// The object's `apiVersion`/`kind` are not those of the requested type.
    #[error(
        "cannot convert {found_api_version}, Kind={found_kind} into {expected_api_version}, Kind={expected_kind}"
    )]
    TypeMismatch {
        /// `apiVersion` of the requested type.
        expected_api_version: &'static str,
        /// `kind` of the requested type.
        expected_kind: &'static str,
        /// `apiVersion` found on the object.
        found_api_version: String,
        /// `kind` found on the object.
        found_kind: String,
    },
    /// A value that should be a JSON object is something else.
    #[error("{0} is not a JSON object")]
    NotAnObject(String),
    /// Serializing or deserializing failed (a field has the wrong shape for its type).
    #[error("cannot convert {kind}: {source}")]
    Serde {
        /// The kind being converted.
        kind: String,
        /// The underlying serde error.
        #[source]
        source: serde_json::Error,
    },
}

/// An object of any kind as its JSON map, like apimachinery's `unstructured.Unstructured`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Unstructured {
    /// The object's fields.
    pub object: Map<String, Value>,
}

impl Unstructured {
    /// An empty object of the given kind (only `apiVersion` and `kind` set).
    pub fn new(gvk: &GroupVersionKind) -> Self {
        let mut u = Self::default();
        u.set_gvk(gvk);
        u
    }

    /// Converts a typed object, setting `apiVersion` and `kind` from its type.
    pub fn from_typed<T: Resource + Serialize>(obj: &T) -> Result<Self, DynamicError> {
        let value = serde_json::to_value(obj).map_err(|source| DynamicError::Serde {
            kind: T::KIND.to_owned(),
            source,
        })?;
        let Value::Object(object) = value else {
            return Err(DynamicError::NotAnObject(T::KIND.to_owned()));
        };
        let mut u = Self { object };
        u.set_api_version(T::API_VERSION);
        u.set_kind(T::KIND);
        Ok(u)
    }

    /// Converts into a typed object without consuming `self`.
    ///
    /// `apiVersion` and `kind`, when present, must be those of `T`; absent ones are accepted
    /// (items of built-in lists carry neither). Fields `T` does not know are dropped.
    pub fn to_typed<T: Resource + DeserializeOwned>(&self) -> Result<T, DynamicError> {
        self.check_type::<T>()?;
        T::deserialize(&self.object).map_err(|source| DynamicError::Serde {
            kind: T::KIND.to_owned(),
            source,
        })
    }

    /// Converts into a typed object, moving the strings instead of copying them.
    pub fn into_typed<T: Resource + DeserializeOwned>(self) -> Result<T, DynamicError> {
        self.check_type::<T>()?;
        T::deserialize(self.object).map_err(|source| DynamicError::Serde {
            kind: T::KIND.to_owned(),
            source,
        })
    }

    fn check_type<T: Resource>(&self) -> Result<(), DynamicError> {
        let api_version = self.api_version();
        let kind = self.kind();
        let matches =
            api_version.is_none_or(|v| v == T::API_VERSION) && kind.is_none_or(|k| k == T::KIND);
        if matches {
            Ok(())
        } else {
            Err(DynamicError::TypeMismatch {
                expected_api_version: T::API_VERSION,
                expected_kind: T::KIND,
                found_api_version: api_version.unwrap_or_default().to_owned(),
                found_kind: kind.unwrap_or_default().to_owned(),
            })
        }
    }

    /// The object's group/version/kind from its `apiVersion` and `kind` fields.
    pub fn gvk(&self) -> Result<GroupVersionKind, DynamicError> {
        let api_version = self
            .api_version()
            .ok_or(DynamicError::MissingField("apiVersion"))?;
        let kind = self.kind().ok_or(DynamicError::MissingField("kind"))?;
        Ok(GroupVersionKind::from_api_version_kind(api_version, kind)?)
    }

    /// Sets `apiVersion` and `kind` from a GVK.
    pub fn set_gvk(&mut self, gvk: &GroupVersionKind) {
        self.set_api_version(gvk.api_version());
        self.set_kind(gvk.kind.clone());
    }

    /// The whole `metadata` decoded as `ObjectMeta` (default when absent).
    pub fn metadata(&self) -> Result<ObjectMeta, DynamicError> {
        match self.object.get("metadata") {
            None | Some(Value::Null) => Ok(ObjectMeta::default()),
            Some(value) => ObjectMeta::deserialize(value).map_err(|source| DynamicError::Serde {
                kind: "ObjectMeta".to_owned(),
                source,
            }),
        }
    }

    /// Replaces `metadata` with the given `ObjectMeta`.
    pub fn set_metadata(&mut self, meta: &ObjectMeta) -> Result<(), DynamicError> {
        let value = serde_json::to_value(meta).map_err(|source| DynamicError::Serde {
            kind: "ObjectMeta".to_owned(),
            source,
        })?;
        self.object.insert("metadata".to_owned(), value);
        Ok(())
    }

    /// `apiVersion`, if present and a string.
    pub fn api_version(&self) -> Option<&str> {
        self.object.get("apiVersion").and_then(Value::as_str)
    }

    /// Sets `apiVersion`.
    pub fn set_api_version(&mut self, api_version: impl Into<String>) {
        self.object
            .insert("apiVersion".to_owned(), Value::String(api_version.into()));
    }

    /// `kind`, if present and a string.
    pub fn kind(&self) -> Option<&str> {
        self.object.get("kind").and_then(Value::as_str)
    }

    /// Sets `kind`.
    pub fn set_kind(&mut self, kind: impl Into<String>) {
        self.object
            .insert("kind".to_owned(), Value::String(kind.into()));
    }

    fn meta_str(&self, field: &str) -> Option<&str> {
        self.object.get("metadata")?.get(field)?.as_str()
    }

    /// Sets a metadata field; like apimachinery, an empty value removes the field.
    fn set_meta_field(&mut self, field: &str, value: Value) {
        let empty = match &value {
            Value::Null => true,
            Value::String(s) => s.is_empty(),
            Value::Object(m) => m.is_empty(),
            Value::Array(a) => a.is_empty(),
            Value::Bool(_) | Value::Number(_) => false,
        };
        if empty {
            self.remove_nested(&["metadata", field]);
            return;
        }
        let meta = self
            .object
            .entry("metadata")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(map) = meta {
            map.insert(field.to_owned(), value);
        } else {
            // A non-object `metadata` is garbage; replace it rather than fail a setter.
            *meta = Value::Object(Map::from_iter([(field.to_owned(), value)]));
        }
    }

    /// `metadata.name`.
    pub fn name(&self) -> Option<&str> {
        self.meta_str("name")
    }

    /// Sets `metadata.name` (empty removes it).
    pub fn set_name(&mut self, name: impl Into<String>) {
        self.set_meta_field("name", Value::String(name.into()));
    }

    /// `metadata.generateName`.
    pub fn generate_name(&self) -> Option<&str> {
        self.meta_str("generateName")
    }

    /// Sets `metadata.generateName` (empty removes it).
    pub fn set_generate_name(&mut self, prefix: impl Into<String>) {
        self.set_meta_field("generateName", Value::String(prefix.into()));
    }

    /// `metadata.namespace`.
    pub fn namespace(&self) -> Option<&str> {
        self.meta_str("namespace")
    }

    /// Sets `metadata.namespace` (empty removes it).
    pub fn set_namespace(&mut self, namespace: impl Into<String>) {
        self.set_meta_field("namespace", Value::String(namespace.into()));
    }

    /// `metadata.resourceVersion`.
    pub fn resource_version(&self) -> Option<&str> {
        self.meta_str("resourceVersion")
    }

    /// Sets `metadata.resourceVersion` (empty removes it).
    pub fn set_resource_version(&mut self, resource_version: impl Into<String>) {
        self.set_meta_field("resourceVersion", Value::String(resource_version.into()));
    }

    /// `metadata.uid`.
    pub fn uid(&self) -> Option<&str> {
        self.meta_str("uid")
    }

    /// Sets `metadata.uid` (empty removes it).
    pub fn set_uid(&mut self, uid: impl Into<String>) {
        self.set_meta_field("uid", Value::String(uid.into()));
    }

    /// `metadata.generation`.
    pub fn generation(&self) -> Option<i64> {
        self.object.get("metadata")?.get("generation")?.as_i64()
    }

    /// Sets `metadata.generation`.
    pub fn set_generation(&mut self, generation: i64) {
        self.set_meta_field("generation", Value::from(generation));
    }

    /// `metadata.creationTimestamp` as sent (RFC 3339).
    pub fn creation_timestamp(&self) -> Option<&str> {
        self.meta_str("creationTimestamp")
    }

    /// `metadata.deletionTimestamp` as sent (RFC 3339).
    pub fn deletion_timestamp(&self) -> Option<&str> {
        self.meta_str("deletionTimestamp")
    }

    fn meta_string_map(&self, field: &str) -> BTreeMap<String, String> {
        self.object
            .get("metadata")
            .and_then(|m| m.get(field))
            .and_then(Value::as_object)
            .map(|map| {
                map.iter()
                    .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                    .collect()
            })
            .unwrap_or_default()
    }

    fn string_map_value(map: BTreeMap<String, String>) -> Value {
        Value::Object(
            map.into_iter()
                .map(|(k, v)| (k, Value::String(v)))
                .collect(),
        )
    }

    /// `metadata.labels` (empty when absent; non-string values are skipped).
    pub fn labels(&self) -> BTreeMap<String, String> {
        self.meta_string_map("labels")
    }

    /// Replaces `metadata.labels` (empty removes them).
    pub fn set_labels(&mut self, labels: BTreeMap<String, String>) {
        self.set_meta_field("labels", Self::string_map_value(labels));
    }

    /// `metadata.annotations` (empty when absent; non-string values are skipped).
    pub fn annotations(&self) -> BTreeMap<String, String> {
        self.meta_string_map("annotations")
    }

    /// Replaces `metadata.annotations` (empty removes them).
    pub fn set_annotations(&mut self, annotations: BTreeMap<String, String>) {
        self.set_meta_field("annotations", Self::string_map_value(annotations));
    }

    /// `metadata.finalizers` (empty when absent).
    pub fn finalizers(&self) -> Vec<String> {
        self.object
            .get("metadata")
            .and_then(|m| m.get("finalizers"))
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|v| Some(v.as_str()?.to_owned()))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Replaces `metadata.finalizers` (empty removes them).
    pub fn set_finalizers(&mut self, finalizers: Vec<String>) {
        let value = Value::Array(finalizers.into_iter().map(Value::String).collect());
        self.set_meta_field("finalizers", value);
    }

    /// The value at a field path, e.g. `["spec", "replicas"]`.
    pub fn nested(&self, path: &[&str]) -> Option<&Value> {
        let (first, rest) = path.split_first()?;
        rest.iter()
            .try_fold(self.object.get(*first)?, |value, key| value.get(key))
    }

    /// The string at a field path, if it is a string.
    pub fn nested_str(&self, path: &[&str]) -> Option<&str> {
        self.nested(path)?.as_str()
    }

    /// The value at a field path, mutably.
    pub fn nested_mut(&mut self, path: &[&str]) -> Option<&mut Value> {
        let (first, rest) = path.split_first()?;
        rest.iter()
            .try_fold(self.object.get_mut(*first)?, |value, key| {
                value.get_mut(key)
            })
    }

    /// Sets the value at a field path, creating missing intermediate objects.
    ///
    /// Fails when an intermediate field exists but is not an object; an empty path is an error
    /// too because the root must stay an object.
    pub fn set_nested(&mut self, path: &[&str], value: Value) -> Result<(), DynamicError> {
        let Some((last, parents)) = path.split_last() else {
            return Err(DynamicError::NotAnObject("the empty field path".to_owned()));
        };
        let mut map = &mut self.object;
        for (depth, key) in parents.iter().enumerate() {
            let entry = map.entry(*key).or_insert_with(|| Value::Object(Map::new()));
            map = entry
                .as_object_mut()
                .ok_or_else(|| DynamicError::NotAnObject(path[..=depth].join(".")))?;
        }
        map.insert((*last).to_owned(), value);
        Ok(())
    }

    /// Removes the value at a field path and returns it.
    pub fn remove_nested(&mut self, path: &[&str]) -> Option<Value> {
        let (last, parents) = path.split_last()?;
        let parent = match parents.split_first() {
            None => &mut self.object,
            Some(_) => self.nested_mut(parents)?.as_object_mut()?,
        };
        parent.remove(*last)
    }

    /// The object as a JSON value.
    pub fn into_value(self) -> Value {
        Value::Object(self.object)
    }
}

impl From<Map<String, Value>> for Unstructured {
    fn from(object: Map<String, Value>) -> Self {
        Self { object }
    }
}

impl From<Unstructured> for Value {
    fn from(u: Unstructured) -> Self {
        u.into_value()
    }
}

impl TryFrom<Value> for Unstructured {
    type Error = DynamicError;

    fn try_from(value: Value) -> Result<Self, Self::Error> {
        match value {
            Value::Object(object) => Ok(Self { object }),
            _ => Err(DynamicError::NotAnObject("the value".to_owned())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::apps::v1::Deployment;
    use k8s_openapi::api::core::v1::{Node, Pod};
    use serde_json::json;

    const POD_JSON: &str = include_str!("../testdata/pod-13kb.json");

    fn bench_pod() -> Pod {
        serde_json::from_str(POD_JSON).unwrap()
    }

    #[test]
    fn typed_to_unstructured_to_typed_is_lossless() {
        let pod = bench_pod();
        let u = Unstructured::from_typed(&pod).unwrap();
        assert_eq!(u.api_version(), Some("v1"));
        assert_eq!(u.kind(), Some("Pod"));
        assert_eq!(u.to_typed::<Pod>().unwrap(), pod);
        assert_eq!(u.clone().into_typed::<Pod>().unwrap(), pod);
        // Through text as well, as a client would see it on the wire.
        let text = serde_json::to_string(&u).unwrap();
        let back: Unstructured = serde_json::from_str(&text).unwrap();
        assert_eq!(back.into_typed::<Pod>().unwrap(), pod);
    }

    #[test]
    fn unstructured_keeps_every_field_of_the_wire_json() {
        let original: Value = serde_json::from_str(POD_JSON).unwrap();
        let u: Unstructured = serde_json::from_str(POD_JSON).unwrap();
        assert_eq!(serde_json::to_value(&u).unwrap(), original);
    }

    #[test]
    fn unknown_fields_are_preserved_in_unstructured() {
        let mut u: Unstructured = serde_json::from_str(POD_JSON).unwrap();
        u.set_nested(&["spec", "futureField"], json!({"x": [1, 2]}))
            .unwrap();
        u.object.insert("extraTopLevel".into(), json!(true));
        let text = serde_json::to_string(&u).unwrap();
        let back: Unstructured = serde_json::from_str(&text).unwrap();
        assert_eq!(
            back.nested(&["spec", "futureField", "x"]),
            Some(&json!([1, 2]))
        );
        assert_eq!(back.object.get("extraTopLevel"), Some(&json!(true)));
        // The typed view ignores them without failing.
        assert_eq!(back.to_typed::<Pod>().unwrap(), bench_pod());
    }

    #[test]
    fn to_typed_rejects_other_kinds() {
        let u = Unstructured::from_typed(&bench_pod()).unwrap();
        let err = u.to_typed::<Deployment>().unwrap_err();
        match &err {
            DynamicError::TypeMismatch {
                expected_api_version,
                expected_kind,
                found_api_version,
                found_kind,
            } => {
                assert_eq!(*expected_api_version, "apps/v1");
                assert_eq!(*expected_kind, "Deployment");
                assert_eq!(found_api_version, "v1");
                assert_eq!(found_kind, "Pod");
            }
            other => panic!("unexpected error {other:?}"),
        }
        assert_eq!(
            err.to_string(),
            "cannot convert v1, Kind=Pod into apps/v1, Kind=Deployment"
        );
        // Same apiVersion, different kind.
        assert!(matches!(
            u.clone().into_typed::<Node>(),
            Err(DynamicError::TypeMismatch { .. })
        ));
    }

    #[test]
    fn to_typed_accepts_absent_type_fields_and_reports_bad_shapes() {
        let u: Unstructured = serde_json::from_value(json!({"metadata": {"name": "n"}})).unwrap();
        assert_eq!(
            u.to_typed::<Node>().unwrap().metadata.name.as_deref(),
            Some("n")
        );
        let bad: Unstructured =
            serde_json::from_value(json!({"apiVersion": "v1", "kind": "Pod", "spec": 5})).unwrap();
        let err = bad.to_typed::<Pod>().unwrap_err();
        assert!(matches!(err, DynamicError::Serde { .. }), "{err:?}");
        assert!(err.to_string().starts_with("cannot convert Pod:"), "{err}");
    }

    #[test]
    fn gvk_from_fields() {
        let u = Unstructured::from_typed(&Deployment::default()).unwrap();
        assert_eq!(
            u.gvk().unwrap(),
            GroupVersionKind::gvk("apps", "v1", "Deployment")
        );
        let mut u = Unstructured::default();
        assert!(matches!(
            u.gvk(),
            Err(DynamicError::MissingField("apiVersion"))
        ));
        u.set_api_version("v1");
        assert!(matches!(u.gvk(), Err(DynamicError::MissingField("kind"))));
        u.set_api_version("a/b/c");
        u.set_kind("X");
        assert!(matches!(u.gvk(), Err(DynamicError::InvalidApiVersion(_))));
        let gvk = GroupVersionKind::gvk("example.com", "v1", "Widget");
        assert_eq!(Unstructured::new(&gvk).gvk().unwrap(), gvk);
    }

    #[test]
    fn metadata_accessors_read_the_bench_pod() {
        let u: Unstructured = serde_json::from_str(POD_JSON).unwrap();
        let pod = bench_pod();
        assert_eq!(u.name(), Some("bench-000001"));
        assert_eq!(u.namespace(), Some("bench"));
        assert_eq!(u.resource_version(), Some("591"));
        assert_eq!(u.uid(), pod.metadata.uid.as_deref());
        assert_eq!(u.creation_timestamp(), Some("2026-11-22T06:14:01Z"));
        assert_eq!(u.deletion_timestamp(), None);
        assert_eq!(Some(u.labels()), pod.metadata.labels);
        assert_eq!(Some(u.annotations()), pod.metadata.annotations);
        assert_eq!(u.metadata().unwrap(), pod.metadata);
        assert!(u.finalizers().is_empty());
        assert_eq!(u.generation(), None);
    }

    #[test]
    fn metadata_setters_and_empty_removal() {
        let mut u = Unstructured::new(&GroupVersionKind::gvk("", "v1", "ConfigMap"));
        u.set_name("cm");
        u.set_generate_name("cm-");
        u.set_namespace("default");
        u.set_resource_version("7");
        u.set_uid("u-1");
        u.set_generation(3);
        u.set_labels([("app".to_owned(), "web".to_owned())].into());
        u.set_annotations([("a".to_owned(), "b".to_owned())].into());
        u.set_finalizers(vec!["example.com/f".into()]);
        assert_eq!(u.name(), Some("cm"));
        assert_eq!(u.generate_name(), Some("cm-"));
        assert_eq!(u.namespace(), Some("default"));
        assert_eq!(u.resource_version(), Some("7"));
        assert_eq!(u.uid(), Some("u-1"));
        assert_eq!(u.generation(), Some(3));
        assert_eq!(u.labels().get("app").map(String::as_str), Some("web"));
        assert_eq!(u.annotations().len(), 1);
        assert_eq!(u.finalizers(), vec!["example.com/f".to_owned()]);
        let meta = u.metadata().unwrap();
        assert_eq!(meta.namespace.as_deref(), Some("default"));
        assert_eq!(meta.generation, Some(3));

        u.set_namespace("");
        u.set_labels(BTreeMap::new());
        u.set_finalizers(Vec::new());
        assert_eq!(u.namespace(), None);
        assert!(u.nested(&["metadata", "labels"]).is_none());
        assert!(u.nested(&["metadata", "finalizers"]).is_none());

        // A garbage metadata value is replaced by a setter.
        u.object.insert("metadata".into(), json!("oops"));
        u.set_name("x");
        assert_eq!(u.nested(&["metadata"]), Some(&json!({"name": "x"})));

        let meta = ObjectMeta {
            name: Some("whole".into()),
            ..ObjectMeta::default()
        };
        u.set_metadata(&meta).unwrap();
        assert_eq!(u.name(), Some("whole"));
    }

    #[test]
    fn nested_paths() {
        let mut u = Unstructured::default();
        u.set_nested(&["spec", "replicas"], json!(3)).unwrap();
        u.set_nested(&["spec", "template", "metadata", "name"], json!("t"))
            .unwrap();
        assert_eq!(u.nested(&["spec", "replicas"]), Some(&json!(3)));
        assert_eq!(
            u.nested_str(&["spec", "template", "metadata", "name"]),
            Some("t")
        );
        assert_eq!(u.nested(&[]), None);
        assert_eq!(u.nested(&["spec", "missing", "deeper"]), None);
        if let Some(v) = u.nested_mut(&["spec", "replicas"]) {
            *v = json!(4);
        }
        assert_eq!(u.nested(&["spec", "replicas"]), Some(&json!(4)));

        let err = u
            .set_nested(&["spec", "replicas", "inner"], json!(1))
            .unwrap_err();
        assert_eq!(err.to_string(), "spec.replicas is not a JSON object");
        assert!(u.set_nested(&[], json!(1)).is_err());

        assert_eq!(u.remove_nested(&["spec", "replicas"]), Some(json!(4)));
        assert_eq!(u.remove_nested(&["spec", "replicas"]), None);
        assert!(u.remove_nested(&["spec"]).is_some());
        assert!(u.object.is_empty());
    }

    #[test]
    fn value_conversions() {
        assert!(Unstructured::try_from(json!([1])).is_err());
        let u = Unstructured::try_from(json!({"kind": "Pod"})).unwrap();
        assert_eq!(u.kind(), Some("Pod"));
        assert_eq!(Value::from(u.clone()), json!({"kind": "Pod"}));
        assert_eq!(Unstructured::from(u.object.clone()), u);
    }
}
