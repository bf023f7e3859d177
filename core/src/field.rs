//! The length field: how a frame's length is written on the wire, read and written back.

use crate::error::EncodeError;

/// The most bytes any length field takes: a LEB128 varint of a 64-bit value.
pub const MAX_FIELD_LEN: usize = 10;

/// How many bytes a fixed-width length field takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[repr(u8)]
pub enum Width {
    /// One byte (`struct.pack("B")`).
    W1 = 1,
    /// Two bytes (`struct.pack("!H")`).
    W2 = 2,
    /// Three bytes (HTTP/2, MySQL, TLS handshake messages, some radio protocols).
    W3 = 3,
    /// Four bytes (`struct.pack("!I")`, `struct.pack("i")`).
    W4 = 4,
    /// Eight bytes (`struct.pack("!Q")`).
    W8 = 8,
}

impl Width {
    /// The width in bytes.
    #[inline]
    pub const fn bytes(self) -> usize {
        self as usize
    }
}

/// Byte order of a fixed-width length field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum ByteOrder {
    /// Most significant byte first: network order, Python's `"!"`.
    Big,
    /// Least significant byte first: what Python's native `struct.pack("i")` sends on x86 and ARM.
    Little,
}

// Order and signedness as bits of one byte, so a `LengthField` takes two bytes, a format 16,
// and reading them is one bit test each on the decoder's hot path.
const LITTLE: u8 = 1;
const SIGNED: u8 = 2;

/// A fixed-width integer length field: its width, byte order and whether it is signed.
///
/// [`FixedInt::U32_BE`] is the tutorials' `struct.pack("!I", len)`. [`FixedInt::I32_LE`]
/// decodes peers that send `struct.pack("i", len)` from a little-endian machine; a negative
/// length from such a peer is a typed error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct FixedInt {
    width: Width,
    flags: u8,
}

impl FixedInt {
    /// 4-byte big-endian unsigned: `struct.pack("!I", len)`.
    pub const U32_BE: Self = Self::new(Width::W4, ByteOrder::Big, false);
    /// 4-byte little-endian signed: Python's native `struct.pack("i", len)` on x86/ARM.
    pub const I32_LE: Self = Self::new(Width::W4, ByteOrder::Little, true);
    /// 4-byte little-endian unsigned.
    pub const U32_LE: Self = Self::new(Width::W4, ByteOrder::Little, false);
    /// 4-byte big-endian signed: `struct.pack("!i", len)`.
    pub const I32_BE: Self = Self::new(Width::W4, ByteOrder::Big, true);
    /// 2-byte big-endian unsigned: `struct.pack("!H", len)`.
    pub const U16_BE: Self = Self::new(Width::W2, ByteOrder::Big, false);
    /// 8-byte big-endian unsigned: `struct.pack("!Q", len)`.
    pub const U64_BE: Self = Self::new(Width::W8, ByteOrder::Big, false);

    /// A field of the given width, byte order and signedness. A 1-byte field has no byte
    /// order: it is kept as big-endian, so `u8` equals itself whichever order was asked for.
    pub const fn new(width: Width, order: ByteOrder, signed: bool) -> Self {
        let little = match (order, width) {
            (ByteOrder::Little, Width::W2 | Width::W3 | Width::W4 | Width::W8) => LITTLE,
            _ => 0,
        };
        let signed = if signed { SIGNED } else { 0 };
        Self {
            width,
            flags: little | signed,
        }
    }

    /// The width.
    #[inline]
    pub const fn width(&self) -> Width {
        self.width
    }

    /// The byte order.
    #[inline]
    pub const fn order(&self) -> ByteOrder {
        if self.flags & LITTLE == 0 {
            ByteOrder::Big
        } else {
            ByteOrder::Little
        }
    }

    /// Whether the length is read as a two's complement signed number.
    #[inline]
    pub const fn signed(&self) -> bool {
        self.flags & SIGNED != 0
    }

    /// Size of the field in bytes.
    #[inline]
    pub const fn len(&self) -> usize {
        self.width.bytes()
    }

    /// Always `false`: a field has at least one byte. Present for clippy's `len_without_is_empty`.
    #[inline]
    pub const fn is_empty(&self) -> bool {
        false
    }

