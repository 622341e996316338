//! [`Lister`] and [`NamespaceLister`]: read-only views of an informer's [`Indexer`] (client-go's
//! generated `listers`), matching with kclient-core's [`LabelSelector`].
//!
//! Reads never touch the server and never copy objects: every result is the `Arc<K>` the
//! cache holds. Namespace reads go through the [`NAMESPACE_INDEX`] when the indexer has it,
//! so listing one namespace costs the size of that namespace, not of the whole cache.

use std::fmt;
use std::sync::Arc;

use kclient_core::LabelSelector;

use crate::store::{Indexer, NAMESPACE_INDEX};
use kclient_core::Object;

/// Lists and gets objects of one resource from an informer's cache.
///
/// ```no_run
/// # fn demo(lister: kclient_cache::Lister<k8s_openapi::api::core::v1::Pod>) -> Result<(), kclient_core::selector::SelectorError> {
/// use kclient_core::LabelSelector;
///
/// let web = lister.list(&LabelSelector::parse("app=web")?);
/// let one = lister.namespace("default").get("web-0");
/// let in_ns = lister.pods("default").list(&LabelSelector::everything());
/// # let _ = (web, one, in_ns);
/// # Ok(()) }
/// ```
pub struct Lister<K> {
    indexer: Indexer<K>,
}

impl<K> Clone for Lister<K> {
    fn clone(&self) -> Self {
        Self {
            indexer: self.indexer.clone(),
        }
    }
}

impl<K: Object> fmt::Debug for Lister<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lister")
            .field("objects", &self.indexer.len())
            .finish()
    }
}

impl<K: Object> Lister<K> {
    /// A lister over `indexer` (usually an informer's).
    pub fn new(indexer: Indexer<K>) -> Self {
        Self { indexer }
    }

    /// The cache this lister reads.
    pub fn indexer(&self) -> &Indexer<K> {
        &self.indexer
    }

    /// Every cached object matching `selector`, across all namespaces.
    pub fn list(&self, selector: &LabelSelector) -> Vec<Arc<K>> {
        filter(self.indexer.list(), selector)
    }

    /// The cached object with key `name` (cluster-scoped resources), or `None`.
    pub fn get(&self, name: &str) -> Option<Arc<K>> {
        self.indexer.get_by_key(name)
    }

    /// The objects of one namespace (client-go's `Pods(namespace)`).
    pub fn namespace(&self, namespace: &str) -> NamespaceLister<K> {
        NamespaceLister {
            indexer: self.indexer.clone(),
            namespace: namespace.to_owned(),
        }
    }
}

/// Lists and gets the cached objects of one namespace.
pub struct NamespaceLister<K> {
    indexer: Indexer<K>,
    namespace: String,
}

impl<K> Clone for NamespaceLister<K> {
    fn clone(&self) -> Self {
        Self {
            indexer: self.indexer.clone(),
            namespace: self.namespace.clone(),
        }
    }
}

impl<K: Object> fmt::Debug for NamespaceLister<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NamespaceLister")
            .field("namespace", &self.namespace)
            .finish()
    }
}

impl<K: Object> NamespaceLister<K> {
    /// The namespace this lister reads.
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    /// The cached objects of this namespace matching `selector`.
    pub fn list(&self, selector: &LabelSelector) -> Vec<Arc<K>> {
        let in_namespace = match self.indexer.by_index(NAMESPACE_INDEX, &self.namespace) {
            Ok(objects) => objects,
            // An indexer built without the namespace index still answers, by scanning.
            Err(_) => self
                .indexer
                .list()
                .into_iter()
                .filter(|o| o.namespace().unwrap_or("") == self.namespace)
                .collect(),
        };
        filter(in_namespace, selector)
    }

    /// The cached object `name` of this namespace, or `None`.
    pub fn get(&self, name: &str) -> Option<Arc<K>> {
        let mut key = String::with_capacity(self.namespace.len() + 1 + name.len());
        key.push_str(&self.namespace);
        key.push('/');
        key.push_str(name);
        self.indexer.get_by_key(&key)
    }
}

fn filter<K: Object>(objects: Vec<Arc<K>>, selector: &LabelSelector) -> Vec<Arc<K>> {
    if selector.is_empty() {
        return objects;
    }
    objects
        .into_iter()
        .filter(|o| selector.matches(&o.labels()))
        .collect()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use k8s_openapi::api::core::v1::{ConfigMap, Namespace};
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

    use super::*;

    fn cm(ns: &str, name: &str, app: &str) -> Arc<ConfigMap> {
        Arc::new(ConfigMap {
            metadata: ObjectMeta {
                name: Some(name.into()),
                namespace: Some(ns.into()),
                labels: Some(BTreeMap::from([("app".to_owned(), app.to_owned())])),
                ..Default::default()
            },
            ..Default::default()
        })
    }

    fn names(objs: &[Arc<ConfigMap>]) -> Vec<String> {
        let mut v: Vec<String> = objs
            .iter()
            .map(|o| meta_key(o.as_ref()))
            .collect::<Vec<_>>();
        v.sort();
        v
    }

    fn meta_key(o: &ConfigMap) -> String {
        crate::meta_namespace_key(o).unwrap()
    }

    fn lister(indexer: Indexer<ConfigMap>) -> Lister<ConfigMap> {
        for o in [
            cm("a", "one", "web"),
            cm("a", "two", "db"),
            cm("b", "one", "web"),
        ] {
            indexer.add(o).unwrap();
        }
        Lister::new(indexer)
    }

    #[test]
    fn lists_by_selector_and_namespace() {
        for indexer in [Indexer::new(), Indexer::without_indices()] {
            let l = lister(indexer);
            let web = LabelSelector::parse("app=web").unwrap();
            assert_eq!(names(&l.list(&web)), ["a/one", "b/one"]);
            assert_eq!(l.list(&LabelSelector::everything()).len(), 3);
            assert!(l.list(&LabelSelector::nothing()).is_empty());
            assert_eq!(
                names(&l.namespace("a").list(&LabelSelector::everything())),
                ["a/one", "a/two"]
            );
            assert_eq!(names(&l.namespace("a").list(&web)), ["a/one"]);
            assert!(
                l.namespace("c")
                    .list(&LabelSelector::everything())
                    .is_empty()
            );
            assert!(l.namespace("b").get("two").is_none());
        }
    }

    #[test]
    fn get_returns_the_cached_arc() {
        let indexer = Indexer::new();
        let l = lister(indexer.clone());
        let got = l.namespace("a").get("one").unwrap();
        let cached = indexer.get_by_key("a/one").unwrap();
        assert!(Arc::ptr_eq(&got, &cached), "listers must not copy objects");
    }

    #[test]
    fn cluster_scoped_get() {
        let indexer = Indexer::<Namespace>::new();
        indexer
            .add(Arc::new(Namespace {
                metadata: ObjectMeta {
                    name: Some("kube-system".into()),
                    ..Default::default()
                },
                ..Default::default()
            }))
            .unwrap();
        let l = Lister::new(indexer);
        assert!(l.get("kube-system").is_some());
        assert!(l.get("default").is_none());
    }
}
