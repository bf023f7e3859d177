//! What every program shares: argument parsing helpers, the `listening on` line, connection
//! bookkeeping and error reporting.

use std::io::{self, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::thread;
use std::time::Duration;

/// Parses `30s`, `500ms`, `2m`... for clap.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    humantime::parse_duration(s).map_err(|e| format!("{e} (examples: 30s, 500ms, 2m)"))
}

/// Parses a byte count: `1048576`, `64KiB`, `1MiB`, `4GiB` (also `k`, `M`, `G` as powers of 1024).
pub fn parse_size(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    let (n, unit) = s.split_at(digits);
    let n: u64 = n
        .parse()
        .map_err(|_| format!("{s:?} is not a size (examples: 1048576, 64KiB, 1MiB)"))?;
    let scale: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        "t" | "tb" | "tib" => 1 << 40,
        other => return Err(format!("unknown size unit {other:?} (use KiB, MiB, GiB)")),
    };
    n.checked_mul(scale)
        .ok_or_else(|| format!("{s:?} is too large"))
}

/// Prints the line scripts wait for, `listening on IP:PORT`, and flushes it.
pub fn announce(addr: SocketAddr) -> io::Result<()> {
    let mut out = io::stdout().lock();
    writeln!(out, "listening on {addr}")?;
    out.flush()
}

/// Runs a program's body: an error becomes one line on stderr and exit status 1.
pub fn run(program: &str, body: impl FnOnce() -> Result<ExitCode, String>) -> ExitCode {
    match body() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("{program}: error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Counts live connections against a limit; a slot is released when its guard drops.
#[derive(Clone, Debug)]
pub struct Slots {
    live: Arc<AtomicUsize>,
    limit: usize,
}

/// A held connection slot.
#[derive(Debug)]
pub struct Slot(Arc<AtomicUsize>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Slots {
    /// At most `limit` live connections.
    pub fn new(limit: usize) -> Self {
        Self {
            live: Arc::new(AtomicUsize::new(0)),
            limit,
        }
    }

    /// A slot, or `None` when `limit` connections are live.
    pub fn try_take(&self) -> Option<Slot> {
        self.live
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < self.limit).then_some(n + 1)
            })
            .ok()
            .map(|_| Slot(self.live.clone()))
    }
}

/// Whether another connection may be accepted after `served`, given `--max-connections`.
pub fn more_wanted(served: u64, max_connections: Option<u64>) -> bool {
    max_connections.is_none_or(|max| served < max)
}

/// Errors after which `accept` can be retried: the peer gave up, or descriptors ran out for a
/// moment (EMFILE, ENFILE).
pub fn is_transient_accept_error(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::Interrupted
            | io::ErrorKind::WouldBlock
    ) || matches!(e.raw_os_error(), Some(23 | 24))
}

/// The `socketserver.ThreadingTCPServer` shape: accepts until `max_connections` connections
/// (forever without it), serves each with `handler` on its own thread, at most `max_clients`
/// at once (others are closed at once with a log line), and returns the sum of what the
/// handlers returned once every thread is done.
pub fn serve_threads<F>(
    program: &str,
    listener: &TcpListener,
    max_clients: usize,
    max_connections: Option<u64>,
    handler: F,
) -> io::Result<u64>
where
    F: Fn(&TcpStream, SocketAddr) -> u64 + Send + Sync + 'static,
{
    let handler = Arc::new(handler);
    let total = Arc::new(AtomicU64::new(0));
    let slots = Slots::new(max_clients);
    let mut served = 0u64;
    let mut workers = Vec::new();
    while more_wanted(served, max_connections) {
        let (stream, peer) = match listener.accept() {
            Ok(pair) => pair,
            Err(e) if is_transient_accept_error(&e) => {
                eprintln!("{program}: accept failed: {e}");
                thread::sleep(Duration::from_millis(10)); // no busy loop while out of descriptors
                continue;
            }
            Err(e) => return Err(e),
        };
        served += 1;
        let Some(slot) = slots.try_take() else {
            eprintln!("{program}: refused {peer}: {max_clients} connections already being served");
            continue;
        };
        let (handler, total) = (handler.clone(), total.clone());
        workers.push(thread::spawn(move || {
            let _slot = slot;
            let n = handler(&stream, peer);
            let _ = stream.shutdown(Shutdown::Both);
            total.fetch_add(n, Ordering::Relaxed);
        }));
        // Forget finished threads so a long-running server does not collect handles.
        workers.retain(|w| !w.is_finished());
    }
    for w in workers {
        let _ = w.join();
    }
    Ok(total.load(Ordering::Relaxed))
}
