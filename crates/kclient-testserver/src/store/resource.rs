//! Storage of one resource (one group + plural, all versions): a multi-version ordered map
//! (so paginated and `Exact` lists read a stable snapshot), the event history, and the
//! watchers that changes are broadcast to.

use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock, RwLockReadGuard, RwLockWriteGuard, Weak};

use serde_json::Value;
use tokio::sync::mpsc;

use super::history::History;
use super::object::{Event, EventType, Obj, Undecodable};
use crate::meta;

/// The storage key of an object: `namespace/name`, or `name` when cluster-scoped.
pub(crate) fn object_key(namespace: &str, name: &str) -> String {
    if namespace.is_empty() {
        name.to_string()
    } else {
        format!("{namespace}/{name}")
    }
}

/// The key range holding one namespace's objects.
fn namespace_range(ns: &str) -> (Bound<String>, Bound<String>) {
    // '0' is the byte after '/', so this covers exactly the "ns/..." keys.
    (
        Bound::Included(format!("{ns}/")),
        Bound::Excluded(format!("{ns}0")),
    )
}

/// What the current state of the key must be for a commit to go through.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Expect {
    /// The key must not exist (create).
    Absent,
    /// The key must exist with exactly this resourceVersion.
    Rv(u64),
}

/// A write.
#[derive(Debug)]
pub(crate) enum Change {
    /// Store this object (its resourceVersion is assigned by the store).
    Put(Value),
    /// Remove the object.
    Delete,
}

/// Why a commit did not happen.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum CommitError {
    AlreadyExists,
    NotFound,
    /// The object changed since it was read.
    Stale,
    /// A deletion's last state could not be read back from the stored bytes.
    Undecodable(Undecodable),
}

/// The stored result of a commit.
#[derive(Debug, Clone)]
pub(crate) struct Committed {
    pub obj: Arc<Obj>,
}

/// Why a read at a resourceVersion cannot be served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ReadError {
    /// The RV was compacted away; carries the oldest RV still readable.
    TooOld { requested: u64, oldest: u64 },
    /// The RV is newer than anything stored.
    TooLarge { requested: u64, current: u64 },
}

/// Which state a read observes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ReadAt {
    Latest,
    NotOlderThan(u64),
    Exact(u64),
}

/// One page of a list.
#[derive(Debug)]
pub(crate) struct ListRequest<'a> {
    pub namespace: Option<&'a str>,
    pub at: ReadAt,
    /// Continue after this key (exclusive).
    pub after: Option<&'a str>,
    pub limit: Option<usize>,
    /// Count the matching-or-not objects left after the page (only without selectors).
    pub count_remaining: bool,
}

/// The result of [`ResourceStore::list`].
#[derive(Debug)]
pub(crate) struct ListPage {
    pub rv: u64,
    pub items: Vec<Arc<Obj>>,
    /// Last key of this page when more items follow.
    pub next_key: Option<String>,
    pub remaining: Option<u64>,
}

/// Where a watch starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WatchStart {
    /// Synthetic ADDED events for the current state, then changes.
    InitialState,
    /// Changes after this resourceVersion.
    From(u64),
}

/// A registered watcher: its initial state, the history it must replay and its channel.
#[derive(Debug)]
pub(crate) struct Subscription {
    pub rx: mpsc::Receiver<Arc<Event>>,
    pub initial: Vec<Arc<Obj>>,
    pub backlog: Vec<Arc<Event>>,
    /// The resourceVersion the initial state / backlog is consistent with.
    pub rv: u64,
    _guard: WatchGuard,
}

#[derive(Debug)]
struct WatchGuard {
    store: Weak<ResourceStore>,
    id: u64,
}

impl Drop for WatchGuard {
    fn drop(&mut self) {
        if let Some(store) = self.store.upgrade() {
            store.unregister(self.id);
        }
    }
}

#[derive(Debug, Default)]
struct Entry {
    /// Revisions in RV order; the last is the current state (`None` = deleted).
    revs: Vec<(u64, Option<Arc<Obj>>)>,
}

impl Entry {
    fn current(&self) -> Option<&Arc<Obj>> {
        self.revs.last().and_then(|(_, o)| o.as_ref())
    }

