//! The one list type family: [`ObjectList<K>`] for lists of any object type (typed kinds,
//! custom resources, [`PartialObjectMetadata`](crate::PartialObjectMetadata), a cache's
//! pages), and [`PagedList`], what pagers and list consumers need of any list, implemented by
//! `ObjectList<K>` and by [`UnstructuredList`] (which also fills its items' type from the
//! list's, as client-go's does).

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ListMeta;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::dynamic::UnstructuredList;
use crate::json::null_as_default;

/// A list of `K` as the server returns it (`PodList`, ...), with its list metadata.
///
/// Unlike `k8s_openapi::List`, it works for any item type, custom resources included.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectList<K> {
    /// The list's `apiVersion` (empty if the server left it out).
    #[serde(default)]
    pub api_version: String,
    /// The list's kind (`PodList`; empty if the server left it out).
    #[serde(default)]
    pub kind: String,
    /// `resourceVersion`, `continue` and `remainingItemCount`.
    #[serde(default, deserialize_with = "null_as_default")]
    pub metadata: ListMeta,
    /// The objects.
    #[serde(
        default = "Vec::new",
        deserialize_with = "null_as_default",
        bound(deserialize = "K: Deserialize<'de>")
    )]
    pub items: Vec<K>,
}

impl<K> Default for ObjectList<K> {
    fn default() -> Self {
        Self {
            api_version: String::new(),
            kind: String::new(),
            metadata: ListMeta::default(),
            items: Vec::new(),
        }
    }
}

impl<K> ObjectList<K> {
    /// A list of `items` read at `resource_version`, with `continue_token` when more pages
    /// follow (the shape a lister-watcher returns one page in).
    pub fn page(
        items: Vec<K>,
        resource_version: Option<String>,
        continue_token: Option<String>,
    ) -> Self {
        Self {
            metadata: ListMeta {
                resource_version,
                continue_: continue_token,
                ..ListMeta::default()
            },
            items,
            ..Self::default()
        }
    }

    /// The resource version the list was read at.
    pub fn resource_version(&self) -> Option<&str> {
        self.metadata.resource_version.as_deref()
    }

    /// The token for the next page, if there is one (an empty token is none).
    pub fn continue_token(&self) -> Option<&str> {
        self.metadata.continue_.as_deref().filter(|c| !c.is_empty())
    }

    /// Iterates over the objects.
    pub fn iter(&self) -> std::slice::Iter<'_, K> {
        self.items.iter()
    }

    /// How many objects the list holds.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether the list holds no objects.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

impl<K> IntoIterator for ObjectList<K> {
    type Item = K;
    type IntoIter = std::vec::IntoIter<K>;

    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

impl<'a, K> IntoIterator for &'a ObjectList<K> {
    type Item = &'a K;
    type IntoIter = std::slice::Iter<'a, K>;

    fn into_iter(self) -> Self::IntoIter {
        self.items.iter()
    }
}

/// Any list with `ListMeta`: what a pager needs to page through and merge pages.
pub trait PagedList: DeserializeOwned + Send + 'static {
    /// The list metadata.
    fn list_meta(&self) -> &ListMeta;
    /// The list metadata, mutably.
    fn list_meta_mut(&mut self) -> &mut ListMeta;
    /// How many items the list holds.
    fn len(&self) -> usize;
    /// Whether the list holds no items.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Moves the items of `next` to the end of `self`.
    fn append(&mut self, next: Self);
}

/// Both list types keep their metadata in `metadata` and their items in `items`.
macro_rules! paged_list {
    ($([$($generics:tt)*] $list:ty),+) => {$(
        impl<$($generics)*> PagedList for $list {
            fn list_meta(&self) -> &ListMeta {
                &self.metadata
            }
            fn list_meta_mut(&mut self) -> &mut ListMeta {
                &mut self.metadata
            }
            fn len(&self) -> usize {
                self.items.len()
            }
            fn append(&mut self, next: Self) {
                self.items.extend(next.items);
            }
        }
    )+};
}

paged_list!([K: DeserializeOwned + Send + 'static] ObjectList<K>, [] UnstructuredList);

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::ConfigMap;

    #[test]
    fn decodes_null_items_and_metadata() {
        let list: ObjectList<ConfigMap> = serde_json::from_str(
            r#"{"kind":"ConfigMapList","apiVersion":"v1","metadata":null,"items":null}"#,
        )
        .unwrap();
        assert!(list.items.is_empty());
        assert_eq!(list.continue_token(), None);
    }

    #[test]
    fn empty_continue_is_no_continue() {
        let list: ObjectList<ConfigMap> = serde_json::from_str(
            r#"{"metadata":{"resourceVersion":"7","continue":""},"items":[{"metadata":{"name":"a"}}]}"#,
        )
        .unwrap();
        assert_eq!(list.continue_token(), None);
        assert_eq!(list.resource_version(), Some("7"));
        assert_eq!(list.items[0].metadata.name.as_deref(), Some("a"));
    }

    #[test]
    fn pages_carry_version_and_token() {
        let page = ObjectList::page(vec![1, 2], Some("9".into()), Some("t".into()));
        assert_eq!(page.resource_version(), Some("9"));
        assert_eq!(page.continue_token(), Some("t"));
        assert_eq!(page.len(), 2);
        let mut first = ObjectList::<u8>::default();
        PagedList::append(&mut first, ObjectList::page(vec![3], None, None));
        assert_eq!(PagedList::len(&first), 1);
    }
}
