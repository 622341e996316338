//! The envelope every protobuf object travels in: the magic `k8s\0`, then
//! `runtime.Unknown{typeMeta = 1 {apiVersion = 1, kind = 2}, raw = 2, contentEncoding = 3,
//! contentType = 4}` whose `raw` is the object's message (apimachinery's
//! `runtime/serializer/protobuf`). Objects carry no apiVersion/kind of their own: decoding
//! takes them from the envelope, encoding writes them there.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Status;
use serde::{Deserialize, Serialize};

use crate::Error;
use crate::de::MessageDe;
use crate::schema::{Message, Ty, kind_message, message};
use crate::ser::encode_message;
use crate::wire::{LEN, Raw, Reader, begin_len, end_len, put_bytes, put_key, put_varint};

/// The four bytes every encoded object starts with.
pub const MAGIC: &[u8] = b"k8s\0";

/// An object's envelope: its type and its message bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Envelope<'a> {
    /// `apiVersion` of the object (`v1`, `apps/v1`).
    pub api_version: &'a str,
    /// `kind` of the object (`Pod`, `PodList`, `Status`).
    pub kind: &'a str,
    /// The object's protobuf message.
    pub raw: &'a [u8],
}

fn text(b: &[u8]) -> Result<&str, Error> {
    std::str::from_utf8(b).map_err(|_| Error::InvalidUtf8)
}

impl<'a> Envelope<'a> {
    /// Reads the envelope of an encoded object (starting with [`MAGIC`]).
    pub fn parse(bytes: &'a [u8]) -> Result<Self, Error> {
        let body = bytes.strip_prefix(MAGIC).ok_or(Error::MissingPrefix)?;
        let mut env = Envelope {
            api_version: "",
            kind: "",
            raw: &[],
        };
        let mut r = Reader::new(body);
        while let Some((n, raw)) = r.field()? {
            match (n, raw) {
                (1, Raw::Len(type_meta)) => {
                    let mut t = Reader::new(type_meta);
                    while let Some((n, raw)) = t.field()? {
                        match (n, raw) {
                            (1, Raw::Len(b)) => env.api_version = text(b)?,
                            (2, Raw::Len(b)) => env.kind = text(b)?,
                            _ => {}
                        }
                    }
                }
                (2, Raw::Len(b)) => env.raw = b,
                (3, Raw::Len(b)) if !b.is_empty() => {
                    return Err(Error::ContentEncoding(
                        String::from_utf8_lossy(b).into_owned(),
                    ));
                }
                (3 | 4, Raw::Len(_)) => {}
                (1..=4, raw) => {
                    return Err(Error::BadWireType {
                        message: "k8s.io.apimachinery.pkg.runtime.Unknown",
                        field: n,
                        wire: raw.wire(),
                    });
                }
                _ => {}
            }
        }
        Ok(env)
    }

    fn message(&self) -> Result<&'static Message, Error> {
        kind_message(self.api_version, self.kind).ok_or_else(|| Error::UnknownKind {
            api_version: self.api_version.to_string(),
            kind: self.kind.to_string(),
        })
    }
}

/// The deserializer of an encoded object, apiVersion and kind injected from its envelope.
pub(crate) fn object_de(bytes: &[u8], depth: usize) -> Result<MessageDe<'_>, Error> {
    let env = Envelope::parse(bytes)?;
    let mut de = MessageDe::new(env.message()?, env.raw, depth)?;
    de.inject = Some((env.api_version, env.kind));
    Ok(de)
}

/// Decodes an encoded object (`k8s\0` + envelope) into any deserializable type: a k8s-openapi
/// type (`Pod`, `List<Pod>`, `Status`), `serde_json::Value`, or your own.
///
/// The message is found by the envelope's apiVersion and kind, so the result has exactly the
/// JSON shape kube-apiserver would have sent (zero values of non-pointer `omitempty` fields
/// and zero times left out, `apiVersion`/`kind` set).
pub fn decode_object<'de, T: Deserialize<'de>>(bytes: &'de [u8]) -> Result<T, Error> {
    T::deserialize(object_de(bytes, 0)?)
}

/// Decodes an encoded list (`PodList` …) into k8s-openapi's `List<K>`.
pub fn decode_list<'de, K>(bytes: &'de [u8]) -> Result<k8s_openapi::List<K>, Error>
where
    K: Deserialize<'de> + k8s_openapi::ListableResource,
{
    decode_object(bytes)
}

/// Decodes an encoded `meta.v1.Status` (the body of an error response).
pub fn decode_status(bytes: &[u8]) -> Result<Status, Error> {
    decode_object(bytes)
}