    fn at(&self, rv: u64) -> Option<&Arc<Obj>> {
        self.revs
            .iter()
            .rev()
            .find(|(r, _)| *r <= rv)
            .and_then(|(_, o)| o.as_ref())
    }

    /// Drops revisions no read at an RV >= `oldest` can see; true when nothing is left.
    fn prune(&mut self, oldest: u64) -> bool {
        if let Some(j) = self.revs.iter().rposition(|(r, _)| *r <= oldest) {
            self.revs.drain(..j);
        }
        matches!(self.revs.as_slice(), [(r, None)] if *r <= oldest)
    }
}

#[derive(Debug)]
struct Inner {
    objects: BTreeMap<String, Entry>,
    history: History,
    live: usize,
}

impl Inner {
    fn prune_key(&mut self, key: &str) {
        let oldest = self.history.oldest_valid();
        if let Some(entry) = self.objects.get_mut(key)
            && entry.prune(oldest)
        {
            self.objects.remove(key);
        }
    }
}

#[derive(Debug)]
struct WatcherSlot {
    id: u64,
    namespace: Option<String>,
    tx: mpsc::Sender<Arc<Event>>,
}

#[derive(Debug, Default)]
struct Watchers {
    next_id: u64,
    slots: Vec<WatcherSlot>,
}

/// Storage for one resource.
#[derive(Debug)]
pub(crate) struct ResourceStore {
    counter: Arc<AtomicU64>,
    inner: RwLock<Inner>,
    watchers: Mutex<Watchers>,
    watcher_buffer: usize,
}

impl ResourceStore {
    pub fn new(counter: Arc<AtomicU64>, history_size: usize, watcher_buffer: usize) -> Self {
        ResourceStore {
            counter,
            inner: RwLock::new(Inner {
                objects: BTreeMap::new(),
                history: History::new(history_size),
                live: 0,
            }),
            watchers: Mutex::new(Watchers::default()),
            watcher_buffer: watcher_buffer.max(1),
        }
    }

    fn read(&self) -> RwLockReadGuard<'_, Inner> {
        self.inner.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, Inner> {
        self.inner.write().unwrap_or_else(|e| e.into_inner())
    }

    fn watchers(&self) -> std::sync::MutexGuard<'_, Watchers> {
        self.watchers.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The newest resourceVersion this resource is consistent with.
    pub fn current_rv(&self) -> u64 {
        let _inner = self.read();
        self.counter.load(Ordering::SeqCst)
    }

