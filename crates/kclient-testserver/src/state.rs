//! Everything a request handler can reach: storage, served resources, faults, settings.

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::authn::Tokens;
use crate::controllers::GarbageCollector;
use crate::faults::FaultsHandle;
use crate::registry::Registry;
use crate::requests::RequestLog;
use crate::store::Store;

/// Shared server state.
pub(crate) struct State {
    pub store: Arc<Store>,
    pub registry: Registry,
    pub faults: FaultsHandle,
    /// API requests, recorded while a test asks for it.
    pub requests: RequestLog,
    /// Bearer tokens and their users (the server's own token is the admin's).
    pub tokens: Tokens,
    /// Whether requests without credentials run as `system:anonymous` (else 401).
    pub anonymous_auth: bool,
    /// Interval of BOOKMARK events on watches that allow them.
    pub bookmark_interval: Duration,
    /// Server-side watch timeout when the client sets none.
    pub default_watch_timeout: Duration,
    /// `host:port` as clients reach the server.
    pub address: String,
    /// Serve aggregated discovery on `/api` and `/apis` when asked for; `false` answers
    /// every client with the legacy documents, like a pre-1.26 kube-apiserver.
    pub aggregated_discovery: bool,
    /// Serve a Swagger 2.0 document at `/openapi/v2`.
    pub openapi_v2: bool,
    /// Cancelled when the server shuts down: ends watches and background tasks.
    pub shutdown: CancellationToken,
    /// The owner-reference graph and queue of the garbage collector.
    pub gc: GarbageCollector,
}

impl std::fmt::Debug for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The bearer token is a secret: never printed.
        f.debug_struct("State")
            .field("address", &self.address)
            .field("bookmark_interval", &self.bookmark_interval)
            .finish_non_exhaustive()
    }
}
