//! Property tests for every frame format: heads, every length field (fixed widths, LEB128,
//! MQTT's Variable Byte Integer, QUIC's varint), adjustments, non-minimal varints; against the
//! whole-buffer reference (which reads the fields from their specifications) and against
//! tokio-util's `LengthDelimitedCodec` with the same builder options.
//!
//! Cases default to proptest's 256; CI sets `PROPTEST_CASES=1000`.

use proptest::prelude::*;
use unstick::{
    ByteOrder, DecodeError, EncodeError, FrameFormat, LengthDecoder, LengthEncoder, LengthField,
    Oversize, Width,
};
use unstick_tests::tokio_oracle::TokioShape;
use unstick_tests::{
    Item, encode_frames, reference, reference_field, run_all_fresh, run_fresh, run_mixed_with,
    run_spare_sized, run_until_fresh, run_whole, split,
};

const WIDTHS: [Width; 5] = [Width::W1, Width::W2, Width::W3, Width::W4, Width::W8];

fn any_field() -> impl Strategy<Value = LengthField> {
    prop_oneof![
        4 => (
            prop::sample::select(&WIDTHS[..]),
            any::<bool>(),
            any::<bool>()
        )
            .prop_map(|(w, little, signed)| {
                let order = if little { ByteOrder::Little } else { ByteOrder::Big };
                LengthField::fixed(w, order, signed)
            }),
        1 => Just(LengthField::Leb128),
        1 => Just(LengthField::MqttVbi),
        1 => Just(LengthField::QuicVarint),
    ]
}

/// Any usable format: a head of 0 to 16 bytes, any field, a small adjustment either way.
fn any_format() -> impl Strategy<Value = FrameFormat> {
    (
        prop_oneof![3 => Just(0usize), 2 => 1..5usize, 1 => 5..=16usize],
        any_field(),
        prop_oneof![3 => Just(0i32), 2 => -8..=8i32],
        any::<bool>(),
    )
        .prop_map(|(head, field, adjustment, lenient)| {
            FrameFormat::new()
                .with_head_len(head)
                .with_length(field)
                .with_adjustment(adjustment)
                .with_non_minimal_lengths(lenient)
        })
}

fn chunk_sizes() -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(
        prop_oneof![2 => Just(0usize), 3 => Just(1usize), 3 => 2..16usize, 2 => 16..3000usize],
        0..24,
    )
}

/// Whether the format can carry a `len`-byte payload, worked out apart from the encoder.
fn sendable(format: FrameFormat, len: usize) -> bool {
    let value = len as i128 - i128::from(format.adjustment());
    len as u64 <= format.max_frame_len()
        && value >= 0
        && value <= i128::from(format.length().max_value())
}

/// Frames the format can carry: heads of its size, payloads cut or padded into range.
fn frames_for(format: FrameFormat, raw: Vec<(u8, Vec<u8>)>) -> Vec<(Vec<u8>, Vec<u8>)> {
    raw.into_iter()
        .map(|(seed, mut payload)| {
            let most = format.max_payload_len().min(4000) as usize;
            payload.truncate(most);
            while !sendable(format, payload.len()) && payload.len() < most {
                payload.push(seed);
            }
            let head = (0..format.head_len()).map(|i| seed ^ i as u8).collect();
            (head, payload)
        })
        .filter(|(_, p)| sendable(format, p.len()))
        .collect()
}

fn raw_frames() -> impl Strategy<Value = Vec<(u8, Vec<u8>)>> {
    prop::collection::vec(
        (any::<u8>(), prop::collection::vec(any::<u8>(), 0..600)),
        0..8,
    )
}

