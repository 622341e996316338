//! The RetryWatcher against a scripted lister-watcher on a paused clock: what it resumes
//! from, what it delivers, how long it waits, and when it gives up. The same behaviour over
//! HTTP, with dropped connections and compaction, is in `tests/watch.rs`.

use std::collections::VecDeque;
use std::time::Duration;

use futures::future::BoxFuture;
use futures::stream;
use k8s_openapi::api::core::v1::ConfigMap;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Status, StatusDetails};
use kclient_cache::{ListerWatcher, WatchStream};
use kclient_core::status::{new_internal_error, new_resource_expired};
use kclient_core::{Bookmark, ListOptions, ObjectList, WatchEvent};
use kclient_rest::Error;
use parking_lot::Mutex;
use tokio::time::Instant;

use super::{RetryWatchError, RetryWatcher};

type Script = Result<Vec<Result<WatchEvent<ConfigMap>, Error>>, Error>;

/// Answers each watch with the next scripted stream (or error), recording when and from
/// which resourceVersion it was asked; without a script left, a watch that never ends.
#[derive(Default)]
struct Scripted {
    scripts: Mutex<VecDeque<Script>>,
    asked: Mutex<Vec<(Instant, String, bool)>>,
}

impl Scripted {
    fn new(scripts: Vec<Script>) -> Self {
        Self {
            scripts: Mutex::new(scripts.into()),
            asked: Mutex::default(),
        }
    }

    fn asked(&self) -> Vec<(Instant, String, bool)> {
        self.asked.lock().clone()
    }
}

impl ListerWatcher<ConfigMap> for &Scripted {
    fn list(&self, _: &ListOptions) -> BoxFuture<'_, Result<ObjectList<ConfigMap>, Error>> {
        Box::pin(async { Ok(ObjectList::default()) })
    }

    fn watch(&self, options: &ListOptions) -> BoxFuture<'_, Result<WatchStream<ConfigMap>, Error>> {
        self.asked.lock().push((
            Instant::now(),
            options.resource_version.clone().unwrap_or_default(),
            options.allow_watch_bookmarks,
        ));
        let next = self.scripts.lock().pop_front();
        Box::pin(async move {
            match next {
                Some(Ok(events)) => Ok(Box::pin(stream::iter(events)) as WatchStream<ConfigMap>),
                Some(Err(e)) => Err(e),
                None => Ok(Box::pin(stream::pending()) as WatchStream<ConfigMap>),
            }
        })
    }
}

fn cm(name: &str, rv: &str) -> ConfigMap {
    ConfigMap {
        metadata: ObjectMeta {
            name: Some(name.into()),
            namespace: Some("default".into()),
            resource_version: Some(rv.into()),
            ..ObjectMeta::default()
        },
        ..ConfigMap::default()
    }
}

fn bookmark(rv: &str) -> WatchEvent<ConfigMap> {
    WatchEvent::Bookmark(Bookmark::for_resource::<ConfigMap>(rv))
}

fn api(status: Status) -> Error {
    Error::Api(Box::new(status))
}

fn name_of(event: &WatchEvent<ConfigMap>) -> String {
    event
        .object()
        .and_then(|o| o.metadata.name.clone())
        .unwrap_or_default()
}

#[test]
fn refuses_to_start_from_any_state() {
    let lw = Scripted::default();
    for rv in ["", "0"] {
        assert!(matches!(
            RetryWatcher::new(&lw, rv),
            Err(RetryWatchError::InvalidResourceVersion(_))
        ));
    }
}

#[tokio::test(start_paused = true)]
async fn resumes_from_the_last_event_or_bookmark_and_hides_bookmarks() {
    let lw = Scripted::new(vec![
        Ok(vec![
            Ok(WatchEvent::Added(cm("a", "11"))),
            Ok(WatchEvent::Modified(cm("a", "12"))),
        ]),
        Ok(vec![Ok(bookmark("20"))]),
        Ok(vec![Ok(WatchEvent::Deleted(cm("a", "21")))]),
    ]);
    let mut watcher = RetryWatcher::new(&lw, "10").expect("watcher");
    let mut names = Vec::new();
    for _ in 0..3 {
        let event = watcher.next_event().await.expect("event").expect("ok");
        names.push((event.type_name(), name_of(&event)));
    }
    assert_eq!(
        names,
        [
            ("ADDED", "a".into()),
            ("MODIFIED", "a".into()),
            ("DELETED", "a".into())
        ]
    );
    let asked: Vec<(String, bool)> = lw.asked().into_iter().map(|(_, rv, b)| (rv, b)).collect();
    assert_eq!(
        asked,
        [
            ("10".into(), true),
            ("12".into(), true),
            ("20".into(), true)
        ],
        "each watch starts where the last one left off, asking for bookmarks"
    );
    assert_eq!(watcher.resource_version(), "21");
}

