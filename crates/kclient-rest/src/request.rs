//! [`Request`]: client-go's request builder — the same setters, the same validation and the
//! same URL layout (`/{prefix}/namespaces/{ns}/{resource}/{name}/{subresource}/{suffix}`).
//!
//! Setters never fail on their own: like client-go, the first problem is remembered and
//! returned by the terminal call (`send`, `into_json`, `stream`, `watch`, `url`) before any I/O.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use http::header::CONTENT_TYPE;
use http::{HeaderMap, HeaderName, HeaderValue, Method, Uri};
use kclient_core::gvk::GroupVersion;
use kclient_core::params::QueryParams;
use kclient_core::patch::Patch;
use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
use serde::Serialize;

use crate::client::RestClient;
use crate::error::Error;
use crate::path::{go_duration, join, validate_segment};

/// Characters escaped in the URL path (Go's `url.URL.EscapedPath` rules, roughly): everything
/// that cannot appear raw in an RFC 3986 path.
const PATH: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'[')
    .add(b'\\')
    .add(b']')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

/// A request under construction. Obtain one from [`RestClient::get`] and friends.
///
/// ```no_run
/// # async fn demo(client: kclient_rest::RestClient) -> Result<(), kclient_rest::Error> {
/// use k8s_openapi::{List, api::core::v1::Pod};
/// let pods: List<Pod> = client
///     .get()
///     .prefix(["api", "v1"])
///     .namespace("default")
///     .resource("pods")
///     .param("limit", "10")
///     .into_json()
///     .await?;
/// # Ok(()) }
/// ```
#[must_use = "a request does nothing until a terminal call such as `send` or `into_json`"]
pub struct Request {
    pub(crate) client: RestClient,
    pub(crate) method: Method,
    path_prefix: String,
    pub(crate) group: String,
    namespace: Option<String>,
    pub(crate) resource: String,
    pub(crate) name: String,
    subresource: String,
    subpath: String,
    params: BTreeMap<String, Vec<String>>,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Option<Bytes>,
    pub(crate) timeout: Option<Duration>,
    err: Option<Error>,
}

impl Request {
    pub(crate) fn new(client: RestClient, method: Method) -> Self {
        let path_prefix = join(["/", client.base_path()]);
        Self {
            client,
            method,
            path_prefix,
            group: String::new(),
            namespace: None,
            resource: String::new(),
            name: String::new(),
            subresource: String::new(),
            subpath: String::new(),
            params: BTreeMap::new(),
            headers: HeaderMap::new(),
            body: None,
            timeout: None,
            err: None,
        }
    }

    fn fail(mut self, message: String) -> Self {
        if self.err.is_none() {
            self.err = Some(Error::InvalidRequest(message));
        }
        self
    }

    /// Marks the request invalid: sending it fails with [`Error::InvalidRequest`] and
    /// `message`, before any I/O (the first such error wins). For layers above that validate
    /// their own inputs the way this builder validates path segments.
    pub fn invalid(self, message: impl Into<String>) -> Self {
        self.fail(message.into())
    }

    /// The HTTP method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// Appends segments to the path prefix (`.prefix(["apis", "apps", "v1"])`).
    pub fn prefix<I, S>(mut self, segments: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        if self.err.is_some() {
            return self;
        }
        let segments: Vec<S> = segments.into_iter().collect();
        let joined = join(segments.iter().map(AsRef::as_ref));
        self.path_prefix = join([self.path_prefix.as_str(), joined.as_str()]);
        self
    }

    /// Sets the prefix to a group-version root: `/api/v1` for the core group, `/apis/{g}/{v}`
    /// otherwise (under the host's base path). Also records the group for error messages.
    pub fn group_version(mut self, gv: &GroupVersion) -> Self {
        if self.err.is_some() {
            return self;
        }
        self.group = gv.group.clone();
        let root = if gv.group.is_empty() {
            format!("/api/{}", gv.version)
        } else {
            format!("/apis/{}/{}", gv.group, gv.version)
        };
        self.path_prefix = join(["/", self.client.base_path(), root.as_str()]);
        self
    }

