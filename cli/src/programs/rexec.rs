//! Authenticated remote command execution (seed 001's HMAC handshake + the seeds' remote shell).
//!
//! ```text
//! head -c 32 /dev/urandom > key
//! unstick rexec server --key-file key --listen 127.0.0.1:8001
//! unstick rexec client --key-file key --connect 127.0.0.1:8001 ls -l
//! ```

use std::io;
use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use crate::tutorial::cli::{self, parse_duration, parse_size};
use crate::tutorial::rexec::{self, ServerConfig};
use clap::Subcommand;
use unstick::LengthField;

/// Remote commands after an HMAC-SHA256 challenge-response handshake.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
    /// File holding the shared key (its exact bytes, at least 16).
    #[arg(long, global = true)]
    key_file: Option<PathBuf>,
    /// Length header of every frame: u32be (struct.pack("!I")), i32le (struct.pack("i")), ...
    #[arg(long, global = true, default_value = "u32be")]
    header: LengthField,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run authenticated clients' commands with `sh -c`.
    Server {
        /// Address to listen on (loopback by default); port 0 picks a free port.
        #[arg(long, default_value = "127.0.0.1:0")]
        listen: SocketAddr,
        /// Kill a command running longer than this (exit code 124).
        #[arg(long, default_value = "30s", value_parser = parse_duration)]
        command_timeout: Duration,
        /// Return at most this much of stdout, and of stderr.
        #[arg(long, default_value = "16MiB", value_parser = parse_size)]
        max_output: u64,
        /// Close a connection that sends no command for this long.
        #[arg(long, default_value = "5m", value_parser = parse_duration)]
        idle_timeout: Duration,
        /// Time a client has to answer the challenge.
        #[arg(long, default_value = "10s", value_parser = parse_duration)]
        handshake_timeout: Duration,
        /// Clients served at once.
        #[arg(long, default_value_t = 32)]
        max_clients: usize,
        /// Exit after serving this many connections.
        #[arg(long)]
        max_connections: Option<u64>,
    },
    /// Run one command on the server; exits with its exit code.
    Client {
        /// Server address.
        #[arg(long)]
        connect: SocketAddr,
        /// Give up when the server is silent this long.
        #[arg(long, default_value = "60s", value_parser = parse_duration)]
        timeout: Duration,
        /// The command (joined with spaces, run by `sh -c` on the server).
        #[arg(required = true, trailing_var_arg = true, allow_hyphen_values = true)]
        command: Vec<String>,
    },
}

/// Runs the subcommand; an error is one line on stderr and exit status 1.
pub fn run(args: Args) -> ExitCode {
    cli::run("rexec", || {
        let key_file = args.key_file.ok_or("--key-file is required")?;
        let key = rexec::load_key(&key_file)?;
        match args.command {
            Command::Server {
                listen,
                command_timeout,
                max_output,
                idle_timeout,
                handshake_timeout,
                max_clients,
                max_connections,
            } => {
                let listener = TcpListener::bind(listen)
                    .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
                let addr = listener.local_addr().map_err(|e| e.to_string())?;
                cli::announce(addr).map_err(|e| e.to_string())?;
                let config = ServerConfig {
                    key,
                    header: args.header,
                    handshake_timeout,
                    idle_timeout,
                    command_timeout,
                    max_output,
                    max_command: 64 * 1024,
                    max_clients: max_clients.max(1),
                };
                let ran =
                    rexec::serve(listener, &config, max_connections).map_err(|e| e.to_string())?;
                eprintln!("rexec: ran {ran} commands");
                Ok(ExitCode::SUCCESS)
            }
            Command::Client {
                connect,
                timeout,
                command,
            } => {
                let command = command.join(" ");
                let code = rexec::execute(
                    connect,
                    &key,
                    args.header,
                    &command,
                    timeout,
                    &mut io::stdout().lock(),
                    &mut io::stderr().lock(),
                )
                .map_err(|e| format!("{connect}: {e}"))?;
                Ok(ExitCode::from(u8::try_from(code).unwrap_or(1)))
            }
        }
    })
}
