//! Where a controller's keys come from: the primary informer, owned objects (mapped through
//! their controller ownerReference) and watched objects (mapped by the user's function), each
//! an event handler on a shared informer that turns changes into queue keys.

use std::collections::HashMap;
use std::sync::Arc;

use futures::future::BoxFuture;
use kclient_cache::{HandlerFuncs, InformerError, ResourceInformer};
use kclient_core::Object;
use kclient_workqueue::RateLimitingQueue;
use parking_lot::Mutex;

use super::types::ObjectKey;

/// The controller's work queue.
pub(crate) type KeyQueue = RateLimitingQueue<ObjectKey>;

/// The last known state of deleted primaries, until their `Gone` reconcile succeeds.
pub(crate) type Tombstones<K> = Arc<Mutex<HashMap<ObjectKey, Arc<K>>>>;

/// Maps a changed object to the primaries it concerns.
pub(crate) type Mapper<C> = Arc<dyn Fn(&C) -> Vec<ObjectKey> + Send + Sync>;

/// An event handler registered on a shared informer for the length of one run.
pub(crate) struct Registered {
    /// Which informer (for errors).
    pub(crate) name: String,
    /// Resolves when the informer has synced (true) or stopped first (false).
    pub(crate) synced: BoxFuture<'static, bool>,
    /// Unregisters the handler: the informer is shared and outlives the run.
    pub(crate) remove: Box<dyn FnOnce() + Send>,
}

/// A source not registered yet: registration needs the run's queue.
pub(crate) type Source = Box<dyn FnOnce(&KeyQueue) -> Result<Registered, InformerError> + Send>;

/// The group and kind ownerReferences name the primary by, and its scope.
#[derive(Clone, Debug)]
pub(crate) struct PrimaryKind {
    pub(crate) group: String,
    pub(crate) kind: String,
    pub(crate) namespaced: bool,
}

impl PrimaryKind {
    /// The primaries `child` is controlled by: its ownerReference with `controller: true`
    /// whose group and kind are the primary's. As controller-runtime's
    /// `EnqueueRequestForOwner(..., OnlyControllerOwner())`, the version is not compared: an
    /// owner written as `v1beta1` is the same object as its `v1`.
    pub(crate) fn owners_of<C: Object + ?Sized>(&self, child: &C) -> Vec<ObjectKey> {
        let meta = child.object_meta();
        let Some(refs) = meta.owner_references.as_ref() else {
            return Vec::new();
        };
        refs.iter()
            .filter(|r| r.controller == Some(true) && r.kind == self.kind)
            .filter(|r| group_of(&r.api_version) == self.group)
            .filter_map(|r| {
                if self.namespaced {
                    // A namespaced owner lives in its child's namespace; a cluster-scoped
                    // child cannot have one.
                    let ns = child.namespace().filter(|ns| !ns.is_empty())?;
                    Some(ObjectKey::namespaced(ns, r.name.clone()))
                } else {
                    Some(ObjectKey::cluster(r.name.clone()))
                }
            })
            .collect()
    }
}

/// The group of an `apiVersion` (`apps/v1` → `apps`, `v1` → the core group `""`).
fn group_of(api_version: &str) -> &str {
    api_version.rsplit_once('/').map_or("", |(group, _)| group)
}

/// The primary informer's handler: every change enqueues the object's key; a deletion first
/// keeps the object's last state for the `Gone` reconcile.
pub(crate) fn primary<K: Object>(
    informer: ResourceInformer<K>,
    tombstones: Tombstones<K>,
) -> Source {
    Box::new(move |queue: &KeyQueue| {
        let (on_add, on_update, on_delete) = (queue.clone(), queue.clone(), queue.clone());
        let (revived, buried) = (tombstones.clone(), tombstones);
        let handler = HandlerFuncs::<K>::new()
            .on_add(move |obj, _| {
                if let Some(key) = ObjectKey::of(obj.as_ref()) {
                    revived.lock().remove(&key);
                    on_add.add(key);
                }
            })
            .on_update(move |_, new| {
                if let Some(key) = ObjectKey::of(new.as_ref()) {
                    on_update.add(key);
                }
            })
            .on_delete(move |gone| {
                if let Some(key) = ObjectKey::of(gone.object().as_ref()) {
                    buried.lock().insert(key.clone(), gone.object().clone());
                    on_delete.add(key);
                }
            });
        register(&informer, handler)
    })
}

