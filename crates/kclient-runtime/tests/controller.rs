//! The Controller against the in-memory API server, over HTTPS: shared informers feeding the
//! queue (primary, owned and watched objects, selectors), gone objects with their last state,
//! the results stream, metrics from a real run, and leader election. Timing is the wall
//! clock here, so assertions are about what was reconciled and in which order, never how fast;
//! the timing rules (backoff, requeue, shutdown deadline) are tested on a paused clock beside
//! the workers.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use k8s_openapi::api::coordination::v1::Lease;
use k8s_openapi::api::core::v1::{ConfigMap, Secret, Service};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference};
use kclient_cache::{Compact, SharedInformerFactory};
use kclient_client::{
    Api, ApiError, CreateOptions, DeleteOptions, GetOptions, RestClient, UpdateOptions,
};
use kclient_core::{
    FieldSelector, GroupVersionKind, GroupVersionResource, LabelSelector, RestMapping,
    Unstructured, resource::Scope,
};
use kclient_runtime::controller::{
    Action, Controller, ControllerStats, LeaderEvent, ObjectKey, Observed, OnError,
    ReconcileReport, ReconcileStream,
};
use kclient_runtime::leaderelection::{LeaderElectionConfig, LeaseLock, Stopped};
use kclient_testserver::TestServer;
use kclient_workqueue::metrics::InMemoryMetricsProvider;
use tokio::sync::mpsc;
use tokio::time::timeout;

const NS: &str = "default";

async fn start() -> (TestServer, RestClient) {
    let server = TestServer::start().await.expect("test server starts");
    let client = RestClient::new(server.config().without_rate_limit()).expect("client builds");
    (server, client)
}

fn meta(name: &str) -> ObjectMeta {
    ObjectMeta {
        name: Some(name.into()),
        namespace: Some(NS.into()),
        ..ObjectMeta::default()
    }
}

fn config_map(name: &str, data: &str, labels: &[(&str, &str)]) -> ConfigMap {
    let mut metadata = meta(name);
    if !labels.is_empty() {
        metadata.labels = Some(
            labels
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        );
    }
    ConfigMap {
        metadata,
        data: Some(BTreeMap::from([("v".to_owned(), data.to_owned())])),
        ..ConfigMap::default()
    }
}

fn data_of(cm: &ConfigMap) -> String {
    cm.data
        .as_ref()
        .and_then(|d| d.get("v"))
        .cloned()
        .unwrap_or_default()
}

async fn create_cm(api: &Api<ConfigMap>, cm: &ConfigMap) -> ConfigMap {
    api.create(cm, &CreateOptions::default())
        .await
        .expect("create configmap")
}

/// A no-op reconcile whose calls are reported on a channel: (name, gone, data).
type Seen = mpsc::UnboundedSender<(String, bool, String)>;

async fn record(obj: Observed<ConfigMap>, seen: Arc<Seen>) -> Result<Action, String> {
    let cm = obj.object();
    let _ = seen.send((
        cm.metadata.name.clone().unwrap_or_default(),
        obj.is_gone(),
        data_of(cm),
    ));
    Ok(Action::await_change())
}

fn backoff(
    _: &String,
    _: &kclient_runtime::controller::ErrorContext<ConfigMap>,
    _: &Seen,
) -> OnError {
    OnError::Backoff
}

/// The next reconcile seen, failing after 10 s.
async fn next(rx: &mut mpsc::UnboundedReceiver<(String, bool, String)>) -> (String, bool, String) {
    timeout(Duration::from_secs(10), rx.recv())
        .await
        .expect("a reconcile within 10 s")
        .expect("controller running")
}

/// Waits until `name` is reconciled (skipping others), returning (gone, data).
async fn until(
    rx: &mut mpsc::UnboundedReceiver<(String, bool, String)>,
    name: &str,
) -> (bool, String) {
    loop {
        let (n, gone, data) = next(rx).await;
        if n == name {
            return (gone, data);
        }
    }
}

