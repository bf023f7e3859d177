//! Property tests for the length-frame decoder and encoder.
//!
//! Cases default to proptest's 256; CI sets `PROPTEST_CASES=1000`.

use proptest::prelude::*;
use unstick::{
    ByteOrder, DecodeError, EncodeError, Event, FrameFormat, LengthDecoder, LengthEncoder,
    LengthField, Oversize, Width,
};
use unstick_tests::{
    Item, Outcome, encode_stream, reference, reference::FieldRead, reference_field, run,
    run_all_fresh, run_fresh, run_mixed_with, run_spare, run_spare_sized, run_spare_with,
    run_until_fresh, run_whole, split,
};

const WIDTHS: [Width; 5] = [Width::W1, Width::W2, Width::W3, Width::W4, Width::W8];

fn any_field() -> impl Strategy<Value = LengthField> {
    (
        prop::sample::select(&WIDTHS[..]),
        prop_oneof![Just(ByteOrder::Big), Just(ByteOrder::Little)],
        any::<bool>(),
    )
        .prop_map(|(w, o, s)| LengthField::fixed(w, o, s))
}

/// The sending side's format for `field`, without a limit: it writes whatever the field
/// carries, as the old header-only encoder did, so over-limit frames can be put on the wire.
fn wire(field: LengthField) -> FrameFormat {
    FrameFormat::new()
        .with_length(field)
        .with_max_frame_len(u64::MAX)
}

/// Chunk sizes that cycle over the stream: many empty and 1-byte chunks, some large ones.
fn chunk_sizes() -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(
        prop_oneof![
            2 => Just(0usize),
            3 => Just(1usize),
            3 => 2..16usize,
            2 => 16..6000usize,
        ],
        0..24,
    )
}

fn payloads(max_len: usize, count: usize) -> impl Strategy<Value = Vec<Vec<u8>>> {
    prop::collection::vec(
        prop_oneof![
            1 => Just(Vec::new()),
            4 => prop::collection::vec(any::<u8>(), 0..=max_len),
        ],
        0..count,
    )
}

/// Payloads cut to what `field` can carry (255 bytes for one unsigned byte, 127 signed).
fn fit(field: LengthField, mut payloads: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
    for p in &mut payloads {
        p.truncate(field.max_value().min(usize::MAX as u64) as usize);
    }
    payloads
}

fn whole_and_bytewise(config: FrameFormat, cap: usize, stream: &[u8]) -> (Outcome, Outcome) {
    let one_byte: Vec<&[u8]> = stream.chunks(1).collect();
    (
        run_fresh(config, cap, &[stream]),
        run_fresh(config, cap, &one_byte),
    )
}

