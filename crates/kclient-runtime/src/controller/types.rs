//! The values a reconcile sees and returns: [`ObjectKey`], [`Observed`], [`Action`],
//! [`OnError`].

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use kclient_core::Object;

/// Which primary object to reconcile: its namespace (`None` for a cluster-scoped kind) and
/// name, controller-runtime's `reconcile.Request`. It prints as the cache key
/// (`namespace/name`, or `name`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectKey {
    /// The namespace; `None` for cluster-scoped objects.
    pub namespace: Option<String>,
    /// The name.
    pub name: String,
}

impl ObjectKey {
    /// The key of `name` in `namespace`.
    pub fn namespaced(namespace: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            namespace: Some(namespace.into()),
            name: name.into(),
        }
    }

    /// The key of the cluster-scoped object `name`.
    pub fn cluster(name: impl Into<String>) -> Self {
        Self {
            namespace: None,
            name: name.into(),
        }
    }

    /// The key of `obj`; `None` when it has no name.
    pub fn of(obj: &(impl Object + ?Sized)) -> Option<Self> {
        Some(Self {
            namespace: obj
                .namespace()
                .filter(|ns| !ns.is_empty())
                .map(str::to_owned),
            name: obj.name().filter(|n| !n.is_empty())?.to_owned(),
        })
    }

    /// The informer cache's key (`namespace/name`, or `name`): client-go's
    /// `MetaNamespaceKeyFunc`.
    pub fn cache_key(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for ObjectKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.namespace {
            Some(ns) => write!(f, "{ns}/{}", self.name),
            None => f.write_str(&self.name),
        }
    }
}

/// The primary object a reconcile is about, as the controller's cache has it.
///
/// A deleted object still reaches `reconcile`, once, as [`Gone`](Self::Gone) with the last
/// state the cache knew, so clean-up that needs the object's fields can run (kube-rs drops such
/// keys; controller-runtime passes only the name). Objects guarded by a finalizer are
/// cleaned up while [`Live`](Self::Live) with a deletion timestamp instead: see
/// [`finalizer`](crate::finalizer).
#[derive(Debug)]
pub enum Observed<K> {
    /// The object is in the cache: its current state.
    Live(Arc<K>),
    /// The object was deleted: its last known state (possibly stale, if the deletion was
    /// only noticed by a relist).
    Gone(Arc<K>),
}

impl<K> Clone for Observed<K> {
    fn clone(&self) -> Self {
        match self {
            Self::Live(o) => Self::Live(o.clone()),
            Self::Gone(o) => Self::Gone(o.clone()),
        }
    }
}

impl<K> Observed<K> {
    /// The object: its current state, or its last known one when gone.
    pub fn object(&self) -> &Arc<K> {
        match self {
            Self::Live(o) | Self::Gone(o) => o,
        }
    }

    /// The live object, or `None` when it is gone.
    pub fn live(&self) -> Option<&Arc<K>> {
        match self {
            Self::Live(o) => Some(o),
            Self::Gone(_) => None,
        }
    }

    /// True when the object was deleted.
    pub fn is_gone(&self) -> bool {
        matches!(self, Self::Gone(_))
    }
}

/// What to do with a key after a successful reconcile.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Reconcile again after this long, even if nothing changes (a change still reconciles
    /// it sooner).
    RequeueAfter(Duration),
    /// Reconcile again only when the object, or something mapped to it, changes.
    AwaitChange,
}

impl Action {
    /// [`Action::RequeueAfter`].
    pub fn requeue(after: Duration) -> Self {
        Self::RequeueAfter(after)
    }

    /// [`Action::AwaitChange`].
    pub fn await_change() -> Self {
        Self::AwaitChange
    }
}

/// What to do with a key whose reconcile failed: the answer of the controller's
/// `error_policy`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OnError {
    /// Retry through the queue's per-key rate limiter (client-go's
    /// `AddRateLimited`): with the default limiter 5 ms doubling per failure up to 1000 s,
    /// under an overall 10/s, burst 100 bucket.
    Backoff,
    /// Retry after exactly this long; the key's failure count is reset.
    RequeueAfter(std::time::Duration),
    /// Give up on the key until it changes again; its failure count is reset.
    Forget,
}

/// What an `error_policy` knows about a failure besides the error.
#[derive(Debug)]
pub struct ErrorContext<K> {
    /// The key whose reconcile failed.
    pub key: ObjectKey,
    /// The object the failed reconcile was given.
    pub object: Observed<K>,
    /// How many times the key has been retried through the rate limiter since its last
    /// success (0 on its first failure).
    pub retries: usize,
}
