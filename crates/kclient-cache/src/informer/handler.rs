//! Event handlers and their per-handler buffers.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use tokio::runtime::Handle;
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::delta::DeltaObject;

/// Receives an informer's notifications (client-go's `ResourceEventHandler`). Each handler
/// runs on its own thread (handlers are synchronous and may block, as client-go's do in their
/// own goroutine), fed from an unbounded buffer, so a slow handler delays only itself and
/// never an async runtime. Objects are shared with the cache: read them, do not expect to own them.
///
/// The thread runs inside the informer's tokio runtime (the one the handler was added from,
/// or else the one the informer runs on): `tokio::spawn`, `Handle::current()` and async
/// channels' `send` work in a handler, so it can hand work to async code (enqueue a key,
/// spawn a reconcile) without blocking. Blocking on a future (`Handle::block_on`) also works,
/// as on any thread outside the runtime's workers.
pub trait EventHandler<K>: Send + Sync + 'static {
    /// An object appeared in the cache; `is_in_initial_list` is true for objects of the
    /// initial list and for the catch-up adds a late handler receives.
    fn on_add(&self, obj: &Arc<K>, is_in_initial_list: bool);
    /// An object changed (or was re-delivered by a resync: then `old` and `new` are the same
    /// object).
    fn on_update(&self, old: &Arc<K>, new: &Arc<K>);
    /// An object was removed; a [`DeltaObject::DeletedFinalStateUnknown`] tombstone when the
    /// deletion was only noticed by a relist.
    fn on_delete(&self, obj: &DeltaObject<K>);
}

type AddFn<K> = Box<dyn Fn(&Arc<K>, bool) + Send + Sync>;
type UpdateFn<K> = Box<dyn Fn(&Arc<K>, &Arc<K>) + Send + Sync>;
type DeleteFn<K> = Box<dyn Fn(&DeltaObject<K>) + Send + Sync>;

/// An [`EventHandler`] made of optional closures (client-go's `ResourceEventHandlerFuncs`).
pub struct HandlerFuncs<K> {
    add: Option<AddFn<K>>,
    update: Option<UpdateFn<K>>,
    delete: Option<DeleteFn<K>>,
}

impl<K> Default for HandlerFuncs<K> {
    fn default() -> Self {
        Self {
            add: None,
            update: None,
            delete: None,
        }
    }
}

impl<K> std::fmt::Debug for HandlerFuncs<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HandlerFuncs")
            .field("add", &self.add.is_some())
            .field("update", &self.update.is_some())
            .field("delete", &self.delete.is_some())
            .finish()
    }
}

impl<K> HandlerFuncs<K> {
    /// No callbacks; add them with the setters.
    pub fn new() -> Self {
        Self::default()
    }

    /// Called for adds.
    #[must_use]
    pub fn on_add(mut self, f: impl Fn(&Arc<K>, bool) + Send + Sync + 'static) -> Self {
        self.add = Some(Box::new(f));
        self
    }

    /// Called for updates and resyncs.
    #[must_use]
    pub fn on_update(mut self, f: impl Fn(&Arc<K>, &Arc<K>) + Send + Sync + 'static) -> Self {
        self.update = Some(Box::new(f));
        self
    }

    /// Called for deletions.
    #[must_use]
    pub fn on_delete(mut self, f: impl Fn(&DeltaObject<K>) + Send + Sync + 'static) -> Self {
        self.delete = Some(Box::new(f));
        self
    }
}

impl<K: Send + Sync + 'static> EventHandler<K> for HandlerFuncs<K> {
    fn on_add(&self, obj: &Arc<K>, is_in_initial_list: bool) {
        if let Some(f) = &self.add {
            f(obj, is_in_initial_list);
        }
    }

    fn on_update(&self, old: &Arc<K>, new: &Arc<K>) {
        if let Some(f) = &self.update {
            f(old, new);
        }
    }

    fn on_delete(&self, obj: &DeltaObject<K>) {
        if let Some(f) = &self.delete {
            f(obj);
        }
    }
}

