//! `metav1.Status` errors: reasons, apimachinery's `errors.IsX` predicates, the constructors
//! kube-apiserver uses (with its exact messages), and wire helpers.
//!
//! The predicates mirror `k8s.io/apimachinery/pkg/api/errors`: a predicate is true when the
//! status carries the matching reason, or when the reason is not one of the known reasons and
//! the HTTP code matches (so a bare `404` from a proxy still counts as not found).

mod constructors;
mod field;
mod response;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Status;

pub use constructors::*;
pub use field::{FieldError, FieldErrorType};
pub use response::{ResponseContext, from_http, from_http_with, new_generic_server_response};

/// `status` value of a failed request.
pub const STATUS_FAILURE: &str = "Failure";
/// `status` value of a successful request.
pub const STATUS_SUCCESS: &str = "Success";

/// The message kube-apiserver appends to a conflict caused by a stale resourceVersion.
pub const OPTIMISTIC_LOCK_ERROR_MSG: &str =
    "the object has been modified; please apply your changes to the latest version and try again";

/// `StatusCause.reason` values (apimachinery's `metav1.CauseType`).
pub mod cause_type {
    /// A referenced field was not found.
    pub const FIELD_VALUE_NOT_FOUND: &str = "FieldValueNotFound";
    /// A required field was missing.
    pub const FIELD_VALUE_REQUIRED: &str = "FieldValueRequired";
    /// A value that must be unique was repeated.
    pub const FIELD_VALUE_DUPLICATE: &str = "FieldValueDuplicate";
    /// A value was malformed.
    pub const FIELD_VALUE_INVALID: &str = "FieldValueInvalid";
    /// A value was not one of the supported values.
    pub const FIELD_VALUE_NOT_SUPPORTED: &str = "FieldValueNotSupported";
    /// A value is valid but not allowed here.
    pub const FIELD_VALUE_FORBIDDEN: &str = "FieldValueForbidden";
    /// A value was too long.
    pub const FIELD_VALUE_TOO_LONG: &str = "FieldValueTooLong";
    /// A list had too many items.
    pub const FIELD_VALUE_TOO_MANY: &str = "FieldValueTooMany";
    /// A value had the wrong type.
    pub const FIELD_VALUE_TYPE_INVALID: &str = "FieldValueTypeInvalid";
    /// An internal error unrelated to the input.
    pub const INTERNAL_ERROR: &str = "InternalError";
    /// The server answered with something that is not a Status.
    pub const UNEXPECTED_SERVER_RESPONSE: &str = "UnexpectedServerResponse";
    /// A server-side apply conflict with another field manager.
    pub const FIELD_MANAGER_CONFLICT: &str = "FieldManagerConflict";
    /// The requested resourceVersion is newer than the server has seen.
    pub const RESOURCE_VERSION_TOO_LARGE: &str = "ResourceVersionTooLarge";
}

/// Machine-readable reason of a failed request (`metav1.StatusReason`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum StatusReason {
    /// No reason given (the empty string).
    Unknown,
    /// Authentication is missing or invalid (401).
    Unauthorized,
    /// The user may not perform the action (403).
    Forbidden,
    /// The resource does not exist (404).
    NotFound,
    /// The resource already exists (409).
    AlreadyExists,
    /// The request conflicts with the current state, e.g. a stale resourceVersion (409).
    Conflict,
    /// The resource is gone and no replacement is available (410).
    Gone,
    /// The object failed validation (422).
    Invalid,
    /// The server could not finish in time and suggests a retry (500).
    ServerTimeout,
    /// The storage layer could not read the object (500), `StorageReadError` on the wire.
    StoreReadError,
    /// The request did not finish within its timeout (504).
    Timeout,
    /// The client sent too many requests (429).
    TooManyRequests,
    /// The request was malformed (400).
    BadRequest,
    /// The verb is not allowed on the resource (405).
    MethodNotAllowed,
    /// None of the accepted response media types can be produced (406).
    NotAcceptable,
    /// The request body is too large (413).
    RequestEntityTooLarge,
    /// The request body's media type is not supported (415).
    UnsupportedMediaType,
    /// An internal server error (500).
    InternalError,
    /// The requested content (e.g. a resourceVersion) has expired (410).
    Expired,
    /// The server is temporarily unavailable (503).
    ServiceUnavailable,
}

