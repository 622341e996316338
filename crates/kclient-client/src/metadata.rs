//! [`MetadataClient`]: metadata-only access to any resource (client-go's `metadata`
//! package). The server sends `PartialObjectMetadata` — apiVersion, kind and `ObjectMeta`
//! only — so listing 10,000 large objects moves and decodes a fraction of the bytes.

use std::fmt;

use kclient_core::gvk::GroupVersionResource;
use kclient_core::params::{DeleteOptions, GetOptions, ListOptions, PatchOptions};
use kclient_core::patch::Patch;
use kclient_core::{PartialObjectMetadata, PartialObjectMetadataList};
use kclient_rest::{EventStream, RestClient};

use crate::Error;
use crate::delete::DeleteResponse;
use crate::pager::Pager;
use crate::target::{Representation, Target};

/// Metadata-only access to any resource by GroupVersionResource. Cheap to clone.
#[derive(Clone)]
pub struct MetadataClient {
    client: RestClient,
}

impl fmt::Debug for MetadataClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MetadataClient").finish_non_exhaustive()
    }
}

impl MetadataClient {
    /// A metadata client over `client`.
    pub fn new(client: RestClient) -> Self {
        Self { client }
    }

    /// The resource `gvr`, cluster-wide; narrow it with [`MetadataResource::namespace`].
    pub fn resource(&self, gvr: &GroupVersionResource) -> MetadataResource {
        MetadataResource {
            target: Target::new(self.client.clone(), gvr, None, Representation::Metadata),
        }
    }
}

/// One resource of a [`MetadataClient`], cluster-wide or in one namespace.
#[derive(Clone, Debug)]
pub struct MetadataResource {
    target: Target,
}

impl MetadataResource {
    /// The same resource in `namespace`.
    pub fn namespace(&self, namespace: &str) -> Self {
        Self {
            target: self.target.with_namespace(Some(namespace.to_owned())),
        }
    }

    /// Reads one object's metadata.
    pub async fn get(&self, name: &str, opts: &GetOptions) -> Result<PartialObjectMetadata, Error> {
        self.target.get(name, None, opts).await
    }

    /// Lists objects' metadata (one request).
    pub async fn list(&self, opts: &ListOptions) -> Result<PartialObjectMetadataList, Error> {
        self.target.list(opts).await
    }

    /// Lists every object's metadata, following continue tokens.
    pub async fn list_all(&self, opts: &ListOptions) -> Result<PartialObjectMetadataList, Error> {
        self.pager().list(opts).await
    }

    /// A pager over this collection.
    pub fn pager(&self) -> Pager<PartialObjectMetadataList> {
        Pager::new(self.target.clone())
    }

    /// Watches objects' metadata.
    pub async fn watch(
        &self,
        opts: &ListOptions,
    ) -> Result<EventStream<PartialObjectMetadata>, Error> {
        self.target.watch(opts).await
    }

    /// Deletes one object; the answer is its metadata or a `Status`.
    pub async fn delete(
        &self,
        name: &str,
        opts: &DeleteOptions,
    ) -> Result<DeleteResponse<PartialObjectMetadata>, Error> {
        self.target.delete(name, opts).await
    }

    /// Deletes every object matching `list`'s selectors.
    pub async fn delete_collection(
        &self,
        opts: &DeleteOptions,
        list: &ListOptions,
    ) -> Result<DeleteResponse<PartialObjectMetadataList>, Error> {
        self.target.delete_collection(opts, list).await
    }

    /// Patches one object (typically its labels, annotations, finalizers or owner
    /// references); the answer is its metadata.
    pub async fn patch(
        &self,
        name: &str,
        patch: &Patch,
        opts: &PatchOptions,
    ) -> Result<PartialObjectMetadata, Error> {
        self.target.patch(name, None, patch, opts).await
    }
}
