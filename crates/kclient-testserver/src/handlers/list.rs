//! LIST: selectors, resourceVersion semantics, limit/continue over stable snapshots.

use base64::Engine as _;
use http::Response;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ListMeta as WireListMeta;
use kclient_core::selector::{FieldSelector, LabelSelector};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::Ctx;
use super::context::value_in_version;
use super::output::{ListMeta, list_response};
use super::watch_cache;
use crate::catalog;
use crate::error::{ApiResult, ErrorResponse, FieldError};
use crate::registry::Served;
use crate::respond::Body;
use crate::store::{ListRequest, Obj, ReadAt, ReadError};

/// Parsed label and field selectors of a request.
#[derive(Debug, Default)]
pub(crate) struct Selectors {
    label: Option<LabelSelector>,
    field: Option<FieldSelector>,
}

impl Selectors {
    /// Parses `labelSelector` / `fieldSelector`, rejecting unsupported field labels.
    pub(crate) fn from_query(ctx: &Ctx) -> ApiResult<Self> {
        Self::parse(
            &ctx.served,
            ctx.query.label_selector.as_deref(),
            ctx.query.field_selector.as_deref(),
        )
    }

    pub(crate) fn parse(
        served: &Served,
        label: Option<&str>,
        field: Option<&str>,
    ) -> ApiResult<Self> {
        let label = match label.map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) => Some(
                s.parse::<LabelSelector>()
                    .map_err(|e| ErrorResponse::bad_request(e.to_string()))?,
            ),
            None => None,
        };
        let field = match field.map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) => {
                let sel = s
                    .parse::<FieldSelector>()
                    .map_err(|e| ErrorResponse::bad_request(e.to_string()))?;
                for req in sel.requirements() {
                    let f = req.field.as_str();
                    if !catalog::field_label_supported(&served.info.group, &served.info.kind, f) {
                        return Err(ErrorResponse::bad_request(format!(
                            "field label not supported: {f}"
                        )));
                    }
                }
                Some(sel)
            }
            None => None,
        };
        Ok(Selectors { label, field })
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.label.as_ref().is_none_or(LabelSelector::is_empty)
            && self.field.as_ref().is_none_or(FieldSelector::is_empty)
    }

    /// Whether the object matches both selectors.
    pub(crate) fn matches(&self, served: &Served, obj: &Obj) -> bool {
        if let Some(l) = &self.label
            && !l.matches(&obj.labels)
        {
            return false;
        }
        if let Some(f) = &self.field {
            let info = &served.info;
            // The stored field set answers; the tree is parsed (at most once per object)
            // only for an object whose own kind does not define the label. `Some(None)`
            // records bytes that did not parse: such an object matches nothing.
            let mut tree: Option<Option<Value>> = None;
            let matched = f.matches(|field: &str| match field {
                "metadata.name" => Some(obj.name().to_string()),
                "metadata.namespace" => Some(obj.namespace().to_string()),
                _ => match obj.field(field) {
                    Some(v) => Some(v.to_string()),
                    None => tree
                        .get_or_insert_with(|| value_in_version(obj, &served.api_version()).ok())
                        .as_ref()
                        .and_then(|v| catalog::field_value(&info.group, &info.kind, v, field)),
                },
            });
            return matched && !matches!(tree, Some(None));
        }
        true
    }
}

/// The continue token: like kube-apiserver's, base64 of the snapshot RV and the next key.
#[derive(Serialize, Deserialize)]
struct ContinueToken {
    v: String,
    rv: i64,
    start: String,
}

fn encode_continue(rv: u64, last_key: &str) -> String {
    let token = ContinueToken {
        v: "meta.k8s.io/v1".into(),
        rv: i64::try_from(rv).unwrap_or(i64::MAX),
        start: format!("{last_key}\u{0}"),
    };
    base64::engine::general_purpose::STANDARD.encode(serde_json::to_vec(&token).unwrap_or_default())
}

fn decode_continue(token: &str) -> ApiResult<(i64, String)> {
    let bad = |why: &str| ErrorResponse::bad_request(format!("continue key is not valid: {why}"));
    let raw = base64::engine::general_purpose::STANDARD
        .decode(token)
        .or_else(|_| base64::engine::general_purpose::URL_SAFE.decode(token))
        .map_err(|_| bad("illegal base64 data"))?;
    let t: ContinueToken = serde_json::from_slice(&raw)
        .map_err(|_| bad("incorrect encoded start resourceVersion (version meta.k8s.io/v1)"))?;
    if t.v != "meta.k8s.io/v1" {
        return Err(bad(
            "incorrect encoded start resourceVersion (version meta.k8s.io/v1)",
        ));
    }
    let start = t
        .start
        .strip_suffix('\u{0}')
        .unwrap_or(&t.start)
        .to_string();
    Ok((t.rv, start))
}

fn list_options_invalid(err: FieldError) -> ErrorResponse {
    ErrorResponse::invalid("meta.k8s.io", "ListOptions", "", &[err])
}

/// Parses a resourceVersion parameter.
pub(super) fn parse_rv(rv: &str) -> ApiResult<u64> {
    rv.parse::<u64>()
        .map_err(|_| ErrorResponse::bad_request(format!("invalid resource version: {rv}")))
}