impl StatusReason {
    /// Every reason, `Unknown` first.
    pub const ALL: [StatusReason; 20] = [
        Self::Unknown,
        Self::Unauthorized,
        Self::Forbidden,
        Self::NotFound,
        Self::AlreadyExists,
        Self::Conflict,
        Self::Gone,
        Self::Invalid,
        Self::ServerTimeout,
        Self::StoreReadError,
        Self::Timeout,
        Self::TooManyRequests,
        Self::BadRequest,
        Self::MethodNotAllowed,
        Self::NotAcceptable,
        Self::RequestEntityTooLarge,
        Self::UnsupportedMediaType,
        Self::InternalError,
        Self::Expired,
        Self::ServiceUnavailable,
    ];

    /// The wire form (`"NotFound"`, `""` for `Unknown`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Unknown => "",
            Self::Unauthorized => "Unauthorized",
            Self::Forbidden => "Forbidden",
            Self::NotFound => "NotFound",
            Self::AlreadyExists => "AlreadyExists",
            Self::Conflict => "Conflict",
            Self::Gone => "Gone",
            Self::Invalid => "Invalid",
            Self::ServerTimeout => "ServerTimeout",
            Self::StoreReadError => "StorageReadError",
            Self::Timeout => "Timeout",
            Self::TooManyRequests => "TooManyRequests",
            Self::BadRequest => "BadRequest",
            Self::MethodNotAllowed => "MethodNotAllowed",
            Self::NotAcceptable => "NotAcceptable",
            Self::RequestEntityTooLarge => "RequestEntityTooLarge",
            Self::UnsupportedMediaType => "UnsupportedMediaType",
            Self::InternalError => "InternalError",
            Self::Expired => "Expired",
            Self::ServiceUnavailable => "ServiceUnavailable",
        }
    }

    /// Parses the wire form; anything unrecognised (including `""`) is `Unknown`.
    pub fn from_reason(reason: &str) -> Self {
        Self::ALL
            .iter()
            .copied()
            .find(|r| *r != Self::Unknown && r.as_str() == reason)
            .unwrap_or(Self::Unknown)
    }

    /// The HTTP status code kube-apiserver pairs with this reason (500 for `Unknown`).
    pub const fn http_code(self) -> u16 {
        match self {
            Self::Unauthorized => 401,
            Self::Forbidden => 403,
            Self::NotFound => 404,
            Self::AlreadyExists | Self::Conflict => 409,
            Self::Gone | Self::Expired => 410,
            Self::Invalid => 422,
            Self::Timeout => 504,
            Self::TooManyRequests => 429,
            Self::BadRequest => 400,
            Self::MethodNotAllowed => 405,
            Self::NotAcceptable => 406,
            Self::RequestEntityTooLarge => 413,
            Self::UnsupportedMediaType => 415,
            Self::ServiceUnavailable => 503,
            Self::Unknown | Self::ServerTimeout | Self::StoreReadError | Self::InternalError => 500,
        }
    }
}

