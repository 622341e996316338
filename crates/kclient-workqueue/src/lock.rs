//! [`Locked`]: the guard of a queue's lock. With the `lock-timing` feature (for benchmarks
//! only) it also records how long each hold of the lock lasted, see `lock_timing`.

use std::ops::{Deref, DerefMut};

use parking_lot::{Mutex, MutexGuard};

/// A held queue lock.
pub(crate) struct Locked<'a, S> {
    guard: MutexGuard<'a, S>,
    #[cfg(feature = "lock-timing")]
    start: lock_timing::Start,
}

impl<'a, S> Locked<'a, S> {
    /// Locks `mutex` for the queue operation `op`, which only lock-timing records use.
    #[inline]
    pub(crate) fn new(mutex: &'a Mutex<S>, op: &'static str) -> Self {
        let guard = mutex.lock();
        #[cfg(not(feature = "lock-timing"))]
        let _ = op;
        Self {
            guard,
            // Started once the lock is held: waiting for it is not holding it.
            #[cfg(feature = "lock-timing")]
            start: lock_timing::Start::now(op),
        }
    }
}

impl<S> Deref for Locked<'_, S> {
    type Target = S;

    fn deref(&self) -> &S {
        &self.guard
    }
}

impl<S> DerefMut for Locked<'_, S> {
    fn deref_mut(&mut self) -> &mut S {
        &mut self.guard
    }
}

#[cfg(feature = "lock-timing")]
impl<S> Drop for Locked<'_, S> {
    fn drop(&mut self) {
        // Runs before the guard (a field) is dropped, so the lock is still held.
        self.start.record();
    }
}

/// How long queue locks were held, for benchmarks (the `lock-timing` feature, which costs
/// two clock reads per lock and must not be enabled in production).
///
/// Every hold of any queue's lock is recorded on the thread that held it, by the wall clock
/// and by that thread's CPU clock, which stops while the thread is pre-empted: a hold whose
/// CPU time is long did that much work with the lock held; one whose wall time alone is long
/// was descheduled by the OS while holding it.
#[cfg(feature = "lock-timing")]
pub mod lock_timing {
    use std::cell::RefCell;
    use std::time::{Duration, Instant};

    use rustix::time::{ClockId, clock_gettime};

    /// One hold of a queue's lock.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct Hold {
        /// Wall-clock time the lock was held.
        pub wall: Duration,
        /// CPU time the holding thread spent while holding it.
        pub cpu: Duration,
        /// The queue operation that held it (`"add"`, `"get"`, `"done"`, ...).
        pub op: &'static str,
    }

    thread_local! {
        static HOLDS: RefCell<Vec<Hold>> = const { RefCell::new(Vec::new()) };
    }

    /// Makes room for `additional` more holds on the current thread, so that recording them
    /// does not allocate while a lock is held.
    pub fn reserve_thread_holds(additional: usize) {
        HOLDS.with(|holds| holds.borrow_mut().reserve(additional));
    }

    /// Takes the holds recorded on the current thread since the last call.
    pub fn take_thread_holds() -> Vec<Hold> {
        HOLDS.with(|holds| std::mem::take(&mut *holds.borrow_mut()))
    }

    fn thread_cpu() -> Duration {
        let t = clock_gettime(ClockId::ThreadCPUTime);
        Duration::new(
            u64::try_from(t.tv_sec).unwrap_or(0),
            u32::try_from(t.tv_nsec).unwrap_or(0),
        )
    }

    /// When a hold started.
    pub(crate) struct Start {
        wall: Instant,
        cpu: Duration,
        op: &'static str,
    }

    impl Start {
        pub(crate) fn now(op: &'static str) -> Self {
            Self {
                cpu: thread_cpu(),
                wall: Instant::now(),
                op,
            }
        }

        pub(crate) fn record(&self) {
            let hold = Hold {
                wall: self.wall.elapsed(),
                cpu: thread_cpu().saturating_sub(self.cpu),
                op: self.op,
            };
            HOLDS.with(|holds| holds.borrow_mut().push(hold));
        }
    }
}
