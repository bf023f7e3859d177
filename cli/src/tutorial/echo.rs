//! The upper-casing echo service of seeds 000/002 ("循环通信") and seed 004 (socketserver),
//! framed: every length frame is answered with its payload upper-cased (ASCII only, so a reply
//! is always as long as its request).
//!
//! Two server shapes share one sans-IO [`Session`]: a thread per connection, like
//! `socketserver.ThreadingTCPServer`, and a single-threaded mio event loop, like the tutorial's
//! `select()` server. Both drop a peer that announces an over-limit frame, sends garbage, closes
//! mid-frame or goes [`ServerConfig::idle_timeout`] without completing a frame (which also
//! catches a peer trickling bytes), and keep serving everyone else.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

use unstick::{DecodeError, Event, FrameFormat, LengthDecoder, LengthEncoder, LengthField};
use unstick_std::{FrameReader, write_frame};

use super::cli::{is_transient_accept_error, more_wanted, serve_threads as serve_threads_with};

/// How the server handles connections.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Mode {
    /// A thread per connection (`socketserver.ThreadingTCPServer`).
    Threads,
    /// One thread, non-blocking sockets, mio (the tutorial's `select()` loop).
    EventLoop,
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Mode::Threads => "threads",
            Mode::EventLoop => "event-loop",
        })
    }
}

/// Server settings.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// Length header format.
    pub header: LengthField,
    /// Largest request accepted; a bigger announcement drops the connection.
    pub max_frame: u64,
    /// A connection that completes no frame for this long is dropped.
    pub idle_timeout: Duration,
    /// Connections served at once; more are accepted and closed at once, with a log line.
    pub max_clients: usize,
    /// Stop accepting after this many connections and return once they are done.
    pub max_connections: Option<u64>,
}

/// Why a connection ended.
#[derive(Debug)]
enum End {
    /// The peer closed between frames.
    Clean,
    /// The peer broke the protocol (over-limit, negative length, closed mid-frame).
    Protocol(DecodeError),
    /// No frame completed within the idle timeout.
    Idle(Duration),
    /// The socket failed.
    Io(io::Error),
}

impl fmt::Display for End {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            End::Clean => f.write_str("closed"),
            End::Protocol(e) => write!(f, "{e}"),
            End::Idle(t) => write!(f, "no complete frame for {t:?} (idle or trickling)"),
            End::Io(e) => write!(f, "socket error: {e}"),
        }
    }
}

/// One connection's protocol state, sans-IO: bytes in, replies out.
#[derive(Debug)]
pub struct Session {
    decoder: LengthDecoder<Vec<u8>>,
    encoder: LengthEncoder,
    /// Encoded replies not yet written.
    out: Vec<u8>,
}

impl Session {
    /// A session for `header` frames of at most `max_frame` bytes.
    pub fn new(header: LengthField, max_frame: u64) -> Self {
        let format = FrameFormat::new()
            .with_length(header)
            .with_max_frame_len(max_frame.min(header.max_value()));
        Self {
            decoder: LengthDecoder::new(format, Vec::new())
                .unwrap_or_else(|_| unreachable!("a Vec holds any frame")),
            encoder: LengthEncoder::new(format),
            out: Vec::new(),
        }
    }

    /// Decodes `input` and queues a reply for every complete frame; returns how many.
    ///
    /// On a protocol error the replies to the frames before it are still queued, so they can
    /// be written before the connection is dropped.
    pub fn feed(&mut self, input: &[u8]) -> Result<u64, DecodeError> {
        let before = self.decoder.frames();
        let (encoder, out) = (&self.encoder, &mut self.out);
        self.decoder.decode_all(input, |event| {
            if let Event::Frame(frame) = event {
                let payload = frame.payload;
                // Cannot fail: the reply has the request's format and length.
                if let Ok(prefix) = encoder.prefix(payload.len()) {
                    out.extend_from_slice(prefix.as_bytes());
                    out.extend(payload.iter().map(u8::to_ascii_uppercase));
                }
            }
        })?;
        Ok(self.decoder.frames() - before)
    }

    /// At end of stream: `Ok` if it ended between frames.
    pub fn finish(&self) -> Result<(), DecodeError> {
        self.decoder.finish()
    }

    /// Queued reply bytes.
    pub fn pending(&self) -> &[u8] {
        &self.out
    }

