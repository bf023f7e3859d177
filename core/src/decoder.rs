//! The length-frame decoder: bytes in, frames out, no I/O.

use core::ops::ControlFlow;

use crate::buffer::FrameBuffer;
use crate::error::{ConfigError, DecodeError};
use crate::field::{FixedInt, LengthField, Malformed, Partial, Read};
use crate::format::{Format, FrameFormat, Oversize};

/// A whole frame: its head and its payload, without the length field between them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Frame<'a> {
    /// The bytes before the length field ([`FrameFormat::head_len`] of them; none by default).
    pub head: &'a [u8],
    /// The bytes after the length field.
    pub payload: &'a [u8],
}

/// Something the decoder found in the stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[must_use]
pub enum Event<'a> {
    /// A whole frame. Borrowed from the input chunk when the frame lay inside it (zero-copy),
    /// otherwise from the decoder's buffer (the head may come from the buffer and the payload
    /// from the input).
    Frame(Frame<'a>),
    /// Streaming only: a frame longer than the buffer begins; `len` payload bytes follow as
    /// [`StreamPiece`](Event::StreamPiece)s.
    StreamStart {
        /// The frame's head.
        head: &'a [u8],
        /// The frame's payload length.
        len: u64,
    },
    /// Streaming only: the next piece of the current frame's payload, borrowed from the input
    /// (never copied). Pieces are never empty.
    StreamPiece(&'a [u8]),
    /// Streaming only: the current frame's last piece has been delivered.
    StreamEnd,
    /// With [`Oversize::Skip`]: an over-limit frame with a `len`-byte payload was discarded in
    /// full.
    Skipped {
        /// The discarded frame's payload length.
        len: u64,
    },
}

/// The result of one [`LengthDecoder::decode`] call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[must_use]
pub struct Decoded<'a> {
    /// How many input bytes were used. Pass the rest (`&input[consumed..]`) to the next call.
    pub consumed: usize,
    /// What was found, or `None` (httparse's `Partial`): every input byte was consumed and
    /// the decoder needs more input.
    pub event: Option<Event<'a>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Failure {
    TooLarge(u64),
    Malformed(Malformed),
    BelowAdjustment(u64),
    Overflow,
    /// The transport ended the stream here ([`LengthDecoder::end_stream`]).
    TruncatedPrefix {
        have: u8,
    },
    TruncatedFrame {
        len: u64,
        missing: u64,
    },
}

/// The largest payload a decoder handles: the top byte of a [`Span`] holds the prefix length.
const SPAN_MAX: u64 = crate::format::MAX_PAYLOAD_LEN;

/// A frame's payload length and its prefix (head and length field) length in one word, so the
/// state stays 24 bytes: a varint's size is known only once it has been read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Span(u64);

impl Span {
    /// `len <= SPAN_MAX` and `prefix <= MAX_PREFIX_LEN` (checked where a span is made).
    #[inline(always)]
    const fn new(len: u64, prefix: usize) -> Self {
        Self((len & SPAN_MAX) | ((prefix as u64) << 56))
    }
    #[inline(always)]
    const fn len(self) -> u64 {
        self.0 & SPAN_MAX
    }
    /// Bytes the frame takes on the wire.
    #[inline(always)]
    const fn total(self) -> u64 {
        self.len() + (self.0 >> 56)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// `have` bytes of the head are in the buffer. Every frame starts here.
    Head {
        have: u8,
    },
    /// The head is in the buffer; the length field is being read, at least one byte of it
    /// (before that the state stays `Head`, so `Head { have: 0 }` is the only boundary).
    Length {
        partial: Partial,
    },
    /// A payload that fits the buffer is being copied into it after the head.
    Buffering {
        span: Span,
        filled: usize,
    },
    /// A payload longer than the buffer is passing through as pieces.
    Streaming {
        span: Span,
        remaining: u64,
    },
    /// The last piece went out; [`Event::StreamEnd`] is next.
    StreamDone {
        span: Span,
    },
    /// An over-limit payload is being discarded.
    Skipping {
        span: Span,
        remaining: u64,
    },
    Failed(Failure),
}

const FRESH: State = State::Head { have: 0 };

/// What a complete length field leads to, before any payload byte.
enum Start {
    /// The payload is buffered, streamed or skipped next.
    Payload,
    /// A zero-length payload: the frame is complete.
    Empty,
    /// A streamed frame begins.
    Stream(u64),
}

/// What one step of the general path found; its bytes are found again by [`LengthDecoder::cook`].
/// Two words, so it comes back in registers.
#[derive(Clone, Copy)]
struct Step {
    consumed: usize,
    /// The kind in the top 3 bits, the payload, piece or announced length (at most
    /// [`SPAN_MAX`]) below.
    code: u64,
}

#[derive(Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
enum Kind {
    Partial,
    /// The payload is the `value` input bytes before `consumed`; the head is in the buffer.
    FrameInInput,
    /// Head and `value` payload bytes are in the buffer.
    FrameInBuffer,
    StreamStart,
    /// The piece is the `value` input bytes before `consumed`.
    StreamPiece,
    StreamEnd,
    Skipped,
    /// The decoder failed; its state says why.
    Failed,
}

impl Step {
    #[inline(always)]
    const fn new(consumed: usize, kind: Kind, value: u64) -> Self {
        Self {
            consumed,
            code: ((kind as u64) << 61) | (value & SPAN_MAX),
        }
    }

    #[inline(always)]
    fn kind(self) -> Kind {
        match self.code >> 61 {
            0 => Kind::Partial,
            1 => Kind::FrameInInput,
            2 => Kind::FrameInBuffer,
            3 => Kind::StreamStart,
            4 => Kind::StreamPiece,
            5 => Kind::StreamEnd,
            6 => Kind::Skipped,
            _ => Kind::Failed,
        }
    }

    #[inline(always)]
    const fn value(self) -> u64 {
        self.code & SPAN_MAX
    }
}

/// What counting bytes of a streamed or skipped payload completed.
enum Passed {
    Streamed,
    Skipped(u64),
    Pending,
}

/// A whole frame found at the start of an input by the fast path.
#[derive(Clone, Copy)]
struct WholeFrame<'i> {
    /// Where the payload starts (after head and length field).
    start: usize,
    payload: &'i [u8],
    /// The input after the frame.
    rest: &'i [u8],
}

impl WholeFrame<'_> {
    /// The frame's bytes on the wire.
    #[inline(always)]
    fn len(&self) -> usize {
        self.start + self.payload.len()
    }
}

