//! One error vocabulary: [`ApiError`] gives every error that can carry a server `Status` the
//! same predicates (apimachinery's `errors.IsX`), and [`Transience`] is the one rule that
//! says whether a failure is worth retrying — used by the retry layer, reflectors and
//! discovery alike.
//!
//! ```
//! use kclient_core::ApiError;
//! use kclient_core::status::new_not_found;
//! use kclient_core::GroupResource;
//!
//! let status = new_not_found(&GroupResource::new("", "pods"), "web");
//! assert!(status.is_not_found());
//! assert!(!status.is_conflict());
//! assert!(!status.transience().is_transient());
//! ```

use std::time::Duration;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Status;

use crate::status::{StatusExt, StatusReason, parse_reason, reason_or_code};

/// An error that may carry the API server's `Status`, with apimachinery's predicates on it.
///
/// Implementors provide [`status`](Self::status) (and, for errors that can also fail without
/// an answer, [`is_transport`](Self::is_transport), [`is_timeout`](Self::is_timeout) and
/// [`transience`](Self::transience)); every predicate follows from them, the same way for
/// every layer. An error without a `Status` answers `false` to every status predicate.
pub trait ApiError {
    /// The server's `Status`, when the error is (or wraps) an answer from the server.
    fn status(&self) -> Option<&Status>;

    /// The request got no answer: the connection, TLS handshake or proxy failed.
    fn is_transport(&self) -> bool {
        false
    }

    /// The HTTP code of the server's answer.
    fn status_code(&self) -> Option<u16> {
        self.status()
            .and_then(|s| s.code)
            .and_then(|c| u16::try_from(c).ok())
    }

    /// The parsed reason of the server's answer (`Unknown` without one).
    fn reason(&self) -> StatusReason {
        self.status().map_or(StatusReason::Unknown, parse_reason)
    }

    /// `IsNotFound`: reason NotFound, or code 404 with an unknown reason.
    fn is_not_found(&self) -> bool {
        matches_reason_or_code(self.status(), StatusReason::NotFound, 404)
    }

    /// `IsAlreadyExists`: reason AlreadyExists (409 alone is ambiguous).
    fn is_already_exists(&self) -> bool {
        self.reason() == StatusReason::AlreadyExists
    }

    /// `IsConflict`: reason Conflict (a stale resourceVersion), or code 409 with an unknown
    /// reason.
    fn is_conflict(&self) -> bool {
        matches_reason_or_code(self.status(), StatusReason::Conflict, 409)
    }

    /// `IsInvalid`: reason Invalid, or code 422 with an unknown reason.
    fn is_invalid(&self) -> bool {
        matches_reason_or_code(self.status(), StatusReason::Invalid, 422)
    }

    /// `IsForbidden`: reason Forbidden, or code 403 with an unknown reason.
    fn is_forbidden(&self) -> bool {
        matches_reason_or_code(self.status(), StatusReason::Forbidden, 403)
    }

    /// `IsUnauthorized`: reason Unauthorized, or code 401 with an unknown reason.
    fn is_unauthorized(&self) -> bool {
        matches_reason_or_code(self.status(), StatusReason::Unauthorized, 401)
    }

    /// Gone in the broad sense a reflector needs: reason Gone or Expired, or code 410.
    ///
    /// apimachinery's `IsGone` alone is false for `Expired`; callers relisting on a too-old
    /// resourceVersion check both, so this predicate answers that question directly.
    fn is_gone(&self) -> bool {
        matches!(self.reason(), StatusReason::Gone | StatusReason::Expired)
            || self.status_code() == Some(410)
    }

    /// `IsResourceExpired`: reason Expired.
    fn is_resource_expired(&self) -> bool {
        self.reason() == StatusReason::Expired
    }

    /// `IsTooManyRequests`: reason TooManyRequests, or code 429 whatever the reason
    /// (apimachinery checks the code alone here, for backward compatibility).
    fn is_too_many_requests(&self) -> bool {
        self.reason() == StatusReason::TooManyRequests || self.status_code() == Some(429)
    }

