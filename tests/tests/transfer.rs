//! File transfer over JSON-header frames: success over loopback TCP, and every failure leaves
//! the target directory exactly as it was.

use std::collections::BTreeSet;
use std::fs;
use std::net::{TcpListener, TcpStream};
use std::path::Path;

use unstick::{LengthField, json};
use unstick_std::transfer::{FileHeader, TransferError, receive_file, send_file, sha256_hex};
use unstick_std::{JsonFrameReader, JsonFrameWriter};

fn listing(dir: &Path) -> BTreeSet<String> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect()
}

#[test]
fn files_arrive_over_loopback_tcp() {
    let src = tempfile::tempdir().unwrap();
    let dst = tempfile::tempdir().unwrap();
    let files: Vec<(&str, Vec<u8>)> = vec![
        ("a.txt", b"hello\n".to_vec()),
        (
            "你好 粘包.bin",
            (0..300_000u32).map(|i| (i * 7 % 251) as u8).collect(),
        ),
        ("empty", Vec::new()),
    ];
    for (name, body) in &files {
        fs::write(src.path().join(name), body).unwrap();
    }
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let paths: Vec<_> = files.iter().map(|(n, _)| src.path().join(n)).collect();
    let sender = std::thread::spawn(move || {
        let stream = TcpStream::connect(addr).unwrap();
        let mut writer = JsonFrameWriter::new(stream, json::Config::new());
        paths
            .iter()
            .map(|p| send_file(&mut writer, p).unwrap())
            .collect::<Vec<FileHeader>>()
    });
    let (conn, _) = listener.accept().unwrap();
    let mut reader = JsonFrameReader::new(conn, json::Config::new());
    let mut received = Vec::new();
    while let Some(file) = receive_file(&mut reader, dst.path()).unwrap() {
        received.push(file);
    }
    let sent = sender.join().unwrap();
    assert_eq!(received.len(), 3);
    for ((name, body), (got, header)) in files.iter().zip(received.iter().zip(&sent)) {
        assert_eq!(&got.header, header);
        assert_eq!(got.header.filename, *name);
        assert_eq!(fs::read(&got.path).unwrap(), *body);
        assert_eq!(got.header.hash, sha256_hex(&body[..]).unwrap().0);
    }
    // Nothing else, in particular no temporary file.
    assert_eq!(
        listing(dst.path()),
        files.iter().map(|(n, _)| n.to_string()).collect()
    );
}

/// A raw file frame, with whatever header fields a test wants.
fn frame(header: serde_json::Value, body: &[u8]) -> Vec<u8> {
    let mut wire = Vec::new();
    let mut writer = JsonFrameWriter::new(&mut wire, json::Config::new());
    writer.send(&header, body).unwrap();
    wire
}

fn receive(wire: &[u8], dir: &Path) -> Result<Option<String>, TransferError> {
    let mut reader = JsonFrameReader::new(wire, json::Config::new());
    receive_file(&mut reader, dir).map(|f| f.map(|f| f.header.filename))
}

const HASH_OF_ABC: &str = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

#[test]
fn failed_transfers_leave_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("keep.txt"), b"original").unwrap();
    let before = listing(dir.path());

    // Right hash: accepted (sanity check for the cases below).
    let ok = frame(
        serde_json::json!({"filename": "ok.txt", "total_size": 3, "hash": HASH_OF_ABC}),
        b"abc",
    );
    assert_eq!(receive(&ok, dir.path()).unwrap().as_deref(), Some("ok.txt"));
    fs::remove_file(dir.path().join("ok.txt")).unwrap();

    // Wrong hash, aimed at an existing file: refused, the original survives.
    let wrong = frame(
        serde_json::json!({"filename": "keep.txt", "total_size": 3, "hash": HASH_OF_ABC}),
        b"abd",
    );
    match receive(&wrong, dir.path()) {
        Err(TransferError::HashMismatch {
            filename, expected, ..
        }) => {
            assert_eq!(
                (filename.as_str(), expected.as_str()),
                ("keep.txt", HASH_OF_ABC)
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(fs::read(dir.path().join("keep.txt")).unwrap(), b"original");

    // Truncated body: an I/O error saying what is missing.
    let cut = &ok[..ok.len() - 1];
    match receive(cut, dir.path()) {
        Err(TransferError::Io(e)) => {
            assert_eq!(e.kind(), std::io::ErrorKind::UnexpectedEof);
            assert!(e.to_string().contains("1 of its 3 bytes missing"), "{e}");
        }
        other => panic!("{other:?}"),
    }

    // Unsafe names: paths, control characters that rewrite the log line, bidirectional
    // overrides that disguise an extension, and names longer than file systems allow. Each is
    // refused from the header alone: the body here is cut short, and is never read.
    let too_long = "n".repeat(256);
    for name in [
        "../evil.txt",
        "/etc/passwd",
        "",
        "a/b",
        "..",
        "x\\y",
        "a\nreceived fake.txt 3 sha256-ok",
        "\u{202e}txt.exe",
        "esc\u{1b}[2J",
        &too_long,
    ] {
        let evil = frame(
            serde_json::json!({"filename": name, "total_size": 3, "hash": HASH_OF_ABC}),
            b"abc",
        );
        let header_only = &evil[..evil.len() - 3];
        assert!(
            matches!(receive(header_only, dir.path()), Err(TransferError::UnsafeFilename(n)) if n == name),
            "{name:?}"
        );
    }

    // Not a file header, and a malformed hash.
    let no_hash = frame(
        serde_json::json!({"filename": "a", "total_size": 3}),
        b"abc",
    );
    assert!(matches!(
        receive(&no_hash, dir.path()),
        Err(TransferError::BadHeader(_))
    ));
    let bad_hash = frame(
        serde_json::json!({"filename": "a", "total_size": 3, "hash": "zz"}),
        b"abc",
    );
    assert!(matches!(receive(&bad_hash, dir.path()), Err(TransferError::BadHash(h)) if h == "zz"));

    assert_eq!(listing(dir.path()), before);
    assert!(!dir.path().parent().unwrap().join("evil.txt").exists());
}

#[test]
fn python_style_i32_le_peer_and_clean_end() {
    let dir = tempfile::tempdir().unwrap();
    let config = json::Config::new().with_length(LengthField::I32_LE);
    let mut wire = Vec::new();
    let mut writer = JsonFrameWriter::new(&mut wire, config);
    writer
        .send(
            &serde_json::json!({"filename": "x", "total_size": 3, "hash": HASH_OF_ABC}),
            &b"abc"[..],
        )
        .unwrap();
    writer.flush().unwrap();
    let mut reader = JsonFrameReader::new(&wire[..], config);
    assert!(receive_file(&mut reader, dir.path()).unwrap().is_some());
    assert!(receive_file(&mut reader, dir.path()).unwrap().is_none());
}
