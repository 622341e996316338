//! Responses in Kubernetes protobuf (`application/vnd.kubernetes.protobuf`), through
//! `kclient-protobuf`: objects and lists in their `k8s\0` envelope, PartialObjectMetadata,
//! `Status` errors, and watch frames (`;stream=watch`: a 4-byte big-endian length, then a
//! `WatchEvent` whose object is enveloped).
//!
//! Stored objects are JSON bytes; they are streamed into the encoder ([`JsonText`]) rather
//! than parsed into trees, so a list of thousands of Pods costs one pass over each.

use std::sync::Arc;

use bytes::Bytes;
use http::{Response, StatusCode};
use kclient_protobuf::{
    Envelope, JsonText, encode_as, encode_list_of_encoded, encode_value, encode_watch_frame,
};
use serde::Serialize;
use serde_json::Value;

use super::Ctx;
use super::context::{json_in_version, metadata_in_version};
use super::output::ListMeta;
use crate::error::{ApiResult, ErrorResponse};
use crate::negotiate::{Encoding, Endpoint, error_encoding};
use crate::respond::{Body, Output, PROTOBUF, bytes_response, encode_plain, value_response};
use crate::router::Verb;
use crate::store::{Obj, Undecodable};

const META_V1: &str = "meta.k8s.io/v1";

/// What the request's endpoint can produce: protobuf for built-in kinds (custom resources
/// are unstructured and have no message); a watch needs a stream format.
pub(super) fn endpoint(ctx: &Ctx) -> Endpoint {
    Endpoint {
        protobuf: !ctx.served.is_crd()
            && kclient_protobuf::has_kind(&ctx.api_version(), ctx.kind()),
        watch: ctx.req.verb == Verb::Watch,
    }
}

fn encode_failed(e: kclient_protobuf::Error) -> ErrorResponse {
    ErrorResponse::internal(format!("encoding the response as protobuf: {e}"))
}

fn proto_response(code: StatusCode, body: Vec<u8>) -> Response<Body> {
    bytes_response(code, PROTOBUF, Bytes::from(body))
}

/// PartialObjectMetadata around an object's stored metadata text.
#[derive(Serialize)]
struct Partial<'a> {
    metadata: JsonText<'a>,
}

/// A list's message: its metadata, and its items as JSON text.
#[derive(Serialize)]
struct List<T> {
    metadata: Value,
    items: Vec<T>,
}

/// One object in protobuf, as the endpoint's kind (or as PartialObjectMetadata).
pub(super) fn object(
    ctx: &Ctx,
    code: StatusCode,
    obj: &Obj,
    partial: bool,
) -> ApiResult<Response<Body>> {
    let body = if partial {
        let metadata = metadata_in_version(obj, &ctx.api_version())?;
        let metadata = JsonText(&metadata);
        encode_as(META_V1, "PartialObjectMetadata", &Partial { metadata })
    } else {
        return Ok(bytes_response(
            code,
            PROTOBUF,
            encoded(obj, &ctx.api_version(), ctx.kind())?,
        ));
    };
    Ok(proto_response(code, body.map_err(encode_failed)?))
}

/// A list in protobuf: `<Kind>List`, or PartialObjectMetadataList.
pub(super) fn list(
    ctx: &Ctx,
    items: &[Arc<Obj>],
    meta: &ListMeta,
    partial: bool,
) -> ApiResult<Response<Body>> {
    let metadata = meta.to_value();
    let body = if partial {
        let api_version = ctx.api_version();
        let metadata_of = items
            .iter()
            .map(|o| metadata_in_version(o, &api_version))
            .collect::<Result<Vec<_>, Undecodable>>()?;
        let items = metadata_of
            .iter()
            .map(|m| Partial {
                metadata: JsonText(m),
            })
            .collect::<Vec<_>>();
        encode_as(
            META_V1,
            "PartialObjectMetadataList",
            &List { metadata, items },
        )
    } else {
        let api_version = ctx.api_version();
        let encodings = items
            .iter()
            .map(|o| encoded(o, &api_version, ctx.kind()))
            .collect::<Result<Vec<Bytes>, ErrorResponse>>()?;
        let raws = encodings
            .iter()
            .map(|e| Envelope::parse(e).map(|env| env.raw))
            .collect::<Result<Vec<&[u8]>, _>>()
            .map_err(encode_failed)?;
        encode_list_of_encoded(&api_version, &ctx.served.list_kind(), &metadata, &raws)
    };
    Ok(proto_response(StatusCode::OK, body.map_err(encode_failed)?))
}

