//! A factory of several informers (two built-in kinds and a custom resource) under churn,
//! through two API server restarts: every watch is cut at once and every resume answers
//! 410, so every informer relists together. Each relist must wait the reflector's backoff
//! (as client-go's does), seen from the server's request log, and once the churn stops every
//! cache must equal the server's state.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use common::{client, serve_widgets, widgets_gvr};
use k8s_openapi::api::core::v1::Namespace;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kclient_cache::{BackoffConfig, Phase, ReflectorHealth, SharedInformerFactory};
use kclient_client::{ClientSet, Unstructured};
use kclient_core::{
    CreateOptions, DeleteOptions, GroupVersionResource, ListOptions, Object, Patch, PatchOptions,
};
use kclient_testserver::{LoggedRequest, TestServer};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::json;
use tokio::sync::{RwLock, watch};

const NS: &str = "default";
const NAMES: usize = 30;

/// Key → resourceVersion.
type State = BTreeMap<String, String>;

fn state_of<'a, K: Object + 'a>(objs: impl IntoIterator<Item = &'a K>) -> State {
    objs.into_iter()
        .map(|o| {
            let key = format!(
                "{}/{}",
                o.namespace().unwrap_or_default(),
                o.name().unwrap()
            );
            (key, o.resource_version().unwrap_or_default().to_owned())
        })
        .collect()
}

/// A resource the informers watch and the churn writes (all at version v1).
struct Churned {
    path: &'static str,
    group: &'static str,
    resource: &'static str,
    api_version: &'static str,
    kind: &'static str,
}

const CHURNED: [Churned; 3] = [
    Churned {
        path: "/api/v1/configmaps",
        group: "",
        resource: "configmaps",
        api_version: "v1",
        kind: "ConfigMap",
    },
    Churned {
        path: "/api/v1/secrets",
        group: "",
        resource: "secrets",
        api_version: "v1",
        kind: "Secret",
    },
    Churned {
        path: "/apis/example.com/v1/widgets",
        group: "example.com",
        resource: "widgets",
        api_version: "example.com/v1",
        kind: "Widget",
    },
];

/// One write of churned resource `which`: create, update (a label) or delete `name`.
async fn write(cs: &ClientSet, which: usize, name: &str, op: Op, n: usize) {
    let Churned {
        group,
        resource,
        api_version,
        kind,
        ..
    } = CHURNED[which];
    let gvr = GroupVersionResource::gvr(group, "v1", resource);
    let api = cs.dynamic().resource(&gvr).namespace(NS);
    let result = match op {
        Op::Create => {
            let obj: Unstructured = serde_json::from_value(json!({
                "apiVersion": api_version, "kind": kind,
                "metadata": {"name": name, "namespace": NS}
            }))
            .unwrap();
            api.create(&obj, &CreateOptions::default()).await.map(drop)
        }
        Op::Update => {
            let label = json!({"metadata": {"labels": {"n": n.to_string()}}});
            api.patch(name, &Patch::Merge(label), &PatchOptions::default(), None)
                .await
                .map(drop)
        }
        Op::Delete => api.delete(name, &DeleteOptions::default()).await.map(drop),
    };
    if let Err(err) = result {
        panic!("churn write {op:?} of {resource} {name} failed: {err}");
    }
}

#[derive(Clone, Copy, Debug)]
enum Op {
    Create,
    Update,
    Delete,
}

/// Writes to resource `which` until told to stop, each write under the gate's read side so
/// the test can hold the churn still for an instant.
async fn churn(cs: ClientSet, which: usize, gate: Arc<RwLock<()>>, stop: Arc<AtomicBool>) -> usize {
    let mut rng = StdRng::seed_from_u64(0x7265_7374 + which as u64);
    let mut present = BTreeSet::new();
    let mut writes = 0;
    while !stop.load(Ordering::SeqCst) {
        let i = rng.random_range(0..NAMES);
        let name = format!("obj-{i}");
        let op = if !present.contains(&i) {
            present.insert(i);
            Op::Create
        } else if rng.random_bool(0.7) {
            Op::Update
        } else {
            present.remove(&i);
            Op::Delete
        };
        let _held = gate.read().await;
        write(&cs, which, &name, op, writes).await;
        writes += 1;
    }
    writes
}

/// Holds the churn still, writes an object no informer watches (so every informer's last
/// resourceVersion is older than the restart's), then restarts the API server.
async fn restart(server: &TestServer, cs: &ClientSet, gate: &RwLock<()>, n: usize) {
    let _still = gate.write().await;
    let ns = Namespace {
        metadata: ObjectMeta {
            name: Some(format!("restart-{n}")),
            ..Default::default()
        },
        ..Default::default()
    };
    cs.core_v1()
        .namespaces()
        .create(&ns, &CreateOptions::default())
        .await
        .unwrap();
    server.faults().restart_api_server();
}

