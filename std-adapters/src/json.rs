//! JSON-header frames over `std::io`: a reader that yields each header and then the body as an
//! `io::Read` limited to `total_size`, and a writer that sends a header and a body from any
//! `io::Read`.

use std::io::{self, IoSlice, Read, Write};

use serde::Serialize;
use serde::de::DeserializeOwned;
use unstick::{FrameFormat, LengthEncoder};

use crate::window::ReadWindow;
use crate::write::write_all_vectored;

/// Read buffer size of a [`JsonFrameReader`] and copy buffer of a [`JsonFrameWriter`].
pub const DEFAULT_BUFFER_LEN: usize = 64 * 1024;

/// Converts a decoding error to `io::Error`: truncation is `UnexpectedEof`, anything else
/// `InvalidData`; the typed error is the source.
pub(crate) fn json_io_error(e: unstick::json::DecodeError) -> io::Error {
    let kind = match e {
        unstick::json::DecodeError::TruncatedLengthPrefix { .. }
        | unstick::json::DecodeError::TruncatedHeader { .. }
        | unstick::json::DecodeError::TruncatedBody { .. } => io::ErrorKind::UnexpectedEof,
        _ => io::ErrorKind::InvalidData,
    };
    io::Error::new(kind, e)
}

/// A JSON header deserialized with `serde_json`, lone surrogate escapes read as U+FFFD.
pub(crate) fn parse_header<T: DeserializeOwned>(json: &str) -> serde_json::Result<T> {
    let json = json.as_bytes();
    let mut joined = vec![0u8; json.len()];
    let n = unstick::json::join_surrogate_escapes(json, &mut joined)
        .unwrap_or_else(|| unreachable!("joining never lengthens the text"));
    serde_json::from_slice(&joined[..n])
}

/// Reads JSON-header frames from any `std::io::Read`.
///
/// ```
/// use std::io::Read;
/// use unstick::json::Config;
/// use unstick_std::{JsonFrameReader, JsonFrameWriter};
///
/// let mut wire = Vec::new();
/// let mut writer = JsonFrameWriter::new(&mut wire, Config::new());
/// writer.send(&serde_json::json!({"filename": "a.txt", "total_size": 5}), &b"hello"[..])?;
///
/// let mut reader = JsonFrameReader::new(&wire[..], Config::new());
/// let mut frame = reader.next_frame()?.expect("one frame");
/// assert_eq!(frame.total_size(), 5);
/// let header: serde_json::Value = frame.header()?;
/// assert_eq!(header["filename"], "a.txt");
/// let mut body = String::new();
/// frame.read_to_string(&mut body)?;
/// assert_eq!(body, "hello");
/// assert!(reader.next_frame()?.is_none()); // clean end of stream
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct JsonFrameReader<R> {
    window: ReadWindow<R>,
    decoder: unstick::json::Decoder<Vec<u8>>,
    header: String,
    total_size: u64,
}

impl<R: Read> JsonFrameReader<R> {
    /// A reader with a [`DEFAULT_BUFFER_LEN`] read buffer.
    pub fn new(inner: R, config: unstick::json::Config) -> Self {
        Self::with_buffer_len(inner, config, DEFAULT_BUFFER_LEN)
    }

    /// A reader with a read buffer of `len` bytes (at least 1).
    pub fn with_buffer_len(inner: R, config: unstick::json::Config, len: usize) -> Self {
        let decoder = unstick::json::Decoder::new(config, Vec::new())
            .unwrap_or_else(|_| unreachable!("a Vec holds any header limit"));
        Self {
            window: ReadWindow::new(inner, len),
            decoder,
            header: String::new(),
            total_size: 0,
        }
    }

