//! Handing an object over undecoded: a type that keeps the server's bytes (kclient-cache's
//! `Compact`) asks for them through serde with the newtype name [`ENCODED_OBJECT`], and this
//! crate's deserializer answers with the object's kind and bare message instead of its fields.
//! Any other deserializer (serde_json's) treats the name as an ordinary newtype, so one
//! `Deserialize` impl serves both formats.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::de::value::{BorrowedBytesDeserializer, BorrowedStrDeserializer};
use serde::de::{self, DeserializeSeed, SeqAccess};

use crate::Error;
use crate::item::ObjectType;
use crate::schema::{KINDS, Message};

/// The serde newtype name that asks this crate's deserializer for an object's message
/// undecoded: `deserialize_newtype_struct(ENCODED_OBJECT, visitor)` gets `visit_seq` of
/// `[apiVersion, kind, message bytes]`, which [`EncodedObject::from_seq`] reads. Other
/// deserializers call `visit_newtype_struct` with themselves, as for any newtype.
///
/// ```
/// use k8s_openapi::api::core::v1::Pod;
/// use kclient_protobuf::{ENCODED_OBJECT, EncodedObject};
/// use serde::de::{Deserializer, SeqAccess, Visitor};
///
/// /// Keeps a Pod's message bytes, or a JSON Pod's text.
/// #[derive(Debug, PartialEq)]
/// enum Kept { Protobuf(Vec<u8>), Json(String) }
///
/// impl<'de> serde::Deserialize<'de> for Kept {
///     fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
///         struct V;
///         impl<'de> Visitor<'de> for V {
///             type Value = Kept;
///             fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
///                 f.write_str("an object")
///             }
///             fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Kept, A::Error> {
///                 Ok(Kept::Protobuf(EncodedObject::from_seq(seq)?.message.to_vec()))
///             }
///             fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Kept, D::Error> {
///                 let value: serde_json::Value = serde::Deserialize::deserialize(d)?;
///                 Ok(Kept::Json(value.to_string()))
///             }
///         }
///         d.deserialize_newtype_struct(ENCODED_OBJECT, V)
///     }
/// }
///
/// let mut pod = Pod::default();
/// pod.metadata.name = Some("web".into());
/// let bytes = kclient_protobuf::encode_object(&pod).unwrap();
/// let Kept::Protobuf(message) = kclient_protobuf::decode_object(&bytes).unwrap() else { panic!() };
/// assert_eq!(message, kclient_protobuf::Envelope::parse(&bytes).unwrap().raw);
/// let json: Kept = serde_json::from_str(r#"{"kind":"Pod"}"#).unwrap();
/// assert_eq!(json, Kept::Json(r#"{"kind":"Pod"}"#.into()));
/// ```
pub const ENCODED_OBJECT: &str = "$kclient_protobuf::EncodedObject";

/// An object handed over undecoded (see [`ENCODED_OBJECT`]): its kind and bare message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EncodedObject<'de> {
    /// The object's kind, which decodes the message ([`ObjectType::decode`]).
    pub ty: ObjectType,
    /// The object's bare message (no envelope), borrowed from the input.
    pub message: &'de [u8],
}

impl<'de> EncodedObject<'de> {
    /// Reads the `[apiVersion, kind, message]` sequence this crate's deserializer visits for
    /// [`ENCODED_OBJECT`].
    pub fn from_seq<A: SeqAccess<'de>>(mut seq: A) -> Result<Self, A::Error> {
        let missing = || de::Error::custom("an encoded object needs apiVersion, kind and bytes");
        let api_version: &'de str = seq.next_element()?.ok_or_else(missing)?;
        let kind: &'de str = seq.next_element()?.ok_or_else(missing)?;
        let message: &'de [u8] = seq.next_element()?.ok_or_else(missing)?;
        let ty = ObjectType::new(api_version, kind).map_err(de::Error::custom)?;
        Ok(Self { ty, message })
    }
}

/// The kind whose message `msg` is, for objects that do not name theirs (list items).
pub(crate) fn kind_of_message(msg: &'static Message) -> Option<(&'static str, &'static str)> {
    static BY_MESSAGE: OnceLock<HashMap<&'static str, (&'static str, &'static str)>> =
        OnceLock::new();
    BY_MESSAGE
        .get_or_init(|| {
            let mut map = HashMap::with_capacity(KINDS.len());
            for &(api_version, kind, i) in KINDS {
                map.entry(crate::schema::message(i).name)
                    .or_insert((api_version, kind));
            }
            map
        })
        .get(msg.name)
        .copied()
}

/// `[apiVersion, kind, message]` as a serde sequence.
pub(crate) struct EncodedSeq<'de> {
    pub api_version: &'de str,
    pub kind: &'de str,
    pub message: &'de [u8],
    pub next: u8,
}

impl<'de> SeqAccess<'de> for EncodedSeq<'de> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        let at = self.next;
        self.next = self.next.saturating_add(1);
        match at {
            0 => seed
                .deserialize(BorrowedStrDeserializer::new(self.api_version))
                .map(Some),
            1 => seed
                .deserialize(BorrowedStrDeserializer::new(self.kind))
                .map(Some),
            2 => seed
                .deserialize(BorrowedBytesDeserializer::new(self.message))
                .map(Some),
            _ => Ok(None),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(3usize.saturating_sub(usize::from(self.next)))
    }
}
