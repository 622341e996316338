//! Watch streams (`application/vnd.kubernetes.protobuf;stream=watch`): a sequence of frames,
//! each a 4-byte big-endian length and a `meta.v1.WatchEvent{type = 1, object = 2}` message
//! written without envelope (apimachinery's `LengthDelimitedFramer` and `RawSerializer`);
//! the event's `object` is a `RawExtension` whose `raw` holds the object in its own envelope.

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::WatchEvent;
use k8s_openapi::apimachinery::pkg::runtime::RawExtension;
use serde::{Deserialize, Serialize};

use crate::Error;
use crate::envelope::{Envelope, decode_object, encode_as, encode_value};
use crate::wire::{Raw, Reader, begin_len, end_len, put_bytes};

/// The default largest frame accepted: four times kube-apiserver's 3 MiB request limit
/// (`MaxRequestBodyBytes`), room for any object etcd can store.
pub const DEFAULT_MAX_FRAME: usize = 12 << 20;

fn frame_len(prefix: &[u8], max: usize) -> Result<usize, Error> {
    let mut len = [0u8; 4];
    len.copy_from_slice(&prefix[..4]);
    let len = u32::from_be_bytes(len);
    match usize::try_from(len) {
        Ok(len) if len <= max => Ok(len),
        _ => Err(Error::FrameTooLarge {
            len: u64::from(len),
            max,
        }),
    }
}

/// The frames of a complete watch body held in memory. Yields each frame's message; a
/// truncated tail or an oversized length is an error (after which the iterator ends).
#[derive(Debug, Clone)]
pub struct FrameReader<'a> {
    buf: &'a [u8],
    max: usize,
}

impl<'a> FrameReader<'a> {
    /// Frames of `buf`, at most [`DEFAULT_MAX_FRAME`] bytes each.
    pub fn new(buf: &'a [u8]) -> Self {
        Self {
            buf,
            max: DEFAULT_MAX_FRAME,
        }
    }

    /// Sets the largest frame accepted (default [`DEFAULT_MAX_FRAME`]).
    pub fn max_frame(mut self, max: usize) -> Self {
        self.max = max;
        self
    }
}

impl<'a> Iterator for FrameReader<'a> {
    type Item = Result<&'a [u8], Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.buf.is_empty() {
            return None;
        }
        let result = if self.buf.len() < 4 {
            Err(Error::Truncated("watch frame length"))
        } else {
            frame_len(self.buf, self.max).and_then(|len| {
                self.buf[4..]
                    .get(..len)
                    .ok_or(Error::Truncated("watch frame"))
                    .inspect(|_| self.buf = &self.buf[4 + len..])
            })
        };
        if result.is_err() {
            self.buf = &[];
        }
        Some(result)
    }
}

/// Splits a watch stream arriving in chunks into frames: push bytes as they come, take
/// frames as they complete. A length prefix above the limit is an error as soon as it is
/// read, before anything is buffered for it.
#[derive(Debug, Clone)]
pub struct FrameDecoder {
    buf: Vec<u8>,
    max: usize,
}

impl Default for FrameDecoder {
    fn default() -> Self {
        Self::new()
    }
}

impl FrameDecoder {
    /// A decoder accepting frames up to [`DEFAULT_MAX_FRAME`] bytes.
    pub fn new() -> Self {
        Self {
            buf: Vec::new(),
            max: DEFAULT_MAX_FRAME,
        }
    }

    /// Sets the largest frame accepted (default [`DEFAULT_MAX_FRAME`]).
    pub fn max_frame(mut self, max: usize) -> Self {
        self.max = max;
        self
    }

