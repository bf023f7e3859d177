//! Errors of JSON-described header frames.

use core::fmt;

/// What is wrong with a piece of JSON, at the byte offset a [`HeaderProblem::Malformed`] gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Syntax {
    /// The text ended inside a value.
    UnexpectedEnd,
    /// A value was expected.
    ExpectedValue,
    /// An object key (a string) was expected.
    ExpectedKey,
    /// `:` was expected after a key.
    ExpectedColon,
    /// `,` or the closing bracket was expected.
    ExpectedCommaOrEnd,
    /// A `,` right before a closing bracket.
    TrailingComma,
    /// An escape other than `\" \\ \/ \b \f \n \r \t \uXXXX`.
    InvalidEscape,
    /// A raw control character (below U+0020) inside a string.
    ControlCharacterInString,
    /// A number that does not follow JSON's grammar (leading zeros, `1.`, `-`, ...).
    InvalidNumber,
    /// Something that starts like `true`, `false` or `null` but is not.
    InvalidLiteral,
    /// Text after the closing `}`.
    TrailingCharacters,
}

impl fmt::Display for Syntax {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::UnexpectedEnd => "unexpected end",
            Self::ExpectedValue => "expected a value",
            Self::ExpectedKey => "expected a string key",
            Self::ExpectedColon => "expected ':'",
            Self::ExpectedCommaOrEnd => "expected ',' or a closing bracket",
            Self::TrailingComma => "trailing comma",
            Self::InvalidEscape => "invalid escape",
            Self::ControlCharacterInString => "control character in a string",
            Self::InvalidNumber => "invalid number",
            Self::InvalidLiteral => "invalid literal",
            Self::TrailingCharacters => "characters after the header object",
        })
    }
}

/// Why a JSON header was refused. `at` offsets count bytes from the start of the JSON text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum HeaderProblem {
    /// The header is not UTF-8; `at` is the first byte that is not.
    NotUtf8 {
        /// Byte offset in the header.
        at: usize,
    },
    /// The header is not well-formed JSON.
    Malformed {
        /// Byte offset in the header.
        at: usize,
        /// What is wrong there.
        syntax: Syntax,
    },
    /// The header is well-formed up to a point but is not a JSON object.
    NotObject,
    /// Objects and arrays nest deeper than the configured bound.
    TooDeep {
        /// Byte offset of the bracket that went too deep.
        at: usize,
        /// The bound.
        max_depth: u8,
    },
    /// The object has no size field.
    SizeMissing {
        /// The size field's name.
        field: &'static str,
    },
    /// The object has the size field twice (ambiguous, so refused).
    SizeDuplicate {
        /// The size field's name.
        field: &'static str,
    },
    /// The size is negative.
    SizeNegative {
        /// The size field's name.
        field: &'static str,
    },
    /// The size is not an integer (a fraction, an exponent, a string, ...).
    SizeNotInteger {
        /// The size field's name.
        field: &'static str,
    },
    /// The size does not fit in 64 bits.
    SizeOverflow {
        /// The size field's name.
        field: &'static str,
    },
    /// The size is over the body limit.
    BodyTooLarge {
        /// The size the header gives.
        total_size: u64,
        /// The body limit.
        max: u64,
    },
}

impl fmt::Display for HeaderProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::NotUtf8 { at } => write!(f, "header is not UTF-8 at byte {at}"),
            Self::Malformed { at, syntax } => {
                write!(f, "header is not valid JSON: {syntax} at byte {at}")
            }
            Self::NotObject => f.write_str("header is not a JSON object"),
            Self::TooDeep { at, max_depth } => write!(
                f,
                "header nests deeper than {max_depth} levels at byte {at}"
            ),
            Self::SizeMissing { field } => write!(f, "header has no \"{field}\""),
            Self::SizeDuplicate { field } => write!(f, "header has \"{field}\" twice"),
            Self::SizeNegative { field } => write!(f, "header's \"{field}\" is negative"),
            Self::SizeNotInteger { field } => {
                write!(f, "header's \"{field}\" is not an unsigned integer")
            }
            Self::SizeOverflow { field } => {
                write!(f, "header's \"{field}\" does not fit in 64 bits")
            }
            Self::BodyTooLarge { total_size, max } => write!(
                f,
                "header announces a {total_size}-byte body, over the limit of {max}"
            ),
        }
    }
}

