//! JSON-described header frames: chunking invariance, every error, encoder sizing.

use proptest::prelude::*;
use serde::Serialize;
use unstick::{FrameFormat, LengthEncoder, LengthField, json};
use unstick_tests::json_reference::JsonProgressOracle;
use unstick_tests::split;

/// What a JSON decoder made of a stream.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Frame {
    json: String,
    total_size: u64,
    body: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct JsonOutcome {
    frames: Vec<Frame>,
    end: Result<(), json::DecodeError>,
}

/// Feeds `chunks` through `decode` calls, checking on every call: consumed within the input,
/// no event means all consumed, pieces only between header and end, never empty, never more
/// than `total_size` in all; and after every chunk, where the decoder stands against the
/// reference reading of the bytes fed so far.
fn run_json(config: json::Config, capacity: usize, chunks: &[&[u8]]) -> JsonOutcome {
    let mut buf = vec![0u8; capacity];
    let mut decoder = json::Decoder::new(config, &mut buf[..]).unwrap();
    let mut frames = Vec::new();
    let mut open: Option<Frame> = None;
    let mut progress = JsonProgressOracle::new(config, chunks);
    for chunk in chunks {
        let mut input: &[u8] = chunk;
        loop {
            let step = match decoder.decode(input) {
                Ok(step) => step,
                Err(e) => {
                    assert_eq!(decoder.decode(b"x").err(), Some(e), "stays failed");
                    progress.check(&decoder, chunk);
                    return JsonOutcome {
                        frames,
                        end: Err(e),
                    };
                }
            };
            assert!(step.consumed <= input.len());
            input = &input[step.consumed..];
            match step.event {
                None => {
                    assert!(input.is_empty());
                    break;
                }
                Some(json::Event::Header(h)) => {
                    assert!(open.is_none(), "header inside a frame");
                    open = Some(Frame {
                        json: h.json().to_owned(),
                        total_size: h.total_size(),
                        body: Vec::new(),
                    });
                }
                Some(json::Event::BodyPiece(piece)) => {
                    let frame = open.as_mut().expect("body piece before its header");
                    assert!(!piece.is_empty());
                    frame.body.extend_from_slice(piece);
                    assert!(
                        frame.body.len() as u64 <= frame.total_size,
                        "body past total_size"
                    );
                    assert_eq!(
                        decoder.body_remaining(),
                        frame.total_size - frame.body.len() as u64
                    );
                }
                Some(json::Event::End) => {
                    let frame = open.take().expect("end without header");
                    assert_eq!(frame.body.len() as u64, frame.total_size);
                    frames.push(frame);
                }
            }
        }
        progress.check(&decoder, chunk);
    }
    JsonOutcome {
        frames,
        end: decoder.finish(),
    }
}

/// The same through `decode_all`.
fn run_json_all(config: json::Config, capacity: usize, chunks: &[&[u8]]) -> JsonOutcome {
    let mut buf = vec![0u8; capacity];
    let mut decoder = json::Decoder::new(config, &mut buf[..]).unwrap();
    let mut frames = Vec::new();
    let mut open: Option<Frame> = None;
    let mut progress = JsonProgressOracle::new(config, chunks);
    for chunk in chunks {
        let result = decoder.decode_all(chunk, |event| match event {
            json::Event::Header(h) => {
                open = Some(Frame {
                    json: h.json().to_owned(),
                    total_size: h.total_size(),
                    body: Vec::new(),
                })
            }
            json::Event::BodyPiece(p) => open.as_mut().unwrap().body.extend_from_slice(p),
            json::Event::End => frames.push(open.take().unwrap()),
        });
        progress.check(&decoder, chunk);
        if let Err(e) = result {
            return JsonOutcome {
                frames,
                end: Err(e),
            };
        }
    }
    JsonOutcome {
        frames,
        end: decoder.finish(),
    }
}

fn prefix(field: LengthField, len: usize) -> Vec<u8> {
    let format = FrameFormat::new()
        .with_length(field)
        .with_max_frame_len(u64::MAX);
    LengthEncoder::new(format).prefix(len).unwrap().to_vec()
}

/// One frame on the wire: prefix, JSON text, body.
fn wire(field: LengthField, json: &str, body: &[u8]) -> Vec<u8> {
    let mut out = prefix(field, json.len());
    out.extend_from_slice(json.as_bytes());
    out.extend_from_slice(body);
    out
}

