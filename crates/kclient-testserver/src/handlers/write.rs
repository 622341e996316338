//! The checks and the update pipeline shared by create, update, patch and the
//! subresource writes: type metadata, namespaces, schema, metadata validation, status
//! and generation handling, managed fields, no-op detection, dry run and commit.

use std::sync::Arc;

use http::{Response, StatusCode};
use serde_json::{Value, json};

use super::Ctx;
use super::output::object_response;
use crate::controllers;
use crate::crd_schema;
use crate::defaults;
use crate::error::{ApiResult, ErrorResponse, FieldError};
use crate::field_validation::{self, Source};
use crate::meta;
use crate::patching::record_update;
use crate::pod_admission;
use crate::priority_class;
use crate::registry::Served;
use crate::respond::{Body, add_warning};
use crate::state::State;
use crate::store::{Change, CommitError, Expect, Obj};
use crate::strategy;

/// Fills in or checks `apiVersion` and `kind` against the endpoint.
pub(super) fn check_type_meta(served: &Served, obj: &mut Value) -> ApiResult<()> {
    let want_av = served.api_version();
    let want_kind = served.info.kind.clone();
    let map = meta::ensure_object(obj);
    match map.get("apiVersion").and_then(Value::as_str) {
        None | Some("") => {
            map.insert("apiVersion".into(), Value::String(want_av));
        }
        Some(av) if av == want_av => {}
        Some(av) => {
            // Another version of the same group is accepted and stored as this one.
            let same_group = match (av.split_once('/'), want_av.split_once('/')) {
                (Some((g, _)), Some((wg, _))) => g == wg,
                (None, None) => false,
                _ => false,
            };
            if !same_group {
                return Err(ErrorResponse::bad_request(format!(
                    "the API version in the data ({av}) does not match the expected API version ({want_av})"
                )));
            }
            map.insert("apiVersion".into(), Value::String(want_av));
        }
    }
    match map.get("kind").and_then(Value::as_str) {
        None | Some("") => {
            map.insert("kind".into(), Value::String(want_kind));
        }
        Some(k) if k == want_kind => {}
        Some(k) => {
            return Err(ErrorResponse::bad_request(format!(
                "the kind in the data ({k}) does not match the expected kind ({want_kind})"
            )));
        }
    }
    Ok(())
}

/// Reconciles the namespace of the URL and of the body.
pub(super) fn check_namespace(ctx: &Ctx, obj: &mut Value) -> ApiResult<()> {
    if !ctx.served.info.namespaced {
        meta::remove_meta(obj, "namespace");
        return Ok(());
    }
    let url_ns = ctx.namespace().to_string();
    match meta::meta_str(obj, "namespace") {
        None | Some("") => {
            meta::set_meta(obj, "namespace", Value::String(url_ns));
            Ok(())
        }
        Some(ns) if ns == url_ns => Ok(()),
        Some(_) => Err(ErrorResponse::bad_request(
            "the namespace of the provided object does not match the namespace sent on the request",
        )),
    }
}

/// Decodes built-in kinds into their types (prunes and defaults custom resources), drops
/// unknown fields and applies `fieldValidation`; returns the warnings to send.
pub(super) fn check_schema(
    ctx: &Ctx,
    obj: &mut Value,
    source: Source<'_>,
) -> ApiResult<Vec<String>> {
    field_validation::check(&ctx.served, ctx.query.field_validation, obj, source)
}

/// Metadata and kind-specific validation: 422 with kube-apiserver's field errors.
pub(super) fn validate(served: &Served, obj: &Value, old: Option<&Value>) -> ApiResult<()> {
    let info = &served.info;
    let mut errs = meta::validate_object_meta(obj, meta::name_rule(&info.group, &info.kind));
    if let Some(old) = old {
        let old_final = meta::finalizers(old);
        if meta::deletion_timestamp(old).is_some() {
            for f in meta::finalizers(obj) {
                if !old_final.contains(&f) {
                    errs.push(FieldError::forbidden(
                        "metadata.finalizers",
                        format!("no new finalizers can be added if the object is being deleted, found new finalizers []string{{\"{f}\"}}"),
                    ));
                }
            }
        }
    }
    errs.extend(controllers::validate_kind(served, obj, old));
    errs.extend(priority_class::validate(served, obj, old));
    errs.extend(crate::hpa_validation::validate(served, obj, old));
    errs.extend(crd_schema::validate(served, obj, old));
    if errs.is_empty() {
        Ok(())
    } else {
        Err(ErrorResponse::invalid(
            &info.group,
            &info.kind,
            meta::name(obj),
            &errs,
        ))
    }
}

/// How managedFields are maintained for a write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Managed {
    /// Record an Update operation for the manager.
    Record,
    /// The desired object already carries them (server-side apply).
    Provided,
}

/// What an update attempt produced.
pub(super) enum Attempt {
    Done(Response<Body>),
    /// The object changed between read and commit: read again.
    Retry,
}

/// Options of [`finish_update`].
pub(super) struct UpdateSpec<'a> {
    pub subresource: Option<&'a str>,
    pub managed: Managed,
    pub warnings: Vec<String>,
}

