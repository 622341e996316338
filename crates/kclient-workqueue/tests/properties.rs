//! Property tests: random operation sequences across simulated workers, checked against a
//! model of client-go's queue (dirty set, processing set, FIFO).

use std::collections::{HashMap, HashSet, VecDeque};
use std::pin::pin;
use std::time::Duration;

use futures::FutureExt;
use futures::future::poll_immediate;
use std::sync::Arc;

use kclient_workqueue::metrics::InMemoryMetricsProvider;
use kclient_workqueue::{DelayingQueue, Queue, QueueConfig};
use proptest::prelude::*;

const WORKERS: usize = 3;

#[derive(Clone, Debug)]
enum Op {
    Add(u8),
    /// A worker without an item asks for one (one poll: the get is cancelled if not ready).
    Get(usize),
    /// A worker with an item finishes it.
    Done(usize),
    ShutDown,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (0u8..6).prop_map(Op::Add),
        5 => (0..WORKERS).prop_map(Op::Get),
        4 => (0..WORKERS).prop_map(Op::Done),
        1 => Just(Op::ShutDown),
    ]
}

#[derive(Default)]
struct Model {
    queue: VecDeque<u8>,
    dirty: HashSet<u8>,
    processing: HashSet<u8>,
    shutting_down: bool,
    /// Keys added (and accepted) since they were last handed out.
    owed: HashSet<u8>,
    /// Adds that made a key dirty (client-go counts exactly these in `adds` and `depth`).
    adds: u64,
    /// Items handed out, and items finished (each gets one latency / work-duration sample).
    gets: usize,
    dones: usize,
}

impl Model {
    fn add(&mut self, key: u8) {
        if self.shutting_down {
            return;
        }
        self.owed.insert(key);
        if !self.dirty.insert(key) {
            return;
        }
        self.adds += 1;
        if !self.processing.contains(&key) {
            self.queue.push_back(key);
        }
    }

    /// `Some(Some(key))`, `Some(None)` once shut down and empty, `None` if a get would wait.
    fn get(&mut self) -> Option<Option<u8>> {
        match self.queue.pop_front() {
            Some(key) => {
                self.dirty.remove(&key);
                self.processing.insert(key);
                self.owed.remove(&key);
                self.gets += 1;
                Some(Some(key))
            }
            None if self.shutting_down => Some(None),
            None => None,
        }
    }

    fn done(&mut self, key: u8) {
        if self.processing.remove(&key) {
            self.dones += 1;
        }
        if self.dirty.contains(&key) {
            self.queue.push_back(key);
        }
    }
}

/// With `metrics`, the queue reports to a provider, and depth (= dirty keys), adds and the
/// number of latency / work-duration samples are checked against the model after every step.
fn run_queue_ops(ops: Vec<Op>, metrics: bool) -> Result<(), TestCaseError> {
    let provider = Arc::new(InMemoryMetricsProvider::new());
    let queue = if metrics {
        Queue::with_config(
            QueueConfig::new()
                .name("prop")
                .metrics_provider(provider.clone())
                .unfinished_work_update_period(Duration::ZERO),
        )
    } else {
        Queue::new()
    };
    let check_metrics = |model: &Model| -> Result<(), TestCaseError> {
        if let Some(m) = provider.snapshot("prop") {
            prop_assert_eq!(m.depth, i64::try_from(model.dirty.len()).unwrap());
            prop_assert_eq!(m.adds, model.adds);
            prop_assert_eq!(m.latency_seconds.len(), model.gets);
            prop_assert_eq!(m.work_duration_seconds.len(), model.dones);
        } else {
            prop_assert!(!metrics, "the provider was asked for metrics");
        }
        Ok(())
    };
    let mut model = Model::default();
    let mut held: [Option<u8>; WORKERS] = [None; WORKERS];

    for op in ops {
        match op {
            Op::Add(key) => {
                queue.add(key);
                model.add(key);
            }
            Op::Get(worker) if held[worker].is_none() => {
                let got = queue.get().now_or_never();
                prop_assert_eq!(got, model.get());
                if let Some(Some(key)) = got {
                    prop_assert!(
                        !held.contains(&Some(key)),
                        "{} handed to two workers at once",
                        key
                    );
                    held[worker] = Some(key);
                }
            }
            Op::Done(worker) => {
                if let Some(key) = held[worker].take() {
                    queue.done(&key);
                    model.done(key);
                }
            }
            Op::ShutDown => {
                queue.shut_down();
                model.shutting_down = true;
            }
            Op::Get(_) => {}
        }
        prop_assert_eq!(queue.len(), model.queue.len());
        prop_assert_eq!(queue.shutting_down(), model.shutting_down);
        check_metrics(&model)?;
    }

    // Shut down with drain: it completes exactly when no worker holds an item.
    model.shutting_down = true;
    let mut drain = pin!(queue.shut_down_with_drain());
    let mut drained = false;
    for worker in 0..=WORKERS {
        drained = poll_immediate(&mut drain)
            .now_or_never()
            .flatten()
            .is_some();
        prop_assert_eq!(drained, held.iter().all(Option::is_none));
        if drained {
            break;
        }
        if let Some(key) = held.get_mut(worker).and_then(Option::take) {
            queue.done(&key);
            model.done(key);
        }
    }
    prop_assert!(drained);

    // Whatever is left is still handed out, then the queue reports the end.
    loop {
        let got = queue.get().now_or_never();
        prop_assert_eq!(got, model.get());
        match got {
            Some(Some(key)) => {
                queue.done(&key);
                model.done(key);
            }
            _ => break,
        }
    }
    prop_assert_eq!(queue.get().now_or_never(), Some(None));
    check_metrics(&model)?;
    prop_assert!(
        model.owed.is_empty(),
        "added keys never handed out: {:?}",
        model.owed
    );
    Ok(())
}

