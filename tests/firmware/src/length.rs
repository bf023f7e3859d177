//! Frames of every shape through `eio::read_event` and the bare `LengthDecoder::decode`: the
//! tutorials' `u32be` with its format chosen at run time and fixed at compile time, LEB128 and
//! QUIC varints, MQTT's Variable Byte Integer, and a head with an adjustment.

use crate::hprintln;
use unstick::{
    DecodeError, Decoded, Event, Format, FrameFormat, LengthDecoder, LengthEncoder, LengthField,
    Oversize, eio,
};

use crate::chunked::Chunked;
use crate::{Builder, Checks, pattern, stack};

/// The decoder's buffer after the head: frames longer than this stream in pieces.
const BUF: usize = 32;
/// The frame limit: longer frames are skipped.
const MAX: u64 = 64;
/// (length, seed) of every frame: 32 fills the buffer exactly, 50 and 64 stream, 100 is skipped.
const FRAMES: [(usize, u8); 8] = [
    (5, 1),
    (0, 2),
    (32, 3),
    (50, 4),
    (100, 5),
    (10, 6),
    (1, 7),
    (64, 8),
];
/// The truncated tail: a prefix announcing 20 bytes, then 7 of them.
const TAIL_LEN: usize = 20;
const TAIL_SENT: usize = 7;
/// (largest chunk, seed) of each pass: byte by byte up to everything at once.
const PASSES: [(usize, u32); 6] = [(1, 1), (3, 7), (7, 42), (33, 9), (64, 5), (1000, 3)];

/// The receiving side every shape shares: skip over the limit, stream over the buffer.
const fn base() -> FrameFormat {
    FrameFormat::new()
        .with_max_frame_len(MAX)
        .with_oversize(Oversize::Skip)
        .with_streaming(true)
}

/// `u32be`, fixed at compile time.
#[derive(Debug, Clone, Copy)]
struct U32;
impl Format for U32 {
    #[inline(always)]
    fn format(&self) -> FrameFormat {
        const FORMAT: FrameFormat = base();
        FORMAT
    }
}

/// LEB128 lengths (protobuf's delimited streams), fixed at compile time.
#[derive(Debug, Clone, Copy)]
struct Leb128;
impl Format for Leb128 {
    #[inline(always)]
    fn format(&self) -> FrameFormat {
        // A constant, so no builder runs on the decode path.
        const FORMAT: FrameFormat = base().with_length(LengthField::Leb128);
        FORMAT
    }
}

/// A 2-byte head, then a 16-bit length that counts itself (adjustment -2), fixed at compile time.
#[derive(Debug, Clone, Copy)]
struct Headed;
impl Format for Headed {
    #[inline(always)]
    fn format(&self) -> FrameFormat {
        const FORMAT: FrameFormat = base()
            .with_head_len(2)
            .with_length(LengthField::U16_BE)
            .with_adjustment(-2);
        FORMAT
    }
}

/// Checks every shape and prints the decoder's size and peak stack.
pub fn run(checks: &mut Checks) {
    let runtime = shape(checks, base());
    let fixed = shape(checks, U32);
    shape(checks, Leb128);
    shape(checks, Headed);
    shape(checks, base().with_length(LengthField::MqttVbi));
    shape(checks, base().with_length(LengthField::QuicVarint));
    hprintln!(
        "LengthDecoder state: {} B besides its buffer ({} B with a format fixed at compile time); buffer here: {} B",
        core::mem::size_of::<LengthDecoder<[u8; 0]>>(),
        core::mem::size_of::<LengthDecoder<[u8; 0], U32>>(),
        BUF
    );
    hprintln!(
        "peak stack: LengthDecoder::decode {} B, eio::read_event {} B ({} B and {} B with a format fixed at compile time)",
        runtime.1,
        runtime.0,
        fixed.1,
        fixed.0
    );
    #[cfg(feature = "encoder")]
    hprintln!(
        "LengthEncoder: {} B",
        core::mem::size_of::<unstick::LengthEncoder>()
    );
}

