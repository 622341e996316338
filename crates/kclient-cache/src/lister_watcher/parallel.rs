//! Decoding batches of objects on the blocking pool while the next batch is still arriving,
//! results kept in arrival order.
//!
//! Decoding a typed object is the bulk of an informer's sync (for a 13 KB Pod about four
//! fifths of the client's CPU, counting the page faults of the memory it fills). client-go
//! and kube-rs decode on the one goroutine / task that reads the body; here the reading task
//! only cuts the body into batches and up to `parallelism` batches decode at once, so a sync
//! uses every core the machine gives the process.

use std::collections::VecDeque;
use std::num::NonZeroUsize;

use tokio::task::JoinHandle;

/// How many batches decode at once by default: the cores this process may use, at most 4
/// (past that the reading task, not decoding, is the limit).
pub(crate) fn default_parallelism() -> NonZeroUsize {
    let cores = std::thread::available_parallelism().map_or(1, NonZeroUsize::get);
    NonZeroUsize::new(cores.min(4)).unwrap_or(NonZeroUsize::MIN)
}

/// Bytes of raw JSON handed to one decode job: big enough that the hand-off is noise
/// (about 20 realistic Pods), small enough that decoding starts before a page has arrived.
pub(crate) const BATCH_BYTES: usize = 256 * 1024;

/// Decode jobs in flight, in submission order.
pub(crate) struct OrderedDecodes<T> {
    parallelism: usize,
    in_flight: VecDeque<JoinHandle<Result<Vec<T>, String>>>,
    done: Vec<T>,
}

impl<T: Send + 'static> OrderedDecodes<T> {
    /// With `parallelism` 1 every job runs inline on the calling task.
    pub(crate) fn new(parallelism: NonZeroUsize) -> Self {
        Self {
            parallelism: parallelism.get(),
            in_flight: VecDeque::new(),
            done: Vec::new(),
        }
    }

    /// Starts `job`; waits for the oldest job first when `parallelism` are running.
    pub(crate) async fn submit<F>(&mut self, job: F) -> Result<(), String>
    where
        F: FnOnce() -> Result<Vec<T>, String> + Send + 'static,
    {
        if self.parallelism == 1 {
            self.done.extend(job()?);
            return Ok(());
        }
        while self.in_flight.len() >= self.parallelism {
            self.collect_oldest().await?;
        }
        self.in_flight.push_back(tokio::task::spawn_blocking(job));
        Ok(())
    }

    async fn collect_oldest(&mut self) -> Result<(), String> {
        if let Some(job) = self.in_flight.pop_front() {
            let items = job
                .await
                .map_err(|e| format!("decode job did not finish: {e}"))??;
            self.done.extend(items);
        }
        Ok(())
    }

    /// Every job's results, in submission order; the first failed job's error otherwise.
    pub(crate) async fn finish(mut self) -> Result<Vec<T>, String> {
        while !self.in_flight.is_empty() {
            self.collect_oldest().await?;
        }
        Ok(self.done)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn par(n: usize) -> NonZeroUsize {
        NonZeroUsize::new(n).unwrap()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn results_keep_submission_order_whatever_finishes_first() {
        for parallelism in [1, 2, 4] {
            let mut decodes = OrderedDecodes::new(par(parallelism));
            for batch in 0..20u64 {
                decodes
                    .submit(move || {
                        // Earlier batches sleep longer, so they finish later.
                        std::thread::sleep(std::time::Duration::from_millis(20 - batch));
                        Ok((batch * 3..batch * 3 + 3).collect())
                    })
                    .await
                    .unwrap();
            }
            let all = decodes.finish().await.unwrap();
            assert_eq!(
                all,
                (0..60).collect::<Vec<_>>(),
                "parallelism {parallelism}"
            );
        }
    }

    #[tokio::test]
    async fn the_first_error_wins_and_nothing_after_it_is_returned() {
        for parallelism in [1, 3] {
            let mut decodes = OrderedDecodes::<u8>::new(par(parallelism));
            let submitted = async {
                decodes.submit(|| Ok(vec![1])).await?;
                decodes.submit(|| Err("bad item".to_owned())).await?;
                decodes.submit(|| Ok(vec![3])).await
            }
            .await;
            let result = match submitted {
                Ok(()) => decodes.finish().await,
                Err(e) => Err(e),
            };
            assert_eq!(
                result,
                Err("bad item".to_owned()),
                "parallelism {parallelism}"
            );
        }
    }

    #[test]
    fn default_is_between_one_and_four() {
        assert!((1..=4).contains(&default_parallelism().get()));
    }
}
