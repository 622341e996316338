//! Discovery endpoints: `/version`, `/api`, `/apis` (legacy or aggregated per Accept,
//! always with `Vary: Accept`), `/apis/{group}`, `/api/v1` and `/apis/{group}/{version}`.

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Response, StatusCode, header};
use serde_json::Value;

use crate::discovery;
use crate::error::{ApiResult, ErrorResponse};
use crate::openapi;
use crate::respond::{Body, bytes_response, header_str, value_response};
use crate::router::Route;
use crate::state::State;

fn with_vary(mut resp: Response<Body>) -> Response<Body> {
    resp.headers_mut()
        .insert(header::VARY, HeaderValue::from_static("Accept"));
    resp
}

fn aggregated(version: &str, mut doc: Value) -> Response<Body> {
    if let Some(m) = doc.as_object_mut() {
        m.insert(
            "apiVersion".into(),
            Value::String(format!("apidiscovery.k8s.io/{version}")),
        );
    }
    let ct = format!("application/json;g=apidiscovery.k8s.io;v={version};as=APIGroupDiscoveryList");
    bytes_response(
        StatusCode::OK,
        &ct,
        Bytes::from(serde_json::to_vec(&doc).unwrap_or_default()),
    )
}

/// Serves a discovery route (`None` when `route` is not one).
pub(crate) fn discovery_route(
    state: &State,
    route: &Route,
    headers: &HeaderMap,
) -> Option<ApiResult<Response<Body>>> {
    let accept = if state.aggregated_discovery {
        header_str(headers, header::ACCEPT)
    } else {
        ""
    };
    let resources = state.registry.resources();
    let resp = match route {
        Route::Version => Ok(value_response(StatusCode::OK, &discovery::version_info())),
        Route::CoreVersions => Ok(with_vary(match discovery::accepts_aggregated(accept) {
            Some(v) => aggregated(v, discovery::aggregated_core(&resources)),
            None => value_response(StatusCode::OK, &discovery::api_versions(&state.address)),
        })),
        Route::Groups => Ok(with_vary(match discovery::accepts_aggregated(accept) {
            Some(v) => aggregated(v, discovery::aggregated_groups(&resources)),
            None => value_response(StatusCode::OK, &discovery::api_group_list(&resources)),
        })),
        Route::Group(g) => discovery::api_group(g, &resources)
            .map(|doc| with_vary(value_response(StatusCode::OK, &doc)))
            .ok_or_else(ErrorResponse::no_route),
        Route::GroupVersion(g, v) => discovery::api_resource_list(g, v, &resources)
            .map(|doc| with_vary(value_response(StatusCode::OK, &doc)))
            .ok_or_else(ErrorResponse::no_route),
        Route::OpenApi(rest) => match rest.as_str() {
            "v3" => Ok(value_response(StatusCode::OK, &openapi::index(&resources))),
            "v2" if state.openapi_v2 => Ok(value_response(
                StatusCode::OK,
                &openapi::swagger_v2(&resources),
            )),
            _ => rest
                .strip_prefix("v3/")
                .and_then(|gv| openapi::group_version_doc(gv, &resources))
                .map(|doc| value_response(StatusCode::OK, &doc))
                .ok_or_else(ErrorResponse::no_route),
        },
        _ => return None,
    };
    Some(resp)
}
