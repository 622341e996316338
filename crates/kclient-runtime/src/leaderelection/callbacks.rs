//! [`LeaderCallbacks`]: what the elector tells the application, client-go's
//! `LeaderCallbacks`.

use std::fmt;

use tokio_util::sync::CancellationToken;

type Started = Box<dyn FnOnce(CancellationToken) + Send>;
type Stopped = Box<dyn FnOnce() + Send>;
pub(crate) type NewLeader = Box<dyn FnMut(&str) + Send>;

/// The elector's notifications. `on_started_leading` and `on_stopped_leading` run on the
/// elector's task, so they must return quickly: start the leader's work on its own task from
/// `on_started_leading`. `on_new_leader` runs apart from the elector (see
/// [`LeaderCallbacks::on_new_leader`]).
pub struct LeaderCallbacks {
    pub(crate) on_started_leading: Option<Started>,
    pub(crate) on_stopped_leading: Option<Stopped>,
    pub(crate) on_new_leader: Option<NewLeader>,
}

impl fmt::Debug for LeaderCallbacks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LeaderCallbacks")
            .field("on_new_leader", &self.on_new_leader.is_some())
            .finish_non_exhaustive()
    }
}

impl LeaderCallbacks {
    /// Both required callbacks.
    ///
    /// - `on_started_leading` is called once, when this candidate becomes leader, with a token
    ///   that is cancelled the moment leadership ends (run cancelled, renewal failed, or the
    ///   run future dropped). Work done as leader must stop when it fires.
    /// - `on_stopped_leading` is called once after leadership ended (after the release, if
    ///   configured), also when the run future is dropped while leading. Unlike client-go it is
    ///   not called by a run that never became leader.
    pub fn new(
        on_started_leading: impl FnOnce(CancellationToken) + Send + 'static,
        on_stopped_leading: impl FnOnce() + Send + 'static,
    ) -> Self {
        Self {
            on_started_leading: Some(Box::new(on_started_leading)),
            on_stopped_leading: Some(Box::new(on_stopped_leading)),
            on_new_leader: None,
        }
    }

    /// Called with the holder's identity whenever the observed holder changes (this
    /// candidate's own identity included). Not called while nobody holds the lock.
    ///
    /// As client-go runs it on a goroutine of its own, it runs on tokio's blocking pool, one
    /// call after another in the order the holders were seen: it may block or be slow without
    /// delaying the elector's renewals. Calls still queued when the elector's run ends are
    /// still made.
    pub fn on_new_leader(mut self, f: impl FnMut(&str) + Send + 'static) -> Self {
        self.on_new_leader = Some(Box::new(f));
        self
    }
}
