//! [`DynamicClient`]: every verb on any resource, built-in or custom, by
//! GroupVersionResource, with [`Unstructured`] objects (client-go's `dynamic` package).

use std::fmt;

use kclient_core::dynamic::{DynamicError, Unstructured, UnstructuredList};
use kclient_core::gvk::GroupVersionResource;
use kclient_core::params::{
    CreateOptions, DeleteOptions, GetOptions, ListOptions, PatchOptions, UpdateOptions,
};
use kclient_core::patch::Patch;
use kclient_core::resource::Resource;
use kclient_rest::{EventStream, RestClient};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::Error;
use crate::delete::DeleteResponse;
use crate::pager::Pager;
use crate::target::{Body, Representation, Target};

/// A client for any resource by GroupVersionResource. Cheap to clone.
///
/// ```no_run
/// # async fn demo(client: kclient_rest::RestClient) -> Result<(), kclient_client::Error> {
/// use kclient_client::DynamicClient;
/// use kclient_core::{GroupVersionResource, ListOptions};
///
/// let dynamic = DynamicClient::new(client);
/// let gvr = GroupVersionResource::gvr("apps", "v1", "deployments");
/// let list = dynamic.resource(&gvr).namespace("default").list(&ListOptions::default()).await?;
/// # let _ = list;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct DynamicClient {
    client: RestClient,
}

impl fmt::Debug for DynamicClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DynamicClient").finish_non_exhaustive()
    }
}

impl DynamicClient {
    /// A dynamic client over `client`.
    pub fn new(client: RestClient) -> Self {
        Self { client }
    }

    /// The resource `gvr`, cluster-wide (for cluster-scoped resources, or across every
    /// namespace for list/watch of namespaced ones); narrow it with
    /// [`DynamicResource::namespace`].
    pub fn resource(&self, gvr: &GroupVersionResource) -> DynamicResource {
        DynamicResource {
            target: Target::new(self.client.clone(), gvr, None, Representation::Full),
        }
    }
}

/// One resource of a [`DynamicClient`], cluster-wide or in one namespace.
#[derive(Clone, Debug)]
pub struct DynamicResource {
    target: Target,
}

impl DynamicResource {
    /// The same resource in `namespace`.
    pub fn namespace(&self, namespace: &str) -> Self {
        Self {
            target: self.target.with_namespace(Some(namespace.to_owned())),
        }
    }

    /// Creates `obj`.
    pub async fn create(
        &self,
        obj: &Unstructured,
        opts: &CreateOptions,
    ) -> Result<Unstructured, Error> {
        self.target.create(None, Body::Json(obj), opts).await
    }

    /// Creates an object through a subresource of `name` (such as `pods/eviction`).
    pub async fn create_subresource(
        &self,
        name: &str,
        subresource: &str,
        obj: &Unstructured,
        opts: &CreateOptions,
    ) -> Result<Unstructured, Error> {
        self.target
            .create(Some((name, subresource)), Body::Json(obj), opts)
            .await
    }

    /// Replaces `obj`; a stale resourceVersion fails with a 409 conflict.
    pub async fn update(
        &self,
        obj: &Unstructured,
        opts: &UpdateOptions,
    ) -> Result<Unstructured, Error> {
        self.target
            .replace(name_of(obj)?, None, Body::Json(obj), opts)
            .await
    }

    /// Replaces a subresource of `obj` (`status`, `scale`, ...).
    pub async fn update_subresource(
        &self,
        subresource: &str,
        obj: &Unstructured,
        opts: &UpdateOptions,
    ) -> Result<Unstructured, Error> {
        self.target
            .replace(name_of(obj)?, Some(subresource), Body::Json(obj), opts)
            .await
    }

    /// Replaces the status of `obj`.
    pub async fn update_status(
        &self,
        obj: &Unstructured,
        opts: &UpdateOptions,
    ) -> Result<Unstructured, Error> {
        self.update_subresource("status", obj, opts).await
    }

    /// Reads one object.
    pub async fn get(&self, name: &str, opts: &GetOptions) -> Result<Unstructured, Error> {
        self.target.get(name, None, opts).await
    }

