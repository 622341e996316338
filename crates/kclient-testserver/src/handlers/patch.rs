//! PATCH: JSON patch, merge patch, strategic merge patch and server-side apply.

use bytes::Bytes;
use http::{Response, StatusCode, header};
use serde_json::Value;

use super::Ctx;
use super::create::{CreateOptions, create_object};
use super::update::MAX_ATTEMPTS;
use super::write::{
    Attempt, Managed, UpdateSpec, check_namespace, check_schema, check_type_meta, finish_update,
    respond,
};
use crate::error::{ApiResult, ErrorResponse, FieldError};
use crate::field_validation::Source;
use crate::meta;
use crate::patching::{self, ApplyTarget};
use crate::respond::{Body, header_str, media_type};

/// The patch formats kube-apiserver accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum PatchType {
    Json,
    Merge,
    Strategic,
    Apply,
}

/// The patch types of built-in resources, in the order kube-apiserver's installer lists
/// them (its 415 message names them in this order).
const BUILTIN_PATCH_TYPES: &[&str] = &[
    "application/json-patch+json",
    "application/merge-patch+json",
    "application/strategic-merge-patch+json",
    "application/apply-patch+yaml",
];

/// The patch types of custom resources, as apiextensions-apiserver lists them.
const CUSTOM_PATCH_TYPES: &[&str] = &[
    "application/json-patch+json",
    "application/merge-patch+json",
    "application/apply-patch+yaml",
];

/// The patch type of the request (415 for anything else, and for strategic merge on
/// custom resources, which have no patch strategies).
pub(super) fn patch_type(ctx: &Ctx) -> ApiResult<PatchType> {
    let accepted: &[&str] = if ctx.served.is_crd() {
        CUSTOM_PATCH_TYPES
    } else {
        BUILTIN_PATCH_TYPES
    };
    let t = match media_type(header_str(&ctx.headers, header::CONTENT_TYPE)).as_str() {
        "application/json-patch+json" => PatchType::Json,
        "application/merge-patch+json" => PatchType::Merge,
        "application/strategic-merge-patch+json" if !ctx.served.is_crd() => PatchType::Strategic,
        "application/apply-patch+yaml" => PatchType::Apply,
        _ => return Err(ErrorResponse::unsupported_media_type(accepted)),
    };
    if t != PatchType::Apply && ctx.query.force.is_some() {
        return Err(patch_options_invalid(FieldError::forbidden(
            "force",
            "may not be specified for non-apply patch",
        )));
    }
    if t == PatchType::Apply && ctx.query.field_manager.as_deref().is_none_or(str::is_empty) {
        return Err(patch_options_invalid(FieldError::required(
            "fieldManager",
            "is required for apply patch",
        )));
    }
    Ok(t)
}

fn patch_options_invalid(err: FieldError) -> ErrorResponse {
    ErrorResponse::invalid("meta.k8s.io", "PatchOptions", "", &[err])
}

/// The applied configuration of an apply patch (YAML, which includes JSON).
pub(super) fn parse_apply(body: &[u8]) -> ApiResult<Value> {
    patching::decode_apply_body(body)
}

/// Applies a non-apply patch to `current`.
pub(super) fn patch_value(
    ctx: &Ctx,
    t: PatchType,
    current: &Value,
    body: &[u8],
) -> ApiResult<Value> {
    match t {
        PatchType::Json => patching::json_patch(current, body),
        PatchType::Merge => patching::merge_patch(current, body),
        PatchType::Strategic => patching::strategic_merge(current, body, ctx.group(), ctx.kind()),
        PatchType::Apply => Err(ErrorResponse::internal(
            "apply is not a merge of the stored object",
        )),
    }
}

fn check_identity(ctx: &Ctx, name: &str, obj: &mut Value) -> ApiResult<()> {
    check_type_meta(&ctx.served, obj)?;
    check_namespace(ctx, obj)?;
    let n = meta::name(obj);
    if n.is_empty() {
        meta::set_meta(obj, "name", Value::String(name.to_string()));
    } else if n != name {
        return Err(ErrorResponse::bad_request(format!(
            "the name of the object ({n}) does not match the name on the URL ({name})"
        )));
    }
    Ok(())
}

/// `PATCH` on an object or its status.
pub(super) fn patch(ctx: &Ctx, body: &Bytes) -> ApiResult<Response<Body>> {
    let name = ctx.name()?.to_string();
    let t = patch_type(ctx)?;
    let applied = if t == PatchType::Apply {
        let mut v = parse_apply(body)?;
        check_identity(ctx, &name, &mut v)?;
        Some(v)
    } else {
        None
    };
    let store = ctx.store();
    let key = ctx.key(&name);
    let manager = ctx.manager();
    let force = ctx.query.force.unwrap_or(false);
    let sub = ctx.req.subresource.as_deref();
    for _ in 0..MAX_ATTEMPTS {
        let Some(old) = store.get(&key) else {
            let Some(applied) = &applied else {
                return Err(ctx.not_found(&name));
            };
            if sub.is_some() {
                return Err(ctx.not_found(&name));
            }
            return apply_create(ctx, applied, &manager, force);
        };
        let old_value = ctx.object_value(&old)?;
        let (mut patched, managed) = match &applied {
            Some(applied) => {
                let now = meta::now_rfc3339();
                let target = ApplyTarget {
                    group: ctx.group(),
                    kind: ctx.kind(),
                    plural: ctx.plural(),
                    name: &name,
                    subresource: sub,
                    has_status: ctx.served.has_subresource("status"),
                };
                let v = patching::apply(Some(&old_value), applied, &manager, force, &now, &target)?;
                (v, Managed::Provided)
            }
            None => (patch_value(ctx, t, &old_value, body)?, Managed::Record),
        };
        check_identity(ctx, &name, &mut patched)?;
        let raw = matches!(t, PatchType::Merge | PatchType::Strategic).then_some(&body[..]);
        let warnings = check_schema(ctx, &mut patched, Source::Patch(raw))?;
        let spec = UpdateSpec {
            subresource: sub,
            managed,
            warnings,
        };
        match finish_update(ctx, &old, &old_value, patched, spec)? {
            Attempt::Done(resp) => return Ok(resp),
            Attempt::Retry => continue,
        }
    }
    Err(ErrorResponse::stale(ctx.group(), ctx.plural(), &name))
}

fn apply_create(
    ctx: &Ctx,
    applied: &Value,
    manager: &str,
    force: bool,
) -> ApiResult<Response<Body>> {
    let now = meta::now_rfc3339();
    let name = meta::name(applied).to_string();
    let target = ApplyTarget {
        group: ctx.group(),
        kind: ctx.kind(),
        plural: ctx.plural(),
        name: &name,
        subresource: None,
        has_status: ctx.served.has_subresource("status"),
    };
    let mut obj = patching::apply(None, applied, manager, force, &now, &target)?;
    meta::remove_meta(&mut obj, "resourceVersion");
    let warnings = check_schema(ctx, &mut obj, Source::Patch(None))?;
    ctx.check_escalation(&obj, None)?;
    let created = create_object(
        &ctx.state,
        &ctx.served,
        obj,
        &CreateOptions {
            manager,
            managed: Managed::Provided,
            dry_run: ctx.query.dry_run,
        },
    )?;
    respond(ctx, StatusCode::CREATED, &created, &warnings)
}
