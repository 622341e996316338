//! The recorder's queue, writes and retries against a fake sink, on a paused clock.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use k8s_openapi::api::core::v1::Pod;
use tokio::sync::Notify;

use super::sink::{Outgoing, Sink, SinkError, Written, patch_body};
use super::*;

#[derive(Clone, Debug, PartialEq)]
enum Call {
    Discover,
    Create(EventsApi, String, u32, String),
    Patch(EventsApi, String, serde_json::Value),
}

#[derive(Default)]
struct FakeState {
    calls: Vec<Call>,
    /// Answers of the next writes; success when empty.
    answers: VecDeque<Result<(), SinkError>>,
    served: Option<EventsApi>,
    /// While set, every write waits for `release`.
    hold: bool,
}

#[derive(Clone, Default)]
struct Fake {
    state: Arc<Mutex<FakeState>>,
    release: Arc<Notify>,
}

impl Fake {
    fn serving(api: Option<EventsApi>) -> Self {
        let fake = Fake::default();
        fake.state.lock().expect("lock").served = api;
        fake
    }

    fn answer(&self, answers: impl IntoIterator<Item = Result<(), SinkError>>) {
        self.state.lock().expect("lock").answers.extend(answers);
    }

    fn calls(&self) -> Vec<Call> {
        self.state.lock().expect("lock").calls.clone()
    }

    fn writes(&self) -> Vec<Call> {
        self.calls()
            .into_iter()
            .filter(|c| *c != Call::Discover)
            .collect()
    }

    async fn answer_next(&self, call: Call, name: &str) -> Result<Written, SinkError> {
        let hold = {
            let mut s = self.state.lock().expect("lock");
            s.calls.push(call);
            s.hold
        };
        if hold {
            self.release.notified().await;
        }
        let answer = self.state.lock().expect("lock").answers.pop_front();
        answer.unwrap_or(Ok(())).map(|()| Written {
            name: name.to_string(),
        })
    }
}

impl Sink for Fake {
    async fn discover(&self) -> Option<EventsApi> {
        let mut s = self.state.lock().expect("lock");
        s.calls.push(Call::Discover);
        s.served
    }

    async fn create(&self, api: EventsApi, out: &Outgoing) -> Result<Written, SinkError> {
        let o = &out.event.occurrence;
        let call = Call::Create(api, o.reason.clone(), out.event.count, o.message.clone());
        self.answer_next(call, &out.event.name).await
    }

    async fn patch(&self, api: EventsApi, out: &Outgoing) -> Result<Written, SinkError> {
        let call = Call::Patch(api, out.event.name.clone(), patch_body(api, out));
        self.answer_next(call, &out.event.name).await
    }
}

fn client() -> kclient_client::RestClient {
    let config = kclient_config::Config::new("https://127.0.0.1:1".parse().expect("url"));
    kclient_client::RestClient::new(config).expect("client")
}

fn recorder(
    fake: &Fake,
    build: impl FnOnce(EventRecorderBuilder) -> EventRecorderBuilder,
) -> EventRecorder {
    build(EventRecorder::builder(client(), "ctl").instance("ctl-1"))
        .build_with(fake.clone())
        .expect("recorder")
}

fn pod(name: &str) -> Pod {
    let mut pod = Pod::default();
    pod.metadata.name = Some(name.into());
    pod.metadata.namespace = Some("ns".into());
    pod.metadata.uid = Some(format!("uid-{name}"));
    pod
}

#[tokio::test(start_paused = true)]
async fn discovery_chooses_the_api_once_and_identical_events_patch_the_series() {
    let fake = Fake::serving(Some(EventsApi::EventsV1));
    let rec = recorder(&fake, |b| b);
    assert_eq!(rec.api(), None);
    rec.event(&pod("web"), EventType::Normal, "Synced", "ok");
    tokio::time::sleep(Duration::from_secs(30)).await;
    rec.event(&pod("web"), EventType::Normal, "Synced", "ok");
    rec.flush().await;
    assert_eq!(rec.api(), Some(EventsApi::EventsV1));
    let calls = fake.calls();
    assert_eq!(calls.iter().filter(|c| **c == Call::Discover).count(), 1);
    let writes = fake.writes();
    assert_eq!(writes.len(), 2, "{writes:?}");
    assert!(matches!(&writes[0], Call::Create(EventsApi::EventsV1, r, 1, _) if r == "Synced"));
    let Call::Patch(EventsApi::EventsV1, _, body) = &writes[1] else {
        panic!("a patch: {writes:?}");
    };
    assert_eq!(body["series"]["count"], 2);
    // The second occurrence's time, 30 s after the first, in MicroTime form.
    assert!(
        body["series"]["lastObservedTime"]
            .as_str()
            .is_some_and(|t| t.contains('.'))
    );
    assert_eq!(
        rec.stats(),
        EventStats {
            created: 1,
            patched: 1,
            ..EventStats::default()
        }
    );
}

