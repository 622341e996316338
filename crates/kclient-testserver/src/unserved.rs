//! kube-apiserver's answer for a path outside every served API: a request no API group or
//! version claims falls through its handler chain to Go's `http.NotFound`, a plain-text
//! `404 page not found`, not a `metav1.Status` (paths under a served group-version, such as
//! an unknown resource, still get a `NotFound` Status from the API's own handlers).

use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode, header};

use crate::registry::Registry;
use crate::respond::{Body, bytes_response};

/// The body Go's `http.NotFound` writes.
const BODY: &[u8] = b"404 page not found\n";

/// Go's `http.NotFound`: 404, `text/plain; charset=utf-8`, `X-Content-Type-Options: nosniff`.
pub(crate) fn plain_not_found() -> Response<Body> {
    let mut resp = bytes_response(
        StatusCode::NOT_FOUND,
        "text/plain; charset=utf-8",
        Bytes::from_static(BODY),
    );
    resp.headers_mut().insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    resp
}

/// Whether no API handler claims `path`: a top-level path the server does not serve, or
/// one under `/apis/{group}[/{version}]` for a group (or group-version) nothing serves.
/// `/api/...` stays with the core API's handlers, which answer a Status.
pub(crate) fn is_unserved(registry: &Registry, path: &str) -> bool {
    let segments: Vec<&str> = path
        .trim_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    match segments.as_slice() {
        [] => false,
        [
            "api" | "version" | "healthz" | "livez" | "readyz" | "openapi",
            ..,
        ] => false,
        ["kclient-testserver", ..] => false,
        ["apis"] => false,
        ["apis", group] => !serves(registry, group, None),
        ["apis", group, version, ..] => !serves(registry, group, Some(version)),
        _ => true,
    }
}

fn serves(registry: &Registry, group: &str, version: Option<&str>) -> bool {
    registry
        .resources()
        .iter()
        .any(|r| r.group == group && version.is_none_or(|v| r.version == v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_paths_outside_served_groups_are_unserved() {
        let registry = Registry::without(&["batch/v1".to_string()]);
        for path in [
            "/nope",
            "/apis/nope.example.com",
            "/apis/nope.example.com/v1/things",
            "/apis/apps/v9",
            "/apis/apps/v9/deployments",
            "/apis/batch/v1/jobs",
        ] {
            assert!(is_unserved(&registry, path), "{path}");
        }
        for path in [
            "/",
            "/api",
            "/api/v2/pods",
            "/apis",
            "/apis/apps",
            "/apis/apps/v1",
            "/apis/apps/v1/widgets",
            "/version",
            "/openapi/v3",
        ] {
            assert!(!is_unserved(&registry, path), "{path}");
        }
    }

    #[test]
    fn the_answer_is_go_http_not_found() {
        let resp = plain_not_found();
        assert_eq!(resp.status(), StatusCode::NOT_FOUND);
        assert_eq!(
            resp.headers()[header::CONTENT_TYPE],
            "text/plain; charset=utf-8"
        );
        assert_eq!(resp.headers()[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    }
}