    /// The largest value the field can carry (`255` for one unsigned byte, `i32::MAX` for
    /// [`I32_LE`](Self::I32_LE), ...).
    #[inline]
    pub const fn max_value(&self) -> u64 {
        let bits = self.width.bytes() as u32 * 8 - self.signed() as u32;
        if bits >= 64 {
            u64::MAX
        } else {
            (1u64 << bits) - 1
        }
    }

    /// Reads the field from the first [`len`](Self::len) bytes of `bytes` (one load for every
    /// width); the rest is ignored.
    #[inline(always)]
    pub(crate) fn read(&self, bytes: &[u8; 8]) -> Result<u64, Malformed> {
        let w = self.width.bytes() as u32;
        let unsigned = match self.order() {
            ByteOrder::Big => u64::from_be_bytes(*bytes) >> (64 - 8 * w),
            ByteOrder::Little => {
                let v = u64::from_le_bytes(*bytes);
                if w == 8 {
                    v
                } else {
                    v & ((1u64 << (8 * w)) - 1)
                }
            }
        };
        if self.signed() {
            let shift = 64 - 8 * w;
            // Sign-extend the field's top bit into an i64.
            let v = ((unsigned << shift) as i64) >> shift;
            if v < 0 {
                return Err(Malformed::Negative(v));
            }
        }
        Ok(unsigned)
    }

    /// Writes `value` into the first `len()` bytes of an 8-byte block.
    #[inline(always)]
    fn write(&self, value: u64) -> [u8; 8] {
        match self.order() {
            ByteOrder::Big => (value << (64 - 8 * self.width.bytes() as u32)).to_be_bytes(),
            ByteOrder::Little => value.to_le_bytes(),
        }
    }
}

/// How the length is written on the wire.
///
/// Fixed-width integers, and the three variable-length integers real protocols use. Each
/// varint is refused when it is longer than its encoding allows or its value does not fit in
/// 64 bits; whether a longer-than-necessary encoding is accepted is the format's choice
/// ([`FrameFormat::with_non_minimal_lengths`](crate::FrameFormat::with_non_minimal_lengths)).
///
/// Names, as `Display` writes them and `FromStr` reads them: `u32be`, `i32le`, `u16le`, `u8`,
/// ... (`u` or `i`, the width in bits 8/16/24/32/64, then `be` or `le`, omitted for one byte),
/// `leb128`, `mqtt`, `quic`.
///
/// ```
/// use unstick::LengthField;
/// assert_eq!("i32le".parse(), Ok(LengthField::I32_LE));
/// assert_eq!("leb128".parse(), Ok(LengthField::Leb128));
/// assert_eq!(LengthField::U32_BE.to_string(), "u32be");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum LengthField {
    /// A fixed-width integer.
    Fixed(FixedInt),
    /// Unsigned LEB128, as protobuf's delimited streams (`writeDelimitedTo`) and WebAssembly
    /// write it: 7 bits per byte, least significant group first, the top bit set on every byte
    /// but the last; at most 10 bytes.
    Leb128,
    /// MQTT's Variable Byte Integer (MQTT 5.0 section 1.5.5, 3.1.1 section 2.2.3): LEB128
    /// limited to 4 bytes, so at most 268,435,455.
    MqttVbi,
    /// QUIC's variable-length integer (RFC 9000 section 16): the top two bits of the first
    /// byte give the length (1, 2, 4 or 8 bytes), the rest is the value, big-endian; at most
    /// 2^62 - 1.
    QuicVarint,
}

impl Default for LengthField {
    fn default() -> Self {
        Self::U32_BE
    }
}

/// Why a length field could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Malformed {
    /// A signed fixed-width field held a negative number.
    Negative(i64),
    /// A varint ran past the most bytes its encoding allows.
    Overlong,
    /// A varint's value does not fit in 64 bits.
    Overflow,
    /// A varint used more bytes than its value needs, and the format refuses that.
    NonMinimal,
}

/// The outcome of reading a length field from the bytes seen so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Read {
    /// The field is complete: its value and its size in bytes.
    Done(u64, usize),
    /// The bytes seen so far are a valid start; more are needed.
    More,
    Bad(Malformed),
}

/// A length field read so far, a byte at a time: what the decoder keeps between chunks instead
/// of the bytes themselves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Partial {
    /// Bytes taken.
    pub(crate) have: u8,
    /// The field's size once known (a QUIC varint's first byte says it), else 0.
    need: u8,
    value: u64,
}

