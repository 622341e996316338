//! [`LeaderElector`]: the acquire / renew / release loop of client-go's `LeaderElector`.
//!
//! # How expiry is judged
//!
//! A candidate never compares the holder's `renewTime` with its own clock (replicas' clocks
//! may disagree). It remembers, on its own monotonic tokio clock, when it *observed* the
//! record last change; the holder's claim is valid until that moment plus the record's
//! `leaseDurationSeconds`. A live leader changes the record every `retry_period`, so its
//! claim never lapses; a dead one stops changing it and is replaced `lease_duration` after
//! the last change anyone saw.
//!
//! # Why the leader steps down in time
//!
//! The leader retries a failed renewal every `retry_period` until `renew_deadline` has passed
//! since the round began, then ends its leadership. As `renew_deadline < lease_duration`, it
//! has stopped before any other candidate may take over.

use std::time::Duration;

use kclient_core::ApiError;
use kclient_core::backoff::BackoffConfig;
use tokio::sync::{mpsc, watch};
use tokio::time::{Instant, sleep, sleep_until, timeout, timeout_at};
use tokio_util::sync::CancellationToken;
use tracing::{debug, info, warn};

use crate::leaderelection::callbacks::{LeaderCallbacks, NewLeader};
use crate::leaderelection::config::{
    JITTER_FACTOR, LeaderElectionConfig, LeaderElectionConfigError,
};
use crate::leaderelection::lock::{LockError, ResourceLock};
use crate::leaderelection::record::{LeaderElectionRecord, now_micros};
use crate::leaderelection::status::{LeaderStatus, Snapshot};

/// How a [`LeaderElector::run`] ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stopped {
    /// The cancellation token fired before this candidate became leader.
    CancelledBeforeLeading,
    /// The cancellation token fired while this candidate was leading.
    Cancelled,
    /// Renewals kept failing for `renew_deadline`, or another candidate took the lock.
    LostLeadership,
}

/// One candidate in a leader election.
///
/// ```no_run
/// # async fn demo(client: kclient_client::RestClient) -> Result<(), Box<dyn std::error::Error>> {
/// use kclient_runtime::leaderelection::{
///     LeaderCallbacks, LeaderElectionConfig, LeaderElector, LeaseLock,
/// };
/// use tokio_util::sync::CancellationToken;
///
/// let lock = LeaseLock::new(client, "kube-system", "my-controller", "pod-a");
/// let config = LeaderElectionConfig::new(lock).release_on_cancel(true);
/// let callbacks = LeaderCallbacks::new(
///     |leading: CancellationToken| {
///         tokio::spawn(async move {
///             // reconcile until `leading` is cancelled
///             leading.cancelled().await;
///         });
///     },
///     || eprintln!("leadership lost"),
/// )
/// .on_new_leader(|id| eprintln!("leader is now {id}"));
/// let elector = LeaderElector::new(config, callbacks)?;
/// let stop = CancellationToken::new();
/// elector.run(stop).await;
/// # Ok(()) }
/// ```
pub struct LeaderElector<L: ResourceLock> {
    config: LeaderElectionConfig<L>,
    callbacks: LeaderCallbacks,
    lease_duration_seconds: i32,
    /// The last record read or written, and when it last changed (our clock).
    observed: Option<(LeaderElectionRecord, Instant)>,
    /// The holder last passed to `on_new_leader` (empty: none yet, or nobody).
    reported_leader: String,
    /// Where holder changes go to `on_new_leader`, which runs on a task of its own.
    new_leader: Option<mpsc::UnboundedSender<String>>,
    status: watch::Sender<Snapshot>,
    status_rx: watch::Receiver<Snapshot>,
}

impl<L: ResourceLock> std::fmt::Debug for LeaderElector<L> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LeaderElector")
            .field("name", &self.config.name)
            .field("lock", &self.config.lock.describe())
            .field("identity", &self.config.lock.identity())
            .field("observed", &self.observed.as_ref().map(|(r, _)| r))
            .finish_non_exhaustive()
    }
}

