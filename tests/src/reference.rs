//! The whole-buffer reference decoder: the slow, obvious reading of a stream that any chunking
//! and any input path of the real decoder must agree with. The length fields are read here
//! from their specifications, bit by bit, sharing no code with the crate.

use std::ops::Range;

use unstick::{ByteOrder, DecodeError, FrameFormat, LengthField, Oversize};

use crate::{Item, Outcome};

/// The largest payload the decoder handles, whatever the limit (its spans keep the prefix
/// length in the top byte of a 64-bit word).
pub const DECODER_MAX_PAYLOAD: u64 = (1 << 56) - 1;

/// What a length field at the start of some bytes says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldRead {
    /// The value and the field's size in bytes.
    Done(u64, usize),
    /// The bytes end before the field does: this many were there.
    Truncated(usize),
    /// A signed fixed field held a negative number.
    Negative(i64),
    /// A varint longer than its encoding allows.
    Overlong,
    /// A varint whose value needs more than 64 bits.
    Overflow,
    /// A varint in more bytes than its value needs, where the format refuses that.
    NonMinimal,
}

/// Reads `field` from the start of `bytes`, as its specification says.
pub fn reference_field(field: LengthField, bytes: &[u8], minimal: bool) -> FieldRead {
    match field {
        LengthField::Fixed(int) => {
            let w = int.len();
            let Some(bytes) = bytes.get(..w) else {
                return FieldRead::Truncated(bytes.len());
            };
            let mut v: u128 = 0;
            let ordered: Vec<u8> = match int.order() {
                ByteOrder::Big => bytes.to_vec(),
                ByteOrder::Little => bytes.iter().rev().copied().collect(),
            };
            for b in ordered {
                v = (v << 8) | u128::from(b);
            }
            let bits = 8 * w as u32;
            if int.signed() && (v >> (bits - 1)) & 1 == 1 {
                return FieldRead::Negative((v as i128 - (1i128 << bits)) as i64);
            }
            FieldRead::Done(v as u64, w)
        }
        LengthField::Leb128 => base128(bytes, 10, minimal),
        LengthField::MqttVbi => base128(bytes, 4, minimal),
        LengthField::QuicVarint => {
            let Some(&first) = bytes.first() else {
                return FieldRead::Truncated(0);
            };
            // RFC 9000 section 16: the two top bits are the base-2 logarithm of the length.
            let n = match first >> 6 {
                0 => 1,
                1 => 2,
                2 => 4,
                _ => 8,
            };
            if bytes.len() < n {
                return FieldRead::Truncated(bytes.len());
            }
            let mut v = u128::from(first & 0x3f);
            for &b in &bytes[1..n] {
                v = v * 256 + u128::from(b);
            }
            let needed = if v < 64 {
                1
            } else if v < 16384 {
                2
            } else if v < (1 << 30) {
                4
            } else {
                8
            };
            if minimal && n > needed {
                return FieldRead::NonMinimal;
            }
            FieldRead::Done(v as u64, n)
        }
    }
}

/// How many bytes the shortest encoding of `value` takes in `field`, from the specifications:
/// 7 bits a byte for LEB128 and MQTT, 1, 2, 4 or 8 bytes (6, 14, 30, 62 bits) for QUIC.
pub fn field_len(field: LengthField, value: u64) -> usize {
    match field {
        LengthField::Fixed(int) => int.len(),
        LengthField::Leb128 | LengthField::MqttVbi => {
            let bits = (64 - value.leading_zeros()).max(1) as usize;
            bits.div_ceil(7)
        }
        LengthField::QuicVarint => match 64 - value.leading_zeros() {
            0..=6 => 1,
            7..=14 => 2,
            15..=30 => 4,
            _ => 8,
        },
    }
}

/// LEB128 (protobuf, at most 10 bytes) and MQTT's Variable Byte Integer (at most 4).
fn base128(bytes: &[u8], most: usize, minimal: bool) -> FieldRead {
    let mut v: u128 = 0;
    for i in 0..most {
        let Some(&b) = bytes.get(i) else {
            return FieldRead::Truncated(bytes.len());
        };
        v += u128::from(b & 0x7f) << (7 * i);
        if v > u128::from(u64::MAX) {
            return FieldRead::Overflow;
        }
        if b < 0x80 {
            if minimal && i > 0 && b == 0 {
                return FieldRead::NonMinimal;
            }
            return FieldRead::Done(v as u64, i + 1);
        }
    }
    FieldRead::Overlong
}

