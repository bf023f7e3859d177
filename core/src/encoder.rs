//! The frame encoder: head, length field and payload, into a caller buffer.

use crate::buffer::copy;
use crate::error::{ConfigError, EncodeError};
use crate::field::MAX_FIELD_LEN;
use crate::format::{Format, FrameFormat, MAX_PREFIX_LEN};

/// Builds frames: the mirror of [`LengthDecoder`](crate::LengthDecoder) for the same
/// [`FrameFormat`].
///
/// Given a head and a payload it writes the head, the length field (the payload length less
/// the adjustment, in the shortest form) and the payload. It refuses a head of the wrong size,
/// a payload over the format's maximum frame length, and a length the field cannot carry,
/// instead of truncating it.
///
/// ```
/// use unstick::{FrameFormat, LengthEncoder};
/// let encoder = LengthEncoder::new(FrameFormat::new());
/// let mut out = [0u8; 16];
/// let n = encoder.encode(b"hello", &mut out)?;
/// assert_eq!(&out[..n], b"\0\0\0\x05hello");
/// // For a vectored write, the prefix alone:
/// assert_eq!(encoder.prefix(5)?.as_bytes(), b"\0\0\0\x05");
/// // A gRPC message: the compressed flag, then the length.
/// let grpc = LengthEncoder::new(FrameFormat::GRPC);
/// assert_eq!(grpc.prefix_with_head(&[0], 5)?.as_bytes(), b"\0\0\0\0\x05");
/// # Ok::<(), unstick::EncodeError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct LengthEncoder<F = FrameFormat> {
    format: F,
}

impl Default for LengthEncoder {
    /// An encoder for the default [`FrameFormat`]: `u32be`, 64 KiB.
    fn default() -> Self {
        Self::new(FrameFormat::new())
    }
}

impl<F: Format> LengthEncoder<F> {
    /// An encoder for `format`: a [`FrameFormat`], or a type that fixes one at compile time.
    pub const fn new(format: F) -> Self {
        Self { format }
    }

    /// The format.
    #[inline(always)]
    pub fn format(&self) -> FrameFormat {
        self.format.format()
    }

    /// The length field for a payload of `payload_len` bytes, for a format without a head: to
    /// be written right before the payload (for example as the first buffer of one vectored
    /// write, so the payload is never copied).
    #[inline]
    pub fn prefix(&self, payload_len: usize) -> Result<Prefix, EncodeError> {
        self.prefix_with_head(&[], payload_len)
    }

    /// The head and length field for a payload of `payload_len` bytes.
    #[inline(always)]
    pub fn prefix_with_head(&self, head: &[u8], payload_len: usize) -> Result<Prefix, EncodeError> {
        match self.plain_prefix(head, payload_len) {
            Some(prefix) => Ok(prefix),
            None => Self::prefix_any(self.format.format(), head, payload_len),
        }
    }

    /// The tutorials' shape: the length itself, big-endian, written with one store. Its own
    /// copy of the format, which stays in registers: a copy shared with the general path is
    /// stored whole and read back a byte at a time, which stalled a small-frame writer on x86.
    #[inline(always)]
    fn plain_prefix(&self, head: &[u8], payload_len: usize) -> Option<Prefix> {
        let format = self.format.format();
        let width = format.plain_width()?;
        let len = payload_len as u64;
        // `plain_width` is 1 to 8: the shift is below 64.
        let shift = 64 - 8 * width as u32;
        if !head.is_empty() || len > format.max_frame_len() || len > u64::MAX >> shift {
            return None;
        }
        let field = u64::from_le_bytes((len << shift).to_be_bytes());
        Some(Prefix::from_halves(
            u128::from(field),
            (width as u128) << LEN_SHIFT,
        ))
    }