impl Partial {
    pub(crate) const NEW: Self = Self {
        have: 0,
        need: 0,
        value: 0,
    };
}

impl LengthField {
    /// 4-byte big-endian unsigned: `struct.pack("!I", len)`. The default.
    pub const U32_BE: Self = Self::Fixed(FixedInt::U32_BE);
    /// 4-byte little-endian signed: Python's native `struct.pack("i", len)` on x86/ARM.
    pub const I32_LE: Self = Self::Fixed(FixedInt::I32_LE);
    /// 4-byte little-endian unsigned.
    pub const U32_LE: Self = Self::Fixed(FixedInt::U32_LE);
    /// 4-byte big-endian signed: `struct.pack("!i", len)`.
    pub const I32_BE: Self = Self::Fixed(FixedInt::I32_BE);
    /// 2-byte big-endian unsigned: `struct.pack("!H", len)`.
    pub const U16_BE: Self = Self::Fixed(FixedInt::U16_BE);
    /// 8-byte big-endian unsigned: `struct.pack("!Q", len)`.
    pub const U64_BE: Self = Self::Fixed(FixedInt::U64_BE);

    /// A fixed-width integer field.
    pub const fn fixed(width: Width, order: ByteOrder, signed: bool) -> Self {
        Self::Fixed(FixedInt::new(width, order, signed))
    }

    /// The largest value the field can carry.
    pub const fn max_value(&self) -> u64 {
        match self {
            Self::Fixed(int) => int.max_value(),
            Self::Leb128 => u64::MAX,
            Self::MqttVbi => MQTT_MAX,
            Self::QuicVarint => QUIC_MAX,
        }
    }

    /// The most bytes the field takes (the fixed width, or a varint's longest encoding).
    pub const fn max_len(&self) -> usize {
        match self {
            Self::Fixed(int) => int.len(),
            Self::Leb128 => 10,
            Self::MqttVbi => 4,
            Self::QuicVarint => 8,
        }
    }

    /// Reads the field from the start of `bytes`.
    #[inline]
    pub(crate) fn read(&self, bytes: &[u8], minimal: bool) -> Read {
        // A fixed field with 8 bytes at hand: one load.
        if let (Self::Fixed(int), Some(block)) = (self, bytes.first_chunk::<8>()) {
            return match int.read(block) {
                Ok(value) => Read::Done(value, int.len()),
                Err(bad) => Read::Bad(bad),
            };
        }
        let mut partial = Partial::NEW;
        for &byte in bytes.iter().take(self.max_len()) {
            match self.push(&mut partial, byte, minimal) {
                Read::More => {}
                done => return done,
            }
        }
        Read::More
    }

    /// Takes the field's next byte.
    #[inline(always)]
    pub(crate) fn push(&self, partial: &mut Partial, byte: u8, minimal: bool) -> Read {
        let at = u32::from(partial.have);
        partial.have = partial.have.wrapping_add(1);
        let have = usize::from(partial.have);
        let byte64 = u64::from(byte);
        match self {
            Self::Fixed(int) => {
                let w = int.len();
                partial.value = match int.order() {
                    ByteOrder::Big => (partial.value << 8) | byte64,
                    ByteOrder::Little => partial.value | (byte64 << (8 * at)),
                };
                if have < w {
                    return Read::More;
                }
                let bits = 8 * w as u32;
                if int.signed() && (partial.value >> (bits - 1)) & 1 == 1 {
                    // Two's complement of a `w`-byte number: set the bits above it.
                    let negative = if bits == 64 {
                        partial.value
                    } else {
                        partial.value | (u64::MAX << bits)
                    };
                    return Read::Bad(Malformed::Negative(negative as i64));
                }
                Read::Done(partial.value, w)
            }
            Self::Leb128 | Self::MqttVbi => {
                let group = byte64 & 0x7f;
                let shift = 7 * at;
                // The tenth LEB128 byte holds bit 63 only.
                if shift >= 63 && group > 1 {
                    return Read::Bad(Malformed::Overflow);
                }
                partial.value |= group << shift;
                if byte & 0x80 == 0 {
                    // A last byte of zero after others means a shorter encoding existed.
                    if minimal && have > 1 && byte == 0 {
                        return Read::Bad(Malformed::NonMinimal);
                    }
                    return Read::Done(partial.value, have);
                }
                if have >= self.max_len() {
                    return Read::Bad(Malformed::Overlong);
                }
                Read::More
            }
            Self::QuicVarint => {
                if at == 0 {
                    partial.need = 1 << (byte >> 6);
                    partial.value = byte64 & 0x3f;
                } else {
                    partial.value = (partial.value << 8) | byte64;
                }
                if have < usize::from(partial.need) {
                    return Read::More;
                }
                // The shortest encoding of the value: anything longer is non-minimal.
                let shortest = match partial.value {
                    0..=63 => 1,
                    64..=16_383 => 2,
                    16_384..=1_073_741_823 => 4,
                    _ => 8,
                };
                if minimal && have > shortest {
                    return Read::Bad(Malformed::NonMinimal);
                }
                Read::Done(partial.value, have)
            }
        }
    }

