//! Paused-clock tests of the timing decisions, over an in-memory lock with the same
//! optimistic concurrency as a Lease.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::{Instant, sleep};

use super::*;
use crate::leaderelection::lock::LockError;

#[derive(Default)]
struct Stored {
    record: Option<LeaderElectionRecord>,
    version: u64,
}

/// Shared storage for several [`MemoryLock`]s (one per candidate).
#[derive(Clone, Default)]
struct Store {
    inner: Arc<Mutex<Stored>>,
    failing: Arc<AtomicBool>,
    gets: Arc<Mutex<Vec<Instant>>>,
    /// How many of the next updates lose to a write nobody saw (409 Conflict).
    conflicts: Arc<std::sync::atomic::AtomicUsize>,
}

impl Store {
    fn lock(&self, identity: &str) -> MemoryLock {
        MemoryLock {
            store: self.clone(),
            identity: identity.to_owned(),
            seen: Mutex::new(None),
        }
    }

    fn record(&self) -> Option<LeaderElectionRecord> {
        self.inner.lock().unwrap().record.clone()
    }

    /// Another writer replaces the record (bumping the version, as an API server would).
    fn overwrite(&self, record: LeaderElectionRecord) {
        let mut stored = self.inner.lock().unwrap();
        stored.record = Some(record);
        stored.version += 1;
    }

    fn fail(&self, failing: bool) {
        self.failing.store(failing, Ordering::SeqCst);
    }

    /// How many times the record has been written.
    fn version(&self) -> u64 {
        self.inner.lock().unwrap().version
    }
}

struct MemoryLock {
    store: Store,
    identity: String,
    seen: Mutex<Option<u64>>,
}

impl MemoryLock {
    fn check(&self) -> Result<(), LockError> {
        if self.store.failing.load(Ordering::SeqCst) {
            Err(LockError::Invalid {
                lock: self.describe(),
                message: "injected failure".into(),
            })
        } else {
            Ok(())
        }
    }
}

impl ResourceLock for MemoryLock {
    async fn get(&self) -> Result<LeaderElectionRecord, LockError> {
        self.store.gets.lock().unwrap().push(Instant::now());
        self.check()?;
        let stored = self.store.inner.lock().unwrap();
        let record = stored
            .record
            .clone()
            .ok_or(LockError::NotFound(self.describe()))?;
        *self.seen.lock().unwrap() = Some(stored.version);
        Ok(record)
    }

    async fn create(&self, record: &LeaderElectionRecord) -> Result<(), LockError> {
        self.check()?;
        let mut stored = self.store.inner.lock().unwrap();
        if stored.record.is_some() {
            return Err(LockError::Conflict(self.describe()));
        }
        stored.record = Some(record.clone());
        stored.version += 1;
        *self.seen.lock().unwrap() = Some(stored.version);
        Ok(())
    }

    async fn update(&self, record: &LeaderElectionRecord) -> Result<(), LockError> {
        self.check()?;
        let lose = self
            .store
            .conflicts
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1));
        if lose.is_ok() {
            return Err(LockError::Conflict(self.describe()));
        }
        let mut stored = self.store.inner.lock().unwrap();
        let mut seen = self.seen.lock().unwrap();
        match *seen {
            None => return Err(LockError::NotInitialized(self.describe())),
            Some(v) if v != stored.version => return Err(LockError::Conflict(self.describe())),
            Some(_) => {}
        }
        if stored.record.is_none() {
            return Err(LockError::NotFound(self.describe()));
        }
        stored.record = Some(record.clone());
        stored.version += 1;
        *seen = Some(stored.version);
        Ok(())
    }

    fn identity(&self) -> &str {
        &self.identity
    }

    fn describe(&self) -> String {
        "memory/lock".into()
    }
}

#[derive(Debug, PartialEq)]
enum Event {
    Started,
    Stopped,
    NewLeader(String),
}

fn config(lock: MemoryLock) -> LeaderElectionConfig<MemoryLock> {
    LeaderElectionConfig::new(lock)
}

/// The callbacks' reports. `on_new_leader` runs apart from the elector's task, so its
/// reports may interleave with the others': events a test is not waiting for yet are kept.
struct Events {
    rx: mpsc::UnboundedReceiver<(Instant, Event)>,
    kept: std::collections::VecDeque<(Instant, Event)>,
}

impl Events {
    async fn recv(&mut self) -> Option<(Instant, Event)> {
        match self.kept.pop_front() {
            Some(event) => Some(event),
            None => self.rx.recv().await,
        }
    }

