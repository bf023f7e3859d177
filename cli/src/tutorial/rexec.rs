//! Authenticated remote command execution: seed 001's challenge-response handshake
//! ("验证客户端连接的合法性") with HMAC-SHA256, then the seeds' remote shell over frames.
//!
//! Wire format:
//! 1. server → client: 32 random bytes (raw);
//! 2. client → server: the 32 raw bytes of HMAC-SHA256(key, challenge);
//! 3. server → client: a length frame `OK` (or the connection closes);
//! 4. then per command: client → server a length frame with the UTF-8 command; server →
//!    client one JSON-header frame `{"total_size": N, "stdout_size": M, "exit_code": C}` whose
//!    body is stdout followed by stderr.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use unstick::{FrameFormat, LengthEncoder, LengthField, json};
use unstick_std::{FrameReader, JsonFrameReader, JsonFrameWriter, write_frame};

use super::cli::serve_threads;

/// Challenge and answer length.
pub const CHALLENGE_LEN: usize = 32;
/// The shortest key accepted.
pub const MIN_KEY_LEN: usize = 16;
/// The payload of the frame that accepts a client.
pub const ACCEPTED: &[u8] = b"OK";

/// The reply header of one command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplyHeader {
    /// Body length: stdout then stderr.
    pub total_size: u64,
    /// How much of the body is stdout.
    pub stdout_size: u64,
    /// The command's exit status (128 + signal when killed, 124 on timeout).
    pub exit_code: i32,
}

/// Reads a shared key, refusing one shorter than [`MIN_KEY_LEN`] bytes. The file's bytes are
/// the key, exactly (a trailing newline is part of it).
pub fn load_key(path: &Path) -> Result<Arc<[u8]>, String> {
    let key = std::fs::read(path).map_err(|e| format!("key file {}: {e}", path.display()))?;
    if key.len() < MIN_KEY_LEN {
        return Err(format!(
            "key file {} holds {} bytes; a key needs at least {MIN_KEY_LEN}",
            path.display(),
            key.len()
        ));
    }
    Ok(key.into())
}

/// HMAC-SHA256(key, challenge).
pub fn answer(key: &[u8], challenge: &[u8]) -> [u8; 32] {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(challenge);
    mac.finalize().into_bytes().into()
}

/// Whether `answer` is the HMAC of `challenge`, compared in constant time.
fn verify(key: &[u8], challenge: &[u8], answer: &[u8]) -> bool {
    let Ok(mut mac) = <Hmac<Sha256> as KeyInit>::new_from_slice(key) else {
        return false;
    };
    mac.update(challenge);
    mac.verify_slice(answer).is_ok()
}

/// Server settings.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// The shared key.
    pub key: Arc<[u8]>,
    /// Length header of every frame.
    pub header: LengthField,
    /// Time allowed for the handshake answer.
    pub handshake_timeout: Duration,
    /// A connection that sends no command for this long is closed.
    pub idle_timeout: Duration,
    /// A command running longer is killed (exit code 124).
    pub command_timeout: Duration,
    /// At most this many bytes of stdout and of stderr each are returned.
    pub max_output: u64,
    /// Longest command accepted.
    pub max_command: u64,
    /// Connections served at once.
    pub max_clients: usize,
}

/// Serves until `max_connections` connections are done (forever without it). Returns the
/// number of commands run.
pub fn serve(
    listener: TcpListener,
    config: &ServerConfig,
    max_connections: Option<u64>,
) -> io::Result<u64> {
    let handler_config = config.clone();
    serve_threads(
        "rexec",
        &listener,
        config.max_clients,
        max_connections,
        move |stream, peer| match session(stream, &handler_config) {
            Ok(ran) => ran,
            Err(e) => {
                eprintln!("rexec: {peer}: {e}");
                0
            }
        },
    )
}

