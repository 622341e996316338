//! Watch helpers of client-go's `tools/watch`: [`RetryWatcher`], a watch that survives
//! disconnects by resuming from the last resourceVersion it delivered, and
//! [`until_with_sync`], which lists and watches (through an informer, so even a 410 is
//! survived by relisting) until a condition holds.
//!
//! Both work over any [`ListerWatcher`] (a [`RestListerWatcher`](kclient_cache::RestListerWatcher)
//! for typed, `Compact` or dynamic objects, or a test double).

use std::sync::Arc;
use std::time::Duration;

use futures::{Stream, StreamExt};
use kclient_cache::{
    HandlerFuncs, Indexer, InformerError, ListerWatcher, ReflectorConfig, SharedIndexInformer,
    WatchStream,
};
use kclient_core::backoff::{Backoff, BackoffConfig};
use kclient_core::{ApiError, ListOptions, Object, WatchEvent};
use kclient_rest::Error;
use tokio::sync::mpsc;

/// Why a [`RetryWatcher`] stopped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RetryWatchError {
    /// The initial resourceVersion was `""` or `"0"`: those mean "any state" to a watch, so
    /// there is nothing to resume from (client-go refuses them too).
    #[error("a RetryWatcher needs a resourceVersion to start from, not {0:?}")]
    InvalidResourceVersion(String),
    /// The server no longer has the resourceVersion to resume from (410 Gone / Expired):
    /// list again and start a new watcher from the list's resourceVersion.
    #[error("the watch cannot resume from resourceVersion {resource_version}: {source}")]
    Gone {
        /// The resourceVersion that expired.
        resource_version: String,
        /// The server's answer.
        source: Error,
    },
    /// An event came without a resourceVersion, so the watch could not be resumed after it.
    #[error("a watch event had no resourceVersion")]
    MissingResourceVersion,
}

impl ApiError for RetryWatchError {
    fn status(
        &self,
    ) -> Option<&kclient_core::k8s_openapi::apimachinery::pkg::apis::meta::v1::Status> {
        match self {
            Self::Gone { source, .. } => source.status(),
            _ => None,
        }
    }
}

/// A watch from a given resourceVersion that reconnects on its own (client-go's
/// `RetryWatcher`): when the connection closes or fails, it watches again from the
/// resourceVersion of the last event it delivered (or of the last bookmark: bookmarks are
/// requested, followed and not delivered), waiting kclient-core's reflector backoff between
/// failed attempts (the tokio clock, so pausable in tests). It yields only `Added`,
/// `Modified` and `Deleted` events; a 410 (the resourceVersion was compacted) ends it with
/// [`RetryWatchError::Gone`], as it cannot be resumed. Other errors, error events included,
/// are retried: it gives up only when certain it cannot go on; bound it with a timeout
/// where that matters.
pub struct RetryWatcher<K, L> {
    lister_watcher: L,
    resource_version: String,
    backoff: Backoff,
    current: Option<WatchStream<K>>,
    /// How long to wait before the next watch.
    wait: Option<Duration>,
    /// Whether the current watch has delivered anything.
    delivered: bool,
    done: bool,
}

impl<K, L> std::fmt::Debug for RetryWatcher<K, L> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RetryWatcher")
            .field("resource_version", &self.resource_version)
            .field("connected", &self.current.is_some())
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

impl<K: Object, L: ListerWatcher<K>> RetryWatcher<K, L> {
    /// A watcher of `lister_watcher` from `resource_version` (the one a list returned, or the
    /// last event seen); `""` and `"0"` are refused.
    pub fn new(
        lister_watcher: L,
        resource_version: impl Into<String>,
    ) -> Result<Self, RetryWatchError> {
        let resource_version = resource_version.into();
        if resource_version.is_empty() || resource_version == "0" {
            return Err(RetryWatchError::InvalidResourceVersion(resource_version));
        }
        Ok(Self {
            lister_watcher,
            resource_version,
            backoff: Backoff::new(BackoffConfig::default()),
            current: None,
            wait: None,
            delivered: false,
            done: false,
        })
    }

    /// Waits between failed attempts on `config` instead of the reflector's backoff (800 ms
    /// doubling to 30 s, with jitter).
    #[must_use]
    pub fn backoff(mut self, config: BackoffConfig) -> Self {
        self.backoff = Backoff::new(config);
        self
    }

    /// The resourceVersion the next watch would start from: the last delivered event's or
    /// bookmark's.
    pub fn resource_version(&self) -> &str {
        &self.resource_version
    }

    /// The next event; `None` after an error ended the watcher.
    pub async fn next_event(&mut self) -> Option<Result<WatchEvent<K>, RetryWatchError>> {
        while !self.done {
            let Some(stream) = self.current.as_mut() else {
                if let Some(wait) = self.wait.take() {
                    tokio::time::sleep(wait).await;
                }
                if let Err(e) = self.connect().await {
                    return Some(Err(e));
                }
                continue;
            };
            match stream.next().await {
                None if self.delivered => {
                    // A watch closed by the server's timeout is resumed at once.
                    self.current = None;
                }
                None => {
                    // One that closed without delivering anything waits the backoff, so a
                    // server closing every watch at once is not hammered.
                    self.retry_later(None);
                }
                Some(Err(e)) => {
                    tracing::debug!(error = %e, "watch failed; resuming");
                    self.retry_later(None);
                }
                Some(Ok(WatchEvent::Bookmark(bookmark))) => {
                    self.delivered = true;
                    self.resource_version = bookmark.resource_version().to_owned();
                }
                Some(Ok(WatchEvent::Error(status))) => {
                    let error = Error::Api(Box::new(status));
                    if error.is_gone() || error.is_resource_expired() {
                        return Some(Err(self.gone(error)));
                    }
                    tracing::debug!(error = %error, "watch error event; resuming");
                    let after = retry_after(&error);
                    self.retry_later(after);
                }
                Some(Ok(event)) => {
                    let Some(rv) = event
                        .object()
                        .and_then(|o| o.resource_version())
                        .filter(|rv| !rv.is_empty())
                    else {
                        self.done = true;
                        return Some(Err(RetryWatchError::MissingResourceVersion));
                    };
                    self.resource_version = rv.to_owned();
                    self.delivered = true;
                    self.backoff.reset();
                    return Some(Ok(event));
                }
            }
        }
        None
    }

