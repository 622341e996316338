//! [`CachedClient`]: controller-runtime's cache-backed client. Reads (`get`, `list`) of a
//! type are served from a [`SharedInformerFactory`] informer, started and synced on first
//! use; writes (`create`, `update`, `patch`, `delete`) go to the server through
//! [`kclient_client::Api`]. Types opted out with [`CachedClientBuilder::uncached`] are read from
//! the server too.
//!
//! Reads from the cache are eventually consistent, exactly as in controller-runtime: a write
//! is visible to `get`/`list` once the informer has received its watch event.

use std::any::TypeId;
use std::collections::HashSet;
use std::fmt;
use std::sync::Arc;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Status;
use kclient_client::{Api, DeleteResponse};
use kclient_core::status::new_not_found;
use kclient_core::{ApiError, GroupResource, Transience};
use kclient_core::{
    CreateOptions, DeleteOptions, GetOptions, LabelSelector, ListOptions, Patch, PatchOptions,
    Resource, UpdateOptions,
};
use kclient_rest::RestClient;

use crate::factory::{FactoryError, FactoryInformer, InformerState, SharedInformerFactory};
use crate::lister::Lister;
use crate::reflector::ReflectorError;

/// Errors of [`CachedClient`] calls.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CachedClientError {
    /// The server answered a request with an error.
    #[error(transparent)]
    Api(#[from] kclient_client::Error),
    /// The object is not in the cache (the cache's answer to a `get` of a missing object).
    /// Like controller-runtime's cache, it carries the NotFound `Status` the server would
    /// have answered, so [`ApiError::is_not_found`] treats both alike.
    #[error("{resource} \"{name}\" not found in the cache")]
    NotFound {
        /// The resource (`pods`).
        resource: String,
        /// `namespace/name` or `name`.
        name: String,
        /// apimachinery's NotFound status for the object.
        status: Box<Status>,
    },
    /// The informer of the type stopped before syncing, or later, or its resource is not
    /// served (the reason is then the server's 404, so [`ApiError::is_not_found`] holds, as
    /// it would for a read from the server).
    #[error("the cache of {resource} is not available: {}", describe(.reason))]
    CacheUnavailable {
        /// The resource (`pods`).
        resource: String,
        /// What the reflector reported last, if anything.
        reason: Option<Arc<ReflectorError>>,
    },
    /// The informer could not be started.
    #[error(transparent)]
    Factory(#[from] FactoryError),
    /// A namespaced kind was asked for in an empty namespace (which never means "all
    /// namespaces"; list across namespaces with `None`).
    #[error("an empty namespace for {resource}: list across namespaces with no namespace")]
    EmptyNamespace {
        /// The resource (`pods`).
        resource: String,
    },
    /// A namespaced object was written without `metadata.namespace`, or without a name.
    #[error("{resource} object needs metadata.{field}")]
    MissingMetadata {
        /// The resource (`pods`).
        resource: String,
        /// `namespace` or `name`.
        field: &'static str,
    },
}

fn describe(reason: &Option<Arc<ReflectorError>>) -> String {
    match reason {
        Some(err) => err.to_string(),
        None => "the informer stopped".to_owned(),
    }
}

/// A missing object reads the same whether the cache or the server said so.
impl ApiError for CachedClientError {
    fn status(&self) -> Option<&Status> {
        match self {
            Self::Api(err) => err.status(),
            Self::NotFound { status, .. } => Some(status),
            Self::CacheUnavailable {
                reason: Some(err), ..
            } => err.status(),
            _ => None,
        }
    }

    fn is_transport(&self) -> bool {
        matches!(self, Self::Api(err) if err.is_transport())
    }

    fn is_timeout(&self) -> bool {
        matches!(self, Self::Api(err) if err.is_timeout())
    }

    fn transience(&self) -> Transience {
        match self {
            Self::Api(err) => err.transience(),
            Self::CacheUnavailable {
                reason: Some(err), ..
            } => err.transience(),
            _ => Transience::Permanent,
        }
    }
}

/// Builds a [`CachedClient`].
#[derive(Debug)]
pub struct CachedClientBuilder {
    factory: SharedInformerFactory,
    uncached: HashSet<TypeId>,
}

impl CachedClientBuilder {
    /// Serves cached reads from `factory`'s informers (sharing them with other users of the
    /// factory). Default: a factory of its own over all namespaces.
    #[must_use]
    pub fn factory(mut self, factory: SharedInformerFactory) -> Self {
        self.factory = factory;
        self
    }

    /// Reads of `K` go to the server, not to a cache. Default: every type is cached.
    #[must_use]
    pub fn uncached<K: 'static>(mut self) -> Self {
        self.uncached.insert(TypeId::of::<K>());
        self
    }

    /// The client.
    pub fn build(self) -> CachedClient {
        CachedClient {
            factory: self.factory,
            uncached: Arc::new(self.uncached),
        }
    }
}

