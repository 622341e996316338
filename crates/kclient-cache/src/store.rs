//! [`Indexer`]: client-go's thread-safe store with named indices.
//!
//! Objects are held once as `Arc<K>` and handed out as clones of the `Arc`: readers share
//! the cached object, nothing is deep-copied per read. As in client-go, callers must treat
//! what they get as read-only; `Arc` makes that the default.

use std::collections::HashSet;
use std::fmt;
use std::sync::Arc;

use foldhash::HashMap;
use parking_lot::RwLock;

use crate::error::{IndexError, KeyError};
use crate::object::meta_namespace_key;
use kclient_core::Object;

/// An index function: the index values of an object (none, one or several).
pub type IndexFunc<K> = Arc<dyn Fn(&K) -> Vec<String> + Send + Sync>;

/// The name of the index every [`Indexer::new`] has: objects by namespace
/// (client-go's `cache.NamespaceIndex`).
pub const NAMESPACE_INDEX: &str = "namespace";

/// client-go's `MetaNamespaceIndexFunc`: the object's namespace (`""` for cluster-scoped
/// objects, so they can be found too).
pub fn namespace_index_func<K: Object>() -> IndexFunc<K> {
    Arc::new(|obj: &K| vec![obj.namespace().unwrap_or_default().to_owned()])
}

/// An index of objects by the value of one label; objects without it are not indexed.
pub fn label_index_func<K: Object>(label: impl Into<String>) -> IndexFunc<K> {
    let label = label.into();
    Arc::new(move |obj: &K| obj.labels().get(&label).cloned().into_iter().collect())
}

type Index = HashMap<String, HashSet<String, foldhash::fast::RandomState>>;

struct State<K> {
    items: HashMap<String, Arc<K>>,
    funcs: HashMap<String, IndexFunc<K>>,
    indices: HashMap<String, Index>,
}

/// A thread-safe, indexed object store keyed by `namespace/name` (see
/// [`meta_namespace_key`]). Cloning gives another handle to the same store.
pub struct Indexer<K> {
    state: Arc<RwLock<State<K>>>,
}

impl<K> Clone for Indexer<K> {
    fn clone(&self) -> Self {
        Self {
            state: self.state.clone(),
        }
    }
}

impl<K> fmt::Debug for Indexer<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.state.read();
        let mut indices: Vec<&String> = state.funcs.keys().collect();
        indices.sort();
        f.debug_struct("Indexer")
            .field("len", &state.items.len())
            .field("indices", &indices)
            .finish()
    }
}

impl<K: Object> Default for Indexer<K> {
    fn default() -> Self {
        Self::new()
    }
}

fn remove_from_index(index: &mut Index, value: &str, key: &str) {
    if let Some(keys) = index.get_mut(value) {
        keys.remove(key);
        if keys.is_empty() {
            index.remove(value);
        }
    }
}

impl<K> State<K> {
    /// Moves `key` from the index values of `old` to those of `new`.
    fn update_indices(&mut self, old: Option<&K>, new: Option<&K>, key: &str) {
        for (name, func) in &self.funcs {
            let old_values = old.map(|o| func(o)).unwrap_or_default();
            let new_values = new.map(|n| func(n)).unwrap_or_default();
            // Updates rarely change index values; skip the set churn when they don't.
            if old_values == new_values {
                continue;
            }
            let index = self.indices.entry(name.clone()).or_default();
            for value in &old_values {
                remove_from_index(index, value, key);
            }
            for value in new_values {
                index.entry(value).or_default().insert(key.to_owned());
            }
        }
    }

    fn keys_for(&self, index_name: &str, values: &[String]) -> Result<Vec<String>, IndexError> {
        if !self.funcs.contains_key(index_name) {
            return Err(IndexError::UnknownIndex(index_name.to_owned()));
        }
        let Some(index) = self.indices.get(index_name) else {
            return Ok(Vec::new());
        };
        let mut out: Vec<String> = Vec::new();
        if let [value] = values {
            if let Some(keys) = index.get(value) {
                out.extend(keys.iter().cloned());
            }
        } else {
            let mut seen = HashSet::new();
            for value in values {
                for key in index.get(value).into_iter().flatten() {
                    if seen.insert(key) {
                        out.push(key.clone());
                    }
                }
            }
        }
        Ok(out)
    }

    fn objects(&self, keys: &[String]) -> Vec<Arc<K>> {
        keys.iter()
            .filter_map(|k| self.items.get(k).cloned())
            .collect()
    }
}

impl<K: Object> Indexer<K> {
    /// A store with the [`NAMESPACE_INDEX`].
    pub fn new() -> Self {
        let store = Self::without_indices();
        store
            .state
            .write()
            .funcs
            .insert(NAMESPACE_INDEX.to_owned(), namespace_index_func());
        store
    }

    /// A store with no index at all.
    pub fn without_indices() -> Self {
        Self {
            state: Arc::new(RwLock::new(State {
                items: HashMap::default(),
                funcs: HashMap::default(),
                indices: HashMap::default(),
            })),
        }
    }