    /// Number of live objects.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.read().live
    }

    /// The current state of a key.
    pub fn get(&self, key: &str) -> Option<Arc<Obj>> {
        self.read()
            .objects
            .get(key)
            .and_then(Entry::current)
            .cloned()
    }

    /// The state of a key as seen by a read at `at`.
    pub fn get_at(&self, key: &str, at: ReadAt) -> Result<Option<Arc<Obj>>, ReadError> {
        let inner = self.read();
        let rv = self.resolve(&inner, at)?;
        Ok(inner.objects.get(key).and_then(|e| e.at(rv)).cloned())
    }

    fn resolve(&self, inner: &Inner, at: ReadAt) -> Result<u64, ReadError> {
        let current = self.counter.load(Ordering::SeqCst);
        match at {
            ReadAt::Latest => Ok(current),
            ReadAt::NotOlderThan(rv) if rv > current => Err(ReadError::TooLarge {
                requested: rv,
                current,
            }),
            ReadAt::NotOlderThan(_) => Ok(current),
            ReadAt::Exact(rv) if rv > current => Err(ReadError::TooLarge {
                requested: rv,
                current,
            }),
            ReadAt::Exact(rv) if rv < inner.history.oldest_valid() => Err(ReadError::TooOld {
                requested: rv,
                oldest: inner.history.oldest_valid(),
            }),
            ReadAt::Exact(rv) => Ok(rv),
        }
    }

    /// Writes one key if its current state matches `expect`.
    pub fn commit(
        &self,
        key: &str,
        expect: Expect,
        change: Change,
    ) -> Result<Committed, CommitError> {
        let mut inner = self.write();
        let current = inner.objects.get(key).and_then(Entry::current).cloned();
        match (expect, &current) {
            (Expect::Absent, Some(_)) => return Err(CommitError::AlreadyExists),
            (Expect::Rv(_), None) => return Err(CommitError::NotFound),
            (Expect::Rv(rv), Some(cur)) if cur.resource_version() != rv.to_string() => {
                return Err(CommitError::Stale);
            }
            _ => {}
        }
        let (kind, mut value) = match change {
            Change::Put(v) if current.is_none() => (EventType::Added, v),
            Change::Put(v) => (EventType::Modified, v),
            Change::Delete => match &current {
                Some(cur) => (
                    EventType::Deleted,
                    cur.value().map_err(CommitError::Undecodable)?,
                ),
                None => return Err(CommitError::NotFound),
            },
        };
        let rv = self.counter.fetch_add(1, Ordering::SeqCst) + 1;
        meta::set_meta(&mut value, "resourceVersion", Value::String(rv.to_string()));
        let obj = Obj::new(value);
        let stored = match kind {
            EventType::Deleted => None,
            _ => Some(obj.clone()),
        };
        match (current.is_some(), kind) {
            (false, EventType::Added) => inner.live += 1,
            (true, EventType::Deleted) => inner.live = inner.live.saturating_sub(1),
            _ => {}
        }
        inner
            .objects
            .entry(key.to_string())
            .or_default()
            .revs
            .push((rv, stored));
        let event = Arc::new(Event::new(rv, kind, obj.clone(), current, key.to_string()));
        let evicted = inner.history.push(event.clone());
        for old in &evicted {
            inner.prune_key(&old.key);
        }
        inner.prune_key(key);
        self.broadcast(&event);
        drop(inner);
        Ok(Committed { obj })
    }

    fn broadcast(&self, event: &Arc<Event>) {
        let ns = event.obj.namespace();
        let mut watchers = self.watchers();
        watchers.slots.retain(|w| {
            if let Some(wns) = &w.namespace
                && wns != ns
            {
                return true;
            }
            // A full buffer means a slow reader: drop it rather than block writers.
            w.tx.try_send(event.clone()).is_ok()
        });
    }

    /// One page of objects matching `filter`.
    pub fn list(
        &self,
        req: &ListRequest<'_>,
        filter: &dyn Fn(&Obj) -> bool,
    ) -> Result<ListPage, ReadError> {
        let inner = self.read();
        let rv = self.resolve(&inner, req.at)?;
        let latest = matches!(req.at, ReadAt::Latest | ReadAt::NotOlderThan(_));
        let (mut lo, hi) = match req.namespace {
            Some(ns) => namespace_range(ns),
            None => (Bound::Unbounded, Bound::Unbounded),
        };
        if let Some(after) = req.after {
            let after_bound = Bound::Excluded(after.to_string());
            lo = match lo {
                Bound::Included(start) if start.as_str() > after => Bound::Included(start),
                _ => after_bound,
            };
        }
        let limit = req.limit.unwrap_or(usize::MAX);
        let mut items = Vec::new();
        let mut next_key = None;
        let mut iter = inner.objects.range((lo, hi));
        for (key, entry) in iter.by_ref() {
            let obj = if latest {
                entry.current()
            } else {
                entry.at(rv)
            };
            let Some(obj) = obj else { continue };
            if !filter(obj) {
                continue;
            }
            items.push(obj.clone());
            if items.len() >= limit {
                next_key = Some(key.clone());
                break;
            }
        }
        let mut remaining = None;
        if next_key.is_some() {
            let mut count = 0u64;
            let mut any = false;
            for (_, entry) in iter {
                let obj = if latest {
                    entry.current()
                } else {
                    entry.at(rv)
                };
                if let Some(obj) = obj
                    && (req.count_remaining || filter(obj))
                {
                    count += 1;
                    any = true;
                    if !req.count_remaining {
                        break;
                    }
                }
            }
            if !any {
                next_key = None;
            } else if req.count_remaining {
                remaining = Some(count);
            }
        }
        Ok(ListPage {
            rv,
            items,
            next_key,
            remaining,
        })
    }

    /// Keys of the live objects, optionally in one namespace.
    pub fn keys(&self, namespace: Option<&str>) -> Vec<String> {
        let inner = self.read();
        let range = match namespace {
            Some(ns) => namespace_range(ns),
            None => (Bound::Unbounded, Bound::Unbounded),
        };
        inner
            .objects
            .range(range)
            .filter(|(_, e)| e.current().is_some())
            .map(|(k, _)| k.clone())
            .collect()
    }

    /// Registers a watcher for changes (optionally of one namespace only).
    pub fn watch(
        self: &Arc<Self>,
        namespace: Option<String>,
        start: WatchStart,
    ) -> Result<Subscription, ReadError> {
        let inner = self.read();
        let current = self.counter.load(Ordering::SeqCst);
        let (initial, backlog, rv) = match start {
            WatchStart::InitialState => {
                let range = match namespace.as_deref() {
                    Some(ns) => namespace_range(ns),
                    None => (Bound::Unbounded, Bound::Unbounded),
                };
                let objs: Vec<Arc<Obj>> = inner
                    .objects
                    .range(range)
                    .filter_map(|(_, e)| e.current().cloned())
                    .collect();
                (objs, Vec::new(), current)
            }
            WatchStart::From(rv) => {
                let backlog = inner
                    .history
                    .since(rv)
                    .map_err(|oldest| ReadError::TooOld {
                        requested: rv,
                        oldest,
                    })?;
                (Vec::new(), backlog, rv.max(current))
            }
        };
        let (tx, rx) = mpsc::channel(self.watcher_buffer);
        let mut watchers = self.watchers();
        watchers.next_id += 1;
        let id = watchers.next_id;
        watchers.slots.push(WatcherSlot { id, namespace, tx });
        drop(watchers);
        drop(inner);
        Ok(Subscription {
            rx,
            initial,
            backlog,
            rv,
            _guard: WatchGuard {
                store: Arc::downgrade(self),
                id,
            },
        })
    }

    fn unregister(&self, id: u64) {
        self.watchers().slots.retain(|w| w.id != id);
    }

    /// Number of registered watchers.
    #[cfg(test)]
    pub fn watcher_count(&self) -> usize {
        self.watchers().slots.len()
    }

    /// Ends every watch on this resource (their streams close once drained).
    pub fn close_watchers(&self) {
        self.watchers().slots.clear();
    }

    /// Forgets all history: reads and watches from any older RV now answer 410.
    pub fn compact(&self) {
        let mut inner = self.write();
        let rv = self.counter.load(Ordering::SeqCst);
        inner.history.compact_to(rv);
        let oldest = inner.history.oldest_valid();
        inner.objects.retain(|_, e| !e.prune(oldest));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn store(history: usize) -> Arc<ResourceStore> {
        Arc::new(ResourceStore::new(Arc::new(AtomicU64::new(0)), history, 8))
    }

    fn cm(ns: &str, name: &str) -> Value {
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": ns}})
    }

    fn put(s: &ResourceStore, ns: &str, name: &str) -> u64 {
        s.commit(
            &object_key(ns, name),
            Expect::Absent,
            Change::Put(cm(ns, name)),
        )
        .unwrap()
        .obj
        .resource_version()
        .parse()
        .unwrap()
    }

    fn all(_: &Obj) -> bool {
        true
    }

    #[test]
    fn commit_semantics() {
        let s = store(100);
        let rv = put(&s, "a", "x");
        assert_eq!(rv, 1);
        assert_eq!(
            s.commit("a/x", Expect::Absent, Change::Put(cm("a", "x")))
                .unwrap_err(),
            CommitError::AlreadyExists
        );
        assert_eq!(
            s.commit("a/x", Expect::Rv(7), Change::Put(cm("a", "x")))
                .unwrap_err(),
            CommitError::Stale
        );
        assert_eq!(
            s.commit("a/y", Expect::Rv(1), Change::Delete).unwrap_err(),
            CommitError::NotFound
        );
        let c = s
            .commit("a/x", Expect::Rv(1), Change::Put(cm("a", "x")))
            .unwrap();
        assert_eq!(c.obj.resource_version(), "2");
        let d = s.commit("a/x", Expect::Rv(2), Change::Delete).unwrap();
        assert_eq!(d.obj.resource_version(), "3");
        assert!(s.get("a/x").is_none());
        assert_eq!(s.len(), 0);
        // The snapshot at RV 2 still sees the object.
        assert!(s.get_at("a/x", ReadAt::Exact(2)).unwrap().is_some());
        assert!(s.get_at("a/x", ReadAt::Exact(3)).unwrap().is_none());
    }

    #[test]
    fn list_pages_and_snapshots() {
        let s = store(100);
        for n in ["a", "b", "c"] {
            put(&s, "ns", n);
        }
        put(&s, "other", "z");
        put(&s, "ns-x", "q");
        let req = ListRequest {
            namespace: Some("ns"),
            at: ReadAt::Latest,
            after: None,
            limit: Some(2),
            count_remaining: true,
        };
        let page = s.list(&req, &all).unwrap();
        assert_eq!(page.items.len(), 2);
        assert_eq!(page.next_key.as_deref(), Some("ns/b"));
        assert_eq!(page.remaining, Some(1));
        let snap = page.rv;
        // A write after the first page must not show up in the continued snapshot.
        put(&s, "ns", "bb");
        let req2 = ListRequest {
            namespace: Some("ns"),
            at: ReadAt::Exact(snap),
            after: Some("ns/b"),
            limit: Some(2),
            count_remaining: true,
        };
        let page2 = s.list(&req2, &all).unwrap();
        assert_eq!(page2.items.len(), 1);
        assert_eq!(page2.items[0].name(), "c");
        assert!(page2.next_key.is_none());
        let everything = ListRequest {
            namespace: None,
            at: ReadAt::Latest,
            after: None,
            limit: None,
            count_remaining: false,
        };
        assert_eq!(s.list(&everything, &all).unwrap().items.len(), 6);
        assert_eq!(
            s.list(
                &ListRequest {
                    at: ReadAt::Exact(100),
                    ..everything
                },
                &all
            )
            .unwrap_err(),
            ReadError::TooLarge {
                requested: 100,
                current: 6
            }
        );
    }

    #[test]
    fn history_eviction_expires_snapshots() {
        let s = store(2);
        put(&s, "n", "a");
        put(&s, "n", "b");
        put(&s, "n", "c");
        let err = s.get_at("n/a", ReadAt::Exact(0)).unwrap_err();
        assert_eq!(
            err,
            ReadError::TooOld {
                requested: 0,
                oldest: 1
            }
        );
        assert!(s.watch(None, WatchStart::From(0)).is_err());
        let sub = s.watch(None, WatchStart::From(1)).unwrap();
        assert_eq!(sub.backlog.len(), 2);
        s.compact();
        assert!(s.watch(None, WatchStart::From(2)).is_err());
        assert!(
            s.watch(None, WatchStart::From(3))
                .unwrap()
                .backlog
                .is_empty()
        );
    }

    #[tokio::test]
    async fn watchers_receive_and_slow_ones_are_dropped() {
        let s = store(100);
        let mut sub = s.watch(Some("n".into()), WatchStart::InitialState).unwrap();
        let mut other = s.watch(Some("m".into()), WatchStart::InitialState).unwrap();
        assert_eq!(s.watcher_count(), 2);
        put(&s, "n", "a");
        let ev = sub.rx.recv().await.unwrap();
        assert_eq!(ev.kind, EventType::Added);
        assert!(other.rx.try_recv().is_err());
        // Overflow the 8-slot buffer: the watcher is dropped and its stream ends.
        for i in 0..10 {
            put(&s, "n", &format!("b{i}"));
        }
        assert_eq!(s.watcher_count(), 1);
        let mut n = 0;
        while sub.rx.recv().await.is_some() {
            n += 1;
        }
        assert_eq!(n, 8);
        drop(other);
        assert_eq!(s.watcher_count(), 0);
    }

    #[test]
    fn tombstones_are_pruned() {
        let s = store(1);
        put(&s, "n", "a");
        s.commit("n/a", Expect::Rv(1), Change::Delete).unwrap();
        put(&s, "n", "b");
        assert_eq!(s.read().objects.len(), 1);
    }
}
