//! The four patch types kube-apiserver accepts, in one place: JSON patch (RFC 6902), JSON
//! merge patch (RFC 7386), strategic merge patch ([`strategic`]) and server-side apply
//! ([`apply`](mod@apply), with field ownership in `metadata.managedFields`).
//!
//! Errors carry the HTTP status kube-apiserver answers with ([`PatchRequestError::code`],
//! [`PatchRequestError::to_status`]).

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Status;
use kclient_core::status;
use serde_json::Value;

pub mod apply;
mod fields;
mod managed;
mod schema;
pub mod strategic;
mod typed;

pub use apply::{ApplyError, ApplyOptions, FieldConflict, apply, apply_with, record_update};
pub use strategic::strategic_merge;

/// Why a patch could not be applied.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PatchRequestError {
    /// The patch document is malformed (400 Bad Request).
    #[error("{0}")]
    BadRequest(String),
    /// The patch is well-formed but can't be applied to the object (422; kube-apiserver
    /// hides the detail behind a generic message).
    #[error("{0}")]
    Unprocessable(String),
    /// Merging failed in a way kube-apiserver reports as a plain error (500, no reason).
    #[error("{0}")]
    Failed(String),
}

impl PatchRequestError {
    /// The HTTP status code kube-apiserver answers with.
    pub fn code(&self) -> u16 {
        match self {
            PatchRequestError::BadRequest(_) => 400,
            PatchRequestError::Unprocessable(_) => 422,
            PatchRequestError::Failed(_) => 500,
        }
    }

    /// The `Status` body kube-apiserver sends for this error.
    pub fn to_status(&self) -> Status {
        match self {
            PatchRequestError::BadRequest(msg) => status::new_bad_request(msg),
            PatchRequestError::Unprocessable(_) => {
                // NewGenericServerResponse(422, ...) without the server message.
                let mut st = unknown_status(
                    422,
                    "the server rejected our request due to an error in our request",
                );
                st.reason = Some("Invalid".to_string());
                st.details = Some(Default::default());
                st
            }
            PatchRequestError::Failed(msg) => unknown_status(500, msg),
        }
    }
}

/// A failure Status without a reason, as kube-apiserver makes of errors that aren't API
/// errors.
pub(crate) fn unknown_status(code: u16, message: &str) -> Status {
    Status {
        code: Some(i32::from(code)),
        message: Some(message.to_string()),
        status: Some("Failure".to_string()),
        ..Default::default()
    }
}

/// Applies an RFC 6902 JSON patch (`application/json-patch+json`) to `original`.
pub fn json_patch(original: &Value, patch: &[u8]) -> Result<Value, PatchRequestError> {
    let ops: json_patch::Patch =
        serde_json::from_slice(patch).map_err(|e| PatchRequestError::BadRequest(e.to_string()))?;
    let mut doc = original.clone();
    json_patch::patch(&mut doc, &ops)
        .map_err(|e| PatchRequestError::Unprocessable(e.to_string()))?;
    Ok(doc)
}

/// Applies an RFC 7386 JSON merge patch (`application/merge-patch+json`) to `original`.
/// The patch must be an object: anything else would replace the whole object.
pub fn merge_patch(original: &Value, patch: &[u8]) -> Result<Value, PatchRequestError> {
    let p: Value = serde_json::from_slice(patch)
        .map_err(|_| PatchRequestError::BadRequest("Invalid JSON Patch".to_string()))?;
    if !p.is_object() {
        return Err(PatchRequestError::BadRequest(
            "Invalid JSON Patch".to_string(),
        ));
    }
    let mut doc = original.clone();
    json_patch::merge(&mut doc, &p);
    Ok(doc)
}

/// Decodes a server-side apply body (`application/apply-patch+yaml`: YAML, which includes
/// JSON) into the applied configuration. An empty body is an empty configuration.
pub fn decode_apply_body(body: &[u8]) -> Result<Value, PatchRequestError> {
    let v: Value = serde_yaml_ng::from_slice(body)
        .map_err(|e| PatchRequestError::BadRequest(format!("error decoding YAML: {e}")))?;
    match v {
        Value::Object(_) => Ok(v),
        Value::Null => Ok(Value::Object(Default::default())),
        other => Err(PatchRequestError::BadRequest(format!(
            "error decoding YAML: json: cannot unmarshal {} into Go value of type map[string]interface {{}}",
            strategic::go_json_kind(&other)
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_patch_applies_and_reports_failures_like_kube() {
        let obj = json!({"metadata": {"name": "a"}, "data": {"k": "v"}});
        let out = json_patch(
            &obj,
            br#"[{"op": "replace", "path": "/data/k", "value": "w"},
            {"op": "add", "path": "/data/n", "value": "1"}]"#,
        )
        .unwrap();
        assert_eq!(out["data"], json!({"k": "w", "n": "1"}));

        let err = json_patch(&obj, br#"{"op": "add"}"#).unwrap_err();
        assert_eq!(err.code(), 400);
        let err = json_patch(&obj, br#"[{"op": "remove", "path": "/data/missing"}]"#).unwrap_err();
        assert_eq!(err.code(), 422);
        let st = err.to_status();
        assert_eq!(st.code, Some(422));
        assert_eq!(st.reason.as_deref(), Some("Invalid"));
        assert_eq!(
            st.message.as_deref(),
            Some("the server rejected our request due to an error in our request")
        );
        let err = json_patch(
            &obj,
            br#"[{"op": "test", "path": "/data/k", "value": "x"}]"#,
        )
        .unwrap_err();
        assert_eq!(err.code(), 422);
    }

    #[test]
    fn merge_patch_merges_and_nulls_delete() {
        let obj = json!({"metadata": {"name": "a", "labels": {"x": "1", "y": "2"}}});
        let out = merge_patch(&obj, br#"{"metadata": {"labels": {"x": null, "z": "3"}}}"#).unwrap();
        assert_eq!(out["metadata"]["labels"], json!({"y": "2", "z": "3"}));
        assert_eq!(
            merge_patch(&obj, b"{not json").unwrap_err(),
            PatchRequestError::BadRequest("Invalid JSON Patch".into())
        );
        assert_eq!(merge_patch(&obj, b"[1]").unwrap_err().code(), 400);
        assert_eq!(merge_patch(&obj, b"null").unwrap_err().code(), 400);
    }

    #[test]
    fn apply_bodies_are_yaml_or_json() {
        let yaml = b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  k: \"1\"\n";
        let v = decode_apply_body(yaml).unwrap();
        assert_eq!(v["data"]["k"], "1");
        let v = decode_apply_body(br#"{"apiVersion":"v1","kind":"ConfigMap"}"#).unwrap();
        assert_eq!(v["kind"], "ConfigMap");
        assert_eq!(decode_apply_body(b"").unwrap(), json!({}));
        let err = decode_apply_body(b"- a\n- b\n").unwrap_err();
        assert_eq!(err.code(), 400);
        assert!(err.to_string().contains("cannot unmarshal array"), "{err}");
        assert!(decode_apply_body(b"a: [").is_err());
        assert!(decode_apply_body(b"a: 1\n---\nb: 2\n").is_err());
    }

    #[test]
    fn failed_status_has_no_reason() {
        let st = PatchRequestError::Failed(
            "map: map[] does not contain declared merge key: name".into(),
        )
        .to_status();
        assert_eq!(st.code, Some(500));
        assert_eq!(st.reason, None);
        assert_eq!(st.status.as_deref(), Some("Failure"));
    }
}
