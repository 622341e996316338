//! Constructors mirroring apimachinery's `errors.NewX`, with kube-apiserver's exact messages.

use std::fmt::Display;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Status, StatusCause, StatusDetails};

use super::field::{FieldError, aggregate_message, go_quote};
use super::{STATUS_FAILURE, StatusReason};
use crate::gvk::{GroupKind, GroupResource};

/// A failure Status with the code paired with `reason`.
pub(crate) fn failure(
    reason: StatusReason,
    message: String,
    details: Option<StatusDetails>,
) -> Status {
    Status {
        code: Some(i32::from(reason.http_code())),
        details,
        message: Some(message),
        metadata: Default::default(),
        reason: non_empty(reason.as_str()),
        status: Some(STATUS_FAILURE.to_owned()),
    }
}

pub(crate) fn non_empty(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_owned())
}

/// Details naming a resource: apimachinery puts the plural resource into `kind`.
fn resource_details(gr: &GroupResource, name: &str) -> StatusDetails {
    StatusDetails {
        group: non_empty(&gr.group),
        kind: non_empty(&gr.resource),
        name: non_empty(name),
        ..Default::default()
    }
}

/// Go's `int32` with `omitempty`: a zero retry hint is left out of the JSON.
fn retry_after(seconds: i32) -> Option<i32> {
    (seconds > 0).then_some(seconds)
}

/// Details holding only a retry hint; present (possibly `{}`) as apimachinery sends them.
fn retry_details(retry_after_seconds: i32) -> Option<StatusDetails> {
    Some(StatusDetails {
        retry_after_seconds: retry_after(retry_after_seconds),
        ..Default::default()
    })
}

/// `NewNotFound`: 404, `pods "x" not found` (`deployments.apps "x" not found` for a group).
pub fn new_not_found(gr: &GroupResource, name: &str) -> Status {
    failure(
        StatusReason::NotFound,
        format!("{gr} {} not found", go_quote(name)),
        Some(resource_details(gr, name)),
    )
}

/// `NewAlreadyExists`: 409, `pods "x" already exists`.
pub fn new_already_exists(gr: &GroupResource, name: &str) -> Status {
    failure(
        StatusReason::AlreadyExists,
        format!("{gr} {} already exists", go_quote(name)),
        Some(resource_details(gr, name)),
    )
}

/// `NewGenerateNameConflict`: 409 AlreadyExists when a generated name collided, with a retry hint.
pub fn new_generate_name_conflict(
    gr: &GroupResource,
    name: &str,
    retry_after_seconds: i32,
) -> Status {
    let mut details = resource_details(gr, name);
    details.retry_after_seconds = retry_after(retry_after_seconds);
    failure(
        StatusReason::AlreadyExists,
        format!(
            "{gr} {} already exists, the server was not able to generate a unique name for the object",
            go_quote(name)
        ),
        Some(details),
    )
}

/// `NewConflict`: 409, `Operation cannot be fulfilled on pods "x": <msg>`.
///
/// For a stale resourceVersion pass [`super::OPTIMISTIC_LOCK_ERROR_MSG`].
pub fn new_conflict(gr: &GroupResource, name: &str, msg: impl Display) -> Status {
    failure(
        StatusReason::Conflict,
        format!(
            "Operation cannot be fulfilled on {gr} {}: {msg}",
            go_quote(name)
        ),
        Some(resource_details(gr, name)),
    )
}

/// `NewApplyConflict`: 409 Conflict carrying server-side apply `FieldManagerConflict` causes.
pub fn new_apply_conflict(causes: Vec<StatusCause>, message: impl Display) -> Status {
    failure(
        StatusReason::Conflict,
        message.to_string(),
        Some(StatusDetails {
            causes: Some(causes),
            ..Default::default()
        }),
    )
}

/// `NewInvalid`: 422, `Pod "x" is invalid: [spec.a: Required value, ...]` with one cause per error.
pub fn new_invalid(gk: &GroupKind, name: &str, errors: &[FieldError]) -> Status {
    let message = match aggregate_message(errors) {
        Some(agg) => format!("{gk} {} is invalid: {agg}", go_quote(name)),
        None => format!("{gk} {} is invalid", go_quote(name)),
    };
    failure(
        StatusReason::Invalid,
        message,
        Some(StatusDetails {
            causes: Some(errors.iter().map(FieldError::to_cause).collect()),
            group: non_empty(&gk.group),
            kind: non_empty(&gk.kind),
            name: non_empty(name),
            ..Default::default()
        }),
    )
}

/// `NewBadRequest`: 400 with the message as given.
pub fn new_bad_request(msg: impl Display) -> Status {
    failure(StatusReason::BadRequest, msg.to_string(), None)
}

/// `NewGone`: 410 reason Gone.
pub fn new_gone(msg: impl Display) -> Status {
    failure(StatusReason::Gone, msg.to_string(), None)
}

/// `NewResourceExpired`: 410 reason Expired (a watch or continue token that is too old).
pub fn new_resource_expired(msg: impl Display) -> Status {
    failure(StatusReason::Expired, msg.to_string(), None)
}

/// `NewMethodNotSupported`: 405, `<verb> is not supported on resources of kind "pods"`.
pub fn new_method_not_supported(gr: &GroupResource, verb: &str) -> Status {
    failure(
        StatusReason::MethodNotAllowed,
        format!(
            "{verb} is not supported on resources of kind {}",
            go_quote(&gr.to_string())
        ),
        Some(resource_details(gr, "")),
    )
}

/// `NewUnauthorized`: 401; an empty message becomes `not authorized`.
pub fn new_unauthorized(msg: impl Display) -> Status {
    let mut message = msg.to_string();
    if message.is_empty() {
        message = "not authorized".to_owned();
    }
    failure(StatusReason::Unauthorized, message, None)
}

