//! Length frames over `std::io`, blocking or non-blocking.

use std::io::{self, IoSlice, Read, Write};

use unstick::{DecodeError, DecoderConfig, Event, HeaderBytes, LengthDecoder, LengthEncoder};

use crate::window::ReadWindow;

/// Read buffer size of a [`FrameReader`].
pub const DEFAULT_READ_BUFFER_LEN: usize = 64 * 1024;

/// Converts a decoding error to `io::Error`: truncation is `UnexpectedEof`, anything else
/// `InvalidData`; the typed error is the source and its message says which frame and limit.
pub fn decode_io_error(e: DecodeError) -> io::Error {
    let kind = match e {
        DecodeError::TruncatedHeader { .. } | DecodeError::TruncatedFrame { .. } => {
            io::ErrorKind::UnexpectedEof
        }
        _ => io::ErrorKind::InvalidData,
    };
    io::Error::new(kind, e)
}

/// Where the frame found by the last decode call lies.
enum Found {
    /// `buf[start..start + len]`: inside the read buffer, zero-copy.
    InRead { start: usize, len: usize },
    /// The decoder's buffer: the frame straddled reads.
    InDecoder { len: usize },
}

/// What one read straight into the decoder completed.
enum Committed {
    /// A frame of this length, now in the decoder's buffer.
    Frame(usize),
    /// An over-limit frame, skipped to its end.
    Skipped,
    /// Nothing yet.
    More,
}

