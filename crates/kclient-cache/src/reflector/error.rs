//! [`ReflectorError`]: what went wrong while listing or watching, with the server's `Status`
//! and [`ApiError`]'s predicates, classified so callers can tell a persistent problem (403,
//! 404 of a deleted CRD, 401) from a transient one.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Status;
use kclient_core::{ApiError, Transience};

use crate::error::KeyError;

/// A failure of a reflector's list or watch.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReflectorError {
    /// A list request failed.
    #[error("failed to list {resource}: {source}")]
    List {
        /// What was listed.
        resource: String,
        /// The REST error.
        #[source]
        source: kclient_rest::Error,
    },
    /// A watch could not be started, or broke while streaming.
    #[error("failed to watch {resource}: {source}")]
    Watch {
        /// What was watched.
        resource: String,
        /// The REST error.
        #[source]
        source: kclient_rest::Error,
    },
    /// The server ended a watch with an `ERROR` event other than 410 Gone.
    #[error("watch of {resource} ended with an error: {}", .status.message.as_deref().unwrap_or("(no message)"))]
    WatchEvent {
        /// What was watched.
        resource: String,
        /// The server's status.
        status: Box<Status>,
    },
    /// The server sent an object the store cannot key (no name).
    #[error("the {resource} store rejected an object: {source}")]
    Store {
        /// What was stored.
        resource: String,
        /// Why.
        #[source]
        source: KeyError,
    },
}

/// The class of a [`ReflectorError`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// 401: credentials are missing or rejected.
    Unauthorized,
    /// 403: RBAC does not allow list/watch.
    Forbidden,
    /// 404: the resource is not served (e.g. its CRD was deleted).
    NotFound,
    /// 410: the resource version is too old (handled by relisting; reported for completeness).
    Expired,
    /// 429: the server asks to slow down.
    TooManyRequests,
    /// 5xx.
    ServerError,
    /// 400/422: the request was rejected as invalid.
    BadRequest,
    /// The connection failed or timed out.
    Transport,
    /// A malformed watch stream or an object without a key.
    InvalidData,
    /// Anything else.
    Other,
}

impl ErrorKind {
    /// True for problems that retrying will not fix by itself: 401, 403, 404, 400/422 and
    /// bad data. A reflector keeps retrying them with backoff (RBAC or a CRD may be fixed),
    /// but reports each one to its error handler and health state.
    pub fn is_persistent(self) -> bool {
        matches!(
            self,
            Self::Unauthorized
                | Self::Forbidden
                | Self::NotFound
                | Self::BadRequest
                | Self::InvalidData
        )
    }
}

fn classify_status(status: &Status) -> ErrorKind {
    if status.is_unauthorized() {
        ErrorKind::Unauthorized
    } else if status.is_forbidden() {
        ErrorKind::Forbidden
    } else if status.is_not_found() {
        ErrorKind::NotFound
    } else if status.is_gone() || status.is_resource_expired() {
        ErrorKind::Expired
    } else if status.is_too_many_requests() {
        ErrorKind::TooManyRequests
    } else if status.is_bad_request() || status.is_invalid() {
        ErrorKind::BadRequest
    } else if status.code.is_some_and(|c| c >= 500) {
        ErrorKind::ServerError
    } else {
        ErrorKind::Other
    }
}

pub(crate) fn classify_rest(err: &kclient_rest::Error) -> ErrorKind {
    match err {
        kclient_rest::Error::Api(status) => classify_status(status),
        kclient_rest::Error::Transport(_) | kclient_rest::Error::Timeout(_) => ErrorKind::Transport,
        kclient_rest::Error::Decode { .. } | kclient_rest::Error::WatchStream(_) => {
            ErrorKind::InvalidData
        }
        kclient_rest::Error::Auth(_) => ErrorKind::Unauthorized,
        _ => ErrorKind::Other,
    }
}

impl ApiError for ReflectorError {
    fn status(&self) -> Option<&Status> {
        match self {
            Self::List { source, .. } | Self::Watch { source, .. } => source.status(),
            Self::WatchEvent { status, .. } => Some(status),
            Self::Store { .. } => None,
        }
    }

    fn is_transport(&self) -> bool {
        matches!(self, Self::List { source, .. } | Self::Watch { source, .. } if source.is_transport())
    }

    fn is_timeout(&self) -> bool {
        match self {
            Self::List { source, .. } | Self::Watch { source, .. } => source.is_timeout(),
            Self::WatchEvent { status, .. } => status.is_timeout(),
            Self::Store { .. } => false,
        }
    }

    fn transience(&self) -> Transience {
        match self {
            Self::List { source, .. } | Self::Watch { source, .. } => source.transience(),
            Self::WatchEvent { status, .. } => status.transience(),
            Self::Store { .. } => Transience::Permanent,
        }
    }
}

impl ReflectorError {
    /// The class of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::List { source, .. } | Self::Watch { source, .. } => classify_rest(source),
            Self::WatchEvent { status, .. } => classify_status(status),
            Self::Store { .. } => ErrorKind::InvalidData,
        }
    }

    /// See [`ErrorKind::is_persistent`].
    pub fn is_persistent(&self) -> bool {
        self.kind().is_persistent()
    }
}
