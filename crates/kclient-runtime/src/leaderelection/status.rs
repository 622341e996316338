//! [`LeaderStatus`]: a cheap handle answering "am I the leader, and who is?".

use tokio::sync::watch;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Snapshot {
    /// Between `on_started_leading` and the end of leadership.
    pub(crate) leading: bool,
    /// The holder in the last observed record.
    pub(crate) leader: Option<String>,
}

/// The state of one elector, readable from any task while it runs (and after it stopped).
#[derive(Clone, Debug)]
pub struct LeaderStatus {
    identity: String,
    rx: watch::Receiver<Snapshot>,
}

impl LeaderStatus {
    pub(crate) fn new(identity: String, rx: watch::Receiver<Snapshot>) -> Self {
        Self { identity, rx }
    }

    /// Whether this candidate leads: it is between `on_started_leading` and the end of its
    /// leadership, and the last record it observed names it as holder.
    pub fn is_leader(&self) -> bool {
        let snapshot = self.rx.borrow();
        snapshot.leading && snapshot.leader.as_deref() == Some(self.identity.as_str())
    }

    /// The holder in the last record this elector observed (`None` if it has observed none,
    /// or nobody held the lock). It may be stale by up to one retry period.
    pub fn leader(&self) -> Option<String> {
        self.rx.borrow().leader.clone()
    }

    /// This candidate's identity.
    pub fn identity(&self) -> &str {
        &self.identity
    }

    /// Waits until the status changes; `false` once the elector has finished and nothing will
    /// change any more.
    pub async fn changed(&mut self) -> bool {
        self.rx.changed().await.is_ok()
    }
}
