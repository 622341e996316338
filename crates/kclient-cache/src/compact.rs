//! [`Compact`]: an object cached as the JSON text (or protobuf) the server sent, beside its
//! metadata.
//!
//! A decoded k8s-openapi `Pod` of ~13 KB JSON holds ~120 KB of heap: every string, option and
//! list is its own allocation, and `managedFields` (a `serde_json::Value` tree of one
//! `BTreeMap` node per field path) is 60% of it. An informer of `Compact<Pod>` keeps each
//! object as one string of its JSON plus a typed [`ObjectMeta`] (without `managedFields`), so a
//! cache of large objects costs little more than their JSON. Nothing is dropped: [`Compact::decode`]
//! gives the whole object, `managedFields` included.
//!
//! The trade is read cost for memory: keys, namespaces, labels and index functions work on the
//! metadata with no decoding, but reading the spec or status decodes the object (about as
//! costly as client-go's `DeepCopy` of it). Use it for caches that mostly select and count,
//! or whose objects are large and many; keep the typed informer for hot reads of the whole
//! object.
//!
//! What is checked when an object arrives is its JSON syntax and its `metadata`; the rest is
//! checked against `K` by `decode`, so a spec the type does not take is cached and reported
//! on every read (a typed informer would fail the list or watch instead). Annotations are held
//! twice, in the JSON and in the metadata: for objects with a large
//! `kubectl.kubernetes.io/last-applied-configuration` that is close to twice the JSON.
//!
//! An object that arrives as Kubernetes protobuf is kept as its protobuf message instead
//! ([`Compact::from_protobuf_item`] for a list's items, [`Compact::from_protobuf_object`]
//! for a watch event's object, [`Compact::from_protobuf_list`] for a whole list): a third
//! smaller than its JSON, and faster to decode on read; [`Compact::json`] gives the same
//! JSON either way.
//!
//! An informer of `Compact<K>` asks for protobuf first when `K` is a built-in kind (as the
//! typed informer does), so its cache holds the server's protobuf messages; custom resources
//! and servers that answer JSON give JSON text.
//!
//! Decoding into `Compact` needs serde_json's own deserializer or kclient-protobuf's (lists,
//! watch events, `serde_json::from_str` and `kclient_protobuf::decode_object` all qualify);
//! formats that buffer the object first cannot hand over its bytes and fail with an error.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference, Time};
use serde::de::{self, DeserializeOwned, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::error::DecodeError;
#[cfg(test)]
use crate::error::KeyError;

/// An object of type `K` held as the bytes the server sent (protobuf or JSON text) plus its
/// metadata (see the [module docs](self)). Clone is cheap only behind the `Arc` the cache hands out.
///
/// ```no_run
/// use k8s_openapi::api::core::v1::Pod;
/// use kclient_cache::SharedInformerFactory;
/// use kclient_core::LabelSelector;
/// # async fn demo(client: kclient_rest::RestClient) -> Result<(), Box<dyn std::error::Error>> {
/// let factory = SharedInformerFactory::new(client);
/// let pods = factory.compact::<Pod>();
/// factory.start()?;
/// factory.wait_for_cache_sync().await;
/// // Selecting works on the metadata; only the Pods read are decoded.
/// for pod in pods.lister().list(&LabelSelector::parse("app=web")?) {
///     let pod: Pod = pod.decode()?;
///     println!("{:?}", pod.status.and_then(|s| s.phase));
/// }
/// # Ok(()) }
/// ```
pub struct Compact<K> {
    meta: ObjectMeta,
    body: Body,
    kind: PhantomData<fn() -> K>,
}

/// The object as the server sent it.
#[derive(Clone, PartialEq, Eq)]
enum Body {
    /// JSON text.
    Json(Box<str>),
    /// A Kubernetes protobuf message (see [`protobuf`]).
    Protobuf(protobuf::Message),
}

impl<K> Clone for Compact<K> {
    fn clone(&self) -> Self {
        Self {
            meta: self.meta.clone(),
            body: self.body.clone(),
            kind: PhantomData,
        }
    }
}

/// Shows the identity only: the JSON may be a Secret's.
impl<K> fmt::Debug for Compact<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Compact")
            .field("namespace", &self.meta.namespace)
            .field("name", &self.meta.name)
            .field("resource_version", &self.meta.resource_version)
            .field(
                match self.body {
                    Body::Json(_) => "json_bytes",
                    Body::Protobuf(_) => "protobuf_bytes",
                },
                &self.body_len(),
            )
            .finish()
    }
}

/// The same bytes in the same format; across formats, the same JSON value.
impl<K> PartialEq for Compact<K> {
    fn eq(&self, other: &Self) -> bool {
        match (&self.body, &other.body) {
            (Body::Json(a), Body::Json(b)) => a == b,
            (Body::Protobuf(a), Body::Protobuf(b)) => a == b,
            _ => match (self.json_value(), other.json_value()) {
                (Ok(a), Ok(b)) => a == b,
                _ => false,
            },
        }
    }
}

impl<K> Compact<K> {
    /// The object's metadata, every field but `managedFields` (which stays in the JSON).
    pub fn meta(&self) -> &ObjectMeta {
        &self.meta
    }

