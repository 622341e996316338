//! Metrics hooks, shaped like client-go's `workqueue.MetricsProvider` so that any backend
//! (Prometheus, OpenTelemetry, logs) can be plugged in.
//!
//! A queue built with [`QueueConfig::metrics_provider`](crate::QueueConfig::metrics_provider)
//! asks the provider for one metric of each kind, labelled with the queue's name, and reports:
//!
//! | metric | kind | meaning |
//! |---|---|---|
//! | depth | gauge | items added and not yet handed out |
//! | adds | counter | adds that were not deduplicated |
//! | latency | histogram (s) | time from add to the `get` that hands the item out |
//! | work duration | histogram (s) | time from `get` to `done` |
//! | unfinished work | settable gauge (s) | summed age of the items being processed |
//! | longest running processor | settable gauge (s) | age of the oldest item being processed |
//! | retries | counter | calls to `add_after` / `add_rate_limited` |
//!
//! Queues without a provider (the default) skip all of this, including the per-item
//! timestamps. [`InMemoryMetricsProvider`] keeps everything in memory for tests.

mod in_memory;

pub use in_memory::{InMemoryMetricsProvider, QueueMetricsSnapshot};

use tokio::time::Instant;

use crate::chunked::{Chunked, Reserve, Want};
use crate::items::SlotId;

/// A gauge that goes up and down by one.
pub trait GaugeMetric: Send + Sync {
    /// Adds one.
    fn inc(&self);
    /// Subtracts one.
    fn dec(&self);
}

/// A gauge that is set to a value.
pub trait SettableGaugeMetric: Send + Sync {
    /// Sets the current value.
    fn set(&self, value: f64);
}

/// A monotonic counter.
pub trait CounterMetric: Send + Sync {
    /// Adds one.
    fn inc(&self);
}

/// A distribution of observations (seconds, for every histogram a queue reports).
pub trait HistogramMetric: Send + Sync {
    /// Records one observation.
    fn observe(&self, value: f64);
}

/// Creates the metrics of a queue named `name` (see the module docs for what each one means).
pub trait MetricsProvider: Send + Sync {
    /// Whether the queue should record anything. A provider answering `false` costs the queue
    /// nothing, like having no provider at all. Default: `true`.
    fn enabled(&self) -> bool {
        true
    }
    /// Items added and not yet handed out.
    fn new_depth_metric(&self, name: &str) -> Box<dyn GaugeMetric>;
    /// Adds that were not deduplicated.
    fn new_adds_metric(&self, name: &str) -> Box<dyn CounterMetric>;
    /// Seconds between an add and the `get` that hands the item out.
    fn new_latency_metric(&self, name: &str) -> Box<dyn HistogramMetric>;
    /// Seconds between `get` and `done`.
    fn new_work_duration_metric(&self, name: &str) -> Box<dyn HistogramMetric>;
    /// Summed seconds the items currently being processed have been running.
    fn new_unfinished_work_seconds_metric(&self, name: &str) -> Box<dyn SettableGaugeMetric>;
    /// Seconds the longest-running item currently being processed has been running.
    fn new_longest_running_processor_seconds_metric(
        &self,
        name: &str,
    ) -> Box<dyn SettableGaugeMetric>;
    /// Delayed or rate-limited re-adds.
    fn new_retries_metric(&self, name: &str) -> Box<dyn CounterMetric>;
}

/// A provider that records nothing; queues using it skip all metric bookkeeping.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoopMetricsProvider;

struct Noop;

impl GaugeMetric for Noop {
    fn inc(&self) {}
    fn dec(&self) {}
}
impl SettableGaugeMetric for Noop {
    fn set(&self, _value: f64) {}
}
impl CounterMetric for Noop {
    fn inc(&self) {}
}
impl HistogramMetric for Noop {
    fn observe(&self, _value: f64) {}
}

impl MetricsProvider for NoopMetricsProvider {
    fn enabled(&self) -> bool {
        false
    }
    fn new_depth_metric(&self, _name: &str) -> Box<dyn GaugeMetric> {
        Box::new(Noop)
    }
    fn new_adds_metric(&self, _name: &str) -> Box<dyn CounterMetric> {
        Box::new(Noop)
    }
    fn new_latency_metric(&self, _name: &str) -> Box<dyn HistogramMetric> {
        Box::new(Noop)
    }
    fn new_work_duration_metric(&self, _name: &str) -> Box<dyn HistogramMetric> {
        Box::new(Noop)
    }
    fn new_unfinished_work_seconds_metric(&self, _name: &str) -> Box<dyn SettableGaugeMetric> {
        Box::new(Noop)
    }
    fn new_longest_running_processor_seconds_metric(
        &self,
        _name: &str,
    ) -> Box<dyn SettableGaugeMetric> {
        Box::new(Noop)
    }
    fn new_retries_metric(&self, _name: &str) -> Box<dyn CounterMetric> {
        Box::new(Noop)
    }
}