proptest! {
    /// Invariant 1: Any split of a valid stream gives the payloads, in buffered and streaming mode.
    #[test]
    fn chunking_invariance(
        field in any_field(),
        raw in payloads(3000, 10),
        sizes in chunk_sizes(),
        streaming in any::<bool>(),
        stream_cap in 0usize..3000,
    ) {
        let payloads = fit(field, raw);
        let stream = encode_stream(wire(field), &payloads);
        let cap = if streaming { stream_cap } else { 4096 };
        let config = FrameFormat::new().with_length(field).with_max_frame_len(4096).with_streaming(streaming);
        let outcome = run_fresh(config, cap, &split(&stream, &sizes));
        prop_assert_eq!(&outcome.end, &Ok(()));
        let got: Vec<&[u8]> = outcome.items.iter().map(|i| i.payload().unwrap()).collect();
        let want: Vec<&[u8]> = payloads.iter().map(|p| &p[..]).collect();
        prop_assert_eq!(got, want);
        for item in &outcome.items {
            match item {
                Item::Frame { payload: p, .. } => prop_assert!(p.len() <= cap),
                Item::Streamed { payload: p, .. } => prop_assert!(streaming && p.len() > cap),
                Item::Skipped(_) => prop_assert!(false, "nothing is over the limit"),
            }
        }
        prop_assert_eq!(&outcome, &reference(config, cap, &stream));
        prop_assert_eq!(&run_all_fresh(config, cap, &split(&stream, &sizes)), &outcome);
        let batch = 1 + sizes.len() % 3;
        prop_assert_eq!(&run_until_fresh(config, cap, &split(&stream, &sizes), batch), &outcome);
        prop_assert_eq!(&run_whole(config, cap, &split(&stream, &sizes)), &outcome);
        if cap > 0 {
            prop_assert_eq!(&run_spare(config, cap, &stream, stream_cap as u64), &outcome);
            let mut storage = vec![0u8; cap];
            let mut decoder = LengthDecoder::new(config, &mut storage[..]).unwrap();
            prop_assert_eq!(&run_mixed_with(&mut decoder, &stream, sizes.len() as u64), &outcome);
        }
    }

    /// Invariant 2: Encode then decode is the identity, for every width, byte order and signedness.
    #[test]
    fn round_trip_every_header(field in any_field(), raw in payloads(600, 6)) {
        let payloads = fit(field, raw);
        let encoder = LengthEncoder::new(wire(field));
        let mut stream = Vec::new();
        for p in &payloads {
            let mut out = vec![0u8; encoder.encoded_len(p.len()).unwrap()];
            prop_assert_eq!(encoder.encode(p, &mut out), Ok(out.len()));
            let prefix = encoder.prefix(p.len()).unwrap();
            prop_assert_eq!(prefix.len(), field.max_len());
            prop_assert_eq!(&out[..field.max_len()], prefix.as_bytes());
            stream.extend_from_slice(&out);
        }
        let config = FrameFormat::new().with_length(field).with_max_frame_len(600);
        let (whole, bytewise) = whole_and_bytewise(config, 600, &stream);
        let want: Vec<Item> = payloads.iter().cloned().map(Item::frame).collect();
        prop_assert_eq!(&whole, &Outcome { items: want, end: Ok(()) });
        prop_assert_eq!(whole, bytewise);
    }

    /// Invariant 3a: `Reject` fails at the first over-limit frame, whatever the chunking.
    #[test]
    fn reject_fails_at_the_same_frame(
        lens in prop::collection::vec(0usize..300, 1..12),
        max in 0u64..300,
        sizes in chunk_sizes(),
    ) {
        let payloads: Vec<Vec<u8>> = lens.iter().map(|&n| vec![n as u8; n]).collect();
        let stream = encode_stream(wire(LengthField::U32_BE), &payloads);
        let config = FrameFormat::new().with_max_frame_len(max);
        let outcome = run_fresh(config, 300, &split(&stream, &sizes));
        match lens.iter().position(|&n| n as u64 > max) {
            Some(bad) => {
                let offset: usize = lens[..bad].iter().map(|n| n + 4).sum();
                prop_assert_eq!(outcome.end, Err(DecodeError::FrameTooLarge {
                    frame: bad as u64,
                    offset: offset as u64,
                    len: lens[bad] as u64,
                    max,
                }));
                let want: Vec<Item> = payloads[..bad].iter().cloned().map(Item::frame).collect();
                prop_assert_eq!(outcome.items, want);
            }
            None => prop_assert_eq!(outcome.end, Ok(())),
        }
    }

    /// Invariant 3b: `Skip` reports each over-limit frame's length and yields every other frame intact.
    #[test]
    fn skip_yields_every_other_frame(
        lens in prop::collection::vec(0usize..3000, 1..12),
        max in 0u64..600,
        sizes in chunk_sizes(),
        streaming in any::<bool>(),
    ) {
        let payloads: Vec<Vec<u8>> =
            lens.iter().enumerate().map(|(i, &n)| vec![i as u8; n]).collect();
        let stream = encode_stream(wire(LengthField::I32_LE), &payloads);
        let config = FrameFormat::new()
            .with_length(LengthField::I32_LE)
            .with_max_frame_len(max)
            .with_oversize(Oversize::Skip)
            .with_streaming(streaming);
        let cap = if streaming { 100 } else { 600 };
        let outcome = run_fresh(config, cap, &split(&stream, &sizes));
        prop_assert_eq!(&run_all_fresh(config, cap, &split(&stream, &sizes)), &outcome);
        prop_assert_eq!(&run_until_fresh(config, cap, &split(&stream, &sizes), 1), &outcome);
        let want: Vec<Item> = payloads
            .iter()
            .map(|p| {
                if p.len() as u64 > max {
                    Item::Skipped(p.len() as u64)
                } else if p.len() > cap {
                    Item::streamed(p.clone())
                } else {
                    Item::frame(p.clone())
                }
            })
            .collect();
        prop_assert_eq!(outcome, Outcome { items: want, end: Ok(()) });
    }

    /// Invariant 4: A stream cut anywhere: `finish()` reports exactly the missing bytes of the cut frame.
    #[test]
    fn truncation_reports_missing_bytes(
        field in any_field(),
        raw in payloads(500, 6),
        cut_at in any::<prop::sample::Index>(),
        sizes in chunk_sizes(),
        streaming in any::<bool>(),
        oversize_skip in any::<bool>(),
    ) {
        let payloads = fit(field, raw);
        let stream = encode_stream(wire(field), &payloads);
        let cut = cut_at.index(stream.len() + 1);
        let policy = if oversize_skip { Oversize::Skip } else { Oversize::Reject };
        let max = if oversize_skip { 250 } else { 500 };
        let config = FrameFormat::new()
            .with_length(field)
            .with_max_frame_len(max)
            .with_streaming(streaming)
            .with_oversize(policy);
        let cap = if streaming { 64 } else { 500 };
        let outcome = run_fresh(config, cap, &split(&stream[..cut], &sizes));
        // Independent of the reference decoder: walk the frame boundaries.
        let w = field.max_len();
        let mut start = 0;
        let mut expected_end = Ok(());
        let mut complete = 0;
        for (i, p) in payloads.iter().enumerate() {
            let end = start + w + p.len();
            if oversize_skip || p.len() as u64 <= max {
                if cut >= end {
                    complete += 1;
                } else if cut > start {
                    expected_end = Err(if cut - start < w {
                        DecodeError::TruncatedPrefix {
                            frame: i as u64,
                            offset: start as u64,
                            have: (cut - start) as u8,
                        }
                    } else {
                        DecodeError::TruncatedFrame {
                            frame: i as u64,
                            offset: start as u64,
                            len: p.len() as u64,
                            missing: (end - cut) as u64,
                        }
                    });
                }
            }
            if cut <= end {
                break;
            }
            start = end;
        }
        if !matches!(outcome.end, Err(DecodeError::FrameTooLarge { .. })) {
            prop_assert_eq!(&outcome.end, &expected_end);
            prop_assert_eq!(outcome.items.len(), complete);
        }
        prop_assert_eq!(&outcome, &reference(config, cap, &stream[..cut]));
    }

    /// Invariant 5: Arbitrary bytes never panic and give the same outcome however they are chunked.
    #[test]
    fn arbitrary_bytes_same_outcome_any_chunking(
        field in any_field(),
        bytes in prop::collection::vec(any::<u8>(), 0..2000),
        sizes in chunk_sizes(),
        max in 0u64..1000,
        streaming in any::<bool>(),
        skip in any::<bool>(),
        stream_cap in 0usize..1000,
    ) {
        let config = FrameFormat::new()
            .with_length(field)
            .with_max_frame_len(max)
            .with_streaming(streaming)
            .with_oversize(if skip { Oversize::Skip } else { Oversize::Reject });
        let cap = if streaming { stream_cap } else { max as usize };
        let expected = reference(config, cap, &bytes);
        prop_assert_eq!(&run_fresh(config, cap, &split(&bytes, &sizes)), &expected);
        let (whole, bytewise) = whole_and_bytewise(config, cap, &bytes);
        prop_assert_eq!(&whole, &expected);
        prop_assert_eq!(&bytewise, &expected);
        prop_assert_eq!(&run_all_fresh(config, cap, &split(&bytes, &sizes)), &expected);
        prop_assert_eq!(&run_all_fresh(config, cap, &[&bytes]), &expected);
        for batch in [1, 2, usize::MAX] {
            prop_assert_eq!(&run_until_fresh(config, cap, &split(&bytes, &sizes), batch), &expected);
        }
        prop_assert_eq!(&run_whole(config, cap, &split(&bytes, &sizes)), &expected);
        if cap > 0 {
            prop_assert_eq!(&run_spare_sized(config, cap, &bytes, &sizes), &expected);
        }
    }

    /// Every buffer kind gives the same outcome.
    #[test]
    fn buffer_kinds_agree(
        raw in payloads(256, 8),
        sizes in chunk_sizes(),
    ) {
        let stream = encode_stream(wire(LengthField::U16_BE), &raw);
        let chunks = split(&stream, &sizes);
        let config = FrameFormat::new().with_length(LengthField::U16_BE).with_max_frame_len(256);
        let expected = run_fresh(config, 256, &chunks);
        let mut array = LengthDecoder::new(config, [0u8; 256]).unwrap();
        prop_assert_eq!(&run(&mut array, &chunks), &expected);
        let mut heap = LengthDecoder::new(config, heapless::Vec::<u8, 256>::new()).unwrap();
        prop_assert_eq!(&run(&mut heap, &chunks), &expected);
        let mut vec = LengthDecoder::new(config, Vec::new()).unwrap();
        prop_assert_eq!(&run(&mut vec, &chunks), &expected);
        prop_assert!(vec.into_buffer().capacity() <= 512);
        let mut storage = [0u8; 300];
        let mut borrowed = LengthDecoder::new(config, &mut storage).unwrap();
        prop_assert_eq!(&run(&mut borrowed, &chunks), &expected);
        // Reading straight into each kind of buffer.
        let seed = sizes.len() as u64;
        let mut heap = LengthDecoder::new(config, heapless::Vec::<u8, 256>::new()).unwrap();
        prop_assert_eq!(&run_spare_with(&mut heap, &stream, seed), &expected);
        let mut vec = LengthDecoder::new(config, Vec::new()).unwrap();
        prop_assert_eq!(&run_spare_with(&mut vec, &stream, seed), &expected);
        let mut array = LengthDecoder::new(config, [0u8; 256]).unwrap();
        prop_assert_eq!(&run_spare_with(&mut array, &stream, seed), &expected);
        // Both paths on one decoder, as `FrameReader` drives it.
        let mut vec = LengthDecoder::new(config, Vec::new()).unwrap();
        prop_assert_eq!(&run_mixed_with(&mut vec, &stream, seed), &expected);
        let mut heap = LengthDecoder::new(config, heapless::Vec::<u8, 256>::new()).unwrap();
        prop_assert_eq!(&run_mixed_with(&mut heap, &stream, seed), &expected);
        let mut array = LengthDecoder::new(config, [0u8; 256]).unwrap();
        prop_assert_eq!(&run_mixed_with(&mut array, &stream, seed), &expected);
    }
}

