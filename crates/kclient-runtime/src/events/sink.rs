//! Where correlated Events go: the API server, through events.k8s.io/v1 or core/v1.

use std::future::Future;
use std::time::Duration;

use jiff::Timestamp;
use k8s_openapi::api::core::v1 as corev1;
use k8s_openapi::api::events::v1 as eventsv1;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{MicroTime, ObjectMeta, Time};
use kclient_client::{Api, ApiError, CreateOptions, PatchOptions, RestClient};
use kclient_core::{GroupVersion, Patch, Resource, Transience};
use kclient_discovery::{Discovery, DiscoveryClient};
use serde_json::json;

use super::EventsApi;
use super::correlator::Correlated;

/// The longest `note` events.k8s.io/v1 accepts (kube-apiserver's `NoteLengthLimit`).
pub(crate) const NOTE_LIMIT: usize = 1024;

/// One Event, ready to be written: the correlated occurrence with its wall-clock times
/// and its reporter.
#[derive(Clone, Debug)]
pub(crate) struct Outgoing {
    pub event: Correlated,
    pub first: Timestamp,
    pub last: Timestamp,
    pub controller: String,
    pub instance: String,
}

/// What the server kept: the name the next patch goes to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Written {
    pub name: String,
}

/// Why a write failed, as the recorder needs to know it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum SinkError {
    /// The Event is not there (a patch of an expired Event): create it instead.
    NotFound,
    /// The Event was created already (by an earlier attempt): nothing to do.
    AlreadyExists,
    /// Worth trying again, no sooner than the server asked.
    Retry(Option<Duration>),
    /// Rejected for good (invalid, forbidden, a terminating namespace).
    Rejected(String),
}

impl SinkError {
    fn of(err: &impl ApiError, display: String) -> Self {
        if err.is_not_found() {
            return Self::NotFound;
        }
        if err.is_already_exists() {
            return Self::AlreadyExists;
        }
        match err.transience() {
            Transience::RetryAfter(wait) => Self::Retry(Some(wait)),
            Transience::Transient | Transience::ServerError => Self::Retry(None),
            Transience::Permanent => Self::Rejected(display),
        }
    }
}

/// The writes the recorder makes; the API server in production, a fake in unit tests.
pub(crate) trait Sink: Send + Sync + 'static {
    /// Which Event API the server offers; `None` when discovery failed (ask again later).
    fn discover(&self) -> impl Future<Output = Option<EventsApi>> + Send;
    /// Creates the Event.
    fn create(
        &self,
        api: EventsApi,
        out: &Outgoing,
    ) -> impl Future<Output = Result<Written, SinkError>> + Send;
    /// Patches the existing Event's count (and, in core/v1, its message and last time).
    fn patch(
        &self,
        api: EventsApi,
        out: &Outgoing,
    ) -> impl Future<Output = Result<Written, SinkError>> + Send;
}

/// The API server.
#[derive(Clone, Debug)]
pub(crate) struct ApiSink {
    client: RestClient,
}

impl ApiSink {
    pub fn new(client: RestClient) -> Self {
        Self { client }
    }
}

fn written(meta: &ObjectMeta) -> Written {
    Written {
        name: meta.name.clone().unwrap_or_default(),
    }
}

fn failed(err: kclient_client::Error) -> SinkError {
    let display = err.to_string();
    SinkError::of(&err, display)
}

impl Sink for ApiSink {
    async fn discover(&self) -> Option<EventsApi> {
        let gv = GroupVersion::new(eventsv1::Event::GROUP, eventsv1::Event::VERSION);
        match DiscoveryClient::new(self.client.clone())
            .server_resources_for_group_version(&gv)
            .await
        {
            Ok(list) if list.resources.iter().any(|r| r.name == "events") => {
                Some(EventsApi::EventsV1)
            }
            Ok(_) => Some(EventsApi::CoreV1),
            Err(err) if err.is_not_found() => Some(EventsApi::CoreV1),
            Err(err) => {
                tracing::debug!(error = %err, "event recorder: discovery failed");
                None
            }
        }
    }

    async fn create(&self, api: EventsApi, out: &Outgoing) -> Result<Written, SinkError> {
        let ns = out.event.occurrence.regarding.event_namespace();
        let opts = CreateOptions::default();
        match api {
            EventsApi::EventsV1 => Api::<eventsv1::Event>::namespaced(self.client.clone(), ns)
                .create(&events_v1(out), &opts)
                .await
                .map(|e| written(&e.metadata)),
            EventsApi::CoreV1 => Api::<corev1::Event>::namespaced(self.client.clone(), ns)
                .create(&core_v1(out), &opts)
                .await
                .map(|e| written(&e.metadata)),
        }
        .map_err(failed)
    }

