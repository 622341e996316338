//! The pure, I/O-free decoder of protobuf watch streams
//! (`application/vnd.kubernetes.protobuf;stream=watch`): 4-byte big-endian length-prefixed
//! frames, each a `meta.v1.WatchEvent` whose object travels in its own `k8s\0` envelope
//! (kclient-protobuf's framing and codec), decoded into the same
//! [`WatchEvent`](kclient_core::watch::WatchEvent) as JSON streams.

use std::marker::PhantomData;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Status, WatchEvent as WireEvent};
use kclient_core::watch::{Bookmark, BookmarkMeta, WatchEvent};
use kclient_protobuf::FrameDecoder;
use serde::de::DeserializeOwned;

use super::decoder::invalid_record;
use crate::error::WatchError;

/// Incremental decoder for protobuf watch streams, with the JSON decoder's rules
/// ([`WatchDecoder`](super::WatchDecoder)): feed bytes split anywhere and take every
/// complete event; a frame longer than the size bound is [`WatchError::EventTooLarge`] as
/// soon as its length prefix is read (nothing is buffered for it); a frame that is not a
/// watch event is [`WatchError::InvalidEvent`]; at end of stream, bytes of an incomplete
/// frame are [`WatchError::Truncated`], after every complete event before them.
///
/// ```
/// use k8s_openapi::api::core::v1::ConfigMap;
/// use k8s_openapi::apimachinery::pkg::apis::meta::v1::WatchEvent as Wire;
/// use kclient_core::watch::WatchEvent;
/// use kclient_rest::watch::ProtobufWatchDecoder;
///
/// let frame = kclient_protobuf::encode_watch_event(&Wire::Added(ConfigMap::default())).unwrap();
/// let mut decoder = ProtobufWatchDecoder::<ConfigMap>::new();
/// decoder.push(&frame[..3]);
/// assert!(decoder.next_event().is_none());
/// decoder.push(&frame[3..]);
/// assert!(matches!(decoder.next_event(), Some(Ok(WatchEvent::Added(_)))));
/// assert!(decoder.finish().is_none());
/// ```
pub struct ProtobufWatchDecoder<T> {
    frames: FrameDecoder,
    max_event_size: usize,
    _marker: PhantomData<fn() -> T>,
}

impl<T> std::fmt::Debug for ProtobufWatchDecoder<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProtobufWatchDecoder")
            .field("buffered", &self.frames.pending())
            .field("max_event_size", &self.max_event_size)
            .finish()
    }
}

impl<T: DeserializeOwned> Default for ProtobufWatchDecoder<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: DeserializeOwned> ProtobufWatchDecoder<T> {
    /// A decoder with the default size bound ([`DEFAULT_MAX_EVENT_SIZE`](super::DEFAULT_MAX_EVENT_SIZE)).
    pub fn new() -> Self {
        Self::with_max_event_size(super::DEFAULT_MAX_EVENT_SIZE)
    }

    /// A decoder that fails with [`WatchError::EventTooLarge`] on a frame over `limit` bytes.
    pub fn with_max_event_size(limit: usize) -> Self {
        let limit = limit.max(1);
        Self {
            frames: FrameDecoder::new().max_frame(limit),
            max_event_size: limit,
            _marker: PhantomData,
        }
    }

    /// Bytes buffered for the current incomplete frame.
    pub fn buffered(&self) -> usize {
        self.frames.pending()
    }

    /// Appends bytes; call [`ProtobufWatchDecoder::next_event`] until it returns `None`.
    pub fn push(&mut self, chunk: &[u8]) {
        self.frames.push(chunk);
    }

    /// The next complete frame without decoding it, `None` when more bytes are needed: for
    /// callers that decode frames elsewhere, with [`ProtobufWatchDecoder::decode_frame`]. After
    /// an error the buffer is dropped.
    pub fn next_frame(&mut self) -> Option<Result<Vec<u8>, WatchError>> {
        match self.frames.next_frame() {
            Ok(frame) => frame.map(Ok),
            Err(_) => {
                self.frames = FrameDecoder::new().max_frame(self.max_event_size);
                Some(Err(WatchError::EventTooLarge {
                    limit: self.max_event_size,
                }))
            }
        }
    }