/// `NewForbidden`: 403, `pods "x" is forbidden: <msg>` (`pods is forbidden: ...` without a
/// name, `forbidden: ...` without a resource).
pub fn new_forbidden(gr: &GroupResource, name: &str, msg: impl Display) -> Status {
    let message = if gr.is_empty() {
        format!("forbidden: {msg}")
    } else if name.is_empty() {
        format!("{gr} is forbidden: {msg}")
    } else {
        format!("{gr} {} is forbidden: {msg}", go_quote(name))
    };
    failure(
        StatusReason::Forbidden,
        message,
        Some(resource_details(gr, name)),
    )
}

/// `NewTooManyRequests`: 429 with the message as given and `details.retryAfterSeconds`.
pub fn new_too_many_requests(msg: impl Display, retry_after_seconds: i32) -> Status {
    failure(
        StatusReason::TooManyRequests,
        msg.to_string(),
        retry_details(retry_after_seconds),
    )
}

/// `NewTooManyRequestsError`: 429, `Too many requests: <msg>`.
pub fn new_too_many_requests_error(msg: impl Display) -> Status {
    failure(
        StatusReason::TooManyRequests,
        format!("Too many requests: {msg}"),
        None,
    )
}

/// `NewInternalError`: 500, `Internal error occurred: <msg>`, the error also as a cause.
pub fn new_internal_error(msg: impl Display) -> Status {
    let msg = msg.to_string();
    failure(
        StatusReason::InternalError,
        format!("Internal error occurred: {msg}"),
        Some(StatusDetails {
            causes: Some(vec![StatusCause {
                message: Some(msg),
                ..Default::default()
            }]),
            ..Default::default()
        }),
    )
}

/// `NewServiceUnavailable`: 503 with the message as given.
pub fn new_service_unavailable(msg: impl Display) -> Status {
    failure(StatusReason::ServiceUnavailable, msg.to_string(), None)
}

/// `NewTimeoutError` without a retry hint: 504, `Timeout: <msg>`.
pub fn new_timeout(msg: impl Display) -> Status {
    new_timeout_with_retry(msg, 0)
}

/// `NewTimeoutError`: 504, `Timeout: <msg>`, with `details.retryAfterSeconds` when positive.
pub fn new_timeout_with_retry(msg: impl Display, retry_after_seconds: i32) -> Status {
    failure(
        StatusReason::Timeout,
        format!("Timeout: {msg}"),
        retry_details(retry_after_seconds),
    )
}

/// apiserver storage's `NewTooLargeResourceVersionError`: the 504 a watch cache answers to a
/// read at a resourceVersion newer than it has seen (after waiting for it to catch up):
/// `Timeout: Too large resource version: <minimum>, current: <current>`, with
/// `details.retryAfterSeconds` and a cause of type `ResourceVersionTooLarge` whose message is
/// `Too large resource version`.
pub fn new_too_large_resource_version(
    minimum: u64,
    current: u64,
    retry_after_seconds: i32,
) -> Status {
    let mut status = new_timeout_with_retry(
        format!("Too large resource version: {minimum}, current: {current}"),
        retry_after_seconds,
    );
    if let Some(details) = status.details.as_mut() {
        details.causes = Some(vec![StatusCause {
            reason: Some(super::cause_type::RESOURCE_VERSION_TOO_LARGE.to_owned()),
            message: Some(TOO_LARGE_RESOURCE_VERSION.to_owned()),
            field: None,
        }]);
    }
    status
}

/// The message of the `ResourceVersionTooLarge` cause (and, before Kubernetes 1.17, the only
/// sign of the error in the Status message).
pub(crate) const TOO_LARGE_RESOURCE_VERSION: &str = "Too large resource version";

/// `NewServerTimeout`: 500 reason ServerTimeout,
/// `The <operation> operation against <resource> could not be completed at this time, please try again.`
pub fn new_server_timeout(gr: &GroupResource, operation: &str, retry_after_seconds: i32) -> Status {
    let mut details = resource_details(gr, operation);
    details.retry_after_seconds = retry_after(retry_after_seconds);
    failure(
        StatusReason::ServerTimeout,
        format!(
            "The {operation} operation against {gr} could not be completed at this time, please try again."
        ),
        Some(details),
    )
}

/// 415 as kube-apiserver's content negotiation reports it:
/// `the body of the request was in an unknown format - accepted media types include: a, b`.
pub fn new_unsupported_media_type<S: AsRef<str>>(accepted: &[S]) -> Status {
    let accepted: Vec<&str> = accepted.iter().map(AsRef::as_ref).collect();
    failure(
        StatusReason::UnsupportedMediaType,
        format!(
            "the body of the request was in an unknown format - accepted media types include: {}",
            accepted.join(", ")
        ),
        None,
    )
}

/// 406 as kube-apiserver's content negotiation reports it:
/// `only the following media types are accepted: a, b`.
pub fn new_not_acceptable<S: AsRef<str>>(accepted: &[S]) -> Status {
    let accepted: Vec<&str> = accepted.iter().map(AsRef::as_ref).collect();
    failure(
        StatusReason::NotAcceptable,
        format!(
            "only the following media types are accepted: {}",
            accepted.join(", ")
        ),
        None,
    )
}

/// `NewRequestEntityTooLargeError`: 413, `Request entity too large: <msg>`.
pub fn new_request_entity_too_large(msg: impl Display) -> Status {
    failure(
        StatusReason::RequestEntityTooLarge,
        format!("Request entity too large: {msg}"),
        None,
    )
}
