//! The length header in front of every frame: its width, byte order and signedness.

use crate::error::EncodeError;

/// How many bytes the length header takes on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[repr(u8)]
pub enum HeaderWidth {
    /// One byte (`struct.pack("B")`).
    W1 = 1,
    /// Two bytes (`struct.pack("!H")`).
    W2 = 2,
    /// Three bytes, as some radio and serial protocols use.
    W3 = 3,
    /// Four bytes (`struct.pack("!I")`, `struct.pack("i")`).
    W4 = 4,
    /// Eight bytes (`struct.pack("!Q")`).
    W8 = 8,
}

impl HeaderWidth {
    /// The width in bytes.
    #[inline]
    pub const fn bytes(self) -> usize {
        self as usize
    }
}

/// Byte order of the length header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum ByteOrder {
    /// Most significant byte first: network order, Python's `"!"`.
    Big,
    /// Least significant byte first: what Python's native `struct.pack("i")` sends on x86 and ARM.
    Little,
}

/// The format of the length header: width, byte order and whether the length is signed.
///
/// The default, [`LengthHeader::U32_BE`], is the tutorials' `struct.pack("!I", len)`.
/// [`LengthHeader::I32_LE`] decodes peers that send `struct.pack("i", len)` from a
/// little-endian machine; a negative length from such a peer is a typed error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct LengthHeader {
    width: HeaderWidth,
    order: ByteOrder,
    signed: bool,
}

impl Default for LengthHeader {
    fn default() -> Self {
        Self::U32_BE
    }
}

/// Names a header as `u32be`, `i32le`, `u16le`, `u8`, ...: `u` or `i` for unsigned or signed,
/// the width in bits (8, 16, 24, 32 or 64), then `be` or `le` (omitted for one byte).
///
/// ```
/// use unstick::LengthHeader;
/// assert_eq!("i32le".parse(), Ok(LengthHeader::I32_LE));
/// assert_eq!(LengthHeader::U32_BE.to_string(), "u32be");
/// ```
impl core::fmt::Display for LengthHeader {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let sign = if self.signed { 'i' } else { 'u' };
        let bits = self.width.bytes() * 8;
        match (self.width, self.order) {
            (HeaderWidth::W1, _) => write!(f, "{sign}{bits}"),
            (_, ByteOrder::Big) => write!(f, "{sign}{bits}be"),
            (_, ByteOrder::Little) => write!(f, "{sign}{bits}le"),
        }
    }
}

/// A header name that is not one of the forms [`LengthHeader`]'s `Display` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub struct ParseHeaderError;

impl core::fmt::Display for ParseHeaderError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(
            "unknown length header: expected u8, i8, or u|i then 16, 24, 32 or 64 then be|le (e.g. u32be, i32le)",
        )
    }
}

impl core::error::Error for ParseHeaderError {}

impl core::str::FromStr for LengthHeader {
    type Err = ParseHeaderError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let (signed, rest) = match s.as_bytes().first() {
            Some(b'u' | b'U') => (false, s.get(1..).unwrap_or("")),
            Some(b'i' | b'I') => (true, s.get(1..).unwrap_or("")),
            _ => return Err(ParseHeaderError),
        };
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        let (bits, order) = rest.split_at_checked(digits).ok_or(ParseHeaderError)?;
        let width = match bits {
            "8" => HeaderWidth::W1,
            "16" => HeaderWidth::W2,
            "24" => HeaderWidth::W3,
            "32" => HeaderWidth::W4,
            "64" => HeaderWidth::W8,
            _ => return Err(ParseHeaderError),
        };
        let order = if order.eq_ignore_ascii_case("be") {
            ByteOrder::Big
        } else if order.eq_ignore_ascii_case("le") {
            ByteOrder::Little
        } else if order.is_empty() && width == HeaderWidth::W1 {
            ByteOrder::Big
        } else {
            return Err(ParseHeaderError);
        };
        Ok(Self::new(width, order, signed))
    }
}

/// What a header on the wire says: a length, or a negative number from a signed header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RawLength {
    Len(u64),
    Negative(i64),
}