    /// The next frame, or `None` at a clean end of stream between frames.
    ///
    /// Whatever the previous frame's body left unread is read and discarded first. An end of
    /// stream inside a frame is `UnexpectedEof` saying what is missing; a refused header is
    /// `InvalidData`; both have the [`unstick::json::DecodeError`] as source. `Interrupted` is retried;
    /// `WouldBlock` (and any other error of the wrapped reader) is returned with all state
    /// kept, so the call can be repeated. Framing errors are final: after one, every call
    /// (and every body read) returns the same error without reading the wrapped reader again.
    pub fn next_frame(&mut self) -> io::Result<Option<JsonFrame<'_, R>>> {
        self.check_failed()?;
        while self.decoder.in_body() {
            self.discard_body()?;
        }
        loop {
            if self.window.is_empty() && self.window.fill()? == 0 {
                return match self.decoder.end_stream() {
                    Ok(()) => Ok(None),
                    Err(e) => Err(json_io_error(e)),
                };
            }
            let w = &mut self.window;
            let step = self
                .decoder
                .decode(&w.buf[w.start..w.end])
                .map_err(json_io_error)?;
            w.start += step.consumed;
            if let Some(unstick::json::Event::Header(header)) = step.event {
                self.header.clear();
                self.header.push_str(header.json());
                self.total_size = header.total_size();
                return Ok(Some(JsonFrame { reader: self }));
            }
        }
    }

    /// Consumes body bytes (or the end event) from the window, refilling as needed.
    fn discard_body(&mut self) -> io::Result<()> {
        if self.window.is_empty() && self.decoder.body_remaining() > 0 && self.window.fill()? == 0 {
            return Err(self.eof_error());
        }
        let w = &mut self.window;
        let step = self
            .decoder
            .decode(&w.buf[w.start..w.end])
            .map_err(json_io_error)?;
        w.start += step.consumed;
        Ok(())
    }

    /// The error for an end of stream inside a frame: what is missing. The decoder stays
    /// failed with it.
    fn eof_error(&mut self) -> io::Error {
        match self.decoder.end_stream() {
            Err(e) => json_io_error(e),
            Ok(()) => io::ErrorKind::UnexpectedEof.into(),
        }
    }

    /// The error the decoder failed with, again, without touching the wrapped reader.
    fn check_failed(&self) -> io::Result<()> {
        match self.decoder.finish() {
            Err(e) if self.decoder.is_failed() => Err(json_io_error(e)),
            _ => Ok(()),
        }
    }

    /// The wrapped reader.
    pub fn inner(&self) -> &R {
        &self.window.inner
    }

    /// The wrapped reader, mutably. Reading from it directly desynchronizes the framing.
    pub fn inner_mut(&mut self) -> &mut R {
        &mut self.window.inner
    }

    /// Returns the wrapped reader; bytes already read into the buffer are lost.
    pub fn into_inner(self) -> R {
        self.window.inner
    }
}

/// One frame of a [`JsonFrameReader`]: its header, and its body as an `io::Read` that yields
/// exactly `total_size` bytes, then end of file.
#[derive(Debug)]
pub struct JsonFrame<'r, R> {
    reader: &'r mut JsonFrameReader<R>,
}

impl<R: Read> JsonFrame<'_, R> {
    /// The header's JSON text as received.
    pub fn header_json(&self) -> &str {
        &self.reader.header
    }

    /// The body size the header announced.
    pub fn total_size(&self) -> u64 {
        self.reader.total_size
    }

    /// Body bytes not read yet.
    pub fn body_remaining(&self) -> u64 {
        self.reader.decoder.body_remaining()
    }

    /// The header deserialized with `serde_json` (escapes decoded, owned strings). Every header
    /// Python's `json.dumps` writes deserializes; a lone surrogate escape (Python writes one
    /// for a file name that is not UTF-8) becomes U+FFFD, as a Rust string cannot hold it.
    pub fn header<T: DeserializeOwned>(&self) -> io::Result<T> {
        parse_header(&self.reader.header).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
    }
}