    /// [`prefix_with_head`](Self::prefix_with_head) for every format, and its errors.
    #[inline(never)]
    fn prefix_any(
        format: FrameFormat,
        head: &[u8],
        payload_len: usize,
    ) -> Result<Prefix, EncodeError> {
        let h = format.head_len();
        format.check().map_err(EncodeError::Format)?;
        if head.len() != h {
            return Err(EncodeError::HeadLength {
                expected: h,
                got: head.len(),
            });
        }
        let len = payload_len as u64;
        // What a decoder of the same format refuses (the limit is at most `MAX_PAYLOAD_LEN`).
        let max = format.max_frame_len();
        if len > max {
            return Err(EncodeError::FrameTooLarge { len, max });
        }
        let Some(value) = format.field_value(len) else {
            return Err(EncodeError::PayloadBelowAdjustment {
                len,
                adjustment: format.adjustment(),
            });
        };
        let mut bytes = [0u8; PREFIX_STORE];
        let (head_bytes, field_bytes) = bytes.split_at_mut(h.min(MAX_PREFIX_LEN));
        copy(head_bytes, head);
        // The head is at most `MAX_HEAD_LEN` (checked), so a whole field fits after it.
        let Some(field) = field_bytes.first_chunk_mut::<MAX_FIELD_LEN>() else {
            return Err(EncodeError::Format(ConfigError::HeadTooLong {
                len: h,
                max: crate::format::MAX_HEAD_LEN,
            }));
        };
        let n = format.length().write(value, field)?;
        if let Some(len) = bytes.last_mut() {
            *len = (h + n) as u8;
        }
        Ok(Prefix { bytes })
    }

    /// Bytes a frame with a `payload_len`-byte payload takes on the wire, or why it cannot be
    /// encoded.
    #[inline]
    pub fn encoded_len(&self, payload_len: usize) -> Result<usize, EncodeError> {
        let head = [0u8; crate::format::MAX_HEAD_LEN];
        let head = head.get(..self.format().head_len()).unwrap_or(&[]);
        let prefix = self.prefix_with_head(head, payload_len)?;
        // The payload was within a u64 limit; only a usize sum near usize::MAX can overflow.
        prefix
            .len()
            .checked_add(payload_len)
            .ok_or(EncodeError::FrameTooLarge {
                len: payload_len as u64,
                max: (usize::MAX - prefix.len()) as u64,
            })
    }

    /// Writes length field and payload, for a format without a head, to the front of `out` and
    /// returns the bytes written.
    ///
    /// On error nothing is written; [`EncodeError::BufferTooSmall`] carries the exact size
    /// required. A format with a head needs [`encode_with_head`](Self::encode_with_head).
    #[inline]
    pub fn encode(&self, payload: &[u8], out: &mut [u8]) -> Result<usize, EncodeError> {
        self.encode_with_head(&[], payload, out)
    }

    /// Writes head, length field and payload to the front of `out` and returns the bytes
    /// written. On error nothing is written.
    #[inline]
    pub fn encode_with_head(
        &self,
        head: &[u8],
        payload: &[u8],
        out: &mut [u8],
    ) -> Result<usize, EncodeError> {
        let prefix = self.prefix_with_head(head, payload.len())?;
        // A real slice is at most isize::MAX bytes: the sum cannot saturate.
        let required = prefix.len().saturating_add(payload.len());
        let available = out.len();
        let Some((front, body)) = out
            .get_mut(..required)
            .and_then(|frame| frame.split_at_mut_checked(prefix.len()))
        else {
            return Err(EncodeError::BufferTooSmall {
                required,
                available,
            });
        };
        copy(front, &prefix);
        copy(body, payload);
        Ok(required)
    }
}

/// An encoded frame prefix, head and length field, ready to be written before a payload (for
/// example as the first buffer of a vectored write). Dereferences to the bytes.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
// Made of two 16-byte halves, each written with one store: a copy of the prefix (inside a
// `Result`, into a buffer) then loads what one store wrote. Piecewise stores read back by a
// wider load stall store forwarding on x86, which cost a small-frame writer 30%.
#[repr(align(16))]
pub struct Prefix {
    /// The prefix bytes, then its length in the last byte.
    bytes: [u8; PREFIX_STORE],
}

