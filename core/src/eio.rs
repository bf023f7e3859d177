//! Helpers over `embedded_io` (blocking) and `embedded_io_async` transports: a UART, a
//! socket of an embedded network stack, an in-memory pipe.
//!
//! Bytes are read straight into the decoder ([`LengthDecoder::spare`]), so a frame is never
//! copied after the transport wrote it; a frame larger than the buffer streams in pieces of the
//! buffer's size. Transport errors and framing errors stay apart ([`ReadError`], [`WriteError`]).

use core::fmt;

use crate::buffer::FrameBuffer;
use crate::decoder::{Event, Frame, LengthDecoder};
use crate::encoder::LengthEncoder;
use crate::error::{DecodeError, EncodeError};
use crate::format::Format;

/// Why reading from an embedded-io transport failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum ReadError<E> {
    /// The transport failed.
    Io(E),
    /// The stream is not valid framing, or ended inside a frame.
    Decode(DecodeError),
    /// Streaming or skipping needs a buffer larger than the head to read into.
    NoBuffer,
    /// [`read_frame`] met a frame longer than the buffer, which streaming delivers in pieces:
    /// use [`read_event`].
    Streamed {
        /// The frame's length.
        len: u64,
    },
}

impl<E: fmt::Debug> fmt::Display for ReadError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io(e) => write!(f, "transport error: {e:?}"),
            Self::Decode(e) => write!(f, "{e}"),
            Self::NoBuffer => {
                f.write_str("streaming or skipping needs a buffer larger than the head")
            }
            Self::Streamed { len } => write!(
                f,
                "a {len}-byte frame is longer than the buffer and streams: read events instead"
            ),
        }
    }
}

impl<E: fmt::Debug> core::error::Error for ReadError<E> {}

/// Why writing to an embedded-io transport failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum WriteError<E> {
    /// The transport failed; part of the frame may have been written.
    Io(E),
    /// The payload cannot be framed; nothing was written.
    Encode(EncodeError),
}

impl<E: fmt::Debug> fmt::Display for WriteError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io(e) => write!(f, "transport error: {e:?}"),
            Self::Encode(e) => write!(f, "{e}"),
        }
    }
}

impl<E: fmt::Debug> core::error::Error for WriteError<E> {}

/// An event whose bytes, if any, are the first `n` stored in the decoder's buffer. Lets the
/// read loop end its borrow of the decoder before the event borrows it again.
enum Ready {
    Frame(usize),
    Start(u64),
    Piece(usize),
    End,
    Skipped(u64),
}

impl Ready {
    fn event<B: FrameBuffer, F: Format>(self, decoder: &LengthDecoder<B, F>) -> Event<'_> {
        match self {
            Ready::Frame(n) => Event::Frame(stored_frame(decoder, n)),
            Ready::Start(len) => Event::StreamStart {
                head: decoder.stored(decoder.format().head_len()),
                len,
            },
            Ready::Piece(n) => Event::StreamPiece(decoder.stored(n)),
            Ready::End => Event::StreamEnd,
            Ready::Skipped(len) => Event::Skipped { len },
        }
    }
}

/// The frame `commit` left in the buffer: its head, then `len` payload bytes.
fn stored_frame<B: FrameBuffer, F: Format>(decoder: &LengthDecoder<B, F>, len: usize) -> Frame<'_> {
    let h = decoder.format().head_len();
    let (head, payload) = decoder
        .stored(h.saturating_add(len))
        .split_at_checked(h)
        .unwrap_or((&[], &[]));
    Frame { head, payload }
}

/// Reads until the decoder has an event; `None` at a clean end of stream. `$($await)?` makes
/// the async twin from the same text.
macro_rules! read_ready {
    ($reader:ident, $decoder:ident $(, $await:tt)?) => {{
        // Each pass reads at least a byte or ends: the loop lasts as long as the stream.
        loop {
            let spare = $decoder.spare();
            let n = if spare.is_empty() {
                0
            } else {
                let room = spare.len();
                // A reader claiming more than it was given is clamped, not trusted.
                let n = $reader.read(spare)$(.$await)?.map_err(ReadError::Io)?.min(room);
                if n == 0 {
                    break match $decoder.end_stream() {
                        Ok(()) => Ok(None),
                        Err(e) => Err(ReadError::Decode(e)),
                    };
                }
                n
            };
            let step = $decoder.commit(n).map_err(ReadError::Decode)?;
            let ready = match step.event {
                Some(Event::Frame(f)) => Ready::Frame(f.payload.len()),
                Some(Event::StreamStart { len, .. }) => Ready::Start(len),
                Some(Event::StreamPiece(p)) => Ready::Piece(p.len()),
                Some(Event::StreamEnd) => Ready::End,
                Some(Event::Skipped { len }) => Ready::Skipped(len),
                None if n == 0 => break Err(ReadError::NoBuffer),
                None => continue,
            };
            break Ok(Some(ready));
        }
    }};
}

/// Writes prefix then payload; nothing is written when the encoder refuses the frame.
/// `$($await)?` makes the async twin from the same text.
macro_rules! write_prefixed {
    ($writer:ident, $encoder:ident, $head:ident, $payload:ident $(, $await:tt)?) => {{
        let prefix = $encoder
            .prefix_with_head($head, $payload.len())
            .map_err(WriteError::Encode)?;
        $writer.write_all(&prefix)$(.$await)?.map_err(WriteError::Io)?;
        $writer.write_all($payload)$(.$await)?.map_err(WriteError::Io)
    }};
}