    /// The object's JSON text: exactly as the server sent it (top-level whitespace aside), or
    /// for an object that arrived as protobuf, the JSON kube-apiserver would have sent (keys
    /// sorted; an error if the bytes do not decode). kube-apiserver leaves `kind` and
    /// `apiVersion` out of the items of a built-in kind's JSON list but not out of watch
    /// events, so the text of one object may differ in those two fields by the way it
    /// arrived; [`Compact::decode`] and [`Compact::meta`] do not. Protobuf objects always
    /// have both.
    pub fn json(&self) -> Result<Cow<'_, str>, DecodeError> {
        match &self.body {
            Body::Json(json) => Ok(Cow::Borrowed(json)),
            Body::Protobuf(message) => {
                let value = message.decode::<K, serde_json::Value>()?;
                Ok(Cow::Owned(value.to_string()))
            }
        }
    }

    /// The object as a JSON value.
    fn json_value(&self) -> Result<serde_json::Value, DecodeError> {
        match &self.body {
            Body::Json(json) => serde_json::from_str(json).map_err(DecodeError::new::<Self>),
            Body::Protobuf(message) => message.decode::<K, serde_json::Value>(),
        }
    }

    /// How many bytes the body (JSON text or protobuf message) holds.
    pub fn body_len(&self) -> usize {
        match &self.body {
            Body::Json(json) => json.len(),
            Body::Protobuf(message) => message.len(),
        }
    }

    /// Parses a compact object from JSON text.
    pub fn from_json(json: &str) -> Result<Self, DecodeError> {
        serde_json::from_str(json).map_err(DecodeError::new::<Self>)
    }
}

impl<K: DeserializeOwned> Compact<K> {
    /// The whole object, decoded from the JSON or protobuf the server sent. Each call decodes
    /// anew; keep the result if you read it more than once.
    pub fn decode(&self) -> Result<K, DecodeError> {
        match &self.body {
            Body::Json(json) => serde_json::from_str(json).map_err(DecodeError::new::<K>),
            Body::Protobuf(message) => message.decode::<K, K>(),
        }
    }
}

impl<K: Serialize> Compact<K> {
    /// The compact form of a typed object.
    pub fn from_object(obj: &K) -> Result<Self, DecodeError> {
        let json = serde_json::to_string(obj).map_err(DecodeError::new::<K>)?;
        Self::from_json(&json)
    }
}

kclient_core::impl_object_for_typed_meta!([K: 'static] Compact<K>, Compact::meta);

impl<'de, K> Deserialize<'de> for Compact<K> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // kclient-protobuf answers this name with the object's message undecoded; serde_json
        // treats it as any newtype and hands over itself, whose map is the object.
        deserializer.deserialize_newtype_struct(
            kclient_protobuf::ENCODED_OBJECT,
            CompactVisitor(PhantomData),
        )
    }
}

struct CompactVisitor<K>(PhantomData<fn() -> K>);

impl<'de, K> Visitor<'de> for CompactVisitor<K> {
    type Value = Compact<K>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a Kubernetes object")
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }

    /// A protobuf object, handed over as its kind and message (see `ENCODED_OBJECT`).
    fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        let encoded = kclient_protobuf::EncodedObject::from_seq(seq)?;
        Compact::from_message(encoded.ty, encoded.message).map_err(de::Error::custom)
    }

    // One pass: each top-level field is captured as raw text and the object's text is put
    // back together from them, so only `metadata` is parsed twice (once raw, once typed).
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut json = String::with_capacity(4096);
        let mut meta = None;
        let mut first = true;
        json.push('{');
        while let Some(key) = map.next_key::<String>()? {
            let value: Box<RawValue> = map.next_value()?;
            if key == "metadata" {
                // The typed decode rejects a second `metadata`; so does this, rather than
                // keep metadata that `decode` would not give back.
                if meta.is_some() {
                    return Err(de::Error::duplicate_field("metadata"));
                }
                let slim: SlimMeta = serde_json::from_str(value.get()).map_err(|e| {
                    de::Error::custom(format_args!(
                        "metadata: {:?} error at column {}",
                        e.classify(),
                        e.column()
                    ))
                })?;
                meta = Some(ObjectMeta::from(slim));
            }
            if !first {
                json.push(',');
            }
            first = false;
            // Keys of Kubernetes objects never need escaping (the bytes serde_json escapes),
            // but a stranger one must still come back as valid JSON.
            if key.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
                json.push('"');
                json.push_str(&key);
                json.push('"');
            } else {
                json.push_str(&serde_json::to_string(&key).map_err(de::Error::custom)?);
            }
            json.push(':');
            json.push_str(value.get());
        }
        json.push('}');
        Ok(Compact {
            meta: meta.unwrap_or_default(),
            body: Body::Json(json.into_boxed_str()),
            kind: PhantomData,
        })
    }
}

/// `ObjectMeta` without `managedFields`, which serde skips over without building its tree.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct SlimMeta {
    annotations: Option<BTreeMap<String, String>>,
    creation_timestamp: Option<Time>,
    deletion_grace_period_seconds: Option<i64>,
    deletion_timestamp: Option<Time>,
    finalizers: Option<Vec<String>>,
    generate_name: Option<String>,
    generation: Option<i64>,
    labels: Option<BTreeMap<String, String>>,
    name: Option<String>,
    namespace: Option<String>,
    owner_references: Option<Vec<OwnerReference>>,
    resource_version: Option<String>,
    self_link: Option<String>,
    uid: Option<String>,
}

impl From<SlimMeta> for ObjectMeta {
    fn from(m: SlimMeta) -> Self {
        ObjectMeta {
            annotations: m.annotations,
            creation_timestamp: m.creation_timestamp,
            deletion_grace_period_seconds: m.deletion_grace_period_seconds,
            deletion_timestamp: m.deletion_timestamp,
            finalizers: m.finalizers,
            generate_name: m.generate_name,
            generation: m.generation,
            labels: m.labels,
            managed_fields: None,
            name: m.name,
            namespace: m.namespace,
            owner_references: m.owner_references,
            resource_version: m.resource_version,
            self_link: m.self_link,
            uid: m.uid,
        }
    }
}

mod protobuf;
#[cfg(test)]
mod tests;