/// Python's `json.dumps` default (`ensure_ascii=True`): non-ASCII as `\uXXXX` escapes.
fn ensure_ascii(json: &str) -> String {
    let mut out = String::new();
    for c in json.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        }
    }
    out
}

/// A random JSON value, as text, at most `depth` levels deep.
fn json_value(depth: u32) -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| serde_json::to_string(&f).unwrap()),
        any::<String>().prop_map(|s| serde_json::to_string(&s).unwrap()),
        Just("true".to_owned()),
        Just("null".to_owned()),
    ];
    leaf.prop_recursive(depth, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(|v| format!("[{}]", v.join(","))),
            prop::collection::vec((any::<String>(), inner), 0..4).prop_map(|kv| {
                let fields: Vec<String> = kv
                    .into_iter()
                    .map(|(k, v)| format!("{}: {v}", serde_json::to_string(&k).unwrap()))
                    .collect();
                format!("{{{}}}", fields.join(", "))
            }),
        ]
    })
}

/// A random header object carrying `total_size`: random extra fields in random order,
/// random whitespace, sometimes `ensure_ascii`-escaped.
fn json_header(total_size: u64) -> impl Strategy<Value = String> {
    (
        prop::collection::vec(
            (
                "[a-z_\u{4e00}-\u{4e10}\"\\\\]{0,8}"
                    .prop_filter("not the size field", |k| k != "total_size"),
                json_value(2),
            ),
            0..5,
        ),
        any::<prop::sample::Index>(),
        prop_oneof![Just(""), Just(" "), Just("\n  ")],
        any::<bool>(),
    )
        .prop_map(move |(fields, at, ws, ascii)| {
            let mut entries: Vec<String> = fields
                .into_iter()
                .map(|(k, v)| format!("{}:{ws}{v}", serde_json::to_string(&k).unwrap()))
                .collect();
            let at = at.index(entries.len() + 1);
            entries.insert(at, format!("\"total_size\":{ws}{total_size}"));
            let json = format!("{{{ws}{}{ws}}}", entries.join(&format!(",{ws}")));
            if ascii { ensure_ascii(&json) } else { json }
        })
}

/// Body lengths: mostly small, sometimes up to 1 MiB; bytes from a cheap pattern.
fn body_len() -> impl Strategy<Value = usize> {
    prop_oneof![
        2 => Just(0usize),
        6 => 1usize..2000,
        1 => 2000usize..(1 << 20),
    ]
}

fn body(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect()
}

fn frames() -> impl Strategy<Value = Vec<(String, Vec<u8>)>> {
    prop::collection::vec(
        (body_len(), any::<u8>()).prop_flat_map(|(len, seed)| {
            json_header(len as u64).prop_map(move |json| (json, body(len, seed)))
        }),
        0..4,
    )
}

