//! The presets against byte streams that real, independent implementations wrote: Python's
//! `ssl` (TLS 1.3 records), `h2` (HTTP/2 frames), `paho-mqtt` (MQTT packets), `protobuf`
//! (delimited messages), `dnspython` (DNS over TCP) and `pymodbus` (Modbus TCP). The streams
//! and what each library reports about its frames are in `tests/fixtures/protocols/`, written
//! by `generate.py` there.
//!
//! Each stream is decoded through its preset under many chunkings and through every input path;
//! every frame's boundaries and head fields must match the library's report, and encoding the
//! decoded frames again must give the stream back byte for byte.

use serde_json::Value;
use unstick::{FrameFormat, LengthDecoder, LengthEncoder};
use unstick_tests::{Item, Outcome, Rng, run_all_fresh, run_fresh, run_spare, run_whole, split};

struct Fixture {
    name: &'static str,
    stream: Vec<u8>,
    frames: Vec<Value>,
}

fn load(name: &'static str) -> Fixture {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/protocols/");
    let stream = std::fs::read(format!("{dir}{name}.bin")).expect("fixture stream");
    let meta: Value =
        serde_json::from_str(&std::fs::read_to_string(format!("{dir}{name}.json")).unwrap())
            .expect("fixture metadata");
    let frames = meta["frames"].as_array().expect("frames").clone();
    assert!(!frames.is_empty(), "{name}: no frames");
    Fixture {
        name,
        stream,
        frames,
    }
}

