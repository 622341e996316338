//! Leader election against the in-memory API server, over HTTPS: real Leases, real
//! resourceVersion conflicts, real faults. Timing here is the wall clock, so assertions are
//! ordering and safety bounds (never "faster than"); the exact timing decisions are tested on a
//! paused clock beside the elector.

use std::time::Duration;

use k8s_openapi::api::coordination::v1::Lease;
use kclient_client::ApiError;
use kclient_client::{Api, DeleteOptions, GetOptions, RestClient, UpdateOptions};
use kclient_runtime::leaderelection::{
    CancellationToken, LeaderCallbacks, LeaderElectionConfig, LeaderElector, LeaderStatus,
    LeaseLock, Stopped,
};
use kclient_testserver::TestServer;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::{Instant, sleep, timeout};

const NS: &str = "default";
const LEASE: &str = "my-controller";

#[derive(Debug, PartialEq)]
enum Event {
    Started,
    Stopped,
    NewLeader(String),
}

struct Candidate {
    status: LeaderStatus,
    events: mpsc::UnboundedReceiver<(Instant, Event)>,
    /// Events received while waiting for another one: `on_new_leader` runs apart from the
    /// elector's task, so its reports may come before or after the others'.
    kept: Vec<(Instant, Event)>,
    stop: CancellationToken,
    run: JoinHandle<Stopped>,
}

impl Candidate {
    fn start(client: &RestClient, identity: &str, timing: Timing, release: bool) -> Self {
        let lock = LeaseLock::new(client.clone(), NS, LEASE, identity);
        let config = LeaderElectionConfig::new(lock)
            .lease_duration(timing.lease)
            .renew_deadline(timing.renew)
            .retry_period(timing.retry)
            .release_on_cancel(release)
            .name("test");
        let (tx, events) = mpsc::unbounded_channel();
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
        let elector = LeaderElector::new(config, callbacks).expect("valid config");
        let status = elector.status();
        let stop = CancellationToken::new();
        let run = tokio::spawn(elector.run(stop.clone()));
        Self {
            status,
            events,
            kept: Vec::new(),
            stop,
            run,
        }
    }

    /// The time of the next `want` event, failing after `within`.
    async fn wait_for(&mut self, want: Event, within: Duration) -> Instant {
        if let Some(i) = self.kept.iter().position(|(_, e)| *e == want) {
            return self.kept.remove(i).0;
        }
        let wait = async {
            loop {
                let (at, event) = self.events.recv().await.expect("elector running");
                if event == want {
                    return at;
                }
                self.kept.push((at, event));
            }
        };
        timeout(within, wait)
            .await
            .unwrap_or_else(|_| panic!("no {want:?} within {within:?}"))
    }

    /// Every event received so far and not yet waited for, in order.
    fn drain(&mut self) -> Vec<Event> {
        let mut events: Vec<Event> = self.kept.drain(..).map(|(_, e)| e).collect();
        while let Ok((_, event)) = self.events.try_recv() {
            events.push(event);
        }
        events
    }

    /// Every leader reported so far.
    fn reported_leaders(&mut self) -> Vec<String> {
        self.drain()
            .into_iter()
            .filter_map(|event| match event {
                Event::NewLeader(id) => Some(id),
                _ => None,
            })
            .collect()
    }
}

#[derive(Clone, Copy)]
struct Timing {
    lease: Duration,
    renew: Duration,
    retry: Duration,
}

/// Generous against a loaded machine: a healthy leader never misses 8 s of renewals.
const STEADY: Timing = Timing {
    lease: Duration::from_secs(10),
    renew: Duration::from_secs(8),
    retry: Duration::from_millis(200),
};

async fn start() -> (TestServer, RestClient, Api<Lease>) {
    let server = TestServer::start().await.expect("test server starts");
    let client = RestClient::new(server.config().without_rate_limit()).expect("client builds");
    let leases = Api::namespaced(client.clone(), NS);
    (server, client, leases)
}

async fn lease(leases: &Api<Lease>) -> Lease {
    leases
        .get(LEASE, &GetOptions::default())
        .await
        .expect("lease exists")
}

fn holder(lease: &Lease) -> &str {
    lease
        .spec
        .as_ref()
        .and_then(|s| s.holder_identity.as_deref())
        .unwrap_or_default()
}

