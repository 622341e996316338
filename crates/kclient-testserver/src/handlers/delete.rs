//! DELETE of one object (finalizers, preconditions, namespaces) and of collections.

use std::sync::Arc;

use bytes::Bytes;
use http::{Response, StatusCode, header};
use serde::Deserialize;
use serde_json::{Value, json};

use super::Ctx;
use super::list::Selectors;
use super::output::{ListMeta, list_response, object_response};
use crate::controllers::{self, Cascade, begin_namespace_deletion, deletion_finalizers};
use crate::error::{ApiResult, ErrorResponse, FieldError};
use crate::meta;
use crate::registry::Served;
use crate::respond::{Body, PROTOBUF, header_str, media_type};
use crate::state::State;
use crate::store::{Change, CommitError, Expect, ListRequest, Obj, ReadAt};
use crate::strategy;

/// The parts of metav1.DeleteOptions the server honours.
#[derive(Clone, Debug, Default)]
pub(crate) struct DeleteOptions {
    pub uid: Option<String>,
    pub resource_version: Option<String>,
    pub dry_run: bool,
    /// What happens to dependents (`propagationPolicy`, `orphanDependents`).
    pub cascade: Cascade,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct WireDeleteOptions {
    preconditions: Option<WirePreconditions>,
    dry_run: Option<Vec<String>>,
    propagation_policy: Option<String>,
    orphan_dependents: Option<bool>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct WirePreconditions {
    uid: Option<String>,
    resource_version: Option<String>,
}

/// The outcome of deleting one object.
#[derive(Debug)]
pub(crate) enum Deleted {
    /// Removed from storage (the object carries the deletion's resourceVersion).
    Gone(Arc<Obj>),
    /// Marked for deletion; finalizers (or namespace cleanup) still hold it.
    Pending(Arc<Obj>),
}

fn decode_wire(ctx: &Ctx, body: &Bytes) -> ApiResult<WireDeleteOptions> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(WireDeleteOptions::default());
    }
    let bad = |e: String| ErrorResponse::bad_request(format!("error decoding DeleteOptions: {e}"));
    match media_type(header_str(&ctx.headers, header::CONTENT_TYPE)).as_str() {
        "application/yaml" => serde_yaml_ng::from_slice(body).map_err(|e| bad(e.to_string())),
        PROTOBUF => kclient_protobuf::decode_object(body).map_err(|e| bad(e.to_string())),
        _ => serde_json::from_slice(body).map_err(|e| bad(e.to_string())),
    }
}

fn parse_options(ctx: &Ctx, body: &Bytes) -> ApiResult<DeleteOptions> {
    options_from_wire(ctx, decode_wire(ctx, body)?)
}

/// The DeleteOptions an object carries (an Eviction's `deleteOptions`), with the request's
/// `dryRun` parameter.
pub(super) fn options_from_value(ctx: &Ctx, value: Option<&Value>) -> ApiResult<DeleteOptions> {
    let wire = match value {
        None | Some(Value::Null) => WireDeleteOptions::default(),
        Some(v) => serde_json::from_value(v.clone()).map_err(|e| {
            ErrorResponse::bad_request(format!("error decoding DeleteOptions: {e}"))
        })?,
    };
    options_from_wire(ctx, wire)
}

fn options_from_wire(ctx: &Ctx, wire: WireDeleteOptions) -> ApiResult<DeleteOptions> {
    let mut opts = DeleteOptions {
        dry_run: ctx.query.dry_run,
        ..DeleteOptions::default()
    };
    if let Some(p) = wire.preconditions {
        opts.uid = p.uid.filter(|s| !s.is_empty());
        opts.resource_version = p.resource_version.filter(|s| !s.is_empty());
    }
    if let Some(dr) = wire.dry_run {
        if let Some(bad) = dr.iter().find(|d| *d != "All") {
            return Err(ErrorResponse::invalid(
                "meta.k8s.io",
                "DeleteOptions",
                "",
                &[FieldError::not_supported(
                    "dryRun",
                    Value::String(bad.clone()),
                    &["All"],
                )],
            ));
        }
        opts.dry_run |= !dr.is_empty();
    }
    opts.cascade = Cascade::from_wire(
        wire.propagation_policy
            .or(ctx.query.propagation_policy.clone()),
        wire.orphan_dependents.or(ctx.query.orphan_dependents),
    )?;
    Ok(opts)
}

fn name_of_key(key: &str) -> &str {
    key.rsplit('/').next().unwrap_or(key)
}

