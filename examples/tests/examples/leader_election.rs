//! leader_election: two candidates, exactly one leads; killing it hands over within the
//! lease duration; a clean exit releases the Lease.

use std::time::{Duration, Instant};

use k8s_openapi::api::coordination::v1::Lease;
use kclient::{Api, GetOptions};

use crate::harness::{Env, Running};

const WAIT: Duration = Duration::from_secs(20);
/// Short timings keep the test quick: followers take over 2 s after the last renewal.
const TIMINGS: [&str; 6] = [
    "--lease-duration",
    "2s",
    "--renew-deadline",
    "1500ms",
    "--retry-period",
    "250ms",
];

/// Reads from both replicas until one says `<id>: started leading`; returns its index.
pub async fn wait_for_leader(
    replicas: &mut [&mut Running],
    ids: &[&str],
    timeout: Duration,
) -> usize {
    let deadline = Instant::now() + timeout;
    loop {
        for (i, r) in replicas.iter_mut().enumerate() {
            r.collect_for(Duration::from_millis(50)).await;
            let line = format!("{}: started leading", ids[i]);
            if r.has_seen(|l| l == line) {
                return i;
            }
        }
        if Instant::now() > deadline {
            let transcripts: Vec<String> = replicas.iter().map(|r| r.transcript()).collect();
            panic!(
                "no replica started leading within {timeout:?}\n{}",
                transcripts.join("\n")
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_candidate_leads_and_the_other_takes_over_when_it_dies() {
    let env = Env::start().await;
    let args = |id: &'static str| {
        let mut v = vec![
            "--identity",
            id,
            "--lease-name",
            "example-lock",
            "--duration",
            "120s",
        ];
        v.extend(TIMINGS);
        v
    };
    let mut a = env.spawn("leader_election", &args("a"));
    let mut b = env.spawn("leader_election", &args("b"));
    let ids = ["a", "b"];
    let leader = wait_for_leader(&mut [&mut a, &mut b], &ids, WAIT).await;
    let follower = 1 - leader;
    let (mut leading, mut following) = if leader == 0 { (a, b) } else { (b, a) };
    let (leader_id, follower_id) = (ids[leader], ids[follower]);

    following
        .wait_for_line(
            &format!("{follower_id}: new leader elected: {leader_id}"),
            WAIT,
        )
        .await;
    leading
        .wait_for_line(&format!("{leader_id}: working (2)"), WAIT)
        .await;
    // While the leader renews, the follower never leads (three lease durations).
    following.collect_for(Duration::from_secs(6)).await;
    let follower_led = format!("{follower_id}: started leading");
    assert!(
        !following.has_seen(|l| l == follower_led),
        "{}",
        following.transcript()
    );

    // Killed without releasing: the follower takes over once the lease has expired.
    leading.kill().await;
    let killed = Instant::now();
    following
        .wait_for_line(&follower_led, Duration::from_secs(15))
        .await;
    let took = killed.elapsed();
    assert!(
        took >= Duration::from_secs(1),
        "took over after {took:?}, before the lease expired"
    );
    following
        .wait_for_line(&format!("{follower_id}: working (1)"), WAIT)
        .await;

    // A clean exit steps down and releases the Lease.
    following.interrupt();
    let status = following.wait_exit(WAIT).await;
    assert!(
        status.success(),
        "exit {status}\n{}",
        following.transcript()
    );
    assert!(following.has_seen(|l| l == format!("{follower_id}: stopped leading")));
    assert!(following.has_seen(|l| l == format!("{follower_id}: exiting (Cancelled)")));
    let lease = Api::<Lease>::namespaced(env.clientset.client().clone(), "default")
        .get("example-lock", &GetOptions::default())
        .await
        .expect("lease");
    let holder = lease
        .spec
        .and_then(|s| s.holder_identity)
        .unwrap_or_default();
    assert!(holder.is_empty(), "the lease is still held by {holder:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_released_lease_is_taken_over_at_once() {
    let env = Env::start().await;
    // Long leases on both sides: only the release explains a quick take-over.
    let long = [
        "--lease-duration",
        "15s",
        "--renew-deadline",
        "10s",
        "--retry-period",
        "250ms",
    ];
    let mut first_args = vec!["--identity", "first", "--duration", "3s"];
    first_args.extend(long);
    let mut first = env.spawn("leader_election", &first_args);
    first.wait_for_line("first: started leading", WAIT).await;

    let mut second_args = vec!["--identity", "second", "--duration", "30s"];
    second_args.extend(long);
    let mut second = env.spawn("leader_election", &second_args);
    second
        .wait_for_line("second: new leader elected: first", WAIT)
        .await;
    let status = first.wait_exit(WAIT).await;
    assert!(status.success(), "exit {status}\n{}", first.transcript());
    let released = Instant::now();
    second
        .wait_for_line("second: started leading", Duration::from_secs(5))
        .await;
    assert!(released.elapsed() < Duration::from_secs(5));
    second.interrupt();
    assert!(
        second.wait_exit(WAIT).await.success(),
        "{}",
        second.transcript()
    );
}