async fn next_report(stream: &mut ReconcileStream<String>) -> ReconcileReport<String> {
    timeout(Duration::from_secs(10), stream.next())
        .await
        .expect("a reconcile within 10 s")
        .expect("controller running")
}

#[tokio::test]
async fn owned_and_watched_objects_enqueue_their_primary_and_a_deletion_arrives_gone() {
    let (_server, client) = start().await;
    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), NS);
    let secrets: Api<Secret> = Api::namespaced(client.clone(), NS);
    let services: Api<Service> = Api::namespaced(client.clone(), NS);
    let primary = create_cm(&cms, &config_map("app", "1", &[])).await;

    let factory = SharedInformerFactory::new(client.clone());
    let (tx, mut rx) = mpsc::unbounded_channel();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let controller = Controller::<ConfigMap>::new(&factory)
        .owns::<Secret>()
        .watches::<Service>(|svc: &Service| {
            // A Service names its ConfigMap in an annotation.
            svc.metadata
                .annotations
                .as_ref()
                .and_then(|a| a.get("example.com/config"))
                .map(|name| vec![ObjectKey::namespaced(NS, name.clone())])
                .unwrap_or_default()
        })
        .graceful_shutdown_on(async {
            let _ = stop_rx.await;
        });
    let run = tokio::spawn(controller.run(record, backoff, Arc::new(tx)));

    assert_eq!(next(&mut rx).await, ("app".into(), false, "1".into()));

    // A Secret controlled by the ConfigMap enqueues it; one merely owned by it does not.
    let owner = |controller: bool| OwnerReference {
        api_version: "v1".into(),
        kind: "ConfigMap".into(),
        name: "app".into(),
        uid: primary.metadata.uid.clone().unwrap_or_default(),
        controller: Some(controller),
        ..OwnerReference::default()
    };
    let mut not_controlled = Secret {
        metadata: meta("not-controlled"),
        ..Secret::default()
    };
    not_controlled.metadata.owner_references = Some(vec![owner(false)]);
    secrets
        .create(&not_controlled, &CreateOptions::default())
        .await
        .expect("create secret");
    let mut controlled = Secret {
        metadata: meta("controlled"),
        ..Secret::default()
    };
    controlled.metadata.owner_references = Some(vec![owner(true)]);
    secrets
        .create(&controlled, &CreateOptions::default())
        .await
        .expect("create secret");
    assert_eq!(next(&mut rx).await, ("app".into(), false, "1".into()));

    // A watched Service mapped to the ConfigMap enqueues it.
    let mut svc = Service {
        metadata: meta("front"),
        ..Service::default()
    };
    svc.metadata.annotations = Some(BTreeMap::from([(
        "example.com/config".to_owned(),
        "app".to_owned(),
    )]));
    services
        .create(&svc, &CreateOptions::default())
        .await
        .expect("create service");
    assert_eq!(next(&mut rx).await, ("app".into(), false, "1".into()));

    // The last state before the deletion reaches reconcile as gone.
    let mut changed = cms.get("app", &GetOptions::default()).await.expect("get");
    changed.data = Some(BTreeMap::from([("v".to_owned(), "2".to_owned())]));
    cms.update(&changed, &UpdateOptions::default())
        .await
        .expect("update");
    assert_eq!(until(&mut rx, "app").await, (false, "2".into()));
    cms.delete("app", &DeleteOptions::default())
        .await
        .expect("delete");
    assert_eq!(until(&mut rx, "app").await, (true, "2".into()));

    let _ = stop_tx.send(());
    let stopped = timeout(Duration::from_secs(10), run)
        .await
        .expect("stops")
        .expect("join")
        .expect("run");
    assert_eq!(stopped, Stopped::Cancelled);
    // Nothing was reconciled that the test did not expect.
    assert!(rx.try_recv().is_err());
}

