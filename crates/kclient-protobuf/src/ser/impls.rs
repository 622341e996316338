//! The `serde::Serializer` impls of the message, field and map-key serializers.

use base64::Engine as _;
use serde::ser::{Impossible, Serialize, Serializer};

use super::{
    FieldSer, MapOrStruct, MapSer, MessageSer, Mode, SeqSer, StructSer, self_float, unexpected,
};
use crate::Error;
use crate::schema::{Kind, Ty};
use crate::wire::{VARINT, begin_len, put_bytes, put_key, put_varint};

macro_rules! unsupported {
    ($ok:ty; $($method:ident($($arg:ident: $t:ty),*) -> $ret:ty;)*) => {
        $(fn $method(self, $($arg: $t),*) -> Result<$ret, Error> {
            $(let _ = $arg;)*
            Err(unexpected(stringify!($method), "a value Kubernetes protobuf can hold"))
        })*
    };
}

macro_rules! compounds_unsupported {
    ($ok:ty) => {
        type SerializeTuple = Impossible<$ok, Error>;
        type SerializeTupleStruct = Impossible<$ok, Error>;
        type SerializeTupleVariant = Impossible<$ok, Error>;
        type SerializeStructVariant = Impossible<$ok, Error>;
        unsupported! { $ok;
            serialize_bytes(v: &[u8]) -> $ok;
            serialize_char(v: char) -> $ok;
            serialize_tuple(len: usize) -> Self::SerializeTuple;
            serialize_tuple_struct(name: &'static str, len: usize) -> Self::SerializeTupleStruct;
            serialize_tuple_variant(name: &'static str, i: u32, variant: &'static str, len: usize) -> Self::SerializeTupleVariant;
            serialize_struct_variant(name: &'static str, i: u32, variant: &'static str, len: usize) -> Self::SerializeStructVariant;
        }
        fn serialize_newtype_variant<T: Serialize + ?Sized>(self, _: &'static str, _: u32, variant: &'static str, _: &T) -> Result<$ok, Error> {
            Err(unexpected(variant, "a value Kubernetes protobuf can hold"))
        }
        fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Result<$ok, Error> {
            self.serialize_str(variant)
        }
        fn serialize_i8(self, v: i8) -> Result<$ok, Error> { self.serialize_i64(v.into()) }
        fn serialize_i16(self, v: i16) -> Result<$ok, Error> { self.serialize_i64(v.into()) }
        fn serialize_i32(self, v: i32) -> Result<$ok, Error> { self.serialize_i64(v.into()) }
        fn serialize_u8(self, v: u8) -> Result<$ok, Error> { self.serialize_i64(v.into()) }
        fn serialize_u16(self, v: u16) -> Result<$ok, Error> { self.serialize_i64(v.into()) }
        fn serialize_u32(self, v: u32) -> Result<$ok, Error> { self.serialize_i64(v.into()) }
        fn serialize_u64(self, v: u64) -> Result<$ok, Error> {
            self.serialize_i64(i64::try_from(v).map_err(|_| unexpected(v, "an int64"))?)
        }
        fn serialize_f32(self, v: f32) -> Result<$ok, Error> { self.serialize_f64(v.into()) }
    };
}

impl<'a> Serializer for MessageSer<'a> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = SeqSer<'a>;
    type SerializeMap = StructSer<'a>;
    type SerializeStruct = StructSer<'a>;
    compounds_unsupported!(());

    fn serialize_bool(self, v: bool) -> Result<(), Error> {
        if self.msg.kind != Kind::OrBool {
            return Err(unexpected(v, self.msg.name));
        }
        put_key(self.out, 1, VARINT);
        put_varint(self.out, u64::from(v));
        self.done()
    }

    fn serialize_i64(self, v: i64) -> Result<(), Error> {
        self.int(v)
    }

    fn serialize_f64(self, v: f64) -> Result<(), Error> {
        if self.msg.kind == Kind::Quantity {
            return self.string(&v.to_string());
        }
        Err(unexpected(v, self.msg.name))
    }

    fn serialize_str(self, v: &str) -> Result<(), Error> {
        self.string(v)
    }

    fn serialize_none(self) -> Result<(), Error> {
        self.done()
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<(), Error> {
        self.done()
    }

    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Error> {
        self.done()
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        value.serialize(self)
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<SeqSer<'a>, Error> {
        let (number, ty) = self.seq_field()?;
        Ok(SeqSer {
            number,
            ty,
            out: self.out,
            depth: self.depth,
            close: self.close,
        })
    }

    fn serialize_map(self, _: Option<usize>) -> Result<StructSer<'a>, Error> {
        match self.msg.kind {
            Kind::Plain => Ok(StructSer::new(
                self.msg,
                self.out,
                self.depth,
                [None, self.close],
            )),
            Kind::OrBool | Kind::OrArray | Kind::OrStringArray => {
                let (number, schema) =
                    self.sub(if self.msg.kind == Kind::OrBool { 2 } else { 1 })?;
                if self.msg.kind == Kind::OrBool {
                    put_key(self.out, 1, VARINT);
                    put_varint(self.out, 1);
                }
                let start = begin_len(self.out, number);
                Ok(StructSer::new(
                    schema,
                    self.out,
                    self.depth + 1,
                    [Some(start), self.close],
                ))
            }
            _ => Err(unexpected("an object", self.msg.name)),
        }
    }

    fn serialize_struct(self, _: &'static str, len: usize) -> Result<StructSer<'a>, Error> {
        self.serialize_map(Some(len))
    }
}

impl<'a> Serializer for FieldSer<'a> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = SeqSer<'a>;
    type SerializeMap = MapOrStruct<'a>;
    type SerializeStruct = StructSer<'a>;
    compounds_unsupported!(());

    fn serialize_bool(self, v: bool) -> Result<(), Error> {
        match self.ty {
            Ty::Message(_) => self.message()?.serialize_bool(v),
            Ty::Bool => self.int(i64::from(v)),
            _ => Err(unexpected(v, "a boolean field")),
        }
    }

    fn serialize_i64(self, v: i64) -> Result<(), Error> {
        if self.ty == Ty::Bool {
            return Err(unexpected(v, "a boolean"));
        }
        self.int(v)
    }

    fn serialize_f64(self, v: f64) -> Result<(), Error> {
        match self.ty {
            Ty::Message(_) => self.message()?.serialize_f64(v),
            Ty::Double | Ty::Float => {
                self.single()?;
                self_float(self.out, self.number, self.ty, v)
            }
            _ if v.fract() == 0.0 && v.abs() < 9.0e15 => self.serialize_i64(v as i64),
            _ => Err(unexpected(v, "an integer")),
        }
    }

    fn serialize_str(self, v: &str) -> Result<(), Error> {
        match self.ty {
            Ty::String => {
                self.single()?;
                put_bytes(self.out, self.number, v.as_bytes());
                Ok(())
            }
            Ty::Bytes => {
                self.single()?;
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(v)
                    .map_err(|_| unexpected(v, "base64 bytes"))?;
                put_bytes(self.out, self.number, &bytes);
                Ok(())
            }
            Ty::Message(_) => self.message()?.string(v),
            _ => Err(unexpected(v, "a number")),
        }
    }

    fn serialize_none(self) -> Result<(), Error> {
        Ok(())
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<(), Error> {
        Ok(())
    }

    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Error> {
        Ok(())
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        value.serialize(self)
    }

    fn serialize_seq(self, len: Option<usize>) -> Result<SeqSer<'a>, Error> {
        match self.mode {
            Mode::Repeated => Ok(SeqSer {
                number: self.number,
                ty: self.ty,
                out: self.out,
                depth: self.depth,
                close: None,
            }),
            _ => self.message()?.serialize_seq(len),
        }
    }

    fn serialize_map(self, len: Option<usize>) -> Result<MapOrStruct<'a>, Error> {
        match self.mode {
            Mode::Map(key_ty) => Ok(MapOrStruct::Map(MapSer {
                number: self.number,
                key_ty,
                ty: self.ty,
                out: self.out,
                depth: self.depth,
                key: None,
            })),
            _ => Ok(MapOrStruct::Struct(self.message()?.serialize_map(len)?)),
        }
    }

    fn serialize_struct(self, _: &'static str, len: usize) -> Result<StructSer<'a>, Error> {
        self.message()?.serialize_map(Some(len))
    }
}

/// Map keys and object keys as strings.
pub(super) struct KeySer;

impl Serializer for KeySer {
    type Ok = String;
    type Error = Error;
    type SerializeSeq = Impossible<String, Error>;
    type SerializeMap = Impossible<String, Error>;
    type SerializeStruct = Impossible<String, Error>;
    compounds_unsupported!(String);

    fn serialize_str(self, v: &str) -> Result<String, Error> {
        Ok(v.to_string())
    }

    fn serialize_i64(self, v: i64) -> Result<String, Error> {
        Ok(v.to_string())
    }

    unsupported! { String;
        serialize_bool(v: bool) -> String;
        serialize_f64(v: f64) -> String;
        serialize_none() -> String;
        serialize_unit() -> String;
        serialize_unit_struct(name: &'static str) -> String;
        serialize_seq(len: Option<usize>) -> Self::SerializeSeq;
        serialize_map(len: Option<usize>) -> Self::SerializeMap;
        serialize_struct(name: &'static str, len: usize) -> Self::SerializeStruct;
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<String, Error> {
        value.serialize(self)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<String, Error> {
        value.serialize(self)
    }
}
