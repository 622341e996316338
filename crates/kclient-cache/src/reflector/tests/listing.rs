//! Which resourceVersion and page size each list asks for, and the waits between relists
//! (client-go's reflector rules; see the `listing` module).

use kclient_core::status::new_too_large_resource_version;

use super::*;
use tokio::sync::watch;

fn lists(fake: &Fake) -> Vec<(Instant, ListOptions)> {
    fake.calls()
        .into_iter()
        .filter_map(|(t, c)| match c {
            Call::List(o) => Some((t, o)),
            Call::Watch(_) => None,
        })
        .collect()
}

fn watches(fake: &Fake) -> Vec<(Instant, ListOptions)> {
    fake.calls()
        .into_iter()
        .filter_map(|(t, c)| match c {
            Call::Watch(o) => Some((t, o)),
            Call::List(_) => None,
        })
        .collect()
}

/// (resourceVersion, limit, continue) of each list.
fn shapes(fake: &Fake) -> Vec<(Option<String>, Option<u32>, Option<String>)> {
    lists(fake)
        .into_iter()
        .map(|(_, o)| (o.resource_version, o.limit, o.continue_token))
        .collect()
}

fn shape(
    rv: Option<&str>,
    limit: Option<u32>,
    cont: Option<&str>,
) -> (Option<String>, Option<u32>, Option<String>) {
    (rv.map(Into::into), limit, cont.map(Into::into))
}

fn too_large(requested: u64, current: u64) -> kclient_rest::Error {
    kclient_rest::Error::Api(Box::new(new_too_large_resource_version(
        requested, current, 1,
    )))
}

/// Runs `reflector` until it has built its initial state `lists` times, then lets it settle.
async fn run_until_lists(
    reflector: Reflector<ConfigMap, Fake, Indexer<ConfigMap>>,
    lists: u64,
) -> (
    watch::Receiver<ReflectorHealth>,
    tokio::task::JoinHandle<Arc<ReflectorError>>,
) {
    let mut health = reflector.health();
    let task = tokio::spawn(reflector.run());
    health.wait_for(|h| h.lists == lists).await.unwrap();
    settle().await;
    (health, task)
}

#[tokio::test(start_paused = true)]
async fn relists_after_a_broken_or_expired_watch_ask_for_the_last_synced_version() {
    let fake = Fake::default()
        .list(Ok(page(vec![cm("a", 1)], "10", None)))
        .watch(WatchReply::Ends(vec![
            Ok(WatchEvent::Added(cm("b", 11))),
            Ok(WatchEvent::Error(status(500, "InternalError"))),
        ]))
        .list(Ok(page(vec![cm("a", 1), cm("b", 11)], "11", None)))
        .watch(WatchReply::Fails(api_err(410, "Gone")))
        .list(Ok(page(vec![cm("a", 1), cm("b", 11)], "12", None)));
    let store = Indexer::new();
    let reflector = Reflector::with_config(fake.clone(), store.clone(), list_watch_config());
    let (_health, task) = run_until_lists(reflector, 3).await;
    assert_eq!(
        shapes(&fake),
        [
            shape(Some("0"), Some(500), None),
            shape(Some("11"), None, None),
            shape(Some("11"), None, None),
        ],
        "first from the watch cache, then at the last synced resourceVersion, unpaged"
    );
    let last_watch = watches(&fake).pop().unwrap().1;
    assert_eq!(last_watch.resource_version.as_deref(), Some("12"));
    task.abort();
}

#[tokio::test(start_paused = true)]
async fn an_expired_relist_falls_back_at_once_to_a_paged_consistent_list() {
    let fake = Fake::default()
        .list(Ok(page(vec![cm("a", 1)], "5", None)))
        .watch(WatchReply::Ends(vec![
            Ok(WatchEvent::Modified(cm("a", 6))),
            Ok(WatchEvent::Error(status(410, "Expired"))),
        ]))
        .list(Err(api_err(410, "Expired")))
        .list(Ok(page(vec![cm("a", 7)], "20", Some("t"))))
        .list(Ok(page(vec![cm("b", 8)], "20", None)))
        .watch(WatchReply::Ends(vec![Ok(WatchEvent::Error(status(
            410, "Expired",
        )))]))
        .list(Ok(page(vec![cm("a", 7), cm("b", 8)], "21", None)));
    let store = Indexer::new();
    let reflector = Reflector::with_config(fake.clone(), store.clone(), list_watch_config());
    let (health, task) = run_until_lists(reflector, 3).await;
    assert_eq!(
        shapes(&fake),
        [
            shape(Some("0"), Some(500), None),
            shape(Some("6"), None, None),
            shape(None, Some(500), None),
            shape(None, Some(500), Some("t")),
            // The consistent list made its resourceVersion usable again.
            shape(Some("20"), None, None),
        ]
    );
    let times: Vec<Instant> = lists(&fake).into_iter().map(|(t, _)| t).collect();
    assert_eq!(
        times[1], times[2],
        "the fallback is part of the same relist"
    );
    let w = watches(&fake);
    assert_eq!(w[1].1.resource_version.as_deref(), Some("20"));
    let h = health.borrow().clone();
    assert!(h.last_error.is_none(), "{h:?}");
    task.abort();
}