/// Invariant 2, exhaustively: Every width, order and signedness, at the field's own maximum:
/// `max_value` encodes and decodes, `max_value + 1` is refused, not truncated.
#[test]
fn every_header_at_its_maximum() {
    for width in WIDTHS {
        for order in [ByteOrder::Big, ByteOrder::Little] {
            for signed in [false, true] {
                let field = LengthField::fixed(width, order, signed);
                let max = field.max_value();
                let expected_max = match (width.bytes(), signed) {
                    (8, false) => u64::MAX,
                    (8, true) => i64::MAX as u64,
                    (n, s) => (1u64 << (8 * n - usize::from(s))) - 1,
                };
                assert_eq!(max, expected_max, "{field:?}");
                let encoder = LengthEncoder::new(wire(field));
                if max > unstick::MAX_PAYLOAD_LEN {
                    // No frame is that long: refused as over any limit, as the decoder does.
                    assert_eq!(
                        encoder.prefix(max as usize),
                        Err(EncodeError::FrameTooLarge {
                            len: max,
                            max: unstick::MAX_PAYLOAD_LEN
                        })
                    );
                    continue;
                }
                let encoded = encoder.prefix(max as usize).unwrap();
                assert_eq!(
                    reference_field(field, &encoded, true),
                    FieldRead::Done(max, width.bytes())
                );
                if let Some(over) = max.checked_add(1) {
                    assert_eq!(
                        encoder.prefix(over as usize),
                        Err(EncodeError::LengthOverflowsField { value: over, max })
                    );
                }
                if width.bytes() <= 2 {
                    let payload = vec![7u8; max as usize];
                    let stream = encode_stream(wire(field), std::slice::from_ref(&payload));
                    let config = FrameFormat::new()
                        .with_length(field)
                        .with_max_frame_len(max);
                    let (whole, bytewise) = whole_and_bytewise(config, max as usize, &stream);
                    assert_eq!(whole.items, [Item::frame(payload)], "{field:?}");
                    assert_eq!(whole, bytewise);
                }
            }
        }
    }
}

