//! What a `DELETE` answers: kube-apiserver returns either the object (when finalizers or a
//! grace period keep it around, and for most kinds its last state) or a `metav1.Status`.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Status;
use serde::Deserialize;
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

/// Only the `kind`, to tell a Status from the object without decoding it twice as the
/// wrong type.
#[derive(Deserialize)]
struct KindProbe<'a> {
    #[serde(default, borrow)]
    kind: Option<std::borrow::Cow<'a, str>>,
    #[serde(default, rename = "apiVersion", borrow)]
    api_version: Option<std::borrow::Cow<'a, str>>,
}

pub(crate) fn decode_delete<T: DeserializeOwned>(body: &[u8]) -> Result<DeleteResponse<T>, Error> {
    let decode_err = |e: serde_json::Error| Error::Decode {
        message: e.to_string(),
    };
    let probe: KindProbe<'_> = serde_json::from_slice(body).map_err(decode_err)?;
    // A Status is `kind: Status` in the core `v1` version; a custom kind named `Status` in
    // another group is still an object.
    let is_status =
        probe.kind.as_deref() == Some("Status") && probe.api_version.as_deref() == Some("v1");
    if is_status {
        let status: Status = serde_json::from_slice(body).map_err(decode_err)?;
        Ok(DeleteResponse::Status(Box::new(status)))
    } else {
        Ok(DeleteResponse::Object(
            serde_json::from_slice(body).map_err(decode_err)?,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::ConfigMap;

    #[test]
    fn tells_status_from_object() {
        let status = br#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Success"}"#;
        let got: DeleteResponse<ConfigMap> = decode_delete(status).unwrap();
        assert_eq!(got.status().unwrap().status.as_deref(), Some("Success"));

        let obj = br#"{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"a"}}"#;
        let got: DeleteResponse<ConfigMap> = decode_delete(obj).unwrap();
        assert_eq!(got.object().unwrap().metadata.name.as_deref(), Some("a"));
    }

    #[test]
    fn garbage_is_a_decode_error() {
        let got = decode_delete::<ConfigMap>(b"not json");
        assert!(matches!(got, Err(Error::Decode { .. })));
    }
}
