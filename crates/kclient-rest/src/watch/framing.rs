//! A watch body's wire format, chosen by its `Content-Type`, and the one splitter the stream
//! adapters drive whatever it is: JSON lines ([`WatchDecoder`]) or protobuf frames
//! ([`ProtobufWatchDecoder`]).

use http::HeaderMap;
use kclient_core::watch::WatchEvent;
use serde::de::DeserializeOwned;

use super::{ProtobufWatchDecoder, WatchDecoder};
use crate::batch::RecordBatch;
use crate::error::WatchError;

/// The wire format of a watch stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WireFormat {
    /// One JSON `WatchEvent` per line (`application/json`, and anything that is not protobuf).
    Json,
    /// Length-prefixed protobuf frames (`application/vnd.kubernetes.protobuf;stream=watch`).
    Protobuf,
}

impl WireFormat {
    /// The format a response's headers announce: what the server chose, not what was asked.
    pub fn of(headers: &HeaderMap) -> Self {
        if crate::content::is_protobuf(headers) {
            Self::Protobuf
        } else {
            Self::Json
        }
    }

    /// Decodes one record (a line or a frame) of this format.
    pub(crate) fn decode<T: DeserializeOwned>(
        self,
        record: &[u8],
    ) -> Result<WatchEvent<T>, WatchError> {
        match self {
            Self::Json => WatchDecoder::decode_line(record),
            Self::Protobuf => ProtobufWatchDecoder::decode_frame(record),
        }
    }
}

/// Splits a watch body into records of its format.
pub(crate) enum Framing<T> {
    Lines(WatchDecoder<T>),
    Frames(ProtobufWatchDecoder<T>),
}

impl<T> std::fmt::Debug for Framing<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Lines(d) => d.fmt(f),
            Self::Frames(d) => d.fmt(f),
        }
    }
}

impl<T: DeserializeOwned> Framing<T> {
    pub(crate) fn new(format: WireFormat, max_event_size: usize) -> Self {
        match format {
            WireFormat::Json => Self::Lines(WatchDecoder::with_max_event_size(max_event_size)),
            WireFormat::Protobuf => {
                Self::Frames(ProtobufWatchDecoder::with_max_event_size(max_event_size))
            }
        }
    }

    pub(crate) fn format(&self) -> WireFormat {
        match self {
            Self::Lines(_) => WireFormat::Json,
            Self::Frames(_) => WireFormat::Protobuf,
        }
    }

    pub(crate) fn push(&mut self, chunk: &[u8]) {
        match self {
            Self::Lines(d) => d.push(chunk),
            Self::Frames(d) => d.push(chunk),
        }
    }

    /// The next complete event, `None` when more bytes are needed.
    pub(crate) fn next_event(&mut self) -> Option<Result<WatchEvent<T>, WatchError>> {
        match self {
            Self::Lines(d) => d.next_event(),
            Self::Frames(d) => d.next_event(),
        }
    }

    /// Moves the next complete record into `batch`: `None` when more bytes are needed.
    pub(crate) fn next_record(
        &mut self,
        batch: &mut RecordBatch,
    ) -> Option<Result<(), WatchError>> {
        match self {
            Self::Lines(d) => Some(d.next_line()?.map(|line| batch.push(line))),
            Self::Frames(d) => Some(d.next_frame()?.map(|frame| batch.push(&frame))),
        }
    }

    /// Ends the stream: the last event of a JSON stream without its final newline, or the
    /// truncation of an incomplete event; `None` when nothing was pending.
    pub(crate) fn finish(&mut self) -> Option<Result<WatchEvent<T>, WatchError>> {
        match self {
            Self::Lines(d) => d.finish(),
            Self::Frames(d) => d.finish().map(Err),
        }
    }
}