proptest! {
    #![proptest_config(ProptestConfig {
        // Bodies reach 1 MiB: fewer cases than the length-frame suite, still hundreds in CI.
        cases: ProptestConfig::default().cases.min(512),
        ..ProptestConfig::default()
    })]

    /// Any split of a stream of JSON-header frames gives the same headers and bodies, with
    /// header, pieces, end in order (checked in `run_json`).
    #[test]
    fn chunking_invariance(
        frames in frames(),
        sizes in prop::collection::vec(prop_oneof![Just(0usize), Just(1usize), 2..64usize, 64..70_000usize], 0..16),
        little_endian in any::<bool>(),
    ) {
        let field = if little_endian { LengthField::I32_LE } else { LengthField::U32_BE };
        let config = json::Config::new().with_length(field).with_max_header_len(8192);
        let mut stream = Vec::new();
        for (json, body) in &frames {
            stream.extend_from_slice(&wire(field, json, body));
        }
        let expected: Vec<Frame> = frames
            .iter()
            .map(|(json, body)| Frame { json: json.clone(), total_size: body.len() as u64, body: body.clone() })
            .collect();
        let chunks = split(&stream, &sizes);
        let outcome = run_json(config, 8192, &chunks);
        prop_assert_eq!(&outcome.end, &Ok(()));
        prop_assert!(outcome.frames == expected, "frames differ");
        prop_assert!(run_json_all(config, 8192, &chunks) == outcome);
        prop_assert!(run_json(config, 8192, &[&stream]) == outcome);
    }

    /// Arbitrary bytes never panic and give the same outcome however they are split.
    #[test]
    fn arbitrary_bytes_same_outcome(
        bytes in prop::collection::vec(any::<u8>(), 0..600),
        sizes in prop::collection::vec(0usize..40, 0..12),
    ) {
        let config = json::Config::new().with_length(LengthField::fixed(unstick::Width::W1, unstick::ByteOrder::Big, false)).with_max_header_len(64).with_max_body_len(300);
        let whole = run_json(config, 64, &[&bytes]);
        prop_assert_eq!(&run_json(config, 64, &split(&bytes, &sizes)), &whole);
        let bytewise: Vec<&[u8]> = bytes.chunks(1).collect();
        prop_assert_eq!(&run_json_all(config, 64, &bytewise), &whole);
    }

    /// The encoder's exact size equals what serde-json-core writes, for a header using every
    /// part of the serde data model serde-json-core writes: every integer width at its edges
    /// and at each power of ten, floats of every class, strings with every kind of escape,
    /// options, sequences, tuples, tuple, unit and newtype structs, maps, enums, bytes and
    /// `collect_str`. serde_json then reads back the same value.
    #[test]
    fn encoded_len_matches_serde_json_core(value in any_header_value()) {
        let encoder = json::Encoder::new(json::Config::new().with_max_header_len(1 << 20));
        let mut out = vec![0u8; 1 << 16];
        let written = serde_json_core::to_slice(&value, &mut out).unwrap();
        prop_assert_eq!(encoder.encoded_len(&value), Ok(4 + written));
        let encoded = encoder.encode_header(&value, &mut out).unwrap();
        prop_assert_eq!(encoded.len, 4 + written);
        prop_assert_eq!(encoded.total_size, value.total_size);
        // And the decoder reads back the same header and size.
        let json = std::str::from_utf8(&out[4..encoded.len]).unwrap().to_owned();
        let outcome = run_json(*encoder.config(), 1 << 20, &[&out[..encoded.len], &body(value.total_size as usize, 1)]);
        prop_assert_eq!(outcome.end, Ok(()));
        prop_assert_eq!(&outcome.frames[0].json, &json);
        let mut back: serde_json::Value = serde_json::from_str(&json).unwrap();
        let mut expected = serde_json::to_value(&value).unwrap();
        // Two fields serde_json writes its own way: an f32 widened to f64 (serde-json-core
        // writes the f32's shortest digits) and bytes as an array (serde-json-core writes them
        // raw). Each is compared by what it means, then both sides drop it.
        let small = back["small"].take();
        expected["small"].take();
        match small.as_f64() {
            Some(f) => prop_assert_eq!(f as f32, value.small),
            None => prop_assert!(small.is_null() && !value.small.is_finite()),
        }
        let raw = back["raw"].take();
        expected["raw"].take();
        prop_assert_eq!(raw, serde_json::from_slice::<serde_json::Value>(&value.raw.0).unwrap());
        prop_assert_eq!(back, expected);
    }

    /// The exact size holds for values that are no valid header, too: non-string map keys,
    /// bytes that are not JSON, a top level that is not an object.
    #[test]
    fn encoded_len_matches_serde_json_core_for_any_value(
        keys in prop::collection::btree_map(edge_i32(), edge_u16(), 0..4),
        raw in prop::collection::vec(any::<u8>(), 0..8),
        list in prop::collection::vec(edge_i64(), 0..4),
    ) {
        let encoder = json::Encoder::new(json::Config::new().with_max_header_len(1 << 20));
        let mut out = vec![0u8; 1 << 12];
        let value = (keys, Raw(raw), list, Unit, Newtype(-1));
        let written = serde_json_core::to_slice(&value, &mut out).unwrap();
        prop_assert_eq!(encoder.encoded_len(&value), Ok(4 + written));
    }
}

#[derive(Debug, Clone, Serialize)]
enum Kind {
    Plain,
    Tagged(u16),
    Shaped { w: i8, h: Option<u32> },
}

#[derive(Debug, Clone, Serialize)]
struct Unit;

#[derive(Debug, Clone, Serialize)]
struct Newtype(i32);

#[derive(Debug, Clone, Serialize)]
struct Pair(i16, String);

/// Bytes serialized with `serialize_bytes`, which serde-json-core writes as they are.
#[derive(Debug, Clone)]
struct Raw(Vec<u8>);

impl Serialize for Raw {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bytes(&self.0)
    }
}

/// Text serialized with `collect_str` (through `Display`), escaped as a string.
#[derive(Debug, Clone)]
struct Shown(String);

impl Serialize for Shown {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0)
    }
}

