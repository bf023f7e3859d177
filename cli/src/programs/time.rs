//! Seed 002's UDP time service: the server answers any datagram with the Unix time as a
//! 4-byte big-endian integer; the client prints it raw and as RFC 3339.
//!
//! ```text
//! unstick time server --listen 127.0.0.1:8090
//! unstick time client --connect 127.0.0.1:8090
//! ```

use std::net::{SocketAddr, UdpSocket};
use std::process::ExitCode;
use std::time::Duration;

use crate::tutorial::cli::{self, parse_duration};
use crate::tutorial::time;
use clap::Subcommand;

/// The tutorials' UDP time service (时间服务端): 4-byte big-endian Unix seconds.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Answer every datagram with the current time.
    Server {
        /// Address to listen on; port 0 picks a free port.
        #[arg(long, default_value = "127.0.0.1:0")]
        listen: SocketAddr,
        /// Exit after answering this many requests (UDP has no connections; each request counts).
        #[arg(long)]
        max_connections: Option<u64>,
    },
    /// Ask a server for the time and print it as `SECONDS RFC3339`.
    Client {
        /// Server address.
        #[arg(long)]
        connect: SocketAddr,
        /// How long to wait for the reply.
        #[arg(long, default_value = "2s", value_parser = parse_duration)]
        timeout: Duration,
    },
}

/// Runs the subcommand; an error is one line on stderr and exit status 1.
pub fn run(args: Args) -> ExitCode {
    cli::run("time", || match args.command {
        Command::Server {
            listen,
            max_connections,
        } => {
            let socket =
                UdpSocket::bind(listen).map_err(|e| format!("cannot listen on {listen}: {e}"))?;
            let addr = socket.local_addr().map_err(|e| e.to_string())?;
            cli::announce(addr).map_err(|e| e.to_string())?;
            let answered = time::serve(&socket, max_connections).map_err(|e| e.to_string())?;
            eprintln!("time: answered {answered} requests");
            Ok(ExitCode::SUCCESS)
        }
        Command::Client { connect, timeout } => {
            let secs = time::query(connect, timeout).map_err(|e| format!("{connect}: {e}"))?;
            println!("{secs} {}", time::rfc3339(secs));
            Ok(ExitCode::SUCCESS)
        }
    })
}