    /// `IsTimeout`: reason Timeout, or code 504 with an unknown reason. Errors that can time
    /// out on the client side answer `true` for that too.
    fn is_timeout(&self) -> bool {
        matches_reason_or_code(self.status(), StatusReason::Timeout, 504)
    }

    /// `HasStatusCause`: the Status lists a cause of type `cause_type` (see
    /// [`status::cause_type`](crate::status::cause_type)).
    fn has_status_cause(&self, cause_type: &str) -> bool {
        self.status()
            .and_then(|s| s.details.as_ref())
            .and_then(|d| d.causes.as_ref())
            .is_some_and(|causes| {
                causes
                    .iter()
                    .any(|c| c.reason.as_deref() == Some(cause_type))
            })
    }

    /// The server has not seen the requested resourceVersion yet (a watch cache behind the
    /// client, e.g. after a list from another API server): client-go's reflector rule
    /// (`isTooLargeResourceVersionError`), a cause of type `ResourceVersionTooLarge`, or for
    /// servers before 1.18.6 that did not set it, a timeout whose cause message or (before
    /// 1.17) Status message says `Too large resource version`. A reflector then relists from
    /// etcd (`resourceVersion=""`) instead of waiting for that server to catch up.
    fn is_too_large_resource_version(&self) -> bool {
        if self.has_status_cause(crate::status::cause_type::RESOURCE_VERSION_TOO_LARGE) {
            return true;
        }
        if !self.is_timeout() {
            return false;
        }
        let Some(status) = self.status() else {
            return false;
        };
        let marker = crate::status::TOO_LARGE_RESOURCE_VERSION;
        let in_causes = status
            .details
            .as_ref()
            .and_then(|d| d.causes.as_ref())
            .is_some_and(|causes| causes.iter().any(|c| c.message.as_deref() == Some(marker)));
        in_causes
            || status
                .message
                .as_deref()
                .is_some_and(|m| m.contains(marker))
    }

    /// `IsServerTimeout`: reason ServerTimeout (the server could not finish in time and
    /// suggests retrying).
    fn is_server_timeout(&self) -> bool {
        self.reason() == StatusReason::ServerTimeout
    }

    /// `IsInternalError`: reason InternalError, or code 500 with an unknown reason.
    fn is_internal_error(&self) -> bool {
        matches_reason_or_code(self.status(), StatusReason::InternalError, 500)
    }

    /// `IsServiceUnavailable`: reason ServiceUnavailable, or code 503 with an unknown reason.
    fn is_service_unavailable(&self) -> bool {
        matches_reason_or_code(self.status(), StatusReason::ServiceUnavailable, 503)
    }

    /// `IsBadRequest`: reason BadRequest, or code 400 with an unknown reason.
    fn is_bad_request(&self) -> bool {
        matches_reason_or_code(self.status(), StatusReason::BadRequest, 400)
    }

    /// `IsMethodNotSupported`: reason MethodNotAllowed, or code 405 with an unknown reason.
    fn is_method_not_supported(&self) -> bool {
        matches_reason_or_code(self.status(), StatusReason::MethodNotAllowed, 405)
    }

    /// `IsNotAcceptable`: reason NotAcceptable, or code 406 with an unknown reason.
    fn is_not_acceptable(&self) -> bool {
        matches_reason_or_code(self.status(), StatusReason::NotAcceptable, 406)
    }

    /// `IsUnsupportedMediaType`: reason UnsupportedMediaType, or code 415 with an unknown
    /// reason.
    fn is_unsupported_media_type(&self) -> bool {
        matches_reason_or_code(self.status(), StatusReason::UnsupportedMediaType, 415)
    }

    /// `IsRequestEntityTooLargeError`: reason RequestEntityTooLarge, or 413 with an unknown
    /// reason.
    fn is_request_entity_too_large(&self) -> bool {
        matches_reason_or_code(self.status(), StatusReason::RequestEntityTooLarge, 413)
    }

