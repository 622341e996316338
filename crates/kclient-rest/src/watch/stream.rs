//! [`EventStream`]: a [`WatchDecoder`] driven by a streaming HTTP body.

use std::collections::VecDeque;
use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use futures::Stream;
use futures::stream::FusedStream;
use kclient_core::watch::WatchEvent;
use serde::de::DeserializeOwned;

use super::{Framing, WireFormat};
use crate::error::{Error, WatchError};
use crate::stream::ByteStream;

/// A stream of watch events.
///
/// Yields events until the server ends the watch (its `timeoutSeconds`, or a dropped
/// connection: the stream then simply ends, as client-go's watch channel closes), or until
/// the first error ([`Error::WatchStream`] for truncated or malformed data, [`Error::Transport`]
/// for a broken connection), after which it ends. An `ERROR` event from the server (e.g. 410
/// `Expired`) is an item `Ok(WatchEvent::Error(status))`, not an `Err`.
///
/// Dropping the stream closes the HTTP request, which ends the watch on the server.
pub struct EventStream<T> {
    bytes: ByteStream,
    decoder: Framing<T>,
    ready: VecDeque<Result<WatchEvent<T>, WatchError>>,
    done: bool,
}

impl<T: DeserializeOwned> EventStream<T> {
    pub(crate) fn new(bytes: ByteStream, max_event_size: usize, format: WireFormat) -> Self {
        Self {
            bytes,
            decoder: Framing::new(format, max_event_size),
            ready: VecDeque::new(),
            done: false,
        }
    }
}

impl<T> fmt::Debug for EventStream<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventStream")
            .field("decoder", &self.decoder)
            .field("queued", &self.ready.len())
            .field("done", &self.done)
            .finish()
    }
}

// Nothing is pinned structurally: the byte stream and decoder are moved freely.
impl<T> Unpin for EventStream<T> {}

impl<T: DeserializeOwned> Stream for EventStream<T> {
    type Item = Result<WatchEvent<T>, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            if let Some(item) = this.ready.pop_front() {
                if item.is_err() {
                    this.done = true;
                    this.ready.clear();
                }
                return Poll::Ready(Some(item.map_err(Error::from)));
            }
            if this.done {
                return Poll::Ready(None);
            }
            match ready!(Pin::new(&mut this.bytes).poll_next(cx)) {
                Some(Ok(chunk)) => {
                    this.decoder.push(&chunk);
                    while let Some(item) = this.decoder.next_event() {
                        let failed = item.is_err();
                        this.ready.push_back(item);
                        if failed {
                            break;
                        }
                    }
                }
                Some(Err(err)) => {
                    this.done = true;
                    return Poll::Ready(Some(Err(err)));
                }
                None => {
                    this.done = true;
                    if let Some(last) = this.decoder.finish() {
                        return Poll::Ready(Some(last.map_err(Error::from)));
                    }
                }
            }
        }
    }
}

impl<T: DeserializeOwned> FusedStream for EventStream<T> {
    fn is_terminated(&self) -> bool {
        self.done && self.ready.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::Body;
    use bytes::Bytes;
    use futures::StreamExt;
    use http_body_util::StreamBody;
    use serde_json::Value;

    fn body_of(chunks: Vec<Result<&'static [u8], Error>>) -> ByteStream {
        let frames = futures::stream::iter(
            chunks
                .into_iter()
                .map(|c| c.map(|b| http_body::Frame::data(Bytes::from_static(b)))),
        );
        ByteStream::new(Body::from_result_body(StreamBody::new(frames)))
    }

    #[tokio::test]
    async fn decodes_events_across_chunks() {
        let bytes = body_of(vec![
            Ok(b"{\"type\":\"ADDED\",\"object\":{\"a\":1}}\n{\"type\":\"MOD"),
            Ok(b"IFIED\",\"object\":{\"a\":2}}\n"),
        ]);
        let events: Vec<_> = EventStream::<Value>::new(bytes, 1024, WireFormat::Json)
            .collect()
            .await;
        assert_eq!(events.len(), 2);
        assert!(matches!(events[0], Ok(WatchEvent::Added(_))));
        assert!(matches!(events[1], Ok(WatchEvent::Modified(_))));
    }

    #[tokio::test]
    async fn truncated_stream_ends_with_an_error() {
        let bytes = body_of(vec![Ok(
            b"{\"type\":\"ADDED\",\"object\":{\"a\":1}}\n{\"ty",
        )]);
        let mut stream = EventStream::<Value>::new(bytes, 1024, WireFormat::Json);
        assert!(matches!(
            stream.next().await,
            Some(Ok(WatchEvent::Added(_)))
        ));
        match stream.next().await {
            Some(Err(Error::WatchStream(WatchError::Truncated { pending_bytes: 4 }))) => {}
            other => panic!("unexpected {other:?}"),
        }
        assert!(stream.next().await.is_none());
        assert!(stream.is_terminated());
    }

    #[tokio::test]
    async fn malformed_line_stops_the_stream() {
        let bytes = body_of(vec![Ok(b"nope\n{\"type\":\"ADDED\",\"object\":{}}\n")]);
        let events: Vec<_> = EventStream::<Value>::new(bytes, 1024, WireFormat::Json)
            .collect()
            .await;
        assert_eq!(events.len(), 1);
        assert!(matches!(
            events[0],
            Err(Error::WatchStream(WatchError::InvalidEvent { .. }))
        ));
    }

    #[tokio::test]
    async fn transport_error_is_passed_through() {
        let bytes = body_of(vec![
            Ok(b"{\"type\":\"ADDED\",\"object\":{}}\n"),
            Err(Error::Timeout(std::time::Duration::from_secs(1))),
        ]);
        let events: Vec<_> = EventStream::<Value>::new(bytes, 1024, WireFormat::Json)
            .collect()
            .await;
        assert_eq!(events.len(), 2);
        assert!(matches!(events[1], Err(Error::Timeout(_))));
    }
}
