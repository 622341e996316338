//! [`Api<K>`]: the typed client for one kind in one namespace (or cluster-wide), generic over
//! [`Resource`] so every k8s-openapi type and hand-written custom resources get the full verb
//! set without generated code. Subresource verbs live in [`crate::subresource`].

use std::fmt;
use std::marker::PhantomData;

use kclient_core::params::{
    CreateOptions, DeleteOptions, GetOptions, ListOptions, PatchOptions, UpdateOptions,
};
use kclient_core::patch::Patch;
use kclient_core::resource::{ClusterScoped, NamespaceScoped, Resource};
use kclient_rest::{EventStream, RestClient};
use serde::Serialize;

use crate::Error;
use crate::delete::DeleteResponse;
use crate::pager::Pager;
use crate::target::{Body, Representation, Target};
use kclient_core::ApiError;
use kclient_core::ObjectList;

/// How a typed client asks for `K`: negotiated (protobuf first, by default) for built-in kinds,
/// JSON for the rest ([`Resource::PROTOBUF`]).
fn representation<K: Resource>() -> Representation {
    if K::PROTOBUF {
        Representation::Negotiated
    } else {
        Representation::Full
    }
}

/// A typed client for `K` objects in one namespace, or for a cluster-scoped `K`.
///
/// Cheap to clone (two reference counts). The constructors check scope at compile time:
/// [`Api::namespaced`] only for namespaced kinds, [`Api::all`] only for cluster-scoped
/// kinds; [`Api::all_namespaces`] gives list/watch across namespaces.
///
/// ```no_run
/// # async fn demo(client: kclient_rest::RestClient) -> Result<(), kclient_client::Error> {
/// use kclient_client::Api;
/// use kclient_core::ListOptions;
/// use k8s_openapi::api::core::v1::{Node, Pod};
///
/// let pods: Api<Pod> = Api::namespaced(client.clone(), "default");
/// for pod in pods.list(&ListOptions::default()).await? {
///     println!("{:?}", pod.metadata.name);
/// }
/// let nodes: Api<Node> = Api::all(client);
/// # let _ = nodes;
/// # Ok(()) }
/// ```
pub struct Api<K> {
    pub(crate) target: Target,
    _kind: PhantomData<fn() -> K>,
}

impl<K> Clone for Api<K> {
    fn clone(&self) -> Self {
        Self {
            target: self.target.clone(),
            _kind: PhantomData,
        }
    }
}

impl<K: Resource> fmt::Debug for Api<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Api")
            .field("kind", &K::KIND)
            .field("target", &self.target)
            .finish()
    }
}

impl<K: Resource> Api<K> {
    fn with_namespace(client: RestClient, namespace: Option<String>) -> Self {
        Self {
            target: Target::new(client, &K::gvr(), namespace, representation::<K>()),
            _kind: PhantomData,
        }
    }

    /// A client for `K` whatever its scope, for generic code that cannot name the scope (a
    /// cache-backed client, a controller over any kind): a namespaced kind works in
    /// `namespace`, or across all namespaces with `None` (for list and watch; an empty
    /// namespace fails every request, as with [`Api::namespaced`]); a cluster-scoped kind
    /// ignores `namespace`.
    pub fn in_scope(client: RestClient, namespace: Option<&str>) -> Self {
        let namespace = namespace.filter(|_| K::namespaced()).map(str::to_owned);
        Self::with_namespace(client, namespace)
    }

    /// The namespace this client works in (`None` for cluster-scoped kinds).
    pub fn namespace(&self) -> Option<&str> {
        self.target.namespace()
    }

    /// The client requests go through.
    pub fn client(&self) -> &RestClient {
        self.target.client()
    }
}

impl<K: NamespaceScoped> Api<K> {
    /// A client for `K` objects in `namespace`.
    ///
    /// An empty `namespace` does not mean "all namespaces" as it does in client-go: every
    /// request of such a client fails before any I/O with an invalid-request error. Read
    /// across namespaces with [`Api::all_namespaces`].
    pub fn namespaced(client: RestClient, namespace: &str) -> Self {
        Self::with_namespace(client, Some(namespace.to_owned()))
    }

    /// List and watch `K` objects across every namespace.
    pub fn all_namespaces(client: RestClient) -> AllNamespaces<K> {
        AllNamespaces {
            api: Self::with_namespace(client, None),
        }
    }
}

impl<K: ClusterScoped> Api<K> {
    /// A client for the cluster-scoped kind `K`.
    pub fn all(client: RestClient) -> Self {
        Self::with_namespace(client, None)
    }
}

impl<K: Resource> Api<K> {
    /// Creates `obj` (`POST`); returns the object as stored.
    pub async fn create(&self, obj: &K, opts: &CreateOptions) -> Result<K, Error> {
        self.target.create(None, Body::object(obj), opts).await
    }

    /// Replaces the object (`PUT`). A stale `metadata.resourceVersion` fails with a 409
    /// conflict ([`Error::is_conflict`]).
    pub async fn update(&self, obj: &K, opts: &UpdateOptions) -> Result<K, Error> {
        self.target
            .replace(name_of(obj)?, None, Body::object(obj), opts)
            .await
    }

    /// Replaces the object's status (`PUT .../status`); everything else is ignored by the server.
    pub async fn update_status(&self, obj: &K, opts: &UpdateOptions) -> Result<K, Error> {
        self.target
            .replace(name_of(obj)?, Some("status"), Body::object(obj), opts)
            .await
    }

    /// Reads one object.
    pub async fn get(&self, name: &str, opts: &GetOptions) -> Result<K, Error> {
        self.target.get(name, None, opts).await
    }

    /// Reads one object's status subresource.
    pub async fn get_status(&self, name: &str, opts: &GetOptions) -> Result<K, Error> {
        self.target.get(name, Some("status"), opts).await
    }

