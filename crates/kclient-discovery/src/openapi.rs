//! OpenAPI documents: v2 (`/openapi/v2`, one document) and v3 (`/openapi/v3`, an index of one
//! document per group-version, each fetched by its `serverRelativeURL`), client-go's
//! `OpenAPISchema` and `OpenAPIV3().Paths()`.
//!
//! The documents are returned as JSON values: their schemas are open-ended and callers
//! (kubectl-style validation, explain) walk them as data.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The `/openapi/v3` index: document paths (`api/v1`, `apis/apps/v1`) to their locations.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct OpenApiV3Paths {
    /// One entry per group-version document.
    #[serde(default)]
    pub paths: BTreeMap<String, OpenApiV3Path>,
}

/// Where one OpenAPI v3 document is served.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct OpenApiV3Path {
    /// The document's URL relative to the server, content hash included
    /// (`/openapi/v3/apis/apps/v1?hash=...`), so it can be cached for ever.
    #[serde(rename = "serverRelativeURL")]
    pub server_relative_url: String,
}

impl OpenApiV3Path {
    /// The path part of [`Self::server_relative_url`].
    pub fn path(&self) -> &str {
        self.server_relative_url
            .split_once('?')
            .map_or(self.server_relative_url.as_str(), |(p, _)| p)
    }

    /// The decoded query pairs of [`Self::server_relative_url`] (`hash`).
    pub fn query(&self) -> Vec<(String, String)> {
        self.server_relative_url
            .split_once('?')
            .map(|(_, q)| {
                form_urlencoded::parse(q.as_bytes())
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect()
            })
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_url_parts() {
        let p = OpenApiV3Path {
            server_relative_url: "/openapi/v3/apis/apps/v1?hash=AB%2FC&x=1".into(),
        };
        assert_eq!(p.path(), "/openapi/v3/apis/apps/v1");
        assert_eq!(
            p.query(),
            [("hash".into(), "AB/C".into()), ("x".into(), "1".into())]
        );
        let bare = OpenApiV3Path {
            server_relative_url: "/openapi/v3/api/v1".into(),
        };
        assert_eq!(bare.path(), "/openapi/v3/api/v1");
        assert!(bare.query().is_empty());
    }
}