#[tokio::test(start_paused = true)]
async fn failures_are_retried_after_the_backoff_and_errors_events_too() {
    let lw = Scripted::new(vec![
        Err(api(new_internal_error("etcd is away"))),
        Ok(vec![Ok(WatchEvent::Error(new_internal_error(
            "watch broke",
        )))]),
        Ok(vec![Ok(WatchEvent::Added(cm("b", "31")))]),
    ]);
    let start = Instant::now();
    let mut watcher = RetryWatcher::new(&lw, "30").expect("watcher").backoff(
        kclient_core::backoff::BackoffConfig {
            jitter: 0.0,
            ..Default::default()
        },
    );
    let event = watcher.next_event().await.expect("event").expect("ok");
    assert_eq!(name_of(&event), "b");
    let waits: Vec<Duration> = lw.asked().iter().map(|(t, _, _)| *t - start).collect();
    // The reflector's schedule: 800 ms, then 1.6 s.
    assert_eq!(
        waits,
        [0, 800, 2400].map(Duration::from_millis),
        "attempts on the backoff"
    );
}

#[tokio::test(start_paused = true)]
async fn a_retry_after_from_the_server_is_waited_at_least() {
    let mut busy = new_internal_error("busy");
    busy.details = Some(StatusDetails {
        retry_after_seconds: Some(5),
        ..StatusDetails::default()
    });
    let lw = Scripted::new(vec![
        Ok(vec![Ok(WatchEvent::Error(busy))]),
        Ok(vec![Ok(WatchEvent::Added(cm("c", "41")))]),
    ]);
    let start = Instant::now();
    let mut watcher = RetryWatcher::new(&lw, "40").expect("watcher");
    watcher.next_event().await.expect("event").expect("ok");
    assert_eq!(lw.asked()[1].0 - start, Duration::from_secs(5));
}

#[tokio::test(start_paused = true)]
async fn gone_ends_the_watcher_whether_answered_or_streamed() {
    let streamed = Scripted::new(vec![Ok(vec![
        Ok(WatchEvent::Added(cm("d", "51"))),
        Ok(WatchEvent::Error(new_resource_expired(
            "too old resource version: 51",
        ))),
    ])]);
    let mut watcher = RetryWatcher::new(&streamed, "50").expect("watcher");
    assert!(watcher.next_event().await.expect("event").is_ok());
    let end = watcher.next_event().await.expect("the error");
    assert!(
        matches!(&end, Err(RetryWatchError::Gone { resource_version, .. }) if resource_version == "51"),
        "{end:?}"
    );
    assert!(kclient_core::ApiError::is_resource_expired(
        &end.unwrap_err()
    ));
    assert!(watcher.next_event().await.is_none());

    let answered = Scripted::new(vec![Err(api(new_resource_expired("too old")))]);
    let mut watcher = RetryWatcher::new(&answered, "5").expect("watcher");
    assert!(matches!(
        watcher.next_event().await,
        Some(Err(RetryWatchError::Gone { .. }))
    ));
    assert!(watcher.next_event().await.is_none());
}

#[tokio::test(start_paused = true)]
async fn a_watch_closing_without_events_is_not_reopened_in_a_hot_loop() {
    let lw = Scripted::new(vec![
        Ok(vec![]),
        Ok(vec![]),
        Ok(vec![Ok(WatchEvent::Added(cm("e", "61")))]),
    ]);
    let start = Instant::now();
    let mut watcher = RetryWatcher::new(&lw, "60").expect("watcher");
    watcher.next_event().await.expect("event").expect("ok");
    let last = lw
        .asked()
        .last()
        .map(|(t, _, _)| *t - start)
        .expect("asked");
    assert!(last >= Duration::from_millis(800 + 1600), "{last:?}");
}
