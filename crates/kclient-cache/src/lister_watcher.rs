//! [`ListerWatcher`]: how a reflector lists and watches, and [`RestListerWatcher`], the
//! implementation over [`RestClient`] for typed resources and [`Unstructured`] objects.
//!
//! The trait returns boxed futures, so it is object safe and needs no async-trait machinery;
//! a typed-`Api<K>` implementation or a test double can be swapped in.

use std::fmt;
use std::marker::PhantomData;
use std::num::NonZeroUsize;

use futures::future::BoxFuture;
use futures::stream::{BoxStream, StreamExt};
use kclient_core::params::ListOptions;
use kclient_core::{
    GroupVersion, GroupVersionResource, Object, ObjectList, Resource, Unstructured, WatchEvent,
};
use kclient_rest::{Error, RestClient};
use serde::de::DeserializeOwned;

pub(crate) mod decode;
mod page;
mod parallel;
mod prefetch;
mod protobuf;

use crate::compact::Compact;
use crate::reflector::Transform;

/// The decoder's message names the problem and position, never the body (it may hold
/// secrets), like kclient-rest's own decode errors.
fn decode_error<K>(message: &str, received: usize) -> Error {
    Error::Decode {
        message: format!(
            "{message} (decoding a list of {} after {received} bytes)",
            std::any::type_name::<K>()
        ),
    }
}

/// A stream of watch events; it ends when the server closes the watch.
pub type WatchStream<K> = BoxStream<'static, Result<WatchEvent<K>, Error>>;

/// Lists and watches one collection (client-go's `cache.ListerWatcher`).
pub trait ListerWatcher<K>: Send + Sync {
    /// One list request with `options` (limit, continue, resourceVersion...): a page of
    /// items with the list's resourceVersion and, when more pages follow, its continue token.
    fn list(&self, options: &ListOptions) -> BoxFuture<'_, Result<ObjectList<K>, Error>>;
    /// Starts a watch with `options` (resourceVersion, bookmarks, timeout, watch-list...).
    fn watch(&self, options: &ListOptions) -> BoxFuture<'_, Result<WatchStream<K>, Error>>;

    /// Offers a reflector's transform to apply where objects are decoded (for
    /// [`RestListerWatcher`], on its decode threads). Returns `true` if every object this
    /// lister-watcher lists or watches from now on has been through `transform`, so the caller
    /// must not apply it again. Default: `false`, the caller transforms.
    fn apply_transform(&mut self, transform: &Transform<K>) -> bool {
        let _ = transform;
        false
    }
}

/// Lists and watches a collection over a [`RestClient`]: one namespace or all, optionally
/// filtered by label and field selectors (applied to every list and watch).
pub struct RestListerWatcher<K> {
    client: RestClient,
    group_version: GroupVersion,
    plural: String,
    namespaced: bool,
    namespace: Option<String>,
    label_selector: Option<String>,
    field_selector: Option<String>,
    decode_parallelism: NonZeroUsize,
    /// The kind has a protobuf form (a built-in kind read as itself): ask for it as the
    /// config's content negotiation says; JSON otherwise (`Compact`, `Unstructured`, custom
    /// resources).
    protobuf: bool,
    transform: Option<Transform<K>>,
    /// The next page of the paginated list being read, fetched ahead.
    prefetch: parking_lot::Mutex<Option<prefetch::Prefetched<K>>>,
    _object: PhantomData<fn() -> K>,
}

impl<K> Clone for RestListerWatcher<K> {
    fn clone(&self) -> Self {
        Self {
            client: self.client.clone(),
            group_version: self.group_version.clone(),
            plural: self.plural.clone(),
            namespaced: self.namespaced,
            namespace: self.namespace.clone(),
            label_selector: self.label_selector.clone(),
            field_selector: self.field_selector.clone(),
            decode_parallelism: self.decode_parallelism,
            protobuf: self.protobuf,
            transform: self.transform.clone(),
            // A clone reads its own lists.
            prefetch: parking_lot::Mutex::default(),
            _object: PhantomData,
        }
    }
}