/// Where a list reads from, per `resourceVersion` + `resourceVersionMatch`.
pub(super) fn read_at(ctx: &Ctx) -> ApiResult<ReadAt> {
    let rv = ctx.query.rv();
    let rv_match = ctx
        .query
        .resource_version_match
        .as_deref()
        .filter(|s| !s.is_empty());
    match (rv, rv_match) {
        (None, Some(_)) => Err(list_options_invalid(FieldError::forbidden(
            "resourceVersionMatch",
            "resourceVersionMatch is forbidden unless resourceVersion is provided",
        ))),
        (None, None) => Ok(ReadAt::Latest),
        (Some(rv), None) => {
            let n = parse_rv(rv)?;
            Ok(if n == 0 {
                ReadAt::Latest
            } else if watch_cache::is_legacy_exact(n, ctx.query.limit) {
                ReadAt::Exact(n)
            } else {
                ReadAt::NotOlderThan(n)
            })
        }
        (Some(rv), Some("NotOlderThan")) => {
            let n = parse_rv(rv)?;
            Ok(if n == 0 {
                ReadAt::Latest
            } else {
                ReadAt::NotOlderThan(n)
            })
        }
        (Some(rv), Some("Exact")) => {
            let n = parse_rv(rv)?;
            if n == 0 {
                return Err(list_options_invalid(FieldError::forbidden(
                    "resourceVersionMatch",
                    "resourceVersionMatch \"exact\" is forbidden for resourceVersion \"0\"",
                )));
            }
            Ok(ReadAt::Exact(n))
        }
        (Some(_), Some(other)) => Err(list_options_invalid(FieldError::not_supported(
            "resourceVersionMatch",
            Value::String(other.to_string()),
            &["Exact", "NotOlderThan", ""],
        ))),
    }
}

/// The Status for a read at an unusable resourceVersion.
pub(super) fn read_error(err: ReadError) -> ErrorResponse {
    match err {
        ReadError::TooOld { requested, oldest } => {
            ErrorResponse::expired(format!("too old resource version: {requested} ({oldest})"))
        }
        ReadError::TooLarge { requested, current } => {
            ErrorResponse::too_large_rv(requested, current)
        }
    }
}

const CONTINUE_EXPIRED: &str = "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.";

/// `GET` on a collection.
pub(super) fn list(ctx: &Ctx) -> ApiResult<Response<Body>> {
    let selectors = Selectors::from_query(ctx)?;
    let continue_token = ctx
        .query
        .continue_token
        .as_deref()
        .filter(|s| !s.is_empty());
    let (at, after) = match continue_token {
        Some(token) => {
            if ctx.query.rv().is_some_and(|rv| rv != "0") {
                return Err(list_options_invalid(FieldError::forbidden(
                    "resourceVersion",
                    "specifying resource version is not allowed when using continue",
                )));
            }
            if ctx
                .query
                .resource_version_match
                .as_deref()
                .is_some_and(|m| !m.is_empty())
            {
                return Err(list_options_invalid(FieldError::forbidden(
                    "resourceVersionMatch",
                    "resourceVersionMatch is forbidden when continue is provided",
                )));
            }
            let (rv, start) = decode_continue(token)?;
            let at = match u64::try_from(rv) {
                Ok(rv) if rv > 0 => ReadAt::Exact(rv),
                _ => ReadAt::Latest,
            };
            (at, Some(start))
        }
        None => (read_at(ctx)?, None),
    };
    let from_cache = watch_cache::ignores_limit(ctx.query.rv(), continue_token.is_some());
    let limit = ctx
        .query
        .limit
        .filter(|l| *l > 0 && !from_cache)
        .and_then(|l| usize::try_from(l).ok());
    let store = ctx.store();
    let req = ListRequest {
        namespace: ctx.req.namespace.as_deref(),
        at,
        after: after.as_deref(),
        limit,
        count_remaining: selectors.is_empty(),
    };
    let page = match store.list(&req, &|o: &Obj| selectors.matches(&ctx.served, o)) {
        Ok(p) => p,
        Err(ReadError::TooOld { .. }) if continue_token.is_some() => {
            let mut err = ErrorResponse::expired(CONTINUE_EXPIRED);
            let fresh = after.as_deref().map(|k| encode_continue(0, k));
            err.status.metadata = WireListMeta {
                continue_: fresh,
                ..WireListMeta::default()
            };
            return Err(err);
        }
        Err(e) => return Err(read_error(e)),
    };
    // Pages of an inconsistent continuation keep reading the latest state.
    let token_rv = if at == ReadAt::Latest && continue_token.is_some() {
        0
    } else {
        page.rv
    };
    let meta = ListMeta {
        rv: page.rv,
        continue_token: page
            .next_key
            .as_deref()
            .map(|k| encode_continue(token_rv, k)),
        remaining: page.remaining,
    };
    list_response(ctx, &page.items, &meta)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn continue_tokens_round_trip() {
        let t = encode_continue(42, "ns/name");
        assert_eq!(decode_continue(&t).unwrap(), (42, "ns/name".to_string()));
        assert!(decode_continue("!!!").is_err());
        let not_json = base64::engine::general_purpose::STANDARD.encode("nope");
        assert!(decode_continue(&not_json).is_err());
    }
}