/// Where each frame starts in a shape's stream.
type Offsets = [usize; FRAMES.len() + 1];

/// Builds the stream of `format`'s shape; the head of frame `k` is its seed, repeated.
fn build<'a, F: Format>(wire: &'a mut [u8], format: F, offsets: &mut Offsets) -> Option<&'a [u8]> {
    // Over-limit frames are on the wire too: the sender's limit is the field's.
    let encoder = LengthEncoder::new(format.format().with_max_frame_len(u64::MAX));
    let h = format.format().head_len();
    let mut b = Builder::new(wire);
    for (k, &(len, seed)) in FRAMES.iter().enumerate() {
        offsets[k] = b.bytes().len();
        let head = [seed; 16];
        let prefix = encoder.prefix_with_head(head.get(..h)?, len).ok()?;
        b.put(&prefix).then_some(())?;
        (0..len).all(|i| b.put(&[pattern(seed, i)])).then_some(())?;
    }
    offsets[FRAMES.len()] = b.bytes().len();
    let head = [9u8; 16];
    let prefix = encoder.prefix_with_head(head.get(..h)?, TAIL_LEN).ok()?;
    b.put(&prefix).then_some(())?;
    (0..TAIL_SENT)
        .all(|i| b.put(&[pattern(9, i)]))
        .then_some(())?;
    let len = b.bytes().len();
    Some(&wire[..len])
}

/// Every pass of one shape; returns the deepest stack of `read_event` and of `decode`.
fn shape<F: Format>(checks: &mut Checks, format: F) -> (usize, usize) {
    let mut wire = [0u8; 512];
    let mut offsets = [0; FRAMES.len() + 1];
    let Some(wire) = build(&mut wire, format, &mut offsets) else {
        checks.check(false, "the stream fits its buffer");
        return (0, 0);
    };
    let mut deepest = 0;
    for (max_chunk, seed) in PASSES {
        deepest = deepest.max(eio_pass(checks, format, wire, &offsets, max_chunk, seed));
    }
    (deepest, bare_pass(checks, format, wire))
}

/// Whether `head` is frame `seed`'s head in `format`.
fn head_ok<F: Format>(format: F, head: &[u8], seed: u8) -> bool {
    head.len() == format.format().head_len() && head.iter().all(|&b| b == seed)
}

/// One pass through `eio::read_event`; returns the deepest stack of a call.
fn eio_pass<F: Format>(
    checks: &mut Checks,
    format: F,
    wire: &[u8],
    offsets: &Offsets,
    max_chunk: usize,
    seed: u32,
) -> usize {
    let h = format.format().head_len();
    let mut buf = [0u8; 16 + BUF];
    let Ok(mut decoder) = LengthDecoder::new(format, &mut buf[..h + BUF]) else {
        checks.check(false, "decoder format");
        return 0;
    };
    let mut reader = Chunked::new(wire, max_chunk, seed);
    let mut next = 0usize;
    let mut streamed = 0usize;
    let mut deepest = 0;
    for _ in 0..10_000 {
        let (d, r) = (&mut decoder, &mut reader);
        let (result, used) = stack::peak(move || eio::read_event(r, d));
        deepest = deepest.max(used);
        let expected = FRAMES.get(next).copied();
        match (result, expected) {
            (Ok(Some(Event::Frame(frame))), Some((len, seed))) => {
                let p = frame.payload;
                let same =
                    p.len() == len && p.iter().enumerate().all(|(i, &x)| x == pattern(seed, i));
                checks.check(same && len <= BUF, "a buffered frame");
                checks.check(head_ok(format, frame.head, seed), "a buffered frame's head");
                #[cfg(feature = "encoder")]
                reencode(checks, format, wire, offsets[next], frame);
                next += 1;
            }
            (Ok(Some(Event::StreamStart { head, len })), Some((want, seed))) => {
                checks.check(len == want as u64 && want > BUF, "a stream start");
                checks.check(head_ok(format, head, seed), "a streamed frame's head");
                streamed = 0;
            }
            (Ok(Some(Event::StreamPiece(p))), Some((_, seed))) => {
                let same = p
                    .iter()
                    .enumerate()
                    .all(|(i, &x)| x == pattern(seed, streamed + i));
                checks.check(
                    same && !p.is_empty() && p.len() <= BUF + h,
                    "a stream piece",
                );
                streamed += p.len();
            }
            (Ok(Some(Event::StreamEnd)), Some((len, _))) => {
                checks.check(streamed == len, "a streamed frame's length");
                next += 1;
            }
            (Ok(Some(Event::Skipped { len })), Some((want, _))) => {
                checks.check(len == want as u64 && len > MAX, "a skipped frame");
                next += 1;
            }
            (
                Err(eio::ReadError::Decode(DecodeError::TruncatedFrame {
                    frame,
                    offset,
                    len,
                    missing,
                })),
                None,
            ) => {
                checks.check(
                    frame == FRAMES.len() as u64
                        && offset == offsets[FRAMES.len()] as u64
                        && len == TAIL_LEN as u64
                        && missing == (TAIL_LEN - TAIL_SENT) as u64,
                    "the truncated tail is reported exactly",
                );
                return deepest;
            }
            _ => {
                checks.check(false, "an unexpected event or error");
                return deepest;
            }
        }
    }
    checks.check(false, "the pass ended");
    deepest
}

