//! Running the `unstick-std` example programs as subprocesses: built once, every wait bounded.

use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

/// How long any program may take before the test fails.
pub const PROGRAM_TIMEOUT: Duration = Duration::from_secs(60);

/// A tutorial program: the `unstick` command (package `unstick-cli`) with the program's
/// subcommand, `unstick echo ...`.
#[derive(Debug, Clone)]
pub struct Program {
    exe: PathBuf,
    name: &'static str,
}

impl Program {
    /// A command running this program; add its arguments.
    pub fn command(&self) -> Command {
        let mut command = Command::new(&self.exe);
        command.arg(self.name);
        command
    }
}

/// The tutorial program `name` (`cargo build --workspace --bins` runs once per test binary; a
/// no-op when `cargo test --workspace` already built `unstick`).
pub fn program(name: &'static str) -> Program {
    static EXE: OnceLock<PathBuf> = OnceLock::new();
    let exe = EXE.get_or_init(|| {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("../Cargo.toml");
        let status = Command::new(cargo)
            // `--workspace` unifies features as `cargo test --workspace` does, so this is a
            // no-op after it rather than a rebuild with other features.
            .args([
                "build",
                "--quiet",
                "--workspace",
                "--bins",
                "--manifest-path",
            ])
            .arg(&manifest)
            .status()
            .expect("cargo runs");
        assert!(status.success(), "building the unstick command failed");
        // target/<profile>/deps/<test binary> -> target/<profile>/unstick
        let exe = std::env::current_exe().expect("test binary path");
        let path = exe
            .parent()
            .and_then(Path::parent)
            .expect("target/<profile>")
            .join(format!("unstick{}", std::env::consts::EXE_SUFFIX));
        assert!(path.exists(), "{} was not built", path.display());
        path
    });
    Program {
        exe: exe.clone(),
        name,
    }
}

/// Text collected from a child's pipe by a background thread.
#[derive(Clone, Default, Debug)]
pub struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    fn collect<R: Read + Send + 'static>(mut pipe: R) -> (Self, thread::JoinHandle<()>) {
        let captured = Self::default();
        let sink = captured.0.clone();
        let handle = thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = pipe.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock()
                    .expect("not poisoned")
                    .extend_from_slice(&buf[..n]);
            }
        });
        (captured, handle)
    }

    /// Everything collected so far, lossily as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("not poisoned")).into_owned()
    }

    /// Waits (bounded) until the text contains `needle`; returns whether it did.
    pub fn wait_for(&self, needle: &str, timeout: Duration) -> bool {
        let end = Instant::now() + timeout;
        while Instant::now() < end {
            if self.text().contains(needle) {
                return true;
            }
            thread::sleep(Duration::from_millis(20));
        }
        self.text().contains(needle)
    }
}

/// A running server program; killed on drop.
#[derive(Debug)]
pub struct Server {
    child: Child,
    /// Where it listens (from its `listening on` line).
    pub addr: SocketAddr,
    /// Its stdout after the first line.
    pub stdout: Captured,
    /// Its stderr.
    pub stderr: Captured,
    readers: Vec<thread::JoinHandle<()>>,
}

impl Server {
    /// Starts `program args...` and waits for its `listening on IP:PORT` line.
    pub fn start(program: &Program, args: &[&str]) -> Self {
        Self::start_command(program.command().args(args))
    }

    /// Starts a prepared command (a Python peer, say) that prints `listening on IP:PORT` first.
    pub fn start_command(command: &mut Command) -> Self {
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the server starts");
        let (stderr, err_reader) = Captured::collect(child.stderr.take().expect("piped"));
        let mut stdout = BufReader::new(child.stdout.take().expect("piped"));
        let (tx, rx) = mpsc::channel();
        let first_line = thread::spawn(move || {
            let mut line = String::new();
            let _ = stdout.read_line(&mut line);
            let _ = tx.send(line);
            stdout
        });
        let line = match rx.recv_timeout(PROGRAM_TIMEOUT) {
            Ok(line) => line,
            Err(_) => {
                let _ = child.kill();
                panic!("no `listening on` line; stderr: {}", stderr.text());
            }
        };
        let addr = line
            .strip_prefix("listening on ")
            .and_then(|rest| rest.trim().parse().ok())
            .unwrap_or_else(|| {
                let _ = child.kill();
                panic!(
                    "first line {line:?} is not `listening on IP:PORT`; stderr: {}",
                    stderr.text()
                )
            });
        let stdout_pipe = first_line.join().expect("reader thread");
        let (stdout, out_reader) = Captured::collect(stdout_pipe);
        Self {
            child,
            addr,
            stdout,
            stderr,
            readers: vec![err_reader, out_reader],
        }
    }

    /// Waits (bounded) for the server to exit by itself (`--max-connections`); returns its
    /// status once its output is fully collected.
    pub fn wait(mut self) -> ExitStatus {
        let status = wait_bounded(&mut self.child, PROGRAM_TIMEOUT)
            .unwrap_or_else(|| panic!("the server did not exit; stderr: {}", self.stderr.text()));
        for r in self.readers.drain(..) {
            let _ = r.join();
        }
        status
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn wait_bounded(child: &mut Child, timeout: Duration) -> Option<ExitStatus> {
    let end = Instant::now() + timeout;
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return Some(status);
        }
        if Instant::now() >= end {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        thread::sleep(Duration::from_millis(10));
    }
}

/// A finished client program.
#[derive(Debug)]
pub struct Finished {
    /// Exit status.
    pub status: ExitStatus,
    /// Its stdout.
    pub stdout: Vec<u8>,
    /// Its stderr, as text.
    pub stderr: String,
}

impl Finished {
    /// Stdout as text.
    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }
}

/// Runs a prepared command to completion (bounded by [`PROGRAM_TIMEOUT`]).
pub fn run_command(command: &mut Command) -> Finished {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the program starts");
    let (stdout, out_reader) = Captured::collect(child.stdout.take().expect("piped"));
    let (stderr, err_reader) = Captured::collect(child.stderr.take().expect("piped"));
    let status = wait_bounded(&mut child, PROGRAM_TIMEOUT)
        .unwrap_or_else(|| panic!("{command:?} did not finish; stderr: {}", stderr.text()));
    let _ = out_reader.join();
    let _ = err_reader.join();
    let stdout = stdout.0.lock().expect("not poisoned").clone();
    Finished {
        status,
        stdout,
        stderr: stderr.text(),
    }
}

/// Runs `program args...` to completion.
pub fn run(program: &Program, args: &[&str]) -> Finished {
    run_command(program.command().args(args))
}

/// A `python3` command running the peer script `tests/python/<script>`.
pub fn python(script: &str) -> Command {
    let mut command = Command::new("python3");
    command.env("PYTHONDONTWRITEBYTECODE", "1").arg(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("python")
            .join(script),
    );
    command
}
