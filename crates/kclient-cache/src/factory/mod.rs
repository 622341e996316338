//! [`SharedInformerFactory`]: one informer per resource, shared by everyone who asks
//! (client-go's `informers.SharedInformerFactory` and `dynamicinformer`).
//!
//! Asking for an informer (`factory.core_v1().pods().informer()`, `.lister()`, or
//! [`SharedInformerFactory::resource`] for any [`Resource`], [`DynamicSharedInformerFactory`]
//! for any GVR) registers it; [`start`](SharedInformerFactory::start) runs every registered
//! informer that is not running yet, so informers asked for later start on the next call.
//! Every informer of a factory uses the factory's namespace, tweak-list-options hook and
//! default resync.
//!
//! An informer whose resource stops being served (a deleted CRD: list or watch answers 404)
//! keeps retrying with its backoff, as client-go's does, so a CRD deleted and created again
//! (an operator upgrade does exactly that) is listed and watched again, and the relist
//! replaces the cache (objects of the CRD's previous life are deleted from it, and handlers
//! are told). Unlike client-go, the state is never silent: while the resource is not served
//! the informer's status is [`InformerState::NotServed`] with the server's answer, its
//! reflector health has [`not_served`](ReflectorHealth::not_served) set, the
//! [`on_served_change`](SharedInformerFactoryBuilder::on_served_change) callback is told of
//! both transitions, and the [`CachedClient`](crate::CachedClient) answers reads of it with
//! the 404 instead of serving the cache. `has_synced()` stays true meanwhile (client-go's
//! meaning: the initial state was delivered). A factory built with
//! [`stop_when_not_served`](SharedInformerFactoryBuilder::stop_when_not_served) stops such an
//! informer instead: its status turns [`InformerState::Stopped`] with the error, its
//! `has_synced()` turns false, and the factory never restarts it; call
//! [`forget_stopped`](SharedInformerFactory::forget_stopped) to drop such informers so that
//! the next request builds a fresh one.

mod dynamic;
mod lister_watcher;
mod served;
mod typed;

use std::any::{Any, TypeId};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use foldhash::HashMap;
use futures::future::BoxFuture;
use kclient_core::params::ListOptions;
use kclient_core::{GroupVersionResource, Object, Resource};
use kclient_rest::RestClient;
use parking_lot::Mutex;
use serde::de::DeserializeOwned;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use dynamic::DynamicSharedInformerFactory;
pub use lister_watcher::{FactoryListerWatcher, TweakListOptions};
pub use served::{OnServedChange, ServedChange};
pub use typed::*;

use lister_watcher::RequestCounts;

use crate::compact::Compact;
use crate::informer::{InformerError, SharedIndexInformer};
use crate::lister::Lister;
use crate::lister_watcher::{ListerWatcher, RestListerWatcher};
use crate::reflector::{ReflectorConfig, ReflectorError, ReflectorHealth};
use served::ServedTracker;

/// The informer type a factory hands out.
pub type FactoryInformer<K> = SharedIndexInformer<K, FactoryListerWatcher<K>>;

/// Errors of factory operations.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FactoryError {
    /// [`SharedInformerFactory::start`] was called outside a tokio runtime.
    #[error("the informer factory must be started from within a tokio runtime")]
    NoRuntime,
    /// The factory has been shut down; it starts nothing any more.
    #[error("the informer factory has been shut down")]
    ShutDown,
}

/// Identifies one informer of a factory: the resource and the Rust type its objects decode to
/// (a typed and a dynamic informer of the same resource are two informers).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct InformerId {
    /// The resource listed and watched.
    pub resource: GroupVersionResource,
    /// The object type's name (`k8s_openapi::api::core::v1::Pod`, `...::Unstructured`).
    pub object_type: &'static str,
}

impl fmt::Display for InformerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let r = &self.resource;
        if r.group.is_empty() {
            write!(f, "{}/{} ({})", r.version, r.resource, self.object_type)
        } else {
            write!(
                f,
                "{}/{}/{} ({})",
                r.group, r.version, r.resource, self.object_type
            )
        }
    }
}