    /// How many bytes of the field to read next without reading past its end: the rest of a
    /// fixed field, one byte of a LEB128 or MQTT varint, the rest a QUIC varint's first byte
    /// announced.
    #[inline]
    pub(crate) fn next_read(&self, partial: &Partial) -> usize {
        let have = usize::from(partial.have);
        match self {
            Self::Fixed(int) => int.len().saturating_sub(have),
            Self::QuicVarint if have > 0 => usize::from(partial.need).saturating_sub(have),
            _ => 1,
        }
    }

    /// Writes `value` to the front of `out` and returns the bytes written, always in the
    /// shortest form; refuses a value the field cannot carry.
    #[inline]
    pub(crate) fn write(
        &self,
        value: u64,
        out: &mut [u8; MAX_FIELD_LEN],
    ) -> Result<usize, EncodeError> {
        if value > self.max_value() {
            return Err(EncodeError::LengthOverflowsField {
                value,
                max: self.max_value(),
            });
        }
        match self {
            Self::Fixed(int) => {
                let block = int.write(value);
                if let Some(dst) = out.first_chunk_mut::<8>() {
                    *dst = block;
                }
                Ok(int.len())
            }
            Self::Leb128 | Self::MqttVbi => {
                let mut v = value;
                let mut n = 0;
                for slot in out.iter_mut() {
                    let low = (v & 0x7f) as u8;
                    v >>= 7;
                    n += 1;
                    if v == 0 {
                        *slot = low;
                        break;
                    }
                    *slot = low | 0x80;
                }
                Ok(n)
            }
            Self::QuicVarint => {
                let (tag, n) = match value {
                    0..=63 => (0u64, 1usize),
                    64..=16_383 => (1, 2),
                    16_384..=1_073_741_823 => (2, 4),
                    _ => (3, 8),
                };
                let v = value | (tag << (8 * n - 2));
                let be = v.to_be_bytes();
                if let (Some(dst), Some(src)) = (out.get_mut(..n), be.get(8 - n..)) {
                    crate::buffer::copy(dst, src);
                }
                Ok(n)
            }
        }
    }
}

const MQTT_MAX: u64 = (1 << 28) - 1;
const QUIC_MAX: u64 = (1 << 62) - 1;

/// A length field name that is not one of the forms [`LengthField`]'s `Display` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub struct ParseFieldError;

impl core::fmt::Display for ParseFieldError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(
            "unknown length field: expected u8, i8, or u|i then 16, 24, 32 or 64 then be|le (e.g. u32be, i32le), or leb128, mqtt, quic",
        )
    }
}

impl core::error::Error for ParseFieldError {}

impl core::fmt::Display for FixedInt {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let sign = if self.signed() { 'i' } else { 'u' };
        let bits = self.width.bytes() * 8;
        match (self.width, self.order()) {
            (Width::W1, _) => write!(f, "{sign}{bits}"),
            (_, ByteOrder::Big) => write!(f, "{sign}{bits}be"),
            (_, ByteOrder::Little) => write!(f, "{sign}{bits}le"),
        }
    }
}

