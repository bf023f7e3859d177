//! The length-frame decoder: bytes in, frames out, no I/O.

use crate::buffer::{FrameBuffer, copy};
use crate::error::{ConfigError, DecodeError};
use crate::header::{LengthHeader, RawLength};

/// The maximum frame length a [`DecoderConfig`] starts with: 64 KiB.
pub const DEFAULT_MAX_FRAME_LEN: u64 = 64 * 1024;

/// What to do with a frame whose header announces more than the maximum frame length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Oversize {
    /// Fail with [`DecodeError::FrameTooLarge`] and stay failed until
    /// [`reset`](LengthDecoder::reset). The default.
    #[default]
    Reject,
    /// Discard the frame's bytes as they arrive, report [`Event::Skipped`] once they are gone,
    /// then carry on with the next frame (Netty's `discardingTooLongFrame`).
    Skip,
}

/// How a [`LengthDecoder`] reads a stream. Build it with the `const` methods:
///
/// ```
/// use unstick::{DecoderConfig, LengthHeader, Oversize};
/// const PYTHON_PEER: DecoderConfig = DecoderConfig::new()
///     .header(LengthHeader::I32_LE)
///     .max_frame_len(1 << 20)
///     .oversize(Oversize::Skip);
/// assert_eq!(PYTHON_PEER.get_max_frame_len(), 1 << 20);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct DecoderConfig {
    max_frame_len: u64,
    header: LengthHeader,
    oversize: Oversize,
    streaming: bool,
}

impl Default for DecoderConfig {
    fn default() -> Self {
        Self::new()
    }
}

impl DecoderConfig {
    /// 4-byte big-endian unsigned header, [`DEFAULT_MAX_FRAME_LEN`], [`Oversize::Reject`],
    /// no streaming.
    pub const fn new() -> Self {
        Self {
            max_frame_len: DEFAULT_MAX_FRAME_LEN,
            header: LengthHeader::U32_BE,
            oversize: Oversize::Reject,
            streaming: false,
        }
    }

    /// Sets the length header format.
    #[must_use]
    pub const fn header(mut self, header: LengthHeader) -> Self {
        self.header = header;
        self
    }

    /// Sets the maximum frame length (payload bytes, header not counted). A header announcing
    /// more is refused or skipped before a single payload byte is buffered.
    #[must_use]
    pub const fn max_frame_len(mut self, max: u64) -> Self {
        self.max_frame_len = max;
        self
    }

    /// Sets what happens to frames over the maximum length.
    #[must_use]
    pub const fn oversize(mut self, policy: Oversize) -> Self {
        self.oversize = policy;
        self
    }

    /// With streaming on, a frame longer than the buffer (but within the maximum) is not an
    /// error: it is delivered as [`Event::StreamStart`], [`Event::StreamPiece`]s borrowed from the
    /// input, and [`Event::StreamEnd`]. Frames that fit the buffer still arrive whole. This is how
    /// a device with a 1 KiB buffer receives a 4 GiB frame.
    #[must_use]
    pub const fn streaming(mut self, on: bool) -> Self {
        self.streaming = on;
        self
    }

    /// The length header format.
    pub const fn get_header(&self) -> LengthHeader {
        self.header
    }

    /// The maximum frame length.
    pub const fn get_max_frame_len(&self) -> u64 {
        self.max_frame_len
    }

    /// The oversize policy.
    pub const fn get_oversize(&self) -> Oversize {
        self.oversize
    }

    /// Whether streaming is on.
    pub const fn get_streaming(&self) -> bool {
        self.streaming
    }
}

