//! How a reflector lists, as client-go's reflector (v0.33 `tools/cache/reflector.go`) does.
//!
//! Which resourceVersion a list asks for:
//! - the first list asks for `"0"`: any state the server has, which kube-apiserver answers
//!   from its watch cache in one response (it ignores `limit` for `"0"`), without reading
//!   etcd;
//! - a relist (after a watch expired, or an error) asks for the last synced resourceVersion,
//!   which the watch cache also serves (state at least that new), unpaginated, since a
//!   paginated list at a resourceVersion is an exact read that only etcd answers;
//! - only when a list or watch-list at that resourceVersion was answered 410 Expired / Gone
//!   or "too large resource version" (a watch cache behind this client) does the reflector
//!   read the latest state with `resourceVersion=""`, a consistent (quorum) read, in pages;
//!   that list is made at once, in the same round.
//!
//! Pages: lists at `""` and `"0"` ask for [`ReflectorConfig::page_size`] objects per page
//! (a server that pages a `"0"` list, one without a watch cache, makes later lists at a
//! resourceVersion paged too); a continue token that expires mid-list restarts as one full
//! list at the requested resourceVersion (client-go's pager).
//!
//! [`ReflectorConfig::page_size`]: super::ReflectorConfig::page_size

use std::sync::Arc;

use kclient_core::params::ListOptions;
use kclient_core::{ApiError, Object, ObjectList};

use super::{Phase, Reflector, ReflectorError, ReflectorStore, Restart};
use crate::lister_watcher::ListerWatcher;

/// Where the next list and watch-list start: client-go's `lastSyncResourceVersion`,
/// `isLastSyncResourceVersionUnavailable` and `paginatedResult`.
#[derive(Debug, Default)]
pub(super) struct ListPosition {
    /// The resourceVersion of the last list, watch-list or watch event.
    pub(super) last_rv: Option<String>,
    /// The last list or watch-list at `last_rv` was answered expired or too large.
    pub(super) unavailable: bool,
    /// A list at `"0"` came back in pages: this server does not serve lists from a cache,
    /// so paging costs nothing extra.
    paginated_result: bool,
}

impl ListPosition {
    /// The resourceVersion of the next list: `""` when the last one is unavailable, `"0"`
    /// before the first sync, else the last synced one (client-go's `relistResourceVersion`).
    pub(super) fn relist_resource_version(&self) -> &str {
        if self.unavailable {
            return "";
        }
        self.last_rv.as_deref().unwrap_or("0")
    }

    /// The resourceVersion of the next watch-list: none (the latest) when the last one is
    /// unavailable (client-go's `rewatchResourceVersion`).
    pub(super) fn rewatch_resource_version(&self) -> Option<String> {
        self.last_rv.clone().filter(|_| !self.unavailable)
    }

    /// The first request of a list at the current position.
    fn list_options(&self, page_size: u32) -> ListOptions {
        let rv = self.relist_resource_version();
        // A paged list at a resourceVersion other than "0" is an exact read, which
        // kube-apiserver sends to etcd; unpaged, its watch cache answers it.
        let paged = page_size > 0 && (self.paginated_result || rv.is_empty() || rv == "0");
        ListOptions {
            resource_version: Some(rv.to_owned()).filter(|rv| !rv.is_empty()),
            limit: paged.then_some(page_size),
            ..ListOptions::default()
        }
    }
}

/// A complete list: its objects and resourceVersion, and whether the server paged it.
struct Listed<K> {
    items: Vec<Arc<K>>,
    resource_version: String,
    paginated: bool,
}

impl<K, L, S> Reflector<K, L, S>
where
    K: Object,
    L: ListerWatcher<K>,
    S: ReflectorStore<K>,
{
    /// Lists at the current position (falling back to a consistent read when that
    /// resourceVersion is gone or not there yet), then `replace`s the store.
    pub(super) async fn list(&mut self) -> Result<(), Restart> {
        self.set_phase(Phase::Listing);
        let first = self.position.list_options(self.config.page_size);
        let mut listed = self.list_pages(&first).await;
        if let Err(err) = &listed
            && first.resource_version.is_some()
            && (err.is_gone() || err.is_too_large_resource_version())
        {
            tracing::debug!(
                reflector = %self.config.name, error = %err,
                "list at the last resourceVersion failed; listing the latest state"
            );
            self.position.unavailable = true;
            let quorum = self.position.list_options(self.config.page_size);
            listed = self.list_pages(&quorum).await;
        }
        let listed = listed.map_err(|source| {
            Restart::Failed(ReflectorError::List {
                resource: self.config.name.clone(),
                source,
            })
        })?;
        if first.resource_version.as_deref() == Some("0") && listed.paginated {
            self.position.paginated_result = true;
        }
        self.position.unavailable = false;
        let rv = listed.resource_version;
        self.store
            .replace(listed.items, &rv)
            .map_err(|e| Restart::Failed(self.store_error(e)))?;
        self.position.last_rv = Some(rv.clone()).filter(|rv| !rv.is_empty());
        self.publish_synced(&rv);
        Ok(())
    }

    /// Every page of the list `first` starts (client-go's `ListPager.List`).
    async fn list_pages(&self, first: &ListOptions) -> Result<Listed<K>, kclient_rest::Error> {
        let mut options = first.clone();
        let mut items = Vec::new();
        let mut paginated = false;
        // The list's resourceVersion is its first page's (the snapshot every page reads).
        let mut resource_version = None;
        loop {
            let page = match self.lw.list(&options).await {
                Ok(page) => page,
                Err(err) if err.is_gone() && options.continue_token.is_some() => {
                    // The continue token expired mid-list: start over with one full list
                    // at the requested resourceVersion.
                    items.clear();
                    resource_version = None;
                    options = ListOptions {
                        limit: None,
                        ..first.clone()
                    };
                    continue;
                }
                Err(err) => return Err(err),
            };
            let ObjectList {
                metadata,
                items: page_items,
                ..
            } = page;
            resource_version.get_or_insert(metadata.resource_version);
            items.extend(page_items.into_iter().map(|o| self.prepare(o)));
            match metadata.continue_.filter(|token| !token.is_empty()) {
                Some(token) => {
                    paginated = true;
                    options = options.next_page(token);
                }
                None => {
                    return Ok(Listed {
                        items,
                        resource_version: resource_version.flatten().unwrap_or_default(),
                        paginated,
                    });
                }
            }
        }
    }
}