    /// Reads a subresource of one object.
    pub async fn get_subresource(
        &self,
        name: &str,
        subresource: &str,
        opts: &GetOptions,
    ) -> Result<Unstructured, Error> {
        self.target.get(name, Some(subresource), opts).await
    }

    /// Lists objects (one request).
    pub async fn list(&self, opts: &ListOptions) -> Result<UnstructuredList, Error> {
        self.target.list(opts).await
    }

    /// Lists every object, following continue tokens.
    pub async fn list_all(&self, opts: &ListOptions) -> Result<UnstructuredList, Error> {
        self.pager().list(opts).await
    }

    /// A pager over this collection.
    pub fn pager(&self) -> Pager<UnstructuredList> {
        Pager::new(self.target.clone())
    }

    /// Watches objects.
    pub async fn watch(&self, opts: &ListOptions) -> Result<EventStream<Unstructured>, Error> {
        self.target.watch(opts).await
    }

    /// Deletes one object.
    pub async fn delete(
        &self,
        name: &str,
        opts: &DeleteOptions,
    ) -> Result<DeleteResponse<Unstructured>, Error> {
        self.target.delete(name, opts).await
    }

    /// Deletes every object matching `list`'s selectors.
    pub async fn delete_collection(
        &self,
        opts: &DeleteOptions,
        list: &ListOptions,
    ) -> Result<DeleteResponse<UnstructuredList>, Error> {
        self.target.delete_collection(opts, list).await
    }

    /// Patches one object, or one of its subresources.
    pub async fn patch(
        &self,
        name: &str,
        patch: &Patch,
        opts: &PatchOptions,
        subresource: Option<&str>,
    ) -> Result<Unstructured, Error> {
        self.target.patch(name, subresource, patch, opts).await
    }

    /// Server-side apply of `obj` (field manager required in `opts`).
    pub async fn apply(
        &self,
        obj: &Unstructured,
        opts: &PatchOptions,
    ) -> Result<Unstructured, Error> {
        let patch = crate::api::apply_patch(obj)?;
        self.target.patch(name_of(obj)?, None, &patch, opts).await
    }

    /// Server-side apply of `obj`'s status.
    pub async fn apply_status(
        &self,
        obj: &Unstructured,
        opts: &PatchOptions,
    ) -> Result<Unstructured, Error> {
        let patch = crate::api::apply_patch(obj)?;
        self.target
            .patch(name_of(obj)?, Some("status"), &patch, opts)
            .await
    }

    /// Reads the scale subresource (autoscaling/v1 `Scale`).
    pub async fn get_scale(&self, name: &str, opts: &GetOptions) -> Result<Unstructured, Error> {
        self.get_subresource(name, "scale", opts).await
    }
}

fn name_of(obj: &Unstructured) -> Result<&str, Error> {
    obj.name()
        .filter(|n| !n.is_empty())
        .ok_or_else(|| Error::InvalidRequest("the object has no metadata.name".to_owned()))
}

/// Converts a typed object to an [`Unstructured`] one (apiVersion and kind filled in).
pub fn to_unstructured<K: Resource + Serialize>(obj: &K) -> Result<Unstructured, DynamicError> {
    Unstructured::from_typed(obj)
}

/// Converts an [`Unstructured`] object to `K`, checking its apiVersion and kind.
pub fn from_unstructured<K: Resource + DeserializeOwned>(
    obj: &Unstructured,
) -> Result<K, DynamicError> {
    obj.to_typed()
}

/// Converts every item of an [`UnstructuredList`] to `K`, keeping the list metadata.
pub fn list_from_unstructured<K: Resource + DeserializeOwned>(
    list: UnstructuredList,
) -> Result<crate::ObjectList<K>, DynamicError> {
    let items = list
        .items
        .into_iter()
        .map(Unstructured::into_typed)
        .collect::<Result<Vec<K>, _>>()?;
    Ok(crate::ObjectList {
        api_version: list.api_version,
        kind: list.kind,
        metadata: list.metadata,
        items,
    })
}
