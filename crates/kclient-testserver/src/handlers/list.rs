//! LIST: selectors, resourceVersion semantics, limit/continue over stable snapshots.

use http::Response;
use kclient_core::selector::{FieldSelector, LabelSelector};
use serde_json::Value;

use super::Ctx;
use super::context::value_in_version;
use super::continue_token;
use super::output::{ListMeta, list_response};
use super::selector_message;
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
        let label =
            match label.map(str::trim).filter(|s| !s.is_empty()) {
                Some(s) => Some(s.parse::<LabelSelector>().map_err(|e| {
                    ErrorResponse::bad_request(selector_message::label_selector(&e))
                })?),
                None => None,
            };
        let field = match field.map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) => {
                let sel = s
                    .parse::<FieldSelector>()
                    .map_err(|e| ErrorResponse::bad_request(e.to_string()))?;
                for req in sel.requirements() {
                    let f = req.field.as_str();
                    let info = &served.info;
                    // A cluster-scoped custom resource has no namespace to select on.
                    let crd_namespace =
                        served.is_crd() && !info.namespaced && f == "metadata.namespace";
                    if crd_namespace || !catalog::field_label_supported(&info.group, &info.kind, f)
                    {
                        return Err(ErrorResponse::bad_request(
                            catalog::unsupported_field_label(
                                &info.group,
                                &info.kind,
                                served.is_crd(),
                                f,
                            ),
                        ));
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

/// etcd's answer to a list at a compacted resourceVersion.
const LIST_EXPIRED: &str = "The resourceVersion for the provided list is too old.";

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
            let (rv, start) = continue_token::decode(token)?;
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
        Err(ReadError::TooOld { .. }) => {
            // Exact reads and continuations are etcd's (the watch cache does not keep old
            // snapshots in 1.33), so its messages.
            return Err(match after.as_deref() {
                Some(after) => continue_token::expired(after),
                None => ErrorResponse::expired(LIST_EXPIRED),
            });
        }
        Err(e) => return Err(read_error(e)),
    };
    // The next page reads the snapshot this one was read at, also after a `-1` token.
    let token_rv = i64::try_from(page.rv).unwrap_or(i64::MAX);
    let meta = ListMeta {
        rv: page.rv,
        continue_token: page
            .next_key
            .as_deref()
            .map(|k| continue_token::encode(token_rv, k)),
        remaining: page.remaining,
    };
    list_response(ctx, &page.items, &meta)
}
