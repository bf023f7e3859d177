//! The tutorial programs against Python peers written from the tutorials' own code
//! (`tests/python/`), in both directions: seed 002's loop client/server and UDP time service,
//! seed 004's `header_dic` sender/receiver with `struct.pack("i")`, seed 001's HMAC handshake.

use std::io::Write;

use unstick_tests::programs::{Server, program, python, run, run_command};

fn port(server: &Server) -> String {
    server.addr.port().to_string()
}

#[test]
fn echo_client_against_the_tutorials_loop_server() {
    let server = Server::start_command(python("loop_server.py").arg("1"));
    let out = run(
        &program("echo"),
        &[
            "client",
            "--connect",
            &server.addr.to_string(),
            "hello",
            "粘包 problem",
            "x",
        ],
    );
    assert!(out.status.success(), "{}", out.stderr);
    assert_eq!(out.stdout_text(), "HELLO\n粘包 PROBLEM\nX\n");
    assert!(server.wait().success());
}

#[test]
fn tutorials_loop_client_against_both_echo_servers() {
    for mode in ["threads", "event-loop"] {
        let server = Server::start(
            &program("echo"),
            &["server", "--mode", mode, "--max-connections", "1"],
        );
        let out = run_command(python("loop_client.py").args([
            &port(&server),
            "hello",
            "sticky 粘包",
            "end",
        ]));
        assert!(out.status.success(), "{mode}: {}", out.stderr);
        assert_eq!(
            out.stdout_text(),
            "服务端返回: HELLO\n服务端返回: STICKY 粘包\n服务端返回: END\n",
            "{mode}"
        );
        assert!(server.wait().success());
    }
}

#[test]
fn time_client_against_the_tutorials_time_server() {
    let server = Server::start_command(python("time_server.py").arg("1"));
    let out = run(
        &program("time"),
        &["client", "--connect", &server.addr.to_string()],
    );
    assert!(out.status.success(), "{}", out.stderr);
    let text = out.stdout_text();
    let (secs, rfc) = text.trim().split_once(' ').expect("SECONDS RFC3339");
    assert!(secs.parse::<u32>().is_ok() && rfc.ends_with('Z'), "{text}");
    assert!(server.wait().success());
}

#[test]
fn tutorials_time_client_against_the_time_server() {
    let server = Server::start(&program("time"), &["server", "--max-connections", "1"]);
    let out = run_command(python("time_client.py").arg(port(&server)));
    assert!(out.status.success(), "{}", out.stderr);
    let text = out.stdout_text();
    let mut lines = text.lines();
    let secs: u64 = lines.next().expect("timestamp").parse().expect("a number");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    assert!(secs.abs_diff(now) <= 5);
    assert!(
        lines
            .next()
            .expect("ctime line")
            .starts_with("服务器时间: ")
    );
    assert!(server.wait().success());
}

fn sample_files(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let files = vec![
        ("a.txt".to_owned(), b"hello from the tutorial\n".to_vec()),
        (
            "data.bin".to_owned(),
            (0..3_000_000u32).map(|i| (i * 31 % 251) as u8).collect(),
        ),
        ("空.txt".to_owned(), Vec::new()),
        // Outside the BMP: Python's json.dumps escapes these as surrogate pairs.
        ("😀 smile.txt".to_owned(), b"\xf0\x9f\x98\x80\n".to_vec()),
        ("a😀b𝄞c.bin".to_owned(), vec![7u8; 70_000]),
    ];
    for (name, data) in &files {
        std::fs::write(dir.join(name), data).expect("write");
    }
    files
}

#[test]
fn file_recv_from_the_tutorials_header_dic_sender() {
    let src = tempfile::tempdir().expect("tempdir");
    let inbox = tempfile::tempdir().expect("tempdir");
    let files = sample_files(src.path());
    let server = Server::start(
        &program("file"),
        &[
            "--header",
            "i32le",
            "recv",
            "--dir",
            inbox.path().to_str().expect("utf-8"),
            "--max-connections",
            "1",
        ],
    );
    let mut sender = python("header_sender.py");
    sender.arg(port(&server));
    for (name, _) in &files {
        sender.arg(src.path().join(name));
    }
    let out = run_command(&mut sender);
    assert!(out.status.success(), "{}", out.stderr);
    expect_received(server, inbox.path(), &files, |name, len| {
        format!("received {name} {len} sha256-ok\n")
    });
}

