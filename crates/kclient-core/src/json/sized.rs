//! Exact `Vec` capacities when decoding JSON.
//!
//! serde's `Vec<T>` grows by doubling unless the format tells it how many elements follow, and
//! serde_json never does. A decoded Pod keeps that slack for as long as a cache holds it: its
//! 26 env vars sit in room for 32, its 3 volumes in room for 4 (and `Volume` is large), about
//! 8.9 KB of the bundled 120 KB Pod (`cargo run --release -p kclient-bench --bin pod_heap`).
//! A `Clone` would be tight but costs most of a second decode; this pays one scan of the bytes.
//!
//! The scan records every array's element count in document order. The decode wraps
//! serde_json's deserializer so that each array it enters (serde_json enters them in document
//! order) reports the next count as its `size_hint`. Values serde_json skips without visiting
//! (ignored fields) are walked through the wrapper instead, so the order never slips; a
//! `RawValue` (captured unvisited) ends the hints for the rest of the document. A hint is only
//! a capacity: a wrong one could cost memory, never correctness, and serde caps what a hint
//! may preallocate.

use std::cell::Cell;
use std::fmt;

use serde::Deserialize as _;
use serde::de::{
    self, DeserializeSeed, Deserializer, EnumAccess, IgnoredAny, MapAccess, SeqAccess,
    VariantAccess, Visitor,
};

/// serde_json's marker for `RawValue`, which it captures without visiting.
const RAW_VALUE_TOKEN: &str = "$serde_json::private::RawValue";

/// Array lengths of a document in the order their `[` appear, and the next one to hand out.
pub(crate) struct Lengths {
    lengths: Vec<u32>,
    next: Cell<usize>,
}

impl Lengths {
    /// Scans `text` (JSON, assumed well-formed: on anything else the counts are only wrong
    /// hints, and the decoder reports the error).
    pub(crate) fn scan(text: &[u8]) -> Self {
        // Per open bracket: the index of its length (arrays) or `None` (objects), and whether
        // a value has started in it since it opened.
        let mut open: Vec<(Option<usize>, bool)> = Vec::new();
        let mut lengths: Vec<u32> = Vec::new();
        let mut i = 0;
        while i < text.len() {
            match text[i] {
                b'"' => {
                    if let Some(top) = open.last_mut() {
                        top.1 = true;
                    }
                    i = skip_string(text, i + 1);
                    continue;
                }
                b'[' => {
                    if let Some(top) = open.last_mut() {
                        top.1 = true;
                    }
                    open.push((Some(lengths.len()), false));
                    lengths.push(0);
                }
                b'{' => {
                    if let Some(top) = open.last_mut() {
                        top.1 = true;
                    }
                    open.push((None, false));
                }
                b',' => {
                    if let Some((Some(index), _)) = open.last() {
                        lengths[*index] = lengths[*index].saturating_add(1);
                    }
                }
                b']' | b'}' => {
                    if let Some((Some(index), started)) = open.pop() {
                        if started {
                            lengths[index] = lengths[index].saturating_add(1);
                        }
                    }
                }
                b' ' | b'\t' | b'\r' | b'\n' | b':' => {}
                _ => {
                    if let Some(top) = open.last_mut() {
                        top.1 = true;
                    }
                }
            }
            i += 1;
        }
        Self {
            lengths,
            next: Cell::new(0),
        }
    }

    /// The length of the next array entered.
    fn take(&self) -> Option<usize> {
        let index = self.next.get();
        let length = self.lengths.get(index)?;
        self.next.set(index + 1);
        Some(*length as usize)
    }

    /// Stops handing out lengths: arrays were passed over unseen.
    fn lose_track(&self) {
        self.next.set(usize::MAX);
    }
}

/// The index just past the string whose contents start at `from`.
fn skip_string(text: &[u8], mut from: usize) -> usize {
    loop {
        match memchr::memchr2(b'"', b'\\', &text[from.min(text.len())..]) {
            None => return text.len(),
            Some(offset) if text[from + offset] == b'"' => return from + offset + 1,
            Some(offset) => from += offset + 2,
        }
    }
}

