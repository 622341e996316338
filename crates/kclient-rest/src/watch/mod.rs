//! Watch streams: kube-apiserver's chunked, line-delimited JSON watch framing, or its
//! length-prefixed protobuf frames (chosen by the response's `Content-Type`, [`WireFormat`]),
//! decoded into [`kclient_core::watch::WatchEvent`]s.
//!
//! [`WatchDecoder`] (JSON) and [`ProtobufWatchDecoder`] are the pure decoders (bytes in,
//! events out, no I/O: fuzz them, test them with any chunking). [`EventStream`] drives it from an HTTP body; [`crate::Request::watch`]
//! returns one. [`ParallelEventStream`] ([`crate::Request::watch_parallel`]) yields the same
//! events but decodes them on several threads, for bursts such as watch-list's initial
//! events.

mod decoder;
mod framing;
mod parallel;
mod protobuf;
mod stream;

pub use crate::batch::BATCH_BYTES;
pub use decoder::{DEFAULT_MAX_EVENT_SIZE, WatchDecoder};
pub(crate) use framing::Framing;
pub use framing::WireFormat;
pub use parallel::{ObjectMap, ParallelEventStream};
pub use protobuf::ProtobufWatchDecoder;
pub use stream::EventStream;