impl std::fmt::Display for StatusReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// apimachinery's `errors.IsX` predicates and accessors on a `metav1.Status`.
pub trait StatusExt {
    /// The parsed reason (`Unknown` when absent or unrecognised).
    fn reason(&self) -> StatusReason;
    /// The HTTP code, 0 when absent.
    fn code(&self) -> i32;
    /// `details.retryAfterSeconds` when positive.
    fn retry_after_seconds(&self) -> Option<i32>;
    /// apimachinery's `SuggestsClientDelay`: the delay a server asked for, `Some(0)` for a
    /// `ServerTimeout` without one.
    fn suggests_client_delay(&self) -> Option<i32>;
    /// `IsNotFound`: reason NotFound, or code 404 with an unknown reason.
    fn is_not_found(&self) -> bool;
    /// `IsAlreadyExists`: reason AlreadyExists (409 alone is ambiguous).
    fn is_already_exists(&self) -> bool;
    /// `IsConflict`: reason Conflict, or code 409 with an unknown reason.
    fn is_conflict(&self) -> bool;
    /// `IsInvalid`: reason Invalid, or code 422 with an unknown reason.
    fn is_invalid(&self) -> bool;
    /// `IsForbidden`: reason Forbidden, or code 403 with an unknown reason.
    fn is_forbidden(&self) -> bool;
    /// `IsUnauthorized`: reason Unauthorized, or code 401 with an unknown reason.
    fn is_unauthorized(&self) -> bool;
    /// Gone in the broad sense a reflector needs: reason Gone or Expired, or code 410.
    ///
    /// apimachinery's `IsGone` alone is false for `Expired`; callers relisting on a too-old
    /// resourceVersion check both, so this predicate answers that question directly.
    fn is_gone(&self) -> bool;
    /// `IsResourceExpired`: reason Expired.
    fn is_resource_expired(&self) -> bool;
    /// `IsTooManyRequests`: reason TooManyRequests, or code 429 whatever the reason.
    fn is_too_many_requests(&self) -> bool;
    /// `IsTimeout`: reason Timeout, or code 504 with an unknown reason.
    fn is_timeout(&self) -> bool;
    /// `IsServerTimeout`: reason ServerTimeout.
    fn is_server_timeout(&self) -> bool;
    /// `IsInternalError`: reason InternalError, or code 500 with an unknown reason.
    fn is_internal_error(&self) -> bool;
    /// `IsServiceUnavailable`: reason ServiceUnavailable, or code 503 with an unknown reason.
    fn is_service_unavailable(&self) -> bool;
    /// `IsBadRequest`: reason BadRequest, or code 400 with an unknown reason.
    fn is_bad_request(&self) -> bool;
    /// `IsMethodNotSupported`: reason MethodNotAllowed, or code 405 with an unknown reason.
    fn is_method_not_supported(&self) -> bool;
    /// `IsNotAcceptable`: reason NotAcceptable, or code 406 with an unknown reason.
    fn is_not_acceptable(&self) -> bool;
    /// `IsUnsupportedMediaType`: reason UnsupportedMediaType, or code 415 with an unknown reason.
    fn is_unsupported_media_type(&self) -> bool;
    /// `IsRequestEntityTooLargeError`: reason RequestEntityTooLarge, or 413 with an unknown reason.
    fn is_request_entity_too_large(&self) -> bool;
    /// `IsUnexpectedServerError`: a cause of type `UnexpectedServerResponse` (synthesized status).
    fn is_unexpected_server_error(&self) -> bool;
    /// A 5xx code, or (without a code) a server-side reason.
    fn is_server_error(&self) -> bool;
    /// True when `status` is `"Success"`.
    fn is_success(&self) -> bool;
}

impl StatusExt for Status {
    fn reason(&self) -> StatusReason {
        StatusReason::from_reason(self.reason.as_deref().unwrap_or(""))
    }

    fn code(&self) -> i32 {
        self.code.unwrap_or(0)
    }

    fn retry_after_seconds(&self) -> Option<i32> {
        self.details
            .as_ref()
            .and_then(|d| d.retry_after_seconds)
            .filter(|s| *s > 0)
    }

    fn suggests_client_delay(&self) -> Option<i32> {
        let details = self.details.as_ref()?;
        if self.reason() == StatusReason::ServerTimeout {
            return Some(details.retry_after_seconds.unwrap_or(0));
        }
        self.retry_after_seconds()
    }

    fn is_not_found(&self) -> bool {
        reason_or_code(self, StatusReason::NotFound, 404)
    }

    fn is_already_exists(&self) -> bool {
        self.reason() == StatusReason::AlreadyExists
    }

    fn is_conflict(&self) -> bool {
        reason_or_code(self, StatusReason::Conflict, 409)
    }