    /// Drops the first `n` queued reply bytes (they were written).
    pub fn written(&mut self, n: usize) {
        if n >= self.out.len() {
            self.out.clear();
        } else {
            self.out.drain(..n);
        }
    }

    /// Frames answered so far.
    pub fn frames(&self) -> u64 {
        self.decoder.frames()
    }
}

/// Serves `listener` in the given mode until `max_connections` connections are done (forever
/// without it). Returns the number of frames answered.
pub fn serve(listener: TcpListener, mode: Mode, config: &ServerConfig) -> io::Result<u64> {
    match mode {
        Mode::Threads => serve_threads(listener, config),
        Mode::EventLoop => serve_event_loop(listener, config),
    }
}

fn log_end(mode: Mode, peer: SocketAddr, frames: u64, end: &End) {
    match end {
        End::Clean => {}
        _ => eprintln!("echo[{mode}]: dropped {peer} after {frames} frames: {end}"),
    }
}

fn serve_threads(listener: TcpListener, config: &ServerConfig) -> io::Result<u64> {
    let handler_config = config.clone();
    serve_threads_with(
        "echo[threads]",
        &listener,
        config.max_clients,
        config.max_connections,
        move |stream, peer| {
            let config = &handler_config;
            let mut session = Session::new(config.header, config.max_frame);
            let end = serve_blocking(stream, &mut session, config.idle_timeout);
            log_end(Mode::Threads, peer, session.frames(), &end);
            session.frames()
        },
    )
}

/// One blocking connection: read what arrives, answer every complete frame in one write.
fn serve_blocking(mut stream: &TcpStream, session: &mut Session, idle: Duration) -> End {
    let _ = stream.set_nodelay(true);
    if let Err(e) = stream.set_write_timeout(Some(idle)) {
        return End::Io(e);
    }
    let mut buf = vec![0u8; 64 * 1024];
    let mut deadline = Instant::now() + idle;
    loop {
        let now = Instant::now();
        let Some(left) = deadline
            .checked_duration_since(now)
            .filter(|d| !d.is_zero())
        else {
            return End::Idle(idle);
        };
        if let Err(e) = stream.set_read_timeout(Some(left)) {
            return End::Io(e);
        }
        let n = match stream.read(&mut buf) {
            Ok(0) => {
                return match session.finish() {
                    Ok(()) => End::Clean,
                    Err(e) => End::Protocol(e),
                };
            }
            Ok(n) => n,
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock
                        | io::ErrorKind::TimedOut
                        | io::ErrorKind::Interrupted
                ) =>
            {
                continue;
            }
            Err(e) => return End::Io(e),
        };
        let fed = session.feed(&buf[..n]);
        if !session.pending().is_empty() {
            if let Err(e) = stream.write_all(session.pending()) {
                return End::Io(e);
            }
            session.written(usize::MAX);
        }
        match fed {
            Ok(0) => {}
            Ok(_) => deadline = Instant::now() + idle,
            Err(e) => return End::Protocol(e),
        }
    }
}

/// A connection of the event loop.
struct Conn {
    stream: mio::net::TcpStream,
    peer: SocketAddr,
    session: Session,
    deadline: Instant,
    /// The peer finished sending (cleanly or not): close once the replies are out.
    closing: Option<End>,
}

const LISTENER: mio::Token = mio::Token(usize::MAX);
/// Replies queued for one connection before it is no longer read (backpressure).
const HIGH_WATER: usize = 4 * 1024 * 1024;
/// Reads per connection per turn, so one busy peer cannot starve the others.
const READS_PER_TURN: usize = 16;

