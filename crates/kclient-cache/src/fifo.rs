//! [`DeltaFifo`]: client-go's `DeltaFIFO`, the queue between a reflector and its consumer.
//!
//! Each key has one entry in the queue and a list of pending deltas, so a consumer that falls
//! behind sees every change of an object in order, in one batch, without the queue growing
//! per event. `replace` (a relist) detects objects that vanished while the watch was down
//! and queues `Deleted` tombstones for them; `resync` re-delivers the known objects.

use std::collections::{HashSet, VecDeque};
use std::fmt;
use std::sync::Arc;

use foldhash::HashMap;
use parking_lot::Mutex;
use tokio::sync::Notify;

use crate::delta::{Delta, DeltaObject, DeltaType, Deltas, push_dedup};
use crate::error::KeyError;
use crate::object::meta_namespace_key;
use crate::store::Indexer;
use kclient_core::Object;

/// The objects a [`DeltaFifo`]'s consumer has already applied (usually its [`Indexer`]):
/// the FIFO asks it which objects a relist dropped and what a resync re-delivers.
pub trait KnownObjects<K>: Send + Sync {
    /// Every known key.
    fn list_keys(&self) -> Vec<String>;
    /// The known object under `key`.
    fn get_by_key(&self, key: &str) -> Option<Arc<K>>;
}

impl<K: Object> KnownObjects<K> for Indexer<K> {
    fn list_keys(&self) -> Vec<String> {
        Indexer::list_keys(self)
    }

    fn get_by_key(&self, key: &str) -> Option<Arc<K>> {
        Indexer::get_by_key(self, key)
    }
}

/// Options of a [`DeltaFifo`].
pub struct DeltaFifoOptions<K> {
    /// What the consumer already holds. Without it, deletions are only detected against
    /// objects still queued and `resync` does nothing. Default: none.
    pub known_objects: Option<Arc<dyn KnownObjects<K>>>,
    /// Queue relisted objects as [`DeltaType::Replaced`] rather than [`DeltaType::Sync`].
    /// Default: true (client-go's informers set it).
    pub emit_delta_type_replaced: bool,
}

impl<K> Default for DeltaFifoOptions<K> {
    fn default() -> Self {
        Self {
            known_objects: None,
            emit_delta_type_replaced: true,
        }
    }
}

/// How a [`DeltaFifo::pop`] handler failed.
#[derive(Debug)]
pub enum ProcessError<E> {
    /// Put the deltas back (unless newer deltas for the key arrived meanwhile) and report `E`.
    Requeue(E),
    /// Drop the deltas and report `E`.
    Failed(E),
}

/// Why [`DeltaFifo::pop`] returned no processed deltas.
#[derive(Debug, thiserror::Error)]
pub enum PopError<E> {
    /// The FIFO is closed and drained.
    #[error("DeltaFIFO: manipulating with closed queue")]
    Closed,
    /// The handler failed.
    #[error("processing deltas of {key:?} failed (requeued: {requeued})")]
    Process {
        /// The key of the deltas.
        key: String,
        /// The handler's error.
        error: E,
        /// Whether the deltas were put back.
        requeued: bool,
    },
}

struct State<K> {
    items: HashMap<String, Vec<Delta<K>>>,
    queue: VecDeque<String>,
    populated: bool,
    initial_population_count: usize,
    closed: bool,
}

impl<K> State<K> {
    fn queue_action(&mut self, key: String, delta: Delta<K>) {
        match self.items.get_mut(&key) {
            Some(deltas) => push_dedup(deltas, delta),
            None => {
                self.queue.push_back(key.clone());
                self.items.insert(key, vec![delta]);
            }
        }
    }
}

struct Inner<K> {
    state: Mutex<State<K>>,
    notify: Notify,
    // Serializes consumers asynchronously, so a second consumer waits for the first one's
    // `process` without blocking a runtime thread on `state`.
    pop_lock: tokio::sync::Mutex<()>,
    known: Option<Arc<dyn KnownObjects<K>>>,
    emit_replaced: bool,
}

/// client-go's `DeltaFIFO`. Cloning gives another handle to the same queue.
pub struct DeltaFifo<K> {
    inner: Arc<Inner<K>>,
}

impl<K> Clone for DeltaFifo<K> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
        }
    }
}

impl<K> fmt::Debug for DeltaFifo<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.inner.state.lock();
        f.debug_struct("DeltaFifo")
            .field("queued", &state.queue.len())
            .field("populated", &state.populated)
            .field("initial_population_count", &state.initial_population_count)
            .field("closed", &state.closed)
            .finish()
    }
}

impl<K: Object> Default for DeltaFifo<K> {
    fn default() -> Self {
        Self::new()
    }
}

impl<K: Object> DeltaFifo<K> {
    /// A FIFO without known objects that emits [`DeltaType::Replaced`].
    pub fn new() -> Self {
        Self::with_options(DeltaFifoOptions::default())
    }