/// Where an informer of a factory is in its life.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum InformerState {
    /// Registered; the next [`SharedInformerFactory::start`] runs it.
    NotStarted,
    /// Listing and watching.
    Running,
    /// Running, but the server answers 404 for the resource (its CRD was deleted): the
    /// informer retries with backoff and turns [`Running`](Self::Running) again once a list
    /// succeeds. Its cache holds what it last saw (after the deletions the server sent) and
    /// is not served by the [`CachedClient`](crate::CachedClient) meanwhile.
    NotServed(Arc<ReflectorError>),
    /// Stopped by an error: its resource not served, under
    /// [`stop_when_not_served`](SharedInformerFactoryBuilder::stop_when_not_served). The
    /// factory does not restart it and its cache no longer claims to be synced.
    Stopped(Arc<InformerError>),
    /// Stopped by [`SharedInformerFactory::shutdown`] (or the factory was dropped).
    ShutDown,
}

impl InformerState {
    /// True while the informer runs, its resource served or not.
    pub fn is_running(&self) -> bool {
        matches!(self, Self::Running | Self::NotServed(_))
    }

    /// True while the informer runs but its resource is not served.
    pub fn is_not_served(&self) -> bool {
        matches!(self, Self::NotServed(_))
    }

    /// The error that stopped the informer, if one did.
    pub fn error(&self) -> Option<&Arc<InformerError>> {
        match self {
            Self::Stopped(e) => Some(e),
            _ => None,
        }
    }
}

/// A snapshot of one informer of a factory.
#[derive(Clone, Debug)]
pub struct InformerStatus {
    /// Which informer.
    pub id: InformerId,
    /// Its life-cycle state; [`InformerState::NotServed`] while its resource is not served.
    pub state: InformerState,
    /// Whether its cache has synced (see [`SharedIndexInformer::has_synced`]: it stays true
    /// while the resource is not served, and turns false when the informer stopped).
    pub synced: bool,
    /// List requests its reflector has made (pages included).
    pub lists: u64,
    /// Watch requests its reflector has made (watch-list included).
    pub watches: u64,
    /// The reflector's health, once it runs.
    pub health: Option<ReflectorHealth>,
}

/// The outcome of [`SharedInformerFactory::wait_for_cache_sync`]: per started informer,
/// whether its cache synced (false: it stopped before syncing).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CacheSyncResults {
    results: Vec<(InformerId, bool)>,
}

impl CacheSyncResults {
    /// True when every informer waited for synced.
    pub fn all_synced(&self) -> bool {
        self.results.iter().all(|(_, synced)| *synced)
    }

    /// The result for one resource (the first informer of it, if typed and dynamic both exist).
    pub fn get(&self, resource: &GroupVersionResource) -> Option<bool> {
        self.results
            .iter()
            .find(|(id, _)| &id.resource == resource)
            .map(|(_, synced)| *synced)
    }

    /// Every result.
    pub fn iter(&self) -> impl Iterator<Item = (&InformerId, bool)> {
        self.results.iter().map(|(id, synced)| (id, *synced))
    }

    /// How many informers were waited for.
    pub fn len(&self) -> usize {
        self.results.len()
    }

    /// True when no informer had been started.
    pub fn is_empty(&self) -> bool {
        self.results.is_empty()
    }
}

/// Settings shared by every informer of a factory.
#[derive(Clone, Default)]
struct FactoryOptions {
    namespace: Option<String>,
    tweak: Option<TweakListOptions>,
    default_resync: Option<Duration>,
    /// Per-resource resync periods overriding `default_resync` (zero: never).
    custom_resync: HashMap<GroupVersionResource, Duration>,
    page_size: Option<u32>,
    stop_when_not_served: bool,
    on_served_change: Option<OnServedChange>,
}

impl fmt::Debug for FactoryOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FactoryOptions")
            .field("namespace", &self.namespace)
            .field("tweak", &self.tweak.is_some())
            .field("default_resync", &self.default_resync)
            .field("custom_resync", &self.custom_resync)
            .field("page_size", &self.page_size)
            .field("stop_when_not_served", &self.stop_when_not_served)
            .field("on_served_change", &self.on_served_change.is_some())
            .finish()
    }
}

/// Builds a [`SharedInformerFactory`] (client-go's `NewSharedInformerFactoryWithOptions`).
#[derive(Debug)]
pub struct SharedInformerFactoryBuilder {
    client: RestClient,
    options: FactoryOptions,
}

impl SharedInformerFactoryBuilder {
    /// Watches only `namespace` (cluster-scoped resources are unaffected). Default: all
    /// namespaces.
    #[must_use]
    pub fn namespace(mut self, namespace: impl Into<String>) -> Self {
        self.options.namespace = Some(namespace.into()).filter(|ns: &String| !ns.is_empty());
        self
    }