#[tokio::test(start_paused = true)]
async fn a_too_large_resource_version_falls_back_to_a_consistent_list() {
    let fake = Fake::default()
        .list(Ok(page(vec![cm("a", 1)], "5", None)))
        .watch(WatchReply::Ends(vec![Ok(WatchEvent::Error(status(
            410, "Expired",
        )))]))
        // Another API server whose watch cache has not reached 5 yet.
        .list(Err(too_large(5, 3)))
        .list(Ok(page(vec![cm("a", 1), cm("b", 6)], "6", None)));
    let store = Indexer::new();
    let reflector = Reflector::with_config(fake.clone(), store.clone(), list_watch_config());
    let (health, task) = run_until_lists(reflector, 2).await;
    assert_eq!(
        shapes(&fake),
        [
            shape(Some("0"), Some(500), None),
            shape(Some("5"), None, None),
            shape(None, Some(500), None),
        ]
    );
    assert_eq!(rvs(&store).len(), 2);
    assert!(health.borrow().last_error.is_none());
    task.abort();
}

#[tokio::test(start_paused = true)]
async fn a_watch_list_at_a_too_large_version_lists_the_latest_state() {
    let fake = Fake::default()
        .watch(WatchReply::Ends(vec![
            Ok(WatchEvent::Added(cm("a", 3))),
            Ok(WatchEvent::Bookmark(
                Bookmark::for_resource::<ConfigMap>("7").with_initial_events_end(),
            )),
            Ok(WatchEvent::Error(status(410, "Expired"))),
        ]))
        .watch(WatchReply::Fails(too_large(7, 4)))
        .list(Ok(page(vec![cm("a", 9)], "9", None)));
    let store = Indexer::new();
    let reflector = Reflector::new(fake.clone(), store.clone());
    let (health, task) = run_until_lists(reflector, 2).await;
    let calls: Vec<Call> = fake.calls().into_iter().map(|(_, c)| c).collect();
    let Call::Watch(again) = &calls[1] else {
        panic!("{calls:?}")
    };
    assert_eq!(again.send_initial_events, Some(true));
    assert_eq!(
        again.resource_version.as_deref(),
        Some("7"),
        "the watch-list resumes from the last synced resourceVersion"
    );
    assert_eq!(shapes(&fake), [shape(None, Some(500), None)]);
    let Call::Watch(after) = &calls[3] else {
        panic!("{calls:?}")
    };
    assert_eq!(after.resource_version.as_deref(), Some("9"));
    assert!(
        health.borrow().watch_list,
        "a too-large version is no reason to give up watch-list"
    );
    task.abort();
}

/// A server without a watch cache pages even `resourceVersion=0` lists; client-go then pages
/// its relists too, since nothing serves them from memory anyway.
#[tokio::test(start_paused = true)]
async fn a_server_that_pages_lists_at_0_gets_paged_relists() {
    let fake = Fake::default()
        .list(Ok(page(vec![cm("a", 1)], "5", Some("t"))))
        .list(Ok(page(vec![cm("b", 2)], "5", None)))
        .watch(WatchReply::Ends(vec![Ok(WatchEvent::Error(status(
            410, "Expired",
        )))]))
        .list(Ok(page(vec![cm("a", 1), cm("b", 2)], "9", None)));
    let store = Indexer::new();
    let reflector = Reflector::with_config(fake.clone(), store.clone(), list_watch_config());
    let (_health, task) = run_until_lists(reflector, 2).await;
    assert_eq!(
        shapes(&fake),
        [
            shape(Some("0"), Some(500), None),
            shape(None, Some(500), Some("t")),
            shape(Some("5"), Some(500), None),
        ]
    );
    task.abort();
}

/// client-go's backoff manager (800 ms doubling to 30 s, up to 100% jitter, reset after
/// 2 minutes without a wait) between relists, on a collection whose watch expires at once.
#[tokio::test(start_paused = true)]
async fn relists_back_off_800ms_doubling_to_30s_and_start_over_after_2_minutes_of_health() {
    let expired = || WatchReply::Ends(vec![Ok(WatchEvent::Error(status(410, "Expired")))]);
    let quick_rounds = 9u32;
    let mut fake = Fake::default();
    for round in 0..quick_rounds {
        fake = fake
            .list(Ok(page(vec![cm("a", 1)], &(10 + round).to_string(), None)))
            .watch(expired());
    }
    let healthy = Duration::from_secs(180);
    fake = fake
        .list(Ok(page(vec![cm("a", 1)], "50", None)))
        .watch(WatchReply::After(
            healthy,
            vec![Ok(WatchEvent::Error(status(410, "Expired")))],
        ))
        .list(Ok(page(vec![cm("a", 1)], "60", None)));
    let store = Indexer::new();
    let reflector =
        Reflector::with_config(fake.clone(), store.clone(), list_watch_config()).backoff_seed(5);
    let total = u64::from(quick_rounds) + 2;
    let (_health, task) = run_until_lists(reflector, total).await;
    let l: Vec<Instant> = lists(&fake).into_iter().map(|(t, _)| t).collect();
    let w: Vec<Instant> = watches(&fake).into_iter().map(|(t, _)| t).collect();
    let config = BackoffConfig::default();
    for i in 0..quick_rounds {
        let idx = usize::try_from(i).unwrap();
        let gap = l[idx + 1] - w[idx];
        let base = (config.initial * 2u32.pow(i)).min(config.max);
        assert!(
            gap >= base && gap <= base * 2,
            "relist {i}: {gap:?} after the 410, not within [{base:?}, {:?}]",
            base * 2
        );
    }
    assert_eq!(
        (config.initial * 2u32.pow(quick_rounds - 1)).min(config.max),
        config.max,
        "the quick rounds reach the cap"
    );
    let last = usize::try_from(quick_rounds).unwrap();
    let gap = l[last + 1] - (w[last] + healthy);
    assert!(
        gap >= config.initial && gap <= config.initial * 2,
        "after {healthy:?} of watching the backoff starts over: {gap:?}"
    );
    task.abort();
}