/// controller-runtime's cache-backed client; cheap to clone.
///
/// ```no_run
/// # async fn demo(client: kclient_rest::RestClient) -> Result<(), kclient_cache::CachedClientError> {
/// use k8s_openapi::api::core::v1::{ConfigMap, Secret};
/// use kclient_cache::CachedClient;
/// use kclient_core::LabelSelector;
///
/// let client = CachedClient::builder(client).uncached::<Secret>().build();
/// let cm = client.get::<ConfigMap>("default", "settings").await?; // from the cache
/// let secrets = client.list::<Secret>(Some("default"), &LabelSelector::everything()).await?; // server
/// # let _ = (cm, secrets);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct CachedClient {
    factory: SharedInformerFactory,
    uncached: Arc<HashSet<TypeId>>,
}

impl fmt::Debug for CachedClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CachedClient")
            .field("factory", &self.factory)
            .field("uncached_types", &self.uncached.len())
            .finish()
    }
}

impl CachedClient {
    /// A client caching every type, over a factory of its own.
    pub fn new(client: RestClient) -> Self {
        Self::builder(client).build()
    }

    /// A builder for a client with options.
    pub fn builder(client: RestClient) -> CachedClientBuilder {
        CachedClientBuilder {
            factory: SharedInformerFactory::new(client),
            uncached: HashSet::new(),
        }
    }

    /// The factory cached reads come from.
    pub fn factory(&self) -> &SharedInformerFactory {
        &self.factory
    }