/// One connection: authenticate, then run commands until the client closes.
fn session(stream: &TcpStream, config: &ServerConfig) -> io::Result<u64> {
    let mut challenge = [0u8; CHALLENGE_LEN];
    getrandom::fill(&mut challenge).map_err(|e| io::Error::other(e.to_string()))?;
    stream.set_write_timeout(Some(config.handshake_timeout))?;
    stream.set_read_timeout(Some(config.handshake_timeout))?;
    (&*stream).write_all(&challenge)?;
    let mut reply = [0u8; CHALLENGE_LEN];
    if let Err(e) = (&*stream).read_exact(&mut reply) {
        return Err(io::Error::new(
            e.kind(),
            format!("refused: no complete handshake answer ({e})"),
        ));
    }
    if !verify(&config.key, &challenge, &reply) {
        return Err(io::Error::new(
            io::ErrorKind::PermissionDenied,
            "refused: wrong handshake answer (bad key or replay)",
        ));
    }
    let format = FrameFormat::new().with_length(config.header);
    write_frame(&mut &*stream, &LengthEncoder::new(format), ACCEPTED)?;
    stream.set_read_timeout(Some(config.idle_timeout))?;
    stream.set_write_timeout(Some(config.idle_timeout))?;

    let commands = format.with_max_frame_len(config.max_command.min(config.header.max_value()));
    let mut commands = FrameReader::with_buffer_len(stream, commands, 4096);
    let json = json::Config::new()
        .with_length(config.header)
        .with_max_body_len(2 * config.max_output + 1024);
    let mut replies = JsonFrameWriter::new(stream, json);
    let mut ran = 0;
    while let Some(command) = commands.read_frame()? {
        let command = command.payload;
        let output = match std::str::from_utf8(command) {
            Ok(command) => run(command, config),
            Err(e) => Output {
                stdout: Vec::new(),
                stderr: format!("rexec: the command is not UTF-8 ({e})\n").into_bytes(),
                exit_code: 126,
            },
        };
        ran += 1;
        let header = ReplyHeader {
            total_size: (output.stdout.len() + output.stderr.len()) as u64,
            stdout_size: output.stdout.len() as u64,
            exit_code: output.exit_code,
        };
        replies.send(&header, output.stdout.chain(&output.stderr[..]))?;
    }
    Ok(ran)
}

/// What a command printed and how it ended.
#[derive(Debug)]
pub struct Output {
    /// Its stdout (capped).
    pub stdout: Vec<u8>,
    /// Its stderr (capped), plus rexec's own notes.
    pub stderr: Vec<u8>,
    /// Exit status.
    pub exit_code: i32,
}

/// Runs `command` with `sh -c`, capping output and time.
fn run(command: &str, config: &ServerConfig) -> Output {
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(command)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // Its own process group, so a timeout kills the whole pipeline, not just `sh`.
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    let mut child = match cmd.spawn() {
        Ok(child) => child,
        Err(e) => {
            return Output {
                stdout: Vec::new(),
                stderr: format!("rexec: cannot start sh: {e}\n").into_bytes(),
                exit_code: 127,
            };
        }
    };
    let cap = config.max_output;
    let out = child.stdout.take().map(|s| capture(s, cap));
    let err = child.stderr.take().map(|s| capture(s, cap));
    let deadline = Instant::now() + config.command_timeout;
    let mut timed_out = false;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if Instant::now() >= deadline => {
                timed_out = true;
                kill_group(&mut child);
                break child.wait().ok();
            }
            Ok(None) => thread::sleep(Duration::from_millis(5)),
            Err(_) => break None,
        }
    };
    // Background jobs the command left behind would hold the pipes open.
    kill_group(&mut child);
    let (stdout, out_dropped) = out.map_or((Vec::new(), 0), |h| h.join().unwrap_or_default());
    let (mut stderr, err_dropped) = err.map_or((Vec::new(), 0), |h| h.join().unwrap_or_default());
    for (stream, dropped) in [("stdout", out_dropped), ("stderr", err_dropped)] {
        if dropped > 0 {
            stderr.extend_from_slice(
                format!("rexec: {stream} cut to {cap} bytes ({dropped} more dropped)\n").as_bytes(),
            );
        }
    }
    let exit_code = if timed_out {
        stderr.extend_from_slice(
            format!(
                "rexec: killed after {:?} (command timeout)\n",
                config.command_timeout
            )
            .as_bytes(),
        );
        124
    } else {
        status.map_or(1, exit_code)
    };
    Output {
        stdout,
        stderr,
        exit_code,
    }
}