fn num(frame: &Value, key: &str) -> u64 {
    frame[key]
        .as_u64()
        .unwrap_or_else(|| panic!("{key} in {frame}"))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Decodes `fixture` with `format` every way there is and returns the frames, after checking
/// that all ways agree and that the frames sit where the library says.
fn decode(fixture: &Fixture, format: FrameFormat) -> Vec<(Vec<u8>, Vec<u8>)> {
    let name = fixture.name;
    let stream = &fixture.stream[..];
    let cap = format.head_len() + format.max_frame_len() as usize;
    let whole = run_fresh(format, cap, &[stream]);
    assert_eq!(whole.end, Ok(()), "{name}");
    let frames: Vec<(Vec<u8>, Vec<u8>)> = whole
        .items
        .iter()
        .map(|item| match item {
            Item::Frame { head, payload } => (head.clone(), payload.clone()),
            other => panic!("{name}: {other:?}"),
        })
        .collect();
    assert_eq!(frames.len(), fixture.frames.len(), "{name}: frame count");
    for (i, ((head, payload), meta)) in frames.iter().zip(&fixture.frames).enumerate() {
        let start = (num(meta, "offset") + num(meta, "prefix")) as usize;
        let len = num(meta, "payload_len") as usize;
        assert_eq!(
            meta["head"].as_str(),
            Some(&hex(head)[..]),
            "{name} frame {i}: head"
        );
        assert_eq!(payload.len(), len, "{name} frame {i}: length");
        assert!(
            payload[..] == stream[start..start + len],
            "{name} frame {i}: payload is not where the library put it"
        );
    }

    // Every chunking and input path gives the same.
    let bytewise: Vec<&[u8]> = stream.chunks(1).collect();
    let mut outcomes: Vec<(String, Outcome)> = vec![
        ("bytewise".into(), run_fresh(format, cap, &bytewise)),
        (
            "whole, decode_all".into(),
            run_all_fresh(format, cap, &[stream]),
        ),
        ("decode_whole".into(), run_whole(format, cap, &[stream])),
    ];
    for seed in 0..6u64 {
        let mut rng = Rng::new(seed);
        let sizes: Vec<usize> = (0..20)
            .map(|_| rng.below([3, 17, 700, 20_000][seed as usize % 4]) as usize)
            .collect();
        let chunks = split(stream, &sizes);
        outcomes.push((format!("chunks {seed}"), run_fresh(format, cap, &chunks)));
        outcomes.push((
            format!("decode_all {seed}"),
            run_all_fresh(format, cap, &chunks),
        ));
        outcomes.push((
            format!("decode_whole {seed}"),
            run_whole(format, cap, &chunks),
        ));
        outcomes.push((
            format!("spare {seed}"),
            run_spare(format, cap, stream, seed),
        ));
    }
    // Streaming through a buffer smaller than most frames.
    let small = format.with_streaming(true);
    let streamed = run_fresh(small, format.head_len() + 64, &split(stream, &[1000, 7]));
    assert_eq!(streamed.end, Ok(()), "{name}: streaming");
    let payloads: Vec<&[u8]> = streamed
        .items
        .iter()
        .map(|i| i.payload().unwrap())
        .collect();
    let heads: Vec<&[u8]> = streamed.items.iter().map(|i| i.head().unwrap()).collect();
    assert!(
        payloads.iter().copied().eq(frames.iter().map(|f| &f.1[..])),
        "{name}: streaming"
    );
    assert!(
        heads.iter().copied().eq(frames.iter().map(|f| &f.0[..])),
        "{name}: streaming heads"
    );
    for (how, outcome) in outcomes {
        assert!(outcome == whole, "{name}: {how} differs");
    }

    // The encoder gives the stream back.
    let encoder = LengthEncoder::new(format);
    let mut again = Vec::new();
    for (head, payload) in &frames {
        let mut out = vec![0u8; head.len() + 10 + payload.len()];
        let n = encoder.encode_with_head(head, payload, &mut out).unwrap();
        again.extend_from_slice(&out[..n]);
    }
    assert!(again == stream, "{name}: encoding the frames again differs");
    frames
}

#[test]
fn tls_records_from_python_ssl() {
    for name in ["tls_client", "tls_server"] {
        let fixture = load(name);
        let frames = decode(&fixture, FrameFormat::TLS);
        let mut types = Vec::new();
        for ((head, _), meta) in frames.iter().zip(&fixture.frames) {
            assert_eq!(u64::from(head[0]), num(meta, "content_type"));
            assert_eq!(
                u64::from(u16::from_be_bytes([head[1], head[2]])),
                num(meta, "version")
            );
            types.push(head[0]);
        }
        // A handshake, then encrypted records, some of them a full 2^14 bytes of plaintext.
        assert_eq!(types[0], 22, "{name} starts with a handshake record");
        assert!(types.contains(&23), "{name} has application data records");
        assert!(
            frames.iter().any(|(_, p)| p.len() > 16_384),
            "{name}: a full record"
        );
    }
}

#[test]
fn tls_refuses_a_record_over_the_limit() {
    let mut fixture = load("tls_client");
    // A record announcing 2^14 + 257 bytes, one over what RFC 8446 allows.
    fixture.stream = [&[23, 3, 3][..], &(16_384u16 + 257).to_be_bytes()].concat();
    let outcome = run_fresh(FrameFormat::TLS, 3 + 16_640, &[&fixture.stream]);
    assert_eq!(
        outcome.end.unwrap_err().to_string(),
        "frame 0 (at byte 0) announces a 16641-byte payload, over the limit of 16640"
    );
}

#[test]
fn http2_frames_from_h2() {
    for name in ["http2_client", "http2_server"] {
        let fixture = load(name);
        let frames = decode(&fixture, FrameFormat::HTTP2);
        for ((_, payload), meta) in frames.iter().zip(&fixture.frames) {
            assert_eq!(u64::from(payload[0]), num(meta, "type"), "{name}");
            let stream_id = u32::from_be_bytes(payload[2..6].try_into().unwrap()) & 0x7fff_ffff;
            assert_eq!(u64::from(stream_id), num(meta, "stream_id"), "{name}");
            assert_eq!((payload.len() - 6) as u64, num(meta, "length"), "{name}");
        }
        // SETTINGS (4) first; DATA frames (0) of the full 16,384 bytes on the client side.
        assert_eq!(frames[0].1[0], 4);
        if name == "http2_client" {
            assert!(
                frames
                    .iter()
                    .any(|(_, p)| p[0] == 0 && p.len() == 16_384 + 6)
            );
        }
    }
}

#[test]
fn mqtt_packets_from_paho() {
    let fixture = load("mqtt");
    let frames = decode(&fixture, FrameFormat::MQTT.with_max_frame_len(1 << 20));
    for ((head, _), meta) in frames.iter().zip(&fixture.frames) {
        assert_eq!(u64::from(head[0] >> 4), num(meta, "type"));
    }
    // Remaining Lengths of 1, 2 and 3 varint bytes.
    let prefixes: Vec<u64> = fixture.frames.iter().map(|f| num(f, "prefix")).collect();
    for bytes in [2, 3, 4] {
        assert!(prefixes.contains(&bytes), "a {bytes}-byte prefix");
    }
    // The default limit refuses the 70,000-byte publish, in the frame the library says.
    let big = fixture
        .frames
        .iter()
        .position(|f| num(f, "payload_len") > 65_536)
        .unwrap();
    let outcome = run_fresh(FrameFormat::MQTT, 1 + 65_536, &[&fixture.stream]);
    assert_eq!(outcome.items.len(), big);
    assert!(
        matches!(outcome.end, Err(unstick::DecodeError::FrameTooLarge { frame, offset, .. })
            if frame == big as u64 && offset == num(&fixture.frames[big], "offset"))
    );
}

#[test]
fn protobuf_delimited_messages() {
    let fixture = load("protobuf_delimited");
    let frames = decode(
        &fixture,
        FrameFormat::PROTOBUF_DELIMITED.with_max_frame_len(1 << 20),
    );
    for ((_, payload), meta) in frames.iter().zip(&fixture.frames) {
        let name = meta["name"].as_str().unwrap().as_bytes();
        // Field 1 (`name`), wire type 2: tag 0x0a, its length, the text.
        assert_eq!(&payload[..2], &[0x0a, name.len() as u8]);
        assert_eq!(&payload[2..2 + name.len()], name);
    }
    let prefixes: Vec<u64> = fixture.frames.iter().map(|f| num(f, "prefix")).collect();
    assert_eq!(prefixes.iter().max(), Some(&3), "varints of up to 3 bytes");
}

#[test]
fn dns_messages_from_dnspython() {
    let fixture = load("dns_tcp");
    let frames = decode(&fixture, FrameFormat::DNS_TCP);
    for ((_, payload), meta) in frames.iter().zip(&fixture.frames) {
        assert_eq!(
            u64::from(u16::from_be_bytes([payload[0], payload[1]])),
            num(meta, "id")
        );
        assert_eq!(payload[2] & 0x80 != 0, meta["response"].as_bool().unwrap());
    }
}

#[test]
fn modbus_adus_from_pymodbus() {
    let fixture = load("modbus_tcp");
    let frames = decode(&fixture, FrameFormat::MODBUS_TCP);
    for ((head, payload), meta) in frames.iter().zip(&fixture.frames) {
        assert_eq!(
            u64::from(u16::from_be_bytes([head[0], head[1]])),
            num(meta, "transaction_id")
        );
        assert_eq!(&head[2..4], &[0, 0], "protocol identifier 0");
        assert_eq!(u64::from(payload[0]), num(meta, "unit_id"));
        assert_eq!(u64::from(payload[1]), num(meta, "function_code"));
    }
}

#[test]
fn presets_read_their_specifications_examples() {
    // Postgres: Query('SELECT 1'), the type byte, then a length that counts itself.
    let query = b"Q\0\0\0\x0dSELECT 1\0";
    let outcome = run_fresh(FrameFormat::POSTGRES, 1 << 17, &[query]);
    assert_eq!(
        outcome.items,
        [Item::Frame {
            head: b"Q".to_vec(),
            payload: b"SELECT 1\0".to_vec()
        }]
    );
    // A length of 3 cannot count its own 4 bytes.
    let bad = run_fresh(FrameFormat::POSTGRES, 1 << 17, &[b"Q\0\0\0\x03"]);
    assert!(matches!(
        bad.end,
        Err(unstick::DecodeError::LengthBelowAdjustment {
            value: 3,
            adjustment: -4,
            ..
        })
    ));
    // The startup message: length 8 with the SSLRequest code 80877103.
    let ssl_request = [0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f];
    let startup = run_fresh(FrameFormat::POSTGRES_STARTUP, 1 << 17, &[&ssl_request]);
    assert_eq!(startup.items, [Item::frame(ssl_request[4..].to_vec())]);
    // MySQL: COM_QUIT, payload_length 1, sequence id 0, command 0x01.
    let quit = run_fresh(FrameFormat::MYSQL, 1 << 17, &[&[1, 0, 0, 0, 1]]);
    assert_eq!(quit.items, [Item::frame(vec![0, 1])]);
    // gRPC: an uncompressed 2-byte message.
    let grpc = run_fresh(FrameFormat::GRPC, 1 << 17, &[&[0, 0, 0, 0, 2, 8, 1]]);
    assert_eq!(
        grpc.items,
        [Item::Frame {
            head: vec![0],
            payload: vec![8, 1]
        }]
    );
    // Kafka: a negative message_size is refused, not read as 4 GiB.
    let kafka = run_fresh(FrameFormat::KAFKA, 1 << 17, &[&[0xff, 0xff, 0xff, 0xfe]]);
    assert!(matches!(
        kafka.end,
        Err(unstick::DecodeError::NegativeLength { value: -2, .. })
    ));
    // Bitcoin: the verack message of the protocol documentation (empty payload, checksum
    // 5df6e0e2), magic and command in the head.
    let mut verack = vec![0xf9, 0xbe, 0xb4, 0xd9];
    verack.extend_from_slice(b"verack\0\0\0\0\0\0");
    verack.extend_from_slice(&[0, 0, 0, 0, 0x5d, 0xf6, 0xe0, 0xe2]);
    let mut buf = vec![0u8; 16 + 65_536];
    let mut decoder = LengthDecoder::new(FrameFormat::BITCOIN, &mut buf[..]).unwrap();
    let step = decoder.decode(&verack).unwrap();
    let Some(unstick::Event::Frame(frame)) = step.event else {
        panic!("{step:?}")
    };
    assert_eq!(frame.head, &verack[..16]);
    assert_eq!(frame.payload, &[0x5d, 0xf6, 0xe0, 0xe2]);
}
