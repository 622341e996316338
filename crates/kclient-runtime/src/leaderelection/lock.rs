//! [`ResourceLock`]: where the election record lives, client-go's `resourcelock.Interface`.

use std::future::Future;

use crate::leaderelection::record::LeaderElectionRecord;

/// Why a lock operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LockError {
    /// The lock object does not exist (it is then created).
    #[error("the lock {0} does not exist")]
    NotFound(String),
    /// Somebody else wrote the lock since we last read it (HTTP 409).
    #[error("the lock {0} was modified by someone else")]
    Conflict(String),
    /// `update` was called before the lock object was read or created.
    #[error("the lock {0} has not been read or created yet")]
    NotInitialized(String),
    /// The API request failed.
    #[error("request for the lock failed: {0}")]
    Client(#[source] kclient_client::Error),
    /// The lock object exists but cannot hold a record (e.g. a negative lease duration).
    #[error("the lock {lock} is invalid: {message}")]
    Invalid {
        /// The lock's description.
        lock: String,
        /// What is wrong with it.
        message: String,
    },
}

impl LockError {
    /// Whether the lock object does not exist.
    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::NotFound(_))
    }

    /// Whether the write lost an optimistic-concurrency race.
    pub fn is_conflict(&self) -> bool {
        matches!(self, Self::Conflict(_))
    }
}

/// A lock object holding a [`LeaderElectionRecord`] with optimistic concurrency: `update`
/// writes on top of the version last returned by `get`, `create` or `update`, and fails with
/// [`LockError::Conflict`] if the object changed in between.
///
/// [`LeaseLock`](crate::leaderelection::LeaseLock) is the implementation for Kubernetes; other
/// implementations serve tests and other stores.
pub trait ResourceLock: Send + Sync + 'static {
    /// Reads the current record (and remembers the version for the next `update`).
    fn get(&self) -> impl Future<Output = Result<LeaderElectionRecord, LockError>> + Send;

    /// Creates the lock object holding `record`.
    fn create(
        &self,
        record: &LeaderElectionRecord,
    ) -> impl Future<Output = Result<(), LockError>> + Send;

    /// Replaces the record, on top of the version last seen.
    fn update(
        &self,
        record: &LeaderElectionRecord,
    ) -> impl Future<Output = Result<(), LockError>> + Send;

    /// This candidate's identity, unique among the candidates (pod name, hostname + UUID, ...).
    fn identity(&self) -> &str;

    /// A human-readable name of the lock, e.g. `default/my-controller`, for logs and errors.
    fn describe(&self) -> String;
}
