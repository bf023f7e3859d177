//! `unstick dissector` run by the real `tshark` over captures whose frames are split across TCP
//! segments and packed several to a segment: every frame's length and fields must come out.
//!
//! Needs `tshark` (Debian package `tshark`). Without it the tests say so and pass, unless
//! `UNSTICK_REQUIRE_TSHARK` is set, as CI sets it (after installing tshark).

mod common;

use std::path::Path;
use std::process::Command;

use common::{Pcap, Session, error_text, text, unstick};
use unstick::{FrameFormat, LengthEncoder};

fn tshark_available() -> bool {
    let found = Command::new("tshark")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var_os("UNSTICK_REQUIRE_TSHARK").is_none(),
            "tshark is required (UNSTICK_REQUIRE_TSHARK is set) but not installed"
        );
        eprintln!("tshark is not installed: the dissector tests did not run");
    }
    found
}

/// Runs tshark with `lua` over `pcap`; returns, per field, every value in frame order.
fn tshark(dir: &Path, lua: &[u8], pcap: &[u8], fields: &[&str]) -> Vec<Vec<String>> {
    tshark_with(dir, lua, pcap, &[], fields)
}

/// [`tshark`] with more options (`-d tcp.port==N,NAME`: "Decode As").
fn tshark_with(
    dir: &Path,
    lua: &[u8],
    pcap: &[u8],
    options: &[&str],
    fields: &[&str],
) -> Vec<Vec<String>> {
    let script = dir.join("dissector.lua");
    let capture = dir.join("capture.pcap");
    std::fs::write(&script, lua).unwrap();
    std::fs::write(&capture, pcap).unwrap();
    let mut command = Command::new("tshark");
    command
        .arg("-X")
        .arg(format!("lua_script:{}", script.display()))
        .arg("-r")
        .arg(&capture)
        .args(options)
        .args(["-T", "fields", "-E", "occurrence=a", "-E", "aggregator=;"]);
    for f in fields {
        command.args(["-e", f]);
    }
    let out = command.output().expect("tshark runs");
    assert!(
        out.status.success(),
        "tshark failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.to_lowercase().contains("lua: error") && !stderr.contains("Lua Error"),
        "{stderr}"
    );
    let mut columns = vec![Vec::new(); fields.len()];
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        for (column, cell) in columns.iter_mut().zip(line.split('\t')) {
            column.extend(cell.split(';').filter(|v| !v.is_empty()).map(String::from));
        }
    }
    columns
}

/// A session sending `stream` from client to server in segments of the given sizes.
fn capture(stream: &[u8], sizes: &[usize], port: u16) -> Vec<u8> {
    let mut pcap = Pcap::default();
    let mut s = Session::open(&mut pcap, 40_000, port);
    s.send(&mut pcap, true, stream, sizes);
    pcap.bytes()
}

/// Sizes that split frames across segments and pack several into one.
const SIZES: [usize; 7] = [1, 2, 9, 40, 3, 1400, 600];

#[test]
fn length_frames_of_every_field_kind_come_out_whole() {
    if !tshark_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let payloads: Vec<Vec<u8>> = [0usize, 7, 300, 1, 1200, 20, 64]
        .iter()
        .enumerate()
        .map(|(i, &n)| (0..n).map(|j| (i * 31 + j) as u8).collect())
        .collect();
    for spec in [
        "u32be",
        "u16le",
        "i32le",
        "u8,max=255",
        "leb128",
        "quic",
        "u64be",
        "u24be,adjust=3",
    ] {
        let format: FrameFormat = spec.parse().unwrap();
        let encoder = LengthEncoder::new(format);
        let mut stream = Vec::new();
        let mut expected = Vec::new();
        for p in &payloads {
            if p.len() > format.max_frame_len() as usize
                || (p.len() as i64) < i64::from(format.adjustment())
            {
                continue;
            }
            let mut frame = vec![0u8; p.len() + 32];
            let n = encoder.encode(p, &mut frame).unwrap();
            stream.extend_from_slice(&frame[..n]);
            expected.push(p.len().to_string());
        }
        let lua = unstick(&["dissector", "--format", spec, "--port", "7000"], b"");
        assert!(lua.status.success(), "{}", error_text(&lua));
        let got = tshark(
            dir.path(),
            &lua.stdout,
            &capture(&stream, &SIZES, 7000),
            &["unstick.length"],
        );
        assert_eq!(got[0], expected, "{spec}");
    }
}