/// One read into the decoder's spare region, retrying `Interrupted`, then committed. The end of
/// the stream is the decoder's truncation error; `WouldBlock` leaves the decoder as it was.
fn read_into_spare<R: Read>(
    inner: &mut R,
    decoder: &mut LengthDecoder<Vec<u8>>,
) -> io::Result<Committed> {
    let n = loop {
        match inner.read(decoder.spare()) {
            Ok(0) => {
                return Err(match decoder.finish() {
                    Err(e) => decode_io_error(e),
                    Ok(()) => io::ErrorKind::UnexpectedEof.into(),
                });
            }
            Ok(n) => break n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    };
    let step = decoder.commit(n).map_err(decode_io_error)?;
    Ok(match step.event {
        Some(Event::Frame(frame)) => Committed::Frame(frame.len()),
        Some(Event::Skipped { .. }) => Committed::Skipped,
        _ => Committed::More,
    })
}

/// Reads length frames from any `std::io::Read`, blocking or non-blocking.
///
/// It reads in large chunks (64 KiB by default) and hands out frames as slices of its read
/// buffer when they lie inside one read, copying only frames that straddle reads into a buffer
/// that grows to the largest such frame (never beyond the limit) and is then reused: no
/// allocation per frame in steady state. The rest of a frame larger than the read buffer is
/// read straight into that frame buffer, so large frames are copied once, as with `BufReader`.
///
/// ```
/// use unstick::{DecoderConfig, LengthEncoder};
/// use unstick_std::{FrameReader, write_frame};
///
/// let mut wire = Vec::new();
/// for msg in [&b"hello"[..], b"world"] {
///     write_frame(&mut wire, &LengthEncoder::default(), msg)?;
/// }
/// let mut reader = FrameReader::new(&wire[..], DecoderConfig::new());
/// assert_eq!(reader.read_frame()?, Some(&b"hello"[..]));
/// assert_eq!(reader.read_frame()?, Some(&b"world"[..]));
/// assert_eq!(reader.read_frame()?, None); // clean end of stream
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct FrameReader<R> {
    window: ReadWindow<R>,
    decoder: LengthDecoder<Vec<u8>>,
    skipped: u64,
}

impl<R: Read> FrameReader<R> {
    /// A reader with the receive limits of `config` and a [`DEFAULT_READ_BUFFER_LEN`] buffer.
    /// Streaming in `config` is ignored: this reader returns whole frames.
    pub fn new(inner: R, config: DecoderConfig) -> Self {
        Self::with_buffer_len(inner, config, DEFAULT_READ_BUFFER_LEN)
    }

    /// A reader with a read buffer of `len` bytes (at least 1).
    pub fn with_buffer_len(inner: R, config: DecoderConfig, len: usize) -> Self {
        let decoder = LengthDecoder::new(config.streaming(false), Vec::new())
            .unwrap_or_else(|_| unreachable!("a Vec holds any frame limit"));
        Self {
            window: ReadWindow::new(inner, len),
            decoder,
            skipped: 0,
        }
    }

    /// The next frame, or `None` when the stream ends cleanly on a frame boundary.
    ///
    /// An end of stream inside a frame is `UnexpectedEof` whose message says how many bytes of
    /// which frame are missing; an over-limit or negative length is `InvalidData` (with
    /// [`unstick::Oversize::Skip`] over-limit frames are skipped and counted instead). The
    /// [`DecodeError`] is the source of both. `Interrupted` is retried. `WouldBlock` (from a
    /// non-blocking socket) is returned with all state kept: call again when readable.
    pub fn read_frame(&mut self) -> io::Result<Option<&[u8]>> {
        let found = loop {
            let w = &mut self.window;
            // A rest of a frame larger than the read buffer is read straight into the
            // decoder's buffer, like `BufReader` does: one copy instead of two.
            if w.is_empty() && self.decoder.missing() >= w.buf.len() as u64 {
                match read_into_spare(&mut w.inner, &mut self.decoder)? {
                    Committed::Frame(len) => break Found::InDecoder { len },
                    Committed::Skipped => self.skipped += 1,
                    Committed::More => {}
                }
                continue;
            }
            if w.is_empty() && w.fill()? == 0 {
                return match self.decoder.finish() {
                    Ok(()) => Ok(None),
                    Err(e) => Err(decode_io_error(e)),
                };
            }
            let window = &w.buf[w.start..w.end];
            let step = self.decoder.decode(window).map_err(decode_io_error)?;
            let consumed = step.consumed;
            let found = match step.event {
                Some(Event::Frame(frame)) => {
                    let at = (frame.as_ptr() as usize).wrapping_sub(window.as_ptr() as usize);
                    Some(if at < window.len() || frame.is_empty() {
                        Found::InRead {
                            start: w.start + at.min(window.len()),
                            len: frame.len(),
                        }
                    } else {
                        Found::InDecoder { len: frame.len() }
                    })
                }
                Some(Event::Skipped { .. }) => {
                    self.skipped += 1;
                    None
                }
                _ => None,
            };
            w.start += consumed;
            if let Some(found) = found {
                break found;
            }
        };
        Ok(Some(match found {
            Found::InRead { start, len } => &self.window.buf[start..start + len],
            Found::InDecoder { len } => &self.decoder.buffer()[..len],
        }))
    }

    /// Frames skipped as over the limit (with [`unstick::Oversize::Skip`]).
    pub fn skipped(&self) -> u64 {
        self.skipped
    }

    /// Frames returned so far.
    pub fn frames(&self) -> u64 {
        self.decoder.frames() - self.skipped
    }

    /// Whether a frame is partly read (bytes buffered or a straddling frame in progress).
    pub fn has_partial(&self) -> bool {
        !self.window.is_empty() || !self.decoder.is_idle()
    }

    /// The wrapped reader.
    pub fn inner(&self) -> &R {
        &self.window.inner
    }

    /// The wrapped reader, mutably. Reading from it directly desynchronizes the framing.
    pub fn inner_mut(&mut self) -> &mut R {
        &mut self.window.inner
    }

    /// Returns the wrapped reader; buffered bytes are lost.
    pub fn into_inner(self) -> R {
        self.window.inner
    }
}

/// Writes length frames to any `std::io::Write`, blocking or non-blocking.
///
/// Header and payload go out in one vectored write: the payload is not copied and Nagle's
/// algorithm does not send the header alone. [`with_capacity`](Self::with_capacity) adds a
/// coalescing buffer for small frames (like `BufWriter`, but without a copy for frames larger
/// than it): then call [`flush`](Self::flush) when a batch is done. On a non-blocking writer, a
/// frame that hits `WouldBlock` part way is still accepted: its unwritten rest is kept and sent
/// by [`flush`](Self::flush) or before the next frame.
#[derive(Debug)]
pub struct FrameWriter<W: Write> {
    inner: W,
    encoder: LengthEncoder,
    /// Accepted bytes not yet written: coalesced small frames, or the rest after `WouldBlock`.
    buf: Vec<u8>,
    capacity: usize,
}

impl<W: Write> FrameWriter<W> {
    /// A writer that sends every frame at once (one vectored write per frame), with the send
    /// limit and header format of `encoder`.
    pub fn new(inner: W, encoder: LengthEncoder) -> Self {
        Self::with_capacity(inner, encoder, 0)
    }

    /// A writer that gathers frames up to `capacity` bytes before writing; frames that do not
    /// fit are written straight from the caller's payload. Call [`flush`](Self::flush) to send
    /// what is gathered.
    pub fn with_capacity(inner: W, encoder: LengthEncoder, capacity: usize) -> Self {
        Self {
            inner,
            encoder,
            buf: Vec::with_capacity(capacity),
            capacity,
        }
    }

    /// Sends (or, with a capacity, gathers) one frame.
    ///
    /// `Ok` means the frame was accepted. If bytes accepted earlier cannot all be written
    /// because the writer would block, this returns `WouldBlock` without accepting the frame.
    /// A payload over the send limit is `InvalidInput` and nothing is written.
    pub fn write_frame(&mut self, payload: &[u8]) -> io::Result<()> {
        let header = self
            .encoder
            .header(payload.len())
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        self.write_encoded(&header, payload)
    }

    /// Gathers or sends a frame whose header is already encoded.
    fn write_encoded(&mut self, header: &HeaderBytes, payload: &[u8]) -> io::Result<()> {
        let need = header.len() + payload.len();
        if self.buf.len() + need <= self.capacity {
            self.buf.extend_from_slice(header);
            self.buf.extend_from_slice(payload);
            return Ok(());
        }
        if !self.buf.is_empty() {
            self.write_buffered()?;
        }
        if need <= self.capacity {
            self.buf.extend_from_slice(header);
            self.buf.extend_from_slice(payload);
            return Ok(());
        }
        let mut parts = [IoSlice::new(header), IoSlice::new(payload)];
        self.send_or_keep(&mut parts)
    }

    /// Sends many frames; without a capacity, with as few vectored writes as the writer allows.
    pub fn write_frames(&mut self, payloads: &[&[u8]]) -> io::Result<()> {
        let headers = payloads
            .iter()
            .map(|p| self.encoder.header(p.len()))
            .collect::<Result<Vec<HeaderBytes>, _>>()
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        if self.capacity > 0 {
            for (header, payload) in headers.iter().zip(payloads) {
                self.write_encoded(header, payload)?;
            }
            return Ok(());
        }
        self.write_buffered()?;
        let mut parts: Vec<IoSlice<'_>> = Vec::with_capacity(payloads.len() * 2);
        for (header, payload) in headers.iter().zip(payloads) {
            parts.push(IoSlice::new(header));
            parts.push(IoSlice::new(payload));
        }
        self.send_or_keep(&mut parts)
    }

    /// Writes everything accepted so far, then flushes the wrapped writer. `WouldBlock` keeps
    /// the rest for the next call.
    pub fn flush(&mut self) -> io::Result<()> {
        self.write_buffered()?;
        self.inner.flush()
    }

    /// Whether accepted bytes are still waiting for the writer (register for writability).
    pub fn has_pending(&self) -> bool {
        !self.buf.is_empty()
    }

    fn write_buffered(&mut self) -> io::Result<()> {
        let mut written = 0;
        let result = loop {
            if written == self.buf.len() {
                break Ok(());
            }
            match self.inner.write(&self.buf[written..]) {
                Ok(0) => break Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => written += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => break Err(e),
            }
        };
        if written == self.buf.len() {
            self.buf.clear();
        } else {
            self.buf.drain(..written);
        }
        result
    }

    /// Writes `parts`; on `WouldBlock` keeps what is left and reports success.
    fn send_or_keep(&mut self, parts: &mut [IoSlice<'_>]) -> io::Result<()> {
        let mut parts = parts;
        IoSlice::advance_slices(&mut parts, 0);
        while !parts.is_empty() {
            match self.inner.write_vectored(parts) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => IoSlice::advance_slices(&mut parts, n),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    for part in parts.iter() {
                        self.buf.extend_from_slice(part);
                    }
                    return Ok(());
                }
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// The wrapped writer.
    pub fn inner(&self) -> &W {
        &self.inner
    }

    /// The wrapped writer, mutably. Writing to it directly desynchronizes the framing.
    pub fn inner_mut(&mut self) -> &mut W {
        &mut self.inner
    }

    /// Returns the wrapped writer; unwritten bytes are lost (flush first).
    pub fn into_inner(self) -> W {
        self.inner
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffered_batches_match_single_frames_and_refuse_whole() {
        let big = vec![9u8; 100];
        let batch: [&[u8]; 4] = [b"a", b"", &big, b"tail"];
        let mut expected = Vec::new();
        for p in batch {
            crate::write_frame(&mut expected, &LengthEncoder::default(), p).unwrap();
        }
        let mut w = FrameWriter::with_capacity(Vec::new(), LengthEncoder::default(), 16);
        w.write_frames(&batch).unwrap();
        w.flush().unwrap();
        assert_eq!(w.into_inner(), expected);

        // One payload over the send limit: nothing of the batch is written.
        let mut w =
            FrameWriter::with_capacity(Vec::new(), LengthEncoder::default().max_frame_len(50), 16);
        let err = w.write_frames(&batch).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        w.flush().unwrap();
        assert!(w.into_inner().is_empty());
    }
}