fn serve_event_loop(listener: TcpListener, config: &ServerConfig) -> io::Result<u64> {
    listener.set_nonblocking(true)?;
    let mut listener = mio::net::TcpListener::from_std(listener);
    let mut poll = mio::Poll::new()?;
    poll.registry()
        .register(&mut listener, LISTENER, mio::Interest::READABLE)?;
    let mut events = mio::Events::with_capacity(1024);
    let mut conns: HashMap<mio::Token, Conn> = HashMap::new();
    // Connections with work left over from their turn, served before polling again.
    let mut ready: VecDeque<mio::Token> = VecDeque::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut next_token = 0usize;
    let mut served = 0u64;
    let mut accepting = true;
    let mut listening = true;
    let mut answered = 0u64;
    loop {
        if !accepting && conns.is_empty() {
            return Ok(answered);
        }
        let now = Instant::now();
        let timeout = if ready.is_empty() {
            conns
                .values()
                .map(|c| c.deadline.saturating_duration_since(now))
                .min()
        } else {
            Some(Duration::ZERO)
        };
        match poll.poll(&mut events, timeout) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
        for event in events.iter() {
            if event.token() == LISTENER {
                while accepting {
                    let (mut stream, peer) = match listener.accept() {
                        Ok(pair) => pair,
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                        Err(e) if is_transient_accept_error(&e) => {
                            eprintln!("echo[event-loop]: accept failed: {e}");
                            break;
                        }
                        Err(e) => return Err(e),
                    };
                    served += 1;
                    accepting = more_wanted(served, config.max_connections);
                    if conns.len() >= config.max_clients {
                        eprintln!(
                            "echo[event-loop]: refused {peer}: {} connections already being served",
                            config.max_clients
                        );
                        continue;
                    }
                    let token = mio::Token(next_token);
                    next_token = (next_token + 1) % (usize::MAX - 1);
                    let _ = stream.set_nodelay(true);
                    poll.registry().register(
                        &mut stream,
                        token,
                        mio::Interest::READABLE | mio::Interest::WRITABLE,
                    )?;
                    conns.insert(
                        token,
                        Conn {
                            stream,
                            peer,
                            session: Session::new(config.header, config.max_frame),
                            deadline: Instant::now() + config.idle_timeout,
                            closing: None,
                        },
                    );
                    ready.push_back(token);
                }
                if !accepting && listening {
                    poll.registry().deregister(&mut listener)?;
                    listening = false;
                }
            } else if !ready.contains(&event.token()) {
                ready.push_back(event.token());
            }
        }
        // One turn for each connection with something to do.
        for _ in 0..ready.len() {
            let Some(token) = ready.pop_front() else {
                break;
            };
            let Some(conn) = conns.get_mut(&token) else {
                continue;
            };
            match drive(conn, &mut buf, config.idle_timeout) {
                Turn::Wait => {}
                Turn::Again => ready.push_back(token),
                Turn::Done(end) => {
                    if let Some(mut conn) = conns.remove(&token) {
                        log_end(Mode::EventLoop, conn.peer, conn.session.frames(), &end);
                        answered += conn.session.frames();
                        let _ = poll.registry().deregister(&mut conn.stream);
                    }
                }
            }
        }
        let now = Instant::now();
        let expired: Vec<mio::Token> = conns
            .iter()
            .filter(|(_, c)| c.deadline <= now)
            .map(|(t, _)| *t)
            .collect();
        for token in expired {
            if let Some(mut conn) = conns.remove(&token) {
                let end = End::Idle(config.idle_timeout);
                log_end(Mode::EventLoop, conn.peer, conn.session.frames(), &end);
                answered += conn.session.frames();
                let _ = poll.registry().deregister(&mut conn.stream);
            }
        }
    }
}

/// What a connection needs after its turn.
enum Turn {
    /// Nothing until the socket is ready again.
    Wait,
    /// More to do: it used up its turn.
    Again,
    /// Close it.
    Done(End),
}

/// Writes queued replies, then reads and answers, until the socket would block, the turn is
/// used up, or too many replies are queued for a peer that does not read them.
fn drive(conn: &mut Conn, buf: &mut [u8], idle: Duration) -> Turn {
    for _ in 0..READS_PER_TURN {
        while !conn.session.pending().is_empty() {
            match conn.stream.write(conn.session.pending()) {
                Ok(0) => return Turn::Done(End::Io(io::ErrorKind::WriteZero.into())),
                Ok(n) => conn.session.written(n),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Turn::Done(End::Io(e)),
            }
        }
        if let Some(end) = conn.closing.take() {
            if conn.session.pending().is_empty() {
                return Turn::Done(end);
            }
            conn.closing = Some(end);
            return Turn::Wait;
        }
        if conn.session.pending().len() >= HIGH_WATER {
            return Turn::Wait; // resumes on WRITABLE
        }
        match conn.stream.read(buf) {
            Ok(0) => {
                conn.closing = Some(match conn.session.finish() {
                    Ok(()) => End::Clean,
                    Err(e) => End::Protocol(e),
                });
            }
            Ok(n) => match conn.session.feed(&buf[..n]) {
                Ok(0) => {}
                Ok(_) => conn.deadline = Instant::now() + idle,
                Err(e) => conn.closing = Some(End::Protocol(e)),
            },
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                if conn.session.pending().is_empty() {
                    return Turn::Wait;
                }
                // Replies were queued by earlier reads of this turn: try writing them.
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Turn::Done(End::Io(e)),
        }
    }
    Turn::Again
}

