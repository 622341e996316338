//! [`DiscoveryRestMapper`]: a RESTMapper fed by discovery, client-go's
//! `DeferredDiscoveryRESTMapper` + `shortcutExpander` + `discoveryCategoryExpander`, with
//! controller-runtime's reload on a miss.
//!
//! * Nothing is fetched until the first lookup; the data is then kept as one immutable
//!   [`ResourceResolver`] snapshot (kclient-core's discovery mapper with short names and
//!   categories), so lookups are lock-free reads.
//! * When a lookup finds nothing ([`RestMapperError::is_no_match`]), the discovery cache is
//!   invalidated, the data reloaded and the lookup tried again — a CRD created after the
//!   first load is found. Reloads after a miss are rate-limited by a token bucket
//!   ([`ReloadLimit`]), so a stream of lookups for something that does not exist does not
//!   hammer the server; a miss past the limit answers the no-match error at once. A miss on
//!   data the cache says is not fresh (read from another process's files) always reloads.
//! * Concurrent misses share one reload.

mod limit;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use kclient_core::gvk::{GroupKind, GroupResource, GroupVersionKind, GroupVersionResource};
use kclient_core::restmapper::{ResourceResolver, RestMapper, RestMapperError, RestMapping};
use kclient_core::token_bucket::TokenBucket;
use tokio::sync::Mutex;

pub use limit::ReloadLimit;

use crate::error::{DiscoveryError, GroupDiscoveryFailed};
use crate::interface::CachedDiscovery;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Status;
use kclient_core::{ApiError, Transience};

/// Why a discovery-backed lookup failed.
#[derive(Clone, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MapperError {
    /// The discovery data could not be loaded at all.
    #[error("failed to load discovery data: {0}")]
    Discovery(#[from] DiscoveryError),
    /// The data loaded, but the lookup failed (no match, ambiguous, ...).
    #[error(transparent)]
    Mapping(Box<RestMapperError>),
}

impl From<RestMapperError> for MapperError {
    fn from(err: RestMapperError) -> Self {
        MapperError::Mapping(Box::new(err))
    }
}

impl From<Box<RestMapperError>> for MapperError {
    fn from(err: Box<RestMapperError>) -> Self {
        MapperError::Mapping(err)
    }
}

/// A lookup that failed in discovery answers as that discovery call does.
impl ApiError for MapperError {
    fn status(&self) -> Option<&Status> {
        match self {
            MapperError::Discovery(err) => err.status(),
            MapperError::Mapping(_) => None,
        }
    }

    fn is_transport(&self) -> bool {
        matches!(self, MapperError::Discovery(err) if err.is_transport())
    }

    fn is_timeout(&self) -> bool {
        matches!(self, MapperError::Discovery(err) if err.is_timeout())
    }

    fn transience(&self) -> Transience {
        match self {
            MapperError::Discovery(err) => err.transience(),
            MapperError::Mapping(_) => Transience::Permanent,
        }
    }
}

impl MapperError {
    /// True when nothing matched (after any reload).
    pub fn is_no_match(&self) -> bool {
        matches!(self, MapperError::Mapping(e) if e.is_no_match())
    }

    /// True when more than one resource or kind matched.
    pub fn is_ambiguous(&self) -> bool {
        matches!(self, MapperError::Mapping(e) if e.is_ambiguous())
    }

    /// The mapping error, if the data loaded.
    pub fn mapping_error(&self) -> Option<&RestMapperError> {
        match self {
            MapperError::Mapping(e) => Some(e),
            MapperError::Discovery(_) => None,
        }
    }
}

/// The loaded data and the load it came from.
#[derive(Clone)]
struct Snapshot {
    resolver: Arc<ResourceResolver>,
    generation: u64,
    failed: Option<GroupDiscoveryFailed>,
}

/// State of loading, behind the async lock that makes loads single-flight.
struct Loader {
    generation: u64,
    limiter: TokenBucket,
}