/// Invariant 6: Limit boundaries: limit - 1 and limit pass, limit + 1 is refused or skipped.
#[test]
fn limit_boundaries() {
    let limit = 100usize;
    for len in [limit - 1, limit, limit + 1] {
        let payloads = vec![vec![1u8; len], b"next".to_vec()];
        let stream = encode_stream(wire(LengthField::U32_BE), &payloads);
        let reject = FrameFormat::new().with_max_frame_len(limit as u64);
        let (whole, bytewise) = whole_and_bytewise(reject, limit, &stream);
        assert_eq!(whole, bytewise);
        if len <= limit {
            assert_eq!(
                whole.items,
                payloads
                    .iter()
                    .cloned()
                    .map(Item::frame)
                    .collect::<Vec<_>>()
            );
            assert_eq!(whole.end, Ok(()));
        } else {
            assert!(whole.items.is_empty());
            assert_eq!(
                whole.end,
                Err(DecodeError::FrameTooLarge {
                    frame: 0,
                    offset: 0,
                    len: 101,
                    max: 100
                })
            );
        }
        let skip = reject.with_oversize(Oversize::Skip);
        let (whole, bytewise) = whole_and_bytewise(skip, limit, &stream);
        assert_eq!(whole, bytewise);
        let first = if len <= limit {
            Item::frame(payloads[0].clone())
        } else {
            Item::Skipped(101)
        };
        assert_eq!(whole.items, [first, Item::frame(b"next".to_vec())]);
        assert_eq!(whole.end, Ok(()));
    }
}

