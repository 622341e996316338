//! What a `DELETE` answers: kube-apiserver returns either the object (when finalizers or a
//! grace period keep it around, and for most kinds its last state) or a `metav1.Status`.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Status;
use serde::de::DeserializeOwned;

use crate::Error;

/// The server's answer to a delete.
#[derive(Clone, Debug, PartialEq)]
pub enum DeleteResponse<T> {
    /// The server returned the object: still present (with `deletionTimestamp` set, waiting
    /// for finalizers or a grace period) or its state at deletion.
    Object(T),
    /// The server returned a `Status` (usually `Success`): the object is gone.
    Status(Box<Status>),
}

impl<T> DeleteResponse<T> {
    /// The returned object, if the server sent one.
    pub fn object(&self) -> Option<&T> {
        match self {
            Self::Object(obj) => Some(obj),
            Self::Status(_) => None,
        }
    }

    /// The returned object by value, if the server sent one.
    pub fn into_object(self) -> Option<T> {
        match self {
            Self::Object(obj) => Some(obj),
            Self::Status(_) => None,
        }
    }

    /// The returned `Status`, if the server sent one.
    pub fn status(&self) -> Option<&Status> {
        match self {
            Self::Object(_) => None,
            Self::Status(status) => Some(status),
        }
    }

    /// Converts the object of the response, keeping a `Status` as it is.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> DeleteResponse<U> {
        match self {
            Self::Object(obj) => DeleteResponse::Object(f(obj)),
            Self::Status(status) => DeleteResponse::Status(status),
        }
    }
}

/// Tells a `Status` from the object by the body's `kind` (JSON or protobuf envelope), then
/// decodes it by its `Content-Type`.
pub(crate) fn decode_delete<T: DeserializeOwned>(
    resp: &kclient_rest::Response,
) -> Result<DeleteResponse<T>, Error> {
    let (api_version, kind) = resp.type_meta()?;
    // A Status is `kind: Status` in the core `v1` version; a custom kind named `Status` in
    // another group is still an object.
    if kind == "Status" && api_version == "v1" {
        Ok(DeleteResponse::Status(Box::new(resp.object()?)))
    } else {
        Ok(DeleteResponse::Object(resp.object()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::{HeaderMap, HeaderValue, StatusCode};
    use k8s_openapi::api::core::v1::ConfigMap;
    use kclient_rest::Response;

    fn response(content_type: &'static str, body: Vec<u8>) -> Response {
        let mut headers = HeaderMap::new();
        headers.insert(
            http::header::CONTENT_TYPE,
            HeaderValue::from_static(content_type),
        );
        Response::from_parts(StatusCode::OK, headers, body.into())
    }

    fn json(body: &[u8]) -> Response {
        response("application/json", body.to_vec())
    }

    #[test]
    fn tells_status_from_object() {
        let status = br#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Success"}"#;
        let got: DeleteResponse<ConfigMap> = decode_delete(&json(status)).unwrap();
        assert_eq!(got.status().unwrap().status.as_deref(), Some("Success"));

        let obj = br#"{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"a"}}"#;
        let got: DeleteResponse<ConfigMap> = decode_delete(&json(obj)).unwrap();
        assert_eq!(got.object().unwrap().metadata.name.as_deref(), Some("a"));
    }

    #[test]
    fn tells_status_from_object_in_protobuf() {
        let pb = "application/vnd.kubernetes.protobuf";
        let status = Status {
            status: Some("Success".into()),
            ..Status::default()
        };
        let body = kclient_protobuf::encode_object(&status).unwrap();
        let got: DeleteResponse<ConfigMap> = decode_delete(&response(pb, body)).unwrap();
        assert_eq!(got.status().unwrap().status.as_deref(), Some("Success"));

        let mut cm = ConfigMap::default();
        cm.metadata.name = Some("a".into());
        let body = kclient_protobuf::encode_object(&cm).unwrap();
        let got: DeleteResponse<ConfigMap> = decode_delete(&response(pb, body)).unwrap();
        assert_eq!(got.object().unwrap(), &cm);
    }

    #[test]
    fn garbage_is_a_decode_error() {
        let got = decode_delete::<ConfigMap>(&json(b"not json"));
        assert!(matches!(got, Err(Error::Decode { .. })));
    }
}
