//! Single-call latency of the work queue with 1,000,000 distinct keys: how long one `add`,
//! `get` or `done` can hold the queue's lock (and so every other worker) up.
//!
//! Every call is timed twice: by the wall clock, and by the calling thread's CPU clock
//! (`CLOCK_THREAD_CPUTIME_ID`), which stops while the thread is pre-empted. A call whose
//! *CPU* time is long did that much work (with the lock held: every call is one critical
//! section plus hashing); a call whose wall time is long but CPU time short was descheduled
//! by the OS. Each shape is followed by a *noise floor*: the same loop, timed the same way,
//! around a trivial critical section (lock an uncontended mutex, bump a counter). Wall-clock
//! outliers that the floor shows too are the machine's, not the queue's.
//!
//! Shapes (all with 1,000,000 distinct `String` keys):
//! * `add`: fill an empty queue.
//! * `get_done`: drain the filled queue (`get` then `done` per key, each timed).
//! * `churn`: with 1,000,000 keys waiting, 1,000,000 rounds of add a new key / get / done, so
//!   slots, index entries and FIFO blocks are recycled at full size (stale-entry sweeps).
//! * `contended`: a producer thread adds while a worker thread gets and finishes; each
//!   times its own calls (lock waits included).
//!
//! With the `lock-timing` feature, each shape also reports every hold of the queue's lock
//! (timed inside the queue, from acquiring to releasing, wall and CPU clock), so the work
//! done with the lock held is measured apart from what a call does without it (allocating
//! ahead of need, freeing).
//!
//! Run: `cargo bench -p kclient-workqueue --features lock-timing --bench stall` (optionally
//! followed by `--` and shape names to run only those).

use std::hint::black_box;
use std::sync::Arc;
use std::time::Instant;

use futures::FutureExt;
use kclient_workqueue::Queue;
use parking_lot::Mutex;
use rustix::time::{ClockId, clock_gettime};

const KEYS: usize = 1_000_000;
const MS: u64 = 1_000_000;

fn keys(range: std::ops::Range<usize>) -> Vec<String> {
    range
        .map(|i| format!("namespace-{}/object-{i}", i % 100))
        .collect()
}

fn cpu_ns() -> u64 {
    let t = clock_gettime(ClockId::ThreadCPUTime);
    u64::try_from(t.tv_sec).unwrap_or(0) * 1_000_000_000 + u64::try_from(t.tv_nsec).unwrap_or(0)
}

/// Wall and CPU nanoseconds of every timed call, in order.
struct Samples {
    wall: Vec<u64>,
    cpu: Vec<u64>,
    /// For lock holds: the queue operation of each.
    ops: Vec<&'static str>,
}

impl Samples {
    fn with_capacity(n: usize) -> Self {
        Self {
            wall: Vec::with_capacity(n),
            cpu: Vec::with_capacity(n),
            ops: Vec::new(),
        }
    }

    fn time<R>(&mut self, f: impl FnOnce() -> R) -> R {
        let cpu = cpu_ns();
        let wall = Instant::now();
        let out = f();
        let wall = wall.elapsed();
        let cpu = cpu_ns().saturating_sub(cpu);
        self.wall
            .push(u64::try_from(wall.as_nanos()).unwrap_or(u64::MAX));
        self.cpu.push(cpu);
        out
    }

    fn merge(mut self, other: Self) -> Self {
        self.wall.extend(other.wall);
        self.cpu.extend(other.cpu);
        self.ops.extend(other.ops);
        self
    }

    /// The queue-lock holds recorded on this thread (the `lock-timing` feature).
    #[cfg(feature = "lock-timing")]
    fn thread_holds() -> Self {
        let holds = kclient_workqueue::lock_timing::take_thread_holds();
        let ns = |d: std::time::Duration| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
        Self {
            wall: holds.iter().map(|h| ns(h.wall)).collect(),
            cpu: holds.iter().map(|h| ns(h.cpu)).collect(),
            ops: holds.iter().map(|h| h.op).collect(),
        }
    }
}

/// Room for `calls` lock holds on this thread, so that recording them does not allocate.
fn reserve_holds(calls: usize) {
    #[cfg(feature = "lock-timing")]
    kclient_workqueue::lock_timing::reserve_thread_holds(2 * calls);
    #[cfg(not(feature = "lock-timing"))]
    let _ = calls;
}

