//! [`Reflector`]: keeps a [`ReflectorStore`] in sync with the server, as client-go's
//! `cache.Reflector` does.
//!
//! The loop: build the initial state (a watch-list stream when the server supports it,
//! otherwise a list), `replace` the store with it, then watch from its resourceVersion. The
//! first list asks for resourceVersion `"0"`, which kube-apiserver's watch cache answers in
//! one response; a relist asks for the last synced resourceVersion, and only when that one
//! is expired or too large does a consistent, paginated list (`resourceVersion=""`) read
//! etcd (see the `listing` module). A watch that ends is resumed from the last
//! resourceVersion seen (object or bookmark); 410 Gone relists; other failures are reported
//! to the error handler and the [`ReflectorHealth`] channel. Every new round (a relist after
//! 410 as much as a retry after an error) first waits the backoff, exponential with jitter
//! (800 ms doubling to 30 s, starting over after 2 minutes without a wait), as client-go's
//! reflector runs each `ListAndWatch` under its backoff manager: an API server that expires
//! every watch at once (a restart) is not met by all of its clients' lists at the same
//! instant, and a collection that changes faster than the watch cache keeps its history
//! cannot make a reflector relist in a hot loop. A resource
//! that is not served (404, e.g. its CRD was deleted) is retried the same way and shows as
//! [`ReflectorHealth::not_served`] until a list succeeds again. Periodic resyncs run while
//! watching. Cancel a reflector by dropping its [`Reflector::run`] future.

use kclient_core::{ApiError, Transience};
mod error;
mod health;
mod listing;
mod target;

use std::sync::Arc;
use std::time::Duration;

use foldhash::HashMap;
use futures::StreamExt;
use kclient_core::WatchEvent;
use kclient_core::params::{ListOptions, ResourceVersionMatch};
use rand::Rng;
use tokio::sync::watch;
use tokio::time::Instant;

pub use error::{ErrorKind, ReflectorError};
pub use health::{Phase, ReflectorHealth};
pub use target::ReflectorStore;

use crate::backoff::{Backoff, BackoffConfig};
use crate::lister_watcher::{ListerWatcher, WatchStream};
use crate::object::meta_namespace_key;
use kclient_core::Object;

/// What to do after an error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorAction {
    /// Back off and try again.
    Retry,
    /// Stop: [`Reflector::run`] returns the error.
    Stop,
}

/// Called with every error a reflector meets (client-go's `WatchErrorHandler`).
pub type ErrorHandler = Arc<dyn Fn(&ReflectorError) -> ErrorAction + Send + Sync>;

/// A function applied to every object before it is stored (e.g. to drop `managedFields`).
pub type Transform<K> = Arc<dyn Fn(K) -> K + Send + Sync>;

/// A [`Transform`] that drops `metadata.managedFields` (controller-runtime's
/// `TransformStripManagedFields`). Server-side apply bookkeeping is rarely read from a cache,
/// and for a typical Pod it is over half of the object's memory once decoded (k8s-openapi
/// holds `FieldsV1` as a `serde_json::Value` tree). Updates sent from a stripped object leave
/// the server's managedFields as they are, since an absent field is not a reset.
pub fn strip_managed_fields<K: kclient_core::Resource>() -> Transform<K> {
    Arc::new(|mut obj: K| {
        obj.meta_mut().managed_fields = None;
        obj
    })
}

/// [`strip_managed_fields`] for [`Unstructured`](kclient_core::Unstructured) objects.
pub fn strip_managed_fields_unstructured() -> Transform<kclient_core::Unstructured> {
    Arc::new(|mut obj: kclient_core::Unstructured| {
        obj.remove_nested(&["metadata", "managedFields"]);
        obj
    })
}

/// The default handler: logs and retries.
pub fn log_and_retry() -> ErrorHandler {
    Arc::new(|err: &ReflectorError| {
        tracing::warn!(error = %err, kind = ?err.kind(), "reflector error; retrying with backoff");
        ErrorAction::Retry
    })
}