    /// Adjusts every list and watch request (label/field selectors...). Default: none.
    #[must_use]
    pub fn tweak_list_options(
        mut self,
        tweak: impl Fn(&mut ListOptions) + Send + Sync + 'static,
    ) -> Self {
        self.options.tweak = Some(Arc::new(tweak));
        self
    }

    /// How often informers resync their handlers. Default: never.
    #[must_use]
    pub fn default_resync(mut self, period: Duration) -> Self {
        self.options.default_resync = Some(period).filter(|p| !p.is_zero());
        self
    }

    /// How often the informer of `K` resyncs, overriding [`default_resync`](Self::default_resync)
    /// for that type only (client-go's `WithCustomResyncConfig`); `Duration::ZERO` turns
    /// its resync off.
    #[must_use]
    pub fn custom_resync<K: Resource>(self, period: Duration) -> Self {
        self.custom_resync_for(K::gvr(), period)
    }

    /// [`custom_resync`](Self::custom_resync) by resource, for dynamic informers too.
    #[must_use]
    pub fn custom_resync_for(mut self, resource: GroupVersionResource, period: Duration) -> Self {
        self.options.custom_resync.insert(resource, period);
        self
    }

    /// The page size of initial lists. Default: the reflector's (500).
    #[must_use]
    pub fn page_size(mut self, page_size: u32) -> Self {
        self.options.page_size = Some(page_size);
        self
    }

    /// Whether an informer whose resource is not served (404: its CRD was deleted) stops
    /// for good instead of retrying. A stopped informer shows as [`InformerState::Stopped`],
    /// its `has_synced()` turns false and the cached client refuses to read it. Default:
    /// false, client-go's behaviour: retry with backoff, so the resource is listed and
    /// watched again once it is served, with [`InformerState::NotServed`] meanwhile.
    #[must_use]
    pub fn stop_when_not_served(mut self, stop: bool) -> Self {
        self.options.stop_when_not_served = stop;
        self
    }

    /// Calls `on_change` whenever an informer's resource stops being served (404) or is
    /// served again, with the informer's id. It runs on the informer's task: keep it short
    /// and non-blocking (send on a channel, set a flag). Default: none; the same state is
    /// in [`SharedInformerFactory::statuses`] either way.
    #[must_use]
    pub fn on_served_change(
        mut self,
        on_change: impl Fn(&InformerId, &ServedChange) + Send + Sync + 'static,
    ) -> Self {
        self.options.on_served_change = Some(Arc::new(on_change));
        self
    }

    /// The factory.
    pub fn build(self) -> SharedInformerFactory {
        let (stop, _) = watch::channel(false);
        SharedInformerFactory {
            inner: Arc::new(Inner {
                client: self.client,
                options: self.options,
                state: Mutex::new(State::default()),
                stop,
            }),
        }
    }
}

/// The type-erased operations the factory runs on each informer.
trait Runner: Send + Sync {
    fn run(&self) -> BoxFuture<'static, Result<(), InformerError>>;
    fn wait_for_cache_sync(&self) -> BoxFuture<'static, bool>;
    fn has_synced(&self) -> bool;
    fn health(&self) -> Option<ReflectorHealth>;
    fn started_health(&self) -> BoxFuture<'static, watch::Receiver<ReflectorHealth>>;
}

impl<K, L> Runner for SharedIndexInformer<K, L>
where
    K: Object,
    L: ListerWatcher<K> + 'static,
{
    fn run(&self) -> BoxFuture<'static, Result<(), InformerError>> {
        let informer = self.clone();
        Box::pin(async move { informer.run().await })
    }

    fn wait_for_cache_sync(&self) -> BoxFuture<'static, bool> {
        let informer = self.clone();
        Box::pin(async move { informer.wait_for_cache_sync().await })
    }

    fn has_synced(&self) -> bool {
        SharedIndexInformer::has_synced(self)
    }

    fn health(&self) -> Option<ReflectorHealth> {
        SharedIndexInformer::health(self).map(|rx| rx.borrow().clone())
    }

    fn started_health(&self) -> BoxFuture<'static, watch::Receiver<ReflectorHealth>> {
        let informer = self.clone();
        Box::pin(async move { informer.started_health().await })
    }
}

