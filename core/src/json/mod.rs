//! JSON-described header frames: a length prefix, a UTF-8 JSON object, then a body of the
//! object's `total_size` bytes (the tutorials' `header_dic` protocol).
//!
//! ```text
//! struct.pack("i", len(header_bytes)) + header_bytes + body
//! header_bytes = json.dumps({"filename": "a.txt", "total_size": 12345, "hash": "..."}).encode()
//! ```
//!
//! The header is collected (zero-copy when it lies inside one chunk), validated, and handed out
//! as text; the body is never buffered: it passes through as pieces borrowed from the input, so
//! it may be far larger than all RAM.

mod count;
mod error;
mod scan;
mod utf16;

pub use utf16::join_surrogate_escapes;

pub use error::{DecodeError, EncodeError, HeaderProblem, Syntax};

use crate::buffer::FrameBuffer;
use crate::decoder::{Event as LengthEvent, LengthDecoder};
use crate::error::{ConfigError, DecodeError as LengthError};
use crate::field::{LengthField, MAX_FIELD_LEN};
use crate::format::FrameFormat;
use scan::SizeValue;

/// The header limit a [`Config`] starts with: 4 KiB.
pub const DEFAULT_MAX_HEADER_LEN: u64 = 4 * 1024;
/// The body limit a [`Config`] starts with: 4 GiB.
pub const DEFAULT_MAX_BODY_LEN: u64 = 4 * 1024 * 1024 * 1024;
/// The nesting bound a [`Config`] starts with.
pub const DEFAULT_MAX_DEPTH: u8 = 16;

/// How JSON-header frames look. Shared by [`Decoder`] and [`Encoder`].
///
/// ```
/// use unstick::LengthField;
/// use unstick::json::Config;
/// // The tutorials' Python: struct.pack("i", len(header_bytes)).
/// const PYTHON: Config = Config::new()
///     .with_length(LengthField::I32_LE)
///     .with_max_body_len(1 << 40);
/// assert_eq!(PYTHON.size_field(), "total_size");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Config {
    length: LengthField,
    max_header_len: u64,
    max_body_len: u64,
    size_field: &'static str,
    max_depth: u8,
}

impl Default for Config {
    fn default() -> Self {
        Self::new()
    }
}

impl Config {
    /// 4-byte big-endian prefix, [`DEFAULT_MAX_HEADER_LEN`], [`DEFAULT_MAX_BODY_LEN`],
    /// size field `total_size`, [`DEFAULT_MAX_DEPTH`].
    pub const fn new() -> Self {
        Self {
            length: LengthField::U32_BE,
            max_header_len: DEFAULT_MAX_HEADER_LEN,
            max_body_len: DEFAULT_MAX_BODY_LEN,
            size_field: "total_size",
            max_depth: DEFAULT_MAX_DEPTH,
        }
    }

    /// Sets the length field in front of the JSON header (any [`LengthField`]; varints are
    /// read minimal only).
    #[must_use]
    pub const fn with_length(mut self, length: LengthField) -> Self {
        self.length = length;
        self
    }

    /// Sets the longest JSON header accepted, in bytes. At most
    /// [`MAX_PAYLOAD_LEN`](crate::MAX_PAYLOAD_LEN), as for any frame: more means that.
    #[must_use]
    pub const fn with_max_header_len(mut self, max: u64) -> Self {
        self.max_header_len = crate::format::clamp_payload_len(max);
        self
    }

    /// Sets the largest `total_size` accepted.
    #[must_use]
    pub const fn with_max_body_len(mut self, max: u64) -> Self {
        self.max_body_len = max;
        self
    }

    /// Sets the name of the top-level field that gives the body size. Keys are compared by
    /// their characters, as JSON parsers compare them: `"total\u005fsize"` is `total_size`, and
    /// a header with two spellings of it is refused as a duplicate (Python's `json.loads`
    /// would silently take the last).
    #[must_use]
    pub const fn with_size_field(mut self, name: &'static str) -> Self {
        self.size_field = name;
        self
    }

    /// Sets how deep objects and arrays may nest in a header (the header object itself is
    /// level 1; at most 64).
    #[must_use]
    pub const fn with_max_depth(mut self, depth: u8) -> Self {
        self.max_depth = depth;
        self
    }

