//! Errors: [`TestServerError`] for starting and driving the server, and the crate-internal
//! [`ErrorResponse`], a `metav1.Status` on its way to the client.

use http::{HeaderName, HeaderValue, StatusCode};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Status, StatusCause, StatusDetails};
use kclient_core::gvk::{GroupKind, GroupResource};
use kclient_core::status;

pub(crate) use kclient_core::status::FieldError;

/// Why the test server could not start, or a library call on it failed.
#[derive(Debug, thiserror::Error)]
pub enum TestServerError {
    /// Binding the listening socket failed.
    #[error("failed to bind the listener: {0}")]
    Bind(#[source] std::io::Error),
    /// Generating the certificates or the rustls configuration failed.
    #[error("TLS setup failed: {0}")]
    Tls(String),
    /// Building or writing the kubeconfig failed.
    #[error("kubeconfig: {0}")]
    Kubeconfig(String),
    /// Building the client configuration failed.
    #[error("client config: {0}")]
    Config(String),
    /// A builder setting was out of range.
    #[error("invalid setting: {0}")]
    InvalidSetting(String),
}

/// A failed API request: the `Status` body plus any extra response headers.
#[derive(Debug, Clone)]
pub(crate) struct ErrorResponse {
    pub status: Box<Status>,
    pub headers: Vec<(HeaderName, HeaderValue)>,
}

fn gr(group: &str, resource: &str) -> GroupResource {
    GroupResource {
        group: group.to_string(),
        resource: resource.to_string(),
    }
}

fn gk(group: &str, kind: &str) -> GroupKind {
    GroupKind {
        group: group.to_string(),
        kind: kind.to_string(),
    }
}

impl ErrorResponse {
    pub fn from_status(status: Status) -> Self {
        ErrorResponse {
            status: Box::new(status),
            headers: Vec::new(),
        }
    }

    pub fn with_header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.push((name, value));
        self
    }

    pub fn code(&self) -> StatusCode {
        self.status
            .code
            .and_then(|c| u16::try_from(c).ok())
            .and_then(|c| StatusCode::from_u16(c).ok())
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    pub fn body(&self) -> Vec<u8> {
        status::to_json(&self.status)
    }

    pub fn not_found(group: &str, resource: &str, name: &str) -> Self {
        Self::from_status(status::new_not_found(&gr(group, resource), name))
    }

    /// kube-apiserver's answer for a path no handler serves.
    pub fn no_route() -> Self {
        Self::from_status(Status {
            code: Some(404),
            details: Some(StatusDetails::default()),
            message: Some("the server could not find the requested resource".to_string()),
            reason: Some("NotFound".to_string()),
            status: Some("Failure".to_string()),
            ..Status::default()
        })
    }

    /// go-restful's 405 for a method the path has no route for, as kube-apiserver's
    /// service error handler renders it (`NewGenericServerResponse`, no causes).
    pub fn method_not_allowed() -> Self {
        Self::from_status(status::new_generic_server_response(
            405,
            "405: Method Not Allowed",
            &status::ResponseContext::default(),
            false,
        ))
    }

    pub fn already_exists(group: &str, resource: &str, name: &str) -> Self {
        Self::from_status(status::new_already_exists(&gr(group, resource), name))
    }

    pub fn conflict(group: &str, resource: &str, name: &str, msg: &str) -> Self {
        Self::from_status(status::new_conflict(&gr(group, resource), name, msg))
    }

    /// The optimistic-concurrency conflict every client retries on.
    pub fn stale(group: &str, resource: &str, name: &str) -> Self {
        Self::conflict(
            group,
            resource,
            name,
            "the object has been modified; please apply your changes to the latest version and try again",
        )
    }

    pub fn invalid(group: &str, kind: &str, name: &str, errors: &[FieldError]) -> Self {
        Self::from_status(status::new_invalid(&gk(group, kind), name, errors))
    }

    pub fn bad_request(msg: impl Into<String>) -> Self {
        Self::from_status(status::new_bad_request(msg.into()))
    }

    pub fn expired(msg: impl Into<String>) -> Self {
        Self::from_status(status::new_resource_expired(msg.into()))
    }

    pub fn method_not_supported(group: &str, resource: &str, verb: &str) -> Self {
        Self::from_status(status::new_method_not_supported(&gr(group, resource), verb))
    }

    pub fn unauthorized() -> Self {
        Self::from_status(status::new_unauthorized("Unauthorized"))
    }

    pub fn forbidden(group: &str, resource: &str, name: &str, msg: &str) -> Self {
        Self::from_status(status::new_forbidden(&gr(group, resource), name, msg))
    }

    pub fn too_many_requests(retry_after: u32) -> Self {
        let secs = i32::try_from(retry_after).unwrap_or(i32::MAX);
        let err = Self::from_status(status::new_too_many_requests(
            "Too many requests, please try again later.",
            secs,
        ));
        match HeaderValue::from_str(&retry_after.to_string()) {
            Ok(v) => err.with_header(http::header::RETRY_AFTER, v),
            Err(_) => err,
        }
    }

    pub fn internal(msg: impl Into<String>) -> Self {
        Self::from_status(status::new_internal_error(msg.into()))
    }

    pub fn service_unavailable(msg: impl Into<String>) -> Self {
        Self::from_status(status::new_service_unavailable(msg.into()))
    }

    /// kube-apiserver's answer for a resourceVersion newer than anything stored: its watch
    /// cache's 504 with the `ResourceVersionTooLarge` cause and a 1 s retry hint
    /// (`resourceVersionTooHighRetrySeconds`).
    pub fn too_large_rv(requested: u64, current: u64) -> Self {
        Self::from_status(status::new_too_large_resource_version(
            requested, current, 1,
        ))
    }

    /// 415 listing the media types the endpoint reads.
    pub fn unsupported_media_type(accepted: &[&str]) -> Self {
        Self::from_status(status::new_unsupported_media_type(accepted))
    }

    pub fn entity_too_large(limit: usize) -> Self {
        Self::from_status(status::new_request_entity_too_large(format!(
            "limit is {limit}"
        )))
    }

    /// 406: nothing in Accept fits; `accepted` are the endpoint's media types.
    pub fn not_acceptable(accepted: &[&str]) -> Self {
        Self::from_status(status::new_not_acceptable(accepted))
    }

    /// Adds a cause to the details (kube-apiserver does this for NamespaceTerminating).
    pub fn with_cause(mut self, reason: &str, field: &str, message: &str) -> Self {
        let details = self
            .status
            .details
            .get_or_insert_with(StatusDetails::default);
        details
            .causes
            .get_or_insert_with(Vec::new)
            .push(StatusCause {
                field: Some(field.to_string()),
                message: Some(message.to_string()),
                reason: Some(reason.to_string()),
            });
        self
    }
}

/// Crate-internal result of request handling.
pub(crate) type ApiResult<T> = Result<T, ErrorResponse>;
