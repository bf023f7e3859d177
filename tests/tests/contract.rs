//! What the documentation promises, stated with the documented numbers rather than read back
//! from the getters: the defaults, the read-into-decoder regions of every buffer kind for
//! frames past 64 KiB, and `commit` past the spare region.

use unstick::json::{self, HeaderProblem};
use unstick::{
    ConfigError, DecodeError, EncodeError, Event, FrameBuffer, FrameFormat, LengthDecoder,
    LengthEncoder,
};

fn frame(len: usize) -> Vec<u8> {
    let mut wire = (len as u32).to_be_bytes().to_vec();
    wire.extend((0..len).map(|i| i as u8));
    wire
}

#[test]
fn default_format_is_u32be_64_kib_rejecting_without_streaming() {
    // 64 KiB is the default limit: a 65,536-byte frame passes, one more byte is refused.
    let mut buf = vec![0u8; 65_536];
    let mut decoder = LengthDecoder::new(FrameFormat::new(), &mut buf[..]).unwrap();
    let wire = frame(65_536);
    let step = decoder.decode(&wire).unwrap();
    assert_eq!(step.consumed, wire.len());
    assert!(matches!(step.event, Some(Event::Frame(f)) if f.payload.len() == 65_536));
    assert_eq!(
        decoder.decode(&frame(65_537)).err(),
        Some(DecodeError::FrameTooLarge {
            frame: 1,
            offset: 65_540,
            len: 65_537,
            max: 65_536
        })
    );
    // No streaming by default: the buffer must hold the limit.
    assert_eq!(
        LengthDecoder::new(FrameFormat::new(), [0u8; 65_535]).err(),
        Some(ConfigError::BufferTooSmall {
            capacity: 65_535,
            head_len: 0,
            max_frame_len: 65_536
        })
    );
}

#[test]
fn default_encoder_refuses_past_64_kib() {
    let encoder = LengthEncoder::default();
    let mut out = vec![0u8; 70_000];
    assert_eq!(encoder.encode(&[7; 65_536], &mut out), Ok(65_540));
    assert_eq!(out[..4], [0, 1, 0, 0]);
    assert_eq!(
        encoder.encode(&[7; 65_537], &mut out),
        Err(EncodeError::FrameTooLarge {
            len: 65_537,
            max: 65_536
        })
    );
}

