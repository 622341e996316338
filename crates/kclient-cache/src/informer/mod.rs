//! [`SharedIndexInformer`]: a reflector, a [`DeltaFifo`] and an [`Indexer`] wired together,
//! dispatching changes to any number of [`EventHandler`]s (client-go's
//! `cache.SharedIndexInformer`).
//!
//! Handlers can be added at any time; one added after objects are cached first receives
//! the current contents as adds. Dispatch never blocks: every handler has its own unbounded
//! buffer and thread. The cache is updated before handlers are told, so a handler that looks
//! an object up in the [`Indexer`] sees at least the state it was notified about.
//!
//! # Threading
//!
//! The informer itself (reflector, FIFO, dispatch) runs as one task on the tokio runtime
//! `run` is awaited on; decoding runs on that runtime's blocking pool. Each handler runs on a
//! thread of its own that has that runtime entered, so handlers may call `tokio::spawn`,
//! `Handle::current()` or send on async channels; they may block too, delaying only
//! themselves.

mod handler;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Status;
use kclient_core::{ApiError, Object, Transience};
use parking_lot::Mutex;
use tokio::sync::{mpsc, watch};

pub use handler::{EventHandler, HandlerFuncs};
use handler::{Listener, Notification, Progress, run_handler};

use crate::delta::{StoreChange, apply_deltas};
use crate::fifo::{DeltaFifo, PopError, ProcessError};
use crate::lister_watcher::ListerWatcher;
use crate::reflector::{
    ErrorHandler, Reflector, ReflectorConfig, ReflectorError, ReflectorHealth, ShouldResync,
    Transform,
};
use crate::store::{IndexFunc, Indexer};

/// Errors of informer operations.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InformerError {
    /// [`SharedIndexInformer::run`] was called twice.
    #[error("the informer has already been started")]
    AlreadyStarted,
    /// The handler's thread could not be started.
    #[error("failed to start the event handler thread: {0}")]
    HandlerThread(String),
    /// An index name is taken.
    #[error(transparent)]
    Index(#[from] crate::error::IndexError),
    /// The reflector stopped because its error handler said so.
    #[error(transparent)]
    Reflector(Arc<ReflectorError>),
}

/// A reflector that stopped carries the server's answer that stopped it.
impl ApiError for InformerError {
    fn status(&self) -> Option<&Status> {
        match self {
            Self::Reflector(err) => err.status(),
            _ => None,
        }
    }

    fn is_transport(&self) -> bool {
        matches!(self, Self::Reflector(err) if err.is_transport())
    }

    fn is_timeout(&self) -> bool {
        matches!(self, Self::Reflector(err) if err.is_timeout())
    }

    fn transience(&self) -> Transience {
        match self {
            Self::Reflector(err) => err.transience(),
            _ => Transience::Permanent,
        }
    }
}

/// A handler's registration: ask it whether the handler has caught up, or pass it to
/// [`SharedIndexInformer::remove_event_handler`].
#[derive(Clone)]
pub struct HandlerRegistration {
    id: u64,
    progress: Arc<Progress>,
}

impl std::fmt::Debug for HandlerRegistration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HandlerRegistration")
            .field("id", &self.id)
            .field("has_synced", &self.has_synced())
            .finish()
    }
}

impl HandlerRegistration {
    /// True once the informer has synced and this handler has processed every notification
    /// of the initial state (client-go's `ResourceEventHandlerRegistration.HasSynced`).
    pub fn has_synced(&self) -> bool {
        self.progress.has_synced()
    }
}

struct Setup<K, L> {
    lister_watcher: L,
    config: ReflectorConfig,
    transform: Option<Transform<K>>,
    error_handler: Option<ErrorHandler>,
}