/// One notification in a handler's buffer.
pub(crate) enum Notification<K> {
    Add(Arc<K>, bool),
    Update(Arc<K>, Arc<K>),
    Delete(DeltaObject<K>),
}

/// Progress counters shared by the dispatcher, the handler task and the registration.
#[derive(Default)]
pub(crate) struct Progress {
    pub(crate) sent: AtomicU64,
    pub(crate) done: AtomicU64,
    /// Notifications that must be handled before this handler counts as synced; set once
    /// the informer has synced.
    pub(crate) sync_target: AtomicU64,
    pub(crate) target_set: AtomicBool,
}

impl Progress {
    pub(crate) fn mark_sync_target(&self) {
        if !self.target_set.load(Ordering::Acquire) {
            self.sync_target
                .store(self.sent.load(Ordering::Acquire), Ordering::Release);
            self.target_set.store(true, Ordering::Release);
        }
    }

    pub(crate) fn has_synced(&self) -> bool {
        self.target_set.load(Ordering::Acquire)
            && self.done.load(Ordering::Acquire) >= self.sync_target.load(Ordering::Acquire)
    }
}

/// The dispatcher's side of one handler.
pub(crate) struct Listener<K> {
    pub(crate) id: u64,
    pub(crate) tx: mpsc::UnboundedSender<Notification<K>>,
    pub(crate) progress: Arc<Progress>,
    /// This handler's resync period; `None` never resyncs it.
    pub(crate) resync: Option<Duration>,
    /// When this handler is next due for a resync.
    pub(crate) next_resync: parking_lot::Mutex<Option<Instant>>,
    /// Set by the last resync check: resync deliveries go to this handler.
    pub(crate) syncing: AtomicBool,
}

impl<K> Listener<K> {
    /// Whether this handler is due at `now`; if so, schedules its next resync (client-go's
    /// `processorListener.shouldResync`).
    pub(crate) fn check_resync(&self, now: Instant) -> bool {
        let due = match (self.resync, &mut *self.next_resync.lock()) {
            (Some(period), Some(next)) if now >= *next => {
                *next = now + period;
                true
            }
            _ => false,
        };
        self.syncing.store(due, Ordering::Release);
        due
    }

    /// Never blocks: the buffer is unbounded. A handler whose task is gone is skipped.
    pub(crate) fn send(&self, n: Notification<K>) {
        if self.tx.send(n).is_ok() {
            self.progress.sent.fetch_add(1, Ordering::AcqRel);
        }
    }
}

/// The handler's thread: drains the buffer until the informer drops the sender, inside the
/// runtime the handler was added from or, failing that, the one the informer runs on (known
/// by the time anything is sent: the first notification comes from a running informer).
pub(crate) fn run_handler<K: 'static>(
    handler: Arc<dyn EventHandler<K>>,
    mut rx: mpsc::UnboundedReceiver<Notification<K>>,
    progress: Arc<Progress>,
    added_from: Option<Handle>,
    informer_runtime: Arc<OnceLock<Handle>>,
) {
    let Some(first) = rx.blocking_recv() else {
        return;
    };
    let runtime = added_from.or_else(|| informer_runtime.get().cloned());
    // Entering a handle makes it current without making this thread a runtime worker, so
    // `blocking_recv` below stays allowed.
    let _entered = runtime.as_ref().map(Handle::enter);
    let mut next = Some(first);
    while let Some(n) = next {
        match &n {
            Notification::Add(obj, initial) => handler.on_add(obj, *initial),
            Notification::Update(old, new) => handler.on_update(old, new),
            Notification::Delete(obj) => handler.on_delete(obj),
        }
        progress.done.fetch_add(1, Ordering::AcqRel);
        next = rx.blocking_recv();
    }
}