/// What any chunking of `stream` must produce with `format` and a buffer of `capacity` bytes.
pub fn reference(format: FrameFormat, capacity: usize, stream: &[u8]) -> Outcome {
    reference_with_spans(format, capacity, stream).0
}

/// [`reference()`], and where each item's frame lies in the stream (head to last payload byte).
pub fn reference_with_spans(
    format: FrameFormat,
    capacity: usize,
    stream: &[u8],
) -> (Outcome, Vec<Range<usize>>) {
    let h = format.head_len();
    let room = capacity.saturating_sub(h) as u64;
    let (mut items, mut spans) = (Vec::new(), Vec::new());
    let walked = walk(format, stream, 0, 0, |span, payload_at, len, too_large| {
        let head = stream[span.start..span.start + h].to_vec();
        let payload = stream[payload_at..span.end].to_vec();
        items.push(if too_large {
            Item::Skipped(len)
        } else if format.streaming() && len > room {
            Item::Streamed { head, payload }
        } else {
            Item::Frame { head, payload }
        });
        spans.push(span);
    });
    (
        Outcome {
            items,
            end: walked.end,
        },
        spans,
    )
}

/// Where [`walk`] stopped: the first frame it could not complete and how the stream ends there.
struct Walked {
    /// Index and stream offset of that frame (the end of the stream if it ended on a boundary).
    frame: u64,
    offset: usize,
    end: Result<(), DecodeError>,
}

/// Reads `stream` frame by frame from `pos` (frame index `frame`), calling `on_frame` with each
/// complete frame's span, where its payload starts, its length and whether it is over the
/// limit (skipped), until the stream ends or a frame is refused.
fn walk(
    format: FrameFormat,
    stream: &[u8],
    mut pos: usize,
    mut frame: u64,
    mut on_frame: impl FnMut(Range<usize>, usize, u64, bool),
) -> Walked {
    let h = format.head_len();
    let max = format.max_frame_len();
    let end = loop {
        if pos == stream.len() {
            break Ok(());
        }
        let offset = pos as u64;
        let avail = stream.len() - pos;
        if avail < h {
            break Err(DecodeError::TruncatedPrefix {
                frame,
                offset,
                have: avail as u8,
            });
        }
        let minimal = !format.non_minimal_lengths();
        let (value, used) = match reference_field(format.length(), &stream[pos + h..], minimal) {
            FieldRead::Done(value, used) => (value, used),
            FieldRead::Truncated(have) => {
                break Err(DecodeError::TruncatedPrefix {
                    frame,
                    offset,
                    have: (h + have) as u8,
                });
            }
            FieldRead::Negative(value) => {
                break Err(DecodeError::NegativeLength {
                    frame,
                    offset,
                    value,
                });
            }
            FieldRead::Overlong => {
                break Err(DecodeError::OverlongLength {
                    frame,
                    offset,
                    max_bytes: format.length().max_len() as u8,
                });
            }
            FieldRead::Overflow => break Err(DecodeError::LengthOverflow { frame, offset }),
            FieldRead::NonMinimal => break Err(DecodeError::NonMinimalLength { frame, offset }),
        };
        let len = i128::from(value) + i128::from(format.adjustment());
        if len < 0 {
            break Err(DecodeError::LengthBelowAdjustment {
                frame,
                offset,
                value,
                adjustment: format.adjustment(),
            });
        }
        if len > i128::from(u64::MAX) {
            break Err(DecodeError::LengthOverflow { frame, offset });
        }
        let len = len as u64;
        let too_large = len > max || len > DECODER_MAX_PAYLOAD;
        if too_large && (format.oversize() == Oversize::Reject || len > DECODER_MAX_PAYLOAD) {
            break Err(DecodeError::FrameTooLarge {
                frame,
                offset,
                len,
                max: max.min(DECODER_MAX_PAYLOAD),
            });
        }
        let start = pos + h + used;
        let body = (stream.len() - start) as u64;
        if body < len {
            break Err(DecodeError::TruncatedFrame {
                frame,
                offset,
                len,
                missing: len - body,
            });
        }
        on_frame(pos..start + len as usize, start, len, too_large);
        pos = start + len as usize;
        frame += 1;
    };
    Walked {
        frame,
        offset: pos,
        end,
    }
}

