//! `unstick frame` / `unstick unframe` against Python's `struct`, the tutorials' framing.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use common::{error_text, unstick};

/// Runs a Python program with `stdin`; returns its stdout.
fn python(program: &str, stdin: &[u8]) -> Vec<u8> {
    let mut child = Command::new("python3")
        .args(["-c", program])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 runs");
    child
        .stdin
        .take()
        .expect("piped")
        .write_all(stdin)
        .expect("written");
    let out = child.wait_with_output().expect("python3 finishes");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Python's reading of a `struct.pack("!I")` stream: the payloads, or an error.
const PY_UNFRAME: &str = r#"
import struct, sys
data = sys.stdin.buffer.read()
out = []
while data:
    (n,) = struct.unpack("!I", data[:4])
    out.append(data[4:4 + n].hex())
    data = data[4 + n:]
print(",".join(out))
"#;

#[test]
fn lines_become_the_frames_python_reads_back() {
    let text = b"hello\nworld\r\n\nwith spaces and \xff bytes\nno newline at the end";
    let framed = unstick(&["frame"], text);
    assert!(framed.status.success(), "{}", error_text(&framed));
    let payloads = String::from_utf8(python(PY_UNFRAME, &framed.stdout)).unwrap();
    let expected: Vec<String> = [
        &b"hello"[..],
        b"world",
        b"",
        b"with spaces and \xff bytes",
        b"no newline at the end",
    ]
    .iter()
    .map(|p| p.iter().map(|b| format!("{b:02x}")).collect())
    .collect();
    assert_eq!(payloads.trim(), expected.join(","));

    // Kept newlines.
    let framed = unstick(&["frame", "--keep-newlines"], b"a\nb");
    let payloads = String::from_utf8(python(PY_UNFRAME, &framed.stdout)).unwrap();
    assert_eq!(payloads.trim(), "610a,62");
}

#[test]
fn chunks_round_trip_and_unframe_reads_what_python_writes() {
    let data: Vec<u8> = (0..100_000u32).map(|i| (i * 7 + i / 251) as u8).collect();
    let framed = unstick(&["frame", "--chunk", "4KiB"], &data);
    assert!(framed.status.success(), "{}", error_text(&framed));
    let payloads = String::from_utf8(python(PY_UNFRAME, &framed.stdout)).unwrap();
    let sizes: Vec<usize> = payloads.trim().split(',').map(|h| h.len() / 2).collect();
    assert_eq!(sizes.len(), 25);
    assert!(sizes[..24].iter().all(|&n| n == 4096));
    assert_eq!(sizes[24], 100_000 - 24 * 4096);
    let back = unstick(&["unframe"], &framed.stdout);
    assert!(back.status.success());
    assert_eq!(back.stdout, data);

    // Frames written by Python's struct, unwrapped as lines.
    let wire = python(
        r#"
import struct, sys
for m in [b"one", b"", b"three"]:
    sys.stdout.buffer.write(struct.pack("!I", len(m)) + m)
"#,
        b"",
    );
    let out = unstick(&["unframe", "--lines"], &wire);
    assert!(out.status.success());
    assert_eq!(out.stdout, b"one\n\nthree\n");
}

#[test]
fn heads_and_other_formats() {
    // gRPC messages from Python: flag, u32be length, message.
    let wire = python(
        r#"
import struct, sys
for flag, m in [(0, b"plain"), (1, b"squeezed")]:
    sys.stdout.buffer.write(struct.pack("!BI", flag, len(m)) + m)
"#,
        b"",
    );
    let out = unstick(&["unframe", "--format", "grpc", "--with-head"], &wire);
    assert_eq!(out.stdout, b"\x00plain\x01squeezed");
    let framed = unstick(
        &["frame", "--format", "grpc", "--head", "01"],
        b"plain\nsqueezed",
    );
    assert_eq!(
        framed.stdout,
        [&b"\x01\0\0\0\x05plain"[..], b"\x01\0\0\0\x08squeezed"].concat()
    );
    // i32le, as struct.pack("i", n) peers send.
    let framed = unstick(&["frame", "--format", "i32le"], b"hi");
    assert_eq!(framed.stdout, b"\x02\0\0\0hi");
}

#[test]
fn refusals_are_one_line() {
    // Cut inside a frame: the payloads before it are written, then a framing failure.
    let out = unstick(&["unframe"], b"\0\0\0\x01a\0\0\0\x05hel");
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(out.stdout, b"a");
    assert_eq!(error_text(&out).lines().count(), 1, "{}", error_text(&out));
    assert!(error_text(&out).contains("frame 1"), "{}", error_text(&out));

    // Over the limit.
    let out = unstick(&["frame", "--format", "u32be,max=4"], b"ok\ntoo long\n");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        error_text(&out).contains("line 2 is longer than the format's maximum frame length of 4"),
        "{}",
        error_text(&out)
    );
    assert_eq!(out.stdout, b"\0\0\0\x02ok");

    // An endless line or a huge chunk is refused after the limit, not read whole first.
    let long = vec![b'y'; 300_000];
    for args in [&["frame"][..], &["frame", "--chunk", "1TiB"]] {
        let out = unstick(args, &long);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(
            error_text(&out).contains("longer than the format's maximum frame length of 65536"),
            "{}",
            error_text(&out)
        );
        assert!(out.stdout.is_empty());
    }
    // A short last chunk is fine whatever the chunk size.
    let out = unstick(&["frame", "--chunk", "1TiB"], b"short");
    assert_eq!(out.stdout, b"\0\0\0\x05short");

    for (args, needle) in [
        (&["frame", "--chunk", "0"][..], "at least 1"),
        (&["frame", "--format", "grpc", "--head", "0"], "odd number"),
        (
            &["frame", "--format", "grpc", "--head", "0102"],
            "--head has 2 bytes",
        ),
        (&["unframe", "--format", "nonsense"], "nonsense"),
    ] {
        let out = unstick(args, b"x");
        assert!(!out.status.success(), "{args:?}");
        assert!(
            error_text(&out).contains(needle),
            "{args:?}: {}",
            error_text(&out)
        );
    }
}
