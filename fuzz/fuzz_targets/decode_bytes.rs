//! Raw fuzzer bytes as the stream, chunked and read into the spare region by fuzzer-chosen
//! sizes, against the obviously correct whole-buffer reference decoder
//! (`unstick_tests::reference`, shared with the property tests): the same frames and the same
//! error at the same frame and offset.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use unstick_fuzz::{FuzzConfig, sizes};
use unstick_tests::{reference, run_all_fresh, run_fresh, run_spare_sized, run_whole, split};

#[derive(Debug, Arbitrary)]
struct Input {
    config: FuzzConfig,
    splits: Vec<u16>,
    bytes: Vec<u8>,
}

fuzz_target!(|input: Input| {
    let (config, cap) = input.config.build();
    let expected = reference(config, cap, &input.bytes);
    let chunks = split(&input.bytes, &sizes(&input.splits));
    assert_eq!(run_fresh(config, cap, &chunks), expected);
    assert_eq!(run_all_fresh(config, cap, &chunks), expected);
    assert_eq!(run_whole(config, cap, &chunks), expected);
    if cap > config.head_len() {
        assert_eq!(
            run_spare_sized(config, cap, &input.bytes, &sizes(&input.splits)),
            expected
        );
    }
});
