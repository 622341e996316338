//! [`Compact`] objects that arrived as Kubernetes protobuf: the cache keeps the server's
//! message bytes (a list item's, or the `raw` of a watch event's envelope) beside the typed
//! metadata, and decodes them on read with `kclient-protobuf`.
//!
//! A protobuf Pod is about two thirds the size of its JSON (field numbers instead of quoted
//! keys, varints instead of digits), so the cache holds less; decoding one on read is
//! faster than parsing JSON. Only `metadata` is decoded on arrival: the rest of the message
//! is checked when it is read, as for JSON.

use std::marker::PhantomData;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ListMeta, ObjectMeta};
use kclient_protobuf::ObjectType;
use serde::Deserialize;

use super::{Body, Compact, SlimMeta};
use crate::error::DecodeError;

/// An object's protobuf message and its kind (which apiVersion and kind a decode sets, since
/// a list's items carry neither).
#[derive(Clone, PartialEq, Eq)]
pub(super) struct Message {
    ty: ObjectType,
    bytes: Box<[u8]>,
}

impl Message {
    pub(super) fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Decodes the message into `T`; errors name `K`, never a value.
    pub(super) fn decode<K, T: serde::de::DeserializeOwned>(&self) -> Result<T, DecodeError> {
        self.ty
            .decode(&self.bytes)
            .map_err(DecodeError::protobuf::<K>)
    }
}

/// The part of an object decoded on arrival.
#[derive(Deserialize)]
struct Head {
    #[serde(default)]
    metadata: Option<SlimMeta>,
}

impl<K> Compact<K> {
    /// The compact form of an object's bare protobuf message of kind `ty`.
    pub(super) fn from_message(ty: ObjectType, bytes: &[u8]) -> Result<Self, DecodeError> {
        let head: Head = ty.decode(bytes).map_err(DecodeError::protobuf::<Self>)?;
        Ok(Compact {
            meta: ObjectMeta::from(head.metadata.unwrap_or_default()),
            body: Body::Protobuf(Message {
                ty,
                bytes: bytes.into(),
            }),
            kind: PhantomData,
        })
    }

    /// The compact form of an encoded object (`k8s\0` + envelope, as a GET or a protobuf
    /// watch event carries it): its message is kept, the envelope's kind decides how it
    /// decodes.
    pub fn from_protobuf_object(bytes: &[u8]) -> Result<Self, DecodeError> {
        let env =
            kclient_protobuf::Envelope::parse(bytes).map_err(DecodeError::protobuf::<Self>)?;
        let ty =
            ObjectType::new(env.api_version, env.kind).map_err(DecodeError::protobuf::<Self>)?;
        Self::from_message(ty, env.raw)
    }
}

impl<K: k8s_openapi::Resource> Compact<K> {
    /// The compact form of one item of a protobuf list: the item's bare message, as
    /// [`kclient_protobuf::split_list`] cuts it out, kept as it is. Decoding it sets `K`'s
    /// apiVersion and kind, which list items do not carry.
    pub fn from_protobuf_item(bytes: &[u8]) -> Result<Self, DecodeError> {
        let ty = ObjectType::of::<K>().map_err(DecodeError::protobuf::<Self>)?;
        Self::from_message(ty, bytes)
    }

    /// A whole protobuf list (`k8s\0` + envelope of `PodList` …): its metadata and its items
    /// in compact form, no item decoded beyond its metadata.
    pub fn from_protobuf_list(bytes: &[u8]) -> Result<(ListMeta, Vec<Self>), DecodeError> {
        let parts = kclient_protobuf::split_list(bytes).map_err(DecodeError::protobuf::<Self>)?;
        let meta = parts
            .list_meta()
            .map_err(DecodeError::protobuf::<ListMeta>)?;
        let items = parts
            .items
            .iter()
            .map(|item| Self::from_protobuf_item(item))
            .collect::<Result<_, _>>()?;
        Ok((meta, items))
    }
}

#[cfg(test)]
mod tests;
