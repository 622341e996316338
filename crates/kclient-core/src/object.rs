//! [`Object`]: read access to an object's metadata, whatever form the object takes
//! (apimachinery's `metav1.Object`).
//!
//! It is implemented once for every [`Resource`] (every k8s-openapi kind and every custom
//! resource type), for [`Unstructured`], for [`PartialObjectMetadata`], and by the cache for
//! its compact objects. Keys, selectors, indices, listers and controllers are written against
//! it, so they work the same on every representation.
//!
//! ```
//! use kclient_core::Object;
//! use kclient_core::k8s_openapi::api::core::v1::Pod;
//!
//! fn describe(obj: &impl Object) -> String {
//!     format!("{}/{}", obj.namespace().unwrap_or("-"), obj.name().unwrap_or("?"))
//! }
//! let mut pod = Pod::default();
//! pod.metadata.name = Some("web".into());
//! assert_eq!(describe(&pod), "-/web");
//! ```

use std::borrow::Cow;
use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::{Deserialize, Serialize};

use crate::dynamic::Unstructured;
use crate::json::null_as_default;
use crate::list::ObjectList;
use crate::resource::Resource;

/// Read access to an object's metadata: what keys, selectors, caches and controllers read.
///
/// Objects that hold their metadata typed lend it out; [`Unstructured`] reads it from its
/// JSON map (a field of the wrong JSON type reads as absent).
pub trait Object: Send + Sync + 'static {
    /// `metadata.name`.
    fn name(&self) -> Option<&str>;
    /// `metadata.namespace`; `None` or empty for cluster-scoped objects.
    fn namespace(&self) -> Option<&str>;
    /// `metadata.resourceVersion`.
    fn resource_version(&self) -> Option<&str>;
    /// `metadata.uid`.
    fn uid(&self) -> Option<&str>;
    /// `metadata.labels`, borrowed when the object holds them as a map already.
    fn labels(&self) -> Cow<'_, BTreeMap<String, String>>;
    /// `metadata.annotations`, borrowed when the object holds them as a map already.
    fn annotations(&self) -> Cow<'_, BTreeMap<String, String>>;
    /// The whole `metadata` (owner references, finalizers, deletion timestamp, ...),
    /// borrowed when the object holds it typed.
    fn object_meta(&self) -> Cow<'_, ObjectMeta>;
}

/// An empty map to lend when an object has no labels or annotations.
static EMPTY_MAP: BTreeMap<String, String> = BTreeMap::new();

/// Implements [`Object`] for a type that holds a typed [`ObjectMeta`], given the function
/// that lends it. For crates that define their own object representation (the cache's compact
/// objects); types implementing [`Resource`] have the impl already.
#[macro_export]
macro_rules! impl_object_for_typed_meta {
    ([$($generics:tt)*] $ty:ty, $meta:expr) => {
        impl<$($generics)*> $crate::Object for $ty {
            fn name(&self) -> Option<&str> {
                $meta(self).name.as_deref()
            }
            fn namespace(&self) -> Option<&str> {
                $meta(self).namespace.as_deref()
            }
            fn resource_version(&self) -> Option<&str> {
                $meta(self).resource_version.as_deref()
            }
            fn uid(&self) -> Option<&str> {
                $meta(self).uid.as_deref()
            }
            fn labels(&self) -> ::std::borrow::Cow<'_, ::std::collections::BTreeMap<String, String>> {
                $crate::object::lend_map($meta(self).labels.as_ref())
            }
            fn annotations(
                &self,
            ) -> ::std::borrow::Cow<'_, ::std::collections::BTreeMap<String, String>> {
                $crate::object::lend_map($meta(self).annotations.as_ref())
            }
            fn object_meta(
                &self,
            ) -> ::std::borrow::Cow<'_, $crate::k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta> {
                ::std::borrow::Cow::Borrowed($meta(self))
            }
        }
    };
}

/// Lends a label or annotation map, or an empty one (for [`impl_object_for_typed_meta!`]).
#[doc(hidden)]
pub fn lend_map(map: Option<&BTreeMap<String, String>>) -> Cow<'_, BTreeMap<String, String>> {
    Cow::Borrowed(map.unwrap_or(&EMPTY_MAP))
}

impl_object_for_typed_meta!([T: Resource] T, Resource::meta);
impl_object_for_typed_meta!([] PartialObjectMetadata, PartialObjectMetadata::meta);

