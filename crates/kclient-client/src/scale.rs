//! [`ScaleClient`]: the `scale` subresource of any resource that has one, by
//! GroupVersionResource (client-go's `scale` package), as autoscaling/v1 `Scale`.

use std::fmt;

use k8s_openapi::api::autoscaling::v1::Scale;
use kclient_core::gvk::GroupVersionResource;
use kclient_core::params::{GetOptions, PatchOptions, UpdateOptions};
use kclient_core::patch::Patch;
use kclient_rest::RestClient;

use crate::Error;
use crate::target::{Body, Representation, Target};

/// Reads and changes the scale of any scalable resource. Cheap to clone.
///
/// ```no_run
/// # async fn demo(client: kclient_rest::RestClient) -> Result<(), kclient_client::Error> {
/// use kclient_client::ScaleClient;
/// use kclient_core::{GroupVersionResource, GetOptions};
///
/// let scales = ScaleClient::new(client);
/// let deployments = scales.resource(&GroupVersionResource::gvr("apps", "v1", "deployments"));
/// let scale = deployments.namespace("default").get("web", &GetOptions::default()).await?;
/// # let _ = scale;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct ScaleClient {
    client: RestClient,
}

impl fmt::Debug for ScaleClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScaleClient").finish_non_exhaustive()
    }
}

impl ScaleClient {
    /// A scale client over `client`.
    pub fn new(client: RestClient) -> Self {
        Self { client }
    }

    /// The scale subresource of `gvr` (cluster-scoped; use [`ScaleResource::namespace`]
    /// for namespaced resources).
    pub fn resource(&self, gvr: &GroupVersionResource) -> ScaleResource {
        ScaleResource {
            target: Target::new(self.client.clone(), gvr, None, Representation::Full),
        }
    }
}

/// The scale subresource of one resource, cluster-wide or in one namespace.
#[derive(Clone, Debug)]
pub struct ScaleResource {
    target: Target,
}

impl ScaleResource {
    /// The same resource in `namespace`.
    pub fn namespace(&self, namespace: &str) -> Self {
        Self {
            target: self.target.with_namespace(Some(namespace.to_owned())),
        }
    }

    /// Reads the scale of `name`.
    pub async fn get(&self, name: &str, opts: &GetOptions) -> Result<Scale, Error> {
        self.target.get(name, Some("scale"), opts).await
    }

    /// Replaces the scale of the object `scale.metadata.name` (a stale resourceVersion
    /// fails with a 409 conflict).
    pub async fn update(&self, scale: &Scale, opts: &UpdateOptions) -> Result<Scale, Error> {
        let name = scale
            .metadata
            .name
            .as_deref()
            .filter(|n| !n.is_empty())
            .ok_or_else(|| Error::InvalidRequest("the Scale has no metadata.name".to_owned()))?;
        self.target
            .replace(name, Some("scale"), Body::Json(scale), opts)
            .await
    }

    /// Patches the scale of `name`.
    pub async fn patch(
        &self,
        name: &str,
        patch: &Patch,
        opts: &PatchOptions,
    ) -> Result<Scale, Error> {
        self.target.patch(name, Some("scale"), patch, opts).await
    }

    /// The resource this client scales.
    pub fn resource(&self) -> GroupVersionResource {
        self.target
            .group_version()
            .with_resource(self.target.resource())
    }
}