#[derive(Debug, Clone, Serialize)]
struct AnyHeader {
    filename: String,
    total_size: u64,
    ratio: f64,
    small: f32,
    tags: Vec<String>,
    maybe: Option<bool>,
    kind: Kind,
    nested: Vec<Vec<u8>>,
    unit: (),
    ints: (i8, i16, i32, i64),
    uints: (u8, u16, u32, u64),
    pair: Pair,
    unit_struct: Unit,
    newtype: Newtype,
    map: std::collections::BTreeMap<String, i32>,
    shown: Shown,
    raw: Raw,
}

/// Integers at their edges, at each power of ten and one either side (where the digit count
/// changes), and anywhere.
macro_rules! edge_int {
    ($name:ident, $t:ty) => {
        fn $name() -> impl Strategy<Value = $t> {
            prop_oneof![
                any::<$t>(),
                Just(<$t>::MIN),
                Just(<$t>::MAX),
                (0..=<$t>::MAX.ilog10(), -1i8..=1, any::<bool>()).prop_map(|(e, d, neg)| {
                    let v = 10i128.pow(e) + i128::from(d);
                    <$t>::try_from(if neg { -v } else { v })
                        .or(<$t>::try_from(v))
                        .unwrap_or(<$t>::MAX)
                }),
            ]
        }
    };
}
edge_int!(edge_i8, i8);
edge_int!(edge_i16, i16);
edge_int!(edge_i32, i32);
edge_int!(edge_i64, i64);
edge_int!(edge_u8, u8);
edge_int!(edge_u16, u16);
edge_int!(edge_u32, u32);
edge_int!(edge_u64, u64);

fn any_text() -> impl Strategy<Value = String> {
    "[\u{0}-\u{7f}\u{80}-\u{10ffff}]{0,6}"
}

fn any_header_value() -> impl Strategy<Value = AnyHeader> {
    let scalars = (
        any::<String>(),
        0u64..5000,
        any::<f64>(),
        any::<f32>(),
        prop::collection::vec(any_text(), 0..4),
        any::<Option<bool>>(),
        prop_oneof![
            Just(Kind::Plain),
            edge_u16().prop_map(Kind::Tagged),
            (edge_i8(), prop::option::of(edge_u32())).prop_map(|(w, h)| Kind::Shaped { w, h })
        ],
        prop::collection::vec(prop::collection::vec(edge_u8(), 0..3), 0..3),
    );
    let compounds = (
        (edge_i8(), edge_i16(), edge_i32(), edge_i64()),
        (edge_u8(), edge_u16(), edge_u32(), edge_u64()),
        (edge_i16(), any_text()).prop_map(|(n, s)| Pair(n, s)),
        edge_i32().prop_map(Newtype),
        prop::collection::btree_map(any_text(), edge_i32(), 0..4),
        any_text().prop_map(Shown),
        // Raw bytes that are JSON, so the header stays valid: a number.
        edge_i64().prop_map(|n| Raw(n.to_string().into_bytes())),
    );
    (scalars, compounds).prop_map(
        |(
            (filename, total_size, ratio, small, tags, maybe, kind, nested),
            (ints, uints, pair, newtype, map, shown, raw),
        )| AnyHeader {
            filename,
            total_size,
            ratio,
            small,
            tags,
            maybe,
            kind,
            nested,
            unit: (),
            ints,
            uints,
            pair,
            unit_struct: Unit,
            newtype,
            map,
            shown,
            raw,
        },
    )
}

const CONFIG: json::Config = json::Config::new()
    .with_max_header_len(128)
    .with_max_body_len(1000);

/// Decodes `stream` in one chunk and in 1-byte chunks (they must agree) and returns the end.
fn end_of(stream: &[u8]) -> Result<(), json::DecodeError> {
    let whole = run_json(CONFIG, 128, &[stream]);
    let bytewise: Vec<&[u8]> = stream.chunks(1).collect();
    assert_eq!(run_json(CONFIG, 128, &bytewise), whole);
    whole.end
}

fn invalid(stream: &[u8]) -> json::HeaderProblem {
    match end_of(stream) {
        Err(json::DecodeError::InvalidHeader {
            frame: 0,
            offset: 0,
            problem,
        }) => problem,
        other => panic!("expected an invalid header, got {other:?}"),
    }
}

fn one(json: &str) -> Vec<u8> {
    wire(LengthField::U32_BE, json, &[])
}

