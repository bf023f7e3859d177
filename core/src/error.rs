//! Typed errors that carry the numbers explaining them.

use core::fmt;

/// Why a byte stream could not be decoded.
///
/// Every variant says which frame (counted from 0 since the decoder was created or reset)
/// and at which stream offset that frame's first byte lies, so a log line points at the exact
/// bytes. After an error the decoder stays failed and returns the same error until
/// [`reset`](crate::LengthDecoder::reset), except [`CommitPastSpare`](Self::CommitPastSpare),
/// a caller's mistake that changes nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum DecodeError {
    /// A length field announced a payload longer than the configured maximum.
    FrameTooLarge {
        /// Index of the frame.
        frame: u64,
        /// Stream offset of the frame's first byte.
        offset: u64,
        /// The payload length announced (after the adjustment).
        len: u64,
        /// The configured maximum frame length.
        max: u64,
    },
    /// A signed length field carried a negative number.
    NegativeLength {
        /// Index of the frame.
        frame: u64,
        /// Stream offset of the frame's first byte.
        offset: u64,
        /// The value the field carried.
        value: i64,
    },
    /// The format's negative adjustment takes the field's value below zero (a Postgres length
    /// under 4, which must count itself).
    LengthBelowAdjustment {
        /// Index of the frame.
        frame: u64,
        /// Stream offset of the frame's first byte.
        offset: u64,
        /// The value the field carried.
        value: u64,
        /// The format's adjustment.
        adjustment: i32,
    },
    /// The length does not fit in 64 bits: a varint's value, or the value plus the adjustment.
    LengthOverflow {
        /// Index of the frame.
        frame: u64,
        /// Stream offset of the frame's first byte.
        offset: u64,
    },
    /// A varint length ran past the most bytes its encoding allows (10 for LEB128, 4 for
    /// MQTT).
    OverlongLength {
        /// Index of the frame.
        frame: u64,
        /// Stream offset of the frame's first byte.
        offset: u64,
        /// The most bytes the encoding allows.
        max_bytes: u8,
    },
    /// A varint length used more bytes than its value needs, which the format refuses
    /// ([`FrameFormat::with_non_minimal_lengths`](crate::FrameFormat::with_non_minimal_lengths)).
    NonMinimalLength {
        /// Index of the frame.
        frame: u64,
        /// Stream offset of the frame's first byte.
        offset: u64,
    },
    /// The stream ended inside a frame's head or length field.
    TruncatedPrefix {
        /// Index of the frame.
        frame: u64,
        /// Stream offset of the frame's first byte.
        offset: u64,
        /// Bytes of head and length field received.
        have: u8,
    },
    /// The stream ended inside a frame's payload.
    TruncatedFrame {
        /// Index of the frame.
        frame: u64,
        /// Stream offset of the frame's first byte.
        offset: u64,
        /// The frame's announced length.
        len: u64,
        /// Payload bytes that never arrived.
        missing: u64,
    },
    /// [`commit`](crate::LengthDecoder::commit) was given more bytes than the spare region it
    /// could have been read into (call [`spare`](crate::LengthDecoder::spare) before reading).
    /// Nothing changed: the decoder is not failed.
    CommitPastSpare {
        /// Index of the frame.
        frame: u64,
        /// Stream offset of the frame's first byte.
        offset: u64,
        /// The bytes `commit` was given.
        committed: u64,
        /// The bytes the spare region holds.
        spare: u64,
    },
}

impl DecodeError {
    /// Index of the frame the error is about.
    pub const fn frame(&self) -> u64 {
        match *self {
            Self::FrameTooLarge { frame, .. }
            | Self::NegativeLength { frame, .. }
            | Self::LengthBelowAdjustment { frame, .. }
            | Self::LengthOverflow { frame, .. }
            | Self::OverlongLength { frame, .. }
            | Self::NonMinimalLength { frame, .. }
            | Self::TruncatedPrefix { frame, .. }
            | Self::TruncatedFrame { frame, .. }
            | Self::CommitPastSpare { frame, .. } => frame,
        }
    }

