//! [`Controller`]: the reconcile loop around kclient's own pieces — shared informers from a
//! [`SharedInformerFactory`], a [`RateLimitingQueue`] of
//! [`ObjectKey`]s, workers, leader election and graceful shutdown — controller-runtime's
//! builder (`For`/`Owns`/`Watches`) with kube-runtime's `run(reconcile, error_policy, ctx)`.
//!
//! ```no_run
//! use std::sync::Arc;
//! use std::time::Duration;
//! use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
//! use kclient_cache::SharedInformerFactory;
//! use kclient_runtime::controller::{Action, Controller, Observed, OnError};
//!
//! # async fn demo(client: kclient_rest::RestClient) -> Result<(), Box<dyn std::error::Error>> {
//! async fn reconcile(obj: Observed<Deployment>, _ctx: Arc<()>) -> Result<Action, String> {
//!     let Observed::Live(deployment) = obj else { return Ok(Action::await_change()) };
//!     println!("{:?} has {:?} replicas", deployment.metadata.name, deployment.spec.as_ref().and_then(|s| s.replicas));
//!     Ok(Action::requeue(Duration::from_secs(300)))
//! }
//!
//! let factory = SharedInformerFactory::new(client);
//! Controller::<Deployment>::new(&factory)
//!     .owns::<ReplicaSet>()
//!     .concurrency(4)
//!     .graceful_shutdown_on(async { tokio::signal::ctrl_c().await.ok(); })
//!     .run(reconcile, |_err, _ctx, _| OnError::Backoff, Arc::new(()))
//!     .await?;
//! # Ok(()) }
//! ```
//!
//! What it guarantees, from the queue: a key is never reconciled by two workers at once; a key
//! changed while it is being reconciled is reconciled once more afterwards; many changes to a
//! waiting key make one reconcile. Deleted objects reach `reconcile` once as
//! [`Observed::Gone`] with their last known state. Errors go to `error_policy`, whose
//! [`OnError::Backoff`] retries the key through the per-key rate limiter (client-go's
//! default controller limiter unless [`rate_limiter`](Controller::rate_limiter) says
//! otherwise).
//!
//! Where kclient differs on purpose: informers come from a factory the program may share, so
//! several controllers and listers use one watch per resource (kube-rs builds its own watches);
//! informers start when `run` starts, also on a replica that is not the leader, so a new
//! leader starts with a warm cache (controller-runtime's manager does the same); the default
//! concurrency is 1, controller-runtime's `MaxConcurrentReconciles`.

mod metrics;
mod sources;
mod types;
mod worker;

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::AtomicUsize;
use std::time::Duration;

use futures::Stream;
use futures::future::BoxFuture;
use kclient_cache::{
    Compact, FactoryError, InformerError, ResourceInformer, SharedInformerFactory,
};
use kclient_core::{
    ApiError, FieldSelector, LabelSelector, Object, Resource, RestMapping, Unstructured,
};
use kclient_workqueue::metrics::MetricsProvider;
use kclient_workqueue::{QueueConfig, RateLimiter, RateLimitingQueue};
use parking_lot::Mutex;
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;

use crate::leaderelection::{
    LeaderCallbacks, LeaderElectionConfig, LeaderElectionConfigError, LeaderElector, ResourceLock,
    Stopped,
};

pub use metrics::{ControllerMetrics, ControllerStats, ReconcileResult};
pub use types::{Action, ErrorContext, ObjectKey, Observed, OnError};
pub use worker::{ReconcileFailure, ReconcileReport};

use sources::{KeyQueue, Mapper, PrimaryKind, Registered, Source, Tombstones};
use worker::Workers;

/// How long in-flight reconciles may run on after a stop before they are cancelled.
/// controller-runtime's default `GracefulShutdownTimeout`.
pub const DEFAULT_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(30);