fn check_preconditions(ctx: &Ctx, old: &Obj, desired: &Value) -> ApiResult<()> {
    let name = old.name();
    if let Some(rv) = meta::meta_str(desired, "resourceVersion").filter(|s| !s.is_empty())
        && rv != old.resource_version()
    {
        return Err(ErrorResponse::stale(ctx.group(), ctx.plural(), name));
    }
    if let Some(uid) = meta::meta_str(desired, "uid").filter(|s| !s.is_empty()) {
        let old_uid = old.uid().unwrap_or("");
        if uid != old_uid {
            return Err(ErrorResponse::conflict(
                ctx.group(),
                ctx.plural(),
                name,
                &format!(
                    "Precondition failed: UID in precondition: {uid}, UID in object meta: {old_uid}"
                ),
            ));
        }
    }
    Ok(())
}

/// The object an update stores: what the endpoint may change taken from `desired`,
/// everything else from `old` (whose parsed tree is `old_value`), then validated, with
/// generation and managed fields.
fn compose(
    ctx: &Ctx,
    old: &Obj,
    old_value: &Value,
    mut desired: Value,
    spec: &UpdateSpec<'_>,
) -> ApiResult<Value> {
    let has_status = ctx.served.has_subresource("status");
    let mut new = if spec.subresource == Some("status") {
        // Status writes change nothing but .status (and, for apply, its managed fields).
        let mut base = old_value.clone();
        let status = desired.as_object_mut().and_then(|m| m.remove("status"));
        if let Some(map) = base.as_object_mut() {
            match status {
                Some(s) => map.insert("status".into(), s),
                None => map.remove("status"),
            };
        }
        if spec.managed == Managed::Provided
            && let Some(mf) = desired.pointer("/metadata/managedFields")
        {
            meta::set_meta(&mut base, "managedFields", mf.clone());
        }
        crate::convert::carry_status(&ctx.served, &desired, &mut base);
        base
    } else if spec.subresource == Some("ephemeralcontainers") {
        ephemeral_containers_update(ctx, old, old_value, &desired)?
    } else {
        // Main-resource writes of kinds with a status subresource leave status alone.
        if has_status && let Some(map) = desired.as_object_mut() {
            match old_value.get("status") {
                Some(s) => map.insert("status".into(), s.clone()),
                None => map.remove("status"),
            };
            crate::convert::carry_status(&ctx.served, old_value, &mut desired);
        }
        desired
    };
    carry_server_metadata(old_value, &mut new, spec.managed);
    defaults::on_write(&ctx.served, &mut new);
    validate(&ctx.served, &new, Some(old_value))?;
    controllers::prepare_update(&ctx.served, old_value, &mut new, spec.subresource);
    if strategy::tracks_generation(&ctx.served)
        && spec.subresource != Some("status")
        && strategy::spec_changed(old_value, &new, has_status)
    {
        let generation = old_value
            .pointer("/metadata/generation")
            .and_then(Value::as_i64)
            .unwrap_or(0);
        meta::set_meta(&mut new, "generation", json!(generation + 1));
    }
    if spec.managed == Managed::Record {
        let now = meta::now_rfc3339();
        record_update(
            Some(old_value),
            &mut new,
            &ctx.manager(),
            spec.subresource,
            &now,
        );
    }
    strategy::prepare_update(&ctx.served, &mut new, spec.subresource);
    pod_admission::admit_update(
        &ctx.state,
        &ctx.served,
        old_value,
        &mut new,
        spec.subresource,
    )?;
    defaults::allocate(&ctx.state, &ctx.served, &mut new, Some(old_value))?;
    Ok(new)
}

/// `pods/{name}/ephemeralcontainers` writes change nothing but `spec.ephemeralContainers`,
/// and, as kube-apiserver, only by adding containers: existing ones stay as they are.
fn ephemeral_containers_update(
    ctx: &Ctx,
    old: &Obj,
    old_value: &Value,
    desired: &Value,
) -> ApiResult<Value> {
    let wanted = desired
        .pointer("/spec/ephemeralContainers")
        .cloned()
        .unwrap_or(Value::Null);
    let empty = Vec::new();
    let before = old_value
        .pointer("/spec/ephemeralContainers")
        .and_then(Value::as_array)
        .unwrap_or(&empty);
    let after = wanted.as_array().unwrap_or(&empty);
    for existing in before {
        let name = existing.get("name").and_then(Value::as_str).unwrap_or("");
        let kept = after
            .iter()
            .find(|c| c.get("name").and_then(Value::as_str) == Some(name));
        if kept != Some(existing) {
            return Err(ErrorResponse::invalid(
                ctx.group(),
                ctx.kind(),
                old.name(),
                &[FieldError::forbidden(
                    "spec.ephemeralContainers",
                    format!("existing ephemeral containers \"{name}\" may not be changed"),
                )],
            ));
        }
    }
    let mut base = old_value.clone();
    if let Some(spec) = base.get_mut("spec").and_then(Value::as_object_mut) {
        if after.is_empty() {
            spec.remove("ephemeralContainers");
        } else {
            spec.insert("ephemeralContainers".into(), wanted);
        }
    }
    Ok(base)
}

