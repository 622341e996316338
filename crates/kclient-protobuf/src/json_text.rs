//! JSON text encoded straight into protobuf: [`JsonText`] is a `Serialize` whose serialization
//! reads the JSON and replays it, event by event, into whatever serializer is given. A server
//! that keeps objects as JSON bytes (the test server) writes protobuf lists of thousands of
//! them without building one `serde_json::Value` per item.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{self, Serialize, SerializeMap, SerializeSeq, Serializer};

/// One JSON document held as text; serializing it parses the text and hands every value to
/// the serializer as it is read, so that `encode_as(api_version, kind, &JsonText(bytes))`
/// writes an object's message with no intermediate tree.
///
/// ```
/// let json = br#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"k":"v"}}"#;
/// let bytes = kclient_protobuf::encode_as("v1", "ConfigMap", &kclient_protobuf::JsonText(json))
///     .unwrap();
/// let back: serde_json::Value = kclient_protobuf::decode_object(&bytes).unwrap();
/// assert_eq!(back["data"]["k"], "v");
/// ```
#[derive(Debug, Clone, Copy)]
pub struct JsonText<'a>(pub &'a [u8]);

impl Serialize for JsonText<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut de = serde_json::Deserializer::from_slice(self.0);
        let ok = de
            .deserialize_any(Replay(serializer))
            .map_err(ser::Error::custom)?;
        de.end().map_err(ser::Error::custom)?;
        Ok(ok)
    }
}

/// A value still to be read from a deserializer, serialized by reading it (map keys, map
/// values and sequence elements of the document being replayed).
struct Pending<D>(std::cell::Cell<Option<D>>);

impl<'de, D: Deserializer<'de>> Serialize for Pending<D> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // Every serializer in this crate serializes a value once; a second call has nothing
        // left to read and says so instead of panicking.
        let de = self
            .0
            .take()
            .ok_or_else(|| ser::Error::custom("a streamed JSON value was serialized twice"))?;
        de.deserialize_any(Replay(serializer))
            .map_err(ser::Error::custom)
    }
}

/// Hands `de`'s value to `write` as a `Serialize`; a value `write` left unserialized (a key
/// the message has no field for) is skipped in the input, so that reading goes on after it.
fn replay<'de, D, E>(
    de: D,
    write: impl FnOnce(&Pending<D>) -> Result<(), E>,
) -> Result<(), D::Error>
where
    D: Deserializer<'de>,
    E: fmt::Display,
{
    let value = Pending(std::cell::Cell::new(Some(de)));
    write(&value).map_err(de::Error::custom)?;
    if let Some(de) = value.0.take() {
        de.deserialize_ignored_any(de::IgnoredAny)?;
    }
    Ok(())
}

/// Turns each deserializer event into the matching serializer call.
struct Replay<S>(S);

impl<'de, S: Serializer> Visitor<'de> for Replay<S> {
    type Value = S::Ok;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<S::Ok, E> {
        self.0.serialize_bool(v).map_err(E::custom)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<S::Ok, E> {
        self.0.serialize_i64(v).map_err(E::custom)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<S::Ok, E> {
        self.0.serialize_u64(v).map_err(E::custom)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<S::Ok, E> {
        self.0.serialize_f64(v).map_err(E::custom)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<S::Ok, E> {
        self.0.serialize_str(v).map_err(E::custom)
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<S::Ok, E> {
        self.0.serialize_bytes(v).map_err(E::custom)
    }

    fn visit_unit<E: de::Error>(self) -> Result<S::Ok, E> {
        self.0.serialize_unit().map_err(E::custom)
    }

    fn visit_none<E: de::Error>(self) -> Result<S::Ok, E> {
        self.0.serialize_none().map_err(E::custom)
    }

    fn visit_some<D: Deserializer<'de>>(self, de: D) -> Result<S::Ok, D::Error> {
        let mut ok = None;
        replay(de, |v| self.0.serialize_some(v).map(|o| ok = Some(o)))?;
        ok.ok_or_else(|| de::Error::custom("an optional JSON value was not written"))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<S::Ok, A::Error> {
        let mut out = self
            .0
            .serialize_seq(seq.size_hint())
            .map_err(de::Error::custom)?;
        while seq.next_element_seed(Element(&mut out))?.is_some() {}
        out.end().map_err(de::Error::custom)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<S::Ok, A::Error> {
        let mut out = self
            .0
            .serialize_map(map.size_hint())
            .map_err(de::Error::custom)?;
        while map.next_key_seed(Key(&mut out))?.is_some() {
            map.next_value_seed(MapValue(&mut out))?;
        }
        out.end().map_err(de::Error::custom)
    }
}

/// Replays one sequence element into the sequence being serialized.
struct Element<'a, S>(&'a mut S);

impl<'de, S: SerializeSeq> DeserializeSeed<'de> for Element<'_, S> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<(), D::Error> {
        replay(de, |v| self.0.serialize_element(v))
    }
}

/// Replays one map key.
struct Key<'a, S>(&'a mut S);

impl<'de, S: SerializeMap> DeserializeSeed<'de> for Key<'_, S> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<(), D::Error> {
        replay(de, |v| self.0.serialize_key(v))
    }
}

/// Replays one map value.
struct MapValue<'a, S>(&'a mut S);

impl<'de, S: SerializeMap> DeserializeSeed<'de> for MapValue<'_, S> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<(), D::Error> {
        replay(de, |v| self.0.serialize_value(v))
    }
}

#[cfg(test)]
mod tests {
    use k8s_openapi::api::core::v1::Pod;
    use serde_json::json;

    use super::JsonText;
    use crate::{Error, decode_object, encode_as, encode_value};

    #[test]
    fn json_text_encodes_like_the_value_it_holds() {
        let json = include_bytes!("../../kclient-core/testdata/pod-13kb.json");
        let value: serde_json::Value = serde_json::from_slice(json).unwrap();
        let from_text = encode_as("v1", "Pod", &JsonText(json)).unwrap();
        // Fields come in the text's order, so compare what the bytes say.
        let from_value = encode_value(&value).unwrap();
        assert_eq!(from_text.len(), from_value.len());
        let pod: Pod = decode_object(&from_text).unwrap();
        assert_eq!(pod, decode_object::<Pod>(&from_value).unwrap());
        assert_eq!(pod, serde_json::from_value(value).unwrap());
    }

    #[test]
    fn raw_json_fields_and_lists_stream_too() {
        let list = json!({
            "metadata": {"resourceVersion": "7"},
            "items": [
                {"metadata": {"name": "a", "managedFields": [{"manager": "m", "fieldsType": "FieldsV1",
                    "fieldsV1": {"f:data": {"f:k": {}}}}]}, "data": {"k": "v"}},
                {"metadata": {"name": "b"}, "binaryData": {"x": "AAE="}}
            ]
        });
        let text = serde_json::to_vec(&list).unwrap();
        let bytes = encode_as("v1", "ConfigMapList", &JsonText(&text)).unwrap();
        assert_eq!(bytes, encode_as("v1", "ConfigMapList", &list).unwrap());
    }

    #[test]
    fn bad_json_is_an_error() {
        for bad in [&b"{"[..], b"{\"metadata\": 1}", b"[1]", b"{} x"] {
            let err = encode_as("v1", "ConfigMap", &JsonText(bad)).unwrap_err();
            assert!(
                matches!(err, Error::Custom(_) | Error::Encode { .. }),
                "{err:?}"
            );
        }
    }
}