struct Inner<K, L> {
    indexer: Indexer<K>,
    fifo: DeltaFifo<K>,
    // Held while deltas are applied and dispatched, and while a handler is added, so a new
    // handler sees each change exactly once: in its catch-up adds or as a notification.
    listeners: Mutex<Vec<Listener<K>>>,
    next_id: AtomicU64,
    setup: Mutex<Option<Setup<K, L>>>,
    /// `None` until the initial state is stored; `Some(false)` when the informer stopped
    /// before syncing, or stopped on an error after it: a cache that no longer follows the
    /// server does not claim to be synced.
    synced: watch::Sender<Option<bool>>,
    /// The reflector's health channel, set when `run` starts.
    health: watch::Sender<Option<watch::Receiver<ReflectorHealth>>>,
    /// The resync period handlers get unless they ask for their own.
    default_resync: Option<Duration>,
    /// How often the reflector asks whether a handler is due (client-go's
    /// `resyncCheckPeriod`): the shortest handler period registered before the start.
    resync_check: Mutex<Option<Duration>>,
    started: AtomicBool,
    /// The runtime `run` was called on, for handlers added from outside any runtime.
    runtime: Arc<OnceLock<tokio::runtime::Handle>>,
}

/// The shortest resync period a handler can have (client-go's `minimumResyncPeriod`).
pub const MINIMUM_RESYNC_PERIOD: Duration = Duration::from_secs(1);

/// client-go's `SharedIndexInformer`. Cloning gives another handle to the same informer.
pub struct SharedIndexInformer<K, L> {
    inner: Arc<Inner<K, L>>,
}

impl<K, L> Clone for SharedIndexInformer<K, L> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
        }
    }
}

impl<K, L> std::fmt::Debug for SharedIndexInformer<K, L> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedIndexInformer")
            .field("indexer", &self.inner.indexer)
            .field("handlers", &self.inner.listeners.lock().len())
            .field("synced", &*self.inner.synced.borrow())
            .finish()
    }
}

impl<K, L> SharedIndexInformer<K, L>
where
    K: Object,
    L: ListerWatcher<K> + 'static,
{
    /// An informer over `lister_watcher`, with the reflector settings of `config` (its
    /// `resync_period` is the default resync period of handlers).
    pub fn new(lister_watcher: L, config: ReflectorConfig) -> Self {
        let default_resync = config
            .resync_period
            .filter(|p| !p.is_zero())
            .map(|p| p.max(MINIMUM_RESYNC_PERIOD));
        let indexer = Indexer::new();
        let fifo = DeltaFifo::with_known_objects(Arc::new(indexer.clone()));
        Self {
            inner: Arc::new(Inner {
                indexer,
                fifo,
                listeners: Mutex::new(Vec::new()),
                next_id: AtomicU64::new(0),
                setup: Mutex::new(Some(Setup {
                    lister_watcher,
                    config,
                    transform: None,
                    error_handler: None,
                })),
                synced: watch::channel(None).0,
                health: watch::channel(None).0,
                default_resync,
                resync_check: Mutex::new(default_resync),
                started: AtomicBool::new(false),
                runtime: Arc::default(),
            }),
        }
    }
}

/// Handlers, indices and cache reads need nothing of the lister-watcher: code holding a
/// factory informer of any `K` uses them without naming how it lists.
impl<K: Object, L> SharedIndexInformer<K, L> {
    /// Sets a transform applied to every object before it is stored; only before `run`.
    pub fn set_transform(&self, transform: Transform<K>) -> Result<(), InformerError> {
        let mut setup = self.inner.setup.lock();
        let setup = setup.as_mut().ok_or(InformerError::AlreadyStarted)?;
        setup.transform = Some(transform);
        Ok(())
    }

    /// Sets the reflector's error handler; only before `run`.
    pub fn set_error_handler(&self, handler: ErrorHandler) -> Result<(), InformerError> {
        let mut setup = self.inner.setup.lock();
        let setup = setup.as_mut().ok_or(InformerError::AlreadyStarted)?;
        setup.error_handler = Some(handler);
        Ok(())
    }

    /// Adds index functions (also after start; existing objects are indexed at once).
    pub fn add_indexers<I, S>(&self, indexers: I) -> Result<(), InformerError>
    where
        I: IntoIterator<Item = (S, IndexFunc<K>)>,
        S: Into<String>,
    {
        Ok(self.inner.indexer.add_indexers(indexers)?)
    }

    /// The cache: look objects up by key or index.
    pub fn indexer(&self) -> &Indexer<K> {
        &self.inner.indexer
    }

    /// The reflector's health, once `run` has started.
    pub fn health(&self) -> Option<watch::Receiver<ReflectorHealth>> {
        self.inner.health.borrow().clone()
    }

