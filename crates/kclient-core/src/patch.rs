//! Patch bodies and their content types, one per kube-apiserver patch strategy.
//!
//! ```
//! use kclient_core::patch::Patch;
//! use serde_json::json;
//!
//! let p = Patch::Merge(json!({"metadata": {"labels": {"app": "web"}}}));
//! assert_eq!(p.content_type(), "application/merge-patch+json");
//! assert_eq!(p.to_body().unwrap(), br#"{"metadata":{"labels":{"app":"web"}}}"#);
//! ```

use std::fmt;

use serde_json::Value;

/// A patch strategy, without a body.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PatchType {
    /// RFC 6902 JSON patch.
    Json,
    /// RFC 7386 JSON merge patch.
    Merge,
    /// Kubernetes strategic merge patch (built-in types only).
    Strategic,
    /// Server-side apply.
    Apply,
}

impl PatchType {
    /// Every patch type.
    pub const ALL: [PatchType; 4] = [Self::Json, Self::Merge, Self::Strategic, Self::Apply];

    /// The request `Content-Type`.
    pub const fn content_type(self) -> &'static str {
        match self {
            Self::Json => "application/json-patch+json",
            Self::Merge => "application/merge-patch+json",
            Self::Strategic => "application/strategic-merge-patch+json",
            Self::Apply => "application/apply-patch+yaml",
        }
    }

    /// kubectl's `--type` name (`json`, `merge`, `strategic`, `apply`).
    pub const fn name(self) -> &'static str {
        match self {
            Self::Json => "json",
            Self::Merge => "merge",
            Self::Strategic => "strategic",
            Self::Apply => "apply",
        }
    }

    /// Recognises a `Content-Type` header value, ignoring parameters such as `charset` and
    /// letter case (`application/apply-patch+cbor` is not recognised: only JSON bodies are).
    pub fn from_content_type(content_type: &str) -> Option<Self> {
        let essence = content_type.split(';').next().unwrap_or("").trim();
        Self::ALL
            .into_iter()
            .find(|t| t.content_type().eq_ignore_ascii_case(essence))
    }

    /// Recognises kubectl's `--type` name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.name() == name)
    }
}

impl fmt::Display for PatchType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A patch with its body.
#[derive(Clone, Debug, PartialEq)]
pub enum Patch {
    /// RFC 6902 operations.
    Json(json_patch::Patch),
    /// A merge patch document (`null` deletes a field).
    Merge(Value),
    /// A strategic merge patch document, directives such as `$patch` included.
    Strategic(Value),
    /// The full intended object for server-side apply (with apiVersion, kind and name); sent
    /// as JSON, which is valid YAML, under the apply content type.
    Apply(Value),
}

/// Why a patch body could not be produced.
#[derive(Debug, thiserror::Error)]
pub enum PatchError {
    /// The body did not serialize to JSON (e.g. a map with non-string keys in a JSON patch value).
    #[error("cannot serialize {patch_type} patch body: {source}")]
    Serialize {
        /// The patch type.
        patch_type: PatchType,
        /// The serializer's error.
        #[source]
        source: serde_json::Error,
    },
}

impl Patch {
    /// The patch strategy.
    pub fn patch_type(&self) -> PatchType {
        match self {
            Self::Json(_) => PatchType::Json,
            Self::Merge(_) => PatchType::Merge,
            Self::Strategic(_) => PatchType::Strategic,
            Self::Apply(_) => PatchType::Apply,
        }
    }

    /// The request `Content-Type`.
    pub fn content_type(&self) -> &'static str {
        self.patch_type().content_type()
    }

    /// The request body (JSON for every type).
    pub fn to_body(&self) -> Result<Vec<u8>, PatchError> {
        let result = match self {
            Self::Json(p) => serde_json::to_vec(p),
            Self::Merge(v) | Self::Strategic(v) | Self::Apply(v) => serde_json::to_vec(v),
        };
        result.map_err(|source| PatchError::Serialize {
            patch_type: self.patch_type(),
            source,
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn content_types() {
        let cases = [
            (
                Patch::Json(json_patch::Patch(vec![])),
                "application/json-patch+json",
            ),
            (Patch::Merge(json!({})), "application/merge-patch+json"),
            (
                Patch::Strategic(json!({})),
                "application/strategic-merge-patch+json",
            ),
            (Patch::Apply(json!({})), "application/apply-patch+yaml"),
        ];
        for (patch, ct) in cases {
            assert_eq!(patch.content_type(), ct);
            assert_eq!(PatchType::from_content_type(ct), Some(patch.patch_type()));
            assert_eq!(
                PatchType::from_name(patch.patch_type().name()),
                Some(patch.patch_type())
            );
        }
        assert_eq!(
            PatchType::from_content_type("Application/Merge-Patch+JSON; charset=utf-8"),
            Some(PatchType::Merge)
        );
        assert_eq!(PatchType::from_content_type("application/json"), None);
        assert_eq!(PatchType::from_name("bogus"), None);
        assert_eq!(PatchType::Strategic.to_string(), "strategic");
    }

    #[test]
    fn json_patch_body() {
        let ops: json_patch::Patch = serde_json::from_value(json!([
            {"op": "replace", "path": "/spec/replicas", "value": 3},
            {"op": "remove", "path": "/metadata/labels/x"}
        ]))
        .expect("valid patch");
        let body = Patch::Json(ops).to_body().expect("serializes");
        let back: Value = serde_json::from_slice(&body).expect("json");
        assert_eq!(
            back,
            json!([
                {"op": "replace", "path": "/spec/replicas", "value": 3},
                {"op": "remove", "path": "/metadata/labels/x"}
            ])
        );
    }

    #[test]
    fn document_bodies_are_json() {
        let doc = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}, "data": {"k": null}});
        for p in [
            Patch::Merge(doc.clone()),
            Patch::Strategic(doc.clone()),
            Patch::Apply(doc.clone()),
        ] {
            let body = p.to_body().expect("serializes");
            assert_eq!(serde_json::from_slice::<Value>(&body).expect("json"), doc);
        }
    }
}
