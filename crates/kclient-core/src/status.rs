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
pub(crate) use field::go_quote;
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

/// Accessors on a `metav1.Status` that only a `Status` has. The `errors.IsX` predicates and
/// the parsed [`reason`](crate::ApiError::reason) are [`ApiError`](crate::ApiError)'s, which
/// `Status` implements like every error that can carry one.
pub trait StatusExt {
    /// The HTTP code, 0 when absent.
    fn code(&self) -> i32;
    /// `details.retryAfterSeconds` when positive.
    fn retry_after_seconds(&self) -> Option<i32>;
    /// apimachinery's `SuggestsClientDelay`: the delay a server asked for, `Some(0)` for a
    /// `ServerTimeout` without one.
    fn suggests_client_delay(&self) -> Option<i32>;
    /// `IsUnexpectedServerError`: a cause of type `UnexpectedServerResponse` (synthesized status).
    fn is_unexpected_server_error(&self) -> bool;
    /// True when `status` is `"Success"`.
    fn is_success(&self) -> bool;
}

impl StatusExt for Status {
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
        if parse_reason(self) == StatusReason::ServerTimeout {
            return Some(details.retry_after_seconds.unwrap_or(0));
        }
        self.retry_after_seconds()
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

    fn is_success(&self) -> bool {
        self.status.as_deref() == Some(STATUS_SUCCESS)
    }
}

/// The parsed reason of `status` (`Unknown` when absent or unrecognised).
pub(crate) fn parse_reason(status: &Status) -> StatusReason {
    StatusReason::from_reason(status.reason.as_deref().unwrap_or(""))
}

/// apimachinery's rule: the reason decides when it is a known one; otherwise the code does.
pub(crate) fn reason_or_code(status: &Status, reason: StatusReason, code: i32) -> bool {
    let actual = parse_reason(status);
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
