//! Leader election on a Lease: two candidates, one leader; the leader steps down (releasing
//! the Lease) and the other takes over.

use std::sync::Arc;
use std::time::Duration;

use kclient::ClientSet;
use kclient::runtime::leaderelection::{
    CancellationToken, LeaderCallbacks, LeaderElectionConfig, LeaderElector, LeaseLock,
};
use parking_lot::Mutex;

use super::out::Out;
use crate::error::CliError;

const LEASE: &str = "kclient-demo-leader";

pub async fn election(out: &Out, clientset: &ClientSet, ns: &str) -> Result<(), CliError> {
    out.step(&format!(
        "leader election: candidates a and b on Lease {ns}/{LEASE}"
    ));
    let leaders: Arc<Mutex<Vec<String>>> = Arc::default();
    let (a, stop_a) = candidate(clientset, ns, "a", &leaders)?;
    let (b, stop_b) = candidate(clientset, ns, "b", &leaders)?;
    let status_a = a.status();
    let status_b = b.status();
    let run_a = tokio::spawn(a.run(stop_a.clone()));
    let run_b = tokio::spawn(b.run(stop_b.clone()));

    let outcome = async {
        let first = out
            .wait_for("a leader", Duration::from_secs(30), || async {
                match (status_a.is_leader(), status_b.is_leader()) {
                    (true, false) => Some(("a", &stop_a, "b")),
                    (false, true) => Some(("b", &stop_b, "a")),
                    _ => None,
                }
            })
            .await?;
        let (leader, stop_leader, other) = first;
        out.done(&format!("{leader} leads, {other} follows"));

        out.step(&format!("{leader} steps down and releases the Lease"));
        stop_leader.cancel();
        let other_status = if other == "a" { &status_a } else { &status_b };
        out.wait_for("the hand-over", Duration::from_secs(30), || async {
            other_status.is_leader().then_some(())
        })
        .await?;
        out.done(&format!("{other} took over"));
        Ok::<_, CliError>(())
    }
    .await;
    stop_a.cancel();
    stop_b.cancel();
    let _ = run_a.await;
    let _ = run_b.await;
    outcome?;
    let seen = leaders.lock().clone();
    out.done(&format!("on_new_leader saw {seen:?}"));
    Ok(())
}

type Candidate = (LeaderElector<LeaseLock>, CancellationToken);

fn candidate(
    clientset: &ClientSet,
    ns: &str,
    identity: &str,
    leaders: &Arc<Mutex<Vec<String>>>,
) -> Result<Candidate, CliError> {
    let lock = LeaseLock::new(clientset.client().clone(), ns, LEASE, identity);
    // Short periods keep the demo quick; release_on_cancel makes the hand-over immediate.
    let config = LeaderElectionConfig::new(lock)
        .lease_duration(Duration::from_secs(4))
        .renew_deadline(Duration::from_secs(3))
        .retry_period(Duration::from_millis(500))
        .release_on_cancel(true)
        .name("kclient-demo");
    let leaders = leaders.clone();
    let callbacks = LeaderCallbacks::new(|_leading| {}, || {}).on_new_leader(move |who| {
        let mut seen = leaders.lock();
        if seen.last().map(String::as_str) != Some(who) {
            seen.push(who.to_owned());
        }
    });
    let elector =
        LeaderElector::new(config, callbacks).map_err(|e| CliError::Check(e.to_string()))?;
    Ok((elector, CancellationToken::new()))
}
