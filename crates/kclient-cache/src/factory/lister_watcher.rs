//! [`FactoryListerWatcher`]: the lister-watcher behind every factory informer — the factory's
//! tweak-list-options hook applied to each request, and list/watch calls counted so the
//! sharing of one informer per resource is observable.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use futures::future::BoxFuture;
use kclient_core::Object;
use kclient_core::params::ListOptions;
use kclient_rest::Error;
use serde::de::DeserializeOwned;

use crate::lister_watcher::{ListerWatcher, RestListerWatcher, WatchStream};
use kclient_core::ObjectList;

/// Adjusts the options of every list and watch a factory informer makes (client-go's
/// `TweakListOptionsFunc`), e.g. to set a label or field selector.
pub type TweakListOptions = Arc<dyn Fn(&mut ListOptions) + Send + Sync>;

/// How many requests an informer's lister-watcher has made.
#[derive(Debug, Default)]
pub(crate) struct RequestCounts {
    lists: AtomicU64,
    watches: AtomicU64,
}

impl RequestCounts {
    pub(crate) fn lists(&self) -> u64 {
        self.lists.load(Ordering::Relaxed)
    }

    pub(crate) fn watches(&self) -> u64 {
        self.watches.load(Ordering::Relaxed)
    }
}

/// A [`RestListerWatcher`] with the factory's tweak hook and request counters.
pub struct FactoryListerWatcher<K> {
    inner: RestListerWatcher<K>,
    tweak: Option<TweakListOptions>,
    counts: Arc<RequestCounts>,
}

impl<K> fmt::Debug for FactoryListerWatcher<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FactoryListerWatcher")
            .field("inner", &self.inner)
            .field("tweak", &self.tweak.is_some())
            .field("lists", &self.counts.lists())
            .field("watches", &self.counts.watches())
            .finish()
    }
}

impl<K> FactoryListerWatcher<K> {
    pub(crate) fn new(
        inner: RestListerWatcher<K>,
        tweak: Option<TweakListOptions>,
        counts: Arc<RequestCounts>,
    ) -> Self {
        Self {
            inner,
            tweak,
            counts,
        }
    }

    fn options(&self, options: &ListOptions) -> ListOptions {
        let mut options = options.clone();
        if let Some(tweak) = &self.tweak {
            tweak(&mut options);
        }
        options
    }
}

impl<K: Object + DeserializeOwned> ListerWatcher<K> for FactoryListerWatcher<K> {
    fn list(&self, options: &ListOptions) -> BoxFuture<'_, Result<ObjectList<K>, Error>> {
        self.counts.lists.fetch_add(1, Ordering::Relaxed);
        let options = self.options(options);
        Box::pin(async move { self.inner.list(&options).await })
    }

    fn watch(&self, options: &ListOptions) -> BoxFuture<'_, Result<WatchStream<K>, Error>> {
        self.counts.watches.fetch_add(1, Ordering::Relaxed);
        let options = self.options(options);
        Box::pin(async move { self.inner.watch(&options).await })
    }

    fn apply_transform(&mut self, transform: &crate::reflector::Transform<K>) -> bool {
        self.inner.apply_transform(transform)
    }
}
