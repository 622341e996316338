//! Rendering objects and lists in the negotiated format: JSON, YAML, server-side Table,
//! or PartialObjectMetadata.

use std::sync::Arc;

use bytes::Bytes;
use http::{Response, StatusCode};
use serde_json::{Value, json};

use super::Ctx;
use super::context::json_in_version;
use crate::error::{ApiResult, ErrorResponse};
use crate::registry::Served;
use crate::respond::{Body, Output, encode_plain, json_response, value_response};
use crate::store::{Obj, Undecodable};
use crate::table::{self, IncludeObject, PrinterColumn};

/// List metadata of a response.
#[derive(Debug, Default)]
pub(super) struct ListMeta {
    pub rv: u64,
    pub continue_token: Option<String>,
    pub remaining: Option<u64>,
}

impl ListMeta {
    pub(super) fn to_value(&self) -> Value {
        let mut m = serde_json::Map::new();
        m.insert("resourceVersion".into(), Value::String(self.rv.to_string()));
        if let Some(c) = &self.continue_token {
            m.insert("continue".into(), Value::String(c.clone()));
        }
        if let Some(r) = self.remaining {
            m.insert("remainingItemCount".into(), json!(r));
        }
        Value::Object(m)
    }
}

fn printer_columns(served: &Served) -> Option<Vec<PrinterColumn>> {
    let crd = served.crd.as_ref()?;
    Some(
        crd.columns
            .iter()
            .map(|c| PrinterColumn {
                name: c.name.clone(),
                type_: c.type_.clone(),
                format: c.format.clone(),
                description: c.description.clone(),
                priority: c.priority,
                json_path: c.json_path.clone(),
            })
            .collect(),
    )
}

/// A meta.k8s.io/v1 Table of `objects`.
pub(super) fn table(ctx: &Ctx, objects: &[&Value], list_meta: Value) -> Value {
    table_of(
        &ctx.served,
        ctx.query.include_object.as_deref(),
        objects,
        list_meta,
    )
}

/// [`table`] without a request context (watch streams outlive it).
pub(super) fn table_of(
    served: &Served,
    include_object: Option<&str>,
    objects: &[&Value],
    list_meta: Value,
) -> Value {
    let include = IncludeObject::parse(include_object);
    let columns = printer_columns(served);
    table::to_table(
        &served.info,
        objects,
        list_meta,
        include,
        jiff::Timestamp::now(),
        columns.as_deref(),
    )
}

/// PartialObjectMetadata of one object, serialized around the stored metadata bytes.
pub(super) fn partial_metadata(obj: &Obj) -> Result<Vec<u8>, Undecodable> {
    let mut out = Vec::new();
    write_partial_metadata(obj, &mut out)?;
    Ok(out)
}

/// [`partial_metadata`] appended to `out`, so a list writes its items in place.
fn write_partial_metadata(obj: &Obj, out: &mut Vec<u8>) -> Result<(), Undecodable> {
    const HEAD: &[u8] =
        br#"{"apiVersion":"meta.k8s.io/v1","kind":"PartialObjectMetadata","metadata":"#;
    let metadata = obj.metadata_json()?;
    out.reserve(HEAD.len() + metadata.len() + 1);
    out.extend_from_slice(HEAD);
    out.extend_from_slice(metadata);
    out.push(b'}');
    Ok(())
}

/// `head` (a serialized JSON object) with `"items":[...]` spliced in before its closing
/// brace; `item` writes one element.
fn splice_items<T, E>(
    head: &Value,
    items: &[T],
    size_hint: usize,
    mut item: impl FnMut(&T, &mut Vec<u8>) -> Result<(), E>,
) -> Result<Vec<u8>, E> {
    let head = serde_json::to_vec(head).unwrap_or_default();
    let mut out = Vec::with_capacity(head.len() + size_hint + 16);
    out.extend_from_slice(&head[..head.len().saturating_sub(1)]);
    out.extend_from_slice(b",\"items\":[");
    for (i, x) in items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        item(x, &mut out)?;
    }
    out.extend_from_slice(b"]}");
    Ok(out)
}

/// One object in the negotiated format.
pub(super) fn object_response(ctx: &Ctx, code: StatusCode, obj: &Obj) -> ApiResult<Response<Body>> {
    let output = ctx.output()?;
    Ok(match output {
        Output::Table => {
            let value = ctx.object_value(obj)?;
            let rv = obj.resource_version().to_string();
            value_response(code, &table(ctx, &[&value], json!({"resourceVersion": rv})))
        }
        Output::PartialMetadata => json_response(code, partial_metadata(obj)?),
        Output::Json | Output::Yaml => encode_plain(code, output, ctx.object_json(obj)?),
        Output::Protobuf => super::protobuf::object(ctx, code, obj, false)?,
        Output::PartialMetadataProtobuf => super::protobuf::object(ctx, code, obj, true)?,
    })
}

/// A value of another kind than the endpoint's (a Scale), as JSON, YAML or protobuf.
pub(super) fn foreign_value_response(
    ctx: &Ctx,
    code: StatusCode,
    value: &Value,
) -> ApiResult<Response<Body>> {
    super::protobuf::foreign_value(ctx, code, value)
}

/// A list in the negotiated format; JSON lists are assembled from the stored bytes.
pub(super) fn list_response(
    ctx: &Ctx,
    items: &[Arc<Obj>],
    meta: &ListMeta,
) -> ApiResult<Response<Body>> {
    let output = ctx.output()?;
    match output {
        Output::Protobuf => super::protobuf::list(ctx, items, meta, false),
        Output::PartialMetadataProtobuf => super::protobuf::list(ctx, items, meta, true),
        Output::Table => {
            let values = items
                .iter()
                .map(|o| ctx.object_value(o))
                .collect::<ApiResult<Vec<_>>>()?;
            let refs: Vec<&Value> = values.iter().collect();
            Ok(value_response(
                StatusCode::OK,
                &table(ctx, &refs, meta.to_value()),
            ))
        }
        Output::PartialMetadata => {
            let head = json!({
                "kind": "PartialObjectMetadataList",
                "apiVersion": "meta.k8s.io/v1",
                "metadata": meta.to_value(),
            });
            let out = splice_items(&head, items, 0, |obj, out| write_partial_metadata(obj, out))?;
            Ok(json_response(StatusCode::OK, out))
        }
        Output::Json | Output::Yaml => {
            let head = json!({
                "kind": ctx.served.list_kind(),
                "apiVersion": ctx.api_version(),
                "metadata": meta.to_value(),
            });
            let api_version = ctx.api_version();
            let typed = !ctx.served.is_crd();
            let total: usize = items.iter().map(|o| o.json.len() + 1).sum();
            let defaults = crate::crd_schema::has_defaults(&ctx.served);
            let out = splice_items(&head, items, total, |obj, out| {
                if typed && !defaults && obj.api_version() == api_version && obj.write_untyped(out)
                {
                    return Ok(());
                }
                let json = if defaults {
                    ctx.object_json(obj)?
                } else {
                    json_in_version(obj, &api_version)?
                };
                if typed {
                    super::list_item::write_without_type_meta(&json, out)
                        .map_err(|e| ErrorResponse::internal(e.to_string()))?;
                } else {
                    out.extend_from_slice(&json);
                }
                Ok::<_, ErrorResponse>(())
            })?;
            Ok(encode_plain(StatusCode::OK, output, Bytes::from(out)))
        }
    }
}