/// A RESTMapper backed by a [`CachedDiscovery`] (a [`crate::MemCacheClient`] or
/// [`crate::DiskCachedDiscovery`]; pass an `Arc` to share the cache with other users).
///
/// ```no_run
/// # async fn demo(rest: kclient_rest::RestClient) -> Result<(), kclient_discovery::restmapper::MapperError> {
/// use kclient_discovery::{DiscoveryClient, DiscoveryRestMapper, MemCacheClient};
/// let mapper = DiscoveryRestMapper::new(MemCacheClient::new(DiscoveryClient::new(rest)));
/// let mapping = mapper.mapping_for("deploy").await?;
/// assert_eq!(mapping.resource.to_string(), "apps/v1, Resource=deployments");
/// # Ok(()) }
/// ```
pub struct DiscoveryRestMapper<D> {
    discovery: D,
    current: RwLock<Option<Snapshot>>,
    loader: Mutex<Loader>,
    loads: AtomicU64,
}

impl<D> std::fmt::Debug for DiscoveryRestMapper<D> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DiscoveryRestMapper")
            .field(
                "loaded",
                &self.current.read().map(|c| c.is_some()).unwrap_or_default(),
            )
            .field("loads", &self.loads.load(Ordering::SeqCst))
            .finish_non_exhaustive()
    }
}

impl<D: CachedDiscovery> DiscoveryRestMapper<D> {
    /// A mapper over `discovery` with the default [`ReloadLimit`]; nothing is fetched yet.
    pub fn new(discovery: D) -> Self {
        Self::with_reload_limit(discovery, ReloadLimit::default())
    }

    /// A mapper whose reloads after misses are limited by `limit`.
    pub fn with_reload_limit(discovery: D, limit: ReloadLimit) -> Self {
        DiscoveryRestMapper {
            discovery,
            current: RwLock::new(None),
            loader: Mutex::new(Loader {
                generation: 0,
                limiter: limit.bucket(),
            }),
            loads: AtomicU64::new(0),
        }
    }

    /// The discovery cache underneath.
    pub fn discovery(&self) -> &D {
        &self.discovery
    }

    /// How many times discovery data was loaded (first load included).
    pub fn loads(&self) -> u64 {
        self.loads.load(Ordering::SeqCst)
    }

    /// The current data, loading it first if needed. The snapshot is immutable and can be
    /// used as a synchronous [`RestMapper`] (see [`ResourceResolver::mapper`]).
    pub async fn resolver(&self) -> Result<Arc<ResourceResolver>, MapperError> {
        Ok(self.current().await?.resolver)
    }

    /// The group-versions the last load could not discover (they are missing from the data).
    pub fn failed_group_versions(&self) -> Option<GroupDiscoveryFailed> {
        self.snapshot().and_then(|s| s.failed)
    }

    /// Forgets the data and invalidates the discovery cache: the next lookup loads again
    /// (client-go's `Reset`).
    pub fn reset(&self) {
        self.discovery.invalidate();
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = None;
    }

    /// The single kind a partial resource names (short names expanded).
    pub async fn kind_for(
        &self,
        resource: &GroupVersionResource,
    ) -> Result<GroupVersionKind, MapperError> {
        self.lookup(|r| r.mapper().kind_for(resource).map_err(Box::new))
            .await
    }

    /// Every kind a partial resource may name, in priority order.
    pub async fn kinds_for(
        &self,
        resource: &GroupVersionResource,
    ) -> Result<Vec<GroupVersionKind>, MapperError> {
        self.lookup(|r| r.mapper().kinds_for(resource).map_err(Box::new))
            .await
    }

    /// The single fully specified resource a partial resource names.
    pub async fn resource_for(
        &self,
        resource: &GroupVersionResource,
    ) -> Result<GroupVersionResource, MapperError> {
        self.lookup(|r| r.mapper().resource_for(resource).map_err(Box::new))
            .await
    }

    /// Every fully specified resource a partial resource may name, in priority order.
    pub async fn resources_for(
        &self,
        resource: &GroupVersionResource,
    ) -> Result<Vec<GroupVersionResource>, MapperError> {
        self.lookup(|r| r.mapper().resources_for(resource).map_err(Box::new))
            .await
    }

    /// The preferred mapping of a group kind (`versions` tried first, in order).
    pub async fn rest_mapping(
        &self,
        group_kind: &GroupKind,
        versions: &[&str],
    ) -> Result<RestMapping, MapperError> {
        self.lookup(|r| {
            r.mapper()
                .rest_mapping(group_kind, versions)
                .map_err(Box::new)
        })
        .await
    }