    /// The length field in front of the JSON header.
    pub const fn length(&self) -> LengthField {
        self.length
    }
    /// The header limit.
    pub const fn max_header_len(&self) -> u64 {
        self.max_header_len
    }
    /// The body limit.
    pub const fn max_body_len(&self) -> u64 {
        self.max_body_len
    }
    /// The size field's name.
    pub const fn size_field(&self) -> &'static str {
        self.size_field
    }
    /// The nesting bound.
    pub const fn max_depth(&self) -> u8 {
        self.max_depth
    }

    /// Checks a JSON header the way the decoder does and returns its `total_size`.
    pub fn inspect(&self, json: &[u8]) -> Result<u64, HeaderProblem> {
        self.inspect_text(json).map(|(_, total_size)| total_size)
    }

    /// [`inspect`](Self::inspect), also returning the header as text (UTF-8 checked once).
    fn inspect_text<'a>(&self, json: &'a [u8]) -> Result<(&'a str, u64), HeaderProblem> {
        let text = core::str::from_utf8(json).map_err(|e| HeaderProblem::NotUtf8 {
            at: e.valid_up_to(),
        })?;
        let field = self.size_field;
        let total_size = match scan::scan(text, field, self.max_depth)? {
            SizeValue::Unsigned(n) => n,
            SizeValue::Missing => return Err(HeaderProblem::SizeMissing { field }),
            SizeValue::Negative => return Err(HeaderProblem::SizeNegative { field }),
            SizeValue::NotInteger => return Err(HeaderProblem::SizeNotInteger { field }),
            SizeValue::Overflow => return Err(HeaderProblem::SizeOverflow { field }),
            SizeValue::Duplicate => return Err(HeaderProblem::SizeDuplicate { field }),
        };
        if total_size > self.max_body_len {
            return Err(HeaderProblem::BodyTooLarge {
                total_size,
                max: self.max_body_len,
            });
        }
        Ok((text, total_size))
    }
}

/// A validated JSON header: its text and the body size it announces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Header<'a> {
    json: &'a str,
    total_size: u64,
}

impl<'a> Header<'a> {
    /// The header's JSON text, exactly as received.
    pub fn json(&self) -> &'a str {
        self.json
    }

    /// The body size the header announces: this many bytes follow as body pieces.
    pub fn total_size(&self) -> u64 {
        self.total_size
    }

    /// Deserializes the header into `T` with serde-json-core, borrowing from the header text.
    ///
    /// Strings are not unescaped: a `&str` field borrows the raw JSON text, so `"a\"b"` gives
    /// `a\"b` (four characters) and Python's default `ensure_ascii` output `"\u4f60"` stays six
    /// ASCII characters. Use [`deserialize_unescaped`](Self::deserialize_unescaped) for the
    /// decoded text.
    pub fn deserialize<T: serde::Deserialize<'a>>(&self) -> Result<T, serde_json_core::de::Error> {
        serde_json_core::from_str(self.json).map(|(value, _)| value)
    }

    /// Deserializes the header into `T` with serde-json-core, unescaping strings into
    /// `scratch`.
    ///
    /// Every header Python's `json.dumps` writes with its defaults deserializes, including
    /// characters outside the Basic Multilingual Plane, which it escapes as UTF-16 surrogate
    /// pairs (`"😀"` is `"\ud83d\ude00"`). A lone surrogate (Python writes one for a file name
    /// that is not UTF-8) becomes U+FFFD, as a Rust string cannot hold it. `NaN`, `Infinity`
    /// and `-Infinity` (`allow_nan`) are not JSON and stay refused; integers beyond 64 bits
    /// deserialize only into fields that ignore them.
    ///
    /// Unescaped strings cannot be borrowed from the header, so string fields with escapes must
    /// be owned types such as `heapless::String<N>`; a `&str` field works for strings without
    /// escapes. `scratch` must hold the longest unescaped string; a header with surrogate
    /// escapes is first rewritten into `scratch` too, so it then needs the header's length on
    /// top (twice the header's length always suffices). Too small a `scratch` is
    /// [`EscapedStringIsTooLong`](serde_json_core::de::Error::EscapedStringIsTooLong).
    ///
    /// ```
    /// use unstick::json::Config;
    /// // What json.dumps({"filename": "😀.txt", "total_size": 0}) sends:
    /// let json = br#"{"filename": "\ud83d\ude00.txt", "total_size": 0}"#;
    /// # let mut stream = (json.len() as u32).to_be_bytes().to_vec();
    /// # stream.extend_from_slice(json);
    /// # let mut buf = [0u8; 128];
    /// # let mut decoder = unstick::json::Decoder::new(Config::new().with_max_header_len(128), &mut buf[..])?;
    /// # let Some(unstick::json::Event::Header(header)) = decoder.decode(&stream)?.event else { panic!() };
    /// #[derive(serde::Deserialize)]
    /// struct Upload { filename: heapless::String<64> }
    /// let mut scratch = [0u8; 128];
    /// let upload: Upload = header.deserialize_unescaped(&mut scratch)?;
    /// assert_eq!(upload.filename, "😀.txt");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn deserialize_unescaped<'s, T: serde::Deserialize<'s>>(
        &self,
        scratch: &'s mut [u8],
    ) -> Result<T, serde_json_core::de::Error>
    where
        'a: 's,
    {
        let json = self.json.as_bytes();
        if !utf16::has_surrogate_escape(json) {
            return serde_json_core::from_slice_escaped(json, scratch).map(|(value, _)| value);
        }
        let n = utf16::join_surrogate_escapes(json, scratch)
            .ok_or(serde_json_core::de::Error::EscapedStringIsTooLong)?;
        let (joined, unescape) = scratch.split_at_mut(n);
        let joined: &'s [u8] = joined;
        serde_json_core::from_slice_escaped(joined, unescape).map(|(value, _)| value)
    }
}

