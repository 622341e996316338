//! Bodies by media type (see `kclient_config::content` for what is asked): a response is
//! decoded by the `Content-Type` it carries, not by what the request accepted — Kubernetes
//! protobuf through kclient-protobuf, anything else as JSON — so a server that answers JSON
//! to a protobuf request (custom resources, aggregated servers, servers without protobuf)
//! keeps working.

use std::borrow::Cow;

use http::HeaderMap;
use http::header::CONTENT_TYPE;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::error::Error;
use crate::response::decode_json;

/// Whether the headers announce a Kubernetes protobuf body (an object, a list, a `Status`, or
/// with `;stream=watch` a watch stream).
pub(crate) fn is_protobuf(headers: &HeaderMap) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(kclient_config::content::is_protobuf)
}

/// Decodes a response body into `T` by its `Content-Type`.
pub(crate) fn decode_body<T: DeserializeOwned>(
    headers: &HeaderMap,
    body: &[u8],
) -> Result<T, Error> {
    if is_protobuf(headers) {
        decode_protobuf(body)
    } else {
        decode_json(body)
    }
}

/// Decodes an encoded object (`k8s\0` + envelope); like the JSON path, the error names the
/// problem, the size and the target type, never the body.
pub(crate) fn decode_protobuf<T: DeserializeOwned>(body: &[u8]) -> Result<T, Error> {
    kclient_protobuf::decode_object(body).map_err(|err| Error::Decode {
        message: format!(
            "{err} (decoding {} bytes of protobuf into {})",
            body.len(),
            std::any::type_name::<T>()
        ),
    })
}

/// Only `apiVersion` and `kind`, to tell what a JSON body holds without decoding it.
#[derive(Deserialize)]
struct TypeProbe<'a> {
    #[serde(default, rename = "apiVersion", borrow)]
    api_version: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    kind: Option<Cow<'a, str>>,
}

/// The `apiVersion` and `kind` of a body (empty when it has none), read from the protobuf
/// envelope or the JSON object's top level.
pub(crate) fn type_meta(headers: &HeaderMap, body: &[u8]) -> Result<(String, String), Error> {
    if is_protobuf(headers) {
        let env = kclient_protobuf::Envelope::parse(body).map_err(|err| Error::Decode {
            message: format!("{err} (reading the envelope of {} bytes)", body.len()),
        })?;
        return Ok((env.api_version.to_owned(), env.kind.to_owned()));
    }
    let probe: TypeProbe<'_> = decode_json_borrowed(body)?;
    Ok((
        probe.api_version.map(Cow::into_owned).unwrap_or_default(),
        probe.kind.map(Cow::into_owned).unwrap_or_default(),
    ))
}

fn decode_json_borrowed<'a, T: Deserialize<'a>>(body: &'a [u8]) -> Result<T, Error> {
    serde_json::from_slice(body).map_err(|err| Error::Decode {
        message: format!("{err} (decoding {} bytes)", body.len()),
    })
}

/// An error response's protobuf `Status`, re-encoded as the JSON the rest of the error path
/// reads (so both wire forms meet one rule); `None` when the body is not an encoded object.
pub(crate) fn protobuf_status_as_json(headers: &HeaderMap, body: &[u8]) -> Option<Vec<u8>> {
    if !is_protobuf(headers) {
        return None;
    }
    let status = kclient_protobuf::decode_status(body).ok()?;
    serde_json::to_vec(&status).ok()
}
