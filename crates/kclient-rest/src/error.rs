//! The one error type of this crate.
//!
//! Like hyper's error, [`Error`] hides the libraries underneath: transport failures carry a
//! [`TransportErrorKind`] and a message, never a hyper, tower or rustls value, so those crates
//! can change without breaking callers. Questions about an API error are answered by the
//! apimachinery-style predicates (`is_not_found()`, `is_conflict()`, ...).

use std::fmt;
use std::time::Duration;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Status;
use kclient_config::auth::AuthError;
use kclient_core::status::StatusReason;
use kclient_core::{ApiError, Transience};

/// Everything that can go wrong while building, sending or reading a request.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The server answered with a non-2xx status. The `Status` is the server's own `metav1.Status`
    /// when the body was one, otherwise one synthesized from the HTTP code and a bounded body
    /// snippet (client-go's `newUnstructuredResponseError`).
    #[error("{}", api_message(.0))]
    Api(Box<Status>),
    /// The request was rejected before any I/O (bad path segment, namespace set twice, ...).
    #[error("invalid request: {0}")]
    InvalidRequest(String),
    /// The request could not be sent or its response could not be read.
    #[error(transparent)]
    Transport(TransportError),
    /// The client-side timeout (`Request::timeout` or `Config::timeout`) expired.
    #[error("request timed out after {0:?}")]
    Timeout(Duration),
    /// A 2xx response body could not be decoded into the requested type.
    #[error("failed to decode response body: {message}")]
    Decode {
        /// The decoder's message (never the body itself, which may hold secrets).
        message: String,
    },
    /// Credentials could not be obtained (token file, exec plugin, ...).
    #[error("failed to get credentials: {0}")]
    Auth(#[source] AuthError),
    /// The [`kclient_config::Config`] cannot be turned into a client (bad CA bundle, bad proxy URL, ...).
    #[error("invalid client configuration: {0}")]
    Config(String),
    /// A watch stream was truncated or carried something that is not a watch event.
    #[error(transparent)]
    WatchStream(#[from] WatchError),
}

fn api_message(status: &Status) -> String {
    match status.message.as_deref() {
        Some(msg) if !msg.is_empty() => msg.to_owned(),
        _ => format!(
            "the server responded with the status code {} but did not return more information",
            status.code.unwrap_or_default()
        ),
    }
}

/// What kind of transport failure happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// No connection could be established (DNS, refused, unreachable).
    Connect,
    /// The TLS handshake failed (untrusted certificate, name mismatch, bad client key).
    Tls,
    /// The proxy refused or broke the tunnel.
    Proxy,
    /// The connection failed while the request or response was in flight.
    Io,
    /// The request could not be turned into a valid HTTP message.
    Protocol,
}

/// A transport failure: a kind and a message, without the underlying library types.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TransportError {
    kind: TransportErrorKind,
    message: String,
}

impl TransportError {
    /// A transport error of `kind`.
    pub fn new(kind: TransportErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }

    /// Classifies any error chain coming out of hyper / hyper-util / rustls / the proxy connectors.
    pub(crate) fn from_source(
        default_kind: TransportErrorKind,
        err: &(dyn std::error::Error + 'static),
    ) -> Self {
        let mut kind = default_kind;
        let mut message = String::new();
        walk_chain(err, &mut |cause| {
            if cause.downcast_ref::<rustls::Error>().is_some() {
                kind = TransportErrorKind::Tls;
            } else if cause.downcast_ref::<ProxyConnectError>().is_some() {
                kind = TransportErrorKind::Proxy;
            }
            let text = cause.to_string();
            if !message.contains(&text) {
                if !message.is_empty() {
                    message.push_str(": ");
                }
                message.push_str(&text);
            }
        });
        Self { kind, message }
    }

    /// The kind of failure.
    pub fn kind(&self) -> TransportErrorKind {
        self.kind
    }

    /// A human-readable description.
    pub fn message(&self) -> &str {
        &self.message
    }
}

/// Visits an error and its causes. `io::Error::source()` skips the error it wraps (it returns
/// the wrapped error's *source*), and hyper-rustls wraps rustls errors in `io::Error`s, so the
/// wrapped error is visited explicitly.
fn walk_chain(
    err: &(dyn std::error::Error + 'static),
    f: &mut dyn FnMut(&(dyn std::error::Error + 'static)),
) {
    f(err);
    if let Some(inner) = err
        .downcast_ref::<std::io::Error>()
        .and_then(|io| io.get_ref())
    {
        walk_chain(inner, f);
    } else if let Some(source) = err.source() {
        walk_chain(source, f);
    }
}

/// Marks a failure of the proxy handshake (CONNECT or SOCKS) inside an error chain.
#[derive(Debug)]
pub(crate) struct ProxyConnectError(pub(crate) String);

impl fmt::Display for ProxyConnectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ProxyConnectError {}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            TransportErrorKind::Connect => "connection failed",
            TransportErrorKind::Tls => "TLS error",
            TransportErrorKind::Proxy => "proxy error",
            TransportErrorKind::Io => "connection error",
            TransportErrorKind::Protocol => "HTTP protocol error",
        };
        write!(f, "{what}: {}", self.message)
    }
}

impl std::error::Error for TransportError {}

/// Why a watch stream could not be decoded.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WatchError {
    /// The stream ended in the middle of an event.
    #[error("watch stream ended in the middle of an event ({pending_bytes} bytes pending)")]
    Truncated {
        /// How many bytes of the incomplete event were received.
        pending_bytes: usize,
    },
    /// A line was not a watch event.
    #[error("invalid watch event: {message} (line starts with {snippet:?})")]
    InvalidEvent {
        /// The decoder's message.
        message: String,
        /// The first bytes of the offending line (bounded, lossy UTF-8).
        snippet: String,
    },
    /// One event exceeded the decoder's size limit.
    #[error("watch event larger than the {limit} byte limit")]
    EventTooLarge {
        /// The configured limit in bytes.
        limit: usize,
    },
}

impl ApiError for Error {
    fn status(&self) -> Option<&Status> {
        match self {
            Error::Api(status) => Some(status),
            _ => None,
        }
    }

    fn is_transport(&self) -> bool {
        matches!(self, Error::Transport(_))
    }

    /// The client-side timeout expired, or the server answered with reason `Timeout` (504).
    fn is_timeout(&self) -> bool {
        matches!(self, Error::Timeout(_))
            || self.status().is_some_and(|s| {
                s.reason() == StatusReason::Timeout || s.status_code() == Some(504)
            })
    }

    /// A broken connection may pass on a retry. A client-side timeout is the request's own
    /// deadline, so that request is over (client-go's discovery does not count timeouts as
    /// transient either); every other failure before or after the exchange (invalid request,
    /// credentials, configuration, an undecodable body) is permanent.
    fn transience(&self) -> Transience {
        match self {
            Error::Api(status) => status.transience(),
            Error::Transport(_) => Transience::Transient,
            _ => Transience::Permanent,
        }
    }
}

impl Error {
    /// The transport failure, if this is one.
    pub fn transport(&self) -> Option<&TransportError> {
        match self {
            Error::Transport(t) => Some(t),
            _ => None,
        }
    }

    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        Error::InvalidRequest(message.into())
    }

    pub(crate) fn transport_from(
        kind: TransportErrorKind,
        err: &(dyn std::error::Error + 'static),
    ) -> Self {
        Error::Transport(TransportError::from_source(kind, err))
    }
}
