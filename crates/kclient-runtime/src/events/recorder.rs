//! [`EventRecorder`]: the handle callers report through, its bounded queue and the
//! background task that correlates and writes.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use jiff::{SignedDuration, Timestamp};
use kclient_client::RestClient;
use kclient_core::backoff::BackoffConfig;
use tokio::sync::{mpsc, oneshot};

use super::correlator::{Correlated, Correlator, CorrelatorOptions, Occurrence};
use super::sink::{ApiSink, Outgoing, Sink, SinkError};
use super::{EventError, EventType, EventsApi, NewEvent, Regarding};

/// How failed writes are retried. The default is client-go's: 12 attempts, 10 s apart
/// with up to 25 % jitter.
#[derive(Clone, Debug, PartialEq)]
pub struct RetryPolicy {
    /// Attempts per Event, the first included; at least one is made. Default: 12.
    pub attempts: u32,
    /// The wait between attempts (longer when the server asks for longer). Default: 10 s.
    pub interval: Duration,
    /// Up to this share of `interval` is added at random. Default: 0.25.
    pub jitter: f64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            attempts: 12,
            interval: Duration::from_secs(10),
            jitter: 0.25,
        }
    }
}

/// What a recorder has done so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EventStats {
    /// Events created.
    pub created: u64,
    /// Counted occurrences written as a patch of an existing Event.
    pub patched: u64,
    /// Events dropped because the queue was full.
    pub dropped_queue_full: u64,
    /// Events dropped by the spam filter.
    pub dropped_spam: u64,
    /// Events dropped because the server rejected them or every attempt failed.
    pub dropped_failed: u64,
    /// Attempts that failed and were tried again.
    pub retries: u64,
}

impl EventStats {
    /// Every event dropped, for whatever reason.
    pub fn dropped(&self) -> u64 {
        self.dropped_queue_full + self.dropped_spam + self.dropped_failed
    }
}

#[derive(Debug, Default)]
struct Counters {
    created: AtomicU64,
    patched: AtomicU64,
    dropped_queue_full: AtomicU64,
    dropped_spam: AtomicU64,
    dropped_failed: AtomicU64,
    retries: AtomicU64,
}

fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

/// What goes through the queue.
#[derive(Debug)]
enum Item {
    Event(Box<Occurrence>),
    Flush(oneshot::Sender<()>),
}

/// The wall clock Events carry, read off the runtime's clock so that a paused clock (in
/// tests) moves it too.
#[derive(Clone, Copy, Debug)]
struct WallClock {
    instant: Instant,
    wall: Timestamp,
}

impl WallClock {
    fn now() -> Self {
        Self {
            instant: tokio::time::Instant::now().into_std(),
            wall: Timestamp::now(),
        }
    }

    fn at(&self, at: Instant) -> Timestamp {
        let since = SignedDuration::try_from(at.saturating_duration_since(self.instant))
            .unwrap_or(SignedDuration::MAX);
        self.wall.saturating_add(since).unwrap_or(self.wall)
    }
}

/// What the handles and the task share; the task holds no sender, so the queue closes when
/// the last handle is dropped.
#[derive(Debug)]
struct State {
    counters: Counters,
    api: Mutex<Option<EventsApi>>,
    controller: String,
    instance: String,
}

#[derive(Debug)]
struct Shared {
    queue: mpsc::Sender<Item>,
    state: Arc<State>,
}

/// Records Events about objects; see the [module docs](super). Cheap to clone: clones share
/// one queue, one correlator and one background task, which ends once every clone is
/// dropped and the queue is written out.
#[derive(Clone, Debug)]
pub struct EventRecorder {
    shared: Arc<Shared>,
}

/// Builds an [`EventRecorder`]; every setter documents its default.
#[derive(Debug)]
pub struct EventRecorderBuilder {
    client: RestClient,
    controller: String,
    instance: Option<String>,
    api: Option<EventsApi>,
    capacity: usize,
    correlator: CorrelatorOptions,
    retry: RetryPolicy,
}

/// The host name, for the default reporting instance (client-go uses `os.Hostname`).
fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok().filter(|h| !h.is_empty()))
        .unwrap_or_else(|| "unknown".to_string())
}

impl EventRecorderBuilder {
    /// The reporting instance (events.k8s.io `reportingInstance`, core/v1 `source.host`).
    /// Default: `<controller>-<host name>`, as client-go's `tools/events` names it.
    pub fn instance(mut self, instance: impl Into<String>) -> Self {
        self.instance = Some(instance.into());
        self
    }