/// Why a controller stopped, or could not run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ControllerError {
    /// An event handler could not be registered on an informer.
    #[error("registering the controller's event handler: {0}")]
    Informer(#[from] InformerError),
    /// The informer factory could not start (shut down, or no tokio runtime).
    #[error("starting the controller's informers: {0}")]
    Factory(#[from] FactoryError),
    /// An informer stopped before its cache synced.
    #[error("the informer {0} stopped before its cache synced")]
    CacheSync(String),
    /// The leader election configuration is invalid.
    #[error("leader election: {0}")]
    LeaderElection(#[from] LeaderElectionConfigError),
    /// The [`prepare`](Controller::prepare) step failed; the controller stopped (releasing
    /// its Lease if it held one and was configured to).
    #[error("{0}")]
    Prepare(Box<dyn std::error::Error + Send + Sync>),
    /// The controller's task panicked.
    #[error("the controller's task panicked")]
    Panicked,
}

impl ApiError for ControllerError {
    fn status(
        &self,
    ) -> Option<&kclient_core::k8s_openapi::apimachinery::pkg::apis::meta::v1::Status> {
        match self {
            Self::Informer(e) => e.status(),
            _ => None,
        }
    }
}

/// What the elector reports, for [`Controller::on_leader_event`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LeaderEvent<'a> {
    /// This replica became the leader; the controller starts its workers.
    StartedLeading,
    /// This replica's leadership ended (after its workers stopped or were told to).
    StoppedLeading,
    /// The observed holder of the Lease changed (this replica's identity included).
    NewLeader(&'a str),
}

type Elect = Box<
    dyn FnOnce(
            LeaderCallbacks,
            CancellationToken,
        ) -> Result<BoxFuture<'static, Stopped>, LeaderElectionConfigError>
        + Send,
>;
type LeaderHook = Arc<Mutex<Box<dyn FnMut(LeaderEvent<'_>) + Send>>>;
type Prepare = Box<
    dyn FnOnce() -> BoxFuture<'static, Result<(), Box<dyn std::error::Error + Send + Sync>>> + Send,
>;
type MakeInformer<K> = Box<dyn FnOnce(&SharedInformerFactory) -> ResourceInformer<K> + Send>;

/// A controller of primary objects `K` (any [`Object`]: a typed [`Resource`], a
/// [`Compact`] one, or [`Unstructured`] for a GVR known at run time). Build it, add the
/// sources of its keys, then [`run`](Self::run) it.
pub struct Controller<K: Object> {
    factory: SharedInformerFactory,
    primary: Option<MakeInformer<K>>,
    kind: PrimaryKind,
    labels: Option<String>,
    fields: Option<String>,
    sources: Vec<Source>,
    concurrency: usize,
    shutdown_timeout: Duration,
    limiter: Option<Box<dyn RateLimiter<ObjectKey>>>,
    queue_config: QueueConfig,
    metrics: Option<Arc<dyn ControllerMetrics>>,
    leader: Option<Elect>,
    leader_hook: Option<LeaderHook>,
    prepare: Option<Prepare>,
    shutdown: Option<BoxFuture<'static, ()>>,
}

impl<K: Object> fmt::Debug for Controller<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Controller")
            .field("kind", &self.kind.kind)
            .field("group", &self.kind.group)
            .field("labels", &self.labels)
            .field("fields", &self.fields)
            .field("sources", &self.sources.len())
            .field("concurrency", &self.concurrency)
            .field("shutdown_timeout", &self.shutdown_timeout)
            .field("leader_election", &self.leader.is_some())
            .finish_non_exhaustive()
    }
}

impl<K: Resource> Controller<K> {
    /// A controller of `K` objects, watched through `factory`'s shared informer of `K`.
    pub fn new(factory: &SharedInformerFactory) -> Self {
        Self::with_informer(factory, kind_of::<K>(), |f| f.resource::<K>())
    }
}

impl<K: Resource> Controller<Compact<K>> {
    /// A controller of `K` objects cached as [`Compact`] (the server's bytes plus typed metadata,
    /// decoded by `reconcile` when it needs the rest): a large cache at a fraction of the
    /// typed memory.
    pub fn compact(factory: &SharedInformerFactory) -> Self {
        Self::with_informer(factory, kind_of::<K>(), |f| f.compact::<K>())
    }
}

impl Controller<Unstructured> {
    /// A controller of the resource `mapping` names (from a RESTMapper, or written out for a
    /// custom resource), its objects as [`Unstructured`].
    pub fn dynamic(factory: &SharedInformerFactory, mapping: &RestMapping) -> Self {
        let namespaced = mapping.scope.is_namespaced();
        let kind = PrimaryKind {
            group: mapping.group_version_kind.group.clone(),
            kind: mapping.group_version_kind.kind.clone(),
            namespaced,
        };
        let gvr = mapping.resource.clone();
        Self::with_informer(factory, kind, move |f| {
            if namespaced {
                f.dynamic().for_resource(&gvr)
            } else {
                f.dynamic().for_cluster_resource(&gvr)
            }
        })
    }
}

fn kind_of<K: Resource>() -> PrimaryKind {
    PrimaryKind {
        group: K::GROUP.to_owned(),
        kind: K::KIND.to_owned(),
        namespaced: K::namespaced(),
    }
}

impl<K: Object> Controller<K> {
    fn with_informer(
        factory: &SharedInformerFactory,
        kind: PrimaryKind,
        primary: impl FnOnce(&SharedInformerFactory) -> ResourceInformer<K> + Send + 'static,
    ) -> Self {
        Self {
            factory: factory.clone(),
            primary: Some(Box::new(primary)),
            kind,
            labels: None,
            fields: None,
            sources: Vec::new(),
            concurrency: 1,
            shutdown_timeout: DEFAULT_SHUTDOWN_TIMEOUT,
            limiter: None,
            queue_config: QueueConfig::new(),
            metrics: None,
            leader: None,
            leader_hook: None,
            prepare: None,
            shutdown: None,
        }
    }

    /// Watches only the primary objects matching `selector` (sent to the server with every
    /// list and watch). The primary informer is then one of the controller's own, not the
    /// factory's shared one. Default: every object.
    #[must_use]
    pub fn label_selector(mut self, selector: &LabelSelector) -> Self {
        self.labels = Some(selector.to_string()).filter(|s| !s.is_empty());
        self
    }

    /// Watches only the primary objects matching `selector` (`metadata.name=x`, or the
    /// kind's own fields); see [`label_selector`](Self::label_selector).
    #[must_use]
    pub fn field_selector(mut self, selector: &FieldSelector) -> Self {
        self.fields = Some(selector.to_string()).filter(|s| !s.is_empty());
        self
    }

    /// Reconciles the primary that controls each changed `C`: the owner named by the child's
    /// ownerReference with `controller: true` and the primary's group and kind (as
    /// controller-runtime's `Owns`). Uses the factory's shared informer of `C`.
    #[must_use]
    pub fn owns<C: Resource>(self) -> Self {
        let informer = self.factory.resource::<C>();
        self.owns_with(informer)
    }

    /// [`owns`](Self::owns) through any informer of children: [`Compact`], dynamic, or one
    /// from another factory (another namespace). The controller starts its own factory;
    /// start another factory yourself (before or after `run`), or `run` waits for its sync.
    #[must_use]
    pub fn owns_with<C: Object>(mut self, informer: ResourceInformer<C>) -> Self {
        let kind = self.kind.clone();
        let map: Mapper<C> = Arc::new(move |child: &C| kind.owners_of(child));
        self.sources.push(sources::mapped(informer, map));
        self
    }

    /// Reconciles the primaries `map` returns for each changed `C` (for an update, for both
    /// its old and new state), as controller-runtime's `Watches` with
    /// `EnqueueRequestsFromMapFunc`. Uses the factory's shared informer of `C`.
    #[must_use]
    pub fn watches<C: Resource>(
        self,
        map: impl Fn(&C) -> Vec<ObjectKey> + Send + Sync + 'static,
    ) -> Self {
        let informer = self.factory.resource::<C>();
        self.watches_with(informer, map)
    }

    /// [`watches`](Self::watches) through any informer (from another factory: start that
    /// factory yourself, as for [`owns_with`](Self::owns_with)).
    #[must_use]
    pub fn watches_with<C: Object>(
        mut self,
        informer: ResourceInformer<C>,
        map: impl Fn(&C) -> Vec<ObjectKey> + Send + Sync + 'static,
    ) -> Self {
        self.sources.push(sources::mapped(informer, Arc::new(map)));
        self
    }

    /// How many keys are reconciled at once (never the same key twice). Default: 1.
    #[must_use]
    pub fn concurrency(mut self, workers: usize) -> Self {
        self.concurrency = workers.max(1);
        self
    }

    /// The limiter of [`OnError::Backoff`] retries. Default: client-go's
    /// `DefaultControllerRateLimiter` (per key 5 ms doubling to 1000 s, overall 10/s with a
    /// burst of 100).
    #[must_use]
    pub fn rate_limiter(mut self, limiter: impl RateLimiter<ObjectKey> + 'static) -> Self {
        self.limiter = Some(Box::new(limiter));
        self
    }

    /// Reports the work queue's metrics (depth, adds, latency, work duration, retries,
    /// unfinished work) to `provider` under `name`. Default: none.
    #[must_use]
    pub fn queue_metrics(mut self, name: &str, provider: Arc<dyn MetricsProvider>) -> Self {
        self.queue_config = QueueConfig::new().name(name).metrics_provider(provider);
        self
    }

    /// Reports reconciles (by result), their durations and the busy workers to `metrics`.
    /// Default: none.
    #[must_use]
    pub fn metrics(mut self, metrics: Arc<dyn ControllerMetrics>) -> Self {
        self.metrics = Some(metrics);
        self
    }

    /// Stops the controller when `trigger` resolves: no new key is taken, the reconciles in
    /// flight finish (within the [`shutdown_timeout`](Self::shutdown_timeout)), the Lease is
    /// released if so configured, and `run` returns [`Stopped::Cancelled`]. Default: run
    /// until the `run` future is dropped (or leadership is lost).
    #[must_use]
    pub fn graceful_shutdown_on(
        mut self,
        trigger: impl Future<Output = ()> + Send + 'static,
    ) -> Self {
        self.shutdown = Some(Box::pin(trigger));
        self
    }

    /// How long in-flight reconciles may run on after a stop, before they are cancelled.
    /// Default: [`DEFAULT_SHUTDOWN_TIMEOUT`] (30 s).
    #[must_use]
    pub fn shutdown_timeout(mut self, timeout: Duration) -> Self {
        self.shutdown_timeout = timeout;
        self
    }

    /// Reconciles only while this replica holds the Lease of `config`: informers run (and
    /// their caches stay warm) on every replica; the workers start when this one is elected
    /// and stop when its leadership ends, after which `run` returns
    /// [`Stopped::LostLeadership`]. On a graceful shutdown the workers stop first and the
    /// Lease is released afterwards (if `config` says `release_on_cancel`), so the next
    /// leader never overlaps with this one. Default: no election, always reconcile.
    #[must_use]
    pub fn leader_election<L: ResourceLock>(mut self, config: LeaderElectionConfig<L>) -> Self {
        self.leader = Some(Box::new(move |callbacks, cancel| {
            let elector = LeaderElector::new(config, callbacks)?;
            Ok(Box::pin(elector.run(cancel)) as BoxFuture<'static, Stopped>)
        }));
        self
    }

    /// Tells `hook` what the elector sees (see [`LeaderEvent`]). `StartedLeading` and
    /// `StoppedLeading` come from the elector's task, `NewLeader` from the blocking pool:
    /// keep it short.
    #[must_use]
    pub fn on_leader_event(mut self, hook: impl FnMut(LeaderEvent<'_>) + Send + 'static) -> Self {
        self.leader_hook = Some(Arc::new(Mutex::new(Box::new(hook))));
        self
    }

    /// Runs `step` once the caches have synced (and, under leader election, once this
    /// replica leads), before the first reconcile: create what every reconcile needs (a
    /// namespace, a CRD), print a status line. If it fails the controller stops with
    /// [`ControllerError::Prepare`], releasing the Lease first, so another replica can
    /// take over instead of this one holding it without working.
    #[must_use]
    pub fn prepare<Fut>(mut self, step: impl FnOnce() -> Fut + Send + 'static) -> Self
    where
        Fut: Future<Output = Result<(), Box<dyn std::error::Error + Send + Sync>>> + Send + 'static,
    {
        self.prepare = Some(Box::new(move || Box::pin(step())));
        self
    }

    /// Runs the controller until it is shut down (see
    /// [`graceful_shutdown_on`](Self::graceful_shutdown_on)) or loses leadership.
    ///
    /// `reconcile` brings the world in line with one primary object; `error_policy` decides
    /// what happens to a key whose reconcile failed (given the error, the key, the object and
    /// its retry count); `ctx` is handed to both.
    pub async fn run<F, Fut, E, P, C>(
        self,
        reconcile: F,
        error_policy: P,
        ctx: Arc<C>,
    ) -> Result<Stopped, ControllerError>
    where
        F: Fn(Observed<K>, Arc<C>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Action, E>> + Send + 'static,
        P: Fn(&E, &ErrorContext<K>, &C) -> OnError + Send + Sync + 'static,
        C: Send + Sync + 'static,
        E: fmt::Display + Send + 'static,
    {
        self.drive(reconcile, error_policy, ctx, None).await
    }

    /// Like [`run`](Self::run), on a task of its own, reporting every reconcile on the
    /// returned stream (which ends when the controller stops; then
    /// [`ReconcileStream::stopped`] says why). Reports are buffered until read: read them.
    /// Dropping the stream stops the controller at once.
    pub fn run_stream<F, Fut, E, P, C>(
        self,
        reconcile: F,
        error_policy: P,
        ctx: Arc<C>,
    ) -> ReconcileStream<E>
    where
        F: Fn(Observed<K>, Arc<C>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Action, E>> + Send + 'static,
        P: Fn(&E, &ErrorContext<K>, &C) -> OnError + Send + Sync + 'static,
        C: Send + Sync + 'static,
        E: fmt::Display + Send + 'static,
    {
        let (tx, rx) = mpsc::unbounded_channel();
        let task = tokio::spawn(self.drive(reconcile, error_policy, ctx, Some(tx)));
        ReconcileStream {
            reports: rx,
            task: Some(task),
        }
    }

    async fn drive<F, Fut, E, P, C>(
        mut self,
        reconcile: F,
        error_policy: P,
        ctx: Arc<C>,
        reports: Option<mpsc::UnboundedSender<ReconcileReport<E>>>,
    ) -> Result<Stopped, ControllerError>
    where
        F: Fn(Observed<K>, Arc<C>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Action, E>> + Send + 'static,
        P: Fn(&E, &ErrorContext<K>, &C) -> OnError + Send + Sync + 'static,
        C: Send + Sync + 'static,
        E: fmt::Display + Send + 'static,
    {
        let own_factory = self.selector_factory();
        let primary_factory = own_factory.as_ref().unwrap_or(&self.factory);
        let make_primary = self
            .primary
            .take()
            .expect("a controller runs once: run takes self");
        let primary = make_primary(primary_factory);
        let cache = primary.informer().indexer().clone();
        let limiter: Box<dyn RateLimiter<ObjectKey>> = self.limiter.take().unwrap_or_else(|| {
            Box::new(kclient_workqueue::limiters::default_controller_rate_limiter())
        });
        let queue: KeyQueue =
            RateLimitingQueue::with_config(limiter, std::mem::take(&mut self.queue_config));
        let tombstones: Tombstones<K> = Arc::new(Mutex::new(HashMap::new()));

        let shutdown = CancellationToken::new();
        // Undoes the run's side effects on shared informers however the run ends, dropped
        // future included.
        let mut guard = RunGuard {
            queue: queue.clone(),
            removals: Vec::new(),
            trigger: self.shutdown.take().map(|trigger| {
                let shutdown = shutdown.clone();
                tokio::spawn(async move {
                    trigger.await;
                    shutdown.cancel();
                })
            }),
        };

        let mut all_sources = vec![sources::primary(primary, tombstones.clone())];
        all_sources.append(&mut self.sources);
        let mut registered = Vec::with_capacity(all_sources.len());
        for source in all_sources {
            let mut r = source(&queue)?;
            guard
                .removals
                .push(std::mem::replace(&mut r.remove, Box::new(|| {})));
            registered.push(r);
        }
        let workers = Arc::new(Workers {
            queue,
            cache,
            tombstones,
            reconcile,
            error_policy,
            ctx,
            reports,
            metrics: self.metrics.clone(),
            active: AtomicUsize::new(0),
        });
        let synced = wait_synced(&mut registered);
        let outcome = self
            .serve(own_factory.as_ref(), synced, workers, shutdown)
            .await;
        drop(guard);
        if let Some(factory) = own_factory {
            factory.shutdown().await;
        }
        outcome
    }

    /// The controller's own factory for a selected primary informer, if selectors were set.
    fn selector_factory(&self) -> Option<SharedInformerFactory> {
        if self.labels.is_none() && self.fields.is_none() {
            return None;
        }
        let (labels, fields) = (self.labels.clone(), self.fields.clone());
        Some(self.factory.with_tweak(move |o| {
            and_selector(&mut o.label_selector, labels.as_deref());
            and_selector(&mut o.field_selector, fields.as_deref());
        }))
    }

    /// Starts the informers, then (under leader election, once leading) the workers, until
    /// shutdown or lost leadership.
    async fn serve<F, Fut, E, P, C>(
        &mut self,
        own_factory: Option<&SharedInformerFactory>,
        synced: BoxFuture<'static, Result<(), ControllerError>>,
        workers: Arc<Workers<K, F, P, C, E>>,
        shutdown: CancellationToken,
    ) -> Result<Stopped, ControllerError>
    where
        F: Fn(Observed<K>, Arc<C>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Action, E>> + Send + 'static,
        P: Fn(&E, &ErrorContext<K>, &C) -> OnError + Send + Sync + 'static,
        C: Send + Sync + 'static,
        E: fmt::Display + Send + 'static,
    {
        self.factory.start()?;
        if let Some(factory) = own_factory {
            factory.start()?;
        }
        let Some(elect) = self.leader.take() else {
            return self
                .lead(synced, workers, shutdown.clone(), &shutdown)
                .await;
        };

        let (leading_tx, leading_rx) = oneshot::channel::<CancellationToken>();
        let callbacks = self.leader_callbacks(leading_tx);
        let cancel_election = CancellationToken::new();
        let mut election = tokio::spawn(elect(callbacks, cancel_election.clone())?);
        let leading = tokio::select! {
            Ok(leading) = leading_rx => leading,
            stopped = &mut election => return stopped.map_err(|_| ControllerError::Panicked),
            () = shutdown.cancelled() => {
                cancel_election.cancel();
                return election.await.map_err(|_| ControllerError::Panicked);
            }
        };
        let stop = CancellationToken::new();
        let relay = {
            let (stop, shutdown, leading) = (stop.clone(), shutdown.clone(), leading.clone());
            tokio::spawn(async move {
                tokio::select! {
                    () = shutdown.cancelled() => {}
                    () = leading.cancelled() => {}
                }
                stop.cancel();
            })
        };
        let led = self.lead(synced, workers, stop, &shutdown).await;
        relay.abort();
        // The workers have stopped: only now may the Lease be released.
        cancel_election.cancel();
        let stopped = election.await.map_err(|_| ControllerError::Panicked)?;
        led.map(|_| stopped)
    }

    /// One term of work: wait for the caches, prepare, run the workers until `stop`.
    async fn lead<F, Fut, E, P, C>(
        &mut self,
        synced: BoxFuture<'static, Result<(), ControllerError>>,
        workers: Arc<Workers<K, F, P, C, E>>,
        stop: CancellationToken,
        shutdown: &CancellationToken,
    ) -> Result<Stopped, ControllerError>
    where
        F: Fn(Observed<K>, Arc<C>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Action, E>> + Send + 'static,
        P: Fn(&E, &ErrorContext<K>, &C) -> OnError + Send + Sync + 'static,
        C: Send + Sync + 'static,
        E: fmt::Display + Send + 'static,
    {
        tokio::select! {
            synced = synced => synced?,
            () = stop.cancelled() => return Ok(Stopped::Cancelled),
        }
        if let Some(prepare) = self.prepare.take() {
            tokio::select! {
                prepared = prepare() => prepared.map_err(ControllerError::Prepare)?,
                () = stop.cancelled() => return Ok(Stopped::Cancelled),
            }
        }
        workers
            .run(self.concurrency, stop, self.shutdown_timeout)
            .await;
        Ok(if shutdown.is_cancelled() {
            Stopped::Cancelled
        } else {
            Stopped::LostLeadership
        })
    }

    fn leader_callbacks(&self, leading: oneshot::Sender<CancellationToken>) -> LeaderCallbacks {
        let hook = self.leader_hook.clone();
        let tell = move |event: LeaderEvent<'_>| {
            if let Some(hook) = &hook {
                (hook.lock())(event);
            }
        };
        let (started, stopped, new_leader) = (tell.clone(), tell.clone(), tell);
        LeaderCallbacks::new(
            move |token| {
                started(LeaderEvent::StartedLeading);
                let _ = leading.send(token);
            },
            move || stopped(LeaderEvent::StoppedLeading),
        )
        .on_new_leader(move |id| new_leader(LeaderEvent::NewLeader(id)))
    }
}

/// Removes a run's event handlers from the shared informers, shuts its queue down and stops
/// its shutdown trigger.
struct RunGuard {
    queue: KeyQueue,
    removals: Vec<Box<dyn FnOnce() + Send>>,
    trigger: Option<tokio::task::JoinHandle<()>>,
}

impl Drop for RunGuard {
    fn drop(&mut self) {
        for remove in self.removals.drain(..) {
            remove();
        }
        self.queue.shut_down();
        if let Some(trigger) = &self.trigger {
            trigger.abort();
        }
    }
}

/// Resolves once every registered informer has synced, or with the first that stopped.
fn wait_synced(registered: &mut [Registered]) -> BoxFuture<'static, Result<(), ControllerError>> {
    let waits: Vec<_> = registered
        .iter_mut()
        .map(|r| {
            let name = r.name.clone();
            let synced = std::mem::replace(&mut r.synced, Box::pin(async { true }));
            async move {
                if synced.await {
                    Ok(())
                } else {
                    Err(ControllerError::CacheSync(name))
                }
            }
        })
        .collect();
    Box::pin(async move {
        futures::future::try_join_all(waits).await?;
        Ok(())
    })
}

/// ANDs `extra` into a selector already set by the factory's tweak.
fn and_selector(selector: &mut Option<String>, extra: Option<&str>) {
    let Some(extra) = extra else { return };
    *selector = Some(match selector.take().filter(|s| !s.is_empty()) {
        Some(base) => format!("{base},{extra}"),
        None => extra.to_owned(),
    });
}

/// The reconciles of a controller started with [`Controller::run_stream`], as they finish.
pub struct ReconcileStream<E> {
    reports: mpsc::UnboundedReceiver<ReconcileReport<E>>,
    task: Option<tokio::task::JoinHandle<Result<Stopped, ControllerError>>>,
}

impl<E> fmt::Debug for ReconcileStream<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReconcileStream").finish_non_exhaustive()
    }
}

impl<E> ReconcileStream<E> {
    /// Waits for the controller to stop and says why (reports not read yet are dropped).
    pub async fn stopped(mut self) -> Result<Stopped, ControllerError> {
        self.reports.close();
        match self.task.take() {
            Some(task) => task.await.map_err(|_| ControllerError::Panicked)?,
            None => Ok(Stopped::Cancelled),
        }
    }
}

impl<E> Stream for ReconcileStream<E> {
    type Item = ReconcileReport<E>;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        self.reports.poll_recv(cx)
    }
}

impl<E> Drop for ReconcileStream<E> {
    fn drop(&mut self) {
        if let Some(task) = &self.task {
            task.abort();
        }
    }
}

#[cfg(test)]
mod tests;