/// Something a [`Decoder`] found in the stream. Per frame, in this order: one
/// `Header`, `BodyPiece`s adding up to `total_size` bytes (none for an empty body), one `End`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[must_use]
pub enum Event<'a> {
    /// A frame's header, validated.
    Header(Header<'a>),
    /// The next piece of the body, borrowed from the input. Never empty.
    BodyPiece(&'a [u8]),
    /// The frame's body is complete.
    End,
}

/// The result of one [`Decoder::decode`] call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[must_use]
pub struct Decoded<'a> {
    /// How many input bytes were used; pass the rest to the next call.
    pub consumed: usize,
    /// What was found, or `None`: all input was consumed and more is needed.
    pub event: Option<Event<'a>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Header,
    Body {
        header_len: u64,
        total_size: u64,
        remaining: u64,
    },
    BodyDone {
        header_len: u64,
        total_size: u64,
    },
    Failed(DecodeError),
}

/// Decodes JSON-header frames from byte chunks split anywhere.
///
/// The buffer holds one JSON header that straddles chunks; it must be at least the header limit.
/// Bodies never touch it.
///
/// ```
/// use unstick::json::{Config, Decoder, Event};
///
/// let header = br#"{"filename": "a.txt", "total_size": 5}"#;
/// let mut stream = (header.len() as u32).to_be_bytes().to_vec();
/// stream.extend_from_slice(header);
/// stream.extend_from_slice(b"hello");
///
/// let mut buf = [0u8; 256];
/// let config = Config::new().with_max_header_len(256);
/// let mut decoder = Decoder::new(config, &mut buf[..])?;
/// let mut body = Vec::new();
/// for chunk in stream.chunks(7) {
///     decoder.decode_all(chunk, |event| match event {
///         Event::Header(h) => {
///             assert_eq!(h.total_size(), 5);
///             #[derive(serde::Deserialize)]
///             struct Upload<'a> { filename: &'a str }
///             assert_eq!(h.deserialize::<Upload>().unwrap().filename, "a.txt");
///         }
///         Event::BodyPiece(piece) => body.extend_from_slice(piece),
///         Event::End => {}
///     })?;
/// }
/// decoder.finish()?;
/// assert_eq!(body, b"hello");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Decoder<B> {
    headers: LengthDecoder<B>,
    config: Config,
    phase: Phase,
    frame: u64,
    offset: u64,
}

