//! In-memory storage with kube-apiserver's semantics: one global resourceVersion counter,
//! per-resource multi-version maps, bounded event histories and watcher fan-out.

mod history;
mod object;
mod resource;
mod untyped;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use tokio_util::sync::CancellationToken;

pub(crate) use object::{Event, EventType, Obj, Undecodable, watch_line};
pub(crate) use resource::{
    Change, CommitError, Expect, ListRequest, ReadAt, ReadError, ResourceStore, Subscription,
    WatchStart, object_key,
};

/// Identifies the storage of a resource across its served versions.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct StorageKey {
    pub group: String,
    pub resource: String,
}

impl StorageKey {
    pub fn new(group: &str, resource: &str) -> Self {
        StorageKey {
            group: group.to_string(),
            resource: resource.to_string(),
        }
    }
}

/// Sizing of the store.
#[derive(Clone, Copy, Debug)]
pub(crate) struct StoreConfig {
    /// Events kept per resource for watch resumption.
    pub history_size: usize,
    /// Events buffered per watcher before it counts as slow and is dropped.
    pub watcher_buffer: usize,
}

/// All resources' storage.
#[derive(Debug)]
pub(crate) struct Store {
    counter: Arc<AtomicU64>,
    resources: RwLock<HashMap<StorageKey, Arc<ResourceStore>>>,
    config: StoreConfig,
    /// Cancelled when the watch cache restarts: every watch started before then ends.
    watch_epoch: Mutex<CancellationToken>,
}

impl Store {
    pub fn new(config: StoreConfig) -> Self {
        Store {
            counter: Arc::new(AtomicU64::new(0)),
            resources: RwLock::new(HashMap::new()),
            config,
            watch_epoch: Mutex::new(CancellationToken::new()),
        }
    }

    /// The newest resourceVersion handed out.
    pub fn current_rv(&self) -> u64 {
        self.counter.load(Ordering::SeqCst)
    }

    /// The storage of a resource, if it exists.
    pub fn resource(&self, key: &StorageKey) -> Option<Arc<ResourceStore>> {
        self.resources
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(key)
            .cloned()
    }

    /// The storage of a resource, created on first use.
    pub fn ensure(&self, key: &StorageKey) -> Arc<ResourceStore> {
        if let Some(r) = self.resource(key) {
            return r;
        }
        let mut map = self.resources.write().unwrap_or_else(|e| e.into_inner());
        map.entry(key.clone())
            .or_insert_with(|| {
                Arc::new(ResourceStore::new(
                    self.counter.clone(),
                    self.config.history_size,
                    self.config.watcher_buffer,
                ))
            })
            .clone()
    }

    /// Drops a resource's storage (CRD deletion); its watchers are closed.
    pub fn remove(&self, key: &StorageKey) -> Option<Arc<ResourceStore>> {
        let removed = self
            .resources
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .remove(key);
        if let Some(r) = &removed {
            r.close_watchers();
        }
        removed
    }

    /// Every resource's storage.
    pub fn all(&self) -> Vec<(StorageKey, Arc<ResourceStore>)> {
        self.resources
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    /// Compacts every resource's history at the current resourceVersion.
    pub fn compact_all(&self) {
        for (_, r) in self.all() {
            r.compact();
        }
    }

    /// Cancelled when the watch cache restarts; a watch holds the one current at its start.
    pub fn watch_epoch(&self) -> CancellationToken {
        self.watch_epoch
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// What a kube-apiserver restart does to its watch cache: the history starts over at
    /// the current resourceVersion, then every watch open until now ends at once. In that
    /// order, so a watch started in between from an old resourceVersion already gets 410,
    /// and one that got through is cut with the rest.
    pub fn restart_watch_cache(&self) {
        self.compact_all();
        let ended = std::mem::replace(
            &mut *self.watch_epoch.lock().unwrap_or_else(|e| e.into_inner()),
            CancellationToken::new(),
        );
        ended.cancel();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn one_counter_across_resources() {
        let store = Store::new(StoreConfig {
            history_size: 10,
            watcher_buffer: 10,
        });
        let a = store.ensure(&StorageKey::new("", "configmaps"));
        let b = store.ensure(&StorageKey::new("apps", "deployments"));
        let r1 = a
            .commit(
                "n/x",
                Expect::Absent,
                Change::Put(json!({"metadata": {"name": "x"}})),
            )
            .unwrap()
            .obj;
        let r2 = b
            .commit(
                "n/x",
                Expect::Absent,
                Change::Put(json!({"metadata": {"name": "x"}})),
            )
            .unwrap()
            .obj;
        assert_eq!((r1.resource_version(), r2.resource_version()), ("1", "2"));
        assert_eq!(store.current_rv(), 2);
        assert!(Arc::ptr_eq(
            &a,
            &store.ensure(&StorageKey::new("", "configmaps"))
        ));
        store.compact_all();
        assert!(b.watch(None, WatchStart::From(1)).is_err());
        assert!(
            store
                .remove(&StorageKey::new("apps", "deployments"))
                .is_some()
        );
        assert!(
            store
                .resource(&StorageKey::new("apps", "deployments"))
                .is_none()
        );
    }
}
