//! The tutorials' upper-casing echo service over length frames.
//!
//! ```text
//! unstick echo server --mode event-loop --listen 127.0.0.1:8080
//! unstick echo client --connect 127.0.0.1:8080 hello world
//! ```
//!
//! Byte-compatible with seed 002's "循环通信" Python client and server (`struct.pack("!I")`);
//! use `--header i32le` for peers that send `struct.pack("i")`.

use std::net::{SocketAddr, TcpListener};
use std::process::ExitCode;
use std::time::Duration;

use crate::tutorial::cli::{self, parse_duration, parse_size};
use crate::tutorial::echo::{self, Mode, ServerConfig};
use clap::Subcommand;
use unstick::LengthField;

/// Upper-casing echo over length-prefixed frames (the tutorials' 循环通信 / socketserver demo).
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Answer every frame with its payload upper-cased (ASCII letters only).
    Server {
        /// Address to listen on; port 0 picks a free port.
        #[arg(long, default_value = "127.0.0.1:0")]
        listen: SocketAddr,
        /// A thread per connection, or one thread with non-blocking sockets (mio).
        #[arg(long, value_enum, default_value_t = Mode::Threads)]
        mode: Mode,
        /// Length header: u32be (struct.pack("!I")), i32le (struct.pack("i")), u16be, u64le, ...
        #[arg(long, default_value = "u32be")]
        header: LengthField,
        /// Largest frame accepted (e.g. 1048576, 64KiB, 1MiB); bigger announcements drop the peer.
        #[arg(long, default_value = "1MiB", value_parser = parse_size)]
        max_frame: u64,
        /// Drop a connection that completes no frame for this long (idle or trickling peers).
        #[arg(long, default_value = "30s", value_parser = parse_duration)]
        idle_timeout: Duration,
        /// Connections served at once; further ones are closed with a log line.
        #[arg(long, default_value_t = 1024)]
        max_clients: usize,
        /// Exit after serving this many connections (for scripts and tests).
        #[arg(long)]
        max_connections: Option<u64>,
    },
    /// Send each MESSAGE as a frame (all in one burst) and print each reply on its own line.
    Client {
        /// Server address.
        #[arg(long)]
        connect: SocketAddr,
        /// Length header, as for the server.
        #[arg(long, default_value = "u32be")]
        header: LengthField,
        /// Give up when a reply takes longer than this.
        #[arg(long, default_value = "10s", value_parser = parse_duration)]
        timeout: Duration,
        /// The messages.
        #[arg(required = true)]
        messages: Vec<String>,
    },
    /// Load test: CLIENTS connections each send FRAMES frames of SIZE bytes and check every reply.
    Bench {
        /// Server address.
        #[arg(long)]
        connect: SocketAddr,
        /// Length header, as for the server.
        #[arg(long, default_value = "u32be")]
        header: LengthField,
        /// Concurrent connections.
        #[arg(long, default_value_t = 100)]
        clients: usize,
        /// Frames per connection.
        #[arg(long, default_value_t = 100)]
        frames: usize,
        /// Payload bytes per frame.
        #[arg(long, default_value = "16", value_parser = parse_size)]
        size: u64,
        /// Give up when a reply takes longer than this.
        #[arg(long, default_value = "30s", value_parser = parse_duration)]
        timeout: Duration,
    },
}

/// Runs the subcommand; an error is one line on stderr and exit status 1.
pub fn run(args: Args) -> ExitCode {
    cli::run("echo", || match args.command {
        Command::Server {
            listen,
            mode,
            header,
            max_frame,
            idle_timeout,
            max_clients,
            max_connections,
        } => {
            let listener =
                TcpListener::bind(listen).map_err(|e| format!("cannot listen on {listen}: {e}"))?;
            let addr = listener.local_addr().map_err(|e| e.to_string())?;
            cli::announce(addr).map_err(|e| e.to_string())?;
            let config = ServerConfig {
                header,
                max_frame,
                idle_timeout,
                max_clients: max_clients.max(1),
                max_connections,
            };
            let frames = echo::serve(listener, mode, &config).map_err(|e| e.to_string())?;
            eprintln!("echo: answered {frames} frames");
            Ok(ExitCode::SUCCESS)
        }
        Command::Client {
            connect,
            header,
            timeout,
            messages,
        } => {
            let messages: Vec<Vec<u8>> = messages.into_iter().map(String::into_bytes).collect();
            let replies = echo::exchange(connect, header, &messages, timeout)
                .map_err(|e| format!("{connect}: {e}"))?;
            for reply in replies {
                println!("{}", String::from_utf8_lossy(&reply));
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Bench {
            connect,
            header,
            clients,
            frames,
            size,
            timeout,
        } => {
            let size = usize::try_from(size).map_err(|_| "size too large".to_string())?;
            let report = echo::bench(connect, header, clients, frames, size, timeout)
                .map_err(|e| format!("{connect}: {e}"))?;
            let secs = report.elapsed.as_secs_f64();
            println!(
                "{clients} clients x {frames} frames of {size} B: {} frames in {secs:.3} s, {:.0} frames/s, {:.1} MB/s each way",
                report.frames,
                report.frames as f64 / secs,
                (report.frames * size as u64) as f64 / secs / 1e6
            );
            Ok(ExitCode::SUCCESS)
        }
    })
}