/// A deserializer whose arrays report their exact length.
pub(crate) struct Sized<'l, D> {
    pub(crate) de: D,
    pub(crate) lengths: &'l Lengths,
}

/// Wraps what serde_json hands back so nested values stay inside the wrapper.
struct Wrap<'l, T> {
    inner: T,
    lengths: &'l Lengths,
}

impl<'l, T> Wrap<'l, T> {
    fn new(inner: T, lengths: &'l Lengths) -> Self {
        Self { inner, lengths }
    }
}

macro_rules! forward_deserialize {
    ($($method:ident),* $(,)?) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
            self.de.$method(Wrap::new(visitor, self.lengths))
        }
    )*};
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for Sized<'_, D> {
    type Error = D::Error;

    forward_deserialize!(
        deserialize_any,
        deserialize_bool,
        deserialize_i8,
        deserialize_i16,
        deserialize_i32,
        deserialize_i64,
        deserialize_i128,
        deserialize_u8,
        deserialize_u16,
        deserialize_u32,
        deserialize_u64,
        deserialize_u128,
        deserialize_f32,
        deserialize_f64,
        deserialize_char,
        deserialize_str,
        deserialize_string,
        deserialize_bytes,
        deserialize_byte_buf,
        deserialize_option,
        deserialize_unit,
        deserialize_seq,
        deserialize_map,
        deserialize_identifier,
    );

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.de
            .deserialize_unit_struct(name, Wrap::new(visitor, self.lengths))
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        if name == RAW_VALUE_TOKEN {
            self.lengths.lose_track();
        }
        self.de
            .deserialize_newtype_struct(name, Wrap::new(visitor, self.lengths))
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.de
            .deserialize_tuple(len, Wrap::new(visitor, self.lengths))
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.de
            .deserialize_tuple_struct(name, len, Wrap::new(visitor, self.lengths))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.de
            .deserialize_struct(name, fields, Wrap::new(visitor, self.lengths))
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.de
            .deserialize_enum(name, variants, Wrap::new(visitor, self.lengths))
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        // serde_json skips an ignored value without visiting it, which would leave its
        // arrays' lengths to the arrays after it: walk it instead.
        self.de
            .deserialize_any(Wrap::new(Ignore { visitor }, self.lengths))
    }

    fn is_human_readable(&self) -> bool {
        self.de.is_human_readable()
    }
}

/// Walks a value to nothing, then tells the visitor it saw a unit (as serde_json does after
/// skipping one).
struct Ignore<V> {
    visitor: V,
}

impl<'de, V: Visitor<'de>> Ignore<V> {
    fn done<E: de::Error>(self) -> Result<V::Value, E> {
        self.visitor.visit_unit()
    }
}

macro_rules! ignore_scalars {
    ($($method:ident: $ty:ty),* $(,)?) => {$(
        fn $method<E: de::Error>(self, _: $ty) -> Result<Self::Value, E> {
            self.done()
        }
    )*};
}

impl<'de, V: Visitor<'de>> Visitor<'de> for Ignore<V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.visitor.expecting(f)
    }

    ignore_scalars!(
        visit_bool: bool,
        visit_i64: i64,
        visit_u64: u64,
        visit_i128: i128,
        visit_u128: u128,
        visit_f64: f64,
        visit_str: &str,
        visit_bytes: &[u8],
    );

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        self.done()
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        self.done()
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        // `d` is already inside the wrapper (this visitor is always wrapped).
        IgnoredAny::deserialize(d)?;
        self.done()
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        self.done()
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        self.done()
    }
}

macro_rules! forward_visit {
    ($($method:ident: $ty:ty),* $(,)?) => {$(
        fn $method<E: de::Error>(self, v: $ty) -> Result<Self::Value, E> {
            self.inner.$method(v)
        }
    )*};
}