impl core::str::FromStr for FixedInt {
    type Err = ParseFieldError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let (signed, rest) = match s.as_bytes().first() {
            Some(b'u' | b'U') => (false, s.get(1..).unwrap_or("")),
            Some(b'i' | b'I') => (true, s.get(1..).unwrap_or("")),
            _ => return Err(ParseFieldError),
        };
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        let (bits, order) = rest.split_at_checked(digits).ok_or(ParseFieldError)?;
        let width = match bits {
            "8" => Width::W1,
            "16" => Width::W2,
            "24" => Width::W3,
            "32" => Width::W4,
            "64" => Width::W8,
            _ => return Err(ParseFieldError),
        };
        let order = if order.eq_ignore_ascii_case("be") {
            ByteOrder::Big
        } else if order.eq_ignore_ascii_case("le") {
            ByteOrder::Little
        } else if order.is_empty() && width == Width::W1 {
            ByteOrder::Big
        } else {
            return Err(ParseFieldError);
        };
        Ok(Self::new(width, order, signed))
    }
}

impl core::fmt::Display for LengthField {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Fixed(int) => int.fmt(f),
            Self::Leb128 => f.write_str("leb128"),
            Self::MqttVbi => f.write_str("mqtt"),
            Self::QuicVarint => f.write_str("quic"),
        }
    }
}

