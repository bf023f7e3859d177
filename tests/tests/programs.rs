//! The tutorial programs (`std-adapters/examples/`) end to end, as subprocesses over loopback:
//! echo (both server modes, hostile peers, 100 concurrent clients), file, rexec, time.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream, UdpSocket};
use std::thread;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use unstick_tests::programs::{Server, program, run};

const MODES: [&str; 2] = ["threads", "event-loop"];
const WAIT: Duration = Duration::from_secs(20);

fn connect(addr: SocketAddr) -> TcpStream {
    let s = TcpStream::connect(addr).expect("connects");
    s.set_read_timeout(Some(WAIT)).expect("timeout");
    s.set_write_timeout(Some(WAIT)).expect("timeout");
    s
}

/// Reads until the server closes the connection (or resets it); panics if it does not.
fn expect_closed(mut s: &TcpStream, what: &str) {
    let mut buf = [0u8; 256];
    loop {
        match s.read(&mut buf) {
            Ok(0) => return,
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return,
            Err(e) => panic!("{what}: the server did not close the connection: {e}"),
        }
    }
}

fn frame(payload: &[u8]) -> Vec<u8> {
    let mut f = (payload.len() as u32).to_be_bytes().to_vec();
    f.extend_from_slice(payload);
    f
}

fn read_frame(mut s: &TcpStream) -> Vec<u8> {
    let mut h = [0u8; 4];
    s.read_exact(&mut h).expect("reply header");
    let mut p = vec![0u8; u32::from_be_bytes(h) as usize];
    s.read_exact(&mut p).expect("reply payload");
    p
}

#[test]
fn echo_client_and_server_in_both_modes() {
    let echo = program("echo");
    for mode in MODES {
        let server = Server::start(&echo, &["server", "--mode", mode, "--max-connections", "2"]);
        let addr = server.addr.to_string();
        let out = run(
            &echo,
            &[
                "client",
                "--connect",
                &addr,
                "hello",
                "Wörld 42!",
                "粘包",
                "mIxEd_CaSe",
            ],
        );
        assert!(out.status.success(), "{mode}: {}", out.stderr);
        assert_eq!(
            out.stdout_text(),
            "HELLO\nWöRLD 42!\n粘包\nMIXED_CASE\n",
            "{mode}: ASCII letters upper-cased, other bytes unchanged"
        );
        // The same over a raw socket, checking the reply bytes and length exactly.
        let s = connect(server.addr);
        let req: Vec<u8> = (0..=255u8).collect();
        (&s).write_all(&frame(&req)).expect("send");
        let reply = read_frame(&s);
        assert_eq!(reply.len(), req.len());
        assert_eq!(reply, req.to_ascii_uppercase());
        s.shutdown(Shutdown::Write).expect("shutdown");
        expect_closed(&s, mode);
        assert!(server.wait().success());
    }
}

#[test]
fn echo_with_the_tutorials_native_header() {
    let echo = program("echo");
    let server = Server::start(
        &echo,
        &["server", "--header", "i32le", "--max-connections", "2"],
    );
    let s = connect(server.addr);
    // struct.pack("i", 5) + b"hello"
    (&s).write_all(b"\x05\x00\x00\x00hello").expect("send");
    let mut reply = [0u8; 9];
    (&s).read_exact(&mut reply).expect("reply");
    assert_eq!(&reply, b"\x05\x00\x00\x00HELLO");
    // A negative length from a signed header is a protocol error: dropped.
    (&s).write_all(&(-1i32).to_le_bytes()).expect("send");
    expect_closed(&s, "negative length");
    assert!(
        server.stderr.wait_for("negative length -1", WAIT),
        "{}",
        server.stderr.text()
    );
    let out = run(
        &echo,
        &[
            "client",
            "--header",
            "i32le",
            "--connect",
            &server.addr.to_string(),
            "ok",
        ],
    );
    assert_eq!(out.stdout_text(), "OK\n");
    assert!(server.wait().success());
}