/// A value carrying its own apiVersion and kind (a Scale, a Status, a review) in the
/// negotiated format: protobuf when negotiated, else JSON (YAML for `encode_plain` users).
pub(super) fn value_negotiated(
    ctx: &Ctx,
    code: StatusCode,
    value: &Value,
) -> ApiResult<Response<Body>> {
    match ctx.output()? {
        Output::Protobuf | Output::PartialMetadataProtobuf => Ok(proto_response(
            code,
            encode_value(value).map_err(encode_failed)?,
        )),
        _ => Ok(value_response(code, value)),
    }
}

/// A value as [`value_negotiated`], with YAML honoured too.
pub(super) fn foreign_value(
    ctx: &Ctx,
    code: StatusCode,
    value: &Value,
) -> ApiResult<Response<Body>> {
    let output = match ctx.output()? {
        Output::Protobuf | Output::PartialMetadataProtobuf => {
            return value_negotiated(ctx, code, value);
        }
        Output::Yaml => Output::Yaml,
        _ => Output::Json,
    };
    Ok(encode_plain(
        code,
        output,
        Bytes::from(serde_json::to_vec(value).unwrap_or_default()),
    ))
}

/// An error's `Status` in the encoding its request negotiates (kube-apiserver's
/// `ErrorNegotiated`): protobuf or YAML when Accept asks for them, JSON otherwise.
pub(crate) fn error_response(err: ErrorResponse, accept: &str) -> Response<Body> {
    let encoded = match error_encoding(accept) {
        Encoding::Json => None,
        Encoding::Protobuf => encode_as("v1", "Status", &*err.status)
            .ok()
            .map(|b| (PROTOBUF, Bytes::from(b))),
        Encoding::Yaml => serde_yaml_ng::to_string(&*err.status)
            .ok()
            .map(|y| ("application/yaml", Bytes::from(y))),
    };
    let Some((content_type, body)) = encoded else {
        return crate::respond::error_response(err);
    };
    let mut resp = bytes_response(err.code(), content_type, body);
    for (name, value) in err.headers {
        resp.headers_mut().append(name, value);
    }
    resp
}

/// One watch frame whose object is `obj` as `api_version`/`kind`.
pub(super) fn frame(
    event: &str,
    obj: &Obj,
    api_version: &str,
    kind: &str,
) -> Result<Bytes, ErrorResponse> {
    let object = encoded(obj, api_version, kind)?;
    Ok(Bytes::from(encode_watch_frame(event, &object)))
}

/// An object's encoding as `api_version`/`kind`. In the version it is stored in, the
/// encoding is made once and kept with the stored object (which never changes), as
/// kube-apiserver's watch cache keeps serialized objects: the JSON-to-protobuf conversion
/// this server needs (kube-apiserver encodes from Go structs) would otherwise make every
/// protobuf list several times slower than the same list in JSON, which copies stored bytes.
fn encoded(obj: &Obj, api_version: &str, kind: &str) -> Result<Bytes, ErrorResponse> {
    let encode = |json: &[u8]| encode_as(api_version, kind, &JsonText(json));
    if obj.api_version() == api_version {
        return obj.protobuf(encode).map_err(encode_failed);
    }
    let json = json_in_version(obj, api_version)?;
    Ok(Bytes::from(encode(&json).map_err(encode_failed)?))
}

/// One watch frame of an object's PartialObjectMetadata.
pub(super) fn partial_frame(
    event: &str,
    obj: &Obj,
    api_version: &str,
) -> Result<Bytes, ErrorResponse> {
    let metadata = metadata_in_version(obj, api_version)?;
    let metadata = JsonText(&metadata);
    let object = encode_as(META_V1, "PartialObjectMetadata", &Partial { metadata })
        .map_err(encode_failed)?;
    Ok(Bytes::from(encode_watch_frame(event, &object)))
}

/// A BOOKMARK frame: `bookmark` is the object of the watched kind holding only metadata;
/// a PartialObjectMetadata watch sends it as PartialObjectMetadata, as every object.
pub(super) fn bookmark_frame(output: Output, bookmark: &Value) -> Result<Bytes, ErrorResponse> {
    let object = if output == Output::PartialMetadataProtobuf {
        encode_as(META_V1, "PartialObjectMetadata", bookmark)
    } else {
        encode_value(bookmark)
    };
    Ok(Bytes::from(encode_watch_frame(
        "BOOKMARK",
        &object.map_err(encode_failed)?,
    )))
}

/// The ERROR frame carrying an error's `Status`.
pub(super) fn error_frame(err: &ErrorResponse) -> Bytes {
    let object = encode_as("v1", "Status", &*err.status).unwrap_or_default();
    Bytes::from(encode_watch_frame("ERROR", &object))
}

/// Whether an output is written in protobuf.
pub(super) fn is_protobuf(output: Output) -> bool {
    matches!(output, Output::Protobuf | Output::PartialMetadataProtobuf)
}