/// A handler enqueueing the keys `map` finds in each changed object (both the old and the
/// new state of an update, so a changed owner or label reaches both primaries).
pub(crate) fn mapped<C: Object>(informer: ResourceInformer<C>, map: Mapper<C>) -> Source {
    Box::new(move |queue: &KeyQueue| {
        let enqueue = {
            let queue = queue.clone();
            move |obj: &C| {
                for key in map(obj) {
                    queue.add(key);
                }
            }
        };
        let (on_add, on_update, on_delete) = (enqueue.clone(), enqueue.clone(), enqueue);
        let handler = HandlerFuncs::<C>::new()
            .on_add(move |obj, _| on_add(obj))
            .on_update(move |old, new| {
                on_update(old);
                on_update(new);
            })
            .on_delete(move |gone| on_delete(gone.object()));
        register(&informer, handler)
    })
}

fn register<C: Object>(
    informer: &ResourceInformer<C>,
    handler: HandlerFuncs<C>,
) -> Result<Registered, InformerError> {
    let informer = informer.informer();
    let registration = informer.add_event_handler(handler)?;
    let name = format!("{informer:?}");
    let waiting = informer.clone();
    Ok(Registered {
        name,
        synced: Box::pin(async move { waiting.wait_for_cache_sync().await }),
        remove: Box::new(move || informer.remove_event_handler(&registration)),
    })
}

#[cfg(test)]
mod tests {
    use k8s_openapi::api::core::v1::ConfigMap;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference};

    use super::*;

    fn owned_by(namespace: Option<&str>, refs: Vec<OwnerReference>) -> ConfigMap {
        ConfigMap {
            metadata: ObjectMeta {
                name: Some("child".into()),
                namespace: namespace.map(str::to_owned),
                owner_references: Some(refs),
                ..ObjectMeta::default()
            },
            ..ConfigMap::default()
        }
    }

    fn owner(
        api_version: &str,
        kind: &str,
        name: &str,
        controller: Option<bool>,
    ) -> OwnerReference {
        OwnerReference {
            api_version: api_version.into(),
            kind: kind.into(),
            name: name.into(),
            uid: format!("uid-{name}"),
            controller,
            ..OwnerReference::default()
        }
    }

    #[test]
    fn only_the_controller_owner_of_the_primary_kind_is_mapped() {
        let deployments = PrimaryKind {
            group: "apps".into(),
            kind: "Deployment".into(),
            namespaced: true,
        };
        let child = owned_by(
            Some("web"),
            vec![
                owner("apps/v1", "Deployment", "not-controller", None),
                owner("apps/v1", "StatefulSet", "other-kind", Some(true)),
                owner("example.com/v1", "Deployment", "other-group", Some(true)),
                owner("apps/v1beta1", "Deployment", "front", Some(true)),
            ],
        );
        assert_eq!(
            deployments.owners_of(&child),
            [ObjectKey::namespaced("web", "front")]
        );
    }

    #[test]
    fn cluster_scoped_and_core_group_primaries() {
        let namespaces = PrimaryKind {
            group: String::new(),
            kind: "Namespace".into(),
            namespaced: false,
        };
        let child = owned_by(
            Some("web"),
            vec![owner("v1", "Namespace", "web", Some(true))],
        );
        assert_eq!(namespaces.owners_of(&child), [ObjectKey::cluster("web")]);

        // A namespaced owner cannot own a cluster-scoped child.
        let config_maps = PrimaryKind {
            group: String::new(),
            kind: "ConfigMap".into(),
            namespaced: true,
        };
        let orphan = owned_by(None, vec![owner("v1", "ConfigMap", "x", Some(true))]);
        assert!(config_maps.owners_of(&orphan).is_empty());
    }
}