/// A handler that stops on [persistent](ErrorKind::is_persistent) errors (401, 403, 404,
/// invalid requests or data) and retries the others.
pub fn stop_on_persistent_errors() -> ErrorHandler {
    Arc::new(|err: &ReflectorError| {
        if err.is_persistent() {
            tracing::error!(error = %err, kind = ?err.kind(), "reflector stopping");
            ErrorAction::Stop
        } else {
            tracing::warn!(error = %err, kind = ?err.kind(), "reflector error; retrying with backoff");
            ErrorAction::Retry
        }
    })
}

/// Reflector settings.
#[derive(Clone, Debug)]
pub struct ReflectorConfig {
    /// A name for logs and errors. Default: the object type's name.
    pub name: String,
    /// Page size of the lists that may be paged: consistent lists (`resourceVersion=""`),
    /// lists at `"0"` (which kube-apiserver's watch cache answers whole anyway) and, once a
    /// server paged a `"0"` list, every list. A relist at the last synced resourceVersion is
    /// not paged, so that the watch cache can serve it. 0 lists in one request. Default: 500
    /// (client-go's pager).
    pub page_size: u32,
    /// How often the store is resynced while watching; `None` never. Default: `None`.
    pub resync_period: Option<Duration>,
    /// Try watch-list (`sendInitialEvents=true`) for the initial state, falling back to
    /// list+watch when the server rejects it. Default: true.
    pub use_watch_list: bool,
    /// Backoff between retries. Default: [`BackoffConfig::default`].
    pub backoff: BackoffConfig,
    /// Watches ask the server to end them after a random time between this and twice this,
    /// spreading reconnects. Default: 5 min.
    pub min_watch_timeout: Duration,
}

impl ReflectorConfig {
    /// The default settings for objects of type `K` (named after the type), to adjust and
    /// pass to [`Reflector::with_config`] or [`SharedIndexInformer::new`](crate::SharedIndexInformer::new).
    pub fn for_type<K>() -> Self {
        Self {
            name: crate::object::short_type_name::<K>(),
            page_size: 500,
            resync_period: None,
            use_watch_list: true,
            backoff: BackoffConfig::default(),
            min_watch_timeout: Duration::from_secs(300),
        }
    }
}

/// Why one list-and-watch round ended.
enum Restart {
    /// The watch's resource version expired: relist (at the last synced resourceVersion,
    /// which a watch cache serves; a consistent read if that list is expired too).
    Relist,
    /// Something failed.
    Failed(ReflectorError),
    /// The error handler asked to stop.
    Stopped(Arc<ReflectorError>),
}

/// How a watch-list attempt failed.
enum WatchListFailure {
    /// The server does not do watch-list (rejected the parameters).
    Unsupported(kclient_rest::Error),
    /// The requested resource version is gone.
    Expired,
    /// Anything else; this round falls back to a list.
    Failed(ReflectorError),
}

/// Lists and watches through a [`ListerWatcher`] into a [`ReflectorStore`].
pub struct Reflector<K, L, S> {
    lw: L,
    store: S,
    config: ReflectorConfig,
    health: watch::Sender<ReflectorHealth>,
    on_error: ErrorHandler,
    transform: Option<Transform<K>>,
    backoff: Backoff,
    position: listing::ListPosition,
    use_watch_list: bool,
    should_resync: Option<ShouldResync>,
}

/// Asked at every resync tick whether to resync now (client-go's `ShouldResync`): informers
/// use it to resync only when some handler's own period is due.
pub type ShouldResync = Arc<dyn Fn() -> bool + Send + Sync>;

impl<K, L, S> std::fmt::Debug for Reflector<K, L, S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reflector")
            .field("config", &self.config)
            .field("position", &self.position)
            .field("use_watch_list", &self.use_watch_list)
            .finish()
    }
}