/// The per-queue recorder; lives inside the queue's lock because its timestamps must change
/// together with the queue's sets.
///
/// Timestamps are kept per slot of the queue's slab, in chunks that never move, instead of in
/// maps keyed by item: a map of a million added items would grow (rehashing every key) while
/// the queue's lock is held, and each `get` would clone the item into another map.
pub(crate) struct QueueMetrics {
    depth: Box<dyn GaugeMetric>,
    adds: Box<dyn CounterMetric>,
    latency: Box<dyn HistogramMetric>,
    work_duration: Box<dyn HistogramMetric>,
    unfinished_work: Box<dyn SettableGaugeMetric>,
    longest_running: Box<dyn SettableGaugeMetric>,
    times: Chunked<SlotTimes>,
}

/// When the item in a slot was added (if it waits to be handed out), and when it was handed
/// out (if it is being processed).
#[derive(Default)]
pub(crate) struct SlotTimes {
    added: Option<Instant>,
    started: Option<Instant>,
}

impl QueueMetrics {
    pub(crate) fn new(provider: &dyn MetricsProvider, name: &str) -> Self {
        Self {
            depth: provider.new_depth_metric(name),
            adds: provider.new_adds_metric(name),
            latency: provider.new_latency_metric(name),
            work_duration: provider.new_work_duration_metric(name),
            unfinished_work: provider.new_unfinished_work_seconds_metric(name),
            longest_running: provider.new_longest_running_processor_seconds_metric(name),
            times: Chunked::new(),
        }
    }

    /// The timestamps of `slot`, allocated on first use. Slots are numbered densely from
    /// zero and each new one is added before it is used, so this pushes at most one entry.
    fn times(&mut self, slot: SlotId) -> Option<&mut SlotTimes> {
        let slot = slot as usize;
        while self.times.len() <= slot {
            self.times.push(SlotTimes::default());
        }
        self.times.get_mut(slot)
    }

    /// What the timestamps want allocated ahead of need (see `chunked`).
    pub(crate) fn wants(&self) -> Option<Want> {
        self.times.wants()
    }

    /// Takes memory allocated for [`wants`](Self::wants); returns what is not needed.
    pub(crate) fn refill(&mut self, reserve: Reserve<SlotTimes>) -> Reserve<SlotTimes> {
        self.times.refill(reserve)
    }

    /// An add that was not deduplicated, of the item in `slot`.
    pub(crate) fn add(&mut self, slot: SlotId) {
        self.adds.inc();
        self.depth.inc();
        if let Some(times) = self.times(slot) {
            times.added.get_or_insert_with(Instant::now);
        }
    }

    /// The item in `slot` was handed out to a worker.
    pub(crate) fn get(&mut self, slot: SlotId) {
        let now = Instant::now();
        self.depth.dec();
        let Some(times) = self.times(slot) else {
            return;
        };
        times.started = Some(now);
        if let Some(added) = times.added.take() {
            self.latency
                .observe(now.saturating_duration_since(added).as_secs_f64());
        }
    }

    /// The worker finished the item in `slot`.
    pub(crate) fn done(&mut self, slot: SlotId) {
        if let Some(started) = self.times(slot).and_then(|t| t.started.take()) {
            self.work_duration.observe(started.elapsed().as_secs_f64());
        }
    }

    /// Sets the unfinished-work gauges from the slots being `processing`.
    pub(crate) fn update_unfinished_work(&self, processing: impl Iterator<Item = SlotId>) {
        let now = Instant::now();
        let mut total = 0.0;
        let mut oldest = 0.0_f64;
        for slot in processing {
            let Some(started) = self.times.get(slot as usize).and_then(|t| t.started) else {
                continue;
            };
            let age = now.saturating_duration_since(started).as_secs_f64();
            total += age;
            oldest = oldest.max(age);
        }
        self.unfinished_work.set(total);
        self.longest_running.set(oldest);
    }
}
