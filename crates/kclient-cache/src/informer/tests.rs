use std::sync::Mutex as StdMutex;
use std::time::Duration;

use futures::StreamExt;
use futures::future::BoxFuture;
use k8s_openapi::api::core::v1::ConfigMap;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Status};
use kclient_core::{ListOptions, WatchEvent};

use super::*;
use crate::lister_watcher::WatchStream;
use crate::reflector::stop_on_persistent_errors;
use kclient_core::ObjectList;

fn cm(name: &str, rv: u64) -> ConfigMap {
    ConfigMap {
        metadata: ObjectMeta {
            name: Some(name.to_owned()),
            namespace: Some("ns".to_owned()),
            resource_version: Some(rv.to_string()),
            annotations: Some([("big".to_owned(), "x".repeat(64))].into()),
            ..Default::default()
        },
        ..Default::default()
    }
}

/// Lists a fixed page, then streams whatever the test sends.
struct Feed {
    list: StdMutex<Option<Result<ObjectList<ConfigMap>, kclient_rest::Error>>>,
    events: StdMutex<Option<mpsc::UnboundedReceiver<WatchEvent<ConfigMap>>>>,
}

fn feed(items: Vec<ConfigMap>) -> (Feed, mpsc::UnboundedSender<WatchEvent<ConfigMap>>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let page = ObjectList::page(items, Some("10".into()), None);
    (
        Feed {
            list: StdMutex::new(Some(Ok(page))),
            events: StdMutex::new(Some(rx)),
        },
        tx,
    )
}

impl ListerWatcher<ConfigMap> for Feed {
    fn list(
        &self,
        _: &ListOptions,
    ) -> BoxFuture<'_, Result<ObjectList<ConfigMap>, kclient_rest::Error>> {
        let reply = self.list.lock().unwrap().take();
        Box::pin(async move {
            reply.unwrap_or_else(|| {
                Err(kclient_rest::Error::Api(Box::new(Status {
                    code: Some(500),
                    ..Default::default()
                })))
            })
        })
    }

    fn watch(
        &self,
        _: &ListOptions,
    ) -> BoxFuture<'_, Result<WatchStream<ConfigMap>, kclient_rest::Error>> {
        let rx = self.events.lock().unwrap().take();
        Box::pin(async move {
            Ok(match rx {
                Some(rx) => futures::stream::unfold(rx, |mut rx| async move {
                    rx.recv().await.map(|e| (Ok(e), rx))
                })
                .boxed(),
                None => futures::stream::pending().boxed(),
            })
        })
    }
}

fn config() -> ReflectorConfig {
    ReflectorConfig {
        use_watch_list: false,
        ..Reflector::<ConfigMap, Feed, DeltaFifo<ConfigMap>>::default_config()
    }
}

type Log = Arc<StdMutex<Vec<String>>>;

fn recorder(log: &Log) -> HandlerFuncs<ConfigMap> {
    let (a, u, d) = (log.clone(), log.clone(), log.clone());
    let name = |o: &ConfigMap| o.metadata.name.clone().unwrap_or_default();
    HandlerFuncs::new()
        .on_add(move |o, initial| a.lock().unwrap().push(format!("add {} {initial}", name(o))))
        .on_update(move |old, new| {
            let rvs = |o: &ConfigMap| o.metadata.resource_version.clone().unwrap_or_default();
            u.lock()
                .unwrap()
                .push(format!("update {} {}->{}", name(new), rvs(old), rvs(new)));
        })
        .on_delete(move |o| {
            let kind = if o.is_tombstone() {
                "tombstone"
            } else {
                "deleted"
            };
            d.lock()
                .unwrap()
                .push(format!("delete {} {kind}", name(o.object())));
        })
}

/// Handlers run on their own threads, so waiting for them is measured in wall-clock time
/// even when the tokio clock is paused.
async fn eventually(what: &str, mut f: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while !f() {
        assert!(
            std::time::Instant::now() < deadline,
            "never happened: {what}"
        );
        tokio::task::yield_now().await;
        std::thread::sleep(Duration::from_micros(200));
    }
}

fn sorted(log: &Log) -> Vec<String> {
    let mut v = log.lock().unwrap().clone();
    v.sort();
    v
}