/// Re-encodes a received frame and compares it with the bytes that carried it.
#[cfg(feature = "encoder")]
fn reencode<F: Format>(
    checks: &mut Checks,
    format: F,
    wire: &[u8],
    at: usize,
    frame: unstick::Frame<'_>,
) {
    let mut out = [0u8; 16 + 10 + BUF];
    let total = out.len();
    let mut w = &mut out[..];
    let encoder = LengthEncoder::new(format);
    let ok = eio::write_frame_with_head(&mut w, &encoder, frame.head, frame.payload).is_ok();
    let n = total - w.len();
    checks.check(
        ok && wire.get(at..at + n) == Some(&out[..n]),
        "a re-encoded frame matches the wire",
    );
    // The send limit refuses what the receive limit would skip.
    let mut sink = [0u8; 8];
    let too_big = [0u8; MAX as usize + 1];
    checks.check(
        matches!(
            eio::write_frame_with_head(&mut &mut sink[..], &encoder, frame.head, &too_big),
            Err(eio::WriteError::Encode(
                unstick::EncodeError::FrameTooLarge { .. }
            ))
        ),
        "the encoder refuses an over-limit frame",
    );
}

/// The bare decoder over 7-byte chunks; returns the deepest stack of a `decode` call.
fn bare_pass<F: Format>(checks: &mut Checks, format: F, wire: &[u8]) -> usize {
    let h = format.format().head_len();
    let mut buf = [0u8; 16 + BUF];
    let Ok(mut decoder) = LengthDecoder::new(format, &mut buf[..h + BUF]) else {
        checks.check(false, "decoder format");
        return 0;
    };
    let mut deepest = 0;
    let mut whole = 0;
    for chunk in wire.chunks(7) {
        let mut input = chunk;
        for _ in 0..100 {
            let d = &mut decoder;
            let (result, used) = stack::peak(move || d.decode(input));
            deepest = deepest.max(used);
            match result {
                Ok(Decoded { consumed, event }) => {
                    if matches!(
                        event,
                        Some(Event::Frame(_) | Event::StreamEnd | Event::Skipped { .. })
                    ) {
                        whole += 1;
                    }
                    input = input.get(consumed..).unwrap_or_default();
                    if event.is_none() {
                        break;
                    }
                }
                Err(_) => {
                    checks.check(false, "bare decode error");
                    return deepest;
                }
            }
        }
    }
    checks.check(whole == FRAMES.len(), "bare decode: every frame");
    checks.check(
        matches!(
            decoder.finish(),
            Err(DecodeError::TruncatedFrame { missing: 13, .. })
        ),
        "bare decode: the truncated tail",
    );
    deepest
}
