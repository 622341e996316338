//! Churn through a factory informer: thousands of creates, updates and deletes interleaved
//! with forced watch drops and history compaction (so watches resume, and relist on 410).
//! Afterwards the lister must equal a fresh list from the server, and every handler must
//! have seen a consistent sequence: no update before add, nothing after delete, versions
//! never going back, and a final view equal to the server's.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use k8s_openapi::api::core::v1::ConfigMap;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kclient_cache::{HandlerFuncs, SharedInformerFactory, meta_namespace_key};
use kclient_client::ClientSet;
use kclient_core::Object;
use kclient_core::{CreateOptions, DeleteOptions, LabelSelector, ListOptions, Patch, PatchOptions};
use kclient_rest::RestClient;

use common::eventually;
use kclient_testserver::TestServer;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::json;

const NS: &str = "default";
const WATCH_PATH: &str = "/api/v1/configmaps";
const NAMES: usize = 150;
const OPS: usize = 3000;
/// Fewer than the watch-drop threshold, so the initial watch-list completes.
const INITIAL: usize = 20;

type State = BTreeMap<String, u64>;

fn rv_of<K: Object>(o: &K) -> u64 {
    o.resource_version()
        .and_then(|rv| rv.parse().ok())
        .unwrap_or(0)
}

/// What one handler was told, replayed; any inconsistency is recorded (a panic on the
/// handler's thread would go unnoticed by the test).
#[derive(Default)]
struct Replay {
    view: State,
    violations: Vec<String>,
    events: usize,
}

fn checking_handler(replay: &Arc<Mutex<Replay>>) -> HandlerFuncs<ConfigMap> {
    let (a, u, d) = (replay.clone(), replay.clone(), replay.clone());
    HandlerFuncs::new()
        .on_add(move |o: &Arc<ConfigMap>, _| {
            let mut r = a.lock().unwrap();
            r.events += 1;
            let key = meta_namespace_key(o.as_ref()).unwrap();
            if let Some(prev) = r.view.insert(key.clone(), rv_of(o.as_ref())) {
                r.violations
                    .push(format!("add of {key} already present at rv {prev}"));
            }
        })
        .on_update(move |old, new| {
            let mut r = u.lock().unwrap();
            r.events += 1;
            let key = meta_namespace_key(new.as_ref()).unwrap();
            let (old_rv, new_rv) = (rv_of(old.as_ref()), rv_of(new.as_ref()));
            match r.view.get(&key).copied() {
                None => r
                    .violations
                    .push(format!("update of {key} before add / after delete")),
                Some(seen) if seen != old_rv => r.violations.push(format!(
                    "update of {key}: old rv {old_rv} but last seen {seen}"
                )),
                Some(_) if new_rv < old_rv => r.violations.push(format!(
                    "update of {key} went back from {old_rv} to {new_rv}"
                )),
                Some(_) => {}
            }
            r.view.insert(key, new_rv);
        })
        .on_delete(move |o| {
            let mut r = d.lock().unwrap();
            r.events += 1;
            let key = meta_namespace_key(o.object().as_ref()).unwrap();
            if r.view.remove(&key).is_none() {
                r.violations.push(format!("delete of unknown {key}"));
            }
        })
}

async fn server_state(cs: &ClientSet) -> State {
    let list = cs
        .core_v1()
        .config_maps(NS)
        .list(&ListOptions::default())
        .await
        .expect("list");
    list.items
        .iter()
        .map(|o| (meta_namespace_key(o).unwrap(), rv_of(o)))
        .collect()
}

