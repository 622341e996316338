//! The event recorder against the embedded API server: what lands on the server, through
//! which API, and what is dropped. Time-based rules (windows, refill, retry waits) are tested
//! on a paused clock beside the recorder; here the clock is real and every test stays well
//! inside the windows.

use std::time::Duration;

use k8s_openapi::api::core::v1::{self as corev1, ConfigMap, Node};
use k8s_openapi::api::events::v1 as eventsv1;
use kclient_client::{Api, CreateOptions, ListOptions, RestClient};
use kclient_runtime::events::{
    EventRecorder, EventType, EventsApi, NewEvent, ObjectRef, RetryPolicy,
};
use kclient_testserver::TestServer;

async fn start(server: &TestServer) -> (RestClient, ConfigMap) {
    let client = RestClient::new(server.config().without_rate_limit()).expect("client builds");
    let mut cm = ConfigMap::default();
    cm.metadata.name = Some("settings".into());
    let cm = Api::<ConfigMap>::namespaced(client.clone(), "default")
        .create(&cm, &CreateOptions::default())
        .await
        .expect("configmap created");
    (client, cm)
}

async fn core_events(client: &RestClient, ns: &str) -> Vec<corev1::Event> {
    Api::<corev1::Event>::namespaced(client.clone(), ns)
        .list(&ListOptions::default())
        .await
        .expect("core events listed")
        .items
}

async fn new_events(client: &RestClient, ns: &str) -> Vec<eventsv1::Event> {
    Api::<eventsv1::Event>::namespaced(client.clone(), ns)
        .list(&ListOptions::default())
        .await
        .expect("events.k8s.io events listed")
        .items
}

#[tokio::test]
async fn identical_events_are_one_event_whose_series_counts_them() {
    let server = TestServer::start().await.expect("server");
    let (client, cm) = start(&server).await;
    let recorder = EventRecorder::builder(client.clone(), "kclient-test")
        .instance("replica-1")
        .build()
        .expect("recorder");
    for _ in 0..3 {
        recorder.event(&cm, EventType::Normal, "Synced", "configmap synced");
    }
    recorder.flush().await;
    assert_eq!(recorder.api(), Some(EventsApi::EventsV1));
    let events = new_events(&client, "default").await;
    assert_eq!(events.len(), 1, "{events:?}");
    let e = &events[0];
    assert_eq!(e.series.as_ref().map(|s| s.count), Some(3));
    assert_eq!(e.reason.as_deref(), Some("Synced"));
    assert_eq!(e.action.as_deref(), Some("Synced"));
    assert_eq!(e.note.as_deref(), Some("configmap synced"));
    assert_eq!(e.type_.as_deref(), Some("Normal"));
    assert_eq!(e.reporting_controller.as_deref(), Some("kclient-test"));
    assert_eq!(e.reporting_instance.as_deref(), Some("replica-1"));
    assert!(e.event_time.is_some());
    let regarding = e.regarding.as_ref().expect("regarding");
    assert_eq!(regarding.kind.as_deref(), Some("ConfigMap"));
    assert_eq!(regarding.name.as_deref(), Some("settings"));
    assert_eq!(regarding.uid, cm.metadata.uid);
    assert_eq!(regarding.resource_version, cm.metadata.resource_version);
    // kube-apiserver serves the same Event through core/v1 (shared storage).
    let core = core_events(&client, "default").await;
    assert_eq!(core.len(), 1);
    assert_eq!(core[0].involved_object.name.as_deref(), Some("settings"));
    assert_eq!(core[0].message.as_deref(), Some("configmap synced"));
    assert_eq!(core[0].series.as_ref().and_then(|s| s.count), Some(3));
    let stats = recorder.stats();
    assert_eq!((stats.created, stats.patched, stats.dropped()), (1, 2, 0));
}