    /// The reflector's health as soon as `run` has started.
    pub(crate) async fn started_health(&self) -> watch::Receiver<ReflectorHealth> {
        let mut rx = self.inner.health.subscribe();
        // `inner` owns the sender, so the channel outlives this borrow of it.
        let health = rx.wait_for(Option::is_some).await.map(|h| h.clone());
        match health {
            Ok(Some(health)) => health,
            _ => std::future::pending().await,
        }
    }

    /// True once the initial list has been stored and dispatched, as client-go's
    /// `HasSynced`, and it stays true while the reflector retries, a resource that is no
    /// longer served included ([`ReflectorHealth::not_served`] tells that state). It turns
    /// false when the informer stops on an error: its cache no longer follows the server.
    pub fn has_synced(&self) -> bool {
        self.inner.synced.borrow().unwrap_or(false)
    }

    /// Waits until the informer has synced (true) or stopped (false).
    pub async fn wait_for_cache_sync(&self) -> bool {
        let mut rx = self.inner.synced.subscribe();
        let outcome = rx
            .wait_for(|s| s.is_some())
            .await
            .map(|s| s.unwrap_or(false));
        outcome.unwrap_or(false)
    }

    /// Registers a handler with the informer's default resync period. It first receives the
    /// cached objects as adds (flagged as part of the initial list), then every later change,
    /// on a thread of its own.
    pub fn add_event_handler(
        &self,
        handler: impl EventHandler<K>,
    ) -> Result<HandlerRegistration, InformerError> {
        self.add_event_handler_with_resync(handler, self.inner.default_resync)
    }

    /// Registers a handler that is resynced every `resync` (`None`: never), as client-go's
    /// `AddEventHandlerWithResyncPeriod`: periods under [`MINIMUM_RESYNC_PERIOD`] are raised
    /// to it; before the start, a shorter period makes the informer check more often; after
    /// the start, a period shorter than the informer's check period is raised to it.
    pub fn add_event_handler_with_resync(
        &self,
        handler: impl EventHandler<K>,
        resync: Option<Duration>,
    ) -> Result<HandlerRegistration, InformerError> {
        let resync = self.resync_for_new_handler(resync);
        let (tx, rx) = mpsc::unbounded_channel();
        let progress = Arc::new(Progress::default());
        let id = self.inner.next_id.fetch_add(1, Ordering::Relaxed);
        let handler: Arc<dyn EventHandler<K>> = Arc::new(handler);
        let thread_progress = progress.clone();
        let added_from = tokio::runtime::Handle::try_current().ok();
        let informer_runtime = self.inner.runtime.clone();
        std::thread::Builder::new()
            .name(format!("kclient-handler-{id}"))
            .spawn(move || {
                run_handler(handler, rx, thread_progress, added_from, informer_runtime);
            })
            .map_err(|e| InformerError::HandlerThread(e.to_string()))?;
        let listener = Listener {
            id,
            tx,
            progress: progress.clone(),
            resync,
            next_resync: parking_lot::Mutex::new(resync.map(|p| tokio::time::Instant::now() + p)),
            syncing: AtomicBool::new(false),
        };
        {
            let mut listeners = self.inner.listeners.lock();
            for obj in self.inner.indexer.list() {
                listener.send(Notification::Add(obj, true));
            }
            if self.has_synced() {
                progress.mark_sync_target();
            }
            listeners.push(listener);
        }
        Ok(HandlerRegistration { id, progress })
    }

    fn resync_for_new_handler(&self, resync: Option<Duration>) -> Option<Duration> {
        let period = resync
            .filter(|p| !p.is_zero())
            .map(|p| p.max(MINIMUM_RESYNC_PERIOD))?;
        let mut check = self.inner.resync_check.lock();
        if self.inner.started.load(Ordering::Acquire) {
            // The reflector's tick is fixed once running; a handler cannot resync faster.
            return Some(check.map_or(period, |c| period.max(c)));
        }
        *check = Some(check.map_or(period, |c| c.min(period)));
        Some(period)
    }

    /// Unregisters a handler; notifications already buffered are still delivered.
    pub fn remove_event_handler(&self, registration: &HandlerRegistration) {
        self.inner
            .listeners
            .lock()
            .retain(|l| l.id != registration.id);
    }
}

