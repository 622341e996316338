//! Construction options shared by every queue type.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::metrics::MetricsProvider;

/// How often the unfinished-work gauges are refreshed unless configured otherwise
/// (client-go's default).
pub const DEFAULT_UNFINISHED_WORK_UPDATE_PERIOD: Duration = Duration::from_millis(500);

/// Options for building a [`Queue`](crate::Queue), [`DelayingQueue`](crate::DelayingQueue) or
/// [`RateLimitingQueue`](crate::RateLimitingQueue).
///
/// ```
/// use std::sync::Arc;
/// use kclient_workqueue::{Queue, QueueConfig, metrics::InMemoryMetricsProvider};
///
/// let metrics = Arc::new(InMemoryMetricsProvider::new());
/// let queue: Queue<String> =
///     Queue::with_config(QueueConfig::new().name("pods").metrics_provider(metrics.clone()));
/// queue.add("default/web".into());
/// assert_eq!(metrics.snapshot("pods").map(|m| m.adds), Some(1));
/// ```
#[derive(Clone)]
pub struct QueueConfig {
    pub(crate) name: String,
    pub(crate) metrics_provider: Option<Arc<dyn MetricsProvider>>,
    pub(crate) unfinished_work_update_period: Duration,
}

impl QueueConfig {
    /// Unnamed queue without metrics (the default).
    pub fn new() -> Self {
        Self {
            name: String::new(),
            metrics_provider: None,
            unfinished_work_update_period: DEFAULT_UNFINISHED_WORK_UPDATE_PERIOD,
        }
    }

    /// Name reported to the metrics provider. Default: empty.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// Report depth, adds, latencies, work durations, unfinished work and retries to
    /// `provider`. Default: none, and then the queue keeps no per-item timestamps at all.
    pub fn metrics_provider(mut self, provider: Arc<dyn MetricsProvider>) -> Self {
        self.metrics_provider = Some(provider);
        self
    }

    /// How often the unfinished-work and longest-running-processor gauges are refreshed by a
    /// background task (spawned only with a metrics provider and a Tokio runtime; a zero period
    /// disables it). Default: 500 ms.
    pub fn unfinished_work_update_period(mut self, period: Duration) -> Self {
        self.unfinished_work_update_period = period;
        self
    }
}

impl Default for QueueConfig {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for QueueConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("QueueConfig")
            .field("name", &self.name)
            .field("metrics_provider", &self.metrics_provider.is_some())
            .field(
                "unfinished_work_update_period",
                &self.unfinished_work_update_period,
            )
            .finish()
    }
}
