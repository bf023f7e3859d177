//! The length-field readers and writers against a naive reading of their specifications
//! (`unstick_tests::reference_field`: LEB128, MQTT's Variable Byte Integer, QUIC's varint and
//! every fixed width, bit by bit with 128-bit arithmetic): fuzzer bytes decode to the same
//! value, size and error, strict and lenient; every value writes in the shortest form and
//! reads back.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use unstick::{
    DecodeError, EncodeError, Event, FrameFormat, LengthDecoder, LengthEncoder, MAX_PAYLOAD_LEN,
};
use unstick_tests::reference::{DECODER_MAX_PAYLOAD, FieldRead, field_len};
use unstick_tests::{reference_field, split};

#[derive(Debug, Arbitrary)]
struct Input {
    kind: u8,
    width: u8,
    little: bool,
    signed: bool,
    lenient: bool,
    bytes: Vec<u8>,
    splits: Vec<u16>,
    value: u64,
}

fuzz_target!(|input: Input| {
    let field = unstick_fuzz::field(input.kind, input.width, input.little, input.signed);
    let format = FrameFormat::new()
        .with_length(field)
        .with_non_minimal_lengths(input.lenient)
        .with_max_frame_len(u64::MAX)
        .with_streaming(true);

    // Reading: no buffer, so any payload streams and the field is all the decoder sees; fed
    // in fuzzer-chosen chunks, it must stop exactly where the field ends.
    let mut decoder = LengthDecoder::new(format, [0u8; 0]).unwrap();
    let mut used = 0usize;
    let mut ours = None;
    // Each call consumes its whole chunk unless it completes the field.
    for chunk in split(&input.bytes, &unstick_fuzz::sizes(&input.splits)) {
        match decoder.decode(chunk) {
            Ok(step) => {
                used += step.consumed;
                match step.event {
                    Some(Event::StreamStart { len, .. }) => ours = Some(Ok(len)),
                    Some(Event::Frame(f)) => {
                        assert!(f.payload.is_empty());
                        ours = Some(Ok(0));
                    }
                    Some(other) => panic!("{other:?}"),
                    None => assert_eq!(step.consumed, chunk.len()),
                }
            }
            Err(e) => ours = Some(Err(e)),
        }
        if ours.is_some() {
            break;
        }
    }
    match (ours, reference_field(field, &input.bytes, !input.lenient)) {
        (Some(Ok(len)), FieldRead::Done(value, n)) => assert_eq!((len, used), (value, n)),
        (None, FieldRead::Truncated(n)) => assert_eq!(used, n),
        (Some(Err(DecodeError::FrameTooLarge { len, .. })), FieldRead::Done(value, _)) => {
            assert_eq!(len, value);
            assert!(value > DECODER_MAX_PAYLOAD);
        }
        (Some(Err(DecodeError::NegativeLength { value, .. })), FieldRead::Negative(v)) => {
            assert_eq!(value, v)
        }
        (Some(Err(DecodeError::OverlongLength { .. })), FieldRead::Overlong)
        | (Some(Err(DecodeError::LengthOverflow { .. })), FieldRead::Overflow)
        | (Some(Err(DecodeError::NonMinimalLength { .. })), FieldRead::NonMinimal) => {}
        (ours, theirs) => panic!("decoder {ours:?}, reference {theirs:?}"),
    }

    // Writing: the shortest form, read back by the reference; refused only past the field.
    let encoder = LengthEncoder::new(format);
    let value = input.value;
    match usize::try_from(value).map(|len| encoder.prefix(len)) {
        Ok(Ok(prefix)) => {
            assert!(value <= field.max_value());
            assert_eq!(prefix.len(), field_len(field, value));
            assert_eq!(
                reference_field(field, &prefix, true),
                FieldRead::Done(value, prefix.len())
            );
        }
        // Refused only past the field's range, or past the longest payload any frame has.
        Ok(Err(EncodeError::LengthOverflowsField { value: v, max })) => {
            assert!(v == value && max == field.max_value() && value > max)
        }
        Ok(Err(EncodeError::FrameTooLarge { len, max })) => {
            assert!(len == value && max == MAX_PAYLOAD_LEN && value > max)
        }
        Ok(Err(e)) => panic!("{e:?}"),
        Err(_) => {}
    }
});