proptest! {
    #[test]
    fn queue_matches_the_model(ops in prop::collection::vec(op(), 0..120)) {
        run_queue_ops(ops, false)?;
    }

    #[test]
    fn queue_metrics_match_the_model(ops in prop::collection::vec(op(), 0..120)) {
        run_queue_ops(ops, true)?;
    }
}

#[derive(Clone, Debug)]
enum DelayOp {
    AddAfter(u8, u64),
    Add(u8),
    Advance(u64),
    GetAndDone,
    ShutDown,
}

fn delay_op() -> impl Strategy<Value = DelayOp> {
    prop_oneof![
        4 => ((0u8..6), (0u64..40)).prop_map(|(key, ms)| DelayOp::AddAfter(key, ms)),
        3 => (0u64..25).prop_map(DelayOp::Advance),
        1 => (0u8..6).prop_map(DelayOp::Add),
        2 => Just(DelayOp::GetAndDone),
        1 => Just(DelayOp::ShutDown),
    ]
}

/// Waiting keys with their earliest ready time (ms) and the insertion order of that time.
#[derive(Default)]
struct DelayModel {
    now: u64,
    seq: u64,
    waiting: HashMap<u8, (u64, u64)>,
    ready: Model,
}

impl DelayModel {
    fn add_after(&mut self, key: u8, delay: u64) {
        if self.ready.shutting_down {
            return;
        }
        if delay == 0 {
            self.ready.add(key);
            return;
        }
        let at = self.now + delay;
        match self.waiting.get(&key) {
            Some(&(existing, _)) if existing <= at => {}
            _ => {
                self.waiting.insert(key, (at, self.seq));
                self.seq += 1;
            }
        }
    }

    fn advance(&mut self, ms: u64) {
        self.now += ms;
        let mut due: Vec<_> = self
            .waiting
            .iter()
            .filter(|(_, (at, _))| *at <= self.now)
            .map(|(&key, &(at, seq))| (at, seq, key))
            .collect();
        due.sort_unstable();
        for (_, _, key) in due {
            self.waiting.remove(&key);
            self.ready.add(key);
        }
    }
}

async fn settle() {
    for _ in 0..4 {
        tokio::task::yield_now().await;
    }
}

fn run_delay_ops(ops: Vec<DelayOp>) -> Result<(), TestCaseError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    runtime.block_on(async {
        let queue = DelayingQueue::new();
        let mut model = DelayModel::default();
        for op in ops {
            match op {
                DelayOp::AddAfter(key, ms) => {
                    queue.add_after(key, Duration::from_millis(ms));
                    model.add_after(key, ms);
                }
                DelayOp::Add(key) => {
                    queue.add(key);
                    model.ready.add(key);
                }
                DelayOp::ShutDown => {
                    // Waiting items are discarded; ready ones are still handed out.
                    queue.shut_down();
                    model.ready.shutting_down = true;
                    model.waiting.clear();
                }
                DelayOp::Advance(ms) => {
                    tokio::time::advance(Duration::from_millis(ms)).await;
                    settle().await;
                    model.advance(ms);
                }
                DelayOp::GetAndDone => {
                    let got = queue.get().now_or_never();
                    prop_assert_eq!(got, model.ready.get());
                    if let Some(Some(key)) = got {
                        queue.done(&key);
                        model.ready.done(key);
                    }
                }
            }
            prop_assert_eq!(queue.len(), model.ready.queue.len());
        }
        // Everything still waiting comes out at its earliest time, in order.
        model.advance(1_000);
        tokio::time::advance(Duration::from_millis(1_000)).await;
        settle().await;
        let order: Vec<_> = std::iter::from_fn(|| queue.get().now_or_never().flatten()).collect();
        prop_assert_eq!(order, Vec::from(model.ready.queue.clone()));
        Ok(())
    })
}

proptest! {
    #[test]
    fn delaying_queue_matches_the_model(ops in prop::collection::vec(delay_op(), 0..80)) {
        run_delay_ops(ops)?;
    }
}
