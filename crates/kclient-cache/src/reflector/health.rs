//! [`ReflectorHealth`]: the observable state of a running reflector.

use std::sync::Arc;

use super::ReflectorError;

/// What a reflector is doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Phase {
    /// Not started yet.
    Starting,
    /// Listing to build the initial state.
    Listing,
    /// Receiving the initial events of a watch-list request.
    WatchListing,
    /// Watching for changes.
    Watching,
    /// Waiting before a retry after an error.
    BackingOff,
    /// The error handler asked to stop.
    Stopped,
}

/// A snapshot of a reflector's state, published on a `tokio::sync::watch` channel.
#[derive(Clone, Debug)]
pub struct ReflectorHealth {
    /// The current phase.
    pub phase: Phase,
    /// The resource version the store is known to be synced to.
    pub last_sync_resource_version: Option<String>,
    /// True once a complete initial state has been written to the store.
    pub synced: bool,
    /// Whether watch-list (streaming initial events) is still in use; it turns false when
    /// the server rejected it and the reflector fell back to list+watch for good.
    pub watch_list: bool,
    /// The most recent error (kept after recovery, so it can be inspected).
    pub last_error: Option<Arc<ReflectorError>>,
    /// Errors since the last successful list or watch event; 0 when healthy.
    pub consecutive_failures: u32,
    /// How many times the initial state was (re)built from a list or watch-list.
    pub lists: u64,
    /// True while the resource is not served: a list or watch was answered 404 NotFound
    /// (a deleted CRD, or an API group that went away) and no list or watch has succeeded
    /// since. The reflector keeps retrying with backoff; the store keeps what it last had
    /// (with the deletions the server sent before it stopped serving) until a list succeeds
    /// and replaces it. Other errors meanwhile leave it set.
    pub not_served: bool,
}

impl ReflectorHealth {
    pub(crate) fn new(watch_list: bool) -> Self {
        Self {
            phase: Phase::Starting,
            last_sync_resource_version: None,
            synced: false,
            watch_list,
            last_error: None,
            consecutive_failures: 0,
            lists: 0,
            not_served: false,
        }
    }

    /// True when the last attempt did not fail.
    pub fn is_healthy(&self) -> bool {
        self.consecutive_failures == 0 && self.phase != Phase::Stopped
    }
}