impl<R: Read> Read for JsonFrame<'_, R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let r = &mut *self.reader;
        r.check_failed()?;
        if out.is_empty() || !r.decoder.in_body() {
            return Ok(0);
        }
        loop {
            let remaining = r.decoder.body_remaining();
            if remaining == 0 {
                // The last piece went out: take the end event, then report end of file.
                let _ = r.decoder.decode(&[]).map_err(json_io_error)?;
                return Ok(0);
            }
            if r.window.is_empty() {
                if out.len() >= r.window.buf.len() {
                    // A large read: straight into the caller's buffer, no copy through ours.
                    let want = out
                        .len()
                        .min(usize::try_from(remaining).unwrap_or(usize::MAX));
                    let n = loop {
                        match r.window.inner.read(&mut out[..want]).map(|n| n.min(want)) {
                            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                            other => break other?,
                        }
                    };
                    if n == 0 {
                        return Err(r.eof_error());
                    }
                    let step = r.decoder.decode(&out[..n]).map_err(json_io_error)?;
                    debug_assert_eq!(step.consumed, n);
                    return Ok(step.consumed);
                }
                if r.window.fill()? == 0 {
                    return Err(r.eof_error());
                }
            }
            let w = &mut r.window;
            let limit = (w.end - w.start).min(out.len());
            let step = r
                .decoder
                .decode(&w.buf[w.start..w.start + limit])
                .map_err(json_io_error)?;
            w.start += step.consumed;
            if let Some(unstick::json::Event::BodyPiece(piece)) = step.event {
                out[..piece.len()].copy_from_slice(piece);
                return Ok(piece.len());
            }
        }
    }
}

/// Writes JSON-header frames to any `std::io::Write`.
///
/// The header is serialized with `serde_json` and checked the way a decoder with the same
/// configuration checks it; the length prefix, the header and the first body bytes go out in
/// one vectored write (no Nagle split), then the body streams from the given reader.
#[derive(Debug)]
pub struct JsonFrameWriter<W> {
    inner: W,
    config: unstick::json::Config,
    header: Vec<u8>,
    buf: Box<[u8]>,
}

impl<W: Write> JsonFrameWriter<W> {
    /// A writer with a [`DEFAULT_BUFFER_LEN`] copy buffer.
    pub fn new(inner: W, config: unstick::json::Config) -> Self {
        Self {
            inner,
            config,
            header: Vec::new(),
            buf: vec![0u8; DEFAULT_BUFFER_LEN].into_boxed_slice(),
        }
    }

    /// Sends `header`, then exactly its `total_size` bytes read from `body`. Returns the body
    /// length.
    ///
    /// A header the peer would refuse is `InvalidInput` before anything is written. A body
    /// that ends before `total_size` bytes is `UnexpectedEof`; the frame on the wire is then
    /// incomplete, so the connection should be closed. Extra bytes in `body` are not read.
    pub fn send<H, B>(&mut self, header: &H, mut body: B) -> io::Result<u64>
    where
        H: Serialize + ?Sized,
        B: Read,
    {
        self.header.clear();
        serde_json::to_writer(&mut self.header, header)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        let total_size = self.check_header()?;
        let prefix = LengthEncoder::new(
            FrameFormat::new()
                .with_length(self.config.length())
                .with_max_frame_len(self.config.max_header_len()),
        )
        .prefix(self.header.len())
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        let first = read_up_to(&mut body, &mut self.buf, total_size)?;
        write_all_vectored(
            &mut self.inner,
            &mut [
                IoSlice::new(&prefix),
                IoSlice::new(&self.header),
                IoSlice::new(&self.buf[..first]),
            ],
        )?;
        let mut sent = first as u64;
        while sent < total_size {
            let n = read_up_to(&mut body, &mut self.buf, total_size - sent)?;
            if n == 0 {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    format!("the body ended after {sent} of its {total_size} bytes"),
                ));
            }
            self.inner.write_all(&self.buf[..n])?;
            sent += n as u64;
        }
        Ok(total_size)
    }

    fn check_header(&self) -> io::Result<u64> {
        if self.header.len() as u64 > self.config.max_header_len() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "the JSON header is {} bytes, over the limit of {}",
                    self.header.len(),
                    self.config.max_header_len()
                ),
            ));
        }
        self.config
            .inspect(&self.header)
            .map_err(|p| io::Error::new(io::ErrorKind::InvalidInput, p.to_string()))
    }

    /// Flushes the wrapped writer.
    pub fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }

    /// The wrapped writer.
    pub fn inner(&self) -> &W {
        &self.inner
    }

    /// The wrapped writer, mutably.
    pub fn inner_mut(&mut self) -> &mut W {
        &mut self.inner
    }

    /// Returns the wrapped writer.
    pub fn into_inner(self) -> W {
        self.inner
    }
}

