//! tokio-util's `LengthDelimitedCodec` as a differential oracle for fixed-width formats with a
//! head and an adjustment: the builder options that read the same frames, and both decoders over
//! the same chunks, and unstick-std's `LengthCodec` (meant as its drop-in) through the same
//! `decode` and `decode_eof` calls. Shared by the `format_props` proptest and the
//! `differential_tokio` fuzz target.
//!
//! Differences by design, not compared: tokio-util's limit counts the field's value before the
//! adjustment and ours the payload after it (tokio#4815), so ours is set to theirs plus the
//! adjustment, below where tokio-util clamps its limit to the field's range; it has no signed
//! lengths, varints, skip or streaming mode. A stream that ends inside a frame is reported by
//! `decode_eof` in both (tokio-util: "bytes remaining on stream"; unstick: which frame, how
//! many bytes missing), except that tokio-util says nothing when the stream ends right after a
//! frame's length field (its `decode` has already taken the prefix out of the buffer); there
//! the bytes its frames account for decide.

use bytes::BytesMut;
use tokio_util::codec::{Decoder, LengthDelimitedCodec};
use unstick::{ByteOrder, DecodeError, FrameFormat, LengthField, Width};
use unstick_std::LengthCodec;

use crate::{Item, run_fresh};

/// A frame shape both decoders can read: `head` bytes, an unsigned fixed-width field, an
/// adjustment, and tokio-util's limit on the field's value.
#[derive(Debug, Clone, Copy)]
pub struct TokioShape {
    head: usize,
    width: Width,
    order: ByteOrder,
    adjustment: i32,
    value_limit: u64,
}

/// What one decoder made of a stream: the payloads, and whether it refused the stream.
#[derive(Debug, PartialEq, Eq)]
pub struct Decoded {
    /// Payloads in order (head and length field skipped).
    pub payloads: Vec<Vec<u8>>,
    /// Whether it stopped at a frame it refuses.
    pub refused: bool,
    /// Whether, at the end of the stream, it said the stream ended inside a frame.
    pub cut_short: bool,
}

impl TokioShape {
    /// A shape; `value_limit` is lowered to where tokio-util would clamp it (the field's largest
    /// value plus the adjustment), so that both limits mean what they say.
    pub fn new(
        head: usize,
        width: Width,
        order: ByteOrder,
        adjustment: i32,
        value_limit: u64,
    ) -> Self {
        let field_max = LengthField::fixed(width, order, false).max_value();
        let value_limit = value_limit.min(field_max.saturating_add_signed(i64::from(adjustment)));
        Self {
            head,
            width,
            order,
            adjustment,
            value_limit,
        }
    }

    /// unstick's format for the shape: the same head, field and adjustment, and the payload
    /// limit that tokio-util's value limit amounts to.
    pub fn format(&self) -> FrameFormat {
        FrameFormat::new()
            .with_head_len(self.head)
            .with_length(LengthField::fixed(self.width, self.order, false))
            .with_adjustment(self.adjustment)
            .with_max_frame_len((self.value_limit as i64 + i64::from(self.adjustment)) as u64)
    }

    /// tokio-util's codec for the shape, skipping head and field so an item is the payload.
    pub fn codec(&self) -> LengthDelimitedCodec {
        let mut builder = LengthDelimitedCodec::builder();
        builder
            .length_field_offset(self.head)
            .length_field_length(self.width.bytes())
            .length_adjustment(self.adjustment as isize)
            .num_skip(self.head + self.width.bytes())
            .max_frame_length(self.value_limit as usize);
        match self.order {
            ByteOrder::Little => builder.little_endian().new_codec(),
            ByteOrder::Big => builder.big_endian().new_codec(),
        }
    }

    /// unstick over `chunks`, from a fresh decoder whose buffer holds the largest frame.
    pub fn ours(&self, chunks: &[&[u8]]) -> Decoded {
        let format = self.format();
        let outcome = run_fresh(format, self.head + format.max_frame_len() as usize, chunks);
        let payloads = outcome
            .items
            .iter()
            .map(|item| match item {
                Item::Frame { payload, .. } => payload.clone(),
                other => panic!("no skipping or streaming configured: {other:?}"),
            })
            .collect();
        let refused = matches!(
            outcome.end,
            Err(DecodeError::FrameTooLarge { .. }
                | DecodeError::LengthBelowAdjustment { .. }
                // The value plus the adjustment past 64 bits: too large for any limit.
                | DecodeError::LengthOverflow { .. })
        );
        let cut_short = matches!(
            outcome.end,
            Err(DecodeError::TruncatedPrefix { .. } | DecodeError::TruncatedFrame { .. })
        );
        Decoded {
            payloads,
            refused,
            cut_short,
        }
    }

    /// tokio-util over `chunks`, fed through a `BytesMut` as `FramedRead` would, then
    /// `decode_eof` at the end of the stream.
    pub fn theirs(&self, chunks: &[&[u8]]) -> Decoded {
        let mut decoded = feed(self.codec(), chunks, |item| item.to_vec());
        // Its `decode` takes a frame's prefix out of the buffer as soon as it has read it, so
        // a stream that ends right after a prefix leaves `decode_eof` an empty buffer and no
        // complaint: the bytes its frames account for tell instead.
        let accounted: usize = decoded
            .payloads
            .iter()
            .map(|p| self.head + self.width.bytes() + p.len())
            .sum();
        let total: usize = chunks.iter().map(|c| c.len()).sum();
        if !decoded.refused && total > accounted {
            decoded.cut_short = true;
        }
        decoded
    }

    /// unstick-std's `LengthCodec` the same way (its item is head and payload: the payload is
    /// compared).
    pub fn ours_codec(&self, chunks: &[&[u8]]) -> Decoded {
        let head = self.head;
        feed(LengthCodec::new(self.format()), chunks, |item| {
            item[head..].to_vec()
        })
    }
}

/// A tokio codec over `chunks` as `FramedRead` drives it: each chunk appended to the buffer,
/// `decode` until it needs more; at the end `decode_eof` until it has nothing more.
fn feed<C>(mut codec: C, chunks: &[&[u8]], payload: impl Fn(&BytesMut) -> Vec<u8>) -> Decoded
where
    C: Decoder<Item = BytesMut>,
{
    let mut buf = BytesMut::new();
    let mut payloads = Vec::new();
    let refused = |payloads| Decoded {
        payloads,
        refused: true,
        cut_short: false,
    };
    for chunk in chunks {
        buf.extend_from_slice(chunk);
        loop {
            match codec.decode(&mut buf) {
                Ok(Some(frame)) => payloads.push(payload(&frame)),
                Ok(None) => break,
                Err(_) => return refused(payloads),
            }
        }
    }
    // Bounded: every `Some` takes at least a length field from the buffer.
    for _ in 0..=buf.len() {
        match codec.decode_eof(&mut buf) {
            Ok(Some(frame)) => payloads.push(payload(&frame)),
            Ok(None) => break,
            // tokio-util: "bytes remaining on stream"; unstick: the truncation.
            Err(_) => {
                return Decoded {
                    payloads,
                    refused: false,
                    cut_short: true,
                };
            }
        }
    }
    Decoded {
        payloads,
        refused: false,
        cut_short: false,
    }
}