    /// Appends bytes read from the stream.
    pub fn push(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// The next complete frame, `None` until one has fully arrived.
    pub fn next_frame(&mut self) -> Result<Option<Vec<u8>>, Error> {
        if self.buf.len() < 4 {
            return Ok(None);
        }
        let len = frame_len(&self.buf, self.max)?;
        if self.buf.len() - 4 < len {
            return Ok(None);
        }
        let frame = self.buf[4..4 + len].to_vec();
        self.buf.drain(..4 + len);
        Ok(Some(frame))
    }

    /// Bytes received but not yet returned as a frame (a stream ending with some is truncated).
    pub fn pending(&self) -> usize {
        self.buf.len()
    }
}

/// The type and object envelope of one frame's `WatchEvent`.
fn event_parts(frame: &[u8]) -> Result<(&str, &[u8]), Error> {
    let (mut ty, mut object) = ("", &[][..]);
    let mut r = Reader::new(frame);
    while let Some((n, raw)) = r.field()? {
        match (n, raw) {
            (1, Raw::Len(b)) => ty = std::str::from_utf8(b).map_err(|_| Error::InvalidUtf8)?,
            (2, Raw::Len(ext)) => {
                let mut e = Reader::new(ext);
                while let Some((n, raw)) = e.field()? {
                    if let (1, Raw::Len(b)) = (n, raw) {
                        object = b;
                    }
                }
            }
            (1 | 2, raw) => {
                return Err(Error::BadWireType {
                    message: "k8s.io.apimachinery.pkg.apis.meta.v1.WatchEvent",
                    field: n,
                    wire: raw.wire(),
                });
            }
            _ => {}
        }
    }
    Ok((ty, object))
}

#[derive(Deserialize)]
struct BookmarkObject {
    #[serde(default)]
    metadata: BookmarkMeta,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct BookmarkMeta {
    #[serde(default)]
    annotations: BTreeMap<String, String>,
    #[serde(default)]
    resource_version: String,
}

/// Decodes one frame (as [`FrameReader`] / [`FrameDecoder`] return it) into k8s-openapi's
/// `WatchEvent<T>`, the object straight into `T`.
pub fn decode_watch_event<'de, T: Deserialize<'de>>(
    frame: &'de [u8],
) -> Result<WatchEvent<T>, Error> {
    let (ty, object) = event_parts(frame)?;
    Ok(match ty {
        "ADDED" => WatchEvent::Added(decode_object(object)?),
        "MODIFIED" => WatchEvent::Modified(decode_object(object)?),
        "DELETED" => WatchEvent::Deleted(decode_object(object)?),
        "BOOKMARK" => {
            let b: BookmarkObject = decode_object(object)?;
            WatchEvent::Bookmark {
                annotations: b.metadata.annotations,
                resource_version: b.metadata.resource_version,
            }
        }
        "ERROR" if Envelope::parse(object)?.kind == "Status" => {
            WatchEvent::ErrorStatus(decode_object(object)?)
        }
        "ERROR" => WatchEvent::ErrorOther(RawExtension(decode_object(object)?)),
        other => return Err(Error::Custom(format!("unknown watch event type {other:?}"))),
    })
}

/// One frame (length prefix included) of an event whose object is already encoded (see
/// [`crate::encode_object`]).
pub fn encode_watch_frame(event_type: &str, object: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(object.len() + event_type.len() + 16);
    out.extend_from_slice(&[0; 4]);
    put_bytes(&mut out, 1, event_type.as_bytes());
    let ext = begin_len(&mut out, 2);
    put_bytes(&mut out, 1, object);
    end_len(&mut out, ext);
    let len = u32::try_from(out.len() - 4).unwrap_or(u32::MAX);
    out[..4].copy_from_slice(&len.to_be_bytes());
    out
}

/// One frame (length prefix included) of a typed watch event, as kube-apiserver writes it.
pub fn encode_watch_event<T>(event: &WatchEvent<T>) -> Result<Vec<u8>, Error>
where
    T: k8s_openapi::Resource + Serialize,
{
    let (ty, object) = match event {
        WatchEvent::Added(o) => ("ADDED", crate::encode_object(o)?),
        WatchEvent::Modified(o) => ("MODIFIED", crate::encode_object(o)?),
        WatchEvent::Deleted(o) => ("DELETED", crate::encode_object(o)?),
        WatchEvent::Bookmark {
            annotations,
            resource_version,
        } => {
            let object = serde_json::json!({
                "metadata": {"annotations": annotations, "resourceVersion": resource_version}
            });
            ("BOOKMARK", encode_as(T::API_VERSION, T::KIND, &object)?)
        }
        WatchEvent::ErrorStatus(status) => ("ERROR", crate::encode_object(status)?),
        WatchEvent::ErrorOther(raw) => ("ERROR", encode_value(&raw.0)?),
    };
    Ok(encode_watch_frame(ty, &object))
}
