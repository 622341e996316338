//! [`ReflectorStore`]: where a reflector writes (client-go's `cache.Store` as seen by the
//! reflector): a [`DeltaFifo`] feeding an informer, or an [`Indexer`] directly.

use std::sync::Arc;

use crate::error::KeyError;
use crate::fifo::DeltaFifo;
use crate::store::Indexer;
use kclient_core::Object;

/// The writes a reflector makes.
pub trait ReflectorStore<K>: Send + Sync {
    /// A watch `ADDED`.
    fn add(&self, obj: Arc<K>) -> Result<(), KeyError>;
    /// A watch `MODIFIED`.
    fn update(&self, obj: Arc<K>) -> Result<(), KeyError>;
    /// A watch `DELETED`.
    fn delete(&self, obj: Arc<K>) -> Result<(), KeyError>;
    /// A full (re)list at `resource_version`.
    fn replace(&self, items: Vec<Arc<K>>, resource_version: &str) -> Result<(), KeyError>;
    /// A periodic resync.
    fn resync(&self);
}

impl<K: Object> ReflectorStore<K> for DeltaFifo<K> {
    fn add(&self, obj: Arc<K>) -> Result<(), KeyError> {
        DeltaFifo::add(self, obj)
    }

    fn update(&self, obj: Arc<K>) -> Result<(), KeyError> {
        DeltaFifo::update(self, obj)
    }

    fn delete(&self, obj: Arc<K>) -> Result<(), KeyError> {
        DeltaFifo::delete(self, obj)
    }

    fn replace(&self, items: Vec<Arc<K>>, _resource_version: &str) -> Result<(), KeyError> {
        DeltaFifo::replace(self, items)
    }

    fn resync(&self) {
        DeltaFifo::resync(self);
    }
}

impl<K: Object> ReflectorStore<K> for Indexer<K> {
    fn add(&self, obj: Arc<K>) -> Result<(), KeyError> {
        Indexer::add(self, obj)
    }

    fn update(&self, obj: Arc<K>) -> Result<(), KeyError> {
        Indexer::update(self, obj)
    }

    fn delete(&self, obj: Arc<K>) -> Result<(), KeyError> {
        Indexer::delete(self, &obj)
    }

    fn replace(&self, items: Vec<Arc<K>>, _resource_version: &str) -> Result<(), KeyError> {
        Indexer::replace(self, items)
    }

    // A plain store has nothing to re-deliver.
    fn resync(&self) {}
}