/// Bytes of a [`Prefix`]: room for the longest prefix, and its length last.
const PREFIX_STORE: usize = 32;
/// Where the length byte sits in the high half of a [`Prefix`], in bits.
const LEN_SHIFT: u32 = 120;
const _: () = assert!(MAX_PREFIX_LEN < PREFIX_STORE);

impl Prefix {
    /// A prefix from its two halves (little-endian), the length in the top byte of `hi`.
    #[inline(always)]
    fn from_halves(lo: u128, hi: u128) -> Self {
        let mut bytes = [0u8; PREFIX_STORE];
        let (a, b) = bytes.split_at_mut(PREFIX_STORE / 2);
        a.copy_from_slice(&lo.to_le_bytes());
        b.copy_from_slice(&hi.to_le_bytes());
        Self { bytes }
    }

    /// The prefix bytes.
    #[inline]
    pub fn as_bytes(&self) -> &[u8] {
        let len = self.bytes.last().map_or(0, |&len| usize::from(len));
        let (prefix, _) = self.bytes.split_at(len.min(MAX_PREFIX_LEN));
        prefix
    }
}

impl core::ops::Deref for Prefix {
    type Target = [u8];
    #[inline]
    fn deref(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl AsRef<[u8]> for Prefix {
    #[inline]
    fn as_ref(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl core::fmt::Debug for Prefix {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_tuple("Prefix").field(&self.as_bytes()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ByteOrder, LengthField, Width};

    #[test]
    fn refuses_what_the_format_cannot_carry() {
        let u16 = LengthEncoder::new(
            FrameFormat::new()
                .with_length(LengthField::U16_BE)
                .with_max_frame_len(u64::MAX),
        );
        assert_eq!(
            u16.prefix(70_000),
            Err(EncodeError::LengthOverflowsField {
                value: 70_000,
                max: 65_535
            })
        );
        let limited = LengthEncoder::new(FrameFormat::new().with_max_frame_len(10));
        assert_eq!(
            limited.encode(&[0; 11], &mut [0; 64]),
            Err(EncodeError::FrameTooLarge { len: 11, max: 10 })
        );
        let http2 = LengthEncoder::new(FrameFormat::HTTP2);
        assert_eq!(
            http2.prefix(5),
            Err(EncodeError::PayloadBelowAdjustment {
                len: 5,
                adjustment: 6
            })
        );
        let grpc = LengthEncoder::new(FrameFormat::GRPC);
        assert_eq!(
            grpc.prefix(5),
            Err(EncodeError::HeadLength {
                expected: 1,
                got: 0
            })
        );
        let mut out = [0xAAu8; 4];
        assert_eq!(
            LengthEncoder::default().encode(b"x", &mut out),
            Err(EncodeError::BufferTooSmall {
                required: 5,
                available: 4
            })
        );
        assert_eq!(out, [0xAA; 4], "nothing written on error");
    }

    #[test]
    fn writes_head_adjusted_length_and_payload() {
        // Postgres: type byte, then a length that counts itself.
        let pg = LengthEncoder::new(FrameFormat::POSTGRES);
        let mut out = [0u8; 32];
        let n = pg.encode_with_head(b"Q", b"SELECT 1\0", &mut out).unwrap();
        assert_eq!(&out[..n], b"Q\0\0\0\x0dSELECT 1\0");
        let le = LengthEncoder::new(
            FrameFormat::new()
                .with_length(LengthField::fixed(Width::W3, ByteOrder::Little, false))
                .with_max_frame_len(1 << 24),
        );
        assert_eq!(le.prefix(0x010203).unwrap().as_bytes(), [3, 2, 1]);
        let bitcoin = LengthEncoder::new(FrameFormat::BITCOIN);
        let head = [7u8; 16];
        let p = bitcoin.prefix_with_head(&head, 4).unwrap();
        assert_eq!(&p[..16], &head);
        assert_eq!(&p[16..], [0, 0, 0, 0]);
        assert_eq!(bitcoin.encoded_len(4), Ok(24));
    }
}