impl<'de, V: Visitor<'de>> Visitor<'de> for Wrap<'_, V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.expecting(f)
    }

    forward_visit!(
        visit_bool: bool,
        visit_i8: i8,
        visit_i16: i16,
        visit_i32: i32,
        visit_i64: i64,
        visit_i128: i128,
        visit_u8: u8,
        visit_u16: u16,
        visit_u32: u32,
        visit_u64: u64,
        visit_u128: u128,
        visit_f32: f32,
        visit_f64: f64,
        visit_char: char,
        visit_str: &str,
        visit_borrowed_str: &'de str,
        visit_string: String,
        visit_bytes: &[u8],
        visit_borrowed_bytes: &'de [u8],
        visit_byte_buf: Vec<u8>,
    );

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        self.inner.visit_unit()
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        self.inner.visit_none()
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        self.inner.visit_some(Sized {
            de: d,
            lengths: self.lengths,
        })
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        self.inner.visit_newtype_struct(Sized {
            de: d,
            lengths: self.lengths,
        })
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        let remaining = self.lengths.take();
        self.inner.visit_seq(Seq {
            seq,
            lengths: self.lengths,
            remaining,
        })
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        self.inner.visit_map(Wrap::new(map, self.lengths))
    }

    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<Self::Value, A::Error> {
        self.inner.visit_enum(Wrap::new(data, self.lengths))
    }
}

/// An array that knows how many elements remain.
struct Seq<'l, A> {
    seq: A,
    lengths: &'l Lengths,
    remaining: Option<usize>,
}

impl<'de, A: SeqAccess<'de>> SeqAccess<'de> for Seq<'_, A> {
    type Error = A::Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Self::Error> {
        let element = self.seq.next_element_seed(Wrap::new(seed, self.lengths))?;
        if element.is_some() {
            self.remaining = self.remaining.map(|n| n.saturating_sub(1));
        }
        Ok(element)
    }

    fn size_hint(&self) -> Option<usize> {
        self.remaining
    }
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Wrap<'_, A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Self::Error> {
        self.inner.next_key_seed(Wrap::new(seed, self.lengths))
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, Self::Error> {
        self.inner.next_value_seed(Wrap::new(seed, self.lengths))
    }

    fn size_hint(&self) -> Option<usize> {
        self.inner.size_hint()
    }
}

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for Wrap<'_, S> {
    type Value = S::Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        self.inner.deserialize(Sized {
            de: d,
            lengths: self.lengths,
        })
    }
}

impl<'l, 'de, A: EnumAccess<'de>> EnumAccess<'de> for Wrap<'l, A> {
    type Error = A::Error;
    type Variant = Wrap<'l, A::Variant>;

    fn variant_seed<V: DeserializeSeed<'de>>(
        self,
        seed: V,
    ) -> Result<(V::Value, Self::Variant), Self::Error> {
        let (value, variant) = self.inner.variant_seed(Wrap::new(seed, self.lengths))?;
        Ok((value, Wrap::new(variant, self.lengths)))
    }
}

impl<'de, A: VariantAccess<'de>> VariantAccess<'de> for Wrap<'_, A> {
    type Error = A::Error;

    fn unit_variant(self) -> Result<(), Self::Error> {
        self.inner.unit_variant()
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(
        self,
        seed: T,
    ) -> Result<T::Value, Self::Error> {
        self.inner
            .newtype_variant_seed(Wrap::new(seed, self.lengths))
    }

    fn tuple_variant<V: Visitor<'de>>(
        self,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.inner
            .tuple_variant(len, Wrap::new(visitor, self.lengths))
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.inner
            .struct_variant(fields, Wrap::new(visitor, self.lengths))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use k8s_openapi::api::core::v1::Pod;
    use proptest::prelude::*;
    use serde::Deserialize;
    use serde_json::Value;

    use crate::json::from_slice;

    #[derive(Deserialize)]
    struct Doc {
        #[serde(default)]
        names: Vec<String>,
        #[serde(default)]
        nested: Vec<Vec<u32>>,
        #[serde(default)]
        maybe: Option<Vec<u8>>,
        #[serde(default)]
        map: BTreeMap<String, Vec<i64>>,
    }

    #[test]
    fn vecs_get_exactly_their_length() {
        let doc: Doc = from_slice(
            br#"{"names":["a","b","c"],"nested":[[1,2,3,4,5],[],[6]],"maybe":[1,2,3,4,5,6,7,8,9],
                "map":{"k":[1,2,3,4,5]}}"#,
        )
        .unwrap();
        assert_eq!((doc.names.len(), doc.names.capacity()), (3, 3));
        let nested: Vec<_> = doc.nested.iter().map(|v| (v.len(), v.capacity())).collect();
        assert_eq!(nested, [(5, 5), (0, 0), (1, 1)]);
        assert_eq!(doc.nested.capacity(), 3);
        let maybe = doc.maybe.unwrap();
        assert_eq!((maybe.len(), maybe.capacity()), (9, 9));
        assert_eq!(doc.map["k"].capacity(), 5);
    }