    fn try_recv(&mut self) -> Result<(Instant, Event), mpsc::error::TryRecvError> {
        match self.kept.pop_front() {
            Some(event) => Ok(event),
            None => self.rx.try_recv(),
        }
    }
}

/// An elector whose callbacks report to the returned events.
fn elector(config: LeaderElectionConfig<MemoryLock>) -> (LeaderElector<MemoryLock>, Events) {
    let (tx, rx) = mpsc::unbounded_channel();
    let (started, stopped, new_leader) = (tx.clone(), tx.clone(), tx);
    let callbacks = LeaderCallbacks::new(
        move |_token| {
            let _ = started.send((Instant::now(), Event::Started));
        },
        move || {
            let _ = stopped.send((Instant::now(), Event::Stopped));
        },
    )
    .on_new_leader(move |id| {
        let _ = new_leader.send((Instant::now(), Event::NewLeader(id.to_owned())));
    });
    let events = Events {
        rx,
        kept: Default::default(),
    };
    (LeaderElector::new(config, callbacks).unwrap(), events)
}

/// The time of the next `want` event, keeping the others for later; fails (in virtual time)
/// instead of hanging.
async fn next_event(events: &mut Events, want: Event) -> Instant {
    if let Some(i) = events.kept.iter().position(|(_, e)| *e == want) {
        return events.kept.remove(i).expect("position just found").0;
    }
    let wait = async {
        loop {
            let (at, event) = events.rx.recv().await.expect("elector still running");
            if event == want {
                return at;
            }
            events.kept.push_back((at, event));
        }
    };
    tokio::time::timeout(Duration::from_secs(600), wait)
        .await
        .unwrap_or_else(|_| panic!("no {want:?} event within 600 s"))
}

fn held_by(holder: &str, seconds: i32, renew: jiff::Timestamp) -> LeaderElectionRecord {
    LeaderElectionRecord {
        holder_identity: holder.into(),
        lease_duration_seconds: seconds,
        acquire_time: Some(renew),
        renew_time: Some(renew),
        leader_transitions: 4,
    }
}

#[test]
fn jitter_stays_within_client_go_bounds() {
    let period = Duration::from_secs(2);
    assert_eq!(retry_wait(period, 0.0), period);
    assert_eq!(retry_wait(period, 0.5), Duration::from_millis(3200));
    assert_eq!(retry_wait(period, 1.0), Duration::from_millis(4400));
    for _ in 0..1000 {
        let wait = retry_wait(period, rand::random());
        assert!(
            wait >= period && wait <= Duration::from_millis(4400),
            "{wait:?}"
        );
    }
}

#[test]
fn validation_follows_client_go() {
    let store = Store::default();
    let ok = config(store.lock("a"));
    assert!(ok.validate().is_ok());
    assert!(matches!(
        config(store.lock("a"))
            .renew_deadline(Duration::from_secs(15))
            .validate(),
        Err(LeaderElectionConfigError::LeaseNotLongerThanRenewDeadline { .. })
    ));
    // 1.2 * 2 s = 2.4 s: a renew deadline of 2.4 s is not greater.
    assert!(matches!(
        config(store.lock("a"))
            .renew_deadline(Duration::from_millis(2400))
            .validate(),
        Err(LeaderElectionConfigError::RenewDeadlineTooShort { .. })
    ));
    assert_eq!(
        config(store.lock("a"))
            .retry_period(Duration::ZERO)
            .validate(),
        Err(LeaderElectionConfigError::ZeroDuration("retry_period"))
    );
    assert_eq!(
        config(store.lock("a"))
            .lease_duration(Duration::ZERO)
            .validate(),
        Err(LeaderElectionConfigError::ZeroDuration("lease_duration"))
    );
    assert!(matches!(
        config(store.lock("a"))
            .lease_duration(Duration::from_millis(900))
            .renew_deadline(Duration::from_millis(800))
            .retry_period(Duration::from_millis(100))
            .validate(),
        Err(LeaderElectionConfigError::LeaseDurationTooShort(_))
    ));
    assert_eq!(
        config(store.lock("")).validate(),
        Err(LeaderElectionConfigError::EmptyIdentity)
    );
    let callbacks = LeaderCallbacks::new(|_| {}, || {});
    assert!(LeaderElector::new(config(store.lock("")), callbacks).is_err());
}

