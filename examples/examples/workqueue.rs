//! Workqueue: a rate-limited queue driving a small reconcile loop, as client-go's
//! `workqueue.NewRateLimitingQueue` is used in every controller. Each key names a ConfigMap
//! to reconcile (create or update it); reconciles fail on purpose for the first attempts, so
//! keys are retried with per-item exponential backoff (`add_rate_limited`), forgotten on
//! success (`forget`), and dropped after `--max-retries`.
//!
//! ```text
//! cargo run -p kclient-examples --example workqueue -- --kubeconfig ~/.kube/config \
//!     --items 3 --fail-times 2 --workers 2
//! ```

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use clap::Parser;
use k8s_openapi::api::core::v1::ConfigMap;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kclient::workqueue::RateLimitingQueue;
use kclient::workqueue::limiters::{Bucket, ItemExponentialFailure, MaxOf};
use kclient::{Api, ClientSet, CreateOptions, GetOptions, UpdateOptions};
use kclient_examples::{ConfigFlags, parse_duration};

/// Reconcile a few ConfigMaps through a rate-limited work queue, with retries.
#[derive(Debug, Parser)]
struct Args {
    #[command(flatten)]
    config: ConfigFlags,
    /// Namespace of the ConfigMaps.
    #[arg(short, long, default_value = "default")]
    namespace: String,
    /// How many keys (ConfigMaps `workqueue-demo-0` ...) to reconcile.
    #[arg(long, default_value_t = 3)]
    items: usize,
    /// Every reconcile fails this many times before it succeeds.
    #[arg(long, default_value_t = 2)]
    fail_times: usize,
    /// This item (by index) always fails, to show a key being dropped.
    #[arg(long)]
    poison: Option<usize>,
    /// Retries before a key is dropped (client-go samples use 5).
    #[arg(long, default_value_t = 5)]
    max_retries: usize,
    /// Concurrent workers.
    #[arg(long, default_value_t = 2)]
    workers: usize,
    /// First retry delay; it doubles per failure.
    #[arg(long, value_parser = parse_duration, default_value = "5ms")]
    base_delay: Duration,
    /// Longest retry delay.
    #[arg(long, value_parser = parse_duration, default_value = "1s")]
    max_delay: Duration,
}

/// Shared by the workers: attempts per key, and how many keys are finished.
#[derive(Default)]
struct Progress {
    attempts: HashMap<String, usize>,
    reconciled: usize,
    dropped: usize,
    retries: usize,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    kclient_examples::exit_code(run().await)
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    kclient_examples::init_logging();
    let args = Arc::new(Args::parse());
    let clientset = ClientSet::new(args.config.load()?)?;
    let configmaps = clientset.core_v1().config_maps(&args.namespace);

    // client-go's DefaultControllerRateLimiter shape: the slower of per-item exponential
    // backoff and an overall token bucket (10 qps, burst 100).
    let limiter = MaxOf::new()
        .with(ItemExponentialFailure::new(args.base_delay, args.max_delay))
        .with(Bucket::new(10.0, 100)?);
    let queue = RateLimitingQueue::new(limiter);
    for i in 0..args.items {
        queue.add(format!("{}/workqueue-demo-{i}", args.namespace));
    }
    if args.items == 0 {
        queue.shut_down();
    }
    println!("queued {} keys, {} workers", args.items, args.workers);

    let progress = Arc::new(Mutex::new(Progress::default()));
    let mut workers = Vec::new();
    for worker in 0..args.workers.max(1) {
        let (queue, configmaps, progress, args) = (
            queue.clone(),
            configmaps.clone(),
            progress.clone(),
            args.clone(),
        );
        workers.push(tokio::spawn(async move {
            run_worker(worker, &queue, &configmaps, &progress, &args).await;
        }));
    }
    for worker in workers {
        worker.await?;
    }
    let progress = progress.lock().map_err(|_| "a worker panicked")?;
    println!(
        "done: {} reconciled, {} dropped, {} retries",
        progress.reconciled, progress.dropped, progress.retries
    );
    Ok(())
}

/// client-go's `processNextWorkItem` loop: get, reconcile, then forget or requeue, then done.
async fn run_worker(
    worker: usize,
    queue: &RateLimitingQueue<String>,
    configmaps: &Api<ConfigMap>,
    progress: &Mutex<Progress>,
    args: &Args,
) {
    while let Some(key) = queue.get().await {
        let attempt = {
            let mut p = progress.lock().unwrap_or_else(|e| e.into_inner());
            let n = p.attempts.entry(key.clone()).or_default();
            *n += 1;
            *n
        };
        let result = reconcile(&key, attempt, configmaps, args).await;
        let mut p = progress.lock().unwrap_or_else(|e| e.into_inner());
        match result {
            Ok(()) => {
                // Success: reset the key's backoff so a later failure starts small again.
                queue.forget(&key);
                p.reconciled += 1;
                println!("worker {worker}: {key} reconciled on attempt {attempt} (forget)");
            }
            Err(e) if queue.num_requeues(&key) < args.max_retries => {
                queue.add_rate_limited(key.clone());
                p.retries += 1;
                println!(
                    "worker {worker}: {key} attempt {attempt} failed: {e}; requeued ({} requeues)",
                    queue.num_requeues(&key)
                );
            }
            Err(e) => {
                queue.forget(&key);
                p.dropped += 1;
                println!("worker {worker}: {key} dropped after {attempt} attempts: {e}");
            }
        }
        queue.done(&key);
        if p.reconciled + p.dropped == args.items {
            queue.shut_down();
        }
    }
}

/// Makes the ConfigMap of `key` exist with the expected data; fails on purpose while
/// `attempt <= --fail-times` (and always for `--poison`), standing in for a flaky dependency.
async fn reconcile(
    key: &str,
    attempt: usize,
    configmaps: &Api<ConfigMap>,
    args: &Args,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let name = key.rsplit('/').next().unwrap_or(key);
    let poisoned = args
        .poison
        .is_some_and(|i| name == format!("workqueue-demo-{i}"));
    if poisoned || attempt <= args.fail_times {
        return Err("simulated transient error".into());
    }
    let data = [
        ("reconciled".to_owned(), "true".to_owned()),
        ("attempts".to_owned(), attempt.to_string()),
    ];
    match configmaps.get_opt(name, &GetOptions::default()).await? {
        None => {
            let cm = ConfigMap {
                metadata: ObjectMeta {
                    name: Some(name.to_owned()),
                    ..ObjectMeta::default()
                },
                data: Some(data.into()),
                ..ConfigMap::default()
            };
            configmaps.create(&cm, &CreateOptions::default()).await?;
        }
        Some(mut cm) => {
            cm.data.get_or_insert_default().extend(data);
            // A conflict surfaces as an error: the key is retried with backoff.
            configmaps.update(&cm, &UpdateOptions::default()).await?;
        }
    }
    Ok(())
}