impl<K> fmt::Debug for RestListerWatcher<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RestListerWatcher")
            .field("group_version", &self.group_version.to_string())
            .field("plural", &self.plural)
            .field("namespace", &self.namespace)
            .field("label_selector", &self.label_selector)
            .field("field_selector", &self.field_selector)
            .field("decode_parallelism", &self.decode_parallelism)
            .field("protobuf", &self.protobuf)
            .field("transform", &self.transform.is_some())
            .finish()
    }
}

impl<K: Resource> RestListerWatcher<K> {
    /// Lists and watches `K` in all namespaces (or cluster-wide).
    pub fn new(client: RestClient) -> Self {
        let mut lw = Self::from_parts(client, K::group_version(), K::PLURAL, K::namespaced());
        lw.protobuf = K::PROTOBUF;
        lw
    }
}

impl<K: Resource> RestListerWatcher<Compact<K>> {
    /// Lists and watches `K` in all namespaces (or cluster-wide), keeping each object as
    /// [`Compact`]: the server's bytes plus typed metadata. Like [`RestListerWatcher::new`]
    /// it asks for protobuf first when `K` has a protobuf form, so a built-in kind's objects
    /// are kept as their protobuf messages.
    pub fn compact(client: RestClient) -> Self {
        let mut lw = Self::from_parts(client, K::group_version(), K::PLURAL, K::namespaced());
        lw.protobuf = K::PROTOBUF;
        lw
    }
}

impl RestListerWatcher<Unstructured> {
    /// Lists and watches any resource as [`Unstructured`] objects; `namespaced` is the
    /// resource's scope (from discovery or a RESTMapper).
    pub fn dynamic(client: RestClient, gvr: &GroupVersionResource, namespaced: bool) -> Self {
        Self::from_parts(
            client,
            GroupVersion::new(gvr.group.clone(), gvr.version.clone()),
            gvr.resource.clone(),
            namespaced,
        )
    }
}

impl<K> RestListerWatcher<K> {
    fn from_parts(
        client: RestClient,
        group_version: GroupVersion,
        plural: impl Into<String>,
        namespaced: bool,
    ) -> Self {
        Self {
            client,
            group_version,
            plural: plural.into(),
            namespaced,
            namespace: None,
            label_selector: None,
            field_selector: None,
            decode_parallelism: kclient_rest::batch::default_parallelism(),
            protobuf: false,
            transform: None,
            prefetch: parking_lot::Mutex::default(),
            _object: PhantomData,
        }
    }

    /// How many batches of a list's items or of watch events decode at once on tokio's
    /// blocking pool while the rest of the body arrives. Default: the cores available to the
    /// process, at most 4; 1 decodes on the task reading the body, as client-go and kube-rs do.
    #[must_use]
    pub fn decode_parallelism(mut self, parallelism: NonZeroUsize) -> Self {
        self.decode_parallelism = parallelism;
        self
    }

    /// Restricts to one namespace (ignored for cluster-scoped resources). Default: all.
    #[must_use]
    pub fn namespace(mut self, namespace: impl Into<String>) -> Self {
        self.namespace = Some(namespace.into()).filter(|ns: &String| !ns.is_empty());
        self
    }

    /// Restricts to objects matching a label selector. Default: none.
    #[must_use]
    pub fn labels(mut self, selector: impl Into<String>) -> Self {
        self.label_selector = Some(selector.into()).filter(|s: &String| !s.is_empty());
        self
    }

    /// Restricts to objects matching a field selector. Default: none.
    #[must_use]
    pub fn fields(mut self, selector: impl Into<String>) -> Self {
        self.field_selector = Some(selector.into()).filter(|s: &String| !s.is_empty());
        self
    }