    /// Replaces the whole path (under the host's base path), like client-go's `AbsPath`. A single
    /// segment's trailing `/` is kept.
    pub fn abs_path<I, S>(mut self, segments: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        if self.err.is_some() {
            return self;
        }
        let segments: Vec<S> = segments.into_iter().collect();
        let joined = join(segments.iter().map(AsRef::as_ref));
        let base = format!("/{}/", self.client.base_path().trim_matches('/'));
        let base = if base == "//" { "/".to_owned() } else { base };
        let mut prefix = join([base.as_str(), joined.as_str()]);
        if prefix.is_empty() {
            prefix = "/".to_owned();
        }
        if let [only] = segments.as_slice() {
            let only = only.as_ref();
            if (base.len() > 1 || only.len() > 1) && only.ends_with('/') && !prefix.ends_with('/') {
                prefix.push('/');
            }
        }
        self.path_prefix = prefix;
        self
    }

    /// Sets the namespace. Setting it twice is an error; `""` means "all namespaces" (no
    /// `/namespaces/` segment).
    pub fn namespace(mut self, namespace: impl Into<String>) -> Self {
        if self.err.is_some() {
            return self;
        }
        let namespace = namespace.into();
        if let Some(existing) = &self.namespace {
            let msg =
                format!("namespace already set to {existing:?}, cannot change to {namespace:?}");
            return self.fail(msg);
        }
        if let Err(msg) = validate_segment("namespace", &namespace) {
            return self.fail(msg);
        }
        self.namespace = Some(namespace);
        self
    }

    /// Sets the namespace only when `scoped` (for resources that may be cluster-scoped).
    pub fn namespace_if_scoped(self, scoped: bool, namespace: impl Into<String>) -> Self {
        if scoped {
            self.namespace(namespace)
        } else {
            self
        }
    }

    /// Sets the resource (plural, e.g. `pods`; lower-cased in the URL). Setting it twice is an error.
    pub fn resource(mut self, resource: impl Into<String>) -> Self {
        if self.err.is_some() {
            return self;
        }
        let resource = resource.into();
        if !self.resource.is_empty() {
            let msg = format!(
                "resource already set to {:?}, cannot change to {resource:?}",
                self.resource
            );
            return self.fail(msg);
        }
        if let Err(msg) = validate_segment("resource", &resource) {
            return self.fail(msg);
        }
        self.resource = resource;
        self
    }

