//! `unstick inspect`, `unstick formats`: end to end through the binary.

mod common;

use common::{Pcap, Session, error_text, grpc, text, unstick};
use serde_json::Value;

fn u32be(messages: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::new();
    for m in messages {
        out.extend_from_slice(&(m.len() as u32).to_be_bytes());
        out.extend_from_slice(m);
    }
    out
}

fn json_lines(out: &std::process::Output) -> Vec<Value> {
    text(out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

#[test]
fn a_raw_stream_from_stdin_is_listed_frame_by_frame() {
    let stream = u32be(&[b"hello", b"", b"sticky packets", &[0xff; 40]]);
    let out = unstick(&["inspect", "-"], &stream);
    assert!(out.status.success(), "{}", error_text(&out));
    let t = text(&out);
    assert!(t.contains("|hello|"), "{t}");
    assert!(t.contains("|sticky packets|"), "{t}");
    assert!(
        t.contains("4 frames; the stream ends on a frame boundary"),
        "{t}"
    );
    assert!(!t.contains('\x1b'), "no colour into a pipe");

    let out = unstick(&["inspect", "--json"], &stream);
    let rows = json_lines(&out);
    let got: Vec<(u64, u64)> = rows
        .iter()
        .map(|r| (r["offset"].as_u64().unwrap(), r["length"].as_u64().unwrap()))
        .collect();
    assert_eq!(got, [(0, 5), (9, 0), (13, 14), (31, 40)]);
    assert_eq!(rows[2]["preview_text"], "sticky packets");
    assert_eq!(rows[3]["preview_hex"], "ff".repeat(16));

    let out = unstick(&["inspect", "--color", "always", "-"], &stream);
    assert!(text(&out).contains("\x1b["));
}

#[test]
fn a_capture_is_reassembled_per_direction_across_segments_reordering_and_retransmission() {
    let mut pcap = Pcap::default();
    let mut s = Session::open(&mut pcap, 40_000, 50_051);
    let big = vec![b'x'; 3000];
    let requests = grpc(&[(0, b"first"), (1, &big), (0, b""), (0, b"last one")]);
    let replies = grpc(&[(0, b"ok"), (0, b"done")]);
    // Frames split across segments and several frames in one segment, both ways.
    s.send(&mut pcap, true, &requests, &[3, 9, 1500, 1400, 7]);
    let out_of_order = pcap.len() - 2;
    s.send(&mut pcap, false, &replies, &[8]);
    // The capture saw one request segment late, and one twice.
    pcap.reorder(out_of_order, pcap.len() - 1);
    pcap.retransmit(3);

    let out = unstick(
        &["inspect", "--format", "grpc,max=1MiB", "--json", "-"],
        &pcap.bytes(),
    );
    assert!(out.status.success(), "{}\n{}", text(&out), error_text(&out));
    let rows = json_lines(&out);
    let frames = |stream: &str| -> Vec<(u64, u64, u64)> {
        rows.iter()
            .filter(|r| r["stream"] == stream)
            .map(|r| {
                (
                    r["offset"].as_u64().unwrap(),
                    r["length"].as_u64().unwrap(),
                    r["fields"]["compressed"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    assert_eq!(
        frames("127.0.0.1:40000 -> 127.0.0.2:50051"),
        [(0, 5, 0), (10, 3000, 1), (3015, 0, 0), (3020, 8, 0)]
    );
    assert_eq!(
        frames("127.0.0.2:50051 -> 127.0.0.1:40000"),
        [(0, 2, 0), (7, 4, 0)]
    );
}

#[test]
fn a_hole_in_the_capture_is_reported() {
    // Three segments sent, the middle one never captured.
    let mut lossy = Pcap::default();
    let mut s2 = Session::open(&mut lossy, 1, 2);
    let stream = u32be(&[b"abc", b"defgh", b"ij"]);
    let first = s2.take(true, 7);
    lossy.tcp(s2.client, s2.server, first, false, &stream[..7]);
    let _lost = s2.take(true, 5);
    let third = s2.take(true, 8);
    lossy.tcp(s2.client, s2.server, third, false, &stream[12..]);
    let out = unstick(&["inspect", "-"], &lossy.bytes());
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert!(text(&out).contains("lacks 5 bytes"), "{}", text(&out));
}

#[test]
fn failures_are_explained_in_words() {
    // A text protocol read as lengths: netty#13331's 1920230005 is "rtbu".
    let out = unstick(&["inspect"], b"rtbu is not a length");
    assert_eq!(out.status.code(), Some(3));
    let t = text(&out);
    assert!(t.contains("1920230005"), "{t}");
    assert!(t.contains(r#"read as the text "rtbu""#), "{t}");

    // TLS and HTTP after some good frames.
    let mut stream = u32be(&[b"ok"]);
    stream.extend_from_slice(&[0x16, 0x03, 0x01, 0x00, 0xa5, 0x01]);
    let t = text(&unstick(&["inspect"], &stream));
    assert!(t.contains("at byte 6") && t.contains("TLS"), "{t}");
    let mut stream = u32be(&[b"ok"]);
    stream.extend_from_slice(b"GET / HTTP/1.1\r\n\r\n");
    let t = text(&unstick(&["inspect"], &stream));
    assert!(t.contains("an HTTP request"), "{t}");

    // The wrong format, where another one fits the whole stream.
    let stream = grpc(&[(0, b"hello"), (1, b"world, at length")]);
    let out = unstick(&["inspect", "--format", "u32be"], &stream);
    assert_eq!(out.status.code(), Some(3));
    let t = text(&out);
    assert!(t.contains("decodes cleanly as: grpc"), "{t}");

    // Cut short.
    let stream = u32be(&[b"complete", b"cut short"]);
    let t = text(&unstick(&["inspect"], &stream[..stream.len() - 4]));
    assert!(
        t.contains("ends 4 bytes short of the end of frame 1"),
        "{t}"
    );

    // An honest frame over the limit gets a limit that fits.
    let stream = u32be(&[&[7u8; 100_000]]);
    let t = text(&unstick(&["inspect"], &stream));
    assert!(t.contains("--format 'u32be,max=131072'"), "{t}");
    let out = unstick(&["inspect", "--format", "u32be,max=131072"], &stream);
    assert!(out.status.success(), "{}", text(&out));
}

#[test]
fn guess_lists_the_formats_that_fit_best_first() {
    // Postgres: type byte, then an i32be length that counts itself.
    let mut stream = Vec::new();
    for (ty, body) in [
        (b'Q', &b"SELECT 1\0"[..]),
        (b'X', b""),
        (b'P', b"\0SELECT $1\0\0\0"),
    ] {
        stream.push(ty);
        stream.extend_from_slice(&(body.len() as i32 + 4).to_be_bytes());
        stream.extend_from_slice(body);
    }
    let out = unstick(&["inspect", "--guess", "--json"], &stream);
    assert!(out.status.success());
    let rows = json_lines(&out);
    assert_eq!(
        rows[0]["formats"][0]["format"],
        "postgres",
        "{}",
        text(&out)
    );
    assert_eq!(rows[0]["formats"][0]["frames"], 3);
    let t = text(&unstick(&["inspect", "--guess"], &stream));
    assert!(t.lines().nth(1).unwrap().starts_with("postgres "), "{t}");
    let t = text(&unstick(
        &["inspect", "--guess"],
        b"\x16\x03\x01 definitely not",
    ));
    assert!(
        t.contains("no known format decodes the whole stream"),
        "{t}"
    );
}

#[test]
fn head_fields_of_presets_are_named() {
    let stream = {
        let mut s = vec![0x17, 0x03, 0x03, 0x00, 0x03];
        s.extend_from_slice(b"abc");
        s
    };
    let out = unstick(&["inspect", "--format", "tls", "--json"], &stream);
    let rows = json_lines(&out);
    assert_eq!(rows[0]["fields"]["content_type"], 23);
    assert_eq!(rows[0]["fields"]["version"], 0x0303);
    assert_eq!(rows[0]["head"], "170303");
    let t = text(&unstick(&["inspect", "--format", "tls"], &stream));
    assert!(t.contains("content_type=23 version=771"), "{t}");
}

#[test]
fn bad_input_is_one_line_and_a_failing_status() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.pcap");
    let out = unstick(&["inspect", missing.to_str().unwrap()], b"");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(error_text(&out).lines().count(), 1, "{}", error_text(&out));
    assert!(error_text(&out).contains("nope.pcap"));

    // A capture cut inside a packet.
    let mut pcap = Pcap::default();
    let mut s = Session::open(&mut pcap, 1, 2);
    s.send(&mut pcap, true, &u32be(&[b"hello"]), &[]);
    let bytes = pcap.bytes();
    let out = unstick(&["inspect", "-"], &bytes[..bytes.len() - 3]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(error_text(&out).lines().count(), 1);
    assert!(
        error_text(&out).contains("truncated"),
        "{}",
        error_text(&out)
    );

    // A capture without TCP.
    let mut udp = Pcap::default();
    udp.udp(
        ([10, 0, 0, 1], 53),
        ([10, 0, 0, 2], 5353),
        b"\x12\x34 a DNS answer",
    );
    let out = unstick(&["inspect", "-"], &udp.bytes());
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(error_text(&out).lines().count(), 1);
    assert!(
        error_text(&out).contains("no TCP data in the capture (1 packets"),
        "{}",
        error_text(&out)
    );

    // An unknown format.
    let out = unstick(&["inspect", "--format", "u33be"], b"");
    assert_eq!(out.status.code(), Some(2));
    assert!(error_text(&out).contains("u33be"), "{}", error_text(&out));
}

#[test]
fn formats_lists_every_preset_with_a_spec_that_parses() {
    let out = unstick(&["formats"], b"");
    assert!(out.status.success());
    let t = text(&out);
    for name in [
        "grpc",
        "postgres",
        "postgres-startup",
        "kafka",
        "mysql",
        "http2",
        "tls",
        "dns-tcp",
        "modbus-tcp",
        "mqtt",
        "protobuf",
        "bitcoin",
    ] {
        let line = t
            .lines()
            .find(|l| l.split_whitespace().next() == Some(name))
            .unwrap();
        let spec = line.split_whitespace().nth(1).unwrap();
        // Each listed spec is accepted by --format.
        let out = unstick(&["inspect", "--format", spec], b"");
        assert!(out.status.code() != Some(2), "{name}: {spec}");
    }
}

#[test]
fn review_findings_stay_fixed() {
    // A length past any limit: no panic, and no advice to raise the limit.
    let out = unstick(&["inspect", "--format", "u64be"], &[0xff; 8]);
    assert_eq!(out.status.code(), Some(3), "{}", error_text(&out));
    assert!(
        text(&out).contains("more than any frame can have"),
        "{}",
        text(&out)
    );
    let out = unstick(&["inspect", "--format", "u64be", "--json"], &[0xff; 8]);
    assert_eq!(out.status.code(), Some(3));

    // An oversized TLS record read as TLS: raise the limit, not "try --format tls".
    let mut record = vec![0x17, 0x03, 0x03, 0x42, 0x68];
    record.resize(5 + 17_000, 0);
    let t = text(&unstick(&["inspect", "--format", "tls"], &record));
    assert!(!t.contains("try --format tls"), "{t}");
    assert!(t.contains("raise it: --format 'u16be,head=3'"), "{t}");

    // A second connection on the same ports is its own stream.
    let mut pcap = Pcap::default();
    let mut first = Session::open(&mut pcap, 5555, 80);
    first.send(&mut pcap, true, &u32be(&[b"first"]), &[]);
    let mut second = Session::open_at(&mut pcap, 5555, 80, 7_000_000);
    second.send(&mut pcap, true, &u32be(&[b"second"]), &[]);
    let out = unstick(&["inspect", "--json", "-"], &pcap.bytes());
    assert!(out.status.success(), "{}", text(&out));
    let rows = json_lines(&out);
    let previews: Vec<&str> = rows
        .iter()
        .map(|r| r["preview_text"].as_str().unwrap())
        .collect();
    assert_eq!(previews, ["first", "second"]);

    // A file cut inside the last packet: what came before is shown, then one error line.
    let mut pcap = Pcap::default();
    let mut s = Session::open(&mut pcap, 1, 2);
    s.send(&mut pcap, true, &u32be(&[b"kept", b"lost"]), &[8, 8]);
    let bytes = pcap.bytes();
    let out = unstick(&["inspect", "-"], &bytes[..bytes.len() - 3]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).contains("|kept|"), "{}", text(&out));
    assert_eq!(error_text(&out).lines().count(), 1);

    // A packet cut by the snapshot length: its captured bytes count, the rest is a hole.
    let mut pcap = Pcap::default();
    let mut s = Session::open(&mut pcap, 1, 2);
    s.send(&mut pcap, true, &u32be(&[b"abcdefghij", b"k"]), &[14, 5]);
    let snapped = pcap.len() - 2;
    pcap.snap(snapped, 54 + 6); // headers and 6 payload bytes
    let out = unstick(&["inspect", "-"], &pcap.bytes());
    assert_eq!(out.status.code(), Some(3), "{}", error_text(&out));
    assert!(text(&out).contains("lacks 8 bytes"), "{}", text(&out));

    // Nothing fits: --guess fails too.
    let out = unstick(&["inspect", "--guess"], b"\x16\x03\x01 not framed");
    assert_eq!(out.status.code(), Some(3));
}