    /// The watcher as a stream of events.
    pub fn into_stream(self) -> impl Stream<Item = Result<WatchEvent<K>, RetryWatchError>> {
        futures::stream::unfold(self, |mut watcher| async move {
            let event = watcher.next_event().await?;
            Some((event, watcher))
        })
    }

    /// Opens the next watch; an error when the watcher cannot go on.
    async fn connect(&mut self) -> Result<(), RetryWatchError> {
        let options = ListOptions {
            resource_version: Some(self.resource_version.clone()),
            allow_watch_bookmarks: true,
            ..ListOptions::default()
        };
        match self.lister_watcher.watch(&options).await {
            Ok(stream) => {
                self.current = Some(stream);
                self.delivered = false;
            }
            Err(e) if e.is_gone() || e.is_resource_expired() => return Err(self.gone(e)),
            Err(e) => {
                tracing::debug!(error = %e, "starting the watch failed; retrying");
                let after = retry_after(&e);
                self.retry_later(after);
            }
        }
        Ok(())
    }

    fn retry_later(&mut self, at_least: Option<Duration>) {
        self.current = None;
        let delay = self
            .backoff
            .next_delay(std::time::Instant::now(), rand::random());
        self.wait = Some(at_least.map_or(delay, |min| delay.max(min)));
    }

    fn gone(&mut self, source: Error) -> RetryWatchError {
        self.done = true;
        self.current = None;
        RetryWatchError::Gone {
            resource_version: self.resource_version.clone(),
            source,
        }
    }
}

/// The server's `retryAfterSeconds`, if it gave one.
fn retry_after(error: &Error) -> Option<Duration> {
    error
        .status()
        .and_then(|s| s.details.as_ref())
        .and_then(|d| d.retry_after_seconds)
        .and_then(|s| u64::try_from(s).ok())
        .map(Duration::from_secs)
}

/// Why [`until_with_sync`] ended without its condition holding.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum UntilError {
    /// The informer stopped on an error.
    #[error("the informer stopped: {0}")]
    Informer(#[from] InformerError),
    /// The informer ended before its cache synced or before the condition held.
    #[error("the informer ended before the condition held")]
    Ended,
}

impl ApiError for UntilError {
    fn status(
        &self,
    ) -> Option<&kclient_core::k8s_openapi::apimachinery::pkg::apis::meta::v1::Status> {
        match self {
            Self::Informer(e) => e.status(),
            Self::Ended => None,
        }
    }
}

/// Lists and watches through an informer until `condition` holds for an event, and returns
/// that event (client-go's `UntilWithSync`). Once the cache has synced, `precondition` is
/// asked about it first: if it holds, nothing is waited for and the answer is `Ok(None)`.
/// Every object of the initial list reaches `condition` as `Added`, then every change as it
/// comes. Because an informer relists after a 410, it survives compaction, unlike a
/// [`RetryWatcher`]. Bound it with `tokio::time::timeout`, as Go bounds it with a context.
pub async fn until_with_sync<K, L>(
    lister_watcher: L,
    precondition: impl FnOnce(&Indexer<K>) -> bool,
    mut condition: impl FnMut(&WatchEvent<Arc<K>>) -> bool,
) -> Result<Option<WatchEvent<Arc<K>>>, UntilError>
where
    K: Object,
    L: ListerWatcher<K> + 'static,
{
    let informer = SharedIndexInformer::new(lister_watcher, ReflectorConfig::for_type::<K>());
    let (tx, mut events) = mpsc::unbounded_channel();
    let (added, updated, deleted) = (tx.clone(), tx.clone(), tx);
    informer.add_event_handler(
        HandlerFuncs::<K>::new()
            .on_add(move |obj, _| {
                let _ = added.send(WatchEvent::Added(obj.clone()));
            })
            .on_update(move |_, new| {
                let _ = updated.send(WatchEvent::Modified(new.clone()));
            })
            .on_delete(move |gone| {
                let _ = deleted.send(WatchEvent::Deleted(gone.object().clone()));
            }),
    )?;
    let running = informer.clone();
    let task = AbortOnDrop(tokio::spawn(async move { running.run().await }));
    let mut ended = Box::pin(async move {
        match task.wait().await {
            Some(Err(e)) => UntilError::Informer(e),
            _ => UntilError::Ended,
        }
    });
    let synced = tokio::select! {
        synced = informer.wait_for_cache_sync() => synced,
        e = &mut ended => return Err(e),
    };
    if !synced {
        return Err(UntilError::Ended);
    }
    if precondition(informer.indexer()) {
        return Ok(None);
    }
    loop {
        tokio::select! {
            event = events.recv() => match event {
                Some(event) if condition(&event) => return Ok(Some(event)),
                Some(_) => {}
                None => return Err(UntilError::Ended),
            },
            e = &mut ended => return Err(e),
        }
    }
}

/// A task aborted when its handle is dropped.
struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> AbortOnDrop<T> {
    /// The task's output; `None` if it panicked or was aborted.
    async fn wait(mut self) -> Option<T> {
        (&mut self.0).await.ok()
    }
}

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

#[cfg(test)]
mod tests;
