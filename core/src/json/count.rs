//! The exact length serde-json-core will write for a value, without a buffer.
//!
//! serde-json-core only writes into a slice and says `BufferFull` when it is too small; this
//! serializer mirrors its compact output byte for byte (tests compare the two) so the encoder
//! can report the exact size required. It also refuses, with an error, the types on which
//! serde-json-core would panic (`char`, tuple variants).

use core::fmt;

use serde::ser::{self, Serialize};

/// A value serde-json-core cannot write.
#[derive(Debug)]
pub(crate) struct Unsupported;

impl fmt::Display for Unsupported {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("unsupported by serde-json-core")
    }
}

impl core::error::Error for Unsupported {}

impl ser::Error for Unsupported {
    fn custom<T: fmt::Display>(_msg: T) -> Self {
        Unsupported
    }
}

/// serde-json-core's name for its pre-escaped string newtype.
const ESCAPED_STR: &str = "__serde_json_core_escaped_string__";

/// Bytes serde-json-core writes for `value`.
pub(crate) fn json_len<T: Serialize + ?Sized>(value: &T) -> Result<usize, Unsupported> {
    value.serialize(Counter)
}

fn escaped_char_len(c: char) -> usize {
    match c {
        '\\' | '"' | '\u{8}' | '\t' | '\n' | '\u{c}' | '\r' => 2,
        '\u{0}'..='\u{1f}' => 6,
        _ => c.len_utf8(),
    }
}

fn str_len(s: &str) -> usize {
    2 + s.chars().map(escaped_char_len).sum::<usize>()
}

fn unsigned_len(v: u64) -> usize {
    v.checked_ilog10().map_or(1, |log| log as usize + 1)
}

fn signed_len(v: i64) -> usize {
    usize::from(v < 0) + unsigned_len(v.unsigned_abs())
}

struct Counter;

/// Counts a compound value: the bytes so far, and whether an element was written.
pub(crate) struct Compound {
    len: usize,
    first: bool,
}

impl Compound {
    fn open(len: usize) -> Self {
        Self { len, first: true }
    }
    fn comma(&mut self) {
        if !self.first {
            self.len += 1;
        }
        self.first = false;
    }
}

struct EscapedCounter(usize);

impl fmt::Write for EscapedCounter {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.0 += s.chars().map(escaped_char_len).sum::<usize>();
        Ok(())
    }
}

impl ser::Serializer for Counter {
    type Ok = usize;
    type Error = Unsupported;
    type SerializeSeq = Compound;
    type SerializeTuple = Compound;
    type SerializeTupleStruct = Compound;
    type SerializeTupleVariant = ser::Impossible<usize, Unsupported>;
    type SerializeMap = Compound;
    type SerializeStruct = Compound;
    type SerializeStructVariant = Compound;