/// Discards the holds recorded so far on this thread (the setup's), and their reserved room.
fn forget_holds() {
    #[cfg(feature = "lock-timing")]
    drop(kclient_workqueue::lock_timing::take_thread_holds());
}

/// The holds recorded on this thread, to be reported by another one.
fn this_thread_holds() -> Option<Samples> {
    #[cfg(feature = "lock-timing")]
    return Some(Samples::thread_holds());
    #[cfg(not(feature = "lock-timing"))]
    None
}

/// Reports the holds recorded on this thread (plus `others`) as shape `name`'s lock holds.
fn report_holds(name: &str, others: Option<Samples>) {
    #[cfg(feature = "lock-timing")]
    {
        let holds = Samples::thread_holds();
        let holds = match others {
            Some(others) => holds.merge(others),
            None => holds,
        };
        report(&format!("{name}: lock held"), &holds);
    }
    #[cfg(not(feature = "lock-timing"))]
    let _ = (name, others);
}

/// max, p99.9, p99.99 and count above 1 ms of `ns`.
struct Stats {
    max: u64,
    p999: u64,
    p9999: u64,
    over_1ms: usize,
}

impl Stats {
    fn of(ns: &[u64]) -> Self {
        let mut sorted = ns.to_vec();
        sorted.sort_unstable();
        let at = |q: f64| {
            let i = ((sorted.len() as f64 * q).ceil() as usize).saturating_sub(1);
            sorted.get(i).copied().unwrap_or(0)
        };
        Self {
            max: sorted.last().copied().unwrap_or(0),
            p999: at(0.999),
            p9999: at(0.9999),
            over_1ms: sorted.iter().filter(|&&n| n > MS).count(),
        }
    }
}

fn us(ns: u64) -> String {
    format!("{:.1}", ns as f64 / 1_000.0)
}

fn report(name: &str, samples: &Samples) {
    // The thread's CPU clock is coarser than the wall clock (it can jump by a scheduler tick
    // within a sub-microsecond call), and the wall clock runs on while the thread is
    // pre-empted: a call ran on the CPU for at most the lesser of the two.
    let on_cpu: Vec<u64> = samples
        .wall
        .iter()
        .zip(&samples.cpu)
        .map(|(&w, &c)| w.min(c))
        .collect();
    let (wall, cpu) = (Stats::of(&samples.wall), Stats::of(&on_cpu));
    // Calls that took over 1 ms of wall time but under 1 ms on the CPU: pre-empted.
    let preempted = wall.over_1ms - cpu.over_1ms;
    println!(
        "| {name} | {} | {} / {} / {} | {} | {} / {} / {} | {} | {preempted} |",
        samples.wall.len(),
        us(wall.p999),
        us(wall.p9999),
        us(wall.max),
        wall.over_1ms,
        us(cpu.p999),
        us(cpu.p9999),
        us(cpu.max),
        cpu.over_1ms,
    );
    // Which operations held the lock for over 1 ms on the CPU.
    let mut slow_ops: Vec<&str> = on_cpu
        .iter()
        .zip(&samples.ops)
        .filter(|&(&c, _)| c > MS)
        .map(|(_, &op)| op)
        .collect();
    slow_ops.sort_unstable();
    slow_ops.dedup();
    if !slow_ops.is_empty() {
        println!("    over 1 ms on the CPU: {}", slow_ops.join(", "));
    }
    if std::env::var_os("STALL_TOP").is_some() {
        let mut top: Vec<(usize, u64, u64)> = on_cpu
            .iter()
            .zip(&samples.wall)
            .enumerate()
            .map(|(i, (&c, &w))| (i, c, w))
            .collect();
        top.sort_unstable_by_key(|&(_, c, _)| std::cmp::Reverse(c));
        for (i, c, w) in top.into_iter().take(8) {
            println!("    call #{i}: on-CPU {} µs, wall {} µs", us(c), us(w));
        }
    }
}

/// The noise floor for `calls` timed calls from one thread.
fn floor(calls: usize) -> Samples {
    let lock = Mutex::new(0_u64);
    let mut samples = Samples::with_capacity(calls);
    for _ in 0..calls {
        samples.time(|| *lock.lock() += 1);
    }
    black_box(*lock.lock());
    samples
}

fn fill(keys: &[String]) -> (Queue<String>, Samples) {
    forget_holds();
    reserve_holds(keys.len());
    let queue = Queue::new();
    let mut samples = Samples::with_capacity(keys.len());
    for key in keys {
        let key = key.clone();
        samples.time(|| queue.add(key));
    }
    assert_eq!(queue.len(), keys.len());
    report_holds("add", None);
    (queue, samples)
}