/// Invariant 6: Buffer boundaries in streaming mode: frames of buffer size minus one and of buffer size
/// arrive whole, even when split across chunks; one byte more streams, even inside one chunk.
#[test]
fn buffer_boundaries_when_streaming() {
    let cap = 64usize;
    let config = FrameFormat::new()
        .with_max_frame_len(1 << 20)
        .with_streaming(true);
    for len in [cap - 1, cap, cap + 1] {
        let payload: Vec<u8> = (0..len).map(|i| i as u8).collect();
        let stream = encode_stream(config, std::slice::from_ref(&payload));
        let (whole, bytewise) = whole_and_bytewise(config, cap, &stream);
        assert_eq!(whole, bytewise);
        let want = if len <= cap {
            Item::frame(payload)
        } else {
            Item::streamed(payload)
        };
        assert_eq!(
            whole,
            Outcome {
                items: vec![want],
                end: Ok(())
            }
        );
    }
}

/// A small buffer receives a frame far larger than itself, piece by piece, and the pieces are
/// the caller's own input slices.
#[test]
fn streams_a_large_frame_through_a_tiny_buffer_zero_copy() {
    let payload: Vec<u8> = (0..1_000_000u32).map(|i| (i % 251) as u8).collect();
    let config = FrameFormat::new()
        .with_max_frame_len(u64::from(u32::MAX))
        .with_streaming(true);
    let stream = encode_stream(config, std::slice::from_ref(&payload));
    let mut buf = [0u8; 16];
    let mut decoder = LengthDecoder::new(config, &mut buf[..]).unwrap();
    let mut received = Vec::with_capacity(payload.len());
    let (mut starts, mut ends) = (0, 0);
    for chunk in stream.chunks(1460) {
        let range = chunk.as_ptr_range();
        let mut input = chunk;
        loop {
            let step = decoder.decode(input).unwrap();
            input = &input[step.consumed..];
            match step.event {
                Some(Event::StreamStart { head, len }) => {
                    assert!(head.is_empty());
                    assert_eq!(len, 1_000_000);
                    starts += 1;
                }
                Some(Event::StreamPiece(piece)) => {
                    assert!(range.contains(&piece.as_ptr()), "piece was copied");
                    received.extend_from_slice(piece);
                }
                Some(Event::StreamEnd) => ends += 1,
                Some(other) => panic!("unexpected {other:?}"),
                None => break,
            }
        }
    }
    assert_eq!((starts, ends), (1, 1));
    assert!(received == payload);
    assert_eq!(decoder.finish(), Ok(()));
    assert_eq!(decoder.frames(), 1);
    assert_eq!(decoder.offset(), 1_000_004);
}