/// Encodes an object of a kind known at compile time (`Pod`, `List<Pod>`, `Status` …) in its
/// envelope.
pub fn encode_object<T: k8s_openapi::Resource + Serialize>(value: &T) -> Result<Vec<u8>, Error> {
    encode_as(T::API_VERSION, T::KIND, value)
}

/// Encodes a JSON object (with its `apiVersion` and `kind`) in its envelope.
pub fn encode_value(value: &serde_json::Value) -> Result<Vec<u8>, Error> {
    let field = |name: &'static str| {
        value
            .get(name)
            .and_then(serde_json::Value::as_str)
            .ok_or_else(|| Error::Encode {
                value: format!("an object without {name}"),
                expected: "an object with apiVersion and kind",
            })
    };
    encode_as(field("apiVersion")?, field("kind")?, value)
}

/// Whether there is a message for `apiVersion`/`kind`: every built-in kind and its list, and
/// the meta.k8s.io/v1 kinds every group-version shares (`Status`, `WatchEvent` …). Custom
/// resources have none (check that a kind is built in before relying on the shared ones).
pub fn has_kind(api_version: &str, kind: &str) -> bool {
    kind_message(api_version, kind).is_some()
}

/// Encodes any serializable value as the message of `apiVersion`/`kind`, in its envelope.
pub fn encode_as<T: Serialize + ?Sized>(
    api_version: &str,
    kind: &str,
    value: &T,
) -> Result<Vec<u8>, Error> {
    let msg = kind_message(api_version, kind).ok_or_else(|| Error::UnknownKind {
        api_version: api_version.to_string(),
        kind: kind.to_string(),
    })?;
    let mut out = Vec::with_capacity(256);
    begin_envelope(&mut out, api_version, kind);
    let raw = begin_len(&mut out, 2);
    encode_message(msg, value, &mut out, 0)?;
    end_len(&mut out, raw);
    end_envelope(&mut out);
    Ok(out)
}

/// The magic and the `typeMeta` of an envelope; `raw` follows.
fn begin_envelope(out: &mut Vec<u8>, api_version: &str, kind: &str) {
    out.extend_from_slice(MAGIC);
    let type_meta = begin_len(out, 1);
    put_bytes(out, 1, api_version.as_bytes());
    put_bytes(out, 2, kind.as_bytes());
    end_len(out, type_meta);
}

/// The empty `contentEncoding` and `contentType` after `raw`.
fn end_envelope(out: &mut Vec<u8>) {
    put_bytes(out, 3, b"");
    put_bytes(out, 4, b"");
}

/// Encodes a list (`PodList` …) in its envelope from items that are already encoded: each
/// item is the message of one object, the [`Envelope::raw`] of its own encoding. A server
/// that keeps its objects' encodings (as kube-apiserver's watch cache keeps serialized
/// objects) lists them by copying bytes instead of encoding every item again.
pub fn encode_list_of_encoded<M: Serialize + ?Sized>(
    api_version: &str,
    list_kind: &str,
    metadata: &M,
    items: &[&[u8]],
) -> Result<Vec<u8>, Error> {
    let unknown = || Error::UnknownKind {
        api_version: api_version.to_string(),
        kind: list_kind.to_string(),
    };
    let msg = kind_message(api_version, list_kind).ok_or_else(unknown)?;
    let field = |json: &str| {
        let key = msg.json_key(json).filter(|k| k.inline.is_empty())?;
        msg.fields.get(usize::from(key.field))
    };
    let (Some(meta_field), Some(items_field)) = (field("metadata"), field("items")) else {
        return Err(unknown());
    };
    let (Ty::Message(meta_msg), true) = (meta_field.ty, items_field.repeated) else {
        return Err(unknown());
    };
    let mut meta = Vec::with_capacity(64);
    encode_message(message(meta_msg), metadata, &mut meta, 1)?;
    let mut raw = Vec::with_capacity(16);
    put_bytes(&mut raw, meta_field.number, &meta);
    let mut key = Vec::with_capacity(16);
    let items_len: usize = items
        .iter()
        .map(|item| {
            key.clear();
            put_key(&mut key, items_field.number, LEN);
            put_varint(&mut key, item.len() as u64);
            key.len() + item.len()
        })
        .sum();
    let mut out = Vec::with_capacity(64 + raw.len() + items_len);
    begin_envelope(&mut out, api_version, list_kind);
    put_key(&mut out, 2, LEN);
    put_varint(&mut out, (raw.len() + items_len) as u64);
    out.extend_from_slice(&raw);
    for item in items {
        put_bytes(&mut out, items_field.number, item);
    }
    end_envelope(&mut out);
    Ok(out)
}