#[tokio::test]
async fn similar_events_are_aggregated_from_the_tenth_message() {
    let server = TestServer::start().await.expect("server");
    let (client, cm) = start(&server).await;
    let recorder = EventRecorder::new(client.clone(), "kclient-test").expect("recorder");
    for i in 0..12 {
        recorder.event(
            &cm,
            EventType::Warning,
            "SyncFailed",
            format!("attempt {i} failed"),
        );
    }
    recorder.flush().await;
    let events = new_events(&client, "default").await;
    // Nine events of their own, then one combining the rest, counted.
    assert_eq!(events.len(), 10, "{events:?}");
    let combined: Vec<_> = events
        .iter()
        .filter(|e| {
            e.note
                .as_deref()
                .is_some_and(|n| n.starts_with("(combined from similar events): "))
        })
        .collect();
    assert_eq!(combined.len(), 1);
    assert_eq!(
        combined[0].note.as_deref(),
        Some("(combined from similar events): attempt 9 failed")
    );
    assert_eq!(combined[0].series.as_ref().map(|s| s.count), Some(3));
    let stats = recorder.stats();
    assert_eq!((stats.created, stats.patched), (10, 2));
}

#[tokio::test]
async fn a_flood_about_one_object_is_spam_filtered_and_counted() {
    let server = TestServer::start().await.expect("server");
    let (client, cm) = start(&server).await;
    let recorder = EventRecorder::new(client.clone(), "kclient-test").expect("recorder");
    for i in 0..40 {
        recorder.event(&cm, EventType::Normal, &format!("Step{i}"), "done");
    }
    // Another object is not limited by the first one's flood.
    let mut other = cm.clone();
    other.metadata.name = Some("other".into());
    other.metadata.uid = Some("other-uid".into());
    recorder.event(&other, EventType::Normal, "Step", "done");
    recorder.flush().await;
    assert_eq!(new_events(&client, "default").await.len(), 26);
    let stats = recorder.stats();
    assert_eq!((stats.created, stats.dropped_spam), (26, 15));
}

#[tokio::test]
async fn a_full_queue_drops_and_counts_and_never_blocks_the_caller() {
    let server = TestServer::start().await.expect("server");
    let (client, _) = start(&server).await;
    // Every write takes a while, so the queue of 4 fills up.
    server.faults().set_latency(Duration::from_millis(200));
    let recorder = EventRecorder::builder(client.clone(), "kclient-test")
        .queue_capacity(4)
        .api(EventsApi::EventsV1)
        .build()
        .expect("recorder");
    let mut cms = Vec::new();
    for i in 0..30 {
        let mut cm = ConfigMap::default();
        cm.metadata.name = Some(format!("cm-{i}"));
        cm.metadata.namespace = Some("default".into());
        cm.metadata.uid = Some(format!("uid-{i}"));
        cms.push(cm);
    }
    for cm in &cms {
        recorder.event(cm, EventType::Normal, "Created", "created");
    }
    let dropped = recorder.stats().dropped_queue_full;
    assert!(dropped >= 25, "{dropped} dropped");
    server.faults().set_latency(Duration::ZERO);
    recorder.flush().await;
    let stats = recorder.stats();
    assert_eq!(stats.created + stats.dropped_queue_full, 30, "{stats:?}");
    assert_eq!(
        new_events(&client, "default").await.len() as u64,
        stats.created
    );
}

#[tokio::test]
async fn without_events_k8s_io_the_recorder_writes_core_v1_events() {
    let server = TestServer::builder()
        .disable_api("events.k8s.io/v1")
        .build()
        .await
        .expect("server");
    let (client, cm) = start(&server).await;
    let recorder = EventRecorder::builder(client.clone(), "kclient-test")
        .instance("replica-1")
        .build()
        .expect("recorder");
    recorder.event(&cm, EventType::Warning, "Failed", "boom");
    recorder.event(&cm, EventType::Warning, "Failed", "boom");
    recorder.flush().await;
    assert_eq!(recorder.api(), Some(EventsApi::CoreV1));
    let events = core_events(&client, "default").await;
    assert_eq!(events.len(), 1, "{events:?}");
    let e = &events[0];
    assert_eq!(e.count, Some(2));
    assert_eq!(e.message.as_deref(), Some("boom"));
    assert_eq!(e.type_.as_deref(), Some("Warning"));
    assert_eq!(
        e.source.as_ref().and_then(|s| s.component.as_deref()),
        Some("kclient-test")
    );
    assert_eq!(
        e.source.as_ref().and_then(|s| s.host.as_deref()),
        Some("replica-1")
    );
    assert!(e.first_timestamp.is_some());
    assert!(e.last_timestamp >= e.first_timestamp);
    assert_eq!(recorder.stats().patched, 1);
}