#[tokio::test(start_paused = true)]
async fn acquires_a_missing_lock_at_once() {
    let store = Store::default();
    let (elector, mut rx) = elector(config(store.lock("a")));
    let status = elector.status();
    let start = Instant::now();
    tokio::spawn(elector.run(CancellationToken::new()));
    assert_eq!(
        next_event(&mut rx, Event::NewLeader("a".into())).await,
        start
    );
    assert_eq!(next_event(&mut rx, Event::Started).await, start);
    assert!(status.is_leader());
    assert_eq!(status.leader().as_deref(), Some("a"));
    let record = store.record().unwrap();
    assert_eq!(record.holder_identity, "a");
    assert_eq!(record.lease_duration_seconds, 15);
    assert_eq!(record.leader_transitions, 0);
}

/// The holder's `renewTime` is decades old by our clock, yet the claim is honoured for a
/// full lease duration from when we first saw it: expiry is judged on observed time.
#[tokio::test(start_paused = true)]
async fn expiry_counts_from_the_observed_change_not_the_holders_timestamp() {
    for renew in [
        jiff::Timestamp::from_second(946_684_800).unwrap(), // year 2000
        jiff::Timestamp::from_second(4_102_444_800).unwrap(), // year 2100
    ] {
        let store = Store::default();
        store.overwrite(held_by("other", 10, renew));
        let (elector, mut rx) = elector(config(store.lock("a")));
        let start = Instant::now();
        tokio::spawn(elector.run(CancellationToken::new()));
        assert_eq!(
            next_event(&mut rx, Event::NewLeader("other".into())).await,
            start
        );
        let started = next_event(&mut rx, Event::Started).await;
        let waited = started - start;
        // Valid for 10 s after the first observation; then at most one jittered retry late.
        assert!(
            waited >= Duration::from_secs(10),
            "took over early: {waited:?}"
        );
        assert!(waited <= Duration::from_millis(10_000 + 4400), "{waited:?}");
        let record = store.record().unwrap();
        assert_eq!(record.holder_identity, "a");
        assert_eq!(
            record.leader_transitions, 5,
            "a takeover counts a transition"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn a_holder_that_keeps_renewing_is_never_replaced() {
    let store = Store::default();
    store.overwrite(held_by("other", 10, jiff::Timestamp::UNIX_EPOCH));
    let renewer = store.clone();
    tokio::spawn(async move {
        for n in 1.. {
            sleep(Duration::from_secs(2)).await;
            // Only the (skewed, far-past) timestamp moves: a change is a change.
            renewer.overwrite(held_by(
                "other",
                10,
                jiff::Timestamp::from_second(n).unwrap(),
            ));
        }
    });
    let (elector, mut rx) = elector(config(store.lock("a")));
    let status = elector.status();
    tokio::spawn(elector.run(CancellationToken::new()));
    sleep(Duration::from_secs(120)).await;
    assert!(!status.is_leader());
    assert_eq!(status.leader().as_deref(), Some("other"));
    while let Ok((_, event)) = rx.try_recv() {
        assert_eq!(event, Event::NewLeader("other".into()));
    }
}

#[tokio::test(start_paused = true)]
async fn acquisition_retries_are_jittered_between_one_and_2_2_retry_periods() {
    let store = Store::default();
    store.overwrite(held_by("other", 3600, jiff::Timestamp::UNIX_EPOCH));
    let (elector, _rx) = elector(config(store.lock("a")));
    tokio::spawn(elector.run(CancellationToken::new()));
    sleep(Duration::from_secs(200)).await;
    let gets = store.gets.lock().unwrap().clone();
    assert!(gets.len() > 40, "only {} attempts", gets.len());
    let gaps: Vec<Duration> = gets.windows(2).map(|w| w[1] - w[0]).collect();
    for gap in &gaps {
        assert!(
            *gap >= Duration::from_secs(2) && *gap <= Duration::from_millis(4400),
            "{gap:?}"
        );
    }
    // Jitter actually varies the waits (all equal would mean no jitter).
    assert!(gaps.iter().any(|g| *g != gaps[0]));
}

#[tokio::test(start_paused = true)]
async fn two_candidates_elect_exactly_one() {
    let store = Store::default();
    let (a, mut rx_a) = elector(config(store.lock("a")));
    let (b, mut rx_b) = elector(config(store.lock("b")));
    let (sa, sb) = (a.status(), b.status());
    tokio::spawn(a.run(CancellationToken::new()));
    tokio::spawn(b.run(CancellationToken::new()));
    for _ in 0..60 {
        sleep(Duration::from_secs(1)).await;
        assert!(sa.is_leader() ^ sb.is_leader(), "exactly one leader");
    }
    let holder = store.record().unwrap().holder_identity;
    assert_eq!(sa.leader().as_deref(), Some(holder.as_str()));
    assert_eq!(sb.leader().as_deref(), Some(holder.as_str()));
    for rx in [&mut rx_a, &mut rx_b] {
        let mut leaders = Vec::new();
        while let Ok((_, event)) = rx.try_recv() {
            if let Event::NewLeader(id) = event {
                leaders.push(id);
            }
        }
        assert_eq!(leaders, vec![holder.clone()]);
    }
}

#[tokio::test(start_paused = true)]
async fn a_leader_that_cannot_renew_steps_down_within_the_renew_deadline() {
    let store = Store::default();
    let (elector, mut rx) = elector(config(store.lock("a")));
    let status = elector.status();
    let run = tokio::spawn(elector.run(CancellationToken::new()));
    next_event(&mut rx, Event::Started).await;
    sleep(Duration::from_secs(7)).await;
    let last_renew = store.record().unwrap();
    store.fail(true);
    let failing_since = Instant::now();
    let stopped_at = next_event(&mut rx, Event::Stopped).await;
    assert!(!status.is_leader());
    assert_eq!(run.await.unwrap(), Stopped::LostLeadership);
    let took = stopped_at - failing_since;
    // The round in progress may have just succeeded: one retry period, then the deadline.
    assert!(took >= Duration::from_secs(10), "{took:?}");
    assert!(took <= Duration::from_secs(10 + 2), "{took:?}");
    // Stepped down before the last successful renewal could be judged expired by others.
    assert_eq!(store.record().unwrap(), last_renew);
    assert!(took < Duration::from_secs(15));
}

#[tokio::test(start_paused = true)]
async fn a_leader_whose_lease_is_taken_steps_down() {
    let store = Store::default();
    let (elector, mut rx) = elector(config(store.lock("a")));
    let run = tokio::spawn(elector.run(CancellationToken::new()));
    next_event(&mut rx, Event::Started).await;
    sleep(Duration::from_secs(3)).await;
    store.overwrite(held_by("intruder", 15, jiff::Timestamp::UNIX_EPOCH));
    let taken = Instant::now();
    next_event(&mut rx, Event::NewLeader("intruder".into())).await;
    let stopped_at = next_event(&mut rx, Event::Stopped).await;
    assert_eq!(run.await.unwrap(), Stopped::LostLeadership);
    assert!(stopped_at - taken <= Duration::from_secs(12));
    assert_eq!(store.record().unwrap().holder_identity, "intruder");
}

#[tokio::test(start_paused = true)]
async fn cancel_with_release_clears_the_holder_and_hands_over() {
    let store = Store::default();
    let stop_a = CancellationToken::new();
    let (a, mut rx_a) = elector(config(store.lock("a")).release_on_cancel(true));
    let run_a = tokio::spawn(a.run(stop_a.clone()));
    next_event(&mut rx_a, Event::Started).await;
    let (b, mut rx_b) = elector(config(store.lock("b")));
    let status_b = b.status();
    tokio::spawn(b.run(CancellationToken::new()));
    sleep(Duration::from_secs(30)).await;
    assert!(!status_b.is_leader());

    stop_a.cancel();
    assert_eq!(run_a.await.unwrap(), Stopped::Cancelled);
    let released = store.record().unwrap();
    assert_eq!(released.holder_identity, "");
    assert_eq!(released.lease_duration_seconds, 1);
    assert_eq!(released.leader_transitions, 0);
    let cancelled = Instant::now();
    let started_b = next_event(&mut rx_b, Event::Started).await;
    // b's next attempt (at most one jittered retry period away) finds no holder.
    assert!(started_b - cancelled <= Duration::from_millis(4400));
    assert_eq!(store.record().unwrap().leader_transitions, 1);
}

#[tokio::test(start_paused = true)]
async fn a_dead_leader_is_replaced_after_the_lease_duration() {
    let store = Store::default();
    let (a, mut rx_a) = elector(config(store.lock("a")).release_on_cancel(true));
    let run_a = tokio::spawn(a.run(CancellationToken::new()));
    next_event(&mut rx_a, Event::Started).await;
    let (b, mut rx_b) = elector(config(store.lock("b")));
    tokio::spawn(b.run(CancellationToken::new()));
    sleep(Duration::from_secs(20)).await;
    // A crash: no release, no more renewals.
    run_a.abort();
    let _ = run_a.await;
    let last_change = Instant::now();
    // Dropping the run still ends leadership locally.
    next_event(&mut rx_a, Event::Stopped).await;
    assert_eq!(store.record().unwrap().holder_identity, "a");
    let started_b = next_event(&mut rx_b, Event::Started).await;
    let waited = started_b - last_change;
    // a's last renewal was at most one retry period before the crash; b saw it at most one
    // jittered retry period after, and takes over on its first attempt past the lease.
    assert!(waited >= Duration::from_secs(15 - 2), "{waited:?}");
    assert!(
        waited <= Duration::from_millis(15_000 + 2 * 4400),
        "{waited:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn cancel_before_leading_calls_no_callback() {
    let store = Store::default();
    store.overwrite(held_by("other", 3600, jiff::Timestamp::UNIX_EPOCH));
    let stop = CancellationToken::new();
    let (elector, mut rx) = elector(config(store.lock("a")));
    let run = tokio::spawn(elector.run(stop.clone()));
    sleep(Duration::from_secs(5)).await;
    stop.cancel();
    assert_eq!(run.await.unwrap(), Stopped::CancelledBeforeLeading);
    assert_eq!(
        rx.recv().await.map(|(_, e)| e),
        Some(Event::NewLeader("other".into()))
    );
    assert!(rx.recv().await.is_none(), "no started/stopped callback");
}

#[tokio::test(start_paused = true)]
async fn the_leading_token_fires_when_leadership_ends() {
    let store = Store::default();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let callbacks = LeaderCallbacks::new(
        move |token: CancellationToken| {
            tokio::spawn(async move {
                token.cancelled().await;
                let _ = tx.send(Instant::now());
            });
        },
        || {},
    );
    let elector = LeaderElector::new(config(store.lock("a")), callbacks).unwrap();
    let stop = CancellationToken::new();
    tokio::spawn(elector.run(stop.clone()));
    sleep(Duration::from_secs(5)).await;
    let cancelled = Instant::now();
    stop.cancel();
    assert_eq!(rx.recv().await, Some(cancelled));
}

/// A slow `on_new_leader` (here: one that blocks until the test lets it go) runs apart from
/// the elector, as client-go's runs on its own goroutine: renewals go on meanwhile and the
/// leader keeps its lease well past the renew deadline.
#[tokio::test(start_paused = true)]
async fn a_slow_new_leader_callback_does_not_delay_renewals() {
    let store = Store::default();
    let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
    let starved = Arc::new(AtomicBool::new(false));
    let callbacks = LeaderCallbacks::new(|_| {}, || {}).on_new_leader({
        let starved = starved.clone();
        let release_rx = Mutex::new(release_rx);
        move |_| {
            // On the elector's task this would block the only runtime thread: the test could
            // not advance time or let it go, and the wait would run out.
            let released = release_rx
                .lock()
                .unwrap()
                .recv_timeout(std::time::Duration::from_secs(5));
            if released.is_err() {
                starved.store(true, Ordering::SeqCst);
            }
        }
    });
    let elector = LeaderElector::new(config(store.lock("a")), callbacks).unwrap();
    let status = elector.status();
    tokio::spawn(elector.run(CancellationToken::new()));
    while !status.is_leader() {
        tokio::task::yield_now().await;
    }
    let first = store.version();
    // 30 s of retry periods (2 s each), three times the renew deadline, while the callback
    // for "a" is still blocked.
    for _ in 0..15 {
        tokio::time::advance(Duration::from_secs(2)).await;
        for _ in 0..10 {
            tokio::task::yield_now().await;
        }
    }
    assert!(status.is_leader());
    assert!(
        store.version() >= first + 10,
        "renewals: {}",
        store.version() - first
    );
    release_tx.send(()).unwrap();
    assert!(
        !starved.load(Ordering::SeqCst),
        "the callback blocked the elector"
    );
}

/// A release that loses a race (409) reads the lock again and retries, as client-go's
/// `release` polls until the renew deadline.
#[tokio::test(start_paused = true)]
async fn release_retries_after_a_conflict() {
    let store = Store::default();
    let stop = CancellationToken::new();
    let (a, mut rx) = elector(config(store.lock("a")).release_on_cancel(true));
    let run = tokio::spawn(a.run(stop.clone()));
    next_event(&mut rx, Event::Started).await;
    sleep(Duration::from_secs(5)).await;
    store.conflicts.store(2, Ordering::SeqCst);
    let cancelled = Instant::now();
    stop.cancel();
    assert_eq!(run.await.unwrap(), Stopped::Cancelled);
    let released = store.record().unwrap();
    assert_eq!(released.holder_identity, "", "released after two conflicts");
    assert_eq!(released.lease_duration_seconds, 1);
    // Two lost attempts, a retry period (2 s) apart, then the one that wins.
    let took = Instant::now() - cancelled;
    assert!(
        took >= Duration::from_secs(4) && took < Duration::from_secs(10),
        "{took:?}"
    );
}