    fn is_invalid(&self) -> bool {
        reason_or_code(self, StatusReason::Invalid, 422)
    }

    fn is_forbidden(&self) -> bool {
        reason_or_code(self, StatusReason::Forbidden, 403)
    }

    fn is_unauthorized(&self) -> bool {
        reason_or_code(self, StatusReason::Unauthorized, 401)
    }

    fn is_gone(&self) -> bool {
        matches!(self.reason(), StatusReason::Gone | StatusReason::Expired) || self.code() == 410
    }

    fn is_resource_expired(&self) -> bool {
        self.reason() == StatusReason::Expired
    }

    fn is_too_many_requests(&self) -> bool {
        // apimachinery checks the code regardless of the reason here, for backward compatibility.
        self.reason() == StatusReason::TooManyRequests || self.code() == 429
    }

    fn is_timeout(&self) -> bool {
        reason_or_code(self, StatusReason::Timeout, 504)
    }

    fn is_server_timeout(&self) -> bool {
        self.reason() == StatusReason::ServerTimeout
    }

    fn is_internal_error(&self) -> bool {
        reason_or_code(self, StatusReason::InternalError, 500)
    }

    fn is_service_unavailable(&self) -> bool {
        reason_or_code(self, StatusReason::ServiceUnavailable, 503)
    }

    fn is_bad_request(&self) -> bool {
        reason_or_code(self, StatusReason::BadRequest, 400)
    }

    fn is_method_not_supported(&self) -> bool {
        reason_or_code(self, StatusReason::MethodNotAllowed, 405)
    }

    fn is_not_acceptable(&self) -> bool {
        reason_or_code(self, StatusReason::NotAcceptable, 406)
    }

    fn is_unsupported_media_type(&self) -> bool {
        reason_or_code(self, StatusReason::UnsupportedMediaType, 415)
    }

    fn is_request_entity_too_large(&self) -> bool {
        reason_or_code(self, StatusReason::RequestEntityTooLarge, 413)
    }

    fn is_unexpected_server_error(&self) -> bool {
        self.details
            .as_ref()
            .and_then(|d| d.causes.as_ref())
            .is_some_and(|causes| {
                causes
                    .iter()
                    .any(|c| c.reason.as_deref() == Some(cause_type::UNEXPECTED_SERVER_RESPONSE))
            })
    }

    fn is_server_error(&self) -> bool {
        match self.code {
            Some(code) => (500..600).contains(&code),
            None => matches!(
                self.reason(),
                StatusReason::InternalError
                    | StatusReason::ServerTimeout
                    | StatusReason::StoreReadError
                    | StatusReason::Timeout
                    | StatusReason::ServiceUnavailable
            ),
        }
    }

    fn is_success(&self) -> bool {
        self.status.as_deref() == Some(STATUS_SUCCESS)
    }
}

/// apimachinery's rule: the reason decides when it is a known one; otherwise the code does.
fn reason_or_code(status: &Status, reason: StatusReason, code: i32) -> bool {
    let actual = status.reason();
    actual == reason || (actual == StatusReason::Unknown && status.code() == code)
}

/// Serializes a Status as kube-apiserver sends it: always with `"kind":"Status"`,
/// `"apiVersion":"v1"`, and `"status":"Failure"` unless a status is already set.
pub fn to_json(status: &Status) -> Vec<u8> {
    let mut value = match serde_json::to_value(status) {
        Ok(serde_json::Value::Object(map)) => map,
        // Status serializes to an object with string/number fields only; keep a usable body anyway.
        _ => serde_json::Map::new(),
    };
    value.insert("kind".into(), "Status".into());
    value.insert("apiVersion".into(), "v1".into());
    if !matches!(value.get("status"), Some(serde_json::Value::String(s)) if !s.is_empty()) {
        value.insert("status".into(), STATUS_FAILURE.into());
    }
    serde_json::to_vec(&serde_json::Value::Object(value)).unwrap_or_default()
}

#[cfg(test)]
mod tests;
