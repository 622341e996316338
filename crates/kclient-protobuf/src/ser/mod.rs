//! A serde `Serializer` that writes any `Serialize` value (k8s-openapi types,
//! `serde_json::Value`) as a protobuf message, guided by the generated tables: JSON keys are
//! looked up among the message's fields (keys it has no field for, such as `apiVersion`, are
//! left out), inlined structs are gathered into their sub-message, and the apimachinery types
//! with their own JSON forms are converted back to their messages.

use serde::ser::{self, Serialize};

use impls::KeySer;

use crate::Error;
use crate::de::MAX_DEPTH;
use crate::schema::{Kind, Message, Ty, message};
use crate::special;
mod impls;

use crate::wire::{FIXED32, FIXED64, VARINT, begin_len, end_len, put_bytes, put_key, put_varint};

/// Writes `value` as the fields of `msg` (no key or length of its own).
pub(crate) fn encode_message<T: Serialize + ?Sized>(
    msg: &'static Message,
    value: &T,
    out: &mut Vec<u8>,
    depth: usize,
) -> Result<(), Error> {
    if depth > MAX_DEPTH {
        return Err(Error::TooDeep(MAX_DEPTH));
    }
    if msg.kind == Kind::RawJson {
        let json = serde_json::to_vec(value).map_err(|e| Error::RawJson(e.to_string()))?;
        if json != b"null" {
            put_bytes(out, 1, &json);
        }
        return Ok(());
    }
    value.serialize(MessageSer {
        msg,
        out,
        depth,
        close: None,
    })
}

fn unexpected(value: impl std::fmt::Display, expected: &'static str) -> Error {
    Error::Encode {
        value: value.to_string(),
        expected,
    }
}

/// Serializes one message's body; `close` is the length placeholder of the field it is in.
struct MessageSer<'a> {
    msg: &'static Message,
    out: &'a mut Vec<u8>,
    depth: usize,
    close: Option<usize>,
}

impl MessageSer<'_> {
    fn sub(&self, number: u64) -> Result<(u32, &'static Message), Error> {
        match self.msg.field(number).map(|f| (f.number, f.ty)) {
            Some((n, Ty::Message(i))) => Ok((n, message(i))),
            _ => Err(unexpected(self.msg.name, "a message with a schema field")),
        }
    }

    fn done(self) -> Result<(), Error> {
        if let Some(start) = self.close {
            end_len(self.out, start);
        }
        Ok(())
    }

    fn string(self, s: &str) -> Result<(), Error> {
        match self.msg.kind {
            Kind::Time | Kind::MicroTime => {
                let (seconds, nanos) = special::parse_time(s)?;
                put_key(self.out, 1, VARINT);
                put_varint(self.out, seconds as u64);
                put_key(self.out, 2, VARINT);
                let nanos = if self.msg.kind == Kind::Time {
                    0
                } else {
                    nanos - nanos % 1000
                };
                put_varint(self.out, i64::from(nanos) as u64);
            }
            Kind::Duration => {
                put_key(self.out, 1, VARINT);
                put_varint(self.out, special::parse_duration(s)? as u64);
            }
            Kind::Quantity => put_bytes(self.out, 1, s.as_bytes()),
            Kind::IntOrString => {
                put_key(self.out, 1, VARINT);
                put_varint(self.out, 1);
                put_key(self.out, 2, VARINT);
                put_varint(self.out, 0);
                put_bytes(self.out, 3, s.as_bytes());
            }
            _ => return Err(unexpected(s, self.msg.name)),
        }
        self.done()
    }

    fn int(self, v: i64) -> Result<(), Error> {
        match self.msg.kind {
            Kind::IntOrString => {
                let v = i32::try_from(v).map_err(|_| unexpected(v, "an int32"))?;
                put_key(self.out, 1, VARINT);
                put_varint(self.out, 0);
                put_key(self.out, 2, VARINT);
                put_varint(self.out, i64::from(v) as u64);
                put_bytes(self.out, 3, b"");
                self.done()
            }
            Kind::Quantity => self.string(&v.to_string()),
            _ => Err(unexpected(v, self.msg.name)),
        }
    }

    fn seq_field(&self) -> Result<(u32, Ty), Error> {
        let number = match self.msg.kind {
            Kind::NamedSlice => 1,
            Kind::OrArray | Kind::OrStringArray => 2,
            _ => return Err(unexpected("an array", self.msg.name)),
        };
        let f = self
            .msg
            .field(number)
            .ok_or_else(|| unexpected("an array", self.msg.name))?;
        Ok((f.number, f.ty))
    }
}

/// Where an object's keys go: the message itself, and its inlined sub-messages.
pub(crate) struct StructSer<'a> {
    msg: &'static Message,
    out: &'a mut Vec<u8>,
    depth: usize,
    /// Length placeholders to patch at the end, innermost first.
    close: [Option<usize>; 2],
    inlined: Vec<Inlined>,
    key: Option<String>,
}