    /// Every mapping of a group kind (only those in `versions` when some are given).
    pub async fn rest_mappings(
        &self,
        group_kind: &GroupKind,
        versions: &[&str],
    ) -> Result<Vec<RestMapping>, MapperError> {
        self.lookup(|r| {
            r.mapper()
                .rest_mappings(group_kind, versions)
                .map_err(Box::new)
        })
        .await
    }

    /// The singular name of a resource (`pods` → `pod`, `deploy` → `deployment`).
    pub async fn resource_singularizer(&self, resource: &str) -> Result<String, MapperError> {
        self.lookup(|r| r.mapper().resource_singularizer(resource).map_err(Box::new))
            .await
    }

    /// The mapping one kubectl resource argument names: `deploy`, `deployments`,
    /// `deployment`, `deployments.apps`, `deployments.v1.apps`, `Deployment`,
    /// `Deployment.v1.apps` (kubectl's `mappingFor`).
    pub async fn mapping_for(&self, arg: &str) -> Result<RestMapping, MapperError> {
        self.lookup(|r| r.mapping_for(arg).map_err(Box::new)).await
    }

    /// The mappings of a comma list of arguments with categories expanded, each resource
    /// once (`kubectl get all,cm`).
    pub async fn mappings_for(&self, args: &str) -> Result<Vec<RestMapping>, MapperError> {
        self.lookup(|r| r.mappings_for(args).map_err(Box::new))
            .await
    }

    /// The members of a category (`all` → pods, services, deployments.apps, ...), in
    /// discovery order; `None` when no resource declares it, even after a reload.
    pub async fn expand_category(
        &self,
        category: &str,
    ) -> Result<Option<Vec<GroupResource>>, MapperError> {
        let found = self
            .lookup(|r| match r.categories().expand(category) {
                Some(members) => Ok(members.to_vec()),
                None => Err(Box::new(RestMapperError::UnknownResourceType(
                    category.to_owned(),
                ))),
            })
            .await;
        match found {
            Ok(members) => Ok(Some(members)),
            Err(e) if e.is_no_match() => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn snapshot(&self) -> Option<Snapshot> {
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Runs `f` on the data; on a miss, reloads (if allowed) and runs it once more.
    async fn lookup<T>(
        &self,
        f: impl Fn(&ResourceResolver) -> Result<T, Box<RestMapperError>>,
    ) -> Result<T, MapperError> {
        let snapshot = self.current().await?;
        match f(&snapshot.resolver) {
            Err(e) if e.is_no_match() => match self.reload_after_miss(snapshot.generation).await? {
                Some(fresh) => f(&fresh.resolver).map_err(MapperError::from),
                None => Err(e.into()),
            },
            other => other.map_err(MapperError::from),
        }
    }

    async fn current(&self) -> Result<Snapshot, MapperError> {
        if let Some(s) = self.snapshot() {
            return Ok(s);
        }
        let mut loader = self.loader.lock().await;
        if let Some(s) = self.snapshot() {
            return Ok(s);
        }
        self.load(&mut loader).await
    }

    /// After a miss on data of load `seen`: the newer data if another caller already
    /// reloaded, freshly loaded data if the limit allows, else `None`.
    async fn reload_after_miss(&self, seen: u64) -> Result<Option<Snapshot>, MapperError> {
        let mut loader = self.loader.lock().await;
        if let Some(s) = self.snapshot().filter(|s| s.generation != seen) {
            return Ok(Some(s));
        }
        let allowed = loader
            .limiter
            .try_take(tokio::time::Instant::now().into_std());
        if !allowed && self.discovery.fresh() {
            tracing::debug!("discovery reload after a miss skipped: rate limited");
            return Ok(None);
        }
        self.discovery.invalidate();
        self.load(&mut loader).await.map(Some)
    }

    async fn load(&self, loader: &mut Loader) -> Result<Snapshot, MapperError> {
        let groups = self.discovery.api_group_resources().await?;
        self.loads.fetch_add(1, Ordering::SeqCst);
        if let Some(failed) = &groups.failed {
            tracing::warn!(error = %failed, "discovery is incomplete; mapping what was found");
        }
        loader.generation += 1;
        let snapshot = Snapshot {
            resolver: Arc::new(ResourceResolver::from_api_group_resources(&groups.value)),
            generation: loader.generation,
            failed: groups.failed,
        };
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = Some(snapshot.clone());
        Ok(snapshot)
    }
}
