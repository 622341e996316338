//! [`LeaseLock`]: the election record in a `coordination.k8s.io/v1` Lease, client-go's
//! `resourcelock.LeaseLock`.

use std::fmt;
use std::sync::{Mutex, MutexGuard};

use k8s_openapi::api::coordination::v1::{Lease, LeaseSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{MicroTime, ObjectMeta};
use kclient_client::ApiError;
use kclient_client::{Api, CreateOptions, GetOptions, RestClient, UpdateOptions};

use crate::leaderelection::lock::{LockError, ResourceLock};
use crate::leaderelection::record::LeaderElectionRecord;

/// A leader-election lock stored in the Lease `namespace/name`, held as `identity`.
///
/// Writes replace the Lease with the `resourceVersion` last read, so a concurrent writer makes
/// them fail with a 409 ([`LockError::Conflict`]). Spec fields the record does not cover
/// (`strategy`, `preferredHolder`) are kept as found.
pub struct LeaseLock {
    api: Api<Lease>,
    name: String,
    identity: String,
    /// The Lease as last read or written: its `resourceVersion` guards the next update.
    last: Mutex<Option<Lease>>,
}

impl fmt::Debug for LeaseLock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LeaseLock")
            .field("lease", &self.describe())
            .field("identity", &self.identity)
            .finish_non_exhaustive()
    }
}

impl LeaseLock {
    /// A lock on the Lease `namespace/name` through `client`, held as `identity`.
    pub fn new(
        client: RestClient,
        namespace: &str,
        name: impl Into<String>,
        identity: impl Into<String>,
    ) -> Self {
        Self::from_api(Api::namespaced(client, namespace), name, identity)
    }

    /// A lock on the Lease `name` in the namespace of `api`, held as `identity`.
    pub fn from_api(api: Api<Lease>, name: impl Into<String>, identity: impl Into<String>) -> Self {
        Self {
            api,
            name: name.into(),
            identity: identity.into(),
            last: Mutex::new(None),
        }
    }

    /// The Lease's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The Lease's namespace.
    pub fn namespace(&self) -> &str {
        self.api.namespace().unwrap_or_default()
    }

    fn last(&self) -> MutexGuard<'_, Option<Lease>> {
        // The guarded value is replaced whole, so a panic elsewhere cannot leave it half-written.
        self.last.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn remember(&self, lease: Lease) {
        *self.last() = Some(lease);
    }

    fn map_err(&self, err: kclient_client::Error) -> LockError {
        if err.is_not_found() {
            LockError::NotFound(self.describe())
        } else if err.is_conflict() {
            LockError::Conflict(self.describe())
        } else {
            LockError::Client(err)
        }
    }
}

impl ResourceLock for LeaseLock {
    async fn get(&self) -> Result<LeaderElectionRecord, LockError> {
        let lease = self
            .api
            .get(&self.name, &GetOptions::default())
            .await
            .map_err(|e| self.map_err(e))?;
        let record =
            lease_to_record(lease.spec.as_ref()).map_err(|message| LockError::Invalid {
                lock: self.describe(),
                message,
            })?;
        self.remember(lease);
        Ok(record)
    }

    async fn create(&self, record: &LeaderElectionRecord) -> Result<(), LockError> {
        let mut spec = LeaseSpec::default();
        record_into_spec(record, &mut spec);
        let lease = Lease {
            metadata: ObjectMeta {
                name: Some(self.name.clone()),
                namespace: self.api.namespace().map(str::to_owned),
                ..ObjectMeta::default()
            },
            spec: Some(spec),
        };
        let created = self
            .api
            .create(&lease, &CreateOptions::default())
            .await
            .map_err(|e| match self.map_err(e) {
                // Someone created it first: for the elector this is a lost race like a 409.
                LockError::Client(err) if err.is_already_exists() => {
                    LockError::Conflict(self.describe())
                }
                other => other,
            })?;
        self.remember(created);
        Ok(())
    }

    async fn update(&self, record: &LeaderElectionRecord) -> Result<(), LockError> {
        let mut lease = self
            .last()
            .clone()
            .ok_or_else(|| LockError::NotInitialized(self.describe()))?;
        record_into_spec(record, lease.spec.get_or_insert_with(LeaseSpec::default));
        let updated = self
            .api
            .update(&lease, &UpdateOptions::default())
            .await
            .map_err(|e| self.map_err(e))?;
        self.remember(updated);
        Ok(())
    }

    fn identity(&self) -> &str {
        &self.identity
    }

    fn describe(&self) -> String {
        format!("{}/{}", self.namespace(), self.name)
    }
}

/// The record held by a Lease spec (an absent spec is an unheld lock).
fn lease_to_record(spec: Option<&LeaseSpec>) -> Result<LeaderElectionRecord, String> {
    let Some(spec) = spec else {
        return Ok(LeaderElectionRecord::default());
    };
    let lease_duration_seconds = spec.lease_duration_seconds.unwrap_or_default();
    if lease_duration_seconds < 0 {
        return Err(format!(
            "spec.leaseDurationSeconds is negative ({lease_duration_seconds})"
        ));
    }
    Ok(LeaderElectionRecord {
        holder_identity: spec.holder_identity.clone().unwrap_or_default(),
        lease_duration_seconds,
        acquire_time: spec.acquire_time.as_ref().map(|t| t.0),
        renew_time: spec.renew_time.as_ref().map(|t| t.0),
        leader_transitions: spec.lease_transitions.unwrap_or_default(),
    })
}

fn record_into_spec(record: &LeaderElectionRecord, spec: &mut LeaseSpec) {
    spec.holder_identity = Some(record.holder_identity.clone());
    spec.lease_duration_seconds = Some(record.lease_duration_seconds);
    spec.acquire_time = record.acquire_time.map(MicroTime);
    spec.renew_time = record.renew_time.map(MicroTime);
    spec.lease_transitions = Some(record.leader_transitions);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_round_trips_through_the_record() {
        let record = LeaderElectionRecord {
            holder_identity: "a".into(),
            lease_duration_seconds: 15,
            acquire_time: Some(jiff::Timestamp::from_second(1_700_000_000).unwrap()),
            renew_time: Some(jiff::Timestamp::from_second(1_700_000_010).unwrap()),
            leader_transitions: 3,
        };
        let mut spec = LeaseSpec {
            strategy: Some("OldestEmulationVersion".into()),
            ..LeaseSpec::default()
        };
        record_into_spec(&record, &mut spec);
        assert_eq!(spec.strategy.as_deref(), Some("OldestEmulationVersion"));
        assert_eq!(lease_to_record(Some(&spec)).unwrap(), record);
    }

    #[test]
    fn empty_spec_is_an_unheld_lock_and_negative_duration_is_rejected() {
        assert!(!lease_to_record(None).unwrap().is_held());
        assert!(
            !lease_to_record(Some(&LeaseSpec::default()))
                .unwrap()
                .is_held()
        );
        let bad = LeaseSpec {
            lease_duration_seconds: Some(-1),
            ..LeaseSpec::default()
        };
        assert!(lease_to_record(Some(&bad)).is_err());
    }
}
