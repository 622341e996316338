//! The request pipeline in front of the handlers: health checks, authentication,
//! impersonation and authorization, the admin API, injected latency, injected errors, then
//! routing; and behind them, gzip for large responses as kube-apiserver compresses them.

use std::convert::Infallible;
use std::sync::Arc;

use bytes::Bytes;
use http::request::Parts;
use http::{Request, Response};

use crate::admin;
use crate::authn::{UserInfo, authenticate};
use crate::compress::{gzip_large, may_compress};
use crate::error::ErrorResponse;
use crate::handlers;
use crate::impersonation;
use crate::query::Query;
use crate::rbac;
use crate::respond::{Body, error_response, read_body};
use crate::router::{Route, route};
use crate::state::State;

/// Serves one HTTP request; never fails (errors become Status responses).
pub(crate) async fn serve<B>(
    state: Arc<State>,
    req: Request<B>,
    cert_user: Option<Arc<UserInfo>>,
) -> Result<Response<Body>, Infallible>
where
    B: http_body::Body<Data = Bytes>,
    B::Error: std::error::Error + Send + Sync + 'static,
{
    let (parts, body) = req.into_parts();
    let watch = Query::watch_flag(parts.uri.query());
    let route = route(&parts.method, parts.uri.path(), watch);
    let logged = (state.requests.is_recording()
        && !matches!(route, Route::Health | Route::Admin(_)))
    .then(|| {
        (
            std::time::Instant::now(),
            parts.method.clone(),
            parts.uri.clone(),
        )
    });
    let requests = state.requests.clone();
    let compress = may_compress(&parts.method, &parts.headers, &route);
    let response = respond(state, route, parts, body, cert_user).await;
    if let Some((at, method, uri)) = logged {
        requests.record(at, method, &uri, response.status());
    }
    Ok(if compress {
        gzip_large(response).await
    } else {
        response
    })
}

/// The response to one request, past routing.
async fn respond<B>(
    state: Arc<State>,
    route: Route,
    mut parts: Parts,
    body: B,
    cert_user: Option<Arc<UserInfo>>,
) -> Response<Body>
where
    B: http_body::Body<Data = Bytes>,
    B::Error: std::error::Error + Send + Sync + 'static,
{
    if route == Route::Health {
        return crate::health::respond(parts.uri.path(), parts.uri.query());
    }
    let user = match authenticate(
        &parts.headers,
        cert_user.as_deref(),
        &state.tokens,
        state.anonymous_auth,
    ) {
        Ok(user) => user,
        Err(_) => return error_response(ErrorResponse::unauthorized()),
    };
    let user = match impersonation::apply(&state, &parts.headers, user) {
        Ok(user) => user,
        Err(e) => return error_response(e),
    };
    let attrs = rbac::request_attributes(&route, &parts.method, parts.uri.path());
    if !rbac::authorize(&state, &user, &attrs).allowed {
        return error_response(rbac::forbidden(&user, &attrs));
    }
    parts.extensions.insert(Arc::new(user));
    if let Route::Admin(path) = &route {
        let body = match read_body(&parts.headers, body).await {
            Ok(b) => b,
            Err(e) => return error_response(e),
        };
        return match admin::handle(&state, &parts.method, path, &body) {
            Ok(resp) => resp,
            Err(e) => error_response(e),
        };
    }
    if let Some(latency) = state.faults.latency() {
        tokio::time::sleep(latency).await;
    }
    if let Some(err) = state.faults.path_error(parts.uri.path()) {
        return error_response(err);
    }
    if let Some(err) = state.faults.injected_error() {
        return error_response(err);
    }
    if crate::unserved::is_unserved(&state.registry, parts.uri.path()) {
        return crate::unserved::plain_not_found();
    }
    if let Some(resp) = handlers::discovery_route(&state, &route, &parts.headers) {
        return resp.unwrap_or_else(error_response);
    }
    match route {
        Route::Resource(rr) => handlers::handle(state, rr, parts, body).await,
        _ => error_response(ErrorResponse::no_route()),
    }
}