#[tokio::test]
async fn a_label_selector_limits_the_primaries_and_the_factory_stays_shared() {
    let (_server, client) = start().await;
    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), NS);
    create_cm(&cms, &config_map("mine", "1", &[("app", "x")])).await;
    create_cm(&cms, &config_map("other", "1", &[("app", "y")])).await;

    let factory = SharedInformerFactory::new(client.clone());
    // Other code's informer of ConfigMaps on the same factory sees everything.
    let all = factory.resource::<ConfigMap>();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let selector = LabelSelector::parse("app=x").expect("selector");
    let controller = Controller::<ConfigMap>::new(&factory).label_selector(&selector);
    let run = tokio::spawn(controller.run(record, backoff, Arc::new(tx)));

    assert_eq!(next(&mut rx).await.0, "mine");
    create_cm(&cms, &config_map("later", "1", &[("app", "y")])).await;
    create_cm(&cms, &config_map("mine-too", "1", &[("app", "x")])).await;
    assert_eq!(next(&mut rx).await.0, "mine-too");
    assert!(
        all.informer().wait_for_cache_sync().await,
        "the shared informer runs"
    );
    assert_eq!(all.informer().indexer().len(), 4);
    run.abort();
}

#[tokio::test]
async fn the_results_stream_and_the_metrics_hooks_see_every_reconcile() {
    let (_server, client) = start().await;
    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), NS);
    for name in ["a", "b", "fail"] {
        create_cm(&cms, &config_map(name, "1", &[])).await;
    }
    let factory = SharedInformerFactory::new(client.clone());
    let stats = Arc::new(ControllerStats::default());
    let queue = Arc::new(InMemoryMetricsProvider::new());
    let mut stream = Controller::<ConfigMap>::new(&factory)
        .concurrency(2)
        .metrics(stats.clone())
        .queue_metrics("configmaps", queue.clone())
        .run_stream(
            |obj: Observed<ConfigMap>, _: Arc<()>| async move {
                if obj.object().metadata.name.as_deref() == Some("fail") {
                    Err("refused".to_owned())
                } else {
                    Ok(Action::await_change())
                }
            },
            // The failing key is retried once, then given up.
            |_, ctx, _| {
                if ctx.retries == 0 {
                    OnError::Backoff
                } else {
                    OnError::Forget
                }
            },
            Arc::new(()),
        );
    let mut reports = Vec::new();
    for _ in 0..4 {
        let report = next_report(&mut stream).await;
        reports.push((report.key.name.clone(), report.result.is_ok()));
    }
    reports.sort();
    assert_eq!(
        reports,
        [
            ("a".into(), true),
            ("b".into(), true),
            ("fail".into(), false),
            ("fail".into(), false)
        ]
    );
    assert_eq!(stats.successes(), 2);
    assert_eq!(stats.errors(), 2);
    let snapshot = queue.snapshot("configmaps").expect("queue metrics");
    assert_eq!(snapshot.adds, 4, "three keys, one retry");
    assert_eq!(snapshot.retries, 1);
    assert_eq!(snapshot.work_duration_seconds.len(), 4);
    assert_eq!(snapshot.depth, 0);
    drop(stream);
}

const LEASE: &str = "configmap-controller";

fn elected(client: &RestClient, identity: &str) -> LeaderElectionConfig<LeaseLock> {
    LeaderElectionConfig::new(LeaseLock::new(client.clone(), NS, LEASE, identity))
        .lease_duration(Duration::from_secs(10))
        .renew_deadline(Duration::from_secs(3))
        .retry_period(Duration::from_millis(200))
        .release_on_cancel(true)
}

