//! Fault injection switchable at run time: dropped watches, forced history compaction, an
//! API server restart, error bursts (429 with Retry-After, 500, 503) and added latency.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock, Weak};
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

use crate::error::ErrorResponse;
use crate::store::Store;

/// The fault settings. Serialized (camelCase) by the admin API at
/// `/kclient-testserver/faults`; all fields optional there.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Faults {
    /// Close every watch stream after it has sent this many events. Default: never.
    pub watch_drop_after_events: Option<u64>,
    /// Share of API requests (0.0–1.0) answered with `error_status`, decided by an RNG
    /// seeded with `seed` so runs are reproducible. Default: 0.
    pub error_rate: f64,
    /// Answer every Nth API request with `error_status` (takes precedence over
    /// `error_rate`). Default: never.
    pub error_every_nth: Option<u64>,
    /// Status of injected errors: 429 (with `Retry-After`), 500 or 503. Default: 429.
    pub error_status: u16,
    /// `Retry-After` seconds sent with injected 429 and 503 answers. Default: 1.
    pub retry_after_seconds: u32,
    /// Latency added before every API response, in milliseconds. Default: 0.
    pub latency_ms: u64,
    /// Seed of the RNG behind `error_rate`. Default: 0.
    pub seed: u64,
    /// Only in admin `PUT` bodies: compact all histories now (older resourceVersions
    /// answer 410 Gone). Always `false` when read back.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub compact_history_now: bool,
}

impl Default for Faults {
    fn default() -> Self {
        Faults {
            watch_drop_after_events: None,
            error_rate: 0.0,
            error_every_nth: None,
            error_status: 429,
            retry_after_seconds: 1,
            latency_ms: 0,
            seed: 0,
            compact_history_now: false,
        }
    }
}

impl Faults {
    /// Checks the ranges; the message names the offending field.
    pub fn validate(&self) -> Result<(), String> {
        if !(0.0..=1.0).contains(&self.error_rate) || self.error_rate.is_nan() {
            return Err(format!(
                "errorRate must be between 0.0 and 1.0, got {}",
                self.error_rate
            ));
        }
        if !matches!(self.error_status, 429 | 500 | 503) {
            return Err(format!(
                "errorStatus must be 429, 500 or 503, got {}",
                self.error_status
            ));
        }
        Ok(())
    }
}

#[derive(Debug)]
struct Inner {
    faults: RwLock<Faults>,
    rng: Mutex<StdRng>,
    requests: AtomicU64,
    store: OnceLock<Weak<Store>>,
    /// Path prefixes answered with a fixed error status, checked in order (see
    /// [`FaultsHandle::fail_path_prefix`]). Kept out of [`Faults`] so the admin API's
    /// document stays as it was.
    path_faults: RwLock<Vec<(String, u16)>>,
}

/// A cheap, cloneable handle switching a running server's faults.
#[derive(Clone, Debug)]
pub struct FaultsHandle {
    inner: Arc<Inner>,
}

impl FaultsHandle {
    pub(crate) fn new(faults: Faults) -> Self {
        let rng = StdRng::seed_from_u64(faults.seed);
        FaultsHandle {
            inner: Arc::new(Inner {
                faults: RwLock::new(Faults {
                    compact_history_now: false,
                    ..faults
                }),
                rng: Mutex::new(rng),
                requests: AtomicU64::new(0),
                store: OnceLock::new(),
                path_faults: RwLock::new(Vec::new()),
            }),
        }
    }

    pub(crate) fn attach(&self, store: &Arc<Store>) {
        let _ = self.inner.store.set(Arc::downgrade(store));
    }