#[tokio::test]
async fn two_electors_on_one_lease_elect_exactly_one_leader() {
    let (_server, client, leases) = start().await;
    let mut a = Candidate::start(&client, "a", STEADY, false);
    let mut b = Candidate::start(&client, "b", STEADY, false);
    let deadline = Instant::now() + Duration::from_secs(10);
    while !(a.status.is_leader() || b.status.is_leader()) {
        assert!(Instant::now() < deadline, "nobody became leader");
        sleep(Duration::from_millis(20)).await;
    }
    // Both keep competing (the follower polls, the leader renews) for several rounds.
    for _ in 0..100 {
        assert!(
            !(a.status.is_leader() && b.status.is_leader()),
            "two leaders at once"
        );
        sleep(Duration::from_millis(20)).await;
    }
    let leader = if a.status.is_leader() { "a" } else { "b" };
    assert!(a.status.is_leader() ^ b.status.is_leader());
    let stored = lease(&leases).await;
    assert_eq!(holder(&stored), leader);
    let spec = stored.spec.as_ref().unwrap();
    assert_eq!(spec.lease_duration_seconds, Some(10));
    assert_eq!(spec.lease_transitions, Some(0));
    assert!(spec.acquire_time.is_some() && spec.renew_time.is_some());
    assert_eq!(a.status.leader().as_deref(), Some(leader));
    assert_eq!(b.status.leader().as_deref(), Some(leader));
    assert_eq!(a.reported_leaders(), vec![leader.to_owned()]);
    assert_eq!(b.reported_leaders(), vec![leader.to_owned()]);

    // The leader keeps renewing: renewTime moves, the holder does not.
    let before = stored.spec.unwrap().renew_time.unwrap();
    sleep(Duration::from_millis(600)).await;
    let after = lease(&leases).await;
    assert_eq!(holder(&after), leader);
    assert!(after.spec.unwrap().renew_time.unwrap() > before);
}

#[tokio::test]
async fn stopping_the_leader_with_release_hands_over_before_the_lease_expires() {
    let (_server, client, leases) = start().await;
    // A long lease: a hand-over well within it can only come from the release.
    let timing = Timing {
        lease: Duration::from_secs(60),
        renew: Duration::from_secs(40),
        retry: Duration::from_millis(200),
    };
    let mut a = Candidate::start(&client, "a", timing, true);
    a.wait_for(Event::Started, Duration::from_secs(10)).await;
    let mut b = Candidate::start(&client, "b", timing, false);
    b.wait_for(Event::NewLeader("a".into()), Duration::from_secs(10))
        .await;
    assert!(!b.status.is_leader());

    a.stop.cancel();
    assert_eq!((&mut a.run).await.unwrap(), Stopped::Cancelled);
    assert!(!a.status.is_leader());
    a.wait_for(Event::Stopped, Duration::from_secs(1)).await;

    b.wait_for(Event::Started, Duration::from_secs(20)).await;
    assert!(b.status.is_leader());
    let stored = lease(&leases).await;
    assert_eq!(holder(&stored), "b");
    assert_eq!(stored.spec.as_ref().unwrap().lease_transitions, Some(1));
    assert_eq!(stored.spec.unwrap().lease_duration_seconds, Some(60));
}

#[tokio::test]
async fn release_clears_the_holder_with_a_one_second_lease() {
    let (_server, client, leases) = start().await;
    let mut a = Candidate::start(&client, "a", STEADY, true);
    a.wait_for(Event::Started, Duration::from_secs(10)).await;
    a.stop.cancel();
    assert_eq!((&mut a.run).await.unwrap(), Stopped::Cancelled);
    let spec = lease(&leases).await.spec.unwrap();
    assert_eq!(spec.holder_identity.as_deref(), Some(""));
    assert_eq!(spec.lease_duration_seconds, Some(1));
    assert_eq!(a.status.leader(), None);
}