#[test]
fn json_defaults_are_4_kib_headers_4_gib_bodies_depth_16() {
    let config = json::Config::new();
    // The size is `total_size`, as the tutorials send it; another name replaces it.
    assert_eq!(config.size_field(), "total_size");
    let renamed = config.with_size_field("size");
    assert_eq!(renamed.size_field(), "size");
    assert_eq!(renamed.inspect(br#"{"size": 7, "total_size": 9}"#), Ok(7));
    // Bodies up to 4 GiB.
    let at = |size: u64| format!("{{\"total_size\": {size}}}");
    assert_eq!(config.inspect(at(1 << 32).as_bytes()), Ok(1 << 32));
    assert_eq!(
        config.inspect(at((1 << 32) + 1).as_bytes()),
        Err(HeaderProblem::BodyTooLarge {
            total_size: (1 << 32) + 1,
            max: 1 << 32
        })
    );
    // Nesting 16 deep (the top-level object counts).
    let nested = |depth: usize| {
        format!(
            "{{\"total_size\": 0, \"a\": {}1{}}}",
            "[".repeat(depth - 1),
            "]".repeat(depth - 1)
        )
    };
    assert_eq!(config.inspect(nested(16).as_bytes()), Ok(0));
    assert!(matches!(
        config.inspect(nested(17).as_bytes()),
        Err(HeaderProblem::TooDeep { max_depth: 16, .. })
    ));
    // Headers up to 4 KiB, announced in a 4-byte big-endian prefix.
    let mut buf = vec![0u8; 8192];
    let mut decoder = json::Decoder::new(config, &mut buf[..]).unwrap();
    let mut header = b"{\"total_size\": 0, \"pad\": \"".to_vec();
    header.resize(4096 - 2, b'x');
    header.extend_from_slice(b"\"}");
    let mut wire = (header.len() as u32).to_be_bytes().to_vec();
    wire.extend_from_slice(&header);
    decoder
        .decode_all(&wire, |_| {})
        .expect("a 4096-byte header is accepted");
    assert_eq!(decoder.frames(), 1);
    assert_eq!(
        decoder.decode_all(&4097u32.to_be_bytes(), |_| {}),
        Err(json::DecodeError::HeaderTooLong {
            frame: 1,
            offset: wire.len() as u64,
            len: 4097,
            max: 4096
        })
    );
}

/// The JSON encoder's header limit is the decoder's: a header of exactly 4 KiB is written, one
/// byte more is refused with both numbers.
#[test]
fn json_encoder_writes_a_header_of_exactly_the_limit() {
    #[derive(serde::Serialize)]
    struct Padded<'a> {
        total_size: u64,
        pad: &'a str,
    }
    let encoder = json::Encoder::new(json::Config::new());
    let around = br#"{"total_size":0,"pad":""}"#.len();
    let mut out = vec![0u8; 8192];
    let exact = "x".repeat(4096 - around);
    let written = encoder.encode_header(
        &Padded {
            total_size: 0,
            pad: &exact,
        },
        &mut out,
    );
    assert_eq!(written.map(|h| h.len), Ok(4 + 4096));
    let over = "x".repeat(4097 - around);
    assert_eq!(
        encoder.encode_header(
            &Padded {
                total_size: 0,
                pad: &over
            },
            &mut out
        ),
        Err(json::EncodeError::HeaderTooLong {
            len: 4097,
            max: 4096
        })
    );
}

/// `reset` starts a new stream: a partial frame, a failure and the counters are forgotten.
#[test]
fn json_reset_starts_a_new_stream() {
    let mut buf = vec![0u8; 4096];
    let mut decoder = json::Decoder::new(json::Config::new(), &mut buf[..]).unwrap();
    let header = br#"{"total_size": 2}"#;
    let mut wire = (header.len() as u32).to_be_bytes().to_vec();
    wire.extend_from_slice(header);
    wire.extend_from_slice(b"hi");
    decoder.decode_all(&wire, |_| {}).unwrap();
    decoder.decode_all(&wire[..6], |_| {}).unwrap();
    assert_eq!(decoder.frames(), 1);
    assert!(!decoder.is_idle());
    decoder.reset();
    assert!(decoder.is_idle());
    assert_eq!(decoder.frames(), 0);
    assert_eq!(decoder.finish(), Ok(()));
    // After a failure: the error is gone and offsets count from the new stream's start.
    assert!(decoder.decode_all(&[0xff; 4], |_| {}).is_err());
    assert!(decoder.is_failed());
    decoder.reset();
    assert!(!decoder.is_failed());
    let mut bodies = Vec::new();
    decoder
        .decode_all(&wire[..wire.len() - 1], |event| {
            if let json::Event::BodyPiece(piece) = event {
                bodies.extend_from_slice(piece);
            }
        })
        .unwrap();
    assert_eq!(bodies, b"h");
    assert_eq!(
        decoder.finish(),
        Err(json::DecodeError::TruncatedBody {
            frame: 0,
            offset: 0,
            total_size: 2,
            missing: 1
        })
    );
}

/// A JSON header limit past `MAX_PAYLOAD_LEN` means that limit, as for frames: the getter and
/// the decoder's refusal say the same number.
#[test]
fn json_header_limit_is_at_most_max_payload_len() {
    use unstick::{LengthField, MAX_PAYLOAD_LEN};
    let config = json::Config::new()
        .with_length(LengthField::U64_BE)
        .with_max_header_len(u64::MAX);
    assert_eq!(config.max_header_len(), MAX_PAYLOAD_LEN);
    assert_eq!(
        config
            .with_max_header_len(MAX_PAYLOAD_LEN - 1)
            .max_header_len(),
        MAX_PAYLOAD_LEN - 1
    );
    let mut decoder = json::Decoder::new(config, Vec::new()).unwrap();
    assert_eq!(
        decoder.decode_all(&(MAX_PAYLOAD_LEN + 1).to_be_bytes(), |_| {}),
        Err(json::DecodeError::HeaderTooLong {
            frame: 0,
            offset: 0,
            len: MAX_PAYLOAD_LEN + 1,
            max: MAX_PAYLOAD_LEN
        })
    );
}

/// Reads a frame of `len` bytes through `spare`/`commit` alone, `step` bytes at most per read,
/// checking that the region always reaches exactly as far as the frame needs: the whole rest
/// in a fixed buffer that holds the frame, at most `grow` more bytes per read in a growable one.
fn read_through_spare<B: FrameBuffer>(buf: B, len: usize, step: usize, grow: Option<u64>) {
    let format = FrameFormat::new().with_max_frame_len(len as u64);
    let mut decoder = LengthDecoder::new(format, buf).unwrap();
    let wire = frame(len);
    let mut at = 0;
    let mut got = None;
    for _ in 0..wire.len() + 2 {
        if at == wire.len() {
            break;
        }
        let missing = decoder.missing();
        let spare = decoder.spare();
        // On the boundary nothing is missing yet; the region is the length field.
        let want = if at == 0 {
            4
        } else {
            missing.min(grow.unwrap_or(u64::MAX))
        };
        assert_eq!(
            spare.len() as u64,
            want,
            "region at byte {at} of {}",
            wire.len()
        );
        let n = spare.len().min(step).min(wire.len() - at);
        spare[..n].copy_from_slice(&wire[at..at + n]);
        at += n;
        if let Some(Event::Frame(f)) = decoder.commit(n).unwrap().event {
            got = Some(f.payload.to_vec());
        }
    }
    assert_eq!(got.as_deref(), Some(&wire[4..]));
    assert!(decoder.is_idle());
}

#[test]
fn spare_reaches_the_end_of_a_large_frame_in_every_buffer_kind() {
    const LEN: usize = 100_000;
    const GROW: Option<u64> = Some(64 * 1024);
    for step in [usize::MAX, 65_537, 4096, 1] {
        read_through_spare([0u8; LEN], LEN, step, None);
        read_through_spare(&mut vec![0u8; LEN][..], LEN, step, None);
        #[allow(clippy::needless_borrows_for_generic_args)] // a borrowed array is its own kind
        read_through_spare(&mut [0u8; LEN], LEN, step, None);
        read_through_spare(Vec::new(), LEN, step, GROW);
        read_through_spare(heapless::Vec::<u8, LEN>::new(), LEN, step, GROW);
    }
}

#[test]
fn commit_past_the_spare_region_changes_nothing() {
    let mut buf = [0u8; 64];
    let mut decoder =
        LengthDecoder::new(FrameFormat::new().with_max_frame_len(64), &mut buf[..]).unwrap();
    decoder.spare()[..4].copy_from_slice(&10u32.to_be_bytes());
    assert_eq!(decoder.commit(4).unwrap().event, None);
    assert_eq!(decoder.spare().len(), 10);
    assert_eq!(
        decoder.commit(11).err(),
        Some(DecodeError::CommitPastSpare {
            frame: 0,
            offset: 0,
            committed: 11,
            spare: 10
        })
    );
    assert!(!decoder.is_failed());
    assert_eq!(decoder.missing(), 10);
    decoder.spare().copy_from_slice(b"0123456789");
    let step = decoder.commit(10).unwrap();
    assert!(matches!(step.event, Some(Event::Frame(f)) if f.payload == b"0123456789"));
    // commit(0) on a boundary takes nothing and hands out nothing.
    let step = decoder.commit(0).unwrap();
    assert_eq!((step.consumed, step.event), (0, None));
    assert!(decoder.is_idle() && !decoder.is_failed());
}

/// An error's message must name every number it carries (frame, offset, limit, ...), so a log
/// line alone points at the bytes; each number is looked for with the words around it, so a
/// field shown in another's place fails.
fn names_its_numbers(error: &(impl std::fmt::Display + std::fmt::Debug), numbers: &[&str]) {
    let text = error.to_string();
    for n in numbers {
        assert!(
            text.contains(n),
            "{error:?} is shown as {text:?}, without {n}"
        );
    }
}

#[test]
fn errors_name_their_frame_offset_and_numbers() {
    use json::Syntax;
    let (frame, offset) = (101, 202);
    let decode = [
        (
            DecodeError::FrameTooLarge {
                frame,
                offset,
                len: 303,
                max: 404,
            },
            &["303-byte", "limit of 404"][..],
        ),
        (
            DecodeError::NegativeLength {
                frame,
                offset,
                value: -505,
            },
            &["-505"],
        ),
        (
            DecodeError::LengthBelowAdjustment {
                frame,
                offset,
                value: 3,
                adjustment: -4,
            },
            &["length of 3", "adjustment of -4"],
        ),
        (DecodeError::LengthOverflow { frame, offset }, &["64 bits"]),
        (
            DecodeError::OverlongLength {
                frame,
                offset,
                max_bytes: 10,
            },
            &["10 bytes"],
        ),
        (
            DecodeError::NonMinimalLength { frame, offset },
            &["more bytes"],
        ),
        (
            DecodeError::TruncatedPrefix {
                frame,
                offset,
                have: 7,
            },
            &["7 bytes"],
        ),
        (
            DecodeError::TruncatedFrame {
                frame,
                offset,
                len: 606,
                missing: 707,
            },
            &["707 of its 606"],
        ),
        (
            DecodeError::CommitPastSpare {
                frame,
                offset,
                committed: 808,
                spare: 909,
            },
            &["commit of 808", "holds 909"],
        ),
    ];
    for (error, numbers) in decode {
        assert_eq!((error.frame(), error.offset()), (frame, offset));
        names_its_numbers(&error, &["frame 101", "byte 202"]);
        names_its_numbers(&error, numbers);
    }
    let config = [
        (
            ConfigError::BufferTooSmall {
                capacity: 111,
                head_len: 2,
                max_frame_len: 333,
            },
            &["111-byte buffer", "2-byte head", "333-byte payload"][..],
        ),
        (
            ConfigError::HeadTooLong { len: 444, max: 16 },
            &["444-byte head", "most of 16"],
        ),
    ];
    for (error, numbers) in config {
        names_its_numbers(&error, numbers);
    }
    let encode = [
        (
            EncodeError::LengthOverflowsField {
                value: 121,
                max: 255,
            },
            &["carry 121", "at most 255"][..],
        ),
        (
            EncodeError::FrameTooLarge { len: 343, max: 242 },
            &["343-byte", "length of 242"],
        ),
        (
            EncodeError::PayloadBelowAdjustment {
                len: 5,
                adjustment: 6,
            },
            &["5-byte", "the 6 bytes"],
        ),
        (
            EncodeError::HeadLength {
                expected: 1,
                got: 9,
            },
            &["1-byte head", "9 bytes given"],
        ),
        (
            EncodeError::BufferTooSmall {
                required: 565,
                available: 464,
            },
            &["565 bytes", "464 given"],
        ),
        (
            EncodeError::Format(ConfigError::HeadTooLong { len: 444, max: 16 }),
            &["444-byte head", "most of 16"],
        ),
    ];
    for (error, numbers) in encode {
        names_its_numbers(&error, numbers);
    }
    let problems = [
        (HeaderProblem::NotUtf8 { at: 12 }, &["byte 12", "UTF-8"][..]),
        (
            HeaderProblem::Malformed {
                at: 13,
                syntax: Syntax::InvalidEscape,
            },
            &["byte 13", &Syntax::InvalidEscape.to_string()],
        ),
        (HeaderProblem::NotObject, &["object"]),
        (
            HeaderProblem::TooDeep {
                at: 14,
                max_depth: 15,
            },
            &["than 15", "byte 14"],
        ),
        (
            HeaderProblem::SizeMissing {
                field: "total_size",
            },
            &["total_size"],
        ),
        (
            HeaderProblem::SizeDuplicate {
                field: "total_size",
            },
            &["total_size", "twice"],
        ),
        (
            HeaderProblem::SizeNegative {
                field: "total_size",
            },
            &["total_size", "negative"],
        ),
        (
            HeaderProblem::SizeNotInteger {
                field: "total_size",
            },
            &["total_size", "integer"],
        ),
        (
            HeaderProblem::SizeOverflow {
                field: "total_size",
            },
            &["total_size", "64 bits"],
        ),
        (
            HeaderProblem::BodyTooLarge {
                total_size: 616,
                max: 515,
            },
            &["616-byte", "limit of 515"],
        ),
    ];
    for (problem, numbers) in &problems {
        names_its_numbers(problem, numbers);
        let decode = json::DecodeError::InvalidHeader {
            frame,
            offset,
            problem: *problem,
        };
        assert_eq!((decode.frame(), decode.offset()), (frame, offset));
        names_its_numbers(&decode, &["frame 101", "byte 202"]);
        names_its_numbers(&decode, numbers);
        names_its_numbers(&json::EncodeError::InvalidHeader(*problem), numbers);
    }
    let json_decode = [
        (
            json::DecodeError::HeaderTooLong {
                frame,
                offset,
                len: 717,
                max: 818,
            },
            &["717-byte", "limit of 818"][..],
        ),
        (
            json::DecodeError::NegativeHeaderLength {
                frame,
                offset,
                value: -919,
            },
            &["-919"],
        ),
        (
            json::DecodeError::MalformedLengthPrefix { frame, offset },
            &["varint"],
        ),
        (
            json::DecodeError::TruncatedLengthPrefix {
                frame,
                offset,
                have: 3,
            },
            &["3 bytes"],
        ),
        (
            json::DecodeError::TruncatedHeader {
                frame,
                offset,
                len: 727,
                missing: 626,
            },
            &["626 of its 727"],
        ),
        (
            json::DecodeError::TruncatedBody {
                frame,
                offset,
                total_size: 737,
                missing: 636,
            },
            &["636 of its 737"],
        ),
    ];
    for (error, numbers) in json_decode {
        assert_eq!((error.frame(), error.offset()), (frame, offset));
        names_its_numbers(&error, &["frame 101", "byte 202"]);
        names_its_numbers(&error, numbers);
    }
    let json_encode = [
        (json::EncodeError::Unsupported, &["serde-json-core"][..]),
        (
            json::EncodeError::HeaderTooLong { len: 747, max: 646 },
            &["747 bytes", "limit of 646"],
        ),
        (
            json::EncodeError::LengthOverflowsPrefix { len: 757, max: 656 },
            &["757-byte", "at most 656"],
        ),
        (
            json::EncodeError::BufferTooSmall {
                required: 767,
                available: 666,
            },
            &["767 bytes", "666 given"],
        ),
    ];
    for (error, numbers) in json_encode {
        names_its_numbers(&error, numbers);
    }
}

#[test]
fn each_json_syntax_error_has_its_own_message() {
    use json::Syntax::*;
    let all = [
        UnexpectedEnd,
        ExpectedValue,
        ExpectedKey,
        ExpectedColon,
        ExpectedCommaOrEnd,
        TrailingComma,
        InvalidEscape,
        ControlCharacterInString,
        InvalidNumber,
        InvalidLiteral,
        TrailingCharacters,
    ];
    let texts: std::collections::HashSet<String> = all.iter().map(|s| s.to_string()).collect();
    assert_eq!(texts.len(), all.len(), "{texts:?}");
    assert!(texts.iter().all(|t| !t.is_empty()));
}

#[test]
fn skip_mode_passes_over_the_longest_payload_and_refuses_one_byte_more() {
    use unstick::{LengthField, MAX_PAYLOAD_LEN, Oversize};
    let format = FrameFormat::new()
        .with_length(LengthField::U64_BE)
        .with_max_frame_len(16)
        .with_oversize(Oversize::Skip);
    let mut buf = [0u8; 32];
    let mut decoder = LengthDecoder::new(format, &mut buf[..]).unwrap();
    let longest = MAX_PAYLOAD_LEN.to_be_bytes();
    let step = decoder.decode(&longest).unwrap();
    assert_eq!((step.consumed, step.event), (8, None));
    assert_eq!(decoder.missing(), MAX_PAYLOAD_LEN);
    assert!(!decoder.is_failed());
    decoder.reset();
    assert_eq!(
        decoder.decode(&(MAX_PAYLOAD_LEN + 1).to_be_bytes()).err(),
        Some(DecodeError::FrameTooLarge {
            frame: 0,
            offset: 0,
            len: MAX_PAYLOAD_LEN + 1,
            max: 16
        })
    );
}

/// `decode_whole` reads a length as `decode` does: a varint the format refuses is refused as
/// soon as it is read, and one it accepts makes a frame to wait for, taking nothing.
#[test]
fn decode_whole_judges_a_varint_length_as_soon_as_it_is_read() {
    use unstick::LengthField;
    // 5 as LEB128 in two bytes, then one of its five payload bytes.
    let wire = [0x85, 0x00, b'h'];
    let format = FrameFormat::new()
        .with_length(LengthField::Leb128)
        .with_max_frame_len(64);
    let mut buf = [0u8; 64];
    let mut decoder = LengthDecoder::new(format, &mut buf[..]).unwrap();
    assert_eq!(
        decoder.decode_whole(&wire).err(),
        Some(DecodeError::NonMinimalLength {
            frame: 0,
            offset: 0
        })
    );
    let lenient = format.with_non_minimal_lengths(true);
    let mut decoder = LengthDecoder::new(lenient, &mut buf[..]).unwrap();
    let step = decoder.decode_whole(&wire).unwrap();
    assert_eq!((step.consumed, step.event), (0, None));
    let whole = [0x85, 0x00, b'h', b'e', b'l', b'l', b'o'];
    let step = decoder.decode_whole(&whole).unwrap();
    assert_eq!(step.consumed, 7);
    assert!(matches!(step.event, Some(Event::Frame(f)) if f.payload == b"hello"));
}

/// `commit(0)` inside a frame that streams or is skipped takes nothing and hands out nothing
/// (no empty piece).
#[test]
fn commit_of_nothing_mid_frame_hands_out_nothing() {
    use unstick::Oversize;
    let streaming = FrameFormat::new()
        .with_max_frame_len(100)
        .with_streaming(true);
    let skipping = FrameFormat::new()
        .with_max_frame_len(4)
        .with_oversize(Oversize::Skip);
    for format in [streaming, skipping] {
        let mut buf = [0u8; 8];
        let mut decoder = LengthDecoder::new(format, &mut buf[..]).unwrap();
        let prefix = 20u32.to_be_bytes();
        assert_eq!(decoder.decode(&prefix).unwrap().consumed, 4);
        let step = decoder.commit(0).unwrap();
        assert_eq!((step.consumed, step.event), (0, None), "{format}");
        assert_eq!(decoder.missing(), 20);
    }
}

/// A prefix shows its bytes; a fixed length field is never empty.
#[test]
fn prefixes_show_their_bytes_and_fields_are_never_empty() {
    let prefix = LengthEncoder::new(FrameFormat::new()).prefix(5).unwrap();
    assert_eq!(format!("{prefix:?}"), "Prefix([0, 0, 0, 5])");
    for (field, len) in [
        (unstick::FixedInt::U16_BE, 2),
        (unstick::FixedInt::U64_BE, 8),
    ] {
        assert!(!field.is_empty());
        assert_eq!(field.len(), len);
    }
}

/// A QUIC varint in more bytes than its value needs is refused (RFC 9000 allows it; the format
/// refuses it unless told otherwise), for each longer form of a value of each size.
#[test]
fn quic_varints_longer_than_needed_are_refused() {
    use unstick::LengthField;
    let format = FrameFormat::new()
        .with_length(LengthField::QuicVarint)
        .with_max_frame_len(1 << 20);
    let cases: [&[u8]; 4] = [
        &[0x40, 0x05],                      // 5 in 2 bytes
        &[0x80, 0x00, 0x00, 0x64],          // 100 in 4 bytes
        &[0xc0, 0, 0, 0, 0, 0, 0x00, 0x64], // 100 in 8 bytes
        &[0xc0, 0, 0, 0, 0, 0, 0x4e, 0x20], // 20,000 in 8 bytes
    ];
    for wire in cases {
        let mut buf = vec![0u8; 1 << 20];
        let mut decoder = LengthDecoder::new(format, &mut buf[..]).unwrap();
        assert_eq!(
            decoder.decode(wire).err(),
            Some(DecodeError::NonMinimalLength {
                frame: 0,
                offset: 0
            }),
            "{wire:x?}"
        );
        let lenient = format.with_non_minimal_lengths(true);
        let mut decoder = LengthDecoder::new(lenient, &mut buf[..]).unwrap();
        let step = decoder.decode(wire).unwrap();
        assert_eq!((step.consumed, step.event), (wire.len(), None));
    }
    // The shortest forms at each size's edges are read.
    let minimal: [&[u8]; 3] = [&[0x3f], &[0x7f, 0xff], &[0xbf, 0xff, 0xff, 0xff]];
    for wire in minimal {
        let mut decoder =
            LengthDecoder::new(format.with_max_frame_len(1 << 30), Vec::new()).unwrap();
        let step = decoder.decode(wire).unwrap();
        assert_eq!(step.consumed, wire.len());
        assert!(decoder.missing() > 0, "{wire:x?}");
    }
}

/// A format's setters say what the format is, whatever was set before: setting the same
/// policy twice keeps it.
#[test]
fn format_setters_are_idempotent() {
    use unstick::Oversize;
    let skip = FrameFormat::new().with_oversize(Oversize::Skip);
    assert_eq!(
        skip.with_oversize(Oversize::Skip).oversize(),
        Oversize::Skip
    );
    assert_eq!(
        skip.with_oversize(Oversize::Reject).oversize(),
        Oversize::Reject
    );
    let streaming = FrameFormat::new().with_streaming(true);
    assert!(streaming.with_streaming(true).streaming());
    assert!(!streaming.with_streaming(false).streaming());
    let lenient = FrameFormat::new().with_non_minimal_lengths(true);
    assert!(lenient.with_non_minimal_lengths(true).non_minimal_lengths());
    assert!(
        !lenient
            .with_non_minimal_lengths(false)
            .non_minimal_lengths()
    );
    // No setter touches another's flag.
    assert!(streaming.with_oversize(Oversize::Skip).streaming());
    assert_eq!(skip.with_streaming(true).oversize(), Oversize::Skip);
    assert!(lenient.with_streaming(true).non_minimal_lengths());
}

/// A length field name that does not parse says which names do.
#[test]
fn an_unknown_field_name_lists_the_known_ones() {
    let error = "u33be".parse::<unstick::LengthField>().unwrap_err();
    let text = error.to_string();
    for name in ["u32be", "i32le", "leb128", "mqtt", "quic"] {
        assert!(text.contains(name), "{text}");
    }
}

/// The presets' limits are the ones their specifications give.
#[test]
fn preset_limits_are_their_specifications() {
    // HTTP/2: the default SETTINGS_MAX_FRAME_SIZE (16,384) plus the 6 bytes of type, flags and
    // stream id the length does not count.
    assert_eq!(FrameFormat::HTTP2.max_frame_len(), 16_390);
    // TLS: 2^14 + 256 (RFC 8446 section 5.2).
    assert_eq!(FrameFormat::TLS.max_frame_len(), 16_640);
    // Modbus TCP: the 260-byte ADU less the 6 bytes before the unit id.
    assert_eq!(FrameFormat::MODBUS_TCP.max_frame_len(), 254);
}

/// A bad value in format text says what that key expects.
#[test]
fn a_bad_format_value_says_what_its_key_expects() {
    for (text, expected) in [
        ("u32be,head=x", "a byte count"),
        ("u32be,length=zz", "a length field"),
        ("u32be,adjust=q", "a signed byte count"),
        ("u32be,max=q", "1MiB"),
        ("u32be,oversize=q", "reject or skip"),
        ("u32be,oversize=yes", "reject or skip"),
        ("u32be,streaming=q", "yes or no"),
    ] {
        let error = text.parse::<FrameFormat>().unwrap_err().to_string();
        assert!(error.contains(expected), "{text}: {error}");
    }
}

/// Format text: one trailing comma is harmless, an empty item anywhere else is refused; both
/// oversize policies are spelled out.
#[test]
fn format_text_commas_and_policies() {
    use unstick::Oversize;
    assert_eq!(
        "u8,".parse::<FrameFormat>().map(|f| f.length().max_len()),
        Ok(1)
    );
    for text in [",u8", "u8,,", "u8,,max=5", " , u8"] {
        let error = text.parse::<FrameFormat>().unwrap_err();
        assert!(error.to_string().contains("empty"), "{text}: {error}");
    }
    let skip: FrameFormat = "u32be,oversize=skip".parse().unwrap();
    assert_eq!(skip.oversize(), Oversize::Skip);
    let reject: FrameFormat = "u32be,oversize=REJECT".parse().unwrap();
    assert_eq!(reject.oversize(), Oversize::Reject);
    assert!(!reject.non_minimal_lengths());
}
