//! The workers: take a key from the queue, find the object in the cache, reconcile it, and
//! turn the outcome into the key's next step (forget, requeue after, rate-limited retry).
//!
//! The queue guarantees the rest: a key handed to one worker is not handed to another until
//! `done`, and a key added meanwhile is handed out once more afterwards.

use std::fmt;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures::FutureExt;
use kclient_cache::Indexer;
use kclient_core::Object;
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::metrics::{ControllerMetrics, ReconcileResult};
use super::sources::{KeyQueue, Tombstones};
use super::types::{Action, ErrorContext, ObjectKey, Observed, OnError};

/// How one reconcile ended, as reported on a [`ReconcileStream`](super::ReconcileStream).
#[derive(Debug)]
pub struct ReconcileReport<E> {
    /// The key reconciled.
    pub key: ObjectKey,
    /// Whether the object was gone (deleted) when it was reconciled.
    pub gone: bool,
    /// What reconcile returned, or how it failed.
    pub result: Result<Action, ReconcileFailure<E>>,
    /// How long the reconcile took.
    pub duration: Duration,
}

/// A failed reconcile.
#[derive(Debug)]
pub enum ReconcileFailure<E> {
    /// Reconcile returned this error.
    Error(E),
    /// Reconcile panicked with this message; the worker carried on and the key was retried
    /// through the rate limiter.
    Panicked(String),
}

impl<E: fmt::Display> fmt::Display for ReconcileFailure<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Error(e) => e.fmt(f),
            Self::Panicked(message) => write!(f, "reconcile panicked: {message}"),
        }
    }
}

/// Everything the workers of one run share.
pub(crate) struct Workers<K, F, P, C, E> {
    pub(crate) queue: KeyQueue,
    pub(crate) cache: Indexer<K>,
    pub(crate) tombstones: Tombstones<K>,
    pub(crate) reconcile: F,
    pub(crate) error_policy: P,
    pub(crate) ctx: Arc<C>,
    pub(crate) reports: Option<mpsc::UnboundedSender<ReconcileReport<E>>>,
    pub(crate) metrics: Option<Arc<dyn ControllerMetrics>>,
    pub(crate) active: AtomicUsize,
}

