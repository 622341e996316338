//! A serde `Deserializer` over protobuf wire bytes, driven by the generated message tables: it
//! feeds k8s-openapi's `Deserialize` impls (and `serde_json::Value`) the JSON shape of the
//! message directly, borrowing strings from the input and building no intermediate tree.
//!
//! Repeated and map fields are presented as one key whose value gathers every occurrence of
//! the field in the message (protobuf allows them to be interleaved with other fields); zero
//! values of non-pointer `omitempty` Go fields and zero times are left out, as Go's JSON does.

use base64::Engine as _;
use serde::de::value::BorrowedStrDeserializer;
use serde::de::{self, DeserializeSeed, Visitor};
use serde::forward_to_deserialize_any;

use crate::Error;
use crate::encoded::{ENCODED_OBJECT, EncodedSeq, kind_of_message};
use crate::rfc3339;
use crate::schema::{Field, Kind, Message, Ty, message};
use crate::special;
use crate::wire::{Raw, Reader};

/// How deep messages may nest (recursive schemas such as JSONSchemaProps would otherwise let
/// crafted input exhaust the stack).
pub(crate) const MAX_DEPTH: usize = 100;

/// The methods every deserializer here shares: a present value is `Some`, newtypes are
/// transparent, ignored values are skipped undecoded, the rest is self-described.
macro_rules! self_describing {
    () => {
        fn deserialize_newtype_struct<V: Visitor<'de>>(
            self,
            _name: &'static str,
            visitor: V,
        ) -> Result<V::Value, Error> {
            visitor.visit_newtype_struct(self)
        }

        self_describing!(but_newtype);
    };
    (but_newtype) => {
        fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            visitor.visit_some(self)
        }

        fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            visitor.visit_unit()
        }

        forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
            bytes byte_buf unit unit_struct seq tuple
            tuple_struct map struct enum identifier
        }
    };
}

/// The deserializer of one message.
pub(crate) struct MessageDe<'de> {
    pub msg: &'static Message,
    pub buf: &'de [u8],
    /// apiVersion and kind from the envelope, emitted first (top-level objects only).
    pub inject: Option<(&'de str, &'de str)>,
    pub depth: usize,
}

impl<'de> MessageDe<'de> {
    pub(crate) fn new(msg: &'static Message, buf: &'de [u8], depth: usize) -> Result<Self, Error> {
        if depth > MAX_DEPTH {
            return Err(Error::TooDeep(MAX_DEPTH));
        }
        Ok(Self {
            msg,
            buf,
            inject: None,
            depth,
        })
    }

    /// The last occurrence of a field (protobuf's rule for a scalar set twice).
    fn find(&self, number: u64) -> Result<Option<Raw<'de>>, Error> {
        let mut r = Reader::new(self.buf);
        let mut found = None;
        while let Some((n, raw)) = r.field()? {
            if n == number {
                found = Some(raw);
            }
        }
        Ok(found)
    }

    fn has(&self, number: u64) -> Result<bool, Error> {
        Ok(self.find(number)?.is_some())
    }

    fn sub(&self, number: u64) -> Result<&'static Field, Error> {
        self.msg.field(number).ok_or(Error::Custom(format!(
            "{} has no field {number}",
            self.msg.name
        )))
    }

    fn bytes(&self, number: u64) -> Result<&'de [u8], Error> {
        match self.find(number)? {
            None => Ok(&[]),
            Some(Raw::Len(b)) => Ok(b),
            Some(raw) => Err(self.wire_error(number, &raw)),
        }
    }

    fn int(&self, number: u64) -> Result<u64, Error> {
        match self.find(number)? {
            None => Ok(0),
            Some(Raw::Varint(v)) => Ok(v),
            Some(raw) => Err(self.wire_error(number, &raw)),
        }
    }

    fn wire_error(&self, number: u64, raw: &Raw<'_>) -> Error {
        Error::BadWireType {
            message: self.msg.name,
            field: number,
            wire: raw.wire(),
        }
    }
}

/// Seconds and nanoseconds of a `Time`/`MicroTime` message.
pub(crate) fn time_parts(buf: &[u8]) -> Result<(i64, i32), Error> {
    let mut r = Reader::new(buf);
    let (mut seconds, mut nanos) = (0i64, 0i32);
    while let Some((n, raw)) = r.field()? {
        match (n, raw) {
            (1, Raw::Varint(v)) => seconds = v as i64,
            (2, Raw::Varint(v)) => nanos = v as i32,
            _ => {}
        }
    }
    Ok((seconds, nanos))
}

