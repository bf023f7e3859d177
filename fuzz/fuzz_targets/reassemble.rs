//! Encode fuzzer-chosen payloads, feed the stream in fuzzer-chosen chunks, and check that the
//! decoder gives exactly the payloads (or the exact error or skip report the configuration
//! promises), the same for one chunk and for one byte at a time, through every entry point
//! (`decode`, `decode_all`, `decode_whole`, `spare`/`commit`).
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use unstick::{DecodeError, FrameFormat, Oversize};
use unstick_fuzz::{FuzzConfig, sizes};
use unstick_tests::{
    Item, Outcome, encode_stream, run_all_fresh, run_fresh, run_spare, run_whole, split,
};

#[derive(Debug, Arbitrary)]
struct Input {
    config: FuzzConfig,
    payloads: Vec<Vec<u8>>,
    splits: Vec<u16>,
}

fuzz_target!(|input: Input| {
    let (config, cap) = input.config.build();
    let field = config.length();
    let max = config.max_frame_len();
    let payloads: Vec<Vec<u8>> = input
        .payloads
        .into_iter()
        .take(64)
        .map(|mut p| {
            p.truncate(field.max_value().min(1 << 16) as usize);
            p
        })
        .collect();
    // Sent without a limit, so over-limit frames reach the decoder.
    let send = FrameFormat::new()
        .with_length(field)
        .with_max_frame_len(u64::MAX);
    let stream = encode_stream(send, &payloads);

    // What the configuration promises, from the payloads alone.
    let mut items = Vec::new();
    let mut end = Ok(());
    let mut offset = 0u64;
    for (i, p) in payloads.iter().enumerate() {
        let len = p.len() as u64;
        if len > max {
            if config.oversize() == Oversize::Reject {
                end = Err(DecodeError::FrameTooLarge {
                    frame: i as u64,
                    offset,
                    len,
                    max,
                });
                break;
            }
            items.push(Item::Skipped(len));
        } else if config.streaming() && p.len() > cap {
            items.push(Item::streamed(p.clone()));
        } else {
            items.push(Item::frame(p.clone()));
        }
        offset += (field.max_len() + p.len()) as u64;
    }
    let expected = Outcome { items, end };

    let chunks = split(&stream, &sizes(&input.splits));
    let bytewise: Vec<&[u8]> = stream.chunks(1).collect();
    assert_eq!(run_fresh(config, cap, &chunks), expected);
    assert_eq!(run_fresh(config, cap, &[&stream]), expected);
    assert_eq!(run_fresh(config, cap, &bytewise), expected);
    assert_eq!(run_all_fresh(config, cap, &chunks), expected);
    assert_eq!(run_whole(config, cap, &chunks), expected);
    if cap > 0 {
        assert_eq!(
            run_spare(config, cap, &stream, input.splits.len() as u64),
            expected
        );
    }
});
