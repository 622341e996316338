//! Finalizers: clean-up that must run before an object goes away (kube-runtime's `finalizer`,
//! controller-runtime's `controllerutil.AddFinalizer`/`RemoveFinalizer`).
//!
//! [`finalizer`] wraps a reconcile: a live object without the finalizer gets it first (so a
//! deletion can never skip the clean-up), then [`FinalizerEvent::Apply`] runs; an object being
//! deleted (`deletionTimestamp` set) that still has the finalizer gets
//! [`FinalizerEvent::Cleanup`], and the finalizer is removed once the clean-up succeeded, which
//! lets kube-apiserver delete the object when no other finalizer remains. Both writes are
//! merge patches of `metadata.finalizers` guarded by the object's resourceVersion, retried on
//! conflict against a fresh read ([`retry_on_conflict`]), so another writer's finalizer is
//! never lost.
//!
//! As with controller-runtime and kube-runtime, the clean-up can run more than once: a
//! reconcile queued meanwhile (say, by an owned object the clean-up deleted) may read the
//! cached object from before the finalizer's removal reached the cache. Make it idempotent.
//!
//! ```no_run
//! use std::sync::Arc;
//! use k8s_openapi::api::core::v1::ConfigMap;
//! use kclient_client::Api;
//! use kclient_runtime::controller::{Action, Observed};
//! use kclient_runtime::finalizer::{FinalizerError, FinalizerEvent, finalizer};
//!
//! async fn reconcile(
//!     obj: Observed<ConfigMap>,
//!     client: Arc<kclient_rest::RestClient>,
//! ) -> Result<Action, FinalizerError<kclient_rest::Error>> {
//!     let api = Api::<ConfigMap>::in_scope((*client).clone(), obj.object().metadata.namespace.as_deref());
//!     finalizer(&api, "example.com/cleanup", obj, |event| async move {
//!         match event {
//!             FinalizerEvent::Apply(cm) => { /* make the world match cm */ }
//!             FinalizerEvent::Cleanup(cm) => { /* remove what cm caused */ }
//!         }
//!         Ok(Action::await_change())
//!     })
//!     .await
//! }
//! ```

use std::future::Future;
use std::sync::Arc;

use futures::future::BoxFuture;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kclient_client::{Api, DynamicResource, MetadataResource};
use kclient_core::{ApiError, GetOptions, Object, Patch, PatchOptions, Resource};
use kclient_rest::Error;
use serde_json::json;

use crate::controller::{Action, Observed};
use crate::retry::{DEFAULT_RETRY, retry_on_conflict};

/// What the wrapped reconcile is asked to do.
#[derive(Debug)]
pub enum FinalizerEvent<K> {
    /// The object is live and carries the finalizer: reconcile it.
    Apply(Arc<K>),
    /// The object is being deleted and still carries the finalizer: clean up. The finalizer
    /// is removed when this succeeds.
    Cleanup(Arc<K>),
}

/// Why [`finalizer`] failed.
#[derive(Debug, thiserror::Error)]
pub enum FinalizerError<E> {
    /// The object has no name.
    #[error("the object has no name")]
    Unnamed,
    /// Adding the finalizer failed.
    #[error("adding finalizer {finalizer}: {source}")]
    Add {
        /// The finalizer.
        finalizer: String,
        /// The server's (or transport's) error.
        source: Error,
    },
    /// Removing the finalizer after a successful clean-up failed; the clean-up runs again.
    #[error("removing finalizer {finalizer}: {source}")]
    Remove {
        /// The finalizer.
        finalizer: String,
        /// The server's (or transport's) error.
        source: Error,
    },
    /// The reconcile of a live object failed.
    #[error("{0}")]
    Apply(E),
    /// The clean-up failed; the finalizer stays and the clean-up runs again.
    #[error("{0}")]
    Cleanup(E),
}

/// What the finalizer helper needs of a client: read an object's metadata after a conflict,
/// and merge-patch its finalizers. Implemented by [`Api`], [`DynamicResource`] and the
/// metadata-only [`MetadataResource`], so the helper works for typed, `Compact` and dynamic
/// controllers alike.
pub trait FinalizerClient: Send + Sync {
    /// The object's current metadata.
    fn get_metadata<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<ObjectMeta, Error>>;
    /// Applies `patch` to the object as a JSON merge patch.
    fn merge_patch<'a>(
        &'a self,
        name: &'a str,
        patch: &'a serde_json::Value,
    ) -> BoxFuture<'a, Result<(), Error>>;
}

impl<K: Resource> FinalizerClient for Api<K> {
    fn get_metadata<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<ObjectMeta, Error>> {
        Box::pin(async move {
            let obj = self.get(name, &GetOptions::default()).await?;
            Ok(obj.meta().clone())
        })
    }

    fn merge_patch<'a>(
        &'a self,
        name: &'a str,
        patch: &'a serde_json::Value,
    ) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async move {
            let patch = Patch::Merge(patch.clone());
            self.patch(name, &patch, &PatchOptions::default()).await?;
            Ok(())
        })
    }
}

impl FinalizerClient for DynamicResource {
    fn get_metadata<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<ObjectMeta, Error>> {
        Box::pin(async move {
            let obj = self.get(name, &GetOptions::default()).await?;
            Ok(obj.object_meta().into_owned())
        })
    }