fn utf8(b: &[u8]) -> Result<&str, Error> {
    std::str::from_utf8(b).map_err(|_| Error::InvalidUtf8)
}

fn raw_json_error(e: serde_json::Error) -> Error {
    Error::RawJson(e.to_string())
}

impl<'de> de::Deserializer<'de> for MessageDe<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.msg.kind {
            Kind::Plain => visitor.visit_map(FieldsAccess::new(self)),
            Kind::Time | Kind::MicroTime => {
                let (seconds, nanos) = time_parts(self.buf)?;
                if seconds == 0 && nanos == 0 {
                    return visitor.visit_unit();
                }
                let micro = self.msg.kind == Kind::MicroTime;
                match rfc3339::write(seconds, if micro { nanos } else { 0 }, micro) {
                    Some(text) => visitor.visit_str(text.as_str()),
                    None if micro => {
                        visitor.visit_string(special::format_micro_time(seconds, nanos)?)
                    }
                    None => visitor.visit_string(special::format_time(seconds)?),
                }
            }
            Kind::Duration => visitor.visit_string(special::format_duration(self.int(1)? as i64)),
            Kind::Quantity => visitor.visit_borrowed_str(utf8(self.bytes(1)?)?),
            Kind::IntOrString => {
                if self.int(1)? == 1 {
                    visitor.visit_borrowed_str(utf8(self.bytes(3)?)?)
                } else {
                    visitor.visit_i32(self.int(2)? as i32)
                }
            }
            Kind::RawJson => {
                let raw = self.bytes(1)?;
                if raw.is_empty() {
                    visitor.visit_unit()
                } else if raw.starts_with(crate::envelope::MAGIC) {
                    crate::envelope::object_de(raw, self.depth + 1)?.deserialize_any(visitor)
                } else {
                    // One UTF-8 check over the whole text, not one per string inside it.
                    let mut json = serde_json::Deserializer::from_str(utf8(raw)?);
                    let value = de::Deserializer::deserialize_any(&mut json, visitor)
                        .map_err(raw_json_error)?;
                    json.end().map_err(raw_json_error)?;
                    Ok(value)
                }
            }
            Kind::NamedSlice => {
                visitor.visit_seq(RepeatedSeq::counted(self.sub(1)?, self.buf, self.depth)?)
            }
            Kind::OrBool => match self.find(2)? {
                Some(Raw::Len(schema)) => {
                    MessageDe::new(message_of(self.sub(2)?)?, schema, self.depth + 1)?
                        .deserialize_any(visitor)
                }
                _ => visitor.visit_bool(self.int(1)? != 0),
            },
            Kind::OrArray | Kind::OrStringArray => {
                if self.has(2)? {
                    visitor.visit_seq(RepeatedSeq::counted(self.sub(2)?, self.buf, self.depth)?)
                } else if let Some(Raw::Len(schema)) = self.find(1)? {
                    MessageDe::new(message_of(self.sub(1)?)?, schema, self.depth + 1)?
                        .deserialize_any(visitor)
                } else {
                    visitor.visit_unit()
                }
            }
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        if name != ENCODED_OBJECT || self.msg.kind != Kind::Plain {
            return visitor.visit_newtype_struct(self);
        }
        let (api_version, kind) = match self.inject {
            Some(named) => named,
            None => kind_of_message(self.msg).ok_or_else(|| {
                Error::Custom(format!("{} is not the message of a kind", self.msg.name))
            })?,
        };
        visitor.visit_seq(EncodedSeq {
            api_version,
            kind,
            message: self.buf,
            next: 0,
        })
    }

    self_describing!(but_newtype);
}

fn message_of(field: &Field) -> Result<&'static Message, Error> {
    match field.ty {
        Ty::Message(i) => Ok(message(i)),
        _ => Err(Error::Custom(format!(
            "field {} is not a message",
            field.json
        ))),
    }
}

/// One inlined (or the outermost) message being walked.
struct Frame<'de> {
    msg: &'static Message,
    reader: Reader<'de>,
    /// Repeated/map fields already presented (bit per field number below 128).
    done: u128,
    /// The same for larger field numbers.
    done_high: Vec<u64>,
}

impl<'de> Frame<'de> {
    fn new(msg: &'static Message, buf: &'de [u8]) -> Self {
        Self {
            msg,
            reader: Reader::new(buf),
            done: 0,
            done_high: Vec::new(),
        }
    }