struct Entry {
    id: InformerId,
    informer: Arc<dyn Any + Send + Sync>,
    runner: Arc<dyn Runner>,
    counts: Arc<RequestCounts>,
    state: watch::Sender<InformerState>,
}

#[derive(Default)]
struct State {
    entries: HashMap<(TypeId, GroupVersionResource), Entry>,
    tasks: Vec<JoinHandle<()>>,
    shut_down: bool,
}

struct Inner {
    client: RestClient,
    options: FactoryOptions,
    state: Mutex<State>,
    stop: watch::Sender<bool>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        // Dropping the last handle to the factory stops its informers, as dropping any
        // other future-owning value would.
        self.stop.send_replace(true);
    }
}

/// One informer per resource, shared by everyone who asks; cheap to clone (every clone is
/// the same factory).
///
/// ```no_run
/// # async fn demo(client: kclient_rest::RestClient) -> Result<(), kclient_cache::FactoryError> {
/// use kclient_cache::SharedInformerFactory;
/// use kclient_core::LabelSelector;
///
/// let factory = SharedInformerFactory::builder(client).namespace("default").build();
/// let pods = factory.core_v1().pods().lister();
/// factory.start()?;
/// assert!(factory.wait_for_cache_sync().await.all_synced());
/// let web = pods.pods("default").list(&LabelSelector::parse("app=web").unwrap());
/// # let _ = web;
/// factory.shutdown().await;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct SharedInformerFactory {
    inner: Arc<Inner>,
}

impl fmt::Debug for SharedInformerFactory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.inner.state.lock();
        let mut ids: Vec<String> = state.entries.values().map(|e| e.id.to_string()).collect();
        ids.sort();
        f.debug_struct("SharedInformerFactory")
            .field("options", &self.inner.options)
            .field("informers", &ids)
            .field("shut_down", &state.shut_down)
            .finish()
    }
}

impl SharedInformerFactory {
    /// A factory over `client` for all namespaces, without resync or tweaks (client-go's
    /// `NewSharedInformerFactory(client, 0)`).
    pub fn new(client: RestClient) -> Self {
        Self::builder(client).build()
    }

    /// A builder for a factory with options.
    pub fn builder(client: RestClient) -> SharedInformerFactoryBuilder {
        SharedInformerFactoryBuilder {
            client,
            options: FactoryOptions::default(),
        }
    }

    /// A new factory with this one's client and options whose informers also apply `tweak`
    /// to every list and watch, after this factory's own tweak: for informers that watch a
    /// subset (a controller's label-selected primary objects). It shares no informers with
    /// this one; start and shut it down on its own.
    pub fn with_tweak(&self, tweak: impl Fn(&mut ListOptions) + Send + Sync + 'static) -> Self {
        let mut options = self.inner.options.clone();
        let base = options.tweak.take();
        options.tweak = Some(Arc::new(move |o: &mut ListOptions| {
            if let Some(base) = &base {
                base(o);
            }
            tweak(o);
        }));
        SharedInformerFactoryBuilder {
            client: self.inner.client.clone(),
            options,
        }
        .build()
    }

    /// The client informers list and watch through.
    pub fn client(&self) -> &RestClient {
        &self.inner.client
    }

    /// The namespace informers are restricted to (`None`: all).
    pub fn namespace(&self) -> Option<&str> {
        self.inner.options.namespace.as_deref()
    }

    /// The shared informer of `K` (any built-in kind or custom resource type: any
    /// [`Resource`]); `factory.core_v1().pods()` is a shorthand.
    pub fn resource<K: Resource>(&self) -> ResourceInformer<K> {
        ResourceInformer {
            informer: self.informer_for::<K>(K::gvr(), |client| RestListerWatcher::new(client)),
        }
    }

    /// The shared informer of `K` objects cached as [`Compact`] (the server's bytes plus typed
    /// metadata, decoded on read): a fraction of the typed cache's memory for large objects.
    /// It is an informer of its own, with its own watch, beside [`resource::<K>`](Self::resource).
    pub fn compact<K: Resource>(&self) -> ResourceInformer<Compact<K>> {
        ResourceInformer {
            informer: self.informer_for::<Compact<K>>(K::gvr(), RestListerWatcher::compact),
        }
    }