    /// Writes to this API without asking discovery. Default: events.k8s.io/v1 when the
    /// server serves it, else core/v1.
    pub fn api(mut self, api: EventsApi) -> Self {
        self.api = Some(api);
        self
    }

    /// Events queued before new ones are dropped. Default: 1,000 (client-go's
    /// `maxQueuedEvents`).
    pub fn queue_capacity(mut self, capacity: usize) -> Self {
        self.capacity = capacity;
        self
    }

    /// Aggregation and spam-filter settings. Default: client-go's (see
    /// [`CorrelatorOptions`]).
    pub fn correlator(mut self, options: CorrelatorOptions) -> Self {
        self.correlator = options;
        self
    }

    /// How failed writes are retried. Default: [`RetryPolicy::default`].
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Starts the recorder's background task on the current tokio runtime.
    pub fn build(self) -> Result<EventRecorder, EventError> {
        let sink = ApiSink::new(self.client.clone());
        self.build_with(sink)
    }

    pub(crate) fn build_with<S: Sink>(self, sink: S) -> Result<EventRecorder, EventError> {
        if self.controller.is_empty() {
            return Err(EventError::NoController);
        }
        if self.capacity == 0 {
            return Err(EventError::NoCapacity);
        }
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| EventError::NoRuntime)?;
        let (queue, receiver) = mpsc::channel(self.capacity);
        let instance = self
            .instance
            .unwrap_or_else(|| format!("{}-{}", self.controller, hostname()));
        let state = Arc::new(State {
            counters: Counters::default(),
            api: Mutex::new(self.api),
            controller: self.controller,
            instance,
        });
        let task = Task {
            sink,
            receiver,
            correlator: Correlator::new(self.correlator),
            state: state.clone(),
            retry: self.retry,
            api: self.api,
            clock: WallClock::now(),
        };
        runtime.spawn(task.run());
        Ok(EventRecorder {
            shared: Arc::new(Shared { queue, state }),
        })
    }
}

impl EventRecorder {
    /// A recorder with the defaults (see [`EventRecorderBuilder`]), reporting as
    /// `controller`.
    pub fn new(client: RestClient, controller: impl Into<String>) -> Result<Self, EventError> {
        Self::builder(client, controller).build()
    }

    /// A builder of a recorder reporting as `controller` (events.k8s.io
    /// `reportingController`, core/v1 `source.component`).
    pub fn builder(client: RestClient, controller: impl Into<String>) -> EventRecorderBuilder {
        EventRecorderBuilder {
            client,
            controller: controller.into(),
            instance: None,
            api: None,
            capacity: 1000,
            correlator: CorrelatorOptions::default(),
            retry: RetryPolicy::default(),
        }
    }

    /// Records an event about `obj` (client-go's `Event`; format the message with
    /// `format!` for `Eventf`). Returns at once: the event is queued, or dropped and
    /// counted when the queue is full.
    pub fn event(
        &self,
        obj: &impl Regarding,
        type_: EventType,
        reason: &str,
        message: impl Into<String>,
    ) {
        self.publish(obj, NewEvent::new(type_, reason, message));
    }

    /// Records `event` about `obj`, with its action, related object and annotations.
    /// Returns at once, as [`EventRecorder::event`] does.
    pub fn publish(&self, obj: &impl Regarding, event: NewEvent) {
        let action = if event.action.is_empty() {
            event.reason.clone()
        } else {
            event.action
        };
        let occurrence = Occurrence {
            regarding: obj.object_ref(),
            related: event.related,
            type_: event.type_,
            reason: event.reason,
            action,
            message: event.message,
            annotations: event.annotations,
            at: tokio::time::Instant::now().into_std(),
        };
        if self
            .shared
            .queue
            .try_send(Item::Event(Box::new(occurrence)))
            .is_err()
        {
            bump(&self.shared.state.counters.dropped_queue_full);
        }
    }

    /// Waits until every event queued before this call is written or dropped.
    pub async fn flush(&self) {
        let (done, wait) = oneshot::channel();
        if self.shared.queue.send(Item::Flush(done)).await.is_ok() {
            // An error means the task has ended: nothing is left to wait for.
            let _ = wait.await;
        }
    }

    /// What the recorder has done so far.
    pub fn stats(&self) -> EventStats {
        let c = &self.shared.state.counters;
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        EventStats {
            created: get(&c.created),
            patched: get(&c.patched),
            dropped_queue_full: get(&c.dropped_queue_full),
            dropped_spam: get(&c.dropped_spam),
            dropped_failed: get(&c.dropped_failed),
            retries: get(&c.retries),
        }
    }