impl<L: ResourceLock> LeaderElector<L> {
    /// Validates `config` (see [`LeaderElectionConfig::validate`]) and builds the elector.
    pub fn new(
        config: LeaderElectionConfig<L>,
        callbacks: LeaderCallbacks,
    ) -> Result<Self, LeaderElectionConfigError> {
        config.validate()?;
        let lease_duration_seconds = config.lease_duration_seconds().ok_or(
            LeaderElectionConfigError::LeaseDurationTooLong(config.lease_duration),
        )?;
        let (status, status_rx) = watch::channel(Snapshot::default());
        Ok(Self {
            config,
            callbacks,
            lease_duration_seconds,
            observed: None,
            reported_leader: String::new(),
            new_leader: None,
            status,
            status_rx,
        })
    }

    /// A handle on this elector's state, usable from other tasks while [`Self::run`] runs.
    pub fn status(&self) -> LeaderStatus {
        LeaderStatus::new(self.identity().to_owned(), self.status_rx.clone())
    }

    /// Whether this candidate currently leads (see [`LeaderStatus::is_leader`]).
    pub fn is_leader(&self) -> bool {
        self.status().is_leader()
    }

    /// The holder in the last observed record (see [`LeaderStatus::leader`]).
    pub fn leader(&self) -> Option<String> {
        self.status().leader()
    }

    /// This candidate's identity.
    pub fn identity(&self) -> &str {
        self.config.lock.identity()
    }

    /// Competes for the lock until `cancel` fires or leadership is lost.
    ///
    /// Tries to acquire every `retry_period` (with jitter); once leader, calls
    /// `on_started_leading` and renews every `retry_period`. Leadership ends when `cancel`
    /// fires or a renewal round fails for `renew_deadline`: the leading token is cancelled,
    /// the lock is released if `release_on_cancel`, then `on_stopped_leading` runs. Like
    /// client-go's `Run`, a run that lost leadership does not compete again; start a new
    /// elector for that.
    ///
    /// Dropping the future stops everything without releasing the lock (the others take
    /// over after `lease_duration`); the leading token is still cancelled and
    /// `on_stopped_leading` still called.
    pub async fn run(mut self, cancel: CancellationToken) -> Stopped {
        self.new_leader = self.callbacks.on_new_leader.take().map(spawn_new_leader);
        let lock = self.config.lock.describe();
        info!(election = %self.config.name, %lock, identity = self.identity(), "attempting to acquire leader lease");
        if !self.acquire(&cancel).await {
            return Stopped::CancelledBeforeLeading;
        }
        info!(election = %self.config.name, %lock, "successfully acquired lease");
        let mut leadership = Leadership {
            token: cancel.child_token(),
            status: self.status.clone(),
            on_stopped: self.callbacks.on_stopped_leading.take(),
        };
        self.status.send_modify(|s| s.leading = true);
        if let Some(started) = self.callbacks.on_started_leading.take() {
            started(leadership.token.clone());
        }
        let stopped = self.renew(&cancel).await;
        leadership.revoke();
        if self.config.release_on_cancel {
            self.release().await;
        }
        drop(leadership);
        stopped
    }

    async fn acquire(&mut self, cancel: &CancellationToken) -> bool {
        loop {
            let deadline = self.config.renew_deadline;
            let acquired = tokio::select! {
                biased;
                () = cancel.cancelled() => return false,
                result = timeout(deadline, self.try_acquire_or_renew()) => result.unwrap_or(false),
            };
            self.report_transition();
            if acquired {
                return true;
            }
            debug!(lock = %self.config.lock.describe(), "failed to acquire lease");
            let wait = retry_wait(self.config.retry_period, rand::random());
            tokio::select! {
                biased;
                () = cancel.cancelled() => return false,
                () = sleep(wait) => {}
            }
        }
    }

    async fn renew(&mut self, cancel: &CancellationToken) -> Stopped {
        loop {
            let deadline = Instant::now() + self.config.renew_deadline;
            let renewed = tokio::select! {
                biased;
                () = cancel.cancelled() => return Stopped::Cancelled,
                result = timeout_at(deadline, self.renew_until_success()) => result.is_ok(),
            };
            self.report_transition();
            if !renewed {
                warn!(election = %self.config.name, lock = %self.config.lock.describe(),
                    "failed to renew lease within the renew deadline; stepping down");
                return Stopped::LostLeadership;
            }
            tokio::select! {
                biased;
                () = cancel.cancelled() => return Stopped::Cancelled,
                () = sleep(self.config.retry_period) => {}
            }
        }
    }

