//! Typed errors that carry the numbers explaining them.

use core::fmt;

/// Why a byte stream could not be decoded.
///
/// Every variant says which frame (counted from 0 since the decoder was created or reset)
/// and at which stream offset that frame's header starts, so a log line points at the exact
/// bytes. After an error the decoder stays failed and returns the same error until
/// [`reset`](crate::LengthDecoder::reset), except [`CommitPastSpare`](Self::CommitPastSpare),
/// a caller's mistake that changes nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum DecodeError {
    /// A header announced a frame longer than the configured maximum.
    FrameTooLarge {
        /// Index of the frame.
        frame: u64,
        /// Stream offset of the frame's header.
        offset: u64,
        /// The length the header announced.
        len: u64,
        /// The configured maximum frame length.
        max: u64,
    },
    /// A signed header carried a negative length.
    NegativeLength {
        /// Index of the frame.
        frame: u64,
        /// Stream offset of the frame's header.
        offset: u64,
        /// The value the header carried.
        value: i64,
    },
    /// The stream ended inside a length header.
    TruncatedHeader {
        /// Index of the frame.
        frame: u64,
        /// Stream offset of the frame's header.
        offset: u64,
        /// Header bytes received.
        have: u8,
        /// Header width in bytes.
        width: u8,
    },
    /// The stream ended inside a frame's payload.
    TruncatedFrame {
        /// Index of the frame.
        frame: u64,
        /// Stream offset of the frame's header.
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
        /// Stream offset of the frame's header.
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
            | Self::TruncatedHeader { frame, .. }
            | Self::TruncatedFrame { frame, .. }
            | Self::CommitPastSpare { frame, .. } => frame,
        }
    }

    /// Stream offset of the header of the frame the error is about.
    pub const fn offset(&self) -> u64 {
        match *self {
            Self::FrameTooLarge { offset, .. }
            | Self::NegativeLength { offset, .. }
            | Self::TruncatedHeader { offset, .. }
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
                "frame {frame} (header at byte {offset}) announces {len} bytes, over the limit of {max}"
            ),
            Self::NegativeLength {
                frame,
                offset,
                value,
            } => write!(
                f,
                "frame {frame} (header at byte {offset}) has a negative length {value}"
            ),
            Self::TruncatedHeader {
                frame,
                offset,
                have,
                width,
            } => write!(
                f,
                "stream ended inside the length header of frame {frame} (at byte {offset}): {have} of {width} header bytes received"
            ),
            Self::TruncatedFrame {
                frame,
                offset,
                len,
                missing,
            } => write!(
                f,
                "stream ended inside frame {frame} (header at byte {offset}): {missing} of its {len} bytes missing"
            ),
            Self::CommitPastSpare {
                frame,
                offset,
                committed,
                spare,
            } => write!(
                f,
                "commit of {committed} bytes in frame {frame} (header at byte {offset}), but the spare region holds {spare}: read into spare() first"
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
    /// The payload is longer than the header can express (refused, never truncated).
    LengthOverflowsHeader {
        /// Payload length.
        len: u64,
        /// Largest length the header can carry.
        max: u64,
    },
    /// The payload is longer than the encoder's send limit.
    FrameTooLarge {
        /// Payload length.
        len: u64,
        /// The configured send limit.
        max: u64,
    },
    /// The output buffer is too small; nothing was written.
    BufferTooSmall {
        /// Bytes the encoded frame needs.
        required: usize,
        /// Bytes the buffer has.
        available: usize,
    },
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::LengthOverflowsHeader { len, max } => write!(
                f,
                "a {len}-byte payload does not fit the length header (at most {max})"
            ),
            Self::FrameTooLarge { len, max } => write!(
                f,
                "a {len}-byte payload is over the send limit of {max} bytes"
            ),
            Self::BufferTooSmall {
                required,
                available,
            } => write!(
                f,
                "the frame needs {required} bytes of output buffer, {available} given"
            ),
        }
    }
}

impl core::error::Error for EncodeError {}

/// Why a decoder configuration was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum ConfigError {
    /// Without streaming, every frame up to the limit must fit the buffer.
    /// Enable streaming, lower the limit, or give a larger buffer.
    BufferSmallerThanLimit {
        /// Buffer capacity in bytes.
        capacity: usize,
        /// The configured maximum frame length.
        max_frame_len: u64,
    },
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::BufferSmallerThanLimit {
                capacity,
                max_frame_len,
            } => write!(
                f,
                "a {capacity}-byte buffer cannot hold frames up to the {max_frame_len}-byte limit; enable streaming, lower the limit or give a larger buffer"
            ),
        }
    }
}

impl core::error::Error for ConfigError {}
