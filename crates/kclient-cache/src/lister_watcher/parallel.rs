//! A list page's items decoded batch by batch while the rest of the page is still arriving,
//! with kclient-rest's ordered parallel batch decoder
//! ([`OrderedDecodes`](kclient_rest::batch::OrderedDecodes)), the one watch streams use too.
//! What is the list's own: its items collect into one `Vec`, the first failed batch is the
//! page's error, and a parallelism of 1 decodes on the reading task, as client-go and kube-rs
//! do.

use std::num::NonZeroUsize;

use kclient_rest::batch::OrderedDecodes;

/// What one batch decodes to: its items, or why it could not.
type Batch<T> = Result<Vec<T>, String>;

/// A page's items, decoded in batches, kept in submission order.
pub(crate) struct PageDecodes<T> {
    jobs: OrderedDecodes<Batch<T>>,
    done: Vec<T>,
}

impl<T: Send + 'static> PageDecodes<T> {
    /// With `parallelism` 1 every job runs inline on the calling task.
    pub(crate) fn new(parallelism: NonZeroUsize) -> Self {
        Self {
            jobs: OrderedDecodes::new(parallelism),
            done: Vec::new(),
        }
    }

    /// Starts `job`; waits for the oldest job first when `parallelism` are running.
    pub(crate) async fn submit<F>(&mut self, job: F) -> Result<(), String>
    where
        F: FnOnce() -> Batch<T> + Send + 'static,
    {
        if self.jobs.parallelism() == 1 {
            self.done.extend(job()?);
            return Ok(());
        }
        while !self.jobs.has_free_slot() {
            self.collect_oldest().await?;
        }
        self.jobs.spawn(job);
        Ok(())
    }

    async fn collect_oldest(&mut self) -> Result<(), String> {
        if let Some(job) = self.jobs.oldest().await {
            let items = job.map_err(|e| format!("decode job did not finish: {e}"))??;
            self.done.extend(items);
        }
        Ok(())
    }

    /// Every job's items, in submission order; the first failed job's error otherwise.
    pub(crate) async fn finish(mut self) -> Result<Vec<T>, String> {
        while !self.jobs.is_empty() {
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
    async fn items_keep_submission_order_whatever_finishes_first() {
        for parallelism in [1, 2, 4] {
            let mut decodes = PageDecodes::new(par(parallelism));
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
            let mut decodes = PageDecodes::<u8>::new(par(parallelism));
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
}