#[tokio::test]
async fn only_the_leader_reconciles_and_it_stops_when_its_lease_is_taken() {
    let (_server, client) = start().await;
    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), NS);
    let leases: Api<Lease> = Api::namespaced(client.clone(), NS);
    create_cm(&cms, &config_map("a", "1", &[])).await;

    let (tx, mut rx) = mpsc::unbounded_channel();
    let (events_tx, mut events) = mpsc::unbounded_channel();
    let leader = Controller::<ConfigMap>::new(&SharedInformerFactory::new(client.clone()))
        .leader_election(elected(&client, "first"))
        .on_leader_event(move |e| {
            let _ = events_tx.send(match e {
                LeaderEvent::StartedLeading => "started".to_owned(),
                LeaderEvent::StoppedLeading => "stopped".to_owned(),
                LeaderEvent::NewLeader(id) => format!("leader {id}"),
            });
        })
        .run(record, backoff, Arc::new(tx));
    let leader = tokio::spawn(leader);
    assert_eq!(next(&mut rx).await.0, "a");

    // A second replica with the same Lease keeps its cache warm but reconciles nothing.
    let (tx2, mut rx2) = mpsc::unbounded_channel();
    let follower = Controller::<ConfigMap>::new(&SharedInformerFactory::new(client.clone()))
        .leader_election(elected(&client, "second"))
        .run(record, backoff, Arc::new(tx2));
    let follower = tokio::spawn(follower);
    create_cm(&cms, &config_map("b", "1", &[])).await;
    assert_eq!(next(&mut rx).await.0, "b");
    assert!(
        timeout(Duration::from_secs(1), rx2.recv()).await.is_err(),
        "the follower reconciled"
    );
    follower.abort();

    // Another holder overwrites the Lease: the leader's workers stop and `run` returns.
    let mut taken = false;
    for _ in 0..20 {
        let mut lease = leases
            .get(LEASE, &GetOptions::default())
            .await
            .expect("lease");
        let spec = lease.spec.as_mut().expect("spec");
        spec.holder_identity = Some("intruder".into());
        spec.lease_duration_seconds = Some(30);
        match leases.update(&lease, &UpdateOptions::default()).await {
            Ok(_) => {
                taken = true;
                break;
            }
            Err(e) if e.is_conflict() => continue,
            Err(e) => panic!("overwrite failed: {e}"),
        }
    }
    assert!(taken, "could not overwrite the lease");
    let stopped = timeout(Duration::from_secs(15), leader)
        .await
        .expect("the leader stops")
        .expect("join")
        .expect("run");
    assert_eq!(stopped, Stopped::LostLeadership);
    // `NewLeader` comes from the blocking pool, so it may be told after the others.
    let mut seen = Vec::new();
    while !(seen.contains(&"leader intruder".to_owned()) && seen.contains(&"stopped".to_owned())) {
        match timeout(Duration::from_secs(5), events.recv()).await {
            Ok(Some(e)) => seen.push(e),
            _ => panic!("the new holder was never reported: {seen:?}"),
        }
    }
    let started = seen.iter().position(|e| e == "started").expect("started");
    let stopped = seen.iter().position(|e| e == "stopped").expect("stopped");
    assert!(started < stopped, "{seen:?}");

    // No more reconciles after leadership is lost.
    create_cm(&cms, &config_map("c", "1", &[])).await;
    let after = timeout(Duration::from_secs(1), rx.recv()).await;
    assert!(
        matches!(after, Err(_) | Ok(None)),
        "reconciled after losing the lease"
    );
}