    /// Registers more index functions; objects already stored are indexed right away.
    /// Fails without changing anything if a name is taken.
    pub fn add_indexers<I, S>(&self, indexers: I) -> Result<(), IndexError>
    where
        I: IntoIterator<Item = (S, IndexFunc<K>)>,
        S: Into<String>,
    {
        let indexers: Vec<(String, IndexFunc<K>)> =
            indexers.into_iter().map(|(n, f)| (n.into(), f)).collect();
        let mut state = self.state.write();
        let mut names = HashSet::new();
        for (name, _) in &indexers {
            if state.funcs.contains_key(name) || !names.insert(name.as_str()) {
                return Err(IndexError::IndexExists(name.clone()));
            }
        }
        for (name, func) in indexers {
            let mut index = Index::default();
            for (key, obj) in &state.items {
                for value in func(obj) {
                    index.entry(value).or_default().insert(key.clone());
                }
            }
            state.indices.insert(name.clone(), index);
            state.funcs.insert(name, func);
        }
        Ok(())
    }

    /// Inserts or replaces an object.
    pub fn add(&self, obj: Arc<K>) -> Result<(), KeyError> {
        let key = meta_namespace_key(&*obj)?;
        self.insert_keyed(key, obj);
        Ok(())
    }

    /// Same as [`Indexer::add`] (client-go keeps both names).
    pub fn update(&self, obj: Arc<K>) -> Result<(), KeyError> {
        self.add(obj)
    }

    pub(crate) fn insert_keyed(&self, key: String, obj: Arc<K>) {
        let mut state = self.state.write();
        let old = state.items.insert(key.clone(), obj.clone());
        state.update_indices(old.as_deref(), Some(&obj), &key);
    }

    /// Removes the object with the key of `obj`, if stored.
    pub fn delete(&self, obj: &K) -> Result<(), KeyError> {
        let key = meta_namespace_key(obj)?;
        self.delete_by_key(&key);
        Ok(())
    }

    /// Removes the object stored under `key`; returns it if there was one.
    pub fn delete_by_key(&self, key: &str) -> Option<Arc<K>> {
        let mut state = self.state.write();
        let old = state.items.remove(key)?;
        state.update_indices(Some(&old), None, key);
        Some(old)
    }

    /// The stored object with the key of `obj`.
    pub fn get(&self, obj: &K) -> Result<Option<Arc<K>>, KeyError> {
        Ok(self.get_by_key(&meta_namespace_key(obj)?))
    }

    /// The object stored under `key` (`namespace/name` or `name`).
    pub fn get_by_key(&self, key: &str) -> Option<Arc<K>> {
        self.state.read().items.get(key).cloned()
    }

    /// Every stored object, in no particular order.
    pub fn list(&self) -> Vec<Arc<K>> {
        self.state.read().items.values().cloned().collect()
    }

    /// Every key, in no particular order.
    pub fn list_keys(&self) -> Vec<String> {
        self.state.read().items.keys().cloned().collect()
    }

    /// The number of stored objects.
    pub fn len(&self) -> usize {
        self.state.read().items.len()
    }

    /// True when nothing is stored.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Replaces the whole content with `items` (client-go's `Replace`; the resource version
    /// is not kept by a plain store). Fails without changing anything if an item has no key.
    pub fn replace(&self, items: Vec<Arc<K>>) -> Result<(), KeyError> {
        let mut keyed = HashMap::default();
        for obj in items {
            keyed.insert(meta_namespace_key(&*obj)?, obj);
        }
        let mut state = self.state.write();
        let mut indices: HashMap<String, Index> = HashMap::default();
        for (name, func) in &state.funcs {
            let mut index = Index::default();
            for (key, obj) in &keyed {
                for value in func(obj) {
                    index.entry(value).or_default().insert(key.clone());
                }
            }
            indices.insert(name.clone(), index);
        }
        state.items = keyed;
        state.indices = indices;
        Ok(())
    }

    /// The objects that share at least one value of index `index_name` with `obj`.
    pub fn index(&self, index_name: &str, obj: &K) -> Result<Vec<Arc<K>>, IndexError> {
        let state = self.state.read();
        let func = state
            .funcs
            .get(index_name)
            .ok_or_else(|| IndexError::UnknownIndex(index_name.to_owned()))?;
        let values = func(obj);
        let keys = state.keys_for(index_name, &values)?;
        Ok(state.objects(&keys))
    }

    /// The objects whose index `index_name` contains `value`.
    pub fn by_index(&self, index_name: &str, value: &str) -> Result<Vec<Arc<K>>, IndexError> {
        let state = self.state.read();
        let keys = state.keys_for(index_name, &[value.to_owned()])?;
        Ok(state.objects(&keys))
    }

    /// The keys of the objects whose index `index_name` contains `value`.
    pub fn index_keys(&self, index_name: &str, value: &str) -> Result<Vec<String>, IndexError> {
        self.state.read().keys_for(index_name, &[value.to_owned()])
    }

    /// Every value index `index_name` currently holds.
    pub fn list_index_func_values(&self, index_name: &str) -> Result<Vec<String>, IndexError> {
        let state = self.state.read();
        if !state.funcs.contains_key(index_name) {
            return Err(IndexError::UnknownIndex(index_name.to_owned()));
        }
        Ok(state
            .indices
            .get(index_name)
            .map(|index| index.keys().cloned().collect())
            .unwrap_or_default())
    }

    /// The names of the registered indices.
    pub fn index_names(&self) -> Vec<String> {
        self.state.read().funcs.keys().cloned().collect()
    }
}

#[cfg(test)]
mod tests;