    /// Sets the object name. Empty names and setting it twice are errors.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        if self.err.is_some() {
            return self;
        }
        let name = name.into();
        if name.is_empty() {
            return self.fail("resource name may not be empty".to_owned());
        }
        if !self.name.is_empty() {
            let msg = format!(
                "resource name already set to {:?}, cannot change to {name:?}",
                self.name
            );
            return self.fail(msg);
        }
        if let Err(msg) = validate_segment("resource name", &name) {
            return self.fail(msg);
        }
        self.name = name;
        self
    }

    /// Sets the subresource (`status`, `scale`, `log`, ...); several segments are joined with `/`.
    pub fn subresource<I, S>(mut self, segments: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        if self.err.is_some() {
            return self;
        }
        let segments: Vec<String> = segments
            .into_iter()
            .map(|s| s.as_ref().to_owned())
            .collect();
        let subresource = segments.join("/");
        if !self.subresource.is_empty() {
            let msg = format!(
                "subresource already set to {:?}, cannot change to {subresource:?}",
                self.subresource
            );
            return self.fail(msg);
        }
        for segment in &segments {
            if let Err(msg) = validate_segment("subresource", segment) {
                return self.fail(msg);
            }
        }
        self.subresource = subresource;
        self
    }

    /// Appends segments after the name and subresource (not validated, like client-go's `Suffix`).
    pub fn suffix<I, S>(mut self, segments: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        if self.err.is_some() {
            return self;
        }
        let segments: Vec<S> = segments.into_iter().collect();
        let joined = join(segments.iter().map(AsRef::as_ref));
        self.subpath = join([self.subpath.as_str(), joined.as_str()]);
        self
    }

    /// Adds a query parameter (repeatable: values accumulate).
    pub fn param(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        if self.err.is_none() {
            self.params
                .entry(key.into())
                .or_default()
                .push(value.into());
        }
        self
    }

    /// Sets a query parameter, replacing any earlier values.
    pub(crate) fn set_param(mut self, key: &str, value: &str) -> Self {
        if self.err.is_none() {
            self.params.insert(key.to_owned(), vec![value.to_owned()]);
        }
        self
    }

    /// Adds the query parameters of an options value (`ListOptions`, `GetOptions`, ...).
    pub fn params<P: QueryParams + ?Sized>(mut self, options: &P) -> Self {
        if self.err.is_some() {
            return self;
        }
        for (key, value) in options.query_pairs() {
            self.params.entry(key.to_owned()).or_default().push(value);
        }
        self
    }

    /// Sets a request header (replacing earlier values of that header).
    pub fn header<K, V>(mut self, name: K, value: V) -> Self
    where
        K: TryInto<HeaderName>,
        V: TryInto<HeaderValue>,
    {
        if self.err.is_some() {
            return self;
        }
        let Ok(name) = name.try_into() else {
            return self.fail("invalid header name".to_owned());
        };
        let Ok(value) = value.try_into() else {
            // The value is not quoted: it may be a credential.
            return self.fail(format!("invalid value for header {name}"));
        };
        self.headers.insert(name, value);
        self
    }

    /// Sets the body to `value` as JSON (`Content-Type: application/json`).
    pub fn body_json<T: Serialize + ?Sized>(self, value: &T) -> Self {
        if self.err.is_some() {
            return self;
        }
        match serde_json::to_vec(value) {
            Ok(bytes) => self.body_bytes("application/json", Bytes::from(bytes)),
            Err(err) => self.fail(format!("failed to encode the request body: {err}")),
        }
    }

    /// Sets the body to a typed object in the media type the config asks for
    /// (`Config::content_type`): Kubernetes protobuf when it says protobuf and the kind has a
    /// protobuf form ([`Resource::PROTOBUF`](kclient_core::Resource::PROTOBUF)), JSON
    /// otherwise.
    pub fn body_object<K: kclient_core::Resource>(self, object: &K) -> Self {
        if self.err.is_some() {
            return self;
        }
        if !self.client.config().sends_protobuf(K::PROTOBUF) {
            return self.body_json(object);
        }
        match kclient_protobuf::encode_as(K::API_VERSION, K::KIND, object) {
            Ok(bytes) => self.body_bytes(kclient_protobuf::CONTENT_TYPE, Bytes::from(bytes)),
            Err(err) => self.fail(format!("failed to encode the request body: {err}")),
        }
    }

    /// Sets `Accept` by content negotiation (`kclient_config::content`): for a response of a
    /// kind with a protobuf form (`protobuf_kind`, a built-in kind) the config's
    /// `accept_content_types` (default protobuf, then JSON); JSON otherwise. Responses are
    /// decoded by the `Content-Type` the server chose.
    pub fn accept_negotiated(self, protobuf_kind: bool) -> Self {
        let accept = self.client.config().accept_for(protobuf_kind).to_owned();
        self.header(http::header::ACCEPT, accept)
    }

    /// Sets a raw body with its content type.
    pub fn body_bytes(mut self, content_type: &str, body: impl Into<Bytes>) -> Self {
        if self.err.is_some() {
            return self;
        }
        let Ok(value) = HeaderValue::from_str(content_type) else {
            return self.fail(format!("invalid content type {content_type:?}"));
        };
        self.headers.insert(CONTENT_TYPE, value);
        self.body = Some(body.into());
        self
    }

    /// Sets a patch body and its content type.
    pub fn patch_body(self, patch: &Patch) -> Self {
        if self.err.is_some() {
            return self;
        }
        match patch.to_body() {
            Ok(bytes) => self.body_bytes(patch.content_type(), bytes),
            Err(err) => self.fail(format!("failed to encode the patch: {err}")),
        }
    }

    /// Bounds the whole call (rate-limit waits, retries, reading the body) and sends the
    /// server `?timeout=` (Go duration syntax). Defaults to `Config::timeout`. For `stream`
    /// and `watch` only the wait for the response headers is bounded.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The timeout in effect: this request's, else the client's.
    pub(crate) fn effective_timeout(&self) -> Option<Duration> {
        self.timeout
            .or(self.client.config().timeout)
            .filter(|t| !t.is_zero())
    }

    /// The path, as client-go's `Request.URL()` builds it.
    pub(crate) fn path(&self) -> String {
        let mut path = self.path_prefix.clone();
        if let Some(ns) = self.namespace.as_deref().filter(|ns| !ns.is_empty()) {
            path = join([path.as_str(), "namespaces", ns]);
        }
        if !self.resource.is_empty() {
            path = join([path.as_str(), self.resource.to_lowercase().as_str()]);
        }
        if !self.name.is_empty() || !self.subpath.is_empty() || !self.subresource.is_empty() {
            path = join([
                path.as_str(),
                self.name.as_str(),
                self.subresource.as_str(),
                self.subpath.as_str(),
            ]);
        }
        path
    }

    /// The query string: parameters sorted by key (as Go's `url.Values.Encode`), `timeout` last set.
    fn query(&self) -> String {
        let mut params = self.params.clone();
        if let Some(timeout) = self.effective_timeout() {
            params.insert("timeout".to_owned(), vec![go_duration(timeout)]);
        }
        let mut query = form_urlencoded::Serializer::new(String::new());
        for (key, values) in &params {
            for value in values {
                query.append_pair(key, value);
            }
        }
        query.finish()
    }

    /// The first error recorded by a setter, or a violation of client-go's preflight rules.
    pub(crate) fn check(&mut self) -> Result<(), Error> {
        if let Some(err) = self.err.take() {
            return Err(err);
        }
        let empty_ns = self.namespace.as_deref() == Some("");
        if empty_ns
            && !self.name.is_empty()
            && matches!(self.method, Method::GET | Method::PUT | Method::DELETE)
        {
            return Err(Error::invalid(
                "an empty namespace may not be set when a resource name is provided",
            ));
        }
        if empty_ns && self.method == Method::POST {
            return Err(Error::invalid(
                "an empty namespace may not be set during creation",
            ));
        }
        Ok(())
    }

    /// The full URL this request would be sent to (validation errors included).
    pub fn url(mut self) -> Result<Uri, Error> {
        self.check()?;
        self.build_uri()
    }

    pub(crate) fn build_uri(&self) -> Result<Uri, Error> {
        let path = utf8_percent_encode(&self.path(), PATH).to_string();
        let query = self.query();
        let host = &self.client.config().host;
        let scheme = host.scheme_str().unwrap_or("https");
        let authority = host
            .authority()
            .ok_or_else(|| Error::Config(format!("host {host} has no authority")))?;
        let mut url = format!("{scheme}://{authority}{path}");
        if !query.is_empty() {
            url.push('?');
            url.push_str(&query);
        }
        url.parse::<Uri>()
            .map_err(|e| Error::invalid(format!("invalid request URL: {e}")))
    }
}

impl fmt::Debug for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<String> = self
            .headers
            .iter()
            .map(|(name, value)| {
                if value.is_sensitive() || is_credential_header(name) {
                    format!("{name}: [redacted]")
                } else {
                    format!("{name}: {}", value.to_str().unwrap_or("[binary]"))
                }
            })
            .collect();
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("path", &self.path())
            .field("params", &self.params)
            .field("headers", &headers)
            .field("body_len", &self.body.as_ref().map(Bytes::len))
            .field("timeout", &self.timeout)
            .field("error", &self.err)
            .finish()
    }
}

fn is_credential_header(name: &HeaderName) -> bool {
    matches!(
        name.as_str(),
        "authorization" | "proxy-authorization" | "cookie" | "x-remote-user"
    )
}

#[cfg(test)]
#[path = "request_tests.rs"]
mod tests;
