//! add → get → done throughput of the work queue (items per second).
//!
//! * `uncontended/*`: one thread adds an item, gets it and marks it done, over and over.
//! * `1m_keys/workers=N`: a producer task adds 1,000,000 distinct, pre-generated `String` keys
//!   while N worker tasks get and finish them, on a 2-thread Tokio runtime. The producer
//!   yields every 128 adds, as a task reading a watch stream does under Tokio's cooperative
//!   budget. client-go's figures for this shape: 3.1 M/s with 1 worker, 2.2 M/s with 8.
//! * `1m_keys_producer_thread/workers=N`: the same with the producer on its own OS thread, so
//!   producer and workers always contend for the queue from different cores.
//! * `1m_keys_preloaded/workers=N`: the 1,000,000 keys are queued before the clock starts;
//!   N workers get and finish them all.
//!
//! Single-call latencies (how long one call can hold the queue's lock, and everyone with it)
//! are measured by `benches/stall.rs`, which tells work from pre-emption.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use futures::FutureExt;
use kclient_workqueue::{Key, Queue};
use tokio::runtime::Runtime;

const KEYS: usize = 1_000_000;

fn keys(n: usize) -> Vec<String> {
    (0..n)
        .map(|i| format!("namespace-{}/object-{i}", i % 100))
        .collect()
}

/// One add → get → done cycle; `get` is ready at once, so polling it once is enough.
fn cycle<T: Key>(queue: &Queue<T>, key: T) {
    queue.add(key);
    if let Some(Some(item)) = queue.get().now_or_never() {
        queue.done(black_box(&item));
    }
}

fn uncontended(c: &mut Criterion) {
    let mut group = c.benchmark_group("uncontended");
    group.throughput(Throughput::Elements(1));

    let string_keys = keys(1024);
    let queue = Queue::new();
    let mut i = 0;
    group.bench_function("string_keys", |b| {
        b.iter(|| {
            cycle(&queue, string_keys[i].clone());
            i = (i + 1) % string_keys.len();
        });
    });

    let queue = Queue::new();
    let mut n = 0_u64;
    group.bench_function("u64_keys", |b| {
        b.iter(|| {
            cycle(&queue, n);
            n = (n + 1) % 1024;
        });
    });
    group.finish();
}

#[derive(Clone, Copy)]
enum Producer {
    /// Queue filled before the clock starts.
    Preloaded,
    /// A task on the runtime, yielding every 128 adds.
    Task,
    /// A dedicated OS thread.
    Thread,
}

/// Time until `workers` tasks have processed every key, with keys added by `producer`.
fn run(runtime: &Runtime, keys: Vec<String>, producer: Producer, workers: usize) -> Duration {
    let queue = Queue::new();
    if let Producer::Preloaded = producer {
        for key in keys.iter().cloned() {
            queue.add(key);
        }
        queue.shut_down();
    }
    let start = Instant::now();
    let processed = runtime.block_on(async {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                let queue = queue.clone();
                tokio::spawn(async move {
                    let mut processed = 0_usize;
                    while let Some(key) = queue.get().await {
                        queue.done(&key);
                        processed += 1;
                    }
                    processed
                })
            })
            .collect();
        let queue = queue.clone();
        match producer {
            Producer::Preloaded => {}
            Producer::Task => {
                tokio::spawn(async move {
                    for (i, key) in keys.into_iter().enumerate() {
                        queue.add(key);
                        if i % 128 == 127 {
                            tokio::task::yield_now().await;
                        }
                    }
                    queue.shut_down();
                });
            }
            Producer::Thread => {
                std::thread::spawn(move || {
                    for key in keys {
                        queue.add(key);
                    }
                    queue.shut_down();
                });
            }
        }
        let mut processed = 0;
        for handle in handles {
            processed += handle.await.unwrap_or(0);
        }
        processed
    });
    let elapsed = start.elapsed();
    assert_eq!(processed, KEYS, "every distinct key is processed once");
    elapsed
}

fn distinct_keys(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .expect("runtime");
    let keys = keys(KEYS);
    for (name, producer) in [
        ("1m_keys", Producer::Task),
        ("1m_keys_producer_thread", Producer::Thread),
        ("1m_keys_preloaded", Producer::Preloaded),
    ] {
        let mut group = c.benchmark_group(name);
        group.throughput(Throughput::Elements(KEYS as u64));
        group.sample_size(10);
        for workers in [1, 8] {
            group.bench_function(format!("workers={workers}"), |b| {
                b.iter_custom(|iters| {
                    (0..iters)
                        .map(|_| run(&runtime, keys.clone(), producer, workers))
                        .sum()
                });
            });
        }
        group.finish();
    }
}

criterion_group!(benches, uncontended, distinct_keys);
criterion_main!(benches);
