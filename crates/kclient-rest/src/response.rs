//! [`Response`]: a successful, fully read response, and the conversion of error responses into
//! [`Error::Api`].

use std::fmt;

use bytes::Bytes;
use http::{HeaderMap, Method, StatusCode};
use kclient_core::gvk::GroupResource;
use kclient_core::status::{ResponseContext, from_http_with};
use serde::de::DeserializeOwned;

use crate::error::Error;
use crate::transport::retry::retry_after_seconds;
use crate::warning::Warning;

/// A successful (2xx) response, body fully read (client-go's `Result`).
#[derive(Clone)]
pub struct Response {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
    pub(crate) warnings: Vec<Warning>,
}

impl Response {
    /// A response from its parts, without warnings: for in-process servers and tests.
    pub fn from_parts(status: StatusCode, headers: HeaderMap, body: Bytes) -> Self {
        Self {
            status,
            headers,
            body,
            warnings: Vec::new(),
        }
    }

    /// The HTTP status (200, 201 or 202 from kube-apiserver).
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The `Content-Type` header, if any.
    pub fn content_type(&self) -> Option<&str> {
        self.headers
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
    }

    /// The body bytes.
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// The body bytes, by value.
    pub fn into_body(self) -> Bytes {
        self.body
    }

    /// The server's warnings (already passed to the client's warning handler).
    pub fn warnings(&self) -> &[Warning] {
        &self.warnings
    }

    /// Decodes the body as JSON into `T`, whatever its `Content-Type`.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, Error> {
        decode_json(&self.body)
    }

    /// Decodes the body into `T` by its `Content-Type` (client-go's `Result.Into`): Kubernetes
    /// protobuf (`application/vnd.kubernetes.protobuf`, built-in kinds) straight into the
    /// k8s-openapi type, anything else as JSON.
    pub fn object<T: DeserializeOwned>(&self) -> Result<T, Error> {
        crate::content::decode_body(&self.headers, &self.body)
    }

    /// Whether the body is Kubernetes protobuf (by its `Content-Type`).
    pub fn is_protobuf(&self) -> bool {
        crate::content::is_protobuf(&self.headers)
    }

    /// The body's `apiVersion` and `kind` (empty strings when it has none), read from the
    /// protobuf envelope or the JSON object without decoding the rest: to tell a `Status`
    /// from an object, as a `DELETE`'s answer needs.
    pub fn type_meta(&self) -> Result<(String, String), Error> {
        crate::content::type_meta(&self.headers, &self.body)
    }
}

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Bodies may hold Secrets: show only their size.
        f.debug_struct("Response")
            .field("status", &self.status)
            .field("content_type", &self.content_type())
            .field("body_len", &self.body.len())
            .field("warnings", &self.warnings)
            .finish()
    }
}

/// Decodes JSON; the error names the problem and position, never the body.
pub(crate) fn decode_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, Error> {
    kclient_core::json::from_slice(body).map_err(|err| Error::Decode {
        message: format!(
            "{err} (decoding {} into {})",
            byte_size(body.len()),
            std::any::type_name::<T>()
        ),
    })
}

fn byte_size(len: usize) -> String {
    if len == 1 {
        "1 byte".to_owned()
    } else {
        format!("{len} bytes")
    }
}

/// What is known about the failed request, for a synthesized Status message.
pub(crate) struct FailedRequest<'a> {
    pub(crate) method: &'a Method,
    pub(crate) group: &'a str,
    pub(crate) resource: &'a str,
    pub(crate) name: &'a str,
}

/// The [`Error::Api`] for a non-2xx response: the body's own `Status` if it is one, otherwise
/// one synthesized from the code and a bounded body snippet (client-go's
/// `newUnstructuredResponseError`), with `Retry-After` recorded in `details.retryAfterSeconds`.
pub(crate) fn api_error(
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
    request: &FailedRequest<'_>,
) -> Error {
    let resource = (!request.resource.is_empty())
        .then(|| GroupResource::new(request.group, request.resource.to_lowercase()));
    let retry_after = retry_after_seconds(headers)
        .and_then(|s| i32::try_from(s).ok())
        .unwrap_or(0);
    let ctx = ResponseContext {
        method: request.method.as_str(),
        resource: resource.as_ref(),
        name: request.name,
        retry_after_seconds: retry_after,
    };
    // A protobuf Status meets the same rule as a JSON one.
    let protobuf_status = crate::content::protobuf_status_as_json(headers, body);
    let body = protobuf_status.as_deref().unwrap_or(body);
    let mut parsed = from_http_with(status.as_u16(), body, &ctx);
    if retry_after > 0 {
        let details = parsed.details.get_or_insert_with(Default::default);
        if details.retry_after_seconds.is_none() {
            details.retry_after_seconds = Some(retry_after);
        }
    }
    Error::Api(Box::new(parsed))
}

#[cfg(test)]
mod tests {
    use super::*;
    use kclient_core::ApiError;

    fn req<'a>(method: &'a Method, resource: &'a str, name: &'a str) -> FailedRequest<'a> {
        FailedRequest {
            method,
            group: "",
            resource,
            name,
        }
    }

    #[test]
    fn json_status_body_is_used() {
        let body = br#"{"kind":"Status","apiVersion":"v1","status":"Failure","message":"pods \"x\" not found","reason":"NotFound","details":{"name":"x","kind":"pods"},"code":404}"#;
        let err = api_error(
            StatusCode::NOT_FOUND,
            &HeaderMap::new(),
            body,
            &req(&Method::GET, "pods", "x"),
        );
        assert!(err.is_not_found());
        assert_eq!(err.to_string(), "pods \"x\" not found");
        assert_eq!(err.status_code(), Some(StatusCode::NOT_FOUND.as_u16()));
    }

    #[test]
    fn non_json_body_is_synthesized() {
        let mut headers = HeaderMap::new();
        headers.insert("retry-after", "7".parse().unwrap());
        let body = "<html>overloaded</html>".repeat(200);
        let err = api_error(
            StatusCode::TOO_MANY_REQUESTS,
            &headers,
            body.as_bytes(),
            &req(&Method::GET, "pods", ""),
        );
        assert!(err.is_too_many_requests());
        assert_eq!(err.retry_after(), Some(std::time::Duration::from_secs(7)));
        let status = err.status().unwrap();
        let cause = &status.details.as_ref().unwrap().causes.as_ref().unwrap()[0];
        assert!(cause.message.as_ref().unwrap().len() <= 2048);

        let err = api_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            &HeaderMap::new(),
            b"boom",
            &req(&Method::DELETE, "configmaps", "cm"),
        );
        assert!(err.is_server_error() && err.is_internal_error());
        assert!(err.to_string().contains("boom"), "{err}");
    }

    #[test]
    fn decode_errors_do_not_quote_the_body() {
        let err = decode_json::<Vec<u32>>(br#"{"secret":"hunter2"}"#).unwrap_err();
        assert!(matches!(err, Error::Decode { .. }));
        assert!(!err.to_string().contains("hunter2"), "{err}");
    }
}