/// The whole-frame fast path: a frame at the start of the input whose payload may be delivered
/// whole (at most `max_whole` bytes), read zero-copy.
#[derive(Clone, Copy)]
struct Whole {
    format: FrameFormat,
    max_whole: u64,
}

impl Whole {
    /// A whole frame whose field is read a byte at a time, out of line: inlined, its
    /// reader crowds the registers of every `decode` loop (the tutorials' 16-byte frames lost
    /// 5%).
    #[inline(never)]
    fn frame_bytewise<'i>(&self, input: &'i [u8]) -> Option<WholeFrame<'i>> {
        self.frame_by::<false>(input, |after| self.bytewise(after))
    }

    /// For the tutorials' shape (no head, an unsigned big-endian field, no adjustment), the
    /// shift that reads the field from an 8-byte load: the default path does no more work
    /// than before formats had heads and adjustments.
    #[inline(always)]
    fn plain(&self) -> Option<u32> {
        self.format.plain_width().map(|width| 64 - 8 * width as u32)
    }

    /// An unsigned big-endian field of `64 - shift` bits.
    #[inline(always)]
    fn big_unsigned(&self, shift: u32, after_head: &[u8]) -> Option<(u64, usize)> {
        match after_head.first_chunk::<8>() {
            Some(bytes) => Some((
                u64::from_be_bytes(*bytes) >> shift,
                ((64 - shift) / 8) as usize,
            )),
            None => self.bytewise(after_head),
        }
    }

    /// A fixed field: one 8-byte load where the input has 8 bytes after the head.
    #[inline(always)]
    fn fixed(&self, int: FixedInt, after_head: &[u8]) -> Option<(u64, usize)> {
        match after_head.first_chunk::<8>() {
            Some(bytes) => Some((int.read(bytes).ok()?, int.len())),
            None => self.bytewise(after_head),
        }
    }

    /// A LEB128 or MQTT varint: one and two-byte encodings (lengths below 16 KiB) directly,
    /// longer ones and a non-minimal `80 00` a byte at a time.
    #[inline(always)]
    fn base128(&self, after_head: &[u8]) -> Option<(u64, usize)> {
        match *after_head {
            [b0, ..] if b0 < 0x80 => Some((u64::from(b0), 1)),
            [b0, b1, ..] if b1 < 0x80 && b1 != 0 => {
                Some((u64::from(b0 & 0x7f) | (u64::from(b1) << 7), 2))
            }
            _ => self.bytewise(after_head),
        }
    }

    /// [`base128`](Self::base128) for a `decode` loop: a one-byte length (below 128) inline,
    /// longer ones through a call, so the loop keeps its registers.
    #[inline(always)]
    fn base128_one(&self, after_head: &[u8]) -> Option<(u64, usize)> {
        match *after_head {
            [b0, ..] if b0 < 0x80 => Some((u64::from(b0), 1)),
            _ => self.base128_longer(after_head),
        }
    }

    #[inline(never)]
    fn base128_longer(&self, after_head: &[u8]) -> Option<(u64, usize)> {
        self.base128(after_head)
    }

    /// A varint field: LEB128 and MQTT lengths of one or two bytes directly, the rest a byte
    /// at a time.
    #[inline(always)]
    fn varint(&self, after_head: &[u8]) -> Option<(u64, usize)> {
        match self.format.length() {
            LengthField::Leb128 | LengthField::MqttVbi => self.base128(after_head),
            _ => self.bytewise(after_head),
        }
    }

    /// Any field, a byte at a time.
    #[inline(always)]
    fn bytewise(&self, after_head: &[u8]) -> Option<(u64, usize)> {
        match self
            .format
            .length()
            .read(after_head, !self.format.non_minimal_lengths())
        {
            Read::Done(value, used) => Some((value, used)),
            _ => None,
        }
    }

    /// [`frame`](Self::frame) with the field read by `read`, so a run of frames can choose the
    /// reader once.
    #[inline(always)]
    fn frame_by<'i, const PLAIN: bool>(
        &self,
        input: &'i [u8],
        read: impl Fn(&[u8]) -> Option<(u64, usize)>,
    ) -> Option<WholeFrame<'i>> {
        let (start, len) = self.prefix_by::<PLAIN>(input, read)?;
        let body = input.get(start..)?;
        // One bounds check for payload and rest, so none is repeated where they are used.
        let (payload, rest) = body.split_at_checked(usize::try_from(len).ok()?)?;
        Some(WholeFrame {
            start,
            payload,
            rest,
        })
    }

    /// Where the payload of a frame that may be delivered whole starts, and its length, once
    /// its prefix lies at the start of `input` (the payload may not have arrived yet).
    #[inline(always)]
    fn prefix_by<const PLAIN: bool>(
        &self,
        input: &[u8],
        read: impl Fn(&[u8]) -> Option<(u64, usize)>,
    ) -> Option<(usize, u64)> {
        let h = if PLAIN { 0 } else { self.format.head_len() };
        let (value, used) = read(input.get(h..)?)?;
        let len = if PLAIN {
            value
        } else {
            self.format.payload_len(value)?
        };
        (len <= self.max_whole).then_some((h + used, len))
    }
}

/// Reassembles frames from byte chunks split anywhere.
///
/// Feed it whatever the transport produced, 1 byte or 1 MiB at a time, and call
/// [`decode`](Self::decode) until it returns no event. It never does I/O, never allocates
/// (except a `Vec<u8>` buffer growing with arrived bytes under the `alloc` feature) and never
/// panics.
///
/// ```
/// use unstick::{Event, FrameFormat, LengthDecoder};
///
/// let mut buf = [0u8; 64];
/// let mut decoder = LengthDecoder::new(FrameFormat::new().with_max_frame_len(64), &mut buf[..])?;
/// // "hi" and "there", glued and split in the wrong places, as TCP may deliver them.
/// let chunks: [&[u8]; 3] = [b"\0\0\0\x02h", b"i\0\0\0\x05th", b"ere"];
/// let mut frames = Vec::new();
/// for chunk in chunks {
///     let mut input = chunk;
///     loop {
///         let step = decoder.decode(input)?;
///         input = &input[step.consumed..];
///         match step.event {
///             Some(Event::Frame(frame)) => frames.push(frame.payload.to_vec()),
///             Some(other) => unreachable!("no streaming or skipping configured: {other:?}"),
///             None => break,
///         }
///     }
/// }
/// assert_eq!(frames, [b"hi".to_vec(), b"there".to_vec()]);
/// decoder.finish()?; // the stream ended on a frame boundary
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct LengthDecoder<B, F = FrameFormat> {
    format: F,
    /// Index of the frame being decoded.
    frame: u64,
    /// Stream offset of that frame's first byte.
    offset: u64,
    state: State,
    buf: B,
}