#[tokio::test]
async fn a_graceful_shutdown_finishes_the_reconcile_then_releases_the_lease() {
    let (_server, client) = start().await;
    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), NS);
    let leases: Api<Lease> = Api::namespaced(client.clone(), NS);
    create_cm(&cms, &config_map("slow", "1", &[])).await;

    let (started_tx, mut started) = mpsc::unbounded_channel::<()>();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let finished = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let done = finished.clone();
    let run = Controller::<ConfigMap>::new(&SharedInformerFactory::new(client.clone()))
        .leader_election(elected(&client, "only"))
        .graceful_shutdown_on(async {
            let _ = stop_rx.await;
        })
        .run(
            move |_: Observed<ConfigMap>, _: Arc<()>| {
                let (started, done) = (started_tx.clone(), done.clone());
                async move {
                    let _ = started.send(());
                    tokio::time::sleep(Duration::from_millis(500)).await;
                    done.store(true, std::sync::atomic::Ordering::SeqCst);
                    Ok::<_, String>(Action::await_change())
                }
            },
            |_, _, _| OnError::Backoff,
            Arc::new(()),
        );
    let run = tokio::spawn(run);
    timeout(Duration::from_secs(10), started.recv())
        .await
        .expect("reconcile starts");
    let _ = stop_tx.send(());
    let stopped = timeout(Duration::from_secs(10), run)
        .await
        .expect("stops")
        .expect("join")
        .expect("run");
    assert_eq!(stopped, Stopped::Cancelled);
    assert!(
        finished.load(std::sync::atomic::Ordering::SeqCst),
        "the reconcile finished first"
    );
    let lease = leases
        .get(LEASE, &GetOptions::default())
        .await
        .expect("lease");
    let holder = lease
        .spec
        .and_then(|s| s.holder_identity)
        .unwrap_or_default();
    assert_eq!(holder, "", "released after the workers stopped");
}

#[tokio::test]
async fn compact_and_dynamic_primaries_with_a_field_selector() {
    let (_server, client) = start().await;
    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), NS);
    create_cm(&cms, &config_map("a", "1", &[])).await;
    create_cm(&cms, &config_map("b", "2", &[])).await;
    let factory = SharedInformerFactory::new(client.clone());

    // Compact objects reach reconcile and decode to the typed object on demand.
    let (tx, mut compact) = mpsc::unbounded_channel();
    let run_compact = tokio::spawn(Controller::<Compact<ConfigMap>>::compact(&factory).run(
        |obj: Observed<Compact<ConfigMap>>, seen: Arc<Seen>| async move {
            let cm = obj.object().decode().map_err(|e| e.to_string())?;
            let _ = seen.send((
                cm.metadata.name.clone().unwrap_or_default(),
                false,
                data_of(&cm),
            ));
            Ok(Action::await_change())
        },
        |_: &String, _, _| OnError::Backoff,
        Arc::new(tx),
    ));
    let mut both = vec![next(&mut compact).await, next(&mut compact).await];
    both.sort();
    assert_eq!(
        both,
        [
            ("a".into(), false, "1".into()),
            ("b".into(), false, "2".into())
        ]
    );

    // A dynamic controller of the GVR, selecting one name.
    let mapping = RestMapping {
        resource: GroupVersionResource {
            group: String::new(),
            version: "v1".into(),
            resource: "configmaps".into(),
        },
        group_version_kind: GroupVersionKind {
            group: String::new(),
            version: "v1".into(),
            kind: "ConfigMap".into(),
        },
        scope: Scope::Namespaced,
    };
    let (tx, mut dynamic) = mpsc::unbounded_channel();
    let run_dynamic = tokio::spawn(
        Controller::dynamic(&factory, &mapping)
            .field_selector(&FieldSelector::parse("metadata.name=b").expect("selector"))
            .run(
                |obj: Observed<Unstructured>, seen: Arc<Seen>| async move {
                    let name = obj.object().name().unwrap_or_default().to_owned();
                    let _ = seen.send((name, obj.is_gone(), String::new()));
                    Ok::<_, String>(Action::await_change())
                },
                |_, _, _| OnError::Backoff,
                Arc::new(tx),
            ),
    );
    assert_eq!(next(&mut dynamic).await.0, "b");
    cms.delete("b", &DeleteOptions::default())
        .await
        .expect("delete");
    assert_eq!(next(&mut dynamic).await, ("b".into(), true, String::new()));
    assert!(
        timeout(Duration::from_millis(300), dynamic.recv())
            .await
            .is_err()
    );
    run_compact.abort();
    run_dynamic.abort();
}