#[tokio::test(start_paused = true)]
async fn without_events_k8s_io_core_v1_is_used_and_counted_with_count_and_message() {
    let fake = Fake::serving(Some(EventsApi::CoreV1));
    let rec = recorder(&fake, |b| b);
    for _ in 0..3 {
        rec.event(&pod("web"), EventType::Warning, "Failed", "boom");
    }
    rec.flush().await;
    assert_eq!(rec.api(), Some(EventsApi::CoreV1));
    let writes = fake.writes();
    assert!(matches!(
        &writes[0],
        Call::Create(EventsApi::CoreV1, _, 1, _)
    ));
    let Call::Patch(EventsApi::CoreV1, _, body) = &writes[2] else {
        panic!("a patch: {writes:?}");
    };
    assert_eq!(body["count"], 3);
    assert_eq!(body["message"], "boom");
    assert!(body["lastTimestamp"].is_string());
}

#[tokio::test(start_paused = true)]
async fn failed_discovery_writes_core_v1_and_asks_again() {
    let fake = Fake::serving(None);
    let rec = recorder(&fake, |b| b);
    rec.event(&pod("a"), EventType::Normal, "R", "m");
    rec.flush().await;
    assert_eq!(rec.api(), None);
    fake.state.lock().expect("lock").served = Some(EventsApi::EventsV1);
    rec.event(&pod("b"), EventType::Normal, "R", "m");
    rec.flush().await;
    let calls = fake.calls();
    assert_eq!(calls.iter().filter(|c| **c == Call::Discover).count(), 2);
    let writes = fake.writes();
    assert!(matches!(&writes[0], Call::Create(EventsApi::CoreV1, ..)));
    assert!(matches!(&writes[1], Call::Create(EventsApi::EventsV1, ..)));
}