#[test]
fn file_send_to_the_tutorials_header_dic_receiver() {
    let src = tempfile::tempdir().expect("tempdir");
    let inbox = tempfile::tempdir().expect("tempdir");
    let files = sample_files(src.path());
    let server = Server::start_command(python("header_receiver.py").arg(inbox.path()));
    let mut args = vec![
        "--header".to_owned(),
        "i32le".to_owned(),
        "send".to_owned(),
        "--connect".to_owned(),
        server.addr.to_string(),
    ];
    args.extend(
        files
            .iter()
            .map(|(n, _)| src.path().join(n).to_str().expect("utf-8").to_owned()),
    );
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = run(&program("file"), &args);
    assert!(out.status.success(), "{}", out.stderr);
    expect_received(server, inbox.path(), &files, |name, len| {
        format!("got {name} {len} ok\n")
    });
}

/// The receiving server exits cleanly having printed `line(name, len)` for each file in order,
/// and every file is in `inbox` byte for byte.
fn expect_received(
    server: Server,
    inbox: &std::path::Path,
    files: &[(String, Vec<u8>)],
    line: impl Fn(&str, usize) -> String,
) {
    let stdout = server.stdout.clone();
    assert!(server.wait().success());
    let expected: String = files
        .iter()
        .map(|(name, data)| line(name, data.len()))
        .collect();
    assert_eq!(stdout.text(), expected);
    for (name, data) in files {
        assert_eq!(
            &std::fs::read(inbox.join(name)).expect("stored"),
            data,
            "{name}"
        );
    }
}

fn key_file(bytes: &[u8]) -> tempfile::NamedTempFile {
    let mut f = tempfile::NamedTempFile::new().expect("key file");
    f.write_all(bytes).expect("write");
    f
}

#[test]
fn tutorials_hmac_client_against_the_rexec_server() {
    let key = key_file(b"a shared secret of 32 bytes.....");
    let wrong = key_file(b"another secret, also long enough");
    let server = Server::start(
        &program("rexec"),
        &[
            "server",
            "--key-file",
            key.path().to_str().expect("utf-8"),
            "--max-connections",
            "2",
        ],
    );
    let out = run_command(
        python("hmac_client.py")
            .arg(port(&server))
            .arg(key.path())
            .arg("echo 合法的连接; echo oops >&2; exit 4"),
    );
    assert_eq!(out.status.code(), Some(4), "{}", out.stderr);
    assert_eq!(out.stdout_text(), "合法的连接\n");
    assert_eq!(out.stderr, "oops\n");
    let out = run_command(
        python("hmac_client.py")
            .arg(port(&server))
            .arg(wrong.path())
            .arg("echo no"),
    );
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(out.stdout_text(), "refused\n");
    assert!(server.wait().success());
}

#[test]
fn rexec_client_against_the_tutorials_hmac_server() {
    let key = key_file(b"a shared secret of 32 bytes.....");
    let wrong = key_file(b"another secret, also long enough");
    let server = Server::start_command(python("hmac_server.py").arg(key.path()).arg("2"));
    let rexec = program("rexec");
    let addr = server.addr.to_string();
    let out = run(
        &rexec,
        &[
            "client",
            "--key-file",
            key.path().to_str().expect("utf-8"),
            "--connect",
            &addr,
            "printf",
            "abc;",
            "echo",
            "err",
            ">&2;",
            "exit",
            "9",
        ],
    );
    assert_eq!(out.status.code(), Some(9), "{}", out.stderr);
    assert_eq!(out.stdout_text(), "abc");
    assert_eq!(out.stderr, "err\n");
    let out = run(
        &rexec,
        &[
            "client",
            "--key-file",
            wrong.path().to_str().expect("utf-8"),
            "--connect",
            &addr,
            "echo",
            "no",
        ],
    );
    assert!(!out.status.success());
    assert!(
        out.stderr.contains("refused the handshake"),
        "{}",
        out.stderr
    );
    assert!(server.wait().success());
}
