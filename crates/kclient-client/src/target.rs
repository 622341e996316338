//! The one request layer every client shares: "a resource at (group-version-resource,
//! namespace)". Typed, dynamic and metadata clients are thin wrappers that pick the body and
//! response types, so each verb's URL, method, query and body rules are written once here.

use std::fmt;
use std::sync::Arc;

use http::Method;
use http::header::ACCEPT;
use kclient_core::gvk::{GroupVersion, GroupVersionResource};
use kclient_core::params::{
    CreateOptions, DeleteOptions, GetOptions, ListOptions, PatchOptions, UpdateOptions,
};
use kclient_core::patch::Patch;
use kclient_rest::{EventStream, Request, RestClient};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::Error;
use crate::delete::{DeleteResponse, decode_delete};

/// The `Accept` header for a metadata-only object (`PartialObjectMetadata`).
pub(crate) const ACCEPT_METADATA: &str =
    "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json";
/// The `Accept` header for a metadata-only list (`PartialObjectMetadataList`).
pub(crate) const ACCEPT_METADATA_LIST: &str =
    "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json";

/// What representation the responses should come in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Representation {
    /// The resource's own JSON (custom resources, dynamic objects).
    Full,
    /// A built-in kind with a protobuf form: asked for as the config's content negotiation
    /// says (protobuf, then JSON, by default), decoded by the `Content-Type` the server chose.
    Negotiated,
    /// `PartialObjectMetadata` / `PartialObjectMetadataList`.
    Metadata,
}

/// A request body: JSON, or a typed object in the media type the config asks for
/// (`Request::body_object`: protobuf for built-in kinds when `Config::content_type` says so).
pub(crate) enum Body<'a, B: ?Sized> {
    /// Always JSON (dynamic objects, subresource bodies).
    Json(&'a B),
    /// A typed object, written as `Request::body_object` chooses.
    Object(&'a B, fn(Request, &B) -> Request),
}

impl<B: Serialize + ?Sized> Body<'_, B> {
    fn set(self, req: Request) -> Request {
        match self {
            Self::Json(body) => req.body_json(body),
            Self::Object(body, write) => write(req, body),
        }
    }
}

impl<'a, K: kclient_core::Resource> Body<'a, K> {
    /// `object` as `Request::body_object` writes it.
    pub(crate) fn object(object: &'a K) -> Self {
        Self::Object(object, |req, object| req.body_object(object))
    }
}

/// Where the requests go. Shared behind an `Arc` so clients clone in two reference-count bumps.
struct Location {
    group_version: GroupVersion,
    resource: String,
    /// `None`: cluster-scoped resource, or a namespaced one across all namespaces.
    namespace: Option<String>,
    representation: Representation,
}

/// A resource at (gvr, namespace) with the client that reaches it.
#[derive(Clone)]
pub(crate) struct Target {
    client: RestClient,
    location: Arc<Location>,
}

impl fmt::Debug for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Target")
            .field("group_version", &self.location.group_version.api_version())
            .field("resource", &self.location.resource)
            .field("namespace", &self.location.namespace)
            .finish()
    }
}

impl Target {
    pub(crate) fn new(
        client: RestClient,
        gvr: &GroupVersionResource,
        namespace: Option<String>,
        representation: Representation,
    ) -> Self {
        Self {
            client,
            location: Arc::new(Location {
                group_version: gvr.group_version(),
                resource: gvr.resource.clone(),
                namespace,
                representation,
            }),
        }
    }

    pub(crate) fn client(&self) -> &RestClient {
        &self.client
    }

    pub(crate) fn namespace(&self) -> Option<&str> {
        self.location.namespace.as_deref()
    }

    pub(crate) fn resource(&self) -> &str {
        &self.location.resource
    }

    pub(crate) fn group_version(&self) -> &GroupVersion {
        &self.location.group_version
    }

    /// The same resource in another namespace (`None`: cluster-wide / all namespaces).
    pub(crate) fn with_namespace(&self, namespace: Option<String>) -> Self {
        let loc = &self.location;
        Self {
            client: self.client.clone(),
            location: Arc::new(Location {
                group_version: loc.group_version.clone(),
                resource: loc.resource.clone(),
                namespace,
                representation: loc.representation,
            }),
        }
    }

    /// A request for the collection (no name yet).
    pub(crate) fn request(&self, method: Method) -> Request {
        let loc = &self.location;
        let req = self
            .client
            .verb(method)
            .group_version(&loc.group_version)
            .resource(loc.resource.as_str());
        match loc.namespace.as_deref() {
            // client-go reads an empty namespace as "all namespaces"; here that choice is
            // explicit (`Api::all_namespaces`, a cluster-scoped `Api::all`), so an empty one
            // is a mistake, caught before it reads or deletes across every namespace.
            Some("") => req.invalid(format!(
                "an empty namespace for {}: use the all-namespaces client to read every \
                 namespace",
                loc.resource
            )),
            Some(ns) => req.namespace(ns),
            None => req,
        }
    }