#[tokio::test(start_paused = true)]
async fn a_fixed_api_skips_discovery() {
    let fake = Fake::serving(Some(EventsApi::EventsV1));
    let rec = recorder(&fake, |b| b.api(EventsApi::CoreV1));
    assert_eq!(rec.api(), Some(EventsApi::CoreV1));
    rec.event(&pod("a"), EventType::Normal, "R", "m");
    rec.flush().await;
    assert_eq!(fake.calls().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn transient_failures_are_retried_10s_apart_then_dropped_after_12_attempts() {
    let fake = Fake::serving(Some(EventsApi::EventsV1));
    fake.answer((0..12).map(|_| Err(SinkError::Retry(None))));
    let rec = recorder(&fake, |b| b);
    let start = tokio::time::Instant::now();
    rec.event(&pod("a"), EventType::Normal, "R", "m");
    rec.flush().await;
    let waited = start.elapsed();
    // 11 waits of 10 s plus up to 25 % jitter each.
    assert!(
        waited >= Duration::from_secs(110) && waited <= Duration::from_millis(137_500),
        "{waited:?}"
    );
    assert_eq!(fake.writes().len(), 12);
    let stats = rec.stats();
    assert_eq!(
        (stats.retries, stats.dropped_failed, stats.created),
        (11, 1, 0)
    );
}

#[tokio::test(start_paused = true)]
async fn a_retry_succeeds_and_the_servers_retry_after_is_honoured() {
    let fake = Fake::serving(Some(EventsApi::EventsV1));
    fake.answer([Err(SinkError::Retry(Some(Duration::from_secs(60))))]);
    let rec = recorder(&fake, |b| b);
    let start = tokio::time::Instant::now();
    rec.event(&pod("a"), EventType::Normal, "R", "m");
    rec.flush().await;
    assert!(start.elapsed() >= Duration::from_secs(60));
    let stats = rec.stats();
    assert_eq!((stats.retries, stats.created, stats.dropped()), (1, 1, 0));
}

#[tokio::test(start_paused = true)]
async fn rejected_events_are_dropped_at_once_and_existing_ones_count_as_written() {
    let fake = Fake::serving(Some(EventsApi::EventsV1));
    fake.answer([
        Err(SinkError::Rejected("invalid".into())),
        Err(SinkError::AlreadyExists),
    ]);
    let rec = recorder(&fake, |b| b);
    let start = tokio::time::Instant::now();
    rec.event(&pod("a"), EventType::Normal, "R", "m");
    rec.event(&pod("b"), EventType::Normal, "R", "m");
    rec.flush().await;
    assert_eq!(start.elapsed(), Duration::ZERO);
    let stats = rec.stats();
    assert_eq!(
        (stats.dropped_failed, stats.created, stats.retries),
        (1, 1, 0)
    );
}

#[tokio::test(start_paused = true)]
async fn an_expired_event_is_created_again_with_its_count() {
    let fake = Fake::serving(Some(EventsApi::CoreV1));
    let rec = recorder(&fake, |b| b);
    rec.event(&pod("a"), EventType::Normal, "R", "m");
    rec.flush().await;
    fake.answer([Err(SinkError::NotFound)]);
    rec.event(&pod("a"), EventType::Normal, "R", "m");
    rec.flush().await;
    let writes = fake.writes();
    assert!(matches!(&writes[1], Call::Patch(..)));
    assert!(matches!(&writes[2], Call::Create(_, _, 2, _)), "{writes:?}");
    assert_eq!(rec.stats().created, 2);
}

#[tokio::test(start_paused = true)]
async fn a_full_queue_drops_and_counts_without_blocking() {
    let fake = Fake::serving(Some(EventsApi::EventsV1));
    fake.state.lock().expect("lock").hold = true;
    let rec = recorder(&fake, |b| b.queue_capacity(5));
    rec.event(&pod("p0"), EventType::Normal, "R", "m");
    // Let the task take the first event and hang on its write.
    while fake.writes().is_empty() {
        tokio::task::yield_now().await;
    }
    let start = tokio::time::Instant::now();
    for i in 1..=20 {
        rec.event(&pod(&format!("p{i}")), EventType::Normal, "R", "m");
    }
    assert_eq!(start.elapsed(), Duration::ZERO);
    assert_eq!(rec.stats().dropped_queue_full, 15);
    fake.state.lock().expect("lock").hold = false;
    fake.release.notify_one();
    rec.flush().await;
    let stats = rec.stats();
    assert_eq!((stats.created, stats.dropped()), (6, 15));
}

#[tokio::test(start_paused = true)]
async fn a_flood_is_spam_filtered_and_refills_one_per_5_minutes() {
    let fake = Fake::serving(Some(EventsApi::EventsV1));
    let rec = recorder(&fake, |b| b);
    for i in 0..40 {
        rec.event(&pod("web"), EventType::Normal, &format!("R{i}"), "m");
    }
    rec.flush().await;
    assert_eq!((rec.stats().created, rec.stats().dropped_spam), (25, 15));
    tokio::time::sleep(Duration::from_secs(300)).await;
    rec.event(&pod("web"), EventType::Normal, "Later", "m");
    rec.event(&pod("web"), EventType::Normal, "Later2", "m");
    rec.flush().await;
    assert_eq!((rec.stats().created, rec.stats().dropped_spam), (26, 16));
}

#[tokio::test(start_paused = true)]
async fn the_task_ends_when_the_last_handle_is_dropped() {
    let fake = Fake::serving(Some(EventsApi::EventsV1));
    let rec = recorder(&fake, |b| b);
    let other = rec.clone();
    rec.event(&pod("a"), EventType::Normal, "R", "m");
    drop(rec);
    other.flush().await;
    let weak = Arc::downgrade(&fake.state);
    drop(other);
    drop(fake);
    // The task held the last clone of the fake: once it ends, the state goes.
    for _ in 0..100 {
        if weak.upgrade().is_none() {
            return;
        }
        tokio::task::yield_now().await;
    }
    panic!("the recorder's task is still running");
}

#[test]
fn building_needs_a_controller_a_capacity_and_a_runtime() {
    let fake = Fake::default();
    let outside = EventRecorder::builder(client(), "ctl").build_with(fake.clone());
    assert!(matches!(outside, Err(EventError::NoRuntime)));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("runtime");
    let _guard = rt.enter();
    let empty = EventRecorder::builder(client(), "").build_with(fake.clone());
    assert!(matches!(empty, Err(EventError::NoController)));
    let zero = EventRecorder::builder(client(), "c")
        .queue_capacity(0)
        .build_with(fake.clone());
    assert!(matches!(zero, Err(EventError::NoCapacity)));
    let rec = EventRecorder::builder(client(), "c")
        .build_with(fake)
        .expect("built");
    assert!(rec.instance().starts_with("c-"), "{}", rec.instance());
    assert_eq!(rec.controller(), "c");
}