/// Waits until every informer has built its initial state `lists` times and watches again.
async fn relisted(healths: &mut [watch::Receiver<ReflectorHealth>], lists: u64) {
    for health in healths.iter_mut() {
        let waited = tokio::time::timeout(
            Duration::from_secs(20),
            health.wait_for(|h| h.lists >= lists && h.phase == Phase::Watching),
        )
        .await
        .map(|h| h.is_ok());
        assert_eq!(
            waited,
            Ok(true),
            "no relist {lists}: {:?}",
            *health.borrow()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn informers_relist_after_backoff_and_converge_through_two_api_server_restarts() {
    let server = TestServer::start().await.unwrap();
    let rc = client(&server);
    let cs = ClientSet::from_client(rc.clone());
    serve_widgets(&cs).await;
    let requests = server.requests();
    requests.start();

    let factory = SharedInformerFactory::new(rc.clone());
    let configmaps = factory.core_v1().config_maps().informer();
    let secrets = factory.core_v1().secrets().informer();
    let widgets = factory.dynamic().for_resource(&widgets_gvr()).informer();
    factory.start().unwrap();
    assert!(factory.wait_for_cache_sync().await.all_synced());
    let mut healths = vec![
        configmaps.health().unwrap(),
        secrets.health().unwrap(),
        widgets.health().unwrap(),
    ];

    let gate = Arc::new(RwLock::new(()));
    let stop = Arc::new(AtomicBool::new(false));
    let writers: Vec<_> = (0..3)
        .map(|which| tokio::spawn(churn(cs.clone(), which, gate.clone(), stop.clone())))
        .collect();
    tokio::time::sleep(Duration::from_millis(200)).await;
    restart(&server, &cs, &gate, 1).await;
    relisted(&mut healths, 2).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    restart(&server, &cs, &gate, 2).await;
    relisted(&mut healths, 3).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    stop.store(true, Ordering::SeqCst);
    let mut writes = 0;
    for writer in writers {
        writes += writer.await.unwrap();
    }
    assert!(writes > 100, "only {writes} writes of churn");

    // The informers' requests are all in; the lists below are the test's own.
    requests.stop();
    // Every cache converges to the server's state (a fresh list across namespaces): keys
    // and resourceVersions.
    let all = ListOptions::default();
    let mut want = Vec::new();
    for Churned {
        group, resource, ..
    } in CHURNED
    {
        let gvr = GroupVersionResource::gvr(group, "v1", resource);
        let list = cs.dynamic().resource(&gvr).list_all(&all).await.unwrap();
        want.push(state_of(&list.items));
    }
    let cached = || {
        vec![
            state_of(configmaps.indexer().list().iter().map(Arc::as_ref)),
            state_of(secrets.indexer().list().iter().map(Arc::as_ref)),
            state_of(widgets.indexer().list().iter().map(Arc::as_ref)),
        ]
    };
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while cached() != want {
        assert!(
            tokio::time::Instant::now() < deadline,
            "never converged: cached sizes {:?}, server sizes {:?}",
            cached().iter().map(State::len).collect::<Vec<_>>(),
            want.iter().map(State::len).collect::<Vec<_>>()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(want.iter().all(|s| !s.is_empty()));

    // Seen from the server: per informer, the initial read and one relist per restart, and
    // every relist came after the watch resume that got 410, later by at least the
    // reflector's first backoff step.
    let min_wait = BackoffConfig::default().initial;
    for Churned { path, .. } in CHURNED {
        let log: Vec<LoggedRequest> = requests.requests_to(path);
        let relists: Vec<usize> = (0..log.len())
            .filter(|&i| log[i].is_initial_state())
            .collect();
        assert_eq!(relists.len(), 3, "{path}: {log:#?}");
        for &i in &relists[1..] {
            let resume = &log[i - 1];
            assert!(
                resume.is_watch()
                    && !resume.is_initial_state()
                    && resume.param("resourceVersion").is_some(),
                "{path}: a relist follows a watch resume: {resume:?}"
            );
            let waited = log[i].at - resume.at;
            assert!(
                waited >= min_wait,
                "{path}: relisted {waited:?} after the 410, sooner than the backoff ({min_wait:?})"
            );
        }
    }
    for health in &healths {
        let h = health.borrow();
        assert!(
            h.is_healthy() && h.last_error.is_none(),
            "410 is no error: {h:?}"
        );
    }
    factory.shutdown().await;
}
