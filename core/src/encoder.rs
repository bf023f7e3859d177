//! The length-frame encoder: a header in front of a payload, into a caller buffer.

use crate::buffer::copy;
use crate::error::EncodeError;
use crate::header::{HeaderBytes, LengthHeader};

/// Builds length-prefixed frames.
///
/// Its send limit is separate from any decoder's receive limit (fe2o3-amqp#55): it starts as
/// the largest length the header can carry and can be lowered with
/// [`max_frame_len`](Self::max_frame_len).
///
/// ```
/// use unstick::{LengthEncoder, LengthHeader};
/// let encoder = LengthEncoder::new(LengthHeader::U32_BE);
/// let mut out = [0u8; 16];
/// let n = encoder.encode(b"hello", &mut out)?;
/// assert_eq!(&out[..n], b"\0\0\0\x05hello");
/// // For a vectored write, the header alone:
/// assert_eq!(encoder.header(5)?.as_bytes(), b"\0\0\0\x05");
/// # Ok::<(), unstick::EncodeError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct LengthEncoder {
    header: LengthHeader,
    max_frame_len: u64,
}

impl Default for LengthEncoder {
    fn default() -> Self {
        Self::new(LengthHeader::U32_BE)
    }
}

impl LengthEncoder {
    /// An encoder for `header` whose send limit is the header's [`max_len`](LengthHeader::max_len).
    pub const fn new(header: LengthHeader) -> Self {
        Self {
            header,
            max_frame_len: header.max_len(),
        }
    }

    /// Lowers the send limit: longer payloads are refused with [`EncodeError::FrameTooLarge`].
    /// A limit above what the header can carry still refuses such lengths with
    /// [`EncodeError::LengthOverflowsHeader`].
    #[must_use]
    pub const fn max_frame_len(mut self, max: u64) -> Self {
        self.max_frame_len = max;
        self
    }

    /// The header format.
    pub const fn length_header(&self) -> LengthHeader {
        self.header
    }

    /// The send limit.
    pub const fn get_max_frame_len(&self) -> u64 {
        self.max_frame_len
    }

    /// The header for a payload of `len` bytes, to be written right before the payload
    /// (for example as the first buffer of one vectored write, so the payload is never copied).
    #[inline]
    pub fn header(&self, len: usize) -> Result<HeaderBytes, EncodeError> {
        let len = len as u64;
        if len > self.max_frame_len {
            return Err(EncodeError::FrameTooLarge {
                len,
                max: self.max_frame_len,
            });
        }
        self.header.encode(len)
    }

    /// Bytes a frame with a `payload_len`-byte payload takes on the wire.
    #[inline]
    pub fn encoded_len(&self, payload_len: usize) -> Result<usize, EncodeError> {
        let header = self.header(payload_len)?;
        header
            .len()
            .checked_add(payload_len)
            .ok_or(EncodeError::LengthOverflowsHeader {
                len: payload_len as u64,
                max: self.header.max_len(),
            })
    }

    /// Writes header and payload to the front of `out` and returns the bytes written.
    ///
    /// On error nothing is written; [`EncodeError::BufferTooSmall`] carries the exact size
    /// required.
    #[inline]
    pub fn encode(&self, payload: &[u8], out: &mut [u8]) -> Result<usize, EncodeError> {
        let header = self.header(payload.len())?;
        // A real slice is at most isize::MAX bytes: the sum cannot saturate.
        let required = header.len().saturating_add(payload.len());
        let available = out.len();
        let Some((head, body)) = out
            .get_mut(..required)
            .and_then(|frame| frame.split_at_mut_checked(header.len()))
        else {
            return Err(EncodeError::BufferTooSmall {
                required,
                available,
            });
        };
        copy(head, &header);
        copy(body, payload);
        Ok(required)
    }
}
