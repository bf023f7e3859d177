//! The decode loops the benchmarks time, written once so that a name (`unstick`,
//! `unstick-all`, `tokio-util`) means the same code in every bench.

use bytes::BytesMut;
use tokio_util::codec::{Decoder, LengthDelimitedCodec};
use unstick::{Event, Format, LengthDecoder};

/// Decodes every chunk with a `decode` loop; calls `frame` with each payload.
#[inline(always)]
pub(crate) fn unstick_decode<F: Format>(
    decoder: &mut LengthDecoder<&mut [u8], F>,
    chunks: &[&[u8]],
    mut frame: impl FnMut(&[u8]),
) {
    for chunk in chunks {
        let mut input: &[u8] = chunk;
        loop {
            let step = decoder.decode(input).expect("valid stream");
            input = &input[step.consumed..];
            match step.event {
                Some(Event::Frame(f)) => frame(f.payload),
                Some(other) => panic!("unexpected {other:?}"),
                None => break,
            }
        }
    }
}

/// Decodes every chunk with `decode_all`; calls `frame` with each payload.
#[inline(always)]
pub(crate) fn unstick_decode_all<F: Format>(
    decoder: &mut LengthDecoder<&mut [u8], F>,
    chunks: &[&[u8]],
    mut frame: impl FnMut(&[u8]),
) {
    for chunk in chunks {
        decoder
            .decode_all(chunk, |event| match event {
                Event::Frame(f) => frame(f.payload),
                other => panic!("unexpected {other:?}"),
            })
            .expect("valid stream");
    }
}

/// Decodes every chunk with tokio-util, fed through a `BytesMut` as `FramedRead` would.
#[inline(always)]
pub(crate) fn tokio_decode(
    codec: &mut LengthDelimitedCodec,
    buf: &mut BytesMut,
    chunks: &[&[u8]],
    mut frame: impl FnMut(&[u8]),
) {
    for chunk in chunks {
        buf.extend_from_slice(chunk);
        while let Some(f) = codec.decode(buf).expect("valid stream") {
            frame(&f);
        }
    }
}