    /// client-go's `PollImmediateUntil(retry_period, tryAcquireOrRenew)`: attempts start every
    /// `retry_period` until one succeeds (the caller bounds it by the renew deadline).
    async fn renew_until_success(&mut self) {
        loop {
            let started = Instant::now();
            if self.try_acquire_or_renew().await {
                return;
            }
            sleep_until(started + self.config.retry_period).await;
        }
    }

    /// One attempt, client-go's `tryAcquireOrRenew`: `true` if we hold the lock afterwards.
    async fn try_acquire_or_renew(&mut self) -> bool {
        let now = Instant::now();
        let wall = now_micros();
        let mut desired = LeaderElectionRecord {
            holder_identity: self.identity().to_owned(),
            lease_duration_seconds: self.lease_duration_seconds,
            acquire_time: Some(wall),
            renew_time: Some(wall),
            leader_transitions: 0,
        };

        // Fast path: the leader writes on top of the version it last saw; a conflict or any
        // other failure falls back to reading the lock.
        if self.observed_is_ours() && self.lease_valid(now) {
            if let Some((old, _)) = &self.observed {
                desired.acquire_time = old.acquire_time;
                desired.leader_transitions = old.leader_transitions;
            }
            match self.config.lock.update(&desired).await {
                Ok(()) => {
                    self.set_observed(desired);
                    return true;
                }
                Err(err) => debug!(error = %err, "optimistic renewal failed; reading the lock"),
            }
        }

        let current = match self.config.lock.get().await {
            Ok(record) => record,
            Err(err) if err.is_not_found() => {
                return match self.config.lock.create(&desired).await {
                    Ok(()) => {
                        self.set_observed(desired);
                        true
                    }
                    Err(err) => {
                        debug!(error = %err, "failed to create the lock");
                        false
                    }
                };
            }
            Err(err) => {
                warn!(lock = %self.config.lock.describe(), error = %err, "failed to read the lock");
                return false;
            }
        };

        // The observation time moves only when the record changes: that is what makes a
        // dead holder's claim expire.
        if self.observed.as_ref().map(|(r, _)| r) != Some(&current) {
            self.set_observed(current.clone());
        }
        if current.is_held() && self.lease_valid(now) && !self.observed_is_ours() {
            debug!(holder = %current.holder_identity, "the lock is held and has not expired");
            return false;
        }
        if self.observed_is_ours() {
            desired.acquire_time = current.acquire_time;
            desired.leader_transitions = current.leader_transitions;
        } else {
            desired.leader_transitions = current.leader_transitions.saturating_add(1);
        }
        match self.config.lock.update(&desired).await {
            Ok(()) => {
                self.set_observed(desired);
                true
            }
            Err(err) => {
                debug!(error = %err, "failed to update the lock");
                false
            }
        }
    }

    /// Gives the lock up if we still hold it: no holder, `leaseDurationSeconds = 1`, so the
    /// others take over on their next attempt. A failed attempt (a conflict with a write we
    /// have not seen, an unreachable server) is tried again every `retry_period`, re-reading
    /// the lock, until `renew_deadline` has passed, as client-go's `release` polls.
    async fn release(&mut self) {
        let deadline = Instant::now() + self.config.renew_deadline;
        let describe = self.config.lock.describe();
        loop {
            let started = Instant::now();
            match timeout_at(deadline, try_release(&self.config.lock)).await {
                Ok(Ok(Some(released))) => {
                    info!(lock = %describe, "released the lease");
                    self.set_observed(released);
                    return;
                }
                Ok(Ok(None)) => {
                    debug!("the lease is held by someone else; nothing to release");
                    return;
                }
                Ok(Err(err)) => {
                    warn!(lock = %describe, error = %err, "failed to release the lease")
                }
                Err(_) => {
                    warn!(lock = %describe, "releasing the lease timed out");
                    return;
                }
            }
            let next = started + self.config.retry_period;
            if next >= deadline {
                warn!(lock = %describe, "gave up releasing the lease at the renew deadline");
                return;
            }
            sleep_until(next).await;
        }
    }

