//! Metrics hooks of a [`Controller`](super::Controller), shaped like controller-runtime's
//! controller metrics (`controller_runtime_reconcile_total{result}`,
//! `..._reconcile_errors_total`, `..._reconcile_time_seconds`, `..._active_workers`). The
//! work queue's own metrics (depth, latency, work duration, retries) come from the
//! [`MetricsProvider`](kclient_workqueue::metrics::MetricsProvider) given to
//! [`Controller::queue_metrics`](super::Controller::queue_metrics).

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

/// How one reconcile ended, as a metric label.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReconcileResult {
    /// Succeeded and awaits the next change.
    Success,
    /// Succeeded and asked to run again after a while.
    RequeueAfter,
    /// Returned an error.
    Error,
    /// Panicked (counted as an error too; the worker carries on).
    Panic,
}

/// Receives a controller's measurements; every method has an empty default. Calls are made
/// from the workers' tasks: keep them cheap and non-blocking.
pub trait ControllerMetrics: Send + Sync {
    /// A reconcile finished after `duration` with `result`.
    fn reconciled(&self, result: ReconcileResult, duration: Duration) {
        let _ = (result, duration);
    }

    /// The number of workers busy in a reconcile changed.
    fn active_workers(&self, active: usize) {
        let _ = active;
    }
}

/// Counters kept in memory: a [`ControllerMetrics`] for tests, logs and simple status pages.
#[derive(Debug, Default)]
pub struct ControllerStats {
    successes: AtomicU64,
    requeues: AtomicU64,
    errors: AtomicU64,
    panics: AtomicU64,
    busy_nanos: AtomicU64,
    active: AtomicUsize,
    max_active: AtomicUsize,
}

impl ControllerStats {
    /// Reconciles that ended in [`ReconcileResult::Success`].
    pub fn successes(&self) -> u64 {
        self.successes.load(Ordering::Relaxed)
    }

    /// Reconciles that ended in [`ReconcileResult::RequeueAfter`].
    pub fn requeues(&self) -> u64 {
        self.requeues.load(Ordering::Relaxed)
    }

    /// Reconciles that failed (errors and panics).
    pub fn errors(&self) -> u64 {
        self.errors.load(Ordering::Relaxed) + self.panics()
    }

    /// Reconciles that panicked.
    pub fn panics(&self) -> u64 {
        self.panics.load(Ordering::Relaxed)
    }

    /// Every reconcile that finished.
    pub fn reconciles(&self) -> u64 {
        self.successes() + self.requeues() + self.errors()
    }

    /// The time spent reconciling, summed over every reconcile.
    pub fn busy(&self) -> Duration {
        Duration::from_nanos(self.busy_nanos.load(Ordering::Relaxed))
    }

    /// Workers busy in a reconcile right now.
    pub fn active_workers(&self) -> usize {
        self.active.load(Ordering::Relaxed)
    }

    /// The most workers ever busy at once.
    pub fn max_active_workers(&self) -> usize {
        self.max_active.load(Ordering::Relaxed)
    }
}

impl ControllerMetrics for ControllerStats {
    fn reconciled(&self, result: ReconcileResult, duration: Duration) {
        let counter = match result {
            ReconcileResult::Success => &self.successes,
            ReconcileResult::RequeueAfter => &self.requeues,
            ReconcileResult::Error => &self.errors,
            ReconcileResult::Panic => &self.panics,
        };
        counter.fetch_add(1, Ordering::Relaxed);
        let nanos = u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX);
        self.busy_nanos.fetch_add(nanos, Ordering::Relaxed);
    }

    fn active_workers(&self, active: usize) {
        self.active.store(active, Ordering::Relaxed);
        self.max_active.fetch_max(active, Ordering::Relaxed);
    }
}