    /// Marks a grouped field presented; false if it already was.
    fn mark(&mut self, number: u64) -> bool {
        if number < 128 {
            let bit = 1u128 << number;
            let fresh = self.done & bit == 0;
            self.done |= bit;
            fresh
        } else if self.done_high.contains(&number) {
            false
        } else {
            self.done_high.push(number);
            true
        }
    }
}

enum Pending<'de> {
    None,
    Str(&'de str),
    Single(&'static Field, Raw<'de>),
    Repeated(&'static Field, &'de [u8]),
}

/// The fields of a message (and of the messages it inlines) as a serde map.
struct FieldsAccess<'de> {
    /// The message itself.
    top: Frame<'de>,
    /// The inlined messages being walked, innermost last (no allocation for the messages
    /// that inline nothing, which are nearly all).
    inlined: Vec<Frame<'de>>,
    inject: [Option<(&'static str, &'de str)>; 2],
    pending: Pending<'de>,
    depth: usize,
}

impl<'de> FieldsAccess<'de> {
    fn new(de: MessageDe<'de>) -> Self {
        let inject = match de.inject {
            Some((api_version, kind)) => [Some(("apiVersion", api_version)), Some(("kind", kind))],
            None => [None, None],
        };
        Self {
            top: Frame::new(de.msg, de.buf),
            inlined: Vec::new(),
            inject,
            pending: Pending::None,
            depth: de.depth,
        }
    }
}

/// Whether a singular field's wire value is one Go's JSON leaves out.
fn omitted(field: &Field, raw: &Raw<'_>) -> Result<bool, Error> {
    if field.omit_zero {
        return Ok(match raw {
            Raw::Varint(v) | Raw::Fixed64(v) => *v == 0,
            Raw::Fixed32(v) => *v == 0,
            Raw::Len(b) => b.is_empty(),
        });
    }
    if let (Ty::Message(i), Raw::Len(b)) = (field.ty, raw) {
        if matches!(message(i).kind, Kind::Time | Kind::MicroTime) {
            return Ok(time_parts(b)? == (0, 0));
        }
    }
    Ok(false)
}

impl<'de> de::MapAccess<'de> for FieldsAccess<'de> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        for slot in &mut self.inject {
            if let Some((key, value)) = slot.take() {
                self.pending = Pending::Str(value);
                return seed
                    .deserialize(BorrowedStrDeserializer::new(key))
                    .map(Some);
            }
        }
        loop {
            let frame = match self.inlined.last_mut() {
                Some(frame) => frame,
                None => &mut self.top,
            };
            let at = frame.reader.buf;
            let Some((number, raw)) = frame.reader.field()? else {
                if self.inlined.pop().is_none() {
                    return Ok(None);
                }
                continue;
            };
            let Some(field) = frame.msg.field(number) else {
                continue;
            };
            if field.inline {
                let (Ty::Message(i), Raw::Len(b)) = (field.ty, raw) else {
                    return Err(Error::BadWireType {
                        message: frame.msg.name,
                        field: number,
                        wire: raw.wire(),
                    });
                };
                if self.inlined.len() >= MAX_DEPTH {
                    return Err(Error::TooDeep(MAX_DEPTH));
                }
                self.inlined.push(Frame::new(message(i), b));
                continue;
            }
            if field.repeated {
                if !frame.mark(number) {
                    continue;
                }
                self.pending = Pending::Repeated(field, at);
            } else {
                if omitted(field, &raw)? {
                    continue;
                }
                self.pending = Pending::Single(field, raw);
            }
            return seed
                .deserialize(BorrowedStrDeserializer::new(field.json))
                .map(Some);
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        match std::mem::replace(&mut self.pending, Pending::None) {
            Pending::Str(s) => seed.deserialize(BorrowedStrDeserializer::new(s)),
            Pending::Single(field, raw) => seed.deserialize(ValueDe {
                ty: field.ty,
                raw,
                depth: self.depth,
            }),
            Pending::Repeated(field, at) => seed.deserialize(RepeatedDe {
                field,
                buf: at,
                depth: self.depth,
            }),
            Pending::None => Err(Error::Custom("value requested before its key".into())),
        }
    }
}

/// One value of a field.
struct ValueDe<'de> {
    ty: Ty,
    raw: Raw<'de>,
    depth: usize,
}