    /// A FIFO whose consumer holds `known` (relists detect deletions against it, resyncs
    /// re-deliver it).
    pub fn with_known_objects(known: Arc<dyn KnownObjects<K>>) -> Self {
        Self::with_options(DeltaFifoOptions {
            known_objects: Some(known),
            ..DeltaFifoOptions::default()
        })
    }

    /// A FIFO with explicit options.
    pub fn with_options(options: DeltaFifoOptions<K>) -> Self {
        Self {
            inner: Arc::new(Inner {
                state: Mutex::new(State {
                    items: HashMap::default(),
                    queue: VecDeque::new(),
                    populated: false,
                    initial_population_count: 0,
                    closed: false,
                }),
                notify: Notify::new(),
                pop_lock: tokio::sync::Mutex::new(()),
                known: options.known_objects,
                emit_replaced: options.emit_delta_type_replaced,
            }),
        }
    }

    fn push(&self, kind: DeltaType, obj: Arc<K>) -> Result<(), KeyError> {
        let key = meta_namespace_key(&*obj)?;
        let mut state = self.inner.state.lock();
        state.populated = true;
        state.queue_action(key, Delta::new(kind, obj));
        drop(state);
        self.inner.notify.notify_waiters();
        Ok(())
    }

    /// Queues an `Added` delta.
    pub fn add(&self, obj: Arc<K>) -> Result<(), KeyError> {
        self.push(DeltaType::Added, obj)
    }

    /// Queues an `Updated` delta.
    pub fn update(&self, obj: Arc<K>) -> Result<(), KeyError> {
        self.push(DeltaType::Updated, obj)
    }

    /// Queues a `Deleted` delta, unless the object is neither known nor queued (then there
    /// is nothing to delete and the event is dropped, as client-go does).
    pub fn delete(&self, obj: Arc<K>) -> Result<(), KeyError> {
        let key = meta_namespace_key(&*obj)?;
        let mut state = self.inner.state.lock();
        state.populated = true;
        let queued = state.items.contains_key(&key);
        let known = self
            .inner
            .known
            .as_ref()
            .is_some_and(|k| k.get_by_key(&key).is_some());
        if !queued && !known {
            return Ok(());
        }
        state.queue_action(key, Delta::new(DeltaType::Deleted, obj));
        drop(state);
        self.inner.notify.notify_waiters();
        Ok(())
    }

    /// A relist: queues every item as `Replaced` (or `Sync`), and a `Deleted` tombstone for
    /// every queued or known object the list no longer has. The first call (or any first
    /// write) marks the FIFO populated; [`DeltaFifo::has_synced`] turns true once this
    /// initial batch has been popped. Fails without queuing anything if an item has no key.
    pub fn replace(&self, items: Vec<Arc<K>>) -> Result<(), KeyError> {
        let kind = if self.inner.emit_replaced {
            DeltaType::Replaced
        } else {
            DeltaType::Sync
        };
        let keyed: Vec<(String, Arc<K>)> = items
            .into_iter()
            .map(|obj| Ok((meta_namespace_key(&*obj)?, obj)))
            .collect::<Result<_, KeyError>>()?;
        let mut state = self.inner.state.lock();
        let mut keys: HashSet<&str, foldhash::fast::RandomState> = HashSet::default();
        for (key, _) in &keyed {
            keys.insert(key.as_str());
        }
        // Vanished objects, with the last state we know of: first those still queued, then
        // those the consumer holds with nothing queued (client-go checks both since 1.26).
        let mut vanished: Vec<(String, Arc<K>)> = Vec::new();
        for (key, deltas) in &state.items {
            if keys.contains(key.as_str()) {
                continue;
            }
            if let Some(newest) = deltas.last() {
                vanished.push((key.clone(), newest.object.object().clone()));
            }
        }
        if let Some(known) = &self.inner.known {
            for key in known.list_keys() {
                if keys.contains(key.as_str()) || state.items.contains_key(&key) {
                    continue;
                }
                // Gone from the consumer in the meantime: nothing left to delete.
                if let Some(obj) = known.get_by_key(&key) {
                    vanished.push((key, obj));
                }
            }
        }
        // Distinct keys: a list that names a key twice queues it once, and pops it once.
        let listed_keys = keys.len();
        let deletions = vanished.len();
        drop(keys);
        for (key, obj) in keyed {
            state.queue_action(key, Delta::new(kind, obj));
        }
        for (key, object) in vanished {
            let delta = Delta {
                kind: DeltaType::Deleted,
                object: DeltaObject::DeletedFinalStateUnknown {
                    key: key.clone(),
                    object,
                },
            };
            state.queue_action(key, delta);
        }
        if !state.populated {
            state.populated = true;
            state.initial_population_count = listed_keys + deletions;
        }
        drop(state);
        self.inner.notify.notify_waiters();
        Ok(())
    }