/// Sends every message as a frame in one burst (from a second thread, so large bursts cannot
/// deadlock against the replies) and returns the replies in order.
pub fn exchange(
    addr: SocketAddr,
    header: LengthField,
    messages: &[Vec<u8>],
    timeout: Duration,
) -> io::Result<Vec<Vec<u8>>> {
    let stream = TcpStream::connect_timeout(&addr, timeout)?;
    stream.set_nodelay(true)?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    let format = FrameFormat::new()
        .with_length(header)
        .with_max_frame_len(u64::MAX);
    let encoder = LengthEncoder::new(format);
    let mut burst = Vec::new();
    for m in messages {
        write_frame(&mut burst, &encoder, m)?;
    }
    let max = messages.iter().map(Vec::len).max().unwrap_or(0) as u64;
    let mut writer = stream.try_clone()?;
    let sender = thread::spawn(move || -> io::Result<()> {
        writer.write_all(&burst)?;
        writer.shutdown(Shutdown::Write)
    });
    let mut reader = FrameReader::new(&stream, format.with_max_frame_len(max));
    let mut replies = Vec::with_capacity(messages.len());
    let result = (|| {
        while replies.len() < messages.len() {
            match reader.read_frame() {
                Ok(Some(reply)) => replies.push(reply.payload.to_vec()),
                Ok(None) => {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        format!(
                            "the server closed after {} of {} replies",
                            replies.len(),
                            messages.len()
                        ),
                    ));
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    return Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        format!("no reply within {timeout:?}"),
                    ));
                }
                Err(e) => return Err(e),
            }
        }
        Ok(())
    })();
    if result.is_err() {
        // Unblocks the sender if the server stopped reading.
        let _ = stream.shutdown(Shutdown::Both);
    }
    let sent = sender
        .join()
        .unwrap_or_else(|_| Err(io::Error::other("sender thread panicked")));
    result?;
    sent?;
    Ok(replies)
}

/// Load figures of [`bench()`].
#[derive(Debug, Clone, Copy)]
pub struct BenchReport {
    /// Frames answered (and checked) in all.
    pub frames: u64,
    /// Wall time from the first connect to the last reply.
    pub elapsed: Duration,
}

/// `clients` concurrent connections each send `frames` frames of `size` bytes (pipelined) and
/// check every reply. Fails on the first wrong or missing reply.
pub fn bench(
    addr: SocketAddr,
    header: LengthField,
    clients: usize,
    frames: usize,
    size: usize,
    timeout: Duration,
) -> io::Result<BenchReport> {
    let start = Instant::now();
    let handles: Vec<_> = (0..clients)
        .map(|c| {
            thread::spawn(move || -> io::Result<u64> {
                // Lower-case letters and digits varied per client and frame, so a reply sent to
                // the wrong client or out of order is caught.
                let messages: Vec<Vec<u8>> = (0..frames)
                    .map(|f| {
                        (0..size)
                            .map(|i| {
                                b"abcdefghijklmnopqrstuvwxyz0123456789"[(c * 7 + f * 13 + i) % 36]
                            })
                            .collect()
                    })
                    .collect();
                let replies = exchange(addr, header, &messages, timeout)?;
                for (i, (m, r)) in messages.iter().zip(&replies).enumerate() {
                    if r != &m.to_ascii_uppercase() {
                        return Err(io::Error::new(
                            io::ErrorKind::InvalidData,
                            format!("client {c}: reply {i} is wrong"),
                        ));
                    }
                }
                Ok(replies.len() as u64)
            })
        })
        .collect();
    let mut total = 0;
    let mut first_error = None;
    for h in handles {
        match h.join() {
            Ok(Ok(n)) => total += n,
            Ok(Err(e)) => {
                first_error.get_or_insert(e);
            }
            Err(_) => {
                first_error.get_or_insert(io::Error::other("client thread panicked"));
            }
        }
    }
    match first_error {
        Some(e) => Err(e),
        None => Ok(BenchReport {
            frames: total,
            elapsed: start.elapsed(),
        }),
    }
}
