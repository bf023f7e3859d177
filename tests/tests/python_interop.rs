//! Byte compatibility with the tutorials' Python (seed 004's `header_dic` protocol):
//! `struct.pack("i", len(header_bytes)) + json.dumps(header_dic).encode() + body`.

use std::io::{Read, Write};
use std::process::{Command, Stdio};

use unstick::{LengthField, json};
use unstick_std::{JsonFrameReader, JsonFrameWriter};

/// Runs a Python program with `stdin`, returns its stdout; fails the test on a non-zero exit.
fn python(program: &str, stdin: &[u8]) -> Vec<u8> {
    let mut child = Command::new("python3")
        .arg("-c")
        .arg(program)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 runs");
    let mut input = child.stdin.take().unwrap();
    let stdin = stdin.to_vec();
    let feeder = std::thread::spawn(move || input.write_all(&stdin));
    let out = child.wait_with_output().unwrap();
    feeder.join().unwrap().unwrap();
    assert!(
        out.status.success(),
        "python failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// The bodies both sides agree on: the tutorial's "command output", binary, and empty.
const PY_BODIES: &str = r#"
bodies = [
    "驱动器 C 中的卷没有标签。\r\n 2024/01/01  dir\r\n".encode("gbk") * 200,
    bytes(range(256)) * 300,
    b"",
]
"#;

fn bodies() -> Vec<Vec<u8>> {
    // The same as PY_BODIES, computed by Python once so the GBK bytes are exact.
    let out = python(
        &format!(
            "{PY_BODIES}\nimport sys, json\nsys.stdout.write(json.dumps([list(b) for b in bodies]))"
        ),
        b"",
    );
    serde_json::from_slice(&out).unwrap()
}

fn decode_python_stream(field: LengthField, pack: &str) {
    let program = format!(
        r#"{PY_BODIES}
import json, struct, sys
out = sys.stdout.buffer
headers = [
    {{"filename": "a.txt", "total_size": len(bodies[0]), "hash": "asdfpoi79032"}},
    {{"filename": "你好, 粘包.bin", "total_size": len(bodies[1]), "note": "quote \" backslash \\ tab \t"}},
    {{"total_size": 0, "exit_code": 0, "nested": {{"a": [1, 2.5, None, True]}}}},
]
for header_dic, body in zip(headers, bodies):
    header_json = json.dumps(header_dic)
    header_bytes = bytes(header_json, encoding="utf-8")
    out.write(struct.pack("{pack}", len(header_bytes)))
    out.write(header_bytes)
    out.write(body)
"#
    );
    let stream = python(&program, b"");
    let bodies = bodies();
    let config = json::Config::new().with_length(field);

    // Core decoder, in chunks of every size from 1 to 7 and whole.
    for chunk in [1, 2, 3, 5, 7, stream.len()] {
        let mut buf = [0u8; 4096];
        let mut decoder = json::Decoder::new(config, &mut buf[..]).unwrap();
        let mut headers: Vec<serde_json::Value> = Vec::new();
        let mut got: Vec<Vec<u8>> = Vec::new();
        for piece in stream.chunks(chunk) {
            decoder
                .decode_all(piece, |event| match event {
                    json::Event::Header(h) => {
                        headers.push(serde_json::from_str(h.json()).unwrap());
                        got.push(Vec::new());
                    }
                    json::Event::BodyPiece(p) => got.last_mut().unwrap().extend_from_slice(p),
                    json::Event::End => {}
                })
                .unwrap();
        }
        decoder.finish().unwrap();
        assert_eq!(got, bodies, "chunk {chunk}");
        assert_eq!(headers[0]["hash"], "asdfpoi79032");
        assert_eq!(headers[1]["filename"], "你好, 粘包.bin");
        assert_eq!(headers[1]["note"], "quote \" backslash \\ tab \t");
        assert_eq!(headers[2]["nested"]["a"][1], 2.5);
    }

    // std reader.
    let mut reader = JsonFrameReader::new(&stream[..], config);
    let mut n = 0;
    while let Some(mut frame) = reader.next_frame().unwrap() {
        let mut body = Vec::new();
        frame.read_to_end(&mut body).unwrap();
        assert_eq!(body, bodies[n]);
        n += 1;
    }
    assert_eq!(n, 3);
}

#[test]
fn decodes_python_native_struct_pack_i() {
    // Native "i" is little-endian on every machine this runs on (x86-64, ARM).
    decode_python_stream(LengthField::I32_LE, "i");
}

#[test]
fn decodes_python_network_order() {
    decode_python_stream(LengthField::U32_BE, "!I");
}

/// The reverse: unstick writes, the tutorial's client code reads.
#[test]
fn python_decodes_unstick_frames() {
    let config = json::Config::new().with_length(LengthField::I32_LE);
    let mut wire = Vec::new();

    // Core encoder (serde-json-core), body written by the caller.
    #[derive(serde::Serialize)]
    struct Upload<'a> {
        filename: &'a str,
        total_size: u64,
        hash: &'a str,
    }
    let mut out = [0u8; 256];
    let header = json::Encoder::new(config)
        .encode_header(
            &Upload {
                filename: "你好 \"x\".txt",
                total_size: 3,
                hash: "h",
            },
            &mut out,
        )
        .unwrap();
    wire.extend_from_slice(&out[..header.len]);
    wire.extend_from_slice(b"abc");

    // std writer (serde_json), body from a reader.
    let mut writer = JsonFrameWriter::new(&mut wire, config);
    let big: Vec<u8> = (0..200_000u32).map(|i| (i % 253) as u8).collect();
    writer
        .send(
            &serde_json::json!({"total_size": big.len(), "exit_code": 0}),
            &big[..],
        )
        .unwrap();
    writer
        .send(&serde_json::json!({"total_size": 0}), &b""[..])
        .unwrap();

    let program = r#"
import hashlib, json, struct, sys
data = sys.stdin.buffer.read()
pos, frames = 0, []
while pos < len(data):
    header_len = struct.unpack("i", data[pos:pos + 4])[0]
    pos += 4
    header_dic = json.loads(str(data[pos:pos + header_len], encoding="utf-8"))
    pos += header_len
    total_size = header_dic["total_size"]
    body = data[pos:pos + total_size]
    assert len(body) == total_size
    pos += total_size
    frames.append({"header": header_dic, "sha256": hashlib.sha256(body).hexdigest()})
print(json.dumps(frames))
"#;
    let out = python(program, &wire);
    let frames: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(frames.as_array().unwrap().len(), 3);
    assert_eq!(frames[0]["header"]["filename"], "你好 \"x\".txt");
    assert_eq!(
        frames[0]["sha256"],
        unstick_std::transfer::sha256_hex(&b"abc"[..]).unwrap().0
    );
    assert_eq!(frames[1]["header"]["total_size"], 200_000);
    assert_eq!(
        frames[1]["sha256"],
        unstick_std::transfer::sha256_hex(&big[..]).unwrap().0
    );
    assert_eq!(frames[2]["header"]["total_size"], 0);
}

/// Headers as `json.dumps` writes them with its defaults (`ensure_ascii`: characters outside
/// the BMP as surrogate pairs, lone surrogates for names that are not UTF-8), with every kind
/// of value it writes. Each must deserialize on the core (into a struct that has the name
/// field, and into one that ignores it) and through `unstick-std`, to the text Python meant.
#[test]
fn every_header_json_dumps_writes_deserializes() {
    let program = r#"
import json, sys
names = ["😀.txt", "a😀b𝄞c.bin", "你好.txt", "plain", "\udcff\udcfe.bin", "x\ud83d", "tab\tquote\"back\\slash\u0001\u007f\u2028",
         "\U0010ffff", "é" * 40]
values = [None, True, False, 0, -1, 10**30, -10**30, 1.5, -0.0, 1e-07, 1e+100, 2.5e-300, "", [], {}, [1, [2, {"a": "\U0001F600"}]], {"k": {"k": [None]}}]
out = []
for i, name in enumerate(names):
    header = {"filename": name, "total_size": i, "extra": values[i % len(values)], "also": values[(i + 5) % len(values)], "emoji_elsewhere": "\U0001F680"}
    # What Python would read back, with lone surrogates as U+FFFD (a Rust string cannot hold them).
    meant = name.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    out.append({"json": json.dumps(header), "name": meant, "total_size": i})
sys.stdout.write(json.dumps(out, ensure_ascii=False))
"#;
    let cases: Vec<serde_json::Value> = serde_json::from_slice(&python(program, b"")).unwrap();
    assert_eq!(cases.len(), 9);
    #[derive(serde::Deserialize)]
    struct WithName {
        filename: heapless::String<128>,
        total_size: u64,
    }
    #[derive(serde::Deserialize)]
    struct SizeOnly {
        total_size: u64,
    }
    let mut wire = Vec::new();
    for case in &cases {
        let json = case["json"].as_str().unwrap();
        assert!(json.is_ascii(), "ensure_ascii output: {json}");
        let meant = case["name"].as_str().unwrap();
        let size = case["total_size"].as_u64().unwrap();
        let mut stream = (json.len() as u32).to_be_bytes().to_vec();
        stream.extend_from_slice(json.as_bytes());
        stream.extend(std::iter::repeat_n(b'.', size as usize));
        wire.extend_from_slice(&stream);

        let mut buf = [0u8; 4096];
        let mut decoder = json::Decoder::new(json::Config::new(), &mut buf[..]).unwrap();
        let step = decoder.decode(&stream).unwrap();
        let Some(json::Event::Header(header)) = step.event else {
            panic!("no header: {json}")
        };
        let mut scratch = [0u8; 1024];
        let named: WithName = header
            .deserialize_unescaped(&mut scratch)
            .unwrap_or_else(|e| panic!("{e:?}: {json}"));
        assert_eq!(named.filename.as_str(), meant, "{json}");
        assert_eq!(named.total_size, size);
        let mut scratch = [0u8; 1024];
        let only: SizeOnly = header
            .deserialize_unescaped(&mut scratch)
            .unwrap_or_else(|e| panic!("{e:?}: {json}"));
        assert_eq!(only.total_size, size);
    }
    // The std reader, whose headers go through serde_json.
    let mut reader = JsonFrameReader::new(&wire[..], json::Config::new());
    for case in &cases {
        let frame = reader.next_frame().unwrap().unwrap();
        let header: serde_json::Value = frame.header().unwrap();
        assert_eq!(header["filename"], case["name"]);
        assert_eq!(header["emoji_elsewhere"], "🚀");
    }
    assert!(reader.next_frame().unwrap().is_none());
}