#[tokio::test(start_paused = true)]
async fn early_and_late_handlers_see_every_change_once() {
    let (lw, tx) = feed(vec![cm("a", 1), cm("b", 2)]);
    let informer = SharedIndexInformer::new(lw, config());
    let early: Log = Log::default();
    let reg1 = informer.add_event_handler(recorder(&early)).unwrap();
    assert!(!reg1.has_synced());
    let run = tokio::spawn({
        let informer = informer.clone();
        async move { informer.run().await }
    });
    assert!(informer.wait_for_cache_sync().await);
    assert!(informer.has_synced());
    eventually("early handler synced", || reg1.has_synced()).await;
    assert_eq!(sorted(&early), ["add a true", "add b true"]);

    tx.send(WatchEvent::Added(cm("c", 11))).unwrap();
    eventually("c cached", || {
        informer.indexer().get_by_key("ns/c").is_some()
    })
    .await;
    let late: Log = Log::default();
    let reg2 = informer.add_event_handler(recorder(&late)).unwrap();
    eventually("late handler synced", || reg2.has_synced()).await;
    assert_eq!(sorted(&late), ["add a true", "add b true", "add c true"]);

    tx.send(WatchEvent::Modified(cm("a", 12))).unwrap();
    tx.send(WatchEvent::Deleted(cm("b", 13))).unwrap();
    eventually("late handler saw the delete", || {
        late.lock().unwrap().len() == 5
    })
    .await;
    eventually("early handler saw the delete", || {
        early.lock().unwrap().len() == 5
    })
    .await;
    assert_eq!(
        early.lock().unwrap()[2..],
        ["add c false", "update a 1->12", "delete b deleted"]
    );
    assert_eq!(
        late.lock().unwrap()[3..],
        ["update a 1->12", "delete b deleted"]
    );

    informer.remove_event_handler(&reg2);
    tx.send(WatchEvent::Added(cm("d", 14))).unwrap();
    eventually("early handler saw d", || early.lock().unwrap().len() == 6).await;
    assert_eq!(
        late.lock().unwrap().len(),
        5,
        "removed handler gets nothing more"
    );
    assert!(matches!(
        informer.run().await,
        Err(InformerError::AlreadyStarted)
    ));
    assert!(matches!(
        informer.set_transform(Arc::new(|o| o)),
        Err(InformerError::AlreadyStarted)
    ));
    run.abort();
}