impl<B: FrameBuffer> Decoder<B> {
    /// A decoder with `config` that collects straddling headers in `buf`, which must hold
    /// [`Config::max_header_len`] bytes.
    pub fn new(config: Config, buf: B) -> Result<Self, ConfigError> {
        let headers = FrameFormat::new()
            .with_length(config.length)
            .with_max_frame_len(config.max_header_len);
        Ok(Self {
            headers: LengthDecoder::new(headers, buf)?,
            config,
            phase: Phase::Header,
            frame: 0,
            offset: 0,
        })
    }

    /// Decodes from `input` until one event is found or the input is used up. Call again with
    /// `&input[consumed..]` until it returns no event (an empty input still yields a pending
    /// [`Event::End`]).
    pub fn decode<'f, 'd: 'f, 'i: 'f>(
        &'d mut self,
        input: &'i [u8],
    ) -> Result<Decoded<'f>, DecodeError> {
        let Self {
            headers,
            config,
            phase,
            frame,
            offset,
        } = self;
        let (frame, offset) = (*frame, *offset);
        match *phase {
            Phase::Header => {
                let step = match headers.decode(input) {
                    Ok(step) => step,
                    Err(e) => {
                        let e = length_error(e, frame, offset);
                        *phase = Phase::Failed(e);
                        return Err(e);
                    }
                };
                let Some(LengthEvent::Frame(crate::Frame { payload: json, .. })) = step.event
                else {
                    // Nothing else can come from a buffered, rejecting decoder.
                    return Ok(Decoded {
                        consumed: step.consumed,
                        event: None,
                    });
                };
                let (json, total_size) = match config.inspect_text(json) {
                    Ok(found) => found,
                    Err(problem) => {
                        let e = DecodeError::InvalidHeader {
                            frame,
                            offset,
                            problem,
                        };
                        *phase = Phase::Failed(e);
                        return Err(e);
                    }
                };
                // Length prefix and JSON. Varints are read minimal only, so the prefix took
                // exactly the bytes that writing the JSON's length takes.
                let json_len = json.len() as u64;
                let mut prefix = [0u8; MAX_FIELD_LEN];
                let prefix_len = config.length.write(json_len, &mut prefix).unwrap_or(0);
                let header_len = prefix_len as u64 + json_len;
                *phase = if total_size == 0 {
                    Phase::BodyDone {
                        header_len,
                        total_size,
                    }
                } else {
                    Phase::Body {
                        header_len,
                        total_size,
                        remaining: total_size,
                    }
                };
                Ok(Decoded {
                    consumed: step.consumed,
                    event: Some(Event::Header(Header { json, total_size })),
                })
            }
            Phase::Body {
                header_len,
                total_size,
                remaining,
            } => {
                if input.is_empty() {
                    return Ok(Decoded {
                        consumed: 0,
                        event: None,
                    });
                }
                let take = remaining.min(input.len() as u64);
                let remaining = remaining - take;
                *phase = if remaining == 0 {
                    Phase::BodyDone {
                        header_len,
                        total_size,
                    }
                } else {
                    Phase::Body {
                        header_len,
                        total_size,
                        remaining,
                    }
                };
                // `take <= input.len()`.
                let take = take as usize;
                Ok(Decoded {
                    consumed: take,
                    event: Some(Event::BodyPiece(input.get(..take).unwrap_or(&[]))),
                })
            }
            Phase::BodyDone {
                header_len,
                total_size,
            } => {
                *phase = Phase::Header;
                self.frame = frame.wrapping_add(1);
                self.offset = offset.wrapping_add(header_len).wrapping_add(total_size);
                Ok(Decoded {
                    consumed: 0,
                    event: Some(Event::End),
                })
            }
            Phase::Failed(e) => Err(e),
        }
    }

    /// Decodes all of `input`, calling `on_event` for every event in order.
    pub fn decode_all<F>(&mut self, input: &[u8], mut on_event: F) -> Result<(), DecodeError>
    where
        F: FnMut(Event<'_>),
    {
        let mut input = input;
        loop {
            let step = self.decode(input)?;
            input = input.get(step.consumed..).unwrap_or(&[]);
            match step.event {
                Some(event) => {
                    // The loop's variant: each pass takes input, except a body's end, which
                    // leaves a boundary that only input can leave.
                    debug_assert!(step.consumed > 0 || matches!(event, Event::End));
                    on_event(event)
                }
                None => return Ok(()),
            }
        }
    }

    /// Says whether the stream may end here: `Ok(())` between frames, otherwise what is
    /// missing (prefix, header or body bytes of which frame) or the error the decoder failed
    /// with. Like [`LengthDecoder::finish`] it speaks about bytes: after a body's last piece it
    /// is `Ok` while [`Event::End`] is still to be taken (`decode(&[])` hands it out).
    pub fn finish(&self) -> Result<(), DecodeError> {
        let (frame, offset) = (self.frame, self.offset);
        match self.phase {
            Phase::Header => self
                .headers
                .finish()
                .map_err(|e| length_error(e, frame, offset)),
            Phase::Body {
                total_size,
                remaining,
                ..
            } => Err(DecodeError::TruncatedBody {
                frame,
                offset,
                total_size,
                missing: remaining,
            }),
            Phase::BodyDone { .. } => Ok(()),
            Phase::Failed(e) => Err(e),
        }
    }

    /// The transport reported end of stream: [`finish`](Self::finish), but a truncation also
    /// fails the decoder, so every later call returns the same error and a reader built on it
    /// never touches the transport again.
    pub fn end_stream(&mut self) -> Result<(), DecodeError> {
        let end = self.finish();
        if let Err(e) = end {
            self.phase = Phase::Failed(e);
        }
        end
    }

    /// Starts over on a new stream, keeping configuration and buffer.
    pub fn reset(&mut self) {
        self.headers.reset();
        self.phase = Phase::Header;
        self.frame = 0;
        self.offset = 0;
    }

    /// Whether the decoder sits between frames with nothing pending.
    pub fn is_idle(&self) -> bool {
        matches!(self.phase, Phase::Header) && self.headers.is_idle()
    }

    /// Whether the decoder has failed (see [`reset`](Self::reset)).
    pub fn is_failed(&self) -> bool {
        matches!(self.phase, Phase::Failed(_))
    }

    /// Whether a body is being delivered (between `Header` and `End`).
    pub fn in_body(&self) -> bool {
        matches!(self.phase, Phase::Body { .. } | Phase::BodyDone { .. })
    }

    /// Body bytes still to come in the current frame (0 outside a body).
    pub fn body_remaining(&self) -> u64 {
        match self.phase {
            Phase::Body { remaining, .. } => remaining,
            _ => 0,
        }
    }

    /// Frames completed so far.
    pub fn frames(&self) -> u64 {
        self.frame
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }
}