#[tokio::test]
async fn cluster_scoped_objects_report_to_default_and_details_are_kept() {
    let server = TestServer::start().await.expect("server");
    let (client, cm) = start(&server).await;
    let mut node = Node::default();
    node.metadata.name = Some("node-1".into());
    let recorder = EventRecorder::new(client.clone(), "kclient-test").expect("recorder");
    recorder.publish(
        &node,
        NewEvent::new(EventType::Normal, "Cordoned", "node cordoned")
            .action("Cordon")
            .related(ObjectRef::of(&cm))
            .annotation("example.com/by", "test"),
    );
    recorder.event(
        &ObjectRef::of(&cm).field_path("data"),
        EventType::Normal,
        "Edited",
        "data edited",
    );
    recorder.flush().await;
    let events = new_events(&client, "default").await;
    assert_eq!(events.len(), 2, "{events:?}");
    let node_event = events
        .iter()
        .find(|e| e.reason.as_deref() == Some("Cordoned"))
        .expect("node event");
    assert_eq!(node_event.action.as_deref(), Some("Cordon"));
    assert_eq!(
        node_event.related.as_ref().and_then(|r| r.name.as_deref()),
        Some("settings")
    );
    assert_eq!(
        node_event
            .metadata
            .annotations
            .as_ref()
            .and_then(|a| a.get("example.com/by"))
            .map(String::as_str),
        Some("test")
    );
    assert_eq!(
        node_event
            .regarding
            .as_ref()
            .and_then(|r| r.namespace.as_deref()),
        None
    );
    let part = events
        .iter()
        .find(|e| e.reason.as_deref() == Some("Edited"))
        .expect("field event");
    assert_eq!(
        part.regarding
            .as_ref()
            .and_then(|r| r.field_path.as_deref()),
        Some("data")
    );
}

#[tokio::test]
async fn a_rejected_event_is_dropped_without_retries() {
    let server = TestServer::start().await.expect("server");
    let (client, _) = start(&server).await;
    let recorder = EventRecorder::builder(client.clone(), "kclient-test")
        .retry(RetryPolicy {
            interval: Duration::from_millis(10),
            ..RetryPolicy::default()
        })
        .build()
        .expect("recorder");
    // The namespace does not exist: kube-apiserver answers 404 on create.
    let mut cm = ConfigMap::default();
    cm.metadata.name = Some("ghost".into());
    cm.metadata.namespace = Some("nowhere".into());
    recorder.event(&cm, EventType::Normal, "R", "m");
    recorder.flush().await;
    let stats = recorder.stats();
    assert_eq!(
        (stats.dropped_failed, stats.retries, stats.created),
        (1, 0, 0)
    );
}

#[tokio::test]
async fn failing_writes_are_retried_until_they_pass() {
    let server = TestServer::start().await.expect("server");
    let (client, cm) = start(&server).await;
    let recorder = EventRecorder::builder(client.clone(), "kclient-test")
        .api(EventsApi::EventsV1)
        .retry(RetryPolicy {
            interval: Duration::from_millis(20),
            ..RetryPolicy::default()
        })
        .build()
        .expect("recorder");
    server
        .faults()
        .fail_path_prefix("/apis/events.k8s.io/v1", 500);
    recorder.event(&cm, EventType::Normal, "R", "m");
    // Let a few attempts fail, then heal the server.
    while recorder.stats().retries < 2 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    server.faults().clear_path_faults();
    recorder.flush().await;
    let stats = recorder.stats();
    assert_eq!((stats.created, stats.dropped()), (1, 0), "{stats:?}");
    assert_eq!(new_events(&client, "default").await.len(), 1);
}