    /// The next complete event, `None` when more bytes are needed.
    pub fn next_event(&mut self) -> Option<Result<WatchEvent<T>, WatchError>> {
        Some(
            self.next_frame()?
                .and_then(|frame| Self::decode_frame(&frame)),
        )
    }

    /// Decodes one frame (as returned by [`ProtobufWatchDecoder::next_frame`]).
    pub fn decode_frame(frame: &[u8]) -> Result<WatchEvent<T>, WatchError> {
        let event = kclient_protobuf::decode_watch_event::<T>(frame)
            .map_err(|err| invalid_record(err.to_string(), frame))?;
        Ok(from_wire(event))
    }

    /// Ends the stream: `None` when every byte belonged to a complete frame,
    /// [`WatchError::Truncated`] otherwise.
    pub fn finish(&mut self) -> Option<WatchError> {
        let pending = self.frames.pending();
        self.frames = FrameDecoder::new().max_frame(self.max_event_size);
        (pending > 0).then_some(WatchError::Truncated {
            pending_bytes: pending,
        })
    }
}

/// k8s-openapi's watch event (what the codec decodes into) as kclient's.
fn from_wire<T>(event: WireEvent<T>) -> WatchEvent<T> {
    match event {
        WireEvent::Added(object) => WatchEvent::Added(object),
        WireEvent::Modified(object) => WatchEvent::Modified(object),
        WireEvent::Deleted(object) => WatchEvent::Deleted(object),
        WireEvent::Bookmark {
            annotations,
            resource_version,
        } => WatchEvent::Bookmark(Bookmark {
            api_version: String::new(),
            kind: String::new(),
            metadata: BookmarkMeta {
                resource_version,
                annotations,
            },
        }),
        WireEvent::ErrorStatus(status) => WatchEvent::Error(status),
        // An error object that is not a Status: keep what it says, as the JSON decoder keeps
        // whatever Status fields such an object has.
        WireEvent::ErrorOther(raw) => WatchEvent::Error(Status {
            message: Some(raw.0.to_string()),
            status: Some("Failure".to_owned()),
            details: None,
            ..Status::default()
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::ConfigMap;

    fn cm(name: &str) -> ConfigMap {
        let mut cm = ConfigMap::default();
        cm.metadata.name = Some(name.into());
        cm.metadata.resource_version = Some("7".into());
        cm
    }

    #[test]
    fn any_chunking_gives_the_same_events() {
        let mut body = kclient_protobuf::encode_watch_event(&WireEvent::Added(cm("a"))).unwrap();
        body.extend(kclient_protobuf::encode_watch_event(&WireEvent::Deleted(cm("b"))).unwrap());
        for chunk in [1, 2, 5, 13, body.len()] {
            let mut decoder = ProtobufWatchDecoder::<ConfigMap>::new();
            let mut events = Vec::new();
            for piece in body.chunks(chunk) {
                decoder.push(piece);
                while let Some(event) = decoder.next_event() {
                    events.push(event.unwrap());
                }
            }
            assert!(decoder.finish().is_none());
            assert_eq!(
                events,
                [WatchEvent::Added(cm("a")), WatchEvent::Deleted(cm("b"))],
                "chunk {chunk}"
            );
        }
    }

    #[test]
    fn a_frame_that_is_not_a_watch_event_is_invalid() {
        // A complete frame whose message is a truncated field.
        let mut decoder = ProtobufWatchDecoder::<ConfigMap>::new();
        decoder.push(&[0, 0, 0, 2, 0x0a, 0x05]);
        match decoder.next_event() {
            Some(Err(WatchError::InvalidEvent { message, .. })) => {
                assert!(message.contains("truncated"), "{message}")
            }
            other => panic!("expected an invalid event, got {other:?}"),
        }
    }

    #[test]
    fn a_partial_frame_at_the_end_is_truncated() {
        let frame = kclient_protobuf::encode_watch_event(&WireEvent::Added(cm("a"))).unwrap();
        let mut decoder = ProtobufWatchDecoder::<ConfigMap>::new();
        decoder.push(&frame[..frame.len() - 1]);
        assert!(decoder.next_event().is_none());
        assert_eq!(
            decoder.finish(),
            Some(WatchError::Truncated {
                pending_bytes: frame.len() - 1
            })
        );
    }
}