impl LengthHeader {
    /// 4-byte big-endian unsigned: `struct.pack("!I", len)`. The default.
    pub const U32_BE: Self = Self::new(HeaderWidth::W4, ByteOrder::Big, false);
    /// 4-byte little-endian signed: Python's native `struct.pack("i", len)` on x86/ARM.
    pub const I32_LE: Self = Self::new(HeaderWidth::W4, ByteOrder::Little, true);
    /// 4-byte little-endian unsigned.
    pub const U32_LE: Self = Self::new(HeaderWidth::W4, ByteOrder::Little, false);
    /// 4-byte big-endian signed: `struct.pack("!i", len)`.
    pub const I32_BE: Self = Self::new(HeaderWidth::W4, ByteOrder::Big, true);
    /// 2-byte big-endian unsigned: `struct.pack("!H", len)`.
    pub const U16_BE: Self = Self::new(HeaderWidth::W2, ByteOrder::Big, false);
    /// 8-byte big-endian unsigned: `struct.pack("!Q", len)`.
    pub const U64_BE: Self = Self::new(HeaderWidth::W8, ByteOrder::Big, false);

    /// A header of the given width, byte order and signedness.
    pub const fn new(width: HeaderWidth, order: ByteOrder, signed: bool) -> Self {
        Self {
            width,
            order,
            signed,
        }
    }

    /// The header width.
    #[inline]
    pub const fn width(&self) -> HeaderWidth {
        self.width
    }

    /// The byte order.
    #[inline]
    pub const fn order(&self) -> ByteOrder {
        self.order
    }

    /// Whether the length is read as a two's complement signed number.
    #[inline]
    pub const fn signed(&self) -> bool {
        self.signed
    }

    /// Size of the header in bytes.
    #[inline]
    pub const fn len(&self) -> usize {
        self.width.bytes()
    }

    /// Always `false`: a header has at least one byte. Present for clippy's `len_without_is_empty`.
    #[inline]
    pub const fn is_empty(&self) -> bool {
        false
    }

    /// The largest length this header can carry (`255` for one unsigned byte,
    /// `i32::MAX` for [`I32_LE`](Self::I32_LE), ...).
    #[inline]
    pub const fn max_len(&self) -> u64 {
        let bits = self.width.bytes() as u32 * 8 - self.signed as u32;
        if bits >= 64 {
            u64::MAX
        } else {
            (1u64 << bits) - 1
        }
    }

    /// Reads a header of exactly [`len`](Self::len) bytes.
    #[inline(always)]
    pub(crate) fn read(&self, bytes: &[u8; 8]) -> RawLength {
        let w = self.width.bytes();
        // `bytes` holds the header in its first `w` bytes; the rest is ignored.
        let unsigned = match self.order {
            ByteOrder::Big => u64::from_be_bytes(*bytes) >> (64 - 8 * w as u32),
            ByteOrder::Little => {
                let v = u64::from_le_bytes(*bytes);
                if w == 8 {
                    v
                } else {
                    v & ((1u64 << (8 * w)) - 1)
                }
            }
        };
        if self.signed {
            let shift = 64 - 8 * w as u32;
            // Sign-extend the top bit of the header into an i64.
            let v = ((unsigned << shift) as i64) >> shift;
            if v < 0 {
                return RawLength::Negative(v);
            }
        }
        RawLength::Len(unsigned)
    }

    /// Encodes `len` as this header.
    ///
    /// Refuses (never truncates) a length the header cannot carry: a 70 000-byte frame
    /// under a 2-byte header is [`EncodeError::LengthOverflowsHeader`].
    #[inline]
    pub fn encode(&self, len: u64) -> Result<HeaderBytes, EncodeError> {
        if len > self.max_len() {
            return Err(EncodeError::LengthOverflowsHeader {
                len,
                max: self.max_len(),
            });
        }
        // The header goes in the first `w` bytes either way: big-endian shifts it to the top.
        let bytes = match self.order {
            ByteOrder::Big => (len << (64 - 8 * self.width.bytes() as u32)).to_be_bytes(),
            ByteOrder::Little => len.to_le_bytes(),
        };
        Ok(HeaderBytes {
            bytes,
            len: self.width as u8,
        })
    }
}

