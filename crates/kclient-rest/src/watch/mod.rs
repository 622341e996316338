//! Watch streams: kube-apiserver's chunked, line-delimited JSON watch framing decoded into
//! [`kclient_core::watch::WatchEvent`]s.
//!
//! [`WatchDecoder`] is the pure decoder (bytes in, events out, no I/O: fuzz it, test it with
//! any chunking). [`EventStream`] drives it from an HTTP body; [`crate::Request::watch`]
//! returns one.

mod decoder;
mod stream;

pub use decoder::{DEFAULT_MAX_EVENT_SIZE, WatchDecoder};
pub use stream::EventStream;
