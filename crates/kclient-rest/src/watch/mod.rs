//! Watch streams: kube-apiserver's chunked, line-delimited JSON watch framing decoded into
//! [`kclient_core::watch::WatchEvent`]s.
//!
//! [`WatchDecoder`] is the pure decoder (bytes in, events out, no I/O: fuzz it, test it with
//! any chunking). [`EventStream`] drives it from an HTTP body; [`crate::Request::watch`]
//! returns one. [`ParallelEventStream`] ([`crate::Request::watch_parallel`]) yields the same
//! events but decodes them on several threads, for bursts such as watch-list's initial
//! events.

mod decoder;
mod parallel;
mod stream;

pub use crate::batch::BATCH_BYTES;
pub use decoder::{DEFAULT_MAX_EVENT_SIZE, WatchDecoder};
pub use parallel::{ObjectMap, ParallelEventStream};
pub use stream::EventStream;