fn shape_add(keys: &[String]) -> Samples {
    fill(keys).1
}

fn shape_get_done(keys: &[String]) -> Samples {
    let queue = Queue::new();
    for key in keys {
        queue.add(key.clone());
    }
    forget_holds();
    reserve_holds(2 * keys.len());
    let mut samples = Samples::with_capacity(2 * keys.len());
    let mut processed = 0;
    while let Some(Some(key)) = samples.time(|| queue.get().now_or_never()) {
        samples.time(|| queue.done(&key));
        processed += 1;
    }
    assert_eq!(processed, keys.len());
    report_holds("get_done", None);
    samples
}

fn shape_churn(keys: &[String]) -> Samples {
    let queue = Queue::new();
    for key in keys {
        queue.add(key.clone());
    }
    let fresh = self::keys(KEYS..2 * KEYS);
    forget_holds();
    reserve_holds(3 * fresh.len());
    let mut samples = Samples::with_capacity(3 * fresh.len());
    for key in fresh {
        samples.time(|| queue.add(key));
        let item = samples.time(|| queue.get().now_or_never().flatten());
        let item = item.expect("a backlog");
        samples.time(|| queue.done(&item));
    }
    assert_eq!(queue.len(), keys.len());
    report_holds("churn", None);
    samples
}

fn shape_contended(keys: &[String]) -> Samples {
    let queue = Queue::new();
    let producer = {
        let queue = queue.clone();
        let keys = keys.to_vec();
        std::thread::spawn(move || {
            reserve_holds(keys.len());
            let mut samples = Samples::with_capacity(keys.len());
            for key in keys {
                samples.time(|| queue.add(key));
            }
            queue.shut_down();
            (samples, this_thread_holds())
        })
    };
    // The worker also locks for every `get` that finds the queue empty.
    forget_holds();
    reserve_holds(8 * keys.len());
    let mut samples = Samples::with_capacity(2 * keys.len());
    let mut processed = 0;
    loop {
        let cpu = cpu_ns();
        let wall = Instant::now();
        match queue.get().now_or_never() {
            Some(Some(key)) => {
                samples
                    .wall
                    .push(u64::try_from(wall.elapsed().as_nanos()).unwrap_or(u64::MAX));
                samples.cpu.push(cpu_ns().saturating_sub(cpu));
                samples.time(|| queue.done(&key));
                processed += 1;
            }
            Some(None) => break,
            // Empty for now: not a stall, the producer is behind.
            None => std::thread::yield_now(),
        }
    }
    assert_eq!(processed, keys.len());
    let (producer, producer_holds) = producer.join().expect("producer");
    report_holds("contended", producer_holds);
    samples.merge(producer)
}

/// Two threads timing a trivial critical section on one shared mutex, as `contended` does.
fn floor_contended(calls: usize) -> Samples {
    let lock = Arc::new(Mutex::new(0_u64));
    let other = {
        let lock = Arc::clone(&lock);
        std::thread::spawn(move || {
            let mut samples = Samples::with_capacity(calls / 3);
            for _ in 0..calls / 3 {
                samples.time(|| *lock.lock() += 1);
            }
            samples
        })
    };
    let mut samples = Samples::with_capacity(calls);
    for _ in 0..calls - calls / 3 {
        samples.time(|| *lock.lock() += 1);
    }
    samples.merge(other.join().expect("floor thread"))
}

type Shape = fn(&[String]) -> Samples;

fn main() {
    let only: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let keys = keys(0..KEYS);
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "1,000,000 distinct keys; load average before: {}",
        load.trim()
    );
    println!(
        "| shape | calls | wall p99.9 / p99.99 / max µs | wall > 1 ms | on-CPU p99.9 / p99.99 / max µs | on-CPU > 1 ms | pre-empted |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");
    let shapes: [(&str, Shape); 4] = [
        ("add", shape_add),
        ("get_done", shape_get_done),
        ("churn", shape_churn),
        ("contended", shape_contended),
    ];
    for (name, shape) in shapes {
        if !only.is_empty() && !only.iter().any(|o| o == name) {
            continue;
        }
        let samples = shape(&keys);
        report(name, &samples);
        let noise = if name == "contended" {
            floor_contended(samples.wall.len())
        } else {
            floor(samples.wall.len())
        };
        report(&format!("{name}: noise floor"), &noise);
    }
}
