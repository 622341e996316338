//! The ordered parallel batch decoder: bodies cut into batches of records by the task that
//! reads them, each batch decoded on tokio's blocking pool, several at once, results taken in
//! the order the batches were cut.
//!
//! Decoding typed objects is the bulk of a list's or a watch burst's CPU (for a 13 KB Pod
//! about four fifths of the client's, counting the page faults of the memory it fills).
//! client-go and kube-rs decode on the one goroutine / task that reads the body; here the
//! reading task only splits records and up to `parallelism` batches decode at once, so a sync
//! uses every core the process has. [`ParallelEventStream`](crate::ParallelEventStream)
//! decodes watch events with it, and kclient-cache's list reader decodes list items with it.
//!
//! * [`RecordBatch`]: consecutive records (event lines, list items) in one buffer.
//! * [`OrderedDecodes`]: the decode jobs in flight, taken out oldest first.

mod ordered;
mod records;

use std::num::NonZeroUsize;

pub use ordered::OrderedDecodes;
pub use records::RecordBatch;

/// Raw bytes handed to one decode job at most: big enough that the hand-off is noise (about
/// 20 realistic 13 KB Pods), small enough that decoding starts before a page has arrived.
pub const BATCH_BYTES: usize = 256 * 1024;

/// How many batches decode at once by default: the cores this process may use, at most 4
/// (past that the reading task, not decoding, is the limit).
pub fn default_parallelism() -> NonZeroUsize {
    let cores = std::thread::available_parallelism().map_or(1, NonZeroUsize::get);
    NonZeroUsize::new(cores.min(4)).unwrap_or(NonZeroUsize::MIN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_parallelism_is_between_one_and_four() {
        assert!((1..=4).contains(&default_parallelism().get()));
    }
}