impl<K, F, Fut, P, C, E> Workers<K, F, P, C, E>
where
    K: Object,
    F: Fn(Observed<K>, Arc<C>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Action, E>> + Send + 'static,
    P: Fn(&E, &ErrorContext<K>, &C) -> OnError + Send + Sync + 'static,
    C: Send + Sync + 'static,
    E: fmt::Display + Send + 'static,
{
    /// Runs `concurrency` workers until `stop` fires, then lets the reconciles in flight
    /// finish for at most `deadline`; returns how many were abandoned at the deadline.
    pub(crate) async fn run(
        self: Arc<Self>,
        concurrency: usize,
        stop: CancellationToken,
        deadline: Duration,
    ) -> usize {
        let mut workers = JoinSet::new();
        for _ in 0..concurrency.max(1) {
            workers.spawn(self.clone().work(stop.clone()));
        }
        stop.cancelled().await;
        let finished = tokio::time::timeout(deadline, async {
            while workers.join_next().await.is_some() {}
        })
        .await;
        if finished.is_ok() {
            return 0;
        }
        let abandoned = self.active.load(Ordering::Relaxed);
        tracing::warn!(
            abandoned,
            ?deadline,
            "reconciles still running at the shutdown deadline were cancelled"
        );
        workers.shutdown().await;
        abandoned
    }

    async fn work(self: Arc<Self>, stop: CancellationToken) {
        loop {
            let key = tokio::select! {
                biased;
                () = stop.cancelled() => return,
                key = self.queue.get() => key,
            };
            let Some(key) = key else { return };
            self.process(&key).await;
            self.queue.done(&key);
        }
    }

    /// What the cache says of `key`: live, gone with its last state, or unknown (a mapped
    /// key whose primary does not exist, or a deletion already reconciled).
    fn observe(&self, key: &ObjectKey) -> Option<Observed<K>> {
        if let Some(obj) = self.cache.get_by_key(&key.cache_key()) {
            return Some(Observed::Live(obj));
        }
        self.tombstones.lock().get(key).cloned().map(Observed::Gone)
    }

    async fn process(&self, key: &ObjectKey) {
        let Some(observed) = self.observe(key) else {
            tracing::debug!(%key, "not in the cache: nothing to reconcile");
            self.queue.forget(key);
            return;
        };
        let active = self.active.fetch_add(1, Ordering::Relaxed) + 1;
        if let Some(m) = &self.metrics {
            m.active_workers(active);
        }
        let started = Instant::now();
        let outcome = AssertUnwindSafe((self.reconcile)(observed.clone(), self.ctx.clone()))
            .catch_unwind()
            .await;
        let duration = started.elapsed();
        let active = self.active.fetch_sub(1, Ordering::Relaxed) - 1;
        if let Some(m) = &self.metrics {
            m.active_workers(active);
        }
        let result = match outcome {
            Ok(Ok(action)) => Ok(action),
            Ok(Err(e)) => Err(ReconcileFailure::Error(e)),
            Err(panic) => Err(ReconcileFailure::Panicked(panic_message(panic.as_ref()))),
        };
        let label = match &result {
            Ok(action) => self.succeeded(key, &observed, *action),
            Err(failure) => self.failed(key, observed.clone(), failure),
        };
        if let Some(m) = &self.metrics {
            m.reconciled(label, duration);
        }
        if let Some(reports) = &self.reports {
            // The receiver may be gone; the controller goes on regardless.
            let _ = reports.send(ReconcileReport {
                key: key.clone(),
                gone: observed.is_gone(),
                result,
                duration,
            });
        }
    }

    fn succeeded(
        &self,
        key: &ObjectKey,
        observed: &Observed<K>,
        action: Action,
    ) -> ReconcileResult {
        self.queue.forget(key);
        if let Observed::Gone(last) = observed {
            self.bury(key, last);
        }
        match action {
            Action::AwaitChange => ReconcileResult::Success,
            Action::RequeueAfter(after) => {
                self.queue.add_after(key.clone(), after);
                ReconcileResult::RequeueAfter
            }
        }
    }

    fn failed(
        &self,
        key: &ObjectKey,
        observed: Observed<K>,
        failure: &ReconcileFailure<E>,
    ) -> ReconcileResult {
        let context = ErrorContext {
            key: key.clone(),
            object: observed,
            retries: self.queue.num_requeues(key),
        };
        let (policy, label) = match failure {
            ReconcileFailure::Error(e) => {
                tracing::debug!(%key, error = %e, retries = context.retries, "reconcile failed");
                (
                    (self.error_policy)(e, &context, &self.ctx),
                    ReconcileResult::Error,
                )
            }
            ReconcileFailure::Panicked(message) => {
                tracing::error!(%key, panic = %message, "reconcile panicked");
                (OnError::Backoff, ReconcileResult::Panic)
            }
        };
        match policy {
            OnError::Backoff => self.queue.add_rate_limited(key.clone()),
            OnError::RequeueAfter(after) => {
                self.queue.forget(key);
                self.queue.add_after(key.clone(), after);
            }
            OnError::Forget => {
                self.queue.forget(key);
                if let Observed::Gone(last) = &context.object {
                    self.bury(key, last);
                }
            }
        }
        label
    }

    /// Drops the tombstone of `key` once its deletion is handled, unless a newer deletion
    /// replaced it meanwhile.
    fn bury(&self, key: &ObjectKey, last: &Arc<K>) {
        let mut tombstones = self.tombstones.lock();
        if tombstones.get(key).is_some_and(|t| Arc::ptr_eq(t, last)) {
            tombstones.remove(key);
        }
    }
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "a non-string panic payload".to_owned()
    }
}
