//! Encode fuzzer-chosen frames (heads and payloads) in a fuzzer-chosen format (any head, any
//! length field, any adjustment), feed the stream in fuzzer-chosen chunks, and check that the
//! decoder gives exactly the frames (or the exact error or skip report the format promises),
//! the same for one chunk and for one byte at a time, through every entry point (`decode`,
//! `decode_all`, `decode_whole`, `spare`/`commit`).
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use unstick::{DecodeError, Oversize};
use unstick_fuzz::{FuzzConfig, sizes};
use unstick_tests::reference::field_len;
use unstick_tests::{
    Item, Outcome, encode_frames, run_all_fresh, run_fresh, run_spare_sized, run_whole, split,
};

#[derive(Debug, Arbitrary)]
struct Input {
    config: FuzzConfig,
    payloads: Vec<Vec<u8>>,
    splits: Vec<u16>,
}

fuzz_target!(|input: Input| {
    let (format, cap) = input.config.build();
    let field = format.length();
    let max = format.max_frame_len();
    let h = format.head_len();
    let adjustment = i128::from(format.adjustment());
    // Frames the field can carry (the sender has no limit, so over-limit ones reach the
    // decoder): cut to the field's largest value, padded up to a positive adjustment.
    let frames: Vec<(Vec<u8>, Vec<u8>)> = input
        .payloads
        .into_iter()
        .take(64)
        .enumerate()
        .map(|(i, mut p)| {
            let most = (i128::from(field.max_value()) + adjustment).clamp(0, 1 << 16) as usize;
            p.truncate(most);
            while (p.len() as i128) < adjustment {
                p.push(i as u8);
            }
            (vec![i as u8; h], p)
        })
        .filter(|(_, p)| p.len() as i128 - adjustment <= i128::from(field.max_value()))
        .collect();
    let send = format.with_max_frame_len(u64::MAX);
    let stream = encode_frames(send, &frames);

    // What the format promises, from the frames alone.
    let mut items = Vec::new();
    let mut end = Ok(());
    let mut offset = 0u64;
    for (i, (head, p)) in frames.iter().enumerate() {
        let len = p.len() as u64;
        if len > max {
            if format.oversize() == Oversize::Reject {
                end = Err(DecodeError::FrameTooLarge {
                    frame: i as u64,
                    offset,
                    len,
                    max,
                });
                break;
            }
            items.push(Item::Skipped(len));
        } else if format.streaming() && p.len() > cap - h {
            items.push(Item::Streamed {
                head: head.clone(),
                payload: p.clone(),
            });
        } else {
            items.push(Item::Frame {
                head: head.clone(),
                payload: p.clone(),
            });
        }
        let value = (i128::from(len) - adjustment) as u64;
        offset += (h + field_len(field, value) + p.len()) as u64;
    }
    let expected = Outcome { items, end };

    let chunks = split(&stream, &sizes(&input.splits));
    let bytewise: Vec<&[u8]> = stream.chunks(1).collect();
    assert_eq!(run_fresh(format, cap, &chunks), expected);
    assert_eq!(run_fresh(format, cap, &[&stream]), expected);
    assert_eq!(run_fresh(format, cap, &bytewise), expected);
    assert_eq!(run_all_fresh(format, cap, &chunks), expected);
    assert_eq!(run_whole(format, cap, &chunks), expected);
    if cap > h {
        assert_eq!(
            run_spare_sized(format, cap, &stream, &sizes(&input.splits)),
            expected
        );
    }
});
