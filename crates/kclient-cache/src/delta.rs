//! Deltas: what happened to one object, as client-go's `DeltaFIFO` records it.

use std::sync::Arc;

use kclient_core::Object;

/// The kind of change a [`Delta`] records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DeltaType {
    /// The object was created (a watch `ADDED`).
    Added,
    /// The object changed (a watch `MODIFIED`).
    Updated,
    /// The object was deleted (a watch `DELETED`, or it vanished from a relist).
    Deleted,
    /// The object is part of a full relist (`Replace`).
    Replaced,
    /// A periodic resync re-delivers the object unchanged.
    Sync,
}

/// The object of a [`Delta`].
#[derive(Debug)]
pub enum DeltaObject<K> {
    /// The object as the server sent it.
    Object(Arc<K>),
    /// The object was deleted while the watch was down and a relist no longer has it; the
    /// object is the last state the cache knew, which may be stale (client-go's
    /// `DeletedFinalStateUnknown`).
    DeletedFinalStateUnknown {
        /// The object's key.
        key: String,
        /// The last known state.
        object: Arc<K>,
    },
}

impl<K> Clone for DeltaObject<K> {
    fn clone(&self) -> Self {
        match self {
            Self::Object(o) => Self::Object(o.clone()),
            Self::DeletedFinalStateUnknown { key, object } => Self::DeletedFinalStateUnknown {
                key: key.clone(),
                object: object.clone(),
            },
        }
    }
}

impl<K> DeltaObject<K> {
    /// The object (for a tombstone, its last known state).
    pub fn object(&self) -> &Arc<K> {
        match self {
            Self::Object(o) | Self::DeletedFinalStateUnknown { object: o, .. } => o,
        }
    }

    /// True for a [`DeltaObject::DeletedFinalStateUnknown`] tombstone.
    pub fn is_tombstone(&self) -> bool {
        matches!(self, Self::DeletedFinalStateUnknown { .. })
    }
}

/// One change to one object.
#[derive(Debug)]
pub struct Delta<K> {
    /// What happened.
    pub kind: DeltaType,
    /// The object after the change (for deletions: its last state).
    pub object: DeltaObject<K>,
}

impl<K> Clone for Delta<K> {
    fn clone(&self) -> Self {
        Self {
            kind: self.kind,
            object: self.object.clone(),
        }
    }
}

impl<K> Delta<K> {
    /// A delta for an object as the server sent it.
    pub fn new(kind: DeltaType, object: Arc<K>) -> Self {
        Self {
            kind,
            object: DeltaObject::Object(object),
        }
    }
}

/// The pending deltas of one key, oldest first. Never empty when popped.
#[derive(Debug)]
pub struct Deltas<K> {
    pub(crate) key: String,
    pub(crate) items: Vec<Delta<K>>,
}

impl<K> Clone for Deltas<K> {
    fn clone(&self) -> Self {
        Self {
            key: self.key.clone(),
            items: self.items.clone(),
        }
    }
}

impl<K> Deltas<K> {
    /// The key all these deltas belong to.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The deltas, oldest first.
    pub fn as_slice(&self) -> &[Delta<K>] {
        &self.items
    }

    /// The oldest delta.
    pub fn oldest(&self) -> Option<&Delta<K>> {
        self.items.first()
    }

    /// The newest delta.
    pub fn newest(&self) -> Option<&Delta<K>> {
        self.items.last()
    }

    /// How many deltas are pending.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// True when there is none (never the case for popped deltas).
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Iterates over the deltas, oldest first.
    pub fn iter(&self) -> std::slice::Iter<'_, Delta<K>> {
        self.items.iter()
    }
}

impl<'a, K> IntoIterator for &'a Deltas<K> {
    type Item = &'a Delta<K>;
    type IntoIter = std::slice::Iter<'a, Delta<K>>;

    fn into_iter(self) -> Self::IntoIter {
        self.items.iter()
    }
}

/// Appends `delta`, collapsing two consecutive deletions into one (client-go's
/// `dedupDeltas`): the one with more information wins, i.e. a real deletion over a tombstone.
pub(crate) fn push_dedup<K>(deltas: &mut Vec<Delta<K>>, delta: Delta<K>) {
    if let Some(last) = deltas.last_mut()
        && last.kind == DeltaType::Deleted
        && delta.kind == DeltaType::Deleted
    {
        if !delta.object.is_tombstone() {
            *last = delta;
        }
        return;
    }
    deltas.push(delta);
}

/// Applies popped deltas to an indexer the way client-go's informers do
/// (`processDeltas`): Added/Updated/Replaced/Sync upsert, Deleted removes. Returns what
/// each delta meant for the store, for handler dispatch.
pub fn apply_deltas<K: Object>(
    store: &crate::Indexer<K>,
    deltas: &Deltas<K>,
) -> Vec<StoreChange<K>> {
    let mut changes = Vec::with_capacity(deltas.len());
    for delta in deltas {
        match delta.kind {
            DeltaType::Added | DeltaType::Updated | DeltaType::Replaced | DeltaType::Sync => {
                let obj = delta.object.object().clone();
                let old = store.get_by_key(&deltas.key);
                store.insert_keyed(deltas.key.clone(), obj.clone());
                changes.push(match old {
                    Some(old) => StoreChange::Updated {
                        old,
                        new: obj,
                        resync: delta.kind == DeltaType::Sync,
                    },
                    None => StoreChange::Added(obj),
                });
            }
            DeltaType::Deleted => {
                store.delete_by_key(&deltas.key);
                changes.push(StoreChange::Deleted(delta.object.clone()));
            }
        }
    }
    changes
}

/// What applying one delta did to the store.
#[derive(Debug)]
pub enum StoreChange<K> {
    /// The object was not stored before.
    Added(Arc<K>),
    /// The object replaced a stored one.
    Updated {
        /// The previously stored state.
        old: Arc<K>,
        /// The new state.
        new: Arc<K>,
        /// True when the change came from a periodic resync (nothing changed on the server).
        resync: bool,
    },
    /// The object was removed (possibly as a tombstone).
    Deleted(DeltaObject<K>),
}