    /// A 5xx code, or (without a code) a server-side reason.
    fn is_server_error(&self) -> bool {
        let Some(status) = self.status() else {
            return false;
        };
        match status.code {
            Some(code) => (500..600).contains(&code),
            None => matches!(
                parse_reason(status),
                StatusReason::InternalError
                    | StatusReason::ServerTimeout
                    | StatusReason::StoreReadError
                    | StatusReason::Timeout
                    | StatusReason::ServiceUnavailable
            ),
        }
    }

    /// The wait the server asked for (`details.retryAfterSeconds`), if any.
    fn retry_after(&self) -> Option<Duration> {
        let seconds = self.status()?.retry_after_seconds()?;
        Some(Duration::from_secs(u64::try_from(seconds).ok()?))
    }

    /// Whether and how this failure is worth retrying (see [`Transience`]).
    fn transience(&self) -> Transience {
        if self.is_transport() {
            return Transience::Transient;
        }
        match self.status_code() {
            Some(code) => Transience::of_answer(code, self.retry_after()),
            None => Transience::Permanent,
        }
    }
}

fn matches_reason_or_code(status: Option<&Status>, reason: StatusReason, code: i32) -> bool {
    status.is_some_and(|s| reason_or_code(s, reason, code))
}

/// A `Status` is the server's answer itself.
impl ApiError for Status {
    fn status(&self) -> Option<&Status> {
        Some(self)
    }
}

/// Whether a failed request is worth retrying, and how: the one rule for every layer.
///
/// - the retry layer retries [`RetryAfter`](Self::RetryAfter) for every method and
///   [`Transient`](Self::Transient) for idempotent ones, with backoff;
/// - a reflector keeps retrying everything with backoff, but reports
///   [`Permanent`](Self::Permanent) failures as needing a fix (RBAC, a missing CRD);
/// - discovery keeps a failed group-version cached unless its failure
///   [`is_transient`](Self::is_transient) (client-go's memcache `isTransientError`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transience {
    /// 429 or 5xx with a server-suggested wait: the server promises it did not act on the
    /// request, so any request may be sent again after the wait (client-go's `checkWait`).
    RetryAfter(Duration),
    /// Likely to pass after a backoff: the connection failed or timed out, or the server
    /// answered 429, 502, 503 or 504. Safe to replay only for idempotent requests: the first
    /// attempt may have been acted on.
    Transient,
    /// Another server error (500, 501, ...): it may pass later, but kube-apiserver answers
    /// 500 for deterministic failures too, so it is not retried at once.
    ServerError,
    /// Retrying will not help by itself: a 4xx answer, or a failure on the client side
    /// (invalid request, credentials, undecodable body).
    Permanent,
}

impl Transience {
    /// The transience of a server answer with HTTP `code` and the wait it suggested (the
    /// `Retry-After` header, or `details.retryAfterSeconds`).
    pub fn of_answer(code: u16, retry_after: Option<Duration>) -> Self {
        let server_side = code == 429 || (500..600).contains(&code);
        match (server_side, retry_after) {
            (false, _) => Self::Permanent,
            (true, Some(wait)) => Self::RetryAfter(wait),
            (true, None) if matches!(code, 429 | 502 | 503 | 504) => Self::Transient,
            (true, None) => Self::ServerError,
        }
    }