/// 4 GiB announcements, garbage, half frames and tricklers are dropped; everyone else is
/// answered, including a client served while a trickler is still connected, and 100
/// concurrent clients x 100 frames.
#[test]
fn echo_survives_hostile_peers_in_both_modes() {
    let echo = program("echo");
    for mode in MODES {
        let server = Server::start(
            &echo,
            &[
                "server",
                "--mode",
                mode,
                "--idle-timeout",
                "2s",
                "--max-frame",
                "1MiB",
            ],
        );
        let addr = server.addr;

        // 4 GiB announced.
        let huge = connect(addr);
        (&huge).write_all(&u32::MAX.to_be_bytes()).expect("send");
        expect_closed(&huge, "4 GiB announcement");
        // Garbage (an HTTP request: "GET " announces ~1.2 GB).
        let garbage = connect(addr);
        (&garbage)
            .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            .expect("send");
        expect_closed(&garbage, "garbage");
        // Half a frame, then close: the complete frame before it is still answered.
        let half = connect(addr);
        let mut bytes = frame(b"first");
        bytes.extend_from_slice(&frame(b"0123456789")[..7]);
        (&half).write_all(&bytes).expect("send");
        half.shutdown(Shutdown::Write).expect("shutdown");
        assert_eq!(read_frame(&half), b"FIRST");
        expect_closed(&half, "half frame");

        // A trickler: announces 1000 bytes and sends one every 150 ms.
        let trickler = connect(addr);
        (&trickler).write_all(&1000u32.to_be_bytes()).expect("send");
        let (started_tx, started_rx) = std::sync::mpsc::channel();
        let dripping = {
            let trickler = trickler.try_clone().expect("clone");
            thread::spawn(move || {
                let mut sent = 0;
                for _ in 0..400 {
                    if (&trickler).write_all(b"x").is_err() {
                        break;
                    }
                    sent += 1;
                    if sent == 3 {
                        let _ = started_tx.send(());
                    }
                    thread::sleep(Duration::from_millis(150));
                }
                sent
            })
        };
        started_rx.recv_timeout(WAIT).expect("the trickler started");
        // Served while the trickler is connected and mid-frame.
        let out = run(&echo, &["client", "--connect", &addr.to_string(), "prompt"]);
        assert_eq!(out.stdout_text(), "PROMPT\n", "{mode}: {}", out.stderr);
        assert!(
            !dripping.is_finished(),
            "{mode}: the trickler was still sending"
        );
        expect_closed(&trickler, "trickler");
        let sent = dripping.join().expect("trickler thread");
        assert!(
            sent < 1000,
            "{mode}: the trickler was cut off before finishing its frame"
        );

        // 100 concurrent clients x 100 frames, every reply checked by the bench client.
        let out = run(
            &echo,
            &[
                "bench",
                "--connect",
                &addr.to_string(),
                "--clients",
                "100",
                "--frames",
                "100",
                "--size",
                "64",
            ],
        );
        assert!(out.status.success(), "{mode}: {}", out.stderr);
        assert!(
            out.stdout_text().contains(": 10000 frames in"),
            "{}",
            out.stdout_text()
        );

        let log = server.stderr.text();
        for expected in [
            "announces a 4294967295-byte payload, over the limit of 1048576",
            "announces a 1195725856-byte payload",
            "frame 1 (at byte 9): 7 of its 10 payload bytes missing",
            "no complete frame for 2s",
        ] {
            assert!(
                log.contains(expected),
                "{mode}: log lacks {expected:?}:\n{log}"
            );
        }
        let out = run(
            &echo,
            &["client", "--connect", &addr.to_string(), "still", "here"],
        );
        assert_eq!(out.stdout_text(), "STILL\nHERE\n", "{mode}");
    }
}

