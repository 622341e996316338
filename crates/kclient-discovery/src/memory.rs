//! [`MemCacheClient`]: client-go's `discovery/cached/memory` — discovery answered from memory
//! after one full fetch.
//!
//! Semantics kept from client-go:
//! * the first call fetches everything (aggregated: two requests; legacy: the group list,
//!   then every group-version in parallel) and caches each group-version's resources *or
//!   its error*;
//! * a cached transient error (5xx, 429, transport) is retried once when that group-version
//!   is asked for again; other errors are answered from the cache;
//! * a group-version the server does not list answers [`DiscoveryError::CacheNotFound`];
//! * [`CachedDiscovery::fresh`] is true once the cache is populated, and
//!   [`CachedDiscovery::invalidate`] empties it.
//!
//! Concurrent callers share one refresh: the cache lock is held while it runs.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use futures::future::join_all;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{APIGroupList, APIResourceList};
use k8s_openapi::apimachinery::pkg::version::Info;
use kclient_core::gvk::GroupVersion;
use tokio::sync::{Mutex, MutexGuard};

use crate::error::DiscoveryError;
use crate::interface::{CachedDiscovery, Discovery, GroupsAndMaybeResources, group_versions};
use crate::openapi::OpenApiV3Paths;

type Entry = Result<APIResourceList, DiscoveryError>;

/// One populated cache, tagged with the invalidation generation it was fetched in.
#[derive(Debug)]
struct Cache {
    generation: u64,
    groups: APIGroupList,
    by_gv: BTreeMap<GroupVersion, Entry>,
    /// The resources came with the groups (aggregated discovery).
    aggregated: bool,
}

/// An in-memory discovery cache over any [`Discovery`] (usually a
/// [`crate::DiscoveryClient`]).
///
/// `server_version` and the OpenAPI calls are passed through uncached, as in client-go.
#[derive(Debug)]
pub struct MemCacheClient<D> {
    delegate: D,
    cache: Mutex<Option<Cache>>,
    /// Bumped by `invalidate`; a cache from an older generation is refetched.
    generation: AtomicU64,
    valid: AtomicBool,
}

impl<D: Discovery> MemCacheClient<D> {
    /// An empty cache in front of `delegate`; nothing is fetched until first use.
    pub fn new(delegate: D) -> Self {
        MemCacheClient {
            delegate,
            cache: Mutex::new(None),
            generation: AtomicU64::new(0),
            valid: AtomicBool::new(false),
        }
    }

    /// The discovery client underneath.
    pub fn delegate(&self) -> &D {
        &self.delegate
    }

    /// The cache, fetched first when empty or invalidated.
    async fn populated(&self) -> Result<MutexGuard<'_, Option<Cache>>, DiscoveryError> {
        let mut guard = self.cache.lock().await;
        let generation = self.generation.load(Ordering::SeqCst);
        if guard.as_ref().is_none_or(|c| c.generation != generation) {
            *guard = None;
            let cache = self.refresh(generation).await?;
            *guard = Some(cache);
            // An invalidate that raced with the fetch leaves the cache stale.
            if self.generation.load(Ordering::SeqCst) == generation {
                self.valid.store(true, Ordering::SeqCst);
            }
        }
        Ok(guard)
    }

    async fn refresh(&self, generation: u64) -> Result<Cache, DiscoveryError> {
        let found = self.delegate.groups_and_maybe_resources().await?;
        if let Some(resources) = found.resources {
            let mut by_gv: BTreeMap<GroupVersion, Entry> =
                resources.into_iter().map(|(gv, l)| (gv, Ok(l))).collect();
            by_gv.extend(found.failed.into_iter().map(|(gv, e)| (gv, Err(e))));
            return Ok(Cache {
                generation,
                groups: found.groups,
                by_gv,
                aggregated: true,
            });
        }
        let gvs = group_versions(&found.groups);
        let results = join_all(gvs.iter().map(|gv| self.fetch_one(gv))).await;
        let mut by_gv = BTreeMap::new();
        for (gv, result) in gvs.into_iter().zip(results) {
            if let Err(e) = &result {
                tracing::debug!(group_version = %gv, error = %e, "couldn't get resource list");
            }
            by_gv.insert(gv, result);
        }
        Ok(Cache {
            generation,
            groups: found.groups,
            by_gv,
            aggregated: false,
        })
    }

    /// One group-version from the server; an empty list counts as an error, as in client-go.
    async fn fetch_one(&self, gv: &GroupVersion) -> Entry {
        let list = self.delegate.server_resources_for_group_version(gv).await?;
        if list.resources.is_empty() {
            return Err(DiscoveryError::EmptyResponse(gv.clone()));
        }
        Ok(list)
    }
}

impl<D: Discovery> Discovery for MemCacheClient<D> {
    async fn server_version(&self) -> Result<Info, DiscoveryError> {
        self.delegate.server_version().await
    }

    async fn server_groups(&self) -> Result<APIGroupList, DiscoveryError> {
        let guard = self.populated().await?;
        Ok(guard.as_ref().map(|c| c.groups.clone()).unwrap_or_default())
    }

    async fn server_resources_for_group_version(
        &self,
        gv: &GroupVersion,
    ) -> Result<APIResourceList, DiscoveryError> {
        let mut guard = self.populated().await?;
        let Some(cache) = guard.as_mut() else {
            return Err(DiscoveryError::CacheNotFound(gv.clone()));
        };
        match cache.by_gv.get(gv) {
            None => Err(DiscoveryError::CacheNotFound(gv.clone())),
            Some(Err(e)) if e.is_transient() => {
                let entry = self.fetch_one(gv).await;
                cache.by_gv.insert(gv.clone(), entry.clone());
                entry
            }
            Some(entry) => entry.clone(),
        }
    }

    async fn groups_and_maybe_resources(&self) -> Result<GroupsAndMaybeResources, DiscoveryError> {
        let guard = self.populated().await?;
        let Some(cache) = guard.as_ref() else {
            return Ok(GroupsAndMaybeResources::default());
        };
        if !cache.aggregated {
            // Legacy: callers go through `server_resources_for_group_version`, which retries
            // transient failures.
            return Ok(GroupsAndMaybeResources {
                groups: cache.groups.clone(),
                resources: None,
                failed: BTreeMap::new(),
            });
        }
        let mut resources = BTreeMap::new();
        let mut failed = BTreeMap::new();
        for (gv, entry) in &cache.by_gv {
            match entry {
                Ok(list) => {
                    resources.insert(gv.clone(), list.clone());
                }
                Err(e) => {
                    failed.insert(gv.clone(), e.clone());
                }
            }
        }
        Ok(GroupsAndMaybeResources {
            groups: cache.groups.clone(),
            resources: Some(resources),
            failed,
        })
    }

    async fn openapi_v2(&self) -> Result<serde_json::Value, DiscoveryError> {
        self.delegate.openapi_v2().await
    }

    async fn openapi_v3(&self) -> Result<OpenApiV3Paths, DiscoveryError> {
        self.delegate.openapi_v3().await
    }
}

impl<D: Discovery> CachedDiscovery for MemCacheClient<D> {
    /// Whether the cache is populated: a miss in a populated cache is a real miss (a single
    /// entry that failed transiently is still retried when asked for).
    fn fresh(&self) -> bool {
        self.valid.load(Ordering::SeqCst)
    }

    fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        self.valid.store(false, Ordering::SeqCst);
    }
}