#[tokio::test]
async fn killing_the_leader_without_release_hands_over_after_the_lease_duration() {
    let (_server, client, leases) = start().await;
    let timing = Timing {
        lease: Duration::from_secs(3),
        renew: Duration::from_secs(2),
        retry: Duration::from_millis(200),
    };
    let mut a = Candidate::start(&client, "a", timing, true);
    a.wait_for(Event::Started, Duration::from_secs(10)).await;
    let mut b = Candidate::start(&client, "b", timing, false);
    b.wait_for(Event::NewLeader("a".into()), Duration::from_secs(10))
        .await;
    sleep(Duration::from_millis(500)).await;

    // A crash: the run future is dropped, nothing is released (even with release_on_cancel).
    a.run.abort();
    let killed = Instant::now();
    assert!((&mut a.run).await.unwrap_err().is_cancelled());
    a.wait_for(Event::Stopped, Duration::from_secs(1)).await;
    assert!(!a.status.is_leader());
    assert_eq!(holder(&lease(&leases).await), "a");

    // b reports itself as the new leader, then starts leading.
    b.wait_for(Event::NewLeader("b".into()), Duration::from_secs(30))
        .await;
    let started = b.wait_for(Event::Started, Duration::from_secs(1)).await;
    // a's last renewal came at most one retry period (plus a round trip) before the kill, and
    // b must wait a full lease duration from when it saw that renewal.
    let waited = started - killed;
    assert!(
        waited >= Duration::from_millis(2500),
        "took over after {waited:?}"
    );
    let stored = lease(&leases).await;
    assert_eq!(holder(&stored), "b");
    assert_eq!(stored.spec.unwrap().lease_transitions, Some(1));
}

#[tokio::test]
async fn a_leader_whose_renewals_fail_steps_down_before_its_lease_expires() {
    let (server, client, _leases) = start().await;
    let timing = Timing {
        lease: Duration::from_secs(10),
        renew: Duration::from_secs(3),
        retry: Duration::from_millis(200),
    };
    let mut a = Candidate::start(&client, "a", timing, true);
    a.wait_for(Event::Started, Duration::from_secs(10)).await;
    server
        .faults()
        .fail_path_prefix("/apis/coordination.k8s.io", 500);
    let failing = Instant::now();
    let stopped = a.wait_for(Event::Stopped, Duration::from_secs(10)).await;
    assert_eq!((&mut a.run).await.unwrap(), Stopped::LostLeadership);
    assert!(!a.status.is_leader());
    let took = stopped - failing;
    // Renewals are retried for the whole renew deadline before giving up...
    assert!(
        took >= Duration::from_millis(2500),
        "gave up after {took:?}"
    );
    // ...and it stepped down inside the 10 s lease (the wait above is bounded by it).
}

#[tokio::test]
async fn a_leader_whose_lease_is_overwritten_steps_down_and_does_not_release_it() {
    let (_server, client, leases) = start().await;
    let timing = Timing {
        lease: Duration::from_secs(10),
        renew: Duration::from_secs(3),
        retry: Duration::from_millis(200),
    };
    let mut a = Candidate::start(&client, "a", timing, true);
    a.wait_for(Event::Started, Duration::from_secs(10)).await;

    // Another writer takes the Lease; the retry loop rides over the leader's conflicts.
    let mut taken = None;
    for _ in 0..20 {
        let mut stolen = lease(&leases).await;
        let spec = stolen.spec.as_mut().unwrap();
        spec.holder_identity = Some("intruder".into());
        spec.lease_duration_seconds = Some(30);
        match leases.update(&stolen, &UpdateOptions::default()).await {
            Ok(written) => {
                taken = Some(written);
                break;
            }
            Err(err) if err.is_conflict() => continue,
            Err(err) => panic!("overwrite failed: {err}"),
        }
    }
    assert!(taken.is_some(), "could not overwrite the lease");

    a.wait_for(Event::NewLeader("intruder".into()), Duration::from_secs(5))
        .await;
    assert!(
        !a.status.is_leader(),
        "not leader once another holder is seen"
    );
    a.wait_for(Event::Stopped, Duration::from_secs(10)).await;
    assert_eq!((&mut a.run).await.unwrap(), Stopped::LostLeadership);
    // release_on_cancel never clears somebody else's claim.
    assert_eq!(holder(&lease(&leases).await), "intruder");
}

#[tokio::test]
async fn a_deleted_lease_is_recreated_by_the_leader() {
    let (_server, client, leases) = start().await;
    let mut a = Candidate::start(&client, "a", STEADY, false);
    a.wait_for(Event::Started, Duration::from_secs(10)).await;
    leases
        .delete(LEASE, &DeleteOptions::default())
        .await
        .expect("delete");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(l) = leases.get_opt(LEASE, &GetOptions::default()).await.unwrap() {
            assert_eq!(holder(&l), "a");
            break;
        }
        assert!(Instant::now() < deadline, "lease not recreated");
        sleep(Duration::from_millis(50)).await;
    }
    assert!(a.status.is_leader());
    // At most the report of its own election, which may come after `Started`.
    let later = a.drain();
    assert!(
        later.iter().all(|e| *e == Event::NewLeader("a".into())) && later.len() <= 1,
        "no step-down, no new leader: {later:?}"
    );
}