    fn serialize_bool(self, v: bool) -> Result<usize, Unsupported> {
        Ok(if v { 4 } else { 5 })
    }
    fn serialize_i8(self, v: i8) -> Result<usize, Unsupported> {
        Ok(signed_len(v.into()))
    }
    fn serialize_i16(self, v: i16) -> Result<usize, Unsupported> {
        Ok(signed_len(v.into()))
    }
    fn serialize_i32(self, v: i32) -> Result<usize, Unsupported> {
        Ok(signed_len(v.into()))
    }
    fn serialize_i64(self, v: i64) -> Result<usize, Unsupported> {
        Ok(signed_len(v))
    }
    fn serialize_u8(self, v: u8) -> Result<usize, Unsupported> {
        Ok(unsigned_len(v.into()))
    }
    fn serialize_u16(self, v: u16) -> Result<usize, Unsupported> {
        Ok(unsigned_len(v.into()))
    }
    fn serialize_u32(self, v: u32) -> Result<usize, Unsupported> {
        Ok(unsigned_len(v.into()))
    }
    fn serialize_u64(self, v: u64) -> Result<usize, Unsupported> {
        Ok(unsigned_len(v))
    }
    fn serialize_f32(self, v: f32) -> Result<usize, Unsupported> {
        Ok(if v.is_finite() {
            ryu::Buffer::new().format(v).len()
        } else {
            4
        })
    }
    fn serialize_f64(self, v: f64) -> Result<usize, Unsupported> {
        Ok(if v.is_finite() {
            ryu::Buffer::new().format(v).len()
        } else {
            4
        })
    }
    fn serialize_char(self, _v: char) -> Result<usize, Unsupported> {
        // serde-json-core panics here (`unreachable!`): refuse instead.
        Err(Unsupported)
    }
    fn serialize_str(self, v: &str) -> Result<usize, Unsupported> {
        Ok(str_len(v))
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<usize, Unsupported> {
        // Written raw; the encoder's validation pass refuses the result if it is not JSON.
        Ok(v.len())
    }
    fn serialize_none(self) -> Result<usize, Unsupported> {
        Ok(4)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<usize, Unsupported> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<usize, Unsupported> {
        Ok(4)
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<usize, Unsupported> {
        Ok(4)
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<usize, Unsupported> {
        Ok(str_len(variant))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        value: &T,
    ) -> Result<usize, Unsupported> {
        if name == ESCAPED_STR {
            return Err(Unsupported);
        }
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<usize, Unsupported> {
        // {"variant":value}
        Ok(variant.len() + 5 + value.serialize(Counter)?)
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Compound, Unsupported> {
        Ok(Compound::open(1))
    }
    fn serialize_tuple(self, _len: usize) -> Result<Compound, Unsupported> {
        Ok(Compound::open(1))
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Compound, Unsupported> {
        Ok(Compound::open(1))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, Unsupported> {
        // serde-json-core panics here (`unreachable!`): refuse instead.
        Err(Unsupported)
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Compound, Unsupported> {
        Ok(Compound::open(1))
    }
    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<Compound, Unsupported> {
        Ok(Compound::open(1))
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Compound, Unsupported> {
        // {"variant":{ ... }}
        Ok(Compound::open(variant.len() + 5))
    }
    fn collect_str<T: fmt::Display + ?Sized>(self, value: &T) -> Result<usize, Unsupported> {
        let mut counter = EscapedCounter(2);
        fmt::write(&mut counter, format_args!("{value}")).map_err(|_| Unsupported)?;
        Ok(counter.0)
    }
}

impl ser::SerializeSeq for Compound {
    type Ok = usize;
    type Error = Unsupported;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Unsupported> {
        self.comma();
        self.len += value.serialize(Counter)?;
        Ok(())
    }
    fn end(self) -> Result<usize, Unsupported> {
        Ok(self.len + 1)
    }
}

impl ser::SerializeTuple for Compound {
    type Ok = usize;
    type Error = Unsupported;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Unsupported> {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> Result<usize, Unsupported> {
        ser::SerializeSeq::end(self)
    }
}

impl ser::SerializeTupleStruct for Compound {
    type Ok = usize;
    type Error = Unsupported;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Unsupported> {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> Result<usize, Unsupported> {
        ser::SerializeSeq::end(self)
    }
}

impl ser::SerializeMap for Compound {
    type Ok = usize;
    type Error = Unsupported;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Unsupported> {
        self.comma();
        self.len += key.serialize(Counter)? + 1;
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Unsupported> {
        self.len += value.serialize(Counter)?;
        Ok(())
    }
    fn end(self) -> Result<usize, Unsupported> {
        Ok(self.len + 1)
    }
}

impl ser::SerializeStruct for Compound {
    type Ok = usize;
    type Error = Unsupported;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Unsupported> {
        // "key":value, the key written raw as serde-json-core does.
        self.comma();
        self.len += key.len() + 3 + value.serialize(Counter)?;
        Ok(())
    }
    fn end(self) -> Result<usize, Unsupported> {
        Ok(self.len + 1)
    }
}

impl ser::SerializeStructVariant for Compound {
    type Ok = usize;
    type Error = Unsupported;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Unsupported> {
        ser::SerializeStruct::serialize_field(self, key, value)
    }
    fn end(self) -> Result<usize, Unsupported> {
        Ok(self.len + 2)
    }
}