    /// Queues a `Sync` delta for every known object that has no pending deltas (those will
    /// be delivered anyway). Does nothing without known objects.
    pub fn resync(&self) {
        let Some(known) = &self.inner.known else {
            return;
        };
        let mut state = self.inner.state.lock();
        let mut queued = false;
        for key in known.list_keys() {
            if state.items.get(&key).is_some_and(|d| !d.is_empty()) {
                continue;
            }
            if let Some(obj) = known.get_by_key(&key) {
                state.queue_action(key, Delta::new(DeltaType::Sync, obj));
                queued = true;
            }
        }
        drop(state);
        if queued {
            self.inner.notify.notify_waiters();
        }
    }

    /// Waits for the next key (without busy-looping), removes its deltas and runs `process`
    /// on them. The flag tells whether the deltas belong to the initial list. Consumers are
    /// serialized: a second `pop` waits until the first one's handler has returned. After
    /// [`DeltaFifo::close`], remaining keys are still handed out, then
    /// [`PopError::Closed`]. Dropping the future while it waits loses nothing.
    ///
    /// `process` runs with the FIFO's lock held, as client-go's `Pop` does: no write (a
    /// delete, a resync, a relist) can look at the FIFO and at the consumer's store while
    /// deltas are out of the one and not yet in the other. Without that, a delete arriving
    /// while its object's add is being applied finds the key neither queued nor known and is
    /// dropped, and a resync can queue a stale copy behind the newer one being applied. So
    /// `process` must be quick and must not write to this FIFO (it would deadlock); the
    /// informer's applies the deltas to its indexer and hands notifications to buffers.
    pub async fn pop<E, F>(&self, process: F) -> Result<Deltas<K>, PopError<E>>
    where
        F: FnOnce(&Deltas<K>, bool) -> Result<(), ProcessError<E>>,
    {
        let _consumer = self.inner.pop_lock.lock().await;
        loop {
            let notified = self.inner.notify.notified();
            tokio::pin!(notified);
            // Registered before looking at the state, so a push in between is not missed.
            notified.as_mut().enable();
            {
                let mut state = self.inner.state.lock();
                if let Some(key) = state.queue.pop_front() {
                    let in_initial = state.initial_population_count > 0;
                    if let Some(items) = state.items.remove(&key) {
                        let deltas = Deltas { key, items };
                        return self.process(state, deltas, in_initial, process);
                    }
                    continue;
                }
                if state.closed {
                    return Err(PopError::Closed);
                }
            }
            notified.await;
        }
    }

    /// Runs `process` on popped deltas under the FIFO's lock (see [`DeltaFifo::pop`]), then
    /// settles them: counted against the initial population, requeued or dropped.
    fn process<E, F>(
        &self,
        mut state: parking_lot::MutexGuard<'_, State<K>>,
        deltas: Deltas<K>,
        in_initial_list: bool,
        process: F,
    ) -> Result<Deltas<K>, PopError<E>>
    where
        F: FnOnce(&Deltas<K>, bool) -> Result<(), ProcessError<E>>,
    {
        let result = process(&deltas, in_initial_list);
        if in_initial_list {
            state.initial_population_count = state.initial_population_count.saturating_sub(1);
        }
        match result {
            Ok(()) => Ok(deltas),
            Err(ProcessError::Failed(error)) => Err(PopError::Process {
                key: deltas.key,
                error,
                requeued: false,
            }),
            Err(ProcessError::Requeue(error)) => {
                // Nothing can have been queued for the key meanwhile (the lock was held), so
                // the deltas go back as they were, at the end of the queue.
                let key = deltas.key.clone();
                state.queue.push_back(key.clone());
                state.items.insert(key.clone(), deltas.items);
                drop(state);
                self.inner.notify.notify_waiters();
                Err(PopError::Process {
                    key,
                    error,
                    requeued: true,
                })
            }
        }
    }

    /// Closes the FIFO: waiting and later pops return [`PopError::Closed`] once the queue is
    /// drained. Writes after closing are still accepted (a reflector may be finishing).
    pub fn close(&self) {
        self.inner.state.lock().closed = true;
        self.inner.notify.notify_waiters();
    }

    /// True after [`DeltaFifo::close`].
    pub fn is_closed(&self) -> bool {
        self.inner.state.lock().closed
    }

    /// True once the first write happened and the initial batch of the first `replace` has
    /// been popped (and processed).
    pub fn has_synced(&self) -> bool {
        let state = self.inner.state.lock();
        state.populated && state.initial_population_count == 0
    }

    /// The number of queued keys.
    pub fn len(&self) -> usize {
        self.inner.state.lock().queue.len()
    }

    /// True when no key is queued.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The queued keys, in queue order.
    pub fn list_keys(&self) -> Vec<String> {
        self.inner.state.lock().queue.iter().cloned().collect()
    }

    /// The pending deltas of `key`.
    pub fn get_by_key(&self, key: &str) -> Option<Deltas<K>> {
        let state = self.inner.state.lock();
        state.items.get(key).map(|items| Deltas {
            key: key.to_owned(),
            items: items.clone(),
        })
    }
}

#[cfg(test)]
mod tests;