    fn merge_patch<'a>(
        &'a self,
        name: &'a str,
        patch: &'a serde_json::Value,
    ) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async move {
            let patch = Patch::Merge(patch.clone());
            self.patch(name, &patch, &PatchOptions::default(), None)
                .await?;
            Ok(())
        })
    }
}

impl FinalizerClient for MetadataResource {
    fn get_metadata<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<ObjectMeta, Error>> {
        Box::pin(async move { Ok(self.get(name, &GetOptions::default()).await?.metadata) })
    }

    fn merge_patch<'a>(
        &'a self,
        name: &'a str,
        patch: &'a serde_json::Value,
    ) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async move {
            let patch = Patch::Merge(patch.clone());
            self.patch(name, &patch, &PatchOptions::default()).await?;
            Ok(())
        })
    }
}

/// Runs `reconcile` for `obj` under the finalizer `name` (see the [module docs](self)):
/// adds the finalizer to a live object that lacks it, then calls `Apply`; calls `Cleanup` for
/// an object being deleted that still has it and removes it afterwards. An object that is
/// gone, or being deleted without the finalizer, needs nothing: `Ok(Action::AwaitChange)`.
/// `client` must address the object's namespace (an [`Api`] made with
/// [`Api::in_scope`]`(client, obj.namespace())` does).
pub async fn finalizer<O, F, Fut, E>(
    client: &impl FinalizerClient,
    name: &str,
    obj: Observed<O>,
    reconcile: F,
) -> Result<Action, FinalizerError<E>>
where
    O: Object,
    F: FnOnce(FinalizerEvent<O>) -> Fut,
    Fut: Future<Output = Result<Action, E>>,
{
    let Observed::Live(obj) = obj else {
        return Ok(Action::AwaitChange);
    };
    let meta = obj.object_meta().into_owned();
    let Some(object) = meta.name.clone().filter(|n| !n.is_empty()) else {
        return Err(FinalizerError::Unnamed);
    };
    let has = has_finalizer(&meta, name);
    match (meta.deletion_timestamp.is_some(), has) {
        (false, true) => reconcile(FinalizerEvent::Apply(obj))
            .await
            .map_err(FinalizerError::Apply),
        (false, false) => {
            add_finalizer(client, &object, name, meta)
                .await
                .map_err(|source| FinalizerError::Add {
                    finalizer: name.to_owned(),
                    source,
                })?;
            reconcile(FinalizerEvent::Apply(obj))
                .await
                .map_err(FinalizerError::Apply)
        }
        (true, true) => {
            let action = reconcile(FinalizerEvent::Cleanup(obj))
                .await
                .map_err(FinalizerError::Cleanup)?;
            remove_finalizer(client, &object, name, meta)
                .await
                .map_err(|source| FinalizerError::Remove {
                    finalizer: name.to_owned(),
                    source,
                })?;
            Ok(action)
        }
        (true, false) => Ok(Action::AwaitChange),
    }
}

/// True when `meta` lists `finalizer`.
pub fn has_finalizer(meta: &ObjectMeta, finalizer: &str) -> bool {
    meta.finalizers
        .as_ref()
        .is_some_and(|f| f.iter().any(|f| f == finalizer))
}

/// Adds `finalizer` to the object `name` (a no-op if it is there, or if the object is being
/// deleted: kube-apiserver refuses new finalizers then); returns whether it wrote. The first
/// attempt patches against `meta` (the cached metadata) and its resourceVersion, each retry
/// after a conflict against a fresh read.
pub async fn add_finalizer(
    client: &impl FinalizerClient,
    name: &str,
    finalizer: &str,
    meta: ObjectMeta,
) -> Result<bool, Error> {
    edit(client, name, meta, |meta| {
        if meta.deletion_timestamp.is_some() || has_finalizer(meta, finalizer) {
            return None;
        }
        let mut list = meta.finalizers.clone().unwrap_or_default();
        list.push(finalizer.to_owned());
        Some(list)
    })
    .await
}

/// Removes `finalizer` from the object `name` (a no-op if it is not there or the object is
/// gone); returns whether it wrote. Retried on conflict as [`add_finalizer`].
pub async fn remove_finalizer(
    client: &impl FinalizerClient,
    name: &str,
    finalizer: &str,
    meta: ObjectMeta,
) -> Result<bool, Error> {
    let removed = edit(client, name, meta, |meta| {
        if !has_finalizer(meta, finalizer) {
            return None;
        }
        let list = meta.finalizers.clone().unwrap_or_default();
        Some(list.into_iter().filter(|f| f != finalizer).collect())
    })
    .await;
    match removed {
        Err(e) if e.is_not_found() => Ok(false),
        other => other,
    }
}

/// Writes the finalizer list `change` computes from the object's metadata, guarded by its
/// resourceVersion; on a conflict, reads the object again and recomputes.
async fn edit(
    client: &impl FinalizerClient,
    name: &str,
    meta: ObjectMeta,
    change: impl Fn(&ObjectMeta) -> Option<Vec<String>>,
) -> Result<bool, Error> {
    let first = parking_lot::Mutex::new(Some(meta));
    retry_on_conflict(&DEFAULT_RETRY, || async {
        let cached = first.lock().take();
        let meta = match cached {
            Some(meta) => meta,
            None => client.get_metadata(name).await?,
        };
        let Some(finalizers) = change(&meta) else {
            return Ok(false);
        };
        let patch = json!({"metadata": {
            "finalizers": finalizers,
            "resourceVersion": meta.resource_version,
        }});
        client.merge_patch(name, &patch).await?;
        Ok(true)
    })
    .await
}
