//! The same byte stream through unstick and through tokio-util's `LengthDelimitedCodec`
//! (same width, byte order and maximum length, unsigned): the same frames in the same order,
//! and both refuse an over-limit frame at the same point.
//!
//! Differences by design, not compared: tokio-util has no signed lengths, no skip or streaming
//! mode, and its `decode` does not report a stream that ends mid-frame (unstick's `finish`
//! does); unstick supports only widths 1, 2, 3, 4 and 8.
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
}

fuzz_target!(|input: Input| {
    let width = unstick_fuzz::width(input.width);
    let order = if input.little {
        ByteOrder::Little
    } else {
        ByteOrder::Big
    };
    let max = usize::from(input.max);
    let config = FrameFormat::new()
        .with_length(LengthField::fixed(width, order, false))
        .with_max_frame_len(max as u64);
    let chunks = split(&input.bytes, &sizes(&input.splits));

    let ours = run_fresh(config, max, &chunks);
    let our_frames: Vec<Vec<u8>> = ours
        .items
        .iter()
        .map(|i| match i {
            Item::Frame { payload, .. } => payload.clone(),
            other => panic!("no skipping or streaming configured: {other:?}"),
        })
        .collect();
    let we_refused = matches!(ours.end, Err(DecodeError::FrameTooLarge { .. }));

    let builder = LengthDelimitedCodec::builder()
        .length_field_length(width.bytes())
        .max_frame_length(max)
        .clone();
    let mut codec = if input.little {
        builder.clone().little_endian().new_codec()
    } else {
        builder.clone().big_endian().new_codec()
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
