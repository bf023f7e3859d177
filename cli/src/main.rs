//! `unstick`: inspect and dissect length-framed streams, wrap and unwrap frames in shell
//! pipelines, and run the tutorials' framed client/server programs.

// A binary: nothing is reachable from outside, and `pub` marks what a module offers the others.
#![allow(unreachable_pub)]

mod programs;
mod tutorial;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Length-framed streams: run the tutorials' programs, inspect captures, frame and unframe.
#[derive(Parser, Debug)]
#[command(name = "unstick", version, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Upper-casing echo over length-prefixed frames (the tutorials' 循环通信 / socketserver demo).
    Echo(programs::echo::Args),
    /// File transfer over JSON-header frames (the tutorials' header_dic upload), SHA-256 checked.
    File(programs::file::Args),
    /// Remote command execution with an HMAC handshake and JSON-header replies.
    Rexec(programs::rexec::Args),
    /// The tutorials' UDP time service: 4-byte big-endian Unix seconds.
    Time(programs::time::Args),
    /// Every tutorial system at once, in-process on loopback ports, narrated.
    Demo,
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Echo(args) => programs::echo::run(args),
        Command::File(args) => programs::file::run(args),
        Command::Rexec(args) => programs::rexec::run(args),
        Command::Time(args) => programs::time::run(args),
        Command::Demo => programs::demo::run(),
    }
}