fn cm(name: &str, value: usize) -> ConfigMap {
    ConfigMap {
        metadata: ObjectMeta {
            name: Some(name.to_owned()),
            namespace: Some(NS.to_owned()),
            labels: Some([("churn".to_owned(), "yes".to_owned())].into()),
            ..Default::default()
        },
        data: Some([("v".to_owned(), value.to_string())].into()),
        ..Default::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lister_and_handlers_stay_consistent_through_churn_drops_and_compaction() {
    let server = TestServer::start().await.unwrap();
    let rc = RestClient::builder(server.config())
        .without_rate_limit()
        .build()
        .unwrap();
    let cs = ClientSet::from_client(rc.clone());
    let api = cs.core_v1().config_maps(NS);
    for i in 0..INITIAL {
        api.create(&cm(&format!("cm-{i}"), 0), &CreateOptions::default())
            .await
            .unwrap();
    }

    // Every watch (the initial watch-list included) ends after 41 events.
    server.faults().set_watch_drop_after(Some(41));
    // All namespaces: the informer's requests go to /api/v1/configmaps, which the test can
    // fail without failing its own writes under /api/v1/namespaces/default/.
    let factory = SharedInformerFactory::new(rc);
    let informer = factory.core_v1().config_maps().informer();
    let lister = factory.core_v1().config_maps().lister();
    let early = Arc::new(Mutex::new(Replay::default()));
    informer
        .add_event_handler(checking_handler(&early))
        .unwrap();
    factory.start().unwrap();
    assert!(factory.wait_for_cache_sync().await.all_synced());
    // A handler that joins late starts from the cache's contents.
    let late = Arc::new(Mutex::new(Replay::default()));
    informer.add_event_handler(checking_handler(&late)).unwrap();

    let mut rng = StdRng::seed_from_u64(0x6b63_6163_6865);
    let mut present: BTreeSet<usize> = (0..INITIAL).collect();
    let (mut creates, mut updates, mut deletes) = (0usize, 0usize, 0usize);
    for op in 0..OPS {
        let i = rng.random_range(0..NAMES);
        let name = format!("cm-{i}");
        if !present.contains(&i) {
            api.create(&cm(&name, op), &CreateOptions::default())
                .await
                .unwrap();
            present.insert(i);
            creates += 1;
        } else if rng.random_bool(0.7) {
            api.patch(
                &name,
                &Patch::Merge(json!({"data": {"v": op.to_string()}})),
                &PatchOptions::default(),
            )
            .await
            .unwrap();
            updates += 1;
        } else {
            api.delete(&name, &DeleteOptions::default()).await.unwrap();
            present.remove(&i);
            deletes += 1;
        }
        // Every 600 operations: hold the reflector off for 100 writes (its watch drops and
        // its reconnect is answered 503, which the client's retry layer keeps retrying),
        // compact the history past its resourceVersion, then let it back: it must relist on
        // 410 Gone. The churn waits for the handlers to catch up before going on, so what a
        // relist folds together is those 100 writes, not however many a fast machine makes
        // while the reflector waits out its backoff (the count of events below relies on it).
        match op % 600 {
            0 => server.faults().fail_path_prefix(WATCH_PATH, 503),
            100 => {
                server.faults().compact_history();
                server.faults().clear_path_faults();
                let want = server_state(&cs).await;
                eventually("the handlers caught up after the relist", || {
                    early.lock().unwrap().view == want
                })
                .await;
            }
            _ => {}
        }
    }
    assert!(creates > 500 && updates > 500 && deletes > 500);
    server.faults().clear();
    server.faults().clear_path_faults();

    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    let want = server_state(&cs).await;
    loop {
        let cached: State = lister
            .list(&LabelSelector::everything())
            .iter()
            .map(|o| (meta_namespace_key(o.as_ref()).unwrap(), rv_of(o.as_ref())))
            .collect();
        let views_match = early.lock().unwrap().view == want && late.lock().unwrap().view == want;
        if cached == want && views_match {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "never converged: cache has {} objects, server {}",
            cached.len(),
            want.len()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(want.len(), present.len());
    for (who, replay) in [("early", &early), ("late", &late)] {
        let r = replay.lock().unwrap();
        assert!(
            r.violations.is_empty(),
            "{who} handler saw: {:?}",
            r.violations
        );
        assert!(
            r.events >= creates,
            "{who} handler saw only {} events",
            r.events
        );
    }

    let status = factory
        .status(&kclient_core::GroupVersionResource::gvr(
            "",
            "v1",
            "configmaps",
        ))
        .unwrap();
    let health = status.health.clone().unwrap();
    assert!(
        status.watches > 10,
        "the watch was dropped and resumed: {status:?}"
    );
    assert!(health.lists >= 2, "compaction forced relists: {health:?}");
    factory.shutdown().await;
}
