//! Streaming response bodies (logs, raw watch bytes, large lists decoded on the fly).

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::Bytes;
use futures::Stream;
use http_body::Body as _;

use crate::error::Error;
use crate::transport::Body;

/// The body of a successful response as a stream of byte chunks, as they arrive.
///
/// Ends after the last chunk; yields an [`Error`] (then ends) if the connection breaks.
/// Dropping it closes the HTTP request.
pub struct ByteStream {
    body: Option<Body>,
}

impl ByteStream {
    pub(crate) fn new(body: Body) -> Self {
        Self { body: Some(body) }
    }
}

impl fmt::Debug for ByteStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ByteStream")
            .field("finished", &self.body.is_none())
            .finish()
    }
}

impl Stream for ByteStream {
    type Item = Result<Bytes, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        loop {
            let Some(body) = self.body.as_mut() else {
                return Poll::Ready(None);
            };
            match ready!(Pin::new(body).poll_frame(cx)) {
                Some(Ok(frame)) => match frame.into_data() {
                    Ok(data) if data.is_empty() => continue,
                    Ok(data) => return Poll::Ready(Some(Ok(data))),
                    // Trailers carry nothing the Kubernetes API uses.
                    Err(_trailers) => continue,
                },
                Some(Err(err)) => {
                    self.body = None;
                    return Poll::Ready(Some(Err(err)));
                }
                None => {
                    self.body = None;
                    return Poll::Ready(None);
                }
            }
        }
    }
}

impl futures::stream::FusedStream for ByteStream {
    fn is_terminated(&self) -> bool {
        self.body.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::StreamExt;

    #[tokio::test]
    async fn yields_chunks_then_ends() {
        let mut stream = ByteStream::new(Body::from(Bytes::from_static(b"hello")));
        assert_eq!(stream.next().await.unwrap().unwrap(), "hello");
        assert!(stream.next().await.is_none());
        assert!(futures::stream::FusedStream::is_terminated(&stream));
    }

    #[tokio::test]
    async fn empty_body_ends_immediately() {
        let mut stream = ByteStream::new(Body::empty());
        assert!(stream.next().await.is_none());
    }
}
