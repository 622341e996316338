//! HTTP plumbing shared by all handlers: the response body type, JSON/YAML/Status
//! responses, request body reading with kube-apiserver's size limit, and the request
//! media types (responses are negotiated in [`crate::negotiate`]).

use std::convert::Infallible;

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Response, StatusCode, header};
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Full, Limited};
use serde_json::Value;

use crate::error::{ApiResult, ErrorResponse};

/// Response body: a full buffer or a stream (watches).
pub(crate) type Body = UnsyncBoxBody<Bytes, Infallible>;

/// kube-apiserver's request body limit (3 MiB).
pub(crate) const MAX_BODY_BYTES: usize = 3 * 1024 * 1024;

pub(crate) fn full(bytes: impl Into<Bytes>) -> Body {
    Full::new(bytes.into()).boxed_unsync()
}

/// A response with a body and content type.
pub(crate) fn bytes_response(code: StatusCode, content_type: &str, body: Bytes) -> Response<Body> {
    let mut resp = Response::new(full(body));
    *resp.status_mut() = code;
    if let Ok(v) = HeaderValue::from_str(content_type) {
        resp.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    resp
}

pub(crate) fn json_response(code: StatusCode, body: impl Into<Bytes>) -> Response<Body> {
    bytes_response(code, "application/json", body.into())
}

pub(crate) fn value_response(code: StatusCode, value: &Value) -> Response<Body> {
    json_response(code, serde_json::to_vec(value).unwrap_or_default())
}

pub(crate) fn error_response(err: ErrorResponse) -> Response<Body> {
    let mut resp = json_response(err.code(), err.body());
    for (name, value) in err.headers {
        resp.headers_mut().append(name, value);
    }
    resp
}

/// The first value of a header as text ("" when absent or not visible ASCII).
pub(crate) fn header_str(headers: &HeaderMap, name: header::HeaderName) -> &str {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

/// Reads the whole request body, answering 413 above [`MAX_BODY_BYTES`].
pub(crate) async fn read_body<B>(headers: &HeaderMap, body: B) -> ApiResult<Bytes>
where
    B: http_body::Body<Data = Bytes>,
    B::Error: std::error::Error + Send + Sync + 'static,
{
    let declared = header_str(headers, header::CONTENT_LENGTH)
        .parse::<usize>()
        .ok();
    if declared.is_some_and(|n| n > MAX_BODY_BYTES) {
        return Err(ErrorResponse::entity_too_large(MAX_BODY_BYTES));
    }
    match Limited::new(body, MAX_BODY_BYTES).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => {
            Err(ErrorResponse::entity_too_large(MAX_BODY_BYTES))
        }
        Err(e) => Err(ErrorResponse::bad_request(format!(
            "failed to read the request body: {e}"
        ))),
    }
}

/// The media type (lower-case, parameters stripped) of a Content-Type value.
pub(crate) fn media_type(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// Kubernetes' protobuf media type.
pub(crate) const PROTOBUF: &str = "application/vnd.kubernetes.protobuf";

/// Decodes a create/update body (JSON, YAML, or protobuf for every built-in kind, through
/// `kclient-protobuf`) into a JSON object.
pub(crate) fn decode_object(headers: &HeaderMap, body: &[u8]) -> ApiResult<Value> {
    let ct = header_str(headers, header::CONTENT_TYPE);
    let value: Value = match media_type(ct).as_str() {
        "application/json" => serde_json::from_slice(body).map_err(|e| {
            ErrorResponse::bad_request(format!("couldn't get version/kind; json parse error: {e}"))
        })?,
        "application/yaml" | "application/x-yaml" | "text/yaml" => serde_yaml_ng::from_slice(body)
            .map_err(|e| {
                ErrorResponse::bad_request(format!(
                    "couldn't get version/kind; yaml parse error: {e}"
                ))
            })?,
        PROTOBUF => match kclient_protobuf::decode_object(body) {
            Ok(v) => v,
            Err(kclient_protobuf::Error::UnknownKind { .. }) => {
                return Err(unsupported_body_type(ct));
            }
            Err(e) => return Err(ErrorResponse::bad_request(e.to_string())),
        },
        _ => return Err(unsupported_body_type(ct)),
    };
    if !value.is_object() {
        return Err(ErrorResponse::bad_request(
            "the object provided is unrecognized (must be of type map)",
        ));
    }
    Ok(value)
}

/// 415 for a body in a format the server does not read.
pub(crate) fn unsupported_body_type(_content_type: &str) -> ErrorResponse {
    ErrorResponse::unsupported_media_type(&[
        "application/json",
        "application/yaml",
        "application/vnd.kubernetes.protobuf",
    ])
}

/// What the client asked to get back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Output {
    Json,
    Yaml,
    Table,
    /// `as=PartialObjectMetadata` / `PartialObjectMetadataList`.
    PartialMetadata,
    /// `application/vnd.kubernetes.protobuf` (built-in kinds).
    Protobuf,
    /// PartialObjectMetadata(List) in protobuf.
    PartialMetadataProtobuf,
}

/// Encodes an object response in the negotiated plain format (JSON or YAML).
pub(crate) fn encode_plain(code: StatusCode, output: Output, json: Bytes) -> Response<Body> {
    if output == Output::Yaml
        && let Ok(v) = serde_json::from_slice::<Value>(&json)
        && let Ok(y) = serde_yaml_ng::to_string(&v)
    {
        return bytes_response(code, "application/yaml", Bytes::from(y));
    }
    json_response(code, json)
}

/// Adds a `Warning: 299 - "..."` header (kubectl prints these).
pub(crate) fn add_warning(resp: &mut Response<Body>, text: &str) {
    let escaped = text.replace('\\', "\\\\").replace('"', "\\\"");
    if let Ok(v) = HeaderValue::from_str(&format!("299 - \"{escaped}\"")) {
        resp.headers_mut().append(header::WARNING, v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_decoding() {
        let mut h = HeaderMap::new();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        );
        assert!(decode_object(&h, br#"{"a":1}"#).is_ok());
        assert_eq!(
            decode_object(&h, b"{").unwrap_err().code(),
            StatusCode::BAD_REQUEST
        );
        assert_eq!(
            decode_object(&h, b"[1]").unwrap_err().code(),
            StatusCode::BAD_REQUEST
        );
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/yaml"),
        );
        let v = decode_object(&h, b"a: 1\nb: [x]\n").unwrap();
        assert_eq!(v["b"][0], "x");
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
        assert_eq!(
            decode_object(&h, b"{}").unwrap_err().code(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE
        );
    }

    #[tokio::test]
    async fn body_limit() {
        let big = Full::new(Bytes::from(vec![b' '; MAX_BODY_BYTES + 1]));
        let err = read_body(&HeaderMap::new(), big).await.unwrap_err();
        assert_eq!(err.code(), StatusCode::PAYLOAD_TOO_LARGE);
        let ok = read_body(&HeaderMap::new(), Full::new(Bytes::from_static(b"{}")))
            .await
            .unwrap();
        assert_eq!(&ok[..], b"{}");
    }
}
