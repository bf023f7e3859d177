//! The same byte stream through unstick and through tokio-util's `LengthDelimitedCodec` with
//! the matching builder options: `length_field_offset` (our head), `length_field_length`, byte
//! order, `length_adjustment`, `num_skip` past head and field, and the limit. The same payloads
//! in the same order, both refuse at the same point, and both say at the end whether the stream
//! stopped inside a frame; unstick-std's `LengthCodec` too, through `decode` and `decode_eof`.
//!
//! The oracle and its differences by design: `unstick_tests::tokio_oracle`.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use unstick::ByteOrder;
use unstick_fuzz::sizes;
use unstick_tests::split;
use unstick_tests::tokio_oracle::TokioShape;

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
    let value_limit = u64::from(input.max).max(8);
    let shape = TokioShape::new(head, width, order, adjustment, value_limit);
    let chunks = split(&input.bytes, &sizes(&input.splits));
    let theirs = shape.theirs(&chunks);
    assert_eq!(shape.ours(&chunks), theirs);
    assert_eq!(shape.ours_codec(&chunks), theirs);
});