    /// Reads one object, `None` if it does not exist.
    pub async fn get_opt(&self, name: &str, opts: &GetOptions) -> Result<Option<K>, Error> {
        match self.get(name, opts).await {
            Ok(obj) => Ok(Some(obj)),
            Err(err) if err.is_not_found() => Ok(None),
            Err(err) => Err(err),
        }
    }

    /// Lists objects (one request: set `limit` and `continue` yourself, or use [`Api::pager`]).
    pub async fn list(&self, opts: &ListOptions) -> Result<ObjectList<K>, Error> {
        self.target.list(opts).await
    }

    /// Lists every object, following continue tokens in pages of
    /// [`crate::pager::DEFAULT_PAGE_SIZE`] (see [`Api::pager`] for other sizes).
    pub async fn list_all(&self, opts: &ListOptions) -> Result<ObjectList<K>, Error> {
        self.pager().list(opts).await
    }

    /// A pager over this collection.
    pub fn pager(&self) -> Pager<ObjectList<K>> {
        Pager::new(self.target.clone())
    }

    /// Watches objects; events arrive as the server sends them. Pass `resource_version`
    /// to resume, `timeout_seconds` to bound it.
    pub async fn watch(&self, opts: &ListOptions) -> Result<EventStream<K>, Error> {
        self.target.watch(opts).await
    }

    /// Deletes one object; the server answers with the object or a `Status`.
    pub async fn delete(
        &self,
        name: &str,
        opts: &DeleteOptions,
    ) -> Result<DeleteResponse<K>, Error> {
        self.target.delete(name, opts).await
    }

    /// Deletes every object matching `list`'s selectors; the server answers with the
    /// deleted objects or a `Status`.
    pub async fn delete_collection(
        &self,
        opts: &DeleteOptions,
        list: &ListOptions,
    ) -> Result<DeleteResponse<ObjectList<K>>, Error> {
        self.target.delete_collection(opts, list).await
    }

    /// Patches one object with any patch type (JSON, merge, strategic merge, apply).
    pub async fn patch(&self, name: &str, patch: &Patch, opts: &PatchOptions) -> Result<K, Error> {
        self.target.patch(name, None, patch, opts).await
    }

    /// Patches a subresource of one object (`status`, `scale`, ...), returning `K`.
    pub async fn patch_subresource(
        &self,
        name: &str,
        subresource: &str,
        patch: &Patch,
        opts: &PatchOptions,
    ) -> Result<K, Error> {
        self.target
            .patch(name, Some(subresource), patch, opts)
            .await
    }

    /// Patches the status subresource.
    pub async fn patch_status(
        &self,
        name: &str,
        patch: &Patch,
        opts: &PatchOptions,
    ) -> Result<K, Error> {
        self.patch_subresource(name, "status", patch, opts).await
    }

    /// Server-side apply of `obj` (its name, apiVersion and kind included) as the field
    /// manager of `opts` (required); `opts.force` takes over conflicting fields.
    pub async fn apply(&self, obj: &K, opts: &PatchOptions) -> Result<K, Error> {
        let patch = apply_patch(obj)?;
        self.target.patch(name_of(obj)?, None, &patch, opts).await
    }

    /// Server-side apply of `obj`'s status.
    pub async fn apply_status(&self, obj: &K, opts: &PatchOptions) -> Result<K, Error> {
        let patch = apply_patch(obj)?;
        self.target
            .patch(name_of(obj)?, Some("status"), &patch, opts)
            .await
    }
}

/// `K` objects across every namespace: list and watch only (kube-apiserver serves nothing
/// else on the all-namespaces path of a namespaced kind).
pub struct AllNamespaces<K> {
    api: Api<K>,
}

impl<K> Clone for AllNamespaces<K> {
    fn clone(&self) -> Self {
        Self {
            api: self.api.clone(),
        }
    }
}

impl<K: Resource> fmt::Debug for AllNamespaces<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AllNamespaces")
            .field("kind", &K::KIND)
            .finish()
    }
}

impl<K: NamespaceScoped> AllNamespaces<K> {
    /// Lists objects in every namespace.
    pub async fn list(&self, opts: &ListOptions) -> Result<ObjectList<K>, Error> {
        self.api.list(opts).await
    }

    /// Lists every object in every namespace, following continue tokens.
    pub async fn list_all(&self, opts: &ListOptions) -> Result<ObjectList<K>, Error> {
        self.api.list_all(opts).await
    }

    /// A pager over every namespace.
    pub fn pager(&self) -> Pager<ObjectList<K>> {
        self.api.pager()
    }

    /// Watches objects in every namespace.
    pub async fn watch(&self, opts: &ListOptions) -> Result<EventStream<K>, Error> {
        self.api.watch(opts).await
    }

    /// The namespaced client for `namespace`.
    pub fn namespace(&self, namespace: &str) -> Api<K> {
        Api {
            target: self.api.target.with_namespace(Some(namespace.to_owned())),
            _kind: PhantomData,
        }
    }
}

/// The object's name, or a typed error before any I/O.
pub(crate) fn name_of<K: Resource>(obj: &K) -> Result<&str, Error> {
    obj.meta()
        .name
        .as_deref()
        .filter(|n| !n.is_empty())
        .ok_or_else(|| Error::InvalidRequest(format!("the {} has no metadata.name", K::KIND)))
}

/// The apply body of `obj`: its full JSON, apiVersion and kind included.
pub(crate) fn apply_patch<T: Serialize>(obj: &T) -> Result<Patch, Error> {
    serde_json::to_value(obj)
        .map(Patch::Apply)
        .map_err(|e| Error::InvalidRequest(format!("failed to encode the apply body: {e}")))
}