/// Keeps reading events until a frame; skip reports pass, streamed frames are an error.
macro_rules! read_frame_len {
    ($reader:ident, $decoder:ident $(, $await:tt)?) => {{
        // Each skipped frame was read from the stream.
        loop {
            match read_ready!($reader, $decoder $(, $await)?)? {
                None => break Ok(None),
                Some(Ready::Frame(n)) => break Ok(Some(n)),
                Some(Ready::Skipped(_)) => continue,
                Some(Ready::Start(len)) => break Err(ReadError::Streamed { len }),
                Some(Ready::Piece(_) | Ready::End) => {
                    break Err(ReadError::Streamed { len: 0 });
                }
            }
        }
    }};
}

/// Reads the next event from a blocking transport; `Ok(None)` at a clean end of stream
/// (the transport's `read` returned 0 between frames).
#[cfg(feature = "embedded-io")]
pub fn read_event<'d, R, B, F>(
    reader: &mut R,
    decoder: &'d mut LengthDecoder<B, F>,
) -> Result<Option<Event<'d>>, ReadError<R::Error>>
where
    R: embedded_io::Read + ?Sized,
    B: FrameBuffer,
    F: Format,
{
    let ready: Result<Option<Ready>, ReadError<R::Error>> = read_ready!(reader, decoder);
    Ok(ready?.map(|r| r.event(decoder)))
}

/// Reads the next whole frame from a blocking transport into the decoder's buffer;
/// `Ok(None)` at a clean end of stream. Skipped over-limit frames pass silently; a frame that
/// streams is [`ReadError::Streamed`].
///
/// ```
/// use unstick::{FrameFormat, LengthDecoder, LengthEncoder, eio};
///
/// let format = FrameFormat::GRPC.with_max_frame_len(16);
/// let mut wire = [0u8; 32];
/// let mut out = &mut wire[..];
/// eio::write_frame_with_head(&mut out, &LengthEncoder::new(format), &[1], b"hi")?;
/// let written = 32 - out.len();
///
/// let mut input = &wire[..written]; // any embedded_io::Read: a UART, a socket, a slice
/// let mut decoder = LengthDecoder::new(format, [0u8; 17])?;
/// let frame = eio::read_frame(&mut input, &mut decoder)?.unwrap();
/// assert_eq!((frame.head, frame.payload), (&[1][..], &b"hi"[..]));
/// assert_eq!(eio::read_frame(&mut input, &mut decoder)?, None);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[cfg(feature = "embedded-io")]
pub fn read_frame<'d, R, B, F>(
    reader: &mut R,
    decoder: &'d mut LengthDecoder<B, F>,
) -> Result<Option<Frame<'d>>, ReadError<R::Error>>
where
    R: embedded_io::Read + ?Sized,
    B: FrameBuffer,
    F: Format,
{
    let len: Result<Option<usize>, ReadError<R::Error>> = read_frame_len!(reader, decoder);
    Ok(len?.map(|n| stored_frame(decoder, n)))
}

/// Writes one frame (length field, then payload) to a blocking transport, for a format
/// without a head. Flushing is the caller's.
#[cfg(feature = "embedded-io")]
pub fn write_frame<W, F: Format>(
    writer: &mut W,
    encoder: &LengthEncoder<F>,
    payload: &[u8],
) -> Result<(), WriteError<W::Error>>
where
    W: embedded_io::Write + ?Sized,
{
    write_frame_with_head(writer, encoder, &[], payload)
}

/// Writes one frame (head, length field, payload) to a blocking transport. Flushing is the
/// caller's.
#[cfg(feature = "embedded-io")]
pub fn write_frame_with_head<W, F: Format>(
    writer: &mut W,
    encoder: &LengthEncoder<F>,
    head: &[u8],
    payload: &[u8],
) -> Result<(), WriteError<W::Error>>
where
    W: embedded_io::Write + ?Sized,
{
    write_prefixed!(writer, encoder, head, payload)
}

/// [`read_event`] for an async transport.
#[cfg(feature = "embedded-io-async")]
pub async fn read_event_async<'d, R, B, F>(
    reader: &mut R,
    decoder: &'d mut LengthDecoder<B, F>,
) -> Result<Option<Event<'d>>, ReadError<R::Error>>
where
    R: embedded_io_async::Read + ?Sized,
    B: FrameBuffer,
    F: Format,
{
    let ready: Result<Option<Ready>, ReadError<R::Error>> = read_ready!(reader, decoder, await);
    Ok(ready?.map(|r| r.event(decoder)))
}

/// [`read_frame`] for an async transport.
#[cfg(feature = "embedded-io-async")]
pub async fn read_frame_async<'d, R, B, F>(
    reader: &mut R,
    decoder: &'d mut LengthDecoder<B, F>,
) -> Result<Option<Frame<'d>>, ReadError<R::Error>>
where
    R: embedded_io_async::Read + ?Sized,
    B: FrameBuffer,
    F: Format,
{
    let len: Result<Option<usize>, ReadError<R::Error>> = read_frame_len!(reader, decoder, await);
    Ok(len?.map(|n| stored_frame(decoder, n)))
}

/// [`write_frame`] for an async transport.
#[cfg(feature = "embedded-io-async")]
pub async fn write_frame_async<W, F: Format>(
    writer: &mut W,
    encoder: &LengthEncoder<F>,
    payload: &[u8],
) -> Result<(), WriteError<W::Error>>
where
    W: embedded_io_async::Write + ?Sized,
{
    write_frame_with_head_async(writer, encoder, &[], payload).await
}

/// [`write_frame_with_head`] for an async transport.
#[cfg(feature = "embedded-io-async")]
pub async fn write_frame_with_head_async<W, F: Format>(
    writer: &mut W,
    encoder: &LengthEncoder<F>,
    head: &[u8],
    payload: &[u8],
) -> Result<(), WriteError<W::Error>>
where
    W: embedded_io_async::Write + ?Sized,
{
    write_prefixed!(writer, encoder, head, payload, await)
}