/// The fields an inlined sub-message has gathered so far.
struct Inlined {
    index: u16,
    msg: &'static Message,
    buf: Vec<u8>,
    inlined: Vec<Inlined>,
}

impl Inlined {
    fn finish(self, parent: &'static Message, out: &mut Vec<u8>) {
        let mut buf = self.buf;
        for child in self.inlined {
            child.finish(self.msg, &mut buf);
        }
        put_bytes(out, parent.fields[usize::from(self.index)].number, &buf);
    }
}

impl<'a> StructSer<'a> {
    fn new(
        msg: &'static Message,
        out: &'a mut Vec<u8>,
        depth: usize,
        close: [Option<usize>; 2],
    ) -> Self {
        Self {
            msg,
            out,
            depth,
            close,
            inlined: Vec::new(),
            key: None,
        }
    }

    fn field<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> Result<(), Error> {
        let Some(at) = self.msg.json_key(key) else {
            return Ok(());
        };
        let (mut msg, mut out, mut children) = (self.msg, &mut *self.out, &mut self.inlined);
        for &index in at.inline {
            let Ty::Message(sub) = msg.fields[usize::from(index)].ty else {
                return Err(unexpected(key, "an inlined message"));
            };
            let pos = match children.iter().position(|c| c.index == index) {
                Some(pos) => pos,
                None => {
                    children.push(Inlined {
                        index,
                        msg: message(sub),
                        buf: Vec::new(),
                        inlined: Vec::new(),
                    });
                    children.len() - 1
                }
            };
            let child = &mut children[pos];
            msg = child.msg;
            out = &mut child.buf;
            children = &mut child.inlined;
        }
        let f = &msg.fields[usize::from(at.field)];
        let mode = match f.map_key {
            Some(key) => Mode::Map(key),
            None if f.repeated => Mode::Repeated,
            None => Mode::Single,
        };
        encode_field(f.number, f.ty, mode, value, out, self.depth)
    }

    fn finish(self) -> Result<(), Error> {
        for child in self.inlined {
            child.finish(self.msg, self.out);
        }
        for start in self.close.into_iter().flatten() {
            end_len(self.out, start);
        }
        Ok(())
    }
}

impl ser::SerializeStruct for StructSer<'_> {
    type Ok = ();
    type Error = Error;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.field(key, value)
    }

    fn end(self) -> Result<(), Error> {
        self.finish()
    }
}

impl ser::SerializeMap for StructSer<'_> {
    type Ok = ();
    type Error = Error;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        self.key = Some(key.serialize(KeySer)?);
        Ok(())
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        let key = self.key.take().unwrap_or_default();
        self.field(&key, value)
    }

    fn end(self) -> Result<(), Error> {
        self.finish()
    }
}

/// How a field takes its value.
#[derive(Clone, Copy)]
enum Mode {
    Single,
    Repeated,
    Map(Ty),
}

fn encode_field<T: Serialize + ?Sized>(
    number: u32,
    ty: Ty,
    mode: Mode,
    value: &T,
    out: &mut Vec<u8>,
    depth: usize,
) -> Result<(), Error> {
    if let Ty::Message(i) = ty {
        let msg = message(i);
        if msg.kind == Kind::RawJson && !matches!(mode, Mode::Map(_)) {
            // JSON-holding fields take the value's JSON text, whatever its shape.
            let json = serde_json::to_value(value).map_err(|e| Error::RawJson(e.to_string()))?;
            let items = match (mode, json) {
                (_, serde_json::Value::Null) => Vec::new(),
                (Mode::Repeated, serde_json::Value::Array(items)) => items,
                (_, json) => vec![json],
            };
            for item in items {
                let start = begin_len(out, number);
                encode_message(msg, &item, out, depth + 1)?;
                end_len(out, start);
            }
            return Ok(());
        }
    }
    value.serialize(FieldSer {
        number,
        ty,
        mode,
        out,
        depth,
    })
}

/// Serializes a field's value (or, for repeated and map fields, all of them).
struct FieldSer<'a> {
    number: u32,
    ty: Ty,
    mode: Mode,
    out: &'a mut Vec<u8>,
    depth: usize,
}

impl<'a> FieldSer<'a> {
    fn single(&self) -> Result<(), Error> {
        match self.mode {
            Mode::Single => Ok(()),
            _ => Err(unexpected("a single value", "a list or map field")),
        }
    }

