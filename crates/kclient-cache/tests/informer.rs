//! A SharedIndexInformer against kclient-testserver: what handlers are told, replayed into
//! a map, must equal the server's state after churn, dropped watches and 410 relists — and
//! so must the informer's own cache.

mod common;

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::*;
use k8s_openapi::api::core::v1::ConfigMap;
use kclient_cache::{
    HandlerFuncs, Indexer, Reflector, ReflectorConfig, RestListerWatcher, SharedIndexInformer,
    label_index_func,
};
use kclient_testserver::TestServer;

type View = Arc<Mutex<BTreeMap<String, (String, String)>>>;

/// A handler that rebuilds the collection purely from notifications.
fn mirror(view: &View) -> HandlerFuncs<ConfigMap> {
    let (a, u, d) = (view.clone(), view.clone(), view.clone());
    HandlerFuncs::new()
        .on_add(move |o: &Arc<ConfigMap>, _| {
            let (k, v) = summary(o);
            assert!(
                a.lock().unwrap().insert(k.clone(), v).is_none(),
                "double add of {k}"
            );
        })
        .on_update(move |_, new| {
            let (k, v) = summary(new);
            assert!(
                u.lock().unwrap().insert(k.clone(), v).is_some(),
                "update of unknown {k}"
            );
        })
        .on_delete(move |o| {
            let (k, _) = summary(o.object());
            assert!(
                d.lock().unwrap().remove(&k).is_some(),
                "delete of unknown {k}"
            );
        })
}

async fn wait_view(client: &kclient_rest::RestClient, view: &View) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let want = server_state(client).await;
        let got = view.lock().unwrap().clone();
        if got == want {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "handler view never converged:\n got {got:?}\nwant {want:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn handlers_mirror_the_server_through_drops_and_relists() {
    let server = TestServer::start().await.expect("server");
    let client = client(&server);
    for i in 0..10 {
        create(&client, &cm(&format!("cm-{i:02}"), "0", &[("app", "a")])).await;
    }
    server.faults().set_watch_drop_after(Some(3));
    let lw = Gated::new(RestListerWatcher::<ConfigMap>::new(client.clone()).namespace(NS));
    let config = ReflectorConfig {
        page_size: 4,
        min_watch_timeout: Duration::from_secs(1),
        backoff: quick_backoff(),
        ..Reflector::<ConfigMap, RestListerWatcher<ConfigMap>, Indexer<ConfigMap>>::default_config()
    };
    let informer = SharedIndexInformer::new(lw.clone(), config);
    informer
        .add_indexers([("app", label_index_func::<ConfigMap>("app"))])
        .unwrap();
    let early = View::default();
    let early_reg = informer.add_event_handler(mirror(&early)).unwrap();
    let run = tokio::spawn({
        let informer = informer.clone();
        async move { informer.run().await }
    });
    assert!(informer.wait_for_cache_sync().await);
    wait_view(&client, &early).await;
    assert!(early_reg.has_synced());

    let late = View::default();
    let mut late_reg = None;
    let mut next = 10;
    for round in 0..3 {
        for i in 0..4 {
            create(&client, &cm(&format!("cm-{next:02}"), "0", &[("app", "b")])).await;
            next += 1;
            update(
                &client,
                &format!("cm-{:02}", round * 3 + i + 1),
                &format!("r{round}"),
            )
            .await;
        }
        delete(&client, &format!("cm-{:02}", round * 3)).await;
        if round == 1 {
            late_reg = Some(informer.add_event_handler(mirror(&late)).unwrap());
        }
        // Missed changes while the next watch is held back, then compaction: 410, relist.
        lw.open.send_replace(false);
        while lw.waiting.load(Ordering::SeqCst) == 0 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        delete(&client, &format!("cm-{:02}", next - 1)).await;
        update(&client, &format!("cm-{:02}", next - 2), "missed").await;
        bump_other_resource(&client, round).await;
        server.faults().compact_history();
        lw.open.send_replace(true);
        wait_view(&client, &early).await;
    }
    wait_view(&client, &late).await;
    assert!(late_reg.unwrap().has_synced());
    assert_eq!(cache_state(informer.indexer()), server_state(&client).await);
    let health = informer.health().unwrap().borrow().clone();
    assert!(health.lists >= 4, "{health:?}");
    let b = informer.indexer().by_index("app", "b").unwrap();
    assert_eq!(
        b.len(),
        12 - 3,
        "12 created with app=b, 3 deleted while missed"
    );
    run.abort();
    server.shutdown().await;
}