    /// A dynamic view of this factory: informers of [`Unstructured`](kclient_core::Unstructured)
    /// objects for any GVR, started, synced and shut down with this factory.
    pub fn dynamic(&self) -> DynamicSharedInformerFactory {
        DynamicSharedInformerFactory::from_factory(self.clone())
    }

    /// Finds or registers the informer of `K` objects of `resource`.
    pub(crate) fn informer_for<K>(
        &self,
        resource: GroupVersionResource,
        lister_watcher: impl FnOnce(RestClient) -> RestListerWatcher<K>,
    ) -> FactoryInformer<K>
    where
        K: Object + DeserializeOwned,
    {
        let key = (TypeId::of::<K>(), resource);
        let mut state = self.inner.state.lock();
        if let Some(informer) = state
            .entries
            .get(&key)
            .and_then(|e| e.informer.downcast_ref::<FactoryInformer<K>>())
        {
            return informer.clone();
        }
        // The key holds K's TypeId, so an existing entry always downcasts; a miss means none.
        let options = &self.inner.options;
        let mut lw = lister_watcher(self.inner.client.clone());
        if let Some(ns) = &options.namespace {
            lw = lw.namespace(ns.clone());
        }
        let counts = Arc::new(RequestCounts::default());
        let lw = FactoryListerWatcher::new(lw, options.tweak.clone(), counts.clone());
        let mut config = ReflectorConfig::for_type::<K>();
        config.name = key.1.resource.clone();
        config.resync_period = match options.custom_resync.get(&key.1) {
            Some(period) => Some(*period).filter(|p| !p.is_zero()),
            None => options.default_resync,
        };
        if let Some(page_size) = options.page_size {
            config.page_size = page_size;
        }
        let informer = FactoryInformer::new(lw, config);
        // A fresh informer is not started yet, so this cannot fail.
        let _ = informer.set_error_handler(served::error_handler(options.stop_when_not_served));
        let entry = Entry {
            id: InformerId {
                resource: key.1.clone(),
                object_type: std::any::type_name::<K>(),
            },
            informer: Arc::new(informer.clone()),
            runner: Arc::new(informer.clone()),
            counts,
            state: watch::channel(InformerState::NotStarted).0,
        };
        state.entries.insert(key, entry);
        informer
    }