/// Maps an error of the inner length decoder (which sees only prefixes and headers) to the
/// frame and offset of the JSON stream.
fn length_error(e: LengthError, frame: u64, offset: u64) -> DecodeError {
    match e {
        LengthError::FrameTooLarge { len, max, .. } => DecodeError::HeaderTooLong {
            frame,
            offset,
            len,
            max,
        },
        LengthError::NegativeLength { value, .. } => DecodeError::NegativeHeaderLength {
            frame,
            offset,
            value,
        },
        LengthError::TruncatedPrefix { have, .. } => DecodeError::TruncatedLengthPrefix {
            frame,
            offset,
            have,
        },
        LengthError::TruncatedFrame { len, missing, .. } => DecodeError::TruncatedHeader {
            frame,
            offset,
            len,
            missing,
        },
        // Varint trouble; the header format has no adjustment, and the JSON decoder feeds its
        // length decoder through `decode` only, never `commit`.
        _ => DecodeError::MalformedLengthPrefix { frame, offset },
    }
}

/// A JSON header written by [`Encoder::encode_header`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct EncodedHeader {
    /// Bytes written: length prefix and JSON text. The body goes right after them.
    pub len: usize,
    /// The body size the header announces: write exactly this many body bytes next.
    pub total_size: u64,
}

