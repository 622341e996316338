//! [`ListSplitter`]: an encoded list cut into its items while it is still arriving, so a
//! client decodes the first items while the server sends the rest and never holds the whole
//! body (a 50,000-Pod list is half a gigabyte of protobuf).
//!
//! The envelope is read field by field; its `raw` (the list message) is not waited for as a
//! whole: inside it, each field is taken as soon as its bytes are there, the items handed out
//! and the metadata kept. kube-apiserver writes the envelope's type before `raw` and the list's
//! metadata before its items, so the item type is known before the first item and the
//! continue token before any item is decoded.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ListMeta;

use crate::Error;
use crate::envelope::MAGIC;
use crate::item::{ItemDecoder, ListShape};
use crate::wire::{LEN, Raw, Reader};

/// Where the splitter is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum At {
    /// Before the `k8s\0` magic.
    Magic,
    /// Between the envelope's fields.
    Envelope,
    /// Inside `raw`, which ends at this absolute offset.
    Raw(u64),
}

/// Splits an encoded list (`k8s\0` + envelope of `PodList` …) pushed in chunks into its
/// items' bare messages, in order, and its metadata.
///
/// ```
/// use k8s_openapi::api::core::v1::Pod;
/// use kclient_protobuf::ListSplitter;
///
/// let mut pod = Pod::default();
/// pod.metadata.name = Some("web".into());
/// let list = k8s_openapi::List { items: vec![pod.clone(); 3], metadata: Default::default() };
/// let bytes = kclient_protobuf::encode_object(&list).unwrap();
/// let mut splitter = ListSplitter::new();
/// let mut pods = Vec::new();
/// for chunk in bytes.chunks(7) {
///     splitter.push(chunk);
///     while let Some(item) = splitter.next_item().unwrap() {
///         let decoder = splitter.item_decoder().unwrap();
///         pods.push(decoder.decode::<Pod>(&item).unwrap());
///     }
/// }
/// let meta = splitter.finish().unwrap();
/// assert_eq!(pods, list.items);
/// assert_eq!(meta, list.metadata);
/// ```
#[derive(Debug)]
pub struct ListSplitter {
    buf: Vec<u8>,
    /// Bytes of `buf` already taken.
    pos: usize,
    /// Absolute offset of `buf[0]` in the body.
    base: u64,
    at: At,
    shape: Option<ListShape>,
    metadata: Option<Vec<u8>>,
    raw_seen: bool,
}

impl Default for ListSplitter {
    fn default() -> Self {
        Self::new()
    }
}

/// What reading one field from the buffered bytes gave.
enum Read<'a> {
    /// Its bytes have not all arrived.
    Wait,
    /// The field, and how many bytes it took.
    Field(u64, Raw<'a>, usize),
}

/// Reads one field from `bytes`; `complete` says no more bytes can follow (the end of `raw`
/// is inside `bytes`), so a cut field is truncation rather than a wait.
fn read_field(bytes: &[u8], complete: bool) -> Result<Read<'_>, Error> {
    let mut r = Reader::new(bytes);
    match r.field() {
        Ok(Some((number, raw))) => Ok(Read::Field(number, raw, bytes.len() - r.buf.len())),
        Ok(None) => Ok(Read::Wait),
        Err(Error::Truncated(_)) if !complete => Ok(Read::Wait),
        Err(e) => Err(e),
    }
}

impl ListSplitter {
    /// A splitter before the first byte.
    pub fn new() -> Self {
        Self {
            buf: Vec::new(),
            pos: 0,
            base: 0,
            at: At::Magic,
            shape: None,
            metadata: None,
            raw_seen: false,
        }
    }

    /// Adds the next bytes of the body.
    pub fn push(&mut self, chunk: &[u8]) {
        // Drop what was taken once it is most of the buffer, so the buffer holds about one
        // chunk and the item being cut, not the body.
        if self.pos > 0 && self.pos >= self.buf.len() / 2 {
            self.buf.drain(..self.pos);
            self.base += self.pos as u64;
            self.pos = 0;
        }
        self.buf.extend_from_slice(chunk);
    }

    /// Bytes held: what arrived and was not taken yet, and what was taken since the last
    /// compaction (at most about as much again).
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    fn offset(&self) -> u64 {
        self.base + self.pos as u64
    }