    /// Starts every registered informer that has not been started yet; returns how many
    /// were started. Informers registered later start on the next call.
    pub fn start(&self) -> Result<usize, FactoryError> {
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| FactoryError::NoRuntime)?;
        let mut state = self.inner.state.lock();
        if state.shut_down {
            return Err(FactoryError::ShutDown);
        }
        let mut tasks = Vec::new();
        for entry in state.entries.values() {
            if !matches!(*entry.state.borrow(), InformerState::NotStarted) {
                continue;
            }
            entry.state.send_replace(InformerState::Running);
            let runner = entry.runner.clone();
            let status = entry.state.clone();
            let mut stop = self.inner.stop.subscribe();
            let id = entry.id.clone();
            let mut served = ServedTracker::new(
                id.clone(),
                status.clone(),
                self.inner.options.on_served_change.clone(),
            );
            tasks.push(runtime.spawn(async move {
                let outcome = tokio::select! {
                    result = runner.run() => result,
                    _ = stop.wait_for(|s| *s) => Ok(()),
                    never = served.follow(runner.started_health()) => match never {},
                };
                // The last change (the 404 that stopped it) may not have been followed yet.
                if let Some(health) = runner.health() {
                    served.update(&health);
                }
                let next = match outcome {
                    Ok(()) => InformerState::ShutDown,
                    Err(err) => {
                        tracing::error!(informer = %id, error = %err, "informer stopped");
                        InformerState::Stopped(Arc::new(err))
                    }
                };
                status.send_replace(next);
            }));
        }
        let started = tasks.len();
        state.tasks.retain(|t| !t.is_finished());
        state.tasks.extend(tasks);
        Ok(started)
    }

    /// Waits until every started informer has synced or stopped, and reports which synced
    /// (client-go's `WaitForCacheSync`). Informers not started yet are not waited for. As in
    /// client-go, an informer whose resource is not served yet keeps the wait going until it
    /// is (its status says [`InformerState::NotServed`] meanwhile); bound the wait with a
    /// timeout where that matters.
    pub async fn wait_for_cache_sync(&self) -> CacheSyncResults {
        let waits: Vec<(InformerId, BoxFuture<'static, bool>)> = {
            let state = self.inner.state.lock();
            state
                .entries
                .values()
                .filter(|e| !matches!(*e.state.borrow(), InformerState::NotStarted))
                .map(|e| (e.id.clone(), Self::wait_entry(e)))
                .collect()
        };
        let (ids, futures): (Vec<_>, Vec<_>) = waits.into_iter().unzip();
        let synced = futures::future::join_all(futures).await;
        let mut results: Vec<(InformerId, bool)> = ids.into_iter().zip(synced).collect();
        results.sort();
        CacheSyncResults { results }
    }

    /// Waits until the informer syncs or its task ends. An informer whose run future was
    /// dropped (shutdown) never records a sync outcome itself, so the task's end is watched
    /// too.
    fn wait_entry(entry: &Entry) -> BoxFuture<'static, bool> {
        let runner = entry.runner.clone();
        let mut state = entry.state.subscribe();
        Box::pin(async move {
            let synced = runner.wait_for_cache_sync();
            let ended = state
                .wait_for(|s| matches!(s, InformerState::Stopped(_) | InformerState::ShutDown));
            tokio::select! {
                synced = synced => synced,
                _ = ended => runner.has_synced(),
            }
        })
    }

    /// A snapshot of every registered informer, sorted by id.
    pub fn statuses(&self) -> Vec<InformerStatus> {
        let state = self.inner.state.lock();
        let mut statuses: Vec<InformerStatus> = state
            .entries
            .values()
            .map(|e| InformerStatus {
                id: e.id.clone(),
                state: e.state.borrow().clone(),
                synced: e.runner.has_synced(),
                lists: e.counts.lists(),
                watches: e.counts.watches(),
                health: e.runner.health(),
            })
            .collect();
        statuses.sort_by(|a, b| a.id.cmp(&b.id));
        statuses
    }

    /// The status of the informer of `resource` (the first, if typed and dynamic both exist).
    pub fn status(&self, resource: &GroupVersionResource) -> Option<InformerStatus> {
        self.statuses()
            .into_iter()
            .find(|s| &s.id.resource == resource)
    }

    /// A receiver of the life-cycle state of the informer of `K` objects of `resource`.
    pub(crate) fn state_of<K: 'static>(
        &self,
        resource: &GroupVersionResource,
    ) -> Option<watch::Receiver<InformerState>> {
        let state = self.inner.state.lock();
        state
            .entries
            .get(&(TypeId::of::<K>(), resource.clone()))
            .map(|e| e.state.subscribe())
    }

    /// Drops the informers that stopped on an error, returning their ids; asking for one of
    /// those resources again builds (and the next `start` runs) a fresh informer.
    pub fn forget_stopped(&self) -> Vec<InformerId> {
        let mut state = self.inner.state.lock();
        let mut forgotten = Vec::new();
        state.entries.retain(|_, e| {
            let stopped = matches!(*e.state.borrow(), InformerState::Stopped(_));
            if stopped {
                forgotten.push(e.id.clone());
            }
            !stopped
        });
        forgotten.sort();
        forgotten
    }

    /// Stops every informer and waits for them to finish (client-go's `Shutdown`). The
    /// factory starts nothing afterwards.
    pub async fn shutdown(&self) {
        let tasks = {
            let mut state = self.inner.state.lock();
            state.shut_down = true;
            std::mem::take(&mut state.tasks)
        };
        self.inner.stop.send_replace(true);
        for task in tasks {
            // A task only fails to join if it panicked; its informer is gone either way.
            let _ = task.await;
        }
    }
}

/// The shared informer of one resource, from a factory: ask for the informer itself or a
/// lister over its cache. Both register it with the factory.
pub struct ResourceInformer<K> {
    informer: FactoryInformer<K>,
}

impl<K> Clone for ResourceInformer<K> {
    fn clone(&self) -> Self {
        Self {
            informer: self.informer.clone(),
        }
    }
}

impl<K> fmt::Debug for ResourceInformer<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResourceInformer")
            .field("informer", &self.informer)
            .finish()
    }
}

impl<K: Object> ResourceInformer<K> {
    /// The shared informer: add handlers, indexers, or wait for it to sync.
    pub fn informer(&self) -> FactoryInformer<K> {
        self.informer.clone()
    }

    /// A lister over the shared informer's cache.
    pub fn lister(&self) -> Lister<K> {
        Lister::new(self.informer.indexer().clone())
    }
}

#[cfg(test)]
mod tests;
