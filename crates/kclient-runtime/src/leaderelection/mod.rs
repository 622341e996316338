//! Leader election on `coordination.k8s.io/v1` Leases, with client-go's
//! `tools/leaderelection` semantics.
//!
//! Candidates share a [`LeaseLock`] (same namespace and name, different identities). Each runs
//! a [`LeaderElector`]; at most one leads at a time. The leader renews the Lease every
//! `retry_period`; the others take over when the Lease is released, or `lease_duration` after
//! the last change they observed — never by comparing the holder's timestamps with their own
//! clock. All timing runs on the tokio clock, so it can be tested on a paused clock.

mod callbacks;
mod config;
mod elector;
mod lease_lock;
mod lock;
mod record;
mod status;

pub use callbacks::LeaderCallbacks;
pub use config::{
    DEFAULT_LEASE_DURATION, DEFAULT_RENEW_DEADLINE, DEFAULT_RETRY_PERIOD, JITTER_FACTOR,
    LeaderElectionConfig, LeaderElectionConfigError,
};
pub use elector::{LeaderElector, Stopped};
pub use lease_lock::LeaseLock;
pub use lock::{LockError, ResourceLock};
pub use record::LeaderElectionRecord;
pub use status::LeaderStatus;

/// The token type of [`LeaderCallbacks`] and [`LeaderElector::run`], re-exported.
pub use tokio_util::sync::CancellationToken;
