//! Turning a non-2xx HTTP response into a Status, as client-go's request layer does.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Status, StatusCause, StatusDetails};

use super::constructors::non_empty;
use super::field::go_quote;
use super::{STATUS_FAILURE, StatusReason, cause_type};
use crate::gvk::GroupResource;

/// client-go caps how much of an unstructured body ends up in an error message.
const MAX_UNSTRUCTURED_BODY_BYTES: usize = 2048;

/// What the request layer knows about the request that failed; all fields are optional.
#[derive(Clone, Copy, Debug, Default)]
pub struct ResponseContext<'a> {
    /// The HTTP method (`GET`, `POST`, ...); a 409 on `POST` means AlreadyExists.
    pub method: &'a str,
    /// The resource the request addressed, if any.
    pub resource: Option<&'a GroupResource>,
    /// The object name the request addressed, `""` for collections.
    pub name: &'a str,
    /// The `Retry-After` header in seconds, 0 when absent.
    pub retry_after_seconds: i32,
}

/// A Status for an HTTP error response: the body's own Status when it is one, otherwise one
/// synthesized from the code (see [`from_http_with`]).
pub fn from_http(code: u16, body: &[u8]) -> Status {
    from_http_with(code, body, &ResponseContext::default())
}

/// Like client-go: a JSON `kind: Status` body with `status: Failure` is used as sent (its code
/// filled in from the response when missing); anything else becomes
/// [`new_generic_server_response`] with a bounded, trimmed prefix of the body as the server message.
pub fn from_http_with(code: u16, body: &[u8], ctx: &ResponseContext<'_>) -> Status {
    if let Some(mut status) = parse_failure_status(body) {
        if status.code.is_none_or(|c| c == 0) {
            status.code = Some(i32::from(code));
        }
        return status;
    }
    let prefix = &body[..body.len().min(MAX_UNSTRUCTURED_BODY_BYTES)];
    let text = String::from_utf8_lossy(prefix);
    let text = text.trim();
    let server_message = if text.is_empty() { "unknown" } else { text };
    new_generic_server_response(code, server_message, ctx, true)
}

fn parse_failure_status(body: &[u8]) -> Option<Status> {
    let serde_json::Value::Object(mut map) = serde_json::from_slice(body).ok()? else {
        return None;
    };
    if map.get("kind").and_then(|k| k.as_str()) != Some("Status")
        || map.get("status").and_then(|s| s.as_str()) != Some(STATUS_FAILURE)
    {
        return None;
    }
    // Some servers send `meta.k8s.io/v1`; the Status shape is the same, so don't reject it.
    map.remove("apiVersion");
    serde_json::from_value(serde_json::Value::Object(map)).ok()
}

/// apimachinery's `NewGenericServerResponse`: a reason and message chosen from the HTTP code,
/// the request's verb/resource/name appended, and with `unexpected_response` an
/// `UnexpectedServerResponse` cause carrying the server's message.
pub fn new_generic_server_response(
    code: u16,
    server_message: &str,
    ctx: &ResponseContext<'_>,
    unexpected_response: bool,
) -> Status {
    let (reason, mut message) = match code {
        409 => {
            let reason = if ctx.method.eq_ignore_ascii_case("POST") {
                StatusReason::AlreadyExists
            } else {
                StatusReason::Conflict
            };
            (reason, "the server reported a conflict".to_owned())
        }
        404 => (
            StatusReason::NotFound,
            "the server could not find the requested resource".to_owned(),
        ),
        400 => (
            StatusReason::BadRequest,
            "the server rejected our request for an unknown reason".to_owned(),
        ),
        401 => (
            StatusReason::Unauthorized,
            "the server has asked for the client to provide credentials".to_owned(),
        ),
        // The server's text says who tried to do what; keep it.
        403 => (StatusReason::Forbidden, server_message.to_owned()),
        406 => {
            let message = if server_message.is_empty() || server_message == "unknown" {
                "the server was unable to respond with a content type that the client supports"
                    .to_owned()
            } else {
                server_message.to_owned()
            };
            (StatusReason::NotAcceptable, message)
        }
        415 => (StatusReason::UnsupportedMediaType, server_message.to_owned()),
        405 => (
            StatusReason::MethodNotAllowed,
            "the server does not allow this method on the requested resource".to_owned(),
        ),
        422 => (
            StatusReason::Invalid,
            "the server rejected our request due to an error in our request".to_owned(),
        ),
        503 => (
            StatusReason::ServiceUnavailable,
            "the server is currently unable to handle the request".to_owned(),
        ),
        504 => (
            StatusReason::Timeout,
            "the server was unable to return a response in the time allotted, but may still be processing the request".to_owned(),
        ),
        429 => (
            StatusReason::TooManyRequests,
            "the server has received too many requests and has asked us to try again later"
                .to_owned(),
        ),
        c if c >= 500 => (
            StatusReason::InternalError,
            format!(
                "an error on the server ({}) has prevented the request from succeeding",
                go_quote(server_message)
            ),
        ),
        c => (
            StatusReason::Unknown,
            format!("the server responded with the status code {c} but did not return more information"),
        ),
    };
    let empty = GroupResource::default();
    let gr = ctx.resource.unwrap_or(&empty);
    if !gr.is_empty() {
        let verb = ctx.method.to_ascii_lowercase();
        if ctx.name.is_empty() {
            message = format!("{message} ({verb} {gr})");
        } else {
            message = format!("{message} ({verb} {gr} {})", ctx.name);
        }
    }
    let causes = unexpected_response.then(|| {
        vec![StatusCause {
            reason: Some(cause_type::UNEXPECTED_SERVER_RESPONSE.to_owned()),
            message: Some(server_message.to_owned()),
            field: None,
        }]
    });
    Status {
        code: Some(i32::from(code)),
        details: Some(StatusDetails {
            causes,
            group: non_empty(&gr.group),
            kind: non_empty(&gr.resource),
            name: non_empty(ctx.name),
            retry_after_seconds: (ctx.retry_after_seconds > 0).then_some(ctx.retry_after_seconds),
            uid: None,
        }),
        message: Some(message),
        metadata: Default::default(),
        reason: non_empty(reason.as_str()),
        status: Some(STATUS_FAILURE.to_owned()),
    }
}