impl core::str::FromStr for LengthField {
    type Err = ParseFieldError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        for (name, field) in [
            ("leb128", Self::Leb128),
            ("mqtt", Self::MqttVbi),
            ("quic", Self::QuicVarint),
        ] {
            if t.eq_ignore_ascii_case(name) {
                return Ok(field);
            }
        }
        t.parse().map(Self::Fixed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    extern crate alloc;
    use alloc::string::ToString;
    use alloc::vec::Vec;

    const WIDTHS: [Width; 5] = [Width::W1, Width::W2, Width::W3, Width::W4, Width::W8];

    fn read_fixed(int: FixedInt, wire: &[u8]) -> Result<u64, Malformed> {
        let mut b = [0u8; 8];
        b[..wire.len()].copy_from_slice(wire);
        int.read(&b)
    }

    #[test]
    fn names_round_trip() {
        for width in WIDTHS {
            for order in [ByteOrder::Big, ByteOrder::Little] {
                for signed in [false, true] {
                    let int = FixedInt::new(width, order, signed);
                    let parsed: FixedInt = int.to_string().parse().unwrap();
                    assert_eq!((parsed.width(), parsed.signed()), (width, signed));
                    if width != Width::W1 {
                        assert_eq!(parsed, int);
                    }
                }
            }
        }
        for field in [
            LengthField::Leb128,
            LengthField::MqttVbi,
            LengthField::QuicVarint,
        ] {
            assert_eq!(field.to_string().parse(), Ok(field));
        }
        assert_eq!("I32LE".parse(), Ok(LengthField::I32_LE));
        assert_eq!(" MQTT ".parse(), Ok(LengthField::MqttVbi));
        for bad in [
            "", "u", "u32", "x32be", "u31be", "u8be8", "u32bee", "i16 le", "u032be", "leb",
            "varint",
        ] {
            assert_eq!(bad.parse::<LengthField>(), Err(ParseFieldError), "{bad:?}");
        }
    }

    #[test]
    fn reads_every_width_and_order() {
        let be3 = FixedInt::new(Width::W3, ByteOrder::Big, false);
        assert_eq!(read_fixed(be3, &[1, 2, 3]), Ok(0x010203));
        let le3 = FixedInt::new(Width::W3, ByteOrder::Little, false);
        assert_eq!(read_fixed(le3, &[1, 2, 3]), Ok(0x030201));
        assert_eq!(
            read_fixed(FixedInt::I32_LE, &(-5i32).to_le_bytes()),
            Err(Malformed::Negative(-5))
        );
        assert_eq!(read_fixed(FixedInt::I32_LE, &999i32.to_le_bytes()), Ok(999));
        let i8f = FixedInt::new(Width::W1, ByteOrder::Big, true);
        assert_eq!(read_fixed(i8f, &[0x80]), Err(Malformed::Negative(-128)));
        assert_eq!(read_fixed(i8f, &[0x7f]), Ok(127));
        assert_eq!(read_fixed(FixedInt::U64_BE, &[0xff; 8]), Ok(u64::MAX));
    }

    fn write(field: LengthField, value: u64) -> Vec<u8> {
        let mut out = [0u8; MAX_FIELD_LEN];
        let n = field.write(value, &mut out).unwrap();
        out[..n].to_vec()
    }

    #[test]
    fn varints_match_their_specifications() {
        // protobuf's encoding guide: 150 is 96 01; RFC 9000 appendix A.1's examples.
        assert_eq!(write(LengthField::Leb128, 150), [0x96, 0x01]);
        assert_eq!(write(LengthField::Leb128, u64::MAX).len(), 10);
        assert_eq!(write(LengthField::MqttVbi, 16_383), [0xff, 0x7f]);
        assert_eq!(
            write(LengthField::MqttVbi, 268_435_455),
            [0xff, 0xff, 0xff, 0x7f]
        );
        assert_eq!(write(LengthField::QuicVarint, 37), [0x25]);
        assert_eq!(write(LengthField::QuicVarint, 15_293), [0x7b, 0xbd]);
        assert_eq!(
            write(LengthField::QuicVarint, 494_878_333),
            [0x9d, 0x7f, 0x3e, 0x7d]
        );
        assert_eq!(
            write(LengthField::QuicVarint, 151_288_809_941_952_652),
            [0xc2, 0x19, 0x7c, 0x5e, 0xff, 0x14, 0xe8, 0x8c]
        );
        let quic = LengthField::QuicVarint;
        assert_eq!(quic.read(&[0x40, 0x25], false), Read::Done(37, 2));
        assert_eq!(
            quic.read(&[0x40, 0x25], true),
            Read::Bad(Malformed::NonMinimal)
        );
        assert_eq!(quic.read(&[0x9d, 0x7f, 0x3e], true), Read::More);
        assert_eq!(
            LengthField::MqttVbi.write(268_435_456, &mut [0; 10]),
            Err(EncodeError::LengthOverflowsField {
                value: 268_435_456,
                max: 268_435_455
            })
        );
    }

    #[test]
    fn base128_limits() {
        let leb = LengthField::Leb128;
        let mqtt = LengthField::MqttVbi;
        assert_eq!(leb.read(&[0x80, 0x00], false), Read::Done(0, 2));
        assert_eq!(
            leb.read(&[0x80, 0x00], true),
            Read::Bad(Malformed::NonMinimal)
        );
        assert_eq!(leb.read(&[0x80, 0x80], true), Read::More);
        assert_eq!(leb.read(&[0xff; 10], false), Read::Bad(Malformed::Overflow));
        let mut max = [0xff; 10];
        max[9] = 0x01;
        assert_eq!(leb.read(&max, true), Read::Done(u64::MAX, 10));
        max[9] = 0x81;
        assert_eq!(leb.read(&max, true), Read::Bad(Malformed::Overlong));
        assert_eq!(
            mqtt.read(&[0x80, 0x80, 0x80, 0x80], true),
            Read::Bad(Malformed::Overlong)
        );
        assert_eq!(mqtt.read(&[0x80, 0x80, 0x80], true), Read::More);
        assert_eq!(
            mqtt.read(&[0xff, 0xff, 0xff, 0x7f, 0], true),
            Read::Done(MQTT_MAX, 4)
        );
    }

    #[test]
    fn every_value_reads_back_as_written() {
        let fields = [
            LengthField::Leb128,
            LengthField::MqttVbi,
            LengthField::QuicVarint,
            LengthField::U32_BE,
            LengthField::fixed(Width::W3, ByteOrder::Little, false),
        ];
        let mut values: Vec<u64> = (0..70).collect();
        for bit in 0..64 {
            let v = 1u64 << bit;
            values.extend([v - 1, v, v + 1]);
        }
        values.push(u64::MAX);
        for field in fields {
            for &v in &values {
                let mut out = [0u8; MAX_FIELD_LEN];
                match field.write(v, &mut out) {
                    Ok(n) => {
                        assert_eq!(field.read(&out[..n], true), Read::Done(v, n), "{field} {v}");
                        // Every strict prefix asks for more, and says how much it may read.
                        let mut partial = Partial::NEW;
                        for cut in 0..n {
                            assert_eq!(field.read(&out[..cut], true), Read::More);
                            let next = field.next_read(&partial);
                            assert!(next >= 1 && cut + next <= n, "{field} {v} {cut}");
                            let pushed = field.push(&mut partial, out[cut], true);
                            assert_eq!(pushed == Read::More, cut + 1 < n);
                        }
                    }
                    Err(_) => assert!(v > field.max_value()),
                }
            }
        }
    }
}