#[test]
fn every_decode_error() {
    // Limits on the prefix.
    let mut too_long = prefix(LengthField::U32_BE, 129);
    too_long.extend_from_slice(&[b' '; 129]);
    assert_eq!(
        end_of(&too_long),
        Err(json::DecodeError::HeaderTooLong {
            frame: 0,
            offset: 0,
            len: 129,
            max: 128
        })
    );
    let negative = json::Config::new().with_length(LengthField::I32_LE);
    assert_eq!(
        run_json(negative, 4096, &[&(-2i32).to_le_bytes()]).end,
        Err(json::DecodeError::NegativeHeaderLength {
            frame: 0,
            offset: 0,
            value: -2
        })
    );

    // The header itself.
    let mut not_utf8 = prefix(LengthField::U32_BE, 6);
    not_utf8.extend_from_slice(b"{\"\xff\":1}");
    assert_eq!(invalid(&not_utf8), json::HeaderProblem::NotUtf8 { at: 2 });
    assert_eq!(
        invalid(&one(r#"{"total_size": 1,}"#)),
        json::HeaderProblem::Malformed {
            at: 17,
            syntax: json::Syntax::TrailingComma
        }
    );
    assert_eq!(
        invalid(&one(r#"[{"total_size": 1}]"#)),
        json::HeaderProblem::NotObject
    );
    assert_eq!(
        invalid(&one(r#""total_size""#)),
        json::HeaderProblem::NotObject
    );
    let deep = format!(
        "{{\"a\":{}0{}, \"total_size\": 0}}",
        "[".repeat(16),
        "]".repeat(16)
    );
    assert_eq!(
        invalid(&one(&deep)),
        json::HeaderProblem::TooDeep {
            at: 20,
            max_depth: 16
        }
    );
    let field = "total_size";
    assert_eq!(
        invalid(&one(r#"{"filename": "a.txt"}"#)),
        json::HeaderProblem::SizeMissing { field }
    );
    assert_eq!(
        invalid(&one(r#"{"total_size": 1, "total_size": 1}"#)),
        json::HeaderProblem::SizeDuplicate { field }
    );
    assert_eq!(
        invalid(&one(r#"{"total_size": -1}"#)),
        json::HeaderProblem::SizeNegative { field }
    );
    assert_eq!(
        invalid(&one(r#"{"total_size": 1.5}"#)),
        json::HeaderProblem::SizeNotInteger { field }
    );
    assert_eq!(
        invalid(&one(r#"{"total_size": "12"}"#)),
        json::HeaderProblem::SizeNotInteger { field }
    );
    assert_eq!(
        invalid(&one(r#"{"total_size": 18446744073709551616}"#)),
        json::HeaderProblem::SizeOverflow { field }
    );
    assert_eq!(
        invalid(&one(r#"{"total_size": 18446744073709551615}"#)),
        json::HeaderProblem::BodyTooLarge {
            total_size: u64::MAX,
            max: 1000
        }
    );
    assert_eq!(
        invalid(&one(r#"{"total_size": 1001}"#)),
        json::HeaderProblem::BodyTooLarge {
            total_size: 1001,
            max: 1000
        }
    );

    // Truncation, at each part of the second frame (offset 4 + 17 + 2 = 23).
    let mut stream = wire(LengthField::U32_BE, r#"{"total_size": 2}"#, b"ok");
    let second = wire(LengthField::U32_BE, r#"{"total_size": 10}"#, b"0123456789");
    stream.extend_from_slice(&second);
    assert_eq!(end_of(&stream), Ok(()));
    assert_eq!(
        end_of(&stream[..23 + 3]),
        Err(json::DecodeError::TruncatedLengthPrefix {
            frame: 1,
            offset: 23,
            have: 3
        })
    );
    assert_eq!(
        end_of(&stream[..23 + 4 + 5]),
        Err(json::DecodeError::TruncatedHeader {
            frame: 1,
            offset: 23,
            len: 18,
            missing: 13
        })
    );
    assert_eq!(
        end_of(&stream[..stream.len() - 4]),
        Err(json::DecodeError::TruncatedBody {
            frame: 1,
            offset: 23,
            total_size: 10,
            missing: 4
        })
    );

    // Messages carry the numbers.
    let e = json::DecodeError::TruncatedBody {
        frame: 1,
        offset: 23,
        total_size: 10,
        missing: 4,
    };
    assert_eq!(
        e.to_string(),
        "stream ended inside the body of frame 1 (at byte 23): 4 of its 10 bytes missing"
    );
    let e = json::DecodeError::InvalidHeader {
        frame: 0,
        offset: 0,
        problem: json::HeaderProblem::Malformed {
            at: 17,
            syntax: json::Syntax::TrailingComma,
        },
    };
    assert_eq!(
        e.to_string(),
        "frame 0 (at byte 0): header is not valid JSON: trailing comma at byte 17"
    );
}

#[test]
fn zero_length_body_and_configurable_size_field() {
    let config = json::Config::new().with_size_field("len");
    let mut stream = wire(LengthField::U32_BE, r#"{"len": 0, "total_size": 99}"#, b"");
    stream.extend_from_slice(&wire(LengthField::U32_BE, r#"{"len": 3}"#, b"abc"));
    let outcome = run_json(config, 4096, &[&stream]);
    assert_eq!(outcome.end, Ok(()));
    assert_eq!(outcome.frames.len(), 2);
    assert_eq!(
        (
            outcome.frames[0].total_size,
            outcome.frames[1].body.as_slice()
        ),
        (0, &b"abc"[..])
    );
}

#[test]
fn typed_header_helpers_and_escapes() {
    #[derive(serde::Deserialize)]
    struct Borrowed<'a> {
        filename: &'a str,
        total_size: u64,
    }
    #[derive(serde::Deserialize)]
    struct Owned {
        filename: heapless::String<32>,
    }
    let json = r#"{"filename": "a\"b\u4f60.txt", "total_size": 0, "hash": "x"}"#;
    let stream = one(json);
    let mut buf = [0u8; 256];
    let mut decoder =
        json::Decoder::new(json::Config::new().with_max_header_len(256), &mut buf[..]).unwrap();
    let step = decoder.decode(&stream).unwrap();
    let Some(json::Event::Header(h)) = step.event else {
        panic!("{step:?}")
    };
    // Borrowed: the raw JSON text, escapes as written.
    let raw: Borrowed = h.deserialize().unwrap();
    assert_eq!((raw.filename, raw.total_size), (r#"a\"b\u4f60.txt"#, 0));
    // Unescaped into a scratch buffer, for owned string types.
    let mut scratch = [0u8; 64];
    let owned: Owned = h.deserialize_unescaped(&mut scratch).unwrap();
    assert_eq!(owned.filename.as_str(), "a\"b\u{4f60}.txt");
}

#[test]
fn encoder_errors() {
    #[derive(Serialize)]
    struct NoSize<'a> {
        filename: &'a str,
    }
    #[derive(Serialize)]
    struct WithChar {
        total_size: u64,
        c: char,
    }
    #[derive(Serialize)]
    struct Sized_ {
        total_size: u64,
    }
    let encoder = json::Encoder::new(CONFIG);
    let mut out = [0u8; 256];
    assert_eq!(
        encoder.encode_header(&NoSize { filename: "a" }, &mut out),
        Err(json::EncodeError::InvalidHeader(
            json::HeaderProblem::SizeMissing {
                field: "total_size"
            }
        ))
    );
    // serde-json-core would panic on a char: refused instead.
    assert_eq!(
        encoder.encode_header(
            &WithChar {
                total_size: 1,
                c: 'x'
            },
            &mut out
        ),
        Err(json::EncodeError::Unsupported)
    );
    assert_eq!(
        encoder.encode_header(&Sized_ { total_size: 1001 }, &mut out),
        Err(json::EncodeError::InvalidHeader(
            json::HeaderProblem::BodyTooLarge {
                total_size: 1001,
                max: 1000
            }
        ))
    );
    let long = NoSize {
        filename: &"x".repeat(200),
    };
    assert_eq!(
        encoder.encode_header(&long, &mut out),
        Err(json::EncodeError::HeaderTooLong { len: 215, max: 128 })
    );
    let mut small = [7u8; 10];
    assert_eq!(
        encoder.encode_header(&Sized_ { total_size: 1 }, &mut small),
        Err(json::EncodeError::BufferTooSmall {
            required: 20,
            available: 10
        })
    );
    assert_eq!(small, [7u8; 10], "untouched");
    let one_byte = json::Encoder::new(
        json::Config::new()
            .with_length(LengthField::fixed(
                unstick::Width::W1,
                unstick::ByteOrder::Big,
                false,
            ))
            .with_max_header_len(1000),
    );
    let big = NoSize {
        filename: &"y".repeat(300),
    };
    assert_eq!(
        one_byte.encode_header(&big, &mut out),
        Err(json::EncodeError::LengthOverflowsPrefix { len: 315, max: 255 })
    );
}