#[test]
fn preset_fields_are_declared_and_filled() {
    if !tshark_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // gRPC: compressed flag in the head.
    let grpc = LengthEncoder::new(FrameFormat::GRPC);
    let mut stream = Vec::new();
    for (flag, m) in [(0u8, &b"hello"[..]), (1, &[9u8; 2000]), (0, b"")] {
        let mut frame = vec![0u8; m.len() + 8];
        let n = grpc.encode_with_head(&[flag], m, &mut frame).unwrap();
        stream.extend_from_slice(&frame[..n]);
    }
    let lua = unstick(&["dissector", "--format", "grpc", "--port", "50051"], b"");
    let got = tshark(
        dir.path(),
        &lua.stdout,
        &capture(&stream, &SIZES, 50051),
        &["unstick.length", "unstick.compressed"],
    );
    assert_eq!(got[0], ["5", "2000", "0"]);
    assert_eq!(got[1], ["0", "1", "0"]);

    // HTTP/2: type, flags and stream id after the length, which does not count them.
    let http2 = LengthEncoder::new(FrameFormat::HTTP2);
    let mut stream = Vec::new();
    for (ty, flags, id, body) in [
        (4u8, 0u8, 0u32, &b""[..]),
        (1, 4, 1, &[7u8; 300]),
        (0, 1, 0x8000_0003, b"data"),
    ] {
        let mut payload = vec![ty, flags];
        payload.extend_from_slice(&id.to_be_bytes());
        payload.extend_from_slice(body);
        let mut frame = vec![0u8; payload.len() + 8];
        let n = http2.encode(&payload, &mut frame).unwrap();
        stream.extend_from_slice(&frame[..n]);
    }
    let lua = unstick(&["dissector", "--format", "http2", "--name", "h2f"], b"");
    let got = tshark_with(
        dir.path(),
        &lua.stdout,
        &capture(&stream, &SIZES, 9999),
        &["-d", "tcp.port==9999,h2f"],
        &["h2f.length", "h2f.type", "h2f.flags", "h2f.stream_id"],
    );
    assert_eq!(got[0], ["6", "306", "10"]);
    assert_eq!(got[1], ["4", "1", "0"]);
    assert_eq!(got[2], ["0", "4", "1"]);
    assert_eq!(got[3], ["0", "1", "3"], "the reserved bit is masked off");

    // MQTT: packet type and flags share the head byte; the length is a varint.
    let mqtt = LengthEncoder::new(FrameFormat::MQTT);
    let mut stream = Vec::new();
    for (head, m) in [(0x10u8, &[1u8; 200][..]), (0x32, b"pub"), (0xc0, b"")] {
        let mut frame = vec![0u8; m.len() + 8];
        let n = mqtt.encode_with_head(&[head], m, &mut frame).unwrap();
        stream.extend_from_slice(&frame[..n]);
    }
    let lua = unstick(
        &[
            "dissector",
            "--format",
            "mqtt",
            "--port",
            "1883",
            "--name",
            "mqf", // not "mq": WebSphere MQ has that name
        ],
        b"",
    );
    let got = tshark(
        dir.path(),
        &lua.stdout,
        &capture(&stream, &SIZES, 1883),
        &["mqf.length", "mqf.packet_type", "mqf.flags"],
    );
    assert_eq!(got[0], ["200", "3", "0"]);
    assert_eq!(got[1], ["1", "3", "12"]);
    assert_eq!(got[2], ["0", "2", "0"]);
}

#[test]
fn json_header_frames_show_the_header_fields_and_the_body() {
    if !tshark_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut stream = Vec::new();
    let mut sizes = Vec::new();
    for (name, body) in [
        ("a.txt", vec![b'a'; 10]),
        ("empty", Vec::new()),
        ("big.bin", vec![7u8; 5000]),
    ] {
        let header = serde_json::json!({"filename": name, "total_size": body.len(), "hash": "00"})
            .to_string();
        stream.extend_from_slice(&(header.len() as u32).to_be_bytes());
        stream.extend_from_slice(header.as_bytes());
        stream.extend_from_slice(&body);
        sizes.push(body.len().to_string());
    }
    let lua = unstick(&["dissector", "--json-header", "--port", "9000"], b"");
    assert!(lua.status.success(), "{}", error_text(&lua));
    assert!(text(&lua).contains("total_size"));
    let got = tshark(
        dir.path(),
        &lua.stdout,
        &capture(&stream, &[5, 30, 2, 1400, 1400], 9000),
        &[
            "unstick.total_size",
            "unstick.body_length",
            "json.value.string",
        ],
    );
    assert_eq!(got[0], sizes);
    assert_eq!(got[1], sizes);
    for name in ["a.txt", "empty", "big.bin"] {
        assert!(got[2].iter().any(|v| v == name), "{name} in {:?}", got[2]);
    }
}

#[test]
fn a_malformed_frame_is_an_item_of_the_protocol() {
    if !tshark_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut stream = 2u32.to_be_bytes().to_vec();
    stream.extend_from_slice(b"ok");
    stream.extend_from_slice(&[0xff, 0xff, 0xff, 0xff]);
    stream.extend_from_slice(b"junk");
    let lua = unstick(&["dissector", "--port", "7001"], b"");
    let got = tshark_with(
        dir.path(),
        &lua.stdout,
        &capture(&stream, &[], 7001),
        &["-Y", "unstick"],
        &["unstick.length", "_ws.col.Info", "_ws.expert.message"],
    );
    assert_eq!(got[0], ["2"]);
    assert!(got[1].iter().any(|c| c.contains("malformed")), "{got:?}");
    assert!(got[2].iter().any(|m| m.contains("4294967295")), "{got:?}");
}

#[test]
fn bad_dissector_arguments_are_refused() {
    for args in [
        &["dissector", "--json-header", "--format", "u32be,head=1"][..],
        &["dissector", "--json-header", "--format", "u32be,adjust=-4"],
        &["dissector", "--json-header", "--size-field", "a\"b"],
        &["dissector", "--json-header", "--size-field", "size%"],
    ] {
        let out = unstick(args, b"");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert_eq!(
            error_text(&out)
                .lines()
                .filter(|l| l.contains("error"))
                .count(),
            1,
            "{args:?}"
        );
    }
    let out = unstick(&["dissector", "--name", "Bad-Name"], b"");
    assert_eq!(out.status.code(), Some(2));
    let out = unstick(&["dissector", "--size-field", "x"], b"");
    assert_eq!(
        out.status.code(),
        Some(2),
        "--size-field needs --json-header"
    );
}
