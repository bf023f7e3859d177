//! Length frames through `eio::read_event` and the bare `LengthDecoder::decode`.

use cortex_m_semihosting::hprintln;
use unstick::{DecodeError, Decoded, Event, FrameFormat, LengthDecoder, Oversize, eio};

use crate::chunked::Chunked;
use crate::{Builder, Checks, pattern, stack};

/// The decoder's buffer: frames longer than this stream in pieces.
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
/// The truncated tail: a header announcing 20 bytes, then 7 of them.
const TAIL_LEN: usize = 20;
const TAIL_SENT: usize = 7;
/// (largest chunk, seed) of each pass: byte by byte up to everything at once.
const PASSES: [(usize, u32); 6] = [(1, 1), (3, 7), (7, 42), (33, 9), (64, 5), (1000, 3)];

/// Checks every pass and prints the decoder's size and peak stack.
pub fn run(checks: &mut Checks) {
    let mut wire = [0u8; 512];
    let mut b = Builder::new(&mut wire);
    let mut built = FRAMES.iter().all(|&(len, seed)| b.frame(len, seed));
    built &= b.put(&(TAIL_LEN as u32).to_be_bytes());
    built &= (0..TAIL_SENT).all(|i| b.put(&[pattern(9, i)]));
    checks.check(built, "the length stream fits its buffer");
    let len = b.bytes().len();
    let wire = &wire[..len];

    let mut deepest = 0;
    for (max_chunk, seed) in PASSES {
        deepest = deepest.max(eio_pass(checks, wire, max_chunk, seed));
    }
    let bare = bare_pass(checks, wire);
    hprintln!(
        "LengthDecoder state: {} B besides its buffer; buffer here: {} B",
        core::mem::size_of::<LengthDecoder<[u8; 0]>>(),
        BUF
    );
    hprintln!(
        "peak stack: LengthDecoder::decode {} B, eio::read_event {} B",
        bare,
        deepest
    );
    #[cfg(feature = "encoder")]
    hprintln!(
        "LengthEncoder: {} B",
        core::mem::size_of::<unstick::LengthEncoder>()
    );
}

fn format() -> FrameFormat {
    FrameFormat::new()
        .with_max_frame_len(MAX)
        .with_oversize(Oversize::Skip)
        .with_streaming(true)
}

/// Offset of frame `k`'s header in the stream.
#[cfg(feature = "encoder")]
fn offset(k: usize) -> usize {
    FRAMES.iter().take(k).map(|&(len, _)| 4 + len).sum()
}

/// One pass through `eio::read_event`; returns the deepest stack of a call.
fn eio_pass(checks: &mut Checks, wire: &[u8], max_chunk: usize, seed: u32) -> usize {
    let Ok(mut decoder) = LengthDecoder::new(format(), [0u8; BUF]) else {
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
                #[cfg(feature = "encoder")]
                reencode(checks, wire, next, p);
                next += 1;
            }
            (Ok(Some(Event::StreamStart { len, .. })), Some((want, _))) => {
                checks.check(len == want as u64 && want > BUF, "a stream start");
                #[cfg(feature = "encoder")]
                reencode_header(checks, wire, next, want);
                streamed = 0;
            }
            (Ok(Some(Event::StreamPiece(p))), Some((_, seed))) => {
                let same = p
                    .iter()
                    .enumerate()
                    .all(|(i, &x)| x == pattern(seed, streamed + i));
                checks.check(same && !p.is_empty() && p.len() <= BUF, "a stream piece");
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
                    len,
                    missing,
                    ..
                })),
                None,
            ) => {
                checks.check(
                    frame == FRAMES.len() as u64
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
fn reencode(checks: &mut Checks, wire: &[u8], k: usize, payload: &[u8]) {
    let mut out = [0u8; 4 + BUF];
    let mut w = &mut out[..];
    let encoder = unstick::LengthEncoder::new(format());
    let ok = eio::write_frame(&mut w, &encoder, payload).is_ok();
    let n = 4 + BUF - w.len();
    let at = offset(k);
    checks.check(
        ok && wire.get(at..at + n) == Some(&out[..n]),
        "a re-encoded frame matches the wire",
    );
    // The send limit refuses what the receive limit would skip.
    let mut sink = [0u8; 8];
    let too_big = [0u8; MAX as usize + 1];
    checks.check(
        matches!(
            eio::write_frame(&mut &mut sink[..], &encoder, &too_big),
            Err(eio::WriteError::Encode(
                unstick::EncodeError::FrameTooLarge { .. }
            ))
        ),
        "the encoder refuses an over-limit frame",
    );
}

#[cfg(feature = "encoder")]
fn reencode_header(checks: &mut Checks, wire: &[u8], k: usize, len: usize) {
    let at = offset(k);
    let prefix = unstick::LengthEncoder::default().prefix(len);
    checks.check(
        prefix.is_ok_and(|h| wire.get(at..at + 4) == Some(h.as_bytes())),
        "a streamed frame's header re-encodes",
    );
}

/// The bare decoder over 7-byte chunks; returns the deepest stack of a `decode` call.
fn bare_pass(checks: &mut Checks, wire: &[u8]) -> usize {
    let Ok(mut decoder) = LengthDecoder::new(format(), [0u8; BUF]) else {
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