    /// The Event API in use: the one set on the builder, else the one discovery chose
    /// before the first write (`None` until then).
    pub fn api(&self) -> Option<EventsApi> {
        *self
            .shared
            .state
            .api
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }

    /// The reporting controller.
    pub fn controller(&self) -> &str {
        &self.shared.state.controller
    }

    /// The reporting instance.
    pub fn instance(&self) -> &str {
        &self.shared.state.instance
    }
}

/// The background task: correlates each queued event and writes it, one at a time (as
/// client-go's recorder does; events queue up meanwhile).
struct Task<S> {
    sink: S,
    receiver: mpsc::Receiver<Item>,
    correlator: Correlator,
    state: Arc<State>,
    retry: RetryPolicy,
    /// The API set on the builder or discovered; `None` until known.
    api: Option<EventsApi>,
    clock: WallClock,
}

impl<S: Sink> Task<S> {
    async fn run(mut self) {
        while let Some(item) = self.receiver.recv().await {
            match item {
                Item::Flush(done) => {
                    let _ = done.send(());
                }
                Item::Event(occurrence) => self.record(*occurrence).await,
            }
        }
    }

    async fn record(&mut self, occurrence: Occurrence) {
        let clock = self.clock;
        let nanos = |at| clock.at(at).as_nanosecond();
        let Some(event) = self.correlator.correlate(occurrence, nanos) else {
            bump(&self.state.counters.dropped_spam);
            return;
        };
        let out = Outgoing {
            first: clock.at(event.first_seen),
            last: clock.at(event.occurrence.at),
            controller: self.state.controller.clone(),
            instance: self.state.instance.clone(),
            event,
        };
        self.write(out).await;
    }

    /// The API to write to, asking discovery while it is not known (core/v1 meanwhile).
    async fn api(&mut self) -> EventsApi {
        if let Some(api) = self.api {
            return api;
        }
        let Some(api) = self.sink.discover().await else {
            return EventsApi::CoreV1;
        };
        self.api = Some(api);
        *self.state.api.lock().unwrap_or_else(|e| e.into_inner()) = Some(api);
        api
    }

    async fn write(&mut self, out: Outgoing) {
        let backoff = BackoffConfig::constant(self.retry.interval, self.retry.jitter);
        let attempts = self.retry.attempts.max(1);
        for attempt in 1..=attempts {
            let wait = match self.attempt(&out).await {
                Ok(()) => return,
                Err(SinkError::Rejected(reason)) => {
                    tracing::warn!(event = %out.event.name, %reason, "server rejected event, not retrying");
                    break;
                }
                Err(SinkError::Retry(asked)) => {
                    let delay = backoff.delay(attempt - 1, rand::random());
                    asked.map_or(delay, |asked| asked.max(delay))
                }
                // `attempt` turns both into an outcome of its own.
                Err(SinkError::NotFound | SinkError::AlreadyExists) => return,
            };
            if attempt == attempts {
                tracing::warn!(event = %out.event.name, attempts, "unable to write event, retry limit reached");
                break;
            }
            bump(&self.state.counters.retries);
            tokio::time::sleep(wait).await;
        }
        bump(&self.state.counters.dropped_failed);
    }

    /// One attempt: a patch of a counted Event (a create when it has expired), else a
    /// create; an Event that exists already counts as written.
    async fn attempt(&mut self, out: &Outgoing) -> Result<(), SinkError> {
        let api = self.api().await;
        let counters = &self.state.counters;
        if out.event.count > 1 {
            match self.sink.patch(api, out).await {
                Ok(written) => {
                    bump(&counters.patched);
                    self.remember(&out.event, &written);
                    return Ok(());
                }
                // Expired (kube-apiserver keeps Events for an hour): create it again.
                Err(SinkError::NotFound) => {}
                Err(err) => return Err(err),
            }
        }
        match self.sink.create(api, out).await {
            Ok(written) => {
                bump(&counters.created);
                self.remember(&out.event, &written);
                Ok(())
            }
            Err(SinkError::AlreadyExists) => {
                bump(&counters.created);
                Ok(())
            }
            // The namespace is gone: nothing will make this create succeed.
            Err(SinkError::NotFound) => Err(SinkError::Rejected("namespace not found".into())),
            Err(err) => Err(err),
        }
    }

    fn remember(&mut self, event: &Correlated, written: &super::sink::Written) {
        self.correlator.update_state(&event.key, &written.name);
    }
}