impl<K, L> SharedIndexInformer<K, L>
where
    K: Object,
    L: ListerWatcher<K> + 'static,
{
    /// Runs the reflector and the dispatch loop until the reflector's error handler asks to
    /// stop; drop the future to stop the informer. Callable once.
    pub async fn run(&self) -> Result<(), InformerError> {
        let mut setup = self
            .inner
            .setup
            .lock()
            .take()
            .ok_or(InformerError::AlreadyStarted)?;
        // Before anything is dispatched, so every handler thread finds it.
        if let Ok(handle) = tokio::runtime::Handle::try_current() {
            let _ = self.inner.runtime.set(handle);
        }
        setup.config.resync_period = {
            let check = self.inner.resync_check.lock();
            self.inner.started.store(true, Ordering::Release);
            *check
        };
        let inner = self.inner.clone();
        let should_resync: ShouldResync = Arc::new(move || {
            let now = tokio::time::Instant::now();
            let listeners = inner.listeners.lock();
            // Every listener is checked (no short-circuit): each records whether it syncs.
            let due = listeners.iter().filter(|l| l.check_resync(now)).count();
            due > 0
        });
        let mut reflector =
            Reflector::with_config(setup.lister_watcher, self.inner.fifo.clone(), setup.config)
                .should_resync(should_resync);
        if let Some(t) = setup.transform {
            reflector = reflector.transform(t);
        }
        if let Some(h) = setup.error_handler {
            reflector = reflector.error_handler(h);
        }
        let health = reflector.health();
        self.inner.health.send_replace(Some(health.clone()));
        let result = tokio::select! {
            err = reflector.run() => Err(InformerError::Reflector(err)),
            () = self.process_loop(health) => Ok(()),
        };
        self.inner.fifo.close();
        let failed = result.is_err();
        self.inner.synced.send_if_modified(|s| {
            if s.is_none() || failed {
                let changed = *s != Some(false);
                *s = Some(false);
                changed
            } else {
                false
            }
        });
        result
    }

    async fn process_loop(&self, mut health: watch::Receiver<ReflectorHealth>) {
        let mut reflector_alive = true;
        loop {
            self.check_synced();
            // An empty initial list queues nothing to pop; the reflector's health tells
            // when it has been stored. Once synced, health changes (one per watch event)
            // are no reason to wake up.
            let watch_health = reflector_alive && !self.has_synced();
            let health_changed = async {
                if watch_health {
                    if health.changed().await.is_ok() {
                        return;
                    }
                    reflector_alive = false;
                }
                std::future::pending::<()>().await;
            };
            let popped = tokio::select! {
                popped = self.pop_and_dispatch() => popped,
                () = health_changed => continue,
            };
            match popped {
                Ok(_) => {}
                Err(PopError::Closed) => return,
                Err(PopError::Process { error, .. }) => match error {},
            }
        }
    }

    async fn pop_and_dispatch(
        &self,
    ) -> Result<crate::delta::Deltas<K>, PopError<std::convert::Infallible>> {
        self.inner
            .fifo
            .pop(|deltas, is_in_initial_list| {
                let listeners = self.inner.listeners.lock();
                for change in apply_deltas(&self.inner.indexer, deltas) {
                    for l in listeners.iter() {
                        l.send(match &change {
                            StoreChange::Added(obj) => {
                                Notification::Add(obj.clone(), is_in_initial_list)
                            }
                            // A resync goes only to the handlers whose period is due.
                            StoreChange::Updated { resync: true, .. }
                                if !l.syncing.load(Ordering::Acquire) =>
                            {
                                continue;
                            }
                            StoreChange::Updated { old, new, .. } => {
                                Notification::Update(old.clone(), new.clone())
                            }
                            StoreChange::Deleted(obj) => Notification::Delete(obj.clone()),
                        });
                    }
                }
                Ok::<(), ProcessError<std::convert::Infallible>>(())
            })
            .await
    }

    fn check_synced(&self) {
        if self.inner.fifo.has_synced() && !self.has_synced() {
            let listeners = self.inner.listeners.lock();
            for l in listeners.iter() {
                l.progress.mark_sync_target();
            }
            self.inner.synced.send_replace(Some(true));
        }
    }
}

#[cfg(test)]
mod tests;