    /// Anything but [`Permanent`](Self::Permanent): a later attempt may succeed (client-go's
    /// `isTransientError`: connection failures, 429 and every 5xx).
    pub fn is_transient(self) -> bool {
        self != Self::Permanent
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::StatusDetails;

    fn status(code: i32, reason: &str) -> Status {
        Status {
            code: Some(code),
            reason: Some(reason.to_owned()).filter(|r| !r.is_empty()),
            ..Status::default()
        }
    }

    #[test]
    fn reason_decides_then_code() {
        assert!(status(404, "NotFound").is_not_found());
        assert!(status(404, "").is_not_found());
        // A known reason wins over the code.
        assert!(!status(404, "Conflict").is_not_found());
        assert!(status(409, "AlreadyExists").is_already_exists());
        assert!(!status(409, "").is_already_exists());
        assert!(status(409, "").is_conflict());
        assert!(status(410, "Expired").is_gone());
        assert!(status(410, "").is_gone());
        assert!(status(410, "Expired").is_resource_expired());
        assert!(status(429, "Conflict").is_too_many_requests());
        assert!(status(504, "").is_timeout());
        assert!(!status(500, "ServerTimeout").is_timeout());
        assert!(status(500, "ServerTimeout").is_server_timeout());
        assert!(status(503, "").is_server_error());
        assert!(!status(404, "").is_server_error());
    }

    #[test]
    fn too_large_resource_version_by_cause_or_by_older_servers_messages() {
        use crate::status::{StatusExt, new_timeout, new_too_large_resource_version};
        use k8s_openapi::apimachinery::pkg::apis::meta::v1::StatusCause;

        let current = new_too_large_resource_version(12, 7, 1);
        assert!(current.is_too_large_resource_version());
        assert!(current.has_status_cause("ResourceVersionTooLarge"));
        assert!(current.is_timeout() && current.status_code() == Some(504));
        assert_eq!(current.retry_after_seconds(), Some(1));
        assert_eq!(
            current.message.as_deref(),
            Some("Timeout: Too large resource version: 12, current: 7")
        );
        // The cause type decides, whatever the rest says.
        let mut cause_only = status(500, "InternalError");
        cause_only.details = current.details.clone();
        assert!(cause_only.is_too_large_resource_version());
        // 1.17.0-1.18.5: a timeout whose cause has the message but no type.
        let mut untyped = new_timeout("Too large resource version: 12, current: 7");
        assert!(
            untyped.is_too_large_resource_version(),
            "before 1.17: the message"
        );
        untyped.message = Some("Timeout: later".into());
        assert!(!untyped.is_too_large_resource_version());
        untyped.details.as_mut().unwrap().causes = Some(vec![StatusCause {
            message: Some("Too large resource version".into()),
            ..StatusCause::default()
        }]);
        assert!(untyped.is_too_large_resource_version());
        // The message alone counts only on a timeout.
        let mut not_timeout = status(500, "InternalError");
        not_timeout.message = Some("Too large resource version: 3".into());
        assert!(!not_timeout.is_too_large_resource_version());
        assert!(!status(410, "Expired").is_too_large_resource_version());
        assert!(!status(504, "Timeout").is_too_large_resource_version());
        assert!(!status(504, "Timeout").has_status_cause("ResourceVersionTooLarge"));
    }

    #[test]
    fn transience_of_answers() {
        let wait = Some(Duration::from_secs(2));
        assert_eq!(
            Transience::of_answer(500, wait),
            Transience::RetryAfter(Duration::from_secs(2))
        );
        assert_eq!(
            Transience::of_answer(429, wait),
            Transience::RetryAfter(Duration::from_secs(2))
        );
        // A wait on a client error is no promise: 4xx stays permanent.
        assert_eq!(Transience::of_answer(409, wait), Transience::Permanent);
        for code in [429, 502, 503, 504] {
            assert_eq!(Transience::of_answer(code, None), Transience::Transient);
        }
        assert_eq!(Transience::of_answer(500, None), Transience::ServerError);
        assert_eq!(Transience::of_answer(501, None), Transience::ServerError);
        assert!(Transience::ServerError.is_transient());
        assert!(!Transience::Permanent.is_transient());
    }

    #[test]
    fn status_transience_reads_retry_after_seconds() {
        let mut s = status(500, "ServerTimeout");
        s.details = Some(StatusDetails {
            retry_after_seconds: Some(3),
            ..StatusDetails::default()
        });
        assert_eq!(s.retry_after(), Some(Duration::from_secs(3)));
        assert_eq!(
            s.transience(),
            Transience::RetryAfter(Duration::from_secs(3))
        );
        assert_eq!(status(403, "Forbidden").transience(), Transience::Permanent);
    }
}