impl PartialObjectMetadata {
    fn meta(&self) -> &ObjectMeta {
        &self.metadata
    }
}

impl Object for Unstructured {
    fn name(&self) -> Option<&str> {
        Unstructured::name(self)
    }

    fn namespace(&self) -> Option<&str> {
        Unstructured::namespace(self)
    }

    fn resource_version(&self) -> Option<&str> {
        Unstructured::resource_version(self)
    }

    fn uid(&self) -> Option<&str> {
        Unstructured::uid(self)
    }

    fn labels(&self) -> Cow<'_, BTreeMap<String, String>> {
        Cow::Owned(Unstructured::labels(self))
    }

    fn annotations(&self) -> Cow<'_, BTreeMap<String, String>> {
        Cow::Owned(Unstructured::annotations(self))
    }

    fn object_meta(&self) -> Cow<'_, ObjectMeta> {
        // A malformed metadata map cannot come from kube-apiserver, which validates it; read
        // it as empty rather than fail a read-only accessor.
        Cow::Owned(self.metadata().unwrap_or_default())
    }
}

/// An object's metadata without its body (meta.k8s.io/v1 `PartialObjectMetadata`), as the
/// metadata client and metadata informers receive it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PartialObjectMetadata {
    /// `meta.k8s.io/v1`.
    #[serde(default)]
    pub api_version: String,
    /// `PartialObjectMetadata`.
    #[serde(default)]
    pub kind: String,
    /// The object's metadata.
    #[serde(default, deserialize_with = "null_as_default")]
    pub metadata: ObjectMeta,
}

/// A list of [`PartialObjectMetadata`] (meta.k8s.io/v1 `PartialObjectMetadataList`).
pub type PartialObjectMetadataList = ObjectList<PartialObjectMetadata>;

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::Pod;
    use serde_json::json;

    fn read<O: Object>(obj: &O) -> (Option<&str>, Option<&str>, Option<&str>, Option<&str>) {
        (
            obj.name(),
            obj.namespace(),
            obj.resource_version(),
            obj.uid(),
        )
    }

    #[test]
    fn every_representation_reads_the_same() {
        let doc = json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "web", "namespace": "ns", "resourceVersion": "7", "uid": "u",
                         "labels": {"app": "x"}, "annotations": {"a": "b"},
                         "finalizers": ["f"]}
        });
        let pod: Pod = serde_json::from_value(doc.clone()).unwrap();
        let u: Unstructured = serde_json::from_value(doc.clone()).unwrap();
        let partial: PartialObjectMetadata = serde_json::from_value(doc).unwrap();
        let expected = (Some("web"), Some("ns"), Some("7"), Some("u"));
        assert_eq!(read(&pod), expected);
        assert_eq!(read(&u), expected);
        assert_eq!(read(&partial), expected);
        for labels in [pod.labels(), Object::labels(&u), partial.labels()] {
            assert_eq!(labels.get("app").map(String::as_str), Some("x"));
        }
        for annotations in [
            pod.annotations(),
            Object::annotations(&u),
            partial.annotations(),
        ] {
            assert_eq!(annotations.get("a").map(String::as_str), Some("b"));
        }
        for meta in [pod.object_meta(), u.object_meta(), partial.object_meta()] {
            assert_eq!(meta.finalizers.as_deref(), Some(&["f".to_owned()][..]));
        }
        assert!(matches!(pod.object_meta(), Cow::Borrowed(_)));
    }

    #[test]
    fn absent_metadata_reads_as_empty() {
        let pod = Pod::default();
        assert_eq!(read(&pod), (None, None, None, None));
        assert!(pod.labels().is_empty());
        let u = Unstructured::default();
        assert!(Object::labels(&u).is_empty());
        assert_eq!(u.object_meta().into_owned(), ObjectMeta::default());
    }

    #[test]
    fn partial_object_metadata_decodes_null_metadata() {
        let partial: PartialObjectMetadata =
            serde_json::from_str(r#"{"apiVersion":"meta.k8s.io/v1","metadata":null}"#).unwrap();
        assert_eq!(partial.metadata, ObjectMeta::default());
        let list: PartialObjectMetadataList =
            serde_json::from_str(r#"{"metadata":{"resourceVersion":"3"},"items":null}"#).unwrap();
        assert_eq!(list.resource_version(), Some("3"));
        assert!(list.items.is_empty());
    }
}
