//! Seed 004's file upload over JSON-header frames, with the SHA-256 checked.
//!
//! ```text
//! unstick file recv --dir /tmp/inbox --listen 127.0.0.1:9000
//! unstick file send --connect 127.0.0.1:9000 ./big.iso
//! ```
//!
//! Each file is `{"filename": NAME, "total_size": N, "hash": SHA256_HEX}` + N bytes; use
//! `--header i32le` for the tutorial's `struct.pack('i', len(header_bytes))` peers.

use std::io::Write;
use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use crate::tutorial::cli::{self, parse_duration, parse_size};
use crate::tutorial::file::{self, FileConfig};
use clap::Subcommand;
use unstick::LengthField;

/// File transfer over JSON-header frames (the tutorials' header_dic upload), SHA-256 checked.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
    /// Length header in front of the JSON header: u32be (struct.pack("!I")) or i32le
    /// (struct.pack("i")), or another width such as u16be, u64le.
    #[arg(long, global = true, default_value = "u32be")]
    header: LengthField,
    /// Fail a connection that stalls this long.
    #[arg(long, global = true, default_value = "60s", value_parser = parse_duration)]
    idle_timeout: Duration,
    /// Never draw progress bars (they are drawn only when stderr is a terminal anyway).
    #[arg(long, global = true)]
    no_progress: bool,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Upload files, one frame each, named by their base names.
    Send {
        /// Receiver address.
        #[arg(long)]
        connect: SocketAddr,
        /// Files to send.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Receive uploads into a directory; prints `received NAME SIZE sha256-ok` per file.
    Recv {
        /// Directory the files go to (created if missing).
        #[arg(long)]
        dir: PathBuf,
        /// Address to listen on; port 0 picks a free port.
        #[arg(long, default_value = "127.0.0.1:0")]
        listen: SocketAddr,
        /// Refuse files larger than this (e.g. 10GiB).
        #[arg(long, default_value = "64GiB", value_parser = parse_size)]
        max_size: u64,
        /// Exit after serving this many connections.
        #[arg(long)]
        max_connections: Option<u64>,
    },
}

/// Runs the subcommand; an error is one line on stderr and exit status 1.
pub fn run(args: Args) -> ExitCode {
    let mut config = FileConfig {
        header: args.header,
        max_size: u64::MAX,
        idle_timeout: args.idle_timeout,
        progress: !args.no_progress,
    };
    cli::run("file", || match args.command {
        Command::Send { connect, paths } => {
            for h in file::send(connect, &config, &paths).map_err(|e| e.to_string())? {
                eprintln!("sent {} {} {}", h.filename, h.total_size, h.hash);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Recv {
            dir,
            listen,
            max_size,
            max_connections,
        } => {
            config.max_size = max_size;
            std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            let listener =
                TcpListener::bind(listen).map_err(|e| format!("cannot listen on {listen}: {e}"))?;
            let addr = listener.local_addr().map_err(|e| e.to_string())?;
            cli::announce(addr).map_err(|e| e.to_string())?;
            let stored = file::serve(listener, &dir, &config, max_connections, |_, f| {
                let mut out = std::io::stdout().lock();
                let _ = writeln!(
                    out,
                    "received {} {} sha256-ok",
                    f.header.filename, f.header.total_size
                );
                let _ = out.flush();
            })
            .map_err(|e| e.to_string())?;
            eprintln!("file: stored {stored} files");
            Ok(ExitCode::SUCCESS)
        }
    })
}