    /// The next complete item's bare message, or `None` until more bytes are pushed (or at
    /// the end). Items come in order; an error is final.
    pub fn next_item(&mut self) -> Result<Option<Vec<u8>>, Error> {
        loop {
            let rest = &self.buf[self.pos..];
            match self.at {
                At::Magic => {
                    if rest.len() < MAGIC.len() {
                        return Ok(None);
                    }
                    if !rest.starts_with(MAGIC) {
                        return Err(Error::MissingPrefix);
                    }
                    self.pos += MAGIC.len();
                    self.at = At::Envelope;
                }
                At::Envelope => {
                    if rest.is_empty() {
                        return Ok(None);
                    }
                    let mut r = Reader::new(rest);
                    let key = match r.varint() {
                        Ok(key) => key,
                        Err(Error::Truncated(_)) => return Ok(None),
                        Err(e) => return Err(e),
                    };
                    if key >> 3 == 2 && key & 7 == u64::from(LEN) {
                        let len = match r.varint() {
                            Ok(len) => len,
                            Err(Error::Truncated(_)) => return Ok(None),
                            Err(e) => return Err(e),
                        };
                        if self.shape.is_none() {
                            return Err(Error::Custom(
                                "the list's apiVersion and kind must come before its items".into(),
                            ));
                        }
                        self.pos += rest.len() - r.buf.len();
                        self.raw_seen = true;
                        self.at = At::Raw(self.offset().saturating_add(len));
                        continue;
                    }
                    let Read::Field(number, raw, used) = read_field(rest, false)? else {
                        return Ok(None);
                    };
                    if let Some(shape) = envelope_field(number, raw)? {
                        self.shape = Some(shape);
                    }
                    self.pos += used;
                }
                At::Raw(end) => {
                    let left = end - self.offset();
                    if left == 0 {
                        self.at = At::Envelope;
                        continue;
                    }
                    let complete = left <= rest.len() as u64;
                    let bytes =
                        &rest[..usize::try_from(left).map_or(rest.len(), |l| l.min(rest.len()))];
                    let Read::Field(number, raw, used) = read_field(bytes, complete)? else {
                        return Ok(None);
                    };
                    let shape = self.shape.ok_or(Error::Truncated("list type"))?;
                    let taken = match (number, raw) {
                        (n, Raw::Len(item)) if n == shape.items_field => Some(item.to_vec()),
                        (n, Raw::Len(meta)) if n == shape.metadata_field => {
                            self.metadata = Some(meta.to_vec());
                            None
                        }
                        (n, raw) if n == shape.items_field || n == shape.metadata_field => {
                            return Err(Error::BadWireType {
                                message: shape.name,
                                field: n,
                                wire: raw.wire(),
                            });
                        }
                        _ => None,
                    };
                    self.pos += used;
                    if taken.is_some() {
                        return Ok(taken);
                    }
                }
            }
        }
    }

    /// What decodes the items, once the list's type has arrived.
    pub fn item_decoder(&self) -> Option<ItemDecoder> {
        self.shape.map(|shape| shape.item_decoder())
    }

    /// The list's metadata, once it has arrived (kube-apiserver sends it before the items).
    pub fn list_meta(&self) -> Option<Result<ListMeta, Error>> {
        let shape = self.shape?;
        Some(shape.list_meta(self.metadata.as_deref()?))
    }

    /// The end of the body: the list's metadata, or why the body is not a whole list (cut
    /// short, or items not taken with [`ListSplitter::next_item`] yet).
    pub fn finish(mut self) -> Result<ListMeta, Error> {
        if self.next_item()?.is_some() {
            return Err(Error::Custom(
                "items left untaken at the end of the list".into(),
            ));
        }
        if self.at != At::Envelope || self.pos != self.buf.len() {
            return Err(Error::Truncated("list"));
        }
        let shape = self.shape.ok_or(Error::Truncated("list type"))?;
        // kube-apiserver always writes `raw` for a list (its metadata field is never omitted),
        // so a body that ends before `raw` was cut, not an empty list.
        if !self.raw_seen {
            return Err(Error::Truncated("list"));
        }
        shape.list_meta(self.metadata.as_deref().unwrap_or_default())
    }
}

/// One envelope field other than `raw`: the type (the list's shape), or the content encoding
/// (which must be empty, as in [`crate::Envelope::parse`]).
fn envelope_field(number: u64, raw: Raw<'_>) -> Result<Option<ListShape>, Error> {
    match (number, raw) {
        (1, Raw::Len(type_meta)) => {
            let (mut api_version, mut kind) = ("", "");
            let mut t = Reader::new(type_meta);
            while let Some((n, raw)) = t.field()? {
                let text = |b| std::str::from_utf8(b).map_err(|_| Error::InvalidUtf8);
                match (n, raw) {
                    (1, Raw::Len(b)) => api_version = text(b)?,
                    (2, Raw::Len(b)) => kind = text(b)?,
                    _ => {}
                }
            }
            return ListShape::of(api_version, kind).map(Some);
        }
        (3, Raw::Len(b)) if !b.is_empty() => {
            return Err(Error::ContentEncoding(
                String::from_utf8_lossy(b).into_owned(),
            ));
        }
        (1..=4, Raw::Len(_)) | (5.., _) => {}
        (_, raw) => {
            return Err(Error::BadWireType {
                message: "k8s.io.apimachinery.pkg.runtime.Unknown",
                field: number,
                wire: raw.wire(),
            });
        }
    }
    Ok(None)
}
