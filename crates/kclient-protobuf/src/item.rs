//! Objects without their envelope: the items of an encoded list, cut out undecoded.
//!
//! A list (`PodList` …) is one envelope around `{metadata = ListMeta, items = repeated Pod}`;
//! its items are bare `Pod` messages with no apiVersion or kind of their own. A cache that
//! keeps the server's bytes ([`split_list`]) stores each item's message as it is and decodes
//! it later as an [`ObjectType`] — the item's kind from the caller, since the list names only
//! itself. Cutting the items out is one walk over the list's top-level fields: each item is a
//! length-delimited field whose length is read and skipped, so the items are not looked into.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ListMeta;
use serde::Deserialize;

use crate::Error;
use crate::de::MessageDe;
use crate::envelope::Envelope;
use crate::schema::{KINDS, Message, Ty, message};
use crate::wire::{Raw, Reader};

/// A built-in kind's protobuf message: what decodes an object's bare message (a list item, or
/// the `raw` of an envelope) into the object, its apiVersion and kind set.
///
/// ```
/// use k8s_openapi::api::core::v1::Pod;
/// use kclient_protobuf::ObjectType;
///
/// let mut pod = Pod::default();
/// pod.metadata.name = Some("web".into());
/// let list = k8s_openapi::List { items: vec![pod.clone()], metadata: Default::default() };
/// let bytes = kclient_protobuf::encode_object(&list).unwrap();
/// let parts = kclient_protobuf::split_list(&bytes).unwrap();
/// let pods = ObjectType::of::<Pod>().unwrap();
/// let back: Pod = pods.decode(parts.items[0]).unwrap();
/// assert_eq!(back, pod);
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct ObjectType {
    /// Index in `KINDS`.
    kind: u16,
}

impl std::fmt::Debug for ObjectType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ObjectType")
            .field("api_version", &self.api_version())
            .field("kind", &self.kind())
            .finish()
    }
}

impl ObjectType {
    /// The message of `apiVersion`/`kind`; [`Error::UnknownKind`] for a kind with no protobuf
    /// message (custom resources, which kube-apiserver serves as JSON only).
    pub fn new(api_version: &str, kind: &str) -> Result<Self, Error> {
        KINDS
            .binary_search_by(|(a, k, _)| (*a, *k).cmp(&(api_version, kind)))
            .ok()
            .and_then(|i| u16::try_from(i).ok())
            .map(|kind| Self { kind })
            .ok_or_else(|| Error::UnknownKind {
                api_version: api_version.to_string(),
                kind: kind.to_string(),
            })
    }

    /// The message of a k8s-openapi resource type.
    pub fn of<K: k8s_openapi::Resource>() -> Result<Self, Error> {
        Self::new(K::API_VERSION, K::KIND)
    }

    /// The kind's apiVersion (`v1`, `apps/v1`).
    pub fn api_version(&self) -> &'static str {
        KINDS[usize::from(self.kind)].0
    }

    /// The kind (`Pod`).
    pub fn kind(&self) -> &'static str {
        KINDS[usize::from(self.kind)].1
    }

    fn message(&self) -> &'static Message {
        message(KINDS[usize::from(self.kind)].2)
    }

    /// Decodes an object's bare message into any deserializable type, with this type's
    /// apiVersion and kind, exactly as [`decode_object`](crate::decode_object) decodes the
    /// object in its envelope.
    pub fn decode<'de, T: Deserialize<'de>>(&self, raw: &'de [u8]) -> Result<T, Error> {
        let mut de = MessageDe::new(self.message(), raw, 0)?;
        de.inject = Some((self.api_version(), self.kind()));
        T::deserialize(de)
    }
}

/// An encoded list cut into its parts, the items undecoded ([`split_list`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListParts<'a> {
    /// The list's apiVersion (`v1`).
    pub api_version: &'a str,
    /// The list's kind (`PodList`).
    pub kind: &'a str,
    /// The list's `ListMeta` message (resourceVersion, continue …); [`ListParts::list_meta`]
    /// decodes it.
    pub metadata: &'a [u8],
    /// Each item's bare message, in order.
    pub items: Vec<&'a [u8]>,
    shape: ListShape,
}

