//! PUT: replace an object (or its status).

use bytes::Bytes;
use http::Response;

use super::Ctx;
use super::write::{
    Attempt, Managed, UpdateSpec, check_namespace, check_schema, check_type_meta, finish_update,
};
use crate::error::{ApiResult, ErrorResponse};
use crate::field_validation::Source;
use crate::meta;
use crate::respond::{Body, decode_object};

/// Attempts before giving up on an object that keeps changing underneath.
pub(super) const MAX_ATTEMPTS: usize = 32;

/// `PUT` on an object, `/status` or `/finalize`.
pub(super) fn update(ctx: &Ctx, body: &Bytes) -> ApiResult<Response<Body>> {
    let name = ctx.name()?.to_string();
    let mut obj = decode_object(&ctx.headers, body)?;
    check_type_meta(&ctx.served, &mut obj)?;
    check_namespace(ctx, &mut obj)?;
    let body_name = meta::name(&obj);
    if body_name.is_empty() {
        meta::set_meta(&mut obj, "name", serde_json::Value::String(name.clone()));
    } else if body_name != name {
        return Err(ErrorResponse::bad_request(format!(
            "the name of the object ({body_name}) does not match the name on the URL ({name})"
        )));
    }
    let warnings = check_schema(ctx, &mut obj, Source::Body(body))?;
    let store = ctx.store();
    let key = ctx.key(&name);
    for _ in 0..MAX_ATTEMPTS {
        let old = store.get(&key).ok_or_else(|| ctx.not_found(&name))?;
        let old_value = ctx.object_value(&old)?;
        let spec = UpdateSpec {
            subresource: ctx.req.subresource.as_deref(),
            managed: Managed::Record,
            warnings: warnings.clone(),
        };
        match finish_update(ctx, &old, &old_value, obj.clone(), spec)? {
            Attempt::Done(resp) => return Ok(resp),
            Attempt::Retry => continue,
        }
    }
    Err(ErrorResponse::stale(ctx.group(), ctx.plural(), &name))
}
