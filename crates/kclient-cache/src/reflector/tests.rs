//! Reflector behaviour against a scripted [`ListerWatcher`], on a paused clock.

use std::collections::VecDeque;
use std::sync::Mutex;

use futures::future::BoxFuture;
use futures::stream;
use k8s_openapi::api::core::v1::ConfigMap;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Status};
use kclient_core::Bookmark;

use super::*;
use crate::fifo::{DeltaFifo, ProcessError};
use crate::store::Indexer;
use crate::{DeltaType, apply_deltas};
use kclient_core::ObjectList;

fn cm(name: &str, rv: u64) -> ConfigMap {
    ConfigMap {
        metadata: ObjectMeta {
            name: Some(name.to_owned()),
            namespace: Some("ns".to_owned()),
            resource_version: Some(rv.to_string()),
            ..Default::default()
        },
        ..Default::default()
    }
}

fn status(code: i32, reason: &str) -> Status {
    Status {
        status: Some("Failure".into()),
        code: Some(code),
        reason: Some(reason.into()),
        message: Some(format!("{reason} ({code})")),
        ..Default::default()
    }
}

fn api_err(code: i32, reason: &str) -> kclient_rest::Error {
    kclient_rest::Error::Api(Box::new(status(code, reason)))
}

fn page(items: Vec<ConfigMap>, rv: &str, cont: Option<&str>) -> ObjectList<ConfigMap> {
    ObjectList::page(items, Some(rv.into()), cont.map(Into::into))
}

type Events = Vec<Result<WatchEvent<ConfigMap>, kclient_rest::Error>>;

enum WatchReply {
    /// The events, then the stream ends.
    Ends(Events),
    /// The events, then the stream stays open.
    Hangs(Events),
    /// Nothing for this long, then the events, then the stream ends.
    After(Duration, Events),
    Fails(kclient_rest::Error),
}

#[derive(Clone, Debug, PartialEq)]
enum Call {
    List(ListOptions),
    Watch(ListOptions),
}

#[derive(Default)]
struct Script {
    lists: Mutex<VecDeque<Result<ObjectList<ConfigMap>, kclient_rest::Error>>>,
    watches: Mutex<VecDeque<WatchReply>>,
    calls: Mutex<Vec<(Instant, Call)>>,
}

#[derive(Clone, Default)]
struct Fake(Arc<Script>);

impl Fake {
    fn list(self, reply: Result<ObjectList<ConfigMap>, kclient_rest::Error>) -> Self {
        self.0.lists.lock().unwrap().push_back(reply);
        self
    }

    fn watch(self, reply: WatchReply) -> Self {
        self.0.watches.lock().unwrap().push_back(reply);
        self
    }

    fn calls(&self) -> Vec<(Instant, Call)> {
        self.0.calls.lock().unwrap().clone()
    }
}

impl ListerWatcher<ConfigMap> for Fake {
    fn list(
        &self,
        options: &ListOptions,
    ) -> BoxFuture<'_, Result<ObjectList<ConfigMap>, kclient_rest::Error>> {
        self.0
            .calls
            .lock()
            .unwrap()
            .push((Instant::now(), Call::List(options.clone())));
        let reply = self.0.lists.lock().unwrap().pop_front();
        Box::pin(async move { reply.unwrap_or_else(|| Err(api_err(500, "InternalError"))) })
    }

    fn watch(
        &self,
        options: &ListOptions,
    ) -> BoxFuture<'_, Result<WatchStream<ConfigMap>, kclient_rest::Error>> {
        self.0
            .calls
            .lock()
            .unwrap()
            .push((Instant::now(), Call::Watch(options.clone())));
        let reply = self.0.watches.lock().unwrap().pop_front();
        Box::pin(async move {
            match reply {
                Some(WatchReply::Ends(events)) => Ok(stream::iter(events).boxed()),
                Some(WatchReply::Hangs(events)) => {
                    Ok(stream::iter(events).chain(stream::pending()).boxed())
                }
                Some(WatchReply::After(quiet, events)) => {
                    let quiet = stream::once(tokio::time::sleep(quiet))
                        .filter_map(|()| async { None::<Result<WatchEvent<ConfigMap>, _>> });
                    Ok(quiet.chain(stream::iter(events)).boxed())
                }
                // Script exhausted: a quiet watch that never ends.
                None => Ok(stream::pending().boxed()),
                Some(WatchReply::Fails(err)) => Err(err),
            }
        })
    }
}