/// Something the decoder found in the stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[must_use]
pub enum Event<'a> {
    /// A whole frame's payload. Borrowed from the input chunk when the frame lay inside it
    /// (zero-copy), otherwise from the decoder's buffer.
    Frame(&'a [u8]),
    /// Streaming only: a frame longer than the buffer begins; `len` payload bytes follow as
    /// [`StreamPiece`](Event::StreamPiece)s.
    StreamStart {
        /// The frame's payload length.
        len: u64,
    },
    /// Streaming only: the next piece of the current frame, borrowed from the input (never
    /// copied). Pieces are never empty.
    StreamPiece(&'a [u8]),
    /// Streaming only: the current frame's last piece has been delivered.
    StreamEnd,
    /// With [`Oversize::Skip`]: an over-limit frame of `len` bytes was discarded in full.
    Skipped {
        /// The discarded frame's announced length.
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
    Negative(i64),
    /// The transport ended the stream here ([`LengthDecoder::end_stream`]).
    TruncatedHeader {
        have: u8,
    },
    TruncatedFrame {
        len: u64,
        missing: u64,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// `have` bytes of the header are in `bytes`.
    Header {
        have: u8,
        bytes: [u8; 8],
    },
    /// A frame of `len <= capacity` bytes is being copied into the buffer.
    Buffering {
        len: usize,
        filled: usize,
    },
    /// A frame longer than the buffer is passing through as pieces.
    Streaming {
        len: u64,
        remaining: u64,
    },
    /// The last piece went out; [`Event::StreamEnd`] is next.
    StreamDone {
        len: u64,
    },
    /// An over-limit frame is being discarded.
    Skipping {
        len: u64,
        remaining: u64,
    },
    Failed(Failure),
}

/// If a frame whose payload may be delivered whole (`len <= max_whole`) lies entirely at the
/// start of `input`, its end (header plus payload bytes). Needs 8 input bytes to read any header
/// width with one load; shorter inputs take the general path.
#[inline(always)]
fn whole_frame_end(header: LengthHeader, max_whole: u64, input: &[u8]) -> Option<usize> {
    let bytes = input.first_chunk::<8>()?;
    let RawLength::Len(len) = header.read(bytes) else {
        return None;
    };
    let w = header.len();
    // `input.len() >= 8 >= w`; `len` fits in the input, so it fits in a usize.
    (len <= max_whole && len <= (input.len() - w) as u64).then(|| w + len as usize)
}

const FRESH_HEADER: State = State::Header {
    have: 0,
    bytes: [0; 8],
};

/// Reassembles length-prefixed frames from byte chunks split anywhere.
///
/// Feed it whatever the transport produced, 1 byte or 1 MiB at a time, and call
/// [`decode`](Self::decode) until it returns no event. It never does I/O, never allocates
/// (except a `Vec<u8>` buffer growing with arrived bytes under the `alloc` feature) and never
/// panics.
///
/// ```
/// use unstick::{DecoderConfig, Event, LengthDecoder};
///
/// let mut buf = [0u8; 64];
/// let mut decoder = LengthDecoder::new(DecoderConfig::new().max_frame_len(64), &mut buf[..])?;
/// // "hi" and "there", glued and split in the wrong places, as TCP may deliver them.
/// let chunks: [&[u8]; 3] = [b"\0\0\0\x02h", b"i\0\0\0\x05th", b"ere"];
/// let mut frames = Vec::new();
/// for chunk in chunks {
///     let mut input = chunk;
///     loop {
///         let step = decoder.decode(input)?;
///         input = &input[step.consumed..];
///         match step.event {
///             Some(Event::Frame(frame)) => frames.push(frame.to_vec()),
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
pub struct LengthDecoder<B> {
    config: DecoderConfig,
    /// Index of the frame being decoded.
    frame: u64,
    /// Stream offset of that frame's header.
    offset: u64,
    state: State,
    buf: B,
}

impl<B: FrameBuffer> LengthDecoder<B> {
    /// A decoder with `config` that copies straddling frames into `buf`.
    ///
    /// Without streaming, every frame up to the maximum length must fit the buffer, so a buffer
    /// smaller than [`DecoderConfig::max_frame_len`] is refused here rather than at the first
    /// large frame.
    pub fn new(config: DecoderConfig, buf: B) -> Result<Self, ConfigError> {
        let capacity = buf.capacity();
        if !config.streaming && (capacity as u64) < config.max_frame_len {
            return Err(ConfigError::BufferSmallerThanLimit {
                capacity,
                max_frame_len: config.max_frame_len,
            });
        }
        Ok(Self {
            config,
            frame: 0,
            offset: 0,
            state: FRESH_HEADER,
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
    #[inline]
    pub fn decode<'f, 'd: 'f, 'i: 'f>(
        &'d mut self,
        input: &'i [u8],
    ) -> Result<Decoded<'f>, DecodeError> {
        // The common case, kept small enough to inline: a whole frame inside the input.
        if let State::Header { have: 0, .. } = self.state
            && let Some(end) = whole_frame_end(self.config.header, self.max_whole(), input)
            && let Some(frame) = input.get(self.config.header.len()..end)
        {
            self.frame_done(end as u64);
            return Ok(Decoded {
                consumed: end,
                event: Some(Event::Frame(frame)),
            });
        }
        self.decode_slow(input)
    }

    #[inline(never)]
    fn decode_slow<'f, 'd: 'f, 'i: 'f>(
        &'d mut self,
        input: &'i [u8],
    ) -> Result<Decoded<'f>, DecodeError> {
        let header = self.config.header;
        let w = header.len();
        let mut consumed = 0usize;
        loop {
            let rest = input.get(consumed..).unwrap_or(&[]);
            match self.state {
                State::Header { have, mut bytes } => {
                    let have = usize::from(have);
                    let take = (w - have).min(rest.len());
                    if let (Some(dst), Some(src)) =
                        (bytes.get_mut(have..have + take), rest.get(..take))
                    {
                        copy(dst, src);
                    }
                    consumed += take;
                    if have + take < w {
                        self.state = State::Header {
                            have: (have + take) as u8,
                            bytes,
                        };
                        return Ok(Decoded {
                            consumed,
                            event: None,
                        });
                    }
                    let len = match header.read(&bytes) {
                        RawLength::Len(len) => len,
                        RawLength::Negative(value) => {
                            return Err(self.fail(Failure::Negative(value)));
                        }
                    };
                    if len > self.config.max_frame_len {
                        match self.config.oversize {
                            Oversize::Reject => return Err(self.fail(Failure::TooLarge(len))),
                            Oversize::Skip => {
                                self.state = State::Skipping {
                                    len,
                                    remaining: len,
                                };
                                continue;
                            }
                        }
                    }
                    if len <= self.buf.capacity() as u64 {
                        // Fits the buffer, hence a usize.
                        self.state = State::Buffering {
                            len: len as usize,
                            filled: 0,
                        };
                        continue;
                    }
                    self.state = State::Streaming {
                        len,
                        remaining: len,
                    };
                    return Ok(Decoded {
                        consumed,
                        event: Some(Event::StreamStart { len }),
                    });
                }
                State::Buffering { len, filled } => {
                    if filled == 0 {
                        // The header straddled but the payload may lie inside this chunk.
                        if let Some(frame) = rest.get(..len) {
                            self.state = FRESH_HEADER;
                            self.frame_done((w + len) as u64);
                            return Ok(Decoded {
                                consumed: consumed + len,
                                event: Some(Event::Frame(frame)),
                            });
                        }
                    }
                    let take = (len - filled).min(rest.len());
                    if let Some(src) = rest.get(..take) {
                        self.buf.store_at(filled, src);
                    }
                    consumed += take;
                    if filled + take < len {
                        self.state = State::Buffering {
                            len,
                            filled: filled + take,
                        };
                        return Ok(Decoded {
                            consumed,
                            event: None,
                        });
                    }
                    self.state = FRESH_HEADER;
                    self.frame_done((w + len) as u64);
                    return Ok(Decoded {
                        consumed,
                        event: Some(Event::Frame(self.buf.stored(len))),
                    });
                }
                State::Streaming { len, remaining } => {
                    if rest.is_empty() {
                        return Ok(Decoded {
                            consumed,
                            event: None,
                        });
                    }
                    let take = remaining.min(rest.len() as u64);
                    let remaining = remaining - take;
                    self.state = if remaining == 0 {
                        State::StreamDone { len }
                    } else {
                        State::Streaming { len, remaining }
                    };
                    // `take <= rest.len()`, so it fits a usize.
                    let take = take as usize;
                    return Ok(Decoded {
                        consumed: consumed + take,
                        event: Some(Event::StreamPiece(rest.get(..take).unwrap_or(&[]))),
                    });
                }
                State::StreamDone { len } => {
                    self.state = FRESH_HEADER;
                    self.frame_done((w as u64).wrapping_add(len));
                    return Ok(Decoded {
                        consumed,
                        event: Some(Event::StreamEnd),
                    });
                }
                State::Skipping { len, remaining } => {
                    let take = remaining.min(rest.len() as u64);
                    let remaining = remaining - take;
                    consumed += take as usize;
                    if remaining > 0 {
                        self.state = State::Skipping { len, remaining };
                        return Ok(Decoded {
                            consumed,
                            event: None,
                        });
                    }
                    self.state = FRESH_HEADER;
                    self.frame_done((w as u64).wrapping_add(len));
                    return Ok(Decoded {
                        consumed,
                        event: Some(Event::Skipped { len }),
                    });
                }
                State::Failed(failure) => return Err(self.error(failure)),
            }
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
    pub fn decode_whole<'f, 'd: 'f, 'i: 'f>(
        &'d mut self,
        input: &'i [u8],
    ) -> Result<Decoded<'f>, DecodeError> {
        if let State::Header { have: 0, .. } = self.state {
            let header = self.config.header;
            if let Some(end) = whole_frame_end(header, self.max_whole(), input)
                && let Some(frame) = input.get(header.len()..end)
            {
                self.frame_done(end as u64);
                return Ok(Decoded {
                    consumed: end,
                    event: Some(Event::Frame(frame)),
                });
            }
            let mut bytes = [0u8; 8];
            let Some(head) = input.get(..header.len()) else {
                return Ok(Decoded {
                    consumed: 0,
                    event: None,
                });
            };
            if let Some(dst) = bytes.get_mut(..head.len()) {
                copy(dst, head);
            }
            if let RawLength::Len(len) = header.read(&bytes)
                && len <= self.max_whole()
            {
                let end = (header.len() as u64).saturating_add(len);
                if end > input.len() as u64 {
                    return Ok(Decoded {
                        consumed: 0,
                        event: None,
                    });
                }
            }
        }
        // A whole frame, or one that skips, streams or fails: the general path handles it
        // without buffering a whole frame.
        self.decode(input)
    }

    /// Where the next bytes of the stream should be read to, for transports that read into a
    /// buffer they are given (a UART driver, DMA, `embedded_io::Read`): the rest of the length
    /// header, or the rest of a frame being buffered, or (when streaming or skipping) a region
    /// of the buffer for the next piece. Read into it, then call [`commit`](Self::commit) with
    /// the count. Frames are then never copied at all.
    ///
    /// Empty when the next step needs no input (call `commit(0)`: a pending
    /// [`Event::StreamEnd`], or the failure), or when streaming or skipping with a zero-size
    /// buffer (use [`decode`](Self::decode) with your own buffer then). A growable `Vec` buffer
    /// grows by at most 64 KiB past what it already holds per call, never by an announced
    /// length; where it already has room (from earlier frames), the spare region reaches to the
    /// end of the frame.
    pub fn spare(&mut self) -> &mut [u8] {
        let (at, end) = self.spare_range();
        if let State::Header { bytes, .. } = &mut self.state {
            return bytes.get_mut(at..end).unwrap_or(&mut []);
        }
        self.buf.space(at, end)
    }

    /// Where [`spare`](Self::spare) points: header bytes while reading a header, else the
    /// buffer. A growable buffer grows by at most 64 KiB per read, never by an announced length.
    fn spare_range(&self) -> (usize, usize) {
        const GROW_STEP: usize = 64 * 1024;
        match self.state {
            State::Header { have, .. } => (usize::from(have), self.config.header.len()),
            // Up to the end of the frame where the buffer already has room; a growable buffer
            // grows by at most one step past that.
            State::Buffering { len, filled } => (
                filled,
                len.min(filled.saturating_add(GROW_STEP).max(self.buf.room())),
            ),
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
    /// [`stored(len)`](Self::stored)), a stream event, a skip report, or no event yet.
    ///
    /// `n` must not exceed the spare region: more than `spare().len()`, or bytes committed to a
    /// growable buffer that `spare` never grew, is [`DecodeError::CommitPastSpare`] and changes
    /// nothing, so a frame never comes out shorter than its header announced.
    pub fn commit(&mut self, n: usize) -> Result<Decoded<'_>, DecodeError> {
        let (at, end) = self.spare_range();
        // Header bytes live in the state; buffer bytes count only where the buffer holds them.
        let reach = match self.state {
            State::Header { .. } => end,
            _ => end.min(self.buf.room()),
        };
        let spare = reach.saturating_sub(at);
        if n > spare && !self.is_failed() {
            return Err(DecodeError::CommitPastSpare {
                frame: self.frame,
                offset: self.offset,
                committed: n as u64,
                spare: spare as u64,
            });
        }
        let w = self.config.header.len();
        match self.state {
            State::Header { have, bytes } => {
                let have = usize::from(have) + n;
                if have < w {
                    self.state = State::Header {
                        have: have as u8,
                        bytes,
                    };
                    return Ok(Decoded {
                        consumed: n,
                        event: None,
                    });
                }
                // Re-enter through the general path with the complete header and no payload.
                self.state = State::Header {
                    have: (w - 1) as u8,
                    bytes,
                };
                let last = bytes.get(w - 1..w).unwrap_or(&[]);
                let mut last_byte = [0u8; 1];
                copy(&mut last_byte, last);
                let step = self.decode_slow(&last_byte)?;
                let event = match step.event {
                    // Zero-length frame: the slice points into `last_byte`; any empty slice will do.
                    Some(Event::Frame(_)) => Some(Event::Frame(&[])),
                    // StreamStart or Skipped carry no borrowed bytes.
                    Some(Event::StreamStart { len }) => Some(Event::StreamStart { len }),
                    Some(Event::Skipped { len }) => Some(Event::Skipped { len }),
                    _ => None,
                };
                Ok(Decoded { consumed: n, event })
            }
            State::Buffering { len, filled } => {
                let filled = filled + n;
                if filled < len {
                    self.state = State::Buffering { len, filled };
                    return Ok(Decoded {
                        consumed: n,
                        event: None,
                    });
                }
                self.state = FRESH_HEADER;
                self.frame_done((w + len) as u64);
                Ok(Decoded {
                    consumed: n,
                    event: Some(Event::Frame(self.buf.stored(len))),
                })
            }
            State::Streaming { len, remaining } => {
                if n == 0 {
                    return Ok(Decoded {
                        consumed: 0,
                        event: None,
                    });
                }
                let remaining = remaining - n as u64;
                self.state = if remaining == 0 {
                    State::StreamDone { len }
                } else {
                    State::Streaming { len, remaining }
                };
                Ok(Decoded {
                    consumed: n,
                    event: Some(Event::StreamPiece(self.buf.stored(n))),
                })
            }
            State::Skipping { len, remaining } => {
                let remaining = remaining - n as u64;
                if remaining > 0 {
                    self.state = State::Skipping { len, remaining };
                    return Ok(Decoded {
                        consumed: n,
                        event: None,
                    });
                }
                self.state = FRESH_HEADER;
                self.frame_done((w as u64).wrapping_add(len));
                Ok(Decoded {
                    consumed: n,
                    event: Some(Event::Skipped { len }),
                })
            }
            State::StreamDone { .. } | State::Failed(_) => self.decode_slow(&[]),
        }
    }

    /// The first `len` bytes of the buffer: after [`commit`](Self::commit) returned a frame or
    /// a stream piece of `len` bytes, those bytes (until the next `spare` or `decode`).
    pub fn stored(&self, len: usize) -> &[u8] {
        self.buf.stored(len)
    }

    /// Decodes all of `input`, calling `on_event` for every event, in order.
    ///
    /// The same as calling [`decode`](Self::decode) in a loop; handy when the caller does not
    /// need to stop between events.
    pub fn decode_all<F>(&mut self, input: &[u8], mut on_event: F) -> Result<(), DecodeError>
    where
        F: FnMut(Event<'_>),
    {
        let header = self.config.header;
        let w = header.len();
        let max_whole = self.max_whole();
        let mut input = input;
        loop {
            match self.state {
                State::Header { have: 0, .. } => {
                    // Whole frames back to back: counters stay in registers, config is read once.
                    let (mut frames, mut bytes) = (0u64, 0u64);
                    while let Some(end) = whole_frame_end(header, max_whole, input)
                        && let Some((frame, rest)) = input.split_at_checked(end)
                    {
                        on_event(Event::Frame(frame.get(w..).unwrap_or(&[])));
                        input = rest;
                        frames += 1;
                        bytes += end as u64;
                    }
                    self.frame = self.frame.wrapping_add(frames);
                    self.offset = self.offset.wrapping_add(bytes);
                    // A frame that starts here and ends in a later chunk: buffer what is here.
                    if let Some(bytes) = input.first_chunk::<8>()
                        && let RawLength::Len(len) = header.read(bytes)
                        && len <= max_whole
                    {
                        // It did not fit in `input`, so `len` fits in a usize.
                        let body = input.get(w..).unwrap_or(&[]);
                        self.buf.store_at(0, body);
                        self.state = State::Buffering {
                            len: len as usize,
                            filled: body.len(),
                        };
                        return Ok(());
                    }
                }
                State::Buffering { len, filled } if filled > 0 => {
                    let take = (len - filled).min(input.len());
                    let (src, rest) = input.split_at_checked(take).unwrap_or((input, &[]));
                    self.buf.store_at(filled, src);
                    if filled + take < len {
                        self.state = State::Buffering {
                            len,
                            filled: filled + take,
                        };
                        return Ok(());
                    }
                    self.state = FRESH_HEADER;
                    self.frame_done((w + len) as u64);
                    on_event(Event::Frame(self.buf.stored(len)));
                    input = rest;
                    continue;
                }
                _ => {}
            }
            let step = self.decode_slow(input)?;
            input = input.get(step.consumed..).unwrap_or(&[]);
            match step.event {
                Some(event) => on_event(event),
                None => return Ok(()),
            }
        }
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
        match self.state {
            State::Header { have: 0, .. } | State::StreamDone { .. } | State::Failed(_) => None,
            State::Header { have, .. } => Some(Failure::TruncatedHeader { have }),
            State::Buffering { len, filled } => Some(Failure::TruncatedFrame {
                len: len as u64,
                missing: (len - filled) as u64,
            }),
            State::Streaming { len, remaining } | State::Skipping { len, remaining } => {
                Some(Failure::TruncatedFrame {
                    len,
                    missing: remaining,
                })
            }
        }
    }

    /// Forgets everything about the stream so far (a partial frame, a failure, the frame and
    /// byte counters) and starts over, keeping the configuration and the buffer.
    pub fn reset(&mut self) {
        self.state = FRESH_HEADER;
        self.frame = 0;
        self.offset = 0;
    }

    /// How many more bytes the frame in progress needs: the rest of its header while one is
    /// being read, else the rest of its payload (buffered, streamed or skipped). 0 on a frame
    /// boundary, after the last streamed piece, and once failed.
    ///
    /// A reader with its own buffer can use it to read a large rest straight into
    /// [`spare`](Self::spare) instead of copying it through that buffer.
    pub fn missing(&self) -> u64 {
        let width = self.config.header.len() as u64;
        match self.state {
            State::Header { have: 0, .. } | State::StreamDone { .. } | State::Failed(_) => 0,
            State::Header { have, .. } => width.saturating_sub(u64::from(have)),
            State::Buffering { len, filled } => len.saturating_sub(filled) as u64,
            State::Streaming { remaining, .. } | State::Skipping { remaining, .. } => remaining,
        }
    }

    /// Whether the decoder sits on a frame boundary with nothing pending.
    pub fn is_idle(&self) -> bool {
        matches!(self.state, State::Header { have: 0, .. })
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

    /// Stream offset of the current frame's header: bytes of completed frames so far.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// The configuration.
    pub fn config(&self) -> &DecoderConfig {
        &self.config
    }

    /// The buffer. After an [`Event::Frame`] that was not zero-copy, its first `len` bytes are
    /// that frame, until the next [`decode`](Self::decode).
    pub fn buffer(&self) -> &B {
        &self.buf
    }

    /// Returns the buffer, dropping the decoder.
    pub fn into_buffer(self) -> B {
        self.buf
    }

    /// Frames up to this length are delivered whole; longer ones stream, skip or fail.
    #[inline(always)]
    fn max_whole(&self) -> u64 {
        self.config.max_frame_len.min(self.buf.capacity() as u64)
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
                max: self.config.max_frame_len,
            },
            Failure::Negative(value) => DecodeError::NegativeLength {
                frame,
                offset,
                value,
            },
            Failure::TruncatedHeader { have } => DecodeError::TruncatedHeader {
                frame,
                offset,
                have,
                width: self.config.header.len() as u8,
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

#[cfg(test)]
mod tests {
    use super::*;

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
        let config = DecoderConfig::new().max_frame_len(11);
        assert_eq!(
            LengthDecoder::new(config, &mut buf[..]).err(),
            Some(ConfigError::BufferSmallerThanLimit {
                capacity: 10,
                max_frame_len: 11
            })
        );
        assert!(LengthDecoder::new(config.streaming(true), &mut buf[..]).is_ok());
        assert!(LengthDecoder::new(config.max_frame_len(10), &mut buf[..]).is_ok());
    }

    #[test]
    fn empty_input_is_partial_and_consumes_nothing() {
        let mut dec = LengthDecoder::new(DecoderConfig::new().max_frame_len(4), [0u8; 4]).unwrap();
        assert_eq!(
            dec.decode(&[]).unwrap(),
            Decoded {
                consumed: 0,
                event: None
            }
        );
        assert!(dec.is_idle());
    }
}
