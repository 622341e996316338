//! The admin API under `/kclient-testserver/`: `GET|PUT faults` reads or replaces the
//! fault settings, `POST faults/compact` compacts every history now, `POST faults/restart`
//! does what an API server restart does to watches (see
//! [`FaultsHandle::restart_api_server`](crate::FaultsHandle::restart_api_server)).

use bytes::Bytes;
use http::{Method, Response, StatusCode};

use crate::error::{ApiResult, ErrorResponse};
use crate::faults::Faults;
use crate::respond::{Body, json_response};
use crate::state::State;

fn faults_json(state: &State) -> Response<Body> {
    json_response(
        StatusCode::OK,
        serde_json::to_vec(&state.faults.get()).unwrap_or_default(),
    )
}

/// Serves `/kclient-testserver/{path}`.
pub(crate) fn handle(
    state: &State,
    method: &Method,
    path: &str,
    body: &Bytes,
) -> ApiResult<Response<Body>> {
    match (method, path) {
        (&Method::GET, "faults") => Ok(faults_json(state)),
        (&Method::PUT, "faults") => {
            let faults: Faults = serde_json::from_slice(body)
                .map_err(|e| ErrorResponse::bad_request(format!("invalid faults document: {e}")))?;
            state
                .faults
                .set(faults)
                .map_err(ErrorResponse::bad_request)?;
            Ok(faults_json(state))
        }
        (&Method::POST, "faults/compact") => {
            state.faults.compact_history();
            Ok(faults_json(state))
        }
        (&Method::POST, "faults/restart") => {
            state.faults.restart_api_server();
            Ok(faults_json(state))
        }
        (_, "faults" | "faults/compact" | "faults/restart") => Err(
            ErrorResponse::method_not_supported("kclient-testserver", "faults", method.as_str()),
        ),
        _ => Err(ErrorResponse::no_route()),
    }
}
