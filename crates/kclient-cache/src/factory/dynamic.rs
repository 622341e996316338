//! [`DynamicSharedInformerFactory`]: shared informers of [`Unstructured`] objects for any
//! GVR — custom resources above all (client-go's `dynamicinformer`).

use std::fmt;

use kclient_core::{GroupVersionResource, Unstructured};
use kclient_rest::RestClient;

use super::{
    CacheSyncResults, FactoryError, InformerId, InformerStatus, ResourceInformer,
    SharedInformerFactory,
};
use crate::lister_watcher::RestListerWatcher;

/// Shared informers of [`Unstructured`] objects, one per GVR; cheap to clone.
///
/// It is a view of a [`SharedInformerFactory`] (its own, or the one it was made from with
/// [`SharedInformerFactory::dynamic`]): the same namespace, tweak hook and resync, and the
/// same `start`/`shutdown`.
///
/// ```no_run
/// # async fn demo(client: kclient_rest::RestClient) -> Result<(), kclient_cache::FactoryError> {
/// use kclient_cache::DynamicSharedInformerFactory;
/// use kclient_core::GroupVersionResource;
///
/// let factory = DynamicSharedInformerFactory::new(client);
/// let widgets = GroupVersionResource::gvr("example.com", "v1", "widgets");
/// let lister = factory.for_resource(&widgets).lister();
/// factory.start()?;
/// factory.wait_for_cache_sync().await;
/// # let _ = lister;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct DynamicSharedInformerFactory {
    factory: SharedInformerFactory,
}

impl fmt::Debug for DynamicSharedInformerFactory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DynamicSharedInformerFactory")
            .field("factory", &self.factory)
            .finish()
    }
}

impl DynamicSharedInformerFactory {
    /// A dynamic factory over `client` for all namespaces (client-go's
    /// `NewDynamicSharedInformerFactory(client, 0)`); use
    /// [`SharedInformerFactory::builder`] then [`SharedInformerFactory::dynamic`] for options.
    pub fn new(client: RestClient) -> Self {
        Self::from_factory(SharedInformerFactory::new(client))
    }

    pub(super) fn from_factory(factory: SharedInformerFactory) -> Self {
        Self { factory }
    }

    /// The factory this is a view of.
    pub fn factory(&self) -> &SharedInformerFactory {
        &self.factory
    }

    /// The shared informer of `resource`. Under a namespaced factory it watches the factory's
    /// namespace; use [`for_cluster_resource`](Self::for_cluster_resource) for cluster-scoped
    /// resources there. Without a namespace both are the same.
    pub fn for_resource(&self, resource: &GroupVersionResource) -> ResourceInformer<Unstructured> {
        self.informer(resource, true)
    }

    /// The shared informer of a cluster-scoped `resource`: the factory's namespace is not
    /// applied to it.
    pub fn for_cluster_resource(
        &self,
        resource: &GroupVersionResource,
    ) -> ResourceInformer<Unstructured> {
        self.informer(resource, false)
    }

    fn informer(
        &self,
        resource: &GroupVersionResource,
        namespaced: bool,
    ) -> ResourceInformer<Unstructured> {
        ResourceInformer {
            informer: self
                .factory
                .informer_for::<Unstructured>(resource.clone(), |client| {
                    RestListerWatcher::dynamic(client, resource, namespaced)
                }),
        }
    }

    /// See [`SharedInformerFactory::start`].
    pub fn start(&self) -> Result<usize, FactoryError> {
        self.factory.start()
    }

    /// See [`SharedInformerFactory::wait_for_cache_sync`].
    pub async fn wait_for_cache_sync(&self) -> CacheSyncResults {
        self.factory.wait_for_cache_sync().await
    }

    /// See [`SharedInformerFactory::statuses`].
    pub fn statuses(&self) -> Vec<InformerStatus> {
        self.factory.statuses()
    }

    /// See [`SharedInformerFactory::forget_stopped`].
    pub fn forget_stopped(&self) -> Vec<InformerId> {
        self.factory.forget_stopped()
    }

    /// See [`SharedInformerFactory::shutdown`].
    pub async fn shutdown(&self) {
        self.factory.shutdown().await;
    }
}