fn list_watch_config() -> ReflectorConfig {
    ReflectorConfig {
        use_watch_list: false,
        ..Reflector::<ConfigMap, Fake, Indexer<ConfigMap>>::default_config()
    }
}

fn rvs(store: &Indexer<ConfigMap>) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = store
        .list()
        .iter()
        .map(|o| {
            (
                o.metadata.name.clone().unwrap(),
                o.metadata.resource_version.clone().unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

async fn settle() {
    for _ in 0..50 {
        tokio::task::yield_now().await;
    }
}

#[tokio::test(start_paused = true)]
async fn lists_in_pages_then_watches_and_resumes_from_the_last_resource_version() {
    let fake = Fake::default()
        .list(Ok(page(vec![cm("a", 1)], "10", Some("t1"))))
        .list(Ok(page(vec![cm("b", 2)], "10", None)))
        .watch(WatchReply::Ends(vec![
            Ok(WatchEvent::Added(cm("c", 11))),
            Ok(WatchEvent::Modified(cm("a", 12))),
            Ok(WatchEvent::Bookmark(Bookmark::for_resource::<ConfigMap>(
                "15",
            ))),
        ]))
        .watch(WatchReply::Hangs(vec![Ok(WatchEvent::Deleted(cm(
            "b", 16,
        )))]));
    let store = Indexer::new();
    let reflector = Reflector::with_config(fake.clone(), store.clone(), list_watch_config());
    let health = reflector.health();
    let task = tokio::spawn(reflector.run());
    settle().await;
    assert_eq!(
        rvs(&store),
        [("a".into(), "12".into()), ("c".into(), "11".into())]
    );
    let calls: Vec<Call> = fake.calls().into_iter().map(|(_, c)| c).collect();
    assert_eq!(calls.len(), 4, "{calls:?}");
    let Call::List(first) = &calls[0] else {
        panic!()
    };
    assert_eq!(first.limit, Some(500));
    assert_eq!(
        first.resource_version.as_deref(),
        Some("0"),
        "the first list reads the watch cache"
    );
    let Call::List(second) = &calls[1] else {
        panic!()
    };
    assert_eq!(second.continue_token.as_deref(), Some("t1"));
    assert_eq!(second.resource_version, None, "the token pins the snapshot");
    let Call::Watch(w1) = &calls[2] else { panic!() };
    assert_eq!(w1.resource_version.as_deref(), Some("10"));
    assert!(w1.allow_watch_bookmarks);
    let t = w1.timeout_seconds.unwrap();
    assert!((300..=600).contains(&t), "{t}");
    let Call::Watch(w2) = &calls[3] else { panic!() };
    assert_eq!(
        w2.resource_version.as_deref(),
        Some("15"),
        "resumed from the bookmark"
    );
    let h = health.borrow().clone();
    assert!(h.synced && h.is_healthy());
    assert_eq!(h.phase, Phase::Watching);
    assert_eq!(h.last_sync_resource_version.as_deref(), Some("16"));
    task.abort();
}

/// client-go's reflector relists after an expired watch at the last resourceVersion it
/// synced to, which the watch cache answers in one response (state at least that new).
#[tokio::test(start_paused = true)]
async fn gone_relists_at_the_last_synced_resource_version() {
    let fake = Fake::default()
        .list(Ok(page(vec![cm("a", 1), cm("b", 1)], "5", None)))
        .watch(WatchReply::Ends(vec![
            Ok(WatchEvent::Modified(cm("a", 6))),
            Ok(WatchEvent::Error(status(410, "Expired"))),
        ]))
        .list(Ok(page(vec![cm("a", 9)], "9", None)))
        .watch(WatchReply::Fails(api_err(410, "Gone")))
        .list(Ok(page(vec![cm("z", 12)], "12", None)));
    let store = Indexer::new();
    let reflector = Reflector::with_config(fake.clone(), store.clone(), list_watch_config());
    let mut health = reflector.health();
    let task = tokio::spawn(reflector.run());
    // Each relist waits its backoff: let the paused clock run until the third list.
    health.wait_for(|h| h.lists == 3).await.unwrap();
    settle().await;
    assert_eq!(rvs(&store), [("z".into(), "12".into())]);
    let lists: Vec<ListOptions> = fake
        .calls()
        .into_iter()
        .filter_map(|(_, c)| match c {
            Call::List(o) => Some(o),
            Call::Watch(_) => None,
        })
        .collect();
    assert_eq!(lists.len(), 3);
    let rvs: Vec<Option<&str>> = lists
        .iter()
        .map(|o| o.resource_version.as_deref())
        .collect();
    assert_eq!(rvs, [Some("0"), Some("6"), Some("9")]);
    let limits: Vec<Option<u32>> = lists.iter().map(|o| o.limit).collect();
    assert_eq!(
        limits,
        [Some(500), None, None],
        "a list at a resourceVersion is not paged, so the watch cache serves it"
    );
    assert_eq!(health.borrow().lists, 3);
    assert!(
        health.borrow().last_error.is_none(),
        "410 is not an error to report"
    );
    task.abort();
}

/// client-go runs every `ListAndWatch` round under its backoff manager, a relist after 410
/// included, so clients that all lose their watch at once (an API server restart) do not
/// all relist at the same instant; the wait grows while 410s keep coming.
#[tokio::test(start_paused = true)]
async fn a_relist_after_gone_waits_the_backoff() {
    let fake = Fake::default()
        .list(Ok(page(vec![cm("a", 1)], "5", None)))
        .watch(WatchReply::Ends(vec![Ok(WatchEvent::Error(status(
            410, "Expired",
        )))]))
        .list(Ok(page(vec![cm("a", 1)], "9", None)))
        .watch(WatchReply::Fails(api_err(410, "Gone")))
        .list(Ok(page(vec![cm("a", 1)], "12", None)));
    let store = Indexer::new();
    let reflector =
        Reflector::with_config(fake.clone(), store.clone(), list_watch_config()).backoff_seed(3);
    let mut health = reflector.health();
    let task = tokio::spawn(reflector.run());
    health.wait_for(|h| h.lists == 3).await.unwrap();
    settle().await;
    let calls = fake.calls();
    let kinds: Vec<&str> = calls
        .iter()
        .map(|(_, c)| match c {
            Call::List(_) => "list",
            Call::Watch(_) => "watch",
        })
        .collect();
    assert_eq!(kinds, ["list", "watch", "list", "watch", "list", "watch"]);
    let base = BackoffConfig::default().initial;
    for (i, relist) in [2usize, 4].into_iter().enumerate() {
        let gap = calls[relist].0 - calls[relist - 1].0;
        let lo = base * 2u32.pow(u32::try_from(i).unwrap());
        assert!(
            gap >= lo && gap <= lo * 2,
            "relist {i} came {gap:?} after the 410, not within [{lo:?}, {:?}]",
            lo * 2
        );
    }
    let h = health.borrow().clone();
    assert!(h.is_healthy() && h.last_error.is_none() && !h.not_served);
    task.abort();
}

/// A deleted CRD: the watch ends, the resource answers 404 for a while, then it is served
/// again with other objects. The reflector retries with backoff all along, says the resource
/// is not served meanwhile (keeping what it had, synced), and the relist replaces the store:
/// objects of the resource's previous life are gone from it.
#[tokio::test(start_paused = true)]
async fn a_resource_that_stops_being_served_is_retried_and_relisted_when_back() {
    let fake = Fake::default()
        .list(Ok(page(vec![cm("a", 1), cm("b", 2)], "3", None)))
        .watch(WatchReply::Ends(vec![]))
        .watch(WatchReply::Fails(api_err(404, "NotFound")))
        .list(Err(api_err(404, "NotFound")))
        .list(Err(api_err(404, "NotFound")))
        .list(Ok(page(vec![cm("c", 20)], "20", None)));
    let store = Indexer::new();
    let reflector =
        Reflector::with_config(fake.clone(), store.clone(), list_watch_config()).backoff_seed(11);
    let mut health = reflector.health();
    let task = tokio::spawn(reflector.run());
    let h = health.wait_for(|h| h.not_served).await.unwrap().clone();
    assert!(h.last_error.as_ref().unwrap().is_not_found());
    assert_eq!(h.phase, Phase::BackingOff);
    assert!(
        h.synced,
        "the store still holds the last state it was given"
    );
    assert_eq!(rvs(&store).len(), 2);
    let h = health.wait_for(|h| h.lists == 2).await.unwrap().clone();
    assert!(!h.not_served && h.is_healthy(), "{h:?}");
    settle().await;
    assert_eq!(rvs(&store), [("c".into(), "20".into())]);
    let lists: Vec<Instant> = fake
        .calls()
        .into_iter()
        .filter(|(_, c)| matches!(c, Call::List(_)))
        .map(|(t, _)| t)
        .collect();
    assert_eq!(lists.len(), 4);
    let base = BackoffConfig::default().initial;
    for pair in lists[1..].windows(2) {
        assert!(pair[1] - pair[0] >= base, "{lists:?}");
    }
    task.abort();
}

#[tokio::test(start_paused = true)]
async fn persistent_errors_are_reported_and_backed_off_with_jitter() {
    let fake = Fake::default()
        .list(Err(api_err(403, "Forbidden")))
        .list(Err(api_err(403, "Forbidden")))
        .list(Err(api_err(403, "Forbidden")))
        .list(Err(api_err(403, "Forbidden")))
        .list(Ok(page(vec![cm("a", 1)], "3", None)));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let handler: ErrorHandler = {
        let seen = seen.clone();
        Arc::new(move |e: &ReflectorError| {
            seen.lock().unwrap().push(e.kind());
            ErrorAction::Retry
        })
    };
    let store = Indexer::new();
    let reflector = Reflector::with_config(fake.clone(), store.clone(), list_watch_config())
        .error_handler(handler)
        .backoff_seed(42);
    let mut health = reflector.health();
    let task = tokio::spawn(reflector.run());
    let h = health
        .wait_for(|h| h.consecutive_failures == 2)
        .await
        .unwrap()
        .clone();
    assert!(h.last_error.as_ref().unwrap().is_forbidden());
    assert_eq!(h.phase, Phase::BackingOff);
    assert!(!h.synced);
    health.wait_for(|h| h.synced).await.unwrap();
    settle().await;
    assert_eq!(*seen.lock().unwrap(), [ErrorKind::Forbidden; 4]);
    let h = health.borrow().clone();
    assert!(h.is_healthy());
    assert!(h.last_error.is_some(), "the last error stays inspectable");
    let times: Vec<Instant> = fake
        .calls()
        .into_iter()
        .filter(|(_, c)| matches!(c, Call::List(_)))
        .map(|(t, _)| t)
        .collect();
    assert_eq!(times.len(), 5);
    let base = Duration::from_millis(800);
    for (i, pair) in times.windows(2).enumerate() {
        let gap = pair[1] - pair[0];
        let lo = base * 2u32.pow(u32::try_from(i).unwrap());
        assert!(
            gap >= lo && gap <= lo * 2,
            "gap {i}: {gap:?} not in [{lo:?}, {:?}]",
            lo * 2
        );
    }
    assert_eq!(rvs(&store), [("a".into(), "1".into())]);
    task.abort();
}

#[tokio::test(start_paused = true)]
async fn a_handler_can_stop_on_a_deleted_resource() {
    let fake = Fake::default().list(Err(api_err(404, "NotFound")));
    let reflector = Reflector::with_config(fake, Indexer::new(), list_watch_config())
        .error_handler(stop_on_persistent_errors());
    let health = reflector.health();
    let err = reflector.run().await;
    assert!(err.is_not_found());
    assert!(
        err.to_string().contains("failed to list ConfigMap"),
        "{err}"
    );
    assert_eq!(health.borrow().phase, Phase::Stopped);
    assert!(!health.borrow().is_healthy());
}

#[tokio::test(start_paused = true)]
async fn transient_watch_failures_retry_the_watch_without_relisting() {
    let fake = Fake::default()
        .list(Ok(page(vec![cm("a", 1)], "4", None)))
        .watch(WatchReply::Fails(api_err(503, "ServiceUnavailable")))
        .watch(WatchReply::Fails(api_err(429, "TooManyRequests")))
        .watch(WatchReply::Hangs(vec![Ok(WatchEvent::Added(cm("b", 5)))]));
    let store = Indexer::new();
    let reflector = Reflector::with_config(fake.clone(), store.clone(), list_watch_config());
    let mut health = reflector.health();
    let task = tokio::spawn(reflector.run());
    health
        .wait_for(|h| h.last_sync_resource_version.as_deref() == Some("5"))
        .await
        .unwrap();
    let calls: Vec<Call> = fake.calls().into_iter().map(|(_, c)| c).collect();
    assert_eq!(
        calls.iter().filter(|c| matches!(c, Call::List(_))).count(),
        1
    );
    for c in &calls[1..] {
        let Call::Watch(o) = c else { panic!("{c:?}") };
        assert_eq!(o.resource_version.as_deref(), Some("4"));
    }
    assert!(health.borrow().is_healthy());
    assert_eq!(rvs(&store).len(), 2);
    task.abort();
}

#[tokio::test(start_paused = true)]
async fn watch_list_builds_the_initial_state_from_the_stream() {
    let fake = Fake::default().watch(WatchReply::Hangs(vec![
        Ok(WatchEvent::Added(cm("a", 3))),
        Ok(WatchEvent::Added(cm("b", 4))),
        Ok(WatchEvent::Bookmark(
            Bookmark::for_resource::<ConfigMap>("7").with_initial_events_end(),
        )),
        Ok(WatchEvent::Modified(cm("b", 8))),
    ]));
    let store = Indexer::new();
    let reflector = Reflector::new(fake.clone(), store.clone());
    let health = reflector.health();
    let task = tokio::spawn(reflector.run());
    settle().await;
    assert_eq!(
        rvs(&store),
        [("a".into(), "3".into()), ("b".into(), "8".into())]
    );
    let calls = fake.calls();
    assert_eq!(calls.len(), 1, "one request: no list at all");
    let Call::Watch(o) = &calls[0].1 else {
        panic!()
    };
    assert_eq!(o.send_initial_events, Some(true));
    assert_eq!(
        o.resource_version_match,
        Some(ResourceVersionMatch::NotOlderThan)
    );
    assert!(o.allow_watch_bookmarks);
    let h = health.borrow().clone();
    assert!(h.synced && h.watch_list);
    assert_eq!(h.last_sync_resource_version.as_deref(), Some("8"));
    task.abort();
}

#[tokio::test(start_paused = true)]
async fn watch_list_falls_back_to_list_and_watch_when_rejected() {
    let fake = Fake::default()
        .watch(WatchReply::Fails(api_err(422, "Invalid")))
        .list(Ok(page(vec![cm("a", 1)], "2", None)))
        .watch(WatchReply::Ends(vec![Ok(WatchEvent::Error(status(
            410, "Expired",
        )))]))
        .list(Ok(page(vec![cm("a", 5)], "5", None)));
    let store = Indexer::new();
    let reflector = Reflector::new(fake.clone(), store.clone());
    let mut health = reflector.health();
    let task = tokio::spawn(reflector.run());
    health.wait_for(|h| h.lists == 2).await.unwrap();
    settle().await;
    let calls: Vec<Call> = fake.calls().into_iter().map(|(_, c)| c).collect();
    let Call::Watch(first) = &calls[0] else {
        panic!()
    };
    assert_eq!(first.send_initial_events, Some(true));
    // After the rejection the reflector never asks for watch-list again, even on relist.
    assert!(matches!(calls[1], Call::List(_)));
    let Call::Watch(second) = &calls[2] else {
        panic!()
    };
    assert_eq!(second.send_initial_events, None);
    assert!(matches!(calls[3], Call::List(_)));
    assert!(!health.borrow().watch_list);
    assert_eq!(rvs(&store), [("a".into(), "5".into())]);
    task.abort();
}

#[tokio::test(start_paused = true)]
async fn a_watch_list_that_breaks_early_lists_for_that_round() {
    let fake = Fake::default()
        .watch(WatchReply::Ends(vec![Ok(WatchEvent::Added(cm("a", 3)))]))
        .list(Ok(page(vec![cm("a", 3), cm("b", 3)], "3", None)));
    let store = Indexer::new();
    let reflector = Reflector::new(fake.clone(), store.clone());
    let health = reflector.health();
    let task = tokio::spawn(reflector.run());
    settle().await;
    assert_eq!(rvs(&store).len(), 2);
    assert!(
        health.borrow().watch_list,
        "still willing to try watch-list next round"
    );
    task.abort();
}

#[tokio::test(start_paused = true)]
async fn an_expired_continue_token_restarts_with_a_full_list() {
    let fake = Fake::default()
        .list(Ok(page(vec![cm("a", 1)], "5", Some("t"))))
        .list(Err(api_err(410, "Expired")))
        .list(Ok(page(vec![cm("a", 1), cm("b", 6)], "6", None)));
    let store = Indexer::new();
    let task = tokio::spawn(
        Reflector::with_config(fake.clone(), store.clone(), list_watch_config()).run(),
    );
    settle().await;
    let lists: Vec<ListOptions> = fake
        .calls()
        .into_iter()
        .filter_map(|(_, c)| match c {
            Call::List(o) => Some(o),
            Call::Watch(_) => None,
        })
        .collect();
    assert_eq!(lists.len(), 3);
    assert_eq!(lists[2].limit, None);
    assert_eq!(lists[2].continue_token, None);
    assert_eq!(
        lists[2].resource_version.as_deref(),
        Some("0"),
        "the full list asks for the resourceVersion the paged one did"
    );
    assert_eq!(rvs(&store).len(), 2);
    task.abort();
}

#[tokio::test(start_paused = true)]
async fn periodic_resync_while_watching() {
    let fake = Fake::default().list(Ok(page(vec![cm("a", 1), cm("b", 1)], "2", None)));
    let store = Indexer::new();
    let fifo = DeltaFifo::with_known_objects(Arc::new(store.clone()));
    let config = ReflectorConfig {
        resync_period: Some(Duration::from_secs(30)),
        ..list_watch_config()
    };
    let task = tokio::spawn(Reflector::with_config(fake, fifo.clone(), config).run());
    settle().await;
    while !fifo.is_empty() {
        let d = fifo
            .pop(|_, _| Ok::<(), ProcessError<()>>(()))
            .await
            .unwrap();
        assert_eq!(d.newest().unwrap().kind, DeltaType::Replaced);
        apply_deltas(&store, &d);
    }
    assert!(fifo.has_synced());
    tokio::time::sleep(Duration::from_secs(29)).await;
    assert!(fifo.is_empty());
    tokio::time::sleep(Duration::from_secs(2)).await;
    settle().await;
    assert_eq!(fifo.len(), 2);
    for key in fifo.list_keys() {
        let d = fifo.get_by_key(&key).unwrap();
        assert_eq!(d.newest().unwrap().kind, DeltaType::Sync);
    }
    task.abort();
}

#[tokio::test(start_paused = true)]
async fn transform_runs_before_the_store_and_bad_objects_are_reported() {
    let fake = Fake::default()
        .list(Ok(page(vec![cm("a", 1)], "2", None)))
        .watch(WatchReply::Hangs(vec![Ok(WatchEvent::Added(
            ConfigMap::default(),
        ))]));
    let store = Indexer::new();
    let reflector = Reflector::with_config(fake, store.clone(), list_watch_config())
        .transform(Arc::new(|mut o: ConfigMap| {
            o.metadata.annotations = Some([("seen".to_owned(), "yes".to_owned())].into());
            o
        }))
        .error_handler(stop_on_persistent_errors());
    let err = reflector.run().await;
    assert_eq!(err.kind(), ErrorKind::InvalidData);
    let a = store.get_by_key("ns/a").unwrap();
    assert_eq!(a.metadata.annotations.as_ref().unwrap()["seen"], "yes");
}

mod listing;

#[test]
fn strip_managed_fields_drops_only_managed_fields() {
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::ManagedFieldsEntry;
    let mut cm = ConfigMap::default();
    cm.metadata.name = Some("a".into());
    cm.metadata.managed_fields = Some(vec![ManagedFieldsEntry {
        manager: Some("kubectl".into()),
        ..ManagedFieldsEntry::default()
    }]);
    let stripped = super::strip_managed_fields::<ConfigMap>()(cm.clone());
    assert_eq!(stripped.metadata.managed_fields, None);
    assert_eq!(stripped.metadata.name.as_deref(), Some("a"));

    let mut dynamic = kclient_core::Unstructured::from_typed(&cm).unwrap();
    dynamic = super::strip_managed_fields_unstructured()(dynamic);
    assert!(dynamic.nested(&["metadata", "managedFields"]).is_none());
    assert_eq!(dynamic.name(), Some("a"));
}