#[test]
fn echo_answers_one_large_frame_split_across_reads() {
    let echo = program("echo");
    for mode in MODES {
        let server = Server::start(&echo, &["server", "--mode", mode, "--max-connections", "1"]);
        let s = connect(server.addr);
        let payload: Vec<u8> = (0..1_000_000u32)
            .map(|i| b"abcXYZ-"[i as usize % 7])
            .collect();
        let writer = {
            let s = s.try_clone().expect("clone");
            let bytes = frame(&payload);
            thread::spawn(move || {
                for chunk in bytes.chunks(9973) {
                    (&s).write_all(chunk).expect("send");
                }
            })
        };
        let reply = read_frame(&s);
        writer.join().expect("writer");
        assert_eq!(reply, payload.to_ascii_uppercase(), "{mode}");
        drop(s);
        assert!(server.wait().success());
    }
}

#[test]
fn programs_report_bad_arguments_and_explain_flags() {
    let everywhere = ["--help"];
    for (name, sub, flags) in [
        (
            "echo",
            "server",
            &[
                "--listen",
                "--mode",
                "--header",
                "--max-frame",
                "--idle-timeout",
                "--max-clients",
                "--max-connections",
                "event-loop",
                "u32be",
                "i32le",
            ][..],
        ),
        (
            "echo",
            "client",
            &["--connect", "--header", "--timeout"][..],
        ),
        ("echo", "bench", &["--clients", "--frames", "--size"][..]),
        (
            "file",
            "send",
            &["--connect", "--header", "--idle-timeout"][..],
        ),
        (
            "file",
            "recv",
            &[
                "--dir",
                "--listen",
                "--max-size",
                "--max-connections",
                "--header",
            ][..],
        ),
        (
            "rexec",
            "server",
            &[
                "--key-file",
                "--listen",
                "--command-timeout",
                "--max-output",
                "--max-connections",
                "--header",
            ][..],
        ),
        (
            "rexec",
            "client",
            &["--key-file", "--connect", "--timeout"][..],
        ),
        ("time", "server", &["--listen", "--max-connections"][..]),
        ("time", "client", &["--connect", "--timeout"][..]),
    ] {
        let help = run(&program(name), &[sub, "--help"]);
        assert!(help.status.success());
        for flag in flags.iter().chain(&everywhere) {
            assert!(
                help.stdout_text().contains(flag),
                "unstick {name} {sub} --help lacks {flag}"
            );
        }
    }

    // Nothing listens on this port: one line on stderr, non-zero exit.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr")
    };
    let out = run(
        &program("echo"),
        &["client", "--connect", &closed.to_string(), "x"],
    );
    assert!(!out.status.success());
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(out.stderr.starts_with("echo: error:"), "{}", out.stderr);
    let out = run(&program("echo"), &["server", "--header", "u33be"]);
    assert!(!out.status.success());
    assert!(out.stderr.contains("u33be"), "{}", out.stderr);
}

fn sha256_hex(data: &[u8]) -> String {
    use sha2::Digest;
    Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn file_send_and_recv() {
    let file = program("file");
    let dir = tempfile::tempdir().expect("tempdir");
    let inbox = dir.path().join("inbox");
    let server = Server::start(
        &file,
        &[
            "recv",
            "--dir",
            inbox.to_str().expect("utf-8"),
            "--max-connections",
            "3",
        ],
    );
    let addr = server.addr.to_string();

    let big: Vec<u8> = (0..20_000_000u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 24) as u8)
        .collect();
    let files = [
        ("big.bin", &big[..]),
        ("empty", &b""[..]),
        ("名字.txt", &b"unicode name\n"[..]),
    ];
    let mut paths = Vec::new();
    for (name, data) in files {
        let p = dir.path().join(name);
        std::fs::write(&p, data).expect("write");
        paths.push(p.to_str().expect("utf-8").to_owned());
    }
    let mut args = vec!["send", "--connect", &addr];
    args.extend(paths.iter().map(String::as_str));
    let out = run(&file, &args);
    assert!(out.status.success(), "{}", out.stderr);
    for (name, data) in files {
        assert_eq!(
            std::fs::read(inbox.join(name)).expect("received"),
            data,
            "{name}"
        );
    }

    // A wrong hash and an unsafe name, sent by hand: refused, nothing stored.
    for (name, hash, why) in [
        ("bad.bin", "0".repeat(64), "SHA-256"),
        ("../escape", sha256_hex(b"abc"), "unsafe"),
    ] {
        let header = format!(r#"{{"filename": "{name}", "total_size": 3, "hash": "{hash}"}}"#);
        let s = connect(server.addr);
        let mut bytes = frame(header.as_bytes());
        bytes.extend_from_slice(b"abc");
        (&s).write_all(&bytes).expect("send");
        s.shutdown(Shutdown::Write).expect("shutdown");
        expect_closed(&s, why);
    }
    let (stdout, stderr) = (server.stdout.clone(), server.stderr.clone());
    assert!(server.wait().success());
    assert_eq!(
        stdout.text(),
        "received big.bin 20000000 sha256-ok\nreceived empty 0 sha256-ok\nreceived 名字.txt 13 sha256-ok\n"
    );
    let log = stderr.text();
    assert!(log.contains("bad.bin"), "{log}");
    assert!(log.contains("\"../escape\""), "{log}");
    let mut names: Vec<_> = std::fs::read_dir(&inbox)
        .expect("inbox")
        .map(|e| e.expect("entry").file_name().into_string().expect("utf-8"))
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["big.bin", "empty", "名字.txt"],
        "no partial or refused files left"
    );
    assert!(!dir.path().join("escape").exists());
}