    async fn patch(&self, api: EventsApi, out: &Outgoing) -> Result<Written, SinkError> {
        let ns = out.event.occurrence.regarding.event_namespace();
        let name = &out.event.name;
        let patch = Patch::Strategic(patch_body(api, out));
        let opts = PatchOptions::default();
        match api {
            EventsApi::EventsV1 => Api::<eventsv1::Event>::namespaced(self.client.clone(), ns)
                .patch(name, &patch, &opts)
                .await
                .map(|e| written(&e.metadata)),
            EventsApi::CoreV1 => Api::<corev1::Event>::namespaced(self.client.clone(), ns)
                .patch(name, &patch, &opts)
                .await
                .map(|e| written(&e.metadata)),
        }
        .map_err(failed)
    }
}

/// The strategic merge patch of a counted Event: what client-go's two recorders send.
/// core/v1 (`tools/record`) patches `count`, `lastTimestamp` and `message` (an aggregate
/// Event takes the latest message); events.k8s.io/v1 (`tools/events`) patches `series`,
/// the only field kube-apiserver lets that API change.
pub(crate) fn patch_body(api: EventsApi, out: &Outgoing) -> serde_json::Value {
    match api {
        EventsApi::EventsV1 => json!({"series": series(out)}),
        EventsApi::CoreV1 => json!({
            "count": out.event.count,
            "lastTimestamp": Time(out.last),
            "message": out.event.occurrence.message,
        }),
    }
}

fn series(out: &Outgoing) -> eventsv1::EventSeries {
    eventsv1::EventSeries {
        count: i32::try_from(out.event.count).unwrap_or(i32::MAX),
        last_observed_time: MicroTime(out.last),
    }
}

fn metadata(out: &Outgoing) -> ObjectMeta {
    let o = &out.event.occurrence;
    ObjectMeta {
        name: Some(out.event.name.clone()),
        namespace: Some(o.regarding.event_namespace().to_string()),
        annotations: (!o.annotations.is_empty()).then(|| o.annotations.clone()),
        ..ObjectMeta::default()
    }
}

/// Cuts `note` to what events.k8s.io/v1 accepts, on a character boundary.
fn truncated(note: &str) -> String {
    if note.len() <= NOTE_LIMIT {
        return note.to_string();
    }
    let mut end = NOTE_LIMIT;
    while !note.is_char_boundary(end) {
        end -= 1;
    }
    note[..end].to_string()
}

/// The events.k8s.io/v1 form (client-go's `tools/events`): `eventTime` is the first
/// occurrence, a counted Event carries its `series`.
pub(crate) fn events_v1(out: &Outgoing) -> eventsv1::Event {
    let o = &out.event.occurrence;
    eventsv1::Event {
        metadata: metadata(out),
        event_time: Some(MicroTime(out.first)),
        series: (out.event.count > 1).then(|| series(out)),
        reporting_controller: Some(out.controller.clone()),
        reporting_instance: Some(out.instance.clone()),
        action: Some(o.action.clone()),
        reason: Some(o.reason.clone()),
        regarding: Some(o.regarding.to_api()),
        related: o.related.as_ref().map(|r| r.to_api()),
        note: Some(truncated(&o.message)),
        type_: Some(o.type_.as_str().to_string()),
        ..eventsv1::Event::default()
    }
}

/// The core/v1 form (client-go's `tools/record`): first and last timestamps and a count,
/// the reporter as `source` and as `reportingComponent`/`reportingInstance`.
pub(crate) fn core_v1(out: &Outgoing) -> corev1::Event {
    let o = &out.event.occurrence;
    corev1::Event {
        metadata: metadata(out),
        involved_object: o.regarding.to_api(),
        related: o.related.as_ref().map(|r| r.to_api()),
        reason: Some(o.reason.clone()),
        message: Some(o.message.clone()),
        action: Some(o.action.clone()),
        type_: Some(o.type_.as_str().to_string()),
        first_timestamp: Some(Time(out.first)),
        last_timestamp: Some(Time(out.last)),
        count: Some(i32::try_from(out.event.count).unwrap_or(i32::MAX)),
        source: Some(corev1::EventSource {
            component: Some(out.controller.clone()),
            host: Some(out.instance.clone()),
        }),
        reporting_component: Some(out.controller.clone()),
        reporting_instance: Some(out.instance.clone()),
        ..corev1::Event::default()
    }
}
