//! `unstick`: inspect and dissect length-framed streams, wrap and unwrap frames in shell
//! pipelines, and run the tutorials' framed client/server programs.

// A binary: nothing is reachable from outside, and `pub` marks what a module offers the others.
#![allow(unreachable_pub)]

mod capture;
mod dissector;
mod fields;
mod inspect;
mod pipe;
mod programs;
mod style;
mod tutorial;

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use unstick::FrameFormat;

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
    /// Decode a captured stream (raw bytes, or a pcap/pcapng file's TCP streams) frame by frame,
    /// and explain where and why it fails.
    Inspect(inspect::Args),
    /// Wrap standard input into frames on standard output: one per line, or per chunk of N bytes.
    Frame(pipe::FrameArgs),
    /// Unwrap frames from standard input, writing their payloads to standard output.
    Unframe(pipe::UnframeArgs),
    /// Write a Wireshark Lua dissector for a frame format (or the tutorials' JSON-header frames)
    /// that reassembles frames across TCP segments.
    Dissector(dissector::Args),
    /// List the preset frame formats and what each frames.
    Formats,
    /// Print a shell completion script (bash: `source <(unstick completions bash)`).
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

/// Parses `--format`: a preset, a length field, or either with settings (`grpc,max=4MiB`).
pub fn parse_format(text: &str) -> Result<FrameFormat, String> {
    text.parse::<FrameFormat>().map_err(|e| {
        let item = e.item(text);
        if item.is_empty() {
            e.to_string()
        } else {
            format!("{e} ({item:?})")
        }
    })
}

fn formats() -> ExitCode {
    println!("{:<18} {:<28} frames", "preset", "spec");
    for p in FrameFormat::PRESETS {
        println!("{:<18} {:<28} {}", p.name, p.format.to_string(), p.about);
    }
    println!(
        "\nOr a length field (u8, u16be, u24le, u32be, i32le, u64be, leb128, quic, ...) with settings:\nhead=N, length=FIELD, adjust=N, max=SIZE, oversize=reject|skip, non-minimal, streaming."
    );
    ExitCode::SUCCESS
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Echo(args) => programs::echo::run(args),
        Command::File(args) => programs::file::run(args),
        Command::Rexec(args) => programs::rexec::run(args),
        Command::Time(args) => programs::time::run(args),
        Command::Demo => programs::demo::run(),
        Command::Inspect(args) => inspect::run(args),
        Command::Frame(args) => pipe::frame(args),
        Command::Unframe(args) => pipe::unframe(args),
        Command::Dissector(args) => dissector::run(args),
        Command::Formats => formats(),
        Command::Completions { shell } => {
            clap_complete::generate(
                shell,
                &mut <Cli as clap::CommandFactory>::command(),
                "unstick",
                &mut std::io::stdout(),
            );
            ExitCode::SUCCESS
        }
    }
}