    /// Starts a message-typed value: its key and length placeholder.
    fn message(self) -> Result<MessageSer<'a>, Error> {
        self.single()?;
        let Ty::Message(i) = self.ty else {
            return Err(unexpected("a structured value", "a scalar field"));
        };
        if self.depth > MAX_DEPTH {
            return Err(Error::TooDeep(MAX_DEPTH));
        }
        let start = begin_len(self.out, self.number);
        Ok(MessageSer {
            msg: message(i),
            out: self.out,
            depth: self.depth + 1,
            close: Some(start),
        })
    }

    fn int(self, v: i64) -> Result<(), Error> {
        self.single()?;
        let out = self.out;
        let n = self.number;
        match self.ty {
            Ty::Int32 | Ty::Uint32 | Ty::Int64 | Ty::Uint64 | Ty::Bool => {
                put_key(out, n, VARINT);
                put_varint(out, v as u64);
            }
            Ty::Sint32 | Ty::Sint64 => {
                put_key(out, n, VARINT);
                put_varint(out, ((v << 1) ^ (v >> 63)) as u64);
            }
            Ty::Fixed64 | Ty::Sfixed64 => {
                put_key(out, n, FIXED64);
                out.extend_from_slice(&v.to_le_bytes());
            }
            Ty::Fixed32 | Ty::Sfixed32 => {
                put_key(out, n, FIXED32);
                out.extend_from_slice(&(v as i32).to_le_bytes());
            }
            Ty::Double => return self_float(out, n, Ty::Double, v as f64),
            Ty::Float => return self_float(out, n, Ty::Float, v as f64),
            Ty::Message(_) => {
                return FieldSer {
                    number: n,
                    ty: self.ty,
                    mode: self.mode,
                    out,
                    depth: self.depth,
                }
                .message()?
                .int(v);
            }
            Ty::String | Ty::Bytes => return Err(unexpected(v, "a string")),
        }
        Ok(())
    }
}

fn self_float(out: &mut Vec<u8>, number: u32, ty: Ty, v: f64) -> Result<(), Error> {
    match ty {
        Ty::Double => {
            put_key(out, number, FIXED64);
            out.extend_from_slice(&v.to_bits().to_le_bytes());
        }
        Ty::Float => {
            put_key(out, number, FIXED32);
            out.extend_from_slice(&(v as f32).to_bits().to_le_bytes());
        }
        _ => return Err(unexpected(v, "a number of the field's type")),
    }
    Ok(())
}

/// A repeated field's elements, or a named slice / schema array message's items.
pub(crate) struct SeqSer<'a> {
    number: u32,
    ty: Ty,
    out: &'a mut Vec<u8>,
    depth: usize,
    close: Option<usize>,
}

impl ser::SerializeSeq for SeqSer<'_> {
    type Ok = ();
    type Error = Error;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        encode_field(
            self.number,
            self.ty,
            Mode::Single,
            value,
            self.out,
            self.depth,
        )
    }

    fn end(self) -> Result<(), Error> {
        if let Some(start) = self.close {
            end_len(self.out, start);
        }
        Ok(())
    }
}

/// A `map<K, V>` field's entries.
pub(crate) struct MapSer<'a> {
    number: u32,
    key_ty: Ty,
    ty: Ty,
    out: &'a mut Vec<u8>,
    depth: usize,
    key: Option<String>,
}

impl ser::SerializeMap for MapSer<'_> {
    type Ok = ();
    type Error = Error;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        self.key = Some(key.serialize(KeySer)?);
        Ok(())
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        let key = self.key.take().unwrap_or_default();
        let start = begin_len(self.out, self.number);
        if self.key_ty == Ty::String {
            put_bytes(self.out, 1, key.as_bytes());
        } else {
            let k: i64 = key
                .parse()
                .map_err(|_| unexpected(&key, "an integer map key"))?;
            FieldSer {
                number: 1,
                ty: self.key_ty,
                mode: Mode::Single,
                out: self.out,
                depth: self.depth,
            }
            .int(k)?;
        }
        if let Ty::Message(i) = self.ty {
            // Go writes a message value even when it is empty.
            let inner = begin_len(self.out, 2);
            encode_message(message(i), value, self.out, self.depth + 1)?;
            end_len(self.out, inner);
        } else {
            encode_field(2, self.ty, Mode::Single, value, self.out, self.depth)?;
        }
        end_len(self.out, start);
        Ok(())
    }

    fn end(self) -> Result<(), Error> {
        Ok(())
    }
}

/// Either compound a field's `serialize_map` can start.
pub(crate) enum MapOrStruct<'a> {
    Map(MapSer<'a>),
    Struct(StructSer<'a>),
}

impl ser::SerializeMap for MapOrStruct<'_> {
    type Ok = ();
    type Error = Error;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        match self {
            Self::Map(m) => m.serialize_key(key),
            Self::Struct(s) => ser::SerializeMap::serialize_key(s, key),
        }
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        match self {
            Self::Map(m) => m.serialize_value(value),
            Self::Struct(s) => ser::SerializeMap::serialize_value(s, value),
        }
    }

    fn end(self) -> Result<(), Error> {
        match self {
            Self::Map(m) => ser::SerializeMap::end(m),
            Self::Struct(s) => ser::SerializeMap::end(s),
        }
    }
}