fn exit_code(status: std::process::ExitStatus) -> i32 {
    #[cfg(unix)]
    if let Some(signal) = std::os::unix::process::ExitStatusExt::signal(&status) {
        return 128 + signal;
    }
    status.code().unwrap_or(1)
}

#[cfg(unix)]
fn kill_group(child: &mut Child) {
    use nix::sys::signal::{Signal, killpg};
    use nix::unistd::Pid;
    if let Ok(pid) = i32::try_from(child.id()) {
        let _ = killpg(Pid::from_raw(pid), Signal::SIGKILL);
    }
}

#[cfg(not(unix))]
fn kill_group(child: &mut Child) {
    let _ = child.kill();
}

/// Reads a pipe to its end on a thread, keeping the first `cap` bytes and counting the rest.
fn capture<R: Read + Send + 'static>(mut pipe: R, cap: u64) -> JoinHandle<(Vec<u8>, u64)> {
    thread::spawn(move || {
        let mut kept = Vec::new();
        let _ = (&mut pipe).take(cap).read_to_end(&mut kept);
        let dropped = io::copy(&mut pipe, &mut io::sink()).unwrap_or(0);
        (kept, dropped)
    })
}

/// Why the client failed.
#[derive(Debug)]
pub enum ClientError {
    /// The server did not accept the handshake answer.
    Refused,
    /// Anything else.
    Io(io::Error),
}

impl std::fmt::Display for ClientError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ClientError::Refused => f.write_str("the server refused the handshake (wrong key?)"),
            ClientError::Io(e) => write!(f, "{e}"),
        }
    }
}

impl From<io::Error> for ClientError {
    fn from(e: io::Error) -> Self {
        ClientError::Io(e)
    }
}

/// Client side: handshake, then runs `command`, streaming its stdout and stderr into `out`
/// and `err`. Returns the command's exit code.
pub fn execute(
    addr: SocketAddr,
    key: &[u8],
    header: LengthField,
    command: &str,
    timeout: Duration,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<i32, ClientError> {
    let stream = TcpStream::connect_timeout(&addr, timeout)?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    let mut challenge = [0u8; CHALLENGE_LEN];
    (&stream).read_exact(&mut challenge)?;
    (&stream).write_all(&answer(key, &challenge))?;
    {
        let format = FrameFormat::new()
            .with_length(header)
            .with_max_frame_len(64);
        // One byte at a time: nothing after the `OK` frame may be taken from the socket.
        let mut reader = FrameReader::with_buffer_len(&stream, format, 1);
        match reader.read_frame().map(|frame| frame.map(|f| f.payload)) {
            Ok(Some(ACCEPTED)) => {}
            Ok(Some(other)) => {
                return Err(ClientError::Io(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!(
                        "unexpected handshake reply {:?}",
                        String::from_utf8_lossy(other)
                    ),
                )));
            }
            Ok(None) => return Err(ClientError::Refused),
            Err(e) if e.kind() == io::ErrorKind::ConnectionReset => {
                return Err(ClientError::Refused);
            }
            Err(e) => return Err(e.into()),
        }
    }
    write_frame(
        &mut &stream,
        &LengthEncoder::new(
            FrameFormat::new()
                .with_length(header)
                .with_max_frame_len(u64::MAX),
        ),
        command.as_bytes(),
    )?;
    let json = json::Config::new()
        .with_length(header)
        .with_max_body_len(u64::MAX);
    let mut replies = JsonFrameReader::new(&stream, json);
    let Some(mut reply) = replies.next_frame()? else {
        return Err(ClientError::Io(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "the server closed without a reply",
        )));
    };
    let header: ReplyHeader = reply.header()?;
    if header.stdout_size > reply.total_size() || header.total_size != reply.total_size() {
        return Err(ClientError::Io(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("inconsistent reply header {}", reply.header_json()),
        )));
    }
    io::copy(&mut (&mut reply).take(header.stdout_size), out)?;
    io::copy(&mut reply, err)?;
    out.flush()?;
    err.flush()?;
    let _ = stream.shutdown(Shutdown::Both);
    Ok(header.exit_code)
}
