//! [`UnstructuredList`]: a list of untyped objects.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ListMeta;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::{DynamicError, Unstructured};
use crate::gvk::GroupVersionKind;
use crate::json::null_as_default;
use crate::resource::Resource;

/// A list of untyped objects (`PodList`, `WidgetList`, ...), like apimachinery's
/// `unstructured.UnstructuredList`.
///
/// When decoding, items that carry neither `apiVersion` nor `kind` (kube-apiserver omits them
/// in lists of built-in types) get the list's `apiVersion` and its kind without the `List`
/// suffix, as client-go does.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", from = "RawList")]
pub struct UnstructuredList {
    /// The list's `apiVersion`.
    pub api_version: String,
    /// The list's kind (`PodList`).
    pub kind: String,
    /// List metadata: `resourceVersion`, `continue`, `remainingItemCount`.
    pub metadata: ListMeta,
    /// The items.
    pub items: Vec<Unstructured>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawList {
    #[serde(default)]
    api_version: String,
    #[serde(default)]
    kind: String,
    #[serde(default, deserialize_with = "null_as_default")]
    metadata: ListMeta,
    #[serde(default, deserialize_with = "null_as_default")]
    items: Vec<Unstructured>,
}

impl From<RawList> for UnstructuredList {
    fn from(raw: RawList) -> Self {
        let mut list = Self {
            api_version: raw.api_version,
            kind: raw.kind,
            metadata: raw.metadata,
            items: raw.items,
        };
        let item_kind = list.item_kind().to_owned();
        for item in &mut list.items {
            if item.api_version().is_none() && item.kind().is_none() {
                item.set_api_version(list.api_version.clone());
                item.set_kind(item_kind.clone());
            }
        }
        list
    }
}

impl UnstructuredList {
    /// An empty list of objects of the given kind (`kind` gets the `List` suffix).
    pub fn new(item_gvk: &GroupVersionKind) -> Self {
        Self {
            api_version: item_gvk.api_version(),
            kind: format!("{}List", item_gvk.kind),
            ..Self::default()
        }
    }

    /// The kind of the items: the list kind without its `List` suffix.
    pub fn item_kind(&self) -> &str {
        self.kind.strip_suffix("List").unwrap_or(&self.kind)
    }

    /// The group/version/kind of the items.
    pub fn item_gvk(&self) -> Result<GroupVersionKind, DynamicError> {
        if self.api_version.is_empty() {
            return Err(DynamicError::MissingField("apiVersion"));
        }
        if self.kind.is_empty() {
            return Err(DynamicError::MissingField("kind"));
        }
        Ok(GroupVersionKind::from_api_version_kind(
            &self.api_version,
            self.item_kind(),
        )?)
    }

    /// `metadata.resourceVersion` of the list.
    pub fn resource_version(&self) -> Option<&str> {
        self.metadata.resource_version.as_deref()
    }

    /// `metadata.continue`: the token for the next page, if any.
    pub fn continue_token(&self) -> Option<&str> {
        self.metadata.continue_.as_deref().filter(|c| !c.is_empty())
    }

    /// A list built from typed objects.
    pub fn from_typed<T: Resource + Serialize>(
        items: &[T],
        metadata: ListMeta,
    ) -> Result<Self, DynamicError> {
        Ok(Self {
            api_version: T::API_VERSION.to_owned(),
            kind: T::list_kind(),
            metadata,
            items: items
                .iter()
                .map(Unstructured::from_typed)
                .collect::<Result<_, _>>()?,
        })
    }

    /// The items converted to `T` (see [`Unstructured::to_typed`]).
    pub fn to_typed<T: Resource + DeserializeOwned>(&self) -> Result<Vec<T>, DynamicError> {
        self.items.iter().map(Unstructured::to_typed).collect()
    }

    /// The items converted to `T`, consuming the list.
    pub fn into_typed<T: Resource + DeserializeOwned>(self) -> Result<Vec<T>, DynamicError> {
        self.items
            .into_iter()
            .map(Unstructured::into_typed)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::Pod;
    use serde_json::json;

    const POD_JSON: &str = include_str!("../../testdata/pod-13kb.json");

    #[test]
    fn list_fills_item_type_like_client_go() {
        let list: UnstructuredList = serde_json::from_value(json!({
            "apiVersion": "v1",
            "kind": "PodList",
            "metadata": {"resourceVersion": "42", "continue": "tok"},
            "items": [
                {"metadata": {"name": "a"}},
                {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "b"}},
                {"kind": "Other", "metadata": {"name": "c"}}
            ]
        }))
        .unwrap();
        assert_eq!(list.resource_version(), Some("42"));
        assert_eq!(list.continue_token(), Some("tok"));
        assert_eq!(list.item_kind(), "Pod");
        assert_eq!(
            list.item_gvk().unwrap(),
            GroupVersionKind::gvk("", "v1", "Pod")
        );
        assert_eq!(list.items[0].api_version(), Some("v1"));
        assert_eq!(list.items[0].kind(), Some("Pod"));
        // Items that name any type keep it.
        assert_eq!(list.items[2].api_version(), None);
        assert_eq!(list.items[2].kind(), Some("Other"));
        let pods = list.items[..2]
            .iter()
            .map(Unstructured::to_typed::<Pod>)
            .collect::<Result<Vec<_>, _>>()
            .unwrap();
        assert_eq!(pods[1].metadata.name.as_deref(), Some("b"));
        assert!(list.to_typed::<Pod>().is_err());
    }

    #[test]
    fn list_tolerates_null_and_missing_parts() {
        let list: UnstructuredList = serde_json::from_str(
            r#"{"apiVersion":"apps/v1","kind":"DeploymentList","metadata":null,"items":null}"#,
        )
        .unwrap();
        assert!(list.items.is_empty());
        assert_eq!(list.continue_token(), None);
        let empty: UnstructuredList = serde_json::from_str("{}").unwrap();
        assert!(matches!(
            empty.item_gvk(),
            Err(DynamicError::MissingField("apiVersion"))
        ));
        assert!(serde_json::from_str::<UnstructuredList>(r#"{"items":[1]}"#).is_err());
    }

    #[test]
    fn list_round_trips_typed_items() {
        let pod: Pod = serde_json::from_str(POD_JSON).unwrap();
        let list = UnstructuredList::from_typed(
            std::slice::from_ref(&pod),
            ListMeta {
                resource_version: Some("9".into()),
                ..ListMeta::default()
            },
        )
        .unwrap();
        assert_eq!(list.kind, "PodList");
        assert_eq!(list.api_version, "v1");
        let text = serde_json::to_string(&list).unwrap();
        let back: UnstructuredList = serde_json::from_str(&text).unwrap();
        assert_eq!(back, list);
        assert_eq!(back.clone().into_typed::<Pod>().unwrap(), vec![pod.clone()]);
        assert_eq!(back.to_typed::<Pod>().unwrap(), vec![pod]);
        let empty = UnstructuredList::new(&GroupVersionKind::gvk("apps", "v1", "Deployment"));
        assert_eq!(empty.kind, "DeploymentList");
        assert_eq!(empty.api_version, "apps/v1");
    }
}