#[tokio::test]
async fn a_slow_handler_does_not_hold_up_the_cache_or_other_handlers() {
    let (lw, tx) = feed(vec![]);
    let informer = SharedIndexInformer::new(lw, config());
    let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
    let release_rx = StdMutex::new(release_rx);
    let slow_seen: Log = Log::default();
    let slow = {
        let seen = slow_seen.clone();
        HandlerFuncs::new().on_add(move |o: &Arc<ConfigMap>, _| {
            // Blocks its own thread until the test lets go.
            release_rx.lock().unwrap().recv().unwrap();
            seen.lock()
                .unwrap()
                .push(o.metadata.name.clone().unwrap_or_default());
        })
    };
    informer.add_event_handler(slow).unwrap();
    let fast: Log = Log::default();
    informer.add_event_handler(recorder(&fast)).unwrap();
    let run = tokio::spawn({
        let informer = informer.clone();
        async move { informer.run().await }
    });
    assert!(
        informer.wait_for_cache_sync().await,
        "empty initial list syncs"
    );
    for i in 0..100 {
        tx.send(WatchEvent::Added(cm(&format!("o{i:03}"), 20 + i)))
            .unwrap();
    }
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while fast.lock().unwrap().len() < 100 {
        assert!(std::time::Instant::now() < deadline, "fast handler starved");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(informer.indexer().len(), 100);
    assert!(slow_seen.lock().unwrap().is_empty());
    for _ in 0..100 {
        release_tx.send(()).unwrap();
    }
    while slow_seen.lock().unwrap().len() < 100 {
        assert!(
            std::time::Instant::now() < deadline,
            "slow handler never caught up"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let want: Vec<String> = (0..100).map(|i| format!("o{i:03}")).collect();
    assert_eq!(*slow_seen.lock().unwrap(), want, "in order, nothing lost");
    run.abort();
}

#[tokio::test(start_paused = true)]
async fn transform_resync_and_tombstones() {
    let (lw, _tx) = feed(vec![cm("a", 1)]);
    let informer = SharedIndexInformer::new(
        lw,
        ReflectorConfig {
            resync_period: Some(Duration::from_secs(60)),
            ..config()
        },
    );
    informer
        .set_transform(Arc::new(|mut o: ConfigMap| {
            o.metadata.annotations = None;
            o
        }))
        .unwrap();
    let log: Log = Log::default();
    informer.add_event_handler(recorder(&log)).unwrap();
    let run = tokio::spawn({
        let informer = informer.clone();
        async move { informer.run().await }
    });
    assert!(informer.wait_for_cache_sync().await);
    let a = informer.indexer().get_by_key("ns/a").unwrap();
    assert!(
        a.metadata.annotations.is_none(),
        "transformed before storing"
    );
    tokio::time::sleep(Duration::from_secs(61)).await;
    eventually("resync delivered", || log.lock().unwrap().len() == 2).await;
    assert_eq!(log.lock().unwrap()[1], "update a 1->1");
    // A relist that misses "a" (e.g. after 410) yields a tombstone.
    informer.inner.fifo.replace(vec![]).unwrap();
    eventually("tombstone delivered", || log.lock().unwrap().len() == 3).await;
    assert_eq!(log.lock().unwrap()[2], "delete a tombstone");
    assert!(informer.indexer().is_empty());
    run.abort();
}

#[tokio::test(start_paused = true)]
async fn an_informer_that_stops_before_syncing_reports_it() {
    let (lw, _tx) = feed(vec![]);
    *lw.list.lock().unwrap() = Some(Err(kclient_rest::Error::Api(Box::new(Status {
        code: Some(403),
        reason: Some("Forbidden".into()),
        ..Default::default()
    }))));
    let informer = SharedIndexInformer::new(lw, config());
    informer
        .set_error_handler(stop_on_persistent_errors())
        .unwrap();
    let waiter = tokio::spawn({
        let informer = informer.clone();
        async move { informer.wait_for_cache_sync().await }
    });
    let err = informer.run().await.unwrap_err();
    assert!(
        matches!(&err, InformerError::Reflector(e) if e.is_forbidden()),
        "{err}"
    );
    assert!(!waiter.await.unwrap());
    assert!(informer.health().unwrap().borrow().last_error.is_some());
}

/// A cache that stopped following the server (its error handler stopped it on a 404) no
/// longer claims to be synced; the objects it holds are still there to inspect.
#[tokio::test(start_paused = true)]
async fn an_informer_stopped_after_syncing_no_longer_claims_synced() {
    let (lw, tx) = feed(vec![cm("a", 1)]);
    let informer = SharedIndexInformer::new(lw, config());
    informer
        .set_error_handler(stop_on_persistent_errors())
        .unwrap();
    let run = tokio::spawn({
        let informer = informer.clone();
        async move { informer.run().await }
    });
    assert!(informer.wait_for_cache_sync().await);
    assert!(informer.has_synced());
    tx.send(WatchEvent::Error(Status {
        code: Some(404),
        reason: Some("NotFound".into()),
        ..Default::default()
    }))
    .unwrap();
    let err = run.await.unwrap().unwrap_err();
    assert!(
        matches!(&err, InformerError::Reflector(e) if e.is_not_found()),
        "{err}"
    );
    assert!(!informer.has_synced());
    assert!(!informer.wait_for_cache_sync().await);
    let health = informer.health().unwrap().borrow().clone();
    assert!(health.not_served && !health.is_healthy());
    assert_eq!(informer.indexer().len(), 1);
}

#[test]
fn handlers_can_be_registered_before_any_runtime_exists() {
    let (lw, tx) = feed(vec![cm("a", 1)]);
    let informer = SharedIndexInformer::new(lw, config());
    let log: Log = Log::default();
    informer.add_event_handler(recorder(&log)).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let run = tokio::spawn({
            let informer = informer.clone();
            async move { informer.run().await }
        });
        assert!(informer.wait_for_cache_sync().await);
        tx.send(WatchEvent::Deleted(cm("a", 2))).unwrap();
        eventually("delete delivered", || log.lock().unwrap().len() == 2).await;
        run.abort();
    });
    assert_eq!(*log.lock().unwrap(), ["add a true", "delete a deleted"]);
}

fn resyncs(log: &Log) -> usize {
    log.lock()
        .unwrap()
        .iter()
        .filter(|l| l.starts_with("update"))
        .count()
}

#[tokio::test(start_paused = true)]
async fn each_handler_resyncs_on_its_own_period() {
    let (lw, _tx) = feed(vec![cm("a", 1)]);
    let informer = SharedIndexInformer::new(
        lw,
        ReflectorConfig {
            resync_period: Some(Duration::from_secs(30)),
            ..config()
        },
    );
    let (fast, default, never, tiny) = (
        Log::default(),
        Log::default(),
        Log::default(),
        Log::default(),
    );
    informer
        .add_event_handler_with_resync(recorder(&fast), Some(Duration::from_secs(10)))
        .unwrap();
    informer.add_event_handler(recorder(&default)).unwrap();
    informer
        .add_event_handler_with_resync(recorder(&never), None)
        .unwrap();
    let run = tokio::spawn({
        let informer = informer.clone();
        async move { informer.run().await }
    });
    assert!(informer.wait_for_cache_sync().await);
    // Added after the start: cannot resync faster than the informer checks (10 s).
    informer
        .add_event_handler_with_resync(recorder(&tiny), Some(Duration::from_millis(1)))
        .unwrap();
    eventually("catch-up add", || tiny.lock().unwrap().len() == 1).await;

    for _ in 0..7 {
        tokio::time::sleep(Duration::from_secs(10)).await;
        tokio::task::yield_now().await;
    }
    // 70 s: the 10 s handler resynced about 7 times, the 30 s one twice, the other never.
    eventually("fast handler resyncs", || resyncs(&fast) >= 6).await;
    eventually("default handler resyncs", || resyncs(&default) >= 2).await;
    std::thread::sleep(Duration::from_millis(50));
    assert!(resyncs(&fast) <= 7, "{:?}", fast.lock().unwrap());
    assert!(resyncs(&default) <= 2, "{:?}", default.lock().unwrap());
    assert_eq!(resyncs(&never), 0, "{:?}", never.lock().unwrap());
    let tiny_resyncs = resyncs(&tiny);
    assert!(
        (5..=7).contains(&tiny_resyncs),
        "raised to the 10 s check period: {:?}",
        tiny.lock().unwrap()
    );
    assert_eq!(fast.lock().unwrap()[1], "update a 1->1");
    run.abort();
}

/// Handlers can hand work to async code: `tokio::spawn` and `Handle::current()` work on a
/// handler's thread, whether the handler was added inside the runtime or outside any.
#[test]
fn handlers_run_inside_the_informers_runtime() {
    let (lw, _tx) = feed(vec![cm("a", 1)]);
    let informer = SharedIndexInformer::new(lw, config());
    let (spawned_tx, mut spawned_rx) = mpsc::unbounded_channel::<String>();
    let handler_for = |tag: &'static str| {
        let spawned = spawned_tx.clone();
        HandlerFuncs::<ConfigMap>::new().on_add(move |obj, _| {
            let name = obj.metadata.name.clone().unwrap_or_default();
            let spawned = spawned.clone();
            // Panics outside a runtime: the test fails through the missing message.
            let _ = tokio::runtime::Handle::current();
            tokio::spawn(async move {
                tokio::task::yield_now().await;
                let _ = spawned.send(format!("{tag} {name}"));
            });
        })
    };
    // Added before any runtime exists: the thread finds the informer's runtime.
    informer.add_event_handler(handler_for("outside")).unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let seen = runtime.block_on(async {
        informer.add_event_handler(handler_for("inside")).unwrap();
        let running = tokio::spawn({
            let informer = informer.clone();
            async move { informer.run().await }
        });
        let mut seen = Vec::new();
        while seen.len() < 2 {
            let next = tokio::time::timeout(Duration::from_secs(20), spawned_rx.recv()).await;
            seen.push(next.expect("a spawned task ran").expect("sender alive"));
        }
        running.abort();
        seen.sort();
        seen
    });
    assert_eq!(seen, ["inside a", "outside a"]);
}
