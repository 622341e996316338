//! A [`MetricsProvider`] that keeps every value in memory, for tests and debugging.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

use parking_lot::Mutex;

use super::{CounterMetric, GaugeMetric, HistogramMetric, MetricsProvider, SettableGaugeMetric};

/// Records the metrics of every queue it is given to, by queue name; read them back with
/// [`snapshot`](Self::snapshot). Histograms keep every observation, so use it for tests and
/// debugging rather than long-running production queues.
#[derive(Debug, Default)]
pub struct InMemoryMetricsProvider {
    queues: Mutex<HashMap<String, Arc<Recorded>>>,
}

/// The values recorded for one queue at the time of [`InMemoryMetricsProvider::snapshot`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct QueueMetricsSnapshot {
    /// Items added and not yet handed out.
    pub depth: i64,
    /// Adds that were not deduplicated.
    pub adds: u64,
    /// Every add-to-get latency, in seconds, in the order observed.
    pub latency_seconds: Vec<f64>,
    /// Every get-to-done duration, in seconds, in the order observed.
    pub work_duration_seconds: Vec<f64>,
    /// Last value of the unfinished-work gauge, in seconds.
    pub unfinished_work_seconds: f64,
    /// Last value of the longest-running-processor gauge, in seconds.
    pub longest_running_processor_seconds: f64,
    /// Delayed or rate-limited re-adds.
    pub retries: u64,
}

#[derive(Debug, Default)]
struct Recorded {
    depth: AtomicI64,
    adds: AtomicU64,
    latency: Mutex<Vec<f64>>,
    work_duration: Mutex<Vec<f64>>,
    unfinished_work: AtomicU64,
    longest_running: AtomicU64,
    retries: AtomicU64,
}

impl InMemoryMetricsProvider {
    /// An empty provider.
    pub fn new() -> Self {
        Self::default()
    }

    /// What has been recorded for the queue named `name`, or `None` if no queue of that name
    /// was created with this provider.
    pub fn snapshot(&self, name: &str) -> Option<QueueMetricsSnapshot> {
        let recorded = self.queues.lock().get(name).cloned()?;
        Some(QueueMetricsSnapshot {
            depth: recorded.depth.load(Ordering::Relaxed),
            adds: recorded.adds.load(Ordering::Relaxed),
            latency_seconds: recorded.latency.lock().clone(),
            work_duration_seconds: recorded.work_duration.lock().clone(),
            unfinished_work_seconds: f64::from_bits(
                recorded.unfinished_work.load(Ordering::Relaxed),
            ),
            longest_running_processor_seconds: f64::from_bits(
                recorded.longest_running.load(Ordering::Relaxed),
            ),
            retries: recorded.retries.load(Ordering::Relaxed),
        })
    }

    fn recorded(&self, name: &str) -> Arc<Recorded> {
        self.queues
            .lock()
            .entry(name.to_owned())
            .or_default()
            .clone()
    }
}

/// Which value of a [`Recorded`] a handle updates.
#[derive(Clone, Copy)]
enum Field {
    Depth,
    Adds,
    Latency,
    WorkDuration,
    UnfinishedWork,
    LongestRunning,
    Retries,
}

struct Handle {
    recorded: Arc<Recorded>,
    field: Field,
}

impl Handle {
    fn cell(&self) -> Option<&AtomicU64> {
        match self.field {
            Field::Adds => Some(&self.recorded.adds),
            Field::Retries => Some(&self.recorded.retries),
            Field::UnfinishedWork => Some(&self.recorded.unfinished_work),
            Field::LongestRunning => Some(&self.recorded.longest_running),
            Field::Depth | Field::Latency | Field::WorkDuration => None,
        }
    }

    fn histogram(&self) -> Option<&Mutex<Vec<f64>>> {
        match self.field {
            Field::Latency => Some(&self.recorded.latency),
            Field::WorkDuration => Some(&self.recorded.work_duration),
            _ => None,
        }
    }
}

impl GaugeMetric for Handle {
    fn inc(&self) {
        self.recorded.depth.fetch_add(1, Ordering::Relaxed);
    }
    fn dec(&self) {
        self.recorded.depth.fetch_sub(1, Ordering::Relaxed);
    }
}

impl CounterMetric for Handle {
    fn inc(&self) {
        if let Some(counter) = self.cell() {
            counter.fetch_add(1, Ordering::Relaxed);
        }
    }
}

impl SettableGaugeMetric for Handle {
    fn set(&self, value: f64) {
        if let Some(gauge) = self.cell() {
            gauge.store(value.to_bits(), Ordering::Relaxed);
        }
    }
}

impl HistogramMetric for Handle {
    fn observe(&self, value: f64) {
        if let Some(histogram) = self.histogram() {
            histogram.lock().push(value);
        }
    }
}

impl InMemoryMetricsProvider {
    fn handle(&self, name: &str, field: Field) -> Box<Handle> {
        Box::new(Handle {
            recorded: self.recorded(name),
            field,
        })
    }
}

impl MetricsProvider for InMemoryMetricsProvider {
    fn new_depth_metric(&self, name: &str) -> Box<dyn GaugeMetric> {
        self.handle(name, Field::Depth)
    }
    fn new_adds_metric(&self, name: &str) -> Box<dyn CounterMetric> {
        self.handle(name, Field::Adds)
    }
    fn new_latency_metric(&self, name: &str) -> Box<dyn HistogramMetric> {
        self.handle(name, Field::Latency)
    }
    fn new_work_duration_metric(&self, name: &str) -> Box<dyn HistogramMetric> {
        self.handle(name, Field::WorkDuration)
    }
    fn new_unfinished_work_seconds_metric(&self, name: &str) -> Box<dyn SettableGaugeMetric> {
        self.handle(name, Field::UnfinishedWork)
    }
    fn new_longest_running_processor_seconds_metric(
        &self,
        name: &str,
    ) -> Box<dyn SettableGaugeMetric> {
        self.handle(name, Field::LongestRunning)
    }
    fn new_retries_metric(&self, name: &str) -> Box<dyn CounterMetric> {
        self.handle(name, Field::Retries)
    }
}