impl ListParts<'_> {
    /// The list's metadata.
    pub fn list_meta(&self) -> Result<ListMeta, Error> {
        self.shape.list_meta(self.metadata)
    }

    /// What decodes each of [`ListParts::items`], on any thread, exactly as
    /// [`decode_list`](crate::decode_list) decodes the items of the whole list.
    pub fn item_decoder(&self) -> ItemDecoder {
        self.shape.item_decoder()
    }
}

/// Decodes the items [`split_list`] cut out, one by one: a list decoded in parts (on several
/// threads) gives the items a whole-list decode gives. Items of built-in lists carry no
/// apiVersion or kind, and none is set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ItemDecoder {
    message: u16,
}

impl ItemDecoder {
    /// Decodes one item's bare message.
    pub fn decode<'de, T: Deserialize<'de>>(&self, item: &'de [u8]) -> Result<T, Error> {
        // Depth 1: where the item sits inside its list.
        T::deserialize(MessageDe::new(message(self.message), item, 1)?)
    }
}

/// What a list kind's message looks like: where its metadata and items are, and their
/// messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ListShape {
    pub name: &'static str,
    pub metadata_field: u64,
    pub items_field: u64,
    pub meta_message: u16,
    pub item_message: u16,
}

impl ListShape {
    /// The shape of the list kind `kind` of `api_version` (`v1`, `PodList`).
    pub(crate) fn of(api_version: &str, kind: &str) -> Result<Self, Error> {
        let msg = ObjectType::new(api_version, kind)?.message();
        let field = |name: &str| {
            msg.json_key(name)
                .filter(|key| key.inline.is_empty())
                .and_then(|key| msg.fields.get(usize::from(key.field)))
                .ok_or_else(|| Error::Custom(format!("{} is not a list: no {name}", msg.name)))
        };
        let (metadata, items) = (field("metadata")?, field("items")?);
        let (Ty::Message(meta_message), Ty::Message(item_message)) = (metadata.ty, items.ty) else {
            return Err(Error::Custom(format!(
                "{} is not a list of objects",
                msg.name
            )));
        };
        Ok(Self {
            name: msg.name,
            metadata_field: u64::from(metadata.number),
            items_field: u64::from(items.number),
            meta_message,
            item_message,
        })
    }

    pub(crate) fn list_meta(&self, metadata: &[u8]) -> Result<ListMeta, Error> {
        ListMeta::deserialize(MessageDe::new(message(self.meta_message), metadata, 0)?)
    }

    pub(crate) fn item_decoder(&self) -> ItemDecoder {
        ItemDecoder {
            message: self.item_message,
        }
    }
}

/// Cuts an encoded list (`k8s\0` + envelope of `PodList` …) into its metadata and each
/// item's message, without decoding the items.
pub fn split_list(bytes: &[u8]) -> Result<ListParts<'_>, Error> {
    let env = Envelope::parse(bytes)?;
    let shape = ListShape::of(env.api_version, env.kind)?;
    let mut parts = ListParts {
        api_version: env.api_version,
        kind: env.kind,
        metadata: &[],
        items: Vec::new(),
        shape,
    };
    // Count first so the item list is exactly its size (a walk over lengths only).
    let mut count = 0;
    let mut r = Reader::new(env.raw);
    while let Some((n, _)) = r.field()? {
        count += usize::from(n == shape.items_field);
    }
    parts.items.reserve_exact(count);
    let mut r = Reader::new(env.raw);
    while let Some((n, raw)) = r.field()? {
        let wrong = |raw: &Raw<'_>| Error::BadWireType {
            message: shape.name,
            field: n,
            wire: raw.wire(),
        };
        if n == shape.items_field {
            let Raw::Len(item) = raw else {
                return Err(wrong(&raw));
            };
            parts.items.push(item);
        } else if n == shape.metadata_field {
            let Raw::Len(meta) = raw else {
                return Err(wrong(&raw));
            };
            parts.metadata = meta;
        }
    }
    Ok(parts)
}