impl<'de> de::Deserializer<'de> for ValueDe<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match (self.ty, self.raw) {
            (Ty::String, Raw::Len(b)) => visitor.visit_borrowed_str(utf8(b)?),
            (Ty::Bytes, Raw::Len(b)) => {
                visitor.visit_string(base64::engine::general_purpose::STANDARD.encode(b))
            }
            (Ty::Message(i), Raw::Len(b)) => {
                MessageDe::new(message(i), b, self.depth + 1)?.deserialize_any(visitor)
            }
            (Ty::Int32, Raw::Varint(v)) => visitor.visit_i32(v as i32),
            (Ty::Int64, Raw::Varint(v)) => visitor.visit_i64(v as i64),
            (Ty::Uint32, Raw::Varint(v)) => visitor.visit_u32(v as u32),
            (Ty::Uint64, Raw::Varint(v)) => visitor.visit_u64(v),
            (Ty::Sint32, Raw::Varint(v)) => {
                visitor.visit_i32(((v >> 1) as i32) ^ -((v & 1) as i32))
            }
            (Ty::Sint64, Raw::Varint(v)) => {
                visitor.visit_i64(((v >> 1) as i64) ^ -((v & 1) as i64))
            }
            (Ty::Bool, Raw::Varint(v)) => visitor.visit_bool(v != 0),
            (Ty::Double, Raw::Fixed64(v)) => visitor.visit_f64(f64::from_bits(v)),
            (Ty::Fixed64, Raw::Fixed64(v)) => visitor.visit_u64(v),
            (Ty::Sfixed64, Raw::Fixed64(v)) => visitor.visit_i64(v as i64),
            (Ty::Float, Raw::Fixed32(v)) => visitor.visit_f32(f32::from_bits(v)),
            (Ty::Fixed32, Raw::Fixed32(v)) => visitor.visit_u32(v),
            (Ty::Sfixed32, Raw::Fixed32(v)) => visitor.visit_i32(v as i32),
            (_, raw) => Err(Error::BadWireType {
                message: "field value",
                field: 0,
                wire: raw.wire(),
            }),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        match (self.ty, self.raw) {
            // An object inside another (a list's item): it may be asked for undecoded.
            (Ty::Message(i), Raw::Len(b)) => MessageDe::new(message(i), b, self.depth + 1)?
                .deserialize_newtype_struct(name, visitor),
            _ => visitor.visit_newtype_struct(self),
        }
    }

    self_describing!(but_newtype);
}

/// Every occurrence of a repeated or map field, from its first occurrence to the end of the
/// message.
struct RepeatedDe<'de> {
    field: &'static Field,
    buf: &'de [u8],
    depth: usize,
}

impl<'de> de::Deserializer<'de> for RepeatedDe<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        if self.field.map_key.is_some() {
            visitor.visit_map(MapEntries {
                seq: RepeatedSeq::new(self.field, self.buf, self.depth),
                value: None,
            })
        } else {
            visitor.visit_seq(RepeatedSeq::counted(self.field, self.buf, self.depth)?)
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_some(self)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier
    }
}

/// Whether a scalar type may be packed (every numeric type).
fn packable(ty: Ty) -> bool {
    !matches!(ty, Ty::String | Ty::Bytes | Ty::Message(_))
}

/// How many elements a packed run holds.
fn packed_len(ty: Ty, run: &[u8]) -> usize {
    match ty {
        Ty::Double | Ty::Fixed64 | Ty::Sfixed64 => run.len() / 8,
        Ty::Float | Ty::Fixed32 | Ty::Sfixed32 => run.len() / 4,
        // A varint's last byte is the one below 0x80.
        _ => run.iter().filter(|&&b| b < 0x80).count(),
    }
}

struct RepeatedSeq<'de> {
    field: &'static Field,
    reader: Reader<'de>,
    /// The rest of a packed run being read.
    packed: Option<Reader<'de>>,
    /// The elements not read yet, when counted: serde sizes a `Vec` by it, so a decoded
    /// object holds no doubling slack (as kclient's JSON decode).
    left: Option<usize>,
    depth: usize,
}

impl<'de> RepeatedSeq<'de> {
    fn new(field: &'static Field, buf: &'de [u8], depth: usize) -> Self {
        Self {
            field,
            reader: Reader::new(buf),
            packed: None,
            left: None,
            depth,
        }
    }