/// Turns a desired object into the stored update of `old` (or a deletion when the last
/// finalizer of a deleting object goes), honouring preconditions and dry run. `old_value`
/// is `old` parsed, which the caller usually needed already.
pub(super) fn finish_update(
    ctx: &Ctx,
    old: &Arc<Obj>,
    old_value: &Value,
    desired: Value,
    spec: UpdateSpec<'_>,
) -> ApiResult<Attempt> {
    check_preconditions(ctx, old, &desired)?;
    let mut new = compose(ctx, old, old_value, desired, &spec)?;
    ctx.check_escalation(&new, Some(old_value))?;
    let done = |obj: &Obj| respond(ctx, StatusCode::OK, obj, &spec.warnings).map(Attempt::Done);
    // Like kube-apiserver's storage: an update that changes nothing is not written (for a
    // kind stored in another version's form, nothing in that form).
    let unchanged = match crate::convert::stored_update(
        &ctx.served,
        old,
        old_value,
        &mut new,
        spec.subresource,
    )? {
        Some(same) => same,
        None => *old_value == new,
    };
    if unchanged {
        return done(old);
    }
    let finalized = meta::deletion_timestamp(&new).is_some()
        && meta::finalizers(&new).is_empty()
        && controllers::may_finalize(&ctx.served, &new);
    if ctx.query.dry_run {
        return done(&Obj::new(new));
    }
    let old_rv = old.resource_version().parse::<u64>().unwrap_or(0);
    let key = ctx.key(old.name());
    let store = ctx.store();
    if finalized {
        return match store.commit(&key, Expect::Rv(old_rv), Change::Delete) {
            Ok(committed) => {
                controllers::after_delete(&ctx.state, &ctx.served, &committed.obj);
                done(&committed.obj)
            }
            Err(CommitError::Undecodable(e)) => Err(e.into()),
            Err(_) => Ok(Attempt::Retry),
        };
    }
    match store.commit(&key, Expect::Rv(old_rv), Change::Put(new)) {
        Ok(committed) => {
            controllers::after_write(&ctx.state, &ctx.served, &committed.obj);
            done(&committed.obj)
        }
        // Changed or deleted since it was read: the caller reads it again.
        Err(CommitError::Stale | CommitError::NotFound | CommitError::AlreadyExists) => {
            Ok(Attempt::Retry)
        }
        Err(CommitError::Undecodable(e)) => Err(e.into()),
    }
}

/// The metadata only the server sets survives any client write.
fn carry_server_metadata(old: &Value, new: &mut Value, managed: Managed) {
    const KEEP: &[&str] = &[
        "uid",
        "creationTimestamp",
        "deletionTimestamp",
        "deletionGracePeriodSeconds",
        "generation",
        "name",
        "namespace",
    ];
    let old_meta = old.get("metadata").and_then(Value::as_object);
    let new_meta = meta::metadata_mut(new);
    for key in KEEP {
        match old_meta.and_then(|m| m.get(*key)) {
            Some(v) => new_meta.insert((*key).to_string(), v.clone()),
            None => new_meta.remove(*key),
        };
    }
    new_meta.remove("selfLink");
    // Without managedFields in the body, the stored ones are the starting point
    // (record_update keeps valid ones a client sent, as kube-apiserver does).
    if managed == Managed::Record
        && !new_meta.contains_key("managedFields")
        && let Some(v) = old_meta.and_then(|m| m.get("managedFields"))
    {
        new_meta.insert("managedFields".into(), v.clone());
    }
    new_meta.insert(
        "resourceVersion".into(),
        old_meta
            .and_then(|m| m.get("resourceVersion"))
            .cloned()
            .unwrap_or(Value::Null),
    );
}

/// A write response with any warnings.
pub(super) fn respond(
    ctx: &Ctx,
    code: StatusCode,
    obj: &Obj,
    warnings: &[String],
) -> ApiResult<Response<Body>> {
    let mut resp = object_response(ctx, code, obj)?;
    for w in warnings {
        add_warning(&mut resp, w);
    }
    Ok(resp)
}

/// Create-time checks of the target namespace: it must exist and not be terminating.
pub(super) fn check_namespace_lifecycle(
    state: &State,
    served: &Served,
    namespace: &str,
    name: &str,
) -> ApiResult<()> {
    if !served.info.namespaced || namespace.is_empty() {
        return Ok(());
    }
    match controllers::namespace_phase(state, namespace) {
        None => Err(ErrorResponse::not_found("", "namespaces", namespace)),
        Some(controllers::NamespacePhase::Terminating) => {
            let msg = format!(
                "unable to create new content in namespace {namespace} because it is being terminated"
            );
            Err(
                ErrorResponse::forbidden(&served.info.group, &served.info.plural, name, &msg)
                    .with_cause("NamespaceTerminating", "metadata.namespace", &msg),
            )
        }
        Some(controllers::NamespacePhase::Active) => Ok(()),
    }
}