/// Writes JSON-header frames: a user's serde header, serialized with serde-json-core, behind
/// its length prefix. The body is written by the caller as it streams, so the encoder never
/// needs it in memory.
///
/// ```
/// use unstick::json::{Config, Encoder};
///
/// #[derive(serde::Serialize)]
/// struct Upload<'a> { filename: &'a str, total_size: u64 }
///
/// let encoder = Encoder::new(Config::new());
/// let mut out = [0u8; 64];
/// let header = encoder.encode_header(&Upload { filename: "a.txt", total_size: 5 }, &mut out)?;
/// assert_eq!(&out[4..header.len], br#"{"filename":"a.txt","total_size":5}"#);
/// assert_eq!(header.total_size, 5); // now send 5 body bytes
///
/// let mut tiny = [0u8; 8];
/// let err = encoder.encode_header(&Upload { filename: "a.txt", total_size: 5 }, &mut tiny);
/// assert_eq!(err, Err(unstick::json::EncodeError::BufferTooSmall { required: 39, available: 8 }));
/// # Ok::<(), unstick::json::EncodeError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Encoder {
    config: Config,
}

impl Encoder {
    /// An encoder whose output a [`Decoder`] with the same `config` accepts.
    pub const fn new(config: Config) -> Self {
        Self { config }
    }

    /// The configuration.
    pub const fn config(&self) -> &Config {
        &self.config
    }

    /// Bytes [`encode_header`](Self::encode_header) writes for `header` (prefix + JSON).
    pub fn encoded_len<T: serde::Serialize + ?Sized>(
        &self,
        header: &T,
    ) -> Result<usize, EncodeError> {
        let (_, prefix_len, json_len) = self.prefix(header)?;
        Ok(prefix_len + json_len)
    }

    /// The length prefix for `header`'s JSON text: its bytes, its size, and the JSON's size.
    fn prefix<T: serde::Serialize + ?Sized>(
        &self,
        header: &T,
    ) -> Result<([u8; MAX_FIELD_LEN], usize, usize), EncodeError> {
        let json_len = count::json_len(header).map_err(|_| EncodeError::Unsupported)?;
        if json_len as u64 > self.config.max_header_len {
            return Err(EncodeError::HeaderTooLong {
                len: json_len,
                max: self.config.max_header_len,
            });
        }
        let field = self.config.length;
        let mut prefix = [0u8; MAX_FIELD_LEN];
        let prefix_len = field.write(json_len as u64, &mut prefix).map_err(|_| {
            EncodeError::LengthOverflowsPrefix {
                len: json_len as u64,
                max: field.max_value(),
            }
        })?;
        Ok((prefix, prefix_len, json_len))
    }

    /// Serializes `header` behind its length prefix at the front of `out`.
    ///
    /// The header is checked the way the decoder will check it (a JSON object with an unsigned
    /// `total_size` within the body limit); the returned [`EncodedHeader`] says how many body
    /// bytes must follow. If `out` is too small, [`EncodeError::BufferTooSmall`] gives the
    /// exact size and `out` is untouched; after other errors its contents are unspecified.
    pub fn encode_header<T: serde::Serialize + ?Sized>(
        &self,
        header: &T,
        out: &mut [u8],
    ) -> Result<EncodedHeader, EncodeError> {
        let (length, prefix_len, json_len) = self.prefix(header)?;
        let required = prefix_len + json_len;
        let available = out.len();
        let Some((prefix, json)) = out
            .get_mut(..required)
            .and_then(|frame| frame.split_at_mut_checked(prefix_len))
        else {
            return Err(EncodeError::BufferTooSmall {
                required,
                available,
            });
        };
        let written =
            serde_json_core::to_slice(header, json).map_err(|_| EncodeError::Unsupported)?;
        // The prefix was written for the counted length: the JSON must be exactly that long.
        if written != json_len {
            return Err(EncodeError::Unsupported);
        }
        let total_size = self
            .config
            .inspect(json)
            .map_err(EncodeError::InvalidHeader)?;
        crate::buffer::copy(prefix, length.get(..prefix_len).unwrap_or(&[]));
        Ok(EncodedHeader {
            len: required,
            total_size,
        })
    }
}
