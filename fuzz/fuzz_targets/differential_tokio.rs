//! The same byte stream through unstick and through tokio-util's `LengthDelimitedCodec` with
//! the matching builder options: `length_field_offset` (our head), `length_field_length`, byte
//! order, `length_adjustment`, `num_skip` past head and field, and the limit. The same payloads
//! in the same order, and both refuse at the same point.
//!
//! Differences by design, not compared: tokio-util's limit counts the field's value before the
//! adjustment and ours the payload after it (tokio#4815), so ours is set to theirs plus the
//! adjustment, below where tokio-util clamps its limit to the field's range; it has no signed
//! lengths, varints, skip or streaming mode; its `decode` does not report a stream that ends
//! mid-frame (unstick's `finish` does).
#![no_main]

use arbitrary::Arbitrary;
use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use tokio_util::codec::{Decoder, LengthDelimitedCodec};
use unstick::{ByteOrder, DecodeError, FrameFormat, LengthField};
use unstick_fuzz::sizes;
use unstick_tests::{Item, run_fresh, split};

#[derive(Debug, Arbitrary)]
struct Input {
    width: u8,
    little: bool,
    max: u16,
    splits: Vec<u16>,
    bytes: Vec<u8>,
    head: u8,
    adjustment: i8,
}

fuzz_target!(|input: Input| {
    let width = unstick_fuzz::width(input.width);
    let order = if input.little {
        ByteOrder::Little
    } else {
        ByteOrder::Big
    };
    let head = usize::from(input.head % 17);
    let adjustment = i32::from(input.adjustment % 9);
    let field = LengthField::fixed(width, order, false);
    // tokio-util's limit is on the value; stay where it does not clamp it.
    let value_limit = u64::from(input.max).max(8).min(
        field
            .max_value()
            .saturating_add_signed(i64::from(adjustment)),
    );
    let max = (value_limit as i64 + i64::from(adjustment)) as u64;
    let format = FrameFormat::new()
        .with_head_len(head)
        .with_length(field)
        .with_adjustment(adjustment)
        .with_max_frame_len(max);
    let chunks = split(&input.bytes, &sizes(&input.splits));

    let ours = run_fresh(format, head + max as usize, &chunks);
    let our_frames: Vec<Vec<u8>> = ours
        .items
        .iter()
        .map(|i| match i {
            Item::Frame { payload, .. } => payload.clone(),
            other => panic!("no skipping or streaming configured: {other:?}"),
        })
        .collect();
    let we_refused = matches!(
        ours.end,
        Err(DecodeError::FrameTooLarge { .. }
                | DecodeError::LengthBelowAdjustment { .. }
                // The value plus the adjustment past 64 bits: too large for any limit.
                | DecodeError::LengthOverflow { .. })
    );

    let mut builder = LengthDelimitedCodec::builder();
    builder
        .length_field_offset(head)
        .length_field_length(width.bytes())
        .length_adjustment(adjustment as isize)
        .num_skip(head + width.bytes())
        .max_frame_length(value_limit as usize);
    let mut codec = if input.little {
        builder.little_endian().new_codec()
    } else {
        builder.big_endian().new_codec()
    };
    let mut buf = BytesMut::new();
    let mut their_frames = Vec::new();
    let mut they_refused = false;
    'feed: for chunk in &chunks {
        buf.extend_from_slice(chunk);
        loop {
            match codec.decode(&mut buf) {
                Ok(Some(frame)) => their_frames.push(frame.to_vec()),
                Ok(None) => break,
                Err(_) => {
                    they_refused = true;
                    break 'feed;
                }
            }
        }
    }
    assert_eq!(our_frames, their_frames);
    assert_eq!(we_refused, they_refused);
});
