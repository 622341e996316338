//! Resource request handlers. [`handle`] resolves the resource, checks scope and verb,
//! and hands over to one module per verb.

mod apis;
mod context;
mod continue_token;
mod create;
mod delete;
mod eviction;
mod get;
mod list;
mod list_item;
mod logs;
mod output;
mod patch;
mod protobuf;
mod routes;
mod scale;
mod selector_message;
mod special;
mod update;
mod watch;
mod watch_cache;
mod write;

use std::sync::Arc;

use bytes::Bytes;
use http::Response;
use http::request::Parts;

pub(crate) use apis::discovery_route;
pub(crate) use context::Ctx;
pub(crate) use create::{CreateOptions, create_object};
pub(crate) use delete::{DeleteOptions, Deleted, delete_object};
pub(crate) use watch::DEFAULT_WATCH_TIMEOUT;

use crate::authn::UserInfo;
use crate::error::{ApiResult, ErrorResponse};
use crate::query::Query;
use crate::respond::{Body, read_body};
use crate::router::{ResourceRequest, Verb};
use crate::state::State;

/// Serves one resource request.
pub(crate) async fn handle<B>(
    state: Arc<State>,
    req: ResourceRequest,
    parts: Parts,
    body: B,
) -> Response<Body>
where
    B: http_body::Body<Data = Bytes>,
    B::Error: std::error::Error + Send + Sync + 'static,
{
    // Errors are negotiated like any response (a protobuf client gets a protobuf Status).
    let accept = crate::respond::header_str(&parts.headers, http::header::ACCEPT).to_string();
    match handle_inner(state, req, parts, body).await {
        Ok(resp) => resp,
        Err(err) => protobuf::error_response(err, &accept),
    }
}

async fn handle_inner<B>(
    state: Arc<State>,
    mut req: ResourceRequest,
    parts: Parts,
    body: B,
) -> ApiResult<Response<Body>>
where
    B: http_body::Body<Data = Bytes>,
    B::Error: std::error::Error + Send + Sync + 'static,
{
    let mut query = Query::parse(parts.uri.query())?;
    let served = state
        .registry
        .lookup(&req.group, &req.version, &req.resource)
        .ok_or_else(ErrorResponse::no_route)?;
    let info = &served.info;
    if info.group.is_empty() && info.plural == "namespaces" {
        // `/api/v1/namespaces/{name}`: the path's namespace is the object's name.
        req.namespace = None;
    }
    if !info.namespaced && req.namespace.is_some() {
        return Err(ErrorResponse::no_route());
    }
    if req.legacy_watch
        && let Some(name) = req.name.take()
    {
        query.field_selector = Some(match query.field_selector.take() {
            Some(fs) if !fs.is_empty() => format!("metadata.name={name},{fs}"),
            _ => format!("metadata.name={name}"),
        });
    }
    routes::check(info, &req)?;
    let allowed = match &req.subresource {
        None => info.supports(req.verb.as_str()),
        Some(sub) => match info.subresource(sub) {
            Some(s) => s.verbs.iter().any(|v| v == req.verb.as_str()),
            None => return Err(ErrorResponse::no_route()),
        },
    };
    if !allowed {
        return Err(ErrorResponse::method_not_supported(
            &info.group,
            &info.plural,
            req.verb.as_str(),
        ));
    }
    let needs_body = matches!(
        req.verb,
        Verb::Create | Verb::Update | Verb::Patch | Verb::Delete | Verb::DeleteCollection
    );
    let body = if needs_body {
        read_body(&parts.headers, body).await?
    } else {
        Bytes::new()
    };
    let user = parts
        .extensions
        .get::<Arc<UserInfo>>()
        .cloned()
        .unwrap_or_else(|| Arc::new(UserInfo::anonymous()));
    let ctx = Ctx {
        state,
        served: served.clone(),
        req,
        query,
        headers: parts.headers,
        user,
    };
    // kube-apiserver negotiates the response before doing anything (a 406 changes nothing);
    // logs are plain text and negotiate nothing here.
    if ctx.req.subresource.as_deref() != Some("log") {
        ctx.output()?;
    }
    if !served.info.storage {
        return special::virtual_resource(&ctx, &body);
    }
    match (ctx.req.verb, ctx.req.subresource.as_deref()) {
        (Verb::Get, None | Some("status" | "ephemeralcontainers")) => get::get(&ctx),
        (Verb::List, None) => list::list(&ctx),
        (Verb::Watch, None) => watch::watch(&ctx),
        (Verb::Create, None) => create::create(&ctx, &body),
        (Verb::Update, None | Some("status" | "ephemeralcontainers")) => {
            update::update(&ctx, &body)
        }
        (Verb::Patch, None | Some("status" | "ephemeralcontainers")) => patch::patch(&ctx, &body),
        (Verb::Delete, None) => delete::delete(&ctx, &body),
        (Verb::DeleteCollection, None) => delete::delete_collection(&ctx, &body),
        (Verb::Get, Some("scale")) => scale::get(&ctx),
        (Verb::Update, Some("scale")) => scale::update(&ctx, &body),
        (Verb::Patch, Some("scale")) => scale::patch(&ctx, &body),
        (verb, Some(sub)) => special::subresource(&ctx, verb, sub, &body),
    }
}
