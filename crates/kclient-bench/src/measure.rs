//! Timing and allocation counting shared by the report binary and the criterion benches.

use std::alloc::System;
use std::time::{Duration, Instant};

use stats_alloc::{Region, StatsAlloc};

/// Wall-clock times of repeated runs of one scenario.
#[derive(Clone, Debug)]
pub struct Timings {
    runs: Vec<Duration>,
}

impl Timings {
    /// Wraps measured run times (at least one).
    pub fn new(mut runs: Vec<Duration>) -> Self {
        runs.sort_unstable();
        Self { runs }
    }

    /// The median run: robust against one run hitting a neighbour's compile on a shared box.
    pub fn median(&self) -> Duration {
        self.runs
            .get(self.runs.len() / 2)
            .copied()
            .unwrap_or_default()
    }

    /// The fastest run.
    pub fn min(&self) -> Duration {
        self.runs.first().copied().unwrap_or_default()
    }

    /// The slowest run.
    pub fn max(&self) -> Duration {
        self.runs.last().copied().unwrap_or_default()
    }

    /// How many runs were measured.
    pub fn len(&self) -> usize {
        self.runs.len()
    }

    /// True when nothing was measured.
    pub fn is_empty(&self) -> bool {
        self.runs.is_empty()
    }
}

/// Runs `f` `runs` times (after one unmeasured warm-up) and times each run.
pub fn time_runs<T, E>(runs: usize, mut f: impl FnMut() -> Result<T, E>) -> Result<Timings, E> {
    drop(f()?);
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs.max(1) {
        let started = Instant::now();
        let out = f()?;
        times.push(started.elapsed());
        // The result is dropped outside the timed region, like a caller keeping it would.
        drop(out);
    }
    Ok(Timings::new(times))
}

/// Heap activity of one measured region.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Allocations {
    /// Allocation calls, reallocations included (each is a trip into the allocator).
    pub count: u64,
    /// Bytes requested by those calls (growth of reallocations counted once).
    pub bytes: u64,
    /// Bytes still held at the end of the region: what keeping the result costs.
    pub retained: u64,
}

/// Runs `f` once and reports the heap activity it caused, as seen by `alloc` (the program's
/// `#[global_allocator]`). Counts include other threads' allocations, so measure on a quiet
/// process.
pub fn count_allocations<T>(alloc: &StatsAlloc<System>, f: impl FnOnce() -> T) -> (T, Allocations) {
    let region = Region::new(alloc);
    let out = f();
    let stats = region.change();
    let growth = u64::try_from(stats.bytes_reallocated.max(0)).unwrap_or(0);
    let held =
        (stats.bytes_allocated as u64 + growth).saturating_sub(stats.bytes_deallocated as u64);
    (
        out,
        Allocations {
            count: (stats.allocations + stats.reallocations) as u64,
            bytes: stats.bytes_allocated as u64 + growth,
            retained: held,
        },
    )
}

/// Megabytes (10^6 bytes) per second.
pub fn mb_per_sec(bytes: u64, elapsed: Duration) -> f64 {
    bytes as f64 / 1e6 / elapsed.as_secs_f64().max(f64::EPSILON)
}

/// Items per second.
pub fn per_sec(items: u64, elapsed: Duration) -> f64 {
    items as f64 / elapsed.as_secs_f64().max(f64::EPSILON)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_is_the_middle_run() {
        let t = Timings::new(vec![
            Duration::from_millis(30),
            Duration::from_millis(10),
            Duration::from_millis(20),
        ]);
        assert_eq!(t.median(), Duration::from_millis(20));
        assert_eq!(t.min(), Duration::from_millis(10));
        assert_eq!(t.max(), Duration::from_millis(30));
        assert_eq!(t.len(), 3);
    }

    #[test]
    fn time_runs_warms_up_once_and_stops_on_error() {
        let mut calls = 0;
        let t = time_runs(3, || {
            calls += 1;
            Ok::<_, ()>(calls)
        })
        .unwrap();
        assert_eq!((calls, t.len()), (4, 3));
        let mut calls = 0;
        let err = time_runs(3, || {
            calls += 1;
            if calls == 2 { Err("boom") } else { Ok(()) }
        });
        assert_eq!(err.unwrap_err(), "boom");
    }

    #[test]
    fn rates() {
        assert_eq!(mb_per_sec(2_000_000, Duration::from_secs(2)), 1.0);
        assert_eq!(per_sec(50, Duration::from_millis(500)), 100.0);
    }
}
