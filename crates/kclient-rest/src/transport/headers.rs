//! Static per-client request decoration: the base URL, `User-Agent`, `Accept` and the
//! impersonation headers (client-go's `userAgentRoundTripper` and
//! `impersonatingRoundTripper`).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use http::header::{ACCEPT, USER_AGENT};
use http::uri::{Parts, PathAndQuery};
use http::{HeaderName, HeaderValue, Request, Uri};
use tower_layer::Layer;
use tower_service::Service;

use crate::error::Error;

/// Resolves relative request URIs against a base URL and adds the per-client headers.
#[derive(Clone, Debug)]
pub struct HeadersLayer {
    shared: Arc<Shared>,
}

#[derive(Clone, Debug)]
struct Shared {
    base: Uri,
    user_agent: Option<HeaderValue>,
    impersonate: Vec<(HeaderName, HeaderValue)>,
}

impl HeadersLayer {
    /// `base` is `scheme://authority[/base/path]`; request URIs without an authority are
    /// resolved against it (their path appended to the base path).
    pub fn new(base: Uri) -> Self {
        Self {
            shared: Arc::new(Shared {
                base,
                user_agent: None,
                impersonate: Vec::new(),
            }),
        }
    }

    /// Sets `User-Agent` on requests that have none. An invalid value is a configuration error.
    pub fn user_agent(mut self, user_agent: &str) -> Result<Self, Error> {
        let value = HeaderValue::from_str(user_agent)
            .map_err(|_| Error::Config(format!("invalid user agent {user_agent:?}")))?;
        self.shared_mut().user_agent = Some(value);
        Ok(self)
    }

    /// Adds the impersonation headers (from `kclient_config::Impersonate::try_headers`) to
    /// every request that does not already impersonate someone.
    pub fn impersonate(mut self, headers: Vec<(HeaderName, HeaderValue)>) -> Self {
        self.shared_mut().impersonate = headers;
        self
    }

    fn shared_mut(&mut self) -> &mut Shared {
        Arc::make_mut(&mut self.shared)
    }
}

impl<S> Layer<S> for HeadersLayer {
    type Service = Headers<S>;

    fn layer(&self, inner: S) -> Headers<S> {
        Headers {
            inner,
            shared: self.shared.clone(),
        }
    }
}

/// The service produced by [`HeadersLayer`].
#[derive(Clone, Debug)]
pub struct Headers<S> {
    inner: S,
    shared: Arc<Shared>,
}

impl<S, B> Service<Request<B>> for Headers<S>
where
    S: Service<Request<B>, Error = Error>,
    S::Future: Send + 'static,
{
    type Response = S::Response;
    type Error = Error;
    type Future = Pin<Box<dyn Future<Output = Result<S::Response, Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request<B>) -> Self::Future {
        if req.uri().authority().is_none() {
            match resolve(&self.shared.base, req.uri()) {
                Ok(uri) => *req.uri_mut() = uri,
                Err(err) => return Box::pin(async move { Err(err) }),
            }
        }
        let headers = req.headers_mut();
        if let Some(ua) = &self.shared.user_agent
            && !headers.contains_key(USER_AGENT)
        {
            headers.insert(USER_AGENT, ua.clone());
        }
        if !headers.contains_key(ACCEPT) {
            headers.insert(ACCEPT, HeaderValue::from_static("application/json, */*"));
        }
        if !headers.contains_key("impersonate-user") {
            for (name, value) in &self.shared.impersonate {
                headers.append(name.clone(), value.clone());
            }
        }
        Box::pin(self.inner.call(req))
    }
}

/// Joins a relative URI (path and query) onto `base`'s scheme, authority and path.
pub(crate) fn resolve(base: &Uri, relative: &Uri) -> Result<Uri, Error> {
    let base_path = base.path().trim_end_matches('/');
    let rel_path = relative.path();
    let mut path_and_query = String::with_capacity(base_path.len() + rel_path.len() + 1);
    path_and_query.push_str(base_path);
    if !rel_path.starts_with('/') {
        path_and_query.push('/');
    }
    path_and_query.push_str(rel_path);
    if let Some(query) = relative.query() {
        path_and_query.push('?');
        path_and_query.push_str(query);
    }
    let mut parts = Parts::default();
    parts.scheme = base.scheme().cloned();
    parts.authority = base.authority().cloned();
    parts.path_and_query = Some(
        PathAndQuery::try_from(path_and_query)
            .map_err(|e| Error::invalid(format!("invalid request path: {e}")))?,
    );
    Uri::from_parts(parts).map_err(|e| Error::invalid(format!("invalid request URL: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tower::ServiceExt;

    #[test]
    fn resolves_against_base_path() {
        let base = Uri::from_static("https://k8s.example:6443/prefix/");
        let got = resolve(&base, &Uri::from_static("/api/v1/pods?limit=1")).unwrap();
        assert_eq!(got, "https://k8s.example:6443/prefix/api/v1/pods?limit=1");
        let base = Uri::from_static("http://127.0.0.1:8080");
        let got = resolve(&base, &Uri::from_static("/version")).unwrap();
        assert_eq!(got, "http://127.0.0.1:8080/version");
    }

    #[tokio::test]
    async fn adds_headers_without_overriding() {
        let echo = tower::service_fn(|req: Request<()>| async move { Ok::<_, Error>(req) });
        let layer = HeadersLayer::new(Uri::from_static("https://k8s:6443"))
            .user_agent("kclient-test/1.0")
            .unwrap()
            .impersonate(vec![
                (
                    HeaderName::from_static("impersonate-user"),
                    HeaderValue::from_static("alice"),
                ),
                (
                    HeaderName::from_static("impersonate-group"),
                    HeaderValue::from_static("g1"),
                ),
                (
                    HeaderName::from_static("impersonate-group"),
                    HeaderValue::from_static("g2"),
                ),
            ]);
        let svc = layer.layer(echo);

        let req = Request::get("/api").body(()).unwrap();
        let seen = svc.clone().oneshot(req).await.unwrap();
        assert_eq!(seen.uri(), "https://k8s:6443/api");
        assert_eq!(seen.headers()["user-agent"], "kclient-test/1.0");
        assert_eq!(seen.headers()["accept"], "application/json, */*");
        assert_eq!(seen.headers()["impersonate-user"], "alice");
        let groups: Vec<_> = seen.headers().get_all("impersonate-group").iter().collect();
        assert_eq!(groups, ["g1", "g2"]);

        let req = Request::get("https://other/x")
            .header("user-agent", "mine")
            .header("accept", "application/yaml")
            .header("impersonate-user", "bob")
            .body(())
            .unwrap();
        let seen = svc.oneshot(req).await.unwrap();
        assert_eq!(seen.uri(), "https://other/x");
        assert_eq!(seen.headers()["user-agent"], "mine");
        assert_eq!(seen.headers()["accept"], "application/yaml");
        assert_eq!(seen.headers()["impersonate-user"], "bob");
        assert!(seen.headers().get("impersonate-group").is_none());
    }

    #[test]
    fn invalid_user_agent_is_a_config_error() {
        let err = HeadersLayer::new(Uri::from_static("http://x"))
            .user_agent("bad\nagent")
            .unwrap_err();
        assert!(matches!(err, Error::Config(_)));
    }
}
