//! The request log: which API requests a server received, when, and how it answered, so a
//! test can check how a client paces itself (relists spaced by backoff, waits after
//! `Retry-After`) from the server's side. Off until [`RequestLog::start`]; bounded.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use http::{Method, StatusCode, Uri};

/// The most requests kept; older ones are dropped first.
const CAPACITY: usize = 100_000;

/// One API request as the server saw it.
#[derive(Clone, Debug)]
pub struct LoggedRequest {
    /// When it arrived.
    pub at: Instant,
    /// The HTTP method.
    pub method: Method,
    /// The path, e.g. `/api/v1/configmaps`.
    pub path: String,
    /// The raw query string, empty when there is none.
    pub query: String,
    /// The response's status. A watch answers 200 even when its first event is a 410
    /// `ERROR`, as kube-apiserver's do.
    pub status: StatusCode,
}

impl LoggedRequest {
    /// The value of query parameter `name` (percent-decoded), if present.
    pub fn param(&self, name: &str) -> Option<String> {
        form_urlencoded::parse(self.query.as_bytes())
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.into_owned())
    }

    /// True for a watch (`?watch=true`, or the legacy `/api/v1/watch/...` form).
    pub fn is_watch(&self) -> bool {
        let mut segments = self.path.trim_start_matches('/').split('/');
        let watch_segment = match segments.next() {
            Some("api") => segments.nth(1),
            Some("apis") => segments.nth(2),
            _ => None,
        };
        watch_segment == Some("watch")
            || self
                .param("watch")
                .is_some_and(|w| matches!(w.as_str(), "" | "true" | "1"))
    }

    /// True for a request that builds a client's state from scratch: a list (not a watch)
    /// or a watch-list (`sendInitialEvents=true`).
    pub fn is_initial_state(&self) -> bool {
        self.method == Method::GET
            && (!self.is_watch() || self.param("sendInitialEvents").as_deref() == Some("true"))
    }
}

#[derive(Debug, Default)]
struct Inner {
    recording: AtomicBool,
    entries: Mutex<VecDeque<LoggedRequest>>,
}

/// A cheap, cloneable handle to a server's request log.
#[derive(Clone, Debug, Default)]
pub struct RequestLog {
    inner: Arc<Inner>,
}

impl RequestLog {
    /// Starts recording API requests (health checks and the admin API are not recorded),
    /// from an empty log.
    pub fn start(&self) {
        self.clear();
        self.inner.recording.store(true, Ordering::SeqCst);
    }

    /// Stops recording; what was recorded stays readable.
    pub fn stop(&self) {
        self.inner.recording.store(false, Ordering::SeqCst);
    }

    /// Forgets what was recorded.
    pub fn clear(&self) {
        self.entries().clear();
    }

    /// The recorded requests, oldest first.
    pub fn requests(&self) -> Vec<LoggedRequest> {
        self.entries().iter().cloned().collect()
    }

    /// The recorded requests to exactly `path`, oldest first.
    pub fn requests_to(&self, path: &str) -> Vec<LoggedRequest> {
        self.entries()
            .iter()
            .filter(|r| r.path == path)
            .cloned()
            .collect()
    }

    pub(crate) fn is_recording(&self) -> bool {
        self.inner.recording.load(Ordering::Relaxed)
    }

    pub(crate) fn record(&self, at: Instant, method: Method, uri: &Uri, status: StatusCode) {
        let entry = LoggedRequest {
            at,
            method,
            path: uri.path().to_owned(),
            query: uri.query().unwrap_or_default().to_owned(),
            status,
        };
        let mut entries = self.entries();
        if entries.len() == CAPACITY {
            entries.pop_front();
        }
        entries.push_back(entry);
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, VecDeque<LoggedRequest>> {
        self.inner.entries.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn logged(method: Method, uri: &str) -> LoggedRequest {
        let log = RequestLog::default();
        log.record(
            Instant::now(),
            method,
            &uri.parse::<Uri>().unwrap(),
            StatusCode::OK,
        );
        log.requests().remove(0)
    }

    #[test]
    fn classifies_lists_watches_and_watch_lists() {
        let list = logged(Method::GET, "/api/v1/configmaps?limit=500");
        assert!(!list.is_watch() && list.is_initial_state());
        assert_eq!(list.param("limit").as_deref(), Some("500"));
        let resume = logged(
            Method::GET,
            "/api/v1/configmaps?watch=true&resourceVersion=12&allowWatchBookmarks=true",
        );
        assert!(resume.is_watch() && !resume.is_initial_state());
        let watch_list = logged(
            Method::GET,
            "/apis/example.com/v1/widgets?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan",
        );
        assert!(watch_list.is_watch() && watch_list.is_initial_state());
        assert!(logged(Method::GET, "/api/v1/watch/namespaces/a/pods").is_watch());
        assert!(logged(Method::GET, "/apis/apps/v1/watch/deployments").is_watch());
        assert!(!logged(Method::GET, "/api/v1/namespaces/watch/pods").is_watch());
        assert!(!logged(Method::POST, "/api/v1/namespaces/a/configmaps").is_initial_state());
    }

    #[test]
    fn records_only_while_started_and_keeps_a_bound() {
        let log = RequestLog::default();
        let uri: Uri = "/api/v1/pods".parse().unwrap();
        assert!(!log.is_recording());
        log.start();
        for _ in 0..CAPACITY + 3 {
            log.record(Instant::now(), Method::GET, &uri, StatusCode::OK);
        }
        assert_eq!(log.requests().len(), CAPACITY);
        assert_eq!(log.requests_to("/api/v1/pods").len(), CAPACITY);
        log.stop();
        assert!(!log.is_recording());
        log.start();
        assert!(log.requests().is_empty());
    }
}
