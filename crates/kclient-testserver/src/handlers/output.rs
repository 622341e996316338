//! Rendering objects and lists in the negotiated format: JSON, YAML, server-side Table,
//! or PartialObjectMetadata.

use std::sync::Arc;

use bytes::Bytes;
use http::{Response, StatusCode};
use serde_json::{Value, json};

use super::Ctx;
use super::context::{json_in_version, metadata_in_version};
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

/// A meta.k8s.io/v1 Table of `objects` (also for watch streams, which outlive a request
/// context).
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

/// [`table_of`] of stored objects, `objects` being them as this endpoint serves them. A
/// kind storage keeps in one form ([`crate::convert::stores_one_form`]) is printed from
/// that form, as kube-apiserver prints the internal object; the rows carry the objects
/// as served.
pub(super) fn table_of_stored(
    served: &Served,
    include_object: Option<&str>,
    stored: &[&Obj],
    objects: &[&Value],
    list_meta: Value,
) -> ApiResult<Value> {
    // Served in the stored form: the objects are what is printed.
    let as_stored = stored
        .iter()
        .zip(objects)
        .all(|(o, v)| v.get("apiVersion").and_then(Value::as_str) == Some(o.api_version()));
    if as_stored || !crate::convert::stores_one_form(served) {
        return Ok(table_of(served, include_object, objects, list_meta));
    }
    let printed = stored
        .iter()
        .map(|o| o.value())
        .collect::<Result<Vec<Value>, Undecodable>>()?;
    let refs: Vec<&Value> = printed.iter().collect();
    let mut table = table_of(served, include_object, &refs, list_meta);
    let rows = table.get_mut("rows").and_then(Value::as_array_mut);
    for (row, served_obj) in rows.into_iter().flatten().zip(objects) {
        match row.get_mut("object") {
            Some(o) if o.get("kind").and_then(Value::as_str) == Some("PartialObjectMetadata") => {
                o["metadata"] = served_obj
                    .get("metadata")
                    .cloned()
                    .unwrap_or_else(|| json!({}));
            }
            Some(o) if !o.is_null() => *o = (*served_obj).clone(),
            _ => {}
        }
    }
    Ok(table)
}

/// PartialObjectMetadata of one object served at `api_version`, serialized around the
/// stored metadata bytes.
pub(super) fn partial_metadata(obj: &Obj, api_version: &str) -> Result<Vec<u8>, Undecodable> {
    let mut out = Vec::new();
    write_partial_metadata(obj, api_version, &mut out)?;
    Ok(out)
}

/// [`partial_metadata`] appended to `out`, so a list writes its items in place.
fn write_partial_metadata(
    obj: &Obj,
    api_version: &str,
    out: &mut Vec<u8>,
) -> Result<(), Undecodable> {
    const HEAD: &[u8] =
        br#"{"apiVersion":"meta.k8s.io/v1","kind":"PartialObjectMetadata","metadata":"#;
    let metadata = metadata_in_version(obj, api_version)?;
    out.reserve(HEAD.len() + metadata.len() + 1);
    out.extend_from_slice(HEAD);
    out.extend_from_slice(&metadata);
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
            let meta = json!({"resourceVersion": rv});
            let include = ctx.query.include_object.as_deref();
            let table = table_of_stored(&ctx.served, include, &[obj], &[&value], meta)?;
            value_response(code, &table)
        }
        Output::PartialMetadata => json_response(code, partial_metadata(obj, &ctx.api_version())?),
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
            let stored: Vec<&Obj> = items.iter().map(AsRef::as_ref).collect();
            let include = ctx.query.include_object.as_deref();
            let table = table_of_stored(&ctx.served, include, &stored, &refs, meta.to_value())?;
            Ok(value_response(StatusCode::OK, &table))
        }
        Output::PartialMetadata => {
            let head = json!({
                "kind": "PartialObjectMetadataList",
                "apiVersion": "meta.k8s.io/v1",
                "metadata": meta.to_value(),
            });
            let api_version = ctx.api_version();
            let out = splice_items(&head, items, 0, |obj, out| {
                write_partial_metadata(obj, &api_version, out)
            })?;
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
