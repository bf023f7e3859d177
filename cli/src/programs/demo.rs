//! Every tutorial system at once: starts the echo (both modes), file, rexec and time servers
//! in-process on ephemeral loopback ports, runs their clients against them, and narrates.
//!
//! ```text
//! unstick demo
//! ```

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::process::ExitCode;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use crate::tutorial::echo::{self, Mode};
use crate::tutorial::file::{self, FileConfig};
use crate::tutorial::rexec;
use crate::tutorial::time;
use unstick::LengthField;

const TIMEOUT: Duration = Duration::from_secs(30);
const HEADER: LengthField = LengthField::U32_BE;

/// Runs every system and narrates; exit status 1 if one misbehaved.
pub fn run() -> ExitCode {
    match run_all() {
        Ok(()) => {
            println!("\nAll systems behaved. Every byte arrived in the frame it was sent in.");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("demo: error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn loopback() -> Result<(TcpListener, SocketAddr), String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    Ok((listener, addr))
}

fn run_all() -> Result<(), String> {
    println!(
        "unstick demo: the tutorials' client/server systems, framed so TCP cannot glue or split messages.\n"
    );

    // --- echo, both server shapes -------------------------------------------------------
    let config = echo::ServerConfig {
        header: HEADER,
        max_frame: 1 << 20,
        idle_timeout: Duration::from_secs(5),
        max_clients: 1024,
        max_connections: None,
    };
    for mode in [Mode::Threads, Mode::EventLoop] {
        let (listener, addr) = loopback()?;
        let config = config.clone();
        thread::spawn(move || echo::serve(listener, mode, &config));
        println!("[echo/{mode}] listening on {addr}");

        let words = ["hello", "world", "粘包 sticky", "", "EXIT? no, just data"];
        let messages: Vec<Vec<u8>> = words.iter().map(|w| w.as_bytes().to_vec()).collect();
        let wire: usize = messages.iter().map(|m| 4 + m.len()).sum();
        println!(
            "[echo/{mode}] sending {} messages in ONE write of {wire} bytes (what glues packets together)",
            messages.len()
        );
        let replies =
            echo::exchange(addr, HEADER, &messages, TIMEOUT).map_err(|e| e.to_string())?;
        for (m, r) in messages.iter().zip(&replies) {
            if r != &m.to_ascii_uppercase() {
                return Err(format!("echo/{mode}: wrong reply {r:?}"));
            }
            println!(
                "[echo/{mode}]   {:?} -> {:?}",
                String::from_utf8_lossy(m),
                String::from_utf8_lossy(r)
            );
        }

        let big = vec![b'a'; 1 << 20];
        let replies = echo::exchange(addr, HEADER, std::slice::from_ref(&big), TIMEOUT)
            .map_err(|e| e.to_string())?;
        if replies.first().map(Vec::len) != Some(big.len())
            || replies.iter().flatten().any(|&b| b != b'A')
        {
            return Err(format!("echo/{mode}: the 1 MiB reply is wrong"));
        }
        println!(
            "[echo/{mode}] one 1 MiB message (split by TCP into many segments) came back whole"
        );

        // A hostile peer announces 4 GiB; the server must drop it and keep serving.
        let mut hostile = TcpStream::connect(addr).map_err(|e| e.to_string())?;
        hostile
            .write_all(&u32::MAX.to_be_bytes())
            .map_err(|e| e.to_string())?;
        hostile
            .set_read_timeout(Some(TIMEOUT))
            .map_err(|e| e.to_string())?;
        let closed = matches!(hostile.read(&mut [0u8; 1]), Ok(0) | Err(_));
        println!(
            "[echo/{mode}] a peer announcing a 4 GiB frame was {} (limit 1 MiB)",
            if closed { "dropped" } else { "NOT dropped" }
        );
        if !closed {
            return Err(format!("echo/{mode}: the hostile peer was not dropped"));
        }

        let report = echo::bench(addr, HEADER, 100, 200, 16, TIMEOUT).map_err(|e| e.to_string())?;
        println!(
            "[echo/{mode}] 100 concurrent clients x 200 frames: all {} replies correct, {:.0} frames/s\n",
            report.frames,
            report.frames as f64 / report.elapsed.as_secs_f64()
        );
    }

    // --- file transfer --------------------------------------------------------------------
    let scratch = tempfile::tempdir().map_err(|e| e.to_string())?;
    let inbox = scratch.path().join("inbox");
    std::fs::create_dir(&inbox).map_err(|e| e.to_string())?;
    let big = scratch.path().join("big.bin");
    let size = 64u64 << 20;
    write_pattern(&big, size).map_err(|e| e.to_string())?;
    let small = scratch.path().join("notes.txt");
    std::fs::write(&small, "the tutorials' header_dic, with a real hash\n")
        .map_err(|e| e.to_string())?;
    let fconfig = FileConfig {
        header: HEADER,
        max_size: 1 << 30,
        idle_timeout: TIMEOUT,
        progress: false,
    };
    let (listener, addr) = loopback()?;
    let (dir, fc) = (inbox.clone(), fconfig);
    let receiver = thread::spawn(move || {
        file::serve(listener, &dir, &fc, Some(1), |_, f| {
            println!(
                "[file] received {} {} sha256-ok",
                f.header.filename, f.header.total_size
            );
        })
    });
    println!("[file] listening on {addr}; sending a 64 MiB file and a small one on one connection");
    let start = Instant::now();
    let sent = file::send(addr, &fconfig, &[big.clone(), small]).map_err(|e| e.to_string())?;
    let stored = receiver
        .join()
        .map_err(|_| "the file receiver panicked".to_string())?
        .map_err(|e| e.to_string())?;
    let secs = start.elapsed().as_secs_f64();
    let same = std::fs::read(&big).map_err(|e| e.to_string())?
        == std::fs::read(inbox.join("big.bin")).map_err(|e| e.to_string())?;
    if stored != 2 || !same {
        return Err("file: the received files differ".into());
    }
    println!(
        "[file] {} files stored, contents identical, {:.0} MB/s including hashing on both sides\n",
        sent.len(),
        size as f64 / secs / 1e6
    );

    // --- rexec ----------------------------------------------------------------------------
    let mut key = [0u8; 32];
    getrandom::fill(&mut key).map_err(|e| e.to_string())?;
    let key: Arc<[u8]> = key.to_vec().into();
    let (listener, addr) = loopback()?;
    let rconfig = rexec::ServerConfig {
        key: key.clone(),
        header: HEADER,
        handshake_timeout: Duration::from_secs(5),
        idle_timeout: TIMEOUT,
        command_timeout: Duration::from_secs(10),
        max_output: 1 << 20,
        max_command: 64 * 1024,
        max_clients: 8,
    };
    thread::spawn(move || rexec::serve(listener, &rconfig, None));
    println!("[rexec] listening on {addr}; handshake is 32 random bytes answered with HMAC-SHA256");
    for command in ["echo hello from $(uname -s)", "echo to stderr >&2; exit 7"] {
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let code = rexec::execute(addr, &key, HEADER, command, TIMEOUT, &mut out, &mut err)
            .map_err(|e| e.to_string())?;
        println!(
            "[rexec] $ {command}\n[rexec]   exit {code}, stdout {:?}, stderr {:?}",
            String::from_utf8_lossy(&out),
            String::from_utf8_lossy(&err)
        );
    }
    let wrong = [0u8; 32];
    match rexec::execute(
        addr,
        &wrong,
        HEADER,
        "echo never",
        TIMEOUT,
        &mut Vec::new(),
        &mut Vec::new(),
    ) {
        Err(rexec::ClientError::Refused) => {
            println!("[rexec] a client with the wrong key was refused before any command ran\n")
        }
        other => return Err(format!("rexec: a wrong key was not refused: {other:?}")),
    }

    // --- time -----------------------------------------------------------------------------
    let socket = UdpSocket::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    let addr = socket.local_addr().map_err(|e| e.to_string())?;
    thread::spawn(move || time::serve(&socket, None));
    let secs = time::query(addr, Duration::from_secs(2)).map_err(|e| e.to_string())?;
    println!(
        "[time] udp {addr} says {secs} = {} (4 bytes, struct.pack(\"!I\"))",
        time::rfc3339(secs)
    );
    Ok(())
}

/// A file of `size` bytes with a non-repeating-looking pattern, written in constant memory.
fn write_pattern(path: &std::path::Path, size: u64) -> std::io::Result<()> {
    let mut file = std::io::BufWriter::new(std::fs::File::create(path)?);
    let mut block = [0u8; 4096];
    let mut x = 0x2545_f491_4f6c_dd1du64;
    let mut left = size;
    while left > 0 {
        for chunk in block.chunks_mut(8) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            chunk.copy_from_slice(&x.to_le_bytes()[..chunk.len()]);
        }
        let n = left.min(block.len() as u64) as usize;
        file.write_all(&block[..n])?;
        left -= n as u64;
    }
    file.flush()
}