    fn observed_is_ours(&self) -> bool {
        self.observed
            .as_ref()
            .is_some_and(|(r, _)| r.holder_identity == self.config.lock.identity())
    }

    fn lease_valid(&self, now: Instant) -> bool {
        self.observed.as_ref().is_some_and(|(record, seen)| {
            let duration =
                Duration::from_secs(u64::try_from(record.lease_duration_seconds).unwrap_or(0));
            *seen + duration > now
        })
    }

    fn set_observed(&mut self, record: LeaderElectionRecord) {
        let leader = record.is_held().then(|| record.holder_identity.clone());
        self.status.send_if_modified(|s| {
            let changed = s.leader != leader;
            s.leader = leader;
            changed
        });
        self.observed = Some((record, Instant::now()));
    }

    fn report_transition(&mut self) {
        let holder = self
            .observed
            .as_ref()
            .map(|(r, _)| r.holder_identity.as_str())
            .unwrap_or_default();
        if holder == self.reported_leader {
            return;
        }
        self.reported_leader = holder.to_owned();
        if !holder.is_empty() {
            if let Some(new_leader) = &self.new_leader {
                // Never waits: a slow callback must not hold up renewals.
                let _ = new_leader.send(holder.to_owned());
            }
        }
    }
}

/// The leading phase; dropping it (also when the run future is dropped) ends leadership and
/// calls `on_stopped_leading`.
struct Leadership {
    token: CancellationToken,
    status: watch::Sender<Snapshot>,
    on_stopped: Option<Box<dyn FnOnce() + Send>>,
}

impl Leadership {
    fn revoke(&mut self) {
        self.token.cancel();
        self.status
            .send_if_modified(|s| std::mem::replace(&mut s.leading, false));
    }
}

impl Drop for Leadership {
    fn drop(&mut self) {
        self.revoke();
        if let Some(stopped) = self.on_stopped.take() {
            stopped();
        }
    }
}

/// One release attempt: `Some(record)` written, `None` when we no longer hold the lock.
async fn try_release<L: ResourceLock>(lock: &L) -> Result<Option<LeaderElectionRecord>, LockError> {
    let current = lock.get().await?;
    // Only the holder may release; after a lost election someone else may hold it.
    if current.holder_identity != lock.identity() {
        return Ok(None);
    }
    let wall = now_micros();
    let released = LeaderElectionRecord {
        holder_identity: String::new(),
        lease_duration_seconds: 1,
        acquire_time: Some(wall),
        renew_time: Some(wall),
        leader_transitions: current.leader_transitions,
    };
    lock.update(&released).await.map(|()| Some(released))
}

/// Runs `on_new_leader` for every holder sent, in order, each call on tokio's blocking pool
/// (client-go starts a goroutine per call): the elector never waits for it, and a callback may
/// block. The task ends when the elector drops the sender (its run ended) or a call panics.
fn spawn_new_leader(mut callback: NewLeader) -> mpsc::UnboundedSender<String> {
    let (tx, mut rx) = mpsc::unbounded_channel::<String>();
    tokio::spawn(async move {
        while let Some(holder) = rx.recv().await {
            let call = tokio::task::spawn_blocking(move || {
                callback(&holder);
                callback
            });
            match call.await {
                Ok(returned) => callback = returned,
                Err(err) => {
                    warn!(error = %err, "on_new_leader panicked; no more new-leader notifications");
                    return;
                }
            }
        }
    });
    tx
}

/// The wait between acquisition attempts, client-go's `wait.Jitter(retry_period,
/// JITTER_FACTOR)`: `period + random × 1.2 × period` for `random` in `[0, 1)` (kclient-core's
/// backoff rule with a constant period).
pub(crate) fn retry_wait(period: Duration, random: f64) -> Duration {
    BackoffConfig::constant(period, JITTER_FACTOR).delay(0, random)
}

#[cfg(test)]
#[path = "elector_tests.rs"]
mod tests;
