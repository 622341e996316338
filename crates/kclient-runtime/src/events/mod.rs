//! The event recorder: client-go's `tools/record` (and `tools/events`) for kclient.
//!
//! An [`EventRecorder`] writes Kubernetes Events about objects — what `kubectl describe` and
//! `kubectl get events` show — without ever delaying or failing the code that reports them:
//!
//! ```no_run
//! # async fn demo(client: kclient_client::RestClient, pod: k8s_openapi::api::core::v1::Pod)
//! # -> Result<(), kclient_runtime::events::EventError> {
//! use kclient_runtime::events::{EventRecorder, EventType};
//!
//! let recorder = EventRecorder::new(client, "my-controller")?;
//! recorder.event(&pod, EventType::Normal, "Synced", "pod synced");
//! recorder.event(&pod, EventType::Warning, "Failed", format!("attempt {} failed", 3));
//! # Ok(()) }
//! ```
//!
//! - **Which API**: events.k8s.io/v1 where the server serves it (asked of discovery before
//!   the first write), core/v1 otherwise; [`EventRecorderBuilder::api`] fixes one. Events of
//!   cluster-scoped objects go to the `default` namespace.
//! - **Correlation** (client-go's `EventCorrelator`, see [`CorrelatorOptions`]): an event
//!   identical to one already written bumps that Event's `count` (core/v1) or `series`
//!   (events.k8s.io/v1) with a strategic merge patch instead of creating another; from the
//!   10th similar event (same object, type and reason, another message) within 10 minutes
//!   they are combined into one Event (`(combined from similar events): ...`); and a spam
//!   filter lets each object have a burst of 25 events, then one per 5 minutes.
//! - **Never blocking**: [`EventRecorder::event`] only puts the event on a bounded queue
//!   (1,000 by default) that one background task drains; when it is full the event is
//!   dropped and counted ([`EventStats::dropped_queue_full`]). Failed writes are retried
//!   (12 attempts, 10 s apart with up to 25 % jitter, longer when the server asks for it, as
//!   client-go's `tools/events` does), then dropped and counted; rejected ones (invalid,
//!   forbidden) are dropped at once.
//!
//! Where kclient differs from client-go: one correlator serves both APIs (client-go's
//! events.k8s.io recorder has no aggregation or spam filter, and sends a series' count only
//! every 30 minutes; here every counted occurrence that passes the spam filter is patched,
//! as `tools/record` does); an event without an explicit action uses its reason as the
//! events.k8s.io `action`, which that API requires.

mod correlator;
mod recorder;
mod reference;
mod sink;

#[cfg(test)]
mod recorder_tests;

pub use correlator::CorrelatorOptions;
pub use recorder::{EventRecorder, EventRecorderBuilder, EventStats, RetryPolicy};
pub use reference::{ObjectRef, Regarding};

use std::collections::BTreeMap;

/// The type of an Event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EventType {
    /// Nothing to worry about.
    Normal,
    /// Something may need attention.
    Warning,
}

impl EventType {
    /// The API form: `Normal` or `Warning`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Normal => "Normal",
            Self::Warning => "Warning",
        }
    }
}

/// The Event API a recorder writes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EventsApi {
    /// `events.k8s.io/v1`: `regarding`, `note`, `series`, reporting controller and instance.
    EventsV1,
    /// `v1` (core): `involvedObject`, `message`, `count`, first and last timestamps.
    CoreV1,
}

/// An event with more than a type, reason and message: for [`EventRecorder::publish`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewEvent {
    /// Normal or Warning.
    pub type_: EventType,
    /// Why: a short UpperCamelCase word (`Scheduled`, `FailedMount`).
    pub reason: String,
    /// What happened, for humans.
    pub message: String,
    /// What was done or failed (events.k8s.io `action`); empty means the reason.
    pub action: String,
    /// A second object the event involves (events.k8s.io `related`).
    pub related: Option<ObjectRef>,
    /// Annotations of the Event object (client-go's `AnnotatedEventf`).
    pub annotations: BTreeMap<String, String>,
}

impl NewEvent {
    /// An event of `type_` with `reason` and `message`.
    pub fn new(type_: EventType, reason: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            type_,
            reason: reason.into(),
            message: message.into(),
            action: String::new(),
            related: None,
            annotations: BTreeMap::new(),
        }
    }

    /// Sets the action.
    pub fn action(mut self, action: impl Into<String>) -> Self {
        self.action = action.into();
        self
    }

    /// Sets the related object.
    pub fn related(mut self, related: ObjectRef) -> Self {
        self.related = Some(related);
        self
    }

    /// Adds an annotation to the Event object.
    pub fn annotation(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.annotations.insert(key.into(), value.into());
        self
    }
}

/// Why a recorder or a reference could not be made. Recording itself never fails.
#[derive(Debug, thiserror::Error)]
pub enum EventError {
    /// The reporting controller name is empty (events.k8s.io requires one).
    #[error("the reporting controller of an event recorder must not be empty")]
    NoController,
    /// No tokio runtime to run the recorder's background task on.
    #[error("an event recorder must be built inside a tokio runtime")]
    NoRuntime,
    /// An unstructured object without `apiVersion` or `kind` cannot be referenced.
    #[error("the object has no apiVersion or kind to reference it by")]
    NoKind,
    /// The queue capacity is zero.
    #[error("the event queue capacity must be at least 1")]
    NoCapacity,
}
