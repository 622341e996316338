//! [`LeaderElectionRecord`]: the lock-independent view of who holds a lock, client-go's
//! `resourcelock.LeaderElectionRecord`.

use jiff::Timestamp;

/// Who holds a leader-election lock and for how long, as stored in the lock object.
///
/// The timestamps are the holder's wall clock and are informational only: electors never
/// compare them with their own clock (replicas' clocks may disagree). Expiry is judged from
/// the moment an elector *observed* the record change, plus `lease_duration_seconds`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LeaderElectionRecord {
    /// The holder's identity; empty when nobody holds the lock (e.g. after a release).
    pub holder_identity: String,
    /// How long, from the last observed change, the holder's claim is valid.
    pub lease_duration_seconds: i32,
    /// When the current holder acquired the lock.
    pub acquire_time: Option<Timestamp>,
    /// When the current holder last renewed the lock.
    pub renew_time: Option<Timestamp>,
    /// How many times the lock changed hands.
    pub leader_transitions: i32,
}

impl LeaderElectionRecord {
    /// Whether somebody holds the lock.
    pub fn is_held(&self) -> bool {
        !self.holder_identity.is_empty()
    }
}

/// The wall clock truncated to microseconds, the precision a Lease's `MicroTime` keeps, so a
/// record read back from the server equals the one written.
pub(crate) fn now_micros() -> Timestamp {
    let now = Timestamp::now();
    let micros = now.as_microsecond();
    Timestamp::from_microsecond(micros).unwrap_or(now)
}