    /// The elements of the field from `buf` on, counted first (one walk over the fields'
    /// tags and lengths), and the walk bounded by the last occurrence.
    fn counted(field: &'static Field, buf: &'de [u8], depth: usize) -> Result<Self, Error> {
        let packed = packable(field.ty);
        let mut r = Reader::new(buf);
        let (mut count, mut end) = (0, 0);
        while let Some((number, raw)) = r.field()? {
            if number == u64::from(field.number) {
                count += match raw {
                    Raw::Len(run) if packed => packed_len(field.ty, run),
                    _ => 1,
                };
                end = buf.len() - r.buf.len();
            }
        }
        let mut seq = Self::new(field, &buf[..end], depth);
        seq.left = Some(count);
        Ok(seq)
    }

    fn next_raw(&mut self) -> Result<Option<Raw<'de>>, Error> {
        loop {
            if let Some(p) = &mut self.packed {
                if p.buf.is_empty() {
                    self.packed = None;
                } else {
                    return Ok(Some(match self.field.ty {
                        Ty::Double | Ty::Fixed64 | Ty::Sfixed64 => {
                            let (b, rest) = p
                                .buf
                                .split_at_checked(8)
                                .ok_or(Error::Truncated("packed fixed64"))?;
                            p.buf = rest;
                            Raw::Fixed64(u64::from_le_bytes(
                                b.try_into()
                                    .map_err(|_| Error::Truncated("packed fixed64"))?,
                            ))
                        }
                        Ty::Float | Ty::Fixed32 | Ty::Sfixed32 => {
                            let (b, rest) = p
                                .buf
                                .split_at_checked(4)
                                .ok_or(Error::Truncated("packed fixed32"))?;
                            p.buf = rest;
                            Raw::Fixed32(u32::from_le_bytes(
                                b.try_into()
                                    .map_err(|_| Error::Truncated("packed fixed32"))?,
                            ))
                        }
                        _ => Raw::Varint(p.varint()?),
                    }));
                }
            }
            let Some((number, raw)) = self.reader.field()? else {
                return Ok(None);
            };
            if number != u64::from(self.field.number) {
                continue;
            }
            match raw {
                Raw::Len(b) if self.field.map_key.is_none() && packable(self.field.ty) => {
                    self.packed = Some(Reader::new(b));
                }
                raw => return Ok(Some(raw)),
            }
        }
    }
}

impl<'de> de::SeqAccess<'de> for RepeatedSeq<'de> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        match self.next_raw()? {
            None => Ok(None),
            Some(raw) => {
                if let Some(left) = &mut self.left {
                    *left = left.saturating_sub(1);
                }
                seed.deserialize(ValueDe {
                    ty: self.field.ty,
                    raw,
                    depth: self.depth,
                })
                .map(Some)
            }
        }
    }

    fn size_hint(&self) -> Option<usize> {
        self.left
    }
}

/// The entries of a `map<K, V>` field: each occurrence is a message `{key = 1, value = 2}`.
struct MapEntries<'de> {
    seq: RepeatedSeq<'de>,
    value: Option<Raw<'de>>,
}

/// A missing entry key or value is the type's zero value.
fn zero(ty: Ty) -> Raw<'static> {
    match ty {
        Ty::String | Ty::Bytes | Ty::Message(_) => Raw::Len(&[]),
        Ty::Double | Ty::Fixed64 | Ty::Sfixed64 => Raw::Fixed64(0),
        Ty::Float | Ty::Fixed32 | Ty::Sfixed32 => Raw::Fixed32(0),
        _ => Raw::Varint(0),
    }
}

impl<'de> de::MapAccess<'de> for MapEntries<'de> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        let field = self.seq.field;
        let Some(raw) = self.seq.next_raw()? else {
            return Ok(None);
        };
        let Raw::Len(entry) = raw else {
            return Err(Error::BadWireType {
                message: "map entry",
                field: u64::from(field.number),
                wire: raw.wire(),
            });
        };
        let key_ty = field.map_key.unwrap_or(Ty::String);
        let (mut key, mut value) = (zero(key_ty), zero(field.ty));
        let mut r = Reader::new(entry);
        while let Some((n, raw)) = r.field()? {
            match n {
                1 => key = raw,
                2 => value = raw,
                _ => {}
            }
        }
        self.value = Some(value);
        seed.deserialize(ValueDe {
            ty: key_ty,
            raw: key,
            depth: self.seq.depth,
        })
        .map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        let raw = self.value.take().unwrap_or(Raw::Len(&[]));
        seed.deserialize(ValueDe {
            ty: self.seq.field.ty,
            raw,
            depth: self.seq.depth,
        })
    }
}