    fn request(&self, options: &ListOptions) -> kclient_rest::Request {
        let mut options = options.clone();
        if self.label_selector.is_some() {
            options.label_selector.clone_from(&self.label_selector);
        }
        if self.field_selector.is_some() {
            options.field_selector.clone_from(&self.field_selector);
        }
        let mut req = self.client.get().group_version(&self.group_version);
        if let Some(ns) = self.namespace.as_deref().filter(|_| self.namespaced) {
            req = req.namespace(ns);
        }
        req.resource(self.plural.as_str())
            .params(&options)
            .accept_negotiated(self.protobuf)
    }
}

impl<K: Object + DeserializeOwned> ListerWatcher<K> for RestListerWatcher<K> {
    fn list(&self, options: &ListOptions) -> BoxFuture<'_, Result<ObjectList<K>, Error>> {
        let options = options.clone();
        Box::pin(async move {
            // Any other request than the one prefetched drops (aborts) the prefetch.
            let prefetched = self.prefetch.lock().take();
            if let Some(ahead) = prefetched.filter(|p| p.options == options) {
                let page = ahead.page().await?;
                if let Some(token) = page.continue_token() {
                    self.prefetch_next(&options, token);
                }
                return Ok(page);
            }
            // Only a paginated list has a next page to fetch ahead.
            let on_continue = options
                .limit
                .is_some()
                .then_some(|token: String| self.prefetch_next(&options, &token));
            let page =
                prefetch::fetch_page(self.request(&options), self.decoding(), on_continue).await;
            if page.is_err() {
                // Its continue token came from the failed page: nobody will ask for it.
                self.prefetch.lock().take();
            }
            page
        })
    }

    fn watch(&self, options: &ListOptions) -> BoxFuture<'_, Result<WatchStream<K>, Error>> {
        let req = self.request(options);
        let parallelism = self.decode_parallelism;
        let transform = self.transform.clone();
        Box::pin(async move {
            if parallelism.get() == 1 {
                let events = req.watch::<K>().await?;
                return Ok(match transform {
                    Some(t) => events
                        .map(move |event| event.map(|e| e.map(|object| t(object))))
                        .boxed(),
                    None => events.boxed(),
                });
            }
            // Bursts (watch-list's initial events, a backlog after a pause) decode on
            // several cores; single events still decode as soon as they arrive.
            let events = req.watch_parallel::<K>(parallelism).await?;
            Ok(match transform {
                Some(t) => events.map_objects(t).boxed(),
                None => events.boxed(),
            })
        })
    }

    fn apply_transform(&mut self, transform: &Transform<K>) -> bool {
        self.transform = Some(transform.clone());
        true
    }
}

impl<K: DeserializeOwned + Send + 'static> RestListerWatcher<K> {
    fn decoding(&self) -> prefetch::PageDecoding<K> {
        prefetch::PageDecoding {
            parallelism: self.decode_parallelism,
            transform: self.transform.clone(),
        }
    }

    /// Starts the page after the one `options` asked for.
    fn prefetch_next(&self, options: &ListOptions, token: &str) {
        let next = options.next_page(token);
        let request = self.request(&next);
        let ahead = prefetch::Prefetched::spawn(next, request, self.decoding());
        *self.prefetch.lock() = Some(ahead);
    }
}

impl<K, T: ListerWatcher<K> + ?Sized> ListerWatcher<K> for std::sync::Arc<T> {
    fn list(&self, options: &ListOptions) -> BoxFuture<'_, Result<ObjectList<K>, Error>> {
        (**self).list(options)
    }

    fn watch(&self, options: &ListOptions) -> BoxFuture<'_, Result<WatchStream<K>, Error>> {
        (**self).watch(options)
    }
}

impl<K, T: ListerWatcher<K> + ?Sized> ListerWatcher<K> for Box<T> {
    fn list(&self, options: &ListOptions) -> BoxFuture<'_, Result<ObjectList<K>, Error>> {
        (**self).list(options)
    }

    fn watch(&self, options: &ListOptions) -> BoxFuture<'_, Result<WatchStream<K>, Error>> {
        (**self).watch(options)
    }

    fn apply_transform(&mut self, transform: &Transform<K>) -> bool {
        (**self).apply_transform(transform)
    }
}
