//! The kube-rs child: `kube::runtime::Controller` of Pods with a no-op reconcile.

use std::sync::Arc;
use std::time::Instant;

use futures::StreamExt;
use k8s_openapi::api::core::v1::Pod;
use kube::runtime::controller::{Action, Config, Controller};
use kube::runtime::watcher;

use super::{ChildArgs, report, wait_done};
use crate::controller::Mode;
use crate::informer::child::Tally;
use crate::informer::{InformerBenchError, proc_status};

/// A reconcile that cannot fail (kube-rs wants an error type implementing `Error`).
#[derive(Debug, thiserror::Error)]
#[error("never")]
struct Never;

async fn reconcile(_pod: Arc<Pod>, tally: Arc<Tally>) -> Result<Action, Never> {
    tally.record();
    Ok(Action::await_change())
}

fn error_policy(_pod: Arc<Pod>, _error: &Never, _tally: Arc<Tally>) -> Action {
    Action::await_change()
}

/// Builds kube-rs's client from the kubeconfig and runs its Controller until every Pod was
/// reconciled once.
pub(super) async fn run(args: &ChildArgs, tally: Arc<Tally>) -> Result<(), InformerBenchError> {
    let client = crate::informer::child::kube_rs::client(&args.kubeconfig).await?;
    let api: kube::Api<Pod> = kube::Api::namespaced(client, &args.namespace);
    let watch = match args.mode {
        Mode::KubeStreaming => watcher::Config::default().streaming_lists(),
        _ => watcher::Config::default(),
    };
    let mut config = Config::default();
    if args.concurrency > 0 {
        config = config.concurrency(u16::try_from(args.concurrency).unwrap_or(u16::MAX));
    }
    let base = proc_status::current()?.current;
    let started = Instant::now();
    let controller =
        Controller::new(api, watch)
            .with_config(config)
            .run(reconcile, error_policy, tally.clone());
    tokio::spawn(controller.for_each(|result| {
        if let Err(err) = result {
            eprintln!("kube-rs controller: {err}");
        }
        std::future::ready(())
    }));
    let done = wait_done(args, &tally, started).await?;
    report(args, &tally, base, done.duration_since(started)).await
}
