//! The protobuf wire format: varints, tags and length-delimited values, read without copying
//! and written into a `Vec<u8>`.

use crate::Error;

/// A varint field.
pub(crate) const VARINT: u8 = 0;
/// An 8-byte little-endian field.
pub(crate) const FIXED64: u8 = 1;
/// A length-delimited field.
pub(crate) const LEN: u8 = 2;
/// A 4-byte little-endian field.
pub(crate) const FIXED32: u8 = 5;

/// One field's value as it is on the wire.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Raw<'a> {
    Varint(u64),
    Fixed64(u64),
    Fixed32(u32),
    Len(&'a [u8]),
}

impl Raw<'_> {
    pub(crate) fn wire(&self) -> u8 {
        match self {
            Raw::Varint(_) => VARINT,
            Raw::Fixed64(_) => FIXED64,
            Raw::Fixed32(_) => FIXED32,
            Raw::Len(_) => LEN,
        }
    }
}

/// A cursor over one message's bytes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Reader<'a> {
    pub buf: &'a [u8],
}

impl<'a> Reader<'a> {
    pub(crate) fn new(buf: &'a [u8]) -> Self {
        Self { buf }
    }

    #[inline]
    pub(crate) fn varint(&mut self) -> Result<u64, Error> {
        if let Some((&b, rest)) = self.buf.split_first() {
            if b < 0x80 {
                self.buf = rest;
                return Ok(u64::from(b));
            }
        }
        let mut out = 0u64;
        for (i, &b) in self.buf.iter().enumerate().take(10) {
            out |= u64::from(b & 0x7f) << (7 * i);
            if b < 0x80 {
                self.buf = &self.buf[i + 1..];
                return Ok(out);
            }
        }
        if self.buf.len() < 10 {
            Err(Error::Truncated("varint"))
        } else {
            Err(Error::BadVarint)
        }
    }

    #[inline]
    fn take(&mut self, n: usize) -> Result<&'a [u8], Error> {
        if n > self.buf.len() {
            return Err(Error::Truncated("length-delimited field"));
        }
        let (head, rest) = self.buf.split_at(n);
        self.buf = rest;
        Ok(head)
    }

    /// The next field: its number and raw value, or `None` at the end of the message.
    #[inline]
    pub(crate) fn field(&mut self) -> Result<Option<(u64, Raw<'a>)>, Error> {
        if self.buf.is_empty() {
            return Ok(None);
        }
        let key = self.varint()?;
        let raw = match (key & 7) as u8 {
            VARINT => Raw::Varint(self.varint()?),
            FIXED64 => Raw::Fixed64(u64::from_le_bytes(
                self.take(8)?
                    .try_into()
                    .map_err(|_| Error::Truncated("fixed64"))?,
            )),
            LEN => {
                let len = self.varint()?;
                // A length beyond the input is truncation, whatever its size: nothing is
                // allocated from it.
                let len = usize::try_from(len).map_err(|_| Error::Truncated("length"))?;
                Raw::Len(self.take(len)?)
            }
            FIXED32 => Raw::Fixed32(u32::from_le_bytes(
                self.take(4)?
                    .try_into()
                    .map_err(|_| Error::Truncated("fixed32"))?,
            )),
            wire => {
                return Err(Error::BadWireType {
                    message: "message",
                    field: key >> 3,
                    wire,
                });
            }
        };
        Ok(Some((key >> 3, raw)))
    }
}

/// Appends a varint.
#[inline]
pub(crate) fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// Appends a field key.
#[inline]
pub(crate) fn put_key(out: &mut Vec<u8>, number: u32, wire: u8) {
    put_varint(out, (u64::from(number) << 3) | u64::from(wire));
}

/// Appends a length-delimited field.
#[inline]
pub(crate) fn put_bytes(out: &mut Vec<u8>, number: u32, bytes: &[u8]) {
    put_key(out, number, LEN);
    put_varint(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

/// Starts a length-delimited field whose length is not known yet: writes the key and a
/// one-byte length placeholder; [`end_len`] patches it.
#[inline]
pub(crate) fn begin_len(out: &mut Vec<u8>, number: u32) -> usize {
    put_key(out, number, LEN);
    out.push(0);
    out.len()
}

/// Patches the length of a field [`begin_len`] started (shifting the body if the length
/// needs more than one byte).
#[inline]
pub(crate) fn end_len(out: &mut Vec<u8>, start: usize) {
    let len = out.len() - start;
    if len < 0x80 {
        out[start - 1] = len as u8;
    } else {
        let mut prefix = Vec::with_capacity(4);
        put_varint(&mut prefix, len as u64);
        out.splice(start - 1..start, prefix);
    }
}
