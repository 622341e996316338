//! GET of one object (also `/status`, which serves the whole object).

use http::{Response, StatusCode};

use super::Ctx;
use super::list::{parse_rv, read_error};
use super::output::object_response;
use crate::error::ApiResult;
use crate::respond::Body;
use crate::store::ReadAt;

/// `GET` on an object.
pub(super) fn get(ctx: &Ctx) -> ApiResult<Response<Body>> {
    let name = ctx.name()?;
    let at = match ctx.query.rv() {
        None | Some("0") => ReadAt::Latest,
        Some(rv) => ReadAt::NotOlderThan(parse_rv(rv)?),
    };
    let obj = ctx
        .store()
        .get_at(&ctx.key(name), at)
        .map_err(read_error)?
        .ok_or_else(|| ctx.not_found(name))?;
    object_response(ctx, StatusCode::OK, &obj)
}