fn hmac_answer(key: &[u8], challenge: &[u8]) -> Vec<u8> {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("any key length");
    mac.update(challenge);
    mac.finalize().into_bytes().to_vec()
}

struct Rexec {
    server: Server,
    key: Vec<u8>,
    key_file: tempfile::NamedTempFile,
    marker_dir: tempfile::TempDir,
}

fn rexec_server(extra: &[&str]) -> Rexec {
    let key: Vec<u8> = (0..32u8).map(|i| i.wrapping_mul(37) ^ 0x5a).collect();
    let mut key_file = tempfile::NamedTempFile::new().expect("key file");
    key_file.write_all(&key).expect("write key");
    let mut args = vec![
        "server",
        "--key-file",
        key_file.path().to_str().expect("utf-8"),
        "--handshake-timeout",
        "2s",
    ];
    args.extend_from_slice(extra);
    let server = Server::start(&program("rexec"), &args);
    Rexec {
        server,
        key,
        key_file,
        marker_dir: tempfile::tempdir().expect("tempdir"),
    }
}

impl Rexec {
    fn client(
        &self,
        key_file: &std::path::Path,
        command: &str,
    ) -> unstick_tests::programs::Finished {
        run(
            &program("rexec"),
            &[
                "client",
                "--key-file",
                key_file.to_str().expect("utf-8"),
                "--connect",
                &self.server.addr.to_string(),
                command,
            ],
        )
    }

    fn marker(&self, name: &str) -> std::path::PathBuf {
        self.marker_dir.path().join(name)
    }

    /// Authenticates by hand; returns the stream after the `OK` frame.
    fn login(&self) -> TcpStream {
        let s = connect(self.server.addr);
        let mut challenge = [0u8; 32];
        (&s).read_exact(&mut challenge).expect("challenge");
        (&s).write_all(&hmac_answer(&self.key, &challenge))
            .expect("answer");
        assert_eq!(read_frame(&s), b"OK");
        s
    }
}