impl<B: FrameBuffer, F: Format> LengthDecoder<B, F> {
    /// A decoder for `format` that copies straddling frames (head, then payload) into `buf`.
    ///
    /// The buffer holds a frame's head and payload. Without streaming, every frame up to the
    /// maximum length must fit, so a buffer smaller than the head plus
    /// [`FrameFormat::max_payload_len`] is refused here rather than at the first large frame;
    /// with streaming it must still hold the head.
    pub fn new(format: F, buf: B) -> Result<Self, ConfigError> {
        let f = format.format();
        f.check()?;
        let capacity = buf.capacity();
        let head_len = f.head_len();
        let room = capacity.checked_sub(head_len);
        let short = match room {
            None => true,
            Some(room) => !f.streaming() && (room as u64) < f.max_payload_len(),
        };
        if short {
            return Err(ConfigError::BufferTooSmall {
                capacity,
                head_len,
                max_frame_len: if f.streaming() {
                    0
                } else {
                    f.max_payload_len()
                },
            });
        }
        Ok(Self {
            format,
            frame: 0,
            offset: 0,
            state: FRESH,
            buf,
        })
    }

    /// Decodes from `input` until one event is found or the input is used up.
    ///
    /// Call it again with `&input[consumed..]` until it returns `event: None`; an empty input is
    /// fine and still yields pending events ([`Event::StreamEnd`]). A frame borrowed from the
    /// decoder's buffer lives until the next call.
    ///
    /// After an error the decoder is failed: it returns the same error until
    /// [`reset`](Self::reset).
    #[inline(always)]
    pub fn decode<'a>(&'a mut self, input: &'a [u8]) -> Result<Decoded<'a>, DecodeError> {
        if let Some((consumed, event)) = self.next_whole(input) {
            return Ok(Decoded {
                consumed,
                event: Some(event),
            });
        }
        self.decode_slow(input)
    }

