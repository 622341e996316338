//! [`LeaderElectionConfig`]: timings and lock, with client-go's defaults and validation.

use std::time::Duration;

use crate::leaderelection::lock::ResourceLock;

/// client-go's `JitterFactor`: acquisition retries wait between `retry_period` and
/// `(1 + JITTER_FACTOR) * retry_period`, and `renew_deadline` must exceed
/// `JITTER_FACTOR * retry_period`.
pub const JITTER_FACTOR: f64 = 1.2;

/// Default [`LeaderElectionConfig::lease_duration`] (component-base's 15 s).
pub const DEFAULT_LEASE_DURATION: Duration = Duration::from_secs(15);
/// Default [`LeaderElectionConfig::renew_deadline`] (component-base's 10 s).
pub const DEFAULT_RENEW_DEADLINE: Duration = Duration::from_secs(10);
/// Default [`LeaderElectionConfig::retry_period`] (component-base's 2 s).
pub const DEFAULT_RETRY_PERIOD: Duration = Duration::from_secs(2);

/// How an elector competes for `lock`.
///
/// Safety rests on `renew_deadline < lease_duration`: a leader that cannot renew steps down
/// after `renew_deadline`, before any other candidate may consider its lease expired.
#[derive(Clone, Debug)]
pub struct LeaderElectionConfig<L> {
    /// The lock competed for; its identity is this candidate's.
    pub lock: L,
    /// How long non-leaders wait, from the last change they *observed*, before taking over
    /// (the leader writes it, in whole seconds, as the lease's `leaseDurationSeconds`).
    /// Default 15 s; at least 1 s.
    pub lease_duration: Duration,
    /// How long the leader keeps retrying a failed renewal before it steps down. Default 10 s.
    pub renew_deadline: Duration,
    /// The wait between attempts to acquire or renew. Default 2 s.
    pub retry_period: Duration,
    /// Whether the leader releases the lock when it stops (cancelled or lost), so another
    /// candidate takes over at once instead of after `lease_duration`. Only set it if the
    /// leader's work has stopped by then. Default `false`.
    pub release_on_cancel: bool,
    /// The election's name, for logs. Default empty.
    pub name: String,
}

impl<L> LeaderElectionConfig<L> {
    /// A config for `lock` with client-go's default timings (15 s / 10 s / 2 s), no release
    /// on cancel.
    pub fn new(lock: L) -> Self {
        Self {
            lock,
            lease_duration: DEFAULT_LEASE_DURATION,
            renew_deadline: DEFAULT_RENEW_DEADLINE,
            retry_period: DEFAULT_RETRY_PERIOD,
            release_on_cancel: false,
            name: String::new(),
        }
    }

    /// Sets [`Self::lease_duration`].
    pub fn lease_duration(mut self, duration: Duration) -> Self {
        self.lease_duration = duration;
        self
    }

    /// Sets [`Self::renew_deadline`].
    pub fn renew_deadline(mut self, deadline: Duration) -> Self {
        self.renew_deadline = deadline;
        self
    }

    /// Sets [`Self::retry_period`].
    pub fn retry_period(mut self, period: Duration) -> Self {
        self.retry_period = period;
        self
    }

    /// Sets [`Self::release_on_cancel`].
    pub fn release_on_cancel(mut self, release: bool) -> Self {
        self.release_on_cancel = release;
        self
    }

    /// Sets [`Self::name`].
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }
}

/// Why a [`LeaderElectionConfig`] was rejected.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LeaderElectionConfigError {
    /// A duration is zero.
    #[error("{0} must be greater than zero")]
    ZeroDuration(&'static str),
    /// The lease is shorter than one second: Leases store whole seconds.
    #[error("lease_duration must be at least 1s (Leases store whole seconds), got {0:?}")]
    LeaseDurationTooShort(Duration),
    /// The lease is too long for a Lease's `leaseDurationSeconds` (an `i32`).
    #[error("lease_duration {0:?} does not fit a Lease's leaseDurationSeconds")]
    LeaseDurationTooLong(Duration),
    /// `lease_duration <= renew_deadline`: a stuck leader would still act after others took over.
    #[error(
        "lease_duration ({lease_duration:?}) must be greater than renew_deadline ({renew_deadline:?})"
    )]
    LeaseNotLongerThanRenewDeadline {
        /// The configured lease duration.
        lease_duration: Duration,
        /// The configured renew deadline.
        renew_deadline: Duration,
    },
    /// `renew_deadline <= JITTER_FACTOR * retry_period`: no retry would fit in the deadline.
    #[error(
        "renew_deadline ({renew_deadline:?}) must be greater than retry_period * {JITTER_FACTOR} ({retry_period:?} * {JITTER_FACTOR})"
    )]
    RenewDeadlineTooShort {
        /// The configured renew deadline.
        renew_deadline: Duration,
        /// The configured retry period.
        retry_period: Duration,
    },
    /// The lock's identity is empty.
    #[error("the lock identity is empty")]
    EmptyIdentity,
}

impl<L: ResourceLock> LeaderElectionConfig<L> {
    /// Checks client-go's rules: every duration positive,
    /// `lease_duration > renew_deadline > JITTER_FACTOR * retry_period`, a non-empty identity;
    /// and, because Leases store whole seconds, `1s <= lease_duration <= i32::MAX s`.
    pub fn validate(&self) -> Result<(), LeaderElectionConfigError> {
        for (name, value) in [
            ("lease_duration", self.lease_duration),
            ("renew_deadline", self.renew_deadline),
            ("retry_period", self.retry_period),
        ] {
            if value.is_zero() {
                return Err(LeaderElectionConfigError::ZeroDuration(name));
            }
        }
        if self.lease_duration <= self.renew_deadline {
            return Err(LeaderElectionConfigError::LeaseNotLongerThanRenewDeadline {
                lease_duration: self.lease_duration,
                renew_deadline: self.renew_deadline,
            });
        }
        if self.renew_deadline.as_secs_f64() <= JITTER_FACTOR * self.retry_period.as_secs_f64() {
            return Err(LeaderElectionConfigError::RenewDeadlineTooShort {
                renew_deadline: self.renew_deadline,
                retry_period: self.retry_period,
            });
        }
        if self.lease_duration < Duration::from_secs(1) {
            return Err(LeaderElectionConfigError::LeaseDurationTooShort(
                self.lease_duration,
            ));
        }
        if self.lease_duration_seconds().is_none() {
            return Err(LeaderElectionConfigError::LeaseDurationTooLong(
                self.lease_duration,
            ));
        }
        if self.lock.identity().is_empty() {
            return Err(LeaderElectionConfigError::EmptyIdentity);
        }
        Ok(())
    }

    /// The lease duration as written to the lock: whole seconds, truncated as client-go does.
    pub(crate) fn lease_duration_seconds(&self) -> Option<i32> {
        i32::try_from(self.lease_duration.as_secs()).ok()
    }
}
