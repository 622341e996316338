//! Request credentials from a [`CredentialSource`] (bearer token, token file, basic auth, exec
//! plugin), fetched for every attempt so refreshed tokens are picked up.
//!
//! On a 401 the source is invalidated (an exec plugin runs again on the next call) and, if
//! that yields a *different* `Authorization` value, the request is sent once more: client-go's
//! exec authenticator behaves the same way. Request bodies are buffered `Bytes`, so the replay
//! is always possible. A request that already carries an `Authorization` header is sent as is.
//! A client certificate returned by an exec plugin travels down as a [`ClientIdentity`]
//! request extension; the HTTP service then connects with it.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::header::AUTHORIZATION;
use http::{HeaderValue, Request, Response, StatusCode};
use kclient_config::auth::CredentialSource;
use tower::ServiceExt;
use tower_layer::Layer;
use tower_service::Service;

use super::{ClientIdentity, clone_request};
use crate::error::Error;

/// Adds credentials from a [`CredentialSource`]; anonymous sources add nothing.
#[derive(Clone, Debug)]
pub struct AuthLayer {
    source: Option<Arc<CredentialSource>>,
}

impl AuthLayer {
    /// Uses `source` for every request (nothing is added when it is anonymous).
    pub fn new(source: CredentialSource) -> Self {
        let source = (!source.is_anonymous()).then(|| Arc::new(source));
        Self { source }
    }

    /// Adds no credentials.
    pub fn anonymous() -> Self {
        Self { source: None }
    }
}

impl<S> Layer<S> for AuthLayer {
    type Service = Auth<S>;

    fn layer(&self, inner: S) -> Auth<S> {
        Auth {
            inner,
            source: self.source.clone(),
        }
    }
}

/// The service produced by [`AuthLayer`].
#[derive(Clone, Debug)]
pub struct Auth<S> {
    inner: S,
    source: Option<Arc<CredentialSource>>,
}

impl<S, B> Service<Request<Bytes>> for Auth<S>
where
    S: Service<Request<Bytes>, Response = Response<B>, Error = Error> + Clone + Send + 'static,
    S::Future: Send + 'static,
    B: Send + 'static,
{
    type Response = Response<B>;
    type Error = Error;
    type Future = Pin<Box<dyn Future<Output = Result<Response<B>, Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<Bytes>) -> Self::Future {
        let source = match &self.source {
            Some(source) if !req.headers().contains_key(AUTHORIZATION) => source.clone(),
            _ => return Box::pin(self.inner.call(req)),
        };
        let clone = self.inner.clone();
        let inner = std::mem::replace(&mut self.inner, clone);
        Box::pin(async move {
            let sent = credentials(&source).await?;
            let spare = clone_request(&req);
            let resp = inner.clone().oneshot(with_creds(req, sent.clone())).await?;
            if resp.status() != StatusCode::UNAUTHORIZED {
                return Ok(resp);
            }
            source.invalidate();
            let fresh = credentials(&source).await?;
            if fresh == sent {
                return Ok(resp);
            }
            tracing::debug!("401 Unauthorized: retrying once with refreshed credentials");
            drop(resp);
            inner.oneshot(with_creds(spare, fresh)).await
        })
    }
}

/// The header and exec-plugin client certificate for one attempt.
#[derive(Clone, PartialEq)]
struct Attempt {
    authorization: Option<HeaderValue>,
    identity: Option<ClientIdentity>,
}

async fn credentials(source: &CredentialSource) -> Result<Attempt, Error> {
    let creds = source.credentials().await.map_err(Error::Auth)?;
    Ok(Attempt {
        authorization: creds.authorization.map(|mut value| {
            value.set_sensitive(true);
            value
        }),
        identity: creds.client_cert.map(ClientIdentity),
    })
}

fn with_creds(mut req: Request<Bytes>, attempt: Attempt) -> Request<Bytes> {
    if let Some(value) = attempt.authorization {
        req.headers_mut().insert(AUTHORIZATION, value);
    }
    if let Some(identity) = attempt.identity {
        req.extensions_mut().insert(identity);
    }
    req
}

#[cfg(test)]
mod tests {
    use super::*;
    use kclient_config::{AuthConfig, SecretString};
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn counting_server(
        status: StatusCode,
        calls: Arc<AtomicUsize>,
    ) -> impl Service<
        Request<Bytes>,
        Response = Response<Option<HeaderValue>>,
        Error = Error,
        Future = impl Future<Output = Result<Response<Option<HeaderValue>>, Error>> + Send,
    > + Clone
    + Send
    + 'static {
        tower::service_fn(move |req: Request<Bytes>| {
            let calls = calls.clone();
            async move {
                calls.fetch_add(1, Ordering::SeqCst);
                let seen = req.headers().get(AUTHORIZATION).cloned();
                let mut resp = Response::new(seen);
                *resp.status_mut() = status;
                Ok(resp)
            }
        })
    }

    fn token_source(token: &str) -> CredentialSource {
        CredentialSource::new(&AuthConfig {
            bearer_token: Some(SecretString::from(token)),
            ..Default::default()
        })
    }

    #[tokio::test]
    async fn adds_a_sensitive_bearer_header() {
        let calls = Arc::new(AtomicUsize::new(0));
        let svc =
            AuthLayer::new(token_source("t0k3n")).layer(counting_server(StatusCode::OK, calls));
        let resp = svc.oneshot(Request::new(Bytes::new())).await.unwrap();
        let header = resp.into_body().unwrap();
        assert_eq!(header, "Bearer t0k3n");
        assert!(header.is_sensitive());
    }

    #[tokio::test]
    async fn static_token_401_is_not_replayed() {
        let calls = Arc::new(AtomicUsize::new(0));
        let svc = AuthLayer::new(token_source("t"))
            .layer(counting_server(StatusCode::UNAUTHORIZED, calls.clone()));
        let resp = svc.oneshot(Request::new(Bytes::new())).await.unwrap();
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn explicit_authorization_and_anonymous_pass_through() {
        let calls = Arc::new(AtomicUsize::new(0));
        let svc =
            AuthLayer::new(token_source("t")).layer(counting_server(StatusCode::OK, calls.clone()));
        let req = Request::builder()
            .header(AUTHORIZATION, "Bearer mine")
            .body(Bytes::new())
            .unwrap();
        let resp = svc.oneshot(req).await.unwrap();
        assert_eq!(resp.into_body().unwrap(), "Bearer mine");

        let svc = AuthLayer::new(CredentialSource::new(&AuthConfig::default()))
            .layer(counting_server(StatusCode::OK, calls));
        let resp = svc.oneshot(Request::new(Bytes::new())).await.unwrap();
        assert!(resp.into_body().is_none());
        assert!(format!("{:?}", AuthLayer::anonymous()).contains("None"));
    }
}