proptest! {
    /// Any split of a valid stream of any format gives its frames, heads included, through
    /// every input path, buffered or streaming.
    #[test]
    fn every_format_any_chunking(
        format in any_format(),
        raw in raw_frames(),
        sizes in chunk_sizes(),
        streaming in any::<bool>(),
        small in 0usize..700,
    ) {
        let format = format.with_max_frame_len(4096).with_streaming(streaming);
        let frames = frames_for(format, raw);
        let stream = encode_frames(format, &frames);
        let cap = format.head_len() + if streaming { small } else { 4096 };
        let outcome = run_fresh(format, cap, &split(&stream, &sizes));
        prop_assert_eq!(&outcome.end, &Ok(()));
        let got: Vec<(&[u8], &[u8])> = outcome
            .items
            .iter()
            .map(|i| (i.head().unwrap(), i.payload().unwrap()))
            .collect();
        let want: Vec<(&[u8], &[u8])> = frames.iter().map(|(h, p)| (&h[..], &p[..])).collect();
        prop_assert_eq!(got, want);
        prop_assert_eq!(&outcome, &reference(format, cap, &stream));
        prop_assert_eq!(&run_all_fresh(format, cap, &split(&stream, &sizes)), &outcome);
        let batch = 1 + sizes.len() % 3;
        prop_assert_eq!(&run_until_fresh(format, cap, &split(&stream, &sizes), batch), &outcome);
        prop_assert_eq!(&run_whole(format, cap, &split(&stream, &sizes)), &outcome);
        if cap > format.head_len() {
            prop_assert_eq!(&run_spare_sized(format, cap, &stream, &sizes), &outcome);
            let mut storage = vec![0u8; cap];
            let mut decoder = LengthDecoder::new(format, &mut storage[..]).unwrap();
            prop_assert_eq!(&run_mixed_with(&mut decoder, &stream, small as u64), &outcome);
        }
    }

    /// Any bytes, any format, any policy: every chunking ends exactly as the reference does
    /// (the same frames, then the same error at the same frame and offset).
    #[test]
    fn arbitrary_bytes_every_format(
        format in any_format(),
        bytes in prop::collection::vec(any::<u8>(), 0..300),
        sizes in chunk_sizes(),
        max in 0u64..200,
        skip in any::<bool>(),
        streaming in any::<bool>(),
        small in 0usize..100,
    ) {
        let oversize = if skip { Oversize::Skip } else { Oversize::Reject };
        let format = format.with_max_frame_len(max).with_oversize(oversize).with_streaming(streaming);
        let cap = format.head_len() + if streaming { small } else { max as usize };
        let want = reference(format, cap, &bytes);
        prop_assert_eq!(&run_fresh(format, cap, &split(&bytes, &sizes)), &want);
        let bytewise: Vec<&[u8]> = bytes.chunks(1).collect();
        prop_assert_eq!(&run_fresh(format, cap, &bytewise), &want);
        prop_assert_eq!(&run_all_fresh(format, cap, &split(&bytes, &sizes)), &want);
        prop_assert_eq!(&run_until_fresh(format, cap, &split(&bytes, &sizes), 1), &want);
        if cap > format.head_len() {
            prop_assert_eq!(&run_spare_sized(format, cap, &bytes, &sizes), &want);
        }
    }

    /// One length field after any head: the decoder reads what the specification reads.
    #[test]
    fn length_fields_match_the_reference(
        field in any_field(),
        bytes in prop::collection::vec(any::<u8>(), 1..12),
        lenient in any::<bool>(),
    ) {
        let format = FrameFormat::new()
            .with_length(field)
            .with_non_minimal_lengths(lenient)
            .with_max_frame_len(u64::MAX)
            .with_streaming(true);
        // No buffer: any payload streams, so the field is all the decoder needs to see.
        let mut decoder = LengthDecoder::new(format, [0u8; 0]).unwrap();
        let step = decoder.decode(&bytes);
        let ours = match step {
            Ok(step) => match step.event {
                Some(unstick::Event::StreamStart { len, .. }) => Ok(Some((len, step.consumed))),
                Some(unstick::Event::Frame(f)) => Ok(Some((f.payload.len() as u64, step.consumed - f.payload.len()))),
                None => Ok(None),
                Some(other) => panic!("{other:?}"),
            },
            Err(e) => Err(e),
        };
        let theirs = reference_field(field, &bytes, !lenient);
        use unstick_tests::reference::FieldRead;
        match (ours, theirs) {
            (Ok(Some((len, used))), FieldRead::Done(value, n)) => {
                prop_assert_eq!((len, used), (value, n));
            }
            (Ok(None), FieldRead::Truncated(_)) => {}
            // A value over what the decoder handles at all is refused as too large.
            (Err(DecodeError::FrameTooLarge { len, .. }), FieldRead::Done(value, _)) => {
                prop_assert_eq!(len, value);
                prop_assert!(value > unstick_tests::reference::DECODER_MAX_PAYLOAD);
            }
            (Err(DecodeError::NegativeLength { value, .. }), FieldRead::Negative(v)) => {
                prop_assert_eq!(value, v);
            }
            (Err(DecodeError::OverlongLength { .. }), FieldRead::Overlong)
            | (Err(DecodeError::LengthOverflow { .. }), FieldRead::Overflow)
            | (Err(DecodeError::NonMinimalLength { .. }), FieldRead::NonMinimal) => {}
            (ours, theirs) => prop_assert!(false, "decoder {ours:?}, reference {theirs:?}"),
        }
    }

    /// The encoder refuses exactly what the format cannot carry, and otherwise writes head,
    /// the field the reference reads back as the payload length less the adjustment, and the
    /// payload.
    #[test]
    fn encoder_mirrors_the_decoder(
        format in any_format(),
        len in prop_oneof![0usize..300, 60_000usize..70_000],
        max in prop_oneof![Just(u64::MAX), 0u64..70_000],
        wrong_head in any::<bool>(),
    ) {
        let format = format.with_max_frame_len(max);
        let encoder = LengthEncoder::new(format);
        let head_len = if wrong_head { format.head_len() + 1 } else { format.head_len() };
        let head = vec![7u8; head_len];
        let payload = vec![1u8; len];
        let mut out = vec![0u8; head_len + 10 + len];
        match encoder.encode_with_head(&head, &payload, &mut out) {
            Ok(n) => {
                prop_assert!(!wrong_head && sendable(format, len));
                prop_assert_eq!(&out[..head_len], &head[..]);
                let value = (len as i128 - i128::from(format.adjustment())) as u64;
                let field = &out[head_len..n - len];
                prop_assert_eq!(
                    reference_field(format.length(), field, true),
                    unstick_tests::reference::FieldRead::Done(value, field.len())
                );
                prop_assert_eq!(&out[n - len..n], &payload[..]);
                prop_assert_eq!(encoder.prefix_with_head(&head, len).unwrap().len(), n - len);
                prop_assert_eq!(encoder.encoded_len(len), Ok(n));
            }
            Err(EncodeError::HeadLength { expected, got }) => {
                prop_assert!(wrong_head);
                prop_assert_eq!((expected, got), (format.head_len(), head_len));
            }
            Err(e) => {
                prop_assert!(!sendable(format, len), "{e}");
                prop_assert!(out.iter().all(|&b| b == 0), "written despite {e}");
            }
        }
    }

    /// tokio-util's `LengthDelimitedCodec` with `length_field_offset`, `length_adjustment` and
    /// `num_skip` past head and field finds the same payloads and refuses at the same frame. Its limit counts the
    /// field's value, before the adjustment (tokio#4815); ours counts the payload, after it, so
    /// the limits differ by the adjustment.
    #[test]
    fn tokio_util_with_the_same_options(
        head in prop_oneof![Just(0usize), 1..=16usize],
        width in prop::sample::select(&WIDTHS[..]),
        little in any::<bool>(),
        adjustment in -8i32..=8,
        value_limit in 8u64..2000,
        bytes in prop::collection::vec(any::<u8>(), 0..400),
        valid in prop::collection::vec(prop::collection::vec(any::<u8>(), 8..300), 0..5),
        sizes in chunk_sizes(),
    ) {
        let order = if little { ByteOrder::Little } else { ByteOrder::Big };
        let shape = TokioShape::new(head, width, order, adjustment, value_limit);
        let format = shape.format();
        // Valid frames first, then arbitrary bytes.
        let frames = frames_for(format, valid.into_iter().map(|p| (p[0], p)).collect());
        let mut stream = encode_frames(format, &frames);
        stream.extend_from_slice(&bytes);
        let chunks = split(&stream, &sizes);

        let (ours, theirs) = (shape.ours(&chunks), shape.theirs(&chunks));
        prop_assert!(theirs.payloads.len() >= frames.len());
        prop_assert_eq!(&ours, &theirs);
        // The codec meant as tokio-util's drop-in, through decode and decode_eof.
        prop_assert_eq!(shape.ours_codec(&chunks), theirs);
    }
}

