//! A tokio-util codec on the unstick core, so `Framed::new(stream, LengthCodec::new(..))` works.

use std::io;

use bytes::{Buf, BufMut, Bytes, BytesMut};
use tokio_util::codec::{Decoder, Encoder};
use unstick::{DecoderConfig, Event, LengthDecoder, LengthEncoder};

use crate::frames::decode_io_error;

/// The read window a busy connection gets: `FramedRead` reads only into the buffer's spare
/// capacity, 8 KiB at first.
const READ_WINDOW: usize = 64 << 10;

/// A read that filled the buffer to its capacity means the peer is ahead of us: let the next
/// read bring up to [`READ_WINDOW`] bytes, so small frames cost fewer read calls (about 7%
/// faster at 16 B on loopback). Idle connections keep the small buffer. The amount is fixed:
/// an announced length never reserves anything (tokio#333).
#[inline]
fn widen_read_window(src: &mut BytesMut) {
    if src.len() == src.capacity() && src.capacity() < READ_WINDOW {
        src.reserve(READ_WINDOW - src.len());
    }
}

/// Length-prefixed frames for `tokio_util::codec::Framed`, `FramedRead` and `FramedWrite`.
///
/// Frames are split off the read buffer without a copy. Unlike tokio-util's
/// `LengthDelimitedCodec`, it never reserves memory from an announced length (tokio#333): the
/// buffer grows only with bytes that arrive, and to a fixed 64 KiB read window on a connection
/// whose reads fill it. Receive limits come from a [`DecoderConfig`]
/// (including [`unstick::Oversize::Skip`]), the send limit from a [`LengthEncoder`]. Errors are
/// `io::Error`s with the [`unstick::DecodeError`] or [`unstick::EncodeError`] as source.
///
/// ```
/// use bytes::BytesMut;
/// use tokio_util::codec::{Decoder, Encoder};
/// use unstick::{DecoderConfig, LengthEncoder};
/// use unstick_std::LengthCodec;
///
/// let mut codec = LengthCodec::new(DecoderConfig::new(), LengthEncoder::default());
/// let mut buf = BytesMut::new();
/// codec.encode(&b"hello"[..], &mut buf)?;
/// assert_eq!(codec.decode(&mut buf)?.as_deref(), Some(&b"hello"[..]));
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct LengthCodec {
    decoder: LengthDecoder<Vec<u8>>,
    encoder: LengthEncoder,
}

impl LengthCodec {
    /// A codec with the receive limits of `config` and the send limit of `encoder`.
    /// Streaming in `config` is ignored: the codec yields whole frames.
    pub fn new(config: DecoderConfig, encoder: LengthEncoder) -> Self {
        let decoder = LengthDecoder::new(config.streaming(false), Vec::new())
            .unwrap_or_else(|_| unreachable!("a Vec holds any frame limit"));
        Self { decoder, encoder }
    }
}

impl Default for LengthCodec {
    /// 4-byte big-endian headers, 64 KiB receive limit, send limit of the header.
    fn default() -> Self {
        Self::new(DecoderConfig::new(), LengthEncoder::default())
    }
}

impl Decoder for LengthCodec {
    type Item = BytesMut;
    type Error = io::Error;

    #[inline]
    fn decode(&mut self, src: &mut BytesMut) -> io::Result<Option<BytesMut>> {
        loop {
            let step = self.decoder.decode_whole(src).map_err(decode_io_error)?;
            let (consumed, frame_len) = match step.event {
                Some(Event::Frame(frame)) => (step.consumed, Some(frame.len())),
                _ => (step.consumed, None),
            };
            match frame_len {
                Some(len) => {
                    // The frame is the last `len` of the consumed bytes.
                    src.advance(consumed - len);
                    return Ok(Some(src.split_to(len)));
                }
                None if consumed > 0 => src.advance(consumed),
                None => {
                    widen_read_window(src);
                    return Ok(None);
                }
            }
        }
    }

    fn decode_eof(&mut self, src: &mut BytesMut) -> io::Result<Option<BytesMut>> {
        if let Some(frame) = self.decode(src)? {
            return Ok(Some(frame));
        }
        // What is left is a partial frame: the core says exactly what is missing.
        self.decoder
            .decode_all(src, |_| {})
            .map_err(decode_io_error)?;
        src.clear();
        // A truncation fails the decoder: every later call repeats it.
        self.decoder.end_stream().map_err(decode_io_error)?;
        Ok(None)
    }
}

impl Encoder<&[u8]> for LengthCodec {
    type Error = io::Error;

    #[inline]
    fn encode(&mut self, payload: &[u8], dst: &mut BytesMut) -> io::Result<()> {
        let header = self
            .encoder
            .header(payload.len())
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        dst.reserve(header.len() + payload.len());
        dst.put_slice(&header);
        dst.put_slice(payload);
        Ok(())
    }
}

impl Encoder<Bytes> for LengthCodec {
    type Error = io::Error;

    #[inline]
    fn encode(&mut self, payload: Bytes, dst: &mut BytesMut) -> io::Result<()> {
        self.encode(&payload[..], dst)
    }
}

impl Encoder<BytesMut> for LengthCodec {
    type Error = io::Error;

    #[inline]
    fn encode(&mut self, payload: BytesMut, dst: &mut BytesMut) -> io::Result<()> {
        self.encode(&payload[..], dst)
    }
}