/// Reads at most `limit` bytes (and at most `buf.len()`) from `r`, retrying `Interrupted`;
/// fills as much as one successful read gives.
fn read_up_to<R: Read>(r: &mut R, buf: &mut [u8], limit: u64) -> io::Result<usize> {
    let want = buf.len().min(usize::try_from(limit).unwrap_or(usize::MAX));
    if want == 0 {
        return Ok(0);
    }
    loop {
        match r.read(&mut buf[..want]) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            other => return other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that hands out at most `step` bytes per call.
    struct Trickle<'a> {
        data: &'a [u8],
        step: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            let n = self.data.len().min(self.step).min(out.len());
            out[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }

    fn two_frames() -> Vec<u8> {
        let mut wire = Vec::new();
        let mut w = JsonFrameWriter::new(&mut wire, unstick::json::Config::new());
        w.send(
            &serde_json::json!({"total_size": 11, "n": 1}),
            &b"first body!"[..],
        )
        .unwrap();
        w.send(
            &serde_json::json!({"total_size": 3, "n": 2}),
            &b"abcdef"[..],
        )
        .unwrap();
        wire
    }

    #[test]
    fn unread_bodies_are_skipped_and_small_reads_work() {
        let wire = two_frames();
        for step in [1, 2, 5, 1000] {
            let mut reader = JsonFrameReader::with_buffer_len(
                Trickle { data: &wire, step },
                unstick::json::Config::new(),
                4,
            );
            let frame = reader.next_frame().unwrap().unwrap();
            assert_eq!(frame.total_size(), 11);
            // Its body is left unread: next_frame discards it.
            let mut frame = reader.next_frame().unwrap().unwrap();
            let h: serde_json::Value = frame.header().unwrap();
            assert_eq!(h["n"], 2);
            let mut byte = [0u8; 1];
            let mut body = Vec::new();
            while frame.read(&mut byte).unwrap() == 1 {
                body.push(byte[0]);
            }
            assert_eq!(body, b"abc");
            assert!(reader.next_frame().unwrap().is_none());
        }
    }

    #[test]
    fn truncated_body_is_unexpected_eof_with_the_missing_count() {
        let wire = two_frames();
        let cut = &wire[..wire.len() - 2];
        let mut reader = JsonFrameReader::new(cut, unstick::json::Config::new());
        reader.next_frame().unwrap().unwrap();
        let mut frame = reader.next_frame().unwrap().unwrap();
        let mut body = Vec::new();
        let err = frame.read_to_end(&mut body).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
        assert_eq!(
            err.to_string(),
            "stream ended inside the body of frame 1 (at byte 38): 2 of its 3 bytes missing"
        );
    }

    #[test]
    fn writer_refuses_a_header_the_peer_would_refuse_and_short_bodies() {
        let mut wire = Vec::new();
        let mut w = JsonFrameWriter::new(&mut wire, unstick::json::Config::new());
        let err = w
            .send(&serde_json::json!({"name": "x"}), &b""[..])
            .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        assert_eq!(err.to_string(), "header has no \"total_size\"");
        let err = w
            .send(&serde_json::json!({"total_size": 10}), &b"short"[..])
            .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
        assert_eq!(err.to_string(), "the body ended after 5 of its 10 bytes");
    }
}
