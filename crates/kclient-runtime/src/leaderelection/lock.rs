//! [`ResourceLock`]: where the election record lives, client-go's `resourcelock.Interface`.

use std::future::Future;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Status;
use kclient_core::{ApiError, Transience};

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

/// The lock's own NotFound and Conflict answer like the server's 404 and 409 they stand for.
impl ApiError for LockError {
    fn status(&self) -> Option<&Status> {
        match self {
            Self::Client(err) => err.status(),
            _ => None,
        }
    }

    fn is_transport(&self) -> bool {
        matches!(self, Self::Client(err) if err.is_transport())
    }

    fn is_timeout(&self) -> bool {
        matches!(self, Self::Client(err) if err.is_timeout())
    }

    fn is_not_found(&self) -> bool {
        match self {
            Self::NotFound(_) => true,
            Self::Client(err) => err.is_not_found(),
            _ => false,
        }
    }

    fn is_conflict(&self) -> bool {
        match self {
            Self::Conflict(_) => true,
            Self::Client(err) => err.is_conflict(),
            _ => false,
        }
    }

    fn transience(&self) -> Transience {
        match self {
            Self::Client(err) => err.transience(),
            _ => Transience::Permanent,
        }
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