impl<K, L, S> Reflector<K, L, S>
where
    K: Object,
    L: ListerWatcher<K>,
    S: ReflectorStore<K>,
{
    /// A reflector with default settings.
    pub fn new(lister_watcher: L, store: S) -> Self {
        Self::with_config(lister_watcher, store, ReflectorConfig::for_type::<K>())
    }

    /// The default settings for objects of type `K`, to adjust and pass to
    /// [`Reflector::with_config`]; the same as [`ReflectorConfig::for_type`].
    pub fn default_config() -> ReflectorConfig {
        ReflectorConfig::for_type::<K>()
    }

    /// A reflector with explicit settings.
    pub fn with_config(lister_watcher: L, store: S, config: ReflectorConfig) -> Self {
        let (health, _) = watch::channel(ReflectorHealth::new(config.use_watch_list));
        Self {
            lw: lister_watcher,
            store,
            backoff: Backoff::new(config.backoff.clone()),
            use_watch_list: config.use_watch_list,
            config,
            health,
            on_error: log_and_retry(),
            transform: None,
            position: listing::ListPosition::default(),
            should_resync: None,
        }
    }

    /// Consults `should_resync` at every resync tick and resyncs only when it says so.
    /// Default: every tick resyncs.
    #[must_use]
    pub fn should_resync(mut self, should_resync: ShouldResync) -> Self {
        self.should_resync = Some(should_resync);
        self
    }

    /// Replaces the error handler. Default: [`log_and_retry`].
    #[must_use]
    pub fn error_handler(mut self, handler: ErrorHandler) -> Self {
        self.on_error = handler;
        self
    }

    /// Applies `transform` to every object before it reaches the store. Default: none.
    /// A lister-watcher that takes it ([`ListerWatcher::apply_transform`]) runs it where it
    /// decodes, in parallel for [`RestListerWatcher`](crate::RestListerWatcher); otherwise
    /// the reflector runs it.
    #[must_use]
    pub fn transform(mut self, transform: Transform<K>) -> Self {
        self.transform = (!self.lw.apply_transform(&transform)).then_some(transform);
        self
    }

    /// Uses a jitter source with a fixed seed (for reproducible tests).
    #[must_use]
    pub fn backoff_seed(mut self, seed: u64) -> Self {
        self.backoff = Backoff::with_seed(self.config.backoff.clone(), seed);
        self
    }

    /// A receiver of the reflector's health; subscribe before or while it runs.
    pub fn health(&self) -> watch::Receiver<ReflectorHealth> {
        self.health.subscribe()
    }

    /// Runs until the error handler returns [`ErrorAction::Stop`], then returns that error.
    /// Drop the future to stop the reflector.
    pub async fn run(mut self) -> Arc<ReflectorError> {
        loop {
            let restart = self.list_and_watch().await;
            match restart {
                Restart::Relist => {
                    // The watch cannot resume; the relist asks for the last synced
                    // resourceVersion, which the watch cache serves (state at least that
                    // new), after the backoff.
                    self.set_phase(Phase::BackingOff);
                    tokio::time::sleep(self.backoff.next_delay()).await;
                }
                Restart::Failed(err) => {
                    if let Err(err) = self.fail(err).await {
                        return err;
                    }
                }
                Restart::Stopped(err) => return err,
            }
        }
    }

    /// Reports an error, then backs off; `Err` when the handler says stop.
    async fn fail(&mut self, err: ReflectorError) -> Result<(), Arc<ReflectorError>> {
        let action = (self.on_error)(&err);
        let err = Arc::new(err);
        let stopped = action == ErrorAction::Stop;
        let not_served = err.kind() == ErrorKind::NotFound;
        self.health.send_modify(|h| {
            h.last_error = Some(err.clone());
            h.not_served |= not_served;
            h.consecutive_failures = h.consecutive_failures.saturating_add(1);
            h.phase = if stopped {
                Phase::Stopped
            } else {
                Phase::BackingOff
            };
        });
        if stopped {
            return Err(err);
        }
        // A server that names its wait (429, or 5xx with retryAfterSeconds) gets at least that.
        let delay = match err.transience() {
            Transience::RetryAfter(wait) => self.backoff.next_delay().max(wait),
            _ => self.backoff.next_delay(),
        };
        tokio::time::sleep(delay).await;
        Ok(())
    }

    /// A list or watch succeeded: the resource is served and nothing is failing.
    fn healthy(&self) {
        self.health.send_if_modified(|h| {
            let changed = h.consecutive_failures != 0 || h.not_served;
            h.consecutive_failures = 0;
            h.not_served = false;
            changed
        });
    }

    fn set_phase(&self, phase: Phase) {
        self.health.send_if_modified(|h| {
            let changed = h.phase != phase;
            h.phase = phase;
            changed
        });
    }

    fn set_rv(&mut self, rv: Option<&str>) {
        if let Some(rv) = rv.filter(|rv| !rv.is_empty()) {
            if self.position.last_rv.as_deref() != Some(rv) {
                self.position.last_rv = Some(rv.to_owned());
            }
        }
    }

    fn publish_synced(&self, rv: &str) {
        let watch_list = self.use_watch_list;
        self.health.send_modify(|h| {
            h.synced = true;
            h.not_served = false;
            h.lists += 1;
            h.last_sync_resource_version = Some(rv.to_owned());
            h.watch_list = watch_list;
        });
    }

    fn prepare(&self, obj: K) -> Arc<K> {
        Arc::new(match &self.transform {
            Some(t) => t(obj),
            None => obj,
        })
    }

    fn store_error(&self, source: crate::error::KeyError) -> ReflectorError {
        ReflectorError::Store {
            resource: self.config.name.clone(),
            source,
        }
    }

    fn watch_timeout(&self) -> u32 {
        let min = self.config.min_watch_timeout.as_secs().max(1);
        let secs = min + rand::rng().random_range(0..=min);
        u32::try_from(secs).unwrap_or(u32::MAX)
    }

    async fn list_and_watch(&mut self) -> Restart {
        let mut stream = None;
        if self.use_watch_list {
            match self.watch_list().await {
                Ok(s) => stream = Some(s),
                Err(WatchListFailure::Unsupported(err)) => {
                    tracing::info!(
                        reflector = %self.config.name, error = %err,
                        "server rejected watch-list; falling back to list+watch"
                    );
                    self.use_watch_list = false;
                    self.health.send_modify(|h| h.watch_list = false);
                }
                // This round lists, at the latest resourceVersion.
                Err(WatchListFailure::Expired) => self.position.unavailable = true,
                Err(WatchListFailure::Failed(err)) => {
                    // Making progress beats retrying the stream: list this round.
                    tracing::warn!(
                        reflector = %self.config.name, error = %err,
                        "watch-list failed; listing instead"
                    );
                }
            }
        }
        if stream.is_none()
            && let Err(restart) = self.list().await
        {
            return restart;
        }
        self.healthy();
        self.watch_loop(stream).await
    }

    /// A watch-list request: collects the initial events until the initial-events-end
    /// bookmark, replaces the store with them and hands back the stream, which goes on
    /// with live events.
    async fn watch_list(&mut self) -> Result<WatchStream<K>, WatchListFailure> {
        self.set_phase(Phase::WatchListing);
        let opts = ListOptions {
            resource_version: self.position.rewatch_resource_version(),
            resource_version_match: Some(ResourceVersionMatch::NotOlderThan),
            send_initial_events: Some(true),
            allow_watch_bookmarks: true,
            timeout_seconds: Some(self.watch_timeout()),
            ..ListOptions::default()
        };
        let name = self.config.name.clone();
        let watch_failed = |source| {
            WatchListFailure::Failed(ReflectorError::Watch {
                resource: name.clone(),
                source,
            })
        };
        let mut stream = match self.lw.watch(&opts).await {
            Ok(s) => s,
            Err(err) if err.is_bad_request() || err.is_invalid() => {
                return Err(WatchListFailure::Unsupported(err));
            }
            Err(err) if unavailable_rv(&err) => return Err(WatchListFailure::Expired),
            Err(err) => return Err(watch_failed(err)),
        };
        let mut initial: HashMap<String, Arc<K>> = HashMap::default();
        loop {
            let event = match stream.next().await {
                Some(Ok(event)) => event,
                Some(Err(err)) => return Err(watch_failed(err)),
                None => {
                    return Err(WatchListFailure::Failed(ReflectorError::WatchEvent {
                        resource: name.clone(),
                        status: Box::new(short_watch_status()),
                    }));
                }
            };
            match event {
                WatchEvent::Added(obj) | WatchEvent::Modified(obj) => {
                    let obj = self.prepare(obj);
                    let key = meta_namespace_key(&*obj)
                        .map_err(|e| WatchListFailure::Failed(self.store_error(e)))?;
                    initial.insert(key, obj);
                }
                WatchEvent::Deleted(obj) => {
                    if let Ok(key) = meta_namespace_key(&obj) {
                        initial.remove(&key);
                    }
                }
                WatchEvent::Bookmark(bookmark) => {
                    if bookmark.is_initial_events_end() {
                        let rv = bookmark.resource_version().to_owned();
                        self.store
                            .replace(initial.into_values().collect(), &rv)
                            .map_err(|e| WatchListFailure::Failed(self.store_error(e)))?;
                        self.set_rv(Some(&rv));
                        self.position.unavailable = false;
                        self.publish_synced(&rv);
                        return Ok(stream);
                    }
                }
                WatchEvent::Error(status) => {
                    if unavailable_rv(&status) {
                        return Err(WatchListFailure::Expired);
                    }
                    if status.is_bad_request() || status.is_invalid() {
                        return Err(WatchListFailure::Unsupported(kclient_rest::Error::Api(
                            Box::new(status),
                        )));
                    }
                    return Err(WatchListFailure::Failed(ReflectorError::WatchEvent {
                        resource: name,
                        status: Box::new(status),
                    }));
                }
            }
        }
    }

    /// Watches (resuming after every disconnect) until a relist is needed or an error
    /// must be reported.
    async fn watch_loop(&mut self, mut stream: Option<WatchStream<K>>) -> Restart {
        let mut next_resync = self.config.resync_period.map(|p| Instant::now() + p);
        loop {
            let mut watch = match stream.take() {
                Some(s) => s,
                None => match self.start_watch().await {
                    Ok(s) => s,
                    Err(Ok(restart)) => return restart,
                    Err(Err(err)) => {
                        // Transient: back off and resume the watch without relisting.
                        if let Err(err) = self.fail(err).await {
                            return Restart::Stopped(err);
                        }
                        continue;
                    }
                },
            };
            self.set_phase(Phase::Watching);
            // A watch the server accepted means list and watch work again.
            self.healthy();
            let started = Instant::now();
            let mut events = 0u64;
            let ended = loop {
                let resync_at = next_resync;
                let item = tokio::select! {
                    item = watch.next() => item,
                    () = sleep_until_opt(resync_at) => {
                        if self.should_resync.as_ref().is_none_or(|due| due()) {
                            self.store.resync();
                        }
                        next_resync = self.config.resync_period.map(|p| Instant::now() + p);
                        continue;
                    }
                };
                match item {
                    None => break None,
                    Some(Err(source)) => {
                        tracing::debug!(reflector = %self.config.name, error = %source, "watch broke; resuming");
                        break Some(ReflectorError::Watch {
                            resource: self.config.name.clone(),
                            source,
                        });
                    }
                    Some(Ok(event)) => {
                        events += 1;
                        if let Err(restart) = self.handle_event(event) {
                            return restart;
                        }
                    }
                }
            };
            match ended {
                // A broken connection is retried right away from the last resource
                // version; a stream error that keeps happening is reported.
                Some(err) if err.kind() == ErrorKind::InvalidData => {
                    return Restart::Failed(err);
                }
                Some(_) | None => {
                    // A watch that ends at once without events would spin; back off.
                    if events == 0 && started.elapsed() < Duration::from_secs(1) {
                        self.set_phase(Phase::BackingOff);
                        tokio::time::sleep(self.backoff.next_delay()).await;
                    }
                }
            }
        }
    }

    /// `Err(Ok(restart))` ends the round; `Err(Err(e))` is transient and retried in place.
    async fn start_watch(&mut self) -> Result<WatchStream<K>, Result<Restart, ReflectorError>> {
        let opts = ListOptions {
            resource_version: self.position.last_rv.clone(),
            allow_watch_bookmarks: true,
            timeout_seconds: Some(self.watch_timeout()),
            ..ListOptions::default()
        };
        match self.lw.watch(&opts).await {
            Ok(s) => Ok(s),
            Err(err) if err.is_gone() || err.is_resource_expired() => Err(Ok(Restart::Relist)),
            Err(source) => {
                let kind = error::classify_rest(&source);
                let err = ReflectorError::Watch {
                    resource: self.config.name.clone(),
                    source,
                };
                if matches!(
                    kind,
                    ErrorKind::Transport | ErrorKind::TooManyRequests | ErrorKind::ServerError
                ) {
                    Err(Err(err))
                } else {
                    Err(Ok(Restart::Failed(err)))
                }
            }
        }
    }

    fn handle_event(&mut self, event: WatchEvent<K>) -> Result<(), Restart> {
        match event {
            WatchEvent::Added(obj) => {
                let obj = self.prepare(obj);
                let rv = obj.resource_version().map(str::to_owned);
                self.store
                    .add(obj)
                    .map_err(|e| Restart::Failed(self.store_error(e)))?;
                self.set_rv(rv.as_deref());
            }
            WatchEvent::Modified(obj) => {
                let obj = self.prepare(obj);
                let rv = obj.resource_version().map(str::to_owned);
                self.store
                    .update(obj)
                    .map_err(|e| Restart::Failed(self.store_error(e)))?;
                self.set_rv(rv.as_deref());
            }
            WatchEvent::Deleted(obj) => {
                let obj = self.prepare(obj);
                let rv = obj.resource_version().map(str::to_owned);
                self.store
                    .delete(obj)
                    .map_err(|e| Restart::Failed(self.store_error(e)))?;
                self.set_rv(rv.as_deref());
            }
            WatchEvent::Bookmark(bookmark) => self.set_rv(Some(bookmark.resource_version())),
            WatchEvent::Error(status) => {
                if status.is_gone() || status.is_resource_expired() {
                    return Err(Restart::Relist);
                }
                return Err(Restart::Failed(ReflectorError::WatchEvent {
                    resource: self.config.name.clone(),
                    status: Box::new(status),
                }));
            }
        }
        let rv = self.position.last_rv.clone();
        self.health.send_if_modified(|h| {
            let changed = h.last_sync_resource_version != rv;
            h.last_sync_resource_version = rv;
            changed
        });
        Ok(())
    }
}

/// The requested resourceVersion cannot be served: expired (410), or newer than the server
/// has seen (client-go's `isExpiredError || isTooLargeResourceVersionError`).
fn unavailable_rv(err: &impl ApiError) -> bool {
    err.is_gone() || err.is_resource_expired() || err.is_too_large_resource_version()
}

fn short_watch_status() -> k8s_openapi::apimachinery::pkg::apis::meta::v1::Status {
    k8s_openapi::apimachinery::pkg::apis::meta::v1::Status {
        status: Some("Failure".to_owned()),
        message: Some("watch-list stream ended before the initial-events-end bookmark".to_owned()),
        reason: Some("InternalError".to_owned()),
        code: Some(500),
        ..Default::default()
    }
}

async fn sleep_until_opt(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests;