/// A frame inside one chunk is a slice of that chunk; a straddling frame comes from the buffer;
/// a frame whose length field straddles but whose payload lies in the next chunk is still zero-copy.
#[test]
fn frames_inside_a_chunk_are_not_copied() {
    let stream = encode_stream(
        FrameFormat::new(),
        &[b"inside".to_vec(), b"straddles".to_vec()],
    );
    let mut buf = [0u8; 32];
    let buf_range = buf.as_ptr_range();
    let mut decoder =
        LengthDecoder::new(FrameFormat::new().with_max_frame_len(32), &mut buf[..]).unwrap();
    let (first, second) = stream.split_at(10 + 6);
    let step = decoder.decode(first).unwrap();
    let Some(Event::Frame(frame)) = step.event else {
        panic!("{step:?}")
    };
    assert_eq!(frame.payload, b"inside");
    assert!(first.as_ptr_range().contains(&frame.payload.as_ptr()));
    assert_eq!(step.consumed, 10);
    assert_eq!(decoder.decode(&first[10..]).unwrap().event, None);
    let step = decoder.decode(second).unwrap();
    let Some(Event::Frame(frame)) = step.event else {
        panic!("{step:?}")
    };
    assert_eq!(frame.payload, b"straddles");
    assert!(buf_range.contains(&frame.payload.as_ptr()));

    // Length field in one chunk, payload whole in the next.
    let stream = encode_stream(FrameFormat::new(), &[b"payload".to_vec()]);
    let (head, body) = stream.split_at(4);
    assert_eq!(decoder.decode(head).unwrap().event, None);
    let step = decoder.decode(body).unwrap();
    let Some(Event::Frame(frame)) = step.event else {
        panic!("{step:?}")
    };
    assert_eq!(frame.payload, b"payload");
    assert!(body.as_ptr_range().contains(&frame.payload.as_ptr()));
}

/// Netty's testDiscardTooLongFrame: a huge frame between two small ones, skipped as it
/// trickles in, then decoding carries on.
#[test]
fn skip_recovers_after_a_huge_frame_trickling_in() {
    let payloads = vec![b"before".to_vec(), vec![0xAA; 50_000], b"after".to_vec()];
    let stream = encode_stream(wire(LengthField::U32_BE), &payloads);
    let config = FrameFormat::new()
        .with_max_frame_len(16)
        .with_oversize(Oversize::Skip);
    let chunks: Vec<&[u8]> = stream.chunks(7).collect();
    let outcome = run_fresh(config, 16, &chunks);
    assert_eq!(
        outcome,
        Outcome {
            items: vec![
                Item::frame(b"before".to_vec()),
                Item::Skipped(50_000),
                Item::frame(b"after".to_vec())
            ],
            end: Ok(())
        }
    );
}

/// The tutorials' Python peer sends `struct.pack("i", n)`: a negative length is a typed error
/// that names the frame and offset, and `reset` starts over.
#[test]
fn negative_length_then_reset() {
    let config = FrameFormat::new()
        .with_length(LengthField::I32_LE)
        .with_max_frame_len(8);
    let mut stream = encode_stream(config, &[b"ok".to_vec()]);
    stream.extend_from_slice(&(-3i32).to_le_bytes());
    let mut decoder = LengthDecoder::new(config, [0u8; 8]).unwrap();
    let outcome = run(&mut decoder, &[&stream]);
    let err = DecodeError::NegativeLength {
        frame: 1,
        offset: 6,
        value: -3,
    };
    assert_eq!(outcome.end, Err(err));
    assert!(decoder.is_failed());
    assert_eq!(
        err.to_string(),
        "frame 1 (at byte 6) has a negative length -3"
    );
    decoder.reset();
    assert!(decoder.is_idle() && decoder.frames() == 0);
    let again = run(&mut decoder, &[&stream[..6]]);
    assert_eq!(
        again,
        Outcome {
            items: vec![Item::frame(b"ok".to_vec())],
            end: Ok(())
        }
    );
}

/// Errors say which frame, where, and which limit.
#[test]
fn error_messages_carry_the_numbers() {
    let too_large = DecodeError::FrameTooLarge {
        frame: 3,
        offset: 120,
        len: 70_000,
        max: 65_536,
    };
    assert_eq!(
        too_large.to_string(),
        "frame 3 (at byte 120) announces a 70000-byte payload, over the limit of 65536"
    );
    let truncated = DecodeError::TruncatedFrame {
        frame: 2,
        offset: 40,
        len: 100,
        missing: 60,
    };
    assert_eq!(
        truncated.to_string(),
        "stream ended inside frame 2 (at byte 40): 60 of its 100 payload bytes missing"
    );
    assert_eq!((truncated.frame(), truncated.offset()), (2, 40));
    let small = EncodeError::BufferTooSmall {
        required: 9,
        available: 4,
    };
    assert_eq!(
        small.to_string(),
        "the frame needs 9 bytes of output buffer, 4 given"
    );
}