/// What a decoder reports once it has been fed some bytes: its counters, how many more bytes
/// the frame in progress needs, whether it sits on a boundary or has failed, and what
/// `finish()` says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    /// `frames()`: frames completed (or the index of the failed one).
    pub frames: u64,
    /// `offset()`: stream offset of the current frame's first byte.
    pub offset: u64,
    /// `missing()`.
    pub missing: u64,
    /// `is_idle()`.
    pub idle: bool,
    /// `is_failed()`.
    pub failed: bool,
    /// `finish()`.
    pub finish: Result<(), DecodeError>,
}

/// The [`Progress`] of a decoder fed exactly `prefix`, the first bytes of a stream (taking every
/// event they complete): an error appears as soon as the bytes prove it and not before, so a
/// decoder that reports one late (or early) disagrees.
pub fn reference_progress(format: FrameFormat, prefix: &[u8]) -> Progress {
    reference_progress_after(format, prefix, None)
}

/// [`reference_progress`] for `prefix`, given the progress for an earlier, shorter prefix of
/// the same stream: frames completed then stay completed, so the reading starts at the frame
/// that was in progress (cheap enough to check after every one-byte chunk).
pub fn reference_progress_after(
    format: FrameFormat,
    prefix: &[u8],
    earlier: Option<&Progress>,
) -> Progress {
    let (pos, frame) = match earlier {
        Some(p) if !p.failed => (p.offset as usize, p.frames),
        _ => (0, 0),
    };
    let walked = walk(format, prefix, pos, frame, |_, _, _, _| {});
    let (missing, failed) = match walked.end {
        Ok(()) => (0, false),
        Err(DecodeError::TruncatedPrefix { offset, .. }) => {
            (prefix_missing(format, &prefix[offset as usize..]), false)
        }
        Err(DecodeError::TruncatedFrame { missing, .. }) => (missing, false),
        Err(_) => (0, true),
    };
    Progress {
        frames: walked.frame,
        offset: walked.offset as u64,
        missing,
        idle: walked.end.is_ok(),
        failed,
        finish: walked.end,
    }
}

/// The frames `stream` completes after an `earlier` progress of it (from its start if `None`):
/// each one's span, payload length, and whether it is handed out whole (not streamed, not
/// skipped) by a decoder with a buffer of `capacity` bytes.
pub fn reference_frames_after(
    format: FrameFormat,
    capacity: usize,
    stream: &[u8],
    earlier: Option<&Progress>,
) -> Vec<(Range<usize>, u64, bool)> {
    let (pos, frame) = match earlier {
        Some(p) if !p.failed => (p.offset as usize, p.frames),
        _ => (0, 0),
    };
    let room = capacity.saturating_sub(format.head_len()) as u64;
    let mut frames = Vec::new();
    walk(format, stream, pos, frame, |span, _, len, too_large| {
        let streamed = format.streaming() && len > room;
        frames.push((span, len, !(too_large || streamed)));
    });
    frames
}

/// How many more bytes a frame's prefix needs at least, given its first bytes (fewer than the
/// whole prefix): the rest of the head and of a fixed field; one more for a base-128 varint,
/// which says where it ends only as it is read; the rest of a QUIC varint once its first byte
/// (which gives its size) is there.
fn prefix_missing(format: FrameFormat, have: &[u8]) -> u64 {
    let h = format.head_len();
    let field = have.get(h..).unwrap_or(&[]);
    let head_rest = h.saturating_sub(have.len());
    let field_rest = match format.length() {
        LengthField::Fixed(int) => int.len() - field.len(),
        LengthField::Leb128 | LengthField::MqttVbi => 1,
        LengthField::QuicVarint => match field.first() {
            None => 1,
            Some(first) => (1 << (first >> 6)) - field.len(),
        },
    };
    (head_rest + field_rest) as u64
}