    /// Whether reads of `K` are served from the cache.
    pub fn is_cached<K: 'static>(&self) -> bool {
        !self.uncached.contains(&TypeId::of::<K>())
    }

    /// The server client for `K` in `namespace` (`None`: all namespaces, for lists).
    fn api<K: Resource>(&self, namespace: Option<&str>) -> Result<Api<K>, CachedClientError> {
        if K::namespaced() && namespace == Some("") {
            return Err(CachedClientError::EmptyNamespace {
                resource: K::PLURAL.to_owned(),
            });
        }
        Ok(Api::in_scope(self.factory.client().clone(), namespace))
    }

    /// The informer of `K`, started and synced, while its resource is served.
    async fn informer<K: Resource>(&self) -> Result<FactoryInformer<K>, CachedClientError> {
        let informer = self.factory.resource::<K>().informer();
        let state = || self.factory.state_of::<K>(&K::gvr());
        // The common case after the first read: nothing to start or wait for.
        if informer.has_synced()
            && state().is_some_and(|s| matches!(*s.borrow(), InformerState::Running))
        {
            return Ok(informer);
        }
        self.factory.start()?;
        let unavailable = || CachedClientError::CacheUnavailable {
            resource: K::PLURAL.to_owned(),
            reason: informer
                .health()
                .and_then(|h| h.borrow().last_error.clone()),
        };
        let Some(mut state) = state() else {
            return Err(unavailable());
        };
        // Wait for the sync, unless the informer ended or its resource is not served: then
        // the server would answer 404 (or nothing), and so does the cache, at once.
        tokio::select! {
            _ = informer.wait_for_cache_sync() => {}
            _ = state.wait_for(|s| !matches!(s, InformerState::Running)) => {}
        }
        // A stopped informer's cache is frozen, and a not-served one's is the last the
        // server showed before the resource went away: neither is read from.
        let usable = matches!(
            *state.borrow(),
            InformerState::Running | InformerState::ShutDown
        );
        if usable && informer.has_synced() {
            Ok(informer)
        } else {
            Err(unavailable())
        }
    }

    /// The lister of `K`'s cache, after starting and syncing its informer.
    pub async fn lister<K: Resource>(&self) -> Result<Lister<K>, CachedClientError> {
        Ok(Lister::new(self.informer::<K>().await?.indexer().clone()))
    }

    /// Gets `name` in `namespace` (ignored for cluster-scoped kinds).
    pub async fn get<K: Resource>(
        &self,
        namespace: &str,
        name: &str,
    ) -> Result<Arc<K>, CachedClientError> {
        let api = self.api::<K>(Some(namespace))?;
        if !self.is_cached::<K>() {
            return Ok(Arc::new(api.get(name, &GetOptions::default()).await?));
        }
        let lister = self.lister::<K>().await?;
        let found = if K::namespaced() {
            lister.namespace(namespace).get(name)
        } else {
            lister.get(name)
        };
        found.ok_or_else(|| CachedClientError::NotFound {
            resource: K::PLURAL.to_owned(),
            name: if K::namespaced() {
                format!("{namespace}/{name}")
            } else {
                name.to_owned()
            },
            status: Box::new(new_not_found(
                &GroupResource::new(K::GROUP, K::PLURAL),
                name,
            )),
        })
    }

    /// Lists the objects matching `selector` in `namespace` (`None`: all namespaces; ignored
    /// for cluster-scoped kinds).
    pub async fn list<K: Resource>(
        &self,
        namespace: Option<&str>,
        selector: &LabelSelector,
    ) -> Result<Vec<Arc<K>>, CachedClientError> {
        let api = self.api::<K>(namespace)?;
        if !self.is_cached::<K>() {
            let options = ListOptions {
                label_selector: (!selector.is_empty()).then(|| selector.to_string()),
                ..ListOptions::default()
            };
            let list = api.list_all(&options).await?;
            return Ok(list.items.into_iter().map(Arc::new).collect());
        }
        let lister = self.lister::<K>().await?;
        Ok(match namespace.filter(|_| K::namespaced()) {
            Some(ns) => lister.namespace(ns).list(selector),
            None => lister.list(selector),
        })
    }

    fn namespace_of<K: Resource>(obj: &K) -> Result<&str, CachedClientError> {
        let ns = obj.meta().namespace.as_deref().unwrap_or("");
        if K::namespaced() && ns.is_empty() {
            return Err(CachedClientError::MissingMetadata {
                resource: K::PLURAL.to_owned(),
                field: "namespace",
            });
        }
        Ok(ns)
    }

    /// Creates `obj` on the server (in `metadata.namespace` for namespaced kinds).
    pub async fn create<K: Resource>(
        &self,
        obj: &K,
        opts: &CreateOptions,
    ) -> Result<K, CachedClientError> {
        let ns = Self::namespace_of(obj)?;
        Ok(self.api::<K>(Some(ns))?.create(obj, opts).await?)
    }

    /// Replaces `obj` on the server; its `resourceVersion` guards against lost updates.
    pub async fn update<K: Resource>(
        &self,
        obj: &K,
        opts: &UpdateOptions,
    ) -> Result<K, CachedClientError> {
        let ns = Self::namespace_of(obj)?;
        if obj.meta().name.as_deref().unwrap_or("").is_empty() {
            return Err(CachedClientError::MissingMetadata {
                resource: K::PLURAL.to_owned(),
                field: "name",
            });
        }
        Ok(self.api::<K>(Some(ns))?.update(obj, opts).await?)
    }

    /// Patches `name` in `namespace` on the server.
    pub async fn patch<K: Resource>(
        &self,
        namespace: &str,
        name: &str,
        patch: &Patch,
        opts: &PatchOptions,
    ) -> Result<K, CachedClientError> {
        Ok(self
            .api::<K>(Some(namespace))?
            .patch(name, patch, opts)
            .await?)
    }

    /// Deletes `name` in `namespace` on the server.
    pub async fn delete<K: Resource>(
        &self,
        namespace: &str,
        name: &str,
        opts: &DeleteOptions,
    ) -> Result<DeleteResponse<K>, CachedClientError> {
        Ok(self.api::<K>(Some(namespace))?.delete(name, opts).await?)
    }
}