    /// The current settings.
    pub fn get(&self) -> Faults {
        self.inner
            .faults
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Replaces all settings (and reseeds the RNG and the every-Nth counter); a set
    /// `compact_history_now` compacts immediately.
    pub fn set(&self, faults: Faults) -> Result<(), String> {
        faults.validate()?;
        if faults.compact_history_now {
            self.compact_history();
        }
        *self.inner.rng.lock().unwrap_or_else(|e| e.into_inner()) =
            StdRng::seed_from_u64(faults.seed);
        self.inner.requests.store(0, Ordering::SeqCst);
        *self.inner.faults.write().unwrap_or_else(|e| e.into_inner()) = Faults {
            compact_history_now: false,
            ..faults
        };
        Ok(())
    }

    fn update(&self, f: impl FnOnce(&mut Faults)) {
        let mut guard = self.inner.faults.write().unwrap_or_else(|e| e.into_inner());
        f(&mut guard);
    }

    /// Turns every fault off, path-scoped ones included.
    pub fn clear(&self) {
        let _ = self.set(Faults::default());
        self.clear_path_faults();
    }

    /// Answers every API request whose path starts with `prefix` (e.g. `/apis/batch/v1`,
    /// matched on whole segments: `/apis/batch` does not match `/apis/batchx`) with `status`
    /// (429, 500 or 503; anything else is treated as 500), until cleared. Unlike the other
    /// error faults this one targets part of the API, e.g. one group-version whose
    /// aggregated API server is down. 503 carries no `Retry-After` (as an unavailable
    /// aggregated API answers); 429 carries `Retry-After: 1`.
    pub fn fail_path_prefix(&self, prefix: impl Into<String>, status: u16) {
        let status = if matches!(status, 429 | 500 | 503) {
            status
        } else {
            500
        };
        let prefix = prefix.into();
        let prefix = format!("/{}", prefix.trim_matches('/'));
        self.inner
            .path_faults
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .push((prefix, status));
    }

    /// Removes every fault set by [`FaultsHandle::fail_path_prefix`].
    pub fn clear_path_faults(&self) {
        self.inner
            .path_faults
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }

    /// The error for a request to `path`, if a path-scoped fault covers it.
    pub(crate) fn path_error(&self, path: &str) -> Option<ErrorResponse> {
        let faults = self
            .inner
            .path_faults
            .read()
            .unwrap_or_else(|e| e.into_inner());
        let path = format!("/{}", path.trim_matches('/'));
        let status = faults.iter().find_map(|(prefix, status)| {
            let covered = path == *prefix
                || prefix == "/"
                || path
                    .strip_prefix(prefix.as_str())
                    .is_some_and(|rest| rest.starts_with('/'));
            covered.then_some(*status)
        })?;
        Some(match status {
            429 => ErrorResponse::too_many_requests(1),
            503 => ErrorResponse::service_unavailable(format!(
                "injected fault: service unavailable for {path}"
            )),
            _ => ErrorResponse::internal(format!("injected fault for {path}")),
        })
    }

    /// Closes each watch after `n` events (`None`: never). Applies to watches started later.
    pub fn set_watch_drop_after(&self, n: Option<u64>) {
        self.update(|f| f.watch_drop_after_events = n.filter(|n| *n > 0));
    }

    /// Answers a share (clamped to 0.0–1.0) of API requests with `status` (429, 500 or
    /// 503; anything else is treated as 500).
    pub fn set_error_rate(&self, rate: f64, status: u16) {
        let rate = if rate.is_nan() {
            0.0
        } else {
            rate.clamp(0.0, 1.0)
        };
        let status = if matches!(status, 429 | 500 | 503) {
            status
        } else {
            500
        };
        self.update(|f| {
            f.error_rate = rate;
            f.error_status = status;
        });
    }

    /// Answers every `n`th API request with `status` (`None` turns it off).
    pub fn set_error_every_nth(&self, n: Option<u64>, status: u16) {
        let status = if matches!(status, 429 | 500 | 503) {
            status
        } else {
            500
        };
        self.inner.requests.store(0, Ordering::SeqCst);
        self.update(|f| {
            f.error_every_nth = n.filter(|n| *n > 0);
            f.error_status = status;
        });
    }

    /// The `Retry-After` seconds sent with injected 429/503 answers.
    pub fn set_retry_after(&self, seconds: u32) {
        self.update(|f| f.retry_after_seconds = seconds);
    }

    /// Latency added before every API response.
    pub fn set_latency(&self, latency: Duration) {
        let ms = u64::try_from(latency.as_millis()).unwrap_or(u64::MAX);
        self.update(|f| f.latency_ms = ms);
    }

    /// Compacts every resource's history now: watches and snapshot reads from any
    /// older resourceVersion answer 410 Gone (`Expired`).
    pub fn compact_history(&self) {
        if let Some(store) = self.inner.store.get().and_then(Weak::upgrade) {
            store.compact_all();
        }
    }

    /// What clients see when kube-apiserver restarts: every open watch ends at once (watch-list
    /// streams still sending their initial events included), and the new watch cache starts
    /// at the current resourceVersion, so every watch resumed from an older one answers
    /// 410 Gone (`Expired`) and its informer relists — all of a cluster's informers at
    /// about the same time. Objects and the resourceVersion counter (etcd's) are kept;
    /// snapshot reads at older resourceVersions expire with the history, as if etcd
    /// compacted at the same moment.
    pub fn restart_api_server(&self) {
        if let Some(store) = self.inner.store.get().and_then(Weak::upgrade) {
            store.restart_watch_cache();
        }
    }

    pub(crate) fn latency(&self) -> Option<Duration> {
        let ms = self.get().latency_ms;
        (ms > 0).then(|| Duration::from_millis(ms))
    }

    pub(crate) fn watch_drop_after(&self) -> Option<u64> {
        self.get().watch_drop_after_events
    }

    /// Decides whether this request gets an injected error.
    pub(crate) fn injected_error(&self) -> Option<ErrorResponse> {
        let f = self.get();
        let hit = if let Some(n) = f.error_every_nth {
            let count = self.inner.requests.fetch_add(1, Ordering::SeqCst) + 1;
            count % n == 0
        } else if f.error_rate > 0.0 {
            let roll: f64 = self
                .inner
                .rng
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .random();
            roll < f.error_rate
        } else {
            false
        };
        if !hit {
            return None;
        }
        Some(match f.error_status {
            429 => ErrorResponse::too_many_requests(f.retry_after_seconds),
            503 => {
                let err = ErrorResponse::service_unavailable("injected fault: service unavailable");
                match http::HeaderValue::from_str(&f.retry_after_seconds.to_string()) {
                    Ok(v) => err.with_header(http::header::RETRY_AFTER, v),
                    Err(_) => err,
                }
            }
            _ => ErrorResponse::internal("injected fault"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_validation() {
        let f = Faults::default();
        assert_eq!(f.error_status, 429);
        assert!(f.validate().is_ok());
        let bad = Faults {
            error_rate: 1.5,
            ..Faults::default()
        };
        assert!(bad.validate().unwrap_err().contains("errorRate"));
        let json = serde_json::to_value(&f).unwrap();
        assert!(json.get("compactHistoryNow").is_none());
        let parsed: Faults = serde_json::from_str(r#"{"latencyMs": 5}"#).unwrap();
        assert_eq!(parsed.latency_ms, 5);
        assert_eq!(parsed.error_status, 429);
    }

    #[test]
    fn every_nth_is_exact() {
        let h = FaultsHandle::new(Faults::default());
        h.set_error_every_nth(Some(3), 503);
        let hits: Vec<bool> = (0..6).map(|_| h.injected_error().is_some()).collect();
        assert_eq!(hits, [false, false, true, false, false, true]);
        let err = {
            h.set_error_every_nth(Some(1), 429);
            h.injected_error().unwrap()
        };
        assert_eq!(err.code(), http::StatusCode::TOO_MANY_REQUESTS);
        assert!(
            err.headers
                .iter()
                .any(|(n, v)| n == http::header::RETRY_AFTER && v == "1")
        );
    }

    #[test]
    fn path_faults_match_whole_segments() {
        let h = FaultsHandle::new(Faults::default());
        h.fail_path_prefix("/apis/batch/v1/", 503);
        assert_eq!(
            h.path_error("/apis/batch/v1").map(|e| e.code()),
            Some(http::StatusCode::SERVICE_UNAVAILABLE)
        );
        assert!(h.path_error("/apis/batch/v1/jobs").is_some());
        assert!(h.path_error("/apis/batch/v1beta1").is_none());
        assert!(h.path_error("/apis/batch").is_none());
        h.clear();
        assert!(h.path_error("/apis/batch/v1").is_none());
    }

    #[test]
    fn seeded_rate_is_reproducible() {
        let run = || {
            let h = FaultsHandle::new(Faults {
                error_rate: 0.5,
                seed: 42,
                ..Faults::default()
            });
            (0..64)
                .map(|_| h.injected_error().is_some())
                .collect::<Vec<_>>()
        };
        let a = run();
        assert_eq!(a, run());
        assert!(a.iter().any(|x| *x) && a.iter().any(|x| !*x));
    }
}