    /// Stream offset of the first byte of the frame the error is about.
    pub const fn offset(&self) -> u64 {
        match *self {
            Self::FrameTooLarge { offset, .. }
            | Self::NegativeLength { offset, .. }
            | Self::LengthBelowAdjustment { offset, .. }
            | Self::LengthOverflow { offset, .. }
            | Self::OverlongLength { offset, .. }
            | Self::NonMinimalLength { offset, .. }
            | Self::TruncatedPrefix { offset, .. }
            | Self::TruncatedFrame { offset, .. }
            | Self::CommitPastSpare { offset, .. } => offset,
        }
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::FrameTooLarge {
                frame,
                offset,
                len,
                max,
            } => write!(
                f,
                "frame {frame} (at byte {offset}) announces a {len}-byte payload, over the limit of {max}"
            ),
            Self::NegativeLength {
                frame,
                offset,
                value,
            } => write!(
                f,
                "frame {frame} (at byte {offset}) has a negative length {value}"
            ),
            Self::LengthBelowAdjustment {
                frame,
                offset,
                value,
                adjustment,
            } => write!(
                f,
                "frame {frame} (at byte {offset}) has a length of {value}, below zero after the adjustment of {adjustment}"
            ),
            Self::LengthOverflow { frame, offset } => write!(
                f,
                "frame {frame} (at byte {offset}) has a length that does not fit in 64 bits"
            ),
            Self::OverlongLength {
                frame,
                offset,
                max_bytes,
            } => write!(
                f,
                "frame {frame} (at byte {offset}) has a varint length longer than {max_bytes} bytes"
            ),
            Self::NonMinimalLength { frame, offset } => write!(
                f,
                "frame {frame} (at byte {offset}) has a varint length in more bytes than its value needs"
            ),
            Self::TruncatedPrefix {
                frame,
                offset,
                have,
            } => write!(
                f,
                "stream ended inside the head or length field of frame {frame} (at byte {offset}): {have} bytes of it received"
            ),
            Self::TruncatedFrame {
                frame,
                offset,
                len,
                missing,
            } => write!(
                f,
                "stream ended inside frame {frame} (at byte {offset}): {missing} of its {len} payload bytes missing"
            ),
            Self::CommitPastSpare {
                frame,
                offset,
                committed,
                spare,
            } => write!(
                f,
                "commit of {committed} bytes in frame {frame} (at byte {offset}), but the spare region holds {spare}: read into spare() first"
            ),
        }
    }
}

impl core::error::Error for DecodeError {}

/// Why a frame could not be encoded. The output buffer is untouched when this is returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum EncodeError {
    /// The length field cannot carry the value (refused, never truncated).
    LengthOverflowsField {
        /// The field value the frame needs (payload length less the adjustment).
        value: u64,
        /// Largest value the field can carry.
        max: u64,
    },
    /// The payload is longer than the format's maximum frame length.
    FrameTooLarge {
        /// Payload length.
        len: u64,
        /// The maximum frame length.
        max: u64,
    },
    /// The payload is shorter than the bytes a positive adjustment says follow the length field
    /// (an HTTP/2 frame's payload starts with its 6-byte type, flags and stream id).
    PayloadBelowAdjustment {
        /// Payload length.
        len: u64,
        /// The format's adjustment.
        adjustment: i32,
    },
    /// The head is not the format's [`head_len`](crate::FrameFormat::head_len) bytes.
    HeadLength {
        /// The format's head length.
        expected: usize,
        /// The head given.
        got: usize,
    },
    /// The output buffer is too small; nothing was written.
    BufferTooSmall {
        /// Bytes the encoded frame needs.
        required: usize,
        /// Bytes the buffer has.
        available: usize,
    },
    /// The format cannot be used ([`FrameFormat::check`](crate::FrameFormat::check)).
    Format(ConfigError),
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::LengthOverflowsField { value, max } => {
                write!(f, "the length field cannot carry {value} (at most {max})")
            }
            Self::FrameTooLarge { len, max } => write!(
                f,
                "a {len}-byte payload is over the maximum frame length of {max} bytes"
            ),
            Self::PayloadBelowAdjustment { len, adjustment } => write!(
                f,
                "a {len}-byte payload is shorter than the {adjustment} bytes the format says follow the length field"
            ),
            Self::HeadLength { expected, got } => write!(
                f,
                "the format has a {expected}-byte head, {got} bytes given"
            ),
            Self::BufferTooSmall {
                required,
                available,
            } => write!(
                f,
                "the frame needs {required} bytes of output buffer, {available} given"
            ),
            Self::Format(problem) => problem.fmt(f),
        }
    }
}

impl core::error::Error for EncodeError {}

/// Why a decoder configuration was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum ConfigError {
    /// The buffer cannot hold the head, or (without streaming) the head and a payload up to the
    /// limit. Enable streaming, lower the limit, or give a larger buffer.
    BufferTooSmall {
        /// Buffer capacity in bytes.
        capacity: usize,
        /// The format's head length.
        head_len: usize,
        /// The largest payload the buffer must hold: 0 with streaming, else the maximum frame
        /// length (or less, when the length field cannot carry that much).
        max_frame_len: u64,
    },
    /// The format's head is longer than [`MAX_HEAD_LEN`](crate::MAX_HEAD_LEN).
    HeadTooLong {
        /// The format's head length.
        len: usize,
        /// The most allowed.
        max: usize,
    },
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::BufferTooSmall {
                capacity,
                head_len,
                max_frame_len,
            } => write!(
                f,
                "a {capacity}-byte buffer cannot hold a {head_len}-byte head and a {max_frame_len}-byte payload; enable streaming, lower the limit or give a larger buffer"
            ),
            Self::HeadTooLong { len, max } => {
                write!(f, "a {len}-byte head is over the most of {max} bytes")
            }
        }
    }
}

impl core::error::Error for ConfigError {}