#[test]
fn non_minimal_varints_are_the_formats_choice() {
    // Zero in two bytes, 5 in two, and QUIC's 37 in two (RFC 9000 appendix A.1: 0x4025).
    for (field, wire) in [
        (LengthField::Leb128, &[0x80, 0x00][..]),
        (LengthField::MqttVbi, &[0x85, 0x00][..]),
        (LengthField::QuicVarint, &[0x40, 0x25][..]),
    ] {
        let value = match reference_field(field, wire, false) {
            unstick_tests::reference::FieldRead::Done(v, _) => v,
            other => panic!("{other:?}"),
        };
        let mut stream = wire.to_vec();
        stream.extend(std::iter::repeat_n(9u8, value as usize));
        let strict = FrameFormat::new().with_length(field);
        assert_eq!(
            run_fresh(strict, 1 << 16, &[&stream]).end,
            Err(DecodeError::NonMinimalLength {
                frame: 0,
                offset: 0
            }),
            "{field}"
        );
        let lenient = strict.with_non_minimal_lengths(true);
        let outcome = run_fresh(lenient, 1 << 16, &[&stream]);
        assert_eq!(outcome.end, Ok(()));
        assert_eq!(outcome.items, [Item::frame(vec![9u8; value as usize])]);
    }
    // An 11th LEB128 byte, and a 5th MQTT byte, are refused whatever the format says.
    let long = [0x80u8; 11];
    for (field, most) in [(LengthField::Leb128, 10u8), (LengthField::MqttVbi, 4)] {
        let format = FrameFormat::new()
            .with_length(field)
            .with_non_minimal_lengths(true);
        assert_eq!(
            run_fresh(format, 1 << 16, &[&long]).end,
            Err(DecodeError::OverlongLength {
                frame: 0,
                offset: 0,
                max_bytes: most
            })
        );
    }
}

#[test]
fn the_limit_counts_the_payload_after_the_adjustment() {
    // HTTP/2 with a 100-byte limit: a field of 94 announces 100 payload bytes, a field of 95
    // announces 101, refused before any payload byte.
    let format = FrameFormat::HTTP2.with_max_frame_len(100);
    let ok = [&[0, 0, 94][..], &[0; 100]].concat();
    assert_eq!(run_fresh(format, 100, &[&ok]).end, Ok(()));
    let over = [0, 0, 95];
    assert_eq!(
        run_fresh(format, 100, &[&over]).end,
        Err(DecodeError::FrameTooLarge {
            frame: 0,
            offset: 0,
            len: 101,
            max: 100
        })
    );
    // A u64 field near its top plus a positive adjustment does not wrap around.
    let wrap = FrameFormat::new()
        .with_length(LengthField::U64_BE)
        .with_adjustment(8)
        .with_max_frame_len(u64::MAX)
        .with_streaming(true);
    assert_eq!(
        run_fresh(wrap, 16, &[&[0xff; 8]]).end,
        Err(DecodeError::LengthOverflow {
            frame: 0,
            offset: 0
        })
    );
}
