//! The response body type flowing through the transport stack.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Frame, SizeHint};
use http_body_util::BodyExt;
use http_body_util::combinators::UnsyncBoxBody;

use crate::error::{Error, TransportErrorKind};

/// A streaming response body: bytes, or an [`Error`] when the connection breaks mid-body.
///
/// Dropping it before the end closes the underlying HTTP/1.1 connection (or resets the HTTP/2
/// stream), which is how dropping a watch cancels it on the server.
pub struct Body {
    inner: UnsyncBoxBody<Bytes, Error>,
}

impl Body {
    /// Wraps any `http_body::Body` of bytes; its errors become [`Error::Transport`].
    pub fn new<B>(body: B) -> Self
    where
        B: http_body::Body<Data = Bytes> + Send + 'static,
        B::Error: std::error::Error + Send + Sync + 'static,
    {
        Self {
            inner: body
                .map_err(|err| Error::transport_from(TransportErrorKind::Io, &err))
                .boxed_unsync(),
        }
    }

    /// A body whose errors already are [`Error`]s.
    pub fn from_result_body<B>(body: B) -> Self
    where
        B: http_body::Body<Data = Bytes, Error = Error> + Send + 'static,
    {
        Self {
            inner: body.boxed_unsync(),
        }
    }

    /// An empty body.
    pub fn empty() -> Self {
        Self::from(Bytes::new())
    }

    /// Reads the whole body into memory.
    pub async fn collect_bytes(self) -> Result<Bytes, Error> {
        Ok(self.inner.collect().await?.to_bytes())
    }
}

impl From<Bytes> for Body {
    fn from(bytes: Bytes) -> Self {
        Self {
            inner: http_body_util::Full::new(bytes)
                .map_err(|never| match never {})
                .boxed_unsync(),
        }
    }
}

impl Default for Body {
    fn default() -> Self {
        Self::empty()
    }
}

impl fmt::Debug for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Body").finish_non_exhaustive()
    }
}

impl http_body::Body for Body {
    type Data = Bytes;
    type Error = Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Error>>> {
        Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
