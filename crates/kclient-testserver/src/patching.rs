//! The server's entry points into [`crate::patch`] (JSON, merge and strategic merge
//! patches, server-side apply, managed fields), with its errors turned into API errors.

use serde_json::Value;

use crate::error::{ApiResult, ErrorResponse};
use crate::patch::{self, ApplyOptions, PatchRequestError};

fn patch_error(e: PatchRequestError) -> ErrorResponse {
    ErrorResponse::from_status(e.to_status())
}

/// Records an Update operation of `manager` in `new`'s managedFields.
pub(crate) fn record_update(
    old: Option<&Value>,
    new: &mut Value,
    manager: &str,
    subresource: Option<&str>,
    now: &str,
) {
    patch::record_update(old, new, manager, subresource, now);
}

/// What an apply is about, for its options and its conflict Status.
pub(crate) struct ApplyTarget<'a> {
    pub group: &'a str,
    pub kind: &'a str,
    pub plural: &'a str,
    pub name: &'a str,
    pub subresource: Option<&'a str>,
    /// Whether the kind has a status subresource (its main endpoint then resets status).
    pub has_status: bool,
}

/// Server-side apply of `applied` onto `live` (`None`: create).
pub(crate) fn apply(
    live: Option<&Value>,
    applied: &Value,
    manager: &str,
    force: bool,
    now: &str,
    target: &ApplyTarget<'_>,
) -> ApiResult<Value> {
    // kube-apiserver's reset fields: what this endpoint never changes.
    let reset_fields: &[&str] = match (target.subresource, target.has_status) {
        (Some("status"), _) => &["spec"],
        (None, true) => &["status"],
        _ => &[],
    };
    let opts = ApplyOptions {
        reset_fields,
        manager,
        force,
        now,
        group: target.group,
        kind: target.kind,
        subresource: target.subresource,
    };
    patch::apply_with(live, applied, &opts).map_err(|e| {
        ErrorResponse::from_status(e.to_status(target.group, target.plural, target.name))
    })
}

/// The applied configuration of an apply body (YAML, which includes JSON).
pub(crate) fn decode_apply_body(body: &[u8]) -> ApiResult<Value> {
    patch::decode_apply_body(body).map_err(patch_error)
}

/// RFC 6902 JSON patch.
pub(crate) fn json_patch(original: &Value, body: &[u8]) -> ApiResult<Value> {
    patch::json_patch(original, body).map_err(patch_error)
}

/// RFC 7386 merge patch.
pub(crate) fn merge_patch(original: &Value, body: &[u8]) -> ApiResult<Value> {
    patch::merge_patch(original, body).map_err(patch_error)
}

/// Strategic merge patch.
pub(crate) fn strategic_merge(
    original: &Value,
    body: &[u8],
    group: &str,
    kind: &str,
) -> ApiResult<Value> {
    let p: Value = serde_json::from_slice(body)
        .map_err(|e| ErrorResponse::bad_request(format!("error decoding patch: {e}")))?;
    patch::strategic_merge(original, &p, group, kind).map_err(patch_error)
}