#[test]
fn rexec_runs_commands_for_authenticated_clients() {
    let r = rexec_server(&["--command-timeout", "1s", "--max-output", "1000"]);
    let out = r.client(r.key_file.path(), "echo out; echo err >&2; exit 3");
    assert_eq!(out.status.code(), Some(3), "{}", out.stderr);
    assert_eq!(out.stdout_text(), "out\n");
    assert_eq!(out.stderr, "err\n");

    let out = r.client(r.key_file.path(), "sleep 10; echo late");
    assert_eq!(out.status.code(), Some(124));
    assert!(out.stderr.contains("command timeout"), "{}", out.stderr);
    assert_eq!(out.stdout_text(), "");

    let out = r.client(r.key_file.path(), "yes | head -c 5000");
    assert!(out.status.success());
    assert_eq!(out.stdout.len(), 1000);
    assert!(out.stderr.contains("4000 more dropped"), "{}", out.stderr);

    // The reply frame, checked byte for byte on a raw connection.
    let s = r.login();
    (&s).write_all(&frame(b"printf abc; printf de >&2; exit 5"))
        .expect("command");
    let header = String::from_utf8(read_frame(&s)).expect("utf-8 header");
    assert_eq!(header, r#"{"total_size":5,"stdout_size":3,"exit_code":5}"#);
    let mut body = [0u8; 5];
    (&s).read_exact(&mut body).expect("body");
    assert_eq!(&body, b"abcde");
    // A second command on the same connection.
    (&s).write_all(&frame(b"echo again")).expect("command");
    let header = String::from_utf8(read_frame(&s)).expect("utf-8 header");
    assert_eq!(header, r#"{"total_size":6,"stdout_size":6,"exit_code":0}"#);
}

#[test]
fn rexec_refuses_bad_handshakes_before_running_anything() {
    let r = rexec_server(&[]);
    let touch = |name: &str| format!("touch {}", r.marker(name).display());

    // Wrong key: the client says so and exits non-zero; its command never runs.
    let mut wrong = tempfile::NamedTempFile::new().expect("key file");
    wrong.write_all(&[7u8; 32]).expect("write");
    let out = r.client(wrong.path(), &touch("wrong-key"));
    assert!(!out.status.success());
    assert!(
        out.stderr.contains("refused the handshake"),
        "{}",
        out.stderr
    );

    // A command frame in place of the answer.
    let s = connect(r.server.addr);
    let mut challenge = [0u8; 32];
    (&s).read_exact(&mut challenge).expect("challenge");
    let mut early = frame(touch("early").as_bytes());
    early.resize(early.len().max(64), b' ');
    (&s).write_all(&early).expect("send");
    expect_closed(&s, "command before authentication");

    // A truncated answer, then silence: closed after the handshake timeout.
    let s = connect(r.server.addr);
    (&s).read_exact(&mut challenge).expect("challenge");
    (&s).write_all(&[0u8; 10]).expect("send");
    expect_closed(&s, "truncated handshake");

    // A replay: the valid answer to one connection's challenge, sent on another.
    let first = connect(r.server.addr);
    let mut c1 = [0u8; 32];
    (&first).read_exact(&mut c1).expect("challenge");
    let answer = hmac_answer(&r.key, &c1);
    let second = connect(r.server.addr);
    let mut c2 = [0u8; 32];
    (&second).read_exact(&mut c2).expect("challenge");
    assert_ne!(c1, c2, "challenges are random");
    let mut replay = answer.clone();
    replay.extend_from_slice(&frame(touch("replay").as_bytes()));
    (&second).write_all(&replay).expect("send");
    expect_closed(&second, "replayed answer");
    // The original connection still works with its own answer.
    (&first).write_all(&answer).expect("answer");
    assert_eq!(read_frame(&first), b"OK");

    drop(first);
    for name in ["wrong-key", "early", "replay"] {
        assert!(
            !r.marker(name).exists(),
            "{name}: a command ran without authentication"
        );
    }
    assert!(r.server.stderr.wait_for("wrong handshake answer", WAIT));
    assert!(
        r.server
            .stderr
            .wait_for("no complete handshake answer", WAIT)
    );
    // And a correct client afterwards runs its command.
    let out = r.client(r.key_file.path(), &touch("good"));
    assert!(out.status.success(), "{}", out.stderr);
    assert!(r.marker("good").exists());
}

#[test]
fn rexec_server_refuses_a_short_key() {
    let mut short = tempfile::NamedTempFile::new().expect("key file");
    short.write_all(b"fifteen bytes!!").expect("write");
    let out = run(
        &program("rexec"),
        &[
            "server",
            "--key-file",
            short.path().to_str().expect("utf-8"),
        ],
    );
    assert!(!out.status.success());
    assert!(out.stdout.is_empty(), "it must not start listening");
    assert!(out.stderr.contains("at least 16"), "{}", out.stderr);
}

#[test]
fn time_client_and_server() {
    let time = program("time");
    let server = Server::start(&time, &["server", "--max-connections", "2"]);
    let out = run(&time, &["client", "--connect", &server.addr.to_string()]);
    assert!(out.status.success(), "{}", out.stderr);
    let text = out.stdout_text();
    let (secs, rfc) = text.trim().split_once(' ').expect("SECONDS RFC3339");
    let secs: u64 = secs.parse().expect("seconds");
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    assert!(secs.abs_diff(now) <= 5, "{secs} vs {now}");
    let parsed = humantime_like_parse(rfc);
    assert_eq!(parsed, secs, "{rfc}");
    // The raw reply: exactly 4 bytes, big-endian.
    let udp = UdpSocket::bind("127.0.0.1:0").expect("bind");
    udp.set_read_timeout(Some(WAIT)).expect("timeout");
    udp.send_to(b"anything", server.addr).expect("send");
    let mut buf = [0u8; 16];
    let (n, _) = udp.recv_from(&mut buf).expect("reply");
    assert_eq!(n, 4);
    let t = u32::from_be_bytes(buf[..4].try_into().expect("4 bytes")) as u64;
    assert!(t.abs_diff(now) <= 5);
    assert!(server.wait().success());
}

/// `YYYY-MM-DDTHH:MM:SSZ` to Unix seconds, independently of the program's formatter.
fn humantime_like_parse(s: &str) -> u64 {
    let n = |a: usize, b: usize| -> i64 { s[a..b].parse().expect("digits") };
    assert_eq!((&s[4..5], &s[10..11], &s[19..]), ("-", "T", "Z"), "{s}");
    let (y, m, d) = (n(0, 4), n(5, 7), n(8, 10));
    // Days from civil (Howard Hinnant).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146097 + doe - 719468;
    (days * 86400 + n(11, 13) * 3600 + n(14, 16) * 60 + n(17, 19)) as u64
}

#[test]
fn time_client_reports_timeouts_and_wrong_replies() {
    let time = program("time");
    // A socket that never answers.
    let silent = UdpSocket::bind("127.0.0.1:0").expect("bind");
    let out = run(
        &time,
        &[
            "client",
            "--connect",
            &silent.local_addr().expect("addr").to_string(),
            "--timeout",
            "300ms",
        ],
    );
    assert!(!out.status.success());
    assert!(
        out.stderr.contains("no reply within 300ms"),
        "{}",
        out.stderr
    );
    // A peer answering with 5 bytes.
    let wrong = UdpSocket::bind("127.0.0.1:0").expect("bind");
    wrong.set_read_timeout(Some(WAIT)).expect("timeout");
    let addr = wrong.local_addr().expect("addr");
    let answerer = thread::spawn(move || {
        let mut buf = [0u8; 16];
        let (_, peer) = wrong.recv_from(&mut buf).expect("request");
        wrong.send_to(b"12345", peer).expect("reply");
    });
    let out = run(&time, &["client", "--connect", &addr.to_string()]);
    answerer.join().expect("answerer");
    assert!(!out.status.success());
    assert!(
        out.stderr.contains("5 bytes; a time reply is exactly 4"),
        "{}",
        out.stderr
    );
}

#[test]
fn demo_runs_every_system() {
    let out = run(&program("demo"), &[]);
    assert!(out.status.success(), "{}", out.stderr);
    let text = out.stdout_text();
    for expected in [
        "[echo/threads]   \"粘包 sticky\" -> \"粘包 STICKY\"",
        "[echo/event-loop] a peer announcing a 4 GiB frame was dropped",
        "[file] received big.bin 67108864 sha256-ok",
        "[rexec]   exit 7, stdout \"\", stderr \"to stderr\\n\"",
        "[rexec] a client with the wrong key was refused",
        "[time] udp 127.0.0.1:",
        "All systems behaved.",
    ] {
        assert!(
            text.contains(expected),
            "demo output lacks {expected:?}:\n{text}"
        );
    }
}