/// An encoded length header, ready to be written before a payload (for example as the first
/// buffer of a vectored write). Dereferences to the header bytes.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
// Aligned so the 8 bytes are written with one store inside a `Result`, not piecewise (which
// stalls store forwarding when they are read back: it cost 30% of a small-frame writer).
#[repr(align(8))]
pub struct HeaderBytes {
    bytes: [u8; 8],
    len: u8,
}

impl HeaderBytes {
    /// The header bytes.
    #[inline]
    pub fn as_bytes(&self) -> &[u8] {
        let (head, _) = self.bytes.split_at(usize::from(self.len).min(8));
        head
    }
}

impl core::ops::Deref for HeaderBytes {
    type Target = [u8];
    #[inline]
    fn deref(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl AsRef<[u8]> for HeaderBytes {
    #[inline]
    fn as_ref(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl core::fmt::Debug for HeaderBytes {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_tuple("HeaderBytes")
            .field(&self.as_bytes())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(h: &LengthHeader, wire: &[u8]) -> RawLength {
        let mut b = [0u8; 8];
        b[..wire.len()].copy_from_slice(wire);
        h.read(&b)
    }

    #[test]
    fn names_round_trip() {
        extern crate alloc;
        use alloc::string::ToString;
        for width in [
            HeaderWidth::W1,
            HeaderWidth::W2,
            HeaderWidth::W3,
            HeaderWidth::W4,
            HeaderWidth::W8,
        ] {
            for order in [ByteOrder::Big, ByteOrder::Little] {
                for signed in [false, true] {
                    let h = LengthHeader::new(width, order, signed);
                    let parsed: LengthHeader = h.to_string().parse().unwrap();
                    // One byte has no order: compare what goes on the wire.
                    assert_eq!(
                        parsed.encode(100).unwrap().as_bytes(),
                        h.encode(100).unwrap().as_bytes()
                    );
                    assert_eq!((parsed.width(), parsed.signed()), (width, signed));
                    if width != HeaderWidth::W1 {
                        assert_eq!(parsed, h);
                    }
                }
            }
        }
        assert_eq!("I32LE".parse(), Ok(LengthHeader::I32_LE));
        for bad in [
            "", "u", "u32", "x32be", "u31be", "u8be8", "u32bee", "i16 le", "u032be",
        ] {
            assert_eq!(
                bad.parse::<LengthHeader>(),
                Err(ParseHeaderError),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn reads_every_width_and_order() {
        let be3 = LengthHeader::new(HeaderWidth::W3, ByteOrder::Big, false);
        assert_eq!(read(&be3, &[1, 2, 3]), RawLength::Len(0x010203));
        let le3 = LengthHeader::new(HeaderWidth::W3, ByteOrder::Little, false);
        assert_eq!(read(&le3, &[1, 2, 3]), RawLength::Len(0x030201));
        assert_eq!(
            read(&LengthHeader::I32_LE, &(-5i32).to_le_bytes()),
            RawLength::Negative(-5)
        );
        assert_eq!(
            read(&LengthHeader::I32_LE, &999i32.to_le_bytes()),
            RawLength::Len(999)
        );
        let i8h = LengthHeader::new(HeaderWidth::W1, ByteOrder::Big, true);
        assert_eq!(read(&i8h, &[0x80]), RawLength::Negative(-128));
        assert_eq!(read(&i8h, &[0x7f]), RawLength::Len(127));
        let u64be = LengthHeader::U64_BE;
        assert_eq!(read(&u64be, &[0xff; 8]), RawLength::Len(u64::MAX));
    }

    #[test]
    fn encode_refuses_overflow_instead_of_truncating() {
        assert_eq!(
            LengthHeader::U16_BE.encode(70_000),
            Err(EncodeError::LengthOverflowsHeader {
                len: 70_000,
                max: 65_535
            })
        );
        assert_eq!(LengthHeader::I32_LE.max_len(), i32::MAX as u64);
        assert_eq!(
            LengthHeader::I32_LE.encode(999).unwrap().as_bytes(),
            &999i32.to_le_bytes()
        );
        assert_eq!(
            LengthHeader::U32_BE.encode(0x0102_0304).unwrap().as_bytes(),
            &[1, 2, 3, 4]
        );
    }
}
