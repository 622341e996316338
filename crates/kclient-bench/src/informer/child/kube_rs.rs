//! The kube-rs child: a `reflector` over a `watcher` of Pods, with shared-store subscribers
//! standing in for handlers.

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use futures::StreamExt;
use k8s_openapi::api::core::v1::Pod;
use kube::runtime::{WatchStreamExt, reflector, watcher};

use super::{ChildArgs, SUBSCRIBER_BUFFER, Tally, finish, has_tick, wait_for_len};
use crate::informer::{InformerBenchError, Mode, proc_status};

/// kube-rs's client of the server in `kubeconfig`.
pub(crate) async fn client(kubeconfig: &Path) -> Result<kube::Client, InformerBenchError> {
    let kubeconfig = kube::config::Kubeconfig::read_from(kubeconfig)?;
    let config = kube::Config::from_custom_kubeconfig(
        kubeconfig,
        &kube::config::KubeConfigOptions::default(),
    )
    .await?;
    Ok(kube::Client::try_from(config)?)
}

/// Builds kube-rs's client from the kubeconfig, runs the reflector to sync and, with
/// subscribers, through the updates.
pub(super) async fn run(
    args: &ChildArgs,
    tallies: &[Arc<Tally>],
) -> Result<(), InformerBenchError> {
    let client = client(&args.kubeconfig).await?;
    let api: kube::Api<Pod> = kube::Api::namespaced(client, &args.namespace);
    let config = match args.mode {
        Mode::KubeStreaming => watcher::Config::default().streaming_lists(),
        _ => watcher::Config::default(),
    };
    // Without subscribers the plain store: what a kube-rs reflector user holds.
    let (store, writer) = if tallies.is_empty() {
        reflector::store::<Pod>()
    } else {
        reflector::store_shared::<Pod>(SUBSCRIBER_BUFFER)
    };
    for tally in tallies {
        let subscriber = writer
            .subscribe()
            .ok_or_else(|| InformerBenchError::Protocol("shared store without subscribe".into()))?;
        let tally = tally.clone();
        let tick = args.tick.clone();
        tokio::spawn(subscriber.for_each(move |pod| {
            if has_tick(&pod.metadata, &tick) {
                tally.record();
            }
            std::future::ready(())
        }));
    }
    let base = proc_status::current()?.current;
    let started = Instant::now();
    let events = watcher(api, config).default_backoff();
    let stream = if args.mode.strips_managed_fields() {
        reflector::reflector(
            writer,
            events
                .modify(|pod| pod.metadata.managed_fields = None)
                .boxed(),
        )
        .boxed()
    } else {
        reflector::reflector(writer, events.boxed()).boxed()
    };
    tokio::spawn(stream.for_each(|event| {
        if let Err(err) = event {
            eprintln!("kube-rs watcher error: {err}");
        }
        std::future::ready(())
    }));
    tokio::time::timeout(args.timeout, store.wait_until_ready())
        .await
        .map_err(|_| InformerBenchError::Mismatch("kube-rs store not ready in time".into()))?
        .map_err(|e| InformerBenchError::Protocol(format!("kube-rs writer dropped: {e}")))?;
    wait_for_len(args, started, || store.len()).await?;
    let secs = started.elapsed().as_secs_f64();
    finish(args, tallies, base, secs, store.len()).await?;
    drop(store);
    Ok(())
}