    /// A request for one object, optionally a subresource of it.
    pub(crate) fn object_request(
        &self,
        method: Method,
        name: &str,
        subresource: Option<&str>,
    ) -> Request {
        let req = self.request(method).name(name);
        match subresource {
            Some(sub) => req.subresource([sub]),
            None => req,
        }
    }

    fn accept_object(&self, req: Request) -> Request {
        match self.location.representation {
            Representation::Full => req.accept_negotiated(false),
            Representation::Negotiated => req.accept_negotiated(true),
            Representation::Metadata => req.header(ACCEPT, ACCEPT_METADATA),
        }
    }

    fn accept_list(&self, req: Request) -> Request {
        match self.location.representation {
            Representation::Full => req.accept_negotiated(false),
            Representation::Negotiated => req.accept_negotiated(true),
            Representation::Metadata => req.header(ACCEPT, ACCEPT_METADATA_LIST),
        }
    }

    /// `POST` to the collection (or to `{name}/{subresource}` when both are given).
    pub(crate) async fn create<B, T>(
        &self,
        subresource: Option<(&str, &str)>,
        body: Body<'_, B>,
        opts: &CreateOptions,
    ) -> Result<T, Error>
    where
        B: Serialize + ?Sized,
        T: DeserializeOwned,
    {
        let req = match subresource {
            Some((name, sub)) => self.object_request(Method::POST, name, Some(sub)),
            None => self.request(Method::POST),
        };
        body.set(self.accept_object(req).params(opts))
            .into_json()
            .await
    }

    /// `PUT` an object or one of its subresources.
    pub(crate) async fn replace<B, T>(
        &self,
        name: &str,
        subresource: Option<&str>,
        body: Body<'_, B>,
        opts: &UpdateOptions,
    ) -> Result<T, Error>
    where
        B: Serialize + ?Sized,
        T: DeserializeOwned,
    {
        let req = self.object_request(Method::PUT, name, subresource);
        body.set(self.accept_object(req).params(opts))
            .into_json()
            .await
    }

    /// `GET` an object or one of its subresources.
    pub(crate) async fn get<T: DeserializeOwned>(
        &self,
        name: &str,
        subresource: Option<&str>,
        opts: &GetOptions,
    ) -> Result<T, Error> {
        let req = self.object_request(Method::GET, name, subresource);
        self.accept_object(req).params(opts).into_json().await
    }

    /// `GET` the collection.
    pub(crate) async fn list<L: DeserializeOwned>(&self, opts: &ListOptions) -> Result<L, Error> {
        let req = self.request(Method::GET);
        self.accept_list(req).params(opts).into_json().await
    }

    /// `GET ?watch=true` on the collection.
    pub(crate) async fn watch<T: DeserializeOwned>(
        &self,
        opts: &ListOptions,
    ) -> Result<EventStream<T>, Error> {
        // Watch events carry single objects, so the single-object representation applies.
        let req = self.request(Method::GET);
        self.accept_object(req).params(opts).watch().await
    }

    /// `PATCH` an object or one of its subresources.
    pub(crate) async fn patch<T: DeserializeOwned>(
        &self,
        name: &str,
        subresource: Option<&str>,
        patch: &Patch,
        opts: &PatchOptions,
    ) -> Result<T, Error> {
        if matches!(patch, Patch::Apply(_))
            && opts.field_manager.as_deref().is_none_or(str::is_empty)
        {
            return Err(Error::InvalidRequest(
                "server-side apply needs a field manager (PatchOptions::apply(\"my-manager\"))"
                    .to_owned(),
            ));
        }
        let req = self.object_request(Method::PATCH, name, subresource);
        self.accept_object(req)
            .params(opts)
            .patch_body(patch)
            .into_json()
            .await
    }

    /// `DELETE` one object: the server answers with the object (still present with a
    /// deletion timestamp, or its final state) or with a `Status`.
    pub(crate) async fn delete<T: DeserializeOwned>(
        &self,
        name: &str,
        opts: &DeleteOptions,
    ) -> Result<DeleteResponse<T>, Error> {
        let req = self.object_request(Method::DELETE, name, None);
        let resp = self
            .accept_object(req)
            .params(opts)
            .body_bytes("application/json", opts.to_body())
            .send()
            .await?;
        decode_delete(&resp)
    }

    /// `DELETE` the collection (objects matching `list`'s selectors).
    pub(crate) async fn delete_collection<L: DeserializeOwned>(
        &self,
        opts: &DeleteOptions,
        list: &ListOptions,
    ) -> Result<DeleteResponse<L>, Error> {
        let req = self.request(Method::DELETE);
        let resp = self
            .accept_list(req)
            .params(list)
            .params(opts)
            .body_bytes("application/json", opts.to_body())
            .send()
            .await?;
        decode_delete(&resp)
    }
}