/// Deletes one stored object the way kube-apiserver's generic registry does.
pub(crate) fn delete_object(
    state: &Arc<State>,
    served: &Served,
    key: &str,
    opts: &DeleteOptions,
) -> ApiResult<Deleted> {
    let info = &served.info;
    let store = state.store.ensure(&served.storage);
    for _ in 0..32 {
        let Some(current) = store.get(key) else {
            return Err(ErrorResponse::not_found(
                &info.group,
                &info.plural,
                name_of_key(key),
            ));
        };
        let name = current.name().to_string();
        let uid = current.uid().unwrap_or("");
        if let Some(want) = &opts.uid
            && want != uid
        {
            return Err(ErrorResponse::conflict(
                &info.group,
                &info.plural,
                &name,
                &format!(
                    "Precondition failed: UID in precondition: {want}, UID in object meta: {uid}"
                ),
            ));
        }
        if let Some(want) = &opts.resource_version
            && want != current.resource_version()
        {
            return Err(ErrorResponse::conflict(
                &info.group,
                &info.plural,
                &name,
                &format!(
                    "Precondition failed: ResourceVersion in precondition: {want}, ResourceVersion in object meta: {}",
                    current.resource_version()
                ),
            ));
        }
        let rv = current.resource_version().parse::<u64>().unwrap_or(0);
        if info.group.is_empty() && info.plural == "namespaces" {
            return begin_namespace_deletion(state, &current, opts.dry_run).map(Deleted::Pending);
        }
        // The garbage-collection finalizer the request asks for (orphan, foreground).
        let gc_finalizers = deletion_finalizers(served, current.finalizers(), &opts.cascade);
        let finalizers = gc_finalizers.as_deref().unwrap_or(current.finalizers());
        if !finalizers.is_empty() {
            if current.deletion_timestamp().is_some() && gc_finalizers.is_none() {
                return Ok(Deleted::Pending(current));
            }
            let mut value = current.value()?;
            if current.deletion_timestamp().is_none() {
                meta::mark_deleting(&mut value);
            }
            if let Some(f) = &gc_finalizers {
                meta::set_meta(&mut value, "finalizers", json!(f));
            }
            if opts.dry_run {
                return Ok(Deleted::Pending(Obj::new(value)));
            }
            match store.commit(key, Expect::Rv(rv), Change::Put(value)) {
                Ok(done) => {
                    controllers::after_write(state, served, &done.obj);
                    return Ok(Deleted::Pending(done.obj));
                }
                Err(CommitError::Stale) => continue,
                Err(_) => {
                    return Err(ErrorResponse::not_found(&info.group, &info.plural, &name));
                }
            }
        }
        if opts.dry_run {
            return Ok(Deleted::Gone(current));
        }
        match store.commit(key, Expect::Rv(rv), Change::Delete) {
            Ok(done) => {
                controllers::after_delete(state, served, &done.obj);
                return Ok(Deleted::Gone(done.obj));
            }
            Err(CommitError::Stale) => continue,
            Err(CommitError::Undecodable(e)) => return Err(e.into()),
            Err(_) => return Err(ErrorResponse::not_found(&info.group, &info.plural, &name)),
        }
    }
    Err(ErrorResponse::stale(
        &info.group,
        &info.plural,
        name_of_key(key),
    ))
}

/// The Success status kube-apiserver answers a completed delete with.
fn success_status(served: &Served, obj: &Obj) -> Value {
    let mut details = serde_json::Map::new();
    details.insert("name".into(), Value::String(obj.name().to_string()));
    if !served.info.group.is_empty() {
        details.insert("group".into(), Value::String(served.info.group.clone()));
    }
    details.insert("kind".into(), Value::String(served.info.plural.clone()));
    if let Some(uid) = obj.uid() {
        details.insert("uid".into(), Value::String(uid.to_string()));
    }
    json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "details": details})
}

/// `DELETE` on an object.
pub(super) fn delete(ctx: &Ctx, body: &Bytes) -> ApiResult<Response<Body>> {
    let name = ctx.name()?.to_string();
    crate::priority_class::check_delete(&ctx.served, &name)?;
    let opts = parse_options(ctx, body)?;
    match delete_object(&ctx.state, &ctx.served, &ctx.key(&name), &opts)? {
        // kube-apiserver's 202: not gone at once, and the client sent `orphanDependents: false`.
        Deleted::Pending(obj) if opts.cascade.orphan_dependents == Some(false) => {
            object_response(ctx, StatusCode::ACCEPTED, &obj)
        }
        Deleted::Pending(obj) => object_response(ctx, StatusCode::OK, &obj),
        Deleted::Gone(obj) if strategy::returns_deleted_object(&ctx.served) => {
            object_response(ctx, StatusCode::OK, &obj)
        }
        Deleted::Gone(obj) => super::protobuf::value_negotiated(
            ctx,
            StatusCode::OK,
            &success_status(&ctx.served, &obj),
        ),
    }
}

/// `DELETE` on a collection: every object matching the selectors.
pub(super) fn delete_collection(ctx: &Ctx, body: &Bytes) -> ApiResult<Response<Body>> {
    let opts = parse_options(ctx, body)?;
    let selectors = Selectors::from_query(ctx)?;
    let store = ctx.store();
    let ns = ctx.req.namespace.as_deref();
    let page = store
        .list(
            &ListRequest {
                namespace: ns,
                at: ReadAt::Latest,
                after: None,
                limit: None,
                count_remaining: false,
            },
            &|o: &Obj| selectors.matches(&ctx.served, o),
        )
        .map_err(|_| ErrorResponse::internal("listing for deletecollection failed"))?;
    let mut deleted = Vec::with_capacity(page.items.len());
    for obj in &page.items {
        let key = crate::store::object_key(obj.namespace(), obj.name());
        match delete_object(&ctx.state, &ctx.served, &key, &opts) {
            Ok(Deleted::Gone(o) | Deleted::Pending(o)) => deleted.push(o),
            Err(e) if e.code() == StatusCode::NOT_FOUND => {}
            Err(e) => return Err(e),
        }
    }
    let meta = ListMeta {
        rv: ctx.state.store.current_rv(),
        ..ListMeta::default()
    };
    list_response(ctx, &deleted, &meta)
}
