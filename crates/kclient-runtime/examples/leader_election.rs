//! Two replicas compete for one Lease on the embedded test server; the leader works until it
//! is stopped, releases the Lease, and the other replica takes over at once.
//!
//! ```text
//! cargo run -p kclient-runtime --example leader_election
//! ```

use std::time::Duration;

use kclient::RestClient;
use kclient_runtime::leaderelection::{
    CancellationToken, LeaderCallbacks, LeaderElectionConfig, LeaderElector, LeaseLock,
};
use kclient_testserver::TestServer;

fn replica(client: &RestClient, identity: &'static str) -> LeaderElector<LeaseLock> {
    let lock = LeaseLock::new(client.clone(), "default", "example-controller", identity);
    let config = LeaderElectionConfig::new(lock)
        .lease_duration(Duration::from_secs(15))
        .renew_deadline(Duration::from_secs(10))
        .retry_period(Duration::from_millis(500))
        .release_on_cancel(true)
        .name("example");
    let callbacks = LeaderCallbacks::new(
        move |leading: CancellationToken| {
            println!("[{identity}] started leading");
            tokio::spawn(async move {
                let mut ticks = tokio::time::interval(Duration::from_millis(700));
                loop {
                    tokio::select! {
                        () = leading.cancelled() => break,
                        _ = ticks.tick() => println!("[{identity}] reconciling as leader"),
                    }
                }
                println!("[{identity}] work stopped");
            });
        },
        move || println!("[{identity}] stopped leading"),
    )
    .on_new_leader(move |leader| println!("[{identity}] sees leader {leader}"));
    LeaderElector::new(config, callbacks).expect("valid leader election config")
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let server = TestServer::start().await?;
    let client = RestClient::new(server.config())?;

    let stop_a = CancellationToken::new();
    let a = tokio::spawn(replica(&client, "replica-a").run(stop_a.clone()));
    tokio::time::sleep(Duration::from_millis(300)).await;
    let stop_b = CancellationToken::new();
    let b = replica(&client, "replica-b");
    let status_b = b.status();
    let b = tokio::spawn(b.run(stop_b.clone()));

    tokio::time::sleep(Duration::from_secs(2)).await;
    println!("-- stopping replica-a (it releases the Lease) --");
    stop_a.cancel();
    println!("replica-a ended: {:?}", a.await?);

    let mut status = status_b.clone();
    while !status.is_leader() {
        if !status.changed().await {
            break; // replica-b's run ended
        }
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    stop_b.cancel();
    println!("replica-b ended: {:?}", b.await?);
    Ok(())
}