    #[test]
    fn ignored_fields_and_strings_do_not_shift_the_lengths() {
        // Unknown fields (with arrays inside) come before the known ones; strings hold
        // brackets, commas and escaped quotes.
        let doc: Doc = from_slice(
            br#"{"unknown":[[1,2],[3,[4,5,6]],{"x":[7]}],"other":{"y":[1,2,3,4,5,6,7]},
                "names":["[,]","\"],[","\\",",,"],"skip":null,"nested":[[1],[2,3]]}"#,
        )
        .unwrap();
        assert_eq!(doc.names, ["[,]", "\"],[", "\\", ",,"]);
        assert_eq!(doc.names.capacity(), 4);
        assert_eq!(doc.nested, [vec![1], vec![2, 3]]);
        assert_eq!(doc.nested[1].capacity(), 2);
        assert_eq!(doc.nested.capacity(), 2);
    }

    #[test]
    fn a_pod_holds_no_slack() {
        let text = include_str!("../../../kclient-bench/data/pod-13kb.json");
        let pod: Pod = from_slice(text.as_bytes()).unwrap();
        let spec = pod.spec.unwrap();
        for container in &spec.containers {
            let env = container.env.as_ref().unwrap();
            assert_eq!(env.capacity(), env.len());
        }
        let volumes = spec.volumes.unwrap();
        assert_eq!(volumes.capacity(), volumes.len());
        let managed = pod.metadata.managed_fields.unwrap();
        assert_eq!(managed.capacity(), managed.len());
        // The decode is the same as serde_json's, which leaves its doubling slack.
        let plain: Pod = serde_json::from_str(text).unwrap();
        let plain_env = plain.spec.as_ref().unwrap().containers[0]
            .env
            .as_ref()
            .unwrap();
        assert!(plain_env.capacity() > plain_env.len());
        let ours: Pod = from_slice(text.as_bytes()).unwrap();
        assert_eq!(ours, plain);
    }

    #[test]
    fn a_raw_value_stops_the_hints_but_not_the_decode() {
        #[derive(Deserialize)]
        struct WithRaw {
            raw: Box<serde_json::value::RawValue>,
            after: Vec<u32>,
        }
        let doc: WithRaw = from_slice(br#"{"raw":[[1],[2,3]],"after":[1,2,3]}"#).unwrap();
        assert_eq!(doc.raw.get(), "[[1],[2,3]]");
        assert_eq!(doc.after, [1, 2, 3]);
    }

    #[test]
    fn tagged_enums_decode() {
        let event: crate::watch::WatchEvent<Pod> = from_slice(
            br#"{"type":"ADDED","object":{"metadata":{"name":"a","finalizers":["x","y","z"]}}}"#,
        )
        .unwrap();
        let pod = event.into_object().unwrap();
        let finalizers = pod.metadata.finalizers.unwrap();
        assert_eq!((finalizers.len(), finalizers.capacity()), (3, 3));
        // The object first, the tag after: serde buffers, the decode still works.
        let event: crate::watch::WatchEvent<Pod> =
            from_slice(br#"{"object":{"metadata":{"name":"b"}},"type":"DELETED"}"#).unwrap();
        assert_eq!(event.type_name(), "DELETED");
    }

    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            "[a-z\\[\\]{},:\" \\\\]{0,8}".prop_map(Value::from),
        ];
        leaf.prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::from),
                proptest::collection::btree_map("[a-z]{1,3}", inner, 0..6)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn decodes_any_document_as_serde_json_does(value in json_value()) {
            let text = serde_json::to_string(&value).unwrap();
            let ours: Value = from_slice(text.as_bytes()).unwrap();
            prop_assert_eq!(ours, value);
        }
    }
}