/// Why a stream of JSON-header frames could not be decoded.
///
/// `frame` counts frames from 0; `offset` is the stream offset of that frame's length prefix.
/// After an error the decoder stays failed until [`reset`](crate::json::Decoder::reset).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum DecodeError {
    /// The length prefix announces a header longer than the header limit.
    HeaderTooLong {
        /// Index of the frame.
        frame: u64,
        /// Stream offset of the frame.
        offset: u64,
        /// Announced header length.
        len: u64,
        /// The header limit.
        max: u64,
    },
    /// A signed length prefix is negative.
    NegativeHeaderLength {
        /// Index of the frame.
        frame: u64,
        /// Stream offset of the frame.
        offset: u64,
        /// The value.
        value: i64,
    },
    /// The header arrived but was refused.
    InvalidHeader {
        /// Index of the frame.
        frame: u64,
        /// Stream offset of the frame.
        offset: u64,
        /// Why.
        problem: HeaderProblem,
    },
    /// A varint length prefix is longer than its encoding allows, over 64 bits, or (where the
    /// format refuses it) longer than its value needs.
    MalformedLengthPrefix {
        /// Index of the frame.
        frame: u64,
        /// Stream offset of the frame.
        offset: u64,
    },
    /// The stream ended inside a length prefix.
    TruncatedLengthPrefix {
        /// Index of the frame.
        frame: u64,
        /// Stream offset of the frame.
        offset: u64,
        /// Prefix bytes received.
        have: u8,
    },
    /// The stream ended inside a JSON header.
    TruncatedHeader {
        /// Index of the frame.
        frame: u64,
        /// Stream offset of the frame.
        offset: u64,
        /// Announced header length.
        len: u64,
        /// Header bytes that never arrived.
        missing: u64,
    },
    /// The stream ended inside a body.
    TruncatedBody {
        /// Index of the frame.
        frame: u64,
        /// Stream offset of the frame.
        offset: u64,
        /// The header's total size.
        total_size: u64,
        /// Body bytes that never arrived.
        missing: u64,
    },
}

impl DecodeError {
    /// Index of the frame the error is about.
    pub const fn frame(&self) -> u64 {
        match *self {
            Self::HeaderTooLong { frame, .. }
            | Self::NegativeHeaderLength { frame, .. }
            | Self::InvalidHeader { frame, .. }
            | Self::MalformedLengthPrefix { frame, .. }
            | Self::TruncatedLengthPrefix { frame, .. }
            | Self::TruncatedHeader { frame, .. }
            | Self::TruncatedBody { frame, .. } => frame,
        }
    }

    /// Stream offset of the frame the error is about.
    pub const fn offset(&self) -> u64 {
        match *self {
            Self::HeaderTooLong { offset, .. }
            | Self::NegativeHeaderLength { offset, .. }
            | Self::InvalidHeader { offset, .. }
            | Self::MalformedLengthPrefix { offset, .. }
            | Self::TruncatedLengthPrefix { offset, .. }
            | Self::TruncatedHeader { offset, .. }
            | Self::TruncatedBody { offset, .. } => offset,
        }
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::HeaderTooLong {
                frame,
                offset,
                len,
                max,
            } => write!(
                f,
                "frame {frame} (at byte {offset}) announces a {len}-byte JSON header, over the limit of {max}"
            ),
            Self::NegativeHeaderLength {
                frame,
                offset,
                value,
            } => write!(
                f,
                "frame {frame} (at byte {offset}) has a negative header length {value}"
            ),
            Self::InvalidHeader {
                frame,
                offset,
                problem,
            } => write!(f, "frame {frame} (at byte {offset}): {problem}"),
            Self::MalformedLengthPrefix { frame, offset } => write!(
                f,
                "frame {frame} (at byte {offset}) has a malformed varint length prefix (too long, over 64 bits, or not minimal)"
            ),
            Self::TruncatedLengthPrefix {
                frame,
                offset,
                have,
            } => write!(
                f,
                "stream ended inside the length prefix of frame {frame} (at byte {offset}): {have} bytes received"
            ),
            Self::TruncatedHeader {
                frame,
                offset,
                len,
                missing,
            } => write!(
                f,
                "stream ended inside the JSON header of frame {frame} (at byte {offset}): {missing} of its {len} bytes missing"
            ),
            Self::TruncatedBody {
                frame,
                offset,
                total_size,
                missing,
            } => write!(
                f,
                "stream ended inside the body of frame {frame} (at byte {offset}): {missing} of its {total_size} bytes missing"
            ),
        }
    }
}

impl core::error::Error for DecodeError {}

/// Why a JSON header could not be encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum EncodeError {
    /// The header type uses something serde-json-core cannot write (`char`, a tuple variant,
    /// 128-bit integers, a custom error from the type's `Serialize`).
    Unsupported,
    /// The JSON text is longer than the header limit.
    HeaderTooLong {
        /// JSON length.
        len: usize,
        /// The header limit.
        max: u64,
    },
    /// The JSON length does not fit the length prefix.
    LengthOverflowsPrefix {
        /// JSON length.
        len: u64,
        /// Largest length the prefix can carry.
        max: u64,
    },
    /// The output buffer is too small; nothing was written.
    BufferTooSmall {
        /// Bytes the length prefix and JSON header need.
        required: usize,
        /// Bytes the buffer has.
        available: usize,
    },
    /// The serialized header would be refused by a decoder with the same configuration
    /// (no size field, not an object, a body over the limit, ...).
    InvalidHeader(HeaderProblem),
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::Unsupported => {
                f.write_str("the header type cannot be written by serde-json-core")
            }
            Self::HeaderTooLong { len, max } => {
                write!(f, "the JSON header is {len} bytes, over the limit of {max}")
            }
            Self::LengthOverflowsPrefix { len, max } => write!(
                f,
                "a {len}-byte JSON header does not fit the length prefix (at most {max})"
            ),
            Self::BufferTooSmall {
                required,
                available,
            } => write!(
                f,
                "the header needs {required} bytes of output buffer, {available} given"
            ),
            Self::InvalidHeader(problem) => write!(f, "refusing to send it: {problem}"),
        }
    }
}

impl core::error::Error for EncodeError {}