    /// The common case, kept small enough to inline: on a frame boundary, a whole frame at the
    /// start of the input, zero-copy. Its bytes and the event.
    #[inline(always)]
    fn next_whole<'i>(&mut self, input: &'i [u8]) -> Option<(usize, Event<'i>)> {
        if !matches!(self.state, State::Head { have: 0 }) {
            return None;
        }
        let format = self.fmt();
        let (head, frame) = match format.plain_width() {
            // The tutorials' shape: no head to keep room for, nothing to adjust.
            Some(width) => {
                let whole = Whole {
                    format,
                    max_whole: format.max_frame_len().min(self.buf.capacity() as u64),
                };
                let shift = 64 - 8 * width as u32;
                let frame = whole.frame_by::<true>(input, |a| whole.big_unsigned(shift, a))?;
                // A constant empty head is stored whole; a slice of the input would be two
                // stores that the caller reads back as one (a store-forwarding stall on x86).
                (&[][..], frame)
            }
            None => {
                let whole = Whole {
                    format,
                    max_whole: self.max_whole(),
                };
                let frame = match format.length() {
                    LengthField::Fixed(int) => {
                        whole.frame_by::<false>(input, |after| whole.fixed(int, after))?
                    }
                    LengthField::Leb128 | LengthField::MqttVbi => {
                        whole.frame_by::<false>(input, |after| whole.base128_one(after))?
                    }
                    LengthField::QuicVarint => whole.frame_bytewise(input)?,
                };
                (input.get(..format.head_len())?, frame)
            }
        };
        let end = frame.len();
        self.frame_done(end as u64);
        Some((
            end,
            Event::Frame(Frame {
                head,
                payload: frame.payload,
            }),
        ))
    }

    /// The general path: one step, as a result the caller turns into a [`Decoded`].
    #[inline(always)]
    fn decode_slow<'a>(&'a mut self, input: &'a [u8]) -> Result<Decoded<'a>, DecodeError> {
        // On a boundary or buffering, an empty input completes nothing (a call at every
        // chunk's end).
        if input.is_empty() && matches!(self.state, State::Head { .. } | State::Buffering { .. }) {
            return Ok(partial(0));
        }
        let step = self.step(input);
        self.cook(step, input)
    }

    /// Builds the [`Decoded`] a [`Step`] describes, its bytes from `input` or the buffer.
    #[inline(always)]
    fn cook<'a>(&'a self, step: Step, input: &'a [u8]) -> Result<Decoded<'a>, DecodeError> {
        let consumed = step.consumed;
        let n = step.value() as usize;
        let h = self.fmt().head_len();
        let event = match step.kind() {
            Kind::Partial => None,
            Kind::FrameInInput => Some(Event::Frame(Frame {
                head: self.buf.stored(h),
                payload: input.get(consumed - n..consumed).unwrap_or(&[]),
            })),
            Kind::FrameInBuffer => Some(Event::Frame(self.buffered_frame(n))),
            Kind::StreamStart => Some(Event::StreamStart {
                head: self.buf.stored(h),
                len: step.value(),
            }),
            Kind::StreamPiece => Some(Event::StreamPiece(
                input.get(consumed - n..consumed).unwrap_or(&[]),
            )),
            Kind::StreamEnd => Some(Event::StreamEnd),
            Kind::Skipped => Some(Event::Skipped { len: step.value() }),
            Kind::Failed => {
                return Err(match self.state {
                    State::Failed(failure) => self.error(failure),
                    // `step` reports failure only after `fail`.
                    _ => self.error(Failure::Overflow),
                });
            }
        };
        Ok(Decoded { consumed, event })
    }

    /// A frame of `len` payload bytes in the buffer, after its head.
    fn buffered_frame(&self, len: usize) -> Frame<'_> {
        let h = self.fmt().head_len();
        let (head, payload) = self
            .buf
            .stored(h + len)
            .split_at_checked(h)
            .unwrap_or((&[], &[]));
        Frame { head, payload }
    }

    /// One step of the general path: where the input's bytes go, what they complete. Returned
    /// in two registers, not memory, so the fast path's frame and this step's event meet in
    /// registers (a merged in-memory result cost a store-forwarding stall per frame).
    #[inline(never)]
    fn step(&mut self, input: &[u8]) -> Step {
        let h = self.fmt().head_len();
        let mut consumed = 0usize;
        // At most two passes: the prefix states return unless the payload started, and then
        // the state is a payload state, whose arms all return.
        loop {
            let rest = input.get(consumed..).unwrap_or(&[]);
            match self.state {
                State::Head { .. } | State::Length { .. } => {
                    if let State::Head { have } = self.state
                        && usize::from(have) < h
                    {
                        let have = usize::from(have);
                        let take = (h - have).min(rest.len());
                        if let Some(src) = rest.get(..take) {
                            self.buf.store_at(have, src);
                        }
                        consumed += take;
                        self.state = State::Head {
                            have: (have + take) as u8,
                        };
                    }
                    // A head still incomplete took all of the input: no field byte is left, and
                    // `take_field` of nothing changes nothing.
                    let rest = input.get(consumed..).unwrap_or(&[]);
                    let Ok((used, start)) = self.take_field(rest) else {
                        return Step::new(consumed, Kind::Failed, 0);
                    };
                    consumed += used;
                    match start {
                        None => return Step::new(consumed, Kind::Partial, 0),
                        Some(Start::Payload) => {}
                        Some(Start::Empty) => return self.fill(consumed, 0),
                        Some(Start::Stream(len)) => {
                            return Step::new(consumed, Kind::StreamStart, len);
                        }
                    }
                }
                State::Buffering { span, filled } => {
                    // Fits the buffer, hence a usize.
                    let len = span.len() as usize;
                    if filled == 0 && len <= rest.len() {
                        // The prefix straddled but the payload lies inside this chunk.
                        self.state = FRESH;
                        self.frame_done(span.total());
                        return Step::new(consumed + len, Kind::FrameInInput, len as u64);
                    }
                    let take = (len - filled).min(rest.len());
                    if let Some(src) = rest.get(..take) {
                        self.buf.store_at(h + filled, src);
                    }
                    return self.fill(consumed + take, take);
                }
                State::Streaming { remaining, .. } | State::Skipping { remaining, .. } => {
                    if rest.is_empty() {
                        return Step::new(consumed, Kind::Partial, 0);
                    }
                    // `min` with the input's length fits a usize.
                    let take = remaining.min(rest.len() as u64) as usize;
                    consumed += take;
                    return match self.pass(take) {
                        Passed::Streamed => Step::new(consumed, Kind::StreamPiece, take as u64),
                        Passed::Skipped(len) => Step::new(consumed, Kind::Skipped, len),
                        Passed::Pending => Step::new(consumed, Kind::Partial, 0),
                    };
                }
                State::StreamDone { span } => {
                    self.state = FRESH;
                    self.frame_done(span.total());
                    return Step::new(consumed, Kind::StreamEnd, 0);
                }
                State::Failed(_) => return Step::new(consumed, Kind::Failed, 0),
            }
        }
    }

    /// Feeds length-field bytes: how many it took, and once the field is complete, what it
    /// leads to. Called once the head is whole, or with no bytes.
    fn take_field(&mut self, bytes: &[u8]) -> Result<(usize, Option<Start>), DecodeError> {
        let format = self.fmt();
        debug_assert!(
            bytes.is_empty()
                || !matches!(self.state, State::Head { have } if usize::from(have) < format.head_len())
        );
        // A whole head and no field byte yet is `Head { have: head_len }`.
        let mut partial = match self.state {
            State::Length { partial } => partial,
            State::Head { .. } => Partial::NEW,
            _ => return Ok((0, None)),
        };
        let field = format.length();
        let minimal = !format.non_minimal_lengths();
        // The whole field in `bytes`: read it at once.
        if partial.have == 0 {
            match field.read(bytes, minimal) {
                Read::Done(value, used) => {
                    return Ok((used, Some(self.start_payload(value, used)?)));
                }
                Read::Bad(bad) => return Err(self.fail(Failure::Malformed(bad))),
                Read::More => {}
            }
        }
        for (i, &byte) in bytes.iter().enumerate() {
            match field.push(&mut partial, byte, minimal) {
                Read::More => {}
                Read::Bad(bad) => return Err(self.fail(Failure::Malformed(bad))),
                Read::Done(value, used) => {
                    return Ok((i + 1, Some(self.start_payload(value, used)?)));
                }
            }
        }
        // No byte taken leaves the state as it was: a frame boundary stays `Head { have: 0 }`,
        // where the fast paths look for it.
        if partial.have > 0 {
            self.state = State::Length { partial };
        }
        Ok((bytes.len(), None))
    }

    /// A complete length field of `used` bytes carrying `value`: checks it and sets up the
    /// payload. Every check happens here, before a payload byte is buffered.
    fn start_payload(&mut self, value: u64, used: usize) -> Result<Start, DecodeError> {
        let h = self.fmt().head_len();
        let Some(len) = self.fmt().payload_len(value) else {
            let failure = if self.fmt().adjustment() < 0 {
                Failure::BelowAdjustment(value)
            } else {
                Failure::Overflow
            };
            return Err(self.fail(failure));
        };
        let span = Span::new(len, h + used);
        if len > self.limit() {
            if self.fmt().oversize() == Oversize::Reject || len > SPAN_MAX {
                return Err(self.fail(Failure::TooLarge(len)));
            }
            self.state = State::Skipping {
                span,
                remaining: len,
            };
            return Ok(Start::Payload);
        }
        if len == 0 {
            self.state = State::Buffering { span, filled: 0 };
            return Ok(Start::Empty);
        }
        // The head is already in the buffer.
        let room = self.buf.capacity().saturating_sub(h) as u64;
        if len <= room {
            self.state = State::Buffering { span, filled: 0 };
            return Ok(Start::Payload);
        }
        self.state = State::Streaming {
            span,
            remaining: len,
        };
        Ok(Start::Stream(len))
    }

    /// `n` more payload bytes are in the buffer: the frame if that completes it.
    fn fill(&mut self, consumed: usize, n: usize) -> Step {
        let State::Buffering { span, filled } = self.state else {
            return Step::new(consumed, Kind::Partial, 0);
        };
        let filled = filled + n;
        // Fits the buffer, hence a usize.
        let len = span.len() as usize;
        if filled < len {
            self.state = State::Buffering { span, filled };
            return Step::new(consumed, Kind::Partial, 0);
        }
        self.state = FRESH;
        self.frame_done(span.total());
        Step::new(consumed, Kind::FrameInBuffer, len as u64)
    }

    /// Counts `n` payload bytes of a streamed or skipped frame.
    fn pass(&mut self, n: usize) -> Passed {
        match self.state {
            State::Streaming { span, remaining } => {
                let remaining = remaining.saturating_sub(n as u64);
                self.state = if remaining == 0 {
                    State::StreamDone { span }
                } else {
                    State::Streaming { span, remaining }
                };
                Passed::Streamed
            }
            State::Skipping { span, remaining } => {
                let remaining = remaining.saturating_sub(n as u64);
                if remaining > 0 {
                    self.state = State::Skipping { span, remaining };
                    return Passed::Pending;
                }
                self.state = FRESH;
                self.frame_done(span.total());
                Passed::Skipped(span.len())
            }
            _ => Passed::Pending,
        }
    }

    /// Like [`decode`](Self::decode), but never copies a frame into the buffer: when the next
    /// frame is not complete in `input`, it returns `event: None` *without consuming it*, so
    /// the caller can offer the same bytes again with more appended. Frames always come out as
    /// slices of `input`, ending at `consumed`.
    ///
    /// This suits callers that keep their own growing buffer (a tokio `BytesMut`): they split
    /// frames off it without a copy. Oversize frames are still skipped or refused, and frames
    /// over the buffer still stream, exactly as with `decode`. `consumed` bytes (a frame, or
    /// skipped or streamed bytes) may be dropped by the caller. Do not mix with `decode` in the
    /// middle of a frame.
    #[inline]
    pub fn decode_whole<'a>(&'a mut self, input: &'a [u8]) -> Result<Decoded<'a>, DecodeError> {
        if let Some((consumed, event)) = self.next_whole(input) {
            return Ok(Decoded {
                consumed,
                event: Some(event),
            });
        }
        if matches!(self.state, State::Head { have: 0 }) {
            let h = self.fmt().head_len();
            let field = self.fmt().length();
            let Some(after_head) = input.get(h..) else {
                return Ok(partial(0));
            };
            match field.read(after_head, !self.fmt().non_minimal_lengths()) {
                Read::More => return Ok(partial(0)),
                // A whole frame that has not all arrived: wait for it without buffering.
                Read::Done(value, _)
                    if self
                        .fmt()
                        .payload_len(value)
                        .is_some_and(|len| len <= self.max_whole()) =>
                {
                    return Ok(partial(0));
                }
                // A frame that fails, skips or streams: the general path handles it without
                // buffering a whole frame.
                _ => {}
            }
        }
        self.decode_slow(input)
    }

    /// Where the next bytes of the stream should be read to, for transports that read into a
    /// buffer they are given (a UART driver, DMA, `embedded_io::Read`): the rest of the head,
    /// the next bytes of the length field (one at a time for LEB128 and MQTT varints, which say
    /// where they end only as they are read, so no payload byte is read with them), the rest of
    /// a frame being buffered, or (when streaming or skipping) a region of the buffer for the
    /// next piece. Read into it, then call [`commit`](Self::commit) with the count. Frames are
    /// then never copied at all.
    ///
    /// Empty when the next step needs no input (call `commit(0)`: a pending
    /// [`Event::StreamEnd`], or the failure), or when the buffer has no room after the head
    /// for the length field or a streamed piece (use [`decode`](Self::decode) with your own
    /// buffer then). A growable `Vec` buffer grows by at most 64 KiB past what it already holds
    /// per call, never by an announced length; where it already has room (from earlier
    /// frames), the spare region reaches to the end of the frame.
    pub fn spare(&mut self) -> &mut [u8] {
        let (at, end) = self.spare_range();
        self.buf.space(at, end)
    }

    /// Where [`spare`](Self::spare) points in the buffer: after the head, the length field's
    /// next bytes go where the payload will (they are taken as they are committed).
    fn spare_range(&self) -> (usize, usize) {
        const GROW_STEP: usize = 64 * 1024;
        let h = self.fmt().head_len();
        match self.state {
            State::Head { have } if usize::from(have) < h => (usize::from(have), h),
            State::Head { .. } | State::Length { .. } => {
                let partial = match self.state {
                    State::Length { partial } => partial,
                    _ => Partial::NEW,
                };
                let next = self.fmt().length().next_read(&partial);
                let room = self.buf.capacity().saturating_sub(h);
                (h, h + next.min(room))
            }
            // Up to the end of the frame where the buffer already has room; a growable buffer
            // grows by at most one step past that.
            State::Buffering { span, filled } => {
                let len = span.len() as usize;
                let reach = filled
                    .saturating_add(GROW_STEP)
                    .max(self.buf.room().saturating_sub(h));
                (h + filled, h + len.min(reach))
            }
            State::Streaming { remaining, .. } | State::Skipping { remaining, .. } => {
                let cap = self.buf.capacity().min(GROW_STEP) as u64;
                // `min` with a usize capacity fits a usize.
                (0, remaining.min(cap) as usize)
            }
            State::StreamDone { .. } | State::Failed(_) => (0, 0),
        }
    }

    /// Takes `n` bytes that were read into [`spare`](Self::spare) and returns what they
    /// completed: a frame (always from the buffer: its bytes are also
    /// [`stored`](Self::stored)), a stream event, a skip report, or no event yet.
    ///
    /// `n` must not exceed the spare region: more than `spare().len()`, or bytes committed to a
    /// growable buffer that `spare` never grew, is [`DecodeError::CommitPastSpare`] and changes
    /// nothing, so a frame never comes out shorter than its length field announced.
    pub fn commit(&mut self, n: usize) -> Result<Decoded<'_>, DecodeError> {
        // Bytes count only where the buffer holds them.
        let (at, end) = self.spare_range();
        let reach = end.min(self.buf.room());
        let spare = reach.saturating_sub(at);
        if n > spare && !self.is_failed() {
            return Err(DecodeError::CommitPastSpare {
                frame: self.frame,
                offset: self.offset,
                committed: n as u64,
                spare: spare as u64,
            });
        }
        let h = self.fmt().head_len();
        match self.state {
            State::Head { have } if usize::from(have) < h => {
                self.state = State::Head {
                    have: (usize::from(have) + n) as u8,
                };
                Ok(partial(n))
            }
            State::Head { .. } | State::Length { .. } => {
                // Byte by byte from where `spare` put them: no copy of the field.
                let mut start = None;
                for at in h..h + n {
                    let byte = self.buf.stored(at + 1).get(at).copied().unwrap_or(0);
                    if let (_, Some(next)) = self.take_field(&[byte])? {
                        start = Some(next);
                        break;
                    }
                }
                match start {
                    None | Some(Start::Payload) => Ok(partial(n)),
                    Some(Start::Empty) => {
                        let step = self.fill(n, 0);
                        self.cook(step, &[])
                    }
                    Some(Start::Stream(len)) => Ok(Decoded {
                        consumed: n,
                        event: Some(Event::StreamStart {
                            head: self.buf.stored(h),
                            len,
                        }),
                    }),
                }
            }
            State::Buffering { .. } => {
                let step = self.fill(n, n);
                self.cook(step, &[])
            }
            State::Streaming { .. } | State::Skipping { .. } if n > 0 => match self.pass(n) {
                Passed::Streamed => Ok(Decoded {
                    consumed: n,
                    event: Some(Event::StreamPiece(self.buf.stored(n))),
                }),
                Passed::Skipped(len) => Ok(Decoded {
                    consumed: n,
                    event: Some(Event::Skipped { len }),
                }),
                Passed::Pending => Ok(partial(n)),
            },
            State::Streaming { .. } | State::Skipping { .. } => Ok(partial(0)),
            State::StreamDone { .. } | State::Failed(_) => self.decode_slow(&[]),
        }
    }

    /// The first `len` bytes of the buffer: after [`commit`](Self::commit) returned a stream
    /// piece of `len` bytes, those bytes (until the next `spare` or `decode`). A buffered frame
    /// is its head followed by its payload.
    pub fn stored(&self, len: usize) -> &[u8] {
        self.buf.stored(len)
    }

    /// Decodes all of `input`, calling `on_event` for every event, in order.
    ///
    /// The same as calling [`decode`](Self::decode) in a loop; handy when the caller does not
    /// need to stop between events (see [`decode_until`](Self::decode_until) for one that can).
    pub fn decode_all<E>(&mut self, input: &[u8], mut on_event: E) -> Result<(), DecodeError>
    where
        E: FnMut(Event<'_>),
    {
        self.decode_until(input, |event, _| {
            on_event(event);
            ControlFlow::Continue(())
        })
        .map(|_| ())
    }

    /// Decodes `input` like [`decode_all`](Self::decode_all) until `on_event` returns
    /// [`ControlFlow::Break`], and returns how many bytes of `input` it used: all of them unless
    /// `on_event` stopped it. `on_event` gets each event with the bytes of `input` its step
    /// used. Bytes of a frame that `input` ends inside are used without an event (kept in the
    /// decoder's buffer, or passed over when the frame is skipped), so the return value may
    /// exceed the events' sum. On an error the decoder has failed and nothing more of `input`
    /// will be read; the events' counts say how far it got.
    ///
    /// For a caller that takes events in batches (an output queue with room for so many, a
    /// fair share of frames per connection) at the speed of `decode_all`, which hands out
    /// back-to-back whole frames without a step per frame.
    ///
    /// ```
    /// use core::ops::ControlFlow;
    /// use unstick::{Event, FrameFormat, LengthDecoder};
    ///
    /// let mut buf = [0u8; 64];
    /// let mut decoder = LengthDecoder::new(FrameFormat::new().with_max_frame_len(64), &mut buf[..])?;
    /// let wire = b"\0\0\0\x02hi\0\0\0\x03you\0\0\0\x01!";
    /// // Room for two frames: the third waits for the next call.
    /// let mut queue = Vec::new();
    /// let used = decoder.decode_until(wire, |event, _| {
    ///     if let Event::Frame(frame) = event {
    ///         queue.push(frame.payload.to_vec());
    ///     }
    ///     if queue.len() == 2 { ControlFlow::Break(()) } else { ControlFlow::Continue(()) }
    /// })?;
    /// assert_eq!(queue, [b"hi".to_vec(), b"you".to_vec()]);
    /// assert_eq!(&wire[used..], b"\0\0\0\x01!");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[inline(always)]
    pub fn decode_until<E>(&mut self, input: &[u8], mut on_event: E) -> Result<usize, DecodeError>
    where
        E: FnMut(Event<'_>, usize) -> ControlFlow<()>,
    {
        let all = input.len();
        let mut input = input;
        loop {
            // The rest of a frame buffered from earlier chunks.
            if let State::Buffering { span, filled } = self.state
                && filled > 0
            {
                // Fits the buffer, hence a usize.
                let take = (span.len() as usize - filled).min(input.len());
                let (src, rest) = input.split_at_checked(take).unwrap_or((input, &[]));
                self.buf.store_at(self.fmt().head_len() + filled, src);
                input = rest;
                match self.fill(take, take).kind() {
                    Kind::FrameInBuffer => {
                        let frame = self.buffered_frame(span.len() as usize);
                        if on_event(Event::Frame(frame), take).is_break() {
                            return Ok(all - input.len());
                        }
                    }
                    // Still incomplete: all of the input went into it.
                    _ => return Ok(all),
                }
            }
            if matches!(self.state, State::Head { have: 0 }) {
                let whole = Whole {
                    format: self.fmt(),
                    max_whole: self.max_whole(),
                };
                // The field's reader is chosen once for the run.
                let run = match (whole.plain(), whole.format.length()) {
                    (Some(shift), _) => self.whole_run::<true, _>(input, &mut on_event, |a| {
                        whole.big_unsigned(shift, a)
                    }),
                    (None, LengthField::Fixed(int)) => {
                        self.whole_run::<false, _>(input, &mut on_event, |a| whole.fixed(int, a))
                    }
                    _ => self.whole_run::<false, _>(input, &mut on_event, |a| whole.varint(a)),
                };
                input = match run {
                    ControlFlow::Continue(rest) => rest,
                    ControlFlow::Break(rest) => return Ok(all - rest.len()),
                };
            }
            let step = self.decode_slow(input)?;
            input = input.get(step.consumed..).unwrap_or(&[]);
            match step.event {
                Some(event) => {
                    // The loop's variant: each pass takes input, except the end of a streamed
                    // frame, which leaves a boundary that only input can leave.
                    debug_assert!(step.consumed > 0 || matches!(event, Event::StreamEnd));
                    if on_event(event, step.consumed).is_break() {
                        return Ok(all - input.len());
                    }
                }
                // No event: all of the input was taken.
                None => return Ok(all),
            }
        }
    }

    /// Whole frames back to back from the start of `input`; returns what is left, as a break
    /// when `on_event` asked for one. The format is read and the counters kept in registers
    /// once for the run, not per frame.
    #[inline(always)]
    fn whole_run<'i, const PLAIN: bool, E>(
        &mut self,
        mut input: &'i [u8],
        on_event: &mut E,
        read: impl Fn(&[u8]) -> Option<(u64, usize)>,
    ) -> ControlFlow<&'i [u8], &'i [u8]>
    where
        E: FnMut(Event<'_>, usize) -> ControlFlow<()>,
    {
        let whole = Whole {
            format: self.fmt(),
            max_whole: self.max_whole(),
        };
        let h = if PLAIN { 0 } else { whole.format.head_len() };
        let (mut frames, mut bytes) = (0u64, 0u64);
        let mut stop = false;
        while let Some(frame) = whole.frame_by::<PLAIN>(input, &read) {
            let head = if h == 0 {
                &[][..]
            } else {
                input.get(..h).unwrap_or(&[])
            };
            let len = frame.len();
            stop = on_event(
                Event::Frame(Frame {
                    head,
                    payload: frame.payload,
                }),
                len,
            )
            .is_break();
            // Every frame takes its length field at least, so the run ends.
            debug_assert!(frame.rest.len() < input.len());
            input = frame.rest;
            frames += 1;
            bytes += len as u64;
            if stop {
                break;
            }
        }
        self.frame = self.frame.wrapping_add(frames);
        self.offset = self.offset.wrapping_add(bytes);
        if stop {
            return ControlFlow::Break(input);
        }
        // A frame that starts here and ends in a later chunk (`frame_by` found no whole frame
        // where `prefix_by` finds a prefix: its payload is longer than the input's rest):
        // buffer what is here.
        if let Some((start, len)) = whole.prefix_by::<PLAIN>(input, &read)
            && let Some((head, body)) = input.split_at_checked(start)
        {
            debug_assert!((body.len() as u64) < len);
            self.buf.store_at(0, head.get(..h).unwrap_or(&[]));
            self.buf.store_at(h, body);
            self.state = State::Buffering {
                span: Span::new(len, start),
                filled: body.len(),
            };
            return ControlFlow::Continue(&[]);
        }
        ControlFlow::Continue(input)
    }

    /// Says whether the stream may end here: `Ok(())` on a frame boundary, otherwise the
    /// truncation (which frame, how many bytes missing) or the error the decoder failed with.
    ///
    /// Call it when the transport reports end of stream. It does not change the decoder (see
    /// [`end_stream`](Self::end_stream) for one that stays failed). It speaks about bytes: after
    /// a streamed frame's last piece every byte has arrived, so it is `Ok` even while that
    /// frame's [`Event::StreamEnd`] (which carries no bytes) is still to be taken; a decode loop
    /// that runs until `event: None` always takes it, and `decode(&[])` hands it out.
    pub fn finish(&self) -> Result<(), DecodeError> {
        match (self.state, self.truncation()) {
            (State::Failed(failure), _) | (_, Some(failure)) => Err(self.error(failure)),
            _ => Ok(()),
        }
    }

    /// The transport reported end of stream: [`finish`](Self::finish), but a truncation also
    /// fails the decoder, so every later call (`decode`, `commit`, `finish`) returns the same
    /// error and a reader built on it never touches the transport again.
    pub fn end_stream(&mut self) -> Result<(), DecodeError> {
        match self.truncation() {
            Some(failure) => Err(self.fail(failure)),
            None => self.finish(),
        }
    }

    /// What is missing if the stream ends here: `None` on a frame boundary or once failed.
    fn truncation(&self) -> Option<Failure> {
        let h = self.fmt().head_len();
        match self.state {
            State::Head { have: 0 } | State::StreamDone { .. } | State::Failed(_) => None,
            State::Head { have } => Some(Failure::TruncatedPrefix { have }),
            State::Length { partial } => Some(Failure::TruncatedPrefix {
                have: (h + usize::from(partial.have)) as u8,
            }),
            State::Buffering { span, filled } => Some(Failure::TruncatedFrame {
                len: span.len(),
                missing: span.len() - filled as u64,
            }),
            State::Streaming { span, remaining } | State::Skipping { span, remaining } => {
                Some(Failure::TruncatedFrame {
                    len: span.len(),
                    missing: remaining,
                })
            }
        }
    }

    /// Forgets everything about the stream so far (a partial frame, a failure, the frame and
    /// byte counters) and starts over, keeping the format and the buffer.
    pub fn reset(&mut self) {
        self.state = FRESH;
        self.frame = 0;
        self.offset = 0;
    }

    /// How many more bytes the frame in progress needs at least: the rest of its head and
    /// length field while those are read (a varint counts as one more byte until it ends),
    /// else the rest of its payload (buffered, streamed or skipped). 0 on a frame boundary,
    /// after the last streamed piece, and once failed.
    ///
    /// A reader with its own buffer can use it to read a large rest straight into
    /// [`spare`](Self::spare) instead of copying it through that buffer.
    pub fn missing(&self) -> u64 {
        let h = self.fmt().head_len();
        let field = self.fmt().length();
        let missing = match self.state {
            State::Head { have: 0 } | State::StreamDone { .. } | State::Failed(_) => 0,
            State::Head { have } => {
                h.saturating_sub(usize::from(have)) + field.next_read(&Partial::NEW)
            }
            State::Length { partial } => field.next_read(&partial),
            State::Buffering { span, filled } => return span.len() - filled as u64,
            State::Streaming { remaining, .. } | State::Skipping { remaining, .. } => {
                return remaining;
            }
        };
        missing as u64
    }

    /// Whether the decoder sits on a frame boundary with nothing pending.
    pub fn is_idle(&self) -> bool {
        matches!(self.state, State::Head { have: 0 })
    }

    /// Whether the decoder has failed (see [`reset`](Self::reset)).
    pub fn is_failed(&self) -> bool {
        matches!(self.state, State::Failed(_))
    }

    /// Frames completed so far (delivered whole, streamed to the end, or skipped); also the
    /// index of the frame being decoded.
    pub fn frames(&self) -> u64 {
        self.frame
    }

    /// Stream offset of the current frame's first byte: bytes of completed frames so far.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// The format.
    #[inline(always)]
    pub fn format(&self) -> FrameFormat {
        self.format.format()
    }

    /// The format as given: a [`FrameFormat`], or a type that fixes one at compile time.
    pub fn format_source(&self) -> &F {
        &self.format
    }

    #[inline(always)]
    fn fmt(&self) -> FrameFormat {
        self.format.format()
    }

    /// The buffer. After an [`Event::Frame`] that was not zero-copy, it starts with that frame's
    /// head and payload, until the next [`decode`](Self::decode).
    pub fn buffer(&self) -> &B {
        &self.buf
    }

    /// Returns the buffer, dropping the decoder.
    pub fn into_buffer(self) -> B {
        self.buf
    }

    /// The maximum frame length, and never more than a span holds.
    #[inline(always)]
    fn limit(&self) -> u64 {
        // At most `SPAN_MAX` by construction.
        self.fmt().max_frame_len()
    }

    /// Payloads up to this length are delivered whole; longer ones stream, skip or fail.
    #[inline(always)]
    fn max_whole(&self) -> u64 {
        let room = self.buf.capacity().saturating_sub(self.fmt().head_len());
        self.limit().min(room as u64)
    }

    #[inline(always)]
    fn frame_done(&mut self, frame_bytes: u64) {
        // A u64 of stream bytes does not wrap in practice; wrapping keeps the hot path branch-free.
        self.frame = self.frame.wrapping_add(1);
        self.offset = self.offset.wrapping_add(frame_bytes);
    }

    #[cold]
    fn fail(&mut self, failure: Failure) -> DecodeError {
        self.state = State::Failed(failure);
        self.error(failure)
    }

    fn error(&self, failure: Failure) -> DecodeError {
        let (frame, offset) = (self.frame, self.offset);
        match failure {
            Failure::TooLarge(len) => DecodeError::FrameTooLarge {
                frame,
                offset,
                len,
                max: self.limit(),
            },
            Failure::Malformed(Malformed::Negative(value)) => DecodeError::NegativeLength {
                frame,
                offset,
                value,
            },
            Failure::Malformed(Malformed::Overlong) => DecodeError::OverlongLength {
                frame,
                offset,
                max_bytes: self.fmt().length().max_len() as u8,
            },
            Failure::Malformed(Malformed::NonMinimal) => {
                DecodeError::NonMinimalLength { frame, offset }
            }
            Failure::Malformed(Malformed::Overflow) | Failure::Overflow => {
                DecodeError::LengthOverflow { frame, offset }
            }
            Failure::BelowAdjustment(value) => DecodeError::LengthBelowAdjustment {
                frame,
                offset,
                value,
                adjustment: self.fmt().adjustment(),
            },
            Failure::TruncatedPrefix { have } => DecodeError::TruncatedPrefix {
                frame,
                offset,
                have,
            },
            Failure::TruncatedFrame { len, missing } => DecodeError::TruncatedFrame {
                frame,
                offset,
                len,
                missing,
            },
        }
    }
}

#[inline(always)]
fn partial<'a>(consumed: usize) -> Decoded<'a> {
    Decoded {
        consumed,
        event: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_varints_read_directly_agree_with_the_byte_reader() {
        // One and two-byte base-128 lengths take the whole-frame shortcut; `80 00` (0 in two
        // bytes) must still be refused where minimal encodings are required, and accepted
        // where they are not, on every entry point.
        let payload = [7u8; 200];
        let mut two = [0x80 | (200 & 0x7f), 200 >> 7].to_vec();
        two.extend_from_slice(&payload);
        let non_minimal = [0x80u8, 0x00, 0xaa];
        for field in [LengthField::Leb128, LengthField::MqttVbi] {
            for accept in [false, true] {
                let format = FrameFormat::new()
                    .with_length(field)
                    .with_non_minimal_lengths(accept);
                let mut buf = [0u8; 256];
                let mut d =
                    LengthDecoder::new(format.with_max_frame_len(256), &mut buf[..]).unwrap();
                let step = d.decode(&two).unwrap();
                assert_eq!(step.consumed, 202);
                assert_eq!(
                    step.event,
                    Some(Event::Frame(Frame {
                        head: &[],
                        payload: &payload
                    }))
                );
                let mut all = 0;
                d.decode_all(&two, |e| {
                    assert_eq!(
                        e,
                        Event::Frame(Frame {
                            head: &[],
                            payload: &payload
                        })
                    );
                    all += 1;
                })
                .unwrap();
                assert_eq!(all, 1);
                let step = d.decode_whole(&two).unwrap();
                assert_eq!(step.consumed, 202);

                let mut d =
                    LengthDecoder::new(format.with_max_frame_len(256), &mut buf[..]).unwrap();
                let step = d.decode(&non_minimal);
                let mut again =
                    LengthDecoder::new(format.with_max_frame_len(256), [0u8; 256]).unwrap();
                let mut events = 0;
                let all = again.decode_all(&non_minimal, |_| events += 1);
                if accept {
                    let step = step.unwrap();
                    assert_eq!(
                        (step.consumed, step.event),
                        (
                            2,
                            Some(Event::Frame(Frame {
                                head: &[],
                                payload: &[]
                            }))
                        )
                    );
                    assert!(all.is_ok());
                    assert_eq!(events, 1);
                } else {
                    assert!(matches!(
                        step,
                        Err(DecodeError::NonMinimalLength { frame: 0, .. })
                    ));
                    assert!(matches!(
                        all,
                        Err(DecodeError::NonMinimalLength { frame: 0, .. })
                    ));
                    assert_eq!(events, 0);
                }
            }
        }
    }

    #[test]
    fn state_stays_small() {
        // The crate docs promise 56 bytes of state besides the buffer reference.
        let with_slice = core::mem::size_of::<LengthDecoder<&mut [u8]>>();
        let buffer_ref = core::mem::size_of::<&mut [u8]>();
        assert!(with_slice - buffer_ref <= 56, "{with_slice} - {buffer_ref}");
    }

    #[test]
    fn refuses_buffer_smaller_than_limit_unless_streaming() {
        let mut buf = [0u8; 10];
        let format = FrameFormat::new().with_max_frame_len(11);
        assert_eq!(
            LengthDecoder::new(format, &mut buf[..]).err(),
            Some(ConfigError::BufferTooSmall {
                capacity: 10,
                head_len: 0,
                max_frame_len: 11
            })
        );
        assert!(LengthDecoder::new(format.with_streaming(true), &mut buf[..]).is_ok());
        assert!(LengthDecoder::new(format.with_max_frame_len(10), &mut buf[..]).is_ok());
        // The head is buffered too.
        let headed = format.with_max_frame_len(8).with_head_len(3);
        assert!(LengthDecoder::new(headed, &mut buf[..]).is_err());
        assert!(LengthDecoder::new(headed.with_max_frame_len(7), &mut buf[..]).is_ok());
        let long_head = FrameFormat::new().with_head_len(11).with_streaming(true);
        assert!(LengthDecoder::new(long_head, &mut buf[..]).is_err());
        // A u8 field cannot announce more than 255: a 255-byte buffer is enough.
        let small = FrameFormat::new().with_length(crate::LengthField::fixed(
            crate::Width::W1,
            crate::ByteOrder::Big,
            false,
        ));
        assert!(LengthDecoder::new(small, [0u8; 255]).is_ok());
    }

    #[test]
    fn empty_input_is_partial_and_consumes_nothing() {
        let mut dec =
            LengthDecoder::new(FrameFormat::new().with_max_frame_len(4), [0u8; 4]).unwrap();
        assert_eq!(dec.decode(&[]).unwrap(), partial(0));
        assert!(dec.is_idle());
    }

    #[test]
    fn span_holds_both_lengths() {
        let span = Span::new(SPAN_MAX, 26);
        assert_eq!((span.len(), span.total()), (SPAN_MAX, SPAN_MAX + 26));
    }
}
