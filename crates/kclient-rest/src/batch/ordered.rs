//! [`OrderedDecodes`]: decode jobs on tokio's blocking pool, taken out in submission order
//! whichever finishes first.

use std::collections::VecDeque;
use std::future::Future as _;
use std::num::NonZeroUsize;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::task::{JoinError, JoinHandle};

/// One place in the order: a job, or an output known without one.
enum Slot<T> {
    Running(JoinHandle<T>),
    /// Taken once, when the slot is popped.
    Ready(Option<T>),
}

/// Decode jobs in flight, in submission order, at most `parallelism` running at once.
///
/// The caller decides when to start a job ([`has_free_slot`](Self::has_free_slot)) and takes
/// outputs oldest first, by polling ([`poll_oldest`](Self::poll_oldest), for streams) or
/// awaiting ([`oldest`](Self::oldest)). Outputs known without decoding (an error, a last
/// record) join the order with [`push_ready`](Self::push_ready).
pub struct OrderedDecodes<T> {
    parallelism: NonZeroUsize,
    slots: VecDeque<Slot<T>>,
    running: usize,
}

impl<T> std::fmt::Debug for OrderedDecodes<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OrderedDecodes")
            .field("parallelism", &self.parallelism)
            .field("queued", &self.slots.len())
            .field("running", &self.running)
            .finish()
    }
}

impl<T: Send + 'static> OrderedDecodes<T> {
    /// No jobs yet; at most `parallelism` will run at once.
    pub fn new(parallelism: NonZeroUsize) -> Self {
        Self {
            parallelism,
            slots: VecDeque::new(),
            running: 0,
        }
    }

    /// How many jobs may run at once.
    pub fn parallelism(&self) -> usize {
        self.parallelism.get()
    }

    /// Jobs started and not yet taken out (finished or not).
    pub fn running(&self) -> usize {
        self.running
    }

    /// True when another job may start now.
    pub fn has_free_slot(&self) -> bool {
        self.running < self.parallelism.get()
    }

    /// True when nothing is waiting to be taken out.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// Starts `job` on tokio's blocking pool, after every job and output already queued.
    /// It starts even without a free slot: checking [`has_free_slot`](Self::has_free_slot)
    /// first is the caller's back-pressure.
    pub fn spawn<F>(&mut self, job: F)
    where
        F: FnOnce() -> T + Send + 'static,
    {
        self.slots
            .push_back(Slot::Running(tokio::task::spawn_blocking(job)));
        self.running += 1;
    }

    /// Queues an output that needed no job, after everything already queued.
    pub fn push_ready(&mut self, output: T) {
        self.slots.push_back(Slot::Ready(Some(output)));
    }

    /// The oldest output once it is there (`Ready(None)` when nothing is queued); a job that
    /// panicked or was cancelled gives its `JoinError`.
    pub fn poll_oldest(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<T, JoinError>>> {
        let output = match self.slots.front_mut() {
            None => return Poll::Ready(None),
            Some(Slot::Running(job)) => match Pin::new(job).poll(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(output) => {
                    self.running -= 1;
                    output.map(Some)
                }
            },
            Some(Slot::Ready(output)) => Ok(output.take()),
        };
        self.slots.pop_front();
        Poll::Ready(output.transpose())
    }

    /// Waits for the oldest output; `None` when nothing is queued.
    pub async fn oldest(&mut self) -> Option<Result<T, JoinError>> {
        std::future::poll_fn(|cx| self.poll_oldest(cx)).await
    }

    /// Forgets every job and output (jobs already running finish unobserved).
    pub fn clear(&mut self) {
        self.slots.clear();
        self.running = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn outputs_keep_submission_order_whatever_finishes_first() {
        for slots in [
            NonZeroUsize::MIN,
            NonZeroUsize::new(2).unwrap(),
            NonZeroUsize::new(4).unwrap(),
        ] {
            let parallelism = slots.get();
            let mut decodes = OrderedDecodes::new(slots);
            let mut all = Vec::new();
            for batch in 0..20u64 {
                while !decodes.has_free_slot() {
                    all.extend(decodes.oldest().await.unwrap().unwrap());
                }
                decodes.spawn(move || {
                    // Earlier batches sleep longer, so they finish later.
                    std::thread::sleep(std::time::Duration::from_millis(20 - batch));
                    (batch * 3..batch * 3 + 3).collect::<Vec<_>>()
                });
                assert!(decodes.running() <= parallelism);
            }
            decodes.push_ready(vec![60]);
            while let Some(output) = decodes.oldest().await {
                all.extend(output.unwrap());
            }
            assert_eq!(
                all,
                (0..61).collect::<Vec<_>>(),
                "parallelism {parallelism}"
            );
            assert!(decodes.is_empty() && decodes.running() == 0);
        }
    }

    #[tokio::test]
    async fn a_panicking_job_is_a_join_error_in_its_place() {
        let mut decodes = OrderedDecodes::new(NonZeroUsize::new(2).unwrap());
        decodes.spawn(|| 1);
        decodes.spawn(|| -> i32 { panic!("bad batch") });
        decodes.push_ready(3);
        assert_eq!(decodes.oldest().await.unwrap().unwrap(), 1);
        assert!(decodes.oldest().await.unwrap().unwrap_err().is_panic());
        assert_eq!(decodes.oldest().await.unwrap().unwrap(), 3);
        assert!(decodes.oldest().await.is_none());
        decodes.spawn(|| 4);
        decodes.clear();
        assert!(decodes.is_empty() && decodes.has_free_slot());
    }
}
