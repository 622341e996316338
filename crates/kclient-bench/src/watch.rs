//! Watch fan-out: many concurrent watchers, each resuming from the same resourceVersion and
//! reading every event written after it, until each has seen all of them.

use std::time::{Duration, Instant};

#[cfg(feature = "kube-rs")]
use futures::StreamExt;
use futures::TryStreamExt;
use k8s_openapi::api::core::v1::ConfigMap;
use kclient::core::params::ListOptions;
use kclient::core::watch::WatchEvent;
use kclient::rest::RestClient;
#[cfg(feature = "kube-rs")]
use kube::api::{Api, WatchParams};

use crate::error::BenchError;
use crate::fixture::FANOUT_NAMESPACE;

/// Server-side bound on each watch, so a lost event ends the run instead of hanging it
/// (kube-rs rejects timeouts of 295 s and more).
const WATCH_TIMEOUT_SECONDS: u32 = 290;

/// One fan-out run: `watchers` watches from `from`, each expecting `events` object events.
#[derive(Clone, Debug)]
pub struct FanOut {
    /// Concurrent watchers.
    pub watchers: usize,
    /// Object events each watcher must receive.
    pub events: usize,
    /// The resourceVersion all watchers resume from.
    pub from: String,
}

impl FanOut {
    /// Events delivered across all watchers in one run.
    pub fn delivered(&self) -> u64 {
        (self.watchers * self.events) as u64
    }
}

/// kclient: `Request::watch::<ConfigMap>()` per watcher on one shared `RestClient`; returns
/// the wall time until every watcher has its events.
pub async fn kclient(client: &RestClient, run: &FanOut) -> Result<Duration, BenchError> {
    let started = Instant::now();
    let tasks = (0..run.watchers).map(|_| {
        let client = client.clone();
        let run = run.clone();
        tokio::spawn(async move {
            let options = ListOptions {
                resource_version: Some(run.from.clone()),
                timeout_seconds: Some(WATCH_TIMEOUT_SECONDS),
                ..ListOptions::default()
            };
            let mut events = client
                .get()
                .prefix(["api", "v1"])
                .namespace(FANOUT_NAMESPACE)
                .resource("configmaps")
                .params(&options)
                .watch::<ConfigMap>()
                .await?;
            let mut seen = 0;
            while seen < run.events {
                match events.try_next().await? {
                    Some(
                        WatchEvent::Added(_) | WatchEvent::Modified(_) | WatchEvent::Deleted(_),
                    ) => seen += 1,
                    Some(WatchEvent::Bookmark(_)) => {}
                    Some(WatchEvent::Error(status)) => {
                        return Err(BenchError::Mismatch(format!(
                            "kclient watch error event: {}",
                            status.message.unwrap_or_default()
                        )));
                    }
                    None => break,
                }
            }
            Ok(seen)
        })
    });
    let results = futures::future::join_all(tasks.collect::<Vec<_>>()).await;
    let elapsed = started.elapsed();
    for result in results {
        expect_events("kclient", result??, run.events)?;
    }
    Ok(elapsed)
}

/// kube-rs: `Api::<ConfigMap>::watch` per watcher on one shared `Client`; returns the wall
/// time until every watcher has its events.
#[cfg(feature = "kube-rs")]
pub async fn kube(client: &kube::Client, run: &FanOut) -> Result<Duration, BenchError> {
    let started = Instant::now();
    let tasks = (0..run.watchers).map(|_| {
        let api: Api<ConfigMap> = Api::namespaced(client.clone(), FANOUT_NAMESPACE);
        let run = run.clone();
        tokio::spawn(async move {
            let params = WatchParams::default().timeout(WATCH_TIMEOUT_SECONDS);
            let mut events = api.watch(&params, &run.from).await?.boxed();
            let mut seen = 0;
            while seen < run.events {
                match events.try_next().await? {
                    Some(
                        kube::core::WatchEvent::Added(_)
                        | kube::core::WatchEvent::Modified(_)
                        | kube::core::WatchEvent::Deleted(_),
                    ) => seen += 1,
                    Some(kube::core::WatchEvent::Bookmark(_)) => {}
                    Some(kube::core::WatchEvent::Error(status)) => {
                        return Err(BenchError::Mismatch(format!(
                            "kube-rs watch error event: {}",
                            status.message
                        )));
                    }
                    None => break,
                }
            }
            Ok(seen)
        })
    });
    let results = futures::future::join_all(tasks.collect::<Vec<_>>()).await;
    let elapsed = started.elapsed();
    for result in results {
        expect_events("kube-rs", result??, run.events)?;
    }
    Ok(elapsed)
}

fn expect_events(client: &str, seen: usize, expected: usize) -> Result<(), BenchError> {
    if seen == expected {
        Ok(())
    } else {
        Err(BenchError::Mismatch(format!(
            "a {client} watcher ended after {seen} of {expected} events"
        )))
    }
}