/// Encoding into a too-small buffer reports the exact size and leaves the buffer untouched.
#[test]
fn encode_into_small_buffer_is_untouched() {
    let encoder = LengthEncoder::new(FrameFormat::new().with_max_frame_len(10));
    for size in 0..9 {
        let mut out = vec![0x55u8; size];
        assert_eq!(
            encoder.encode(b"hello", &mut out),
            Err(EncodeError::BufferTooSmall {
                required: 9,
                available: size
            })
        );
        assert!(out.iter().all(|&b| b == 0x55));
    }
    let mut out = [0u8; 9];
    assert_eq!(encoder.encode(b"hello", &mut out), Ok(9));
    let mut big = [0u8; 64];
    assert_eq!(
        encoder.encode(&[0u8; 11], &mut big),
        Err(EncodeError::FrameTooLarge { len: 11, max: 10 })
    );
}

/// A `Vec` buffer never reserves from an announced length (tokio#333): a 1 MiB announcement
/// followed by 10 bytes grows it by about 10 bytes.
#[test]
fn vec_buffer_grows_with_arrived_bytes_only() {
    let config = FrameFormat::new().with_max_frame_len(1 << 20);
    let mut decoder = LengthDecoder::new(config, Vec::new()).unwrap();
    let mut stream = (1u32 << 20).to_be_bytes().to_vec();
    stream.extend_from_slice(&[9; 10]);
    for chunk in stream.chunks(3) {
        decoder
            .decode_all(chunk, |_| panic!("no frame yet"))
            .unwrap();
    }
    assert_eq!(
        decoder.finish(),
        Err(DecodeError::TruncatedFrame {
            frame: 0,
            offset: 0,
            len: 1 << 20,
            missing: (1 << 20) - 10
        })
    );
    assert!(decoder.into_buffer().capacity() < 64);
}

/// `missing()` counts what the frame in progress still needs. While a `Vec` grows, `spare()`
/// asks for 64 KiB at a time; once it has held a large frame, `spare()` reaches to the end of
/// the next one, so a reader can take it in one read.
#[test]
fn missing_and_the_reach_of_spare() {
    let len = 300_000;
    let payload: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
    let config = FrameFormat::new().with_max_frame_len(1 << 20);
    let stream = encode_stream(config, &[payload.clone(), payload.clone()]);
    let mut decoder = LengthDecoder::new(config, Vec::new()).unwrap();
    assert_eq!(decoder.missing(), 0);
    assert_eq!(decoder.decode(&stream[..1]).unwrap().consumed, 1);
    assert_eq!(decoder.missing(), 3);
    assert_eq!(decoder.decode(&stream[1..4]).unwrap().consumed, 3);
    assert_eq!(decoder.missing(), len as u64);

    let mut at = 4;
    let mut reads = 0;
    for frame in 0..2 {
        if frame == 1 {
            assert_eq!(decoder.decode(&stream[at..at + 4]).unwrap().consumed, 4);
            at += 4;
            assert_eq!(decoder.spare().len(), len, "the whole payload in one read");
        }
        loop {
            let spare = decoder.spare();
            let n = spare.len();
            assert!(n > 0 && (frame == 1 || n <= 64 << 10), "frame {frame}: {n}");
            spare.copy_from_slice(&stream[at..at + n]);
            at += n;
            reads += 1;
            match decoder.commit(n).unwrap().event {
                Some(Event::Frame(f)) => {
                    assert!(f.payload == &payload[..]);
                    break;
                }
                None => {}
                Some(other) => panic!("unexpected {other:?}"),
            }
            let frame_end = (frame + 1) * (4 + len);
            assert_eq!(decoder.missing(), (frame_end - at) as u64);
        }
        assert_eq!(decoder.missing(), 0);
    }
    assert_eq!(at, stream.len());
    assert_eq!(reads, len.div_ceil(64 << 10) + 1);
}
